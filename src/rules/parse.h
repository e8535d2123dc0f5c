/* parse.h — parses rule files into `let` definitions and rules (syntax
 * only; names and types are resolved by check.c). The grammar is written
 * above each parsing function in parse.c. */
#ifndef MS_RULES_PARSE_H
#define MS_RULES_PARSE_H

#include "base/arena.h"
#include "base/err.h"
#include "rules/ast.h"

#define MS_RULES_MAX_NODES 200000 /* per file, before definitions are substituted */
#define MS_RULES_MAX_DEPTH 64
#define MS_RULES_MAX_PARAMS 8

typedef struct ms_let {
	const char *name;
	ms_domain subject;           /* DOM_PERSON or DOM_HOUSEHOLD */
	const char *params[MS_RULES_MAX_PARAMS];
	int nparams;
	ms_node *body;
	const char *file;
	int line, col;
	int used;
	int expanding;               /* guards against a definition using itself */
} ms_let;

typedef struct ms_rule {
	const char *id;
	const char *title;
	ms_domain subject;           /* DOM_PERSON or DOM_HOUSEHOLD */
	const char *kind;
	ms_node *when;               /* as parsed; checked form in `cond` */
	ms_node *cond;
	const char *file;
	int line, col;
	const char *when_src;        /* the condition's text, for explanations */
	size_t when_len;
} ms_rule;

/* Calls back for each definition and rule of a file, in order. Strings and
 * nodes live in `arena`. */
typedef struct ms_parse_sink {
	ms_err (*let)(void *ctx, const ms_let *let, ms_error *err);
	ms_err (*rule)(void *ctx, const ms_rule *rule, ms_error *err);
	void *ctx;
} ms_parse_sink;

ms_err ms_rules_parse(const char *src, size_t len, const char *file, ms_arena *arena,
                      const ms_parse_sink *sink, ms_error *err);

/* Parses one expression (for tests and `rules check`). */
ms_err ms_rules_parse_expr(const char *src, size_t len, const char *file, ms_arena *arena,
                           ms_node **out, ms_error *err);

#endif
