/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Subcommands. Each returns the process exit code: 0 success, 1 failure,
 * 2 usage (DESIGN §6). argv[0] is the subcommand name.
 */
#ifndef OG_COMMANDS_H
#define OG_COMMANDS_H

#define OG_EXIT_OK	0
#define OG_EXIT_FAIL	1
#define OG_EXIT_USAGE	2

int cmd_attach(int argc, char **argv);
int cmd_detach(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_dump(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_daemon(int argc, char **argv);
int cmd_segd(int argc, char **argv);

/*
 * stats' Prometheus textfile writer, for the daemon: every device, written
 * atomically (PATH.tmp, fsync, rename). Errors are reported prefixed by
 * 'what' and returned as -errno.
 */
struct og_instance;
int og_prom_write_file(const struct og_instance *inst, const char *path,
		       const char *what);

#endif /* OG_COMMANDS_H */
