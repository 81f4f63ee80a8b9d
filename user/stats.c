// SPDX-License-Identifier: GPL-2.0-only
/*
 * offguard stats: per device and hook statistics (og_devstats) and rule
 * counters (og_counters), summed over CPUs. JSON is DESIGN §6's contract.
 *
 * Interval mode (-i N) prints, every N seconds, what happened during the
 * last N seconds. JSON keeps exact integers: each line is one compact
 * document of the same shape whose numbers are the deltas over the
 * interval, plus "interval_s": N at the top (rate = value / interval_s).
 * Text shows per-second rates with one decimal, under a header line.
 *
 * --prometheus prints the same snapshot in the Prometheus text exposition
 * format 0.0.4, for node_exporter's textfile collector; --prometheus-file
 * writes it to a file atomically. See "Prometheus" below.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <bpf/bpf.h>

#include "offguard/offguard.h"
#include "commands.h"
#include "counters.h"
#include "instance.h"
#include "json_writer.h"
#include "logging.h"
#include "names.h"
#include "segd.h"
#include "util.h"

static const char stats_usage[] =
	"offguard stats [DEV...] [-j | --prometheus | --prometheus-file PATH]\n"
	"                       [-i SECONDS [-c COUNT]]";

struct hook_data {
	bool			have_stats;
	bool			have_reasons;
	/* og_config: the policy the counters are being taken under now */
	bool			have_policy;
	enum og_policy		policy;
	struct og_dev_stats	st;
	struct og_counter	reason[__OG_REASON_MAX];
};

struct dev_data {
	__u32			ifindex;
	struct hook_data	hook[__OG_HOOK_MAX];
};

struct snapshot {
	struct dev_data		*dev;
	unsigned int		nr, cap;
};

/* segd instances, for the one-shot snapshot (not the interval modes) */
#define SEGD_VIEWS_MAX	16
static struct og_segd_view segd_views[SEGD_VIEWS_MAX];
static unsigned int segd_nr;

/* Devices asked for on the command line; none means all. */
struct dev_filter {
	__u32			*ifindex;
	unsigned int		nr;
};

static bool filter_has(const struct dev_filter *f, __u32 ifindex)
{
	unsigned int i;

	if (!f->nr)
		return true;
	for (i = 0; i < f->nr; i++)
		if (f->ifindex[i] == ifindex)
			return true;
	return false;
}

/* segd instances on a device asked for (either end), or all. */
static void segd_collect(const struct dev_filter *f)
{
	struct og_segd_view all[SEGD_VIEWS_MAX];
	int n, i;

	segd_nr = 0;
	n = og_segd_read(all, SEGD_VIEWS_MAX);
	for (i = 0; i < n; i++)
		if (filter_has(f, all[i].in_ifindex) ||
		    filter_has(f, all[i].out_ifindex))
			segd_views[segd_nr++] = all[i];
}

static struct dev_data *snap_dev(struct snapshot *s, __u32 ifindex)
{
	unsigned int i;

	for (i = 0; i < s->nr; i++)
		if (s->dev[i].ifindex == ifindex)
			return &s->dev[i];
	if (s->nr == s->cap) {
		unsigned int ncap = s->cap ? s->cap * 2 : 8;
		struct dev_data *p = realloc(s->dev, ncap * sizeof(*p));

		if (!p)
			return NULL;
		s->dev = p;
		s->cap = ncap;
	}
	memset(&s->dev[s->nr], 0, sizeof(s->dev[0]));
	s->dev[s->nr].ifindex = ifindex;
	return &s->dev[s->nr++];
}

static void snap_free(struct snapshot *s)
{
	free(s->dev);
	memset(s, 0, sizeof(*s));
}

static const struct dev_data *snap_find(const struct snapshot *s,
					__u32 ifindex)
{
	unsigned int i;

	for (i = 0; i < s->nr; i++)
		if (s->dev[i].ifindex == ifindex)
			return &s->dev[i];
	return NULL;
}

struct walk_ctx {
	const struct dev_filter	*f;
	struct snapshot		*s;
};

static int on_devstats(const struct og_dev_key *key,
		       const struct og_dev_stats *sum, void *arg)
{
	struct walk_ctx *w = arg;
	struct dev_data *d;

	if (!filter_has(w->f, key->ifindex))
		return 0;
	d = snap_dev(w->s, key->ifindex);
	if (!d)
		return -ENOMEM;
	d->hook[key->hook].st = *sum;
	d->hook[key->hook].have_stats = true;
	return 0;
}

static int on_counter(const struct og_counter_key *key,
		      const struct og_counter *sum, void *arg)
{
	struct walk_ctx *w = arg;
	struct dev_data *d;

	if (!filter_has(w->f, key->ifindex))
		return 0;
	d = snap_dev(w->s, key->ifindex);
	if (!d)
		return -ENOMEM;
	d->hook[key->hook].reason[key->reason] = *sum;
	d->hook[key->hook].have_reasons = true;
	return 0;
}

static int read_devstats(int fd, const struct dev_filter *f,
			 struct snapshot *s)
{
	struct walk_ctx w = { .f = f, .s = s };

	return og_devstats_walk(fd, on_devstats, &w);
}

static int read_counters(int fd, const struct dev_filter *f,
			 struct snapshot *s)
{
	struct walk_ctx w = { .f = f, .s = s };

	return og_counters_walk(fd, on_counter, &w);
}

/*
 * The policy each device and hook is judged under now: og_config's, if
 * the program it names is still attached there (asked of the kernel, as
 * status does). Only for devices that have data: a policy is context for
 * counters, not a listing of attachments (that is status).
 */
static void read_policies(const struct og_instance *inst, struct snapshot *s)
{
	struct og_dev_conf conf;
	struct og_live live;
	unsigned int i, h;

	for (i = 0; i < s->nr; i++) {
		for (h = 0; h < __OG_HOOK_MAX; h++) {
			struct hook_data *hd = &s->dev[i].hook[h];
			__u32 ifindex = s->dev[i].ifindex;

			hd->have_policy =
				og_config_get(inst, ifindex, h, &conf) &&
				og_live_find(inst, ifindex, h, &live) &&
				live.prog_id == conf.prog_id;
			if (hd->have_policy)
				hd->policy = conf.policy;
		}
	}
}

static int dev_cmp(const void *a, const void *b)
{
	const struct dev_data *x = a, *y = b;

	return x->ifindex < y->ifindex ? -1 : x->ifindex > y->ifindex;
}

static int snap_read(const struct og_instance *inst,
		     const struct dev_filter *f, struct snapshot *s)
{
	unsigned int i;
	int err;

	/* asked-for devices are listed even before they have data */
	for (i = 0; i < f->nr; i++)
		if (!snap_dev(s, f->ifindex[i]))
			return -ENOMEM;
	if (inst->have_maps) {
		err = read_devstats(inst->map_fd[OG_MAP_DEVSTATS], f, s);
		if (!err)
			err = read_counters(inst->map_fd[OG_MAP_COUNTERS], f, s);
		if (err)
			return err;
		read_policies(inst, s);
	}
	if (s->nr)
		qsort(s->dev, s->nr, sizeof(s->dev[0]), dev_cmp);
	return 0;
}

/* a - b field by field; a counter that went backwards (reset) counts anew */
static void sub_u64s(__u64 *dst, const __u64 *a, const __u64 *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		dst[i] = a[i] >= b[i] ? a[i] - b[i] : a[i];
}

static int snap_delta(const struct snapshot *cur, const struct snapshot *prev,
		      struct snapshot *out)
{
	unsigned int i, h;

	out->nr = 0;
	for (i = 0; i < cur->nr; i++) {
		const struct dev_data *c = &cur->dev[i];
		const struct dev_data *p = snap_find(prev, c->ifindex);
		struct dev_data *d = snap_dev(out, c->ifindex);

		if (!d)
			return -ENOMEM;
		*d = *c;
		if (!p)
			continue;
		for (h = 0; h < __OG_HOOK_MAX; h++) {
			sub_u64s((__u64 *)&d->hook[h].st,
				 (const __u64 *)&c->hook[h].st,
				 (const __u64 *)&p->hook[h].st,
				 sizeof(c->hook[h].st) / sizeof(__u64));
			sub_u64s((__u64 *)d->hook[h].reason,
				 (const __u64 *)c->hook[h].reason,
				 (const __u64 *)p->hook[h].reason,
				 sizeof(c->hook[h].reason) / (sizeof(__u64)));
		}
	}
	return 0;
}

static void json_hook(struct json_writer *jw, const struct hook_data *hd,
		      unsigned int hook)
{
	const struct og_dev_stats *st = &hd->st;
	unsigned int r, v;

	jw_start_object(jw);
	/* the drop watcher has no policy and sees only what it counts */
	if (hook == OG_HOOK_KDROP)
		goto reasons;
	/* null: not attached now (the counters are history) */
	if (hd->have_policy)
		jw_string_field(jw, "policy", og_policy_name(hd->policy));
	else
		jw_null_field(jw, "policy");
	jw_u64_field(jw, "packets", st->packets);
	jw_u64_field(jw, "bytes", st->bytes);
	/* XDP has no skb: no checksum state, no GSO metadata */
	if (!og_hook_is_tc(hook))
		goto verified;
	jw_name(jw, "csum");
	jw_start_object(jw);
	jw_u64_field(jw, "none", st->csum_none);
	jw_u64_field(jw, "unnecessary", st->csum_unnecessary);
	jw_u64_field(jw, "complete", st->csum_complete);
	jw_u64_field(jw, "partial", st->csum_partial);
	jw_end_object(jw);
	jw_name(jw, "gso");
	jw_start_object(jw);
	jw_u64_field(jw, "packets", st->gso_packets);
	jw_u64_field(jw, "tcpv4", st->gso_tcpv4);
	jw_u64_field(jw, "tcpv6", st->gso_tcpv6);
	jw_u64_field(jw, "udp_l4", st->gso_udp_l4);
	jw_u64_field(jw, "other", st->gso_other);
	jw_u64_field(jw, "segs", st->gso_segs);
	jw_u64_field(jw, "dodgy", st->dodgy);
	jw_end_object(jw);
verified:
	jw_u64_field(jw, "l4_verified", st->l4_verified);
reasons:
	jw_name(jw, "reasons");
	jw_start_object(jw);
	for (r = 0; r < __OG_REASON_MAX; r++) {
		const struct og_counter *c = &hd->reason[r];

		if (!c->packets || !og_reason_name(r))
			continue;
		jw_name(jw, og_reason_name(r));
		jw_start_object(jw);
		jw_u64_field(jw, "packets", c->packets);
		jw_u64_field(jw, "bytes", c->bytes);
		jw_u64_field(jw, "repaired", c->repaired);
		jw_u64_field(jw, "dropped", c->dropped);
		/* the seed diagnosis lives in og_devstats, per device */
		if (r == OG_PARTIAL_BAD_SEED) {
			jw_name(jw, "variants");
			jw_start_object(jw);
			for (v = 0; v < __OG_SEED_MAX; v++)
				jw_u64_field(jw, og_seed_variant_name(v),
					     st->seed_variant[v]);
			jw_end_object(jw);
		}
		jw_end_object(jw);
	}
	jw_end_object(jw);
	jw_end_object(jw);
}

static void print_json(const struct snapshot *s, unsigned int interval)
{
	/* interval lines are one document each, so never pretty there */
	struct json_writer *jw = jw_new(stdout, og_pretty && !interval);
	char name[IF_NAMESIZE];
	unsigned int i, h;

	if (!jw)
		return;
	jw_start_object(jw);
	if (interval)
		jw_u64_field(jw, "interval_s", interval);
	jw_name(jw, "devices");
	jw_start_array(jw);
	for (i = 0; i < s->nr; i++) {
		const struct dev_data *d = &s->dev[i];

		jw_start_object(jw);
		jw_string_field(jw, "ifname", og_ifname(d->ifindex, name));
		jw_u64_field(jw, "ifindex", d->ifindex);
		jw_name(jw, "hooks");
		jw_start_object(jw);
		for (h = 0; h < __OG_HOOK_MAX; h++) {
			const struct hook_data *hd = &d->hook[h];

			if (!(hd->have_stats || hd->have_reasons) ||
			    !og_hook_name(h))
				continue;
			jw_name(jw, og_hook_name(h));
			json_hook(jw, hd, h);
		}
		jw_end_object(jw);
		jw_end_object(jw);
	}
	jw_end_array(jw);
	if (!interval && segd_nr)
		og_segd_json(jw, segd_views, segd_nr, true);
	jw_end_object(jw);
	jw_destroy(&jw);
}

/*
 * A value as text: a count, or a rate per second in interval mode (the
 * header line says so, the numbers stay short). A ring
 * of buffers lets one printf use several (at most 8) of them.
 */
static const char *val(__u64 v, unsigned int interval)
{
	static char ring[8][32];
	static unsigned int next;
	char *buf = ring[next++ % 8];

	if (interval)
		snprintf(buf, sizeof(ring[0]), "%.1f", (double)v / interval);
	else
		snprintf(buf, sizeof(ring[0]), "%llu", (unsigned long long)v);
	return buf;
}

#define V(x)	val((x), interval)

static void text_hook(unsigned int hook, const struct hook_data *hd,
		      unsigned int interval)
{
	const struct og_dev_stats *st = &hd->st;
	const char *hname = og_hook_name(hook);
	unsigned int r, v;

	if (hook == OG_HOOK_KDROP) {
		printf("  %-10s  drops the kernel made for checksum/GSO reasons\n",
		       hname);
		goto reasons;
	}
	printf("  %-10s  %s pkts %s bytes", hname, V(st->packets),
	       V(st->bytes));
	printf("  policy %s", hd->have_policy ?
	       og_policy_name(hd->policy) ?: "?" : "- (detached)");
	if (!og_hook_is_tc(hook)) {
		printf("  l4_verified %s\n", V(st->l4_verified));
		goto reasons;
	}
	printf("  csum none %s unnecessary %s complete %s", V(st->csum_none),
	       V(st->csum_unnecessary), V(st->csum_complete));
	printf(" partial %s\n", V(st->csum_partial));
	printf("  %-10s  gso %s pkts (tcpv4 %s tcpv6 %s udp_l4 %s", "",
	       V(st->gso_packets), V(st->gso_tcpv4), V(st->gso_tcpv6),
	       V(st->gso_udp_l4));
	printf(" other %s) segs %s dodgy %s", V(st->gso_other),
	       V(st->gso_segs), V(st->dodgy));
	printf("  l4_verified %s\n", V(st->l4_verified));
reasons:
	for (r = 0; r < __OG_REASON_MAX; r++) {
		const struct og_counter *c = &hd->reason[r];

		if (!c->packets || !og_reason_name(r))
			continue;
		printf("    %s  %s pkts %s bytes  repaired %s", og_reason_name(r),
		       V(c->packets), V(c->bytes), V(c->repaired));
		printf(" dropped %s", V(c->dropped));
		if (r == OG_PARTIAL_BAD_SEED) {
			printf("  variants");
			for (v = 0; v < __OG_SEED_MAX; v++)
				printf(" %s %s", og_seed_variant_name(v),
				       V(st->seed_variant[v]));
		}
		printf("\n");
	}
}

#undef V

static void print_text(const struct snapshot *s, unsigned int interval)
{
	char name[IF_NAMESIZE];
	unsigned int i, h;

	if (interval)
		printf("--- last %u s, per second ---\n", interval);
	if (!interval && segd_nr)
		og_segd_text(segd_views, segd_nr, true);
	if (!s->nr) {
		if (!segd_nr || interval)
			printf("no offguard statistics in this network namespace\n");
		return;
	}
	for (i = 0; i < s->nr; i++) {
		const struct dev_data *d = &s->dev[i];
		bool any = false;

		printf("%s (ifindex %u)\n",
		       og_ifname(d->ifindex, name) ?: "(gone)", d->ifindex);
		for (h = 0; h < __OG_HOOK_MAX; h++) {
			const struct hook_data *hd = &d->hook[h];

			if (!(hd->have_stats || hd->have_reasons) ||
			    !og_hook_name(h))
				continue;
			text_hook(h, hd, interval);
			any = true;
		}
		if (!any)
			printf("  (no data)\n");
	}
	fflush(stdout);
}

static void print_snap(const struct snapshot *s, unsigned int interval)
{
	if (og_json)
		print_json(s, interval);
	else
		print_text(s, interval);
}

/*
 * Prometheus: the text exposition format 0.0.4, as node_exporter's
 * textfile collector reads it. Counters are cumulative (Prometheus takes
 * rates itself), the numbers of the same snapshot stats -j prints, and no
 * sample carries a timestamp: the textfile collector refuses them.
 *
 * Every series has the labels device (the name now; "" when the device
 * is gone, as -j's null), ifindex (which tells two gone devices apart)
 * and hook, then at most one more. A family's # HELP and # TYPE come once,
 * right before its first sample; a family with no sample is left out.
 * Which series exist follows -j: a hook is listed once it has data, a
 * reason once it matched (so a reason's series appears at its first
 * count), checksum, GSO and seed-variant breakdowns on tc hooks only,
 * packets, bytes and l4_verified on tc and xdp, reasons only on kdrop.
 */
struct prom_out {
	FILE			*f;
	const char		*last_family;	/* whose header is written */
	/* names taken once, so one device keeps one label in every family */
	char			(*ifname)[IF_NAMESIZE];
};

enum prom_hooks {
	PROM_TC		= 1U << 0,
	PROM_XDP	= 1U << 1,
};

/* A per device and hook statistic of og_dev_stats, as one series. */
struct prom_stat {
	const char	*name;
	const char	*help;
	size_t		off;		/* of the __u64 in og_dev_stats */
	unsigned int	hooks;		/* PROM_* */
	const char	*label;		/* the extra label, or NULL */
	const char	*value;
};

#define ST(field)	offsetof(struct og_dev_stats, field)
#define H_CSUM		"Packets seen by a tc hook, by the skb's checksum state (ip_summed)."
#define H_GSO		"GSO packets seen by a tc hook, by gso_type (the types " \
			"partition all GSO packets)."
#define H_SEED		"partial_bad_seed packets by diagnosed seed variant."

static const struct prom_stat prom_stats[] = {
	{ "offguard_packets_total", "Packets seen by the hook.",
	  ST(packets), PROM_TC | PROM_XDP, NULL, NULL },
	{ "offguard_bytes_total", "Bytes of the packets seen by the hook.",
	  ST(bytes), PROM_TC | PROM_XDP, NULL, NULL },
	{ "offguard_csum_packets_total", H_CSUM, ST(csum_none), PROM_TC,
	  "state", "none" },
	{ "offguard_csum_packets_total", H_CSUM, ST(csum_unnecessary), PROM_TC,
	  "state", "unnecessary" },
	{ "offguard_csum_packets_total", H_CSUM, ST(csum_complete), PROM_TC,
	  "state", "complete" },
	{ "offguard_csum_packets_total", H_CSUM, ST(csum_partial), PROM_TC,
	  "state", "partial" },
	{ "offguard_gso_packets_total", H_GSO, ST(gso_tcpv4), PROM_TC,
	  "type", "tcpv4" },
	{ "offguard_gso_packets_total", H_GSO, ST(gso_tcpv6), PROM_TC,
	  "type", "tcpv6" },
	{ "offguard_gso_packets_total", H_GSO, ST(gso_udp_l4), PROM_TC,
	  "type", "udp_l4" },
	{ "offguard_gso_packets_total", H_GSO, ST(gso_other), PROM_TC,
	  "type", "other" },
	{ "offguard_gso_segments_total",
	  "Sum of the gso_segs of GSO packets as the kernel holds it (0 on DODGY packets).",
	  ST(gso_segs), PROM_TC, NULL, NULL },
	{ "offguard_dodgy_packets_total",
	  "GSO packets marked DODGY (metadata from an untrusted writer).",
	  ST(dodgy), PROM_TC, NULL, NULL },
	{ "offguard_l4_verified_total",
	  "Packets whose full L4 checksum offguard summed.",
	  ST(l4_verified), PROM_TC | PROM_XDP, NULL, NULL },
	{ "offguard_seed_variant_packets_total", H_SEED,
	  ST(seed_variant[OG_SEED_FULL_CSUM]), PROM_TC, "variant", "full_csum" },
	{ "offguard_seed_variant_packets_total", H_SEED,
	  ST(seed_variant[OG_SEED_LENGTHLESS]), PROM_TC, "variant",
	  "lengthless_seed" },
	{ "offguard_seed_variant_packets_total", H_SEED,
	  ST(seed_variant[OG_SEED_ZERO]), PROM_TC, "variant", "zero" },
	{ "offguard_seed_variant_packets_total", H_SEED,
	  ST(seed_variant[OG_SEED_OTHER]), PROM_TC, "variant", "other" },
};

#undef ST

/* A rule counter of og_counters, as one series per reason. */
struct prom_reason {
	const char	*name;
	const char	*help;
	size_t		off;		/* of the __u64 in og_counter */
};

static const struct prom_reason prom_reasons[] = {
	{ "offguard_reason_packets_total",
	  "Packets that raised the reason (rule) at the hook.",
	  offsetof(struct og_counter, packets) },
	{ "offguard_reason_bytes_total",
	  "Bytes of the packets that raised the reason at the hook.",
	  offsetof(struct og_counter, bytes) },
	{ "offguard_reason_repaired_total",
	  "Packets repaired for the reason (repair and strict policies, proven repairs only).",
	  offsetof(struct og_counter, repaired) },
	{ "offguard_reason_dropped_total",
	  "Packets dropped that had raised the reason (strict policy).",
	  offsetof(struct og_counter, dropped) },
};

/*
 * A label value: backslash, double quote and newline escaped, as the
 * format asks. Interface names may hold '"' and '\\' (the kernel refuses
 * only '/', ':' and white space) and any byte: one that is not valid
 * UTF-8 would make the collector refuse the whole file, so it is written
 * as the text \\xNN instead.
 */
static void prom_label_value(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		unsigned int n = 0, i;

		if (*p == '\\' || *p == '"') {
			fputc('\\', f);
			fputc(*p++, f);
			continue;
		}
		if (*p == '\n') {
			fputs("\\n", f);
			p++;
			continue;
		}
		if (*p < 0x80) {
			fputc(*p++, f);
			continue;
		}
		/* the length a lead byte announces; overlongs and surrogates are invalid */
		if (*p >= 0xc2 && *p <= 0xdf)
			n = 1;
		else if (*p >= 0xe0 && *p <= 0xef)
			n = 2;
		else if (*p >= 0xf0 && *p <= 0xf4)
			n = 3;
		for (i = 1; n && i <= n; i++)
			if ((p[i] & 0xc0) != 0x80)
				n = 0;
		if (n && ((p[0] == 0xe0 && p[1] < 0xa0) ||
			  (p[0] == 0xed && p[1] > 0x9f) ||
			  (p[0] == 0xf0 && p[1] < 0x90) ||
			  (p[0] == 0xf4 && p[1] > 0x8f)))
			n = 0;
		if (!n) {
			fprintf(f, "\\\\x%02x", *p++);
			continue;
		}
		fwrite(p, 1, n + 1, f);
		p += n + 1;
	}
}

static void prom_header(struct prom_out *po, const char *name,
			const char *type, const char *help)
{
	if (po->last_family && !strcmp(po->last_family, name))
		return;
	fprintf(po->f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
	po->last_family = name;
}

static void prom_sample(struct prom_out *po, unsigned int dev,
			const struct dev_data *d, unsigned int hook,
			const char *label, const char *value, __u64 v)
{
	fputs("{device=\"", po->f);
	prom_label_value(po->f, po->ifname[dev]);
	fprintf(po->f, "\",ifindex=\"%u\",hook=\"%s\"", d->ifindex,
		og_hook_name(hook));
	if (label) {
		fprintf(po->f, ",%s=\"", label);
		prom_label_value(po->f, value);
		fputc('"', po->f);
	}
	fprintf(po->f, "} %llu\n", (unsigned long long)v);
}

/* The hooks -j lists for a device: those with data and a name. */
static bool prom_hook_listed(const struct hook_data *hd, unsigned int hook)
{
	return (hd->have_stats || hd->have_reasons) && og_hook_name(hook);
}

static bool prom_stat_applies(const struct prom_stat *ps, unsigned int hook)
{
	if (og_hook_is_tc(hook))
		return ps->hooks & PROM_TC;
	return hook == OG_HOOK_XDP && (ps->hooks & PROM_XDP);
}

/*
 * One exposition of snapshot s, read at 'now' (CLOCK_REALTIME). Family by
 * family, so each family's samples follow its header; within one, by
 * device (ifindex) and hook. Returns 0, or -errno of a failed write.
 */
static int prom_write(FILE *f, const struct snapshot *s,
		      const struct timespec *now)
{
	struct prom_out po = { .f = f };
	unsigned int i, h, k, r;

	po.ifname = calloc(s->nr ? s->nr : 1, sizeof(*po.ifname));
	if (!po.ifname)
		return -ENOMEM;
	for (i = 0; i < s->nr; i++)
		if (!og_ifname(s->dev[i].ifindex, po.ifname[i]))
			po.ifname[i][0] = '\0';

	/* context before counters: what each hook is judged under now */
	for (i = 0; i < s->nr; i++) {
		for (h = 0; h < __OG_HOOK_MAX; h++) {
			const struct hook_data *hd = &s->dev[i].hook[h];

			if (!prom_hook_listed(hd, h) || !hd->have_policy ||
			    !og_policy_name(hd->policy))
				continue;
			prom_header(&po, "offguard_policy_info", "gauge",
				    "The policy the hook's counters are taken under now (1); "
				    "no series: not attached.");
			fputs("offguard_policy_info", f);
			prom_sample(&po, i, &s->dev[i], h, "policy",
				    og_policy_name(hd->policy), 1);
		}
	}
	for (k = 0; k < sizeof(prom_stats) / sizeof(prom_stats[0]); k++) {
		const struct prom_stat *ps = &prom_stats[k];

		for (i = 0; i < s->nr; i++) {
			for (h = 0; h < __OG_HOOK_MAX; h++) {
				const struct hook_data *hd = &s->dev[i].hook[h];
				__u64 v;

				if (!prom_hook_listed(hd, h) ||
				    !prom_stat_applies(ps, h))
					continue;
				memcpy(&v, (const char *)&hd->st + ps->off,
				       sizeof(v));
				prom_header(&po, ps->name, "counter", ps->help);
				fputs(ps->name, f);
				prom_sample(&po, i, &s->dev[i], h, ps->label,
					    ps->value, v);
			}
		}
	}
	for (k = 0; k < sizeof(prom_reasons) / sizeof(prom_reasons[0]); k++) {
		const struct prom_reason *pr = &prom_reasons[k];

		for (i = 0; i < s->nr; i++) {
			for (h = 0; h < __OG_HOOK_MAX; h++) {
				const struct hook_data *hd = &s->dev[i].hook[h];

				if (!prom_hook_listed(hd, h))
					continue;
				for (r = 0; r < __OG_REASON_MAX; r++) {
					const struct og_counter *c = &hd->reason[r];
					__u64 v;

					if (!c->packets || !og_reason_name(r))
						continue;
					memcpy(&v, (const char *)c + pr->off,
					       sizeof(v));
					prom_header(&po, pr->name, "counter",
						    pr->help);
					fputs(pr->name, f);
					prom_sample(&po, i, &s->dev[i], h,
						    "reason", og_reason_name(r),
						    v);
				}
			}
		}
	}
	prom_header(&po, "offguard_snapshot_timestamp_seconds", "gauge",
		    "When offguard read these counters (Unix time).");
	fprintf(f, "offguard_snapshot_timestamp_seconds %lld.%03ld\n",
		(long long)now->tv_sec, now->tv_nsec / 1000000);
	free(po.ifname);
	/* a full disk shows at the flush: errno names it */
	errno = 0;
	if (fflush(f) || ferror(f))
		return -(errno ? errno : EIO);
	return 0;
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = 1;
}

/* Sleep until the absolute time 'until'; false if told to stop. */
static bool sleep_until(const struct timespec *until)
{
	while (!stop) {
		int err = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, until,
					  NULL);

		if (!err)
			return true;
		if (err != EINTR)
			return false;
	}
	return false;
}

static int run_interval(const struct og_instance *inst,
			const struct dev_filter *f, unsigned int interval,
			unsigned int count)
{
	struct snapshot prev = {}, cur = {}, delta = {};
	struct sigaction sa = { .sa_handler = on_signal };
	struct timespec next;
	unsigned int done = 0;
	int err;

	/* no SA_RESTART: the sleep returns on Ctrl-C and the loop ends */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	err = snap_read(inst, f, &prev);
	clock_gettime(CLOCK_MONOTONIC, &next);
	/* absolute deadlines: reading and printing do not make it drift */
	while (!err && !stop && (!count || done < count)) {
		next.tv_sec += interval;
		if (!sleep_until(&next))
			break;
		err = snap_read(inst, f, &cur);
		if (!err)
			err = snap_delta(&cur, &prev, &delta);
		if (err)
			break;
		print_snap(&delta, interval);
		snap_free(&prev);
		prev = cur;
		memset(&cur, 0, sizeof(cur));
		done++;
	}
	snap_free(&prev);
	snap_free(&cur);
	snap_free(&delta);
	if (err) {
		p_err("stats: cannot read counters: %s", og_errstr(err));
		return OG_EXIT_FAIL;
	}
	return OG_EXIT_OK;
}

/* Words for a file error: og_errstr reads EACCES as "need root". */
static const char *file_errstr(int err)
{
	if (err == -EACCES || err == -EPERM)
		return "permission denied";
	return og_errstr(err);
}

/*
 * Write the exposition to PATH atomically: PATH.tmp, fsync, rename, so
 * the collector reads either the last file or this one, never a part.
 * PATH.tmp does not end in .prom, so the collector never reads it; one
 * left by a crash is overwritten by the next run. Errors name the file
 * and the cause, and leave no PATH.tmp behind.
 */
static int prom_write_file(const char *what, const char *path,
			   const struct snapshot *s, const struct timespec *now)
{
	size_t len = strlen(path) + sizeof(".tmp");
	const char *step = "create";
	struct stat sb;
	FILE *f = NULL;
	int fd, err = 0;
	char *tmp;

	/* said before PATH.tmp is made beside it, not after, by rename */
	if (!stat(path, &sb) && S_ISDIR(sb.st_mode)) {
		p_err("%s: cannot write %s: %s", what, path,
		      og_errstr(-EISDIR));
		return -EISDIR;
	}
	tmp = malloc(len);
	if (!tmp) {
		p_err("%s: %s: out of memory", what, path);
		return -ENOMEM;
	}
	snprintf(tmp, len, "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		err = -errno;
		p_err("%s: cannot create %s: %s", what, tmp,
		      file_errstr(err));
		goto out;
	}
	step = "write";
	f = fdopen(fd, "w");
	if (!f) {
		err = -errno;
		close(fd);
		goto fail;
	}
	err = prom_write(f, s, now);
	if (err)
		goto fail;
	step = "fsync";
	if (fsync(fileno(f))) {
		err = -errno;
		goto fail;
	}
	step = "close";
	err = fclose(f) ? -errno : 0;
	f = NULL;
	if (err)
		goto fail;
	if (rename(tmp, path)) {
		err = -errno;
		p_err("%s: cannot rename %s to %s: %s", what, tmp, path,
		      file_errstr(err));
		unlink(tmp);
	}
	goto out;
fail:
	p_err("%s: cannot %s %s: %s", what, step, tmp, file_errstr(err));
	if (f)
		fclose(f);
	unlink(tmp);
out:
	free(tmp);
	return err;
}

/* One exposition of what is counted now, to PATH or (NULL) stdout. */
static int prom_once(const struct og_instance *inst,
		     const struct dev_filter *f, const char *path,
		     const char *what)
{
	struct snapshot snap = {};
	struct timespec now;
	int err;

	err = snap_read(inst, f, &snap);
	clock_gettime(CLOCK_REALTIME, &now);
	if (err) {
		p_err("%s: cannot read counters: %s", what, og_errstr(err));
	} else if (path) {
		err = prom_write_file(what, path, &snap, &now);
	} else {
		err = prom_write(stdout, &snap, &now);
		if (err)
			p_err("stats: cannot write to stdout: %s",
			      file_errstr(err));
	}
	snap_free(&snap);
	return err;
}

int og_prom_write_file(const struct og_instance *inst, const char *path,
		       const char *what)
{
	struct dev_filter all = {};

	return prom_once(inst, &all, path, what);
}

/*
 * --prometheus-file PATH -i N: rewrite PATH now and every N seconds
 * (cumulative counters: Prometheus takes rates itself), COUNT times in
 * all with -c. A collector that cannot run a command on its own gets a
 * fresh file this way. The first write must succeed (a wrong PATH ends
 * here, exit 1); later failures (a full disk) are reported and tried
 * again at the next interval, and make the exit status 1.
 */
static int run_prom_interval(const struct og_instance *inst,
			     const struct dev_filter *f, const char *path,
			     unsigned int interval, unsigned int count)
{
	struct sigaction sa = { .sa_handler = on_signal };
	unsigned int done = 1;
	struct timespec next;
	bool failed = false;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	if (prom_once(inst, f, path, "stats"))
		return OG_EXIT_FAIL;
	clock_gettime(CLOCK_MONOTONIC, &next);
	while (!stop && (!count || done < count)) {
		next.tv_sec += interval;
		if (!sleep_until(&next))
			break;
		if (prom_once(inst, f, path, "stats"))
			failed = true;
		done++;
	}
	return failed ? OG_EXIT_FAIL : OG_EXIT_OK;
}

static void stats_help(void)
{
	printf("usage: %s\n"
	       "\n"
	       "Statistics per device and hook (checksum states, GSO types) and the\n"
	       "packets each rule matched, summed over CPUs. DEV... limits the output.\n"
	       "\n"
	       "  -i, --interval SECONDS  print what happened in each interval: text as\n"
	       "                          rates per second, JSON as one line per interval\n"
	       "                          with the deltas and \"interval_s\"\n"
	       "  -c, --count COUNT       stop after COUNT intervals (default: until Ctrl-C)\n"
	       "  -j, -p                  JSON (DESIGN §6 shape), pretty JSON\n"
	       "  --prometheus            Prometheus text format 0.0.4 (node_exporter's\n"
	       "                          textfile collector): cumulative counters\n"
	       "                          offguard_*_total, labels device, ifindex, hook,\n"
	       "                          reason; device=\"\" for a device that is gone\n"
	       "  --prometheus-file PATH  the same, written to PATH atomically (PATH.tmp,\n"
	       "                          fsync, rename); with -i, rewritten every interval\n"
	       "                          (-c: that many writes)\n",
	       stats_usage);
}

int cmd_stats(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "interval",	required_argument, NULL, 'i' },
		{ "count",	required_argument, NULL, 'c' },
		{ "prometheus",	no_argument,	   NULL, 'P' },
		{ "prometheus-file", required_argument, NULL, 'F' },
		OG_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	unsigned int interval = 0, count = 0, i;
	struct dev_filter filter = {};
	struct snapshot snap = {};
	const char *prom_path = NULL;
	struct og_instance inst;
	bool have_count = false;
	bool prom = false;
	int c, err, rc = OG_EXIT_OK;

	og_getopt_reset();
	while ((c = getopt_long(argc, argv, OG_COMMON_SHORTOPTS "i:c:", opts,
				NULL)) != -1) {
		if (og_common_opt(c))
			continue;
		switch (c) {
		case 'h':
			stats_help();
			return OG_EXIT_OK;
		case 'i':
			if (!og_parse_u32(optarg, 1, 86400, &interval))
				return og_usage_error(stats_usage,
						      "stats: bad interval '%s' (whole seconds, 1..86400)",
						      optarg);
			break;
		case 'c':
			if (!og_parse_u32(optarg, 1, 0xffffffffU, &count))
				return og_usage_error(stats_usage,
						      "stats: bad count '%s'",
						      optarg);
			have_count = true;
			break;
		case 'P':
			prom = true;
			break;
		case 'F':
			if (!*optarg)
				return og_usage_error(stats_usage,
						      "stats: --prometheus-file needs a path");
			prom_path = optarg;
			prom = true;
			break;
		default:
			return og_bad_option("stats", stats_usage, c, argc,
					     argv);
		}
	}
	if (have_count && !interval)
		return og_usage_error(stats_usage,
				      "stats: -c needs -i SECONDS");
	/* -j may also come before the command: og_json says either way */
	if (prom && og_json)
		return og_usage_error(stats_usage,
				      "stats: --prometheus and -j/-p exclude each other");
	/*
	 * Expositions one after the other on stdout are no exposition (the
	 * same series twice), and interval deltas are not what Prometheus
	 * wants: it takes rates itself. Intervals rewrite a file instead.
	 */
	if (prom && interval && !prom_path)
		return og_usage_error(stats_usage,
				      "stats: --prometheus with -i needs --prometheus-file PATH");
	if (og_check_root()) {
		p_err("stats: %s", og_errstr(-EPERM));
		return OG_EXIT_FAIL;
	}

	if (optind < argc) {
		filter.nr = argc - optind;
		filter.ifindex = calloc(filter.nr, sizeof(*filter.ifindex));
		if (!filter.ifindex) {
			p_err("stats: out of memory");
			return OG_EXIT_FAIL;
		}
		for (i = 0; i < filter.nr; i++) {
			filter.ifindex[i] = og_ifindex(argv[optind + i]);
			if (!filter.ifindex[i]) {
				p_err("stats %s: no such device",
				      argv[optind + i]);
				rc = OG_EXIT_FAIL;
			}
		}
		if (rc)
			goto out_filter;
	}

	og_instance_init(&inst);
	err = og_instance_find(&inst);
	if (err) {
		p_err("stats: cannot look for offguard's maps: %s",
		      og_errstr(err));
		rc = OG_EXIT_FAIL;
		goto out;
	}
	og_instance_pin(&inst, "stats", false);

	if (prom && interval) {
		rc = run_prom_interval(&inst, &filter, prom_path, interval,
				       count);
		goto out;
	}
	if (prom) {
		rc = prom_once(&inst, &filter, prom_path, "stats") ?
		     OG_EXIT_FAIL : OG_EXIT_OK;
		goto out;
	}
	if (interval) {
		rc = run_interval(&inst, &filter, interval, count);
		goto out;
	}
	err = snap_read(&inst, &filter, &snap);
	if (err) {
		p_err("stats: cannot read counters: %s", og_errstr(err));
		rc = OG_EXIT_FAIL;
		goto out;
	}
	segd_collect(&filter);
	print_snap(&snap, 0);
out:
	snap_free(&snap);
	og_instance_close(&inst);
out_filter:
	free(filter.ifindex);
	return rc;
}
