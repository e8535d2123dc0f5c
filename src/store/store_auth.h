/* store_auth.h — the store's part of users (SPEC §1, §7): one row per user
 * with its role, scope, station and argon2id password string. src/auth
 * decides who may do what; these functions only read and write rows, each
 * through one fixed, prepared statement.
 *
 * Strings in ms_user_row point into the store and stay valid until the next
 * call on the same handle (for list functions: during the callback). */
#ifndef MS_STORE_STORE_AUTH_H
#define MS_STORE_STORE_AUTH_H

#include "base/err.h"
#include "store/store.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct ms_user_row {
	const char *name, *role, *scope;
	const char *station; /* NULL for roles without a station */
	const char *pwhash;
	bool disabled, must_change;
	int64_t failed;
	const char *locked_until; /* NULL when not locked */
	const char *created, *created_by, *updated;
	char text_[768]; /* ms_store_user_get: the strings above, copied */
} ms_user_row;

/* Adds a user; MS_ERR_EXISTS (message set) when the name is taken. */
ms_err ms_store_user_insert(ms_store *s, const ms_user_row *u, ms_error *err);
/* One user; MS_ERR_NOT_FOUND (err untouched) when none has this name. The
 * strings are copied into out->text_ (the statement is reset, so no read
 * stays open on the handle). */
ms_err ms_store_user_get(ms_store *s, const char *name, ms_user_row *out, ms_error *err);
/* Users in name order whose scope starts with prefix (NULL = all); fn
 * returns non-zero to stop. */
ms_err ms_store_user_list(ms_store *s, const char *prefix,
                          int (*fn)(void *ctx, const ms_user_row *u), void *ctx, ms_error *err);
/* Sets disabled; MS_ERR_NOT_FOUND when no such user. */
ms_err ms_store_user_set_disabled(ms_store *s, const char *name, bool disabled, const char *at,
                                  ms_error *err);
/* Replaces the password string, clears failures and lockout, and sets
 * must_change; MS_ERR_NOT_FOUND when no such user. */
ms_err ms_store_user_set_password(ms_store *s, const char *name, const char *pwhash,
                                  bool must_change, const char *at, ms_error *err);
/* Records a login result: a failure adds one to failed and sets
 * locked_until (NULL = not locked); a success resets both. */
ms_err ms_store_user_login_result(ms_store *s, const char *name, bool ok, const char *locked_until,
                                  ms_error *err);
/* The number of enabled users with a role. */
ms_err ms_store_user_count_role(ms_store *s, const char *role, int64_t *n, ms_error *err);

#endif
