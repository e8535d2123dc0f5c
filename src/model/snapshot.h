/* snapshot.h (model) — the columnar snapshot of the population: its types
 * and the lookups over it. The rules engine evaluates over these arrays; the
 * snapshot is built, saved and loaded by src/monitor (monitor/snapshot.h).
 *
 * Built from the store's current (published, newest-version) records and
 * the pack's feed definitions: one row per person known from the registry
 * or any feed, one per registry household, and for every feed of facts its
 * rows as typed column arrays, grouped by the person they name (CSR), so a
 * rule reduces a feed to persons with one pass over contiguous memory.
 *
 * Indexes are dense: persons 0..npersons-1 sorted by identity number,
 * households 0..nhouseholds-1 sorted by household id, a feed's rows
 * 0..nrows-1 sorted by owner person, then by the order they were imported
 * (batch, then row), so "the row imported last" is the highest index.
 *
 * Text-like values (text, enum, idnum, area, phone) are dictionary ids: 0 is
 * the empty value, ids index a per-column dictionary of NUL-terminated
 * strings. Numbers: date = day number (base/date.h), month = ms_month,
 * money = fen, decimal = scaled integer, integer; `empty` marks blanks of
 * numeric columns (MS_DATE_NONE is also used for empty dates).
 *
 * Ownership: everything belongs to the snapshot; ms_snapshot_free releases
 * it. A snapshot is read-only after it is built and may be read by many
 * threads at once. */
#ifndef MS_MODEL_SNAPSHOT_H
#define MS_MODEL_SNAPSHOT_H

#include "base/date.h"
#include "base/err.h"
#include "model/feed.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ms_snap_dict {
	uint32_t n;            /* entries, including id 0 = "" */
	const char **str;      /* str[id] */
} ms_snap_dict;

typedef struct ms_snap_col {
	const ms_feed_column *def;
	ms_col_type type;
	int32_t *i32;          /* date, month, and dictionary ids of text-like types */
	int64_t *i64;          /* money, decimal, integer */
	uint8_t *empty;        /* 1 = blank (numeric types; NULL for text-like) */
	ms_snap_dict dict;     /* text-like types */
} ms_snap_col;

typedef struct ms_snap_feed {
	const ms_feed *def;
	uint32_t nrows;
	int32_t *owner;        /* person index of each row (ascending) */
	uint32_t *start;       /* rows of person p: [start[p], start[p+1]); npersons+1 entries */
	/* provenance for explanations, 32-bit to keep a provincial snapshot
	 * small (the build refuses a store whose ids or rows do not fit) */
	uint32_t *record_id;   /* the store's record id */
	int32_t *batch_id;
	uint32_t *row_no;      /* row number in its file */
	ms_snap_col *cols;     /* def->n_cols columns */
} ms_snap_feed;

typedef struct ms_snapshot {
	/* the published batches it reflects: a snapshot is current while the
	 * store's published batches are exactly these */
	uint32_t nbatches;
	int64_t *batches;      /* ascending */
	/* and the highest record id stored when it was read: records are only
	 * ever added (a review item linked adds one to a published batch), so
	 * the same batches and the same highest id mean the same records */
	int64_t max_record_id;
	/* the database file it was built from (device, inode), so that a file
	 * kept beside a database that has since been replaced by another is
	 * not taken for it; 0, 0 when not known (set by the caller, kept in
	 * the snapshot file) */
	uint64_t source[2];
	/* persons */
	uint32_t npersons;
	char (*idno)[19];      /* sorted; NUL-terminated */
	ms_date *birth;
	uint8_t *sex;          /* 1 male, 2 female */
	uint8_t *in_registry;
	int32_t *household;    /* household index, -1 none */
	int32_t *father, *mother;          /* person index, -1 when not given or not known */
	uint8_t *has_father, *has_mother;  /* the registry row gives a number */
	uint32_t *area;        /* id in areas: the subject's area (SPEC §3.3) */
	int32_t *name;         /* id in names: registry name, else newest feed name, 0 none */
	ms_snap_dict names;
	/* households */
	uint32_t nhouseholds;
	const char **hhid;     /* sorted household ids */
	uint32_t *hh_area;     /* id in areas */
	uint32_t *member_start;/* members of h: member[member_start[h] .. member_start[h+1]) */
	int32_t *member;       /* person indexes, ascending */
	/* area codes, shared by persons and households */
	ms_snap_dict areas;
	/* feeds of facts, in the order of the feed set (registry persons and
	 * households feeds are not among them) */
	int nfeeds;
	ms_snap_feed *feeds;
	/* statistics of the build */
	double build_seconds;
	uint64_t records_read;
	/* the one dictionary of every idnum column (feeds' cols share it): id =
	 * person index + 1 for the subjects, higher ids for numbers that name no
	 * subject */
	ms_snap_dict idnos;
	/* storage of the strings of every dictionary (private to the builder) */
	struct ms_snap_strings *strings;
	/* a snapshot loaded from a file: its arrays and strings point into this
	 * read-only mapping (NULL for a built snapshot) */
	void *map;
	size_t map_len;
} ms_snapshot;

/* Index of a person by identity number (normalised, 18 chars), -1 none. */
int32_t ms_snapshot_person(const ms_snapshot *snap, const char *idno);
/* Index of a household by id, -1 none. */
int32_t ms_snapshot_household(const ms_snapshot *snap, const char *hhid);
/* The feed of facts with this name, NULL none. */
const ms_snap_feed *ms_snapshot_feed(const ms_snapshot *snap, const char *name);
/* The id of a string in a dictionary (0 for ""), -1 when absent. A linear
 * search: meant for small dictionaries (enumerations), once per constant. */
int32_t ms_snap_dict_find(const ms_snap_dict *d, const char *s);

#endif
