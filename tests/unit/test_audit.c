/* test_audit.c — the access log (SPEC §7): the hash helper against known
 * vectors (SM3 from GB/T 32905, SHA-256 from FIPS 180-2); a chain written
 * from two threads verifies under SHA-256 and SM3; each kind of tampering,
 * done behind the log's back through a separate SQLite connection or on the
 * anchor files, is found and located; reopening continues the chain; flush,
 * batch and queue limits; listing; allocation failures give clean errors. */
#include "testutil.h"

#include "audit/audit.h"
#include "audit/audit_impl.h"
#include "base/mem.h"

#include <dirent.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

typedef struct fixture {
	char dir[64];
	char path[128];    /* <dir>/t.db.access */
	char anchors[128]; /* <dir>/t.db.anchors, the default */
} fixture;

static void rm_tree(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *de;
	char p[512];
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
		struct stat st;
		if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
			rm_tree(p);
		else
			unlink(p);
	}
	closedir(d);
	rmdir(dir);
}

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof *f);
	if (!f)
		return -1;
	snprintf(f->dir, sizeof f->dir, "/tmp/ms-audit-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof f->path, "%s/t.db.access", f->dir);
	snprintf(f->anchors, sizeof f->anchors, "%s/t.db.anchors", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	ms_mem_fail_after(0);
	rm_tree(f->dir);
	free(f);
	return 0;
}

static ms_audit *open_log(fixture *f, ms_audit_hash alg, int flush_ms, int batch,
                          size_t queue_max)
{
	ms_error err;
	ms_error_clear(&err);
	ms_audit_opts o = {.path = f->path, .hash = alg, .flush_ms = flush_ms, .batch = batch,
	                   .queue_max = queue_max};
	ms_audit *a = NULL;
	ms_err e = ms_audit_open(&o, &a, &err);
	if (e)
		fail_msg("ms_audit_open: %s", ms_error_text(&err));
	return a;
}

static void log_one(ms_audit *a, const char *user, const char *ref, int i)
{
	char route[64], req[32];
	snprintf(route, sizeof route, "GET /api/v1/persons/{id}?n=%d", i);
	snprintf(req, sizeof req, "req-%d", i);
	ms_audit_entry e = {.user = user,
	                    .role = "worker",
	                    .action = "read",
	                    .object = "person",
	                    .ref = ref,
	                    .route = route,
	                    .status = 200,
	                    .addr = "10.0.0.1",
	                    .request = req};
	ms_error err;
	ms_error_clear(&err);
	if (ms_audit_log(a, &e, &err))
		fail_msg("ms_audit_log: %s", ms_error_text(&err));
}

/* n entries, one flush (so one anchor line) every `every` entries */
static void write_log(fixture *f, ms_audit_hash alg, int n, int every)
{
	ms_audit *a = open_log(f, alg, 0, 0, 0);
	int64_t before = ms_audit_count(a);
	ms_error err;
	ms_error_clear(&err);
	for (int i = 1; i <= n; i++) {
		log_one(a, i % 2 ? "wang" : "li", i % 3 ? "440106199001011234" : "440106198512125678",
		        i);
		if (i % every == 0)
			assert_int_equal(ms_audit_flush(a, &err), MS_ERR_OK);
	}
	assert_int_equal(ms_audit_flush(a, &err), MS_ERR_OK);
	assert_int_equal(ms_audit_count(a), before + n);
	ms_audit_close(a);
}

static ms_err verify(fixture *f, ms_audit_report *r)
{
	ms_error err;
	ms_error_clear(&err);
	ms_err e = ms_audit_verify(f->path, NULL, r, &err);
	if (e && e != MS_ERR_INVALID)
		fail_msg("ms_audit_verify: %s", ms_error_text(&err));
	if (e)
		assert_string_equal(ms_error_text(&err), r->problem);
	return e;
}

/* SQL through a second connection, as an attacker with the file would:
 * the append-only triggers go first, since they would stop the edit. */
static void tamper(fixture *f, const char *sql)
{
	sqlite3 *db;
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	char *msg = NULL;
	int rc = sqlite3_exec(db,
	                      "DROP TRIGGER IF EXISTS entry_no_update; DROP TRIGGER IF EXISTS "
	                      "entry_no_delete; DROP TRIGGER IF EXISTS meta_no_update; "
	                      "DROP TRIGGER IF EXISTS meta_no_delete;",
	                      NULL, NULL, &msg);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK)
		fail_msg("tamper %s: %s", sql, msg ? msg : "?");
	sqlite3_free(msg);
	sqlite3_close(db);
}

static int64_t q_int(fixture *f, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *q;
	assert_int_equal(sqlite3_open_v2(f->path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
	int64_t v = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int64(q, 0) : -1;
	sqlite3_finalize(q);
	sqlite3_close(db);
	return v;
}

/* the single anchor file of today (tests run within one day) */
static void anchor_path(fixture *f, char *out, size_t n)
{
	char day[11];
	audit_today(day);
	snprintf(out, n, "%s/%s", f->anchors, day);
}

static char *slurp(const char *p, size_t *n)
{
	FILE *fp = fopen(p, "rb");
	assert_non_null(fp);
	static char buf[1 << 20];
	*n = fread(buf, 1, sizeof buf - 1, fp);
	buf[*n] = '\0';
	fclose(fp);
	return buf;
}

static void spill(const char *p, const char *s, size_t n)
{
	FILE *fp = fopen(p, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(s, 1, n, fp), n);
	fclose(fp);
}

/* ---- the hash ---- */

static void test_hash_vectors(void **state)
{
	(void)state;
	char h[AUDIT_HEX];
	/* GB/T 32905-2016 appendix A, example 1 and 2 */
	assert_int_equal(audit_hash_hex(MS_AUDIT_SM3, "abc", 3, NULL, 0, h, NULL), MS_ERR_OK);
	assert_string_equal(h, "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0");
	const char *abcd16 = "abcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcd";
	assert_int_equal(audit_hash_hex(MS_AUDIT_SM3, abcd16, 64, NULL, 0, h, NULL), MS_ERR_OK);
	assert_string_equal(h, "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732");
	/* two parts hash as their concatenation */
	assert_int_equal(audit_hash_hex(MS_AUDIT_SM3, "a", 1, "bc", 2, h, NULL), MS_ERR_OK);
	assert_string_equal(h, "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0");
	/* FIPS 180-2 */
	assert_int_equal(audit_hash_hex(MS_AUDIT_SHA256, "abc", 3, NULL, 0, h, NULL), MS_ERR_OK);
	assert_string_equal(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	ms_error err;
	ms_error_clear(&err);
	assert_int_equal(audit_hash_hex((ms_audit_hash)9, "abc", 3, NULL, 0, h, &err),
	                 MS_ERR_INTERNAL);
}

static void test_canonical_is_unambiguous(void **state)
{
	(void)state;
	ms_buf a, b;
	ms_buf_init(&a, AUDIT_CANON_MAX);
	ms_buf_init(&b, AUDIT_CANON_MAX);
	/* moving a byte from one field to the next changes the bytes */
	audit_fields x = {.id = 1, .at = "t", .user = "ab", .role = "c", .action = "read"};
	audit_fields y = {.id = 1, .at = "t", .user = "a", .role = "bc", .action = "read"};
	assert_int_equal(audit_canon(&a, &x), MS_ERR_OK);
	assert_int_equal(audit_canon(&b, &y), MS_ERR_OK);
	assert_int_equal(a.len, b.len);
	assert_true(memcmp(a.p, b.p, a.len) != 0);
	/* and so does the id, and the status */
	y = x;
	y.id = 2;
	assert_int_equal(audit_canon(&b, &y), MS_ERR_OK);
	assert_true(a.len != b.len || memcmp(a.p, b.p, a.len) != 0);
	y = x;
	y.status = 404;
	assert_int_equal(audit_canon(&b, &y), MS_ERR_OK);
	assert_true(a.len != b.len || memcmp(a.p, b.p, a.len) != 0);
	/* 11 fields, each a 4-byte length and its bytes */
	assert_int_equal(a.len, 11 * 4 + strlen("1t" "ab" "c" "read" "0"));
	ms_buf_free(&a);
	ms_buf_free(&b);
}

/* ---- writing and verifying ---- */

typedef struct thread_arg {
	ms_audit *a;
	const char *user;
	int n;
} thread_arg;

static void *logger(void *p)
{
	thread_arg *t = p;
	for (int i = 0; i < t->n; i++)
		log_one(t->a, t->user, "440106199001011234", i);
	return NULL;
}

static void two_threads(fixture *f, ms_audit_hash alg, const char *name)
{
	ms_audit *a = open_log(f, alg, 5, 300, 0);
	pthread_t t1, t2;
	thread_arg a1 = {a, "wang", 2500}, a2 = {a, "li", 2500};
	assert_int_equal(pthread_create(&t1, NULL, logger, &a1), 0);
	assert_int_equal(pthread_create(&t2, NULL, logger, &a2), 0);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	ms_error err;
	ms_error_clear(&err);
	assert_int_equal(ms_audit_flush(a, &err), MS_ERR_OK);
	assert_int_equal(ms_audit_count(a), 5000);
	ms_audit_close(a);

	ms_audit_report r;
	assert_int_equal(verify(f, &r), MS_ERR_OK);
	assert_string_equal(r.problem, "");
	assert_int_equal(r.entries, 5000);
	assert_int_equal(r.first_id, 1);
	assert_int_equal(r.last_id, 5000);
	assert_int_equal(r.bad_id, 0);
	assert_true(r.anchors >= 2); /* the genesis and at least one commit */
	assert_string_equal(r.algorithm, name);
	assert_int_equal(q_int(f, "SELECT count(*) FROM entry WHERE user = 'wang'"), 2500);
	/* the file is its owner's only */
	struct stat st;
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(stat(f->anchors, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
}

static void test_two_threads_sha256(void **state) { two_threads(*state, 0, "sha256"); }

static void test_two_threads_sm3(void **state) { two_threads(*state, MS_AUDIT_SM3, "sm3"); }

static void test_algorithm_fixed_at_creation(void **state)
{
	fixture *f = *state;
	write_log(f, MS_AUDIT_SM3, 3, 3);
	/* asking for SHA-256 later changes nothing */
	ms_audit *a = open_log(f, MS_AUDIT_SHA256, 0, 0, 0);
	log_one(a, "wang", "x", 4);
	ms_audit_close(a);
	ms_audit_report r;
	assert_int_equal(verify(f, &r), MS_ERR_OK);
	assert_string_equal(r.algorithm, "sm3");
	assert_int_equal(r.entries, 4);
}

static void test_edited_field_is_found(void **state)
{
	fixture *f = *state;
	write_log(f, 0, 50, 10);
	tamper(f, "UPDATE entry SET ref = '440106200001019999' WHERE id = 17");
	ms_audit_report r;
	assert_int_equal(verify(f, &r), MS_ERR_INVALID);
	assert_int_equal(r.bad_id, 17);
	assert_non_null(strstr(r.problem, "entry 17 was altered"));
	assert_int_equal(r.entries, 50);
}

static void test_edited_status_and_hash_columns(void **state)
{
	fixture *f = *state;
	write_log(f, MS_AUDIT_SM3, 20, 5);
	tamper(f, "UPDATE entry SET status = 403 WHERE id = 3");
	ms_audit_report r;
	assert_int_equal(verify(f, &r), MS_ERR_INVALID);
	assert_int_equal(r.bad_id, 3);
	tamper(f, "UPDATE entry SET status = 200 WHERE id = 3");
	assert_int_equal(verify(f, &r), MS_ERR_OK);
	/* a changed prev_hash breaks the link */
	tamper(f, "UPDATE entry SET prev_hash = (SELECT hash FROM entry WHERE id = 1) WHERE id = 9");
	assert_int_equal(verify(f, &r), MS_ERR_INVALID);
	assert_int_equal(r.bad_id, 9);
	assert_non_null(strstr(r.problem, "does not follow"));
}

static void test_deleted_middle_entry_is_found(void **state)
{
	fixture *f = *state;
	write_log(f, 0, 40, 40);
	tamper(f, "DELETE FROM entry WHERE id = 20");
	ms_audit_report r;
	assert_int_equal(verify(f, &r), MS_ERR_INVALID);
	assert_int_equal(r.bad_id, 20);
	assert_non_null(strstr(r.problem, "entry 20 is missing"));
	assert_int_equal(r.entries, 39);
	/* a run of them */
	tamper(f, "DELETE FROM entry WHERE id BETWEEN 21 AND 25");
	assert_int_equal(verify(f, &r), MS_ERR_INVALID);
	assert_non_null(strstr(r.problem, "entries 20-25 are missing"));
	/* the first ones: named first, and the others counted */
	tamper(f, "DELETE FROM entry WHERE id <= 2");
	assert_int_equal(verify(f, &r), MS_ERR_INVALID);
	assert_int_equal(r.bad_id, 1);
	assert_non_null(strstr(r.problem, "entries 1-2 are missing"));
	assert_non_null(strstr(r.problem, "1 more"));
}

static void test_truncation_is_found_by_the_anchor(void **state)
{
	fixture *f = *state;
	write_log(f, 0, 30, 10); /* anchors at 10, 20, 30 */
	tamper(f, "DELETE FROM entry WHERE id > 25");
	ms_audit_report r;
	assert_int_equal(verify(f, &r), MS_ERR_INVALID);
	assert_int_equal(r.bad_id, 26);
	assert_non_null(strstr(r.problem, "log truncated"));
	assert_non_null(strstr(r.problem, "names entry 30 but the last entry is 25"));
	assert_int_equal(r.last_id, 25);
	/* a truncated log is not silently extended */
	ms_error err;
	ms_error_clear(&err);
	ms_audit_opts o = {.path = f->path};
	ms_audit *a = NULL;
	assert_int_equal(ms_audit_open(&o, &a, &err), MS_ERR_INVALID);
	assert_null(a);
	assert_non_null(strstr(ms_error_text(&err), "audit verify"));
	/* every entry gone: the genesis anchor and the others still tell */
	tamper(f, "DELETE FROM entry");
	assert_int_equal(verify(f, &r), MS_ERR_INVALID);
	assert_int_equal(r.entries, 0);
	assert_int_equal(r.bad_id, 1);
}

static void test_rewritten_tail_is_found_by_the_anchor(void **state)
{
	fixture *f = *state;
	write_log(f, 0, 30, 10);
	/* an attacker who knows the format edits entry 12 and recomputes every
	 * hash after it: the chain is whole again, the anchors are not */
	tamper(f, "UPDATE entry SET user = 'nobody' WHERE id = 12");
	sqlite3 *db;
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	sqlite3_stmt *q, *u;
	assert_int_equal(sqlite3_prepare_v2(db,
	                                    "SELECT id, at, user, role, action, object, ref, route, "
	                                    "status, addr, request, prev_hash FROM entry "
	                                    "WHERE id >= 12 ORDER BY id", -1, &q, NULL),
	                 SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "UPDATE entry SET prev_hash = ?2, hash = ?3 "
	                                        "WHERE id = ?1", -1, &u, NULL),
	                 SQLITE_OK);
	ms_buf scratch;
	ms_buf_init(&scratch, AUDIT_CANON_MAX);
	char prev[AUDIT_HEX] = "", h[AUDIT_HEX];
	sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
	/* collect first: updating while stepping the same table is not sound */
	typedef struct {
		int64_t id;
		char h[AUDIT_HEX], prev[AUDIT_HEX];
	} fix;
	fix fixes[32];
	int nf = 0;
	while (sqlite3_step(q) == SQLITE_ROW) {
		const char *t[12];
		for (int i = 1; i < 12; i++)
			t[i] = (const char *)sqlite3_column_text(q, i);
		if (!prev[0])
			snprintf(prev, sizeof prev, "%s", t[11]);
		audit_fields fl = {.id = sqlite3_column_int64(q, 0), .at = t[1], .user = t[2],
		                   .role = t[3], .action = t[4], .object = t[5], .ref = t[6],
		                   .route = t[7], .status = sqlite3_column_int64(q, 8), .addr = t[9],
		                   .request = t[10]};
		assert_int_equal(audit_link(MS_AUDIT_SHA256, prev, &fl, &scratch, h, NULL), MS_ERR_OK);
		fixes[nf].id = fl.id;
		memcpy(fixes[nf].prev, prev, AUDIT_HEX);
		memcpy(fixes[nf].h, h, AUDIT_HEX);
		nf++;
		memcpy(prev, h, AUDIT_HEX);
	}
	sqlite3_finalize(q);
	for (int i = 0; i < nf; i++) {
		sqlite3_bind_int64(u, 1, fixes[i].id);
		sqlite3_bind_text(u, 2, fixes[i].prev, -1, SQLITE_STATIC);
		sqlite3_bind_text(u, 3, fixes[i].h, -1, SQLITE_STATIC);
		assert_int_equal(sqlite3_step(u), SQLITE_DONE);
		sqlite3_reset(u);
	}
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	sqlite3_finalize(u);
	sqlite3_close(db);
	ms_buf_free(&scratch);
	ms_audit_report r;
	assert_int_equal(verify(f, &r), MS_ERR_INVALID);
	assert_int_equal(r.bad_id, 20); /* the first anchored id after the edit */
	assert_non_null(strstr(r.problem, "disagrees with the hash of entry 20"));
}

static void test_edited_anchor_is_found(void **state)
{
	fixture *f = *state;
	write_log(f, 0, 30, 10);
	char p[256];
	anchor_path(f, p, sizeof p);
	size_t n;
	char *s = slurp(p, &n);
	char *orig = strdup(s);
	assert_non_null(orig);
	/* line 3 anchors entry 20: change one hex digit of its hash */
	char *l3 = strchr(strchr(s, '\n') + 1, '\n') + 1;
	char *end = strchr(l3, '\n');
	end[-1] = end[-1] == '0' ? '1' : '0';
	spill(p, s, n);
	ms_audit_report r;
	assert_int_equal(verify(f, &r), MS_ERR_INVALID);
	assert_int_equal(r.bad_id, 20);
	assert_non_null(strstr(r.problem, "line 3 disagrees with the hash of entry 20"));
	/* an id moved past the end reads as truncation */
	spill(p, orig, n);
	assert_int_equal(verify(f, &r), MS_ERR_OK);
	assert_int_equal(r.anchors, 4);
	s = slurp(p, &n);
	char *sp = strstr(s, " 20 ");
	assert_non_null(sp);
	sp[1] = '9';
	spill(p, s, n);
	assert_int_equal(verify(f, &r), MS_ERR_INVALID);
	assert_non_null(strstr(r.problem, "names entry 90"));
	/* a garbled line */
	spill(p, orig, n);
	s = slurp(p, &n);
	s[strlen(s) - 5] = 'x';
	spill(p, s, n);
	assert_int_equal(verify(f, &r), MS_ERR_INVALID);
	assert_non_null(strstr(r.problem, "line 4 is malformed"));
	/* the genesis line of another log */
	spill(p, orig, n);
	s = slurp(p, &n);
	char *g = strchr(s, '\n');
	g[-1] = g[-1] == 'a' ? 'b' : 'a';
	spill(p, s, n);
	assert_int_equal(verify(f, &r), MS_ERR_INVALID);
	assert_non_null(strstr(r.problem, "the log was replaced"));
	/* no anchors at all */
	unlink(p);
	assert_int_equal(verify(f, &r), MS_ERR_INVALID);
	assert_non_null(strstr(r.problem, "no anchor lines"));
	/* but a copy of them kept elsewhere still verifies */
	char copy[256];
	snprintf(copy, sizeof copy, "%s/offsite", f->dir);
	assert_int_equal(mkdir(copy, 0700), 0);
	char cp[300];
	char day[11];
	audit_today(day);
	snprintf(cp, sizeof cp, "%s/%s", copy, day);
	spill(cp, orig, n);
	ms_error err;
	ms_error_clear(&err);
	assert_int_equal(ms_audit_verify(f->path, copy, &r, &err), MS_ERR_OK);
	assert_int_equal(r.anchors, 4);
	free(orig);
}

static void test_altered_meta_is_found(void **state)
{
	fixture *f = *state;
	write_log(f, 0, 5, 5);
	tamper(f, "UPDATE meta SET value = '2020-01-01T00:00:00+08:00' WHERE key = 'created'");
	ms_audit_report r;
	assert_int_equal(verify(f, &r), MS_ERR_INVALID);
	assert_non_null(strstr(r.problem, "meta altered"));
	ms_error err;
	ms_error_clear(&err);
	ms_audit_opts o = {.path = f->path};
	ms_audit *a = NULL;
	assert_int_equal(ms_audit_open(&o, &a, &err), MS_ERR_INVALID);
	/* switching the algorithm, genesis and all, breaks the first link */
	tamper(f, "DELETE FROM meta WHERE key = 'nonce'");
	assert_int_equal(verify(f, &r), MS_ERR_INVALID);
	assert_non_null(strstr(r.problem, "meta is missing nonce"));
	tamper(f, "DROP TABLE meta");
	assert_int_equal(verify(f, &r), MS_ERR_INVALID);
	assert_non_null(strstr(r.problem, "lacks its meta or entry table"));
}

static void test_triggers_stop_mistakes(void **state)
{
	fixture *f = *state;
	write_log(f, 0, 3, 3);
	sqlite3 *db;
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(db, "UPDATE entry SET user = 'x'", NULL, NULL, NULL),
	                     SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(db, "DELETE FROM entry", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	ms_audit_report r;
	assert_int_equal(verify(f, &r), MS_ERR_OK);
}

static void test_reopen_continues_the_chain(void **state)
{
	fixture *f = *state;
	write_log(f, MS_AUDIT_SM3, 10, 4);
	ms_audit *a = open_log(f, 0, 0, 0, 0);
	assert_int_equal(ms_audit_count(a), 10);
	for (int i = 0; i < 5; i++)
		log_one(a, "zhao", "x", i);
	ms_audit_close(a); /* close flushes */
	assert_int_equal(q_int(f, "SELECT count(*) FROM entry"), 15);
	assert_int_equal(q_int(f, "SELECT count(*) FROM entry a JOIN entry b ON b.id = a.id + 1 "
	                          "WHERE b.prev_hash = a.hash"),
	                 14);
	ms_audit_report r;
	assert_int_equal(verify(f, &r), MS_ERR_OK);
	assert_int_equal(r.entries, 15);
	assert_string_equal(r.algorithm, "sm3");
	/* two handles on one log (two processes) extend one chain */
	ms_audit *b = open_log(f, 0, 0, 0, 0);
	a = open_log(f, 0, 0, 0, 0);
	ms_error err;
	ms_error_clear(&err);
	for (int i = 0; i < 20; i++) {
		log_one(i % 2 ? a : b, "qian", "y", i);
		assert_int_equal(ms_audit_flush(i % 2 ? a : b, &err), MS_ERR_OK);
	}
	ms_audit_close(a);
	ms_audit_close(b);
	assert_int_equal(verify(f, &r), MS_ERR_OK);
	assert_int_equal(r.entries, 35);
}

static void test_flush_waits_and_batches_commit(void **state)
{
	fixture *f = *state;
	/* a minute between timed commits: only flush or a full batch commit */
	ms_audit *a = open_log(f, 0, 60000, 10, 0);
	for (int i = 0; i < 5; i++)
		log_one(a, "sun", "r", i);
	usleep(50 * 1000);
	assert_int_equal(ms_audit_count(a), 0);
	assert_int_equal(q_int(f, "SELECT count(*) FROM entry"), 0);
	ms_error err;
	ms_error_clear(&err);
	assert_int_equal(ms_audit_flush(a, &err), MS_ERR_OK);
	assert_int_equal(ms_audit_count(a), 5);
	assert_int_equal(q_int(f, "SELECT count(*) FROM entry"), 5);
	/* the anchor is written before flush returns */
	char p[256];
	anchor_path(f, p, sizeof p);
	size_t n;
	char *s = slurp(p, &n);
	assert_non_null(strstr(s, " 5 "));
	/* a flush with nothing queued returns at once */
	assert_int_equal(ms_audit_flush(a, &err), MS_ERR_OK);
	/* a full batch commits without a flush */
	for (int i = 0; i < 10; i++)
		log_one(a, "sun", "r", i);
	for (int k = 0; k < 500 && ms_audit_count(a) < 15; k++)
		usleep(10 * 1000);
	assert_int_equal(ms_audit_count(a), 15);
	ms_audit_close(a);
	/* and flush_ms commits without either */
	a = open_log(f, 0, 20, 1000, 0);
	log_one(a, "sun", "r", 0);
	for (int k = 0; k < 500 && ms_audit_count(a) < 16; k++)
		usleep(10 * 1000);
	assert_int_equal(ms_audit_count(a), 16);
	ms_audit_close(a);
	ms_audit_report r;
	assert_int_equal(verify(f, &r), MS_ERR_OK);
	assert_int_equal(r.entries, 16);
}

static void test_full_queue_blocks_and_drains(void **state)
{
	fixture *f = *state;
	ms_audit *a = open_log(f, 0, 1, 2, 3);
	pthread_t t1, t2;
	thread_arg a1 = {a, "wang", 300}, a2 = {a, "li", 300};
	assert_int_equal(pthread_create(&t1, NULL, logger, &a1), 0);
	assert_int_equal(pthread_create(&t2, NULL, logger, &a2), 0);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	ms_audit_close(a);
	ms_audit_report r;
	assert_int_equal(verify(f, &r), MS_ERR_OK);
	assert_int_equal(r.entries, 600);
}

static void test_limits_and_bad_input(void **state)
{
	fixture *f = *state;
	ms_error err;
	ms_error_clear(&err);
	ms_audit *a = NULL;
	ms_audit_opts o = {.path = NULL};
	assert_int_equal(ms_audit_open(&o, &a, &err), MS_ERR_USAGE);
	o.path = f->path;
	o.hash = (ms_audit_hash)7;
	ms_error_clear(&err);
	assert_int_equal(ms_audit_open(&o, &a, &err), MS_ERR_USAGE);
	o.hash = 0;
	o.flush_ms = -1;
	ms_error_clear(&err);
	assert_int_equal(ms_audit_open(&o, &a, &err), MS_ERR_USAGE);
	a = open_log(f, 0, 0, 0, 0);
	char *big = malloc(MS_AUDIT_FIELD_MAX + 2);
	assert_non_null(big);
	memset(big, 'x', MS_AUDIT_FIELD_MAX + 1);
	big[MS_AUDIT_FIELD_MAX + 1] = '\0';
	ms_audit_entry e = {.user = "u", .route = big};
	ms_error_clear(&err);
	assert_int_equal(ms_audit_log(a, &e, &err), MS_ERR_TOO_LARGE);
	assert_non_null(strstr(ms_error_text(&err), "route"));
	big[MS_AUDIT_FIELD_MAX] = '\0'; /* at the limit: fine */
	ms_error_clear(&err);
	assert_int_equal(ms_audit_log(a, &e, &err), MS_ERR_OK);
	/* NULL fields are stored as "" and a given time is kept */
	ms_audit_entry bare = {.at = "2026-11-29T10:00:00+08:00"};
	assert_int_equal(ms_audit_log(a, &bare, &err), MS_ERR_OK);
	ms_audit_close(a);
	free(big);
	assert_int_equal(q_int(f, "SELECT count(*) FROM entry WHERE user = '' AND "
	                          "at = '2026-11-29T10:00:00+08:00'"),
	                 1);
	assert_int_equal(q_int(f, "SELECT length(route) FROM entry WHERE id = 1"),
	                 MS_AUDIT_FIELD_MAX);
	ms_audit_report r;
	assert_int_equal(verify(f, &r), MS_ERR_OK);
	/* reading what is not there or not a log */
	char other[256];
	snprintf(other, sizeof other, "%s/none.access", f->dir);
	ms_error_clear(&err);
	assert_int_equal(ms_audit_verify(other, NULL, &r, &err), MS_ERR_NOT_FOUND);
	spill(other, "not a database at all, just text that goes on for a while........", 66);
	ms_error_clear(&err);
	assert_int_equal(ms_audit_verify(other, NULL, &r, &err), MS_ERR_DB);
	ms_error_clear(&err);
	assert_int_equal(ms_audit_open(&(ms_audit_opts){.path = other}, &a, &err), MS_ERR_DB);
	ms_audit_close(NULL);
}

typedef struct rows {
	int n;
	int64_t ids[16];
	char users[16][8];
} rows;

static int on_row(void *ctx, const ms_audit_row *r)
{
	rows *o = ctx;
	if (o->n < 16) {
		o->ids[o->n] = r->id;
		snprintf(o->users[o->n], sizeof o->users[0], "%s", r->user);
	}
	o->n++;
	return o->n >= 100; /* a callback may stop the listing */
}

static void test_list_filters_newest_first(void **state)
{
	fixture *f = *state;
	write_log(f, 0, 30, 30); /* odd ids wang, even li; ref ...5678 when id % 3 == 0 */
	ms_error err;
	ms_error_clear(&err);
	rows o = {0};
	assert_int_equal(ms_audit_list(f->path, NULL, NULL, 0, 5, on_row, &o, &err), MS_ERR_OK);
	assert_int_equal(o.n, 5);
	assert_int_equal(o.ids[0], 30);
	assert_int_equal(o.ids[4], 26);
	memset(&o, 0, sizeof o);
	assert_int_equal(ms_audit_list(f->path, "wang", NULL, 0, 0, on_row, &o, &err), MS_ERR_OK);
	assert_int_equal(o.n, 15);
	assert_int_equal(o.ids[0], 29);
	assert_string_equal(o.users[3], "wang");
	memset(&o, 0, sizeof o);
	assert_int_equal(ms_audit_list(f->path, "li", "440106198512125678", 0, 0, on_row, &o, &err),
	                 MS_ERR_OK);
	assert_int_equal(o.n, 5); /* 6, 12, 18, 24, 30 */
	assert_int_equal(o.ids[1], 24);
	memset(&o, 0, sizeof o);
	assert_int_equal(ms_audit_list(f->path, NULL, "440106198512125678", 18, 0, on_row, &o,
	                               &err),
	                 MS_ERR_OK);
	assert_int_equal(o.n, 5); /* 15, 12, 9, 6, 3 */
	assert_int_equal(o.ids[0], 15);
	memset(&o, 0, sizeof o);
	assert_int_equal(ms_audit_list(f->path, "nobody", NULL, 0, 0, on_row, &o, &err), MS_ERR_OK);
	assert_int_equal(o.n, 0);
	/* the callback's stop */
	write_log(f, 0, 200, 200);
	memset(&o, 0, sizeof o);
	assert_int_equal(ms_audit_list(f->path, NULL, NULL, 0, 10000, on_row, &o, &err), MS_ERR_OK);
	assert_int_equal(o.n, 100);
	char other[256];
	snprintf(other, sizeof other, "%s/none.access", f->dir);
	assert_int_equal(ms_audit_list(other, NULL, NULL, 0, 0, on_row, &o, &err), MS_ERR_NOT_FOUND);
}

static void test_count(void **state)
{
	fixture *f = *state;
	ms_audit *a = open_log(f, 0, 0, 0, 0);
	assert_int_equal(ms_audit_count(a), 0);
	ms_error err;
	ms_error_clear(&err);
	for (int i = 0; i < 7; i++)
		log_one(a, "wu", "z", i);
	assert_int_equal(ms_audit_flush(a, &err), MS_ERR_OK);
	assert_int_equal(ms_audit_count(a), 7);
	ms_audit_close(a);
	a = open_log(f, 0, 0, 0, 0);
	assert_int_equal(ms_audit_count(a), 7);
	ms_audit_close(a);
	assert_int_equal(ms_audit_count(NULL), 0);
}

/* A commit that fails stops the log: the flush waiting for it and every
 * later call say so, rather than let reads go unrecorded. */
static void test_writer_failure_is_sticky(void **state)
{
	fixture *f = *state;
	ms_audit *a = open_log(f, 0, 60000, 0, 0);
	ms_error err;
	ms_error_clear(&err);
	/* the entry's copy is allocation 1; the writer's first scratch buffer,
	 * allocation 2, fails */
	ms_mem_fail_after(2);
	log_one(a, "zhou", "r", 1);
	assert_int_equal(ms_audit_flush(a, &err), MS_ERR_NOMEM);
	ms_mem_fail_after(0);
	ms_error_clear(&err);
	ms_audit_entry e = {.user = "zhou", .action = "read"};
	assert_int_equal(ms_audit_log(a, &e, &err), MS_ERR_NOMEM);
	ms_error_clear(&err);
	assert_int_equal(ms_audit_flush(a, &err), MS_ERR_NOMEM);
	assert_int_equal(ms_audit_count(a), 0);
	ms_audit_close(a);
	ms_audit_report r;
	assert_int_equal(verify(f, &r), MS_ERR_OK);
	assert_int_equal(r.entries, 0);
	/* reopened, it works again */
	write_log(f, 0, 2, 2);
}

/* Every allocation failing in turn: open, log, flush and close end cleanly
 * (an error or success, no crash, no leak), and whatever reached the disk
 * still verifies. */
static void test_allocation_failures(void **state)
{
	fixture *f = *state;
	for (unsigned long n = 1; n < 40; n++) {
		rm_tree(f->dir);
		assert_int_equal(mkdir(f->dir, 0700), 0);
		ms_error err;
		ms_error_clear(&err);
		ms_audit *a = NULL;
		ms_mem_fail_after(n);
		ms_audit_opts o = {.path = f->path};
		ms_err e = ms_audit_open(&o, &a, &err);
		if (!e) {
			for (int i = 0; i < 3; i++) {
				ms_audit_entry en = {.user = "u", .action = "read", .ref = "r"};
				ms_error_clear(&err);
				ms_audit_log(a, &en, &err);
			}
			ms_error_clear(&err);
			ms_audit_flush(a, &err);
			ms_audit_close(a);
		} else {
			assert_null(a);
			assert_true(e == MS_ERR_NOMEM || e == MS_ERR_DB || e == MS_ERR_INTERNAL);
		}
		ms_mem_fail_after(0);
		/* reopened without failures, the log takes entries and verifies */
		a = open_log(f, 0, 0, 0, 0);
		log_one(a, "after", "r", 0);
		ms_audit_close(a);
		ms_audit_report r;
		assert_int_equal(verify(f, &r), MS_ERR_OK);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_hash_vectors),
	    cmocka_unit_test(test_canonical_is_unambiguous),
	    cmocka_unit_test_setup_teardown(test_two_threads_sha256, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_two_threads_sm3, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_algorithm_fixed_at_creation, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_edited_field_is_found, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_edited_status_and_hash_columns, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_deleted_middle_entry_is_found, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_truncation_is_found_by_the_anchor, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rewritten_tail_is_found_by_the_anchor, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_edited_anchor_is_found, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_altered_meta_is_found, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_triggers_stop_mistakes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reopen_continues_the_chain, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_flush_waits_and_batches_commit, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_full_queue_blocks_and_drains, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_limits_and_bad_input, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_list_filters_newest_first, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_count, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_writer_failure_is_sticky, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_allocation_failures, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
