/* notify.c — the events of alerts told to the webhook's gateways: the body
 * of an event, recording and queueing it, and the reminder pass that finds
 * new, due-soon and overdue alerts (notify.h). */
#include "work/notify.h"

#include "base/mem.h"
#include "model/idnum.h"
#include "store/store_ops.h"
#include "store/store_people.h"
#include "work/work_impl.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NEW_AFTER_KEY "notify.new_after"

char *ms_notify_body(const ms_alert *a, const char *event, const char *at)
{
	char subject[64], due[MS_DATE_STR];
	if (a->subject_type && strcmp(a->subject_type, "person") == 0 && a->subject &&
	    strlen(a->subject) == 18)
		ms_id_mask(a->subject, subject);
	else
		snprintf(subject, sizeof subject, "%s", a->subject ? a->subject : "");
	snprintf(due, sizeof due, "%.10s", a->due ? a->due : "");
	json_t *j = json_pack("{s:s, s:s, s:{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s?}}",
	                      "event", event, "at", at, "alert", "id", (json_int_t)a->id, "rule",
	                      a->rule ? a->rule : "", "kind", a->kind ? a->kind : "",
	                      "subject_type", a->subject_type ? a->subject_type : "", "subject",
	                      subject, "area", a->area ? a->area : "", "inbox",
	                      a->inbox ? a->inbox : "", "state", a->state ? a->state : "", "due",
	                      due, "assignee", a->assignee);
	if (!j)
		return NULL;
	char *text = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(j);
	return text;
}

ms_err ms_notify_event(ms_store *s, const ms_alert *a, const char *event, const char *ref,
                       const char *at, bool *added, int64_t *queued, ms_error *err)
{
	if (added)
		*added = false;
	if (queued)
		*queued = 0;
	/* the body first: the alert's strings may live only until the next
	 * store call */
	int64_t id = a->id;
	char *body = ms_notify_body(a, event, at);
	if (!body)
		return ms_error_set(err, MS_ERR_NOMEM, NULL);
	bool add = false;
	int64_t n = 0;
	ms_err e = ms_store_notice_add(s, id, event, ref, at, &add, err);
	if (!e && add)
		e = ms_store_delivery_enqueue(s, event, id, body, at, (int64_t)time(NULL), &n, err);
	free(body);
	if (e)
		return e;
	if (added)
		*added = add;
	if (queued)
		*queued = n;
	return MS_ERR_OK;
}

/* ---- the reminder pass ---- */

/* An alert copied out of the store (whose strings live only during the
 * listing). */
typedef struct cand {
	int64_t id;
	char rule[65], kind[32], subject_type[16], subject[80], area[16], inbox[16], state[16];
	char due[MS_DATE_STR], assignee[MS_USER_NAME_MAX + 1];
	bool has_assignee;
} cand;

typedef struct cand_list {
	cand *v;
	size_t n, cap;
	bool oom;
} cand_list;

static int on_cand(void *ctx, const ms_alert *a)
{
	cand_list *l = ctx;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;
		cand *v = ms_realloc(l->v, cap * sizeof *v);
		if (!v) {
			l->oom = true;
			return 1;
		}
		l->v = v;
		l->cap = cap;
	}
	cand *c = &l->v[l->n++];
	memset(c, 0, sizeof *c);
	c->id = a->id;
	work_copy(c->rule, sizeof c->rule, a->rule);
	work_copy(c->kind, sizeof c->kind, a->kind);
	work_copy(c->subject_type, sizeof c->subject_type, a->subject_type);
	work_copy(c->subject, sizeof c->subject, a->subject);
	work_copy(c->area, sizeof c->area, a->area);
	work_copy(c->inbox, sizeof c->inbox, a->inbox);
	work_copy(c->state, sizeof c->state, a->state);
	snprintf(c->due, sizeof c->due, "%.10s", a->due ? a->due : "");
	c->has_assignee = a->assignee != NULL;
	work_copy(c->assignee, sizeof c->assignee, a->assignee);
	return 0;
}

/* remind_days for an area on a day (the pack's parameter); -1 when none. */
static int remind_days(const ms_pack *pack, const char *area, ms_date today)
{
	int i = ms_pack_param_index(pack, "remind_days");
	const ms_param_value *v = i >= 0 ? ms_pack_param_value(pack, i, area, today) : NULL;
	return v && v->i >= 0 && v->i <= 365 ? (int)v->i : -1;
}

/* The largest remind_days of any area in force on the day. */
static int remind_days_max(const ms_pack *pack, ms_date today)
{
	int i = ms_pack_param_index(pack, "remind_days"), max = -1;
	if (i < 0)
		return -1;
	const ms_param *p = &pack->params[i];
	for (int k = 0; k < p->nvalues; k++) {
		const ms_param_value *v = ms_pack_param_value(pack, i, p->values[k].area, today);
		if (v && v->i > max && v->i <= 365)
			max = (int)v->i;
	}
	return max;
}

static ms_err one_event(ms_store *s, const cand *c, const char *event, const char *ref,
                        const char *at, bool dry_run,
                        int (*fn)(void *ctx, const ms_remind_item *it), void *ctx,
                        ms_remind_result *out, ms_error *err)
{
	ms_alert a = {.id = c->id,
	              .rule = c->rule,
	              .kind = c->kind,
	              .subject_type = c->subject_type,
	              .subject = c->subject,
	              .area = c->area,
	              .inbox = c->inbox,
	              .state = c->state,
	              .due = c->due,
	              .assignee = c->has_assignee ? c->assignee : NULL};
	bool added = false;
	int64_t queued = 0;
	/* a dry run records the notice (rolled back) but only counts the
	 * deliveries: a rolled-back insert would use up PostgreSQL's ids */
	ms_err e = dry_run ? ms_store_notice_add(s, c->id, event, ref, at, &added, err)
	                   : ms_notify_event(s, &a, event, ref, at, &added, &queued, err);
	if (!e && dry_run && added)
		e = ms_store_delivery_enqueue(s, event, c->id, NULL, at, 0, &queued, err);
	if (e || !added)
		return e;
	if (strcmp(event, "new") == 0)
		out->new_alerts++;
	else if (strcmp(event, "overdue") == 0)
		out->overdue++;
	else
		out->due_soon++;
	out->queued += queued;
	if (fn) {
		ms_remind_item it = {.alert = c->id,
		                     .event = event,
		                     .rule = c->rule,
		                     .area = c->area,
		                     .inbox = c->inbox,
		                     .state = c->state,
		                     .due = c->due,
		                     .assignee = c->assignee,
		                     .queued = queued};
		fn(ctx, &it);
	}
	return MS_ERR_OK;
}

ms_err ms_remind(ms_store *s, const ms_pack *pack, ms_date today, bool dry_run,
                 int (*fn)(void *ctx, const ms_remind_item *it), void *ctx,
                 ms_remind_result *out, ms_error *err)
{
	memset(out, 0, sizeof *out);
	ms_date_format(today, out->today);
	int maxdays = remind_days_max(pack, today);
	if (maxdays < 0)
		return ms_error_set(err, MS_ERR_PACK,
		                    "政策包没有参数 remind_days（到期提醒的工作日数） (the pack has no "
		                    "value of remind_days)");
	char until[MS_DATE_STR], at[32];
	ms_date_format(ms_calendar_add_workdays(&pack->calendar, today, maxdays), until);
	ms_date day;
	ms_work_env env = {.pack = pack};
	ms_err e = work_now(&env, at, &day, err);
	if (e)
		return e;
	cand_list l = {0};
	if ((e = ms_store_begin_write(s, err)))
		return e;
	char text[32];
	int64_t after = 0;
	e = ms_store_people_meta_get(s, NEW_AFTER_KEY, text, sizeof text, err);
	if (e == MS_ERR_NOT_FOUND)
		e = MS_ERR_OK;
	else if (!e)
		after = strtoll(text, NULL, 10);
	if (!e)
		e = ms_store_notice_candidates(s, until, after, on_cand, &l, err);
	if (!e && l.oom)
		e = ms_error_set(err, MS_ERR_NOMEM, NULL);
	int64_t max_new = after;
	char today_s[MS_DATE_STR];
	ms_date_format(today, today_s);
	for (size_t i = 0; !e && i < l.n; i++) {
		const cand *c = &l.v[i];
		if (c->id > after) {
			if ((e = one_event(s, c, "new", "", at, dry_run, fn, ctx, out, err)))
				break;
			if (c->id > max_new)
				max_new = c->id;
		}
		if (!ms_work_state_waiting(c->state) || !c->due[0])
			continue;
		if (strcmp(c->due, today_s) < 0) {
			e = one_event(s, c, "overdue", c->due, at, dry_run, fn, ctx, out, err);
			continue;
		}
		int days = remind_days(pack, c->area, today);
		char soon[MS_DATE_STR];
		ms_date_format(ms_calendar_add_workdays(&pack->calendar, today, days < 0 ? 0 : days),
		               soon);
		if (days >= 0 && strcmp(c->due, soon) <= 0)
			e = one_event(s, c, "due_soon", c->due, at, dry_run, fn, ctx, out, err);
	}
	if (!e && max_new > after) {
		snprintf(text, sizeof text, "%lld", (long long)max_new);
		e = ms_store_people_meta_put(s, NEW_AFTER_KEY, text, err);
	}
	out->new_after = max_new;
	ms_free(l.v);
	if (e || dry_run) {
		ms_store_rollback(s);
		return e;
	}
	return ms_store_commit(s, err);
}
