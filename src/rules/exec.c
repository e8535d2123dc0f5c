/* exec.c — the vectorised evaluator. Registers are whole columns (or single
 * constants); each operation is one loop over its output range, run by two
 * threads on halves of the range. Empty values are sentinels: INT64_MIN for
 * numbers, INT32_MIN for dates and months, id 0 for text; any comparison
 * with an empty side is false and arithmetic with one is empty. */
#include "rules/exec.h"

#include "base/mem.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define E64 INT64_MIN
#define E32 INT32_MIN
#define PAR_MIN 8192 /* ranges smaller than this run on one thread */

/* ---- two threads ---- */

typedef void (*range_fn)(void *ctx, size_t lo, size_t hi);

static int exec_threads = 2;

void ms_exec_set_threads(int n) { exec_threads = n >= 2 ? 2 : 1; }

typedef struct {
	range_fn fn;
	void *ctx;
	size_t lo, hi;
} par_job;

static void *par_worker(void *arg)
{
	par_job *j = arg;
	j->fn(j->ctx, j->lo, j->hi);
	return NULL;
}

/* Runs fn over [0, n) split in two halves, one on a helper thread. The
 * split point may be moved by `split` (e.g. to keep a person's rows
 * together); NULL splits evenly. */
static void par_for(size_t n, range_fn fn, void *ctx)
{
	if (exec_threads < 2 || n < PAR_MIN) {
		fn(ctx, 0, n);
		return;
	}
	size_t mid = n / 2;
	par_job j = {fn, ctx, mid, n};
	pthread_t t;
	if (pthread_create(&t, NULL, par_worker, &j) != 0) {
		fn(ctx, 0, n);
		return;
	}
	fn(ctx, 0, mid);
	pthread_join(t, NULL);
}

/* ---- registers ---- */

typedef struct {
	bool scalar;
	int64_t s;              /* scalar value (bool, i32 or i64 as i64) */
	const char *str;        /* scalar text, not yet bound to a dictionary */
	const char *const *set; /* scalar set of texts */
	int nset;
	const char **setbuf;    /* owned storage of a literal set */
	void *p;                /* column */
	bool owned;
	size_t n;
	const ms_snap_dict *dict; /* text columns */
} reg;

typedef struct {
	const ms_plan *plan;
	const ms_snapshot *snap;
	const ms_snap_feed **feedmap; /* pack feed index → snapshot feed */
	reg *r;
	ms_error *err;
	size_t held, peak;
	/* parameter values by area id, filled on demand */
	int64_t *pcache;
	unsigned char *pcache_set;
} machine;

static const char *sex_strings[] = {"", "男", "女"};
static const ms_snap_dict sex_dict = {3, sex_strings};

static size_t domain_size(const machine *m, const ms_op *op)
{
	switch (op->dom) {
	case DOM_PERSON: return m->snap->npersons;
	case DOM_HOUSEHOLD: return m->snap->nhouseholds;
	case DOM_FEED: return m->feedmap[op->feed] ? m->feedmap[op->feed]->nrows : 0;
	default: return 1;
	}
}

static size_t vt_size(ms_vtype vt) { return vt == VT_BOOL ? 1 : vt == VT_I32 ? 4 : 8; }

static bool alloc_col(machine *m, reg *r, const ms_op *op)
{
	r->n = domain_size(m, op);
	r->p = ms_malloc(r->n * vt_size(op->vt) + 8);
	if (!r->p) {
		ms_error_set(m->err, MS_ERR_NOMEM, "内存不足：规则运算需要 %zu 字节 (out of memory)",
		             r->n * vt_size(op->vt));
		return false;
	}
	r->owned = true;
	m->held += r->n * vt_size(op->vt);
	if (m->held > m->peak)
		m->peak = m->held;
	return true;
}

static void release(machine *m, reg *r, const ms_op *op)
{
	if (r->owned && r->p) {
		ms_free(r->p);
		m->held -= r->n * vt_size(op->vt);
	}
	r->p = NULL;
	r->owned = false;
}

static inline int64_t g64(const reg *r, size_t i)
{
	return r->scalar ? r->s : ((const int64_t *)r->p)[i];
}
static inline int32_t g32(const reg *r, size_t i)
{
	return r->scalar ? (int32_t)r->s : ((const int32_t *)r->p)[i];
}
static inline uint8_t gb(const reg *r, size_t i)
{
	return r->scalar ? (uint8_t)r->s : ((const uint8_t *)r->p)[i];
}

/* the id of a text in a dictionary; -1 when it is not there */
static int32_t dict_id(const ms_snap_dict *d, const char *s)
{
	if (!d || !s || !*s)
		return 0;
	for (uint32_t i = 1; i < d->n; i++)
		if (d->str[i] && strcmp(d->str[i], s) == 0)
			return (int32_t)i;
	return -1;
}

/* empty test by type */
static inline bool is_empty_val(ms_type t, ms_vtype vt, int64_t v)
{
	if (vt == VT_BOOL)
		return false;
	if (t == TY_TEXT)
		return v == 0;
	return vt == VT_I32 ? v == E32 : v == E64;
}

/* ---- element-wise kernels ---- */

typedef struct {
	machine *m;
	const ms_op *op;
	reg *out, *a, *b, *c;
	int32_t bind;         /* text: the bound id of a literal operand (-1 absent) */
	bool bind_left;       /* the literal is on the left */
	int32_t *setids;      /* IN: ids of the set's members in the column's dictionary */
	int nsetids;
	const ms_snap_feed *sf;
	int64_t *pvals;       /* OPC_PARAM per area id */
} kern;

static inline int cmp_apply(int op, int64_t x, int64_t y)
{
	switch (op) {
	case OP_EQ: return x == y;
	case OP_NE: return x != y;
	case OP_LT: return x < y;
	case OP_LE: return x <= y;
	case OP_GT: return x > y;
	default: return x >= y;
	}
}

static void k_cmp(void *ctx, size_t lo, size_t hi)
{
	kern *k = ctx;
	const ms_op *op = k->op;
	const ms_op *oa = &k->m->plan->ops[op->a];
	uint8_t *out = k->out->p;
	ms_type t = oa->type;
	ms_vtype vt = oa->vt;
	for (size_t i = lo; i < hi; i++) {
		int64_t x, y;
		if (vt == VT_BOOL) {
			x = gb(k->a, i);
			y = gb(k->b, i);
		} else if (vt == VT_I32) {
			x = g32(k->a, i);
			y = g32(k->b, i);
		} else {
			x = g64(k->a, i);
			y = g64(k->b, i);
		}
		if (t == TY_TEXT && k->bind != -2) {
			/* one side is a literal bound to the other's dictionary */
			int64_t col = k->bind_left ? y : x;
			if (col == 0) {
				out[i] = 0;
				continue;
			}
			if (k->bind < 0) {
				out[i] = op->aux == OP_NE;
				continue;
			}
			x = col;
			y = k->bind;
		}
		if (is_empty_val(t, vt, x) || is_empty_val(t, vt, y)) {
			out[i] = 0;
			continue;
		}
		out[i] = (uint8_t)cmp_apply(op->aux, x, y);
	}
}

static void k_logic(void *ctx, size_t lo, size_t hi)
{
	kern *k = ctx;
	uint8_t *out = k->out->p;
	switch (k->op->code) {
	case OPC_NOT:
		for (size_t i = lo; i < hi; i++)
			out[i] = !gb(k->a, i);
		break;
	case OPC_AND:
		for (size_t i = lo; i < hi; i++)
			out[i] = gb(k->a, i) & gb(k->b, i);
		break;
	default:
		for (size_t i = lo; i < hi; i++)
			out[i] = gb(k->a, i) | gb(k->b, i);
	}
}

static void k_arith(void *ctx, size_t lo, size_t hi)
{
	kern *k = ctx;
	const ms_op *op = k->op;
	const ms_plan *pl = k->m->plan;
	const ms_op *oa = &pl->ops[op->a], *ob = &pl->ops[op->b];
	for (size_t i = lo; i < hi; i++) {
		int64_t x = oa->vt == VT_I32 ? g32(k->a, i) : g64(k->a, i);
		int64_t y = ob->vt == VT_I32 ? g32(k->b, i) : g64(k->b, i);
		bool ex = oa->vt == VT_I32 ? x == E32 : x == E64;
		bool ey = ob->vt == VT_I32 ? y == E32 : y == E64;
		int64_t v;
		bool empty = ex || ey;
		if (!empty) {
			switch (op->aux) {
			case OP_ADD: v = x + y; break;
			case OP_SUB: v = x - y; break;
			case OP_MUL: v = x * y; break;
			default:
				if (y == 0) {
					empty = true;
					v = 0;
				} else {
					v = x / y;
					if ((x % y != 0) && ((x < 0) != (y < 0)))
						v--; /* rounded down */
				}
			}
		}
		if (op->vt == VT_I32)
			((int32_t *)k->out->p)[i] = empty ? E32 : (int32_t)v;
		else
			((int64_t *)k->out->p)[i] = empty ? E64 : v;
	}
}

static void k_unary(void *ctx, size_t lo, size_t hi)
{
	kern *k = ctx;
	const ms_op *op = k->op;
	const ms_op *oa = &k->m->plan->ops[op->a];
	for (size_t i = lo; i < hi; i++) {
		switch (op->code) {
		case OPC_NEG: {
			int64_t x = g64(k->a, i);
			((int64_t *)k->out->p)[i] = x == E64 ? E64 : -x;
			break;
		}
		case OPC_MONTH: {
			int32_t d = g32(k->a, i);
			((int32_t *)k->out->p)[i] = d == E32 ? E32 : ms_month_of(d);
			break;
		}
		case OPC_EMPTY: {
			int64_t x = oa->vt == VT_I32 ? g32(k->a, i) : g64(k->a, i);
			bool e = is_empty_val(oa->type, oa->vt, x);
			((uint8_t *)k->out->p)[i] = op->aux ? !e : e;
			break;
		}
		case OPC_IN: {
			int32_t x = g32(k->a, i);
			bool in = false;
			if (x != 0)
				for (int s = 0; s < k->nsetids && !in; s++)
					in = k->setids[s] == x;
			((uint8_t *)k->out->p)[i] = x == 0 ? 0 : (op->aux ? !in : in);
			break;
		}
		case OPC_IFEMPTY: {
			if (op->vt == VT_I32) {
				int32_t x = g32(k->a, i);
				bool e = op->type == TY_TEXT ? x == 0 : x == E32;
				((int32_t *)k->out->p)[i] = e ? g32(k->b, i) : x;
			} else {
				int64_t x = g64(k->a, i);
				((int64_t *)k->out->p)[i] = x == E64 ? g64(k->b, i) : x;
			}
			break;
		}
		default:
			break;
		}
	}
}

/* person column → feed rows */
static void k_bcast_owner(void *ctx, size_t lo, size_t hi)
{
	kern *k = ctx;
	const int32_t *owner = k->sf->owner;
	switch (k->op->vt) {
	case VT_BOOL:
		for (size_t i = lo; i < hi; i++)
			((uint8_t *)k->out->p)[i] = gb(k->a, (size_t)owner[i]);
		break;
	case VT_I32:
		for (size_t i = lo; i < hi; i++)
			((int32_t *)k->out->p)[i] = g32(k->a, (size_t)owner[i]);
		break;
	default:
		for (size_t i = lo; i < hi; i++)
			((int64_t *)k->out->p)[i] = g64(k->a, (size_t)owner[i]);
	}
}

/* gather through an index (household of a person, a parent); -1 → empty */
static void gather(kern *k, const int32_t *idx, size_t lo, size_t hi)
{
	const ms_op *op = k->op;
	int64_t e = op->type == TY_TEXT ? 0 : op->vt == VT_I32 ? E32 : E64;
	switch (op->vt) {
	case VT_BOOL:
		for (size_t i = lo; i < hi; i++)
			((uint8_t *)k->out->p)[i] = idx[i] < 0 ? 0 : gb(k->a, (size_t)idx[i]);
		break;
	case VT_I32:
		for (size_t i = lo; i < hi; i++)
			((int32_t *)k->out->p)[i] = idx[i] < 0 ? (int32_t)e : g32(k->a, (size_t)idx[i]);
		break;
	default:
		for (size_t i = lo; i < hi; i++)
			((int64_t *)k->out->p)[i] = idx[i] < 0 ? e : g64(k->a, (size_t)idx[i]);
	}
}

static void k_hh_to_person(void *ctx, size_t lo, size_t hi)
{
	kern *k = ctx;
	gather(k, k->m->snap->household, lo, hi);
}

static void k_parent(void *ctx, size_t lo, size_t hi)
{
	kern *k = ctx;
	gather(k, k->op->aux ? k->m->snap->mother : k->m->snap->father, lo, hi);
}

/* reduce rows [from, to) (indexes via `idx` when members) into one value */
static void reduce_range(kern *k, size_t out_i, uint32_t from, uint32_t to, const int32_t *idx)
{
	const ms_op *op = k->op;
	const ms_plan *pl = k->m->plan;
	const ms_op *ov = op->a >= 0 ? &pl->ops[op->a] : NULL;
	const ms_op *okey = op->c >= 0 ? &pl->ops[op->c] : NULL;
	int fn = op->aux;
	int64_t acc = 0, best_key = 0;
	bool found = false, all = true;
	for (uint32_t j = from; j < to; j++) {
		size_t r = idx ? (size_t)idx[j] : j;
		if (k->b && !gb(k->b, r))
			continue;
		switch (fn) {
		case AGG_ANY:
			found = true;
			j = to; /* done */
			break;
		case AGG_ALL:
			if (!gb(k->a, r)) {
				all = false;
				j = to;
			}
			break;
		case AGG_COUNT:
			acc++;
			break;
		case AGG_SUM: {
			int64_t v = g64(k->a, r);
			if (v != E64)
				acc += v;
			break;
		}
		case AGG_MIN:
		case AGG_MAX: {
			int64_t v = ov->vt == VT_I32 ? g32(k->a, r) : g64(k->a, r);
			if (is_empty_val(ov->type, ov->vt, v))
				break;
			if (!found || (fn == AGG_MIN ? v < acc : v > acc))
				acc = v;
			found = true;
			break;
		}
		case AGG_LATEST: {
			int64_t key = okey->vt == VT_I32 ? g32(k->c, r) : g64(k->c, r);
			if (is_empty_val(okey->type, okey->vt, key))
				break;
			/* ties: the row imported last (the higher index) wins */
			if (!found || key >= best_key) {
				best_key = key;
				acc = ov->vt == VT_I32 ? g32(k->a, r) : ov->vt == VT_BOOL ? gb(k->a, r) : g64(k->a, r);
				found = true;
			}
			break;
		}
		}
	}
	int64_t res;
	switch (fn) {
	case AGG_ANY: res = found; break;
	case AGG_ALL: res = all; break;
	case AGG_COUNT:
	case AGG_SUM: res = acc; break;
	default:
		res = found ? acc : (op->type == TY_TEXT ? 0 : op->vt == VT_I32 ? E32 : E64);
	}
	switch (op->vt) {
	case VT_BOOL: ((uint8_t *)k->out->p)[out_i] = (uint8_t)res; break;
	case VT_I32: ((int32_t *)k->out->p)[out_i] = (int32_t)res; break;
	default: ((int64_t *)k->out->p)[out_i] = res;
	}
}

static void k_agg_feed(void *ctx, size_t lo, size_t hi)
{
	kern *k = ctx;
	const uint32_t *start = k->sf->start;
	for (size_t p = lo; p < hi; p++)
		reduce_range(k, p, start[p], start[p + 1], NULL);
}

static void k_agg_members(void *ctx, size_t lo, size_t hi)
{
	kern *k = ctx;
	const ms_snapshot *s = k->m->snap;
	for (size_t h = lo; h < hi; h++)
		reduce_range(k, h, s->member_start[h], s->member_start[h + 1], s->member);
}

static void k_active(void *ctx, size_t lo, size_t hi)
{
	kern *k = ctx;
	const ms_feed *f = k->sf->def;
	const ms_snap_col *a = &k->sf->cols[f->range_start[0]], *b = &k->sf->cols[f->range_end[0]];
	int32_t d = (int32_t)k->m->plan->as_of;
	if (a->type == MS_COL_MONTH)
		d = ms_month_of(d);
	uint8_t *out = k->out->p;
	for (size_t i = lo; i < hi; i++) {
		int32_t s = a->i32[i], e = b->i32[i];
		bool s_empty = s == E32 || (a->empty && a->empty[i]);
		bool e_empty = e == E32 || (b->empty && b->empty[i]);
		out[i] = !s_empty && s <= d && (e_empty || e >= d);
	}
}

static void k_age(void *ctx, size_t lo, size_t hi)
{
	kern *k = ctx;
	const ms_snapshot *s = k->m->snap;
	ms_date d = k->m->plan->as_of;
	int y, mo, dd;
	ms_date_to_ymd(d, &y, &mo, &dd);
	int64_t *out = k->out->p;
	for (size_t i = lo; i < hi; i++) {
		ms_date b = s->birth[i];
		if (b == MS_DATE_NONE) {
			out[i] = E64;
			continue;
		}
		int by, bm, bd;
		ms_date_to_ymd(b, &by, &bm, &bd);
		if (bm == 2 && bd == 29 && !ms_is_leap_year(y)) {
			bm = 3;
			bd = 1;
		}
		int age = y - by;
		if (mo < bm || (mo == bm && dd < bd))
			age--;
		out[i] = age;
	}
}

/* ---- one operation ---- */

static ms_err param_value_at(machine *m, const ms_op *op, const char *area, int64_t *v,
                             const char **str, const char *const **set, int *nset)
{
	const ms_pack *pk = m->plan->pack;
	const ms_param *p = &pk->params[op->param];
	const ms_param_value *pv = ms_pack_param_value(pk, op->param, area, m->plan->as_of);
	if (!pv) {
		char ds[MS_DATE_STR];
		ms_date_format(m->plan->as_of, ds);
		return ms_error_set(m->err, MS_ERR_PACK,
		                    "参数 %s 在 %s 对地区 %s 没有生效的取值，比对已停止 (parameter %s has no "
		                    "value in force at %s for area %s)",
		                    p->name, ds, area, p->name, ds, area);
	}
	*v = pv->i;
	if (str)
		*str = pv->text;
	if (set) {
		*set = (const char *const *)pv->set;
		*nset = pv->nset;
	}
	return MS_ERR_OK;
}

static ms_err run_param(machine *m, const ms_op *op, reg *out)
{
	if (op->dom == DOM_CONST) {
		out->scalar = true;
		return param_value_at(m, op, m->plan->pack->province, &out->s, &out->str, &out->set,
		                      &out->nset);
	}
	const ms_snapshot *s = m->snap;
	const ms_snap_dict *areas = &s->areas;
	/* one lookup per distinct area */
	int64_t *vals = ms_malloc(sizeof(int64_t) * (areas->n ? areas->n : 1));
	if (!vals)
		return ms_error_set(m->err, MS_ERR_NOMEM, NULL);
	ms_err rc = MS_ERR_OK;
	for (uint32_t a = 0; a < areas->n && !rc; a++)
		vals[a] = E64;
	/* only areas in use need a value: mark them */
	const uint32_t *ids = op->dom == DOM_PERSON ? s->area : s->hh_area;
	size_t n = op->dom == DOM_PERSON ? s->npersons : s->nhouseholds;
	unsigned char *need = ms_calloc(areas->n ? areas->n : 1, 1);
	if (!need) {
		ms_free(vals);
		return ms_error_set(m->err, MS_ERR_NOMEM, NULL);
	}
	for (size_t i = 0; i < n; i++)
		need[ids[i]] = 1;
	for (uint32_t a = 0; a < areas->n && !rc; a++)
		if (need[a])
			rc = param_value_at(m, op, areas->str[a], &vals[a], NULL, NULL, NULL);
	ms_free(need);
	if (!rc && alloc_col(m, out, op)) {
		for (size_t i = 0; i < n; i++) {
			int64_t v = vals[ids[i]];
			if (op->vt == VT_I64)
				((int64_t *)out->p)[i] = v;
			else if (op->vt == VT_I32)
				((int32_t *)out->p)[i] = (int32_t)v;
			else
				((uint8_t *)out->p)[i] = (uint8_t)v;
		}
	} else if (!rc) {
		rc = MS_ERR_NOMEM;
	}
	ms_free(vals);
	return rc;
}

static ms_err run_col(machine *m, const ms_op *op, reg *out)
{
	const ms_snap_feed *sf = m->feedmap[op->feed];
	const ms_snap_col *col = &sf->cols[op->col];
	out->n = sf->nrows;
	if (op->type == TY_TEXT) {
		out->p = col->i32;
		out->dict = &col->dict;
		return MS_ERR_OK;
	}
	if (!col->empty) {
		out->p = op->vt == VT_I32 ? (void *)col->i32 : (void *)col->i64;
		return MS_ERR_OK;
	}
	/* a copy with empty values as sentinels */
	if (!alloc_col(m, out, op))
		return MS_ERR_NOMEM;
	for (size_t i = 0; i < sf->nrows; i++) {
		if (op->vt == VT_I32)
			((int32_t *)out->p)[i] = col->empty[i] ? E32 : col->i32[i];
		else
			((int64_t *)out->p)[i] = col->empty[i] ? E64 : col->i64[i];
	}
	return MS_ERR_OK;
}

static ms_err run_attr(machine *m, const ms_op *op, reg *out, kern *k)
{
	const ms_snapshot *s = m->snap;
	out->n = domain_size(m, op);
	switch (op->aux) {
	case ATTR_AGE:
		if (!alloc_col(m, out, op))
			return MS_ERR_NOMEM;
		par_for(out->n, k_age, k);
		return MS_ERR_OK;
	case ATTR_BIRTH: out->p = s->birth; return MS_ERR_OK;
	case ATTR_IN_REGISTRY: out->p = s->in_registry; return MS_ERR_OK;
	case ATTR_HAS_FATHER: out->p = s->has_father; return MS_ERR_OK;
	case ATTR_HAS_MOTHER: out->p = s->has_mother; return MS_ERR_OK;
	case ATTR_AREA:
		out->p = s->area;
		out->dict = &s->areas;
		return MS_ERR_OK;
	case ATTR_HH_AREA:
		out->p = s->hh_area;
		out->dict = &s->areas;
		return MS_ERR_OK;
	case ATTR_SEX:
		if (!alloc_col(m, out, op))
			return MS_ERR_NOMEM;
		for (size_t i = 0; i < out->n; i++)
			((int32_t *)out->p)[i] = s->sex[i];
		out->dict = &sex_dict;
		return MS_ERR_OK;
	case ATTR_HH_SIZE:
		if (!alloc_col(m, out, op))
			return MS_ERR_NOMEM;
		for (size_t i = 0; i < out->n; i++)
			((int64_t *)out->p)[i] = s->member_start[i + 1] - s->member_start[i];
		return MS_ERR_OK;
	}
	return ms_error_set(m->err, MS_ERR_INTERNAL, "unknown attribute");
}

static ms_err run_op(machine *m, int i)
{
	const ms_op *op = &m->plan->ops[i];
	reg *out = &m->r[i];
	memset(out, 0, sizeof *out);
	kern k;
	memset(&k, 0, sizeof k);
	k.m = m;
	k.op = op;
	k.out = out;
	k.a = op->a >= 0 ? &m->r[op->a] : NULL;
	k.b = op->b >= 0 ? &m->r[op->b] : NULL;
	k.c = op->c >= 0 ? &m->r[op->c] : NULL;
	k.bind = -2;
	if (op->dom == DOM_FEED || op->code == OPC_AGG_FEED) {
		k.sf = m->feedmap[op->feed];
		if (!k.sf)
			return ms_error_set(m->err, MS_ERR_INTERNAL, "feed %s missing from the snapshot",
			                    m->plan->pack->feeds.feeds[op->feed]->name);
	}
	/* text results keep the dictionary of their source */
	if (k.a && op->type == TY_TEXT)
		out->dict = k.a->dict;
	switch (op->code) {
	case OPC_CONST:
		out->scalar = true;
		out->s = op->imm;
		out->str = op->str;
		if (op->set) {
			/* the strings of a literal set */
			static __thread const char *items[256];
			for (int j = 0; j < op->set->nargs && j < 256; j++)
				items[j] = op->set->args[j]->str;
			out->nset = op->set->nargs;
			out->setbuf = ms_malloc(sizeof(char *) * (size_t)(out->nset ? out->nset : 1));
			if (!out->setbuf)
				return ms_error_set(m->err, MS_ERR_NOMEM, NULL);
			memcpy(out->setbuf, items, sizeof(char *) * (size_t)out->nset);
			out->set = out->setbuf;
		}
		return MS_ERR_OK;
	case OPC_PARAM:
		return run_param(m, op, out);
	case OPC_COL:
		return run_col(m, op, out);
	case OPC_ATTR:
		return run_attr(m, op, out, &k);
	default:
		break;
	}
	/* operations over constants only give constants */
	bool all_scalar = (!k.a || k.a->scalar) && (!k.b || k.b->scalar) && (!k.c || k.c->scalar) &&
	                  op->code != OPC_ACTIVE && op->code != OPC_AGG_FEED &&
	                  op->code != OPC_AGG_MEMBERS && op->code != OPC_BCAST_OWNER &&
	                  op->code != OPC_HH_TO_PERSON && op->code != OPC_PARENT;
	union {
		int64_t i64;
		int32_t i32;
		uint8_t b;
	} tmp8 = {0};
	if (all_scalar) {
		out->scalar = false; /* written as a one-element column, then folded */
		out->p = &tmp8;
		out->n = 1;
	} else if (!alloc_col(m, out, op)) {
		return MS_ERR_NOMEM;
	}
	size_t n = all_scalar ? 1 : out->n;
	switch (op->code) {
	case OPC_CMP:
		if (m->plan->ops[op->a].type == TY_TEXT) {
			const reg *lit = NULL, *colr = NULL;
			if (k.a->scalar && k.a->str) {
				lit = k.a;
				colr = k.b;
				k.bind_left = true;
			} else if (k.b->scalar && k.b->str) {
				lit = k.b;
				colr = k.a;
			}
			if (lit)
				k.bind = dict_id(colr->dict, lit->str);
		}
		par_for(n, k_cmp, &k);
		break;
	case OPC_NOT:
	case OPC_AND:
	case OPC_OR:
		par_for(n, k_logic, &k);
		break;
	case OPC_ARITH:
		par_for(n, k_arith, &k);
		break;
	case OPC_IN: {
		int32_t ids[256];
		int nid = 0;
		for (int j = 0; j < k.b->nset && nid < 256; j++) {
			int32_t id = dict_id(k.a->dict, k.b->set[j]);
			if (id > 0)
				ids[nid++] = id;
		}
		k.setids = ids;
		k.nsetids = nid;
		par_for(n, k_unary, &k);
		break;
	}
	case OPC_NEG:
	case OPC_MONTH:
	case OPC_EMPTY:
	case OPC_IFEMPTY:
		par_for(n, k_unary, &k);
		break;
	case OPC_ACTIVE:
		par_for(n, k_active, &k);
		break;
	case OPC_BCAST_OWNER:
		par_for(n, k_bcast_owner, &k);
		break;
	case OPC_HH_TO_PERSON:
		par_for(n, k_hh_to_person, &k);
		break;
	case OPC_PARENT:
		par_for(n, k_parent, &k);
		break;
	case OPC_AGG_FEED:
		par_for(n, k_agg_feed, &k);
		break;
	case OPC_AGG_MEMBERS:
		par_for(n, k_agg_members, &k);
		break;
	default:
		return ms_error_set(m->err, MS_ERR_INTERNAL, "unknown operation");
	}
	if (all_scalar) {
		out->p = NULL;
		out->n = 0;
		out->scalar = true;
		out->s = op->vt == VT_BOOL ? tmp8.b : op->vt == VT_I32 ? tmp8.i32 : tmp8.i64;
	}
	return MS_ERR_OK;
}

ms_err ms_plan_run(const ms_plan *plan, const ms_snapshot *snap, ms_rule_hits *out, ms_error *err)
{
	memset(out, 0, sizeof *out);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	const ms_pack *pk = plan->pack;
	machine m;
	memset(&m, 0, sizeof m);
	m.plan = plan;
	m.snap = snap;
	m.err = err;
	m.feedmap = ms_calloc((size_t)pk->feeds.n + 1, sizeof *m.feedmap);
	m.r = ms_calloc((size_t)plan->nops + 1, sizeof *m.r);
	ms_err rc = MS_ERR_OK;
	if (!m.feedmap || !m.r) {
		rc = ms_error_set(err, MS_ERR_NOMEM, NULL);
		goto done;
	}
	for (int i = 0; i < pk->feeds.n; i++)
		m.feedmap[i] = ms_snapshot_feed(snap, pk->feeds.feeds[i]->name);
	for (int i = 0; i < plan->nops && !rc; i++) {
		rc = run_op(&m, i);
		/* free what no later operation reads */
		const ms_op *op = &plan->ops[i];
		int in[3] = {op->a, op->b, op->c};
		for (int j = 0; j < 3 && !rc; j++)
			if (in[j] >= 0 && plan->ops[in[j]].last_use == i) {
				release(&m, &m.r[in[j]], &plan->ops[in[j]]);
				ms_free(m.r[in[j]].setbuf);
				m.r[in[j]].setbuf = NULL;
				m.r[in[j]].set = NULL;
			}
	}
	if (rc)
		goto done;
	out->nrules = plan->nrules;
	for (int ri = 0; ri < plan->nrules; ri++) {
		int op = plan->rule_op[ri];
		const reg *r = &m.r[op];
		bool person = pk->rules[ri].subject == DOM_PERSON;
		size_t n = person ? snap->npersons : snap->nhouseholds;
		size_t cnt = 0;
		for (size_t i = 0; i < n; i++)
			cnt += gb(r, i) && (!person || (snap->birth[i] != MS_DATE_NONE && snap->birth[i] <= plan->as_of));
		out->subjects[ri] = ms_malloc(sizeof(int32_t) * (cnt ? cnt : 1));
		if (!out->subjects[ri]) {
			rc = ms_error_set(err, MS_ERR_NOMEM, NULL);
			goto done;
		}
		size_t w = 0;
		for (size_t i = 0; i < n; i++)
			if (gb(r, i) && (!person || (snap->birth[i] != MS_DATE_NONE && snap->birth[i] <= plan->as_of)))
				out->subjects[ri][w++] = (int32_t)i;
		out->n[ri] = w;
	}
done:
	if (m.r) {
		for (int i = 0; i < plan->nops; i++) {
			release(&m, &m.r[i], &plan->ops[i]);
			ms_free(m.r[i].setbuf);
		}
	}
	ms_free(m.r);
	ms_free(m.feedmap);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	out->seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	out->peak_bytes = m.peak;
	if (rc)
		ms_rule_hits_free(out);
	return rc;
}

void ms_rule_hits_free(ms_rule_hits *h)
{
	for (int i = 0; i < MS_PACK_MAX_RULES; i++) {
		ms_free(h->subjects[i]);
		h->subjects[i] = NULL;
		h->n[i] = 0;
	}
}
