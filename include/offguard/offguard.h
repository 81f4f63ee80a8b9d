/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * offguard: the one definition of everything BPF and userspace share.
 *
 * Rules for this file:
 *  - enums are explicitly numbered and append-only; a retired value stays
 *    as a placeholder so that pinned maps and users' scripts keep meaning
 *    what they meant;
 *  - structs use __u32/__u64 with explicit padding, so both sides agree on
 *    the layout without relying on the compiler;
 *  - it must compile both after vmlinux.h (BPF) and after <linux/types.h>
 *    (userspace).
 */
#ifndef OFFGUARD_OFFGUARD_H
#define OFFGUARD_OFFGUARD_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/*
 * Rules catalogue, DESIGN §3. One list drives the enum (whose BTF makes
 * bpftool print "OG_PARTIAL_BAD_SEED") and userspace's names table (JSON
 * name: the suffix in lower case, "partial_bad_seed").
 * X(SUFFIX, number) -- append only, never renumber, never reuse.
 */
#define OG_REASON_LIST(X)						\
	/* skb hooks (tc ingress / tc egress) */			\
	X(PARTIAL_BAD_START,		1)				\
	X(PARTIAL_BAD_OFFSET,		2)				\
	X(PARTIAL_BAD_SEED,		3)				\
	X(PARTIAL_NO_TX_CSUM,		4)				\
	X(L3_BAD_CSUM,			5)				\
	X(L4_BAD_CSUM,			6)				\
	X(UNNECESSARY_BUT_BAD,		7)				\
	X(UDP6_ZERO_CSUM,		8)				\
	X(GSO_TYPE_MISMATCH,		9)				\
	X(GSO_NOT_PARTIAL,		10)				\
	X(GSO_BAD_L4_HDR,		11)				\
	X(GSO_SIZE_EXCEEDS_MTU,		12)				\
	X(GSO_TOO_MANY_SEGS,		13)				\
	X(GSO_FRAGMENT,			14)				\
	X(GSO_BAD_TCP_FLAGS,		15)				\
	X(GSO_NO_TSO,			16)				\
	X(TRUNCATED,			17)				\
	/* XDP (wire) */						\
	X(WIRE_L3_BAD_CSUM,		18)				\
	X(WIRE_L4_BAD_CSUM,		19)				\
	X(WIRE_LEAKED_PARTIAL,		20)				\
	X(WIRE_UDP6_ZERO_CSUM,		21)				\
	X(WIRE_OVERSIZE,		22)				\
	X(WIRE_TRUNCATED,		23)				\
	/* kernel drops (tp_btf/kfree_skb) */				\
	X(KDROP_IP_CSUM,		24)				\
	X(KDROP_TCP_CSUM,		25)				\
	X(KDROP_UDP_CSUM,		26)				\
	X(KDROP_ICMP_CSUM,		27)				\
	X(KDROP_BAD_GSO,		28)				\
	X(KDROP_OTHER_OFFLOAD,		29)

#define OG_REASON_ENUM(name, nr)	OG_##name = nr,
enum og_reason {
	OG_REASON_NONE = 0,
	OG_REASON_LIST(OG_REASON_ENUM)
	__OG_REASON_MAX,
};
#undef OG_REASON_ENUM

/* Where a counter was taken. JSON name: suffix in lower case, "tc_ingress". */
#define OG_HOOK_LIST(X)							\
	X(TC_INGRESS,	1)						\
	X(TC_EGRESS,	2)						\
	X(XDP,		3)						\
	X(KDROP,	4)

#define OG_HOOK_ENUM(name, nr)		OG_HOOK_##name = nr,
enum og_hook {
	OG_HOOK_UNSPEC = 0,
	OG_HOOK_LIST(OG_HOOK_ENUM)
	__OG_HOOK_MAX,
};
#undef OG_HOOK_ENUM

/* DESIGN §4. JSON/CLI name: suffix in lower case. */
#define OG_POLICY_LIST(X)						\
	X(OBSERVE,	0)						\
	X(REPAIR,	1)						\
	X(STRICT,	2)

#define OG_POLICY_ENUM(name, nr)	OG_POLICY_##name = nr,
enum og_policy {
	OG_POLICY_LIST(OG_POLICY_ENUM)
	__OG_POLICY_MAX,
};
#undef OG_POLICY_ENUM

/* How a tc program is attached; recorded so status/detach find it again. */
enum og_attach_mode {
	OG_ATTACH_NONE			= 0,
	OG_ATTACH_TCX			= 1,	/* tcx, non-link (kept without pins) */
	OG_ATTACH_CLSACT		= 2,	/* cls_bpf filter, our handle/prio */
	OG_ATTACH_XDP			= 3,	/* native (driver) mode */
	OG_ATTACH_XDP_SKB		= 4,	/* generic (skb) mode */
	OG_ATTACH_TRACING		= 5,	/* drop watcher: tp_btf link */
	__OG_ATTACH_MAX,
};

/*
 * Diagnosed variant of a wrong CHECKSUM_PARTIAL seed (partial_bad_seed).
 * Index into og_dev_stats.seed_variant[].
 */
enum og_seed_variant {
	OG_SEED_FULL_CSUM		= 0,	/* complete checksum written: classic writer bug */
	OG_SEED_LENGTHLESS		= 1,	/* pseudo-header sum without the length (NIC style) */
	OG_SEED_ZERO			= 2,
	OG_SEED_OTHER			= 3,
	__OG_SEED_MAX,
};

/* Per-rule counter: og_counters, BPF_MAP_TYPE_PERCPU_HASH. */
struct og_counter_key {
	__u32			ifindex;
	enum og_hook		hook;
	enum og_reason		reason;
};

struct og_counter {
	__u64	packets;
	__u64	bytes;
	__u64	repaired;
	__u64	dropped;
};

/* Per device and hook: og_devstats (PERCPU_HASH) and og_config (HASH). */
struct og_dev_key {
	__u32			ifindex;
	enum og_hook		hook;
};

/* Plain statistics, never reasons (DESIGN §3: gso_segs/DODGY are not faults). */
struct og_dev_stats {
	__u64	packets;
	__u64	bytes;
	__u64	csum_none;
	__u64	csum_unnecessary;
	__u64	csum_complete;
	__u64	csum_partial;
	__u64	gso_packets;
	__u64	gso_tcpv4;
	__u64	gso_tcpv6;
	__u64	gso_udp_l4;
	__u64	gso_other;
	__u64	gso_segs;	/* sum of skb gso_segs as the kernel holds it */
	__u64	dodgy;
	__u64	l4_verified;	/* packets whose full L4 checksum was checked */
	__u64	seed_variant[__OG_SEED_MAX];
};

#define OG_CONF_WRITER_OMITS_CSUM	(1U << 0)
/* XDP: frames start at the IP header (TUN, ARPHRD_NONE), no Ethernet. */
#define OG_CONF_NO_LINK_HDR		(1U << 1)
/* XDP attached in generic (skb) mode: GSO super-frames reach it whole. */
#define OG_CONF_XDP_GENERIC		(1U << 2)
/*
 * XDP on a device whose frames may still be CHECKSUM_PARTIAL skbs (veth,
 * TUN/TAP, generic mode): a checksum field holding the pseudo-header sum
 * is a pending offload there, not a leaked one, and only the skb can
 * tell. XDP hands such frames to tc ingress in struct og_xdp_meta.
 */
#define OG_CONF_XDP_DEFER_PARTIAL	(1U << 3)

/*
 * XDP -> tc ingress, in the frame's metadata area (data_meta): "the
 * checksum field at csum_off holds the pseudo-header sum and the full sum
 * fails; csum is what the field must hold if nothing completes it". tc
 * ingress judges it with ip_summed and counts it under hook xdp.
 */
#define OG_XDP_META_MAGIC		0x4d58676fU	/* "ogXM" */

struct og_xdp_meta {
	__u32	magic;
	__u16	csum_off;	/* from the start of the frame */
	__u16	csum;		/* complete checksum, network order */
};

/*
 * Written by userspace at attach time, read by the program only when a
 * rule needs it (policy, MTU override), so the common path makes a single
 * map lookup. attach_* fields are for status/detach and never read by BPF.
 */
struct og_dev_conf {
	enum og_policy		policy;
	__u32			flags;		/* OG_CONF_* */
	__u32			mtu;		/* 0: use the device's MTU */
	enum og_attach_mode	attach_mode;
	__u32			prog_id;
	__u32			link_id;	/* reserved: tcx links (0 today) */
	__u32			tc_handle;	/* clsact */
	__u32			tc_priority;	/* clsact */
	__u64			attached_ns;	/* CLOCK_REALTIME at attach */
};

/*
 * Device features the rules care about, as offguard bits. The program
 * converts dev->features with the NETIF_F_*_BIT positions that userspace
 * resolved from the running kernel's BTF (they are anonymous enums, so
 * CO-RE cannot relocate them, and they have moved between releases).
 */
#define OG_FEAT_IP_CSUM		(1U << 0)
#define OG_FEAT_IPV6_CSUM	(1U << 1)
#define OG_FEAT_HW_CSUM		(1U << 2)
#define OG_FEAT_TSO		(1U << 3)
#define OG_FEAT_TSO6		(1U << 4)
#define OG_FEAT_GSO_UDP_L4	(1U << 5)

/* skb->ip_summed values (include/linux/skbuff.h; stable since 2.6). */
#define OG_CHECKSUM_NONE	0
#define OG_CHECKSUM_UNNECESSARY	1
#define OG_CHECKSUM_COMPLETE	2
#define OG_CHECKSUM_PARTIAL	3

/*
 * Fixture metadata for BPF_PROG_TEST_RUN. The test-run skb is always
 * CHECKSUM_NONE and has no gso_type, so prog tests hand the program its
 * metadata in __sk_buff->cb[] instead. Only honoured when the loader set
 * the read-only og_fixture_meta before load; the production load leaves it
 * 0 and the verifier removes the branch. 20 bytes = cb[0..4].
 */
struct og_fixture_meta {
	__u8	ip_summed;
	__u8	flags;		/* OG_FIX_* */
	__u16	csum_start;	/* relative to the start of the packet data */
	__u16	csum_offset;
	__u16	gso_size;
	__u32	gso_type;	/* OG_GSO_* bits below, not the kernel's */
	__u16	gso_segs;
	__u16	mtu;
	__u32	features;	/* OG_FEAT_* */
};

#define OG_FIX_ENCAP		(1U << 0)	/* skb->encapsulation */
#define OG_FIX_CSUM_NOT_INET	(1U << 1)	/* skb->csum_not_inet (SCTP CRC) */
#define OG_FIX_FRAG_LIST	(1U << 2)	/* skb_shinfo(skb)->frag_list */
#define OG_FIX_CLONED		(1U << 3)	/* skb->cloned: data shared */

/* gso_type bits as offguard names them; mapped from SKB_GSO_* at load. */
#define OG_GSO_TCPV4		(1U << 0)
#define OG_GSO_DODGY		(1U << 1)
#define OG_GSO_TCP_ECN		(1U << 2)
#define OG_GSO_TCPV6		(1U << 3)
#define OG_GSO_UDP		(1U << 4)
#define OG_GSO_UDP_L4		(1U << 5)
#define OG_GSO_PARTIAL		(1U << 6)
#define OG_GSO_FRAGLIST		(1U << 7)
#define OG_GSO_TUNNEL		(1U << 8)	/* any encapsulation GSO type */
#define OG_GSO_OTHER		(1U << 9)	/* SCTP, ESP, FCOE, ... */

/*
 * Kernel constants the program needs but CO-RE cannot relocate (anonymous
 * enums whose values moved between releases: SKB_GSO_TCP_FIXEDID went from
 * bit 3 to bit 30 in 6.18). Userspace resolves them from the running
 * kernel's BTF and writes them to .rodata before load; the defaults below
 * are the values of 6.1..6.18 for the bits offguard uses.
 */
enum og_feat_idx {
	OG_FEAT_IDX_IP_CSUM	= 0,
	OG_FEAT_IDX_IPV6_CSUM	= 1,
	OG_FEAT_IDX_HW_CSUM	= 2,
	OG_FEAT_IDX_TSO		= 3,
	OG_FEAT_IDX_TSO6	= 4,
	OG_FEAT_IDX_GSO_UDP_L4	= 5,
	__OG_FEAT_IDX_MAX,
};

struct og_kconsts {
	__u32	netif_f_bit[__OG_FEAT_IDX_MAX];	/* NETIF_F_*_BIT */
	__u32	skb_gso_tcpv4;
	__u32	skb_gso_dodgy;
	__u32	skb_gso_tcp_ecn;
	__u32	skb_gso_tcpv6;
	__u32	skb_gso_udp;
	__u32	skb_gso_udp_l4;
	__u32	skb_gso_partial;
	__u32	skb_gso_fraglist;
	__u32	skb_gso_tunnel_mask;	/* GRE*, IPXIP*, UDP_TUNNEL*, REMCSUM */
	__u32	skb_gso_other_mask;	/* FCOE, SCTP, ESP */
};

#define OG_KCONSTS_DEFAULT {						\
	.netif_f_bit = { 1, 4, 3, 16, 20, 33 },				\
	.skb_gso_tcpv4 = 1 << 0,					\
	.skb_gso_dodgy = 1 << 1,					\
	.skb_gso_tcp_ecn = 1 << 2,					\
	.skb_gso_tcpv6 = 1 << 4,					\
	.skb_gso_udp = 1 << 16,						\
	.skb_gso_udp_l4 = 1 << 17,					\
	.skb_gso_partial = 1 << 12,					\
	.skb_gso_fraglist = 1 << 18,					\
	.skb_gso_tunnel_mask = (1 << 6) | (1 << 7) | (1 << 8) |		\
			       (1 << 9) | (1 << 10) | (1 << 11) |	\
			       (1 << 13),				\
	.skb_gso_other_mask = (1 << 5) | (1 << 14) | (1 << 15),	\
}

/* Kernel limits the rules use (include/linux/udp.h, netdevice.h). */
#define OG_UDP_MAX_SEGMENTS	128
#define OG_GSO_BY_FRAGS		0xFFFF

/*
 * Sampled offending packets (offguard dump): one record per sample in the
 * og_samples ring buffer, at most one per OG_SAMPLE_INTERVAL_NS for each
 * device, hook and first rule raised, so a flood of bad packets costs a
 * few records a second. Written by every hook; the consumer writes pcapng.
 */
#define OG_BIT(reason)		(1U << (reason))	/* reason masks */

#define OG_SAMPLE_SNAP		256
#define OG_SAMPLE_INTERVAL_NS	(100ULL * 1000 * 1000)
#define OG_SAMPLES_RING		(1U << 20)	/* bytes: ~3000 records */
#define OG_SAMPLE_RL_MAX	4096

struct og_sample {
	__u64		ts_ns;		/* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	__u32		ifindex;
	enum og_hook	hook;
	__u32		reasons;	/* OG_BIT(enum og_reason) of every rule raised */
	__u32		repaired;	/* same bits: rules repaired */
	__u32		dropped;	/* same bits: counted as dropped */
	__u32		len;		/* length of the packet or frame */
	__u32		caplen;		/* bytes of it in data[] */
	__u16		l3_proto;	/* ethertype when data[] starts at L3, 0: Ethernet */
	__u8		ip_summed;	/* tc hooks: OG_CHECKSUM_*; XDP: 0 */
	__u8		meta_flags;	/* tc hooks: OG_FIX_* */
	__u16		csum_start;	/* tc hooks, from the start of data[] */
	__u16		csum_offset;
	__u16		gso_size;
	__u16		gso_segs;
	__u32		gso_type;	/* OG_GSO_* */
	__u32		seed_variant;	/* enum og_seed_variant, if partial_bad_seed */
	__u32		pad;
	__u8		data[OG_SAMPLE_SNAP];
};

/*
 * Pins, DESIGN §5: <bpffs>/offguard/<name>. The bpffs is /sys/fs/bpf
 * unless $OFFGUARD_BPFFS names another mount (tests; hosts whose bpffs
 * lives elsewhere).
 */
#define OG_BPFFS		"/sys/fs/bpf"
#define OG_PIN_DIR		"offguard"
#define OG_PIN_ROOT		OG_BPFFS "/" OG_PIN_DIR	/* the default */
#define OG_PIN_COUNTERS		"og_counters"
#define OG_PIN_DEVSTATS		"og_devstats"
#define OG_PIN_CONFIG		"og_config"
#define OG_PIN_SAMPLES		"og_samples"
#define OG_PIN_PROG_TC_INGRESS	"prog_tc_ingress"
#define OG_PIN_PROG_TC_EGRESS	"prog_tc_egress"
#define OG_PIN_LINKS		"links"		/* <ifindex>_<hook> */
#define OG_PIN_KDROP_PREFIX	"kdrop_"	/* + netns cookie: the drop watcher */

#define OG_MAX_COUNTERS		65536
#define OG_MAX_DEVICES		4096

/*
 * offguard segd (AF_XDP software segmentation), README.md "segd".
 *
 * Counters, one per-CPU array slot each: the XDP program counts what it
 * decided, segd (one writer, CPU slot 0) what it did. Append only. The
 * "drop_" ones are frames lost, and why; nothing else is ever lost.
 * X(SUFFIX, number, "json name")
 */
#define OG_SEGD_CTR_LIST(X)						\
	X(FAST_REDIRECT,	0,	"fast_redirect")		\
	X(FAST_PASS,		1,	"fast_pass")			\
	X(TO_SEGD,		2,	"to_segd")			\
	X(NO_SOCKET_PASS,	3,	"no_socket_pass")		\
	X(MSS_LEARNED,		4,	"mss_learned")			\
	X(RX_FRAMES,		5,	"rx_frames")			\
	X(RX_BYTES,		6,	"rx_bytes")			\
	X(SEGMENTED,		7,	"frames_segmented")		\
	X(SEGMENTS_SENT,	8,	"segments_sent")		\
	X(TX_BYTES,		9,	"tx_bytes")			\
	X(SIZE_FROM_GSO,	10,	"size_from_gso")		\
	X(SIZE_FROM_MSS,	11,	"size_from_mss")		\
	X(SIZE_FROM_MTU,	12,	"size_from_mtu")		\
	X(DROP_UNSUPPORTED,	13,	"drop_unsupported")		\
	X(DROP_MALFORMED,	14,	"drop_malformed")		\
	X(DROP_RX_RING,		15,	"drop_rx_ring")			\
	X(DROP_TX,		16,	"drop_tx")			\
	X(DROP_REDIRECT,	17,	"drop_redirect")		\
	X(DROP_NO_SIZE,		18,	"drop_no_size")			\
	X(IN_ORDER,		19,	"in_order")			\
	X(FORWARDED,		20,	"frames_forwarded")

#define OG_SEGD_CTR_ENUM(name, nr, str)	OG_SEGD_##name = nr,
enum og_segd_ctr {
	OG_SEGD_CTR_LIST(OG_SEGD_CTR_ENUM)
	__OG_SEGD_CTR_MAX,
};
#undef OG_SEGD_CTR_ENUM

/*
 * What the XDP program puts in front of a frame it hands to segd
 * (bpf_xdp_adjust_head): the GSO metadata of the skb the frame came from,
 * when it could read it (generic XDP: the frame's skb_shared_info is the
 * skb's), and the MSS learned for the flow. segd strips it before
 * segmenting. In the data rather than the metadata area because the copy
 * of a multi-buffer frame into AF_XDP keeps the data, whatever a kernel
 * does with the metadata.
 */
/* What a super-frame is cut as (user/seg.h); the shim's gso_type. */
enum og_seg_type {
	OG_SEG_TCP	= 1,	/* SKB_GSO_TCPV4 / SKB_GSO_TCPV6 */
	OG_SEG_UDP_L4	= 2,	/* SKB_GSO_UDP_L4 (UDP_SEGMENT) */
};

#define OG_SEGD_SHIM_MAGIC	0x5367U		/* "gS" */
struct og_segd_shim {
	__u16	magic;
	__u16	gso_size;	/* 0: the skb had none (or none was readable) */
	__u16	mss;		/* learned from the flow's SYNs, 0: none */
	__u8	gso_type;	/* enum og_seg_type of the skb's GSO type, 0: none */
	__u8	flags;		/* OG_SEGD_SHIM_* */
	__u32	slot;		/* og_segd_inflight slot, if OG_SEGD_SHIM_SLOT */
	__u32	pad;
};

#define OG_SEGD_SHIM_SLOT	(1U << 0)

/*
 * Order within a flow. A frame that fits would overtake its flow's
 * super-frames still queued at segd (TCP takes that for loss: spurious
 * retransmits), so while a flow has frames at segd its other frames go
 * there too. og_segd_inflight counts them per slot (a hash of the flow):
 * the XDP program adds one per frame it hands over, segd takes it away
 * when the frame's last segment has left (its transmit completion). Two
 * flows sharing a slot only wait for each other.
 */
#define OG_SEGD_SLOTS		4096

#define OG_SEGD_FIT_REDIRECT	(1U << 0)	/* frames that fit: redirect to out */
#define OG_SEGD_GSO_META	(1U << 1)	/* generic XDP: read skb_shared_info */

/* Set in the XDP program's .rodata by segd before loading. */
struct og_segd_conf {
	__u32	out_ifindex;
	__u32	max_frame;	/* out MTU + Ethernet header: larger goes to segd */
	__u32	flags;		/* OG_SEGD_* */
	__u32	pad;
};

/* Learned MSS: key as the packet carries it, value the MSS it announced. */
struct og_segd_flow {
	__u8	saddr[16];	/* IPv4: first 4 bytes */
	__u8	daddr[16];
	__u16	sport;		/* network order */
	__u16	dport;
	__u8	ipv6;
	__u8	pad[3];
};

#define OG_SEGD_FLOWS		65536
#define OG_PIN_SEGD_PREFIX	"segd_"		/* + in ifindex: counters */

#endif /* OFFGUARD_OFFGUARD_H */
