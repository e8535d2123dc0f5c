/* import.h — the import of one department or registry file (SPEC §2.5).
 * Every row ends in exactly one place: accepted, unchanged, updated,
 * rejected (with row, column and reason) or review; rows is their sum. A file
 * is one batch, identified by its feed and the SHA-256 of its bytes: staged
 * in short transactions, then published at once, so a crash leaves nothing
 * visible and a rerun gives the same counts. The command line and the HTTP
 * upload both call ms_import_run. */
#ifndef MS_INGEST_IMPORT_H
#define MS_INGEST_IMPORT_H

#include "base/date.h"
#include "base/err.h"
#include "base/progress.h"
#include "model/feed.h"
#include "store/store.h"

#include <stdbool.h>

typedef struct ms_import_opts {
	const char *feed;         /* feed name, e.g. as defined in the pack */
	const char *path;         /* the file; or data/len for bytes in memory */
	const void *data;
	size_t len;
	const char *name;         /* file name shown and stored (default: path) */
	const char *actor;        /* who imports (user name), "" for the command line */
	const char *rejects_path; /* optional CSV of rejected rows */
	ms_date today;            /* identity numbers born after it are invalid */
	const ms_progress *progress;
	/* rows per staging transaction (0 = default); small values let tests
	 * interrupt an import between chunks */
	int chunk_rows;
} ms_import_opts;

typedef struct ms_import_result {
	int64_t batch_id;
	bool already;     /* the same bytes were imported before: nothing changed */
	ms_batch_counts counts;
	char sha256[65];
	char format[8];
	char encoding[16];
	int64_t cleaned;  /* interrupted imports removed before this one */
} ms_import_result;

/* Imports one file. MS_ERR_REFUSED when the file is refused whole (a
 * required column missing, an unreadable file, a revoked batch's bytes);
 * other codes for failures of the system (database, disk). */
ms_err ms_import_run(ms_store *s, const ms_feed_set *feeds, const ms_import_opts *o,
                     ms_import_result *res, ms_error *err);

/* Withdraws a published batch; its records stop counting (kept for audit). */
ms_err ms_import_revoke(ms_store *s, int64_t batch_id, const char *actor, const char *reason,
                        ms_error *err);

/* Links a review item to a registry person (a valid identity number found in
 * the registry) or discards it (idno NULL). */
ms_err ms_import_review_decide(ms_store *s, const ms_feed_set *feeds, int64_t review_id,
                               const char *idno, const char *actor, const char *note,
                               ms_date today, ms_error *err);

/* The registry feed of persons: the registry feed whose key is its identity
 * column. NULL when the pack has none. */
const ms_feed *ms_import_person_feed(const ms_feed_set *feeds);

/* Splits canonical values (0x1F-separated) and returns field i, with its
 * length, or NULL past the end. */
const char *ms_vals_field(const char *vals, int i, size_t *len);

#endif
