#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# AF_PACKET with PACKET_VNET_HDR on one end of a veth: real skbs with
# CHECKSUM_PARTIAL and GSO metadata leave through the sender's tc egress
# (va) and, veth keeping the metadata, arrive with it at the peer's tc
# ingress (vb). Each fault is sent N times and must be counted exactly N
# times on each hook that sees it, with no other rule counted; frames
# with correct metadata count nothing on either side.
# OG_TEST_ID is read by lib.sh; option strings ($TSO, $PKT...) are split
# on purpose.
# shellcheck disable=SC2034,SC2086 source-path=SCRIPTDIR
OG_TEST_ID='pk'
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

og_need_root
og_need_tools "$OG_SEND"

N=5

og_ns_add NA || exit 1
og_ns_add NB || exit 1
og_name VA
og_name VB
if ! og_veth "$NA" "$VA" "$NB" "$VB"; then
	og_fail pkt_setup "cannot create veth $VA/$VB"
	exit 0
fi
# No IPv6 on the pair: router/neighbour solicitations would add packets
# of their own to the counters this test reads.
ip netns exec "$NA" sysctl -qw "net.ipv6.conf.$VA.disable_ipv6=1"
ip netns exec "$NB" sysctl -qw "net.ipv6.conf.$VB.disable_ipv6=1"
MAC_B=$(ip netns exec "$NB" cat "/sys/class/net/$VB/address")

if ! og_attach "$NA" "$VA" tc-egress || ! og_attach "$NB" "$VB" tc-ingress; then
	og_fail pkt_attach "offguard attach failed"
	exit 0
fi

# pkt_case NAME WANT_EGRESS WANT_INGRESS OG_SEND_ARGS...
# WANT_*: exact reasons counted on va tc-egress / vb tc-ingress, or "-"
# when that hook's count is not what the case is about.
pkt_case()
{
	local name=$1 we=$2 wi=$3 err ge gi

	shift 3
	og_snap "$NA" "$VA" tc-egress && cp "$OG_TMP/snap.json" "$OG_TMP/snap_a.json"
	og_snap "$NB" "$VB" tc-ingress && cp "$OG_TMP/snap.json" "$OG_TMP/snap_b.json"
	if ! err=$(og_send "$NA" packet --ifname "$VA" --dst-mac "$MAC_B" \
		   --count "$N" "$@" 2>&1); then
		og_fail "$name" "$err"
		return 1
	fi
	sleep 0.1	# the peer's backlog runs in softirq context
	cp "$OG_TMP/snap_a.json" "$OG_TMP/snap.json"
	ge=$(og_delta "$NA" "$VA" tc-egress)
	cp "$OG_TMP/snap_b.json" "$OG_TMP/snap.json"
	gi=$(og_delta "$NB" "$VB" tc-ingress)
	[ "$we" = - ] && ge=-
	[ "$wi" = - ] && gi=-
	og_expect "$name" "egress: $ge; ingress: $gi" "egress: $we; ingress: $wi"
}

TSO="--flags needs_csum --tcp-flags A --len 4000"

# --- negative controls ---------------------------------------------------
pkt_case pkt_good_tcp4_partial	none none --flags needs_csum --len 100
pkt_case pkt_good_tcp4_csum_none none none --len 100
pkt_case pkt_good_udp4_partial	none none --proto udp --flags needs_csum --len 100
pkt_case pkt_good_tcp6_partial	none none --ipv6 --flags needs_csum --len 100
pkt_case pkt_good_tso4		none none --gso tcpv4 --gso-size 1448 $TSO
pkt_case pkt_good_tso6		none none --ipv6 --gso tcpv6 --gso-size 1428 $TSO
pkt_case pkt_good_uso4		none none --proto udp --gso udp_l4 --gso-size 1472 \
	--flags needs_csum --len 4000
pkt_case pkt_good_uso6		none none --ipv6 --proto udp --gso udp_l4 --gso-size 1452 \
	--flags needs_csum --len 4000
pkt_case pkt_good_vlan_partial	none none --vlan 7 --flags needs_csum --len 100

# --- faults, seen leaving va and arriving at vb ---------------------------
pkt_case pkt_partial_bad_seed_full "partial_bad_seed=$N" "partial_bad_seed=$N" \
	--flags needs_csum --seed full --tcp-flags S
pkt_case pkt_partial_bad_seed_lengthless_tso "partial_bad_seed=$N" "partial_bad_seed=$N" \
	--gso tcpv4 --gso-size 1448 --seed lengthless $TSO
pkt_case pkt_partial_bad_offset	"partial_bad_offset=$N" "partial_bad_offset=$N" \
	--flags needs_csum --csum-offset 10 --len 20
pkt_case pkt_partial_bad_start	"partial_bad_start=$N" "partial_bad_start=$N" \
	--flags needs_csum --csum-start 38 --len 20
pkt_case pkt_l4_bad_csum	"l4_bad_csum=$N" "l4_bad_csum=$N" --seed bad --len 20
pkt_case pkt_l3_bad_csum	"l3_bad_csum=$N" "l3_bad_csum=$N" --bad-ip-csum --len 20
pkt_case pkt_udp6_zero_csum	"udp6_zero_csum=$N" "udp6_zero_csum=$N" \
	--ipv6 --proto udp --seed zero --len 10
pkt_case pkt_truncated		"truncated=$N" "truncated=$N" --truncate-ip --len 20
pkt_case pkt_gso_size_exceeds_mtu "gso_size_exceeds_mtu=$N" "gso_size_exceeds_mtu=$N" \
	--gso tcpv4 --gso-size 1500 $TSO
pkt_case pkt_gso_bad_tcp_flags	"gso_bad_tcp_flags=$N" "gso_bad_tcp_flags=$N" \
	--gso tcpv4 --gso-size 1000 --flags needs_csum --tcp-flags S --len 3000
# Not CHECKSUM_PARTIAL, so validate_xmit_skb hands it to the GSO layer
# (netif_needs_gso), where tcp4_gso_segment writes the seed and makes it
# CHECKSUM_PARTIAL; veth's TSO then takes it whole. The peer receives one
# valid GSO packet per frame and counts nothing.
pkt_case pkt_gso_not_partial	"gso_not_partial=$N" none \
	--gso tcpv4 --gso-size 1000 --tcp-flags A --len 4000
pkt_case pkt_gso_fragment	"gso_fragment=$N" "gso_fragment=$N" \
	--gso tcpv4 --gso-size 1000 --frag $TSO
# The kernel accepts TCPV4 GSO in an IPv6 frame and TCP doff 0 at send
# time; tc egress sees them, then validate_xmit_skb drops them (va's
# tx_dropped; the send reports ENOMEM, hence --keep-going): the peer
# never sees them.
pkt_case pkt_gso_type_mismatch	"gso_type_mismatch=$N" none \
	--ipv6 --gso tcpv4 --gso-size 1000 --keep-going $TSO
pkt_case pkt_gso_bad_l4_hdr	"gso_bad_l4_hdr=$N" none \
	--gso tcpv4 --gso-size 1000 --doff 0 --keep-going $TSO

exit 0
