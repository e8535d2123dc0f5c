/* service.c — household service files (SPEC §5): who may open a file and add
 * visits, services, referrals and applications, the checks on what is
 * entered, a household's or person's timeline joining alerts and file
 * records in date order, and the figures of station work. */
#include "work/service.h"

#include "work/work_impl.h"

#include "base/arena.h"
#include "base/mem.h"
#include "base/text.h"
#include "model/feed.h"

#include <stdlib.h>
#include <string.h>

static const char *const visit_kinds[][3] = {
    {"home", "入户", "home visit"},
    {"phone", "电话", "phone call"},
    {"walk_in", "来访", "walk-in"},
};

const char *ms_visit_kind_parse(const char *text)
{
	for (size_t i = 0; text && i < sizeof visit_kinds / sizeof visit_kinds[0]; i++)
		if (strcmp(text, visit_kinds[i][0]) == 0 || strcmp(text, visit_kinds[i][1]) == 0)
			return visit_kinds[i][0];
	return NULL;
}

const char *ms_visit_kind_label(const char *code, bool english)
{
	for (size_t i = 0; code && i < sizeof visit_kinds / sizeof visit_kinds[0]; i++)
		if (strcmp(code, visit_kinds[i][0]) == 0)
			return visit_kinds[i][english ? 2 : 1];
	return code ? code : "";
}

bool ms_application_outcome_valid(const char *o)
{
	return o && (strcmp(o, "pending") == 0 || strcmp(o, "granted") == 0 ||
	             strcmp(o, "refused") == 0);
}

/* ---- the registry ---- */

/* Field `col` of a record's values (separated by 0x1F), copied. */
static void field(const char *vals, int col, char *out, size_t cap)
{
	const char *p = vals;
	for (int c = 0; c < col && p; c++) {
		p = strchr(p, '\x1f');
		if (p)
			p++;
	}
	out[0] = '\0';
	if (!p || col < 0)
		return;
	const char *end = strchr(p, '\x1f');
	size_t n = end ? (size_t)(end - p) : strlen(p);
	if (n >= cap)
		n = cap - 1;
	memcpy(out, p, n);
	out[n] = '\0';
}

/* The current values of a registry record of a role; MS_ERR_NOT_FOUND when
 * none. */
static ms_err registry_vals(ms_store *s, const ms_work_env *env, ms_feed_role role, const char *key,
                            const ms_feed **feed, char *vals, size_t cap, ms_error *err)
{
	const ms_feed *f = env && env->pack ? ms_feed_set_role(&env->pack->feeds, role) : NULL;
	if (!f)
		return ms_error_set(err, MS_ERR_PACK,
		                    "政策包没有%s登记表，无法查到家庭所在区划 (the pack has no %s "
		                    "registry feed)",
		                    role == MS_FEED_PERSONS ? "人员" : "家庭户",
		                    role == MS_FEED_PERSONS ? "persons" : "households");
	*feed = f;
	int64_t feed_id;
	ms_err e = ms_store_feed_id(s, f->name, &feed_id, err);
	if (e)
		return e;
	return ms_store_current_vals(s, feed_id, key, vals, cap, err);
}

/* A household as the service file sees it. */
typedef struct household {
	char id[64];
	char area[16];
	char station[10];
} household;

static ms_err household_not_found(const char *hh, ms_error *err)
{
	return ms_error_set(err, MS_ERR_NOT_FOUND,
	                    "登记中没有户编号为 %s 的家庭，或不在您的范围内 (no household %s in "
	                    "the registry within your scope)",
	                    hh, hh);
}

static ms_err household_load(ms_store *s, const ms_work_env *env, const char *hh, household *out,
                             ms_error *err)
{
	memset(out, 0, sizeof *out);
	if (!hh || !*hh || strlen(hh) >= sizeof out->id)
		return ms_error_set(err, MS_ERR_INVALID,
		                    "户编号应为 1–63 字节 (a household id is 1-63 bytes)");
	const ms_feed *f;
	char vals[8192];
	ms_err e = registry_vals(s, env, MS_FEED_HOUSEHOLDS, hh, &f, vals, sizeof vals, err);
	if (e == MS_ERR_NOT_FOUND)
		return household_not_found(hh, err);
	if (e)
		return e;
	work_copy(out->id, sizeof out->id, hh);
	field(vals, f->area_col, out->area, sizeof out->area);
	if (strlen(out->area) >= 9)
		memcpy(out->station, out->area, 9);
	return MS_ERR_OK;
}

static bool may_read(const ms_user *u, const char *area, const char *station)
{
	if (!u)
		return true;
	switch (u->role) {
	case MS_ROLE_ADMIN:
	case MS_ROLE_OFFICER:
		return area[0] && ms_scope_covers(u->scope, area);
	case MS_ROLE_STATION_HEAD:
	case MS_ROLE_WORKER:
		return station[0] && strcmp(u->station, station) == 0;
	default:
		return false;
	}
}

/* The actor (NULL for the operator when allowed) and its reach over a
 * household: MS_ERR_NOT_FOUND when out of reach, MS_ERR_FORBIDDEN when it
 * may read but not write. */
static ms_err reach(ms_store *s, const char *actor, bool write, const household *h, ms_user *u,
                    ms_error *err)
{
	if (!actor) {
		if (write)
			return ms_error_set(
			    err, MS_ERR_USAGE,
			    "登记服务记录需要 --as 指明社工或站长 (adding records needs "
			    "--as: a worker or station head)");
		return MS_ERR_OK;
	}
	ms_err e = ms_auth_actor(s, actor, u, err);
	if (e)
		return e;
	if (!may_read(u, h->area, h->station))
		return household_not_found(h->id, err);
	if (write && !((u->role == MS_ROLE_WORKER || u->role == MS_ROLE_STATION_HEAD) &&
	               strcmp(u->station, h->station) == 0))
		return ms_error_set(
		    err, MS_ERR_FORBIDDEN,
		    "%s（%s）不能登记家庭 %s 的服务档案：只有该户所在乡镇社工站 %s 的"
		    "社工或站长可以 (%s, a %s, may not add to the file of household %s: "
		    "only workers and the head of station %s)",
		    u->name, ms_role_label(u->role, false), h->id, h->station, u->name,
		    ms_role_code(u->role), h->id, h->station);
	return MS_ERR_OK;
}

/* ---- checks ---- */

static ms_err check_text(const char *what, const char *v, size_t max, bool required, ms_error *err)
{
	if (!v || !*v) {
		if (!required)
			return MS_ERR_OK;
		return ms_error_set(err, MS_ERR_INVALID, "缺少%s (%s is required)", what, what);
	}
	size_t n = strlen(v);
	if (n > max)
		return ms_error_set(err, MS_ERR_TOO_LARGE,
		                    "%s 过长：最多 %zu 字节 (%s is too long: at most %zu bytes)",
		                    what, max, what, max);
	if (!ms_utf8_valid(v, n))
		return ms_error_set(err, MS_ERR_INVALID,
		                    "%s 不是有效的 UTF-8 文本 (%s is not valid UTF-8 text)", what,
		                    what);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)v[i] < 0x20 && v[i] != '\n' && v[i] != '\t')
			return ms_error_set(err, MS_ERR_INVALID,
			                    "%s 含有控制字符 (%s contains a control character)",
			                    what, what);
	return MS_ERR_OK;
}

static ms_err check_day(const char *v, ms_error *err)
{
	ms_date d;
	if (!v || strlen(v) != 10 || ms_date_parse(v, 10, &d) != MS_ERR_OK)
		return ms_error_set(err, MS_ERR_INVALID,
		                    "日期应为 YYYY-MM-DD：%s (the date must be YYYY-MM-DD)",
		                    v ? v : "");
	if (d > ms_date_today())
		return ms_error_set(err, MS_ERR_INVALID,
		                    "日期 %s 晚于今天 (the date %s is in the future)", v, v);
	return MS_ERR_OK;
}

static ms_err check_in(const ms_service_in *in, const char **kind, ms_error *err)
{
	ms_err e = check_day(in->day, err);
	if (e)
		return e;
	if ((e = check_text("备注 note", in->note, MS_SERVICE_NOTE_MAX, false, err)) ||
	    (e = check_text("需求 needs", in->needs, MS_SERVICE_NOTE_MAX, false, err)))
		return e;
	if (in->person && *in->person && (strlen(in->person) > 18 || strlen(in->person) < 15))
		return ms_error_set(err, MS_ERR_INVALID,
		                    "身份证号应为 18 位：%s (an identity number has 18 characters)",
		                    in->person);
	const char *t = in->type ? in->type : "";
	*kind = in->kind;
	if (strcmp(t, "visit") == 0) {
		*kind = ms_visit_kind_parse(in->kind);
		if (!*kind)
			return ms_error_set(
			    err, MS_ERR_INVALID,
			    "走访方式应为 入户、电话 或 来访（home/phone/walk_in）：%s "
			    "(unknown visit kind)",
			    in->kind ? in->kind : "");
		return MS_ERR_OK;
	}
	if (strcmp(t, "service") == 0) {
		if (in->persons < 1 || in->persons > MS_SERVICE_PERSONS_MAX)
			return ms_error_set(err, MS_ERR_INVALID,
			                    "服务人次应为 1 到 %d (person-times must be 1 to %d)",
			                    MS_SERVICE_PERSONS_MAX, MS_SERVICE_PERSONS_MAX);
		return check_text("服务内容 kind", in->kind, MS_SERVICE_TEXT_MAX, true, err);
	}
	if (strcmp(t, "referral") == 0)
		return check_text("转介部门 department", in->kind, MS_SERVICE_TEXT_MAX, true, err);
	if (strcmp(t, "application") == 0)
		return check_text("申请事项 benefit", in->kind, MS_SERVICE_TEXT_MAX, true, err);
	return ms_error_set(err, MS_ERR_INVALID,
	                    "记录类型应为 visit、service、referral 或 application (unknown record "
	                    "type): %s",
	                    t);
}

/* ---- writing ---- */

ms_err ms_service_add(ms_store *s, const ms_work_env *env, const char *actor,
                      const ms_service_in *in, int64_t *id, bool *opened, ms_error *err)
{
	if (opened)
		*opened = false;
	const char *kind = NULL;
	ms_err e = check_in(in, &kind, err);
	if (e)
		return e;
	char now[32];
	ms_date today;
	if ((e = work_now(env, now, &today, err)))
		return e;
	household h;
	ms_user u;
	if ((e = household_load(s, env, in->household, &h, err)) ||
	    (e = reach(s, actor, true, &h, &u, err)))
		return e;
	bool visit = strcmp(in->type, "visit") == 0;
	if ((e = ms_store_begin_write(s, err)))
		return e;
	ms_sfile_row f;
	e = ms_store_sfile_get(s, h.id, &f, err);
	if (e == MS_ERR_NOT_FOUND && visit) {
		ms_sfile_row nf = {.household = h.id,
		                   .area = h.area,
		                   .station = h.station,
		                   .opened = in->day,
		                   .opened_by = u.name,
		                   .created = now};
		e = ms_store_sfile_insert(s, &nf, err);
		if (e == MS_ERR_OK && opened)
			*opened = true;
	} else if (e == MS_ERR_NOT_FOUND) {
		e = ms_error_set(err, MS_ERR_CONFLICT,
		                 "家庭 %s 还没有服务档案：请先用 minsheng visit add 登记一次走访 "
		                 "(household %s has no service file yet: record a visit first)",
		                 h.id, h.id);
	}
	if (e) {
		ms_store_rollback(s);
		return e;
	}
	bool app = strcmp(in->type, "application") == 0;
	ms_sentry_row r = {.household = h.id,
	                   .area = h.area,
	                   .type = in->type,
	                   .day = in->day,
	                   .kind = kind,
	                   .persons = strcmp(in->type, "service") == 0 ? in->persons : 0,
	                   .person = in->person && *in->person ? in->person : NULL,
	                   .note = in->note,
	                   .needs = in->needs,
	                   .result = app ? "pending" : NULL,
	                   .actor = u.name,
	                   .at = now};
	if ((e = ms_store_sentry_add(s, &r, id, err))) {
		ms_store_rollback(s);
		return e;
	}
	return ms_store_commit(s, err);
}

ms_err ms_service_result(ms_store *s, const ms_work_env *env, const char *actor, const char *type,
                         int64_t id, const char *day, const char *result, const char *note,
                         ms_error *err)
{
	bool app = type && strcmp(type, "application") == 0;
	if (!app && !(type && strcmp(type, "referral") == 0))
		return ms_error_set(err, MS_ERR_INVALID,
		                    "只有转介和申请有结果 (only referrals and "
		                    "applications have results)");
	ms_err e = check_day(day, err);
	if (e)
		return e;
	if (app &&
	    (!result || strcmp(result, "pending") == 0 || !ms_application_outcome_valid(result)))
		return ms_error_set(
		    err, MS_ERR_INVALID,
		    "申请结果应为 granted（批准）或 refused（未批准）：%s (outcome must "
		    "be granted or refused)",
		    result ? result : "");
	if (!app && (e = check_text("转介结果 result", result, MS_SERVICE_NOTE_MAX, true, err)))
		return e;
	if ((e = check_text("备注 note", note, MS_SERVICE_NOTE_MAX, false, err)))
		return e;
	ms_sentry_row r;
	e = ms_store_sentry_get(s, id, &r, err);
	if (e == MS_ERR_OK && strcmp(r.type, type) != 0)
		e = MS_ERR_NOT_FOUND;
	household h;
	char hh[64], rday[16], cur[32];
	if (e == MS_ERR_OK) {
		work_copy(hh, sizeof hh, r.household);
		work_copy(rday, sizeof rday, r.day);
		work_copy(cur, sizeof cur, r.result);
		e = household_load(s, env, hh, &h, err);
	}
	ms_user u;
	if (e == MS_ERR_OK)
		e = reach(s, actor, true, &h, &u, err);
	if (e == MS_ERR_NOT_FOUND) {
		ms_error_clear(err);
		return ms_error_set(
		    err, MS_ERR_NOT_FOUND,
		    "没有编号为 %lld 的%s，或不在您的范围内 (no %s %lld in your scope)",
		    (long long)id, app ? "申请" : "转介", type, (long long)id);
	}
	if (e)
		return e;
	if ((app && strcmp(cur, "pending") != 0) || (!app && cur[0]))
		return ms_error_set(
		    err, MS_ERR_CONFLICT,
		    "%s %lld 已有结果（%s），不能再改 (%s %lld already has its result)",
		    app ? "申请" : "转介", (long long)id, cur, type, (long long)id);
	if (strcmp(day, rday) < 0)
		return ms_error_set(
		    err, MS_ERR_INVALID,
		    "结果日期 %s 早于登记日期 %s (the result date is before the record's "
		    "date)",
		    day, rday);
	if ((e = ms_store_begin_write(s, err)))
		return e;
	if ((e = ms_store_sentry_result(s, id, result, day, note, u.name, err))) {
		ms_store_rollback(s);
		return e;
	}
	return ms_store_commit(s, err);
}

/* ---- reading ---- */

ms_err ms_service_file(ms_store *s, const ms_work_env *env, const char *actor,
                       const char *household_id, ms_sfile_row *file,
                       int (*fn)(void *ctx, const ms_sentry_row *r), void *ctx, ms_error *err)
{
	household h;
	ms_user u;
	ms_err e = household_load(s, env, household_id, &h, err);
	if (e || (e = reach(s, actor, false, &h, &u, err)))
		return e;
	e = ms_store_sfile_get(s, h.id, file, err);
	if (e == MS_ERR_NOT_FOUND)
		return ms_error_set(err, MS_ERR_NOT_FOUND,
		                    "家庭 %s 还没有服务档案 (household %s has no service file yet)",
		                    h.id, h.id);
	if (e || !fn)
		return e;
	return ms_store_sentries(s, h.id, fn, ctx, err);
}

typedef struct timeline {
	ms_arena arena;
	ms_timeline_item *items;
	size_t n, cap;
	int64_t *alerts;
	size_t nalerts, alerts_cap;
	ms_store *s;
	const ms_work_env *env;
	const char *hh; /* members of this household are wanted */
	ms_error *err;
	ms_err e;
} timeline;

static ms_timeline_item *tl_push(timeline *t)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		ms_timeline_item *p = ms_realloc(t->items, cap * sizeof *p);
		if (!p)
			return NULL;
		t->items = p;
		t->cap = cap;
	}
	ms_timeline_item *it = &t->items[t->n++];
	memset(it, 0, sizeof *it);
	return it;
}

static const char *dup(timeline *t, const char *v)
{
	return v ? ms_arena_strdup(&t->arena, v) : NULL;
}

static int alert_add_id(timeline *t, int64_t id)
{
	for (size_t i = 0; i < t->nalerts; i++)
		if (t->alerts[i] == id)
			return 0;
	if (t->nalerts == t->alerts_cap) {
		size_t cap = t->alerts_cap ? t->alerts_cap * 2 : 32;
		int64_t *p = ms_realloc(t->alerts, cap * sizeof *p);
		if (!p) {
			t->e = ms_error_set(t->err, MS_ERR_NOMEM, NULL);
			return 1;
		}
		t->alerts = p;
		t->alerts_cap = cap;
	}
	t->alerts[t->nalerts++] = id;
	return 0;
}

static int on_subject_alert(void *ctx, int64_t id, const char *subject)
{
	return alert_add_id(ctx, id);
}

/* A candidate person alert of the township: kept when its subject's
 * current persons record names the household. Subjects are gathered first
 * and checked after the walk, so no read stays open during lookups. */
typedef struct cand {
	int64_t id;
	char subject[32];
} cand;
typedef struct cand_list {
	cand *v;
	size_t n, cap;
	bool nomem;
} cand_list;

static int on_candidate(void *ctx, int64_t id, const char *subject)
{
	cand_list *c = ctx;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		cand *p = ms_realloc(c->v, cap * sizeof *p);
		if (!p) {
			c->nomem = true;
			return 1;
		}
		c->v = p;
		c->cap = cap;
	}
	c->v[c->n].id = id;
	work_copy(c->v[c->n].subject, sizeof c->v[c->n].subject, subject);
	c->n++;
	return 0;
}

typedef struct alert_ctx {
	timeline *t;
	const char *rule, *subject_type, *subject;
	int64_t id;
} alert_ctx;

static int on_event(void *ctx, const ms_event_row *ev)
{
	alert_ctx *a = ctx;
	timeline *t = a->t;
	ms_timeline_item *it = tl_push(t);
	if (!it) {
		t->e = ms_error_set(t->err, MS_ERR_NOMEM, NULL);
		return 1;
	}
	it->at = dup(t, ev->at);
	it->day = it->at ? ms_arena_strndup(&t->arena, it->at, 10) : "";
	it->source = "alert";
	it->alert_id = a->id;
	it->rule = a->rule;
	it->subject_type = a->subject_type;
	it->subject = a->subject;
	it->from_state = dup(t, ev->from_state);
	it->to_state = dup(t, ev->to_state);
	it->actor = dup(t, ev->actor);
	it->note = dup(t, ev->note);
	return 0;
}

static ms_err tl_alerts(timeline *t)
{
	for (size_t i = 0; i < t->nalerts; i++) {
		ms_work_alert_row *r = ms_malloc(sizeof *r);
		if (!r)
			return ms_error_set(t->err, MS_ERR_NOMEM, NULL);
		ms_err e = ms_store_work_alert_get(t->s, t->alerts[i], r, t->err);
		alert_ctx a = {.t = t, .id = t->alerts[i]};
		if (e == MS_ERR_OK) {
			a.rule = dup(t, r->a.rule);
			a.subject_type = dup(t, r->a.subject_type);
			a.subject = dup(t, r->a.subject);
		}
		ms_free(r);
		if (e)
			return e;
		if ((e = ms_store_work_events(t->s, t->alerts[i], on_event, &a, t->err)))
			return e;
		if (t->e)
			return t->e;
	}
	return MS_ERR_OK;
}

static int on_entry(void *ctx, const ms_sentry_row *r)
{
	timeline *t = ctx;
	for (int pass = 0; pass < 2; pass++) {
		if (pass == 1 && !r->result_day)
			break;
		ms_timeline_item *it = tl_push(t);
		if (!it) {
			t->e = ms_error_set(t->err, MS_ERR_NOMEM, NULL);
			return 1;
		}
		it->day = dup(t, pass ? r->result_day : r->day);
		it->at = it->day;
		it->source =
		    pass ? ms_arena_printf(&t->arena, "%s_result", r->type) : dup(t, r->type);
		it->entry_id = r->id;
		it->kind = dup(t, r->kind);
		it->persons = r->persons;
		it->person = dup(t, r->person);
		it->needs = pass ? NULL : dup(t, r->needs);
		it->result = dup(t, r->result);
		it->actor = dup(t, pass ? r->result_by : r->actor);
		it->note = dup(t, pass ? r->result_note : r->note);
	}
	return 0;
}

/* Date, then time, then alerts before file records, then the order found. */
static int item_cmp(const void *pa, const void *pb)
{
	const ms_timeline_item *a = pa, *b = pb;
	int c = strcmp(a->day ? a->day : "", b->day ? b->day : "");
	if (c)
		return c;
	if ((c = strcmp(a->at ? a->at : "", b->at ? b->at : "")))
		return c;
	bool aa = a->alert_id != 0, ba = b->alert_id != 0;
	if (aa != ba)
		return aa ? -1 : 1;
	if (a->alert_id != b->alert_id)
		return a->alert_id < b->alert_id ? -1 : 1;
	if (a->entry_id != b->entry_id)
		return a->entry_id < b->entry_id ? -1 : 1;
	return a < b ? -1 : a > b;
}

ms_err ms_service_timeline(ms_store *s, const ms_work_env *env, const char *actor,
                           const char *household_id, const char *person,
                           int (*fn)(void *ctx, const ms_timeline_item *it), void *ctx,
                           ms_error *err)
{
	if ((household_id && *household_id) == (person && *person))
		return ms_error_set(
		    err, MS_ERR_USAGE,
		    "请给出 --household 或 --person 之一 (give either --household or "
		    "--person)");
	household h;
	memset(&h, 0, sizeof h);
	ms_err e = MS_ERR_OK;
	if (person && *person) {
		const ms_feed *pf;
		char vals[8192], hh[64];
		e = registry_vals(s, env, MS_FEED_PERSONS, person, &pf, vals, sizeof vals, err);
		if (e == MS_ERR_NOT_FOUND)
			return ms_error_set(
			    err, MS_ERR_NOT_FOUND,
			    "登记中没有身份证号为 %s 的人员，或不在您的范围内 (no person %s "
			    "in the registry within your scope)",
			    person, person);
		if (e)
			return e;
		field(vals, pf->household_col, hh, sizeof hh);
		if (hh[0]) {
			e = household_load(s, env, hh, &h, err);
			if (e == MS_ERR_NOT_FOUND)
				memset(&h, 0, sizeof h);
			else if (e)
				return e;
		}
		if (!h.id[0]) {
			field(vals, pf->area_col, h.area, sizeof h.area);
			if (strlen(h.area) >= 9)
				memcpy(h.station, h.area, 9);
		}
	} else if ((e = household_load(s, env, household_id, &h, err))) {
		return e;
	}
	ms_user u;
	if ((e = reach(s, actor, false, &h, &u, err)) && e == MS_ERR_NOT_FOUND && person && *person)
		ms_error_clear(err);
	if (e)
		return e == MS_ERR_NOT_FOUND && person && *person
		           ? ms_error_set(
		                 err, MS_ERR_NOT_FOUND,
		                 "登记中没有身份证号为 %s 的人员，或不在您的范围内 (no person %s "
		                 "in the registry within your scope)",
		                 person, person)
		           : e;

	timeline t = {.s = s, .env = env, .err = err};
	ms_arena_init(&t.arena, 64 << 10, 64u << 20);
	cand_list cl = {0};
	if (person && *person)
		e = ms_store_alerts_of_subject(s, person, on_subject_alert, &t, err);
	if (!e && !t.e && h.id[0])
		e = ms_store_alerts_of_subject(s, h.id, on_subject_alert, &t, err);
	if (!e && !t.e && h.id[0] && !(person && *person) && h.station[0]) {
		e = ms_store_person_alerts_in(s, h.station, on_candidate, &cl, err);
		if (!e && cl.nomem)
			e = ms_error_set(err, MS_ERR_NOMEM, NULL);
		const ms_feed *pf = NULL;
		for (size_t i = 0; !e && !t.e && i < cl.n; i++) {
			char vals[8192], hh[64];
			ms_err r = registry_vals(s, env, MS_FEED_PERSONS, cl.v[i].subject, &pf,
			                         vals, sizeof vals, err);
			if (r == MS_ERR_NOT_FOUND)
				continue;
			if (r) {
				e = r;
				break;
			}
			field(vals, pf->household_col, hh, sizeof hh);
			if (strcmp(hh, h.id) == 0)
				alert_add_id(&t, cl.v[i].id);
		}
	}
	if (!e && t.e)
		e = t.e;
	if (!e)
		e = tl_alerts(&t);
	if (!e && h.id[0]) {
		e = ms_store_sentries(s, h.id, on_entry, &t, err);
		if (!e && t.e)
			e = t.e;
	}
	if (!e) {
		qsort(t.items, t.n, sizeof *t.items, item_cmp);
		for (size_t i = 0; i < t.n; i++)
			if (fn(ctx, &t.items[i]))
				break;
	}
	ms_free(cl.v);
	ms_free(t.items);
	ms_free(t.alerts);
	ms_arena_free(&t.arena);
	return e;
}

ms_err ms_service_stats(ms_store *s, const char *actor, const char *area, ms_date from, ms_date to,
                        ms_service_figures *out, ms_error *err)
{
	size_t n = area ? strlen(area) : 0;
	bool ok = n >= 1 && n <= 12;
	for (size_t i = 0; ok && i < n; i++)
		ok = area[i] >= '0' && area[i] <= '9';
	if (!ok)
		return ms_error_set(
		    err, MS_ERR_INVALID,
		    "区划应为 1–12 位数字的代码前缀 (an area-code prefix of 1-12 digits)");
	if (actor) {
		ms_user u;
		ms_err e = ms_auth_actor(s, actor, &u, err);
		if (e)
			return e;
		bool may = ((u.role == MS_ROLE_ADMIN || u.role == MS_ROLE_OFFICER) &&
		            ms_scope_covers(u.scope, area)) ||
		           (u.role == MS_ROLE_STATION_HEAD && ms_scope_covers(u.station, area));
		if (!may)
			return ms_error_set(
			    err, MS_ERR_NOT_FOUND,
			    "区划 %s 不在您的范围内 (area %s is outside your scope)", area, area);
	}
	char f[MS_DATE_STR], t[MS_DATE_STR];
	ms_date_format(from, f);
	ms_date_format(to, t);
	return ms_store_service_figures(s, area, f, t, out, err);
}
