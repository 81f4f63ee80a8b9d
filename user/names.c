// SPDX-License-Identifier: GPL-2.0-only
#include <ctype.h>
#include <stddef.h>
#include <string.h>

#include "names.h"

/* Longest enumerator suffix plus NUL; checked when the table is built. */
#define OG_NAME_MAX	32

struct og_name_src {
	unsigned int	nr;
	const char	*upper;
};

#define OG_NAME_SRC(name, nr)	{ nr, #name },
static const struct og_name_src reason_src[] = {
	OG_REASON_LIST(OG_NAME_SRC)
};
static const struct og_name_src hook_src[] = {
	OG_HOOK_LIST(OG_NAME_SRC)
};
static const struct og_name_src policy_src[] = {
	OG_POLICY_LIST(OG_NAME_SRC)
};
#undef OG_NAME_SRC

/*
 * The preprocessor cannot lower-case, so the lists give the upper-case
 * suffix and the lower-case names are made once, on first use. Indexed by
 * enum value: the enums are explicitly numbered and dense enough.
 */
static char reason_names[__OG_REASON_MAX][OG_NAME_MAX];
static char hook_names[__OG_HOOK_MAX][OG_NAME_MAX];
static char policy_names[__OG_POLICY_MAX][OG_NAME_MAX];

static void fill_names(char (*dst)[OG_NAME_MAX], unsigned int max,
		       const struct og_name_src *src, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		const char *s = src[i].upper;

		if (src[i].nr >= max || strlen(s) >= OG_NAME_MAX)
			continue;
		for (j = 0; s[j]; j++)
			dst[src[i].nr][j] = tolower((unsigned char)s[j]);
		dst[src[i].nr][j] = '\0';
	}
}

static void names_init(void)
{
	static int done;

	if (done)
		return;
	fill_names(reason_names, __OG_REASON_MAX, reason_src,
		   sizeof(reason_src) / sizeof(reason_src[0]));
	fill_names(hook_names, __OG_HOOK_MAX, hook_src,
		   sizeof(hook_src) / sizeof(hook_src[0]));
	fill_names(policy_names, __OG_POLICY_MAX, policy_src,
		   sizeof(policy_src) / sizeof(policy_src[0]));
	done = 1;
}

static const char *name_at(char (*tab)[OG_NAME_MAX], unsigned int max,
			   unsigned int nr)
{
	names_init();
	if (nr >= max || !tab[nr][0])
		return NULL;
	return tab[nr];
}

const char *og_reason_name(unsigned int reason)
{
	return name_at(reason_names, __OG_REASON_MAX, reason);
}

const char *og_hook_name(unsigned int hook)
{
	return name_at(hook_names, __OG_HOOK_MAX, hook);
}

const char *og_policy_name(unsigned int policy)
{
	return name_at(policy_names, __OG_POLICY_MAX, policy);
}

static const char *const seed_variant_names[__OG_SEED_MAX] = {
	[OG_SEED_FULL_CSUM]	= "full_csum",
	[OG_SEED_LENGTHLESS]	= "lengthless_seed",
	[OG_SEED_ZERO]		= "zero",
	[OG_SEED_OTHER]		= "other",
};

const char *og_seed_variant_name(unsigned int variant)
{
	return variant < __OG_SEED_MAX ? seed_variant_names[variant] : NULL;
}

static const char *const attach_mode_names[__OG_ATTACH_MAX] = {
	[OG_ATTACH_NONE]	= "none",
	[OG_ATTACH_TCX]		= "tcx",
	[OG_ATTACH_CLSACT]	= "clsact",
	[OG_ATTACH_XDP]		= "xdp_native",
	[OG_ATTACH_XDP_SKB]	= "xdp_skb",
	[OG_ATTACH_TRACING]	= "tp_btf",
};

const char *og_attach_mode_name(unsigned int mode)
{
	return mode < __OG_ATTACH_MAX ? attach_mode_names[mode] : NULL;
}

/* Case-insensitive compare where '-' matches '_'. */
static int name_eq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		int ca = *a == '-' ? '_' : tolower((unsigned char)*a);
		int cb = *b == '-' ? '_' : tolower((unsigned char)*b);

		if (ca != cb)
			return 0;
	}
	return *a == *b;
}

static int lookup(const char *name, const char *(*get)(unsigned int),
		  unsigned int max)
{
	unsigned int i;

	if (!name)
		return -1;
	for (i = 0; i < max; i++) {
		const char *n = get(i);

		if (n && name_eq(name, n))
			return i;
	}
	return -1;
}

int og_reason_by_name(const char *name)
{
	return lookup(name, og_reason_name, __OG_REASON_MAX);
}

int og_hook_by_name(const char *name)
{
	return lookup(name, og_hook_name, __OG_HOOK_MAX);
}

int og_policy_by_name(const char *name)
{
	return lookup(name, og_policy_name, __OG_POLICY_MAX);
}

int og_attach_mode_by_name(const char *name)
{
	return lookup(name, og_attach_mode_name, __OG_ATTACH_MAX);
}
