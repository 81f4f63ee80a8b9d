// SPDX-License-Identifier: GPL-2.0-only
/*
 * The drop watcher (bpf/kdrop.bpf.c): one tp_btf/kfree_skb program per
 * offguard instance, counting the kernel's checksum/GSO drops on the
 * devices of the instance's network namespace into the shared counters.
 *
 * Unlike the device hooks, a tracing link belongs to no device: it lives
 * as long as something holds it, so it is pinned (<bpffs>/offguard/
 * kdrop_<netns cookie>: namespaces sharing one bpffs each keep their
 * own). Later invocations find it by walking the kernel's links
 * for one whose program is og_kdrop on this instance's og_counters; the
 * pin is only what keeps it alive.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "offguard/offguard.h"
#include "kdrop.skel.h"

#include "instance.h"
#include "kdrop.h"
#include "logging.h"
#include "util.h"

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE	71
#endif

/* The cookie of this process's network namespace (kernel 5.14+). */
static int netns_cookie(__u64 *cookie)
{
	socklen_t len = sizeof(*cookie);
	int fd, err = 0;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, cookie, &len))
		err = -errno;
	close(fd);
	return err;
}

bool og_kdrop_find(const struct og_instance *inst, struct og_kdrop *out)
{
	__u32 id = 0;

	if (!inst->have_maps)
		return false;
	while (!bpf_link_get_next_id(id, &id)) {
		struct bpf_link_info info;
		__u32 len = sizeof(info), ids[__OG_MAP_NR];
		enum og_hook hook;
		int fd;

		fd = bpf_link_get_fd_by_id(id);
		if (fd < 0)
			continue;
		memset(&info, 0, sizeof(info));
		if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
			close(fd);
			continue;
		}
		close(fd);
		if (info.type != BPF_LINK_TYPE_RAW_TRACEPOINT &&
		    info.type != BPF_LINK_TYPE_TRACING)
			continue;
		if (!og_prog_is_ours(info.prog_id, &hook, ids) ||
		    hook != OG_HOOK_KDROP ||
		    ids[OG_MAP_COUNTERS] != inst->map_id[OG_MAP_COUNTERS])
			continue;
		if (out) {
			out->link_id = id;
			out->prog_id = info.prog_id;
		}
		return true;
	}
	return false;
}

/*
 * Does kfree_skb pass the receiving socket (rx_sk, Linux 6.12+)? Its BTF
 * typedef btf_trace_kfree_skb is a pointer to a prototype of 5 arguments
 * then (the first is the tracepoint's context), 4 before.
 */
static bool tp_has_rx_sk(void)
{
	static int cached = -1;
	const struct btf_type *t;
	struct btf *btf;
	int id;

	if (cached >= 0)
		return cached;
	cached = 0;
	btf = btf__load_vmlinux_btf();
	if (libbpf_get_error(btf))
		return false;
	id = btf__find_by_name_kind(btf, "btf_trace_kfree_skb", BTF_KIND_TYPEDEF);
	t = id > 0 ? btf__type_by_id(btf, id) : NULL;
	if (t)
		t = btf__type_by_id(btf, t->type);	/* pointer */
	if (t && btf_is_ptr(t))
		t = btf__type_by_id(btf, t->type);	/* prototype */
	if (t && btf_is_func_proto(t))
		cached = btf_vlen(t) >= 5;
	btf__free(btf);
	return cached;
}

/* <bpffs>/offguard/kdrop_<cookie> of this network namespace. */
static int kdrop_pin(char *buf, size_t size)
{
	__u64 cookie;
	int err;

	err = netns_cookie(&cookie);
	if (err)
		return err;
	snprintf(buf, size, "%s/%s%llu", og_pin_path(NULL),
		 OG_PIN_KDROP_PREFIX, (unsigned long long)cookie);
	return 0;
}

int og_kdrop_ensure(const struct og_instance *inst, const char *what)
{
	struct bpf_link *link = NULL;
	struct bpf_program *prog;
	char pin[PATH_MAX];
	struct og_kdrop live;
	struct kdrop *skel;
	int err;

	if (og_kdrop_find(inst, &live)) {
		pr_debug("%s: drop watcher already running (link %u, prog %u)\n",
			 what, live.link_id, live.prog_id);
		return 0;
	}
	err = kdrop_pin(pin, sizeof(pin));
	if (err)
		return err;
	skel = kdrop__open();
	if (!skel)
		return errno ? -errno : -EINVAL;
	err = netns_cookie((__u64 *)&skel->rodata->og_netns_cookie);
	if (err)
		goto out;
	err = og_instance_reuse(inst, skel->obj);
	if (err)
		goto out;
	/* only the variant that matches this kernel's tracepoint loads */
	bpf_program__set_autoload(skel->progs.og_kdrop_rx_sk, tp_has_rx_sk());
	bpf_program__set_autoload(skel->progs.og_kdrop_v1, !tp_has_rx_sk());
	err = kdrop__load(skel);
	if (err)
		goto out;
	prog = tp_has_rx_sk() ? skel->progs.og_kdrop_rx_sk :
				skel->progs.og_kdrop_v1;
	link = bpf_program__attach(prog);
	err = libbpf_get_error(link);
	if (err) {
		link = NULL;
		goto out;
	}
	/* a pin left by a dead instance: ours replaces it */
	if (unlink(pin) && errno != ENOENT) {
		err = -errno;
		goto out;
	}
	err = bpf_link__pin(link, pin);
	if (err)
		goto out;
	pr_info("%s: drop watcher started (tp_btf/kfree_skb, pinned at %s)\n",
		what, pin);
	/*
	 * A bpffs this very process had to mount is, more often than not,
	 * the fresh /sys of `ip netns exec`: gone, with the pin, when the
	 * command exits. Say so; on a host it is said once, the first time.
	 */
	if (og_bpffs_mounted_here())
		pr_info("%s: note: %s was not mounted; if this runs in a private mount namespace (ip netns exec), the drop watcher pinned there stops when it exits: OFFGUARD_BPFFS can name a bpffs that outlives it\n",
			what, og_bpffs());
out:
	/* the pin holds the link now; our reference goes */
	bpf_link__destroy(link);
	kdrop__destroy(skel);
	return err;
}

int og_kdrop_remove(const struct og_instance *inst, const char *what)
{
	struct og_kdrop live;
	char pin[PATH_MAX];
	int fd, err;

	err = kdrop_pin(pin, sizeof(pin));
	if (err) {
		p_err("%s: cannot stop the drop watcher: %s", what,
		      og_errstr(err));
		return err;
	}

	/*
	 * Detach explicitly where the kernel can (someone else may hold the
	 * link: a second pin, an open fd); raw tracepoint links cannot be
	 * detached (EOPNOTSUPP) and end when their last holder, normally
	 * our pin, lets go.
	 */
	if (og_kdrop_find(inst, &live)) {
		fd = bpf_link_get_fd_by_id(live.link_id);
		if (fd >= 0) {
			if (bpf_link_detach(fd) && errno != ENOENT &&
			    errno != EOPNOTSUPP)
				err = -errno;
			close(fd);
		}
	}
	if (unlink(pin) && errno != ENOENT && !err)
		err = -errno;
	if (err)
		p_err("%s: cannot stop the drop watcher: %s", what,
		      og_errstr(err));
	return err;
}
