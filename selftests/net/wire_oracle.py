#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""
wire_oracle.py: what offguard's XDP wire validator must count for a
capture, computed independently of the BPF code (plain Python, RFC 1071
checksums written out here, no packet library).

    wire_oracle.py [--mtu N] [--frames] FILE.pcap|FILE.pcapng
    wire_oracle.py --cmp CAPTURE FILE    are FILE's frames in CAPTURE, unchanged?
                                         ("changed": byte offsets, per frame)

Each frame is first converted to the Ethernet frame that og_replay puts on
the veth (the conversion is the same in both: see CONVERSION below); the
rules of DESIGN section 3 (XDP) are then applied to those bytes:

  wire_l3_bad_csum     IPv4 header checksum wrong (judged whenever the
                       ihl * 4 header bytes are in the frame, even if the
                       total length is bogus: ip_rcv checks the checksum
                       before the length, and both are header facts)
  wire_l4_bad_csum     TCP, UDP, ICMP, ICMPv6 checksum wrong. IPv6: the
                       extension headers are walked; a routing header (type
                       0 or 2 with its addresses, 4: segment list) with
                       segments left puts the final destination in the
                       pseudo-header (RFC 8200 8.1); a Home Address option
                       in a destination options header puts the home
                       address in as source (RFC 6275 6.3)
  wire_leaked_partial  TCP or UDP whose full sum fails while the checksum
                       field equals the folded (not inverted) pseudo-header
                       sum with the L4 length: a CHECKSUM_PARTIAL seed that
                       nobody completed. Counted instead of wire_l4_bad_csum
  wire_udp6_zero_csum  UDP over IPv6 with checksum 0, unless the destination
                       port is a tunnel's (VXLAN 4789, 8472; Geneve 6081)
  wire_oversize        L3 bytes (frame minus Ethernet and VLAN headers) >
                       MTU. The bytes, not the IP length field: a TSO frame
                       that leaked with total length 0 is exactly what this
                       rule is for, and it is oversize on any wire
  wire_truncated       a header past the frame (Ethernet, VLAN, IPv4 with
                       its options, IPv6, an extension header, TCP's 20 or
                       UDP's 8 or ICMP's 8 bytes past the IP payload), IPv4
                       ihl < 5, an IP version that is not the ethertype's
                       (ip_rcv and ipv6_rcv drop both as header errors),
                       IP length past the frame, IPv4 total length
                       < ihl * 4, UDP length < 8 or past the IP payload

Not judged at L4 (no reason from L4): IP fragments (IPv4 MF or offset,
IPv6 fragment header with offset or M; an atomic fragment is whole),
UDP-Lite, ESP and any other protocol (the mobility header's checksum
included), a routing header of another type with segments left (its final
destination is unknown), TCP data offset < 5 or past the segment.

Output: JSON, {"file", "linktype", "frames" (converted and replayed),
"skipped" (not convertible or under 14 bytes: never sent), "mtu",
"reasons": {name: frames}, "bad_frames"}; --frames adds "per_frame", one
entry per replayed frame: {"n" (1-based, in the file), "len", "reasons",
"why"}.

CONVERSION (og_replay.c does the same; keep them in step):
  Ethernet (1)            as captured (only the captured bytes exist)
  raw IP (101, 12, 14; 228 IPv4, 229 IPv6)
                          Ethernet header added, ethertype from the version
  Linux cooked SLL (113)  16-byte header replaced, ethertype = its protocol
  SLL2 (276)              20-byte header replaced, ethertype = its protocol
  BSD loopback NULL (0)   4-byte host-order family, LOOP (108) network
                          order: 2 IPv4; 10, 24, 28, 30 IPv6
  added header: dst 02:6f:67:00:00:02, src 02:6f:67:00:00:01
Other link types, and frames whose family or version is unknown, are
skipped. A frame under 14 bytes is skipped (AF_PACKET refuses it).
"""
import json
import struct
import sys

ETH_DST = bytes.fromhex("026f67000002")
ETH_SRC = bytes.fromhex("026f67000001")
ETH_P_IP, ETH_P_IPV6 = 0x0800, 0x86DD
VLAN_TPIDS = (0x8100, 0x88A8)
TUNNEL_PORTS = (4789, 8472, 6081)
REASONS = ("wire_l3_bad_csum", "wire_l4_bad_csum", "wire_leaked_partial",
           "wire_udp6_zero_csum", "wire_oversize", "wire_truncated")


# --- capture files ---------------------------------------------------------

def read_capture(path):
    """(linktype, [frame bytes]) of a pcap or pcapng file. pcapng: every
    interface's link type must be the same (one replay, one conversion)."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 4:
        raise ValueError("%s: not a capture file" % path)
    magic = data[:4]
    if magic == b"\x0a\x0d\x0d\x0a":
        return read_pcapng(path, data)
    for end in ("<", ">"):
        m = struct.unpack(end + "I", magic)[0]
        if m in (0xA1B2C3D4, 0xA1B23C4D):
            break
    else:
        raise ValueError("%s: not a pcap or pcapng file" % path)
    if len(data) < 24:
        raise ValueError("%s: short pcap header" % path)
    linktype = struct.unpack(end + "I", data[20:24])[0] & 0x0FFFFFFF
    frames, off = [], 24
    while off + 16 <= len(data):
        incl = struct.unpack(end + "I", data[off + 8:off + 12])[0]
        off += 16
        if off + incl > len(data):
            raise ValueError("%s: record past the end of the file" % path)
        frames.append(data[off:off + incl])
        off += incl
    return linktype, frames


def read_pcapng(path, data):
    linktypes, frames, off, end = [], [], 0, "<"
    while off + 12 <= len(data):
        btype = struct.unpack(end + "I", data[off:off + 4])[0]
        if btype == 0x0A0D0D0A:
            bom = data[off + 8:off + 12]
            end = "<" if bom == b"\x4d\x3c\x2b\x1a" else ">"
            linktypes = []      # interface ids restart in each section
        blen = struct.unpack(end + "I", data[off + 4:off + 8])[0]
        if blen < 12 or off + blen > len(data):
            raise ValueError("%s: bad pcapng block at %d" % (path, off))
        body = data[off + 8:off + blen - 4]
        if btype == 1:                                  # IDB
            linktypes.append(struct.unpack(end + "H", body[:2])[0])
        elif btype == 6:                                # EPB
            ifid, _, _, incl = struct.unpack(end + "IIII", body[:16])
            frames.append((linktypes[ifid], body[20:20 + incl]))
        elif btype == 3:                                # SPB: interface 0
            olen = struct.unpack(end + "I", body[:4])[0]
            frames.append((linktypes[0], body[4:4 + olen]))
        elif btype == 2:                                # obsolete PB
            ifid, _, _, _, incl = struct.unpack(end + "HHIII", body[:16])
            frames.append((linktypes[ifid], body[20:20 + incl]))
        off += blen
    kinds = set(lt for lt, _ in frames) or set(linktypes[:1])
    if len(kinds) > 1:
        raise ValueError("%s: mixed link types %s" % (path, sorted(kinds)))
    return (kinds.pop() if kinds else 1), [f for _, f in frames]


def to_ether(linktype, frame):
    """The Ethernet frame og_replay sends for FRAME, or None (skipped)."""
    def eth(proto, l3):
        return ETH_DST + ETH_SRC + struct.pack(">H", proto) + l3

    def by_version(l3):
        v = l3[0] >> 4 if l3 else 0
        return eth(ETH_P_IP, l3) if v == 4 else \
            eth(ETH_P_IPV6, l3) if v == 6 else None

    out = None
    if linktype == 1:
        out = frame
    elif linktype in (101, 12, 14):
        out = by_version(frame)
    elif linktype == 228:
        out = eth(ETH_P_IP, frame)
    elif linktype == 229:
        out = eth(ETH_P_IPV6, frame)
    elif linktype == 113 and len(frame) >= 16:
        out = eth(struct.unpack(">H", frame[14:16])[0], frame[16:])
    elif linktype == 276 and len(frame) >= 20:
        out = eth(struct.unpack(">H", frame[0:2])[0], frame[20:])
    elif linktype in (0, 108) and len(frame) >= 4:
        fam = struct.unpack("=I" if linktype == 0 else ">I", frame[:4])[0]
        if fam == 2:
            out = eth(ETH_P_IP, frame[4:])
        elif fam in (10, 24, 28, 30):
            out = eth(ETH_P_IPV6, frame[4:])
    if out is None or len(out) < 14:
        return None
    return out


# --- RFC 1071 ----------------------------------------------------------------

def sum16(data, acc=0):
    """One's complement sum of DATA as big-endian 16-bit words (an odd last
    byte padded with zero), added to ACC, folded to 16 bits (not inverted)."""
    n = len(data) // 2
    acc += sum(struct.unpack(">%dH" % n, data[:2 * n]))
    if len(data) & 1:
        acc += data[-1] << 8
    while acc >> 16:
        acc = (acc & 0xFFFF) + (acc >> 16)
    return acc


def pseudo4(src, dst, proto, length):
    return sum16(src + dst + struct.pack(">BBH", 0, proto, length))


def pseudo6(src, dst, proto, length):
    return sum16(src + dst + struct.pack(">IxxxB", length, proto))


# --- the rules ---------------------------------------------------------------

class Verdict:
    def __init__(self):
        self.reasons = set()
        self.why = []

    def add(self, reason, why):
        self.reasons.add(reason)
        self.why.append(why)


def judge_l4(v, proto, l4, pseudo, v6):
    """Checksum rules for the L4 bytes L4 (exactly the IP payload after the
    extension headers). PSEUDO(length) is the pseudo-header sum, None for
    protocols without one. Returns nothing; fills V."""
    if proto == 6:
        if len(l4) < 20:
            v.add("wire_truncated", "TCP header past the IP payload")
            return
        doff = (l4[12] >> 4) * 4
        if doff < 20 or doff > len(l4):
            v.why.append("TCP data offset %d bogus: not judged" % doff)
            return
        field = struct.unpack(">H", l4[16:18])[0]
        ph = pseudo(len(l4))
        if sum16(l4, ph) != 0xFFFF:
            if field == ph:
                v.add("wire_leaked_partial",
                      "TCP checksum 0x%04x = pseudo-header sum" % field)
            else:
                v.add("wire_l4_bad_csum", "TCP checksum 0x%04x wrong" % field)
    elif proto == 17:
        if len(l4) < 8:
            v.add("wire_truncated", "UDP header past the IP payload")
            return
        ulen, field = struct.unpack(">HH", l4[4:8])
        if ulen < 8 or ulen > len(l4):
            v.add("wire_truncated", "UDP length %d, IP payload %d"
                  % (ulen, len(l4)))
            return
        dport = struct.unpack(">H", l4[2:4])[0]
        if field == 0:
            if v6 and dport not in TUNNEL_PORTS:
                v.add("wire_udp6_zero_csum", "UDP/IPv6 checksum 0")
            return
        ph = pseudo(ulen)
        if sum16(l4[:ulen], ph) != 0xFFFF:
            if field == ph:
                v.add("wire_leaked_partial",
                      "UDP checksum 0x%04x = pseudo-header sum" % field)
            else:
                v.add("wire_l4_bad_csum", "UDP checksum 0x%04x wrong" % field)
    elif (proto == 1 and not v6) or (proto == 58 and v6):
        name = "ICMPv6" if v6 else "ICMP"
        if len(l4) < 8:
            v.add("wire_truncated", "%s header past the IP payload" % name)
            return
        acc = pseudo(len(l4)) if v6 else 0
        if sum16(l4, acc) != 0xFFFF:
            v.add("wire_l4_bad_csum", "%s checksum 0x%04x wrong"
                  % (name, struct.unpack(">H", l4[2:4])[0]))
    else:
        v.why.append("protocol %d: not judged" % proto)


def judge_ipv4(v, ip):
    if len(ip) < 20:
        v.add("wire_truncated", "IPv4 header past the frame")
        return
    if ip[0] >> 4 != 4:
        v.add("wire_truncated", "IPv4 ethertype, version %d" % (ip[0] >> 4))
        return
    ihl = (ip[0] & 0xF) * 4
    if ihl < 20:
        v.add("wire_truncated", "IPv4 ihl %d < 5" % (ihl // 4))
        return
    if ihl > len(ip):
        v.add("wire_truncated", "IPv4 header (ihl %d) past the frame"
              % (ihl // 4))
        return
    if sum16(ip[:ihl]) != 0xFFFF:
        v.add("wire_l3_bad_csum", "IPv4 header checksum 0x%04x wrong"
              % struct.unpack(">H", ip[10:12])[0])
    tot = struct.unpack(">H", ip[2:4])[0]
    if tot > len(ip):
        v.add("wire_truncated", "IPv4 total length %d past the frame (%d)"
              % (tot, len(ip)))
        return
    if tot < ihl:
        v.add("wire_truncated", "IPv4 total length %d < header %d"
              % (tot, ihl))
        return
    frag = struct.unpack(">H", ip[6:8])[0]
    if frag & 0x3FFF:
        v.why.append("IPv4 fragment: L4 not judged")
        return
    src, dst, proto = ip[12:16], ip[16:20], ip[9]
    judge_l4(v, proto, ip[ihl:tot],
             lambda n: pseudo4(src, dst, proto, n), False)


def judge_ipv6(v, ip):
    if len(ip) < 40:
        v.add("wire_truncated", "IPv6 header past the frame")
        return
    if ip[0] >> 4 != 6:
        v.add("wire_truncated", "IPv6 ethertype, version %d" % (ip[0] >> 4))
        return
    plen = struct.unpack(">H", ip[4:6])[0]
    if 40 + plen > len(ip):
        v.add("wire_truncated", "IPv6 payload length %d past the frame (%d)"
              % (plen, len(ip) - 40))
        return
    pkt = ip[:40 + plen]
    src, dst, nh, off = ip[8:24], ip[24:40], ip[6], 40
    while nh in (0, 43, 44, 51, 60):
        if off + 2 > len(pkt):
            v.add("wire_truncated", "extension header %d past the payload" % nh)
            return
        hlen = (pkt[off + 1] + 2) * 4 if nh == 51 else \
            8 if nh == 44 else (pkt[off + 1] + 1) * 8
        if off + hlen > len(pkt):
            v.add("wire_truncated", "extension header %d (%d bytes) past "
                  "the payload" % (nh, hlen))
            return
        h = pkt[off:off + hlen]
        if nh == 43:
            rtype, left = h[2], h[3]
            if left:
                if rtype in (0, 2) and hlen >= 24:
                    dst = h[hlen - 16:hlen] if rtype == 2 else \
                        h[8 + 16 * ((hlen - 8) // 16 - 1):][:16]
                elif rtype == 4 and hlen >= 24:
                    dst = h[8:24]       # segment list[0]: the last segment
                else:
                    v.why.append("routing header type %d, %d left: L4 not "
                                 "judged" % (rtype, left))
                    return
        elif nh == 44:
            fo = struct.unpack(">H", h[2:4])[0]
            if fo & 0xFFF9:
                v.why.append("IPv6 fragment: L4 not judged")
                return
        elif nh == 60:
            # TLV options from byte 2: Pad1 (0) is a lone byte.
            i = 2
            while i < hlen:
                if h[i] == 0:
                    i += 1
                    continue
                if i + 2 > hlen or i + 2 + h[i + 1] > hlen:
                    break
                if h[i] == 0xC9 and h[i + 1] == 16:
                    src = h[i + 2:i + 18]
                i += 2 + h[i + 1]
        nh, off = h[0], off + hlen
    judge_l4(v, nh, pkt[off:], lambda n: pseudo6(src, dst, nh, n), True)


def judge(frame, mtu):
    """Verdict for one Ethernet frame."""
    v = Verdict()
    if len(frame) < 14:
        v.add("wire_truncated", "Ethernet header past the frame")
        return v
    proto, off = struct.unpack(">H", frame[12:14])[0], 14
    for _ in range(2):
        if proto not in VLAN_TPIDS:
            break
        if off + 4 > len(frame):
            v.add("wire_truncated", "VLAN tag past the frame")
            return v
        proto, off = struct.unpack(">H", frame[off + 2:off + 4])[0], off + 4
    if proto not in (ETH_P_IP, ETH_P_IPV6):
        v.why.append("ethertype 0x%04x: not judged" % proto)
        return v
    l3 = frame[off:]
    if len(l3) > mtu:
        v.add("wire_oversize", "L3 %d bytes > MTU %d" % (len(l3), mtu))
    if proto == ETH_P_IP:
        judge_ipv4(v, l3)
    else:
        judge_ipv6(v, l3)
    return v


def analyse(path, mtu, per_frame):
    linktype, raw = read_capture(path)
    out = {"file": path, "linktype": linktype, "frames": 0, "skipped": 0,
           "mtu": mtu, "reasons": {}, "bad_frames": 0}
    frames = []
    for n, f in enumerate(raw, 1):
        e = to_ether(linktype, f)
        if e is None:
            out["skipped"] += 1
            continue
        out["frames"] += 1
        v = judge(e, mtu)
        for r in v.reasons:
            out["reasons"][r] = out["reasons"].get(r, 0) + 1
        out["bad_frames"] += bool(v.reasons)
        frames.append({"n": n, "len": len(e), "reasons": sorted(v.reasons),
                       "why": v.why})
    out["reasons"] = dict(sorted(out["reasons"].items()))
    if per_frame:
        out["per_frame"] = frames
    return out


def compare(capture, path):
    """FILE's replayed frames, in order, against CAPTURE's frames: how many
    arrived byte for byte, and which did not (a capture may hold extra
    frames, e.g. the stack's own; they are passed over)."""
    lt, raw = read_capture(path)
    want = [(n, e) for n, e in ((n, to_ether(lt, f))
                                for n, f in enumerate(raw, 1)) if e]
    clt, craw = read_capture(capture)
    got = [e for e in (to_ether(clt, f) for f in craw) if e]
    equal, missing, i = 0, [], 0
    for n, e in want:
        j = i
        while j < len(got) and got[j] != e:
            j += 1
        if j < len(got):
            equal, i = equal + 1, j + 1
        else:
            missing.append(n)
    out = {"file": path, "capture": capture, "frames": len(want),
           "captured": len(got), "equal": equal, "not_equal": missing}
    if len(got) == len(want):
        # Same number of frames: pair them in order and name the byte
        # offsets that changed (what a repair wrote).
        out["changed"] = {str(n): ([i for i in range(len(e)) if e[i] != g[i]]
                                   if len(e) == len(g) else "length")
                          for (n, e), g in zip(want, got) if e != g}
    return out


def main(argv):
    mtu, per_frame, cmp_with, files = 1500, False, None, []
    it = iter(argv)
    for a in it:
        if a == "--mtu":
            mtu = int(next(it))
        elif a == "--frames":
            per_frame = True
        elif a == "--cmp":
            cmp_with = next(it)
        elif a.startswith("-"):
            sys.stderr.write(__doc__)
            return 2
        else:
            files.append(a)
    if len(files) != 1:
        sys.stderr.write("usage: wire_oracle.py [--mtu N] [--frames] "
                         "[--cmp CAPTURE] FILE\n")
        return 2
    try:
        if cmp_with:
            out = compare(cmp_with, files[0])
        else:
            out = analyse(files[0], mtu, per_frame)
    except (OSError, ValueError, struct.error, IndexError) as e:
        print(json.dumps({"error": str(e)}))
        return 1
    print(json.dumps(out, indent=1 if per_frame else None))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
