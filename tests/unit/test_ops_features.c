/* test_ops_features.c — operations features (docs/operations.md): the
 * webhook's signature (a vector computed with `openssl dgst -hmac`), its
 * backoff, URL parsing, the event body (masked, no personal data), notices
 * recorded once and deliveries queued and retried in the store; retention
 * periods read from the pack, their checks (the access log's 3 years) and
 * cutoffs; the PDF layer (a PDF with the CJK font, long text wrapped). */
#include "testutil.h"

#include "notify/http_client.h"
#include "notify/webhook.h"
#include "print/pdf.h"
#include "rules/pack.h"
#include "store/store.h"
#include "store/store_ops.h"
#include "work/notify.h"
#include "work/retention.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PACK "policy/guangdong"

static char tmpdir[] = "/tmp/ms-opsf-XXXXXX";

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

static void test_sign(void **state)
{
	(void)state;
	char sig[MS_WEBHOOK_SIG_STR];
	const char *body = "{\"a\":1}";
	/* printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac 'secret-0123456789abcdef' */
	ms_webhook_sign("secret-0123456789abcdef", 1700000000, body, strlen(body), sig);
	assert_string_equal(sig, "sha256=8eae3d28cb521b6b37f86de366c0b3de07baa3505577e5d97c7b1625541e4a2c");
	char other[MS_WEBHOOK_SIG_STR];
	ms_webhook_sign("secret-0123456789abcdef", 1700000001, body, strlen(body), other);
	assert_string_not_equal(sig, other); /* the timestamp is signed */
	ms_webhook_sign("secret-0123456789abcdeF", 1700000000, body, strlen(body), other);
	assert_string_not_equal(sig, other);
}

static void test_backoff(void **state)
{
	(void)state;
	ms_deliver_opts o = {0};
	assert_int_equal(ms_webhook_backoff(&o, 1), 60);
	assert_int_equal(ms_webhook_backoff(&o, 2), 120);
	assert_int_equal(ms_webhook_backoff(&o, 3), 240);
	assert_int_equal(ms_webhook_backoff(&o, 9), 15360);
	assert_int_equal(ms_webhook_backoff(&o, 10), 21600); /* capped at 6 hours */
	assert_int_equal(ms_webhook_backoff(&o, 1000), 21600);
	ms_deliver_opts p = {.base_delay = 5, .max_delay = 30};
	assert_int_equal(ms_webhook_backoff(&p, 3), 20);
	assert_int_equal(ms_webhook_backoff(&p, 4), 30);
}

static void test_url(void **state)
{
	(void)state;
	ms_url u;
	ms_error err;
	ms_error_clear(&err);
	assert_int_equal(ms_url_parse("http://127.0.0.1:8080/hook?x=1", &u, &err), MS_ERR_OK);
	assert_false(u.tls);
	assert_string_equal(u.host, "127.0.0.1");
	assert_string_equal(u.port, "8080");
	assert_string_equal(u.path, "/hook?x=1");
	assert_int_equal(ms_url_parse("https://sms.mz.gd.gov.cn", &u, &err), MS_ERR_OK);
	assert_true(u.tls);
	assert_string_equal(u.port, "443");
	assert_string_equal(u.path, "/");
	assert_int_equal(ms_url_parse("http://[::1]:9000/a", &u, &err), MS_ERR_OK);
	assert_string_equal(u.host, "::1");
	assert_string_equal(u.port, "9000");
	const char *bad[] = {"ftp://x/",          "http://",           "http://a b/",
	                     "http://u:p@host/", "http://host:0/",    "http://host:99999/",
	                     "http://host/#f",   "http://[::1/",      "http://ho$t/",
	                     "HTTP://host/",      "http://host:8x/"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ms_error_clear(&err);
		assert_int_equal(ms_url_parse(bad[i], &u, &err), MS_ERR_INVALID);
	}
}

static void test_body(void **state)
{
	(void)state;
	ms_alert a = {.id = 12,
	              .rule = "R05",
	              .kind = "risk",
	              .subject_type = "person",
	              .subject = "440106195001010015",
	              .area = "440106001001",
	              .inbox = "440106001",
	              .state = "new",
	              .due = "2026-12-11"};
	char *b = ms_notify_body(&a, "overdue", "2026-12-12T08:00:00+08:00");
	assert_non_null(b);
	assert_non_null(strstr(b, "\"subject\":\"440106********0015\""));
	assert_null(strstr(b, "440106195001010015"));
	assert_non_null(strstr(b, "\"event\":\"overdue\""));
	assert_non_null(strstr(b, "\"assignee\":null"));
	free(b);
	a.subject_type = "household";
	a.subject = "H-0001";
	a.assignee = "zhang";
	b = ms_notify_body(&a, "returned", "2026-12-12T08:00:00+08:00");
	assert_non_null(strstr(b, "\"subject\":\"H-0001\""));
	assert_non_null(strstr(b, "\"assignee\":\"zhang\""));
	free(b);
}

static int count_rows(void *ctx, const ms_delivery_row *d)
{
	(*(int *)ctx)++;
	return 0;
}

static void test_notices_and_queue(void **state)
{
	(void)state;
	char path[256];
	snprintf(path, sizeof path, "%s/n.db", tmpdir);
	char url[640]; /* the file, or a database on PostgreSQL */
	assert_non_null(t_db_fresh(path, url, sizeof url));
	ms_store *s = NULL;
	ms_error err;
	ms_error_clear(&err);
	assert_int_equal(ms_store_open(url, MS_STORE_CREATE, &s, &err), MS_ERR_OK);
	int64_t w1, w2;
	assert_int_equal(ms_webhook_add(s, NULL, "http://127.0.0.1:9/a", "0123456789abcdefXYZ",
	                                "returned, new", &w1, &err),
	                 MS_ERR_OK);
	assert_int_equal(ms_webhook_add(s, NULL, "http://127.0.0.1:9/b", "0123456789abcdefXYZ",
	                                "overdue", &w2, &err),
	                 MS_ERR_OK);
	ms_error_clear(&err);
	assert_int_equal(ms_webhook_add(s, NULL, "http://127.0.0.1:9/c", "short", "new", NULL, &err),
	                 MS_ERR_INVALID);
	ms_error_clear(&err);
	assert_int_equal(ms_webhook_add(s, NULL, "http://127.0.0.1:9/c", "0123456789abcdefXYZ",
	                                "new,nope", NULL, &err),
	                 MS_ERR_INVALID);
	assert_non_null(strstr(ms_error_text(&err), "nope"));
	ms_error_clear(&err);
	ms_alert a = {.id = 7,
	              .rule = "R13",
	              .kind = "emergency",
	              .subject_type = "person",
	              .subject = "440106195001010015",
	              .area = "440106001001",
	              .inbox = "440106001",
	              .state = "returned",
	              .due = "2026-12-01"};
	bool added;
	int64_t queued;
	assert_int_equal(ms_store_begin_write(s, &err), MS_ERR_OK);
	assert_int_equal(ms_notify_event(s, &a, "returned", "33", "2026-11-29T10:00:00+08:00", &added,
	                                 &queued, &err),
	                 MS_ERR_OK);
	assert_true(added);
	assert_int_equal(queued, 1); /* only the first target takes returned */
	/* the same event again: recorded once, nothing queued */
	assert_int_equal(ms_notify_event(s, &a, "returned", "33", "2026-11-29T10:00:00+08:00", &added,
	                                 &queued, &err),
	                 MS_ERR_OK);
	assert_false(added);
	assert_int_equal(queued, 0);
	/* another return of the same alert is a new occasion */
	assert_int_equal(ms_notify_event(s, &a, "returned", "40", "2026-11-30T10:00:00+08:00", &added,
	                                 &queued, &err),
	                 MS_ERR_OK);
	assert_true(added);
	assert_int_equal(ms_notify_event(s, &a, "overdue", "2026-12-01", "2026-12-02T08:00:00+08:00",
	                                 &added, &queued, &err),
	                 MS_ERR_OK);
	assert_int_equal(queued, 1);
	assert_int_equal(ms_store_commit(s, &err), MS_ERR_OK);
	int n = 0;
	assert_int_equal(ms_webhook_deliveries(s, NULL, "pending", 100, count_rows, &n, &err), MS_ERR_OK);
	assert_int_equal(n, 3);
	/* a delivery that fails with no receiver: attempts 1, retry after 60 s */
	ms_deliver_opts o = {.now = 1800000000, .timeout_ms = 500, .max_attempts = 2};
	ms_deliver_result r;
	assert_int_equal(ms_webhook_deliver(s, &o, NULL, NULL, &r, &err), MS_ERR_OK);
	assert_int_equal(r.attempted, 3);
	assert_int_equal(r.retrying, 3);
	assert_int_equal(ms_webhook_deliver(s, &o, NULL, NULL, &r, &err), MS_ERR_OK);
	assert_int_equal(r.attempted, 0); /* not due before their backoff */
	o.now += 60;
	assert_int_equal(ms_webhook_deliver(s, &o, NULL, NULL, &r, &err), MS_ERR_OK);
	assert_int_equal(r.failed, 3); /* given up at max_attempts */
	n = 0;
	assert_int_equal(ms_webhook_deliveries(s, NULL, "failed", 100, count_rows, &n, &err), MS_ERR_OK);
	assert_int_equal(n, 3);
	assert_int_equal(ms_webhook_remove(s, NULL, w2, &err), MS_ERR_OK);
	ms_error_clear(&err);
	assert_int_equal(ms_webhook_remove(s, NULL, w2, &err), MS_ERR_NOT_FOUND);
	ms_store_close(s);
	t_db_drop(url);
}

static void test_retention_policy(void **state)
{
	(void)state;
	ms_pack *pack = NULL;
	ms_error err;
	ms_error_clear(&err);
	assert_int_equal(ms_pack_load(PACK, &pack, &err), MS_ERR_OK);
	ms_retention_report r;
	assert_int_equal(ms_retention_policy(pack, T_DATE("2026-11-29"), &r, &err), MS_ERR_OK);
	assert_int_equal(r.steps[MS_RET_REJECTS].period, 180);
	assert_string_equal(r.steps[MS_RET_REJECTS].cutoff, "2026-06-02");
	assert_int_equal(r.steps[MS_RET_ALERTS].period, 5);
	assert_true(r.steps[MS_RET_ALERTS].years);
	assert_string_equal(r.steps[MS_RET_ALERTS].cutoff, "2021-11-29");
	assert_string_equal(r.steps[MS_RET_ATTACHMENTS].cutoff, "2023-11-29");
	assert_int_equal(r.access_log_years, 3);
	assert_string_equal(r.access_log_cutoff, "2023-11-29");
	for (int i = 0; i < MS_RET__COUNT; i++) {
		assert_non_null(r.steps[i].kind);
		assert_non_null(r.steps[i].title_zh);
	}
	/* the access log's 3 years are enforced */
	int ai = ms_pack_param_index(pack, "retention.access_log_years");
	assert_true(ai >= 0);
	int64_t saved = pack->params[ai].values[0].i;
	pack->params[ai].values[0].i = 2;
	ms_error_clear(&err);
	assert_int_equal(ms_retention_policy(pack, T_DATE("2026-11-29"), &r, &err), MS_ERR_PACK);
	assert_non_null(strstr(ms_error_text(&err), "at least 3 years"));
	pack->params[ai].values[0].i = saved;
	ms_pack_free(pack);
}

static void test_minus_years(void **state)
{
	(void)state;
	char d[MS_DATE_STR];
	ms_date_format(ms_date_minus_years(T_DATE("2028-02-29"), 1), d);
	assert_string_equal(d, "2027-02-28");
	ms_date_format(ms_date_minus_years(T_DATE("2028-02-29"), 4), d);
	assert_string_equal(d, "2024-02-29");
	ms_date_format(ms_date_minus_years(T_DATE("2026-11-29"), 3), d);
	assert_string_equal(d, "2023-11-29");
}

static void test_pdf_layer(void **state)
{
	(void)state;
	if (!pd_font_path())
		skip();
	pdoc d;
	ms_error err;
	ms_error_clear(&err);
	assert_int_equal(pd_open(&d, "测试", "页脚 footer", &err), MS_ERR_OK);
	pd_center(&d, 18, "入户核查表");
	pd_heading(&d, "一、核查对象");
	pd_field(&d, "身份证号", "440106195001010015");
	/* a long note wraps, and across pages */
	char longtext[20000];
	size_t n = 0;
	while (n + 40 < sizeof longtext) {
		memcpy(longtext + n, "核实家庭收入与财产情况，", 36);
		n += 36;
	}
	longtext[n] = '\0';
	pd_text(&d, 10, 8, longtext);
	const float w[] = {100, 100, 283};
	const char *cells[] = {"姓名", "关系", "一段很长的说明文字，会在单元格里换行。"};
	pd_row(&d, 3, w, cells, true);
	pd_box(&d, "核查情况说明：", 100);
	assert_true(d.pages >= 2);
	char *pdf = NULL;
	size_t len = 0;
	assert_int_equal(pd_finish(&d, &pdf, &len, &err), MS_ERR_OK);
	assert_true(len > 1000);
	assert_memory_equal(pdf, "%PDF-", 5);
	free(pdf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sign),
	    cmocka_unit_test(test_backoff),
	    cmocka_unit_test(test_url),
	    cmocka_unit_test(test_body),
	    cmocka_unit_test(test_notices_and_queue),
	    cmocka_unit_test(test_retention_policy),
	    cmocka_unit_test(test_minus_years),
	    cmocka_unit_test(test_pdf_layer),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
