// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests, no root: the checksum arithmetic of bpf/csum.h (the code the
 * BPF programs run) against known answers and against an independent
 * big-endian reference written the textbook way.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>

#include "testing.h"
#include "../bpf/csum.h"

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

int main(void)
{
	test_rfc1071_example();
	test_ipv4_header_known();
	test_odd_lengths();
	test_fold_edges();
	test_pseudo_v4();
	test_pseudo_v6_jumbo();
	test_random_verify();
	return og_t.fails ? 1 : 0;
}
