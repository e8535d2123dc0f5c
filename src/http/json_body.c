/* json_body.c — checking a JSON request body (json_body.h). */
#include "http/json_body.h"

#include <stdbool.h>

int http_json_depth(const char *s, size_t n)
{
	int d = 0, max = 0;
	bool in = false, esc = false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (in) {
			if (esc)
				esc = false;
			else if (c == '\\')
				esc = true;
			else if (c == '"')
				in = false;
		} else if (c == '"') {
			in = true;
		} else if (c == '{' || c == '[') {
			if (++d > max)
				max = d;
		} else if (c == '}' || c == ']') {
			d--;
		}
	}
	return max;
}

json_t *http_json_object_parse(const char *body, size_t len, int max_depth, ms_error *err)
{
	if (!body || len == 0) {
		ms_error_set(err, MS_ERR_INVALID, "请求体应为 JSON 对象 / the body must be a JSON object");
		return NULL;
	}
	if (http_json_depth(body, len) > max_depth) {
		ms_error_set(err, MS_ERR_TOO_LARGE, "JSON 嵌套超过 %d 层 / JSON nested deeper than %d levels",
		             max_depth, max_depth);
		return NULL;
	}
	json_error_t je;
	json_t *v = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
	if (v && !json_is_object(v)) {
		json_decref(v);
		ms_error_set(err, MS_ERR_INVALID, "请求体应为 JSON 对象（{…}） / the body must be a JSON object "
		             "({…})");
		return NULL;
	}
	if (!v) {
		ms_error_set(err, MS_ERR_INVALID, "请求体不是有效的 JSON 对象（第 %d 行第 %d 列：%s） / the body is "
		             "not a valid JSON object (line %d, column %d: %s)", je.line, je.column,
		             je.text, je.line, je.column, je.text);
		return NULL;
	}
	return v;
}
