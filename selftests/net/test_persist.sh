#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Attachments outlive the CLI: every `ip netns exec` starts with a fresh
# /sys (so a fresh, empty /sys/fs/bpf), yet an attach made in one must be
# found by status and stats in the next ones, keep counting, and keep its
# counters across a second attach.
# OG_TEST_ID is read by lib.sh; option strings ($TSO, $PKT...) are split
# on purpose.
# shellcheck disable=SC2034,SC2086 source-path=SCRIPTDIR
OG_TEST_ID='ps'
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

og_need_root
og_need_tools "$OG_SEND"

N=9

og_ns_add NS || exit 1
og_name DEV
og_name DEV2
if ! og_tun "$NS" "$DEV" || ! og_tun "$NS" "$DEV2"; then
	og_fail ps_setup "cannot create TUN $DEV/$DEV2"
	exit 0
fi

# "dev/hook" of what `offguard status -j` reports attached (its own exec).
og_attached()
{
	og "$NS" status -j | "$OG_PY" -c '
import json, sys
doc = json.load(sys.stdin)
print(" ".join(sorted("%s/%s" % (a["ifname"], a["hook"])
               for a in doc.get("attachments", []) if a.get("attached"))))'
}

# exec 1: attach, then that process and its /sys are gone.
if ! og_attach "$NS" "$DEV" tc-ingress; then
	og_fail ps_attach "offguard attach $DEV failed"
	exit 0
fi
# exec 2
og_expect ps_status_from_another_exec "$(og_attached)" "$DEV/tc_ingress"

og_send "$NS" tun --dev "$DEV" --count "$N" --flags needs_csum --seed full
# exec 3
og_expect ps_counting_from_another_exec \
	"$(og_json_get "$NS" "$DEV" tc-ingress reasons.partial_bad_seed.packets)" "$N"

# exec 4: another device, by another process.
og_attach "$NS" "$DEV2" tc-ingress
og_expect ps_second_attach_sees_first "$(og_attached)" \
	"$DEV/tc_ingress $DEV2/tc_ingress"

# exec 5: attaching again changes settings only; counters stay.
og_attach "$NS" "$DEV" tc-ingress
og_send "$NS" tun --dev "$DEV" --count "$N" --flags needs_csum --seed full
og_expect ps_reattach_keeps_counters \
	"$(og_json_get "$NS" "$DEV" tc-ingress reasons.partial_bad_seed.packets)" \
	"$((2 * N))"

og_send "$NS" tun --dev "$DEV2" --count "$N" --bad-ip-csum
og_expect ps_second_dev_counting \
	"$(og_json_get "$NS" "$DEV2" tc-ingress reasons.l3_bad_csum.packets)" "$N"

# Contract (DESIGN §5): plain bpftool reads the counters, names included.
# Same exec as an offguard command: its /sys/fs/bpf is the one it pinned to.
if command -v bpftool >/dev/null; then
	dump=$(ip netns exec "$NS" sh -c "'$OFFGUARD' status >/dev/null &&
		bpftool map dump pinned /sys/fs/bpf/offguard/og_counters")
	got=$(printf '%s' "$dump" | "$OG_PY" -c '
import json, sys
n = 0
for e in json.load(sys.stdin):
    k = e["key"]
    if k["hook"] == "OG_HOOK_TC_INGRESS" and k["reason"] == "OG_PARTIAL_BAD_SEED":
        n += sum(v["value"]["packets"] for v in e["values"])
print(n)' 2>&1)
	og_expect ps_bpftool_dump_by_name "$got" "$((2 * N))"
else
	og_skip ps_bpftool_dump_by_name "bpftool not installed"
fi

exit 0
