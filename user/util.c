// SPDX-License-Identifier: GPL-2.0-only
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>

#include "offguard/offguard.h"
#include "commands.h"
#include "compat.h"
#include "logging.h"
#include "util.h"

const char *og_errstr(int err)
{
	static char buf[128];
	const char *s;

	if (err < 0)
		err = -err;
	switch (err) {
	case EPERM:
	case EACCES:
		return "permission denied (need root: CAP_BPF and CAP_NET_ADMIN)";
	case ENODEV:
	case ENXIO:
		return "no such device";
	case EEXIST:
		return "already exists";
	case EOPNOTSUPP:
		return "operation not supported by this kernel";
	}
	/* strerror() capitalises; offguard's messages continue a sentence. */
	s = strerror(err);
	snprintf(buf, sizeof(buf), "%s", s);
	buf[0] = tolower((unsigned char)buf[0]);
	return buf;
}

int og_check_root(void)
{
	/*
	 * Capabilities alone would do (CAP_BPF, CAP_NET_ADMIN, and
	 * CAP_SYS_ADMIN for mounting bpffs), but offguard is a root tool and
	 * a clear early "need root" beats an EPERM halfway through attach.
	 */
	return geteuid() == 0 ? 0 : -EPERM;
}

int og_check_btf(void)
{
	return access(OG_VMLINUX_BTF, R_OK) ? -ENOENT : 0;
}

static bool is_bpffs(const char *path)
{
	struct statfs st;

	return !statfs(path, &st) && (unsigned long)st.f_type == OG_BPF_FS_MAGIC;
}

const char *og_bpffs(void)
{
	const char *env = getenv("OFFGUARD_BPFFS");

	return env && *env ? env : OG_BPFFS;
}

const char *og_pin_path(const char *name)
{
	/* a few at a time may be in use in one expression */
	static char bufs[4][PATH_MAX];
	static unsigned int next;
	char *b = bufs[next++ % 4];

	if (name)
		snprintf(b, PATH_MAX, "%s/%s/%s", og_bpffs(), OG_PIN_DIR, name);
	else
		snprintf(b, PATH_MAX, "%s/%s", og_bpffs(), OG_PIN_DIR);
	return b;
}

bool og_bpffs_mounted(void)
{
	return is_bpffs(og_bpffs());
}

void og_report(bool fatal, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (fatal)
		p_err("%s", msg);
	else
		pr_warn("offguard: warning: %s\n", msg);
}

static bool bpffs_mounted_here;

bool og_bpffs_mounted_here(void)
{
	return bpffs_mounted_here;
}

int og_bpffs_prepare(const char *what, bool fatal)
{
	int err;

	if (!is_bpffs(og_bpffs())) {
		if (strcmp(og_bpffs(), OG_BPFFS)) {
			/* a bpffs the user named: never mount over it */
			og_report(fatal, "%s: OFFGUARD_BPFFS=%s is not a bpffs mount",
				  what, og_bpffs());
			return -ENOTDIR;
		}
		/*
		 * mode=0700: the pins give access to offguard's maps, which
		 * only root should read or change.
		 */
		if (mount("bpf", OG_BPFFS, "bpf", 0, "mode=0700")) {
			err = -errno;
			og_report(fatal, "%s: cannot mount bpffs on %s: %s",
				  what, OG_BPFFS, og_errstr(err));
			return err;
		}
		pr_debug("mounted bpffs on %s\n", OG_BPFFS);
		bpffs_mounted_here = true;
	}
	if (mkdir(og_pin_path(NULL), 0700) && errno != EEXIST) {
		err = -errno;
		og_report(fatal, "%s: cannot create %s: %s", what,
			  og_pin_path(NULL), og_errstr(err));
		return err;
	}
	return 0;
}

unsigned int og_ifindex(const char *ifname)
{
	if (!ifname || !*ifname || strlen(ifname) >= IF_NAMESIZE)
		return 0;
	return if_nametoindex(ifname);
}

const char *og_ifname(unsigned int ifindex, char buf[IF_NAMESIZE])
{
	if (!ifindex)
		return NULL;
	return if_indextoname(ifindex, buf);
}

static struct btf *vmlinux_btf;
static bool vmlinux_btf_tried;

static void free_vmlinux_btf(void)
{
	btf__free(vmlinux_btf);
	vmlinux_btf = NULL;
}

const struct btf *og_vmlinux_btf(void)
{
	if (vmlinux_btf_tried)
		return vmlinux_btf;
	vmlinux_btf_tried = true;
	vmlinux_btf = btf__load_vmlinux_btf();
	if (libbpf_get_error(vmlinux_btf)) {
		pr_debug("cannot load vmlinux BTF: %s\n",
			 og_errstr(libbpf_get_error(vmlinux_btf)));
		vmlinux_btf = NULL;
		return NULL;
	}
	atexit(free_vmlinux_btf);
	return vmlinux_btf;
}

bool og_probe_tcx(void)
{
	static int cached = -1;
	__u32 ids[1], cnt = 1, flags = 0;
	unsigned int lo;
	int err;

	if (cached >= 0)
		return cached;
	/*
	 * Kernels without tcx reject the attach type with EINVAL; any other
	 * answer (success, or EPERM without privileges) means the kernel
	 * knows it. "lo" exists in every netns; ifindex 1 if the name
	 * lookup fails for some reason.
	 */
	lo = if_nametoindex("lo");
	if (!lo)
		lo = 1;
	err = bpf_prog_query(lo, OG_BPF_TCX_INGRESS, 0, &flags, ids, &cnt);
	if (err < 0)
		err = -errno;
	cached = err != -EINVAL;
	pr_debug("probe: tcx %s (query on lo: %s)\n",
		 cached ? "available" : "missing", err ? og_errstr(err) : "ok");
	return cached;
}

bool og_probe_kfunc(const char *name)
{
	const struct btf *btf = og_vmlinux_btf();

	if (!btf)
		return false;
	return btf__find_by_name_kind(btf, name, BTF_KIND_FUNC) > 0;
}

int og_usage_error(const char *usage, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	p_err("%s", msg);
	if (usage)
		fprintf(stderr, "usage: %s\n", usage);
	return OG_EXIT_USAGE;
}

bool og_common_opt(int c)
{
	switch (c) {
	case 'j':
		og_json = true;
		return true;
	case 'p':
		og_json = true;
		og_pretty = true;
		return true;
	case 'v':
		og_verbose++;
		return true;
	}
	return false;
}

void og_getopt_reset(void)
{
	/*
	 * glibc keeps hidden state between getopt calls (the position
	 * inside a cluster like "-vj", the permutation bounds); optind = 0
	 * is its documented way to reinitialise all of it, after which
	 * scanning starts at argv[1] like optind = 1. main() parses the
	 * global options with getopt_long, so every subcommand must reset.
	 */
	optind = 0;
	opterr = 0;
}

int og_bad_option(const char *cmd, const char *usage, int c, int argc,
		  char **argv)
{
	const char *arg = optind > 0 && optind <= argc ? argv[optind - 1] : "";
	const char *what = c == ':' ? "option needs an argument" :
				      "unknown option";
	char opt[64];

	/* A long option names itself in argv; a short one may sit in a cluster. */
	if (!strncmp(arg, "--", 2))
		snprintf(opt, sizeof(opt), "%.*s", (int)strcspn(arg, "="), arg);
	else
		snprintf(opt, sizeof(opt), "-%c", optopt ? optopt : '?');
	if (cmd)
		return og_usage_error(usage, "%s: %s: %s", cmd, what, opt);
	return og_usage_error(usage, "%s: %s", what, opt);
}

bool og_parse_u32(const char *s, unsigned int min, unsigned int max,
		  unsigned int *out)
{
	unsigned long v;
	char *end;

	if (!s || !isdigit((unsigned char)*s))
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

bool og_dev_is_l3(const char *ifname)
{
	struct ifreq ifr = {};
	bool l3 = false;
	int fd;

	if (strlen(ifname) >= sizeof(ifr.ifr_name))
		return false;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	strcpy(ifr.ifr_name, ifname);
	/* TUN (not TAP) reports ARPHRD_NONE: packets start at the IP header */
	if (!ioctl(fd, SIOCGIFHWADDR, &ifr))
		l3 = ifr.ifr_hwaddr.sa_family == ARPHRD_NONE;
	close(fd);
	return l3;
}

const char *og_dev_driver(const char *ifname, char *buf, size_t size)
{
	struct ethtool_drvinfo info = { .cmd = ETHTOOL_GDRVINFO };
	struct ifreq ifr = {};
	int fd, err;

	if (strlen(ifname) >= sizeof(ifr.ifr_name))
		return NULL;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return NULL;
	strcpy(ifr.ifr_name, ifname);
	ifr.ifr_data = (void *)&info;
	err = ioctl(fd, SIOCETHTOOL, &ifr);
	close(fd);
	if (err)
		return NULL;
	snprintf(buf, size, "%s", info.driver);
	return buf;
}
