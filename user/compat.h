/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Kernel ABI values newer than the uapi headers offguard is built against.
 * Debian 12 ships 6.1 uapi and libbpf 1.1, both older than tcx (6.6), but
 * the running kernel is what matters: these numbers are ABI and never
 * change, so offguard defines them itself rather than requiring new headers.
 */
#ifndef OG_COMPAT_H
#define OG_COMPAT_H

#include <linux/bpf.h>

/* enum bpf_attach_type, include/uapi/linux/bpf.h (6.6+) */
#define OG_BPF_TCX_INGRESS	46
#define OG_BPF_TCX_EGRESS	47

/* BPF_PROG_ATTACH flags for multi-program (bpf_mprog) attach points */
#define OG_BPF_F_BEFORE		(1U << 3)
#define OG_BPF_F_AFTER		(1U << 4)

/* include/uapi/linux/magic.h */
#define OG_BPF_FS_MAGIC		0xcafe4a11

/*
 * offguard's own cls_bpf filter identity on clsact. A fixed handle and
 * priority let detach remove exactly our filter (bpf_tc_detach deletes by
 * handle+priority) and let discovery find it again with bpf_tc_query.
 * Ingress priority 1 runs before other filters (it sees the metadata as
 * delivered); egress 0xfff0 runs after most others (last look before the
 * driver).
 */
#define OG_TC_HANDLE		0x0ff6
#define OG_TC_PRIO_INGRESS	1
#define OG_TC_PRIO_EGRESS	0xfff0

#endif /* OG_COMPAT_H */
