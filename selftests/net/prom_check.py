#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
#
# A strict reader of the Prometheus text exposition format 0.0.4, written
# from the format's description for test_prometheus.sh, so that the test
# does not depend on promtool (not installed everywhere) and is stricter
# than a scraper, which skips what it cannot read.
#
#   prom_check.py check FILE         grammar, then offguard's conventions
#   prom_check.py compare PROM JSON  every number equals `stats -j`'s
#   prom_check.py self-test          the reader refuses what it must
#   prom_check.py get FILE NAME [LABEL=VALUE...]
#                                    the value of the one sample of NAME
#                                    with those labels (others any), as
#                                    text; "none" or "ambiguous"
#   prom_check.py labels FILE LABEL  the values LABEL takes, sorted, one
#                                    a line, repr()-quoted
#
# Grammar: lines end in '\n' (the last one too), UTF-8. '# HELP name text'
# (escapes \\ and \n only), '# TYPE name counter|gauge|histogram|summary|
# untyped', other '#' lines are comments, empty lines are ignored. A sample
# is name[{label="value",...[,]}] value [timestamp]: name
# [a-zA-Z_:][a-zA-Z0-9_:]*, label [a-zA-Z_][a-zA-Z0-9_]* not starting with
# __, value escapes \\ \" \n only, value a float (Inf, NaN with a sign or
# not), timestamp an integer (ms). At most one HELP and one TYPE per family,
# both before its first sample; a family's lines are contiguous; no two
# samples of the same series; a histogram/summary's samples use their
# suffixes. offguard's conventions on top: every family has HELP and TYPE,
# no timestamps (node_exporter's textfile collector refuses them), names
# start with offguard_, counters end in _total and are integers >= 0.
import json
import math
import re
import sys

NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
LABEL = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
FLOAT = re.compile(r"[+-]?(?:(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|Inf|NaN)")
INT = re.compile(r"-?[0-9]+")
TYPES = ("counter", "gauge", "histogram", "summary", "untyped")


class ParseError(Exception):
    pass


def unescape(s, quote_ok, where):
    out, i = [], 0
    while i < len(s):
        c = s[i]
        if c == "\\":
            if i + 1 >= len(s):
                raise ParseError("%s: backslash at the end" % where)
            n = s[i + 1]
            if n == "\\":
                out.append("\\")
            elif n == "n":
                out.append("\n")
            elif n == '"' and quote_ok:
                out.append('"')
            else:
                raise ParseError("%s: bad escape \\%s" % (where, n))
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


def family_of(name, types):
    """The family a sample name belongs to, by the TYPEs seen."""
    for suf, kinds in (("_bucket", ("histogram",)), ("_sum", ("histogram", "summary")),
                       ("_count", ("histogram", "summary"))):
        if name.endswith(suf) and types.get(name[: -len(suf)]) in kinds:
            return name[: -len(suf)]
    return name


def parse_sample(line, no):
    where = "line %d" % no
    m = NAME.match(line)
    if not m:
        raise ParseError("%s: no metric name: %r" % (where, line))
    name, i = m.group(0), m.end()
    labels = {}

    def blanks(k):
        while k < len(line) and line[k] in " \t":
            k += 1
        return k

    if line[blanks(i) : blanks(i) + 1] == "{":
        i = blanks(i) + 1
        while True:
            i = blanks(i)
            if i < len(line) and line[i] == "}":
                i += 1
                break
            m = LABEL.match(line, i)
            if not m:
                raise ParseError("%s: bad label name at %r" % (where, line[i:]))
            lname = m.group(0)
            if lname.startswith("__"):
                raise ParseError("%s: reserved label name %s" % (where, lname))
            if lname in labels:
                raise ParseError("%s: label %s twice" % (where, lname))
            i = blanks(m.end())
            if line[i : i + 1] != "=" or line[blanks(i + 1) : blanks(i + 1) + 1] != '"':
                raise ParseError("%s: label %s: want =\"" % (where, lname))
            i = blanks(i + 1) + 1
            j = i
            while j < len(line) and line[j] != '"':
                j += 2 if line[j] == "\\" else 1
            if j >= len(line):
                raise ParseError("%s: label %s: unterminated value" % (where, lname))
            labels[lname] = unescape(line[i:j], True, "%s label %s" % (where, lname))
            i = blanks(j + 1)
            if i < len(line) and line[i] == ",":
                i += 1
            elif i < len(line) and line[i] == "}":
                continue
            else:
                raise ParseError("%s: want , or } after label %s" % (where, lname))
    rest = line[i:]
    if not rest or rest[0] not in " \t":
        raise ParseError("%s: want a blank before the value: %r" % (where, line))
    parts = rest.split()
    if len(parts) not in (1, 2):
        raise ParseError("%s: want value [timestamp]: %r" % (where, rest))
    if not FLOAT.fullmatch(parts[0]):
        raise ParseError("%s: bad value %r" % (where, parts[0]))
    value = float(parts[0].replace("Inf", "inf").replace("NaN", "nan"))
    ts = None
    if len(parts) == 2:
        if not INT.fullmatch(parts[1]):
            raise ParseError("%s: bad timestamp %r" % (where, parts[1]))
        ts = int(parts[1])
    return name, labels, parts[0], value, ts


def parse(data):
    """bytes -> {"families": {name: {"type","help","samples":[...]}}}"""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ParseError("not UTF-8: %s" % e)
    if text and not text.endswith("\n"):
        raise ParseError("the last line has no newline")
    if "\r" in text:
        raise ParseError("carriage return in the text")
    fams, types, order, series = {}, {}, [], set()
    current = None          # the family whose lines are being read
    for no, line in enumerate(text.split("\n")[:-1], 1):
        if not line.strip():
            continue
        if line.startswith("#"):
            tok = line[1:].lstrip(" \t").split(None, 2) if line[1:2] in (" ", "\t") else []
            if len(tok) >= 2 and tok[0] in ("HELP", "TYPE"):
                kind, name = tok[0], tok[1]
                if not NAME.fullmatch(name):
                    raise ParseError("line %d: bad metric name %r in %s" % (no, name, kind))
                f = fams.setdefault(name, {"type": None, "help": None, "samples": []})
                if name not in order:
                    order.append(name)
                elif current != name:
                    raise ParseError("line %d: %s %s: family %s is not contiguous" % (no, kind, name, name))
                current = name
                if f["samples"]:
                    raise ParseError("line %d: %s %s after its samples" % (no, kind, name))
                if kind == "HELP":
                    if f["help"] is not None:
                        raise ParseError("line %d: second HELP for %s" % (no, name))
                    f["help"] = unescape(tok[2] if len(tok) > 2 else "", False, "line %d HELP" % no)
                else:
                    if f["type"] is not None:
                        raise ParseError("line %d: second TYPE for %s" % (no, name))
                    if len(tok) != 3 or tok[2] not in TYPES:
                        raise ParseError("line %d: bad TYPE line %r" % (no, line))
                    f["type"] = types[name] = tok[2]
            continue        # any other comment
        name, labels, raw, value, ts = parse_sample(line, no)
        fam = family_of(name, types)
        f = fams.get(fam)
        if f is None:
            f = fams[fam] = {"type": None, "help": None, "samples": []}
            order.append(fam)
        elif current != fam:
            raise ParseError("line %d: sample of %s: family %s is not contiguous" % (no, name, fam))
        current = fam
        key = (name, tuple(sorted(labels.items())))
        if key in series:
            raise ParseError("line %d: duplicate series %s%s" % (no, name, labels))
        series.add(key)
        f["samples"].append({"name": name, "labels": labels, "raw": raw,
                             "value": value, "ts": ts, "line": no})
    return {"families": fams, "order": order}


def conventions(doc):
    """offguard's own rules on a parsed exposition; returns problems."""
    bad = []
    for name in doc["order"]:
        f = doc["families"][name]
        if not name.startswith("offguard_"):
            bad.append("%s: not an offguard_ name" % name)
        if f["help"] is None or f["type"] is None:
            bad.append("%s: no HELP or TYPE" % name)
        if not f["samples"]:
            bad.append("%s: HELP/TYPE without samples" % name)
        if f["type"] == "counter" and not name.endswith("_total"):
            bad.append("%s: counter not ending in _total" % name)
        if f["type"] != "counter" and name.endswith("_total"):
            bad.append("%s: _total on a %s" % (name, f["type"]))
        for s in f["samples"]:
            if s["ts"] is not None:
                bad.append("line %d: timestamp (the textfile collector refuses it)" % s["line"])
            if f["type"] == "counter":
                v = s["value"]
                if math.isnan(v) or math.isinf(v) or v < 0 or v != int(v) \
                        or not re.fullmatch(r"[0-9]+", s["raw"]):
                    bad.append("line %d: counter %s is %s: want an integer >= 0" %
                               (s["line"], s["name"], s["raw"]))
    return bad


def cmd_check(path):
    try:
        doc = parse(open(path, "rb").read())
    except ParseError as e:
        print("parse error: %s" % e)
        return 1
    bad = conventions(doc)
    for b in bad:
        print(b)
    if bad:
        return 1
    n = sum(len(f["samples"]) for f in doc["families"].values())
    print("ok %d families %d samples" % (len(doc["order"]), n))
    return 0


def expected_from_json(doc):
    """stats -j -> {(name, labels tuple): value}, as the exposition must hold."""
    want = {}

    def put(name, base, v, extra=None):
        lab = dict(base)
        if extra:
            lab[extra[0]] = extra[1]
        want[(name, tuple(sorted(lab.items())))] = v

    for d in doc["devices"]:
        # both outputs write a byte of a name that is not UTF-8 as the
        # text \xNN; the round trip below is a no-op for them
        raw = (d["ifname"] or "").encode("utf-8", "surrogateescape")
        dev = raw.decode("utf-8", "backslashreplace")
        for hook, h in d["hooks"].items():
            base = {"device": dev, "ifindex": str(d["ifindex"]), "hook": hook}
            if h.get("policy"):
                put("offguard_policy_info", base, 1, ("policy", h["policy"]))
            if hook != "kdrop":
                put("offguard_packets_total", base, h["packets"])
                put("offguard_bytes_total", base, h["bytes"])
                put("offguard_l4_verified_total", base, h["l4_verified"])
            if "csum" in h:
                for k, v in h["csum"].items():
                    put("offguard_csum_packets_total", base, v, ("state", k))
                g = h["gso"]
                types = ("tcpv4", "tcpv6", "udp_l4", "other")
                for k in types:
                    put("offguard_gso_packets_total", base, g[k], ("type", k))
                if sum(g[k] for k in types) != g["packets"]:
                    raise ValueError("%s %s: gso types do not add up to gso.packets" % (dev, hook))
                put("offguard_gso_segments_total", base, g["segs"])
                put("offguard_dodgy_packets_total", base, g["dodgy"])
                var = h["reasons"].get("partial_bad_seed", {}).get("variants", {})
                for k in ("full_csum", "lengthless_seed", "zero", "other"):
                    put("offguard_seed_variant_packets_total", base, var.get(k, 0),
                        ("variant", k))
            for r, c in h["reasons"].items():
                for f in ("packets", "bytes", "repaired", "dropped"):
                    put("offguard_reason_%s_total" % f, base, c[f], ("reason", r))
    return want


def cmd_compare(prom, js):
    doc = parse(open(prom, "rb").read())
    j = json.loads(open(js, "rb").read().decode("utf-8", "surrogateescape"))
    want = expected_from_json(j)
    got = {}
    for name, f in doc["families"].items():
        for s in f["samples"]:
            if s["name"] == "offguard_snapshot_timestamp_seconds":
                continue
            got[(s["name"], tuple(sorted(s["labels"].items())))] = s["value"]
    bad = []
    for k in sorted(set(want) | set(got)):
        if k not in got:
            bad.append("missing %s%s = %s" % (k[0], dict(k[1]), want[k]))
        elif k not in want:
            bad.append("extra %s%s = %s" % (k[0], dict(k[1]), got[k]))
        elif got[k] != want[k]:
            bad.append("%s%s: %s, -j says %s" % (k[0], dict(k[1]), got[k], want[k]))
    for b in bad[:10]:
        print(b)
    if bad:
        return 1
    print("equal %d series" % len(want))
    return 0


# (name, text, must parse, conventions must pass)
CASES = [
    ("minimal", '# HELP offguard_a_total A.\n# TYPE offguard_a_total counter\noffguard_a_total 3\n', True, True),
    ("labels, escapes, trailing comma",
     '# HELP offguard_a_total A \\\\ b\\n.\n# TYPE offguard_a_total counter\n'
     'offguard_a_total{device="a\\"b\\\\c\\nd",hook="x",} 3\n', True, True),
    ("no labels braces", "offguard_b {} 1\n", True, False),
    ("blanks inside braces", 'x { a="1" , b="2" } 1\n', True, False),
    ("blanks around =", 'x{a = "1"} 1\n', True, False),
    ("two =", 'x{a="1"="2"} 1\n', False, False),
    ("untyped with Inf NaN and timestamp",
     "x 1\ny +Inf\nz -Inf 123\nw NaN -5\nv 1.5e-3\nu .5\n", True, False),
    ("histogram suffixes",
     '# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 2\nh_sum 3\nh_count 2\n', True, False),
    ("empty lines and comments", "# a comment\n\nx 1\n#\n", True, False),
    ("bad metric name", "1x 1\n", False, False),
    ("bad label name", 'x{1a="b"} 1\n', False, False),
    ("reserved label name", 'x{__name__="b"} 1\n', False, False),
    ("unquoted label value", "x{a=b} 1\n", False, False),
    ("unescaped quote", 'x{a="b"c"} 1\n', False, False),
    ("bad label escape", 'x{a="\\t"} 1\n', False, False),
    ("bad HELP escape", "# HELP x a \\t\nx 1\n", False, False),
    ("label twice", 'x{a="1",a="2"} 1\n', False, False),
    ("missing comma", 'x{a="1" b="2"} 1\n', False, False),
    ("unterminated value", 'x{a="1} 1\n', False, False),
    ("bad value", "x 1.2.3\n", False, False),
    ("hex value", "x 0x10\n", False, False),
    ("value missing", "x\n", False, False),
    ("bad timestamp", "x 1 1.5\n", False, False),
    ("extra token", "x 1 2 3\n", False, False),
    ("no final newline", "x 1", False, False),
    ("duplicate series", 'x{a="1"} 1\nx{a="1"} 2\n', False, False),
    ("TYPE after sample", "x 1\n# TYPE x counter\n", False, False),
    ("two TYPEs", "# TYPE x counter\n# TYPE x gauge\nx 1\n", False, False),
    ("two HELPs", "# HELP x a\n# HELP x b\nx 1\n", False, False),
    ("bad type", "# TYPE x countr\nx 1\n", False, False),
    ("not contiguous", 'x{a="1"} 1\ny 1\nx{a="2"} 1\n', False, False),
    ("not UTF-8", b'x{a="\xff"} 1\n', False, False),
    ("CRLF", "x 1\r\n", False, False),
    ("negative counter", "# HELP offguard_a_total A.\n# TYPE offguard_a_total counter\noffguard_a_total -1\n", True, False),
    ("fractional counter", "# HELP offguard_a_total A.\n# TYPE offguard_a_total counter\noffguard_a_total 1.5\n", True, False),
    ("counter without _total", "# HELP offguard_a A.\n# TYPE offguard_a counter\noffguard_a 1\n", True, False),
    ("timestamp refused", "# HELP offguard_a_total A.\n# TYPE offguard_a_total counter\noffguard_a_total 1 5\n", True, False),
    ("no HELP", "# TYPE offguard_a_total counter\noffguard_a_total 1\n", True, False),
]


def cmd_self_test():
    bad = 0
    for name, text, parses, clean in CASES:
        data = text if isinstance(text, bytes) else text.encode()
        try:
            doc = parse(data)
            ok_parse, ok_conv = True, not conventions(doc)
        except ParseError:
            ok_parse, ok_conv = False, False
        if ok_parse != parses or (parses and ok_conv != clean):
            print("self-test %s: parses %s (want %s), conventions %s (want %s)" %
                  (name, ok_parse, parses, ok_conv, clean))
            bad += 1
    if not bad:
        print("ok %d cases" % len(CASES))
    return 1 if bad else 0


def cmd_get(path, name, want):
    doc = parse(open(path, "rb").read())
    want = dict(w.split("=", 1) for w in want)
    hits = [s for f in doc["families"].values() for s in f["samples"]
            if s["name"] == name and all(s["labels"].get(k) == v for k, v in want.items())]
    print(hits[0]["raw"] if len(hits) == 1 else "none" if not hits else "ambiguous")
    return 0


def cmd_labels(path, label):
    doc = parse(open(path, "rb").read())
    vals = {s["labels"][label] for f in doc["families"].values() for s in f["samples"]
            if label in s["labels"]}
    for v in sorted(vals):
        print(repr(v))
    return 0


if __name__ == "__main__":
    a = sys.argv[1:]
    if a[:1] == ["get"] and len(a) >= 3:
        sys.exit(cmd_get(a[1], a[2], a[3:]))
    if a[:1] == ["labels"] and len(a) == 3:
        sys.exit(cmd_labels(a[1], a[2]))
    if a[:1] == ["check"] and len(a) == 2:
        sys.exit(cmd_check(a[1]))
    if a[:1] == ["compare"] and len(a) == 3:
        sys.exit(cmd_compare(a[1], a[2]))
    if a == ["self-test"]:
        sys.exit(cmd_self_test())
    print(__doc__ or "usage: prom_check.py check FILE | compare PROM JSON | self-test")
    sys.exit(2)
