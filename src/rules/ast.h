/* ast.h — the syntax tree of the rule language (docs/rules.md), shared by
 * the parser, the checker, the compiler and the explainer. Nodes live in the
 * pack's arena and are freed with it. After checking, every expression node
 * carries its type and its domain (where its values live). */
#ifndef MS_RULES_AST_H
#define MS_RULES_AST_H

#include "base/date.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
	/* as parsed */
	N_BOOL,    /* ival */
	N_NUM,     /* ival scaled by 10^scale; money when yuan */
	N_STR,     /* str */
	N_DATE,    /* date */
	N_SET,     /* args: strings */
	N_ASOF,    /* D */
	N_NAME,    /* name */
	N_CALL,    /* name(args) */
	N_DOT,     /* a.name (param.X, father.X, mother.X, household.X) */
	N_NOT,     /* not a */
	N_NEG,     /* -a */
	N_AND,     /* a and b */
	N_OR,      /* a or b */
	N_CMP,     /* a op b */
	N_ARITH,   /* a op b */
	N_IN,      /* a in b; op = 1 for not in */
	N_EMPTY,   /* a is empty; op = 1 for is not empty */
	N_AGG,     /* op = agg fn; name = source; a = value, b = where, c = key */
	/* after checking */
	N_COL,     /* feed, col: a column of the current feed row */
	N_ACTIVE,  /* feed: the row's validity range holds D */
	N_ATTR,    /* op = attribute of a person or household */
	N_PARAM,   /* param: index into the pack's parameters */
	N_PARENT,  /* op = 0 father, 1 mother; a = expression for the parent */
	N_HHOF,    /* a = household expression, for the person's household */
	N_IFEMPTY, /* ifempty(a, b) */
	N_MONTH,   /* month(a) */
} ms_node_kind;

typedef enum { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE } ms_cmp_op;
typedef enum { OP_ADD, OP_SUB, OP_MUL, OP_DIV } ms_arith_op;
typedef enum { AGG_ANY, AGG_ALL, AGG_COUNT, AGG_SUM, AGG_MIN, AGG_MAX, AGG_LATEST } ms_agg_fn;
typedef enum {
	ATTR_AGE, ATTR_BIRTH, ATTR_SEX, ATTR_IN_REGISTRY, ATTR_HAS_FATHER, ATTR_HAS_MOTHER,
	ATTR_AREA,    /* person's area */
	ATTR_HH_AREA, /* household's area */
	ATTR_HH_SIZE, /* household's registry members */
} ms_attr;

typedef enum {
	TY_NONE, TY_BOOL, TY_INT, TY_MONEY, TY_DEC, TY_DATE, TY_MONTH, TY_TEXT, TY_SET
} ms_type;

typedef enum {
	DOM_CONST,     /* one value for everyone */
	DOM_PERSON,
	DOM_HOUSEHOLD,
	DOM_FEED,      /* rows of one feed (feed index in node->feed) */
} ms_domain;

/* Where a text value's dictionary comes from (bound to a snapshot at run). */
typedef enum { TD_NONE, TD_LITERAL, TD_COLUMN, TD_AREAS, TD_SEX } ms_text_dict;

typedef struct ms_node ms_node;
struct ms_node {
	ms_node_kind kind;
	int op;
	int line, col;         /* position in the source file */
	const char *file;
	const char *src;       /* source text of the node, for explanations */
	size_t src_len;
	ms_node *a, *b, *c;
	ms_node **args;
	int nargs;
	const char *name;
	const char *str;
	int64_t ival;
	int scale;             /* N_NUM: decimals; TY_DEC: scale of the value */
	bool yuan;             /* N_NUM written with 元 */
	ms_date date;
	/* after checking */
	ms_type type;
	ms_domain dom;
	int feed;              /* feed index for DOM_FEED, N_COL, N_ACTIVE, N_AGG source */
	int colidx;            /* N_COL */
	int param;             /* N_PARAM */
	bool members;          /* N_AGG over household members */
	ms_text_dict tdict;    /* TY_TEXT: where its dictionary is */
	int tfeed, tcol;       /* TD_COLUMN: which column */
	int id;                /* dense id, set by the compiler */
};

#endif
