/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One door for every message offguard prints. Errors go to stderr as
 * "offguard: <what> <object>: <cause>" (bpftool's p_err habit); in JSON
 * mode they go to stdout as {"error": "..."} so scripts get one document.
 */
#ifndef OG_LOGGING_H
#define OG_LOGGING_H

#include <stdbool.h>

enum og_log_level {
	OG_LOG_WARN	= 0,
	OG_LOG_INFO	= 1,
	OG_LOG_DEBUG	= 2,
};

extern int og_verbose;		/* -v count: 0 warn, 1 info, 2+ debug */
extern bool og_json;		/* -j */
extern bool og_pretty;		/* -p */

void og_log(enum og_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Fatal-for-this-command error: words, never a bare errno. */
void p_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Route libbpf's (and later libxdp's) messages through og_log, one level down. */
void og_log_setup_libbpf(void);

#define pr_warn(fmt, ...)	og_log(OG_LOG_WARN, fmt, ##__VA_ARGS__)
#define pr_info(fmt, ...)	og_log(OG_LOG_INFO, fmt, ##__VA_ARGS__)
#define pr_debug(fmt, ...)	og_log(OG_LOG_DEBUG, fmt, ##__VA_ARGS__)

#endif /* OG_LOGGING_H */
