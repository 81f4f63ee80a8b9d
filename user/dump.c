// SPDX-License-Identifier: GPL-2.0-only
/*
 * offguard dump: write the sampled offending packets to a pcapng file,
 * with what offguard knew about each one in the packet's comment.
 *
 *   offguard dump [DEV] -w FILE [-c COUNT] [-t SECONDS] [--rule NAME] [-j]
 *
 * Where samples come from. Every offguard program (tc ingress, tc egress,
 * XDP, the drop watcher) puts a struct og_sample in the og_samples ring
 * buffer when a packet raises a rule: the first OG_SAMPLE_SNAP bytes of it and its metadata, at
 * most one record per OG_SAMPLE_INTERVAL_NS for each device, hook and
 * first rule raised, so a flood of bad packets costs a few records a
 * second. dump reads that ring. It keeps the samples of DEV (all devices
 * if none is given) that raised NAME (any of their rules, not only the
 * first; all rules if no --rule), and writes each as an Enhanced Packet
 * Block: Ethernet (LINKTYPE_ETHERNET) when the sample starts at the link
 * header, raw IP (LINKTYPE_RAW) when it starts at L3 (TUN devices), one
 * interface per device and link type, timestamps in nanoseconds.
 *
 * One link type per file, though: libpcap (tcpdump 4.99) refuses a file
 * whose interfaces have different link types, and even one with two
 * LINKTYPE_RAW interfaces (it compares the second's link type with the
 * first's DLT). So with DEV the file has that device's link type (raw IP
 * for TUN and other devices without a link header) and one interface,
 * declared before the first sample, and its samples are written as they
 * were taken. Without DEV every device is an Ethernet interface, and an
 * L3 sample gets a 14-byte header in front, zero addresses and its
 * ethertype, which its comment says (link=added_eth). Should a sample of
 * DEV disagree with the device's type, it is converted the same way, or
 * loses its link header, VLAN tags included (link=removed_eth).
 *
 * The comment of each packet is key=value pairs separated by one space,
 * values without spaces, keys in this order:
 *
 *   rule=R          the first rule the packet raised (catalogue order): the
 *                   one its sampling was rate limited under
 *   hook=H          tc_ingress, tc_egress, xdp, kdrop
 *   dev=D           device name when dump wrote it ("-" if it is gone)
 *   ifindex=N
 *   reasons=R,R     every rule raised, comma-separated
 *   repaired=R,R    the rules repaired in the packet (empty: none)
 *   dropped=R,R     the rules it was dropped under (strict; empty: passed)
 *   -- tc hooks only (XDP sees bytes, no skb metadata; the drop watcher's
 *      records do not fill these):
 *   ip_summed=S     none, unnecessary, complete, partial
 *   csum_start=N    from the first byte of the packet data; 65535: before it
 *   csum_offset=N
 *   gso_size=N
 *   gso_type=T|T    tcpv4 dodgy tcp_ecn tcpv6 udp udp_l4 partial fraglist
 *                   tunnel other, '|'-separated (empty: not GSO)
 *   gso_segs=N      as the kernel held it (0 on a writer's DODGY packets)
 *   flags=F,F       encap csum_not_inet frag_list cloned (empty: none)
 *   seed=V          only with partial_bad_seed: full_csum lengthless_seed
 *                   zero other
 *   -- only when the sample's link header was converted (above):
 *   link=L          added_eth, removed_eth
 *   -- always last:
 *   len=N           length of the whole packet (the file holds its first
 *                   OG_SAMPLE_SNAP bytes)
 *
 * Readers must ignore keys they do not know: more may come, before len.
 * On stdout each sample is one line, its time and the same text; with -j
 * one JSON object per line with the same keys (lists as arrays of names,
 * numbers as numbers) and "ts_ns" (wall clock, ns since the epoch).
 * stderr gets "N samples written to FILE" at the end. dump stops after
 * COUNT samples, after SECONDS, or on SIGINT/SIGTERM, and in every case
 * leaves a complete, readable file (tcpdump -r, wireshark).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <bpf/libbpf.h>

#include "offguard/offguard.h"
#include "commands.h"
#include "instance.h"
#include "json_writer.h"
#include "logging.h"
#include "names.h"
#include "pcapng.h"
#include "util.h"

static const char dump_usage[] =
	"offguard dump [DEV] -w FILE [-c COUNT] [-t SECONDS] [--rule NAME] [-j]";

/* Longest comment: every rule named three times, and the rest. */
#define DUMP_COMMENT_MAX	4096
/* How long one poll may block: the longest wait to notice a signal. */
#define DUMP_POLL_MS		100

struct dump {
	const char		*file;
	__u32			ifindex;	/* 0: every device */
	int			rule;		/* -1: every rule */
	unsigned int		count;		/* 0: no limit */
	__s64			wall_offset_ns;	/* realtime - monotonic */
	struct og_pcapng	pcap;
	struct json_writer	*jw;
	__u16			linktype;	/* the file's: one for all */
	__u64			written;
	__u64			short_records;
	int			err;		/* pcapng error, -errno */
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = 1;
}

/* Appends to a fixed buffer; what does not fit is cut (never overflows). */
struct sbuf {
	char	*p;
	size_t	size, len;
};

static void sb_add(struct sbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void sb_add(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->len >= b->size - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->len, b->size - b->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		b->len += (size_t)n < b->size - b->len ?
			  (size_t)n : b->size - b->len - 1;
}

static const char *const ip_summed_names[] = {
	[OG_CHECKSUM_NONE]		= "none",
	[OG_CHECKSUM_UNNECESSARY]	= "unnecessary",
	[OG_CHECKSUM_COMPLETE]		= "complete",
	[OG_CHECKSUM_PARTIAL]		= "partial",
};

/* Index = bit number of the OG_GSO_* flag. */
static const char *const gso_names[] = {
	"tcpv4", "dodgy", "tcp_ecn", "tcpv6", "udp", "udp_l4", "partial",
	"fraglist", "tunnel", "other",
};

/* Index = bit number of the OG_FIX_* flag. */
static const char *const flag_names[] = {
	"encap", "csum_not_inet", "frag_list", "cloned",
};

#define ARRAY_LEN(a)	(sizeof(a) / sizeof((a)[0]))

/*
 * Name of bit i of a sample's set: a rule (reasons/repaired/dropped), a
 * GSO type or a flag. A bit this offguard has no name for (a newer BPF
 * side) still shows, as its number.
 */
enum bitset_kind { BITS_REASON, BITS_GSO, BITS_FLAGS };

static const char *bit_name(enum bitset_kind kind, unsigned int i,
			    char tmp[16])
{
	const char *s = NULL;

	switch (kind) {
	case BITS_REASON:
		s = og_reason_name(i);
		break;
	case BITS_GSO:
		s = i < ARRAY_LEN(gso_names) ? gso_names[i] : NULL;
		break;
	case BITS_FLAGS:
		s = i < ARRAY_LEN(flag_names) ? flag_names[i] : NULL;
		break;
	}
	if (s)
		return s;
	snprintf(tmp, 16, "bit%u", i);
	return tmp;
}

static void sb_bits(struct sbuf *b, enum bitset_kind kind, __u32 bits,
		    char sep)
{
	bool first = true;
	unsigned int i;
	char tmp[16];

	for (i = 0; i < 32; i++) {
		if (!(bits & (1U << i)))
			continue;
		if (!first)
			sb_add(b, "%c", sep);
		sb_add(b, "%s", bit_name(kind, i, tmp));
		first = false;
	}
}

static void jw_bits(struct json_writer *jw, const char *name,
		    enum bitset_kind kind, __u32 bits)
{
	unsigned int i;
	char tmp[16];

	jw_name(jw, name);
	jw_start_array(jw);
	for (i = 0; i < 32; i++)
		if (bits & (1U << i))
			jw_string(jw, bit_name(kind, i, tmp));
	jw_end_array(jw);
}

/* The rule a sample was rate limited under: its lowest-numbered one. */
static unsigned int first_rule(__u32 reasons)
{
	return reasons ? (unsigned int)__builtin_ctz(reasons) : 0;
}

static const char *ip_summed_name(unsigned int v, char tmp[16])
{
	if (v < ARRAY_LEN(ip_summed_names))
		return ip_summed_names[v];
	snprintf(tmp, 16, "%u", v);
	return tmp;
}

static bool has_seed(const struct og_sample *s)
{
	return s->reasons & (1U << OG_PARTIAL_BAD_SEED);
}

static const char *seed_name(const struct og_sample *s, char tmp[16])
{
	const char *n = og_seed_variant_name(s->seed_variant);

	if (n)
		return n;
	snprintf(tmp, 16, "%u", s->seed_variant);
	return tmp;
}

/* The packet comment, in the format documented at the top of this file. */
static void format_comment(const struct og_sample *s, const char *dev,
			   const char *link, char *out, size_t size)
{
	struct sbuf b = { .p = out, .size = size };
	char tmp[16], tmp2[16];
	unsigned int r = first_rule(s->reasons);

	out[0] = '\0';
	sb_add(&b, "rule=%s hook=%s dev=%s ifindex=%u reasons=",
	       bit_name(BITS_REASON, r, tmp), og_hook_name(s->hook) ?: "?",
	       dev, s->ifindex);
	sb_bits(&b, BITS_REASON, s->reasons, ',');
	sb_add(&b, " repaired=");
	sb_bits(&b, BITS_REASON, s->repaired, ',');
	sb_add(&b, " dropped=");
	sb_bits(&b, BITS_REASON, s->dropped, ',');
	if (og_hook_is_tc(s->hook)) {
		sb_add(&b, " ip_summed=%s csum_start=%u csum_offset=%u",
		       ip_summed_name(s->ip_summed, tmp), s->csum_start,
		       s->csum_offset);
		sb_add(&b, " gso_size=%u gso_type=", s->gso_size);
		sb_bits(&b, BITS_GSO, s->gso_type, '|');
		sb_add(&b, " gso_segs=%u flags=", s->gso_segs);
		sb_bits(&b, BITS_FLAGS, s->meta_flags, ',');
		if (has_seed(s))
			sb_add(&b, " seed=%s", seed_name(s, tmp2));
	}
	if (link)
		sb_add(&b, " link=%s", link);
	sb_add(&b, " len=%u", s->len);
}

static void print_json(struct dump *d, const struct og_sample *s,
		       const char *dev, const char *link, __u64 wall_ns)
{
	struct json_writer *jw = d->jw;
	char tmp[16];

	jw_start_object(jw);
	jw_u64_field(jw, "ts_ns", wall_ns);
	jw_string_field(jw, "rule",
			bit_name(BITS_REASON, first_rule(s->reasons), tmp));
	jw_string_field(jw, "hook", og_hook_name(s->hook));
	jw_string_field(jw, "dev", dev);
	jw_u64_field(jw, "ifindex", s->ifindex);
	jw_bits(jw, "reasons", BITS_REASON, s->reasons);
	jw_bits(jw, "repaired", BITS_REASON, s->repaired);
	jw_bits(jw, "dropped", BITS_REASON, s->dropped);
	if (og_hook_is_tc(s->hook)) {
		jw_string_field(jw, "ip_summed",
				ip_summed_name(s->ip_summed, tmp));
		jw_u64_field(jw, "csum_start", s->csum_start);
		jw_u64_field(jw, "csum_offset", s->csum_offset);
		jw_u64_field(jw, "gso_size", s->gso_size);
		jw_bits(jw, "gso_type", BITS_GSO, s->gso_type);
		jw_u64_field(jw, "gso_segs", s->gso_segs);
		jw_bits(jw, "flags", BITS_FLAGS, s->meta_flags);
		if (has_seed(s))
			jw_string_field(jw, "seed", seed_name(s, tmp));
	}
	if (link)
		jw_string_field(jw, "link", link);
	jw_u64_field(jw, "len", s->len);
	jw_u64_field(jw, "caplen", s->caplen);
	jw_end_object(jw);
	fflush(stdout);
}

static void print_text(const struct og_sample *s, const char *comment,
		       __u64 wall_ns)
{
	time_t sec = wall_ns / 1000000000ULL;
	char hms[16] = "?";
	struct tm tm;

	if (localtime_r(&sec, &tm))
		strftime(hms, sizeof(hms), "%H:%M:%S", &tm);
	printf("%s.%09llu %s\n", hms,
	       (unsigned long long)(wall_ns % 1000000000ULL), comment);
	fflush(stdout);
}

#define ETH_HLEN_	14
#define VLAN_HLEN_	4

/* A packet as it goes to the file: maybe converted to the file's type. */
struct out_pkt {
	__u8		buf[ETH_HLEN_ + OG_SAMPLE_SNAP];
	const __u8	*data;
	__u32		caplen, len;
	const char	*link;		/* NULL: as sampled */
};

/*
 * Fit the sample to the file's link type (see the top of this file). An
 * Ethernet header is 14 bytes plus 4 per 802.1Q/802.1ad tag; where the
 * captured bytes end inside it, all of them go.
 */
static void to_linktype(const struct og_sample *s, __u32 caplen,
			__u16 want, struct out_pkt *o)
{
	__u16 have = s->l3_proto ? OG_LINKTYPE_RAW : OG_LINKTYPE_ETHERNET;
	__u32 hlen = ETH_HLEN_;

	o->data = s->data;
	o->caplen = caplen;
	o->len = s->len;
	o->link = NULL;
	if (have == want)
		return;
	if (want == OG_LINKTYPE_ETHERNET) {
		memset(o->buf, 0, 12);
		o->buf[12] = s->l3_proto >> 8;
		o->buf[13] = s->l3_proto & 0xff;
		memcpy(o->buf + ETH_HLEN_, s->data, caplen);
		o->data = o->buf;
		o->caplen = caplen + ETH_HLEN_;
		o->len = s->len + ETH_HLEN_;
		o->link = "added_eth";
		return;
	}
	while (hlen + VLAN_HLEN_ <= caplen) {
		__u16 type = s->data[hlen - 2] << 8 | s->data[hlen - 1];

		if (type != 0x8100 && type != 0x88a8)
			break;
		hlen += VLAN_HLEN_;
	}
	if (hlen > caplen)
		hlen = caplen;
	o->data = s->data + hlen;
	o->caplen = caplen - hlen;
	o->len = s->len >= hlen ? s->len - hlen : 0;
	o->link = "removed_eth";
}

static __u32 snaplen(const struct dump *d)
{
	return d->linktype == OG_LINKTYPE_ETHERNET ? ETH_HLEN_ + OG_SAMPLE_SNAP :
						     OG_SAMPLE_SNAP;
}

/*
 * The link type of a device's samples: Ethernet where the kernel gives
 * its packets an Ethernet header (loopback's is all zeros), raw IP for
 * TUN (ARPHRD_NONE) and the other L3 devices.
 */
static __u16 dev_linktype(const char *ifname)
{
	struct ifreq ifr = {};
	int fd, type = -1;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd >= 0) {
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
		if (!ioctl(fd, SIOCGIFHWADDR, &ifr))
			type = ifr.ifr_hwaddr.sa_family;
		close(fd);
	}
	if (type < 0 || type == ARPHRD_ETHER || type == ARPHRD_LOOPBACK)
		return OG_LINKTYPE_ETHERNET;
	return OG_LINKTYPE_RAW;
}

/* A record from the ring: filter, write, list. Negative stops the poll. */
static int on_sample(void *ctx, void *data, size_t size)
{
	struct dump *d = ctx;
	const struct og_sample *s = data;
	char comment[DUMP_COMMENT_MAX], name[IF_NAMESIZE];
	struct out_pkt o;
	const char *dev;
	__u32 caplen;
	__u64 wall;
	int if_id, err;

	if (size < offsetof(struct og_sample, data)) {
		d->short_records++;
		return 0;
	}
	if (d->ifindex && s->ifindex != d->ifindex)
		return 0;
	if (d->rule >= 0 && !(s->reasons & (1U << d->rule)))
		return 0;

	/* never trust lengths beyond what the record holds */
	caplen = s->caplen;
	if (caplen > size - offsetof(struct og_sample, data))
		caplen = size - offsetof(struct og_sample, data);
	if (caplen > OG_SAMPLE_SNAP)
		caplen = OG_SAMPLE_SNAP;
	if (caplen > s->len)
		caplen = s->len;

	to_linktype(s, caplen, d->linktype, &o);

	wall = (__s64)s->ts_ns + d->wall_offset_ns > 0 ?
	       s->ts_ns + d->wall_offset_ns : 0;
	dev = og_ifname(s->ifindex, name) ?: "-";
	format_comment(s, dev, o.link, comment, sizeof(comment));

	if_id = og_pcapng_iface(&d->pcap, s->ifindex, d->linktype, dev,
				snaplen(d));
	if (if_id < 0) {
		d->err = if_id;
		return if_id;
	}
	err = og_pcapng_packet(&d->pcap, if_id, wall, o.data, o.caplen, o.len,
			       comment);
	if (err) {
		d->err = err;
		return err;
	}
	d->written++;
	if (og_json)
		print_json(d, s, dev, o.link, wall);
	else
		print_text(s, comment, wall);
	/* stop consuming here: the next records stay for the next reader */
	if (d->count && d->written >= d->count)
		return -ECANCELED;
	return 0;
}

/*
 * CLOCK_REALTIME - CLOCK_MONOTONIC, for turning bpf_ktime_get_ns() into
 * wall time: the realtime reading bracketed by two monotonic ones, the
 * tightest bracket of a few tries (a preemption widens one).
 */
static __s64 wall_offset_ns(void)
{
	__s64 best = 0, best_gap = -1;
	struct timespec m1, r, m2;
	int i;

	for (i = 0; i < 5; i++) {
		__s64 a, b, gap;

		clock_gettime(CLOCK_MONOTONIC, &m1);
		clock_gettime(CLOCK_REALTIME, &r);
		clock_gettime(CLOCK_MONOTONIC, &m2);
		a = m1.tv_sec * 1000000000LL + m1.tv_nsec;
		b = m2.tv_sec * 1000000000LL + m2.tv_nsec;
		gap = b - a;
		if (best_gap < 0 || gap < best_gap) {
			best_gap = gap;
			best = r.tv_sec * 1000000000LL + r.tv_nsec -
			       (a + gap / 2);
		}
	}
	return best;
}

static __s64 mono_now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000LL + t.tv_nsec / 1000000;
}

static int run(struct dump *d, struct ring_buffer *rb, unsigned int seconds)
{
	__s64 deadline = seconds ? mono_now_ms() + seconds * 1000LL : 0;
	int err = 0;

	while (!stop) {
		int wait = DUMP_POLL_MS;

		if (deadline) {
			__s64 left = deadline - mono_now_ms();

			if (left <= 0)
				break;
			if (left < wait)
				wait = left;
		}
		err = ring_buffer__poll(rb, wait);
		if (err == -EINTR) {
			err = 0;
			continue;
		}
		if (err == -ECANCELED) {	/* COUNT reached */
			err = 0;
			break;
		}
		if (err < 0)
			break;
		err = 0;
		/* whole blocks reach the file as they come: tail-able */
		if (og_pcapng_flush(&d->pcap))
			break;
	}
	return d->err ?: err;
}

/* Does any offguard program watch this device (any hook)? */
static bool dev_attached(const struct og_instance *inst, __u32 ifindex)
{
	struct og_live live;
	unsigned int h;

	for (h = 1; h < __OG_HOOK_MAX; h++)
		if (og_live_find(inst, ifindex, h, &live))
			return true;
	return false;
}

static void dump_help(void)
{
	printf("usage: %s\n"
	       "\n"
	       "Write the sampled offending packets (at most one per device, hook and\n"
	       "rule every 100 ms) to a pcapng file, with offguard's findings in each\n"
	       "packet's comment (tcpdump -r FILE reads it; wireshark shows the comments\n"
	       "as pkt_comment). Samples already waiting in the ring are written first.\n"
	       "One line per sample on stdout.\n"
	       "\n"
	       "  DEV                     only this device's samples\n"
	       "  -w, --write FILE        the pcapng file (created or truncated)\n"
	       "  -c, --count COUNT       stop after COUNT samples\n"
	       "  -t, --time SECONDS      stop after SECONDS (default: until Ctrl-C)\n"
	       "      --rule NAME         only samples that raised rule NAME\n"
	       "  -j, -p                  one JSON object per sample and line\n"
	       "\n"
	       "Comment: rule=R hook=H dev=D ifindex=N reasons=R,.. repaired=R,..\n"
	       "dropped=R,.. [ip_summed=S csum_start=N csum_offset=N gso_size=N\n"
	       "gso_type=T|.. gso_segs=N flags=F,.. [seed=V]] len=N (tc fields for tc\n"
	       "hooks only, seed with partial_bad_seed only).\n",
	       dump_usage);
}

int cmd_dump(int argc, char **argv)
{
	enum { OPT_RULE = 256 };
	static const struct option opts[] = {
		{ "write",	required_argument, NULL, 'w' },
		{ "count",	required_argument, NULL, 'c' },
		{ "time",	required_argument, NULL, 't' },
		{ "rule",	required_argument, NULL, OPT_RULE },
		OG_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct dump d = { .rule = -1 };
	struct sigaction sa = { .sa_handler = on_signal };
	struct ring_buffer *rb = NULL;
	unsigned int seconds = 0;
	const char *devname = NULL;
	struct og_instance inst;
	int c, err, rc = OG_EXIT_FAIL, map_fd;
	FILE *f;

	og_getopt_reset();
	while ((c = getopt_long(argc, argv, OG_COMMON_SHORTOPTS "w:c:t:", opts,
				NULL)) != -1) {
		if (og_common_opt(c))
			continue;
		switch (c) {
		case 'h':
			dump_help();
			return OG_EXIT_OK;
		case 'w':
			if (!*optarg)
				return og_usage_error(dump_usage,
						      "dump: -w needs a file name");
			d.file = optarg;
			break;
		case 'c':
			if (!og_parse_u32(optarg, 1, 0xffffffffU, &d.count))
				return og_usage_error(dump_usage,
						      "dump: bad count '%s'",
						      optarg);
			break;
		case 't':
			if (!og_parse_u32(optarg, 1, 30 * 86400, &seconds))
				return og_usage_error(dump_usage,
						      "dump: bad time '%s' (whole seconds, 1..2592000)",
						      optarg);
			break;
		case OPT_RULE:
			d.rule = og_reason_by_name(optarg);
			if (d.rule < 0 || d.rule >= 32)
				return og_usage_error(dump_usage,
						      "dump: unknown rule '%s'",
						      optarg);
			break;
		default:
			return og_bad_option("dump", dump_usage, c, argc,
					     argv);
		}
	}
	if (optind < argc)
		devname = argv[optind++];
	if (optind < argc)
		return og_usage_error(dump_usage,
				      "dump: one device at most ('%s' is extra)",
				      argv[optind]);
	if (!d.file)
		return og_usage_error(dump_usage, "dump: -w FILE is required");

	if (og_check_root()) {
		p_err("dump: %s", og_errstr(-EPERM));
		return OG_EXIT_FAIL;
	}
	if (devname) {
		d.ifindex = og_ifindex(devname);
		if (!d.ifindex) {
			p_err("dump %s: no such device", devname);
			return OG_EXIT_FAIL;
		}
	}

	og_instance_init(&inst);
	err = og_instance_find(&inst);
	if (err) {
		p_err("dump: cannot look for offguard's maps: %s",
		      og_errstr(err));
		goto out;
	}
	if (!inst.have_maps) {
		p_err("dump: no offguard instance in this network namespace (attach first)");
		goto out;
	}
	map_fd = inst.map_fd[OG_MAP_SAMPLES];
	if (map_fd < 0) {
		p_err("dump: the offguard programs attached here have no sample ring (loaded by an older offguard: detach --all, then attach)");
		goto out;
	}
	og_instance_pin(&inst, "dump", false);
	if (devname && !dev_attached(&inst, d.ifindex))
		pr_warn("offguard: warning: dump %s: offguard is not attached to %s: its samples can only be old ones\n",
			devname, devname);

	rb = ring_buffer__new(map_fd, on_sample, &d, NULL);
	if (!rb) {
		p_err("dump: cannot read the sample ring: %s",
		      og_errstr(-errno));
		goto out;
	}

	/* opened last: a failed dump leaves no empty file behind */
	f = fopen(d.file, "we");
	if (!f) {
		p_err("dump: %s: %s", d.file, strerror(errno));
		goto out;
	}
	err = og_pcapng_open(&d.pcap, f, "offguard dump");
	/* declared now: a file without samples stays readable */
	if (!err && devname) {
		d.linktype = dev_linktype(devname);
		err = og_pcapng_iface(&d.pcap, d.ifindex, d.linktype, devname,
				      snaplen(&d));
		err = err < 0 ? err : 0;
	} else {
		d.linktype = OG_LINKTYPE_ETHERNET;
	}
	if (err) {
		og_pcapng_close(&d.pcap);
		p_err("dump: %s: %s", d.file, strerror(-err));
		goto out;
	}
	if (og_json) {
		/* one compact object per line whatever -p says */
		d.jw = jw_new(stdout, false);
		if (!d.jw) {
			og_pcapng_close(&d.pcap);
			p_err("dump: out of memory");
			goto out;
		}
	}

	/* no SA_RESTART: the poll returns on Ctrl-C and the loop ends */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	d.wall_offset_ns = wall_offset_ns();
	err = run(&d, rb, seconds);
	/*
	 * libpcap wants at least one interface even in a file without
	 * packets: without DEV, a placeholder (ifindex 0, no name).
	 */
	if (!d.pcap.nr_ifs)
		og_pcapng_iface(&d.pcap, 0, d.linktype, NULL, snaplen(&d));
	/* whatever stopped the loop, the file is closed as a valid one */
	if (err && !d.err) {
		p_err("dump: cannot read the sample ring: %s", og_errstr(err));
		err = og_pcapng_close(&d.pcap);
	} else {
		err = og_pcapng_close(&d.pcap);
		if (!err && !d.err)
			rc = OG_EXIT_OK;
	}
	if (err || d.err)
		p_err("dump: %s: %s", d.file, strerror(-(err ?: d.err)));
	if (d.short_records)
		pr_warn("offguard: warning: dump: %llu records too short to be samples (a newer BPF side?)\n",
			(unsigned long long)d.short_records);
	fprintf(stderr, "%llu samples written to %s\n",
		(unsigned long long)d.written, d.file);
out:
	jw_destroy(&d.jw);
	ring_buffer__free(rb);
	og_instance_close(&inst);
	return rc;
}
