#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The drop watcher (tp_btf/kfree_skb): the kernel's own checksum drops,
# counted per device under hook kdrop. A sender namespace writes frames
# with bad checksums (scapy, AF_PACKET: CHECKSUM_NONE, so the receiver's
# stack verifies them) over a veth into a receiver namespace where
# offguard watches the veth (tc-ingress only: the frames must reach the
# stack unjudged by XDP). Each kind must be counted exactly as many times
# as it was sent, on the receiver's veth, and agree with the kernel's own
# MIB counters (nstat):
#   IPv4 header checksum            kdrop_ip_csum    IpExtInCsumErrors
#   TCP v4/v6, no listener needed   kdrop_tcp_csum   TcpInCsumErrors
#   UDP v4 to a closed port         kdrop_udp_csum   UdpInCsumErrors
#   UDP v6, zero checksum, to an    kdrop_udp_csum   Udp6InCsumErrors
#       open socket (dropped with the socket named: rx_sk)
#   ICMP echo                       kdrop_icmp_csum  IcmpInCsumErrors
# Two kinds the kernel counts in its MIB but frees without a checksum
# drop reason, so no watcher can attribute them by reason (checked as
# such, so a kernel that starts naming them shows up here):
#   UDP v6 bad checksum to a closed port: NO_SOCKET (ipv6/udp.c sets the
#       reason before the checksum check and keeps it)
#   UDP bad checksum to an open socket: verified late, in recvmsg, and
#       freed with plain kfree_skb()
# Good frames of each kind raise nothing. A third namespace with its own
# offguard (same ifindex, same bpffs) counts none of the receiver's drops:
# the watcher filters by network namespace. The watcher lives in a pin of
# a private bpffs (OFFGUARD_BPFFS) across CLI runs; detach of the last
# device stops it, and the other namespace's watcher keeps running.
# shellcheck disable=SC2034 source-path=SCRIPTDIR
OG_TEST_ID='kd'
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

og_need_root
og_need_tools
command -v nstat >/dev/null 2>&1 || og_skip_all "nstat not installed"
"$OG_PY" -c 'import scapy' 2>/dev/null || og_skip_all "python3-scapy not installed"
og_bpffs_private || og_skip_all "cannot mount a private bpffs"

og_ns_add SND
og_ns_add RCV
og_ns_add OTH
og_name VS
og_name VR
og_name VO
og_name VP
if ! og_veth "$SND" "$VS" "$RCV" "$VR" ||
	! ip -n "$SND" addr add 10.71.0.1/24 dev "$VS" ||
	! ip -n "$RCV" addr add 10.71.0.2/24 dev "$VR" ||
	! ip -n "$SND" addr add fd71::1/64 dev "$VS" nodad ||
	! ip -n "$RCV" addr add fd71::2/64 dev "$VR" nodad ||
	! og_veth "$OTH" "$VO" "$OTH" "$VP"; then
	og_fail kd_setup "cannot build the topology"
	exit 0
fi
RMAC=$(ip -n "$RCV" -br link show "$VR" | awk '{print $3}')

if ! og_attach "$RCV" "$VR" tc-ingress || ! og_attach "$OTH" "$VO" tc-ingress; then
	og_fail kd_attach "offguard attach failed"
	exit 0
fi

# The watcher outlived the attach command: a later run finds it.
w=$(og "$RCV" status -j 2>/dev/null | "$OG_PY" -c '
import json, sys
w = json.load(sys.stdin).get("drop_watcher")
print("running" if w and w.get("link_id") else "none")')
og_expect kd_watcher_running "$w" running

# An open UDP socket on the receiver that never reads until told: the
# bad datagrams wait in its queue and are verified (and dropped) in
# recvmsg, long after the receive path. And a UDPv6 socket that the
# zero-checksum datagrams are refused for.
UPORT=9999
U6PORT=9998
ip netns exec "$RCV" "$OG_PY" -c '
import socket, sys, time
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.bind(("fd71::2", int(sys.argv[1])))
time.sleep(60)' "$U6PORT" &
_og_pids+=("$!")
ip netns exec "$RCV" "$OG_PY" -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.71.0.2", int(sys.argv[1])))
open(sys.argv[2], "w").close()
while not __import__("os").path.exists(sys.argv[3]):
    time.sleep(0.05)
s.setblocking(False)
n = 0
try:
    while True:
        s.recv(2048); n += 1
except BlockingIOError:
    pass
open(sys.argv[4], "w").write(str(n))
' "$UPORT" "$OG_TMP/u.ready" "$OG_TMP/u.go" "$OG_TMP/u.got" &
UPID=$!
_og_pids+=("$UPID")
for _ in $(seq 50); do [ -e "$OG_TMP/u.ready" ] && break; sleep 0.1; done

# send KIND COUNT: COUNT frames of KIND from the sender, to the receiver's MAC.
send()
{
	ip netns exec "$SND" "$OG_PY" - "$VS" "$RMAC" "$1" "$2" "$UPORT" "$U6PORT" <<'EOF'
import sys
from scapy.all import Ether, IP, IPv6, TCP, UDP, ICMP, Raw, sendp, conf, raw
conf.verb = 0
dev, mac, kind, n, uport, u6port = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
# scapy fills a 0 checksum field in: build, then zero it in the bytes
z6 = bytearray(raw(IPv6(src="fd71::1", dst="fd71::2") / UDP(sport=5008, dport=u6port) / Raw(b"offguard" * 20)))
z6[46:48] = b"\0\0"
v4 = IP(src="10.71.0.1", dst="10.71.0.2")
v6 = IPv6(src="fd71::1", dst="fd71::2")
pay = Raw(b"offguard" * 20)
pk = {
    "ip":    IP(src="10.71.0.1", dst="10.71.0.2", chksum=0x1234) / UDP(sport=5000, dport=7) / pay,
    "tcp4":  v4 / TCP(sport=5001, dport=7, flags="S", chksum=0x1234),
    "tcp6":  v6 / TCP(sport=5002, dport=7, flags="S", chksum=0x1234),
    "udp4":  v4 / UDP(sport=5003, dport=7, chksum=0x1234) / pay,
    "udp6":  v6 / UDP(sport=5004, dport=7, chksum=0x1234) / pay,
    "udp6z": IPv6(bytes(z6)),
    "udp4s": v4 / UDP(sport=5005, dport=uport, chksum=0x1234) / pay,
    "icmp":  v4 / ICMP(type=8, id=7, seq=1, chksum=0x1234) / pay,
    "good":  v4 / UDP(sport=5006, dport=7) / pay,
    "good6": v6 / UDP(sport=5007, dport=7) / pay,
}[kind]
sendp([Ether(dst=mac) / pk] * n, iface=dev)
EOF
}

# mib NAME: the receiver's MIB counter NAME (absolute).
mib()
{
	ip netns exec "$RCV" nstat -asz 2>/dev/null | awk -v k="$1" '$1 == k { print $2; f = 1 } END { if (!f) print 0 }'
}

# kd REASON: kdrop counter REASON of the receiver's veth.
kd()
{
	og_json_get "$RCV" "$VR" kdrop "reasons.$1.packets"
}

# case NAME KIND COUNT REASON MIB...: send, then expect REASON to grow by
# COUNT and the sum of the MIB counters to grow by COUNT.
check()
{
	local name=$1 kind=$2 n=$3 reason=$4 before after m0=0 m1=0 k

	shift 4
	before=$(kd "$reason")
	for k in "$@"; do m0=$((m0 + $(mib "$k"))); done
	send "$kind" "$n" || { og_fail "$name" "sending failed"; return; }
	sleep 0.3
	after=$(kd "$reason")
	for k in "$@"; do m1=$((m1 + $(mib "$k"))); done
	og_expect "${name}_kernel_mib" "$((m1 - m0))" "$n"
	og_expect "${name}_${reason}" "$((after - before))" "$n"
}

check kd_ip_csum ip 7 kdrop_ip_csum IpExtInCsumErrors
check kd_tcp4_csum tcp4 5 kdrop_tcp_csum TcpInCsumErrors
check kd_tcp6_csum tcp6 4 kdrop_tcp_csum TcpInCsumErrors
check kd_udp4_csum udp4 6 kdrop_udp_csum UdpInCsumErrors
check kd_udp6_zero_csum udp6z 3 kdrop_udp_csum Udp6InCsumErrors
check kd_icmp_csum icmp 4 kdrop_icmp_csum IcmpInCsumErrors

# unattributable: the kernel counts them, names no checksum reason
before=$(kd kdrop_udp_csum)
m0=$(mib Udp6InCsumErrors)
send udp6 3
sleep 0.3
og_expect kd_udp6_closed_port_kernel_mib "$(($(mib Udp6InCsumErrors) - m0))" 3
og_expect kd_udp6_closed_port_no_reason "$(($(kd kdrop_udp_csum) - before))" 0

# The socket case: queued first, dropped when the socket reads.
before=$(kd kdrop_udp_csum)
m0=$(mib UdpInCsumErrors)
send udp4s 5
sleep 0.3
touch "$OG_TMP/u.go"
wait "$UPID" 2>/dev/null
sleep 0.2
og_expect kd_udp_socket_reads "$(cat "$OG_TMP/u.got" 2>/dev/null)" 0
og_expect kd_udp_socket_kernel_mib "$(($(mib UdpInCsumErrors) - m0))" 5
og_expect kd_udp_socket_no_reason "$(($(kd kdrop_udp_csum) - before))" 0

# Good frames: the kernel drops them for other reasons (closed port),
# which are not offguard's to count.
og_snap "$RCV" "$VR" kdrop
send good 5
send good6 5
sleep 0.3
og_expect kd_good_frames_nothing "$(og_delta "$RCV" "$VR" kdrop)" none

# Same ifindex, same bpffs, other namespace: none of those drops.
og_expect kd_other_netns_nothing \
	"$(og_json_get "$OTH" "$VO" kdrop 'reasons.*')" 0

# Samples carry the drops too (dump reads them): the counters are the
# contract here, dump's own test checks the records.

# Detaching the last device stops the watcher; the other namespace's stays.
og "$RCV" detach "$VR" >/dev/null 2>&1
w=$(og "$RCV" status -j 2>/dev/null | "$OG_PY" -c '
import json, sys
print("none" if json.load(sys.stdin).get("drop_watcher") is None else "running")')
og_expect kd_detach_stops_watcher "$w" none
w=$(og "$OTH" status -j 2>/dev/null | "$OG_PY" -c '
import json, sys
print("none" if json.load(sys.stdin).get("drop_watcher") is None else "running")')
og_expect kd_other_watcher_kept "$w" running
before=$(kd kdrop_tcp_csum)
send tcp4 3
sleep 0.3
og_expect kd_no_counting_after_detach "$(($(kd kdrop_tcp_csum) - before))" 0
og "$OTH" detach --all >/dev/null 2>&1
exit 0
