/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The daemon's configuration file (default /etc/offguard/offguard.conf).
 * One directive a line; '#' starts a comment where a word starts:
 *
 *   match PATTERN [hooks=H[,H...]] [policy=P] [writer-omits-csum]
 *                 [mtu=N] [xdp-mode=native|skb]
 *   prometheus PATH [interval=SECONDS]
 *
 * PATTERN is a shell glob (fnmatch(3)) over interface names; the first
 * rule that matches a device decides everything about it. The parser is
 * pure (no kernel, no root) so the unit tests run it on fixtures; every
 * error is "FILE:LINE: problem" (or "FILE: problem" for the file itself).
 */
#ifndef OG_CONFIG_H
#define OG_CONFIG_H

#include <stdbool.h>
#include <stdio.h>
#include <net/if.h>
#include <linux/types.h>

#include "offguard/offguard.h"

#define OG_CONFIG_DEFAULT	"/etc/offguard/offguard.conf"
#define OG_PROM_INTERVAL_DEFAULT	15

struct og_rule {
	char			pattern[IF_NAMESIZE];
	unsigned int		line;
	unsigned int		hooks;		/* OG_HOOK_BIT mask */
	enum og_policy		policy;
	__u32			flags;		/* OG_CONF_WRITER_OMITS_CSUM */
	__u32			mtu;
	enum og_attach_mode	xdp_mode;	/* NONE: auto */
};

struct og_config {
	struct og_rule		*rules;
	unsigned int		nr_rules;
	char			*prom_path;	/* NULL: no textfile */
	unsigned int		prom_interval;	/* seconds */
	unsigned int		prom_line;
};

/*
 * Parse f, named 'name' in errors, into cfg (zeroed here). On error
 * returns -EINVAL (or -errno of a read error, -ENOMEM) with the message
 * in err, and cfg holds nothing.
 */
int og_config_parse(FILE *f, const char *name, struct og_config *cfg,
		    char *err, size_t errlen);
/* Open and parse path; a missing file or a directory is an error too. */
int og_config_load(const char *path, struct og_config *cfg, char *err,
		   size_t errlen);
void og_config_free(struct og_config *cfg);

/* The first rule whose pattern matches ifname, or NULL. */
const struct og_rule *og_config_match(const struct og_config *cfg,
				      const char *ifname);
/* Do two rules ask for the same attachment (pattern and line aside)? */
bool og_rule_same(const struct og_rule *a, const struct og_rule *b);
/*
 * A pattern's problem ("'/' cannot be in an interface name"), or NULL
 * when it is a valid one.
 */
const char *og_pattern_problem(const char *pattern);

#endif /* OG_CONFIG_H */
