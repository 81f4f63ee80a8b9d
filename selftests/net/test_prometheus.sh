#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# stats --prometheus and --prometheus-file: the text exposition format
# 0.0.4 for node_exporter's textfile collector.
#   - traffic that raises reasons on every hook: a TUN writer's
#     partial_bad_seed frames and bad IPv4 header checksums (tc ingress,
#     repair; the kernel then drops the latter: kdrop), AF_PACKET seeds and
#     bad UDP checksums into a veth with --hook all (xdp, repair), ping;
#   - device names the format must escape ('"' and '\') or cannot hold
#     as they are (a byte that is not UTF-8: written as the text \xNN),
#     and a device deleted after its packets were counted (device="");
#   - once the counters stand still, --prometheus is read by a strict
#     parser (prom_check.py, its own grammar, itself checked on good and
#     bad inputs; promtool too when installed) and every series equals
#     the matching number of stats -j, both ways (no series missing, none
#     extra);
#   - --prometheus-file writes the same, atomically: a reader polling the
#     file while it is rewritten every second (-i 1) only ever sees whole
#     expositions, a new inode each time, no PATH.tmp left; a bad path
#     names the file and the cause, exit 1; --prometheus with -j (before
#     or after the command) or with -i but no file is a usage error, 2.
# shellcheck disable=SC2034 source-path=SCRIPTDIR
OG_TEST_ID='pm'
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

og_need_root
og_need_tools "$OG_SEND"
og_bpffs_private || og_skip_all "cannot mount a private bpffs"
CHECK=("$OG_PY" "$OG_NET_DIR/prom_check.py")

if out=$("${CHECK[@]}" self-test 2>&1); then
	og_pass pm_parser_self_test
else
	og_fail pm_parser_self_test "$out"
fi

og_ns_add A || exit 1
og_ns_add B || exit 1
# No IPv6 on the devices made from here on: no DAD, router solicitation
# or MLD packet moves a counter between two reads.
for ns in "$A" "$B"; do
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1
done
og_name VA
og_name VC
og_name VD
og_name VE
og_name TN
# Names in a namespace of their own cannot collide: these two are fixed.
QB='pm"q\b'		# '"' and '\': escaped in label values
XB=$'pm\xffx'		# not UTF-8: the byte becomes the text \xff
if ! og_veth "$A" "$VA" "$B" "$QB" ||
	! og_veth "$A" "$VC" "$B" "$VD" ||
	! og_veth "$A" "$VE" "$B" "$XB" ||
	! ip -n "$A" addr add 10.74.0.1/24 dev "$VA" ||
	! ip -n "$B" addr add 10.74.0.2/24 dev "$QB" ||
	! og_tun "$B" "$TN"; then
	og_fail pm_setup "cannot build the topology"
	exit 0
fi
AMAC=$(ip -n "$A" -br link show "$VA" | awk '{print $3}')
BMAC=$(ip -n "$B" -br link show "$QB" | awk '{print $3}')
DMAC=$(ip -n "$B" -br link show "$VD" | awk '{print $3}')
XMAC=$(ip -n "$B" link show "$XB" | awk '/link\/ether/ {print $2}')
# Permanent neighbours: no ARP probe some seconds after the traffic.
ip -n "$A" neigh add 10.74.0.2 lladdr "$BMAC" dev "$VA" nud permanent
ip -n "$B" neigh add 10.74.0.1 lladdr "$AMAC" dev "$QB" nud permanent

if ! og_attach "$B" "$QB" all --policy repair ||
	! og_attach "$B" "$TN" tc-ingress --policy repair ||
	! og_attach "$B" "$VD" tc-ingress ||
	! og_attach "$B" "$XB" tc-ingress; then
	og_fail pm_attach "offguard attach failed"
	exit 0
fi
DIDX=$(ip netns exec "$B" cat "/sys/class/net/$VD/ifindex")
TIDX=$(ip netns exec "$B" cat "/sys/class/net/$TN/ifindex")

# --- traffic ---------------------------------------------------------------
og_send "$B" tun --dev "$TN" --flags needs_csum --seed full --tcp-flags S \
	--count 5 >/dev/null || og_fail pm_send_tun_seed "og_send failed"
og_send "$B" tun --dev "$TN" --bad-ip-csum --count 2 >/dev/null ||
	og_fail pm_send_tun_ipcsum "og_send failed"
og_send "$A" packet --ifname "$VA" --dst-mac "$BMAC" --proto udp \
	--src 10.74.0.1 --dst 10.74.0.2 --dport 9 --len 100 --seed seed \
	--count 5 || og_fail pm_send_seed "og_send failed"
og_send "$A" packet --ifname "$VA" --dst-mac "$BMAC" --proto udp \
	--src 10.74.0.1 --dst 10.74.0.2 --dport 9 --len 64 --seed bad \
	--count 3 || og_fail pm_send_bad "og_send failed"
ip netns exec "$A" ping -c 3 -i 0.2 -W 1 10.74.0.2 >/dev/null 2>&1 ||
	og_fail pm_ping "no answer across the veth"
og_send "$A" packet --ifname "$VC" --dst-mac "$DMAC" --proto udp \
	--src 10.74.1.1 --dst 10.74.1.2 --len 20 --count 4 ||
	og_fail pm_send_gone "og_send failed"
og_send "$A" packet --ifname "$VE" --dst-mac "$XMAC" --proto udp \
	--src 10.74.2.1 --dst 10.74.2.2 --len 20 --count 2 ||
	og_fail pm_send_xb "og_send failed"
# VD goes away with its peer; its counters stay in the maps.
ip -n "$A" link del "$VC"
sleep 0.5

# --- the same numbers, once they stand still -------------------------------
P=$OG_TMP/stats.prom
quiet=no
for _ in 1 2 3 4 5; do
	og "$B" stats -j >"$OG_TMP/j1.json" 2>/dev/null
	og "$B" stats --prometheus >"$P" 2>"$OG_TMP/prom.err"
	prc=$?
	og "$B" stats -j >"$OG_TMP/j2.json" 2>/dev/null
	if cmp -s "$OG_TMP/j1.json" "$OG_TMP/j2.json"; then
		quiet=yes
		break
	fi
	sleep 1
done
og_expect pm_counters_stand_still "$quiet" yes
og_expect pm_prom_exit "$prc" 0
og_expect pm_prom_no_stderr "$(cat "$OG_TMP/prom.err")" ""

out=$("${CHECK[@]}" check "$P" 2>&1)
case "$out" in
ok*) og_pass pm_prom_strict_parse; echo "  | $out" >&2 ;;
*) og_fail pm_prom_strict_parse "$(echo "$out" | head -5 | tr '\n' ';')" ;;
esac
if command -v promtool >/dev/null 2>&1; then
	if out=$(promtool check metrics <"$P" 2>&1); then
		og_pass pm_promtool
	else
		og_fail pm_promtool "$(echo "$out" | head -5 | tr '\n' ';')"
	fi
else
	og_skip pm_promtool "promtool not installed (Debian package prometheus); prom_check.py ran"
fi
out=$("${CHECK[@]}" compare "$P" "$OG_TMP/j1.json" 2>&1)
case "$out" in
equal*) og_pass pm_prom_equals_json; echo "  | $out" >&2 ;;
*) og_fail pm_prom_equals_json "$(echo "$out" | head -5 | tr '\n' ';')" ;;
esac

# The comparison holds numbers that matter, not only zeros.
get() { "${CHECK[@]}" get "$P" "$@"; }
R=offguard_reason_packets_total
og_expect pm_seed_packets "$(get $R device="$TN" hook=tc_ingress reason=partial_bad_seed)" 5
og_expect pm_seed_repaired "$(get offguard_reason_repaired_total device="$TN" hook=tc_ingress reason=partial_bad_seed)" 5
og_expect pm_seed_variant "$(get offguard_seed_variant_packets_total device="$TN" hook=tc_ingress variant=full_csum)" 5
og_expect pm_l3_bad_csum "$(get $R device="$TN" hook=tc_ingress reason=l3_bad_csum)" 2
og_expect pm_kdrop_ip_csum "$(get $R ifindex="$TIDX" hook=kdrop reason=kdrop_ip_csum)" 2
og_expect pm_leaked_partial "$(get $R device="$QB" hook=xdp reason=wire_leaked_partial)" 5
og_expect pm_leaked_partial_repaired "$(get offguard_reason_repaired_total device="$QB" hook=xdp reason=wire_leaked_partial)" 5
og_expect pm_wire_l4_bad_csum "$(get $R device="$QB" hook=xdp reason=wire_l4_bad_csum)" 3
og_expect pm_policy_info "$(get offguard_policy_info device="$QB" hook=xdp policy=repair)" 1
og_expect pm_no_kdrop_policy "$(get offguard_policy_info hook=kdrop)" none
og_expect_ge pm_egress_packets "$(get offguard_packets_total device="$QB" hook=tc_egress)" 3 "ICMP replies counted"
og_expect pm_csum_states "$(get offguard_csum_packets_total device="$TN" hook=tc_ingress state=partial)" 5
og_expect pm_xdp_has_no_csum "$(get offguard_csum_packets_total device="$QB" hook=xdp state=none)" none
# Label values: as the text holds them, and as they read back.
if grep -qF 'device="pm\"q\\b",' "$P"; then
	og_pass pm_escaped_quote_backslash
else
	og_fail pm_escaped_quote_backslash "no device=\"pm\\\"q\\\\b\" in the output"
fi
og_expect pm_non_utf8_name "$(get offguard_packets_total device='pm\xffx' hook=tc_ingress)" 2
og_expect pm_gone_device "$(get offguard_packets_total device= ifindex="$DIDX" hook=tc_ingress)" 4
og_expect pm_gone_device_in_json "$("$OG_PY" -c '
import json, sys
doc = json.loads(open(sys.argv[1], "rb").read().decode("utf-8", "surrogateescape"))
d = [d for d in doc["devices"] if d["ifindex"] == int(sys.argv[2])]
print(d[0]["ifname"] if d else "absent")' "$OG_TMP/j1.json" "$DIDX")" None

# DEV... limits the series to that device.
og "$B" stats --prometheus "$TN" >"$OG_TMP/one.prom" 2>/dev/null
og_expect pm_dev_filter "$("${CHECK[@]}" labels "$OG_TMP/one.prom" device)" "'$TN'"

# --- --prometheus-file -------------------------------------------------------
D=$OG_TMP/textfile
mkdir -p "$D"
F=$D/offguard.prom
og "$B" stats --prometheus-file "$F" >"$OG_TMP/f.out" 2>&1
og_expect pm_file_exit "$?" 0
og_expect pm_file_quiet "$(cat "$OG_TMP/f.out")" ""
out=$("${CHECK[@]}" check "$F" 2>&1)
case "$out" in
ok*) og_pass pm_file_strict_parse ;;
*) og_fail pm_file_strict_parse "$(echo "$out" | head -3 | tr '\n' ';')" ;;
esac
out=$("${CHECK[@]}" compare "$F" "$OG_TMP/j1.json" 2>&1)
case "$out" in
equal*) og_pass pm_file_equals_json ;;
*) og_fail pm_file_equals_json "$(echo "$out" | head -3 | tr '\n' ';')" ;;
esac
og_expect pm_file_same_as_stdout \
	"$(grep -v '^offguard_snapshot_timestamp_seconds ' "$F" | md5sum)" \
	"$(grep -v '^offguard_snapshot_timestamp_seconds ' "$P" | md5sum)"
og_expect pm_file_mode "$(stat -c %a "$F")" 644
og_expect pm_file_no_tmp_left "$(ls -A "$D")" offguard.prom

# Rewritten every second, read all the while: only whole files are seen.
ino0=$(stat -c %i "$F")
"$OG_PY" - "$F" "$OG_TMP/reader.out" <<'EOF' &
import sys, time
path, out = sys.argv[1], sys.argv[2]
reads = torn = 0
seen = set()
end = time.monotonic() + 3.5
while time.monotonic() < end:
    data = open(path, "rb").read()
    reads += 1
    last = data.rstrip(b"\n").rsplit(b"\n", 1)[-1]
    if not data.endswith(b"\n") or not last.startswith(b"offguard_snapshot_timestamp_seconds "):
        torn += 1
    seen.add(data)
    time.sleep(0.002)
open(out, "w").write("%d %d %d\n" % (reads, torn, len(seen)))
EOF
RPID=$!
_og_pids+=("$RPID")
og "$B" stats --prometheus-file "$F" -i 1 -c 3 >"$OG_TMP/i.out" 2>&1
og_expect pm_file_interval_exit "$?" 0
wait "$RPID"
read -r reads torn versions <"$OG_TMP/reader.out"
echo "  | reader: $reads reads, $torn torn, $versions versions" >&2
og_expect pm_file_reader_never_torn "$torn" 0
og_expect_ge pm_file_rewritten "$versions" 3 "versions seen by the reader"
if [ "$(stat -c %i "$F")" != "$ino0" ]; then
	og_pass pm_file_new_inode
else
	og_fail pm_file_new_inode "inode $ino0 kept: written in place"
fi
og_expect pm_file_interval_no_tmp "$(ls -A "$D")" offguard.prom

# Bad paths: the file and the cause, exit 1, nothing left behind.
bad()
{
	local name=$1 path=$2 want=$3 err rc

	err=$(og "$B" stats --prometheus-file "$path" 2>&1 >/dev/null)
	rc=$?
	og_expect "${name}_exit" "$rc" 1
	og_expect "${name}_message" "$err" "offguard: stats: $want"
}
bad pm_file_no_dir "$OG_TMP/nodir/x.prom" \
	"cannot create $OG_TMP/nodir/x.prom.tmp: no such file or directory"
bad pm_file_is_dir "$D" "cannot write $D: is a directory"
og_expect pm_file_is_dir_no_tmp "$(ls -d "$D.tmp" 2>/dev/null)" ""
mkdir -p "$OG_TMP/ro"
# The tmpfs is mounted in the command's own mount namespace (ip netns
# exec makes one): it goes away with the command.
# shellcheck disable=SC2016
err=$(ip netns exec "$B" sh -c 'mount -t tmpfs -o ro none "$1" &&
	"$2" stats --prometheus-file "$1/x.prom"' sh "$OG_TMP/ro" "$OFFGUARD" 2>&1)
og_expect pm_file_read_only_exit "$?" 1
og_expect pm_file_read_only_message "$err" \
	"offguard: stats: cannot create $OG_TMP/ro/x.prom.tmp: read-only file system"

# Usage errors.
og "$B" stats --prometheus -j >/dev/null 2>&1
og_expect pm_usage_prom_json "$?" 2
og "$B" -j stats --prometheus >/dev/null 2>&1
og_expect pm_usage_json_first "$?" 2
og "$B" stats --prometheus-file "$F" -p >/dev/null 2>&1
og_expect pm_usage_file_pretty "$?" 2
og "$B" stats --prometheus -i 1 >/dev/null 2>&1
og_expect pm_usage_interval_stdout "$?" 2
og "$B" stats --prometheus-file= >/dev/null 2>&1
og_expect pm_usage_empty_path "$?" 2
