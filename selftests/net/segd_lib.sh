# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# A guest behind a TAP, for the segmentation tests (offguard segd). Source
# it after lib.sh (it uses og_ns_add, og_name, og_bg, OG_TMP: call
# og_need_tools first).
#
#   SG_G (guest)                 SG_H (host)                       SG_R
#   SG_VG ==veth== SG_VH <-og_vnet_relay-> SG_TAP --+
#   10.77.0.1       AF_PACKET+VNET_HDR   IFF_VNET_HDR  |  SG_BR
#   fd77::1         (no address)         12-byte hdr   |  (bridge)
#                                                SG_UO --+ ==veth== SG_UR
#                                   MTU 1500, tso/gso off    10.77.0.2
#                                                            fd77::2
#
# The guest's stack hands its veth TSO/USO super-frames with partial
# checksums; the relay carries them, virtio_net_hdr and all, to the TAP as
# QEMU does for a virtio-net guest, and frames for the guest back. On the
# kernel's path the bridge forwards the guest's super-frames to SG_UO,
# whose software GSO cuts them to its 1500-byte MTU (it keeps tx
# checksumming: the segments leave CHECKSUM_PARTIAL, as they would on a
# NIC that does checksums but not TSO). R -> G always takes the bridge.
#
# Functions:
#   segd_topo_up                      the topology, relay running, pings ok
#   segd_relay_stats                  the relay's counters (JSON) on stdout
#   segd_relay_get PATH               one counter, e.g. guest_to_tap.gso_tcpv4
#                                     (from the last segd_relay_stats)
#   segd_tcp_transfer BYTES 4|6 TIMEOUT
#   segd_udp_gso_send COUNT PAYLOAD GSO_SIZE 4|6 TIMEOUT
#   segd_csum_errors                  R's *InCsumErrors sum (og_nstat)
#   segd_start [ARGS...]              offguard segd --in SG_TAP --out SG_UO
#                                     ARGS, output in $OG_TMP/segd.log, pid
#                                     in SEGD_PID; 0 once it says "running"
#   segd_stop                         SIGTERM; 0 if it exited 0 within 10 s
# After a transfer SG_LAST holds its one-line summary and SG_LAST_MBPS its
# rate (integer Mb/s).

SG_RELAY_BIN=${SG_RELAY_BIN:-$OG_OUT/og_vnet_relay}
SG_XFER=${SG_XFER:-$OG_NET_DIR/segd_xfer.py}
SG_OFFLOADS=${SG_OFFLOADS:-csum,tso4,tso6,uso4,uso6}
SG_G4=10.77.0.1
SG_R4=10.77.0.2
SG_G6=fd77::1
SG_R6=fd77::2
SG_G="" SG_H="" SG_R=""
SG_VG="" SG_VH="" SG_TAP="" SG_UO="" SG_UR="" SG_BR=""
SG_RELAY_STATS="" SG_RELAY_LOG="" SG_RELAY_PID=""
SG_LAST="" SG_LAST_MBPS=0
SEGD_PID=""

# segd_need: SKIP the whole script unless everything the topology and the
# transfers use is here.
segd_need()
{
	[ -x "$SG_RELAY_BIN" ] || og_skip_all "$SG_RELAY_BIN not built (make)"
	[ -x "$OG_PY" ] || og_skip_all "$OG_PY not installed"
	[ -c /dev/net/tun ] || og_skip_all "no /dev/net/tun"
	local t
	for t in ethtool timeout nstat; do
		command -v "$t" >/dev/null 2>&1 || og_skip_all "$t not installed"
	done
}

# _segd_wait_file FILE TENTHS: wait for FILE to exist.
_segd_wait_file()
{
	local i

	for ((i = 0; i < $2; i++)); do
		[ -s "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

# _segd_json FILE KEY [MISSING]: KEY of FILE's JSON (a dotted path, list
# indices as numbers), MISSING (default empty) if absent.
_segd_json()
{
	"$OG_PY" -c '
import json, sys
try:
    v = json.load(open(sys.argv[1]))
    for k in sys.argv[2].split("."):
        v = v[int(k)] if isinstance(v, list) else v[k]
except Exception:
    v = sys.argv[3]
print(str(v).lower() if isinstance(v, bool) else v)' "$1" "$2" "${3:-}"
}

segd_topo_up()
{
	local dev

	og_ns_add SG_G || return 1
	og_ns_add SG_H || return 1
	og_ns_add SG_R || return 1
	og_name SG_VG
	og_name SG_VH
	og_name SG_TAP
	og_name SG_UO
	og_name SG_UR
	og_name SG_BR
	SG_RELAY_STATS=$OG_TMP/relay.json
	SG_RELAY_LOG=$OG_TMP/relay.log

	# Addresses are usable at once: no DAD on the guest and receiver.
	ip netns exec "$SG_G" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
		net.ipv6.conf.default.accept_dad=0 &&
		ip netns exec "$SG_R" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
			net.ipv6.conf.default.accept_dad=0 || return 1
	# The host's ports have no address of their own: their router and
	# neighbour solicitations would only be noise in the guest's wire.
	ip netns exec "$SG_H" sysctl -qw net.ipv6.conf.default.disable_ipv6=1 \
		net.ipv6.conf.all.disable_ipv6=1 || return 1

	ip -n "$SG_G" link add "$SG_VG" type veth peer name "$SG_VH" \
		netns "$SG_H" || return 1
	ip -n "$SG_H" link add "$SG_UO" mtu 1500 type veth peer name "$SG_UR" \
		netns "$SG_R" || return 1
	ip -n "$SG_H" tuntap add dev "$SG_TAP" mode tap vnet_hdr || return 1
	ip -n "$SG_H" link add "$SG_BR" type bridge stp_state 0 \
		mcast_snooping 0 || return 1
	ip netns exec "$SG_H" ethtool -K "$SG_UO" tso off gso off \
		>/dev/null 2>&1 || return 1
	ip -n "$SG_H" link set "$SG_TAP" master "$SG_BR" &&
		ip -n "$SG_H" link set "$SG_UO" master "$SG_BR" || return 1
	for dev in "$SG_VH" "$SG_TAP" "$SG_UO" "$SG_BR"; do
		ip -n "$SG_H" link set "$dev" up || return 1
	done
	ip -n "$SG_G" link set "$SG_VG" up &&
		ip -n "$SG_R" link set "$SG_UR" up || return 1
	ip -n "$SG_G" addr add "$SG_G4/24" dev "$SG_VG" &&
		ip -n "$SG_G" addr add "$SG_G6/64" dev "$SG_VG" nodad &&
		ip -n "$SG_R" addr add "$SG_R4/24" dev "$SG_UR" &&
		ip -n "$SG_R" addr add "$SG_R6/64" dev "$SG_UR" nodad || return 1

	# stderr to a file of ours (og_bg discards it): the relay logs every
	# frame it could not pass on there. exec keeps the pid the relay's.
	rm -f "$SG_RELAY_STATS"
	# shellcheck disable=SC2016 # expanded by the inner bash
	og_bg "$SG_H" bash -c 'log=$1; shift; exec "$@" 2>"$log"' relay \
		"$SG_RELAY_LOG" "$SG_RELAY_BIN" --ifname "$SG_VH" --tap "$SG_TAP" \
		--offloads "$SG_OFFLOADS" --stats "$SG_RELAY_STATS"
	# The relay writes its stats file once both ends are open.
	if ! _segd_wait_file "$SG_RELAY_STATS" 50; then
		echo "segd_topo_up: the relay did not start: $(head -c 300 "$SG_RELAY_LOG")" >&2
		return 1
	fi
	SG_RELAY_PID=$(_segd_json "$SG_RELAY_STATS" pid)

	# Both families, both ways, before the first measured byte.
	for _ in $(seq 30); do
		ip netns exec "$SG_G" ping -c1 -W1 "$SG_R4" >/dev/null 2>&1 &&
			ip netns exec "$SG_G" ping -6 -c1 -W1 "$SG_R6" >/dev/null 2>&1 &&
			return 0
		sleep 0.1
	done
	echo "segd_topo_up: $SG_G cannot ping $SG_R4 and $SG_R6 through the relay" >&2
	return 1
}

# segd_relay_stats: ask the running relay for its counters (SIGUSR1) and
# print them (JSON, one line). They stay in $SG_RELAY_STATS for
# segd_relay_get.
segd_relay_stats()
{
	[ -n "$SG_RELAY_PID" ] || return 1
	rm -f "$SG_RELAY_STATS"
	kill -USR1 "$SG_RELAY_PID" 2>/dev/null || return 1
	_segd_wait_file "$SG_RELAY_STATS" 50 || return 1
	cat "$SG_RELAY_STATS"
}

# segd_relay_get PATH: e.g. guest_to_tap.gso_tcpv4, tap_to_guest.frames,
# sock_drops; empty if absent.
segd_relay_get()
{
	_segd_json "$SG_RELAY_STATS" "$1"
}

# segd_csum_errors: every checksum the receiver's stack refused so far.
segd_csum_errors()
{
	og_nstat_csum_errors "$SG_R"
}

_segd_port()
{
	echo $((20000 + RANDOM % 40000))
}

# _segd_bg_pid: the pid of the last og_bg (so it can be stopped early).
_segd_bg_pid()
{
	# shellcheck disable=SC2154 # lib.sh's list of og_bg processes
	echo "${_og_pids[${#_og_pids[@]} - 1]}"
}

# _segd_wait_done FILE DEADLINE_S: until FILE says done or the deadline
# (seconds since the epoch) passes.
_segd_wait_done()
{
	while [ "$(date +%s)" -lt "$2" ]; do
		[ "$(_segd_json "$1" "done")" = true ] && return 0
		sleep 0.2
	done
	[ "$(_segd_json "$1" "done")" = true ]
}

# segd_tcp_transfer BYTES FAMILY TIMEOUT: BYTES from G to R over one TCP
# connection. 0 only if both ends finish within TIMEOUT seconds and the
# byte counts and SHA-256 agree. Summary on stderr and in SG_LAST.
segd_tcp_transfer()
{
	local bytes=$1 fam=$2 tmo=$3 port dst res pid sent rc end
	local got ghash shash secs

	port=$(_segd_port)
	dst=$SG_R4
	[ "$fam" = 6 ] && dst=$SG_R6
	res=$OG_TMP/tcp$fam.$port.json
	rm -f "$res"
	og_bg "$SG_R" "$OG_PY" "$SG_XFER" tcp-recv --family "$fam" \
		--port "$port" --out "$res" --timeout "$tmo"
	pid=$(_segd_bg_pid)
	end=$(($(date +%s) + tmo))
	if ! _segd_wait_file "$res" 50; then
		SG_LAST="tcp v$fam: the receiver did not start"
		echo "segd_tcp_transfer: $SG_LAST" >&2
		og_bg_stop "$pid"
		return 1
	fi
	sent=$(timeout "$tmo" ip netns exec "$SG_G" "$OG_PY" "$SG_XFER" tcp-send \
	       --family "$fam" --dst "$dst" --port "$port" --bytes "$bytes" \
	       2>"$OG_TMP/tcp-send.err")
	rc=$?
	_segd_wait_done "$res" "$end"
	og_bg_stop "$pid"
	got=$(_segd_json "$res" bytes)
	secs=$(_segd_json "$res" seconds)
	ghash=$(_segd_json "$res" sha256)
	shash=$(echo "$sent" | "$OG_PY" -c 'import json,sys
try: print(json.load(sys.stdin)["sha256"])
except Exception: print("")')
	SG_LAST_MBPS=$(awk -v b="${got:-0}" -v s="${secs:-0}" \
		'BEGIN { printf "%d", (s > 0 ? b * 8 / s / 1e6 : 0) }')
	SG_LAST=$(printf 'tcp v%s: %s of %s bytes in %.2f s, %s Mb/s' "$fam" \
		"${got:-0}" "$bytes" "${secs:-0}" "$SG_LAST_MBPS")
	if [ "$rc" = 124 ] || [ "$(_segd_json "$res" "done")" != true ]; then
		SG_LAST="$SG_LAST: stalled (no EOF within ${tmo} s)"
		rc=1
	elif [ "$rc" != 0 ]; then
		SG_LAST="$SG_LAST: sender failed ($rc): $(tail -n1 "$OG_TMP/tcp-send.err")"
	elif [ "$got" != "$bytes" ]; then
		SG_LAST="$SG_LAST: byte count differs"
		rc=1
	elif [ -z "$ghash" ] || [ "$ghash" != "$shash" ]; then
		SG_LAST="$SG_LAST: SHA-256 differs (sent ${shash:0:16}, got ${ghash:0:16})"
		rc=1
	fi
	echo "segd_tcp_transfer: $SG_LAST" >&2
	return "$rc"
}

# segd_udp_gso_send COUNT PAYLOAD GSO_SIZE FAMILY TIMEOUT: COUNT datagrams
# of PAYLOAD bytes (= GSO_SIZE: one datagram per segment) from G to R,
# sent with UDP_SEGMENT many segments at a time. 0 only if every datagram
# arrives intact exactly once within TIMEOUT seconds. Summary on stderr
# and in SG_LAST.
segd_udp_gso_send()
{
	local count=$1 payload=$2 gso=$3 fam=$4 tmo=$5 port dst res pid rc end
	local intact dup corrupt badlen oor missing secs sent

	port=$(_segd_port)
	dst=$SG_R4
	[ "$fam" = 6 ] && dst=$SG_R6
	res=$OG_TMP/udp$fam.$port.json
	rm -f "$res"
	og_bg "$SG_R" "$OG_PY" "$SG_XFER" udp-recv --family "$fam" \
		--port "$port" --out "$res" --timeout "$tmo" --count "$count" \
		--payload "$payload"
	pid=$(_segd_bg_pid)
	end=$(($(date +%s) + tmo + 2))
	if ! _segd_wait_file "$res" 50; then
		SG_LAST="udp v$fam: the receiver did not start"
		echo "segd_udp_gso_send: $SG_LAST" >&2
		og_bg_stop "$pid"
		return 1
	fi
	sent=$(timeout "$tmo" ip netns exec "$SG_G" "$OG_PY" "$SG_XFER" udp-send \
	       --family "$fam" --dst "$dst" --port "$port" --count "$count" \
	       --payload "$payload" --gso-size "$gso" 2>"$OG_TMP/udp-send.err")
	rc=$?
	_segd_wait_done "$res" "$end"
	og_bg_stop "$pid"
	intact=$(_segd_json "$res" intact)
	dup=$(_segd_json "$res" duplicate)
	corrupt=$(_segd_json "$res" corrupt)
	badlen=$(_segd_json "$res" bad_len)
	oor=$(_segd_json "$res" out_of_range)
	missing=$(_segd_json "$res" missing)
	secs=$(_segd_json "$res" seconds)
	SG_LAST_MBPS=$(awk -v n="${intact:-0}" -v p="$payload" -v s="${secs:-0}" \
		'BEGIN { printf "%d", (s > 0 ? n * p * 8 / s / 1e6 : 0) }')
	SG_LAST=$(printf 'udp v%s gso %s: %s/%s intact, %s duplicate, %s corrupt, %s wrong size, %s foreign, %s missing, %.2f s, %s Mb/s (%s)' \
		"$fam" "$gso" "${intact:-0}" "$count" "${dup:-?}" "${corrupt:-?}" \
		"${badlen:-?}" "${oor:-?}" "${missing:-?}" "${secs:-0}" \
		"$SG_LAST_MBPS" "${sent:-no sender report}")
	if [ "$rc" != 0 ]; then
		SG_LAST="$SG_LAST: sender failed ($rc): $(tail -n1 "$OG_TMP/udp-send.err")"
		rc=1
	elif [ "$intact" != "$count" ] || [ "$dup" != 0 ] ||
	     [ "$corrupt" != 0 ] || [ "$badlen" != 0 ] || [ "$oor" != 0 ]; then
		rc=1
	fi
	echo "segd_udp_gso_send: $SG_LAST" >&2
	return "$rc"
}

segd_start()
{
	local i

	ip netns exec "$SG_H" "$OFFGUARD" segd --in "$SG_TAP" --out "$SG_UO" \
		"$@" >"$OG_TMP/segd.log" 2>&1 &
	SEGD_PID=$!
	_og_pids+=("$SEGD_PID")
	for ((i = 0; i < 50; i++)); do
		grep -q "^segd: running" "$OG_TMP/segd.log" && return 0
		kill -0 "$SEGD_PID" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

segd_stop()
{
	local i

	kill -TERM "$SEGD_PID" 2>/dev/null
	for ((i = 0; i < 100; i++)); do
		kill -0 "$SEGD_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$SEGD_PID" 2>/dev/null && return 1
	wait "$SEGD_PID"
}
