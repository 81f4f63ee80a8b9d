// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>

#include "counters.h"
#include "instance.h"

void og_sum_percpu(__u64 *dst, const void *percpu, size_t size, int ncpus)
{
	/* per-CPU values come 8-byte aligned, one after the other */
	size_t stride = (size + 7) & ~(size_t)7, i;
	int cpu;

	memset(dst, 0, size);
	for (cpu = 0; cpu < ncpus; cpu++) {
		const __u64 *v = (const void *)((const char *)percpu +
						cpu * stride);

		for (i = 0; i < size / sizeof(__u64); i++)
			dst[i] += v[i];
	}
}

int og_counters_walk(int fd, og_counter_fn fn, void *arg)
{
	struct og_counter_key key, next, *prev = NULL;
	int ncpus = og_nr_cpus(), err = 0;
	struct og_counter sum;
	void *buf;

	buf = calloc(ncpus, sizeof(struct og_counter));
	if (!buf)
		return -ENOMEM;
	while (!err && !bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		/* a reason this offguard has no name for: newer BPF side */
		if (key.hook >= __OG_HOOK_MAX || key.reason >= __OG_REASON_MAX)
			continue;
		if (bpf_map_lookup_elem(fd, &key, buf))
			continue;	/* deleted meanwhile */
		og_sum_percpu((__u64 *)&sum, buf, sizeof(sum), ncpus);
		err = fn(&key, &sum, arg);
	}
	free(buf);
	return err;
}

int og_devstats_walk(int fd, og_devstats_fn fn, void *arg)
{
	struct og_dev_key key, next, *prev = NULL;
	int ncpus = og_nr_cpus(), err = 0;
	struct og_dev_stats sum;
	void *buf;

	buf = calloc(ncpus, sizeof(struct og_dev_stats));
	if (!buf)
		return -ENOMEM;
	while (!err && !bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (key.hook >= __OG_HOOK_MAX)
			continue;
		if (bpf_map_lookup_elem(fd, &key, buf))
			continue;
		og_sum_percpu((__u64 *)&sum, buf, sizeof(sum), ncpus);
		err = fn(&key, &sum, arg);
	}
	free(buf);
	return err;
}
