/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The offguard "instance" of the current network namespace: the loaded tc
 * programs and their three maps.
 *
 * Nothing in offguard may rely on bpffs pins surviving between two
 * invocations: under "ip netns exec" every run gets a fresh /sys (and so a
 * fresh, empty /sys/fs/bpf). Attachments therefore hold the programs alive
 * without any pin (non-link tcx, or a clsact filter), and each invocation
 * finds the instance again from what the kernel shows:
 *   1. the devices of this netns: tcx program lists and offguard's own
 *      clsact filter (fixed handle/priority); a program is offguard's when
 *      its name is og_tc_ingress/og_tc_egress and it uses a map named
 *      og_counters. Its maps are the instance's maps.
 *   2. otherwise the pins under /sys/fs/bpf/offguard, when present and of
 *      the right shape (on a host with a persistent bpffs they keep the
 *      counters after the last detach).
 * Devices come first because a bpffs shared by several network namespaces
 * (nsenter without a mount namespace) may hold another namespace's pins.
 * Sibling programs are found through og_config's prog_id fields.
 */
#ifndef OG_INSTANCE_H
#define OG_INSTANCE_H

#include <stdbool.h>
#include <linux/types.h>

#include "offguard/offguard.h"

enum og_map_idx {
	OG_MAP_COUNTERS,
	OG_MAP_DEVSTATS,
	OG_MAP_CONFIG,
	OG_MAP_SAMPLES,		/* ring buffer: offguard dump */
	__OG_MAP_NR,
};

/* One of offguard's programs seen attached to a device. */
struct og_live {
	__u32			ifindex;
	enum og_hook		hook;
	enum og_attach_mode	mode;
	__u32			prog_id;
};

struct og_instance {
	bool		have_maps;
	int		map_fd[__OG_MAP_NR];
	__u32		map_id[__OG_MAP_NR];
	/* indexed by enum og_hook; -1 / 0 when this hook has no program */
	int		prog_fd[__OG_HOOK_MAX];
	__u32		prog_id[__OG_HOOK_MAX];
	const char	*found_by;	/* "devices", "pins", "load" or NULL */
	/* every attachment of ours in this netns, from the device scan */
	struct og_live	*live;
	unsigned int	nr_live;
};

void og_instance_init(struct og_instance *inst);
void og_instance_close(struct og_instance *inst);

/*
 * Discover the instance (see above). Returns 0 whether or not one exists
 * (inst->have_maps tells), negative errno only for unexpected failures.
 */
int og_instance_find(struct og_instance *inst);

/*
 * Make sure inst has maps, and a tc program for every tc hook in
 * hook_mask (bit per enum og_hook). Creates the maps when there are none
 * (map-only object, so config can be written before any program runs);
 * loads the tc skeleton when a program is missing, with kernel constants
 * from BTF and the instance's maps, and keeps existing programs. XDP and
 * the drop watcher load through xdp.c and kdrop.c. Prints nothing;
 * returns -errno (-EBADMSG: the programs failed to load; -ESTALE: the
 * existing maps have another shape than this offguard's).
 */
int og_instance_load(struct og_instance *inst, unsigned int hook_mask);

/*
 * Make obj (any offguard BPF object, not loaded yet) use inst's maps
 * instead of creating its own. -ESTALE: a map has another shape.
 */
struct bpf_object;
int og_instance_reuse(const struct og_instance *inst, struct bpf_object *obj);

/*
 * Pin the maps at the contract paths unless already pinned there. Mounts
 * bpffs if needed. Pins of a dead earlier instance are replaced; pins of an
 * instance that is still in use elsewhere are left alone (warning). Errors
 * are reported (og_report) prefixed by 'what'.
 */
int og_instance_pin(struct og_instance *inst, const char *what, bool fatal);
/*
 * Remove the pins (detach --all), unless they belong to another netns's
 * instance that is still attached. Missing pins are not an error.
 */
int og_unpin_all(const struct og_instance *inst, const char *what);

/* Live state of one device and hook: the first offguard program found. */
bool og_live_find(const struct og_instance *inst, __u32 ifindex,
		  enum og_hook hook, struct og_live *out);

/*
 * Query one device and hook directly (tcx list and our clsact filter).
 * Fills up to max entries; returns how many of ours were found.
 */
int og_live_query(__u32 ifindex, enum og_hook hook, struct og_live *out,
		  unsigned int max);

/*
 * Is prog_id an offguard program? On success *hook is the hook its name
 * says and map_ids (optional) the ids of its og_counters/og_devstats/
 * og_config maps (0 where absent).
 */
bool og_prog_is_ours(__u32 prog_id, enum og_hook *hook,
		     __u32 map_ids[__OG_MAP_NR]);

/* Attach/detach primitives. Return 0 or -errno; they print nothing. */
int og_tcx_attach(int prog_fd, __u32 ifindex, enum og_hook hook);
int og_clsact_attach(int prog_fd, __u32 ifindex, enum og_hook hook);
/* Remove every offguard program from this device and hook, nothing else. */
int og_detach_ours(__u32 ifindex, enum og_hook hook, unsigned int *removed);

/* Reads og_config; false if there is no entry. */
bool og_config_get(const struct og_instance *inst, __u32 ifindex,
		   enum og_hook hook, struct og_dev_conf *conf);

/* Possible CPUs, for per-CPU map values (cached). */
int og_nr_cpus(void);

static inline bool og_hook_is_tc(unsigned int hook)
{
	return hook == OG_HOOK_TC_INGRESS || hook == OG_HOOK_TC_EGRESS;
}

#define OG_HOOK_BIT(h)		(1U << (h))
#define OG_HOOKS_TC		(OG_HOOK_BIT(OG_HOOK_TC_INGRESS) |	\
				 OG_HOOK_BIT(OG_HOOK_TC_EGRESS))

#endif /* OG_INSTANCE_H */
