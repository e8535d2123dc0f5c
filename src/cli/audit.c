/* audit.c — `minsheng audit`: verify the access log (SPEC §7), list its
 * entries for an auditor, and append an entry by hand (an export done
 * outside the system, recorded by the server's operator). Calls into
 * src/audit; the log is `<db>.access` beside the database unless --access. */
#include "cli/cli.h"

#include "audit/audit.h"
#include "base/mem.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIST_LIMIT_MAX 10000
#define NAME_MAX_BYTES 128
#define REF_MAX_BYTES 256
#define WORD_MAX_BYTES 32

static void audit_usage(FILE *out)
{
	fputs(
	    "用法 usage:\n"
	    "  minsheng audit verify [--access PATH] [--anchors DIR] [--json]\n"
	    "  minsheng audit list [--access PATH] [--user U] [--ref R] [--before ID] [--limit N]\n"
	    "                      [--json]\n"
	    "  minsheng audit append --user U --action A --object O [--ref R] [--role ROLE]\n"
	    "                      [--request ID] [--access PATH] [--anchors DIR]\n"
	    "                      [--hash sha256|sm3]\n\n"
	    "访问日志记录每一次查看个人或家庭档案与每一次导出。记录以哈希链相连，链头另写入每日锚点\n"
	    "文件，因此修改、删除或截断记录都会被 verify 发现。\n"
	    "The access log records every read of a person's or household's record and every\n"
	    "export. Entries are hash-chained and the chain's head is also written to a daily\n"
	    "anchor file, so verify finds edited, deleted or truncated entries (docs/audit.md).\n\n"
	    "  verify          重算整条哈希链并核对全部锚点；发现问题时说明是哪条记录或哪个锚点，\n"
	    "                  退出码 1 / recomputes the chain and checks every anchor line; on a\n"
	    "                  problem names the entry or anchor line and exits 1\n"
	    "  list            按时间倒序列出记录 / entries, newest first\n"
	    "  append          以服务器运维身份追加一条记录（如系统外完成的导出）/ appends one\n"
	    "                  entry as the server's operator (e.g. an export done outside)\n\n"
	    "  --access PATH   访问日志；默认为数据库路径加 .access / the log; default: the\n"
	    "                  database path (--db, $MINSHENG_DB, ./minsheng.db) + \".access\"\n"
	    "  --anchors DIR   锚点目录；默认为数据库路径加 .anchors。可指向异地保存的副本 / the\n"
	    "                  anchor folder; default: the database path + \".anchors\"; may be\n"
	    "                  a copy kept off the machine\n"
	    "  --user U        list：只列该用户；append：查看或导出者 / list: this user only;\n"
	    "                  append: who read or exported\n"
	    "  --ref R         list：只列该对象（如身份证号、户编号）；append：对象编号 / the\n"
	    "                  object's key (identity number, household number, …)\n"
	    "  --before ID     list：只列编号小于 ID 的记录（翻页）/ only ids below ID (paging)\n"
	    "  --limit N       list：最多 N 条（1–10000，默认 100）/ at most N entries\n"
	    "  --action A      append：read、export、search、download 等 / what was done\n"
	    "  --object O      append：person、household、batch 等 / what kind of record\n"
	    "  --role ROLE     append：默认 operator / default operator\n"
	    "  --request ID    append：工单或审批编号 / a ticket or approval number\n"
	    "  --hash ALG      append 新建日志时使用的哈希：sha256（默认）或 sm3（GB/T 32905）/\n"
	    "                  the hash of a log created by this append; fixed at creation\n"
	    "  --json          JSON 输出 / JSON output\n\n"
	    "退出码 exit: 0 成功 ok, 1 失败或发现篡改 failure or tampering found, 2 用法错误 "
	    "usage\n",
	    out);
}

/* Text for a terminal: control bytes (an escape sequence planted in a
 * field) are shown as '?'. */
static void put_clean(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		putchar(*p < 0x20 || *p == 0x7f ? '?' : *p);
}

/* A JSON string even from bytes that are not UTF-8 (a tampered field):
 * those bytes become '?'. */
static json_t *jstr(const char *s)
{
	json_t *j = json_string(s);
	if (j)
		return j;
	char *c = ms_strdup(s);
	if (!c)
		return json_null();
	for (char *p = c; *p; p++)
		if ((unsigned char)*p >= 0x80)
			*p = '?';
	j = json_string(c);
	ms_free(c);
	return j ? j : json_null();
}

static bool parse_int(const char *s, long long lo, long long hi, long long *out)
{
	if (!s || !*s)
		return false;
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || *end || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

/* A short word: action and object names ([a-z_], 1-32 bytes). */
static bool word_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > WORD_MAX_BYTES)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || s[i] == '_'))
			return false;
	return true;
}

/* Free text within a limit, without control characters. */
static bool text_ok(const char *s, size_t max, bool empty_ok)
{
	size_t n = strlen(s);
	if ((!empty_ok && n == 0) || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

/* ---- verify ---- */

static int do_verify(const char *path, const char *anchors, bool json)
{
	ms_audit_report r;
	ms_error err;
	ms_error_clear(&err);
	ms_err e = ms_audit_verify(path, anchors, &r, &err);
	if (e && e != MS_ERR_INVALID)
		return cli_fail_err("audit", &err);
	if (json) {
		json_t *j = json_pack("{s:b, s:o, s:I, s:I, s:I, s:I, s:I, s:s, s:o}", "ok", e == 0,
		                      "path", jstr(path), "entries", (json_int_t)r.entries,
		                      "first_id", (json_int_t)r.first_id, "last_id",
		                      (json_int_t)r.last_id, "anchors", (json_int_t)r.anchors,
		                      "bad_id", (json_int_t)r.bad_id, "algorithm", r.algorithm,
		                      "problem", jstr(r.problem));
		if (!j)
			return cli_fail("audit", "内存不足 (out of memory)");
		cli_print_json(j);
	} else {
		printf("%s %s\n", e ? "访问日志有问题 (access log damaged):" : "访问日志完好 (access log intact):",
		       path);
		printf("  记录 entries %lld", (long long)r.entries);
		if (r.entries)
			printf(" (%lld–%lld)", (long long)r.first_id, (long long)r.last_id);
		printf("  锚点行 anchor lines %lld  算法 algorithm %s\n", (long long)r.anchors,
		       r.algorithm[0] ? r.algorithm : "?");
	}
	if (e)
		return cli_fail("audit", "发现篡改或丢失 (tampering or loss found): %s", r.problem);
	return CLI_OK;
}

/* ---- list ---- */

typedef struct list_out {
	json_t *arr;
	long long n;
} list_out;

static int on_row(void *ctx, const ms_audit_row *r)
{
	list_out *o = ctx;
	o->n++;
	if (o->arr) {
		json_t *j = json_pack("{s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:i, s:o, s:o}", "id",
		                      (json_int_t)r->id, "at", jstr(r->at), "user", jstr(r->user),
		                      "role", jstr(r->role), "action", jstr(r->action), "object",
		                      jstr(r->object), "ref", jstr(r->ref), "route", jstr(r->route),
		                      "status", r->status, "addr", jstr(r->addr), "request",
		                      jstr(r->request));
		return j ? json_array_append_new(o->arr, j) : -1;
	}
	printf("%lld  ", (long long)r->id);
	const char *cols[] = {r->at, r->user, r->role, r->action, r->object, r->ref, r->route};
	for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++) {
		put_clean(*cols[i] ? cols[i] : "-");
		fputs("  ", stdout);
	}
	printf("%d  ", r->status);
	put_clean(*r->addr ? r->addr : "-");
	fputs("  ", stdout);
	put_clean(*r->request ? r->request : "-");
	putchar('\n');
	return 0;
}

static int do_list(const char *path, const char *user, const char *ref, long long before,
                   long long limit, bool json)
{
	list_out o = {.arr = json ? json_array() : NULL};
	if (json && !o.arr)
		return cli_fail("audit", "内存不足 (out of memory)");
	ms_error err;
	ms_error_clear(&err);
	if (ms_audit_list(path, user, ref, before, (int)limit, on_row, &o, &err)) {
		json_decref(o.arr);
		return cli_fail_err("audit", &err);
	}
	if (o.arr)
		cli_print_json(o.arr);
	else if (o.n == 0)
		printf("没有记录 (no entries)\n");
	return CLI_OK;
}

/* ---- append ---- */

static int do_append(const char *path, const char *anchors, ms_audit_hash hash,
                     const ms_audit_entry *entry, bool json)
{
	ms_error err;
	ms_error_clear(&err);
	ms_audit *a;
	ms_audit_opts o = {.path = path, .anchor_dir = anchors, .hash = hash};
	if (ms_audit_open(&o, &a, &err))
		return cli_fail_err("audit", &err);
	ms_err e = ms_audit_log(a, entry, &err);
	if (!e)
		e = ms_audit_flush(a, &err);
	int64_t id = ms_audit_count(a);
	ms_audit_close(a);
	if (e)
		return cli_fail_err("audit", &err);
	if (json)
		cli_print_json(json_pack("{s:I}", "id", (json_int_t)id));
	else
		printf("已记录访问日志 %lld (access-log entry %lld appended)\n", (long long)id,
		       (long long)id);
	return CLI_OK;
}

int cli_cmd_audit(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"db", required_argument, NULL, 'd'},      {"access", required_argument, NULL, 'p'},
	    {"anchors", required_argument, NULL, 'A'}, {"json", no_argument, NULL, 'j'},
	    {"user", required_argument, NULL, 'u'},    {"ref", required_argument, NULL, 'r'},
	    {"before", required_argument, NULL, 'b'},  {"limit", required_argument, NULL, 'l'},
	    {"action", required_argument, NULL, 'a'},  {"object", required_argument, NULL, 'o'},
	    {"role", required_argument, NULL, 'R'},    {"request", required_argument, NULL, 'q'},
	    {"hash", required_argument, NULL, 'H'},    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0}};
	bool json = false;
	const char *access = NULL, *anchors = NULL, *user = NULL, *ref = NULL, *action = NULL,
	           *object = NULL, *role = NULL, *request = NULL, *hash = NULL;
	long long before = 0, limit = 0;
	int c;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			cli_db_path(optarg);
			break;
		case 'p':
			access = optarg;
			break;
		case 'A':
			anchors = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'u':
			user = optarg;
			break;
		case 'r':
			ref = optarg;
			break;
		case 'b':
			if (!parse_int(optarg, 1, INT64_MAX, &before))
				return cli_usage_error("audit", "--before 应为正整数 (a positive id): %s",
				                       optarg);
			break;
		case 'l':
			if (!parse_int(optarg, 1, LIST_LIMIT_MAX, &limit))
				return cli_usage_error("audit", "--limit 应为 1–%d (1-%d): %s",
				                       LIST_LIMIT_MAX, LIST_LIMIT_MAX, optarg);
			break;
		case 'a':
			action = optarg;
			break;
		case 'o':
			object = optarg;
			break;
		case 'R':
			role = optarg;
			break;
		case 'q':
			request = optarg;
			break;
		case 'H':
			hash = optarg;
			break;
		case 'h':
			audit_usage(stdout);
			return CLI_OK;
		default:
			return cli_usage_error(
			    "audit", "未知选项或缺少参数值：%s (unknown option or missing value)",
			    argv[optind - 1]);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		return cli_usage_error("audit", "需要子命令 verify、list 或 append (need an action)");
	const char *act = argv[0];
	bool verify = strcmp(act, "verify") == 0, list = strcmp(act, "list") == 0,
	     append = strcmp(act, "append") == 0;
	if (!verify && !list && !append)
		return cli_usage_error("audit", "未知子命令 %s (unknown action)", act);
	if (argc > 1)
		return cli_usage_error("audit", "多余的参数 %s (unexpected argument)", argv[1]);
	if (!append && (action || object || role || request || hash))
		return cli_usage_error("audit", "--action、--object、--role、--request、--hash 只用于 "
		                                "append (they are for append)");
	if (!list && (before || limit))
		return cli_usage_error("audit", "--before、--limit 只用于 list (they are for list)");
	if (verify && (user || ref))
		return cli_usage_error("audit", "verify 不接受 --user、--ref (verify takes neither)");
	if (list && anchors)
		return cli_usage_error("audit", "list 不接受 --anchors (list takes no --anchors)");
	if (access && (!*access || strlen(access) > 4000))
		return cli_usage_error("audit", "--access 路径无效 (bad path)");
	if (anchors && (!*anchors || strlen(anchors) > 4000))
		return cli_usage_error("audit", "--anchors 路径无效 (bad path)");
	if (user && !text_ok(user, NAME_MAX_BYTES, false))
		return cli_usage_error("audit", "--user 应为 1–%d 字节、不含控制字符 (1-%d bytes, no "
		                                "control characters)", NAME_MAX_BYTES, NAME_MAX_BYTES);
	if (ref && !text_ok(ref, REF_MAX_BYTES, !list))
		return cli_usage_error("audit", "--ref 最长 %d 字节、不含控制字符 (at most %d bytes, no "
		                                "control characters)", REF_MAX_BYTES, REF_MAX_BYTES);

	ms_audit_hash h = MS_AUDIT_SHA256;
	if (append) {
		if (hash && strcmp(hash, "sm3") == 0)
			h = MS_AUDIT_SM3;
		else if (hash && strcmp(hash, "sha256") != 0)
			return cli_usage_error("audit", "--hash 应为 sha256 或 sm3 (sha256 or sm3)");
		if (!user || !action || !object)
			return cli_usage_error("audit", "append 需要 --user、--action 和 --object "
			                                "(append needs --user, --action and --object)");
		if (!word_ok(action) || !word_ok(object))
			return cli_usage_error("audit", "--action、--object 应为 1–%d 个小写字母或下划线 "
			                                "(1-%d of a-z and _)", WORD_MAX_BYTES,
			                       WORD_MAX_BYTES);
		if (role && !word_ok(role))
			return cli_usage_error("audit", "--role 应为 1–%d 个小写字母或下划线 (1-%d of "
			                                "a-z and _)", WORD_MAX_BYTES, WORD_MAX_BYTES);
		if (request && !text_ok(request, NAME_MAX_BYTES, true))
			return cli_usage_error("audit", "--request 最长 %d 字节、不含控制字符 (at most "
			                                "%d bytes, no control characters)",
			                       NAME_MAX_BYTES, NAME_MAX_BYTES);
	}

	/* the log beside the database (<db>.access), or the configured one */
	char *path = NULL;
	if (!access) {
		const char *a = cli_access_path();
		size_t n = strlen(a) + 1;
		if (n > 4000 + sizeof ".access")
			return cli_usage_error("audit", "数据库路径过长 (database path too long)");
		path = ms_malloc(n);
		if (!path)
			return cli_fail("audit", "内存不足 (out of memory)");
		snprintf(path, n, "%s", a);
		access = path;
	}
	int rc;
	if (verify) {
		rc = do_verify(access, anchors, json);
	} else if (list) {
		rc = do_list(access, user, ref, before, limit, json);
	} else {
		ms_audit_entry e = {.user = user,
		                    .role = role ? role : "operator",
		                    .action = action,
		                    .object = object,
		                    .ref = ref ? ref : "",
		                    .route = "cli: minsheng audit append",
		                    .status = 0,
		                    .addr = "",
		                    .request = request ? request : ""};
		rc = do_append(access, anchors, h, &e, json);
	}
	ms_free(path);
	return rc;
}
