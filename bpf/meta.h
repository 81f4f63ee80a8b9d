/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The skb metadata the rules judge, read from the kernel's own sk_buff
 * (bpf_cast_to_kern_ctx, kernel >= 6.3 with BTF) or, in prog tests only,
 * from a fixture in __sk_buff->cb[] (see struct og_fixture_meta).
 *
 * Kernel constants that CO-RE cannot relocate (NETIF_F_*_BIT, SKB_GSO_*)
 * come from og_kc, which the loader resolved from the running kernel.
 */
#ifndef OG_BPF_META_H
#define OG_BPF_META_H

#include <bpf/bpf_core_read.h>
#include "offguard/offguard.h"

#define OG_ARPHRD_ETHER		1
#define OG_ARPHRD_LOOPBACK	772

extern void *bpf_cast_to_kern_ctx(void *obj) __ksym;

/*
 * csum_not_inet exists only with CONFIG_IP_SCTP: a CO-RE flavour lets one
 * object run on kernels with and without it.
 */
struct sk_buff___og_sctp {
	__u8 csum_not_inet: 1;
} __attribute__((preserve_access_index));

const volatile struct og_kconsts og_kc = OG_KCONSTS_DEFAULT;
const volatile __u32 og_fixture_meta = 0;

struct og_meta {
	__u32	len;		/* skb->len */
	__u32	mtu;		/* device MTU (config override applied later) */
	__u32	gso_max_segs;
	__u32	features;	/* OG_FEAT_* */
	__u32	gso_type;	/* OG_GSO_* */
	__s32	csum_start;	/* relative to skb->data */
	__u16	csum_offset;
	__u16	gso_size;
	__u16	gso_segs;
	__u16	l3_proto;	/* 0: Ethernet header first; else ethertype */
	__u8	ip_summed;
	__u8	flags;		/* OG_FIX_* */
	__u8	parse;		/* 0: link type offguard cannot parse */
	__u8	hook;		/* enum og_hook */
};

static __always_inline __u32 og_feat_from_dev(__u64 f)
{
	__u32 r = 0;

	if ((f >> (og_kc.netif_f_bit[OG_FEAT_IDX_IP_CSUM] & 63)) & 1)
		r |= OG_FEAT_IP_CSUM;
	if ((f >> (og_kc.netif_f_bit[OG_FEAT_IDX_IPV6_CSUM] & 63)) & 1)
		r |= OG_FEAT_IPV6_CSUM;
	if ((f >> (og_kc.netif_f_bit[OG_FEAT_IDX_HW_CSUM] & 63)) & 1)
		r |= OG_FEAT_HW_CSUM;
	if ((f >> (og_kc.netif_f_bit[OG_FEAT_IDX_TSO] & 63)) & 1)
		r |= OG_FEAT_TSO;
	if ((f >> (og_kc.netif_f_bit[OG_FEAT_IDX_TSO6] & 63)) & 1)
		r |= OG_FEAT_TSO6;
	if ((f >> (og_kc.netif_f_bit[OG_FEAT_IDX_GSO_UDP_L4] & 63)) & 1)
		r |= OG_FEAT_GSO_UDP_L4;
	return r;
}

static __always_inline __u32 og_gso_from_skb(__u32 t)
{
	__u32 r = 0;

	if (t & og_kc.skb_gso_tcpv4)
		r |= OG_GSO_TCPV4;
	if (t & og_kc.skb_gso_dodgy)
		r |= OG_GSO_DODGY;
	if (t & og_kc.skb_gso_tcp_ecn)
		r |= OG_GSO_TCP_ECN;
	if (t & og_kc.skb_gso_tcpv6)
		r |= OG_GSO_TCPV6;
	if (t & og_kc.skb_gso_udp)
		r |= OG_GSO_UDP;
	if (t & og_kc.skb_gso_udp_l4)
		r |= OG_GSO_UDP_L4;
	if (t & og_kc.skb_gso_partial)
		r |= OG_GSO_PARTIAL;
	if (t & og_kc.skb_gso_fraglist)
		r |= OG_GSO_FRAGLIST;
	if (t & og_kc.skb_gso_tunnel_mask)
		r |= OG_GSO_TUNNEL;
	if (t & og_kc.skb_gso_other_mask)
		r |= OG_GSO_OTHER;
	return r;
}

static __always_inline void og_meta_fixture(struct __sk_buff *ctx,
					    struct og_meta *m)
{
	struct og_fixture_meta fm;
	__u32 w[5];

	w[0] = ctx->cb[0];
	w[1] = ctx->cb[1];
	w[2] = ctx->cb[2];
	w[3] = ctx->cb[3];
	w[4] = ctx->cb[4];
	__builtin_memcpy(&fm, w, sizeof(fm));

	m->ip_summed = fm.ip_summed & 3;
	m->flags = fm.flags;
	m->csum_start = fm.csum_start;
	m->csum_offset = fm.csum_offset;
	m->gso_size = fm.gso_size;
	m->gso_type = fm.gso_type;
	m->gso_segs = fm.gso_segs;
	m->mtu = fm.mtu ? fm.mtu : 1500;
	m->features = fm.features;
	m->gso_max_segs = 65535;
	m->l3_proto = 0;
	m->parse = 1;
}

static __always_inline void og_meta_kern(struct __sk_buff *ctx,
					 struct og_meta *m)
{
	struct sk_buff *skb = bpf_cast_to_kern_ctx(ctx);
	struct skb_shared_info *shinfo;
	struct net_device *dev;
	unsigned char *head, *data;
	__u32 raw_type = 0;

	head = skb->head;
	data = skb->data;
	m->ip_summed = BPF_CORE_READ_BITFIELD(skb, ip_summed);
	if (BPF_CORE_READ_BITFIELD(skb, encapsulation))
		m->flags |= OG_FIX_ENCAP;
	if (bpf_core_field_exists(struct sk_buff___og_sctp, csum_not_inet)) {
		struct sk_buff___og_sctp *s = (void *)skb;

		if (BPF_CORE_READ_BITFIELD(s, csum_not_inet))
			m->flags |= OG_FIX_CSUM_NOT_INET;
	}
	m->csum_start = (__s32)skb->csum_start - (__s32)(data - head);
	m->csum_offset = skb->csum_offset;

	if (BPF_CORE_READ_BITFIELD(skb, cloned))
		m->flags |= OG_FIX_CLONED;

	m->gso_size = ctx->gso_size;
	m->gso_segs = ctx->gso_segs;
	if (m->gso_size) {
		void *frag_list = NULL;

		shinfo = (void *)(head + skb->end);
		bpf_probe_read_kernel(&raw_type, sizeof(raw_type),
				      &shinfo->gso_type);
		bpf_probe_read_kernel(&frag_list, sizeof(frag_list),
				      &shinfo->frag_list);
		m->gso_type = og_gso_from_skb(raw_type);
		if (frag_list)
			m->flags |= OG_FIX_FRAG_LIST;
	}

	dev = skb->dev;
	if (!dev)
		return;
	m->mtu = dev->mtu;
	m->gso_max_segs = dev->gso_max_segs;
	/* Only the egress rules (what this device can offload) read them. */
	if (m->hook == OG_HOOK_TC_EGRESS)
		m->features = og_feat_from_dev(dev->features);
	/*
	 * Is there a link header in front of the data? Ask the skb, not the
	 * device: TUN has none, and neither has an Ethernet device's own
	 * multicast looped back by dev_loopback_xmit (data at the network
	 * header). Both hooks set mac_header at the start of the data, so
	 * network_header - mac_header is the link header's length; 0 means
	 * bare L3 named by skb->protocol. An Ethernet-sized one is parsed as
	 * Ethernet (in-band VLAN tags included); other link types are not.
	 */
	{
		__u16 mac = skb->mac_header, net = skb->network_header;

		if (mac == 0xffff || net < mac) {
			if (dev->type == OG_ARPHRD_ETHER ||
			    dev->type == OG_ARPHRD_LOOPBACK)
				m->parse = 1;
		} else if (net == mac) {
			m->l3_proto = bpf_ntohs(ctx->protocol);
			m->parse = 1;
		} else if (dev->type == OG_ARPHRD_ETHER ||
			   dev->type == OG_ARPHRD_LOOPBACK) {
			m->parse = 1;
		}
	}
}

static __always_inline void og_meta_read(struct __sk_buff *ctx,
					 struct og_meta *m)
{
	m->len = ctx->len;
	if (og_fixture_meta)
		og_meta_fixture(ctx, m);
	else
		og_meta_kern(ctx, m);
}

#endif /* OG_BPF_META_H */
