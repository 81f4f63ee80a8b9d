// SPDX-License-Identifier: GPL-2.0-only
/*
 * Programs offguard does not own: the net tests attach them with tc
 * (clsact), as a tcx program and as an XDP program, and check that
 * offguard's attach and detach leave them in place. They pass every packet
 * on to whatever comes next.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("tc")
int og_foreign(struct __sk_buff *skb)
{
	return -1;	/* TC_ACT_UNSPEC: next program / default action */
}

SEC("xdp")
int og_foreign_xdp(struct xdp_md *ctx)
{
	return 2;	/* XDP_PASS */
}

char LICENSE[] SEC("license") = "GPL";
