/* gen.h — a synthetic province: the registry files and department feeds of
 * SPEC §2.3–2.4 with planted hits and near misses for every rule of §3.3 and
 * dirty rows of every kind in §2.5, so import and scan can be tested end to
 * end. One call writes every file of one province into a folder, streaming. */
#ifndef MS_GEN_GEN_H
#define MS_GEN_GEN_H

#include "base/date.h"
#include "base/err.h"
#include "base/progress.h"

#include <stdint.h>

#define MS_GEN_PEOPLE_MIN 1000ULL
#define MS_GEN_PEOPLE_MAX 100000000ULL
#define MS_GEN_RULES 18     /* R01 … R18 */
#define MS_GEN_FILES_MAX 24 /* importable files written */

typedef struct ms_gen_options {
	const char *out_dir;      /* created when missing */
	uint64_t people;          /* registry persons, MS_GEN_PEOPLE_MIN…MAX */
	uint64_t seed;            /* same seed, same options → identical bytes */
	ms_date as_of;            /* D: every planted date is relative to it */
	const char *profile_path; /* gen-profile.ini of the policy pack */
} ms_gen_options;

/* One importable file, in import order, with what a first import into an
 * empty database must report for it. */
typedef struct ms_gen_file_result {
	char file[48];     /* name inside out_dir, e.g. "gongan.csv" */
	char feed[24];     /* feed name, e.g. "gongan" */
	char format[8];    /* csv, tsv, jsonl, xlsx */
	char encoding[12]; /* utf-8, gb18030 */
	uint64_t rows;     /* data rows (header excluded) */
	uint64_t accepted, rejected, review, corrected;
} ms_gen_file_result;

typedef struct ms_gen_result {
	uint64_t people, households, feed_only_subjects, stations;
	int nfiles;
	ms_gen_file_result files[MS_GEN_FILES_MAX];
	uint64_t hits[MS_GEN_RULES];        /* planted expected hits per rule */
	uint64_t near_misses[MS_GEN_RULES]; /* planted near misses per rule */
	double seconds;
} ms_gen_result;

/* Writes the province into opt->out_dir: persons.csv, households.csv,
 * categories.csv, benefits.csv, one file per department feed, stations.csv,
 * manifest.json, expected_hits.csv and near_misses.csv. Reports progress in
 * registry persons. On failure returns the code, with the reason in err;
 * files already written are left in place. out may be NULL. */
ms_err ms_gen_run(const ms_gen_options *opt, const ms_progress *progress, ms_gen_result *out,
                  ms_error *err);

#endif
