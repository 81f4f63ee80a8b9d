#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Zero false positives: the kernel's own traffic, with every offload on,
# must never be reported. iperf3 TCP (IPv4 and IPv6, both directions) and
# UDP_SEGMENT senders (IPv4 and IPv6) across a veth pair, offguard on both
# tc hooks of both ends. Expect: no reason counted anywhere, while the
# statistics show the hooks did see traffic, CHECKSUM_PARTIAL and GSO.
# OG_TEST_ID is read by lib.sh; option strings ($TSO, $PKT...) are split
# on purpose.
# shellcheck disable=SC2034,SC2086 source-path=SCRIPTDIR
OG_TEST_ID='fp'
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

og_need_root
og_need_tools "$OG_SEND"
skip_if_missing iperf3 fp_all || exit 0

SECS=${OG_FP_SECS:-3}

og_ns_add NA || exit 1
og_ns_add NB || exit 1
og_name VA
og_name VB
if ! og_veth "$NA" "$VA" "$NB" "$VB"; then
	og_fail fp_setup "cannot create veth $VA/$VB"
	exit 0
fi
A4=10.232.0.1
B4=10.232.0.2
A6=fd00:232::1
B6=fd00:232::2
ip -n "$NA" addr add "$A4/24" dev "$VA"
ip -n "$NB" addr add "$B4/24" dev "$VB"
ip -n "$NA" addr add "$A6/64" dev "$VA" nodad
ip -n "$NB" addr add "$B6/64" dev "$VB" nodad

for h in tc-ingress tc-egress; do
	if ! og_attach "$NA" "$VA" "$h" || ! og_attach "$NB" "$VB" "$h"; then
		og_fail fp_attach "offguard attach --hook $h failed"
		exit 0
	fi
done

# An iperf3 server in each namespace, so both directions run forward.
og_bg "$NA" iperf3 -s -p 5201
og_bg "$NB" iperf3 -s -p 5201
for _ in $(seq 50); do
	ip netns exec "$NA" ss -Hltn 'sport = :5201' | grep -q . &&
		ip netns exec "$NB" ss -Hltn 'sport = :5201' | grep -q . && break
	sleep 0.1
done

fp_iperf()
{
	local name=$1 ns=$2 dst=$3

	if ip netns exec "$ns" iperf3 -c "$dst" -p 5201 -t "$SECS" >/dev/null 2>&1; then
		og_pass "$name"
	else
		og_fail "$name" "iperf3 -c $dst failed"
	fi
}

fp_iperf fp_iperf3_tcp4_a_to_b "$NA" "$B4"
fp_iperf fp_iperf3_tcp6_a_to_b "$NA" "$B6"
fp_iperf fp_iperf3_tcp4_b_to_a "$NB" "$A4"
fp_iperf fp_iperf3_tcp6_b_to_a "$NB" "$A6"

fp_udpgso()
{
	local name=$1 ns=$2 dst=$3 gso=$4 err

	if err=$(og_send "$ns" udpgso --dst "$dst" --port 9 --len 12000 \
		 --gso-size "$gso" --count 50 2>&1); then
		og_pass "$name"
	else
		og_fail "$name" "$err"
	fi
}

fp_udpgso fp_udp_segment4_a_to_b "$NA" "$B4" 1472
fp_udpgso fp_udp_segment6_a_to_b "$NA" "$B6" 1452
fp_udpgso fp_udp_segment4_b_to_a "$NB" "$A4" 1200
fp_udpgso fp_udp_segment6_b_to_a "$NB" "$A6" 1000
sleep 0.2

# --- verdicts ---------------------------------------------------------------
for spec in "$NA $VA tc-egress a_egress" "$NA $VA tc-ingress a_ingress" \
	    "$NB $VB tc-egress b_egress" "$NB $VB tc-ingress b_ingress"; do
	set -- $spec
	og_stats_json "$1"
	f="$OG_TMP/stats.json"
	reasons=$(og_json_file_get "$f" "$2" "$3" reasons.list)
	og_expect "fp_no_reasons_$4" "$reasons" none
	pk=$(og_json_file_get "$f" "$2" "$3" packets)
	og_expect_ge "fp_packets_seen_$4" "$pk" 1000 "packets"
	part=$(og_json_file_get "$f" "$2" "$3" csum.partial)
	og_expect_ge "fp_partial_seen_$4" "$part" 1 "csum.partial"
done

# The sending side's egress and the receiving side's ingress see the
# super-packets themselves: TSO4, TSO6 and USO each at least once.
for spec in "$NA $VA tc-egress a_egress" "$NB $VB tc-ingress b_ingress"; do
	set -- $spec
	og_stats_json "$1"
	f="$OG_TMP/stats.json"
	for t in tcpv4 tcpv6 udp_l4; do
		n=$(og_json_file_get "$f" "$2" "$3" "gso.$t")
		og_expect_ge "fp_gso_${t}_seen_$4" "$n" 1 "gso.$t"
	done
done

exit 0
