/* feed.h — feed definitions, loaded from the policy pack (the feeds folder, one .ini file each).
 * A feed says which columns a department's file has, their types, header
 * aliases, which are required, and the natural key; adding a feed is a file,
 * not C. The import reads a file through its feed definition. */
#ifndef MS_MODEL_FEED_H
#define MS_MODEL_FEED_H

#include "base/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MS_FEED_MAX_COLUMNS 64
#define MS_FEED_MAX_ALIASES 16
#define MS_FEED_MAX_ENUM 64
#define MS_FEED_MAX_KEY 8
#define MS_FEED_MAX_RANGES 8
#define MS_FEED_MAX_FEEDS 256

typedef enum {
	MS_COL_TEXT,    /* trimmed NFC text, at most max_len characters */
	MS_COL_IDNUM,   /* resident identity number */
	MS_COL_ENUM,    /* one of values; synonyms map onto them */
	MS_COL_DATE,    /* YYYY-MM-DD */
	MS_COL_MONTH,   /* YYYY-MM */
	MS_COL_MONEY,   /* yuan in, integer fen stored */
	MS_COL_DECIMAL, /* non-negative, `scale` decimals, stored scaled */
	MS_COL_INTEGER, /* whole number within [min, max] */
	MS_COL_AREA,    /* area code, 6, 9 or 12 digits, county known */
	MS_COL_PHONE,   /* 7–15 digits, dashes and blanks dropped */
} ms_col_type;

typedef struct ms_feed_column {
	char *name;
	ms_col_type type;
	bool required;
	char *aliases[MS_FEED_MAX_ALIASES];
	int n_aliases;
	char *values[MS_FEED_MAX_ENUM];       /* enum: canonical values */
	int n_values;
	char *syn_from[MS_FEED_MAX_ENUM];     /* enum: synonym → canonical */
	char *syn_to[MS_FEED_MAX_ENUM];
	int n_syn;
	int max_len;                          /* text: characters; 0 = 200 */
	int scale;                            /* decimal */
	int64_t min, max;                     /* integer */
} ms_feed_column;

typedef enum { MS_INVALID_ID_CORRECT, MS_INVALID_ID_REJECT } ms_invalid_id_policy;

/* What a registry feed is to the rest of the system. */
typedef enum {
	MS_FEED_FACTS = 0,   /* facts about persons (every department feed) */
	MS_FEED_PERSONS,     /* the registry of persons: one row per person */
	MS_FEED_HOUSEHOLDS,  /* the registry of households: one row per household */
} ms_feed_role;

typedef struct ms_feed {
	char *name;       /* the CLI and API name */
	char *title;      /* Chinese title */
	char *department;
	bool registry;    /* 民政's own files */
	ms_feed_column cols[MS_FEED_MAX_COLUMNS];
	int n_cols;
	int key[MS_FEED_MAX_KEY]; /* column indexes of the natural key */
	int n_key;
	int person_col;   /* identity column naming the subject, -1 none */
	int name_col;     /* name confirming an identity correction, -1 none */
	int date_col;     /* the row's own date, -1 none */
	int area_col;     /* the row's own area, -1 none */
	int range_start[MS_FEED_MAX_RANGES], range_end[MS_FEED_MAX_RANGES];
	int n_ranges;
	ms_invalid_id_policy invalid_id;
	ms_feed_role role;
	int household_col; /* persons: the household id column; households: its key */
	int father_col, mother_col; /* persons: parents' identity numbers, -1 none */
	char *source;     /* the file it came from */
} ms_feed;

typedef struct ms_feed_set {
	ms_feed *feeds[MS_FEED_MAX_FEEDS];
	int n;
} ms_feed_set;

/* Loads every *.ini file of a folder (the pack's feeds/), in name order.
 * Errors name the file and line and say what was expected. */
ms_err ms_feed_set_load(ms_feed_set *set, const char *dir, ms_error *err);
/* Loads one definition from INI text; `source` names it in errors. */
ms_err ms_feed_parse(const char *text, const char *source, ms_feed **out, ms_error *err);
void ms_feed_free(ms_feed *f);
void ms_feed_set_free(ms_feed_set *set);
const ms_feed *ms_feed_set_find(const ms_feed_set *set, const char *name);
/* The registry feed with a role (persons, households); NULL when none. */
const ms_feed *ms_feed_set_role(const ms_feed_set *set, ms_feed_role role);
/* Index of a column by its name or one of its aliases (header matching:
 * blanks trimmed, full-width folded, ASCII case ignored), -1 when none. */
int ms_feed_find_column(const ms_feed *f, const char *header, size_t len);
const char *ms_col_type_name(ms_col_type t);

#endif
