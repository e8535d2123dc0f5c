/* eval_compute.c — the indicators the system measures itself (SPEC §5):
 * on-time verification of alerts, household-file coverage, person-times
 * per social worker, applications granted, volunteers and resources
 * linked, for every station of a round over [1 January, the round's date],
 * scaled linearly between the pack's floor and target. The figures come
 * from grouped queries over the round's area (one pass each, not one per
 * station), and the coverage from the population snapshot. */
#include "station/eval_impl.h"

#include "base/mem.h"
#include "base/money.h"
#include "model/snapshot.h"
#include "monitor/scan.h"
#include "monitor/snapshot.h"
#include "store/store_eval.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct figs {
	ms_eval_round *r;
	int64_t *a[MS_EVAL_FIG__COUNT], *b[MS_EVAL_FIG__COUNT]; /* [nstations] */
	int64_t *cov_num, *cov_den;                             /* [nstations] */
	int fig;
} figs;

static int on_figure(void *ctx, const char *station, int64_t a, int64_t b)
{
	figs *f = ctx;
	int si = ms_eval_round_station(f->r, station);
	if (si >= 0) {
		f->a[f->fig][si] += a;
		f->b[f->fig][si] += b;
	}
	return 0;
}

typedef struct file_walk {
	const ms_snapshot *snap;
	uint8_t *has_file; /* [nhouseholds] */
} file_walk;

static int on_file(void *ctx, const char *household)
{
	file_walk *w = ctx;
	int32_t h = household ? ms_snapshot_household(w->snap, household) : -1;
	if (h >= 0)
		w->has_file[h] = 1;
	return 0;
}

/* Low-income households of each station's township (a member holds a
 * category of the pack's population column on D) and those of them with a
 * service file opened on or before D. */
static ms_err coverage(ms_store *s, const ms_pack *pack, figs *f, ms_date d, const char *day,
                       ms_error *err)
{
	ms_eval_round *r = f->r;
	if (!pack->population)
		return ms_error_set(
		    err, MS_ERR_PACK,
		    "一户一档覆盖率需要政策包的 population 列 (file coverage needs the "
		    "pack's population column)");
	ms_snapshot *snap = NULL;
	const char *src = NULL;
	ms_err e = ms_scan_snapshot(s, pack, NULL, &snap, &src, err);
	if (e)
		return e;
	const char *dot = strchr(pack->population, '.');
	char fname[128];
	size_t fl = dot ? (size_t)(dot - pack->population) : 0;
	const ms_snap_feed *sf = NULL;
	if (dot && fl < sizeof fname) {
		memcpy(fname, pack->population, fl);
		fname[fl] = '\0';
		sf = ms_snapshot_feed(snap, fname);
	}
	uint8_t *li = ms_calloc(snap->npersons + 1, 1);
	uint8_t *has_file = ms_calloc(snap->nhouseholds + 1, 1);
	uint8_t *isval = NULL;
	if (!li || !has_file) {
		e = ms_error_set(err, MS_ERR_NOMEM, NULL);
		goto out;
	}
	if (sf) {
		const ms_feed *fd = sf->def;
		int ci = -1;
		for (int i = 0; i < fd->n_cols; i++)
			if (strcmp(fd->cols[i].name, dot + 1) == 0)
				ci = i;
		if (ci < 0 || fd->n_ranges == 0) {
			e = ms_error_set(err, MS_ERR_PACK,
			                 "population: no such column with a range");
			goto out;
		}
		const ms_snap_col *sc = &sf->cols[ci];
		const ms_feed_column *col = &fd->cols[ci];
		isval = ms_calloc(sc->dict.n + 1, 1);
		if (!isval) {
			e = ms_error_set(err, MS_ERR_NOMEM, NULL);
			goto out;
		}
		for (uint32_t id = 1; id < sc->dict.n; id++)
			for (int v = 0; v < col->n_values; v++)
				if (strcmp(sc->dict.str[id], col->values[v]) == 0)
					isval[id] = 1;
		const ms_snap_col *a = &sf->cols[fd->range_start[0]],
		                  *b = &sf->cols[fd->range_end[0]];
		for (uint32_t p = 0; p < snap->npersons; p++) {
			if (snap->birth[p] == MS_DATE_NONE || snap->birth[p] > d)
				continue;
			for (uint32_t x = sf->start[p]; x < sf->start[p + 1] && !li[p]; x++) {
				int32_t s0 = a->i32[x], e0 = b->i32[x];
				bool s_empty = s0 == MS_DATE_NONE || (a->empty && a->empty[x]);
				bool e_empty = e0 == MS_DATE_NONE || (b->empty && b->empty[x]);
				if (s_empty || s0 > d || (!e_empty && e0 < d))
					continue;
				int32_t v = sc->i32[x];
				if (v > 0 && (uint32_t)v < sc->dict.n && isval[v])
					li[p] = 1;
			}
		}
	}
	file_walk w = {snap, has_file};
	if ((e = ms_store_begin_read(s, err)))
		goto out;
	e = ms_store_eval_files(s, "", day, on_file, &w, err);
	ms_store_rollback(s);
	if (e)
		goto out;
	size_t alen = strlen(r->row.area);
	for (uint32_t h = 0; h < snap->nhouseholds; h++) {
		const char *area = snap->areas.str[snap->hh_area[h]];
		if (!area || strlen(area) < 9 || strncmp(area, r->row.area, alen) != 0)
			continue;
		char code[10];
		memcpy(code, area, 9);
		code[9] = '\0';
		int si = ms_eval_round_station(r, code);
		if (si < 0)
			continue;
		bool low = false;
		for (uint32_t m = snap->member_start[h]; m < snap->member_start[h + 1] && !low;
		     m++) {
			int32_t p = snap->member[m];
			low = p >= 0 && (uint32_t)p < snap->npersons && li[p];
		}
		if (!low)
			continue;
		f->cov_den[si]++;
		f->cov_num[si] += has_file[h] ? 1 : 0;
	}
out:
	ms_free(li);
	ms_free(has_file);
	ms_free(isval);
	ms_snapshot_free(snap);
	return e;
}

/* The measured value of a station as num/den (den 0: nothing to measure). */
static ms_eval_q measured(const figs *f, ms_eval_measure m, size_t si)
{
	switch (m) {
	case MS_EVAL_M_ON_TIME_RATE:
		return (ms_eval_q){f->a[MS_EVAL_FIG_ON_TIME][si], f->b[MS_EVAL_FIG_ON_TIME][si]};
	case MS_EVAL_M_FILE_COVERAGE:
		return (ms_eval_q){f->cov_num[si], f->cov_den[si]};
	case MS_EVAL_M_PERSON_TIMES_PER_WORKER:
		return (ms_eval_q){f->a[MS_EVAL_FIG_PERSON_TIMES][si], f->a[MS_EVAL_FIG_STAFF][si]};
	case MS_EVAL_M_APPLICATIONS_GRANTED:
		return (ms_eval_q){f->a[MS_EVAL_FIG_GRANTED][si], 1};
	case MS_EVAL_M_VOLUNTEERS:
		return (ms_eval_q){f->a[MS_EVAL_FIG_VOLUNTEERS][si], 1};
	case MS_EVAL_M_RESOURCES_YUAN:
		return (ms_eval_q){f->a[MS_EVAL_FIG_RESOURCES][si], 100};
	default:
		return (ms_eval_q){0, 0};
	}
}

/* How a value reads in the score's note. */
static void value_text(ms_eval_measure m, ms_eval_q v, char *out, size_t cap)
{
	if (v.den == 0) {
		snprintf(out, cap, "无可计算对象 (nothing to measure)");
		return;
	}
	switch (m) {
	case MS_EVAL_M_ON_TIME_RATE:
	case MS_EVAL_M_FILE_COVERAGE:
		snprintf(out, cap, "%lld/%lld = %.1f%%", (long long)v.num, (long long)v.den,
		         100.0 * (double)v.num / (double)v.den);
		return;
	case MS_EVAL_M_PERSON_TIMES_PER_WORKER:
		snprintf(out, cap, "%lld 人次 / %lld 人 = %.1f", (long long)v.num, (long long)v.den,
		         (double)v.num / (double)v.den);
		return;
	case MS_EVAL_M_RESOURCES_YUAN: {
		char y[MS_MONEY_STR];
		ms_money_format(v.num, 1, y);
		snprintf(out, cap, "%s 元", y);
		return;
	}
	default:
		snprintf(out, cap, "%lld", (long long)v.num);
		return;
	}
}

static const char *param_raw(const ms_pack *pack, const char *name, const char *area, ms_date d)
{
	int i = ms_pack_param_index(pack, name);
	const ms_param_value *v = i >= 0 ? ms_pack_param_value(pack, i, area, d) : NULL;
	return v ? v->raw : "";
}

ms_err eval_compute_scores(ms_store *s, const ms_pack *pack, ms_eval_round *r, const char *actor,
                           int64_t *nscores, ms_error *err)
{
	size_t n = r->nstations;
	ms_date d;
	if (ms_date_parse(r->row.as_of, strlen(r->row.as_of), &d))
		return ms_error_set(err, MS_ERR_DB, "round %lld has a bad date",
		                    (long long)r->row.id);
	char from[MS_DATE_STR];
	snprintf(from, sizeof from, "%lld-01-01", (long long)r->row.year);
	figs f = {.r = r};
	int64_t *mem = ms_calloc((n + 1) * (2 * MS_EVAL_FIG__COUNT + 2), sizeof *mem);
	if (!mem)
		return ms_error_set(err, MS_ERR_NOMEM, NULL);
	for (int i = 0; i < MS_EVAL_FIG__COUNT; i++) {
		f.a[i] = mem + (size_t)(2 * i) * (n + 1);
		f.b[i] = mem + (size_t)(2 * i + 1) * (n + 1);
	}
	f.cov_num = mem + (size_t)(2 * MS_EVAL_FIG__COUNT) * (n + 1);
	f.cov_den = f.cov_num + (n + 1);
	bool need_cov = false;
	for (int k = 0; k < r->nindicators; k++)
		need_cov |=
		    r->indicators[k].measure &&
		    ms_eval_measure_parse(r->indicators[k].measure) == MS_EVAL_M_FILE_COVERAGE;
	ms_err e = MS_ERR_OK;
	if (need_cov && (e = coverage(s, pack, &f, d, r->row.as_of, err)))
		goto out;
	if ((e = ms_store_begin_read(s, err)))
		goto out;
	for (int i = 0; i < MS_EVAL_FIG__COUNT && !e; i++) {
		f.fig = i;
		e = ms_store_eval_figure(s, (ms_eval_fig)i, r->row.area, from, r->row.as_of,
		                         on_figure, &f, err);
	}
	ms_store_rollback(s);
	if (e)
		goto out;

	char now[32], dd[MS_DATE_STR];
	ms_date_format(ms_date_today(), dd);
	time_t t = time(NULL) + 8 * 3600;
	struct tm tm;
	gmtime_r(&t, &tm);
	snprintf(now, sizeof now, "%.10sT%02d:%02d:%02d+08:00", dd, tm.tm_hour, tm.tm_min,
	         tm.tm_sec);
	if ((e = ms_store_begin_write(s, err)))
		goto out;
	ms_eval_round_row now_row;
	if ((e = ms_store_eval_round_get(s, r->row.id, &now_row, err)))
		goto fail;
	if (strcmp(now_row.state, "open") != 0) {
		e = ms_error_set(err, MS_ERR_CONFLICT,
		                 "评估轮次 %lld 已结束 (round %lld is closed)",
		                 (long long)r->row.id, (long long)r->row.id);
		goto fail;
	}
	int64_t written = 0;
	for (size_t si = 0; si < n; si++) {
		const ms_eval_station *st = &r->stations[si];
		for (int k = 0; k < r->nindicators; k++) {
			const ms_eval_indicator_row *x = &r->indicators[k];
			if (strcmp(x->method, "computed") != 0)
				continue;
			ms_eval_measure m = ms_eval_measure_parse(x->measure);
			ms_eval_q v = measured(&f, m, si);
			char vt[160], note[400];
			value_text(m, v, vt, sizeof vt);
			int64_t pts;
			if (v.den == 0) {
				pts = x->empty_full ? x->max_points : 0;
				snprintf(note, sizeof note, "%s：%s", vt,
				         x->empty_full ? "按满分计 (full points)"
				                       : "按 0 分计 (zero)");
			} else {
				ms_eval_q lo, hi;
				if (!ms_eval_param_q(pack, x->floor_param, st->code, d, &lo) ||
				    !ms_eval_param_q(pack, x->target_param, st->code, d, &hi)) {
					e = ms_error_set(
					    err, MS_ERR_PACK,
					    "政策包参数 %s 或 %s 在 %s 对 %s 没有数值取值 (the "
					    "pack's %s or %s has no numeric value for station %s)",
					    x->floor_param, x->target_param, r->row.as_of, st->code,
					    x->floor_param, x->target_param, st->code);
					goto fail;
				}
				pts = ms_eval_linear(x->max_points, v, lo, hi);
				if (pts < 0) {
					e = ms_error_set(
					    err, MS_ERR_PACK,
					    "指标 %s：满分值 %s 须高于起评值 %s (indicator %s: the "
					    "target must be above the floor)",
					    x->id, x->target_param, x->floor_param, x->id);
					goto fail;
				}
				snprintf(note, sizeof note, "%s；起评 %s，满分 %s (floor, target)",
				         vt, param_raw(pack, x->floor_param, st->code, d),
				         param_raw(pack, x->target_param, st->code, d));
			}
			ms_eval_score_row row = {.round_id = r->row.id,
			                         .station = st->code,
			                         .indicator = x->id,
			                         .source = "computed",
			                         .points = pts,
			                         .num = v.num,
			                         .den = v.den,
			                         .has_value = true,
			                         .note = note,
			                         .actor = actor,
			                         .at = now};
			if ((e = ms_store_eval_score_put(s, &row, err)))
				goto fail;
			written++;
		}
	}
	if ((e = ms_store_eval_round_computed(s, r->row.id, now, actor, err)) ||
	    (e = ms_store_commit(s, err)))
		goto fail;
	if (nscores)
		*nscores = written;
	goto out;
fail:
	ms_store_rollback(s);
out:
	ms_free(mem);
	return e;
}
