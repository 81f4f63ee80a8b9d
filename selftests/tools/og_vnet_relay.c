// SPDX-License-Identifier: GPL-2.0-only
/*
 * og_vnet_relay: a guest for a TAP, the way QEMU is one. A network
 * namespace's veth stands in for the guest's virtio-net: what its stack
 * sends (TSO/USO super-frames with partial checksums) is read from the
 * host end of the veth through AF_PACKET with PACKET_VNET_HDR and written
 * to the TAP with the same virtio_net_hdr; what the host sends to the TAP
 * goes back the other way. The TAP therefore sees the metadata a real
 * guest writes, and the guest the metadata a real TAP hands out.
 *
 *   og_vnet_relay --ifname VETH --tap TAP [--offloads LIST] [--stats FILE]
 *
 * A TAP the relay creates is not persistent: it goes when the relay
 * exits. Scripts that configure it first (bridge port, XDP) create it
 * with `ip tuntap add ... mode tap vnet_hdr` and let the relay attach.
 *
 * The TAP uses 12-byte vnet headers (struct virtio_net_hdr_mrg_rxbuf, as
 * QEMU configures it with mergeable rx buffers); AF_PACKET has the plain
 * 10-byte struct virtio_net_hdr. The relay moves the 10 common bytes and
 * nothing else: one read and one write per frame, no per-byte work.
 *
 * --stats FILE is written (atomically: FILE.tmp, then rename) once both
 * ends are set up, which is the "ready" signal for scripts, again on
 * SIGUSR1, and at SIGTERM/SIGINT, which also print it on stdout and exit
 * 0. A frame the relay could not pass on is counted and logged on stderr;
 * frames the kernel dropped before the relay saw them are reported too
 * (the socket's PACKET_STATISTICS drops, the TAP's tx_dropped).
 *
 * Errors are one line, "og_vnet_relay: <object>: <cause>", exit 1; usage
 * errors exit 2.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>

#include "tun_util.h"

/* Newer than Debian 12's uapi headers (kernel 6.2). */
#ifndef VIRTIO_NET_HDR_GSO_UDP_L4
#define VIRTIO_NET_HDR_GSO_UDP_L4	5
#endif

#define EXIT_USAGE	2
/*
 * The largest frame either end can hand over: a 64 KiB GSO frame plus
 * its Ethernet and VLAN headers. Twice that, so a kernel with BIG TCP
 * turned on shows up as "truncated" with its size rather than silently.
 */
#define FRAME_MAX	(128 * 1024)
/* Frames per direction per round: neither direction starves the other. */
#define BATCH		64
/* After this many, write errors are logged once per LOG_EVERY. */
#define LOG_FIRST	20
#define LOG_EVERY	1000
#define ETH_MAX_PLAIN	1514

struct dir_stats {
	const char *name;
	unsigned long long frames;
	unsigned long long bytes;
	unsigned long long gso_tcpv4;
	unsigned long long gso_tcpv6;
	unsigned long long gso_udp_l4;
	unsigned long long gso_other;
	unsigned long long ecn;
	unsigned long long needs_csum;
	unsigned long long data_valid;
	unsigned long long over_1514;
	unsigned long long max_frame;
	unsigned long long max_gso_size;
	unsigned long long read_errors;
	unsigned long long truncated;
	unsigned long long write_errors;
	unsigned long long short_writes;
	int last_errno;
};

struct relay {
	const char *ifname;
	const char *tap;
	const char *offloads;
	const char *stats;
	int pfd;		/* AF_PACKET on the veth */
	int tfd;		/* the TAP */
	unsigned long long sock_drops;	/* PACKET_STATISTICS, summed */
	struct dir_stats to_tap;	/* guest -> TAP */
	struct dir_stats to_guest;	/* TAP -> guest */
	unsigned char *buf;
};

static volatile sig_atomic_t g_stop, g_dump;

static void __attribute__((format(printf, 2, 3))) fail(const char *obj,
						      const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "og_vnet_relay: %s: ", obj);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void __attribute__((format(printf, 1, 2))) usage_err(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "og_vnet_relay: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'og_vnet_relay --help'.\n");
	exit(EXIT_USAGE);
}

static void usage(FILE *f)
{
	fprintf(f,
"Usage: og_vnet_relay --ifname VETH --tap TAP [--offloads LIST] [--stats FILE]\n"
"\n"
"Relays frames with their virtio_net_hdr between VETH (AF_PACKET,\n"
"PACKET_VNET_HDR) and TAP (IFF_VNET_HDR, 12-byte headers), both ways.\n"
"TAP is attached to if it exists (persistent), else created; it is set up.\n"
"\n"
"  --ifname VETH      the guest's wire: host end of its veth pair\n"
"  --tap TAP          the TAP (IFF_TAP|IFF_NO_PI|IFF_VNET_HDR)\n"
"  --offloads LIST    TUNSETOFFLOAD: csum,tso4,tso6,ecn,ufo,uso4,uso6 or\n"
"                     none (csum,tso4,tso6,uso4,uso6)\n"
"  --stats FILE       counters as JSON: when ready, on SIGUSR1, at exit\n"
"\n"
"SIGTERM/SIGINT: write the counters (FILE and stdout) and exit 0.\n");
}

static unsigned int parse_offloads(const char *s)
{
	unsigned int f;
	char bad[64];

	if (og_tun_offloads(s, &f, bad, sizeof(bad)))
		usage_err(bad[0] ? "--offloads: unknown feature '%s' (" OG_TUN_OFFLOAD_NAMES ")" :
				   "--offloads: '%s' is too long", bad[0] ? bad : s);
	return f;
}

static void parse(struct relay *r, int argc, char **argv)
{
	enum { OPT_IFNAME = 256, OPT_TAP, OPT_OFFLOADS, OPT_STATS };
	static const struct option lo[] = {
		{ "ifname", required_argument, NULL, OPT_IFNAME },
		{ "tap", required_argument, NULL, OPT_TAP },
		{ "offloads", required_argument, NULL, OPT_OFFLOADS },
		{ "stats", required_argument, NULL, OPT_STATS },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	int c;

	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case OPT_IFNAME:
			r->ifname = optarg;
			break;
		case OPT_TAP:
			r->tap = optarg;
			break;
		case OPT_OFFLOADS:
			r->offloads = optarg;
			break;
		case OPT_STATS:
			r->stats = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			fprintf(stderr, "Try 'og_vnet_relay --help'.\n");
			exit(EXIT_USAGE);
		}
	}
	if (optind < argc)
		usage_err("unexpected argument '%s'", argv[optind]);
	if (!r->ifname)
		usage_err("--ifname VETH is required");
	if (!r->tap)
		usage_err("--tap TAP is required");
	if (!*r->ifname || strlen(r->ifname) >= IFNAMSIZ)
		usage_err("--ifname: '%s' is not an interface name (1 to %d characters)",
			  r->ifname, IFNAMSIZ - 1);
	if (!*r->tap || strlen(r->tap) >= IFNAMSIZ)
		usage_err("--tap: '%s' is not an interface name (1 to %d characters)",
			  r->tap, IFNAMSIZ - 1);
	if (!strcmp(r->ifname, r->tap))
		usage_err("--ifname and --tap name the same device '%s'", r->tap);
	if (r->stats && !*r->stats)
		usage_err("--stats: empty file name");
}

static void if_up(const char *name)
{
	const char *what;
	int err = og_if_up(name, &what);

	if (err)
		fail(name, "%s: %s", what, strerror(-err));
}

static int tap_open(const char *name, unsigned int offloads)
{
	int fd, hsz = sizeof(struct virtio_net_hdr_mrg_rxbuf);
	struct ifreq ifr = {};

	/*
	 * Non-blocking: the relay drains each end until EAGAIN and goes
	 * back to poll(). Writes to a TAP do not wait for anything.
	 */
	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		fail("/dev/net/tun", "%s", strerror(errno));
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	if (ioctl(fd, TUNSETIFF, &ifr) < 0)
		fail(name, "TUNSETIFF: %s%s", strerror(errno),
		     errno == EINVAL ? " (exists as a TUN, or multi-queue?)" :
		     errno == EBUSY ? " (another process holds it)" : "");
	if (ioctl(fd, TUNSETVNETHDRSZ, &hsz) < 0)
		fail(name, "TUNSETVNETHDRSZ %d: %s", hsz, strerror(errno));
	if (ioctl(fd, TUNSETOFFLOAD, offloads) < 0)
		fail(name, "TUNSETOFFLOAD 0x%x: %s%s", offloads, strerror(errno),
		     errno == EINVAL ? " (kernel without USO? try without uso4,uso6)" :
		     "");
	if_up(name);
	return fd;
}

static int packet_open(const char *name)
{
	struct sockaddr_ll sll = {};
	int fd, one = 1, rcvbuf = 64 << 20, sndbuf = 4 << 20;
	unsigned int ifindex;

	ifindex = if_nametoindex(name);
	if (!ifindex)
		fail(name, "%s", errno == ENODEV ? "no such device" :
		     strerror(errno));
	/*
	 * Protocol 0 until bound: nothing queues up from other devices
	 * between socket() and bind().
	 */
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd < 0)
		fail(name, "socket(AF_PACKET): %s", strerror(errno));
	if (setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)) < 0)
		fail(name, "PACKET_VNET_HDR: %s", strerror(errno));
	/* Our own writes towards the guest are not the guest's frames. */
	if (setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one,
		       sizeof(one)) < 0)
		fail(name, "PACKET_IGNORE_OUTGOING: %s", strerror(errno));
	/*
	 * A guest bursts dozens of 64 KiB super-frames per window; the
	 * default 208 KiB receive buffer holds three. The FORCE variants
	 * pass net.core.rmem_max (we are root); the plain ones are the
	 * fallback without CAP_NET_ADMIN.
	 */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof(sndbuf)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = (int)ifindex;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		fail(name, "bind: %s", strerror(errno));
	return fd;
}

/* Frames the kernel dropped at the socket: PACKET_STATISTICS resets. */
static void sock_drops_update(struct relay *r)
{
	struct tpacket_stats st = {};
	socklen_t len = sizeof(st);

	if (getsockopt(r->pfd, SOL_PACKET, PACKET_STATISTICS, &st, &len) == 0)
		r->sock_drops += st.tp_drops;
}

/* The TAP's tx_dropped: frames for the guest the relay never read. */
static long long tap_tx_dropped(const struct relay *r)
{
	char path[128];
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/net/%s/statistics/tx_dropped",
		 r->tap);
	f = fopen(path, "re");
	if (!f)
		return -1;
	if (fscanf(f, "%lld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

static void dir_json(FILE *f, const struct dir_stats *d)
{
	fprintf(f,
		"\"%s\":{\"frames\":%llu,\"bytes\":%llu,\"gso_tcpv4\":%llu,"
		"\"gso_tcpv6\":%llu,\"gso_udp_l4\":%llu,\"gso_other\":%llu,"
		"\"ecn\":%llu,\"needs_csum\":%llu,\"data_valid\":%llu,"
		"\"over_1514\":%llu,\"max_frame\":%llu,\"max_gso_size\":%llu,"
		"\"read_errors\":%llu,\"truncated\":%llu,\"write_errors\":%llu,"
		"\"short_writes\":%llu,\"last_errno\":%d,\"last_error\":\"%s\"}",
		d->name, d->frames, d->bytes, d->gso_tcpv4, d->gso_tcpv6,
		d->gso_udp_l4, d->gso_other, d->ecn, d->needs_csum,
		d->data_valid, d->over_1514, d->max_frame, d->max_gso_size,
		d->read_errors, d->truncated, d->write_errors, d->short_writes,
		d->last_errno, d->last_errno ? strerror(d->last_errno) : "");
}

static void stats_json(struct relay *r, FILE *f)
{
	sock_drops_update(r);
	fprintf(f, "{\"ifname\":\"%s\",\"tap\":\"%s\",\"pid\":%d,",
		r->ifname, r->tap, (int)getpid());
	dir_json(f, &r->to_tap);
	fputc(',', f);
	dir_json(f, &r->to_guest);
	fprintf(f, ",\"sock_drops\":%llu,\"tap_tx_dropped\":%lld}\n",
		r->sock_drops, tap_tx_dropped(r));
}

static void stats_write(struct relay *r, bool to_stdout)
{
	char tmp[4096];
	FILE *f;

	if (to_stdout) {
		stats_json(r, stdout);
		fflush(stdout);
	}
	if (!r->stats)
		return;
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", r->stats) >= (int)sizeof(tmp)) {
		fprintf(stderr, "og_vnet_relay: %s: path too long\n", r->stats);
		return;
	}
	f = fopen(tmp, "we");
	if (!f) {
		fprintf(stderr, "og_vnet_relay: %s: %s\n", tmp, strerror(errno));
		return;
	}
	stats_json(r, f);
	/* rename() makes it appear whole: scripts wait for the file. */
	if (fclose(f) || rename(tmp, r->stats))
		fprintf(stderr, "og_vnet_relay: %s: %s\n", r->stats,
			strerror(errno));
}

static void count_frame(struct dir_stats *d, const struct virtio_net_hdr *h,
			size_t len)
{
	d->frames++;
	d->bytes += len;
	if (len > ETH_MAX_PLAIN)
		d->over_1514++;
	if (len > d->max_frame)
		d->max_frame = len;
	if (h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)
		d->needs_csum++;
	if (h->flags & VIRTIO_NET_HDR_F_DATA_VALID)
		d->data_valid++;
	if (h->gso_type == VIRTIO_NET_HDR_GSO_NONE)
		return;
	if (h->gso_type & VIRTIO_NET_HDR_GSO_ECN)
		d->ecn++;
	switch (h->gso_type & ~VIRTIO_NET_HDR_GSO_ECN) {
	case VIRTIO_NET_HDR_GSO_TCPV4:
		d->gso_tcpv4++;
		break;
	case VIRTIO_NET_HDR_GSO_TCPV6:
		d->gso_tcpv6++;
		break;
	case VIRTIO_NET_HDR_GSO_UDP_L4:
		d->gso_udp_l4++;
		break;
	default:
		d->gso_other++;
		break;
	}
	if (h->gso_size > d->max_gso_size)
		d->max_gso_size = h->gso_size;
}

static void write_failed(struct dir_stats *d, const char *dev, int err,
			 size_t len, const struct virtio_net_hdr *h)
{
	d->write_errors++;
	d->last_errno = err;
	if (d->write_errors <= LOG_FIRST || d->write_errors % LOG_EVERY == 0)
		fprintf(stderr,
			"og_vnet_relay: %s: write of a %zu-byte frame (gso_type %u gso_size %u flags 0x%x) failed: %s (%llu write errors so far)\n",
			dev, len, h->gso_type, h->gso_size, h->flags,
			strerror(err), d->write_errors);
}

/* A dropped read is as much a loss as a failed write: say so. */
static void read_failed(struct dir_stats *d, const char *dev, const char *what,
			int err)
{
	d->read_errors++;
	if (err)
		d->last_errno = err;
	if (d->read_errors <= LOG_FIRST || d->read_errors % LOG_EVERY == 0)
		fprintf(stderr, "og_vnet_relay: %s: %s%s%s (%llu so far)\n", dev,
			what, err ? ": " : "", err ? strerror(err) : "",
			d->read_errors);
}

/*
 * Writes to the TAP do not block, and a send on the (blocking) packet
 * socket waits for buffer space on its own; EAGAIN/ENOBUFS still get one
 * short wait and a second try before the frame is counted as lost. The
 * TAP is not a socket: writev() there, sendmsg() on the packet socket.
 */
static ssize_t write_once(int fd, bool sock, struct msghdr *msg)
{
	if (sock)
		return sendmsg(fd, msg, MSG_NOSIGNAL);
	return writev(fd, msg->msg_iov, (int)msg->msg_iovlen);
}

static ssize_t write_retry(int fd, bool sock, struct msghdr *msg)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	ssize_t n = write_once(fd, sock, msg);

	if (n >= 0 || (errno != EAGAIN && errno != ENOBUFS))
		return n;
	poll(&p, 1, 10);
	return write_once(fd, sock, msg);
}

/* guest -> TAP: one recvmsg() and one writev() per frame. */
static int relay_to_tap(struct relay *r)
{
	struct dir_stats *d = &r->to_tap;
	struct virtio_net_hdr_mrg_rxbuf h;
	int i;

	for (i = 0; i < BATCH; i++) {
		struct iovec iov[2] = {
			{ .iov_base = &h.hdr, .iov_len = sizeof(h.hdr) },
			{ .iov_base = r->buf, .iov_len = FRAME_MAX },
		};
		struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 2 };
		ssize_t n;
		size_t len;

		n = recvmsg(r->pfd, &msg, MSG_DONTWAIT | MSG_TRUNC);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			/* ENETDOWN and the like: reported, then carry on */
			read_failed(d, r->ifname, "recv", errno);
			break;
		}
		if ((size_t)n < sizeof(h.hdr)) {
			read_failed(d, r->ifname, "frame shorter than its vnet header", 0);
			continue;
		}
		len = (size_t)n - sizeof(h.hdr);
		if (len > FRAME_MAX) {
			d->truncated++;
			read_failed(d, r->ifname, "frame larger than the buffer, dropped",
				    0);
			continue;
		}
		/* One buffer per frame: we never merge rx buffers. */
		h.num_buffers = 1;
		count_frame(d, &h.hdr, len);
		iov[0].iov_base = &h;
		iov[0].iov_len = sizeof(h);
		iov[1].iov_len = len;
		n = write_retry(r->tfd, false, &msg);
		if (n < 0)
			write_failed(d, r->tap, errno, len, &h.hdr);
		else if ((size_t)n != sizeof(h) + len)
			d->short_writes++;
	}
	return i;
}

/* TAP -> guest: one readv() and one sendmsg() per frame. */
static int relay_to_guest(struct relay *r)
{
	struct dir_stats *d = &r->to_guest;
	struct virtio_net_hdr_mrg_rxbuf h;
	int i;

	for (i = 0; i < BATCH; i++) {
		struct iovec iov[2] = {
			{ .iov_base = &h, .iov_len = sizeof(h) },
			{ .iov_base = r->buf, .iov_len = FRAME_MAX },
		};
		struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 2 };
		ssize_t n;
		size_t len;

		n = readv(r->tfd, iov, 2);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			read_failed(d, r->tap, "read", errno);
			break;
		}
		if ((size_t)n < sizeof(h)) {
			read_failed(d, r->tap, "frame shorter than its vnet header", 0);
			continue;
		}
		len = (size_t)n - sizeof(h);
		/*
		 * A TAP read has no MSG_TRUNC to tell a frame that filled
		 * the buffer from one that did not fit: count both as lost.
		 */
		if (len == FRAME_MAX) {
			d->truncated++;
			read_failed(d, r->tap, "frame filled the buffer (cut?), dropped",
				    0);
			continue;
		}
		count_frame(d, &h.hdr, len);
		/* The packet socket takes the 10-byte header: drop num_buffers. */
		iov[0].iov_len = sizeof(h.hdr);
		iov[1].iov_len = len;
		n = write_retry(r->pfd, true, &msg);
		if (n < 0)
			write_failed(d, r->ifname, errno, len, &h.hdr);
		else if ((size_t)n != sizeof(h.hdr) + len)
			d->short_writes++;
	}
	return i;
}

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		g_dump = 1;
	else
		g_stop = 1;
}

int main(int argc, char **argv)
{
	struct relay r = {
		.offloads = "csum,tso4,tso6,uso4,uso6",
		.pfd = -1,
		.tfd = -1,
		.to_tap = { .name = "guest_to_tap" },
		.to_guest = { .name = "tap_to_guest" },
	};
	struct sigaction sa = { .sa_handler = on_signal };
	const struct timespec zero = {};
	sigset_t block, wait_mask;
	unsigned int offloads;

	parse(&r, argc, argv);
	offloads = parse_offloads(r.offloads);

	r.buf = malloc(FRAME_MAX);
	if (!r.buf)
		fail("relay", "out of memory");

	/*
	 * The signals stay blocked except inside ppoll(): a signal that
	 * comes while we relay is acted on at the next ppoll(), never lost
	 * between a flag test and the wait.
	 */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, &wait_mask);
	sigdelset(&wait_mask, SIGTERM);
	sigdelset(&wait_mask, SIGINT);
	sigdelset(&wait_mask, SIGUSR1);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);

	r.pfd = packet_open(r.ifname);
	r.tfd = tap_open(r.tap, offloads);
	/* Anything queued before the TAP existed is not worth a count. */
	sock_drops_update(&r);
	r.sock_drops = 0;
	stats_write(&r, false);

	while (!g_stop) {
		struct pollfd p[2] = {
			{ .fd = r.pfd, .events = POLLIN },
			{ .fd = r.tfd, .events = POLLIN },
		};
		int a, b;

		if (g_dump) {
			g_dump = 0;
			stats_write(&r, false);
		}
		a = relay_to_tap(&r);
		b = relay_to_guest(&r);
		/*
		 * A full batch means more is waiting: look again without
		 * sleeping (the zero timeout still lets signals in). A
		 * socket error (POLLERR) is read, and counted, by the next
		 * recvmsg().
		 */
		if (ppoll(p, 2, a == BATCH || b == BATCH ? &zero : NULL,
			  &wait_mask) < 0 && errno != EINTR)
			fail("relay", "ppoll: %s", strerror(errno));
		if (p[1].revents & (POLLERR | POLLNVAL | POLLHUP))
			fail(r.tap, "the TAP went away");
	}
	stats_write(&r, true);
	close(r.tfd);
	close(r.pfd);
	free(r.buf);
	return 0;
}
