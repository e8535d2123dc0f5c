/* session.c — login sessions, API tokens of department interfaces and the
 * users' second factors (SPEC §6, §7); the rules are in session.h. Tokens
 * are 32 bytes from libsodium's generator, handed out once as hex; the
 * store keeps their SHA-256 only. Who may create, list or revoke mirrors
 * auth.c: an admin whose scope covers the user, or the server's operator
 * (actor NULL). The TOTP arithmetic is in totp.c. */
#include "auth/session.h"

#include "rules/pack.h"
#include "store/store_session.h"

#include <sodium.h>

#include <stdio.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

/* One message for every refused session or token, so a caller learns
 * nothing about which tokens exist or why one stopped working. */
static const char refused_session[] = "未登录或登录已失效，请重新登录 (not logged in, or the "
                                      "session has ended: log in again)";
static const char refused_token[] = "令牌无效、已吊销或其用户已停用 (the token is unknown, "
                                    "revoked, or its user is disabled)";

static ms_err sodium_ready(ms_error *err)
{
	if (sodium_init() < 0)
		return ms_error_set(err, MS_ERR_INTERNAL,
		                    "libsodium 初始化失败 (libsodium failed to initialise)");
	return MS_ERR_OK;
}

static void copy_field(char *dst, size_t cap, const char *src)
{
	size_t n = src ? strlen(src) : 0;
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, src ? src : "", n);
	dst[n] = '\0';
}

static void now_rfc3339(char out[32])
{
	time_t t = time(NULL) + 8 * 3600;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%S+08:00", &tm);
}

/* a + b, held at INT64_MAX instead of overflowing (times read back from
 * the database are not trusted to be small) */
static int64_t sat_add(int64_t a, int64_t b)
{
	if (b > 0 && a > INT64_MAX - b)
		return INT64_MAX;
	if (b < 0 && a < INT64_MIN - b)
		return INT64_MIN;
	return a + b;
}

static int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

/* 32 random bytes as 64 lower-case hex digits. */
static void random_hex(char out[MS_TOKEN_HEX])
{
	unsigned char b[32];
	randombytes_buf(b, sizeof b);
	sodium_bin2hex(out, MS_TOKEN_HEX, b, sizeof b);
	sodium_memzero(b, sizeof b);
}

/* A token as we hand them out: exactly 64 lower-case hex digits. Anything
 * else is refused before the database is asked. */
static bool token_shape_ok(const char *t)
{
	if (!t)
		return false;
	size_t i = 0;
	for (; i < 64; i++)
		if (!((t[i] >= '0' && t[i] <= '9') || (t[i] >= 'a' && t[i] <= 'f')))
			return false;
	return t[i] == '\0';
}

/* The hex SHA-256 of a token's text: what the store keeps. The text is
 * hashed as given, so an operator can find a row with `sha256sum`. */
static void token_hash(const char *token, char out[MS_TOKEN_HEX])
{
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(h, (const unsigned char *)token, strlen(token));
	sodium_bin2hex(out, MS_TOKEN_HEX, h, sizeof h);
}

/* The stored hash is the one looked up; comparing again in constant time
 * costs nothing and guards against a store that matched loosely. */
static bool hash_equal(const char *a, const char *b)
{
	return a && b && strlen(a) == 64 && strlen(b) == 64 && sodium_memcmp(a, b, 64) == 0;
}

static ms_err limits_ok(const ms_session_limits *lim, ms_error *err)
{
	if (!lim || lim->idle <= 0 || lim->absolute <= 0 || lim->idle > MS_SESSION_LIMIT_MAX ||
	    lim->absolute > MS_SESSION_LIMIT_MAX)
		return ms_error_set(err, MS_ERR_INVALID,
		                    "会话时限应为 1 秒到 366 天 (session limits must lie between 1 "
		                    "second and 366 days)");
	return MS_ERR_OK;
}

static void user_from_parts(ms_user *u, const char *name, const char *role, const char *scope,
                            const char *station, bool disabled, bool must_change)
{
	memset(u, 0, sizeof *u);
	copy_field(u->name, sizeof u->name, name);
	u->role = ms_role_parse(role);
	copy_field(u->scope, sizeof u->scope, scope);
	copy_field(u->station, sizeof u->station, station);
	u->disabled = disabled;
	u->must_change = must_change;
}

/* The actor must be an admin whose scope covers `scope` (as in auth.c). */
static ms_err need_admin_over(const ms_user *a, const char *scope, const char *what,
                              ms_error *err)
{
	if (a->role != MS_ROLE_ADMIN)
		return ms_error_set(err, MS_ERR_FORBIDDEN,
		                    "只有管理员可以%s，%s 是%s (only an admin may %s; %s is %s)",
		                    what, a->name, ms_role_label(a->role, false), what, a->name,
		                    ms_role_code(a->role));
	if (!ms_scope_covers(a->scope, scope))
		return ms_error_set(err, MS_ERR_FORBIDDEN,
		                    "范围 %s 不在管理员 %s 的范围 %s 之内 (scope %s is outside admin "
		                    "%s's scope %s)",
		                    scope, a->name, a->scope, scope, a->name, a->scope);
	return MS_ERR_OK;
}

/* Reads the target user for an action on it by `actor`: NULL is the
 * server's operator; otherwise an enabled admin whose scope covers the
 * target, or (self_ok) the target itself. The actor is checked before the
 * target is looked up, so a user without rights learns nothing about which
 * other names exist. */
static ms_err may_manage(ms_store *s, const char *actor, const char *user, bool self_ok,
                         const char *what, ms_user *target, ms_error *err)
{
	ms_user a;
	ms_err e;
	bool self = false;
	if (actor) {
		if ((e = ms_auth_actor(s, actor, &a, err)))
			return e;
		self = self_ok && user && strcmp(a.name, user) == 0;
		if (!self && a.role != MS_ROLE_ADMIN)
			return need_admin_over(&a, "", what, err);
	}
	if ((e = ms_auth_user_get(s, user, target, err)))
		return e;
	if (actor && !self)
		return need_admin_over(&a, target->scope, what, err);
	return MS_ERR_OK;
}

/* ---- sessions ---- */

static bool addr_ok(const char *addr)
{
	if (!addr)
		return true;
	size_t n = strlen(addr);
	if (n > MS_SESSION_ADDR_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (addr[i] < 0x21 || addr[i] > 0x7e)
			return false;
	return true;
}

ms_err ms_session_create(ms_store *s, const ms_user *u, const char *addr, int64_t now,
                         const ms_session_limits *lim, ms_session *out, ms_error *err)
{
	ms_err e;
	if ((e = limits_ok(lim, err)))
		return e;
	if (!u || !*u->name)
		return ms_error_set(err, MS_ERR_INVALID, "缺少用户 (no user given)");
	if (!addr_ok(addr))
		return ms_error_set(err, MS_ERR_INVALID,
		                    "客户端地址无效或超过 %d 字节 (the client address is invalid or "
		                    "longer than %d bytes)",
		                    MS_SESSION_ADDR_MAX, MS_SESSION_ADDR_MAX);
	if ((e = sodium_ready(err)))
		return e;
	char token[MS_TOKEN_HEX], csrf[MS_TOKEN_HEX], hash[MS_TOKEN_HEX];
	random_hex(token);
	random_hex(csrf);
	token_hash(token, hash);
	int64_t expires = sat_add(now, lim->absolute);
	ms_user fresh;
	if ((e = ms_store_begin_write(s, err)))
		goto out;
	/* the user as it is now: one disabled since the password was checked
	 * opens nothing */
	ms_error quiet;
	ms_error_clear(&quiet);
	e = ms_auth_user_get(s, u->name, &fresh, &quiet);
	if (e == MS_ERR_NOT_FOUND || (!e && (fresh.disabled || fresh.role == MS_ROLE_NONE))) {
		e = ms_error_set(err, MS_ERR_UNAUTHORIZED, "%s", refused_session);
		goto fail;
	}
	if (e) {
		ms_error_set(err, e, "%s", quiet.msg);
		goto fail;
	}
	if ((e = ms_store_session_insert(s, hash, fresh.name, csrf, addr, now, expires, err)) ||
	    (e = ms_store_session_trim_user(s, fresh.name, MS_SESSION_PER_USER_MAX, err)) ||
	    (e = ms_store_commit(s, err)))
		goto fail;
	memset(out, 0, sizeof *out);
	memcpy(out->token, token, sizeof out->token);
	memcpy(out->csrf, csrf, sizeof out->csrf);
	out->user = fresh;
	out->created = now;
	out->last_seen = now;
	out->expires = min64(sat_add(now, lim->idle), expires);
	goto out;
fail:
	ms_store_rollback(s);
out:
	sodium_memzero(token, sizeof token);
	sodium_memzero(csrf, sizeof csrf);
	return e;
}

/* Which sessions this process has just written last_seen for: slots by
 * hash, each the time of its latest write. */
#define TOUCH_SLOTS 1024
static struct {
	char hash[17];
	int64_t at;
} touched[TOUCH_SLOTS];
static pthread_mutex_t touched_mu = PTHREAD_MUTEX_INITIALIZER;

/* True when the caller should write last_seen now: no other thread of the
 * process wrote it for this session in the last minute. */
static bool touch_claim(const char *hash, int64_t now)
{
	uint32_t h = 2166136261u;
	for (int i = 0; i < 16; i++)
		h = (h ^ (uint8_t)hash[i]) * 16777619u;
	bool claim = false;
	pthread_mutex_lock(&touched_mu);
	int i = (int)(h % TOUCH_SLOTS);
	if (memcmp(touched[i].hash, hash, 16) != 0 || now - touched[i].at >= 60) {
		memcpy(touched[i].hash, hash, 16);
		touched[i].hash[16] = 0;
		touched[i].at = now;
		claim = true;
	}
	pthread_mutex_unlock(&touched_mu);
	return claim;
}

ms_err ms_session_check(ms_store *s, const char *token, int64_t now,
                        const ms_session_limits *lim, ms_session *out, ms_error *err)
{
	ms_err e;
	if ((e = limits_ok(lim, err)))
		return e;
	if (!token_shape_ok(token))
		return ms_error_set(err, MS_ERR_UNAUTHORIZED, "%s", refused_session);
	char hash[MS_TOKEN_HEX];
	token_hash(token, hash);
	ms_session_row r;
	e = ms_store_session_get(s, hash, &r, err);
	if (e == MS_ERR_NOT_FOUND || (!e && !hash_equal(r.token_hash, hash)))
		return ms_error_set(err, MS_ERR_UNAUTHORIZED, "%s", refused_session);
	if (e)
		return e;
	/* the absolute end is the earlier of what was set at login and what
	 * the limits say now, so shortening the limit takes effect at once */
	int64_t end_abs = min64(r.expires, sat_add(r.created, lim->absolute));
	int64_t end_idle = sat_add(r.last_seen, lim->idle);
	if (now >= end_abs || now >= end_idle) {
		/* best effort: purge removes it later if this fails */
		ms_store_session_delete(s, hash, NULL);
		return ms_error_set(err, MS_ERR_UNAUTHORIZED, "%s", refused_session);
	}
	if (r.disabled || ms_role_parse(r.role) == MS_ROLE_NONE)
		return ms_error_set(err, MS_ERR_UNAUTHORIZED, "%s", refused_session);
	memset(out, 0, sizeof *out);
	copy_field(out->csrf, sizeof out->csrf, r.csrf);
	user_from_parts(&out->user, r.user, r.role, r.scope, r.station, r.disabled,
	                r.must_change);
	out->created = r.created;
	out->last_seen = r.last_seen;
	/* a write per request would serialise every reader behind the write
	 * lock; a minute's precision is plenty for a 30-minute idle limit. Of
	 * the requests of one session that arrive together once the minute is
	 * up, only the first of this process writes (the others would queue
	 * for the write lock one behind the other), and a failed write is not
	 * the request's failure: the next minute writes again. */
	if (now - r.last_seen >= 60 && touch_claim(hash, now)) {
		ms_error terr;
		ms_error_clear(&terr);
		if (ms_store_session_touch(s, hash, now, &terr) == MS_ERR_OK)
			out->last_seen = now;
	}
	out->expires = min64(end_abs, sat_add(out->last_seen, lim->idle));
	return MS_ERR_OK;
}

bool ms_session_csrf_ok(const ms_session *sess, const char *given)
{
	if (!sess || !given || strlen(sess->csrf) != 64 || strlen(given) != 64)
		return false;
	return sodium_memcmp(sess->csrf, given, 64) == 0;
}

ms_err ms_session_end(ms_store *s, const char *token, ms_error *err)
{
	if (!token_shape_ok(token))
		return MS_ERR_OK;
	char hash[MS_TOKEN_HEX];
	token_hash(token, hash);
	return ms_store_session_delete(s, hash, err);
}

ms_err ms_session_end_user(ms_store *s, const char *user, ms_error *err)
{
	if (!user)
		return MS_ERR_OK;
	return ms_store_session_delete_user(s, user, NULL, err);
}

ms_err ms_session_purge(ms_store *s, int64_t now, const ms_session_limits *lim, int64_t *n,
                        ms_error *err)
{
	ms_err e = limits_ok(lim, err);
	if (e)
		return e;
	int64_t k = 0;
	if ((e = ms_store_session_purge(s, now, lim->idle, lim->absolute, &k, err)))
		return e;
	if (n)
		*n = k;
	return MS_ERR_OK;
}

/* ---- API tokens ---- */

/* Valid UTF-8 without control characters. */
static bool text_ok(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		size_t len;
		if (*p < 0x20 || *p == 0x7f)
			return false;
		if (*p < 0x80)
			len = 1;
		else if ((*p & 0xE0) == 0xC0 && *p >= 0xC2)
			len = 2;
		else if ((*p & 0xF0) == 0xE0)
			len = 3;
		else if ((*p & 0xF8) == 0xF0 && *p <= 0xF4)
			len = 4;
		else
			return false;
		for (size_t i = 1; i < len; i++)
			if ((p[i] & 0xC0) != 0x80)
				return false;
		p += len;
	}
	return true;
}

/* Checks a feed list and writes it canonical: names (lower-case letters,
 * digits, _; 1–40 bytes, as feed.c requires) joined by ',' without spaces,
 * each once, in the order given. */
static ms_err feeds_normalise(const char *in, char out[MS_TOKEN_FEEDS_MAX], ms_error *err)
{
	if (!in || !*in)
		return ms_error_set(err, MS_ERR_INVALID,
		                    "需要至少一个数据源名称 (a token needs at least one feed)");
	if (strlen(in) >= MS_TOKEN_FEEDS_MAX)
		return ms_error_set(err, MS_ERR_TOO_LARGE,
		                    "数据源列表超过 %d 字节 (the feed list is longer than %d bytes)",
		                    MS_TOKEN_FEEDS_MAX - 1, MS_TOKEN_FEEDS_MAX - 1);
	size_t o = 0;
	out[0] = '\0';
	const char *p = in;
	for (;;) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		while (n && p[0] == ' ') {
			p++;
			n--;
		}
		while (n && p[n - 1] == ' ')
			n--;
		bool ok = n >= 1 && n <= 40;
		for (size_t i = 0; ok && i < n; i++)
			ok = (p[i] >= 'a' && p[i] <= 'z') || (p[i] >= '0' && p[i] <= '9') || p[i] == '_';
		if (!ok)
			return ms_error_set(err, MS_ERR_INVALID,
			                    "数据源名称应为 1–40 个小写字母、数字或 _，以逗号分隔：%.*s "
			                    "(feed names are 1-40 lower-case letters, digits or _, "
			                    "separated by commas)",
			                    (int)(n > 80 ? 80 : n), p);
		char name[41];
		memcpy(name, p, n);
		name[n] = '\0';
		if (!ms_token_feed_allowed(out, name)) {
			if (o)
				out[o++] = ',';
			memcpy(out + o, name, n + 1);
			o += n;
		}
		if (!end)
			break;
		p = end + 1;
	}
	return MS_ERR_OK;
}

bool ms_token_feed_allowed(const char *feeds, const char *feed)
{
	if (!feeds || !feed || !*feed)
		return false;
	size_t fl = strlen(feed);
	const char *p = feeds;
	for (;;) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		if (n == fl && memcmp(p, feed, n) == 0)
			return true;
		if (!end)
			return false;
		p = end + 1;
	}
}

static void token_from_row(const ms_token_row *r, ms_api_token *t)
{
	memset(t, 0, sizeof *t);
	t->id = r->id;
	user_from_parts(&t->user, r->user, r->role, r->scope, r->station, r->disabled,
	                r->must_change);
	copy_field(t->feeds, sizeof t->feeds, r->feeds);
	copy_field(t->label, sizeof t->label, r->label);
	copy_field(t->created, sizeof t->created, r->created);
	t->revoked = r->revoked != NULL;
}

ms_err ms_token_create(ms_store *s, const char *actor, const char *user, const char *feeds,
                       const char *label, char token_out[MS_TOKEN_HEX], int64_t *id,
                       ms_error *err)
{
	char canon[MS_TOKEN_FEEDS_MAX];
	ms_err e = feeds_normalise(feeds, canon, err);
	if (e)
		return e;
	if (!label)
		label = "";
	if (strlen(label) > MS_TOKEN_LABEL_MAX)
		return ms_error_set(err, MS_ERR_TOO_LARGE,
		                    "令牌说明超过 100 字节 (a token label has 100 bytes at most)");
	if (!text_ok(label))
		return ms_error_set(err, MS_ERR_INVALID,
		                    "令牌说明含控制字符或不是 UTF-8 (the label holds control "
		                    "characters or is not UTF-8)");
	if ((e = sodium_ready(err)))
		return e;
	char token[MS_TOKEN_HEX], hash[MS_TOKEN_HEX];
	random_hex(token);
	token_hash(token, hash);
	if ((e = ms_store_begin_write(s, err)))
		goto out;
	ms_user t;
	if ((e = may_manage(s, actor, user, false, "建立接口令牌 create API tokens", &t, err)))
		goto fail;
	if (t.role != MS_ROLE_UPLOADER) {
		e = ms_error_set(err, MS_ERR_INVALID,
		                 "只能为部门接口用户 (uploader) 建立令牌，%s 是%s (tokens are for "
		                 "users of role uploader; %s is %s)",
		                 t.name, ms_role_label(t.role, false), t.name, ms_role_code(t.role));
		goto fail;
	}
	if (t.disabled) {
		e = ms_error_set(err, MS_ERR_INVALID,
		                 "用户 %s 已停用，不能建立令牌 (user %s is disabled)", t.name,
		                 t.name);
		goto fail;
	}
	char ts[32];
	now_rfc3339(ts);
	int64_t newid = 0;
	if ((e = ms_store_token_insert(s, hash, t.name, canon, label, ts, actor ? actor : "",
	                               &newid, err)) ||
	    (e = ms_store_commit(s, err)))
		goto fail;
	memcpy(token_out, token, MS_TOKEN_HEX);
	if (id)
		*id = newid;
	goto out;
fail:
	ms_store_rollback(s);
out:
	sodium_memzero(token, sizeof token);
	return e;
}

ms_err ms_token_check(ms_store *s, const char *token, ms_api_token *out, ms_error *err)
{
	if (!token_shape_ok(token))
		return ms_error_set(err, MS_ERR_UNAUTHORIZED, "%s", refused_token);
	char hash[MS_TOKEN_HEX];
	token_hash(token, hash);
	ms_token_row r;
	ms_err e = ms_store_token_get_hash(s, hash, &r, err);
	if (e == MS_ERR_NOT_FOUND || (!e && !hash_equal(r.token_hash, hash)))
		return ms_error_set(err, MS_ERR_UNAUTHORIZED, "%s", refused_token);
	if (e)
		return e;
	/* the role is read again: a user moved away from uploader keeps no
	 * upload rights through an old token */
	if (r.revoked || r.disabled || ms_role_parse(r.role) != MS_ROLE_UPLOADER)
		return ms_error_set(err, MS_ERR_UNAUTHORIZED, "%s", refused_token);
	token_from_row(&r, out);
	return MS_ERR_OK;
}

ms_err ms_token_revoke(ms_store *s, const char *actor, int64_t id, ms_error *err)
{
	ms_err e;
	if ((e = ms_store_begin_write(s, err)))
		return e;
	ms_user a;
	static const char what[] = "吊销接口令牌 revoke API tokens";
	if (actor && ((e = ms_auth_actor(s, actor, &a, err)) ||
	              (a.role != MS_ROLE_ADMIN && (e = need_admin_over(&a, "", what, err)))))
		goto fail;
	ms_token_row r;
	e = ms_store_token_get(s, id, &r, err);
	if (e == MS_ERR_NOT_FOUND) {
		e = ms_error_set(err, MS_ERR_NOT_FOUND, "没有编号为 %lld 的令牌 (no token %lld)",
		                 (long long)id, (long long)id);
		goto fail;
	}
	if (e)
		goto fail;
	if (actor && (e = need_admin_over(&a, r.scope, what, err)))
		goto fail;
	char ts[32];
	now_rfc3339(ts);
	if ((e = ms_store_token_revoke(s, id, ts, err)) || (e = ms_store_commit(s, err)))
		goto fail;
	return MS_ERR_OK;
fail:
	ms_store_rollback(s);
	return e;
}

typedef struct token_list_ctx {
	int (*fn)(void *ctx, const ms_api_token *t);
	void *ctx;
} token_list_ctx;

static int on_token(void *ctx, const ms_token_row *r)
{
	token_list_ctx *c = ctx;
	ms_api_token t;
	token_from_row(r, &t);
	return c->fn(c->ctx, &t);
}

ms_err ms_token_list(ms_store *s, const char *actor,
                     int (*fn)(void *ctx, const ms_api_token *t), void *ctx, ms_error *err)
{
	ms_user a;
	const char *prefix = NULL;
	if (actor) {
		ms_err e = ms_auth_actor(s, actor, &a, err);
		if (e)
			return e;
		if (a.role != MS_ROLE_ADMIN)
			return ms_error_set(err, MS_ERR_FORBIDDEN,
			                    "只有管理员可以查看接口令牌，%s 是%s (only an admin may list "
			                    "API tokens; %s is %s)",
			                    a.name, ms_role_label(a.role, false), a.name,
			                    ms_role_code(a.role));
		prefix = a.scope;
	}
	token_list_ctx c = {fn, ctx};
	return ms_store_token_list(s, prefix, on_token, &c, err);
}

/* ---- second factor ---- */

/* Percent-encodes a user name for the label of an otpauth URI (RFC 3986
 * unreserved characters pass; Chinese names become %XX bytes). */
static bool uri_escape(const char *in, char *out, size_t cap)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;
	for (const unsigned char *p = (const unsigned char *)in; *p; p++) {
		bool plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		             (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' || *p == '_' ||
		             *p == '~';
		if (o + (plain ? 1 : 3) >= cap)
			return false;
		if (plain) {
			out[o++] = (char)*p;
		} else {
			out[o++] = '%';
			out[o++] = hex[*p >> 4];
			out[o++] = hex[*p & 15];
		}
	}
	out[o] = '\0';
	return true;
}

ms_err ms_totp_enrol(ms_store *s, const char *actor, const char *user,
                     char secret_out[MS_TOTP_SECRET_B32], char *uri_out, size_t uri_cap,
                     ms_error *err)
{
	ms_err e;
	if ((e = sodium_ready(err)))
		return e;
	uint8_t key[20];
	char secret[MS_TOTP_SECRET_B32];
	char uri[512];
	if ((e = ms_store_begin_write(s, err)))
		return e;
	ms_user t;
	if ((e = may_manage(s, actor, user, true, "为他人设置第二因素 enrol others' second factor",
	                    &t, err)))
		goto fail;
	char label[MS_USER_NAME_MAX * 3 + 1];
	if (!uri_escape(t.name, label, sizeof label)) {
		e = ms_error_set(err, MS_ERR_TOO_LARGE, "用户名过长 (the user name is too long)");
		goto fail;
	}
	randombytes_buf(key, sizeof key);
	ms_base32_encode(key, sizeof key, secret, sizeof secret);
	int n = snprintf(uri, sizeof uri, "otpauth://totp/minsheng:%s?secret=%s&issuer=minsheng",
	                 label, secret);
	if (n < 0 || (size_t)n >= sizeof uri || !uri_out || (size_t)n >= uri_cap) {
		e = ms_error_set(err, MS_ERR_TOO_LARGE,
		                 "存放 otpauth 地址的缓冲区过小 (the buffer for the otpauth URI is "
		                 "too small)");
		goto fail;
	}
	char ts[32];
	now_rfc3339(ts);
	if ((e = ms_store_totp_set(s, t.name, secret, ts, err)) || (e = ms_store_commit(s, err)))
		goto fail;
	memcpy(secret_out, secret, MS_TOTP_SECRET_B32);
	memcpy(uri_out, uri, (size_t)n + 1);
	goto out;
fail:
	ms_store_rollback(s);
out:
	sodium_memzero(key, sizeof key);
	sodium_memzero(secret, sizeof secret);
	sodium_memzero(uri, sizeof uri);
	return e;
}

ms_err ms_totp_remove(ms_store *s, const char *actor, const char *user, ms_error *err)
{
	ms_err e;
	if ((e = ms_store_begin_write(s, err)))
		return e;
	/* not the user itself (unless an admin): whoever holds a stolen session
	 * must not be able to drop the factor that protects the next login */
	ms_user t;
	if ((e = may_manage(s, actor, user, false, "取消第二因素 remove a second factor", &t, err)))
		goto fail;
	char ts[32];
	now_rfc3339(ts);
	if ((e = ms_store_totp_clear(s, t.name, ts, err)) || (e = ms_store_commit(s, err)))
		goto fail;
	return MS_ERR_OK;
fail:
	ms_store_rollback(s);
	return e;
}

ms_err ms_totp_secret(ms_store *s, const char *user, bool *has,
                      char secret_out[MS_TOTP_SECRET_B32], ms_error *err)
{
	ms_err e = ms_store_totp_get(s, user ? user : "", has, secret_out, MS_TOTP_SECRET_B32, err);
	if (e == MS_ERR_NOT_FOUND)
		return ms_error_set(err, MS_ERR_NOT_FOUND, "没有用户 %s (no user named %s)",
		                    user ? user : "", user ? user : "");
	return e;
}

/* ---- the pack's requirement ---- */

static const ms_param_value *totp_roles(const ms_pack *pack, ms_date today)
{
	if (!pack)
		return NULL;
	int i = ms_pack_param_index(pack, MS_TOTP_ROLES_PARAM);
	if (i < 0 || pack->params[i].type != TY_SET)
		return NULL;
	return ms_pack_param_value(pack, i, pack->province, today);
}

bool ms_totp_required(const ms_pack *pack, ms_role role, ms_date today)
{
	const ms_param_value *v = totp_roles(pack, today);
	const char *code = ms_role_code(role);
	if (!v || !*code)
		return false;
	for (int k = 0; k < v->nset; k++)
		if (strcmp(v->set[k], code) == 0)
			return true;
	return false;
}

ms_err ms_totp_policy_check(const ms_pack *pack, ms_error *err)
{
	if (!pack)
		return MS_ERR_OK;
	int i = ms_pack_param_index(pack, MS_TOTP_ROLES_PARAM);
	if (i < 0)
		return MS_ERR_OK;
	const ms_param *p = &pack->params[i];
	if (p->type != TY_SET)
		return ms_error_set(err, MS_ERR_PACK,
		                    "参数 %s 应为集合 (set) (parameter %s must have type set)",
		                    MS_TOTP_ROLES_PARAM, MS_TOTP_ROLES_PARAM);
	for (int k = 0; k < p->nvalues; k++)
		for (int j = 0; j < p->values[k].nset; j++)
			if (ms_role_parse(p->values[k].set[j]) == MS_ROLE_NONE)
				return ms_error_set(err, MS_ERR_PACK,
				                    "参数 %s 中的 %s 不是角色代码 (%s in parameter %s is "
				                    "not a role code: admin, officer, station_head, worker, "
				                    "uploader, evaluator, auditor)",
				                    MS_TOTP_ROLES_PARAM, p->values[k].set[j],
				                    p->values[k].set[j], MS_TOTP_ROLES_PARAM);
	return MS_ERR_OK;
}
