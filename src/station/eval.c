/* eval.c — evaluation rounds (SPEC §5): opening a round, loading it whole
 * as an actor sees it (totals, final scores, stars, ranks), self and
 * third-party scores, the spot-check sample and its evaluators, closing.
 * The computed indicators are in eval_compute.c, reports in eval_report.c,
 * the pure rules in eval_rules.c. Each change is one transaction that
 * reads the round again inside it, so two changes never interleave. */
#include "station/eval_impl.h"

#include "auth/auth.h"
#include "base/mem.h"
#include "base/text.h"
#include "model/area.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- small helpers ---- */

static void now_rfc3339(char out[32])
{
	char d[MS_DATE_STR];
	ms_date_format(ms_date_today(), d);
	time_t t = time(NULL) + 8 * 3600;
	struct tm tm;
	gmtime_r(&t, &tm);
	snprintf(out, 32, "%.10sT%02d:%02d:%02d+08:00", d, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static bool all_digits(const char *s, size_t n)
{
	if (!s || strlen(s) != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static ms_err round_not_found(int64_t id, ms_error *err)
{
	return ms_error_set(
	    err, MS_ERR_NOT_FOUND,
	    "没有编号为 %lld 的评估轮次，或不在您的范围内 (no evaluation round %lld "
	    "in your reach)",
	    (long long)id, (long long)id);
}

static ms_err station_not_found(int64_t id, const char *code, ms_error *err)
{
	return ms_error_set(err, MS_ERR_NOT_FOUND,
	                    "评估轮次 %lld 中没有社工站 %s，或不在您的范围内 (round %lld has no "
	                    "station %s in your reach)",
	                    (long long)id, code ? code : "", (long long)id, code ? code : "");
}

/* The acting user; actor NULL is the operator (u->role stays NONE). */
static ms_err actor_user(ms_store *s, const char *actor, ms_user *u, ms_error *err)
{
	memset(u, 0, sizeof *u);
	if (!actor)
		return MS_ERR_OK;
	return ms_auth_actor(s, actor, u, err);
}

static ms_err need_actor(const char *actor, ms_error *err)
{
	if (actor && *actor)
		return MS_ERR_OK;
	return ms_error_set(err, MS_ERR_UNAUTHORIZED,
	                    "更改评估须用 --as 指明操作用户 (a change to an evaluation needs the "
	                    "acting user: --as)");
}

static ms_err refused(ms_err code, const ms_user *u, const char *what_zh, const char *what_en,
                      int64_t id, ms_error *err)
{
	if (code == MS_ERR_NOT_FOUND)
		return round_not_found(id, err);
	return ms_error_set(err, MS_ERR_FORBIDDEN, "%s（%s）不能%s (%s, a %s, may not %s)", u->name,
	                    ms_role_label(u->role, false), what_zh, u->name, ms_role_code(u->role),
	                    what_en);
}

/* ---- loading a round ---- */

typedef struct load_ctx {
	ms_eval_round *r;
	ms_error *err;
	ms_err e;
	/* growing arrays while reading */
	ms_eval_indicator_row *ind;
	int nind, capind;
	ms_eval_station *st;
	size_t nst, capst;
	int64_t *frozen; /* [nst][4]: self, third, final, star as stored */
	size_t capfrozen;
} load_ctx;

static const char *adup(ms_eval_round *r, const char *s)
{
	return s ? ms_arena_strdup(&r->arena, s) : NULL;
}

static int on_indicator(void *ctx, const ms_eval_indicator_row *x)
{
	load_ctx *c = ctx;
	ms_eval_round *r = c->r;
	if (c->nind >= MS_EVAL_MAX_INDICATORS) {
		c->e = ms_error_set(c->err, MS_ERR_TOO_LARGE, "too many indicators in a round");
		return 1;
	}
	if (c->nind == c->capind) {
		int cap = c->capind ? c->capind * 2 : 32;
		ms_eval_indicator_row *n = ms_realloc(c->ind, sizeof *n * (size_t)cap);
		if (!n) {
			c->e = ms_error_set(c->err, MS_ERR_NOMEM, NULL);
			return 1;
		}
		c->ind = n;
		c->capind = cap;
	}
	ms_eval_indicator_row y = *x;
	y.area = adup(r, x->area);
	y.id = adup(r, x->id);
	y.module = adup(r, x->module);
	y.title = adup(r, x->title);
	y.method = adup(r, x->method);
	y.measure = adup(r, x->measure);
	y.floor_param = adup(r, x->floor_param);
	y.target_param = adup(r, x->target_param);
	if (!y.id || !y.module || !y.title || !y.method) {
		c->e = ms_error_set(c->err, MS_ERR_NOMEM, NULL);
		return 1;
	}
	c->ind[c->nind++] = y;
	return 0;
}

static int on_station(void *ctx, const ms_eval_station_row *x)
{
	load_ctx *c = ctx;
	ms_eval_round *r = c->r;
	if (c->nst >= MS_EVAL_MAX_STATIONS) {
		c->e = ms_error_set(c->err, MS_ERR_TOO_LARGE, "too many stations in a round");
		return 1;
	}
	if (c->nst == c->capst) {
		size_t cap = c->capst ? c->capst * 2 : 64;
		ms_eval_station *n = ms_realloc(c->st, sizeof *n * cap);
		int64_t *f = ms_realloc(c->frozen, sizeof *f * 4 * cap);
		if (n)
			c->st = n;
		if (f)
			c->frozen = f;
		if (!n || !f) {
			c->e = ms_error_set(c->err, MS_ERR_NOMEM, NULL);
			return 1;
		}
		c->capst = cap;
	}
	ms_eval_station *st = &c->st[c->nst];
	memset(st, 0, sizeof *st);
	snprintf(st->code, sizeof st->code, "%.9s", x->station);
	memcpy(st->city, st->code, 4);
	memcpy(st->county, st->code, 6);
	st->name = adup(r, x->name);
	st->sampled = x->sampled;
	st->evaluator = adup(r, x->evaluator);
	if (!st->name || (x->evaluator && !st->evaluator)) {
		c->e = ms_error_set(c->err, MS_ERR_NOMEM, NULL);
		return 1;
	}
	int64_t *f = &c->frozen[c->nst * 4];
	f[0] = x->self_total;
	f[1] = x->third_total;
	f[2] = x->final_total;
	f[3] = x->star;
	c->nst++;
	return 0;
}

static int cmp_code(const void *key, const void *elem)
{
	return strcmp(key, ((const ms_eval_station *)elem)->code);
}

int ms_eval_round_station(const ms_eval_round *r, const char *code)
{
	if (!code || !r->nstations)
		return -1;
	const ms_eval_station *st =
	    bsearch(code, r->stations, r->nstations, sizeof *r->stations, cmp_code);
	return st ? (int)(st - r->stations) : -1;
}

int ms_eval_round_indicator(const ms_eval_round *r, const char *id)
{
	for (int k = 0; id && k < r->nindicators; k++)
		if (strcmp(r->indicators[k].id, id) == 0)
			return k;
	return -1;
}

static int on_score(void *ctx, const ms_eval_score_row *x)
{
	load_ctx *c = ctx;
	ms_eval_round *r = c->r;
	int si = ms_eval_round_station(r, x->station);
	int k = ms_eval_round_indicator(r, x->indicator);
	if (si < 0 || k < 0)
		return 0; /* a score of a station or indicator the round no longer has */
	ms_eval_station *st = &r->stations[si];
	if (strcmp(x->source, "self") == 0) {
		st->self[k] = x->points;
		st->self_note[k] = adup(r, x->note);
	} else if (strcmp(x->source, "third") == 0) {
		st->third[k] = x->points;
		st->third_note[k] = adup(r, x->note);
	} else {
		st->computed[k] = x->points;
		st->value_num[k] = x->has_value ? x->num : 0;
		st->value_den[k] = x->has_value ? x->den : 0;
	}
	return 0;
}

/* Reads round id (row, indicators, stations, scores) into r; no
 * transaction is opened here. frozen receives the stored totals. */
static ms_err read_round(ms_store *s, int64_t id, ms_eval_round *r, int64_t **frozen, ms_error *err)
{
	ms_err e = ms_store_eval_round_get(s, id, &r->row, err);
	if (e == MS_ERR_NOT_FOUND)
		return round_not_found(id, err);
	if (e)
		return e;
	load_ctx c = {.r = r, .err = err};
	if ((e = ms_store_eval_indicators(s, id, on_indicator, &c, err)) || (e = c.e))
		goto out;
	if ((e = ms_store_eval_stations(s, id, on_station, &c, err)) || (e = c.e))
		goto out;
	r->nindicators = c.nind;
	r->indicators = ms_arena_alloc(&r->arena, sizeof *r->indicators * (size_t)(c.nind + 1));
	r->indicator_module = ms_arena_alloc(&r->arena, sizeof(int) * (size_t)(c.nind + 1));
	r->nstations = c.nst;
	r->stations = ms_arena_alloc(&r->arena, sizeof *r->stations * (c.nst + 1));
	if (!r->indicators || !r->indicator_module || !r->stations) {
		e = ms_error_set(err, MS_ERR_NOMEM, NULL);
		goto out;
	}
	if (c.nind)
		memcpy(r->indicators, c.ind, sizeof *c.ind * (size_t)c.nind);
	if (c.nst)
		memcpy(r->stations, c.st, sizeof *c.st * c.nst);
	/* modules in the order of their first indicator */
	for (int k = 0; k < r->nindicators; k++) {
		int m = 0;
		while (m < r->nmodules && strcmp(r->modules[m], r->indicators[k].module) != 0)
			m++;
		if (m == r->nmodules) {
			if (m >= MS_EVAL_MAX_MODULES) {
				e = ms_error_set(err, MS_ERR_TOO_LARGE,
				                 "too many modules in a round");
				goto out;
			}
			r->modules[r->nmodules++] = r->indicators[k].module;
		}
		r->indicator_module[k] = m;
		r->module_points[m] += r->indicators[k].max_points;
	}
	size_t nk = (size_t)(r->nindicators ? r->nindicators : 1);
	for (size_t i = 0; i < r->nstations; i++) {
		ms_eval_station *st = &r->stations[i];
		st->self = ms_arena_alloc(&r->arena, sizeof(int64_t) * nk * 5);
		st->self_note = ms_arena_zalloc(&r->arena, sizeof(char *) * nk * 2);
		if (!st->self || !st->self_note) {
			e = ms_error_set(err, MS_ERR_NOMEM, NULL);
			goto out;
		}
		st->third = st->self + nk;
		st->computed = st->self + 2 * nk;
		st->value_num = st->self + 3 * nk;
		st->value_den = st->self + 4 * nk;
		st->third_note = st->self_note + nk;
		for (size_t k = 0; k < nk; k++) {
			st->self[k] = st->third[k] = st->computed[k] = -1;
			st->value_num[k] = 0;
			st->value_den[k] = -1;
		}
	}
	if ((e = ms_store_eval_scores(s, id, NULL, on_score, &c, err)) || (e = c.e))
		goto out;
	*frozen = c.frozen;
	c.frozen = NULL;
out:
	ms_free(c.ind);
	ms_free(c.st);
	ms_free(c.frozen);
	return e;
}

/* star bands in force for an area at the round's date; -1 when a band has
 * no value */
static void bands_of(const ms_pack *pack, const char *area, ms_date d, int64_t out[3])
{
	static const char *const names[3] = {"evaluation.star5", "evaluation.star4",
	                                     "evaluation.star3"};
	for (int i = 0; i < 3; i++) {
		ms_eval_q q;
		out[i] = -1;
		if (pack && ms_eval_param_q(pack, names[i], area, d, &q) && q.num >= 0) {
			/* centi-points, rounded up: "at least the band" stays exact */
			out[i] = (int64_t)(((__int128)q.num * 100 + q.den - 1) / q.den);
		}
	}
}

typedef struct rank_item {
	int64_t total;
	const char *code;
	size_t index;
	char group[8];
} rank_item;

static int rank_cmp(const void *pa, const void *pb)
{
	const rank_item *a = pa, *b = pb;
	int c = strcmp(a->group, b->group);
	if (c)
		return c;
	if (a->total != b->total)
		return a->total > b->total ? -1 : 1;
	return strcmp(a->code, b->code);
}

/* Competition ranks (1, 2, 2, 4) of the final totals within groups of the
 * first `glen` digits (0: one group). */
static ms_err rank_by(ms_eval_round *r, size_t glen, int which, ms_error *err)
{
	if (!r->nstations)
		return MS_ERR_OK;
	rank_item *it = ms_malloc(sizeof *it * r->nstations);
	if (!it)
		return ms_error_set(err, MS_ERR_NOMEM, NULL);
	for (size_t i = 0; i < r->nstations; i++) {
		it[i].total = r->stations[i].final_total;
		it[i].code = r->stations[i].code;
		it[i].index = i;
		snprintf(it[i].group, sizeof it[i].group, "%.*s", (int)glen, r->stations[i].code);
	}
	qsort(it, r->nstations, sizeof *it, rank_cmp);
	int rank = 0;
	size_t gs = 0; /* where the group starts */
	for (size_t i = 0; i < r->nstations; i++) {
		if (i == 0 || strcmp(it[i].group, it[i - 1].group) != 0) {
			gs = i;
			rank = 1;
		} else if (it[i].total != it[i - 1].total) {
			rank = (int)(i - gs) + 1;
		}
		ms_eval_station *st = &r->stations[it[i].index];
		if (which == 0)
			st->rank = rank;
		else if (which == 1)
			st->rank_city = rank;
		else
			st->rank_county = rank;
	}
	ms_free(it);
	return MS_ERR_OK;
}

/* Totals, final scores, stars and ranks. A closed round shows what closing
 * fixed; an open one what its scores give now (stars from pack). */
static ms_err work_out(ms_eval_round *r, const ms_pack *pack, const int64_t *frozen, ms_error *err)
{
	ms_date as_of = MS_DATE_NONE;
	if (r->row.as_of)
		ms_date_parse(r->row.as_of, strlen(r->row.as_of), &as_of);
	bool closed = r->row.state && strcmp(r->row.state, "closed") == 0;
	int nmanual = 0;
	for (int k = 0; k < r->nindicators; k++)
		nmanual += strcmp(r->indicators[k].method, "manual") == 0;
	bands_of(pack, r->row.area, as_of, r->bands);
	for (size_t i = 0; i < r->nstations; i++) {
		ms_eval_station *st = &r->stations[i];
		int64_t self = 0, third = 0;
		int64_t mod_self[MS_EVAL_MAX_MODULES] = {0}, mod_third[MS_EVAL_MAX_MODULES] = {0};
		st->self_done = st->third_done = 0;
		for (int k = 0; k < r->nindicators; k++) {
			int m = r->indicator_module[k];
			if (strcmp(r->indicators[k].method, "manual") == 0) {
				if (st->self[k] >= 0) {
					self += st->self[k];
					mod_self[m] += st->self[k];
					st->self_done++;
				}
				if (st->third[k] >= 0) {
					third += st->third[k];
					mod_third[m] += st->third[k];
					st->third_done++;
				}
			} else if (st->computed[k] >= 0) {
				self += st->computed[k];
				third += st->computed[k];
				mod_self[m] += st->computed[k];
				mod_third[m] += st->computed[k];
			}
		}
		st->checked = st->sampled && nmanual > 0 && st->third_done == nmanual;
		st->self_total = self;
		st->third_total = st->third_done ? third : -1;
		st->final_total = ms_eval_final(st->checked, self, third);
		for (int m = 0; m < r->nmodules; m++)
			st->module_final[m] = st->checked ? mod_third[m] : mod_self[m];
		st->star = ms_eval_star(st->final_total, r->bands);
		if (closed && frozen && frozen[i * 4 + 2] >= 0) {
			/* what closing fixed stands, whatever a pack says now */
			st->self_total = frozen[i * 4];
			st->third_total = frozen[i * 4 + 1];
			st->final_total = frozen[i * 4 + 2];
			st->star = (int)frozen[i * 4 + 3];
		}
	}
	ms_err e;
	if ((e = rank_by(r, 0, 0, err)) || (e = rank_by(r, 4, 1, err)) ||
	    (e = rank_by(r, 6, 2, err)))
		return e;
	return MS_ERR_OK;
}

static bool evaluator_in(const ms_eval_round *r, const char *name)
{
	for (size_t i = 0; name && i < r->nstations; i++)
		if (r->stations[i].evaluator && strcmp(r->stations[i].evaluator, name) == 0)
			return true;
	return false;
}

static ms_eval_round *round_new(void)
{
	ms_eval_round *r = ms_calloc(1, sizeof *r);
	if (r)
		ms_arena_init(&r->arena, 64 * 1024, 1u << 30);
	return r;
}

void ms_eval_round_free(ms_eval_round *r)
{
	if (!r)
		return;
	ms_arena_free(&r->arena);
	ms_free(r);
}

/* Loads round id inside the caller's transaction and works it out for u
 * (role NONE: the operator). */
static ms_err load_for(ms_store *s, const ms_pack *pack, const ms_user *u, int64_t id,
                       ms_eval_round **out, ms_error *err)
{
	*out = NULL;
	ms_eval_round *r = round_new();
	if (!r)
		return ms_error_set(err, MS_ERR_NOMEM, NULL);
	int64_t *frozen = NULL;
	ms_err e = read_round(s, id, r, &frozen, err);
	if (!e)
		e = work_out(r, pack, frozen, err);
	ms_free(frozen);
	if (e) {
		ms_eval_round_free(r);
		return e;
	}
	bool operator= u->role == MS_ROLE_NONE;
	bool in_round = !operator&& evaluator_in(r, u->name);
	if (!operator&& ms_eval_may(u, MS_EVAL_DO_READ_ROUND, r->row.area, NULL, NULL, in_round)) {
		ms_eval_round_free(r);
		return round_not_found(id, err);
	}
	r->manage = operator|| ms_eval_may(u, MS_EVAL_DO_MANAGE, r->row.area, NULL, NULL,
	                                   in_round) == MS_ERR_OK;
	r->full_view = operator|| u->role == MS_ROLE_ADMIN || u->role == MS_ROLE_OFFICER;
	if (!operator&& r->full_view) {
		snprintf(r->viewer_scope_, sizeof r->viewer_scope_, "%s", u->scope);
		r->viewer_scope = r->viewer_scope_;
	}
	r->nvisible = 0;
	for (size_t i = 0; i < r->nstations; i++) {
		ms_eval_station *st = &r->stations[i];
		st->visible = operator||
		              ms_eval_may(u, MS_EVAL_DO_READ_STATION, r->row.area, st->code,
		                          st->evaluator, in_round) == MS_ERR_OK;
		r->nvisible += st->visible;
	}
	*out = r;
	return MS_ERR_OK;
}

ms_err ms_eval_round_load(ms_store *s, const ms_pack *pack, const char *actor, int64_t id,
                          ms_eval_round **out, ms_error *err)
{
	*out = NULL;
	ms_user u;
	ms_err e = actor_user(s, actor, &u, err);
	if (e)
		return e;
	if ((e = ms_store_begin_read(s, err)))
		return e;
	e = load_for(s, pack, &u, id, out, err);
	ms_store_rollback(s);
	return e;
}

/* ---- opening ---- */

ms_err ms_eval_open(ms_store *s, const ms_pack *pack, const char *actor, const ms_eval_open_in *in,
                    int64_t *id, int64_t *nstations, ms_error *err)
{
	const char *area = in->area;
	size_t al = area ? strlen(area) : 0;
	if ((al != 2 && al != 4 && al != 6) || !all_digits(area, al))
		return ms_error_set(
		    err, MS_ERR_INVALID,
		    "评估区划应为 2、4 或 6 位数字（省、市、县）：%s (the area of a round "
		    "is a province, city or county code of 2, 4 or 6 digits)",
		    area ? area : "");
	if (!pack || !ms_scope_covers(pack->province, area) || (al > 2 && !ms_area_find(area, al)))
		return ms_error_set(
		    err, MS_ERR_INVALID,
		    "区划 %s 不是本省已知的省、市或县 (area %s is not a known province, "
		    "city or county of the pack's province)",
		    area, area);
	ms_date today = ms_date_today();
	int ty, tm, td;
	ms_date_to_ymd(today, &ty, &tm, &td);
	if (in->year < 2000 || in->year > ty)
		return ms_error_set(err, MS_ERR_INVALID,
		                    "年度应在 2000 到 %d 之间：%d (the year must be 2000 to %d)",
		                    ty, in->year, ty);
	ms_date first = ms_date_from_ymd(in->year, 1, 1), last = ms_date_from_ymd(in->year, 12, 31);
	ms_date as_of = in->as_of;
	if (as_of == MS_DATE_NONE)
		as_of = last < today ? last : today;
	if (as_of < first || as_of > last || as_of > today)
		return ms_error_set(
		    err, MS_ERR_INVALID,
		    "评估日期应在 %d 年内且不晚于今天 (the round's date must lie in %d and "
		    "not after today)",
		    in->year, in->year);
	ms_err e = need_actor(actor, err);
	if (e)
		return e;
	ms_user u;
	if ((e = ms_auth_actor(s, actor, &u, err)))
		return e;
	if (ms_eval_may(&u, MS_EVAL_DO_OPEN, area, NULL, NULL, false))
		return ms_error_set(
		    err, MS_ERR_FORBIDDEN,
		    "%s（%s）不能为区划 %s 开启评估：须为范围覆盖该区划的管理员或民政经办 "
		    "(%s may not open a round for %s: an admin or officer covering it "
		    "may)",
		    u.name, ms_role_label(u.role, false), area, u.name, area);
	ms_eval_scheme *sc = NULL;
	if ((e = ms_eval_scheme_load(pack, in->scheme, area, as_of, &sc, err)))
		return e;
	char now[32], day[MS_DATE_STR];
	now_rfc3339(now);
	ms_date_format(as_of, day);
	ms_eval_round_row row = {.area = area,
	                         .year = in->year,
	                         .as_of = day,
	                         .scheme = sc->name,
	                         .scheme_title = sc->title,
	                         .scheme_sha256 = sc->sha256,
	                         .pack_version = pack->version,
	                         .opened = now,
	                         .opened_by = u.name};
	if ((e = ms_store_begin_write(s, err))) {
		ms_eval_scheme_free(sc);
		return e;
	}
	int64_t other = 0, rid = 0, n = 0;
	if ((e = ms_store_eval_round_overlap(s, area, in->year, &other, err)))
		goto fail;
	if (other) {
		e = ms_error_set(
		    err, MS_ERR_EXISTS,
		    "%d 年已有覆盖或包含区划 %s 的评估轮次 %lld (round %lld of %d already "
		    "covers or lies inside area %s)",
		    in->year, area, (long long)other, (long long)other, in->year, area);
		goto fail;
	}
	if ((e = ms_store_eval_round_insert(s, &row, &rid, err)))
		goto fail;
	for (int k = 0; k < sc->nindicators; k++) {
		const ms_eval_indicator *x = &sc->indicators[k];
		ms_eval_indicator_row ir = {
		    .round_id = rid,
		    .area = area,
		    .ord = k + 1,
		    .id = x->id,
		    .module = sc->modules[x->module].name,
		    .module_ord = x->module + 1,
		    .title = x->title,
		    .max_points = x->points,
		    .method = x->computed ? "computed" : "manual",
		    .measure = x->computed ? ms_eval_measure_code(x->measure) : NULL,
		    .floor_param = x->computed ? x->floor_param : NULL,
		    .target_param = x->computed ? x->target_param : NULL,
		    .empty_full = x->empty_full};
		if ((e = ms_store_eval_indicator_insert(s, &ir, err)))
			goto fail;
	}
	if ((e = ms_store_eval_stations_add(s, rid, area, &n, err)))
		goto fail;
	if (n == 0) {
		e = ms_error_set(
		    err, MS_ERR_INVALID,
		    "区划 %s 下没有社工站（请先 minsheng station import） (no station under "
		    "area %s: load stations first)",
		    area, area);
		goto fail;
	}
	if ((e = ms_store_commit(s, err)))
		goto fail;
	ms_eval_scheme_free(sc);
	if (id)
		*id = rid;
	if (nstations)
		*nstations = n;
	return MS_ERR_OK;
fail:
	ms_store_rollback(s);
	ms_eval_scheme_free(sc);
	return e;
}

/* ---- listing ---- */

typedef struct id_set {
	int64_t *ids;
	size_t n, cap;
	bool oom;
} id_set;

static int on_round_id(void *ctx, int64_t id)
{
	id_set *set = ctx;
	if (set->n == set->cap) {
		size_t cap = set->cap ? set->cap * 2 : 16;
		int64_t *n = ms_realloc(set->ids, sizeof *n * cap);
		if (!n) {
			set->oom = true;
			return 1;
		}
		set->ids = n;
		set->cap = cap;
	}
	set->ids[set->n++] = id;
	return 0;
}

typedef struct list_ctx {
	const ms_user *u;
	bool operator;
	id_set *mine;
	int (*fn)(void *ctx, const ms_eval_round_row *r);
	void *ctx;
} list_ctx;

static int on_round(void *ctx, const ms_eval_round_row *row)
{
	list_ctx *c = ctx;
	bool in_round = false;
	for (size_t i = 0; i < c->mine->n; i++)
		in_round |= c->mine->ids[i] == row->id;
	if (!c->operator&&
	     ms_eval_may(c->u, MS_EVAL_DO_READ_ROUND, row->area, NULL, NULL, in_round))
		return 0;
	return c->fn(c->ctx, row);
}

ms_err ms_eval_rounds(ms_store *s, const char *actor,
                      int (*fn)(void *ctx, const ms_eval_round_row *r), void *ctx, ms_error *err)
{
	ms_user u;
	ms_err e = actor_user(s, actor, &u, err);
	if (e)
		return e;
	id_set mine = {0};
	if ((e = ms_store_begin_read(s, err)))
		return e;
	if (u.role == MS_ROLE_EVALUATOR) {
		e = ms_store_eval_rounds_of_evaluator(s, u.name, on_round_id, &mine, err);
		if (!e && mine.oom)
			e = ms_error_set(err, MS_ERR_NOMEM, NULL);
	}
	list_ctx c = {.u = &u, .operator= actor == NULL, .mine = &mine, .fn = fn, .ctx = ctx};
	if (!e)
		e = ms_store_eval_rounds(s, on_round, &c, err);
	ms_store_rollback(s);
	ms_free(mine.ids);
	return e;
}

/* ---- changes: the round read again inside the write transaction ---- */

typedef struct change {
	ms_user u;
	ms_eval_round *r;
	bool in_round;
} change;

/* Starts a change of round id by actor: the write transaction, the round,
 * whether the actor sees it (404) and whether it is still open (409). */
static ms_err change_begin(ms_store *s, const ms_pack *pack, const char *actor, int64_t id,
                           change *c, ms_error *err)
{
	memset(c, 0, sizeof *c);
	ms_err e = need_actor(actor, err);
	if (e)
		return e;
	if ((e = ms_auth_actor(s, actor, &c->u, err)))
		return e;
	if ((e = ms_store_begin_write(s, err)))
		return e;
	if ((e = load_for(s, pack, &c->u, id, &c->r, err))) {
		ms_store_rollback(s);
		return e;
	}
	c->in_round = evaluator_in(c->r, c->u.name);
	return MS_ERR_OK;
}

static void change_end(ms_store *s, change *c, bool commit_failed)
{
	if (commit_failed)
		ms_store_rollback(s);
	ms_eval_round_free(c->r);
	c->r = NULL;
}

static ms_err need_open(const ms_eval_round *r, ms_error *err)
{
	if (strcmp(r->row.state, "open") == 0)
		return MS_ERR_OK;
	return ms_error_set(err, MS_ERR_CONFLICT,
	                    "评估轮次 %lld 已结束，不能再更改 (round %lld is closed: nothing can "
	                    "change)",
	                    (long long)r->row.id, (long long)r->row.id);
}

static ms_err need_manage(change *c, const char *what_zh, const char *what_en, ms_error *err)
{
	ms_err e = ms_eval_may(&c->u, MS_EVAL_DO_MANAGE, c->r->row.area, NULL, NULL, c->in_round);
	if (e)
		return refused(e, &c->u, what_zh, what_en, c->r->row.id, err);
	return MS_ERR_OK;
}

static ms_err check_note(const char *note, bool required, ms_error *err)
{
	size_t n = note ? strlen(note) : 0;
	if (n == 0) {
		if (required)
			return ms_error_set(
			    err, MS_ERR_INVALID,
			    "自评须为每项指标写明佐证说明 (a self-assessment needs an evidence "
			    "note for each indicator)");
		return MS_ERR_OK;
	}
	if (n > MS_EVAL_NOTE_MAX)
		return ms_error_set(
		    err, MS_ERR_TOO_LARGE,
		    "说明过长：最多 %d 字节 (the note is too long: at most %d bytes)",
		    MS_EVAL_NOTE_MAX, MS_EVAL_NOTE_MAX);
	if (!ms_utf8_valid(note, n))
		return ms_error_set(err, MS_ERR_INVALID,
		                    "说明不是有效的 UTF-8 文本 (the note is not "
		                    "valid UTF-8)");
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)note[i] < 0x20 && note[i] != '\n' && note[i] != '\t')
			return ms_error_set(err, MS_ERR_INVALID,
			                    "说明含有控制字符 (the note contains a "
			                    "control character)");
	return MS_ERR_OK;
}

ms_err ms_eval_scores_put(ms_store *s, const char *actor, int64_t id, const char *station,
                          bool third, const ms_eval_score_in *in, size_t n, ms_error *err)
{
	if (n == 0 || n > MS_EVAL_MAX_INDICATORS)
		return ms_error_set(err, MS_ERR_INVALID,
		                    "须给出 1–%d 项指标的分数 (give the scores of 1-%d indicators)",
		                    MS_EVAL_MAX_INDICATORS, MS_EVAL_MAX_INDICATORS);
	if (!all_digits(station, 9))
		return ms_error_set(err, MS_ERR_INVALID,
		                    "社工站代码应为 9 位数字：%s (a station code is "
		                    "9 digits)",
		                    station ? station : "");
	ms_err e;
	for (size_t i = 0; i < n; i++) {
		if (!in[i].indicator || !*in[i].indicator ||
		    strlen(in[i].indicator) > MS_EVAL_ID_MAX)
			return ms_error_set(err, MS_ERR_INVALID,
			                    "缺少指标编号 (an indicator id is "
			                    "missing)");
		if (in[i].points < 0 || in[i].points > MS_EVAL_TOTAL)
			return ms_error_set(err, MS_ERR_INVALID, "分数无效 (bad points)");
		if ((e = check_note(in[i].note, !third, err)))
			return e;
		for (size_t j = 0; j < i; j++)
			if (strcmp(in[i].indicator, in[j].indicator) == 0)
				return ms_error_set(
				    err, MS_ERR_INVALID,
				    "指标 %s 给了两次 (indicator %s is given twice)",
				    in[i].indicator, in[i].indicator);
	}
	change c;
	if ((e = change_begin(s, NULL, actor, id, &c, err)))
		return e;
	ms_eval_round *r = c.r;
	int si = ms_eval_round_station(r, station);
	if (si < 0 || !r->stations[si].visible) {
		e = station_not_found(id, station, err);
		goto fail;
	}
	ms_eval_station *st = &r->stations[si];
	if ((e = need_open(r, err)))
		goto fail;
	e = ms_eval_may(&c.u, third ? MS_EVAL_DO_THIRD : MS_EVAL_DO_SELF, r->row.area, st->code,
	                st->evaluator, c.in_round);
	if (e) {
		e = refused(e, &c.u, third ? "为该站录入第三方评估分数" : "为该站录入自评分数",
		            third ? "enter this station's third-party scores"
		                  : "enter this station's self-assessment",
		            id, err);
		goto fail;
	}
	if (third && !st->sampled) {
		e = ms_error_set(
		    err, MS_ERR_CONFLICT,
		    "社工站 %s 未被抽中，没有第三方评估 (station %s was not drawn for a "
		    "spot check)",
		    st->code, st->code);
		goto fail;
	}
	char now[32];
	now_rfc3339(now);
	for (size_t i = 0; i < n; i++) {
		int k = ms_eval_round_indicator(r, in[i].indicator);
		if (k < 0) {
			e = ms_error_set(
			    err, MS_ERR_INVALID,
			    "本轮方案没有指标 %s (the round's scheme has no indicator %s)",
			    in[i].indicator, in[i].indicator);
			goto fail;
		}
		const ms_eval_indicator_row *x = &r->indicators[k];
		if (strcmp(x->method, "manual") != 0) {
			e = ms_error_set(
			    err, MS_ERR_INVALID,
			    "指标 %s 由系统按数据计算，不能打分 (indicator %s is computed from "
			    "the system's data, not scored)",
			    x->id, x->id);
			goto fail;
		}
		if (in[i].points > x->max_points) {
			char mx[MS_EVAL_POINTS_STR];
			ms_eval_points_format(x->max_points, mx);
			e = ms_error_set(
			    err, MS_ERR_INVALID,
			    "指标 %s 的分数不能超过 %s 分 (indicator %s has at most %s points)",
			    x->id, mx, x->id, mx);
			goto fail;
		}
		ms_eval_score_row row = {.round_id = id,
		                         .station = st->code,
		                         .indicator = x->id,
		                         .source = third ? "third" : "self",
		                         .points = in[i].points,
		                         .note = in[i].note,
		                         .actor = c.u.name,
		                         .at = now};
		if ((e = ms_store_eval_score_put(s, &row, err)))
			goto fail;
	}
	if ((e = ms_store_commit(s, err)))
		goto fail;
	change_end(s, &c, false);
	return MS_ERR_OK;
fail:
	change_end(s, &c, true);
	return e;
}

/* ---- the sample ---- */

static bool seed_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > MS_EVAL_SEED_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= 'A' && s[i] <= 'Z') || s[i] == '-' || s[i] == '_' || s[i] == '.'))
			return false;
	return true;
}

ms_err ms_eval_sample(ms_store *s, const ms_pack *pack, const char *actor, int64_t id,
                      const char *seed, size_t *drawn, ms_error *err)
{
	if (drawn)
		*drawn = 0;
	char gen[33];
	if (seed && !seed_ok(seed))
		return ms_error_set(
		    err, MS_ERR_INVALID,
		    "随机种子应为 1–%d 个字母、数字或 - _ . (the seed is 1-%d letters, "
		    "digits, - _ .)",
		    MS_EVAL_SEED_MAX, MS_EVAL_SEED_MAX);
	if (!seed) {
		if (sodium_init() < 0)
			return ms_error_set(err, MS_ERR_INTERNAL, "libsodium cannot start");
		unsigned char b[16];
		randombytes_buf(b, sizeof b);
		sodium_bin2hex(gen, sizeof gen, b, sizeof b);
		seed = gen;
	}
	change c;
	ms_err e = change_begin(s, pack, actor, id, &c, err);
	if (e)
		return e;
	ms_eval_round *r = c.r;
	const char **codes = NULL;
	bool *flags = NULL;
	if ((e = need_open(r, err)) ||
	    (e = need_manage(&c, "为该轮次抽样", "draw this round's sample", err)))
		goto fail;
	if (r->row.seed) {
		e = ms_error_set(err, MS_ERR_CONFLICT,
		                 "评估轮次 %lld 已于 %s 抽样（种子 %s），不能重抽 (round %lld was "
		                 "sampled already, seed %s)",
		                 (long long)id, r->row.sampled ? r->row.sampled : "", r->row.seed,
		                 (long long)id, r->row.seed);
		goto fail;
	}
	ms_date as_of;
	ms_date_parse(r->row.as_of, strlen(r->row.as_of), &as_of);
	ms_eval_q share;
	int pi = ms_pack_param_index(pack, "evaluation.sample_share");
	const ms_param_value *pv =
	    pi >= 0 ? ms_pack_param_value(pack, pi, r->row.area, as_of) : NULL;
	if (!pv || !ms_eval_param_q(pack, "evaluation.sample_share", r->row.area, as_of, &share)) {
		e = ms_error_set(
		    err, MS_ERR_PACK,
		    "政策包参数 evaluation.sample_share（抽查比例）在 %s 没有取值 (the pack's "
		    "evaluation.sample_share has no value for the round)",
		    r->row.as_of);
		goto fail;
	}
	codes = ms_calloc(r->nstations + 1, sizeof *codes);
	flags = ms_calloc(r->nstations + 1, sizeof *flags);
	if (!codes || !flags) {
		e = ms_error_set(err, MS_ERR_NOMEM, NULL);
		goto fail;
	}
	for (size_t i = 0; i < r->nstations; i++)
		codes[i] = r->stations[i].code;
	if ((e = ms_eval_draw(seed, codes, r->nstations, share.num, share.den, flags, err)))
		goto fail;
	char now[32];
	now_rfc3339(now);
	size_t k = 0;
	for (size_t i = 0; i < r->nstations; i++) {
		if (!flags[i])
			continue;
		k++;
		if ((e = ms_store_eval_station_sampled(s, id, codes[i], true, err)))
			goto fail;
	}
	if ((e = ms_store_eval_round_sampled(s, id, seed, pv->raw, now, c.u.name, err)) ||
	    (e = ms_store_commit(s, err)))
		goto fail;
	ms_free(codes);
	ms_free(flags);
	change_end(s, &c, false);
	if (drawn)
		*drawn = k;
	return MS_ERR_OK;
fail:
	ms_free(codes);
	ms_free(flags);
	change_end(s, &c, true);
	return e;
}

/* ---- evaluators ---- */

ms_err ms_eval_assign(ms_store *s, const char *actor, int64_t id, const char *evaluator,
                      const char *const *stations, size_t n, ms_error *err)
{
	if (n == 0 || n > MS_EVAL_MAX_STATIONS)
		return ms_error_set(err, MS_ERR_INVALID,
		                    "须指定至少一个社工站 (name at least one "
		                    "station)");
	for (size_t i = 0; i < n; i++)
		if (!all_digits(stations[i], 9))
			return ms_error_set(
			    err, MS_ERR_INVALID,
			    "社工站代码应为 9 位数字：%s (a station code is 9 digits)",
			    stations[i] ? stations[i] : "");
	ms_err e = ms_auth_check_name(evaluator, err);
	if (e)
		return e;
	change c;
	if ((e = change_begin(s, NULL, actor, id, &c, err)))
		return e;
	ms_eval_round *r = c.r;
	if ((e = need_open(r, err)) ||
	    (e = need_manage(&c, "分派该轮次的评估员", "assign this round's evaluators", err)))
		goto fail;
	ms_user ev;
	if ((e = ms_auth_user_get(s, evaluator, &ev, err))) {
		if (e == MS_ERR_NOT_FOUND) {
			ms_error_clear(err);
			e = ms_error_set(err, MS_ERR_INVALID, "没有用户 %s (no user named %s)",
			                 evaluator, evaluator);
		}
		goto fail;
	}
	if (ev.role != MS_ROLE_EVALUATOR || ev.disabled) {
		e = ms_error_set(err, MS_ERR_INVALID,
		                 "%s 不是启用的第三方评估用户 (%s is not an enabled evaluator)",
		                 evaluator, evaluator);
		goto fail;
	}
	char now[32];
	now_rfc3339(now);
	for (size_t i = 0; i < n; i++) {
		int si = ms_eval_round_station(r, stations[i]);
		if (si < 0 || !r->stations[si].visible) {
			e = station_not_found(id, stations[i], err);
			goto fail;
		}
		ms_eval_station *st = &r->stations[si];
		if (!st->sampled) {
			e = ms_error_set(
			    err, MS_ERR_INVALID,
			    "社工站 %s 未被抽中，不能分派评估员 (station %s was not drawn)",
			    st->code, st->code);
			goto fail;
		}
		if (!ms_scope_covers(ev.scope, st->code)) {
			e = ms_error_set(
			    err, MS_ERR_INVALID,
			    "社工站 %s 不在评估员 %s 的范围 %s 内 (station %s is outside "
			    "evaluator %s's scope)",
			    st->code, ev.name, ev.scope, st->code, ev.name);
			goto fail;
		}
		if (st->evaluator && strcmp(st->evaluator, ev.name) == 0)
			continue; /* already so */
		int64_t scored = 0;
		if ((e = ms_store_eval_third_count(s, id, st->code, &scored, err)))
			goto fail;
		if (scored) {
			e = ms_error_set(
			    err, MS_ERR_CONFLICT,
			    "社工站 %s 已有评估员 %s 的打分，不能改派 (station %s already has "
			    "third-party scores by %s)",
			    st->code, st->evaluator ? st->evaluator : "", st->code,
			    st->evaluator ? st->evaluator : "");
			goto fail;
		}
		if ((e = ms_store_eval_station_assign(s, id, st->code, ev.name, now, c.u.name,
		                                      err)))
			goto fail;
	}
	if ((e = ms_store_commit(s, err)))
		goto fail;
	change_end(s, &c, false);
	return MS_ERR_OK;
fail:
	change_end(s, &c, true);
	return e;
}

/* ---- closing ---- */

ms_err ms_eval_close(ms_store *s, const ms_pack *pack, const char *actor, int64_t id, ms_error *err)
{
	change c;
	ms_err e = change_begin(s, pack, actor, id, &c, err);
	if (e)
		return e;
	ms_eval_round *r = c.r;
	if ((e = need_open(r, err)) ||
	    (e = need_manage(&c, "结束该评估轮次", "close this round", err)))
		goto fail;
	bool has_computed = false;
	for (int k = 0; k < r->nindicators; k++)
		has_computed |= strcmp(r->indicators[k].method, "computed") == 0;
	if (has_computed && !r->row.computed) {
		e = ms_error_set(
		    err, MS_ERR_CONFLICT,
		    "评估轮次 %lld 的计算类指标尚未计算：请先运行 compute (round %lld: "
		    "compute the computed indicators first)",
		    (long long)id, (long long)id);
		goto fail;
	}
	if (!r->row.seed) {
		e = ms_error_set(
		    err, MS_ERR_CONFLICT,
		    "评估轮次 %lld 尚未抽样：请先运行 sample (round %lld: draw the sample "
		    "first)",
		    (long long)id, (long long)id);
		goto fail;
	}
	char missing[400] = "";
	size_t ml = 0, nmissing = 0;
	for (size_t i = 0; i < r->nstations; i++) {
		const ms_eval_station *st = &r->stations[i];
		if (!st->sampled || st->checked)
			continue;
		if (nmissing++ < 8 && ml < sizeof missing)
			ml += (size_t)snprintf(missing + ml, sizeof missing - ml, "%s%s",
			                       ml ? "、" : "", st->code);
	}
	if (nmissing) {
		e = ms_error_set(
		    err, MS_ERR_CONFLICT,
		    "还有 %zu 个抽中的社工站未完成第三方评估：%s%s (%zu drawn stations are "
		    "not fully scored by their evaluator yet)",
		    nmissing, missing, nmissing > 8 ? "…" : "", nmissing);
		goto fail;
	}
	for (int b = 0; b < 3; b++)
		if (r->bands[b] < 0) {
			e = ms_error_set(
			    err, MS_ERR_PACK,
			    "政策包参数 evaluation.star5/star4/star3（星级分数线）在 %s 没有取值 "
			    "(the pack's star bands have no value for the round's date)",
			    r->row.as_of);
			goto fail;
		}
	for (size_t i = 0; i < r->nstations; i++) {
		const ms_eval_station *st = &r->stations[i];
		if ((e = ms_store_eval_station_totals(s, id, st->code, st->self_total,
		                                      st->checked ? st->third_total : -1,
		                                      st->final_total, st->star, err)))
			goto fail;
	}
	char now[32];
	now_rfc3339(now);
	if ((e = ms_store_eval_round_close(s, id, now, c.u.name, err))) {
		if (e == MS_ERR_CONFLICT)
			e = need_open(r, err);
		goto fail;
	}
	if ((e = ms_store_commit(s, err)))
		goto fail;
	change_end(s, &c, false);
	return MS_ERR_OK;
fail:
	change_end(s, &c, true);
	return e;
}

/* ---- compute: the round's side (the measures are in eval_compute.c) ---- */

ms_err ms_eval_compute(ms_store *s, const ms_pack *pack, const char *actor, int64_t id,
                       int64_t *nscores, ms_error *err)
{
	if (nscores)
		*nscores = 0;
	if (!pack)
		return ms_error_set(err, MS_ERR_PACK, "计算需要政策包 (computing needs the pack)");
	/* the checks first, in a read, so a refusal never builds a snapshot */
	ms_err e = need_actor(actor, err);
	if (e)
		return e;
	ms_eval_round *r = NULL;
	ms_user u;
	if ((e = ms_auth_actor(s, actor, &u, err)) || (e = ms_store_begin_read(s, err)))
		return e;
	e = load_for(s, pack, &u, id, &r, err);
	ms_store_rollback(s);
	if (e)
		return e;
	change c = {.u = u, .r = r, .in_round = evaluator_in(r, u.name)};
	if ((e = need_open(r, err)) ||
	    (e = need_manage(&c, "计算该轮次的指标", "compute this round's indicators", err))) {
		ms_eval_round_free(r);
		return e;
	}
	e = eval_compute_scores(s, pack, r, u.name, nscores, err);
	ms_eval_round_free(r);
	return e;
}
