// SPDX-License-Identifier: GPL-2.0-only
/*
 * offguard daemon: offguard as a service on hosts where devices come and
 * go with guests (tap, vif, vnet). It reads a configuration file of glob
 * rules (config.c), attaches to every device a rule matches through the
 * same path as `offguard attach` (attach.c), then follows rtnetlink's link
 * group and does the same for each device that appears or is renamed
 * into a rule. SIGHUP re-reads the file and applies the difference.
 *
 * What the daemon attaches outlives it, as with the CLI: stopping it
 * (SIGTERM/SIGINT) detaches nothing, and a new daemon adopts what it
 * finds on the devices (the instance code finds offguard's programs
 * there) instead of attaching twice. `offguard detach --all` is the full
 * reset.
 *
 * Every rtnetlink message only says "look again": the daemon compares the
 * devices of its network namespace with what it manages. An overflowed
 * socket (ENOBUFS) or a burst of events then costs one look, never a
 * missed device.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <bpf/bpf.h>

#include "offguard/offguard.h"
#include "attach.h"
#include "commands.h"
#include "config.h"
#include "instance.h"
#include "logging.h"
#include "names.h"
#include "util.h"

static const char daemon_usage[] =
	"offguard daemon [-c FILE] [--check] [--foreground]";

/*
 * One lock per network namespace (its inode, as /proc/PID/ns/net shows
 * it): offguard's instance is per namespace, so two daemons fight only
 * when they share one. /run is the host's even under `ip netns exec`.
 */
#define OG_RUN_DIR	"/run/offguard"

/* A device the daemon manages: matched by a rule, attached (or tried). */
struct managed {
	__u32		ifindex;
	char		ifname[IF_NAMESIZE];
	struct og_rule	rule;		/* as applied */
	bool		ok;		/* false: attaching failed */
};

struct daemon {
	const char		*conf_path;
	struct og_config	cfg;
	struct og_instance	inst;
	enum og_attach_mode	tc_mode;
	struct managed		*devs;
	unsigned int		nr_devs, cap_devs;
	int			nl_fd;
	int			sig_fd;
	int			lock_fd;
	char			lock_path[PATH_MAX];
	struct timespec		next_prom;
};

#define dlog(fmt, ...)	og_log(OG_LOG_WARN, "offguard: daemon: " fmt "\n", \
			       ##__VA_ARGS__)

/*
 * systemd's readiness protocol, without libsystemd: one datagram to
 * $NOTIFY_SOCKET (a path, or '@' for the abstract namespace). Nothing
 * happens without the variable, so Type=simple works as well.
 */
static void sd_notify_msg(const char *msg)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t len;
	int fd;

	if (!path || (path[0] != '/' && path[0] != '@'))
		return;
	len = strlen(path);
	if (len >= sizeof(sa.sun_path))
		return;
	memcpy(sa.sun_path, path, len);
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = 0;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	if (sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&sa,
		   offsetof(struct sockaddr_un, sun_path) + len) < 0)
		pr_debug("daemon: sd_notify: %s\n", og_errstr(errno));
	close(fd);
}

static void lock_release(struct daemon *d)
{
	if (d->lock_fd < 0)
		return;
	/* unlinked while held: lock_take() checks for this */
	unlink(d->lock_path);
	close(d->lock_fd);
	d->lock_fd = -1;
}

static int lock_take(struct daemon *d)
{
	struct stat ns, st, cur;
	char pid[32];
	ssize_t n;
	int fd, tries, err;

	if (stat("/proc/self/ns/net", &ns)) {
		err = -errno;
		p_err("daemon: cannot identify this network namespace (/proc/self/ns/net): %s",
		      og_errstr(err));
		return err;
	}
	if (mkdir(OG_RUN_DIR, 0755) && errno != EEXIST) {
		err = -errno;
		p_err("daemon: cannot create %s: %s", OG_RUN_DIR, og_errstr(err));
		return err;
	}
	snprintf(d->lock_path, sizeof(d->lock_path), "%s/offguard-net%lu.lock",
		 OG_RUN_DIR, (unsigned long)ns.st_ino);

	/*
	 * A daemon that exits unlinks its lock file; one that opened the old
	 * file just before would lock an unlinked inode while a third locks
	 * a new file. So the lock counts only if the path is still the file
	 * locked; otherwise try again.
	 */
	for (tries = 0; tries < 10; tries++) {
		fd = open(d->lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
		if (fd < 0) {
			err = -errno;
			p_err("daemon: cannot open %s: %s", d->lock_path,
			      og_errstr(err));
			return err;
		}
		if (flock(fd, LOCK_EX | LOCK_NB)) {
			err = -errno;
			if (err == -EWOULDBLOCK) {
				n = pread(fd, pid, sizeof(pid) - 1, 0);
				pid[n > 0 ? n : 0] = 0;
				pid[strcspn(pid, "\n")] = 0;
				p_err("daemon: another daemon holds %s (pid %s)",
				      d->lock_path, *pid ? pid : "unknown");
			} else {
				p_err("daemon: cannot lock %s: %s",
				      d->lock_path, og_errstr(err));
			}
			close(fd);
			return err;
		}
		if (!fstat(fd, &st) && !stat(d->lock_path, &cur) &&
		    st.st_ino == cur.st_ino && st.st_dev == cur.st_dev)
			break;
		close(fd);
		fd = -1;
	}
	if (fd < 0) {
		p_err("daemon: cannot lock %s: it keeps being replaced",
		      d->lock_path);
		return -EAGAIN;
	}
	snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) || pwrite(fd, pid, strlen(pid), 0) < 0)
		pr_warn("offguard: warning: daemon: cannot write the pid to %s: %s\n",
			d->lock_path, og_errstr(errno));
	d->lock_fd = fd;
	return 0;
}

static int netlink_open(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK,
				  .nl_groups = RTMGRP_LINK };
	int fd, size = 1 << 20;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK,
		    NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	/* a burst of guests starting should not overflow it (it may: ENOBUFS) */
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

/* Read what is queued; true if anything (or an overflow) calls for a look. */
static bool netlink_drain(int fd)
{
	char buf[16384];
	bool any = false;
	ssize_t n;

	for (;;) {
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n > 0) {
			any = true;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		/* ENOBUFS: events were lost; the look finds what they said */
		if (n < 0 && errno == ENOBUFS) {
			any = true;
			continue;
		}
		return any;
	}
}

/* "tc_ingress, xdp" */
static const char *hooks_str(unsigned int mask, char *buf, size_t size)
{
	static const enum og_hook order[] = { OG_HOOK_TC_INGRESS,
					      OG_HOOK_TC_EGRESS, OG_HOOK_XDP };
	unsigned int i;
	size_t n = 0;

	buf[0] = 0;
	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		if (!(mask & OG_HOOK_BIT(order[i])) || n >= size)
			continue;
		n += snprintf(buf + n, size - n, "%s%s", n ? ", " : "",
			      og_hook_name(order[i]));
	}
	return buf;
}

/* "policy repair, writer_omits_csum; rule 'tap*', line 3" */
static const char *rule_str(const struct og_rule *r, char *buf, size_t size)
{
	size_t n;

	n = snprintf(buf, size, "policy %s", og_policy_name(r->policy) ?: "?");
	if (r->flags & OG_CONF_WRITER_OMITS_CSUM && n < size)
		n += snprintf(buf + n, size - n, ", writer_omits_csum");
	if (r->mtu && n < size)
		n += snprintf(buf + n, size - n, ", mtu %u", r->mtu);
	if (r->xdp_mode != OG_ATTACH_NONE && n < size)
		n += snprintf(buf + n, size - n, ", xdp-mode %s",
			      r->xdp_mode == OG_ATTACH_XDP ? "native" : "skb");
	if (n < size)
		snprintf(buf + n, size - n, "; rule '%s', line %u", r->pattern,
			 r->line);
	return buf;
}

static struct managed *managed_find(struct daemon *d, __u32 ifindex)
{
	unsigned int i;

	for (i = 0; i < d->nr_devs; i++)
		if (d->devs[i].ifindex == ifindex)
			return &d->devs[i];
	return NULL;
}

static struct managed *managed_add(struct daemon *d, __u32 ifindex,
				   const char *ifname)
{
	struct managed *m;

	if (d->nr_devs == d->cap_devs) {
		unsigned int cap = d->cap_devs ? d->cap_devs * 2 : 32;

		m = realloc(d->devs, cap * sizeof(*m));
		if (!m)
			return NULL;
		d->devs = m;
		d->cap_devs = cap;
	}
	m = &d->devs[d->nr_devs++];
	memset(m, 0, sizeof(*m));
	m->ifindex = ifindex;
	snprintf(m->ifname, sizeof(m->ifname), "%s", ifname);
	return m;
}

static void managed_del(struct daemon *d, struct managed *m)
{
	*m = d->devs[--d->nr_devs];
}

static bool any_managed_ok(const struct daemon *d)
{
	unsigned int i;

	for (i = 0; i < d->nr_devs; i++)
		if (d->devs[i].ok)
			return true;
	return false;
}

/* Delete every key of a map whose leading __u32 is ifindex. */
static void map_forget_ifindex(int fd, __u32 ifindex, size_t key_size)
{
	unsigned char key[64], next[64], *prev = NULL;
	unsigned char *del = NULL, *p;
	size_t nr = 0, cap = 0, i;

	if (fd < 0 || key_size > sizeof(key))
		return;
	/* collect first: deleting while iterating restarts the walk */
	while (!bpf_map_get_next_key(fd, prev, next)) {
		memcpy(key, next, key_size);
		prev = key;
		if (*(__u32 *)key != ifindex)
			continue;
		if (nr == cap) {
			cap = cap ? cap * 2 : 16;
			p = realloc(del, cap * key_size);
			if (!p)
				break;
			del = p;
		}
		memcpy(del + nr++ * key_size, key, key_size);
	}
	for (i = 0; i < nr; i++)
		bpf_map_delete_elem(fd, del + i * key_size);
	free(del);
}

/*
 * A managed device is gone. The kernel took its programs with it; its
 * settings go, and so do its counters: ifindexes are not reused soon, and
 * on a host where guests come and go for months, the counters of every
 * device that ever existed would fill og_devstats (OG_MAX_DEVICES) and
 * leave new devices uncounted. Whatever the Prometheus file last showed
 * of it stays in the collector's history.
 */
static void forget_dev(struct daemon *d, struct managed *m)
{
	const struct og_instance *inst = &d->inst;

	map_forget_ifindex(inst->map_fd[OG_MAP_CONFIG], m->ifindex,
			   sizeof(struct og_dev_key));
	map_forget_ifindex(inst->map_fd[OG_MAP_DEVSTATS], m->ifindex,
			   sizeof(struct og_dev_key));
	map_forget_ifindex(inst->map_fd[OG_MAP_COUNTERS], m->ifindex,
			   sizeof(struct og_counter_key));
	dlog("forgot %s (ifindex %u): device removed; its settings and counters are gone",
	     m->ifname, m->ifindex);
}

/* og_config entries of devices that vanished while no daemon ran. */
static void config_gc(struct daemon *d)
{
	int fd = d->inst.map_fd[OG_MAP_CONFIG];
	struct og_dev_key key, next, *prev = NULL;
	char name[IF_NAMESIZE];

	if (!d->inst.have_maps)
		return;
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		if (!og_ifname(key.ifindex, name)) {
			bpf_map_delete_elem(fd, &key);
			prev = NULL;	/* our place in the walk is gone */
			continue;
		}
		prev = &key;
	}
}

/*
 * Attach by rule r (again): hooks the rule no longer has are detached
 * first; attaching where offguard already is only rewrites the settings.
 * 'starting': a hook already there was left by an earlier daemon.
 */
static bool apply(struct daemon *d, struct managed *m, const char *ifname,
		  __u32 ifindex, const struct og_rule *r, bool starting)
{
	struct og_attach_opts o = {
		.policy		= r->policy,
		.flags		= r->flags,
		.mtu		= r->mtu,
		.xdp_mode	= r->xdp_mode,
		.tc_mode	= d->tc_mode,
	};
	struct og_attach_res res;
	unsigned int drop = 0, removed = 0;
	char hs[64], hs2[64], rs[160];
	int err;

	if (m && m->ok)
		drop = m->rule.hooks & ~r->hooks;
	/* XDP on a software link keeps tc ingress with it (attach.c) */
	if (r->hooks & OG_HOOK_BIT(OG_HOOK_XDP))
		drop &= ~OG_HOOK_BIT(OG_HOOK_TC_INGRESS);
	if (drop) {
		og_detach_dev(&d->inst, ifname, ifindex, drop, &removed);
		if (removed)
			dlog("detached %s: %s (not in its rule any more)",
			     ifname, hooks_str(removed, hs, sizeof(hs)));
	}

	if (!m)
		m = managed_add(d, ifindex, ifname);
	if (!m) {
		p_err("daemon: %s: out of memory", ifname);
		return false;
	}
	snprintf(m->ifname, sizeof(m->ifname), "%s", ifname);
	m->rule = *r;

	err = og_attach_dev(&d->inst, ifname, ifindex, r->hooks, &o, &res);
	m->ok = !err;
	rule_str(r, rs, sizeof(rs));
	if (res.attached && res.updated)
		dlog("attached %s: %s; %s already there, settings rewritten (%s)",
		     ifname, hooks_str(res.attached, hs, sizeof(hs)),
		     hooks_str(res.updated, hs2, sizeof(hs2)), rs);
	else if (res.attached)
		dlog("attached %s: %s (%s)", ifname,
		     hooks_str(res.attached, hs, sizeof(hs)), rs);
	else if (res.updated)
		dlog("%s %s: %s (%s)", starting ? "adopted" : "updated",
		     ifname, hooks_str(res.updated, hs, sizeof(hs)), rs);
	if (err)
		dlog("%s: not attached as rule line %u asks; tried again on SIGHUP or a rename",
		     ifname, r->line);
	return res.attached != 0;
}

/*
 * Compare the namespace's devices with what the daemon manages and act:
 * forget the removed, detach the ones no rule matches any more, attach
 * the new and the changed. 'reload': the configuration changed (also
 * retry devices whose attach failed); 'starting': the first look.
 */
static void reconcile(struct daemon *d, bool reload, bool starting)
{
	struct if_nameindex *ifs, *it;
	bool attached = false, removed = false;
	unsigned int i, gone;
	char hs[64];
	struct managed *m;

	ifs = if_nameindex();
	if (!ifs) {
		p_err("daemon: cannot list the devices: %s", og_errstr(errno));
		return;
	}
	for (i = 0; i < d->nr_devs;) {
		for (it = ifs; it->if_index; it++)
			if (it->if_index == d->devs[i].ifindex)
				break;
		if (it->if_index) {
			i++;
			continue;
		}
		forget_dev(d, &d->devs[i]);
		managed_del(d, &d->devs[i]);
		removed = true;
	}

	for (it = ifs; it->if_index; it++) {
		const struct og_rule *r = og_config_match(&d->cfg, it->if_name);
		bool renamed;

		m = managed_find(d, it->if_index);
		renamed = m && strcmp(m->ifname, it->if_name);
		if (!r) {
			if (!m)
				continue;
			og_detach_dev(&d->inst, it->if_name, it->if_index,
				      OG_HOOKS_TC | OG_HOOK_BIT(OG_HOOK_XDP),
				      &gone);
			if (renamed)
				dlog("detached %s: %s (renamed from %s; no rule matches)",
				     it->if_name, hooks_str(gone, hs, sizeof(hs)),
				     m->ifname);
			else
				dlog("detached %s: %s (no rule matches it any more)",
				     it->if_name, hooks_str(gone, hs, sizeof(hs)));
			managed_del(d, m);
			removed = true;
			continue;
		}
		if (m && og_rule_same(&m->rule, r) &&
		    (m->ok || !(reload || renamed))) {
			if (renamed) {
				dlog("%s renamed to %s: rule '%s' (line %u) still applies",
				     m->ifname, it->if_name, r->pattern, r->line);
				snprintf(m->ifname, sizeof(m->ifname), "%s",
					 it->if_name);
			}
			m->rule.line = r->line;
			snprintf(m->rule.pattern, sizeof(m->rule.pattern), "%s",
				 r->pattern);
			continue;
		}
		if (apply(d, m, it->if_name, it->if_index, r, starting))
			attached = true;
	}
	if_freenameindex(ifs);

	if (attached)
		og_attach_kdrop(&d->inst, "daemon");
	if (removed && !any_managed_ok(d))
		og_attach_kdrop_gc(&d->inst);
}

static void prom_schedule(struct daemon *d, bool now)
{
	clock_gettime(CLOCK_MONOTONIC, &d->next_prom);
	if (!now)
		d->next_prom.tv_sec += d->cfg.prom_interval;
}

/* Write the textfile if due; a failure is logged and tried next time. */
static void prom_tick(struct daemon *d)
{
	struct timespec now;

	if (!d->cfg.prom_path)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec < d->next_prom.tv_sec ||
	    (now.tv_sec == d->next_prom.tv_sec &&
	     now.tv_nsec < d->next_prom.tv_nsec))
		return;
	og_prom_write_file(&d->inst, d->cfg.prom_path, "daemon");
	/* absolute deadlines: writing does not make the interval drift */
	d->next_prom.tv_sec += d->cfg.prom_interval;
	if (d->next_prom.tv_sec < now.tv_sec)
		prom_schedule(d, false);
}

/* Milliseconds until the next textfile, or -1 (none configured). */
static int prom_timeout(const struct daemon *d)
{
	struct timespec now;
	long long ms;

	if (!d->cfg.prom_path)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (d->next_prom.tv_sec - now.tv_sec) * 1000LL +
	     (d->next_prom.tv_nsec - now.tv_nsec) / 1000000;
	if (ms < 0)
		return 0;
	return ms > INT_MAX ? INT_MAX : (int)ms + 1;
}

static const char *prom_str(const struct og_config *c, char *buf, size_t size)
{
	if (c->prom_path)
		snprintf(buf, size, "; prometheus %s every %u s", c->prom_path,
			 c->prom_interval);
	else
		buf[0] = 0;
	return buf;
}

static void reload(struct daemon *d)
{
	struct og_config cfg;
	struct timespec ts;
	char err[512], msg[64], ps[PATH_MAX + 64];
	bool prom_changed;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%llu",
		 (unsigned long long)ts.tv_sec * 1000000ULL + ts.tv_nsec / 1000);
	sd_notify_msg(msg);
	if (og_config_load(d->conf_path, &cfg, err, sizeof(err))) {
		p_err("%s", err);
		dlog("reload failed: still running on the configuration read before");
		sd_notify_msg("READY=1");
		return;
	}
	prom_changed = (!cfg.prom_path != !d->cfg.prom_path) ||
		       (cfg.prom_path && strcmp(cfg.prom_path, d->cfg.prom_path)) ||
		       cfg.prom_interval != d->cfg.prom_interval;
	og_config_free(&d->cfg);
	d->cfg = cfg;
	dlog("reloaded %s: %u rule%s%s", d->conf_path, cfg.nr_rules,
	     cfg.nr_rules == 1 ? "" : "s", prom_str(&cfg, ps, sizeof(ps)));
	reconcile(d, true, false);
	if (prom_changed)
		prom_schedule(d, true);
	sd_notify_msg("READY=1");
}

static int signals_open(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return -errno;
	/* a reader of our stderr going away must not end the daemon */
	signal(SIGPIPE, SIG_IGN);
	return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

/* Returns the signal that ends the daemon, 0 to go on. */
static int signals_read(struct daemon *d)
{
	struct signalfd_siginfo si;
	int stop = 0;

	while (read(d->sig_fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP)
			reload(d);
		else
			stop = si.ssi_signo;
	}
	return stop;
}

static int run(struct daemon *d)
{
	struct pollfd pfd[2] = {
		{ .fd = d->sig_fd, .events = POLLIN },
		{ .fd = d->nl_fd, .events = POLLIN },
	};
	int n, sig = 0;

	while (!sig) {
		n = poll(pfd, 2, prom_timeout(d));
		if (n < 0 && errno != EINTR) {
			p_err("daemon: poll: %s", og_errstr(errno));
			return OG_EXIT_FAIL;
		}
		if (n > 0 && pfd[0].revents)
			sig = signals_read(d);
		if (sig)
			break;
		if (n > 0 && pfd[1].revents && netlink_drain(d->nl_fd))
			reconcile(d, false, false);
		prom_tick(d);
	}
	dlog("stopping (%s); attachments stay in place ('offguard detach --all' removes them)",
	     strsignal(sig));
	return OG_EXIT_OK;
}

static void daemon_help(void)
{
	printf("usage: %s\n"
	       "\n"
	       "Attach offguard to devices as they appear, by the rules of a configuration\n"
	       "file (default %s), and write the Prometheus textfile if\n"
	       "configured. Runs in the foreground, logging one line per action to stderr\n"
	       "(journald); for systemd, Type=notify (READY=1 is sent once the existing\n"
	       "devices are attached) and ExecReload=/bin/kill -HUP $MAINPID.\n"
	       "\n"
	       "  -c, --config FILE   configuration file\n"
	       "  --check             only check the file: exit 0 if good, else 1 naming\n"
	       "                      the line and the problem\n"
	       "  --foreground        accepted for init scripts; the daemon never forks\n"
	       "\n"
	       "Signals: SIGHUP re-reads the file and applies the difference (a bad file\n"
	       "is logged and the old configuration stays); SIGTERM/SIGINT end the daemon\n"
	       "and leave what it attached in place.\n",
	       daemon_usage, OG_CONFIG_DEFAULT);
}

int cmd_daemon(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config",	required_argument, NULL, 'c' },
		{ "check",	no_argument,	   NULL, 'C' },
		{ "foreground",	no_argument,	   NULL, 'F' },
		OG_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct daemon d = {
		.conf_path	= OG_CONFIG_DEFAULT,
		.nl_fd		= -1,
		.sig_fd		= -1,
		.lock_fd	= -1,
	};
	char err[512], ps[PATH_MAX + 64];
	bool check = false;
	int c, rc = OG_EXIT_FAIL;

	og_getopt_reset();
	while ((c = getopt_long(argc, argv, OG_COMMON_SHORTOPTS "c:", opts,
				NULL)) != -1) {
		if (og_common_opt(c))
			continue;
		switch (c) {
		case 'h':
			daemon_help();
			return OG_EXIT_OK;
		case 'c':
			if (!*optarg)
				return og_usage_error(daemon_usage,
						      "daemon: -c needs a file");
			d.conf_path = optarg;
			break;
		case 'C':
			check = true;
			break;
		case 'F':
			break;
		default:
			return og_bad_option("daemon", daemon_usage, c, argc,
					     argv);
		}
	}
	if (optind < argc)
		return og_usage_error(daemon_usage, "daemon: unexpected '%s'",
				      argv[optind]);

	if (og_config_load(d.conf_path, &d.cfg, err, sizeof(err))) {
		p_err("%s", err);
		return OG_EXIT_FAIL;
	}
	if (check) {
		printf("%s: ok, %u rule%s%s\n", d.conf_path, d.cfg.nr_rules,
		       d.cfg.nr_rules == 1 ? "" : "s",
		       prom_str(&d.cfg, ps, sizeof(ps)));
		og_config_free(&d.cfg);
		return OG_EXIT_OK;
	}

	og_instance_init(&d.inst);
	if (og_check_root()) {
		p_err("daemon: %s", og_errstr(-EPERM));
		goto out;
	}
	if (og_check_btf()) {
		p_err("daemon: kernel built without CONFIG_DEBUG_INFO_BTF (%s missing); offguard needs BTF",
		      OG_VMLINUX_BTF);
		goto out;
	}
	if (lock_take(&d))
		goto out;

	d.sig_fd = signals_open();
	if (d.sig_fd < 0) {
		p_err("daemon: cannot set up signals: %s", og_errstr(d.sig_fd));
		goto out;
	}
	/* listen before the first look: no device falls between the two */
	d.nl_fd = netlink_open();
	if (d.nl_fd < 0) {
		p_err("daemon: cannot listen to rtnetlink: %s",
		      og_errstr(d.nl_fd));
		goto out;
	}
	/*
	 * Both tc programs, loaded (or found) once: a device that appears
	 * later is attached in milliseconds, without a verifier run.
	 */
	if (og_attach_setup(&d.inst, "daemon", OG_HOOKS_TC, OG_ATTACH_NONE,
			    &d.tc_mode))
		goto out;
	config_gc(&d);

	dlog("started (pid %ld): %s, %u rule%s%s", (long)getpid(), d.conf_path,
	     d.cfg.nr_rules, d.cfg.nr_rules == 1 ? "" : "s",
	     prom_str(&d.cfg, ps, sizeof(ps)));
	if (!d.cfg.nr_rules)
		dlog("no match rules: nothing will be attached");
	reconcile(&d, false, true);
	dlog("ready: %u device%s matched; watching for more", d.nr_devs,
	     d.nr_devs == 1 ? "" : "s");
	prom_schedule(&d, true);
	prom_tick(&d);
	sd_notify_msg("READY=1");

	rc = run(&d);
	sd_notify_msg("STOPPING=1");
out:
	if (d.nl_fd >= 0)
		close(d.nl_fd);
	if (d.sig_fd >= 0)
		close(d.sig_fd);
	og_instance_close(&d.inst);
	lock_release(&d);
	og_config_free(&d.cfg);
	free(d.devs);
	return rc;
}
