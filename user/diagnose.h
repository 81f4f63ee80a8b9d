/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The diagnosis behind `offguard report`: device configuration plus what
 * offguard counted, in; per-device mismatches with evidence, severity and
 * a fix, out. Pure: no BPF, no netlink, no I/O, so the unit tests feed it
 * fixtures and read every finding.
 */
#ifndef OG_DIAGNOSE_H
#define OG_DIAGNOSE_H

#include <stdbool.h>
#include <linux/types.h>

#include "offguard/offguard.h"
#include "devinfo.h"

/* What offguard holds about one device: counters, statistics, settings. */
struct og_diag_dev {
	struct og_devinfo	info;
	bool			have_info;	/* false: gone, counters only */
	bool			watched;	/* an offguard hook is attached */
	bool			have_conf[__OG_HOOK_MAX];
	struct og_dev_conf	conf[__OG_HOOK_MAX];
	struct og_dev_stats	st[__OG_HOOK_MAX];
	struct og_counter	reason[__OG_HOOK_MAX][__OG_REASON_MAX];
};

enum og_severity {
	OG_SEV_INFO	= 0,	/* worth knowing, nothing broken */
	OG_SEV_WARNING	= 1,	/* costs throughput or hides a fault */
	OG_SEV_ERROR	= 2,	/* packets are lost or corrupted, or will be */
};

#define OG_DIAG_MAX_EVIDENCE	10

struct og_evidence {
	const char	*key;
	char		val[96];
};

struct og_finding {
	unsigned int		dev;		/* index into the input array */
	const char		*id;		/* stable snake_case */
	enum og_severity	severity;
	char			summary[320];
	char			fix[320];
	unsigned int		nr_ev;
	struct og_evidence	ev[OG_DIAG_MAX_EVIDENCE];
};

/*
 * Findings for devs[0..nr), appended to *out (realloc'ed; *nr_out
 * counts them). Returns 0 or -ENOMEM.
 */
int og_diagnose(const struct og_diag_dev *devs, unsigned int nr,
		struct og_finding **out, unsigned int *nr_out);

const char *og_severity_name(enum og_severity s);

#endif /* OG_DIAGNOSE_H */
