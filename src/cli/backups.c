/* backups.c — `minsheng backups next|list|rotate`: naming and rotating the
 * backups a timer makes with `minsheng backup PATH` (packaging/
 * minsheng-backup.service). A backup set is PATH (minsheng-YYYYMMDDTHHMMSS.db,
 * China time), PATH.access and the folder PATH.anchors; rotate keeps the
 * newest N sets by name and removes the rest. The folder and N default to
 * the configuration's [scheduler] backup_dir and backup_keep. */
#include "cli/cli.h"

#include "ops/config.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SET_PREFIX "minsheng-"
#define SET_SUFFIX ".db"
#define SETS_MAX 100000

static void backups_usage(FILE *out)
{
	fputs("用法 usage: minsheng backups next [DIR]\n"
	      "           minsheng backups list [DIR] [--json]\n"
	      "           minsheng backups rotate [DIR] [--keep N] [--dry-run] [--json]\n\n"
	      "定时备份的命名与轮换：next 打印下一个备份文件名 DIR/minsheng-YYYYMMDDTHHMMSS.db（北京时间），\n"
	      "供 minsheng backup 使用；rotate 按文件名保留最新的 N 套备份（PATH、PATH.access、\n"
	      "PATH.anchors/），删除更早的。DIR 与 N 默认取配置文件 [scheduler] backup_dir 与 backup_keep（14）。\n"
	      "Names and rotates the backups of the backup timer: next prints the next file name;\n"
	      "rotate keeps the newest N backup sets (PATH, PATH.access, PATH.anchors/) by name and\n"
	      "removes the older ones. DIR and N default to [scheduler] backup_dir and backup_keep.\n",
	      out);
}

static bool is_set_name(const char *n)
{
	size_t l = strlen(n), pl = strlen(SET_PREFIX), sl = strlen(SET_SUFFIX);
	return l > pl + sl && strncmp(n, SET_PREFIX, pl) == 0 && strcmp(n + l - sl, SET_SUFFIX) == 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The backup sets of dir, sorted by name (oldest first). */
static int list_sets(const char *dir, char ***out, size_t *n)
{
	*out = NULL;
	*n = 0;
	DIR *d = opendir(dir);
	if (!d)
		return cli_fail("backups", "无法读取目录 %s (cannot read the folder): %s", dir,
		                strerror(errno));
	size_t cap = 0;
	char **v = NULL;
	struct dirent *e;
	while ((e = readdir(d)) && *n < SETS_MAX) {
		if (!is_set_name(e->d_name))
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 32;
			char **nv = realloc(v, cap * sizeof *nv);
			if (!nv)
				break;
			v = nv;
		}
		if (!(v[*n] = strdup(e->d_name)))
			break;
		(*n)++;
	}
	closedir(d);
	if (*n)
		qsort(v, *n, sizeof *v, cmp_names);
	*out = v;
	return CLI_OK;
}

static void free_sets(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* Removes a file, or a folder of plain files (an anchor copy). */
static int remove_path(const char *p)
{
	struct stat st;
	if (lstat(p, &st) != 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode))
		return unlink(p);
	DIR *d = opendir(p);
	if (!d)
		return -1;
	struct dirent *e;
	int rc = 0;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		char f[4400];
		snprintf(f, sizeof f, "%.4000s/%s", p, e->d_name);
		if (unlink(f) != 0)
			rc = -1;
	}
	closedir(d);
	return rmdir(p) == 0 ? rc : -1;
}

int cli_cmd_backups(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"keep", required_argument, NULL, 'k'}, {"dry-run", no_argument, NULL, 'n'},
	    {"json", no_argument, NULL, 'j'},       {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0}};
	long keep = 0;
	bool dry = false, json = false;
	int c;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'k': {
			char *end;
			keep = strtol(optarg, &end, 10);
			if (*end || keep < 1 || keep > 3650)
				return cli_usage_error("backups", "--keep 应为 1–3650 (--keep is 1-3650)");
			break;
		}
		case 'n':
			dry = true;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			backups_usage(stdout);
			return CLI_OK;
		default:
			return cli_usage_error("backups", "未知选项或缺少参数值：%s (unknown option or "
			                                  "missing value)",
			                       argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return cli_usage_error("backups", "需要子命令：next、list、rotate (need a subcommand)");
	const char *sub = argv[optind++];
	if (strcmp(sub, "next") && strcmp(sub, "list") && strcmp(sub, "rotate"))
		return cli_usage_error("backups", "未知子命令 %s (unknown subcommand)", sub);
	if (argc - optind > 1)
		return cli_usage_error("backups", "多余的参数 %s (unexpected argument)", argv[optind + 1]);
	const ms_config *cfg = cli_config();
	const char *dir = optind < argc ? argv[optind] : cfg && cfg->backup_dir[0] ? cfg->backup_dir
	                                                                            : NULL;
	if (!dir)
		return cli_usage_error("backups", "需要备份目录 DIR，或配置文件 [scheduler] backup_dir "
		                                  "(need DIR or [scheduler] backup_dir)");
	if (!keep)
		keep = cfg && cfg->backup_keep > 0 ? cfg->backup_keep : 14;

	if (!strcmp(sub, "next")) {
		time_t t = time(NULL) + 8 * 3600;
		struct tm tm;
		gmtime_r(&t, &tm);
		char stamp[32];
		strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%S", &tm);
		printf("%s/" SET_PREFIX "%s" SET_SUFFIX "\n", dir, stamp);
		return CLI_OK;
	}
	char **sets;
	size_t n;
	int rc = list_sets(dir, &sets, &n);
	if (rc)
		return rc;
	size_t drop = !strcmp(sub, "rotate") && n > (size_t)keep ? n - (size_t)keep : 0;
	json_t *kept = json ? json_array() : NULL, *removed = json ? json_array() : NULL;
	int failed = 0;
	for (size_t i = 0; i < n; i++) {
		bool old = i < drop;
		if (old && !dry) {
			static const char *const parts[] = {"", ".access", ".anchors"};
			for (size_t k = 0; k < 3; k++) {
				char p[4096];
				snprintf(p, sizeof p, "%s/%s%s", dir, sets[i], parts[k]);
				if (remove_path(p) != 0) {
					fprintf(stderr, "minsheng backups: 无法删除 %s (cannot remove): %s\n", p,
					        strerror(errno));
					failed++;
				}
			}
		}
		if (json)
			json_array_append_new(old ? removed : kept, json_string(sets[i]));
		else if (!strcmp(sub, "list"))
			printf("%s\n", sets[i]);
		else if (old)
			printf("%s %s\n", dry ? "将删除 would remove" : "已删除 removed", sets[i]);
	}
	if (json) {
		json_t *j = !strcmp(sub, "list")
		                ? json_pack("{s:s, s:o}", "dir", dir, "sets", kept)
		                : json_pack("{s:s, s:i, s:b, s:o, s:o}", "dir", dir, "keep", (int)keep,
		                            "dry_run", dry, "kept", kept, "removed", removed);
		if (!strcmp(sub, "list"))
			json_decref(removed);
		cli_print_json(j);
	} else if (!strcmp(sub, "rotate")) {
		printf("保留 kept %zu 套，%s %zu 套 (keep %ld)\n", n - drop,
		       dry ? "将删除 would remove" : "删除 removed", drop, keep);
	}
	free_sets(sets, n);
	return failed ? CLI_FAIL : CLI_OK;
}
