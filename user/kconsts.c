// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <bpf/btf.h>

#include "kconsts.h"
#include "logging.h"
#include "util.h"

/*
 * How an enumerator lands in struct og_kconsts: SET stores its value
 * (NETIF_F_*_BIT are bit numbers, SKB_GSO_* already shifted masks); OR
 * adds it to a mask made only of what this kernel has.
 */
enum kc_op { KC_SET, KC_OR };

struct kc_field {
	const char	*name;
	size_t		off;		/* into struct og_kconsts */
	enum kc_op	op;
};

#define KC_OFF(f)	offsetof(struct og_kconsts, f)
#define KC_FEAT(idx)	KC_OFF(netif_f_bit) + (idx) * sizeof(__u32)

static const struct kc_field kc_fields[] = {
	{ "NETIF_F_IP_CSUM_BIT",	KC_FEAT(OG_FEAT_IDX_IP_CSUM),	KC_SET },
	{ "NETIF_F_IPV6_CSUM_BIT",	KC_FEAT(OG_FEAT_IDX_IPV6_CSUM),	KC_SET },
	{ "NETIF_F_HW_CSUM_BIT",	KC_FEAT(OG_FEAT_IDX_HW_CSUM),	KC_SET },
	{ "NETIF_F_TSO_BIT",		KC_FEAT(OG_FEAT_IDX_TSO),	KC_SET },
	{ "NETIF_F_TSO6_BIT",		KC_FEAT(OG_FEAT_IDX_TSO6),	KC_SET },
	{ "NETIF_F_GSO_UDP_L4_BIT",	KC_FEAT(OG_FEAT_IDX_GSO_UDP_L4), KC_SET },
	{ "SKB_GSO_TCPV4",		KC_OFF(skb_gso_tcpv4),		KC_SET },
	{ "SKB_GSO_DODGY",		KC_OFF(skb_gso_dodgy),		KC_SET },
	{ "SKB_GSO_TCP_ECN",		KC_OFF(skb_gso_tcp_ecn),	KC_SET },
	{ "SKB_GSO_TCPV6",		KC_OFF(skb_gso_tcpv6),		KC_SET },
	{ "SKB_GSO_UDP",		KC_OFF(skb_gso_udp),		KC_SET },
	{ "SKB_GSO_UDP_L4",		KC_OFF(skb_gso_udp_l4),		KC_SET },
	{ "SKB_GSO_PARTIAL",		KC_OFF(skb_gso_partial),	KC_SET },
	{ "SKB_GSO_FRAGLIST",		KC_OFF(skb_gso_fraglist),	KC_SET },
	{ "SKB_GSO_GRE",		KC_OFF(skb_gso_tunnel_mask),	KC_OR },
	{ "SKB_GSO_GRE_CSUM",		KC_OFF(skb_gso_tunnel_mask),	KC_OR },
	{ "SKB_GSO_IPXIP4",		KC_OFF(skb_gso_tunnel_mask),	KC_OR },
	{ "SKB_GSO_IPXIP6",		KC_OFF(skb_gso_tunnel_mask),	KC_OR },
	{ "SKB_GSO_UDP_TUNNEL",		KC_OFF(skb_gso_tunnel_mask),	KC_OR },
	{ "SKB_GSO_UDP_TUNNEL_CSUM",	KC_OFF(skb_gso_tunnel_mask),	KC_OR },
	{ "SKB_GSO_TUNNEL_REMCSUM",	KC_OFF(skb_gso_tunnel_mask),	KC_OR },
	{ "SKB_GSO_FCOE",		KC_OFF(skb_gso_other_mask),	KC_OR },
	{ "SKB_GSO_SCTP",		KC_OFF(skb_gso_other_mask),	KC_OR },
	{ "SKB_GSO_ESP",		KC_OFF(skb_gso_other_mask),	KC_OR },
};

#define KC_NR	(sizeof(kc_fields) / sizeof(kc_fields[0]))

static __u32 *kc_slot(struct og_kconsts *kc, const struct kc_field *f)
{
	return (__u32 *)((char *)kc + f->off);
}

static int kc_find(const char *name)
{
	unsigned int i;

	/* Cheap filter first: BTF has tens of thousands of enumerators. */
	if (strncmp(name, "NETIF_F_", 8) && strncmp(name, "SKB_GSO_", 8))
		return -1;
	for (i = 0; i < KC_NR; i++)
		if (!strcmp(name, kc_fields[i].name))
			return i;
	return -1;
}

/*
 * Record one enumerator. Values are kept in 64 bits until checked: a
 * gso_type bit above 31 or a feature bit above 63 cannot be used by the
 * program, and the default is better than a truncated value.
 */
static void kc_take(const char *name, __u64 val, bool found[KC_NR],
		    __u64 vals[KC_NR])
{
	int i = kc_find(name);

	if (i < 0 || found[i])
		return;
	found[i] = true;
	vals[i] = val;
}

int og_kconsts_resolve(struct og_kconsts *kc)
{
	static const struct og_kconsts defaults = OG_KCONSTS_DEFAULT;
	bool found[KC_NR] = {}, mask_seen[2] = {};
	__u64 vals[KC_NR] = {};
	const struct btf *btf;
	__u32 id, nr, i;
	unsigned int k;

	*kc = defaults;
	btf = og_vmlinux_btf();
	if (!btf) {
		pr_debug("kconsts: no vmlinux BTF, using built-in defaults\n");
		return -ENOENT;
	}

	nr = btf__type_cnt(btf);
	for (id = 1; id < nr; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);

		if (btf_is_enum(t)) {
			const struct btf_enum *e = btf_enum(t);

			for (i = 0; i < btf_vlen(t); i++, e++)
				kc_take(btf__name_by_offset(btf, e->name_off),
					(__u32)e->val, found, vals);
		} else if (btf_is_enum64(t)) {
			const struct btf_enum64 *e = btf_enum64(t);

			for (i = 0; i < btf_vlen(t); i++, e++)
				kc_take(btf__name_by_offset(btf, e->name_off),
					btf_enum64_value(e), found, vals);
		}
	}

	/* Masks are rebuilt from scratch once one of their parts is known. */
	for (k = 0; k < KC_NR; k++) {
		const struct kc_field *f = &kc_fields[k];
		__u32 *slot = kc_slot(kc, f);
		bool is_feat = f->off < KC_OFF(skb_gso_tcpv4);
		__u64 limit = is_feat ? 63 : 0xffffffffULL;

		if (!found[k]) {
			pr_debug("kconsts: %-24s not in BTF, default %#x\n",
				 f->name, *slot);
			continue;
		}
		if (vals[k] > limit) {
			pr_debug("kconsts: %-24s %#llx out of range, default %#x\n",
				 f->name, (unsigned long long)vals[k], *slot);
			continue;
		}
		if (f->op == KC_OR) {
			int m = f->off == KC_OFF(skb_gso_other_mask);

			if (!mask_seen[m])
				*slot = 0;
			mask_seen[m] = true;
			*slot |= (__u32)vals[k];
		} else {
			*slot = (__u32)vals[k];
		}
		pr_debug(is_feat ? "kconsts: %-24s bit %llu (BTF)\n" :
				   "kconsts: %-24s %#llx (BTF)\n",
			 f->name, (unsigned long long)vals[k]);
	}
	pr_debug("kconsts: tunnel mask %#x, other mask %#x\n",
		 kc->skb_gso_tunnel_mask, kc->skb_gso_other_mask);
	return 0;
}
