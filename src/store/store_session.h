/* store_session.h — the store's part of how callers of the HTTP API prove
 * who they are (SPEC §6, §7): login sessions, API tokens of department
 * interfaces, users' TOTP secrets, and the jobs of long work started through
 * the API. src/auth decides who may do what; these functions only read and
 * write rows, each through one fixed, prepared statement.
 *
 * Tokens are stored only as the hex SHA-256 of the token (64 digits); the
 * caller hashes. Strings in the row structs point into storage of the store
 * and stay valid until the same function is called again on the handle
 * (list functions: during the callback only). */
#ifndef MS_STORE_STORE_SESSION_H
#define MS_STORE_STORE_SESSION_H

#include "base/err.h"
#include "store/store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- sessions ---- */

/* A session with its user's row as it is now (joined, so a disabled or
 * re-roled user is seen at once). Times are Unix seconds. */
typedef struct ms_session_row {
	const char *token_hash, *user, *csrf, *addr;
	int64_t created, last_seen, expires; /* expires: the absolute end */
	const char *role, *scope, *station;  /* station NULL when none */
	bool disabled, must_change;
	char text_[512]; /* the strings above, copied */
} ms_session_row;

/* Adds a session (last_seen = created). */
ms_err ms_store_session_insert(ms_store *s, const char *token_hash, const char *user,
                               const char *csrf, const char *addr, int64_t created,
                               int64_t expires, ms_error *err);
/* The session of a token hash; MS_ERR_NOT_FOUND (err untouched) when none. */
ms_err ms_store_session_get(ms_store *s, const char *token_hash, ms_session_row *out,
                            ms_error *err);
/* Moves last_seen forward to `at` (never back). */
ms_err ms_store_session_touch(ms_store *s, const char *token_hash, int64_t at, ms_error *err);
/* Deletes one session; deleting none is not an error. */
ms_err ms_store_session_delete(ms_store *s, const char *token_hash, ms_error *err);
/* Deletes every session of a user; *n (may be NULL) receives how many. */
ms_err ms_store_session_delete_user(ms_store *s, const char *user, int64_t *n, ms_error *err);
/* Keeps only the `keep` newest sessions of a user. */
ms_err ms_store_session_trim_user(ms_store *s, const char *user, int keep, ms_error *err);
/* Deletes the sessions past their absolute end (expires, or created +
 * absolute when that is earlier) or idle for `idle` seconds at `now`. */
ms_err ms_store_session_purge(ms_store *s, int64_t now, int64_t idle, int64_t absolute,
                              int64_t *n, ms_error *err);

/* ---- API tokens ---- */

typedef struct ms_token_row {
	int64_t id;
	const char *token_hash, *user, *feeds, *label, *created, *created_by;
	const char *revoked;                /* NULL while in force */
	const char *role, *scope, *station; /* of the user, as it is now */
	bool disabled, must_change;
} ms_token_row;

/* Adds a token; *id receives its id. */
ms_err ms_store_token_insert(ms_store *s, const char *token_hash, const char *user,
                             const char *feeds, const char *label, const char *created,
                             const char *created_by, int64_t *id, ms_error *err);
/* A token by its hash or by id; MS_ERR_NOT_FOUND (err untouched) when none.
 * The strings are copied (the statement is reset). */
ms_err ms_store_token_get_hash(ms_store *s, const char *token_hash, ms_token_row *out,
                               ms_error *err);
ms_err ms_store_token_get(ms_store *s, int64_t id, ms_token_row *out, ms_error *err);
/* Tokens by id whose user's scope starts with prefix (NULL = all); fn
 * returns non-zero to stop. */
ms_err ms_store_token_list(ms_store *s, const char *prefix,
                           int (*fn)(void *ctx, const ms_token_row *t), void *ctx,
                           ms_error *err);
/* Marks a token revoked at `at`; a token already revoked keeps its first
 * time. MS_ERR_NOT_FOUND (message set) when no token has the id. */
ms_err ms_store_token_revoke(ms_store *s, int64_t id, const char *at, ms_error *err);

/* ---- TOTP secrets ---- */

/* A user's base32 secret; *has false when it has none. MS_ERR_NOT_FOUND
 * (err untouched) when no user has the name; MS_ERR_TOO_LARGE when the
 * secret does not fit cap. */
ms_err ms_store_totp_get(ms_store *s, const char *user, bool *has, char *out, size_t cap,
                         ms_error *err);
/* Sets or clears (secret NULL) a user's secret; MS_ERR_NOT_FOUND (message
 * set) when no such user. */
ms_err ms_store_totp_set(ms_store *s, const char *user, const char *secret, const char *at,
                         ms_error *err);
ms_err ms_store_totp_clear(ms_store *s, const char *user, const char *at, ms_error *err);

/* ---- jobs ---- */

#define MS_JOB_TEXT_MAX 65536 /* bytes of params, result and error each */

typedef struct ms_job_row {
	int64_t id;
	const char *kind;   /* import, scan */
	const char *actor;  /* the user who started it */
	const char *scope;  /* the actor's scope when it started */
	const char *state;  /* queued, running, done, failed */
	const char *params; /* JSON object */
	const char *result; /* JSON, NULL until done */
	const char *error;  /* text, NULL unless failed */
	const char *created, *finished; /* RFC 3339; finished NULL until over */
} ms_job_row;

/* Adds a queued job (params_json NULL = {}); *id receives its id. */
ms_err ms_store_job_insert(ms_store *s, const char *kind, const char *actor, const char *scope,
                           const char *params_json, int64_t *id, ms_error *err);
/* Sets a job's state (queued, running, done, failed). */
ms_err ms_store_job_set_state(ms_store *s, int64_t id, const char *state, ms_error *err);
/* Ends a job: state done or failed, its result (JSON) and error text (each
 * may be NULL), finished = now. */
ms_err ms_store_job_finish(ms_store *s, int64_t id, const char *state, const char *result_json,
                           const char *error_text, ms_error *err);
/* One job; MS_ERR_NOT_FOUND (message set) when none. */
ms_err ms_store_job_get(ms_store *s, int64_t id, ms_job_row *out, ms_error *err);
/* Marks every queued or running job failed with error_text: a server that
 * starts calls it, since progress lived in the memory of the one before. */
ms_err ms_store_job_fail_unfinished(ms_store *s, const char *error_text, int64_t *n,
                                    ms_error *err);

#endif
