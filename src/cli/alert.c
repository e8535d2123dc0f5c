/* alert.c — `minsheng alert`: one alert's lifecycle from the command line
 * (SPEC §4): assign, start, verify (several alerts of one household at
 * once), return, close, show with its history, attachments, and the inboxes
 * of stations, workers and counties. Each action is one call into
 * src/work; the actor is named with --as and checked like any request. */
#include "cli/cli.h"

#include "base/date.h"
#include "base/mem.h"
#include "monitor/alerts.h"
#include "rules/pack.h"
#include "store/store.h"
#include "work/work.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void alert_usage(FILE *out)
{
	fputs(
	    "用法 usage:\n"
	    "  minsheng alert assign ID --to USER --as USER --version V [--note TEXT]\n"
	    "  minsheng alert start ID --as USER --version V [--note TEXT]\n"
	    "  minsheng alert verify ID[,ID…] --as USER --version V[,V…] --outcome O\n"
	    "           [--benefit B | --adjustment A | --department D] --note TEXT\n"
	    "           [--household HH] [--attach FILE]…\n"
	    "  minsheng alert return ID --as USER --version V --note TEXT\n"
	    "  minsheng alert close ID --as USER --version V --decision TEXT [--note TEXT]\n"
	    "  minsheng alert show ID [--as USER] [--json]\n"
	    "  minsheng alert attach ID FILE… --as USER\n"
	    "  minsheng alert file ID SHA256 --out FILE [--as USER]\n"
	    "  minsheng alert inbox (--station CODE | --worker USER | --county CODE) [--as USER] "
	    "[--json]\n\n"
	    "预警闭环：待派发 new → 已指派 assigned → 核查中 verifying → 已核实 verified → 已办结 "
	    "closed；\n"
	    "已核实的预警可退回 returned 后重新核查。--version 为您看到的版本号（alert show 显示），\n"
	    "他人已修改时操作被拒绝，请刷新后重试。\n"
	    "The loop: new → assigned → verifying → verified → closed, and verified → returned →\n"
	    "verifying. --version is the version you saw (alert show prints it); when someone\n"
	    "changed the alert since, the action is refused: reload and try again.\n\n"
	    "  --outcome O      enrolled 纳入救助 (--benefit), adjusted 调整待遇 (--adjustment\n"
	    "                   increase 增发/decrease 减发/stop 停发), referred 已转介 "
	    "(--department),\n"
	    "                   no_action 属实无需救助, false_positive 信息有误, unreachable "
	    "无法联系\n"
	    "  --household HH   一次入户核实该户的多条预警 / verify a household's alerts together\n"
	    "  --attach FILE    照片或签字授权书（JPEG/PNG/GIF/WebP/HEIC/PDF，≤10 MiB）/ photos or\n"
	    "                   signed authorisations\n"
	    "  --decision TEXT  办结时的处理决定及理由（预警本身不发放或停发待遇）/ the closing\n"
	    "                   decision and its reason (an alert never grants or stops a benefit)\n"
	    "  inbox            未完成核查的预警及计数：总数、即将到期（remind_days 个工作日内）、"
	    "已超期；\n"
	    "                   区县收件箱另列本区县所有超期预警 / open alerts with counts: total,\n"
	    "                   due soon (within remind_days working days), overdue; a county's\n"
	    "                   inbox also lists every overdue alert of the county\n"
	    "  --as USER        执行操作的用户（show、file、inbox 不带 --as 时为服务器运维视图）/\n"
	    "                   the acting user (show, file and inbox without it: the operator's view)\n"
	    "  --json           JSON 输出 / machine-readable output\n",
	    out);
}

#define MAX_ATTACH MS_ATTACHMENTS_MAX

typedef struct alert_opts {
	const char *actor, *to, *note, *outcome, *benefit, *adjustment, *department, *household;
	const char *decision, *versions, *station, *worker, *county, *out;
	const char *attach[MAX_ATTACH];
	int nattach;
	bool json;
} alert_opts;

/* "12,13,14" → numbers; returns how many, -1 when malformed. */
static int parse_list(const char *s, int64_t *out, int cap)
{
	int n = 0;
	const char *p = s;
	while (*p) {
		char *end;
		if (*p < '0' || *p > '9')
			return -1;
		long long v = strtoll(p, &end, 10);
		if (end == p || v < 0 || n >= cap || (*end && *end != ','))
			return -1;
		out[n++] = v;
		p = *end ? end + 1 : end;
		if (*end == ',' && !*p)
			return -1;
	}
	return n;
}

/* Reads a file into *owned (freed by the caller) and describes it in *a. */
static int read_file(const char *path, ms_attachment_in *a, void **owned)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return cli_fail("alert", "无法打开附件 %s (cannot open the attachment)", path);
	struct stat st;
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
		fclose(f);
		return cli_fail("alert", "%s 不是普通文件 (not a regular file)", path);
	}
	if ((unsigned long long)st.st_size > MS_ATTACHMENT_MAX) {
		fclose(f);
		return cli_fail("alert", "附件 %s 超过 10 MiB (the attachment is over 10 MiB)", path);
	}
	size_t n = (size_t)st.st_size;
	void *buf = ms_malloc(n ? n : 1);
	if (!buf || fread(buf, 1, n, f) != n) {
		ms_free(buf);
		fclose(f);
		return cli_fail("alert", "读取附件 %s 失败 (cannot read the attachment)", path);
	}
	fclose(f);
	const char *slash = strrchr(path, '/');
	a->name = slash ? slash + 1 : path;
	a->bytes = buf;
	a->len = n;
	*owned = buf;
	return CLI_OK;
}

static int load_pack(ms_pack **pack)
{
	if (*pack)
		return CLI_OK;
	return cli_rules_load("alert", pack);
}

static json_t *alert_json(const ms_work_alert_row *w, const char *today)
{
	const ms_alert *a = &w->a;
	bool overdue = ms_work_state_waiting(a->state) && a->due && strcmp(a->due, today) < 0;
	return json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:s, s:s, s:b, s:I, s:s?, "
	                 "s:s?, s:s?, s:s?}",
	                 "id", (json_int_t)a->id, "rule", a->rule, "kind", a->kind, "subject_type",
	                 a->subject_type, "subject", a->subject, "area", a->area, "inbox", a->inbox,
	                 "state", a->state, "cleared", (int)a->cleared, "created", a->created, "due",
	                 a->due, "overdue", (int)overdue, "version", (json_int_t)a->version,
	                 "assignee", a->assignee, "outcome", w->outcome, "decision", w->decision,
	                 "closed", a->closed);
}

/* ---- show ---- */

typedef struct show_ctx {
	json_t *events, *atts;
} show_ctx;

static int on_event(void *ctx, const ms_event_row *e)
{
	show_ctx *c = ctx;
	if (c->events) {
		json_t *j = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s}", "id", (json_int_t)e->id, "at",
		                      e->at, "actor", e->actor, "from", e->from_state, "to",
		                      e->to_state, "note", e->note ? e->note : "");
		if (e->assignee)
			json_object_set_new(j, "assignee", json_string(e->assignee));
		if (e->outcome) {
			json_object_set_new(j, "outcome", json_string(e->outcome));
			if (e->benefit)
				json_object_set_new(j, "benefit", json_string(e->benefit));
			if (e->adjustment)
				json_object_set_new(j, "adjustment", json_string(e->adjustment));
			if (e->department)
				json_object_set_new(j, "department", json_string(e->department));
			if (e->household)
				json_object_set_new(j, "household", json_string(e->household));
		}
		json_array_append_new(c->events, j);
		return 0;
	}
	printf("  %s  %-10s %s → %s", e->at, *e->actor ? e->actor : "(系统 system)",
	       *e->from_state ? ms_alert_state_label(e->from_state, false) : "",
	       ms_alert_state_label(e->to_state, false));
	if (e->assignee)
		printf("  指派给 to %s", e->assignee);
	if (e->outcome) {
		printf("  结果 %s", ms_outcome_label(e->outcome, false));
		const char *d = e->benefit ? e->benefit : e->adjustment ? e->adjustment : e->department;
		if (d)
			printf("（%s）", d);
	}
	if (e->note && *e->note)
		printf("  备注：%s", e->note);
	putchar('\n');
	return 0;
}

static int on_attachment(void *ctx, const ms_attachment_row *a)
{
	show_ctx *c = ctx;
	if (c->atts) {
		json_array_append_new(c->atts,
		                      json_pack("{s:s, s:s, s:I, s:s, s:s, s:s}", "sha256", a->sha256,
		                                "mime", a->mime, "size", (json_int_t)a->size, "name",
		                                a->name, "added_by", a->added_by, "added", a->added));
		return 0;
	}
	printf("  附件 %s  %s  %lld 字节  %s  (%s, %s)\n", a->sha256, a->mime, (long long)a->size,
	       a->name, a->added_by, a->added);
	return 0;
}

static int show(ms_store *s, const alert_opts *o, int64_t id)
{
	ms_error err;
	ms_error_clear(&err);
	ms_work_alert_row w;
	if (ms_work_alert_get(s, o->actor, id, &w, &err))
		return cli_fail_err("alert", &err);
	char today[MS_DATE_STR];
	ms_date_format(ms_date_today(), today);
	show_ctx c = {0};
	json_t *root = NULL;
	if (o->json) {
		root = alert_json(&w, today);
		c.events = json_array();
		c.atts = json_array();
	} else {
		const ms_alert *a = &w.a;
		bool overdue = ms_work_state_waiting(a->state) && strcmp(a->due, today) < 0;
		printf("预警 alert %lld  规则 %s（%s）  第 %lld 版 version\n", (long long)a->id, a->rule,
		       ms_alert_kind_label(a->kind, false), (long long)a->version);
		printf("  对象 subject: %s %s  区划 area: %s  派往 inbox: %s\n",
		       strcmp(a->subject_type, "household") == 0 ? "户" : "人", a->subject, a->area,
		       a->inbox);
		printf("  状态 state: %s%s  创建 created: %s  期限 due: %s%s\n",
		       ms_alert_state_label(a->state, false), a->cleared ? "·已解除" : "", a->created,
		       a->due, overdue ? "（已超期 overdue）" : "");
		if (a->assignee)
			printf("  社工 assignee: %s\n", a->assignee);
		if (w.outcome)
			printf("  核查结果 outcome: %s\n", ms_outcome_label(w.outcome, false));
		if (w.decision)
			printf("  处理决定 decision: %s\n", w.decision);
		printf("历史 history:\n");
	}
	if (ms_work_alert_history(s, o->actor, id, on_event, on_attachment, &c, &err)) {
		json_decref(root);
		json_decref(c.events);
		json_decref(c.atts);
		return cli_fail_err("alert", &err);
	}
	if (root) {
		json_object_set_new(root, "events", c.events);
		json_object_set_new(root, "attachments", c.atts);
		cli_print_json(root);
	}
	return CLI_OK;
}

/* ---- inbox ---- */

typedef struct inbox_ctx {
	json_t *items;
	int n;
} inbox_ctx;

static int on_item(void *ctx, const ms_inbox_item *it)
{
	inbox_ctx *c = ctx;
	const ms_alert *a = &it->alert->a;
	c->n++;
	if (c->items) {
		json_array_append_new(
		    c->items,
		    json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s?, s:I, s:b, s:b}", "id",
		              (json_int_t)a->id, "rule", a->rule, "subject_type", a->subject_type,
		              "area", a->area, "inbox", a->inbox, "state", a->state, "due", a->due,
		              "assignee", a->assignee, "version", (json_int_t)a->version, "overdue",
		              (int)it->overdue, "due_soon", (int)it->due_soon));
		return 0;
	}
	printf("  %-8lld %-6s %-10s %-12s %-12s %s%s\n", (long long)a->id, a->rule,
	       ms_alert_state_label(a->state, false), a->due, a->assignee ? a->assignee : "-",
	       it->overdue ? "已超期 overdue" : "", it->due_soon ? "即将到期 due soon" : "");
	return 0;
}

static int inbox(ms_store *s, ms_pack **pack, const alert_opts *o)
{
	int given = (o->station != NULL) + (o->worker != NULL) + (o->county != NULL);
	if (given != 1)
		return cli_usage_error("alert", "inbox 需要 --station、--worker 或 --county 之一 "
		                                "(inbox takes one of --station, --worker, --county)");
	int rc = load_pack(pack);
	if (rc)
		return rc;
	ms_inbox_kind kind = o->station  ? MS_INBOX_STATION
	                     : o->worker ? MS_INBOX_WORKER
	                                 : MS_INBOX_COUNTY;
	const char *code = o->station ? o->station : o->worker ? o->worker : o->county;
	ms_work_env env = {.pack = *pack};
	ms_inbox_counts cnt;
	inbox_ctx c = {.items = o->json ? json_array() : NULL};
	ms_error err;
	ms_error_clear(&err);
	if (!o->json)
		printf("收件箱 inbox %s:\n", code);
	if (ms_work_inbox(s, &env, o->actor, kind, code, ms_date_today(), on_item, &c, &cnt,
	                  &err)) {
		json_decref(c.items);
		return cli_fail_err("alert", &err);
	}
	static const char *const kinds[] = {"", "station", "worker", "county"};
	if (o->json) {
		cli_print_json(json_pack(
		    "{s:s, s:s, s:I, s:I, s:I, s:i, s:s, s:{s:I, s:I, s:I, s:I}, s:o}", "inbox",
		    kinds[kind], "code", code, "open", (json_int_t)cnt.open, "due_soon",
		    (json_int_t)cnt.due_soon, "overdue", (json_int_t)cnt.overdue, "remind_days",
		    cnt.remind_days, "due_soon_until", cnt.soon_until, "by_state", "new",
		    (json_int_t)cnt.by_state[0], "assigned", (json_int_t)cnt.by_state[1], "verifying",
		    (json_int_t)cnt.by_state[2], "returned", (json_int_t)cnt.by_state[3], "items",
		    c.items));
		return CLI_OK;
	}
	printf("待办 open %lld  即将到期 due soon %lld（%d 个工作日内，至 %s）  已超期 overdue "
	       "%lld\n",
	       (long long)cnt.open, (long long)cnt.due_soon, cnt.remind_days, cnt.soon_until,
	       (long long)cnt.overdue);
	return CLI_OK;
}

/* ---- attachments ---- */

typedef struct file_out {
	const char *path;
} file_out;

static ms_err write_out(void *ctx, const char *mime, const void *bytes, size_t len)
{
	file_out *fo = ctx;
	FILE *f = fopen(fo->path, "wb");
	if (!f)
		return MS_ERR_IO;
	bool ok = fwrite(bytes, 1, len, f) == len;
	ok = fclose(f) == 0 && ok;
	return ok ? MS_ERR_OK : MS_ERR_IO;
}

/* ---- transitions ---- */

static int transition(ms_store *s, ms_pack **pack, const alert_opts *o, const char *act,
                      const char *ids_text, ms_attachment_in *att, int natt)
{
	int64_t ids[MS_WORK_BATCH_MAX], versions[MS_WORK_BATCH_MAX], after[MS_WORK_BATCH_MAX];
	int n = parse_list(ids_text, ids, MS_WORK_BATCH_MAX);
	if (n < 1)
		return cli_usage_error("alert", "预警编号应为数字，多条用逗号分隔 (alert ids are "
		                                "numbers, separated by commas): %s",
		                       ids_text);
	if (!o->actor)
		return cli_usage_error("alert", "%s 需要 --as 指明操作用户 (%s needs --as USER)", act,
		                       act);
	if (!o->versions)
		return cli_usage_error("alert", "%s 需要 --version（alert show 显示的版本号） (%s needs "
		                                "--version: the version alert show printed)",
		                       act, act);
	int nv = parse_list(o->versions, versions, MS_WORK_BATCH_MAX);
	if (nv != n)
		return cli_usage_error("alert", "--version 的个数应与预警编号一致 (give one version "
		                                "per alert id)");
	ms_transition t = {.note = o->note,
	                   .attachments = att,
	                   .nattachments = (size_t)natt};
	if (strcmp(act, "assign") == 0) {
		t.to = "assigned";
		t.assignee = o->to;
		if (!o->to)
			return cli_usage_error("alert", "assign 需要 --to USER (assign needs --to USER)");
	} else if (strcmp(act, "start") == 0) {
		t.to = "verifying";
	} else if (strcmp(act, "verify") == 0) {
		t.to = "verified";
		t.outcome = o->outcome;
		t.benefit = o->benefit;
		t.adjustment = o->adjustment;
		t.department = o->department;
		t.household = o->household;
		if (!o->outcome)
			return cli_usage_error("alert", "verify 需要 --outcome (verify needs --outcome)");
		if (!o->note)
			return cli_usage_error("alert", "verify 需要 --note 写明核查情况 (verify needs "
			                                "--note TEXT)");
	} else if (strcmp(act, "return") == 0) {
		t.to = "returned";
		if (!o->note)
			return cli_usage_error("alert", "return 需要 --note 写明原因 (return needs --note "
			                                "TEXT)");
	} else {
		t.to = "closed";
		t.decision = o->decision;
		if (!o->decision)
			return cli_usage_error("alert", "close 需要 --decision 写明处理决定及理由 (close "
			                                "needs --decision TEXT)");
	}
	if (o->household) {
		int rc = load_pack(pack);
		if (rc)
			return rc;
	}
	ms_work_env env = {.pack = *pack};
	ms_error err;
	ms_error_clear(&err);
	if (ms_work_transition(s, &env, o->actor, &t, (size_t)n, ids, versions, after, &err))
		return cli_fail_err("alert", &err);
	json_t *arr = o->json ? json_array() : NULL;
	for (int i = 0; i < n; i++) {
		if (arr)
			json_array_append_new(arr, json_pack("{s:I, s:s, s:I}", "id", (json_int_t)ids[i],
			                                     "state", t.to, "version",
			                                     (json_int_t)after[i]));
		else
			printf("预警 %lld：%s，第 %lld 版 (alert %lld is now %s, version %lld)\n",
			       (long long)ids[i], ms_alert_state_label(t.to, false), (long long)after[i],
			       (long long)ids[i], t.to, (long long)after[i]);
	}
	if (arr) {
		if (n == 1) {
			json_t *one = json_incref(json_array_get(arr, 0));
			json_decref(arr);
			arr = one;
		}
		cli_print_json(arr);
	}
	return CLI_OK;
}

static bool is_transition(const char *act)
{
	return strcmp(act, "assign") == 0 || strcmp(act, "start") == 0 ||
	       strcmp(act, "verify") == 0 || strcmp(act, "return") == 0 || strcmp(act, "close") == 0;
}

static int run(ms_store *s, ms_pack **pack, const alert_opts *o, int argc, char **argv)
{
	const char *act = argv[0];
	if (strcmp(act, "inbox") == 0) {
		if (argc != 1)
			return cli_usage_error("alert", "多余的参数 %s (unexpected argument)", argv[1]);
		return inbox(s, pack, o);
	}
	if (argc < 2)
		return cli_usage_error("alert", "%s 需要预警编号 (%s needs an alert id)", act, act);
	int64_t id;
	bool one = parse_list(argv[1], &id, 1) == 1;
	if (strcmp(act, "show") == 0) {
		if (!one || argc != 2)
			return cli_usage_error("alert", "show 需要一个预警编号 (show takes one alert id)");
		return show(s, o, id);
	}
	if (strcmp(act, "attach") == 0 || strcmp(act, "file") == 0) {
		if (!one)
			return cli_usage_error("alert", "预警编号应为数字 (the alert id is a number)");
		ms_error err;
		ms_error_clear(&err);
		if (strcmp(act, "file") == 0) {
			if (argc != 3 || !o->out)
				return cli_usage_error("alert", "file 需要 ID SHA256 --out FILE (file takes "
				                                "ID SHA256 --out FILE)");
			file_out fo = {.path = o->out};
			ms_err e = ms_work_attachment_read(s, o->actor, id, argv[2], write_out, &fo, &err);
			if (e == MS_ERR_IO)
				return cli_fail("alert", "无法写入 %s (cannot write the file)", o->out);
			if (e)
				return cli_fail_err("alert", &err);
			return CLI_OK;
		}
		if (argc < 3)
			return cli_usage_error("alert", "attach 需要文件 (attach takes files)");
		if (argc - 2 > MAX_ATTACH)
			return cli_usage_error("alert", "附件最多 %d 个 (at most %d files)", MAX_ATTACH,
			                       MAX_ATTACH);
		ms_attachment_in att[MAX_ATTACH];
		void *owned[MAX_ATTACH];
		char sha[MAX_ATTACH][65];
		int n = 0, rc = CLI_OK;
		for (int i = 2; i < argc && !rc; i++)
			if (!(rc = read_file(argv[i], &att[n], &owned[n])))
				n++;
		if (!rc) {
			ms_work_env env = {0};
			if (ms_work_attach(s, &env, o->actor, id, att, (size_t)n, sha, &err))
				rc = cli_fail_err("alert", &err);
		}
		if (!rc)
			for (int i = 0; i < n; i++)
				printf("%s  %s\n", sha[i], att[i].name);
		for (int i = 0; i < n; i++)
			ms_free(owned[i]);
		return rc;
	}
	if (!is_transition(act))
		return cli_usage_error("alert", "未知子命令 %s (unknown action)", act);
	if (argc != 2)
		return cli_usage_error("alert", "多余的参数 %s (unexpected argument)", argv[2]);
	ms_attachment_in att[MAX_ATTACH];
	void *owned[MAX_ATTACH];
	int natt = 0, rc = CLI_OK;
	for (int i = 0; i < o->nattach && !rc; i++)
		if (!(rc = read_file(o->attach[i], &att[natt], &owned[natt])))
			natt++;
	if (!rc)
		rc = transition(s, pack, o, act, argv[1], att, natt);
	for (int i = 0; i < natt; i++)
		ms_free(owned[i]);
	return rc;
}

int cli_cmd_alert(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"db", required_argument, NULL, 'd'},         {"pack", required_argument, NULL, 'p'},
	    {"json", no_argument, NULL, 'j'},             {"as", required_argument, NULL, 'a'},
	    {"version", required_argument, NULL, 'v'},    {"to", required_argument, NULL, 't'},
	    {"note", required_argument, NULL, 'n'},       {"outcome", required_argument, NULL, 'o'},
	    {"benefit", required_argument, NULL, 'b'},    {"adjustment", required_argument, NULL, 'A'},
	    {"department", required_argument, NULL, 'D'}, {"household", required_argument, NULL, 'H'},
	    {"decision", required_argument, NULL, 'c'},   {"attach", required_argument, NULL, 'f'},
	    {"station", required_argument, NULL, 's'},    {"worker", required_argument, NULL, 'w'},
	    {"county", required_argument, NULL, 'C'},     {"out", required_argument, NULL, 'O'},
	    {"help", no_argument, NULL, 'h'},             {NULL, 0, NULL, 0}};
	alert_opts o = {0};
	int c;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			cli_db_path(optarg);
			break;
		case 'p':
			cli_pack_dir(optarg);
			break;
		case 'j':
			o.json = true;
			break;
		case 'a':
			o.actor = optarg;
			break;
		case 'v':
			o.versions = optarg;
			break;
		case 't':
			o.to = optarg;
			break;
		case 'n':
			o.note = optarg;
			break;
		case 'o':
			o.outcome = optarg;
			break;
		case 'b':
			o.benefit = optarg;
			break;
		case 'A':
			o.adjustment = optarg;
			break;
		case 'D':
			o.department = optarg;
			break;
		case 'H':
			o.household = optarg;
			break;
		case 'c':
			o.decision = optarg;
			break;
		case 'f':
			if (o.nattach >= MAX_ATTACH)
				return cli_usage_error("alert", "附件最多 %d 个 (at most %d attachments)",
				                       MAX_ATTACH, MAX_ATTACH);
			o.attach[o.nattach++] = optarg;
			break;
		case 's':
			o.station = optarg;
			break;
		case 'w':
			o.worker = optarg;
			break;
		case 'C':
			o.county = optarg;
			break;
		case 'O':
			o.out = optarg;
			break;
		case 'h':
			alert_usage(stdout);
			return CLI_OK;
		default:
			return cli_usage_error(
			    "alert", "未知选项或缺少参数值：%s (unknown option or missing value)",
			    argv[optind - 1]);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		return cli_usage_error("alert", "需要子命令 assign、start、verify、return、close、show、"
		                                "attach、file 或 inbox (need an action)");
	ms_store *s;
	int rc = cli_open_store("alert", false, &s);
	if (rc)
		return rc;
	ms_pack *pack = NULL;
	rc = run(s, &pack, &o, argc, argv);
	ms_pack_free(pack);
	ms_store_close(s);
	return rc;
}
