// SPDX-License-Identifier: GPL-2.0-only
/*
 * offguard: command line entry. Global options, then a subcommand chosen
 * from a table by prefix (bpftool's habit: "offguard stat" is stats), then
 * the subcommand parses its own options with getopt_long.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>

#include "commands.h"
#include "logging.h"
#include "util.h"

#ifndef OG_VERSION
#define OG_VERSION	"0.1.0"
#endif

static int cmd_help(int argc, char **argv);

struct cmd {
	const char	*name;
	int		(*func)(int argc, char **argv);
	const char	*summary;
};

/*
 * Order matters: a prefix selects the first command it matches, so the
 * more used command comes first where names share a prefix ("stat" and
 * "s" are stats; "statu" is status; "d" is detach, "du" dump).
 */
static const struct cmd cmds[] = {
	{ "attach",	cmd_attach,	"attach offguard's checks to devices" },
	{ "detach",	cmd_detach,	"remove them again (--all: full reset)" },
	{ "stats",	cmd_stats,	"statistics and rule counters per device" },
	{ "status",	cmd_status,	"features, and what is attached where" },
	{ "report",	cmd_report,	"per-device offload mismatches: diagnosis and fix" },
	{ "dump",	cmd_dump,	"sampled offending packets to a pcapng file" },
	{ "demo",	cmd_demo,	"self-contained showcase in private netns" },
	{ "daemon",	cmd_daemon,	"attach to devices as they come, from a config file" },
	{ "segd",	cmd_segd,	"segment super-frames an XDP fast path cannot send (AF_XDP)" },
	{ "help",	cmd_help,	"this text, or a command's help" },
};

#define NR_CMDS		(sizeof(cmds) / sizeof(cmds[0]))

static const char main_usage[] =
	"offguard [-v] [-j|-p] COMMAND [ARGS...]   (offguard help)";

static void usage(FILE *f)
{
	unsigned int i;

	fprintf(f,
		"usage: offguard [OPTIONS] COMMAND [ARGS...]\n"
		"\n"
		"offguard validates checksum and GSO offload metadata of packets with\n"
		"eBPF and counts what breaks, per device, hook and rule.\n"
		"\n"
		"Commands (a prefix is enough: the first match wins, \"stat\" is stats):\n");
	for (i = 0; i < NR_CMDS; i++)
		fprintf(f, "  %-8s %s\n", cmds[i].name, cmds[i].summary);
	fprintf(f,
		"\n"
		"Options (before or after the command):\n"
		"  -v, --verbose   more messages; repeat for libbpf debug output\n"
		"  -j, --json      JSON output\n"
		"  -p, --pretty    pretty JSON (implies -j)\n"
		"  -h, --help      help; 'offguard COMMAND --help' for a command\n"
		"  -V, --version   version\n"
		"\n"
		"Exit codes: 0 success, 1 failure, 2 usage error.\n");
}

static const struct cmd *cmd_find(const char *name)
{
	size_t len = strlen(name);
	unsigned int i;

	if (!len)
		return NULL;
	/* an exact name always wins over a prefix of an earlier one */
	for (i = 0; i < NR_CMDS; i++)
		if (!strcmp(name, cmds[i].name))
			return &cmds[i];
	for (i = 0; i < NR_CMDS; i++)
		if (!strncmp(name, cmds[i].name, len))
			return &cmds[i];
	return NULL;
}

static int cmd_help(int argc, char **argv)
{
	const struct cmd *c;
	char *help_argv[] = { NULL, "--help", NULL };

	if (argc < 2) {
		usage(stdout);
		return OG_EXIT_OK;
	}
	c = cmd_find(argv[1]);
	if (!c)
		return og_usage_error(main_usage, "help: unknown command '%s'",
				      argv[1]);
	if (c->func == cmd_help) {
		usage(stdout);
		return OG_EXIT_OK;
	}
	help_argv[0] = (char *)c->name;
	return c->func(2, help_argv);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "verbose",	no_argument, NULL, 'v' },
		{ "json",	no_argument, NULL, 'j' },
		{ "pretty",	no_argument, NULL, 'p' },
		{ "help",	no_argument, NULL, 'h' },
		{ "version",	no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	const struct cmd *cmd;
	int c, rc;

	og_log_setup_libbpf();

	/*
	 * '+': stop at the first non-option, the subcommand; what follows is
	 * the subcommand's to parse. ':' tells a missing argument apart.
	 */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:vjphV", opts, NULL)) != -1) {
		if (og_common_opt(c))
			continue;
		switch (c) {
		case 'h':
			usage(stdout);
			return OG_EXIT_OK;
		case 'V':
			printf("offguard %s (libbpf %s)\n", OG_VERSION,
			       libbpf_version_string());
			return OG_EXIT_OK;
		default:
			return og_bad_option(NULL, main_usage, c, argc, argv);
		}
	}
	if (optind >= argc)
		return og_usage_error(main_usage, "no command given");

	cmd = cmd_find(argv[optind]);
	if (!cmd)
		return og_usage_error(main_usage, "unknown command '%s'",
				      argv[optind]);

	rc = cmd->func(argc - optind, argv + optind);
	fflush(stdout);
	return rc;
}
