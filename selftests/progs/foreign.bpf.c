// SPDX-License-Identifier: GPL-2.0-only
/*
 * A program offguard does not own: the net tests attach it with tc (clsact)
 * and as a tcx program and check that offguard's detach leaves it in place.
 * It passes every packet on to whatever comes next.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("tc")
int og_foreign(struct __sk_buff *skb)
{
	return -1;	/* TC_ACT_UNSPEC: next program / default action */
}

char LICENSE[] SEC("license") = "GPL";
