#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The XDP hook from the CLI: attach through libxdp, modes, settings,
# detach, devices offguard does not own, and the deferral of the
# leaked-partial verdict on software links.
#   - veth: native mode; tc ingress attached with it (its frames may be
#     CHECKSUM_PARTIAL skbs); re-attaching changes the policy and keeps
#     the program; --hook all gives three hooks; --xdp-mode skb gives
#     generic mode; detach --hook xdp leaves the tc hooks; detach leaves
#     nothing.
#   - local TCP bulk traffic (CHECKSUM_PARTIAL skbs, seeds in their
#     checksum fields) through a veth with XDP raises no reason, while the
#     same kind of seed written by AF_PACKET (CHECKSUM_NONE) is counted as
#     wire_leaked_partial under hook xdp, and under repair arrives with a
#     checksum the receiver accepts.
#   - TUN (no link header): generic mode by default, no_link_header set,
#     a bad UDP checksum written by the TUN's writer is counted at XDP.
#   - a foreign XDP program: attach fails naming the cause, and leaves it
#     (and the device) as it was.
# shellcheck disable=SC2034 source-path=SCRIPTDIR
OG_TEST_ID='xp'
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

og_need_root
og_need_tools "$OG_SEND"
[ -r "$FOREIGN_OBJ" ] || og_skip_all "$FOREIGN_OBJ not built (make)"
command -v iperf3 >/dev/null 2>&1 || og_skip_all "iperf3 not installed"
command -v nstat >/dev/null 2>&1 || og_skip_all "nstat not installed"

og_ns_add A
og_ns_add B
og_name VA
og_name VB
if ! og_veth "$A" "$VA" "$B" "$VB" ||
	! ip -n "$A" addr add 10.72.0.1/24 dev "$VA" ||
	! ip -n "$B" addr add 10.72.0.2/24 dev "$VB"; then
	og_fail xp_setup "cannot build the veth pair"
	exit 0
fi
BMAC=$(ip -n "$B" -br link show "$VB" | awk '{print $3}')

# hooks NS DEV: "hook:mode ..." of DEV in status -j, sorted.
hooks()
{
	og "$1" status -j 2>/dev/null | "$OG_PY" -c '
import json, sys
d = json.load(sys.stdin)
print(" ".join(sorted("%s:%s" % (a["hook"], a["mode"]) for a in d["attachments"]
                      if a["ifname"] == sys.argv[1] and a["attached"])) or "none")' "$2"
}

out=$(og "$B" attach "$VB" --hook xdp -v 2>&1)
og_expect xp_veth_attach_rc "$?" 0
case "$out" in
*"tc_ingress too"*) og_pass xp_veth_says_tc_ingress_too ;;
*) og_fail xp_veth_says_tc_ingress_too "attach -v said: $out" ;;
esac
og_expect xp_veth_hooks "$(hooks "$B" "$VB")" "tc_ingress:tcx xdp:xdp_native"
ip -n "$B" link show "$VB" | grep -q "prog/xdp id [0-9]* name og_xdp" &&
	og_pass xp_veth_kernel_shows_og_xdp ||
	og_fail xp_veth_kernel_shows_og_xdp "ip link does not show og_xdp"

# Policy change: same program, new settings.
P1=$(og_status_get "$B" "$VB" xdp prog_id)
og "$B" attach "$VB" --hook xdp --policy repair >/dev/null 2>&1
og_expect xp_policy_change_same_prog "$(og_status_get "$B" "$VB" xdp prog_id)" "$P1"
og_expect xp_policy_change_policy "$(og_status_get "$B" "$VB" xdp policy)" repair

# Local bulk TCP: CHECKSUM_PARTIAL skbs through XDP, no reason anywhere.
og_bg "$B" iperf3 -s -1 -B 10.72.0.2
sleep 0.5
og_snap "$B" "$VB" xdp
ip netns exec "$A" iperf3 -c 10.72.0.2 -t 2 >/dev/null 2>&1 ||
	og_fail xp_iperf_ran "iperf3 failed"
og_expect xp_bulk_tcp_no_xdp_reason "$(og_delta "$B" "$VB" xdp)" none
og_expect xp_bulk_tcp_xdp_saw_it "$([ "$(og_json_get "$B" "$VB" xdp packets)" -gt 10000 ] && echo yes)" yes
og_expect xp_bulk_tcp_no_tc_reason "$(og_json_get "$B" "$VB" tc_ingress 'reasons.list')" none

# The same seeds from AF_PACKET: nothing will complete them.
og_snap "$B" "$VB" xdp
u0=$(og_nstat "$B" UdpInCsumErrors)
og_send "$A" packet --ifname "$VA" --dst-mac "$BMAC" --proto udp \
	--src 10.72.0.1 --dst 10.72.0.2 --dport 9 --len 100 --seed seed \
	--count 5 || og_fail xp_seed_send "og_send failed"
sleep 0.3
og_expect xp_seed_counted_and_repaired "$(og_delta_rdp "$B" "$VB" xdp)" \
	"wire_leaked_partial=5/5/0"
og_expect xp_seed_receiver_no_csum_error "$(($(og_nstat "$B" UdpInCsumErrors) - u0))" 0

# Observe: counted, not repaired; the receiver sees the bad checksums.
og "$B" attach "$VB" --hook xdp --policy observe >/dev/null 2>&1
og_snap "$B" "$VB" xdp
u0=$(og_nstat "$B" UdpInCsumErrors)
og_send "$A" packet --ifname "$VA" --dst-mac "$BMAC" --proto udp \
	--src 10.72.0.1 --dst 10.72.0.2 --dport 9 --len 100 --seed seed \
	--count 3 || og_fail xp_seed_send "og_send failed"
sleep 0.3
og_expect xp_seed_observe_counted "$(og_delta_rdp "$B" "$VB" xdp)" \
	"wire_leaked_partial=3/0/0"
og_expect xp_seed_observe_receiver_errors "$(($(og_nstat "$B" UdpInCsumErrors) - u0))" 3

# Detach XDP only: the tc hook stays.
og "$B" detach "$VB" --hook xdp >/dev/null 2>&1
og_expect xp_detach_xdp_only "$(hooks "$B" "$VB")" "tc_ingress:tcx"
ip -n "$B" link show "$VB" | grep -q "prog/xdp" &&
	og_fail xp_detach_xdp_kernel "XDP still on $VB" || og_pass xp_detach_xdp_kernel

# --hook all, generic mode on request.
og "$B" attach "$VB" --hook all --xdp-mode skb >/dev/null 2>&1
og_expect xp_all_skb_hooks "$(hooks "$B" "$VB")" \
	"tc_egress:tcx tc_ingress:tcx xdp:xdp_skb"
og "$B" detach "$VB" >/dev/null 2>&1
og_expect xp_detach_all_hooks "$(hooks "$B" "$VB")" none

# Bad mode: usage error.
og "$B" attach "$VB" --hook xdp --xdp-mode turbo >/dev/null 2>&1
og_expect xp_bad_mode_exit "$?" 2

# TUN: no link header, generic mode; a bad UDP checksum from its writer.
og_name TN
if og_tun "$B" "$TN" && ip -n "$B" addr add 10.73.0.1/24 dev "$TN"; then
	og "$B" attach "$TN" --hook xdp >/dev/null 2>&1
	og_expect xp_tun_mode "$(og_status_get "$B" "$TN" xdp mode)" xdp_skb
	og_expect xp_tun_no_link_header \
		"$(og_status_get "$B" "$TN" xdp no_link_header)" true
	og_snap "$B" "$TN" xdp
	og_send "$B" tun --dev "$TN" --proto udp --src 10.73.0.2 \
		--dst 10.73.0.1 --dport 9 --len 64 --seed bad --count 4 ||
		og_fail xp_tun_send "og_send failed"
	sleep 0.3
	og_expect xp_tun_bad_udp_counted "$(og_delta "$B" "$TN" xdp)" \
		"wire_l4_bad_csum=4"
	og "$B" detach "$TN" >/dev/null 2>&1
else
	og_fail xp_tun "cannot create the TUN device"
fi

# A foreign XDP program: refused, left in place.
ip netns exec "$A" ip link set dev "$VA" xdp obj "$FOREIGN_OBJ" sec xdp ||
	og_fail xp_foreign_setup "cannot attach the foreign XDP program"
out=$(og "$A" attach "$VA" --hook xdp 2>&1)
og_expect xp_foreign_refused_exit "$?" 1
case "$out" in
*"another XDP program is attached"*) og_pass xp_foreign_error_names_cause ;;
*) og_fail xp_foreign_error_names_cause "said: $out" ;;
esac
ip -n "$A" link show "$VA" | grep -q "name og_foreign_xdp" &&
	og_pass xp_foreign_kept || og_fail xp_foreign_kept "foreign XDP program gone"
og_expect xp_foreign_nothing_of_ours "$(hooks "$A" "$VA")" none
exit 0
