// SPDX-License-Identifier: GPL-2.0-only
/*
 * tcx_attach: put a "foreign" tcx program on a device, the way another
 * tool on the host would, so the tests can check that offguard's detach
 * leaves it alone.
 *
 *   tcx_attach attach DEV ingress|egress OBJ [PROG]
 *   tcx_attach detach DEV ingress|egress OBJ [PROG]   (by program name)
 *   tcx_attach detach DEV ingress|egress --id ID
 *   tcx_attach query  DEV ingress|egress             ("ID NAME" lines)
 *
 * Attachment is BPF_PROG_ATTACH (no link), so it outlives this process
 * without a pin, like `tc filter add`. Debian 12's uapi headers predate
 * tcx (6.6): the attach types are spelled out here, and the libbpf 1.1
 * calls used fill the same attr fields that tcx reads.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#define OG_BPF_TCX_INGRESS	46
#define OG_BPF_TCX_EGRESS	47
#define MAX_PROGS		64

static const char *g_cmd = "tcx_attach";
static const char *g_dev = "";

static int fail(const char *what, int err)
{
	fprintf(stderr, "tcx_attach: %s %s: %s: %s\n", g_cmd, g_dev, what,
		err == ENODEV ? "no such device" : strerror(err));
	return 1;
}

static int usage(void)
{
	fprintf(stderr,
		"Usage: tcx_attach attach DEV ingress|egress OBJ [PROG]\n"
		"       tcx_attach detach DEV ingress|egress OBJ [PROG]\n"
		"       tcx_attach detach DEV ingress|egress --id ID\n"
		"       tcx_attach query  DEV ingress|egress\n");
	return 2;
}

static int silent_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	/* libbpf's own warnings go to stderr only when asked for. */
	if (level == LIBBPF_WARN || getenv("TCX_ATTACH_DEBUG"))
		return vfprintf(stderr, fmt, ap);
	return 0;
}

/* Name of the program to attach or detach: PROG, or OBJ's first. */
static int obj_prog_name(const char *path, const char *want, char *name,
			 size_t len, struct bpf_object **objp,
			 struct bpf_program **progp)
{
	struct bpf_program *prog = NULL, *p;
	struct bpf_object *obj;

	obj = bpf_object__open_file(path, NULL);
	if (!obj)
		return -errno;
	bpf_object__for_each_program(p, obj) {
		if (!want || !strcmp(bpf_program__name(p), want)) {
			prog = p;
			break;
		}
	}
	if (!prog) {
		bpf_object__close(obj);
		return -ENOENT;
	}
	/* The kernel keeps 15 characters of a program name. */
	snprintf(name, len, "%.15s", bpf_program__name(prog));
	if (objp) {
		*objp = obj;
		*progp = prog;
	} else {
		bpf_object__close(obj);
	}
	return 0;
}

static int query(int ifindex, int type, __u32 *ids, __u32 *cnt)
{
	LIBBPF_OPTS(bpf_prog_query_opts, q, .prog_ids = ids,
		    .prog_cnt = *cnt);
	int err;

	err = bpf_prog_query_opts(ifindex, type, &q);
	if (err)
		return -errno;
	*cnt = q.prog_cnt;
	return 0;
}

static int prog_name(__u32 id, char *name, size_t len, int *fdp)
{
	struct bpf_prog_info info = {};
	__u32 ilen = sizeof(info);
	int fd;

	fd = bpf_prog_get_fd_by_id(id);
	if (fd < 0)
		return -errno;
	if (bpf_obj_get_info_by_fd(fd, &info, &ilen)) {
		int err = -errno;

		close(fd);
		return err;
	}
	snprintf(name, len, "%s", info.name);
	if (fdp)
		*fdp = fd;
	else
		close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	__u32 ids[MAX_PROGS], cnt = MAX_PROGS, i, want_id = 0;
	char name[32], pname[32];
	struct bpf_program *prog;
	struct bpf_object *obj;
	int ifindex, type, err, fd, n = 0;

	libbpf_set_print(silent_print);
	if (argc < 4)
		return usage();
	g_cmd = argv[1];
	g_dev = argv[2];
	if (!strcmp(argv[3], "ingress"))
		type = OG_BPF_TCX_INGRESS;
	else if (!strcmp(argv[3], "egress"))
		type = OG_BPF_TCX_EGRESS;
	else
		return usage();
	ifindex = (int)if_nametoindex(g_dev);
	if (!ifindex)
		return fail("device", ENODEV);

	if (!strcmp(g_cmd, "query")) {
		if (argc != 4)
			return usage();
		err = query(ifindex, type, ids, &cnt);
		if (err)
			return fail("BPF_PROG_QUERY", -err);
		for (i = 0; i < cnt; i++) {
			if (prog_name(ids[i], name, sizeof(name), NULL))
				snprintf(name, sizeof(name), "?");
			printf("%u %s\n", ids[i], name);
		}
		return 0;
	}

	if (!strcmp(g_cmd, "attach")) {
		if (argc < 5 || argc > 6)
			return usage();
		err = obj_prog_name(argv[4], argc == 6 ? argv[5] : NULL, name,
				    sizeof(name), &obj, &prog);
		if (err)
			return fail(argv[4], -err);
		bpf_program__set_type(prog, BPF_PROG_TYPE_SCHED_CLS);
		err = bpf_object__load(obj);
		if (err)
			return fail("load", -err);
		err = bpf_prog_attach_opts(bpf_program__fd(prog), ifindex,
					   (enum bpf_attach_type)type, NULL);
		if (err)
			return fail("BPF_PROG_ATTACH", errno);
		bpf_object__close(obj);
		return 0;
	}

	if (!strcmp(g_cmd, "detach")) {
		if (argc < 5 || argc > 6)
			return usage();
		if (!strcmp(argv[4], "--id")) {
			if (argc != 6)
				return usage();
			want_id = (__u32)strtoul(argv[5], NULL, 0);
		} else {
			err = obj_prog_name(argv[4], argc == 6 ? argv[5] : NULL,
					    pname, sizeof(pname), NULL, NULL);
			if (err)
				return fail(argv[4], -err);
		}
		err = query(ifindex, type, ids, &cnt);
		if (err)
			return fail("BPF_PROG_QUERY", -err);
		for (i = 0; i < cnt; i++) {
			if (prog_name(ids[i], name, sizeof(name), &fd))
				continue;
			if (want_id ? ids[i] == want_id : !strcmp(name, pname)) {
				if (bpf_prog_detach2(fd, ifindex,
						     (enum bpf_attach_type)type)) {
					err = errno;
					close(fd);
					return fail("BPF_PROG_DETACH", err);
				}
				n++;
			}
			close(fd);
		}
		if (!n) {
			if (want_id)
				fprintf(stderr,
					"tcx_attach: detach %s: no program with id %u attached\n",
					g_dev, want_id);
			else
				fprintf(stderr,
					"tcx_attach: detach %s: no program named %s attached\n",
					g_dev, pname);
			return 1;
		}
		return 0;
	}
	return usage();
}
