#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# segd end to end against the kernel, byte for byte. One super-frame at a
# time is written by an AF_PACKET PACKET_VNET_HDR writer in the guest
# (segd_lib.sh: guest veth -> relay -> TAP), and the segments are captured
# on the receiver's veth twice:
#   kernel  no XDP; the bridge forwards the super-frame to the uplink,
#           whose software GSO cuts it (tso, gso and tx checksumming off:
#           complete checksums in the capture)
#   segd    offguard segd on the TAP cuts it and sends it on the uplink
# The two captures must be equal byte for byte: same segments, same
# order, same headers (IPv4 IDs, flags, lengths), same checksums.
#
# VLAN: this kernel has no 802.1Q (CONFIG_VLAN_8021Q unset), so its
# software GSO cannot cut a tagged super-frame and there is no kernel
# oracle. segd cuts behind the tag; scapy checks each segment on its own
# (tag kept, lengths, checksums recomputed by scapy, payload rejoined).
# shellcheck disable=SC2034,SC2086 source-path=SCRIPTDIR
OG_TEST_ID='sq'
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=segd_lib.sh
. "$(dirname "$0")/segd_lib.sh"


og_need_root
og_need_tools "$SG_RELAY_BIN" "$OG_SEND"
segd_need
skip_if_missing tcpdump || exit 0

if ! segd_topo_up 2>"$OG_TMP/topo.err"; then
	og_fail sq_setup "topology: $(tr '\n' ' ' <"$OG_TMP/topo.err" | head -c 400)"
	exit 0
fi
og_bpffs_private || { og_fail sq_setup "cannot mount a private bpffs"; exit 0; }
# complete checksums from the kernel's path too
ip netns exec "$SG_H" ethtool -K "$SG_UO" tx off >/dev/null 2>&1 || {
	og_fail sq_setup "ethtool -K $SG_UO tx off failed"
	exit 0
}
MAC_G=$(ip netns exec "$SG_G" cat "/sys/class/net/$SG_VG/address")
MAC_R=$(ip netns exec "$SG_R" cat "/sys/class/net/$SG_UR/address")
og_pass sq_setup

# capture OUT ARGS...: write one super-frame in the guest, capture what
# reaches the receiver (port 7777 only, tagged or not)
capture()
{
	local out=$1 err

	shift
	if ! og_cap_start "$SG_R" "$SG_UR" "$out" \
	     "port 7777 or (vlan and port 7777)"; then
		echo "tcpdump did not start"
		return 1
	fi
	err=$(og_send "$SG_G" packet --ifname "$SG_VG" --src-mac "$MAC_G" \
	      --dst-mac "$MAC_R" --src "$SRC" --dst "$DST" --sport 7777 \
	      --dport 7777 "$@" 2>&1) || {
		og_cap_stop
		echo "og_send: $err"
		return 1
	}
	sleep 0.3
	og_cap_stop || { echo "the capture dropped packets"; return 1; }
}

# pcap_frames FILE: "count sha256-of-each" on one line
pcap_frames()
{
	"$OG_PY" - "$1" <<'EOF'
import hashlib, struct, sys
d = open(sys.argv[1], "rb").read()
off, out = 24, []
while off + 16 <= len(d):
    incl = struct.unpack_from("<I", d, off + 8)[0]
    out.append(hashlib.sha256(d[off + 16:off + 16 + incl]).hexdigest()[:12])
    off += 16 + incl
print(len(out), " ".join(out))
EOF
}

TCP="--flags needs_csum --ts --mss 1460 --id 4660"
CASES=(
	"tcp4_options|--gso tcpv4 $TCP --gso-size 1444 --len 20000 --tcp-flags PA"
	"tcp4_fin_cwr|--gso tcpv4 $TCP --gso-size 1000 --len 4001 --tcp-flags FPAC"
	"tcp4_ipopts|--gso tcpv4 $TCP --gso-size 1200 --len 6000 --tcp-flags A --ip-opts 12"
	"tcp6|--ipv6 --gso tcpv6 $TCP --gso-size 1424 --len 30000 --tcp-flags PA"
	"tcp6_ext|--ipv6 --gso tcpv6 $TCP --gso-size 1200 --len 5000 --tcp-flags A --ext hbh,dst"
	"udp4|--proto udp --gso udp_l4 --flags needs_csum --id 4660 --gso-size 1400 --len 14000"
	"udp6_short_last|--ipv6 --proto udp --gso udp_l4 --flags needs_csum --gso-size 1400 --len 9999"
)

# kernel first for every case, then segd for every case
for c in "${CASES[@]}"; do
	name=${c%%|*}
	args=${c#*|}
	SRC=$SG_G4 DST=$SG_R4
	[[ $args == *--ipv6* ]] && SRC=$SG_G6 DST=$SG_R6
	if ! why=$(capture "$OG_TMP/k_$name.pcap" $args); then
		og_fail "sq_$name" "kernel path: $why"
	fi
done
if ! segd_start; then
	og_fail sq_segd_start "$(head -c 300 "$OG_TMP/segd.log")"
	exit 0
fi
for c in "${CASES[@]}"; do
	name=${c%%|*}
	args=${c#*|}
	SRC=$SG_G4 DST=$SG_R4
	[[ $args == *--ipv6* ]] && SRC=$SG_G6 DST=$SG_R6
	[ -s "$OG_TMP/k_$name.pcap" ] || continue
	if ! why=$(capture "$OG_TMP/s_$name.pcap" $args); then
		og_fail "sq_$name" "segd path: $why"
		continue
	fi
	k=$(pcap_frames "$OG_TMP/k_$name.pcap")
	s=$(pcap_frames "$OG_TMP/s_$name.pcap")
	if [ "${k%% *}" -lt 2 ]; then
		og_fail "sq_$name" "the kernel's capture has ${k%% *} frames"
	elif [ "$k" = "$s" ]; then
		og_pass "sq_$name"
	else
		og_fail "sq_$name" "kernel [$k] segd [$s]"
	fi
done

# --- where segd differs on purpose: a gso_size over the uplink's MTU -------
# 1448 bytes of payload behind 56 bytes of IPv4+TCP headers (timestamps
# and MSS options) make 1504-byte packets. The kernel's software GSO
# emits them (a bridge does not check GSO segments against the MTU, and
# the veth peer takes up to MTU + 18); segd cuts to fit the MTU.
# seg_sizes FILE: "frames max_frame_len payload_bytes" of the TCP frames
seg_sizes()
{
	"$OG_PY" - "$1" <<'EOF'
import struct, sys
d = open(sys.argv[1], "rb").read()
off, n, mx, pay = 24, 0, 0, 0
while off + 16 <= len(d):
    incl = struct.unpack_from("<I", d, off + 8)[0]
    f = d[off + 16:off + 16 + incl]
    off += 16 + incl
    if f[12:14] != b"\x08\x00" or f[23] != 6:
        continue
    ihl = (f[14] & 15) * 4
    tot = struct.unpack_from(">H", f, 16)[0]
    doff = (f[14 + ihl + 12] >> 4) * 4
    if tot - ihl - doff == 0:
        continue    # the receiver's RSTs
    n, mx, pay = n + 1, max(mx, len(f)), pay + tot - ihl - doff
print(n, mx, pay)
EOF
}
SRC=$SG_G4 DST=$SG_R4
OVER="--gso tcpv4 $TCP --gso-size 1448 --len 14480 --tcp-flags PA"
segd_stop
if capture "$OG_TMP/k_over.pcap" $OVER >/dev/null && segd_start &&
   capture "$OG_TMP/s_over.pcap" $OVER >/dev/null; then
	k=$(seg_sizes "$OG_TMP/k_over.pcap")
	s=$(seg_sizes "$OG_TMP/s_over.pcap")
	# kernel: 10 frames of 1518 bytes; segd: 11 of at most 1514
	if [ "$k" = "10 1518 14480" ] && [ "$s" = "11 1514 14480" ]; then
		og_pass sq_gso_over_mtu_cut_to_fit
	else
		og_fail sq_gso_over_mtu_cut_to_fit "kernel [$k] segd [$s] (frames max_len payload)"
	fi
else
	og_fail sq_gso_over_mtu_cut_to_fit "capture failed"
fi

# --- VLAN: segd only, every segment checked on its own -------------------
# A tagged super-frame cannot even leave the guest's veth here (its GSO
# validation needs the 802.1Q offload: ENOMEM), so it is written into the
# TAP the way a VMM would, after the relay let go of it.
SRC=$SG_G4 DST=$SG_R4
kill "$SG_RELAY_PID" 2>/dev/null
sleep 0.3
if og_cap_start "$SG_R" "$SG_UR" "$OG_TMP/vlan.pcap" "vlan and port 7777" &&
   why=$(og_send "$SG_H" tun --dev "$SG_TAP" --tap --src-mac "$MAC_G" \
	 --dst-mac "$MAC_R" --vlan 100 --src "$SRC" --dst "$DST" --sport 7777 \
	 --dport 7777 --gso tcpv4 $TCP --gso-size 1444 --len 10000 \
	 --tcp-flags PA 2>&1) && sleep 0.3 && og_cap_stop; then
	out=$("$OG_PY" - "$OG_TMP/vlan.pcap" 10000 1444 <<'EOF' 2>&1
import sys
from scapy.all import rdpcap, Dot1Q, IP, TCP, raw
pkts = rdpcap(sys.argv[1])
total, mss = int(sys.argv[2]), int(sys.argv[3])
data, seq0, bad = b"", None, []
for i, p in enumerate(pkts):
    if Dot1Q not in p or p[Dot1Q].vlan != 100 or TCP not in p:
        bad.append("%d: not VLAN 100 TCP" % i)
        continue
    ip, tcp = p[IP], p[TCP]
    pay = bytes(tcp.payload)
    if len(raw(p)) > 1518:
        bad.append("%d: %d bytes" % (i, len(raw(p))))
    if ip.len != len(raw(ip)):
        bad.append("%d: ip len" % i)
    c = IP(raw(ip))
    ic, tc = c.chksum, c[TCP].chksum
    del c.chksum
    del c[TCP].chksum
    c = IP(raw(c))
    if (ic, tc) != (c.chksum, c[TCP].chksum):
        bad.append("%d: checksum" % i)
    if seq0 is None:
        seq0 = tcp.seq
    if tcp.seq != seq0 + len(data):
        bad.append("%d: seq" % i)
    if i + 1 < len(pkts) and len(pay) != mss:
        bad.append("%d: payload %d" % (i, len(pay)))
    data += pay
if len(data) != total:
    bad.append("payload %d of %d" % (len(data), total))
print("ok %d segments" % len(pkts) if not bad else " ".join(bad[:5]))
EOF
)
	case $out in
	"ok 7 segments") og_pass sq_vlan_tcp4 ;;
	*) og_fail sq_vlan_tcp4 "$out; og_send: $why; segd: $(ip netns exec "$SG_H" "$OFFGUARD" stats -j 2>&1 | tr -d '\n' | head -c 900)" ;;
	esac
else
	og_cap_stop
	og_fail sq_vlan_tcp4 "could not write the tagged super-frame: $why"
fi
segd_stop
exit 0
