#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Detach leaves others alone: a foreign cls_bpf filter on clsact (as
# `tc filter add ... bpf da` puts it) and a foreign tcx program (as
# another BPF tool puts it) share both hooks of a device with offguard.
# `offguard detach DEV` and `offguard detach --all` must remove exactly
# offguard's programs, in tcx mode and in --tc-mode clsact, and detaching
# one device must leave offguard on the others.
# OG_TEST_ID is read by lib.sh; option strings ($TSO, $PKT...) are split
# on purpose.
# shellcheck disable=SC2034,SC2086 source-path=SCRIPTDIR
OG_TEST_ID='dt'
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

og_need_root
og_need_tools "$TCX_ATTACH"
skip_if_missing tc dt_all || exit 0
[ -r "$FOREIGN_OBJ" ] || og_skip_all "$FOREIGN_OBJ not built (make)"

og_ns_add NS || exit 1
og_name VA
og_name VB
if ! og_veth "$NS" "$VA" "$NS" "$VB"; then
	og_fail dt_setup "cannot create veth $VA/$VB"
	exit 0
fi

in_ns() { ip netns exec "$NS" "$@"; }

# Names of the programs on DEV's HOOK (ingress|egress), sorted, one line.
tcx_names()
{
	in_ns "$TCX_ATTACH" query "$1" "$2" | awk '{print $2}' | sort | xargs
}

tc_names()
{
	in_ns tc filter show dev "$1" "$2" | grep -o 'name [^ ]*' |
		awk '{print $2}' | sort | xargs
}

# "dev/hook/mode ..." of what `offguard status -j` reports attached.
og_attached()
{
	og "$NS" status -j | "$OG_PY" -c '
import json, sys
doc = json.load(sys.stdin)
print(" ".join(sorted("%s/%s/%s" % (a["ifname"], a["hook"], a["mode"])
               for a in doc.get("attachments", []) if a.get("attached"))))'
}

# Foreign programs on both hooks of VA, both kinds.
if ! in_ns tc qdisc add dev "$VA" clsact ||
   ! in_ns tc filter add dev "$VA" ingress bpf da obj "$FOREIGN_OBJ" sec tc ||
   ! in_ns tc filter add dev "$VA" egress bpf da obj "$FOREIGN_OBJ" sec tc; then
	og_fail dt_foreign_clsact "tc filter add ... bpf da obj $FOREIGN_OBJ failed"
	exit 0
fi
if ! in_ns "$TCX_ATTACH" attach "$VA" ingress "$FOREIGN_OBJ" ||
   ! in_ns "$TCX_ATTACH" attach "$VA" egress "$FOREIGN_OBJ"; then
	og_skip dt_foreign_tcx "cannot attach a tcx program (kernel < 6.6?)"
	exit 0
fi

# foreign_kept NAME: VA carries exactly the foreign programs again.
foreign_kept()
{
	local got

	got="tcx: $(tcx_names "$VA" ingress) / $(tcx_names "$VA" egress); clsact: $(tc_names "$VA" ingress) / $(tc_names "$VA" egress)"
	og_expect "$1" "$got" \
		"tcx: og_foreign / og_foreign; clsact: og_foreign / og_foreign"
}

# --- tcx (default) ------------------------------------------------------------
if ! og "$NS" attach "$VA" "$VB" >/dev/null; then
	og_fail dt_attach "offguard attach $VA $VB failed"
	exit 0
fi
got="tcx: $(tcx_names "$VA" ingress) / $(tcx_names "$VA" egress); clsact: $(tc_names "$VA" ingress) / $(tc_names "$VA" egress)"
og_expect dt_tcx_attached_beside_foreign "$got" \
	"tcx: og_foreign og_tc_ingress / og_foreign og_tc_egress; clsact: og_foreign / og_foreign"
og_expect dt_tcx_status_attached "$(og_attached)" \
	"$VA/tc_egress/tcx $VA/tc_ingress/tcx $VB/tc_egress/tcx $VB/tc_ingress/tcx"

if og "$NS" detach "$VA"; then
	og_pass dt_tcx_detach_dev_exit0
else
	og_fail dt_tcx_detach_dev_exit0 "offguard detach $VA failed"
fi
foreign_kept dt_tcx_detach_dev_foreign_kept
og_expect dt_tcx_detach_dev_other_dev_kept "$(og_attached)" \
	"$VB/tc_egress/tcx $VB/tc_ingress/tcx"
og_expect dt_tcx_detach_dev_other_dev_progs "$(tcx_names "$VB" ingress) / $(tcx_names "$VB" egress)" \
	"og_tc_ingress / og_tc_egress"

og "$NS" attach "$VA" >/dev/null
if og "$NS" detach --all; then
	og_pass dt_tcx_detach_all_exit0
else
	og_fail dt_tcx_detach_all_exit0 "offguard detach --all failed"
fi
foreign_kept dt_tcx_detach_all_foreign_kept
og_expect dt_tcx_detach_all_none_left "$(og_attached)" ""
og_expect dt_tcx_detach_all_other_dev_progs "$(tcx_names "$VB" ingress)/$(tcx_names "$VB" egress)" "/"

# --- clsact mode ----------------------------------------------------------------
if ! og "$NS" attach "$VA" "$VB" --tc-mode clsact >/dev/null; then
	og_fail dt_clsact_attach "offguard attach --tc-mode clsact failed"
	exit 0
fi
got="tcx: $(tcx_names "$VA" ingress) / $(tcx_names "$VA" egress); clsact: $(tc_names "$VA" ingress) / $(tc_names "$VA" egress)"
og_expect dt_clsact_attached_beside_foreign "$got" \
	"tcx: og_foreign / og_foreign; clsact: og_foreign og_tc_ingress / og_foreign og_tc_egress"
og_expect dt_clsact_status_attached "$(og_attached)" \
	"$VA/tc_egress/clsact $VA/tc_ingress/clsact $VB/tc_egress/clsact $VB/tc_ingress/clsact"

if og "$NS" detach "$VA"; then
	og_pass dt_clsact_detach_dev_exit0
else
	og_fail dt_clsact_detach_dev_exit0 "offguard detach $VA failed"
fi
foreign_kept dt_clsact_detach_dev_foreign_kept
og_expect dt_clsact_detach_dev_other_dev_kept "$(og_attached)" \
	"$VB/tc_egress/clsact $VB/tc_ingress/clsact"
if in_ns tc qdisc show dev "$VA" | grep -q clsact; then
	og_pass dt_clsact_detach_dev_qdisc_kept
else
	og_fail dt_clsact_detach_dev_qdisc_kept "the clsact qdisc holding the foreign filters is gone"
fi

og "$NS" attach "$VA" --tc-mode clsact >/dev/null
if og "$NS" detach --all; then
	og_pass dt_clsact_detach_all_exit0
else
	og_fail dt_clsact_detach_all_exit0 "offguard detach --all failed"
fi
foreign_kept dt_clsact_detach_all_foreign_kept
og_expect dt_clsact_detach_all_none_left "$(og_attached)" ""
og_expect dt_clsact_detach_all_other_dev_filters "$(tc_names "$VB" ingress)/$(tc_names "$VB" egress)" "/"

exit 0
