// SPDX-License-Identifier: GPL-2.0-only
/*
 * offguard's XDP program on devices, through libxdp (DESIGN §5): libxdp
 * puts it behind its multi-program dispatcher where the kernel can run
 * one (BPF trampolines, freplace), and attaches it alone otherwise.
 * Either way the attachment lives in the device, not in this process:
 * later invocations find it again with xdp_multiprog__get_from_ifindex().
 *
 * Modes: native (driver) mode shows frames as the device received them;
 * generic (skb) mode runs after the skb is built, where GSO/GRO super-
 * frames arrive whole. Native is tried first; a device without native
 * support gets generic, and og_config records it so the program does not
 * judge super-frame lengths (OG_CONF_XDP_GENERIC).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "offguard/offguard.h"
#include "xdp_guard.skel.h"

#include "instance.h"
#include "kconsts.h"
#include "logging.h"
#include "util.h"
#include "xdp.h"

static enum xdp_attach_mode xdp_mode_of(enum og_attach_mode mode)
{
	return mode == OG_ATTACH_XDP_SKB ? XDP_MODE_SKB : XDP_MODE_NATIVE;
}

static void libxdp_env(void)
{
	/* libxdp keeps its dispatcher pins and lock in the same bpffs */
	if (strcmp(og_bpffs(), OG_BPFFS))
		setenv("LIBXDP_BPFFS", og_bpffs(), 0);
}

int og_xdp_query(__u32 ifindex, struct og_live *out)
{
	struct xdp_program *p = NULL;
	struct xdp_multiprog *mp;
	enum xdp_attach_mode m;
	int found = 0;

	libxdp_env();
	mp = xdp_multiprog__get_from_ifindex(ifindex);
	if (libxdp_get_error(mp))
		return 0;	/* nothing attached (or not readable) */
	m = xdp_multiprog__attach_mode(mp);
	if (xdp_multiprog__is_legacy(mp)) {
		p = xdp_multiprog__main_prog(mp);
		if (p && og_prog_is_ours(xdp_program__id(p), NULL, NULL))
			found = 1;
	} else {
		while ((p = xdp_multiprog__next_prog(p, mp)))
			if (og_prog_is_ours(xdp_program__id(p), NULL, NULL)) {
				found = 1;
				break;
			}
	}
	if (found && out) {
		out->ifindex = ifindex;
		out->hook = OG_HOOK_XDP;
		out->mode = m == XDP_MODE_SKB ? OG_ATTACH_XDP_SKB :
						OG_ATTACH_XDP;
		out->prog_id = xdp_program__id(p);
	}
	xdp_multiprog__close(mp);
	return found;
}

/* A new og_xdp for libxdp to load, with the instance's maps. */
static int xdp_prog_new(const struct og_instance *inst,
			struct xdp_program **progp, struct xdp_guard **skelp)
{
	DECLARE_LIBXDP_OPTS(xdp_program_opts, opts);
	struct xdp_program *prog;
	struct xdp_guard *skel;
	int err;

	skel = xdp_guard__open();
	if (!skel)
		return errno ? -errno : -EINVAL;
	err = og_instance_reuse(inst, skel->obj);
	if (err)
		goto fail;
	opts.obj = skel->obj;
	opts.prog_name = "og_xdp";
	prog = xdp_program__create(&opts);
	err = libxdp_get_error(prog);
	if (err)
		goto fail;
	*progp = prog;
	*skelp = skel;
	return 0;
fail:
	xdp_guard__destroy(skel);
	return err;
}

int og_xdp_attach(struct og_instance *inst, __u32 ifindex,
		  enum og_attach_mode mode, __u32 *prog_id)
{
	struct xdp_guard *skel = NULL;
	struct xdp_program *prog;
	int err, fd;

	libxdp_env();
	/*
	 * One loaded program serves every device, as on tc; libxdp takes it
	 * by fd where it attaches it alone. Where that fails (a dispatcher
	 * needs to load its own copy) a fresh one is loaded for the device.
	 */
	if (inst->prog_fd[OG_HOOK_XDP] >= 0) {
		prog = xdp_program__from_fd(inst->prog_fd[OG_HOOK_XDP]);
		if (!libxdp_get_error(prog)) {
			err = xdp_program__attach(prog, ifindex,
						  xdp_mode_of(mode), 0);
			if (!err) {
				*prog_id = xdp_program__id(prog);
				xdp_program__close(prog);
				return 0;
			}
			pr_debug("xdp: attaching loaded prog %u to ifindex %u: %s; loading a new one\n",
				 inst->prog_id[OG_HOOK_XDP], ifindex,
				 og_errstr(err));
			xdp_program__close(prog);
		}
	}

	err = xdp_prog_new(inst, &prog, &skel);
	if (err)
		return err;
	err = xdp_program__attach(prog, ifindex, xdp_mode_of(mode), 0);
	if (err)
		goto out;
	*prog_id = xdp_program__id(prog);
	if (inst->prog_fd[OG_HOOK_XDP] < 0) {
		fd = dup(xdp_program__fd(prog));
		if (fd >= 0) {
			inst->prog_fd[OG_HOOK_XDP] = fd;
			inst->prog_id[OG_HOOK_XDP] = *prog_id;
		}
	}
out:
	/* closing the program object does not detach it */
	xdp_program__close(prog);
	xdp_guard__destroy(skel);
	return err;
}

int og_xdp_detach(__u32 ifindex, unsigned int *removed)
{
	struct og_live live;
	struct xdp_program *prog;
	int err;

	libxdp_env();
	if (!og_xdp_query(ifindex, &live))
		return 0;
	prog = xdp_program__from_id(live.prog_id);
	err = libxdp_get_error(prog);
	if (err)
		return err;
	err = xdp_program__detach(prog, ifindex,
				  xdp_mode_of(live.mode), 0);
	xdp_program__close(prog);
	if (!err && removed)
		(*removed)++;
	return err;
}
