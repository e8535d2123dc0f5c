/* parse.c — recursive-descent parser of the rule language with a depth
 * guard. Each function's grammar rule is the comment above it. Errors are
 * reported once, as file:line:column, saying what was expected. */
#include "rules/parse.h"

#include "rules/lex.h"

#include <stdio.h>
#include <string.h>

typedef struct {
	ms_lexer lx;
	ms_token tok;  /* current */
	ms_token prev; /* last consumed */
	ms_arena *arena;
	ms_error *err;
	int depth;
	long nodes;
	bool failed;
} parser;

static void advance(parser *p)
{
	p->prev = p->tok;
	p->tok = ms_lex_next(&p->lx);
	if (p->tok.kind == TK_ERROR)
		p->failed = true;
}

static const char *tok_text(const ms_token *t, char *buf, size_t cap)
{
	if (t->kind == TK_EOF)
		return "文件结尾 (end of file)";
	size_t n = t->len < cap - 1 ? t->len : cap - 1;
	memcpy(buf, t->p, n);
	buf[n] = '\0';
	return buf;
}

static void syntax_error(parser *p, const char *expected)
{
	if (p->failed)
		return;
	char buf[64];
	ms_error_set(p->err, MS_ERR_PACK, "%s:%d:%d: 应为 %s，却是“%s” (expected %s)", p->lx.file,
	             p->tok.line, p->tok.col, expected, tok_text(&p->tok, buf, sizeof buf), expected);
	p->failed = true;
}

static ms_node *node(parser *p, ms_node_kind kind, const ms_token *at)
{
	if (p->failed)
		return NULL;
	if (++p->nodes > MS_RULES_MAX_NODES) {
		ms_error_set(p->err, MS_ERR_PACK, "%s:%d: 规则文件过大 (too many expression nodes)",
		             p->lx.file, at->line);
		p->failed = true;
		return NULL;
	}
	ms_node *n = ms_arena_zalloc(p->arena, sizeof *n);
	if (!n) {
		ms_error_set(p->err, MS_ERR_NOMEM, NULL);
		p->failed = true;
		return NULL;
	}
	n->kind = kind;
	n->line = at->line;
	n->col = at->col;
	n->file = p->lx.file;
	n->src = at->p;
	n->feed = n->colidx = n->param = -1;
	return n;
}

/* the source span of a node: from its first token to the last consumed */
static void span(parser *p, ms_node *n, const char *start)
{
	if (!n || !p->prev.p)
		return;
	n->src = start;
	const char *end = p->prev.p + p->prev.len + (p->prev.kind == TK_STRING ? 1 : 0);
	n->src_len = end > start ? (size_t)(end - start) : 0;
}

static char *tok_dup(parser *p, const ms_token *t)
{
	char *s = ms_arena_strndup(p->arena, t->p, t->len);
	if (!s) {
		ms_error_set(p->err, MS_ERR_NOMEM, NULL);
		p->failed = true;
	}
	return s;
}

static bool accept(parser *p, ms_tok_kind k)
{
	if (p->tok.kind == k) {
		advance(p);
		return true;
	}
	return false;
}

static bool accept_word(parser *p, const char *w)
{
	if (ms_tok_is(&p->tok, w)) {
		advance(p);
		return true;
	}
	return false;
}

static bool expect(parser *p, ms_tok_kind k, const char *what)
{
	if (accept(p, k))
		return true;
	syntax_error(p, what);
	return false;
}

static const char *const keywords[] = {"rule", "let",  "when", "end",   "subject", "kind",
                                       "and",  "or",   "not",  "in",    "is",      "empty",
                                       "where", "by",  "true", "false", "D"};

static bool is_keyword(const ms_token *t)
{
	for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++)
		if (ms_tok_is(t, keywords[i]))
			return true;
	return false;
}

static ms_node *expr(parser *p);

static bool enter(parser *p)
{
	if (++p->depth > MS_RULES_MAX_DEPTH) {
		ms_error_set(p->err, MS_ERR_PACK, "%s:%d:%d: 表达式嵌套过深（最多 %d 层） (nesting too deep)",
		             p->lx.file, p->tok.line, p->tok.col, MS_RULES_MAX_DEPTH);
		p->failed = true;
		return false;
	}
	return true;
}

static const char *const agg_names[] = {"any", "all", "count", "sum", "min", "max", "latest"};

/* agg := AGGFN '(' source [':' expr] ['by' expr] ['where' expr] ')'
 * source := IDENT (a feed name or members) */
static ms_node *aggregate(parser *p, int fn, const ms_token *at)
{
	ms_node *n = node(p, N_AGG, at);
	if (!n)
		return NULL;
	n->op = fn;
	if (!expect(p, TK_LPAREN, "("))
		return NULL;
	if (p->tok.kind != TK_IDENT || is_keyword(&p->tok)) {
		syntax_error(p, "数据源名称或 members (a feed name or members)");
		return NULL;
	}
	n->name = tok_dup(p, &p->tok);
	advance(p);
	if (accept(p, TK_COLON))
		n->a = expr(p);
	if (accept_word(p, "by"))
		n->c = expr(p);
	if (accept_word(p, "where"))
		n->b = expr(p);
	if (p->failed || !expect(p, TK_RPAREN, ")"))
		return NULL;
	bool needs_value = fn == AGG_SUM || fn == AGG_MIN || fn == AGG_MAX || fn == AGG_LATEST ||
	                   fn == AGG_ALL;
	if (needs_value && !n->a) {
		ms_error_set(p->err, MS_ERR_PACK, "%s:%d:%d: %s 需要用“:”给出取值，如 sum(数据源: 列名) "
		             "(%s needs a value after ':')", p->lx.file, at->line, at->col, agg_names[fn],
		             agg_names[fn]);
		p->failed = true;
		return NULL;
	}
	if (!needs_value && n->a) {
		ms_error_set(p->err, MS_ERR_PACK, "%s:%d:%d: %s 不取值，条件请写在 where 之后 (%s takes no "
		             "value; put the condition after where)", p->lx.file, at->line, at->col,
		             agg_names[fn], agg_names[fn]);
		p->failed = true;
		return NULL;
	}
	if ((fn == AGG_LATEST) != (n->c != NULL)) {
		ms_error_set(p->err, MS_ERR_PACK, "%s:%d:%d: latest 需要 by 排序键，其他汇总不用 by "
		             "(latest needs 'by KEY'; other aggregates take no 'by')",
		             p->lx.file, at->line, at->col);
		p->failed = true;
		return NULL;
	}
	return n;
}

/* primary := NUMBER ['元'] | STRING | DATE | 'true' | 'false' | 'D'
 *          | '{' [STRING {',' STRING}] '}' | '(' expr ')' | agg
 *          | IDENT ['(' [expr {',' expr}] ')'] */
static ms_node *primary(parser *p)
{
	ms_token t = p->tok;
	ms_node *n = NULL;
	switch (t.kind) {
	case TK_NUMBER:
		advance(p);
		n = node(p, N_NUM, &t);
		if (!n)
			return NULL;
		n->ival = t.ival;
		n->scale = t.scale;
		if (accept_word(p, "元"))
			n->yuan = true;
		return n;
	case TK_STRING:
		advance(p);
		n = node(p, N_STR, &t);
		if (n)
			n->str = tok_dup(p, &t);
		return n;
	case TK_DATE:
		advance(p);
		n = node(p, N_DATE, &t);
		if (n)
			n->date = t.date;
		return n;
	case TK_LPAREN:
		advance(p);
		n = expr(p);
		expect(p, TK_RPAREN, ")");
		return n;
	case TK_LBRACE: {
		advance(p);
		n = node(p, N_SET, &t);
		if (!n)
			return NULL;
		ms_node *items[256];
		int k = 0;
		if (p->tok.kind != TK_RBRACE) {
			do {
				if (p->tok.kind != TK_STRING) {
					syntax_error(p, "字符串 (a string)");
					return NULL;
				}
				if (k == 256) {
					syntax_error(p, "}（集合最多 256 项） (} — at most 256 items)");
					return NULL;
				}
				items[k] = node(p, N_STR, &p->tok);
				if (!items[k])
					return NULL;
				items[k]->str = tok_dup(p, &p->tok);
				k++;
				advance(p);
			} while (accept(p, TK_COMMA));
		}
		if (!expect(p, TK_RBRACE, "}"))
			return NULL;
		n->nargs = k;
		n->args = ms_arena_alloc(p->arena, sizeof(ms_node *) * (size_t)(k ? k : 1));
		if (!n->args)
			return NULL;
		memcpy(n->args, items, sizeof(ms_node *) * (size_t)k);
		return n;
	}
	case TK_IDENT:
		if (ms_tok_is(&t, "true") || ms_tok_is(&t, "false")) {
			advance(p);
			n = node(p, N_BOOL, &t);
			if (n)
				n->ival = ms_tok_is(&t, "true");
			return n;
		}
		if (ms_tok_is(&t, "D")) {
			advance(p);
			return node(p, N_ASOF, &t);
		}
		if (is_keyword(&t))
			break;
		advance(p);
		for (int i = 0; i < (int)(sizeof agg_names / sizeof agg_names[0]); i++)
			if (ms_tok_is(&t, agg_names[i]) && p->tok.kind == TK_LPAREN)
				return aggregate(p, i, &t);
		if (p->tok.kind == TK_LPAREN) {
			advance(p);
			n = node(p, N_CALL, &t);
			if (!n)
				return NULL;
			n->name = tok_dup(p, &t);
			ms_node *args[MS_RULES_MAX_PARAMS];
			int k = 0;
			if (p->tok.kind != TK_RPAREN) {
				do {
					if (k == MS_RULES_MAX_PARAMS) {
						syntax_error(p, ")（参数最多 8 个） () — at most 8 arguments)");
						return NULL;
					}
					args[k++] = expr(p);
					if (p->failed)
						return NULL;
				} while (accept(p, TK_COMMA));
			}
			if (!expect(p, TK_RPAREN, ")"))
				return NULL;
			n->nargs = k;
			n->args = ms_arena_alloc(p->arena, sizeof(ms_node *) * (size_t)(k ? k : 1));
			if (!n->args)
				return NULL;
			memcpy(n->args, args, sizeof(ms_node *) * (size_t)k);
			return n;
		}
		n = node(p, N_NAME, &t);
		if (n)
			n->name = tok_dup(p, &t);
		return n;
	default:
		break;
	}
	syntax_error(p, "表达式 (an expression)");
	return NULL;
}

/* postfix := primary { '.' IDENT } */
static ms_node *postfix(parser *p)
{
	const char *start = p->tok.p;
	ms_node *n = primary(p);
	while (n && !p->failed && p->tok.kind == TK_DOT) {
		ms_token at = p->tok;
		advance(p);
		if (p->tok.kind != TK_IDENT) {
			syntax_error(p, "“.”后的名称 (a name after '.')");
			return NULL;
		}
		ms_node *d = node(p, N_DOT, &at);
		if (!d)
			return NULL;
		d->a = n;
		d->name = tok_dup(p, &p->tok);
		d->line = n->line;
		d->col = n->col;
		advance(p);
		n = d;
	}
	span(p, n, start);
	return n;
}

/* Binary operators, by precedence climbing over a {left, right} priority
 * table: an operator binds when its left priority is above the current
 * limit, and its right operand is parsed with its right priority as the
 * limit (left = right: left-associative). Loosest first: or; and; not;
 * comparisons (not chained); + -; * /; unary minus. */
enum { PRI_NOT = 3, PRI_UNARY = 7 };

typedef enum { BIN_NONE, BIN_OR, BIN_AND, BIN_CMP, BIN_IN, BIN_NOT_IN, BIN_IS, BIN_ADD, BIN_MUL } bin_kind;

static const struct {
	int left, right;
} priority[] = {
	[BIN_NONE] = {0, 0}, [BIN_OR] = {1, 1},     [BIN_AND] = {2, 2}, [BIN_CMP] = {4, 4},
	[BIN_IN] = {4, 4},   [BIN_NOT_IN] = {4, 4}, [BIN_IS] = {4, 4},  [BIN_ADD] = {5, 5},
	[BIN_MUL] = {6, 6},
};

/* the binary operator at the current token, with its node op */
static bin_kind binop(const parser *p, int *op)
{
	const ms_token *t = &p->tok;
	switch (t->kind) {
	case TK_EQ: *op = OP_EQ; return BIN_CMP;
	case TK_NE: *op = OP_NE; return BIN_CMP;
	case TK_LT: *op = OP_LT; return BIN_CMP;
	case TK_LE: *op = OP_LE; return BIN_CMP;
	case TK_GT: *op = OP_GT; return BIN_CMP;
	case TK_GE: *op = OP_GE; return BIN_CMP;
	case TK_PLUS: *op = OP_ADD; return BIN_ADD;
	case TK_MINUS: *op = OP_SUB; return BIN_ADD;
	case TK_STAR: *op = OP_MUL; return BIN_MUL;
	case TK_SLASH: *op = OP_DIV; return BIN_MUL;
	default: break;
	}
	*op = 0;
	if (ms_tok_is(t, "or"))
		return BIN_OR;
	if (ms_tok_is(t, "and"))
		return BIN_AND;
	if (ms_tok_is(t, "in"))
		return BIN_IN;
	if (ms_tok_is(t, "not"))
		return BIN_NOT_IN; /* only `not in` may follow an operand */
	if (ms_tok_is(t, "is"))
		return BIN_IS;
	return BIN_NONE;
}

/* subexpr := ('not' subexpr | '-' subexpr | postfix) { binop subexpr }
 * binop := 'or' | 'and' | '=' | '!=' | '<' | '<=' | '>' | '>=' | ['not'] 'in'
 *        | 'is' ['not'] 'empty' (no right operand) | '+' | '-' | '*' | '/' */
static ms_node *subexpr(parser *p, int limit)
{
	if (!enter(p))
		return NULL;
	const char *start = p->tok.p;
	ms_node *left;
	if (ms_tok_is(&p->tok, "not") || p->tok.kind == TK_MINUS) {
		ms_token t = p->tok;
		bool is_not = t.kind != TK_MINUS;
		advance(p);
		left = node(p, is_not ? N_NOT : N_NEG, &t);
		if (left)
			left->a = subexpr(p, is_not ? PRI_NOT : PRI_UNARY);
		span(p, left, start);
	} else {
		left = postfix(p);
	}
	int op;
	bin_kind k;
	bool compared = false;
	while (left && !p->failed && (k = binop(p, &op)) != BIN_NONE && priority[k].left > limit) {
		bool comparison = k == BIN_CMP || k == BIN_IN || k == BIN_NOT_IN || k == BIN_IS;
		if (comparison && compared) {
			syntax_error(p, "and 或 or（比较不能连写，如 a < b < c） (and/or: comparisons do not chain)");
			break;
		}
		compared |= comparison;
		ms_token t = p->tok;
		advance(p);
		ms_node *b = NULL;
		switch (k) {
		case BIN_OR: b = node(p, N_OR, &t); break;
		case BIN_AND: b = node(p, N_AND, &t); break;
		case BIN_CMP:
			b = node(p, N_CMP, &t);
			break;
		case BIN_ADD:
		case BIN_MUL: b = node(p, N_ARITH, &t); break;
		case BIN_IN: b = node(p, N_IN, &t); break;
		case BIN_NOT_IN:
			if (!accept_word(p, "in")) {
				syntax_error(p, "in（not 之后） (in after not)");
				break;
			}
			b = node(p, N_IN, &t);
			if (b)
				b->op = 1;
			break;
		case BIN_IS:
			b = node(p, N_EMPTY, &t);
			if (b)
				b->op = accept_word(p, "not") ? 1 : 0;
			if (!accept_word(p, "empty")) {
				syntax_error(p, "empty");
				b = NULL;
			}
			break;
		default: break;
		}
		if (!b)
			break;
		if (k == BIN_CMP || k == BIN_ADD || k == BIN_MUL)
			b->op = op;
		b->a = left;
		if (k != BIN_IS)
			b->b = subexpr(p, priority[k].right);
		b->line = left->line;
		b->col = left->col;
		span(p, b, start);
		left = b;
	}
	p->depth--;
	return p->failed ? NULL : left;
}

/* expr := subexpr with no limit */
static ms_node *expr(parser *p) { return subexpr(p, 0); }

static bool subject_word(parser *p, ms_domain *out)
{
	if (accept_word(p, "person")) {
		*out = DOM_PERSON;
		return true;
	}
	if (accept_word(p, "household")) {
		*out = DOM_HOUSEHOLD;
		return true;
	}
	syntax_error(p, "person 或 household");
	return false;
}

/* let := 'let' ('person' | 'household') '.' IDENT ['(' IDENT {',' IDENT} ')'] '=' expr */
static ms_err parse_let(parser *p, const ms_parse_sink *sink)
{
	ms_let l;
	memset(&l, 0, sizeof l);
	l.file = p->lx.file;
	l.line = p->tok.line;
	l.col = p->tok.col;
	advance(p); /* let */
	if (!subject_word(p, &l.subject) || !expect(p, TK_DOT, "."))
		return MS_ERR_PACK;
	if (p->tok.kind != TK_IDENT || is_keyword(&p->tok)) {
		syntax_error(p, "定义的名称 (a name for the definition)");
		return MS_ERR_PACK;
	}
	l.name = tok_dup(p, &p->tok);
	advance(p);
	if (accept(p, TK_LPAREN)) {
		do {
			if (p->tok.kind != TK_IDENT || is_keyword(&p->tok) || l.nparams == MS_RULES_MAX_PARAMS) {
				syntax_error(p, "参数名（最多 8 个） (a parameter name, at most 8)");
				return MS_ERR_PACK;
			}
			l.params[l.nparams++] = tok_dup(p, &p->tok);
			advance(p);
		} while (accept(p, TK_COMMA));
		if (!expect(p, TK_RPAREN, ")"))
			return MS_ERR_PACK;
	}
	if (!expect(p, TK_EQ, "="))
		return MS_ERR_PACK;
	l.body = expr(p);
	if (p->failed || !l.body)
		return MS_ERR_PACK;
	return sink->let(sink->ctx, &l, p->err);
}

/* rule := 'rule' IDENT [STRING] { 'subject' ('person'|'household') | 'kind' IDENT }
 *         'when' expr 'end' */
static ms_err parse_rule(parser *p, const ms_parse_sink *sink)
{
	ms_rule r;
	memset(&r, 0, sizeof r);
	r.file = p->lx.file;
	r.line = p->tok.line;
	r.col = p->tok.col;
	r.subject = DOM_CONST;
	advance(p); /* rule */
	if (p->tok.kind != TK_IDENT || is_keyword(&p->tok)) {
		syntax_error(p, "规则编号 (a rule id)");
		return MS_ERR_PACK;
	}
	r.id = tok_dup(p, &p->tok);
	advance(p);
	if (p->tok.kind == TK_STRING) {
		r.title = tok_dup(p, &p->tok);
		advance(p);
	}
	for (;;) {
		if (accept_word(p, "subject")) {
			if (!subject_word(p, &r.subject))
				return MS_ERR_PACK;
		} else if (accept_word(p, "kind")) {
			if (p->tok.kind != TK_IDENT) {
				syntax_error(p, "预警类型 (an alert kind)");
				return MS_ERR_PACK;
			}
			r.kind = tok_dup(p, &p->tok);
			advance(p);
		} else {
			break;
		}
	}
	if (!accept_word(p, "when")) {
		syntax_error(p, "subject、kind 或 when");
		return MS_ERR_PACK;
	}
	const char *start = p->tok.p;
	r.when = expr(p);
	if (p->failed || !r.when)
		return MS_ERR_PACK;
	r.when_src = start;
	r.when_len = (size_t)(p->prev.p + p->prev.len - start) + (p->prev.kind == TK_STRING ? 1 : 0);
	if (!accept_word(p, "end")) {
		syntax_error(p, "end（规则结束） (end of the rule)");
		return MS_ERR_PACK;
	}
	if (r.subject == DOM_CONST) {
		ms_error_set(p->err, MS_ERR_PACK, "%s:%d:%d: 规则 %s 缺少 subject person|household "
		             "(rule %s needs a subject)", r.file, r.line, r.col, r.id, r.id);
		return MS_ERR_PACK;
	}
	if (!r.kind) {
		ms_error_set(p->err, MS_ERR_PACK, "%s:%d:%d: 规则 %s 缺少 kind (rule %s needs a kind)",
		             r.file, r.line, r.col, r.id, r.id);
		return MS_ERR_PACK;
	}
	return sink->rule(sink->ctx, &r, p->err);
}

ms_err ms_rules_parse(const char *src, size_t len, const char *file, ms_arena *arena,
                      const ms_parse_sink *sink, ms_error *err)
{
	parser p;
	memset(&p, 0, sizeof p);
	p.arena = arena;
	p.err = err;
	ms_lex_init(&p.lx, src, len, file, err);
	advance(&p);
	while (!p.failed && p.tok.kind != TK_EOF) {
		ms_err rc;
		if (ms_tok_is(&p.tok, "let"))
			rc = parse_let(&p, sink);
		else if (ms_tok_is(&p.tok, "rule"))
			rc = parse_rule(&p, sink);
		else {
			syntax_error(&p, "let 或 rule");
			rc = MS_ERR_PACK;
		}
		if (rc)
			return err && err->code ? err->code : rc;
	}
	return p.failed ? (err && err->code ? err->code : MS_ERR_PACK) : MS_ERR_OK;
}

ms_err ms_rules_parse_expr(const char *src, size_t len, const char *file, ms_arena *arena,
                           ms_node **out, ms_error *err)
{
	parser p;
	memset(&p, 0, sizeof p);
	p.arena = arena;
	p.err = err;
	ms_lex_init(&p.lx, src, len, file, err);
	advance(&p);
	*out = p.failed ? NULL : expr(&p);
	if (!p.failed && p.tok.kind != TK_EOF)
		syntax_error(&p, "表达式结尾 (end of the expression)");
	return p.failed ? (err && err->code ? err->code : MS_ERR_PACK) : MS_ERR_OK;
}
