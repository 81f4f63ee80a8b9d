// SPDX-License-Identifier: GPL-2.0-only
/*
 * og_send: traffic generator for offguard's network tests. Every frame is
 * built by user/pkt.c, so tests send exactly the metadata the rules judge.
 *
 *   og_send tun    --dev NAME [--tap] [--persist] [--up] [--offload LIST]
 *                  [--expect-replies N [--timeout S]] ...
 *   og_send packet --ifname NAME ...
 *   og_send udpgso --dst ADDR --port P --len N --gso-size N [--count N]
 *   og_send pcap   --out FILE [--ether] ...   (the frames, for inspection)
 *
 * TUN lifetime: a TUN/TAP dies with the last fd that holds it, so a test
 * that must attach offguard before the first packet creates the device
 * with `--persist --count 0` (or `ip tuntap add ... vnet_hdr`), sets it
 * up, attaches, and then runs og_send again on the same name to write.
 * The persistent device goes away with `ip link del` or with its netns.
 *
 * --expect-replies makes the writer also the far end of a conversation:
 * after writing, it reads the TUN/TAP for the TCP replies the receiver
 * sends back to its flows, which proves that the receiver accepted the
 * frames (a SYN-ACK exists only if the SYN's checksum verified), not just
 * that they left. It prints "replies K" on stdout: K distinct flows
 * (source ports) answered.
 *
 * Quiet on success unless -v; errors are one line,
 * "og_send: <mode> <object>: <cause>", exit 1; usage errors exit 2.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>

#include "pkt.h"
#include "tun_util.h"

#ifndef UDP_SEGMENT
#define UDP_SEGMENT	103
#endif
#ifndef SOL_UDP
#define SOL_UDP		17
#endif
/* Newer than Debian 12's uapi headers (kernel 6.2). */

#define EXIT_USAGE	2

struct opts {
	const char *mode;
	struct og_pkt_spec spec;
	struct og_vnet_spec vnet;
	const char *seed;	/* NULL: right for the flags */
	int count;
	int verbose;
	bool keep_going;
	bool flows;		/* frame i from source port sport + i */
	bool zero_ip_csum;
	int expect_replies;	/* -1: do not read replies */
	int timeout_ms;
	/* tun */
	const char *dev;
	bool tap;
	bool persist;
	bool up;
	const char *offload;
	/* packet */
	const char *ifname;
	bool dst_mac_set;
	/* udpgso */
	const char *src;
	const char *dst;
	/* pcap */
	const char *out;
};

static const char *g_mode = "og_send";
static const char *g_obj = "";

static void __attribute__((format(printf, 1, 2))) fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "og_send: %s %s: ", g_mode, g_obj);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void __attribute__((format(printf, 1, 2))) usage_err(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "og_send: %s: ", g_mode);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'og_send --help'.\n");
	exit(EXIT_USAGE);
}

static void usage(FILE *f)
{
	fprintf(f,
"Usage: og_send tun    --dev NAME [--tap] [--persist] [--up] [--offload LIST] PKT\n"
"       og_send packet --ifname NAME [--dst-mac MAC] PKT\n"
"       og_send udpgso --dst ADDR --port P --len N --gso-size N [--count N] [--src ADDR]\n"
"       og_send pcap   --out FILE [--ether] PKT\n"
"\n"
"PKT (frame and virtio_net_hdr):\n"
"  --ipv6                 IPv6 (implied by an IPv6 --src/--dst)\n"
"  --proto tcp|udp        transport (tcp)\n"
"  --len N                payload bytes (0)\n"
"  --flags LIST           vnet flags: needs_csum,data_valid or none (none)\n"
"  --seed good|full|seed|lengthless|zero|bad\n"
"                         checksum field: good = seed with needs_csum, else\n"
"                         the full checksum; full = the full checksum even\n"
"                         with needs_csum (the classic writer bug); seed =\n"
"                         the partial seed even without needs_csum\n"
"  --csum-start N --csum-offset N --hdr-len N   vnet overrides\n"
"  --gso tcpv4|tcpv6|udp_l4|udp|none  --gso-size N  --ecn\n"
"  --tcp-flags S|SA|PA|...  --doff N  --mss N  --ts\n"
"  --src ADDR --dst ADDR --sport N --dport N --ttl N --id N --tos N\n"
"  --bad-ip-csum          wrong IPv4 header checksum\n"
"  --zero-ip-csum         IPv4 header checksum 0 (a writer that omits it)\n"
"  --truncate-ip[=N]      IPv4 tot_len / IPv6 payload_len N (20) bytes too long\n"
"  --frag                 more-fragments set (IPv6: adds a fragment header)\n"
"  --frag-off N           fragment offset in 8-byte units\n"
"  --no-df                clear DF\n"
"  --ip-opts N            N bytes of IPv4 options (multiple of 4)\n"
"  --ext hbh,dst,frag,rt2 IPv6 extension headers, in order\n"
"  --src-mac MAC --dst-mac MAC --vlan ID   Ethernet frames (tap, packet)\n"
"  --count N              frames to send (1); seq and IP ID advance\n"
"  --flows                each frame its own flow: source port + i\n"
"  --expect-replies N     (tun) after writing, read TCP replies to the flows\n"
"                         sent (SYN-ACKs if SYNs were sent) until N flows\n"
"                         answered or --timeout; prints \"replies K\"\n"
"  --timeout S            seconds to wait for replies (3; fractions allowed)\n"
"  --keep-going           a failed send is counted, not fatal: for frames\n"
"                         the kernel drops after tc (validate_xmit_skb)\n"
"  -v                     print each frame\n");
}

enum {
	OPT_IPV6 = 256, OPT_PROTO, OPT_LEN, OPT_FLAGS, OPT_SEED, OPT_CSTART, OPT_COFF,
	OPT_HDRLEN, OPT_GSO, OPT_GSOSIZE, OPT_ECN, OPT_TCPFLAGS, OPT_DOFF, OPT_MSS, OPT_TS,
	OPT_SRC, OPT_DST, OPT_SPORT, OPT_DPORT, OPT_PORT, OPT_TTL, OPT_ID, OPT_TOS,
	OPT_BADIP, OPT_TRUNC, OPT_FRAG, OPT_FRAGOFF, OPT_NODF, OPT_IPOPTS, OPT_EXT,
	OPT_SMAC, OPT_DMAC, OPT_VLAN, OPT_COUNT, OPT_DEV, OPT_TAP, OPT_PERSIST, OPT_UP,
	OPT_OFFLOAD, OPT_IFNAME, OPT_OUT, OPT_ETHER, OPT_UDPLEN, OPT_KEEPGOING,
	OPT_FLOWS, OPT_ZEROIP, OPT_REPLIES, OPT_TIMEOUT,
};

static const struct option long_opts[] = {
	{ "ipv6",	 no_argument,	    NULL, OPT_IPV6 },
	{ "proto",	 required_argument, NULL, OPT_PROTO },
	{ "len",	 required_argument, NULL, OPT_LEN },
	{ "flags",	 required_argument, NULL, OPT_FLAGS },
	{ "seed",	 required_argument, NULL, OPT_SEED },
	{ "csum-start",	 required_argument, NULL, OPT_CSTART },
	{ "csum-offset", required_argument, NULL, OPT_COFF },
	{ "hdr-len",	 required_argument, NULL, OPT_HDRLEN },
	{ "gso",	 required_argument, NULL, OPT_GSO },
	{ "gso-size",	 required_argument, NULL, OPT_GSOSIZE },
	{ "ecn",	 no_argument,	    NULL, OPT_ECN },
	{ "tcp-flags",	 required_argument, NULL, OPT_TCPFLAGS },
	{ "doff",	 required_argument, NULL, OPT_DOFF },
	{ "mss",	 required_argument, NULL, OPT_MSS },
	{ "ts",		 no_argument,	    NULL, OPT_TS },
	{ "src",	 required_argument, NULL, OPT_SRC },
	{ "dst",	 required_argument, NULL, OPT_DST },
	{ "sport",	 required_argument, NULL, OPT_SPORT },
	{ "dport",	 required_argument, NULL, OPT_DPORT },
	{ "port",	 required_argument, NULL, OPT_PORT },
	{ "ttl",	 required_argument, NULL, OPT_TTL },
	{ "id",		 required_argument, NULL, OPT_ID },
	{ "tos",	 required_argument, NULL, OPT_TOS },
	{ "bad-ip-csum", no_argument,	    NULL, OPT_BADIP },
	{ "zero-ip-csum", no_argument,	    NULL, OPT_ZEROIP },
	{ "truncate-ip", optional_argument, NULL, OPT_TRUNC },
	{ "udp-len-delta", required_argument, NULL, OPT_UDPLEN },
	{ "frag",	 no_argument,	    NULL, OPT_FRAG },
	{ "frag-off",	 required_argument, NULL, OPT_FRAGOFF },
	{ "no-df",	 no_argument,	    NULL, OPT_NODF },
	{ "ip-opts",	 required_argument, NULL, OPT_IPOPTS },
	{ "ext",	 required_argument, NULL, OPT_EXT },
	{ "src-mac",	 required_argument, NULL, OPT_SMAC },
	{ "dst-mac",	 required_argument, NULL, OPT_DMAC },
	{ "vlan",	 required_argument, NULL, OPT_VLAN },
	{ "count",	 required_argument, NULL, OPT_COUNT },
	{ "keep-going",	 no_argument,	    NULL, OPT_KEEPGOING },
	{ "flows",	 no_argument,	    NULL, OPT_FLOWS },
	{ "expect-replies", required_argument, NULL, OPT_REPLIES },
	{ "timeout",	 required_argument, NULL, OPT_TIMEOUT },
	{ "dev",	 required_argument, NULL, OPT_DEV },
	{ "tap",	 no_argument,	    NULL, OPT_TAP },
	{ "persist",	 no_argument,	    NULL, OPT_PERSIST },
	{ "up",		 no_argument,	    NULL, OPT_UP },
	{ "offload",	 required_argument, NULL, OPT_OFFLOAD },
	{ "ifname",	 required_argument, NULL, OPT_IFNAME },
	{ "out",	 required_argument, NULL, OPT_OUT },
	{ "ether",	 no_argument,	    NULL, OPT_ETHER },
	{ "verbose",	 no_argument,	    NULL, 'v' },
	{ "help",	 no_argument,	    NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static long num(const char *opt, const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 0);
	if (errno || end == s || *end || v < min || v > max)
		usage_err("--%s: '%s' is not a number in [%ld, %ld]", opt, s,
			  min, max);
	return v;
}

static void parse_mac(const char *opt, const char *s, __u8 mac[6])
{
	unsigned int b[6];
	int i;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4],
		   &b[5]) != 6)
		usage_err("--%s: '%s' is not a MAC address", opt, s);
	for (i = 0; i < 6; i++)
		mac[i] = (__u8)b[i];
}

static void parse_addr(struct opts *o, const char *opt, const char *s,
		       bool is_src)
{
	struct og_pkt_spec *sp = &o->spec;

	if (inet_pton(AF_INET, s, is_src ? &sp->saddr4 : &sp->daddr4) == 1)
		return;
	if (inet_pton(AF_INET6, s, is_src ? &sp->saddr6 : &sp->daddr6) == 1) {
		sp->ipv6 = true;
		return;
	}
	usage_err("--%s: '%s' is not an IPv4 or IPv6 address", opt, s);
}

static void parse_flags(struct opts *o, const char *s)
{
	char buf[128], *tok, *save;

	snprintf(buf, sizeof(buf), "%s", s);
	o->vnet.flags = 0;
	for (tok = strtok_r(buf, ",|", &save); tok;
	     tok = strtok_r(NULL, ",|", &save)) {
		if (!strcmp(tok, "needs_csum"))
			o->vnet.flags |= VIRTIO_NET_HDR_F_NEEDS_CSUM;
		else if (!strcmp(tok, "data_valid"))
			o->vnet.flags |= VIRTIO_NET_HDR_F_DATA_VALID;
		else if (strcmp(tok, "none"))
			usage_err("--flags: unknown flag '%s'", tok);
	}
}

static void parse_ext(struct opts *o, const char *s)
{
	char buf[128], *tok, *save;
	int n = 0;

	snprintf(buf, sizeof(buf), "%s", s);
	memset(o->spec.ext, 0, sizeof(o->spec.ext));
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		enum og_pkt_ext e;

		if (!strcmp(tok, "hbh"))
			e = OG_EXT_HBH;
		else if (!strcmp(tok, "dst"))
			e = OG_EXT_DST;
		else if (!strcmp(tok, "frag"))
			e = OG_EXT_FRAG;
		else if (!strcmp(tok, "rt2"))
			e = OG_EXT_RT2;
		else
			usage_err("--ext: unknown extension header '%s'", tok);
		if (n == OG_PKT_MAX_EXT)
			usage_err("--ext: at most %d headers", OG_PKT_MAX_EXT);
		o->spec.ext[n++] = e;
	}
	o->spec.ipv6 = true;
}

static __u8 parse_gso(const char *s)
{
	if (!strcmp(s, "none"))
		return VIRTIO_NET_HDR_GSO_NONE;
	if (!strcmp(s, "tcpv4"))
		return VIRTIO_NET_HDR_GSO_TCPV4;
	if (!strcmp(s, "tcpv6"))
		return VIRTIO_NET_HDR_GSO_TCPV6;
	if (!strcmp(s, "udp"))
		return VIRTIO_NET_HDR_GSO_UDP;
	if (!strcmp(s, "udp_l4"))
		return VIRTIO_NET_HDR_GSO_UDP_L4;
	/* Raw numbers let a test try types the kernel does not know. */
	return (__u8)num("gso", s, 0, 0x7f);
}

static enum og_l4_csum seed_mode(const struct opts *o)
{
	const char *s = o->seed;

	if (!s || !strcmp(s, "good"))
		return o->vnet.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM ?
			OG_L4_CSUM_SEED : OG_L4_CSUM_FULL;
	if (!strcmp(s, "full"))
		return OG_L4_CSUM_FULL;
	if (!strcmp(s, "seed"))
		return OG_L4_CSUM_SEED;
	if (!strcmp(s, "lengthless"))
		return OG_L4_CSUM_LENGTHLESS;
	if (!strcmp(s, "zero"))
		return OG_L4_CSUM_ZERO;
	if (!strcmp(s, "bad"))
		return OG_L4_CSUM_BAD;
	usage_err("--seed: '%s' is not good|full|seed|lengthless|zero|bad", s);
	return OG_L4_CSUM_FULL;
}

static void parse(struct opts *o, int argc, char **argv)
{
	struct og_pkt_spec *sp = &o->spec;
	bool frag = false;
	int c, flags;

	while ((c = getopt_long(argc, argv, "vh", long_opts, NULL)) != -1) {
		switch (c) {
		case OPT_IPV6:
			sp->ipv6 = true;
			break;
		case OPT_PROTO:
			if (!strcmp(optarg, "tcp"))
				sp->l4proto = IPPROTO_TCP;
			else if (!strcmp(optarg, "udp"))
				sp->l4proto = IPPROTO_UDP;
			else
				usage_err("--proto: '%s' is not tcp or udp",
					  optarg);
			break;
		case OPT_LEN:
			sp->payload_len = (size_t)num("len", optarg, 0, 65535);
			break;
		case OPT_FLAGS:
			parse_flags(o, optarg);
			break;
		case OPT_SEED:
			o->seed = optarg;
			break;
		case OPT_CSTART:
			o->vnet.csum_start = (int)num("csum-start", optarg, 0,
						      65535);
			break;
		case OPT_COFF:
			o->vnet.csum_offset = (int)num("csum-offset", optarg,
						       0, 65535);
			break;
		case OPT_HDRLEN:
			o->vnet.hdr_len = (int)num("hdr-len", optarg, 0, 65535);
			break;
		case OPT_GSO:
			o->vnet.gso_type = parse_gso(optarg);
			break;
		case OPT_GSOSIZE:
			o->vnet.gso_size = (__u16)num("gso-size", optarg, 0,
						      65535);
			break;
		case OPT_ECN:
			o->vnet.ecn = true;
			break;
		case OPT_TCPFLAGS:
			flags = og_pkt_parse_tcp_flags(optarg);
			if (flags < 0)
				usage_err("--tcp-flags: '%s': letters are FSRPAUEC",
					  optarg);
			sp->tcp_flags = (__u8)flags;
			break;
		case OPT_DOFF:
			sp->doff = (__u8)num("doff", optarg, 0, 15);
			sp->doff_set = true;
			break;
		case OPT_MSS:
			sp->mss = (__u16)num("mss", optarg, 1, 65535);
			break;
		case OPT_TS:
			sp->tcp_ts = true;
			break;
		case OPT_SRC:
			parse_addr(o, "src", optarg, true);
			o->src = optarg;
			break;
		case OPT_DST:
			parse_addr(o, "dst", optarg, false);
			o->dst = optarg;
			break;
		case OPT_SPORT:
			sp->sport = (__u16)num("sport", optarg, 0, 65535);
			break;
		case OPT_DPORT:
		case OPT_PORT:
			sp->dport = (__u16)num("port", optarg, 0, 65535);
			break;
		case OPT_TTL:
			sp->ttl = (__u8)num("ttl", optarg, 1, 255);
			break;
		case OPT_ID:
			sp->ip_id = (__u16)num("id", optarg, 0, 65535);
			break;
		case OPT_TOS:
			sp->tos = (__u8)num("tos", optarg, 0, 255);
			break;
		case OPT_BADIP:
			sp->bad_ip_csum = true;
			break;
		case OPT_ZEROIP:
			o->zero_ip_csum = true;
			break;
		case OPT_TRUNC:
			sp->ip_len_delta = optarg ?
				(int)num("truncate-ip", optarg, -65535, 65535) :
				20;
			break;
		case OPT_UDPLEN:
			sp->udp_len_delta = (int)num("udp-len-delta", optarg,
						     -65535, 65535);
			break;
		case OPT_FRAG:
			frag = true;
			sp->mf = true;
			sp->df = false;
			break;
		case OPT_FRAGOFF:
			sp->frag_off = (__u16)num("frag-off", optarg, 0, 8191);
			sp->df = false;
			break;
		case OPT_NODF:
			sp->df = false;
			break;
		case OPT_IPOPTS:
			sp->ip_opts_len = (__u8)num("ip-opts", optarg, 0, 40);
			if (sp->ip_opts_len % 4)
				usage_err("--ip-opts: %u is not a multiple of 4",
					  sp->ip_opts_len);
			break;
		case OPT_EXT:
			parse_ext(o, optarg);
			break;
		case OPT_SMAC:
			parse_mac("src-mac", optarg, sp->src_mac);
			break;
		case OPT_DMAC:
			parse_mac("dst-mac", optarg, sp->dst_mac);
			o->dst_mac_set = true;
			break;
		case OPT_VLAN:
			sp->vlan_id = (__u16)num("vlan", optarg, 1, 4094);
			break;
		case OPT_COUNT:
			o->count = (int)num("count", optarg, 0, INT_MAX);
			break;
		case OPT_KEEPGOING:
			o->keep_going = true;
			break;
		case OPT_FLOWS:
			o->flows = true;
			break;
		case OPT_REPLIES:
			o->expect_replies = (int)num("expect-replies", optarg,
						     0, 65535);
			break;
		case OPT_TIMEOUT: {
			char *end;
			double t;

			errno = 0;
			t = strtod(optarg, &end);
			if (errno || end == optarg || *end || t < 0 || t > 3600)
				usage_err("--timeout: '%s' is not a number of seconds in [0, 3600]",
					  optarg);
			o->timeout_ms = (int)(t * 1000);
			break;
		}
		case OPT_DEV:
			o->dev = optarg;
			break;
		case OPT_TAP:
			o->tap = true;
			break;
		case OPT_PERSIST:
			o->persist = true;
			break;
		case OPT_UP:
			o->up = true;
			break;
		case OPT_OFFLOAD:
			o->offload = optarg;
			break;
		case OPT_IFNAME:
			o->ifname = optarg;
			break;
		case OPT_OUT:
			o->out = optarg;
			break;
		case OPT_ETHER:
			sp->ether = true;
			break;
		case 'v':
			o->verbose++;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			fprintf(stderr, "Try 'og_send --help'.\n");
			exit(EXIT_USAGE);
		}
	}
	if (optind < argc)
		usage_err("unexpected argument '%s'", argv[optind]);
	if (o->expect_replies >= 0 && strcmp(o->mode, "tun"))
		usage_err("--expect-replies is for tun mode");
	if (o->expect_replies >= 0 && sp->l4proto != IPPROTO_TCP)
		usage_err("--expect-replies counts TCP replies: needs --proto tcp");
	/* source ports wrap at 65535: flows would collide */
	if (o->flows && (long)sp->sport + o->count > 65536)
		usage_err("--flows: --sport %u + --count %d runs past port 65535",
			  sp->sport, o->count);

	/* An IPv6 fragment needs somewhere to say so. */
	if (frag && sp->ipv6) {
		int i;

		for (i = 0; i < OG_PKT_MAX_EXT && sp->ext[i]; i++)
			if (sp->ext[i] == OG_EXT_FRAG)
				break;
		if (i < OG_PKT_MAX_EXT && !sp->ext[i])
			sp->ext[i] = OG_EXT_FRAG;
	}
	sp->l4_csum = seed_mode(o);
}

static const char *seed_name(const struct opts *o)
{
	return o->seed ? o->seed : "good";
}

static void describe(const struct opts *o, const struct og_pkt *p,
		     const struct virtio_net_hdr *h, int i)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
	const struct og_pkt_spec *sp = &o->spec;

	if (sp->ipv6) {
		inet_ntop(AF_INET6, &sp->saddr6, s, sizeof(s));
		inet_ntop(AF_INET6, &sp->daddr6, d, sizeof(d));
	} else {
		inet_ntop(AF_INET, &sp->saddr4, s, sizeof(s));
		inet_ntop(AF_INET, &sp->daddr4, d, sizeof(d));
	}
	fprintf(stderr,
		"og_send: %s %s: #%d %zu bytes %s %s.%u > %s.%u l3 %zu l4 %zu csum 0x%04x (%s)",
		g_mode, g_obj, i, p->len, og_pkt_l4_name(p->l4proto), s,
		sp->sport, d, sp->dport, p->l3_off, p->l4_off,
		og_pkt_l4_csum_get(p), seed_name(o));
	if (h)
		fprintf(stderr,
			" vnet flags %u gso_type %u gso_size %u hdr_len %u csum_start %u csum_offset %u",
			h->flags, h->gso_type, h->gso_size, h->hdr_len,
			h->csum_start, h->csum_offset);
	fputc('\n', stderr);
}

/* Build frame i of the run; seq and IP ID advance like a real flow. */
static void build(struct opts *o, __u8 *buf, struct og_pkt *p,
		  struct virtio_net_hdr *h, int i)
{
	struct og_pkt_spec sp = o->spec;
	int ret;

	sp.seq = o->spec.seq + (__u32)(i * sp.payload_len);
	sp.ip_id = (__u16)(o->spec.ip_id + i);
	sp.frag_ident = (__u32)(0x1000 + i);
	if (o->flows)
		sp.sport = (__u16)(o->spec.sport + i);
	ret = og_pkt_build(&sp, buf, OG_PKT_MAX, p);
	if (ret < 0)
		fail("cannot build the frame: %s", strerror(-ret));
	/*
	 * After the builder: it always writes a checksum, right or off by
	 * one; 0 is what a writer that leaves it to someone else sends.
	 */
	if (o->zero_ip_csum && !sp.ipv6)
		memset(p->data + p->l3_off + 10, 0, 2);
	og_pkt_vnet_hdr(p, &o->vnet, h);
	if (o->verbose)
		describe(o, p, h, i);
}

static void if_up(const char *name)
{
	const char *what;
	int err = og_if_up(name, &what);

	if (err)
		fail("%s: %s", what, strerror(-err));
}

static unsigned int parse_offload(const char *s)
{
	unsigned int f;
	char bad[64];

	if (og_tun_offloads(s, &f, bad, sizeof(bad)))
		usage_err(bad[0] ? "--offload: unknown feature '%s' (" OG_TUN_OFFLOAD_NAMES ")" :
				   "--offload: '%s' is too long", bad[0] ? bad : s);
	return f;
}

static __u16 rd16(const __u8 *p)
{
	return (__u16)(p[0] << 8 | p[1]);
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/*
 * Is frame f (as read from the TUN/TAP, after the virtio_net_hdr) a TCP
 * reply to one of our flows? Returns the flow index, or -1. The reply's
 * checksum must hold too (as a seed if the kernel left it partial): a
 * reply that is itself broken proves nothing.
 */
static int reply_flow(const struct opts *o, const __u8 *f, size_t len,
		      const struct virtio_net_hdr *h)
{
	const struct og_pkt_spec *sp = &o->spec;
	struct og_pkt p = { .data = (__u8 *)f, .l4proto = IPPROTO_TCP,
			    .csum_off = OG_TCP_CSUM_OFF };
	size_t off = 0, l3len, flows = o->flows ? (size_t)o->count : 1;
	bool syn_sent = (sp->tcp_flags & (OG_TCP_SYN | OG_TCP_ACK)) ==
			OG_TCP_SYN;
	const __u8 *th;
	__u16 proto;
	__u8 flags;

	if (o->tap) {
		if (len < OG_ETH_HLEN)
			return -1;
		proto = rd16(f + 12);
		off = OG_ETH_HLEN;
		if (proto == 0x8100 && len >= off + OG_VLAN_HLEN) {
			proto = rd16(f + off + 2);
			off += OG_VLAN_HLEN;
		}
		if (proto != (sp->ipv6 ? 0x86dd : 0x0800))
			return -1;
	}
	p.l3_off = off;
	if (!sp->ipv6) {
		size_t ihl;

		if (len < off + OG_IPV4_HLEN || f[off] >> 4 != 4 ||
		    f[off + 9] != IPPROTO_TCP ||
		    memcmp(f + off + 12, &sp->daddr4, 4) ||
		    memcmp(f + off + 16, &sp->saddr4, 4) ||
		    (rd16(f + off + 6) & 0x3fff))
			return -1;
		ihl = (size_t)(f[off] & 0x0f) * 4;
		l3len = rd16(f + off + 2);
		if (ihl < OG_IPV4_HLEN || l3len < ihl || off + l3len > len)
			return -1;
		p.l4_off = off + ihl;
		p.l4_len = l3len - ihl;
		p.ph_src_off = off + 12;
		p.ph_dst_off = off + 16;
	} else {
		/* the kernel's replies carry no extension headers */
		if (len < off + OG_IPV6_HLEN || f[off] >> 4 != 6 ||
		    f[off + 6] != IPPROTO_TCP ||
		    memcmp(f + off + 8, &sp->daddr6, 16) ||
		    memcmp(f + off + 24, &sp->saddr6, 16))
			return -1;
		l3len = rd16(f + off + 4);
		if (off + OG_IPV6_HLEN + l3len > len)
			return -1;
		p.ipv6 = true;
		p.l4_off = off + OG_IPV6_HLEN;
		p.l4_len = l3len;
		p.ph_src_off = off + 8;
		p.ph_dst_off = off + 24;
	}
	if (p.l4_len < OG_TCP_HLEN)
		return -1;
	p.len = p.l4_off + p.l4_len;
	th = f + p.l4_off;
	if (rd16(th) != sp->dport || rd16(th + 2) < sp->sport ||
	    (size_t)(rd16(th + 2) - sp->sport) >= flows)
		return -1;
	flags = th[13];
	if (syn_sent && (flags & (OG_TCP_SYN | OG_TCP_ACK | OG_TCP_RST)) !=
			(OG_TCP_SYN | OG_TCP_ACK))
		return -1;
	if (h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
		if (og_pkt_l4_csum_get(&p) !=
		    og_csum_fold(og_pkt_pseudo_sum(&p, true)))
			return -1;
	} else if (!og_pkt_l4_csum_ok(&p)) {
		return -1;
	}
	return rd16(th + 2) - sp->sport;
}

/*
 * Read the device until o->expect_replies flows have answered or the
 * timeout ends (with 0 expected: the whole timeout, to be sure none
 * comes). A flow counts once however often it answers (SYN-ACKs are
 * retransmitted).
 */
static void read_replies(const struct opts *o, int fd)
{
	size_t flows = o->flows ? (size_t)o->count : 1;
	size_t hl = sizeof(struct virtio_net_hdr);
	long deadline = now_ms() + o->timeout_ms, left;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int seen = 0, idx;
	bool *got;
	__u8 *buf;
	ssize_t n;

	got = calloc(flows ? flows : 1, sizeof(*got));
	buf = malloc(OG_PKT_MAX + hl);
	if (!got || !buf)
		fail("out of memory");
	while ((!o->expect_replies || seen < o->expect_replies) &&
	       (left = deadline - now_ms()) > 0) {
		int r = poll(&pfd, 1, (int)left);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			fail("poll: %s", strerror(errno));
		if (!r)
			break;
		n = read(fd, buf, OG_PKT_MAX + hl);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			fail("read: %s", strerror(errno));
		if ((size_t)n < hl)
			continue;
		idx = reply_flow(o, buf + hl, (size_t)n - hl,
				 (const struct virtio_net_hdr *)buf);
		if (o->verbose)
			fprintf(stderr, "og_send: tun %s: read %zd bytes: %s\n",
				o->dev, n, idx < 0 ? "not a reply" :
				got[idx] ? "reply (flow seen)" : "reply");
		if (idx >= 0 && !got[idx]) {
			got[idx] = true;
			seen++;
		}
	}
	printf("replies %d\n", seen);
	fflush(stdout);
	free(buf);
	free(got);
}

static int mode_tun(struct opts *o)
{
	struct virtio_net_hdr h;
	struct ifreq ifr = {};
	int fd, i, failed = 0, last_err = 0;
	struct og_pkt p;
	__u8 *buf;

	if (!o->dev)
		usage_err("--dev NAME is required");
	if (strlen(o->dev) >= IFNAMSIZ)
		usage_err("--dev: '%s' is longer than %d characters", o->dev,
			  IFNAMSIZ - 1);
	g_obj = o->dev;
	o->spec.ether = o->tap;

	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		fail("/dev/net/tun: %s", strerror(errno));
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", o->dev);
	ifr.ifr_flags = (o->tap ? IFF_TAP : IFF_TUN) | IFF_NO_PI | IFF_VNET_HDR;
	if (ioctl(fd, TUNSETIFF, &ifr) < 0)
		fail("TUNSETIFF: %s%s", strerror(errno),
		     errno == EINVAL ? " (exists with another type?)" : "");
	/*
	 * The header size belongs to the device and outlives its writers: a
	 * persistent TAP may still say 12 (a VMM's mergeable-buffer header).
	 * This tool writes and reads the 10-byte struct virtio_net_hdr.
	 */
	{
		int sz = sizeof(struct virtio_net_hdr);

		if (ioctl(fd, TUNSETVNETHDRSZ, &sz) < 0)
			fail("TUNSETVNETHDRSZ: %s", strerror(errno));
	}
	if (o->offload &&
	    ioctl(fd, TUNSETOFFLOAD, parse_offload(o->offload)) < 0)
		fail("TUNSETOFFLOAD %s: %s", o->offload, strerror(errno));
	if (o->persist && ioctl(fd, TUNSETPERSIST, 1) < 0)
		fail("TUNSETPERSIST: %s", strerror(errno));
	if (o->up)
		if_up(o->dev);

	/* A TAP accepts only frames for itself unless told otherwise. */
	if (o->tap && !o->dst_mac_set) {
		int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		struct ifreq hw = {};

		snprintf(hw.ifr_name, IFNAMSIZ, "%s", o->dev);
		if (s >= 0 && ioctl(s, SIOCGIFHWADDR, &hw) == 0)
			memcpy(o->spec.dst_mac, hw.ifr_hwaddr.sa_data, 6);
		if (s >= 0)
			close(s);
	}

	buf = malloc(OG_PKT_MAX);
	if (!buf)
		fail("out of memory");
	for (i = 0; i < o->count; i++) {
		struct iovec iov[2];
		ssize_t n;

		build(o, buf, &p, &h, i);
		iov[0].iov_base = &h;
		iov[0].iov_len = sizeof(h);
		iov[1].iov_base = buf;
		iov[1].iov_len = p.len;
		n = writev(fd, iov, 2);
		if (n < 0 && o->keep_going) {
			failed++;
			last_err = errno;
			continue;
		}
		if (n < 0)
			fail("write #%d: %s%s", i, strerror(errno),
			     errno == EINVAL ?
			     " (the kernel rejected the virtio_net_hdr or frame)" :
			     "");
		if ((size_t)n != sizeof(h) + p.len)
			fail("write #%d: short write %zd of %zu", i, n,
			     sizeof(h) + p.len);
	}
	free(buf);
	if (o->expect_replies >= 0)
		read_replies(o, fd);
	close(fd);
	if (failed)
		fprintf(stderr,
			"og_send: tun %s: %d of %d writes failed (last: %s), kept going\n",
			o->dev, failed, o->count, strerror(last_err));
	return 0;
}

static int mode_packet(struct opts *o)
{
	struct sockaddr_ll sll = {};
	struct virtio_net_hdr h;
	struct ifreq ifr = {};
	int fd, one = 1, i, failed = 0, last_err = 0;
	struct og_pkt p;
	__u8 *buf;

	if (!o->ifname)
		usage_err("--ifname NAME is required");
	g_obj = o->ifname;
	o->spec.ether = true;
	if (!o->dst_mac_set)
		memset(o->spec.dst_mac, 0xff, 6);

	/* Protocol 0: a send-only socket, so nothing queues up to read. */
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd < 0)
		fail("socket(AF_PACKET): %s", strerror(errno));
	if (setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)) < 0)
		fail("PACKET_VNET_HDR: %s", strerror(errno));
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", o->ifname);
	if (ioctl(fd, SIOCGIFINDEX, &ifr) < 0)
		fail("%s", errno == ENODEV ? "no such device" : strerror(errno));
	sll.sll_family = AF_PACKET;
	sll.sll_ifindex = ifr.ifr_ifindex;
	sll.sll_protocol = htons(o->spec.ipv6 ? 0x86dd : 0x0800);
	sll.sll_halen = 6;
	memcpy(sll.sll_addr, o->spec.dst_mac, 6);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) == 0)
		memcpy(o->spec.src_mac, ifr.ifr_hwaddr.sa_data, 6);

	buf = malloc(OG_PKT_MAX);
	if (!buf)
		fail("out of memory");
	for (i = 0; i < o->count; i++) {
		struct iovec iov[2];
		struct msghdr msg = {
			.msg_name = &sll,
			.msg_namelen = sizeof(sll),
			.msg_iov = iov,
			.msg_iovlen = 2,
		};
		ssize_t n;

		build(o, buf, &p, &h, i);
		iov[0].iov_base = &h;
		iov[0].iov_len = sizeof(h);
		iov[1].iov_base = buf;
		iov[1].iov_len = p.len;
		n = sendmsg(fd, &msg, 0);
		if (n < 0 && o->keep_going) {
			failed++;
			last_err = errno;
		} else if (n < 0) {
			fail("sendmsg #%d: %s%s", i, strerror(errno),
			     errno == EINVAL ?
			     " (the kernel rejected the virtio_net_hdr or frame)" :
			     "");
		}
	}
	free(buf);
	close(fd);
	/* Said even without -v: the caller asked to go on, not to be lied to. */
	if (failed)
		fprintf(stderr,
			"og_send: packet %s: %d of %d sends failed (last: %s), kept going\n",
			o->ifname, failed, o->count, strerror(last_err));
	return 0;
}

static int mode_udpgso(struct opts *o)
{
	struct og_pkt_spec *sp = &o->spec;
	struct sockaddr_storage ss = {};
	socklen_t sl;
	int fd, gso = o->vnet.gso_size, i;
	__u8 *buf;

	if (!o->dst)
		usage_err("--dst ADDR is required");
	if (!sp->dport)
		usage_err("--port P is required");
	if (!gso)
		usage_err("--gso-size N is required");
	g_obj = o->dst;

	if (sp->ipv6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

		a->sin6_family = AF_INET6;
		a->sin6_addr = sp->daddr6;
		a->sin6_port = htons(sp->dport);
		sl = sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;

		a->sin_family = AF_INET;
		a->sin_addr = sp->daddr4;
		a->sin_port = htons(sp->dport);
		sl = sizeof(*a);
	}
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		fail("socket: %s", strerror(errno));
	if (o->src) {
		struct sockaddr_storage bs = {};

		if (sp->ipv6) {
			struct sockaddr_in6 *a = (struct sockaddr_in6 *)&bs;

			a->sin6_family = AF_INET6;
			a->sin6_addr = sp->saddr6;
		} else {
			struct sockaddr_in *a = (struct sockaddr_in *)&bs;

			a->sin_family = AF_INET;
			a->sin_addr = sp->saddr4;
		}
		if (bind(fd, (struct sockaddr *)&bs, sl) < 0)
			fail("bind %s: %s", o->src, strerror(errno));
	}
	if (setsockopt(fd, SOL_UDP, UDP_SEGMENT, &gso, sizeof(gso)) < 0)
		fail("UDP_SEGMENT %d: %s", gso, strerror(errno));
	buf = malloc(sp->payload_len ? sp->payload_len : 1);
	if (!buf)
		fail("out of memory");
	for (size_t j = 0; j < sp->payload_len; j++)
		buf[j] = og_pkt_pattern(sp->pattern_seed, j);
	for (i = 0; i < o->count; i++) {
		/*
		 * Not connected: an unconnected socket is not told about the
		 * far side's port unreachables (no IP_RECVERR), so one send
		 * is always one datagram and the count stays exact.
		 */
		ssize_t n = sendto(fd, buf, sp->payload_len, 0,
				   (struct sockaddr *)&ss, sl);

		if (n < 0)
			fail("send #%d (%zu bytes, gso_size %d): %s", i,
			     sp->payload_len, gso, strerror(errno));
		if (o->verbose)
			fprintf(stderr,
				"og_send: udpgso %s: #%d %zd bytes gso_size %d\n",
				o->dst, i, n, gso);
	}
	free(buf);
	close(fd);
	return 0;
}

static void put_le32(FILE *f, __u32 v)
{
	fwrite(&v, 4, 1, f);	/* pcap is written in host order by design */
}

static int mode_pcap(struct opts *o)
{
	struct virtio_net_hdr h;
	struct og_pkt p;
	__u8 *buf;
	FILE *f;
	int i;

	if (!o->out)
		usage_err("--out FILE is required");
	g_obj = o->out;
	f = strcmp(o->out, "-") ? fopen(o->out, "w") : stdout;
	if (!f)
		fail("%s", strerror(errno));
	/* Classic pcap: magic, 2.4, zone, sigfigs, snaplen, linktype. */
	put_le32(f, 0xa1b2c3d4);
	put_le32(f, 2 | 4u << 16);
	put_le32(f, 0);
	put_le32(f, 0);
	put_le32(f, 262144);
	put_le32(f, o->spec.ether ? 1 : 101);	/* EN10MB or RAW */

	buf = malloc(OG_PKT_MAX);
	if (!buf)
		fail("out of memory");
	for (i = 0; i < o->count; i++) {
		build(o, buf, &p, &h, i);
		put_le32(f, (__u32)i);
		put_le32(f, 0);
		put_le32(f, (__u32)p.len);
		put_le32(f, (__u32)p.len);
		fwrite(buf, 1, p.len, f);
	}
	free(buf);
	if (fflush(f) || (f != stdout && fclose(f)))
		fail("write: %s", strerror(errno));
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = { .count = 1, .expect_replies = -1,
			  .timeout_ms = 3000 };

	og_pkt_spec_init(&o.spec);
	og_vnet_spec_init(&o.vnet);
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(stdout);
		return 0;
	}
	o.mode = g_mode = argv[1];
	if (strcmp(o.mode, "tun") && strcmp(o.mode, "packet") &&
	    strcmp(o.mode, "udpgso") && strcmp(o.mode, "pcap")) {
		fprintf(stderr,
			"og_send: unknown mode '%s' (tun, packet, udpgso, pcap)\nTry 'og_send --help'.\n",
			o.mode);
		return EXIT_USAGE;
	}
	parse(&o, argc - 1, argv + 1);

	if (!strcmp(o.mode, "tun"))
		return mode_tun(&o);
	if (!strcmp(o.mode, "packet"))
		return mode_packet(&o);
	if (!strcmp(o.mode, "udpgso"))
		return mode_udpgso(&o);
	return mode_pcap(&o);
}
