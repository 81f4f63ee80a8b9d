#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
#
# Seed corpus for fuzz_seg: one file per case, in the input layout that
# selftests/fuzz/fuzz_seg.c documents at its top. Generated at build
# time (make fuzz) so no binary blob lives in the tree; the seeds give
# the fuzzer one example of every branch of the recipe, from which
# mutation reaches the combinations.
#
#   gen_seeds.py DIR

import os
import struct
import sys

# Recipe flags (fuzz_seg.c struct fz_recipe).
UDP, IPV6, QINQ, SWAP, FRAG, PAD = 0x01, 0x02, 0x10, 0x20, 0x40, 0x80


def tags(n):
    return (n & 3) << 2


# IPv6 extension kinds (fuzz_seg.c fz_ext()).
HBH, DST, RH2, SRH, RH_OTHER, FRAGH = range(6)

# mss classes: 0 tiny (1 + v % 8), 1 common table, 2 raw, 3 IP-length
# edge, 4 above 0xffff, 5/6 1 + v % 2000, 7 around the payload.
# payload classes: 0 v % 65, 1 k * mss +-1, 2 raw, 3 largest, 4 empty,
# 5-7 v % 3000. fill: 0 random, 1 zeros, 2 0xff, 3 rest of the input.
# sizing: 0 max_segs short, 1 out short, 2 slack, 3 both short, NULL
# out or NULL segs, 4-7 exact.


def recipe(mode=4, flags=0, l3opt=0, l4opt=0, tcp_flags=0x10,
           seq=0x01020304, ip_id=0x1234, mss_class=5, mss=999,
           pay_class=5, pay=2999, fill=0, sizing=4, seed=0x5eed,
           ext=(), damage=None, fix=False, tail=b""):
    b = struct.pack(">BBBBBIHBHBHBBI", mode, flags, l3opt, l4opt,
                    tcp_flags, seq, ip_id, mss_class, mss, pay_class, pay,
                    fill, sizing, seed)
    for kind, lenb, arg in ext:
        b += bytes((kind, lenb, arg))
    if damage is not None:
        b += bytes((len(damage) - 1 | (0x80 if fix else 0),))
        for off, op, val in damage:
            b += struct.pack(">HBB", off, op, val)
    return b + tail


def csum(data):
    if len(data) & 1:
        data += b"\0"
    s = sum(struct.unpack(">%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def raw_tcp4(payload, mss, flags=0x18, typ=1, sizing=4):
    """Raw mode: the frame itself, built here byte by byte."""
    eth = bytes.fromhex("020000000002" "020000000001") + b"\x08\x00"
    tcp = struct.pack(">HHIIBBHHH", 40000, 80, 0xfffffff0, 1, 5 << 4,
                      flags, 65535, 0, 0)
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp) + len(payload),
                     0xfffe, 0x4000, 64, 6, 0, bytes((192, 0, 2, 1)),
                     bytes((192, 0, 2, 2)))
    ip = ip[:10] + struct.pack(">H", csum(ip)) + ip[12:]
    return (struct.pack(">BBHBB", 0, typ, mss, 0, sizing) +
            eth + ip + tcp + payload)


def raw_udp4_runt(mss):
    """A UDP header cut to 4 bytes, IPv4 length telling the truth."""
    eth = bytes.fromhex("020000000002" "020000000001") + b"\x08\x00"
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 24, 1, 0, 64, 17, 0,
                     bytes((192, 0, 2, 1)), bytes((192, 0, 2, 2)))
    return (struct.pack(">BBHBB", 0, 2, mss, 0, 4) + eth + ip +
            struct.pack(">HH", 53, 53))


def raw_udp6(payload, mss):
    eth = bytes.fromhex("020000000002" "020000000001") + b"\x86\xdd"
    udp = struct.pack(">HHHH", 4789, 4789, 8 + len(payload), 0)
    ip = struct.pack(">IHBB16s16s", 0x60000000, len(udp) + len(payload),
                     17, 64, bytes.fromhex("20010db8" + "00" * 11 + "01"),
                     bytes.fromhex("20010db8" + "00" * 11 + "02"))
    return struct.pack(">BBHBB", 0, 2, mss, 0, 4) + eth + ip + udp + payload


SEEDS = {
    # TCP over IPv4
    "tcp4_multi": recipe(pay_class=2, pay=4000),
    "tcp4_short_last": recipe(pay_class=2, pay=4001, l3opt=2, l4opt=3,
                              flags=PAD),
    "tcp4_flags_all": recipe(tcp_flags=0xff, pay_class=2, pay=2999),
    "tcp4_flags_one_seg": recipe(tcp_flags=0x99, mss_class=7, mss=1,
                                 pay_class=2, pay=1000),
    "tcp4_empty": recipe(pay_class=4, tcp_flags=0x11),
    "tcp4_mss_tiny": recipe(mss_class=0, mss=0, pay_class=0, pay=9),
    "tcp4_mss_tiny_64k": recipe(mss_class=0, mss=7, pay_class=3,
                                fill=0xf1),
    "tcp4_64k_1460": recipe(mss_class=1, mss=5, pay_class=3),
    "tcp4_k_segs_plus1": recipe(mss_class=1, mss=0, pay_class=1,
                                pay=0x0203),
    "tcp4_k_segs_minus1": recipe(mss_class=6, mss=332, pay_class=1,
                                 pay=0x0004),
    "tcp4_mss_payload_minus1": recipe(mss_class=7, mss=0, pay_class=2,
                                      pay=777),
    "tcp4_mss_payload_plus1": recipe(mss_class=7, mss=2, pay_class=2,
                                     pay=777),
    "tcp4_id_seq_wrap": recipe(ip_id=0xffff, seq=0xffffff00, mss_class=0,
                               mss=7, pay_class=0, pay=64),
    "tcp4_max_opts": recipe(l3opt=10, l4opt=10, pay_class=2, pay=5000),
    "tcp4_mss_ip_edge": recipe(mss_class=3, mss=1, pay_class=3),
    "tcp4_mss_ip_edge_over": recipe(mss_class=3, mss=2, pay_class=3),
    "tcp4_mss_zero": recipe(mss_class=2, mss=0),
    "tcp4_mss_above_16bit": recipe(mss_class=4, mss=5),
    "tcp4_df": recipe(l3opt=0x40),
    "tcp4_mf": recipe(flags=FRAG, l3opt=0x80),
    "tcp4_frag_offset": recipe(flags=FRAG),
    "tcp4_but_udp": recipe(flags=SWAP),
    "tcp4_vlan": recipe(flags=tags(1)),
    "tcp4_qinq": recipe(flags=tags(2) | QINQ),
    "tcp4_three_tags": recipe(flags=tags(3)),
    "tcp4_input_payload": recipe(fill=3, pay_class=0, pay=63,
                                 tail=bytes(range(256))),
    # UDP_L4 over IPv4
    "udp4_multi": recipe(flags=UDP, mss_class=1, mss=3, pay_class=2,
                         pay=4416),
    "udp4_odd": recipe(flags=UDP, mss_class=6, mss=332, pay_class=2,
                       pay=3333),
    "udp4_zeros": recipe(flags=UDP, fill=1, pay_class=2, pay=3000),
    "udp4_ones": recipe(flags=UDP, fill=2, pay_class=2, pay=3000),
    "udp4_empty": recipe(flags=UDP, pay_class=4),
    "udp4_but_tcp": recipe(flags=UDP | SWAP),
    "udp4_vlan_opts": recipe(flags=UDP | tags(1), l3opt=5),
    # IPv6
    "tcp6_plain": recipe(flags=IPV6, mss_class=1, mss=0, pay_class=2,
                         pay=2856),
    "tcp6_hbh_dst_rh2": recipe(flags=IPV6, l3opt=3, tcp_flags=0x89,
                               ext=((HBH, 0, 0), (DST, 1, 1), (RH2, 0, 1))),
    "tcp6_rh2_done": recipe(flags=IPV6, l3opt=1, ext=((RH2, 0, 0),)),
    "tcp6_srh3_left2": recipe(flags=IPV6, l3opt=1, ext=((SRH, 2, 2),)),
    "tcp6_srh_left0": recipe(flags=IPV6, l3opt=1, ext=((SRH, 1, 0),)),
    "tcp6_rh0_left0": recipe(flags=IPV6, l3opt=1, ext=((RH_OTHER, 0, 0),)),
    "tcp6_rh0_left1": recipe(flags=IPV6, l3opt=1, ext=((RH_OTHER, 0, 2),)),
    "tcp6_rh3_left1": recipe(flags=IPV6, l3opt=1, ext=((RH_OTHER, 0, 3),)),
    "tcp6_rh2_short": recipe(flags=IPV6, l3opt=1, ext=((RH2, 0x81, 1),)),
    "tcp6_two_rh": recipe(flags=IPV6, l3opt=2,
                          ext=((RH2, 0, 1), (SRH, 1, 1))),
    "tcp6_hbh_second": recipe(flags=IPV6, l3opt=2,
                              ext=((DST, 0, 0), (HBH, 0, 0))),
    "tcp6_frag_hdr": recipe(flags=IPV6, l3opt=1, ext=((FRAGH, 0, 0),)),
    "tcp6_ext8": recipe(flags=IPV6, l3opt=8,
                        ext=((HBH, 0, 0),) + ((DST, 0, 0),) * 7),
    "tcp6_ext9": recipe(flags=IPV6, l3opt=9, ext=((DST, 0, 0),) * 9),
    "tcp6_big_ext": recipe(flags=IPV6, l3opt=2,
                           ext=((HBH, 0xff, 1), (DST, 0xff, 1)),
                           mss_class=3, mss=1, pay_class=3),
    "tcp6_qinq_64k": recipe(flags=IPV6 | tags(2), mss_class=1, mss=5,
                            pay_class=3),
    "udp6_multi": recipe(flags=IPV6 | UDP, mss_class=1, mss=1, pay_class=2,
                         pay=4356),
    "udp6_ext_odd": recipe(flags=IPV6 | UDP, l3opt=3, mss_class=6, mss=776,
                           pay_class=2, pay=2555,
                           ext=((HBH, 0, 0), (DST, 0, 0), (RH2, 0, 1))),
    "udp6_srh_zeros": recipe(flags=IPV6 | UDP, l3opt=1, fill=1,
                             ext=((SRH, 0, 1),)),
    # Output sizing: errors must leave out[] and segs[] alone.
    "size_short_segs": recipe(sizing=0, pay_class=2, pay=4000),
    "size_short_out": recipe(sizing=1, pay_class=2, pay=4000),
    "size_slack": recipe(sizing=2 | 8 * 20, pay_class=2, pay=4000),
    "size_null_out": recipe(sizing=3 | 8, pay_class=2, pay=4000),
    "size_both_short": recipe(sizing=3, pay_class=2, pay=4000),
    "size_null_segs": recipe(sizing=3 | 8 * 2, pay_class=2, pay=4000),
    "size_short_out_tiny_mss": recipe(sizing=1, mss_class=0, mss=0,
                                      pay_class=3, fill=0xf0),
    # Damaged recipes: xor, set, truncate, insert.
    "dmg_xor_ethertype": recipe(mode=1, damage=((12, 0, 0x01),)),
    "dmg_set_ihl": recipe(mode=2, damage=((14, 1, 0x4f),)),
    "dmg_truncate": recipe(mode=3, damage=((40, 2, 0),)),
    "dmg_insert": recipe(mode=1, damage=((30, 3, 0x55),)),
    "dmg_tcp_doff": recipe(mode=2, damage=((46, 1, 0xf0), (47, 0, 0xff))),
    "dmg_ipv6_ext": recipe(mode=3, flags=IPV6, l3opt=1,
                           ext=((SRH, 1, 1),), damage=((56, 1, 0x00),)),
    # Cut inside a header, lengths then made to agree with the cut.
    "dmg_cut_srh": recipe(mode=1, flags=IPV6, l3opt=1, ext=((SRH, 0, 1),),
                          damage=((72, 2, 0),), fix=True),
    "dmg_cut_rh2": recipe(mode=1, flags=IPV6 | UDP, l3opt=1,
                          ext=((RH2, 0, 1),), damage=((70, 2, 0),),
                          fix=True),
    "dmg_cut_tcp": recipe(mode=2, l4opt=10, damage=((60, 2, 0),),
                          fix=True),
    "dmg_cut_udp": recipe(mode=3, flags=UDP, damage=((38, 2, 0),),
                          fix=True),
    "dmg_cut_ipv4_opts": recipe(mode=1, l3opt=10, damage=((50, 2, 0),),
                                fix=True),
    # Raw frames.
    "raw_tcp4": raw_tcp4(bytes(range(200)) * 5, 300),
    "raw_tcp4_udp_type": raw_tcp4(bytes(100), 50, typ=2),
    "raw_tcp4_bad_type": raw_tcp4(bytes(100), 50, typ=3),
    "raw_udp6": raw_udp6(bytes(range(256)) * 3, 500),
    "raw_udp4_runt": raw_udp4_runt(100),
    "raw_runt": bytes((0, 1, 0, 100, 0, 4)) + bytes(13),
    "raw_empty": bytes(1),
}


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: gen_seeds.py DIR")
    d = sys.argv[1]
    os.makedirs(d, exist_ok=True)
    for name, data in sorted(SEEDS.items()):
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
