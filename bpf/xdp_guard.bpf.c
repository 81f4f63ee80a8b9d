// SPDX-License-Identifier: GPL-2.0-only
/*
 * offguard XDP program: frames as they are on the wire. XDP has no skb
 * metadata, so every check is on the bytes (DESIGN §3, XDP table):
 *   wire_l3_bad_csum     IPv4 header checksum wrong
 *   wire_l4_bad_csum     TCP/UDP/ICMP/ICMPv6 checksum wrong (IPv6
 *                        extension headers walked as the tc parser does)
 *   wire_leaked_partial  the field holds the pseudo-header sum and the
 *                        full sum fails: a partial checksum nobody
 *                        completed (counted instead of wire_l4_bad_csum)
 *   wire_udp6_zero_csum  UDP over IPv6 with checksum 0, tunnels aside
 *   wire_oversize        L3 length over the device MTU (LRO/GRO leaks)
 *   wire_truncated       headers past the frame, bogus lengths
 *
 * Multi-buffer aware (xdp.frags): headers are read from the first buffer,
 * where every driver puts them; checksums cover the frags as well.
 *
 * Policy (og_config, per device): observe passes everything. repair
 * completes only the two signatures of a lost offload -- a leaked partial
 * checksum, and an IPv4 header checksum field of 0 -- and proves each by
 * summing again; any other wrong checksum claims to be complete and is
 * corruption: counted, never rewritten. strict also drops truncated and
 * bad-checksum frames that were not repaired.
 *
 * On veth and TUN/TAP (and in generic mode) a frame here may still be a
 * CHECKSUM_PARTIAL skb whose field legitimately holds the pseudo-header
 * sum, and completing it would corrupt it. There the leaked-partial
 * verdict goes to tc ingress with the frame (og_xdp_defer), which sees
 * ip_summed; XDP neither counts nor rewrites it.
 */
#define OG_CTX_XDP
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "offguard/offguard.h"
#include "maps.h"
#include "l4.h"

#define OG_XDP_DROP	1	/* enum xdp_action */
#define OG_XDP_PASS	2

#define OG_XDP_STRICT_DROP	(OG_BIT(OG_WIRE_TRUNCATED) |		\
				 OG_BIT(OG_WIRE_L3_BAD_CSUM) |		\
				 OG_BIT(OG_WIRE_L4_BAD_CSUM) |		\
				 OG_BIT(OG_WIRE_LEAKED_PARTIAL))

#define OG_IPV4_CHECK_OFF	10	/* offsetof(struct iphdr, check) */

struct og_wire {
	__u32	reasons;
	__u32	l4_sum;		/* folded sum over pseudo-header and segment */
	__u32	l4_verified;
};

/* Device MTU, unless the config overrides it (--mtu). */
static __always_inline __u32 og_xdp_mtu(struct xdp_md *ctx,
					const struct og_dev_conf *conf)
{
	__u32 mtu = 1;	/* a length that fits: the helper only reports */

	if (conf && conf->mtu)
		return conf->mtu;
	if (bpf_check_mtu(ctx, 0, &mtu, 0, 0) < 0)
		return 0;
	return mtu;
}

static __always_inline void og_wire_l4(struct xdp_md *ctx,
				       const struct og_pkt *pkt,
				       struct og_wire *w)
{
	__u16 seed;
	int sum;

	sum = og_l4_verify(ctx, pkt);
	if (sum == OG_L4_UDP6_ZERO)
		w->reasons |= OG_BIT(OG_WIRE_UDP6_ZERO_CSUM);
	if (sum < 0)
		return;
	w->l4_verified = 1;
	w->l4_sum = sum;
	if (sum == 0xffff)
		return;
	/* Only TCP and UDP are ever handed to a device as partial. */
	if (pkt->l4proto == OG_IPPROTO_TCP || pkt->l4proto == OG_IPPROTO_UDP) {
		seed = og_partial_seed(pkt->addr_sum, pkt->l4proto,
				       pkt->l4_len);
		if (og_csum16_equiv(pkt->l4_check, seed)) {
			w->reasons |= OG_BIT(OG_WIRE_LEAKED_PARTIAL);
			return;
		}
	}
	w->reasons |= OG_BIT(OG_WIRE_L4_BAD_CSUM);
}

enum og_xdp_repair {
	OG_XREP_OK,
	OG_XREP_NOT_MADE,	/* frame untouched */
	OG_XREP_BROKEN,		/* frame may be damaged: drop it */
};

/*
 * A leaked partial checksum: the field holds the seed, so the sum over it
 * is seed + the rest; the checksum is the complement of the rest. Proven
 * by summing the segment again.
 */
static __always_inline int og_xdp_complete(struct xdp_md *ctx,
					   const struct og_pkt *pkt,
					   const struct og_wire *w)
{
	__u32 off = og_l4_csum_field(pkt);
	__u16 c = og_l4_csum_complete(pkt, w->l4_sum), back = 0;

	if (bpf_xdp_store_bytes(ctx, off, &c, sizeof(c)))
		return OG_XREP_NOT_MADE;
	if (bpf_xdp_load_bytes(ctx, off, &back, sizeof(back)) || back != c)
		return OG_XREP_BROKEN;
	if (og_l4_sum(ctx, pkt->l4_off, pkt->l4_len,
		      og_csum_fold(og_l4_pseudo(pkt))) != 0xffff)
		return OG_XREP_BROKEN;
	return OG_XREP_OK;
}

/* IPv4 header checksum field 0: the placeholder a lost offload leaves. */
static __always_inline int og_xdp_fill_l3(struct xdp_md *ctx,
					  const struct og_pkt *pkt)
{
	__u32 off = pkt->l3_off + OG_IPV4_CHECK_OFF;
	__u16 old = 0xffff, c;

	if (bpf_xdp_load_bytes(ctx, off, &old, sizeof(old)) || old != 0)
		return OG_XREP_NOT_MADE;
	c = ~pkt->ip_hdr_sum;	/* the field adds nothing to that sum */
	if (bpf_xdp_store_bytes(ctx, off, &c, sizeof(c)))
		return OG_XREP_NOT_MADE;
	if (og_l4_sum(ctx, pkt->l3_off, pkt->ip_hdr_len, 0) != 0xffff)
		return OG_XREP_BROKEN;
	return OG_XREP_OK;
}

/*
 * A frame that may be a CHECKSUM_PARTIAL skb (OG_CONF_XDP_DEFER_PARTIAL):
 * hand the leaked-partial question to tc ingress in the metadata area.
 * Returns 0 when handed over, -1 when the device keeps no metadata (TUN
 * native mode, for one): XDP then counts it but never rewrites it.
 */
static __always_inline int og_xdp_defer(struct xdp_md *ctx,
					const struct og_pkt *pkt,
					const struct og_wire *w)
{
	struct og_xdp_meta *xm;

	if (bpf_xdp_adjust_meta(ctx, -(int)sizeof(*xm)))
		return -1;
	xm = (void *)(long)ctx->data_meta;
	if ((void *)(xm + 1) > (void *)(long)ctx->data)
		return -1;
	xm->magic = OG_XDP_META_MAGIC;
	xm->csum_off = og_l4_csum_field(pkt);
	xm->csum = og_l4_csum_complete(pkt, w->l4_sum);
	return 0;
}

SEC("xdp.frags")
int og_xdp(struct xdp_md *ctx)
{
	struct og_dev_key key = { .ifindex = ctx->ingress_ifindex,
				  .hook = OG_HOOK_XDP };
	__u32 len = bpf_xdp_get_buff_len(ctx);
	__u32 repaired = 0, dropped = 0, mtu;
	struct og_dev_conf *conf;
	struct og_dev_stats *st;
	struct og_wire w = {};
	struct og_pkt pkt = {};
	struct og_sample *s;
	__u16 l3_proto = 0;
	int ret, verdict = OG_XDP_PASS, r, no_complete = 0;

	st = og_devstats_get(&key);
	if (!st)
		return OG_XDP_PASS;
	st->packets++;
	st->bytes += len;

	conf = bpf_map_lookup_elem(&og_config, &key);
	if (conf && (conf->flags & OG_CONF_NO_LINK_HDR)) {
		/* TUN: the IP version says what follows. */
		__u8 *v = og_ptr((void *)(long)ctx->data,
				 (void *)(long)ctx->data_end, 0, 1);

		if (!v)
			return OG_XDP_PASS;
		if ((*v >> 4) == 4)
			l3_proto = OG_ETH_P_IP;
		else if ((*v >> 4) == 6)
			l3_proto = OG_ETH_P_IPV6;
		else
			return OG_XDP_PASS;
	}

	ret = og_parse_pkt(ctx, &pkt, l3_proto, len, 0);
	if (ret == OG_PARSE_TRUNC || ret == OG_PARSE_OK) {
		/* the header checksum is judged before any length */
		if (pkt.ipv == 4 && pkt.ip_hdr_len && pkt.ip_hdr_sum != 0xffff)
			w.reasons |= OG_BIT(OG_WIRE_L3_BAD_CSUM);
	}
	if (ret == OG_PARSE_TRUNC) {
		w.reasons |= OG_BIT(OG_WIRE_TRUNCATED);
	} else if (ret == OG_PARSE_OK) {
		/* a TCP header past the IP payload is a bogus length too */
		if (pkt.flags & OG_PKT_F_L4_BAD_HDR)
			w.reasons |= OG_BIT(OG_WIRE_TRUNCATED);
		og_wire_l4(ctx, &pkt, &w);
	}
	/*
	 * Generic (skb) mode sees GSO/GRO super-frames whole: their length
	 * says nothing about the wire. Non-IP frames are measured too.
	 */
	if (ret != OG_PARSE_NONLINEAR && pkt.l3_off < len &&
	    !(conf && (conf->flags & OG_CONF_XDP_GENERIC))) {
		mtu = og_xdp_mtu(ctx, conf);
		if (mtu && len - pkt.l3_off > mtu)
			w.reasons |= OG_BIT(OG_WIRE_OVERSIZE);
	}

	if (w.l4_verified)
		st->l4_verified++;
	if ((w.reasons & OG_BIT(OG_WIRE_LEAKED_PARTIAL)) && conf &&
	    (conf->flags & OG_CONF_XDP_DEFER_PARTIAL)) {
		/* tc ingress decides, from ip_summed: no count, no repair */
		if (!og_xdp_defer(ctx, &pkt, &w))
			w.reasons &= ~OG_BIT(OG_WIRE_LEAKED_PARTIAL);
		else
			no_complete = 1;	/* cannot tell: never rewrite */
	}
	if (!w.reasons)
		return OG_XDP_PASS;

	if (conf && conf->policy != OG_POLICY_OBSERVE && ret == OG_PARSE_OK) {
		if (w.reasons & OG_BIT(OG_WIRE_L3_BAD_CSUM)) {
			r = og_xdp_fill_l3(ctx, &pkt);
			if (r == OG_XREP_BROKEN)
				goto broken;
			if (r == OG_XREP_OK)
				repaired |= OG_BIT(OG_WIRE_L3_BAD_CSUM);
		}
		if ((w.reasons & OG_BIT(OG_WIRE_LEAKED_PARTIAL)) &&
		    !no_complete) {
			r = og_xdp_complete(ctx, &pkt, &w);
			if (r == OG_XREP_BROKEN)
				goto broken;
			if (r == OG_XREP_OK)
				repaired |= OG_BIT(OG_WIRE_LEAKED_PARTIAL);
		}
	}
	/* a leaked partial that may be a pending offload is not dropped */
	if (conf && conf->policy == OG_POLICY_STRICT &&
	    (w.reasons & OG_XDP_STRICT_DROP & ~repaired &
	     ~(no_complete ? OG_BIT(OG_WIRE_LEAKED_PARTIAL) : 0))) {
		dropped = w.reasons;
		verdict = OG_XDP_DROP;
	}
	goto count;
broken:
	dropped = w.reasons;
	verdict = OG_XDP_DROP;
count:
	og_count(key.ifindex, OG_HOOK_XDP, w.reasons, repaired, dropped, len,
		 OG_WIRE_L3_BAD_CSUM, OG_WIRE_TRUNCATED);
	s = og_sample_begin(key.ifindex, OG_HOOK_XDP, w.reasons);
	if (s) {
		s->repaired = repaired;
		s->dropped = dropped;
		s->l3_proto = l3_proto;
		og_sample_finish(ctx, s, len);
	}
	return verdict;
}

char LICENSE[] SEC("license") = "GPL";
