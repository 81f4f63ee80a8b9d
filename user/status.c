// SPDX-License-Identifier: GPL-2.0-only
/*
 * offguard status: what the kernel offers offguard, and what offguard has
 * attached where in this network namespace, checked against the kernel
 * rather than trusted from og_config.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "offguard/offguard.h"
#include "commands.h"
#include "instance.h"
#include "kdrop.h"
#include "json_writer.h"
#include "segd.h"
#include "logging.h"
#include "names.h"
#include "util.h"

static const char status_usage[] = "offguard status [-j]";

#define OG_KFUNC_CAST	"bpf_cast_to_kern_ctx"

struct features {
	bool		btf;
	bool		tcx;
	bool		kfunc_cast;
	bool		pinned;
	bool		kdrop;		/* the drop watcher runs */
	struct og_kdrop	kdrop_ids;
};

/* One line of the table: an og_config entry, or a live orphan. */
struct row {
	__u32			ifindex;
	enum og_hook		hook;
	bool			have_conf;	/* false: attached, no settings */
	struct og_dev_conf	conf;
	bool			attached;
};

static int row_cmp(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	if (x->ifindex != y->ifindex)
		return x->ifindex < y->ifindex ? -1 : 1;
	if (x->hook != y->hook)
		return x->hook < y->hook ? -1 : 1;
	return x->conf.prog_id < y->conf.prog_id ? -1 :
	       x->conf.prog_id > y->conf.prog_id;
}

static struct row *row_add(struct row **rows, unsigned int *n,
			   unsigned int *cap)
{
	if (*n == *cap) {
		unsigned int ncap = *cap ? *cap * 2 : 16;
		struct row *p = realloc(*rows, ncap * sizeof(*p));

		if (!p)
			return NULL;
		*rows = p;
		*cap = ncap;
	}
	memset(&(*rows)[*n], 0, sizeof(**rows));
	return &(*rows)[(*n)++];
}

static bool live_has(const struct og_instance *inst, __u32 ifindex,
		     enum og_hook hook, __u32 prog_id, bool *used)
{
	unsigned int i;

	for (i = 0; i < inst->nr_live; i++) {
		const struct og_live *l = &inst->live[i];

		if (l->ifindex == ifindex && l->hook == hook &&
		    l->prog_id == prog_id) {
			used[i] = true;
			return true;
		}
	}
	return false;
}

static int collect(const struct og_instance *inst, struct row **rows,
		   unsigned int *nr)
{
	struct og_dev_key key, next, *prev = NULL;
	unsigned int cap = 0, i;
	bool *used;
	struct row *r;

	used = calloc(inst->nr_live + 1, sizeof(*used));
	if (!used)
		return -ENOMEM;
	while (inst->have_maps &&
	       !bpf_map_get_next_key(inst->map_fd[OG_MAP_CONFIG], prev,
				     &next)) {
		key = next;
		prev = &key;
		r = row_add(rows, nr, &cap);
		if (!r)
			goto nomem;
		r->ifindex = key.ifindex;
		r->hook = key.hook;
		r->have_conf = !bpf_map_lookup_elem(inst->map_fd[OG_MAP_CONFIG],
						    &key, &r->conf);
		r->attached = r->have_conf &&
			      live_has(inst, key.ifindex, key.hook,
				       r->conf.prog_id, used);
	}
	/* ours on a device, but og_config does not know it: show it too */
	for (i = 0; i < inst->nr_live; i++) {
		if (used[i])
			continue;
		r = row_add(rows, nr, &cap);
		if (!r)
			goto nomem;
		r->ifindex = inst->live[i].ifindex;
		r->hook = inst->live[i].hook;
		r->conf.attach_mode = inst->live[i].mode;
		r->conf.prog_id = inst->live[i].prog_id;
		r->attached = true;
	}
	free(used);
	if (*nr)
		qsort(*rows, *nr, sizeof(**rows), row_cmp);
	return 0;
nomem:
	free(used);
	return -ENOMEM;
}

static bool pins_are(const struct og_instance *inst)
{
	struct bpf_map_info info;
	__u32 len = sizeof(info);
	bool same = false;
	int fd;

	if (!inst->have_maps || !og_bpffs_mounted())
		return false;
	fd = bpf_obj_get(og_pin_path(OG_PIN_COUNTERS));
	if (fd < 0)
		return false;
	memset(&info, 0, sizeof(info));
	if (!bpf_obj_get_info_by_fd(fd, &info, &len))
		same = info.id == inst->map_id[OG_MAP_COUNTERS];
	close(fd);
	return same;
}

/*
 * segd instances (their pins): a segd holds the XDP hook of its --in,
 * which offguard's own XDP program then cannot take.
 */
#define STATUS_SEGD_MAX	16

static void status_segd(struct json_writer *jw)
{
	struct og_segd_view v[STATUS_SEGD_MAX];
	int n = og_segd_read(v, STATUS_SEGD_MAX);

	if (n < 0)
		n = 0;
	if (jw)
		og_segd_json(jw, v, n, false);
	else
		og_segd_text(v, n, false);
}

static void print_json(const struct features *f,
		       const struct og_instance *inst,
		       const struct row *rows, unsigned int nr)
{
	struct json_writer *jw = jw_new(stdout, og_pretty);
	char name[IF_NAMESIZE];
	unsigned int i;

	if (!jw)
		return;
	jw_start_object(jw);
	jw_name(jw, "features");
	jw_start_object(jw);
	jw_bool_field(jw, "btf", f->btf);
	jw_bool_field(jw, "tcx", f->tcx);
	jw_bool_field(jw, "kfunc_" OG_KFUNC_CAST, f->kfunc_cast);
	jw_string_field(jw, "bpffs", og_pin_path(NULL));
	jw_bool_field(jw, "pinned", f->pinned);
	jw_string_field(jw, "libbpf", libbpf_version_string());
	jw_end_object(jw);
	jw_string_field(jw, "instance", inst->found_by);
	jw_name(jw, "drop_watcher");
	if (f->kdrop) {
		jw_start_object(jw);
		jw_string_field(jw, "attach", "tp_btf/kfree_skb");
		jw_u64_field(jw, "link_id", f->kdrop_ids.link_id);
		jw_u64_field(jw, "prog_id", f->kdrop_ids.prog_id);
		jw_end_object(jw);
	} else {
		jw_null(jw);
	}

	status_segd(jw);

	jw_name(jw, "attachments");
	jw_start_array(jw);
	for (i = 0; i < nr; i++) {
		const struct row *r = &rows[i];

		jw_start_object(jw);
		jw_string_field(jw, "ifname", og_ifname(r->ifindex, name));
		jw_u64_field(jw, "ifindex", r->ifindex);
		jw_string_field(jw, "hook", og_hook_name(r->hook));
		jw_string_field(jw, "policy", r->have_conf ?
				og_policy_name(r->conf.policy) : NULL);
		jw_string_field(jw, "mode",
				og_attach_mode_name(r->conf.attach_mode));
		jw_u64_field(jw, "prog_id", r->conf.prog_id);
		jw_bool_field(jw, "attached", r->attached);
		jw_bool_field(jw, "writer_omits_csum",
			      r->conf.flags & OG_CONF_WRITER_OMITS_CSUM);
		if (r->hook == OG_HOOK_XDP)
			jw_bool_field(jw, "no_link_header",
				      r->conf.flags & OG_CONF_NO_LINK_HDR);
		jw_u64_field(jw, "mtu", r->conf.mtu);
		if (r->have_conf)
			jw_u64_field(jw, "attached_ns", r->conf.attached_ns);
		else
			jw_null_field(jw, "attached_ns");
		jw_end_object(jw);
	}
	jw_end_array(jw);
	jw_end_object(jw);
	jw_destroy(&jw);
}

#define NCOLS	9

static void print_text(const struct features *f, const struct row *rows,
		       unsigned int nr)
{
	static const char *const head[NCOLS] = {
		"IFNAME", "IFINDEX", "HOOK", "POLICY", "MODE", "PROG_ID",
		"ATTACHED", "FLAGS", "MTU",
	};
	char (*cells)[NCOLS][32];
	size_t width[NCOLS];
	unsigned int i, c;

	printf("features: btf %s, tcx %s, kfunc %s %s, bpffs %s%s\n",
	       f->btf ? "yes" : "no", f->tcx ? "yes" : "no (clsact)",
	       OG_KFUNC_CAST, f->kfunc_cast ? "yes" : "no", og_pin_path(NULL),
	       f->pinned ? " (maps pinned)" : "");
	if (f->kdrop)
		printf("drop watcher: tp_btf/kfree_skb, link %u, prog %u\n",
		       f->kdrop_ids.link_id, f->kdrop_ids.prog_id);
	else
		printf("drop watcher: not running\n");
	status_segd(NULL);
	if (!nr) {
		printf("no offguard attachments in this network namespace\n");
		return;
	}

	cells = calloc(nr, sizeof(*cells));
	if (!cells)
		return;
	for (c = 0; c < NCOLS; c++)
		width[c] = strlen(head[c]);
	for (i = 0; i < nr; i++) {
		const struct row *r = &rows[i];
		char name[IF_NAMESIZE];

		snprintf(cells[i][0], 32, "%s",
			 og_ifname(r->ifindex, name) ?: "(gone)");
		snprintf(cells[i][1], 32, "%u", r->ifindex);
		snprintf(cells[i][2], 32, "%s", og_hook_name(r->hook) ?: "?");
		snprintf(cells[i][3], 32, "%s", r->have_conf ?
			 og_policy_name(r->conf.policy) ?: "?" : "-");
		snprintf(cells[i][4], 32, "%s",
			 og_attach_mode_name(r->conf.attach_mode) ?: "?");
		snprintf(cells[i][5], 32, "%u", r->conf.prog_id);
		snprintf(cells[i][6], 32, "%s", r->attached ? "yes" : "NO");
		snprintf(cells[i][7], 32, "%s",
			 r->conf.flags & OG_CONF_WRITER_OMITS_CSUM ?
			 "writer_omits_csum" :
			 r->hook == OG_HOOK_XDP &&
			 (r->conf.flags & OG_CONF_NO_LINK_HDR) ?
			 "no_link_header" : "-");
		if (r->conf.mtu)
			snprintf(cells[i][8], 32, "%u", r->conf.mtu);
		else
			snprintf(cells[i][8], 32, "-");
		for (c = 0; c < NCOLS; c++)
			if (strlen(cells[i][c]) > width[c])
				width[c] = strlen(cells[i][c]);
	}
	for (c = 0; c < NCOLS; c++)
		printf("%-*s%s", (int)(c + 1 < NCOLS ? width[c] : 0), head[c],
		       c + 1 < NCOLS ? "  " : "\n");
	for (i = 0; i < nr; i++)
		for (c = 0; c < NCOLS; c++)
			printf("%-*s%s", (int)(c + 1 < NCOLS ? width[c] : 0),
			       cells[i][c], c + 1 < NCOLS ? "  " : "\n");
	free(cells);
}

static void status_help(void)
{
	printf("usage: %s\n"
	       "\n"
	       "Kernel features offguard uses, and every offguard attachment in this\n"
	       "network namespace: device, hook, policy, mode (tc: tcx or clsact; XDP:\n"
	       "xdp_native or xdp_skb), program id, and whether the program is still\n"
	       "attached (asked of the kernel); the drop watcher, if it runs; and each\n"
	       "segd (its XDP program holds its --in device's hook).\n",
	       status_usage);
}

int cmd_status(int argc, char **argv)
{
	static const struct option opts[] = {
		OG_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct og_instance inst;
	struct features f = {};
	struct row *rows = NULL;
	unsigned int nr = 0;
	int c, err, rc = OG_EXIT_OK;

	og_getopt_reset();
	while ((c = getopt_long(argc, argv, OG_COMMON_SHORTOPTS, opts,
				NULL)) != -1) {
		if (og_common_opt(c))
			continue;
		if (c == 'h') {
			status_help();
			return OG_EXIT_OK;
		}
		return og_bad_option("status", status_usage, c, argc, argv);
	}
	if (optind < argc)
		return og_usage_error(status_usage,
				      "status: unexpected argument '%s'",
				      argv[optind]);
	if (og_check_root()) {
		p_err("status: %s", og_errstr(-EPERM));
		return OG_EXIT_FAIL;
	}

	f.btf = !og_check_btf();
	f.tcx = og_probe_tcx();
	f.kfunc_cast = og_probe_kfunc(OG_KFUNC_CAST);

	og_instance_init(&inst);
	err = og_instance_find(&inst);
	if (err) {
		p_err("status: cannot look for offguard's programs: %s",
		      og_errstr(err));
		rc = OG_EXIT_FAIL;
		goto out;
	}
	og_instance_pin(&inst, "status", false);
	f.pinned = pins_are(&inst);
	f.kdrop = og_kdrop_find(&inst, &f.kdrop_ids);

	err = collect(&inst, &rows, &nr);
	if (err) {
		p_err("status: %s", og_errstr(err));
		rc = OG_EXIT_FAIL;
		goto out;
	}
	if (og_json)
		print_json(&f, &inst, rows, nr);
	else
		print_text(&f, rows, nr);
out:
	free(rows);
	og_instance_close(&inst);
	return rc;
}
