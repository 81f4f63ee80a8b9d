/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Loading tc_guard for tests and benchmarks: as the CLI does (fixture 0)
 * or with fixture metadata taken from __sk_buff->cb[] (fixture 1).
 */
#ifndef OG_SELFTESTS_LOAD_H
#define OG_SELFTESTS_LOAD_H

#include <stdbool.h>
#include "offguard/offguard.h"
#include "tc_guard.skel.h"

static inline struct tc_guard *og_load_guard(bool fixture)
{
	struct og_kconsts kc = OG_KCONSTS_DEFAULT;
	struct tc_guard *s = tc_guard__open();

	if (!s)
		return NULL;
	s->rodata->og_kc = kc;
	s->rodata->og_fixture_meta = fixture;
	if (tc_guard__load(s)) {
		tc_guard__destroy(s);
		return NULL;
	}
	return s;
}

#endif /* OG_SELFTESTS_LOAD_H */
