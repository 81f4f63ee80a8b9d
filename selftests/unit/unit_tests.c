// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests, no root: the checksum arithmetic of bpf/csum.h (the code the
 * BPF programs run) against known answers and against an independent
 * big-endian reference written the textbook way; the pcapng writer of
 * offguard dump against a minimal reader written here from the format's
 * description, not from the writer.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "testing.h"
#include "../bpf/csum.h"
#include "pcapng.h"
#include "diagnose.h"
#include "json_writer.h"
#include "config.h"
#include "instance.h"
#include "seg.h"

struct og_test_state og_t;

/* Reference: RFC 1071 over big-endian words, result in host order. */
static uint16_t ref_fold_be(const uint8_t *p, size_t len, uint32_t init)
{
	uint64_t sum = init;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

/* og_csum_* sum in memory order; convert their folded result to host. */
static uint16_t og_fold_host(uint64_t sum)
{
	return ntohs(og_csum_fold(sum));
}

static void test_rfc1071_example(void)
{
	/* RFC 1071 §3: sum of 00 01 f2 03 f4 f5 f6 f7 is 0xddf2. */
	static const uint8_t b[] = { 0x00, 0x01, 0xf2, 0x03,
				     0xf4, 0xf5, 0xf6, 0xf7 };

	og_test_begin("unit/csum_rfc1071_example");
	ASSERT_EQ(og_fold_host(og_csum_bytes(b, sizeof(b), 0)), 0xddf2, "sum");
	ASSERT_EQ(ref_fold_be(b, sizeof(b), 0), 0xddf2, "reference");
	og_test_end();
}

static void test_ipv4_header_known(void)
{
	/* A textbook IPv4 header whose checksum is 0xb861. */
	uint8_t h[20] = { 0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00,
			  0x40, 0x11, 0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01,
			  0xc0, 0xa8, 0x00, 0xc7 };
	uint16_t c;

	og_test_begin("unit/csum_ipv4_header_known_answer");
	c = ~og_fold_host(og_csum_bytes(h, 20, 0)) & 0xffff;
	ASSERT_EQ(c, 0xb861, "computed checksum");
	h[10] = 0xb8;
	h[11] = 0x61;
	ASSERT_TRUE(og_csum_ok(og_csum_bytes(h, 20, 0)), "verifies");
	h[11] ^= 1;
	ASSERT_TRUE(!og_csum_ok(og_csum_bytes(h, 20, 0)), "one bit off fails");
	og_test_end();
}

static void test_odd_lengths(void)
{
	uint8_t buf[1501];
	size_t len;
	bool ok = true;

	og_test_begin("unit/csum_odd_lengths_and_1_byte_tails");
	for (len = 0; len < sizeof(buf); len++)
		buf[len] = (uint8_t)(len * 131 + 7);
	for (len = 0; len <= sizeof(buf) && ok; len++)
		ok = ASSERT_EQ(og_fold_host(og_csum_bytes(buf, len, 0)),
			       ref_fold_be(buf, len, 0), "length sweep");
	/* A lone byte is the high byte of a big-endian word. */
	buf[0] = 0xab;
	ASSERT_EQ(og_fold_host(og_csum_bytes(buf, 1, 0)), 0xab00, "1 byte");
	og_test_end();
}

static void test_fold_edges(void)
{
	og_test_begin("unit/csum_fold_0xffff_0x0000_edges");
	ASSERT_EQ(og_csum_fold(0), 0, "fold 0");
	ASSERT_EQ(og_csum_fold(0xffff), 0xffff, "fold 0xffff stays -0");
	ASSERT_EQ(og_csum_fold(0x10000), 1, "carry wraps");
	ASSERT_EQ(og_csum_fold(0x1fffe), 0xffff, "0xffff+0xffff");
	ASSERT_EQ(og_csum_fold(0xffffffffffffffffULL), 0xffff, "all ones");
	ASSERT_EQ(og_csum_fold(0x100000000ULL), 1, "64-bit carry");
	ASSERT_TRUE(og_csum16_equiv(0, 0xffff), "+0 == -0");
	ASSERT_TRUE(og_csum16_equiv(0xffff, 0), "-0 == +0");
	ASSERT_TRUE(!og_csum16_equiv(0xfffe, 0), "0xfffe != 0");
	ASSERT_TRUE(!og_csum16_equiv(1, 0), "1 != 0");
	og_test_end();
}

static void test_pseudo_v4(void)
{
	/* 192.0.2.1 -> 192.0.2.2, TCP, L4 length 40. */
	uint8_t ph[12] = { 192, 0, 2, 1, 192, 0, 2, 2, 0, 6, 0, 40 };
	uint32_t s, d;
	uint64_t addr;

	og_test_begin("unit/csum_pseudo_header_ipv4_seed");
	memcpy(&s, ph, 4);
	memcpy(&d, ph + 4, 4);
	addr = og_pseudo_addr4(s, d);
	ASSERT_EQ(ntohs(og_partial_seed(addr, 6, 40)), ref_fold_be(ph, 12, 0),
		  "seed = folded pseudo-header");
	ph[11] = 0;
	ASSERT_EQ(ntohs(og_partial_seed_lengthless(addr, 6)),
		  ref_fold_be(ph, 12, 0), "length-less seed");
	og_test_end();
}

static void test_pseudo_v6_jumbo(void)
{
	uint8_t ph[40] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1,
			   [16] = 0x20, [17] = 0x01, [18] = 0x0d, [19] = 0xb8,
			   [31] = 2,
			   /* 32-bit length 0x00012345, next header 17 */
			   [33] = 0x01, [34] = 0x23, [35] = 0x45, [39] = 17 };
	uint32_t s[4], d[4];

	og_test_begin("unit/csum_pseudo_header_ipv6_32bit_length");
	memcpy(s, ph, 16);
	memcpy(d, ph + 16, 16);
	ASSERT_EQ(ntohs(og_partial_seed(og_pseudo_addr6(s, d), 17, 0x12345)),
		  ref_fold_be(ph, 40, 0), "jumbo length seed");
	og_test_end();
}

static void test_random_verify(void)
{
	uint8_t buf[2048];
	unsigned int seed = 12345, i, n;
	bool ok = true;

	og_test_begin("unit/csum_random_buffers_verify_after_fill");
	for (n = 0; n < 2000 && ok; n++) {
		size_t len = 2 + rand_r(&seed) % (sizeof(buf) - 2);
		uint16_t c;

		for (i = 0; i < len; i++)
			buf[i] = rand_r(&seed);
		/* field at offset 0: compute with zero, store, verify */
		buf[0] = buf[1] = 0;
		c = ~og_csum_fold(og_csum_bytes(buf, len, 0));
		memcpy(buf, &c, 2);
		ok = ASSERT_TRUE(og_csum_ok(og_csum_bytes(buf, len, 0)),
				 "filled checksum verifies");
		buf[len - 1] ^= 0x10;
		if (ok)
			ok = ASSERT_TRUE(!og_csum_ok(og_csum_bytes(buf, len, 0)),
					 "corrupted byte fails");
	}
	og_test_end();
}

/*
 * og_csum_replace, the arithmetic every checksum repair uses: from the
 * sum taken with whatever the field holds (a seed, garbage, 0), the value
 * that makes the whole verify -- at any offset, any length.
 */
static void test_csum_replace(void)
{
	uint8_t buf[1600];
	unsigned int seed = 777, i, n;
	bool ok = true;

	og_test_begin("unit/csum_replace_any_old_value");
	for (n = 0; n < 3000 && ok; n++) {
		size_t len = 4 + rand_r(&seed) % (sizeof(buf) - 4);
		size_t off = (rand_r(&seed) % (len - 1)) & ~(size_t)1;
		uint16_t old, c;

		for (i = 0; i < len; i++)
			buf[i] = rand_r(&seed);
		if (n % 7 == 0)
			buf[off] = buf[off + 1] = 0;	/* an empty field too */
		memcpy(&old, buf + off, 2);
		c = og_csum_replace(og_csum_fold(og_csum_bytes(buf, len, 0)),
				    old);
		memcpy(buf + off, &c, 2);
		ok = ASSERT_TRUE(og_csum_ok(og_csum_bytes(buf, len, 0)),
				 "replaced checksum verifies");
	}
	og_test_end();
}

/*
 * A minimal pcapng reader for the tests. It reads the host byte order the
 * writer promises (and checks the byte-order magic says so), and is strict
 * where readers are lenient: total lengths at both ends equal and a
 * multiple of 4, option padding zero, every option list closed by
 * opt_endofopt, nothing after the last block.
 */
struct rd_block {
	uint32_t	type;
	uint32_t	len;		/* total, both length fields included */
	const uint8_t	*body;		/* after type and length */
	size_t		body_len;	/* len - 12 */
};

struct rd_opt {
	uint16_t	code;
	uint16_t	len;
	const uint8_t	*val;
};

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static uint16_t rd16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return v;
}

/* The block at *off, advancing *off past it; false with a reason. */
static bool rd_block(const uint8_t *buf, size_t size, size_t *off,
		     struct rd_block *b, const char **why)
{
	const uint8_t *p = buf + *off;

	if (size - *off < 12) {
		*why = "block header past the end";
		return false;
	}
	b->type = rd32(p);
	b->len = rd32(p + 4);
	if (b->len < 12 || b->len % 4) {
		*why = "total length not a multiple of 4 or < 12";
		return false;
	}
	if (b->len > size - *off) {
		*why = "block past the end";
		return false;
	}
	if (rd32(p + b->len - 4) != b->len) {
		*why = "trailing total length differs";
		return false;
	}
	b->body = p + 8;
	b->body_len = b->len - 12;
	*off += b->len;
	return true;
}

/*
 * Options from p (n bytes, the rest of a block body) into out; returns
 * how many, or -1 if malformed.
 */
static int rd_opts(const uint8_t *p, size_t n, struct rd_opt *out, int max)
{
	size_t at = 0, padded, i;
	int nr = 0;

	while (at + 4 <= n) {
		uint16_t code = rd16(p + at), len = rd16(p + at + 2);

		at += 4;
		if (code == 0)
			return len == 0 && at == n ? nr : -1;
		padded = (len + 3u) & ~3u;
		if (padded > n - at || nr == max)
			return -1;
		for (i = len; i < padded; i++)
			if (p[at + i])
				return -1;
		out[nr].code = code;
		out[nr].len = len;
		out[nr].val = p + at;
		nr++;
		at += padded;
	}
	return -1;		/* no opt_endofopt */
}

static const struct rd_opt *rd_opt_find(const struct rd_opt *o, int nr,
					uint16_t code)
{
	int i;

	for (i = 0; i < nr; i++)
		if (o[i].code == code)
			return &o[i];
	return NULL;
}

static bool opt_is_str(const struct rd_opt *o, const char *want)
{
	return o && o->len == strlen(want) && !memcmp(o->val, want, o->len);
}

struct pk_case {
	unsigned int	if_id;
	uint64_t	ts_ns;
	uint32_t	caplen, len;
	const char	*comment;	/* NULL: no option at all */
};

/* Odd lengths and a comment of exactly 4 bytes test the padding. */
static const struct pk_case pk_cases[] = {
	{ 0, 1700000000123456789ULL, 61, 1514,
	  "rule=partial_bad_seed hook=tc_ingress dev=tap0 csum_offset=16" },
	{ 1, 0x123456789abcdef0ULL, 1, 1, "abcd" },
	{ 0, 1, 6, 40, NULL },
};

static void fill_pkt(uint8_t *p, size_t n, unsigned int k)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 13 + k * 101 + 1);
}

static bool check_idb(const struct rd_block *b, uint16_t linktype,
		      const char *name)
{
	struct rd_opt o[8];
	const struct rd_opt *ts;
	int nr;

	if (!ASSERT_EQ(b->type, OG_PCAPNG_IDB, "IDB type") ||
	    !ASSERT_TRUE(b->body_len >= 8, "IDB body"))
		return false;
	ASSERT_EQ(rd16(b->body), linktype, "IDB link type");
	ASSERT_EQ(rd16(b->body + 2), 0, "IDB reserved");
	ASSERT_EQ(rd32(b->body + 4), 256, "IDB snaplen");
	nr = rd_opts(b->body + 8, b->body_len - 8, o, 8);
	if (!ASSERT_TRUE(nr >= 0, "IDB options well-formed"))
		return false;
	ASSERT_TRUE(opt_is_str(rd_opt_find(o, nr, OG_PCAPNG_IF_NAME), name),
		    "if_name");
	ts = rd_opt_find(o, nr, OG_PCAPNG_IF_TSRESOL);
	return ASSERT_TRUE(ts && ts->len == 1 && ts->val[0] == 9,
			   "if_tsresol 9 (ns)");
}

static bool check_epb(const struct rd_block *b, const struct pk_case *c,
		      unsigned int k)
{
	uint8_t want[64];
	struct rd_opt o[8];
	size_t at, i;
	int nr;

	if (!ASSERT_EQ(b->type, OG_PCAPNG_EPB, "EPB type") ||
	    !ASSERT_TRUE(b->body_len >= 20, "EPB body"))
		return false;
	ASSERT_EQ(rd32(b->body), c->if_id, "EPB interface id");
	ASSERT_EQ((uint64_t)rd32(b->body + 4) << 32 | rd32(b->body + 8),
		  c->ts_ns, "EPB timestamp (high word first)");
	ASSERT_EQ(rd32(b->body + 12), c->caplen, "EPB captured length");
	ASSERT_EQ(rd32(b->body + 16), c->len, "EPB original length");
	at = 20 + ((c->caplen + 3u) & ~3u);
	if (!ASSERT_TRUE(at <= b->body_len, "EPB data within the block"))
		return false;
	fill_pkt(want, c->caplen, k);
	ASSERT_TRUE(!memcmp(b->body + 20, want, c->caplen), "EPB data");
	for (i = 20 + c->caplen; i < at; i++)
		if (!ASSERT_EQ(b->body[i], 0, "EPB data padding"))
			return false;
	if (!c->comment)
		return ASSERT_EQ(at, b->body_len, "no options when no comment");
	nr = rd_opts(b->body + at, b->body_len - at, o, 8);
	if (!ASSERT_EQ(nr, 1, "EPB options: one comment, then the end"))
		return false;
	return ASSERT_TRUE(opt_is_str(rd_opt_find(o, nr, OG_PCAPNG_OPT_COMMENT),
				      c->comment), "opt_comment text");
}

static void test_pcapng_roundtrip(void)
{
	struct og_pcapng w;
	struct rd_block b;
	struct rd_opt o[8];
	const char *why = "";
	char *mem = NULL;
	uint8_t pkt[64];
	size_t size = 0, off = 0;
	unsigned int k;
	FILE *f;
	int nr;

	og_test_begin("unit/pcapng_two_interfaces_three_packets_read_back");
	f = open_memstream(&mem, &size);
	if (!ASSERT_OK_PTR(f, "open_memstream"))
		goto out;
	if (!ASSERT_OK(og_pcapng_open(&w, f, "offguard test"), "open"))
		goto out;
	ASSERT_EQ(og_pcapng_iface(&w, 3, OG_LINKTYPE_ETHERNET, "tap0", 256), 0,
		  "first interface id");
	ASSERT_EQ(og_pcapng_iface(&w, 7, OG_LINKTYPE_RAW, "tun0", 256), 1,
		  "second interface id");
	ASSERT_EQ(og_pcapng_iface(&w, 3, OG_LINKTYPE_ETHERNET, "other", 256),
		  0, "same ifindex and link type: same id, no new block");
	for (k = 0; k < 3; k++) {
		const struct pk_case *c = &pk_cases[k];

		fill_pkt(pkt, c->caplen, k);
		ASSERT_OK(og_pcapng_packet(&w, c->if_id, c->ts_ns, pkt,
					   c->caplen, c->len, c->comment),
			  "packet");
	}
	/* caller mistakes are refused and leave the file intact */
	ASSERT_EQ(og_pcapng_packet(&w, 0, 0, pkt, 10, 9, NULL), -EINVAL,
		  "caplen > len refused");
	ASSERT_EQ(og_pcapng_packet(&w, 2, 0, pkt, 1, 1, NULL), -EINVAL,
		  "unknown interface refused");
	ASSERT_EQ(w.packets, 3, "packets written");
	if (!ASSERT_OK(og_pcapng_close(&w), "close"))
		goto out;

	/* Section Header Block */
	if (!rd_block((uint8_t *)mem, size, &off, &b, &why)) {
		OG_FAILF("SHB: %s", why);
		goto out;
	}
	ASSERT_EQ(b.type, OG_PCAPNG_SHB, "SHB type");
	if (!ASSERT_TRUE(b.body_len >= 16, "SHB body"))
		goto out;
	ASSERT_EQ(rd32(b.body), 0x1A2B3C4D, "byte-order magic, host order");
	ASSERT_EQ(rd16(b.body + 4), 1, "major version");
	ASSERT_EQ(rd16(b.body + 6), 0, "minor version");
	ASSERT_EQ(rd32(b.body + 8) & rd32(b.body + 12), 0xffffffff,
		  "section length -1 (unknown)");
	nr = rd_opts(b.body + 16, b.body_len - 16, o, 8);
	ASSERT_TRUE(nr >= 0 &&
		    opt_is_str(rd_opt_find(o, nr, OG_PCAPNG_SHB_USERAPPL),
			       "offguard test"), "shb_userappl");

	/* two Interface Description Blocks, then three packets */
	if (!rd_block((uint8_t *)mem, size, &off, &b, &why) ||
	    !check_idb(&b, OG_LINKTYPE_ETHERNET, "tap0") ||
	    !rd_block((uint8_t *)mem, size, &off, &b, &why) ||
	    !check_idb(&b, OG_LINKTYPE_RAW, "tun0")) {
		OG_FAILF("IDB: %s", why);
		goto out;
	}
	for (k = 0; k < 3; k++) {
		if (!rd_block((uint8_t *)mem, size, &off, &b, &why)) {
			OG_FAILF("EPB %u: %s", k, why);
			goto out;
		}
		if (!check_epb(&b, &pk_cases[k], k))
			goto out;
	}
	ASSERT_EQ(off, size, "nothing after the last block");
out:
	free(mem);
	og_test_end();
}

/* A full disk shows up as -ENOSPC, at the latest when the file is closed. */
static void test_pcapng_write_error(void)
{
	static const uint8_t pkt[256];
	struct og_pcapng w;
	int i, err = 0;
	FILE *f;

	f = fopen("/dev/full", "w");
	if (!f) {
		og_test_skip("unit/pcapng_write_error_reported",
			     "no /dev/full");
		return;
	}
	og_test_begin("unit/pcapng_write_error_reported");
	og_pcapng_open(&w, f, "offguard test");
	og_pcapng_iface(&w, 1, OG_LINKTYPE_RAW, "x", sizeof(pkt));
	for (i = 0; i < 100 && !err; i++)
		err = og_pcapng_packet(&w, 0, i, pkt, sizeof(pkt), 1500, "c");
	ASSERT_EQ(og_pcapng_close(&w), -ENOSPC, "close reports ENOSPC");
	og_test_end();
}

/*
 * report's diagnosis, on fixtures: each case is one or two devices with
 * features and counters, and the exact set of "device:id:severity" the
 * diagnosis must produce -- nothing more, nothing less.
 */
#define ALL_TX	(OG_DF_TX_CSUM_IPV4 | OG_DF_TX_CSUM_IPV6 | OG_DF_TX_CSUM_HW)
#define ALL_SEG	(OG_DF_TSO | OG_DF_TSO6 | OG_DF_USO | OG_DF_GSO)

static void diag_dev(struct og_diag_dev *d, __u32 ifindex, const char *name,
		     const char *kind, __u32 mtu, __u32 active, __u32 avail)
{
	memset(d, 0, sizeof(*d));
	d->info.ifindex = ifindex;
	snprintf(d->info.name, sizeof(d->info.name), "%s", name);
	snprintf(d->info.kind, sizeof(d->info.kind), "%s", kind);
	snprintf(d->info.driver, sizeof(d->info.driver), "%s", kind);
	d->info.mtu = mtu;
	d->info.have_features = true;
	d->info.feat_active = active;
	d->info.feat_available = avail;
	d->info.feat_requested = active;
	d->have_info = true;
	d->watched = true;
	/* traffic seen: a device nobody sent through proves nothing */
	d->st[OG_HOOK_TC_INGRESS].packets = 1000;
}

static void diag_count(struct og_diag_dev *d, enum og_hook h,
		       enum og_reason r, __u64 packets, __u64 repaired)
{
	d->reason[h][r].packets = packets;
	d->reason[h][r].bytes = packets * 100;
	d->reason[h][r].repaired = repaired;
}

/* "name:id:severity ..." of the findings, in the order produced. */
static void diag_expect(const char *name, struct og_diag_dev *devs,
			unsigned int nr, const char *want, const char *fix_has)
{
	struct og_finding *f = NULL;
	unsigned int nf = 0, k;
	char got[512] = "";
	size_t n = 0;

	og_test_begin(name);
	if (ASSERT_OK(og_diagnose(devs, nr, &f, &nf), "og_diagnose")) {
		for (k = 0; k < nf && n < sizeof(got); k++)
			n += snprintf(got + n, sizeof(got) - n, "%s%s:%s:%s",
				      k ? " " : "", devs[f[k].dev].info.name,
				      f[k].id, og_severity_name(f[k].severity));
		if (strcmp(got, want))
			OG_FAILF("findings: got '%s', want '%s'", got, want);
		for (k = 0; k < nf; k++) {
			if (!f[k].summary[0] || !f[k].fix[0] || !f[k].nr_ev)
				OG_FAILF("%s: summary, fix and evidence required",
					 f[k].id);
		}
		if (fix_has && (!nf || !strstr(f[0].fix, fix_has)))
			OG_FAILF("fix '%.120s' lacks '%s'", nf ? f[0].fix : "",
				 fix_has);
	}
	free(f);
	og_test_end();
}

static void test_diagnose(void)
{
	struct og_diag_dev d[3];

	diag_dev(&d[0], 2, "veth0", "veth", 1500, ALL_TX | ALL_SEG,
		 ALL_TX | ALL_SEG);
	diag_expect("unit/diag_clean", d, 1, "", NULL);

	/* tx checksumming off, the device can: the kernel pays */
	diag_dev(&d[0], 2, "up0", "veth", 1500, ALL_SEG, ALL_TX | ALL_SEG);
	diag_count(&d[0], OG_HOOK_TC_EGRESS, OG_PARTIAL_NO_TX_CSUM, 40, 0);
	diag_expect("unit/diag_tx_csum_off_fixable", d, 1,
		    "up0:tx_csum_in_software:warning", "ethtool -K up0 tx on");
	/* the device cannot: information only */
	diag_dev(&d[0], 2, "up0", "dummy", 1500, 0, 0);
	diag_count(&d[0], OG_HOOK_TC_EGRESS, OG_PARTIAL_NO_TX_CSUM, 40, 0);
	diag_expect("unit/diag_tx_csum_cannot", d, 1,
		    "up0:tx_csum_in_software:info", NULL);
	/* a TUN's offloads are its reader's to accept */
	diag_dev(&d[0], 7, "tun0", "tun", 1500, 0, ALL_TX | ALL_SEG);
	diag_count(&d[0], OG_HOOK_TC_EGRESS, OG_PARTIAL_NO_TX_CSUM, 4, 0);
	diag_expect("unit/diag_tx_csum_tun_reader", d, 1,
		    "tun0:tx_csum_in_software:warning", "TUNSETOFFLOAD");

	diag_dev(&d[0], 2, "up0", "veth", 1500, ALL_TX, ALL_TX | ALL_SEG);
	diag_count(&d[0], OG_HOOK_TC_EGRESS, OG_GSO_NO_TSO, 9, 0);
	d[0].st[OG_HOOK_TC_EGRESS].gso_tcpv4 = 9;
	diag_expect("unit/diag_gso_software", d, 1,
		    "up0:gso_in_software:warning", "tso on");

	/* the classic writer bug, observed, then repaired */
	diag_dev(&d[0], 5, "tap0", "tun", 1500, ALL_TX | ALL_SEG,
		 ALL_TX | ALL_SEG);
	diag_count(&d[0], OG_HOOK_TC_INGRESS, OG_PARTIAL_BAD_SEED, 20, 0);
	d[0].st[OG_HOOK_TC_INGRESS].seed_variant[OG_SEED_FULL_CSUM] = 20;
	diag_expect("unit/diag_writer_full_csum", d, 1,
		    "tap0:writer_bad_seed:error",
		    "offguard attach tap0 --hook tc-ingress --policy repair");
	diag_count(&d[0], OG_HOOK_TC_INGRESS, OG_PARTIAL_BAD_SEED, 20, 20);
	diag_expect("unit/diag_writer_repaired", d, 1,
		    "tap0:writer_bad_seed:warning", "fix the writer");

	diag_dev(&d[0], 5, "tap0", "tun", 1500, ALL_TX | ALL_SEG,
		 ALL_TX | ALL_SEG);
	diag_count(&d[0], OG_HOOK_TC_INGRESS, OG_GSO_TYPE_MISMATCH, 3, 0);
	diag_count(&d[0], OG_HOOK_TC_INGRESS, OG_GSO_SIZE_EXCEEDS_MTU, 7, 0);
	diag_expect("unit/diag_writer_metadata_and_mtu", d, 1,
		    "tap0:writer_bad_metadata:error tap0:gso_exceeds_mtu:error",
		    "--policy strict");

	/* a tap with jumbo frames bridged to a 1500 uplink */
	diag_dev(&d[0], 4, "br0", "bridge", 1500, ALL_TX | ALL_SEG,
		 ALL_TX | ALL_SEG);
	diag_dev(&d[1], 5, "tap0", "tun", 9000, ALL_TX | ALL_SEG,
		 ALL_TX | ALL_SEG);
	diag_dev(&d[2], 6, "eth0", "", 1500, ALL_TX | ALL_SEG,
		 ALL_TX | ALL_SEG);
	d[1].info.master = 4;
	d[2].info.master = 4;
	diag_expect("unit/diag_bridge_mtu", d, 3, "tap0:mtu_mismatch:warning",
		    "ip link set tap0 mtu 1500");

	/* UDP GSO through a device without tx checksum */
	diag_dev(&d[0], 2, "up0", "veth", 1500, OG_DF_USO, ALL_TX | ALL_SEG);
	d[0].st[OG_HOOK_TC_EGRESS].gso_udp_l4 = 12;
	diag_expect("unit/diag_udp_gso_no_tx_csum", d, 1,
		    "up0:udp_gso_no_tx_csum:warning", "ethtool -K up0 tx on");

	/* folklore: tx off for nothing */
	diag_dev(&d[0], 2, "veth1", "veth", 1500, ALL_SEG, ALL_TX | ALL_SEG);
	diag_expect("unit/diag_tx_off_without_cause", d, 1,
		    "veth1:tx_csum_off_without_cause:warning",
		    "ethtool -K veth1 tx on");
	/* ... unless a checksum fault was seen there */
	diag_count(&d[0], OG_HOOK_TC_INGRESS, OG_L4_BAD_CSUM, 1, 0);
	diag_expect("unit/diag_tx_off_with_cause", d, 1, "", NULL);

	/* the wire, and the kernel's drops */
	diag_dev(&d[0], 3, "eth1", "", 1500, ALL_TX | ALL_SEG,
		 ALL_TX | ALL_SEG);
	diag_count(&d[0], OG_HOOK_XDP, OG_WIRE_LEAKED_PARTIAL, 6, 0);
	diag_count(&d[0], OG_HOOK_XDP, OG_WIRE_L4_BAD_CSUM, 2, 0);
	diag_count(&d[0], OG_HOOK_XDP, OG_WIRE_OVERSIZE, 1, 0);
	diag_count(&d[0], OG_HOOK_KDROP, OG_KDROP_TCP_CSUM, 2, 0);
	diag_expect("unit/diag_wire_and_kdrop", d, 1,
		    "eth1:wire_leaked_partial:error eth1:wire_bad_checksums:warning eth1:wire_oversize:warning eth1:kernel_checksum_drops:warning",
		    "--hook xdp --policy repair");
}

/* Strings in JSON: escapes, UTF-8 kept, a byte that is not UTF-8 as \xNN. */
static void test_json_strings(void)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "tap0", "\"tap0\"" },
		{ "a\"b\\c\n", "\"a\\\"b\\\\c\\n\"" },
		{ "\x01", "\"\\u0001\"" },
		{ "caf\xc3\xa9", "\"caf\xc3\xa9\"" },		/* U+00E9 */
		{ "\xe2\x82\xac", "\"\xe2\x82\xac\"" },		/* U+20AC */
		{ "\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\"" },	/* U+1F600 */
		{ "x\xff", "\"x\\\\xff\"" },			/* not UTF-8 */
		{ "\xc0\xaf", "\"\\\\xc0\\\\xaf\"" },		/* overlong '/' */
		{ "\xed\xa0\x80", "\"\\\\xed\\\\xa0\\\\x80\"" },	/* surrogate */
		{ "\xe2\x82", "\"\\\\xe2\\\\x82\"" },		/* cut short */
	};
	unsigned int i;

	og_test_begin("unit/json_strings_utf8");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);
		struct json_writer *jw;

		if (!ASSERT_OK_PTR(f, "open_memstream"))
			break;
		jw = jw_new(f, false);
		if (ASSERT_OK_PTR(jw, "jw_new")) {
			jw_string(jw, cases[i].in);
			jw_destroy(&jw);
		}
		fclose(f);
		if (buf && len && buf[len - 1] == '\n')
			buf[len - 1] = 0;
		if (!buf || strcmp(buf, cases[i].out))
			OG_FAILF("case %u: got '%s', want '%s'", i,
				 buf ? buf : "(null)", cases[i].out);
		free(buf);
	}
	og_test_end();
}

/* Parse text as the daemon's config file "t.conf". */
static int cfg_parse(const char *text, struct og_config *cfg, char *err,
		     size_t errlen)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int ret;

	if (!f)
		return -errno;
	ret = og_config_parse(f, "t.conf", cfg, err, errlen);
	fclose(f);
	return ret;
}

static void test_config_good(void)
{
	static const char text[] =
		"# offguard daemon\n"
		"\n"
		"match tap*   hooks=tc-ingress,xdp policy=repair writer-omits-csum # guests\n"
		"match vnet[0-9]* policy=strict mtu=1400 xdp-mode=skb hooks=all\n"
		"\tmatch vif?.? \n"
		"match [!x]eth#0 hook=tc_egress\n"
		"prometheus /var/lib/node_exporter/offguard.prom interval=30\n";
	struct og_config cfg;
	const struct og_rule *r;
	char err[160];

	og_test_begin("unit/config_good");
	if (!ASSERT_OK(cfg_parse(text, &cfg, err, sizeof(err)), err))
		goto out;
	ASSERT_EQ(cfg.nr_rules, 4, "rules");
	ASSERT_TRUE(cfg.prom_path &&
		    !strcmp(cfg.prom_path, "/var/lib/node_exporter/offguard.prom"),
		    "prometheus path");
	ASSERT_EQ(cfg.prom_interval, 30, "interval");
	ASSERT_EQ(cfg.prom_line, 7, "prometheus line");

	r = og_config_match(&cfg, "tap17");
	if (ASSERT_OK_PTR(r, "tap17 matches")) {
		ASSERT_EQ(r->line, 3, "tap17: line");
		ASSERT_EQ(r->hooks, OG_HOOK_BIT(OG_HOOK_TC_INGRESS) |
				    OG_HOOK_BIT(OG_HOOK_XDP), "tap17: hooks");
		ASSERT_EQ(r->policy, OG_POLICY_REPAIR, "tap17: policy");
		ASSERT_EQ(r->flags, OG_CONF_WRITER_OMITS_CSUM, "tap17: flags");
		ASSERT_EQ(r->mtu, 0, "tap17: mtu");
		ASSERT_EQ(r->xdp_mode, OG_ATTACH_NONE, "tap17: xdp-mode");
	}
	r = og_config_match(&cfg, "vnet3");
	if (ASSERT_OK_PTR(r, "vnet3 matches")) {
		ASSERT_EQ(r->hooks, OG_HOOKS_TC | OG_HOOK_BIT(OG_HOOK_XDP),
			  "vnet3: hooks=all");
		ASSERT_EQ(r->policy, OG_POLICY_STRICT, "vnet3: policy");
		ASSERT_EQ(r->mtu, 1400, "vnet3: mtu");
		ASSERT_EQ(r->xdp_mode, OG_ATTACH_XDP_SKB, "vnet3: xdp-mode");
	}
	/* defaults: the two tc hooks, observe */
	r = og_config_match(&cfg, "vif1.0");
	if (ASSERT_OK_PTR(r, "vif1.0 matches")) {
		ASSERT_EQ(r->hooks, OG_HOOKS_TC, "vif1.0: default hooks");
		ASSERT_EQ(r->policy, OG_POLICY_OBSERVE, "vif1.0: default policy");
	}
	/* '#' inside a word is no comment */
	r = og_config_match(&cfg, "aeth#0");
	if (ASSERT_OK_PTR(r, "aeth#0 matches"))
		ASSERT_EQ(r->hooks, OG_HOOK_BIT(OG_HOOK_TC_EGRESS), "aeth#0: hook");
	ASSERT_TRUE(!og_config_match(&cfg, "xeth#0"), "[!x] excludes x");
	ASSERT_TRUE(!og_config_match(&cfg, "vnet"), "vnet[0-9]* needs a digit");
	ASSERT_TRUE(!og_config_match(&cfg, "eth0"), "eth0 matches nothing");
	ASSERT_TRUE(!og_config_match(&cfg, "vif10"), "vif?.? needs the dot");
	og_config_free(&cfg);

	/* first match wins, and an empty file is a valid one */
	if (ASSERT_OK(cfg_parse("match tap0 policy=strict\nmatch tap*\n", &cfg,
				err, sizeof(err)), err)) {
		r = og_config_match(&cfg, "tap0");
		ASSERT_TRUE(r && r->policy == OG_POLICY_STRICT, "first wins");
		r = og_config_match(&cfg, "tap1");
		ASSERT_TRUE(r && r->line == 2, "tap1: second rule");
		og_config_free(&cfg);
	}
	if (ASSERT_OK(cfg_parse("# nothing\n", &cfg, err, sizeof(err)), err)) {
		ASSERT_EQ(cfg.nr_rules, 0, "empty: no rules");
		ASSERT_TRUE(!cfg.prom_path, "empty: no prometheus");
		og_config_free(&cfg);
	}
	if (ASSERT_OK(cfg_parse("prometheus /x.prom", &cfg, err, sizeof(err)),
		      err)) {
		ASSERT_EQ(cfg.prom_interval, OG_PROM_INTERVAL_DEFAULT,
			  "default interval");
		og_config_free(&cfg);
	}
out:
	og_test_end();
}

static void test_config_bad(void)
{
	static const struct {
		const char *text;
		const char *err;
	} cases[] = {
		{ "match tap*\nmatch vnet* polcy=repair\n",
		  "t.conf:2: unknown key 'polcy'" },
		{ "mach tap*\n",
		  "t.conf:1: unknown directive 'mach' (match or prometheus)" },
		{ "match\n", "t.conf:1: match: no pattern given" },
		{ "match tap/0\n",
		  "t.conf:1: bad pattern 'tap/0': '/' cannot be in an interface name" },
		{ "match tap:0\n",
		  "t.conf:1: bad pattern 'tap:0': ':' cannot be in an interface name" },
		{ "match abcdefghijklmnop*\n",
		  "t.conf:1: bad pattern 'abcdefghijklmnop*': longer than 15 characters, the longest interface name" },
		{ "match tap[0-9\n",
		  "t.conf:1: bad pattern 'tap[0-9': '[' without a closing ']'" },
		{ "match tap[]\n",
		  "t.conf:1: bad pattern 'tap[]': '[' without a closing ']'" },
		{ "match ..\n", "t.conf:1: bad pattern '..': not an interface name" },
		{ "match tap\\\n",
		  "t.conf:1: bad pattern 'tap\\': '\\' at the end escapes nothing" },
		{ "match tap* policy=fix\n",
		  "t.conf:1: bad policy 'fix' (observe, repair or strict)" },
		{ "match tap* policy=\n",
		  "t.conf:1: 'policy' needs a value (policy=observe|repair|strict)" },
		{ "match tap* policy=repair policy=strict\n",
		  "t.conf:1: 'policy' given twice" },
		{ "match tap* hooks=tc-ingress,egress\n",
		  "t.conf:1: bad hook 'egress' (tc-ingress, tc-egress, xdp or all)" },
		{ "match tap* hooks=tc-ingress,,xdp\n",
		  "t.conf:1: bad hook '' (tc-ingress, tc-egress, xdp or all)" },
		{ "match tap* hooks=kdrop\n",
		  "t.conf:1: bad hook 'kdrop' (tc-ingress, tc-egress, xdp or all)" },
		{ "match tap* mtu=67\n", "t.conf:1: bad mtu '67' (0, or 68..65535)" },
		{ "match tap* xdp-mode=driver\n",
		  "t.conf:1: bad xdp-mode 'driver' (native or skb)" },
		{ "match tap* writer-omits-csum=yes\n",
		  "t.conf:1: 'writer-omits-csum' takes no value" },
		{ "\n# x\nmatch tap*\nmatch vnet*\nmatch tap*\n",
		  "t.conf:5: duplicate pattern 'tap*' (first at line 3): this rule would never match" },
		{ "prometheus\n", "t.conf:1: prometheus: no path given" },
		{ "prometheus x.prom\n",
		  "t.conf:1: prometheus: path 'x.prom' is not absolute" },
		{ "prometheus /var/lib/\n",
		  "t.conf:1: prometheus: path '/var/lib/' names a directory, not a file" },
		{ "prometheus /a.prom interval=0\n",
		  "t.conf:1: bad interval '0' (whole seconds, 1..86400)" },
		{ "prometheus /a.prom every=5\n", "t.conf:1: unknown key 'every'" },
		{ "prometheus /a.prom\nmatch x\nprometheus /b.prom\n",
		  "t.conf:3: duplicate prometheus line (first at line 1)" },
		{ "segd tap0 eth0\n",
		  "t.conf:1: segd is not a daemon directive: run offguard segd --in IN --out OUT, one process per pair" },
	};
	struct og_config cfg;
	char err[160];
	unsigned int i;
	int ret;

	og_test_begin("unit/config_bad");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ret = cfg_parse(cases[i].text, &cfg, err, sizeof(err));
		if (ret != -EINVAL)
			OG_FAILF("case %u: returned %d, want -EINVAL", i, ret);
		else if (strcmp(err, cases[i].err))
			OG_FAILF("case %u: got '%s', want '%s'", i, err,
				 cases[i].err);
		/* a refused file leaves nothing behind */
		ASSERT_TRUE(!cfg.rules && !cfg.nr_rules && !cfg.prom_path,
			    "config emptied");
	}
	og_test_end();
}

static void test_config_files(void)
{
	char dir[] = "/tmp/og_unit_cfg.XXXXXX", path[64], err[160];
	struct og_config cfg;
	FILE *f;

	og_test_begin("unit/config_files");
	if (!ASSERT_OK_PTR(mkdtemp(dir), "mkdtemp"))
		goto out;
	snprintf(path, sizeof(path), "%s/missing.conf", dir);
	ASSERT_EQ(og_config_load(path, &cfg, err, sizeof(err)), -ENOENT,
		  "missing: -ENOENT");
	ASSERT_TRUE(strstr(err, "/missing.conf: no such file or directory") &&
		    !strncmp(err, dir, strlen(dir)), "missing: the message");
	ASSERT_EQ(og_config_load(dir, &cfg, err, sizeof(err)), -EINVAL,
		  "directory: -EINVAL");
	ASSERT_TRUE(!strncmp(err, dir, strlen(dir)) &&
		    !strcmp(err + strlen(dir), ": is a directory"),
		    "directory: the message");
	snprintf(path, sizeof(path), "%s/good.conf", dir);
	f = fopen(path, "w");
	if (ASSERT_OK_PTR(f, "write good.conf")) {
		fputs("match tap*\n", f);
		fclose(f);
		if (ASSERT_OK(og_config_load(path, &cfg, err, sizeof(err)), err)) {
			ASSERT_EQ(cfg.nr_rules, 1, "good.conf: one rule");
			og_config_free(&cfg);
		}
		unlink(path);
	}
	rmdir(dir);
out:
	og_test_end();
}

/*
 * Segmentation core (user/seg.c). Super-frames are built here byte by
 * byte (not with user/pkt.c, so builder and core do not share mistakes);
 * every segment is checked with ref_fold_be, not with the core's sum.
 */
struct seg_case {
	const char	*name;
	int		ipv6;
	int		udp;
	int		ipopts;		/* IPv4 option bytes (NOPs) */
	int		ext;		/* IPv6: hbh + dstopts + rt2 when set */
	int		tcpopts;	/* TCP option bytes (NOPs) */
	__u8		flags;
	unsigned int	payload;
	unsigned int	mss;
};

static const struct seg_case seg_cases[] = {
	{ "unit/seg_tcp4_multiple",	0, 0, 0, 0, 12, 0x10, 4000, 1000 },
	{ "unit/seg_tcp4_short_last", 0, 0, 8, 0, 12, 0x18, 4001, 1000 },
	{ "unit/seg_tcp4_flags",	0, 0, 0, 0, 0, 0x99, 2999, 1000 },
	{ "unit/seg_tcp4_one",	0, 0, 0, 0, 0, 0x99, 1000, 1000 },
	{ "unit/seg_tcp4_empty",	0, 0, 0, 0, 0, 0x11, 0, 1000 },
	{ "unit/seg_tcp4_mss1",	0, 0, 0, 0, 4, 0x99, 9, 1 },
	{ "unit/seg_tcp4_odd",	0, 0, 4, 0, 0, 0x18, 3333, 333 },
	{ "unit/seg_tcp4_64k",	0, 0, 0, 0, 0, 0x18, 65495, 1460 },
	{ "unit/seg_tcp6_multiple",	1, 0, 0, 0, 12, 0x10, 2856, 1428 },
	{ "unit/seg_tcp6_ext_flags",	1, 0, 0, 1, 8, 0x89, 3001, 1000 },
	{ "unit/seg_udp4_multiple",	0, 1, 0, 0, 0, 0, 4416, 1472 },
	{ "unit/seg_udp4_short_last", 0, 1, 4, 0, 0, 0, 4000, 1472 },
	{ "unit/seg_udp4_one",	0, 1, 0, 0, 0, 0, 100, 1472 },
	{ "unit/seg_udp6_multiple",	1, 1, 0, 0, 0, 0, 4356, 1452 },
	{ "unit/seg_udp6_ext_odd",	1, 1, 0, 1, 0, 0, 2555, 777 },
};

static const __u8 seg_home[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x99 };

/* Frame for c into buf; returns its length; l3, l4 and hdr filled. */
static size_t seg_build(const struct seg_case *c, __u8 *buf, size_t *l3,
			size_t *l4, size_t *hdr)
{
	size_t off = 14, l4h, i, ip_start;
	__u8 proto = c->udp ? IPPROTO_UDP : IPPROTO_TCP;

	memset(buf, 0, 128 + 8);
	memcpy(buf, "\x02\0\0\0\0\x02\x02\0\0\0\0\x01", 12);
	buf[12] = c->ipv6 ? 0x86 : 0x08;
	buf[13] = c->ipv6 ? 0xdd : 0x00;
	*l3 = ip_start = off;
	if (!c->ipv6) {
		buf[off] = 0x45 + c->ipopts / 4;
		buf[off + 4] = 0xff;	/* ID 0xfffe: wraps while segmenting */
		buf[off + 5] = 0xfe;
		buf[off + 6] = 0x40;	/* DF */
		buf[off + 8] = 64;
		buf[off + 9] = proto;
		memcpy(buf + off + 12, "\xc0\x00\x02\x01\xc0\x00\x02\x02", 8);
		memset(buf + off + 20, 1, c->ipopts);
		off += 20 + c->ipopts;
	} else {
		buf[off] = 0x60;
		buf[off + 7] = 64;
		buf[off + 8] = 0x20; buf[off + 9] = 0x01; buf[off + 23] = 1;
		buf[off + 24] = 0x20; buf[off + 25] = 0x01; buf[off + 39] = 2;
		off += 40;
		if (c->ext) {
			buf[ip_start + 6] = IPPROTO_HOPOPTS;
			buf[off] = IPPROTO_DSTOPTS;	/* hbh, 8 bytes, PadN */
			buf[off + 2] = 1;
			buf[off + 3] = 4;
			off += 8;
			buf[off] = IPPROTO_ROUTING;	/* dstopts, 8 bytes */
			buf[off + 2] = 1;
			buf[off + 3] = 4;
			off += 8;
			buf[off] = proto;		/* type 2, home address */
			buf[off + 1] = 2;
			buf[off + 2] = 2;
			buf[off + 3] = 1;
			memcpy(buf + off + 8, seg_home, 16);
			off += 24;
		} else {
			buf[ip_start + 6] = proto;
		}
	}
	*l4 = off;
	if (c->udp) {
		l4h = 8;
		buf[off] = 0x30; buf[off + 1] = 0x39;
		buf[off + 2] = 0x00; buf[off + 3] = 0x35;
	} else {
		l4h = 20 + c->tcpopts;
		buf[off] = 0x30; buf[off + 1] = 0x39;
		buf[off + 2] = 0x00; buf[off + 3] = 0x50;
		memcpy(buf + off + 4, "\xff\xff\xfc\x00", 4);	/* seq wraps */
		buf[off + 12] = (__u8)((l4h / 4) << 4);
		buf[off + 13] = c->flags;
		buf[off + 14] = 0xff;
		memset(buf + off + 20, 1, c->tcpopts);
	}
	*hdr = off + l4h;
	for (i = 0; i < c->payload; i++)
		buf[*hdr + i] = (__u8)(i * 7 + (i >> 8) + 3);
	/* Lengths of the super-frame; checksum fields left as garbage. */
	if (!c->ipv6) {
		buf[ip_start + 2] = (__u8)((*hdr + c->payload - ip_start) >> 8);
		buf[ip_start + 3] = (__u8)(*hdr + c->payload - ip_start);
	} else {
		buf[ip_start + 4] = (__u8)((*hdr + c->payload - ip_start - 40) >> 8);
		buf[ip_start + 5] = (__u8)(*hdr + c->payload - ip_start - 40);
	}
	if (c->udp) {
		buf[off + 4] = (__u8)((8 + c->payload) >> 8);
		buf[off + 5] = (__u8)(8 + c->payload);
		buf[off + 6] = 0xab;
	} else {
		buf[off + 16] = 0xcd;
	}
	return *hdr + c->payload;
}

static uint16_t seg_be16(const __u8 *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Pseudo-header of a segment, big-endian words (final destination). */
static uint32_t seg_pseudo(const struct seg_case *c, const __u8 *s,
			   size_t l3, uint32_t l4len)
{
	uint32_t sum = (c->udp ? IPPROTO_UDP : IPPROTO_TCP) + l4len;

	if (!c->ipv6)
		return sum + ref_fold_be(s + l3 + 12, 8, 0);
	sum += ref_fold_be(s + l3 + 8, 16, 0);
	return sum + ref_fold_be(c->ext ? seg_home : s + l3 + 24, 16, 0);
}

static bool seg_check(const struct seg_case *c, const __u8 *in, size_t l3,
		      size_t l4, size_t hdr, const __u8 *out,
		      const struct og_seg *segs, int n)
{
	unsigned int want = c->payload ? (c->payload + c->mss - 1) / c->mss : 1;
	size_t done = 0;
	int i;

	if (!ASSERT_EQ(n, want, "segments"))
		return false;
	for (i = 0; i < n; i++) {
		const __u8 *s = out + segs[i].off;
		size_t chunk = segs[i].len - hdr;
		uint32_t l4len = (uint32_t)(segs[i].len - l4);
		bool last = i == n - 1;

		if (!ASSERT_TRUE(segs[i].len >= hdr && chunk <= c->mss,
				 "segment fits mss") ||
		    !ASSERT_TRUE(last || chunk == c->mss, "only the last is short") ||
		    !ASSERT_TRUE(!memcmp(s + hdr, in + hdr + done, chunk),
				 "payload in order"))
			return false;
		/* Bytes the core must not touch: MACs, addresses, ports. */
		if (!ASSERT_TRUE(!memcmp(s, in, 14), "ethernet kept") ||
		    !ASSERT_TRUE(!memcmp(s + l4, in + l4, 4), "ports kept"))
			return false;
		if (!c->ipv6) {
			if (!ASSERT_EQ(ref_fold_be(s + l3, l4 - l3, 0), 0xffff,
				       "ip header checksum") ||
			    !ASSERT_EQ(seg_be16(s + l3 + 2), segs[i].len - l3,
				       "tot_len") ||
			    !ASSERT_EQ(seg_be16(s + l3 + 4),
				       (uint16_t)(0xfffe + i), "ip id"))
				return false;
		} else if (!ASSERT_EQ(seg_be16(s + l3 + 4), segs[i].len - l3 - 40,
				      "payload_len") ||
			   !ASSERT_TRUE(!memcmp(s + l3 + 6, in + l3 + 6,
						l4 - l3 - 6), "ext headers kept")) {
			return false;
		}
		if (!ASSERT_EQ(ref_fold_be(s + l4, l4len,
					   seg_pseudo(c, s, l3, l4len)),
			       0xffff, "l4 checksum"))
			return false;
		if (c->udp) {
			if (!ASSERT_EQ(seg_be16(s + l4 + 4), l4len, "udp length") ||
			    !ASSERT_TRUE(seg_be16(s + l4 + 6) != 0, "udp csum not 0"))
				return false;
		} else {
			__u8 f = c->flags;
			uint32_t seq = (uint32_t)(0xfffffc00u + i * c->mss);

			if (!last)
				f &= ~0x09;
			if (i)
				f &= ~0x80;
			if (!ASSERT_EQ(s[l4 + 13], f, "tcp flags") ||
			    !ASSERT_EQ((uint32_t)s[l4 + 4] << 24 | s[l4 + 5] << 16 |
				       s[l4 + 6] << 8 | s[l4 + 7], seq, "seq") ||
			    !ASSERT_TRUE(!memcmp(s + l4 + 8, in + l4 + 8, 5) &&
					 !memcmp(s + l4 + 14, in + l4 + 14, 2) &&
					 !memcmp(s + l4 + 18, in + l4 + 18,
						 hdr - l4 - 18),
					 "ack, window, options kept"))
				return false;
		}
		done += chunk;
	}
	return ASSERT_EQ(done, c->payload, "payload total");
}

#define SEG_BUF		(70 * 1024)
#define SEG_OUT		(4 * 70 * 1024)
#define SEG_MAX		1024

static void test_seg_cases(void)
{
	static __u8 in[SEG_BUF], out[SEG_OUT];
	static struct og_seg segs[SEG_MAX];
	size_t i, l3, l4, hdr, len;
	int n;

	for (i = 0; i < sizeof(seg_cases) / sizeof(seg_cases[0]); i++) {
		const struct seg_case *c = &seg_cases[i];

		og_test_begin(c->name);
		len = seg_build(c, in, &l3, &l4, &hdr);
		n = og_segment(in, len, c->udp ? OG_SEG_UDP_L4 : OG_SEG_TCP,
			       c->mss, out, sizeof(out), segs, SEG_MAX);
		if (ASSERT_TRUE(n > 0, "og_segment"))
			seg_check(c, in, l3, l4, hdr, out, segs, n);
		og_test_end();
	}
}

/*
 * Segment size policy (og_seg_size). Frames from seg_build: IPv4 TCP with
 * 12 option bytes has 52 bytes of IP+TCP headers, IPv4 UDP 28, IPv6 TCP
 * with 12 option bytes 72.
 */
struct seg_size_case {
	const char	*name;
	int		ipv6, udp, tcpopts;
	unsigned int	gso_type, gso_size, flow_mss, mtu;
	enum og_seg_size_src want_src;
	unsigned int	want;
};

static const struct seg_size_case seg_size_cases[] = {
	{ "unit/seg_size_gso_tcp", 0, 0, 12, OG_SEG_TCP, 1448, 1460, 1500,
	  OG_SEG_SIZE_GSO, 1448 },
	/* the guest's gso_size over the MTU: TCP is cut to the MSS instead */
	{ "unit/seg_size_gso_over_mtu_mss", 0, 0, 12, OG_SEG_TCP, 8948, 1400,
	  1500, OG_SEG_SIZE_MSS, 1388 },
	{ "unit/seg_size_gso_over_mtu_mtu", 0, 0, 12, OG_SEG_TCP, 8948, 0,
	  1500, OG_SEG_SIZE_MTU, 1448 },
	/* an MSS larger than the MTU allows is capped by the MTU */
	{ "unit/seg_size_mss_over_mtu", 0, 0, 12, 0, 0, 8960, 1500,
	  OG_SEG_SIZE_MTU, 1448 },
	{ "unit/seg_size_mss_exact", 0, 0, 12, 0, 0, 1460, 1500,
	  OG_SEG_SIZE_MSS, 1448 },
	{ "unit/seg_size_mss_v6", 1, 0, 12, 0, 0, 1440, 1500,
	  OG_SEG_SIZE_MSS, 1428 },
	/* an MSS no larger than the options is no size at all */
	{ "unit/seg_size_mss_tiny", 0, 0, 12, 0, 0, 12, 1500,
	  OG_SEG_SIZE_MTU, 1448 },
	/* a UDP gso_type on a TCP frame is not the frame's size */
	{ "unit/seg_size_wrong_type", 0, 0, 12, OG_SEG_UDP_L4, 500, 0, 1500,
	  OG_SEG_SIZE_MTU, 1448 },
	{ "unit/seg_size_udp_gso", 0, 1, 0, OG_SEG_UDP_L4, 1400, 0, 1500,
	  OG_SEG_SIZE_GSO, 1400 },
	{ "unit/seg_size_udp_gso_fits_exactly", 0, 1, 0, OG_SEG_UDP_L4, 1472,
	  0, 1500, OG_SEG_SIZE_GSO, 1472 },
	/* datagrams are never re-cut: too big or no metadata, no size */
	{ "unit/seg_size_udp_over_mtu", 0, 1, 0, OG_SEG_UDP_L4, 1473, 0, 1500,
	  OG_SEG_SIZE_NONE, 0 },
	{ "unit/seg_size_udp_no_gso", 0, 1, 0, 0, 0, 1460, 1500,
	  OG_SEG_SIZE_NONE, 0 },
	{ "unit/seg_size_mtu_below_headers", 0, 0, 12, OG_SEG_TCP, 1448, 0,
	  52, OG_SEG_SIZE_NONE, 0 },
};

static void test_seg_size(void)
{
	static __u8 in[SEG_BUF];
	size_t i, l3, l4, hdr, len;

	for (i = 0; i < sizeof(seg_size_cases) / sizeof(seg_size_cases[0]); i++) {
		const struct seg_size_case *t = &seg_size_cases[i];
		struct seg_case c = { .name = t->name, .ipv6 = t->ipv6,
				      .udp = t->udp, .tcpopts = t->tcpopts,
				      .payload = 20000, .mss = 1000 };
		enum og_seg_type type = t->udp ? OG_SEG_UDP_L4 : OG_SEG_TCP;
		struct og_seg_info info;
		unsigned int size = 12345;
		int src;

		og_test_begin(t->name);
		len = seg_build(&c, in, &l3, &l4, &hdr);
		if (ASSERT_EQ(og_seg_parse(in, len, type, 1000, &info), 0,
			      "og_seg_parse")) {
			src = og_seg_size(&info, type, t->gso_type, t->gso_size,
					  t->flow_mss, t->mtu, &size);
			ASSERT_EQ(src, (int)t->want_src, "source");
			ASSERT_EQ(size, t->want, "size");
		}
		og_test_end();
	}
}

/*
 * og_seg_csum_state on one-segment frames: completed by og_segment
 * (complete), the L4 field set to the pseudo-header sum by the test's own
 * big-endian reference (partial), then damaged (bad).
 */
struct seg_csum_case {
	const char	*name;
	int		ipv6, udp, ext;
	int		edit;		/* 0 none, 1 seed, 2 seed + payload byte,
					 * 3 payload byte, 4 IPv4 header byte,
					 * 5 UDP checksum 0 */
	int		want;
};

static const struct seg_csum_case seg_csum_cases[] = {
	{ "unit/seg_csum_tcp4_complete",	0, 0, 0, 0, OG_SEG_CSUM_COMPLETE },
	{ "unit/seg_csum_tcp4_seed",		0, 0, 0, 1, OG_SEG_CSUM_PARTIAL },
	{ "unit/seg_csum_tcp6_ext_seed",	1, 0, 1, 1, OG_SEG_CSUM_PARTIAL },
	{ "unit/seg_csum_udp6_seed",		1, 1, 0, 1, OG_SEG_CSUM_PARTIAL },
	{ "unit/seg_csum_tcp4_bad",		0, 0, 0, 3, OG_SEG_CSUM_BAD },
	{ "unit/seg_csum_udp6_bad",		1, 1, 0, 3, OG_SEG_CSUM_BAD },
	/* a seed whose data changed is still a seed: the data is summed later */
	{ "unit/seg_csum_tcp4_seed_payload",	0, 0, 0, 2, OG_SEG_CSUM_PARTIAL },
	{ "unit/seg_csum_ip4_header_bad",	0, 0, 0, 4, OG_SEG_CSUM_BAD },
	{ "unit/seg_csum_udp4_none",		0, 1, 0, 5, OG_SEG_CSUM_COMPLETE },
	{ "unit/seg_csum_udp6_zero",		1, 1, 0, 5, OG_SEG_CSUM_BAD },
};

static void test_seg_csum_state(void)
{
	static __u8 in[SEG_BUF], out[SEG_OUT];
	static struct og_seg segs[SEG_MAX];
	size_t i, l3, l4, hdr, len;

	for (i = 0; i < sizeof(seg_csum_cases) / sizeof(seg_csum_cases[0]); i++) {
		const struct seg_csum_case *t = &seg_csum_cases[i];
		struct seg_case c = { .name = t->name, .ipv6 = t->ipv6,
				      .udp = t->udp, .ext = t->ext,
				      .payload = 301, .mss = 1000 };
		enum og_seg_type type = t->udp ? OG_SEG_UDP_L4 : OG_SEG_TCP;
		size_t field;
		uint16_t seed;
		int n;

		og_test_begin(t->name);
		len = seg_build(&c, in, &l3, &l4, &hdr);
		n = og_segment(in, len, type, 1000, out, sizeof(out), segs, SEG_MAX);
		if (!ASSERT_EQ(n, 1, "one segment"))
			goto next;
		field = l4 + (t->udp ? 6 : 16);
		seed = (uint16_t)ref_fold_be(NULL, 0,
					     seg_pseudo(&c, out, l3, (uint32_t)(len - l4)));
		if (t->edit == 1 || t->edit == 2) {
			out[field] = seed >> 8;
			out[field + 1] = seed & 0xff;
		}
		if (t->edit == 2 || t->edit == 3)
			out[len - 1] ^= 0x5a;
		if (t->edit == 4)
			out[l3 + 8] ^= 1;	/* TTL */
		if (t->edit == 5)
			out[field] = out[field + 1] = 0;
		ASSERT_EQ(og_seg_csum_state(out, len, type), t->want, "state");
next:
		og_test_end();
	}
}

/* seg_err: og_segment fails with want and leaves out[] untouched. */
static void seg_err(const char *what, const __u8 *in, size_t len,
		    enum og_seg_type type, unsigned int mss, size_t cap,
		    unsigned int max_segs, int want)
{
	static __u8 out[SEG_OUT];
	static struct og_seg segs[SEG_MAX];
	size_t j;
	int n;

	memset(out, 0x5a, sizeof(out));
	memset(segs, 0x5a, sizeof(segs));
	n = og_segment(in, len, type, mss, out, cap, segs, max_segs);
	if (!ASSERT_EQ(n, want, what))
		return;
	for (j = 0; j < sizeof(out); j++)
		if (out[j] != 0x5a)
			break;
	ASSERT_TRUE(j == sizeof(out) && segs[0].off == 0x5a5a5a5a,
		    "nothing written on error");
}

static void test_seg_errors(void)
{
	static __u8 in[SEG_BUF], bad[SEG_BUF];
	const struct seg_case *t4 = &seg_cases[0], *t6 = &seg_cases[9];
	size_t l3, l4, hdr, len, len6;

	og_test_begin("unit/seg_errors_write_nothing");
	len = seg_build(t4, in, &l3, &l4, &hdr);
	seg_err("mss 0", in, len, OG_SEG_TCP, 0, SEG_OUT, SEG_MAX, -EINVAL);
	seg_err("udp type on tcp", in, len, OG_SEG_UDP_L4, 1000, SEG_OUT, SEG_MAX, -EINVAL);
	seg_err("bad type", in, len, 7, 1000, SEG_OUT, SEG_MAX, -EINVAL);
	seg_err("truncated", in, len - 1, OG_SEG_TCP, 1000, SEG_OUT, SEG_MAX, -EINVAL);
	seg_err("no ip", in, 20, OG_SEG_TCP, 1000, SEG_OUT, SEG_MAX, -EINVAL);
	seg_err("short frame", in, 3, OG_SEG_TCP, 1000, SEG_OUT, SEG_MAX, -EINVAL);
	seg_err("too many", in, len, OG_SEG_TCP, 1000, SEG_OUT, 3, -E2BIG);
	seg_err("cap", in, len, OG_SEG_TCP, 1000, 4 * hdr + 3999, SEG_MAX, -ENOSPC);
	seg_err("mss too big", in, len, OG_SEG_TCP, 65536, SEG_OUT, SEG_MAX, -EINVAL);

	memcpy(bad, in, len);
	bad[l3 + 6] |= 0x20;	/* MF */
	seg_err("ipv4 fragment", bad, len, OG_SEG_TCP, 1000, SEG_OUT, SEG_MAX, -EINVAL);
	memcpy(bad, in, len);
	bad[l3] = 0x44;		/* ihl 4 */
	seg_err("ihl", bad, len, OG_SEG_TCP, 1000, SEG_OUT, SEG_MAX, -EINVAL);
	memcpy(bad, in, len);
	bad[l3 + 3]++;		/* tot_len */
	seg_err("tot_len", bad, len, OG_SEG_TCP, 1000, SEG_OUT, SEG_MAX, -EINVAL);
	memcpy(bad, in, len);
	bad[l4 + 12] = 0x40;	/* doff 4 */
	seg_err("doff", bad, len, OG_SEG_TCP, 1000, SEG_OUT, SEG_MAX, -EINVAL);
	memcpy(bad, in, len);
	bad[12] = 0x08; bad[13] = 0x06;
	seg_err("arp", bad, len, OG_SEG_TCP, 1000, SEG_OUT, SEG_MAX, -EINVAL);

	len6 = seg_build(t6, in, &l3, &l4, &hdr);
	memcpy(bad, in, len6);
	bad[l3 + 40 + 16 + 2] = 0;	/* routing type 0, segments left */
	seg_err("rh type 0", bad, len6, OG_SEG_TCP, 1000, SEG_OUT, SEG_MAX, -EINVAL);
	memcpy(bad, in, len6);
	bad[l3 + 40 + 8] = IPPROTO_FRAGMENT;	/* dstopts -> fragment */
	seg_err("v6 fragment", bad, len6, OG_SEG_TCP, 1000, SEG_OUT, SEG_MAX, -EINVAL);
	memcpy(bad, in, len6);
	bad[l3 + 40 + 1] = 200;	/* hbh longer than the frame */
	seg_err("ext overrun", bad, len6, OG_SEG_TCP, 1000, SEG_OUT, SEG_MAX, -EINVAL);
	seg_err("null", NULL, 0, OG_SEG_TCP, 1000, SEG_OUT, SEG_MAX, -EINVAL);
	og_test_end();
}

/*
 * Mutated frames: whatever the core accepts must come out as segments
 * that verify; the rest is refused. Deterministic (fixed seed).
 */
static void test_seg_mutations(void)
{
	static __u8 in[SEG_BUF], m[SEG_BUF], out[SEG_OUT];
	static struct og_seg segs[SEG_MAX];
	unsigned int seed = 12345, k, accepted = 0;
	size_t l3, l4, hdr, len;

	og_test_begin("unit/seg_mutations_refused_or_valid");
	for (k = 0; k < 3000 && !og_t.failed; k++) {
		const struct seg_case *c = &seg_cases[k % 15];
		enum og_seg_type type = c->udp ? OG_SEG_UDP_L4 : OG_SEG_TCP;
		size_t pos, mlen;
		int n, j;

		if (c->payload > 8000)
			continue;
		len = seg_build(c, in, &l3, &l4, &hdr);
		memcpy(m, in, len);
		mlen = len;
		for (j = 0; j < 3; j++) {
			pos = rand_r(&seed) % hdr;
			m[pos] = (__u8)rand_r(&seed);
		}
		if (rand_r(&seed) % 4 == 0)
			mlen = rand_r(&seed) % (len + 1);
		n = og_segment(m, mlen, type, c->mss, out, sizeof(out), segs,
			       SEG_MAX);
		if (n < 0)
			continue;
		accepted++;
		/* Accepted with the header intact: must equal the clean case. */
		if (mlen == len && !memcmp(m, in, len))
			seg_check(c, in, l3, l4, hdr, out, segs, n);
		else
			ASSERT_TRUE((size_t)segs[n - 1].off + segs[n - 1].len <=
				    sizeof(out), "inside the buffer");
	}
	ASSERT_TRUE(accepted > 0, "some mutations accepted");
	og_test_end();
}

int main(void)
{
	test_rfc1071_example();
	test_ipv4_header_known();
	test_odd_lengths();
	test_fold_edges();
	test_pseudo_v4();
	test_pseudo_v6_jumbo();
	test_random_verify();
	test_csum_replace();
	test_pcapng_roundtrip();
	test_pcapng_write_error();
	test_diagnose();
	test_json_strings();
	test_config_good();
	test_config_bad();
	test_config_files();
	test_seg_cases();
	test_seg_errors();
	test_seg_mutations();
	test_seg_size();
	test_seg_csum_state();
	return og_t.fails ? 1 : 0;
}
