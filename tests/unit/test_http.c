/* test_http.c — the parts of the HTTP server that need no socket: masking of
 * free text shown to uploaders, and the route table's own consistency. */
#include "testutil.h"

#include "http/http_impl.h"

#include <stdio.h>

static void test_mask_text(void **state)
{
	(void)state;
	char out[256];
	http_mask_text("440106199001011234,张三,13812345678", out, sizeof out);
	assert_string_equal(out, "440106********1234,张三,138****5678");
	http_mask_text("44010619900101123X 与 44010619900101123x", out, sizeof out);
	assert_string_equal(out, "440106********123X 与 440106********123x");
	/* a 15-digit old number keeps 6 and 4 too */
	http_mask_text("440106900101123", out, sizeof out);
	assert_string_equal(out, "440106*****1123");
	/* short numbers (dates, amounts) stay readable; 7-10 digits keep the last 2 */
	http_mask_text("2026-11-29 1234.50 0203456789", out, sizeof out);
	assert_string_equal(out, "2026-11-29 1234.50 ********89");
	/* the output is cut at the capacity, always terminated */
	char small[8];
	http_mask_text("440106199001011234", small, sizeof small);
	assert_int_equal(strlen(small), 7);
	assert_string_equal(small, "440106*");
}

static void test_routes_unique(void **state)
{
	(void)state;
	for (size_t i = 0; i < http_nroutes; i++) {
		const ms_route *a = &http_routes[i];
		assert_non_null(a->fn);
		assert_true(a->path[0] == '/');
		for (size_t j = i + 1; j < http_nroutes; j++) {
			const ms_route *b = &http_routes[j];
			if (strcmp(a->method, b->method) == 0 && strcmp(a->path, b->path) == 0)
				fail_msg("route %s %s twice", a->method, a->path);
		}
		/* state-changing routes are never public but for login */
		if (strcmp(a->method, "GET") != 0 && (a->flags & R_PUBLIC))
			assert_string_equal(a->path, "/api/v1/login");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mask_text),
	    cmocka_unit_test(test_routes_unique),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
