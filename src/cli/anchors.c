/* anchors.c — `minsheng anchors copy`: copies the access log's daily anchor
 * files (docs/audit.md, <db>.anchors/YYYY-MM-DD) to a folder on another
 * disk or machine (the configuration's [scheduler] anchor_copy_dir), as the
 * anchor timer does (packaging/minsheng-anchor.service). A copy only ever
 * grows: a file that is new or whose copy is a prefix of it (today's,
 * appended since) is copied (through a temporary file, fsynced, renamed);
 * a copy that is NOT a prefix of the source is left alone and reported —
 * an anchor line was edited or removed at the source, which is what the
 * copy is there to reveal (`minsheng audit verify --anchors DIR`). */
#include "cli/cli.h"

#include "audit/audit.h"
#include "base/mem.h"
#include "ops/config.h"
#include "store/store.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define ANCHOR_FILE_MAX (64L << 20) /* bytes of one day's anchor file */

static void anchors_usage(FILE *out)
{
	fputs("用法 usage: minsheng anchors copy [--to DIR] [--from DIR] [--json]\n\n"
	      "把访问日志的锚点文件（<db>.anchors/YYYY-MM-DD）复制到另一块磁盘或另一台机器的目录\n"
	      "（默认配置文件 [scheduler] anchor_copy_dir）。副本只增不改：源文件新增或在副本之后追加的\n"
	      "才复制；副本不是源文件的前缀时（源文件被改动或删行）不覆盖，报告并以 1 退出——请运行\n"
	      "minsheng audit verify --anchors DIR。\n"
	      "Copies the access log's anchor files to a folder on another disk (default: the\n"
	      "configuration's [scheduler] anchor_copy_dir). A copy only grows: a copy that is not\n"
	      "a prefix of its source is never overwritten; it is reported (exit 1).\n",
	      out);
}

/* Reads a whole small file (malloc'd); NULL on failure. */
static char *slurp(const char *path, long *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = NULL;
	long n = -1;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && n <= ANCHOR_FILE_MAX &&
	    fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n + 1)) &&
	    fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*len = n;
	return buf;
}

static bool anchor_name(const char *n)
{
	/* YYYY-MM-DD */
	if (strlen(n) != 10 || n[4] != '-' || n[7] != '-')
		return false;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (n[i] < '0' || n[i] > '9'))
			return false;
	return true;
}

int cli_cmd_anchors(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"db", required_argument, NULL, 'd'}, {"to", required_argument, NULL, 't'},
	    {"from", required_argument, NULL, 'f'}, {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},     {NULL, 0, NULL, 0}};
	const char *to = NULL, *from = NULL;
	bool json = false;
	int c;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			cli_db_path(optarg);
			break;
		case 't':
			to = optarg;
			break;
		case 'f':
			from = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			anchors_usage(stdout);
			return CLI_OK;
		default:
			return cli_usage_error("anchors", "未知选项或缺少参数值：%s (unknown option or "
			                                  "missing value)",
			                       argv[optind - 1]);
		}
	}
	if (optind >= argc || strcmp(argv[optind], "copy") != 0 || optind + 1 < argc)
		return cli_usage_error("anchors", "用法：minsheng anchors copy [--to DIR] (usage)");
	const ms_config *cfg = cli_config();
	if (!to)
		to = cfg && cfg->anchor_copy_dir[0] ? cfg->anchor_copy_dir : NULL;
	if (!to)
		return cli_usage_error("anchors", "需要 --to DIR 或配置文件 [scheduler] anchor_copy_dir "
		                                  "(need --to DIR or [scheduler] anchor_copy_dir)");
	/* the anchor folder beside the access log: <db>.access → <db>.anchors */
	char src_dir[4096];
	if (from) {
		snprintf(src_dir, sizeof src_dir, "%s", from);
	} else {
		char *a = ms_audit_sidecar(cli_access_path(), ".anchors");
		if (!a)
			return cli_fail("anchors", "内存不足 (out of memory)");
		snprintf(src_dir, sizeof src_dir, "%s", a);
		ms_free(a);
	}
	if (mkdir(to, 0700) != 0 && errno != EEXIST)
		return cli_fail("anchors", "无法创建 %s (cannot create): %s", to, strerror(errno));
	DIR *d = opendir(src_dir);
	if (!d)
		return cli_fail("anchors", "无法读取锚点目录 %s (cannot read the anchor folder): %s",
		                src_dir, strerror(errno));
	int copied = 0, same = 0, conflicts = 0, errors = 0;
	json_t *conf = json_array();
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!anchor_name(e->d_name))
			continue;
		char sp[4200], dp[4200];
		snprintf(sp, sizeof sp, "%s/%s", src_dir, e->d_name);
		snprintf(dp, sizeof dp, "%s/%s", to, e->d_name);
		long sl = 0, dl = 0;
		char *sb = slurp(sp, &sl);
		if (!sb) {
			fprintf(stderr, "minsheng anchors: 无法读取 %s (cannot read)\n", sp);
			errors++;
			continue;
		}
		char *db = slurp(dp, &dl);
		bool exists = db != NULL;
		if (exists && dl == sl && memcmp(sb, db, (size_t)sl) == 0) {
			same++;
		} else if (exists && (dl > sl || memcmp(sb, db, (size_t)dl) != 0)) {
			conflicts++;
			json_array_append_new(conf, json_string(e->d_name));
			fprintf(stderr,
			        "minsheng anchors: 副本 %s 与源文件不一致（不是其前缀），未覆盖：请运行 "
			        "minsheng audit verify --anchors %s (the copy is not a prefix of the source: "
			        "kept as it is)\n",
			        dp, to);
		} else {
			ms_error err;
			ms_error_clear(&err);
			if (ms_store_copy_file(sp, dp, exists, &err)) {
				fprintf(stderr, "minsheng anchors: %s\n", ms_error_text(&err));
				errors++;
			} else {
				copied++;
			}
		}
		free(sb);
		free(db);
	}
	closedir(d);
	if (json)
		cli_print_json(json_pack("{s:s, s:s, s:i, s:i, s:i, s:o, s:i}", "from", src_dir, "to", to,
		                         "copied", copied, "unchanged", same, "conflicts", conflicts,
		                         "conflicting", conf, "errors", errors));
	else {
		json_decref(conf);
		printf("锚点文件 anchors: 复制 copied %d · 未变 unchanged %d · 不一致 conflicts %d%s\n",
		       copied, same, conflicts, errors ? " · 出错 errors" : "");
	}
	return conflicts || errors ? CLI_FAIL : CLI_OK;
}
