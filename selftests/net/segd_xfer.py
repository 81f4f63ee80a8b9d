#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
#
# Traffic ends for segd_lib.sh: bulk TCP with SHA-256 on both sides, and
# UDP_SEGMENT (USO) sends whose every datagram says who it is.
#
#   segd_xfer.py tcp-recv --family 4|6 --port P --out FILE --timeout S
#   segd_xfer.py tcp-send --family 4|6 --dst ADDR --port P --bytes N
#   segd_xfer.py udp-recv --family 4|6 --port P --out FILE --timeout S
#                         --count N --payload N
#   segd_xfer.py udp-send --family 4|6 --dst ADDR --port P --count N
#                         --payload N --gso-size N [--per-send K]
#
# Receivers write FILE (JSON, atomically: FILE.tmp then rename) as soon as
# their socket is bound ("done": false: the "ready" signal), again every
# quarter second with what arrived so far (a stalled transfer still says
# how far it got), and a last time with "done": true. The data is
# deterministic (seeded), and made without per-byte work in Python: the
# sender slices one random block at a moving offset, so the hashes, not
# the generator, are what the CPU spends its time on.
import argparse
import hashlib
import json
import os
import random
import socket
import struct
import sys
import time

BLOCK = 1 << 20
SOL_UDP = 17
UDP_SEGMENT = 103
SO_RCVBUFFORCE = 33
SO_SNDBUFFORCE = 32
MAGIC = 0x6F675564  # "ogUd"
HDR = struct.Struct("!II")  # seq, magic
SEED = 0x0FF6A4D


def write_json(path, doc):
    with open(path + ".tmp", "w") as f:
        json.dump(doc, f)
    os.rename(path + ".tmp", path)


def family(f):
    return socket.AF_INET if f == "4" else socket.AF_INET6


def any_addr(f):
    return "0.0.0.0" if f == "4" else "::"


def tcp_recv(a):
    ls = socket.socket(family(a.family), socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((any_addr(a.family), a.port))
    ls.listen(1)
    deadline = time.monotonic() + a.timeout
    doc = {"done": False, "bytes": 0, "sha256": "", "seconds": 0.0}
    write_json(a.out, doc)
    ls.settimeout(a.timeout)
    try:
        s, _ = ls.accept()
    except socket.timeout:
        doc["error"] = "no connection"
        write_json(a.out, doc)
        return 1
    t0 = time.monotonic()
    s.settimeout(0.25)
    h = hashlib.sha256()
    buf = bytearray(4 << 20)
    mv = memoryview(buf)
    n = 0
    last = t0
    while True:
        try:
            k = s.recv_into(buf)
        except socket.timeout:
            k = -1
        except OSError as e:
            doc["error"] = str(e)
            break
        if k == 0:
            doc["done"] = True
            break
        if k > 0:
            h.update(mv[:k])
            n += k
        now = time.monotonic()
        if now >= deadline:
            doc["error"] = "timeout"
            break
        if now - last >= 0.25:
            doc.update(bytes=n, seconds=now - t0)
            write_json(a.out, doc)
            last = now
    doc.update(bytes=n, seconds=time.monotonic() - t0, sha256=h.hexdigest())
    s.close()
    write_json(a.out, doc)
    return 0 if doc["done"] else 1


def tcp_send(a):
    rnd = random.Random(SEED)
    # 1 MiB of data plus room to slide: chunk i starts at a different
    # offset, so no two chunks in a row are the same bytes.
    block = memoryview(rnd.randbytes(BLOCK + 65536))
    s = socket.create_connection((a.dst, a.port), timeout=30)
    s.settimeout(None)
    h = hashlib.sha256()
    left, i = a.bytes, 0
    while left > 0:
        off = (i * 7919) % 65536
        k = min(BLOCK, left)
        chunk = block[off:off + k]
        h.update(chunk)
        s.sendall(chunk)
        left -= k
        i += 1
    s.shutdown(socket.SHUT_WR)
    # Wait for the receiver's close: every byte is then acknowledged.
    s.settimeout(30)
    try:
        while s.recv(4096):
            pass
    except OSError:
        pass
    s.close()
    print(json.dumps({"bytes": a.bytes, "sha256": h.hexdigest()}))
    return 0


def udp_base(payload):
    # 251 offsets (prime, not a divisor of anything nearby): datagram seq
    # carries base[seq % 251:][:payload - 8], so a payload that landed in
    # another datagram's slot, or a segment boundary off by some bytes,
    # does not compare equal.
    return random.Random(SEED ^ payload).randbytes(payload + 251)


def udp_datagram(base, payload, seq):
    off = seq % 251
    return HDR.pack(seq, MAGIC) + base[off:off + payload - HDR.size]


def udp_recv(a):
    s = socket.socket(family(a.family), socket.SOCK_DGRAM)
    # Everything may arrive in one burst before Python reads a byte.
    s.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 512 << 20)
    s.bind((any_addr(a.family), a.port))
    base = udp_base(a.payload)
    seen = bytearray(a.count)
    doc = {"done": False, "intact": 0, "duplicate": 0, "corrupt": 0,
           "bad_len": 0, "out_of_range": 0, "datagrams": 0, "seconds": 0.0}
    write_json(a.out, doc)
    t0 = time.monotonic()
    deadline = t0 + a.timeout
    first = None
    last = t0
    s.settimeout(0.1)
    tail_end = None
    while True:
        now = time.monotonic()
        if now >= deadline or (tail_end is not None and now >= tail_end):
            break
        try:
            d = s.recv(65536)
        except socket.timeout:
            d = None
        if d is not None:
            if first is None:
                first = time.monotonic()
            doc["datagrams"] += 1
            if len(d) != a.payload:
                doc["bad_len"] += 1
            else:
                seq, magic = HDR.unpack_from(d)
                if magic != MAGIC or seq >= a.count:
                    doc["out_of_range"] += 1
                elif d != udp_datagram(base, a.payload, seq):
                    doc["corrupt"] += 1
                elif seen[seq]:
                    doc["duplicate"] += 1
                else:
                    seen[seq] = 1
                    doc["intact"] += 1
                    if doc["intact"] == a.count:
                        doc["seconds"] = time.monotonic() - first
                        # a little longer: duplicates would come now
                        tail_end = time.monotonic() + 0.3
        if now - last >= 0.25:
            write_json(a.out, doc)
            last = now
    if doc["intact"] < a.count and first is not None:
        doc["seconds"] = time.monotonic() - first
    missing = [i for i in range(a.count) if not seen[i]]
    doc["missing"] = len(missing)
    doc["first_missing"] = missing[:10]
    doc["done"] = True
    write_json(a.out, doc)
    return 0


def udp_send(a):
    if a.payload != a.gso_size:
        print("segd_xfer.py: udp-send: --payload must equal --gso-size "
              "(each segment is one datagram)", file=sys.stderr)
        return 2
    if a.payload < HDR.size:
        print("segd_xfer.py: udp-send: --payload must be >= %d" % HDR.size,
              file=sys.stderr)
        return 2
    # The IP payload length field bounds a send: 65535 less the UDP
    # header (and IPv6's own 40 bytes do not count, IPv4's 20 do).
    room = 65535 - 8 - (20 if a.family == "4" else 0)
    per = max(1, min(a.per_send, room // a.gso_size))
    base = udp_base(a.payload)
    s = socket.socket(family(a.family), socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, SO_SNDBUFFORCE, 64 << 20)
    s.setsockopt(SOL_UDP, UDP_SEGMENT, a.gso_size)
    s.connect((a.dst, a.port))
    sends = 0
    for first in range(0, a.count, per):
        buf = b"".join(udp_datagram(base, a.payload, seq)
                       for seq in range(first, min(first + per, a.count)))
        while True:
            try:
                s.send(buf)
                break
            except (BlockingIOError, OSError) as e:
                if getattr(e, "errno", 0) not in (11, 105):  # EAGAIN, ENOBUFS
                    raise
                time.sleep(0.001)
        sends += 1
    print(json.dumps({"datagrams": a.count, "sends": sends,
                      "per_send": per}))
    return 0


def main():
    p = argparse.ArgumentParser(prog="segd_xfer.py")
    sub = p.add_subparsers(dest="cmd", required=True)
    for name in ("tcp-recv", "tcp-send", "udp-recv", "udp-send"):
        c = sub.add_parser(name)
        c.add_argument("--family", choices=("4", "6"), required=True)
        c.add_argument("--port", type=int, required=True)
        if name.endswith("recv"):
            c.add_argument("--out", required=True)
            c.add_argument("--timeout", type=float, required=True)
        else:
            c.add_argument("--dst", required=True)
        if name == "tcp-send":
            c.add_argument("--bytes", type=int, required=True)
        if name.startswith("udp"):
            c.add_argument("--count", type=int, required=True)
            c.add_argument("--payload", type=int, required=True)
        if name == "udp-send":
            c.add_argument("--gso-size", type=int, required=True)
            c.add_argument("--per-send", type=int, default=64)
    a = p.parse_args()
    return {"tcp-recv": tcp_recv, "tcp-send": tcp_send,
            "udp-recv": udp_recv, "udp-send": udp_send}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
