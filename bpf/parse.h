/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Header parser for the skb hooks: Ethernet (up to two in-band VLAN tags)
 * or bare L3 (TUN), IPv4, IPv6 with extension headers, TCP, UDP, ICMP.
 *
 * Contract: og_parse() reads only the linear part through direct packet
 * access, never writes, and never trusts a length it has not checked
 * against both the IP header and the bytes present. It fills struct
 * og_pkt and returns OG_PARSE_OK, OG_PARSE_SKIP (not IP, or not a
 * protocol offguard has rules for) or OG_PARSE_TRUNC (a header runs past
 * the data or a length is inconsistent: the `truncated` rule). Headers
 * that are not in the linear part make it return OG_PARSE_NONLINEAR so
 * the caller may pull them and retry once.
 */
#ifndef OG_BPF_PARSE_H
#define OG_BPF_PARSE_H

#include "ctx.h"
#include "csum.h"
#include "ptr.h"

#define OG_ETH_HLEN		14
#define OG_ETH_P_IP		0x0800
#define OG_ETH_P_IPV6		0x86DD
#define OG_ETH_P_8021Q		0x8100
#define OG_ETH_P_8021AD		0x88A8

#define OG_IPPROTO_HOPOPTS	0
#define OG_IPPROTO_ICMP		1
#define OG_IPPROTO_TCP		6
#define OG_IPPROTO_UDP		17
#define OG_IPPROTO_ROUTING	43
#define OG_IPPROTO_FRAGMENT	44
#define OG_IPPROTO_AH		51
#define OG_IPPROTO_ICMPV6	58
#define OG_IPPROTO_NONE		59
#define OG_IPPROTO_DSTOPTS	60
#define OG_IPPROTO_UDPLITE	136

#define OG_IP_MF		0x2000
#define OG_IP_OFFSET		0x1FFF

#define OG_TCP_FLAG_FIN		0x01
#define OG_TCP_FLAG_SYN		0x02
#define OG_TCP_FLAG_RST		0x04

/* IPv6 extension headers walked before giving up (RFC 8504 suggests 8+). */
#define OG_IPV6_MAX_EXT		8

enum og_parse_ret {
	OG_PARSE_OK		= 0,
	OG_PARSE_SKIP		= 1,
	OG_PARSE_TRUNC		= 2,
	OG_PARSE_NONLINEAR	= 3,
};

#define OG_PKT_F_FRAG		(1U << 0)	/* any IP fragment */
#define OG_PKT_F_FRAG_LATER	(1U << 1)	/* not the first fragment: no L4 header */
#define OG_PKT_F_L4_BAD_HDR	(1U << 2)	/* TCP doff < 5 / past data, UDP short */
#define OG_PKT_F_IP_NOLEN	(1U << 3)	/* tot_len/payload_len 0 (BIG TCP, jumbogram) */
#define OG_PKT_F_PSEUDO_UNKNOWN	(1U << 4)	/* routing header offguard cannot follow */

#define OG_IPV6_OPT_PAD1	0
#define OG_IPV6_OPT_HAO		0xC9	/* Home Address option, RFC 6275 */

struct og_pkt {
	__u32	l3_off;		/* from skb->data */
	__u32	l4_off;
	__u32	l4_len;		/* L4 header + payload, per the IP header */
	__u32	l4_hdr_len;	/* TCP doff*4 or 8; 0 when unknown */
	__u16	ip_hdr_sum;	/* IPv4: folded header sum, 0xffff when right */
	__u16	ip_hdr_len;	/* IPv4: ihl * 4 */
	__u32	flags;		/* OG_PKT_F_* */
	__u64	addr_sum;	/* pseudo-header addresses (final destination) */
	__u8	ipv;		/* 4 or 6 */
	__u8	l4proto;
	__u8	tcp_flags;
	__u8	pad;
	__u16	l4_check;	/* checksum field as in the packet */
	__u16	udp_dport;
};

/* Headers never start 16 KiB into a packet. */
#define OG_HDR_MAX_OFF		0x3fff

static __always_inline void *og_ptr(void *data, void *data_end, __u32 off,
				    __u32 len)
{
	return og_pkt_ptr(data, data_end, off, len, OG_HDR_MAX_OFF);
}

static __always_inline int og_parse_l4(void *data, void *data_end,
				       struct og_pkt *pkt, __u32 avail,
				       int is_gso)
{
	__u32 off = pkt->l4_off;

	if (pkt->flags & OG_PKT_F_FRAG_LATER)
		return OG_PARSE_OK;

	switch (pkt->l4proto) {
	case OG_IPPROTO_TCP: {
		struct tcphdr *th;
		__u32 doff;

		if (pkt->l4_len < sizeof(*th)) {
			pkt->flags |= OG_PKT_F_L4_BAD_HDR;
			return off + sizeof(*th) > avail ? OG_PARSE_TRUNC :
							   OG_PARSE_OK;
		}
		th = og_ptr(data, data_end, off, sizeof(*th));
		if (!th)
			return OG_PARSE_NONLINEAR;
		doff = th->doff * 4;
		pkt->tcp_flags = ((__u8 *)th)[13];
		pkt->l4_check = th->check;
		if (doff < sizeof(*th) || doff > pkt->l4_len) {
			pkt->flags |= OG_PKT_F_L4_BAD_HDR;
			break;
		}
		pkt->l4_hdr_len = doff;
		break;
	}
	case OG_IPPROTO_UDP:
	case OG_IPPROTO_UDPLITE: {
		struct udphdr *uh;

		if (pkt->l4_len < sizeof(*uh)) {
			pkt->flags |= OG_PKT_F_L4_BAD_HDR;
			return off + sizeof(*uh) > avail ? OG_PARSE_TRUNC :
							   OG_PARSE_OK;
		}
		uh = og_ptr(data, data_end, off, sizeof(*uh));
		if (!uh)
			return OG_PARSE_NONLINEAR;
		pkt->l4_check = uh->check;
		pkt->udp_dport = bpf_ntohs(uh->dest);
		pkt->l4_hdr_len = sizeof(*uh);
		if (pkt->l4proto == OG_IPPROTO_UDP && !is_gso &&
		    !(pkt->flags & (OG_PKT_F_FRAG | OG_PKT_F_IP_NOLEN))) {
			__u32 ulen = bpf_ntohs(uh->len);

			/* IPv6: 0 means "the whole payload" (RFC 2675) */
			if (ulen == 0 && pkt->ipv == 6)
				ulen = pkt->l4_len;
			/*
			 * UDP length past the IP payload, or shorter than its
			 * own header: a lie about the data (udp_rcv drops
			 * both as short packets).
			 */
			if (ulen > pkt->l4_len || ulen < sizeof(*uh))
				return OG_PARSE_TRUNC;
			/*
			 * Shorter: the datagram is what UDP says (udp_rcv
			 * trims to it, and sums it with ulen in the
			 * pseudo-header); the rest is padding.
			 */
			if (ulen >= sizeof(*uh))
				pkt->l4_len = ulen;
		}
		break;
	}
	case OG_IPPROTO_ICMP:
	case OG_IPPROTO_ICMPV6: {
		__u16 *check;

		/* icmp_rcv()/icmpv6_rcv() need the 8-byte header */
		if (pkt->l4_len < 8)
			return OG_PARSE_TRUNC;
		check = og_ptr(data, data_end, off + 2, 2);
		if (!check)
			return OG_PARSE_NONLINEAR;
		pkt->l4_check = *check;
		break;
	}
	default:
		break;
	}
	return OG_PARSE_OK;
}

static __always_inline int og_parse_ipv4(void *data, void *data_end,
					 struct og_pkt *pkt, __u32 avail,
					 int is_gso)
{
	struct iphdr *iph = og_ptr(data, data_end, pkt->l3_off, sizeof(*iph));
	__u32 ihl, tot, frag;
	__u64 sum;

	if (!iph)
		return pkt->l3_off + sizeof(*iph) > avail ? OG_PARSE_TRUNC :
							    OG_PARSE_NONLINEAR;
	if (iph->version != 4)
		return OG_PARSE_TRUNC;
	ihl = iph->ihl * 4;
	if (ihl < sizeof(*iph))
		return OG_PARSE_TRUNC;
	if (pkt->l3_off + ihl > avail)
		return OG_PARSE_TRUNC;

	/*
	 * Header checksum, before any length is believed: it covers the
	 * header alone, and ip_rcv_core() checks it first too, so a frame
	 * with a bogus total length still tells whether its header is
	 * intact. ihl == 5 is nearly every packet: five loads, no loop.
	 * Options (up to 40 bytes) take the bounded loop.
	 */
	{
		__u32 *w = (void *)iph;
		__u32 i;

		sum = (__u64)w[0] + w[1] + w[2] + w[3] + w[4];
		if (ihl > sizeof(*iph)) {
			for (i = 5; i < 15; i++) {
				__u32 *q;

				if (i * 4 >= ihl)
					break;
				q = og_ptr(data, data_end,
					   pkt->l3_off + i * 4, 4);
				if (!q)
					return OG_PARSE_NONLINEAR;
				sum += *q;
			}
		}
		pkt->ip_hdr_sum = og_csum_fold(sum);
		pkt->ip_hdr_len = ihl;
		pkt->ipv = 4;
	}

	tot = bpf_ntohs(iph->tot_len);
	if (tot == 0 && is_gso) {
		/* BIG TCP over IPv4: tot_len 0, the skb length rules. */
		pkt->flags |= OG_PKT_F_IP_NOLEN;
		tot = avail - pkt->l3_off;
	}
	if (tot < ihl || pkt->l3_off + tot > avail)
		return OG_PARSE_TRUNC;

	frag = bpf_ntohs(iph->frag_off);
	if (frag & (OG_IP_MF | OG_IP_OFFSET))
		pkt->flags |= OG_PKT_F_FRAG;
	if (frag & OG_IP_OFFSET)
		pkt->flags |= OG_PKT_F_FRAG_LATER;

	pkt->l4proto = iph->protocol;
	pkt->l4_off = pkt->l3_off + ihl;
	pkt->l4_len = tot - ihl;
	pkt->addr_sum = og_pseudo_addr4(iph->saddr, iph->daddr);
	return og_parse_l4(data, data_end, pkt, avail, is_gso);
}

/*
 * Routing header: the pseudo-header uses the final destination (RFC 8200
 * §8.1). Type 0 and 2 list addresses after an 8-byte fixed part, the
 * final one last; SRH (type 4) keeps the final segment at index 0. Other
 * types with segments left: 1, the final destination is unknown.
 */
static __always_inline int og_ipv6_final_dst(void *data, void *data_end,
					     __u32 off, __u32 hlen,
					     __u32 *daddr)
{
	__u8 *rh = og_ptr(data, data_end, off, 8);
	__u32 n, aoff;
	__u32 *a;

	if (!rh)
		return -1;
	if (rh[3] == 0)		/* segments left: already at the final hop */
		return 0;
	n = rh[1] / 2;		/* hdr ext len in 8-octet units = 16-byte addrs */
	if (n == 0)
		return 1;
	if (rh[2] == 0 || rh[2] == 2)
		aoff = off + 8 + (n - 1) * 16;
	else if (rh[2] == 4)
		aoff = off + 8;
	else
		return 1;
	if (aoff + 16 > off + hlen)
		return -1;
	a = og_ptr(data, data_end, aoff, 16);
	if (!a)
		return -1;
	daddr[0] = a[0];
	daddr[1] = a[1];
	daddr[2] = a[2];
	daddr[3] = a[3];
	return 0;
}

struct og_ext_walk {
	__u32	off;		/* current header */
	__u32	end;		/* end of the IPv6 payload */
	__u32	flags;		/* OG_PKT_F_FRAG* found so far */
	__u32	nexthdr;
	__u32	saddr[4];	/* source, or the home address (HAO) */
	__u32	daddr[4];	/* final destination so far */
};

/*
 * Destination options: a Home Address option (RFC 6275 §6.3) makes the
 * home address the pseudo-header source. TLVs are walked a bounded number
 * of times; anything else is skipped.
 */
static __always_inline void og_ipv6_dstopts(void *data, void *data_end,
					    __u32 off, __u32 hlen,
					    struct og_ext_walk *w)
{
	__u32 o = off + 2, end = off + hlen, k;

	for (k = 0; k < 8; k++) {
		__u8 *tlv;

		if (o + 2 > end)
			break;
		tlv = og_ptr(data, data_end, o, 2);
		if (!tlv)
			break;
		if (tlv[0] == OG_IPV6_OPT_PAD1) {
			o += 1;
			continue;
		}
		if (tlv[0] == OG_IPV6_OPT_HAO && tlv[1] == 16 &&
		    o + 18 <= end) {
			__u32 *home = og_ptr(data, data_end, o + 2, 16);

			if (!home)
				break;
			w->saddr[0] = home[0];
			w->saddr[1] = home[1];
			w->saddr[2] = home[2];
			w->saddr[3] = home[3];
		}
		o += 2 + tlv[1];
	}
}

/*
 * One IPv6 extension header. Global so the verifier checks it once: a
 * walk of inlined steps keeps an exact offset per path and never merges.
 * Returns 1 to continue, 0 at the upper-layer header, or -OG_PARSE_*.
 */
__attribute__((noinline))
int og_ipv6_ext_step(struct og_ctx *ctx, struct og_ext_walk *w)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 nexthdr, off, hlen;
	__u8 *eh;

	if (!w)
		return -OG_PARSE_SKIP;
	nexthdr = w->nexthdr;
	off = w->off;
	if (nexthdr != OG_IPPROTO_HOPOPTS && nexthdr != OG_IPPROTO_ROUTING &&
	    nexthdr != OG_IPPROTO_FRAGMENT && nexthdr != OG_IPPROTO_DSTOPTS &&
	    nexthdr != OG_IPPROTO_AH)
		return 0;
	if (off + 8 > w->end)
		return -OG_PARSE_TRUNC;
	eh = og_ptr(data, data_end, off, 8);
	if (!eh)
		return -OG_PARSE_NONLINEAR;
	if (nexthdr == OG_IPPROTO_FRAGMENT) {
		__u16 fo;

		__builtin_memcpy(&fo, eh + 2, 2);
		fo = bpf_ntohs(fo);
		/*
		 * Offset 0 without more fragments is an atomic fragment
		 * (RFC 6946): a whole packet, judged as one.
		 */
		if (fo & 0xfff9)
			w->flags |= OG_PKT_F_FRAG;
		if (fo & 0xfff8)
			w->flags |= OG_PKT_F_FRAG_LATER;
		hlen = 8;
	} else if (nexthdr == OG_IPPROTO_AH) {
		hlen = (eh[1] + 2) * 4;
	} else {
		hlen = (eh[1] + 1) * 8;
	}
	if (off + hlen > w->end)
		return -OG_PARSE_TRUNC;
	if (nexthdr == OG_IPPROTO_ROUTING) {
		int r = og_ipv6_final_dst(data, data_end, off, hlen, w->daddr);

		if (r < 0)
			return -OG_PARSE_NONLINEAR;
		if (r > 0)
			w->flags |= OG_PKT_F_PSEUDO_UNKNOWN;
	}
	if (nexthdr == OG_IPPROTO_DSTOPTS)
		og_ipv6_dstopts(data, data_end, off, hlen, w);
	w->nexthdr = eh[0];
	w->off = off + hlen;
	return 1;
}

static __always_inline int og_parse_ipv6(struct og_ctx *ctx, void *data,
					 void *data_end, struct og_pkt *pkt,
					 __u32 avail, int is_gso)
{
	struct ipv6hdr *ip6 = og_ptr(data, data_end, pkt->l3_off, sizeof(*ip6));
	struct og_ext_walk w = {};
	__u32 plen, i;
	int r;

	if (!ip6)
		return pkt->l3_off + sizeof(*ip6) > avail ? OG_PARSE_TRUNC :
							    OG_PARSE_NONLINEAR;
	if (ip6->version != 6)
		return OG_PARSE_TRUNC;
	plen = bpf_ntohs(ip6->payload_len);
	if (plen == 0) {
		/*
		 * BIG TCP GSO or a jumbogram (hop-by-hop first): the skb
		 * length rules. Otherwise the kernel trims such a packet to
		 * its header: nothing to judge past it.
		 */
		if (!is_gso && ip6->nexthdr != OG_IPPROTO_HOPOPTS)
			return OG_PARSE_TRUNC;
		pkt->flags |= OG_PKT_F_IP_NOLEN;
		plen = avail - pkt->l3_off - sizeof(*ip6);
	}
	w.end = pkt->l3_off + sizeof(*ip6) + plen;
	if (w.end > avail)
		return OG_PARSE_TRUNC;

	__builtin_memcpy(w.saddr, &ip6->saddr, 16);
	__builtin_memcpy(w.daddr, &ip6->daddr, 16);
	w.nexthdr = ip6->nexthdr;
	w.off = pkt->l3_off + sizeof(*ip6);

	for (i = 0; i < OG_IPV6_MAX_EXT; i++) {
		r = og_ipv6_ext_step(ctx, &w);
		if (r < 0)
			return -r;
		if (r == 0)
			break;
	}

	pkt->flags |= w.flags;
	pkt->ipv = 6;
	pkt->l4proto = w.nexthdr;
	pkt->l4_off = w.off;
	pkt->l4_len = w.end > w.off ? w.end - w.off : 0;
	pkt->addr_sum = og_pseudo_addr6(w.saddr, w.daddr);
	return og_parse_l4(data, data_end, pkt, avail, is_gso);
}

/*
 * Entry: l3_proto is the ethertype for bare-L3 devices (TUN) or 0 to read
 * it from the Ethernet header. avail = skb->len (all bytes, linear or not).
 */
static __always_inline int og_parse(struct og_ctx *ctx, void *data,
				    void *data_end, struct og_pkt *pkt,
				    __u16 l3_proto, __u32 avail, int is_gso)
{
	__u32 off = 0;
	__u16 proto = l3_proto;
	int i;

	if (!l3_proto) {
		struct ethhdr *eth = og_ptr(data, data_end, 0, sizeof(*eth));

		if (!eth)
			return avail < OG_ETH_HLEN ? OG_PARSE_TRUNC :
						     OG_PARSE_NONLINEAR;
		proto = bpf_ntohs(eth->h_proto);
		off = OG_ETH_HLEN;
		for (i = 0; i < 2; i++) {
			__u16 *inner;

			if (proto != OG_ETH_P_8021Q && proto != OG_ETH_P_8021AD)
				break;
			if (off + 4 > avail)
				return OG_PARSE_TRUNC;
			inner = og_ptr(data, data_end, off + 2, 2);
			if (!inner)
				return OG_PARSE_NONLINEAR;
			proto = bpf_ntohs(*inner);
			off += 4;
		}
	}
	pkt->l3_off = off;
	if (proto == OG_ETH_P_IP)
		return og_parse_ipv4(data, data_end, pkt, avail, is_gso);
	if (proto == OG_ETH_P_IPV6)
		return og_parse_ipv6(ctx, data, data_end, pkt, avail, is_gso);
	return OG_PARSE_SKIP;
}

/*
 * Global wrapper: the parser is verified once, independently of what the
 * rules do with its result; inlined, the verifier would walk every parse
 * outcome through every rule and exceed its budget.
 */
__attribute__((noinline))
int og_parse_pkt(struct og_ctx *ctx, struct og_pkt *pkt, __u32 l3_proto,
		 __u32 avail, __u32 is_gso)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;

	if (!pkt)
		return OG_PARSE_SKIP;
	__builtin_memset(pkt, 0, sizeof(*pkt));
	return og_parse(ctx, data, data_end, pkt, l3_proto, avail, is_gso);
}

static __always_inline __u64 og_l4_pseudo(const struct og_pkt *pkt)
{
	/* ICMPv4 has no pseudo-header; ICMPv6, TCP and UDP do. */
	if (pkt->l4proto == OG_IPPROTO_ICMP)
		return 0;
	return og_pseudo_sum(pkt->addr_sum, pkt->l4proto, pkt->l4_len);
}

static __always_inline int og_is_csum_l4(__u8 proto)
{
	/*
	 * Not UDP-Lite: its checksum covers only the coverage its length
	 * field names, which is the point of the protocol.
	 */
	return proto == OG_IPPROTO_TCP || proto == OG_IPPROTO_UDP ||
	       proto == OG_IPPROTO_ICMP || proto == OG_IPPROTO_ICMPV6;
}

#endif /* OG_BPF_PARSE_H */
