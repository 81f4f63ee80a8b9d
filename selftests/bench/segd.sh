#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# make bench, section 5: offguard segd against the kernel's own paths for
# the same guest, side by side in one run (DESIGN §8, figures printed,
# never asserted).
#
#   guest ns G: vG (veth, TSO/GSO on: 64 KiB super-frames)
#   host ns H:  vH (vG's peer) and uO (uplink veth, MTU 1500) in bridge br
#   receiver R: uR (uO's peer)
#
#   kernel  the bridge forwards the super-frames to uO, which has tso and
#           gso off: the kernel's software GSO segments them there
#   tso     the same with tso on at uO: nothing is segmented (the bound)
#   segd    `offguard segd --in vH --out uO` (uO tso off): XDP in skb mode
#           on vH redirects every frame; super-frames go through AF_XDP
#
# A veth stands in for the TAP: the relay a TAP needs (a user-space copy
# per frame, both ways) would cost all three the same and hide the
# difference. Gb/s per busy core divides by the CPU time the whole run
# used (sender, receiver, softirq, segd), from /proc/stat.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OG=$ROOT/offguard
SECS=${OG_BENCH_SECS:-4}
ROUNDS=${OG_BENCH_ROUNDS:-3}
G=ogsb-$$-g
H=ogsb-$$-h
R=ogsb-$$-r
SEGD_PID=""
SRV=""

cleanup() {
	[ -n "$SEGD_PID" ] && kill -INT "$SEGD_PID" 2>/dev/null && wait "$SEGD_PID" 2>/dev/null
	[ -n "$SRV" ] && kill "$SRV" 2>/dev/null && wait "$SRV" 2>/dev/null
	for ns in "$G" "$H" "$R"; do
		ip netns del "$ns" 2>/dev/null
	done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if ! command -v iperf3 >/dev/null; then
	echo "# SKIP: iperf3 not installed"
	exit 0
fi
for ns in "$G" "$H" "$R"; do
	ip netns add "$ns" && ip -n "$ns" link set lo up || exit 1
done
ip -n "$G" link add vG type veth peer name vH netns "$H" &&
ip -n "$H" link add uO type veth peer name uR netns "$R" &&
ip -n "$H" link add brS type bridge &&
ip -n "$H" link set vH master brS &&
ip -n "$H" link set uO master brS || exit 1
for d in vH uO brS; do ip -n "$H" link set "$d" up; done
ip -n "$G" link set vG up
ip -n "$R" link set uR up
ip -n "$G" addr add 10.79.0.1/24 dev vG
ip -n "$R" addr add 10.79.0.2/24 dev uR
ip netns exec "$G" ping -c 1 -W 2 10.79.0.2 >/dev/null || {
	echo "# segd bench: no connectivity"
	exit 1
}
ip netns exec "$R" iperf3 -s >/dev/null 2>&1 &
SRV=$!
sleep 0.5

busy() { awk '/^cpu /{print $2+$3+$4+$7+$8}' /proc/stat; }

# run NAME: one iperf3 round; prints "gbps busy_cores"
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
		ip netns exec "$H" "$OG" segd --in vH --out uO >/dev/null 2>&1 &
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
for r in $(seq "$ROUNDS"); do
	for m in kernel segd tso; do
		mode "$m"
		echo "$m $(run "$m")" >>"$RES"
		unmode "$m"
	done
done

/usr/bin/python3 - "$RES" "$ROUNDS" "$SECS" <<'EOF'
import sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
by = {}
for m, g, c in rows:
    by.setdefault(m, []).append((float(g), float(c)))
def med(v):
    v = sorted(v)
    return v[len(v) // 2]
print("iperf3 TCP, guest veth (TSO) -> host -> uplink veth MTU 1500, %s rounds x %s s, medians"
      % (sys.argv[2], sys.argv[3]))
print("%-8s %8s %12s %14s" % ("path", "Gb/s", "busy cores", "Gb/s per core"))
res = {}
for m in ("kernel", "segd", "tso"):
    if m not in by:
        continue
    g = med([x[0] for x in by[m]])
    c = med([x[1] for x in by[m]])
    res[m] = (g, g / c if c else 0)
    print("%-8s %8.2f %12.2f %14.2f" % (m, g, c, res[m][1]))
if "kernel" in res and "segd" in res and res["kernel"][0]:
    print("segd / kernel software GSO: %.2f Gb/s, %.2f per core"
          % (res["segd"][0] / res["kernel"][0],
             res["segd"][1] / res["kernel"][1] if res["kernel"][1] else 0))
if "tso" in res and "segd" in res and res["tso"][0]:
    print("segd / TSO on:              %.2f Gb/s, %.2f per core"
          % (res["segd"][0] / res["tso"][0],
             res["segd"][1] / res["tso"][1] if res["tso"][1] else 0))
EOF
rm -f "$RES"
