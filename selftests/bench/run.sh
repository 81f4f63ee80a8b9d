#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# make bench: every figure measured side by side in one run, printed,
# never asserted (DESIGN §8). Needs root for BPF and namespaces.
#   1. tc program ns/invocation over a no-op (BPF_PROG_TEST_RUN)
#   2. 9000 B frames on a live veth: offguard vs no-op on the same device
#   3. iperf3 Gb/s across veth, offguard on both hooks of both ends / none
#   1b. XDP wire validator ns/frame over an XDP no-op (test-run, live
#       frames) and full-checksum verify GB/s / memcpy GB/s
#   5. segd Gb/s and Gb/s per busy core vs software GSO and TSO (segd.sh)
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=$ROOT/.output/selftests
OG=$ROOT/offguard
SECS=${OG_BENCH_SECS:-4}
ROUNDS=${OG_BENCH_ROUNDS:-3}
NS1=ogbn-$$-a
NS2=ogbn-$$-b

cleanup() {
	[ -n "${SRV:-}" ] && kill "$SRV" 2>/dev/null && wait "$SRV" 2>/dev/null
	ip netns del "$NS1" 2>/dev/null
	ip netns del "$NS2" 2>/dev/null
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ "$(id -u)" != 0 ]; then
	echo "Error: bench: needs root (BPF_PROG_TEST_RUN, namespaces)" >&2
	exit 1
fi
if [ "$(sysctl -n kernel.bpf_stats_enabled 2>/dev/null)" = 1 ]; then
	echo "# warning: kernel.bpf_stats_enabled=1 adds ~90 ns per run to everything"
fi

echo "== 1. tc programs, BPF_PROG_TEST_RUN"
"$OUT/bench_prog" testrun || exit 1

ip netns add "$NS1" && ip netns add "$NS2" || exit 1
ip -n "$NS1" link add a0 mtu 9000 type veth peer name b0 mtu 9000 netns "$NS2"
ip -n "$NS1" addr add 10.77.0.1/24 dev a0
ip -n "$NS2" addr add 10.77.0.2/24 dev b0
ip -n "$NS1" link set a0 up
ip -n "$NS2" link set b0 up
ip -n "$NS1" -6 addr add fd77::1/64 dev a0 nodad
ip -n "$NS2" -6 addr add fd77::2/64 dev b0 nodad

echo
echo "== 1b. XDP wire validator (og_xdp) over an XDP no-op"
# Inside a namespace: live frames are passed to that namespace's lo,
# whose stack drops them (not addressed to it) and nothing leaves.
ip -n "$NS2" link set lo up
ip netns exec "$NS2" "$OUT/bench_prog" xdp-testrun ||
	echo "# XDP test-run measurement failed"
echo
ip netns exec "$NS2" "$OUT/bench_prog" xdp-live ||
	echo "# XDP live-frames measurement failed"
echo
ip netns exec "$NS2" "$OUT/bench_prog" xdp-csum ||
	echo "# XDP checksum throughput measurement failed"

echo
echo "== 2. jumbo frames on a live veth (frames in page frags: copy path)"
# bench_prog sends on one end and attaches to the other, so it needs
# both ends in its namespace: a second pair inside NS2.
ip -n "$NS2" link add j0 mtu 9000 type veth peer name j1 mtu 9000
ip -n "$NS2" link set j0 up
ip -n "$NS2" link set j1 up
ip netns exec "$NS2" "$OUT/bench_prog" live j0 j1 9014 20000 ||
	echo "# live measurement failed"
ip netns exec "$NS2" "$OUT/bench_prog" live j0 j1 1514 50000 ||
	echo "# live measurement failed"
ip -n "$NS2" link del j0

echo
echo "== 3. repairs"
"$OUT/bench_prog" repair || echo "# repair measurement failed"
ip netns exec "$NS2" "$OUT/bench_prog" live-gso 3000 ||
	echo "# live GSO repair measurement failed"

echo
echo "== 4. iperf3 across veth: offguard on both hooks of both ends / none"
if ! command -v iperf3 >/dev/null; then
	echo "# SKIP: iperf3 not installed"
	exit 0
fi
ip netns exec "$NS2" taskset -c 1 iperf3 -s >/dev/null 2>&1 &
SRV=$!
sleep 0.5

gbps() {
	ip netns exec "$NS1" taskset -c 0 iperf3 -c 10.77.0.2 -t "$SECS" -J 2>/dev/null |
		/usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); print("%.2f" % (d["end"]["sum_received"]["bits_per_second"]/1e9))'
}

without=() observe=() repair=()
for r in $(seq "$ROUNDS"); do
	without+=("$(gbps)")
	for p in observe repair; do
		ip netns exec "$NS1" "$OG" attach a0 --policy $p >/dev/null || exit 1
		ip netns exec "$NS2" "$OG" attach b0 --policy $p >/dev/null || exit 1
		if [ $p = observe ]; then observe+=("$(gbps)"); else repair+=("$(gbps)"); fi
	done
	ip netns exec "$NS1" "$OG" detach --all >/dev/null
	ip netns exec "$NS2" "$OG" detach --all >/dev/null
done
/usr/bin/python3 - "${without[*]}" "${observe[*]}" "${repair[*]}" <<'PY'
import statistics, sys
wo, ob, rp = ([float(x) for x in a.split()] for a in sys.argv[1:4])
m = statistics.median
print("iperf3 TCP, 1 stream, client cpu0 server cpu1, %d rounds alternating" % len(wo))
print("  without offguard    Gb/s: %s  median %.2f" % (wo, m(wo)))
print("  offguard observe    Gb/s: %s  median %.2f" % (ob, m(ob)))
print("  offguard repair     Gb/s: %s  median %.2f" % (rp, m(rp)))
print("  ratio observe/without: %.3f (target >= 0.97)" % (m(ob) / m(wo)))
print("  ratio repair/without:  %.3f (target >= 0.97)" % (m(rp) / m(wo)))
PY

echo
echo "== 5. offguard segd vs the kernel's software GSO vs TSO on"
bash "$ROOT/selftests/bench/segd.sh"
