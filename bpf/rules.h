/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The skb rules of DESIGN §3, as the kernel implies them. Input: the
 * metadata (meta.h) and the parsed headers (parse.h); output: a bitmask of
 * enum og_reason (bit n = reason n) and, for partial_bad_seed, the
 * diagnosed variant. Nothing here modifies the packet.
 *
 * Only the checks a packet's metadata calls for are made: a complete L4
 * checksum is summed only when the packet claims one (NONE, COMPLETE,
 * UNNECESSARY), and a wrong seed is summed once more only to tell the
 * "full checksum written" writer bug from other wrong seeds.
 */
#ifndef OG_BPF_RULES_H
#define OG_BPF_RULES_H

#include "l4.h"
#include "meta.h"

struct og_verdict {
	__u32	reasons;	/* OG_BIT(enum og_reason) */
	__u32	seed_variant;	/* enum og_seed_variant, if partial_bad_seed */
	__u32	l4_verified;
	__u32	l4_sum;		/* folded sum over pseudo-header + L4, if verified */
};

static __always_inline void og_rule_partial(struct __sk_buff *ctx,
					    const struct og_meta *m,
					    const struct og_pkt *pkt,
					    struct og_verdict *v)
{
	__u32 want_off;
	__u16 seed;
	int full;

	/*
	 * Encapsulated packets point csum_start at the inner L4 header and
	 * SCTP uses CRC32c (csum_not_inet): neither is ours to judge here.
	 */
	if (m->flags & (OG_FIX_ENCAP | OG_FIX_CSUM_NOT_INET))
		return;
	if (m->csum_start < 0 ||
	    (__u32)m->csum_start + m->csum_offset + 2 > m->len ||
	    (__u32)m->csum_start != pkt->l4_off) {
		v->reasons |= OG_BIT(OG_PARTIAL_BAD_START);
		return;
	}
	if (pkt->l4proto == OG_IPPROTO_TCP)
		want_off = OG_TCP_CSUM_OFF;
	else if (pkt->l4proto == OG_IPPROTO_UDP ||
		 pkt->l4proto == OG_IPPROTO_UDPLITE)
		want_off = OG_UDP_CSUM_OFF;
	else
		want_off = 0xffff;	/* partial on another L4 */
	if (m->csum_offset != want_off) {
		v->reasons |= OG_BIT(OG_PARTIAL_BAD_OFFSET);
		return;
	}
	/* Unknowable pseudo-header: neither judge nor "repair" the seed. */
	if (pkt->flags & (OG_PKT_F_FRAG | OG_PKT_F_L4_BAD_HDR |
			  OG_PKT_F_PSEUDO_UNKNOWN))
		return;

	seed = og_partial_seed(pkt->addr_sum, pkt->l4proto, pkt->l4_len);
	if (og_csum16_equiv(pkt->l4_check, seed))
		return;

	v->reasons |= OG_BIT(OG_PARTIAL_BAD_SEED);
	if (pkt->l4_check == 0) {
		v->seed_variant = OG_SEED_ZERO;
		return;
	}
	if (og_csum16_equiv(pkt->l4_check,
			    og_partial_seed_lengthless(pkt->addr_sum,
						       pkt->l4proto))) {
		v->seed_variant = OG_SEED_LENGTHLESS;
		return;
	}
	/* Does the field hold the complete checksum instead of the seed? */
	full = og_l4_sum(ctx, pkt->l4_off, pkt->l4_len,
			 og_csum_fold(og_l4_pseudo(pkt)));
	v->seed_variant = full == 0xffff ? OG_SEED_FULL_CSUM : OG_SEED_OTHER;
}

/* A checksum that claims to be complete: verify it, never touch it. */
static __always_inline void og_rule_complete(struct __sk_buff *ctx,
					     const struct og_meta *m,
					     const struct og_pkt *pkt,
					     struct og_verdict *v)
{
	int sum;

	/* Fraglist GSO: the head's checksum covers its own segment only. */
	if (m->gso_size)
		return;
	sum = og_l4_verify(ctx, pkt);
	if (sum == OG_L4_UDP6_ZERO)
		v->reasons |= OG_BIT(OG_UDP6_ZERO_CSUM);
	if (sum < 0)
		return;
	v->l4_verified = 1;
	v->l4_sum = sum;
	if (sum == 0xffff)
		return;
	if (m->ip_summed == OG_CHECKSUM_UNNECESSARY)
		v->reasons |= OG_BIT(OG_UNNECESSARY_BUT_BAD);
	else
		v->reasons |= OG_BIT(OG_L4_BAD_CSUM);
}

static __always_inline void og_rule_gso(const struct og_meta *m,
					const struct og_pkt *pkt,
					__u32 hook, struct og_verdict *v)
{
	__u32 t = m->gso_type, hdrs, payload, segs, l4h;
	int tcp = pkt->l4proto == OG_IPPROTO_TCP;
	int udp = pkt->l4proto == OG_IPPROTO_UDP;

	/*
	 * GSO wants CHECKSUM_PARTIAL, with exemptions the kernel itself
	 * makes: CHECKSUM_UNNECESSARY (LRO, a virtio DATA_VALID guest:
	 * netif_needs_gso() passes it to hardware as verified), fraglist GSO
	 * (segments carry their own checksums) and, since 6.11, UDP GSO the
	 * kernel sends CHECKSUM_NONE on routes without tx checksumming
	 * (__udp_gso_segment checksums each segment in software).
	 */
	if (m->ip_summed != OG_CHECKSUM_PARTIAL &&
	    m->ip_summed != OG_CHECKSUM_UNNECESSARY &&
	    !(t & OG_GSO_FRAGLIST) &&
	    !(m->ip_summed == OG_CHECKSUM_NONE && (t & OG_GSO_UDP_L4) &&
	      udp))
		v->reasons |= OG_BIT(OG_GSO_NOT_PARTIAL);

	if (pkt->flags & OG_PKT_F_FRAG)
		v->reasons |= OG_BIT(OG_GSO_FRAGMENT);

	/*
	 * Encapsulation GSO describes inner headers offguard does not parse;
	 * so does ESP crypto offload (encapsulation set, ESP between IP and
	 * the L4 its gso_type names), and SCTP/FCOE are not ours to judge.
	 */
	if ((t & (OG_GSO_TUNNEL | OG_GSO_PARTIAL | OG_GSO_OTHER)) ||
	    (m->flags & OG_FIX_ENCAP))
		return;

	if (!(t & (OG_GSO_TCPV4 | OG_GSO_TCPV6 | OG_GSO_UDP | OG_GSO_UDP_L4)) ||
	    ((t & OG_GSO_TCPV4) && (!tcp || pkt->ipv != 4)) ||
	    ((t & OG_GSO_TCPV6) && (!tcp || pkt->ipv != 6)) ||
	    ((t & (OG_GSO_UDP | OG_GSO_UDP_L4)) && !udp)) {
		v->reasons |= OG_BIT(OG_GSO_TYPE_MISMATCH);
		return;
	}

	if (pkt->flags & OG_PKT_F_L4_BAD_HDR) {
		v->reasons |= OG_BIT(OG_GSO_BAD_L4_HDR);
		return;
	}
	if (tcp && (pkt->tcp_flags & (OG_TCP_FLAG_SYN | OG_TCP_FLAG_RST)))
		v->reasons |= OG_BIT(OG_GSO_BAD_TCP_FLAGS);

	if (m->gso_size == OG_GSO_BY_FRAGS || !pkt->l4_hdr_len)
		return;
	/* UFO cuts IP fragments: gso_size counts from the UDP header. */
	l4h = (t & OG_GSO_UDP) ? 0 : pkt->l4_hdr_len;
	hdrs = pkt->l4_off - pkt->l3_off + l4h;
	/*
	 * At egress the segments must fit this device. At ingress only a
	 * writer's GSO (DODGY: TUN/TAP, AF_PACKET) is judged against the
	 * device MTU: GRO and LRO build what the wire already carried, and
	 * some LRO engines count headers into gso_size.
	 */
	if (hdrs + m->gso_size > m->mtu &&
	    (hook == OG_HOOK_TC_EGRESS || (t & OG_GSO_DODGY)))
		v->reasons |= OG_BIT(OG_GSO_SIZE_EXCEEDS_MTU);

	/* Transmit limits (gso_features_check): egress only. */
	if (hook == OG_HOOK_TC_EGRESS && m->len > pkt->l4_off + l4h) {
		payload = m->len - pkt->l4_off - l4h;
		segs = (payload + m->gso_size - 1) / m->gso_size;
		if (segs > m->gso_max_segs ||
		    ((t & OG_GSO_UDP_L4) && segs > OG_UDP_MAX_SEGMENTS))
			v->reasons |= OG_BIT(OG_GSO_TOO_MANY_SEGS);
	}

	/* Mismatch, not fault: the kernel will segment in software. */
	if (hook == OG_HOOK_TC_EGRESS &&
	    (((t & OG_GSO_TCPV4) && !(m->features & OG_FEAT_TSO)) ||
	     ((t & OG_GSO_TCPV6) && !(m->features & OG_FEAT_TSO6)) ||
	     ((t & OG_GSO_UDP_L4) && !(m->features & OG_FEAT_GSO_UDP_L4))))
		v->reasons |= OG_BIT(OG_GSO_NO_TSO);
}

/*
 * Global (verified once, on its own, with every input unknown): the rules
 * must hold for any metadata and any parse result anyway.
 */
__attribute__((noinline))
int og_rules(struct __sk_buff *ctx, const struct og_meta *m,
	     const struct og_pkt *pkt, struct og_verdict *v)
{
	__u32 hook;

	if (!ctx || !m || !pkt || !v)
		return 0;
	hook = m->hook;
	/* A TCP/UDP header past the data: GSO has its own rule for it. */
	if ((pkt->flags & OG_PKT_F_L4_BAD_HDR) && !m->gso_size) {
		v->reasons |= OG_BIT(OG_TRUNCATED);
		return 0;
	}
	if (pkt->ipv == 4 && pkt->ip_hdr_sum != 0xffff)
		v->reasons |= OG_BIT(OG_L3_BAD_CSUM);

	if (m->ip_summed == OG_CHECKSUM_PARTIAL) {
		og_rule_partial(ctx, m, pkt, v);
		/* Mismatch: the kernel will checksum it in software. */
		if (hook == OG_HOOK_TC_EGRESS &&
		    !(m->flags & (OG_FIX_ENCAP | OG_FIX_CSUM_NOT_INET)) &&
		    !(m->features & OG_FEAT_HW_CSUM) &&
		    !(m->features & (pkt->ipv == 4 ? OG_FEAT_IP_CSUM :
						     OG_FEAT_IPV6_CSUM)))
			v->reasons |= OG_BIT(OG_PARTIAL_NO_TX_CSUM);
	} else {
		og_rule_complete(ctx, m, pkt, v);
	}

	if (m->gso_size)
		og_rule_gso(m, pkt, hook, v);
	return 0;
}

#endif /* OG_BPF_RULES_H */
