/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Reading offguard's per-CPU maps: every entry of og_counters and
 * og_devstats, summed over CPUs, handed to a callback. Shared by the
 * commands that read the counters (stats, report).
 */
#ifndef OG_COUNTERS_H
#define OG_COUNTERS_H

#include <stddef.h>
#include <linux/types.h>

#include "offguard/offguard.h"

/* Sum a per-CPU value made of u64 fields (all of offguard's are). */
void og_sum_percpu(__u64 *dst, const void *percpu, size_t size, int ncpus);

typedef int (*og_counter_fn)(const struct og_counter_key *key,
			     const struct og_counter *sum, void *arg);
typedef int (*og_devstats_fn)(const struct og_dev_key *key,
			      const struct og_dev_stats *sum, void *arg);

/*
 * Every entry whose hook (and reason) this offguard knows; entries
 * deleted meanwhile are skipped. A callback's non-zero return stops the
 * walk and is returned; else 0, or -ENOMEM.
 */
int og_counters_walk(int fd, og_counter_fn fn, void *arg);
int og_devstats_walk(int fd, og_devstats_fn fn, void *arg);

#endif /* OG_COUNTERS_H */
