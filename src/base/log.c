/* log.c — leveled messages on standard error, one line each, as JSON lines
 * (journald keeps each as one entry; collectors parse them) or as text for
 * a person at a terminal. A line is built whole and written with one call,
 * so lines of several threads never interleave. */
#include "base/log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LOG_LINE_MAX 4096

static _Atomic int log_level = MS_LOG_INFO;
static _Atomic int log_format = MS_LOG_AUTO;

static const char *const level_names[] = {"debug", "info", "warn", "error"};
static const char *const format_names[] = {"auto", "text", "json"};

void ms_log_set_level(ms_log_level level) { atomic_store(&log_level, (int)level); }
void ms_log_set_format(ms_log_format format) { atomic_store(&log_format, (int)format); }

bool ms_log_enabled(ms_log_level level) { return (int)level >= atomic_load(&log_level); }

const char *ms_log_level_name(ms_log_level level)
{
	return (unsigned)level < 4 ? level_names[level] : "?";
}

const char *ms_log_format_name(ms_log_format format)
{
	return (unsigned)format < 3 ? format_names[format] : "?";
}

bool ms_log_level_parse(const char *s, ms_log_level *out)
{
	for (int i = 0; i < 4; i++)
		if (strcmp(s, level_names[i]) == 0) {
			*out = (ms_log_level)i;
			return true;
		}
	if (strcmp(s, "warning") == 0) {
		*out = MS_LOG_WARN;
		return true;
	}
	return false;
}

bool ms_log_format_parse(const char *s, ms_log_format *out)
{
	for (int i = 0; i < 3; i++)
		if (strcmp(s, format_names[i]) == 0) {
			*out = (ms_log_format)i;
			return true;
		}
	return false;
}

static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_alnum(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Length of the digit run at s (at most cap). */
static size_t digits_at(const char *s, size_t n)
{
	size_t k = 0;
	while (k < n && is_digit(s[k]))
		k++;
	return k;
}

size_t ms_log_scrub(const char *in, char *out, size_t cap)
{
	if (!cap)
		return 0;
	size_t n = strlen(in), o = 0;
	for (size_t i = 0; i < n && o + 1 < cap;) {
		/* a candidate starts at a digit not glued to a letter or digit
		 * before it (a request id's hex is not a phone number) */
		if (is_digit(in[i]) && (i == 0 || !is_alnum(in[i - 1]))) {
			size_t run = digits_at(in + i, n - i);
			size_t len = 0, keep_head = 0, keep_tail = 0;
			/* an identity number's digits 7–8 are the century of a birth
			 * year (18, 19, 20); a 户编号 (village code + sequence) has a
			 * township code there (000–599) and is not personal data */
			bool century = run >= 8 && ((in[i + 6] == '1' && (in[i + 7] == '8' || in[i + 7] == '9')) ||
			                            (in[i + 6] == '2' && in[i + 7] == '0'));
			if (century && run == 17 && i + 17 < n && (in[i + 17] == 'X' || in[i + 17] == 'x') &&
			    (i + 18 == n || !is_alnum(in[i + 18])))
				len = 18, keep_head = 6, keep_tail = 4;
			else if (century && run == 18 && (i + 18 == n || !is_alnum(in[i + 18])))
				len = 18, keep_head = 6, keep_tail = 4;
			else if (run == 11 && in[i] == '1' && in[i + 1] >= '3' &&
			         (i + 11 == n || !is_alnum(in[i + 11])))
				len = 11, keep_head = 3, keep_tail = 4;
			if (!len) {
				/* copy the whole run so its tail is not taken for a
				 * candidate of its own */
				for (size_t k = 0; k < run && o + 1 < cap; k++)
					out[o++] = in[i + k];
				i += run;
				continue;
			}
			for (size_t k = 0; k < len && o + 1 < cap; k++)
				out[o++] = (k < keep_head || k >= len - keep_tail) ? in[i + k] : '*';
			i += len;
			continue;
		}
		out[o++] = in[i++];
	}
	out[o] = 0;
	return o;
}

/* Appends s to the line as the inside of a JSON string: quotes, backslashes
 * and control characters escaped, bytes that are not UTF-8 replaced. */
static size_t put_json_str(char *line, size_t o, size_t cap, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p && o + 8 < cap) {
		unsigned char c = *p;
		if (c == '"' || c == '\\') {
			line[o++] = '\\';
			line[o++] = (char)c;
			p++;
		} else if (c < 0x20 || c == 0x7f) {
			o += (size_t)snprintf(line + o, cap - o, "\\u%04x", c);
			p++;
		} else if (c < 0x80) {
			line[o++] = (char)c;
			p++;
		} else {
			/* a well-formed sequence is copied, anything else becomes U+FFFD */
			size_t len = c >= 0xf0 && c < 0xf5 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
			bool ok = len > 0 && c < 0xf5;
			for (size_t k = 1; ok && k < len; k++)
				ok = (p[k] & 0xc0) == 0x80;
			if (ok) {
				memcpy(line + o, p, len);
				o += len;
				p += len;
			} else {
				memcpy(line + o, "\xef\xbf\xbd", 3);
				o += 3;
				p++;
			}
		}
	}
	return o;
}

/* Appends text with control characters shown as spaces (a value must not
 * start a new line of the log). */
static size_t put_text(char *line, size_t o, size_t cap, const char *s)
{
	for (; *s && o + 2 < cap; s++)
		line[o++] = ((unsigned char)*s < 0x20) ? ' ' : *s;
	return o;
}

static bool text_needs_quotes(const char *s)
{
	if (!*s)
		return true;
	for (; *s; s++)
		if (*s == ' ' || *s == '"' || *s == '=' || (unsigned char)*s < 0x20)
			return true;
	return false;
}

/* The time as RFC 3339 in China time with milliseconds: the rest of the
 * program dates everything in UTC+8. */
static void now_text(char *out, size_t cap)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	time_t t = ts.tv_sec + 8 * 3600;
	struct tm tm;
	gmtime_r(&t, &tm);
	char base[24];
	if (strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		base[0] = 0;
	snprintf(out, cap, "%.19s.%03d+08:00", base, (int)(ts.tv_nsec / 1000000));
}

/* Whether standard error is a terminal, asked once (a server logs a line
 * per request: no system call each time). */
static bool stderr_is_tty(void)
{
	static _Atomic int tty = -1;
	int t = atomic_load(&tty);
	if (t < 0) {
		t = isatty(STDERR_FILENO) ? 1 : 0;
		atomic_store(&tty, t);
	}
	return t == 1;
}

static bool use_json(void)
{
	int f = atomic_load(&log_format);
	if (f == MS_LOG_AUTO)
		return !stderr_is_tty();
	return f == MS_LOG_JSON;
}

void ms_log_fields(ms_log_level level, const char *msg, const ms_log_field *f, size_t n)
{
	if (!ms_log_enabled(level))
		return;
	char line[LOG_LINE_MAX], clean[LOG_LINE_MAX], when[48];
	now_text(when, sizeof when);
	/* the appends stop short of cap; the reserve past it always holds the
	 * closing quote, brace and newline, so a cut line is still one JSON
	 * object */
	const size_t cap = sizeof line - 16;
	size_t o = 0;
	bool json = use_json();
	ms_log_scrub(msg ? msg : "", clean, sizeof clean);
	if (json) {
		o += (size_t)snprintf(line, cap, "{\"time\":\"%s\",\"level\":\"%s\",\"msg\":\"", when,
		                      ms_log_level_name(level));
		o = put_json_str(line, o, cap, clean);
		line[o++] = '"';
	} else {
		o += (size_t)snprintf(line, cap, "%s %-5s ", when, ms_log_level_name(level));
		o = put_text(line, o, cap, clean);
	}
	for (size_t i = 0; i < n && o + 32 < cap; i++) {
		char num[64];
		const char *v = num;
		if (f[i].type == MS_LF_STR) {
			ms_log_scrub(f[i].s ? f[i].s : "", clean, sizeof clean);
			v = clean;
		} else if (f[i].type == MS_LF_INT) {
			snprintf(num, sizeof num, "%lld", (long long)f[i].i);
		} else {
			snprintf(num, sizeof num, "%.3f", f[i].r);
		}
		if (json) {
			line[o++] = ',';
			line[o++] = '"';
			o = put_json_str(line, o, cap, f[i].key);
			line[o++] = '"';
			line[o++] = ':';
			if (f[i].type == MS_LF_STR) {
				line[o++] = '"';
				o = put_json_str(line, o, cap, v);
				line[o++] = '"';
			} else {
				o = put_text(line, o, cap, v);
			}
		} else {
			line[o++] = ' ';
			o = put_text(line, o, cap, f[i].key);
			line[o++] = '=';
			bool q = f[i].type == MS_LF_STR && text_needs_quotes(v);
			if (q)
				line[o++] = '"';
			o = put_text(line, o, cap, v);
			if (q)
				line[o++] = '"';
		}
	}
	if (json)
		line[o++] = '}';
	line[o++] = '\n';
	fwrite(line, 1, o, stderr);
}

void ms_log(ms_log_level level, const char *fmt, ...)
{
	if (!ms_log_enabled(level))
		return;
	char msg[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	ms_log_fields(level, msg, NULL, 0);
}
