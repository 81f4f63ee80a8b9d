/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Repairs of what is provably metadata (DESIGN §4). Each one writes, then
 * proves: it reads back what the kernel will act on and returns success
 * only if that is now right. A repair that cannot be proven is not
 * counted as made; one that could leave a damaged packet behind makes the
 * caller drop it instead.
 *
 * Never rewritten: a checksum that claims to be complete, except on a
 * device whose writer is declared never to fill checksums
 * (--writer-omits-csum, Xen csum_blank style).
 */
#ifndef OG_BPF_REPAIR_H
#define OG_BPF_REPAIR_H

#include "rules.h"

#define OG_BPF_ADJ_ROOM_NET		0	/* enum bpf_adj_room_mode */
#define OG_ADJ_ROOM_FIXED_GSO		(1ULL << 0)
#define OG_ADJ_ROOM_NO_CSUM_RESET	(1ULL << 5)
#define OG_ADJ_ROOM_MAX			0xfff	/* bpf_skb_adjust_room limit */
#define OG_MIN_GSO_SIZE			8

enum og_repair_ret {
	OG_REPAIR_OK		= 0,
	OG_REPAIR_NOT_MADE	= 1,	/* packet untouched */
	OG_REPAIR_BROKEN	= 2,	/* packet may be damaged: drop it */
};

static __always_inline int og_read16(struct __sk_buff *ctx, __u32 off,
				     __u16 *val)
{
	return bpf_skb_load_bytes(ctx, off, val, sizeof(*val));
}

/*
 * partial_bad_seed: the field of a CHECKSUM_PARTIAL packet is the seed the
 * device or the kernel completes; putting the pseudo-header sum there is
 * what the writer should have done. The rule already proved start and
 * offset point at this very field.
 */
static __always_inline int og_repair_seed(struct __sk_buff *ctx,
					  const struct og_meta *m,
					  const struct og_pkt *pkt)
{
	__u16 seed = og_partial_seed(pkt->addr_sum, pkt->l4proto, pkt->l4_len);
	__u32 off = pkt->l4_off + m->csum_offset;
	__u16 back = 0;

	if (m->ip_summed != OG_CHECKSUM_PARTIAL)
		return OG_REPAIR_NOT_MADE;
	if (bpf_skb_store_bytes(ctx, off, &seed, sizeof(seed), 0))
		return OG_REPAIR_NOT_MADE;
	if (og_read16(ctx, off, &back) || back != seed)
		return OG_REPAIR_BROKEN;
	return OG_REPAIR_OK;
}

/*
 * gso_size_exceeds_mtu on TCP: lower gso_size so every segment fits. BPF
 * cannot write gso_size, but the kernel lowers it by D when a program
 * grows room after the network header (a new header would eat into each
 * segment), and keeps it when the same room is removed again with
 * BPF_F_ADJ_ROOM_FIXED_GSO. Grow, shrink: the bytes are as before, the
 * segments D smaller. TCP is a byte stream, so smaller segments carry the
 * same data; UDP gso_size delimits datagrams and is never re-cut.
 */
static __always_inline int og_repair_gso_size(struct __sk_buff *ctx,
					      const struct og_meta *m,
					      const struct og_pkt *pkt)
{
	__u32 hdrs = pkt->l4_off - pkt->l3_off + pkt->l4_hdr_len;
	__u32 want, diff;

	/*
	 * Not on a frag_list skb (the kernel linearizes it after the grow, an
	 * allocation that can fail with the room already inserted) nor on a
	 * clone (its skb_shared_info is shared, e.g. with TCP's retransmit
	 * queue: not ours to rewrite).
	 */
	if (m->flags & (OG_FIX_FRAG_LIST | OG_FIX_CLONED))
		return OG_REPAIR_NOT_MADE;
	if (!(m->gso_type & (OG_GSO_TCPV4 | OG_GSO_TCPV6)) ||
	    (m->gso_type & (OG_GSO_TUNNEL | OG_GSO_PARTIAL)) ||
	    pkt->l4proto != OG_IPPROTO_TCP || !pkt->l4_hdr_len ||
	    m->mtu < hdrs + OG_MIN_GSO_SIZE)
		return OG_REPAIR_NOT_MADE;
	want = m->mtu - hdrs;
	if (want >= m->gso_size)
		return OG_REPAIR_NOT_MADE;
	diff = m->gso_size - want;
	if (diff > OG_ADJ_ROOM_MAX)
		return OG_REPAIR_NOT_MADE;

	if (bpf_skb_adjust_room(ctx, diff, OG_BPF_ADJ_ROOM_NET,
				OG_ADJ_ROOM_NO_CSUM_RESET))
		/* a failure after the room went in leaves the packet longer */
		return ctx->len == m->len ? OG_REPAIR_NOT_MADE :
					    OG_REPAIR_BROKEN;
	if (bpf_skb_adjust_room(ctx, -(__s32)diff, OG_BPF_ADJ_ROOM_NET,
				OG_ADJ_ROOM_FIXED_GSO |
				OG_ADJ_ROOM_NO_CSUM_RESET))
		return OG_REPAIR_BROKEN;	/* room still inserted */
	if (ctx->len != m->len || ctx->gso_size != want)
		return OG_REPAIR_BROKEN;
	return OG_REPAIR_OK;
}

/*
 * --writer-omits-csum, CHECKSUM_NONE: the field holds no checksum, so put
 * the right one there. v->l4_sum is the folded sum over pseudo-header and
 * segment with the old field in it; without the field, the complement is
 * the checksum. UDP sends a computed 0 as 0xffff.
 */
static __always_inline int og_repair_l4_full(struct __sk_buff *ctx,
					     const struct og_meta *m,
					     const struct og_pkt *pkt,
					     const struct og_verdict *v)
{
	__u32 off = og_l4_csum_field(pkt);
	__u16 c;

	if (m->ip_summed != OG_CHECKSUM_NONE || !v->l4_verified)
		return OG_REPAIR_NOT_MADE;
	if (pkt->l4proto != OG_IPPROTO_TCP && pkt->l4proto != OG_IPPROTO_UDP)
		return OG_REPAIR_NOT_MADE;
	c = og_l4_csum_complete(pkt, v->l4_sum);
	if (bpf_skb_store_bytes(ctx, off, &c, sizeof(c), 0))
		return OG_REPAIR_NOT_MADE;
	if (og_l4_sum(ctx, pkt->l4_off, pkt->l4_len,
		      og_csum_fold(og_l4_pseudo(pkt))) != 0xffff)
		return OG_REPAIR_BROKEN;
	return OG_REPAIR_OK;
}

/* --writer-omits-csum, IPv4 header checksum, same arithmetic. */
static __always_inline int og_repair_l3(struct __sk_buff *ctx,
					const struct og_meta *m,
					const struct og_pkt *pkt)
{
	__u32 off = pkt->l3_off + 10;	/* offsetof(struct iphdr, check) */
	__u16 old = 0, c;

	if (m->ip_summed != OG_CHECKSUM_NONE || pkt->ipv != 4 ||
	    og_read16(ctx, off, &old))
		return OG_REPAIR_NOT_MADE;
	c = og_csum_replace(pkt->ip_hdr_sum, old);
	if (bpf_skb_store_bytes(ctx, off, &c, sizeof(c), 0))
		return OG_REPAIR_NOT_MADE;
	if (og_l4_sum(ctx, pkt->l3_off, pkt->ip_hdr_len, 0) != 0xffff)
		return OG_REPAIR_BROKEN;
	return OG_REPAIR_OK;
}

#endif /* OG_BPF_REPAIR_H */
