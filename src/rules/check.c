/* check.c — resolves names, checks types and substitutes definitions. Each
 * rule's parsed condition becomes a fresh, fully resolved tree (rule->cond)
 * whose every node knows its type and its domain: one value for everyone,
 * per person, per household, or per row of a feed. Parsed nodes are never
 * changed, so a definition used in many places is checked afresh at each. */
#include "rules/pack.h"

#include "base/mem.h"

#include <stdio.h>
#include <string.h>

typedef struct frame {
	const ms_let *let;
	ms_node **args;
	const struct frame *caller; /* the frame the arguments were checked in */
} frame;

typedef struct scope {
	ms_domain dom;     /* DOM_PERSON, DOM_HOUSEHOLD or DOM_FEED */
	int feed;          /* DOM_FEED */
	const struct scope *outer;
	const frame *fr;   /* the definition being expanded, for its parameters */
} scope;

typedef struct {
	ms_pack *pack;
	ms_error *err;
	int nodes;         /* nodes of the current rule after substitution */
	const char *rule;  /* for messages */
	const char *file;  /* the file of the text being checked */
	int depth;
} checker;

static const char *const attr_names[] = {"age", "birth", "sex", "in_registry", "has_father",
                                         "has_mother", "area"};

static ms_node *check(checker *c, const ms_node *n, const scope *sc);

static ms_node *fail(checker *c, const ms_node *at, const char *fmt, const char *a, const char *b)
{
	if (c->err && c->err->code == MS_ERR_OK) {
		char msg[600];
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		snprintf(msg, sizeof msg, fmt, a ? a : "", b ? b : "");
#pragma GCC diagnostic pop
		ms_error_set(c->err, MS_ERR_PACK, "%s:%d:%d: %s%s%s%s",
		             at->file ? at->file : c->file ? c->file : "?", at->line,
		             at->col, msg, c->rule ? " (in " : "", c->rule ? c->rule : "",
		             c->rule ? ")" : "");
	}
	return NULL;
}

static ms_node *mk(checker *c, const ms_node *from, ms_node_kind kind)
{
	if (++c->nodes > MS_PACK_MAX_NODES)
		return fail(c, from, "规则展开后过大（最多 %s 个节点） (rule too large after definitions are "
		            "substituted)", "4096", NULL);
	ms_node *n = ms_arena_zalloc(&c->pack->arena, sizeof *n);
	if (!n) {
		ms_error_set(c->err, MS_ERR_NOMEM, NULL);
		return NULL;
	}
	n->kind = kind;
	n->line = from->line;
	n->col = from->col;
	n->file = from->file;
	n->src = from->src;
	n->src_len = from->src_len;
	n->feed = n->colidx = n->param = -1;
	n->dom = DOM_CONST;
	return n;
}

/* the subject scope (person or household) a scope belongs to */
static const scope *subject_scope(const scope *sc)
{
	while (sc && sc->dom == DOM_FEED)
		sc = sc->outer;
	return sc;
}

static ms_domain join_dom(checker *c, const ms_node *at, ms_domain a, int fa, ms_domain b, int fb,
                          int *feed, bool *ok)
{
	*ok = true;
	*feed = -1;
	if (a == DOM_FEED && b == DOM_FEED && fa != fb) {
		*ok = false;
		fail(c, at, "不能把两个不同数据源的行放在一起比较 (rows of two feeds cannot be combined "
		     "directly; aggregate one of them)", NULL, NULL);
		return DOM_CONST;
	}
	if (a == DOM_FEED || b == DOM_FEED) {
		*feed = a == DOM_FEED ? fa : fb;
		return DOM_FEED;
	}
	if (a == DOM_PERSON || b == DOM_PERSON)
		return DOM_PERSON;
	if (a == DOM_HOUSEHOLD || b == DOM_HOUSEHOLD)
		return DOM_HOUSEHOLD;
	return DOM_CONST;
}

static bool set_dom2(checker *c, ms_node *n, const ms_node *x, const ms_node *y)
{
	bool ok;
	n->dom = join_dom(c, n, x->dom, x->feed, y ? y->dom : DOM_CONST, y ? y->feed : -1, &n->feed, &ok);
	/* a household value inside a feed row goes through the person */
	return ok;
}

static bool numeric(ms_type t) { return t == TY_INT || t == TY_MONEY || t == TY_DEC; }

/* Gives a numeric literal the type of the other side. */
static bool coerce_literal(checker *c, ms_node *lit, ms_type want, int scale)
{
	if (lit->kind != N_NUM || lit->type != TY_NONE)
		return lit->type == want;
	int64_t v = lit->ival;
	int target = want == TY_MONEY ? 2 : want == TY_DEC ? scale : want == TY_INT ? 0 : -1;
	if (target < 0 || lit->scale > target || (lit->yuan && want != TY_MONEY)) {
		fail(c, lit, "数字 %s 与另一侧的类型 %s 不符 (number does not fit the other side's type)",
		     lit->src ? "" : "", ms_type_name(want));
		return false;
	}
	for (int k = lit->scale; k < target; k++) {
		if (v > INT64_MAX / 10)
			return false;
		v *= 10;
	}
	lit->ival = v;
	lit->scale = target;
	lit->type = want;
	return true;
}

static bool unify_numeric(checker *c, ms_node *a, ms_node *b)
{
	if (a->type == TY_NONE && b->type == TY_NONE) {
		int s = a->scale > b->scale ? a->scale : b->scale;
		ms_type t = s ? TY_DEC : TY_INT;
		return coerce_literal(c, a, t, s) && coerce_literal(c, b, t, s);
	}
	if (a->type == TY_NONE)
		return coerce_literal(c, a, b->type, b->scale);
	if (b->type == TY_NONE)
		return coerce_literal(c, b, a->type, a->scale);
	return true;
}

/* An enum column compared with a literal: the literal must be one of its values. */
static bool check_enum_literal(checker *c, const ms_node *text, const ms_node *lit)
{
	if (text->tdict != TD_COLUMN || lit->kind != N_STR)
		return true;
	const ms_feed *f = c->pack->feeds.feeds[text->tfeed];
	const ms_feed_column *col = &f->cols[text->tcol];
	if (col->type != MS_COL_ENUM)
		return true;
	for (int i = 0; i < col->n_values; i++)
		if (!strcmp(col->values[i], lit->str))
			return true;
	char list[400] = "";
	size_t o = 0;
	for (int i = 0; i < col->n_values; i++) {
		int w = snprintf(list + o, sizeof list - o, "%s%s", i ? "、" : "", col->values[i]);
		if (w < 0 || (size_t)w >= sizeof list - o)
			break;
		o += (size_t)w;
	}
	fail(c, lit, "“%s”不是这一列的取值之一：%s (not one of the column's values)", lit->str, list);
	return false;
}

static bool check_enum_param(checker *c, const ms_node *text, const ms_node *param)
{
	if (text->tdict != TD_COLUMN || param->kind != N_PARAM)
		return true;
	const ms_feed_column *col = &c->pack->feeds.feeds[text->tfeed]->cols[text->tcol];
	if (col->type != MS_COL_ENUM)
		return true;
	const ms_param *p = &c->pack->params[param->param];
	for (int k = 0; k < p->nvalues; k++) {
		const ms_param_value *v = &p->values[k];
		int n = p->type == TY_SET ? v->nset : 1;
		for (int j = 0; j < n; j++) {
			const char *s = p->type == TY_SET ? v->set[j] : v->text;
			bool ok = false;
			for (int i = 0; i < col->n_values && !ok; i++)
				ok = !strcmp(col->values[i], s);
			if (!ok) {
				fail(c, param, "参数 %s 的取值“%s”不是这一列的取值之一 (a parameter value is not one "
				     "of the column's values)", p->name, s);
				return false;
			}
		}
	}
	return true;
}

static bool text_compatible(checker *c, const ms_node *at, const ms_node *a, const ms_node *b)
{
	if (a->tdict == TD_LITERAL || b->tdict == TD_LITERAL)
		return true;
	if (a->tdict == b->tdict && (a->tdict != TD_COLUMN || (a->tfeed == b->tfeed && a->tcol == b->tcol)))
		return true;
	fail(c, at, "不能直接比较两个不同的文本列 (two different text columns cannot be compared)", NULL,
	     NULL);
	return false;
}

static void copy_text(ms_node *to, const ms_node *from)
{
	to->tdict = from->tdict;
	to->tfeed = from->tfeed;
	to->tcol = from->tcol;
}

static ms_let *find_let(ms_pack *pack, ms_domain subject, const char *name)
{
	for (int i = 0; i < pack->nlets; i++)
		if (pack->lets[i].subject == subject && !strcmp(pack->lets[i].name, name))
			return &pack->lets[i];
	return NULL;
}

static ms_node *expand_let(checker *c, const ms_node *at, ms_let *l, ms_node **args,
                           int nargs, const scope *sc)
{
	ms_let *ml = l;
	if (nargs != l->nparams) {
		char want[16];
		snprintf(want, sizeof want, "%d", l->nparams);
		return fail(c, at, "%s 需要 %s 个参数 (wrong number of arguments)", l->name, want);
	}
	if (ml->expanding)
		return fail(c, at, "定义 %s 直接或间接地引用了自己 (a definition uses itself)", l->name, NULL);
	ms_node *checked[MS_RULES_MAX_PARAMS];
	for (int i = 0; i < nargs; i++) {
		checked[i] = check(c, args[i], sc);
		if (!checked[i])
			return NULL;
	}
	frame fr = {l, checked, sc->fr};
	/* the body is evaluated for the subject of the scope: a person
	 * definition used in a feed row is the row's owner */
	const scope *subj = subject_scope(sc);
	scope body = {l->subject, -1, NULL, &fr};
	if (!subj || subj->dom != l->subject)
		return fail(c, at, "%s 是%s的定义，不能用在这里 (a definition of another kind of subject)",
		            l->name, l->subject == DOM_PERSON ? "人员" : "家庭");
	/* names of the enclosing subject remain reachable (members inside a household) */
	body.outer = subj->outer;
	ml->expanding = 1;
	ml->used++;
	c->depth++;
	const char *caller_file = c->file;
	c->file = l->file;
	ms_node *r = c->depth > MS_RULES_MAX_DEPTH
	                     ? fail(c, at, "定义嵌套过深 (definitions nested too deeply)", NULL, NULL)
	                     : check(c, l->body, &body);
	if (r) {
		c->file = caller_file;
		/* explanations show the definition by the name it was used with */
		bool is_arg = false;
		for (int i = 0; i < nargs; i++)
			is_arg |= r == checked[i];
		if (!is_arg && at->src) {
			r->src = at->src;
			r->src_len = at->src_len ? at->src_len : strlen(l->name);
		}
	}
	c->depth--;
	ml->expanding = 0;
	return r;
}

static ms_node *resolve_name(checker *c, const ms_node *n, const scope *sc)
{
	const char *name = n->name;
	for (const scope *s = sc; s; s = s->outer) {
		/* parameters of the definition being expanded come first */
		for (const frame *fr = s->fr; fr; fr = NULL)
			for (int i = 0; i < fr->let->nparams; i++)
				if (!strcmp(fr->let->params[i], name))
					return fr->args[i];
		if (s->dom == DOM_FEED) {
			const ms_feed *f = c->pack->feeds.feeds[s->feed];
			for (int i = 0; i < f->n_cols; i++) {
				if (strcmp(f->cols[i].name, name) != 0)
					continue;
				ms_node *r = mk(c, n, N_COL);
				if (!r)
					return NULL;
				r->feed = s->feed;
				r->colidx = i;
				r->dom = DOM_FEED;
				switch (f->cols[i].type) {
				case MS_COL_DATE: r->type = TY_DATE; break;
				case MS_COL_MONTH: r->type = TY_MONTH; break;
				case MS_COL_MONEY: r->type = TY_MONEY; break;
				case MS_COL_DECIMAL: r->type = TY_DEC; r->scale = f->cols[i].scale; break;
				case MS_COL_INTEGER: r->type = TY_INT; break;
				default:
					r->type = TY_TEXT;
					r->tdict = TD_COLUMN;
					r->tfeed = s->feed;
					r->tcol = i;
				}
				return r;
			}
			if (!strcmp(name, "active")) {
				if (f->n_ranges == 0)
					return fail(c, n, "数据源 %s 没有有效期（range），不能用 active (feed has no "
					            "validity range)", f->name, NULL);
				ms_node *r = mk(c, n, N_ACTIVE);
				if (!r)
					return NULL;
				r->feed = s->feed;
				r->dom = DOM_FEED;
				r->type = TY_BOOL;
				return r;
			}
			continue;
		}
		if (s->dom == DOM_PERSON) {
			for (int a = ATTR_AGE; a <= ATTR_AREA; a++) {
				if (strcmp(attr_names[a], name) != 0)
					continue;
				ms_node *r = mk(c, n, N_ATTR);
				if (!r)
					return NULL;
				r->op = a;
				r->dom = DOM_PERSON;
				static const ms_type types[] = {TY_INT, TY_DATE, TY_TEXT, TY_BOOL, TY_BOOL, TY_BOOL, TY_TEXT};
				r->type = types[a];
				if (a == ATTR_SEX)
					r->tdict = TD_SEX;
				if (a == ATTR_AREA)
					r->tdict = TD_AREAS;
				return r;
			}
		}
		if (s->dom == DOM_HOUSEHOLD && (!strcmp(name, "area") || !strcmp(name, "size"))) {
			ms_node *r = mk(c, n, N_ATTR);
			if (!r)
				return NULL;
			r->op = !strcmp(name, "area") ? ATTR_HH_AREA : ATTR_HH_SIZE;
			r->dom = DOM_HOUSEHOLD;
			r->type = r->op == ATTR_HH_AREA ? TY_TEXT : TY_INT;
			if (r->op == ATTR_HH_AREA)
				r->tdict = TD_AREAS;
			return r;
		}
		ms_let *l = find_let(c->pack, s->dom, name);
		if (l) {
			scope here = *s;
			return expand_let(c, n, l, NULL, 0, &here);
		}
	}
	return fail(c, n, "未知的名称“%s” (unknown name)", name, NULL);
}

static ms_node *check_dot(checker *c, const ms_node *n, const scope *sc)
{
	const ms_node *base = n->a;
	if (base->kind != N_NAME)
		return fail(c, n, "“.”之前应为 param、father、mother 或 household (expected param, father, "
		            "mother or household before '.')", NULL, NULL);
	const scope *subj = subject_scope(sc);
	if (!strcmp(base->name, "param")) {
		int pi = ms_pack_param_index(c->pack, n->name);
		if (pi < 0)
			return fail(c, n, "未定义的参数 param.%s（见 params.ini） (unknown parameter)", n->name,
			            NULL);
		const ms_param *p = &c->pack->params[pi];
		ms_node *r = mk(c, n, N_PARAM);
		if (!r)
			return NULL;
		r->param = pi;
		r->type = p->type;
		r->scale = p->scale;
		/* a parameter with values by area depends on the subject */
		r->dom = p->by_area ? (subj ? subj->dom : DOM_PERSON) : DOM_CONST;
		if (p->type == TY_TEXT)
			r->tdict = TD_LITERAL;
		return r;
	}
	bool father = !strcmp(base->name, "father"), mother = !strcmp(base->name, "mother");
	if (father || mother) {
		if (!subj || subj->dom != DOM_PERSON)
			return fail(c, n, "father/mother 只能用于人员 (only for persons)", NULL, NULL);
		ms_node inner = *n;
		inner.kind = N_NAME;
		scope ps = {DOM_PERSON, -1, NULL, sc->fr};
		ms_node *x = check(c, &inner, &ps);
		if (!x)
			return NULL;
		if (x->dom == DOM_FEED)
			return fail(c, n, "father.%s 需要汇总 (needs an aggregate)", n->name, NULL);
		if (x->dom == DOM_CONST)
			return x;
		ms_node *r = mk(c, n, N_PARENT);
		if (!r)
			return NULL;
		r->op = mother;
		r->a = x;
		r->type = x->type;
		r->scale = x->scale;
		copy_text(r, x);
		r->dom = DOM_PERSON;
		return r;
	}
	if (!strcmp(base->name, "household")) {
		if (!subj || subj->dom != DOM_PERSON)
			return fail(c, n, "household.X 只能用于人员 (only for persons)", NULL, NULL);
		ms_node inner = *n;
		inner.kind = N_NAME;
		scope hs = {DOM_HOUSEHOLD, -1, NULL, sc->fr};
		ms_node *x = check(c, &inner, &hs);
		if (!x)
			return NULL;
		if (x->dom == DOM_CONST)
			return x;
		ms_node *r = mk(c, n, N_HHOF);
		if (!r)
			return NULL;
		r->a = x;
		r->type = x->type;
		r->scale = x->scale;
		copy_text(r, x);
		r->dom = DOM_PERSON;
		return r;
	}
	return fail(c, n, "未知的“%s.” (unknown prefix; expected param, father, mother or household)",
	            base->name, NULL);
}

static ms_node *check_agg(checker *c, const ms_node *n, const scope *sc)
{
	const scope *subj = subject_scope(sc);
	scope inner;
	memset(&inner, 0, sizeof inner);
	inner.fr = sc->fr;
	ms_node *r = mk(c, n, N_AGG);
	if (!r)
		return NULL;
	r->op = n->op;
	if (!strcmp(n->name, "members")) {
		if (!subj || subj->dom != DOM_HOUSEHOLD)
			return fail(c, n, "members 只能用于家庭 (members only in a household rule)", NULL, NULL);
		inner.dom = DOM_PERSON;
		inner.feed = -1;
		inner.outer = subj;
		r->members = true;
		r->dom = DOM_HOUSEHOLD;
	} else {
		const ms_feed *f = ms_feed_set_find(&c->pack->feeds, n->name);
		if (!f || f->role != MS_FEED_FACTS)
			return fail(c, n, "未知的数据源“%s” (unknown feed; the registry's persons and households "
			            "are reached through members and household)", n->name, NULL);
		if (!subj || subj->dom != DOM_PERSON)
			return fail(c, n, "家庭规则里请用 members 汇总成员的数据 (in a household rule, aggregate "
			            "over members)", NULL, NULL);
		int fi = -1;
		for (int i = 0; i < c->pack->feeds.n; i++)
			if (c->pack->feeds.feeds[i] == f)
				fi = i;
		inner.dom = DOM_FEED;
		inner.feed = fi;
		inner.outer = subj;
		r->feed = fi;
		r->dom = DOM_PERSON;
	}
	if (n->b) {
		r->b = check(c, n->b, &inner);
		if (!r->b)
			return NULL;
		if (r->b->type != TY_BOOL)
			return fail(c, n->b, "where 之后应为条件（真假值） (where needs a condition)", NULL, NULL);
	}
	if (n->a) {
		r->a = check(c, n->a, &inner);
		if (!r->a)
			return NULL;
		if (r->a->type == TY_NONE && !coerce_literal(c, r->a, r->a->scale ? TY_DEC : TY_INT, r->a->scale))
			return NULL;
	}
	if (n->c) {
		r->c = check(c, n->c, &inner);
		if (!r->c)
			return NULL;
		if (r->c->type != TY_DATE && r->c->type != TY_MONTH && r->c->type != TY_INT)
			return fail(c, n->c, "by 之后应为日期、月份或整数 (by needs a date, month or whole number)",
			            NULL, NULL);
	}
	switch (n->op) {
	case AGG_ANY:
		r->type = TY_BOOL;
		break;
	case AGG_ALL:
		if (r->a->type != TY_BOOL)
			return fail(c, n->a, "all 的取值应为条件 (all needs a condition after ':')", NULL, NULL);
		r->type = TY_BOOL;
		break;
	case AGG_COUNT:
		r->type = TY_INT;
		break;
	case AGG_SUM:
		if (!numeric(r->a->type))
			return fail(c, n->a, "sum 只能加总数值 (sum needs numbers)", NULL, NULL);
		r->type = r->a->type;
		r->scale = r->a->scale;
		break;
	case AGG_MIN:
	case AGG_MAX:
		if (!numeric(r->a->type) && r->a->type != TY_DATE && r->a->type != TY_MONTH)
			return fail(c, n->a, "min/max 需要数值或日期 (min/max need numbers or dates)", NULL, NULL);
		r->type = r->a->type;
		r->scale = r->a->scale;
		break;
	case AGG_LATEST:
		if (r->a->type == TY_SET || r->a->type == TY_NONE)
			return fail(c, n->a, "latest 的取值类型不对 (latest needs a value)", NULL, NULL);
		r->type = r->a->type;
		r->scale = r->a->scale;
		copy_text(r, r->a);
		break;
	}
	return r;
}

static ms_node *check(checker *c, const ms_node *n, const scope *sc)
{
	if (!n)
		return NULL;
	if (++c->depth > 4 * MS_RULES_MAX_DEPTH) {
		c->depth--;
		return fail(c, n, "表达式嵌套过深 (nesting too deep)", NULL, NULL);
	}
	ms_node *r = NULL, *a = NULL, *b = NULL;
	switch (n->kind) {
	case N_BOOL:
		if ((r = mk(c, n, N_BOOL))) {
			r->ival = n->ival;
			r->type = TY_BOOL;
		}
		break;
	case N_NUM:
		if ((r = mk(c, n, N_NUM))) {
			r->ival = n->ival;
			r->scale = n->scale;
			r->yuan = n->yuan;
			r->type = TY_NONE; /* takes the other side's type */
			if (n->yuan && !coerce_literal(c, r, TY_MONEY, 2))
				r = NULL;
		}
		break;
	case N_STR:
		if ((r = mk(c, n, N_STR))) {
			r->str = n->str;
			r->type = TY_TEXT;
			r->tdict = TD_LITERAL;
		}
		break;
	case N_DATE:
		if ((r = mk(c, n, N_DATE))) {
			r->date = n->date;
			r->type = TY_DATE;
		}
		break;
	case N_SET:
		if ((r = mk(c, n, N_SET))) {
			r->type = TY_SET;
			r->nargs = n->nargs;
			r->args = n->args; /* strings only: shared */
		}
		break;
	case N_ASOF:
		if ((r = mk(c, n, N_ASOF)))
			r->type = TY_DATE;
		break;
	case N_NAME:
		r = resolve_name(c, n, sc);
		break;
	case N_DOT:
		r = check_dot(c, n, sc);
		break;
	case N_CALL:
		if (!strcmp(n->name, "month") && n->nargs == 1) {
			a = check(c, n->args[0], sc);
			if (!a)
				break;
			if (a->type != TY_DATE) {
				r = fail(c, n, "month() 需要日期 (month() needs a date)", NULL, NULL);
				break;
			}
			if ((r = mk(c, n, N_MONTH))) {
				r->a = a;
				r->type = TY_MONTH;
				r->dom = a->dom;
				r->feed = a->feed;
			}
		} else if (!strcmp(n->name, "ifempty") && n->nargs == 2) {
			a = check(c, n->args[0], sc);
			b = a ? check(c, n->args[1], sc) : NULL;
			if (!b)
				break;
			if (numeric(a->type) || numeric(b->type) || a->type == TY_NONE || b->type == TY_NONE) {
				if (!unify_numeric(c, a, b))
					break;
			}
			if (a->type != b->type || a->type == TY_BOOL || a->type == TY_SET ||
			    (a->type == TY_TEXT && !text_compatible(c, n, a, b))) {
				r = fail(c, n, "ifempty 的两个参数类型应相同 (both arguments need the same type)", NULL,
				         NULL);
				break;
			}
			if ((r = mk(c, n, N_IFEMPTY))) {
				r->a = a;
				r->b = b;
				r->type = a->type;
				r->scale = a->scale;
				copy_text(r, a->tdict == TD_LITERAL ? b : a);
				if (!set_dom2(c, r, a, b))
					r = NULL;
			}
		} else {
			const scope *subj = subject_scope(sc);
			ms_let *l = NULL;
			for (const scope *s = subj; s && !l; s = s->outer)
				l = find_let(c->pack, s->dom, n->name);
			if (!l) {
				r = fail(c, n, "未知的函数或定义“%s” (unknown function or definition)", n->name, NULL);
				break;
			}
			r = expand_let(c, n, l, n->args, n->nargs, sc);
		}
		break;
	case N_NOT:
		a = check(c, n->a, sc);
		if (!a)
			break;
		if (a->type != TY_BOOL) {
			r = fail(c, n, "not 之后应为条件 (not needs a condition)", NULL, NULL);
			break;
		}
		if ((r = mk(c, n, N_NOT))) {
			r->a = a;
			r->type = TY_BOOL;
			r->dom = a->dom;
			r->feed = a->feed;
		}
		break;
	case N_NEG:
		a = check(c, n->a, sc);
		if (!a)
			break;
		if (a->type == TY_NONE)
			coerce_literal(c, a, a->scale ? TY_DEC : TY_INT, a->scale);
		if (!numeric(a->type)) {
			r = fail(c, n, "负号只能用于数值 (minus needs a number)", NULL, NULL);
			break;
		}
		if ((r = mk(c, n, N_NEG))) {
			r->a = a;
			r->type = a->type;
			r->scale = a->scale;
			r->dom = a->dom;
			r->feed = a->feed;
		}
		break;
	case N_AND:
	case N_OR:
		a = check(c, n->a, sc);
		b = a ? check(c, n->b, sc) : NULL;
		if (!b)
			break;
		if (a->type != TY_BOOL || b->type != TY_BOOL) {
			r = fail(c, n, "and/or 两边都应为条件 (and/or need conditions on both sides)", NULL, NULL);
			break;
		}
		if ((r = mk(c, n, n->kind))) {
			r->a = a;
			r->b = b;
			r->type = TY_BOOL;
			if (!set_dom2(c, r, a, b))
				r = NULL;
		}
		break;
	case N_CMP:
		a = check(c, n->a, sc);
		b = a ? check(c, n->b, sc) : NULL;
		if (!b)
			break;
		if ((numeric(a->type) || a->type == TY_NONE) && (numeric(b->type) || b->type == TY_NONE)) {
			if (!unify_numeric(c, a, b))
				break;
			if (a->type == TY_DEC && b->type == TY_DEC && a->scale != b->scale) {
				r = fail(c, n, "两个小数的精度不同 (decimals of different scales)", NULL, NULL);
				break;
			}
		}
		if (a->type != b->type || a->type == TY_SET) {
			char tb[64];
			snprintf(tb, sizeof tb, "%s 与 %s", ms_type_name(a->type), ms_type_name(b->type));
			r = fail(c, n, "比较两边的类型不同：%s (the two sides have different types)", tb, NULL);
			break;
		}
		if (a->type == TY_BOOL && n->op != OP_EQ && n->op != OP_NE) {
			r = fail(c, n, "真假值只能比较 = 或 != (conditions compare only with = or !=)", NULL, NULL);
			break;
		}
		if (a->type == TY_TEXT) {
			if (n->op != OP_EQ && n->op != OP_NE) {
				r = fail(c, n, "文本只能比较 = 或 != (text compares only with = or !=)", NULL, NULL);
				break;
			}
			if (!text_compatible(c, n, a, b) || !check_enum_literal(c, a, b) ||
			    !check_enum_literal(c, b, a) || !check_enum_param(c, a, b) ||
			    !check_enum_param(c, b, a))
				break;
		}
		if ((r = mk(c, n, N_CMP))) {
			r->op = n->op;
			r->a = a;
			r->b = b;
			r->type = TY_BOOL;
			if (!set_dom2(c, r, a, b))
				r = NULL;
		}
		break;
	case N_IN:
		a = check(c, n->a, sc);
		b = a ? check(c, n->b, sc) : NULL;
		if (!b)
			break;
		if (a->type != TY_TEXT || b->type != TY_SET || b->dom != DOM_CONST) {
			r = fail(c, n, "in 的左边应为文本，右边应为集合，如 {\"摩托车\"} 或集合参数 (in needs text on "
			         "the left and a set on the right)", NULL, NULL);
			break;
		}
		if (b->kind == N_SET)
			for (int i = 0; i < b->nargs; i++)
				if (!check_enum_literal(c, a, b->args[i]))
					goto done;
		if (!check_enum_param(c, a, b))
			break;
		if ((r = mk(c, n, N_IN))) {
			r->op = n->op;
			r->a = a;
			r->b = b;
			r->type = TY_BOOL;
			r->dom = a->dom;
			r->feed = a->feed;
		}
		break;
	case N_EMPTY:
		a = check(c, n->a, sc);
		if (!a)
			break;
		if (a->type == TY_BOOL || a->type == TY_SET || a->type == TY_NONE) {
			r = fail(c, n, "is empty 只能用于列、参数或汇总的取值 (is empty needs a value)", NULL, NULL);
			break;
		}
		if ((r = mk(c, n, N_EMPTY))) {
			r->op = n->op;
			r->a = a;
			r->type = TY_BOOL;
			r->dom = a->dom;
			r->feed = a->feed;
		}
		break;
	case N_ARITH: {
		a = check(c, n->a, sc);
		b = a ? check(c, n->b, sc) : NULL;
		if (!b)
			break;
		ms_type ta = a->type, tb = b->type, t = TY_NONE;
		int scale = 0;
		int op = n->op;
		/* literals take the type their partner needs */
		if (ta == TY_NONE && tb == TY_NONE) {
			if (!unify_numeric(c, a, b))
				break;
			ta = a->type;
			tb = b->type;
		} else if (ta == TY_NONE) {
			ms_type want = (op == OP_MUL || op == OP_DIV || tb == TY_DATE || tb == TY_MONTH) ? TY_INT : tb;
			if (!coerce_literal(c, a, want, b->scale))
				break;
			ta = a->type;
		} else if (tb == TY_NONE) {
			ms_type want = (op == OP_MUL || op == OP_DIV || ta == TY_DATE || ta == TY_MONTH) ? TY_INT : ta;
			if (!coerce_literal(c, b, want, a->scale))
				break;
			tb = b->type;
		}
		if ((op == OP_ADD || op == OP_SUB) && ta == tb && numeric(ta) && a->scale == b->scale) {
			t = ta;
			scale = a->scale;
		} else if ((op == OP_ADD || op == OP_SUB) && (ta == TY_DATE || ta == TY_MONTH) && tb == TY_INT) {
			t = ta;
		} else if (op == OP_ADD && ta == TY_INT && (tb == TY_DATE || tb == TY_MONTH)) {
			t = tb;
		} else if (op == OP_SUB && ta == tb && (ta == TY_DATE || ta == TY_MONTH)) {
			t = TY_INT;
		} else if (op == OP_MUL && ((numeric(ta) && tb == TY_INT) || (ta == TY_INT && numeric(tb)))) {
			t = ta == TY_INT ? tb : ta;
			scale = ta == TY_INT ? b->scale : a->scale;
		} else if (op == OP_DIV && numeric(ta) && tb == TY_INT) {
			t = ta;
			scale = a->scale;
		}
		if (t == TY_NONE) {
			char types[64];
			snprintf(types, sizeof types, "%s 与 %s", ms_type_name(ta), ms_type_name(tb));
			r = fail(c, n, "这两种类型不能这样运算：%s (these types do not combine so)", types, NULL);
			break;
		}
		if ((r = mk(c, n, N_ARITH))) {
			r->op = op;
			r->a = a;
			r->b = b;
			r->type = t;
			r->scale = scale;
			if (!set_dom2(c, r, a, b))
				r = NULL;
		}
		break;
	}
	case N_AGG:
		r = check_agg(c, n, sc);
		break;
	default:
		r = fail(c, n, "无法识别的表达式 (unexpected expression)", NULL, NULL);
	}
done:
	c->depth--;
	return r;
}

ms_err ms_rules_check(ms_pack *pack, ms_error *err)
{
	checker c = {pack, err, 0, NULL, NULL, 0};
	for (int i = 0; i < pack->nrules; i++) {
		ms_rule *r = &pack->rules[i];
		c.nodes = 0;
		c.rule = r->id;
		c.file = r->file;
		scope sc = {r->subject, -1, NULL, NULL};
		r->cond = check(&c, r->when, &sc);
		if (!r->cond)
			return err && err->code ? err->code : MS_ERR_PACK;
		if (r->cond->type != TY_BOOL) {
			fail(&c, r->when, "规则的 when 之后应为条件（真假值） (a rule's condition must be true or "
			     "false)", NULL, NULL);
			return MS_ERR_PACK;
		}
		char want[64];
		snprintf(want, sizeof want, "deadline_days.%s", r->kind);
		if (ms_pack_param_index(pack, want) < 0)
			return ms_error_set(err, MS_ERR_PACK,
			                    "%s:%d: 规则 %s 的类型 %s 没有办理时限参数 %s (no deadline parameter for "
			                    "the rule's kind)", r->file, r->line, r->id, r->kind, want);
	}
	for (int i = 0; i < pack->nlets; i++) {
		if (pack->lets[i].used)
			continue;
		/* an unused definition is still checked, so its mistakes show */
		scope sc = {pack->lets[i].subject, -1, NULL, NULL};
		if (pack->lets[i].nparams == 0) {
			c.nodes = 0;
			c.rule = NULL;
			c.file = pack->lets[i].file;
			if (!check(&c, pack->lets[i].body, &sc))
				return err && err->code ? err->code : MS_ERR_PACK;
		}
	}
	return MS_ERR_OK;
}
