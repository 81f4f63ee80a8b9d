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

# og_delta NS DEV HOOK: "name=delta ..." (sorted, non-zero, or "none")
# of reasons counted on DEV/HOOK since og_snap, plus "packets=delta".
og_delta()
{
	og_stats_json "$1" || { echo ERR; return 1; }
	"$OG_PY" - "$OG_TMP/snap.json" "$OG_TMP/stats.json" "$2" "$3" <<'EOF'
import json, sys
a, b, dev, hook = sys.argv[1:5]
hook = hook.replace("-", "_")
def load(f):
    try:
        doc = json.load(open(f))
    except Exception:
        return None
    for d in doc.get("devices", []):
        if d.get("ifname") == dev:
            return d.get("hooks", {}).get(hook, {})
    return {}
old, new = load(a), load(b)
if old is None or new is None:
    print("ERR"); sys.exit(1)
def cnt(v):
    return v.get("packets", 0) if isinstance(v, dict) else int(v)
ro, rn = old.get("reasons", {}) or {}, new.get("reasons", {}) or {}
out = []
for k in sorted(set(ro) | set(rn)):
    n = cnt(rn.get(k, 0)) - cnt(ro.get(k, 0))
    if n:
        out.append("%s=%d" % (k, n))
print(" ".join(out) or "none")
EOF
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
