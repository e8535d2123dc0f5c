/* explain.c — the scalar evaluator: one subject at a time, straight over the
 * checked syntax tree, with the same semantics as the vectorised executor
 * (empty values, comparisons with empty sides false, ties of `latest` to the
 * row imported last). It records what the explanation of an alert cites. */
#include "rules/explain.h"

#include "base/money.h"

#include <stdio.h>
#include <string.h>

typedef struct {
	bool empty;
	int64_t i;       /* bool, numbers, dates, months */
	const char *s;   /* text */
} sval;

typedef struct {
	int32_t person;  /* -1 none */
	int32_t household;
	int feed;        /* -1 unless evaluating a feed row */
	uint32_t row;
} env;

typedef struct {
	const ms_pack *pack;
	const ms_snapshot *snap;
	const ms_snap_feed *feedmap[MS_FEED_MAX_FEEDS];
	ms_date d;
	ms_explanation *out;
	ms_error *err;
	bool failed;
} ectx;

static const sval EMPTY = {true, 0, NULL};

static sval from_bool(bool b)
{
	sval v = {false, b, NULL};
	return v;
}

static sval eval(ectx *x, const ms_node *n, env e);

static void add_fact(ectx *x, int feed, uint32_t row, int32_t person)
{
	ms_explanation *o = x->out;
	for (int i = 0; i < o->nfacts; i++)
		if (o->facts[i].feed == feed && o->facts[i].row == row)
			return;
	if (o->nfacts >= MS_EXPLAIN_MAX_FACTS) {
		o->facts_truncated = true;
		return;
	}
	o->facts[o->nfacts].feed = feed;
	o->facts[o->nfacts].row = row;
	o->facts[o->nfacts].person = person;
	o->nfacts++;
}

static void add_param(ectx *x, int param, const ms_param_value *v)
{
	ms_explanation *o = x->out;
	for (int i = 0; i < o->nparams; i++)
		if (o->params[i].param == param && o->params[i].value == v)
			return;
	if (o->nparams < MS_EXPLAIN_MAX_PARAMS) {
		o->params[o->nparams].param = param;
		o->params[o->nparams].value = v;
		o->nparams++;
	}
}

static sval col_value(ectx *x, int feed, int col, uint32_t row)
{
	const ms_snap_feed *sf = x->feedmap[feed];
	const ms_snap_col *c = &sf->cols[col];
	sval v = {false, 0, NULL};
	switch (c->type) {
	case MS_COL_DATE:
	case MS_COL_MONTH:
		v.i = c->i32[row];
		v.empty = v.i == INT32_MIN || (c->empty && c->empty[row]);
		break;
	case MS_COL_MONEY:
	case MS_COL_DECIMAL:
	case MS_COL_INTEGER:
		v.i = c->i64[row];
		v.empty = v.i == INT64_MIN || (c->empty && c->empty[row]);
		break;
	default: {
		int32_t id = c->i32[row];
		v.empty = id == 0;
		v.s = id > 0 && (uint32_t)id < c->dict.n ? c->dict.str[id] : "";
	}
	}
	return v;
}

static const char *subject_area(ectx *x, env e)
{
	const ms_snapshot *s = x->snap;
	if (e.person >= 0)
		return s->areas.str[s->area[e.person]];
	if (e.household >= 0)
		return s->areas.str[s->hh_area[e.household]];
	return x->pack->province;
}

static sval eval_param(ectx *x, const ms_node *n, env e)
{
	const char *area = n->dom == DOM_CONST ? x->pack->province : subject_area(x, e);
	const ms_param_value *pv = ms_pack_param_value(x->pack, n->param, area, x->d);
	if (!pv) {
		if (!x->failed)
			ms_error_set(x->err, MS_ERR_PACK, "参数 %s 对地区 %s 没有生效的取值 (no value in force)",
			             x->pack->params[n->param].name, area);
		x->failed = true;
		return EMPTY;
	}
	add_param(x, n->param, pv);
	sval v = {false, pv->i, pv->text};
	return v;
}

static sval eval_attr(ectx *x, const ms_node *n, env e)
{
	const ms_snapshot *s = x->snap;
	sval v = {false, 0, NULL};
	switch (n->op) {
	case ATTR_AGE:
		if (s->birth[e.person] == MS_DATE_NONE)
			return EMPTY;
		v.i = ms_age_years(s->birth[e.person], x->d);
		return v;
	case ATTR_BIRTH:
		v.i = s->birth[e.person];
		v.empty = v.i == MS_DATE_NONE;
		return v;
	case ATTR_SEX:
		v.s = s->sex[e.person] == 1 ? "男" : s->sex[e.person] == 2 ? "女" : "";
		v.empty = !*v.s;
		return v;
	case ATTR_IN_REGISTRY: return from_bool(s->in_registry[e.person]);
	case ATTR_HAS_FATHER: return from_bool(s->has_father[e.person]);
	case ATTR_HAS_MOTHER: return from_bool(s->has_mother[e.person]);
	case ATTR_AREA:
		v.s = s->areas.str[s->area[e.person]];
		v.empty = !v.s || !*v.s;
		return v;
	case ATTR_HH_AREA:
		v.s = s->areas.str[s->hh_area[e.household]];
		v.empty = !v.s || !*v.s;
		return v;
	case ATTR_HH_SIZE:
		v.i = s->member_start[e.household + 1] - s->member_start[e.household];
		return v;
	}
	return EMPTY;
}

static bool text_eq(const sval *a, const sval *b) { return strcmp(a->s ? a->s : "", b->s ? b->s : "") == 0; }

static sval eval_cmp(ectx *x, const ms_node *n, env e)
{
	sval a = eval(x, n->a, e), b = eval(x, n->b, e);
	if (a.empty || b.empty)
		return from_bool(false);
	if (n->a->type == TY_TEXT) {
		bool eq = text_eq(&a, &b);
		return from_bool(n->op == OP_EQ ? eq : !eq);
	}
	int64_t p = a.i, q = b.i;
	switch (n->op) {
	case OP_EQ: return from_bool(p == q);
	case OP_NE: return from_bool(p != q);
	case OP_LT: return from_bool(p < q);
	case OP_LE: return from_bool(p <= q);
	case OP_GT: return from_bool(p > q);
	default: return from_bool(p >= q);
	}
}

static sval eval_arith(ectx *x, const ms_node *n, env e)
{
	sval a = eval(x, n->a, e), b = eval(x, n->b, e);
	if (a.empty || b.empty)
		return EMPTY;
	sval v = {false, 0, NULL};
	switch (n->op) {
	case OP_ADD: v.i = a.i + b.i; break;
	case OP_SUB: v.i = a.i - b.i; break;
	case OP_MUL: v.i = a.i * b.i; break;
	default:
		if (b.i == 0)
			return EMPTY;
		v.i = a.i / b.i;
		if ((a.i % b.i != 0) && ((a.i < 0) != (b.i < 0)))
			v.i--;
	}
	return v;
}

static bool in_set(ectx *x, const ms_node *setn, env e, const char *s)
{
	if (setn->kind == N_SET) {
		for (int i = 0; i < setn->nargs; i++)
			if (!strcmp(setn->args[i]->str, s))
				return true;
		return false;
	}
	/* a set parameter */
	const ms_param_value *pv = ms_pack_param_value(x->pack, setn->param, x->pack->province, x->d);
	(void)e;
	if (!pv)
		return false;
	add_param(x, setn->param, pv);
	for (int i = 0; i < pv->nset; i++)
		if (!strcmp(pv->set[i], s))
			return true;
	return false;
}

static bool is_active(ectx *x, int feed, uint32_t row)
{
	const ms_feed *f = x->pack->feeds.feeds[feed];
	sval s = col_value(x, feed, f->range_start[0], row);
	sval t = col_value(x, feed, f->range_end[0], row);
	int64_t d = x->d;
	if (f->cols[f->range_start[0]].type == MS_COL_MONTH)
		d = ms_month_of(x->d);
	return !s.empty && s.i <= d && (t.empty || t.i >= d);
}

static sval eval_agg(ectx *x, const ms_node *n, env e)
{
	const ms_snapshot *s = x->snap;
	uint32_t from, to;
	const int32_t *idx = NULL;
	int feed = n->members ? -1 : n->feed;
	if (n->members) {
		if (e.household < 0)
			return n->op == AGG_ANY ? from_bool(false) : n->op == AGG_ALL ? from_bool(true) : EMPTY;
		from = s->member_start[e.household];
		to = s->member_start[e.household + 1];
		idx = s->member;
	} else {
		const ms_snap_feed *sf = x->feedmap[feed];
		if (!sf || e.person < 0)
			return n->op == AGG_ANY ? from_bool(false) : n->op == AGG_ALL ? from_bool(true) : EMPTY;
		from = sf->start[e.person];
		to = sf->start[e.person + 1];
	}
	int64_t acc = 0, best_key = 0;
	bool found = false, all = true;
	int64_t best_row = -1;
	for (uint32_t j = from; j < to; j++) {
		env inner = e;
		if (n->members) {
			inner.person = idx[j];
			inner.feed = -1;
		} else {
			inner.feed = feed;
			inner.row = j;
		}
		if (n->b) {
			sval w = eval(x, n->b, inner);
			if (w.empty || !w.i)
				continue;
		}
		if (!n->members && n->op != AGG_LATEST && n->op != AGG_MIN && n->op != AGG_MAX)
			add_fact(x, feed, j, e.person);
		switch (n->op) {
		case AGG_ANY:
			found = true;
			break;
		case AGG_ALL: {
			sval v = eval(x, n->a, inner);
			if (v.empty || !v.i)
				all = false;
			break;
		}
		case AGG_COUNT:
			acc++;
			break;
		case AGG_SUM: {
			sval v = eval(x, n->a, inner);
			if (!v.empty)
				acc += v.i;
			break;
		}
		case AGG_MIN:
		case AGG_MAX: {
			sval v = eval(x, n->a, inner);
			if (v.empty)
				break;
			if (!found || (n->op == AGG_MIN ? v.i < acc : v.i > acc)) {
				acc = v.i;
				best_row = j;
			}
			found = true;
			break;
		}
		case AGG_LATEST: {
			sval k = eval(x, n->c, inner);
			if (k.empty)
				break;
			if (!found || k.i >= best_key) {
				best_key = k.i;
				best_row = j;
				found = true;
			}
			break;
		}
		}
	}
	if ((n->op == AGG_MIN || n->op == AGG_MAX || n->op == AGG_LATEST) && best_row >= 0 && !n->members)
		add_fact(x, feed, (uint32_t)best_row, e.person);
	switch (n->op) {
	case AGG_ANY: return from_bool(found);
	case AGG_ALL: return from_bool(all);
	case AGG_COUNT:
	case AGG_SUM: {
		sval v = {false, acc, NULL};
		return v;
	}
	case AGG_LATEST: {
		if (!found)
			return EMPTY;
		env inner = e;
		if (n->members) {
			inner.person = idx[best_row];
		} else {
			inner.feed = feed;
			inner.row = (uint32_t)best_row;
		}
		return eval(x, n->a, inner);
	}
	default: {
		if (!found)
			return EMPTY;
		sval v = {false, acc, NULL};
		return v;
	}
	}
}

static sval eval(ectx *x, const ms_node *n, env e)
{
	if (x->failed)
		return EMPTY;
	/* a feed row's owner is the person of person-level nodes inside it */
	if (e.feed >= 0 && n->dom != DOM_FEED)
		e.person = x->feedmap[e.feed]->owner[e.row];
	if (e.person >= 0 && e.household < 0)
		e.household = x->snap->household[e.person];
	sval v = {false, 0, NULL};
	switch (n->kind) {
	case N_BOOL: return from_bool(n->ival);
	case N_NUM:
	case N_DATE:
		v.i = n->kind == N_DATE ? n->date : n->ival;
		return v;
	case N_STR:
		v.s = n->str;
		return v;
	case N_ASOF:
		v.i = x->d;
		return v;
	case N_SET: return EMPTY;
	case N_COL: return col_value(x, n->feed, n->colidx, e.row);
	case N_ACTIVE: return from_bool(is_active(x, n->feed, e.row));
	case N_ATTR: return eval_attr(x, n, e);
	case N_PARAM: return eval_param(x, n, e);
	case N_NOT: {
		sval a = eval(x, n->a, e);
		return from_bool(!(!a.empty && a.i));
	}
	case N_NEG: {
		sval a = eval(x, n->a, e);
		if (a.empty)
			return EMPTY;
		v.i = -a.i;
		return v;
	}
	case N_AND: {
		sval a = eval(x, n->a, e), b = eval(x, n->b, e);
		return from_bool(a.i && b.i && !a.empty && !b.empty);
	}
	case N_OR: {
		sval a = eval(x, n->a, e), b = eval(x, n->b, e);
		return from_bool((a.i && !a.empty) || (b.i && !b.empty));
	}
	case N_CMP: return eval_cmp(x, n, e);
	case N_ARITH: return eval_arith(x, n, e);
	case N_IN: {
		sval a = eval(x, n->a, e);
		if (a.empty)
			return from_bool(false);
		bool in = in_set(x, n->b, e, a.s);
		return from_bool(n->op ? !in : in);
	}
	case N_EMPTY: {
		sval a = eval(x, n->a, e);
		return from_bool(n->op ? !a.empty : a.empty);
	}
	case N_IFEMPTY: {
		sval a = eval(x, n->a, e);
		return a.empty ? eval(x, n->b, e) : a;
	}
	case N_MONTH: {
		sval a = eval(x, n->a, e);
		if (a.empty)
			return EMPTY;
		v.i = ms_month_of((ms_date)a.i);
		return v;
	}
	case N_PARENT: {
		int32_t p = e.person >= 0 ? (n->op ? x->snap->mother[e.person] : x->snap->father[e.person]) : -1;
		if (p < 0)
			return n->type == TY_BOOL ? from_bool(false) : EMPTY;
		env pe = {p, x->snap->household[p], -1, 0};
		return eval(x, n->a, pe);
	}
	case N_HHOF: {
		int32_t h = e.person >= 0 ? x->snap->household[e.person] : -1;
		if (h < 0)
			return n->type == TY_BOOL ? from_bool(false) : EMPTY;
		env he = {-1, h, -1, 0};
		return eval(x, n->a, he);
	}
	case N_AGG: return eval_agg(x, n, e);
	default:
		if (!x->failed)
			ms_error_set(x->err, MS_ERR_INTERNAL, "unexpected node in explanation");
		x->failed = true;
		return EMPTY;
	}
}

static void format_value(const ms_node *n, sval v, char *out, size_t cap)
{
	if (v.empty) {
		snprintf(out, cap, "（空）");
		return;
	}
	char tmp[MS_MONEY_STR];
	switch (n->type) {
	case TY_BOOL: snprintf(out, cap, "%s", v.i ? "是" : "否"); return;
	case TY_MONEY:
		ms_money_format(v.i, 1, tmp);
		snprintf(out, cap, "%s元", tmp);
		return;
	case TY_DATE: {
		char ds[MS_DATE_STR];
		ms_date_format((ms_date)v.i, ds);
		snprintf(out, cap, "%s", ds);
		return;
	}
	case TY_MONTH: {
		char ms[8];
		ms_month_format((ms_month)v.i, ms);
		snprintf(out, cap, "%s", ms);
		return;
	}
	case TY_TEXT: snprintf(out, cap, "%s", v.s ? v.s : ""); return;
	default: snprintf(out, cap, "%lld", (long long)v.i); return;
	}
}

static void collect_terms(const ms_node *n, const ms_node **terms, int *k)
{
	if (n->kind == N_AND) {
		collect_terms(n->a, terms, k);
		collect_terms(n->b, terms, k);
		return;
	}
	if (*k < MS_EXPLAIN_MAX_TERMS)
		terms[(*k)++] = n;
}

ms_err ms_explain(const ms_pack *pack, const ms_snapshot *snap, int rule, int32_t subject,
                  ms_date d, ms_explanation *out, ms_error *err)
{
	memset(out, 0, sizeof *out);
	if (rule < 0 || rule >= pack->nrules)
		return ms_error_set(err, MS_ERR_NOT_FOUND, "no such rule");
	const ms_rule *r = &pack->rules[rule];
	ectx x;
	memset(&x, 0, sizeof x);
	x.pack = pack;
	x.snap = snap;
	x.d = d;
	x.out = out;
	x.err = err;
	for (int i = 0; i < pack->feeds.n && i < MS_FEED_MAX_FEEDS; i++)
		x.feedmap[i] = ms_snapshot_feed(snap, pack->feeds.feeds[i]->name);
	env e = {-1, -1, -1, 0};
	if (r->subject == DOM_PERSON) {
		if (subject < 0 || (uint32_t)subject >= snap->npersons)
			return ms_error_set(err, MS_ERR_NOT_FOUND, "no such person");
		e.person = subject;
		e.household = snap->household[subject];
	} else {
		if (subject < 0 || (uint32_t)subject >= snap->nhouseholds)
			return ms_error_set(err, MS_ERR_NOT_FOUND, "no such household");
		e.household = subject;
	}
	collect_terms(r->cond, out->terms, &out->nterms);
	bool all = true;
	for (int i = 0; i < out->nterms; i++) {
		const ms_node *t = out->terms[i];
		sval v = eval(&x, t, e);
		format_value(t, v, out->term_values[i], sizeof out->term_values[i]);
		/* a comparison also shows the two values it compared */
		if (t->kind == N_CMP && t->a->type != TY_BOOL) {
			char lv[48], rv[48];
			format_value(t->a, eval(&x, t->a, e), lv, sizeof lv);
			format_value(t->b, eval(&x, t->b, e), rv, sizeof rv);
			size_t n = strlen(out->term_values[i]);
			snprintf(out->term_values[i] + n, sizeof out->term_values[i] - n, "（%s 对 %s）", lv, rv);
		}
		all = all && !v.empty && v.i;
	}
	/* persons born after D are not subjects */
	if (r->subject == DOM_PERSON && (snap->birth[subject] == MS_DATE_NONE || snap->birth[subject] > d))
		all = false;
	out->fired = all;
	return x.failed ? (err && err->code ? err->code : MS_ERR_INTERNAL) : MS_ERR_OK;
}
