#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# user/devinfo.c (what `offguard report` knows about a device) held
# against the kernel's other readers: og_devinfo's JSON lines must equal
# what `ip -j -d link show` says (ifindex, name, flags UP, mtu,
# gso_max_size, gso_max_segs, master, link, info_kind, tun type, XDP mode
# and program id) and what ethtool says (`ethtool -i` driver; `ethtool -k`
# per feature: on/off is active, "[fixed]" is not available, "[requested
# X]" is what was asked for when it differs; for fixed features, which
# ethtool's text leaves out, the requested state comes from `ethtool
# --json -k` when ethtool has it).
#
#   namespace A: veth VA (peer VB in namespace B: IFLA_LINK across
#     namespaces), MTU 1400, gso_max_size 32000, gso_max_segs 40,
#     tx off tso off;
#     veth VC-VD, VC a port of bridge BR, native XDP (foreign.bpf.o) on
#     VD, which makes TSO on VC fixed-off while still requested;
#     TUN TN (MTU 1300, gso off), TAP TP (offloads set by its writer,
#     then down); vxlan VX over VA if the kernel has vxlan.
#   namespace C: 150 veth pairs, so that the dump comes in many parts.
#   og_devinfo --get: the same as the dump for every device; ENODEV for
#   an ifindex that is not there.
# shellcheck disable=SC2034 source-path=SCRIPTDIR
OG_TEST_ID='dv'
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

OG_DEVINFO=${OG_DEVINFO:-$OG_OUT/og_devinfo}

og_need_root
og_need_tools "$OG_SEND" "$OG_DEVINFO"
[ -r "$FOREIGN_OBJ" ] || og_skip_all "$FOREIGN_OBJ not built (make)"
command -v ethtool >/dev/null 2>&1 || og_skip_all "ethtool not installed"

og_ns_add A
og_ns_add B
og_name VA
og_name VB
og_name VC
og_name VD
og_name TN
og_name TP
og_name BR
og_name VX

setup()
{
	og_veth "$A" "$VA" "$B" "$VB" &&
		og_veth "$A" "$VC" "$A" "$VD" &&
		og_tun "$A" "$TN" &&
		og_tun "$A" "$TP" --tap &&
		og_send "$A" tun --dev "$TP" --tap --offload csum,tso4,tso6 \
			--count 0 &&
		ip -n "$A" link set "$TP" down &&
		ip -n "$A" link add "$BR" type bridge &&
		ip -n "$A" link set "$VC" master "$BR" &&
		ip -n "$A" link set "$BR" up &&
		ip -n "$A" link set "$VA" mtu 1400 gso_max_size 32000 \
			gso_max_segs 40 &&
		ip -n "$A" link set "$TN" mtu 1300 &&
		ip netns exec "$A" ethtool -K "$VA" tx off tso off \
			>/dev/null 2>&1 &&
		ip netns exec "$A" ethtool -K "$TN" gso off >/dev/null 2>&1 &&
		ip netns exec "$A" ethtool -K "$VD" gro on >/dev/null 2>&1 &&
		ip -n "$A" link set dev "$VD" xdp obj "$FOREIGN_OBJ" sec xdp
}
if ! setup; then
	og_fail dv_setup "cannot build the devices"
	exit 0
fi
og_pass dv_setup

ROLES="va=$VA vb=$VB vc=$VC vd=$VD tun=$TN tap=$TP br=$BR vx=$VX"
if ip -n "$A" link add "$VX" type vxlan id 42 dstport 4789 \
	local 10.99.0.1 dev "$VA" 2>"$OG_TMP/vxlan.err"; then
	og_pass dv_vxlan_setup
else
	og_skip dv_vxlan "no vxlan in this kernel: $(head -1 "$OG_TMP/vxlan.err")"
fi

# compare NS TAG [--no-ethtool] [ROLE=NAME...]: og_devinfo's dump of NS
# against ip and ethtool, one PASS/FAIL line per device and aspect
# (dv_TAG_ROLE_rtnl, dv_TAG_ROLE_features, dv_TAG_ROLE_driver), plus
# dv_TAG_devices (the same devices) and dv_TAG_get_equals_list. The dump
# is kept in $OG_TMP/TAG.og for the checks that follow.
compare()
{
	local ns=$1 tag=$2

	shift 2
	if ! ip netns exec "$ns" "$OG_DEVINFO" >"$OG_TMP/$tag.og" \
		2>"$OG_TMP/$tag.err"; then
		og_fail "dv_${tag}_list" "og_devinfo: $(head -1 "$OG_TMP/$tag.err")"
		return
	fi
	og_pass "dv_${tag}_list"
	ip -n "$ns" -j -d link show >"$OG_TMP/$tag.ip" 2>/dev/null
	"$OG_PY" - "$ns" "$tag" "$OG_TMP/$tag.og" "$OG_TMP/$tag.ip" \
		"$OG_DEVINFO" "$@" <<'EOF'
import json, re, subprocess, sys

ns, tag, og_file, ip_file, tool = sys.argv[1:6]
args = sys.argv[6:]
ethtool = "--no-ethtool" not in args
roles = {}
for a in args:
    if "=" in a:
        r, n = a.split("=", 1)
        roles[n] = r

def out(ok, name, why=""):
    print("PASS: %s" % name if ok else "FAIL: %s: %s" % (name, why))

def run(*cmd):
    p = subprocess.run(["ip", "netns", "exec", ns] + list(cmd),
                       capture_output=True, text=True)
    return p.returncode, p.stdout

og = [json.loads(l) for l in open(og_file) if l.strip()]
ip = json.load(open(ip_file))
by_name = {d["ifname"]: d["ifindex"] for d in ip}
ipd = {d["ifindex"]: d for d in ip}

want = sorted((d["ifindex"], d["ifname"]) for d in ip)
got = sorted((d["ifindex"], d["name"]) for d in og)
out(want == got, "dv_%s_devices" % tag,
    "og_devinfo %d devices, ip %d; only og: %s; only ip: %s" %
    (len(got), len(want), sorted(set(got) - set(want))[:5],
     sorted(set(want) - set(got))[:5]))

def ip_view(d):
    """What ip says, in og_devinfo's terms."""
    li = d.get("linkinfo", {})
    kind = li.get("info_kind", "")
    link = 0
    if "link_index" in d:            # the peer is in another namespace
        link = d["link_index"]
    elif d.get("link") not in (None, "NONE"):
        link = by_name.get(d["link"], -1)
    xdp = d.get("xdp", {})
    return {
        "name": d["ifname"],
        "up": "UP" in d.get("flags", []),
        "mtu": d.get("mtu", 0),
        "gso_max_size": d.get("gso_max_size", 0),
        "gso_max_segs": d.get("gso_max_segs", 0),
        "master": by_name.get(d["master"], -1) if "master" in d else 0,
        "link": link,
        "kind": kind,
        "is_tap": kind == "tun" and li.get("info_data", {}).get("type") == "tap",
        "xdp_mode": xdp.get("mode", 0),
        "xdp_prog_id": xdp.get("prog", {}).get("id", 0),
    }

# ethtool's legacy names for single-bit features (ethtool -k prints these)
legacy = {"rx-checksum": "rx-checksumming",
          "rx-gro": "generic-receive-offload",
          "tx-generic-segmentation": "generic-segmentation-offload"}
line_re = re.compile(r"^\s*([\w-]+): (on|off)( \[fixed\])?"
                     r"( \[requested (on|off)\])?\s*$")

def ethtool_k(dev):
    rc, txt = run("ethtool", "-k", dev)
    if rc:
        return None
    feats = {}
    for l in txt.splitlines():
        m = line_re.match(l)
        if m:
            feats[m.group(1)] = {
                "active": m.group(2) == "on",
                "fixed": bool(m.group(3)),
                "requested": None if not m.group(4) else m.group(5) == "on",
            }
    rc, js = run("ethtool", "--json", "-k", dev)
    try:
        jd = json.loads(js)[0] if not rc else {}
    except ValueError:
        jd = {}
    for k, v in feats.items():
        if v["requested"] is None:
            if not v["fixed"]:
                v["requested"] = v["active"]
            elif isinstance(jd.get(k), dict) and "requested" in jd[k]:
                v["requested"] = bool(jd[k]["requested"])
    return feats

big = tag == "big"
big_bad = []
for d in sorted(og, key=lambda d: d["ifindex"]):
    i = ipd.get(d["ifindex"])
    if i is None:
        continue                     # reported by dv_TAG_devices
    role = roles.get(d["name"], d["name"])
    v = ip_view(i)
    bad = ["%s og=%r ip=%r" % (k, d.get(k), w) for k, w in v.items()
           if d.get(k) != w]
    if big:
        big_bad += ["%s: %s" % (d["name"], b) for b in bad]
    else:
        out(not bad, "dv_%s_%s_rtnl" % (tag, role), "; ".join(bad))
    if not ethtool:
        continue

    dev = d["name"]
    rc, txt = run("ethtool", "-i", dev)
    m = re.search(r"^driver: (.*)$", txt, re.M) if not rc else None
    drv = m.group(1).strip() if m else ""
    out(d["driver"] == drv, "dv_%s_%s_driver" % (tag, role),
        "og=%r ethtool=%r" % (d["driver"], drv))

    e = ethtool_k(dev)
    if e is None:
        out(not d["have_features"], "dv_%s_%s_features" % (tag, role),
            "ethtool -k fails but og_devinfo has features")
        continue
    bad = []
    if not d["have_features"]:
        bad.append("og_devinfo has no features")
    for name, f in d["features"].items():
        ef = e.get(legacy.get(name, name))
        if ef is None:
            bad.append("%s: not in ethtool -k" % name)
            continue
        if f["active"] != ef["active"]:
            bad.append("%s active og=%s ethtool=%s" % (name, f["active"], ef["active"]))
        if f["available"] == ef["fixed"]:
            bad.append("%s available og=%s ethtool fixed=%s" % (name, f["available"], ef["fixed"]))
        if ef["requested"] is not None and f["requested"] != ef["requested"]:
            bad.append("%s requested og=%s ethtool=%s" % (name, f["requested"], ef["requested"]))
    out(not bad, "dv_%s_%s_features" % (tag, role), "; ".join(bad))

if big:
    out(not big_bad, "dv_big_rtnl", "; ".join(big_bad[:5]))

# og_devinfo_get for every device: the same objects as the dump
idx = [str(d["ifindex"]) for d in og]
p = subprocess.run(["ip", "netns", "exec", ns, tool, "--get"] + idx,
                   capture_output=True, text=True)
get = [json.loads(l) for l in p.stdout.splitlines() if l.strip()]
diff = [g["name"] for g, l in zip(get, og) if g != l]
out(p.returncode == 0 and len(get) == len(og) and not diff,
    "dv_%s_get_equals_list" % tag,
    "rc %d, %d of %d; differ: %s %s" % (p.returncode, len(get), len(og),
                                       diff[:5], p.stderr.strip()[:200]))
EOF
}

# field TAG NAME KEY: KEY of device NAME in the dump kept by compare.
field()
{
	"$OG_PY" -c '
import json, sys
for l in open(sys.argv[1]):
    d = json.loads(l)
    if d["name"] == sys.argv[2]:
        v = d
        for k in sys.argv[3].split("."):
            v = v[k]
        print(str(v).lower() if isinstance(v, bool) else v)
        break
else:
    print("none")' "$OG_TMP/$1.og" "$2" "$3"
}

# shellcheck disable=SC2086 # ROLES is a list of words
compare "$A" a $ROLES
# shellcheck disable=SC2086
compare "$B" b $ROLES

# What was set, as set: the oracle is only trusted where it agrees with
# the setup too.
og_expect dv_va_mtu "$(field a "$VA" mtu)" 1400
og_expect dv_va_gso "$(field a "$VA" gso_max_size)/$(field a "$VA" gso_max_segs)" \
	32000/40
og_expect dv_va_tx_off_requested \
	"$(field a "$VA" features.tx-checksum-ip-generic.requested)/$(field a "$VA" features.tx-tcp-segmentation.requested)" \
	false/false
og_expect dv_va_link_is_peer_in_b "$(field a "$VA" link)" \
	"$(field b "$VB" ifindex)"
og_expect dv_vc_master_is_bridge "$(field a "$VC" master)" \
	"$(field a "$BR" ifindex)"
og_expect dv_vd_xdp_native "$(field a "$VD" xdp_mode)" 1
if [ "$(field a "$VD" xdp_prog_id)" -gt 0 ] 2>/dev/null; then
	og_pass dv_vd_xdp_prog_id
else
	og_fail dv_vd_xdp_prog_id "no program id"
fi
og_expect dv_vd_gro_requested "$(field a "$VD" features.rx-gro.requested)" true
# veth_xdp_set() takes GSO_SOFTWARE out of the peer's hw_features: TSO
# becomes fixed-off while the request stays.
og_expect dv_vc_tso_fixed_off_by_peer_xdp \
	"$(field a "$VC" features.tx-tcp-segmentation.active)/$(field a "$VC" features.tx-tcp-segmentation.available)/$(field a "$VC" features.tx-tcp-segmentation.requested)" \
	false/false/true
og_expect dv_tun_kind "$(field a "$TN" kind)/$(field a "$TN" is_tap)/$(field a "$TN" mtu)" \
	tun/false/1300
og_expect dv_tap_kind "$(field a "$TP" kind)/$(field a "$TP" is_tap)/$(field a "$TP" up)" \
	tun/true/false
og_expect dv_tap_writer_offloads \
	"$(field a "$TP" features.tx-checksum-ip-generic.active)/$(field a "$TP" features.tx-tcp-segmentation.active)/$(field a "$TP" features.tx-udp-segmentation.active)" \
	true/true/false
og_expect dv_br_kind "$(field a "$BR" kind)/$(field a "$BR" driver)" bridge/bridge
# vxlan has no ndo_get_iflink: its lower device (VA) is IFLA_VXLAN_LINK
# inside its linkinfo, and IFLA_LINK is absent.
if [ "$(field a "$VX" kind)" != none ]; then
	og_expect dv_vx_kind_no_link "$(field a "$VX" kind)/$(field a "$VX" link)" \
		vxlan/0
fi

# An ifindex nobody has: ENODEV, exit 1.
missing=$(($(ip -n "$A" -j link show | "$OG_PY" -c \
	'import json, sys; print(max(d["ifindex"] for d in json.load(sys.stdin)))') + 1000))
out=$(ip netns exec "$A" "$OG_DEVINFO" --get "$missing" 2>&1)
rc=$?
og_expect dv_get_missing "$rc:$out" "1:og_devinfo: get $missing: ENODEV (-19)"

# Many links: the dump arrives in many parts (a few dozen links each).
og_ns_add C
for i in $(seq 150); do
	echo "link add b$i type veth peer name c$i"
done | ip -n "$C" -b - >/dev/null 2>&1 ||
	og_fail dv_big_setup "cannot create 150 veth pairs"
compare "$C" big --no-ethtool
og_expect dv_big_count "$(wc -l <"$OG_TMP/big.og")" 301
exit 0
