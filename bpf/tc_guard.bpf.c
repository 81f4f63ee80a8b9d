// SPDX-License-Identifier: GPL-2.0-only
/*
 * offguard tc programs: ingress (first look at metadata a writer handed
 * the kernel, e.g. a TUN/TAP virtio_net_hdr) and egress (last look before
 * the driver or the kernel's software checksum/GSO). Both judge every skb
 * against the rules catalogue (rules.h) and count per device, hook and
 * rule, and apply the device's policy (DESIGN §4):
 *   observe  count; never modify, never drop;
 *   repair   also fix what is provably metadata (repair.h);
 *   strict   also drop what the kernel would drop later or corrupt.
 * Whatever passes returns TCX_NEXT / TC_ACT_UNSPEC so programs after
 * offguard still run; a drop is TC_ACT_SHOT, counted under each rule the
 * packet raised.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "offguard/offguard.h"
#include "maps.h"
#include "pkt_csum.h"
#include "rules.h"
#include "repair.h"

#define OG_TC_NEXT	(-1)	/* TCX_NEXT == TC_ACT_UNSPEC */
#define OG_TC_SHOT	2	/* TCX_DROP == TC_ACT_SHOT */

/* strict drops these (the kernel drops them later, or would corrupt). */
#define OG_STRICT_DROP	(OG_BIT(OG_PARTIAL_BAD_START) |			\
			 OG_BIT(OG_PARTIAL_BAD_OFFSET) |		\
			 OG_BIT(OG_GSO_TYPE_MISMATCH) |			\
			 OG_BIT(OG_GSO_NOT_PARTIAL) |			\
			 OG_BIT(OG_GSO_BAD_L4_HDR) |			\
			 OG_BIT(OG_GSO_FRAGMENT) |			\
			 OG_BIT(OG_GSO_BAD_TCP_FLAGS) |			\
			 OG_BIT(OG_TRUNCATED) |				\
			 OG_BIT(OG_L4_BAD_CSUM) |			\
			 OG_BIT(OG_UNNECESSARY_BUT_BAD))
#define OG_PULL_MAX	256	/* headers worth pulling into the linear part */

static __always_inline void og_stats_meta(struct og_dev_stats *st,
					  const struct og_meta *m)
{
	st->packets++;
	st->bytes += m->len;
	switch (m->ip_summed) {
	case OG_CHECKSUM_NONE:
		st->csum_none++;
		break;
	case OG_CHECKSUM_UNNECESSARY:
		st->csum_unnecessary++;
		break;
	case OG_CHECKSUM_COMPLETE:
		st->csum_complete++;
		break;
	default:
		st->csum_partial++;
		break;
	}
	if (!m->gso_size)
		return;
	st->gso_packets++;
	st->gso_segs += m->gso_segs;
	if (m->gso_type & OG_GSO_TCPV4)
		st->gso_tcpv4++;
	else if (m->gso_type & OG_GSO_TCPV6)
		st->gso_tcpv6++;
	else if (m->gso_type & OG_GSO_UDP_L4)
		st->gso_udp_l4++;
	else
		st->gso_other++;
	if (m->gso_type & OG_GSO_DODGY)
		st->dodgy++;
}

/*
 * repair / strict on a packet that raised reasons. Returns the verdict and
 * the reasons repaired and dropped. Strict drops before repairing: a
 * packet on its way to the bin needs no fixing. A repair that may have
 * damaged the packet drops it, whatever the policy.
 */
static __always_inline int og_policy(struct __sk_buff *ctx,
				     const struct og_dev_conf *conf,
				     const struct og_meta *m,
				     const struct og_pkt *pkt,
				     const struct og_verdict *v,
				     __u32 *repaired, __u32 *dropped)
{
	__u32 drop = 0, fixed = 0;
	int r;

/* Try one repair for one raised reason; a possibly damaged packet drops. */
#define OG_TRY_REPAIR(reason, call) do {				\
	if (v->reasons & OG_BIT(reason)) {				\
		r = (call);						\
		if (r == OG_REPAIR_BROKEN)				\
			goto broken;					\
		if (r == OG_REPAIR_OK)					\
			fixed |= OG_BIT(reason);			\
	}								\
} while (0)

	/* A writer known never to fill checksums: complete them. */
	if ((conf->flags & OG_CONF_WRITER_OMITS_CSUM) &&
	    m->ip_summed == OG_CHECKSUM_NONE) {
		OG_TRY_REPAIR(OG_L3_BAD_CSUM, og_repair_l3(ctx, m, pkt));
		OG_TRY_REPAIR(OG_L4_BAD_CSUM,
			      og_repair_l4_full(ctx, m, pkt, v));
	}

	if (conf->policy == OG_POLICY_STRICT)
		drop = v->reasons & OG_STRICT_DROP & ~fixed;
	if (drop) {
		/* Counted as dropped under every rule the packet raised. */
		*repaired = fixed;
		*dropped = v->reasons;
		return OG_TC_SHOT;
	}

	OG_TRY_REPAIR(OG_PARTIAL_BAD_SEED, og_repair_seed(ctx, m, pkt));
	OG_TRY_REPAIR(OG_GSO_SIZE_EXCEEDS_MTU, og_repair_gso_size(ctx, m, pkt));
#undef OG_TRY_REPAIR
	*repaired = fixed;
	return OG_TC_NEXT;
broken:
	*repaired = fixed;
	*dropped = v->reasons;
	return OG_TC_SHOT;
}

/*
 * A frame XDP handed over (struct og_xdp_meta): its checksum field holds
 * the pseudo-header sum. With CHECKSUM_PARTIAL that is the offload still
 * pending -- nothing to say. Otherwise nobody will complete it: it is
 * wire_leaked_partial, counted under hook xdp, and XDP's policy applies
 * here, where the skb can be written safely. Returns the tc verdict.
 */
static __always_inline int og_tc_xdp_meta(struct __sk_buff *ctx,
					  const struct og_meta *m,
					  const struct og_pkt *pkt)
{
	struct og_dev_key key = { .ifindex = ctx->ifindex,
				  .hook = OG_HOOK_XDP };
	void *data = (void *)(long)ctx->data;
	struct og_xdp_meta *xm = (void *)(long)ctx->data_meta;
	__u32 repaired = 0, dropped = 0;
	struct og_dev_conf *conf;
	struct og_sample *s;
	__u16 off, c;

	if ((void *)(xm + 1) > data || xm->magic != OG_XDP_META_MAGIC)
		return OG_TC_NEXT;
	off = xm->csum_off;
	c = xm->csum;
	/*
	 * Consumed: the metadata length can outlive this device (forwarded
	 * skbs keep it), and another tc ingress must not judge it again.
	 */
	xm->magic = 0;
	if (m->ip_summed == OG_CHECKSUM_PARTIAL)
		return OG_TC_NEXT;
	/* the frame must still be the one XDP described */
	if (off != og_l4_csum_field(pkt))
		return OG_TC_NEXT;

	conf = bpf_map_lookup_elem(&og_config, &key);
	if (conf && conf->policy != OG_POLICY_OBSERVE) {
		if (bpf_skb_store_bytes(ctx, off, &c, sizeof(c), 0))
			goto count;
		if (og_l4_sum(ctx, pkt->l4_off, pkt->l4_len,
			      og_csum_fold(og_l4_pseudo(pkt))) != 0xffff) {
			dropped = OG_BIT(OG_WIRE_LEAKED_PARTIAL);
			goto count;
		}
		repaired = OG_BIT(OG_WIRE_LEAKED_PARTIAL);
	}
	if (conf && conf->policy == OG_POLICY_STRICT && !repaired)
		dropped = OG_BIT(OG_WIRE_LEAKED_PARTIAL);
count:
	og_count_one(key.ifindex, OG_HOOK_XDP, OG_WIRE_LEAKED_PARTIAL,
		     !!repaired, !!dropped, m->len);
	s = og_sample_begin(key.ifindex, OG_HOOK_XDP,
			    OG_BIT(OG_WIRE_LEAKED_PARTIAL));
	if (s) {
		s->repaired = repaired;
		s->dropped = dropped;
		s->l3_proto = m->l3_proto;
		s->ip_summed = m->ip_summed;
		og_sample_finish(ctx, s, m->len);
	}
	return dropped ? OG_TC_SHOT : OG_TC_NEXT;
}

/* A sample of the offending packet for `offguard dump`, rate limited. */
static __always_inline void og_tc_sample(struct __sk_buff *ctx,
					 const struct og_meta *m,
					 const struct og_verdict *v,
					 enum og_hook hook, __u32 repaired,
					 __u32 dropped)
{
	struct og_sample *s = og_sample_begin(ctx->ifindex, hook, v->reasons);

	if (!s)
		return;
	s->repaired = repaired;
	s->dropped = dropped;
	s->l3_proto = m->l3_proto;
	s->ip_summed = m->ip_summed;
	s->meta_flags = m->flags;
	s->csum_start = m->csum_start < 0 ? 0xffff : m->csum_start;
	s->csum_offset = m->csum_offset;
	s->gso_size = m->gso_size;
	s->gso_segs = m->gso_segs;
	s->gso_type = m->gso_type;
	s->seed_variant = v->seed_variant;
	og_sample_finish(ctx, s, ctx->len);
}

static __always_inline int og_tc(struct __sk_buff *ctx, enum og_hook hook)
{
	struct og_dev_key dkey = { .ifindex = ctx->ifindex, .hook = hook };
	struct og_verdict v = {};
	struct og_dev_stats *st;
	struct og_dev_conf *conf = NULL;
	__u32 repaired = 0, dropped = 0;
	int verdict = OG_TC_NEXT;
	struct og_meta m = {};
	struct og_pkt pkt = {};
	int ret;

	m.hook = hook;
	og_meta_read(ctx, &m);

	st = og_devstats_get(&dkey);
	if (!st)
		return OG_TC_NEXT;
	og_stats_meta(st, &m);
	if (!m.parse)
		return OG_TC_NEXT;

	ret = og_parse_pkt(ctx, &pkt, m.l3_proto, m.len, m.gso_size);
	if (ret == OG_PARSE_NONLINEAR) {
		/*
		 * Headers in page frags (rare: writers with a tiny hdr_len).
		 * Pulling changes the layout, never the bytes; parse again.
		 */
		if (bpf_skb_pull_data(ctx, m.len < OG_PULL_MAX ? m.len :
						OG_PULL_MAX))
			return OG_TC_NEXT;
		ret = og_parse_pkt(ctx, &pkt, m.l3_proto, m.len, m.gso_size);
		/* pull_data invalidated st: look it up again */
		st = bpf_map_lookup_elem(&og_devstats, &dkey);
		if (!st)
			return OG_TC_NEXT;
	}
	if (ret == OG_PARSE_TRUNC) {
		v.reasons = OG_BIT(OG_TRUNCATED);
		/* the header checksum is judged before any length */
		if (pkt.ipv == 4 && pkt.ip_hdr_len && pkt.ip_hdr_sum != 0xffff)
			v.reasons |= OG_BIT(OG_L3_BAD_CSUM);
	} else if (ret == OG_PARSE_OK) {
		if (hook == OG_HOOK_TC_INGRESS &&
		    ctx->data_meta < ctx->data &&
		    og_tc_xdp_meta(ctx, &m, &pkt) == OG_TC_SHOT)
			return OG_TC_SHOT;
		if (m.gso_size) {
			/* Config only matters to rules that need it. */
			conf = bpf_map_lookup_elem(&og_config, &dkey);
			if (conf && conf->mtu)
				m.mtu = conf->mtu;
		}
		og_rules(ctx, &m, &pkt, &v);
	}

	if (v.l4_verified)
		st->l4_verified++;
	if (!v.reasons)
		return OG_TC_NEXT;
	if (v.reasons & OG_BIT(OG_PARTIAL_BAD_SEED))
		st->seed_variant[v.seed_variant & 3]++;

	if (!conf)
		conf = bpf_map_lookup_elem(&og_config, &dkey);
	if (conf && conf->policy != OG_POLICY_OBSERVE && ret == OG_PARSE_OK)
		verdict = og_policy(ctx, conf, &m, &pkt, &v, &repaired,
				    &dropped);
	else if (conf && conf->policy == OG_POLICY_STRICT &&
		 (v.reasons & OG_STRICT_DROP)) {
		dropped = v.reasons;
		verdict = OG_TC_SHOT;
	}
	og_count(dkey.ifindex, hook, v.reasons, repaired, dropped, m.len,
		 OG_PARTIAL_BAD_START, OG_TRUNCATED);
	og_tc_sample(ctx, &m, &v, hook, repaired, dropped);
	return verdict;
}

SEC("tc")
int og_tc_ingress(struct __sk_buff *ctx)
{
	return og_tc(ctx, OG_HOOK_TC_INGRESS);
}

SEC("tc")
int og_tc_egress(struct __sk_buff *ctx)
{
	return og_tc(ctx, OG_HOOK_TC_EGRESS);
}

char LICENSE[] SEC("license") = "GPL";
