#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# make bench, section 5: offguard segd against the kernel's own paths for
# the same guest, side by side in one run (DESIGN §8, figures printed,
# never asserted).
#
#   guest ns G: vG (veth, TSO/GSO on: 64 KiB super-frames)
#   host ns H:  IN and uO (uplink veth, MTU 1500) in bridge brS
#   receiver R: uR (uO's peer)
# Two guests, each measured on its own:
#   veth  IN is vH, vG's peer
#   tap   IN is a TAP (IFF_VNET_HDR, TSO/USO offloads) fed from vH by
#         og_vnet_relay, as QEMU feeds a virtio-net guest's frames
#
#   kernel  the bridge forwards the super-frames to uO, which has tso and
#           gso off: the kernel's software GSO segments them there
#   tso     the same with tso on at uO: nothing is segmented (the bound)
#   segd    `offguard segd --in IN --out uO` (uO tso off): XDP in skb mode
#           on IN redirects every frame; super-frames go through AF_XDP
#
# The TAP guest's relay costs the same on all three paths (a read and a
# write per frame, both ways) and narrows their differences; the veth
# guest shows them without it. Gb/s per busy core divides by the CPU time
# the whole run used (sender, receiver, softirq, relay, segd), from
# /proc/stat.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OG=$ROOT/offguard
RELAY=$ROOT/.output/selftests/og_vnet_relay
SECS=${OG_BENCH_SECS:-4}
ROUNDS=${OG_BENCH_ROUNDS:-3}
G=ogsb-$$-g
H=ogsb-$$-h
R=ogsb-$$-r
SEGD_PID=""
SRV=""
RELAY_PID=""
IN=""
RES=""

teardown() {
	[ -n "$SEGD_PID" ] && kill -INT "$SEGD_PID" 2>/dev/null && wait "$SEGD_PID" 2>/dev/null
	[ -n "$SRV" ] && kill "$SRV" 2>/dev/null && wait "$SRV" 2>/dev/null
	[ -n "$RELAY_PID" ] && kill "$RELAY_PID" 2>/dev/null && wait "$RELAY_PID" 2>/dev/null
	SEGD_PID="" SRV="" RELAY_PID=""
	for ns in "$G" "$H" "$R"; do
		ip netns del "$ns" 2>/dev/null
	done
}
cleanup() {
	teardown
	[ -n "$RES" ] && rm -f "$RES" "$RES.relay"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if ! command -v iperf3 >/dev/null; then
	echo "# SKIP: iperf3 not installed"
	exit 0
fi

# setup veth|tap: the topology for one guest; sets IN
setup() {
	local i

	for ns in "$G" "$H" "$R"; do
		ip netns add "$ns" && ip -n "$ns" link set lo up || return 1
	done
	ip -n "$G" link add vG type veth peer name vH netns "$H" &&
	ip -n "$H" link add uO type veth peer name uR netns "$R" &&
	ip -n "$H" link add brS type bridge || return 1
	IN=vH
	if [ "$1" = tap ]; then
		IN=tH
		rm -f "$RES.relay"
		ip -n "$H" tuntap add dev tH mode tap vnet_hdr || return 1
		ip -n "$H" link set vH up
		ip netns exec "$H" "$RELAY" --ifname vH --tap tH \
			--offloads csum,tso4,tso6,uso4,uso6 \
			--stats "$RES.relay" >/dev/null 2>&1 &
		RELAY_PID=$!
		for i in $(seq 50); do
			[ -s "$RES.relay" ] && break
			sleep 0.1
		done
	fi
	ip -n "$H" link set "$IN" master brS &&
	ip -n "$H" link set uO master brS || return 1
	for d in "$IN" uO brS; do ip -n "$H" link set "$d" up; done
	ip -n "$G" link set vG up
	ip -n "$R" link set uR up
	ip -n "$G" addr add 10.79.0.1/24 dev vG
	ip -n "$R" addr add 10.79.0.2/24 dev uR
	for i in $(seq 30); do
		ip netns exec "$G" ping -c 1 -W 1 10.79.0.2 >/dev/null 2>&1 && break
	done
	ip netns exec "$G" ping -c 1 -W 2 10.79.0.2 >/dev/null || return 1
	ip netns exec "$R" iperf3 -s >/dev/null 2>&1 &
	SRV=$!
	sleep 0.5
}

busy() { awk '/^cpu /{print $2+$3+$4+$7+$8}' /proc/stat; }

# run: one iperf3 round; prints "gbps busy_cores"
run() {
	local b0 b1 gbps hz

	hz=$(getconf CLK_TCK)
	b0=$(busy)
	gbps=$(ip netns exec "$G" iperf3 -c 10.79.0.2 -t "$SECS" -J 2>/dev/null |
	       /usr/bin/python3 -c 'import json,sys
try:
    print("%.3f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e9))
except Exception:
    print("0")')
	b1=$(busy)
	echo "$gbps $(awk -v d=$((b1 - b0)) -v hz="$hz" -v s="$SECS" 'BEGIN { printf "%.3f", d / hz / s }')"
}

mode() {
	case $1 in
	kernel)
		ip netns exec "$H" ethtool -K uO tso off gso off >/dev/null ;;
	tso)
		ip netns exec "$H" ethtool -K uO tso on gso on >/dev/null ;;
	segd)
		ip netns exec "$H" ethtool -K uO tso off gso off >/dev/null
		ip netns exec "$H" "$OG" segd --in "$IN" --out uO >/dev/null 2>&1 &
		SEGD_PID=$!
		sleep 1 ;;
	esac
}

unmode() {
	if [ "$1" = segd ] && [ -n "$SEGD_PID" ]; then
		kill -INT "$SEGD_PID"
		wait "$SEGD_PID"
		SEGD_PID=""
	fi
}

RES=$(mktemp)
GUESTS="veth tap"
if [ ! -x "$RELAY" ]; then
	echo "# tap guest skipped: $RELAY not built (make)"
	GUESTS=veth
fi
for guest in $GUESTS; do
	if ! setup "$guest"; then
		echo "# segd bench: $guest guest: no connectivity"
		teardown
		continue
	fi
	for r in $(seq "$ROUNDS"); do
		for m in kernel segd tso; do
			mode "$m"
			echo "$guest $m $(run)" >>"$RES"
			unmode "$m"
		done
	done
	teardown
done

/usr/bin/python3 - "$RES" "$ROUNDS" "$SECS" <<'PY'
import sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
by = {}
for guest, m, g, c in rows:
    by.setdefault(guest, {}).setdefault(m, []).append((float(g), float(c)))
def med(v):
    v = sorted(v)
    return v[len(v) // 2]
for guest in ("veth", "tap"):
    if guest not in by:
        continue
    print("iperf3 TCP, %s guest (TSO) -> host -> uplink veth MTU 1500, "
          "%s rounds x %s s, medians" % (guest, sys.argv[2], sys.argv[3]))
    print("  %-8s %8s %12s %14s" % ("path", "Gb/s", "busy cores", "Gb/s per core"))
    res = {}
    for m in ("kernel", "segd", "tso"):
        if m not in by[guest]:
            continue
        g = med([x[0] for x in by[guest][m]])
        c = med([x[1] for x in by[guest][m]])
        res[m] = (g, g / c if c else 0)
        print("  %-8s %8.2f %12.2f %14.2f" % (m, g, c, res[m][1]))
    for other, what in (("kernel", "kernel software GSO"), ("tso", "TSO on")):
        if other in res and "segd" in res and res[other][0] and res[other][1]:
            print("  segd / %-20s %.2f Gb/s, %.2f per busy core"
                  % (what + ":", res["segd"][0] / res[other][0],
                     res["segd"][1] / res[other][1]))
PY
