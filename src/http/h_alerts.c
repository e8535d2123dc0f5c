/* h_alerts.c — alerts (list, detail, transitions, household verification,
 * attachments), inboxes and the figures of an area. */
#include "http/http_impl.h"
#include "http/jw.h"

#include "base/date.h"
#include "model/idnum.h"
#include "model/ref.h"
#include "monitor/population.h"
#include "monitor/scan.h"
#include "monitor/snapshot.h"
#include "store/store_scoped.h"
#include "store/store_work.h"
#include "work/service.h"
#include "work/work.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The subject as a list shows it (masked) and its reference. */
static void subject_parts(ms_req *r, const char *type, const char *subject, char masked[64],
                          char ref[MS_REF_MAX])
{
	bool person = strcmp(type, "person") == 0;
	if (person && strlen(subject) == 18)
		ms_id_mask(subject, masked);
	else
		snprintf(masked, 64, "%s", subject);
	if (!ms_ref_encode(r->srv->ref_key, person ? MS_REF_PERSON : MS_REF_HOUSEHOLD, subject, ref))
		ref[0] = 0;
}

static json_t *alert_item(ms_req *r, const ms_alert *a)
{
	char masked[64], ref[MS_REF_MAX], due[MS_DATE_STR];
	subject_parts(r, a->subject_type, a->subject, masked, ref);
	snprintf(due, sizeof due, "%.10s", a->due);
	return json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s?, s:I, s:s, s:s, s:b, s:b}",
	                 "id", (json_int_t)a->id, "rule", a->rule, "kind", a->kind, "subject_type",
	                 a->subject_type, "subject", masked, "subject_ref", ref, "area", a->area,
	                 "inbox", a->inbox, "state", a->state, "assignee", a->assignee, "version",
	                 (json_int_t)a->version, "created", a->created, "due", due, "cleared",
	                 a->cleared, "evidence_revoked", a->evidence_revoked);
}

static bool digits(const char *s, size_t lo, size_t hi)
{
	size_t n = strlen(s);
	if (n < lo || n > hi)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static bool known_state(const char *s)
{
	static const char *const states[] = {"new", "assigned", "verifying", "verified", "returned",
	                                     "closed"};
	for (size_t i = 0; i < sizeof states / sizeof states[0]; i++)
		if (strcmp(s, states[i]) == 0)
			return true;
	return false;
}

/* Writes a list item with the small writer: the alert page is the busiest
 * answer of the API. Same fields as alert_item. */
static void alert_item_jw(ms_req *r, jw *w, const ms_alert *a)
{
	char masked[64], ref[MS_REF_MAX], due[MS_DATE_STR];
	subject_parts(r, a->subject_type, a->subject, masked, ref);
	snprintf(due, sizeof due, "%.10s", a->due);
	jw_key(w, NULL);
	jw_open(w, '{');
	jw_int(w, "id", a->id);
	jw_str(w, "rule", a->rule);
	jw_str(w, "kind", a->kind);
	jw_str(w, "subject_type", a->subject_type);
	jw_str(w, "subject", masked);
	jw_str(w, "subject_ref", ref);
	jw_str(w, "area", a->area);
	jw_str(w, "inbox", a->inbox);
	jw_str(w, "state", a->state);
	jw_str(w, "assignee", a->assignee);
	jw_int(w, "version", a->version);
	jw_str(w, "created", a->created);
	jw_str(w, "due", due);
	jw_bool(w, "cleared", a->cleared);
	jw_bool(w, "evidence_revoked", a->evidence_revoked);
	jw_close(w, '}');
}

typedef struct page {
	ms_req *r;
	jw w;
	int64_t last;
	int n, limit;
	bool more;
} page;

static int on_alert(void *ctx, const ms_alert *a)
{
	page *p = ctx;
	if (p->n == p->limit) {
		p->more = true;
		return 1;
	}
	alert_item_jw(p->r, &p->w, a);
	p->last = a->id;
	p->n++;
	return 0;
}

void h_alerts_list(ms_req *r)
{
	const char *rule = http_arg(r, "rule"), *state = http_arg(r, "state"),
	           *area = http_arg(r, "area"), *cursor = http_arg(r, "cursor");
	int64_t limit, after = 0;
	if (!http_int_arg(r, "limit", 1, HTTP_PAGE_LIMIT(r), HTTP_PAGE_DEFAULT, &limit))
		return;
	if (rule && strlen(rule) > 64) {
		http_error(r, MS_ERR_INVALID, "rule 过长 / rule is too long");
		return;
	}
	if (state && *state && !known_state(state)) {
		http_error(r, MS_ERR_INVALID, "未知状态：%s（new、assigned、verifying、verified、returned、"
		           "closed） / unknown state: %s", state, state);
		return;
	}
	if (area && *area && !digits(area, 1, 12)) {
		http_error(r, MS_ERR_INVALID, "area 应为 1–12 位数字 / area must be 1–12 digits");
		return;
	}
	if (cursor && *cursor) {
		char *end;
		after = strtoll(cursor, &end, 10);
		if (*end || after < 0) {
			http_error(r, MS_ERR_INVALID, "cursor 无效 / bad cursor");
			return;
		}
	}
	page p = {.r = r, .limit = (int)limit};
	jw_init(&p.w, 16384);
	jw_open(&p.w, '{');
	jw_key(&p.w, "items");
	jw_open(&p.w, '[');
	ms_alert_filter f = {.rule = rule, .state = state, .area = area, .after_id = after,
	                     .limit = (int)limit + 1};
	ms_error err = {0};
	ms_err e = ms_store_alert_page(r->store, &r->scope, &f, on_alert, &p, &err);
	if (e) {
		jw_free(&p.w);
		http_fail(r, e, &err);
		return;
	}
	jw_close(&p.w, ']');
	if (p.more) {
		char c[24];
		snprintf(c, sizeof c, "%lld", (long long)p.last);
		jw_str(&p.w, "next", c);
	} else {
		jw_null(&p.w, "next");
	}
	jw_close(&p.w, '}');
	if (p.w.oom) {
		jw_free(&p.w);
		http_error(r, MS_ERR_NOMEM, NULL);
		return;
	}
	http_json_text(r, 200, p.w.p, p.w.n);
}

static bool parse_id(ms_req *r, const char *s, int64_t *id)
{
	char *end;
	long long v = strtoll(s, &end, 10);
	if (*end || v <= 0 || !digits(s, 1, 18)) {
		http_error(r, MS_ERR_NOT_FOUND, "预警不存在 / no such alert");
		return false;
	}
	*id = v;
	return true;
}

static int on_expl(void *ctx, const ms_alert_explanation *x)
{
	json_t *v = json_loads(x->json, 0, NULL);
	if (v)
		json_array_append_new(ctx, json_pack("{s:I, s:s, s:b, s:o}", "scan", (json_int_t)x->scan_id,
		                                     "as_of", x->as_of, "raised", x->raised, "explanation", v));
	return 0;
}

typedef struct hist {
	json_t *events, *attachments;
} hist;

static int on_event(void *ctx, const ms_event_row *e)
{
	hist *h = ctx;
	json_array_append_new(
		h->events,
		json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?}", "id",
	              (json_int_t)e->id, "at", e->at, "actor", e->actor, "from", e->from_state, "to",
	              e->to_state, "note", e->note, "outcome", e->outcome, "benefit", e->benefit,
	              "adjustment", e->adjustment, "department", e->department, "household",
	              e->household, "assignee", e->assignee));
	return 0;
}

static int on_attachment(void *ctx, const ms_attachment_row *a)
{
	hist *h = ctx;
	json_array_append_new(h->attachments,
	                      json_pack("{s:s, s:s, s:s, s:I, s:s, s:s}", "sha256", a->sha256, "mime",
	                                a->mime, "name", a->name, "size", (json_int_t)a->size,
	                                "added_by", a->added_by, "added", a->added));
	return 0;
}

/* The alert as its detail shows it; NULL with the response sent when the
 * caller may not see it. */
static json_t *alert_detail(ms_req *r, int64_t id)
{
	ms_work_alert_row row;
	ms_error err = {0};
	ms_err e = ms_work_alert_get(r->store, r->user.name, id, &row, &err);
	if (e) {
		http_fail(r, e, &err);
		return NULL;
	}
	json_t *j = alert_item(r, &row.a);
	json_object_set_new(j, "outcome", row.outcome ? json_string(row.outcome) : json_null());
	json_object_set_new(j, "outcome_label", row.outcome ? json_string(ms_outcome_label(row.outcome, false)) : json_null());
	json_object_set_new(j, "decision", row.decision ? json_string(row.decision) : json_null());
	json_object_set_new(j, "closed", row.a.closed ? json_string(row.a.closed) : json_null());
	return j;
}

void h_alert_get(ms_req *r)
{
	int64_t id;
	if (!parse_id(r, r->params[0], &id))
		return;
	json_t *j = alert_detail(r, id);
	if (!j)
		return;
	ms_error err = {0};
	json_t *expl = json_array();
	hist h = {json_array(), json_array()};
	ms_err e = ms_store_alert_explanations(r->store, id, on_expl, expl, &err);
	if (!e)
		e = ms_work_alert_history(r->store, r->user.name, id, on_event, on_attachment, &h, &err);
	if (e) {
		json_decref(j);
		json_decref(expl);
		json_decref(h.events);
		json_decref(h.attachments);
		http_fail(r, e, &err);
		return;
	}
	json_object_set_new(j, "explanations", expl);
	json_object_set_new(j, "history", h.events);
	json_object_set_new(j, "attachments", h.attachments);
	http_audit(r, "read", "alert", r->params[0]);
	http_json(r, 200, j);
}

/* Reads the fields of a transition from a body. */
static bool transition_fields(ms_req *r, json_t *o, ms_transition *t)
{
	memset(t, 0, sizeof *t);
	return http_str(r, o, "to", 16, &t->to) && http_str(r, o, "note", MS_WORK_NOTE_MAX, &t->note) &&
	       http_str(r, o, "assignee", MS_USER_NAME_MAX, &t->assignee) &&
	       http_str(r, o, "outcome", 32, &t->outcome) &&
	       http_str(r, o, "benefit", MS_WORK_DETAIL_MAX, &t->benefit) &&
	       http_str(r, o, "adjustment", 16, &t->adjustment) &&
	       http_str(r, o, "department", MS_WORK_DETAIL_MAX, &t->department) &&
	       http_str(r, o, "household", 64, &t->household) &&
	       http_str(r, o, "decision", MS_WORK_NOTE_MAX, &t->decision);
}

static bool json_version(ms_req *r, json_t *v, int64_t *out)
{
	if (!json_is_integer(v) || json_integer_value(v) < 1) {
		http_error(r, MS_ERR_INVALID, "version 应为正整数（您看到的版本） / version must be the "
		           "positive integer you last saw");
		return false;
	}
	*out = json_integer_value(v);
	return true;
}

void h_alert_transition(ms_req *r)
{
	int64_t id;
	if (!parse_id(r, r->params[0], &id))
		return;
	json_t *o = http_body_object(r);
	if (!o)
		return;
	ms_transition t;
	int64_t version, newv;
	if (!transition_fields(r, o, &t) || !json_version(r, json_object_get(o, "version"), &version)) {
		json_decref(o);
		return;
	}
	if (!t.to) {
		json_decref(o);
		http_error(r, MS_ERR_INVALID, "需要 to（目标状态） / to (the new state) is required");
		return;
	}
	ms_work_env env = {.pack = r->pack};
	ms_error err = {0};
	ms_err e = ms_work_transition(r->store, &env, r->user.name, &t, 1, &id, &version, &newv, &err);
	json_decref(o);
	if (e) {
		http_fail(r, e, &err);
		return;
	}
	json_t *j = alert_detail(r, id);
	if (j)
		http_json(r, 200, j);
}

/* Several alerts of one household verified after one visit. */
void h_alerts_verify_household(ms_req *r)
{
	json_t *o = http_body_object(r);
	if (!o)
		return;
	json_t *ids = json_object_get(o, "ids"), *vers = json_object_get(o, "versions");
	size_t n = json_array_size(ids);
	if (!json_is_array(ids) || !json_is_array(vers) || n == 0 || n != json_array_size(vers) ||
	    n > MS_WORK_BATCH_MAX) {
		json_decref(o);
		http_error(r, MS_ERR_INVALID, "ids 与 versions 应为等长数组（1–%d 条） / ids and versions "
		           "must be arrays of the same length (1–%d)", MS_WORK_BATCH_MAX,
		           MS_WORK_BATCH_MAX);
		return;
	}
	int64_t idv[MS_WORK_BATCH_MAX], verv[MS_WORK_BATCH_MAX], newv[MS_WORK_BATCH_MAX];
	for (size_t i = 0; i < n; i++) {
		json_t *a = json_array_get(ids, i);
		if (!json_is_integer(a) || json_integer_value(a) <= 0) {
			json_decref(o);
			http_error(r, MS_ERR_INVALID, "ids 应为预警编号 / ids must be alert ids");
			return;
		}
		idv[i] = json_integer_value(a);
		if (!json_version(r, json_array_get(vers, i), &verv[i])) {
			json_decref(o);
			return;
		}
	}
	ms_transition t;
	if (!transition_fields(r, o, &t)) {
		json_decref(o);
		return;
	}
	t.to = "verified";
	ms_work_env env = {.pack = r->pack};
	ms_error err = {0};
	ms_err e = ms_work_transition(r->store, &env, r->user.name, &t, n, idv, verv, newv, &err);
	json_decref(o);
	if (e) {
		http_fail(r, e, &err);
		return;
	}
	json_t *items = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(items, json_pack("{s:I, s:I}", "id", (json_int_t)idv[i], "version",
		                                       (json_int_t)newv[i]));
	http_json(r, 200, json_pack("{s:o}", "items", items));
}

void h_alert_attach(ms_req *r)
{
	int64_t id;
	if (!parse_id(r, r->params[0], &id))
		return;
	const char *name = http_arg(r, "name");
	if (!name || !*name || strlen(name) > 200) {
		http_error(r, MS_ERR_INVALID, "需要 ?name=文件名（至多 200 字节） / ?name=FILE (at most 200 "
		           "bytes) is required");
		return;
	}
	if (!r->body_len) {
		http_error(r, MS_ERR_INVALID, "请求体应为附件内容 / the body must be the file");
		return;
	}
	ms_attachment_in a = {.name = name, .bytes = r->body, .len = r->body_len};
	char sha[1][65];
	ms_work_env env = {.pack = r->pack};
	ms_error err = {0};
	ms_err e = ms_work_attach(r->store, &env, r->user.name, id, &a, 1, sha, &err);
	if (e) {
		http_fail(r, e, &err);
		return;
	}
	http_json(r, 201, json_pack("{s:I, s:s, s:I}", "alert", (json_int_t)id, "sha256", sha[0],
	                            "size", (json_int_t)r->body_len));
}

/* The content types attachments are stored with; the response must not
 * point into the store's row, which is gone when the answer is sent. */
static const char *static_mime(const char *mime)
{
	static const char *const known[] = {"image/jpeg", "image/png", "image/webp", "image/heic",
	                                    "image/gif", "application/pdf", "text/plain"};
	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
		if (strcmp(mime, known[i]) == 0)
			return known[i];
	return "application/octet-stream";
}

static ms_err send_attachment(void *ctx, const char *mime, const void *bytes, size_t len)
{
	http_bytes(ctx, 200, static_mime(mime), bytes, len);
	return MS_ERR_OK;
}

void h_alert_attachment(ms_req *r)
{
	int64_t id;
	if (!parse_id(r, r->params[0], &id))
		return;
	if (strlen(r->params[1]) != 64) {
		http_error(r, MS_ERR_NOT_FOUND, "附件不存在 / no such attachment");
		return;
	}
	ms_error err = {0};
	ms_err e = ms_work_attachment_read(r->store, r->user.name, id, r->params[1], send_attachment, r,
	                                   &err);
	if (e) {
		http_fail(r, e, &err);
		return;
	}
	snprintf(r->disposition, sizeof r->disposition, "attachment; filename=\"%.64s\"", r->params[1]);
	http_audit(r, "download", "attachment", r->params[0]);
}

/* ---- inboxes ---- */

typedef struct inbox_ctx {
	ms_req *r;
	json_t *items;
	int n, limit;
} inbox_ctx;

static int on_inbox(void *ctx, const ms_inbox_item *it)
{
	inbox_ctx *c = ctx;
	if (c->n++ >= c->limit)
		return 0; /* keep counting */
	json_t *j = alert_item(c->r, &it->alert->a);
	json_object_set_new(j, "overdue", json_boolean(it->overdue));
	json_object_set_new(j, "due_soon", json_boolean(it->due_soon));
	json_array_append_new(c->items, j);
	return 0;
}

void h_inbox(ms_req *r)
{
	const char *kind = http_arg(r, "kind"), *code = http_arg(r, "code");
	int64_t limit;
	if (!http_int_arg(r, "limit", 1, HTTP_PAGE_LIMIT(r), HTTP_PAGE_MAX, &limit))
		return;
	ms_inbox_kind k;
	/* by default each role's own inbox */
	if (!kind || !*kind) {
		if (r->user.role == MS_ROLE_WORKER)
			kind = "worker";
		else if (r->user.role == MS_ROLE_STATION_HEAD)
			kind = "station";
		else
			kind = "county";
	}
	if (strcmp(kind, "worker") == 0) {
		k = MS_INBOX_WORKER;
		if (!code || !*code)
			code = r->user.name;
	} else if (strcmp(kind, "station") == 0) {
		k = MS_INBOX_STATION;
		if (!code || !*code)
			code = r->user.station;
	} else if (strcmp(kind, "county") == 0) {
		k = MS_INBOX_COUNTY;
		if (!code || !*code)
			code = strlen(r->user.scope) >= 6 ? r->user.scope : NULL;
	} else {
		http_error(r, MS_ERR_INVALID, "kind 应为 worker、station 或 county / kind must be worker, "
		           "station or county");
		return;
	}
	if (!code || !*code || strlen(code) > MS_USER_NAME_MAX) {
		http_error(r, MS_ERR_INVALID, "需要 code（站点 9 位、区县 6 位代码或用户名） / code is "
		           "required (a 9-digit station, a 6-digit county or a user name)");
		return;
	}
	char codebuf[MS_USER_NAME_MAX + 1];
	snprintf(codebuf, sizeof codebuf, "%.6s", code);
	if (k == MS_INBOX_COUNTY && strlen(code) > 6)
		code = codebuf;
	inbox_ctx c = {.r = r, .items = json_array(), .limit = (int)limit};
	ms_inbox_counts counts;
	ms_work_env env = {.pack = r->pack};
	ms_error err = {0};
	ms_err e = ms_work_inbox(r->store, &env, r->user.name, k, code, ms_date_today(), on_inbox, &c,
	                         &counts, &err);
	if (e) {
		json_decref(c.items);
		http_fail(r, e, &err);
		return;
	}
	http_json(r, 200,
	          json_pack("{s:s, s:s, s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:i, s:s}, s:o}", "kind",
	                    kind, "code", code, "counts", "open", (json_int_t)counts.open, "due_soon",
	                    (json_int_t)counts.due_soon, "overdue", (json_int_t)counts.overdue, "new",
	                    (json_int_t)counts.by_state[0], "assigned",
	                    (json_int_t)counts.by_state[1], "verifying",
	                    (json_int_t)counts.by_state[2], "returned",
	                    (json_int_t)counts.by_state[3], "remind_days", counts.remind_days,
	                    "soon_until", counts.soon_until, "items", c.items));
}

/* ---- figures ---- */

static bool date_arg(ms_req *r, const char *name, ms_date def, ms_date *out)
{
	const char *v = http_arg(r, name);
	if (!v || !*v) {
		*out = def;
		return true;
	}
	if (ms_date_parse(v, strlen(v), out) != MS_ERR_OK) {
		http_error(r, MS_ERR_INVALID, "%s 应为日期 YYYY-MM-DD / %s must be a date YYYY-MM-DD", name,
		           name);
		return false;
	}
	return true;
}

void h_stats(ms_req *r)
{
	const char *area = http_arg(r, "area");
	if (!area || !*area)
		area = r->user.role == MS_ROLE_STATION_HEAD ? r->user.station : r->user.scope;
	if (!digits(area, 1, 12)) {
		http_error(r, MS_ERR_INVALID, "area 应为 1–12 位数字 / area must be 1–12 digits");
		return;
	}
	ms_date today = ms_date_today(), from, to;
	char jan1[MS_DATE_STR];
	ms_date_format(today, jan1);
	memcpy(jan1 + 5, "01-01", 5);
	ms_date first;
	ms_date_parse(jan1, 10, &first);
	if (!date_arg(r, "from", first, &from) || !date_arg(r, "to", today, &to))
		return;
	if (from > to) {
		http_error(r, MS_ERR_INVALID, "from 晚于 to / from is after to");
		return;
	}
	const char *popq = http_arg(r, "population");
	bool with_pop = popq && strcmp(popq, "1") == 0;
	ms_stats *st = malloc(sizeof *st);
	ms_population *pop = calloc(1, sizeof *pop);
	ms_service_figures sf;
	ms_error err = {0};
	ms_work_env env = {.pack = r->pack};
	ms_err e = st && pop ? MS_ERR_OK : ms_error_set(&err, MS_ERR_NOMEM, NULL);
	if (!e)
		e = ms_work_stats(r->store, &env, r->user.name, area, from, to, st, &err);
	if (!e)
		e = ms_service_stats(r->store, r->user.name, area, from, to, &sf, &err);
	if (!e && with_pop && r->pack->population) {
		ms_snapshot *snap = NULL;
		const char *src;
		e = ms_scan_snapshot(r->store, r->pack, NULL, &snap, &src, &err);
		if (!e)
			e = ms_population_count(r->pack, snap, area, to, pop, &err);
		ms_snapshot_free(snap);
	}
	if (e) {
		free(st);
		free(pop);
		http_fail(r, e, &err);
		return;
	}
	json_t *j = ms_stats_json(st, &sf, with_pop ? pop : NULL);
	free(st);
	free(pop);
	http_json(r, 200, j);
}
