#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# --policy strict, end to end. Part 1: a TUN writer (og_send, IFF_VNET_HDR)
# sends each class of metadata fault strict drops, N frames, into a
# forwarding namespace (og_fwd_setup). First under observe, to see what
# the kernel does with them when nobody drops them (a capture of what
# reaches the receiver, printed as "# " lines; where the kernel forwards
# them this shows the capture would see them), then under strict: every
# frame must be dropped at the TUN's tc ingress, counted as dropped under
# each rule it raised, and none may reach the receiver. What strict must
# not drop is checked too: repairs (bad seeds, gso_size, checksums on a
# --writer-omits-csum device) go through repaired; l3_bad_csum,
# udp6_zero_csum, gso_too_many_segs and the egress mismatches are counted
# only.
# Part 2: valid bulk traffic (iperf3 TCP, UDP_SEGMENT datagrams, IPv4 and
# IPv6) across a veth pair with strict on both hooks of both ends loses
# nothing to offguard and raises no reason.
# OG_TEST_ID is read by lib.sh; option strings ($TSO, $PKT...) are split
# on purpose.
# shellcheck disable=SC2034,SC2086 source-path=SCRIPTDIR
OG_TEST_ID='st'
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

og_need_root
og_need_tools "$OG_SEND"
for t in tcpdump ethtool nstat; do
	command -v "$t" >/dev/null 2>&1 || og_skip_all "$t not installed"
done

N=5
PT=8080			# receiver: TCP listener
PU=8081			# receiver: UDP counter
SPORT=30000
HOOK=tc-ingress

if ! og_fwd_setup; then
	og_fail st_setup "cannot build the forwarding topology"
	exit 0
fi
TUN=$OG_FTUN
if ! og_listen "$OG_RCV" "$OG_TMP/rcv" "$PT" "$PU"; then
	og_fail st_setup "receiver did not start"
	exit 0
fi
if ! og_attach "$OG_FWD" "$TUN" "$HOOK" --policy observe ||
	! og_attach "$OG_FWD" "$OG_UP0" tc-egress --policy observe; then
	og_fail st_attach "offguard attach --policy observe failed"
	exit 0
fi
PROG=$(og_status_get "$OG_FWD" "$TUN" "$HOOK" prog_id)

# addrs FAMILY: og_send's --src/--dst for the writer and receiver, in ADDRS.
addrs()
{
	if [ "$1" = 6 ]; then
		ADDRS=(--src "$OG_W6" --dst "$OG_R6")
	else
		ADDRS=(--src "$OG_W4" --dst "$OG_R4")
	fi
}

# send_seen FAMILY OG_SEND_ARGS...: write N frames of a new flow to the
# receiver's listener port while capturing what reaches the receiver
# from the writer; sets SEEN (packets captured) and ERR (og_send's error).
send_seen()
{
	local fam=$1 out

	shift
	addrs "$fam"
	SEEN=ERR
	ERR=""
	if ! og_cap_start "$OG_RCV" "$OG_UP1" "$OG_TMP/st.pcap" -Q in \
		"src host $OG_W4 or src host $OG_W6"; then
		ERR="tcpdump did not start: $(cat "$OG_TMP/st.pcap.err")"
		return 1
	fi
	out=$(og_send "$OG_FWD" tun --dev "$TUN" "${ADDRS[@]}" --dport "$PT" \
	      --sport "$SPORT" --count "$N" "$@" 2>&1)
	local rc=$?
	SPORT=$((SPORT + N))
	if ! og_cap_stop; then
		ERR="the capture lost packets: $(tail -1 "$OG_TMP/st.pcap.err")"
		return 1
	fi
	if [ "$rc" != 0 ]; then
		ERR="og_send: $out"
		return 1
	fi
	SEEN=$(tcpdump -nr "$OG_TMP/st.pcap" 2>/dev/null | wc -l)
}

# The classes strict drops, each as "NAME|FAMILY|COUNTED|OG_SEND ARGS";
# COUNTED is what one run of N counts under observe, "reason=N ...".
TSO="--flags needs_csum --tcp-flags A --len 4000"
CASES=(
	"partial_bad_offset_tcp4|4|partial_bad_offset|--flags needs_csum --csum-offset 10 --len 20"
	"partial_bad_offset_udp4|4|partial_bad_offset|--proto udp --flags needs_csum --csum-offset 16 --len 20"
	"partial_bad_offset_tcp6|6|partial_bad_offset|--flags needs_csum --csum-offset 10 --len 20"
	"partial_bad_start4|4|partial_bad_start|--flags needs_csum --csum-start 24 --len 20"
	"partial_bad_start_ipopts4|4|partial_bad_start|--ip-opts 4 --flags needs_csum --csum-start 20 --len 20"
	"partial_bad_start6|6|partial_bad_start|--ext dst --flags needs_csum --csum-start 40 --len 20"
	"l4_bad_csum_tcp4|4|l4_bad_csum|--seed bad --len 20"
	"l4_bad_csum_udp4|4|l4_bad_csum|--proto udp --seed bad --len 20"
	"l4_bad_csum_tcp6_exthdr|6|l4_bad_csum|--ext hbh --seed bad --len 20"
	"l4_bad_csum_udp6|6|l4_bad_csum|--proto udp --seed bad --len 20"
	"truncated4|4|truncated|--truncate-ip --len 20"
	"truncated6|6|truncated|--truncate-ip --len 20"
	"gso_bad_tcp_flags_syn4|4|gso_bad_tcp_flags|--gso tcpv4 --gso-size 1000 --flags needs_csum --len 3000 --tcp-flags S"
	"gso_bad_tcp_flags_rst6|6|gso_bad_tcp_flags|--gso tcpv6 --gso-size 1000 --flags needs_csum --len 3000 --tcp-flags RA"
	"gso_fragment4|4|gso_fragment|--gso tcpv4 --gso-size 1000 --frag $TSO"
	"gso_fragment6|6|gso_fragment|--gso tcpv6 --gso-size 1000 --frag $TSO"
	"gso_type_mismatch_tcpv4_on_ipv6|6|gso_type_mismatch|--gso tcpv4 --gso-size 1000 $TSO"
	"gso_type_mismatch_udp_l4_on_tcp4|4|gso_type_mismatch partial_bad_offset|--gso udp_l4 --gso-size 1000 --csum-offset 6 $TSO"
	"gso_type_mismatch_ufo_on_tcp4|4|gso_type_mismatch|--gso udp --gso-size 1000 $TSO"
	"gso_bad_l4_hdr_doff4|4|gso_bad_l4_hdr|--gso tcpv4 --gso-size 1000 --doff 4 $TSO"
	"gso_bad_l4_hdr_doff4_tcp6|6|gso_bad_l4_hdr|--gso tcpv6 --gso-size 1000 --doff 4 $TSO"
	"gso_not_partial4|4|gso_not_partial|--gso tcpv4 --gso-size 1000 --tcp-flags A --len 4000"
	"gso_not_partial6|6|gso_not_partial|--gso tcpv6 --gso-size 1000 --tcp-flags A --len 4000"
)

# want REASONS SUFFIX: "r1=SUFFIX r2=SUFFIX" sorted, e.g. "x=5/0/5".
want()
{
	local r out=()

	for r in $1; do
		out+=("$r=$2")
	done
	printf '%s\n' "${out[@]}" | sort | tr '\n' ' ' | sed 's/ $//'
}

# --- part 1a: under observe, what the kernel does with them ---------------
for c in "${CASES[@]}"; do
	IFS='|' read -r name fam reasons args <<<"$c"
	og_snap "$OG_FWD"
	if ! send_seen "$fam" $args; then
		og_fail "st_observe_$name" "$ERR"
		continue
	fi
	og_expect "st_observe_${name}_counted" \
		"$(og_delta_rdp "$OG_FWD" "$TUN" "$HOOK")" "$(want "$reasons" "$N/0/0")"
	up0=$(($(og_json_file_get "$OG_TMP/stats.json" "$OG_UP0" tc-egress packets) -
	       $(og_json_file_get "$OG_TMP/snap.json" "$OG_UP0" tc-egress packets)))
	echo "# st_observe_$name: $N frames: uplink egress saw $up0 packets, receiver $SEEN"
done

# --- part 1b: attach again with --policy strict ----------------------------
if ! og_attach "$OG_FWD" "$TUN" "$HOOK" --policy strict ||
	! og_attach "$OG_FWD" "$OG_UP0" tc-egress --policy strict; then
	og_fail st_attach_strict "offguard attach --policy strict failed"
	exit 0
fi
og_expect st_policy_change_keeps_prog \
	"$(og_status_get "$OG_FWD" "$TUN" "$HOOK" prog_id)" "$PROG"
og_expect st_status_policy "$(og_status_get "$OG_FWD" "$TUN" "$HOOK" policy)" strict

for c in "${CASES[@]}"; do
	IFS='|' read -r name fam reasons args <<<"$c"
	og_snap "$OG_FWD"
	if ! send_seen "$fam" $args; then
		og_fail "st_drop_$name" "$ERR"
		continue
	fi
	og_expect "st_drop_${name}_counted" \
		"$(og_delta_rdp "$OG_FWD" "$TUN" "$HOOK")" "$(want "$reasons" "$N/0/$N")"
	# what is dropped at the TUN never reaches the uplink
	og_expect "st_drop_${name}_uplink_egress" \
		"$(og_delta_rdp "$OG_FWD" "$OG_UP0" tc-egress)" none
	og_expect "st_drop_${name}_receiver_saw" "$SEEN" 0
done

# --- part 1c: what strict must let through ---------------------------------
# syn_pass NAME FAMILY COUNTED EGRESS OG_SEND_ARGS...: N SYNs, each its own
# flow; every one must be answered (the receiver accepted it).
syn_pass()
{
	local name=$1 fam=$2 want_in=$3 want_out=$4 out rep

	shift 4
	addrs "$fam"
	og_snap "$OG_FWD"
	if ! out=$(og_send "$OG_FWD" tun --dev "$TUN" "${ADDRS[@]}" \
		   --dport "$PT" --sport "$SPORT" --flows --count "$N" \
		   --tcp-flags S --expect-replies "$N" --timeout 3 "$@" 2>&1); then
		og_fail "$name" "og_send: $out"
		return 1
	fi
	SPORT=$((SPORT + N))
	rep=$(sed -n 's/^replies //p' <<<"$out")
	og_expect "${name}_replies" "$rep" "$N"
	og_expect "${name}_counted" "$(og_delta_rdp "$OG_FWD" "$TUN" "$HOOK")" "$want_in"
	og_expect "${name}_uplink_egress" \
		"$(og_delta_rdp "$OG_FWD" "$OG_UP0" tc-egress)" "$want_out"
}

# seen_pass NAME FAMILY SEEN COUNTED EGRESS OG_SEND_ARGS...
seen_pass()
{
	local name=$1 fam=$2 want_seen=$3 want_in=$4 want_out=$5

	shift 5
	og_snap "$OG_FWD"
	if ! send_seen "$fam" "$@"; then
		og_fail "$name" "$ERR"
		return 1
	fi
	og_expect "${name}_receiver_saw" "$SEEN" "$want_seen"
	og_expect "${name}_counted" "$(og_delta_rdp "$OG_FWD" "$TUN" "$HOOK")" "$want_in"
	og_expect "${name}_uplink_egress" \
		"$(og_delta_rdp "$OG_FWD" "$OG_UP0" tc-egress)" "$want_out"
}

# The uplink has no tx checksum and no TSO: partial_no_tx_csum and
# gso_no_tso are mismatches there, never a reason to drop.
syn_pass st_pass_good_partial_syn4 4 none "partial_no_tx_csum=$N/0/0" \
	--flags needs_csum
syn_pass st_pass_good_csum_none_syn6 6 none none
syn_pass st_pass_seed_full_syn4 4 "partial_bad_seed=$N/$N/0" \
	"partial_no_tx_csum=$N/0/0" --flags needs_csum --seed full
syn_pass st_pass_seed_full_syn6 6 "partial_bad_seed=$N/$N/0" \
	"partial_no_tx_csum=$N/0/0" --flags needs_csum --seed full
# 4000 bytes in 1448-byte segments: 3 per frame; gso_size 1500 repaired to
# 1460: still 3.
seen_pass st_pass_good_tso4 4 $((3 * N)) none \
	"gso_no_tso=$N/0/0 partial_no_tx_csum=$N/0/0" \
	--gso tcpv4 --gso-size 1448 $TSO
seen_pass st_pass_gso_size_mtu4 4 $((3 * N)) "gso_size_exceeds_mtu=$N/$N/0" \
	"gso_no_tso=$N/0/0 partial_no_tx_csum=$N/0/0" \
	--gso tcpv4 --gso-size 1500 $TSO
seen_pass st_pass_gso_size_mtu6 6 $((3 * N)) "gso_size_exceeds_mtu=$N/$N/0" \
	"gso_no_tso=$N/0/0 partial_no_tx_csum=$N/0/0" \
	--gso tcpv6 --gso-size 1500 $TSO
# Counted, never dropped: the forwarder drops the bad IPv4 header itself;
# UDP over IPv6 without a checksum is the receiver's to judge.
seen_pass st_pass_l3_bad_csum4 4 0 "l3_bad_csum=$N/0/0" none \
	--bad-ip-csum --len 20
seen_pass st_pass_udp6_zero_csum 6 "$N" "udp6_zero_csum=$N/0/0" \
	"udp6_zero_csum=$N/0/0" --proto udp --seed zero --len 20
# UDP GSO whose gso_size does not fit: counted, not re-cut, not dropped
# (the forwarder refuses it: DF).
seen_pass st_pass_uso_gso_size_mtu4 4 0 "gso_size_exceeds_mtu=$N/0/0" none \
	--proto udp --gso udp_l4 --gso-size 1500 --flags needs_csum --len 4000

# A device whose writer omits checksums: l4_bad_csum is repaired, not
# dropped.
if og_attach "$OG_FWD" "$TUN" "$HOOK" --policy strict --writer-omits-csum; then
	syn_pass st_pass_omits_l4_zero_syn4 4 "l4_bad_csum=$N/$N/0" none --seed zero
	syn_pass st_pass_omits_l4_zero_syn6 6 "l4_bad_csum=$N/$N/0" none --seed zero
	syn_pass st_pass_omits_ip_zero_syn4 4 "l3_bad_csum=$N/$N/0" none --zero-ip-csum
	og_attach "$OG_FWD" "$TUN" "$HOOK" --policy strict
else
	og_fail st_attach_omits "offguard attach --writer-omits-csum failed"
fi

# Last, as it changes the uplink: more segments than the egress device
# takes (gso_max_segs is a transmit limit, judged at egress) is counted
# there, never dropped: the kernel segments it in software.
if ip -n "$OG_FWD" link set "$OG_UP0" gso_max_segs 4 2>/dev/null; then
	seen_pass st_pass_gso_too_many_segs4 4 $((10 * N)) none \
		"gso_no_tso=$N/0/0 gso_too_many_segs=$N/0/0 partial_no_tx_csum=$N/0/0" \
		--gso tcpv4 --gso-size 100 --flags needs_csum --tcp-flags A --len 1000
else
	og_skip st_pass_gso_too_many_segs4 "ip link set gso_max_segs not supported"
fi

# --- part 2: valid bulk traffic under strict on both ends -------------------
og_ns_add NA || exit 1
og_ns_add NB || exit 1
og_name VA
og_name VB
if ! og_veth "$NA" "$VA" "$NB" "$VB"; then
	og_fail st_bulk_setup "cannot create veth $VA/$VB"
	exit 0
fi
A4=10.233.0.1
B4=10.233.0.2
A6=fd00:233::1
B6=fd00:233::2
ip -n "$NA" addr add "$A4/24" dev "$VA"
ip -n "$NB" addr add "$B4/24" dev "$VB"
ip -n "$NA" addr add "$A6/64" dev "$VA" nodad
ip -n "$NB" addr add "$B6/64" dev "$VB" nodad
for h in tc-ingress tc-egress; do
	if ! og_attach "$NA" "$VA" "$h" --policy strict ||
		! og_attach "$NB" "$VB" "$h" --policy strict; then
		og_fail st_bulk_attach "offguard attach --hook $h --policy strict failed"
		exit 0
	fi
done
ip netns exec "$NA" ping -c1 -W2 "$B4" >/dev/null 2>&1
ip netns exec "$NA" ping -6 -c1 -W2 "$B6" >/dev/null 2>&1

if skip_if_missing iperf3 st_bulk_iperf3; then
	og_bg "$NB" iperf3 -s -p 5201
	for _ in $(seq 50); do
		ip netns exec "$NB" ss -Hltn 'sport = :5201' | grep -q . && break
		sleep 0.1
	done
	# st_iperf NAME DST [-R]: 3 s of TCP; -R: NB sends, NA receives.
	st_iperf()
	{
		local name=$1 dst=$2 out

		shift 2
		if out=$(ip netns exec "$NA" iperf3 -c "$dst" -p 5201 -t 3 -J "$@" 2>&1) &&
			"$OG_PY" -c '
import json, sys
e = json.load(sys.stdin)["end"]
print("# %s: %.2f Gb/s, %d retransmits" % (sys.argv[1],
      e["sum_received"]["bits_per_second"] / 1e9,
      e["sum_sent"].get("retransmits", 0)))
sys.exit(0 if e["sum_received"]["bytes"] > 0 else 1)' "$name" <<<"$out"; then
			og_pass "$name"
		else
			og_fail "$name" "iperf3 -c $dst $*: $(head -c 300 <<<"$out")"
		fi
	}
	st_iperf st_bulk_iperf3_tcp4 "$B4"
	st_iperf st_bulk_iperf3_tcp6_reverse "$B6" -R
fi

# UDP_SEGMENT: 50 sends of 12000 bytes, cut by the stack into datagrams of
# gso_size (the last one shorter); every datagram must arrive.
UPORT=9000
if og_listen "$NB" "$OG_TMP/bulk_rcv" "$UPORT" $((UPORT + 1)); then
	st_udpgso()
	{
		local name=$1 dst=$2 gso=$3 port=$4 err got n

		n=$((50 * ((12000 + gso - 1) / gso)))
		if ! err=$(og_send "$NA" udpgso --dst "$dst" --port "$port" \
			   --len 12000 --gso-size "$gso" --count 50 2>&1); then
			og_fail "$name" "$err"
			return 1
		fi
		got=$(og_udp_count "$OG_TMP/bulk_rcv" "$port" "$n")
		og_expect "$name" "$got" "$n 600000"
	}
	st_udpgso st_bulk_udp_segment4 "$B4" 1472 "$UPORT"
	st_udpgso st_bulk_udp_segment6 "$B6" 1452 $((UPORT + 1))
else
	og_fail st_bulk_udp_segment "UDP receiver did not start"
fi
sleep 0.2

for spec in "$NA $VA tc-egress a_egress" "$NA $VA tc-ingress a_ingress" \
	    "$NB $VB tc-egress b_egress" "$NB $VB tc-ingress b_ingress"; do
	set -- $spec
	og_stats_json "$1"
	f="$OG_TMP/stats.json"
	og_expect "st_bulk_no_reasons_$4" \
		"$(og_json_file_get "$f" "$2" "$3" reasons.list)" none
	og_expect_ge "st_bulk_gso_seen_$4" \
		"$(og_json_file_get "$f" "$2" "$3" gso.packets)" 1 "gso.packets"
done

exit 0
