/* err.c — names, messages and HTTP statuses generated from MS_ERRORS. */
#include "base/err.h"

#include <stdio.h>
#include <string.h>

static const char *const err_names[] = {
#define X(code, name, zh, en, http) name,
	MS_ERRORS(X)
#undef X
};
static const char *const err_zh[] = {
#define X(code, name, zh, en, http) zh,
	MS_ERRORS(X)
#undef X
};
static const char *const err_en[] = {
#define X(code, name, zh, en, http) en,
	MS_ERRORS(X)
#undef X
};
static const int err_http[] = {
#define X(code, name, zh, en, http) http,
	MS_ERRORS(X)
#undef X
};

static int err_index(ms_err e)
{
	return (e >= 0 && e < MS_ERR__COUNT) ? (int)e : (int)MS_ERR_INTERNAL;
}

const char *ms_err_name(ms_err e) { return err_names[err_index(e)]; }
const char *ms_err_message_zh(ms_err e) { return err_zh[err_index(e)]; }
const char *ms_err_message_en(ms_err e) { return err_en[err_index(e)]; }
int ms_err_http_status(ms_err e) { return err_http[err_index(e)]; }

void ms_error_clear(ms_error *e)
{
	if (e) {
		e->code = MS_ERR_OK;
		e->msg[0] = '\0';
	}
}

ms_err ms_error_vset(ms_error *e, ms_err code, const char *fmt, va_list ap)
{
	if (e && e->code == MS_ERR_OK) {
		e->code = code;
		if (fmt)
			vsnprintf(e->msg, sizeof e->msg, fmt, ap);
		else
			e->msg[0] = '\0';
	}
	return code;
}

ms_err ms_error_set(ms_error *e, ms_err code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	ms_error_vset(e, code, fmt, ap);
	va_end(ap);
	return code;
}

const char *ms_error_text(const ms_error *e)
{
	if (!e)
		return "";
	if (e->msg[0])
		return e->msg;
	return ms_err_message_zh(e->code);
}
