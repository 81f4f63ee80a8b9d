// SPDX-License-Identifier: GPL-2.0-only
/*
 * No programs: loading this object creates offguard's shared maps, with
 * their BTF (so bpftool prints reason and hook names), before any program
 * exists. Every program object then reuses them, and whichever hook is
 * attached first finds its config already in place.
 */
#define OG_CTX_TRACING
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "maps.h"

char LICENSE[] SEC("license") = "GPL";
