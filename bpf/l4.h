/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A TCP/UDP/ICMP checksum that claims to be complete: whether it can be
 * judged, its sum, and the value its field must hold. One definition for
 * the skb rules (rules.h, repair.h, tc ingress's XDP handover) and the
 * wire rules (xdp_guard.bpf.c), so the two hooks judge alike.
 */
#ifndef OG_BPF_L4_H
#define OG_BPF_L4_H

#include "parse.h"
#include "pkt_csum.h"

#define OG_TCP_CSUM_OFF		16
#define OG_UDP_CSUM_OFF		6

/* UDP tunnel ports whose IPv6 zero checksum is allowed (RFC 6935/6936). */
#define OG_PORT_VXLAN		4789
#define OG_PORT_VXLAN_LINUX	8472
#define OG_PORT_GENEVE		6081

#define OG_L4_UNJUDGED		(-1)	/* no such checksum, or unreadable */
#define OG_L4_NO_CSUM		(-2)	/* UDP without one: legal */
#define OG_L4_UDP6_ZERO		(-3)	/* UDP/IPv6 checksum 0, outside tunnels */

/*
 * The folded sum over pseudo-header and segment (0xffff: right), or one of
 * the OG_L4_* above. Not judged: fragments, a bogus L4 header, a pseudo-
 * header offguard cannot know, UDP-Lite.
 */
static __always_inline int og_l4_verify(struct og_ctx *ctx,
					const struct og_pkt *pkt)
{
	int sum;

	if (!og_is_csum_l4(pkt->l4proto) ||
	    (pkt->flags & (OG_PKT_F_FRAG | OG_PKT_F_L4_BAD_HDR |
			   OG_PKT_F_PSEUDO_UNKNOWN)))
		return OG_L4_UNJUDGED;
	if (pkt->l4proto == OG_IPPROTO_UDP && pkt->l4_check == 0) {
		if (pkt->ipv == 6 && pkt->udp_dport != OG_PORT_VXLAN &&
		    pkt->udp_dport != OG_PORT_VXLAN_LINUX &&
		    pkt->udp_dport != OG_PORT_GENEVE)
			return OG_L4_UDP6_ZERO;
		return OG_L4_NO_CSUM;	/* IPv4: "no checksum" is legal */
	}
	sum = og_l4_sum(ctx, pkt->l4_off, pkt->l4_len,
			og_csum_fold(og_l4_pseudo(pkt)));
	return sum < 0 ? OG_L4_UNJUDGED : sum;
}

/* Offset of the TCP or UDP checksum field from the start of the data. */
static __always_inline __u32 og_l4_csum_field(const struct og_pkt *pkt)
{
	return pkt->l4_off + (pkt->l4proto == OG_IPPROTO_TCP ?
			      OG_TCP_CSUM_OFF : OG_UDP_CSUM_OFF);
}

/*
 * What the TCP/UDP field must hold, from `sum` (og_l4_verify's, taken
 * with the field's present value in it). UDP sends a computed 0 as
 * 0xffff: 0 means "no checksum".
 */
static __always_inline __u16 og_l4_csum_complete(const struct og_pkt *pkt,
						 __u32 sum)
{
	__u16 c = og_csum_replace(sum, pkt->l4_check);

	if (pkt->l4proto == OG_IPPROTO_UDP && c == 0)
		c = 0xffff;
	return c;
}

#endif /* OG_BPF_L4_H */
