/* monthly.c — the monthly report (monthly.h): figures of an area for a
 * calendar month, written to a sheet whose rows never move. */
#include "report/monthly.h"

#include "base/mem.h"
#include "base/money.h"
#include "model/area.h"
#include "monitor/scan.h"
#include "monitor/snapshot.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <xlsxwriter.h>

static bool digits(const char *s, size_t n)
{
	if (!s || strlen(s) != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

ms_err ms_monthly_figures(ms_store *s, const ms_pack *pack, const char *actor, const char *area,
                          const char *month, ms_date today, ms_monthly *out, ms_error *err)
{
	memset(out, 0, sizeof *out);
	size_t al = area ? strlen(area) : 0;
	if (!(al == 2 || al == 4 || al == 6) || !digits(area, al))
		return ms_error_set(err, MS_ERR_INVALID,
		                    "月报的区划应为省（2 位）、市（4 位）或县（6 位）代码 (the area of a "
		                    "monthly report is a province, city or county code: 2, 4 or 6 "
		                    "digits): %s",
		                    area ? area : "");
	ms_month m;
	if (!month || strlen(month) != 7 || month[4] != '-' ||
	    ms_month_parse(month, strlen(month), &m) != MS_ERR_OK)
		return ms_error_set(err, MS_ERR_INVALID,
		                    "月份应为 YYYY-MM（如 2026-11） (the month is YYYY-MM): %s",
		                    month ? month : "");
	int y = m / 12, mo = m % 12 + 1;
	ms_date from = ms_date_from_ymd(y, mo, 1);
	ms_date next = mo == 12 ? ms_date_from_ymd(y + 1, 1, 1) : ms_date_from_ymd(y, mo + 1, 1);
	ms_date to = next - 1;
	if (from > today)
		return ms_error_set(err, MS_ERR_INVALID,
		                    "月份 %s 尚未开始 (the month %s has not begun)", month, month);
	if (to > today) {
		to = today;
		out->partial = true;
	}
	snprintf(out->area, sizeof out->area, "%s", area);
	ms_area_full_name(area, al, out->area_name, sizeof out->area_name);
	ms_month_format(m, out->month);
	ms_date_format(from, out->from);
	ms_date_format(to, out->to);
	snprintf(out->pack_version, sizeof out->pack_version, "%s", pack->version);
	time_t t = time(NULL) + 8 * 3600;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out->made, sizeof out->made, "%Y-%m-%dT%H:%M:%S+08:00", &tm);
	ms_work_env env = {.pack = pack};
	ms_err e = ms_work_stats(s, &env, actor, area, from, to, &out->stats, err);
	if (!e)
		e = ms_service_stats(s, actor, area, from, to, &out->service, err);
	if (!e && pack->population) {
		ms_snapshot *snap = NULL;
		const char *src;
		e = ms_scan_snapshot(s, pack, NULL, &snap, &src, err);
		if (!e)
			e = ms_population_count(pack, snap, area, to, &out->population, err);
		ms_snapshot_free(snap);
		out->have_population = !e;
	}
	if (e)
		return e;
	for (int i = 0; i < pack->nrules && i < MS_PACK_MAX_RULES; i++) {
		out->rule_ids[i] = pack->rules[i].id;
		out->rule_titles[i] = pack->rules[i].title;
	}
	out->nrules = pack->nrules;
	return MS_ERR_OK;
}

/* ---- the sheet ---- */

typedef struct sheet {
	lxw_worksheet *ws;
	lxw_format *title, *head, *section, *num, *pct, *dec, *text, *note;
} sheet;

/* Row r is 1-based, as in Excel. */
static void put_text(sheet *s, int r, int c, const char *v, lxw_format *f)
{
	worksheet_write_string(s->ws, (lxw_row_t)(r - 1), (lxw_col_t)c, v ? v : "", f ? f : s->text);
}

static void put_num(sheet *s, int r, int c, double v, lxw_format *f)
{
	worksheet_write_number(s->ws, (lxw_row_t)(r - 1), (lxw_col_t)c, v, f ? f : s->num);
}

static void section(sheet *s, int r, const char *title, const char *h1, const char *h2)
{
	put_text(s, r, 0, title, s->section);
	put_text(s, r + 1, 0, h1, s->head);
	put_text(s, r + 1, 1, h2, s->head);
}

static int64_t outcome_total(const ms_stats *st, int k)
{
	int64_t n = 0;
	for (size_t i = 0; i < st->nrules; i++)
		n += st->rules[i].outcomes[k];
	return n;
}

static const ms_stats_rule *stats_rule(const ms_stats *st, const char *id)
{
	for (size_t i = 0; i < st->nrules; i++)
		if (strcmp(st->rules[i].rule, id) == 0)
			return &st->rules[i];
	return NULL;
}

ms_err ms_monthly_xlsx(const ms_monthly *m, const char *path, ms_error *err)
{
	lxw_workbook_options opt = {.constant_memory = LXW_FALSE, .tmpdir = NULL};
	lxw_workbook *wb = workbook_new_opt(path, &opt);
	if (!wb)
		return ms_error_set(err, MS_ERR_IO, "无法创建 %s (cannot create the workbook)", path);
	sheet s = {.ws = workbook_add_worksheet(wb, MS_MONTHLY_SHEET)};
	s.title = workbook_add_format(wb);
	format_set_bold(s.title);
	format_set_font_size(s.title, 16);
	s.head = workbook_add_format(wb);
	format_set_bold(s.head);
	format_set_bg_color(s.head, 0xDDEBF7);
	format_set_border(s.head, LXW_BORDER_THIN);
	s.section = workbook_add_format(wb);
	format_set_bold(s.section);
	format_set_font_size(s.section, 12);
	s.num = workbook_add_format(wb);
	format_set_num_format(s.num, "#,##0");
	format_set_border(s.num, LXW_BORDER_THIN);
	s.pct = workbook_add_format(wb);
	format_set_num_format(s.pct, "0.0%");
	format_set_border(s.pct, LXW_BORDER_THIN);
	s.dec = workbook_add_format(wb);
	format_set_num_format(s.dec, "#,##0.00");
	format_set_border(s.dec, LXW_BORDER_THIN);
	s.text = workbook_add_format(wb);
	format_set_border(s.text, LXW_BORDER_THIN);
	s.note = workbook_add_format(wb);
	format_set_font_color(s.note, 0x666666);
	worksheet_set_column(s.ws, 0, 0, 30, NULL);
	worksheet_set_column(s.ws, 1, 1, 14, NULL);
	worksheet_set_column(s.ws, 2, 11, 13, NULL);

	char buf[512];
	put_text(&s, MS_MONTHLY_ROW_TITLE, 0, "民政低收入人口动态监测月报", s.title);
	put_text(&s, MS_MONTHLY_ROW_AREA, 0, "填报区划", s.head);
	put_text(&s, MS_MONTHLY_ROW_AREA, 1, m->area, s.text);
	put_text(&s, MS_MONTHLY_ROW_AREA, 2, m->area_name, NULL);
	put_text(&s, MS_MONTHLY_ROW_MONTH, 0, "报告月份", s.head);
	put_text(&s, MS_MONTHLY_ROW_MONTH, 1, m->month, s.text);
	put_text(&s, MS_MONTHLY_ROW_MONTH, 2, "统计期间", s.head);
	snprintf(buf, sizeof buf, "%s 至 %s%s", m->from, m->to, m->partial ? "（本月未结束）" : "");
	put_text(&s, MS_MONTHLY_ROW_MONTH, 3, buf, NULL);
	put_text(&s, MS_MONTHLY_ROW_MADE, 0, "生成时间", s.head);
	put_text(&s, MS_MONTHLY_ROW_MADE, 1, m->made, s.text);
	put_text(&s, MS_MONTHLY_ROW_MADE, 2, "政策包版本", s.head);
	snprintf(buf, sizeof buf, "%.12s", m->pack_version);
	put_text(&s, MS_MONTHLY_ROW_MADE, 3, buf, NULL);
	put_text(&s, MS_MONTHLY_ROW_MADE, 4, "格式", s.head);
	put_text(&s, MS_MONTHLY_ROW_MADE, 5, MS_MONTHLY_FORMAT, NULL);

	/* 一、监测人口 */
	int r = MS_MONTHLY_ROW_POP;
	snprintf(buf, sizeof buf, "一、监测人口（%s）", m->to);
	section(&s, r, buf, "类别", "人数");
	put_text(&s, MS_MONTHLY_ROW_POP_TOTAL, 0, "合计（按人去重）", NULL);
	put_num(&s, MS_MONTHLY_ROW_POP_TOTAL, 1, (double)m->population.total, NULL);
	for (int i = 0; i < m->population.n && i < MS_MONTHLY_POP_SLOTS; i++) {
		put_text(&s, MS_MONTHLY_ROW_POP_FIRST + i, 0, m->population.category[i], NULL);
		put_num(&s, MS_MONTHLY_ROW_POP_FIRST + i, 1, (double)m->population.persons[i], NULL);
	}

	/* 二、预警核查 */
	const ms_stats *st = &m->stats;
	r = MS_MONTHLY_ROW_ALERTS;
	section(&s, r, "二、预警核查（本月生成的预警，核查截至期末）", "指标", "数值");
	put_text(&s, r + 2, 0, "本月下发预警（条）", NULL);
	put_num(&s, r + 2, 1, (double)st->issued, NULL);
	put_text(&s, r + 3, 0, "已核实（条）", NULL);
	put_num(&s, r + 3, 1, (double)st->verified, NULL);
	put_text(&s, r + 4, 0, "核实率", NULL);
	put_num(&s, r + 4, 1, st->verification_rate, s.pct);
	put_text(&s, r + 5, 0, "按期核实（条）", NULL);
	put_num(&s, r + 5, 1, (double)st->on_time, NULL);
	put_text(&s, r + 6, 0, "按期核实率（占已核实）", NULL);
	put_num(&s, r + 6, 1, st->verified ? (double)st->on_time / (double)st->verified : 0, s.pct);
	put_text(&s, r + 7, 0, "核实用时中位数（工作日）", NULL);
	if (st->median_working_days >= 0)
		put_num(&s, r + 7, 1, st->median_working_days, s.dec);
	else
		put_text(&s, r + 7, 1, "", NULL);

	/* 三、核查结果 */
	r = MS_MONTHLY_ROW_OUTCOMES;
	section(&s, r, "三、核查结果（本月下发预警，按最近一次核实）", "结果", "条数");
	for (int k = 0; k < MS_STATS_OUTCOMES; k++) {
		put_text(&s, r + 2 + k, 0, ms_outcome_label(ms_outcome_code(k), false), NULL);
		put_num(&s, r + 2 + k, 1, (double)outcome_total(st, k), NULL);
	}

	/* 四、社工站服务 */
	const ms_service_figures *sf = &m->service;
	r = MS_MONTHLY_ROW_SERVICE;
	section(&s, r, "四、社工站服务", "指标", "数值");
	static const char *const svc[] = {"建档户数（期末）",   "本月走访（次）",
	                                  "本月服务（人次）",   "本月协助申请获批（件）",
	                                  "志愿者（期末，人）", "社会组织（期末，个）"};
	const int64_t vals[] = {sf->files,          sf->visits,     sf->person_times,
	                        sf->applications_granted, sf->volunteers, sf->organizations};
	for (int i = 0; i < 6; i++) {
		put_text(&s, r + 2 + i, 0, svc[i], NULL);
		put_num(&s, r + 2 + i, 1, (double)vals[i], NULL);
	}
	put_text(&s, r + 8, 0, "本月链接慈善资源（元）", NULL);
	put_num(&s, r + 8, 1, (double)sf->resources_fen / 100.0, s.dec);

	/* 五、分规则 */
	r = MS_MONTHLY_ROW_RULES;
	put_text(&s, r, 0, "五、分规则预警（本月下发，核查截至期末）", s.section);
	put_text(&s, r + 1, 0, "规则", s.head);
	put_text(&s, r + 1, 1, "名称", s.head);
	put_text(&s, r + 1, 2, "下发", s.head);
	put_text(&s, r + 1, 3, "已核实", s.head);
	for (int k = 0; k < MS_STATS_OUTCOMES; k++)
		put_text(&s, r + 1, 4 + k, ms_outcome_label(ms_outcome_code(k), false), s.head);
	for (int i = 0; i < m->nrules; i++) {
		const ms_stats_rule *sr = stats_rule(st, m->rule_ids[i]);
		int row = r + 2 + i;
		put_text(&s, row, 0, m->rule_ids[i], NULL);
		put_text(&s, row, 1, m->rule_titles[i], NULL);
		put_num(&s, row, 2, sr ? (double)sr->issued : 0, NULL);
		put_num(&s, row, 3, sr ? (double)sr->verified : 0, NULL);
		for (int k = 0; k < MS_STATS_OUTCOMES; k++)
			put_num(&s, row, 4 + k, sr ? (double)sr->outcomes[k] : 0, NULL);
	}
	int last = r + 2 + m->nrules + 1;
	put_text(&s, last, 0,
	         "说明：各部分行号固定（格式 " MS_MONTHLY_FORMAT "，见 docs/operations.md），上级可按单元格汇总；"
	         "监测人口为期末持有各类别的人数，一人多类别时各类别分别计数，合计按人去重。",
	         s.note);
	worksheet_set_landscape(s.ws);
	worksheet_set_paper(s.ws, 9); /* A4 */
	worksheet_fit_to_pages(s.ws, 1, 0);

	lxw_error le = workbook_close(wb);
	if (le != LXW_NO_ERROR)
		return ms_error_set(err, MS_ERR_IO, "写入 %s 失败 (cannot write the workbook): %s", path,
		                    lxw_strerror(le));
	return MS_ERR_OK;
}

ms_err ms_monthly_xlsx_bytes(const ms_monthly *m, const char *tmpdir, char **bytes, size_t *len,
                             ms_error *err)
{
	*bytes = NULL;
	*len = 0;
	char path[4096];
	snprintf(path, sizeof path, "%s/monthly-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
	int fd = mkstemp(path);
	if (fd < 0)
		return ms_error_set(err, MS_ERR_IO,
		                    "无法创建临时文件 (cannot create a temporary file): %s",
		                    strerror(errno));
	close(fd);
	ms_err e = ms_monthly_xlsx(m, path, err);
	if (e) {
		unlink(path);
		return e;
	}
	FILE *f = fopen(path, "rb");
	long n = -1;
	char *buf = NULL;
	if (f && fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = ms_malloc((size_t)n + 1);
		if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
			ms_free(buf);
			buf = NULL;
		}
	}
	if (f)
		fclose(f);
	unlink(path);
	if (!buf)
		return ms_error_set(err, MS_ERR_IO, "读取月报失败 (cannot read the report back)");
	*bytes = buf;
	*len = (size_t)n;
	return MS_ERR_OK;
}
