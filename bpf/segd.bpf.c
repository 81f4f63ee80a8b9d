// SPDX-License-Identifier: GPL-2.0-only
/*
 * offguard segd, the kernel half (README.md, "segd").
 *
 * og_segd_xdp, on the ingress device: a frame that fits the egress
 * device's MTU takes the fast path (XDP_REDIRECT to it, or XDP_PASS); a
 * larger one -- a GSO super-frame the egress device cannot send, since
 * an XDP redirect has no GSO -- goes to segd's AF_XDP socket with a shim
 * in front that says how to cut it (struct og_segd_shim):
 *   - the skb's own gso_size and type. In generic (skb) mode the frame's
 *     skb_shared_info is the skb's (the kernel points the xdp_buff's end
 *     at it, so that multi-buffer frames can use the skb's frags), and it
 *     holds gso_size/gso_type as the writer set them (virtio_net_hdr,
 *     the guest's TCP). In native mode that area belongs to the driver
 *     and says nothing of GSO: it is not read;
 *   - the MSS the flow announced in its SYNs, learned here from the
 *     ingress side and by og_segd_learn on the egress device's tc
 *     ingress from the other side.
 *
 * Frames nobody can take (no socket on the queue: segd starting or
 * stopping) are passed to the stack rather than dropped; counted.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_core_read.h>

#include "offguard/offguard.h"
#include "ptr.h"

#define OG_TC_ACT_OK		0
#define OG_ETH_P_IP		0x0800
#define OG_ETH_P_IPV6		0x86DD
#define OG_ETH_P_8021Q		0x8100
#define OG_ETH_P_8021AD		0x88A8
#define OG_TCPOPT_EOL		0
#define OG_TCPOPT_NOP		1
#define OG_TCPOPT_MSS		2
#define OG_TCP_SYN		0x02
#define OG_SMP_CACHE_BYTES	64
#define OG_SEGD_HDR_MAX		0x3ff	/* headers within the first KiB */

extern void *bpf_cast_to_kern_ctx(void *obj) __ksym;

const volatile struct og_segd_conf segd_conf = {};
const volatile struct og_kconsts og_kc = OG_KCONSTS_DEFAULT;

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u32);
} og_segd_xsks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, __OG_SEGD_CTR_MAX);
	__type(key, __u32);
	__type(value, __u64);
} og_segd_ctrs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, OG_SEGD_SLOTS);
	__type(key, __u32);
	__type(value, __u32);
} og_segd_inflight SEC(".maps");

/* MSS each side announced, keyed by the SYN's own addresses. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, OG_SEGD_FLOWS);
	__type(key, struct og_segd_flow);
	__type(value, __u16);
} og_segd_mss SEC(".maps");

static __always_inline void ctr_inc(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&og_segd_ctrs, &idx);

	if (v)
		*v += 1;
}

struct segd_l4 {
	struct og_segd_flow	flow;
	__u32			l4_off;
	__u32			vlan_bytes;
	__u8			tcp;
	__u8			syn;
};

/* Both directions of a flow need not agree: only one is ever handed over. */
static __always_inline __u32 segd_slot(const struct og_segd_flow *f)
{
	const __u32 *a = (const __u32 *)f->saddr, *b = (const __u32 *)f->daddr;
	__u32 h = ((__u32)f->sport << 16 | f->dport) * 0x9e3779b1U;
	int i;

	for (i = 0; i < 4; i++)
		h = (h ^ a[i] ^ (b[i] * 0x85ebca6bU)) * 0x9e3779b1U;
	return (h >> 16 ^ h) & (OG_SEGD_SLOTS - 1);
}

/*
 * Ethernet, up to two VLAN tags, IPv4 or IPv6 without extension headers
 * (the SYNs worth learning from, and the flow key of a super-frame).
 * 0 if it found a TCP or UDP header's offset, else -1.
 */
static __always_inline int segd_parse(void *data, void *data_end,
				      struct segd_l4 *p)
{
	__u32 off = 14;
	__u16 *proto;
	__u8 *l3;
	int i;

	proto = og_pkt_ptr(data, data_end, 12, 2, OG_SEGD_HDR_MAX);
	if (!proto)
		return -1;
	for (i = 0; i < 2; i++) {
		if (*proto != bpf_htons(OG_ETH_P_8021Q) &&
		    *proto != bpf_htons(OG_ETH_P_8021AD))
			break;
		proto = og_pkt_ptr(data, data_end, off + 2, 2, OG_SEGD_HDR_MAX);
		if (!proto)
			return -1;
		off += 4;
		p->vlan_bytes += 4;
	}
	if (*proto == bpf_htons(OG_ETH_P_IP)) {
		struct iphdr *ip = og_pkt_ptr(data, data_end, off, sizeof(*ip),
					      OG_SEGD_HDR_MAX);

		if (!ip || ip->ihl < 5)
			return -1;
		/* fragments have no L4 header to speak of */
		if (ip->frag_off & bpf_htons(0x3fff))
			return -1;
		l3 = (__u8 *)ip;
		__builtin_memcpy(p->flow.saddr, l3 + 12, 4);
		__builtin_memcpy(p->flow.daddr, l3 + 16, 4);
		p->tcp = ip->protocol == IPPROTO_TCP;
		if (!p->tcp && ip->protocol != IPPROTO_UDP)
			return -1;
		p->l4_off = off + ip->ihl * 4;
	} else if (*proto == bpf_htons(OG_ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = og_pkt_ptr(data, data_end, off,
						 sizeof(*ip6), OG_SEGD_HDR_MAX);

		if (!ip6)
			return -1;
		__builtin_memcpy(p->flow.saddr, &ip6->saddr, 16);
		__builtin_memcpy(p->flow.daddr, &ip6->daddr, 16);
		p->flow.ipv6 = 1;
		p->tcp = ip6->nexthdr == IPPROTO_TCP;
		if (!p->tcp && ip6->nexthdr != IPPROTO_UDP)
			return -1;
		p->l4_off = off + sizeof(*ip6);
	} else {
		return -1;
	}
	proto = og_pkt_ptr(data, data_end, p->l4_off, 4, OG_SEGD_HDR_MAX);
	if (!proto)
		return -1;
	p->flow.sport = proto[0];
	p->flow.dport = proto[1];
	return 0;
}

/* The MSS option of a SYN (RFC 9293 3.7.1), 0 if it has none. */
static __always_inline __u16 segd_syn_mss(void *data, void *data_end,
					  struct segd_l4 *p)
{
	struct tcphdr *th = og_pkt_ptr(data, data_end, p->l4_off, sizeof(*th),
				       OG_SEGD_HDR_MAX);
	__u32 off, end;
	__u8 *o;
	int i;

	if (!th || !th->syn)
		return 0;
	p->syn = 1;
	off = p->l4_off + sizeof(*th);
	end = p->l4_off + th->doff * 4;
	/*
	 * Every stack puts MSS among the first options (Linux, BSD and
	 * Windows first of all); eight steps cover any SYN seen in practice
	 * and keep the verifier's walk of this loop small.
	 */
	for (i = 0; i < 8; i++) {
		if (off + 4 > end)
			return 0;
		o = og_pkt_ptr(data, data_end, off, 4, OG_SEGD_HDR_MAX);
		if (!o)
			return 0;
		if (o[0] == OG_TCPOPT_EOL)
			return 0;
		if (o[0] == OG_TCPOPT_NOP) {
			off++;
			continue;
		}
		if (o[0] == OG_TCPOPT_MSS)
			return o[1] == 4 ? ((__u16)o[2] << 8 | o[3]) : 0;
		if (o[1] < 2)
			return 0;
		off += o[1];
	}
	return 0;
}

static __always_inline void segd_learn(void *data, void *data_end,
				       struct segd_l4 *p)
{
	__u16 mss;

	if (!p->tcp)
		return;
	mss = segd_syn_mss(data, data_end, p);
	if (!mss)
		return;
	bpf_map_update_elem(&og_segd_mss, &p->flow, &mss, BPF_ANY);
	ctr_inc(OG_SEGD_MSS_LEARNED);
}

/*
 * The MSS a super-frame may be cut to: what the receiver announced (its
 * SYN, keyed the other way round) and, if known, what the sender did,
 * the smaller. 0 if neither SYN was seen.
 */
static __always_inline __u16 segd_flow_mss(const struct segd_l4 *p)
{
	struct og_segd_flow rev = {};
	__u16 *a, *b, mss = 0;

	__builtin_memcpy(rev.saddr, p->flow.daddr, 16);
	__builtin_memcpy(rev.daddr, p->flow.saddr, 16);
	rev.sport = p->flow.dport;
	rev.dport = p->flow.sport;
	rev.ipv6 = p->flow.ipv6;
	a = bpf_map_lookup_elem(&og_segd_mss, &rev);
	b = bpf_map_lookup_elem(&og_segd_mss, &p->flow);
	if (a)
		mss = *a;
	if (b && (!mss || *b < mss))
		mss = *b;
	return mss;
}

/* gso_size and type of the skb behind a generic-mode frame. */
static __always_inline void segd_gso(struct xdp_md *ctx,
				     struct og_segd_shim *shim)
{
	struct xdp_buff *xb = bpf_cast_to_kern_ctx(ctx);
	struct skb_shared_info *sh;
	__u32 sz = bpf_core_type_size(struct skb_shared_info);
	__u32 raw_type = 0;
	__u16 gso_size = 0;
	void *end;

	sz = (sz + OG_SMP_CACHE_BYTES - 1) & ~(OG_SMP_CACHE_BYTES - 1);
	end = xb->data_hard_start + xb->frame_sz;
	sh = end - sz;
	if (bpf_probe_read_kernel(&gso_size, sizeof(gso_size), &sh->gso_size) ||
	    bpf_probe_read_kernel(&raw_type, sizeof(raw_type), &sh->gso_type))
		return;
	/* tunnels (inner TCP behind outer UDP), SCTP, ...: segd refuses those */
	if (!gso_size || (raw_type & og_kc.skb_gso_tunnel_mask))
		return;
	if (raw_type & (og_kc.skb_gso_tcpv4 | og_kc.skb_gso_tcpv6))
		shim->gso_type = OG_SEG_TCP;
	else if (raw_type & og_kc.skb_gso_udp_l4)
		shim->gso_type = OG_SEG_UDP_L4;
	else
		return;
	shim->gso_size = gso_size;
}

SEC("xdp.frags")
int og_segd_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct og_segd_shim shim = { .magic = OG_SEGD_SHIM_MAGIC };
	struct segd_l4 p = {};
	__u32 q = ctx->rx_queue_index, slot = 0, *inflight = NULL;
	int parsed;
	long ret;

	parsed = segd_parse(data, data_end, &p);
	if (!parsed) {
		segd_learn(data, data_end, &p);
		slot = segd_slot(&p.flow);
		inflight = bpf_map_lookup_elem(&og_segd_inflight, &slot);
	}

	if (bpf_xdp_get_buff_len(ctx) <= segd_conf.max_frame + p.vlan_bytes) {
		if (inflight && *inflight) {
			/* behind its flow's frames at segd */
			ctr_inc(OG_SEGD_IN_ORDER);
		} else if (segd_conf.flags & OG_SEGD_FIT_REDIRECT) {
			ret = bpf_redirect(segd_conf.out_ifindex, 0);
			ctr_inc(OG_SEGD_FAST_REDIRECT);
			return ret;
		} else {
			ctr_inc(OG_SEGD_FAST_PASS);
			return XDP_PASS;
		}
	}

	if (!bpf_map_lookup_elem(&og_segd_xsks, &q)) {
		ctr_inc(OG_SEGD_NO_SOCKET_PASS);
		return XDP_PASS;
	}
	if (segd_conf.flags & OG_SEGD_GSO_META)
		segd_gso(ctx, &shim);
	if (!parsed && p.tcp)
		shim.mss = segd_flow_mss(&p);

	if (bpf_xdp_adjust_head(ctx, -(int)sizeof(shim)))
		goto drop;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	if (data + sizeof(shim) > data_end)
		goto drop;
	if (inflight) {
		shim.slot = slot;
		shim.flags |= OG_SEGD_SHIM_SLOT;
		__sync_fetch_and_add(inflight, 1);
	}
	__builtin_memcpy(data, &shim, sizeof(shim));
	ret = bpf_redirect_map(&og_segd_xsks, q, 0);
	if (ret != XDP_REDIRECT) {
		if (inflight)
			__sync_fetch_and_add(inflight, -1);
		goto drop;
	}
	ctr_inc(OG_SEGD_TO_SEGD);
	return ret;
drop:
	ctr_inc(OG_SEGD_DROP_REDIRECT);
	return XDP_DROP;
}

/*
 * On the egress device's tc ingress: the other side's SYNs, so a flow's
 * MSS is known in both directions. Never changes a packet.
 */
SEC("tc")
int og_segd_learn(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct segd_l4 p = {};

	if (!segd_parse(data, data_end, &p))
		segd_learn(data, data_end, &p);
	return OG_TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
