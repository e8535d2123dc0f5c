/* json_body.h — the checks every JSON request body goes through before a
 * handler reads it (http_body_object in server.c), as a function of the
 * bytes alone so that fuzz/fuzz_json_body.c and the unit tests can call it. */
#ifndef MS_HTTP_JSON_BODY_H
#define MS_HTTP_JSON_BODY_H

#include "base/err.h"

#include <jansson.h>
#include <stddef.h>

/* Nesting depth of a JSON text ({ and [), counted outside strings, without
 * parsing it; an upper bound of the depth of what a parser would build. */
int http_json_depth(const char *s, size_t n);

/* The body as a JSON object: not empty, nested at most max_depth levels
 * (checked before parsing, so a deep text never reaches the parser), valid
 * JSON without duplicate keys, and an object. NULL with err set otherwise:
 * MS_ERR_INVALID, or MS_ERR_TOO_LARGE when nested too deep; err's message is
 * the one the API answers with. The caller owns the result (json_decref). */
json_t *http_json_object_parse(const char *body, size_t len, int max_depth, ms_error *err);

#endif
