/* explain.c — `minsheng explain ALERT`: why an alert was raised, as an
 * officer reads it — the rule, the as-of date, the value of each part of the
 * condition, the parameters and the documents behind them, and every fact
 * (department, batch, row, values; money in yuan). The explanations are the
 * JSON the scan stored (docs/explain.md); this file only renders them. */
#include "cli/cli.h"

#include "base/money.h"
#include "model/feed.h"
#include "model/area.h"
#include "monitor/alerts.h"
#include "store/store.h"
#include "store/store_alerts.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void explain_usage(FILE *out)
{
	fputs(
	    "用法 usage: minsheng explain ALERT [--lang zh|en] [--json] [--pack DIR] [--db "
	    "PATH]\n\n"
	    "说明预警为何产生：规则、截至日期、条件各项的取值、所用参数及其依据文件、每条事实\n"
	    "（来源部门数据、批次、行号、各列取值）。首次预警和之后追加证据的每次扫描各有一份。\n"
	    "Explains an alert: the rule, the as-of date, the value of each part of the "
	    "condition,\n"
	    "the parameters and their source documents, and every fact (feed, batch, row, "
	    "values),\n"
	    "for the scan that raised it and each scan that added evidence.\n\n"
	    "  --lang zh|en   中文（默认）或英文 / Chinese (default) or English\n"
	    "  --json         原样输出预警及其解释 JSON / the alert and its explanations as JSON\n"
	    "  --pack DIR     政策包目录，用于识别金额列 / policy pack, to know money columns\n",
	    out);
}

typedef struct render {
	bool en;
	bool have_feeds;
	ms_feed_set feeds;
	int n;       /* explanations shown */
	json_t *arr; /* --json: the explanations */
} render;

#define L(r, zh_, en_) ((r)->en ? (en_) : (zh_))

/* The text of a JSON scalar: strings as they are, numbers in decimal,
 * booleans as 是/否 (yes/no), null as empty. */
static const char *scalar(const render *r, const json_t *v, char *buf, size_t cap)
{
	if (!v || json_is_null(v))
		return "";
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_true(v))
		return L(r, "是", "yes");
	if (json_is_false(v))
		return L(r, "否", "no");
	if (json_is_integer(v)) {
		snprintf(buf, cap, "%lld", (long long)json_integer_value(v));
		return buf;
	}
	if (json_is_real(v)) {
		snprintf(buf, cap, "%.15g", json_real_value(v));
		return buf;
	}
	return "";
}

static const char *field(const render *r, const json_t *o, const char *key, char *buf, size_t cap)
{
	return scalar(r, json_object_get(o, key), buf, cap);
}

/* Money as "45,000.00 元"; text that is not an amount stays as it is. */
static const char *money_text(const render *r, const char *v, char *buf, size_t cap)
{
	ms_money fen;
	if (!*v || ms_money_parse(v, strlen(v), &fen) != MS_ERR_OK)
		return v;
	char m[MS_MONEY_STR];
	ms_money_format(fen, 1, m);
	snprintf(buf, cap, "%s %s", m, L(r, "元", "yuan"));
	return buf;
}

static bool column_is_money(const render *r, const char *feed, const char *col)
{
	if (!r->have_feeds)
		return false;
	const ms_feed *f = ms_feed_set_find(&r->feeds, feed);
	if (!f)
		return false;
	int c = ms_feed_find_column(f, col, strlen(col));
	return c >= 0 && f->cols[c].type == MS_COL_MONEY;
}

/* Prints text with every line after the first indented by `indent` (its
 * own leading blanks replaced, so a condition copied from a rule file lines
 * up under its label). */
static void put_indented(const char *text, const char *indent)
{
	for (const char *p = text; *p; p++) {
		putchar(*p);
		if (*p == '\n' && p[1]) {
			while (p[1] == ' ' || p[1] == '\t')
				p++;
			fputs(indent, stdout);
			fputs("  ", stdout);
		}
	}
}

static void area_label(const char *code, char *out, size_t cap)
{
	const ms_area *a = *code ? ms_area_find(code, strlen(code)) : NULL;
	snprintf(out, cap, "%s%s%s", code, a ? " " : "", a ? a->name : "");
}

/* A term's value: the engine writes it as Chinese text (是/否/（空）); in
 * English those three read yes/no/(empty). */
static const char *term_value(const render *r, const json_t *v, char *buf, size_t cap)
{
	const char *t = scalar(r, v, buf, cap);
	if (!r->en)
		return t;
	if (strcmp(t, "是") == 0)
		return "yes";
	if (strcmp(t, "否") == 0)
		return "no";
	if (strcmp(t, "（空）") == 0)
		return "(empty)";
	return t;
}

static void render_terms(const render *r, const json_t *terms)
{
	if (!json_is_array(terms) || json_array_size(terms) == 0)
		return;
	printf("  %s\n", L(r, "条件各项的取值：", "Value of each part of the condition:"));
	size_t i;
	const json_t *t;
	json_array_foreach(terms, i, t)
	{
		char b1[64], b2[64];
		printf("    %zu. ", i + 1);
		put_indented(field(r, t, "text", b1, sizeof b1), "       ");
		printf("%s%s", L(r, "：", ": "),
		       term_value(r, json_object_get(t, "value"), b2, sizeof b2));
		putchar('\n');
	}
}

static void render_params(const render *r, const json_t *params)
{
	if (!json_is_array(params) || json_array_size(params) == 0)
		return;
	printf("  %s\n", L(r, "所用参数及其依据：", "Parameters and their sources:"));
	size_t i;
	const json_t *p;
	json_array_foreach(params, i, p)
	{
		char b1[64], b2[64], b3[64], b4[64], mb[96], area[160];
		const char *name = field(r, p, "name", b1, sizeof b1);
		const char *title = field(r, p, "title", b2, sizeof b2);
		const char *type = field(r, p, "type", b3, sizeof b3);
		const char *value = field(r, p, "value", b4, sizeof b4);
		if (strcmp(type, "money") == 0)
			value = money_text(r, value, mb, sizeof mb);
		else if (strcmp(type, "bool") == 0)
			value = strcmp(value, "true") == 0 ? L(r, "是", "yes") : L(r, "否", "no");
		printf("    · %s", name);
		if (*title)
			printf(L(r, "（%s）", " (%s)"), title);
		printf(" = %s\n", value);
		char bf[64], bs[64];
		const char *from = field(r, p, "from", bf, sizeof bf);
		const char *source = field(r, p, "source", bs, sizeof bs);
		area_label(field(r, p, "area", b1, sizeof b1), area, sizeof area);
		fputs("      ", stdout);
		if (*area)
			printf(L(r, "适用区划 %s", "area %s"), area);
		if (*from)
			printf(L(r, "%s自 %s 起", "%sfrom %s"), *area ? L(r, "，", ", ") : "",
			       from);
		if (*source)
			printf(L(r, "%s依据：%s", "%ssource: %s"),
			       *area || *from ? L(r, "；", "; ") : "", source);
		putchar('\n');
	}
}

static void render_facts(const render *r, const json_t *facts)
{
	if (!json_is_array(facts) || json_array_size(facts) == 0) {
		printf("  %s\n", L(r, "事实依据：无", "Facts: none"));
		return;
	}
	printf("  %s\n", L(r, "事实依据：", "Facts:"));
	size_t i;
	const json_t *f;
	json_array_foreach(facts, i, f)
	{
		char b1[64], b2[64], b3[64], b4[64], b5[64], b6[64];
		const char *feed = field(r, f, "feed", b1, sizeof b1);
		const char *title = field(r, f, "feed_title", b2, sizeof b2);
		printf("    [%zu] %s", i + 1, *title ? title : feed);
		if (*title)
			printf(L(r, "（%s）", " (%s)"), feed);
		printf(L(r, " · 批次 %s · 第 %s 行", " · batch %s · row %s"),
		       field(r, f, "batch", b3, sizeof b3), field(r, f, "row", b4, sizeof b4));
		const char *person = field(r, f, "person", b5, sizeof b5);
		if (*person)
			printf(L(r, " · 身份证号 %s", " · identity number %s"), person);
		const char *rec = field(r, f, "record", b6, sizeof b6);
		if (*rec)
			printf(L(r, " · 记录 %s", " · record %s"), rec);
		putchar('\n');
		json_t *vals = json_object_get(f, "values");
		if (!json_is_object(vals) || json_object_size(vals) == 0)
			continue;
		fputs("        ", stdout);
		const char *col;
		const json_t *v;
		bool first = true;
		json_object_foreach(vals, col, v)
		{
			char vb[64], mb[96];
			const char *text = scalar(r, v, vb, sizeof vb);
			if (column_is_money(r, feed, col))
				text = money_text(r, text, mb, sizeof mb);
			printf("%s%s%s%s", first ? "" : L(r, "；", "; "), col, L(r, "：", ": "),
			       *text ? text : L(r, "（空）", "(empty)"));
			first = false;
		}
		putchar('\n');
	}
}

static int on_explanation(void *ctx, const ms_alert_explanation *x)
{
	render *r = ctx;
	r->n++;
	json_error_t jerr;
	json_t *root = json_loads(x->json, 0, &jerr);
	if (r->arr) {
		json_t *item = json_pack("{s:I, s:s?, s:b}", "scan", (json_int_t)x->scan_id,
		                         "as_of", x->as_of, "raised", (int)x->raised);
		json_object_set_new(item, "explanation", root ? root : json_null());
		json_array_append_new(r->arr, item);
		return 0;
	}
	printf("\n%s %d · %s · %s %lld", L(r, "解释", "Explanation"), r->n,
	       x->raised ? L(r, "首次预警", "raised") : L(r, "追加证据", "evidence added"),
	       L(r, "扫描", "scan"), (long long)x->scan_id);
	if (!root || !json_is_object(root)) {
		printf("\n  %s\n",
		       L(r, "（解释内容无法读取）", "(the stored explanation cannot be read)"));
		json_decref(root);
		return 0;
	}
	char b1[64], b2[64], b3[64], b4[64];
	const char *pack = field(r, root, "pack", b1, sizeof b1);
	if (*pack)
		printf(L(r, " · 政策包 %.12s", " · pack %.12s"), pack);
	putchar('\n');
	const char *kind = field(r, root, "kind", b2, sizeof b2);
	printf(L(r, "  规则：%s %s", "  Rule: %s %s"), field(r, root, "rule", b3, sizeof b3),
	       field(r, root, "title", b4, sizeof b4));
	if (*kind)
		printf(L(r, "（%s）", " (%s)"), ms_alert_kind_label(kind, r->en));
	putchar('\n');
	printf(L(r, "  截至日期：%s\n", "  As of: %s\n"), field(r, root, "as_of", b1, sizeof b1));
	const char *cond = field(r, root, "condition", b2, sizeof b2);
	if (*cond) {
		fputs(L(r, "  条件：", "  Condition: "), stdout);
		put_indented(cond, "        ");
		putchar('\n');
	}
	render_terms(r, json_object_get(root, "terms"));
	render_params(r, json_object_get(root, "params"));
	render_facts(r, json_object_get(root, "facts"));
	if (json_is_true(json_object_get(root, "facts_truncated")))
		printf("    %s\n", L(r, "（事实过多，仅列出以上各条）",
		                     "(too many facts: only these are listed)"));
	json_decref(root);
	return 0;
}

/* Without a stored explanation, the evidence rows are all there is to show. */
static int on_fact(void *ctx, const ms_alert_fact_row *f)
{
	render *r = ctx;
	r->n++;
	printf(L(r, "    [%d] %s · 批次 %lld · 第 %lld 行 · 记录 %lld%s%s\n",
	         "    [%d] %s · batch %lld · row %lld · record %lld%s%s\n"),
	       r->n, f->feed, (long long)f->batch_id, (long long)f->row, (long long)f->record_id,
	       f->person ? L(r, " · 身份证号 ", " · identity number ") : "",
	       f->person ? f->person : "");
	return 0;
}

static json_t *alert_json(const ms_alert *a)
{
	return json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:s, s:s, s:I, s:s?, s:s?}",
	                 "id", (json_int_t)a->id, "rule", a->rule, "kind", a->kind, "subject_type",
	                 a->subject_type, "subject", a->subject, "area", a->area, "inbox", a->inbox,
	                 "state", a->state, "cleared", (int)a->cleared, "created", a->created,
	                 "due", a->due, "version", (json_int_t)a->version, "assignee", a->assignee,
	                 "closed", a->closed);
}

static void render_alert(const render *r, const ms_alert *a)
{
	char area[256], inbox[160];
	ms_area_full_name(a->area, strlen(a->area), area, sizeof area);
	area_label(a->inbox, inbox, sizeof inbox);
	if (strlen(a->inbox) < 6) /* the province's inbox of alerts no station or county takes */
		snprintf(inbox + strlen(inbox), sizeof inbox - strlen(inbox), "%s",
		         L(r, "（省级未派发收件箱）", " (province's unrouted inbox)"));
	bool hh = strcmp(a->subject_type, "household") == 0;
	printf(L(r, "预警 %lld · 规则 %s · %s\n", "Alert %lld · rule %s · %s\n"), (long long)a->id,
	       a->rule, ms_alert_kind_label(a->kind, r->en));
	printf(L(r, "  对象：%s %s\n", "  Subject: %s %s\n"),
	       hh ? L(r, "家庭（户编号）", "household") : L(r, "个人（身份证号）", "person"),
	       a->subject);
	printf(L(r, "  区划：%s %s\n", "  Area: %s %s\n"), a->area, area);
	printf(L(r, "  状态：%s%s · 派往：%s · 版本 %lld\n",
	         "  State: %s%s · inbox: %s · version %lld\n"),
	       ms_alert_state_label(a->state, r->en),
	       a->cleared ? L(r, "（条件已不成立，待人工办结）",
	                      " (condition no longer holds; awaiting closure)")
	                  : "",
	       inbox, (long long)a->version);
	printf(L(r, "  创建：%s · 办理期限：%s\n", "  Created: %s · due: %s\n"), a->created,
	       a->due);
}

int cli_cmd_explain(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"db", required_argument, NULL, 'd'},   {"json", no_argument, NULL, 'j'},
	    {"lang", required_argument, NULL, 'L'}, {"pack", required_argument, NULL, 'p'},
	    {"help", no_argument, NULL, 'h'},       {NULL, 0, NULL, 0}};
	bool json = false, en = false;
	int c;
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
		case 'L':
			if (strcmp(optarg, "zh") != 0 && strcmp(optarg, "en") != 0)
				return cli_usage_error("explain",
				                       "--lang 应为 zh 或 en (must be zh or en)");
			en = strcmp(optarg, "en") == 0;
			break;
		case 'p':
			cli_pack_dir(optarg);
			break;
		case 'h':
			explain_usage(stdout);
			return CLI_OK;
		default:
			return cli_usage_error(
			    "explain", "未知选项或缺少参数值：%s (unknown option or missing value)",
			    argv[optind - 1]);
		}
	}
	if (argc - optind != 1)
		return cli_usage_error("explain", "需要一个预警编号 (need one alert id)");
	const char *arg = argv[optind];
	char *end;
	long long id = strtoll(arg, &end, 10);
	if (!*arg || *end || id < 1)
		return cli_usage_error(
		    "explain", "预警编号应为正整数：%s (an alert id is a positive number)", arg);

	ms_error err;
	ms_error_clear(&err);
	if (ms_area_init(&err))
		return cli_fail_err("explain", &err);
	ms_store *s;
	int rc = cli_open_store("explain", false, &s);
	if (rc)
		return rc;
	render r = {.en = en};
	ms_alert a;
	ms_err e = ms_store_alert_get(s, id, &a, &err);
	if (e == MS_ERR_NOT_FOUND) {
		ms_store_close(s);
		return cli_fail("explain",
		                "预警 %lld 不存在 (no such alert); 见 see: minsheng alerts", id);
	}
	if (e) {
		ms_store_close(s);
		return cli_fail_err("explain", &err);
	}
	json_t *out = NULL;
	if (json) {
		out = json_object();
		json_object_set_new(out, "alert", alert_json(&a));
		r.arr = json_array();
	} else {
		render_alert(&r, &a);
		char dir[4096];
		snprintf(dir, sizeof dir, "%s/feeds", cli_pack_dir(NULL));
		ms_error ferr;
		ms_error_clear(&ferr);
		r.have_feeds = ms_feed_set_load(&r.feeds, dir, &ferr) == MS_ERR_OK;
	}
	e = ms_store_alert_explanations(s, id, on_explanation, &r, &err);
	if (!e && !json && r.n == 0) {
		printf("\n%s\n",
		       L(&r, "未保存解释；证据记录如下：", "No explanation stored; the evidence:"));
		e = ms_store_alert_facts(s, id, on_fact, &r, &err);
		if (!e && r.n == 0)
			printf("    %s\n", L(&r, "（无）", "(none)"));
	}
	ms_store_close(s);
	if (r.have_feeds)
		ms_feed_set_free(&r.feeds);
	if (e) {
		json_decref(out);
		json_decref(r.arr);
		return cli_fail_err("explain", &err);
	}
	if (out) {
		json_object_set_new(out, "explanations", r.arr);
		cli_print_json(out);
	}
	return CLI_OK;
}
