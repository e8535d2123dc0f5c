/* session.h — how people and department interfaces prove who they are to
 * the HTTP API (SPEC §6, §7): login sessions, bearer tokens of department
 * uploaders, and the optional second factor (TOTP, RFC 6238).
 *
 * Rules kept here:
 *  1. A session token and an API token are 32 random bytes (libsodium),
 *     given to the client once as 64 hex digits; the store keeps only their
 *     SHA-256, so a copy of the database opens nothing.
 *  2. A session ends after `idle` seconds without a request or `absolute`
 *     seconds after login, whichever comes first; logout, a password change
 *     or reset, and disabling the user end every session of the user.
 *  3. Every session has its own CSRF token (32 random bytes, hex), which
 *     state-changing requests must echo in X-CSRF-Token.
 *  4. An API token belongs to a user of role uploader and names the feeds it
 *     may upload to; only an admin whose scope covers the user creates or
 *     revokes one. A revoked token or a disabled user opens nothing.
 *  5. A TOTP secret is 20 random bytes, shown once as base32 with an
 *     otpauth:// URI; codes are 6 digits, 30-second steps, HMAC-SHA1
 *     (RFC 6238 defaults, what authenticator apps use), accepted one step
 *     early or late. A user enrols itself, or an admin in scope enrols it. */
#ifndef MS_AUTH_SESSION_H
#define MS_AUTH_SESSION_H

#include "auth/auth.h"
#include "base/date.h"
#include "base/err.h"
#include "store/store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MS_TOKEN_HEX 65 /* 64 hex digits and the NUL */
#define MS_SESSION_ADDR_MAX 63 /* bytes of the client's address kept */
#define MS_SESSION_PER_USER_MAX 16 /* live sessions a user keeps; older end */
#define MS_SESSION_LIMIT_MAX (366 * 86400) /* idle and absolute at most */

typedef struct ms_session_limits {
	int64_t idle;     /* seconds; e.g. 1800 */
	int64_t absolute; /* seconds; e.g. 43200 */
} ms_session_limits;

typedef struct ms_session {
	char token[MS_TOKEN_HEX]; /* only filled by ms_session_create */
	char csrf[MS_TOKEN_HEX];
	ms_user user;
	int64_t created, last_seen, expires; /* Unix seconds */
} ms_session;

/* Opens a session for a user who has just logged in (addr: the client's
 * address, for the record, at most MS_SESSION_ADDR_MAX bytes of printable
 * ASCII). The user is read again: a disabled or vanished one gets
 * MS_ERR_UNAUTHORIZED. A user's sessions beyond MS_SESSION_PER_USER_MAX
 * end, oldest first. out->expires is when the session ends without another
 * request: the earlier of the idle and the absolute end. */
ms_err ms_session_create(ms_store *s, const ms_user *u, const char *addr, int64_t now,
                         const ms_session_limits *lim, ms_session *out, ms_error *err);
/* The live session of a token, with its user as it is now. Expired, ended,
 * unknown or belonging to a disabled user: MS_ERR_UNAUTHORIZED (one message
 * for all). last_seen is written at most once a minute. */
ms_err ms_session_check(ms_store *s, const char *token, int64_t now,
                        const ms_session_limits *lim, ms_session *out, ms_error *err);
/* Whether a request's X-CSRF-Token matches the session's (constant time). */
bool ms_session_csrf_ok(const ms_session *sess, const char *given);
/* Ends one session (logout); ending an unknown token is not an error. */
ms_err ms_session_end(ms_store *s, const char *token, ms_error *err);
/* Ends every session of a user. One statement and no transaction of its
 * own, so a caller can run it inside its transaction (auth.c does). */
ms_err ms_session_end_user(ms_store *s, const char *user, ms_error *err);
/* Deletes expired sessions; *n receives how many. */
ms_err ms_session_purge(ms_store *s, int64_t now, const ms_session_limits *lim, int64_t *n,
                        ms_error *err);

/* ---- API tokens of department interfaces ---- */

#define MS_TOKEN_FEEDS_MAX 1024 /* bytes of the comma-separated feed list */
#define MS_TOKEN_LABEL_MAX 100  /* bytes of a token's label */

typedef struct ms_api_token {
	int64_t id;
	ms_user user;
	char feeds[MS_TOKEN_FEEDS_MAX]; /* comma-separated feed names */
	char label[MS_TOKEN_LABEL_MAX + 1];
	char created[32];
	bool revoked;
} ms_api_token;

/* Creates a token for `user` (role uploader) allowed to upload to `feeds`
 * (comma-separated, each a feed name: the caller checks them against the
 * pack). actor NULL = the server's operator; else an admin whose scope
 * covers the user. token_out receives the token, shown once. */
ms_err ms_token_create(ms_store *s, const char *actor, const char *user, const char *feeds,
                       const char *label, char token_out[MS_TOKEN_HEX], int64_t *id,
                       ms_error *err);
/* The token and its user; MS_ERR_UNAUTHORIZED when unknown, revoked or the
 * user is disabled. */
ms_err ms_token_check(ms_store *s, const char *token, ms_api_token *out, ms_error *err);
/* Revokes a token (an admin covering its user, or the operator). */
ms_err ms_token_revoke(ms_store *s, const char *actor, int64_t id, ms_error *err);
/* Tokens the actor may manage (admin in scope; NULL = all), by id. */
ms_err ms_token_list(ms_store *s, const char *actor,
                     int (*fn)(void *ctx, const ms_api_token *t), void *ctx, ms_error *err);
/* Whether a comma-separated list names a feed (exact names). */
bool ms_token_feed_allowed(const char *feeds, const char *feed);

/* ---- second factor (TOTP) ---- */

#define MS_TOTP_SECRET_B32 33 /* 20 bytes as base32 (32 chars) and the NUL */

/* The code of a key at Unix time t (RFC 6238: HMAC-SHA1, 30-second steps,
 * `digits` 6–8), as decimal text. */
void ms_totp_code(const uint8_t *key, size_t keylen, int64_t t, int digits,
                  char out[9]);
/* Whether a code is right for a base32 secret at time now, one step either
 * side accepted. */
bool ms_totp_verify(const char *secret_b32, const char *code, int64_t now);
/* The same check, returning the time step (Unix time / 30) the code
 * belongs to, or -1 when it is wrong: a caller that remembers the last step
 * a user used can refuse a code seen before (RFC 6238 §5.2). */
int64_t ms_totp_match(const char *secret_b32, const char *code, int64_t now);
/* Base32 (RFC 4648, no padding) both ways; decode returns the byte count,
 * or -1 on a bad character or too small a buffer. */
void ms_base32_encode(const uint8_t *in, size_t n, char *out, size_t cap);
int ms_base32_decode(const char *in, uint8_t *out, size_t cap);
/* Gives a user a new second factor (itself, or an admin in scope; actor
 * NULL = the operator). secret_out and uri_out (otpauth://totp/minsheng:NAME
 * ?secret=…&issuer=minsheng) are shown once. */
ms_err ms_totp_enrol(ms_store *s, const char *actor, const char *user,
                     char secret_out[MS_TOTP_SECRET_B32], char *uri_out, size_t uri_cap,
                     ms_error *err);
/* Removes a user's second factor (an admin in scope, or the operator). */
ms_err ms_totp_remove(ms_store *s, const char *actor, const char *user, ms_error *err);
/* The user's base32 secret; *has false when the user has none. */
ms_err ms_totp_secret(ms_store *s, const char *user, bool *has,
                      char secret_out[MS_TOTP_SECRET_B32], ms_error *err);

/* Whether users of a role must give a second factor at login: the pack's
 * parameter security.totp_roles (a set of role codes, in force at `today`);
 * a pack without it requires nobody. */
typedef struct ms_pack ms_pack;
#define MS_TOTP_ROLES_PARAM "security.totp_roles"
bool ms_totp_required(const ms_pack *pack, ms_role role, ms_date today);
/* Checks that every value of security.totp_roles names a known role, so a
 * misspelt role cannot silently drop the requirement (MS_ERR_PACK). The
 * server calls it when it loads a pack. */
ms_err ms_totp_policy_check(const ms_pack *pack, ms_error *err);

#endif
