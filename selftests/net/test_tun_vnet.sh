#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# A TUN writer with IFF_VNET_HDR hands the kernel untrusted offload
# metadata; offguard on the TUN's tc ingress is the first to see the skb
# the kernel built from it (virtio_net_hdr_to_skb). Every rule a writer
# can trigger through a real TUN is hit here: send N frames, expect that
# rule counted exactly N times and no other rule counted at all. Frames
# with correct metadata must count nothing.
#
# Some metadata never reaches tc: the kernel refuses the write (EINVAL)
# in virtio_net_hdr_to_skb / tun_vnet_hdr_get. Those cases are checked
# too ("kernel rejects ..."), so a kernel that starts accepting them
# shows up here; the rules behind them are covered by the prog tests.
# OG_TEST_ID is read by lib.sh; option strings ($TSO, $PKT...) are split
# on purpose.
# shellcheck disable=SC2034,SC2086 source-path=SCRIPTDIR
OG_TEST_ID='tu'
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

og_need_root
og_need_tools "$OG_SEND"

N=7
HOOK=tc-ingress
TAP=""

og_ns_add NS || exit 1
og_name DEV
if ! og_tun "$NS" "$DEV"; then
	og_fail tun_setup "cannot create TUN $DEV"
	exit 0
fi
if ! og_attach "$NS" "$DEV" "$HOOK"; then
	og_fail tun_attach "offguard attach $DEV --hook $HOOK failed"
	exit 0
fi

# tun_case NAME WANT OG_SEND_ARGS...: WANT is the exact set of reasons
# counted by the N frames, "name=count ..." sorted, or "none".
tun_case()
{
	local name=$1 want=$2 err got

	shift 2
	if ! og_snap "$NS" "$DEV" "$HOOK"; then
		og_fail "$name" "stats -j: $(head -c 300 "$OG_TMP/stats.err")"
		return 1
	fi
	if ! err=$(og_send "$NS" tun --dev "$DEV" $TAP --count "$N" "$@" 2>&1); then
		og_fail "$name" "$err"
		return 1
	fi
	got=$(og_delta "$NS" "$DEV" "$HOOK")
	og_expect "$name" "$got" "$want"
}

# tun_rejected NAME OG_SEND_ARGS...: the kernel must refuse the write.
tun_rejected()
{
	local name=$1 err got

	shift
	og_snap "$NS" "$DEV" "$HOOK"
	if err=$(og_send "$NS" tun --dev "$DEV" --count 1 "$@" 2>&1); then
		got=$(og_delta "$NS" "$DEV" "$HOOK")
		og_fail "$name" "the kernel accepted it (counted: $got): now reachable, add a real-traffic case"
	elif [[ "$err" != *"Invalid argument"* ]]; then
		og_fail "$name" "unexpected error: $err"
	else
		og_pass "$name"
	fi
}

# variant_check NAME VARIANT WANT: cumulative seed-variant count.
variant_check()
{
	local got

	got=$(og_json_get "$NS" "$DEV" "$HOOK" "variants.$2")
	og_expect "$1" "$got" "$3"
}

TSO="--flags needs_csum --tcp-flags A --len 4000"

# --- negative controls: right metadata, nothing to report ---------------
og_snap "$NS" "$DEV" "$HOOK"
pk0=$(og_json_file_get "$OG_TMP/snap.json" "$DEV" "$HOOK" packets)
[ "$pk0" = ERR ] && pk0=0
tun_case tun_good_tcp4_csum_none	none --len 100
tun_case tun_good_tcp4_partial		none --flags needs_csum --len 100
tun_case tun_good_tcp4_syn_opts_partial	none --flags needs_csum --tcp-flags S \
	--mss 1460 --ts --ip-opts 8
tun_case tun_good_udp4_csum_none	none --proto udp --len 33
tun_case tun_good_udp4_no_csum		none --proto udp --len 33 --seed zero
tun_case tun_good_udp4_partial		none --proto udp --len 33 --flags needs_csum
tun_case tun_good_tcp6_exthdr_partial	none --ipv6 --ext hbh,dst --flags needs_csum --len 99
tun_case tun_good_udp6_exthdr_csum_none	none --ipv6 --ext dst --proto udp --len 1
tun_case tun_good_tcp6_rt2_csum_none	none --ipv6 --ext rt2 --len 40
tun_case tun_good_tcp6_rt2_partial	none --ipv6 --ext rt2 --flags needs_csum --len 40
tun_case tun_good_tso4			none --gso tcpv4 --gso-size 1400 $TSO
tun_case tun_good_tso4_ecn		none --gso tcpv4 --gso-size 1400 --ecn $TSO
tun_case tun_good_tso6			none --ipv6 --gso tcpv6 --gso-size 1400 $TSO
tun_case tun_good_uso4			none --proto udp --gso udp_l4 --gso-size 1400 \
	--flags needs_csum --len 4000
tun_case tun_good_uso6			none --ipv6 --proto udp --gso udp_l4 --gso-size 1400 \
	--flags needs_csum --len 4000
# Legacy UFO (VIRTIO_NET_HDR_GSO_UDP) on UDP: still accepted, not a fault.
tun_case tun_good_ufo4			none --proto udp --gso udp --gso-size 1400 \
	--flags needs_csum --len 4000
# A GSO flag on a frame no longer than gso_size: the kernel drops the GSO
# part ("too small packets are not really GSO ones").
tun_case tun_good_small_gso		none --gso tcpv4 --gso-size 1400 \
	--flags needs_csum --len 100
pk=$(og_json_get "$NS" "$DEV" "$HOOK" packets)
og_expect tun_good_packets_counted "$((pk - pk0))" "$((17 * N))"
gso=$(og_json_get "$NS" "$DEV" "$HOOK" gso.packets)
og_expect tun_good_gso_counted "$gso" "$((6 * N))"

# --- CHECKSUM_PARTIAL faults ---------------------------------------------
tun_case tun_partial_bad_seed_full	"partial_bad_seed=$N" \
	--flags needs_csum --seed full --tcp-flags S
variant_check tun_partial_bad_seed_full_variant full_csum "$N"
tun_case tun_partial_bad_seed_lengthless "partial_bad_seed=$N" \
	--flags needs_csum --seed lengthless --len 10
variant_check tun_partial_bad_seed_lengthless_variant lengthless_seed "$N"
tun_case tun_partial_bad_seed_zero	"partial_bad_seed=$N" \
	--flags needs_csum --seed zero --len 10
variant_check tun_partial_bad_seed_zero_variant zero "$N"
tun_case tun_partial_bad_seed_udp6_full	"partial_bad_seed=$N" \
	--ipv6 --proto udp --flags needs_csum --seed full --len 33
variant_check tun_partial_bad_seed_udp6_full_variant full_csum "$((2 * N))"
tun_case tun_partial_bad_seed_other	"partial_bad_seed=$N" \
	--flags needs_csum --seed bad --len 10
variant_check tun_partial_bad_seed_other_variant other "$N"
tun_case tun_partial_bad_offset_tcp	"partial_bad_offset=$N" \
	--flags needs_csum --csum-offset 10 --len 20
tun_case tun_partial_bad_offset_udp	"partial_bad_offset=$N" \
	--proto udp --flags needs_csum --csum-offset 16 --len 20
tun_case tun_partial_bad_start		"partial_bad_start=$N" \
	--flags needs_csum --csum-start 24 --len 20
tun_case tun_partial_bad_start_ipopts	"partial_bad_start=$N" \
	--ip-opts 4 --flags needs_csum --csum-start 20 --len 20

# --- checksums that claim to be complete --------------------------------
tun_case tun_l4_bad_csum_tcp4		"l4_bad_csum=$N" --seed bad --len 20
tun_case tun_l4_bad_csum_udp4		"l4_bad_csum=$N" --proto udp --seed bad --len 20
tun_case tun_l4_bad_csum_tcp6		"l4_bad_csum=$N" --ipv6 --ext hbh --seed bad --len 20
# DATA_VALID is ignored on the way in (virtio_net_hdr_to_skb reads only
# NEEDS_CSUM): the skb is CHECKSUM_NONE, so a wrong checksum is
# l4_bad_csum, never unnecessary_but_bad.
tun_case tun_data_valid_is_csum_none	"l4_bad_csum=$N" \
	--flags data_valid --seed bad --len 20
tun_case tun_l3_bad_csum		"l3_bad_csum=$N" --bad-ip-csum --len 20
tun_case tun_udp6_zero_csum		"udp6_zero_csum=$N" \
	--ipv6 --proto udp --seed zero --len 10
tun_case tun_truncated_ipv4		"truncated=$N" --truncate-ip --len 20
tun_case tun_truncated_ipv6		"truncated=$N" --ipv6 --truncate-ip --len 20

# --- GSO faults -----------------------------------------------------------
# tun MTU 1500: 20 + 20 bytes of headers + 1500 do not fit.
tun_case tun_gso_size_exceeds_mtu	"gso_size_exceeds_mtu=$N" \
	--gso tcpv4 --gso-size 1500 $TSO
tun_case tun_gso_bad_tcp_flags_syn	"gso_bad_tcp_flags=$N" \
	--gso tcpv4 --gso-size 1000 --flags needs_csum --len 3000 --tcp-flags S
tun_case tun_gso_bad_tcp_flags_rst	"gso_bad_tcp_flags=$N" \
	--gso tcpv4 --gso-size 1000 --flags needs_csum --len 3000 --tcp-flags RA
tun_case tun_gso_fragment		"gso_fragment=$N" \
	--gso tcpv4 --gso-size 1000 --frag $TSO
tun_case tun_gso_type_mismatch_tcpv4_on_ipv6 "gso_type_mismatch=$N" \
	--ipv6 --gso tcpv4 --gso-size 1000 $TSO
# USO on TCP gets through only with the UDP checksum offset (6), which is
# wrong for TCP: both rules. Legacy UFO is not checked against L4 at all.
tun_case tun_gso_type_mismatch_udp_l4_on_tcp \
	"gso_type_mismatch=$N partial_bad_offset=$N" \
	--gso udp_l4 --gso-size 1000 --csum-offset 6 $TSO
tun_case tun_gso_type_mismatch_ufo_on_tcp "gso_type_mismatch=$N" \
	--gso udp --gso-size 1000 $TSO
tun_case tun_gso_bad_l4_hdr_doff4	"gso_bad_l4_hdr=$N" \
	--gso tcpv4 --gso-size 1000 --doff 4 $TSO
tun_case tun_gso_not_partial		"gso_not_partial=$N" \
	--gso tcpv4 --gso-size 1000 --tcp-flags A --len 4000

# --- what the kernel refuses before tc ------------------------------------
tun_rejected tun_kernel_rejects_tcpv6_gso_on_ipv4 \
	--gso tcpv6 --gso-size 1000 $TSO
tun_rejected tun_kernel_rejects_udp_l4_gso_on_tcp \
	--gso udp_l4 --gso-size 1000 $TSO
tun_rejected tun_kernel_rejects_udp_l4_gso_without_needs_csum \
	--proto udp --gso udp_l4 --gso-size 1000 --len 4000
tun_rejected tun_kernel_rejects_udp_l4_gso_over_128_segs \
	--proto udp --gso udp_l4 --gso-size 10 --flags needs_csum --len 2000
tun_rejected tun_kernel_rejects_tso_csum_offset_10 \
	--gso tcpv4 --gso-size 1000 --csum-offset 10 $TSO
tun_rejected tun_kernel_rejects_gso_size_0 --gso tcpv4 --gso-size 0 $TSO
tun_rejected tun_kernel_rejects_gso_size_0xffff --gso tcpv4 --gso-size 65535 $TSO
tun_rejected tun_kernel_rejects_unknown_gso_type --gso 2 --gso-size 1000 $TSO
tun_rejected tun_kernel_rejects_csum_past_end \
	--flags needs_csum --csum-start 60 --len 10
tun_rejected tun_kernel_rejects_csum_start_in_l3 \
	--flags needs_csum --csum-start 10 --len 10
tun_rejected tun_kernel_rejects_hdr_len_past_end \
	--flags needs_csum --hdr-len 2000 --len 10

# --- the same writer on a TAP: Ethernet frames, VLAN tags ----------------
# The kernel moves a VLAN tag out of the frame (skb_vlan_untag) before tc
# ingress; csum_start, counted from the frame's start, still points at L4.
og_name TAPDEV
if og_tun "$NS" "$TAPDEV" --tap && og_attach "$NS" "$TAPDEV" "$HOOK"; then
	TUNDEV=$DEV
	DEV=$TAPDEV
	TAP=--tap
	tun_case tap_good_partial		none --flags needs_csum --len 100
	tun_case tap_good_tso4			none --gso tcpv4 --gso-size 1448 $TSO
	tun_case tap_good_vlan_partial		none --vlan 5 --flags needs_csum --len 100
	tun_case tap_partial_bad_seed_full	"partial_bad_seed=$N" \
		--flags needs_csum --seed full --tcp-flags S
	tun_case tap_vlan_partial_bad_seed_full	"partial_bad_seed=$N" \
		--vlan 5 --flags needs_csum --seed full --tcp-flags S
	tun_case tap_gso_size_exceeds_mtu	"gso_size_exceeds_mtu=$N" \
		--gso tcpv4 --gso-size 1500 $TSO
	tun_case tap_l4_bad_csum_ipv6		"l4_bad_csum=$N" --ipv6 --seed bad --len 20
	DEV=$TUNDEV
	TAP=""
else
	og_fail tap_setup "cannot create or attach TAP $TAPDEV"
fi

# --- last, as it changes the device: gso_max_segs is a transmit limit ----
# (gso_features_check): a frame the TUN receives is not judged against the
# TUN's own limit. test_strict counts the rule where it applies, on the
# egress device.
if ip -n "$NS" link set "$DEV" gso_max_segs 4 2>/dev/null; then
	tun_case tun_gso_max_segs_not_judged_at_ingress none \
		--gso tcpv4 --gso-size 100 --flags needs_csum --tcp-flags A --len 1000
else
	og_skip tun_gso_max_segs_not_judged_at_ingress "ip link set gso_max_segs not supported"
fi

exit 0
