/* plan.h — a pack's rules compiled into one plan of column operations.
 * Every operation produces a whole column: one value per person, per
 * household, per row of a feed, or a single constant. Equal operations are
 * shared between rules (common subexpressions), so a definition such as
 * `alive` is computed once per scan whatever the number of rules using it.
 * The executor (exec.c) runs the plan over a snapshot. */
#ifndef MS_RULES_PLAN_H
#define MS_RULES_PLAN_H

#include "base/date.h"
#include "base/err.h"
#include "rules/pack.h"

#include <stdio.h>

typedef enum {
	OPC_CONST,       /* a constant: imm (numbers, dates), str (text), set */
	OPC_PARAM,       /* a parameter for every subject (by its area) or constant */
	OPC_COL,         /* a feed column */
	OPC_ACTIVE,      /* a feed row's validity range holds D */
	OPC_ATTR,        /* an attribute of persons or households */
	OPC_NOT, OPC_AND, OPC_OR,
	OPC_CMP,         /* aux = ms_cmp_op */
	OPC_ARITH,       /* aux = ms_arith_op */
	OPC_NEG,
	OPC_IN,          /* aux = 1 for not in; b = a constant set */
	OPC_EMPTY,       /* aux = 1 for is not empty */
	OPC_IFEMPTY,
	OPC_MONTH,
	OPC_BCAST_OWNER, /* person column → feed rows (each row gets its owner's value) */
	OPC_HH_TO_PERSON,/* household column → persons (each gets its household's value) */
	OPC_PARENT,      /* person column → persons: the father's (aux 0) or mother's (aux 1) */
	OPC_AGG_FEED,    /* aux = ms_agg_fn; a value, b where, c key: feed rows → persons */
	OPC_AGG_MEMBERS, /* aux = ms_agg_fn; a value, b where, c key: persons → households */
	OPC__COUNT
} ms_opcode;

typedef enum { VT_BOOL, VT_I32, VT_I64 } ms_vtype;

typedef struct ms_op {
	ms_opcode code;
	int a, b, c;          /* operand registers, -1 none */
	int aux;
	ms_domain dom;        /* domain of the result */
	int feed;             /* DOM_FEED: which feed; OPC_COL/ACTIVE/AGG_FEED: the feed */
	int col;              /* OPC_COL */
	int param;            /* OPC_PARAM */
	ms_type type;
	int scale;
	ms_vtype vt;
	int64_t imm;
	const char *str;
	const ms_node *set;   /* OPC_CONST of a literal set */
	ms_text_dict tdict;   /* text results: where the dictionary is */
	int tfeed, tcol;
	const ms_node *node;  /* the source node, for printing */
	int last_use;         /* index of the last operation that reads this result */
} ms_op;

/* The register of op i is i. */
typedef struct ms_plan {
	ms_op *ops;
	int nops, cap;
	int nrules;
	int rule_op[MS_PACK_MAX_RULES]; /* the op giving each rule's condition */
	const ms_pack *pack;
	ms_date as_of;
} ms_plan;

/* Compiles every rule of the pack for as-of date d (D is a constant). */
ms_err ms_plan_compile(const ms_pack *pack, ms_date d, ms_plan **out, ms_error *err);
void ms_plan_free(ms_plan *plan);
/* Writes the operations that rule `rule` needs, one per line. */
void ms_plan_print(const ms_plan *plan, int rule, FILE *out);
const char *ms_opcode_name(ms_opcode c);

#endif
