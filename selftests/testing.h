/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Minimal test harness in the spirit of the kernel's bpf selftests:
 * ASSERT_* print what failed and return bool so a test reads
 *	if (!ASSERT_OK(err, "attach")) goto out;
 * Each test ends with exactly one line the runner counts:
 *	PASS: name | FAIL: name: why | SKIP: name: reason
 */
#ifndef OG_TESTING_H
#define OG_TESTING_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

struct og_test_state {
	const char	*name;
	int		failed;		/* asserts failed in the current test */
	char		why[256];
	int		passes, fails, skips;
};

extern struct og_test_state og_t;

static inline void og_test_begin(const char *name)
{
	og_t.name = name;
	og_t.failed = 0;
	og_t.why[0] = 0;
}

static inline void og_test_end(void)
{
	if (og_t.failed) {
		printf("FAIL: %s: %s\n", og_t.name, og_t.why);
		og_t.fails++;
	} else {
		printf("PASS: %s\n", og_t.name);
		og_t.passes++;
	}
	fflush(stdout);
}

static inline void og_test_skip(const char *name, const char *reason)
{
	printf("SKIP: %s: %s\n", name, reason);
	og_t.skips++;
	fflush(stdout);
}

#define OG_FAILF(fmt, ...) ({						\
	if (!og_t.failed)						\
		snprintf(og_t.why, sizeof(og_t.why), fmt, ##__VA_ARGS__);\
	fprintf(stderr, "  %s:%d: " fmt "\n", __FILE__, __LINE__,	\
		##__VA_ARGS__);						\
	og_t.failed++;							\
	false;								\
})

#define ASSERT_TRUE(cond, what) ({					\
	bool ___ok = (cond);						\
	if (!___ok)							\
		OG_FAILF("%s: unexpectedly false", (what));		\
	___ok;								\
})

#define ASSERT_EQ(actual, expected, what) ({				\
	unsigned long long ___a = (actual), ___e = (expected);		\
	bool ___ok = ___a == ___e;					\
	if (!___ok)							\
		OG_FAILF("%s: got %llu (0x%llx), want %llu (0x%llx)",	\
			 (what), ___a, ___a, ___e, ___e);		\
	___ok;								\
})

#define ASSERT_OK(err, what) ({						\
	long long ___err = (err);					\
	bool ___ok = ___err == 0;					\
	if (!___ok)							\
		OG_FAILF("%s: error %lld (%s)", (what), ___err,	\
			 strerror(___err < 0 ? -___err : ___err));	\
	___ok;								\
})

#define ASSERT_OK_PTR(ptr, what) ({					\
	const void *___p = (ptr);					\
	bool ___ok = ___p != NULL;					\
	if (!___ok)							\
		OG_FAILF("%s: NULL", (what));				\
	___ok;								\
})

#endif /* OG_TESTING_H */
