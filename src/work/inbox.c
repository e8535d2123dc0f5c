/* inbox.c — the inboxes of stations, workers and counties (SPEC §4
 * deadlines): open alerts by due date, overdue ones (due before today and
 * not yet verified) shown in the county's inbox, and the count of alerts
 * due within the pack's remind_days working days. */
#include "work/work_impl.h"

#include "store/store_alerts.h"

#include <stdio.h>
#include <string.h>

static bool digits(const char *s, size_t n)
{
	if (!s || strlen(s) != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

typedef struct inbox_walk {
	int (*fn)(void *ctx, const ms_inbox_item *it);
	void *ctx;
	char today[MS_DATE_STR], until[MS_DATE_STR];
	ms_inbox_counts *out;
} inbox_walk;

static int on_alert(void *ctx, const ms_work_alert_row *a)
{
	inbox_walk *w = ctx;
	ms_inbox_item it = {.alert = a};
	const char *due = a->a.due ? a->a.due : "";
	it.overdue = strcmp(due, w->today) < 0;
	it.due_soon = !it.overdue && strcmp(due, w->until) <= 0;
	w->out->open++;
	w->out->overdue += it.overdue;
	w->out->due_soon += it.due_soon;
	static const char *const states[4] = {"new", "assigned", "verifying", "returned"};
	for (int i = 0; i < 4; i++)
		if (strcmp(a->a.state, states[i]) == 0)
			w->out->by_state[i]++;
	return w->fn ? w->fn(w->ctx, &it) : 0;
}

/* remind_days for an area at a date, from the pack. */
static ms_err remind_days(const ms_work_env *env, const char *area, ms_date today, int *out,
                          ms_error *err)
{
	const ms_pack *pack = env ? env->pack : NULL;
	int i = pack ? ms_pack_param_index(pack, "remind_days") : -1;
	const ms_param_value *v = i >= 0 ? ms_pack_param_value(pack, i, area, today) : NULL;
	if (!v || v->i < 0 || v->i > 365)
		return ms_error_set(err, MS_ERR_PACK,
		                    "政策包没有适用于 %s 的参数 remind_days（到期提醒的工作日数） (the "
		                    "pack has no value of remind_days for %s)",
		                    area, area);
	*out = (int)v->i;
	return MS_ERR_OK;
}

static ms_err inbox_not_found(const char *what, const char *code, ms_error *err)
{
	return ms_error_set(err, MS_ERR_NOT_FOUND,
	                    "没有%s %s，或不在您的范围内 (no %s %s in your scope)", what, code, what,
	                    code);
}

ms_err ms_work_inbox(ms_store *s, const ms_work_env *env, const char *actor, ms_inbox_kind kind,
                     const char *code, ms_date today,
                     int (*fn)(void *ctx, const ms_inbox_item *it), void *ctx,
                     ms_inbox_counts *out, ms_error *err)
{
	memset(out, 0, sizeof *out);
	ms_user u;
	ms_err e;
	bool op = actor == NULL;
	if (!op && (e = ms_auth_actor(s, actor, &u, err)))
		return e;
	bool officer = !op && (u.role == MS_ROLE_ADMIN || u.role == MS_ROLE_OFFICER);
	char area[16]; /* the code remind_days is looked up for */
	code = code ? code : "";
	switch (kind) {
	case MS_INBOX_STATION: {
		if (!digits(code, 9))
			return ms_error_set(err, MS_ERR_INVALID,
			                    "社工站编码应为 9 位数字 (a station code has 9 digits): %s",
			                    code);
		bool exists = false;
		if ((e = ms_store_station_exists(s, code, &exists, err)))
			return e;
		bool allowed = op || (officer && ms_scope_covers(u.scope, code)) ||
		               (u.role == MS_ROLE_STATION_HEAD && strcmp(u.station, code) == 0);
		if (!exists || !allowed)
			return inbox_not_found("社工站 station", code, err);
		work_copy(area, sizeof area, code);
		break;
	}
	case MS_INBOX_WORKER: {
		ms_user w;
		e = ms_auth_user_get(s, code, &w, err);
		if (e && e != MS_ERR_NOT_FOUND)
			return e;
		bool worker = e == MS_ERR_OK && w.station[0];
		bool allowed =
		    worker && (op || strcmp(u.name, w.name) == 0 ||
		               (officer && ms_scope_covers(u.scope, w.station)) ||
		               (u.role == MS_ROLE_STATION_HEAD && strcmp(u.station, w.station) == 0));
		if (!allowed)
			return inbox_not_found("社工 worker", code, err);
		work_copy(area, sizeof area, w.station);
		break;
	}
	case MS_INBOX_COUNTY:
		if (!digits(code, 6))
			return ms_error_set(err, MS_ERR_INVALID,
			                    "区县代码应为 6 位数字 (a county code has 6 digits): %s",
			                    code);
		if (!op && !(officer && ms_scope_covers(u.scope, code)))
			return inbox_not_found("区县 county", code, err);
		work_copy(area, sizeof area, code);
		break;
	default:
		return ms_error_set(err, MS_ERR_INVALID, "未知的收件箱 (unknown inbox kind)");
	}

	int days = 0;
	if ((e = remind_days(env, area, today, &days, err)))
		return e;
	inbox_walk w = {.fn = fn, .ctx = ctx, .out = out};
	ms_date_format(today, w.today);
	ms_date_format(ms_calendar_add_workdays(&env->pack->calendar, today, days), w.until);
	out->remind_days = days;
	memcpy(out->soon_until, w.until, sizeof w.until);
	switch (kind) {
	case MS_INBOX_STATION:
		return ms_store_work_inbox_station(s, code, on_alert, &w, err);
	case MS_INBOX_WORKER:
		return ms_store_work_inbox_worker(s, code, on_alert, &w, err);
	default:
		return ms_store_work_inbox_county(s, code, w.today, on_alert, &w, err);
	}
}
