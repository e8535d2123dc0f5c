/* main.c — entry point of `minsheng`: global options, then the subcommand. */
#include "cli/cli.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

#define MINSHENG_VERSION "0.1.0"

#define CLI_COMMAND(name, summary, fn) int fn(int argc, char **argv);
#include "cli/commands.h"
#undef CLI_COMMAND

typedef struct {
	const char *name, *summary;
	int (*run)(int argc, char **argv);
} cli_command;

static const cli_command commands[] = {
#define CLI_COMMAND(name, summary, fn) {#name, summary, fn},
#include "cli/commands.h"
#undef CLI_COMMAND
};

int cli_cmd_version(int argc, char **argv)
{
	if (argc > 1 && cli_is_help(argv[1])) {
		printf("用法 usage: minsheng version\n显示版本 / print the version\n");
		return CLI_OK;
	}
	if (argc > 1)
		return cli_usage_error("version", "不接受参数 (takes no arguments)");
	printf("minsheng %s\n", MINSHENG_VERSION);
	return CLI_OK;
}

static void usage(FILE *out)
{
	fprintf(out, "minsheng %s — 民生：低收入人口动态监测与政策找人\n\n"
	             "用法 usage: minsheng [--db PATH] [--config PATH] COMMAND [options]\n\n"
	             "命令 commands:\n",
	        MINSHENG_VERSION);
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\n数据库 database: --db PATH, else $MINSHENG_DB, else the configuration's [database]\n"
	             "path (--config PATH, $MINSHENG_CONFIG, /etc/minsheng/minsheng.conf), else ./minsheng.db\n"
	             "每个命令都有 --help / every command takes --help\n");
}

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	int i = 1;
	/* global options before the command */
	while (i < argc && argv[i][0] == '-') {
		if (strcmp(argv[i], "--db") == 0 && i + 1 < argc) {
			cli_db_path(argv[i + 1]);
			i += 2;
		} else if (strncmp(argv[i], "--db=", 5) == 0) {
			cli_db_path(argv[i] + 5);
			i++;
		} else if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
			cli_config_path(argv[i + 1]);
			i += 2;
		} else if (strncmp(argv[i], "--config=", 9) == 0) {
			cli_config_path(argv[i] + 9);
			i++;
		} else if (cli_is_help(argv[i])) {
			usage(stdout);
			return CLI_OK;
		} else if (strcmp(argv[i], "--version") == 0) {
			char *args[] = {"version", NULL};
			return cli_cmd_version(1, args);
		} else {
			fprintf(stderr, "minsheng: 未知选项 %s (unknown option)\n", argv[i]);
			usage(stderr);
			return CLI_USAGE;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return CLI_USAGE;
	}
	for (size_t c = 0; c < sizeof commands / sizeof commands[0]; c++)
		if (strcmp(argv[i], commands[c].name) == 0)
			return commands[c].run(argc - i, argv + i);
	fprintf(stderr, "minsheng: 未知命令 %s (unknown command); 见 minsheng --help\n", argv[i]);
	return CLI_USAGE;
}
