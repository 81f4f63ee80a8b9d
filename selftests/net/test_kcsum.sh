#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The kernel's own checksum selftest, tools/testing/selftests/net/lib/csum.c
# (Debian's linux-source-6.12), across a veth pair with offguard on both
# ends: its good runs raise no reason anywhere, every packet of its
# bad-checksum runs is counted, and the kernel agrees (nstat).
#
# Nothing of the kernel tree is in this repository: csum.c and kselftest.h
# (for ARRAY_SIZE only) are extracted from /usr/src/linux-source-6.12.tar.xz
# into a temporary directory and built with gcc against the system's uapi
# headers. The binary is cached as .output/selftests/kcsum/csum-<tarball
# mtime>, so only the first run pays for the extraction (~15 s, xz).
#
# What csum.c does (6.12). One binary is the sender (-T: "only Tx") or the
# receiver (-R: "only Rx"), or both in one process by default. Both sides
# get the same options, as the kernel's driver does:
#   -4 / -6          address family (default 6)
#   -t / -u          TCP or UDP (default UDP); dport 34000, sport 33000
#   -S SADDR -D DADDR  addresses (required)
#   -i IFNAME        receiver: the PF_PACKET socket binds to it; -P sender:
#                    the device to send on (default eth0)
#   -n N             packets (default 4); the receiver fails unless its
#                    PF_PACKET socket saw at least N matching packets
#   -L SECS          receiver: how long it reads (default 2 s, whole seconds)
#   -E               bad checksum: the sender writes ~(the right checksum);
#                    the receiver fails on any packet whose checksum is
#                    right, or that PF_PACKET reports TP_STATUS_CSUM_VALID,
#                    or (UDP) that reaches its UDP socket
#   -r SEED          random bytes, and a random payload length (0..1023)
#                    for every packet after the first; 1 = a time seed.
#                    TCP: only ports, doff and check are written, so flags,
#                    seq, ack and window are random too
#   -U               send through a UDP socket (the kernel computes the
#                    checksum, or offloads it: the "tx" tests)
#   -Z               with -U: a source port that makes the sum zero; the
#                    receiver wants the field to be 0xFFFF (RFC 768)
#   -z               UDP checksum 0 (disabled)
#   -P -s SMAC -d DMAC  send with PF_PACKET + PACKET_VNET_HDR,
#                    VIRTIO_NET_HDR_F_NEEDS_CSUM: a CHECKSUM_PARTIAL packet
#                    whose field holds the pseudo-header seed (-E inverts it)
#   -e               a 4-byte "transport encap" (UDP + inner TCP) header
#   -l LEN           payload length (default 100, max 1024)
# By default the sender writes whole IP packets to a SOCK_RAW IPPROTO_RAW
# socket (IP_HDRINCL): the skb is CHECKSUM_NONE, its checksum field is what
# csum.c wrote. The receiver reads with a PF_PACKET socket (PACKET_AUXDATA,
# a BPF filter for proto + dport 34000) and a UDP socket bound to DADDR:34000.
# It skips packets PF_PACKET reports as TP_STATUS_CSUMNOTREADY (i.e.
# CHECKSUM_PARTIAL), and re-computes every other checksum itself.
#
# How the kernel drives it: tools/testing/selftests/drivers/net/hw/csum.py
# runs the receiver on one host and the sender on the other, -n 100 -r 1,
# for IPv4 and IPv6: rx_tcp (-t), rx_tcp_invalid (-t -E), rx_udp,
# rx_udp_invalid (-E), with raw sends; tx_udp_csum_offload (-U) and
# tx_udp_zero_checksum (-U -Z) with -L 1. It never uses -P.
#
# Here: sender namespace SND --veth-- receiver namespace RCV, IPv4 + IPv6,
# permanent neighbours (no ARP/ND during a run), offguard attached to both
# ends with --hook all (tc ingress, tc egress, XDP; where a CLI refuses
# XDP the XDP checks skip with its reason). -n $N -r $SEED (fixed, so a
# run can be repeated; -Z excludes -r), -L 1. The counts asserted are
# offguard's deltas over each run, N being csum.c's -n, which the
# receiver's own "rx: pkt:" lines must match.
# The receiving kernel answers csum.c's TCP segments (random flags) with
# RSTs: IPv4 ones carry a full checksum (ip_send_unicast_reply), IPv6 ones
# are CHECKSUM_PARTIAL (tcp_v6_send_response). "No reason anywhere" in a
# good run covers those replies, at the receiver's egress and the
# sender's ingress and XDP, too.
#
# Phase 1, veth as created (tx checksum on): raw sends, TCP/UDP x 4/6:
#   good: both exit 0, the receiver saw N packets (UDP: N datagrams
#     delivered), no reason on any hook of either device, the receiver's
#     tc ingress and XDP verified at least N full checksums, no
#     *InCsumErrors in either namespace.
#   bad (-E): both exit 0 (the receiver checks the checksums are bad and,
#     for UDP, that none was delivered); exactly N l4_bad_csum at the
#     sender's tc egress and at the receiver's tc ingress (the packets are
#     CHECKSUM_NONE: they claim a complete checksum), N wire_l4_bad_csum
#     at the receiver's XDP, nothing else anywhere; the receiver's
#     TcpInCsumErrors / UdpInCsumErrors / Udp6InCsumErrors grew by N, no
#     other *InCsumErrors did.
# Phase 2, the sender's veth with `tx off`. csum.c's tx variants cannot run
# on a veth with tx checksumming on: veth hands the CHECKSUM_PARTIAL skb to
# the peer as it is, the receiver's PF_PACKET sees TP_STATUS_CSUMNOTREADY,
# skips every packet and fails ("missing packets at pf_packet: 0 < N").
# With tx off the kernel completes the checksum before the wire:
#   -U, -U -Z (UDP, 4/6): the UDP stack computes the checksum itself
#     (CHECKSUM_NONE): as a good run; -Z: the receiver checks 0xFFFF.
#   -P (TCP/UDP, 4/6): a vnet-hdr CHECKSUM_PARTIAL leaving a device without
#     tx checksum: exactly N partial_no_tx_csum (the mismatch rule) at the
#     sender's tc egress, nothing else; the receiver verifies the checksums
#     skb_checksum_help() wrote.
#   -P -E (TCP/UDP, 4/6): a writer's wrong seed: N partial_bad_seed and N
#     partial_no_tx_csum at the sender's tc egress; the software checksum
#     over the wrong seed is wrong: N l4_bad_csum at the receiver's tc
#     ingress, N wire_l4_bad_csum at its XDP, N in the kernel's counter.
# Each run takes about -L (1 s) plus the send; N and SEED can be changed
# with OG_KCSUM_N and OG_KCSUM_SEED.
#
# OG_TEST_ID is read by lib.sh; option strings ($OPTS...) are split on
# purpose.
# shellcheck disable=SC2034,SC2086,SC2119 source-path=SCRIPTDIR
OG_TEST_ID='kc'
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

KC_TARBALL=${OG_KCSUM_TARBALL:-/usr/src/linux-source-6.12.tar.xz}
KC_TOP=linux-source-6.12/tools/testing/selftests
N=${OG_KCSUM_N:-50}
SEED=${OG_KCSUM_SEED:-4242}
LSECS=1
CC=${CC:-gcc}

og_need_root
[ -r "$KC_TARBALL" ] ||
	og_skip_all "$KC_TARBALL missing (apt-get install linux-source-6.12)"
command -v "$CC" >/dev/null 2>&1 || og_skip_all "no C compiler ($CC)"
command -v xz >/dev/null 2>&1 || og_skip_all "xz not installed (xz-utils)"
for t in ethtool nstat ss; do
	command -v "$t" >/dev/null 2>&1 || og_skip_all "$t not installed"
done
og_need_tools

# --- csum.c, built from the tarball (cached) -------------------------------
KC_CACHE=$OG_OUT/kcsum
KC_BIN=$KC_CACHE/csum-$(stat -c %Y "$KC_TARBALL")
if [ ! -x "$KC_BIN" ]; then
	src=$OG_TMP/src
	mkdir -p "$src" "$KC_CACHE" || { og_fail kc_build "cannot create $KC_CACHE"; exit 0; }
	if ! tar -xJf "$KC_TARBALL" -C "$src" --wildcards \
		"$KC_TOP/net/lib/csum.c" "$KC_TOP/kselftest.h" 2>"$OG_TMP/tar.err"; then
		og_fail kc_build "tar: $(tail -n1 "$OG_TMP/tar.err")"
		exit 0
	fi
	if ! "$CC" -Wall -O2 -I"$src/$KC_TOP" -o "$KC_BIN.$$" \
		"$src/$KC_TOP/net/lib/csum.c" 2>"$OG_TMP/cc.err"; then
		rm -f "$KC_BIN.$$"
		og_fail kc_build "$CC: $(grep -m1 error "$OG_TMP/cc.err")"
		exit 0
	fi
	# One binary per tarball: drop those of older tarballs.
	find "$KC_CACHE" -maxdepth 1 -name 'csum-*' ! -name "${KC_BIN##*/}.$$" -delete
	mv "$KC_BIN.$$" "$KC_BIN"
fi
og_pass kc_build

# --- topology ----------------------------------------------------------------
og_ns_add SND || exit 1
og_ns_add RCV || exit 1
og_name VS
og_name VR
if ! og_veth "$SND" "$VS" "$RCV" "$VR"; then
	og_fail kc_setup "cannot create veth $VS/$VR"
	exit 0
fi
S4=10.238.0.1
R4=10.238.0.2
S6=fd00:238::1
R6=fd00:238::2
MS=$(ip netns exec "$SND" cat "/sys/class/net/$VS/address")
MR=$(ip netns exec "$RCV" cat "/sys/class/net/$VR/address")
if ! { ip -n "$SND" addr add "$S4/24" dev "$VS" &&
	ip -n "$RCV" addr add "$R4/24" dev "$VR" &&
	ip -n "$SND" addr add "$S6/64" dev "$VS" nodad &&
	ip -n "$RCV" addr add "$R6/64" dev "$VR" nodad &&
	ip -n "$SND" neigh replace "$R4" lladdr "$MR" dev "$VS" nud permanent &&
	ip -n "$SND" neigh replace "$R6" lladdr "$MR" dev "$VS" nud permanent &&
	ip -n "$RCV" neigh replace "$S4" lladdr "$MS" dev "$VR" nud permanent &&
	ip -n "$RCV" neigh replace "$S6" lladdr "$MS" dev "$VR" nud permanent; }; then
	og_fail kc_setup "cannot configure addresses and neighbours"
	exit 0
fi

# kc_attach NS DEV: --hook all; while a CLI refuses it, the two tc hooks.
# Then XDP on its own, in case "all" does not include it; KC_XDP=1 once
# an XDP program is attached, else KC_XDP_WHY says why not.
KC_XDP=1
KC_XDP_WHY=""
kc_attach()
{
	local ns=$1 dev=$2 out

	if ! out=$(og "$ns" attach "$dev" --hook all 2>&1); then
		echo "offguard attach $dev --hook all: $out (using the tc hooks)" >&2
		og_attach "$ns" "$dev" tc-ingress && og_attach "$ns" "$dev" tc-egress ||
			return 1
	fi
	if [ "$(og_status_get "$ns" "$dev" xdp attached)" != true ] &&
		! out=$(og "$ns" attach "$dev" --hook xdp 2>&1); then
		KC_XDP=0
		KC_XDP_WHY=$out
	fi
	if [ "$(og_status_get "$ns" "$dev" xdp attached)" != true ]; then
		KC_XDP=0
		KC_XDP_WHY=${KC_XDP_WHY:-"status shows no XDP program on $dev"}
	fi
	return 0
}
if ! kc_attach "$SND" "$VS" || ! kc_attach "$RCV" "$VR"; then
	og_fail kc_attach "offguard attach failed"
	exit 0
fi
if [ "$KC_XDP" = 1 ]; then
	og_pass kc_attach_xdp
	KC_HOOKS="tc_ingress tc_egress xdp"
else
	og_skip kc_xdp "$KC_XDP_WHY"
	KC_HOOKS="tc_ingress tc_egress"
fi
if ip netns exec "$SND" ping -c1 -W2 "$R4" >/dev/null 2>&1 &&
	ip netns exec "$SND" ping -6 -c1 -W2 "$R6" >/dev/null 2>&1; then
	og_pass kc_setup
else
	og_fail kc_setup "no IPv4/IPv6 connectivity across $VS/$VR"
	exit 0
fi
echo "# csum.c: $KC_BIN, -n $N -r $SEED, $VS ($SND) -> $VR ($RCV), hooks: $KC_HOOKS"

# --- one run -------------------------------------------------------------------

# kc_stats TAG: `stats -j` of both namespaces into $OG_TMP/TAG.{snd,rcv}.json.
kc_stats()
{
	og "$SND" stats -j >"$OG_TMP/$1.snd.json" 2>"$OG_TMP/stats.err" &&
		og "$RCV" stats -j >"$OG_TMP/$1.rcv.json" 2>"$OG_TMP/stats.err"
}

# kc_reasons: every reason counted between the "old" and "new" stats, one
# "side.hook:name=n,name=n" word per hook with any (sorted), or "none".
# kc_field SIDE HOOK PATH: how much the integer at hooks.HOOK.PATH grew.
kc_py()
{
	"$OG_PY" - "$OG_TMP" "$VS" "$VR" "$@" <<'EOF'
import json, sys
tmp, vs, vr, mode = sys.argv[1:5]
def hooks(tag, side):
    try:
        doc = json.load(open("%s/%s.%s.json" % (tmp, tag, side)))
    except Exception:
        print("ERR"); sys.exit(1)
    dev = vs if side == "snd" else vr
    for d in doc.get("devices", []):
        if d.get("ifname") == dev:
            return d.get("hooks", {}) or {}
    return {}
def packets(v):
    return v.get("packets", 0) if isinstance(v, dict) else int(v)
old = {s: hooks("old", s) for s in ("snd", "rcv")}
new = {s: hooks("new", s) for s in ("snd", "rcv")}
if mode == "reasons":
    out = []
    for s in ("snd", "rcv"):
        for h in sorted(set(old[s]) | set(new[s])):
            ro = (old[s].get(h) or {}).get("reasons") or {}
            rn = (new[s].get(h) or {}).get("reasons") or {}
            d = ["%s=%d" % (k, packets(rn.get(k, {})) - packets(ro.get(k, {})))
                 for k in sorted(set(ro) | set(rn))
                 if packets(rn.get(k, {})) != packets(ro.get(k, {}))]
            if d:
                out.append("%s.%s:%s" % (s, h, ",".join(d)))
    print(" ".join(sorted(out)) or "none")
else:
    s, h, path = sys.argv[5:8]
    def get(hk):
        v = hk.get(h) or {}
        for k in path.split("."):
            v = v.get(k, 0) if isinstance(v, dict) else 0
        return int(v)
    print(get(new[s]) - get(old[s]))
EOF
}

# kc_nstat TAG: both namespaces' SNMP counters into $OG_TMP/TAG.{snd,rcv}.mib
# (-s: the history file shared through /tmp is not touched).
kc_nstat()
{
	ip netns exec "$SND" nstat -asz >"$OG_TMP/$1.snd.mib" 2>/dev/null
	ip netns exec "$RCV" nstat -asz >"$OG_TMP/$1.rcv.mib" 2>/dev/null
}

# kc_mib SIDE COUNTER: how much COUNTER grew between the old and new
# kc_nstat; COUNTER "csum" is every *InCsumErrors (IP, TCP, UDP, UDP6,
# ICMP, ICMP6) together: any checksum the stack refused.
kc_mib()
{
	awk -v want="$2" '
		want == "csum" ? $1 ~ /InCsumErrors$/ : $1 == want {
			v[FILENAME] += $2
		}
		END { print v[ARGV[2]] - v[ARGV[1]] }' \
		"$OG_TMP/old.$1.mib" "$OG_TMP/new.$1.mib"
}

# kc_run NAME FAMILY "CSUM_OPTS" "EXPECTED_REASONS" [MIB]
#   EXPECTED_REASONS: kc_reasons' words (any order; "xdp" words are
#   dropped while XDP is not attached), or "none".
#   MIB: the receiver's counter that must grow by N (a bad run: the only
#   *InCsumErrors that may), else none may grow.
kc_run()
{
	local name=kc_$1 fam=$2 opts=$3 want=$4 mib=${5:-} s d pid rrc trc
	local rx_pkts rx_udp want_udp got w v i r

	if [ "$fam" = 4 ]; then s=$S4 d=$R4; else s=$S6 d=$R6; fi
	if ! kc_stats old; then
		og_fail "$name" "offguard stats -j: $(head -c 200 "$OG_TMP/stats.err")"
		return
	fi
	kc_nstat old

	ip netns exec "$RCV" "$KC_BIN" -"$fam" $opts -S "$s" -D "$d" -i "$VR" \
		-n "$N" -L "$LSECS" -R >"$OG_TMP/rx.log" 2>&1 &
	pid=$!
	_og_pids+=("$pid")
	# Both receive sockets exist once the UDP one is bound.
	for _ in $(seq 100); do
		ip netns exec "$RCV" ss -Hlun 'sport = :34000' | grep -q . && break
		sleep 0.02
	done
	# -r only for the sender (the receiver ignores it); -Z excludes it.
	case " $opts " in *" -Z "*) r="" ;; *) r="-r $SEED" ;; esac
	ip netns exec "$SND" "$KC_BIN" -"$fam" $opts $r -S "$s" -D "$d" -i "$VS" \
		-n "$N" -T >"$OG_TMP/tx.log" 2>&1
	trc=$?
	wait "$pid"
	rrc=$?
	v=()
	for i in "${_og_pids[@]}"; do
		[ "$i" = "$pid" ] || v+=("$i")
	done
	_og_pids=("${v[@]}")
	kc_nstat new
	if ! kc_stats new; then
		og_fail "$name" "offguard stats -j: $(head -c 200 "$OG_TMP/stats.err")"
		return
	fi

	# csum.c's own verdicts.
	if [ "$trc" = 0 ] && [ "$rrc" = 0 ]; then
		og_pass "${name}_csum"
	else
		og_fail "${name}_csum" "sender exit $trc ($(tail -n1 "$OG_TMP/tx.log")), receiver exit $rrc ($(tail -n1 "$OG_TMP/rx.log"))"
	fi
	rx_pkts=$(grep -c '^rx: pkt: ' "$OG_TMP/rx.log")
	rx_udp=$(grep -c '^rx: udp: ' "$OG_TMP/rx.log")
	want_udp=0
	case " $opts " in *" -t "*) ;; *) [ -z "$mib" ] && want_udp=$N ;; esac
	og_expect "${name}_received" "pf_packet=$rx_pkts udp=$rx_udp" \
		"pf_packet=$N udp=$want_udp"

	# offguard: exactly the expected reasons, each N times.
	got=$(kc_py reasons)
	if [ "$want" != none ]; then
		v=()
		for w in $want; do
			[ "$KC_XDP" = 1 ] || [[ "$w" != *.xdp:* ]] && v+=("$w")
		done
		want=$(printf '%s\n' "${v[@]}" | LC_ALL=C sort | tr '\n' ' ')
		want=${want% }
		[ -n "$want" ] || want=none
	fi
	og_expect "${name}_reasons" "$got" "$want"

	# offguard judged the packets: the receiver's tc ingress (and XDP)
	# summed the full checksum of every one (CHECKSUM_NONE on arrival, in
	# all runs).
	og_expect_ge "${name}_verified" "$(kc_py field rcv tc_ingress l4_verified)" \
		"$N" "rcv tc_ingress l4_verified"
	[ "$KC_XDP" = 1 ] &&
		og_expect_ge "${name}_verified_xdp" "$(kc_py field rcv xdp l4_verified)" \
			"$N" "rcv xdp l4_verified"

	# The kernel's view: the receiver's stack refused exactly the bad ones.
	got="rcv_all=$(kc_mib rcv csum) snd_all=$(kc_mib snd csum)"
	w="rcv_all=0 snd_all=0"
	if [ -n "$mib" ]; then
		got="$mib=$(kc_mib rcv "$mib") $got"
		w="$mib=$N rcv_all=$N snd_all=0"
	fi
	og_expect "${name}_nstat" "$got" "$w"
}

# --- phase 1: raw sends (csum.py's rx tests), tx checksum on ---------------
for fam in 4 6; do
	udpmib=UdpInCsumErrors
	[ "$fam" = 6 ] && udpmib=Udp6InCsumErrors
	kc_run "tcp${fam}_good" "$fam" "-t" none
	kc_run "tcp${fam}_bad" "$fam" "-t -E" \
		"snd.tc_egress:l4_bad_csum=$N rcv.tc_ingress:l4_bad_csum=$N rcv.xdp:wire_l4_bad_csum=$N" \
		TcpInCsumErrors
	kc_run "udp${fam}_good" "$fam" "-u" none
	kc_run "udp${fam}_bad" "$fam" "-u -E" \
		"snd.tc_egress:l4_bad_csum=$N rcv.tc_ingress:l4_bad_csum=$N rcv.xdp:wire_l4_bad_csum=$N" \
		"$udpmib"
done

# --- phase 2: the tx variants, the sender's veth without tx checksum --------
if ! ip netns exec "$SND" ethtool -K "$VS" tx off >/dev/null 2>&1; then
	og_fail kc_tx_off "ethtool -K $VS tx off failed"
	exit 0
fi
for fam in 4 6; do
	udpmib=UdpInCsumErrors
	[ "$fam" = 6 ] && udpmib=Udp6InCsumErrors
	kc_run "udp${fam}_sock" "$fam" "-u -U" none
	kc_run "udp${fam}_sock_zero" "$fam" "-u -U -Z" none
	for p in tcp udp; do
		mib=$udpmib
		[ "$p" = tcp ] && mib=TcpInCsumErrors
		kc_run "${p}${fam}_vnet" "$fam" "-${p:0:1} -P -s $MS -d $MR" \
			"snd.tc_egress:partial_no_tx_csum=$N"
		kc_run "${p}${fam}_vnet_bad_seed" "$fam" "-${p:0:1} -P -E -s $MS -d $MR" \
			"snd.tc_egress:partial_bad_seed=$N,partial_no_tx_csum=$N rcv.tc_ingress:l4_bad_csum=$N rcv.xdp:wire_l4_bad_csum=$N" \
			"$mib"
	done
done

exit 0
