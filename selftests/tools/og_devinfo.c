// SPDX-License-Identifier: GPL-2.0-only
/*
 * og_devinfo: what user/devinfo.c reads, as JSON lines, so that
 * test_devinfo.sh can hold it against `ip -j -d link show` and
 * `ethtool -k`.
 *
 *   og_devinfo [-v]                   every link (og_devinfo_list)
 *   og_devinfo [-v] --get IFINDEX...  each one by index (og_devinfo_get)
 *
 * One object per device and line. An ifindex that cannot be read prints
 * "og_devinfo: get N: <errno name> (<-errno>)" on stderr and exits 1
 * after the others.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devinfo.h"
#include "json_writer.h"
#include "logging.h"
#include "util.h"

static void print_dev(const struct og_devinfo *d)
{
	struct json_writer *jw = jw_new(stdout, false);

	if (!jw) {
		fprintf(stderr, "og_devinfo: out of memory\n");
		exit(1);
	}
	jw_start_object(jw);
	jw_u64_field(jw, "ifindex", d->ifindex);
	jw_string_field(jw, "name", d->name);
	jw_string_field(jw, "kind", d->kind);
	jw_string_field(jw, "driver", d->driver);
	jw_bool_field(jw, "is_tap", d->is_tap);
	jw_bool_field(jw, "up", d->up);
	jw_u64_field(jw, "mtu", d->mtu);
	jw_u64_field(jw, "gso_max_size", d->gso_max_size);
	jw_u64_field(jw, "gso_max_segs", d->gso_max_segs);
	jw_u64_field(jw, "master", d->master);
	jw_u64_field(jw, "link", d->link);
	jw_u64_field(jw, "xdp_prog_id", d->xdp_prog_id);
	jw_u64_field(jw, "xdp_mode", d->xdp_mode);
	jw_bool_field(jw, "have_features", d->have_features);
	jw_name(jw, "features");
	og_devinfo_json_features(jw, d);
	jw_end_object(jw);
	jw_destroy(&jw);
}

int main(int argc, char **argv)
{
	struct og_devinfo *v, d;
	unsigned int nr, i, idx;
	int a = 1, err, rc = 0;

	if (a < argc && !strcmp(argv[a], "-v")) {
		og_verbose = 2;
		a++;
	}
	if (a == argc) {
		err = og_devinfo_list(&v, &nr);
		if (err) {
			fprintf(stderr, "og_devinfo: list: %s (%d)\n",
				strerrorname_np(-err), err);
			return 1;
		}
		for (i = 0; i < nr; i++)
			print_dev(&v[i]);
		free(v);
		return 0;
	}
	if (strcmp(argv[a], "--get") || a + 1 == argc) {
		fprintf(stderr,
			"Usage: og_devinfo [-v]\n"
			"       og_devinfo [-v] --get IFINDEX...\n");
		return 2;
	}
	for (a++; a < argc; a++) {
		if (!og_parse_u32(argv[a], 0, ~0U, &idx)) {
			fprintf(stderr, "og_devinfo: bad ifindex '%s'\n", argv[a]);
			return 2;
		}
		err = og_devinfo_get(idx, &d);
		if (err) {
			fprintf(stderr, "og_devinfo: get %u: %s (%d)\n", idx,
				strerrorname_np(-err), err);
			rc = 1;
			continue;
		}
		print_dev(&d);
	}
	return rc;
}
