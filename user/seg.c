// SPDX-License-Identifier: GPL-2.0-only
/*
 * Segmentation core (see seg.h for the contract). Checksums follow the
 * convention of bpf/csum.h: 16-bit words are summed as they lie in
 * memory, constants enter in network order, and the folded complement is
 * stored without conversion, so no byte is ever swapped.
 */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "seg.h"

#define SEG_ETH_HLEN	14
#define SEG_VLAN_HLEN	4
#define SEG_MAX_EXT	8	/* IPv6 extension headers walked at most */

#define TCP_FLAG_FIN	0x01
#define TCP_FLAG_PSH	0x08
#define TCP_FLAG_CWR	0x80

struct seg_frame {
	struct og_seg_info	i;
	__u64			ph_addr;	/* pseudo-header address sum */
	__u32			seq;
	__u16			ip_id;
	__u8			l4_hlen;
};

static __u16 rd16(const __u8 *p)
{
	return (__u16)(p[0] << 8 | p[1]);
}

static void wr16(__u8 *p, __u16 v)
{
	p[0] = v >> 8;
	p[1] = (__u8)v;
}

static __u16 fold(__u64 sum)
{
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)sum;
}

/*
 * Copy len bytes and return the running sum over them. 32-bit halves of
 * each 8-byte load are added: 2^16 == 1 modulo 0xffff, so a sum of 32-bit
 * words folds to the same one's-complement value as one of 16-bit words,
 * and the 64-bit accumulator cannot overflow below 2^31 loads. dst may be
 * NULL to sum only. An odd last byte is the low-address byte of a word.
 */
static __u64 copy_sum(__u8 *dst, const __u8 *src, size_t len, __u64 sum)
{
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		__u64 v;

		memcpy(&v, src + i, 8);
		if (dst)
			memcpy(dst + i, &v, 8);
		sum += (v & 0xffffffff) + (v >> 32);
	}
	for (; i + 2 <= len; i += 2) {
		__u16 w;

		memcpy(&w, src + i, 2);
		if (dst)
			memcpy(dst + i, &w, 2);
		sum += w;
	}
	if (i < len) {
		__u8 last[2] = { src[i], 0 };
		__u16 w;

		memcpy(&w, last, 2);
		if (dst)
			dst[i] = src[i];
		sum += w;
	}
	return sum;
}

/* The folded complement, as it goes in a header (memory order). */
static void put_csum(__u8 *field, __u64 sum, int udp)
{
	__u16 c = (__u16)~fold(sum);

	/* RFC 768: a computed 0 is sent as all ones, 0 meaning "none". */
	if (udp && c == 0)
		c = 0xffff;
	memcpy(field, &c, 2);
}

/*
 * Final destination of an IPv6 packet with a routing header that still
 * has segments left: type 2 carries the home address, an SRH (type 4)
 * lists it first. Other types are refused: their final destination is
 * not worth guessing for a checksum that would then be wrong.
 */
static int rh_final_dst(const __u8 *rh, size_t hlen, const __u8 **dst)
{
	if (rh[3] == 0)
		return 0;
	if ((rh[2] == 2 || rh[2] == 4) && hlen >= 24) {
		*dst = rh + 8;
		return 0;
	}
	return -EINVAL;
}

static int parse_ipv6(const __u8 *p, size_t len, size_t off,
		      struct seg_frame *f)
{
	const __u8 *ip = p + off, *dst;
	__u8 nh;
	int n, i;

	if (off + 40 > len || (ip[0] >> 4) != 6)
		return -EINVAL;
	if (rd16(ip + 4) != len - off - 40)
		return -EINVAL;
	nh = ip[6];
	dst = ip + 24;
	off += 40;
	for (n = 0; n < SEG_MAX_EXT; n++) {
		size_t hlen;

		if (nh != IPPROTO_HOPOPTS && nh != IPPROTO_ROUTING &&
		    nh != IPPROTO_DSTOPTS)
			break;
		/* Hop-by-hop is only valid right after the fixed header. */
		if (nh == IPPROTO_HOPOPTS && n)
			return -EINVAL;
		if (off + 8 > len)
			return -EINVAL;
		hlen = (size_t)(p[off + 1] + 1) * 8;
		if (off + hlen > len)
			return -EINVAL;
		if (nh == IPPROTO_ROUTING &&
		    rh_final_dst(p + off, hlen, &dst))
			return -EINVAL;
		nh = p[off];
		off += hlen;
	}
	f->ph_addr = 0;
	for (i = 0; i < 16; i += 4) {
		__u32 a, b;

		memcpy(&a, ip + 8 + i, 4);
		memcpy(&b, dst + i, 4);
		f->ph_addr += (__u64)a + b;
	}
	f->i.ipv6 = 1;
	f->i.l4proto = nh;
	f->i.l4_off = (__u32)off;
	return 0;
}

static int parse_ipv4(const __u8 *p, size_t len, size_t off,
		      struct seg_frame *f)
{
	const __u8 *ip = p + off;
	size_t ihl;
	__u32 a, b;

	if (off + 20 > len || (ip[0] >> 4) != 4)
		return -EINVAL;
	ihl = (size_t)(ip[0] & 0xf) * 4;
	if (ihl < 20 || off + ihl > len)
		return -EINVAL;
	if (rd16(ip + 2) != len - off)
		return -EINVAL;
	/* A fragment (MF or an offset) has no whole L4 payload to split. */
	if (rd16(ip + 6) & 0x3fff)
		return -EINVAL;
	memcpy(&a, ip + 12, 4);
	memcpy(&b, ip + 16, 4);
	f->ph_addr = (__u64)a + b;
	f->ip_id = rd16(ip + 4);
	f->i.ipv6 = 0;
	f->i.l4proto = ip[9];
	f->i.l4_off = (__u32)(off + ihl);
	return 0;
}

static int parse(const __u8 *p, size_t len, enum og_seg_type type,
		 unsigned int mss, struct seg_frame *f)
{
	size_t off = SEG_ETH_HLEN, l4len, l3len, segs;
	__u16 proto;
	int tags = 0, err;

	memset(f, 0, sizeof(*f));
	/* 32-bit offsets in struct og_seg; an IP packet is at most 64 KiB. */
	if (!p || len < SEG_ETH_HLEN || len > 0x20000 || !mss || mss > 0xffff)
		return -EINVAL;
	proto = rd16(p + 12);
	while ((proto == 0x8100 || proto == 0x88a8) && tags < 2) {
		if (off + SEG_VLAN_HLEN > len)
			return -EINVAL;
		proto = rd16(p + off + 2);
		off += SEG_VLAN_HLEN;
		tags++;
	}
	if (proto == 0x0800)
		err = parse_ipv4(p, len, off, f);
	else if (proto == 0x86dd)
		err = parse_ipv6(p, len, off, f);
	else
		err = -EINVAL;
	if (err)
		return err;
	f->i.l3_off = (__u32)off;

	off = f->i.l4_off;
	if (type == OG_SEG_TCP && f->i.l4proto == IPPROTO_TCP) {
		if (off + 20 > len)
			return -EINVAL;
		f->l4_hlen = (p[off + 12] >> 4) * 4;
		if (f->l4_hlen < 20 || off + f->l4_hlen > len)
			return -EINVAL;
		memcpy(&f->seq, p + off + 4, 4);
		f->seq = ntohl(f->seq);
	} else if (type == OG_SEG_UDP_L4 && f->i.l4proto == IPPROTO_UDP) {
		if (off + 8 > len || rd16(p + off + 4) != len - off)
			return -EINVAL;
		f->l4_hlen = 8;
	} else {
		return -EINVAL;
	}
	f->i.hdr_len = (__u32)(off + f->l4_hlen);
	f->i.payload_len = (__u32)(len - f->i.hdr_len);

	/* Every segment's IP length must fit its 16-bit field. */
	l3len = f->i.hdr_len - f->i.l3_off - (f->i.ipv6 ? 40 : 0);
	l4len = f->l4_hlen;
	if (l3len + mss > 0xffff || l4len + mss > 0xffff)
		return -EINVAL;
	segs = f->i.payload_len ? (f->i.payload_len + mss - 1) / mss : 1;
	f->i.nr_segs = (__u32)segs;
	f->i.out_len = (__u32)(segs * f->i.hdr_len + f->i.payload_len);
	return 0;
}

int og_seg_parse(const void *frame, size_t len, enum og_seg_type type,
		 unsigned int mss, struct og_seg_info *info)
{
	struct seg_frame f;
	int err;

	err = parse(frame, len, type, mss, &f);
	if (!err && info)
		*info = f.i;
	return err;
}

int og_segment(const void *frame, size_t len, enum og_seg_type type,
	       unsigned int mss, void *out, size_t cap,
	       struct og_seg *segs, unsigned int max_segs)
{
	const __u8 *in = frame;
	__u8 *o = out;
	struct seg_frame f;
	size_t pos = 0, done = 0;
	__u64 proto_sum;
	__u32 i;
	int err;

	err = parse(in, len, type, mss, &f);
	if (err)
		return err;
	if (f.i.nr_segs > max_segs || f.i.nr_segs > 0x7fffffff)
		return -E2BIG;
	if (!o || !segs || f.i.out_len > cap)
		return -ENOSPC;

	proto_sum = f.ph_addr + htons(f.i.l4proto);
	for (i = 0; i < f.i.nr_segs; i++) {
		size_t chunk = f.i.payload_len - done;
		__u8 *s = o + pos, *l3, *l4;
		__u32 l4len;
		__u64 sum;

		if (chunk > mss)
			chunk = mss;
		l4len = (__u32)(f.l4_hlen + chunk);
		memcpy(s, in, f.i.hdr_len);
		l3 = s + f.i.l3_off;
		l4 = s + f.i.l4_off;

		if (f.i.ipv6) {
			wr16(l3 + 4, (__u16)(f.i.hdr_len - f.i.l3_off - 40 + chunk));
		} else {
			wr16(l3 + 2, (__u16)(f.i.hdr_len - f.i.l3_off + chunk));
			wr16(l3 + 4, (__u16)(f.ip_id + i));
			l3[10] = l3[11] = 0;
			put_csum(l3 + 10, copy_sum(NULL, l3,
						   f.i.l4_off - f.i.l3_off, 0), 0);
		}

		if (type == OG_SEG_TCP) {
			__u32 seq = htonl(f.seq + (__u32)(i * mss));

			memcpy(l4 + 4, &seq, 4);
			if (i + 1 < f.i.nr_segs)
				l4[13] &= ~(TCP_FLAG_FIN | TCP_FLAG_PSH);
			if (i)
				l4[13] &= ~TCP_FLAG_CWR;
			l4[16] = l4[17] = 0;
		} else {
			wr16(l4 + 4, (__u16)l4len);
			l4[6] = l4[7] = 0;
		}

		/* Header once, payload summed as it is copied. */
		sum = proto_sum + htons((__u16)l4len);
		sum = copy_sum(NULL, l4, f.l4_hlen, sum);
		sum = copy_sum(s + f.i.hdr_len, in + f.i.hdr_len + done, chunk,
			       sum);
		put_csum(l4 + (type == OG_SEG_TCP ? 16 : 6), sum,
			 type == OG_SEG_UDP_L4);

		segs[i].off = (__u32)pos;
		segs[i].len = (__u32)(f.i.hdr_len + chunk);
		pos += f.i.hdr_len + chunk;
		done += chunk;
	}
	return (int)f.i.nr_segs;
}

enum og_seg_size_src og_seg_size(const struct og_seg_info *info,
				 enum og_seg_type type,
				 unsigned int gso_type, unsigned int gso_size,
				 unsigned int flow_mss, unsigned int mtu,
				 unsigned int *size)
{
	__u32 hdr = info->hdr_len - info->l3_off;
	__u32 cap = mtu > hdr ? mtu - hdr : 0;
	__u32 opts;

	*size = 0;
	if (!cap)
		return OG_SEG_SIZE_NONE;
	if (gso_type == (unsigned int)type && gso_size && gso_size <= cap) {
		*size = gso_size;
		return OG_SEG_SIZE_GSO;
	}
	if (type != OG_SEG_TCP)
		return OG_SEG_SIZE_NONE;
	opts = info->hdr_len - info->l4_off - 20;
	if (flow_mss > opts && flow_mss - opts <= cap) {
		*size = flow_mss - opts;
		return OG_SEG_SIZE_MSS;
	}
	*size = cap;
	return OG_SEG_SIZE_MTU;
}

int og_seg_csum_state(const void *frame, size_t len, enum og_seg_type type)
{
	const __u8 *p = frame, *l4;
	struct seg_frame f;
	__u32 l4len;
	__u16 field, seed;
	__u64 ph;
	int err;

	err = parse(p, len, type, 1, &f);
	if (err)
		return err;
	if (!f.i.ipv6 && fold(copy_sum(NULL, p + f.i.l3_off,
				       f.i.l4_off - f.i.l3_off, 0)) != 0xffff)
		return OG_SEG_CSUM_BAD;
	l4 = p + f.i.l4_off;
	l4len = (__u32)(len - f.i.l4_off);
	memcpy(&field, l4 + (type == OG_SEG_TCP ? 16 : 6), 2);
	if (type == OG_SEG_UDP_L4 && !f.i.ipv6 && !field)
		return OG_SEG_CSUM_COMPLETE;
	ph = f.ph_addr + htons(f.i.l4proto) + htons((__u16)l4len);
	if (fold(copy_sum(NULL, l4, l4len, ph)) == 0xffff)
		return OG_SEG_CSUM_COMPLETE;
	seed = fold(ph);
	return field == seed ? OG_SEG_CSUM_PARTIAL : OG_SEG_CSUM_BAD;
}
