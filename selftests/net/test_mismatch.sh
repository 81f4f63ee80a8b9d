#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Offload mismatches on tc egress: a packet that needs an offload the
# device does not have is not a fault, but the kernel then does the work
# in software (skb_csum_hwoffload_help, validate_xmit_skb's software GSO)
# and offguard reports it: partial_no_tx_csum, gso_no_tso.
#
# Phase 1: va with `ethtool -K tx off tso off gso off`.
# Phase 2: va with tx checksumming back on, TSO and USO off.
# Senders whose packet count is known (AF_PACKET frames, UDP_SEGMENT
# sends: one skb per send) are counted exactly; TCP through the stack
# makes as many segments as its congestion window decides, so it is
# counted as "at least one".
# OG_TEST_ID is read by lib.sh; option strings ($TSO, $PKT...) are split
# on purpose.
# shellcheck disable=SC2034,SC2086 source-path=SCRIPTDIR
OG_TEST_ID='mm'
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

og_need_root
og_need_tools "$OG_SEND"
skip_if_missing ethtool || exit 0

N=6

og_ns_add NA || exit 1
og_ns_add NB || exit 1
og_name VA
og_name VB
if ! og_veth "$NA" "$VA" "$NB" "$VB"; then
	og_fail mm_setup "cannot create veth $VA/$VB"
	exit 0
fi
A4=10.231.0.1
B4=10.231.0.2
A6=fd00:231::1
B6=fd00:231::2
ip -n "$NA" addr add "$A4/24" dev "$VA"
ip -n "$NB" addr add "$B4/24" dev "$VB"
ip -n "$NA" addr add "$A6/64" dev "$VA" nodad
ip -n "$NB" addr add "$B6/64" dev "$VB" nodad
MAC_B=$(ip netns exec "$NB" cat "/sys/class/net/$VB/address")

if ! ip netns exec "$NA" ethtool -K "$VA" tx off tso off gso off >/dev/null 2>&1; then
	og_skip mm_all "ethtool -K $VA tx off tso off gso off failed"
	exit 0
fi
if ! og_attach "$NA" "$VA" tc-egress; then
	og_fail mm_attach "offguard attach $VA --hook tc-egress failed"
	exit 0
fi

# Resolve neighbours first, so the counted runs carry no ARP/ND queueing.
ip netns exec "$NA" ping -c1 -W2 "$B4" >/dev/null 2>&1
ip netns exec "$NA" ping -6 -c1 -W2 "$B6" >/dev/null 2>&1

# mm_case NAME WANT CMD...: CMD runs in NA; WANT as in og_delta.
mm_case()
{
	local name=$1 want=$2 err got

	shift 2
	og_snap "$NA" "$VA" tc-egress
	if ! err=$(ip netns exec "$NA" "$@" 2>&1); then
		og_fail "$name" "$err"
		return 1
	fi
	got=$(og_delta "$NA" "$VA" tc-egress)
	og_expect "$name" "$got" "$want"
}

# mm_tcp NAME DST REASON...: bulk TCP through va. Each REASON must be
# counted at least once (how many segments TCP makes depends on its
# congestion window) and no other reason at all.
mm_tcp()
{
	local name=$1 dst=$2 got r n extra

	shift 2
	skip_if_missing iperf3 "$name" || return 0
	og_bg "$NB" iperf3 -s -1 -p 5201
	for _ in $(seq 50); do
		ip netns exec "$NB" ss -Hltn 'sport = :5201' | grep -q . && break
		sleep 0.1
	done
	og_snap "$NA" "$VA" tc-egress
	if ! ip netns exec "$NA" iperf3 -c "$dst" -p 5201 -n 4M >/dev/null 2>&1; then
		og_fail "$name" "iperf3 -c $dst failed"
		return 1
	fi
	got=$(og_delta "$NA" "$VA" tc-egress)
	extra=$got
	for r in "$@"; do
		n=$(sed -n "s/.*\b$r=\([0-9]*\).*/\1/p" <<<"$got")
		if [ "${n:-0}" -lt 1 ]; then
			og_fail "$name" "counted '$got', want each of '$*' >= 1 and nothing else"
			return 1
		fi
		# shellcheck disable=SC2001 # \b: a plain substitution is not enough
		extra=$(sed "s/\b$r=[0-9]*//" <<<"$extra")
	done
	if [ -n "${extra// /}" ]; then
		og_fail "$name" "counted '$got', want each of '$*' >= 1 and nothing else"
		return 1
	fi
	og_pass "$name"
}

PKT="$OG_SEND packet --ifname $VA --dst-mac $MAC_B --count $N --src $A4 --dst $B4"
PKT6="$OG_SEND packet --ifname $VA --dst-mac $MAC_B --count $N --src $A6 --dst $B6"
UDPGSO="$OG_SEND udpgso --port 9 --len 6000 --gso-size 1000 --count $N"

# --- phase 1: no tx checksumming, no TSO, no GSO -------------------------
# Since 6.11 (udp: Allow GSO transmit from devices with no checksum
# offload) a UDP_SEGMENT socket whose route has no tx checksumming sends
# its super-datagram CHECKSUM_NONE and __udp_gso_segment checksums each
# segment in software. That is the kernel's own, valid state, so it is
# not gso_not_partial; the missing USO is gso_no_tso. One skb per send,
# so the count is exact.
mm_case mm_udp_segment4_no_csum_no_uso \
	"gso_no_tso=$N" $UDPGSO --dst "$B4"
mm_case mm_udp_segment6_no_csum_no_uso \
	"gso_no_tso=$N" $UDPGSO --dst "$B6"
mm_case mm_packet_partial_no_tx_csum \
	"partial_no_tx_csum=$N" $PKT --flags needs_csum --len 100
mm_case mm_packet_tso4_no_csum_no_tso \
	"gso_no_tso=$N partial_no_tx_csum=$N" $PKT --flags needs_csum \
	--gso tcpv4 --gso-size 1448 --tcp-flags A --len 4000
mm_case mm_packet_tso6_no_csum_no_tso \
	"gso_no_tso=$N partial_no_tx_csum=$N" $PKT6 --flags needs_csum \
	--gso tcpv6 --gso-size 1428 --tcp-flags A --len 4000
# Checksums already complete need nothing from the device.
mm_case mm_packet_csum_none_no_mismatch none $PKT --len 100
# TCP always hands the device CHECKSUM_PARTIAL, and builds GSO packets
# even on a device with gso off (sk_setup_caps gives TCP sockets
# NETIF_F_GSO whatever the device says, "tcp: switch to GSO being always
# on"): both mismatches.
mm_tcp mm_tcp4_no_csum_no_tso "$B4" gso_no_tso partial_no_tx_csum
mm_tcp mm_tcp6_no_csum_no_tso "$B6" gso_no_tso partial_no_tx_csum

# --- phase 2: checksumming on, TSO and USO off (software GSO) -------------
if ! ip netns exec "$NA" ethtool -K "$VA" tx on gso on tso off \
	tx-udp-segmentation off >/dev/null 2>&1; then
	og_skip mm_phase2 "ethtool -K $VA tx on gso on tso off tx-udp-segmentation off failed"
	exit 0
fi
mm_case mm_udp_segment4_no_uso	"gso_no_tso=$N" $UDPGSO --dst "$B4"
mm_case mm_udp_segment6_no_uso	"gso_no_tso=$N" $UDPGSO --dst "$B6"
mm_case mm_packet_tso4_no_tso	"gso_no_tso=$N" $PKT --flags needs_csum \
	--gso tcpv4 --gso-size 1448 --tcp-flags A --len 4000
mm_case mm_packet_partial_with_tx_csum none $PKT --flags needs_csum --len 100
mm_tcp mm_tcp4_gso_no_tso "$B4" gso_no_tso
mm_tcp mm_tcp6_gso_no_tso "$B6" gso_no_tso

exit 0
