/* forms.c — the home-verification form of an alert (入户核查表) and a
 * household's file (一户一档) as A4 PDFs (print.h), laid out with pdf.h
 * from what the detail pages read: the alert, its stored explanation, the
 * person or household, the service file and the timeline. */
#include "print/print.h"

#include "auth/auth.h"
#include "base/money.h"
#include "model/area.h"
#include "model/idnum.h"
#include "monitor/alerts.h"
#include "people/people.h"
#include "print/pdf.h"
#include "store/store_alerts.h"
#include "work/service.h"
#include "work/work.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *ms_print_font(void)
{
	return pd_font_path();
}

static const char *js(const json_t *o, const char *key)
{
	const json_t *v = o ? json_object_get(o, key) : NULL;
	return json_is_string(v) ? json_string_value(v) : "";
}

static void now_text(const ms_print_opts *o, char out[32])
{
	if (o && o->now) {
		snprintf(out, 32, "%.19s", o->now);
		return;
	}
	time_t t = time(NULL) + 8 * 3600;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%d %H:%M", &tm);
}

static void area_text(const char *code, char *out, size_t cap)
{
	char name[512] = "";
	if (code && *code)
		ms_area_full_name(code, strlen(code), name, sizeof name);
	snprintf(out, cap, "%s%s%s", code ? code : "", name[0] ? " " : "", name);
}

static const char *sex_label(const char *sex)
{
	return strcmp(sex, "male") == 0 ? "男" : strcmp(sex, "female") == 0 ? "女" : "";
}

/* A household's address: the value of its registry row whose column
 * names an address (详细地址 in the bundled pack). */
static const char *address_of(const json_t *household)
{
	json_t *v = json_object_get(household, "values");
	const char *key;
	json_t *val;
	json_object_foreach(v, key, val)
		if (strstr(key, "地址") && json_is_string(val))
			return json_string_value(val);
	return "";
}

/* A member with its full identity number (the person's detail, inside the
 * scope), else as the household listed it. */
typedef struct member {
	char name[128], relation[64], idno[32], sex[8], birth[16], phone[32];
} member;

static void member_of(ms_store *s, const ms_pack *pack, const ms_scope *sc, const json_t *m,
                      member *out)
{
	memset(out, 0, sizeof *out);
	snprintf(out->name, sizeof out->name, "%s", js(m, "name"));
	snprintf(out->relation, sizeof out->relation, "%s", js(m, "relation"));
	snprintf(out->idno, sizeof out->idno, "%s", js(m, "idno"));
	json_t *p = NULL;
	ms_error err = {0};
	const char *ref = js(m, "ref");
	if (*ref && ms_people_person(s, pack, sc, ref, true, &p, &err) == MS_ERR_OK) {
		snprintf(out->idno, sizeof out->idno, "%s", js(p, "idno"));
		snprintf(out->sex, sizeof out->sex, "%s", sex_label(js(p, "sex")));
		snprintf(out->birth, sizeof out->birth, "%s", js(p, "birth"));
		snprintf(out->phone, sizeof out->phone, "%s", js(p, "phone"));
	}
	json_decref(p);
}

static void members_table(pdoc *d, ms_store *s, const ms_pack *pack, const ms_scope *sc,
                          const json_t *household)
{
	const json_t *ms = json_object_get(household, "members");
	static const float w[] = {80, 60, 130, 30, 70, 113};
	const char *head[] = {"姓名", "与户主关系", "身份证号", "性别", "出生日期", "联系电话"};
	pd_row(d, 6, w, head, true);
	size_t n = json_array_size(ms);
	for (size_t i = 0; i < n && i < MS_PRINT_MAX_ROWS; i++) {
		member m;
		member_of(s, pack, sc, json_array_get(ms, i), &m);
		const char *cells[] = {m.name, m.relation, m.idno, m.sex, m.birth, m.phone};
		pd_row(d, 6, w, cells, false);
	}
	if (n == 0)
		pd_text(d, 10, 8, "（范围内没有登记的家庭成员）");
}

/* ---- the home-verification form ---- */

typedef struct expl_pick {
	json_t *raised; /* the explanation of the scan that raised the alert */
	int later;      /* explanations of later scans (appended evidence) */
} expl_pick;

static int on_expl(void *ctx, const ms_alert_explanation *x)
{
	expl_pick *p = ctx;
	if (!p->raised && x->raised)
		p->raised = json_loads(x->json, 0, NULL);
	else
		p->later++;
	return 0;
}

typedef struct events {
	pdoc *d;
	int n;
} events;

static int on_event(void *ctx, const ms_event_row *e)
{
	events *ev = ctx;
	if (ev->n++ >= 30)
		return 0;
	char line[1200];
	snprintf(line, sizeof line, "%.16s  %s  %s → %s%s%s%s%s", e->at, e->actor,
	         e->from_state[0] ? ms_alert_state_label(e->from_state, false) : "（生成）",
	         ms_alert_state_label(e->to_state, false), e->outcome ? "  结果：" : "",
	         e->outcome ? ms_outcome_label(e->outcome, false) : "", e->note[0] ? "  " : "",
	         e->note);
	pd_text(ev->d, 9, 8, line);
	return 0;
}

static void explanation(pdoc *d, const json_t *x, int later)
{
	if (!x) {
		pd_text(d, 10, 8, "（没有保存的解释）");
		return;
	}
	char line[1024];
	snprintf(line, sizeof line, "截至 %s，规则“%s %s”的以下条件对该对象同时成立：",
	         js(x, "as_of"), js(x, "rule"), js(x, "title"));
	pd_text(d, 10.5f, 8, line);
	const json_t *terms = json_object_get(x, "terms");
	for (size_t i = 0; i < json_array_size(terms); i++) {
		const json_t *t = json_array_get(terms, i);
		snprintf(line, sizeof line, "%zu. %s（取值：%s）", i + 1, js(t, "text"), js(t, "value"));
		pd_text(d, 9, 20, line);
	}
	const json_t *params = json_object_get(x, "params");
	if (json_array_size(params)) {
		pd_space(d, 3);
		pd_text(d, 10.5f, 8, "所用政策标准及其依据：");
		for (size_t i = 0; i < json_array_size(params); i++) {
			const json_t *p = json_array_get(params, i);
			const char *value = js(p, "value");
			char money[64] = "";
			if (strcmp(js(p, "type"), "money") == 0) {
				ms_money fen;
				if (ms_money_parse(value, strlen(value), &fen) == MS_ERR_OK) {
					char y[MS_MONEY_STR];
					ms_money_format(fen, 1, y);
					snprintf(money, sizeof money, "%s 元", y);
				}
			}
			snprintf(line, sizeof line, "· %s：%s（适用区划 %s，自 %s 起；依据：%s）",
			         js(p, "title")[0] ? js(p, "title") : js(p, "name"), money[0] ? money : value,
			         js(p, "area"), js(p, "from"), js(p, "source"));
			pd_text(d, 9.5f, 20, line);
		}
	}
	const json_t *facts = json_object_get(x, "facts");
	size_t nf = json_array_size(facts);
	if (nf) {
		pd_space(d, 3);
		pd_text(d, 10.5f, 8, "事实依据（部门比对数据）：");
		for (size_t i = 0; i < nf && i < MS_PRINT_MAX_ROWS; i++) {
			json_t *f = json_array_get(facts, i);
			char buf[2048];
			int off = snprintf(buf, sizeof buf, "[%zu] %s（批次 %lld 第 %lld 行）：", i + 1,
			                   js(f, "feed_title")[0] ? js(f, "feed_title") : js(f, "feed"),
			                   (long long)json_integer_value(json_object_get(f, "batch")),
			                   (long long)json_integer_value(json_object_get(f, "row")));
			const char *k;
			json_t *v, *vals = json_object_get(f, "values");
			bool first = true;
			json_object_foreach(vals, k, v)
			{
				if (!json_is_string(v) || !json_string_value(v)[0])
					continue;
				if (off > 0 && (size_t)off < sizeof buf)
					off += snprintf(buf + off, sizeof buf - (size_t)off, "%s%s %s",
					                first ? "" : "，", k, json_string_value(v));
				first = false;
			}
			pd_text(d, 9, 20, buf);
		}
		if (nf > MS_PRINT_MAX_ROWS) {
			snprintf(line, sizeof line, "另有 %zu 条事实未列出。", nf - MS_PRINT_MAX_ROWS);
			pd_text(d, 9, 20, line);
		}
	}
	if (later) {
		snprintf(line, sizeof line, "此后又有 %d 次比对追加了证据（见系统中的预警解释）。", later);
		pd_text(d, 9, 8, line);
	}
	const char *cond = js(x, "condition");
	if (*cond) {
		pd_space(d, 3);
		pd_text(d, 8.5f, 8, "规则原文：");
		pd_text(d, 8.5f, 20, cond);
	}
}

ms_err ms_print_alert(ms_store *s, const ms_pack *pack, const char *actor, const ms_scope *sc,
                      int64_t id, const ms_print_opts *o, char **pdf, size_t *len, ms_error *err)
{
	*pdf = NULL;
	*len = 0;
	ms_work_alert_row *row = malloc(sizeof *row);
	if (!row)
		return ms_error_set(err, MS_ERR_NOMEM, NULL);
	ms_err e = ms_work_alert_get(s, actor, id, row, err);
	if (e) {
		free(row);
		return e;
	}
	const ms_alert *a = &row->a;
	bool person = strcmp(a->subject_type, "person") == 0;
	expl_pick xp = {0};
	json_t *subj = NULL, *hh = NULL;
	ms_error ignore = {0};
	if ((e = ms_store_alert_explanations(s, id, on_expl, &xp, err)))
		goto out;
	/* the subject as its detail page reads it (absent: known from feeds only) */
	if (person) {
		if (ms_people_person(s, pack, sc, a->subject, true, &subj, &ignore) == MS_ERR_OK &&
		    *js(subj, "household"))
			ms_people_household(s, pack, sc, js(subj, "household"), true, &hh, &ignore);
	} else {
		ms_people_household(s, pack, sc, a->subject, true, &hh, &ignore);
	}

	char title[128], foot[256], when[32], text[1024];
	snprintf(title, sizeof title, "入户核查表 · 预警 %lld", (long long)id);
	now_text(o, when);
	snprintf(foot, sizeof foot, "minsheng 入户核查表 · 预警 %lld · 打印 %s %s · 含个人信息，妥善保管",
	         (long long)id, when, o && o->printed_by ? o->printed_by : "运维");
	pdoc d;
	if ((e = pd_open(&d, title, foot, err)))
		goto out;
	pd_center(&d, 18, "低收入人口动态监测 · 入户核查表");
	snprintf(text, sizeof text, "预警编号 %lld　　规则 %s　　办理期限 %.10s", (long long)id, a->rule,
	         a->due);
	pd_center(&d, 10.5f, text);
	pd_space(&d, 6);

	pd_heading(&d, "一、核查对象");
	char area[600];
	if (person) {
		pd_field(&d, "对象类型", "个人");
		pd_field(&d, "姓名", js(subj, "name"));
		pd_field(&d, "身份证号", a->subject);
		if (subj) {
			snprintf(text, sizeof text, "%s　出生日期 %s", sex_label(js(subj, "sex")),
			         js(subj, "birth"));
			pd_field(&d, "性别", text);
			pd_field(&d, "户编号", js(subj, "household"));
			pd_field(&d, "与户主关系", js(subj, "relation"));
			pd_field(&d, "联系电话", js(subj, "phone"));
		} else {
			pd_field(&d, "登记情况", "登记库中没有此人（仅见于部门数据）");
		}
	} else {
		pd_field(&d, "对象类型", "家庭");
		pd_field(&d, "户编号", a->subject);
	}
	area_text(a->area, area, sizeof area);
	pd_field(&d, "所在区划", area);
	if (hh)
		pd_field(&d, "家庭住址", address_of(hh));
	if (hh && !person) {
		pd_space(&d, 4);
		pd_text(&d, 10.5f, 8, "家庭成员：");
		members_table(&d, s, pack, sc, hh);
	}

	pd_heading(&d, "二、预警信息");
	snprintf(text, sizeof text, "%s %s（%s）", a->rule,
	         xp.raised ? js(xp.raised, "title") : "", ms_alert_kind_label(a->kind, false));
	pd_field(&d, "预警规则", text);
	pd_field(&d, "当前状态", ms_alert_state_label(a->state, false));
	area_text(a->inbox, area, sizeof area);
	pd_field(&d, "派往", area);
	pd_field(&d, "承办社工", a->assignee ? a->assignee : "（未指派）");
	pd_field(&d, "生成时间", a->created);
	snprintf(text, sizeof text, "%.10s", a->due);
	pd_field(&d, "办理期限", text);

	pd_heading(&d, "三、预警原因");
	explanation(&d, xp.raised, xp.later);

	pd_heading(&d, "四、处理记录");
	events ev = {.d = &d};
	if ((e = ms_work_alert_history(s, actor, id, on_event, NULL, &ev, err))) {
		pd_free(&d);
		goto out;
	}

	pd_heading(&d, "五、核查情况（入户填写）");
	pd_text(&d, 10.5f, 8, "核查日期：______年____月____日　　核查方式：□ 入户　□ 电话　□ 来访");
	pd_space(&d, 4);
	pd_text(&d, 10.5f, 8, "核查结果：□ 纳入救助（项目：________________）　□ 调整待遇（□ 增发　□ 减发　□ 停发）");
	pd_text(&d, 10.5f, 8, "　　　　　□ 已转介（部门：________________）　□ 属实无需救助　□ 信息有误　□ 无法联系");
	pd_space(&d, 6);
	pd_box(&d, "核查情况说明（家庭人口、收入、财产、健康、居住等实际情况）：", 150);
	pd_box(&d, "家庭需求与建议：", 80);

	pd_heading(&d, "六、签字");
	pd_need(&d, 110);
	pd_text(&d, 10.5f, 8, "核查社工（签字）：____________________　　日期：______年____月____日");
	pd_space(&d, 12);
	pd_text(&d, 10.5f, 8, "被核查人或家庭成员（签字或按手印）：____________________　　日期：______年____月____日");
	pd_space(&d, 12);
	pd_text(&d, 10.5f, 8, "社工站负责人（签字）：____________________　　日期：______年____月____日");
	pd_space(&d, 8);
	pd_text(&d, 8.5f, 8,
	        "说明：本表由系统根据预警自动生成，预警本身不决定任何待遇（个人信息保护法第二十四条），"
	        "核查结论以入户核实为准。本表含个人信息，仅供核查使用，用后按规定归档，不得外传。");
	e = pd_finish(&d, pdf, len, err);
out:
	json_decref(xp.raised);
	json_decref(subj);
	json_decref(hh);
	free(row);
	return e;
}

/* ---- the household's file ---- */

typedef struct rows {
	pdoc *d;
	int n;
} rows;

static const char *entry_type_label(const char *type)
{
	return strcmp(type, "visit") == 0        ? "走访"
	       : strcmp(type, "service") == 0    ? "服务"
	       : strcmp(type, "referral") == 0   ? "转介"
	       : strcmp(type, "application") == 0 ? "协助申请"
	                                          : type;
}

static int on_entry(void *ctx, const ms_sentry_row *r)
{
	rows *x = ctx;
	if (x->n++ >= MS_PRINT_MAX_ROWS)
		return 0;
	static const float w[] = {62, 48, 110, 34, 229};
	char persons[24] = "", what[300], detail[4400];
	if (r->persons)
		snprintf(persons, sizeof persons, "%lld", (long long)r->persons);
	const char *kind = r->kind;
	if (strcmp(r->type, "visit") == 0)
		kind = ms_visit_kind_label(r->kind, false);
	snprintf(what, sizeof what, "%s", kind ? kind : "");
	snprintf(detail, sizeof detail, "%s%s%s%s%s%s%s", r->note, r->needs[0] ? "　需求：" : "",
	         r->needs, r->result ? "　结果：" : "", r->result ? r->result : "",
	         r->result_day ? " " : "", r->result_day ? r->result_day : "");
	const char *cells[] = {r->day, entry_type_label(r->type), what, persons, detail};
	pd_row(x->d, 5, w, cells, false);
	return 0;
}

static int on_line(void *ctx, const ms_timeline_item *it)
{
	rows *x = ctx;
	if (x->n++ >= MS_PRINT_MAX_ROWS)
		return 0;
	static const float w[] = {62, 60, 361};
	char what[1200];
	if (strcmp(it->source, "alert") == 0) {
		char subject[64];
		if (it->subject && strcmp(it->subject_type, "person") == 0 && strlen(it->subject) == 18)
			ms_id_mask(it->subject, subject);
		else
			snprintf(subject, sizeof subject, "%s", it->subject ? it->subject : "");
		snprintf(what, sizeof what, "预警 %lld %s（%s）：%s%s%s", (long long)it->alert_id,
		         it->rule ? it->rule : "", subject,
		         it->from_state && it->from_state[0] ? ms_alert_state_label(it->from_state, false)
		                                             : "生成",
		         " → ", ms_alert_state_label(it->to_state, false));
	} else {
		const char *kind = it->kind;
		if (kind && strcmp(it->source, "visit") == 0)
			kind = ms_visit_kind_label(kind, false);
		snprintf(what, sizeof what, "%s%s%s", kind ? kind : "",
		         it->note && it->note[0] ? "：" : "", it->note ? it->note : "");
	}
	static const struct {
		const char *code, *label;
	} src[] = {{"alert", "预警"},          {"visit", "走访"},
	           {"service", "服务"},        {"referral", "转介"},
	           {"referral_result", "转介结果"}, {"application", "协助申请"},
	           {"application_result", "申请结果"}};
	const char *label = it->source;
	for (size_t i = 0; i < sizeof src / sizeof src[0]; i++)
		if (strcmp(it->source, src[i].code) == 0)
			label = src[i].label;
	const char *cells[] = {it->day, label, what};
	pd_row(x->d, 3, w, cells, false);
	return 0;
}

ms_err ms_print_household(ms_store *s, const ms_pack *pack, const char *actor,
                          const ms_scope *sc, const char *household, const ms_print_opts *o,
                          char **pdf, size_t *len, ms_error *err)
{
	*pdf = NULL;
	*len = 0;
	json_t *hh = NULL;
	ms_err e = ms_people_household(s, pack, sc, household, true, &hh, err);
	if (e)
		return e;
	char hid[128], title[160], foot[256], when[32], text[1024], area[600];
	snprintf(hid, sizeof hid, "%s", js(hh, "id"));
	snprintf(title, sizeof title, "一户一档 · %s", hid);
	now_text(o, when);
	snprintf(foot, sizeof foot, "minsheng 一户一档 · 户编号 %s · 打印 %s %s · 含个人信息，妥善保管", hid,
	         when, o && o->printed_by ? o->printed_by : "运维");
	pdoc d;
	if ((e = pd_open(&d, title, foot, err))) {
		json_decref(hh);
		return e;
	}
	pd_center(&d, 18, "一户一档 · 家庭服务档案");
	snprintf(text, sizeof text, "户编号 %s", hid);
	pd_center(&d, 10.5f, text);
	pd_space(&d, 6);

	pd_heading(&d, "一、家庭基本情况");
	pd_field(&d, "户编号", hid);
	area_text(js(hh, "area"), area, sizeof area);
	pd_field(&d, "所在区划", area);
	pd_field(&d, "家庭住址", address_of(hh));
	ms_work_env env = {.pack = pack};
	ms_sfile_row file;
	rows r = {.d = &d};
	/* the file and its records: "not found" means none (or not the
	 * actor's station to read) */
	bool has_file = false;
	ms_error ferr = {0};
	/* the file's row first; its records are drawn below */
	ms_err fe = ms_service_file(s, &env, actor, hid, &file, NULL, NULL, &ferr);
	char opened[128] = "", station[600] = "", opened_by[128] = "";
	if (fe == MS_ERR_OK) {
		has_file = true;
		snprintf(opened, sizeof opened, "%s", file.opened);
		snprintf(opened_by, sizeof opened_by, "%s", file.opened_by);
		area_text(file.station, station, sizeof station);
	} else if (fe != MS_ERR_NOT_FOUND) {
		e = fe;
		*err = ferr;
		pd_free(&d);
		json_decref(hh);
		return e;
	}
	bool other_station = !has_file && json_is_true(json_object_get(hh, "service_file"));
	pd_field(&d, "服务档案",
	         has_file        ? "已建档"
	         : other_station ? "已建档（不在您的社工站，记录不显示）"
	                         : "尚未建档（首次走访时建档）");
	if (has_file) {
		pd_field(&d, "建档社工站", station);
		snprintf(text, sizeof text, "%s（%s）", opened, opened_by);
		pd_field(&d, "建档日期", text);
	}

	pd_heading(&d, "二、家庭成员");
	members_table(&d, s, pack, sc, hh);

	pd_heading(&d, "三、以户为对象的预警（成员个人的预警见时间线）");
	const json_t *alerts = json_object_get(hh, "alerts");
	static const float aw[] = {50, 50, 150, 120, 113};
	const char *ah[] = {"编号", "规则", "状态", "生成", "办理期限"};
	pd_row(&d, 5, aw, ah, true);
	for (size_t i = 0; i < json_array_size(alerts) && i < MS_PRINT_MAX_ROWS; i++) {
		const json_t *al = json_array_get(alerts, i);
		char idt[24];
		snprintf(idt, sizeof idt, "%lld", (long long)json_integer_value(json_object_get(al, "id")));
		const char *cells[] = {idt, js(al, "rule"), ms_alert_state_label(js(al, "state"), false),
		                       js(al, "created"), js(al, "due")};
		pd_row(&d, 5, aw, cells, false);
	}
	if (!json_array_size(alerts))
		pd_text(&d, 10, 8, "（范围内没有此户的预警）");

	pd_heading(&d, "四、服务记录（走访、服务、转介、协助申请）");
	if (has_file) {
		static const float w[] = {62, 48, 110, 34, 229};
		const char *head[] = {"日期", "类型", "方式/内容/部门", "人次", "说明、需求与结果"};
		pd_row(&d, 5, w, head, true);
		if ((e = ms_service_file(s, &env, actor, hid, &file, on_entry, &r, err))) {
			pd_free(&d);
			json_decref(hh);
			return e;
		}
		if (r.n > MS_PRINT_MAX_ROWS) {
			snprintf(text, sizeof text, "另有 %d 条记录未列出。", r.n - MS_PRINT_MAX_ROWS);
			pd_text(&d, 9, 8, text);
		}
	} else {
		pd_text(&d, 10, 8, "（尚无记录）");
	}

	pd_heading(&d, "五、时间线");
	rows t = {.d = &d};
	static const float tw[] = {62, 60, 361};
	const char *th[] = {"日期", "来源", "内容"};
	pd_row(&d, 3, tw, th, true);
	ms_error terr = {0};
	ms_err te = ms_service_timeline(s, &env, actor, hid, NULL, on_line, &t, &terr);
	if (te && te != MS_ERR_NOT_FOUND) {
		*err = terr;
		pd_free(&d);
		json_decref(hh);
		return te;
	}
	if (t.n > MS_PRINT_MAX_ROWS) {
		snprintf(text, sizeof text, "另有 %d 条未列出。", t.n - MS_PRINT_MAX_ROWS);
		pd_text(&d, 9, 8, text);
	}

	pd_heading(&d, "六、审核");
	pd_need(&d, 60);
	pd_text(&d, 10.5f, 8, "社工站负责人（签字）：____________________　　日期：______年____月____日");
	pd_space(&d, 8);
	pd_text(&d, 8.5f, 8,
	        "说明：本档案供社工站内部使用，含完整身份证号等个人信息，妥善保管，不得外传；"
	        "打印已记入访问日志。");
	json_decref(hh);
	return pd_finish(&d, pdf, len, err);
}
