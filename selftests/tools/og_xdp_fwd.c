// SPDX-License-Identifier: GPL-2.0-only
/*
 * og_xdp_fwd IN OUT: attach selftests/progs/xdp_fwd.bpf.c to IN in skb
 * mode, redirecting every frame to OUT, until SIGINT/SIGTERM. The
 * attachment is a link owned by this process: it goes when it exits.
 */
#include <errno.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "xdp_fwd.skel.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = sig;
}

int main(int argc, char **argv)
{
	LIBBPF_OPTS(bpf_link_create_opts, o, .flags = XDP_FLAGS_SKB_MODE);
	struct sigaction sa = { .sa_handler = on_signal };
	unsigned int in, out;
	struct xdp_fwd *skel;
	int link, rc = 1;

	if (argc != 3) {
		fprintf(stderr, "usage: og_xdp_fwd IN OUT\n");
		return 2;
	}
	in = if_nametoindex(argv[1]);
	out = if_nametoindex(argv[2]);
	if (!in || !out) {
		fprintf(stderr, "og_xdp_fwd: %s: no such device\n",
			in ? argv[2] : argv[1]);
		return 1;
	}
	skel = xdp_fwd__open();
	if (!skel) {
		fprintf(stderr, "og_xdp_fwd: open: %s\n", strerror(errno));
		return 1;
	}
	skel->rodata->fwd_ifindex = out;
	if (xdp_fwd__load(skel)) {
		fprintf(stderr, "og_xdp_fwd: load: %s\n", strerror(errno));
		goto out;
	}
	link = bpf_link_create(bpf_program__fd(skel->progs.og_xdp_fwd), in,
			       BPF_XDP, &o);
	if (link < 0) {
		fprintf(stderr, "og_xdp_fwd: attach to %s: %s\n", argv[1],
			strerror(errno));
		goto out;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	printf("og_xdp_fwd: %s -> %s\n", argv[1], argv[2]);
	fflush(stdout);
	while (!stop)
		pause();
	close(link);
	rc = 0;
out:
	xdp_fwd__destroy(skel);
	return rc;
}
