/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The maps every offguard program shares, and the code that writes them.
 * Each BPF object (tc, XDP, drop watcher) declares them with this one
 * definition; the loader hands the second and later objects the first
 * one's maps (bpf_map__reuse_fd), so counters, config and samples of all
 * hooks live in one place and `stats`/`dump` read them together.
 */
#ifndef OG_BPF_MAPS_H
#define OG_BPF_MAPS_H

#include "offguard/offguard.h"
#include "ctx.h"


struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, OG_MAX_COUNTERS);
	__type(key, struct og_counter_key);
	__type(value, struct og_counter);
} og_counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, OG_MAX_DEVICES);
	__type(key, struct og_dev_key);
	__type(value, struct og_dev_stats);
} og_devstats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, OG_MAX_DEVICES);
	__type(key, struct og_dev_key);
	__type(value, struct og_dev_conf);
} og_config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, OG_SAMPLES_RING);
} og_samples SEC(".maps");

/*
 * When each {device, hook, first rule} may be sampled next. LRU: a host
 * with more devices than entries forgets the quiet ones first, and a
 * forgotten entry only means one more sample.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, OG_SAMPLE_RL_MAX);
	__type(key, struct og_counter_key);
	__type(value, __u64);
} og_sample_rl SEC(".maps");

static __always_inline struct og_dev_stats *
og_devstats_get(const struct og_dev_key *key)
{
	struct og_dev_stats *st, zero = {};

	st = bpf_map_lookup_elem(&og_devstats, key);
	if (st)
		return st;
	/* Normally pre-created at attach; a race with another CPU is fine. */
	bpf_map_update_elem(&og_devstats, key, &zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(&og_devstats, key);
}

/* One counter: the reason's packets/bytes, and whether repaired/dropped. */
static __always_inline void og_count_one(__u32 ifindex, enum og_hook hook,
					 __u32 reason, int repaired,
					 int dropped, __u32 len)
{
	struct og_counter_key key = { .ifindex = ifindex, .hook = hook,
				      .reason = reason };
	struct og_counter *c, zero = {};

	c = bpf_map_lookup_elem(&og_counters, &key);
	if (!c) {
		bpf_map_update_elem(&og_counters, &key, &zero, BPF_NOEXIST);
		c = bpf_map_lookup_elem(&og_counters, &key);
		if (!c)
			return;
	}
	/* Per-CPU values: plain increments are exact. */
	c->packets++;
	c->bytes += len;
	if (repaired)
		c->repaired++;
	if (dropped)
		c->dropped++;
}

/* Every reason in [first, last] that the mask holds. */
static __always_inline void og_count(__u32 ifindex, enum og_hook hook,
				     __u32 reasons, __u32 repaired,
				     __u32 dropped, __u32 len, __u32 first,
				     __u32 last)
{
	__u32 r;

	for (r = first; r <= last; r++) {
		if (!(reasons & OG_BIT(r)))
			continue;
		og_count_one(ifindex, hook, r, !!(repaired & OG_BIT(r)),
			     !!(dropped & OG_BIT(r)), len);
	}
}

/* Lowest set bit of a non-zero mask, without a loop. */
static __always_inline __u32 og_first_bit(__u32 m)
{
	__u32 n = 0;

	if (!(m & 0xffff)) {
		n += 16;
		m >>= 16;
	}
	if (!(m & 0xff)) {
		n += 8;
		m >>= 8;
	}
	if (!(m & 0xf)) {
		n += 4;
		m >>= 4;
	}
	if (!(m & 0x3)) {
		n += 2;
		m >>= 2;
	}
	if (!(m & 0x1))
		n += 1;
	return n;
}

/*
 * A sample record for an offending packet, or NULL when its {device,
 * hook, first rule} was sampled less than OG_SAMPLE_INTERVAL_NS ago or
 * the ring is full (nobody reading: the oldest records stay, new ones
 * are skipped). The caller fills the metadata, then og_sample_finish().
 * Only packets that raised a rule get here: the cost is off the clean
 * path.
 */
static __always_inline struct og_sample *
og_sample_begin(__u32 ifindex, enum og_hook hook, __u32 reasons)
{
	struct og_counter_key key = { .ifindex = ifindex, .hook = hook };
	struct og_sample *s;
	__u64 now, *next, when;

	if (!reasons)
		return NULL;
	key.reason = og_first_bit(reasons);
	now = bpf_ktime_get_ns();
	next = bpf_map_lookup_elem(&og_sample_rl, &key);
	if (next && now < *next)
		return NULL;
	when = now + OG_SAMPLE_INTERVAL_NS;
	bpf_map_update_elem(&og_sample_rl, &key, &when, BPF_ANY);

	s = bpf_ringbuf_reserve(&og_samples, sizeof(*s), 0);
	if (!s)
		return NULL;
	/* Ring memory is not zeroed: every header field is written. */
	__builtin_memset(s, 0, offsetof(struct og_sample, data));
	s->ts_ns = now;
	s->ifindex = ifindex;
	s->hook = hook;
	s->reasons = reasons;
	return s;
}

#ifdef og_load_bytes
/* Copy the first bytes of the packet and hand the record to the reader. */
static __always_inline void og_sample_finish(struct og_ctx *ctx,
					     struct og_sample *s, __u32 len)
{
	__u32 cap = len < OG_SAMPLE_SNAP ? len : OG_SAMPLE_SNAP;

	s->len = len;
	/* The helper wants a constant-bounded, non-zero size. */
	asm volatile("" : "+r"(cap));
	cap &= 2 * OG_SAMPLE_SNAP - 1;
	if (cap > OG_SAMPLE_SNAP)
		cap = OG_SAMPLE_SNAP;
	if (cap && !og_load_bytes(ctx, 0, s->data, cap))
		s->caplen = cap;
	bpf_ringbuf_submit(s, 0);
}
#endif /* og_load_bytes */

#endif /* OG_BPF_MAPS_H */
