/* store_eval.h — the store's part of the station evaluation (SPEC §5):
 * rounds, the indicators and stations each round copied when it opened,
 * scores by source (self, third, computed), the spot-check sample and its
 * evaluators, and the figures the computed indicators measure.
 * src/station/eval*.c decides who may do what; these functions only read
 * and write rows, each through one fixed, prepared statement (slots
 * 400–463 of the store's ext table).
 *
 * Strings in rows passed to callbacks live during the callback; the round
 * getter copies its strings into the row. Points are centi-points. */
#ifndef MS_STORE_STORE_EVAL_H
#define MS_STORE_STORE_EVAL_H

#include "base/err.h"
#include "store/store.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct ms_eval_round_row {
	int64_t id;
	const char *area;
	int64_t year;
	const char *as_of; /* YYYY-MM-DD */
	const char *scheme, *scheme_title, *scheme_sha256, *pack_version;
	const char *state;                               /* open, closed */
	const char *seed, *share, *sampled, *sampled_by; /* NULL until sampled */
	const char *computed, *computed_by;              /* NULL until computed */
	const char *opened, *opened_by;
	const char *closed, *closed_by; /* NULL while open */
	char text_[2048];               /* ms_store_eval_round_get: the strings */
} ms_eval_round_row;

/* Inserts a round (state open); *id receives its id. */
ms_err ms_store_eval_round_insert(ms_store *s, const ms_eval_round_row *r, int64_t *id,
                                  ms_error *err);
/* One round; MS_ERR_NOT_FOUND (err untouched) when none. */
ms_err ms_store_eval_round_get(ms_store *s, int64_t id, ms_eval_round_row *out, ms_error *err);
/* Every round, newest first. */
ms_err ms_store_eval_rounds(ms_store *s, int (*fn)(void *ctx, const ms_eval_round_row *r),
                            void *ctx, ms_error *err);
/* The id of a round of `year` whose area contains `area` or lies inside
 * it (0 when none). */
ms_err ms_store_eval_round_overlap(ms_store *s, const char *area, int64_t year, int64_t *id,
                                   ms_error *err);
/* Records the sample's seed and share (the stations' flags are set with
 * ms_store_eval_station_sampled). */
ms_err ms_store_eval_round_sampled(ms_store *s, int64_t id, const char *seed, const char *share,
                                   const char *at, const char *actor, ms_error *err);
ms_err ms_store_eval_round_computed(ms_store *s, int64_t id, const char *at, const char *actor,
                                    ms_error *err);
/* Closes an open round; MS_ERR_CONFLICT (err untouched) when it was not open. */
ms_err ms_store_eval_round_close(ms_store *s, int64_t id, const char *at, const char *actor,
                                 ms_error *err);

typedef struct ms_eval_indicator_row {
	int64_t round_id;
	const char *area;
	int64_t ord;
	const char *id, *module;
	int64_t module_ord;
	const char *title;
	int64_t max_points;
	const char *method;                               /* manual, computed */
	const char *measure, *floor_param, *target_param; /* computed; NULL otherwise */
	bool empty_full;
} ms_eval_indicator_row;
ms_err ms_store_eval_indicator_insert(ms_store *s, const ms_eval_indicator_row *r, ms_error *err);
/* A round's indicators in scheme order. */
ms_err ms_store_eval_indicators(ms_store *s, int64_t round_id,
                                int (*fn)(void *ctx, const ms_eval_indicator_row *r), void *ctx,
                                ms_error *err);

/* Adds every station (type station) under the round's area to the round;
 * *n receives how many. */
ms_err ms_store_eval_stations_add(ms_store *s, int64_t round_id, const char *area, int64_t *n,
                                  ms_error *err);

typedef struct ms_eval_station_row {
	int64_t round_id;
	const char *station, *name;
	bool sampled;
	const char *evaluator, *assigned, *assigned_by; /* NULL when none */
	/* fixed when the round closes; -1 before */
	int64_t self_total, third_total, final_total, star;
} ms_eval_station_row;
/* A round's stations in code order. */
ms_err ms_store_eval_stations(ms_store *s, int64_t round_id,
                              int (*fn)(void *ctx, const ms_eval_station_row *r), void *ctx,
                              ms_error *err);
ms_err ms_store_eval_station_sampled(ms_store *s, int64_t round_id, const char *station,
                                     bool sampled, ms_error *err);
ms_err ms_store_eval_station_assign(ms_store *s, int64_t round_id, const char *station,
                                    const char *evaluator, const char *at, const char *actor,
                                    ms_error *err);
ms_err ms_store_eval_station_totals(ms_store *s, int64_t round_id, const char *station,
                                    int64_t self_total, int64_t third_total, int64_t final_total,
                                    int64_t star, ms_error *err);
/* The ids of the rounds with a station assigned to an evaluator. */
ms_err ms_store_eval_rounds_of_evaluator(ms_store *s, const char *evaluator,
                                         int (*fn)(void *ctx, int64_t round_id), void *ctx,
                                         ms_error *err);

typedef struct ms_eval_score_row {
	int64_t round_id;
	const char *station, *indicator;
	const char *source; /* self, third, computed */
	int64_t points;
	int64_t num, den; /* computed: the measured value num/den; 0/0 otherwise */
	bool has_value;
	const char *note, *actor, *at;
} ms_eval_score_row;
/* Writes a score, replacing the one of the same station, indicator and
 * source. */
ms_err ms_store_eval_score_put(ms_store *s, const ms_eval_score_row *r, ms_error *err);
/* A round's scores (station NULL: of every station), by station,
 * indicator, source. */
ms_err ms_store_eval_scores(ms_store *s, int64_t round_id, const char *station,
                            int (*fn)(void *ctx, const ms_eval_score_row *r), void *ctx,
                            ms_error *err);
/* How many third-party scores a station has in a round. */
ms_err ms_store_eval_third_count(ms_store *s, int64_t round_id, const char *station, int64_t *n,
                                 ms_error *err);

/* ---- what the computed indicators measure ---- */

/* One figure of one station (9 digits): a count or sum (a), and for the
 * on-time rate the alerts due (b). */
typedef enum {
	MS_EVAL_FIG_ON_TIME = 0,  /* a = verified by the due date, b = due in the period */
	MS_EVAL_FIG_PERSON_TIMES, /* a = person-times of services dated in the period */
	MS_EVAL_FIG_GRANTED,      /* a = applications granted in the period */
	MS_EVAL_FIG_STAFF,        /* a = staff recorded by the end */
	MS_EVAL_FIG_VOLUNTEERS,   /* a = volunteers recorded by the end */
	MS_EVAL_FIG_RESOURCES,    /* a = fen of resources dated in the period */
	MS_EVAL_FIG__COUNT
} ms_eval_fig;
/* Calls fn for every station under `area` that has the figure, with its
 * value, for the period [from, to]. */
ms_err ms_store_eval_figure(ms_store *s, ms_eval_fig fig, const char *area, const char *from,
                            const char *to,
                            int (*fn)(void *ctx, const char *station, int64_t a, int64_t b),
                            void *ctx, ms_error *err);
/* The households with a service file under `area` opened on or before `to`. */
ms_err ms_store_eval_files(ms_store *s, const char *area, const char *to,
                           int (*fn)(void *ctx, const char *household), void *ctx, ms_error *err);

#endif
