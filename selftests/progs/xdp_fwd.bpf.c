// SPDX-License-Identifier: GPL-2.0-only
/*
 * The XDP fast path segd exists for, without segd: every frame is
 * redirected to one device. A super-frame larger than that device's MTU
 * cannot be sent (an XDP redirect has no GSO) and is dropped by the
 * kernel, which is what the tests show stalling a transfer.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

const volatile __u32 fwd_ifindex = 0;

SEC("xdp.frags")
int og_xdp_fwd(struct xdp_md *ctx)
{
	return bpf_redirect(fwd_ifindex, 0);
}

char LICENSE[] SEC("license") = "GPL";
