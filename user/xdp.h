/* SPDX-License-Identifier: GPL-2.0-only */
/* offguard's XDP program on devices, through libxdp (see xdp.c). */
#ifndef OG_XDP_H
#define OG_XDP_H

#include <linux/types.h>

#include "instance.h"

/* 1 and *out filled if offguard's XDP program is on ifindex, else 0. */
int og_xdp_query(__u32 ifindex, struct og_live *out);

/*
 * Attach og_xdp to ifindex in mode OG_ATTACH_XDP (native) or
 * OG_ATTACH_XDP_SKB, loading it with inst's maps when inst holds none.
 * Prints nothing; returns 0 or -errno.
 */
int og_xdp_attach(struct og_instance *inst, __u32 ifindex,
		  enum og_attach_mode mode, __u32 *prog_id);

/* Remove offguard's XDP program from ifindex (and nothing else). */
int og_xdp_detach(__u32 ifindex, unsigned int *removed);

#endif /* OG_XDP_H */
