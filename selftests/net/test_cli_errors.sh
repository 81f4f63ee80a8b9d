#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The CLI contract for errors (DESIGN §6): exit 0 success, 1 failure,
# 2 usage; an error names the device and the cause in words
# ("offguard: attach X: no such device"); with -j it is a JSON document.
# Runs in a private namespace so that no real device is ever touched.
# OG_TEST_ID is read by lib.sh; option strings ($TSO, $PKT...) are split
# on purpose.
# shellcheck disable=SC2034,SC2086,SC2119 source-path=SCRIPTDIR
OG_TEST_ID='cl'
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

og_need_root
og_need_tools

og_ns_add NS || exit 1
og_name MISSING

# cli_case NAME WANT_RC STDERR_WORDS ARGS...: exit code (WANT_RC may be
# "0|1"), and every word of STDERR_WORDS ('|'-separated, may be empty)
# in stderr.
cli_case()
{
	local name=$1 want=$2 words=$3 rc err w

	shift 3
	og "$NS" "$@" >"$OG_TMP/out" 2>"$OG_TMP/err"
	rc=$?
	err=$(head -c 400 "$OG_TMP/err" | tr '\n' ' ')
	if ! [[ "$rc" =~ ^($want)$ ]]; then
		og_fail "$name" "offguard $*: exit $rc, want $want (stderr: $err)"
		return
	fi
	IFS='|' read -ra ws <<<"$words"
	for w in "${ws[@]}"; do
		if ! grep -qi -- "$w" "$OG_TMP/err"; then
			og_fail "$name" "offguard $*: stderr lacks '$w' (stderr: $err)"
			return
		fi
	done
	og_pass "$name"
}

cli_case cli_attach_missing_dev 1 "$MISSING|no such device" \
	attach "$MISSING" --hook tc-ingress
cli_case cli_attach_missing_dev_all_hooks 1 "$MISSING|no such device" \
	attach "$MISSING"
# Whether detaching from nothing fails (1) or is a no-op (0) is the
# CLI's choice; the message must say which device and why either way.
cli_case cli_detach_missing_dev "1" "$MISSING|no such device" detach "$MISSING"
cli_case cli_attach_bad_option 2 "--bogus" attach lo --bogus
cli_case cli_attach_bad_hook 2 "" attach lo --hook nonsense
cli_case cli_attach_no_device 2 "" attach
cli_case cli_bad_global_option 2 "" --bogus stats
cli_case cli_unknown_command 2 "" frobnicate
cli_case cli_stats_bad_option 2 "" stats --bogus

# -j: the error is the one JSON document on stdout.
og "$NS" -j attach "$MISSING" --hook tc-ingress >"$OG_TMP/out" 2>/dev/null
rc=$?
if [ "$rc" = 1 ] && "$OG_PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if sys.argv[2] in d.get("error", "") else 1)' "$OG_TMP/out" "$MISSING" 2>/dev/null; then
	og_pass cli_attach_missing_dev_json
else
	og_fail cli_attach_missing_dev_json "exit $rc, stdout: $(head -c 200 "$OG_TMP/out")"
fi

# Nothing attached: still one valid document, with no devices.
if og "$NS" stats -j >"$OG_TMP/out" 2>"$OG_TMP/err" && "$OG_PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if d.get("devices") == [] else 1)' "$OG_TMP/out" 2>/dev/null; then
	og_pass cli_stats_json_empty
else
	og_fail cli_stats_json_empty "stdout: $(head -c 200 "$OG_TMP/out") stderr: $(head -c 200 "$OG_TMP/err")"
fi

exit 0
