/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Kernel constants the BPF program cannot relocate with CO-RE (anonymous
 * enums: NETIF_F_*_BIT, SKB_GSO_*), read from the running kernel's BTF.
 */
#ifndef OG_KCONSTS_H
#define OG_KCONSTS_H

#include "offguard/offguard.h"

/*
 * Fill kc from vmlinux BTF, starting from OG_KCONSTS_DEFAULT and overriding
 * each value the BTF names. Without BTF the defaults stay (returns
 * -ENOENT, kc still usable). Logs every value and its origin at debug.
 */
int og_kconsts_resolve(struct og_kconsts *kc);

#endif /* OG_KCONSTS_H */
