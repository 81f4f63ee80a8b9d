// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target over the segmentation core (user/seg.c, contract in
 * user/seg.h). Random bytes rarely make a frame that gets past the
 * Ethernet and IP length checks, so most inputs are read as a recipe for
 * a well-formed super-frame (VLAN tags, IPv4 options, IPv6 extension
 * chains, TCP options, mss and payload sizes picked near their edges);
 * a minority of recipes are then damaged byte by byte, and one mode
 * hands the input to the core as the frame itself.
 *
 * Every frame is judged twice: by og_seg_parse()/og_segment() and by a
 * reference parser written here from the contract, without any of
 * seg.c's helpers, so one cannot excuse the other's mistake. Any
 * disagreement, any wrong byte in a segment, or any write on an error
 * path aborts with "offguard-fuzz: oracle: ..." on stderr.
 *
 * Input layout (gen_seeds.py writes the same; missing bytes read as 0):
 *   mode		low nibble 0: raw, 1-3: recipe + damage, else recipe
 *   raw:		type, mss (be16), mss high bits, sizing, frame...
 *   recipe:		flags, l3 option, l4 option, tcp flags, seq (be32),
 *			ip id (be16), mss class, mss (be16), payload class,
 *			payload (be16), fill, sizing, seed,
 *			IPv6: 3 bytes (kind, len, arg) per extension header,
 *			damage: count (+0x80: fix lengths), then 4 bytes
 *			(off be16, op, value) each.
 *
 * -DOG_FUZZ_SELFTEST_BREAK flips one output byte after each successful
 * og_segment(): that build must crash at once, which shows the oracles
 * are not vacuous (selftests/fuzz/run.sh checks it).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seg.h"

#define FZ_FRAME_MAX	(0x20000 + 0x100)	/* beyond the core's limit */
#define FZ_OUT_MAX	(8u << 20)	/* larger outputs: -ENOSPC path only */
#define FZ_SLACK_MAX	64

#define FZ_PROTO_TCP	6
#define FZ_PROTO_UDP	17
#define FZ_NH_HBH	0
#define FZ_NH_ROUTING	43
#define FZ_NH_FRAG	44
#define FZ_NH_DSTOPTS	60
#define FZ_EXT_MAX	8	/* the walk seg.c promises: see ref_ipv6() */

/*
 * The fuzzer's own byte loops (fillers, reference sum) carry no coverage
 * or comparison hooks: at -O1 those hooks took two thirds of the time,
 * and their edges tell libFuzzer nothing about the core. noinline, as
 * the attribute goes with the function the code ends up in.
 */
#define FZ_NOCOV	__attribute__((noinline, no_sanitize("coverage")))

#define FZ_FIN		0x01
#define FZ_PSH		0x08
#define FZ_CWR		0x80

static void __attribute__((noreturn, format(printf, 1, 2)))
fz_fail(const char *fmt, ...)
{
	va_list ap;

	fputs("offguard-fuzz: oracle: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	__builtin_trap();
}

#define FZ_CHECK(cond, fmt, ...) do {					\
	if (!(cond))							\
		fz_fail("%s: " fmt, #cond, ##__VA_ARGS__);		\
} while (0)

/* ---- input reader and filler ---------------------------------------- */

struct fz_in {
	const uint8_t	*p;
	size_t		len;
	size_t		pos;
};

static uint8_t get8(struct fz_in *in)
{
	return in->pos < in->len ? in->p[in->pos++] : 0;
}

static uint16_t get16(struct fz_in *in)
{
	uint16_t v = (uint16_t)(get8(in) << 8);

	return v | get8(in);
}

static uint32_t get32(struct fz_in *in)
{
	uint32_t v = (uint32_t)get16(in) << 16;

	return v | get16(in);
}

/*
 * Bytes nobody interprets (MACs, addresses, options, payload) come from
 * a small generator seeded by the input, so a 20-byte recipe still
 * describes a 64 KiB frame.
 */
static inline uint32_t fz_rng(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static FZ_NOCOV void fz_fill(uint8_t *p, size_t len, uint32_t *s)
{
	size_t i;
	uint32_t v;

	for (i = 0; i + 4 <= len; i += 4) {
		v = fz_rng(s);
		memcpy(p + i, &v, 4);
	}
	for (; i < len; i++)
		p[i] = (uint8_t)fz_rng(s);
}

static FZ_NOCOV void fz_fill_input(uint8_t *p, size_t len,
				   const struct fz_in *in)
{
	size_t i, left = in->len - in->pos;

	if (!left) {
		memset(p, 0, len);
		return;
	}
	for (i = 0; i < len; i += left)
		memcpy(p + i, in->p + in->pos, len - i < left ? len - i : left);
}

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* ---- reference: checksum and parser from the contract --------------- */

/* Big-endian 16-bit words, odd byte padded on the right (RFC 1071). */
static FZ_NOCOV uint64_t ref_sum(const uint8_t *p, size_t len,
				 uint64_t sum)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static uint16_t ref_fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

struct ref {
	size_t		l3_off;
	size_t		l4_off;
	size_t		l4_hlen;
	size_t		hdr_len;
	size_t		payload_len;
	size_t		nr_segs;
	size_t		out_len;
	bool		ipv6;
	uint8_t		proto;
	const uint8_t	*src;		/* pseudo-header addresses */
	const uint8_t	*dst;		/* final destination */
};

/*
 * IPv6 with up to FZ_EXT_MAX hop-by-hop (first only), routing and
 * destination-options headers. A routing header with segments left
 * names the final destination: type 2 its home address, type 4 (SRH)
 * its first list entry, both at byte 8; other types are refused (the
 * contract: the checksum would be wrong). With several routing headers
 * the last one that still has segments left wins, as it is the one a
 * receiver would process last.
 */
static bool ref_ipv6(const uint8_t *p, size_t len, struct ref *r)
{
	const uint8_t *ip = p + r->l3_off;
	size_t off = r->l3_off + 40;
	uint8_t nh;
	int n;

	if (r->l3_off + 40 > len || ip[0] >> 4 != 6)
		return false;
	if (be16(ip + 4) != len - r->l3_off - 40)
		return false;
	r->src = ip + 8;
	r->dst = ip + 24;
	nh = ip[6];
	for (n = 0;; n++) {
		size_t hlen;

		if (nh != FZ_NH_HBH && nh != FZ_NH_ROUTING &&
		    nh != FZ_NH_DSTOPTS)
			break;
		/* seg.c stops walking after 8: what follows must be L4. */
		if (n == FZ_EXT_MAX)
			return false;
		if (nh == FZ_NH_HBH && n > 0)
			return false;
		if (off + 2 > len)
			return false;
		hlen = ((size_t)p[off + 1] + 1) * 8;
		if (off + hlen > len)
			return false;
		if (nh == FZ_NH_ROUTING && p[off + 3] != 0) {
			if ((p[off + 2] != 2 && p[off + 2] != 4) || hlen < 24)
				return false;
			r->dst = p + off + 8;
		}
		nh = p[off];
		off += hlen;
	}
	r->ipv6 = true;
	r->proto = nh;
	r->l4_off = off;
	return true;
}

static bool ref_ipv4(const uint8_t *p, size_t len, struct ref *r)
{
	const uint8_t *ip = p + r->l3_off;
	size_t ihl;

	if (r->l3_off + 20 > len || ip[0] >> 4 != 4)
		return false;
	ihl = (size_t)(ip[0] & 15) * 4;
	if (ihl < 20 || r->l3_off + ihl > len)
		return false;
	if (be16(ip + 2) != len - r->l3_off)
		return false;
	if (be16(ip + 6) & 0x3fff)	/* MF or an offset: a fragment */
		return false;
	r->src = ip + 12;
	r->dst = ip + 16;
	r->ipv6 = false;
	r->proto = ip[9];
	r->l4_off = r->l3_off + ihl;
	return true;
}

static bool ref_parse(const uint8_t *p, size_t len, int type,
		      unsigned int mss, struct ref *r)
{
	size_t off = 14, l3len;
	uint16_t proto;
	int tags;

	/*
	 * mss is the size of a full segment, so one above what an IP length
	 * can carry is refused even when the payload is shorter (seg.h:
	 * "segments too large for an IP length"). 128 KiB is seg.c's cap on
	 * a frame; the 16-bit IP lengths refuse anything that long anyway.
	 */
	memset(r, 0, sizeof(*r));
	if (len < 14 || len > 0x20000 || mss == 0 || mss > 0xffff)
		return false;
	proto = be16(p + 12);
	for (tags = 0; tags < 2 && (proto == 0x8100 || proto == 0x88a8);
	     tags++) {
		if (off + 4 > len)
			return false;
		proto = be16(p + off + 2);
		off += 4;
	}
	r->l3_off = off;
	if (proto == 0x0800) {
		if (!ref_ipv4(p, len, r))
			return false;
	} else if (proto == 0x86dd) {
		if (!ref_ipv6(p, len, r))
			return false;
	} else {
		return false;
	}

	off = r->l4_off;
	if (type == OG_SEG_TCP && r->proto == FZ_PROTO_TCP) {
		if (off + 20 > len)
			return false;
		r->l4_hlen = (size_t)(p[off + 12] >> 4) * 4;
		if (r->l4_hlen < 20 || off + r->l4_hlen > len)
			return false;
	} else if (type == OG_SEG_UDP_L4 && r->proto == FZ_PROTO_UDP) {
		if (off + 8 > len || be16(p + off + 4) != len - off)
			return false;
		r->l4_hlen = 8;
	} else {
		return false;
	}
	r->hdr_len = off + r->l4_hlen;
	r->payload_len = len - r->hdr_len;

	/* A full segment's IP length (tot_len or payload_len) in 16 bits. */
	l3len = r->hdr_len - r->l3_off - (r->ipv6 ? 40 : 0);
	if (l3len + mss > 0xffff)
		return false;
	r->nr_segs = r->payload_len ? (r->payload_len + mss - 1) / mss : 1;
	r->out_len = r->nr_segs * r->hdr_len + r->payload_len;
	return true;
}

/* ---- oracles on a successful og_segment() --------------------------- */

/*
 * The segment's header with the fields the contract lets change put back
 * from the input: what is left must equal the input's header.
 */
static void fz_unchange(const struct ref *r, int type, const uint8_t *in,
			uint8_t *h)
{
	size_t l3 = r->l3_off, l4 = r->l4_off;

	if (r->ipv6) {
		memcpy(h + l3 + 4, in + l3 + 4, 2);		/* payload_len */
	} else {
		memcpy(h + l3 + 2, in + l3 + 2, 4);		/* tot_len, id */
		memcpy(h + l3 + 10, in + l3 + 10, 2);		/* check */
	}
	if (type == OG_SEG_TCP) {
		memcpy(h + l4 + 4, in + l4 + 4, 4);		/* seq */
		h[l4 + 13] = in[l4 + 13];			/* flags */
		memcpy(h + l4 + 16, in + l4 + 16, 2);		/* check */
	} else {
		memcpy(h + l4 + 4, in + l4 + 4, 4);		/* len, check */
	}
}

static FZ_NOCOV void fz_check_segment(const struct ref *r, int type,
			     unsigned int mss, const uint8_t *in,
			     const uint8_t *s, size_t slen, size_t i,
			     size_t done, uint8_t *h)
{
	size_t l3 = r->l3_off, l4 = r->l4_off, hdr = r->hdr_len, j;
	size_t chunk = slen - hdr, l4len = slen - l4;
	size_t csum_at = l4 + (type == OG_SEG_TCP ? 16 : 6);
	bool first = i == 0, last = i + 1 == r->nr_segs;
	uint64_t sum;
	uint16_t want;

	memcpy(h, s, hdr);
	fz_unchange(r, type, in, h);
	if (memcmp(h, in, hdr)) {
		for (j = 0; h[j] == in[j]; j++)
			;
		fz_fail("seg %zu: header byte %zu changed (0x%02x -> 0x%02x)",
			i, j, in[j], h[j]);
	}
	FZ_CHECK(!memcmp(s + hdr, in + hdr + done, chunk),
		 "seg %zu: payload differs from input at %zu", i, done);

	if (r->ipv6) {
		FZ_CHECK(be16(s + l3 + 4) == slen - l3 - 40,
			 "seg %zu: payload_len %u, segment %zu", i,
			 be16(s + l3 + 4), slen);
	} else {
		size_t ihl = l4 - l3;

		FZ_CHECK(be16(s + l3 + 2) == slen - l3,
			 "seg %zu: tot_len %u, segment %zu", i,
			 be16(s + l3 + 2), slen);
		FZ_CHECK(be16(s + l3 + 4) == (uint16_t)(be16(in + l3 + 4) + i),
			 "seg %zu: ip id %u, first %u", i, be16(s + l3 + 4),
			 be16(in + l3 + 4));
		sum = ref_sum(s + l3, 10, 0);
		sum = ref_sum(s + l3 + 12, ihl - 12, sum);
		want = (uint16_t)~ref_fold(sum);
		FZ_CHECK(be16(s + l3 + 10) == want,
			 "seg %zu: ip check 0x%04x, want 0x%04x", i,
			 be16(s + l3 + 10), want);
	}

	if (type == OG_SEG_TCP) {
		uint8_t f = in[l4 + 13];

		if (!last)
			f &= (uint8_t)~(FZ_FIN | FZ_PSH);
		if (!first)
			f &= (uint8_t)~FZ_CWR;
		FZ_CHECK(s[l4 + 13] == f, "seg %zu: tcp flags 0x%02x, want 0x%02x",
			 i, s[l4 + 13], f);
		FZ_CHECK(be32(s + l4 + 4) == (uint32_t)(be32(in + l4 + 4) + done),
			 "seg %zu: seq 0x%08x, first 0x%08x + %zu", i,
			 be32(s + l4 + 4), be32(in + l4 + 4), done);
	} else {
		FZ_CHECK(be16(s + l4 + 4) == l4len, "seg %zu: udp len %u, want %zu",
			 i, be16(s + l4 + 4), l4len);
	}

	/* Pseudo-header: addresses (final destination), protocol, length. */
	sum = ref_sum(r->src, r->ipv6 ? 16 : 4, 0);
	sum = ref_sum(r->dst, r->ipv6 ? 16 : 4, sum);
	sum += r->proto + l4len;
	sum = ref_sum(s + l4, csum_at - l4, sum);
	sum = ref_sum(s + csum_at + 2, slen - csum_at - 2, sum);
	/* csum_at is even from l4, so the split keeps word alignment. */
	want = (uint16_t)~ref_fold(sum);
	if (type == OG_SEG_UDP_L4 && want == 0)
		want = 0xffff;
	FZ_CHECK(be16(s + csum_at) == want,
		 "seg %zu: l4 check 0x%04x, want 0x%04x (%s)", i,
		 be16(s + csum_at), want, type == OG_SEG_TCP ? "tcp" : "udp");
	FZ_CHECK(chunk <= mss && (last || chunk == mss),
		 "seg %zu: payload %zu for mss %u", i, chunk, mss);
}

static FZ_NOCOV void fz_check_output(const struct ref *r, int type,
				     unsigned int mss, const uint8_t *in,
				     const uint8_t *out,
				     const struct og_seg *segs, int n,
				     uint8_t *scratch)
{
	size_t pos = 0, done = 0;
	int i;

	for (i = 0; i < n; i++) {
		FZ_CHECK(segs[i].off == pos, "seg %d at %u, want %zu", i,
			 segs[i].off, pos);
		FZ_CHECK(segs[i].len >= r->hdr_len &&
			 segs[i].len - r->hdr_len <= r->payload_len - done,
			 "seg %d: length %u, header %zu, payload left %zu", i,
			 segs[i].len, r->hdr_len, r->payload_len - done);
		fz_check_segment(r, type, mss, in, out + pos, segs[i].len,
				 (size_t)i, done, scratch);
		pos += segs[i].len;
		done += segs[i].len - r->hdr_len;
	}
	FZ_CHECK(done == r->payload_len && pos == r->out_len,
		 "payload %zu/%zu, output %zu/%zu", done, r->payload_len, pos,
		 r->out_len);
}

/* ---- the helpers segd builds on ------------------------------------- */

/*
 * og_seg_size: whatever it picks fits the MTU, a gso_size is taken only
 * for its own type, and UDP is never sized from anything but its
 * gso_size.
 */
static void fz_check_size(const struct ref *r, int type, unsigned int gso)
{
	static const unsigned int mtus[] = { 68, 576, 1280, 1500, 9000 };
	struct og_seg_info info = {
		.l3_off = (__u32)r->l3_off, .l4_off = (__u32)r->l4_off,
		.hdr_len = (__u32)r->hdr_len,
	};
	size_t hdr = r->hdr_len - r->l3_off, i;
	unsigned int size, gtype;
	int src;

	for (i = 0; i < 2 * sizeof(mtus) / sizeof(mtus[0]); i++) {
		unsigned int mtu = mtus[i / 2];

		gtype = i & 1 ? (unsigned int)type : (unsigned int)(3 - type);
		src = og_seg_size(&info, type, gtype, gso, gso, mtu, &size);
		FZ_CHECK(src >= OG_SEG_SIZE_NONE && src <= OG_SEG_SIZE_MTU,
			 "og_seg_size source %d", src);
		FZ_CHECK((src == OG_SEG_SIZE_NONE) == (size == 0),
			 "og_seg_size source %d with size %u", src, size);
		FZ_CHECK(!size || hdr + size <= mtu,
			 "og_seg_size %u + headers %zu over MTU %u", size, hdr,
			 mtu);
		FZ_CHECK(src != OG_SEG_SIZE_GSO || (gtype == (unsigned int)type &&
						     size == gso),
			 "og_seg_size took gso_size %u of type %u for %d", gso,
			 gtype, type);
		FZ_CHECK(type == OG_SEG_TCP || src == OG_SEG_SIZE_GSO ||
			 src == OG_SEG_SIZE_NONE,
			 "og_seg_size sized UDP from source %d", src);
		FZ_CHECK(type != OG_SEG_TCP || hdr >= mtu || src != OG_SEG_SIZE_NONE,
			 "og_seg_size found no size for TCP under MTU %u", mtu);
	}
}

/*
 * og_seg_csum_state: defined exactly where og_seg_parse() accepts the
 * frame (at any mss), and every segment og_segment() makes is complete.
 */
static void fz_check_csum_state(const uint8_t *frame, size_t len, int type,
				const uint8_t *out, const struct og_seg *segs,
				int n)
{
	int st = og_seg_csum_state(frame, len, type), i;

	if (og_seg_parse(frame, len, type, 1, NULL))
		FZ_CHECK(st == -EINVAL, "og_seg_csum_state %d on a refused frame",
			 st);
	else
		FZ_CHECK(st >= OG_SEG_CSUM_COMPLETE && st <= OG_SEG_CSUM_BAD,
			 "og_seg_csum_state %d", st);
	/* the first and last few: mss 1 over 64 KiB makes 65 000 segments */
	for (i = 0; i < n; i = i == 3 && n > 8 ? n - 4 : i + 1) {
		st = og_seg_csum_state(out + segs[i].off, segs[i].len, type);
		FZ_CHECK(st == OG_SEG_CSUM_COMPLETE,
			 "segment %d of %d: og_seg_csum_state %d, want complete",
			 i, n, st);
	}
}

/* ---- one call, every outcome checked -------------------------------- */

/*
 * out[] bytes nothing may write are set to FZ_CANARY; all equal to it
 * when the first is and each equals the next, which memcmp() checks at
 * memory speed (mss 1 over 64 KiB makes a 6 MB buffer).
 */
#define FZ_CANARY	0xa5

static bool fz_untouched(const uint8_t *p, size_t len)
{
	return !len || (p[0] == FZ_CANARY && !memcmp(p, p + 1, len - 1));
}

struct fz_sizing {
	bool	short_segs;	/* max_segs one below what is needed */
	bool	short_out;	/* cap one byte below what is needed */
	bool	null_out;
	bool	null_segs;
	size_t	slack;		/* bytes beyond out_len and segs beyond
				 * nr_segs, must stay as they are */
};

static void fz_sizing(uint8_t b, struct fz_sizing *z)
{
	memset(z, 0, sizeof(*z));
	switch (b & 7) {
	case 0:
		z->short_segs = true;
		break;
	case 1:
		z->short_out = true;
		break;
	case 2:
		z->slack = 1 + (b >> 3) % FZ_SLACK_MAX;
		break;
	case 3:
		z->null_out = (b >> 3) % 3 == 1;
		z->null_segs = (b >> 3) % 3 == 2;
		z->short_segs = !z->null_out && !z->null_segs;
		z->short_out = z->short_segs;
		break;
	}
}

static void fz_run(const uint8_t *frame, size_t len, int type,
		   unsigned int mss, const struct fz_sizing *z)
{
	struct og_seg_info info;
	struct og_seg *segs;
	uint8_t *out, *keep;
	size_t cap, max_segs, j;
	bool ok, want_e2big, want_enospc;
	struct ref r;
	int err, n;

	ok = ref_parse(frame, len, type, mss, &r);

	memset(&info, 0xee, sizeof(info));
	err = og_seg_parse(frame, len, type, mss, &info);
	FZ_CHECK(err == 0 || err == -EINVAL, "og_seg_parse returned %d", err);
	FZ_CHECK(ok == !err, "og_seg_parse %d, reference says %s", err,
		 ok ? "valid" : "invalid");
	FZ_CHECK(og_seg_parse(frame, len, type, mss, NULL) == err,
		 "og_seg_parse without info differs");
	if (ok) {
		FZ_CHECK(info.l3_off == r.l3_off && info.l4_off == r.l4_off &&
			 info.hdr_len == r.hdr_len &&
			 info.payload_len == r.payload_len &&
			 info.nr_segs == r.nr_segs && info.out_len == r.out_len &&
			 info.ipv6 == r.ipv6 && info.l4proto == r.proto,
			 "info l3 %u/%zu l4 %u/%zu hdr %u/%zu pay %u/%zu segs %u/%zu out %u/%zu",
			 info.l3_off, r.l3_off, info.l4_off, r.l4_off,
			 info.hdr_len, r.hdr_len, info.payload_len,
			 r.payload_len, info.nr_segs, r.nr_segs, info.out_len,
			 r.out_len);
	}

	/* Sized from the reference, so ASan sees any byte beyond cap. */
	if (ok && r.out_len <= FZ_OUT_MAX) {
		cap = r.out_len - z->short_out + z->slack;
		max_segs = r.nr_segs - z->short_segs + z->slack;
	} else {
		cap = 64;
		max_segs = ok ? r.nr_segs : 4;
	}
	out = malloc(cap ? cap : 1);
	segs = malloc((max_segs ? max_segs : 1) * sizeof(*segs));
	keep = malloc(len ? len : 1);
	if (!out || !segs || !keep)
		abort();
	want_e2big = ok && r.nr_segs > max_segs;
	want_enospc = ok && (z->null_out || z->null_segs || r.out_len > cap);
	/*
	 * Canaries where nothing may be written: all of out[] when an error
	 * is due, the slack past out_len otherwise (every byte before it is
	 * checked against the segments below).
	 */
	j = !ok || want_e2big || want_enospc ? 0 : r.out_len;
	memset(out + j, FZ_CANARY, cap - j);
	memset(segs, FZ_CANARY, (max_segs ? max_segs : 1) * sizeof(*segs));
	if (len)
		memcpy(keep, frame, len);

	n = og_segment(frame, len, type, mss, z->null_out ? NULL : out, cap,
		       z->null_segs ? NULL : segs, (unsigned int)max_segs);
	FZ_CHECK(!len || !memcmp(keep, frame, len),
		 "og_segment wrote to its input");
	if (!ok) {
		FZ_CHECK(n == -EINVAL, "og_segment %d on an invalid frame", n);
	} else if (want_e2big || want_enospc) {
		/* The contract does not order the two: either will do. */
		FZ_CHECK((want_e2big && n == -E2BIG) ||
			 (want_enospc && n == -ENOSPC),
			 "og_segment %d, want%s%s", n,
			 want_e2big ? " -E2BIG" : "",
			 want_enospc ? " -ENOSPC" : "");
	} else {
		FZ_CHECK(n >= 0 && (size_t)n == r.nr_segs,
			 "og_segment %d, want %zu segments", n, r.nr_segs);
	}
	if (n < 0) {
		FZ_CHECK(fz_untouched(out, cap), "error %d but out[] written",
			 n);
		FZ_CHECK(fz_untouched((uint8_t *)segs, max_segs * sizeof(*segs)),
			 "error %d but segs[] written", n);
		goto out;
	}

#ifdef OG_FUZZ_SELFTEST_BREAK
	out[segs[n - 1].off + segs[n - 1].len - 1] ^= 0x01;
#endif
	/* keep (len >= hdr_len bytes) is scratch from here on. */
	fz_check_output(&r, type, mss, frame, out, segs, n, keep);
	fz_check_csum_state(frame, len, type, out, segs, n);
	fz_check_size(&r, type, mss);
	FZ_CHECK(fz_untouched(out + r.out_len, cap - r.out_len),
		 "out[] written beyond the segments (%zu of %zu)", r.out_len,
		 cap);
	FZ_CHECK(fz_untouched((uint8_t *)(segs + n),
			      (max_segs - n) * sizeof(*segs)),
		 "segs[%d..%zu) written", n, max_segs);
out:
	free(keep);
	free(segs);
	free(out);
}

/* ---- recipe: a super-frame built from the input ---------------------- */

struct fz_recipe {
	uint8_t		flags;
#define FZ_F_UDP	0x01
#define FZ_F_IPV6	0x02
#define FZ_F_TAGS	0x0c	/* 0..3 VLAN tags (3 is one too many) */
#define FZ_F_QINQ	0x10	/* outer TPID 0x88a8 */
#define FZ_F_SWAP	0x20	/* L4 protocol of the other type */
#define FZ_F_FRAG	0x40	/* IPv4 MF or an offset: a fragment */
#define FZ_F_PAD	0x80	/* options as NOPs, not random bytes */
	uint8_t		l3opt, l4opt, tcp_flags, mss_class, pay_class;
	uint8_t		fill, sizing;
	uint16_t	ip_id, mss_val, pay_val;
	uint32_t	seq, seed;
};

/* One IPv6 extension header from 3 input bytes; returns its length. */
static size_t fz_ext(uint8_t *p, uint8_t kind, uint8_t lenb, uint8_t arg,
		     uint32_t *seed)
{
	size_t hlen, n;

	switch (kind % 6) {
	case 0:		/* hop-by-hop, valid only first */
	case 1:		/* destination options */
		p[1] = lenb & 0x80 ? lenb & 0x7f : lenb % 4;
		hlen = ((size_t)p[1] + 1) * 8;
		memset(p + 2, 0, hlen - 2);	/* Pad1s */
		if (arg & 1)
			fz_fill(p + 2, hlen - 2, seed);
		return hlen;
	case 2:		/* type 2: home address */
		p[1] = lenb & 0x80 ? lenb & 0x7f : 2;
		p[2] = 2;
		p[3] = arg % 4 ? 1 : 0;
		hlen = ((size_t)p[1] + 1) * 8;
		memset(p + 4, 0, 4);
		fz_fill(p + 8, hlen - 8, seed);
		return hlen;
	case 3:		/* type 4: segment routing header */
		n = 1 + lenb % 3;
		p[1] = lenb & 0x80 ? lenb & 0x7f : (uint8_t)(2 * n);
		p[2] = 4;
		p[3] = (uint8_t)(arg % (n + 1));
		p[4] = (uint8_t)(n - 1);	/* last entry */
		hlen = ((size_t)p[1] + 1) * 8;
		memset(p + 5, 0, 3);
		fz_fill(p + 8, hlen - 8, seed);
		return hlen;
	case 4:		/* type 0 or 3: refused with segments left */
		p[1] = lenb & 0x80 ? lenb & 0x7f : 2;
		p[2] = arg & 1 ? 3 : 0;
		p[3] = (arg >> 1) % 3;
		hlen = ((size_t)p[1] + 1) * 8;
		fz_fill(p + 4, hlen - 4, seed);
		return hlen;
	default:	/* fragment header: not an L4 header the core takes */
		p[1] = 0;
		fz_fill(p + 2, 6, seed);
		return 8;
	}
}

static const uint8_t fz_ext_nh[6] = {
	FZ_NH_HBH, FZ_NH_DSTOPTS, FZ_NH_ROUTING, FZ_NH_ROUTING,
	FZ_NH_ROUTING, FZ_NH_FRAG,
};

static const uint16_t fz_mss_common[8] = {
	536, 1220, 1380, 1440, 1448, 1460, 8940, 9000,
};

/* Where fz_build() put the headers, for fz_damage() to fix lengths. */
struct fz_layout {
	size_t	l3;
	size_t	l4;
	bool	ipv6;
	bool	udp;
};

/* Builds into f (FZ_FRAME_MAX bytes); returns the frame's length. */
static size_t fz_build(struct fz_in *in, uint8_t *f, int *type,
		       unsigned int *mss, struct fz_sizing *z,
		       struct fz_layout *lay)
{
	struct fz_recipe rc;
	size_t off, l3, l4, hdr, l3len, l4h, pay, max_pay, i, next_at;
	uint8_t proto;
	int tags, n;

	rc.flags = get8(in);
	rc.l3opt = get8(in);
	rc.l4opt = get8(in);
	rc.tcp_flags = get8(in);
	rc.seq = get32(in);
	rc.ip_id = get16(in);
	rc.mss_class = get8(in);
	rc.mss_val = get16(in);
	rc.pay_class = get8(in);
	rc.pay_val = get16(in);
	rc.fill = get8(in);
	rc.sizing = get8(in);
	rc.seed = get32(in) | 1;	/* xorshift must not start at 0 */

	*type = rc.flags & FZ_F_UDP ? OG_SEG_UDP_L4 : OG_SEG_TCP;
	proto = (*type == OG_SEG_TCP) ^ !!(rc.flags & FZ_F_SWAP) ?
		FZ_PROTO_TCP : FZ_PROTO_UDP;
	fz_sizing(rc.sizing, z);

	fz_fill(f, 12, &rc.seed);
	f[0] &= 0xfe;				/* unicast, not that it matters */
	off = 12;
	tags = (rc.flags & FZ_F_TAGS) >> 2;
	for (n = 0; n < tags; n++) {
		put16(f + off, n == 0 && rc.flags & FZ_F_QINQ ? 0x88a8 : 0x8100);
		put16(f + off + 2, fz_rng(&rc.seed) & 0x0fff);
		off += 4;
	}
	put16(f + off, rc.flags & FZ_F_IPV6 ? 0x86dd : 0x0800);
	l3 = off + 2;

	if (!(rc.flags & FZ_F_IPV6)) {
		size_t ihl = 20 + 4 * (size_t)(rc.l3opt % 11);

		fz_fill(f + l3, ihl, &rc.seed);
		f[l3] = (uint8_t)(0x40 | ihl / 4);
		put16(f + l3 + 6, rc.flags & FZ_F_FRAG ?
		      (rc.l3opt & 0x80 ? 0x2000 : 0x0001 + (rc.ip_id & 0x1fff)) :
		      (rc.l3opt & 0x40 ? 0x4000 : 0));
		put16(f + l3 + 4, rc.ip_id);
		f[l3 + 9] = proto;
		if (rc.flags & FZ_F_PAD)
			memset(f + l3 + 20, 1, ihl - 20);
		l4 = l3 + ihl;
	} else {
		size_t nr_ext = rc.l3opt & 15;

		if (nr_ext > 9)		/* mostly short chains */
			nr_ext %= 4;
		fz_fill(f + l3, 40, &rc.seed);
		f[l3] = (uint8_t)(0x60 | (f[l3] & 15));
		off = l3 + 40;
		next_at = l3 + 6;
		for (i = 0; i < nr_ext; i++) {
			uint8_t kind = get8(in), lenb = get8(in), arg = get8(in);

			f[next_at] = fz_ext_nh[kind % 6];
			next_at = off;
			off += fz_ext(f + off, kind, lenb, arg, &rc.seed);
		}
		f[next_at] = proto;
		l4 = off;
	}

	if (*type == OG_SEG_TCP) {
		l4h = 20 + 4 * (size_t)(rc.l4opt % 11);
		fz_fill(f + l4, l4h, &rc.seed);
		f[l4 + 12] = (uint8_t)((l4h / 4) << 4 | (f[l4 + 12] & 15));
		f[l4 + 13] = rc.tcp_flags;
		f[l4 + 4] = (uint8_t)(rc.seq >> 24);
		f[l4 + 5] = (uint8_t)(rc.seq >> 16);
		f[l4 + 6] = (uint8_t)(rc.seq >> 8);
		f[l4 + 7] = (uint8_t)rc.seq;
		if (rc.flags & FZ_F_PAD)
			memset(f + l4 + 20, 1, l4h - 20);
	} else {
		l4h = 8;
		fz_fill(f + l4, l4h, &rc.seed);
	}
	hdr = l4 + l4h;
	l3len = hdr - l3 - (rc.flags & FZ_F_IPV6 ? 40 : 0);
	max_pay = l3len < 0xffff ? 0xffff - l3len : 0;

	/* mss first where it does not depend on the payload. */
	switch (rc.mss_class % 8) {
	case 0:
		*mss = 1 + rc.mss_val % 8;
		break;
	case 1:
		*mss = fz_mss_common[rc.mss_val % 8];
		break;
	case 2:
		*mss = rc.mss_val;			/* 0 included */
		break;
	case 3:		/* the largest mss the IP length allows, +-1 */
		*mss = (unsigned int)(0xffff - l3len + rc.mss_val % 3) - 1;
		break;
	case 4:
		*mss = 0x10000 + rc.mss_val;	/* more than any IP length */
		break;
	default:
		*mss = 1 + rc.mss_val % 2000;
		break;
	}

	switch (rc.pay_class % 8) {
	case 0:
		pay = rc.pay_val % 65;
		break;
	case 1:		/* k segments, and one byte either side */
		pay = (size_t)*mss * (1 + rc.pay_val % 8) + (rc.pay_val >> 8) % 3;
		pay = pay ? pay - 1 : 0;
		break;
	case 2:
		pay = rc.pay_val;
		break;
	case 3:
		pay = max_pay;
		break;
	case 4:
		pay = 0;
		break;
	default:
		pay = rc.pay_val % 3000;
		break;
	}
	if (pay > max_pay)
		pay = max_pay;
	/* Tiny mss over a full 64 KiB: keep most such runs cheap. */
	if (*mss < 64 && pay > 4096 && (rc.fill & 0xf0) != 0xf0)
		pay = 4096 + rc.pay_val % 64;
	/* mss against the payload: one segment, or just not. */
	if (rc.mss_class % 8 == 7)
		*mss = (unsigned int)(pay + rc.mss_val % 3) - 1 + !pay;

	switch (rc.fill % 4) {
	case 0:
		fz_fill(f + hdr, pay, &rc.seed);
		break;
	case 1:		/* zeros and ones push sums to their edges */
		memset(f + hdr, 0, pay);
		break;
	case 2:
		memset(f + hdr, 0xff, pay);
		break;
	default:	/* the rest of the input, repeated: the fuzzer steers */
		fz_fill_input(f + hdr, pay, in);
		break;
	}

	/* Lengths of the super-frame; its checksums are left as garbage. */
	if (rc.flags & FZ_F_IPV6)
		put16(f + l3 + 4, (uint32_t)(hdr + pay - l3 - 40));
	else
		put16(f + l3 + 2, (uint32_t)(hdr + pay - l3));
	if (*type == OG_SEG_UDP_L4)
		put16(f + l4 + 4, (uint32_t)(l4h + pay));
	lay->l3 = l3;
	lay->l4 = l4;
	lay->ipv6 = rc.flags & FZ_F_IPV6;
	lay->udp = *type == OG_SEG_UDP_L4;
	return hdr + pay;
}

/*
 * A few byte edits: xor, set, truncate, insert. With the count's top
 * bit the IP and UDP lengths are then made to agree with the new frame
 * length: a frame cut inside an extension or L4 header gets past the
 * length checks only so, and random edits would hardly ever find two
 * length fields at once.
 */
static size_t fz_damage(struct fz_in *in, uint8_t *f, size_t len,
			const struct fz_layout *lay)
{
	uint8_t cnt = get8(in);
	int n = 1 + cnt % 4;

	while (n--) {
		size_t at = get16(in);
		uint8_t op = get8(in), val = get8(in);

		at = len ? at % len : 0;
		switch (op % 4) {
		case 0:
			if (len)
				f[at] ^= val ? val : 0x80;
			break;
		case 1:
			if (len)
				f[at] = val;
			break;
		case 2:		/* never longer: stale bytes would not replay */
			if (at + val % 4 < len)
				len = at + val % 4;
			break;
		default:
			if (len < FZ_FRAME_MAX) {
				memmove(f + at + 1, f + at, len - at);
				f[at] = val;
				len++;
			}
			break;
		}
	}
	if (!(cnt & 0x80))
		return len;
	if (lay->ipv6 && len >= lay->l3 + 40)
		put16(f + lay->l3 + 4, (uint32_t)(len - lay->l3 - 40));
	else if (!lay->ipv6 && len >= lay->l3 + 4)
		put16(f + lay->l3 + 2, (uint32_t)(len - lay->l3));
	if (lay->udp && len >= lay->l4 + 6)
		put16(f + lay->l4 + 4, (uint32_t)(len - lay->l4));
	return len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t scratch[FZ_FRAME_MAX];
	struct fz_in in = { .p = data, .len = size };
	uint8_t mode = get8(&in), *frame;
	struct fz_sizing z;
	unsigned int mss;
	size_t len;
	int type;

	if ((mode & 15) == 0) {
		/* Raw: the type byte may name no type at all (0, 3). */
		type = get8(&in) & 3;
		mss = get16(&in);
		mss |= (unsigned int)(get8(&in) & 0x80) << 9;
		fz_sizing(get8(&in), &z);
		len = size - in.pos;
		if (len > FZ_FRAME_MAX)
			len = FZ_FRAME_MAX;
		memcpy(scratch, data + in.pos, len);
	} else {
		struct fz_layout lay;

		len = fz_build(&in, scratch, &type, &mss, &z, &lay);
		if ((mode & 15) <= 3)
			len = fz_damage(&in, scratch, len, &lay);
	}

	/*
	 * Its own allocation, exactly as long: ASan sees any over-read. No
	 * bytes, no buffer: the core must refuse a NULL frame as well.
	 */
	frame = len ? malloc(len) : NULL;
	if (len && !frame)
		abort();
	if (len)
		memcpy(frame, scratch, len);
	fz_run(frame, len, type, mss, &z);
	free(frame);
	return 0;
}
