// SPDX-License-Identifier: GPL-2.0-only
/*
 * prog tests for the XDP wire validator (og_xdp) under BPF_PROG_TEST_RUN.
 *
 * Every frame runs with ctx_in ingress_ifindex 1 (lo), so the program's
 * device key is {1, OG_HOOK_XDP}; og_config for that key sets the policy,
 * the MTU override and OG_CONF_NO_LINK_HDR. Each case asserts the exact
 * set of reasons counted (each once, nothing under any other key) and,
 * under repair and strict, the verdict, the repaired/dropped counts and
 * the bytes that come out: only checksum fields may change, a repaired
 * checksum must verify with the sums below (plain RFC 1071 in userspace,
 * not the program's code), and a frame with any other wrong checksum must
 * come out byte-identical.
 *
 * Test-run and multi-buffer frames (kernel 6.18): ctx_in->data_end is the
 * size of the linear part -- left 0, the whole frame would go to frags and
 * no header would be in the first buffer -- clamped to a page minus
 * headroom and tailroom (3520 bytes here); the rest of data_in becomes
 * page frags. ctx_out->data_end reports the linear size the program got,
 * which is how the 9000 B cases prove they ran multi-buffer.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stddef.h>
#include <stdlib.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "offguard/offguard.h"
#include "xdp_guard.skel.h"
#include "pkt.h"
#include "testing.h"
#include "corpus.h"

#define BIT(r)		(1U << (r))
#define XDP_DROP_V	1
#define XDP_PASS_V	2
#define LO		1
/* Largest frame here: 9000 B of IP, link headers, a second VLAN tag. */
#define FRAME_MAX	(9000 + 64)

#define R_L3	BIT(OG_WIRE_L3_BAD_CSUM)
#define R_L4	BIT(OG_WIRE_L4_BAD_CSUM)
#define R_LEAK	BIT(OG_WIRE_LEAKED_PARTIAL)
#define R_U6Z	BIT(OG_WIRE_UDP6_ZERO_CSUM)
#define R_BIG	BIT(OG_WIRE_OVERSIZE)
#define R_TRUNC	BIT(OG_WIRE_TRUNCATED)

/* What strict drops when not repaired (xdp_guard.bpf.c, DESIGN §4). */
#define STRICT_DROP	(R_TRUNC | R_L3 | R_L4 | R_LEAK)

#define SZ64	(1U << 0)
#define SZ1500	(1U << 1)
#define SZ9000	(1U << 2)
#define SZ_ALL	(SZ64 | SZ1500 | SZ9000)

enum l3_csum { L3_GOOD, L3_BAD, L3_ZERO };

struct xcase {
	const char	*name;
	bool		ipv6;
	__u8		proto;		/* TCP, UDP, ICMP or ICMPV6 */
	enum og_pkt_ext	ext[3];
	bool		hao;		/* append a dst-opts header with a HAO */
	bool		rt_sl0;		/* routing header with segments left 0 */
	__u16		vlan;
	bool		qinq;		/* an 802.1ad tag outside the VLAN tag */
	bool		tun;		/* no link header: OG_CONF_NO_LINK_HDR */
	bool		not_ip;		/* TUN frame whose version nibble is 5 */
	__u8		ip_opts;
	enum og_l4_csum	l4;
	enum l3_csum	l3;
	__u8		ihl;		/* written as is when non-zero */
	int		ip_len_delta;
	bool		plen_set;	/* IPv6 payload_len written as plen */
	__u16		plen;
	__u16		udp_len;	/* UDP length field, when non-zero */
	bool		udp_len_set;
	int		udp_len_delta;
	__u8		doff;
	bool		mf;
	__u16		frag_off;
	__u16		dport;
	__u8		cut;		/* frame ends cut bytes after the L3 start */
	__u8		l4_keep;	/* IP datagram ends l4_keep bytes into L4 */
	__u8		pad;		/* bytes after the IP datagram */
	bool		vlan_cut;	/* the frame ends inside the VLAN tag */
	bool		flip_last;	/* last payload byte changed after the sum */
	int		mtu;		/* og_config mtu (absolute) */
	bool		mtu_rel;	/* mtu = L3 length + mtu */
	__u32		conf;		/* extra OG_CONF_* flags */
	int		linear;		/* >0 bytes; <0: L4 offset + (-linear - 1) */
	__u8		sizes;		/* SZ_*; 0: all */
	bool		verify;		/* the full L4 checksum must be verified */
	__u32		expect;
};

#define V	.verify = true
#define LIN_L4(n)	.linear = -((n) + 1)

static const struct xcase xcases[] = {
	/* --- good frames: nothing to say --- */
	{ "good_tcp4", .proto = IPPROTO_TCP, V },
	{ "good_udp4", .proto = IPPROTO_UDP, V },
	{ "good_icmp4", .proto = IPPROTO_ICMP, V },
	{ "good_tcp4_ip_options", .proto = IPPROTO_TCP, .ip_opts = 12, V },
	{ "good_tcp6_hbh_dst", .ipv6 = true, .proto = IPPROTO_TCP,
	  .ext = { OG_EXT_HBH, OG_EXT_DST }, V },
	{ "good_udp6_rt2_final_dst", .ipv6 = true, .proto = IPPROTO_UDP,
	  .ext = { OG_EXT_RT2 }, V },
	{ "good_udp6_rt2_segments_left_0", .ipv6 = true,
	  .proto = IPPROTO_UDP, .ext = { OG_EXT_RT2 }, .rt_sl0 = true, V },
	{ "good_icmp6_hbh", .ipv6 = true, .proto = IPPROTO_ICMPV6,
	  .ext = { OG_EXT_HBH }, V },
	{ "good_icmp6_rt2_final_dst", .ipv6 = true, .proto = IPPROTO_ICMPV6,
	  .ext = { OG_EXT_RT2 }, V },
	{ "good_tcp6_home_address_option", .ipv6 = true,
	  .proto = IPPROTO_TCP, .hao = true, V },
	{ "good_udp6_hbh_rt2_hao", .ipv6 = true, .proto = IPPROTO_UDP,
	  .ext = { OG_EXT_HBH, OG_EXT_RT2 }, .hao = true, V },
	{ "good_tcp4_vlan", .proto = IPPROTO_TCP, .vlan = 42, V },
	{ "good_udp6_qinq", .ipv6 = true, .proto = IPPROTO_UDP, .vlan = 7,
	  .qinq = true, V },
	{ "good_udp4_zero_csum_is_none", .proto = IPPROTO_UDP,
	  .l4 = OG_L4_CSUM_ZERO },
	{ "good_udp4_len_shorter_than_ip_payload", .proto = IPPROTO_UDP,
	  .udp_len_delta = -6, V },
	{ "good_udp6_len_0_means_ip_payload", .ipv6 = true,
	  .proto = IPPROTO_UDP, .udp_len_set = true, .udp_len = 0, V },
	{ "good_udp4_eth_padding_not_truncation", .proto = IPPROTO_UDP,
	  .pad = 16, .sizes = SZ64, V },
	{ "good_tcp4_linear_headers_only", .proto = IPPROTO_TCP,
	  LIN_L4(20), .sizes = SZ1500 | SZ9000, V },
	{ "good_udp6_linear_split_odd", .ipv6 = true, .proto = IPPROTO_UDP,
	  .ext = { OG_EXT_DST }, LIN_L4(8 + 33), .sizes = SZ1500 | SZ9000, V },

	/* --- wrong complete checksums: counted, never rewritten --- */
	{ "bad_ipv4_hdr_csum", .proto = IPPROTO_UDP, .l3 = L3_BAD,
	  .expect = R_L3, V },
	{ "bad_ipv4_hdr_csum_options", .proto = IPPROTO_TCP, .ip_opts = 8,
	  .l3 = L3_BAD, .expect = R_L3, V },
	{ "bad_tcp4", .proto = IPPROTO_TCP, .l4 = OG_L4_CSUM_BAD,
	  .expect = R_L4, V },
	{ "bad_udp4", .proto = IPPROTO_UDP, .l4 = OG_L4_CSUM_BAD,
	  .expect = R_L4, V },
	{ "bad_icmp4", .proto = IPPROTO_ICMP, .l4 = OG_L4_CSUM_BAD,
	  .expect = R_L4, V },
	{ "bad_tcp6", .ipv6 = true, .proto = IPPROTO_TCP,
	  .l4 = OG_L4_CSUM_BAD, .expect = R_L4, V },
	{ "bad_udp6_dst", .ipv6 = true, .proto = IPPROTO_UDP,
	  .ext = { OG_EXT_DST }, .l4 = OG_L4_CSUM_BAD, .expect = R_L4, V },
	{ "bad_icmp6_rt2", .ipv6 = true, .proto = IPPROTO_ICMPV6,
	  .ext = { OG_EXT_RT2 }, .l4 = OG_L4_CSUM_BAD, .expect = R_L4, V },
	{ "bad_tcp6_hao", .ipv6 = true, .proto = IPPROTO_TCP, .hao = true,
	  .l4 = OG_L4_CSUM_BAD, .expect = R_L4, V },
	{ "bad_udp4_vlan", .proto = IPPROTO_UDP, .vlan = 42,
	  .l4 = OG_L4_CSUM_BAD, .expect = R_L4, V },
	{ "bad_tcp4_last_byte_in_frag", .proto = IPPROTO_TCP,
	  .flip_last = true, .expect = R_L4, V },
	{ "bad_udp6_last_byte_linear_headers_only", .ipv6 = true,
	  .proto = IPPROTO_UDP, .flip_last = true, LIN_L4(8),
	  .sizes = SZ1500 | SZ9000, .expect = R_L4, V },
	{ "bad_lengthless_seed_is_not_leaked", .proto = IPPROTO_TCP,
	  .l4 = OG_L4_CSUM_LENGTHLESS, .expect = R_L4, V },
	{ "bad_ipv4_tot_len_short_of_l4", .proto = IPPROTO_TCP,
	  .ip_len_delta = -8, .expect = R_L4, V },
	{ "bad_ipv4_hdr_and_l4", .proto = IPPROTO_TCP, .l3 = L3_BAD,
	  .l4 = OG_L4_CSUM_BAD, .expect = R_L3 | R_L4, V },
	{ "bad_l4_ipv4_hdr_csum_zero", .proto = IPPROTO_UDP, .l3 = L3_ZERO,
	  .l4 = OG_L4_CSUM_BAD, .expect = R_L3 | R_L4, V },

	/* --- the signatures of a lost offload: repairable --- */
	{ "ipv4_hdr_csum_zero", .proto = IPPROTO_TCP, .l3 = L3_ZERO,
	  .expect = R_L3, V },
	{ "leaked_partial_tcp4", .proto = IPPROTO_TCP, .l4 = OG_L4_CSUM_SEED,
	  .expect = R_LEAK, V },
	{ "leaked_partial_udp4", .proto = IPPROTO_UDP, .l4 = OG_L4_CSUM_SEED,
	  .expect = R_LEAK, V },
	{ "leaked_partial_tcp6_hbh_dst", .ipv6 = true, .proto = IPPROTO_TCP,
	  .ext = { OG_EXT_HBH, OG_EXT_DST }, .l4 = OG_L4_CSUM_SEED,
	  .expect = R_LEAK, V },
	{ "leaked_partial_udp6_rt2_final_dst", .ipv6 = true,
	  .proto = IPPROTO_UDP, .ext = { OG_EXT_RT2 }, .l4 = OG_L4_CSUM_SEED,
	  .expect = R_LEAK, V },
	{ "leaked_partial_udp6_hao", .ipv6 = true, .proto = IPPROTO_UDP,
	  .hao = true, .l4 = OG_L4_CSUM_SEED, .expect = R_LEAK, V },
	{ "leaked_partial_tcp4_vlan", .proto = IPPROTO_TCP, .vlan = 3,
	  .l4 = OG_L4_CSUM_SEED, .expect = R_LEAK, V },
	{ "leaked_partial_udp4_qinq", .proto = IPPROTO_UDP, .vlan = 3,
	  .qinq = true, .l4 = OG_L4_CSUM_SEED, .expect = R_LEAK, V },
	{ "leaked_partial_and_ipv4_hdr_csum_zero", .proto = IPPROTO_TCP,
	  .l3 = L3_ZERO, .l4 = OG_L4_CSUM_SEED, .expect = R_L3 | R_LEAK, V },
	{ "leaked_partial_tcp4_linear_headers_only", .proto = IPPROTO_TCP,
	  .l4 = OG_L4_CSUM_SEED, LIN_L4(20), .sizes = SZ1500 | SZ9000,
	  .expect = R_LEAK, V },
	{ "leaked_partial_udp6_linear_split_odd", .ipv6 = true,
	  .proto = IPPROTO_UDP, .l4 = OG_L4_CSUM_SEED, LIN_L4(8 + 101),
	  .sizes = SZ1500 | SZ9000, .expect = R_LEAK, V },
	{ "leaked_partial_tcp4_ip_options", .proto = IPPROTO_TCP,
	  .ip_opts = 4, .l4 = OG_L4_CSUM_SEED, .expect = R_LEAK, V },
	{ "leaked_partial_udp4_eth_padded", .proto = IPPROTO_UDP,
	  .l4 = OG_L4_CSUM_SEED, .pad = 20, .sizes = SZ64, .expect = R_LEAK, V },
	{ "ipv4_hdr_csum_zero_options", .proto = IPPROTO_UDP, .ip_opts = 20,
	  .l3 = L3_ZERO, .expect = R_L3, V },

	/* --- UDP over IPv6 without a checksum --- */
	{ "udp6_zero_csum", .ipv6 = true, .proto = IPPROTO_UDP,
	  .l4 = OG_L4_CSUM_ZERO, .expect = R_U6Z },
	{ "udp6_zero_csum_vxlan_4789", .ipv6 = true, .proto = IPPROTO_UDP,
	  .l4 = OG_L4_CSUM_ZERO, .dport = 4789 },
	{ "udp6_zero_csum_vxlan_linux_8472", .ipv6 = true,
	  .proto = IPPROTO_UDP, .l4 = OG_L4_CSUM_ZERO, .dport = 8472 },
	{ "udp6_zero_csum_geneve_6081", .ipv6 = true, .proto = IPPROTO_UDP,
	  .l4 = OG_L4_CSUM_ZERO, .dport = 6081 },
	{ "udp6_zero_csum_port_4790_judged", .ipv6 = true,
	  .proto = IPPROTO_UDP, .l4 = OG_L4_CSUM_ZERO, .dport = 4790,
	  .expect = R_U6Z },

	/* --- oversize: L3 length over the MTU --- */
	{ "oversize_by_one", .proto = IPPROTO_TCP, .mtu = -1, .mtu_rel = true,
	  .expect = R_BIG, V },
	{ "mtu_exact_fit", .proto = IPPROTO_UDP, .mtu = 0, .mtu_rel = true, V },
	{ "mtu_vlan_tag_not_counted", .proto = IPPROTO_UDP, .vlan = 9,
	  .mtu = 0, .mtu_rel = true, V },
	{ "oversize_9000_on_mtu_1500", .ipv6 = true, .proto = IPPROTO_TCP,
	  .mtu = 1500, .sizes = SZ9000, .expect = R_BIG, V },
	{ "oversize_tun", .tun = true, .proto = IPPROTO_UDP, .mtu = -20,
	  .mtu_rel = true, .expect = R_BIG, V },
	{ "oversize_and_bad_l4", .proto = IPPROTO_UDP, .mtu = -1,
	  .mtu_rel = true, .l4 = OG_L4_CSUM_BAD, .expect = R_BIG | R_L4, V },
	{ "oversize_generic_mode_not_judged", .proto = IPPROTO_TCP,
	  .mtu = -100, .mtu_rel = true, .conf = OG_CONF_XDP_GENERIC, V },

	/* --- truncated: headers past the frame, bogus lengths --- */
	{ "truncated_ipv4_ihl_4", .proto = IPPROTO_TCP, .ihl = 4,
	  .expect = R_TRUNC },
	{ "truncated_ipv4_tot_len_past_frame", .proto = IPPROTO_TCP,
	  .ip_len_delta = 8, .expect = R_TRUNC },
	{ "truncated_ipv6_payload_len_past_frame", .ipv6 = true,
	  .proto = IPPROTO_UDP, .ip_len_delta = 16, .expect = R_TRUNC },
	{ "truncated_ipv6_payload_len_0_no_hbh", .ipv6 = true,
	  .proto = IPPROTO_TCP, .plen_set = true, .plen = 0,
	  .expect = R_TRUNC },
	{ "truncated_ipv6_ext_past_payload", .ipv6 = true,
	  .proto = IPPROTO_TCP, .ext = { OG_EXT_HBH }, .plen_set = true,
	  .plen = 4, .expect = R_TRUNC },
	{ "truncated_udp4_len_past_ip_payload", .proto = IPPROTO_UDP,
	  .udp_len_delta = 8, .expect = R_TRUNC },
	{ "truncated_udp6_len_past_ip_payload", .ipv6 = true,
	  .proto = IPPROTO_UDP, .udp_len_delta = 1, .expect = R_TRUNC },
	{ "truncated_ipv4_header_cut", .proto = IPPROTO_TCP, .cut = 12,
	  .sizes = SZ64, .expect = R_TRUNC },
	{ "truncated_ipv6_header_cut", .ipv6 = true, .proto = IPPROTO_TCP,
	  .cut = 30, .sizes = SZ64, .expect = R_TRUNC },
	{ "truncated_tcp4_header_cut", .proto = IPPROTO_TCP, .l4_keep = 10,
	  .sizes = SZ64, .expect = R_TRUNC },
	{ "truncated_udp6_header_cut", .ipv6 = true, .proto = IPPROTO_UDP,
	  .l4_keep = 4, .sizes = SZ64, .expect = R_TRUNC },
	{ "truncated_icmp4_header_cut", .proto = IPPROTO_ICMP, .l4_keep = 2,
	  .sizes = SZ64, .expect = R_TRUNC },
	{ "truncated_tun_ipv4_header_cut", .tun = true, .proto = IPPROTO_UDP,
	  .cut = 16, .sizes = SZ64, .expect = R_TRUNC },
	{ "truncated_vlan_tag_cut", .proto = IPPROTO_UDP, .vlan = 5,
	  .vlan_cut = true, .sizes = SZ64, .expect = R_TRUNC },
	/* tcp_v4_rcv/tcp_v6_rcv discard a doff*4 past the datagram ... */
	{ "truncated_tcp_doff_past_ip_payload", .proto = IPPROTO_TCP,
	  .doff = 15, .sizes = SZ64, .expect = R_TRUNC },
	/* ... and a doff under 5 (bad_packet) */
	{ "truncated_tcp_doff_below_5", .ipv6 = true, .proto = IPPROTO_TCP,
	  .doff = 4, .expect = R_TRUNC },
	/* the datagram ends in the TCP header, whatever padding follows */
	{ "truncated_tcp4_header_cut_eth_padded", .proto = IPPROTO_TCP,
	  .l4_keep = 10, .pad = 10, .sizes = SZ64, .expect = R_TRUNC },
	/* UDP length under 8: __udp4_lib_rcv short_packet */
	{ "truncated_udp4_len_below_8", .proto = IPPROTO_UDP,
	  .udp_len_set = true, .udp_len = 4, .expect = R_TRUNC },

	/* --- fragments: L4 not judged, L3 still is --- */
	{ "frag_ipv4_first_bad_l4_not_judged", .proto = IPPROTO_UDP,
	  .mf = true, .l4 = OG_L4_CSUM_BAD },
	{ "frag_ipv4_first_seed_not_judged", .proto = IPPROTO_TCP,
	  .mf = true, .l4 = OG_L4_CSUM_SEED },
	{ "frag_ipv4_later_not_judged", .proto = IPPROTO_TCP,
	  .frag_off = 185, .l4 = OG_L4_CSUM_BAD },
	{ "frag_ipv4_bad_hdr_still_judged", .proto = IPPROTO_UDP, .mf = true,
	  .l3 = L3_BAD, .l4 = OG_L4_CSUM_BAD, .expect = R_L3 },
	{ "frag_ipv6_first_bad_l4_not_judged", .ipv6 = true,
	  .proto = IPPROTO_TCP, .ext = { OG_EXT_FRAG }, .mf = true,
	  .l4 = OG_L4_CSUM_BAD },
	/* offset 0, M 0: a whole datagram (RFC 6946 §4, ipv6_frag_rcv) */
	{ "frag_ipv6_atomic_is_whole_datagram", .ipv6 = true,
	  .proto = IPPROTO_UDP, .ext = { OG_EXT_FRAG }, .l4 = OG_L4_CSUM_BAD,
	  .expect = R_L4, V },
	{ "frag_ipv6_later_seed_not_judged", .ipv6 = true,
	  .proto = IPPROTO_UDP, .ext = { OG_EXT_HBH, OG_EXT_FRAG },
	  .frag_off = 100, .l4 = OG_L4_CSUM_SEED },

	/* --- TUN: frames start at the IP header --- */
	{ "tun_good_tcp4", .tun = true, .proto = IPPROTO_TCP, V },
	{ "tun_good_icmp6_dst", .tun = true, .ipv6 = true,
	  .proto = IPPROTO_ICMPV6, .ext = { OG_EXT_DST }, V },
	{ "tun_bad_udp6", .tun = true, .ipv6 = true, .proto = IPPROTO_UDP,
	  .l4 = OG_L4_CSUM_BAD, .expect = R_L4, V },
	{ "tun_bad_ipv4_hdr_csum", .tun = true, .proto = IPPROTO_ICMP,
	  .l3 = L3_BAD, .expect = R_L3, V },
	{ "tun_leaked_partial_tcp4", .tun = true, .proto = IPPROTO_TCP,
	  .l4 = OG_L4_CSUM_SEED, .expect = R_LEAK, V },
	{ "tun_leaked_partial_tcp6_rt2", .tun = true, .ipv6 = true,
	  .proto = IPPROTO_TCP, .ext = { OG_EXT_RT2 },
	  .l4 = OG_L4_CSUM_SEED, .expect = R_LEAK, V },
	{ "tun_ipv4_hdr_csum_zero", .tun = true, .proto = IPPROTO_UDP,
	  .l3 = L3_ZERO, .expect = R_L3, V },
	{ "tun_not_ip_ignored", .tun = true, .not_ip = true,
	  .proto = IPPROTO_UDP, .l4 = OG_L4_CSUM_BAD },

	/* --- headers outside the first buffer: not judged (by design) --- */
	{ "headers_in_frag_not_judged", .proto = IPPROTO_TCP,
	  .l4 = OG_L4_CSUM_BAD, .linear = 20, .sizes = SZ1500 },
};

/* --- frame building ---------------------------------------------------- */

static void put16(__u8 *p, __u16 v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static size_t ext_size(enum og_pkt_ext e)
{
	return e == OG_EXT_RT2 ? 24 : e == OG_EXT_NONE ? 0 : 8;
}

/* Where a frame's L4 checksum lives and what its pseudo-header holds. */
struct frame {
	__u8		*d;
	__u32		len;
	struct og_pkt	p;	/* offsets into d; l4proto/csum_off may be ICMP */
};

/* Pseudo-header sum (none for ICMPv4), RFC 793/768/8200 §8.1. */
static __u32 ph_sum(const struct og_pkt *p, const __u8 *d, bool with_len)
{
	size_t al = p->ipv6 ? 16 : 4;
	__u32 s, len = (__u32)p->l4_len;

	if (p->l4proto == IPPROTO_ICMP)
		return 0;
	s = og_csum_add(0, d + p->ph_src_off, al);
	s = og_csum_add(s, d + p->ph_dst_off, al);
	s += p->l4proto;
	if (with_len)
		s += (len >> 16) + (len & 0xffff);
	return s;
}

static bool l4_verifies(const struct og_pkt *p, const __u8 *d)
{
	__u32 s = og_csum_add(ph_sum(p, d, true), d + p->l4_off, p->l4_len);

	return og_csum_fold(s) == 0xffff;
}

static bool ip_hdr_verifies(const struct og_pkt *p, const __u8 *d)
{
	return og_csum_fold(og_csum_add(0, d + p->l3_off,
					(d[p->l3_off] & 0xf) * 4)) == 0xffff;
}

/* Write what a writer in `mode` would leave in the L4 checksum field. */
static void set_l4(struct og_pkt *p, __u8 *d, enum og_l4_csum mode)
{
	__u8 *f = d + p->l4_off + p->csum_off;
	__u16 full, seed, nolen, v;

	put16(f, 0);
	full = ~og_csum_fold(og_csum_add(ph_sum(p, d, true), d + p->l4_off,
					 p->l4_len));
	if (!full && p->l4proto == IPPROTO_UDP)
		full = 0xffff;
	seed = og_csum_fold(ph_sum(p, d, true));
	nolen = og_csum_fold(ph_sum(p, d, false));
	switch (mode) {
	case OG_L4_CSUM_SEED:
		v = seed;
		break;
	case OG_L4_CSUM_LENGTHLESS:
		v = nolen;
		break;
	case OG_L4_CSUM_ZERO:
		v = 0;
		break;
	case OG_L4_CSUM_BAD:
		/* neither the checksum, nor any seed, nor +0/-0 */
		v = full ^ 0x0bad;
		while (v == full || v == seed || v == nolen || v == 0 ||
		       v == 0xffff)
			v++;
		break;
	default:
		v = full;
		break;
	}
	put16(f, v);
}

static int build_frame(const struct xcase *c, unsigned int target,
		       __u8 *buf, size_t cap, struct frame *fr)
{
	bool icmp = c->proto == IPPROTO_ICMP || c->proto == IPPROTO_ICMPV6;
	struct og_pkt_spec spec;
	struct og_pkt *p = &fr->p;
	size_t ext_off[4], off, hdrs;
	int i, n = 0, len, prev_rt = -1;

	og_pkt_spec_init(&spec);
	spec.ether = !c->tun;
	spec.ipv6 = c->ipv6;
	spec.l4proto = icmp ? IPPROTO_UDP : c->proto;
	spec.tcp_flags = OG_TCP_ACK;
	for (i = 0; i < 3 && c->ext[i] != OG_EXT_NONE; i++)
		spec.ext[n++] = c->ext[i];
	if (c->hao)
		spec.ext[n++] = OG_EXT_RT2;	/* rewritten below */
	spec.vlan_id = c->vlan;
	spec.ip_opts_len = c->ip_opts;
	spec.mf = c->mf;
	spec.frag_off = c->frag_off;
	spec.df = !c->mf && !c->frag_off;
	spec.frag_ident = 0x1234;
	spec.ip_len_delta = c->ip_len_delta;
	spec.udp_len_delta = c->udp_len_delta;
	spec.doff = c->doff;
	spec.doff_set = c->doff != 0;
	if (c->dport)
		spec.dport = c->dport;
	spec.l4_csum = OG_L4_CSUM_KEEP;

	/* headers first, then as much payload as the target size leaves */
	len = og_pkt_build(&spec, buf, cap, p);
	if (len <= 0)
		return -1;
	hdrs = (size_t)len + (c->qinq ? 4 : 0);
	spec.payload_len = target > hdrs + 6 ? target - hdrs : 6;
	spec.pattern_seed = (__u8)(target ^ c->proto);
	len = og_pkt_build(&spec, buf, cap - 8, p);
	if (len <= 0)
		return -1;

	if (c->qinq) {
		/* an 802.1ad service tag outside the 802.1Q tag */
		memmove(buf + 16, buf + 12, len - 12);
		put16(buf + 12, 0x88a8);
		put16(buf + 14, 100);
		len += 4;
		p->l3_off += 4;
		p->l4_off += 4;
		p->payload_off += 4;
		p->ph_src_off += 4;
		p->ph_dst_off += 4;
	}

	/* offsets of the IPv6 extension headers as built */
	off = p->l3_off + OG_IPV6_HLEN;
	for (i = 0; i < n; i++) {
		ext_off[i] = off;
		off += ext_size(spec.ext[i]);
		if (spec.ext[i] == OG_EXT_RT2 && !(c->hao && i == n - 1))
			prev_rt = i;
	}

	if (c->hao) {
		/*
		 * The last routing header becomes a destination-options
		 * header (RFC 6275 §6.3): PadN to 8n+6, then the Home Address
		 * option whose address is already in place (bytes 8..23).
		 * The pseudo-header source is the home address; the
		 * destination is the routing header's final one, if any.
		 */
		__u8 *h = buf + ext_off[n - 1];
		static const __u8 home[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x77 };

		if (n == 1)
			buf[p->l3_off + 6] = 60;
		else
			buf[ext_off[n - 2]] = 60;
		h[1] = 2;
		h[2] = 1;
		h[3] = 2;
		h[4] = h[5] = 0;
		h[6] = 0xc9;
		h[7] = 16;
		memcpy(h + 8, home, 16);
		p->ph_src_off = ext_off[n - 1] + 8;
		p->ph_dst_off = prev_rt >= 0 ? ext_off[prev_rt] + 8 :
					       p->l3_off + 24;
	}
	if (c->rt_sl0) {
		/* segments left 0: the destination field is the final one */
		buf[ext_off[prev_rt] + 3] = 0;
		p->ph_dst_off = p->l3_off + 24;
	}

	if (icmp) {
		__u8 *l4 = buf + p->l4_off;

		if (!c->ipv6)
			buf[p->l3_off + 9] = IPPROTO_ICMP;
		else if (n)
			buf[ext_off[n - 1]] = IPPROTO_ICMPV6;
		else
			buf[p->l3_off + 6] = IPPROTO_ICMPV6;
		l4[0] = c->ipv6 ? 128 : 8;	/* echo request */
		l4[1] = 0;
		put16(l4 + 4, 0x4f47);
		put16(l4 + 6, 1);
		p->l4proto = c->proto;
		p->csum_off = 2;
	}
	if (c->udp_len_set)
		put16(buf + p->l4_off + 4, c->udp_len);
	/* a shorter UDP length is the datagram: udp_rcv trims to it */
	if (c->proto == IPPROTO_UDP && c->udp_len_delta < 0)
		p->l4_len += c->udp_len_delta;
	if (c->ihl)
		buf[p->l3_off] = 0x40 | c->ihl;
	if (c->plen_set)
		put16(buf + p->l3_off + 4, c->plen);

	set_l4(p, buf, c->l4 == OG_L4_CSUM_KEEP ? OG_L4_CSUM_FULL : c->l4);

	if (c->flip_last)
		buf[len - 1] ^= 0x5a;

	if (c->l4_keep) {
		/* the datagram ends l4_keep bytes into L4 (header cut) */
		size_t l3len = p->l4_off - p->l3_off + c->l4_keep;

		if (c->ipv6)
			put16(buf + p->l3_off + 4, l3len - OG_IPV6_HLEN);
		else
			put16(buf + p->l3_off + 2, l3len);
		len = p->l3_off + l3len;
	}
	if (!c->ipv6)
		og_pkt_set_ip_csum(p, false);
	if (!c->ipv6 && c->l3 == L3_BAD) {
		__u8 *f = buf + p->l3_off + 10;
		__u16 v = (__u16)((f[0] << 8 | f[1]) + 1);

		/* off by one, but never 0: that is the repairable signature */
		put16(f, v ? v : 2);
	} else if (!c->ipv6 && c->l3 == L3_ZERO) {
		put16(buf + p->l3_off + 10, 0);
	}
	if (c->cut)
		len = p->l3_off + c->cut;
	if (c->pad) {
		memset(buf + len, 0, c->pad);
		len += c->pad;
	}
	if (c->not_ip)
		buf[0] = 0x50 | (buf[0] & 0xf);
	if (c->vlan_cut)
		len = OG_ETH_HLEN + 2;
	fr->d = buf;
	fr->len = len;
	return len;
}

/* --- running and reading back ------------------------------------------ */

struct xenv {
	struct xdp_guard	*s;
	int			ncpu;
};

struct xres {
	__u32	verdict;
	__u32	out_len;
	__u32	linear;		/* bytes in the first buffer */
};

static int xrun(struct xenv *e, const void *in, __u32 len, __u32 linear,
		void *out, __u32 out_cap, struct xres *r)
{
	struct xdp_md ctx = { .ingress_ifindex = LO }, cout = {};
	LIBBPF_OPTS(bpf_test_run_opts, o,
		.data_in = in,
		.data_size_in = len,
		.data_out = out,
		.data_size_out = out_cap,
		.ctx_in = &ctx,
		.ctx_size_in = sizeof(ctx),
		.ctx_out = &cout,
		.ctx_size_out = sizeof(cout),
		.repeat = 1,
	);

	ctx.data_end = linear && linear < len ? linear : len;
	if (bpf_prog_test_run_opts(bpf_program__fd(e->s->progs.og_xdp), &o))
		return -errno;
	r->verdict = o.retval;
	r->out_len = o.data_size_out;
	r->linear = cout.data_end - cout.data;
	return 0;
}

static int clear_map(int fd, size_t key_size)
{
	char key[64], next[64];

	while (!bpf_map_get_next_key(fd, NULL, next)) {
		memcpy(key, next, key_size);
		if (bpf_map_delete_elem(fd, key))
			return -errno;
	}
	return 0;
}

static int xreset(struct xenv *e, enum og_policy policy, __u32 flags,
		  __u32 mtu)
{
	struct og_dev_key key = { LO, OG_HOOK_XDP };
	struct og_dev_conf conf = { .policy = policy, .flags = flags,
				    .mtu = mtu };
	int err;

	err = clear_map(bpf_map__fd(e->s->maps.og_counters),
			sizeof(struct og_counter_key));
	if (!err)
		err = clear_map(bpf_map__fd(e->s->maps.og_devstats),
				sizeof(struct og_dev_key));
	if (!err && bpf_map_update_elem(bpf_map__fd(e->s->maps.og_config),
					&key, &conf, BPF_ANY))
		err = -errno;
	return err;
}

/* Counters per reason, summed over CPUs; *stray: a key not {lo, XDP}. */
struct xcounts {
	struct og_counter	r[__OG_REASON_MAX];
	__u32			mask;	/* reasons with packets */
	bool			stray;
};

static void read_counts(struct xenv *e, struct xcounts *out)
{
	int fd = bpf_map__fd(e->s->maps.og_counters);
	struct og_counter_key key, next, *prev = NULL;
	struct og_counter vals[e->ncpu];
	int i;

	memset(out, 0, sizeof(*out));
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, vals))
			continue;
		if (key.ifindex != LO || key.hook != OG_HOOK_XDP ||
		    key.reason <= OG_REASON_NONE ||
		    key.reason >= __OG_REASON_MAX) {
			out->stray = true;
			continue;
		}
		for (i = 0; i < e->ncpu; i++) {
			out->r[key.reason].packets += vals[i].packets;
			out->r[key.reason].repaired += vals[i].repaired;
			out->r[key.reason].dropped += vals[i].dropped;
		}
		if (out->r[key.reason].packets)
			out->mask |= BIT(key.reason);
	}
}

static bool read_devstats(struct xenv *e, struct og_dev_stats *out)
{
	struct og_dev_key key = { LO, OG_HOOK_XDP };
	struct og_dev_stats vals[e->ncpu];
	int i, j;

	memset(out, 0, sizeof(*out));
	if (bpf_map_lookup_elem(bpf_map__fd(e->s->maps.og_devstats), &key,
				vals))
		return false;
	for (i = 0; i < e->ncpu; i++) {
		__u64 *dst = (__u64 *)out, *src = (__u64 *)&vals[i];

		for (j = 0; j < (int)(sizeof(*out) / sizeof(__u64)); j++)
			dst[j] += src[j];
	}
	return true;
}

/* Each reason counted once, the rest not at all, nothing elsewhere. */
static void assert_counts(const struct xcounts *got, __u32 expect,
			  __u32 repaired, __u32 dropped)
{
	char what[64];
	int r;

	ASSERT_TRUE(!got->stray, "no counter under another device/hook");
	for (r = OG_REASON_NONE + 1; r < __OG_REASON_MAX; r++) {
		snprintf(what, sizeof(what), "reason %d packets", r);
		ASSERT_EQ(got->r[r].packets, !!(expect & BIT(r)), what);
		snprintf(what, sizeof(what), "reason %d repaired", r);
		ASSERT_EQ(got->r[r].repaired, !!(repaired & BIT(r)), what);
		snprintf(what, sizeof(what), "reason %d dropped", r);
		ASSERT_EQ(got->r[r].dropped, !!(dropped & BIT(r)), what);
	}
}

/* Bytes that differ must all lie in [a, a+2) or [b, b+2). */
static bool only_fields_changed(const __u8 *in, const __u8 *out, __u32 len,
				long a, long b)
{
	__u32 i;

	for (i = 0; i < len; i++)
		if (in[i] != out[i] && !((long)i >= a && (long)i < a + 2) &&
		    !((long)i >= b && (long)i < b + 2))
			return false;
	return true;
}

static bool field_changed(const __u8 *in, const __u8 *out, long f)
{
	return in[f] != out[f] || in[f + 1] != out[f + 1];
}

/* --- the fixture table ------------------------------------------------- */

static const struct {
	const char	*name;
	enum og_policy	policy;
} xpolicies[] = {
	{ NULL, OG_POLICY_OBSERVE },
	{ "repair", OG_POLICY_REPAIR },
	{ "strict", OG_POLICY_STRICT },
};

/* What the policy must do with a case, from the case alone (DESIGN §4). */
static void expect_policy(const struct xcase *c, enum og_policy policy,
			  __u32 *repaired, __u32 *dropped, __u32 *verdict)
{
	__u32 fix = 0;

	if (policy != OG_POLICY_OBSERVE) {
		fix |= c->expect & R_LEAK;
		if (c->l3 == L3_ZERO)
			fix |= c->expect & R_L3;
	}
	*repaired = fix;
	*dropped = 0;
	*verdict = XDP_PASS_V;
	if (policy == OG_POLICY_STRICT && (c->expect & STRICT_DROP & ~fix)) {
		*dropped = c->expect;
		*verdict = XDP_DROP_V;
	}
}

static unsigned int size_target(unsigned int sz, bool tun)
{
	unsigned int t = sz == SZ64 ? 64 : sz == SZ1500 ? 1514 : 9014;

	return tun ? t - OG_ETH_HLEN : t;
}

static const char *size_name(unsigned int sz)
{
	return sz == SZ64 ? "64" : sz == SZ1500 ? "1500" : "9000";
}

static void run_xcase(struct xenv *e, const struct xcase *c,
		      unsigned int sz, size_t pi)
{
	static __u8 buf[FRAME_MAX + 64], out[FRAME_MAX + 64];
	enum og_policy policy = xpolicies[pi].policy;
	__u32 repaired, dropped, verdict, mtu = 0, linear = 0;
	__u32 flags = c->conf | (c->tun ? OG_CONF_NO_LINK_HDR : 0);
	struct og_dev_stats st;
	struct xcounts got;
	struct frame fr;
	struct og_pkt op;
	struct xres res;
	long l4f, l3f = -100;
	char name[160];
	int len, r;

	snprintf(name, sizeof(name), "prog/xdp/%s/%s%s%s", c->name,
		 size_name(sz), xpolicies[pi].name ? "@" : "",
		 xpolicies[pi].name ? xpolicies[pi].name : "");
	og_test_begin(name);
	len = build_frame(c, size_target(sz, c->tun), buf, sizeof(buf), &fr);
	if (!ASSERT_TRUE(len >= 14, "build frame"))
		goto out;
	if (c->mtu_rel)
		mtu = len - fr.p.l3_off + c->mtu;
	else if (c->mtu)
		mtu = c->mtu;
	if (c->linear > 0)
		linear = c->linear;
	else if (c->linear < 0)
		linear = fr.p.l4_off + (-c->linear - 1);
	if (!ASSERT_OK(xreset(e, policy, flags, mtu), "reset maps"))
		goto out;
	r = xrun(e, buf, len, linear, out, sizeof(out), &res);
	if (!ASSERT_OK(r, "test run"))
		goto out;
	read_counts(e, &got);

	expect_policy(c, policy, &repaired, &dropped, &verdict);
	ASSERT_EQ(res.verdict, verdict, "verdict");
	assert_counts(&got, c->expect, repaired, dropped);
	if (!ASSERT_EQ(res.out_len, (__u32)len, "length kept"))
		goto out;

	/* the program saw every byte, and the jumbo ones as frags */
	if (ASSERT_TRUE(read_devstats(e, &st), "devstats")) {
		ASSERT_EQ(st.packets, 1, "devstats packets");
		ASSERT_EQ(st.bytes, (__u64)len,
			  "devstats bytes = bpf_xdp_get_buff_len()");
		if (c->verify)
			ASSERT_EQ(st.l4_verified, 1, "full L4 checksum verified");
	}
	if (sz == SZ9000 || linear)
		ASSERT_TRUE(res.linear < (__u32)len,
			    "multi-buffer: linear part shorter than the frame");
	if (sz == SZ9000)
		ASSERT_TRUE(res.linear <= 4096 && len - res.linear > 4096,
			    "9000 B: more than a page in frags");

	/* what came out */
	op = fr.p;
	l4f = fr.p.l4_off + fr.p.csum_off;
	if (!c->ipv6 && !c->not_ip)
		l3f = fr.p.l3_off + 10;
	if (!repaired) {
		ASSERT_TRUE(!memcmp(out, buf, len), "frame byte-identical");
		goto out;
	}
	ASSERT_TRUE(only_fields_changed(buf, out, len, l4f, l3f),
		    "only checksum fields changed");
	if (repaired & R_LEAK) {
		ASSERT_TRUE(field_changed(buf, out, l4f), "L4 field rewritten");
		ASSERT_TRUE(l4_verifies(&op, out),
			    "completed L4 checksum verifies (userspace sum)");
		if (op.l4proto == IPPROTO_UDP)
			ASSERT_TRUE(out[l4f] || out[l4f + 1],
				    "UDP checksum never completed to 0");
	} else {
		ASSERT_TRUE(!field_changed(buf, out, l4f), "L4 field untouched");
	}
	if (repaired & R_L3) {
		ASSERT_TRUE(!buf[l3f] && !buf[l3f + 1], "IPv4 field was 0");
		ASSERT_TRUE(ip_hdr_verifies(&op, out),
			    "filled IPv4 header checksum verifies");
	} else if (l3f >= 0) {
		ASSERT_TRUE(!field_changed(buf, out, l3f),
			    "IPv4 header checksum untouched");
	}
out:
	og_test_end();
}

/*
 * A UDP datagram whose complete checksum is 0 must travel as 0xffff (RFC
 * 768): completing a leaked partial one must not write 0, "no checksum".
 */
static void test_xdp_udp_zero_result(struct xenv *e)
{
	static __u8 buf[512], out[512];
	const struct xcase c = { .proto = IPPROTO_UDP };
	struct xcounts got;
	struct frame fr;
	struct xres res;
	__u8 *f;
	int len, k;

	og_test_begin("prog/xdp/leaked_partial_udp4_completes_to_ffff@repair");
	len = build_frame(&c, 80, buf, sizeof(buf), &fr);
	if (!ASSERT_TRUE(len > 0, "build"))
		goto out;
	f = buf + fr.p.l4_off + 6;
	for (k = 0; k < 0x10000; k++) {
		buf[fr.p.payload_off] = k >> 8;
		buf[fr.p.payload_off + 1] = k & 0xff;
		set_l4(&fr.p, buf, OG_L4_CSUM_FULL);
		if (f[0] == 0xff && f[1] == 0xff)
			break;
	}
	if (!ASSERT_TRUE(k < 0x10000, "found a payload whose checksum is 0"))
		goto out;
	set_l4(&fr.p, buf, OG_L4_CSUM_SEED);
	if (!ASSERT_OK(xreset(e, OG_POLICY_REPAIR, 0, 0), "reset") ||
	    !ASSERT_OK(xrun(e, buf, len, 0, out, sizeof(out), &res), "run"))
		goto out;
	read_counts(e, &got);
	assert_counts(&got, R_LEAK, R_LEAK, 0);
	ASSERT_EQ(out[fr.p.l4_off + 6] << 8 | out[fr.p.l4_off + 7], 0xffff,
		  "completed as 0xffff");
	ASSERT_TRUE(l4_verifies(&fr.p, out), "and verifies");
out:
	og_test_end();
}

/*
 * Without an MTU override the program asks the device (bpf_check_mtu).
 * lo of a private namespace, set to 1500: test-run looks the ingress
 * device up in the caller's namespace, so nothing outside is touched.
 */
static void test_xdp_device_mtu(struct xenv *e)
{
	static __u8 buf[2048], out[2048];
	const struct xcase c = { .proto = IPPROTO_UDP };
	struct ifreq ifr = { .ifr_mtu = 1500 };
	int self, sock = -1, d, len;
	struct xcounts got;
	struct frame fr;
	struct xres res;

	self = open("/proc/self/ns/net", O_RDONLY);
	if (self < 0 || unshare(CLONE_NEWNET)) {
		og_test_skip("prog/xdp/oversize_device_mtu/*",
			     "cannot enter a private network namespace");
		if (self >= 0)
			close(self);
		return;
	}
	strcpy(ifr.ifr_name, "lo");
	sock = socket(AF_INET, SOCK_DGRAM, 0);
	for (d = 0; d <= 1; d++) {
		og_test_begin(d ? "prog/xdp/oversize_device_mtu/1501" :
				  "prog/xdp/oversize_device_mtu/1500_fits");
		if (!ASSERT_TRUE(sock >= 0 && !ioctl(sock, SIOCSIFMTU, &ifr),
				 "lo mtu 1500"))
			goto next;
		len = build_frame(&c, 1514 + d, buf, sizeof(buf), &fr);
		if (!ASSERT_TRUE(len == 1514 + d, "build") ||
		    !ASSERT_OK(xreset(e, OG_POLICY_OBSERVE, 0, 0), "reset") ||
		    !ASSERT_OK(xrun(e, buf, len, 0, out, sizeof(out), &res),
			       "run"))
			goto next;
		read_counts(e, &got);
		assert_counts(&got, d ? R_BIG : 0, 0, 0);
next:
		og_test_end();
	}
	if (sock >= 0)
		close(sock);
	if (setns(self, CLONE_NEWNET))
		fprintf(stderr, "  xdp: cannot return to the namespace: %s\n",
			strerror(errno));
	close(self);
}

/*
 * OG_CONF_XDP_DEFER_PARTIAL (veth, TUN/TAP, generic mode): a checksum
 * field holding the pseudo-header sum may be a pending offload there, so
 * XDP counts nothing, rewrites nothing, drops nothing, and hands tc the
 * offset and the complete value in struct og_xdp_meta. Test-run returns
 * the frame from data_meta: the record, then the frame as it came in.
 */
static void test_xdp_defer_partial(struct xenv *e)
{
	static __u8 buf[FRAME_MAX + 64], out[FRAME_MAX + 64];
	static const struct xcase cs[] = {
		{ "tcp4", .proto = IPPROTO_TCP, .l4 = OG_L4_CSUM_SEED },
		{ "udp6_rt2", .ipv6 = true, .proto = IPPROTO_UDP,
		  .ext = { OG_EXT_RT2 }, .l4 = OG_L4_CSUM_SEED },
		{ "clean_tcp4_no_meta", .proto = IPPROTO_TCP },
	};
	struct og_xdp_meta xm;
	struct xcounts got;
	struct frame fr;
	struct og_pkt op;
	struct xres res;
	unsigned int sz;
	char name[160];
	size_t i, p;
	int len;

	for (i = 0; i < sizeof(cs) / sizeof(cs[0]); i++)
	for (sz = SZ64; sz <= SZ9000; sz <<= 1)
	for (p = 0; p < sizeof(xpolicies) / sizeof(xpolicies[0]); p++) {
		bool seed = cs[i].l4 == OG_L4_CSUM_SEED;
		__u32 mlen = seed ? sizeof(xm) : 0;

		snprintf(name, sizeof(name), "prog/xdp/defer_partial_%s/%s%s%s",
			 cs[i].name, size_name(sz), xpolicies[p].name ? "@" : "",
			 xpolicies[p].name ? xpolicies[p].name : "");
		og_test_begin(name);
		len = build_frame(&cs[i], size_target(sz, false), buf,
				  sizeof(buf) - 64, &fr);
		if (!ASSERT_TRUE(len > 0, "build") ||
		    !ASSERT_OK(xreset(e, xpolicies[p].policy,
				      OG_CONF_XDP_DEFER_PARTIAL, 0), "reset") ||
		    !ASSERT_OK(xrun(e, buf, len, 0, out, sizeof(out), &res),
			       "run"))
			goto next;
		read_counts(e, &got);
		assert_counts(&got, 0, 0, 0);
		ASSERT_EQ(res.verdict, XDP_PASS_V, "verdict");
		if (!ASSERT_EQ(res.out_len, len + mlen, "meta + frame") ||
		    !ASSERT_TRUE(!memcmp(out + mlen, buf, len),
				 "frame byte-identical"))
			goto next;
		if (!seed)
			goto next;
		memcpy(&xm, out, sizeof(xm));
		ASSERT_EQ(xm.magic, OG_XDP_META_MAGIC, "meta magic");
		ASSERT_EQ(xm.csum_off, fr.p.l4_off + fr.p.csum_off,
			  "meta names the checksum field");
		/* the value handed over completes the checksum */
		memcpy(out + mlen + xm.csum_off, &xm.csum, 2);
		op = fr.p;
		ASSERT_TRUE(l4_verifies(&op, out + mlen),
			    "meta checksum verifies when written");
next:
		og_test_end();
	}
}

/* --- real captures ----------------------------------------------------- */

/*
 * Zeek's checksum traces as they were on a wire: the IPv6 type-0 routing
 * header and home-address ones are what a checker without RFC 8200 §8.1 /
 * RFC 6275 §6.3 pseudo-headers gets wrong.
 */
static void test_xdp_corpus(struct xenv *e, const char *root)
{
	static const struct {
		const char	*file;
		__u32		expect;
	} traces[] = {
		{ "ip4-bad-chksum.pcap",		R_L3 },
		{ "ip4-icmp-bad-chksum.pcap",		R_L4 },
		{ "ip4-icmp-good-chksum.pcap",		0 },
		{ "ip4-tcp-bad-chksum.pcap",		R_L4 },
		{ "ip4-tcp-good-chksum.pcap",		0 },
		{ "ip4-udp-bad-chksum.pcap",		R_L4 },
		{ "ip4-udp-good-chksum.pcap",		0 },
		{ "ip6-hoa-tcp-bad-chksum.pcap",	R_L4 },
		{ "ip6-hoa-tcp-good-chksum.pcap",	0 },
		{ "ip6-hoa-udp-bad-chksum.pcap",	R_L4 },
		{ "ip6-hoa-udp-good-chksum.pcap",	0 },
		{ "ip6-icmp6-bad-chksum.pcap",		R_L4 },
		{ "ip6-icmp6-good-chksum.pcap",		0 },
		{ "ip6-route0-icmp6-bad-chksum.pcap",	R_L4 },
		{ "ip6-route0-icmp6-good-chksum.pcap",	0 },
		{ "ip6-route0-tcp-bad-chksum.pcap",	R_L4 },
		{ "ip6-route0-tcp-good-chksum.pcap",	0 },
		{ "ip6-route0-udp-bad-chksum.pcap",	R_L4 },
		{ "ip6-route0-udp-good-chksum.pcap",	0 },
		{ "ip6-tcp-bad-chksum.pcap",		R_L4 },
		{ "ip6-tcp-good-chksum.pcap",		0 },
		{ "ip6-udp-bad-chksum.pcap",		R_L4 },
		{ "ip6-udp-good-chksum.pcap",		0 },
	};
	static __u8 buf[4096], out[4096];
	char path[4096], name[160];
	struct xcounts got;
	struct xres res;
	size_t i;
	int len;

	snprintf(path, sizeof(path), "%s" CORPUS_CHKSUMS, root);
	if (access(path, R_OK)) {
		og_test_skip("prog/xdp/corpus_zeek_chksums/*",
			     "../shared/corpus not present (a fresh clone elsewhere)");
		return;
	}
	for (i = 0; i < sizeof(traces) / sizeof(traces[0]); i++) {
		snprintf(name, sizeof(name), "prog/xdp/corpus_zeek_chksums/%s",
			 traces[i].file);
		og_test_begin(name);
		snprintf(path, sizeof(path), "%s" CORPUS_CHKSUMS "%s", root,
			 traces[i].file);
		len = pcap_first_ether(path, buf, sizeof(buf));
		if (!ASSERT_TRUE(len >= 14, "read first packet") ||
		    !ASSERT_OK(xreset(e, OG_POLICY_REPAIR, 0, 0), "reset") ||
		    !ASSERT_OK(xrun(e, buf, len, 0, out, sizeof(out), &res),
			       "test run"))
			goto next;
		read_counts(e, &got);
		/* a wrong complete checksum: counted, never rewritten */
		assert_counts(&got, traces[i].expect, 0, 0);
		ASSERT_EQ(res.verdict, XDP_PASS_V, "verdict");
		ASSERT_TRUE(res.out_len == (__u32)len && !memcmp(out, buf, len),
			    "frame byte-identical under repair");
next:
		og_test_end();
	}
}

/* --- mutation fuzz ----------------------------------------------------- */

/*
 * An independent reading of a frame, enough to check a checksum the
 * program wrote: link header, IPv4 or IPv6 with extension headers, the
 * pseudo-header addresses (routing header final destination, home
 * address option) and the L4 extent (UDP length trims).
 */
struct ref {
	struct og_pkt	p;
	bool		frag;
	bool		l4ok;	/* the L4 checksum field lies in the datagram */
};

static __u16 get16(const __u8 *p)
{
	return (__u16)(p[0] << 8 | p[1]);
}

static bool ref_parse(const __u8 *d, __u32 len, bool tun, struct ref *r)
{
	__u32 off = 0, end, i, hl;
	__u16 et;
	__u8 nh;

	memset(r, 0, sizeof(*r));
	if (tun) {
		et = (d[0] >> 4) == 4 ? 0x0800 : (d[0] >> 4) == 6 ? 0x86dd : 0;
	} else {
		if (len < 14)
			return false;
		et = get16(d + 12);
		off = 14;
		for (i = 0; i < 2 && (et == 0x8100 || et == 0x88a8); i++) {
			if (off + 4 > len)
				return false;
			et = get16(d + off + 2);
			off += 4;
		}
	}
	r->p.l3_off = off;
	if (et == 0x0800) {
		__u32 ihl, tot;

		if (off + 20 > len)
			return false;
		ihl = (d[off] & 0xf) * 4;
		tot = get16(d + off + 2);
		if ((d[off] >> 4) != 4 || ihl < 20 || tot < ihl ||
		    off + tot > len)
			return false;
		r->frag = get16(d + off + 6) & 0x3fff;
		r->p.l4proto = d[off + 9];
		r->p.l4_off = off + ihl;
		r->p.l4_len = tot - ihl;
		r->p.ph_src_off = off + 12;
		r->p.ph_dst_off = off + 16;
	} else if (et == 0x86dd) {
		__u32 plen;

		if (off + 40 > len || (d[off] >> 4) != 6)
			return false;
		plen = get16(d + off + 4);
		nh = d[off + 6];
		if (!plen && nh == 0)	/* jumbo: the frame's length rules */
			plen = len - off - 40;
		end = off + 40 + plen;
		if (end > len)
			return false;
		r->p.ipv6 = true;
		r->p.ph_src_off = off + 8;
		r->p.ph_dst_off = off + 24;
		off += 40;
		for (i = 0; i < 8; i++) {
			if (nh != 0 && nh != 43 && nh != 44 && nh != 51 &&
			    nh != 60)
				break;
			if (off + 8 > end)
				return false;
			hl = nh == 44 ? 8 : nh == 51 ? (d[off + 1] + 2) * 4u :
			     (d[off + 1] + 1) * 8u;
			if (off + hl > end)
				return false;
			/* an atomic fragment is a whole datagram (RFC 6946) */
			if (nh == 44 && (get16(d + off + 2) & 0xfff9))
				r->frag = true;
			if (nh == 43 && d[off + 3]) {
				__u32 n = d[off + 1] / 2;

				if ((d[off + 2] == 0 || d[off + 2] == 2) && n)
					r->p.ph_dst_off = off + 8 + (n - 1) * 16;
				else if (d[off + 2] == 4 && n)
					r->p.ph_dst_off = off + 8;
				else
					return false;
			}
			if (nh == 60) {
				__u32 o = off + 2, k;

				for (k = 0; k < 8 && o + 2 <= off + hl; k++) {
					if (d[o] == 0) {
						o++;
						continue;
					}
					if (d[o] == 0xc9 && d[o + 1] == 16 &&
					    o + 18 <= off + hl)
						r->p.ph_src_off = o + 2;
					o += 2 + d[o + 1];
				}
			}
			nh = d[off];
			off += hl;
		}
		r->p.l4proto = nh;
		r->p.l4_off = off;
		r->p.l4_len = end > off ? end - off : 0;
	} else {
		return false;
	}
	switch (r->p.l4proto) {
	case IPPROTO_TCP:
		r->p.csum_off = 16;
		break;
	case IPPROTO_UDP:
		r->p.csum_off = 6;
		if (r->p.l4_len >= 8 && !r->frag) {
			__u32 ulen = get16(d + r->p.l4_off + 4);

			if (ulen >= 8 && ulen <= r->p.l4_len)
				r->p.l4_len = ulen;
		}
		break;
	default:
		r->p.csum_off = 2;
		break;
	}
	r->l4ok = r->p.l4_len >= r->p.csum_off + 2u;
	return true;
}

static void test_xdp_fuzz(struct xenv *e)
{
	static __u8 buf[FRAME_MAX + 64], out[FRAME_MAX + 64];
	unsigned int seed = 0x0dd5eed, n, i, runs = 0, modified = 0, bad = 0;
	unsigned int jumbo = 0, repaired_runs = 0;
	static const __u8 protos[] = { IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP,
				       IPPROTO_ICMPV6 };

	og_test_begin("prog/xdp/fuzz_mutations_repair_only_what_it_may");
	for (n = 0; n < 6000 && bad < 3; n++) {
		struct xcase c = {};
		enum og_policy policy = rand_r(&seed) % 3;
		unsigned int target, flips;
		struct xcounts got;
		struct frame fr;
		struct xres res;
		struct ref ref;
		__u32 linear = 0, mtu = 0, in_l3f;
		long l4f, l3f;
		int len, r;

		c.ipv6 = rand_r(&seed) & 1;
		c.proto = protos[rand_r(&seed) % 4];
		if (c.proto == IPPROTO_ICMP && c.ipv6)
			c.proto = IPPROTO_ICMPV6;
		if (c.proto == IPPROTO_ICMPV6 && !c.ipv6)
			c.proto = IPPROTO_ICMP;
		if (c.ipv6 && rand_r(&seed) % 3 == 0)
			c.ext[0] = OG_EXT_HBH + rand_r(&seed) % 4;
		if (c.ipv6 && rand_r(&seed) % 8 == 0)
			c.hao = true;
		c.tun = rand_r(&seed) % 5 == 0;
		if (!c.tun && rand_r(&seed) % 5 == 0)
			c.vlan = 1 + rand_r(&seed) % 4000;
		c.l4 = rand_r(&seed) % 5;
		if ((c.proto == IPPROTO_ICMP || c.proto == IPPROTO_ICMPV6) &&
		    (c.l4 == OG_L4_CSUM_SEED || c.l4 == OG_L4_CSUM_LENGTHLESS))
			c.l4 = OG_L4_CSUM_FULL;
		/* leaked partials often, so that repairs do happen */
		if (c.proto != IPPROTO_ICMP && c.proto != IPPROTO_ICMPV6 &&
		    rand_r(&seed) % 3 == 0)
			c.l4 = OG_L4_CSUM_SEED;
		c.l3 = rand_r(&seed) % 6 == 0 ? L3_ZERO :
		       rand_r(&seed) % 6 == 0 ? L3_BAD : L3_GOOD;
		switch (rand_r(&seed) % 8) {
		case 0:
			target = 9014;
			break;
		case 1:
		case 2:
			target = 1514;
			break;
		default:
			target = 60 + rand_r(&seed) % 1500;
			break;
		}
		len = build_frame(&c, c.tun ? target - 14 : target, buf,
				  sizeof(buf), &fr);
		if (len <= 0)
			continue;
		/* cut short sometimes, then flip bits in the headers or anywhere */
		if (rand_r(&seed) % 5 == 0)
			len = 14 + rand_r(&seed) % (len - 13);
		flips = rand_r(&seed) % 4 ? rand_r(&seed) % 5 : 0;
		for (i = 0; i < flips; i++) {
			__u32 at = rand_r(&seed) % 3 ?
				   rand_r(&seed) % (len < 100 ? len : 100) :
				   rand_r(&seed) % len;

			buf[at] ^= 1 << (rand_r(&seed) % 8);
		}
		if (len > 200 && rand_r(&seed) % 4 == 0)
			linear = 60 + rand_r(&seed) % (len - 60);
		if (rand_r(&seed) % 4 == 0)
			mtu = 64 + rand_r(&seed) % 9000;
		if (xreset(e, policy, c.tun ? OG_CONF_NO_LINK_HDR : 0, mtu)) {
			bad++;
			continue;
		}
		r = xrun(e, buf, len, linear, out, sizeof(out), &res);
		runs++;
		if (len > 4096)
			jumbo++;
		read_counts(e, &got);
		if (!ASSERT_OK(r, "test run") ||
		    !ASSERT_TRUE(res.verdict == XDP_PASS_V ||
				 (policy == OG_POLICY_STRICT &&
				  res.verdict == XDP_DROP_V), "verdict") ||
		    !ASSERT_EQ(res.out_len, (__u32)len, "length kept") ||
		    !ASSERT_TRUE(!got.stray, "no stray counter")) {
			bad++;
			continue;
		}
		if (!memcmp(out, buf, len))
			continue;
		modified++;
		/*
		 * Modified: only under repair/strict, only a frame that
		 * raised leaked_partial or l3 with a zero field, only in
		 * those fields, and what was written verifies.
		 */
		if (!ASSERT_TRUE(policy != OG_POLICY_OBSERVE,
				 "observe modified a frame") ||
		    !ASSERT_TRUE(got.mask & (R_LEAK | R_L3),
				 "modified without leaked_partial/l3 counted") ||
		    !ASSERT_TRUE(ref_parse(out, len, c.tun, &ref),
				 "modified frame parses")) {
			bad++;
			continue;
		}
		l4f = ref.p.l4_off + ref.p.csum_off;
		l3f = ref.p.ipv6 ? -100 : (long)ref.p.l3_off + 10;
		in_l3f = l3f >= 0 ? (__u32)(buf[l3f] << 8 | buf[l3f + 1]) : 1;
		if (!ASSERT_TRUE(only_fields_changed(buf, out, len, l4f, l3f),
				 "only checksum fields changed")) {
			bad++;
			continue;
		}
		if (l4f + 2 <= len && field_changed(buf, out, l4f) &&
		    (!ASSERT_TRUE(got.r[OG_WIRE_LEAKED_PARTIAL].repaired == 1,
				  "L4 rewrite counted as leaked_partial repair") ||
		     !ASSERT_TRUE(ref.l4ok && !ref.frag,
				  "L4 field of a whole datagram") ||
		     !ASSERT_TRUE(l4_verifies(&ref.p, out),
				  "rewritten L4 checksum verifies"))) {
			bad++;
			continue;
		}
		if (l3f >= 0 && field_changed(buf, out, l3f) &&
		    (!ASSERT_EQ(in_l3f, 0, "IPv4 field rewritten was 0") ||
		     !ASSERT_TRUE(got.r[OG_WIRE_L3_BAD_CSUM].repaired == 1,
				  "L3 rewrite counted as a repair") ||
		     !ASSERT_TRUE(ip_hdr_verifies(&ref.p, out),
				  "rewritten IPv4 header verifies"))) {
			bad++;
			continue;
		}
		if (got.r[OG_WIRE_LEAKED_PARTIAL].repaired ||
		    got.r[OG_WIRE_L3_BAD_CSUM].repaired)
			repaired_runs++;
	}
	if (bad)
		fprintf(stderr, "  fuzz: failed at iteration %u (seed 0x0dd5eed)\n",
			n - 1);
	ASSERT_TRUE(runs > 5000, "most frames reached the program");
	ASSERT_TRUE(modified > 300 && repaired_runs == modified,
		    "repairs happened, each one counted");
	ASSERT_TRUE(jumbo > 300, "multi-buffer frames fuzzed");
	fprintf(stderr, "  xdp fuzz: %u runs, %u multi-buffer, %u repaired\n",
		runs, jumbo, modified);
	og_test_end();
}

/* --- entry ------------------------------------------------------------- */

void og_xdp_tests(const char *filter);

void og_xdp_tests(const char *filter)
{
	struct xenv e = { .ncpu = libbpf_num_possible_cpus() };
	size_t i, p;
	unsigned int sz;

	og_test_begin("prog/xdp/load_verifier_accepts");
	e.s = xdp_guard__open_and_load();
	ASSERT_OK_PTR(e.s, "xdp_guard");
	og_test_end();
	if (!e.s)
		return;

	for (i = 0; i < sizeof(xcases) / sizeof(xcases[0]); i++) {
		const struct xcase *c = &xcases[i];

		if (filter && !strstr(c->name, filter))
			continue;
		for (sz = SZ64; sz <= SZ9000; sz <<= 1) {
			if (!((c->sizes ? c->sizes : SZ_ALL) & sz))
				continue;
			for (p = 0; p < sizeof(xpolicies) / sizeof(xpolicies[0]);
			     p++)
				run_xcase(&e, c, sz, p);
		}
	}
	if (!filter || strstr("leaked_partial_udp4_completes_to_ffff", filter))
		test_xdp_udp_zero_result(&e);
	if (!filter || strstr("oversize_device_mtu", filter))
		test_xdp_device_mtu(&e);
	if (!filter || strstr("defer_partial", filter))
		test_xdp_defer_partial(&e);
	if (!filter || strstr("corpus", filter))
		test_xdp_corpus(&e, getenv("OG_ROOT") ? getenv("OG_ROOT") : ".");
	if (!filter || strstr("fuzz", filter))
		test_xdp_fuzz(&e);
	clear_map(bpf_map__fd(e.s->maps.og_config), sizeof(struct og_dev_key));
	xdp_guard__destroy(e.s);
}
