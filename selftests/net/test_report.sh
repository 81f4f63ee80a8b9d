#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# offguard report, one scenario per mismatch, each in its own namespaces:
# the scenario is built, offguard watches it, traffic runs, and
# `report -j` must name exactly the expected mismatch ids on the expected
# device (no other finding anywhere), with the evidence that proves it.
#   tx_csum_in_software   veth uplink with `tx off`, forwarded TCP (the
#                         forwarding topology of the demo)
#   gso_in_software       the same uplink with `tso off`, TSO traffic
#   writer_bad_seed       a TUN writer putting the full checksum where the
#                         seed belongs (og_send --seed full)
#   udp_gso_no_tx_csum    a UDP_SEGMENT sender through a veth with `tx off`
#   mtu_mismatch          a TAP (MTU 9000) and a veth (MTU 1500) in a bridge
#                         (configuration alone: --all-devices)
#   tx_csum_off_without_cause  a watched veth with `tx off`, clean traffic
#                         that never needed it
#   gso_exceeds_mtu       the TUN writer's GSO segments larger than its MTU
#   TUN without TUNSETOFFLOAD: local TCP leaving through it is checksummed
#                         in software, and the fix is the reader's; a TUN
#                         whose reader accepted checksum offload: nothing
# And a clean topology with bulk traffic (iperf3, offguard on both tc
# hooks of both ends, as on a container host) reports nothing.
# shellcheck disable=SC2034 source-path=SCRIPTDIR
OG_TEST_ID='rp'
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

og_need_root
og_need_tools "$OG_SEND"
for t in ethtool iperf3; do
	command -v "$t" >/dev/null 2>&1 || og_skip_all "$t not installed"
done

# findings NS [ARGS]: "dev:id ..." of `report -j ARGS`, sorted; ERR on failure.
findings()
{
	local ns=$1

	shift
	og "$ns" report -j "$@" 2>"$OG_TMP/report.err" >"$OG_TMP/report.json" ||
		{ echo ERR; return; }
	"$OG_PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
out = sorted("%s:%s" % (dev["ifname"], f["id"]) for dev in d["devices"]
             for f in dev["findings"])
print(" ".join(out) or "none")' "$OG_TMP/report.json"
}

# evidence DEV ID KEY: the evidence value KEY of finding ID on DEV in the
# last report.
evidence()
{
	"$OG_PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
for dev in d["devices"]:
    for f in dev["findings"]:
        if dev["ifname"] == sys.argv[2] and f["id"] == sys.argv[3]:
            print(f["evidence"].get(sys.argv[4], "none")); sys.exit(0)
print("none")' "$OG_TMP/report.json" "$@"
}

# field DEV ID FIELD: severity / fix / summary of a finding.
field()
{
	"$OG_PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
for dev in d["devices"]:
    for f in dev["findings"]:
        if dev["ifname"] == sys.argv[2] and f["id"] == sys.argv[3]:
            print(f[sys.argv[4]]); sys.exit(0)
print("none")' "$OG_TMP/report.json" "$@"
}

# --- the forwarding topology: TUN writer -> FWD -> UP0 (tx/tso/gso off) ---
if ! og_fwd_setup; then
	og_fail rp_setup "cannot build the forwarding topology"
	exit 0
fi
if ! og_listen "$OG_RCV" "$OG_TMP/rcv" 8080 8081; then
	og_fail rp_setup "receiver did not start"
	exit 0
fi
og_attach "$OG_FWD" "$OG_FTUN" tc-ingress &&
	og_attach "$OG_FWD" "$OG_UP0" tc-egress ||
	{ og_fail rp_attach "attach failed"; exit 0; }

# Clean writer, tx off on the uplink: the kernel checksums in software.
og_send "$OG_FWD" tun --dev "$OG_FTUN" --src "$OG_W4" --dst "$OG_R4" \
	--dport 8080 --tcp-flags S --flags needs_csum --count 6 --flows ||
	og_fail rp_send "og_send failed"
sleep 0.3
og_expect rp_tx_csum_in_software "$(findings "$OG_FWD")" \
	"$OG_UP0:tx_csum_in_software"
og_expect rp_tx_csum_evidence "$(evidence "$OG_UP0" tx_csum_in_software partial_no_tx_csum)" 6
og_expect rp_tx_csum_severity "$(field "$OG_UP0" tx_csum_in_software severity)" warning
og_expect rp_tx_csum_fix "$(field "$OG_UP0" tx_csum_in_software fix)" \
	"ethtool -K $OG_UP0 tx on"

# A writer's TSO frames leaving a TSO-less uplink: segmented in software.
og_send "$OG_FWD" tun --dev "$OG_FTUN" --src "$OG_W4" --dst "$OG_R4" \
	--dport 8080 --tcp-flags PA --flags needs_csum --gso tcpv4 \
	--gso-size 1000 --len 3000 --count 3 >/dev/null 2>&1 ||
	og_fail rp_send_gso "og_send failed"
sleep 0.3
f=$(findings "$OG_FWD")
og_expect rp_gso_in_software "$f" \
	"$OG_UP0:gso_in_software $OG_UP0:tx_csum_in_software"
og_expect rp_gso_evidence "$(evidence "$OG_UP0" gso_in_software gso_tcpv4)" 3

# The classic writer bug on the TUN.
og_send "$OG_FWD" tun --dev "$OG_FTUN" --src "$OG_W4" --dst "$OG_R4" \
	--dport 8080 --tcp-flags S --flags needs_csum --seed full --count 4 \
	--flows --sport 31000 ||
	og_fail rp_send_seed "og_send failed"
sleep 0.3
f=$(findings "$OG_FWD")
case " $f " in
*" $OG_FTUN:writer_bad_seed "*) og_pass rp_writer_bad_seed ;;
*) og_fail rp_writer_bad_seed "got '$f'" ;;
esac
og_expect rp_writer_evidence "$(evidence "$OG_FTUN" writer_bad_seed full_csum)" 4
og_expect rp_writer_severity "$(field "$OG_FTUN" writer_bad_seed severity)" error
og "$OG_FWD" attach "$OG_FTUN" --hook tc-ingress --policy repair >/dev/null 2>&1
og_send "$OG_FWD" tun --dev "$OG_FTUN" --src "$OG_W4" --dst "$OG_R4" \
	--dport 8080 --tcp-flags S --flags needs_csum --seed full --count 4 \
	--flows --sport 32000 >/dev/null 2>&1
sleep 0.3
findings "$OG_FWD" >/dev/null
# half repaired (the first 4 were observed): still an error
og_expect rp_writer_partly_repaired "$(evidence "$OG_FTUN" writer_bad_seed repaired)" 4

# GSO segments larger than the TUN's MTU (1500) from the writer.
og_send "$OG_FWD" tun --dev "$OG_FTUN" --src "$OG_W4" --dst "$OG_R4" \
	--dport 8080 --tcp-flags PA --flags needs_csum --gso tcpv4 \
	--gso-size 2000 --len 6000 --count 2 >/dev/null 2>&1
sleep 0.3
f=$(findings "$OG_FWD")
case " $f " in
*" $OG_FTUN:gso_exceeds_mtu "*) og_pass rp_gso_exceeds_mtu ;;
*) og_fail rp_gso_exceeds_mtu "got '$f'" ;;
esac
og_expect rp_gso_exceeds_mtu_evidence \
	"$(evidence "$OG_FTUN" gso_exceeds_mtu gso_size_exceeds_mtu)/$(evidence "$OG_FTUN" gso_exceeds_mtu mtu)" \
	"2/1500"

# --- TUN with and without TUNSETOFFLOAD: local TCP leaving through it -----
og_ns_add TU
og_name T_NO
og_name T_OFF
if og_tun "$TU" "$T_NO" &&
	ip netns exec "$TU" "$OG_SEND" tun --dev "$T_OFF" --persist --up \
		--offload csum,tso4,tso6 --count 0 &&
	ip -n "$TU" addr add 10.77.0.1/24 dev "$T_NO" &&
	ip -n "$TU" addr add 10.78.0.1/24 dev "$T_OFF" &&
	og_attach "$TU" "$T_NO" tc-egress && og_attach "$TU" "$T_OFF" tc-egress; then
	# connect() sends SYNs with the checksum left to the device
	for a in 10.77.0.2 10.78.0.2; do
		ip netns exec "$TU" "$OG_PY" -c '
import socket, sys
s = socket.socket()
s.settimeout(0.3)
try:
    s.connect((sys.argv[1], 80))
except OSError:
    pass' "$a"
	done
	og_expect rp_tun_without_offload "$(findings "$TU")" \
		"$T_NO:tx_csum_in_software"
	case "$(field "$T_NO" tx_csum_in_software fix)" in
	*TUNSETOFFLOAD*) og_pass rp_tun_fix_is_the_readers ;;
	*) og_fail rp_tun_fix_is_the_readers "fix: $(field "$T_NO" tx_csum_in_software fix)" ;;
	esac
else
	og_fail rp_tun_setup "cannot build the TUNs"
fi

# --- UDP GSO through a veth without tx checksum ---------------------------
og_ns_add U1
og_ns_add U2
og_name UA
og_name UB
if og_veth "$U1" "$UA" "$U2" "$UB" &&
	ip -n "$U1" addr add 10.74.0.1/24 dev "$UA" &&
	ip -n "$U2" addr add 10.74.0.2/24 dev "$UB" &&
	ip netns exec "$U1" ethtool -K "$UA" tx off >/dev/null 2>&1 &&
	og_attach "$U1" "$UA" tc-egress; then
	ip netns exec "$U1" ping -c1 -W2 10.74.0.2 >/dev/null 2>&1
	og_send "$U1" udpgso --dst 10.74.0.2 --port 9 --len 6000 \
		--gso-size 1000 --count 4 >/dev/null 2>&1
	sleep 0.3
	f=$(findings "$U1")
	case " $f " in
	*" $UA:udp_gso_no_tx_csum "*) og_pass rp_udp_gso_no_tx_csum ;;
	*) og_fail rp_udp_gso_no_tx_csum "got '$f'" ;;
	esac
	og_expect rp_udp_gso_only_that_device \
		"$(tr ' ' '\n' <<<"$f" | grep -vc "^$UA:")" 0
	og_expect rp_udp_gso_evidence "$(evidence "$UA" udp_gso_no_tx_csum gso_udp_l4)" 4
else
	og_fail rp_udp_gso_setup "cannot build the UDP GSO pair"
fi

# --- a TAP (MTU 9000) bridged to a veth uplink (MTU 1500) -----------------
og_ns_add BR
og_name BRD
og_name TP
og_name V1
og_name V2
if ip -n "$BR" link add "$BRD" type bridge &&
	og_tun "$BR" "$TP" --tap &&
	og_veth "$BR" "$V1" "$BR" "$V2" &&
	ip -n "$BR" link set "$TP" mtu 9000 &&
	ip -n "$BR" link set "$TP" master "$BRD" &&
	ip -n "$BR" link set "$V1" master "$BRD" &&
	ip -n "$BR" link set "$BRD" up; then
	og_expect rp_mtu_mismatch "$(findings "$BR" --all-devices)" \
		"$TP:mtu_mismatch"
	og_expect rp_mtu_evidence \
		"$(evidence "$TP" mtu_mismatch mtu)/$(evidence "$TP" mtu_mismatch port)/$(evidence "$TP" mtu_mismatch port_mtu)" \
		"9000/$V1/1500"
	og_expect rp_mtu_not_by_default "$(findings "$BR")" none
else
	og_fail rp_mtu_setup "cannot build the bridge"
fi

# --- tx off on a watched veth, for nothing --------------------------------
og_ns_add T1
og_ns_add T2
og_name TA
og_name TB
if og_veth "$T1" "$TA" "$T2" "$TB" &&
	ip -n "$T1" addr add 10.75.0.1/24 dev "$TA" &&
	ip -n "$T2" addr add 10.75.0.2/24 dev "$TB" &&
	ip netns exec "$T2" ethtool -K "$TB" tx off >/dev/null 2>&1 &&
	og_attach "$T2" "$TB" tc-ingress; then
	ip netns exec "$T1" ping -c 5 -i 0.1 -W1 10.75.0.2 >/dev/null 2>&1
	og_expect rp_tx_off_without_cause "$(findings "$T2")" \
		"$TB:tx_csum_off_without_cause"
	og_expect rp_tx_off_fix "$(field "$TB" tx_csum_off_without_cause fix | cut -d';' -f1)" \
		"ethtool -K $TB tx on"
else
	og_fail rp_tx_off_setup "cannot build the pair"
fi

# --- clean: bulk traffic both ways, every hook of both ends ---------------
og_ns_add C1
og_ns_add C2
og_name CA
og_name CB
if og_veth "$C1" "$CA" "$C2" "$CB" &&
	ip -n "$C1" addr add 10.76.0.1/24 dev "$CA" &&
	ip -n "$C2" addr add 10.76.0.2/24 dev "$CB" &&
	og "$C1" attach "$CA" >/dev/null && og "$C2" attach "$CB" >/dev/null; then
	og_bg "$C2" iperf3 -s -1 -B 10.76.0.2
	sleep 0.5
	ip netns exec "$C1" iperf3 -c 10.76.0.2 -t 1 -R >/dev/null 2>&1 ||
		og_fail rp_clean_iperf "iperf3 failed"
	og_expect rp_clean_a "$(findings "$C1")" none
	og_expect rp_clean_b "$(findings "$C2")" none
	og_expect rp_clean_traffic_seen \
		"$([ "$(og_json_get "$C2" "$CB" tc_ingress packets)" -gt 1000 ] && echo yes)" yes
else
	og_fail rp_clean_setup "cannot build the clean pair"
fi

# Usage: an unknown argument is a usage error.
og "$C1" report --bogus >/dev/null 2>&1
og_expect rp_usage_exit "$?" 2
exit 0
