/* auth.h — users, roles and scopes (SPEC §1, §7): who a user is, what its
 * scope (an area-code prefix) covers, argon2id passwords through libsodium,
 * logins with a lockout after repeated failures, and the user management
 * the command line and the HTTP API share.
 *
 * Rules kept here:
 *  1. A scope is 2, 4, 6, 9 or 12 digits of a known area code; a record
 *     is in scope when its code starts with the scope.
 *  2. A station head or worker belongs to one township station (9 digits)
 *     whose code starts with its scope; no other role has a station.
 *  3. Users are managed by an admin whose scope covers the user's scope;
 *     without an actor (the server's operator) only the first admin can be
 *     created and an admin's forgotten password reset.
 *  4. Passwords are at least 8 characters; the hash is libsodium's argon2id
 *     string at the INTERACTIVE limits, or the MIN limits when the
 *     environment sets MINSHENG_PWHASH=min (tests only). */
#ifndef MS_AUTH_AUTH_H
#define MS_AUTH_AUTH_H

#include "base/err.h"
#include "store/store.h"

#include <stdbool.h>
#include <stddef.h>

typedef enum {
	MS_ROLE_NONE = 0,
	MS_ROLE_ADMIN,
	MS_ROLE_OFFICER,
	MS_ROLE_STATION_HEAD,
	MS_ROLE_WORKER,
	MS_ROLE_UPLOADER,
	MS_ROLE_EVALUATOR,
	MS_ROLE_AUDITOR,
} ms_role;

#define MS_USER_NAME_MAX 64     /* bytes */
#define MS_PASSWORD_MIN 8       /* characters */
#define MS_PASSWORD_MAX 1024    /* bytes */
#define MS_LOGIN_MAX_FAILURES 5 /* consecutive wrong passwords before a lockout */
#define MS_LOGIN_LOCK_MINUTES 15

/* A user as the rest of the system sees it: copied, owned by the caller. */
typedef struct ms_user {
	char name[MS_USER_NAME_MAX + 1];
	ms_role role;
	char scope[13];
	char station[13]; /* "" for roles without a station */
	bool disabled, must_change;
} ms_user;

/* Role codes (admin, officer, station_head, worker, uploader, evaluator,
 * auditor); MS_ROLE_NONE for anything else. */
ms_role ms_role_parse(const char *code);
const char *ms_role_code(ms_role r);
/* 省级管理员 … / "provincial administrator" …; static strings. */
const char *ms_role_label(ms_role r, bool english);
/* Digits only, of length 2, 4, 6, 9 or 12 (the shape; not the table). */
bool ms_scope_shape_ok(const char *scope);
/* Whether an area code (or a longer prefix) lies inside a scope. */
bool ms_scope_covers(const char *scope, const char *code);

/* The scope a user reads with (store.h): admin and officer by area prefix,
 * station head by station, worker by assignment and station, other roles
 * none. The strings point into u. */
void ms_auth_scope(const ms_user *u, ms_scope *out);

/* Checks a user name: 1–64 bytes of letters, digits, '.', '_', '-' or
 * non-ASCII UTF-8 (Chinese names), not starting with '-'. */
ms_err ms_auth_check_name(const char *name, ms_error *err);
/* Checks a password: 8 characters at least, 1024 bytes at most, valid
 * UTF-8 without control characters. */
ms_err ms_auth_check_password(const char *password, ms_error *err);
/* The argon2id string of a password (libsodium's encoded form, at most
 * 128 bytes with its NUL). */
#define MS_PWHASH_MAX 128
ms_err ms_auth_hash_password(const char *password, char out[MS_PWHASH_MAX], ms_error *err);
/* Whether a password matches a stored string. */
bool ms_auth_password_matches(const char *pwhash, const char *password);

/* The enabled user that acts in a request. MS_ERR_UNAUTHORIZED when no
 * user has the name or it is disabled (the message says which). */
ms_err ms_auth_actor(ms_store *s, const char *name, ms_user *out, ms_error *err);
/* A user by name, enabled or not; MS_ERR_NOT_FOUND when none. */
ms_err ms_auth_user_get(ms_store *s, const char *name, ms_user *out, ms_error *err);

typedef struct ms_user_new {
	const char *name;
	ms_role role;
	const char *scope;
	const char *station; /* station heads and workers; NULL otherwise */
	const char *password;
} ms_user_new;

/* Adds a user. actor NULL: the server's operator, allowed only while no
 * enabled admin exists, and only to add an admin. Otherwise the actor must
 * be an admin whose scope covers the new user's scope. */
ms_err ms_auth_user_add(ms_store *s, const char *actor, const ms_user_new *u, ms_error *err);

/* What a user listing shows of each user (never the password). */
typedef struct ms_user_info {
	const char *name, *role, *scope, *station; /* station NULL when none */
	bool disabled, must_change, locked;
	const char *created, *created_by;
} ms_user_info;
/* Users the actor may see, in name order: an admin or officer the users in
 * its scope, a station head those of its station, anyone else itself.
 * actor NULL: every user (the server's operator). */
ms_err ms_auth_user_list(ms_store *s, const char *actor,
                         int (*fn)(void *ctx, const ms_user_info *u), void *ctx, ms_error *err);
/* Disables a user (an admin in scope); the last enabled admin cannot be
 * disabled. */
ms_err ms_auth_user_disable(ms_store *s, const char *actor, const char *name, ms_error *err);
/* Sets a password. The user itself changes its own (must_change cleared);
 * an admin in scope resets another's (must_change set). actor NULL: the
 * server's operator resets an admin's password (must_change set). */
ms_err ms_auth_user_passwd(ms_store *s, const char *actor, const char *name,
                           const char *password, ms_error *err);
/* Checks a name and password. A wrong password counts a failure; the
 * MS_LOGIN_MAX_FAILURES-th locks the account for MS_LOGIN_LOCK_MINUTES.
 * Unknown, disabled, locked and wrong all give MS_ERR_UNAUTHORIZED with
 * one message, so a caller learns nothing about which names exist. On
 * success *out is the user (check out->must_change). */
ms_err ms_auth_login(ms_store *s, const char *name, const char *password, ms_user *out,
                     ms_error *err);

#endif
