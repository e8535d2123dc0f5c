/* fuzz_json_body.c — JSON request bodies as the server checks them
 * (src/http/json_body.c, called by http_body_object for every JSON body):
 * the depth check before parsing, jansson's parse with duplicate keys
 * refused, the object check. Invariants: a body is accepted exactly when it
 * is a JSON object nested at most HTTP_JSON_DEPTH levels (as jansson reads
 * it), the pre-parse depth is never below the parsed depth, a refusal says
 * why with a code the API maps to 400 or 413, and what is accepted survives
 * a round trip. jansson itself is a system library, not instrumented: the
 * guidance covers our code, the sanitizers watch the boundary. */
#include "fuzz.h"

#include "base/text.h"
#include "http/http_impl.h"
#include "http/json_body.h"

#include <string.h>

static int depth_of(const json_t *v)
{
	int d = 0;
	if (json_is_object(v)) {
		const char *k;
		json_t *x;
		json_object_foreach((json_t *)(uintptr_t)v, k, x) {
			int e = depth_of(x);
			if (e > d)
				d = e;
		}
		return d + 1;
	}
	if (json_is_array(v)) {
		size_t i;
		json_t *x;
		json_array_foreach(v, i, x) {
			int e = depth_of(x);
			if (e > d)
				d = e;
		}
		return d + 1;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *body = malloc(size ? size : 1);
	FUZZ_ASSERT(body != NULL);
	memcpy(body, data, size);
	ms_error err;
	ms_error_clear(&err);
	json_t *v = http_json_object_parse(body, size, HTTP_JSON_DEPTH, &err);
	if (!v) {
		FUZZ_ASSERT(err.code == MS_ERR_INVALID || err.code == MS_ERR_TOO_LARGE);
		FUZZ_ASSERT(ms_err_http_status(err.code) == 400 || ms_err_http_status(err.code) == 413);
		FUZZ_ASSERT(err.msg[0] != 0);
		if (err.code == MS_ERR_TOO_LARGE)
			FUZZ_ASSERT(http_json_depth(body, size) > HTTP_JSON_DEPTH);
	} else {
		FUZZ_ASSERT(json_is_object(v));
		int d = depth_of(v);
		FUZZ_ASSERT(d >= 1 && d <= HTTP_JSON_DEPTH);
		FUZZ_ASSERT(d <= http_json_depth(body, size));
		/* what was accepted reads back the same */
		char *s = json_dumps(v, JSON_COMPACT);
		FUZZ_ASSERT(s != NULL);
		ms_error e2;
		ms_error_clear(&e2);
		json_t *w = http_json_object_parse(s, strlen(s), HTTP_JSON_DEPTH, &e2);
		FUZZ_ASSERT(w != NULL && json_equal(v, w));
		json_decref(w);
		free(s);
		/* and strings are UTF-8, as handlers assume */
		const char *k;
		json_t *x;
		json_object_foreach(v, k, x) {
			FUZZ_ASSERT(ms_utf8_valid(k, strlen(k)));
			if (json_is_string(x))
				FUZZ_ASSERT(ms_utf8_valid(json_string_value(x), json_string_length(x)));
		}
		json_decref(v);
	}
	free(body);
	return 0;
}
