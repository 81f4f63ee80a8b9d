/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Names of offguard's enums as users see them in text and JSON. The reason,
 * hook and policy tables are generated from the X-macro lists in
 * offguard.h, so a new reason gets its name without touching this file.
 * A name is the enumerator suffix in lower case ("partial_bad_seed").
 */
#ifndef OG_NAMES_H
#define OG_NAMES_H

#include "offguard/offguard.h"

/* NULL for a number with no name (a value this offguard does not know). */
const char *og_reason_name(unsigned int reason);
const char *og_hook_name(unsigned int hook);
const char *og_policy_name(unsigned int policy);
const char *og_seed_variant_name(unsigned int variant);
const char *og_attach_mode_name(unsigned int mode);

/*
 * Lookups by name, -1 if unknown. '-' and '_' are equivalent and case is
 * ignored, so the CLI's "tc-ingress" and JSON's "tc_ingress" both work.
 */
int og_reason_by_name(const char *name);
int og_hook_by_name(const char *name);
int og_policy_by_name(const char *name);
int og_attach_mode_by_name(const char *name);

#endif /* OG_NAMES_H */
