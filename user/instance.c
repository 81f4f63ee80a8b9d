// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "offguard/offguard.h"
#include "maps.skel.h"
#include "tc_guard.skel.h"

#include "compat.h"
#include "instance.h"
#include "kconsts.h"
#include "logging.h"
#include "names.h"
#include "util.h"
#include "xdp.h"

/* More programs than any sane tcx hook holds; extra ones are not looked at. */
#define OG_MAX_QUERY	256
/* A program uses a handful of maps (ours: three plus .rodata). */
#define OG_MAX_PROG_MAPS	64

static const char *const map_names[__OG_MAP_NR] = {
	[OG_MAP_COUNTERS]	= "og_counters",
	[OG_MAP_DEVSTATS]	= "og_devstats",
	[OG_MAP_CONFIG]		= "og_config",
	[OG_MAP_SAMPLES]	= "og_samples",
};

static const char *const map_pins[__OG_MAP_NR] = {
	[OG_MAP_COUNTERS]	= OG_PIN_COUNTERS,
	[OG_MAP_DEVSTATS]	= OG_PIN_DEVSTATS,
	[OG_MAP_CONFIG]		= OG_PIN_CONFIG,
	[OG_MAP_SAMPLES]	= OG_PIN_SAMPLES,
};

/* The shape this offguard expects; anything else is another version. */
static const struct {
	__u32	type;
	__u32	key_size;
	__u32	value_size;
} map_shapes[__OG_MAP_NR] = {
	[OG_MAP_COUNTERS] = { BPF_MAP_TYPE_PERCPU_HASH,
			      sizeof(struct og_counter_key),
			      sizeof(struct og_counter) },
	[OG_MAP_DEVSTATS] = { BPF_MAP_TYPE_PERCPU_HASH,
			      sizeof(struct og_dev_key),
			      sizeof(struct og_dev_stats) },
	[OG_MAP_CONFIG]	  = { BPF_MAP_TYPE_HASH,
			      sizeof(struct og_dev_key),
			      sizeof(struct og_dev_conf) },
	[OG_MAP_SAMPLES]  = { BPF_MAP_TYPE_RINGBUF, 0, 0 },
};

static const char *const prog_names[__OG_HOOK_MAX] = {
	[OG_HOOK_TC_INGRESS]	= "og_tc_ingress",
	[OG_HOOK_TC_EGRESS]	= "og_tc_egress",
	[OG_HOOK_XDP]		= "og_xdp",
	[OG_HOOK_KDROP]		= "og_kdrop",
};

int og_nr_cpus(void)
{
	static int n;

	if (!n) {
		n = libbpf_num_possible_cpus();
		if (n <= 0)
			n = 1;
	}
	return n;
}

static enum bpf_attach_type tcx_type(enum og_hook hook)
{
	return hook == OG_HOOK_TC_INGRESS ? OG_BPF_TCX_INGRESS :
					    OG_BPF_TCX_EGRESS;
}

/*
 * libbpf reports netlink's extended ack at warning level ("Parent Qdisc
 * doesn't exists"); for a query that is the ordinary answer "no clsact
 * here", so libbpf is muted around it.
 */
static int quiet_print(enum libbpf_print_level level, const char *fmt,
		       va_list ap)
{
	return 0;
}

static int tc_query_quiet(struct bpf_tc_hook *h, struct bpf_tc_opts *o)
{
	libbpf_print_fn_t old = libbpf_set_print(quiet_print);
	int err = bpf_tc_query(h, o);

	libbpf_set_print(old);
	return err;
}

static void tc_ids(__u32 ifindex, enum og_hook hook, struct bpf_tc_hook *h,
		   struct bpf_tc_opts *o)
{
	memset(h, 0, sizeof(*h));
	h->sz = sizeof(*h);
	h->ifindex = ifindex;
	h->attach_point = hook == OG_HOOK_TC_INGRESS ? BPF_TC_INGRESS :
						       BPF_TC_EGRESS;
	memset(o, 0, sizeof(*o));
	o->sz = sizeof(*o);
	o->handle = OG_TC_HANDLE;
	o->priority = hook == OG_HOOK_TC_INGRESS ? OG_TC_PRIO_INGRESS :
						   OG_TC_PRIO_EGRESS;
}

void og_instance_init(struct og_instance *inst)
{
	int i;

	memset(inst, 0, sizeof(*inst));
	for (i = 0; i < __OG_MAP_NR; i++)
		inst->map_fd[i] = -1;
	for (i = 0; i < __OG_HOOK_MAX; i++)
		inst->prog_fd[i] = -1;
}

static void drop_maps(struct og_instance *inst)
{
	int i;

	for (i = 0; i < __OG_MAP_NR; i++) {
		if (inst->map_fd[i] >= 0)
			close(inst->map_fd[i]);
		inst->map_fd[i] = -1;
		inst->map_id[i] = 0;
	}
	inst->have_maps = false;
}

void og_instance_close(struct og_instance *inst)
{
	int i;

	drop_maps(inst);
	for (i = 0; i < __OG_HOOK_MAX; i++) {
		if (inst->prog_fd[i] >= 0)
			close(inst->prog_fd[i]);
		inst->prog_fd[i] = -1;
	}
	free(inst->live);
	og_instance_init(inst);
}

static int map_info(int fd, struct bpf_map_info *info)
{
	__u32 len = sizeof(*info);

	memset(info, 0, sizeof(*info));
	return bpf_obj_get_info_by_fd(fd, info, &len) ? -errno : 0;
}

static int prog_info(int fd, struct bpf_prog_info *info, __u32 *map_ids,
		     __u32 nr_map_ids)
{
	__u32 len = sizeof(*info);

	memset(info, 0, sizeof(*info));
	if (map_ids) {
		info->nr_map_ids = nr_map_ids;
		info->map_ids = (__u64)(uintptr_t)map_ids;
	}
	return bpf_obj_get_info_by_fd(fd, info, &len) ? -errno : 0;
}

static __u32 fd_id(int fd, bool is_prog)
{
	struct bpf_prog_info pi;
	struct bpf_map_info mi;

	if (is_prog)
		return prog_info(fd, &pi, NULL, 0) ? 0 : pi.id;
	return map_info(fd, &mi) ? 0 : mi.id;
}

/* Index into map_names of a map called 'name', or -1. */
static int map_idx_by_name(const char *name)
{
	int i;

	for (i = 0; i < __OG_MAP_NR; i++)
		if (!strcmp(name, map_names[i]))
			return i;
	return -1;
}

/*
 * Open prog_id and keep the fd if it is an offguard program: named like one
 * of ours and using a map named og_counters. The name alone could be
 * anyone's; the map ties it to offguard's layout.
 */
static int prog_open_ours(__u32 prog_id, enum og_hook *hook,
			  __u32 map_ids[__OG_MAP_NR])
{
	__u32 ids[OG_MAX_PROG_MAPS], nr, i, found[__OG_MAP_NR] = {};
	struct bpf_prog_info info;
	enum og_hook h = OG_HOOK_UNSPEC;
	int fd, j;

	fd = bpf_prog_get_fd_by_id(prog_id);
	if (fd < 0)
		return -1;
	if (prog_info(fd, &info, NULL, 0))
		goto not_ours;
	for (j = 0; j < __OG_HOOK_MAX; j++)
		if (prog_names[j] && !strcmp(info.name, prog_names[j]))
			h = j;
	/* the drop watcher comes in one variant per tracepoint signature */
	if (!strncmp(info.name, prog_names[OG_HOOK_KDROP],
		     strlen(prog_names[OG_HOOK_KDROP])))
		h = OG_HOOK_KDROP;
	if (h == OG_HOOK_UNSPEC || !info.nr_map_ids)
		goto not_ours;
	nr = info.nr_map_ids < OG_MAX_PROG_MAPS ? info.nr_map_ids :
						  OG_MAX_PROG_MAPS;
	if (prog_info(fd, &info, ids, nr))
		goto not_ours;
	for (i = 0; i < nr; i++) {
		struct bpf_map_info mi;
		int mfd = bpf_map_get_fd_by_id(ids[i]);

		if (mfd < 0)
			continue;
		if (!map_info(mfd, &mi)) {
			j = map_idx_by_name(mi.name);
			if (j >= 0)
				found[j] = mi.id;
		}
		close(mfd);
	}
	if (!found[OG_MAP_COUNTERS])
		goto not_ours;
	if (hook)
		*hook = h;
	if (map_ids)
		memcpy(map_ids, found, sizeof(found));
	return fd;
not_ours:
	close(fd);
	return -1;
}

/*
 * Answers are cached: a scan asks about the same few programs once per
 * device and hook, and a program id is never reused while the kernel runs
 * long enough for this process to notice (the id space is 31 bits, and
 * ids are handed out cyclically).
 */
#define OG_PROG_CACHE	32

static struct {
	__u32		prog_id;
	bool		ours;
	enum og_hook	hook;
	__u32		map_ids[__OG_MAP_NR];
} prog_cache[OG_PROG_CACHE];
static unsigned int prog_cache_next;

bool og_prog_is_ours(__u32 prog_id, enum og_hook *hook,
		     __u32 map_ids[__OG_MAP_NR])
{
	__u32 ids[__OG_MAP_NR] = {};
	enum og_hook h = OG_HOOK_UNSPEC;
	unsigned int i;
	int fd;

	if (!prog_id)
		return false;
	for (i = 0; i < OG_PROG_CACHE; i++)
		if (prog_cache[i].prog_id == prog_id)
			goto found;

	fd = prog_open_ours(prog_id, &h, ids);
	/* a program that vanished may not be asked about again: not cached */
	if (fd < 0 && errno == ENOENT)
		return false;
	i = prog_cache_next++ % OG_PROG_CACHE;
	prog_cache[i].prog_id = prog_id;
	prog_cache[i].ours = fd >= 0;
	prog_cache[i].hook = h;
	memcpy(prog_cache[i].map_ids, ids, sizeof(ids));
	if (fd >= 0)
		close(fd);
found:
	if (!prog_cache[i].ours)
		return false;
	if (hook)
		*hook = prog_cache[i].hook;
	if (map_ids)
		memcpy(map_ids, prog_cache[i].map_ids, sizeof(ids));
	return true;
}

/* 0 if fd is the map 'idx' in the shape this offguard uses. */
static int map_check(int fd, int idx, __u32 *id)
{
	struct bpf_map_info mi;
	int err = map_info(fd, &mi);

	if (err)
		return err;
	if (strcmp(mi.name, map_names[idx]) ||
	    mi.type != map_shapes[idx].type ||
	    mi.key_size != map_shapes[idx].key_size ||
	    mi.value_size != map_shapes[idx].value_size) {
		pr_debug("map %u (%s): not offguard's %s or another shape\n",
			 mi.id, mi.name, map_names[idx]);
		return -ESTALE;
	}
	*id = mi.id;
	return 0;
}

/* Take the three maps by id (from one of our programs). */
static int adopt_maps_by_id(struct og_instance *inst,
			    const __u32 ids[__OG_MAP_NR])
{
	int i, err;

	for (i = 0; i < __OG_MAP_NR; i++) {
		if (!ids[i]) {
			err = -ENOENT;
			goto fail;
		}
		inst->map_fd[i] = bpf_map_get_fd_by_id(ids[i]);
		if (inst->map_fd[i] < 0) {
			err = -errno;
			goto fail;
		}
		err = map_check(inst->map_fd[i], i, &inst->map_id[i]);
		if (err)
			goto fail;
	}
	inst->have_maps = true;
	return 0;
fail:
	pr_debug("cannot use map %s (id %u): %s\n", map_names[i], ids[i],
		 og_errstr(err));
	drop_maps(inst);
	return err;
}

/*
 * Is the instance behind the pinned og_counters still attached somewhere?
 * Its og_config names its programs; one alive that uses that very map
 * means the pins serve someone (another netns sharing this bpffs).
 */
static bool pinned_instance_in_use(__u32 pinned_counters_id)
{
	struct og_dev_key key, next, *prev = NULL;
	struct og_dev_conf conf;
	bool used = false;
	int fd;

	fd = bpf_obj_get(og_pin_path(OG_PIN_CONFIG));
	if (fd < 0)
		return false;
	while (!used && !bpf_map_get_next_key(fd, prev, &next)) {
		__u32 ids[__OG_MAP_NR];

		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &conf) || !conf.prog_id)
			continue;
		used = og_prog_is_ours(conf.prog_id, NULL, ids) &&
		       ids[OG_MAP_COUNTERS] == pinned_counters_id;
	}
	close(fd);
	return used;
}

static int adopt_pins(struct og_instance *inst)
{
	int i, err;

	if (!og_bpffs_mounted())
		return -ENOENT;
	for (i = 0; i < __OG_MAP_NR; i++) {
		inst->map_fd[i] = bpf_obj_get(og_pin_path(map_pins[i]));
		if (inst->map_fd[i] < 0) {
			err = -errno;
			goto fail;
		}
		err = map_check(inst->map_fd[i], i, &inst->map_id[i]);
		if (err)
			goto fail;
	}
	/*
	 * Pins are only consulted when no program of ours is attached in
	 * this netns, so a live program named in the pinned og_config is
	 * attached in another netns that shares this bpffs: those maps are
	 * not ours to share (ifindexes would collide).
	 */
	if (pinned_instance_in_use(inst->map_id[OG_MAP_COUNTERS])) {
		pr_debug("pins under %s belong to an instance attached in another network namespace; not using them\n",
			 og_pin_path(NULL));
		drop_maps(inst);
		return -EBUSY;
	}
	inst->have_maps = true;
	return 0;
fail:
	if (err != -ENOENT)
		pr_warn("offguard: ignoring pin %s: %s\n", og_pin_path(map_pins[i]),
			err == -ESTALE ? "not a map of this offguard version" :
					 og_errstr(err));
	drop_maps(inst);
	return err;
}

/* Take prog_id as the program of its hook if it belongs to inst's maps. */
static void adopt_prog(struct og_instance *inst, __u32 prog_id)
{
	__u32 ids[__OG_MAP_NR];
	enum og_hook hook;
	int fd;

	fd = prog_open_ours(prog_id, &hook, ids);
	if (fd < 0)
		return;
	if (inst->prog_fd[hook] >= 0 ||
	    ids[OG_MAP_COUNTERS] != inst->map_id[OG_MAP_COUNTERS]) {
		close(fd);
		return;
	}
	inst->prog_fd[hook] = fd;
	inst->prog_id[hook] = prog_id;
}

static int live_add(struct og_live *out, unsigned int max, unsigned int *n,
		    const struct og_live *l)
{
	if (*n < max)
		out[*n] = *l;
	(*n)++;
	return 0;
}

int og_live_query(__u32 ifindex, enum og_hook hook, struct og_live *out,
		  unsigned int max)
{
	__u32 ids[OG_MAX_QUERY], cnt = OG_MAX_QUERY, aflags = 0, i;
	struct bpf_tc_hook h;
	struct bpf_tc_opts o;
	unsigned int n = 0;
	struct og_live l = { .ifindex = ifindex, .hook = hook };
	int err;

	if (hook == OG_HOOK_XDP) {
		if (max && og_xdp_query(ifindex, &l)) {
			out[0] = l;
			return 1;
		}
		return 0;
	}
	if (!og_hook_is_tc(hook))
		return 0;
	if (og_probe_tcx()) {
		err = bpf_prog_query(ifindex, tcx_type(hook), 0, &aflags, ids,
				     &cnt);
		/* ENOSPC: more than we asked for; look at the first ones */
		if (err && errno != ENOSPC)
			cnt = 0;
		for (i = 0; i < cnt && i < OG_MAX_QUERY; i++) {
			if (!og_prog_is_ours(ids[i], NULL, NULL))
				continue;
			l.mode = OG_ATTACH_TCX;
			l.prog_id = ids[i];
			live_add(out, max, &n, &l);
		}
	}
	/*
	 * Our clsact filter is the one with our handle and priority; a
	 * missing qdisc or filter is just "not there".
	 */
	tc_ids(ifindex, hook, &h, &o);
	if (!tc_query_quiet(&h, &o) && og_prog_is_ours(o.prog_id, NULL, NULL)) {
		l.mode = OG_ATTACH_CLSACT;
		l.prog_id = o.prog_id;
		live_add(out, max, &n, &l);
	}
	return n < max ? n : max;
}

static int scan_devices(struct og_instance *inst)
{
	static const enum og_hook hooks[] = { OG_HOOK_TC_INGRESS,
					      OG_HOOK_TC_EGRESS,
					      OG_HOOK_XDP };
	struct if_nameindex *ifs, *it;
	unsigned int cap = 0, h;
	int err = 0;

	ifs = if_nameindex();
	if (!ifs)
		return -errno;
	for (it = ifs; it->if_index; it++) {
		for (h = 0; h < sizeof(hooks) / sizeof(hooks[0]); h++) {
			struct og_live l[4];
			int n, k;

			n = og_live_query(it->if_index, hooks[h], l, 4);
			for (k = 0; k < n; k++) {
				if (inst->nr_live == cap) {
					struct og_live *p;

					cap = cap ? cap * 2 : 16;
					p = realloc(inst->live,
						    cap * sizeof(*p));
					if (!p) {
						err = -ENOMEM;
						goto out;
					}
					inst->live = p;
				}
				inst->live[inst->nr_live++] = l[k];
			}
		}
	}
out:
	if_freenameindex(ifs);
	return err;
}

bool og_live_find(const struct og_instance *inst, __u32 ifindex,
		  enum og_hook hook, struct og_live *out)
{
	unsigned int i;

	for (i = 0; i < inst->nr_live; i++) {
		if (inst->live[i].ifindex == ifindex &&
		    inst->live[i].hook == hook) {
			if (out)
				*out = inst->live[i];
			return true;
		}
	}
	return false;
}

bool og_config_get(const struct og_instance *inst, __u32 ifindex,
		   enum og_hook hook, struct og_dev_conf *conf)
{
	struct og_dev_key key = { .ifindex = ifindex, .hook = hook };

	if (!inst->have_maps)
		return false;
	return !bpf_map_lookup_elem(inst->map_fd[OG_MAP_CONFIG], &key, conf);
}

/* Sibling programs: og_config records the prog id of every attachment. */
static void adopt_config_progs(struct og_instance *inst)
{
	struct og_dev_key key, next, *prev = NULL;
	struct og_dev_conf conf;
	int fd = inst->map_fd[OG_MAP_CONFIG];

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &conf) || !conf.prog_id)
			continue;
		if ((og_hook_is_tc(key.hook) || key.hook == OG_HOOK_XDP) &&
		    inst->prog_fd[key.hook] < 0)
			adopt_prog(inst, conf.prog_id);
	}
}

int og_instance_find(struct og_instance *inst)
{
	unsigned int i;
	int err;

	err = scan_devices(inst);
	if (err)
		return err;

	for (i = 0; i < inst->nr_live && !inst->have_maps; i++) {
		__u32 ids[__OG_MAP_NR];

		if (!og_prog_is_ours(inst->live[i].prog_id, NULL, ids))
			continue;
		if (!adopt_maps_by_id(inst, ids))
			inst->found_by = "devices";
	}
	if (!inst->have_maps && !adopt_pins(inst))
		inst->found_by = "pins";
	if (!inst->have_maps) {
		pr_debug("instance: none in this network namespace\n");
		return 0;
	}

	for (i = 0; i < inst->nr_live; i++)
		adopt_prog(inst, inst->live[i].prog_id);
	adopt_config_progs(inst);
	pr_debug("instance: found by %s: maps %u/%u/%u, progs ingress %u egress %u, %u live attachment(s)\n",
		 inst->found_by, inst->map_id[OG_MAP_COUNTERS],
		 inst->map_id[OG_MAP_DEVSTATS], inst->map_id[OG_MAP_CONFIG],
		 inst->prog_id[OG_HOOK_TC_INGRESS],
		 inst->prog_id[OG_HOOK_TC_EGRESS], inst->nr_live);
	return 0;
}

int og_instance_reuse(const struct og_instance *inst, struct bpf_object *obj)
{
	struct bpf_map *m;
	int i, err;

	if (!inst->have_maps)
		return -ENOENT;
	for (i = 0; i < __OG_MAP_NR; i++) {
		m = bpf_object__find_map_by_name(obj, map_names[i]);
		if (!m)
			continue;
		/*
		 * libbpf does not check a reused map against the object's
		 * definition; a mismatch would let the program misread the
		 * values, so refuse it here.
		 */
		if (bpf_map__key_size(m) != map_shapes[i].key_size ||
		    bpf_map__value_size(m) != map_shapes[i].value_size ||
		    bpf_map__type(m) != map_shapes[i].type)
			return -ESTALE;
		err = bpf_map__reuse_fd(m, inst->map_fd[i]);
		if (err)
			return err;
	}
	return 0;
}

/*
 * The first program of an instance: create the maps from the map-only
 * object, so they carry BTF and exist before any program or config.
 */
static int create_maps(struct og_instance *inst)
{
	struct maps *skel;
	struct bpf_map *m;
	int i, err = 0;

	skel = maps__open_and_load();
	if (!skel)
		return errno ? -errno : -EINVAL;
	for (i = 0; i < __OG_MAP_NR; i++) {
		m = bpf_object__find_map_by_name(skel->obj, map_names[i]);
		/* dup: the skeleton is destroyed below, the maps stay */
		inst->map_fd[i] = m ? dup(bpf_map__fd(m)) : -1;
		if (inst->map_fd[i] < 0) {
			err = m ? -errno : -ENOENT;
			drop_maps(inst);
			goto out;
		}
		inst->map_id[i] = fd_id(inst->map_fd[i], false);
	}
	inst->have_maps = true;
	inst->found_by = "load";
out:
	maps__destroy(skel);
	return err;
}

int og_instance_load(struct og_instance *inst, unsigned int hook_mask)
{
	struct bpf_program *progs[__OG_HOOK_MAX] = {};
	unsigned int need = 0;
	struct tc_guard *skel;
	int i, err;

	if (!inst->have_maps) {
		err = create_maps(inst);
		if (err) {
			pr_debug("creating the maps: %s\n", og_errstr(err));
			return err;
		}
	}
	for (i = 0; i < __OG_HOOK_MAX; i++)
		if ((hook_mask & OG_HOOK_BIT(i)) && og_hook_is_tc(i) &&
		    inst->prog_fd[i] < 0)
			need |= OG_HOOK_BIT(i);
	if (!need)
		return 0;

	skel = tc_guard__open();
	if (!skel)
		return errno ? -errno : -EINVAL;
	progs[OG_HOOK_TC_INGRESS] = skel->progs.og_tc_ingress;
	progs[OG_HOOK_TC_EGRESS] = skel->progs.og_tc_egress;

	og_kconsts_resolve(&skel->rodata->og_kc);
	/* og_fixture_meta stays 0: fixture metadata is for prog tests only */

	err = og_instance_reuse(inst, skel->obj);
	if (err)
		goto out;
	err = tc_guard__load(skel);
	if (err) {
		pr_debug("tc_guard load: %s\n", og_errstr(err));
		goto out;
	}
	for (i = 0; i < __OG_HOOK_MAX; i++) {
		if (!(need & OG_HOOK_BIT(i)))
			continue;
		inst->prog_fd[i] = dup(bpf_program__fd(progs[i]));
		if (inst->prog_fd[i] < 0) {
			err = -errno;
			goto out;
		}
		inst->prog_id[i] = fd_id(inst->prog_fd[i], true);
	}
	pr_debug("instance: loaded programs (ingress %u, egress %u), maps %u/%u/%u/%u\n",
		 inst->prog_id[OG_HOOK_TC_INGRESS],
		 inst->prog_id[OG_HOOK_TC_EGRESS],
		 inst->map_id[OG_MAP_COUNTERS], inst->map_id[OG_MAP_DEVSTATS],
		 inst->map_id[OG_MAP_CONFIG], inst->map_id[OG_MAP_SAMPLES]);
out:
	/*
	 * Programs nobody attaches die with the skeleton; the ones we keep
	 * are held by the dup'ed fds until attached.
	 */
	tc_guard__destroy(skel);
	return err;
}

int og_instance_pin(struct og_instance *inst, const char *what, bool fatal)
{
	int i, fd, err;

	if (!inst->have_maps)
		return 0;
	err = og_bpffs_prepare(what, fatal);
	if (err)
		return err;

	for (i = 0; i < __OG_MAP_NR; i++) {
		fd = bpf_obj_get(og_pin_path(map_pins[i]));
		if (fd >= 0) {
			__u32 id = fd_id(fd, false);

			close(fd);
			if (id == inst->map_id[i])
				continue;
			if (i == OG_MAP_COUNTERS && pinned_instance_in_use(id)) {
				og_log(fatal ? OG_LOG_WARN : OG_LOG_INFO,
				       "offguard: warning: %s: pins under %s belong to another offguard instance still attached elsewhere (another network namespace sharing this bpffs?); not replacing them\n",
				       what, og_pin_path(NULL));
				return 0;
			}
			/* a dead instance's pin: replace it */
			if (unlink(og_pin_path(map_pins[i])) && errno != ENOENT) {
				err = -errno;
				og_report(fatal, "%s: cannot remove stale pin %s: %s",
					  what, og_pin_path(map_pins[i]), og_errstr(err));
				return err;
			}
		} else if (errno != ENOENT) {
			err = -errno;
			og_report(fatal, "%s: cannot open pin %s: %s", what,
				  og_pin_path(map_pins[i]), og_errstr(err));
			return err;
		}
		if (bpf_obj_pin(inst->map_fd[i], og_pin_path(map_pins[i]))) {
			err = -errno;
			og_report(fatal, "%s: cannot pin %s: %s", what,
				  og_pin_path(map_pins[i]), og_errstr(err));
			return err;
		}
		pr_debug("pinned %s (map id %u)\n", og_pin_path(map_pins[i]),
			 inst->map_id[i]);
	}
	return 0;
}

int og_unpin_all(const struct og_instance *inst, const char *what)
{
	static const char *const files[] = {
		OG_PIN_PROG_TC_INGRESS, OG_PIN_PROG_TC_EGRESS,
	};
	unsigned int i;
	int err = 0, fd;

	/* Without a bpffs there is nothing pinned to remove. */
	if (!og_bpffs_mounted())
		return 0;

	/*
	 * Pins of another netns's live instance (a bpffs shared without a
	 * mount namespace) are theirs to remove; ours and dead ones go.
	 */
	fd = bpf_obj_get(og_pin_path(OG_PIN_COUNTERS));
	if (fd >= 0) {
		__u32 id = fd_id(fd, false);

		close(fd);
		if ((!inst->have_maps || id != inst->map_id[OG_MAP_COUNTERS]) &&
		    pinned_instance_in_use(id)) {
			pr_info("%s: pins under %s belong to an instance attached in another network namespace; left alone\n",
				what, og_pin_path(NULL));
			return 0;
		}
	}
	for (i = 0; i < __OG_MAP_NR; i++) {
		if (unlink(og_pin_path(map_pins[i])) && errno != ENOENT) {
			err = -errno;
			p_err("%s: cannot remove %s: %s", what, og_pin_path(map_pins[i]),
			      og_errstr(err));
		}
	}
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		if (unlink(og_pin_path(files[i])) && errno != ENOENT && !err) {
			err = -errno;
			p_err("%s: cannot remove %s: %s", what,
			      og_pin_path(files[i]),
			      og_errstr(err));
		}
	}
	if (rmdir(og_pin_path(OG_PIN_LINKS)) && errno != ENOENT && !err) {
		err = -errno;
		p_err("%s: cannot remove %s: %s", what,
		      og_pin_path(OG_PIN_LINKS),
		      og_errstr(err));
	}
	/* another namespace's drop watcher may still be pinned there */
	if (rmdir(og_pin_path(NULL)) && errno != ENOENT && errno != ENOTEMPTY &&
	    !err) {
		err = -errno;
		p_err("%s: cannot remove %s: %s", what, og_pin_path(NULL),
		      og_errstr(err));
	}
	return err;
}

int og_tcx_attach(int prog_fd, __u32 ifindex, enum og_hook hook)
{
	/*
	 * Ingress goes first (BPF_F_BEFORE, no relative program: the head)
	 * so it sees the metadata as delivered, before another program can
	 * change it; egress goes last (BPF_F_AFTER: the tail), the last look
	 * before the driver. libbpf 1.1's opts have no relative_fd; it zeroes
	 * the attr beyond what it knows, which is exactly "relative to none".
	 */
	LIBBPF_OPTS(bpf_prog_attach_opts, opts,
		    .flags = hook == OG_HOOK_TC_INGRESS ? OG_BPF_F_BEFORE :
							  OG_BPF_F_AFTER);
	int err;

	err = bpf_prog_attach_opts(prog_fd, ifindex, tcx_type(hook), &opts);
	return err ? -errno : 0;
}

int og_clsact_attach(int prog_fd, __u32 ifindex, enum og_hook hook)
{
	struct bpf_tc_hook h;
	struct bpf_tc_opts o;
	int err;

	tc_ids(ifindex, hook, &h, &o);
	/* clsact may already be there (ours or anyone's): that is fine */
	err = bpf_tc_hook_create(&h);
	if (err && err != -EEXIST)
		return err;
	o.prog_fd = prog_fd;
	return bpf_tc_attach(&h, &o);
}

int og_detach_ours(__u32 ifindex, enum og_hook hook, unsigned int *removed)
{
	struct og_live l[8];
	int n, i, err = 0;

	*removed = 0;
	if (hook == OG_HOOK_XDP)
		return og_xdp_detach(ifindex, removed);
	n = og_live_query(ifindex, hook, l, 8);
	for (i = 0; i < n; i++) {
		int e = 0;

		if (l[i].mode == OG_ATTACH_TCX) {
			int fd = bpf_prog_get_fd_by_id(l[i].prog_id);

			if (fd < 0)
				continue;	/* gone meanwhile */
			if (bpf_prog_detach2(fd, ifindex, tcx_type(hook)))
				e = -errno;
			close(fd);
		} else {
			struct bpf_tc_hook h;
			struct bpf_tc_opts o;

			/*
			 * Deletes by handle and priority: only our filter.
			 * The clsact qdisc itself stays even if we created
			 * it: telling whether anyone else relies on it is
			 * racy, and an empty clsact costs nothing.
			 */
			tc_ids(ifindex, hook, &h, &o);
			e = bpf_tc_detach(&h, &o);
		}
		if (e == -ENOENT || e == -ENODEV)
			continue;
		if (e) {
			pr_debug("detach prog %u from ifindex %u: %s\n",
				 l[i].prog_id, ifindex, og_errstr(e));
			if (!err)
				err = e;
			continue;
		}
		(*removed)++;
	}
	return err;
}
