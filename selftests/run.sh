#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Runs every offguard test: unit (no root), prog (BPF_PROG_TEST_RUN),
# net (private namespaces). Each test prints one line
#   PASS: name | FAIL: name: why | SKIP: name: reason
# and this runner ends with "N passed, N failed" (", N skipped" if any).
#
#   selftests/run.sh [FILTER]    only tests whose file name matches FILTER

set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/.output/selftests
FILTER=${1:-}
export OFFGUARD=${OFFGUARD:-$ROOT/offguard}
export OG_TOOLS=$OUT
export OG_ROOT=$ROOT

pass=0 fail=0 skip=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# run NAME CMD...: stream its lines, count them, and count a crash
# (non-zero exit with no FAIL line) as a failure of its own.
run() {
	local name=$1 rc
	shift
	case "$name" in *"$FILTER"*) ;; *) return ;; esac
	echo "# $name"
	"$@" >"$log" 2> >(sed 's/^/  | /' >&2)
	rc=$?
	cat "$log"
	local p f s
	p=$(grep -c '^PASS: ' "$log")
	f=$(grep -c '^FAIL: ' "$log")
	s=$(grep -c '^SKIP: ' "$log")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "FAIL: $name: exited with status $rc"
		f=$((f + 1))
	fi
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
}

run unit "$OUT/unit_tests"
run prog "$OUT/prog_tests"
run fuzz bash "$ROOT/selftests/fuzz/run.sh"
for t in "$ROOT"/selftests/net/test_*.sh; do
	[ -e "$t" ] || continue
	run "net/$(basename "$t" .sh)" bash "$t"
done

if [ "$skip" -gt 0 ]; then
	echo "$pass passed, $fail failed, $skip skipped"
else
	echo "$pass passed, $fail failed"
fi
[ "$fail" -eq 0 ]
