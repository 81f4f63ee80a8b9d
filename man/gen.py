#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""
One source, two outputs: man/offguard.8.md becomes the roff man page
offguard.8 and, as markdown, the README's CLI section (between the lines
"<!-- cli:begin -->" and "<!-- cli:end -->"), so the two cannot drift.

The source is a small markdown subset, chosen so that it reads as plain
markdown in the README and maps onto man(7) without guessing:

  <!-- date: YYYY-MM-DD -->  the page's date (.TH); a comment, read only
                            here and left out of the README
  # TITLE                   section (.SH); title-cased in the README
  ## Title                  subsection (.SS)
  text lines                a paragraph (.PP); a blank line ends it
  ```                       a code block, verbatim (.nf/.fi, indented);
                            no markup inside
  - item                    a bullet (.IP), continued by lines indented
                            two spaces; one paragraph per item
  - TERM: description       a tagged paragraph (.TP) when TERM is made
                            only of `code`, *italic*, spaces, commas and
                            | [ ] ... (e.g. "- `--mtu` *N*: ...")
  `code`  **bold**          bold (literal text: commands, options, files)
  *italic*                  italic (what the user replaces: DEV, FILE)
  \\*  \\`                    a literal * or `

In the roff: "\\" becomes \\e, every "-" becomes \\- (options stay
copyable as ASCII), a line starting with "." or "'" is guarded with \\&,
any other non-ASCII character becomes \\[uXXXX].

  gen.py man SRC [--version V]          the man page on stdout
  gen.py readme SRC README              README with the section replaced
                                        on stdout
  gen.py readme SRC README --write      the same, written to README
  gen.py readme SRC README --check      exit 1 with a diff if README's
                                        section is not the generated one
"""
import argparse
import difflib
import os
import re
import sys

BEGIN = "<!-- cli:begin -->"
END = "<!-- cli:end -->"
NOTE = ("<!-- generated from man/offguard.8.md by `make readme-cli`: "
        "edit that file, not this section -->")

# A list item's TERM: code spans, italics and punctuation only.
TERM_RE = re.compile(r"^((?:`[^`]+`|\*[^*]+\*|[ ,|\[\]]|\.\.\.)+): (.*)$",
                     re.S)
DATE_RE = re.compile(r"^<!--\s*date:\s*(\S+)\s*-->$")


class SourceError(Exception):
    pass


def parse(text):
    """Blocks: (kind, payload, line number)."""
    blocks = []
    lines = text.split("\n")
    i = 0
    para = []

    def flush():
        if para:
            blocks.append(("para", " ".join(para), i))
            para.clear()

    while i < len(lines):
        line = lines[i]
        if line.startswith("```"):
            flush()
            start = i
            i += 1
            code = []
            while i < len(lines) and not lines[i].startswith("```"):
                code.append(lines[i])
                i += 1
            if i == len(lines):
                raise SourceError("line %d: code block not closed" %
                                  (start + 1))
            blocks.append(("code", code, start + 1))
        elif line.startswith("<!--"):
            flush()
            m = DATE_RE.match(line.strip())
            if not m:
                raise SourceError("line %d: only <!-- date: X --> comments"
                                  % (i + 1))
            blocks.append(("date", m.group(1), i + 1))
        elif line.startswith("## "):
            flush()
            blocks.append(("sub", line[3:].strip(), i + 1))
        elif line.startswith("# "):
            flush()
            blocks.append(("section", line[2:].strip(), i + 1))
        elif line.startswith("- "):
            flush()
            start = i
            item = [line[2:].strip()]
            while i + 1 < len(lines) and lines[i + 1].startswith("  ") \
                    and lines[i + 1].strip():
                i += 1
                item.append(lines[i].strip())
            blocks.append(("item", " ".join(item), start + 1))
        elif not line.strip():
            flush()
        elif line.startswith((" ", "\t", "#", ">", "|", "* ", "+ ")) or \
                re.match(r"^\d+\. ", line):
            raise SourceError("line %d: outside the subset: %r" %
                              (i + 1, line))
        else:
            para.append(line.strip())
        i += 1
    flush()
    return blocks


def roff_escape(s):
    out = []
    for ch in s:
        if ch == "\\":
            out.append("\\e")
        elif ch == "-":
            out.append("\\-")
        elif ord(ch) > 126:
            out.append("\\[u%04X]" % ord(ch))
        else:
            out.append(ch)
    return "".join(out)


INLINE_RE = re.compile(r"\\([*`\\])|`([^`]+)`|\*\*([^*]+)\*\*|\*([^*]+)\*")


def roff_inline(s, where):
    out = []
    pos = 0
    for m in INLINE_RE.finditer(s):
        rest = s[pos:m.start()]
        if "`" in rest or "*" in rest:
            raise SourceError("%s: unmatched ` or * in %r" % (where, rest))
        out.append(roff_escape(rest))
        if m.group(1):
            out.append(roff_escape(m.group(1)))
        elif m.group(2) is not None:
            out.append("\\fB" + roff_escape(m.group(2)) + "\\fR")
        elif m.group(3) is not None:
            out.append("\\fB" + roff_escape(m.group(3)) + "\\fR")
        else:
            out.append("\\fI" + roff_escape(m.group(4)) + "\\fR")
        pos = m.end()
    rest = s[pos:]
    if "`" in rest or "*" in rest:
        raise SourceError("%s: unmatched ` or * in %r" % (where, rest))
    out.append(roff_escape(rest))
    return guard("".join(out))


def guard(line):
    """A text line must not read as a request."""
    return "\\&" + line if line.startswith((".", "'")) else line


def to_roff(blocks, version, src_name):
    date = ""
    out = ['.\\" SPDX-License-Identifier: GPL-2.0-only',
           '.\\" Generated from %s by man/gen.py: edit that file.' % src_name]
    body = []
    after_heading = False
    for kind, val, line in blocks:
        where = "%s:%d" % (src_name, line)
        if kind == "date":
            date = val
        elif kind == "section":
            body.append('.SH "%s"' % roff_escape(val.upper()))
            after_heading = True
            continue
        elif kind == "sub":
            body.append('.SS "%s"' % roff_escape(val))
            after_heading = True
            continue
        elif kind == "para":
            if not after_heading:
                body.append(".PP")
            body.append(roff_inline(val, where))
        elif kind == "code":
            if not after_heading:
                body.append(".PP")
            body += [".RS 4", ".nf"]
            body += [guard(roff_escape(c)) for c in val]
            body += [".fi", ".RE"]
        elif kind == "item":
            m = TERM_RE.match(val)
            if m:
                body += [".TP", roff_inline(m.group(1), where),
                         roff_inline(m.group(2), where)]
            else:
                body += [".IP \\(bu 2", roff_inline(val, where)]
        after_heading = False
    out.append('.TH OFFGUARD 8 "%s" "offguard %s" "System Administration"'
               % (date, version))
    # Option and file names must not be hyphenated or stretched apart.
    out += [".nh", ".ad l"]
    return "\n".join(out + body) + "\n"


def to_readme_section(src):
    """The source as README markdown: NAME and comments left out,
    headings two levels down, section titles title-cased."""
    out = []
    skip = False
    in_code = False
    for line in src.split("\n"):
        if line.startswith("```"):
            in_code = not in_code
        elif not in_code and line.startswith("# "):
            title = line[2:].strip()
            skip = title.upper() == "NAME"
            if skip:
                continue
            line = "### " + title.capitalize()
        elif not in_code and line.startswith("## "):
            line = "#### " + line[3:].strip()
        elif not in_code and line.startswith("<!--"):
            continue
        if not skip:
            out.append(line)
    while out and not out[0].strip():
        out.pop(0)
    while out and not out[-1].strip():
        out.pop()
    return "\n".join(out) + "\n"


def readme_with_section(readme, section, readme_name):
    lines = readme.split("\n")
    try:
        b = lines.index(BEGIN)
        e = lines.index(END)
    except ValueError:
        raise SourceError("%s: markers %s / %s missing (each on a line of "
                          "its own)" % (readme_name, BEGIN, END))
    if e < b:
        raise SourceError("%s: %s before %s" % (readme_name, END, BEGIN))
    new = lines[:b + 1] + [NOTE, ""] + section.rstrip("\n").split("\n") + \
        [""] + lines[e:]
    return "\n".join(new)


def main():
    ap = argparse.ArgumentParser(
        description="offguard.8 and the README's CLI section from "
                    "man/offguard.8.md")
    sub = ap.add_subparsers(dest="what", required=True)
    m = sub.add_parser("man")
    m.add_argument("src")
    m.add_argument("--version", default="")
    r = sub.add_parser("readme")
    r.add_argument("src")
    r.add_argument("readme")
    g = r.add_mutually_exclusive_group()
    g.add_argument("--write", action="store_true")
    g.add_argument("--check", action="store_true")
    a = ap.parse_args()

    with open(a.src, encoding="utf-8") as f:
        src = f.read()
    try:
        blocks = parse(src)
        if a.what == "man":
            sys.stdout.write(to_roff(blocks, a.version,
                                     os.path.basename(a.src)))
            return 0
        with open(a.readme, encoding="utf-8") as f:
            readme = f.read()
        new = readme_with_section(readme, to_readme_section(src), a.readme)
    except SourceError as e:
        print("gen.py: %s" % e, file=sys.stderr)
        return 1
    if a.check:
        if new == readme:
            return 0
        sys.stderr.writelines(difflib.unified_diff(
            readme.splitlines(True), new.splitlines(True),
            a.readme, a.readme + " (generated from %s)" % a.src))
        print("gen.py: %s: the CLI section differs from %s: edit %s, "
              "then make readme-cli" % (a.readme, a.src, a.src),
              file=sys.stderr)
        return 1
    if a.write:
        if new != readme:
            tmp = a.readme + ".tmp"
            with open(tmp, "w", encoding="utf-8") as f:
                f.write(new)
            os.rename(tmp, a.readme)
        return 0
    sys.stdout.write(new)
    return 0


if __name__ == "__main__":
    sys.exit(main())
