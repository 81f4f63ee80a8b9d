#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The kernel as the oracle for the segmentation core (user/seg.c): a
# super-frame with GSO metadata leaves veth end A through AF_PACKET with
# PACKET_VNET_HDR; A has tso, gso and tx checksumming off, so the kernel
# segments it in software and completes every checksum; B's capture holds
# the kernel's segments. og_segcmp segments the same frame (og_send pcap,
# same arguments) with og_segment() and compares byte for byte. No field
# is exempt: AF_PACKET frames carry no SKB_GSO_TCP_FIXEDID, nothing is
# forwarded (TTL, MACs untouched).
# shellcheck disable=SC2034,SC2086 source-path=SCRIPTDIR
OG_TEST_ID='sk'
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

SEGCMP=${SEGCMP:-$OG_OUT/og_segcmp}

og_need_root
og_need_tools "$OG_SEND" "$SEGCMP"
skip_if_missing tcpdump || exit 0
skip_if_missing ethtool || exit 0

og_ns_add NA || exit 1
og_ns_add NB || exit 1
og_name VA
og_name VB
if ! og_veth "$NA" "$VA" "$NB" "$VB"; then
	og_fail seg_setup "cannot create veth $VA/$VB"
	exit 0
fi
# No IPv6 on the pair: router and neighbour solicitations would land in
# the capture between the segments.
ip netns exec "$NA" sysctl -qw "net.ipv6.conf.$VA.disable_ipv6=1"
ip netns exec "$NB" sysctl -qw "net.ipv6.conf.$VB.disable_ipv6=1"
if ! ip netns exec "$NA" ethtool -K "$VA" tso off gso off tx off >/dev/null 2>&1; then
	og_fail seg_setup "ethtool -K $VA tso off gso off tx off failed"
	exit 0
fi
MAC_B=$(ip netns exec "$NB" cat "/sys/class/net/$VB/address")
MAC_A=$(ip netns exec "$NA" cat "/sys/class/net/$VA/address")

# seg_case NAME TYPE MSS OG_SEND_ARGS...: send one super-frame, compare.
seg_case()
{
	local name=$1 type=$2 mss=$3 out

	shift 3
	if ! out=$("$OG_SEND" pcap --ether --src-mac "$MAC_A" --dst-mac "$MAC_B" --out "$OG_TMP/in.pcap" \
		   "$@" 2>&1); then
		og_fail "$name" "og_send pcap: $out"
		return
	fi
	if ! og_cap_start "$NB" "$VB" "$OG_TMP/got.pcap" ip or ip6; then
		og_fail "$name" "tcpdump did not start"
		return
	fi
	if ! out=$(og_send "$NA" packet --ifname "$VA" --src-mac "$MAC_A" --dst-mac "$MAC_B" "$@" 2>&1); then
		og_cap_stop
		og_fail "$name" "og_send packet: $out"
		return
	fi
	if ! og_cap_stop; then
		og_fail "$name" "the capture dropped packets"
		return
	fi
	out=$("$SEGCMP" --in "$OG_TMP/in.pcap" --got "$OG_TMP/got.pcap" \
	      --type "$type" --mss "$mss" 2>&1)
	case "$out" in
	ok*) og_pass "$name" ;;
	*) og_fail "$name" "$out" ;;
	esac
}

TCP="--flags needs_csum --ts --mss 1460 --id 4660"
T4="--gso tcpv4 $TCP"
T6="--ipv6 --gso tcpv6 $TCP"
U4="--proto udp --gso udp_l4 --flags needs_csum --id 4660"
U6="--ipv6 --proto udp --gso udp_l4 --flags needs_csum"

seg_case seg_tcp4_multiple	tcp 1000 $T4 --gso-size 1000 --len 4000 --tcp-flags A
seg_case seg_tcp4_short_last	tcp 1448 $T4 --gso-size 1448 --len 5000 --tcp-flags PA
seg_case seg_tcp4_fin_psh_cwr	tcp 700  $T4 --gso-size 700 --len 2101 --tcp-flags FPAC
seg_case seg_tcp4_ecn		tcp 536  $T4 --gso-size 536 --len 1609 --tcp-flags EA --ecn
seg_case seg_tcp4_ipopts	tcp 1200 $T4 --gso-size 1200 --len 3601 --tcp-flags PA --ip-opts 12
seg_case seg_tcp4_mss_plus1	tcp 999  $T4 --gso-size 999 --len 1000 --tcp-flags FPA
seg_case seg_tcp4_odd_mss	tcp 1001 $T4 --gso-size 1001 --len 3003 --tcp-flags PA
seg_case seg_tcp4_tiny_mss	tcp 1    $T4 --gso-size 1 --len 7 --tcp-flags FPAC
seg_case seg_tcp4_no_df		tcp 500  $T4 --gso-size 500 --len 1499 --tcp-flags A --no-df
seg_case seg_tcp6_multiple	tcp 1428 $T6 --gso-size 1428 --len 4284 --tcp-flags A
seg_case seg_tcp6_fin_psh_cwr	tcp 1000 $T6 --gso-size 1000 --len 2999 --tcp-flags FPAC
seg_case seg_tcp6_ext		tcp 1200 $T6 --gso-size 1200 --len 3000 --tcp-flags PA --ext hbh,dst
seg_case seg_tcp6_rt2		tcp 1200 $T6 --gso-size 1200 --len 2401 --tcp-flags PA --ext rt2
seg_case seg_udp4_multiple	udp 1472 $U4 --gso-size 1472 --len 4416
seg_case seg_udp4_short_last	udp 1472 $U4 --gso-size 1472 --len 4000
seg_case seg_udp4_mss_plus1	udp 1000 $U4 --gso-size 1000 --len 1001
seg_case seg_udp4_odd		udp 333  $U4 --gso-size 333 --len 1000
seg_case seg_udp6_multiple	udp 1452 $U6 --gso-size 1452 --len 4356
seg_case seg_udp6_short_last	udp 1452 $U6 --gso-size 1452 --len 3000
seg_case seg_udp6_ext		udp 1000 $U6 --gso-size 1000 --len 2555 --ext dst

exit 0
