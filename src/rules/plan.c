/* plan.c — compiles checked rule conditions into column operations, with
 * domain conversions made explicit (a person's value spread over its feed
 * rows, a household's value over its members) and equal operations shared. */
#include "rules/plan.h"

#include "base/mem.h"

#include <string.h>

#define PLAN_MAX_OPS 65536

typedef struct {
	ms_plan *plan;
	ms_error *err;
} compiler;

static ms_vtype vtype_of(ms_type t)
{
	switch (t) {
	case TY_BOOL: return VT_BOOL;
	case TY_DATE:
	case TY_MONTH:
	case TY_TEXT: return VT_I32;
	default: return VT_I64;
	}
}

static bool same_op(const ms_op *x, const ms_op *y)
{
	if (x->code != y->code || x->a != y->a || x->b != y->b || x->c != y->c || x->aux != y->aux ||
	    x->dom != y->dom || x->feed != y->feed || x->col != y->col || x->param != y->param ||
	    x->type != y->type || x->scale != y->scale || x->imm != y->imm || x->set != y->set ||
	    x->tdict != y->tdict || x->tfeed != y->tfeed || x->tcol != y->tcol)
		return false;
	if ((x->str == NULL) != (y->str == NULL))
		return false;
	return !x->str || strcmp(x->str, y->str) == 0;
}

/* Adds an operation, or returns the equal one already there. */
static int emit(compiler *c, const ms_op *op)
{
	ms_plan *p = c->plan;
	for (int i = 0; i < p->nops; i++)
		if (same_op(&p->ops[i], op))
			return i;
	if (p->nops >= PLAN_MAX_OPS) {
		ms_error_set(c->err, MS_ERR_PACK, "规则编译后过大 (plan too large)");
		return -1;
	}
	if (p->nops == p->cap) {
		int ncap = p->cap ? p->cap * 2 : 256;
		ms_op *n = ms_realloc(p->ops, sizeof *n * (size_t)ncap);
		if (!n) {
			ms_error_set(c->err, MS_ERR_NOMEM, NULL);
			return -1;
		}
		p->ops = n;
		p->cap = ncap;
	}
	p->ops[p->nops] = *op;
	p->ops[p->nops].last_use = -1;
	return p->nops++;
}

static ms_op blank(const ms_node *n, ms_opcode code)
{
	ms_op op;
	memset(&op, 0, sizeof op);
	op.code = code;
	op.a = op.b = op.c = -1;
	op.feed = op.col = op.param = -1;
	op.tfeed = op.tcol = -1;
	op.node = n;
	if (n) {
		op.type = n->type;
		op.scale = n->scale;
		op.vt = vtype_of(n->type);
		op.tdict = n->tdict;
		op.tfeed = n->tfeed;
		op.tcol = n->tcol;
	}
	return op;
}

/* Converts register r (of domain from) to domain `to` (feed `feed`). */
static int convert(compiler *c, int r, ms_domain to, int feed)
{
	if (r < 0)
		return r;
	const ms_op *src = &c->plan->ops[r];
	ms_domain from = src->dom;
	if (from == DOM_CONST || (from == to && (to != DOM_FEED || src->feed == feed)))
		return r;
	ms_op op = *src;
	op.a = r;
	op.b = op.c = -1;
	op.node = src->node;
	op.set = NULL;
	op.str = NULL;
	op.imm = 0;
	op.col = op.param = -1;
	op.aux = 0;
	if (from == DOM_HOUSEHOLD && (to == DOM_PERSON || to == DOM_FEED)) {
		op.code = OPC_HH_TO_PERSON;
		op.dom = DOM_PERSON;
		op.feed = -1;
		r = emit(c, &op);
		if (r < 0 || to == DOM_PERSON)
			return r;
		return convert(c, r, to, feed);
	}
	if (from == DOM_PERSON && to == DOM_FEED) {
		op.code = OPC_BCAST_OWNER;
		op.dom = DOM_FEED;
		op.feed = feed;
		return emit(c, &op);
	}
	ms_error_set(c->err, MS_ERR_INTERNAL, "cannot convert a column between these domains");
	return -1;
}

static int compile(compiler *c, const ms_node *n, ms_domain dom, int feed);

static int compile_node(compiler *c, const ms_node *n)
{
	ms_op op = blank(n, OPC_CONST);
	op.dom = n->dom;
	op.feed = n->dom == DOM_FEED ? n->feed : -1;
	switch (n->kind) {
	case N_BOOL:
		op.imm = n->ival;
		op.dom = DOM_CONST;
		return emit(c, &op);
	case N_NUM:
		op.imm = n->ival;
		op.dom = DOM_CONST;
		if (op.type == TY_NONE) { /* an uncompared literal: whole number */
			op.type = TY_INT;
			op.vt = VT_I64;
		}
		return emit(c, &op);
	case N_STR:
		op.str = n->str;
		op.dom = DOM_CONST;
		return emit(c, &op);
	case N_DATE:
		op.imm = n->date;
		op.dom = DOM_CONST;
		return emit(c, &op);
	case N_ASOF:
		op.imm = c->plan->as_of;
		op.dom = DOM_CONST;
		return emit(c, &op);
	case N_SET:
		op.set = n;
		op.dom = DOM_CONST;
		return emit(c, &op);
	case N_PARAM:
		op.code = OPC_PARAM;
		op.param = n->param;
		op.feed = -1;
		return emit(c, &op);
	case N_COL:
		op.code = OPC_COL;
		op.feed = n->feed;
		op.col = n->colidx;
		op.dom = DOM_FEED;
		return emit(c, &op);
	case N_ACTIVE:
		op.code = OPC_ACTIVE;
		op.feed = n->feed;
		op.dom = DOM_FEED;
		return emit(c, &op);
	case N_ATTR:
		op.code = OPC_ATTR;
		op.aux = n->op;
		op.feed = -1;
		return emit(c, &op);
	case N_NOT:
	case N_NEG:
	case N_MONTH:
	case N_EMPTY:
		op.code = n->kind == N_NOT ? OPC_NOT : n->kind == N_NEG ? OPC_NEG
		          : n->kind == N_MONTH ? OPC_MONTH : OPC_EMPTY;
		op.aux = n->kind == N_EMPTY ? n->op : 0;
		op.a = compile(c, n->a, n->dom, n->feed);
		return op.a < 0 ? -1 : emit(c, &op);
	case N_AND:
	case N_OR:
	case N_CMP:
	case N_ARITH:
	case N_IFEMPTY:
	case N_IN:
		op.code = n->kind == N_AND ? OPC_AND : n->kind == N_OR ? OPC_OR : n->kind == N_CMP ? OPC_CMP
		          : n->kind == N_ARITH ? OPC_ARITH : n->kind == N_IN ? OPC_IN : OPC_IFEMPTY;
		op.aux = n->op;
		op.a = compile(c, n->a, n->dom, n->feed);
		op.b = op.a < 0 ? -1 : compile(c, n->b, n->dom, n->feed);
		if (op.b < 0)
			return -1;
		/* and/or/cmp are symmetric in their operands' order only for sharing */
		return emit(c, &op);
	case N_PARENT:
		op.code = OPC_PARENT;
		op.aux = n->op;
		op.a = compile(c, n->a, DOM_PERSON, -1);
		op.dom = DOM_PERSON;
		op.feed = -1;
		return op.a < 0 ? -1 : emit(c, &op);
	case N_HHOF:
		op.code = OPC_HH_TO_PERSON;
		op.a = compile(c, n->a, DOM_HOUSEHOLD, -1);
		op.dom = DOM_PERSON;
		op.feed = -1;
		return op.a < 0 ? -1 : emit(c, &op);
	case N_AGG: {
		ms_domain inner = n->members ? DOM_PERSON : DOM_FEED;
		int ifeed = n->members ? -1 : n->feed;
		op.code = n->members ? OPC_AGG_MEMBERS : OPC_AGG_FEED;
		op.aux = n->op;
		op.feed = n->members ? -1 : n->feed;
		op.dom = n->members ? DOM_HOUSEHOLD : DOM_PERSON;
		if (n->a && (op.a = compile(c, n->a, inner, ifeed)) < 0)
			return -1;
		if (n->b && (op.b = compile(c, n->b, inner, ifeed)) < 0)
			return -1;
		if (n->c && (op.c = compile(c, n->c, inner, ifeed)) < 0)
			return -1;
		/* AGG_FEED names its feed in op.feed; the result lives in persons */
		return emit(c, &op);
	}
	default:
		ms_error_set(c->err, MS_ERR_INTERNAL, "unexpected node in a checked rule");
		return -1;
	}
}

static int compile(compiler *c, const ms_node *n, ms_domain dom, int feed)
{
	int r = compile_node(c, n);
	if (r < 0)
		return r;
	/* AGG_FEED keeps its feed in op.feed but lives in persons */
	return convert(c, r, dom, feed);
}

ms_err ms_plan_compile(const ms_pack *pack, ms_date d, ms_plan **out, ms_error *err)
{
	*out = NULL;
	ms_plan *p = ms_calloc(1, sizeof *p);
	if (!p)
		return ms_error_set(err, MS_ERR_NOMEM, NULL);
	p->pack = pack;
	p->as_of = d;
	compiler c = {p, err};
	for (int i = 0; i < pack->nrules; i++) {
		const ms_rule *r = &pack->rules[i];
		int reg = compile(&c, r->cond, r->subject, -1);
		if (reg < 0) {
			ms_plan_free(p);
			return err && err->code ? err->code : MS_ERR_INTERNAL;
		}
		p->rule_op[i] = reg;
	}
	p->nrules = pack->nrules;
	for (int i = 0; i < p->nops; i++) {
		ms_op *op = &p->ops[i];
		int in[3] = {op->a, op->b, op->c};
		for (int k = 0; k < 3; k++)
			if (in[k] >= 0)
				p->ops[in[k]].last_use = i;
	}
	/* rule results are read after the last operation */
	for (int i = 0; i < p->nrules; i++)
		p->ops[p->rule_op[i]].last_use = p->nops;
	*out = p;
	return MS_ERR_OK;
}

void ms_plan_free(ms_plan *plan)
{
	if (!plan)
		return;
	ms_free(plan->ops);
	ms_free(plan);
}

const char *ms_opcode_name(ms_opcode code)
{
	static const char *const names[] = {
		"const", "param", "load_column", "active", "attribute", "not", "and", "or", "compare",
		"arith", "negate", "in_set", "is_empty", "if_empty", "month_of", "spread_to_rows",
		"household_to_persons", "parent", "reduce_rows_to_persons", "reduce_members_to_households"};
	return (unsigned)code < sizeof names / sizeof names[0] ? names[code] : "?";
}

static const char *dom_name(const ms_plan *p, const ms_op *op, char *buf, size_t cap)
{
	switch (op->dom) {
	case DOM_CONST: return "const";
	case DOM_PERSON: return "persons";
	case DOM_HOUSEHOLD: return "households";
	case DOM_FEED:
		snprintf(buf, cap, "rows(%s)", p->pack->feeds.feeds[op->feed]->name);
		return buf;
	}
	return "?";
}

static void mark_needed(const ms_plan *p, int r, unsigned char *need)
{
	if (r < 0 || need[r])
		return;
	need[r] = 1;
	mark_needed(p, p->ops[r].a, need);
	mark_needed(p, p->ops[r].b, need);
	mark_needed(p, p->ops[r].c, need);
}

static void append_operands(char *buf, size_t cap, const ms_op *op)
{
	size_t n = strlen(buf);
	if (op->a >= 0 && n < cap)
		n += (size_t)snprintf(buf + n, cap - n, ": value r%d", op->a);
	if (op->b >= 0 && n < cap)
		n += (size_t)snprintf(buf + n, cap - n, " where r%d", op->b);
	if (op->c >= 0 && n < cap)
		snprintf(buf + n, cap - n, " by r%d", op->c);
}

void ms_plan_print(const ms_plan *plan, int rule, FILE *out)
{
	static const char *const cmp[] = {"=", "!=", "<", "<=", ">", ">="};
	static const char *const arith[] = {"+", "-", "*", "/"};
	static const char *const agg[] = {"any", "all", "count", "sum", "min", "max", "latest"};
	static const char *const attrs[] = {"age", "birth", "sex", "in_registry", "has_father",
	                                    "has_mother", "area", "area", "size"};
	unsigned char *need = ms_calloc((size_t)plan->nops + 1, 1);
	if (!need)
		return;
	mark_needed(plan, plan->rule_op[rule], need);
	const ms_pack *pk = plan->pack;
	for (int i = 0; i < plan->nops; i++) {
		if (!need[i])
			continue;
		const ms_op *op = &plan->ops[i];
		char db[96], detail[256] = "";
		switch (op->code) {
		case OPC_CONST:
			if (op->str)
				snprintf(detail, sizeof detail, "\"%s\"", op->str);
			else if (op->set)
				snprintf(detail, sizeof detail, "set of %d", op->set->nargs);
			else if (op->type == TY_DATE) {
				char ds[MS_DATE_STR];
				ms_date_format((ms_date)op->imm, ds);
				snprintf(detail, sizeof detail, "%s", ds);
			} else
				snprintf(detail, sizeof detail, "%lld", (long long)op->imm);
			break;
		case OPC_PARAM:
			snprintf(detail, sizeof detail, "param.%s", pk->params[op->param].name);
			break;
		case OPC_COL:
			snprintf(detail, sizeof detail, "%s.%s", pk->feeds.feeds[op->feed]->name,
			         pk->feeds.feeds[op->feed]->cols[op->col].name);
			break;
		case OPC_ACTIVE:
			snprintf(detail, sizeof detail, "%s", pk->feeds.feeds[op->feed]->name);
			break;
		case OPC_ATTR:
			snprintf(detail, sizeof detail, "%s", attrs[op->aux]);
			break;
		case OPC_CMP:
			snprintf(detail, sizeof detail, "r%d %s r%d", op->a, cmp[op->aux], op->b);
			break;
		case OPC_ARITH:
			snprintf(detail, sizeof detail, "r%d %s r%d", op->a, arith[op->aux], op->b);
			break;
		case OPC_AGG_FEED:
			snprintf(detail, sizeof detail, "%s over %s", agg[op->aux], pk->feeds.feeds[op->feed]->name);
			append_operands(detail, sizeof detail, op);
			break;
		case OPC_AGG_MEMBERS:
			snprintf(detail, sizeof detail, "%s over members", agg[op->aux]);
			append_operands(detail, sizeof detail, op);
			break;
		case OPC_PARENT:
			snprintf(detail, sizeof detail, "%s of r%d", op->aux ? "mother" : "father", op->a);
			break;
		default:
			if (op->b >= 0)
				snprintf(detail, sizeof detail, "r%d, r%d", op->a, op->b);
			else if (op->a >= 0)
				snprintf(detail, sizeof detail, "r%d", op->a);
		}
		fprintf(out, "r%-4d %-14s %-8s %-28s %s\n", i, dom_name(plan, op, db, sizeof db),
		        ms_type_name(op->type == TY_NONE ? TY_INT : op->type), ms_opcode_name(op->code),
		        detail);
	}
	fprintf(out, "=> r%d\n", plan->rule_op[rule]);
	ms_free(need);
}
