/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The context the shared packet code (parse.h, pkt_csum.h) runs on. Both
 * __sk_buff and xdp_md expose the linear bytes as data/data_end, and the
 * load helpers take the same arguments, so one source serves the tc and
 * the XDP programs: an XDP object defines OG_CTX_XDP before including
 * anything, a tracing object (no packet context) OG_CTX_TRACING. Global
 * functions are verified per object, against its context type.
 */
#ifndef OG_BPF_CTX_H
#define OG_BPF_CTX_H

#if defined(OG_CTX_XDP)
#define og_ctx			xdp_md
#define og_load_bytes		bpf_xdp_load_bytes
#elif defined(OG_CTX_TRACING)
/* Tracing programs read kernel memory, not a packet context. */
#else
#define og_ctx			__sk_buff
#define og_load_bytes		bpf_skb_load_bytes
#endif

#endif /* OG_BPF_CTX_H */
