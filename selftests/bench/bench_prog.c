// SPDX-License-Identifier: GPL-2.0-only
/*
 * Cost of the tc programs over a no-op tc program, as ratios and
 * differences measured side by side in one run (DESIGN §8.1).
 *
 *   bench_prog testrun          BPF_PROG_TEST_RUN, 64 B .. 3.5 KB
 *   bench_prog live IFNAME N    frames sent on IFNAME (AF_PACKET) while
 *                               offguard and the no-op both sit on the
 *                               peer's tc ingress; per-program run time
 *                               from kernel.bpf_stats (jumbo sizes that
 *                               test-run cannot build)
 *   bench_prog xdp-testrun      og_xdp over an XDP no-op, BPF_PROG_TEST_RUN
 *   bench_prog xdp-live         the same with BPF_F_TEST_XDP_LIVE_FRAMES:
 *                               frames built in a page pool and acted on
 *                               (XDP_PASS into the stack) as a driver would
 *   bench_prog xdp-csum         full-checksum verify GB/s (og_xdp minus the
 *                               no-op, 1500 B linear and 9000 B frags) over
 *                               single-core memcpy GB/s of the same bytes
 *
 * Figures are printed, never asserted.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <time.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <linux/if_tun.h>
#include <stdlib.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "offguard/offguard.h"
#include "tc_guard.skel.h"
#include "og_load.h"
#include "noop.skel.h"
#include "xdp_guard.skel.h"
#include "xdp_noop.skel.h"
#include "pkt.h"

#define RUNS		7
#define REPEAT		200000

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median ns per invocation over RUNS test runs of REPEAT each. */
static double median_ns(int prog_fd, void *pkt, size_t len,
			struct __sk_buff *skb)
{
	double v[RUNS];
	int i;

	for (i = 0; i < RUNS; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, o,
			.data_in = pkt,
			.data_size_in = len,
			.ctx_in = skb,
			.ctx_size_in = sizeof(*skb),
			.repeat = REPEAT,
		);

		if (bpf_prog_test_run_opts(prog_fd, &o)) {
			fprintf(stderr, "bench: test run: %s\n", strerror(errno));
			exit(1);
		}
		v[i] = o.duration;
	}
	qsort(v, RUNS, sizeof(v[0]), cmp_double);
	return v[RUNS / 2];
}

struct tr_case {
	const char	*name;
	bool		ipv6;
	__u8		proto;
	size_t		frame;		/* total frame length */
	bool		partial;	/* CHECKSUM_PARTIAL via fixture meta */
	double		target;		/* ns over no-op, 0: none */
};

static const struct tr_case tr_cases[] = {
	{ "64B tcp4 CHECKSUM_PARTIAL", false, IPPROTO_TCP, 64, true, 0 },
	{ "64B udp4 full L4 verify", false, IPPROTO_UDP, 64, false, 0 },
	{ "1500B tcp4 CHECKSUM_PARTIAL", false, IPPROTO_TCP, 1514, true, 15 },
	{ "1500B tcp4 full L4 verify", false, IPPROTO_TCP, 1514, false, 60 },
	{ "1500B tcp6 full L4 verify", true, IPPROTO_TCP, 1514, false, 0 },
	{ "3500B udp4 full L4 verify", false, IPPROTO_UDP, 3514, false, 0 },
};

static int cmd_testrun(void)
{
	struct tc_guard *prod = og_load_guard(false), *fix = og_load_guard(true);
	struct noop *noop = noop__open_and_load();
	static __u8 buf[4096];
	size_t i;

	if (!prod || !fix || !noop) {
		fprintf(stderr, "bench: cannot load programs (root?)\n");
		return 1;
	}
	printf("# tc program cost, BPF_PROG_TEST_RUN, median of %d x %d runs\n",
	       RUNS, REPEAT);
	printf("%-30s %9s %9s %9s %7s %s\n", "case", "noop_ns", "og_ns",
	       "over_ns", "ratio", "target");
	for (i = 0; i < sizeof(tr_cases) / sizeof(tr_cases[0]); i++) {
		const struct tr_case *c = &tr_cases[i];
		struct og_fixture_meta fm = {};
		struct __sk_buff skb = {};
		struct og_pkt_spec spec;
		struct og_pkt pkt;
		double base, og;
		size_t hdr;
		int len, fd;

		og_pkt_spec_init(&spec);
		spec.ether = true;
		spec.ipv6 = c->ipv6;
		spec.l4proto = c->proto;
		hdr = OG_ETH_HLEN + (c->ipv6 ? OG_IPV6_HLEN : OG_IPV4_HLEN) +
		      (c->proto == IPPROTO_TCP ? OG_TCP_HLEN : OG_UDP_HLEN);
		spec.payload_len = c->frame - hdr;
		spec.l4_csum = c->partial ? OG_L4_CSUM_SEED : OG_L4_CSUM_FULL;
		len = og_pkt_build(&spec, buf, sizeof(buf), &pkt);
		if (len <= 0)
			return 1;
		fd = bpf_program__fd(prod->progs.og_tc_ingress);
		if (c->partial) {
			/* test-run skbs are CHECKSUM_NONE: describe PARTIAL */
			fm.ip_summed = OG_CHECKSUM_PARTIAL;
			fm.csum_start = pkt.l4_off;
			fm.csum_offset = pkt.csum_off;
			fm.mtu = 1500;
			memcpy(skb.cb, &fm, sizeof(fm));
			fd = bpf_program__fd(fix->progs.og_tc_ingress);
		}
		base = median_ns(bpf_program__fd(noop->progs.og_noop), buf,
				 len, &skb);
		og = median_ns(fd, buf, len, &skb);
		printf("%-30s %9.1f %9.1f %9.1f %7.2f %s\n", c->name, base, og,
		       og - base, og / base,
		       c->target ? (og - base <= c->target ? "<= target" :
							     "ABOVE target") :
				   "");
	}
	tc_guard__destroy(prod);
	tc_guard__destroy(fix);
	noop__destroy(noop);
	return 0;
}

static int prog_stats(int fd, __u64 *ns, __u64 *cnt)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	*ns = info.run_time_ns;
	*cnt = info.run_cnt;
	return 0;
}

/*
 * offguard and the no-op on the same device, run on the same packets:
 * their mean run times from kernel.bpf_stats, between start and stop.
 */
struct side_by_side {
	int	fd[2];		/* [0] no-op, [1] offguard */
	__u64	ns[2], n[2];
	double	mean[2];
};

static void sbs_start(struct side_by_side *p, int noop_fd, int og_fd)
{
	int i;

	p->fd[0] = noop_fd;
	p->fd[1] = og_fd;
	for (i = 0; i < 2; i++)
		prog_stats(p->fd[i], &p->ns[i], &p->n[i]);
}

static int sbs_stop(struct side_by_side *p)
{
	__u64 ns, n;
	int i;

	usleep(200000);		/* let the last packets finish */
	for (i = 0; i < 2; i++) {
		prog_stats(p->fd[i], &ns, &n);
		p->ns[i] = ns - p->ns[i];
		p->n[i] = n - p->n[i];
		if (!p->n[i])
			return -1;
		p->mean[i] = (double)p->ns[i] / p->n[i];
	}
	return 0;
}

static int set_policy(struct tc_guard *s, __u32 ifindex, enum og_hook hook,
		      enum og_policy policy)
{
	struct og_dev_key key = { ifindex, hook };
	struct og_dev_conf conf = { .policy = policy };

	return bpf_map_update_elem(bpf_map__fd(s->maps.og_config), &key, &conf,
				   BPF_ANY);
}

/*
 * A repair changes the packet, and test-run reuses one skb across its
 * repeats, so only the first run would repair: time single runs instead,
 * many of them, and take the median for both programs alike.
 */
static double median_single_ns(int prog_fd, void *pkt, size_t len,
			       struct __sk_buff *skb)
{
	enum { N = 20001 };
	static double v[N];
	int i;

	for (i = 0; i < N; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, o,
			.data_in = pkt,
			.data_size_in = len,
			.ctx_in = skb,
			.ctx_size_in = sizeof(*skb),
			.repeat = 1,
		);

		if (bpf_prog_test_run_opts(prog_fd, &o)) {
			fprintf(stderr, "bench: test run: %s\n", strerror(errno));
			exit(1);
		}
		v[i] = o.duration;
	}
	qsort(v, N, sizeof(v[0]), cmp_double);
	return v[N / 2];
}

static int cmd_repair(void)
{
	struct tc_guard *fix = og_load_guard(true);
	struct noop *noop = noop__open_and_load();
	struct og_fixture_meta fm = {};
	struct __sk_buff skb = {};
	struct og_pkt_spec spec;
	static __u8 buf[4096];
	struct og_pkt pkt;
	double base, og, obs;
	int len;

	if (!fix || !noop)
		return 1;
	og_pkt_spec_init(&spec);
	spec.ether = true;
	spec.l4proto = IPPROTO_TCP;
	spec.payload_len = 1514 - OG_ETH_HLEN - OG_IPV4_HLEN - OG_TCP_HLEN;
	spec.l4_csum = OG_L4_CSUM_FULL;	/* the writer bug: full where the seed goes */
	len = og_pkt_build(&spec, buf, sizeof(buf), &pkt);
	fm.ip_summed = OG_CHECKSUM_PARTIAL;
	fm.csum_start = pkt.l4_off;
	fm.csum_offset = pkt.csum_off;
	fm.mtu = 1500;
	memcpy(skb.cb, &fm, sizeof(fm));

	base = median_single_ns(bpf_program__fd(noop->progs.og_noop), buf, len,
				&skb);
	set_policy(fix, 1, OG_HOOK_TC_INGRESS, OG_POLICY_OBSERVE);
	obs = median_single_ns(bpf_program__fd(fix->progs.og_tc_ingress), buf,
			       len, &skb);
	set_policy(fix, 1, OG_HOOK_TC_INGRESS, OG_POLICY_REPAIR);
	og = median_single_ns(bpf_program__fd(fix->progs.og_tc_ingress), buf,
			      len, &skb);
	printf("# single runs (repeat=1), median of 20001: a repair changes the skb\n");
	printf("%-30s %9.1f %9.1f %9.1f %7.2f\n",
	       "1500B bad seed, observe", base, obs, obs - base, obs / base);
	printf("%-30s %9.1f %9.1f %9.1f %7.2f\n",
	       "1500B bad seed, repaired", base, og, og - base, og / base);
	tc_guard__destroy(fix);
	noop__destroy(noop);
	return 0;
}

static int tun_open(const char *name)
{
	struct ifreq ifr = {};
	int fd, s;

	fd = open("/dev/net/tun", O_RDWR);
	if (fd < 0)
		return -1;
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI | IFF_VNET_HDR;
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0)
		goto fail;
	s = socket(AF_INET, SOCK_DGRAM, 0);
	if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		goto fail;
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		goto fail;
	close(s);
	return fd;
fail:
	close(fd);
	return -1;
}

/*
 * 64 KB TSO frames written to a TUN with gso_size = MTU (1500): offguard
 * (repair) and the no-op on the TUN's tc ingress; each frame is repaired
 * (gso_size lowered to MSS) on its way in.
 */
static int cmd_live_gso(int count)
{
	struct tc_guard *og = og_load_guard(false);
	struct noop *noop = noop__open_and_load();
	static __u8 frame[sizeof(struct virtio_net_hdr) + 65536];
	struct side_by_side sbs;
	struct og_vnet_spec vs;
	struct og_pkt_spec spec;
	struct og_pkt pkt;
	int fd, ifindex, statfd, len, i;
	__u64 rep;

	fd = tun_open("ogbench0");
	ifindex = if_nametoindex("ogbench0");
	if (!og || !noop || fd < 0 || !ifindex) {
		fprintf(stderr, "bench: live-gso: setup failed\n");
		return 1;
	}
	if (bpf_prog_attach(bpf_program__fd(noop->progs.og_noop), ifindex,
			    46, 0) ||
	    bpf_prog_attach(bpf_program__fd(og->progs.og_tc_ingress), ifindex,
			    46, 0) ||
	    set_policy(og, ifindex, OG_HOOK_TC_INGRESS, OG_POLICY_REPAIR)) {
		fprintf(stderr, "bench: live-gso: attach: %s\n", strerror(errno));
		return 1;
	}
	og_pkt_spec_init(&spec);
	spec.l4proto = IPPROTO_TCP;
	spec.tcp_flags = OG_TCP_ACK;
	spec.df = true;
	spec.payload_len = 65535 - OG_IPV4_HLEN - OG_TCP_HLEN;
	spec.l4_csum = OG_L4_CSUM_SEED;
	len = og_pkt_build(&spec, frame + sizeof(struct virtio_net_hdr),
			   sizeof(frame) - sizeof(struct virtio_net_hdr), &pkt);
	og_vnet_spec_init(&vs);
	vs.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	vs.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
	vs.gso_size = 1500;		/* the MTU, where the MSS belongs */
	og_pkt_vnet_hdr(&pkt, &vs, (struct virtio_net_hdr *)frame);
	statfd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	if (statfd < 0)
		return 1;
	sbs_start(&sbs, bpf_program__fd(noop->progs.og_noop),
		  bpf_program__fd(og->progs.og_tc_ingress));
	for (i = 0; i < count; i++)
		if (write(fd, frame, len + sizeof(struct virtio_net_hdr)) < 0) {
			fprintf(stderr, "bench: live-gso: write: %s\n",
				strerror(errno));
			return 1;
		}
	if (sbs_stop(&sbs))
		return 1;
	{
		int ncpu = libbpf_num_possible_cpus();
		struct og_counter_key key = { ifindex, OG_HOOK_TC_INGRESS,
					      OG_GSO_SIZE_EXCEEDS_MTU };
		struct og_counter vals[ncpu];

		rep = 0;
		if (!bpf_map_lookup_elem(bpf_map__fd(og->maps.og_counters),
					 &key, vals))
			for (i = 0; i < ncpu; i++)
				rep += vals[i].repaired;
	}
	printf("%-30s %9.1f %9.1f %9.1f %7.2f (live TUN, %llu frames, %llu repaired)\n",
	       "64KB TSO gso_size=MTU repaired", sbs.mean[0], sbs.mean[1],
	       sbs.mean[1] - sbs.mean[0], sbs.mean[1] / sbs.mean[0],
	       (unsigned long long)sbs.n[1], (unsigned long long)rep);
	close(statfd);
	close(fd);
	return 0;
}



/*
 * Live: both programs on the receiving device's tcx ingress, run on the
 * same packets; the difference of their mean run times is offguard's
 * cost over a no-op (bpf_stats' own overhead is in both and cancels).
 */
static int cmd_live(const char *send_if, const char *recv_if, int frame,
		    int count)
{
	struct tc_guard *og = og_load_guard(false);
	struct noop *noop = noop__open_and_load();
	int ifindex = if_nametoindex(recv_if), sifindex = if_nametoindex(send_if);
	int statfd, sock, i, len;
	struct sockaddr_ll sll = {};
	struct side_by_side sbs;
	static __u8 buf[9100];
	struct og_pkt_spec spec;
	struct og_pkt pkt;

	if (!og || !noop || !ifindex || !sifindex) {
		fprintf(stderr, "bench: live: load or device lookup failed\n");
		return 1;
	}
	if (bpf_prog_attach(bpf_program__fd(noop->progs.og_noop), ifindex,
			    46 /* BPF_TCX_INGRESS */, 0) ||
	    bpf_prog_attach(bpf_program__fd(og->progs.og_tc_ingress), ifindex,
			    46, 0)) {
		fprintf(stderr, "bench: live: tcx attach: %s\n", strerror(errno));
		return 1;
	}
	statfd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	if (statfd < 0) {
		fprintf(stderr, "bench: live: enable stats: %s\n",
			strerror(errno));
		return 1;
	}
	og_pkt_spec_init(&spec);
	spec.ether = true;
	spec.l4proto = IPPROTO_UDP;
	spec.payload_len = frame - OG_ETH_HLEN - OG_IPV4_HLEN - OG_UDP_HLEN;
	len = og_pkt_build(&spec, buf, sizeof(buf), &pkt);
	sock = socket(AF_PACKET, SOCK_RAW, 0);
	sll.sll_family = AF_PACKET;
	sll.sll_ifindex = sifindex;
	sll.sll_halen = ETH_ALEN;
	sbs_start(&sbs, bpf_program__fd(noop->progs.og_noop),
		  bpf_program__fd(og->progs.og_tc_ingress));
	for (i = 0; i < count; i++)
		if (sendto(sock, buf, len, 0, (void *)&sll, sizeof(sll)) < 0) {
			fprintf(stderr, "bench: live: send: %s\n",
				strerror(errno));
			return 1;
		}
	if (sbs_stop(&sbs)) {
		fprintf(stderr, "bench: live: no packets seen\n");
		return 1;
	}
	printf("%-30s %9.1f %9.1f %9.1f %7.2f (live, %llu pkts, bpf_stats)\n",
	       frame >= 9000 ? "9000B udp4 full L4 verify" :
			       "live udp4 full L4 verify",
	       sbs.mean[0], sbs.mean[1], sbs.mean[1] - sbs.mean[0],
	       sbs.mean[1] / sbs.mean[0], (unsigned long long)sbs.n[1]);
	close(statfd);
	close(sock);
	return 0;
}

/*
 * XDP (DESIGN §8.1 and §8.3). Test-run takes the linear size from
 * ctx_in->data_end (capped at a page minus head- and tailroom, 3520 B):
 * the rest of data_in becomes page frags, as a driver's multi-buffer
 * frame. The no-op and og_xdp run alternately on the same frame, and the
 * medians of their times are compared: nothing else changes between
 * them. Live frames (BPF_F_TEST_XDP_LIVE_FRAMES) go through the page
 * pool and the verdict is acted on: XDP_PASS hands each frame to lo's
 * stack, which drops it at once (the destination MAC is not lo's:
 * PACKET_OTHERHOST), in both programs alike.
 */
#define XDP_RUNS	9
#define XDP_REPEAT	100000
#define XDP_LO		1

struct xdp_bench {
	struct xdp_guard	*og;
	struct xdp_noop		*noop;
};

static int xdp_bench_open(struct xdp_bench *b)
{
	b->og = xdp_guard__open_and_load();
	b->noop = xdp_noop__open_and_load();
	if (!b->og || !b->noop) {
		fprintf(stderr, "bench: cannot load the XDP programs (root?)\n");
		return -1;
	}
	return 0;
}

static void xdp_bench_close(struct xdp_bench *b)
{
	xdp_guard__destroy(b->og);
	xdp_noop__destroy(b->noop);
}

static int xdp_set_policy(struct xdp_bench *b, enum og_policy policy)
{
	struct og_dev_key key = { XDP_LO, OG_HOOK_XDP };
	struct og_dev_conf conf = { .policy = policy };

	return bpf_map_update_elem(bpf_map__fd(b->og->maps.og_config), &key,
				   &conf, BPF_ANY);
}

/* ns per frame of one test run of `repeat` frames. */
static double xdp_run_ns(int fd, void *frame, __u32 len, __u32 repeat,
			 bool live)
{
	struct xdp_md ctx = { .ingress_ifindex = XDP_LO, .data_end = len };
	LIBBPF_OPTS(bpf_test_run_opts, o,
		.data_in = frame,
		.data_size_in = len,
		.ctx_in = &ctx,
		.ctx_size_in = sizeof(ctx),
		.repeat = repeat,
		.flags = live ? BPF_F_TEST_XDP_LIVE_FRAMES : 0,
	);

	if (bpf_prog_test_run_opts(fd, &o)) {
		fprintf(stderr, "bench: xdp test run: %s\n", strerror(errno));
		exit(1);
	}
	return o.duration;
}

/* Medians of XDP_RUNS alternating runs: [0] no-op, [1] og_xdp. */
static void xdp_pair(struct xdp_bench *b, void *frame, __u32 len, bool live,
		     double med[2])
{
	int fd[2] = { bpf_program__fd(b->noop->progs.og_xdp_noop),
		      bpf_program__fd(b->og->progs.og_xdp) };
	double v[2][XDP_RUNS];
	int i, k;

	for (k = 0; k < 2; k++)		/* warm caches and the page pool */
		xdp_run_ns(fd[k], frame, len, XDP_REPEAT / 10, live);
	for (i = 0; i < XDP_RUNS; i++)
		for (k = 0; k < 2; k++)
			v[k][i] = xdp_run_ns(fd[k], frame, len, XDP_REPEAT,
					     live);
	for (k = 0; k < 2; k++) {
		qsort(v[k], XDP_RUNS, sizeof(double), cmp_double);
		med[k] = v[k][XDP_RUNS / 2];
	}
}

struct xdp_case {
	const char	*name;
	bool		ipv6;
	__u8		proto;
	__u32		frame;
	enum og_policy	policy;
};

static const struct xdp_case xdp_cases[] = {
	{ "64B tcp4 observe",		false, IPPROTO_TCP, 64, OG_POLICY_OBSERVE },
	{ "64B tcp4 repair, clean",	false, IPPROTO_TCP, 64, OG_POLICY_REPAIR },
	{ "64B udp6 observe",		true, IPPROTO_UDP, 64, OG_POLICY_OBSERVE },
	{ "1500B tcp4 observe",		false, IPPROTO_TCP, 1514, OG_POLICY_OBSERVE },
	{ "1500B tcp4 repair, clean",	false, IPPROTO_TCP, 1514, OG_POLICY_REPAIR },
	{ "1500B udp6 observe",		true, IPPROTO_UDP, 1514, OG_POLICY_OBSERVE },
};

/* A clean Ethernet frame of `frame` bytes (complete, right checksums). */
static int xdp_frame(bool ipv6, __u8 proto, __u32 frame, __u8 *buf,
		     size_t cap, struct og_pkt *pkt)
{
	struct og_pkt_spec spec;
	size_t hdr;

	og_pkt_spec_init(&spec);
	spec.ether = true;
	spec.ipv6 = ipv6;
	spec.l4proto = proto;
	hdr = OG_ETH_HLEN + (ipv6 ? OG_IPV6_HLEN : OG_IPV4_HLEN) +
	      (proto == IPPROTO_TCP ? OG_TCP_HLEN : OG_UDP_HLEN);
	spec.payload_len = frame > hdr ? frame - hdr : 0;
	spec.l4_csum = OG_L4_CSUM_FULL;
	return og_pkt_build(&spec, buf, cap, pkt);
}

/* Keep the benchmark and test-run (which runs on the caller's CPU) on one. */
static int pin_this_cpu(void)
{
	cpu_set_t set;
	int cpu = sched_getcpu();

	CPU_ZERO(&set);
	CPU_SET(cpu < 0 ? 0 : cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
	return cpu;
}

static void warn_bpf_stats(void)
{
	FILE *f = fopen("/proc/sys/kernel/bpf_stats_enabled", "r");
	int on = 0;

	if (f) {
		if (fscanf(f, "%d", &on) != 1)
			on = 0;
		fclose(f);
	}
	if (on)
		printf("# warning: kernel.bpf_stats_enabled=1 adds ~90 ns to every run\n");
}

static int cmd_xdp(bool live)
{
	static __u8 buf[2048];
	struct xdp_bench b;
	struct og_pkt pkt;
	double med[2];
	size_t i;
	int len, cpu;

	if (xdp_bench_open(&b))
		return 1;
	cpu = pin_this_cpu();
	warn_bpf_stats();
	printf("# og_xdp cost over an XDP no-op, %s, cpu %d, median of %d x %d "
	       "frames, alternating\n", live ?
	       "BPF_F_TEST_XDP_LIVE_FRAMES (XDP_PASS into lo's stack)" :
	       "BPF_PROG_TEST_RUN", cpu, XDP_RUNS, XDP_REPEAT);
	printf("%-30s %9s %9s %9s %7s\n", "case", "noop_ns", "og_ns",
	       "over_ns", "ratio");
	for (i = 0; i < sizeof(xdp_cases) / sizeof(xdp_cases[0]); i++) {
		const struct xdp_case *c = &xdp_cases[i];

		len = xdp_frame(c->ipv6, c->proto, c->frame, buf, sizeof(buf),
				&pkt);
		if (len <= 0 || xdp_set_policy(&b, c->policy))
			return 1;
		xdp_pair(&b, buf, len, live, med);
		printf("%-30s %9.1f %9.1f %9.1f %7.2f\n", c->name, med[0],
		       med[1], med[1] - med[0], med[1] / med[0]);
	}
	xdp_bench_close(&b);
	return 0;
}

/*
 * Median GB/s of a userspace memcpy of len bytes, repeated like test-run
 * repeats the program: both read a buffer that stays in cache.
 */
static double memcpy_gbps(const void *src, void *dst, size_t len)
{
	double v[XDP_RUNS];
	struct timespec t0, t1;
	int i, k;

	for (i = 0; i < XDP_RUNS; i++) {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (k = 0; k < XDP_REPEAT; k++) {
			memcpy(dst, src, len);
			/* the copy must happen every time */
			asm volatile("" : : "r"(dst) : "memory");
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		v[i] = (double)len * XDP_REPEAT /
		       ((t1.tv_sec - t0.tv_sec) * 1e9 +
			(t1.tv_nsec - t0.tv_nsec));
	}
	qsort(v, XDP_RUNS, sizeof(double), cmp_double);
	return v[XDP_RUNS / 2];
}

/*
 * For context: memcpy of a buffer far larger than the caches, the
 * memory-bound rate a "single-core memcpy GB/s" usually means.
 */
static double memcpy_stream_gbps(void)
{
	const size_t len = 256UL << 20;
	char *src = malloc(len), *dst = malloc(len);
	struct timespec t0, t1;
	double v[5], r;
	int i;

	if (!src || !dst) {
		free(src);
		free(dst);
		return 0;
	}
	memset(src, 0x5a, len);
	memset(dst, 0, len);
	for (i = 0; i < 5; i++) {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		memcpy(dst, src, len);
		asm volatile("" : : "r"(dst) : "memory");
		clock_gettime(CLOCK_MONOTONIC, &t1);
		v[i] = (double)len / ((t1.tv_sec - t0.tv_sec) * 1e9 +
				      (t1.tv_nsec - t0.tv_nsec));
	}
	qsort(v, 5, sizeof(double), cmp_double);
	r = v[2];
	free(src);
	free(dst);
	return r;
}

static int cmd_xdp_csum(void)
{
	static const struct {
		const char	*name;
		bool		ipv6;
		__u8		proto;
		__u32		frame;
	} cases[] = {
		{ "1500B udp4 (linear)", false, IPPROTO_UDP, 1514 },
		{ "1500B tcp6 (linear)", true, IPPROTO_TCP, 1514 },
		{ "9000B udp4 (3520 B + frags)", false, IPPROTO_UDP, 9014 },
		{ "9000B tcp6 (3520 B + frags)", true, IPPROTO_TCP, 9014 },
	};
	static __u8 buf[9100], dst[9100];
	struct xdp_bench b;
	struct og_pkt pkt;
	double med[2], verify_ns, gbps, mgbps, sgbps, og_ns[4];
	size_t i, bytes, nbytes[4];
	int len, cpu;

	if (xdp_bench_open(&b) || xdp_set_policy(&b, OG_POLICY_OBSERVE))
		return 1;
	cpu = pin_this_cpu();
	warn_bpf_stats();
	sgbps = memcpy_stream_gbps();
	printf("# full-checksum verify GB/s = bytes summed / (og_xdp - no-op), "
	       "cpu %d, target >= 0.5 x memcpy\n"
	       "# memcpy of the same bytes, repeated (cache-hot, as test-run's "
	       "frame is); memcpy of 256 MiB streaming: %.2f GB/s\n",
	       cpu, sgbps);
	printf("%-28s %5s %7s %7s %9s %9s %6s %8s\n", "case", "bytes",
	       "noop_ns", "og_ns", "verify", "memcpy", "ratio",
	       "/stream");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		len = xdp_frame(cases[i].ipv6, cases[i].proto, cases[i].frame,
				buf, sizeof(buf), &pkt);
		if (len <= 0)
			return 1;
		/* the L4 segment, and the IPv4 header's own sum */
		bytes = pkt.l4_len + (cases[i].ipv6 ? 0 : OG_IPV4_HLEN);
		xdp_pair(&b, buf, len, false, med);
		verify_ns = med[1] - med[0];
		gbps = verify_ns > 0 ? bytes / verify_ns : 0;
		mgbps = memcpy_gbps(buf + pkt.l3_off, dst, bytes);
		og_ns[i] = med[1];
		nbytes[i] = bytes;
		printf("%-28s %5zu %7.1f %7.1f %9.2f %9.2f %6.2f %8.2f\n",
		       cases[i].name, bytes, med[0], med[1], gbps, mgbps,
		       gbps / mgbps, sgbps > 0 ? gbps / sgbps : 0);
	}
	/* per extra byte, the fixed cost (parse, maps) cancelled */
	for (i = 0; i < 2; i++)
		printf("marginal %s 1500->9000 B: %.2f GB/s\n",
		       i ? "tcp6" : "udp4",
		       (nbytes[i + 2] - nbytes[i]) / (og_ns[i + 2] - og_ns[i]));
	xdp_bench_close(&b);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "xdp-testrun"))
		return cmd_xdp(false);
	if (argc >= 2 && !strcmp(argv[1], "xdp-live"))
		return cmd_xdp(true);
	if (argc >= 2 && !strcmp(argv[1], "xdp-csum"))
		return cmd_xdp_csum();
	if (argc >= 2 && !strcmp(argv[1], "repair"))
		return cmd_repair();
	if (argc >= 3 && !strcmp(argv[1], "live-gso"))
		return cmd_live_gso(atoi(argv[2]));
	if (argc >= 2 && !strcmp(argv[1], "testrun"))
		return cmd_testrun();
	if (argc >= 6 && !strcmp(argv[1], "live"))
		return cmd_live(argv[2], argv[3], atoi(argv[4]), atoi(argv[5]));
	fprintf(stderr, "usage: bench_prog testrun | repair | live-gso COUNT | "
		"live SEND_IF RECV_IF FRAME COUNT | xdp-testrun | xdp-live | "
		"xdp-csum\n");
	return 2;
}
