#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# offguard segd end to end, with a guest as hypervisors have it
# (segd_lib.sh: a namespace whose veth frames a relay carries, virtio
# header and all, to a TAP with IFF_VNET_HDR and TSO/USO). The guest's
# direction takes an XDP fast path on the TAP straight to the uplink veth
# (MTU 1500, tso and gso off); the way back is the bridge.
#   - without segd (og_xdp_fwd: redirect everything) the super-frames are
#     dropped and a TCP transfer stalls;
#   - with segd 100 MB of TCP over IPv4 and IPv6 arrive with the sender's
#     SHA-256, every UDP_SEGMENT datagram arrives intact, the receiver
#     counts no checksum error, segd counts what it did and lost nothing;
#   - segd refuses what it cannot do, with the device and the cause;
#   - SIGTERM in the middle of a transfer: segd detaches, finishes every
#     frame it had accepted, and leaves nothing attached or pinned.
# shellcheck disable=SC2034 source-path=SCRIPTDIR
OG_TEST_ID='sd'
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=segd_lib.sh
. "$(dirname "$0")/segd_lib.sh"

XDP_FWD=${XDP_FWD:-$OG_OUT/og_xdp_fwd}
TCP_BYTES=${SD_TCP_BYTES:-100000000}
UDP_COUNT=${SD_UDP_COUNT:-20000}
UDP_PAYLOAD=1400

og_need_root
og_need_tools "$SG_RELAY_BIN" "$XDP_FWD"
segd_need

if ! segd_topo_up 2>"$OG_TMP/topo.err"; then
	og_fail sd_setup "topology: $(tr '\n' ' ' <"$OG_TMP/topo.err" | head -c 400)"
	exit 0
fi
if ! og_bpffs_private; then
	og_fail sd_setup "cannot mount a private bpffs"
	exit 0
fi
og_pass sd_setup

# xdp_on DEV: the XDP program id on SG_H's DEV, empty if none
xdp_on()
{
	ip -n "$SG_H" -d -j link show dev "$1" | "$OG_PY" -c '
import json, sys
l = json.load(sys.stdin)[0]
x = l.get("xdp", {})
print(x.get("prog", {}).get("id", "") if x.get("mode", 0) else "")'
}

# --- 1. the fast path alone: super-frames are dropped ----------------------
ip netns exec "$SG_H" "$XDP_FWD" "$SG_TAP" "$SG_UO" >"$OG_TMP/fwd.log" 2>&1 &
FWD_PID=$!
_og_pids+=("$FWD_PID")
sleep 0.5
if ! grep -q "^og_xdp_fwd:" "$OG_TMP/fwd.log"; then
	og_fail sd_without_segd_stalls "og_xdp_fwd: $(head -c 300 "$OG_TMP/fwd.log")"
else
	if segd_tcp_transfer 20000000 4 8 2>/dev/null; then
		og_fail sd_without_segd_stalls "the transfer completed without segd: $SG_LAST"
	else
		og_pass sd_without_segd_stalls
		echo "without segd: $SG_LAST" >&2
	fi
fi
# while the fast path holds the hook, segd must say so and not take it
out=$(timeout 10 ip netns exec "$SG_H" "$OFFGUARD" segd --in "$SG_TAP" --out "$SG_UO" 2>&1)
rc=$?
case "$rc:$out" in
1:*"$SG_TAP has an XDP program already"*)
	og_pass sd_err_xdp_busy ;;
*)
	og_fail sd_err_xdp_busy "rc $rc: $out" ;;
esac
kill -TERM "$FWD_PID" 2>/dev/null
wait "$FWD_PID" 2>/dev/null

# --- 2. bad requests ----------------------------------------------------------
out=$(timeout 10 ip netns exec "$SG_H" "$OFFGUARD" segd --in "$SG_TAP" --out nosuchdev0 2>&1)
og_expect sd_err_no_device "$?: $out" "1: offguard: segd: nosuchdev0: no such device"
out=$(timeout 10 ip netns exec "$SG_H" "$OFFGUARD" segd --in "$SG_TAP" --out "$SG_TAP" 2>&1 | head -n1)
og_expect sd_err_same_device "$out" \
	"offguard: segd: --in and --out are the same device ($SG_TAP)"
out=$(timeout 10 ip netns exec "$SG_H" "$OFFGUARD" segd --in "$SG_TAP" 2>&1 | head -n1)
og_expect sd_err_usage "$out" "offguard: segd: --in and --out are required"
out=$(timeout 10 ip netns exec "$SG_H" "$OFFGUARD" segd --in "$SG_TAP" --out "$SG_UO" --spin 2000000 2>&1)
og_expect sd_err_spin "$?: ${out%%$'\n'*}" \
	"2: offguard: segd: bad --spin '2000000' (microseconds, 0..1000000)"
ip -n "$SG_H" link set "$SG_UO" mtu 9000
out=$(timeout 10 ip netns exec "$SG_H" "$OFFGUARD" segd --in "$SG_TAP" --out "$SG_UO" 2>&1)
og_expect sd_err_mtu "$?: $out" \
	"1: offguard: segd: $SG_UO: MTU 9000 not supported (576..4074: a segment must fit one 4096-byte AF_XDP chunk)"
ip -n "$SG_H" link set "$SG_UO" mtu 1500

# --- 3. with segd ---------------------------------------------------------------
if ! segd_start; then
	og_fail sd_start "$(head -c 600 "$OG_TMP/segd.log")"
	exit 0
fi
og_pass sd_start
[ -n "$(xdp_on "$SG_TAP")" ] && og_pass sd_xdp_attached ||
	og_fail sd_xdp_attached "no XDP program on $SG_TAP"

csum0=$(segd_csum_errors)
for fam in 4 6; do
	if segd_tcp_transfer "$TCP_BYTES" "$fam" 90; then
		og_pass "sd_tcp${fam}_100mb"
	else
		og_fail "sd_tcp${fam}_100mb" "$SG_LAST"
	fi
done
for fam in 4 6; do
	if segd_udp_gso_send "$UDP_COUNT" "$UDP_PAYLOAD" "$UDP_PAYLOAD" "$fam" 30; then
		og_pass "sd_udp_gso${fam}"
	else
		og_fail "sd_udp_gso${fam}" "$SG_LAST"
	fi
done
csum1=$(segd_csum_errors)
og_expect sd_no_csum_errors "$((csum1 - csum0))" 0

ip netns exec "$SG_H" "$OFFGUARD" stats -j >"$OG_TMP/stats.json" 2>&1
echo "segd stats: $(cat "$OG_TMP/stats.json")" >&2
# get PATH: a value of stats -j's "segd" section, e.g. segd.0.running
get() { _segd_json "$OG_TMP/stats.json" "$1" none; }
og_expect sd_stats_running "$(get 'segd.0.running')" true
st=$(ip netns exec "$SG_H" "$OFFGUARD" status -j 2>&1 | "$OG_PY" -c '
import json, sys
s = json.load(sys.stdin)["segd"]
print(",".join("%s>%s:%s" % (x["in"], x["out"], x["running"]) for x in s))')
og_expect sd_status_lists_segd "$st" "$SG_TAP>$SG_UO:True"
og_expect sd_stats_names "$(get 'segd.0.in'),$(get 'segd.0.out')" "$SG_TAP,$SG_UO"
seg=$(get 'segd.0.counters.frames_segmented')
sent=$(get 'segd.0.counters.segments_sent')
gso=$(get 'segd.0.counters.size_from_gso')
if [ "${seg:-0}" -gt 1000 ] && [ "${sent:-0}" -gt $((seg * 2)) ]; then
	og_pass sd_stats_segmented
else
	og_fail sd_stats_segmented "frames_segmented $seg, segments_sent $sent"
fi
# every super-frame of a TAP guest carries its gso_size to segd
og_expect sd_size_from_gso "$gso" "$seg"
drops=0
for c in drop_unsupported drop_malformed drop_no_size drop_rx_ring drop_tx drop_redirect; do
	drops=$((drops + $(get "segd.0.counters.$c")))
done
og_expect sd_no_drops "$drops" 0
# the guest's SYNs on the TAP, the receiver's on the uplink's tc ingress
learned=$(get 'segd.0.counters.mss_learned')
[ "${learned:-0}" -ge 4 ] && og_pass sd_mss_learned ||
	og_fail sd_mss_learned "mss_learned $learned (4 TCP handshakes, two SYNs each)"

# --- 3b. order within a flow --------------------------------------------------
# Each round: one UDP_SEGMENT send of 46 datagrams (a super-frame, to
# segd) and at once one 100-byte datagram (fits: the fast path would let
# it overtake). The receiver must see every sequence number in order.
port=$(_segd_port)
og_bg "$SG_R" "$OG_PY" -c '
import socket, sys, json
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
s.bind(("0.0.0.0", int(sys.argv[1])))
s.settimeout(5)
seqs = []
open(sys.argv[2] + ".ready", "w").write("1")
try:
    while len(seqs) < int(sys.argv[3]):
        seqs.append(int.from_bytes(s.recv(2048)[:4], "big"))
except socket.timeout:
    pass
json.dump(seqs, open(sys.argv[2], "w"))' "$port" "$OG_TMP/order.json" $((200 * 47))
_segd_wait_file "$OG_TMP/order.json.ready" 50
ip netns exec "$SG_G" "$OG_PY" -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_UDP, 103, 1400)   # UDP_SEGMENT
s.connect((sys.argv[1], int(sys.argv[2])))
n = 0
for r in range(200):
    buf = b"".join((n + i).to_bytes(4, "big") + bytes(1396) for i in range(46))
    s.send(buf)
    n += 46
    s.send(n.to_bytes(4, "big") + bytes(96))
    n += 1' "$SG_R4" "$port"
for _ in $(seq 60); do
	[ -s "$OG_TMP/order.json" ] && break
	sleep 0.1
done
order=$("$OG_PY" -c '
import json, sys
s = json.load(open(sys.argv[1]))
bad = sum(1 for a, b in zip(s, s[1:]) if b < a)
print("%d received, %d out of order" % (len(s), bad))' "$OG_TMP/order.json" 2>&1)
og_expect sd_flow_order "$order" "$((200 * 47)) received, 0 out of order"
sleep 0.3	# segd publishes its counters every 100 ms
ip netns exec "$SG_H" "$OFFGUARD" stats -j >"$OG_TMP/stats.json" 2>&1
io=$(get 'segd.0.counters.in_order')
fw=$(get 'segd.0.counters.frames_forwarded')
if [ "${io:-0}" -gt 0 ] && [ "${fw:-0}" -ge "$io" ]; then
	og_pass sd_in_order_counted
else
	og_fail sd_in_order_counted "in_order $io, frames_forwarded $fw"
fi

# --- 3c. the uplink goes down and comes back ---------------------------------
ip -n "$SG_H" link set "$SG_UO" down
segd_udp_gso_send 4600 1400 1400 4 3 2>/dev/null
ip netns exec "$SG_H" "$OFFGUARD" stats -j >"$OG_TMP/stats.json" 2>&1
dt=$(get 'segd.0.counters.drop_tx')
if [ "${dt:-0}" -gt 0 ] &&
   [ "$(grep -c "segd: $SG_UO: cannot transmit" "$OG_TMP/segd.log")" = 1 ]; then
	og_pass sd_out_down_counted
else
	og_fail sd_out_down_counted "drop_tx $dt, log: $(tail -n 3 "$OG_TMP/segd.log")"
fi
ip -n "$SG_H" link set "$SG_UO" up
ip -n "$SG_H" link set "$SG_UO" master "$SG_BR" 2>/dev/null
sleep 1
if segd_tcp_transfer 10000000 4 30; then
	og_pass sd_out_up_again
else
	og_fail sd_out_up_again "$SG_LAST"
fi

# --- 4. SIGTERM in the middle of a UDP burst ----------------------------------
# The receiver counts what arrives; segd's last line says how many frames
# it had accepted and how many it segmented: the two must agree.
# drops before the burst (the uplink's outage above): no new ones allowed
ip netns exec "$SG_H" "$OFFGUARD" stats -j >"$OG_TMP/stats.json" 2>&1
drops0=0
for c in drop_unsupported drop_malformed drop_no_size drop_tx; do
	drops0=$((drops0 + $(get "segd.0.counters.$c")))
done
port=$(_segd_port)
og_bg "$SG_R" "$OG_PY" "$SG_XFER" udp-recv --family 4 --port "$port" \
	--out "$OG_TMP/burst.json" --timeout 15 --count 400000 --payload 1400
_segd_wait_file "$OG_TMP/burst.json" 50
ip netns exec "$SG_G" timeout 15 "$OG_PY" "$SG_XFER" udp-send --family 4 \
	--dst "$SG_R4" --port "$port" --count 400000 --payload 1400 \
	--gso-size 1400 >/dev/null 2>&1 &
SEND_PID=$!
_og_pids+=("$SEND_PID")
sleep 1
if segd_stop; then
	og_pass sd_sigterm_exit
else
	og_fail sd_sigterm_exit "segd did not exit 0 on SIGTERM: $(tail -n 3 "$OG_TMP/segd.log")"
fi
kill "$SEND_PID" 2>/dev/null
wait "$SEND_PID" 2>/dev/null
last=$(grep "^segd: stopped" "$OG_TMP/segd.log")
echo "$last" >&2
if [[ $last =~ ([0-9]+)\ frames\ accepted\ \(([0-9]+)\ more\ lost[^\)]*\),\ ([0-9]+)\ segmented\ into\ ([0-9]+)\ segments,\ ([0-9]+)\ sent\ whole,\ ([0-9]+)\ dropped ]] &&
   [ "${BASH_REMATCH[1]}" -gt 0 ] &&
   [ "${BASH_REMATCH[1]}" = "$((BASH_REMATCH[3] + BASH_REMATCH[5] + BASH_REMATCH[6]))" ] &&
   [ "${BASH_REMATCH[6]}" = "$drops0" ]; then
	og_pass sd_sigterm_loses_nothing
else
	og_fail sd_sigterm_loses_nothing "last line: '$last' ($drops0 dropped before)"
fi
[ -z "$(xdp_on "$SG_TAP")" ] && og_pass sd_sigterm_detached ||
	og_fail sd_sigterm_detached "XDP still on $SG_TAP after segd stopped"
if ip netns exec "$SG_H" bpftool net show dev "$SG_UO" 2>/dev/null | grep -q og_segd_learn; then
	og_fail sd_sigterm_tc_detached "og_segd_learn still on $SG_UO"
else
	og_pass sd_sigterm_tc_detached
fi
if ls "$OFFGUARD_BPFFS/offguard/" 2>/dev/null | grep -q '^segd_'; then
	og_fail sd_sigterm_unpinned "$(ls "$OFFGUARD_BPFFS/offguard/")"
else
	og_pass sd_sigterm_unpinned
fi

# --- 5. SIGKILL leaves nothing attached (links die with the process) -------
if segd_start --spin 0; then
	kill -KILL "$SEGD_PID"
	wait "$SEGD_PID" 2>/dev/null
	sleep 0.5
	[ -z "$(xdp_on "$SG_TAP")" ] && og_pass sd_sigkill_detached ||
		og_fail sd_sigkill_detached "XDP still on $SG_TAP after SIGKILL"
	out=$(ip netns exec "$SG_H" "$OFFGUARD" stats -j 2>&1)
	run=$(echo "$out" | "$OG_PY" -c 'import json,sys
s = json.load(sys.stdin).get("segd", [])
print(s[0]["running"] if s else "none")')
	og_expect sd_sigkill_stale_pin "$run" False
	# the next segd takes the stale pin over
	if segd_start && segd_stop; then
		og_pass sd_restart_after_kill
	else
		og_fail sd_restart_after_kill "$(tail -n 3 "$OG_TMP/segd.log")"
	fi
else
	og_fail sd_sigkill_detached "segd did not start again: $(head -c 300 "$OG_TMP/segd.log")"
fi
# --- 6. no GSO metadata: TCP sized from the SYNs' MSS, UDP refused -------------
# In native mode segd does not read the skb (a driver's frame has none);
# a TAP still hands its super-frames over, so the other sources show.
# --fit pass: a native redirect into a veth needs XDP on its peer.
if segd_start --xdp-mode native --fit pass; then
	if segd_tcp_transfer 20000000 4 60; then
		og_pass sd_native_tcp
	else
		og_fail sd_native_tcp "$SG_LAST"
	fi
	ip netns exec "$SG_H" "$OFFGUARD" stats -j >"$OG_TMP/stats.json" 2>&1
	echo "native segd stats: $(cat "$OG_TMP/stats.json")" >&2
	m=$(get 'segd.0.counters.size_from_mss')
	g=$(get 'segd.0.counters.size_from_gso')
	if [ "${m:-0}" -gt 0 ] && [ "$g" = 0 ]; then
		og_pass sd_native_size_from_mss
	else
		og_fail sd_native_size_from_mss "size_from_mss $m, size_from_gso $g"
	fi
	segd_udp_gso_send 460 1400 1400 4 5 2>/dev/null
	ip netns exec "$SG_H" "$OFFGUARD" stats -j >"$OG_TMP/stats.json" 2>&1
	n=$(get 'segd.0.counters.drop_no_size')
	# UDP datagram boundaries cannot be guessed: refused and counted
	[ "${n:-0}" -gt 0 ] && og_pass sd_native_udp_no_size ||
		og_fail sd_native_udp_no_size "drop_no_size $n"
	segd_stop || og_fail sd_native_stop "$(tail -n 3 "$OG_TMP/segd.log")"
else
	og_fail sd_native_tcp "segd --xdp-mode native: $(head -c 300 "$OG_TMP/segd.log")"
fi
exit 0
