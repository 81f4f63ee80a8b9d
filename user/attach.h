/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The one attach path, shared by `offguard attach` and `offguard daemon`:
 * a once-per-run setup (bpffs, the instance found or loaded, pins), then
 * one call per device. Errors are reported (p_err) naming the device and
 * hook; the return value is 0 or -errno.
 */
#ifndef OG_ATTACH_H
#define OG_ATTACH_H

#include <linux/types.h>

#include "offguard/offguard.h"
#include "instance.h"

/* What a device gets; the defaults (zero) are attach's defaults. */
struct og_attach_opts {
	enum og_policy		policy;
	__u32			flags;		/* OG_CONF_WRITER_OMITS_CSUM */
	__u32			mtu;		/* 0: the device's */
	enum og_attach_mode	xdp_mode;	/* NONE: native, skb as fallback */
	enum og_attach_mode	tc_mode;	/* set by og_attach_setup */
};

/* Hooks (OG_HOOK_BIT) that og_attach_dev attached anew or only updated. */
struct og_attach_res {
	unsigned int		attached;
	unsigned int		updated;
};

/*
 * Once per run, before the first og_attach_dev: the tc mode (forced:
 * OG_ATTACH_NONE, _TCX or _CLSACT) into *tc_mode, the bpffs, the instance
 * of this network namespace found or created with programs for 'hooks',
 * and its pins. 'what' prefixes errors ("attach tap0 tap1"). inst must be
 * initialised (og_instance_init).
 */
int og_attach_setup(struct og_instance *inst, const char *what,
		    unsigned int hooks, enum og_attach_mode forced,
		    enum og_attach_mode *tc_mode);

/*
 * Attach 'hooks' (OG_HOOK_BIT mask) on one device, or only update the
 * settings where offguard's program is already there (the program stays:
 * no packet goes unjudged). XDP on a veth or TUN/TAP brings tc ingress
 * along. res (optional) says what happened per hook.
 */
int og_attach_dev(struct og_instance *inst, const char *ifname, __u32 ifindex,
		  unsigned int hooks, const struct og_attach_opts *o,
		  struct og_attach_res *res);

/*
 * Detach offguard's programs of 'hooks' from one device and forget their
 * settings; counters stay. *removed (optional): the hooks that had one.
 */
int og_detach_dev(const struct og_instance *inst, const char *ifname,
		  __u32 ifindex, unsigned int hooks, unsigned int *removed);

/* Start the drop watcher once any device is watched (warns on failure). */
void og_attach_kdrop(const struct og_instance *inst, const char *what);
/* Stop it when no device of this network namespace is watched any more. */
void og_attach_kdrop_gc(const struct og_instance *inst);

#endif /* OG_ATTACH_H */
