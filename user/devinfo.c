// SPDX-License-Identifier: GPL-2.0-only
/*
 * Device facts for `offguard report`, read the way ip(8) and ethtool(8)
 * read them, not from their text:
 *
 *   rtnetlink RTM_GETLINK   ifindex, name, flags, MTU, GSO limits, master,
 *                           IFLA_LINK, XDP program, link kind, TUN/TAP type
 *   SIOCETHTOOL             driver (GDRVINFO), feature bits (GFEATURES),
 *                           named through the ETH_SS_FEATURES string set
 *
 * The netlink side is a plain NETLINK_ROUTE socket with a small attribute
 * parser: offguard needs a dozen attributes and no library for them. Every
 * length the kernel hands back is checked before it is used, since the
 * running kernel is newer than the headers and a dump may be long.
 *
 * Nothing here prints except pr_debug: the caller decides what a failure
 * means (report shows a device without features; it does not stop).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <linux/ethtool.h>
#include <linux/if_link.h>
#include <linux/if_tun.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>

#include "devinfo.h"
#include "json_writer.h"
#include "logging.h"

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

/*
 * Every constant used below is in Debian 12's 6.1 uapi headers
 * (IFLA_GSO_MAX_*, IFLA_XDP_PROG_ID, IFLA_TUN_TYPE, RTEXT_FILTER_SKIP_STATS,
 * ETHTOOL_GFEATURES). Newer attributes (IFLA_GSO_IPV4_MAX_SIZE, ...) have
 * numbers above the headers' IFLA_MAX and are skipped by the parser.
 */

/* The kernel bit names of the OG_DF_* bits (net/ethtool/common.c). */
static const struct {
	__u32		bit;
	const char	*name;
} og_feats[] = {
	{ OG_DF_TX_CSUM_IPV4,	"tx-checksum-ipv4" },
	{ OG_DF_TX_CSUM_IPV6,	"tx-checksum-ipv6" },
	{ OG_DF_TX_CSUM_HW,	"tx-checksum-ip-generic" },
	{ OG_DF_TSO,		"tx-tcp-segmentation" },
	{ OG_DF_TSO6,		"tx-tcp6-segmentation" },
	{ OG_DF_USO,		"tx-udp-segmentation" },
	{ OG_DF_GSO,		"tx-generic-segmentation" },
	{ OG_DF_GRO,		"rx-gro" },
	{ OG_DF_RX_CSUM,	"rx-checksum" },
	{ OG_DF_SG,		"tx-scatter-gather" },
};

const char *og_devfeat_name(__u32 bit)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(og_feats); i++)
		if (og_feats[i].bit == bit)
			return og_feats[i].name;
	return NULL;
}

/* ------------------------------------------------------------------ */
/* rtnetlink                                                           */

/*
 * A dump part is at most 32 KiB unless one link needs more (the kernel
 * then sizes the part for it); the receive buffer starts there and grows
 * to whatever a peek says the next datagram holds.
 */
#define NL_BUF_START	32768U
/* A link message bigger than this is not a link message. */
#define NL_BUF_MAX	(16U << 20)
/* A dump the kernel flags as inconsistent is retried this many times. */
#define NL_DUMP_TRIES	5

struct nl_ctx {
	int	fd;
	__u32	seq;
	__u32	portid;
	char	*buf;
	size_t	size;
};

static int nl_open(struct nl_ctx *c)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	socklen_t len = sizeof(sa);
	int err;

	memset(c, 0, sizeof(*c));
	c->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (c->fd < 0)
		return -errno;
	/* Bind now so the port id is known: replies must carry it. */
	if (bind(c->fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    getsockname(c->fd, (struct sockaddr *)&sa, &len))
		goto err;
	if (len != sizeof(sa) || sa.nl_family != AF_NETLINK) {
		errno = EPROTO;
		goto err;
	}
	c->portid = sa.nl_pid;
	c->size = NL_BUF_START;
	c->buf = malloc(c->size);
	if (!c->buf) {
		errno = ENOMEM;
		goto err;
	}
	/* Any start will do; a fresh socket sees no stale replies. */
	c->seq = (__u32)getpid();
	return 0;
err:
	err = -errno;
	close(c->fd);
	c->fd = -1;
	return err;
}

static void nl_close(struct nl_ctx *c)
{
	if (c->fd >= 0)
		close(c->fd);
	free(c->buf);
	c->fd = -1;
	c->buf = NULL;
}

/*
 * RTM_GETLINK for one ifindex, or a dump of all (ifindex 0). VF statistics
 * are skipped: on an SR-IOV NIC they are most of its message, and
 * offguard reads none (the link's own counters come regardless).
 */
static int nl_send_getlink(struct nl_ctx *c, __u32 ifindex)
{
	struct {
		struct nlmsghdr		nh;
		struct ifinfomsg	ifi;
		struct rtattr		ext;
		__u32			ext_mask;
	} req;
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	ssize_t n;

	_Static_assert(sizeof(req) == NLMSG_LENGTH(sizeof(struct ifinfomsg)) +
		       RTA_LENGTH(sizeof(__u32)), "request has no padding");

	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = sizeof(req);
	req.nh.nlmsg_type = RTM_GETLINK;
	/* A get ends with its ACK, a dump with NLMSG_DONE. */
	req.nh.nlmsg_flags = NLM_F_REQUEST |
			     (ifindex ? NLM_F_ACK : NLM_F_DUMP);
	req.nh.nlmsg_seq = ++c->seq;
	req.ifi.ifi_family = AF_UNSPEC;
	req.ifi.ifi_index = (int)ifindex;
	req.ext.rta_type = IFLA_EXT_MASK;
	req.ext.rta_len = RTA_LENGTH(sizeof(__u32));
	req.ext_mask = RTEXT_FILTER_SKIP_STATS;

	do {
		n = sendto(c->fd, &req, sizeof(req), 0,
			   (struct sockaddr *)&kernel, sizeof(kernel));
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n == sizeof(req) ? 0 : -EIO;
}

/*
 * One datagram into c->buf. Returns its length, 0 for one to ignore (not
 * from the kernel), or -errno. The size is peeked first so that no part
 * of a dump is ever cut; MSG_TRUNC is still checked on the real read.
 */
static ssize_t nl_recv(struct nl_ctx *c)
{
	struct sockaddr_nl sa;
	struct iovec iov;
	struct msghdr msg = {
		.msg_name	= &sa,
		.msg_namelen	= sizeof(sa),
		.msg_iov	= &iov,
		.msg_iovlen	= 1,
	};
	ssize_t n;

	for (;;) {
		iov.iov_base = c->buf;
		iov.iov_len = c->size;
		n = recvmsg(c->fd, &msg, MSG_PEEK | MSG_TRUNC);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if ((size_t)n <= c->size)
			break;
		if ((size_t)n > NL_BUF_MAX)
			return -EMSGSIZE;
		free(c->buf);
		c->size = (size_t)n;
		c->buf = malloc(c->size);
		if (!c->buf) {
			c->size = 0;
			return -ENOMEM;
		}
	}

	iov.iov_base = c->buf;
	iov.iov_len = c->size;
	msg.msg_namelen = sizeof(sa);
	do {
		n = recvmsg(c->fd, &msg, 0);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (msg.msg_flags & MSG_TRUNC)
		return -EMSGSIZE;
	if (msg.msg_namelen != sizeof(sa) || sa.nl_pid != 0)
		return 0;
	return n;
}

/*
 * tb[type] = the first attribute of that type in [data, data + len), for
 * types up to max; NULL where absent. Types above max (newer than the
 * headers) are skipped. -EBADMSG if an attribute runs past the end.
 */
static int parse_attrs(const struct rtattr **tb, unsigned int max,
		       const void *data, size_t len)
{
	const char *p = data;

	memset(tb, 0, (max + 1) * sizeof(*tb));
	while (len >= sizeof(struct rtattr)) {
		const struct rtattr *rta = (const struct rtattr *)p;
		unsigned int type = rta->rta_type & NLA_TYPE_MASK;
		size_t alen = rta->rta_len, step;

		if (alen < sizeof(*rta) || alen > len)
			return -EBADMSG;
		if (type <= max && !tb[type])
			tb[type] = rta;
		/* the last attribute need not carry its alignment padding */
		step = RTA_ALIGN(alen);
		if (step >= len)
			return 0;
		p += step;
		len -= step;
	}
	/* a tail shorter than an attribute header is malformed too */
	return len ? -EBADMSG : 0;
}

static int parse_nested(const struct rtattr **tb, unsigned int max,
			const struct rtattr *nest)
{
	return parse_attrs(tb, max, RTA_DATA(nest), RTA_PAYLOAD(nest));
}

/*
 * Fixed-size integers must be exactly their size: anything else is not
 * the attribute we think it is. Absent attributes leave *v alone.
 */
static int attr_u32(const struct rtattr *a, __u32 *v)
{
	if (!a)
		return 0;
	if (RTA_PAYLOAD(a) != sizeof(*v))
		return -EBADMSG;
	memcpy(v, RTA_DATA(a), sizeof(*v));
	return 0;
}

static int attr_u8(const struct rtattr *a, __u8 *v)
{
	if (!a)
		return 0;
	if (RTA_PAYLOAD(a) != sizeof(*v))
		return -EBADMSG;
	*v = *(const __u8 *)RTA_DATA(a);
	return 0;
}

/* A string attribute must hold its NUL; it is cut to fit buf. */
static int attr_str(const struct rtattr *a, char *buf, size_t size)
{
	size_t plen, slen;

	if (!a)
		return 0;
	plen = RTA_PAYLOAD(a);
	slen = strnlen(RTA_DATA(a), plen);
	if (slen == plen)
		return -EBADMSG;
	if (slen >= size)
		slen = size - 1;
	memcpy(buf, RTA_DATA(a), slen);
	buf[slen] = '\0';
	return 0;
}

static int parse_xdp(const struct rtattr *nest, struct og_devinfo *d)
{
	const struct rtattr *tb[IFLA_XDP_MAX + 1];
	__u8 mode = XDP_ATTACHED_NONE;
	int err;

	err = parse_nested(tb, IFLA_XDP_MAX, nest);
	if (!err)
		err = attr_u8(tb[IFLA_XDP_ATTACHED], &mode);
	if (err)
		return err;
	d->xdp_mode = mode;
	if (mode == XDP_ATTACHED_MULTI) {
		/*
		 * Programs in several modes at once: there is no single
		 * IFLA_XDP_PROG_ID then. The one that sees frames first
		 * (hardware, then driver, then generic) stands for the device.
		 */
		err = attr_u32(tb[IFLA_XDP_SKB_PROG_ID], &d->xdp_prog_id);
		if (!err)
			err = attr_u32(tb[IFLA_XDP_DRV_PROG_ID], &d->xdp_prog_id);
		if (!err)
			err = attr_u32(tb[IFLA_XDP_HW_PROG_ID], &d->xdp_prog_id);
		return err;
	}
	return attr_u32(tb[IFLA_XDP_PROG_ID], &d->xdp_prog_id);
}

static int parse_linkinfo(const struct rtattr *nest, struct og_devinfo *d)
{
	const struct rtattr *tb[IFLA_INFO_MAX + 1];
	const struct rtattr *tun[IFLA_TUN_MAX + 1];
	__u8 type = 0;
	int err;

	err = parse_nested(tb, IFLA_INFO_MAX, nest);
	if (!err)
		err = attr_str(tb[IFLA_INFO_KIND], d->kind, sizeof(d->kind));
	if (err || strcmp(d->kind, "tun") || !tb[IFLA_INFO_DATA])
		return err;
	err = parse_nested(tun, IFLA_TUN_MAX, tb[IFLA_INFO_DATA]);
	if (!err)
		err = attr_u8(tun[IFLA_TUN_TYPE], &type);
	if (!err)
		d->is_tap = type == IFF_TAP;
	return err;
}

/* One RTM_NEWLINK message into *d (the rtnetlink half only). */
static int parse_link(const struct nlmsghdr *nh, struct og_devinfo *d)
{
	const size_t hdr = NLMSG_LENGTH(sizeof(struct ifinfomsg));
	const struct rtattr *tb[IFLA_MAX + 1];
	const struct ifinfomsg *ifi;
	int err;

	if (nh->nlmsg_len < hdr)
		return -EBADMSG;
	ifi = NLMSG_DATA(nh);
	memset(d, 0, sizeof(*d));
	if (ifi->ifi_index <= 0)
		return -EBADMSG;
	d->ifindex = (__u32)ifi->ifi_index;
	d->up = ifi->ifi_flags & IFF_UP;

	err = parse_attrs(tb, IFLA_MAX, (const char *)nh + NLMSG_ALIGN(hdr),
			  nh->nlmsg_len > NLMSG_ALIGN(hdr) ?
			  nh->nlmsg_len - NLMSG_ALIGN(hdr) : 0);
	if (err)
		return err;
	if (!tb[IFLA_IFNAME])
		return -EBADMSG;
	err = attr_str(tb[IFLA_IFNAME], d->name, sizeof(d->name));
	if (!err)
		err = attr_u32(tb[IFLA_MTU], &d->mtu);
	if (!err)
		err = attr_u32(tb[IFLA_GSO_MAX_SIZE], &d->gso_max_size);
	if (!err)
		err = attr_u32(tb[IFLA_GSO_MAX_SEGS], &d->gso_max_segs);
	if (!err)
		err = attr_u32(tb[IFLA_MASTER], &d->master);
	/* absent when the device is its own link (iflink == ifindex) */
	if (!err)
		err = attr_u32(tb[IFLA_LINK], &d->link);
	if (!err && tb[IFLA_XDP])
		err = parse_xdp(tb[IFLA_XDP], d);
	if (!err && tb[IFLA_LINKINFO])
		err = parse_linkinfo(tb[IFLA_LINKINFO], d);
	return err;
}

/* Receives the link messages of one request. */
struct link_sink {
	struct og_devinfo	*v;
	unsigned int		nr;
	unsigned int		cap;
	bool			dump;
};

static int sink_add(struct link_sink *s, const struct nlmsghdr *nh)
{
	struct og_devinfo d;
	int err;

	err = parse_link(nh, &d);
	if (err) {
		pr_debug("devinfo: malformed link message (%d bytes)\n",
			 (int)nh->nlmsg_len);
		return err;
	}
	if (s->nr == s->cap) {
		unsigned int cap = s->cap ? s->cap * 2 : 32;
		struct og_devinfo *v;

		if (!s->dump)	/* a get fills exactly one */
			return -EPROTO;
		v = realloc(s->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->nr++] = d;
	return 0;
}

/*
 * Reads the replies to the request just sent (sequence c->seq) until its
 * end: NLMSG_DONE for a dump, the ACK for a get. *intr is set if the
 * kernel flagged the dump as inconsistent (links changed while it ran).
 */
static int nl_collect(struct nl_ctx *c, struct link_sink *s, bool *intr)
{
	for (;;) {
		ssize_t n = nl_recv(c);
		size_t left;
		char *p;

		if (n < 0)
			return (int)n;
		p = c->buf;
		left = (size_t)n;
		while (left >= sizeof(struct nlmsghdr)) {
			const struct nlmsghdr *nh = (const struct nlmsghdr *)p;
			size_t len = nh->nlmsg_len, step;
			int err = 0;

			if (len < sizeof(*nh) || len > left)
				return -EBADMSG;
			step = NLMSG_ALIGN(len);
			p += step < left ? step : left;
			left -= step < left ? step : left;

			if (nh->nlmsg_seq != c->seq || nh->nlmsg_pid != c->portid)
				continue;	/* not ours */
			if (nh->nlmsg_flags & NLM_F_DUMP_INTR)
				*intr = true;

			switch (nh->nlmsg_type) {
			case NLMSG_NOOP:
				continue;
			case NLMSG_DONE:
				/* a dump that failed part-way says why here */
				if (len >= NLMSG_LENGTH(sizeof(int)))
					memcpy(&err, NLMSG_DATA(nh), sizeof(err));
				return err < 0 ? err : 0;
			case NLMSG_ERROR:
				if (len < NLMSG_LENGTH(sizeof(int)))
					return -EBADMSG;
				memcpy(&err, NLMSG_DATA(nh), sizeof(err));
				/* error 0 is the ACK that ends a get */
				return err > 0 ? -EPROTO : err;
			case NLMSG_OVERRUN:
				return -EOVERFLOW;
			case RTM_NEWLINK:
				err = sink_add(s, nh);
				if (err)
					return err;
				continue;
			default:
				continue;
			}
		}
		if (left)
			return -EBADMSG;
	}
}

/* ------------------------------------------------------------------ */
/* ethtool                                                             */

/*
 * Where each OG_DF_* bit is in the kernel's feature words. The string
 * set is the kernel's one table (netdev_features_strings), the same for
 * every device, so it is read once per process; offguard is single
 * threaded.
 */
static struct {
	bool	ok;
	__u32	words;				/* feature blocks of 32 bits */
	int	kbit[ARRAY_SIZE(og_feats)];	/* -1: this kernel has none */
} feat_map;

/* A feature table beyond this is not one; avoids absurd allocations. */
#define OG_MAX_FEATURES	4096U

static int ethtool_ioctl(int fd, const char *ifname, void *data)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	if (strlen(ifname) >= sizeof(ifr.ifr_name))
		return -ENAMETOOLONG;
	strcpy(ifr.ifr_name, ifname);
	ifr.ifr_data = data;
	return ioctl(fd, SIOCETHTOOL, &ifr) ? -errno : 0;
}

/* Learns feat_map through one device's ETH_SS_FEATURES string set. */
static int feat_map_load(int fd, const char *ifname)
{
	struct ethtool_sset_info *ss;
	struct ethtool_gstrings *gs = NULL;
	__u32 count, i, j;
	int err;

	ss = calloc(1, sizeof(*ss) + sizeof(__u32));
	if (!ss)
		return -ENOMEM;
	ss->cmd = ETHTOOL_GSSET_INFO;
	ss->sset_mask = 1ULL << ETH_SS_FEATURES;
	err = ethtool_ioctl(fd, ifname, ss);
	if (err)
		goto out;
	/* the kernel clears the bits of sets it does not have */
	if (!(ss->sset_mask & (1ULL << ETH_SS_FEATURES))) {
		err = -EOPNOTSUPP;
		goto out;
	}
	count = ss->data[0];
	if (!count || count > OG_MAX_FEATURES) {
		err = -EPROTO;
		goto out;
	}

	gs = calloc(1, sizeof(*gs) + (size_t)count * ETH_GSTRING_LEN);
	if (!gs) {
		err = -ENOMEM;
		goto out;
	}
	gs->cmd = ETHTOOL_GSTRINGS;
	gs->string_set = ETH_SS_FEATURES;
	gs->len = count;
	err = ethtool_ioctl(fd, ifname, gs);
	if (err)
		goto out;
	/* the kernel writes back how many it filled */
	if (gs->len < count)
		count = gs->len;

	for (j = 0; j < ARRAY_SIZE(og_feats); j++)
		feat_map.kbit[j] = -1;
	for (i = 0; i < count; i++) {
		const char *s = (const char *)gs->data + i * ETH_GSTRING_LEN;
		/* a name of exactly ETH_GSTRING_LEN has no NUL */
		size_t len = strnlen(s, ETH_GSTRING_LEN);

		for (j = 0; j < ARRAY_SIZE(og_feats); j++)
			if (strlen(og_feats[j].name) == len &&
			    !memcmp(og_feats[j].name, s, len))
				feat_map.kbit[j] = (int)i;
	}
	for (j = 0; j < ARRAY_SIZE(og_feats); j++)
		if (feat_map.kbit[j] < 0)
			pr_debug("devinfo: this kernel has no feature %s\n",
				 og_feats[j].name);
	feat_map.words = (count + 31) / 32;
	feat_map.ok = true;
out:
	free(gs);
	free(ss);
	return err;
}

static int read_features(int fd, struct og_devinfo *d)
{
	struct ethtool_gfeatures *gf;
	__u32 words;
	unsigned int j;
	int err;

	if (!feat_map.ok) {
		err = feat_map_load(fd, d->name);
		if (err)
			return err;
	}
	gf = calloc(1, sizeof(*gf) +
		       feat_map.words * sizeof(struct ethtool_get_features_block));
	if (!gf)
		return -ENOMEM;
	gf->cmd = ETHTOOL_GFEATURES;
	gf->size = feat_map.words;
	err = ethtool_ioctl(fd, d->name, gf);
	if (err)
		goto out;
	/*
	 * The kernel answers with its own word count and copies no more
	 * than we offered: only the words both know are valid.
	 */
	words = gf->size < feat_map.words ? gf->size : feat_map.words;
	for (j = 0; j < ARRAY_SIZE(og_feats); j++) {
		const struct ethtool_get_features_block *b;
		int k = feat_map.kbit[j];
		__u32 m;

		if (k < 0 || (__u32)k / 32 >= words)
			continue;
		b = &gf->features[k / 32];
		m = 1U << (k % 32);
		if (b->active & m)
			d->feat_active |= og_feats[j].bit;
		if (b->available & m)
			d->feat_available |= og_feats[j].bit;
		if (b->requested & m)
			d->feat_requested |= og_feats[j].bit;
	}
	d->have_features = true;
out:
	free(gf);
	return err;
}

/*
 * The ethtool half of *d. The ioctls go by name, so a device renamed
 * between the dump and here could answer for another; ethtool itself
 * has the same window, and report only reads.
 */
static void read_ethtool(int fd, struct og_devinfo *d)
{
	struct ethtool_drvinfo info;
	int err;

	memset(&info, 0, sizeof(info));
	info.cmd = ETHTOOL_GDRVINFO;
	err = ethtool_ioctl(fd, d->name, &info);
	if (!err) {
		size_t n = strnlen(info.driver, sizeof(info.driver));

		if (n >= sizeof(d->driver))
			n = sizeof(d->driver) - 1;
		memcpy(d->driver, info.driver, n);
		d->driver[n] = '\0';
	} else {
		pr_debug("devinfo: %s: ETHTOOL_GDRVINFO: %d\n", d->name, err);
	}

	err = read_features(fd, d);
	if (err)
		pr_debug("devinfo: %s: features: %d\n", d->name, err);
}

static int ethtool_socket(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	return fd < 0 ? -errno : fd;
}

/* ------------------------------------------------------------------ */

int og_devinfo_list(struct og_devinfo **out, unsigned int *nr)
{
	struct link_sink s = { .dump = true };
	struct nl_ctx c;
	unsigned int i, try;
	bool intr = false;
	int err, fd;

	*out = NULL;
	*nr = 0;
	err = nl_open(&c);
	if (err)
		return err;
	for (try = 0; try < NL_DUMP_TRIES; try++) {
		intr = false;
		s.nr = 0;
		err = nl_send_getlink(&c, 0);
		if (!err)
			err = nl_collect(&c, &s, &intr);
		if (err || !intr)
			break;
		pr_debug("devinfo: links changed during the dump, again\n");
	}
	nl_close(&c);
	if (!err && intr)
		err = -EAGAIN;
	if (err) {
		free(s.v);
		return err;
	}

	fd = ethtool_socket();
	if (fd < 0)
		pr_debug("devinfo: ethtool socket: %d\n", fd);
	for (i = 0; i < s.nr && fd >= 0; i++)
		read_ethtool(fd, &s.v[i]);
	if (fd >= 0)
		close(fd);
	*out = s.v;
	*nr = s.nr;
	return 0;
}

int og_devinfo_get(__u32 ifindex, struct og_devinfo *out)
{
	struct link_sink s = { .v = out, .cap = 1 };
	struct nl_ctx c;
	bool intr = false;
	int err, fd;

	if (!ifindex)
		return -EINVAL;
	/* ifi_index is an int: a bigger one names no device */
	if (ifindex > INT32_MAX)
		return -ENODEV;
	err = nl_open(&c);
	if (err)
		return err;
	err = nl_send_getlink(&c, ifindex);
	if (!err)
		err = nl_collect(&c, &s, &intr);
	nl_close(&c);
	if (err)
		return err;
	if (s.nr != 1 || out->ifindex != ifindex)
		return -EPROTO;

	fd = ethtool_socket();
	if (fd < 0) {
		pr_debug("devinfo: ethtool socket: %d\n", fd);
		return 0;
	}
	read_ethtool(fd, out);
	close(fd);
	return 0;
}

void og_devinfo_json_features(struct json_writer *jw,
			      const struct og_devinfo *in)
{
	__u32 bit;

	jw_start_object(jw);
	/* every bit og_devfeat_name knows, up to the first it does not */
	for (bit = 1; bit && og_devfeat_name(bit); bit <<= 1) {
		jw_name(jw, og_devfeat_name(bit));
		jw_start_object(jw);
		jw_bool_field(jw, "active", in->feat_active & bit);
		jw_bool_field(jw, "available", in->feat_available & bit);
		jw_bool_field(jw, "requested", in->feat_requested & bit);
		jw_end_object(jw);
	}
	jw_end_object(jw);
}
