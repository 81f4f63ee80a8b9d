/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The shared capture corpus as the prog tests read it: Zeek's checksum
 * traces, one Ethernet frame each, in classic pcap.
 */
#ifndef OG_SELFTESTS_CORPUS_H
#define OG_SELFTESTS_CORPUS_H

#include <errno.h>
#include <stdio.h>
#include <linux/types.h>

/* Below the repository root: ../shared is its sibling. */
#define CORPUS_CHKSUMS	"/../shared/corpus/pcap/zeek/chksums/"

/*
 * The first frame of a classic pcap in host byte order with link type
 * Ethernet (the traces are) into buf: its length, -1 if the file is not
 * that or the frame does not fit, -errno if it cannot be opened.
 */
static inline int pcap_first_ether(const char *path, __u8 *buf, size_t cap)
{
	__u32 hdr[6], rec[4];
	FILE *f = fopen(path, "rb");
	int len = -1;

	if (!f)
		return -errno;
	if (fread(hdr, sizeof(hdr), 1, f) == 1 && hdr[0] == 0xa1b2c3d4 &&
	    hdr[5] == 1 && fread(rec, sizeof(rec), 1, f) == 1 &&
	    rec[2] <= cap && fread(buf, rec[2], 1, f) == 1)
		len = rec[2];
	fclose(f);
	return len;
}

#endif /* OG_SELFTESTS_CORPUS_H */
