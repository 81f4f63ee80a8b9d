#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# offguard daemon in a private namespace (and a private bpffs, so pins
# outlive each command):
#   - 20 TAPs created one by one are each attached within a second, by
#     the rule their name matches; removed, they leave no attachment, no
#     setting, no counter and no pin; a device renamed into a pattern is
#     attached too.
#   - restarting the daemon while iperf3 runs through an attached veth:
#     the new daemon adopts the programs (same program ids, one per hook),
#     counters go on growing, iperf3 finishes.
#   - bad configuration files are refused with the file, line and problem
#     (exit 1); a bad SIGHUP reload keeps the old rules running; a good
#     one changes the policy without detaching; a second daemon is refused
#     by the lock.
# shellcheck disable=SC2034 source-path=SCRIPTDIR
OG_TEST_ID='dm'
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

og_need_root
og_need_tools "$OG_SEND"
command -v iperf3 >/dev/null 2>&1 || og_skip_all "iperf3 not installed"
og_bpffs_private || og_skip_all "cannot mount a private bpffs"

og_ns_add NS || exit 1
og_ns_add PEER || exit 1
# TAP names "tdm<pid>-<n>" (at most 15 characters), matched by one glob
P="t${OG_TEST_ID}$$"
VA="v${OG_TEST_ID}$$a"
VB="v${OG_TEST_ID}$$b"
CONF=$OG_TMP/offguard.conf
PROM=$OG_TMP/offguard.prom

write_conf()	# POLICY_OF_TAPS
{
	cat >"$CONF" <<EOF
# test_daemon: TAPs of this run, and the veth towards iperf3's server
match ${P}-* hooks=tc-ingress,xdp policy=$1   # guests
match $VA hooks=tc-ingress,tc-egress
prometheus $PROM interval=1
EOF
}
write_conf repair

DPID=""
DLOG=""
NSTART=0
# daemon_start: a daemon in NS; waits for its "ready" line (10 s).
daemon_start()
{
	NSTART=$((NSTART + 1))
	DLOG=$OG_TMP/daemon.$NSTART.log
	ip netns exec "$NS" "$OFFGUARD" daemon -c "$CONF" >"$DLOG" 2>&1 &
	DPID=$!
	_og_pids+=("$DPID")
	for _ in $(seq 100); do
		grep -q "daemon: ready" "$DLOG" && return 0
		kill -0 "$DPID" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# daemon_stop: SIGTERM, wait; the exit status into DRC (no subshell:
# only this shell can wait for its child).
DRC=""
daemon_stop()
{
	kill -TERM "$DPID" 2>/dev/null
	wait "$DPID"
	DRC=$?
	og_bg_forget "$DPID"
	DPID=""
}

og_bg_forget()
{
	local p keep=()

	for p in "${_og_pids[@]}"; do
		[ "$p" = "$1" ] || keep+=("$p")
	done
	_og_pids=("${keep[@]}")
}

# rows [DEV_PREFIX]: "ifname/hook/policy/attached/prog_id" of every row
# of `status -j` (configuration entries and live programs), sorted.
rows()
{
	og "$NS" status -j 2>/dev/null | "$OG_PY" -c '
import json, sys
pre = sys.argv[1]
d = json.load(sys.stdin)
print(" ".join(sorted("%s/%s/%s/%s/%s" % (a["ifname"], a["hook"], a["policy"],
                      str(a["attached"]).lower(), a["prog_id"])
               for a in d["attachments"]
               if a["ifname"] is None or a["ifname"].startswith(pre))))' "${1:-}"
}

# hooks_of DEV: "hook:policy ..." attached on DEV.
hooks_of()
{
	rows "$1" | tr ' ' '\n' | awk -F/ -v d="$1" \
		'$1 == d && $4 == "true" { printf "%s%s:%s", s, $2, $3; s = " " }'
}

# wait_hooks DEV WANT SECONDS: poll until hooks_of DEV is WANT.
wait_hooks()
{
	local end=$(($(date +%s%N) + $3 * 1000000000))

	while [ "$(date +%s%N)" -lt "$end" ]; do
		[ "$(hooks_of "$1")" = "$2" ] && return 0
		sleep 0.05
	done
	[ "$(hooks_of "$1")" = "$2" ]
}

if ! daemon_start; then
	og_fail dm_start "daemon not ready: $(cat "$DLOG")"
	exit 0
fi
og_pass dm_start

# --- 20 TAPs, one by one ---------------------------------------------------
WANT_TAP="tc_ingress:repair xdp:repair"
late=""
for i in $(seq 20); do
	if ! og_tun "$NS" "$P-$i" --tap; then
		late+=" $P-$i(create)"
		continue
	fi
	wait_hooks "$P-$i" "$WANT_TAP" 1 || late+=" $P-$i($(hooks_of "$P-$i"))"
done
if [ -z "$late" ]; then
	og_pass dm_20_taps_attached_within_1s
else
	og_fail dm_20_taps_attached_within_1s "late or wrong:$late"
fi
og_expect dm_log_one_line_per_attach \
	"$(grep -c "daemon: attached $P-[0-9]*: tc_ingress, xdp (policy repair; rule '$P-\*', line 2)" "$DLOG")" 20

# traffic on one of them, so there are counters to forget
og_send "$NS" tun --dev "$P-1" --tap --count 3 --flags needs_csum --seed full \
	>/dev/null 2>&1

for i in $(seq 20); do
	ip -n "$NS" link del "$P-$i"
done
left=""
for _ in $(seq 40); do
	left=$(rows "$P")
	[ -z "$left" ] && break
	sleep 0.05
done
og_expect dm_removed_no_attachment_or_setting "$left" ""
og_expect dm_removed_no_filter \
	"$(ip netns exec "$NS" bpftool net 2>/dev/null | grep -c "$P-")" 0
og_stats_json "$NS"
og_expect dm_removed_counters_forgotten \
	"$(grep -c "\"$P-" "$OG_TMP/stats.json")" 0
og_expect dm_removed_no_device_pins \
	"$(find "$OFFGUARD_BPFFS/offguard" -mindepth 1 | sed 's|.*/||' |
	   grep -Ev '^(og_counters|og_devstats|og_config|og_samples|kdrop_[0-9]+)$' | tr '\n' ' ')" ""
og_expect dm_log_forgot \
	"$(grep -c "daemon: forgot $P-[0-9]* (ifindex [0-9]*): device removed" "$DLOG")" 20

# renamed into the pattern
if og_tun "$NS" "x$P" --tap && ip -n "$NS" link set "x$P" down &&
	ip -n "$NS" link set "x$P" name "$P-r"; then
	sleep 0.3
	wait_hooks "$P-r" "$WANT_TAP" 1
	og_expect dm_rename_into_pattern "$(hooks_of "$P-r")" "$WANT_TAP"
	ip -n "$NS" link del "$P-r"
else
	og_fail dm_rename_into_pattern "cannot create or rename x$P"
fi

# --- Prometheus textfile ---------------------------------------------------
for _ in $(seq 30); do
	[ -s "$PROM" ] && break
	sleep 0.1
done
if grep -q '^offguard_snapshot_timestamp_seconds ' "$PROM" 2>/dev/null; then
	og_pass dm_prometheus_textfile
else
	og_fail dm_prometheus_textfile "$PROM not written"
fi

# --- restart while iperf3 runs through an attached veth --------------------
if ! og_veth "$NS" "$VA" "$PEER" "$VB" ||
	! ip -n "$NS" addr add 10.73.0.1/24 dev "$VA" ||
	! ip -n "$PEER" addr add 10.73.0.2/24 dev "$VB"; then
	og_fail dm_restart_setup "cannot build the veth pair"
	exit 0
fi
WANT_V="tc_egress:observe tc_ingress:observe"
wait_hooks "$VA" "$WANT_V" 1
og_expect dm_veth_attached "$(hooks_of "$VA")" "$WANT_V"
ids_before=$(rows "$VA" | tr ' ' '\n' | cut -d/ -f2,5 | tr '\n' ' ')

og_bg "$PEER" iperf3 -s -1
sleep 0.5
ip netns exec "$NS" iperf3 -c 10.73.0.2 -t 5 >"$OG_TMP/iperf.out" 2>&1 &
IPERF=$!
_og_pids+=("$IPERF")
sleep 1.5
before=$(og_json_get "$NS" "$VA" tc-egress packets)
daemon_stop
og_expect dm_sigterm_exit_0 "$DRC" 0
og_expect dm_sigterm_leaves_attachments "$(hooks_of "$VA")" "$WANT_V"
if ! daemon_start; then
	og_fail dm_restart "daemon not ready again: $(cat "$DLOG")"
	exit 0
fi
og_expect dm_restart_adopts "$(grep -c "daemon: adopted $VA: tc_ingress, tc_egress" "$DLOG")" 1
ids_after=$(rows "$VA" | tr ' ' '\n' | cut -d/ -f2,5 | tr '\n' ' ')
og_expect dm_restart_same_programs_one_per_hook "$ids_after" "$ids_before"
sleep 1
after=$(og_json_get "$NS" "$VA" tc-egress packets)
if [[ "$before" =~ ^[0-9]+$ && "$after" =~ ^[0-9]+$ ]] && [ "$before" -gt 0 ] &&
	[ "$after" -gt "$before" ]; then
	og_pass dm_restart_counters_continue
else
	og_fail dm_restart_counters_continue "tc_egress packets before $before, after $after"
fi
wait "$IPERF"
rc=$?
og_bg_forget "$IPERF"
if [ "$rc" = 0 ] && grep -q "receiver" "$OG_TMP/iperf.out"; then
	og_pass dm_restart_iperf3_ok
else
	og_fail dm_restart_iperf3_ok "iperf3 exit $rc: $(tail -3 "$OG_TMP/iperf.out")"
fi

# --- a second daemon -------------------------------------------------------
ino=$(ip netns exec "$NS" stat -L -c %i /proc/self/ns/net)
out=$(timeout 10 ip netns exec "$NS" "$OFFGUARD" daemon -c "$CONF" 2>&1)
rc=$?
og_expect dm_second_daemon_refused "$rc: $out" \
	"1: offguard: daemon: another daemon holds /run/offguard/offguard-net$ino.lock (pid $DPID)"

# --- bad configuration files -------------------------------------------------
# bad_conf NAME TEXT WANT_MESSAGE (the file is $OG_TMP/bad.conf)
bad_conf()
{
	local out rc

	printf '%b' "$2" >"$OG_TMP/bad.conf"
	out=$(timeout 10 ip netns exec "$NS" "$OFFGUARD" daemon -c "$OG_TMP/bad.conf" 2>&1)
	rc=$?
	og_expect "$1" "$rc: $out" "1: offguard: $3"
}
B=$OG_TMP/bad.conf
bad_conf dm_bad_unknown_key "match tap*\nmatch vnet* polcy=repair\n" \
	"$B:2: unknown key 'polcy'"
bad_conf dm_bad_pattern "# x\nmatch tap/0\n" \
	"$B:2: bad pattern 'tap/0': '/' cannot be in an interface name"
bad_conf dm_bad_pattern_long "match abcdefghijklmnop\n" \
	"$B:1: bad pattern 'abcdefghijklmnop': longer than 15 characters, the longest interface name"
bad_conf dm_bad_policy "match tap* policy=fix\n" \
	"$B:1: bad policy 'fix' (observe, repair or strict)"
bad_conf dm_bad_hook "match tap* hooks=tc\n" \
	"$B:1: bad hook 'tc' (tc-ingress, tc-egress, xdp or all)"
bad_conf dm_bad_duplicate_prometheus "prometheus /a.prom\nprometheus /b.prom\n" \
	"$B:2: duplicate prometheus line (first at line 1)"
bad_conf dm_bad_segd "segd tap0 eth0\n" \
	"$B:1: segd is not a daemon directive: run offguard segd --in IN --out OUT, one process per pair"
out=$(timeout 10 ip netns exec "$NS" "$OFFGUARD" daemon -c "$OG_TMP/missing.conf" 2>&1)
og_expect dm_bad_missing_file "$?: $out" \
	"1: offguard: $OG_TMP/missing.conf: no such file or directory"
out=$(timeout 10 ip netns exec "$NS" "$OFFGUARD" daemon -c "$OG_TMP" 2>&1)
og_expect dm_bad_directory "$?: $out" "1: offguard: $OG_TMP: is a directory"

# --- SIGHUP ------------------------------------------------------------------
cp "$CONF" "$OG_TMP/good.conf"
printf 'match %s-* policy=bogus\n' "$P" >"$CONF"
kill -HUP "$DPID"
for _ in $(seq 30); do
	grep -q "reload failed" "$DLOG" && break
	sleep 0.1
done
og_expect dm_bad_reload_logged \
	"$(grep -c "^offguard: $CONF:1: bad policy 'bogus' (observe, repair or strict)$" "$DLOG")" 1
if og_tun "$NS" "$P-99" --tap && wait_hooks "$P-99" "$WANT_TAP" 1; then
	og_pass dm_bad_reload_keeps_old_rules
else
	og_fail dm_bad_reload_keeps_old_rules "$P-99: '$(hooks_of "$P-99")'"
fi

# a good reload: the TAPs' policy changes, their programs stay; the veth's
# rule is unchanged and it is left alone
ids_tap=$(rows "$P-99" | tr ' ' '\n' | cut -d/ -f2,5 | tr '\n' ' ')
write_conf strict
kill -HUP "$DPID"
wait_hooks "$P-99" "tc_ingress:strict xdp:strict" 2
og_expect dm_reload_updates_policy "$(hooks_of "$P-99")" "tc_ingress:strict xdp:strict"
og_expect dm_reload_keeps_programs \
	"$(rows "$P-99" | tr ' ' '\n' | cut -d/ -f2,5 | tr '\n' ' ')" "$ids_tap"
og_expect dm_reload_leaves_unchanged_alone \
	"$(grep -c "daemon: .* $VA:" "$DLOG")" 1

# a reload that drops the veth's rule detaches it
write_conf strict
sed -i "/^match $VA/d" "$CONF"
kill -HUP "$DPID"
for _ in $(seq 30); do
	[ -z "$(hooks_of "$VA")" ] && break
	sleep 0.1
done
og_expect dm_reload_detaches_unmatched "$(hooks_of "$VA")" ""

daemon_stop
og_expect dm_stop_exit_0 "$DRC" 0
og_expect dm_stop_removes_lock "$(ls /run/offguard/offguard-net"$ino".lock 2>/dev/null)" ""
og "$NS" detach --all >/dev/null 2>&1
