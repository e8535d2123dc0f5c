/* explain.h — why a rule fired for one subject. Evaluates the rule's
 * checked condition for that subject alone, directly over the snapshot (no
 * plan), recording each parameter value used and every fact row that passed
 * an aggregate's filter, and the value of each top-level condition term.
 * The scan uses it for every hit; tests use it to check the vectorised
 * evaluator subject by subject (both must agree). */
#ifndef MS_RULES_EXPLAIN_H
#define MS_RULES_EXPLAIN_H

#include "base/buf.h"
#include "base/err.h"
#include "model/snapshot.h"
#include "rules/pack.h"

#include <stdbool.h>
#include <stdint.h>

#define MS_EXPLAIN_MAX_FACTS 512
#define MS_EXPLAIN_MAX_PARAMS 32
#define MS_EXPLAIN_MAX_TERMS 32

typedef struct ms_explain_fact {
	int feed;        /* index in the pack's feed set */
	uint32_t row;    /* row in the snapshot feed */
	int32_t person;  /* whose row it is */
} ms_explain_fact;

typedef struct ms_explain_param {
	int param;
	const ms_param_value *value;
} ms_explain_param;

typedef struct ms_explanation {
	bool fired;                 /* the condition's value for the subject */
	int nfacts;
	ms_explain_fact facts[MS_EXPLAIN_MAX_FACTS];
	bool facts_truncated;
	int nparams;
	ms_explain_param params[MS_EXPLAIN_MAX_PARAMS];
	int nterms;
	const ms_node *terms[MS_EXPLAIN_MAX_TERMS];
	char term_values[MS_EXPLAIN_MAX_TERMS][160];
} ms_explanation;

/* Evaluates rule `rule` of the pack for one subject (a person or household
 * index of the snapshot, by the rule's subject) as of d. */
ms_err ms_explain(const ms_pack *pack, const ms_snapshot *snap, int rule, int32_t subject,
                  ms_date d, ms_explanation *out, ms_error *err);

#endif
