/* test_auth.c — users, roles and scopes (SPEC §1, §7): argon2id hashing and
 * verification, wrong passwords, disabled users, lockout, the first admin,
 * who may manage whom, and the shape and coverage of scopes, each against a
 * temporary database. */
#include "testutil.h"

#include "auth/auth.h"
#include "store/store.h"
#include "store/store_alerts.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

typedef struct fixture {
	char dir[64];
	char path[128];
	char url[640]; /* path, or a database on PostgreSQL (t_db_fresh) */
	ms_store *s;
} fixture;

static int setup(void **state)
{
	setenv("MINSHENG_PWHASH", "min", 1);
	fixture *f = calloc(1, sizeof *f);
	if (!f)
		return -1;
	snprintf(f->dir, sizeof f->dir, "/tmp/ms-auth-XXXXXX");
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
	if (ms_store_station_upsert(f->s, "440106001", "五山街道社工站", "station", &ur, &err) ||
	    ms_store_station_upsert(f->s, "440106001001", "服务点", "point", &ur, &err))
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

static ms_err add(fixture *f, const char *actor, const char *name, ms_role role,
                  const char *scope, const char *station, const char *pw)
{
	ms_error err;
	ms_error_clear(&err);
	ms_user_new u = {.name = name, .role = role, .scope = scope, .station = station,
	                 .password = pw};
	return ms_auth_user_add(f->s, actor, &u, &err);
}

static ms_err login(fixture *f, const char *name, const char *pw)
{
	ms_error err;
	ms_error_clear(&err);
	ms_user u;
	return ms_auth_login(f->s, name, pw, &u, &err);
}

static void test_hash_is_argon2id_and_verifies(void **state)
{
	(void)state;
	ms_error err;
	ms_error_clear(&err);
	char h1[MS_PWHASH_MAX], h2[MS_PWHASH_MAX];
	assert_int_equal(ms_auth_hash_password("correct horse", h1, &err), MS_ERR_OK);
	assert_int_equal(ms_auth_hash_password("correct horse", h2, &err), MS_ERR_OK);
	assert_memory_equal(h1, "$argon2id$", 10);
	assert_string_not_equal(h1, h2); /* salted */
	assert_true(ms_auth_password_matches(h1, "correct horse"));
	assert_false(ms_auth_password_matches(h1, "correct horsE"));
	assert_false(ms_auth_password_matches(h1, ""));
	/* anything that is not an argon2id string is refused */
	assert_false(ms_auth_password_matches("plain", "plain"));
	/* the production limits: INTERACTIVE (64 MiB, 2 passes) */
	unsetenv("MINSHENG_PWHASH");
	assert_int_equal(ms_auth_hash_password("correct horse", h1, &err), MS_ERR_OK);
	setenv("MINSHENG_PWHASH", "min", 1);
	assert_non_null(strstr(h1, "m=65536,t=2"));
	assert_true(ms_auth_password_matches(h1, "correct horse"));
}

static void test_password_rules(void **state)
{
	(void)state;
	ms_error err;
	ms_error_clear(&err);
	assert_int_equal(ms_auth_check_password("1234567", &err), MS_ERR_INVALID);
	ms_error_clear(&err);
	assert_int_equal(ms_auth_check_password("12345678", &err), MS_ERR_OK);
	/* characters, not bytes: four Chinese characters are 12 bytes but too short */
	assert_int_equal(ms_auth_check_password("民政民生", &err), MS_ERR_INVALID);
	ms_error_clear(&err);
	assert_int_equal(ms_auth_check_password("民政民生社工站长", &err), MS_ERR_OK);
	assert_int_equal(ms_auth_check_password("tab\there1", &err), MS_ERR_INVALID);
	ms_error_clear(&err);
	assert_int_equal(ms_auth_check_password("\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8", &err),
	                 MS_ERR_INVALID);
	char longpw[MS_PASSWORD_MAX + 2];
	memset(longpw, 'a', sizeof longpw - 1);
	longpw[sizeof longpw - 1] = '\0';
	ms_error_clear(&err);
	assert_int_equal(ms_auth_check_password(longpw, &err), MS_ERR_TOO_LARGE);
}

static void test_scope_shapes_and_coverage(void **state)
{
	(void)state;
	assert_true(ms_scope_shape_ok("44"));
	assert_true(ms_scope_shape_ok("4401"));
	assert_true(ms_scope_shape_ok("440106"));
	assert_true(ms_scope_shape_ok("440106001"));
	assert_true(ms_scope_shape_ok("440106001001"));
	assert_false(ms_scope_shape_ok("4"));
	assert_false(ms_scope_shape_ok("440"));
	assert_false(ms_scope_shape_ok("44010"));
	assert_false(ms_scope_shape_ok("4401060011"));
	assert_false(ms_scope_shape_ok("44a1"));
	assert_false(ms_scope_shape_ok(""));
	assert_true(ms_scope_covers("44", "440106001001"));
	assert_true(ms_scope_covers("4401", "4401"));
	assert_false(ms_scope_covers("4401", "4403"));
	assert_false(ms_scope_covers("440106", "4401"));    /* a wider code is not inside */
	assert_false(ms_scope_covers("440106001", "44010600")); /* nor a shorter one */
	assert_false(ms_scope_covers("", "44"));
}

static void test_first_admin_and_who_adds_whom(void **state)
{
	fixture *f = *state;
	/* with no admin, the operator may add only an admin */
	assert_int_equal(add(f, NULL, "o1", MS_ROLE_OFFICER, "4401", NULL, "password1"),
	                 MS_ERR_FORBIDDEN);
	assert_int_equal(add(f, NULL, "root", MS_ROLE_ADMIN, "44", NULL, "password1"), MS_ERR_OK);
	/* after that, every addition names an admin */
	assert_int_equal(add(f, NULL, "root2", MS_ROLE_ADMIN, "44", NULL, "password1"),
	                 MS_ERR_UNAUTHORIZED);
	assert_int_equal(add(f, "root", "root", MS_ROLE_ADMIN, "44", NULL, "password1"),
	                 MS_ERR_EXISTS);
	assert_int_equal(add(f, "root", "cityadmin", MS_ROLE_ADMIN, "4401", NULL, "password1"),
	                 MS_ERR_OK);
	assert_int_equal(add(f, "root", "o1", MS_ROLE_OFFICER, "4401", NULL, "password1"),
	                 MS_ERR_OK);
	/* an officer manages no users; an admin only inside its scope */
	assert_int_equal(add(f, "o1", "o2", MS_ROLE_OFFICER, "440106", NULL, "password1"),
	                 MS_ERR_FORBIDDEN);
	assert_int_equal(add(f, "cityadmin", "o3", MS_ROLE_OFFICER, "4403", NULL, "password1"),
	                 MS_ERR_FORBIDDEN);
	assert_int_equal(add(f, "cityadmin", "o4", MS_ROLE_OFFICER, "44", NULL, "password1"),
	                 MS_ERR_FORBIDDEN);
	assert_int_equal(add(f, "cityadmin", "o5", MS_ROLE_OFFICER, "440106", NULL, "password1"),
	                 MS_ERR_OK);
	assert_int_equal(add(f, "nobody", "o6", MS_ROLE_OFFICER, "440106", NULL, "password1"),
	                 MS_ERR_UNAUTHORIZED);
}

static void test_scope_and_station_rules(void **state)
{
	fixture *f = *state;
	assert_int_equal(add(f, NULL, "root", MS_ROLE_ADMIN, "44", NULL, "password1"), MS_ERR_OK);
	/* scope shape and the area table */
	assert_int_equal(add(f, "root", "a", MS_ROLE_OFFICER, "440", NULL, "password1"),
	                 MS_ERR_INVALID);
	assert_int_equal(add(f, "root", "b", MS_ROLE_OFFICER, "4498", NULL, "password1"),
	                 MS_ERR_INVALID);
	/* station heads and workers need a station under their scope */
	assert_int_equal(add(f, "root", "w", MS_ROLE_WORKER, "440106001", NULL, "password1"),
	                 MS_ERR_INVALID);
	assert_int_equal(add(f, "root", "w", MS_ROLE_WORKER, "440106002", "440106001", "password1"),
	                 MS_ERR_INVALID);
	assert_int_equal(add(f, "root", "w", MS_ROLE_WORKER, "440105", "440106001", "password1"),
	                 MS_ERR_INVALID);
	/* the station must exist, and be a station, not a village point */
	assert_int_equal(add(f, "root", "w", MS_ROLE_WORKER, "440106", "440106002", "password1"),
	                 MS_ERR_NOT_FOUND);
	assert_int_equal(add(f, "root", "w", MS_ROLE_WORKER, "440106", "440106001001",
	                     "password1"),
	                 MS_ERR_INVALID);
	assert_int_equal(add(f, "root", "w", MS_ROLE_WORKER, "440106", "440106001", "password1"),
	                 MS_ERR_OK);
	assert_int_equal(add(f, "root", "h", MS_ROLE_STATION_HEAD, "440106001", "440106001",
	                     "password1"),
	                 MS_ERR_OK);
	/* other roles have no station */
	assert_int_equal(add(f, "root", "o", MS_ROLE_OFFICER, "440106", "440106001", "password1"),
	                 MS_ERR_INVALID);
	/* names and passwords */
	assert_int_equal(add(f, "root", "bad name", MS_ROLE_AUDITOR, "44", NULL, "password1"),
	                 MS_ERR_INVALID);
	assert_int_equal(add(f, "root", "-x", MS_ROLE_AUDITOR, "44", NULL, "password1"),
	                 MS_ERR_INVALID);
	assert_int_equal(add(f, "root", "审计员", MS_ROLE_AUDITOR, "44", NULL, "short"),
	                 MS_ERR_INVALID);
	assert_int_equal(add(f, "root", "审计员", MS_ROLE_AUDITOR, "44", NULL, "long enough"),
	                 MS_ERR_OK);
	ms_user u;
	ms_error err;
	ms_error_clear(&err);
	assert_int_equal(ms_auth_user_get(f->s, "w", &u, &err), MS_ERR_OK);
	assert_int_equal(u.role, MS_ROLE_WORKER);
	assert_string_equal(u.scope, "440106");
	assert_string_equal(u.station, "440106001");
}

static void test_login_wrong_disabled_locked(void **state)
{
	fixture *f = *state;
	assert_int_equal(add(f, NULL, "root", MS_ROLE_ADMIN, "44", NULL, "admin-pass"), MS_ERR_OK);
	assert_int_equal(add(f, "root", "w", MS_ROLE_WORKER, "440106001", "440106001", "worker-pass"),
	                 MS_ERR_OK);
	assert_int_equal(add(f, "root", "w2", MS_ROLE_WORKER, "440106001", "440106001",
	                     "worker2-pass"),
	                 MS_ERR_OK);
	assert_int_equal(login(f, "w", "worker-pass"), MS_ERR_OK);
	assert_int_equal(login(f, "w", "worker-pasS"), MS_ERR_UNAUTHORIZED);
	assert_int_equal(login(f, "nobody", "worker-pass"), MS_ERR_UNAUTHORIZED);
	/* a disabled user cannot log in, nor act */
	ms_error err;
	ms_error_clear(&err);
	assert_int_equal(ms_auth_user_disable(f->s, "w", "w2", &err), MS_ERR_FORBIDDEN);
	ms_error_clear(&err);
	assert_int_equal(ms_auth_user_disable(f->s, "root", "w", &err), MS_ERR_OK);
	assert_int_equal(login(f, "w", "worker-pass"), MS_ERR_UNAUTHORIZED);
	ms_user u;
	assert_int_equal(ms_auth_actor(f->s, "w", &u, &err), MS_ERR_UNAUTHORIZED);
	/* the last enabled admin cannot be disabled */
	ms_error_clear(&err);
	assert_int_equal(ms_auth_user_disable(f->s, "root", "root", &err), MS_ERR_CONFLICT);
	/* five wrong passwords lock the account: the right one is refused then */
	for (int i = 0; i < MS_LOGIN_MAX_FAILURES - 1; i++)
		assert_int_equal(login(f, "w2", "wrong-password"), MS_ERR_UNAUTHORIZED);
	assert_int_equal(login(f, "w2", "worker2-pass"), MS_ERR_OK); /* resets the count */
	for (int i = 0; i < MS_LOGIN_MAX_FAILURES; i++)
		assert_int_equal(login(f, "w2", "wrong-password"), MS_ERR_UNAUTHORIZED);
	assert_int_equal(login(f, "w2", "worker2-pass"), MS_ERR_UNAUTHORIZED);
	/* an admin's reset lifts the lock and asks for a change at next login */
	ms_error_clear(&err);
	assert_int_equal(ms_auth_user_passwd(f->s, "root", "w2", "fresh-pass-1", &err), MS_ERR_OK);
	ms_error_clear(&err);
	assert_int_equal(ms_auth_login(f->s, "w2", "fresh-pass-1", &u, &err), MS_ERR_OK);
	assert_true(u.must_change);
	/* the user's own change clears it */
	assert_int_equal(ms_auth_user_passwd(f->s, "w2", "w2", "fresh-pass-2", &err), MS_ERR_OK);
	assert_int_equal(ms_auth_login(f->s, "w2", "fresh-pass-2", &u, &err), MS_ERR_OK);
	assert_false(u.must_change);
	/* one worker cannot set another's password; the operator only an admin's */
	assert_int_equal(ms_auth_user_passwd(f->s, "w2", "root", "fresh-pass-3", &err),
	                 MS_ERR_FORBIDDEN);
	ms_error_clear(&err);
	assert_int_equal(ms_auth_user_passwd(f->s, NULL, "w2", "fresh-pass-3", &err),
	                 MS_ERR_UNAUTHORIZED);
	ms_error_clear(&err);
	assert_int_equal(ms_auth_user_passwd(f->s, NULL, "root", "fresh-pass-3", &err), MS_ERR_OK);
	assert_int_equal(login(f, "root", "fresh-pass-3"), MS_ERR_OK);
}

static int count_user(void *ctx, const ms_user_info *u)
{
	(void)u;
	(*(int *)ctx)++;
	return 0;
}

static void test_listing_follows_scope(void **state)
{
	fixture *f = *state;
	assert_int_equal(add(f, NULL, "root", MS_ROLE_ADMIN, "44", NULL, "password1"), MS_ERR_OK);
	assert_int_equal(add(f, "root", "o", MS_ROLE_OFFICER, "4401", NULL, "password1"), MS_ERR_OK);
	assert_int_equal(add(f, "root", "o3", MS_ROLE_OFFICER, "4403", NULL, "password1"), MS_ERR_OK);
	assert_int_equal(add(f, "root", "h", MS_ROLE_STATION_HEAD, "440106001", "440106001",
	                     "password1"),
	                 MS_ERR_OK);
	assert_int_equal(add(f, "root", "w", MS_ROLE_WORKER, "440106001", "440106001", "password1"),
	                 MS_ERR_OK);
	ms_error err;
	ms_error_clear(&err);
	int n = 0;
	assert_int_equal(ms_auth_user_list(f->s, NULL, count_user, &n, &err), MS_ERR_OK);
	assert_int_equal(n, 5);
	n = 0;
	assert_int_equal(ms_auth_user_list(f->s, "o", count_user, &n, &err), MS_ERR_OK);
	assert_int_equal(n, 3); /* o, h, w */
	n = 0;
	assert_int_equal(ms_auth_user_list(f->s, "h", count_user, &n, &err), MS_ERR_OK);
	assert_int_equal(n, 2); /* h, w */
	n = 0;
	assert_int_equal(ms_auth_user_list(f->s, "w", count_user, &n, &err), MS_ERR_OK);
	assert_int_equal(n, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_hash_is_argon2id_and_verifies, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_password_rules, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_scope_shapes_and_coverage, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_first_admin_and_who_adds_whom, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_scope_and_station_rules, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_login_wrong_disabled_locked, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_listing_follows_scope, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
