/* population.h — the monitored population by category (SPEC §4 figures):
 * the persons of an area holding each category of the pack's population
 * column on a date. */
#ifndef MS_MONITOR_POPULATION_H
#define MS_MONITOR_POPULATION_H

#include "base/date.h"
#include "base/err.h"
#include "model/snapshot.h"
#include "rules/pack.h"

#include <stdint.h>

#define MS_POPULATION_MAX 64

typedef struct ms_population {
	int n;                                  /* values of the population column */
	char category[MS_POPULATION_MAX][96]; /* copies of the values */
	int64_t persons[MS_POPULATION_MAX];     /* holders of each on the date */
	int64_t total;                          /* persons holding at least one */
} ms_population;

/* Counts, over the persons whose area starts with `area`, those holding
 * each category (a record of the population column active on d). */
ms_err ms_population_count(const ms_pack *pack, const ms_snapshot *snap, const char *area, ms_date d,
                           ms_population *out, ms_error *err);

#endif
