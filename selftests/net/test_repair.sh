#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# --policy repair, end to end with real writers. A TUN writer (og_send,
# IFF_VNET_HDR) sends into a forwarding namespace whose uplink has every
# offload off, towards a receiver that answers SYNs and counts datagrams
# (og_fwd_setup). Each fault is first sent with no offguard anywhere, to
# show the damage it does (the receiver's checksum errors, the forwarder's
# refusals), then with offguard on the TUN's tc ingress:
#
#  - partial_bad_seed (full checksum, length-less and zero seeds; TCP and
#    UDP; IPv4, IPv6, IPv6 extension headers; GSO and not): repaired, so
#    every SYN is answered (SYN-ACKs read back from the TUN by the writer),
#    every datagram arrives, and the receiver counts no checksum error;
#  - gso_size_exceeds_mtu on TSO: gso_size lowered, so the segments arrive
#    (a capture on the receiver: each fits the MTU, checksums hold, every
#    payload byte is there and right); UDP GSO is counted, never re-cut;
#  - --writer-omits-csum: CHECKSUM_NONE packets with checksum fields 0
#    are completed only on a device marked so; elsewhere only counted;
#  - attach again with another policy: the program stays (same prog id),
#    and the counters split between the policies;
#  - --mtu: repairs follow the MTU given, not the device's.
# The uplink's tc egress (observe) shows what leaves after a repair: a
# correct CHECKSUM_PARTIAL or GSO packet, whose only remaining reasons are
# the uplink's missing offloads.
# OG_TEST_ID is read by lib.sh; option strings ($TSO, $PKT...) are split
# on purpose.
# shellcheck disable=SC2034,SC2086 source-path=SCRIPTDIR
OG_TEST_ID='rp'
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

og_need_root
og_need_tools "$OG_SEND"
for t in tcpdump ethtool nstat; do
	command -v "$t" >/dev/null 2>&1 || og_skip_all "$t not installed"
done
"$OG_PY" -c 'import scapy.all' 2>/dev/null ||
	og_skip_all "python3-scapy not installed"

N=6
MTU=1500
TLEN=5792		# 4 x 1448: four MSS-sized segments of a 1500 MTU
PT=8080			# receiver: TCP listener (SYNs answered)
PU=8081			# receiver: UDP datagrams counted
SPORT=20000		# every case its own source ports: no stale state
DPORT=9100		# every GSO case its own destination port
HOOK=tc-ingress

if ! og_fwd_setup; then
	og_fail rp_setup "cannot build the forwarding topology"
	exit 0
fi
TUN=$OG_FTUN
if ! og_listen "$OG_RCV" "$OG_TMP/rcv" "$PT" "$PU"; then
	og_fail rp_setup "receiver did not start"
	exit 0
fi

# addrs FAMILY: og_send's --src/--dst for the writer and receiver, in ADDRS.
addrs()
{
	if [ "$1" = 6 ]; then
		ADDRS=(--src "$OG_W6" --dst "$OG_R6")
	else
		ADDRS=(--src "$OG_W4" --dst "$OG_R4")
	fi
}

# Counters of the forwarder's tc hooks, when something is attached there.
ATTACHED=""
snap()
{
	[ -n "$ATTACHED" ] && og_snap "$OG_FWD"
}

# counted NAME WANT: reasons (packets/repaired/dropped) on the TUN ingress
# since snap; with EGRESS_WANT set, also those on the uplink's egress.
counted()
{
	[ -n "$ATTACHED" ] || return 0
	og_expect "$1_counted" "$(og_delta_rdp "$OG_FWD" "$TUN" "$HOOK")" "$2"
	[ -n "${EGRESS_WANT:-}" ] &&
		og_expect "$1_egress" \
			"$(og_delta_rdp "$OG_FWD" "$OG_UP0" tc-egress)" "$EGRESS_WANT"
}

# syn_case NAME FAMILY REPLIES RCV_ERRS FWD_ERRS COUNTED OG_SEND_ARGS...
# N TCP SYNs (each its own flow) to the listener. REPLIES: flows that must
# be answered with a valid SYN-ACK; RCV_ERRS / FWD_ERRS: checksum errors
# the receiver / the forwarder must count (all *InCsumErrors); COUNTED:
# as in og_delta_rdp (ignored while nothing is attached).
syn_case()
{
	local name=$1 fam=$2 want_rep=$3 want_rerr=$4 want_ferr=$5 want=$6
	local out rep r0 r1 f0 f1 sp=$SPORT

	shift 6
	SPORT=$((SPORT + N))
	snap
	r0=$(og_nstat_csum_errors "$OG_RCV")
	f0=$(og_nstat_csum_errors "$OG_FWD")
	addrs "$fam"
	if ! out=$(og_send "$OG_FWD" tun --dev "$TUN" "${ADDRS[@]}" \
		   --dport "$PT" --sport "$sp" --flows --count "$N" \
		   --tcp-flags S --mss 1400 --expect-replies "$want_rep" \
		   --timeout "$([ "$want_rep" = 0 ] && echo 1 || echo 3)" \
		   "$@" 2>&1); then
		og_fail "$name" "og_send: $out"
		return 1
	fi
	rep=$(sed -n 's/^replies //p' <<<"$out")
	r1=$(og_nstat_csum_errors "$OG_RCV")
	f1=$(og_nstat_csum_errors "$OG_FWD")
	og_expect "${name}_replies" "$rep" "$want_rep"
	og_expect "${name}_rcv_csum_errors" "$((r1 - r0))" "$want_rerr"
	og_expect "${name}_fwd_csum_errors" "$((f1 - f0))" "$want_ferr"
	counted "$name" "$want"
}

# udp_case NAME FAMILY DATAGRAMS RCV_ERRS COUNTED OG_SEND_ARGS...
# N UDP datagrams of 100 bytes to the counting socket.
udp_case()
{
	local name=$1 fam=$2 want_n=$3 want_rerr=$4 want=$5 c0 c1 r0 r1 out

	shift 5
	snap
	c0=$(og_udp_count "$OG_TMP/rcv" "$PU")
	r0=$(og_nstat_csum_errors "$OG_RCV")
	addrs "$fam"
	if ! out=$(og_send "$OG_FWD" tun --dev "$TUN" "${ADDRS[@]}" \
		   --proto udp --dport "$PU" --sport "$SPORT" --len 100 \
		   --count "$N" "$@" 2>&1); then
		og_fail "$name" "og_send: $out"
		return 1
	fi
	SPORT=$((SPORT + 1))
	c1=$(og_udp_count "$OG_TMP/rcv" "$PU" $((${c0% *} + want_n)))
	r1=$(og_nstat_csum_errors "$OG_RCV")
	og_expect "${name}_datagrams" "$((${c1% *} - ${c0% *}))" "$want_n"
	og_expect "${name}_rcv_csum_errors" "$((r1 - r0))" "$want_rerr"
	counted "$name" "$want"
}

# cap_analyze PCAP LEN: what arrived of N GSO frames of LEN payload bytes
# (seq 1 + i * LEN, og_send's payload pattern). Prints
#   segs S bytes B maxip M maxpay P badcsum C baddata D gaps G
# S segments (TCP or UDP), B TCP payload bytes, M the largest IP packet,
# P the largest TCP payload, C segments whose checksum fails, D segments
# whose payload bytes are not the ones sent, G frames not exactly covered
# (missing, overlapping or duplicated data).
cap_analyze()
{
	"$OG_PY" - "$1" "$2" "$N" <<'EOF'
import sys
from scapy.all import rdpcap, IP, IPv6
from scapy.layers.inet import in4_chksum
from scapy.layers.inet6 import in6_chksum
f, tlen, nframes = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
segs = nbytes = maxip = maxpay = bad = baddata = 0
cover = {}
for p in rdpcap(f):
    if IP in p:
        ip = p[IP]
        raw = bytes(ip)
        l4, proto, iplen = raw[ip.ihl * 4:ip.len], ip.proto, ip.len
        ok = in4_chksum(proto, ip, l4) == 0
    elif IPv6 in p:
        ip = p[IPv6]
        raw = bytes(ip)
        l4, proto, iplen = raw[40:40 + ip.plen], ip.nh, 40 + ip.plen
        ok = in6_chksum(proto, ip, l4) == 0
    else:
        continue
    segs += 1
    maxip = max(maxip, iplen)
    bad += not ok
    if proto != 6 or len(l4) < 20:
        continue
    pay = l4[(l4[12] >> 4) * 4:]
    seq = int.from_bytes(l4[4:8], "big") - 1
    frame, off = divmod(seq, tlen)
    nbytes += len(pay)
    maxpay = max(maxpay, len(pay))
    want = bytes((0x5a + j * 7 + (j >> 8)) & 0xff
                 for j in range(off, off + len(pay)))
    baddata += pay != want
    cover.setdefault(frame, []).append((off, len(pay)))
gaps = nframes - len(cover) if nbytes else 0
for frame, pieces in cover.items():
    at = 0
    for off, n in sorted(pieces):
        if off != at:
            break
        at += n
    else:
        if at == tlen:
            continue
    gaps += 1
print("segs %d bytes %d maxip %d maxpay %d badcsum %d baddata %d gaps %d"
      % (segs, nbytes, maxip, maxpay, bad, baddata, gaps))
EOF
}

# field NAME "segs 1 bytes 2 ...": the number after NAME.
field()
{
	sed -n "s/.*\b$1 \([0-9]*\).*/\1/p" <<<"$2"
}

# gso_case NAME FAMILY GSO_SIZE WANT COUNTED OG_SEND_ARGS...
# N TSO frames (or, with --proto udp in the args, UDP GSO) of TLEN bytes,
# captured on the receiver's side of the uplink. WANT:
#   none       nothing arrives; the forwarder refused all N (FragFails)
#   good:MTU:P every byte arrives in segments that fit MTU, checksums
#              hold, the receiver counts no checksum error; P: the
#              largest segment payload expected (gso_size after repair),
#              or "-" to not check it
#   badcsum    every byte arrives, every segment's checksum is wrong
gso_case()
{
	local name=$1 fam=$2 gso=$3 how=$4 want=$5 dp=$DPORT out res
	local f0 f1 r0 r1 segs mtu pay

	shift 5
	DPORT=$((DPORT + 1))
	if ! og_cap_start "$OG_RCV" "$OG_UP1" "$OG_TMP/gso.pcap" -Q in \
		"(tcp or udp) and dst port $dp"; then
		og_fail "$name" "tcpdump did not start: $(cat "$OG_TMP/gso.pcap.err")"
		return 1
	fi
	snap
	f0=$(og_nstat "$OG_FWD" IpFragFails Ip6FragFails)
	r0=$(og_nstat_csum_errors "$OG_RCV")
	addrs "$fam"
	out=$(og_send "$OG_FWD" tun --dev "$TUN" "${ADDRS[@]}" \
	      --dport "$dp" --sport "$SPORT" --gso "tcpv$fam" --gso-size "$gso" \
	      --flags needs_csum --tcp-flags A --len "$TLEN" --count "$N" \
	      "$@" 2>&1)
	local rc=$?
	SPORT=$((SPORT + 1))
	if ! og_cap_stop; then
		og_fail "$name" "the capture lost packets: $(tail -1 "$OG_TMP/gso.pcap.err")"
		return 1
	fi
	if [ "$rc" != 0 ]; then
		og_fail "$name" "og_send: $out"
		return 1
	fi
	f1=$(og_nstat "$OG_FWD" IpFragFails Ip6FragFails)
	r1=$(og_nstat_csum_errors "$OG_RCV")
	res=$(cap_analyze "$OG_TMP/gso.pcap" "$TLEN" 2>&1)
	segs=$(field segs "$res")
	if [ -z "$segs" ]; then
		og_fail "$name" "capture analysis: $res"
		return 1
	fi
	case "$how" in
	none)
		og_expect "${name}_none_arrive" "$segs" 0
		og_expect "${name}_fwd_refused" \
			"$(( ${f1% *} + ${f1#* } - ${f0% *} - ${f0#* } ))" "$N"
		;;
	badcsum)
		og_expect "${name}_all_bytes_arrive" \
			"$(field bytes "$res") $(field gaps "$res") $(field baddata "$res")" \
			"$((N * TLEN)) 0 0"
		og_expect "${name}_csum_broken" "$(field badcsum "$res")" "$segs"
		og_expect "${name}_rcv_csum_errors" "$((r1 - r0))" "$segs"
		;;
	good:*)
		mtu=${how#good:}
		pay=${mtu#*:}
		mtu=${mtu%:*}
		og_expect "${name}_all_bytes_arrive" \
			"$(field bytes "$res") $(field gaps "$res") $(field baddata "$res")" \
			"$((N * TLEN)) 0 0"
		if [ "$(field maxip "$res")" -le "$mtu" ]; then
			og_pass "${name}_segments_fit_mtu"
		else
			og_fail "${name}_segments_fit_mtu" "largest IP packet $(field maxip "$res") > $mtu ($res)"
		fi
		[ "$pay" != - ] &&
			og_expect "${name}_segment_payload" "$(field maxpay "$res")" "$pay"
		og_expect "${name}_csum_valid" "$(field badcsum "$res")" 0
		og_expect "${name}_rcv_csum_errors" "$((r1 - r0))" 0
		;;
	esac
	counted "$name" "$want"
}

# status_check NAME FIELD WANT [DEV HOOK]
status_check()
{
	og_expect "$1" "$(og_status_get "$OG_FWD" "${4:-$TUN}" "${5:-$HOOK}" "$2")" "$3"
}

# Payload bytes per segment after repair: MTU minus IP and TCP headers.
PAY4=$((MTU - 40))
PAY6=$((MTU - 60))
SEEDFULL="--flags needs_csum --seed full"

# --- 0: no offguard anywhere: what these writers do to the receiver --------
status_check rp_base_nothing_attached policy none
syn_case rp_base_seed_full_syn4 4 0 "$N" 0 - $SEEDFULL
syn_case rp_base_seed_full_syn6 6 0 "$N" 0 - $SEEDFULL
udp_case rp_base_seed_full_udp4 4 0 "$N" - $SEEDFULL
udp_case rp_base_seed_full_udp6 6 0 "$N" - $SEEDFULL
gso_case rp_base_tso_gso_size_mtu4 4 "$MTU" none -
gso_case rp_base_tso_gso_size_mtu6 6 "$MTU" none -
gso_case rp_base_tso_seed_full4 4 1448 badcsum - --seed full
# A writer that leaves checksums to someone else: L4 0, IPv4 header 0.
syn_case rp_base_omit_l4_syn4 4 0 "$N" 0 - --seed zero
syn_case rp_base_omit_l4_syn6 6 0 "$N" 0 - --seed zero
syn_case rp_base_omit_ip_syn4 4 0 0 "$N" - --zero-ip-csum

# --- 1: observe on the TUN (and on the uplink's egress) --------------------
if ! og_attach "$OG_FWD" "$TUN" "$HOOK" --policy observe ||
	! og_attach "$OG_FWD" "$OG_UP0" tc-egress --policy observe; then
	og_fail rp_attach "offguard attach --policy observe failed"
	exit 0
fi
ATTACHED=1
PROG=$(og_status_get "$OG_FWD" "$TUN" "$HOOK" prog_id)
status_check rp_observe_status policy observe
EGRESS_WANT="partial_bad_seed=$N/0/0 partial_no_tx_csum=$N/0/0" \
	syn_case rp_observe_seed_full_syn4 4 0 "$N" 0 \
	"partial_bad_seed=$N/0/0" $SEEDFULL

# --- 2: attach again with --policy repair: same program, new policy --------
if ! og_attach "$OG_FWD" "$TUN" "$HOOK" --policy repair; then
	og_fail rp_attach_repair "offguard attach --policy repair failed"
	exit 0
fi
status_check rp_policy_change_keeps_prog prog_id "$PROG"
status_check rp_policy_change_status policy repair
og_expect rp_policy_change_stats_policy \
	"$(og "$OG_FWD" stats -j "$TUN" | "$OG_PY" -c '
import json, sys
print(json.load(sys.stdin)["devices"][0]["hooks"]["tc_ingress"].get("policy"))')" repair

# A repaired seed leaves as a correct CHECKSUM_PARTIAL packet: on the
# uplink only the missing tx checksum remains.
EGRESS_WANT="partial_no_tx_csum=$N/0/0" \
	syn_case rp_seed_full_syn4 4 "$N" 0 0 "partial_bad_seed=$N/$N/0" $SEEDFULL
# The counts of one device and hook split between the two policies.
og_expect rp_policy_change_split \
	"$(og_json_get "$OG_FWD" "$TUN" "$HOOK" reasons.partial_bad_seed.packets)/$(og_json_file_get "$OG_TMP/stats.json" "$TUN" "$HOOK" reasons.partial_bad_seed.repaired)" \
	"$((2 * N))/$N"
syn_case rp_seed_full_syn6 6 "$N" 0 0 "partial_bad_seed=$N/$N/0" $SEEDFULL
syn_case rp_seed_full_syn6_exthdr 6 "$N" 0 0 "partial_bad_seed=$N/$N/0" \
	$SEEDFULL --ext hbh,dst
syn_case rp_seed_lengthless_syn4 4 "$N" 0 0 "partial_bad_seed=$N/$N/0" \
	--flags needs_csum --seed lengthless
syn_case rp_seed_zero_syn6 6 "$N" 0 0 "partial_bad_seed=$N/$N/0" \
	--flags needs_csum --seed zero
udp_case rp_seed_full_udp4 4 "$N" 0 "partial_bad_seed=$N/$N/0" $SEEDFULL
udp_case rp_seed_full_udp6 6 "$N" 0 "partial_bad_seed=$N/$N/0" $SEEDFULL
udp_case rp_seed_lengthless_udp6_exthdr 6 "$N" 0 "partial_bad_seed=$N/$N/0" \
	--flags needs_csum --seed lengthless --ext dst
# Negative controls: right metadata, nothing to repair.
EGRESS_WANT="partial_no_tx_csum=$N/0/0" \
	syn_case rp_good_partial_syn4 4 "$N" 0 0 none --flags needs_csum
syn_case rp_good_csum_none_syn6 6 "$N" 0 0 none
gso_case rp_good_tso4 4 1448 "good:$MTU:1448" none
gso_case rp_good_tso6 6 1428 "good:$MTU:1428" none

# gso_size cut for the MTU instead of the MSS: lowered to MTU - headers.
EGRESS_WANT="gso_no_tso=$N/0/0 partial_no_tx_csum=$N/0/0" \
	gso_case rp_tso_gso_size_mtu4 4 "$MTU" "good:$MTU:$PAY4" \
	"gso_size_exceeds_mtu=$N/$N/0"
gso_case rp_tso_gso_size_mtu6 6 "$MTU" "good:$MTU:$PAY6" \
	"gso_size_exceeds_mtu=$N/$N/0"
# A bad seed on a GSO frame, alone and with a bad gso_size.
gso_case rp_tso_seed_full4 4 1448 "good:$MTU:1448" \
	"partial_bad_seed=$N/$N/0" --seed full
gso_case rp_tso_seed_lengthless6 6 1428 "good:$MTU:1428" \
	"partial_bad_seed=$N/$N/0" --seed lengthless
gso_case rp_tso_gso_size_mtu_seed_full6 6 "$MTU" "good:$MTU:$PAY6" \
	"gso_size_exceeds_mtu=$N/$N/0 partial_bad_seed=$N/$N/0" --seed full
# UDP GSO: gso_size delimits the application's datagrams; never re-cut.
gso_case rp_uso_gso_size_mtu4 4 "$MTU" none "gso_size_exceeds_mtu=$N/0/0" \
	--proto udp --gso udp_l4
gso_case rp_uso_gso_size_mtu6 6 "$MTU" none "gso_size_exceeds_mtu=$N/0/0" \
	--proto udp --gso udp_l4

# Without --writer-omits-csum a checksum that claims to be complete is
# never rewritten, even 0: counted, and the receiver refuses it.
syn_case rp_omit_l4_unmarked_syn4 4 0 "$N" 0 "l4_bad_csum=$N/0/0" --seed zero
syn_case rp_omit_l4_unmarked_syn6 6 0 "$N" 0 "l4_bad_csum=$N/0/0" --seed zero
syn_case rp_omit_ip_unmarked_syn4 4 0 0 "$N" "l3_bad_csum=$N/0/0" --zero-ip-csum
syn_case rp_bad_l4_unmarked_syn4 4 0 "$N" 0 "l4_bad_csum=$N/0/0" --seed bad

# --- 3: the same device marked --writer-omits-csum --------------------------
if ! og_attach "$OG_FWD" "$TUN" "$HOOK" --policy repair --writer-omits-csum; then
	og_fail rp_attach_omits "offguard attach --writer-omits-csum failed"
	exit 0
fi
status_check rp_omits_status_flag writer_omits_csum true
status_check rp_omits_keeps_prog prog_id "$PROG"
EGRESS_WANT=none \
	syn_case rp_omit_l4_syn4 4 "$N" 0 0 "l4_bad_csum=$N/$N/0" --seed zero
syn_case rp_omit_l4_syn6 6 "$N" 0 0 "l4_bad_csum=$N/$N/0" --seed zero
syn_case rp_omit_l4_syn6_exthdr 6 "$N" 0 0 "l4_bad_csum=$N/$N/0" \
	--seed zero --ext hbh
syn_case rp_omit_ip_syn4 4 "$N" 0 0 "l3_bad_csum=$N/$N/0" --zero-ip-csum
syn_case rp_omit_ip_l4_syn4 4 "$N" 0 0 \
	"l3_bad_csum=$N/$N/0 l4_bad_csum=$N/$N/0" --zero-ip-csum --seed zero
syn_case rp_omit_good_syn4 4 "$N" 0 0 none

# --- 4: --mtu: repairs follow the MTU given ---------------------------------
if ! og_attach "$OG_FWD" "$TUN" "$HOOK" --policy repair --mtu 1400; then
	og_fail rp_attach_mtu "offguard attach --mtu 1400 failed"
	exit 0
fi
status_check rp_mtu_status mtu 1400
status_check rp_mtu_status_flag_cleared writer_omits_csum false
gso_case rp_tso_mtu_override4 4 1448 "good:1400:1360" \
	"gso_size_exceeds_mtu=$N/$N/0"
gso_case rp_tso_mtu_override6 6 1428 "good:1400:1340" \
	"gso_size_exceeds_mtu=$N/$N/0"

# --- 5: the same policy change on a clsact attachment (kernels without tcx)
og_name CLS
if og_tun "$OG_FWD" "$CLS" &&
	og "$OG_FWD" attach "$CLS" --hook "$HOOK" --tc-mode clsact >/dev/null 2>&1; then
	cprog=$(og_status_get "$OG_FWD" "$CLS" "$HOOK" prog_id)
	if og_attach "$OG_FWD" "$CLS" "$HOOK" --policy repair; then
		og_expect rp_clsact_policy_change_keeps_prog \
			"$(og_status_get "$OG_FWD" "$CLS" "$HOOK" prog_id) $(og_status_get "$OG_FWD" "$CLS" "$HOOK" mode)" \
			"$cprog clsact"
		og_snap "$OG_FWD"
		og_send "$OG_FWD" tun --dev "$CLS" --flags needs_csum --seed full \
			--tcp-flags S --count "$N" >/dev/null 2>&1
		og_expect rp_clsact_repair_counted \
			"$(og_delta_rdp "$OG_FWD" "$CLS" "$HOOK")" "partial_bad_seed=$N/$N/0"
	else
		og_fail rp_clsact_policy_change_keeps_prog "attach --policy repair failed"
	fi
else
	og_fail rp_clsact_setup "cannot create $CLS or attach it with clsact"
fi

exit 0
