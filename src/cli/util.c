/* util.c — helpers shared by the subcommands: database path, errors, progress. */
#include "cli/cli.h"

#include "store/store.h"

#include <jansson.h>

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *db_override;

const char *cli_db_path(const char *opt)
{
	if (opt && *opt)
		db_override = opt;
	if (db_override)
		return db_override;
	const char *env = getenv("MINSHENG_DB");
	if (env && *env)
		return env;
	return "./minsheng.db";
}

bool cli_is_help(const char *arg) { return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0; }

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "minsheng %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n见 see: minsheng %s --help\n", cmd);
	return CLI_USAGE;
}

int cli_fail(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "minsheng %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return CLI_FAIL;
}

int cli_fail_err(const char *cmd, const ms_error *err)
{
	fprintf(stderr, "minsheng %s: %s\n", cmd, ms_error_text(err));
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
	if (opt && *opt)
		pack_override = opt;
	if (pack_override)
		return pack_override;
	const char *env = getenv("MINSHENG_PACK");
	if (env && *env)
		return env;
	if (access("policy/guangdong/feeds", F_OK) == 0)
		return "policy/guangdong";
	return "/usr/share/minsheng/policy/guangdong";
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
