// SPDX-License-Identifier: GPL-2.0-only
/*
 * prog tests: the tc programs under BPF_PROG_TEST_RUN.
 *
 * A test-run skb is always CHECKSUM_NONE with no gso_type, so rule cases
 * load the object with og_fixture_meta = 1 and pass the skb metadata in
 * __sk_buff->cb[] (struct og_fixture_meta); the same instructions then
 * judge it. A second instance loaded as production (og_fixture_meta = 0)
 * checks the bpf_cast_to_kern_ctx path on what test-run can set.
 *
 * Every case asserts the exact set of reasons counted (each once), so a
 * rule that fires too often fails as surely as one that never fires.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "offguard/offguard.h"
#include "tc_guard.skel.h"
#include "og_load.h"
#include "pkt.h"
#include "testing.h"
#include "corpus.h"

struct og_test_state og_t;

#define BIT(r)		(1U << (r))
#define HOOK_IN		0
#define HOOK_OUT	1
#define CS_L4		(-1000)		/* csum_start = L4 offset */
#define DEF		(-1)		/* csum_offset: 16 TCP / 6 UDP */
#define ALL_FEAT	(OG_FEAT_IP_CSUM | OG_FEAT_IPV6_CSUM | OG_FEAT_HW_CSUM | \
			 OG_FEAT_TSO | OG_FEAT_TSO6 | OG_FEAT_GSO_UDP_L4)

struct prog_case {
	const char	*name;
	/* packet */
	bool		ipv6;
	__u8		proto;
	unsigned int	payload;
	enum og_l4_csum	l4;
	__u8		tcp_flags;
	enum og_pkt_ext	ext[3];
	bool		bad_ip_csum;
	int		ip_len_delta;
	__u8		doff;
	bool		mf;
	__u16		dport;
	__u16		vlan;
	bool		ts;		/* TCP timestamps: 32-byte header */
	__u8		pad;		/* trailing bytes after the IP datagram */
	__u8		rh_type;	/* overwrite the first routing header's type */
	/* metadata */
	__u8		ip_summed;
	int		csum_start;	/* CS_L4 + delta, or absolute */
	int		csum_offset;
	__u16		gso_size;
	__u32		gso_type;
	__u16		mtu;
	__u32		features;
	__u8		flags;
	int		hook;
	/* expectation */
	__u32		expect;
	int		variant;	/* enum og_seed_variant, or -1 */
};

#define NOVAR	.variant = -1

static const struct prog_case cases[] = {
	/* --- claims complete: verified, never trusted --- */
	{ "good_tcp4_none", .proto = IPPROTO_TCP, .payload = 100, NOVAR },
	{ "good_udp4_none", .proto = IPPROTO_UDP, .payload = 333, NOVAR },
	{ "good_tcp6_hbh_dst_ext", .ipv6 = true, .proto = IPPROTO_TCP,
	  .payload = 1201, .ext = { OG_EXT_HBH, OG_EXT_DST }, NOVAR },
	{ "good_udp6_rt2_final_dst", .ipv6 = true, .proto = IPPROTO_UDP,
	  .payload = 77, .ext = { OG_EXT_RT2 }, NOVAR },
	{ "good_tcp4_vlan", .proto = IPPROTO_TCP, .payload = 10,
	  .vlan = 42, NOVAR },
	{ "good_tcp4_3000B_multiblock_odd", .proto = IPPROTO_TCP,
	  .payload = 2999, NOVAR },
	{ "l4_bad_csum_tcp4", .proto = IPPROTO_TCP, .payload = 100,
	  .l4 = OG_L4_CSUM_BAD, .expect = BIT(OG_L4_BAD_CSUM), NOVAR },
	{ "l4_bad_csum_udp6_ext", .ipv6 = true, .proto = IPPROTO_UDP,
	  .payload = 999, .ext = { OG_EXT_DST }, .l4 = OG_L4_CSUM_BAD,
	  .expect = BIT(OG_L4_BAD_CSUM), NOVAR },
	{ "l4_bad_csum_complete", .proto = IPPROTO_TCP, .payload = 64,
	  .l4 = OG_L4_CSUM_BAD, .ip_summed = OG_CHECKSUM_COMPLETE,
	  .expect = BIT(OG_L4_BAD_CSUM), NOVAR },
	{ "l4_bad_csum_egress", .proto = IPPROTO_UDP, .payload = 64,
	  .l4 = OG_L4_CSUM_BAD, .hook = HOOK_OUT,
	  .expect = BIT(OG_L4_BAD_CSUM), NOVAR },
	{ "l4_seed_in_complete_packet", .proto = IPPROTO_TCP, .payload = 64,
	  .l4 = OG_L4_CSUM_SEED, .expect = BIT(OG_L4_BAD_CSUM), NOVAR },
	{ "unnecessary_good", .proto = IPPROTO_TCP, .payload = 500,
	  .ip_summed = OG_CHECKSUM_UNNECESSARY, NOVAR },
	{ "unnecessary_but_bad", .proto = IPPROTO_TCP, .payload = 500,
	  .l4 = OG_L4_CSUM_BAD, .ip_summed = OG_CHECKSUM_UNNECESSARY,
	  .expect = BIT(OG_UNNECESSARY_BUT_BAD), NOVAR },
	{ "l3_bad_csum", .proto = IPPROTO_UDP, .payload = 20,
	  .bad_ip_csum = true, .expect = BIT(OG_L3_BAD_CSUM), NOVAR },
	{ "udp6_zero_csum", .ipv6 = true, .proto = IPPROTO_UDP, .payload = 20,
	  .l4 = OG_L4_CSUM_ZERO, .expect = BIT(OG_UDP6_ZERO_CSUM), NOVAR },
	{ "udp6_zero_csum_vxlan_allowed", .ipv6 = true, .proto = IPPROTO_UDP,
	  .payload = 20, .l4 = OG_L4_CSUM_ZERO, .dport = 4789, NOVAR },
	{ "udp4_zero_csum_legal", .proto = IPPROTO_UDP, .payload = 20,
	  .l4 = OG_L4_CSUM_ZERO, NOVAR },
	{ "truncated_ipv4_tot_len", .proto = IPPROTO_TCP, .payload = 40,
	  .ip_len_delta = 8, .expect = BIT(OG_TRUNCATED), NOVAR },
	{ "truncated_ipv6_payload_len", .ipv6 = true, .proto = IPPROTO_UDP,
	  .payload = 40, .ip_len_delta = 16, .expect = BIT(OG_TRUNCATED),
	  NOVAR },
	{ "udp_len_shorter_than_ip_payload", .proto = IPPROTO_UDP,
	  .payload = 40, .ip_len_delta = 8, .pad = 8, NOVAR },
	{ "ipv6_payload_len_0_not_gso", .ipv6 = true, .proto = IPPROTO_UDP,
	  .payload = 20, .ip_len_delta = -28, .expect = BIT(OG_TRUNCATED),
	  NOVAR },
	{ "ipv6_unknown_routing_type_not_judged", .ipv6 = true,
	  .proto = IPPROTO_TCP, .payload = 60, .ext = { OG_EXT_RT2 },
	  .rh_type = 3, NOVAR },
	{ "ipv6_unknown_routing_type_seed_untouched", .ipv6 = true,
	  .proto = IPPROTO_UDP, .payload = 60, .ext = { OG_EXT_RT2 },
	  .rh_type = 3, .l4 = OG_L4_CSUM_BAD,
	  .ip_summed = OG_CHECKSUM_PARTIAL, .csum_start = CS_L4,
	  .csum_offset = DEF, NOVAR },
	{ "truncated_tcp_doff_past_data", .proto = IPPROTO_TCP, .payload = 4,
	  .doff = 15, .expect = BIT(OG_TRUNCATED), NOVAR },
	{ "ipv4_ethernet_padding_not_truncation", .proto = IPPROTO_UDP,
	  .payload = 2, .pad = 16, NOVAR },
	{ "ipv4_tot_len_short_of_l4", .proto = IPPROTO_TCP, .payload = 40,
	  .ip_len_delta = -8, .expect = BIT(OG_L4_BAD_CSUM), NOVAR },

	/* --- CHECKSUM_PARTIAL --- */
	{ "partial_good_tcp4", .proto = IPPROTO_TCP, .payload = 1000,
	  .l4 = OG_L4_CSUM_SEED, .ip_summed = OG_CHECKSUM_PARTIAL,
	  .csum_start = CS_L4, .csum_offset = DEF, NOVAR },
	{ "partial_good_udp6_ext_rt2", .ipv6 = true, .proto = IPPROTO_UDP,
	  .payload = 1000, .ext = { OG_EXT_HBH, OG_EXT_RT2 },
	  .l4 = OG_L4_CSUM_SEED, .ip_summed = OG_CHECKSUM_PARTIAL,
	  .csum_start = CS_L4, .csum_offset = DEF, NOVAR },
	{ "partial_bad_start_inside", .proto = IPPROTO_TCP, .payload = 100,
	  .l4 = OG_L4_CSUM_SEED, .ip_summed = OG_CHECKSUM_PARTIAL,
	  .csum_start = CS_L4 + 4, .csum_offset = DEF,
	  .expect = BIT(OG_PARTIAL_BAD_START), NOVAR },
	{ "partial_bad_start_outside", .proto = IPPROTO_TCP, .payload = 100,
	  .l4 = OG_L4_CSUM_SEED, .ip_summed = OG_CHECKSUM_PARTIAL,
	  .csum_start = 4000, .csum_offset = DEF,
	  .expect = BIT(OG_PARTIAL_BAD_START), NOVAR },
	{ "partial_bad_offset_tcp", .proto = IPPROTO_TCP, .payload = 100,
	  .l4 = OG_L4_CSUM_SEED, .ip_summed = OG_CHECKSUM_PARTIAL,
	  .csum_start = CS_L4, .csum_offset = 6,
	  .expect = BIT(OG_PARTIAL_BAD_OFFSET), NOVAR },
	{ "partial_bad_offset_udp", .proto = IPPROTO_UDP, .payload = 100,
	  .l4 = OG_L4_CSUM_SEED, .ip_summed = OG_CHECKSUM_PARTIAL,
	  .csum_start = CS_L4, .csum_offset = 16,
	  .expect = BIT(OG_PARTIAL_BAD_OFFSET), NOVAR },
	{ "partial_encap_not_judged", .proto = IPPROTO_UDP, .payload = 100,
	  .l4 = OG_L4_CSUM_SEED, .ip_summed = OG_CHECKSUM_PARTIAL,
	  .csum_start = CS_L4 + 30, .csum_offset = 16, .flags = OG_FIX_ENCAP,
	  NOVAR },
	{ "partial_bad_seed_full_csum", .proto = IPPROTO_TCP, .payload = 999,
	  .l4 = OG_L4_CSUM_FULL, .ip_summed = OG_CHECKSUM_PARTIAL,
	  .csum_start = CS_L4, .csum_offset = DEF,
	  .expect = BIT(OG_PARTIAL_BAD_SEED), .variant = OG_SEED_FULL_CSUM },
	{ "partial_bad_seed_full_csum_udp6_ext", .ipv6 = true,
	  .proto = IPPROTO_UDP, .payload = 1400, .ext = { OG_EXT_DST },
	  .l4 = OG_L4_CSUM_FULL, .ip_summed = OG_CHECKSUM_PARTIAL,
	  .csum_start = CS_L4, .csum_offset = DEF,
	  .expect = BIT(OG_PARTIAL_BAD_SEED), .variant = OG_SEED_FULL_CSUM },
	{ "partial_bad_seed_lengthless", .proto = IPPROTO_TCP, .payload = 200,
	  .l4 = OG_L4_CSUM_LENGTHLESS, .ip_summed = OG_CHECKSUM_PARTIAL,
	  .csum_start = CS_L4, .csum_offset = DEF,
	  .expect = BIT(OG_PARTIAL_BAD_SEED), .variant = OG_SEED_LENGTHLESS },
	{ "partial_bad_seed_zero", .ipv6 = true, .proto = IPPROTO_TCP,
	  .payload = 200, .l4 = OG_L4_CSUM_ZERO,
	  .ip_summed = OG_CHECKSUM_PARTIAL, .csum_start = CS_L4,
	  .csum_offset = DEF, .expect = BIT(OG_PARTIAL_BAD_SEED),
	  .variant = OG_SEED_ZERO },
	{ "partial_bad_seed_other", .proto = IPPROTO_UDP, .payload = 200,
	  .l4 = OG_L4_CSUM_BAD, .ip_summed = OG_CHECKSUM_PARTIAL,
	  .csum_start = CS_L4, .csum_offset = DEF,
	  .expect = BIT(OG_PARTIAL_BAD_SEED), .variant = OG_SEED_OTHER },
	{ "partial_no_tx_csum_egress", .proto = IPPROTO_TCP, .payload = 100,
	  .l4 = OG_L4_CSUM_SEED, .ip_summed = OG_CHECKSUM_PARTIAL,
	  .csum_start = CS_L4, .csum_offset = DEF, .hook = HOOK_OUT,
	  .features = 0, .expect = BIT(OG_PARTIAL_NO_TX_CSUM), NOVAR },
	{ "partial_tx_csum_ipv4_only_v6", .ipv6 = true, .proto = IPPROTO_TCP,
	  .payload = 100, .l4 = OG_L4_CSUM_SEED,
	  .ip_summed = OG_CHECKSUM_PARTIAL, .csum_start = CS_L4,
	  .csum_offset = DEF, .hook = HOOK_OUT, .features = OG_FEAT_IP_CSUM,
	  .expect = BIT(OG_PARTIAL_NO_TX_CSUM), NOVAR },
	{ "partial_tx_csum_present_egress", .proto = IPPROTO_TCP,
	  .payload = 100, .l4 = OG_L4_CSUM_SEED,
	  .ip_summed = OG_CHECKSUM_PARTIAL, .csum_start = CS_L4,
	  .csum_offset = DEF, .hook = HOOK_OUT, .features = OG_FEAT_IP_CSUM,
	  NOVAR },
	{ "partial_no_tx_csum_ingress_ignored", .proto = IPPROTO_TCP,
	  .payload = 100, .l4 = OG_L4_CSUM_SEED,
	  .ip_summed = OG_CHECKSUM_PARTIAL, .csum_start = CS_L4,
	  .csum_offset = DEF, .features = 0, NOVAR },

	/* --- GSO --- */
	{ "gso_good_tcp4", .proto = IPPROTO_TCP, .payload = 2896, .ts = true,
	  .l4 = OG_L4_CSUM_SEED, .ip_summed = OG_CHECKSUM_PARTIAL,
	  .csum_start = CS_L4, .csum_offset = DEF, .gso_size = 1448,
	  .gso_type = OG_GSO_TCPV4 | OG_GSO_DODGY, .hook = HOOK_OUT, NOVAR },
	{ "gso_good_udp6_l4", .ipv6 = true, .proto = IPPROTO_UDP,
	  .payload = 2904, .l4 = OG_L4_CSUM_SEED,
	  .ip_summed = OG_CHECKSUM_PARTIAL, .csum_start = CS_L4,
	  .csum_offset = DEF, .gso_size = 1452, .gso_type = OG_GSO_UDP_L4,
	  .hook = HOOK_OUT, NOVAR },
	{ "gso_type_mismatch_tcpv6_on_v4", .proto = IPPROTO_TCP,
	  .payload = 2000, .l4 = OG_L4_CSUM_SEED,
	  .ip_summed = OG_CHECKSUM_PARTIAL, .csum_start = CS_L4,
	  .csum_offset = DEF, .gso_size = 1000, .gso_type = OG_GSO_TCPV6,
	  .expect = BIT(OG_GSO_TYPE_MISMATCH), NOVAR },
	{ "gso_type_mismatch_udp_l4_on_tcp", .proto = IPPROTO_TCP,
	  .payload = 2000, .l4 = OG_L4_CSUM_SEED,
	  .ip_summed = OG_CHECKSUM_PARTIAL, .csum_start = CS_L4,
	  .csum_offset = DEF, .gso_size = 1000, .gso_type = OG_GSO_UDP_L4,
	  .expect = BIT(OG_GSO_TYPE_MISMATCH), NOVAR },
	{ "gso_type_mismatch_missing", .proto = IPPROTO_TCP, .payload = 2000,
	  .l4 = OG_L4_CSUM_SEED, .ip_summed = OG_CHECKSUM_PARTIAL,
	  .csum_start = CS_L4, .csum_offset = DEF, .gso_size = 1000,
	  .gso_type = OG_GSO_DODGY, .expect = BIT(OG_GSO_TYPE_MISMATCH),
	  NOVAR },
	{ "gso_not_partial", .proto = IPPROTO_TCP, .payload = 2000,
	  .gso_size = 1000, .gso_type = OG_GSO_TCPV4,
	  .expect = BIT(OG_GSO_NOT_PARTIAL), NOVAR },
	{ "gso_udp_l4_none_kernel_sw_csum_ok", .proto = IPPROTO_UDP,
	  .payload = 2000, .l4 = OG_L4_CSUM_ZERO, .gso_size = 1000,
	  .gso_type = OG_GSO_UDP_L4, .hook = HOOK_OUT,
	  .features = OG_FEAT_GSO_UDP_L4, NOVAR },
	{ "gso_fraglist_unnecessary_ok", .proto = IPPROTO_UDP, .payload = 2000,
	  .ip_summed = OG_CHECKSUM_UNNECESSARY, .gso_size = 1000,
	  .gso_type = OG_GSO_UDP_L4 | OG_GSO_FRAGLIST, NOVAR },
	{ "gso_bad_l4_hdr_doff_past_data", .proto = IPPROTO_TCP, .payload = 8,
	  .doff = 15, .ip_summed = OG_CHECKSUM_PARTIAL, .csum_start = CS_L4,
	  .csum_offset = DEF, .l4 = OG_L4_CSUM_KEEP, .gso_size = 4,
	  .gso_type = OG_GSO_TCPV4, .expect = BIT(OG_GSO_BAD_L4_HDR), NOVAR },
	{ "gso_bad_l4_hdr_doff_4", .proto = IPPROTO_TCP, .payload = 100,
	  .doff = 4, .ip_summed = OG_CHECKSUM_PARTIAL, .csum_start = CS_L4,
	  .csum_offset = DEF, .l4 = OG_L4_CSUM_KEEP, .gso_size = 40,
	  .gso_type = OG_GSO_TCPV4, .expect = BIT(OG_GSO_BAD_L4_HDR), NOVAR },
	{ "gso_size_exceeds_mtu", .proto = IPPROTO_TCP, .payload = 3000,
	  .l4 = OG_L4_CSUM_SEED, .ip_summed = OG_CHECKSUM_PARTIAL,
	  .csum_start = CS_L4, .csum_offset = DEF, .gso_size = 1500,
	  .gso_type = OG_GSO_TCPV4 | OG_GSO_DODGY, .mtu = 1500,
	  .expect = BIT(OG_GSO_SIZE_EXCEEDS_MTU), NOVAR },
	{ "gso_size_exceeds_mtu_egress", .proto = IPPROTO_TCP, .payload = 3000,
	  .l4 = OG_L4_CSUM_SEED, .ip_summed = OG_CHECKSUM_PARTIAL,
	  .csum_start = CS_L4, .csum_offset = DEF, .gso_size = 1500,
	  .gso_type = OG_GSO_TCPV4, .mtu = 1500, .hook = HOOK_OUT,
	  .expect = BIT(OG_GSO_SIZE_EXCEEDS_MTU), NOVAR },
	{ "gso_size_ingress_gro_lro_not_judged", .proto = IPPROTO_TCP,
	  .payload = 3000, .l4 = OG_L4_CSUM_SEED,
	  .ip_summed = OG_CHECKSUM_PARTIAL, .csum_start = CS_L4,
	  .csum_offset = DEF, .gso_size = 1500, .gso_type = OG_GSO_TCPV4,
	  .mtu = 1500, NOVAR },
	{ "gso_unnecessary_lro_ok", .proto = IPPROTO_TCP, .payload = 2896,
	  .ip_summed = OG_CHECKSUM_UNNECESSARY, .gso_size = 1448,
	  .gso_type = OG_GSO_TCPV4, .mtu = 1500, NOVAR },
	{ "gso_esp_offload_not_judged", .proto = IPPROTO_UDP, .payload = 2000,
	  .l4 = OG_L4_CSUM_SEED, .ip_summed = OG_CHECKSUM_PARTIAL,
	  .csum_start = CS_L4, .csum_offset = DEF, .gso_size = 1000,
	  .gso_type = OG_GSO_TCPV4 | OG_GSO_OTHER, .flags = OG_FIX_ENCAP,
	  NOVAR },
	{ "gso_ufo_size_counts_from_udp_header", .proto = IPPROTO_UDP,
	  .payload = 3000, .l4 = OG_L4_CSUM_SEED,
	  .ip_summed = OG_CHECKSUM_PARTIAL, .csum_start = CS_L4,
	  .csum_offset = DEF, .gso_size = 1480, .gso_type = OG_GSO_UDP,
	  .mtu = 1500, .hook = HOOK_OUT, NOVAR },
	{ "gso_size_fits_mtu_exactly", .proto = IPPROTO_TCP, .payload = 3000,
	  .ts = true, .l4 = OG_L4_CSUM_SEED, .ip_summed = OG_CHECKSUM_PARTIAL,
	  .csum_start = CS_L4, .csum_offset = DEF, .gso_size = 1448,
	  .gso_type = OG_GSO_TCPV4, .mtu = 1500, NOVAR },
	{ "gso_size_exceeds_mtu_v6_ext", .ipv6 = true, .proto = IPPROTO_TCP,
	  .payload = 3000, .ext = { OG_EXT_DST }, .l4 = OG_L4_CSUM_SEED,
	  .ip_summed = OG_CHECKSUM_PARTIAL, .csum_start = CS_L4,
	  .csum_offset = DEF, .gso_size = 1440,
	  .gso_type = OG_GSO_TCPV6 | OG_GSO_DODGY,
	  .mtu = 1500, .expect = BIT(OG_GSO_SIZE_EXCEEDS_MTU), NOVAR },
	{ "gso_too_many_segs_udp", .proto = IPPROTO_UDP, .payload = 2000,
	  .l4 = OG_L4_CSUM_SEED, .ip_summed = OG_CHECKSUM_PARTIAL,
	  .csum_start = CS_L4, .csum_offset = DEF, .gso_size = 8,
	  .gso_type = OG_GSO_UDP_L4, .hook = HOOK_OUT,
	  .expect = BIT(OG_GSO_TOO_MANY_SEGS), NOVAR },
	{ "gso_too_many_segs_ingress_not_judged", .proto = IPPROTO_UDP,
	  .payload = 2000, .l4 = OG_L4_CSUM_SEED,
	  .ip_summed = OG_CHECKSUM_PARTIAL, .csum_start = CS_L4,
	  .csum_offset = DEF, .gso_size = 8, .gso_type = OG_GSO_UDP_L4,
	  NOVAR },
	{ "gso_udp_128_segs_ok", .proto = IPPROTO_UDP, .payload = 1024,
	  .l4 = OG_L4_CSUM_SEED, .ip_summed = OG_CHECKSUM_PARTIAL,
	  .csum_start = CS_L4, .csum_offset = DEF, .gso_size = 8,
	  .gso_type = OG_GSO_UDP_L4, .hook = HOOK_OUT, NOVAR },
	{ "gso_fragment", .proto = IPPROTO_UDP, .payload = 2000, .mf = true,
	  .l4 = OG_L4_CSUM_SEED, .ip_summed = OG_CHECKSUM_PARTIAL,
	  .csum_start = CS_L4, .csum_offset = DEF, .gso_size = 1000,
	  .gso_type = OG_GSO_UDP_L4, .expect = BIT(OG_GSO_FRAGMENT), NOVAR },
	{ "gso_fragment_v6", .ipv6 = true, .proto = IPPROTO_TCP,
	  .payload = 2000, .ext = { OG_EXT_FRAG }, .mf = true,
	  .l4 = OG_L4_CSUM_SEED, .ip_summed = OG_CHECKSUM_PARTIAL,
	  .csum_start = CS_L4, .csum_offset = DEF, .gso_size = 1000,
	  .gso_type = OG_GSO_TCPV6, .expect = BIT(OG_GSO_FRAGMENT), NOVAR },
	{ "gso_bad_tcp_flags_syn", .proto = IPPROTO_TCP, .payload = 2000,
	  .tcp_flags = OG_TCP_SYN, .l4 = OG_L4_CSUM_SEED,
	  .ip_summed = OG_CHECKSUM_PARTIAL, .csum_start = CS_L4,
	  .csum_offset = DEF, .gso_size = 1000, .gso_type = OG_GSO_TCPV4,
	  .expect = BIT(OG_GSO_BAD_TCP_FLAGS), NOVAR },
	{ "gso_bad_tcp_flags_rst", .proto = IPPROTO_TCP, .payload = 2000,
	  .tcp_flags = OG_TCP_RST | OG_TCP_ACK, .l4 = OG_L4_CSUM_SEED,
	  .ip_summed = OG_CHECKSUM_PARTIAL, .csum_start = CS_L4,
	  .csum_offset = DEF, .gso_size = 1000, .gso_type = OG_GSO_TCPV4,
	  .expect = BIT(OG_GSO_BAD_TCP_FLAGS), NOVAR },
	{ "gso_no_tso_egress", .proto = IPPROTO_TCP, .payload = 2000,
	  .l4 = OG_L4_CSUM_SEED, .ip_summed = OG_CHECKSUM_PARTIAL,
	  .csum_start = CS_L4, .csum_offset = DEF, .gso_size = 1000,
	  .gso_type = OG_GSO_TCPV4, .hook = HOOK_OUT,
	  .features = ALL_FEAT & ~OG_FEAT_TSO, .expect = BIT(OG_GSO_NO_TSO),
	  NOVAR },
	{ "gso_no_uso_egress", .ipv6 = true, .proto = IPPROTO_UDP,
	  .payload = 2000, .l4 = OG_L4_CSUM_SEED,
	  .ip_summed = OG_CHECKSUM_PARTIAL, .csum_start = CS_L4,
	  .csum_offset = DEF, .gso_size = 1000, .gso_type = OG_GSO_UDP_L4,
	  .hook = HOOK_OUT, .features = ALL_FEAT & ~OG_FEAT_GSO_UDP_L4,
	  .expect = BIT(OG_GSO_NO_TSO), NOVAR },
	{ "gso_no_tso_ingress_ignored", .proto = IPPROTO_TCP, .payload = 2000,
	  .l4 = OG_L4_CSUM_SEED, .ip_summed = OG_CHECKSUM_PARTIAL,
	  .csum_start = CS_L4, .csum_offset = DEF, .gso_size = 1000,
	  .gso_type = OG_GSO_TCPV4, .features = 0, NOVAR },
	{ "gso_tunnel_inner_not_judged", .proto = IPPROTO_UDP, .payload = 2000,
	  .l4 = OG_L4_CSUM_SEED, .ip_summed = OG_CHECKSUM_PARTIAL,
	  .csum_start = CS_L4, .csum_offset = DEF, .gso_size = 1400,
	  .gso_type = OG_GSO_TUNNEL | OG_GSO_TCPV4, .mtu = 1500, NOVAR },
};

struct env {
	struct tc_guard *fix;	/* og_fixture_meta = 1 */
	struct tc_guard *prod;	/* as the CLI loads it */
};

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

static int clear_maps(struct tc_guard *s)
{
	int err;

	err = clear_map(bpf_map__fd(s->maps.og_counters),
			sizeof(struct og_counter_key));
	if (!err)
		err = clear_map(bpf_map__fd(s->maps.og_devstats),
				sizeof(struct og_dev_key));
	return err;
}

/* Sum of a per-CPU counter, 0 when absent. */
static __u64 read_reason(struct tc_guard *s, __u32 ifindex, enum og_hook hook,
			 enum og_reason r)
{
	int ncpu = libbpf_num_possible_cpus();
	struct og_counter_key key = { ifindex, hook, r };
	struct og_counter vals[ncpu];
	__u64 sum = 0;
	int i;

	if (bpf_map_lookup_elem(bpf_map__fd(s->maps.og_counters), &key, vals))
		return 0;
	for (i = 0; i < ncpu; i++)
		sum += vals[i].packets;
	return sum;
}

static bool read_devstats(struct tc_guard *s, __u32 ifindex,
			  enum og_hook hook, struct og_dev_stats *out)
{
	int ncpu = libbpf_num_possible_cpus();
	struct og_dev_key key = { ifindex, hook };
	struct og_dev_stats vals[ncpu];
	int i, j;

	memset(out, 0, sizeof(*out));
	if (bpf_map_lookup_elem(bpf_map__fd(s->maps.og_devstats), &key, vals))
		return false;
	for (i = 0; i < ncpu; i++) {
		__u64 *dst = (__u64 *)out, *src = (__u64 *)&vals[i];

		for (j = 0; j < (int)(sizeof(*out) / sizeof(__u64)); j++)
			dst[j] += src[j];
	}
	return true;
}

static int build_case(const struct prog_case *c, __u8 *buf, size_t cap,
		      struct og_pkt *pkt)
{
	struct og_pkt_spec spec;
	int i, len;

	og_pkt_spec_init(&spec);
	spec.ether = true;
	spec.ipv6 = c->ipv6;
	spec.l4proto = c->proto;
	spec.payload_len = c->payload;
	spec.l4_csum = c->l4 == OG_L4_CSUM_KEEP ? OG_L4_CSUM_FULL : c->l4;
	spec.tcp_flags = c->tcp_flags ? c->tcp_flags : OG_TCP_ACK;
	for (i = 0; i < 3; i++)
		spec.ext[i] = c->ext[i];
	spec.bad_ip_csum = c->bad_ip_csum;
	spec.ip_len_delta = c->ip_len_delta;
	spec.doff = c->doff;
	spec.doff_set = c->doff != 0;
	spec.mf = c->mf;
	if (c->dport)
		spec.dport = c->dport;
	spec.vlan_id = c->vlan;
	spec.tcp_ts = c->ts;
	len = og_pkt_build(&spec, buf, cap, pkt);
	/* the routing header follows the fixed IPv6 header in these cases */
	if (len > 0 && c->rh_type)
		buf[pkt->l3_off + 40 + 2] = c->rh_type;
	if (len > 0 && c->pad) {
		/* Ethernet minimum-frame padding, outside the IP datagram */
		memset(buf + len, 0, c->pad);
		len += c->pad;
	}
	return len;
}

static void fixture_meta(const struct prog_case *c, const struct og_pkt *pkt,
			 struct __sk_buff *skb)
{
	struct og_fixture_meta fm = {
		.ip_summed = c->ip_summed,
		.flags = c->flags,
		.gso_size = c->gso_size,
		.gso_type = c->gso_type,
		.gso_segs = c->gso_size ? 2 : 0,
		.mtu = c->mtu,
	};

	if (c->csum_start <= CS_L4 + 100 && c->csum_start >= CS_L4 - 100)
		fm.csum_start = pkt->l4_off + (c->csum_start - CS_L4);
	else
		fm.csum_start = c->csum_start;
	if (c->csum_offset == DEF)
		fm.csum_offset = c->proto == IPPROTO_TCP ? 16 : 6;
	else
		fm.csum_offset = c->csum_offset;
	/* Ingress cases run with every feature unless they say otherwise. */
	fm.features = c->features;
	if (!c->features && c->hook == HOOK_OUT &&
	    !(c->expect & BIT(OG_PARTIAL_NO_TX_CSUM)))
		fm.features = ALL_FEAT;
	memcpy(skb->cb, &fm, sizeof(fm));
}

static int run_prog(struct bpf_program *prog, void *pkt, size_t len,
		    struct __sk_buff *skb, void *out, __u32 *out_len,
		    int *retval)
{
	LIBBPF_OPTS(bpf_test_run_opts, o,
		.data_in = pkt,
		.data_size_in = len,
		.data_out = out,
		.data_size_out = out ? *out_len : 0,
		.ctx_in = skb,
		.ctx_size_in = sizeof(*skb),
		.repeat = 1,
	);
	int err;

	err = bpf_prog_test_run_opts(bpf_program__fd(prog), &o);
	if (err)
		return -errno;
	*retval = (int)o.retval;
	if (out_len)
		*out_len = o.data_size_out;
	return 0;
}

static void run_case(struct env *e, const struct prog_case *c)
{
	static __u8 buf[4096], out[4096];
	struct __sk_buff skb = {};
	struct og_dev_stats st;
	enum og_hook hook;
	struct og_pkt pkt;
	char name[128];
	__u32 out_len = sizeof(out);
	int len, ret = 0, r;

	snprintf(name, sizeof(name), "prog/%s", c->name);
	og_test_begin(name);
	hook = c->hook == HOOK_OUT ? OG_HOOK_TC_EGRESS : OG_HOOK_TC_INGRESS;
	len = build_case(c, buf, sizeof(buf), &pkt);
	if (!ASSERT_TRUE(len > 0, "build packet"))
		goto out;
	if (c->l4 == OG_L4_CSUM_KEEP)
		og_pkt_set_l4_csum(&pkt, OG_L4_CSUM_SEED);
	fixture_meta(c, &pkt, &skb);
	if (!ASSERT_OK(clear_maps(e->fix), "clear maps"))
		goto out;
	r = run_prog(hook == OG_HOOK_TC_INGRESS ? e->fix->progs.og_tc_ingress :
						  e->fix->progs.og_tc_egress,
		     buf, len, &skb, out, &out_len, &ret);
	if (!ASSERT_OK(r, "test run"))
		goto out;
	ASSERT_EQ((__u32)ret, (__u32)-1, "verdict TC_ACT_UNSPEC (observe)");
	ASSERT_TRUE(out_len == (__u32)len && !memcmp(out, buf, len),
		    "packet unmodified");
	for (r = 1; r <= OG_TRUNCATED; r++) {
		char what[64];

		snprintf(what, sizeof(what), "count of reason %d", r);
		ASSERT_EQ(read_reason(e->fix, skb.ifindex ? skb.ifindex : 1,
				      hook, r),
			  (c->expect & BIT(r)) ? 1 : 0, what);
	}
	if (ASSERT_TRUE(read_devstats(e->fix, 1, hook, &st), "devstats")) {
		ASSERT_EQ(st.packets, 1, "devstats packets");
		if (c->variant >= 0)
			ASSERT_EQ(st.seed_variant[c->variant], 1,
				  "seed variant");
	}
out:
	og_test_end();
}

/* --- policies: every fixture case again, under repair and strict --- */

#define STRICT_DROP	(BIT(OG_PARTIAL_BAD_START) | BIT(OG_PARTIAL_BAD_OFFSET) | \
			 BIT(OG_GSO_TYPE_MISMATCH) | BIT(OG_GSO_NOT_PARTIAL) | \
			 BIT(OG_GSO_BAD_L4_HDR) | BIT(OG_GSO_FRAGMENT) |	\
			 BIT(OG_GSO_BAD_TCP_FLAGS) | BIT(OG_TRUNCATED) |	\
			 BIT(OG_L4_BAD_CSUM) | BIT(OG_UNNECESSARY_BUT_BAD))

struct policy_run {
	const char	*suffix;
	enum og_policy	policy;
	__u32		flags;		/* OG_CONF_* */
};

static const struct policy_run policy_runs[] = {
	{ "repair", OG_POLICY_REPAIR, 0 },
	{ "strict", OG_POLICY_STRICT, 0 },
	{ "repair+omits", OG_POLICY_REPAIR, OG_CONF_WRITER_OMITS_CSUM },
	{ "strict+omits", OG_POLICY_STRICT, OG_CONF_WRITER_OMITS_CSUM },
};

static int set_policy(struct tc_guard *s, enum og_hook hook,
		      const struct policy_run *pr)
{
	struct og_dev_key key = { 1, hook };
	struct og_dev_conf conf = { .policy = pr->policy, .flags = pr->flags };

	return bpf_map_update_elem(bpf_map__fd(s->maps.og_config), &key, &conf,
				   BPF_ANY) ? -errno : 0;
}

static __u64 read_field(struct tc_guard *s, enum og_hook hook,
			enum og_reason r, size_t field)
{
	int ncpu = libbpf_num_possible_cpus();
	struct og_counter_key key = { 1, hook, r };
	struct og_counter vals[ncpu];
	__u64 sum = 0;
	int i;

	if (bpf_map_lookup_elem(bpf_map__fd(s->maps.og_counters), &key, vals))
		return 0;
	for (i = 0; i < ncpu; i++)
		sum += *(__u64 *)((char *)&vals[i] + field);
	return sum;
}

/*
 * What the policy must do with a case, from the case alone: strict drops
 * the drop classes (unless the omits flag repairs the only one raised);
 * repairs are the seed of a CHECKSUM_PARTIAL packet and, with the omits
 * flag, the checksums of a CHECKSUM_NONE one. A GSO size cannot be
 * lowered on a test-run skb (no gso_type): that repair must not be made.
 */
static void expect_policy(const struct prog_case *c,
			  const struct policy_run *pr, __u32 *repaired,
			  __u32 *dropped, int *verdict)
{
	__u32 fix = 0, drop;

	if ((pr->flags & OG_CONF_WRITER_OMITS_CSUM) &&
	    c->ip_summed == OG_CHECKSUM_NONE)
		fix |= c->expect & (BIT(OG_L3_BAD_CSUM) | BIT(OG_L4_BAD_CSUM));
	drop = pr->policy == OG_POLICY_STRICT ?
	       c->expect & STRICT_DROP & ~fix : 0;
	if (drop) {
		*repaired = fix;
		*dropped = c->expect;
		*verdict = 2;
		return;
	}
	if (c->ip_summed == OG_CHECKSUM_PARTIAL)
		fix |= c->expect & BIT(OG_PARTIAL_BAD_SEED);
	*repaired = fix;
	*dropped = 0;
	*verdict = -1;
}

/* Bytes that differ between in and out must all lie in [a, a+2) or [b, b+2). */
static bool only_fields_changed(const __u8 *in, const __u8 *out, int len,
				long a, long b)
{
	int i;

	for (i = 0; i < len; i++)
		if (in[i] != out[i] && !(i >= a && i < a + 2) &&
		    !(i >= b && i < b + 2))
			return false;
	return true;
}

static void run_policy_case(struct env *e, const struct prog_case *c,
			    const struct policy_run *pr)
{
	static __u8 buf[4096], out[4096];
	__u32 repaired, dropped, out_len = sizeof(out);
	struct __sk_buff skb = {};
	struct og_pkt pkt, opkt;
	enum og_hook hook;
	int len, ret = 0, r, verdict;
	long ip_field = -100, l4_field;
	char name[128];

	snprintf(name, sizeof(name), "prog/%s@%s", c->name, pr->suffix);
	og_test_begin(name);
	hook = c->hook == HOOK_OUT ? OG_HOOK_TC_EGRESS : OG_HOOK_TC_INGRESS;
	len = build_case(c, buf, sizeof(buf), &pkt);
	if (!ASSERT_TRUE(len > 0, "build packet"))
		goto out;
	if (c->l4 == OG_L4_CSUM_KEEP)
		og_pkt_set_l4_csum(&pkt, OG_L4_CSUM_SEED);
	fixture_meta(c, &pkt, &skb);
	/* a real gso_size, so the kernel itself judges a GSO re-cut */
	skb.gso_size = c->gso_size;
	if (!ASSERT_OK(clear_maps(e->fix), "clear maps") ||
	    !ASSERT_OK(set_policy(e->fix, hook, pr), "set policy"))
		goto out;
	r = run_prog(hook == OG_HOOK_TC_INGRESS ? e->fix->progs.og_tc_ingress :
						  e->fix->progs.og_tc_egress,
		     buf, len, &skb, out, &out_len, &ret);
	if (!ASSERT_OK(r, "test run"))
		goto out;
	expect_policy(c, pr, &repaired, &dropped, &verdict);
	ASSERT_EQ((__u32)ret, (__u32)verdict, "verdict");
	for (r = 1; r <= OG_TRUNCATED; r++) {
		char what[64];

		snprintf(what, sizeof(what), "reason %d repaired", r);
		ASSERT_EQ(read_field(e->fix, hook, r,
				     offsetof(struct og_counter, repaired)),
			  (repaired & BIT(r)) ? 1 : 0, what);
		snprintf(what, sizeof(what), "reason %d dropped", r);
		ASSERT_EQ(read_field(e->fix, hook, r,
				     offsetof(struct og_counter, dropped)),
			  (dropped & BIT(r)) ? 1 : 0, what);
	}
	if (!ASSERT_EQ(out_len, (__u32)len, "length unchanged"))
		goto out;

	/* What changed, and does it now verify? */
	l4_field = pkt.l4_off + pkt.csum_off;
	if (!pkt.ipv6)
		ip_field = pkt.l3_off + 10;
	opkt = pkt;
	opkt.data = out;
	/* the datagram is what the IP header says, padding excluded */
	opkt.l4_len += c->ip_len_delta;
	if (verdict == 2 || !repaired) {
		ASSERT_TRUE(!memcmp(out, buf, len), "packet unmodified");
	} else {
		ASSERT_TRUE(only_fields_changed(buf, out, len, l4_field,
						ip_field),
			    "only checksum fields changed");
		if (repaired & BIT(OG_PARTIAL_BAD_SEED))
			ASSERT_EQ(og_pkt_l4_csum_get(&opkt),
				  og_pkt_l4_csum_value(&pkt, OG_L4_CSUM_SEED),
				  "seed now right");
		if (repaired & BIT(OG_L4_BAD_CSUM))
			ASSERT_TRUE(og_pkt_l4_csum_ok(&opkt),
				    "filled L4 checksum verifies");
		if (repaired & BIT(OG_L3_BAD_CSUM))
			ASSERT_EQ(og_csum_fold(og_csum_add(0, out + pkt.l3_off,
					(out[pkt.l3_off] & 0xf) * 4)), 0xffff,
				  "filled IPv4 header checksum verifies");
	}
	if (!(repaired & (BIT(OG_L3_BAD_CSUM))) && ip_field >= 0)
		ASSERT_TRUE(out[ip_field] == buf[ip_field] &&
			    out[ip_field + 1] == buf[ip_field + 1],
			    "IPv4 header checksum untouched");
out:
	clear_map(bpf_map__fd(e->fix->maps.og_config), sizeof(struct og_dev_key));
	og_test_end();
}

/*
 * Fuzz the repair path: random and mutated frames, random metadata, random
 * policy. Whatever happens: a packet whose checksum claims to be complete
 * is never modified (the one exception: CHECKSUM_NONE on a device marked
 * --writer-omits-csum), a packet keeps its length, and every modified
 * packet, judged again with the same metadata, raises no checksum reason.
 */
static void test_repair_fuzz(struct env *e)
{
	static __u8 buf[4096], out[4096], out2[4096];
	unsigned int seed = 0xfeed, n, i, modified = 0, bad = 0, runs = 0;
	/* the repairs a test-run skb allows (no real GSO to re-cut) */
	const __u32 csum_fixable = BIT(OG_PARTIAL_BAD_SEED) |
				   BIT(OG_L3_BAD_CSUM) | BIT(OG_L4_BAD_CSUM);
	__u32 fixed;
	struct og_pkt_spec spec;
	struct og_pkt pkt;

	og_test_begin("prog/fuzz_repair_strict_complete_never_touched");
	for (n = 0; n < 4000 && !bad; n++) {
		struct policy_run pr = {
			.policy = rand_r(&seed) % 3,
			.flags = rand_r(&seed) & 1 ? OG_CONF_WRITER_OMITS_CSUM : 0,
		};
		struct __sk_buff skb = {};
		struct og_fixture_meta fm = {};
		__u32 out_len = sizeof(out), out2_len = sizeof(out2);
		enum og_hook hook = n & 1 ? OG_HOOK_TC_EGRESS :
					    OG_HOOK_TC_INGRESS;
		struct bpf_program *prog = hook == OG_HOOK_TC_EGRESS ?
			e->fix->progs.og_tc_egress : e->fix->progs.og_tc_ingress;
		bool may_touch;
		int len, ret = 0, r, flips;

		og_pkt_spec_init(&spec);
		spec.ether = true;
		spec.ipv6 = rand_r(&seed) & 1;
		spec.l4proto = rand_r(&seed) & 1 ? IPPROTO_TCP : IPPROTO_UDP;
		spec.payload_len = rand_r(&seed) % 1500;
		spec.l4_csum = rand_r(&seed) % 5;
		spec.bad_ip_csum = rand_r(&seed) % 4 == 0;
		if (spec.ipv6 && (rand_r(&seed) & 1))
			spec.ext[0] = OG_EXT_HBH + rand_r(&seed) % 4;
		len = og_pkt_build(&spec, buf, sizeof(buf), &pkt);
		if (len <= 0)
			continue;
		flips = rand_r(&seed) % 3 ? 0 : rand_r(&seed) % 4;
		for (i = 0; i < (unsigned int)flips; i++)
			buf[rand_r(&seed) % len] ^= 1 << (rand_r(&seed) % 8);
		fm.ip_summed = rand_r(&seed) & 3;
		/* right start/offset half the time, so repairs do happen */
		if (rand_r(&seed) & 1) {
			fm.csum_start = pkt.l4_off;
			fm.csum_offset = pkt.csum_off;
		} else {
			fm.csum_start = rand_r(&seed) % 200;
			fm.csum_offset = rand_r(&seed) % 40;
		}
		fm.gso_size = rand_r(&seed) % 3 ? 0 : rand_r(&seed) % 2000;
		fm.gso_type = rand_r(&seed) & 0x3ff;
		fm.mtu = 1500;
		fm.features = rand_r(&seed) & 0x3f;
		memcpy(skb.cb, &fm, sizeof(fm));
		skb.gso_size = fm.gso_size;
		clear_maps(e->fix);
		if (set_policy(e->fix, hook, &pr))
			bad++;
		r = run_prog(prog, buf, len, &skb, out, &out_len, &ret);
		if (r == -EINVAL && len < 14 + 40)
			continue;
		runs++;
		may_touch = fm.ip_summed == OG_CHECKSUM_PARTIAL ||
			    ((pr.flags & OG_CONF_WRITER_OMITS_CSUM) &&
			     fm.ip_summed == OG_CHECKSUM_NONE);
		if (!ASSERT_OK(r, "test run") ||
		    !ASSERT_TRUE(ret == -1 || ret == 2, "verdict") ||
		    !ASSERT_EQ(out_len, (__u32)len, "length kept")) {
			bad++;
			continue;
		}
		if (!memcmp(out, buf, len))
			continue;
		modified++;
		if (!ASSERT_TRUE(pr.policy != OG_POLICY_OBSERVE,
				 "observe modified a packet") ||
		    !ASSERT_TRUE(may_touch, "complete checksum modified")) {
			bad++;
			continue;
		}
		/* what did it repair? judge the result again, observing */
		fixed = 0;
		for (i = 1; i <= OG_TRUNCATED; i++)
			if (read_field(e->fix, hook, i,
				       offsetof(struct og_counter, repaired)))
				fixed |= BIT(i);
		if (!ASSERT_TRUE(fixed && !(fixed & ~csum_fixable),
				 "modified without a checksum repair counted")) {
			bad++;
			continue;
		}
		pr.policy = OG_POLICY_OBSERVE;
		clear_maps(e->fix);
		set_policy(e->fix, hook, &pr);
		r = run_prog(prog, out, len, &skb, out2, &out2_len, &ret);
		for (i = 1; i <= OG_TRUNCATED && !r; i++)
			if ((fixed & BIT(i)) &&
			    !ASSERT_EQ(read_reason(e->fix, 1, hook, i), 0,
				       "repaired packet still raises that reason")) {
				fprintf(stderr, "  reason %u: ip_summed %u gso %u/0x%x "
					"start %u off %u omits %u ipv6 %d proto %u\n",
					i, fm.ip_summed, fm.gso_size, fm.gso_type,
					fm.csum_start, fm.csum_offset, pr.flags,
					spec.ipv6, spec.l4proto);
				bad++;
			}
	}
	clear_map(bpf_map__fd(e->fix->maps.og_config), sizeof(struct og_dev_key));
	ASSERT_TRUE(runs > 3500, "most frames reached the program");
	ASSERT_TRUE(modified > 100, "repairs actually happened");
	fprintf(stderr, "  repair fuzz: %u runs, %u modified\n", runs, modified);
	og_test_end();
}

/*
 * Real captures (../shared/corpus, Zeek's checksum traces, one packet
 * each): good ones raise no checksum reason, bad ones exactly the one
 * they hold. The IPv6 type-0 routing header and home-address traces are
 * the ones a checker without RFC 8200/6275 pseudo-headers gets wrong.
 */
static void test_corpus_chksums(struct env *e, const char *root)
{
	static const struct {
		const char	*file;
		__u32		expect;
	} traces[] = {
		{ "ip4-bad-chksum.pcap",		BIT(OG_L3_BAD_CSUM) },
		{ "ip4-icmp-bad-chksum.pcap",		BIT(OG_L4_BAD_CSUM) },
		{ "ip4-icmp-good-chksum.pcap",		0 },
		{ "ip4-tcp-bad-chksum.pcap",		BIT(OG_L4_BAD_CSUM) },
		{ "ip4-tcp-good-chksum.pcap",		0 },
		{ "ip4-udp-bad-chksum.pcap",		BIT(OG_L4_BAD_CSUM) },
		{ "ip4-udp-good-chksum.pcap",		0 },
		{ "ip6-hoa-tcp-bad-chksum.pcap",	BIT(OG_L4_BAD_CSUM) },
		{ "ip6-hoa-tcp-good-chksum.pcap",	0 },
		{ "ip6-hoa-udp-bad-chksum.pcap",	BIT(OG_L4_BAD_CSUM) },
		{ "ip6-hoa-udp-good-chksum.pcap",	0 },
		{ "ip6-icmp6-bad-chksum.pcap",		BIT(OG_L4_BAD_CSUM) },
		{ "ip6-icmp6-good-chksum.pcap",		0 },
		{ "ip6-route0-icmp6-bad-chksum.pcap",	BIT(OG_L4_BAD_CSUM) },
		{ "ip6-route0-icmp6-good-chksum.pcap",	0 },
		{ "ip6-route0-tcp-bad-chksum.pcap",	BIT(OG_L4_BAD_CSUM) },
		{ "ip6-route0-tcp-good-chksum.pcap",	0 },
		{ "ip6-route0-udp-bad-chksum.pcap",	BIT(OG_L4_BAD_CSUM) },
		{ "ip6-route0-udp-good-chksum.pcap",	0 },
		{ "ip6-tcp-bad-chksum.pcap",		BIT(OG_L4_BAD_CSUM) },
		{ "ip6-tcp-good-chksum.pcap",		0 },
		{ "ip6-udp-bad-chksum.pcap",		BIT(OG_L4_BAD_CSUM) },
		{ "ip6-udp-good-chksum.pcap",		0 },
	};
	static __u8 buf[4096];
	char path[4096], name[160];
	size_t i;

	snprintf(path, sizeof(path), "%s" CORPUS_CHKSUMS, root);
	if (access(path, R_OK)) {
		og_test_skip("prog/corpus_zeek_chksums/*",
			     "../shared/corpus not present (a fresh clone elsewhere)");
		return;
	}
	for (i = 0; i < sizeof(traces) / sizeof(traces[0]); i++) {
		struct __sk_buff skb = {};
		int len, ret, r;

		snprintf(name, sizeof(name), "prog/corpus_zeek_chksums/%s",
			 traces[i].file);
		og_test_begin(name);
		snprintf(path, sizeof(path), "%s" CORPUS_CHKSUMS "%s", root,
			 traces[i].file);
		len = pcap_first_ether(path, buf, sizeof(buf));
		if (!ASSERT_TRUE(len > 0, "read first packet"))
			goto next;
		clear_maps(e->prod);
		if (!ASSERT_OK(run_prog(e->prod->progs.og_tc_ingress, buf, len,
					&skb, NULL, NULL, &ret), "test run"))
			goto next;
		for (r = 1; r <= OG_TRUNCATED; r++) {
			char what[64];

			snprintf(what, sizeof(what), "count of reason %d", r);
			ASSERT_EQ(read_reason(e->prod, 1, OG_HOOK_TC_INGRESS, r),
				  (traces[i].expect & BIT(r)) ? 1 : 0, what);
		}
next:
		og_test_end();
	}
}

/* UDP whose true checksum is 0: must travel as 0xffff, and verify. */
static void test_csum_edges(struct env *e)
{
	static __u8 buf[512];
	struct __sk_buff skb = {};
	struct og_pkt_spec spec;
	struct og_pkt pkt;
	int len, ret, r, k;
	__u16 c;

	og_test_begin("prog/csum_udp_zero_result_sent_as_ffff");
	og_pkt_spec_init(&spec);
	spec.ether = true;
	spec.l4proto = IPPROTO_UDP;
	spec.payload_len = 32;
	len = og_pkt_build(&spec, buf, sizeof(buf), &pkt);
	if (!ASSERT_TRUE(len > 0, "build"))
		goto out;
	/*
	 * Adjust two payload bytes until the complete checksum is 0x0000
	 * (sum 0xffff): the one value UDP must send as 0xffff.
	 */
	for (k = 0; k < 0x10000; k++) {
		buf[pkt.payload_off] = k >> 8;
		buf[pkt.payload_off + 1] = k & 0xff;
		c = og_pkt_l4_csum_value(&pkt, OG_L4_CSUM_FULL);
		if (c == 0 || c == 0xffff)
			break;
	}
	if (!ASSERT_TRUE(k < 0x10000, "found a zero-checksum payload"))
		goto out;
	for (k = 0; k < 3; k++) {
		/* 0xffff and 0x0000 verify (one's-complement -0 and +0) */
		__u16 field = k == 0 ? 0xffff : k == 1 ? 0x0000 : 0xfffe;

		og_pkt_set_l4_csum(&pkt, OG_L4_CSUM_KEEP);
		field = htons(field);
		memcpy(buf + pkt.l4_off + 6, &field, 2);
		clear_maps(e->prod);
		r = run_prog(e->prod->progs.og_tc_ingress, buf, len, &skb,
			     NULL, NULL, &ret);
		if (!ASSERT_OK(r, "test run"))
			goto out;
		/* field 0 on IPv4 means "no checksum": never a reason */
		ASSERT_EQ(read_reason(e->prod, 1, OG_HOOK_TC_INGRESS,
				      OG_L4_BAD_CSUM), k == 2 ? 1 : 0,
			  k == 0 ? "0xffff verifies" :
			  k == 1 ? "0x0000 = none" : "0xfffe fails");
	}
out:
	og_test_end();
}

/*
 * Every L4 length from 8 to ~1.6 KB and around 3 KB (block boundaries,
 * power-of-two tails, odd bytes): a good checksum raises nothing, the
 * same packet with its last byte changed raises l4_bad_csum.
 */
static void test_csum_length_sweep(struct env *e)
{
	static __u8 buf[4096];
	struct __sk_buff skb = {};
	struct og_pkt_spec spec;
	struct og_pkt pkt;
	unsigned int plen;
	bool ok = true;
	int len, ret;

	og_test_begin("prog/csum_length_sweep_every_tail");
	for (plen = 0; plen < 3200 && ok; plen++) {
		if (plen == 1600)
			plen = 2900;
		og_pkt_spec_init(&spec);
		spec.ether = true;
		spec.ipv6 = plen & 1;
		spec.l4proto = IPPROTO_UDP;
		spec.payload_len = plen;
		spec.pattern_seed = plen;
		len = og_pkt_build(&spec, buf, sizeof(buf), &pkt);
		clear_maps(e->prod);
		ok = ASSERT_OK(run_prog(e->prod->progs.og_tc_ingress, buf, len,
					&skb, NULL, NULL, &ret), "run good") &&
		     ASSERT_EQ(read_reason(e->prod, 1, OG_HOOK_TC_INGRESS,
					   OG_L4_BAD_CSUM), 0, "good verifies");
		if (!ok || !plen)
			break;
		buf[len - 1] ^= 0x5a;
		ok = ASSERT_OK(run_prog(e->prod->progs.og_tc_ingress, buf, len,
					&skb, NULL, NULL, &ret), "run bad") &&
		     ASSERT_EQ(read_reason(e->prod, 1, OG_HOOK_TC_INGRESS,
					   OG_L4_BAD_CSUM), 1, "last byte caught");
		if (!ok)
			fprintf(stderr, "  at payload length %u\n", plen);
	}
	og_test_end();
}

/* The production path (bpf_cast_to_kern_ctx) on what test-run can set. */
static void test_prod_path(struct env *e)
{
	static __u8 buf[4096];
	struct __sk_buff skb = {};
	struct og_pkt_spec spec;
	struct og_dev_stats st;
	struct og_pkt pkt;
	int len, ret, r;

	og_test_begin("prog/production_meta_none_bad_l4");
	og_pkt_spec_init(&spec);
	spec.ether = true;
	spec.l4proto = IPPROTO_TCP;
	spec.payload_len = 1460;
	spec.l4_csum = OG_L4_CSUM_BAD;
	len = og_pkt_build(&spec, buf, sizeof(buf), &pkt);
	clear_maps(e->prod);
	r = run_prog(e->prod->progs.og_tc_ingress, buf, len, &skb, NULL, NULL,
		     &ret);
	if (ASSERT_OK(r, "test run")) {
		ASSERT_EQ(read_reason(e->prod, 1, OG_HOOK_TC_INGRESS,
				      OG_L4_BAD_CSUM), 1, "l4_bad_csum");
		ASSERT_TRUE(read_devstats(e->prod, 1, OG_HOOK_TC_INGRESS, &st),
			    "devstats");
		ASSERT_EQ(st.csum_none, 1, "ip_summed read as NONE");
		ASSERT_EQ(st.l4_verified, 1, "full L4 verify ran");
	}
	og_test_end();

	og_test_begin("prog/production_meta_gso_size_without_type");
	og_pkt_set_l4_csum(&pkt, OG_L4_CSUM_FULL);
	skb.gso_size = 1000;
	skb.gso_segs = 2;
	clear_maps(e->prod);
	r = run_prog(e->prod->progs.og_tc_ingress, buf, len, &skb, NULL, NULL,
		     &ret);
	if (ASSERT_OK(r, "test run")) {
		/* gso_size read from the real shinfo; type 0, not partial */
		ASSERT_EQ(read_reason(e->prod, 1, OG_HOOK_TC_INGRESS,
				      OG_GSO_TYPE_MISMATCH), 1,
			  "gso_type_mismatch");
		ASSERT_EQ(read_reason(e->prod, 1, OG_HOOK_TC_INGRESS,
				      OG_GSO_NOT_PARTIAL), 1, "gso_not_partial");
		ASSERT_TRUE(read_devstats(e->prod, 1, OG_HOOK_TC_INGRESS, &st),
			    "devstats");
		ASSERT_EQ(st.gso_packets, 1, "gso counted");
		ASSERT_EQ(st.gso_segs, 2, "gso_segs read from shinfo");
	}
	og_test_end();
}

/*
 * Malformed and mutated frames: whatever the bytes and metadata, the
 * program returns TC_ACT_UNSPEC and leaves the packet as it was.
 */
static void test_mutation_fuzz(struct env *e)
{
	static __u8 buf[4096], out[4096];
	unsigned int seed = 0x0ff6, i, n, bad = 0, refused = 0;
	struct og_pkt_spec spec;
	struct og_pkt pkt;

	og_test_begin("prog/fuzz_malformed_never_modified_or_dropped");
	for (n = 0; n < 3000 && !bad; n++) {
		struct __sk_buff skb = {};
		struct og_fixture_meta fm = {};
		__u32 out_len = sizeof(out);
		int len, ret = 0, r, flips;

		og_pkt_spec_init(&spec);
		spec.ether = true;
		spec.ipv6 = rand_r(&seed) & 1;
		spec.l4proto = rand_r(&seed) & 1 ? IPPROTO_TCP : IPPROTO_UDP;
		spec.payload_len = rand_r(&seed) % 1500;
		if (spec.ipv6 && (rand_r(&seed) & 1))
			spec.ext[0] = OG_EXT_HBH + rand_r(&seed) % 4;
		len = og_pkt_build(&spec, buf, sizeof(buf), &pkt);
		if (len <= 0)
			continue;
		/* cut it short sometimes, then flip header bytes */
		if (rand_r(&seed) % 4 == 0)
			len = 14 + rand_r(&seed) % (len - 13);
		flips = rand_r(&seed) % 6;
		for (i = 0; i < (unsigned int)flips; i++)
			buf[rand_r(&seed) % (len < 80 ? len : 80)] ^=
				1 << (rand_r(&seed) % 8);
		fm.ip_summed = rand_r(&seed) & 3;
		fm.csum_start = rand_r(&seed) % 200;
		fm.csum_offset = rand_r(&seed) % 40;
		fm.gso_size = rand_r(&seed) & 1 ? rand_r(&seed) % 2000 : 0;
		fm.gso_type = rand_r(&seed) & 0x3ff;
		fm.mtu = rand_r(&seed) % 9000;
		fm.features = rand_r(&seed) & 0x3f;
		fm.flags = rand_r(&seed) & 3;
		memcpy(skb.cb, &fm, sizeof(fm));
		r = run_prog(n & 1 ? e->fix->progs.og_tc_egress :
				     e->fix->progs.og_tc_ingress,
			     buf, len, &skb, out, &out_len, &ret);
		/* test-run itself refuses some short frames: not our verdict */
		if (r == -EINVAL && len < 14 + 40) {
			refused++;
			continue;
		}
		if (!ASSERT_OK(r, "test run") ||
		    !ASSERT_EQ((__u32)ret, (__u32)-1, "verdict") ||
		    !ASSERT_TRUE(out_len == (__u32)len &&
				 !memcmp(out, buf, len), "unmodified"))
			bad++;
	}
	ASSERT_TRUE(refused < n / 10, "most mutated frames reached the program");
	og_test_end();
}

void og_xdp_tests(const char *filter);	/* xdp_tests.c */

int main(int argc, char **argv)
{
	struct env e = {};
	size_t i, j;

	if (geteuid() != 0) {
		og_test_skip("prog/*", "needs root for BPF_PROG_TEST_RUN");
		return 0;
	}
	og_test_begin("prog/load_verifier_accepts");
	e.fix = og_load_guard(true);
	e.prod = og_load_guard(false);
	ASSERT_OK_PTR(e.fix, "fixture instance");
	ASSERT_OK_PTR(e.prod, "production instance");
	og_test_end();
	if (!e.fix || !e.prod)
		return 1;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (argc < 2 || strstr(cases[i].name, argv[1]))
			run_case(&e, &cases[i]);
	for (j = 0; j < sizeof(policy_runs) / sizeof(policy_runs[0]); j++)
		for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
			if (argc < 2 || strstr(cases[i].name, argv[1]))
				run_policy_case(&e, &cases[i], &policy_runs[j]);
	test_csum_edges(&e);
	test_csum_length_sweep(&e);
	test_prod_path(&e);
	test_mutation_fuzz(&e);
	test_repair_fuzz(&e);
	test_corpus_chksums(&e, getenv("OG_ROOT") ? getenv("OG_ROOT") : ".");
	og_xdp_tests(argc < 2 ? NULL : argv[1]);

	tc_guard__destroy(e.fix);
	tc_guard__destroy(e.prod);
	return og_t.fails ? 1 : 0;
}
