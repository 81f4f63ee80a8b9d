// SPDX-License-Identifier: GPL-2.0-only
/*
 * og_replay: put the frames of a capture onto an interface, byte for byte,
 * as Ethernet frames (AF_PACKET, SOCK_RAW), for the corpus replay test.
 *
 *   og_replay --dev IFNAME [--gap-us N] [--first N] [--last N] FILE
 *   og_replay --list FILE          what would be sent: "N LEN" lines
 *
 * Prints "sent N skipped M" on stdout. Exit 0 when every frame that
 * converts was sent, 1 otherwise (the first failure named), 2 on usage.
 *
 * Why not tcpreplay: the corpus holds pcapng and is meant to hold any
 * link type; tcpreplay sends a non-Ethernet capture's bytes as they are
 * (a raw-IP or cooked frame's first bytes become a bogus MAC header) and
 * needs its own rewrite tool to fix that, while the oracle
 * (selftests/net/wire_oracle.py) must know exactly which bytes reached
 * the wire to say what XDP should count. One small conversion, written
 * twice in step (here and in the oracle), is easier to trust; it also
 * saves a package and gives the test the exact number of frames sent.
 *
 * Conversion (identical in wire_oracle.py):
 *   Ethernet (1)                as captured (the captured bytes only)
 *   raw IP (101, 12, 14)        ethertype from the IP version; 228 IPv4,
 *                               229 IPv6
 *   Linux cooked SLL (113)      16-byte header off, ethertype its protocol
 *   SLL2 (276)                  20-byte header off, ethertype its protocol
 *   NULL (0, host order) and LOOP (108, network order): 4-byte family,
 *                               2 IPv4; 10, 24, 28, 30 IPv6
 *   added header: dst 02:6f:67:00:00:02, src 02:6f:67:00:00:01
 * Frames of another family or version, and frames under 14 bytes (the
 * kernel refuses them), are skipped.
 *
 * The packet socket sends each frame as CHECKSUM_NONE with no offload
 * metadata, so the receiving peer of a veth gets exactly these bytes.
 * --gap-us paces the frames: a veth whose peer runs XDP queues them in a
 * 256-entry ring, and a burst larger than that is dropped before XDP.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>

#define EXIT_USAGE	2
#define MAX_FRAME	65536
#define MAX_IFACES	64

static const uint8_t eth_dst[ETH_ALEN] = { 0x02, 0x6f, 0x67, 0x00, 0x00, 0x02 };
static const uint8_t eth_src[ETH_ALEN] = { 0x02, 0x6f, 0x67, 0x00, 0x00, 0x01 };

static const char *g_file = "";

struct capture {
	const uint8_t *data;
	size_t len;
	size_t off;
	bool swap;		/* file byte order differs from ours */
	bool ng;
	int linktype;		/* pcap: the file's; pcapng: current frame's */
	int ng_link[MAX_IFACES];
	int ng_nifaces;
};

static int fail(const char *fmt, const char *arg, int err)
{
	fprintf(stderr, "og_replay: %s: ", g_file);
	fprintf(stderr, fmt, arg);
	if (err)
		fprintf(stderr, ": %s", strerror(err));
	fputc('\n', stderr);
	return 1;
}

static uint32_t rd32(const struct capture *c, const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return c->swap ? __builtin_bswap32(v) : v;
}

static uint16_t rd16(const struct capture *c, const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return c->swap ? __builtin_bswap16(v) : v;
}

static int cap_open(struct capture *c, const char *path)
{
	struct stat st;
	uint8_t *buf;
	uint32_t magic;
	FILE *f;

	memset(c, 0, sizeof(*c));
	f = fopen(path, "rb");
	if (!f)
		return fail("%s", "cannot open", errno);
	if (fstat(fileno(f), &st) || st.st_size < 24) {
		fclose(f);
		return fail("%s", "not a capture file", 0);
	}
	buf = malloc(st.st_size);
	if (!buf || fread(buf, 1, st.st_size, f) != (size_t)st.st_size) {
		fclose(f);
		free(buf);
		return fail("%s", "cannot read", errno);
	}
	fclose(f);
	c->data = buf;
	c->len = st.st_size;
	memcpy(&magic, buf, 4);
	if (magic == 0x0a0d0d0a) {
		/* pcapng: byte order from the section header's magic. */
		memcpy(&magic, buf + 8, 4);
		c->swap = magic != 0x1a2b3c4d;
		c->ng = true;
		c->linktype = -1;
		return 0;
	}
	if (magic == 0xa1b2c3d4 || magic == 0xa1b23c4d) {
		c->swap = false;
	} else if (magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1) {
		c->swap = true;
	} else {
		return fail("%s", "not a pcap or pcapng file", 0);
	}
	c->linktype = rd32(c, buf + 20) & 0x0fffffff;
	c->off = 24;
	return 0;
}

/*
 * Next frame: 1 with *frame, *len and c->linktype set, 0 at the end, -1 on
 * a malformed file.
 */
static int cap_next(struct capture *c, const uint8_t **frame, uint32_t *len)
{
	while (c->ng) {
		uint32_t type, blen, ifid, incl;
		const uint8_t *b;

		if (c->off + 12 > c->len)
			return 0;
		b = c->data + c->off;
		type = rd32(c, b);
		if (type == 0x0a0d0d0a) {
			uint32_t bom;

			memcpy(&bom, b + 8, 4);
			c->swap = bom != 0x1a2b3c4d;
			/* Interface ids restart in each section. */
			c->ng_nifaces = 0;
		}
		blen = rd32(c, b + 4);
		if (blen < 12 || blen > c->len - c->off)
			return -1;
		c->off += blen;
		switch (type) {
		case 1:		/* interface description */
			if (c->ng_nifaces == MAX_IFACES)
				return -1;
			c->ng_link[c->ng_nifaces++] = rd16(c, b + 8);
			break;
		case 6:		/* enhanced packet */
			if (blen < 32)
				return -1;
			ifid = rd32(c, b + 8);
			incl = rd32(c, b + 20);
			if (ifid >= (uint32_t)c->ng_nifaces || incl > blen - 32)
				return -1;
			c->linktype = c->ng_link[ifid];
			*frame = b + 28;
			*len = incl;
			return 1;
		case 3:		/* simple packet: interface 0, may be cut */
			if (blen < 16 || !c->ng_nifaces)
				return -1;
			incl = rd32(c, b + 8);
			if (incl > blen - 16)
				incl = blen - 16;
			c->linktype = c->ng_link[0];
			*frame = b + 12;
			*len = incl;
			return 1;
		case 2:		/* obsolete packet block */
			if (blen < 32)
				return -1;
			ifid = rd16(c, b + 8);
			incl = rd32(c, b + 20);
			if (ifid >= (uint32_t)c->ng_nifaces || incl > blen - 32)
				return -1;
			c->linktype = c->ng_link[ifid];
			*frame = b + 28;
			*len = incl;
			return 1;
		}
	}
	if (c->off + 16 > c->len)
		return 0;
	*len = rd32(c, c->data + c->off + 8);
	c->off += 16;
	if (*len > c->len - c->off)
		return -1;
	*frame = c->data + c->off;
	c->off += *len;
	return 1;
}

static size_t add_eth(uint8_t *out, uint16_t proto, const uint8_t *l3,
		      size_t len)
{
	uint16_t be = htons(proto);

	if (len > MAX_FRAME - ETH_HLEN)
		return 0;
	memcpy(out, eth_dst, ETH_ALEN);
	memcpy(out + ETH_ALEN, eth_src, ETH_ALEN);
	memcpy(out + 2 * ETH_ALEN, &be, 2);
	memcpy(out + ETH_HLEN, l3, len);
	return ETH_HLEN + len;
}

static size_t by_version(uint8_t *out, const uint8_t *l3, size_t len)
{
	if (len && l3[0] >> 4 == 4)
		return add_eth(out, ETH_P_IP, l3, len);
	if (len && l3[0] >> 4 == 6)
		return add_eth(out, ETH_P_IPV6, l3, len);
	return 0;
}

/* The Ethernet frame for FRAME into OUT; its length, 0: skipped. */
static size_t to_ether(int linktype, const uint8_t *f, size_t len,
		       uint8_t *out)
{
	uint32_t fam;
	size_t n = 0;

	switch (linktype) {
	case 1:
		if (len <= MAX_FRAME) {
			memcpy(out, f, len);
			n = len;
		}
		break;
	case 101:
	case 12:
	case 14:
		n = by_version(out, f, len);
		break;
	case 228:
		n = add_eth(out, ETH_P_IP, f, len);
		break;
	case 229:
		n = add_eth(out, ETH_P_IPV6, f, len);
		break;
	case 113:
		if (len >= 16)
			n = add_eth(out, f[14] << 8 | f[15], f + 16, len - 16);
		break;
	case 276:
		if (len >= 20)
			n = add_eth(out, f[0] << 8 | f[1], f + 20, len - 20);
		break;
	case 0:
	case 108:
		if (len < 4)
			break;
		memcpy(&fam, f, 4);
		/* NULL: the capturing host's order (assumed ours); LOOP: network. */
		if (linktype == 108)
			fam = ntohl(fam);
		if (fam == 2)
			n = add_eth(out, ETH_P_IP, f + 4, len - 4);
		else if (fam == 10 || fam == 24 || fam == 28 || fam == 30)
			n = add_eth(out, ETH_P_IPV6, f + 4, len - 4);
		break;
	}
	return n < ETH_HLEN ? 0 : n;
}

static void pause_us(long us)
{
	struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };

	while (us > 0 && nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static void usage(FILE *f)
{
	fprintf(f,
"Usage: og_replay --dev IFNAME [--gap-us N] [--first N] [--last N] FILE\n"
"       og_replay --list FILE\n"
"  --dev IFNAME   send on IFNAME (AF_PACKET, SOCK_RAW)\n"
"  --gap-us N     microseconds between frames (0)\n"
"  --first N --last N   only frames N..M of the file (1-based)\n"
"  --list         print \"N LEN\" for each frame that would be sent\n"
"Prints \"sent N skipped M\".\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dev",	required_argument, NULL, 'd' },
		{ "gap-us",	required_argument, NULL, 'g' },
		{ "first",	required_argument, NULL, 'f' },
		{ "last",	required_argument, NULL, 'l' },
		{ "list",	no_argument,	   NULL, 'L' },
		{ "help",	no_argument,	   NULL, 'h' },
		{}
	};
	unsigned long first = 1, last = ULONG_MAX, n = 0, sent = 0, skipped = 0;
	const char *dev = NULL;
	struct sockaddr_ll sll = {};
	static uint8_t out[MAX_FRAME];
	struct capture cap;
	const uint8_t *frame;
	uint32_t len;
	bool list = false;
	long gap = 0;
	int c, fd = -1, rc = 0, r;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			dev = optarg;
			break;
		case 'g':
			gap = strtol(optarg, NULL, 0);
			break;
		case 'f':
			first = strtoul(optarg, NULL, 0);
			break;
		case 'l':
			last = strtoul(optarg, NULL, 0);
			break;
		case 'L':
			list = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc - 1 || (!dev && !list) || gap < 0) {
		usage(stderr);
		return EXIT_USAGE;
	}
	g_file = argv[optind];
	if (cap_open(&cap, g_file))
		return 1;
	if (!list) {
		sll.sll_family = AF_PACKET;
		sll.sll_protocol = htons(ETH_P_ALL);
		sll.sll_ifindex = if_nametoindex(dev);
		if (!sll.sll_ifindex)
			return fail("send on %s", dev, ENODEV);
		/*
		 * Protocol 0: a send-only socket, so it never queues the
		 * frames it (or anyone) puts on the device.
		 */
		fd = socket(AF_PACKET, SOCK_RAW, 0);
		if (fd < 0)
			return fail("%s", "packet socket", errno);
	}
	while ((r = cap_next(&cap, &frame, &len)) == 1) {
		size_t elen;

		n++;
		if (n < first || n > last)
			continue;
		elen = to_ether(cap.linktype, frame, len, out);
		if (!elen) {
			skipped++;
			continue;
		}
		if (list) {
			printf("%lu %zu\n", n, elen);
			sent++;
			continue;
		}
		if (sent && gap)
			pause_us(gap);
		if (sendto(fd, out, elen, 0, (struct sockaddr *)&sll,
			   sizeof(sll)) != (ssize_t)elen) {
			char what[64];

			snprintf(what, sizeof(what), "frame %lu (%zu bytes)",
				 n, elen);
			rc = fail("send %s", what, errno);
			continue;
		}
		sent++;
	}
	if (r < 0)
		rc = fail("%s", "malformed capture file", 0);
	printf("sent %lu skipped %lu\n", sent, skipped);
	if (fd >= 0)
		close(fd);
	free((void *)cap.data);
	return rc;
}
