# SPDX-License-Identifier: GPL-2.0-only
#
# Shared helpers for selftests/net/test_*.sh. Source it after setting
# OG_TEST_ID (two letters, part of every name the test creates).
#
# Output contract (selftests/run.sh counts these lines): each check prints
# exactly one of
#   PASS: <name>
#   FAIL: <name>: <why>
#   SKIP: <name>: <reason>
# and nothing else on stdout starts with those words. A script exits 0
# whatever its checks found; non-zero only if the script itself broke.
#
# Everything a test creates lives in network namespaces made by og_ns_add;
# the EXIT trap deletes those namespaces (and with them their devices) and
# kills the background processes started with og_bg, and nothing else.

OG_TEST_ID=${OG_TEST_ID:-xx}
OG_NET_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OG_TOP=$(git -C "$OG_NET_DIR" rev-parse --show-toplevel 2>/dev/null) ||
	OG_TOP=$(cd "$OG_NET_DIR/../.." && pwd)
OFFGUARD=${OFFGUARD:-$OG_TOP/offguard}
OG_OUT=${OG_OUT:-${OG_TOOLS:-$OG_TOP/.output/selftests}}
OG_SEND=${OG_SEND:-$OG_OUT/og_send}
TCX_ATTACH=${TCX_ATTACH:-$OG_OUT/tcx_attach}
FOREIGN_OBJ=${FOREIGN_OBJ:-$OG_OUT/foreign.bpf.o}
OG_PY=/usr/bin/python3
OG_SCRIPT=$(basename "$0" .sh)

_og_ns=()
_og_pids=()
_og_seq=0
_og_bpffs=""
OG_TMP=""

# og_name VAR: a unique name, og<id>-<pid>-<n>, into VAR (not printed:
# the counter must live in this shell, not in a $(...) subshell). With a
# two-letter id and Linux's 7-digit pid limit it stays within IFNAMSIZ-1
# = 15 characters, so the same helper names interfaces and namespaces.
og_name()
{
	_og_seq=$((_og_seq + 1))
	printf -v "$1" '%s' "og${OG_TEST_ID}-$$-${_og_seq}"
}

og_cleanup()
{
	local p ns

	for p in "${_og_pids[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${_og_pids[@]}"; do
		wait "$p" 2>/dev/null
	done
	for ns in "${_og_ns[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	# pins (the drop watcher's link among them) go with the mount
	[ -n "$_og_bpffs" ] && umount "$_og_bpffs" 2>/dev/null
	_og_bpffs=""
	[ -n "$OG_TMP" ] && rm -rf "$OG_TMP"
	_og_ns=()
	_og_pids=()
}
trap og_cleanup EXIT
# The EXIT trap runs on the way out of these too.
trap 'exit 130' INT
trap 'exit 143' TERM

og_pass() { echo "PASS: $1"; }
og_fail() { echo "FAIL: $1: $2"; }
og_skip() { echo "SKIP: $1: $2"; }

# Checks that skip the whole script print one SKIP line for it.
og_skip_all()
{
	og_skip "$OG_SCRIPT" "$1"
	exit 0
}

og_need_root()
{
	[ "$(id -u)" = 0 ] || og_skip_all "needs root"
}

# skip_if_missing CMD [CHECK_NAME]: 0 if CMD exists, else prints SKIP.
skip_if_missing()
{
	command -v "$1" >/dev/null 2>&1 && return 0
	og_skip "${2:-$OG_SCRIPT}" "$1 not installed"
	return 1
}

# The binaries the script needs, or SKIP the whole script.
og_need_tools()
{
	local t

	[ -x "$OFFGUARD" ] || og_skip_all "$OFFGUARD not built (make)"
	for t in "$@"; do
		[ -x "$t" ] || og_skip_all "$t not built (make)"
	done
	OG_TMP=$(mktemp -d "/tmp/og${OG_TEST_ID}.XXXXXX")
}

# og_bpffs_private: a bpffs of this test's own under $OG_TMP, named to
# every offguard run by OFFGUARD_BPFFS. Each `ip netns exec` gets a fresh
# /sys, but keeps the host's other mounts: pins here outlive one command,
# as the drop watcher's pinned link must. Unmounted by the EXIT trap.
og_bpffs_private()
{
	mkdir -p "$OG_TMP/bpffs" &&
		mount -t bpf -o mode=0700 bpf "$OG_TMP/bpffs" || return 1
	_og_bpffs=$OG_TMP/bpffs
	export OFFGUARD_BPFFS=$_og_bpffs
}

# og_ns_add VAR: new namespace with lo up; its name goes in VAR.
og_ns_add()
{
	local ns

	og_name ns
	ip netns add "$ns" || return 1
	_og_ns+=("$ns")
	ip -n "$ns" link set lo up
	printf -v "$1" '%s' "$ns"
}

# og_bg NS CMD...: background process in NS, killed by the EXIT trap.
og_bg()
{
	local ns=$1

	shift
	ip netns exec "$ns" "$@" >/dev/null 2>&1 &
	_og_pids+=("$!")
}

# og_veth NS_A DEV_A NS_B DEV_B: veth pair, both ends up.
og_veth()
{
	ip -n "$1" link add "$2" type veth peer name "$4" netns "$3" &&
		ip -n "$1" link set "$2" up &&
		ip -n "$3" link set "$4" up
}

# og_tun NS DEV [--tap]: persistent TUN (or TAP) with IFF_VNET_HDR, up.
og_tun()
{
	ip netns exec "$1" "$OG_SEND" tun --dev "$2" ${3:+"$3"} --persist --up \
		--count 0
}

# og NS ARGS...: run offguard inside NS (a fresh /sys each time: the CLI
# finds its attachments again on its own).
og()
{
	local ns=$1

	shift
	ip netns exec "$ns" "$OFFGUARD" "$@"
}

# og_attach NS DEV HOOK [ARGS]: attach, or print why not and fail.
og_attach()
{
	local ns=$1 dev=$2 hook=$3 out

	shift 3
	if ! out=$(og "$ns" attach "$dev" --hook "$hook" "$@" 2>&1); then
		echo "offguard attach $dev --hook $hook: $out" >&2
		return 1
	fi
}

# og_send NS MODE ARGS...
og_send()
{
	local ns=$1

	shift
	ip netns exec "$ns" "$OG_SEND" "$@"
}

# og_stats_json NS: `stats -j` into $OG_TMP/stats.json (last one read).
og_stats_json()
{
	og "$1" stats -j >"$OG_TMP/stats.json" 2>"$OG_TMP/stats.err"
}

# og_json_get NS DEV HOOK PATH: integer at hooks.<HOOK>.<PATH> of DEV in
# `stats -j` (HOOK tc-ingress or tc_ingress; PATH dotted, e.g.
# reasons.partial_bad_seed.packets, csum.partial, packets). A missing key
# is 0 (nothing counted); no JSON or no device prints ERR and fails.
#   PATH "reasons.*"    sum of every reason's packets
#   PATH "reasons.list" "name=count ..." of the non-zero reasons
#   PATH "variants.X"   seed variant X of partial_bad_seed, wherever the
#                       CLI puts it (under the reason or under the hook)
og_json_get()
{
	og_stats_json "$1" || { echo ERR; return 1; }
	og_json_file_get "$OG_TMP/stats.json" "$2" "$3" "$4"
}

og_json_file_get()
{
	"$OG_PY" - "$@" <<'EOF'
import json, sys
f, dev, hook, path = sys.argv[1:5]
hook = hook.replace("-", "_")
try:
    doc = json.load(open(f))
except Exception:
    print("ERR"); sys.exit(1)
d = next((d for d in doc.get("devices", []) if d.get("ifname") == dev), None)
if d is None:
    # Nothing ever counted on the device: all zero, but say "no device"
    # for the paths that must exist.
    print("0" if path.startswith(("reasons", "variants")) else "ERR")
    sys.exit(0)
h = d.get("hooks", {}).get(hook, {})
reasons = h.get("reasons", {}) or {}
def cnt(v):
    return v.get("packets", 0) if isinstance(v, dict) else int(v)
if path == "reasons.*":
    print(sum(cnt(v) for v in reasons.values()))
elif path == "reasons.list":
    print(" ".join("%s=%d" % (k, cnt(v)) for k, v in sorted(reasons.items())
                   if cnt(v)) or "none")
elif path.startswith("variants."):
    want = path.split(".", 1)[1]
    r = reasons.get("partial_bad_seed", {})
    var = (r.get("variants") if isinstance(r, dict) else None) \
        or h.get("variants") or h.get("seed_variants") or {}
    print(int(var.get(want, 0)))
else:
    v = h
    for k in path.split("."):
        v = v.get(k, 0) if isinstance(v, dict) else 0
    print(cnt(v) if isinstance(v, dict) else int(v))
EOF
}

# og_snap NS DEV HOOK: remember every reason count of DEV/HOOK, so the
# next og_delta reports only what happened in between.
og_snap()
{
	og_stats_json "$1" || return 1
	cp "$OG_TMP/stats.json" "$OG_TMP/snap.json"
}

# _og_reason_delta NS DEV HOOK FIELD...: per reason of DEV/HOOK, what the
# FIELDs (packets, repaired, dropped) grew by since og_snap, as
# "name=d1/d2/..." (sorted, reasons whose FIELDs all stayed left out), or
# "none".
_og_reason_delta()
{
	og_stats_json "$1" || { echo ERR; return 1; }
	"$OG_PY" - "$OG_TMP/snap.json" "$OG_TMP/stats.json" "$2" "$3" "${@:4}" <<'EOF'
import json, sys
a, b, dev, hook = sys.argv[1:5]
fields = sys.argv[5:]
hook = hook.replace("-", "_")
def load(f):
    try:
        doc = json.load(open(f))
    except Exception:
        return None
    for d in doc.get("devices", []):
        if d.get("ifname") == dev:
            return d.get("hooks", {}).get(hook, {}).get("reasons", {}) or {}
    return {}
old, new = load(a), load(b)
if old is None or new is None:
    print("ERR"); sys.exit(1)
def get(r, f):
    return r.get(f, 0) if isinstance(r, dict) else 0
out = []
for k in sorted(set(old) | set(new)):
    d = [get(new.get(k, {}), f) - get(old.get(k, {}), f) for f in fields]
    if any(d):
        out.append("%s=%s" % (k, "/".join("%d" % x for x in d)))
print(" ".join(out) or "none")
EOF
}

# og_delta NS DEV HOOK: "name=packets ..." of the reasons counted on
# DEV/HOOK since og_snap, or "none".
og_delta()
{
	_og_reason_delta "$1" "$2" "$3" packets
}

# og_expect NAME GOT WANT: PASS if equal, else FAIL with both.
og_expect()
{
	if [ "$2" = "$3" ]; then
		og_pass "$1"
	else
		og_fail "$1" "got '$2', want '$3'"
	fi
}

# og_expect_ge NAME GOT MIN [WHAT]
og_expect_ge()
{
	if [[ "$2" =~ ^[0-9]+$ ]] && [ "$2" -ge "$3" ]; then
		og_pass "$1"
	else
		og_fail "$1" "${4:-value} is '$2', want >= $3"
	fi
}

# --- policies: forwarding topology, receivers, captures, nstat ------------
# (test_repair.sh, test_strict.sh)

# og_bg_stop PID: end one process started by this script (SIGINT, which
# makes tcpdump write out what it holds), wait for it, and forget it.
og_bg_stop()
{
	local p keep=()

	kill -INT "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	for p in "${_og_pids[@]}"; do
		[ "$p" = "$1" ] || keep+=("$p")
	done
	_og_pids=("${keep[@]}")
}

# og_nstat NS COUNTER...: absolute values (0 if absent), one per counter,
# space-separated. -s: the history file shared through /tmp is not touched.
og_nstat()
{
	local ns=$1

	shift
	ip netns exec "$ns" nstat -asz 2>/dev/null | awk -v want="$*" '
		BEGIN { n = split(want, w, " "); for (i = 1; i <= n; i++) v[w[i]] = 0 }
		($1 in v) { v[$1] = $2 }
		END { for (i = 1; i <= n; i++) printf "%s%s", v[w[i]], (i < n ? " " : "\n") }'
}

# og_nstat_csum_errors NS: the sum of every *InCsumErrors counter of NS
# (IP header, TCP, UDP, UDP6, ICMP, ICMP6): any checksum the stack refused.
og_nstat_csum_errors()
{
	ip netns exec "$1" nstat -asz 2>/dev/null |
		awk '$1 ~ /InCsumErrors$/ { s += $2 } END { print s + 0 }'
}

# og_fwd_setup: the topology of `offguard demo`, for real writers:
#
#   og_send --vnet hdr--> OG_FTUN [tc ingress]   OG_FWD: IPv4+IPv6 forwarding
#                            |
#                          OG_UP0 [tc egress]    tx off tso off gso off, MTU 1500
#                            |  veth
#                          OG_UP1                OG_RCV
#
# The writer is OG_W4 / OG_W6 behind the TUN, the receiver OG_R4 / OG_R6.
# The TUN is persistent (og_send opens it again for every run). Neighbours
# are resolved before return, so no packet of a case waits for ARP/ND.
OG_W4=10.201.1.2
OG_F4=10.201.1.1
OG_UF4=10.201.2.1
OG_R4=10.201.2.2
OG_W6=fd00:201:1::2
OG_F6=fd00:201:1::1
OG_UF6=fd00:201:2::1
OG_R6=fd00:201:2::2
og_fwd_setup()
{
	og_ns_add OG_FWD || return 1
	og_ns_add OG_RCV || return 1
	og_name OG_FTUN
	og_name OG_UP0
	og_name OG_UP1
	og_tun "$OG_FWD" "$OG_FTUN" || return 1
	ip netns exec "$OG_FWD" sysctl -qw net.ipv4.ip_forward=1 \
		net.ipv6.conf.all.forwarding=1 || return 1
	og_veth "$OG_FWD" "$OG_UP0" "$OG_RCV" "$OG_UP1" || return 1
	ip -n "$OG_FWD" addr add "$OG_F4/24" dev "$OG_FTUN" &&
		ip -n "$OG_FWD" addr add "$OG_F6/64" dev "$OG_FTUN" nodad &&
		ip -n "$OG_FWD" addr add "$OG_UF4/24" dev "$OG_UP0" &&
		ip -n "$OG_FWD" addr add "$OG_UF6/64" dev "$OG_UP0" nodad &&
		ip -n "$OG_RCV" addr add "$OG_R4/24" dev "$OG_UP1" &&
		ip -n "$OG_RCV" addr add "$OG_R6/64" dev "$OG_UP1" nodad &&
		ip -n "$OG_RCV" route add default via "$OG_UF4" &&
		ip -n "$OG_RCV" -6 route add default via "$OG_UF6" || return 1
	ip netns exec "$OG_FWD" ethtool -K "$OG_UP0" tx off tso off gso off \
		>/dev/null 2>&1 || return 1
	ip netns exec "$OG_FWD" ping -c1 -W2 "$OG_R4" >/dev/null 2>&1 &&
		ip netns exec "$OG_FWD" ping -6 -c1 -W2 "$OG_R6" >/dev/null 2>&1
}

# og_listen NS FILE PORT...: a receiver in NS. On each PORT, IPv4 and
# IPv6: a TCP listener (the kernel answers SYNs; nothing is accepted) and
# a UDP socket that counts datagrams and bytes. FILE holds "port datagrams
# bytes" lines, rewritten (atomically) as counts change; it exists once
# every socket is bound, and og_listen returns then.
og_listen()
{
	local ns=$1 file=$2

	shift 2
	rm -f "$file"
	og_bg "$ns" "$OG_PY" -c '
import os, selectors, socket, sys, time
out, ports = sys.argv[1], [int(p) for p in sys.argv[2:]]
sel = selectors.DefaultSelector()
keep, count = [], {p: [0, 0] for p in ports}
for p in ports:
    for typ in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
        s = socket.socket(socket.AF_INET6, typ)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("::", p))
        if typ == socket.SOCK_STREAM:
            s.listen(4096)
        else:
            # SO_RCVBUFFORCE (33): bulk GSO bursts must not overflow it
            s.setsockopt(socket.SOL_SOCKET, 33, 32 << 20)
            s.setblocking(False)
            sel.register(s, selectors.EVENT_READ, p)
        keep.append(s)
def dump():
    with open(out + ".tmp", "w") as f:
        for p in ports:
            f.write("%d %d %d\n" % (p, count[p][0], count[p][1]))
    os.rename(out + ".tmp", out)
dump()
dirty, last = False, 0.0
while True:
    for key, _ in sel.select(0.05):
        while True:
            try:
                n = len(key.fileobj.recv(65536))
            except BlockingIOError:
                break
            count[key.data][0] += 1
            count[key.data][1] += n
            dirty = True
    if dirty and time.monotonic() - last > 0.05:
        dump()
        dirty, last = False, time.monotonic()
' "$file" "$@"
	for _ in $(seq 50); do
		[ -e "$file" ] && return 0
		sleep 0.1
	done
	return 1
}

# og_udp_count FILE PORT [WANT [TIMEOUT_S]]: "datagrams bytes" received on
# PORT by og_listen; with WANT, waits until that many datagrams arrived or
# TIMEOUT_S (3) passed, then a further 0.2 s for any excess to show.
og_udp_count()
{
	local file=$1 port=$2 want=${3:-} t=${4:-3} got

	if [ -n "$want" ]; then
		for _ in $(seq $((t * 20))); do
			got=$(awk -v p="$port" '$1 == p { print $2 }' "$file")
			[ "${got:-0}" -ge "$want" ] && break
			sleep 0.05
		done
		sleep 0.2
	fi
	awk -v p="$port" '$1 == p { print $2, $3; f = 1 } END { if (!f) print "0 0" }' "$file"
}

# og_cap_start NS DEV FILE [TCPDUMP_ARGS...]: capture on DEV into FILE
# (pcap, written out packet by packet) until og_cap_stop; returns once
# tcpdump is listening. The pid is in OG_CAP_PID. Frames up to 9216 bytes
# are kept whole. Immediate mode gives each ring slot a whole snaplen, so
# the default 2 MiB ring holds only a handful: a burst of segments would
# be dropped by the capture, not the network; hence the 32 MiB ring.
OG_CAP_PID=""
OG_CAP_FILE=""
og_cap_start()
{
	local ns=$1 dev=$2 file=$3

	shift 3
	rm -f "$file" "$file.err"
	OG_CAP_FILE=$file
	ip netns exec "$ns" tcpdump --immediate-mode -U -n -s 9216 -B 32768 -i "$dev" \
		-w "$file" "$@" >/dev/null 2>"$file.err" &
	OG_CAP_PID=$!
	_og_pids+=("$OG_CAP_PID")
	for _ in $(seq 50); do
		grep -q "listening on" "$file.err" 2>/dev/null && return 0
		sleep 0.1
	done
	og_bg_stop "$OG_CAP_PID"
	return 1
}

# og_cap_stop: let the last packets through the stack, then stop tcpdump.
# Fails if the capture itself lost packets (tcpdump's "dropped by kernel"
# or "by interface"): a count taken from it would prove nothing.
og_cap_stop()
{
	[ -n "$OG_CAP_PID" ] || return 0
	sleep 0.2
	og_bg_stop "$OG_CAP_PID"
	OG_CAP_PID=""
	! grep -Eq '^[1-9][0-9]* packets dropped by (kernel|interface)' \
		"$OG_CAP_FILE.err"
}

# og_delta_rdp NS DEV HOOK: like og_delta, with each reason's repairs and
# drops: "name=packets/repaired/dropped ..." (sorted, non-zero, or "none").
og_delta_rdp()
{
	_og_reason_delta "$1" "$2" "$3" packets repaired dropped
}

# og_status_get NS DEV HOOK FIELD: FIELD of DEV/HOOK in `status -j`
# ("policy", "prog_id", "writer_omits_csum", "mtu", ...), "none" if absent.
og_status_get()
{
	og "$1" status -j 2>/dev/null | "$OG_PY" -c '
import json, sys
dev, hook, field = sys.argv[1], sys.argv[2].replace("-", "_"), sys.argv[3]
try:
    doc = json.load(sys.stdin)
except Exception:
    print("ERR"); sys.exit(0)
for a in doc.get("attachments", []):
    if a.get("ifname") == dev and a.get("hook", "").replace("-", "_") == hook:
        v = a.get(field)
        print(str(v).lower() if isinstance(v, bool) else v)
        break
else:
    print("none")' "$2" "$3" "$4"
}
