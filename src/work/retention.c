/* retention.c — the periods of the pack's retention.* parameters, checked,
 * turned into cutoffs, and the purge that applies them (retention.h). */
#include "work/retention.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

typedef struct step_def {
	ms_ret_kind kind;
	const char *name, *title_zh, *what, *param;
	bool years;
} step_def;

static const step_def defs[MS_RET__COUNT] = {
	{MS_RET_REJECTS, "rejects", "导入拒收行原文", "the original text of rejected rows",
	 "retention.rejects_days", false},
	{MS_RET_REVIEW, "review", "已处理的待核对行", "the row of decided review items",
	 "retention.review_days", false},
	{MS_RET_ALERTS, "closed_alerts", "已办结预警的个人信息",
	 "closed alerts' evidence, explanations, notes and subject (masked)",
	 "retention.closed_alert_years", true},
	{MS_RET_ATTACHMENTS, "attachments", "已办结预警的附件", "attachments of closed alerts",
	 "retention.attachments_years", true},
	{MS_RET_SESSIONS, "sessions", "过期的登录会话", "expired sessions",
	 "retention.sessions_days", false},
	{MS_RET_JOBS, "jobs", "已结束的后台任务", "finished jobs", "retention.jobs_days", false},
	{MS_RET_DELIVERIES, "deliveries", "已结束的推送记录", "finished webhook deliveries",
	 "retention.deliveries_days", false},
};

ms_date ms_date_minus_years(ms_date d, int n)
{
	int y, m, day;
	ms_date_to_ymd(d, &y, &m, &day);
	y -= n;
	if (!ms_date_valid_ymd(y, m, day))
		day = 28; /* 29 February of a common year */
	return ms_date_from_ymd(y, m, day);
}

static ms_err period(const ms_pack *pack, const char *name, bool years, ms_date today, int *out,
                     ms_error *err)
{
	int i = ms_pack_param_index(pack, name);
	const ms_param_value *v =
	    i >= 0 ? ms_pack_param_value(pack, i, pack->province ? pack->province : "", today) : NULL;
	if (!v)
		return ms_error_set(err, MS_ERR_PACK,
		                    "政策包没有适用于全省的参数 %s（保存期限），不能清理 (the pack has no "
		                    "province-wide value of %s, a retention period: nothing is purged)",
		                    name, name);
	int64_t max = years ? 100 : 36500;
	if (v->i < 1 || v->i > max)
		return ms_error_set(err, MS_ERR_PACK,
		                    "参数 %s 的取值 %lld 无效，应为 1–%lld%s (%s must be 1-%lld %s)", name,
		                    (long long)v->i, (long long)max, years ? " 年" : " 天", name,
		                    (long long)max, years ? "years" : "days");
	*out = (int)v->i;
	return MS_ERR_OK;
}

ms_err ms_retention_policy(const ms_pack *pack, ms_date today, ms_retention_report *out,
                           ms_error *err)
{
	memset(out, 0, sizeof *out);
	ms_date_format(today, out->today);
	ms_err e;
	for (int k = 0; k < MS_RET__COUNT; k++) {
		const step_def *d = &defs[k];
		ms_retention_step *st = &out->steps[d->kind];
		st->kind = d->name;
		st->title_zh = d->title_zh;
		st->what = d->what;
		st->param = d->param;
		st->years = d->years;
		if ((e = period(pack, d->param, d->years, today, &st->period, err)))
			return e;
		ms_date cut = d->years ? ms_date_minus_years(today, st->period) : today - st->period;
		ms_date_format(cut, st->cutoff);
	}
	if ((e = period(pack, "retention.access_log_years", true, today, &out->access_log_years,
	                err)))
		return e;
	if (out->access_log_years < MS_ACCESS_LOG_MIN_YEARS)
		return ms_error_set(err, MS_ERR_PACK,
		                    "参数 retention.access_log_years 为 %d 年，访问日志至少保存 %d 年 "
		                    "(the access log is kept at least %d years; the pack says %d)",
		                    out->access_log_years, MS_ACCESS_LOG_MIN_YEARS,
		                    MS_ACCESS_LOG_MIN_YEARS, out->access_log_years);
	ms_date_format(ms_date_minus_years(today, out->access_log_years), out->access_log_cutoff);
	if (out->steps[MS_RET_ATTACHMENTS].period > out->steps[MS_RET_ALERTS].period)
		return ms_error_set(err, MS_ERR_PACK,
		                    "附件保存期限（%d 年）不能长于已办结预警（%d 年）：附件属于预警的个人"
		                    "信息 (retention.attachments_years must not exceed "
		                    "retention.closed_alert_years)",
		                    out->steps[MS_RET_ATTACHMENTS].period,
		                    out->steps[MS_RET_ALERTS].period);
	return MS_ERR_OK;
}

ms_err ms_retention_purge(ms_store *s, const ms_pack *pack, ms_date today, bool dry_run,
                          ms_retention_report *out, ms_error *err)
{
	ms_err e = ms_retention_policy(pack, today, out, err);
	if (e)
		return e;
	out->dry_run = dry_run;
	int64_t now = (int64_t)time(NULL);
	char at[32];
	{
		time_t x = (time_t)now + 8 * 3600;
		struct tm tm;
		gmtime_r(&x, &tm);
		strftime(at, sizeof at, "%Y-%m-%dT%H:%M:%S+08:00", &tm);
	}
	if ((e = ms_store_begin_write(s, err)))
		return e;
	for (int k = 0; k < MS_RET__COUNT && !e; k++) {
		ms_retention_step *st = &out->steps[k];
		/* sessions: expired more than the period ago (Unix seconds) */
		int64_t cut_unix = now - (int64_t)st->period * 86400;
		if (dry_run)
			e = ms_store_retention_count(s, (ms_ret_kind)k, st->cutoff, cut_unix, &st->count,
			                             err);
		else
			e = ms_store_retention_apply(s, (ms_ret_kind)k, st->cutoff, cut_unix, at,
			                             &st->count, err);
	}
	if (e || dry_run) {
		ms_store_rollback(s);
		return e;
	}
	return ms_store_commit(s, err);
}
