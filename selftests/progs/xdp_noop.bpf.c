// SPDX-License-Identifier: GPL-2.0-only
/*
 * Baseline for the XDP benchmarks: an XDP program that does nothing.
 * Multi-buffer aware (xdp.frags) like og_xdp, so both are handed the same
 * buffers and the difference of their run times is offguard's work.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("xdp.frags")
int og_xdp_noop(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
