// SPDX-License-Identifier: GPL-2.0-only
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "logging.h"

int og_verbose;
bool og_json;
bool og_pretty;

static void og_vlog(enum og_log_level level, const char *fmt, va_list ap)
{
	if ((int)level > og_verbose)
		return;
	vfprintf(stderr, fmt, ap);
}

void og_log(enum og_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	og_vlog(level, fmt, ap);
	va_end(ap);
}

static void json_escape_put(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
}

void p_err(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	if (og_json) {
		fputs("{\"error\":\"", stdout);
		json_escape_put(stdout, msg);
		fputs("\"}\n", stdout);
		fflush(stdout);
		return;
	}
	fprintf(stderr, "offguard: %s\n", msg);
}

/*
 * libbpf is chatty at warn level about things offguard handles itself
 * (probing for features, retrying without pins), so its levels are
 * demoted by one: its warnings show with -v, its debug with -vv... -vvv.
 */
static int libbpf_print_fn(enum libbpf_print_level level, const char *fmt,
			   va_list ap)
{
	enum og_log_level ours;

	switch (level) {
	case LIBBPF_WARN:
		ours = OG_LOG_INFO;
		break;
	case LIBBPF_INFO:
		ours = OG_LOG_DEBUG;
		break;
	default:
		if (og_verbose < 3)
			return 0;
		ours = OG_LOG_DEBUG;
		break;
	}
	if ((int)ours > og_verbose)
		return 0;
	/* libbpf's messages already start with "libbpf: " */
	return vfprintf(stderr, fmt, ap);
}

/* libxdp's levels mirror libbpf's; its messages start with "libxdp: ". */
static int libxdp_print_fn(enum libxdp_print_level level, const char *fmt,
			   va_list ap)
{
	return libbpf_print_fn((enum libbpf_print_level)level, fmt, ap);
}

void og_log_setup_libbpf(void)
{
	libbpf_set_print(libbpf_print_fn);
	libxdp_set_print(libxdp_print_fn);
}
