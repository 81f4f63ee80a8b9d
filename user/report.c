// SPDX-License-Identifier: GPL-2.0-only
/*
 * offguard report: per-device offload mismatches, with evidence, a
 * severity and a fix. Gathers what the kernel says about each device
 * (devinfo.c) and what offguard counted there (the instance's maps), and
 * hands both to the diagnosis (diagnose.c).
 *
 * Devices reported: those offguard watches or holds counters for; with
 * --all-devices every device of the network namespace (configuration
 * alone can show a mismatch: an MTU step inside a bridge, tx checksumming
 * switched off). Every device is input either way: a bridge port's
 * finding names the other port.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>

#include "offguard/offguard.h"
#include "commands.h"
#include "counters.h"
#include "devinfo.h"
#include "diagnose.h"
#include "instance.h"
#include "json_writer.h"
#include "logging.h"
#include "names.h"
#include "util.h"

static const char report_usage[] = "offguard report [-j] [--all-devices]";

struct rep {
	struct og_diag_dev	*dev;
	unsigned int		nr, cap;
	bool			*has_data;	/* per dev: offguard holds data */
};

static struct og_diag_dev *rep_dev(struct rep *r, __u32 ifindex)
{
	unsigned int i;

	for (i = 0; i < r->nr; i++)
		if (r->dev[i].info.ifindex == ifindex)
			return &r->dev[i];
	if (r->nr == r->cap) {
		unsigned int cap = r->cap ? r->cap * 2 : 16;
		struct og_diag_dev *p = realloc(r->dev, cap * sizeof(*p));
		bool *h = realloc(r->has_data, cap * sizeof(*h));

		if (h)
			r->has_data = h;
		if (!p || !h) {
			if (p)
				r->dev = p;
			return NULL;
		}
		r->dev = p;
		r->cap = cap;
	}
	memset(&r->dev[r->nr], 0, sizeof(r->dev[0]));
	r->has_data[r->nr] = false;
	r->dev[r->nr].info.ifindex = ifindex;
	return &r->dev[r->nr++];
}

static int mark(struct rep *r, struct og_diag_dev *d)
{
	r->has_data[d - r->dev] = true;
	return 0;
}

static int on_counter(const struct og_counter_key *k,
		      const struct og_counter *sum, void *arg)
{
	struct og_diag_dev *d = rep_dev(arg, k->ifindex);

	if (!d)
		return -ENOMEM;
	d->reason[k->hook][k->reason] = *sum;
	return mark(arg, d);
}

static int on_devstats(const struct og_dev_key *k,
		       const struct og_dev_stats *sum, void *arg)
{
	struct og_diag_dev *d = rep_dev(arg, k->ifindex);

	if (!d)
		return -ENOMEM;
	d->st[k->hook] = *sum;
	return mark(arg, d);
}

static int gather(const struct og_instance *inst, struct rep *r)
{
	struct og_devinfo *infos = NULL;
	unsigned int n = 0, i, h;
	int err;

	err = og_devinfo_list(&infos, &n);
	if (err)
		return err;
	for (i = 0; i < n; i++) {
		struct og_diag_dev *d = rep_dev(r, infos[i].ifindex);

		if (!d) {
			free(infos);
			return -ENOMEM;
		}
		d->info = infos[i];
		d->have_info = true;
	}
	free(infos);
	if (!inst->have_maps)
		return 0;

	err = og_counters_walk(inst->map_fd[OG_MAP_COUNTERS], on_counter, r) ?:
	      og_devstats_walk(inst->map_fd[OG_MAP_DEVSTATS], on_devstats, r);
	if (err)
		return err;
	for (i = 0; i < r->nr; i++) {
		struct og_diag_dev *d = &r->dev[i];

		for (h = 0; h < __OG_HOOK_MAX; h++) {
			d->have_conf[h] = og_config_get(inst, d->info.ifindex,
							h, &d->conf[h]);
			if (og_live_find(inst, d->info.ifindex, h, NULL))
				d->watched = true;
		}
		if (d->watched)
			r->has_data[i] = true;
	}
	return 0;
}

static const char *kind_str(const struct og_devinfo *in)
{
	if (!strcmp(in->kind, "tun"))
		return in->is_tap ? "tap" : "tun";
	return in->kind[0] ? in->kind : "device";
}

static void json_features(struct json_writer *jw, const struct og_devinfo *in)
{
	jw_name(jw, "features");
	if (in->have_features)
		og_devinfo_json_features(jw, in);
	else
		jw_null(jw);
}

static void json_finding(struct json_writer *jw, const struct og_finding *f)
{
	unsigned int k;

	jw_start_object(jw);
	jw_string_field(jw, "id", f->id);
	jw_string_field(jw, "severity", og_severity_name(f->severity));
	jw_string_field(jw, "summary", f->summary);
	jw_name(jw, "evidence");
	jw_start_object(jw);
	for (k = 0; k < f->nr_ev; k++)
		jw_string_field(jw, f->ev[k].key, f->ev[k].val);
	jw_end_object(jw);
	jw_string_field(jw, "fix", f->fix);
	jw_end_object(jw);
}

static bool shown(const struct rep *r, unsigned int i, bool all)
{
	return all || r->has_data[i];
}

static void print_json(const struct rep *r, const struct og_finding *f,
		       unsigned int nf, bool all)
{
	struct json_writer *jw = jw_new(stdout, og_pretty);
	unsigned int i, k, total = 0;

	if (!jw)
		return;
	jw_start_object(jw);
	jw_name(jw, "devices");
	jw_start_array(jw);
	for (i = 0; i < r->nr; i++) {
		const struct og_diag_dev *d = &r->dev[i];

		if (!shown(r, i, all))
			continue;
		jw_start_object(jw);
		jw_string_field(jw, "ifname", d->have_info ? d->info.name :
				NULL);
		jw_u64_field(jw, "ifindex", d->info.ifindex);
		if (d->have_info) {
			jw_string_field(jw, "kind", kind_str(&d->info));
			jw_string_field(jw, "driver", d->info.driver);
			jw_u64_field(jw, "mtu", d->info.mtu);
			jw_u64_field(jw, "gso_max_size", d->info.gso_max_size);
			jw_u64_field(jw, "gso_max_segs", d->info.gso_max_segs);
			json_features(jw, &d->info);
		}
		jw_bool_field(jw, "watched", d->watched);
		jw_name(jw, "findings");
		jw_start_array(jw);
		for (k = 0; k < nf; k++)
			if (f[k].dev == i) {
				json_finding(jw, &f[k]);
				total++;
			}
		jw_end_array(jw);
		jw_end_object(jw);
	}
	jw_end_array(jw);
	jw_u64_field(jw, "findings_total", total);
	jw_end_object(jw);
	jw_destroy(&jw);
}

static void print_text(const struct rep *r, const struct og_finding *f,
		       unsigned int nf, bool all)
{
	unsigned int i, k, e, devs = 0, total = 0;

	for (i = 0; i < r->nr; i++) {
		const struct og_diag_dev *d = &r->dev[i];
		bool head = false;

		if (!shown(r, i, all))
			continue;
		devs++;
		for (k = 0; k < nf; k++) {
			if (f[k].dev != i)
				continue;
			if (!head) {
				if (d->have_info)
					printf("%s (%s, driver %s, MTU %u%s)\n",
					       d->info.name,
					       kind_str(&d->info),
					       d->info.driver[0] ?
					       d->info.driver : "-",
					       d->info.mtu,
					       d->watched ? ", watched" : "");
				else
					printf("ifindex %u (gone)\n",
					       d->info.ifindex);
				head = true;
			}
			printf("  [%s] %s: %s\n", og_severity_name(f[k].severity),
			       f[k].id, f[k].summary);
			printf("    evidence:");
			for (e = 0; e < f[k].nr_ev; e++)
				printf(" %s=%s", f[k].ev[e].key, f[k].ev[e].val);
			printf("\n    fix: %s\n", f[k].fix);
			total++;
		}
	}
	if (!total)
		printf("no offload mismatches on %u device%s\n", devs,
		       devs == 1 ? "" : "s");
	else
		printf("%u finding%s on %u device%s\n", total,
		       total == 1 ? "" : "s", devs, devs == 1 ? "" : "s");
}

static void report_help(void)
{
	printf("usage: %s\n"
	       "\n"
	       "Per-device offload mismatches: what is wrong in the setup of each device\n"
	       "offguard watches (or every device, --all-devices), with the evidence\n"
	       "(offguard's counters, the device's features), a severity (error: packets\n"
	       "lost or corrupted; warning: throughput paid or a fault hidden; info) and a\n"
	       "fix. Ids are stable: tx_csum_in_software, gso_in_software, writer_bad_seed,\n"
	       "writer_bad_metadata, gso_exceeds_mtu, mtu_mismatch, udp_gso_no_tx_csum,\n"
	       "tx_csum_off_without_cause, wire_leaked_partial, wire_bad_checksums,\n"
	       "wire_oversize, kernel_checksum_drops.\n"
	       "\n"
	       "  --all-devices   every device of this network namespace\n"
	       "  -j, -p, -v      JSON, pretty JSON, verbose\n",
	       report_usage);
}

int cmd_report(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "all-devices",	no_argument, NULL, 'A' },
		OG_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct og_finding *findings = NULL;
	struct og_instance inst;
	struct rep r = {};
	unsigned int nf = 0;
	bool all = false;
	int c, err, rc = OG_EXIT_OK;

	og_getopt_reset();
	while ((c = getopt_long(argc, argv, OG_COMMON_SHORTOPTS, opts,
				NULL)) != -1) {
		if (og_common_opt(c))
			continue;
		switch (c) {
		case 'h':
			report_help();
			return OG_EXIT_OK;
		case 'A':
			all = true;
			break;
		default:
			return og_bad_option("report", report_usage, c, argc,
					     argv);
		}
	}
	if (optind < argc)
		return og_usage_error(report_usage,
				      "report: unexpected argument '%s'",
				      argv[optind]);
	if (og_check_root()) {
		p_err("report: %s", og_errstr(-EPERM));
		return OG_EXIT_FAIL;
	}

	og_instance_init(&inst);
	err = og_instance_find(&inst);
	if (err) {
		p_err("report: cannot look for offguard's programs: %s",
		      og_errstr(err));
		rc = OG_EXIT_FAIL;
		goto out;
	}
	err = gather(&inst, &r);
	if (err) {
		p_err("report: reading devices and counters: %s",
		      og_errstr(err));
		rc = OG_EXIT_FAIL;
		goto out;
	}
	err = og_diagnose(r.dev, r.nr, &findings, &nf);
	if (err) {
		p_err("report: %s", og_errstr(err));
		rc = OG_EXIT_FAIL;
		goto out;
	}
	if (og_json)
		print_json(&r, findings, nf, all);
	else
		print_text(&r, findings, nf, all);
out:
	free(findings);
	free(r.dev);
	free(r.has_data);
	og_instance_close(&inst);
	return rc;
}
