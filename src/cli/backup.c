/* backup.c — `minsheng backup PATH` and `minsheng restore PATH`: an online
 * backup of the database (and of its access log) while the server runs, and
 * the atomic replacement of the database by a backup while nothing uses it.
 * The core is in src/store/store_backup.c; docs/reliability.md says more. */
#include "cli/cli.h"

#include "store/store.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void backup_usage(FILE *out)
{
	fputs("用法 usage: minsheng backup PATH [--db DB] [--force] [--access LOG | --no-access]\n"
	      "                       [--step-pages N] [--sleep-ms N] [--json]\n"
	      "在线备份数据库（服务可照常运行）：经 SQLite 在线备份接口分步复制到 PATH.tmp，完整性检查、\n"
	      "落盘后改名为 PATH。访问日志 DB.access 一并备份为 PATH.access（其锚点文件夹为 PATH.anchors）。\n"
	      "PATH 已存在时拒绝，除非 --force。\n"
	      "Backs up the database while the server runs: SQLite's online backup API copies it in\n"
	      "steps (N pages each, default 1024, with a pause of --sleep-ms, default 2) into PATH.tmp,\n"
	      "which is checked (integrity_check), fsynced and renamed to PATH. The access log DB.access\n"
	      "(--access LOG to name another) is backed up too, as PATH.access, with its anchor files\n"
	      "in PATH.anchors. An existing PATH is refused unless --force.\n",
	      out);
}

static void restore_usage(FILE *out)
{
	fputs("用法 usage: minsheng restore PATH [--db DB] [--force] [--json]\n"
	      "用备份 PATH 替换数据库：先检查备份完整性；服务运行中或正在导入时拒绝；旧数据库保留为\n"
	      "DB.before-restore（已存在时需 --force）；替换为原子操作。访问日志不回滚（它记录的访问确已发生），\n"
	      "只在 DB.access 不存在时从 PATH.access 恢复。\n"
	      "Replaces the database by the backup at PATH: checks the backup (integrity_check, schema),\n"
	      "refuses while a server or an import uses the database, keeps the old database as\n"
	      "DB.before-restore (an existing one only with --force) and swaps the files atomically.\n"
	      "The access log is not rolled back (the reads it records did happen); it is restored\n"
	      "from PATH.access only when DB.access is missing.\n",
	      out);
}

static char *path_join(const char *a, const char *b)
{
	size_t n = strlen(a) + strlen(b) + 2;
	char *p = malloc(n);
	if (p)
		snprintf(p, n, "%s%s", a, b);
	return p;
}

/* Whether two paths name one file (the same string, or the same inode). */
static bool same_file(const char *a, const char *b)
{
	struct stat sa, sb;
	if (!strcmp(a, b))
		return true;
	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

/* Copies every file of the anchor folder src into dst (created 0700). */
static ms_err copy_anchors(const char *src, const char *dst, bool replace, int *nfiles,
                           ms_error *err)
{
	*nfiles = 0;
	DIR *d = opendir(src);
	if (!d)
		return errno == ENOENT ? MS_ERR_OK
		                       : ms_error_set(err, MS_ERR_IO, "无法读取 %s (cannot read): %s", src,
		                                      strerror(errno));
	if (mkdir(dst, 0700) != 0 && errno != EEXIST) {
		closedir(d);
		return ms_error_set(err, MS_ERR_IO, "无法创建 %s (cannot create): %s", dst, strerror(errno));
	}
	ms_err rc = MS_ERR_OK;
	struct dirent *e;
	while (!rc && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char s[4096], t[4096];
		if ((size_t)snprintf(s, sizeof s, "%s/%s", src, e->d_name) >= sizeof s ||
		    (size_t)snprintf(t, sizeof t, "%s/%s", dst, e->d_name) >= sizeof t)
			continue;
		struct stat sb;
		if (stat(s, &sb) != 0 || !S_ISREG(sb.st_mode))
			continue;
		rc = ms_store_copy_file(s, t, replace, err);
		if (!rc)
			(*nfiles)++;
	}
	closedir(d);
	return rc;
}

int cli_cmd_backup(int argc, char **argv)
{
	static const struct option opts[] = {{"db", required_argument, NULL, 'd'},
	                                     {"force", no_argument, NULL, 'f'},
	                                     {"access", required_argument, NULL, 'a'},
	                                     {"no-access", no_argument, NULL, 'n'},
	                                     {"step-pages", required_argument, NULL, 's'},
	                                     {"sleep-ms", required_argument, NULL, 'z'},
	                                     {"json", no_argument, NULL, 'j'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	bool json = false, no_access = false;
	const char *access_opt = NULL;
	ms_backup_opts bo = {0};
	int c;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		char *end;
		switch (c) {
		case 'd':
			cli_db_path(optarg);
			break;
		case 'f':
			bo.force = true;
			break;
		case 'a':
			access_opt = optarg;
			break;
		case 'n':
			no_access = true;
			break;
		case 's':
			bo.step_pages = (int)strtol(optarg, &end, 10);
			if (*end || bo.step_pages < 1 || bo.step_pages > 1000000)
				return cli_usage_error("backup", "--step-pages 应为 1 到 1000000 (must be 1 to "
				                       "1000000)");
			break;
		case 'z':
			bo.sleep_ms = (int)strtol(optarg, &end, 10);
			if (*end || bo.sleep_ms < 0 || bo.sleep_ms > 10000)
				return cli_usage_error("backup", "--sleep-ms 应为 0 到 10000 (must be 0 to 10000)");
			if (bo.sleep_ms == 0)
				bo.sleep_ms = -1;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			backup_usage(stdout);
			return CLI_OK;
		default:
			return cli_usage_error("backup", "未知选项 %s (unknown option)", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return cli_usage_error("backup", "需要备份文件路径 PATH (PATH is required)");
	if (optind + 1 < argc)
		return cli_usage_error("backup", "多余的参数 %s (unexpected argument)", argv[optind + 1]);
	const char *path = argv[optind];
	ms_store *s;
	int rc = cli_open_store("backup", false, &s);
	if (rc)
		return rc;
	const char *db = cli_db_path(NULL);
	if (same_file(path, db)) {
		ms_store_close(s);
		return cli_usage_error("backup", "备份路径不能是数据库本身 (PATH is the database itself)");
	}
	ms_error err;
	ms_error_clear(&err);
	cli_progress cp;
	cli_progress_init(&cp);
	bo.progress = &cp.p;
	ms_backup_stats st;
	ms_err e = ms_store_backup(s, path, &bo, &st, &err);
	cli_progress_done(&cp);
	ms_store_close(s);
	if (e)
		return cli_fail_err("backup", &err);

	/* the access log and its anchors: anchors first, so that every anchor
	 * copied names an entry the copied log has */
	char *alog = access_opt ? strdup(access_opt) : path_join(db, ".access");
	char *abak = path_join(path, ".access");
	char *anc_src = NULL, *anc_dst = path_join(path, ".anchors");
	if (alog) {
		size_t n = strlen(alog);
		if (n > 7 && !strcmp(alog + n - 7, ".access")) {
			anc_src = malloc(n + 2);
			if (anc_src)
				snprintf(anc_src, n + 2, "%.*s.anchors", (int)(n - 7), alog);
		} else {
			anc_src = path_join(alog, ".anchors");
		}
	}
	if (!alog || !abak || !anc_src || !anc_dst) {
		free(alog), free(abak), free(anc_src), free(anc_dst);
		return cli_fail("backup", "内存不足 (out of memory)");
	}
	bool have_log = !no_access && access(alog, F_OK) == 0;
	ms_backup_stats ast = {0};
	int nanchors = 0;
	int ret = CLI_OK;
	if (have_log) {
		if (copy_anchors(anc_src, anc_dst, bo.force, &nanchors, &err) ||
		    ms_store_backup_file(alog, abak, &bo, &ast, &err))
			ret = cli_fail_err("backup", &err);
	}
	if (ret == CLI_OK) {
		if (json) {
			json_t *o = json_pack("{s:s, s:s, s:I, s:I, s:i, s:f, s:f}", "db", db, "backup", path,
			                      "bytes", (json_int_t)st.bytes, "pages", (json_int_t)st.pages,
			                      "steps", st.steps, "copy_seconds", st.copy_seconds,
			                      "check_seconds", st.check_seconds);
			if (have_log)
				json_object_set_new(o, "access_log",
				                    json_pack("{s:s, s:s, s:I, s:i}", "from", alog, "backup", abak,
				                              "bytes", (json_int_t)ast.bytes, "anchor_files",
				                              nanchors));
			else
				json_object_set_new(o, "access_log", json_null());
			cli_print_json(o);
		} else {
			printf("已备份 backed up %s → %s: %lld 字节 bytes, %lld 页 pages, %d 步 steps, 复制 copy "
			       "%.2f s, 检查 check %.2f s\n",
			       db, path, (long long)st.bytes, (long long)st.pages, st.steps, st.copy_seconds,
			       st.check_seconds);
			if (have_log)
				printf("访问日志 access log %s → %s (%lld 字节 bytes), 锚点 anchors → %s (%d 个文件 "
				       "files)\n",
				       alog, abak, (long long)ast.bytes, anc_dst, nanchors);
			else
				printf("访问日志 access log: %s\n",
				       no_access ? "未备份 (--no-access)" : "不存在，未备份 (none, not backed up)");
		}
	}
	free(alog), free(abak), free(anc_src), free(anc_dst);
	return ret;
}

int cli_cmd_restore(int argc, char **argv)
{
	static const struct option opts[] = {{"db", required_argument, NULL, 'd'},
	                                     {"force", no_argument, NULL, 'f'},
	                                     {"json", no_argument, NULL, 'j'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	bool json = false, force = false;
	int c;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			cli_db_path(optarg);
			break;
		case 'f':
			force = true;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			restore_usage(stdout);
			return CLI_OK;
		default:
			return cli_usage_error("restore", "未知选项 %s (unknown option)", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return cli_usage_error("restore", "需要备份文件路径 PATH (PATH is required)");
	if (optind + 1 < argc)
		return cli_usage_error("restore", "多余的参数 %s (unexpected argument)", argv[optind + 1]);
	const char *path = argv[optind];
	const char *db = cli_db_path(NULL);
	if (same_file(path, db))
		return cli_usage_error("restore", "备份路径不能是数据库本身 (PATH is the database itself)");
	ms_error err;
	ms_error_clear(&err);
	ms_restore_stats st;
	if (ms_store_restore(db, path, force, &st, &err))
		return cli_fail_err("restore", &err);

	/* the access log is only put back when it is missing */
	char *alog = path_join(db, ".access"), *abak = path_join(path, ".access");
	char *anc_src = path_join(path, ".anchors"), *anc_dst = path_join(db, ".anchors");
	if (!alog || !abak || !anc_src || !anc_dst) {
		free(alog), free(abak), free(anc_src), free(anc_dst);
		return cli_fail("restore", "内存不足 (out of memory)");
	}
	const char *log_state = "kept";
	int ret = CLI_OK, nanchors = 0;
	if (access(alog, F_OK) != 0 && access(abak, F_OK) == 0) {
		bool anchors_missing = access(anc_dst, F_OK) != 0;
		if (ms_store_copy_file(abak, alog, false, &err) ||
		    (anchors_missing && copy_anchors(anc_src, anc_dst, false, &nanchors, &err)))
			ret = cli_fail_err("restore", &err);
		log_state = "restored";
	} else if (access(alog, F_OK) != 0) {
		log_state = "none";
	}
	if (ret == CLI_OK) {
		if (json) {
			json_t *o = json_pack("{s:s, s:s, s:i, s:b, s:f, s:s}", "db", db, "backup", path,
			                      "schema", st.schema, "replaced", st.replaced, "seconds",
			                      st.seconds, "access_log", log_state);
			char *before = st.replaced ? path_join(db, ".before-restore") : NULL;
			json_object_set_new(o, "before_restore", before ? json_string(before) : json_null());
			json_object_set_new(o, "old_damaged", json_boolean(st.old_damaged));
			free(before);
			cli_print_json(o);
		} else {
			printf("已恢复 restored %s ← %s (schema %d, %.2f s)\n", db, path, st.schema, st.seconds);
			if (st.replaced)
				printf("旧数据库保留为 old database kept as %s.before-restore%s\n", db,
				       st.old_damaged ? "（无法读取，原样保留 / unreadable, kept as it was）" : "");
			if (!strcmp(log_state, "kept"))
				printf("访问日志未回滚 access log kept as it is (not rolled back): %s\n", alog);
			else if (!strcmp(log_state, "restored"))
				printf("访问日志已从备份恢复 access log restored from %s\n", abak);
		}
	}
	free(alog), free(abak), free(anc_src), free(anc_dst);
	return ret;
}
