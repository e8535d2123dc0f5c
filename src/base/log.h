/* log.h — diagnostics on standard error. Never pass an identity number or a
 * phone number to these functions: logs leave the privacy boundary. */
#ifndef MS_BASE_LOG_H
#define MS_BASE_LOG_H

typedef enum { MS_LOG_DEBUG, MS_LOG_INFO, MS_LOG_WARN, MS_LOG_ERROR } ms_log_level;

void ms_log_set_level(ms_log_level level);
void ms_log(ms_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
