// SPDX-License-Identifier: GPL-2.0-only
/*
 * offguard segd --in DEV --out DEV: software segmentation where an XDP
 * fast path meets a device without TSO (README.md, "segd").
 *
 * og_segd_xdp (bpf/segd.bpf.c) runs on DEV in. Frames that fit out's MTU
 * take the fast path; larger ones come here through an AF_XDP socket on
 * in (copy mode, multi-buffer: XDP_USE_SG), with a shim in front giving
 * the skb's gso_size/type and the MSS learned from the flow's SYNs. segd
 * cuts them with og_segment() (user/seg.c) straight into the transmit
 * UMEM of a second AF_XDP socket on out, and sends the segments.
 *
 * The segment size, in order of preference:
 *   - the skb's gso_size (generic XDP): exactly what the kernel's
 *     software GSO would have cut; TCP is cut smaller if that would not
 *     fit out's MTU;
 *   - TCP only: the MSS learned from the SYNs, less the segment's TCP
 *     options, capped by out's MTU;
 *   - TCP only: out's MTU.
 * A UDP datagram boundary is the application's, so a UDP frame without
 * UDP_L4 GSO metadata, or whose datagrams do not fit out's MTU, cannot
 * be cut: counted as drop_no_size.
 *
 * The transmit UMEM is in unaligned-chunk mode so og_segment() writes a
 * super-frame's segments back to back and each descriptor points into
 * that run; runs are freed in order as their completions come back.
 *
 * Shutdown (SIGINT, SIGTERM): the XDP link is closed first, so no new
 * frame is accepted; what is in the receive ring is segmented and sent,
 * and segd waits for every transmit completion before it frees the
 * UMEMs. Both programs are attached through links owned by this process,
 * so even a segd killed with SIGKILL leaves nothing attached.
 *
 * Counters (enum og_segd_ctr) live in one per-CPU array shared with the
 * XDP program and are pinned as <bpffs>/offguard/segd_<in>_<out> while
 * segd runs: `offguard stats` shows them.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <linux/if_link.h>
#include <linux/if_xdp.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/xsk.h>

#include "offguard/offguard.h"
#include "commands.h"
#include "compat.h"
#include "instance.h"
#include "kconsts.h"
#include "logging.h"
#include "seg.h"
#include "segd.h"
#include "util.h"
#include "segd.skel.h"

/* uapi 6.6+; ABI values, as in compat.h */
#ifndef XDP_USE_SG
#define XDP_USE_SG		(1 << 4)
#endif
#ifndef XDP_PKT_CONTD
#define XDP_PKT_CONTD		(1 << 0)
#endif

#define SEGD_FRAME		4096u	/* UMEM chunk: one page */
/*
 * 64 MiB: ~960 super-frames of 64 KiB (17 chunks each). Generic XDP
 * cannot push back on a sender: a burst larger than the ring is lost
 * (drop_rx_ring), so the ring is sized for bursts, not for the rate.
 */
#define SEGD_RX_FRAMES		16384u
#define SEGD_RING		4096u
#define SEGD_TX_AREA		(32u << 20)
#define SEGD_MAX_FRAME		(65536u + 256u)	/* super-frame + shim + L2 */
#define SEGD_MAX_SEGS		1024u	/* 64 KiB in segments of 64 B */
#define SEGD_BATCH		256u
#define SEGD_L2_MAX		22u	/* Ethernet + two VLAN tags */
/* The counters the BPF programs keep; segd writes the others. */
#define SEGD_BPF_CTRS		(1ULL << OG_SEGD_FAST_REDIRECT |	\
				 1ULL << OG_SEGD_FAST_PASS |		\
				 1ULL << OG_SEGD_TO_SEGD |		\
				 1ULL << OG_SEGD_NO_SOCKET_PASS |	\
				 1ULL << OG_SEGD_MSS_LEARNED |		\
				 1ULL << OG_SEGD_DROP_REDIRECT |	\
				 1ULL << OG_SEGD_IN_ORDER)
#define SEGD_INFLIGHT_SIZE	(OG_SEGD_SLOTS * sizeof(__u32))
/* any size that fits an IP length: only the headers are asked for */
#define SEGD_PROBE_MSS		1000u
#define SEGD_DRAIN_MS		2000
#define SEGD_FLUSH_NS		(100ULL * 1000 * 1000)
/*
 * After a batch, keep polling the ring this long before sleeping in
 * poll(): a wake-up per super-frame cost 40 % of the throughput (make
 * bench: 3.1 against 5.1 Gb/s), and an idle segd still sleeps.
 */
#define SEGD_SPIN_US		50u

static const char segd_usage[] =
	"offguard segd --in DEV --out DEV [--fit redirect|pass] [--xdp-mode skb|native]\n"
	"                     [--spin USEC]";

static const char *const segd_ctr_names[] = {
#define SEGD_NAME(name, nr, str)	[nr] = str,
	OG_SEGD_CTR_LIST(SEGD_NAME)
#undef SEGD_NAME
};

const char *og_segd_ctr_name(unsigned int i)
{
	return i < __OG_SEGD_CTR_MAX ? segd_ctr_names[i] : NULL;
}

/* A run of transmit UMEM holding one super-frame's segments. */
struct tx_run {
	__u64		off;		/* of the segments, in the area */
	__u32		len;		/* of the segments */
	__u32		span;		/* len + the area's end skipped to wrap */
	__u32		pending;	/* descriptors not completed yet */
	__s32		slot;		/* og_segd_inflight slot, -1: none */
};

struct og_segd {
	const char		*in_name, *out_name;
	__u32			in_ifindex, out_ifindex;
	__u32			out_mtu;
	bool			fit_redirect;
	bool			native;
	unsigned int		spin_us;	/* keep polling this long after work */

	struct segd		*skel;
	int			xdp_link, tc_link;
	int			ctrs_fd;
	char			pin[PATH_MAX];
	bool			pinned;
	int			nr_cpus;
	__u64			*ctr_vals;	/* nr_cpus values, for one update */

	/* receive: aligned chunks, the kernel fills them */
	void			*rx_area;
	struct xsk_umem		*rx_umem;
	struct xsk_ring_prod	rx_fill;
	struct xsk_ring_cons	rx_comp;
	struct xsk_socket	*rx_xsk;
	struct xsk_ring_cons	rx;

	/* transmit: unaligned, a byte ring of runs */
	void			*tx_area;
	struct xsk_umem		*tx_umem;
	struct xsk_ring_prod	tx_fill;
	struct xsk_ring_cons	tx_comp;
	struct xsk_socket	*tx_xsk;
	struct xsk_ring_prod	tx;
	__u64			tx_head, tx_tail;	/* bytes, monotonic */
	int			tx_err;		/* last hard sendto() errno */
	int			tx_err_logged;
	struct tx_run		*runs;
	unsigned int		run_head, run_nr;	/* FIFO of runs */

	/* a multi-buffer frame, gathered */
	__u8			*gather;
	__u64			frame_addr[SEGD_MAX_FRAME / 256];
	unsigned int		frame_nr;
	__u32			frame_len;
	bool			frame_overflow;
	struct og_seg		segs[SEGD_MAX_SEGS];

	__u64			ctr[__OG_SEGD_CTR_MAX];	/* segd's own */
	__u32			*inflight;	/* og_segd_inflight, mmap()ed */
	__u64			inflight_reset_at;	/* drop_rx_ring then */
	__u64			last_flush;
};

#define SEGD_RUNS	4096u

static volatile sig_atomic_t segd_stop;

static void segd_on_signal(int sig)
{
	segd_stop = sig;
}

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int dev_mtu(const char *name, __u32 *mtu)
{
	struct ifreq ifr = {};
	int fd, err = 0;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, SIOCGIFMTU, &ifr))
		err = -errno;
	else
		*mtu = ifr.ifr_mtu;
	close(fd);
	return err;
}

/* segd's counters into CPU 0's slot of the shared array (only segd writes them). */
static void segd_flush(struct og_segd *s)
{
	unsigned int i;

	s->last_flush = now_ns();
	if (s->ctrs_fd < 0)
		return;
	for (i = 0; i < __OG_SEGD_CTR_MAX; i++) {
		if (SEGD_BPF_CTRS & (1ULL << i))
			continue;	/* the XDP program's */
		memset(s->ctr_vals, 0, s->nr_cpus * sizeof(__u64));
		s->ctr_vals[0] = s->ctr[i];
		bpf_map_update_elem(s->ctrs_fd, &i, s->ctr_vals, BPF_ANY);
	}
}

/* The kernel's own count of frames it could not hand to the socket. */
static void segd_xsk_stats(struct og_segd *s)
{
	struct xdp_statistics st = {};
	socklen_t len = sizeof(st);

	if (!getsockopt(xsk_socket__fd(s->rx_xsk), SOL_XDP, XDP_STATISTICS,
			&st, &len))
		s->ctr[OG_SEGD_DROP_RX_RING] = st.rx_dropped + st.rx_ring_full;
}

/* A frame has left (or was dropped): its flow may take the fast path again. */
static void slot_put(struct og_segd *s, __s32 slot)
{
	__u32 *v, old;

	if (slot < 0 || !s->inflight)
		return;
	v = &s->inflight[slot];
	old = __atomic_load_n(v, __ATOMIC_RELAXED);
	/* never below 0: an idle reset may have cleared it already */
	while (old && !__atomic_compare_exchange_n(v, &old, old - 1, false,
						   __ATOMIC_RELEASE,
						   __ATOMIC_RELAXED))
		;
}

/* ---- transmit ---------------------------------------------------------- */

static void tx_kick(struct og_segd *s)
{
	int i;

	/*
	 * Copy mode transmits in sendmsg() context, a batch per call, and
	 * says EAGAIN when it stopped with descriptors left (EBUSY, ENOBUFS:
	 * the device or the completion ring is full for now). Any other
	 * error (ENETDOWN: out is down) leaves the descriptors where they
	 * are; tx_wait() then gives up at once instead of waiting.
	 */
	s->tx_err = 0;
	for (i = 0; i < 64; i++) {
		if (!sendto(xsk_socket__fd(s->tx_xsk), NULL, 0, MSG_DONTWAIT,
			    NULL, 0))
			return;
		if (errno == EAGAIN)
			continue;
		if (errno != EBUSY && errno != ENOBUFS)
			s->tx_err = errno;
		return;
	}
}

static struct tx_run *run_at(struct og_segd *s, unsigned int i)
{
	return &s->runs[(s->run_head + i) % SEGD_RUNS];
}

/* Completions back: runs whose every segment left are free again. */
static void tx_reap(struct og_segd *s)
{
	__u32 idx, n, i, j;

	n = xsk_ring_cons__peek(&s->tx_comp, SEGD_RING, &idx);
	for (i = 0; i < n; i++) {
		__u64 addr = *xsk_ring_cons__comp_addr(&s->tx_comp, idx + i);

		for (j = 0; j < s->run_nr; j++) {
			struct tx_run *r = run_at(s, j);

			if (r->pending && addr >= r->off && addr < r->off + r->len) {
				r->pending--;
				break;
			}
		}
	}
	if (n)
		xsk_ring_cons__release(&s->tx_comp, n);
	while (s->run_nr && !run_at(s, 0)->pending) {
		slot_put(s, run_at(s, 0)->slot);
		s->tx_tail += run_at(s, 0)->span;
		s->run_head = (s->run_head + 1) % SEGD_RUNS;
		s->run_nr--;
	}
	if (!s->run_nr)
		s->tx_head = s->tx_tail = 0;
}

/*
 * len contiguous bytes of transmit UMEM, after the newest run. A run
 * never wraps: one that would not fit before the end of the area starts
 * at 0, and the bytes skipped count in its span until it is freed. NULL
 * if full for now.
 */
static struct tx_run *tx_alloc(struct og_segd *s, __u32 len)
{
	__u64 off = s->tx_head % SEGD_TX_AREA;
	__u32 skip = 0;
	struct tx_run *r;

	if (off + len > SEGD_TX_AREA)
		skip = SEGD_TX_AREA - off;
	if (s->tx_head + skip + len - s->tx_tail > SEGD_TX_AREA ||
	    s->run_nr == SEGD_RUNS)
		return NULL;
	r = run_at(s, s->run_nr++);
	r->off = skip ? 0 : off;
	r->len = len;
	r->span = skip + len;
	r->pending = 0;
	r->slot = -1;
	s->tx_head += r->span;
	return r;
}

/* Wait (kicking and reaping) for room: len bytes and n descriptors. */
static struct tx_run *tx_wait(struct og_segd *s, __u32 len, __u32 n, __u32 *idx)
{
	__u64 deadline = now_ns() + SEGD_DRAIN_MS * 1000000ULL;
	struct tx_run *r;

	for (;;) {
		r = tx_alloc(s, len);
		if (r) {
			if (xsk_ring_prod__reserve(&s->tx, n, idx) == n)
				return r;
			/* give the run back: it is the newest */
			s->run_nr--;
			s->tx_head -= r->span;
		}
		tx_kick(s);
		tx_reap(s);
		if (now_ns() > deadline || s->tx_err)
			return NULL;
		if (!r)
			usleep(50);
	}
}

/* ---- one super-frame --------------------------------------------------- */

/* tx_wait() gave up: out cannot transmit, or not within 2 s. */
static void segd_tx_failed(struct og_segd *s)
{
	/* one line per outage, not one per frame */
	if (s->tx_err && s->tx_err != s->tx_err_logged)
		pr_warn("segd: %s: cannot transmit: %s; dropping super-frames until it can\n",
			s->out_name, og_errstr(-s->tx_err));
	s->tx_err_logged = s->tx_err;
	s->ctr[OG_SEGD_DROP_TX]++;
}

/*
 * A frame that fits out's MTU, here to keep its flow's order: sent as it
 * is, unless its L4 checksum is provably a partial one (the pseudo-header
 * seed a CHECKSUM_PARTIAL skb carries, which the fast path would have
 * handed on with the skb), which is completed. A complete checksum, even
 * a wrong one, is never rewritten.
 */
static void segd_forward(struct og_segd *s, const __u8 *buf, __u32 len,
			 int type, __s32 slot)
{
	struct xdp_desc *d;
	struct tx_run *r;
	__u32 idx;
	int n = 0;

	r = tx_wait(s, len, 1, &idx);
	if (!r) {
		segd_tx_failed(s);
		slot_put(s, slot);
		return;
	}
	r->slot = slot;
	if (type && og_seg_csum_state(buf, len, type) == OG_SEG_CSUM_PARTIAL)
		n = og_segment(buf, len, type, 0xffff - len, (__u8 *)s->tx_area +
			       r->off, len, s->segs, 1);
	if (n != 1)
		memcpy((__u8 *)s->tx_area + r->off, buf, len);
	d = xsk_ring_prod__tx_desc(&s->tx, idx);
	d->addr = r->off;
	d->len = len;
	d->options = 0;
	r->pending = 1;
	xsk_ring_prod__submit(&s->tx, 1);
	s->ctr[OG_SEGD_FORWARDED]++;
	s->ctr[OG_SEGD_SEGMENTS_SENT]++;
	s->ctr[OG_SEGD_TX_BYTES] += len;
}

static void segd_frame(struct og_segd *s, const __u8 *buf, __u32 len)
{
	const struct og_segd_shim *shim = (const void *)buf;
	__s32 slot = -1;
	struct og_seg_info info;
	enum og_seg_type type;
	unsigned int mss, i;
	struct tx_run *r;
	__u32 idx;
	int n;

	s->ctr[OG_SEGD_RX_FRAMES]++;
	if (len < sizeof(*shim) || shim->magic != OG_SEGD_SHIM_MAGIC) {
		pr_debug("segd: frame of %u bytes without segd's shim\n", len);
		s->ctr[OG_SEGD_DROP_MALFORMED]++;
		return;
	}
	if ((shim->flags & OG_SEGD_SHIM_SLOT) && shim->slot < OG_SEGD_SLOTS)
		slot = shim->slot;
	buf += sizeof(*shim);
	len -= sizeof(*shim);
	s->ctr[OG_SEGD_RX_BYTES] += len;

	/* What it is: the skb's GSO type, else what the headers say. */
	type = shim->gso_type;
	if (type != OG_SEG_TCP && type != OG_SEG_UDP_L4) {
		type = OG_SEG_TCP;
		if (og_seg_parse(buf, len, type, SEGD_PROBE_MSS, &info)) {
			type = OG_SEG_UDP_L4;
			if (og_seg_parse(buf, len, type, SEGD_PROBE_MSS, &info))
				type = 0;
		}
	} else if (og_seg_parse(buf, len, type, SEGD_PROBE_MSS, &info)) {
		pr_debug("segd: frame of %u bytes, gso %u/%u: not a super-frame of its type\n",
			 len, shim->gso_type, shim->gso_size);
		type = 0;
	}
	/* Fits as it is (e.g. Ethernet padding makes it unparsable): send. */
	if (len <= s->out_mtu + SEGD_L2_MAX &&
	    (!type || len - info.l3_off <= s->out_mtu)) {
		segd_forward(s, buf, len, type, slot);
		return;
	}
	if (!type) {
		s->ctr[shim->gso_type ? OG_SEGD_DROP_MALFORMED :
					OG_SEGD_DROP_UNSUPPORTED]++;
		slot_put(s, slot);
		return;
	}

	switch (og_seg_size(&info, type, shim->gso_type, shim->gso_size,
			    shim->mss, s->out_mtu, &mss)) {
	case OG_SEG_SIZE_GSO:
		s->ctr[OG_SEGD_SIZE_FROM_GSO]++;
		break;
	case OG_SEG_SIZE_MSS:
		s->ctr[OG_SEGD_SIZE_FROM_MSS]++;
		break;
	case OG_SEG_SIZE_MTU:
		s->ctr[OG_SEGD_SIZE_FROM_MTU]++;
		break;
	case OG_SEG_SIZE_NONE:
		break;
	}
	if (!mss || og_seg_parse(buf, len, type, mss, &info)) {
		s->ctr[OG_SEGD_DROP_NO_SIZE]++;
		slot_put(s, slot);
		return;
	}
	if (info.nr_segs > SEGD_MAX_SEGS) {
		s->ctr[OG_SEGD_DROP_UNSUPPORTED]++;
		slot_put(s, slot);
		return;
	}

	r = tx_wait(s, info.out_len, info.nr_segs, &idx);
	if (!r) {
		segd_tx_failed(s);
		slot_put(s, slot);
		return;
	}
	s->tx_err_logged = 0;
	r->slot = slot;
	n = og_segment(buf, len, type, mss, (__u8 *)s->tx_area + r->off,
		       info.out_len, s->segs, SEGD_MAX_SEGS);
	if (n <= 0) {
		/* parse said yes: this is a bug, not the frame's fault */
		s->ctr[OG_SEGD_DROP_MALFORMED]++;
		/* libxdp 1.3 has no xsk_ring_prod__cancel: the same, by hand */
		s->tx.cached_prod -= info.nr_segs;
		return;		/* the empty run frees the slot */
	}
	for (i = 0; i < (unsigned int)n; i++) {
		struct xdp_desc *d = xsk_ring_prod__tx_desc(&s->tx, idx + i);

		d->addr = r->off + s->segs[i].off;
		d->len = s->segs[i].len;
		d->options = 0;
		s->ctr[OG_SEGD_TX_BYTES] += d->len;
	}
	r->pending = n;
	xsk_ring_prod__submit(&s->tx, n);
	s->ctr[OG_SEGD_SEGMENTED]++;
	s->ctr[OG_SEGD_SEGMENTS_SENT] += n;
}

/* ---- receive ----------------------------------------------------------- */

static void rx_refill(struct og_segd *s, const __u64 *addrs, unsigned int n)
{
	__u32 idx, i;

	/* the fill ring is as large as the UMEM: it always has room */
	while (xsk_ring_prod__reserve(&s->rx_fill, n, &idx) != n)
		usleep(10);
	for (i = 0; i < n; i++)
		*xsk_ring_prod__fill_addr(&s->rx_fill, idx + i) =
			xsk_umem__extract_addr(addrs[i]) & ~(__u64)(SEGD_FRAME - 1);
	xsk_ring_prod__submit(&s->rx_fill, n);
}

/* One batch of descriptors; a frame may span several (XDP_PKT_CONTD). */
static unsigned int rx_batch(struct og_segd *s)
{
	__u32 idx, n, i;

	n = xsk_ring_cons__peek(&s->rx, SEGD_BATCH, &idx);
	for (i = 0; i < n; i++) {
		const struct xdp_desc *d = xsk_ring_cons__rx_desc(&s->rx, idx + i);
		const __u8 *p = xsk_umem__get_data(s->rx_area,
					xsk_umem__add_offset_to_addr(d->addr));
		bool more = d->options & XDP_PKT_CONTD;

		if (!s->frame_nr && !more) {
			/* one buffer: segment in place */
			segd_frame(s, p, d->len);
			rx_refill(s, &d->addr, 1);
			continue;
		}
		if (s->frame_len + d->len > SEGD_MAX_FRAME ||
		    s->frame_nr == sizeof(s->frame_addr) / sizeof(s->frame_addr[0]))
			s->frame_overflow = true;
		else
			memcpy(s->gather + s->frame_len, p, d->len);
		s->frame_len += d->len;
		s->frame_addr[s->frame_nr++] = d->addr;
		if (s->frame_overflow && s->frame_nr ==
		    sizeof(s->frame_addr) / sizeof(s->frame_addr[0])) {
			/* give the buffers back as we go */
			rx_refill(s, s->frame_addr, s->frame_nr);
			s->frame_nr = 0;
		}
		if (more)
			continue;
		if (s->frame_overflow) {
			const struct og_segd_shim *sh = (const void *)s->gather;

			/* larger than any IP packet: not ours to cut */
			s->ctr[OG_SEGD_RX_FRAMES]++;
			s->ctr[OG_SEGD_DROP_UNSUPPORTED]++;
			if (sh->magic == OG_SEGD_SHIM_MAGIC &&
			    (sh->flags & OG_SEGD_SHIM_SLOT) &&
			    sh->slot < OG_SEGD_SLOTS)
				slot_put(s, sh->slot);
		} else {
			segd_frame(s, s->gather, s->frame_len);
		}
		rx_refill(s, s->frame_addr, s->frame_nr);
		s->frame_nr = 0;
		s->frame_len = 0;
		s->frame_overflow = false;
	}
	if (n)
		xsk_ring_cons__release(&s->rx, n);
	return n;
}

/*
 * A frame lost at the full receive ring was counted in flight and will
 * never leave: its flow would keep coming here. Once segd is idle (ring
 * empty, nothing in flight) after such losses, every count is cleared.
 * A frame being copied in at that very moment can then be overtaken by
 * its flow's next one: a reordering, never a loss.
 */
static void segd_inflight_reset(struct og_segd *s, unsigned int rx)
{
	if (rx || s->run_nr ||
	    s->ctr[OG_SEGD_DROP_RX_RING] == s->inflight_reset_at)
		return;
	memset(s->inflight, 0, SEGD_INFLIGHT_SIZE);
	s->inflight_reset_at = s->ctr[OG_SEGD_DROP_RX_RING];
}

/* ---- set-up and tear-down ---------------------------------------------- */

/*
 * Without CAP_IPC_LOCK a UMEM counts against RLIMIT_MEMLOCK and the
 * kernel says only ENOBUFS: say which limit.
 */
static void umem_err(const char *dev, const char *what, size_t size, int err)
{
	struct rlimit rl = {};

	if (err == -ENOBUFS && !getrlimit(RLIMIT_MEMLOCK, &rl) &&
	    rl.rlim_cur != RLIM_INFINITY) {
		p_err("segd: %s: the %s UMEM (%zu MiB) is over RLIMIT_MEMLOCK (%llu KiB): raise it (ulimit -l, systemd LimitMEMLOCK=) or grant CAP_IPC_LOCK",
		      dev, what, size >> 20, (unsigned long long)rl.rlim_cur >> 10);
		return;
	}
	p_err("segd: %s: cannot create the %s UMEM: %s", dev, what,
	      og_errstr(err));
}

static int segd_sockets(struct og_segd *s)
{
	struct xsk_umem_config rx_uc = {
		.fill_size = SEGD_RX_FRAMES,
		.comp_size = SEGD_RING,
		.frame_size = SEGD_FRAME,
		.frame_headroom = 0,
	};
	struct xsk_umem_config tx_uc = {
		.fill_size = SEGD_RING,
		.comp_size = SEGD_RING,
		.frame_size = SEGD_FRAME,
		.frame_headroom = 0,
		.flags = XDP_UMEM_UNALIGNED_CHUNK_FLAG,
	};
	struct xsk_socket_config rx_sc = {
		.rx_size = SEGD_RX_FRAMES,
		.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
		.bind_flags = XDP_COPY | XDP_USE_SG,
	};
	struct xsk_socket_config tx_sc = {
		.tx_size = SEGD_RING,
		.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
		.bind_flags = XDP_COPY,
	};
	size_t rx_size = (size_t)SEGD_RX_FRAMES * SEGD_FRAME;
	__u64 addrs[256];
	__u32 key = 0, i;
	int err, fd;

	s->rx_area = mmap(NULL, rx_size, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	s->tx_area = mmap(NULL, SEGD_TX_AREA, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (s->rx_area == MAP_FAILED || s->tx_area == MAP_FAILED) {
		s->rx_area = s->rx_area == MAP_FAILED ? NULL : s->rx_area;
		s->tx_area = s->tx_area == MAP_FAILED ? NULL : s->tx_area;
		p_err("segd: cannot allocate the UMEMs: %s", og_errstr(-errno));
		return -ENOMEM;
	}
	err = xsk_umem__create(&s->rx_umem, s->rx_area, rx_size, &s->rx_fill,
			       &s->rx_comp, &rx_uc);
	if (err) {
		umem_err(s->in_name, "receive", rx_size, err);
		return err;
	}
	err = xsk_socket__create(&s->rx_xsk, s->in_name, 0, s->rx_umem,
				 &s->rx, NULL, &rx_sc);
	if (err) {
		p_err("segd: %s: cannot bind an AF_XDP socket (copy mode, multi-buffer) to queue 0: %s%s",
		      s->in_name, og_errstr(err),
		      err == -EINVAL ? " (XDP_USE_SG needs Linux 6.6 or later)" : "");
		return err;
	}
	/* every receive chunk to the kernel */
	for (i = 0; i < SEGD_RX_FRAMES; i++) {
		addrs[i % 256] = (__u64)i * SEGD_FRAME;
		if (i % 256 == 255)
			rx_refill(s, addrs, 256);
	}

	err = xsk_umem__create(&s->tx_umem, s->tx_area, SEGD_TX_AREA,
			       &s->tx_fill, &s->tx_comp, &tx_uc);
	if (err) {
		umem_err(s->out_name, "transmit", SEGD_TX_AREA, err);
		return err;
	}
	err = xsk_socket__create(&s->tx_xsk, s->out_name, 0, s->tx_umem,
				 NULL, &s->tx, &tx_sc);
	if (err) {
		p_err("segd: %s: cannot bind an AF_XDP socket (copy mode) to queue 0: %s",
		      s->out_name, og_errstr(err));
		return err;
	}

	fd = xsk_socket__fd(s->rx_xsk);
	err = bpf_map_update_elem(bpf_map__fd(s->skel->maps.og_segd_xsks),
				  &key, &fd, BPF_ANY);
	if (err) {
		err = -errno;
		p_err("segd: %s: cannot register the socket: %s", s->in_name,
		      og_errstr(err));
	}
	return err;
}

static int segd_load(struct og_segd *s)
{
	struct og_segd_conf *c;
	int err;

	s->skel = segd__open();
	if (!s->skel) {
		err = -errno;
		p_err("segd: cannot open the BPF object: %s", og_errstr(err));
		return err;
	}
	c = (struct og_segd_conf *)&s->skel->rodata->segd_conf;
	c->out_ifindex = s->out_ifindex;
	/* + Ethernet header; VLAN tags are added by the program */
	c->max_frame = s->out_mtu + 14;
	c->flags = (s->fit_redirect ? OG_SEGD_FIT_REDIRECT : 0) |
		   (s->native ? 0 : OG_SEGD_GSO_META);
	og_kconsts_resolve((struct og_kconsts *)&s->skel->rodata->og_kc);
	err = segd__load(s->skel);
	if (err) {
		p_err("segd: cannot load the BPF programs: %s", og_errstr(err));
		return err;
	}
	s->ctrs_fd = bpf_map__fd(s->skel->maps.og_segd_ctrs);
	s->inflight = mmap(NULL, SEGD_INFLIGHT_SIZE, PROT_READ | PROT_WRITE,
			   MAP_SHARED, bpf_map__fd(s->skel->maps.og_segd_inflight), 0);
	if (s->inflight == MAP_FAILED) {
		err = -errno;
		s->inflight = NULL;
		p_err("segd: cannot map the in-flight counts: %s", og_errstr(err));
		return err;
	}
	return 0;
}

static int segd_attach(struct og_segd *s)
{
	LIBBPF_OPTS(bpf_link_create_opts, xo,
		    .flags = s->native ? XDP_FLAGS_DRV_MODE : XDP_FLAGS_SKB_MODE);
	__u32 id = 0;
	int err;

	s->xdp_link = bpf_link_create(bpf_program__fd(s->skel->progs.og_segd_xdp),
				      s->in_ifindex, BPF_XDP, &xo);
	if (s->xdp_link < 0) {
		err = -errno;
		s->xdp_link = -1;
		if ((err == -EBUSY || err == -EEXIST) &&
		    !bpf_xdp_query_id(s->in_ifindex, 0, &id) && id)
			p_err("segd: %s has an XDP program already (id %u); segd needs the device's XDP hook",
			      s->in_name, id);
		else
			p_err("segd: %s: cannot attach XDP in %s mode: %s",
			      s->in_name, s->native ? "native" : "skb",
			      og_errstr(err));
		return err;
	}
	/*
	 * The other side's SYNs. Optional: without tcx the flow's MSS is
	 * learned from the ingress side alone.
	 */
	if (og_probe_tcx()) {
		s->tc_link = bpf_link_create(bpf_program__fd(s->skel->progs.og_segd_learn),
					     s->out_ifindex, OG_BPF_TCX_INGRESS,
					     NULL);
		if (s->tc_link < 0) {
			pr_warn("segd: %s: MSS learning on tc ingress not attached: %s\n",
				s->out_name, og_errstr(-errno));
			s->tc_link = -1;
		}
	}
	return 0;
}

static void segd_pin(struct og_segd *s)
{
	char name[64];

	snprintf(name, sizeof(name), OG_PIN_SEGD_PREFIX "%u_%u",
		 s->in_ifindex, s->out_ifindex);
	if (og_bpffs_prepare("segd", false))
		return;
	snprintf(s->pin, sizeof(s->pin), "%s", og_pin_path(name));
	/* a segd killed with SIGKILL left its pin: ours now */
	unlink(s->pin);
	if (bpf_obj_pin(s->ctrs_fd, s->pin)) {
		pr_warn("segd: cannot pin the counters at %s: %s (stats will not show them)\n",
			s->pin, og_errstr(-errno));
		return;
	}
	s->pinned = true;
}

/* No frame accepted is lost: drain the receive ring, wait for transmit. */
static void segd_drain(struct og_segd *s)
{
	__u64 deadline;
	int idle = 0;

	/* in-flight redirects land within an RCU grace period */
	deadline = now_ns() + SEGD_DRAIN_MS * 1000000ULL;
	while (idle < 5 && now_ns() < deadline) {
		if (rx_batch(s)) {
			idle = 0;
			tx_kick(s);
			tx_reap(s);
		} else {
			idle++;
			usleep(10000);
		}
	}
	deadline = now_ns() + SEGD_DRAIN_MS * 1000000ULL;
	while (s->run_nr && now_ns() < deadline) {
		tx_kick(s);
		tx_reap(s);
		if (s->run_nr)
			usleep(100);
	}
	if (s->run_nr) {
		unsigned int i;

		for (i = 0; i < s->run_nr; i++)
			s->ctr[OG_SEGD_DROP_TX] += run_at(s, i)->pending;
		pr_warn("segd: %s: %u runs of segments not completed after %d ms\n",
			s->out_name, s->run_nr, SEGD_DRAIN_MS);
	}
}

static void segd_close(struct og_segd *s)
{
	if (s->xdp_link >= 0)
		close(s->xdp_link);
	if (s->tc_link >= 0)
		close(s->tc_link);
	if (s->pinned)
		unlink(s->pin);
	if (s->rx_xsk)
		xsk_socket__delete(s->rx_xsk);
	if (s->tx_xsk)
		xsk_socket__delete(s->tx_xsk);
	if (s->rx_umem)
		xsk_umem__delete(s->rx_umem);
	if (s->tx_umem)
		xsk_umem__delete(s->tx_umem);
	if (s->rx_area)
		munmap(s->rx_area, (size_t)SEGD_RX_FRAMES * SEGD_FRAME);
	if (s->tx_area)
		munmap(s->tx_area, SEGD_TX_AREA);
	if (s->inflight)
		munmap(s->inflight, SEGD_INFLIGHT_SIZE);
	segd__destroy(s->skel);
	free(s->gather);
	free(s->runs);
	free(s->ctr_vals);
}

static void segd_help(void)
{
	printf("usage: %s\n\n"
	       "Segment, in software, the frames arriving on --in that do not fit --out's\n"
	       "MTU (GSO super-frames an XDP fast path cannot send), and send the segments\n"
	       "on --out through AF_XDP. Frames that fit take the fast path: XDP_REDIRECT\n"
	       "to --out (--fit redirect, the default) or the kernel's stack (--fit pass).\n"
	       "Runs in the foreground until SIGINT or SIGTERM; counters in `offguard stats`.\n\n"
	       "  --in DEV              ingress device (XDP program, AF_XDP receive)\n"
	       "  --out DEV             egress device (AF_XDP transmit); MTU <= %u\n"
	       "  --fit redirect|pass   what frames that fit do\n"
	       "  --xdp-mode skb|native skb (default): GSO metadata read from the skb;\n"
	       "                        native: segment size from the MSS and the MTU only\n"
	       "  --spin USEC           keep polling USEC after work before sleeping (default %u)\n",
	       segd_usage, SEGD_FRAME - 22, SEGD_SPIN_US);
}

int cmd_segd(int argc, char **argv)
{
	enum { OPT_IN = 256, OPT_OUT, OPT_FIT, OPT_MODE, OPT_SPIN };
	static const struct option opts[] = {
		{ "in",		required_argument, NULL, OPT_IN },
		{ "out",	required_argument, NULL, OPT_OUT },
		{ "fit",	required_argument, NULL, OPT_FIT },
		{ "xdp-mode",	required_argument, NULL, OPT_MODE },
		{ "spin",	required_argument, NULL, OPT_SPIN },
		OG_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct og_segd s = { .xdp_link = -1, .tc_link = -1, .ctrs_fd = -1,
			  .fit_redirect = true, .spin_us = SEGD_SPIN_US };
	struct sigaction sa = { .sa_handler = segd_on_signal };
	__u64 busy_until = 0, spin_ns, all[__OG_SEGD_CTR_MAX];
	struct pollfd pfd;
	int c, err, rc = OG_EXIT_FAIL;

	og_getopt_reset();
	while ((c = getopt_long(argc, argv, OG_COMMON_SHORTOPTS, opts,
				NULL)) != -1) {
		if (og_common_opt(c))
			continue;
		switch (c) {
		case 'h':
			segd_help();
			return OG_EXIT_OK;
		case OPT_IN:
			s.in_name = optarg;
			break;
		case OPT_OUT:
			s.out_name = optarg;
			break;
		case OPT_FIT:
			if (!strcmp(optarg, "redirect"))
				s.fit_redirect = true;
			else if (!strcmp(optarg, "pass"))
				s.fit_redirect = false;
			else
				return og_usage_error(segd_usage,
						      "segd: unknown --fit '%s' (redirect or pass)",
						      optarg);
			break;
		case OPT_MODE:
			if (!strcmp(optarg, "skb"))
				s.native = false;
			else if (!strcmp(optarg, "native"))
				s.native = true;
			else
				return og_usage_error(segd_usage,
						      "segd: unknown --xdp-mode '%s' (skb or native)",
						      optarg);
			break;
		case OPT_SPIN:
			if (!og_parse_u32(optarg, 0, 1000000, &s.spin_us))
				return og_usage_error(segd_usage,
						      "segd: bad --spin '%s' (microseconds, 0..1000000)",
						      optarg);
			break;
		default:
			return og_bad_option("segd", segd_usage, c, argc, argv);
		}
	}
	if (optind < argc)
		return og_usage_error(segd_usage, "segd: unexpected argument '%s'",
				      argv[optind]);
	if (!s.in_name || !s.out_name)
		return og_usage_error(segd_usage, "segd: --in and --out are required");
	if (!strcmp(s.in_name, s.out_name))
		return og_usage_error(segd_usage,
				      "segd: --in and --out are the same device (%s)",
				      s.in_name);
	if (og_check_root()) {
		p_err("segd: %s", og_errstr(-EPERM));
		return OG_EXIT_FAIL;
	}
	s.in_ifindex = og_ifindex(s.in_name);
	if (!s.in_ifindex) {
		p_err("segd: %s: no such device", s.in_name);
		return OG_EXIT_FAIL;
	}
	s.out_ifindex = og_ifindex(s.out_name);
	if (!s.out_ifindex) {
		p_err("segd: %s: no such device", s.out_name);
		return OG_EXIT_FAIL;
	}
	err = dev_mtu(s.out_name, &s.out_mtu);
	if (err) {
		p_err("segd: %s: cannot read the MTU: %s", s.out_name,
		      og_errstr(err));
		return OG_EXIT_FAIL;
	}
	/* a segment is one transmit chunk: MTU + Ethernet + two VLAN tags */
	if (s.out_mtu + 22 > SEGD_FRAME || s.out_mtu < 576) {
		p_err("segd: %s: MTU %u not supported (576..%u: a segment must fit one %u-byte AF_XDP chunk)",
		      s.out_name, s.out_mtu, SEGD_FRAME - 22, SEGD_FRAME);
		return OG_EXIT_FAIL;
	}
	if (og_check_btf())
		return OG_EXIT_FAIL;

	s.nr_cpus = og_nr_cpus();
	s.gather = malloc(SEGD_MAX_FRAME);
	s.runs = calloc(SEGD_RUNS, sizeof(*s.runs));
	s.ctr_vals = calloc(s.nr_cpus > 0 ? s.nr_cpus : 1, sizeof(__u64));
	if (!s.gather || !s.runs || !s.ctr_vals || s.nr_cpus <= 0) {
		p_err("segd: out of memory");
		goto out;
	}

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	{
		/* the UMEMs: allowed to fail (no CAP_SYS_RESOURCE), see umem_err */
		struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };

		setrlimit(RLIMIT_MEMLOCK, &rl);
	}

	if (segd_load(&s) || segd_sockets(&s) || segd_attach(&s))
		goto out;
	segd_pin(&s);
	segd_flush(&s);
	pr_info("segd: %s -> %s (MTU %u), xdp %s mode, fit %s\n", s.in_name,
		s.out_name, s.out_mtu, s.native ? "native" : "skb",
		s.fit_redirect ? "redirect" : "pass");
	printf("segd: running: %s -> %s (MTU %u)\n", s.in_name, s.out_name,
	       s.out_mtu);
	fflush(stdout);

	spin_ns = (__u64)s.spin_us * 1000;
	pfd.fd = xsk_socket__fd(s.rx_xsk);
	pfd.events = POLLIN;
	while (!segd_stop) {
		unsigned int n = rx_batch(&s);

		if (n || s.run_nr) {
			tx_kick(&s);
			tx_reap(&s);
		}
		if (n)
			busy_until = now_ns() + spin_ns;
		else if (now_ns() > busy_until)
			poll(&pfd, 1, s.run_nr ? 1 : 100);
		if (now_ns() - s.last_flush > SEGD_FLUSH_NS) {
			segd_xsk_stats(&s);
			segd_flush(&s);
			segd_inflight_reset(&s, n);
		}
	}

	/* Stop accepting, then finish what was accepted. */
	close(s.xdp_link);
	s.xdp_link = -1;
	segd_drain(&s);
	segd_xsk_stats(&s);
	segd_flush(&s);
	if (og_segd_ctrs_read(s.ctrs_fd, all))
		memset(all, 0, sizeof(all));
	/*
	 * The XDP program counts every frame it redirected; those the kernel
	 * could not put in the full ring never reached segd.
	 */
	printf("segd: stopped (%s): %llu frames accepted (%llu more lost at the full receive ring), %llu segmented into %llu segments, %llu sent whole, %llu dropped\n",
	       strsignal(segd_stop),
	       (unsigned long long)(all[OG_SEGD_TO_SEGD] -
				    s.ctr[OG_SEGD_DROP_RX_RING]),
	       (unsigned long long)s.ctr[OG_SEGD_DROP_RX_RING],
	       (unsigned long long)s.ctr[OG_SEGD_SEGMENTED],
	       (unsigned long long)(s.ctr[OG_SEGD_SEGMENTS_SENT] -
				    s.ctr[OG_SEGD_FORWARDED]),
	       (unsigned long long)s.ctr[OG_SEGD_FORWARDED],
	       (unsigned long long)(s.ctr[OG_SEGD_DROP_UNSUPPORTED] +
				    s.ctr[OG_SEGD_DROP_MALFORMED] +
				    s.ctr[OG_SEGD_DROP_TX] +
				    s.ctr[OG_SEGD_DROP_NO_SIZE]));
	rc = OG_EXIT_OK;
out:
	segd_close(&s);
	return rc;
}
