/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Environment checks and small helpers shared by the subcommands. Checks
 * return 0 or a negative errno and leave the wording of the error to the
 * caller, which knows the command and device it is about; og_errstr()
 * turns the errno into the words offguard uses everywhere.
 */
#ifndef OG_UTIL_H
#define OG_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <net/if.h>

struct btf;

#define OG_VMLINUX_BTF	"/sys/kernel/btf/vmlinux"

/*
 * Words for an errno (sign ignored): lower case, no trailing period, and
 * EPERM/EACCES say which privileges offguard needs.
 */
const char *og_errstr(int err);

/* 0 if the effective user can do BPF and tc work (root), else -EPERM. */
int og_check_root(void);
/* 0 if the kernel exposes its BTF, else -ENOENT. */
int og_check_btf(void);

/*
 * Report a problem: as the command's error (p_err, JSON-aware) when fatal,
 * else as a warning on stderr, so that read-only commands keep their
 * stdout one clean document.
 */
void og_report(bool fatal, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Make sure /sys/fs/bpf is a bpffs (mounting one if not: inside
 * "ip netns exec" /sys is a fresh sysfs without it; a bpffs named by
 * $OFFGUARD_BPFFS is never mounted) and that <bpffs>/offguard exists. On failure reports (og_report) the path and
 * the cause, prefixed by 'what' (e.g. "attach"), and returns -errno.
 */
int og_bpffs_prepare(const char *what, bool fatal);
/* true if this process mounted the bpffs (og_bpffs_prepare). */
bool og_bpffs_mounted_here(void);
/* true if the bpffs (see og_bpffs) is mounted (no side effects). */
bool og_bpffs_mounted(void);
/* The bpffs offguard pins in: $OFFGUARD_BPFFS, or /sys/fs/bpf. */
const char *og_bpffs(void);
/*
 * <bpffs>/offguard/<name>, or the directory itself for NULL. Static
 * storage, valid until four more calls.
 */
const char *og_pin_path(const char *name);

/* The device's driver name ("veth", "tun", ...) into buf, or NULL. */
const char *og_dev_driver(const char *ifname, char *buf, size_t size);
/* true for devices without a link header (TUN in IFF_TUN mode). */
bool og_dev_is_l3(const char *ifname);

/* ifindex of a device in this netns, or 0 if there is none. */
unsigned int og_ifindex(const char *ifname);
/* Name of an ifindex in this netns into buf, or NULL if it is gone. */
const char *og_ifname(unsigned int ifindex, char buf[IF_NAMESIZE]);

/* vmlinux BTF, loaded once and kept for the process; NULL if missing. */
const struct btf *og_vmlinux_btf(void);

/* Feature probes, cached. */
bool og_probe_tcx(void);
bool og_probe_kfunc(const char *name);

/*
 * Usage error: prints "offguard: <msg>" (JSON-aware) and the usage line on
 * stderr, returns OG_EXIT_USAGE.
 */
int og_usage_error(const char *usage, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Options every subcommand accepts after its name as well as before it:
 * -j/--json, -p/--pretty, -v/--verbose. -h/--help is the command's own.
 */
#define OG_COMMON_SHORTOPTS	":jpvh"
#define OG_COMMON_LONGOPTS					\
	{ "json",	no_argument,	NULL, 'j' },		\
	{ "pretty",	no_argument,	NULL, 'p' },		\
	{ "verbose",	no_argument,	NULL, 'v' },		\
	{ "help",	no_argument,	NULL, 'h' }

/* Handles j/p/v; returns false for any other option character. */
bool og_common_opt(int c);
/* Before a subcommand parses its argv with getopt_long. */
void og_getopt_reset(void);
/*
 * Report an option getopt_long rejected: c is what it returned, '?' or
 * ':' (option strings start with ':' so a missing argument is told apart).
 * getopt runs with opterr = 0 so the message reads "offguard: <cmd>: ..."
 * rather than getopt's own wording (cmd NULL: global options). Returns
 * OG_EXIT_USAGE.
 */
int og_bad_option(const char *cmd, const char *usage, int c, int argc,
		  char **argv);

/* Parse an unsigned decimal in [min, max]; false if not one. */
bool og_parse_u32(const char *s, unsigned int min, unsigned int max,
		  unsigned int *out);

#endif /* OG_UTIL_H */
