/* snapshot_impl.h — what the files of the snapshot builder share, private to
 * src/monitor: the dictionaries used while building, the raw per-feed tables
 * the store scan fills (in record id order), the radix sort that groups rows
 * by person, and the small job pool that spreads work over two threads. */
#ifndef MS_MONITOR_SNAPSHOT_IMPL_H
#define MS_MONITOR_SNAPSHOT_IMPL_H

#include "base/arena.h"
#include "monitor/snapshot.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- string pool and dictionaries ---- */

/* Strings packed back to back (no alignment) in blocks of an arena. */
typedef struct snap_pool {
	ms_arena arena;
	char *cur;
	size_t left;
} snap_pool;

void ms_snap_pool_init(snap_pool *p);
/* A NUL-terminated copy of s[0..n), NULL when out of memory. */
const char *ms_snap_pool_add(snap_pool *p, const char *s, size_t n);
void ms_snap_pool_free(snap_pool *p);

/* A dictionary being built: id 0 is the empty string, ids are given in order
 * of first sight. Strings are NUL-terminated and hold no NUL. */
typedef struct snap_slot {
	const char *s; /* NULL = free */
	uint32_t hash, id;
} snap_slot;

typedef struct snap_intern {
	const char **str;  /* str[id] */
	uint32_t n, cap;   /* entries (with id 0) and room */
	snap_slot *slot;   /* open addressing; the string is there, so a probe
	                      reads the table and the string, not str[] too */
	uint32_t nslot;    /* a power of two */
} snap_intern;

uint64_t ms_snap_hash(const void *s, size_t n);
ms_err ms_snap_intern_init(snap_intern *d);
/* The id of s[0..n); new strings are copied into pool, or kept as they are
 * when pool is NULL (they must then outlive the dictionary). UINT32_MAX when
 * out of memory. */
uint32_t ms_snap_intern(snap_intern *d, snap_pool *pool, const char *s, size_t n);
/* The same with the string's hash (ms_snap_hash, truncated) known, after
 * ms_snap_intern_prefetch has asked the processor for its slot: a row's
 * lookups then wait for memory together, not one after the other. */
uint32_t ms_snap_intern_hashed(snap_intern *d, snap_pool *pool, const char *s, size_t n,
                               uint32_t h);
void ms_snap_intern_prefetch(const snap_intern *d, uint32_t h);
/* The id of s[0..n), 0 for "", UINT32_MAX when absent. */
uint32_t ms_snap_intern_find(const snap_intern *d, const char *s, size_t n);
/* Frees the lookup table: the dictionary can then neither grow nor be
 * searched, only read. */
void ms_snap_intern_seal(snap_intern *d);
/* Frees the lookup table; hands str over as a dictionary. */
void ms_snap_intern_finish(snap_intern *d, ms_snap_dict *out);
void ms_snap_intern_free(snap_intern *d);

/* ---- identity numbers as integers ---- */

/* A normalised number as an integer whose order is the order of the
 * strings: the 17 digits times 11 plus the check (X = 10), plus 1 so that 0
 * means "none". 0 when the text is not shaped like a number. */
uint64_t ms_snap_idkey(const char *s, size_t n);
void ms_snap_idkey_str(uint64_t key, char out[19]);

/* ---- raw tables: what the scan reads, before rows are grouped ---- */

typedef enum {
	RAW_SKIP = 0, /* not kept */
	RAW_OWNER,    /* the subject's number: the row's owner (facts, persons) */
	RAW_ID,       /* dictionary id (uint32_t) */
	RAW_I32,      /* date, month (int32_t) + empty */
	RAW_I64,      /* money, decimal, integer (int64_t) + empty */
	RAW_KEY,      /* another identity number (uint64_t key, 0 none) */
} raw_kind;

typedef struct raw_col {
	raw_kind kind;
	uint32_t last;    /* RAW_ID: the id of the value before, often repeated */
	void *v;          /* uint32_t / int32_t / int64_t / uint64_t per kind */
	uint8_t *empty;   /* RAW_I32, RAW_I64 */
	snap_intern dict; /* RAW_ID */
} raw_col;

typedef struct raw_feed {
	const ms_feed *def;
	size_t n, cap;
	uint64_t *owner;  /* idkey of the subject; NULL for households */
	/* provenance, 32-bit as in the snapshot (a provincial store's record
	 * ids, batch ids and file rows fit; a larger one is refused) */
	uint32_t *record_id;
	int32_t *batch_id;
	uint32_t *row_no;
	raw_col cols[MS_FEED_MAX_COLUMNS];
	int64_t first_batch; /* to tell whether the rows come from several batches */
	bool multi_batch;
	uint64_t dropped;    /* rows without a usable subject number */
} raw_feed;

/* Sets which columns a feed keeps and how; allocates dictionaries. */
ms_err ms_snap_raw_init(raw_feed *rf, const ms_feed *def);
/* Room for one more row. */
ms_err ms_snap_raw_reserve(raw_feed *rf, size_t n);
void ms_snap_raw_free(raw_feed *rf);
/* Appends src's rows behind dst's (src's dictionaries merged into dst's, its
 * strings kept where they are) and frees src. */
ms_err ms_snap_raw_append(raw_feed *dst, raw_feed *src);

/* Reads every current record of the store into one raw table per feed of
 * `feeds` (indexed like feeds->feeds), with two handles on two threads.
 * Strings of dictionaries live in pools[0..1], which the caller frees after
 * the snapshot. Fills snap->batches and snap->records_read. */
ms_err ms_snap_scan(ms_store *s, const ms_feed_set *feeds, const ms_progress *progress,
                    ms_snapshot *snap, raw_feed *raw, snap_pool pools[2], ms_error *err);

/* ---- sorting ---- */

typedef struct snap_kv {
	uint64_t key;
	uint32_t idx;
} snap_kv;

/* Stable sort by key; tmp has room for n. */
ms_err ms_snap_radix_sort(snap_kv *a, snap_kv *tmp, size_t n);

/* ---- a pool of two threads ---- */

/* Runs job(ctx, i, worker, err) for i in 0..n-1 on the calling thread
 * (worker 0) and one more (worker 1), in order of i as threads come free;
 * stops handing out jobs after the first failure, whose code and message it
 * returns. */
ms_err ms_snap_jobs(int n, ms_err (*job)(void *ctx, int i, int worker, ms_error *err), void *ctx,
                    ms_error *err);

/* Scratch memory kept by a worker from one job to the next: fresh pages
 * cost a fault each, so large buffers are worth reusing. */
typedef struct snap_scratch {
	void *p;
	size_t cap;
} snap_scratch;

/* Room for n bytes (contents not kept), NULL when out of memory. */
void *ms_snap_scratch(snap_scratch *s, size_t n);
void ms_snap_scratch_free(snap_scratch *s);

#endif
