/* pack.h — a policy pack: feeds, parameters, definitions, rules, calendar.
 * Loading a pack parses and checks everything (names, types, enumeration
 * values, parameter coverage), so a pack that loads is a pack that runs.
 * Its version is the SHA-256 of its files (relative names and bytes). */
#ifndef MS_RULES_PACK_H
#define MS_RULES_PACK_H

#include "base/arena.h"
#include "base/calendar.h"
#include "base/date.h"
#include "base/err.h"
#include "model/feed.h"
#include "rules/ast.h"
#include "rules/parse.h"

#define MS_PACK_MAX_RULES 256
#define MS_PACK_MAX_LETS 512
#define MS_PACK_MAX_PARAMS 256
#define MS_PACK_MAX_VALUES 256
#define MS_PACK_MAX_NODES 4096 /* per rule, after definitions are substituted */

typedef struct ms_param_value {
	ms_date from;         /* in force from this date */
	const char *area;     /* area-code prefix it applies to ("44", "4401") */
	int64_t i;            /* bool, int, money (fen), decimal (scaled), date */
	const char *text;     /* text */
	const char **set;     /* set */
	int nset;
	const char *raw;      /* as written */
	const char *source;   /* the document it comes from */
} ms_param_value;

typedef struct ms_param {
	const char *name;
	const char *title;
	ms_type type;
	int scale;            /* decimal */
	ms_param_value *values; /* nvalues, in the pack's arena */
	int nvalues;
	bool by_area;         /* some value applies to less than the whole province */
} ms_param;

typedef struct ms_pack {
	char *dir;
	char version[65];
	const char *name, *title, *province;
	/* the enumeration column whose values are the kinds of people in the monitored
	 * population, as FEED.COLUMN (pack.ini `population`); NULL when none */
	const char *population;
	ms_feed_set feeds;
	ms_calendar calendar;
	ms_param params[MS_PACK_MAX_PARAMS];
	int nparams;
	ms_let lets[MS_PACK_MAX_LETS];
	int nlets;
	ms_rule rules[MS_PACK_MAX_RULES];
	int nrules;
	ms_arena arena;
} ms_pack;

/* Loads and checks the pack in dir. */
ms_err ms_pack_load(const char *dir, ms_pack **out, ms_error *err);
void ms_pack_free(ms_pack *pack);

const ms_rule *ms_pack_rule(const ms_pack *pack, const char *id);
int ms_pack_param_index(const ms_pack *pack, const char *name);
/* The value of a parameter for an area at a date: the longest prefix of the
 * area that has a value in force at D (the latest `from` on or before D);
 * NULL when none. */
const ms_param_value *ms_pack_param_value(const ms_pack *pack, int param, const char *area,
                                          ms_date d);
/* Formats a parameter value as text (money in yuan with 2 decimals). */
void ms_pack_param_format(const ms_param *p, const ms_param_value *v, char *out, size_t cap);
/* The deadline in working days for an alert kind (parameter
 * deadline_days.KIND in force at d for the province), -1 when none. */
int ms_pack_deadline_days(const ms_pack *pack, const char *kind, ms_date d);
const char *ms_type_name(ms_type t);

/* Name resolution and type checking of every definition and rule, with
 * definitions substituted; fills rule->cond. Called by ms_pack_load. */
ms_err ms_rules_check(ms_pack *pack, ms_error *err);

#endif
