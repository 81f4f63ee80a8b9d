/* SPDX-License-Identifier: GPL-2.0-only */
/* The drop watcher (tp_btf/kfree_skb): see kdrop.c. */
#ifndef OG_KDROP_H
#define OG_KDROP_H

#include <stdbool.h>
#include <linux/types.h>

#include "instance.h"

struct og_kdrop {
	__u32	link_id;
	__u32	prog_id;
};

/* The instance's running watcher, if any (found through the kernel). */
bool og_kdrop_find(const struct og_instance *inst, struct og_kdrop *out);

/*
 * Start the watcher for this network namespace unless it runs already,
 * and pin its link. Prints nothing on failure; returns 0 or -errno.
 */
int og_kdrop_ensure(const struct og_instance *inst, const char *what);

/* Stop it (detach --all). Reports failures (p_err). */
int og_kdrop_remove(const struct og_instance *inst, const char *what);

#endif /* OG_KDROP_H */
