/* util.c — helpers shared by the subcommands: database path, errors, progress. */
#include "cli/cli.h"

#include "base/log.h"
#include "ops/config.h"
#include "store/store.h"

#include <ctype.h>
#include <jansson.h>

#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *db_override;
static const char *config_override;
static ms_config config;
static int config_state; /* 0 not read, 1 read, 2 no file */

void cli_config_path(const char *path)
{
	if (path && *path)
		config_override = path;
}

const char *cli_config_file(void)
{
	if (config_override)
		return config_override;
	bool explicit_;
	return ms_config_default_path(&explicit_);
}

const ms_config *cli_config(void)
{
	if (config_state == 1)
		return &config;
	if (config_state == 2)
		return NULL;
	const char *path = cli_config_file();
	if (!path) {
		config_state = 2;
		return NULL;
	}
	ms_error err;
	ms_error_clear(&err);
	if (ms_config_load(path, &config, &err)) {
		/* a command must not go on with another database or pack than the
		 * configured ones because the file has a typo */
		fprintf(stderr, "minsheng: 配置文件有误 (configuration error):\n");
		cli_config_report(&config, stderr);
		fprintf(stderr, "见 see: minsheng config check %s\n", path);
		exit(CLI_FAIL);
	}
	config_state = 1;
	return &config;
}

void cli_config_use(const ms_config *c)
{
	if (c) {
		config = *c;
		config_state = 1;
	} else {
		config_state = 2;
	}
}

void cli_config_report(const ms_config *c, FILE *out)
{
	int kept = c->nproblems < MS_CONFIG_PROBLEMS_MAX ? c->nproblems : MS_CONFIG_PROBLEMS_MAX;
	for (int i = 0; i < kept; i++) {
		if (c->problems[i].line)
			fprintf(out, "%s:%d: %s\n", c->file, c->problems[i].line, c->problems[i].msg);
		else
			fprintf(out, "%s: %s\n", c->file, c->problems[i].msg);
	}
	if (c->nproblems > kept)
		fprintf(out, "%s: 另有 %d 个问题 / %d more problems\n", c->file, c->nproblems - kept,
		        c->nproblems - kept);
}

const char *cli_db_source(void)
{
	if (db_override)
		return "option";
	const char *env = getenv("MINSHENG_DB");
	if (env && *env)
		return "env";
	const ms_config *c = cli_config();
	if (c && c->db[0])
		return "config";
	return "default";
}

const char *cli_db_path(const char *opt)
{
	if (opt && *opt)
		db_override = opt;
	if (db_override)
		return db_override;
	const char *env = getenv("MINSHENG_DB");
	if (env && *env)
		return env;
	const ms_config *c = cli_config();
	if (c && c->db[0])
		return c->db;
	return "./minsheng.db";
}

const char *cli_access_path(void)
{
	static char path[MS_CONFIG_PATH_MAX + 16];
	const char *env = getenv("MINSHENG_ACCESS");
	if (env && *env)
		return env;
	const ms_config *c = cli_config();
	/* the configured log belongs to the configured database */
	if (c && c->access_log[0] && strcmp(cli_db_source(), "config") == 0)
		return c->access_log;
	const char *db = cli_db_path(NULL);
	if (strncmp(db, "postgresql://", 13) == 0 || strncmp(db, "postgres://", 11) == 0) {
		/* a server database: the log is a local file named after it, in
		 * the working folder (name it with access_log or MINSHENG_ACCESS) */
		const char *name = strchr(db + 13, '/');
		char base[128];
		size_t o = 0;
		for (const char *p = name ? name + 1 : ""; *p && *p != '?' && o + 1 < sizeof base; p++)
			base[o++] = (isalnum((unsigned char)*p) || *p == '_' || *p == '-') ? *p : '_';
		base[o] = 0;
		snprintf(path, sizeof path, "%s.access", o ? base : "minsheng");
		return path;
	}
	snprintf(path, sizeof path, "%s.access", db);
	return path;
}

bool cli_is_help(const char *arg) { return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0; }

/* Error messages are scrubbed like log lines (base/log.h): under cron or
 * systemd a command's standard error is a log, and the operator who typed
 * an identity number still recognises it by its first and last digits. */
__attribute__((format(printf, 2, 0))) static void print_error(const char *cmd, const char *fmt,
                                                               va_list ap)
{
	char msg[2048], clean[2048];
	vsnprintf(msg, sizeof msg, fmt, ap);
	ms_log_scrub(msg, clean, sizeof clean);
	fprintf(stderr, "minsheng %s: %s\n", cmd, clean);
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	print_error(cmd, fmt, ap);
	va_end(ap);
	fprintf(stderr, "见 see: minsheng %s --help\n", cmd);
	return CLI_USAGE;
}

int cli_fail(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	print_error(cmd, fmt, ap);
	va_end(ap);
	return CLI_FAIL;
}

int cli_fail_err(const char *cmd, const ms_error *err)
{
	cli_fail(cmd, "%s", ms_error_text(err));
	return err && err->code == MS_ERR_USAGE ? CLI_USAGE : CLI_FAIL;
}

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void progress_draw(void *ctx, const char *stage, uint64_t done, uint64_t total)
{
	cli_progress *cp = ctx;
	if (!cp->tty)
		return;
	double t = now_seconds();
	if (cp->drawn && t - cp->last < 0.1 && (total == 0 || done < total))
		return;
	cp->last = t;
	cp->drawn = 1;
	double el = t - cp->start;
	if (total) {
		int width = 30;
		int fill = (int)((double)width * (double)done / (double)total);
		if (fill > width)
			fill = width;
		char bar[64];
		for (int i = 0; i < width; i++)
			bar[i] = i < fill ? '#' : '.';
		bar[width] = '\0';
		fprintf(stderr, "\r%s [%s] %5.1f%% %.0fs ", stage, bar,
		        100.0 * (double)done / (double)total, el);
	} else {
		fprintf(stderr, "\r%s %llu %.0fs ", stage, (unsigned long long)done, el);
	}
	fflush(stderr);
}

void cli_progress_init(cli_progress *cp)
{
	memset(cp, 0, sizeof *cp);
	cp->tty = isatty(STDERR_FILENO);
	cp->start = now_seconds();
	cp->p.report = progress_draw;
	cp->p.ctx = cp;
}

void cli_progress_done(cli_progress *cp)
{
	if (cp->tty && cp->drawn)
		fputs("\r\033[K", stderr);
}

const char *cli_pack_dir(const char *opt)
{
	static const char *pack_override;
	static char installed[PATH_MAX];
	if (opt && *opt)
		pack_override = opt;
	if (pack_override)
		return pack_override;
	const char *env = getenv("MINSHENG_PACK");
	if (env && *env)
		return env;
	const ms_config *c = cli_config();
	if (c && c->pack[0])
		return c->pack;
	if (access("policy/guangdong/feeds", F_OK) == 0)
		return "policy/guangdong";
	/* the copy installed beside the program (PREFIX/bin/minsheng →
	 * PREFIX/share/minsheng/policy), whatever PREFIX was */
	if (!installed[0]) {
		char exe[PATH_MAX];
		ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
		if (n > 0) {
			exe[n] = 0;
			char *slash = strrchr(exe, '/');
			if (slash) {
				*slash = 0;
				snprintf(installed, sizeof installed, "%.*s/../share/minsheng/policy/guangdong",
				         (int)(sizeof installed - 40), exe);
			}
		}
		if (!installed[0] || access(installed, F_OK) != 0)
			snprintf(installed, sizeof installed, "/usr/share/minsheng/policy/guangdong");
	}
	return installed;
}

int cli_open_store(const char *cmd, bool create, ms_store **out)
{
	ms_error err;
	ms_error_clear(&err);
	if (ms_store_open(cli_db_path(NULL), create ? MS_STORE_CREATE : 0, out, &err))
		return cli_fail_err(cmd, &err);
	return CLI_OK;
}

void cli_print_json(void *json)
{
	json_t *j = json;
	char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (s) {
		fputs(s, stdout);
		fputc('\n', stdout);
		free(s);
	}
	json_decref(j);
}
