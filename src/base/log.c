/* log.c — leveled messages on standard error, one line each. */
#include "base/log.h"

#include <stdarg.h>
#include <stdio.h>

static ms_log_level log_level = MS_LOG_INFO;

void ms_log_set_level(ms_log_level level) { log_level = level; }

void ms_log(ms_log_level level, const char *fmt, ...)
{
	static const char *const names[] = {"debug", "info", "warn", "error"};
	if (level < log_level)
		return;
	char line[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	fprintf(stderr, "minsheng: %s: %s\n", names[level], line);
}
