#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The guest-behind-a-TAP topology of segd_lib.sh, on the kernel's own path
# (a bridge, no XDP anywhere): the baseline the segd tests compare with,
# and proof that the relay is a faithful guest. A guest's TSO and USO
# super-frames must cross the relay with their virtio_net_hdr (the relay
# counts them by GSO type and size), the bridge's egress port must cut
# them in software, and bulk TCP (SHA-256 on both ends) and UDP_SEGMENT
# datagrams (each one checked) must arrive whole, with no checksum error
# at the receiver and no frame lost by the relay.
# shellcheck disable=SC2034 source-path=SCRIPTDIR
OG_TEST_ID='vr'
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=segd_lib.sh
. "$(dirname "$0")/segd_lib.sh"

TCP_BYTES=${VR_TCP_BYTES:-100000000}
TCP_TIMEOUT=${VR_TCP_TIMEOUT:-60}
UDP_COUNT=${VR_UDP_COUNT:-20000}
UDP_PAYLOAD=1400

og_need_root
og_need_tools "$SG_RELAY_BIN"
segd_need

if ! segd_topo_up 2>"$OG_TMP/topo.err"; then
	og_fail vr_setup "topology: $(tr '\n' ' ' <"$OG_TMP/topo.err" | head -c 400)"
	exit 0
fi
og_pass vr_setup

csum0=$(segd_csum_errors)

for fam in 4 6; do
	if segd_tcp_transfer "$TCP_BYTES" "$fam" "$TCP_TIMEOUT"; then
		og_pass "vr_tcp${fam}_100mb"
	else
		og_fail "vr_tcp${fam}_100mb" "$SG_LAST"
	fi
done

for fam in 4 6; do
	if segd_udp_gso_send "$UDP_COUNT" "$UDP_PAYLOAD" "$UDP_PAYLOAD" "$fam" 20; then
		og_pass "vr_udp_gso${fam}"
	else
		og_fail "vr_udp_gso${fam}" "$SG_LAST"
	fi
done

if ! segd_relay_stats >/dev/null; then
	og_fail vr_relay_stats "the relay did not answer SIGUSR1: $(head -c 300 "$SG_RELAY_LOG")"
	exit 0
fi
echo "relay: $(cat "$SG_RELAY_STATS")" >&2

# relay_ge NAME PATH MIN WHY: a relay counter at least MIN.
relay_ge()
{
	local got

	got=$(segd_relay_get "$2")
	og_expect_ge "$1" "$got" "$3" "$4 ($2)"
}

relay_ge vr_relay_gso_tcpv4 guest_to_tap.gso_tcpv4 1 "TCPv4 super-frames guest->TAP"
relay_ge vr_relay_gso_tcpv6 guest_to_tap.gso_tcpv6 1 "TCPv6 super-frames guest->TAP"
relay_ge vr_relay_gso_udp_l4 guest_to_tap.gso_udp_l4 1 "UDP_L4 super-frames guest->TAP"
relay_ge vr_relay_superframes guest_to_tap.over_1514 1 "frames over 1514 bytes guest->TAP"
relay_ge vr_relay_to_guest tap_to_guest.frames 1 "frames TAP->guest"

losses=""
for d in guest_to_tap tap_to_guest; do
	for k in write_errors read_errors truncated short_writes; do
		v=$(segd_relay_get "$d.$k")
		[ "$v" = 0 ] || losses+="$d.$k=$v "
	done
done
if [ -z "$losses" ]; then
	og_pass vr_relay_no_losses
else
	og_fail vr_relay_no_losses "${losses}($(tail -n1 "$SG_RELAY_LOG"))"
fi

csum1=$(segd_csum_errors)
og_expect vr_rcv_csum_errors "$((csum1 - csum0))" 0

exit 0
