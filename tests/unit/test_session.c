/* test_session.c — sessions, API tokens, second factors and jobs (SPEC §6,
 * §7): the RFC 6238 and RFC 4226 test vectors, base32 against RFC 4648,
 * the TOTP window, the life of a session (idle and absolute ends, logout,
 * password change and disabling, purge), who may create and revoke tokens
 * and what a token allows, the pack's second-factor requirement, and job
 * rows, each against a temporary database. */
#include "testutil.h"

#include "auth/auth.h"
#include "auth/session.h"
#include "rules/pack.h"
#include "store/store.h"
#include "store/store_alerts.h"
#include "store/store_auth.h"
#include "store/store_session.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

typedef struct fixture {
	char dir[64];
	char path[128];
	char url[640]; /* path, or a database on PostgreSQL (t_db_fresh) */
	ms_store *s;
} fixture;

static const ms_session_limits LIM = {.idle = 1800, .absolute = 43200};

static int setup(void **state)
{
	setenv("MINSHENG_PWHASH", "min", 1);
	fixture *f = calloc(1, sizeof *f);
	if (!f)
		return -1;
	snprintf(f->dir, sizeof f->dir, "/tmp/ms-session-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof f->path, "%s/t.db", f->dir);
	if (!t_db_fresh(f->path, f->url, sizeof f->url))
		return -1;
	ms_error err;
	ms_error_clear(&err);
	if (ms_store_open(f->url, MS_STORE_CREATE, &f->s, &err))
		return -1;
	ms_upsert_result ur;
	if (ms_store_station_upsert(f->s, "440106001", "五山街道社工站", "station", &ur, &err))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	ms_store_close(f->s);
	t_db_drop(f->url);
	char p[160];
	const char *sfx[] = {"", "-wal", "-shm"};
	for (int i = 0; i < 3; i++) {
		snprintf(p, sizeof p, "%s%s", f->path, sfx[i]);
		unlink(p);
	}
	rmdir(f->dir);
	free(f);
	return 0;
}

static void add(fixture *f, const char *actor, const char *name, ms_role role,
                const char *scope, const char *station)
{
	ms_error err;
	ms_error_clear(&err);
	ms_user_new u = {.name = name, .role = role, .scope = scope, .station = station,
	                 .password = "password1"};
	ms_err e = ms_auth_user_add(f->s, actor, &u, &err);
	if (e)
		fail_msg("adding %s: %s", name, ms_error_text(&err));
}

/* root (admin 44), city (admin 4401), other (admin 4403), off (officer
 * 4401), wk (worker), up (uploader 4401), up3 (uploader 4403) */
static void add_users(fixture *f)
{
	add(f, NULL, "root", MS_ROLE_ADMIN, "44", NULL);
	add(f, "root", "city", MS_ROLE_ADMIN, "4401", NULL);
	add(f, "root", "other", MS_ROLE_ADMIN, "4403", NULL);
	add(f, "root", "off", MS_ROLE_OFFICER, "4401", NULL);
	add(f, "root", "wk", MS_ROLE_WORKER, "440106001", "440106001");
	add(f, "root", "up", MS_ROLE_UPLOADER, "4401", NULL);
	add(f, "root", "up3", MS_ROLE_UPLOADER, "4403", NULL);
}

static ms_user user_of(fixture *f, const char *name)
{
	ms_error err;
	ms_error_clear(&err);
	ms_user u;
	assert_int_equal(ms_auth_user_get(f->s, name, &u, &err), MS_ERR_OK);
	return u;
}

static ms_err check(fixture *f, const char *token, int64_t now, ms_session *out)
{
	ms_error err;
	ms_error_clear(&err);
	ms_session tmp;
	return ms_session_check(f->s, token, now, &LIM, out ? out : &tmp, &err);
}

static void open_session(fixture *f, const char *name, int64_t now, ms_session *out)
{
	ms_error err;
	ms_error_clear(&err);
	ms_user u = user_of(f, name);
	ms_err e = ms_session_create(f->s, &u, "127.0.0.1", now, &LIM, out, &err);
	if (e)
		fail_msg("session for %s: %s", name, ms_error_text(&err));
}

/* ---- TOTP and base32 ---- */

static void test_totp_rfc6238_vectors(void **state)
{
	(void)state;
	/* RFC 6238 Appendix B, SHA1, 8 digits, key "12345678901234567890" */
	static const struct {
		int64_t t;
		const char *code;
	} v[] = {{59, "94287082"},         {1111111109, "07081804"}, {1111111111, "14050471"},
	         {1234567890, "89005924"}, {2000000000, "69279037"}, {20000000000, "65353130"}};
	const uint8_t *key = (const uint8_t *)"12345678901234567890";
	char out[9];
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		ms_totp_code(key, 20, v[i].t, 8, out);
		assert_string_equal(out, v[i].code);
	}
	/* RFC 4226 Appendix D: HOTP counters 0–9, 6 digits (counter c = time 30c) */
	static const char *const hotp[] = {"755224", "287082", "359152", "969429", "338314",
	                                   "254676", "287922", "162583", "399871", "520489"};
	for (int c = 0; c < 10; c++) {
		ms_totp_code(key, 20, 30 * c + 29, 6, out);
		assert_string_equal(out, hotp[c]);
	}
	/* 7 digits: the 8-digit code less its first digit */
	ms_totp_code(key, 20, 59, 7, out);
	assert_string_equal(out, "4287082");
	/* digits outside 6–8: no code */
	ms_totp_code(key, 20, 59, 5, out);
	assert_string_equal(out, "");
	ms_totp_code(key, 20, 59, 9, out);
	assert_string_equal(out, "");
}

static void test_base32_rfc4648(void **state)
{
	(void)state;
	static const struct {
		const char *plain, *b32, *padded;
	} v[] = {{"", "", ""},
	         {"f", "MY", "MY======"},
	         {"fo", "MZXQ", "MZXQ===="},
	         {"foo", "MZXW6", "MZXW6==="},
	         {"foob", "MZXW6YQ", "MZXW6YQ="},
	         {"fooba", "MZXW6YTB", "MZXW6YTB"},
	         {"foobar", "MZXW6YTBOI", "MZXW6YTBOI======"}};
	char enc[80];
	uint8_t dec[64];
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		size_t n = strlen(v[i].plain);
		ms_base32_encode((const uint8_t *)v[i].plain, n, enc, sizeof enc);
		assert_string_equal(enc, v[i].b32);
		assert_int_equal(ms_base32_decode(v[i].b32, dec, sizeof dec), (int)n);
		assert_memory_equal(dec, v[i].plain, n);
		assert_int_equal(ms_base32_decode(v[i].padded, dec, sizeof dec), (int)n);
		assert_memory_equal(dec, v[i].plain, n);
	}
	/* lower case is read too */
	assert_int_equal(ms_base32_decode("mzxw6ytboi", dec, sizeof dec), 6);
	assert_memory_equal(dec, "foobar", 6);
	/* bad characters, impossible lengths, a buffer too small */
	assert_int_equal(ms_base32_decode("MZ1W", dec, sizeof dec), -1);
	assert_int_equal(ms_base32_decode("MZXW6!", dec, sizeof dec), -1);
	assert_int_equal(ms_base32_decode("MZ XW", dec, sizeof dec), -1);
	assert_int_equal(ms_base32_decode("M", dec, sizeof dec), -1);
	assert_int_equal(ms_base32_decode("MZX", dec, sizeof dec), -1);
	assert_int_equal(ms_base32_decode("MZXW6Y", dec, sizeof dec), -1);
	assert_int_equal(ms_base32_decode("=MY", dec, sizeof dec), -1);
	assert_int_equal(ms_base32_decode("MZXW6YTBOI", dec, 5), -1);
	assert_int_equal(ms_base32_decode(NULL, dec, sizeof dec), -1);
	/* encode refuses to cut a secret short */
	ms_base32_encode((const uint8_t *)"foobar", 6, enc, 10);
	assert_string_equal(enc, "");
	ms_base32_encode((const uint8_t *)"foobar", 6, enc, 11);
	assert_string_equal(enc, "MZXW6YTBOI");
	/* round trips of every length up to 40 bytes */
	uint8_t in[40];
	for (int i = 0; i < 40; i++)
		in[i] = (uint8_t)(i * 37 + 11);
	for (size_t n = 0; n <= sizeof in; n++) {
		ms_base32_encode(in, n, enc, sizeof enc);
		assert_int_equal(strlen(enc), (n * 8 + 4) / 5);
		assert_int_equal(ms_base32_decode(enc, dec, sizeof dec), (int)n);
		assert_memory_equal(dec, in, n);
	}
}

static void test_totp_window(void **state)
{
	(void)state;
	const uint8_t *key = (const uint8_t *)"12345678901234567890";
	char secret[MS_TOTP_SECRET_B32];
	ms_base32_encode(key, 20, secret, sizeof secret);
	assert_string_equal(secret, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
	const int64_t now = 1111111111; /* step 37037037, 1 s into it */
	char code[9];
	ms_totp_code(key, 20, now, 6, code);
	assert_true(ms_totp_verify(secret, code, now));
	assert_int_equal(ms_totp_match(secret, code, now), now / 30);
	/* a code of the step before or after is accepted, two away is not */
	ms_totp_code(key, 20, now - 30, 6, code);
	assert_true(ms_totp_verify(secret, code, now));
	assert_int_equal(ms_totp_match(secret, code, now), now / 30 - 1);
	ms_totp_code(key, 20, now + 30, 6, code);
	assert_true(ms_totp_verify(secret, code, now));
	assert_int_equal(ms_totp_match(secret, code, now), now / 30 + 1);
	ms_totp_code(key, 20, now - 60, 6, code);
	assert_false(ms_totp_verify(secret, code, now));
	ms_totp_code(key, 20, now + 60, 6, code);
	assert_false(ms_totp_verify(secret, code, now));
	assert_int_equal(ms_totp_match(secret, code, now), -1);
	/* only six digits, only a good secret */
	ms_totp_code(key, 20, now, 6, code);
	char longer[10];
	snprintf(longer, sizeof longer, "%s0", code);
	assert_false(ms_totp_verify(secret, longer, now));
	assert_false(ms_totp_verify(secret, "12345", now));
	assert_false(ms_totp_verify(secret, "12a456", now));
	assert_false(ms_totp_verify(secret, "", now));
	assert_false(ms_totp_verify(secret, NULL, now));
	assert_false(ms_totp_verify("not base32!", code, now));
	assert_false(ms_totp_verify("", code, now));
	/* the 8-digit vector's last six digits are the 6-digit code */
	ms_totp_code(key, 20, 1111111111, 6, code);
	assert_string_equal(code, "050471");
}

/* ---- sessions ---- */

static void test_session_life(void **state)
{
	fixture *f = *state;
	add_users(f);
	ms_error err;
	const int64_t t0 = 1700000000;
	ms_session s1, got;
	open_session(f, "off", t0, &s1);
	assert_int_equal(strlen(s1.token), 64);
	assert_int_equal(strlen(s1.csrf), 64);
	assert_string_not_equal(s1.token, s1.csrf);
	assert_string_equal(s1.user.name, "off");
	assert_int_equal(s1.user.role, MS_ROLE_OFFICER);
	assert_int_equal(s1.expires, t0 + LIM.idle);

	/* the store keeps the hash only */
	ms_session_row row;
	ms_error_clear(&err);
	assert_int_equal(ms_store_session_get(f->s, s1.token, &row, &err), MS_ERR_NOT_FOUND);

	assert_int_equal(check(f, s1.token, t0 + 10, &got), MS_ERR_OK);
	assert_string_equal(got.user.name, "off");
	assert_string_equal(got.user.scope, "4401");
	assert_string_equal(got.csrf, s1.csrf);
	assert_string_equal(got.token, "");
	assert_true(ms_session_csrf_ok(&got, s1.csrf));
	assert_false(ms_session_csrf_ok(&got, s1.token));
	assert_false(ms_session_csrf_ok(&got, ""));
	assert_false(ms_session_csrf_ok(&got, NULL));
	/* last_seen is written once a minute at most */
	assert_int_equal(got.last_seen, t0);
	assert_int_equal(check(f, s1.token, t0 + 59, &got), MS_ERR_OK);
	assert_int_equal(got.last_seen, t0);
	assert_int_equal(check(f, s1.token, t0 + 60, &got), MS_ERR_OK);
	assert_int_equal(got.last_seen, t0 + 60);
	assert_int_equal(got.expires, t0 + 60 + LIM.idle);

	/* idle: 1800 s after the last recorded use it is over, and gone */
	assert_int_equal(check(f, s1.token, t0 + 60 + LIM.idle - 1, &got), MS_ERR_OK);
	assert_int_equal(check(f, s1.token, t0 + 60 + LIM.idle - 1 + LIM.idle, NULL),
	                 MS_ERR_UNAUTHORIZED);
	assert_int_equal(check(f, s1.token, t0 + 60 + LIM.idle, NULL), MS_ERR_UNAUTHORIZED);

	/* absolute: even in steady use it ends 12 hours after login */
	ms_session s2;
	open_session(f, "off", t0, &s2);
	int64_t t = t0;
	for (; t < t0 + LIM.absolute; t += 1200)
		assert_int_equal(check(f, s2.token, t, &got), MS_ERR_OK);
	assert_int_equal(got.expires, t0 + LIM.absolute);
	assert_int_equal(check(f, s2.token, t0 + LIM.absolute, NULL), MS_ERR_UNAUTHORIZED);

	/* a shorter absolute limit takes effect on sessions already open */
	ms_session s3;
	open_session(f, "off", t0, &s3);
	ms_session_limits shorter = {.idle = 1800, .absolute = 600};
	ms_error_clear(&err);
	assert_int_equal(ms_session_check(f->s, s3.token, t0 + 600, &shorter, &got, &err),
	                 MS_ERR_UNAUTHORIZED);

	/* logout */
	ms_session s4;
	open_session(f, "off", t0, &s4);
	assert_int_equal(check(f, s4.token, t0 + 1, NULL), MS_ERR_OK);
	ms_error_clear(&err);
	assert_int_equal(ms_session_end(f->s, s4.token, &err), MS_ERR_OK);
	assert_int_equal(check(f, s4.token, t0 + 2, NULL), MS_ERR_UNAUTHORIZED);
	/* ending an unknown or malformed token is not an error */
	assert_int_equal(ms_session_end(f->s, s4.token, &err), MS_ERR_OK);
	assert_int_equal(ms_session_end(f->s, "junk", &err), MS_ERR_OK);
	assert_int_equal(ms_session_end(f->s, NULL, &err), MS_ERR_OK);

	/* malformed and unknown tokens: one refusal */
	char upper[65];
	ms_session s5;
	open_session(f, "off", t0, &s5);
	for (int i = 0; i < 64; i++)
		upper[i] = (char)(s5.token[i] >= 'a' ? s5.token[i] - 32 : s5.token[i]);
	upper[64] = '\0';
	ms_error_clear(&err);
	assert_int_equal(ms_session_check(f->s, upper, t0, &LIM, &got, &err), MS_ERR_UNAUTHORIZED);
	char msg[MS_ERROR_MSG_MAX];
	snprintf(msg, sizeof msg, "%s", err.msg);
	ms_error_clear(&err);
	assert_int_equal(ms_session_check(f->s, s1.token, t0 + 999999, &LIM, &got, &err),
	                 MS_ERR_UNAUTHORIZED);
	assert_string_equal(err.msg, msg);
	assert_int_equal(check(f, "", t0, NULL), MS_ERR_UNAUTHORIZED);
	assert_int_equal(check(f, NULL, t0, NULL), MS_ERR_UNAUTHORIZED);
	char longer[80];
	snprintf(longer, sizeof longer, "%s0", s5.token);
	assert_int_equal(check(f, longer, t0, NULL), MS_ERR_UNAUTHORIZED);
	assert_int_equal(check(f, s5.token, t0, NULL), MS_ERR_OK);

	/* limits and addresses are checked */
	ms_user u = user_of(f, "off");
	ms_session_limits bad = {.idle = 0, .absolute = 10};
	ms_error_clear(&err);
	assert_int_equal(ms_session_create(f->s, &u, "::1", t0, &bad, &got, &err), MS_ERR_INVALID);
	char addr[80];
	memset(addr, '1', sizeof addr - 1);
	addr[sizeof addr - 1] = '\0';
	ms_error_clear(&err);
	assert_int_equal(ms_session_create(f->s, &u, addr, t0, &LIM, &got, &err), MS_ERR_INVALID);
	ms_error_clear(&err);
	assert_int_equal(ms_session_create(f->s, &u, "1.2.3.4\n", t0, &LIM, &got, &err),
	                 MS_ERR_INVALID);
	ms_error_clear(&err);
	assert_int_equal(ms_session_create(f->s, &u, NULL, t0, &LIM, &got, &err), MS_ERR_OK);
	ms_user ghost = u;
	snprintf(ghost.name, sizeof ghost.name, "ghost");
	ms_error_clear(&err);
	assert_int_equal(ms_session_create(f->s, &ghost, "::1", t0, &LIM, &got, &err),
	                 MS_ERR_UNAUTHORIZED);
}

static void test_session_ends_with_password_and_disable(void **state)
{
	fixture *f = *state;
	add_users(f);
	ms_error err;
	const int64_t t0 = 1700000000;
	ms_session a, b, other;
	open_session(f, "wk", t0, &a);
	open_session(f, "wk", t0 + 5, &b);
	open_session(f, "off", t0, &other);

	/* an admin resets the password: both sessions of wk end, off's stays */
	ms_error_clear(&err);
	assert_int_equal(ms_auth_user_passwd(f->s, "root", "wk", "new-password1", &err), MS_ERR_OK);
	assert_int_equal(check(f, a.token, t0 + 10, NULL), MS_ERR_UNAUTHORIZED);
	assert_int_equal(check(f, b.token, t0 + 10, NULL), MS_ERR_UNAUTHORIZED);
	assert_int_equal(check(f, other.token, t0 + 10, NULL), MS_ERR_OK);

	/* the user changes its own: same */
	ms_session c;
	open_session(f, "wk", t0 + 20, &c);
	ms_session got;
	assert_int_equal(check(f, c.token, t0 + 21, &got), MS_ERR_OK);
	assert_true(got.user.must_change);
	ms_error_clear(&err);
	assert_int_equal(ms_auth_user_passwd(f->s, "wk", "wk", "own-password1", &err), MS_ERR_OK);
	assert_int_equal(check(f, c.token, t0 + 22, NULL), MS_ERR_UNAUTHORIZED);

	/* a refused password change ends nothing */
	ms_session d;
	open_session(f, "wk", t0 + 30, &d);
	ms_error_clear(&err);
	assert_int_equal(ms_auth_user_passwd(f->s, "off", "wk", "x-password1", &err),
	                 MS_ERR_FORBIDDEN);
	assert_int_equal(check(f, d.token, t0 + 31, &got), MS_ERR_OK);
	assert_false(got.user.must_change);

	/* disabling ends the sessions, and a disabled user gets none */
	ms_error_clear(&err);
	assert_int_equal(ms_auth_user_disable(f->s, "root", "wk", &err), MS_ERR_OK);
	assert_int_equal(check(f, d.token, t0 + 32, NULL), MS_ERR_UNAUTHORIZED);
	ms_user wk = user_of(f, "wk");
	ms_error_clear(&err);
	assert_int_equal(ms_session_create(f->s, &wk, "::1", t0 + 40, &LIM, &got, &err),
	                 MS_ERR_UNAUTHORIZED);

	/* a session whose user is disabled behind its back (by the store
	 * directly) is refused too */
	ms_session e1;
	open_session(f, "off", t0 + 50, &e1);
	ms_error_clear(&err);
	assert_int_equal(ms_store_user_set_disabled(f->s, "off", true, "2026-01-01T00:00:00+08:00",
	                                            &err),
	                 MS_ERR_OK);
	assert_int_equal(check(f, e1.token, t0 + 51, NULL), MS_ERR_UNAUTHORIZED);
	assert_int_equal(ms_store_user_set_disabled(f->s, "off", false,
	                                            "2026-01-01T00:00:00+08:00", &err),
	                 MS_ERR_OK);
	assert_int_equal(check(f, e1.token, t0 + 52, NULL), MS_ERR_OK);
}

static int64_t count_sessions(fixture *f)
{
	/* a purge far in the future counts what is left, then nothing is */
	ms_error err;
	ms_error_clear(&err);
	int64_t n = -1;
	assert_int_equal(ms_store_session_purge(f->s, INT64_MAX / 2, 1, 1, &n, &err), MS_ERR_OK);
	return n;
}

static void test_session_purge_and_cap(void **state)
{
	fixture *f = *state;
	add_users(f);
	ms_error err;
	const int64_t t0 = 1700000000;
	ms_session idle, fresh, got;
	open_session(f, "off", t0, &idle);          /* idle since t0 */
	open_session(f, "city", t0 + 3000, &fresh); /* in use */
	/* in use but past its absolute end, and one whose end moved earlier
	 * with a shorter limit: written straight into the store */
	const char *h1 = "1111111111111111111111111111111111111111111111111111111111111111";
	const char *h2 = "2222222222222222222222222222222222222222222222222222222222222222";
	ms_error_clear(&err);
	assert_int_equal(ms_store_session_insert(f->s, h1, "root", "c", "", t0 - 43000, t0 + 200,
	                                         &err),
	                 MS_ERR_OK);
	assert_int_equal(ms_store_session_insert(f->s, h2, "root", "c", "", t0 - 50000,
	                                         t0 + 99999, &err),
	                 MS_ERR_OK);
	assert_int_equal(ms_store_session_touch(f->s, h1, t0 + 3500, &err), MS_ERR_OK);
	assert_int_equal(ms_store_session_touch(f->s, h2, t0 + 3500, &err), MS_ERR_OK);
	/* touch never moves last_seen back */
	assert_int_equal(ms_store_session_touch(f->s, h2, t0, &err), MS_ERR_OK);
	ms_session_row row;
	assert_int_equal(ms_store_session_get(f->s, h2, &row, &err), MS_ERR_OK);
	assert_int_equal(row.last_seen, t0 + 3500);
	assert_string_equal(row.user, "root");
	assert_string_equal(row.role, "admin");
	assert_null(row.station);
	int64_t n = -1;
	ms_error_clear(&err);
	assert_int_equal(ms_session_purge(f->s, t0 + 3600, &LIM, &n, &err), MS_ERR_OK);
	assert_int_equal(n, 3);
	assert_int_equal(check(f, fresh.token, t0 + 3600, &got), MS_ERR_OK);
	assert_int_equal(check(f, idle.token, t0 + 3600, &got), MS_ERR_UNAUTHORIZED);
	assert_int_equal(ms_session_purge(f->s, t0 + 3600, &LIM, &n, &err), MS_ERR_OK);
	assert_int_equal(n, 0);
	assert_int_equal(count_sessions(f), 1);

	/* a user keeps its 16 newest sessions */
	ms_session many[MS_SESSION_PER_USER_MAX + 4];
	for (int i = 0; i < MS_SESSION_PER_USER_MAX + 4; i++)
		open_session(f, "off", t0 + i, &many[i]);
	for (int i = 0; i < 4; i++)
		assert_int_equal(check(f, many[i].token, t0 + 30, NULL), MS_ERR_UNAUTHORIZED);
	for (int i = 4; i < MS_SESSION_PER_USER_MAX + 4; i++)
		assert_int_equal(check(f, many[i].token, t0 + 30, NULL), MS_ERR_OK);
	ms_error_clear(&err);
	assert_int_equal(ms_session_end_user(f->s, "off", &err), MS_ERR_OK);
	for (int i = 4; i < MS_SESSION_PER_USER_MAX + 4; i++)
		assert_int_equal(check(f, many[i].token, t0 + 30, NULL), MS_ERR_UNAUTHORIZED);
	assert_int_equal(ms_session_end_user(f->s, "nobody", &err), MS_ERR_OK);
}

/* ---- API tokens ---- */

static ms_err mk_token(fixture *f, const char *actor, const char *user, const char *feeds,
                       char token[MS_TOKEN_HEX], int64_t *id)
{
	ms_error err;
	ms_error_clear(&err);
	return ms_token_create(f->s, actor, user, feeds, "测试", token, id, &err);
}

static ms_err tcheck(fixture *f, const char *token, ms_api_token *out)
{
	ms_error err;
	ms_error_clear(&err);
	ms_api_token tmp;
	return ms_token_check(f->s, token, out ? out : &tmp, &err);
}

static ms_err t_revoke(fixture *f, const char *actor, int64_t id)
{
	ms_error err;
	ms_error_clear(&err);
	return ms_token_revoke(f->s, actor, id, &err);
}

typedef struct seen {
	int n;
	int64_t ids[16];
	bool revoked[16];
} seen;

static int on_token(void *ctx, const ms_api_token *t)
{
	seen *s = ctx;
	if (s->n < 16) {
		s->ids[s->n] = t->id;
		s->revoked[s->n] = t->revoked;
	}
	s->n++;
	return 0;
}

static ms_err list(fixture *f, const char *actor, seen *out)
{
	memset(out, 0, sizeof *out);
	ms_error err;
	ms_error_clear(&err);
	return ms_token_list(f->s, actor, on_token, out, &err);
}

static void test_token_rights(void **state)
{
	fixture *f = *state;
	add_users(f);
	char tok[MS_TOKEN_HEX], tok3[MS_TOKEN_HEX], tok0[MS_TOKEN_HEX];
	int64_t id = 0, id3 = 0, id0 = 0;
	/* only an admin whose scope covers the uploader */
	assert_int_equal(mk_token(f, "off", "up", "yibao", tok, &id), MS_ERR_FORBIDDEN);
	assert_int_equal(mk_token(f, "other", "up", "yibao", tok, &id), MS_ERR_FORBIDDEN);
	assert_int_equal(mk_token(f, "up", "up", "yibao", tok, &id), MS_ERR_FORBIDDEN);
	assert_int_equal(mk_token(f, "nobody", "up", "yibao", tok, &id), MS_ERR_UNAUTHORIZED);
	assert_int_equal(mk_token(f, "city", "up", "yibao, minzheng_a ,yibao", tok, &id),
	                 MS_ERR_OK);
	assert_true(id > 0);
	assert_int_equal(strlen(tok), 64);
	assert_int_equal(mk_token(f, "other", "up3", "yibao", tok3, &id3), MS_ERR_OK);
	assert_int_equal(mk_token(f, NULL, "up", "canlian", tok0, &id0), MS_ERR_OK);
	assert_true(id0 > id3 && id3 > id);
	/* only for uploaders, and enabled ones */
	char t2[MS_TOKEN_HEX];
	int64_t i2;
	assert_int_equal(mk_token(f, "root", "off", "yibao", t2, &i2), MS_ERR_INVALID);
	assert_int_equal(mk_token(f, "root", "wk", "yibao", t2, &i2), MS_ERR_INVALID);
	assert_int_equal(mk_token(f, "root", "city", "yibao", t2, &i2), MS_ERR_INVALID);
	assert_int_equal(mk_token(f, NULL, "ghost", "yibao", t2, &i2), MS_ERR_NOT_FOUND);
	/* feed lists */
	assert_int_equal(mk_token(f, "root", "up", "", t2, &i2), MS_ERR_INVALID);
	assert_int_equal(mk_token(f, "root", "up", NULL, t2, &i2), MS_ERR_INVALID);
	assert_int_equal(mk_token(f, "root", "up", "a,,b", t2, &i2), MS_ERR_INVALID);
	assert_int_equal(mk_token(f, "root", "up", "YiBao", t2, &i2), MS_ERR_INVALID);
	assert_int_equal(mk_token(f, "root", "up", "yi bao", t2, &i2), MS_ERR_INVALID);
	char big[MS_TOKEN_FEEDS_MAX + 8];
	memset(big, 'a', sizeof big - 1);
	for (size_t i = 10; i < sizeof big - 1; i += 11)
		big[i] = ',';
	big[sizeof big - 1] = '\0';
	assert_int_equal(mk_token(f, "root", "up", big, t2, &i2), MS_ERR_TOO_LARGE);
	ms_error err;
	char label[MS_TOKEN_LABEL_MAX + 2];
	memset(label, 'x', sizeof label - 1);
	label[sizeof label - 1] = '\0';
	ms_error_clear(&err);
	assert_int_equal(ms_token_create(f->s, "root", "up", "yibao", label, t2, &i2, &err),
	                 MS_ERR_TOO_LARGE);
	ms_error_clear(&err);
	assert_int_equal(ms_token_create(f->s, "root", "up", "yibao", "a\tb", t2, &i2, &err),
	                 MS_ERR_INVALID);

	/* what a token opens */
	ms_api_token t;
	assert_int_equal(tcheck(f, tok, &t), MS_ERR_OK);
	assert_int_equal(t.id, id);
	assert_string_equal(t.user.name, "up");
	assert_int_equal(t.user.role, MS_ROLE_UPLOADER);
	assert_string_equal(t.feeds, "yibao,minzheng_a");
	assert_string_equal(t.label, "测试");
	assert_false(t.revoked);
	assert_true(ms_token_feed_allowed(t.feeds, "yibao"));
	assert_true(ms_token_feed_allowed(t.feeds, "minzheng_a"));
	assert_false(ms_token_feed_allowed(t.feeds, "minzheng"));
	assert_false(ms_token_feed_allowed(t.feeds, "canlian"));
	assert_int_equal(tcheck(f, "0123", NULL), MS_ERR_UNAUTHORIZED);
	assert_int_equal(tcheck(f, NULL, NULL), MS_ERR_UNAUTHORIZED);
	char unknown[MS_TOKEN_HEX];
	memset(unknown, 'a', 64);
	unknown[64] = '\0';
	assert_int_equal(tcheck(f, unknown, NULL), MS_ERR_UNAUTHORIZED);
	/* a session token is not an API token, nor the other way round */
	ms_session s;
	open_session(f, "up", 1700000000, &s);
	assert_int_equal(tcheck(f, s.token, NULL), MS_ERR_UNAUTHORIZED);
	assert_int_equal(check(f, tok, 1700000001, NULL), MS_ERR_UNAUTHORIZED);

	/* listing: admins only, by scope */
	seen sn;
	assert_int_equal(list(f, NULL, &sn), MS_ERR_OK);
	assert_int_equal(sn.n, 3);
	assert_int_equal(list(f, "root", &sn), MS_ERR_OK);
	assert_int_equal(sn.n, 3);
	assert_int_equal(list(f, "city", &sn), MS_ERR_OK);
	assert_int_equal(sn.n, 2);
	assert_int_equal(sn.ids[0], id);
	assert_int_equal(sn.ids[1], id0);
	assert_int_equal(list(f, "other", &sn), MS_ERR_OK);
	assert_int_equal(sn.n, 1);
	assert_int_equal(sn.ids[0], id3);
	assert_int_equal(list(f, "off", &sn), MS_ERR_FORBIDDEN);
	assert_int_equal(list(f, "up", &sn), MS_ERR_FORBIDDEN);

	/* revoking: an admin covering the user, or the operator */
	assert_int_equal(t_revoke(f, "off", id), MS_ERR_FORBIDDEN);
	assert_int_equal(t_revoke(f, "other", id), MS_ERR_FORBIDDEN);
	assert_int_equal(tcheck(f, tok, NULL), MS_ERR_OK);
	assert_int_equal(t_revoke(f, "city", id), MS_ERR_OK);
	assert_int_equal(tcheck(f, tok, NULL), MS_ERR_UNAUTHORIZED);
	assert_int_equal(t_revoke(f, "city", id), MS_ERR_OK); /* again: no harm */
	assert_int_equal(t_revoke(f, "city", 9999), MS_ERR_NOT_FOUND);
	/* a user without rights learns nothing about what exists */
	assert_int_equal(t_revoke(f, "off", 9999), MS_ERR_FORBIDDEN);
	assert_int_equal(mk_token(f, "off", "ghost", "yibao", t2, &i2), MS_ERR_FORBIDDEN);
	assert_int_equal(t_revoke(f, NULL, id3), MS_ERR_OK);
	assert_int_equal(tcheck(f, tok3, NULL), MS_ERR_UNAUTHORIZED);
	assert_int_equal(list(f, "city", &sn), MS_ERR_OK);
	assert_true(sn.revoked[0]);
	assert_false(sn.revoked[1]);

	/* a disabled uploader's tokens open nothing, and it gets no new one */
	assert_int_equal(tcheck(f, tok0, NULL), MS_ERR_OK);
	ms_error_clear(&err);
	assert_int_equal(ms_auth_user_disable(f->s, "root", "up", &err), MS_ERR_OK);
	assert_int_equal(tcheck(f, tok0, NULL), MS_ERR_UNAUTHORIZED);
	assert_int_equal(mk_token(f, "root", "up", "yibao", t2, &i2), MS_ERR_INVALID);
}

static void test_feed_allowed_exact(void **state)
{
	(void)state;
	assert_true(ms_token_feed_allowed("a,bb", "a"));
	assert_true(ms_token_feed_allowed("a,bb", "bb"));
	assert_false(ms_token_feed_allowed("a,bb", "b"));
	assert_false(ms_token_feed_allowed("a,bb", "a,bb"));
	assert_false(ms_token_feed_allowed("a,bb", ""));
	assert_false(ms_token_feed_allowed("a,bb", NULL));
	assert_false(ms_token_feed_allowed("", "a"));
	assert_false(ms_token_feed_allowed(NULL, "a"));
	assert_true(ms_token_feed_allowed("yibao", "yibao"));
	assert_false(ms_token_feed_allowed("yibao", "yiba"));
	assert_false(ms_token_feed_allowed("yibao", "yibao2"));
}

/* ---- second factor ---- */

static void test_totp_enrol_remove(void **state)
{
	fixture *f = *state;
	add_users(f);
	add(f, "root", "王经办", MS_ROLE_OFFICER, "4401", NULL);
	ms_error err;
	char secret[MS_TOTP_SECRET_B32], uri[512], stored[MS_TOTP_SECRET_B32];
	bool has = true;
	ms_error_clear(&err);
	assert_int_equal(ms_totp_secret(f->s, "off", &has, stored, &err), MS_ERR_OK);
	assert_false(has);

	/* the user itself */
	ms_error_clear(&err);
	assert_int_equal(ms_totp_enrol(f->s, "off", "off", secret, uri, sizeof uri, &err),
	                 MS_ERR_OK);
	assert_int_equal(strlen(secret), 32);
	char want[600];
	snprintf(want, sizeof want, "otpauth://totp/minsheng:off?secret=%s&issuer=minsheng",
	         secret);
	assert_string_equal(uri, want);
	assert_int_equal(ms_totp_secret(f->s, "off", &has, stored, &err), MS_ERR_OK);
	assert_true(has);
	assert_string_equal(stored, secret);
	/* the secret works with a code computed from it */
	uint8_t key[20];
	assert_int_equal(ms_base32_decode(secret, key, sizeof key), 20);
	char code[9];
	int64_t now = 1700000000;
	ms_totp_code(key, 20, now, 6, code);
	assert_true(ms_totp_verify(stored, code, now));

	/* enrolling again gives a new secret */
	char second[MS_TOTP_SECRET_B32];
	ms_error_clear(&err);
	assert_int_equal(ms_totp_enrol(f->s, NULL, "off", second, uri, sizeof uri, &err),
	                 MS_ERR_OK);
	assert_string_not_equal(second, secret);

	/* others: an admin in scope only */
	ms_error_clear(&err);
	assert_int_equal(ms_totp_enrol(f->s, "wk", "off", secret, uri, sizeof uri, &err),
	                 MS_ERR_FORBIDDEN);
	ms_error_clear(&err);
	assert_int_equal(ms_totp_enrol(f->s, "other", "off", secret, uri, sizeof uri, &err),
	                 MS_ERR_FORBIDDEN);
	ms_error_clear(&err);
	assert_int_equal(ms_totp_enrol(f->s, "city", "wk", secret, uri, sizeof uri, &err),
	                 MS_ERR_OK);
	ms_error_clear(&err);
	assert_int_equal(ms_totp_enrol(f->s, "city", "ghost", secret, uri, sizeof uri, &err),
	                 MS_ERR_NOT_FOUND);
	ms_error_clear(&err);
	assert_int_equal(ms_totp_enrol(f->s, "wk", "ghost", secret, uri, sizeof uri, &err),
	                 MS_ERR_FORBIDDEN);
	ms_error_clear(&err);
	assert_int_equal(ms_totp_enrol(f->s, "ghost", "ghost", secret, uri, sizeof uri, &err),
	                 MS_ERR_UNAUTHORIZED);
	/* a Chinese name is percent-encoded in the URI */
	ms_error_clear(&err);
	assert_int_equal(ms_totp_enrol(f->s, "root", "王经办", secret, uri, sizeof uri, &err),
	                 MS_ERR_OK);
	assert_non_null(strstr(uri, "minsheng:%E7%8E%8B%E7%BB%8F%E5%8A%9E?secret="));
	/* too small a buffer changes nothing */
	char tiny[40];
	ms_error_clear(&err);
	assert_int_equal(ms_totp_enrol(f->s, "root", "off", secret, tiny, sizeof tiny, &err),
	                 MS_ERR_TOO_LARGE);
	assert_int_equal(ms_totp_secret(f->s, "off", &has, stored, &err), MS_ERR_OK);
	assert_string_equal(stored, second);

	/* removing: not by the user itself, by an admin in scope */
	ms_error_clear(&err);
	assert_int_equal(ms_totp_remove(f->s, "off", "off", &err), MS_ERR_FORBIDDEN);
	ms_error_clear(&err);
	assert_int_equal(ms_totp_remove(f->s, "other", "off", &err), MS_ERR_FORBIDDEN);
	ms_error_clear(&err);
	assert_int_equal(ms_totp_remove(f->s, "city", "off", &err), MS_ERR_OK);
	assert_int_equal(ms_totp_secret(f->s, "off", &has, stored, &err), MS_ERR_OK);
	assert_false(has);
	ms_error_clear(&err);
	assert_int_equal(ms_totp_remove(f->s, NULL, "wk", &err), MS_ERR_OK);
	/* an admin may drop its own */
	ms_error_clear(&err);
	assert_int_equal(ms_totp_enrol(f->s, "city", "city", secret, uri, sizeof uri, &err),
	                 MS_ERR_OK);
	ms_error_clear(&err);
	assert_int_equal(ms_totp_remove(f->s, "city", "city", &err), MS_ERR_OK);
	ms_error_clear(&err);
	assert_int_equal(ms_totp_secret(f->s, "ghost", &has, stored, &err), MS_ERR_NOT_FOUND);
}

static void test_totp_required_by_pack(void **state)
{
	(void)state;
	ms_error err;
	ms_error_clear(&err);
	/* the bundled pack requires nobody */
	ms_pack *gd = NULL;
	if (ms_pack_load("policy/guangdong", &gd, &err))
		fail_msg("%s", ms_error_text(&err));
	assert_true(ms_pack_param_index(gd, MS_TOTP_ROLES_PARAM) >= 0);
	for (ms_role r = MS_ROLE_ADMIN; r <= MS_ROLE_AUDITOR; r++)
		assert_false(ms_totp_required(gd, r, T_DATE("2026-11-29")));
	assert_int_equal(ms_totp_policy_check(gd, &err), MS_ERR_OK);
	ms_pack_free(gd);
	assert_false(ms_totp_required(NULL, MS_ROLE_ADMIN, T_DATE("2026-11-29")));

	/* a province that requires officers and admins from 2026-01-01 */
	ms_pack *p = calloc(1, sizeof *p);
	assert_non_null(p);
	p->province = "44";
	const char *none[1] = {NULL};
	const char *two[] = {"officer", "admin"};
	ms_param_value vals[] = {
	    {.from = T_DATE("2021-01-01"), .area = "44", .set = none, .nset = 0, .raw = ""},
	    {.from = T_DATE("2026-01-01"), .area = "44", .set = two, .nset = 2,
	     .raw = "officer, admin"}};
	p->params[0] = (ms_param){.name = MS_TOTP_ROLES_PARAM, .type = TY_SET, .values = vals,
	                          .nvalues = 2};
	p->nparams = 1;
	assert_false(ms_totp_required(p, MS_ROLE_ADMIN, T_DATE("2025-12-31")));
	assert_true(ms_totp_required(p, MS_ROLE_ADMIN, T_DATE("2026-01-01")));
	assert_true(ms_totp_required(p, MS_ROLE_OFFICER, T_DATE("2026-06-01")));
	assert_false(ms_totp_required(p, MS_ROLE_WORKER, T_DATE("2026-06-01")));
	assert_false(ms_totp_required(p, MS_ROLE_NONE, T_DATE("2026-06-01")));
	ms_error_clear(&err);
	assert_int_equal(ms_totp_policy_check(p, &err), MS_ERR_OK);
	/* a misspelt role is caught */
	const char *typo[] = {"officers"};
	vals[1].set = typo;
	vals[1].nset = 1;
	ms_error_clear(&err);
	assert_int_equal(ms_totp_policy_check(p, &err), MS_ERR_PACK);
	assert_non_null(strstr(err.msg, "officers"));
	/* a parameter of another type requires nobody and is reported */
	p->params[0].type = TY_TEXT;
	assert_false(ms_totp_required(p, MS_ROLE_OFFICER, T_DATE("2026-06-01")));
	ms_error_clear(&err);
	assert_int_equal(ms_totp_policy_check(p, &err), MS_ERR_PACK);
	free(p);
}

/* ---- jobs ---- */

static void test_jobs(void **state)
{
	fixture *f = *state;
	ms_error err;
	ms_error_clear(&err);
	int64_t a = 0, b = 0;
	assert_int_equal(ms_store_job_insert(f->s, "import", "off", "4401",
	                                     "{\"feed\":\"yibao\"}", &a, &err),
	                 MS_ERR_OK);
	assert_int_equal(ms_store_job_insert(f->s, "scan", "root", "44", NULL, &b, &err),
	                 MS_ERR_OK);
	assert_true(a > 0 && b > a);
	ms_job_row j;
	assert_int_equal(ms_store_job_get(f->s, a, &j, &err), MS_ERR_OK);
	assert_int_equal(j.id, a);
	assert_string_equal(j.kind, "import");
	assert_string_equal(j.actor, "off");
	assert_string_equal(j.scope, "4401");
	assert_string_equal(j.state, "queued");
	assert_string_equal(j.params, "{\"feed\":\"yibao\"}");
	assert_null(j.result);
	assert_null(j.error);
	assert_null(j.finished);
	assert_int_equal(strlen(j.created), 25);

	assert_int_equal(ms_store_job_set_state(f->s, a, "running", &err), MS_ERR_OK);
	assert_int_equal(ms_store_job_get(f->s, a, &j, &err), MS_ERR_OK);
	assert_string_equal(j.state, "running");
	assert_int_equal(ms_store_job_finish(f->s, a, "done", "{\"rows\":3}", NULL, &err),
	                 MS_ERR_OK);
	assert_int_equal(ms_store_job_get(f->s, a, &j, &err), MS_ERR_OK);
	assert_string_equal(j.state, "done");
	assert_string_equal(j.result, "{\"rows\":3}");
	assert_null(j.error);
	assert_non_null(j.finished);

	assert_int_equal(ms_store_job_get(f->s, b, &j, &err), MS_ERR_OK);
	assert_string_equal(j.params, "{}");

	/* refusals */
	ms_error_clear(&err);
	assert_int_equal(ms_store_job_get(f->s, 999, &j, &err), MS_ERR_NOT_FOUND);
	ms_error_clear(&err);
	assert_int_equal(ms_store_job_set_state(f->s, 999, "running", &err), MS_ERR_NOT_FOUND);
	ms_error_clear(&err);
	assert_int_equal(ms_store_job_set_state(f->s, a, "paused", &err), MS_ERR_INVALID);
	ms_error_clear(&err);
	assert_int_equal(ms_store_job_finish(f->s, a, "running", NULL, NULL, &err),
	                 MS_ERR_INVALID);
	ms_error_clear(&err);
	int64_t c;
	assert_int_equal(ms_store_job_insert(f->s, "export", "off", "4401", NULL, &c, &err),
	                 MS_ERR_INVALID);
	char *big = malloc(MS_JOB_TEXT_MAX + 2);
	assert_non_null(big);
	memset(big, 'x', MS_JOB_TEXT_MAX + 1);
	big[MS_JOB_TEXT_MAX + 1] = '\0';
	ms_error_clear(&err);
	assert_int_equal(ms_store_job_finish(f->s, b, "failed", NULL, big, &err),
	                 MS_ERR_TOO_LARGE);
	free(big);

	/* a server that restarts closes what the one before left open */
	int64_t n = 0;
	ms_error_clear(&err);
	assert_int_equal(ms_store_job_fail_unfinished(f->s, "服务重启 (server restarted)", &n,
	                                              &err),
	                 MS_ERR_OK);
	assert_int_equal(n, 1);
	assert_int_equal(ms_store_job_get(f->s, b, &j, &err), MS_ERR_OK);
	assert_string_equal(j.state, "failed");
	assert_string_equal(j.error, "服务重启 (server restarted)");
	assert_int_equal(ms_store_job_get(f->s, a, &j, &err), MS_ERR_OK);
	assert_string_equal(j.state, "done");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_totp_rfc6238_vectors),
	    cmocka_unit_test(test_base32_rfc4648),
	    cmocka_unit_test(test_totp_window),
	    cmocka_unit_test(test_feed_allowed_exact),
	    cmocka_unit_test(test_totp_required_by_pack),
	    cmocka_unit_test_setup_teardown(test_session_life, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_session_ends_with_password_and_disable, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_session_purge_and_cap, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_token_rights, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_totp_enrol_remove, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_jobs, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
