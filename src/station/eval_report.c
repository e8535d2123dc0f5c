/* eval_report.c — what a round shows: the round as JSON, a station's
 * sheet, the report (stations ranked, summaries by city and county, the
 * deviations of self-assessment from the third-party scores) as JSON and
 * as an Excel workbook (libxlsxwriter) with Chinese headers. Everything is
 * taken from a loaded round, so the actor's view (visible stations, areas
 * covered) is already applied. */
#include "station/eval.h"

#include "base/mem.h"
#include "model/area.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

/* Points as a JSON number: whole points as integers, else two decimals. */
static json_t *pts(int64_t centi)
{
	if (centi < 0)
		return json_null();
	if (centi % 100 == 0)
		return json_integer(centi / 100);
	return json_real((double)centi / 100.0);
}

static const char *area_name(const char *code)
{
	const ms_area *a = code ? ms_area_find(code, strlen(code)) : NULL;
	return a ? a->name : NULL;
}

static const char *star_text(int star)
{
	switch (star) {
	case 5:
		return "★★★★★";
	case 4:
		return "★★★★";
	case 3:
		return "★★★";
	default:
		return "未评星";
	}
}

json_t *ms_eval_round_row_json(const ms_eval_round_row *r)
{
	json_t *j = json_pack("{s:I, s:s, s:s?, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "id",
	                      (json_int_t)r->id, "area", r->area, "area_name", area_name(r->area),
	                      "year", (json_int_t)r->year, "as_of", r->as_of, "scheme", r->scheme,
	                      "scheme_title", r->scheme_title, "scheme_sha256", r->scheme_sha256,
	                      "pack_version", r->pack_version, "state", r->state, "opened",
	                      r->opened, "opened_by", r->opened_by);
	if (!j)
		return NULL;
	struct {
		const char *key, *val;
	} opt[] = {{"seed", r->seed},         {"share", r->share},
	           {"sampled", r->sampled},   {"sampled_by", r->sampled_by},
	           {"computed", r->computed}, {"computed_by", r->computed_by},
	           {"closed", r->closed},     {"closed_by", r->closed_by}};
	for (size_t i = 0; i < sizeof opt / sizeof opt[0]; i++)
		json_object_set_new(j, opt[i].key,
		                    opt[i].val ? json_string(opt[i].val) : json_null());
	return j;
}

static json_t *bands_json(const ms_eval_round *r)
{
	return json_pack("{s:o, s:o, s:o}", "5", pts(r->bands[0]), "4", pts(r->bands[1]), "3",
	                 pts(r->bands[2]));
}

static json_t *station_summary(const ms_eval_round *r, const ms_eval_station *st)
{
	json_t *j = json_pack(
	    "{s:s, s:s, s:s, s:s?, s:s, s:s?, s:b, s:s?, s:b, s:i, s:i, s:o, s:o, "
	    "s:o, s:i, s:s, s:i, s:i, s:i}",
	    "code", st->code, "name", st->name, "city", st->city, "city_name", area_name(st->city),
	    "county", st->county, "county_name", area_name(st->county), "sampled", st->sampled,
	    "evaluator", st->evaluator, "checked", st->checked, "self_done", st->self_done,
	    "third_done", st->third_done, "self_total", pts(st->self_total), "third_total",
	    pts(st->third_total), "final_total", pts(st->final_total), "star", st->star,
	    "star_text", star_text(st->star), "rank", st->rank, "rank_city", st->rank_city,
	    "rank_county", st->rank_county);
	if (!j)
		return NULL;
	json_t *mods = json_object();
	for (int m = 0; m < r->nmodules; m++)
		json_object_set_new(mods, r->modules[m], pts(st->module_final[m]));
	json_object_set_new(j, "modules", mods);
	return j;
}

static json_t *indicators_json(const ms_eval_round *r)
{
	json_t *a = json_array();
	for (int k = 0; k < r->nindicators; k++) {
		const ms_eval_indicator_row *x = &r->indicators[k];
		json_t *j =
		    json_pack("{s:s, s:s, s:s, s:o, s:s}", "id", x->id, "module", x->module,
		              "title", x->title, "points", pts(x->max_points), "method", x->method);
		if (x->measure) {
			ms_eval_measure m = ms_eval_measure_parse(x->measure);
			json_object_set_new(j, "measure", json_string(x->measure));
			json_object_set_new(j, "measure_label",
			                    json_string(ms_eval_measure_label(m, false)));
			json_object_set_new(j, "floor", json_string(x->floor_param));
			json_object_set_new(j, "target", json_string(x->target_param));
			json_object_set_new(j, "empty",
			                    json_string(x->empty_full ? "full" : "zero"));
		}
		json_array_append_new(a, j);
	}
	return a;
}

json_t *ms_eval_round_json(const ms_eval_round *r)
{
	json_t *mods = json_array();
	for (int m = 0; m < r->nmodules; m++)
		json_array_append_new(mods, json_pack("{s:s, s:o}", "name", r->modules[m], "points",
		                                      pts(r->module_points[m])));
	json_t *sts = json_array();
	size_t sampled = 0, checked = 0;
	for (size_t i = 0; i < r->nstations; i++) {
		const ms_eval_station *st = &r->stations[i];
		if (!st->visible)
			continue;
		sampled += st->sampled;
		checked += st->checked;
		json_array_append_new(sts, station_summary(r, st));
	}
	json_t *j = json_pack("{s:o, s:o, s:o, s:o, s:I, s:I, s:I, s:b, s:o}", "round",
	                      ms_eval_round_row_json(&r->row), "modules", mods, "indicators",
	                      indicators_json(r), "bands", bands_json(r), "stations_total",
	                      (json_int_t)r->nstations, "sampled", (json_int_t)sampled, "checked",
	                      (json_int_t)checked, "manage", r->manage, "stations", sts);
	return j;
}

json_t *ms_eval_station_json(const ms_eval_round *r, int si)
{
	const ms_eval_station *st = &r->stations[si];
	json_t *items = json_array();
	for (int k = 0; k < r->nindicators; k++) {
		const ms_eval_indicator_row *x = &r->indicators[k];
		json_t *j =
		    json_pack("{s:s, s:s, s:s, s:o, s:s}", "id", x->id, "module", x->module,
		              "title", x->title, "points", pts(x->max_points), "method", x->method);
		if (strcmp(x->method, "manual") == 0) {
			json_object_set_new(
			    j, "self",
			    st->self[k] < 0
			        ? json_null()
			        : json_pack("{s:o, s:s}", "points", pts(st->self[k]), "note",
			                    st->self_note[k] ? st->self_note[k] : ""));
			json_object_set_new(
			    j, "third",
			    st->third[k] < 0
			        ? json_null()
			        : json_pack("{s:o, s:s}", "points", pts(st->third[k]), "note",
			                    st->third_note[k] ? st->third_note[k] : ""));
		} else {
			json_object_set_new(j, "measure",
			                    json_string(x->measure ? x->measure : ""));
			if (st->computed[k] < 0 || st->value_den[k] < 0)
				json_object_set_new(j, "computed", json_null());
			else
				json_object_set_new(
				    j, "computed",
				    json_pack(
				        "{s:o, s:I, s:I, s:o}", "points", pts(st->computed[k]),
				        "num", (json_int_t)st->value_num[k], "den",
				        (json_int_t)st->value_den[k], "value",
				        st->value_den[k] > 0 ? json_real((double)st->value_num[k] /
				                                         (double)st->value_den[k])
				                             : json_null()));
		}
		json_array_append_new(items, j);
	}
	return json_pack("{s:o, s:o, s:o}", "round", ms_eval_round_row_json(&r->row), "station",
	                 station_summary(r, st), "indicators", items);
}

/* ---- summaries by area ---- */

typedef struct area_sum {
	char code[8];
	size_t stations, sampled, checked;
	int64_t sum, max, min;
	size_t stars[6];
} area_sum;

static bool summary_visible(const ms_eval_round *r, const char *code)
{
	if (!r->full_view)
		return false;
	return !r->viewer_scope || strncmp(code, r->viewer_scope, strlen(r->viewer_scope)) == 0;
}

/* Summaries of the groups of the first glen digits, in code order. */
static area_sum *summaries(const ms_eval_round *r, size_t glen, size_t *n)
{
	*n = 0;
	area_sum *out = ms_calloc(r->nstations + 1, sizeof *out);
	if (!out)
		return NULL;
	for (size_t i = 0; i < r->nstations; i++) {
		const ms_eval_station *st = &r->stations[i];
		char code[8];
		snprintf(code, sizeof code, "%.*s", (int)glen, st->code);
		if (!summary_visible(r, code))
			continue;
		/* stations are in code order, so a group is contiguous */
		area_sum *a = *n ? &out[*n - 1] : NULL;
		if (!a || strcmp(a->code, code) != 0) {
			a = &out[(*n)++];
			snprintf(a->code, sizeof a->code, "%s", code);
			a->max = -1;
			a->min = -1;
		}
		a->stations++;
		a->sampled += st->sampled;
		a->checked += st->checked;
		a->sum += st->final_total;
		if (a->max < 0 || st->final_total > a->max)
			a->max = st->final_total;
		if (a->min < 0 || st->final_total < a->min)
			a->min = st->final_total;
		a->stars[st->star >= 0 && st->star <= 5 ? st->star : 0]++;
	}
	return out;
}

static int64_t mean_of(const area_sum *a)
{
	if (!a->stations)
		return 0;
	return (2 * a->sum + (int64_t)a->stations) / (2 * (int64_t)a->stations);
}

static json_t *summary_json(const area_sum *a, size_t glen)
{
	char parent[8] = "";
	if (glen == 6)
		snprintf(parent, sizeof parent, "%.4s", a->code);
	const char *name = area_name(a->code);
	if (!name && glen == 6)
		name = area_name(parent); /* 东莞, 中山: townships under the city */
	json_t *j = json_pack("{s:s, s:s?, s:I, s:I, s:I, s:o, s:o, s:o, s:{s:I, s:I, s:I, s:I}}",
	                      "code", a->code, "name", name, "stations", (json_int_t)a->stations,
	                      "sampled", (json_int_t)a->sampled, "checked", (json_int_t)a->checked,
	                      "mean", pts(mean_of(a)), "max", pts(a->max), "min", pts(a->min),
	                      "stars", "5", (json_int_t)a->stars[5], "4", (json_int_t)a->stars[4],
	                      "3", (json_int_t)a->stars[3], "0", (json_int_t)a->stars[0]);
	if (j && glen == 6)
		json_object_set_new(j, "city", json_string(parent));
	return j;
}

/* visible stations by rank (then code) */
static int by_rank(const void *pa, const void *pb)
{
	const ms_eval_station *a = *(const ms_eval_station *const *)pa;
	const ms_eval_station *b = *(const ms_eval_station *const *)pb;
	if (a->rank != b->rank)
		return a->rank < b->rank ? -1 : 1;
	return strcmp(a->code, b->code);
}

static const ms_eval_station **ranked(const ms_eval_round *r, size_t *n)
{
	*n = 0;
	const ms_eval_station **v = ms_calloc(r->nstations + 1, sizeof *v);
	if (!v)
		return NULL;
	for (size_t i = 0; i < r->nstations; i++)
		if (r->stations[i].visible)
			v[(*n)++] = &r->stations[i];
	qsort(v, *n, sizeof *v, by_rank);
	return v;
}

json_t *ms_eval_report_json(const ms_eval_round *r)
{
	size_t nv = 0, nc = 0, nk = 0;
	const ms_eval_station **v = ranked(r, &nv);
	area_sum *cities = summaries(r, 4, &nc);
	area_sum *counties = summaries(r, 6, &nk);
	if (!v || !cities || !counties) {
		ms_free(v);
		ms_free(cities);
		ms_free(counties);
		return NULL;
	}
	json_t *sts = json_array(), *cj = json_array(), *kj = json_array(), *dev = json_array();
	size_t stars[6] = {0};
	for (size_t i = 0; i < nv; i++) {
		json_array_append_new(sts, station_summary(r, v[i]));
		stars[v[i]->star >= 0 && v[i]->star <= 5 ? v[i]->star : 0]++;
	}
	for (size_t i = 0; i < nc; i++)
		json_array_append_new(cj, summary_json(&cities[i], 4));
	for (size_t i = 0; i < nk; i++)
		json_array_append_new(kj, summary_json(&counties[i], 6));
	/* deviations: stations in code order, indicators in scheme order */
	for (size_t i = 0; i < r->nstations; i++) {
		const ms_eval_station *st = &r->stations[i];
		if (!st->visible || !st->sampled || st->third_done == 0)
			continue;
		for (int k = 0; k < r->nindicators; k++) {
			const ms_eval_indicator_row *x = &r->indicators[k];
			if (strcmp(x->method, "manual") != 0 || st->third[k] < 0)
				continue;
			int64_t self = st->self[k] < 0 ? 0 : st->self[k];
			json_array_append_new(
			    dev,
			    json_pack("{s:s, s:s, s:s?, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:s?}",
			              "station", st->code, "name", st->name, "evaluator",
			              st->evaluator, "indicator", x->id, "module", x->module,
			              "title", x->title, "points", pts(x->max_points), "self",
			              pts(st->self[k]), "third", pts(st->third[k]), "deviation",
			              json_real((double)(st->third[k] - self) / 100.0), "note",
			              st->third_note[k]));
		}
	}
	json_t *j =
	    json_pack("{s:o, s:o, s:o, s:{s:I, s:I, s:I, s:I}, s:o, s:o, s:o, s:o}", "round",
	              ms_eval_round_row_json(&r->row), "bands", bands_json(r), "modules",
	              json_array(), "stars", "5", (json_int_t)stars[5], "4", (json_int_t)stars[4],
	              "3", (json_int_t)stars[3], "0", (json_int_t)stars[0], "stations", sts,
	              "cities", cj, "counties", kj, "deviations", dev);
	if (j) {
		json_t *mods = json_object_get(j, "modules");
		for (int m = 0; m < r->nmodules; m++)
			json_array_append_new(mods, json_pack("{s:s, s:o}", "name", r->modules[m],
			                                      "points", pts(r->module_points[m])));
	}
	ms_free(v);
	ms_free(cities);
	ms_free(counties);
	return j;
}

/* ---- the workbook ---- */

typedef struct book {
	lxw_workbook *wb;
	lxw_format *bold, *wrap;
	bool ok;
} book;

static void num(lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, int64_t centi)
{
	if (centi >= 0)
		worksheet_write_number(ws, row, col, (double)centi / 100.0, NULL);
}

static void str(lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, const char *s)
{
	if (s)
		worksheet_write_string(ws, row, col, s, NULL);
}

static void header(book *b, lxw_worksheet *ws, const char *const *cols, int n)
{
	for (int c = 0; c < n; c++) {
		worksheet_write_string(ws, 0, (lxw_col_t)c, cols[c], b->bold);
		worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, c < 2 ? 14 : 12, NULL);
	}
	worksheet_freeze_panes(ws, 1, 0);
}

static void sheet_about(book *b, const ms_eval_round *r)
{
	lxw_worksheet *ws = workbook_add_worksheet(b->wb, "说明");
	if (!ws) {
		b->ok = false;
		return;
	}
	worksheet_set_column(ws, 0, 0, 18, b->bold);
	worksheet_set_column(ws, 1, 1, 70, b->wrap);
	const ms_eval_round_row *x = &r->row;
	char id[32], year[16], bands[160], b5[MS_EVAL_POINTS_STR], b4[MS_EVAL_POINTS_STR],
	    b3[MS_EVAL_POINTS_STR];
	snprintf(id, sizeof id, "%lld", (long long)x->id);
	snprintf(year, sizeof year, "%lld", (long long)x->year);
	ms_eval_points_format(r->bands[0], b5);
	ms_eval_points_format(r->bands[1], b4);
	ms_eval_points_format(r->bands[2], b3);
	if (r->bands[0] >= 0)
		snprintf(bands, sizeof bands, "五星 ≥ %s，四星 ≥ %s，三星 ≥ %s，其余未评星", b5, b4,
		         b3);
	else
		snprintf(bands, sizeof bands, "（政策包未给出）");
	const char *area = area_name(x->area);
	const char *rows[][2] = {
	    {"评估轮次", id},
	    {"区划代码", x->area},
	    {"区划", area ? area : ""},
	    {"年度", year},
	    {"评估数据截止日期", x->as_of},
	    {"评估方案", x->scheme},
	    {"方案名称", x->scheme_title},
	    {"方案文件 SHA-256", x->scheme_sha256},
	    {"政策包版本", x->pack_version},
	    {"状态",
	     strcmp(x->state, "closed") == 0 ? "已结束（结果已确定）" : "进行中（结果为暂定）"},
	    {"开始", x->opened},
	    {"抽查比例", x->share ? x->share : "（尚未抽样）"},
	    {"随机种子", x->seed ? x->seed : "（尚未抽样）"},
	    {"抽样时间", x->sampled ? x->sampled : ""},
	    {"指标计算时间", x->computed ? x->computed : "（尚未计算）"},
	    {"结束时间", x->closed ? x->closed : ""},
	    {"星级分数线", bands},
	    {"最终得分", "抽中并完成第三方评估的社工站取第三方评估总分，其余取自评总分；"
	                 "系统计算的指标在两种总分中相同。"},
	    {"抽样方法", "按地市（区划代码前 4 位）分层：各地市内按 SHA-256(随机种子 ‖ 换行 ‖ "
	                 "社工站代码) 排序，取前 站数 × 抽查比例（四舍五入，至少 1 个）个。"},
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		worksheet_write_string(ws, (lxw_row_t)i, 0, rows[i][0], b->bold);
		worksheet_write_string(ws, (lxw_row_t)i, 1, rows[i][1] ? rows[i][1] : "", b->wrap);
	}
}

static void sheet_results(book *b, const ms_eval_round *r, const ms_eval_station **v, size_t nv)
{
	lxw_worksheet *ws = workbook_add_worksheet(b->wb, "评估结果");
	if (!ws) {
		b->ok = false;
		return;
	}
	const char *fixed[] = {"排名", "社工站代码", "社工站", "地市", "区县"};
	const char *tail[] = {"自评总分", "第三方评估总分", "最终得分",
	                      "星级",     "是否抽查",       "第三方评估完成",
	                      "评估员",   "地市内排名",     "区县内排名"};
	int nf = 5, nt = 9;
	char heads[MS_EVAL_MAX_MODULES][160];
	const char *cols[5 + MS_EVAL_MAX_MODULES + 9];
	int nc = 0;
	for (int i = 0; i < nf; i++)
		cols[nc++] = fixed[i];
	for (int m = 0; m < r->nmodules; m++) {
		char p[MS_EVAL_POINTS_STR];
		ms_eval_points_format(r->module_points[m], p);
		snprintf(heads[m], sizeof heads[m], "%s（%s 分）", r->modules[m], p);
		cols[nc++] = heads[m];
	}
	for (int i = 0; i < nt; i++)
		cols[nc++] = tail[i];
	header(b, ws, cols, nc);
	worksheet_set_column(ws, 2, 2, 26, NULL);
	for (size_t i = 0; i < nv; i++) {
		const ms_eval_station *st = v[i];
		lxw_row_t row = (lxw_row_t)(i + 1);
		lxw_col_t c = 0;
		worksheet_write_number(ws, row, c++, st->rank, NULL);
		str(ws, row, c++, st->code);
		str(ws, row, c++, st->name);
		const char *cn = area_name(st->city), *kn = area_name(st->county);
		str(ws, row, c++, cn ? cn : st->city);
		str(ws, row, c++, kn ? kn : st->county);
		for (int m = 0; m < r->nmodules; m++)
			num(ws, row, c++, st->module_final[m]);
		num(ws, row, c++, st->self_total);
		num(ws, row, c++, st->third_total);
		num(ws, row, c++, st->final_total);
		str(ws, row, c++, star_text(st->star));
		str(ws, row, c++, st->sampled ? "是" : "否");
		str(ws, row, c++, st->checked ? "是" : "否");
		str(ws, row, c++, st->evaluator ? st->evaluator : "");
		worksheet_write_number(ws, row, c++, st->rank_city, NULL);
		worksheet_write_number(ws, row, c++, st->rank_county, NULL);
	}
}

static void sheet_items(book *b, const ms_eval_round *r)
{
	lxw_worksheet *ws = workbook_add_worksheet(b->wb, "指标得分");
	if (!ws) {
		b->ok = false;
		return;
	}
	const char *cols[] = {"社工站代码", "社工站",   "指标编号",     "模块",
	                      "指标",       "满分",     "评分方式",     "自评",
	                      "第三方评估", "系统计算", "计入最终得分", "计算值"};
	header(b, ws, cols, 12);
	worksheet_set_column(ws, 4, 4, 30, NULL);
	lxw_row_t row = 1;
	for (size_t i = 0; i < r->nstations; i++) {
		const ms_eval_station *st = &r->stations[i];
		if (!st->visible)
			continue;
		for (int k = 0; k < r->nindicators; k++, row++) {
			const ms_eval_indicator_row *x = &r->indicators[k];
			bool manual = strcmp(x->method, "manual") == 0;
			str(ws, row, 0, st->code);
			str(ws, row, 1, st->name);
			str(ws, row, 2, x->id);
			str(ws, row, 3, x->module);
			str(ws, row, 4, x->title);
			num(ws, row, 5, x->max_points);
			str(ws, row, 6, manual ? "自评/抽查" : "系统计算");
			if (manual) {
				num(ws, row, 7, st->self[k]);
				num(ws, row, 8, st->third[k]);
				int64_t counted = st->checked ? st->third[k] : st->self[k];
				num(ws, row, 10, counted < 0 ? 0 : counted);
			} else {
				num(ws, row, 9, st->computed[k]);
				num(ws, row, 10, st->computed[k] < 0 ? 0 : st->computed[k]);
				if (st->value_den[k] > 0)
					worksheet_write_number(ws, row, 11,
					                       (double)st->value_num[k] /
					                           (double)st->value_den[k],
					                       NULL);
				else if (st->value_den[k] == 0)
					str(ws, row, 11, "无可计算对象");
			}
		}
	}
}

static void sheet_summary(book *b, const char *title, const area_sum *a, size_t n, size_t glen)
{
	lxw_worksheet *ws = workbook_add_worksheet(b->wb, title);
	if (!ws) {
		b->ok = false;
		return;
	}
	const char *city_cols[] = {"地市代码",       "地市",     "社工站数", "抽查数",
	                           "第三方评估完成", "平均得分", "最高分",   "最低分",
	                           "五星",           "四星",     "三星",     "未评星"};
	const char *county_cols[] = {"区县代码",       "区县",     "所属地市", "社工站数", "抽查数",
	                             "第三方评估完成", "平均得分", "最高分",   "最低分",   "五星",
	                             "四星",           "三星",     "未评星"};
	bool county = glen == 6;
	header(b, ws, county ? county_cols : city_cols, county ? 13 : 12);
	for (size_t i = 0; i < n; i++) {
		lxw_row_t row = (lxw_row_t)(i + 1);
		lxw_col_t c = 0;
		char parent[8];
		snprintf(parent, sizeof parent, "%.4s", a[i].code);
		const char *name = area_name(a[i].code);
		str(ws, row, c++, a[i].code);
		str(ws, row, c++, name ? name : (county ? area_name(parent) : a[i].code));
		if (county) {
			const char *pn = area_name(parent);
			str(ws, row, c++, pn ? pn : parent);
		}
		worksheet_write_number(ws, row, c++, (double)a[i].stations, NULL);
		worksheet_write_number(ws, row, c++, (double)a[i].sampled, NULL);
		worksheet_write_number(ws, row, c++, (double)a[i].checked, NULL);
		num(ws, row, c++, mean_of(&a[i]));
		num(ws, row, c++, a[i].max);
		num(ws, row, c++, a[i].min);
		for (int s = 5; s >= 3; s--)
			worksheet_write_number(ws, row, c++, (double)a[i].stars[s], NULL);
		worksheet_write_number(ws, row, c++, (double)a[i].stars[0], NULL);
	}
}

static void sheet_deviations(book *b, const ms_eval_round *r)
{
	lxw_worksheet *ws = workbook_add_worksheet(b->wb, "抽查偏差");
	if (!ws) {
		b->ok = false;
		return;
	}
	const char *cols[] = {
	    "社工站代码", "社工站",  "评估员", "指标编号",   "模块",
	    "指标",       "满分",    "自评",   "第三方评估", "偏差（第三方−自评）",
	    "偏差占满分", "评估说明"};
	header(b, ws, cols, 12);
	worksheet_set_column(ws, 5, 5, 30, NULL);
	worksheet_set_column(ws, 11, 11, 40, NULL);
	lxw_format *pct = workbook_add_format(b->wb);
	if (pct)
		format_set_num_format(pct, "0.0%");
	lxw_row_t row = 1;
	for (size_t i = 0; i < r->nstations; i++) {
		const ms_eval_station *st = &r->stations[i];
		if (!st->visible || !st->sampled || st->third_done == 0)
			continue;
		int64_t ds = 0, dt = 0, mx = 0;
		for (int k = 0; k < r->nindicators; k++) {
			const ms_eval_indicator_row *x = &r->indicators[k];
			if (strcmp(x->method, "manual") != 0 || st->third[k] < 0)
				continue;
			int64_t self = st->self[k] < 0 ? 0 : st->self[k];
			str(ws, row, 0, st->code);
			str(ws, row, 1, st->name);
			str(ws, row, 2, st->evaluator ? st->evaluator : "");
			str(ws, row, 3, x->id);
			str(ws, row, 4, x->module);
			str(ws, row, 5, x->title);
			num(ws, row, 6, x->max_points);
			num(ws, row, 7, st->self[k]);
			num(ws, row, 8, st->third[k]);
			worksheet_write_number(ws, row, 9, (double)(st->third[k] - self) / 100.0,
			                       NULL);
			worksheet_write_number(
			    ws, row, 10, (double)(st->third[k] - self) / (double)x->max_points,
			    pct);
			str(ws, row, 11, st->third_note[k] ? st->third_note[k] : "");
			ds += self;
			dt += st->third[k];
			mx += x->max_points;
			row++;
		}
		/* the station's line: the manual indicators together */
		str(ws, row, 0, st->code);
		str(ws, row, 1, st->name);
		str(ws, row, 2, st->evaluator ? st->evaluator : "");
		worksheet_write_string(ws, row, 3, "合计", b->bold);
		worksheet_write_string(ws, row, 5, "评分类指标合计", b->bold);
		num(ws, row, 6, mx);
		num(ws, row, 7, ds);
		num(ws, row, 8, dt);
		worksheet_write_number(ws, row, 9, (double)(dt - ds) / 100.0, b->bold);
		if (mx > 0)
			worksheet_write_number(ws, row, 10, (double)(dt - ds) / (double)mx, pct);
		row++;
	}
}

ms_err ms_eval_report_xlsx(const ms_eval_round *r, const char *path, ms_error *err)
{
	size_t nv = 0, nc = 0, nk = 0;
	const ms_eval_station **v = ranked(r, &nv);
	area_sum *cities = summaries(r, 4, &nc);
	area_sum *counties = summaries(r, 6, &nk);
	book b = {.ok = v && cities && counties};
	if (b.ok) {
		b.wb = workbook_new(path);
		b.ok = b.wb != NULL;
	}
	if (b.ok) {
		b.bold = workbook_add_format(b.wb);
		b.wrap = workbook_add_format(b.wb);
		b.ok = b.bold && b.wrap;
	}
	if (b.ok) {
		format_set_bold(b.bold);
		format_set_text_wrap(b.wrap);
		sheet_about(&b, r);
		sheet_results(&b, r, v, nv);
		sheet_items(&b, r);
		if (r->full_view) {
			sheet_summary(&b, "地市汇总", cities, nc, 4);
			sheet_summary(&b, "区县汇总", counties, nk, 6);
		}
		sheet_deviations(&b, r);
	}
	lxw_error xe = b.wb ? workbook_close(b.wb) : LXW_NO_ERROR;
	bool ok = b.ok && xe == LXW_NO_ERROR;
	ms_free(v);
	ms_free(cities);
	ms_free(counties);
	if (!ok) {
		unlink(path);
		if (!b.wb)
			return ms_error_set(err, MS_ERR_IO, "无法写入 %s (cannot write): %s", path,
			                    strerror(errno));
		return ms_error_set(err, MS_ERR_IO,
		                    "写 Excel 文件 %s 失败 (writing the workbook "
		                    "failed): %s",
		                    path, lxw_strerror(xe));
	}
	return MS_ERR_OK;
}

ms_err ms_eval_report_xlsx_bytes(const ms_eval_round *r, const char *tmpdir, char **bytes,
                                 size_t *len, ms_error *err)
{
	*bytes = NULL;
	*len = 0;
	char path[4096];
	snprintf(path, sizeof path, "%s/eval-report-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
	int fd = mkstemp(path);
	if (fd < 0)
		return ms_error_set(err, MS_ERR_IO,
		                    "无法创建临时文件 (cannot create a temporary file): %s",
		                    strerror(errno));
	close(fd);
	ms_err e = ms_eval_report_xlsx(r, path, err);
	if (e)
		return e;
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
		return ms_error_set(err, MS_ERR_IO,
		                    "读取导出文件失败 (cannot read the export back)");
	*bytes = buf;
	*len = (size_t)n;
	return MS_ERR_OK;
}
