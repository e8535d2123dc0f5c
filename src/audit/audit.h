/* audit.h — the access log (SPEC §7): every read of a person's or a
 * household's record and every export, in an append-only log kept in its
 * own SQLite database beside the main one (`<db>.access`).
 *
 * How it cannot be quietly edited:
 *  1. Entries are hash-chained: entry n stores hash_n = H(hash_{n-1} ||
 *     the entry's canonical bytes), with hash_0 the hash of the log's
 *     genesis line. H is SHA-256, or SM3 (GB/T 32905, through OpenSSL)
 *     when the log was created with it; the algorithm is fixed at creation.
 *  2. The head (last id and hash) is also written outside the database, to
 *     a daily anchor file `<db>.anchors/YYYY-MM-DD` (China date; one line
 *     per commit: time, id, hash), appended and fsynced. Copies of these
 *     files kept off the machine are what make a rewrite of the whole
 *     database detectable (docs/audit.md).
 *  3. ms_audit_verify recomputes the chain and compares every anchor line:
 *     an edited entry breaks its hash, a deleted one leaves a gap in the ids
 *     and breaks the next link, truncation leaves an anchor pointing past
 *     the last entry or at a different hash.
 *
 * Writes are grouped: ms_audit_log queues an entry and returns at once; a
 * writer thread commits the queue in one transaction every `flush_ms`
 * (or when `batch` entries wait), then appends the anchor. ms_audit_flush
 * waits until everything queued before it is committed and anchored.
 * Thread-safe: one ms_audit serves every thread of the server. */
#ifndef MS_AUDIT_AUDIT_H
#define MS_AUDIT_AUDIT_H

#include "base/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ms_audit ms_audit;

typedef enum { MS_AUDIT_SHA256 = 1, MS_AUDIT_SM3 } ms_audit_hash;

typedef struct ms_audit_opts {
	const char *path;        /* the log database, e.g. "<db>.access" */
	const char *anchor_dir;  /* NULL = path without a trailing ".access", plus
	                          * ".anchors": "<db>.access" → "<db>.anchors" */
	ms_audit_hash hash;      /* used only when the log is created; 0 = SHA-256 */
	int flush_ms;            /* 0 = 200 */
	int batch;               /* 0 = 1000 */
	size_t queue_max;        /* entries waiting before ms_audit_log blocks; 0 = 100000 */
} ms_audit_opts;

/* A file or folder beside an access log: its path without a trailing
 * ".access", plus suffix ("<db>.access", ".anchors" → "<db>.anchors").
 * Allocated (ms_free); NULL when out of memory. */
char *ms_audit_sidecar(const char *access_path, const char *suffix);

/* The longest string field of an entry, in bytes (longer: MS_ERR_TOO_LARGE). */
#define MS_AUDIT_FIELD_MAX 2048

/* What one entry records. All strings are copied; NULL is stored as "". */
typedef struct ms_audit_entry {
	const char *at;      /* RFC 3339 (+08:00); NULL = now */
	const char *user;    /* who read */
	const char *role;
	const char *action;  /* read, export, search, download, login, … */
	const char *object;  /* person, household, alert, batch, … */
	const char *ref;     /* its key (an identity number is stored as given) */
	const char *route;   /* e.g. "GET /api/v1/persons/{id}" */
	int status;          /* HTTP status (0 for the command line) */
	const char *addr;    /* client address, "" for the command line */
	const char *request; /* request id */
} ms_audit_entry;

/* Opens (creating when missing, mode 0600) the log and starts its writer
 * thread; an existing log continues its chain from its last entry. Fails
 * with MS_ERR_INVALID when its meta (algorithm, genesis) was altered or the
 * newest anchor names an entry the log no longer has (truncated: run
 * `minsheng audit verify`), so that a damaged log is not silently extended. Several processes may open the same log: each
 * commit reads the head inside its transaction. */
ms_err ms_audit_open(const ms_audit_opts *o, ms_audit **out, ms_error *err);
/* Flushes what is queued, stops the writer and closes. Call it once no
 * other thread uses a (NULL is allowed). */
void ms_audit_close(ms_audit *a);
/* Queues an entry (blocks only when queue_max entries wait). Once a commit
 * or an anchor write has failed, every later call returns that error: the
 * caller should refuse the read it was logging rather than serve it
 * unrecorded. */
ms_err ms_audit_log(ms_audit *a, const ms_audit_entry *e, ms_error *err);
/* Waits until every entry queued before the call is committed and anchored
 * (at once, without waiting for flush_ms); the writer's error if one failed. */
ms_err ms_audit_flush(ms_audit *a, ms_error *err);
/* The head: the id of the last entry committed (by any process, as of this
 * log's last commit or open), which is the number of entries in the log,
 * as ids run 1, 2, 3, … without gaps. Entries still queued are not counted:
 * call ms_audit_flush first. */
int64_t ms_audit_count(ms_audit *a);

/* What verification found. */
typedef struct ms_audit_report {
	int64_t entries;       /* entries read */
	int64_t first_id, last_id;
	int64_t anchors;       /* anchor lines checked */
	int64_t bad_id;        /* first entry found wrong (0 = none) */
	char algorithm[8];     /* "sha256" or "sm3" */
	char problem[512];     /* what is wrong, in Chinese then English; "" when ok */
} ms_audit_report;

/* Verifies a log (not open elsewhere for writing, or open: it reads a
 * consistent snapshot, and only the anchor lines written before it). Reads
 * every entry in id order and recomputes the chain from the genesis line,
 * then checks every line of every anchor file in anchor_dir (NULL: as for
 * ms_audit_opts). MS_ERR_OK with problem "" when intact; MS_ERR_INVALID
 * with the report filled when tampering or loss is found (problem names the
 * first one and the id or anchor line; bad_id the first entry wrong or
 * missing, when an entry is); other codes when the log cannot be read at all
 * (missing file, not a database). */
ms_err ms_audit_verify(const char *path, const char *anchor_dir, ms_audit_report *out,
                       ms_error *err);

/* Reads entries (for the auditor's view), newest first, with optional
 * filters (NULL = any): user, object ref; only ids below before_id when it
 * is > 0 (the next page); at most limit (1-10000; 0 or less = 100). fn is
 * called for each row (its strings live until it returns) and stops the
 * listing by returning non-zero. Opens the log read-only. */
typedef struct ms_audit_row {
	int64_t id;
	const char *at, *user, *role, *action, *object, *ref, *route, *addr, *request;
	int status;
} ms_audit_row;
ms_err ms_audit_list(const char *path, const char *user, const char *ref, int64_t before_id,
                     int limit, int (*fn)(void *ctx, const ms_audit_row *r), void *ctx,
                     ms_error *err);

#endif
