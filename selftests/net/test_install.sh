#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Packaging: `make install` into temporary DESTDIRs (PREFIX=/usr and the
# default /usr/local) gives exactly the expected tree; a second install
# keeps a modified offguard.conf; the unit passes `systemd-analyze verify`
# and runs offguard with only its capability set; the man page renders
# without a groff warning, documents every command and long option the
# binary has, and the README's CLI section is the one generated from the
# same source (man/offguard.8.md).
# shellcheck disable=SC2034 source-path=SCRIPTDIR
OG_TEST_ID='in'
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

og_need_tools

SRC_MD=$OG_TOP/man/offguard.8.md
GEN=$OG_TOP/man/gen.py
UNIT_SRC=$OG_TOP/packaging/offguard.service
CONF_EX=$OG_TOP/packaging/offguard.conf.example
ROOT=$OG_TMP/root
UNIT=$ROOT/usr/lib/systemd/system/offguard.service
SEGD_UNIT=$ROOT/usr/lib/systemd/system/offguard-segd@.service
MAN=$ROOT/usr/share/man/man8/offguard.8
CONF=$ROOT/etc/offguard/offguard.conf

# do_install DESTDIR [MAKE_VARS...]: make install, output in $OG_TMP/make.log
do_install()
{
	local dest=$1

	shift
	make --no-print-directory -s -C "$OG_TOP" install DESTDIR="$dest" "$@" \
		>"$OG_TMP/make.log" 2>&1
}

# tree DIR: "type path" of everything under DIR, sorted
tree()
{
	(cd "$1" && find . -mindepth 1 -printf '%y %P\n' | LC_ALL=C sort)
}

if ! do_install "$ROOT" PREFIX=/usr; then
	og_fail install_make "make install failed: $(tail -5 "$OG_TMP/make.log" | tr '\n' ' ')"
	exit 0
fi
og_pass install_make

# --- the tree -------------------------------------------------------------
want="d etc
d etc/offguard
f etc/offguard/offguard.conf
f etc/offguard/offguard.conf.example
d usr
d usr/lib
d usr/lib/systemd
d usr/lib/systemd/system
f usr/lib/systemd/system/offguard-segd@.service
f usr/lib/systemd/system/offguard.service
d usr/sbin
f usr/sbin/offguard
d usr/share
d usr/share/man
d usr/share/man/man8
f usr/share/man/man8/offguard.8"
want=$(LC_ALL=C sort <<<"$want")
have_conf=1
if [ ! -f "$CONF_EX" ]; then
	# Until `offguard daemon` lands there is no example to install.
	have_conf=0
	want=$(grep -v ' etc' <<<"$want")
fi
got=$(tree "$ROOT")
if [ "$got" = "$want" ]; then
	og_pass install_tree
else
	og_fail install_tree "$(diff <(echo "$want") <(echo "$got") | grep '^[<>]' | tr '\n' ' ')"
fi

# --- binary ---------------------------------------------------------------
bin=$ROOT/usr/sbin/offguard
if [ -x "$bin" ] && [ "$(stat -c %a "$bin")" = 755 ] &&
	cmp -s "$bin" "$OG_TOP/offguard" &&
	"$bin" --help >"$OG_TMP/help" 2>&1 && grep -q '^usage: offguard' "$OG_TMP/help"; then
	og_pass install_binary
else
	og_fail install_binary "mode $(stat -c %a "$bin" 2>/dev/null), --help: $(head -c 200 "$OG_TMP/help" 2>/dev/null)"
fi

# --- unit -----------------------------------------------------------------
exec_start=$(grep '^ExecStart=' "$UNIT" 2>/dev/null)
if [ "$exec_start" = "ExecStart=/usr/sbin/offguard daemon" ] &&
	! grep -q '@[A-Z_]*@' "$UNIT" && [ "$(stat -c %a "$UNIT")" = 644 ]; then
	og_pass install_unit
else
	og_fail install_unit "'$exec_start', placeholders: $(grep -o '@[A-Z_]*@' "$UNIT" | tr '\n' ' ')"
fi

# --- man page: the installed one is what the source gives now -------------
if "$OG_PY" "$GEN" man "$SRC_MD" --version \
	"$(sed -n 's/^#define OG_VERSION[[:space:]]*"\(.*\)"$/\1/p' "$OG_TOP/user/main.c")" \
	>"$OG_TMP/fresh.8" 2>"$OG_TMP/gen.err" && cmp -s "$OG_TMP/fresh.8" "$MAN"; then
	og_pass install_man
else
	og_fail install_man "installed page differs from man/gen.py's output: $(head -c 200 "$OG_TMP/gen.err")"
fi

# --- configuration: installed once, never overwritten ----------------------
if [ "$have_conf" = 0 ]; then
	og_skip install_conf_kept "packaging/offguard.conf.example not in the tree yet (offguard daemon)"
elif ! cmp -s "$CONF_EX" "$CONF.example" || ! cmp -s "$CONF_EX" "$CONF"; then
	og_fail install_conf_kept "first install: offguard.conf(.example) differ from $CONF_EX"
else
	echo "# local edit $$" >>"$CONF"
	cp "$CONF" "$OG_TMP/conf.edited"
	echo "# stale" >>"$CONF.example"
	if ! do_install "$ROOT" PREFIX=/usr; then
		og_fail install_conf_kept "second make install failed: $(tail -3 "$OG_TMP/make.log" | tr '\n' ' ')"
	elif ! cmp -s "$CONF" "$OG_TMP/conf.edited"; then
		og_fail install_conf_kept "the second install overwrote the modified offguard.conf"
	elif ! cmp -s "$CONF_EX" "$CONF.example"; then
		og_fail install_conf_kept "the second install did not refresh offguard.conf.example"
	else
		og_pass install_conf_kept
	fi
fi

# --- default PREFIX=/usr/local: everything under it, the unit says -c -----
ROOT2=$OG_TMP/root2
if ! do_install "$ROOT2"; then
	og_fail install_prefix_default "make install failed: $(tail -3 "$OG_TMP/make.log" | tr '\n' ' ')"
else
	want2="f usr/local/lib/systemd/system/offguard-segd@.service
f usr/local/lib/systemd/system/offguard.service
f usr/local/sbin/offguard
f usr/local/share/man/man8/offguard.8"
	[ "$have_conf" = 1 ] && want2+="
f usr/local/etc/offguard/offguard.conf
f usr/local/etc/offguard/offguard.conf.example"
	want2=$(LC_ALL=C sort <<<"$want2")
	got2=$(tree "$ROOT2" | grep '^f ')
	es=$(grep '^ExecStart=' "$ROOT2/usr/local/lib/systemd/system/offguard.service")
	want_es="ExecStart=/usr/local/sbin/offguard daemon -c /usr/local/etc/offguard/offguard.conf"
	ses=$(grep '^ExecStart=\|^EnvironmentFile=' \
	      "$ROOT2/usr/local/lib/systemd/system/offguard-segd@.service" | tr '\n' ' ')
	want_ses="EnvironmentFile=/usr/local/etc/offguard/segd-%i.conf ExecStart=/usr/local/sbin/offguard segd \$SEGD_ARGS "
	if [ "$got2" != "$want2" ]; then
		og_fail install_prefix_default "$(diff <(echo "$want2") <(echo "$got2") | grep '^[<>]' | tr '\n' ' ')"
	elif [ "$es" != "$want_es" ]; then
		og_fail install_prefix_default "got '$es', want '$want_es'"
	elif [ "$ses" != "$want_ses" ]; then
		og_fail install_prefix_default "segd unit: got '$ses', want '$want_ses'"
	else
		og_pass install_prefix_default
	fi
fi

# --- systemd-analyze verify -------------------------------------------------
# systemd 252's verify loads the unit and its default dependencies,
# checks that every Exec*= binary exists and is executable, and runs man
# for Documentation=man:offguard(8). --root=DESTDIR does not do: the
# staged tree has no sysinit.target and no /bin/kill (ExecReload), so it
# fails on those. Without --root, ExecStart=/usr/sbin/offguard must exist
# on this host. So: a private mount namespace where the staged usr/sbin is
# bound over /usr/sbin, and MANPATH names the staged man pages; the host's
# units and /bin/kill are the real ones. Unknown keys are only printed
# (exit 0): any output fails the check.
if ! command -v systemd-analyze >/dev/null 2>&1; then
	og_skip unit_verify "systemd-analyze not installed"
elif [ "$(id -u)" != 0 ] || ! command -v unshare >/dev/null 2>&1; then
	og_skip unit_verify "needs root and unshare (a private mount namespace for the staged /usr/sbin)"
else
	# check_unit NAME FILE: unit_NAME verify and unit_NAME security
	check_unit()
	{
		local name=$1 file=$2 rc

		unshare -m --propagation private sh -c \
			'mount --bind "$1/usr/sbin" /usr/sbin &&
			 MANPATH="$1/usr/share/man" exec systemd-analyze verify "$2"' \
			sh "$ROOT" "$file" >"$OG_TMP/verify.out" 2>&1
		rc=$?
		if [ "$rc" = 0 ] && [ ! -s "$OG_TMP/verify.out" ]; then
			og_pass "${name}verify"
		else
			og_fail "${name}verify" "exit $rc: $(head -c 400 "$OG_TMP/verify.out" | tr '\n' ' ')"
		fi
		# The sandbox must not quietly erode: systemd's own exposure
		# score (0 best, 10 worst; CAP_SYS_ADMIN and a host network
		# are most of it).
		if systemd-analyze security --offline=yes --threshold=60 "$file" \
			>"$OG_TMP/security.out" 2>&1; then
			og_pass "${name}security"
		else
			og_fail "${name}security" "$(grep -a 'Overall exposure' "$OG_TMP/security.out") (threshold 6.0)"
		fi
	}
	check_unit unit_ "$UNIT"
	# The segd template, as an instance (verify refuses a bare template).
	cp "$SEGD_UNIT" "$OG_TMP/offguard-segd@test.service"
	check_unit unit_segd_ "$OG_TMP/offguard-segd@test.service"
fi

# --- the unit's capabilities are enough, and CAP_SYS_ADMIN is needed -------
# The daemon runs as root with the unit's CapabilityBoundingSet only.
# setpriv gives a root process the same: bounding set and inheritable set
# cut to it, so exec leaves exactly those. attach --hook all (tc, XDP
# through libxdp, the drop watcher), status, stats and detach run under it
# in a namespace of their own, with the bpffs mounted by offguard itself.
# caps_of_unit FILE: its CapabilityBoundingSet as setpriv's "+bpf,+..."
caps_of_unit()
{
	sed -n 's/^CapabilityBoundingSet=//p' "$1" | tr ' ' '\n' |
		sed -n 's/^CAP_\(.*\)/+\L\1/p' | paste -sd, -
}
if [ "$(id -u)" != 0 ]; then
	og_skip unit_caps "needs root"
elif ! command -v setpriv >/dev/null 2>&1; then
	og_skip unit_caps "setpriv not installed"
else
	caps=$(caps_of_unit "$UNIT")
	og_ns_add NS || exit 1
	og_name DEV
	og_name PEER
	og_veth "$NS" "$DEV" "$NS" "$PEER" || exit 1
	capped() { ip netns exec "$NS" setpriv --bounding-set="-all,$caps" --inh-caps=-all "$@"; }
	if ! capped "$bin" attach "$DEV" --hook all >"$OG_TMP/caps.out" 2>&1; then
		og_fail unit_caps "attach with $caps: $(head -c 300 "$OG_TMP/caps.out")"
	elif ! capped "$bin" status -j >"$OG_TMP/status.json" 2>"$OG_TMP/caps.out" ||
		! "$OG_PY" - "$OG_TMP/status.json" "$DEV" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
hooks = sorted(a["hook"] for a in doc["attachments"]
               if a["ifname"] == sys.argv[2] and a["attached"])
sys.exit(0 if hooks == ["tc_egress", "tc_ingress", "xdp"] else 1)
EOF
	then
		og_fail unit_caps "status with $caps: $(head -c 300 "$OG_TMP/status.json") $(head -c 200 "$OG_TMP/caps.out")"
	elif ! capped "$bin" stats -j >/dev/null 2>"$OG_TMP/caps.out" ||
		! capped "$bin" detach --all >/dev/null 2>>"$OG_TMP/caps.out"; then
		og_fail unit_caps "stats/detach with $caps: $(head -c 300 "$OG_TMP/caps.out")"
	else
		og_pass unit_caps
	fi
	og "$NS" detach --all >/dev/null 2>&1

	# Without CAP_SYS_ADMIN (and with a bpffs already there, so the mount
	# is not what fails) offguard cannot open its programs by id: the
	# attachments it made are not found again.
	nosys=$(sed 's/,+sys_admin//' <<<"$caps")
	og_bpffs_private || exit 1
	ip netns exec "$NS" setpriv --bounding-set="-all,$nosys" --inh-caps=-all \
		"$bin" attach "$DEV" --hook tc-ingress >/dev/null 2>&1
	n=$(ip netns exec "$NS" setpriv --bounding-set="-all,$nosys" --inh-caps=-all \
		"$bin" status -j 2>/dev/null | "$OG_PY" -c '
import json, sys
try:
    doc = json.load(sys.stdin)
except Exception:
    print(0); sys.exit(0)
print(sum(1 for a in doc.get("attachments", []) if a.get("attached")))')
	og "$NS" detach --all >/dev/null 2>&1
	og_expect unit_caps_sys_admin_needed "${n:-0}" 0

	# segd under its unit's capabilities: starts (XDP, tcx, AF_XDP both
	# ways, pins), and SIGTERM ends it with 0.
	segd_caps=$(caps_of_unit "$SEGD_UNIT")
	ip netns exec "$NS" setpriv --bounding-set="-all,$segd_caps" --inh-caps=-all \
		"$bin" segd --in "$DEV" --out "$PEER" >"$OG_TMP/segd.out" 2>&1 &
	spid=$!
	for _ in $(seq 50); do
		grep -q '^segd: running' "$OG_TMP/segd.out" && break
		kill -0 "$spid" 2>/dev/null || break
		sleep 0.1
	done
	kill -TERM "$spid" 2>/dev/null
	wait "$spid"
	rc=$?
	if [ "$rc" = 0 ] && grep -q '^segd: stopped' "$OG_TMP/segd.out"; then
		og_pass unit_segd_caps
	else
		og_fail unit_segd_caps "exit $rc with $segd_caps: $(head -c 300 "$OG_TMP/segd.out")"
	fi
	# Without CAP_IPC_LOCK, under a small RLIMIT_MEMLOCK, the error says so.
	out=$(ip netns exec "$NS" prlimit --memlock=1048576 \
	      setpriv --bounding-set="-all,$(sed 's/,+ipc_lock//' <<<"$segd_caps")" \
	      --inh-caps=-all "$bin" segd --in "$DEV" --out "$PEER" 2>&1)
	case "$out" in
	*"the receive UMEM (64 MiB) is over RLIMIT_MEMLOCK (1024 KiB)"*)
		og_pass unit_segd_memlock_error ;;
	*)
		og_fail unit_segd_memlock_error "$out" ;;
	esac
fi

# --- the man page renders without warnings -----------------------------------
# groff-base and man-db are "important" in Debian (a standard install has
# them) but not in .ci/deps: without them this check skips.
if ! command -v man >/dev/null 2>&1 || ! command -v groff >/dev/null 2>&1; then
	og_skip man_render "man or groff not installed (Debian: man-db, groff-base)"
else
	MANWIDTH=80 man --warnings -l "$MAN" >"$OG_TMP/man.txt" 2>"$OG_TMP/man.err"
	rc=$?
	if [ "$rc" = 0 ] && [ ! -s "$OG_TMP/man.err" ] &&
		grep -q '^SYNOPSIS' "$OG_TMP/man.txt"; then
		og_pass man_render
	else
		og_fail man_render "exit $rc: $(head -c 400 "$OG_TMP/man.err" | tr '\n' ' ')"
	fi
fi

# --- the man page documents the binary's commands and long options -----------
# Every command `offguard help` lists is in SYNOPSIS and has its own
# subsection under COMMANDS, and every long option of its --help is in
# that subsection.
"$bin" help >"$OG_TMP/help" 2>&1
cmds=$(sed -n '/^Commands/,/^$/s/^  \([a-z]\+\) .*/\1/p' "$OG_TMP/help")
for c in $cmds; do
	"$bin" "$c" --help >"$OG_TMP/help.$c" 2>&1
done
if missing=$("$OG_PY" - "$SRC_MD" "$OG_TMP" $cmds <<'EOF'
import re, sys
src, tmp, cmds = sys.argv[1], sys.argv[2], sys.argv[3:]
text = open(src).read()
syn = re.search(r"^# SYNOPSIS\n(.*?)^# ", text, re.S | re.M)
syn = syn.group(1) if syn else ""
subs = dict(re.findall(r"^## (\S+)\n(.*?)(?=^##? |\Z)", text, re.S | re.M))
miss = []
if not cmds:
    miss.append("no commands in offguard help")
for c in cmds:
    if not re.search(r"^offguard %s\b" % c, syn, re.M):
        miss.append("%s: not in SYNOPSIS" % c)
    if c not in subs:
        miss.append("%s: no '## %s' under COMMANDS" % (c, c))
        continue
    for o in sorted(set(re.findall(r"(?<![\w-])--[a-z][a-z-]*",
                                   open("%s/help.%s" % (tmp, c)).read()))):
        if o != "--help" and not re.search(r"`%s`" % re.escape(o), subs[c]):
            miss.append("%s %s" % (c, o))
print(", ".join(miss))
sys.exit(1 if miss else 0)
EOF
); then
	og_pass man_documents_cli
else
	og_fail man_documents_cli "missing in man/offguard.8.md: $missing"
fi

# --- README's CLI section is the generated one --------------------------------
if "$OG_PY" "$GEN" readme "$SRC_MD" "$OG_TOP/README.md" --check \
	>/dev/null 2>"$OG_TMP/readme.diff"; then
	og_pass readme_cli_in_sync
else
	og_fail readme_cli_in_sync "README.md's CLI section is not man/offguard.8.md's (make readme-cli): $(grep '^[-+][^-+]' "$OG_TMP/readme.diff" | head -3 | tr '\n' ' ')"
fi

exit 0
