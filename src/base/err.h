/* err.h — the one table of error codes in minsheng.
 * Each row: code, stable name (used in JSON), default message in Chinese and
 * English, and the HTTP status the API answers with. Functions return an
 * ms_err; the detailed message travels in an ms_error context, set once where
 * the failure is known and turned into output once at the boundary. */
#ifndef MS_BASE_ERR_H
#define MS_BASE_ERR_H

#include <stdarg.h>
#include <stddef.h>

#define MS_ERRORS(X)                                                                     \
	X(OK, "ok", "成功", "success", 200)                                               \
	X(NOMEM, "out_of_memory", "内存不足", "out of memory", 503)                        \
	X(IO, "io", "读写文件失败", "file input/output failed", 500)                       \
	X(USAGE, "usage", "用法错误", "usage error", 400)                                  \
	X(INVALID, "invalid", "输入无效", "invalid input", 400)                            \
	X(TOO_LARGE, "too_large", "超出长度或大小限制", "over a size limit", 413)           \
	X(NOT_FOUND, "not_found", "记录不存在", "not found", 404)                           \
	X(EXISTS, "exists", "记录已存在", "already exists", 409)                            \
	X(CONFLICT, "conflict", "记录已被他人修改", "changed by someone else", 409)         \
	X(FORBIDDEN, "forbidden", "无权执行此操作", "not allowed", 403)                     \
	X(UNAUTHORIZED, "unauthorized", "未登录或登录已失效", "not logged in", 401)          \
	X(DB, "database", "数据库错误", "database error", 500)                             \
	X(SCHEMA, "schema", "数据库版本不兼容", "database schema mismatch", 500)            \
	X(BUSY, "busy", "系统繁忙，请稍后重试", "busy, try again", 503)                      \
	X(THROTTLED, "too_many_requests", "尝试过于频繁，请稍后再试", "too many attempts, try later", 429) \
	X(METHOD, "method_not_allowed", "不支持此请求方法", "method not allowed", 405)         \
	X(REFUSED, "refused", "文件被整体拒收", "file refused", 422)                        \
	X(PACK, "pack", "政策包有误", "policy pack error", 500)                             \
	X(INTERNAL, "internal", "内部错误", "internal error", 500)

typedef enum {
#define MS_ERR_ENUM(code, name, zh, en, http) MS_ERR_##code,
	MS_ERRORS(MS_ERR_ENUM)
#undef MS_ERR_ENUM
	MS_ERR__COUNT
} ms_err;

const char *ms_err_name(ms_err e);
const char *ms_err_message_zh(ms_err e);
const char *ms_err_message_en(ms_err e);
int ms_err_http_status(ms_err e);

/* An error context: the first failure recorded wins, so the root cause is
 * what the user reads. */
#define MS_ERROR_MSG_MAX 1024
typedef struct ms_error {
	ms_err code;
	char msg[MS_ERROR_MSG_MAX];
} ms_error;

void ms_error_clear(ms_error *e);
/* Records code and a formatted message (when e is non-NULL and still clear);
 * returns code so callers can write `return ms_error_set(e, ...)`. */
ms_err ms_error_set(ms_error *e, ms_err code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
ms_err ms_error_vset(ms_error *e, ms_err code, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
/* The message to show: the detailed one when set, else the table's text. */
const char *ms_error_text(const ms_error *e);

#endif
