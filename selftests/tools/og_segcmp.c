// SPDX-License-Identifier: GPL-2.0-only
/*
 * og_segcmp: the kernel as the oracle for user/seg.c. Reads a super-frame
 * (the first frame of a pcap, e.g. from `og_send pcap --ether`), segments
 * it with og_segment(), and compares the result byte for byte with the
 * frames of a second pcap (what tcpdump captured after the kernel's
 * software GSO segmented the same frame):
 *
 *   og_segcmp --in SUPER.pcap --got CAPTURE.pcap --type tcp|udp --mss N
 *
 * Prints "ok N segments" and exits 0 when they match; else one line
 * naming the first segment and byte that differ, exit 1; usage or file
 * errors exit 2.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seg.h"

#define MAX_FRAMES	512
#define MAX_FRAME	(0x20000)

struct frames {
	unsigned int	nr;
	__u32		len[MAX_FRAMES];
	__u8		*data[MAX_FRAMES];
};

static __u32 swap32(__u32 v)
{
	return __builtin_bswap32(v);
}

/* Classic pcap, either byte order, micro- or nanosecond stamps. */
static int read_pcap(const char *path, struct frames *fr)
{
	__u32 gh[6], rh[4];
	int swapped;
	FILE *f;

	f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "og_segcmp: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (fread(gh, 4, 6, f) != 6)
		goto bad;
	if (gh[0] == 0xa1b2c3d4 || gh[0] == 0xa1b23c4d)
		swapped = 0;
	else if (swap32(gh[0]) == 0xa1b2c3d4 || swap32(gh[0]) == 0xa1b23c4d)
		swapped = 1;
	else
		goto bad;
	while (fread(rh, 4, 4, f) == 4) {
		__u32 incl = swapped ? swap32(rh[2]) : rh[2];
		__u32 orig = swapped ? swap32(rh[3]) : rh[3];

		/* A truncated capture proves nothing about the bytes. */
		if (incl != orig || incl > MAX_FRAME || fr->nr == MAX_FRAMES)
			goto bad;
		fr->data[fr->nr] = malloc(incl ? incl : 1);
		if (!fr->data[fr->nr] ||
		    fread(fr->data[fr->nr], 1, incl, f) != incl)
			goto bad;
		fr->len[fr->nr++] = incl;
	}
	fclose(f);
	return 0;
bad:
	fprintf(stderr, "og_segcmp: %s: not a whole classic pcap\n", path);
	fclose(f);
	return -1;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "in", required_argument, NULL, 'i' },
		{ "got", required_argument, NULL, 'g' },
		{ "type", required_argument, NULL, 't' },
		{ "mss", required_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 },
	};
	static struct frames in, got;
	static struct og_seg segs[MAX_FRAMES];
	const char *inp = NULL, *gotp = NULL;
	enum og_seg_type type = 0;
	unsigned int mss = 0, i, j;
	__u8 *out;
	int c, n;

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'i': inp = optarg; break;
		case 'g': gotp = optarg; break;
		case 'm': mss = (unsigned int)strtoul(optarg, NULL, 0); break;
		case 't':
			type = !strcmp(optarg, "tcp") ? OG_SEG_TCP :
			       !strcmp(optarg, "udp") ? OG_SEG_UDP_L4 : 0;
			break;
		default:
			return 2;
		}
	}
	if (!inp || !gotp || !type) {
		fprintf(stderr, "usage: og_segcmp --in PCAP --got PCAP --type tcp|udp --mss N\n");
		return 2;
	}
	if (read_pcap(inp, &in) || read_pcap(gotp, &got))
		return 2;
	if (!in.nr) {
		fprintf(stderr, "og_segcmp: %s: no frame\n", inp);
		return 2;
	}
	out = malloc(MAX_FRAMES * 2 * 1024 + MAX_FRAME * 2);
	if (!out)
		return 2;
	n = og_segment(in.data[0], in.len[0], type, mss, out,
		       MAX_FRAMES * 2 * 1024 + MAX_FRAME * 2, segs, MAX_FRAMES);
	if (n < 0) {
		printf("og_segment: %s\n", strerror(-n));
		return 1;
	}
	if ((unsigned int)n != got.nr) {
		printf("segments: core %d, kernel %u\n", n, got.nr);
		return 1;
	}
	for (i = 0; i < got.nr; i++) {
		if (segs[i].len != got.len[i]) {
			printf("segment %u: length core %u, kernel %u\n", i,
			       segs[i].len, got.len[i]);
			return 1;
		}
		for (j = 0; j < got.len[i]; j++) {
			if (out[segs[i].off + j] != got.data[i][j]) {
				printf("segment %u byte %u: core 0x%02x, kernel 0x%02x\n",
				       i, j, out[segs[i].off + j], got.data[i][j]);
				return 1;
			}
		}
	}
	printf("ok %d segments\n", n);
	return 0;
}
