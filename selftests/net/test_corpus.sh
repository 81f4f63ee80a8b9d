#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The XDP wire validator against real captures: every trace of the shared
# corpus (../shared/corpus/pcap, next to the repository) is replayed
# through a veth pair in a private namespace, offguard's XDP program on
# the receiving peer, and the counters of each trace must equal what an
# independent oracle (wire_oracle.py: plain Python, RFC 1071 written out)
# derives from the same bytes, reason by reason, exactly.
#
#  0. The oracle itself, on facts read off the captures by hand and with
#     tcpdump (the table FACTS below): which trace holds which fault, how
#     many times, in which frames. An oracle that drifted to agree with a
#     buggy program fails here first.
#  1. Observe: each trace, counters (packets/repaired/dropped) = oracle,
#     every frame seen by XDP (none lost in the veth before it), the
#     program still attached after the malformed ones.
#  2. Captures in other link types (raw IP, SLL, SLL2, NULL, LOOP), made
#     here from corpus frames: og_replay and the oracle convert them to
#     the same Ethernet frames (a capture on the peer is byte-equal), and
#     XDP counts what the Ethernet originals raise.
#  3. wire_oversize. Both veth ends have MTU 9000, so that no frame of the
#     corpus (the largest, a leaked TSO frame, is 3332 bytes) is dropped by
#     the veth before XDP (veth refuses a frame longer than the receiving
#     device's MTU); at that MTU nothing is oversize. The rule is then
#     exercised by attaching again with --mtu 1500 and replaying
#     kerberos_tso.pcapng, whose leaked TSO frames exceed it.
#  4. Repair, on a second pair with --policy repair: localhost-bad-chksum
#     (a host's capture of its own offloaded TCP: every outbound checksum
#     is the pseudo-header seed) arrives with every checksum right, and
#     only the checksum fields changed; ip4-tcp-bad-chksum (a checksum that
#     claims to be complete) arrives byte-equal. On a veth, XDP cannot
#     tell a leaked partial checksum from a CHECKSUM_PARTIAL skb's pending
#     one, so it hands the verdict to tc ingress (attached with it), which
#     reads ip_summed and repairs there. Packet taps run before tc
#     ingress, so the capture is taken after it: a classic tc ingress
#     filter (which runs after offguard's tcx program) mirrors every
#     frame to a third veth, captured on its far end.
#
# Frames are sent by og_replay (AF_PACKET; why not tcpreplay: see
# selftests/tools/og_replay.c). IPv6 is off in the namespace, and the
# veths have no addresses, so the stack adds no frames of its own.
# OG_TEST_ID is read by lib.sh.
# shellcheck disable=SC2034 source-path=SCRIPTDIR
OG_TEST_ID='co'
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

og_need_root
CORPUS=$OG_TOP/../shared/corpus/pcap
[ -d "$CORPUS" ] || og_skip_all "no capture corpus at $CORPUS (../shared/corpus next to the repository)"
OG_REPLAY=${OG_REPLAY:-$OG_OUT/og_replay}
og_need_tools "$OG_REPLAY"
ORACLE=$OG_NET_DIR/wire_oracle.py
MTU=9000		# both veth ends: every corpus frame gets to XDP
SMALL_MTU=1500		# --mtu of the oversize check
GAP=20			# us between frames: veth's XDP ring holds 256

# --- the oracle --------------------------------------------------------------

# oracle_counts FILE MTU: two lines, the frames replayed and the reasons
# "name=count ..." (sorted, or "none"); ERR lines if the oracle failed.
oracle_counts()
{
	"$OG_PY" "$ORACLE" --mtu "$2" "$1" 2>&1 | "$OG_PY" -c '
import json, sys
try:
    d = json.load(sys.stdin)
    print(d["frames"])
    print(" ".join("%s=%d" % kv for kv in sorted(d["reasons"].items())) or "none")
except Exception:
    print("ERR\nERR")'
}

# oracle_frames FILE MTU REASON: the frames (1-based) that raise REASON.
oracle_frames()
{
	"$OG_PY" "$ORACLE" --frames --mtu "$2" "$1" 2>&1 | "$OG_PY" -c '
import json, sys
try:
    d = json.load(sys.stdin)
    print(" ".join(str(f["n"]) for f in d["per_frame"] if sys.argv[1] in f["reasons"]) or "none")
except Exception:
    print("ERR")' "$3"
}

# check_name FILE: co_<file name without extension>, [-.] -> _.
check_name()
{
	local b

	b=$(basename "$1")
	b=${b%.*}
	printf 'co_%s' "${b//[-.]/_}"
}

# Facts, at MTU 1500, checked by reading the frames (tcpdump -vv, and by
# hand where tcpdump does not judge): the oracle must find exactly these.
#  - *-bad-chksum: one checksum field set to a wrong value (0x0001 in the
#    Zeek traces); *-good-chksum: all right, including the IPv6 ones whose
#    pseudo-header takes the home address (hoa) or the routing header's
#    final destination (route0), which a naive checker calls bad;
#  - mip6-*: the mobility header's checksum is not a wire rule: nothing;
#  - geneve-inner-tcp-bad-checksum: the bad checksum is in the inner
#    frame, which XDP does not parse: nothing;
#  - localhost-bad-chksum: the 6 outbound segments (frames 1 3 4 7 8 10)
#    hold the pseudo-header sum, e.g. 0x13c5 = c0a8+011c+23dd+2e09+0006+
#    0014 folded for the 20-byte segments;
#  - detect-chksum-01: of the "2 client packets with bad checksums",
#    frame 1 (0x1337) is wrong, frame 4 (0x7618) is the pseudo-header sum
#    of its 167-byte segment: a seed leaked by the capturing host;
#  - kerberos_tso: the capturing host's 158 outbound frames have IPv4
#    header checksum 0; 146 of them carry TCP seeds with the length; 5 TSO
#    frames (IP length 1617..1689, frames 20 30 152 226 236) carry the
#    length-less seed 0x595e, which the rule does not call a leaked
#    partial (it is specified with the L4 length): wire_l4_bad_csum; 7
#    frames have IPv4 total length 0 (1675..3332 bytes): truncated, and
#    with the 5 others, 12 frames exceed 1500 bytes of L3;
#  - truncated-header: snap length 68, 12 frames cut inside their IP
#    length; ip-bogus-header-len: total length 0 and a wrong header
#    checksum; ipv4-*-header: ihl 15 with 20 header bytes present;
#    ip6-ext-trunc: payload length 20, no payload.
declare -A FACTS=(
	[zeek/chksums/ip4-bad-chksum.pcap]="wire_l3_bad_csum=1"
	[zeek/chksums/ip4-icmp-bad-chksum.pcap]="wire_l4_bad_csum=1"
	[zeek/chksums/ip4-icmp-good-chksum.pcap]="none"
	[zeek/chksums/ip4-tcp-bad-chksum.pcap]="wire_l4_bad_csum=1"
	[zeek/chksums/ip4-tcp-good-chksum.pcap]="none"
	[zeek/chksums/ip4-udp-bad-chksum.pcap]="wire_l4_bad_csum=1"
	[zeek/chksums/ip4-udp-good-chksum.pcap]="none"
	[zeek/chksums/ip6-hoa-tcp-bad-chksum.pcap]="wire_l4_bad_csum=1"
	[zeek/chksums/ip6-hoa-tcp-good-chksum.pcap]="none"
	[zeek/chksums/ip6-hoa-udp-bad-chksum.pcap]="wire_l4_bad_csum=1"
	[zeek/chksums/ip6-hoa-udp-good-chksum.pcap]="none"
	[zeek/chksums/ip6-icmp6-bad-chksum.pcap]="wire_l4_bad_csum=1"
	[zeek/chksums/ip6-icmp6-good-chksum.pcap]="none"
	[zeek/chksums/ip6-route0-icmp6-bad-chksum.pcap]="wire_l4_bad_csum=1"
	[zeek/chksums/ip6-route0-icmp6-good-chksum.pcap]="none"
	[zeek/chksums/ip6-route0-tcp-bad-chksum.pcap]="wire_l4_bad_csum=1"
	[zeek/chksums/ip6-route0-tcp-good-chksum.pcap]="none"
	[zeek/chksums/ip6-route0-udp-bad-chksum.pcap]="wire_l4_bad_csum=1"
	[zeek/chksums/ip6-route0-udp-good-chksum.pcap]="none"
	[zeek/chksums/ip6-tcp-bad-chksum.pcap]="wire_l4_bad_csum=1"
	[zeek/chksums/ip6-tcp-good-chksum.pcap]="none"
	[zeek/chksums/ip6-udp-bad-chksum.pcap]="wire_l4_bad_csum=1"
	[zeek/chksums/ip6-udp-good-chksum.pcap]="none"
	[zeek/chksums/localhost-bad-chksum.pcap]="wire_leaked_partial=6"
	[zeek/chksums/mip6-bad-mh-chksum.pcap]="none"
	[zeek/chksums/mip6-good-mh-chksum.pcap]="none"
	[zeek/misc/geneve-inner-tcp-bad-checksum.pcap]="none"
	[zeek/misc/ip-bogus-header-len.pcap]="wire_l3_bad_csum=1 wire_truncated=1"
	[zeek/misc/ip6-ext-trunc.pcap]="wire_truncated=1"
	[zeek/misc/ipv4-internally-truncated-header.pcap]="wire_truncated=1"
	[zeek/misc/ipv4-truncated-broken-header.pcap]="wire_truncated=1"
	[zeek/misc/kerberos_tso.pcapng]="wire_l3_bad_csum=158 wire_l4_bad_csum=5 wire_leaked_partial=146 wire_oversize=12 wire_truncated=7"
	[zeek/misc/truncated-header.pcap]="wire_truncated=12"
	[suricata-verify/detect-chksum-01.pcap]="wire_l4_bad_csum=1 wire_leaked_partial=1"
	[suricata-verify/geneve-decoder.pcap]="none"
	[suricata-verify/vxlan-decoder-01.pcap]="none"
)
declare -A FACT_FRAMES=(
	[zeek/chksums/ip4-tcp-bad-chksum.pcap]="1"
	[zeek/chksums/localhost-bad-chksum.pcap]="10"
	[zeek/misc/kerberos_tso.pcapng]="314"
	[zeek/misc/truncated-header.pcap]="24"
	[suricata-verify/detect-chksum-01.pcap]="12"
	[suricata-verify/vxlan-decoder-01.pcap]="3"
)

for rel in $(printf '%s\n' "${!FACTS[@]}" | sort); do
	f=$CORPUS/$rel
	name=$(check_name "$f")_oracle
	if [ ! -e "$f" ]; then
		og_skip "$name" "$rel not in the corpus"
		continue
	fi
	{ read -r frames; read -r got; } < <(oracle_counts "$f" 1500)
	og_expect "$name" "$got" "${FACTS[$rel]}"
	[ -n "${FACT_FRAMES[$rel]:-}" ] &&
		og_expect "${name}_frames" "$frames" "${FACT_FRAMES[$rel]}"
done
# Which frames, where it matters.
L=$CORPUS/zeek/chksums/localhost-bad-chksum.pcap
K=$CORPUS/zeek/misc/kerberos_tso.pcapng
D=$CORPUS/suricata-verify/detect-chksum-01.pcap
og_expect co_oracle_localhost_seed_frames \
	"$(oracle_frames "$L" 1500 wire_leaked_partial)" "1 3 4 7 8 10"
og_expect co_oracle_detect_chksum_frames \
	"$(oracle_frames "$D" 1500 wire_l4_bad_csum)/$(oracle_frames "$D" 1500 wire_leaked_partial)" "1/4"
og_expect co_oracle_kerberos_lengthless_seed_frames \
	"$(oracle_frames "$K" 1500 wire_l4_bad_csum)" "20 30 152 226 236"
og_expect co_oracle_kerberos_mtu9000 \
	"$(oracle_counts "$K" "$MTU" | tail -1)" \
	"wire_l3_bad_csum=158 wire_l4_bad_csum=5 wire_leaked_partial=146 wire_truncated=7"

# The kernel on one verdict a parser could argue with: ip-bogus-header-len
# has total length 0 (truncated) and a wrong header checksum. ip_rcv_core
# sums the header before it looks at the length, so the stack counts a
# checksum error for it (and a header error): both reasons hold. The
# receiving veth takes the frame's destination MAC, so the stack gets it.
og_ns_add KNS || { og_fail co_setup "cannot create a namespace"; exit 0; }
og_name KA
og_name KB
if og_veth "$KNS" "$KA" "$KNS" "$KB" &&
	ip -n "$KNS" link set "$KB" address 00:00:00:00:00:02 &&
	ip -n "$KNS" addr add 10.202.0.1/24 dev "$KB"; then
	k0=$(og_nstat "$KNS" IpExtInCsumErrors IpInHdrErrors)
	ip netns exec "$KNS" "$OG_REPLAY" --dev "$KA" \
		"$CORPUS/zeek/misc/ip-bogus-header-len.pcap" >/dev/null
	sleep 0.2
	k1=$(og_nstat "$KNS" IpExtInCsumErrors IpInHdrErrors)
	og_expect co_kernel_bogus_len_csum_error \
		"$((${k1% *} - ${k0% *})) $((${k1#* } - ${k0#* }))" "1 1"
else
	og_fail co_kernel_bogus_len_csum_error "cannot build the veth pair"
fi

# --- topology -----------------------------------------------------------------

# pair NS S R POLICY [ATTACH_ARGS]: veth S -> R, MTU $MTU, XDP on R.
pair()
{
	local ns=$1 s=$2 r=$3 pol=$4

	shift 4
	og_veth "$ns" "$s" "$ns" "$r" &&
		ip -n "$ns" link set "$s" mtu "$MTU" &&
		ip -n "$ns" link set "$r" mtu "$MTU" &&
		og_attach "$ns" "$r" xdp --policy "$pol" "$@"
}

og_ns_add NS || { og_fail co_setup "cannot create a namespace"; exit 0; }
# No IPv6 on the veths: no router solicitations, MLD or DAD of their own.
ip netns exec "$NS" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
	net.ipv6.conf.default.disable_ipv6=1
og_name S1
og_name R1
if ! pair "$NS" "$S1" "$R1" observe; then
	og_fail co_attach "offguard attach $R1 --hook xdp failed (see stderr)"
	exit 0
fi
og_pass co_attach
PROG=$(og_status_get "$NS" "$R1" xdp prog_id)

# replay NAME FILE ORACLE_MTU DEV_S DEV_R [REPAIRED...]: send FILE from
# DEV_S, wait until XDP on DEV_R has seen every frame, and compare the
# counters (packets/repaired/dropped) with the oracle's: every reason
# named in REPAIRED repaired in each frame that raised it, the others
# never; nothing dropped. The oracle's reasons are left in REPLAY_WANT.
REPLAY_WANT=""
replay()
{
	local name=$1 f=$2 mtu=$3 s=$4 r=$5 frames want out="" sent
	local p0 p1 w n

	shift 5
	{ read -r frames; read -r want; } < <(oracle_counts "$f" "$mtu")
	REPLAY_WANT=$want
	if [ "$frames" = ERR ]; then
		og_fail "$name" "oracle failed on $f"
		return 1
	fi
	if [ "$want" != none ]; then
		for w in $want; do
			n=${w#*=}
			[[ " $* " == *" ${w%=*} "* ]] || n=0
			out+="${out:+ }$w/$n/0"
		done
		want=$out
	fi
	if ! og_snap "$NS"; then
		og_fail "$name" "offguard stats: $(head -c 300 "$OG_TMP/stats.err")"
		return 1
	fi
	p0=$(og_json_file_get "$OG_TMP/snap.json" "$r" xdp packets)
	if ! out=$(ip netns exec "$NS" "$OG_REPLAY" --dev "$s" --gap-us "$GAP" \
		   "$f" 2>&1); then
		og_fail "$name" "og_replay: $out"
		return 1
	fi
	sent=$(sed -n 's/^sent \([0-9]*\) .*/\1/p' <<<"$out")
	og_expect "${name}_sent" "$sent" "$frames"
	for _ in $(seq 60); do
		p1=$(og_json_get "$NS" "$r" xdp packets)
		[[ "$p1" =~ ^[0-9]+$ ]] && [ "$((p1 - p0))" -ge "$sent" ] && break
		sleep 0.05
	done
	og_expect "${name}_xdp_saw_all" "$((p1 - p0))" "$sent"
	out=$(og_delta_rdp "$NS" "$r" xdp)
	og_expect "$name" "$out" "$want"
	# On a difference, the oracle's frames for each reason that differs,
	# grouped by what else they raise (stderr), to look at with
	# tcpdump -r FILE --number.
	[ "$out" = "$want" ] && return 0
	for w in $(comm -3 <(tr ' ' '\n' <<<"$out" | sort) \
			   <(tr ' ' '\n' <<<"$want" | sort) |
		   sed 's/^\t*//; s/=.*//' | sort -u); do
		"$OG_PY" "$ORACLE" --frames --mtu "$mtu" "$f" | "$OG_PY" -c '
import json, sys
w, name = sys.argv[1], sys.argv[2]
groups = {}
for fr in json.load(sys.stdin)["per_frame"]:
    if w in fr["reasons"]:
        groups.setdefault(" ".join(fr["reasons"]), []).append(str(fr["n"]))
for k, v in sorted(groups.items()):
    more = " ..." if len(v) > 12 else ""
    print("%s: oracle: %d frames raise %s: %s%s" % (name, len(v), k, " ".join(v[:12]), more))
' "$w" "$name" >&2
	done
}

# --- 1: every trace, observe ------------------------------------------------
mapfile -t TRACES < <(find "$CORPUS" -type f \( -name '*.pcap' -o -name '*.pcapng' \) | sort)
[ "${#TRACES[@]}" -gt 0 ] || og_fail co_corpus "no pcap or pcapng under $CORPUS"
for f in "${TRACES[@]}"; do
	name=$(check_name "$f")
	replay "$name" "$f" "$MTU" "$S1" "$R1"
	# Malformed frames must not unload or detach the program.
	if [[ "$REPLAY_WANT" == *wire_truncated* ]]; then
		og_expect "${name}_still_attached" \
			"$(og_status_get "$NS" "$R1" xdp prog_id) $(og_status_get "$NS" "$R1" xdp policy)" \
			"$PROG observe"
	fi
done

# --- 2: other link types, converted as the oracle does ----------------------
# One capture per link type, from the L3 bytes of four corpus traces
# (IPv4 and IPv6; seeds, a bad header checksum, routing header, HoA).
MIX=("$L" "$CORPUS/zeek/chksums/ip4-bad-chksum.pcap"
     "$CORPUS/zeek/chksums/ip6-route0-tcp-bad-chksum.pcap"
     "$CORPUS/zeek/chksums/ip6-hoa-udp-good-chksum.pcap")
if "$OG_PY" - "$OG_TMP" "$ORACLE" "${MIX[@]}" <<'EOF'
import os, struct, sys
sys.path.insert(0, os.path.dirname(sys.argv[2]))
import wire_oracle as w
out, files = sys.argv[1], sys.argv[3:]
l3 = []
for f in files:
    lt, frames = w.read_capture(f)
    assert lt == 1
    l3 += [fr[14:] for fr in frames]          # no VLAN tags in these
def hdr(lt, p):
    v6 = p[0] >> 4 == 6
    if lt == 113:   # packet type 4 (outgoing), ARPHRD_ETHER, 6-byte address
        return struct.pack(">HHH8sH", 4, 1, 6, b"\x02og\0\0\1", 0x86DD if v6 else 0x800)
    if lt == 276:   # protocol, reserved, ifindex, hatype, pkttype, halen, addr
        return struct.pack(">HHIHBB8s", 0x86DD if v6 else 0x800, 0, 1, 1, 4, 6, b"\x02og\0\0\1")
    if lt == 0:
        return struct.pack("=I", 10 if v6 else 2)
    if lt == 108:
        return struct.pack(">I", 10 if v6 else 2)
    return b""
for lt in (101, 113, 276, 0, 108):
    with open(os.path.join(out, "lt%d.pcap" % lt), "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, lt))
        for p in l3:
            rec = hdr(lt, p) + p
            f.write(struct.pack("<IIII", 0, 0, len(rec), len(rec)) + rec)
EOF
then
	for lt in 101 113 276 0 108; do
		f=$OG_TMP/lt$lt.pcap
		og_expect "co_linktype_${lt}_oracle" "$(oracle_counts "$f" "$MTU" | tail -1)" \
			"wire_l3_bad_csum=1 wire_l4_bad_csum=1 wire_leaked_partial=6"
		if ! og_cap_start "$NS" "$R1" "$OG_TMP/lt.cap" -Q in; then
			og_fail "co_linktype_$lt" "tcpdump did not start"
			continue
		fi
		replay "co_linktype_$lt" "$f" "$MTU" "$S1" "$R1"
		if og_cap_stop; then
			og_expect "co_linktype_${lt}_bytes" \
				"$("$OG_PY" "$ORACLE" --cmp "$OG_TMP/lt.cap" "$f" |
				   "$OG_PY" -c 'import json,sys; d=json.load(sys.stdin); print(d["equal"], d["frames"], d["captured"])')" \
				"13 13 13"
		else
			og_fail "co_linktype_${lt}_bytes" "the capture lost frames"
		fi
	done
else
	og_fail co_linktype_build "cannot write the converted captures"
fi

# --- 3: wire_oversize, with --mtu ------------------------------------------
if og_attach "$NS" "$R1" xdp --policy observe --mtu "$SMALL_MTU"; then
	og_expect co_mtu_keeps_prog "$(og_status_get "$NS" "$R1" xdp prog_id)" "$PROG"
	replay co_oversize_kerberos_tso "$K" "$SMALL_MTU" "$S1" "$R1"
	# Frames at the MTU are not oversize: detect-chksum-01 has a 1470-byte
	# IP packet; at --mtu 1470 it fits, at 1469 it does not.
	if og_attach "$NS" "$R1" xdp --policy observe --mtu 1470; then
		replay co_oversize_edge_fits "$D" 1470 "$S1" "$R1"
	fi
	if og_attach "$NS" "$R1" xdp --policy observe --mtu 1469; then
		replay co_oversize_edge_over "$D" 1469 "$S1" "$R1"
	fi
else
	og_fail co_oversize "offguard attach --mtu $SMALL_MTU failed"
fi

# --- 4: repair ----------------------------------------------------------------
# cap_replay NAME FILE [REPAIRED...]: replay FILE through the repair pair
# with a capture on its receiving end, into $OG_TMP/rep.cap.
og_name S2
og_name R2
if ! pair "$NS" "$S2" "$R2" repair; then
	og_fail co_repair_attach "offguard attach $R2 --hook xdp --policy repair failed"
	exit 0
fi
og_name M1
og_name M2
if ! og_veth "$NS" "$M1" "$NS" "$M2" ||
	! ip -n "$NS" link set "$M1" mtu "$MTU" ||
	! ip -n "$NS" link set "$M2" mtu "$MTU" ||
	! ip netns exec "$NS" tc qdisc add dev "$R2" clsact ||
	! ip netns exec "$NS" tc filter add dev "$R2" ingress pref 49000 \
		protocol all u32 match u32 0 0 \
		action mirred egress mirror dev "$M1"; then
	og_fail co_repair_mirror "cannot mirror $R2's ingress (after tc) to $M1"
	exit 0
fi
cap_replay()
{
	local name=$1 f=$2

	shift 2
	if ! og_cap_start "$NS" "$M2" "$OG_TMP/rep.cap" -Q in; then
		og_fail "$name" "tcpdump did not start"
		return 1
	fi
	replay "$name" "$f" "$MTU" "$S2" "$R2" "$@"
	og_cap_stop || { og_fail "$name" "the capture lost frames"; return 1; }
}

# cmp_field FIELD: FIELD of the oracle's --cmp of the last capture and FILE.
cmp_field()
{
	"$OG_PY" "$ORACLE" --cmp "$OG_TMP/rep.cap" "$1" | "$OG_PY" -c '
import json, sys
d = json.load(sys.stdin)
v = d.get(sys.argv[1])
if isinstance(v, dict):
    v = " ".join("%s:%s" % (k, ",".join(map(str, o)) if isinstance(o, list) else o)
                 for k, o in sorted(v.items(), key=lambda kv: int(kv[0])))
elif isinstance(v, list):
    v = " ".join(map(str, v))
print(v if v not in ("", None) else "none")' "$2"
}

# Seeds completed: every leaked partial repaired, nothing dropped.
if cap_replay co_repair_localhost "$L" wire_leaked_partial; then
	{ read -r frames; read -r got; } < <(oracle_counts "$OG_TMP/rep.cap" "$MTU")
	og_expect co_repair_localhost_arrive_all "$frames" 10
	og_expect co_repair_localhost_checksums_right "$got" none
	# The TCP checksum field of those frames (Ethernet 14 + IPv4 20 +
	# 16 = bytes 50 and 51) is all that changed; had the tap run before
	# XDP, the capture would equal the trace.
	og_expect co_repair_localhost_only_csum_changed "$(cmp_field "$L" changed)" \
		"1:50,51 3:50,51 4:50,51 7:50,51 8:50,51 10:50,51"
fi
# A wrong checksum that claims to be complete is never rewritten.
B=$CORPUS/zeek/chksums/ip4-tcp-bad-chksum.pcap
if cap_replay co_repair_bad_tcp "$B"; then
	og_expect co_repair_bad_tcp_byte_equal \
		"$(cmp_field "$B" equal)/$(cmp_field "$B" captured)" "1/1"
fi
B=$CORPUS/suricata-verify/detect-chksum-01.pcap
if cap_replay co_repair_detect_chksum "$B" wire_leaked_partial; then
	# Frame 4's seed is completed, frame 1's wrong checksum left alone.
	og_expect co_repair_detect_chksum_changed "$(cmp_field "$B" changed)" \
		"4:50,51"
	og_expect co_repair_detect_chksum_left "$(oracle_counts "$OG_TMP/rep.cap" "$MTU" | tail -1)" \
		"wire_l4_bad_csum=1"
fi

exit 0
