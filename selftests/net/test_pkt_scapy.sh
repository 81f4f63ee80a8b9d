#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The packet builder (user/pkt.c) against an independent implementation:
# og_send writes its frames to pcap, scapy parses them and recomputes the
# checksums. Every checksum mode is checked the way the kernel would use
# it: a full checksum must verify; a CHECKSUM_PARTIAL seed must complete
# (one's-complement sum of the L4 bytes from csum_start, seed in place,
# as skb_checksum_help does) to the correct full checksum; a length-less
# seed must do so once the L4 length is added. Covers IPv4 options, TCP
# options, IPv6 extension headers (the routing header changes the
# pseudo-header destination), VLAN tags and odd lengths. No root needed.
# OG_TEST_ID is read by lib.sh; option strings ($TSO, $PKT...) are split
# on purpose.
# shellcheck disable=SC2034,SC2086 source-path=SCRIPTDIR
OG_TEST_ID='sc'
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

[ -x "$OG_SEND" ] || og_skip_all "$OG_SEND not built (make)"
"$OG_PY" -c 'import scapy.all' 2>/dev/null ||
	og_skip_all "python3-scapy not installed"
OG_TMP=$(mktemp -d /tmp/ogsc.XXXXXX)

n=0
for fam in 4 6; do
	for proto in tcp udp; do
		if [ $fam = 4 ]; then
			shapes=("" "--ip-opts 8" "--ether --vlan 9")
		else
			shapes=("--ipv6" "--ipv6 --ext hbh,dst,frag" "--ipv6 --ext rt2"
				"--ipv6 --ether --ext dst,rt2")
		fi
		[ $proto = tcp ] && shapes+=("${shapes[0]} --mss 1460 --ts")
		for shape in "${shapes[@]}"; do
			for len in 0 1 7 100 1001; do
				for seed in full seed lengthless zero bad; do
					n=$((n + 1))
					f="$OG_TMP/$fam.$proto.$seed.$n.pcap"
								if ! "$OG_SEND" pcap --out "$f" --count 2 \
					     --proto $proto --len $len --seed $seed \
					     $shape 2>"$OG_TMP/err"; then
						og_fail "sc_build_$n" "og_send pcap --proto $proto --len $len --seed $seed $shape: $(cat "$OG_TMP/err")"
					fi
				done
			done
		done
	done
done

# One line per (family, protocol, mode): PASS, or FAIL with the first bad
# frame described.
"$OG_PY" - "$OG_TMP" <<'EOF'
import glob, os, struct, sys
import warnings
warnings.filterwarnings("ignore")
from scapy.all import rdpcap, IP, IPv6, TCP, UDP
from scapy.layers.inet6 import in6_chksum
from scapy.utils import checksum

def fold_add(a, b):
    s = a + b
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s

results = {}
for f in sorted(glob.glob(os.path.join(sys.argv[1], "*.pcap"))):
    fam, proto, mode, _ = os.path.basename(f).split(".", 3)
    key = "sc_ipv%s_%s_%s" % (fam, proto, mode)
    results.setdefault(key, [])
    for pkt in rdpcap(f):
        p = pkt.getlayer(IP if fam == "4" else IPv6)
        if p is None:
            results[key].append("no IPv%s layer in %s" % (fam, f)); continue
        l4cls = TCP if proto == "tcp" else UDP
        if not p.haslayer(l4cls):
            results[key].append("no %s layer in %s" % (proto, f)); continue
        l4 = p[l4cls]
        field = l4.chksum
        l4bytes = bytes(l4)
        zeroed = bytearray(l4bytes)
        off = 16 if proto == "tcp" else 6
        zeroed[off:off + 2] = b"\0\0"
        if fam == "4":
            ip = p[IP]
            if checksum(bytes(ip)[:ip.ihl * 4]) != 0:
                results[key].append("bad IPv4 header checksum in %s" % f)
            ph = struct.pack("!4s4sBBH", bytes(ip)[12:16], bytes(ip)[16:20],
                             0, ip.proto, len(l4bytes))
            full = checksum(ph + bytes(zeroed))
        else:
            nh = 6 if proto == "tcp" else 17
            full = in6_chksum(nh, l4, bytes(zeroed))
        if proto == "udp" and full == 0:
            full = 0xffff
        # what the kernel's software checksum makes of the field
        completed = checksum(l4bytes)
        if mode == "full":
            ok = field == full
        elif mode == "seed":
            ok = completed == full
        elif mode == "lengthless":
            with_len = bytearray(l4bytes)
            v = fold_add(field, len(l4bytes))
            with_len[off:off + 2] = struct.pack("!H", v)
            ok = checksum(bytes(with_len)) == full and field != 0
        elif mode == "zero":
            ok = field == 0
        else:   # bad: neither a right checksum nor a right seed
            ok = field not in (0, 0xffff, full) and completed != full
        if not ok:
            results[key].append("%s: field 0x%04x, full 0x%04x, completed 0x%04x (%d bytes L4)"
                                % (os.path.basename(f), field, full, completed, len(l4bytes)))
for key in sorted(results):
    if results[key]:
        print("FAIL: %s: %s" % (key, results[key][0]))
    else:
        print("PASS: %s" % key)
EOF
exit 0
