/* ruletest.h — the pack's rule tests (files NAME.test in its tests folder): small sets of facts
 * imported through the real import into a throwaway database, scanned as of
 * a date, and the hits compared with the expected ones — exactly: a hit
 * that is not expected fails the case as much as a missing one. Each case
 * also checks that the vectorised evaluator and the one-subject explainer
 * agree on every subject and rule.
 *
 * File format (UTF-8):
 *     # comment
 *     case NAME
 *     as_of 2026-06-30
 *     feed FEED           the following lines, up to the next keyword line,
 *     header,line         are a CSV file of that feed
 *     row,...
 *     expect RULE SUBJECT  a hit (identity number or household id)
 *     end
 * Keyword lines start with: case, as_of, feed, expect, end. */
#ifndef MS_MONITOR_RULETEST_H
#define MS_MONITOR_RULETEST_H

#include "base/err.h"
#include "rules/pack.h"

#include <stdio.h>

typedef struct ms_ruletest_result {
	int cases, passed, failed;
	int checks;        /* subject × rule agreements checked */
} ms_ruletest_result;

/* Runs every case of every test file of the pack (tests/NAME.test); writes one line
 * per case (and the differences of failed ones) to `report` (may be NULL).
 * Returns MS_ERR_OK when the files could be run, whatever the outcome. */
ms_err ms_ruletest_run(const ms_pack *pack, FILE *report, ms_ruletest_result *res, ms_error *err);

#endif
