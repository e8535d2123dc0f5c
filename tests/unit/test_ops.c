/* test_ops.c — operations: the configuration file (values, file:line
 * problems, relative paths, the limits of a line), trusted proxy lists,
 * the log's JSON lines and its scrubbing of identity and mobile numbers,
 * and the store's quick_check. */
#include "testutil.h"

#include "base/log.h"
#include "ops/config.h"
#include "store/store.h"
#include "store/store_check.h"

#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char tmpdir[] = "/tmp/ms-ops-XXXXXX";

static int setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Writes text to DIR/name and returns the path (static buffer). */
static const char *write_file(const char *name, const char *text, size_t len)
{
	static char path[256];
	snprintf(path, sizeof path, "%s/%s", tmpdir, name);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	fclose(f);
	return path;
}

static ms_config cfg;

static ms_err load(const char *text)
{
	const char *p = write_file("t.conf", text, strlen(text));
	ms_error err;
	ms_error_clear(&err);
	return ms_config_load(p, &cfg, &err);
}

static bool has_problem(int line, const char *needle)
{
	for (int i = 0; i < cfg.nproblems && i < MS_CONFIG_PROBLEMS_MAX; i++)
		if (cfg.problems[i].line == line && strstr(cfg.problems[i].msg, needle))
			return true;
	return false;
}

static void test_config_values(void **state)
{
	(void)state;
	assert_int_equal(load("; a comment\n"
	                      "[database]\n"
	                      "path = data/p.db\n"
	                      "access_hash = sm3\n"
	                      "[server]\n"
	                      "listen = 0.0.0.0:8443\n"
	                      "threads = 4\n"
	                      "static =\n"
	                      "upload_limit_mb = 64\n"
	                      "trusted_proxy = 127.0.0.1, ::1\n"
	                      "[log]\n"
	                      "format = json\n"
	                      "level = warn\n"
	                      "requests = no\n"
	                      "[session]\n"
	                      "idle_minutes = 10\n"
	                      "[scheduler]\n"
	                      "nightly_scan = 02:30\n"
	                      "reminders = off\n"
	                      "backup_keep = 7\n"
	                      "[retention]\n"
	                      "enabled = yes\n"),
	                 MS_ERR_OK);
	assert_int_equal(cfg.nproblems, 0);
	/* relative to the file's folder */
	char want[300];
	snprintf(want, sizeof want, "%s/data/p.db", tmpdir);
	assert_string_equal(cfg.db, want);
	assert_int_equal(cfg.access_hash, 2);
	assert_string_equal(cfg.listen, "0.0.0.0:8443");
	assert_int_equal(cfg.threads, 4);
	assert_string_equal(cfg.static_dir, "");
	assert_int_equal(cfg.upload_limit_mb, 64);
	assert_string_equal(cfg.trusted_proxy, "127.0.0.1,::1");
	assert_int_equal(cfg.log_format, MS_LOG_JSON);
	assert_int_equal(cfg.log_level, MS_LOG_WARN);
	assert_int_equal(cfg.log_requests, 0);
	assert_int_equal(cfg.idle_minutes, 10);
	assert_int_equal(cfg.absolute_hours, 0);
	assert_int_equal(cfg.nightly_scan, 150);
	assert_int_equal(cfg.reminders, -1);
	assert_int_equal(cfg.backup_keep, 7);
	assert_int_equal(cfg.retention, 1);
	assert_int_equal(cfg.cookie_secure, -1);
	/* "." and ".." are resolved lexically, doubled slashes dropped */
	assert_int_equal(load("[database]\npath = ./a/../b//c/./p.db\n[pack]\npath = ../../x/\n"
	                      "[scheduler]\nbackup_dir = /var/../../srv/./b/\n"),
	                 MS_ERR_OK);
	snprintf(want, sizeof want, "%s/b/c/p.db", tmpdir);
	assert_string_equal(cfg.db, want);
	assert_string_equal(cfg.pack, "/x"); /* tmpdir is /tmp/ms-ops-…: two levels up is / */
	assert_string_equal(cfg.backup_dir, "/srv/b");
	/* an empty file is valid and sets nothing */
	assert_int_equal(load(""), MS_ERR_OK);
	assert_string_equal(cfg.db, "");
	assert_int_equal(cfg.nightly_scan, -1);
}

static void test_config_problems(void **state)
{
	(void)state;
	ms_error err;
	ms_error_clear(&err);
	/* lines: 1 [database], 3 access_hash, 5 listen, 6 listn, 7 threads, 8 a
	 * network, 10 a certificate without key, 12 nightly_scan, 13 backup_keep,
	 * 14 [nosuch], 18 level, 19-20 format twice, 21 no "=", 23-24 idle past
	 * the absolute limit */
	const char *text = "[database]\npath = /x/p.db\naccess_hash = md5\n[server]\n"
	                   "listen = localhost:80\nlistn = 1\nthreads = 0\ntrusted_proxy = 10.0.0.0/8\n"
	                   "[tls]\ncertificate = c.pem\n[scheduler]\nnightly_scan = 24:00\n"
	                   "backup_keep = -1\n[nosuch]\na = b\nb = c\n[log]\nlevel = loud\n"
	                   "format = json\nformat = text\nthis line has no equals sign\n[session]\n"
	                   "idle_minutes = 1000\nabsolute_hours = 1\n";
	const char *p = write_file("bad.conf", text, strlen(text));
	assert_int_equal(ms_config_load(p, &cfg, &err), MS_ERR_INVALID);
	/* the first problem, as file:line */
	assert_non_null(strstr(err.msg, "bad.conf:3:"));
	assert_true(has_problem(3, "sha256 或 sm3"));
	assert_true(has_problem(5, "must be IPV4ADDR:PORT"));
	assert_true(has_problem(6, "unknown key \"listn\""));
	assert_true(has_problem(7, "from 1 to 64"));
	assert_true(has_problem(8, "not an IP address"));
	assert_true(has_problem(10, "certificate and key go together"));
	assert_true(has_problem(12, "HH:MM"));
	assert_true(has_problem(13, "from 1 to 3650"));
	assert_true(has_problem(15, "unknown section [nosuch]"));
	assert_false(has_problem(16, "unknown section")); /* once per section */
	assert_true(has_problem(18, "debug, info, warn or error"));
	assert_true(has_problem(20, "set twice (already at line 19)"));
	assert_true(has_problem(21, "cannot parse"));
	assert_true(has_problem(23, "exceeds absolute_hours"));
	/* in line order */
	for (int i = 1; i < cfg.nproblems && i < MS_CONFIG_PROBLEMS_MAX; i++)
		assert_true(cfg.problems[i - 1].line <= cfg.problems[i].line);
}

static void test_config_limits(void **state)
{
	(void)state;
	/* a line longer than libinih's buffer is refused, not split */
	char text[1024];
	char longpath[400];
	memset(longpath, 'a', sizeof longpath - 1);
	longpath[sizeof longpath - 1] = 0;
	snprintf(text, sizeof text, "[database]\npath = /%s\n[server]\nthreads = 2\n", longpath);
	assert_int_equal(load(text), MS_ERR_INVALID);
	assert_true(has_problem(2, "line longer than"));
	assert_int_equal(cfg.threads, 2); /* the lines after it are still read */
	assert_string_equal(cfg.db, "");
	/* NUL bytes and bytes that are not UTF-8 */
	ms_error err;
	ms_error_clear(&err);
	const char *p = write_file("nul.conf", "[database]\npath = a\0b\n", 22);
	assert_int_equal(ms_config_load(p, &cfg, &err), MS_ERR_INVALID);
	assert_true(has_problem(0, "NUL"));
	p = write_file("gbk.conf", "[database]\npath = \xc9\xfa.db\n", 21);
	assert_int_equal(ms_config_load(p, &cfg, &err), MS_ERR_INVALID);
	assert_true(has_problem(0, "UTF-8"));
	/* a missing file, and one too large */
	snprintf(text, sizeof text, "%s/nosuch.conf", tmpdir);
	assert_int_equal(ms_config_load(text, &cfg, &err), MS_ERR_NOT_FOUND);
	char *big = calloc(1, MS_CONFIG_FILE_MAX + 2);
	assert_non_null(big);
	memset(big, ';', MS_CONFIG_FILE_MAX + 1);
	p = write_file("big.conf", big, MS_CONFIG_FILE_MAX + 1);
	free(big);
	assert_int_equal(ms_config_load(p, &cfg, &err), MS_ERR_TOO_LARGE);
	/* a database URL: kept as is, its password never shown */
	assert_int_equal(load("[database]\npath = postgresql://ms:secret@db.local/ms?password=x2\n"),
	                 MS_ERR_OK);
	assert_string_equal(cfg.db, "postgresql://ms:secret@db.local/ms?password=x2");
}

static int seen_secret;
static void each_fn(void *ctx, const char *section, const char *key, const char *value,
                    int line)
{
	(void)ctx, (void)section, (void)key, (void)line;
	if (strstr(value, "secret") || strstr(value, "x2"))
		seen_secret++;
}

static void test_config_show_hides(void **state)
{
	(void)state;
	assert_int_equal(load("[database]\npath = postgresql://ms:secret@db.local/ms?password=x2\n"),
	                 MS_ERR_OK);
	seen_secret = 0;
	ms_config_each(&cfg, each_fn, NULL);
	assert_int_equal(seen_secret, 0);
}

static void test_config_paths(void **state)
{
	(void)state;
	char text[512];
	snprintf(text, sizeof text,
	         "[database]\npath = nodir/p.db\n[tls]\ncertificate = none.pem\nkey = none.key\n"
	         "[pack]\npath = %s\n[scheduler]\nbackup_dir = /nonexistent-ms\n", tmpdir);
	assert_int_equal(load(text), MS_ERR_OK);
	assert_int_equal(ms_config_check_paths(&cfg), 5);
	assert_true(has_problem(2, "does not exist"));
	assert_true(has_problem(4, "cannot read"));
	assert_true(has_problem(5, "cannot read"));
	assert_true(has_problem(7, "not a policy pack"));
	assert_true(has_problem(9, "does not exist"));
}

static void test_proxies(void **state)
{
	(void)state;
	char out[400], why[300];
	assert_true(ms_config_proxy_list(" 127.0.0.1 ,::1,  10.1.2.3", out, sizeof out, why,
	                                 sizeof why));
	assert_string_equal(out, "127.0.0.1,::1,10.1.2.3");
	assert_true(ms_config_proxy_list("0:0:0:0:0:0:0:1", out, sizeof out, why, sizeof why));
	assert_string_equal(out, "::1");
	assert_false(ms_config_proxy_list("proxy.local", out, sizeof out, why, sizeof why));
	assert_false(ms_config_proxy_list("1.1.1.1,2.2.2.2,3.3.3.3,4.4.4.4,5.5.5.5,6.6.6.6,7.7.7.7,"
	                                  "8.8.8.8,9.9.9.9", out, sizeof out, why, sizeof why));
	assert_true(ms_config_addr_in("127.0.0.1,::1", "127.0.0.1"));
	assert_true(ms_config_addr_in("127.0.0.1,::1", "0::1"));
	assert_false(ms_config_addr_in("127.0.0.1,::1", "127.0.0.2"));
	assert_false(ms_config_addr_in("127.0.0.10", "127.0.0.1"));
	assert_false(ms_config_addr_in("", "127.0.0.1"));
	assert_false(ms_config_addr_in("127.0.0.1", "not an address"));
	assert_int_equal(ms_config_parse_time("00:00"), 0);
	assert_int_equal(ms_config_parse_time("23:59"), 23 * 60 + 59);
	assert_int_equal(ms_config_parse_time("24:00"), -1);
	assert_int_equal(ms_config_parse_time("7:00"), -1);
}

static void test_scrub(void **state)
{
	(void)state;
	char out[256];
	ms_log_scrub("身份证 440106199001011234 与 44010619900101123X，电话 13812345678。", out,
	             sizeof out);
	assert_string_equal(out, "身份证 440106********1234 与 440106********123X，电话 138****5678。");
	/* a 户编号, a request id, hashes, counts and timestamps are left alone */
	const char *keep = "household 440106001001000123 request 13812345678abcd "
	                   "a13812345678 hash 9f86d081884c7d659a2feaa0c55ad015 "
	                   "2026-11-29T10:00:00+08:00 rows 123456789012 "
	                   "4401061990010112345 12812345678";
	ms_log_scrub(keep, out, sizeof out);
	assert_string_equal(out, keep);
	/* at the ends of the text, and a lower-case x */
	ms_log_scrub("15912345678", out, sizeof out);
	assert_string_equal(out, "159****5678");
	ms_log_scrub("44010620000101123x", out, sizeof out);
	assert_string_equal(out, "440106********123x");
	/* a small buffer is terminated */
	ms_log_scrub("440106199001011234", out, 5);
	assert_string_equal(out, "4401");
}

/* Captures what ms_log_fields writes. */
static char *capture_start(int *saved, FILE **tmp)
{
	*tmp = tmpfile();
	assert_non_null(*tmp);
	fflush(stderr);
	*saved = dup(STDERR_FILENO);
	assert_true(dup2(fileno(*tmp), STDERR_FILENO) >= 0);
	return NULL;
}

static char *capture_end(int saved, FILE *tmp)
{
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	static char text[16384];
	rewind(tmp);
	size_t n = fread(text, 1, sizeof text - 1, tmp);
	fclose(tmp);
	text[n] = 0;
	return text;
}

static void test_log_json(void **state)
{
	(void)state;
	int saved;
	FILE *tmp;
	ms_log_set_format(MS_LOG_JSON);
	capture_start(&saved, &tmp);
	ms_log_field f[] = {
		{.key = "request_id", .type = MS_LF_STR, .s = "0123456789abcdef"},
		{.key = "route", .type = MS_LF_STR, .s = "/api/v1/persons/{id}"},
		{.key = "status", .type = MS_LF_INT, .i = 404},
		{.key = "latency_ms", .type = MS_LF_REAL, .r = 1.25},
		{.key = "user", .type = MS_LF_STR, .s = "13812345678"},
	};
	ms_log_fields(MS_LOG_INFO, "request", f, 5);
	ms_log(MS_LOG_WARN, "quote \" backslash \\ newline \n tab \t bad \xff utf8 中文 440106199001011234");
	char huge[6000];
	memset(huge, 'z', sizeof huge - 1);
	huge[sizeof huge - 1] = 0;
	ms_log_fields(MS_LOG_ERROR, huge, f, 5);
	char *text = capture_end(saved, tmp);
	ms_log_set_format(MS_LOG_AUTO);
	/* three lines, each one JSON object */
	int lines = 0;
	for (char *line = text, *nl; *line; line = nl + 1) {
		nl = strchr(line, '\n');
		assert_non_null(nl); /* every line ends with a newline */
		*nl = 0;
		json_error_t je;
		json_t *v = json_loads(line, 0, &je);
		if (!v)
			fail_msg("line %d is not JSON (%s): %.200s", lines + 1, je.text, line);
		assert_non_null(json_object_get(v, "time"));
		assert_non_null(json_object_get(v, "level"));
		assert_non_null(json_object_get(v, "msg"));
		if (lines == 0) {
			assert_string_equal(json_string_value(json_object_get(v, "route")),
			                    "/api/v1/persons/{id}");
			assert_int_equal(json_integer_value(json_object_get(v, "status")), 404);
			assert_true(json_real_value(json_object_get(v, "latency_ms")) == 1.25);
			assert_string_equal(json_string_value(json_object_get(v, "user")), "138****5678");
		} else if (lines == 1) {
			const char *m = json_string_value(json_object_get(v, "msg"));
			assert_non_null(strstr(m, "quote \" backslash \\ newline \n tab"));
			assert_non_null(strstr(m, "\xef\xbf\xbd utf8 中文 440106********1234"));
		} else {
			assert_string_equal(json_string_value(json_object_get(v, "level")), "error");
		}
		json_decref(v);
		lines++;
	}
	assert_int_equal(lines, 3);
}

static void test_log_text(void **state)
{
	(void)state;
	int saved;
	FILE *tmp;
	ms_log_set_format(MS_LOG_TEXT);
	capture_start(&saved, &tmp);
	ms_log_field f[] = {
		{.key = "route", .type = MS_LF_STR, .s = "/healthz"},
		{.key = "user", .type = MS_LF_STR, .s = "a b"},
		{.key = "status", .type = MS_LF_INT, .i = 200},
	};
	ms_log_fields(MS_LOG_INFO, "request\nsecond line", f, 3);
	char *text = capture_end(saved, tmp);
	ms_log_set_format(MS_LOG_AUTO);
	assert_non_null(strstr(text, " info  request second line route=/healthz user=\"a b\" "
	                             "status=200\n"));
	assert_int_equal(strchr(text, '\n') - text + 1, (long)strlen(text));
}

static void test_quick_check(void **state)
{
	(void)state;
	char path[256], problem[256];
	snprintf(path, sizeof path, "%s/qc.db", tmpdir);
	char url[640]; /* the file, or a database on PostgreSQL */
	assert_non_null(t_db_fresh(path, url, sizeof url));
	ms_store *s = NULL;
	ms_error err;
	ms_error_clear(&err);
	assert_int_equal(ms_store_open(url, MS_STORE_CREATE, &s, &err), MS_ERR_OK);
	assert_int_equal(ms_store_quick_check(s, problem, sizeof problem, &err), MS_ERR_OK);
	assert_string_equal(problem, "");
	ms_store_close(s);
	t_db_drop(url);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_config_values),
	    cmocka_unit_test(test_config_problems),
	    cmocka_unit_test(test_config_limits),
	    cmocka_unit_test(test_config_show_hides),
	    cmocka_unit_test(test_config_paths),
	    cmocka_unit_test(test_proxies),
	    cmocka_unit_test(test_scrub),
	    cmocka_unit_test(test_log_json),
	    cmocka_unit_test(test_log_text),
	    cmocka_unit_test(test_quick_check),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
