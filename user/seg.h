/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Segmentation core of `offguard segd`: turns one GSO super-frame
 * (Ethernet, up to two VLAN tags, IPv4 or IPv6 with hop-by-hop, routing
 * and destination-options headers, TCP or UDP) into the frames the
 * kernel's software GSO would put on the wire, with every checksum
 * complete. Pure: no I/O, no allocation, no global state, so it can be
 * unit-tested, fuzzed and run from a busy-polling AF_XDP loop.
 *
 * Contract:
 *  - the caller owns the input and the output; segments are written back
 *    to back into out[0..cap), segs[i] says where segment i lies;
 *  - the whole input is validated and the output size computed before
 *    the first byte is written: on error nothing has been written and no
 *    segment is reported;
 *  - errors: -EINVAL malformed or unsupported frame, type that does not
 *    match the L4 protocol, mss 0, segments too large for an IP length;
 *    -E2BIG more segments than max_segs; -ENOSPC out[] too small;
 *  - what the segments hold (the kernel's tcp_gso_segment,
 *    __udp_gso_segment, inet_gso_segment and ipv6_gso_segment with
 *    software checksumming):
 *    TCP: headers and options copied, seq advanced by mss per segment,
 *    FIN and PSH on the last segment only, CWR on the first only;
 *    UDP_L4: each segment a datagram with its own length;
 *    IPv4: tot_len per segment, ID incremented per segment (id, id+1, ...:
 *    the kernel's rule when SKB_GSO_TCP_FIXEDID is not set, for TCP and
 *    UDP_L4 alike), header checksum recomputed; IPv6: payload_len;
 *    L4 checksum complete (pseudo-header with the routing header's final
 *    destination); a UDP checksum that computes to 0 is sent as 0xffff
 *    (RFC 768; the kernel's CSUM_MANGLED_0), a TCP one stays 0.
 *  - a frame whose payload fits one segment yields one segment: the
 *    frame with its checksums completed.
 */
#ifndef OG_SEG_H
#define OG_SEG_H

#include <stddef.h>
#include <linux/types.h>
#include "offguard/offguard.h"

/* enum og_seg_type: include/offguard/offguard.h (the XDP program sets it too) */

/* Where one output segment lies in the caller's buffer. */
struct og_seg {
	__u32	off;
	__u32	len;
};

/* What og_seg_parse() found; offsets from the first byte of the frame. */
struct og_seg_info {
	__u32	l3_off;
	__u32	l4_off;
	__u32	hdr_len;	/* l4_off + TCP/UDP header: copied per segment */
	__u32	payload_len;
	__u32	nr_segs;	/* for the mss given */
	__u32	out_len;	/* bytes of output for the mss given */
	__u8	ipv6;
	__u8	l4proto;
	__u16	pad;
};

/*
 * Validate frame[0..len) as a super-frame of type for segment size mss
 * and describe it. 0 or -EINVAL.
 */
int og_seg_parse(const void *frame, size_t len, enum og_seg_type type,
		 unsigned int mss, struct og_seg_info *info);

/*
 * Segment frame[0..len) into out[0..cap). Returns the number of segments
 * (segs[0..n) filled), or a negative errno as above.
 */
int og_segment(const void *frame, size_t len, enum og_seg_type type,
	       unsigned int mss, void *out, size_t cap,
	       struct og_seg *segs, unsigned int max_segs);

/* What the checksums of a frame claim, og_seg_csum_state(). */
enum og_seg_csum {
	OG_SEG_CSUM_COMPLETE	= 0,	/* every checksum present is right */
	OG_SEG_CSUM_PARTIAL	= 1,	/* the L4 field holds the pseudo-header
					 * sum (a CHECKSUM_PARTIAL seed), the
					 * IPv4 header checksum is right */
	OG_SEG_CSUM_BAD		= 2,	/* a checksum claims to be complete
					 * and is wrong */
};

/*
 * For a frame that needs no cutting: may segd complete its checksum? Only
 * if it is provably a partial one (OG_SEG_CSUM_PARTIAL): the field equals
 * the pseudo-header sum with the L4 length, as CHECKSUM_PARTIAL leaves
 * it. A complete checksum, right or wrong, is never rewritten; a UDP/IPv4
 * checksum of 0 ("none") is complete. Returns the state or -EINVAL if
 * og_seg_parse() would refuse the frame.
 */
int og_seg_csum_state(const void *frame, size_t len, enum og_seg_type type);

/* Where og_seg_size() took the segment size from. */
enum og_seg_size_src {
	OG_SEG_SIZE_NONE	= 0,	/* none fits: the frame cannot be cut */
	OG_SEG_SIZE_GSO		= 1,	/* the skb's gso_size */
	OG_SEG_SIZE_MSS		= 2,	/* TCP: the flow's MSS, less its options */
	OG_SEG_SIZE_MTU		= 3,	/* TCP: as much as fits the MTU */
};

/*
 * The payload bytes per segment for a frame that og_seg_parse() described
 * as info, to leave on a device of MTU mtu (an IP packet of at most mtu
 * bytes), in order of preference:
 *  - gso_size, if gso_type is type and the segments fit the MTU: exactly
 *    the kernel's cut;
 *  - UDP: nothing else. Datagram boundaries are the sender's, never
 *    guessed or re-cut;
 *  - TCP: flow_mss (the MSS option of the SYNs, which counts no TCP
 *    options, RFC 9293 3.7.1) less this segment's options, if it fits;
 *  - TCP: what fits the MTU.
 * *size gets the size (0 with OG_SEG_SIZE_NONE).
 */
enum og_seg_size_src og_seg_size(const struct og_seg_info *info,
				 enum og_seg_type type,
				 unsigned int gso_type, unsigned int gso_size,
				 unsigned int flow_mss, unsigned int mtu,
				 unsigned int *size);

#endif /* OG_SEG_H */
