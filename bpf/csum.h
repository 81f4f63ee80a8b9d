/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Internet checksum arithmetic (RFC 1071), no helpers, no packet access:
 * the same code runs in the BPF programs and in the userspace unit tests
 * that check it against known answers.
 *
 * Convention (the kernel's __wsum): 16-bit words are added as they lie in
 * memory, read in host order, so on little-endian hosts a sum is
 * byte-swapped relative to the "network order" value; folding and
 * complementing commute with that swap, so every comparison below is made
 * between values in the same convention and never converted. Constants
 * that enter a sum (protocol, length) are converted with og_htons().
 */
#ifndef OG_BPF_CSUM_H
#define OG_BPF_CSUM_H

#ifdef __VMLINUX_H__
#define og_htons(x) bpf_htons(x)
#define og_ntohs(x) bpf_ntohs(x)
#else
#include <arpa/inet.h>
#include <linux/types.h>
#define og_htons(x) htons(x)
#define og_ntohs(x) ntohs(x)
#endif

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

/* Fold a 64-bit accumulator into 16 bits with end-around carry. */
static __always_inline __u16 og_csum_fold(__u64 sum)
{
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)sum;
}

/*
 * Two checksum field values are the same one's-complement number when
 * equal, or when one is +0 (0x0000) and the other -0 (0xffff): a UDP
 * sender turns a computed 0 into 0xffff, a writer may store either.
 */
static __always_inline int og_csum16_equiv(__u16 a, __u16 b)
{
	if (a == b)
		return 1;
	return (a == 0 && b == 0xffff) || (a == 0xffff && b == 0);
}

/*
 * The value a checksum field must hold, given the folded sum over what
 * it covers with `old` in the field: the complement of that sum without
 * the old value.
 */
static __always_inline __u16 og_csum_replace(__u32 sum, __u16 old)
{
	return ~og_csum_fold((__u64)sum + (__u16)~old);
}

/* A complete checksum verifies when the folded sum over it is -0. */
static __always_inline int og_csum_ok(__u64 sum)
{
	return og_csum_fold(sum) == 0xffff;
}

/* Pseudo-header address part, IPv4 (addresses as in the packet). */
static __always_inline __u64 og_pseudo_addr4(__u32 saddr, __u32 daddr)
{
	return (__u64)saddr + daddr;
}

/* Pseudo-header address part, IPv6 (4 words each, as in the packet). */
static __always_inline __u64 og_pseudo_addr6(const __u32 *saddr,
					     const __u32 *daddr)
{
	return (__u64)saddr[0] + saddr[1] + saddr[2] + saddr[3] +
	       daddr[0] + daddr[1] + daddr[2] + daddr[3];
}

/*
 * Full pseudo-header sum: addresses + protocol + L4 length. For IPv6 the
 * length and next header are 32-bit fields (RFC 8200 §8.1) but sum the
 * same as their 16-bit halves while the length fits 16 bits; jumbo
 * lengths are split explicitly.
 */
static __always_inline __u64 og_pseudo_sum(__u64 addr_sum, __u8 proto,
					   __u32 l4_len)
{
	return addr_sum + og_htons((__u16)proto) +
	       og_htons((__u16)(l4_len >> 16)) + og_htons((__u16)l4_len);
}

/*
 * The value a CHECKSUM_PARTIAL writer must leave in the checksum field:
 * the folded, not complemented, pseudo-header sum (tcp_v4_send_check,
 * virtio spec 5.1.6.2). The length-less variant is what some NICs want
 * for TSO and what a writer copying NIC code may leave behind.
 */
static __always_inline __u16 og_partial_seed(__u64 addr_sum, __u8 proto,
					     __u32 l4_len)
{
	return og_csum_fold(og_pseudo_sum(addr_sum, proto, l4_len));
}

static __always_inline __u16 og_partial_seed_lengthless(__u64 addr_sum,
							__u8 proto)
{
	return og_csum_fold(addr_sum + og_htons((__u16)proto));
}

/*
 * Byte-wise sum of a buffer for small fixed-size headers (and the unit
 * tests' reference). Odd trailing byte is padded with zero, as RFC 1071
 * says, which in memory order is the low-address byte of a 16-bit word.
 */
static __always_inline __u64 og_csum_bytes(const void *buf, __u32 len,
					   __u64 sum)
{
	const __u8 *p = buf;
	__u32 i;

	for (i = 0; i + 1 < len; i += 2) {
		__u16 w;

		__builtin_memcpy(&w, p + i, 2);
		sum += w;
	}
	if (len & 1) {
		__u8 last[2] = { p[len - 1], 0 };
		__u16 w;

		__builtin_memcpy(&w, last, 2);
		sum += w;
	}
	return sum;
}

#endif /* OG_BPF_CSUM_H */
