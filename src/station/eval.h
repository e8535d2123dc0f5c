/* eval.h — the station evaluation (SPEC §5): a 1000-point scheme of six
 * modules read from the policy pack, a round per area and year, the
 * stations' self-assessment, indicators the system computes from its own
 * data, a reproducible spot-check sample scored by third-party evaluators,
 * final scores, star ratings, rankings and reports (JSON and Excel). The
 * command line and the HTTP API call these; neither decides anything.
 *
 * Rules kept here (docs/evaluation.md has the details):
 *  1. Who may (SPEC §1): an admin everything in its scope; an officer
 *     opens, computes, samples, assigns and closes rounds of areas its scope
 *     covers, reads them and enters self-assessments on a station's behalf,
 *     but never third-party scores; a station head reads the rounds of its
 *     station and self-assesses it; an evaluator reads and scores only the
 *     stations assigned to it (no personal data is ever part of a round);
 *     workers, uploaders and auditors nothing. A round or station the actor
 *     may not see is "not found"; one it sees but may not change is
 *     "forbidden". actor NULL is the server's operator, who may read
 *     everything and change nothing (changes need a named user).
 *  2. Points are centi-points (int64): 1000 points = 100000. A scheme
 *     totals exactly 1000 points.
 *  3. A round copies the scheme's indicators and the stations under its
 *     area when it opens; its date (as_of) fixes what computed indicators
 *     measure: the period [1 January of the year, as_of]. Computed scores
 *     may be computed again until the round closes.
 *  4. Self and third-party scores are given for manual indicators only;
 *     computed indicators count the same in both totals.
 *  5. Final score: the third-party total for a station checked (drawn and
 *     scored on every manual indicator), else its self-assessment total.
 *     A round closes only when every drawn station is checked. */
#ifndef MS_STATION_EVAL_H
#define MS_STATION_EVAL_H

#include "base/arena.h"
#include "base/date.h"
#include "base/err.h"
#include "rules/pack.h"
#include "store/store.h"
#include "store/store_eval.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MS_EVAL_TOTAL 100000 /* centi-points of a scheme: exactly 1000 points */
#define MS_EVAL_MAX_MODULES 16
#define MS_EVAL_MAX_INDICATORS 200
#define MS_EVAL_ID_MAX 16     /* bytes of an indicator id */
#define MS_EVAL_NAME_MAX 40   /* bytes of a scheme name */
#define MS_EVAL_TITLE_MAX 300 /* bytes of a title */
#define MS_EVAL_NOTE_MAX 2000 /* bytes of an evidence note or comment */
#define MS_EVAL_SEED_MAX 64   /* bytes of a sample seed */
#define MS_EVAL_SCHEME_FILE_MAX (256 * 1024)
#define MS_EVAL_MAX_STATIONS 100000 /* stations of one round */

/* What a computed indicator measures at a station over a round's period
 * [1 January, as_of] (docs/evaluation.md gives the exact definitions). */
typedef enum {
	MS_EVAL_M_NONE = 0,
	MS_EVAL_M_ON_TIME_RATE,            /* alerts verified by their due date ÷ alerts due */
	MS_EVAL_M_FILE_COVERAGE,           /* low-income households with a file ÷ all of them */
	MS_EVAL_M_PERSON_TIMES_PER_WORKER, /* service person-times ÷ staff */
	MS_EVAL_M_APPLICATIONS_GRANTED,    /* applications helped that were granted */
	MS_EVAL_M_VOLUNTEERS,              /* volunteers recorded */
	MS_EVAL_M_RESOURCES_YUAN,          /* charitable resources linked, yuan */
	MS_EVAL_M__COUNT
} ms_eval_measure;

/* The measure's code (on_time_rate, …) and label; parse gives M_NONE for
 * an unknown code. */
ms_eval_measure ms_eval_measure_parse(const char *code);
const char *ms_eval_measure_code(ms_eval_measure m);
const char *ms_eval_measure_label(ms_eval_measure m, bool english);

/* ---- the scheme (eval_scheme.c) ---- */

typedef struct ms_eval_module {
	const char *name;
	int64_t points;   /* sum of its indicators */
	int64_t declared; /* `points =` of the section; -1 when not given */
	int line;
} ms_eval_module;

typedef struct ms_eval_indicator {
	const char *id;
	int module; /* index into modules */
	const char *title, *guide;
	int64_t points; /* maximum, centi-points */
	bool computed;
	ms_eval_measure measure;
	const char *floor_param, *target_param; /* parameter names of the pack */
	bool empty_full;                        /* nothing to measure: full points (else zero) */
	int line;                               /* of the section's header */
} ms_eval_indicator;

typedef struct ms_eval_scheme {
	const char *name, *title, *source, *path;
	char sha256[65]; /* of the file's bytes */
	ms_eval_module modules[MS_EVAL_MAX_MODULES];
	int nmodules;
	ms_eval_indicator indicators[MS_EVAL_MAX_INDICATORS];
	int nindicators;
	int64_t total;
	ms_arena arena;
} ms_eval_scheme;

/* Reads and checks a scheme file: sections, keys and values, indicator ids
 * unique, every indicator in a declared module, a module's declared points
 * equal to its indicators' sum, measures known and their floor and target
 * parameters numeric parameters of the pack (pack may be NULL to skip that
 * check), and the points totalling exactly 1000. Every refusal names the
 * file and the line (MS_ERR_PACK). name is the scheme's name (the file's
 * base name when NULL). */
ms_err ms_eval_scheme_parse(const ms_pack *pack, const char *path, const char *name,
                            ms_eval_scheme **out, ms_error *err);
/* The scheme `name` of the pack (evaluation/NAME.ini); name NULL: the one
 * the pack's parameter evaluation.scheme names for `area` at `d`. */
ms_err ms_eval_scheme_load(const ms_pack *pack, const char *name, const char *area, ms_date d,
                           ms_eval_scheme **out, ms_error *err);
void ms_eval_scheme_free(ms_eval_scheme *sc);
json_t *ms_eval_scheme_json(const ms_eval_scheme *sc);

/* ---- arithmetic (eval_rules.c): pure, exact ---- */

/* A value as num/den (den > 0). */
typedef struct ms_eval_q {
	int64_t num, den;
} ms_eval_q;

/* max × clamp((v − floor) ÷ (target − floor), 0, 1), rounded half up to a
 * centi-point. target must be above floor (else -1). */
int64_t ms_eval_linear(int64_t max, ms_eval_q v, ms_eval_q floor, ms_eval_q target);
/* The star of a total (centi-points) for bands[0..2] = the lowest totals
 * of 5, 4 and 3 stars (centi-points): 5, 4, 3, or 0 (no star). */
int ms_eval_star(int64_t total, const int64_t bands[3]);
/* Stations drawn of a city with n stations at share num/den: n × share
 * rounded half up, at least 1 (when n > 0), at most n. */
size_t ms_eval_sample_size(size_t n, int64_t share_num, int64_t share_den);
/* The sample: codes[0..n) are 9-digit station codes; drawn[i] is set for
 * the stations drawn. Within each city (the first 4 digits), stations are
 * ordered by SHA-256(seed ‖ "\n" ‖ code) and the first
 * ms_eval_sample_size of them are drawn. The same seed and stations give
 * the same sample, in any order of codes. */
ms_err ms_eval_draw(const char *seed, const char *const *codes, size_t n, int64_t share_num,
                    int64_t share_den, bool *drawn, ms_error *err);
/* The final total of a station: third when checked, else self. */
int64_t ms_eval_final(bool checked, int64_t self_total, int64_t third_total);
/* Parses points "37", "37.5", "37.25" into centi-points (0 … 100000);
 * false when malformed. */
bool ms_eval_points_parse(const char *text, int64_t *out);
/* Writes points as "37", "37.5" or "37.25". */
#define MS_EVAL_POINTS_STR 24
void ms_eval_points_format(int64_t centi, char out[MS_EVAL_POINTS_STR]);
/* A numeric parameter (int, money in yuan, decimal) of the pack for an area
 * at a date, as a fraction; false when the parameter is missing, has no
 * value there or is not numeric. */
bool ms_eval_param_q(const ms_pack *pack, const char *name, const char *area, ms_date d,
                     ms_eval_q *out);

/* ---- who may (eval_rules.c) ---- */

typedef enum {
	MS_EVAL_DO_OPEN = 0,     /* open a round for an area */
	MS_EVAL_DO_MANAGE,       /* compute, sample, assign, close a round */
	MS_EVAL_DO_READ_ROUND,   /* see a round */
	MS_EVAL_DO_READ_STATION, /* see a station's sheet in a round */
	MS_EVAL_DO_SELF,         /* enter a station's self-assessment */
	MS_EVAL_DO_THIRD,        /* enter a station's third-party scores */
} ms_eval_action;

/* The pure role check behind every function below, for a user (role,
 * scope, station) acting on a round's area and, where the action concerns
 * one, a station; `assigned` is the station's evaluator (NULL when none)
 * and `evaluator_in_round` whether the user is the evaluator of some
 * station of the round. Returns MS_ERR_OK, MS_ERR_NOT_FOUND (may not see
 * it) or MS_ERR_FORBIDDEN (sees it, may not do it); sets no message. */
struct ms_user;
ms_err ms_eval_may(const struct ms_user *u, ms_eval_action action, const char *round_area,
                   const char *station, const char *assigned, bool evaluator_in_round);

/* ---- rounds (eval.c) ---- */

typedef struct ms_eval_open_in {
	const char *area; /* 2, 4 or 6 digits, inside the pack's province */
	int year;
	ms_date as_of;      /* MS_DATE_NONE: 31 December of the year, or today if earlier */
	const char *scheme; /* NULL: the pack's evaluation.scheme */
} ms_eval_open_in;
/* Opens a round: checks the area and year, refuses a round overlapping
 * another of the same year (MS_ERR_EXISTS), copies the scheme and the
 * stations. *id receives the round's id, *nstations its stations. */
ms_err ms_eval_open(ms_store *s, const ms_pack *pack, const char *actor, const ms_eval_open_in *in,
                    int64_t *id, int64_t *nstations, ms_error *err);

/* The rounds the actor may see, newest first. */
ms_err ms_eval_rounds(ms_store *s, const char *actor,
                      int (*fn)(void *ctx, const ms_eval_round_row *r), void *ctx, ms_error *err);

/* One station of a loaded round, with its scores. Scores are -1 where none
 * was given; value_num/den are the computed indicators' measured values
 * (den 0: nothing to measure, den < 0: not computed yet). */
typedef struct ms_eval_station {
	char code[10];
	const char *name;
	char city[5], county[7];
	bool sampled;
	const char *evaluator;                /* NULL when none */
	int64_t *self, *third, *computed;     /* [nindicators] */
	int64_t *value_num, *value_den;       /* [nindicators] */
	const char **self_note, **third_note; /* [nindicators], NULL when none */
	int self_done, third_done;            /* manual indicators scored */
	bool checked;                         /* drawn and third-scored on every manual indicator */
	int64_t self_total, third_total, final_total; /* third_total -1 when none */
	int64_t module_final[MS_EVAL_MAX_MODULES];
	int star;
	int rank, rank_city, rank_county; /* 1-based, equal totals share a rank */
	bool visible;                     /* the actor may see it */
} ms_eval_station;

/* A round loaded whole (eval.c): its row, indicators, stations and
 * scores, with totals, stars and ranks worked out; only the stations the
 * actor may see have `visible` set. Everything lives in `arena`. */
typedef struct ms_eval_round {
	ms_eval_round_row row;
	int nmodules;
	const char *modules[MS_EVAL_MAX_MODULES];
	int64_t module_points[MS_EVAL_MAX_MODULES];
	int nindicators;
	ms_eval_indicator_row *indicators;
	int *indicator_module; /* [nindicators]: index into modules */
	size_t nstations;
	ms_eval_station *stations; /* by code */
	size_t nvisible;
	int64_t bands[3];         /* star bands in force (centi-points), -1 when unknown */
	bool manage;              /* the actor may manage the round */
	bool full_view;           /* the actor sees every station and the area summaries */
	const char *viewer_scope; /* the actor's scope for area summaries; NULL = all */
	char viewer_scope_[13];
	ms_arena arena;
} ms_eval_round;

/* Loads round `id` as the actor sees it (MS_ERR_NOT_FOUND when it may
 * not). pack gives the star bands of an open round (may be NULL: no star
 * until closed). */
ms_err ms_eval_round_load(ms_store *s, const ms_pack *pack, const char *actor, int64_t id,
                          ms_eval_round **out, ms_error *err);
void ms_eval_round_free(ms_eval_round *r);
/* The index of a station in a loaded round, -1 when none. */
int ms_eval_round_station(const ms_eval_round *r, const char *code);
int ms_eval_round_indicator(const ms_eval_round *r, const char *id);

/* Fills the computed indicators of every station of an open round from
 * the system's data as of the round's date (builds or loads the snapshot:
 * call outside a transaction). *nscores receives the scores written. */
ms_err ms_eval_compute(ms_store *s, const ms_pack *pack, const char *actor, int64_t id,
                       int64_t *nscores, ms_error *err);

/* One score given for a manual indicator. */
typedef struct ms_eval_score_in {
	const char *indicator;
	int64_t points;   /* centi-points, 0 … the indicator's maximum */
	const char *note; /* self: the evidence (required); third: a comment */
} ms_eval_score_in;
/* Enters scores of a station in an open round, all or none: third false =
 * the self-assessment, true = the third-party evaluation. */
ms_err ms_eval_scores_put(ms_store *s, const char *actor, int64_t id, const char *station,
                          bool third, const ms_eval_score_in *in, size_t n, ms_error *err);

/* Draws the spot-check sample of an open round (once: MS_ERR_CONFLICT when
 * drawn already). seed NULL: 16 random bytes in hex. The share is the
 * pack's evaluation.sample_share for the round's area at its date. *drawn
 * receives how many stations were drawn. */
ms_err ms_eval_sample(ms_store *s, const ms_pack *pack, const char *actor, int64_t id,
                      const char *seed, size_t *drawn, ms_error *err);

/* Assigns drawn stations of an open round to an evaluator (an enabled user
 * of role evaluator whose scope covers each station), all or none. A
 * station that already has third-party scores keeps its evaluator
 * (MS_ERR_CONFLICT for another one). */
ms_err ms_eval_assign(ms_store *s, const char *actor, int64_t id, const char *evaluator,
                      const char *const *stations, size_t n, ms_error *err);

/* Closes a round: refused (MS_ERR_CONFLICT) until computed indicators were
 * computed and every drawn station is checked; fixes every station's
 * totals and star (the bands in force at the round's date). */
ms_err ms_eval_close(ms_store *s, const ms_pack *pack, const char *actor, int64_t id,
                     ms_error *err);

/* ---- reports (eval_report.c) ---- */

/* A round's row as JSON (no stations). */
json_t *ms_eval_round_row_json(const ms_eval_round_row *r);
/* A loaded round as JSON: the round, its indicators and its visible
 * stations with totals. */
json_t *ms_eval_round_json(const ms_eval_round *r);
/* One visible station's sheet: every indicator with its scores. */
json_t *ms_eval_station_json(const ms_eval_round *r, int station);
/* The report: the visible stations ranked, city and county summaries for
 * the areas the actor covers, and the deviations of self-assessment from
 * third-party scores per station and indicator. */
json_t *ms_eval_report_json(const ms_eval_round *r);
/* The same report as an Excel workbook with Chinese headers, written to
 * path: sheets 说明, 评估结果, 地市汇总, 区县汇总, 抽查偏差. */
ms_err ms_eval_report_xlsx(const ms_eval_round *r, const char *path, ms_error *err);
/* The workbook as bytes (written through a temporary file in tmpdir; the
 * caller frees *bytes with ms_free). */
ms_err ms_eval_report_xlsx_bytes(const ms_eval_round *r, const char *tmpdir, char **bytes,
                                 size_t *len, ms_error *err);

#endif
