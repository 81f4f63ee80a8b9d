// SPDX-License-Identifier: GPL-2.0-only
/*
 * offguard demo: a self-contained showcase in private network namespaces.
 *
 *   writer --virtio_net_hdr--> tun0 [tc ingress]  (ogdemo-<pid>-fwd, forwarding)
 *                                |
 *                                v
 *                              up0 [tc egress]  tx csum/TSO/GSO off
 *                                |  veth
 *                                v
 *                              up1 10.78.0.2    (ogdemo-<pid>-rcv)
 *
 * The demo process is the TUN writer: it enters the forwarding namespace
 * only to open /dev/net/tun (a TUN belongs to the namespace of the task
 * that creates it) and goes back to its own. It sends what real writers
 * get wrong: TCP SYNs whose checksum field holds the full checksum where
 * the CHECKSUM_PARTIAL seed belongs, and TSO frames whose gso_size is the
 * MTU rather than the MSS. offguard itself runs as child processes
 * (`ip netns exec <fwd> <this binary> attach|stats`), exactly as a user
 * would run it; the demo reads `stats -j` back, tells what happened, and
 * fails if the expected rules were not counted.
 *
 * Everything it creates lives in the two namespaces, which are deleted on
 * every way out, Ctrl-C included (signals only set a flag; each step
 * checks it), unless --keep is given.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <linux/if_tun.h>

#include "commands.h"
#include "logging.h"
#include "pkt.h"
#include "util.h"

#define DEMO_SYNS		20
#define DEMO_TSO		10
#define DEMO_MTU		1500
#define DEMO_TSO_PAYLOAD	4500	/* three segments of gso_size */
#define DEMO_WRITER		"10.77.0.2"	/* the "guest" behind tun0 */
#define DEMO_FWD_TUN		"10.77.0.1/24"
#define DEMO_FWD_UP		"10.78.0.1/24"
#define DEMO_RCV_UP		"10.78.0.2/24"
#define DEMO_RCV		"10.78.0.2"
#define DEMO_PORT		8080

static const char demo_usage[] = "offguard demo [--keep] [-v]";

static volatile sig_atomic_t demo_stop;

static void demo_on_signal(int sig)
{
	demo_stop = sig;
}

struct demo {
	char	fwd[64];
	char	rcv[64];
	char	exe[4096];
	bool	fwd_made;
	bool	rcv_made;
	bool	keep;
	int	orig_ns;
	int	tun_fd;
};

/* ---- a small JSON reader, enough for `offguard stats -j` ---------------- */

enum jtype { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };

struct jval {
	enum jtype	type;
	double		num;
	char		*str;		/* J_STR; key of an object member */
	char		*key;
	struct jval	*child;		/* J_ARR/J_OBJ: first member */
	struct jval	*next;
};

struct jparse {
	const char	*p;
	int		depth;
};

static void json_free(struct jval *v)
{
	while (v) {
		struct jval *next = v->next;

		json_free(v->child);
		free(v->str);
		free(v->key);
		free(v);
		v = next;
	}
}

static void json_ws(struct jparse *js)
{
	while (*js->p == ' ' || *js->p == '\n' || *js->p == '\t' ||
	       *js->p == '\r')
		js->p++;
}

/* Strings as offguard writes them; \uXXXX is kept only for ASCII. */
static char *json_string(struct jparse *js)
{
	size_t cap = 32, n = 0;
	char *s, *t;

	if (*js->p != '"')
		return NULL;
	js->p++;
	s = malloc(cap);
	if (!s)
		return NULL;
	while (*js->p && *js->p != '"') {
		char c = *js->p++;

		if (c == '\\') {
			c = *js->p++;
			switch (c) {
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case 'r': c = '\r'; break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case 'u': {
				unsigned int u = 0;

				if (sscanf(js->p, "%4x", &u) != 1)
					goto bad;
				js->p += 4;
				c = u < 0x80 ? (char)u : '?';
				break;
			}
			case '\0':
				goto bad;
			default:
				break;	/* \" \\ \/ */
			}
		}
		if (n + 2 > cap) {
			cap *= 2;
			t = realloc(s, cap);
			if (!t)
				goto bad;
			s = t;
		}
		s[n++] = c;
	}
	if (*js->p != '"')
		goto bad;
	js->p++;
	s[n] = '\0';
	return s;
bad:
	free(s);
	return NULL;
}

static struct jval *json_value(struct jparse *js)
{
	struct jval *v, **tail;
	char *end;

	if (++js->depth > 32)
		return NULL;
	json_ws(js);
	v = calloc(1, sizeof(*v));
	if (!v)
		return NULL;
	switch (*js->p) {
	case '{':
	case '[': {
		bool obj = *js->p == '{';
		char close = obj ? '}' : ']';

		v->type = obj ? J_OBJ : J_ARR;
		js->p++;
		tail = &v->child;
		json_ws(js);
		if (*js->p == close) {
			js->p++;
			break;
		}
		for (;;) {
			char *key = NULL;
			struct jval *m;

			json_ws(js);
			if (obj) {
				key = json_string(js);
				json_ws(js);
				if (!key || *js->p != ':') {
					free(key);
					goto bad;
				}
				js->p++;
			}
			m = json_value(js);
			if (!m) {
				free(key);
				goto bad;
			}
			m->key = key;
			*tail = m;
			tail = &m->next;
			json_ws(js);
			if (*js->p == ',') {
				js->p++;
				continue;
			}
			if (*js->p != close)
				goto bad;
			js->p++;
			break;
		}
		break;
	}
	case '"':
		v->type = J_STR;
		v->str = json_string(js);
		if (!v->str)
			goto bad;
		break;
	case 't':
	case 'f':
	case 'n':
		if (!strncmp(js->p, "true", 4)) {
			v->type = J_BOOL;
			v->num = 1;
			js->p += 4;
		} else if (!strncmp(js->p, "false", 5)) {
			v->type = J_BOOL;
			js->p += 5;
		} else if (!strncmp(js->p, "null", 4)) {
			v->type = J_NULL;
			js->p += 4;
		} else {
			goto bad;
		}
		break;
	default:
		v->type = J_NUM;
		v->num = strtod(js->p, &end);
		if (end == js->p)
			goto bad;
		js->p = end;
		break;
	}
	js->depth--;
	return v;
bad:
	json_free(v);
	return NULL;
}

static struct jval *json_parse(const char *text)
{
	struct jparse js = { .p = text };
	struct jval *v = json_value(&js);

	if (!v)
		return NULL;
	json_ws(&js);
	if (*js.p) {
		json_free(v);
		return NULL;
	}
	return v;
}

static struct jval *json_member(const struct jval *obj, const char *key)
{
	struct jval *m;

	if (!obj || obj->type != J_OBJ)
		return NULL;
	for (m = obj->child; m; m = m->next)
		if (m->key && !strcmp(m->key, key))
			return m;
	return NULL;
}

/* The hook object of a device in a stats document, or NULL. */
static const struct jval *stats_hook(const struct jval *doc, const char *dev,
				     const char *hook)
{
	const struct jval *d;

	for (d = json_member(doc, "devices") ? json_member(doc, "devices")->child :
					       NULL; d; d = d->next) {
		const struct jval *n = json_member(d, "ifname");

		if (n && n->type == J_STR && !strcmp(n->str, dev))
			return json_member(json_member(d, "hooks"), hook);
	}
	return NULL;
}

/* hook.reasons.<reason>.<field> as a count (0 when absent). */
static unsigned long long reason_field(const struct jval *hook,
				       const char *reason, const char *field)
{
	const struct jval *v;

	v = json_member(json_member(json_member(hook, "reasons"), reason),
			field);
	return v && v->type == J_NUM ? (unsigned long long)v->num : 0;
}

static unsigned long long seed_variant(const struct jval *hook,
				       const char *variant)
{
	const struct jval *v;

	v = json_member(json_member(json_member(json_member(hook, "reasons"),
						"partial_bad_seed"),
				    "variants"),
			variant);
	return v && v->type == J_NUM ? (unsigned long long)v->num : 0;
}

/* ---- child processes ------------------------------------------------------ */

/*
 * Run argv, wait for it, return its exit status (-1 if it could not run or
 * was killed). Its stdout goes to *out when out is given (NUL-terminated,
 * caller frees), else to ours with -v and nowhere otherwise; its stderr is
 * kept in err[] for the message if it fails.
 */
static int run(char *const argv[], char **out, char *err, size_t errlen)
{
	int opipe[2] = { -1, -1 }, epipe[2] = { -1, -1 }, status;
	size_t olen = 0, ocap = 0, elen = 0;
	bool odone = !out, edone = false;
	char *obuf = NULL;
	pid_t pid;

	if (err && errlen)
		err[0] = '\0';
	if ((out && pipe2(opipe, O_CLOEXEC)) || pipe2(epipe, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDWR);

		/* The demo's own signal flag handler must not leak into exec. */
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		dup2(out ? opipe[1] : (og_verbose ? 1 : devnull), 1);
		dup2(epipe[1], 2);
		dup2(devnull, 0);
		execvp(argv[0], argv);
		fprintf(stderr, "cannot run %s: %s", argv[0], strerror(errno));
		_exit(127);
	}
	if (out)
		close(opipe[1]);
	close(epipe[1]);

	/* Read both pipes to the end so neither side can block the other. */
	while (!odone || !edone) {
		fd_set rfds;
		char buf[4096];
		ssize_t n;
		int maxfd = 0;

		FD_ZERO(&rfds);
		if (!odone) {
			FD_SET(opipe[0], &rfds);
			maxfd = opipe[0];
		}
		if (!edone) {
			FD_SET(epipe[0], &rfds);
			maxfd = epipe[0] > maxfd ? epipe[0] : maxfd;
		}
		if (select(maxfd + 1, &rfds, NULL, NULL, NULL) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (!odone && FD_ISSET(opipe[0], &rfds)) {
			n = read(opipe[0], buf, sizeof(buf));
			if (n <= 0) {
				odone = true;
			} else {
				if (olen + n + 1 > ocap) {
					char *t;

					ocap = (olen + n + 1) * 2;
					t = realloc(obuf, ocap);
					if (!t) {
						odone = true;
						continue;
					}
					obuf = t;
				}
				memcpy(obuf + olen, buf, n);
				olen += n;
			}
		}
		if (!edone && FD_ISSET(epipe[0], &rfds)) {
			n = read(epipe[0], buf, sizeof(buf));
			if (n <= 0) {
				edone = true;
			} else if (err && elen + 1 < errlen) {
				size_t k = (size_t)n < errlen - elen - 1 ?
					   (size_t)n : errlen - elen - 1;

				memcpy(err + elen, buf, k);
				elen += k;
				err[elen] = '\0';
			}
		}
	}
	if (out)
		close(opipe[0]);
	close(epipe[0]);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			free(obuf);
			return -1;
		}
		/* Ctrl-C reached the child too; a TERM for us alone is passed on. */
		if (demo_stop)
			kill(pid, SIGTERM);
	}
	if (err && elen && err[elen - 1] == '\n')
		err[elen - 1] = '\0';
	if (out) {
		if (!obuf)
			obuf = calloc(1, 1);
		else
			obuf[olen] = '\0';
		*out = obuf;
	}
	if (!WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* run() a NULL-terminated list; on failure say what and why. */
static int runv(const char *what, ...)
{
	char *argv[32], err[512];
	va_list ap;
	int argc = 0, rc;

	va_start(ap, what);
	while (argc < 31 && (argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	argv[argc] = NULL;
	if (demo_stop)
		return -EINTR;
	rc = run(argv, NULL, err, sizeof(err));
	if (rc) {
		p_err("demo: %s: %s", what,
		      err[0] ? err : rc < 0 ? "killed" : "failed");
		return -1;
	}
	return 0;
}

/* ---- namespaces, devices ---------------------------------------------------- */

static int enter_ns(const char *name)
{
	char path[128];
	int fd, err = 0;

	snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (setns(fd, CLONE_NEWNET))
		err = -errno;
	close(fd);
	return err;
}

static int leave_ns(const struct demo *d)
{
	return setns(d->orig_ns, CLONE_NEWNET) ? -errno : 0;
}

/* Write a /proc/sys file of namespace ns (per-netns at open time). */
static int ns_sysctl(const struct demo *d, const char *ns, const char *path,
		     const char *value)
{
	int fd, err;

	err = enter_ns(ns);
	if (err)
		return err;
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, value, strlen(value)) < 0)
		err = -errno;
	if (fd >= 0)
		close(fd);
	if (leave_ns(d))
		return -EIO;
	return err;
}

/* One value of /proc/net/snmp ("Tcp", "InCsumErrors") in namespace ns. */
static long long ns_snmp(const struct demo *d, const char *ns,
			 const char *proto, const char *field)
{
	char head[2048], vals[2048], *hs, *vs, *h, *v;
	long long result = -1;
	size_t plen = strlen(proto);
	FILE *f;

	if (enter_ns(ns))
		return -1;
	/* /proc/self/net follows the reading task's namespace. */
	f = fopen("/proc/self/net/snmp", "re");
	if (leave_ns(d)) {
		if (f)
			fclose(f);
		return -1;
	}
	if (!f)
		return -1;
	while (fgets(head, sizeof(head), f) && fgets(vals, sizeof(vals), f)) {
		if (strncmp(head, proto, plen) || head[plen] != ':')
			continue;
		h = strtok_r(head + plen + 1, " \n", &hs);
		v = strtok_r(vals + plen + 1, " \n", &vs);
		while (h && v) {
			if (!strcmp(h, field)) {
				result = atoll(v);
				break;
			}
			h = strtok_r(NULL, " \n", &hs);
			v = strtok_r(NULL, " \n", &vs);
		}
		break;
	}
	fclose(f);
	return result;
}

static int open_tun(struct demo *d)
{
	struct ifreq ifr = {};
	int err;

	err = enter_ns(d->fwd);
	if (err)
		return err;
	d->tun_fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (d->tun_fd < 0) {
		err = -errno;
		goto out;
	}
	snprintf(ifr.ifr_name, IFNAMSIZ, "tun0");
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI | IFF_VNET_HDR;
	if (ioctl(d->tun_fd, TUNSETIFF, &ifr)) {
		err = -errno;
		goto out;
	}
	/* With --keep the device must outlive this process's fd. */
	if (d->keep && ioctl(d->tun_fd, TUNSETPERSIST, 1))
		err = -errno;
out:
	if (leave_ns(d))
		err = -EIO;
	return err;
}

/* ---- the writer --------------------------------------------------------- */

static int tun_write(const struct demo *d, const struct og_pkt *p,
		     const struct og_vnet_spec *vs)
{
	struct virtio_net_hdr h;
	struct iovec iov[2];

	og_pkt_vnet_hdr(p, vs, &h);
	iov[0].iov_base = &h;
	iov[0].iov_len = sizeof(h);
	iov[1].iov_base = p->data;
	iov[1].iov_len = p->len;
	if (writev(d->tun_fd, iov, 2) < 0)
		return -errno;
	return 0;
}

static void demo_spec(struct og_pkt_spec *s)
{
	og_pkt_spec_init(s);
	inet_pton(AF_INET, DEMO_WRITER, &s->saddr4);
	inet_pton(AF_INET, DEMO_RCV, &s->daddr4);
	s->dport = DEMO_PORT;
}

/*
 * (a) SYNs whose writer completed the checksum itself and still asked the
 * kernel to do it (NEEDS_CSUM): the seed field holds the full checksum.
 */
static int send_bad_seed_syns(const struct demo *d, __u8 *buf)
{
	struct og_vnet_spec vs;
	struct og_pkt_spec s;
	struct og_pkt p;
	int i, err;

	demo_spec(&s);
	s.tcp_flags = OG_TCP_SYN;
	s.mss = DEMO_MTU - 40;
	s.l4_csum = OG_L4_CSUM_FULL_AS_SEED;
	og_vnet_spec_init(&vs);
	vs.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;	/* start = L4, offset 16 */
	for (i = 0; i < DEMO_SYNS; i++) {
		s.sport = (__u16)(40000 + i);
		s.ip_id = (__u16)(100 + i);
		err = og_pkt_build(&s, buf, OG_PKT_MAX, &p);
		if (err < 0)
			return err;
		err = tun_write(d, &p, &vs);
		if (err)
			return err;
	}
	return 0;
}

/* (b) TSO frames cut for the MTU instead of the MSS: gso_size 1500. */
static int send_tso_mtu_sized(const struct demo *d, __u8 *buf)
{
	struct og_vnet_spec vs;
	struct og_pkt_spec s;
	struct og_pkt p;
	int i, err;

	demo_spec(&s);
	s.sport = 40100;
	s.tcp_flags = OG_TCP_ACK | OG_TCP_PSH;
	s.payload_len = DEMO_TSO_PAYLOAD;
	s.l4_csum = OG_L4_CSUM_SEED;
	og_vnet_spec_init(&vs);
	vs.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	vs.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
	vs.gso_size = DEMO_MTU;
	for (i = 0; i < DEMO_TSO; i++) {
		s.seq = 1 + (__u32)(i * DEMO_TSO_PAYLOAD);
		s.ip_id = (__u16)(200 + i);
		err = og_pkt_build(&s, buf, OG_PKT_MAX, &p);
		if (err < 0)
			return err;
		err = tun_write(d, &p, &vs);
		if (err)
			return err;
	}
	return 0;
}

/* ---- the show ----------------------------------------------------------- */

static int setup(struct demo *d)
{
	int err;

	if (runv("ip netns add", "ip", "netns", "add", d->fwd, NULL))
		return -1;
	d->fwd_made = true;
	if (runv("ip netns add", "ip", "netns", "add", d->rcv, NULL))
		return -1;
	d->rcv_made = true;

	err = open_tun(d);
	if (err) {
		p_err("demo: tun0 in %s: %s", d->fwd, og_errstr(err));
		return -1;
	}
	err = ns_sysctl(d, d->fwd, "/proc/sys/net/ipv4/ip_forward", "1");
	if (err) {
		p_err("demo: ip_forward in %s: %s", d->fwd, og_errstr(err));
		return -1;
	}
	if (runv("lo up", "ip", "-n", d->fwd, "link", "set", "lo", "up", NULL) ||
	    runv("lo up", "ip", "-n", d->rcv, "link", "set", "lo", "up", NULL) ||
	    runv("tun0 address", "ip", "-n", d->fwd, "addr", "add",
		 DEMO_FWD_TUN, "dev", "tun0", NULL) ||
	    runv("tun0 up", "ip", "-n", d->fwd, "link", "set", "tun0", "up",
		 NULL) ||
	    runv("veth up0/up1", "ip", "-n", d->fwd, "link", "add", "up0",
		 "type", "veth", "peer", "name", "up1", "netns", d->rcv, NULL) ||
	    runv("up0 address", "ip", "-n", d->fwd, "addr", "add", DEMO_FWD_UP,
		 "dev", "up0", NULL) ||
	    runv("up1 address", "ip", "-n", d->rcv, "addr", "add", DEMO_RCV_UP,
		 "dev", "up1", NULL) ||
	    runv("up0 up", "ip", "-n", d->fwd, "link", "set", "up0", "up",
		 NULL) ||
	    runv("up1 up", "ip", "-n", d->rcv, "link", "set", "up1", "up",
		 NULL) ||
	    runv("route back to the writer", "ip", "-n", d->rcv, "route",
		 "add", "10.77.0.0/24", "via", "10.78.0.1", NULL))
		return -1;
	/* The uplink of a host whose admin switched offloads off. */
	if (runv("ethtool -K up0 tx off tso off gso off", "ip", "netns", "exec",
		 d->fwd, "ethtool", "-K", "up0", "tx", "off", "tso", "off",
		 "gso", "off", NULL))
		return -1;
	if (runv("offguard attach tun0", "ip", "netns", "exec", d->fwd, d->exe,
		 "attach", "tun0", "--hook", "tc-ingress", NULL) ||
	    runv("offguard attach up0", "ip", "netns", "exec", d->fwd, d->exe,
		 "attach", "up0", "--hook", "tc-egress", NULL))
		return -1;
	return 0;
}

static void cleanup(struct demo *d)
{
	char err[512];

	if (d->tun_fd >= 0)
		close(d->tun_fd);
	d->tun_fd = -1;
	if (d->keep) {
		if (d->fwd_made || d->rcv_made)
			printf("\nKept for inspection (--keep). Remove with:\n"
			       "  ip netns del %s; ip netns del %s\n",
			       d->fwd, d->rcv);
		return;
	}
	/* Deleting a namespace takes its devices and their programs along. */
	if (d->fwd_made) {
		char *argv[] = { "ip", "netns", "del", d->fwd, NULL };

		if (run(argv, NULL, err, sizeof(err)))
			pr_warn("offguard: demo: ip netns del %s: %s\n", d->fwd,
				err);
	}
	if (d->rcv_made) {
		char *argv[] = { "ip", "netns", "del", d->rcv, NULL };

		if (run(argv, NULL, err, sizeof(err)))
			pr_warn("offguard: demo: ip netns del %s: %s\n", d->rcv,
				err);
	}
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR && !demo_stop)
		;
}

static int show(struct demo *d)
{
	long long csum0, segs0, fragf0, csum1 = 0, segs1 = 0, fragf1 = 0;
	unsigned long long seed_in, full_in, exceeds_in, seed_out, notx_out;
	char *stats_text = NULL, *stats_json = NULL, err[512];
	char *report_text = NULL;
	const struct jval *tun_in, *up_out;
	struct jval *doc = NULL;
	int i, rc = OG_EXIT_FAIL, e;
	__u8 *buf;

	buf = malloc(OG_PKT_MAX);
	if (!buf) {
		p_err("demo: out of memory");
		return OG_EXIT_FAIL;
	}
	csum0 = ns_snmp(d, d->rcv, "Tcp", "InCsumErrors");
	segs0 = ns_snmp(d, d->rcv, "Tcp", "InSegs");
	fragf0 = ns_snmp(d, d->fwd, "Ip", "FragFails");

	printf("Writer -> tun0: %d TCP SYNs to %s:%d with the full checksum in the\n"
	       "  field where the pseudo-header seed belongs (NEEDS_CSUM, csum_start 20,\n"
	       "  csum_offset 16)\n", DEMO_SYNS, DEMO_RCV, DEMO_PORT);
	e = send_bad_seed_syns(d, buf);
	if (!e) {
		printf("Writer -> tun0: %d TSO frames (GSO TCPV4, %d bytes) with gso_size %d,\n"
		       "  the MTU, where the MSS (%d) belongs\n", DEMO_TSO,
		       DEMO_TSO_PAYLOAD, DEMO_MTU, DEMO_MTU - 40);
		e = send_tso_mtu_sized(d, buf);
	}
	free(buf);
	if (e) {
		p_err("demo: write to tun0: %s", og_errstr(e));
		return OG_EXIT_FAIL;
	}

	/* The SYNs wait for up0's ARP; give the receiver up to 3 s. */
	for (i = 0; i < 30 && !demo_stop; i++) {
		csum1 = ns_snmp(d, d->rcv, "Tcp", "InCsumErrors");
		segs1 = ns_snmp(d, d->rcv, "Tcp", "InSegs");
		if (segs1 - segs0 >= DEMO_SYNS)
			break;
		sleep_ms(100);
	}
	fragf1 = ns_snmp(d, d->fwd, "Ip", "FragFails");
	if (demo_stop)
		return OG_EXIT_FAIL;

	{
		char *argv[] = { "ip", "netns", "exec", d->fwd, d->exe, "stats",
				 "-j", NULL };

		if (run(argv, &stats_json, err, sizeof(err))) {
			p_err("demo: offguard stats -j: %s",
			      err[0] ? err : "failed");
			goto out;
		}
	}
	{
		char *argv[] = { "ip", "netns", "exec", d->fwd, d->exe, "stats",
				 "tun0", "up0", NULL };

		if (run(argv, &stats_text, err, sizeof(err)) == 0)
			printf("\n$ offguard stats tun0 up0    (in %s)\n%s",
			       d->fwd, stats_text);
	}
	doc = json_parse(stats_json);
	if (!doc) {
		p_err("demo: offguard stats -j: not a JSON document");
		goto out;
	}
	tun_in = stats_hook(doc, "tun0", "tc_ingress");
	up_out = stats_hook(doc, "up0", "tc_egress");
	seed_in = reason_field(tun_in, "partial_bad_seed", "packets");
	full_in = seed_variant(tun_in, "full_csum");
	exceeds_in = reason_field(tun_in, "gso_size_exceeds_mtu", "packets");
	seed_out = reason_field(up_out, "partial_bad_seed", "packets");
	notx_out = reason_field(up_out, "partial_no_tx_csum", "packets");

	printf("\nWhat offguard saw:\n");
	printf("  tun0 (tc ingress): partial_bad_seed x%llu (full_csum x%llu): the writer\n"
	       "    put a full checksum where the pseudo-header seed belongs; latent while\n"
	       "    offloads stay on, it breaks on up0, which has tx checksumming off\n",
	       seed_in, full_in);
	printf("  tun0 (tc ingress): gso_size_exceeds_mtu x%llu: gso_size %d + 40 bytes of\n"
	       "    headers > MTU %d; the writer cut for the MTU, not the MSS\n",
	       exceeds_in, DEMO_MTU, DEMO_MTU);
	printf("  up0 (tc egress): partial_no_tx_csum x%llu, partial_bad_seed x%llu: up0\n"
	       "    cannot checksum, so the kernel completes the checksum in software,\n"
	       "    starting from the wrong seed\n", notx_out, seed_out);

	printf("\nWhat the receiver (up1, %s) saw:\n", d->rcv);
	printf("  TCP segments in: %lld, checksum errors: %lld", segs1 - segs0,
	       csum1 - csum0);
	printf(" (TcpInCsumErrors): %lld of %d SYNs arrived broken\n",
	       csum1 - csum0, DEMO_SYNS);
	printf("  TSO frames: none arrived; the forwarder refused %lld of %d (Ip FragFails):\n"
	       "    1540-byte segments do not fit up0's 1500-byte MTU, and DF is set\n",
	       fragf1 - fragf0, DEMO_TSO);

	{
		/* what an operator reads next: the diagnosis, with the fixes */
		char *argv[] = { "ip", "netns", "exec", d->fwd, d->exe,
				 "report", NULL };

		if (run(argv, &report_text, err, sizeof(err)) == 0)
			printf("\n$ offguard report    (in %s)\n%s", d->fwd,
			       report_text);
		else
			pr_warn("offguard: demo: offguard report: %s\n",
				err[0] ? err : "failed");
	}

	if (seed_in == DEMO_SYNS && full_in == DEMO_SYNS &&
	    exceeds_in == DEMO_TSO) {
		printf("\nResult: OK, offguard named both writer bugs, on the device where\n"
		       "they entered, before they broke anything.\n");
		rc = OG_EXIT_OK;
	} else {
		p_err("demo: expected partial_bad_seed x%d (full_csum) and gso_size_exceeds_mtu x%d on tun0, got x%llu (full_csum x%llu) and x%llu",
		      DEMO_SYNS, DEMO_TSO, seed_in, full_in, exceeds_in);
	}
out:
	json_free(doc);
	free(stats_json);
	free(stats_text);
	free(report_text);
	return rc;
}

int cmd_demo(int argc, char **argv)
{
	static const struct option opts[] = {
		OG_COMMON_LONGOPTS,
		{ "keep",	no_argument,	NULL, 'k' },
		{ NULL, 0, NULL, 0 }
	};
	struct demo d = { .orig_ns = -1, .tun_fd = -1 };
	struct sigaction sa = {}, old_int, old_term, old_hup;
	ssize_t n;
	int c, rc;

	og_getopt_reset();
	while ((c = getopt_long(argc, argv, OG_COMMON_SHORTOPTS "k", opts,
				NULL)) != -1) {
		if (og_common_opt(c))
			continue;
		switch (c) {
		case 'k':
			d.keep = true;
			break;
		case 'h':
			printf("usage: %s\n\n"
			       "Builds a TUN writer, a forwarder and a receiver in two private\n"
			       "network namespaces, sends what buggy writers send, and shows\n"
			       "what offguard reports. --keep leaves the namespaces behind.\n",
			       demo_usage);
			return OG_EXIT_OK;
		default:
			return og_bad_option("demo", demo_usage, c, argc, argv);
		}
	}
	if (optind < argc)
		return og_usage_error(demo_usage, "demo: unexpected argument '%s'",
				      argv[optind]);
	if (og_check_root()) {
		p_err("demo: %s", og_errstr(EPERM));
		return OG_EXIT_FAIL;
	}
	n = readlink("/proc/self/exe", d.exe, sizeof(d.exe) - 1);
	if (n <= 0) {
		p_err("demo: /proc/self/exe: %s", og_errstr(errno));
		return OG_EXIT_FAIL;
	}
	d.exe[n] = '\0';
	snprintf(d.fwd, sizeof(d.fwd), "ogdemo-%d-fwd", (int)getpid());
	snprintf(d.rcv, sizeof(d.rcv), "ogdemo-%d-rcv", (int)getpid());
	d.orig_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (d.orig_ns < 0) {
		p_err("demo: /proc/self/ns/net: %s", og_errstr(errno));
		return OG_EXIT_FAIL;
	}

	/* No SA_RESTART: a signal interrupts waits, and every step checks. */
	sa.sa_handler = demo_on_signal;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	sigaction(SIGHUP, &sa, &old_hup);

	printf("offguard demo: namespaces %s (forwarder) and %s (receiver)\n"
	       "  writer --virtio_net_hdr--> tun0 [tc ingress] --forwarding--> up0 [tc egress,\n"
	       "  tx csum/TSO/GSO off] --veth--> up1 %s\n\n", d.fwd, d.rcv,
	       DEMO_RCV);
	fflush(stdout);
	rc = setup(&d) ? OG_EXIT_FAIL : show(&d);
	if (demo_stop) {
		p_err("demo: interrupted, cleaning up");
		rc = OG_EXIT_FAIL;
	}
	cleanup(&d);
	close(d.orig_ns);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	sigaction(SIGHUP, &old_hup, NULL);
	return rc;
}
