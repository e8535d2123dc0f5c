/* log.h — diagnostics on standard error, one line each: JSON lines for
 * journald and log collectors, or text for a terminal.
 *
 * Never pass an identity number or a phone number to these functions: logs
 * leave the privacy boundary. As a last line of defence every line is
 * scrubbed before it is written: an identity number (17 digits and a
 * check character, digits 7–8 a birth century 18, 19 or 20) keeps its
 * first 6 and last 4 characters, a mobile number (11 digits starting
 * 13–19) its first 3 and last 4, as in the API's lists. A 户编号 (village
 * code and sequence, not personal data) is left alone. */
#ifndef MS_BASE_LOG_H
#define MS_BASE_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum { MS_LOG_DEBUG, MS_LOG_INFO, MS_LOG_WARN, MS_LOG_ERROR } ms_log_level;

/* auto: text when standard error is a terminal, JSON lines otherwise. */
typedef enum { MS_LOG_AUTO, MS_LOG_TEXT, MS_LOG_JSON } ms_log_format;

void ms_log_set_level(ms_log_level level);
void ms_log_set_format(ms_log_format format);
/* Parses "debug", "info", "warn" ("warning"), "error"; false otherwise. */
bool ms_log_level_parse(const char *s, ms_log_level *out);
/* Parses "auto", "json", "text"; false otherwise. */
bool ms_log_format_parse(const char *s, ms_log_format *out);
const char *ms_log_level_name(ms_log_level level);
const char *ms_log_format_name(ms_log_format format);
bool ms_log_enabled(ms_log_level level);

void ms_log(ms_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A structured line: msg and named fields (string, integer or real). In
 * JSON each field is a member; in text, key=value after the message. */
typedef enum { MS_LF_STR, MS_LF_INT, MS_LF_REAL } ms_log_field_type;
typedef struct ms_log_field {
	const char *key;
	ms_log_field_type type;
	const char *s;
	int64_t i;
	double r;
} ms_log_field;
void ms_log_fields(ms_log_level level, const char *msg, const ms_log_field *f, size_t n);

/* Writes in into out (cap bytes, always terminated) with identity and
 * mobile numbers masked as described above; returns the length. */
size_t ms_log_scrub(const char *in, char *out, size_t cap);

#endif
