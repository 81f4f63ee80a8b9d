/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * offguard segd: the command (user/segd.c) and its counters as `stats`
 * reads them from the pins segd keeps while it runs (user/segd_stats.c).
 */
#ifndef OG_SEGD_H
#define OG_SEGD_H

#include <stdbool.h>
#include <linux/types.h>
#include "offguard/offguard.h"

struct json_writer;

/* JSON/text name of an enum og_segd_ctr, NULL past the end. */
const char *og_segd_ctr_name(unsigned int i);

/*
 * The counters of a segd counter map (its fd), summed over CPUs; a key
 * the map lacks reads 0. 0 or a negative errno.
 */
int og_segd_ctrs_read(int fd, __u64 ctr[__OG_SEGD_CTR_MAX]);

struct og_segd_view {
	__u32	in_ifindex, out_ifindex;
	bool	running;	/* the pin's map is in in's XDP program now */
	__u64	ctr[__OG_SEGD_CTR_MAX];
};

/*
 * Every segd pin in the pin root, counters summed over CPUs. Returns how
 * many were filled into v[0..max), or a negative errno.
 */
int og_segd_read(struct og_segd_view *v, unsigned int max);

/*
 * The "segd" section: in, out, running, and with counters (stats) each
 * counter; status leaves them out.
 */
void og_segd_json(struct json_writer *jw, const struct og_segd_view *v,
		  unsigned int n, bool counters);
void og_segd_text(const struct og_segd_view *v, unsigned int n,
		  bool counters);

#endif /* OG_SEGD_H */
