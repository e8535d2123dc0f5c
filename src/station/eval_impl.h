/* eval_impl.h — what the files of the station evaluation share. Only
 * src/station includes it. */
#ifndef MS_STATION_EVAL_IMPL_H
#define MS_STATION_EVAL_IMPL_H

#include "station/eval.h"

/* Measures the computed indicators of every station of round r (loaded,
 * checked open and manageable by actor) and writes their scores in one
 * write transaction that checks again that the round is open. */
ms_err eval_compute_scores(ms_store *s, const ms_pack *pack, ms_eval_round *r, const char *actor,
                           int64_t *nscores, ms_error *err);

#endif
