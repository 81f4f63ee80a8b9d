// SPDX-License-Identifier: GPL-2.0-only
/*
 * offguard drop watcher: the kernel's own checksum and GSO drops, per
 * device (DESIGN §3, kernel drops). kfree_skb carries the drop reason; the
 * few that are about checksums or segmentation are counted under hook
 * kdrop, against the device the packet was on, with a sample for dump.
 *
 * The tracepoint fires for every network namespace on the host; ifindexes
 * mean something only within one, so only drops on devices of the
 * namespace offguard was attached from (og_netns_cookie) are counted.
 * Reason values come from the running kernel's BTF (CO-RE enum values);
 * a reason this kernel lacks simply never matches.
 */
#define OG_CTX_TRACING
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>

#include "offguard/offguard.h"
#include "maps.h"

const volatile __u64 og_netns_cookie = 0;

static __always_inline __u32 og_kdrop_reason(__u32 reason)
{
	if (reason == bpf_core_enum_value(enum skb_drop_reason,
					  SKB_DROP_REASON_IP_CSUM))
		return OG_KDROP_IP_CSUM;
	if (reason == bpf_core_enum_value(enum skb_drop_reason,
					  SKB_DROP_REASON_TCP_CSUM))
		return OG_KDROP_TCP_CSUM;
	if (reason == bpf_core_enum_value(enum skb_drop_reason,
					  SKB_DROP_REASON_UDP_CSUM))
		return OG_KDROP_UDP_CSUM;
	if (bpf_core_enum_value_exists(enum skb_drop_reason,
				       SKB_DROP_REASON_ICMP_CSUM) &&
	    reason == bpf_core_enum_value(enum skb_drop_reason,
					  SKB_DROP_REASON_ICMP_CSUM))
		return OG_KDROP_ICMP_CSUM;
	if (bpf_core_enum_value_exists(enum skb_drop_reason,
				       SKB_DROP_REASON_SKB_GSO_SEG) &&
	    reason == bpf_core_enum_value(enum skb_drop_reason,
					  SKB_DROP_REASON_SKB_GSO_SEG))
		return OG_KDROP_BAD_GSO;
	/* skb_checksum_help() failing: an offload the kernel could not finish */
	if (bpf_core_enum_value_exists(enum skb_drop_reason,
				       SKB_DROP_REASON_SKB_CSUM) &&
	    reason == bpf_core_enum_value(enum skb_drop_reason,
					  SKB_DROP_REASON_SKB_CSUM))
		return OG_KDROP_OTHER_OFFLOAD;
	return 0;
}

/*
 * The sample starts at the network header (the link header may be gone by
 * the time a protocol drops the packet) and holds the linear bytes only.
 */
static __always_inline void og_kdrop_sample(struct sk_buff *skb,
					    __u32 ifindex, __u32 r,
					    __u32 len)
{
	struct og_sample *s = og_sample_begin(ifindex, OG_HOOK_KDROP,
					      OG_BIT(r));
	unsigned char *head = BPF_CORE_READ(skb, head);
	unsigned char *data = BPF_CORE_READ(skb, data);
	__u16 nh = BPF_CORE_READ(skb, network_header);
	__u32 tail = BPF_CORE_READ(skb, tail);
	__u32 cap;

	if (!s)
		return;
	s->dropped = OG_BIT(r);
	s->l3_proto = bpf_ntohs(BPF_CORE_READ(skb, protocol));
	/* network_header unset (~0) or past the tail: nothing sensible */
	if (nh == (__u16)~0U || nh >= tail) {
		s->len = len;
		bpf_ringbuf_submit(s, 0);
		return;
	}
	s->len = len + (__u32)(data - (head + nh));
	cap = tail - nh;
	if (cap > OG_SAMPLE_SNAP)
		cap = OG_SAMPLE_SNAP;
	asm volatile("" : "+r"(cap));
	cap &= 2 * OG_SAMPLE_SNAP - 1;
	if (cap > OG_SAMPLE_SNAP)
		cap = OG_SAMPLE_SNAP;
	if (cap && !bpf_probe_read_kernel(s->data, cap, head + nh))
		s->caplen = cap;
	bpf_ringbuf_submit(s, 0);
}

/*
 * Which namespace and device a drop belongs to. skb->sk is no guide: until
 * ip_rcv_core() orphans it, a received packet may still belong to the
 * sending socket in another namespace (veth, AF_PACKET). The receiving
 * socket, where the kernel names one (rx_sk, 6.12+), is: once UDP queues
 * a packet, skb->dev holds scratch data (dev_scratch) and a late checksum
 * failure in recvmsg frees it from there. Otherwise the device the packet
 * is on names the namespace. Receive-side reasons count against skb_iif,
 * the device it arrived on; transmit-side ones (GSO, checksum help)
 * against the device it was leaving by.
 */
static __always_inline int og_kdrop(struct sk_buff *skb, __u32 reason,
				    struct sock *rx_sk)
{
	struct net_device *dev = NULL;
	__u32 r, ifindex, len;
	__u64 cookie;

	r = og_kdrop_reason(reason);
	if (!r)
		return 0;
	if (rx_sk) {
		cookie = BPF_CORE_READ(rx_sk, __sk_common.skc_net.net,
				       net_cookie);
	} else {
		dev = BPF_CORE_READ(skb, dev);
		if (!dev)
			return 0;
		cookie = BPF_CORE_READ(dev, nd_net.net, net_cookie);
	}
	if (cookie != og_netns_cookie)
		return 0;
	if (r == OG_KDROP_BAD_GSO || r == OG_KDROP_OTHER_OFFLOAD) {
		if (!dev)
			dev = BPF_CORE_READ(skb, dev);
		ifindex = dev ? BPF_CORE_READ(dev, ifindex) : 0;
	} else {
		ifindex = BPF_CORE_READ(skb, skb_iif);
		if (!ifindex && dev)
			ifindex = BPF_CORE_READ(dev, ifindex);
	}
	if (!ifindex)
		return 0;
	len = BPF_CORE_READ(skb, len);
	og_count_one(ifindex, OG_HOOK_KDROP, r, 0, 1, len);
	og_kdrop_sample(skb, ifindex, r, len);
	return 0;
}

/* Kernels 6.12+: the tracepoint names the receiving socket. */
SEC("tp_btf/kfree_skb")
int BPF_PROG(og_kdrop_rx_sk, struct sk_buff *skb, void *location,
	     enum skb_drop_reason reason, struct sock *rx_sk)
{
	return og_kdrop(skb, reason, rx_sk);
}

/* Older kernels (3 arguments); the loader keeps the one that matches. */
SEC("tp_btf/kfree_skb")
int BPF_PROG(og_kdrop_v1, struct sk_buff *skb, void *location,
	     enum skb_drop_reason reason)
{
	return og_kdrop(skb, reason, NULL);
}

char LICENSE[] SEC("license") = "GPL";
