/* alerts.c — `minsheng alerts`: the operator's list of alerts (SPEC §6),
 * filtered by rule, area, state, as a table in Chinese or as JSON with the
 * subjects unmasked (a tool on the server, not a screen for users). */
#include "cli/cli.h"

#include "model/area.h"
#include "monitor/alerts.h"
#include "store/store.h"
#include "store/store_alerts.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Rows the table shows when --limit is not given (JSON: every row). */
#define TABLE_DEFAULT_LIMIT 200

static void alerts_usage(FILE *out)
{
	fputs(
	    "用法 usage: minsheng alerts [--rule R] [--area PREFIX] [--state S] [--limit N] "
	    "[--json]\n\n"
	    "列出预警（按编号排序）。表格默认显示前 200 条；--json 输出全部（或 --limit 条），\n"
	    "身份证号不打码，仅供服务器上的运维人员使用。\n"
	    "Lists alerts in id order: a table (the first 200 unless --limit), or with --json "
	    "every\n"
	    "alert (or --limit of them), subjects unmasked: an operator's tool on the server.\n\n"
	    "  --rule R        只列该规则 / one rule only\n"
	    "  --area PREFIX   对象区划代码前缀，如 4401 / subjects' area-code prefix, e.g. 4401\n"
	    "  --state S       new 待派发, assigned 已指派, verifying 核查中, verified 已核实,\n"
	    "                  returned 已退回, closed 已办结\n"
	    "  --limit N       最多 N 条 (1–1000000) / at most N alerts\n"
	    "  --json          JSON 数组：id, rule, kind, subject_type, subject, area, inbox, "
	    "state,\n"
	    "                  cleared, created, due, version, assignee\n",
	    out);
}

/* Display width of UTF-8 text in a terminal: wide (2) for CJK and
 * full-width characters, 1 otherwise. */
static int text_width(const char *s)
{
	int w = 0;
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		unsigned cp;
		int len;
		if (*p < 0x80) {
			cp = *p;
			len = 1;
		} else if ((*p & 0xE0) == 0xC0) {
			cp = *p & 0x1Fu;
			len = 2;
		} else if ((*p & 0xF0) == 0xE0) {
			cp = *p & 0x0Fu;
			len = 3;
		} else {
			cp = *p & 0x07u;
			len = 4;
		}
		for (int i = 1; i < len && p[i]; i++)
			cp = (cp << 6) | (p[i] & 0x3Fu);
		for (int i = 0; i < len && *p; i++)
			p++;
		w += (cp >= 0x1100 &&
		      (cp <= 0x115F || (cp >= 0x2E80 && cp <= 0xA4CF) ||
		       (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
		       (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
		       (cp >= 0xFFE0 && cp <= 0xFFE6) || cp >= 0x20000))
		         ? 2
		         : 1;
	}
	return w;
}

static void cell(const char *s, int width)
{
	fputs(s, stdout);
	for (int w = text_width(s); w < width; w++)
		fputc(' ', stdout);
	fputs("  ", stdout);
}

/* "440106001 五山街道" for a station, "440106 天河区" for a county inbox,
 * "44 广东省" for the province's unrouted inbox. */
static void inbox_text(const char *inbox, char *out, size_t cap)
{
	size_t n = strlen(inbox);
	const ms_area *a = ms_area_find(inbox, n);
	snprintf(out, cap, "%s %s%s", inbox, a ? a->name : "", n < 6 ? "（未派发）" : "");
}

typedef struct list_ctx {
	json_t *arr;
	int64_t n;
} list_ctx;

static int on_alert(void *ctx, const ms_alert *a)
{
	list_ctx *c = ctx;
	c->n++;
	if (c->arr) {
		json_t *j = json_pack(
		    "{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:s, s:s, s:I, s:s?}", "id",
		    (json_int_t)a->id, "rule", a->rule, "kind", a->kind, "subject_type",
		    a->subject_type, "subject", a->subject, "area", a->area, "inbox", a->inbox,
		    "state", a->state, "cleared", (int)a->cleared, "created", a->created, "due",
		    a->due, "version", (json_int_t)a->version, "assignee", a->assignee);
		json_object_set_new(j, "evidence_revoked", json_boolean(a->evidence_revoked));
		json_array_append_new(c->arr, j);
		return 0;
	}
	if (c->n == 1) {
		cell("编号", 6);
		cell("规则", 8);
		cell("类型", 8);
		cell("对象", 24);
		cell("区划", 12);
		cell("派往", 24);
		cell("状态", 14);
		cell("创建", 10);
		fputs("办理期限\n", stdout);
	}
	char id[24], subject[96], inbox[96], state[64], created[16];
	snprintf(id, sizeof id, "%lld", (long long)a->id);
	snprintf(subject, sizeof subject, "%s %s",
	         strcmp(a->subject_type, "household") == 0 ? "户" : "人", a->subject);
	inbox_text(a->inbox, inbox, sizeof inbox);
	snprintf(state, sizeof state, "%s%s", ms_alert_state_label(a->state, false),
	         a->cleared ? "·已解除" : "");
	snprintf(created, sizeof created, "%.10s", a->created);
	cell(id, 6);
	cell(a->rule, 8);
	cell(ms_alert_kind_label(a->kind, false), 8);
	cell(subject, 24);
	cell(a->area, 12);
	cell(inbox, 24);
	cell(state, 14);
	cell(created, 10);
	printf("%s\n", a->due);
	return 0;
}

static bool digits_only(const char *s, size_t min, size_t max)
{
	size_t n = strlen(s);
	if (n < min || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

int cli_cmd_alerts(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"db", required_argument, NULL, 'd'},    {"json", no_argument, NULL, 'j'},
	    {"rule", required_argument, NULL, 'r'},  {"area", required_argument, NULL, 'a'},
	    {"state", required_argument, NULL, 's'}, {"limit", required_argument, NULL, 'l'},
	    {"help", no_argument, NULL, 'h'},        {NULL, 0, NULL, 0}};
	bool json = false;
	ms_alert_filter f = {0};
	int limit = 0;
	int c;
	char *end;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			cli_db_path(optarg);
			break;
		case 'j':
			json = true;
			break;
		case 'r':
			if (!*optarg || strlen(optarg) > 64)
				return cli_usage_error("alerts",
				                       "--rule 应为规则编号 (must be a rule id)");
			f.rule = optarg;
			break;
		case 'a':
			if (!digits_only(optarg, 1, 12))
				return cli_usage_error(
				    "alerts", "--area 应为 1–12 位数字的区划代码前缀 "
				              "(must be an area-code prefix of 1-12 digits)");
			f.area = optarg;
			break;
		case 's':
			if (!ms_alert_state_valid(optarg))
				return cli_usage_error(
				    "alerts",
				    "--state 应为 new、assigned、verifying、verified、"
				    "returned 或 closed (unknown state %s)",
				    optarg);
			f.state = optarg;
			break;
		case 'l': {
			long v = strtol(optarg, &end, 10);
			if (!*optarg || *end || v < 1 || v > 1000000)
				return cli_usage_error(
				    "alerts", "--limit 应为 1–1000000 (must be 1-1000000)");
			limit = (int)v;
			break;
		}
		case 'h':
			alerts_usage(stdout);
			return CLI_OK;
		default:
			return cli_usage_error(
			    "alerts", "未知选项或缺少参数值：%s (unknown option or missing value)",
			    argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage_error("alerts", "多余的参数 %s (unexpected argument)",
		                       argv[optind]);
	f.limit = limit ? limit : json ? 0 : TABLE_DEFAULT_LIMIT;

	ms_error err;
	ms_error_clear(&err);
	if (!json && ms_area_init(&err))
		return cli_fail_err("alerts", &err);
	ms_store *s;
	int rc = cli_open_store("alerts", false, &s);
	if (rc)
		return rc;
	list_ctx lc = {.arr = json ? json_array() : NULL};
	ms_err e = ms_store_alert_list(s, &f, on_alert, &lc, &err);
	ms_store_close(s);
	if (e) {
		json_decref(lc.arr);
		return cli_fail_err("alerts", &err);
	}
	if (json) {
		cli_print_json(lc.arr);
		return CLI_OK;
	}
	if (lc.n == 0) {
		bool filtered = f.rule || f.area || f.state;
		printf("%s\n",
		       filtered ? "没有符合条件的预警 (no alerts match)"
		                : "暂无预警：运行 minsheng scan 后会在这里列出 (no alerts yet: run "
		                  "minsheng scan)");
		return CLI_OK;
	}
	printf("共 %lld 条 (%lld alerts)", (long long)lc.n, (long long)lc.n);
	if (!limit && lc.n == TABLE_DEFAULT_LIMIT)
		printf("；仅显示前 %d 条，用 --limit 显示更多 (first %d shown; use --limit)",
		       TABLE_DEFAULT_LIMIT, TABLE_DEFAULT_LIMIT);
	putchar('\n');
	return CLI_OK;
}
