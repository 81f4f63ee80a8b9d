#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# offguard dump: sampled offending packets in a pcapng file. A TUN
# IFF_VNET_HDR writer (og_send) sends bad frames to offguard on the TUN's
# tc ingress while `offguard dump` reads the sample ring; then
#   - tcpdump -r reads the file and shows the packets;
#   - a strict pcapng reader (below, from the format description: lengths
#     at both ends, padding, options, one if_tsresol of 10^-9) finds for
#     each packet the comment with the rule, hook, device and checksum
#     metadata, and packet bytes equal to the frame og_send built (its
#     pcap mode builds the same frames);
#   - the rate limit holds: a burst of 200 bad frames yields at most one
#     sample per rule and 100 ms of the burst, while stats counts all 200;
#   - samples already in the ring when dump starts are written, the device
#     and rule filters drop the others, -c, -t and SIGINT each end it with
#     a readable file, -j prints one JSON object per sample;
#   - a TAP (Ethernet) and a TUN (raw IP) in one file stay readable;
#   - an XDP sample carries the wire frame and no skb fields;
#   - missing device, unwritable file and no instance fail with the words.
# Every `ip netns exec` has a fresh /sys and bpffs: dump finds the ring
# through the programs attached to the devices, never through pins.
# shellcheck disable=SC2034,SC2086 source-path=SCRIPTDIR
OG_TEST_ID='dm'
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

og_need_root
og_need_tools "$OG_SEND"
command -v tcpdump >/dev/null 2>&1 || og_skip_all "tcpdump not installed"

SNAP=256		# OG_SAMPLE_SNAP
BURST=200

og_ns_add NS || exit 1
og_name DEV
og_name DEV2
og_name TAP
if ! og_tun "$NS" "$DEV" || ! og_tun "$NS" "$DEV2" || ! og_tun "$NS" "$TAP" --tap; then
	og_fail dm_setup "cannot create TUN/TAP devices"
	exit 0
fi
for d in "$DEV" "$DEV2" "$TAP"; do
	if ! og_attach "$NS" "$d" tc-ingress; then
		og_fail dm_attach "offguard attach $d --hook tc-ingress failed"
		exit 0
	fi
done

# ng FILE MODE ARGS...: the strict pcapng reader.
#   ng FILE count                 number of packets, or "ERR <why>"
#   ng FILE rules                 "rule ..." of the packets, in order
#   ng FILE check I SENT K=V...   packet I (0-based): its comment has every
#                                 K=V (and no K for !K), follows the documented key order,
#                                 and its IP bytes are the first ones (all
#                                 a sample holds) of a frame of SENT
#                                 (og_send's pcap), its lengths that
#                                 frame's (plus a link header it had).
#                                 Prints "ok" or what differs.
ng()
{
	"$OG_PY" - "$SNAP" "$@" <<'EOF'
import re, struct, sys

snap, path, mode, args = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4:]

def fail(why):
    print("ERR " + why)
    sys.exit(0)

def read_ng(path):
    buf = open(path, "rb").read()
    off, ifs, pkts, linktypes = 0, [], [], set()
    if buf[:4] != b"\x0a\x0d\x0d\x0a":
        fail("no Section Header Block")
    if len(buf) < 12 or struct.unpack_from("<I", buf, 8)[0] != 0x1A2B3C4D:
        fail("byte-order magic not little-endian 0x1A2B3C4D")
    def opts(body, at):
        out = []
        while True:
            if at + 4 > len(body):
                fail("options without opt_endofopt")
            code, n = struct.unpack_from("<HH", body, at)
            at += 4
            if code == 0:
                if n or at != len(body):
                    fail("bytes after opt_endofopt")
                return out
            pad = (n + 3) & ~3
            if at + pad > len(body) or any(body[at + n:at + pad]):
                fail("option %d overruns or has non-zero padding" % code)
            out.append((code, body[at:at + n]))
            at += pad
    while off < len(buf):
        if off + 12 > len(buf):
            fail("truncated block header at %d" % off)
        btype, blen = struct.unpack_from("<II", buf, off)
        if blen < 12 or blen % 4 or off + blen > len(buf):
            fail("bad block length %d at %d" % (blen, off))
        if struct.unpack_from("<I", buf, off + blen - 4)[0] != blen:
            fail("trailing block length differs at %d" % off)
        body = buf[off + 8:off + blen - 4]
        if btype == 0x0A0D0D0A:
            major, minor = struct.unpack_from("<HH", body, 4)
            if (major, minor) != (1, 0):
                fail("version %d.%d" % (major, minor))
            if len(body) > 16:
                opts(body, 16)
        elif btype == 1:
            lt, res, snaplen = struct.unpack_from("<HHI", body, 0)
            o = dict(opts(body, 8)) if len(body) > 8 else {}
            if o.get(9) != b"\x09":
                fail("interface %d without if_tsresol 9" % len(ifs))
            ifs.append((lt, o.get(2, b"").decode()))
            linktypes.add(lt)
        elif btype == 6:
            ifid, hi, lo, cap, olen = struct.unpack_from("<IIIII", body, 0)
            if ifid >= len(ifs):
                fail("packet on undeclared interface %d" % ifid)
            if cap > olen:
                fail("caplen %d > len %d" % (cap, olen))
            pad = (cap + 3) & ~3
            if 20 + pad > len(body) or any(body[20 + cap:20 + pad]):
                fail("packet data overruns or has non-zero padding")
            o = dict(opts(body, 20 + pad)) if len(body) > 20 + pad else {}
            pkts.append({"lt": ifs[ifid][0], "ifname": ifs[ifid][1],
                         "ts": hi << 32 | lo, "len": olen,
                         "data": body[20:20 + cap],
                         "comment": o.get(1, b"").decode()})
        else:
            fail("unexpected block type 0x%x" % btype)
        off += blen
    if len(linktypes) > 1:
        fail("several link types in one file: libpcap cannot read it")
    return pkts

def read_pcap(path):
    buf = open(path, "rb").read()
    lt = struct.unpack_from("<I", buf, 20)[0]
    off, frames = 24, []
    while off + 16 <= len(buf):
        cap = struct.unpack_from("<I", buf, off + 8)[0]
        frames.append(buf[off + 16:off + 16 + cap])
        off += 16 + cap
    return lt, frames

ORDER = ["rule", "hook", "dev", "ifindex", "reasons", "repaired", "dropped",
         "ip_summed", "csum_start", "csum_offset", "gso_size", "gso_type",
         "gso_segs", "flags", "seed", "link", "len"]

pkts = read_ng(path)
if mode == "count":
    print(len(pkts))
elif mode == "rules":
    print(" ".join(re.sub(r"^rule=(\S*).*", r"\1", p["comment"]) for p in pkts))
elif mode == "check":
    i, sent, want = int(args[0]), read_pcap(args[1]), args[2:]
    if i >= len(pkts):
        fail("no packet %d (%d in the file)" % (i, len(pkts)))
    p = pkts[i]
    toks = p["comment"].split(" ")
    if not all(re.fullmatch(r"[a-z_]+=[^ =]*", t) for t in toks):
        fail("comment not key=value: %r" % p["comment"])
    kv = dict(t.split("=", 1) for t in toks)
    keys = [t.split("=", 1)[0] for t in toks]
    known = [k for k in keys if k in ORDER]
    if known != sorted(known, key=ORDER.index) or keys[-1] != "len":
        fail("keys out of the documented order: %s" % " ".join(keys))
    for w in want:
        if w.startswith("!"):
            if w[1:] in kv:
                fail("%s present (%s)" % (w[1:], p["comment"]))
            continue
        k, v = w.split("=", 1)
        if kv.get(k) != v:
            fail("%s=%s, want %s (%s)" % (k, kv.get(k), v, p["comment"]))
    if kv.get("dev") != p["ifname"]:
        fail("dev=%s but the interface is %s" % (kv.get("dev"), p["ifname"]))
    # Both sides as IP bytes: the file's packet without its Ethernet
    # header (synthetic or not), og_send's frame likewise.
    lt_sent, sent = sent
    link = kv.get("link")
    had_l2 = (p["lt"] == 1 and link != "added_eth") or link == "removed_eth"
    ip = p["data"][14:] if p["lt"] == 1 else p["data"]
    iplen = p["len"] - (14 if p["lt"] == 1 else 0)
    cap = snap - (14 if had_l2 else 0)
    match = []
    for j, f in enumerate(sent):
        f = f[14:] if lt_sent == 1 else f
        if ip == f[:cap] and iplen == len(f) and \
           int(kv["len"]) == len(f) + (14 if had_l2 else 0):
            match.append(j)
    if not match:
        fail("%d bytes (len %s) equal no frame sent" % (len(ip), kv["len"]))
    print("ok")
EOF
}

# sent NAME OG_SEND_ARGS...: the frames og_send builds, in $OG_TMP/NAME.pcap
sent()
{
	local name=$1

	shift
	"$OG_SEND" pcap --out "$OG_TMP/$name.pcap" "$@"
}

# drain: read whatever waits in the ring, so a step sees only its own.
drain()
{
	og "$NS" dump -w "$OG_TMP/drain.pcapng" -t 1 >/dev/null 2>&1
}

# dump_bg NAME DUMP_ARGS...: dump in the background into $OG_TMP/NAME.*;
# its pid in DUMP_PID.
DUMP_PID=""
dump_bg()
{
	local name=$1

	shift
	ip netns exec "$NS" "$OFFGUARD" dump "$@" -w "$OG_TMP/$name.pcapng" \
		>"$OG_TMP/$name.out" 2>"$OG_TMP/$name.err" &
	DUMP_PID=$!
	_og_pids+=("$DUMP_PID")
	# the ring keeps what comes before dump reads it: no start race, but
	# give it the time to open the ring so the step tests the live path
	sleep 0.3
}

# dump_wait PID SECONDS: its exit code, or 124 (and killed) if it runs on.
dump_wait()
{
	local pid=$1 t=$2 i

	for ((i = 0; i < t * 10; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		og_bg_stop "$pid"
		return 124
	fi
	wait "$pid"
	local rc=$? p keep=()

	# reaped: the EXIT trap must not signal a pid that may be reused
	for p in "${_og_pids[@]}"; do
		[ "$p" = "$pid" ] || keep+=("$p")
	done
	_og_pids=("${keep[@]}")
	return $rc
}

# tcpdump_reads NAME FILE WANT_PACKETS GREP: tcpdump -r shows them.
tcpdump_reads()
{
	local out n

	if ! out=$(tcpdump -nn -r "$2" 2>&1); then
		og_fail "$1" "tcpdump -r: $(tail -1 <<<"$out")"
		return
	fi
	n=$(grep -c "$4" <<<"$out")
	og_expect "$1" "$n" "$3"
}

SEED=(--flags needs_csum --seed full --tcp-flags S)
BAD=(--seed bad --len 20)

# --- 1: -c: two rules, one sample each, then dump stops by itself ----------
drain
sent seed "${SEED[@]}" --count "$BURST"
sent bad "${BAD[@]}" --count "$BURST"
og_snap "$NS"
dump_bg c2 "$DEV" -c 2 -t 10
og_send "$NS" tun --dev "$DEV" "${SEED[@]}" --count "$BURST" >/dev/null 2>&1
og_send "$NS" tun --dev "$DEV" "${BAD[@]}" --count "$BURST" >/dev/null 2>&1
dump_wait "$DUMP_PID" 10
og_expect dm_count_exit "$?" 0
og_expect dm_count_summary "$(tail -1 "$OG_TMP/c2.err")" \
	"2 samples written to $OG_TMP/c2.pcapng"
og_expect dm_count_listing_lines "$(grep -c ' rule=' "$OG_TMP/c2.out")" 2
og_expect dm_counted_all "$(og_delta "$NS" "$DEV" tc-ingress)" \
	"l4_bad_csum=$BURST partial_bad_seed=$BURST"
tcpdump_reads dm_tcpdump_reads "$OG_TMP/c2.pcapng" 2 "IP 192.0.2.1"
og_expect dm_file_rules "$(ng "$OG_TMP/c2.pcapng" rules)" \
	"partial_bad_seed l4_bad_csum"
og_expect dm_seed_sample "$(ng "$OG_TMP/c2.pcapng" check 0 "$OG_TMP/seed.pcap" \
	rule=partial_bad_seed hook=tc_ingress "dev=$DEV" reasons=partial_bad_seed \
	repaired= dropped= ip_summed=partial csum_start=20 csum_offset=16 \
	gso_size=0 gso_type= seed=full_csum len=40)" ok
og_expect dm_bad_csum_sample "$(ng "$OG_TMP/c2.pcapng" check 1 "$OG_TMP/bad.pcap" \
	rule=l4_bad_csum hook=tc_ingress "dev=$DEV" reasons=l4_bad_csum \
	ip_summed=none gso_size=0 len=60)" ok
# the listing says what the file says
og_expect dm_listing_matches_comment \
	"$(sed -n '1s/^[0-9:.]* //p' "$OG_TMP/c2.out" | cut -d' ' -f1-3)" \
	"rule=partial_bad_seed hook=tc_ingress dev=$DEV"

# --- 2: the rate limit: 200 frames in a burst, at most 1 per 100 ms --------
drain
BURST_RULE=l3_bad_csum
dump_bg rl "$DEV" -t 10 --rule "$BURST_RULE"
t0=$(date +%s%N)
og_send "$NS" tun --dev "$DEV" --bad-ip-csum --len 20 --count "$BURST" >/dev/null 2>&1
t1=$(date +%s%N)
sleep 0.3
og_bg_stop "$DUMP_PID"
ms=$(((t1 - t0) / 1000000))
max=$((ms / 100 + 1))
n=$(ng "$OG_TMP/rl.pcapng" count)
if [[ "$n" =~ ^[0-9]+$ ]] && [ "$n" -ge 1 ] && [ "$n" -le "$max" ]; then
	og_pass dm_rate_limit
else
	og_fail dm_rate_limit "$n samples of $BURST frames sent in $ms ms, want 1..$max"
fi
og_expect dm_rate_limit_rule "$(ng "$OG_TMP/rl.pcapng" rules | tr ' ' '\n' | sort -u)" \
	"$BURST_RULE"

# --- 3: samples waiting in the ring; device and rule filters ---------------
drain
U6=(--ipv6 --proto udp --seed zero --len 10)
sent u6 "${U6[@]}" --count 3
og_send "$NS" tun --dev "$DEV2" "${U6[@]}" --count 3 >/dev/null 2>&1
og_send "$NS" tun --dev "$DEV" "${BAD[@]}" --count 3 >/dev/null 2>&1
og_send "$NS" tun --dev "$DEV" "${U6[@]}" --count 3 >/dev/null 2>&1
# nothing read them yet: dump starts, finds them, and stops at -c 1
og "$NS" dump "$DEV" --rule udp6_zero_csum -w "$OG_TMP/ring.pcapng" -c 1 -t 5 \
	>"$OG_TMP/ring.out" 2>"$OG_TMP/ring.err"
og_expect dm_ring_backlog_exit "$?" 0
og_expect dm_ring_backlog_filtered "$(ng "$OG_TMP/ring.pcapng" check 0 "$OG_TMP/u6.pcap" \
	rule=udp6_zero_csum "dev=$DEV" ip_summed=none)" ok

# --- 4: -j: one JSON object per sample, same fields -------------------------
drain
og_send "$NS" tun --dev "$DEV" --flags needs_csum --csum-offset 10 --len 20 \
	--count 3 >/dev/null 2>&1
og "$NS" dump "$DEV" -j -w "$OG_TMP/json.pcapng" -c 1 -t 5 \
	>"$OG_TMP/json.out" 2>"$OG_TMP/json.err"
og_expect dm_json_line "$("$OG_PY" -c '
import json, sys
lines = open(sys.argv[1]).read().splitlines()
d = json.loads(lines[0])
print(len(lines), d["rule"], d["hook"], d["dev"] == sys.argv[2], d["reasons"],
      d["ip_summed"], d["csum_offset"], d["len"], d["ts_ns"] > 1.6e18)
' "$OG_TMP/json.out" "$DEV" 2>&1)" \
	"1 partial_bad_offset tc_ingress True ['partial_bad_offset'] partial 10 60 True"
og_expect dm_json_summary "$(tail -1 "$OG_TMP/json.err")" \
	"1 samples written to $OG_TMP/json.pcapng"

# --- 5: SIGINT and -t end with a complete file -----------------------------
drain
dump_bg int "$DEV" -t 30
og_send "$NS" tun --dev "$DEV" --truncate-ip --len 20 --count 3 >/dev/null 2>&1
for _ in $(seq 30); do
	grep -q ' rule=' "$OG_TMP/int.out" && break
	sleep 0.1
done
kill -INT "$DUMP_PID"
dump_wait "$DUMP_PID" 2
og_expect dm_sigint_exit "$?" 0
og_expect dm_sigint_file "$(ng "$OG_TMP/int.pcapng" rules)" truncated
tcpdump_reads dm_sigint_tcpdump "$OG_TMP/int.pcapng" 1 "192.0.2.1"

s0=$(date +%s%N)
og "$NS" dump "$DEV" -w "$OG_TMP/idle.pcapng" -t 1 >/dev/null 2>"$OG_TMP/idle.err"
rc=$?
ms=$((($(date +%s%N) - s0) / 1000000))
if [ "$rc" = 0 ] && [ "$ms" -ge 900 ] && [ "$ms" -lt 3000 ]; then
	og_pass dm_time_limit
else
	og_fail dm_time_limit "exit $rc after $ms ms, want 0 after about 1 s"
fi
og_expect dm_time_limit_empty_file "$(ng "$OG_TMP/idle.pcapng" count) $(tail -1 "$OG_TMP/idle.err")" \
	"0 0 samples written to $OG_TMP/idle.pcapng"
tcpdump_reads dm_empty_file_tcpdump "$OG_TMP/idle.pcapng" 0 "IP "

# --- 6: every device: one Ethernet file, TUN samples get a header --------
drain
sent tun_l4 "${BAD[@]}" --count 1
og_send "$NS" tun --dev "$DEV" "${BAD[@]}" --count 1 >/dev/null 2>&1
og_send "$NS" tun --dev "$TAP" --tap "${BAD[@]}" --count 1 >/dev/null 2>&1
og "$NS" dump --rule l4_bad_csum -w "$OG_TMP/mixed.pcapng" -c 2 -t 5 \
	>/dev/null 2>"$OG_TMP/mixed.err"
tcpdump_reads dm_all_devices_tcpdump "$OG_TMP/mixed.pcapng" 2 "IP 192.0.2.1"
og_expect dm_all_devices_tun_added_eth "$(ng "$OG_TMP/mixed.pcapng" check 0 \
	"$OG_TMP/tun_l4.pcap" "dev=$DEV" rule=l4_bad_csum link=added_eth len=60)" ok
og_expect dm_all_devices_tap "$(ng "$OG_TMP/mixed.pcapng" check 1 \
	"$OG_TMP/tun_l4.pcap" "dev=$TAP" rule=l4_bad_csum len=74)" ok

# --- 7: XDP: wire frames, no skb metadata in the comment -------------------
og_name VA
og_name VB
if ! og_veth "$NS" "$VA" "$NS" "$VB"; then
	og_fail dm_xdp_setup "cannot create veth $VA/$VB"
elif ! og "$NS" attach "$VB" --hook xdp >"$OG_TMP/xdp.err" 2>&1; then
	og_skip dm_xdp_sample "attach --hook xdp: $(head -1 "$OG_TMP/xdp.err")"
else
	drain
	og_send "$NS" packet --ifname "$VA" "${BAD[@]}" --count 3 >/dev/null 2>&1
	og "$NS" dump "$VB" -w "$OG_TMP/xdp.pcapng" -c 1 -t 5 >/dev/null 2>&1
	og_expect dm_xdp_sample "$(ng "$OG_TMP/xdp.pcapng" check 0 "$OG_TMP/tun_l4.pcap" \
		rule=wire_l4_bad_csum hook=xdp "dev=$VB" !ip_summed !csum_start \
		!gso_type !seed len=74)" ok
	tcpdump_reads dm_xdp_tcpdump "$OG_TMP/xdp.pcapng" 1 "IP 192.0.2.1"
fi

# --- 8: errors name the object and the cause --------------------------------
# err_case NAME WANT_RC WANT_STDERR CMD...: exit code and first stderr line.
err_case()
{
	local name=$1 want_rc=$2 want=$3 out rc

	shift 3
	out=$("$@" 2>&1 >/dev/null)
	rc=$?
	og_expect "$name" "$rc $(head -1 <<<"$out")" "$want_rc $want"
}

err_case dm_err_no_device 1 "offguard: dump ${DEV}x: no such device" \
	og "$NS" dump "${DEV}x" -w "$OG_TMP/x.pcapng" -t 1
err_case dm_err_no_dir 1 \
	"offguard: dump: $OG_TMP/nodir/x.pcapng: No such file or directory" \
	og "$NS" dump "$DEV" -w "$OG_TMP/nodir/x.pcapng" -t 1
# root writes anywhere: without CAP_DAC_OVERRIDE a read-only file refuses
touch "$OG_TMP/ro.pcapng"
chmod 0444 "$OG_TMP/ro.pcapng"
if command -v setpriv >/dev/null 2>&1; then
	err_case dm_err_permission_denied 1 \
		"offguard: dump: $OG_TMP/ro.pcapng: Permission denied" \
		ip netns exec "$NS" setpriv --bounding-set -dac_override,-dac_read_search \
		--inh-caps -dac_override,-dac_read_search \
		"$OFFGUARD" dump "$DEV" -w "$OG_TMP/ro.pcapng" -t 1
else
	og_skip dm_err_permission_denied "setpriv not installed"
fi
og_ns_add NS_EMPTY || exit 1
err_case dm_err_no_instance 1 \
	"offguard: dump: no offguard instance in this network namespace (attach first)" \
	og "$NS_EMPTY" dump -w "$OG_TMP/none.pcapng" -t 1
og_expect dm_err_leaves_no_file \
	"$([ -e "$OG_TMP/none.pcapng" ] || [ -e "$OG_TMP/x.pcapng" ] && echo left)" ""
err_case dm_err_usage_no_file 2 "offguard: dump: -w FILE is required" \
	og "$NS" dump "$DEV"
err_case dm_err_usage_rule 2 "offguard: dump: unknown rule 'nope'" \
	og "$NS" dump "$DEV" -w "$OG_TMP/x.pcapng" --rule nope

exit 0
