// SPDX-License-Identifier: GPL-2.0-only
/*
 * segd's counters as `offguard stats` shows them. segd pins its counter
 * array as <pin root>/segd_<in ifindex>_<out ifindex> while it runs and
 * removes the pin when it stops; a pin left by a segd that was killed
 * is shown with "running": false (the map is no longer in in's XDP
 * program) until the next segd on that device takes it over.
 */
#include <dirent.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "counters.h"
#include "instance.h"
#include "json_writer.h"
#include "segd.h"
#include "util.h"

static bool map_in_xdp_prog(__u32 ifindex, __u32 map_id)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info), prog_id = 0, ids[16], i;
	bool found = false;
	int fd;

	if (bpf_xdp_query_id(ifindex, 0, &prog_id) || !prog_id)
		return false;
	fd = bpf_prog_get_fd_by_id(prog_id);
	if (fd < 0)
		return false;
	info.nr_map_ids = 16;
	info.map_ids = (__u64)(unsigned long)ids;
	if (!bpf_obj_get_info_by_fd(fd, &info, &len))
		for (i = 0; i < info.nr_map_ids && i < 16; i++)
			found |= ids[i] == map_id;
	close(fd);
	return found;
}

int og_segd_ctrs_read(int fd, __u64 ctr[__OG_SEGD_CTR_MAX])
{
	int ncpu = og_nr_cpus();
	__u64 *vals;
	__u32 key;

	if (ncpu <= 0)
		return -EINVAL;
	vals = calloc(ncpu, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	for (key = 0; key < __OG_SEGD_CTR_MAX; key++) {
		if (bpf_map_lookup_elem(fd, &key, vals))
			ctr[key] = 0;
		else
			og_sum_percpu(&ctr[key], vals, sizeof(__u64), ncpu);
	}
	free(vals);
	return 0;
}

static int read_one(const char *path, struct og_segd_view *v)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	int fd, err;

	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	if (bpf_obj_get_info_by_fd(fd, &info, &len) ||
	    info.type != BPF_MAP_TYPE_PERCPU_ARRAY ||
	    info.value_size != sizeof(__u64)) {
		close(fd);
		return -EINVAL;
	}
	err = og_segd_ctrs_read(fd, v->ctr);
	if (!err)
		v->running = map_in_xdp_prog(v->in_ifindex, info.id);
	close(fd);
	return err;
}

int og_segd_read(struct og_segd_view *v, unsigned int max)
{
	unsigned int n = 0;
	struct dirent *de;
	char path[512];
	DIR *d;

	d = opendir(og_pin_path(NULL));
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d)) && n < max) {
		unsigned int in, out;
		char tail;

		if (strncmp(de->d_name, OG_PIN_SEGD_PREFIX,
			    strlen(OG_PIN_SEGD_PREFIX)) ||
		    sscanf(de->d_name + strlen(OG_PIN_SEGD_PREFIX), "%u_%u%c",
			   &in, &out, &tail) != 2)
			continue;
		memset(&v[n], 0, sizeof(v[n]));
		v[n].in_ifindex = in;
		v[n].out_ifindex = out;
		snprintf(path, sizeof(path), "%s/%s", og_pin_path(NULL),
			 de->d_name);
		if (!read_one(path, &v[n]))
			n++;
	}
	closedir(d);
	return n;
}

void og_segd_json(struct json_writer *jw, const struct og_segd_view *v,
		  unsigned int n, bool counters)
{
	char name[IF_NAMESIZE];
	unsigned int i, c;

	jw_name(jw, "segd");
	jw_start_array(jw);
	for (i = 0; i < n; i++) {
		jw_start_object(jw);
		jw_string_field(jw, "in", og_ifname(v[i].in_ifindex, name));
		jw_u64_field(jw, "in_ifindex", v[i].in_ifindex);
		jw_string_field(jw, "out", og_ifname(v[i].out_ifindex, name));
		jw_u64_field(jw, "out_ifindex", v[i].out_ifindex);
		jw_bool_field(jw, "running", v[i].running);
		if (counters) {
			jw_name(jw, "counters");
			jw_start_object(jw);
			for (c = 0; c < __OG_SEGD_CTR_MAX; c++)
				jw_u64_field(jw, og_segd_ctr_name(c),
					     v[i].ctr[c]);
			jw_end_object(jw);
		}
		jw_end_object(jw);
	}
	jw_end_array(jw);
}

void og_segd_text(const struct og_segd_view *v, unsigned int n,
		  bool counters)
{
	char a[IF_NAMESIZE], b[IF_NAMESIZE];
	unsigned int i, c;

	for (i = 0; i < n; i++) {
		printf("segd: %s -> %s%s\n",
		       og_ifname(v[i].in_ifindex, a) ?: "(gone)",
		       og_ifname(v[i].out_ifindex, b) ?: "(gone)",
		       v[i].running ? "" : " (not running: a stale pin)");
		for (c = 0; counters && c < __OG_SEGD_CTR_MAX; c++)
			if (v[i].ctr[c] || c == OG_SEGD_SEGMENTED)
				printf("  %-20s %llu\n", og_segd_ctr_name(c),
				       (unsigned long long)v[i].ctr[c]);
	}
}
