/* stats.c — the figures of SPEC §4 for an area and a period: issued,
 * verified by the end of the period, the verification rate, verified on
 * time, the median working days to the first verification, and outcomes by
 * rule. Everything is computed from the alerts and their events dated on or
 * before the period's end, so a past period gives the same figures later. */
#include "work/work_impl.h"

#include "base/mem.h"

#include <stdlib.h>
#include <string.h>

typedef struct stats_walk {
	ms_stats *out;
	const ms_calendar *cal;
	int *days; /* working days of each verified alert */
	size_t ndays, cap;
	ms_error *err;
	ms_err e;
} stats_walk;

static ms_stats_rule *rule_slot(stats_walk *w, const char *rule)
{
	ms_stats *o = w->out;
	for (size_t i = 0; i < o->nrules; i++)
		if (strcmp(o->rules[i].rule, rule) == 0)
			return &o->rules[i];
	if (o->nrules >= MS_STATS_MAX_RULES || strlen(rule) >= sizeof o->rules[0].rule)
		return NULL;
	ms_stats_rule *r = &o->rules[o->nrules++];
	memset(r, 0, sizeof *r);
	work_copy(r->rule, sizeof r->rule, rule);
	return r;
}

static int on_row(void *ctx, const ms_cohort_row *r)
{
	stats_walk *w = ctx;
	ms_stats *o = w->out;
	ms_stats_rule *sr = rule_slot(w, r->rule ? r->rule : "");
	if (!sr) {
		w->e = ms_error_set(w->err, MS_ERR_TOO_LARGE,
		                    "规则超过 %d 条或编号过长 (more than %d rules, or a rule id too "
		                    "long)",
		                    MS_STATS_MAX_RULES, MS_STATS_MAX_RULES);
		return 1;
	}
	o->issued++;
	sr->issued++;
	const char *fv = r->first_verified;
	if (!fv || strlen(fv) < 10 || strncmp(fv, o->to, 10) > 0)
		return 0;
	o->verified++;
	sr->verified++;
	if (r->due && strncmp(fv, r->due, 10) <= 0)
		o->on_time++;
	ms_date c, v;
	if (!r->created || ms_date_parse(r->created, 10, &c) || ms_date_parse(fv, 10, &v)) {
		w->e = ms_error_set(w->err, MS_ERR_DB,
		                    "预警 %lld 的日期无效 (alert %lld has a bad date)", (long long)r->id,
		                    (long long)r->id);
		return 1;
	}
	if (w->ndays == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 1024;
		int *d = ms_realloc(w->days, cap * sizeof *d);
		if (!d) {
			w->e = ms_error_set(w->err, MS_ERR_NOMEM, NULL);
			return 1;
		}
		w->days = d;
		w->cap = cap;
	}
	w->days[w->ndays++] = ms_calendar_count_workdays(w->cal, c, v);
	for (int i = 0; i < MS_STATS_OUTCOMES; i++)
		if (r->outcome && strcmp(r->outcome, ms_outcome_code(i)) == 0)
			sr->outcomes[i]++;
	return 0;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

static int cmp_rule(const void *a, const void *b)
{
	return strcmp(((const ms_stats_rule *)a)->rule, ((const ms_stats_rule *)b)->rule);
}

static bool area_ok(const char *a)
{
	size_t n = a ? strlen(a) : 0;
	if (n < 1 || n > 12)
		return false;
	for (size_t i = 0; i < n; i++)
		if (a[i] < '0' || a[i] > '9')
			return false;
	return true;
}

ms_err ms_work_stats(ms_store *s, const ms_work_env *env, const char *actor, const char *area,
                     ms_date from, ms_date to, ms_stats *out, ms_error *err)
{
	memset(out, 0, sizeof *out);
	out->median_working_days = -1;
	if (!area_ok(area))
		return ms_error_set(err, MS_ERR_INVALID,
		                    "区划应为 1–12 位数字的代码前缀 (the area must be an area-code "
		                    "prefix of 1-12 digits)");
	if (from > to)
		return ms_error_set(err, MS_ERR_INVALID,
		                    "起始日期晚于结束日期 (the period starts after it ends)");
	if (!env || !env->pack)
		return ms_error_set(err, MS_ERR_PACK,
		                    "统计需要政策包的工作日历 (the figures need the pack's calendar)");
	ms_err e;
	if (actor) {
		ms_user u;
		if ((e = ms_auth_actor(s, actor, &u, err)))
			return e;
		bool ok = ((u.role == MS_ROLE_ADMIN || u.role == MS_ROLE_OFFICER) &&
		           ms_scope_covers(u.scope, area)) ||
		          (u.role == MS_ROLE_STATION_HEAD && ms_scope_covers(u.station, area));
		if (!ok)
			return ms_error_set(err, MS_ERR_FORBIDDEN,
			                    "%s 无权查看区划 %s 的统计 (%s may not see the figures of "
			                    "area %s)",
			                    u.name, area, u.name, area);
	}
	work_copy(out->area, sizeof out->area, area);
	ms_date_format(from, out->from);
	ms_date_format(to, out->to);
	stats_walk w = {.out = out, .cal = &env->pack->calendar, .err = err};
	if ((e = ms_store_begin_read(s, err)))
		return e;
	e = ms_store_work_cohort(s, area, out->from, out->to, on_row, &w, err);
	ms_store_rollback(s);
	if (!e)
		e = w.e;
	if (e) {
		ms_free(w.days);
		return e;
	}
	out->verification_rate = out->issued ? (double)out->verified / (double)out->issued : 0;
	if (w.ndays) {
		qsort(w.days, w.ndays, sizeof *w.days, cmp_int);
		size_t m = w.ndays / 2;
		out->median_working_days = w.ndays % 2 ? (double)w.days[m]
		                                       : ((double)w.days[m - 1] + (double)w.days[m]) / 2;
	}
	qsort(out->rules, out->nrules, sizeof out->rules[0], cmp_rule);
	ms_free(w.days);
	return MS_ERR_OK;
}
