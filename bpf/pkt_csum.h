/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Sum of a byte range of an skb, for verifying checksums that claim to be
 * complete, at any length the device allows (jumbo, non-linear).
 *
 * The linear part is summed in place with bpf_csum_diff() on packet
 * pointers, in decreasing power-of-two blocks; the last < 64 bytes with
 * plain loads (a helper call costs more than summing them). What lies in
 * page frags is copied in blocks to a per-CPU scratch buffer first.
 *
 * Kernels 6.3..6.12 refuse bpf_csum_diff() sizes over 512; 6.13+ accept
 * any (and fold their result to 16 bits: both forms are valid partial
 * sums for our fold). offguard tries 2 KiB blocks and, the first time
 * the kernel refuses one, remembers it in og_csum_small_only and uses
 * 512-byte blocks from then on: no probe, no version check.
 *
 * Every block starts at an even offset from `off`, so byte lanes never
 * swap; an odd tail is zero-padded, which is exactly RFC 1071's padding.
 */
#ifndef OG_BPF_PKT_CSUM_H
#define OG_BPF_PKT_CSUM_H

#include "ctx.h"
#include "csum.h"
#include "ptr.h"

#define OG_CSUM_BLOCK		512	/* largest size every kernel accepts */
#define OG_CSUM_BIG		2048
#define OG_CSUM_REFUSED		(-2)
#define OG_CSUM_MAX_BLOCKS	128	/* 64 KiB: beyond, not verified */
/*
 * Whole blocks summed in place. Linear heads rarely exceed a page (TUN:
 * ~3.7 KiB; jumbo NIC frames live in frags), and each unrolled iteration
 * costs verifier budget, so past 8 KiB the copy path continues.
 */
#define OG_CSUM_INPLACE_BLOCKS	16
#define OG_SCRATCH_SIZE		OG_CSUM_BIG	/* >= 1024: masked tail reaches 1020 */

struct og_scratch {
	__u8	buf[OG_SCRATCH_SIZE];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct og_scratch);
} og_scratch SEC(".maps");

/*
 * In-place blocks only below 32 KiB into the linear part (see ptr.h for
 * why a bound); beyond, the copy path takes over.
 */
#define OG_CSUM_INPLACE_MAX	0x7fff

static __always_inline void *og_csum_ptr(void *data, void *data_end,
					 __u32 off, __u32 n)
{
	return og_pkt_ptr(data, data_end, off, n, OG_CSUM_INPLACE_MAX);
}

/* 1 once the kernel refused a block over 512 bytes. */
volatile __u32 og_csum_small_only = 0;

#define OG_CSUM_STEP(n) do {						\
	if (len & (n)) {						\
		void *q = og_csum_ptr(data, data_end, off, (n));	\
									\
		if (!q)							\
			return -1;					\
		r = bpf_csum_diff(NULL, 0, q, (n), 0);			\
		if (r < 0)						\
			return (n) > OG_CSUM_BLOCK ? OG_CSUM_REFUSED : -1; \
		sum += (__u32)r;					\
		off += (n);						\
	}								\
} while (0)

/* n (8, 16 or 32) bytes as 64-bit loads, both halves into the sum. */
#define OG_CSUM_LOAD_STEP(n) do {					\
	if (len & (n)) {						\
		__u64 *q = og_csum_ptr(data, data_end, off, (n));	\
		int k;							\
									\
		if (!q)							\
			return -1;					\
		for (k = 0; k < (n) / 8; k++)				\
			sum += (q[k] & 0xffffffff) + (q[k] >> 32);	\
		off += (n);						\
	}								\
} while (0)

/*
 * The pieces below are global functions: each is verified once. Inlined
 * together, every exit of the block loop would be walked through every
 * tail path and the verifier would run out of budget. Each returns a
 * folded 16-bit partial sum (>= 0) or -1; folding pieces that all start
 * at even offsets keeps their one's-complement sum exact.
 */

/*
 * Linear bytes, in place, no copy: len < OG_CSUM_BIG * 2 with big blocks,
 * len < OG_CSUM_BLOCK without. Returns OG_CSUM_REFUSED if the kernel
 * refused a big block.
 */
__attribute__((noinline))
int og_csum_tail_inplace(struct og_ctx *ctx, __u32 off, __u32 len,
			 __u32 big)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u64 sum = 0;
	__s64 r;

	if (big) {
		if (len >= OG_CSUM_BIG * 2)
			return -1;
		OG_CSUM_STEP(2048);
		OG_CSUM_STEP(1024);
		OG_CSUM_STEP(512);
	} else if (len >= OG_CSUM_BLOCK) {
		return -1;
	}
	OG_CSUM_STEP(256);
	OG_CSUM_STEP(128);
	OG_CSUM_STEP(64);
	OG_CSUM_LOAD_STEP(32);
	OG_CSUM_LOAD_STEP(16);
	OG_CSUM_LOAD_STEP(8);
	if (len & 4) {
		__u32 *w = og_csum_ptr(data, data_end, off, 4);

		if (!w)
			return -1;
		sum += *w;
		off += 4;
	}
	if (len & 2) {
		__u16 *h = og_csum_ptr(data, data_end, off, 2);

		if (!h)
			return -1;
		sum += *h;
		off += 2;
	}
	if (len & 1) {
		/* odd byte at an even offset: low byte of its word */
		__u8 *b = og_csum_ptr(data, data_end, off, 1);

		if (!b)
			return -1;
		sum += *b;
	}
	return og_csum_fold(sum);
}

/*
 * Anything not in the linear part (page frags): copy, then sum. Big
 * blocks halve the helper calls per KiB where the kernel takes them.
 */
__attribute__((noinline))
int og_csum_copy(struct og_ctx *ctx, __u32 off, __u32 len, __u32 big)
{
	struct og_scratch *scr;
	__u32 zero = 0, i, tail, sz;
	__u64 sum = 0;
	__s64 r;

	scr = bpf_map_lookup_elem(&og_scratch, &zero);
	if (!scr)
		return -1;
	if (big) {
		for (i = 0; i < OG_CSUM_MAX_BLOCKS / 4; i++) {
			if (len < OG_CSUM_BIG)
				break;
			if (og_load_bytes(ctx, off, scr->buf, OG_CSUM_BIG))
				return -1;
			r = bpf_csum_diff(NULL, 0, (void *)scr->buf,
					  OG_CSUM_BIG, 0);
			if (r < 0)
				return OG_CSUM_REFUSED;
			sum += (__u32)r;
			off += OG_CSUM_BIG;
			len -= OG_CSUM_BIG;
		}
		if (len >= OG_CSUM_BIG)
			return -1;
	}
	/* Without big blocks up to 128 of these; after them, at most 3. */
	for (i = 0; i < (big ? 4 : OG_CSUM_MAX_BLOCKS); i++) {
		if (len < OG_CSUM_BLOCK)
			break;
		if (og_load_bytes(ctx, off, scr->buf, OG_CSUM_BLOCK))
			return -1;
		r = bpf_csum_diff(NULL, 0, (void *)scr->buf, OG_CSUM_BLOCK, 0);
		if (r < 0)
			return -1;
		sum += (__u32)r;
		off += OG_CSUM_BLOCK;
		len -= OG_CSUM_BLOCK;
	}
	if (len >= OG_CSUM_BLOCK)
		return -1;
	tail = len;
	if (!tail)
		return og_csum_fold(sum);
	/* Keep clang from testing one copy and passing another. */
	asm volatile("" : "+r"(tail));
	tail &= OG_CSUM_BLOCK - 1;
	if (tail < 1)
		return og_csum_fold(sum);
	/* Zero the last partial word, then copy: padding adds nothing. */
	*(__u32 *)&scr->buf[tail & 0x1fc] = 0;
	if (og_load_bytes(ctx, off, scr->buf, tail))
		return -1;
	sz = (tail + 3) & 0x3fc;
	r = bpf_csum_diff(NULL, 0, (void *)scr->buf, sz, 0);
	if (r < 0)
		return -1;
	return og_csum_fold(sum + (__u32)r);
}

/*
 * Folded sum of [off, off+len), or -1 when the range cannot be read or is
 * longer than OG_CSUM_MAX_BLOCKS blocks, or OG_CSUM_REFUSED when `big`
 * blocks were refused (the caller retries without).
 */
__attribute__((noinline))
int og_csum_walk(struct og_ctx *ctx, __u32 off, __u32 len, __u32 big)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 linear = data_end - data;
	__u64 sum = 0;
	__u32 i;
	__s64 r;
	int t;

	if (len > OG_CSUM_BLOCK * OG_CSUM_MAX_BLOCKS)
		return -1;

	/* In place while whole blocks lie in the linear part. */
	if (big) {
		for (i = 0; i < OG_CSUM_INPLACE_BLOCKS / 4; i++) {
			void *p;

			if (len < OG_CSUM_BIG * 2 || off + OG_CSUM_BIG > linear)
				break;
			p = og_csum_ptr(data, data_end, off, OG_CSUM_BIG);
			if (!p)
				break;
			r = bpf_csum_diff(NULL, 0, p, OG_CSUM_BIG, 0);
			if (r < 0)
				return OG_CSUM_REFUSED;
			sum += (__u32)r;
			off += OG_CSUM_BIG;
			len -= OG_CSUM_BIG;
		}
	} else {
		for (i = 0; i < OG_CSUM_INPLACE_BLOCKS; i++) {
			void *p;

			if (len < OG_CSUM_BLOCK ||
			    off + OG_CSUM_BLOCK > linear)
				break;
			p = og_csum_ptr(data, data_end, off, OG_CSUM_BLOCK);
			if (!p)
				break;
			r = bpf_csum_diff(NULL, 0, p, OG_CSUM_BLOCK, 0);
			if (r < 0)
				return -1;
			sum += (__u32)r;
			off += OG_CSUM_BLOCK;
			len -= OG_CSUM_BLOCK;
		}
	}
	if (!len)
		return og_csum_fold(sum);
	if (len < (big ? OG_CSUM_BIG * 2 : OG_CSUM_BLOCK) &&
	    off + len <= linear && off + len <= OG_CSUM_INPLACE_MAX)
		t = og_csum_tail_inplace(ctx, off, len, big);
	else
		t = og_csum_copy(ctx, off, len, big);
	if (t < 0)
		return t;
	return og_csum_fold(sum + t);
}

/* Sum of [off, off+len) plus seed, as a 64-bit accumulator, or -1. */
static __always_inline __s64 og_pkt_csum(struct og_ctx *ctx, __u32 off,
					 __u32 len, __u64 seed)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 linear = data_end - data;
	int t = OG_CSUM_REFUSED;

	/* Common case, one call: a linear packet below 4 KiB. */
	if (!og_csum_small_only && len < OG_CSUM_BIG * 2 &&
	    off + len <= linear && off + len <= OG_CSUM_INPLACE_MAX)
		t = og_csum_tail_inplace(ctx, off, len, 1);
	else if (!og_csum_small_only)
		t = og_csum_walk(ctx, off, len, 1);
	if (t == OG_CSUM_REFUSED) {
		og_csum_small_only = 1;
		t = og_csum_walk(ctx, off, len, 0);
	}
	if (t < 0)
		return -1;
	return seed + t;
}

/*
 * Folded sum over the whole L4 segment plus `seed`, or -1 when it cannot
 * be read. A global function: the verifier checks it once, not once per
 * call site, and its two loops stay out of the callers' state space.
 */
__attribute__((noinline))
int og_l4_sum(struct og_ctx *ctx, __u32 off, __u32 len, __u32 seed)
{
	__s64 sum = og_pkt_csum(ctx, off, len, seed);

	if (sum < 0)
		return -1;
	return og_csum_fold(sum);
}

#endif /* OG_BPF_PKT_CSUM_H */
