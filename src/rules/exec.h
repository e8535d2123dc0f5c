/* exec.h — runs a compiled plan over a snapshot: every operation over whole
 * columns, each split between two threads, intermediate columns freed as
 * soon as no later operation reads them. The result is, for each rule, the
 * subjects (person or household indexes of the snapshot) it fires for. */
#ifndef MS_RULES_EXEC_H
#define MS_RULES_EXEC_H

#include "base/err.h"
#include "model/snapshot.h"
#include "rules/plan.h"

#include <stddef.h>
#include <stdint.h>

typedef struct ms_rule_hits {
	int nrules;
	int32_t *subjects[MS_PACK_MAX_RULES]; /* ascending snapshot indexes */
	size_t n[MS_PACK_MAX_RULES];
	double seconds;                       /* wall time of the run */
	size_t peak_bytes;                    /* most bytes of columns held at once */
} ms_rule_hits;

/* Runs every rule of the plan. Persons born after the as-of date are not
 * subjects. A parameter without a value in force for some subject's area
 * stops the run with an error naming the parameter and the area. */
ms_err ms_plan_run(const ms_plan *plan, const ms_snapshot *snap, ms_rule_hits *out, ms_error *err);
void ms_rule_hits_free(ms_rule_hits *h);

/* Sets how many threads runs use (1 or 2; default 2). */
void ms_exec_set_threads(int n);

#endif
