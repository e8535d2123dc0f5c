/* cli.h — the `minsheng` command line: shared helpers for subcommands.
 * Each subcommand lives in its own file as `int cli_cmd_NAME(int argc, char
 * **argv)`, receives argv starting at its own name, and returns the exit
 * code: 0 success, 1 failure, 2 usage error. Subcommands are thin: they parse
 * options, call one core function and print its result. */
#ifndef MS_CLI_CLI_H
#define MS_CLI_CLI_H

#include "base/err.h"
#include "base/progress.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum { CLI_OK = 0, CLI_FAIL = 1, CLI_USAGE = 2 };

/* the handlers of commands.h */
#define CLI_COMMAND(name, summary, fn) int fn(int argc, char **argv);
#include "cli/commands.h"
#undef CLI_COMMAND

/* The database path: --db, else MINSHENG_DB, else the configuration's
 * [database] path, else ./minsheng.db. */
const char *cli_db_path(const char *opt);
/* Where the database path came from: "option", "env", "config", "default". */
const char *cli_db_source(void);
/* The access log: the configuration's [database] access_log when the
 * database is the configured one, else the database path + ".access". */
const char *cli_access_path(void);

/* The configuration file (src/ops/config.h): --config, else
 * $MINSHENG_CONFIG ("none": no file), else /etc/minsheng/minsheng.conf when
 * it exists. cli_config_path names it (before the first cli_config);
 * cli_config_file says which applies (NULL: none). cli_config reads it
 * once; a file that does not load is reported on standard error and ends
 * the program with exit 1, so no command goes on with another database
 * than the configured one. NULL when there is no file. */
struct ms_config;
void cli_config_path(const char *path);
const char *cli_config_file(void);
const struct ms_config *cli_config(void);
/* Makes c (copied; NULL: none) the configuration of cli_config, also when
 * it has problems (`doctor` goes on with what could be read). */
void cli_config_use(const struct ms_config *c);
/* Prints a configuration's problems as "file:line: message" lines. */
void cli_config_report(const struct ms_config *c, FILE *out);
/* Prints "minsheng CMD: message" and a pointer to --help on stderr; returns 2. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints "minsheng CMD: message" on stderr; returns 1. */
int cli_fail(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints the error context's message; returns 1. */
int cli_fail_err(const char *cmd, const ms_error *err);
/* True when the argument is -h or --help. */
bool cli_is_help(const char *arg);

/* A progress bar on standard error, drawn only when it is a terminal. */
typedef struct cli_progress {
	ms_progress p;
	bool tty;
	double last; /* seconds, monotonic, of the last draw */
	double start;
	int drawn;
} cli_progress;
void cli_progress_init(cli_progress *cp);
void cli_progress_done(cli_progress *cp);



/* The policy pack folder: --pack, else MINSHENG_PACK, else the
 * configuration's [pack] path, else ./policy/guangdong when it exists, else
 * the installed copy (PREFIX/share/minsheng/policy/guangdong beside
 * PREFIX/bin/minsheng). */
const char *cli_pack_dir(const char *opt);
/* Opens the database named by cli_db_path (which must exist unless create). */
struct ms_store;
int cli_open_store(const char *cmd, bool create, struct ms_store **out);
/* Prints a JSON value (jansson json_t *) on stdout, indented, and frees it. */
void cli_print_json(void *json);

/* rules: load the pack named by cli_pack_dir; print a plan; run rule tests */
struct ms_pack;
int cli_rules_load(const char *cmd, struct ms_pack **out);
int cli_rules_plan(struct ms_pack *pack, const char *rule);
int cli_rules_test(struct ms_pack *pack, bool json);
#endif
