/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Sum of a byte range of an skb, for verifying checksums that claim to be
 * complete, at any length the device allows (jumbo, non-linear).
 *
 * The linear part is summed in place with bpf_csum_diff() on packet
 * pointers; what lies in page frags is copied in blocks to a per-CPU
 * scratch buffer first. Blocks are 512 bytes because kernels 6.3..6.12
 * refuse larger bpf_csum_diff() sizes (6.13+ accept any, and fold their
 * result to 16 bits: both forms are valid partial sums for our fold).
 * Every block starts at an even offset from `off`, so byte lanes never
 * swap; an odd tail is zero-padded, which is exactly RFC 1071's padding.
 */
#ifndef OG_BPF_SKB_CSUM_H
#define OG_BPF_SKB_CSUM_H

#include "csum.h"

#define OG_CSUM_BLOCK		512
#define OG_CSUM_MAX_BLOCKS	128	/* 64 KiB: beyond, not verified */
#define OG_SCRATCH_SIZE		1024	/* masked tail size reaches 1020 */

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
 * Returns the 64-bit accumulator (seed included) or -1 when the range
 * cannot be read or is longer than OG_CSUM_MAX_BLOCKS blocks.
 */
static __always_inline __s64 og_skb_csum(struct __sk_buff *ctx, __u32 off,
					 __u32 len, __u64 seed)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 linear = data_end - data;
	struct og_scratch *scr;
	__u32 zero = 0, i, tail, sz;
	__u64 sum = seed;
	__s64 r;

	if (len > OG_CSUM_BLOCK * OG_CSUM_MAX_BLOCKS)
		return -1;

	/* In place while whole blocks lie in the linear part. */
	for (i = 0; i < OG_CSUM_MAX_BLOCKS; i++) {
		void *p;

		if (len < OG_CSUM_BLOCK || off + OG_CSUM_BLOCK > linear ||
		    off > 0xfc00)
			break;
		p = data + off;
		if (p + OG_CSUM_BLOCK > data_end)
			break;
		r = bpf_csum_diff(NULL, 0, p, OG_CSUM_BLOCK, 0);
		if (r < 0)
			return -1;
		sum += (__u32)r;
		off += OG_CSUM_BLOCK;
		len -= OG_CSUM_BLOCK;
	}

	scr = bpf_map_lookup_elem(&og_scratch, &zero);
	if (!scr)
		return -1;

	/* The rest, page frags included, through the scratch buffer. */
	for (i = 0; i < OG_CSUM_MAX_BLOCKS; i++) {
		if (len < OG_CSUM_BLOCK)
			break;
		if (bpf_skb_load_bytes(ctx, off, scr->buf, OG_CSUM_BLOCK))
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
		return sum;
	/* Keep clang from testing one copy and passing another. */
	asm volatile("" : "+r"(tail));
	tail &= OG_CSUM_BLOCK - 1;
	if (tail < 1)
		return sum;
	/* Zero the last partial word, then copy: padding adds nothing. */
	*(__u32 *)&scr->buf[tail & 0x1fc] = 0;
	if (bpf_skb_load_bytes(ctx, off, scr->buf, tail))
		return -1;
	sz = (tail + 3) & 0x3fc;
	r = bpf_csum_diff(NULL, 0, (void *)scr->buf, sz, 0);
	if (r < 0)
		return -1;
	return sum + (__u32)r;
}

#endif /* OG_BPF_SKB_CSUM_H */
