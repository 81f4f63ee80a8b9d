#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Fuzz checks of the segmentation core (binaries from `make fuzz`).
# Output contract as in selftests/net/lib.sh: one PASS:/FAIL:/SKIP: line
# per check, "# " lines for figures; exits 0 whatever the checks found.
#
#   fuzz_seg_seeds        every seed replays without a finding
#   fuzz_seg_bounded      a fixed-seed libFuzzer run (OG_FUZZ_RUNS runs,
#                         at most OG_FUZZ_TIME seconds) exits 0
#   fuzz_seg_oracle_bites the build that flips one output byte crashes
#                         on the seeds: the oracles are not vacuous
#
# A finding is kept as /tmp/fuzz_crash_<check>-<sha1> and named in the
# FAIL line; replay it with `.output/fuzz/fuzz_seg FILE`.

set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${OG_FUZZ_OUT:-$ROOT/.output/fuzz}
BIN=$OUT/fuzz_seg
BREAK=$OUT/fuzz_seg_break
SEEDS=$OUT/seeds
# ~11 s on a 2-core VM (about 18000 runs a second); the time cap only
# guards a slow machine (the run is then shorter, not a failure).
RUNS=${OG_FUZZ_RUNS:-200000}
TIME=${OG_FUZZ_TIME:-30}

TMP=$(mktemp -d /tmp/og_fuzz.XXXXXX) || exit 1
trap 'rm -rf "$TMP"' EXIT

# The first UBSan report is fatal and shows where (the libFuzzer build is
# compiled with -fno-sanitize-recover; this covers the gcc driver too).
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# keep_crash CHECK LOG: copy the findings out of $TMP, print the FAIL line.
keep_crash() {
	local check=$1 log=$2 f kept="" why

	for f in "$TMP"/art/crash-* "$TMP"/art/leak-* "$TMP"/art/timeout-* \
		 "$TMP"/art/oom-*; do
		[ -e "$f" ] || continue
		cp "$f" "/tmp/fuzz_crash_${check}-$(basename "$f")"
		kept="$kept /tmp/fuzz_crash_${check}-$(basename "$f")"
	done
	why=$(grep -m1 -E 'offguard-fuzz: oracle:|ERROR: (Address|Leak)Sanitizer|runtime error:|ERROR: libFuzzer' "$log")
	echo "FAIL: $check: ${why:-exit status $3}${kept:+ (input:$kept)}"
	sed 's/^/  | /' "$log" | tail -n 40 >&2
}

# stats LOG: libFuzzer's last status line as a "# " line.
stats() {
	local line

	line=$(grep -E '^#[0-9]+[[:space:]]+(DONE|INITED|pulse|NEW|REDUCE)' "$1" | tail -n 1)
	[ -n "$line" ] && echo "# fuzz_seg: $line"
}

if [ ! -x "$BIN" ] || [ ! -x "$BREAK" ] || [ ! -e "$SEEDS/.stamp" ]; then
	for c in seeds bounded oracle_bites; do
		echo "FAIL: fuzz_seg_$c: not built (make fuzz)"
	done
	exit 0
fi
mode=$(cat "$BIN.mode" 2>/dev/null || echo libfuzzer)
mkdir -p "$TMP/art" "$TMP/corpus"

# 1. The seeds alone.
log=$TMP/seeds.log
if [ "$mode" = libfuzzer ]; then
	"$BIN" -runs=0 -artifact_prefix="$TMP/art/" "$SEEDS" >"$log" 2>&1
else
	"$BIN" "$SEEDS" >"$log" 2>&1
fi
rc=$?
if [ "$rc" -eq 0 ]; then
	echo "PASS: fuzz_seg_seeds"
else
	keep_crash fuzz_seg_seeds "$log" "$rc"
fi

# 2. A bounded, reproducible run from the seeds (new inputs go to $TMP).
log=$TMP/bounded.log
if [ "$mode" != libfuzzer ]; then
	echo "SKIP: fuzz_seg_bounded: clang has no libFuzzer runtime (libclang-rt-14-dev): seeds replayed only"
else
	start=$SECONDS
	"$BIN" -seed=1 -runs="$RUNS" -max_total_time="$TIME" -max_len=4096 \
		-timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$TMP/art/" "$TMP/corpus" "$SEEDS" >"$log" 2>&1
	rc=$?
	stats "$log"
	echo "# fuzz_seg: $(grep -m1 -o 'stat::number_of_executed_units: [0-9]*' "$log" | sed 's/.*: //') runs in $((SECONDS - start)) s"
	if [ "$rc" -eq 0 ]; then
		echo "PASS: fuzz_seg_bounded"
	else
		keep_crash fuzz_seg_bounded "$log" "$rc"
	fi
fi

# 3. The oracles must catch one flipped byte, on the first valid seed.
log=$TMP/break.log
if [ "$mode" = libfuzzer ]; then
	"$BREAK" -runs=0 -artifact_prefix="$TMP/art/break-" "$SEEDS" >"$log" 2>&1
else
	"$BREAK" "$SEEDS" >"$log" 2>&1
fi
rc=$?
if [ "$rc" -ne 0 ] && grep -q 'offguard-fuzz: oracle:' "$log"; then
	echo "PASS: fuzz_seg_oracle_bites"
else
	echo "FAIL: fuzz_seg_oracle_bites: a corrupted output byte went unnoticed (exit status $rc)"
fi
exit 0
