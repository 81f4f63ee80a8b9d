/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A small pcapng writer (draft-ietf-opsawg-pcapng): one Section Header
 * Block, one Interface Description Block per (ifindex, link type), and
 * Enhanced Packet Blocks with nanosecond timestamps and a comment. It
 * knows nothing of BPF, so the unit tests exercise it as it runs.
 *
 * Blocks are written in host byte order, which the format allows (the
 * SHB's byte-order magic tells readers); the section length is left
 * "unknown" (-1) because the file is written as a stream. Every function
 * returns 0 (or an interface id) on success and -errno on failure; the
 * first failure sticks, so a caller may check only og_pcapng_close().
 * Messages are the caller's: it knows the file name.
 */
#ifndef OG_PCAPNG_H
#define OG_PCAPNG_H

#include <stdio.h>
#include <linux/types.h>

/* Link types (tcpdump.org/linktypes.html). */
#define OG_LINKTYPE_ETHERNET	1
#define OG_LINKTYPE_RAW		101	/* starts at the IPv4/IPv6 header */

/* Block types and option codes, for the writer and for readers in tests. */
#define OG_PCAPNG_SHB		0x0A0D0D0AU
#define OG_PCAPNG_IDB		0x00000001U
#define OG_PCAPNG_EPB		0x00000006U
#define OG_PCAPNG_BOM		0x1A2B3C4DU
#define OG_PCAPNG_OPT_END	0
#define OG_PCAPNG_OPT_COMMENT	1
#define OG_PCAPNG_SHB_USERAPPL	4
#define OG_PCAPNG_IF_NAME	2
#define OG_PCAPNG_IF_TSRESOL	9

/* Longest comment an option can hold (16-bit length). */
#define OG_PCAPNG_COMMENT_MAX	0xffffU

struct og_pcapng_if {
	__u32	ifindex;
	__u16	linktype;
};

struct og_pcapng {
	FILE			*f;
	int			err;		/* first failure, -errno */
	struct og_pcapng_if	*ifs;		/* index = interface id */
	unsigned int		nr_ifs, cap_ifs;
	__u8			*buf;		/* one block being built */
	size_t			buf_cap;
	__u64			packets;
};

/*
 * Take over f (open for writing, positioned at its start) and write the
 * Section Header Block; appl (may be NULL) goes in shb_userappl.
 */
int og_pcapng_open(struct og_pcapng *w, FILE *f, const char *appl);

/*
 * Interface id for (ifindex, linktype), writing its Interface Description
 * Block (if_name = name unless NULL, if_tsresol = nanoseconds) the first
 * time the pair is seen.
 */
int og_pcapng_iface(struct og_pcapng *w, __u32 ifindex, __u16 linktype,
		    const char *name, __u32 snaplen);

/*
 * One Enhanced Packet Block: caplen bytes of data captured out of a packet
 * of len bytes, at ts_ns nanoseconds since the epoch; comment (NULL or ""
 * for none) goes in opt_comment. -EINVAL: caplen > len or unknown if_id;
 * -EMSGSIZE: comment longer than OG_PCAPNG_COMMENT_MAX.
 */
int og_pcapng_packet(struct og_pcapng *w, unsigned int if_id, __u64 ts_ns,
		     const void *data, __u32 caplen, __u32 len,
		     const char *comment);

/* Push what is buffered to the file (readers see whole blocks). */
int og_pcapng_flush(struct og_pcapng *w);

/*
 * Flush, close the FILE and free everything, whatever failed before:
 * returns the first failure of the writer's life, or of the close.
 */
int og_pcapng_close(struct og_pcapng *w);

#endif /* OG_PCAPNG_H */
