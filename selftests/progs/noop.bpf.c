// SPDX-License-Identifier: GPL-2.0-only
/* Baseline for benchmarks: a tc program that does nothing. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("tc")
int og_noop(struct __sk_buff *ctx)
{
	return -1;	/* TC_ACT_UNSPEC */
}

char LICENSE[] SEC("license") = "GPL";
