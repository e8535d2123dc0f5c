/* server.c — libmicrohttpd plumbing: one handler for every request, which
 * collects the body within its limits, matches the route, establishes who
 * is calling (session cookie or bearer token), checks the CSRF token of
 * state-changing requests, runs the route's handler with a store handle of
 * the thread, writes the access log and the metrics, and sends the answer.
 *
 * Keep-alive needs the first call of the access handler to return MHD_YES
 * without queueing (a response queued at once closes the connection), so
 * every request answers on its last call. */
#include "http/http_impl.h"
#include "http/json_body.h"

#include "base/log.h"
#include "base/mem.h"
#include "ops/config.h"
#include "ops/tls.h"
#include "people/people.h"
#include "store/store_session.h"
#include "work/work.h"

#include <microhttpd.h>

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static __thread ms_store *tl_store;

int64_t http_now(void) { return (int64_t)time(NULL); }

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The store of this thread, opened on first use. */
static ms_store *thread_store(ms_server *srv, ms_error *err)
{
	if (tl_store)
		return tl_store;
	ms_store *s = NULL;
	if (ms_store_open(srv->db, 0, &s, err))
		return NULL;
	pthread_mutex_lock(&srv->stores_mu);
	if (srv->nstores == srv->capstores) {
		size_t cap = srv->capstores ? srv->capstores * 2 : 16;
		ms_store **n = realloc(srv->stores, cap * sizeof *n);
		if (!n) {
			pthread_mutex_unlock(&srv->stores_mu);
			ms_store_close(s);
			ms_error_set(err, MS_ERR_NOMEM, "内存不足 / out of memory");
			return NULL;
		}
		srv->stores = n;
		srv->capstores = cap;
	}
	srv->stores[srv->nstores++] = s;
	pthread_mutex_unlock(&srv->stores_mu);
	tl_store = s;
	return s;
}

/* ---- responses ---- */

static void set_resp(ms_req *r, int status, const char *type, char *bytes, size_t len)
{
	if (r->resp && !r->resp_static)
		free(r->resp);
	r->status = status;
	r->resp_type = type;
	r->resp = bytes;
	r->resp_len = len;
	r->resp_static = false;
}

void http_json(ms_req *r, int status, json_t *v)
{
	char *s = v ? json_dumps(v, JSON_COMPACT | JSON_ENSURE_ASCII * 0) : NULL;
	json_decref(v);
	if (!s) {
		static const char oom[] =
			"{\"error\":{\"code\":\"out_of_memory\",\"message\":\"内存不足 / out of memory\","
			"\"message_en\":\"out of memory\"}}";
		set_resp(r, 503, "application/json; charset=utf-8", (char *)(uintptr_t)oom, sizeof oom - 1);
		r->resp_static = true;
		return;
	}
	set_resp(r, status, "application/json; charset=utf-8", s, strlen(s));
}

static void error_with(ms_req *r, ms_err code, const char *msg)
{
	json_t *e = json_pack("{s:{s:s,s:s,s:s}}", "error", "code", ms_err_name(code), "message",
	                      msg && *msg ? msg : ms_err_message_zh(code), "message_en",
	                      ms_err_message_en(code));
	http_json(r, ms_err_http_status(code), e);
}

void http_error(ms_req *r, ms_err code, const char *fmt, ...)
{
	char msg[MS_ERROR_MSG_MAX];
	msg[0] = 0;
	if (fmt) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(msg, sizeof msg, fmt, ap);
		va_end(ap);
	}
	error_with(r, code, msg);
}

void http_fail(ms_req *r, ms_err e, const ms_error *err)
{
	if (e == MS_ERR_OK)
		e = MS_ERR_INTERNAL;
	/* a system failure says what failed in the server's log, not to the
	 * client, whose message stays the table's */
	if (ms_err_http_status(e) >= 500) {
		ms_log(MS_LOG_ERROR, "%s %s: %s", r->method, r->route ? r->route->path : "-", err ? ms_error_text(err) : "");
		error_with(r, e, NULL);
		return;
	}
	error_with(r, e, err && err->code != MS_ERR_OK ? err->msg : NULL);
}

void http_json_text(ms_req *r, int status, char *text, size_t len)
{
	set_resp(r, status, "application/json; charset=utf-8", text, len);
}

void http_bytes(ms_req *r, int status, const char *type, const void *bytes, size_t len)
{
	char *c = malloc(len ? len : 1);
	if (!c) {
		http_error(r, MS_ERR_NOMEM, NULL);
		return;
	}
	memcpy(c, bytes, len);
	set_resp(r, status, type, c, len);
}

/* ---- request parts ---- */

const char *http_arg(ms_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

bool http_int_arg(ms_req *r, const char *name, int64_t lo, int64_t hi, int64_t def, int64_t *out)
{
	const char *v = http_arg(r, name);
	if (!v || !*v) {
		*out = def;
		return true;
	}
	char *end;
	errno = 0;
	long long n = strtoll(v, &end, 10);
	if (errno || *end || n < lo || n > hi) {
		http_error(r, MS_ERR_INVALID, "参数 %s 应为 %lld 到 %lld 之间的整数 / %s must be an integer "
		           "from %lld to %lld", name, (long long)lo, (long long)hi, name, (long long)lo,
		           (long long)hi);
		return false;
	}
	*out = n;
	return true;
}

/* The checks themselves are in json_body.c (fuzzed by fuzz/fuzz_json_body.c). */
json_t *http_body_object(ms_req *r)
{
	ms_error err;
	ms_error_clear(&err);
	json_t *v = http_json_object_parse(r->body, r->body_len, HTTP_JSON_DEPTH, &err);
	if (!v)
		http_error(r, err.code, "%s", err.msg);
	return v;
}

bool http_str(ms_req *r, json_t *o, const char *key, size_t max, const char **out)
{
	json_t *v = json_object_get(o, key);
	*out = NULL;
	if (!v || json_is_null(v))
		return true;
	if (!json_is_string(v)) {
		http_error(r, MS_ERR_INVALID, "字段 %s 应为字符串 / %s must be a string", key, key);
		return false;
	}
	if (json_string_length(v) > max) {
		http_error(r, MS_ERR_TOO_LARGE, "字段 %s 超过 %zu 字节 / %s is longer than %zu bytes", key,
		           max, key, max);
		return false;
	}
	if (strlen(json_string_value(v)) != json_string_length(v)) {
		http_error(r, MS_ERR_INVALID, "字段 %s 含有空字符 / %s contains a NUL", key, key);
		return false;
	}
	*out = json_string_value(v);
	return true;
}

void http_audit(ms_req *r, const char *action, const char *object, const char *ref)
{
	r->audited = true;
	snprintf(r->audit_action, sizeof r->audit_action, "%s", action);
	snprintf(r->audit_object, sizeof r->audit_object, "%s", object);
	snprintf(r->audit_ref, sizeof r->audit_ref, "%s", ref ? ref : "");
}

bool http_role(ms_req *r, ...)
{
	va_list ap;
	va_start(ap, r);
	int role;
	bool ok = false;
	while ((role = va_arg(ap, int)) != 0)
		if ((int)r->user.role == role)
			ok = true;
	va_end(ap);
	if (!ok)
		http_error(r, MS_ERR_FORBIDDEN, "角色“%s”无权执行此操作 / the role %s may not do this",
		           ms_role_label(r->user.role, false), ms_role_code(r->user.role));
	return ok;
}

/* ---- routing ---- */

static void free_params(ms_req *r)
{
	for (int i = 0; i < r->nparams; i++)
		free(r->params[i]);
	r->nparams = 0;
}

/* Matches a path against a template; captures {…} segments (percent-decoded
 * by MHD already). */
static bool match(const char *tpl, const char *path, ms_req *r)
{
	free_params(r);
	while (*tpl && *path) {
		if (*tpl != '/' || *path != '/')
			return false;
		tpl++, path++;
		const char *te = strchr(tpl, '/'), *pe = strchr(path, '/');
		size_t tl = te ? (size_t)(te - tpl) : strlen(tpl);
		size_t pl = pe ? (size_t)(pe - path) : strlen(path);
		if (tl > 1 && tpl[0] == '{') {
			if (pl == 0 || r->nparams == HTTP_MAX_PARAMS)
				return false;
			char *p = strndup(path, pl);
			if (!p)
				return false;
			r->params[r->nparams++] = p;
		} else if (tl != pl || memcmp(tpl, path, tl) != 0) {
			return false;
		}
		tpl += tl;
		path += pl;
	}
	return *tpl == 0 && *path == 0;
}

/* The route of a request: *index = -1 when no path matches; *method_ok false
 * when the path matches with another method. */
static const ms_route *find_route(ms_req *r, int *index, bool *method_ok)
{
	*index = -1;
	*method_ok = true;
	bool path_seen = false;
	for (size_t i = 0; i < http_nroutes; i++) {
		if (!match(http_routes[i].path, r->path, r))
			continue;
		path_seen = true;
		if (strcmp(http_routes[i].method, r->method) == 0) {
			*index = (int)i;
			return &http_routes[i];
		}
	}
	free_params(r);
	*method_ok = !path_seen;
	return NULL;
}

void ms_http_routes(void (*fn)(void *ctx, const char *method, const char *path), void *ctx)
{
	for (size_t i = 0; i < http_nroutes; i++)
		fn(ctx, http_routes[i].method, http_routes[i].path);
}

/* ---- who is calling ---- */

const char *http_cookie(ms_req *r)
{
	return MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, "ms_session");
}

/* Establishes the caller. Returns false with the response set when the
 * route needs a caller and there is none, or a check fails. */
static bool authenticate(ms_req *r)
{
	ms_error err = {0};
	const char *authz = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Authorization");
	if (authz && strncmp(authz, "Bearer ", 7) == 0) {
		ms_err e = ms_token_check(r->store, authz + 7, &r->token, &err);
		if (e) {
			http_fail(r, e, &err);
			return false;
		}
		if (!(r->route->flags & (R_TOKEN | R_PUBLIC))) {
			http_error(r, MS_ERR_FORBIDDEN, "部门接口令牌只能上传数据和查看自己批次的计数 / a "
			           "department token may only upload files and read its own batches");
			return false;
		}
		r->authed = r->via_token = true;
		r->user = r->token.user;
		ms_auth_scope(&r->user, &r->scope);
		return true;
	}
	const char *tok = http_cookie(r);
	if (tok && *tok) {
		ms_err e = ms_session_check(r->store, tok, http_now(), &r->srv->lim, &r->sess, &err);
		if (e == MS_ERR_OK) {
			r->authed = true;
			r->user = r->sess.user;
			ms_auth_scope(&r->user, &r->scope);
		} else if (e != MS_ERR_UNAUTHORIZED) {
			http_fail(r, e, &err);
			return false;
		}
	}
	if (r->route->flags & R_PUBLIC)
		return true;
	if (!r->authed) {
		http_error(r, MS_ERR_UNAUTHORIZED, "请先登录 / log in first");
		return false;
	}
	/* a session must echo its CSRF token on every state-changing request */
	if (strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0) {
		const char *c = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "X-CSRF-Token");
		if (!c || strlen(c) != strlen(r->sess.csrf) ||
		    sodium_memcmp(c, r->sess.csrf, strlen(c)) != 0) {
			http_error(r, MS_ERR_FORBIDDEN, "缺少或错误的 X-CSRF-Token 请求头 / the X-CSRF-Token "
			           "header is missing or wrong");
			return false;
		}
	}
	if (r->route->roles && !(r->route->roles & RB(r->user.role))) {
		http_error(r, MS_ERR_FORBIDDEN, "角色“%s”不能使用此功能 / the role %s may not use this",
		           ms_role_label(r->user.role, false), ms_role_code(r->user.role));
		return false;
	}
	if (r->user.must_change && !(r->route->flags & R_ANY_PW)) {
		http_error(r, MS_ERR_FORBIDDEN, "请先修改密码（POST /api/v1/session/password） / change "
		           "your password first (POST /api/v1/session/password)");
		return false;
	}
	return true;
}

/* ---- the access log ---- */

static void audit_write(ms_req *r)
{
	if (!r->audited || !r->srv->audit)
		return;
	char route[HTTP_PATH_MAX + 8];
	snprintf(route, sizeof route, "%s %s", r->method, r->route ? r->route->path : r->path);
	ms_audit_entry e = {
		.user = r->user.name,
		.role = ms_role_code(r->user.role),
		.action = r->audit_action,
		.object = r->audit_object,
		.ref = r->audit_ref,
		.route = route,
		.status = r->status,
		.addr = r->addr,
		.request = r->reqid,
	};
	ms_error err = {0};
	if (ms_audit_log(r->srv->audit, &e, &err)) {
		/* a read that cannot be logged is not served (SPEC §7) */
		ms_log(MS_LOG_ERROR, "access log: %s", ms_error_text(&err));
		http_error(r, MS_ERR_BUSY, "访问日志无法写入，暂停查阅个人信息，请联系系统管理员 / the access "
		           "log cannot be written; personal data is not served until it is repaired");
	}
}

/* ---- MHD callbacks ---- */

static void client_addr(struct MHD_Connection *c, char *out, size_t cap)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	out[0] = 0;
	if (!ci || !ci->client_addr)
		return;
	const struct sockaddr *sa = ci->client_addr;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
		          (socklen_t)cap);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out,
		          (socklen_t)cap);
}

/* Behind a trusted reverse proxy the client is the last address of
 * X-Forwarded-For, the one that proxy appended: earlier ones were written by
 * whoever sent the request and prove nothing. From any other peer the
 * header is ignored. */
static void forwarded_addr(ms_req *r)
{
	const char *trusted = r->srv->o.trusted_proxy;
	if (!trusted || !*trusted || !ms_config_addr_in(trusted, r->addr))
		return;
	const char *xff = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "X-Forwarded-For");
	if (!xff)
		return;
	size_t n = strnlen(xff, 4097);
	if (n > 4096)
		return;
	const char *end = xff + n;
	while (end > xff && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	const char *start = end;
	while (start > xff && start[-1] != ',')
		start--;
	while (start < end && (*start == ' ' || *start == '\t'))
		start++;
	char one[64];
	if (start == end || (size_t)(end - start) >= sizeof one)
		return;
	memcpy(one, start, (size_t)(end - start));
	one[end - start] = 0;
	unsigned char bin[16];
	if (inet_pton(AF_INET, one, bin) == 1)
		inet_ntop(AF_INET, bin, r->addr, (socklen_t)sizeof r->addr);
	else if (inet_pton(AF_INET6, one, bin) == 1)
		inet_ntop(AF_INET6, bin, r->addr, (socklen_t)sizeof r->addr);
}

/* One structured line per request: the route's template, never the path
 * (a path may hold an identity number), and no query string. */
static void log_request(ms_req *r, double secs)
{
	const char *route = r->route ? r->route->path : r->is_static ? "static" : "unmatched";
	const char *method = strlen(r->method) <= 16 ? r->method : "other";
	ms_log_field f[] = {
		{.key = "request_id", .type = MS_LF_STR, .s = r->reqid},
		{.key = "method", .type = MS_LF_STR, .s = method},
		{.key = "route", .type = MS_LF_STR, .s = route},
		{.key = "status", .type = MS_LF_INT, .i = r->status},
		{.key = "latency_ms", .type = MS_LF_REAL, .r = secs * 1000},
		{.key = "user", .type = MS_LF_STR, .s = r->authed ? r->user.name : "-"},
		{.key = "addr", .type = MS_LF_STR, .s = r->addr},
	};
	ms_log_fields(MS_LOG_INFO, "request", f, sizeof f / sizeof f[0]);
}

/* libmicrohttpd's own messages (a failed TLS handshake, a socket error)
 * go through the same log as everything else. */
__attribute__((format(printf, 2, 0))) static void mhd_logger(void *cls, const char *fm,
                                                              va_list ap)
{
	(void)cls;
	char msg[512];
	vsnprintf(msg, sizeof msg, fm, ap);
	size_t n = strlen(msg);
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		msg[--n] = 0;
	ms_log(MS_LOG_WARN, "http: %s", msg);
}

static enum MHD_Result count_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                    const char *value)
{
	(void)kind, (void)key, (void)value;
	(*(int *)cls)++;
	return MHD_YES;
}

static void req_free(ms_req *r)
{
	if (!r)
		return;
	free_params(r);
	free(r->body);
	if (r->upload_fd >= 0)
		close(r->upload_fd);
	if (r->upload_path[0])
		unlink(r->upload_path);
	if (r->resp && !r->resp_static)
		free(r->resp);
	free(r);
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
	(void)cls, (void)c, (void)toe;
	req_free(*con_cls);
	*con_cls = NULL;
}

/* Takes a chunk of the body. */
static void take_body(ms_req *r, const char *data, size_t n)
{
	if (r->body_err)
		return;
	if (r->route && (r->route->flags & R_UPLOAD)) {
		if (r->upload_len + n > r->srv->o.max_upload) {
			r->body_err = MS_ERR_TOO_LARGE;
			return;
		}
		if (r->upload_fd < 0) {
			snprintf(r->upload_path, sizeof r->upload_path, "%s/upload-XXXXXX",
			         r->srv->upload_dir);
			r->upload_fd = mkstemp(r->upload_path);
			if (r->upload_fd < 0) {
				r->upload_path[0] = 0;
				r->body_err = MS_ERR_IO;
				return;
			}
		}
		size_t off = 0;
		while (off < n) {
			ssize_t w = write(r->upload_fd, data + off, n - off);
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0) {
				r->body_err = MS_ERR_IO;
				return;
			}
			off += (size_t)w;
		}
		r->upload_len += n;
		return;
	}
	size_t max = r->route && (r->route->flags & R_ATTACH) ? MS_ATTACHMENT_MAX : r->srv->o.max_body;
	if (r->body_len + n > max) {
		r->body_err = MS_ERR_TOO_LARGE;
		return;
	}
	if (r->body_len + n + 1 > r->body_cap) {
		size_t cap = r->body_cap ? r->body_cap : 1024;
		while (cap < r->body_len + n + 1)
			cap *= 2;
		char *b = realloc(r->body, cap);
		if (!b) {
			r->body_err = MS_ERR_NOMEM;
			return;
		}
		r->body = b;
		r->body_cap = cap;
	}
	memcpy(r->body + r->body_len, data, n);
	r->body_len += n;
	r->body[r->body_len] = 0;
}

static size_t body_limit(const ms_req *r)
{
	if (r->route && (r->route->flags & R_UPLOAD))
		return r->srv->o.max_upload;
	if (r->route && (r->route->flags & R_ATTACH))
		return MS_ATTACHMENT_MAX;
	return r->srv->o.max_body;
}

static void dispatch(ms_req *r, bool method_ok)
{
	ms_server *srv = r->srv;
	if (r->nheaders > HTTP_MAX_HEADERS) {
		http_error(r, MS_ERR_TOO_LARGE, "请求头超过 %d 个 / more than %d header fields",
		           HTTP_MAX_HEADERS, HTTP_MAX_HEADERS);
		return;
	}
	if (r->url_too_long) {
		http_error(r, MS_ERR_TOO_LARGE, "请求地址超过 %d 字节 / the URL is longer than %d bytes",
		           HTTP_PATH_MAX - 1, HTTP_PATH_MAX - 1);
		return;
	}
	if (!r->route && http_static_serve(r))
		return;
	if (!r->route) {
		if (!method_ok)
			http_error(r, MS_ERR_METHOD, "%s 不支持此方法 / %s does not take %s", r->path,
			           r->path, r->method);
		else
			http_error(r, MS_ERR_NOT_FOUND, "没有这个接口：%s / no such route: %s", r->path,
			           r->path);
		return;
	}
	if (r->body_err) {
		if (r->body_err == MS_ERR_TOO_LARGE)
			http_error(r, MS_ERR_TOO_LARGE, "请求体超过 %zu 字节 / the body is over %zu bytes",
			           body_limit(r), body_limit(r));
		else
			http_error(r, r->body_err, NULL);
		return;
	}
	ms_error err = {0};
	r->store = thread_store(srv, &err);
	if (!r->store) {
		http_fail(r, err.code ? err.code : MS_ERR_DB, &err);
		return;
	}
	pthread_rwlock_rdlock(&srv->pack_lock);
	r->pack = srv->pack;
	if (authenticate(r)) {
		if ((r->route->flags & R_TXN) && (err.code = ms_store_begin_read(r->store, &err))) {
			http_fail(r, err.code, &err);
		} else {
			r->route->fn(r);
			if (strcmp(r->method, "GET") == 0 && http_want_xlsx(r))
				http_export_xlsx(r);
		}
	}
	pthread_rwlock_unlock(&srv->pack_lock);
	r->pack = NULL;
	/* a handler must never leave a transaction open on the thread's store */
	ms_store_rollback(r->store);
}

static enum MHD_Result respond(ms_req *r)
{
	struct MHD_Response *resp;
	if (!r->resp) {
		http_error(r, MS_ERR_INTERNAL, NULL);
	}
	if (r->resp_static)
		resp = MHD_create_response_from_buffer(r->resp_len, r->resp, MHD_RESPMEM_PERSISTENT);
	else {
		resp = MHD_create_response_from_buffer(r->resp_len, r->resp, MHD_RESPMEM_MUST_FREE);
		if (resp)
			r->resp = NULL; /* MHD owns it now */
	}
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, "Content-Type", r->resp_type);
	/* the UI's files may be cached but must be checked (a new version of
	 * the server brings new files); answers of the API never */
	MHD_add_response_header(resp, "Cache-Control", r->is_static ? "no-cache" : "no-store");
	MHD_add_response_header(resp, "Content-Security-Policy",
	                        "default-src 'self'; img-src 'self' data: blob:; "
	                        "style-src 'self' 'unsafe-inline'; script-src 'self'; "
	                        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
	                        "form-action 'self'");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(resp, "X-Request-Id", r->reqid);
	if (r->set_cookie[0])
		MHD_add_response_header(resp, "Set-Cookie", r->set_cookie);
	if (r->disposition[0])
		MHD_add_response_header(resp, "Content-Disposition", r->disposition);
	enum MHD_Result ret = MHD_queue_response(r->conn, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result access_cb(void *cls, struct MHD_Connection *c, const char *url,
                                 const char *method, const char *version,
                                 const char *upload_data, size_t *upload_data_size,
                                 void **con_cls)
{
	(void)version;
	ms_server *srv = cls;
	ms_req *r = *con_cls;
	if (!r) {
		r = calloc(1, sizeof *r);
		if (!r)
			return MHD_NO;
		r->srv = srv;
		r->conn = c;
		r->method = method;
		r->upload_fd = -1;
		r->t0 = mono();
		uint8_t rnd[8];
		randombytes_buf(rnd, sizeof rnd);
		sodium_bin2hex(r->reqid, sizeof r->reqid, rnd, sizeof rnd);
		client_addr(c, r->addr, sizeof r->addr);
		forwarded_addr(r);
		if (strlen(url) >= sizeof r->path) {
			r->url_too_long = true;
			snprintf(r->path, sizeof r->path, "/");
		} else {
			snprintf(r->path, sizeof r->path, "%s", url);
		}
		MHD_get_connection_values(c, MHD_HEADER_KIND, count_header, &r->nheaders);
		bool method_ok;
		r->route = find_route(r, &r->route_index, &method_ok);
		/* remember a wrong method in route_index -2 */
		if (!r->route && !method_ok)
			r->route_index = -2;
		*con_cls = r;
		atomic_fetch_add(&srv->inflight, 1);
		return MHD_YES;
	}
	if (*upload_data_size) {
		take_body(r, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}
	dispatch(r, r->route_index != -2);
	audit_write(r);
	double secs = mono() - r->t0;
	http_metrics_record(srv, r->route ? r->route_index : -1, r->status, secs);
	if (!srv->o.quiet)
		log_request(r, secs);
	atomic_fetch_sub(&srv->inflight, 1);
	return respond(r);
}

/* ---- start and stop ---- */

static bool parse_listen(const char *listen, struct sockaddr_in *sa, ms_error *err)
{
	char host[64];
	const char *colon = strrchr(listen, ':');
	if (!colon || (size_t)(colon - listen) >= sizeof host) {
		ms_error_set(err, MS_ERR_USAGE, "监听地址应为 地址:端口，如 127.0.0.1:8080 / --listen "
		             "must be ADDR:PORT, e.g. 127.0.0.1:8080");
		return false;
	}
	memcpy(host, listen, (size_t)(colon - listen));
	host[colon - listen] = 0;
	char *end;
	long port = strtol(colon + 1, &end, 10);
	memset(sa, 0, sizeof *sa);
	sa->sin_family = AF_INET;
	if (*end || port < 0 || port > 65535 ||
	    inet_pton(AF_INET, host[0] ? host : "0.0.0.0", &sa->sin_addr) != 1) {
		ms_error_set(err, MS_ERR_USAGE, "监听地址无效：%s / bad listen address: %s", listen,
		             listen);
		return false;
	}
	sa->sin_port = htons((uint16_t)port);
	return true;
}

/* The search index follows the registry in the background: at start and
 * every 10 seconds (a check of a few rows when nothing changed), so no
 * request ever waits for a rebuild. Import jobs refresh it too. */
static void *index_main(void *arg)
{
	ms_server *srv = arg;
	ms_store *s = NULL;
	ms_pack *pack = NULL;
	ms_error err = {0};
	if (ms_store_open(srv->db, 0, &s, &err) || ms_pack_load(srv->o.pack_dir, &pack, &err)) {
		ms_log(MS_LOG_WARN, "search index: %s", ms_error_text(&err));
		ms_store_close(s);
		return NULL;
	}
	while (!atomic_load(&srv->stopping)) {
		ms_error_clear(&err);
		int64_t n = 0;
		if (ms_people_index_refresh(s, pack, NULL, &n, &err))
			ms_log(MS_LOG_WARN, "search index: %s", ms_error_text(&err));
		else if (n)
			ms_log(MS_LOG_INFO, "search index: %lld entries written", (long long)n);
		for (int i = 0; i < 100 && !atomic_load(&srv->stopping); i++) {
			struct timespec ts = {0, 100 * 1000 * 1000};
			nanosleep(&ts, NULL);
		}
	}
	ms_pack_free(pack);
	ms_store_close(s);
	return NULL;
}

static void server_free(ms_server *srv)
{
	http_jobs_free(srv);
	for (size_t i = 0; i < srv->nstores; i++)
		ms_store_close(srv->stores[i]);
	free(srv->stores);
	tl_store = NULL;
	if (srv->audit)
		ms_audit_close(srv->audit);
	if (srv->pack)
		ms_pack_free(srv->pack);
	http_metrics_free(srv);
	http_throttle_free(srv);
	http_static_free(srv);
	pthread_rwlock_destroy(&srv->pack_lock);
	pthread_mutex_destroy(&srv->stores_mu);
	pthread_mutex_destroy(&srv->jobs_mu);
	pthread_mutex_destroy(&srv->throttle_mu);
	free(srv->db);
	free(srv->access_path);
	free(srv);
}

ms_err ms_server_run(const ms_server_opts *o, ms_error *err)
{
	struct sockaddr_in sa;
	if (!parse_listen(o->listen ? o->listen : "127.0.0.1:8080", &sa, err))
		return MS_ERR_USAGE;
	if (sodium_init() < 0)
		return ms_error_set(err, MS_ERR_INTERNAL, "libsodium 初始化失败 / libsodium failed");
	signal(SIGPIPE, SIG_IGN);
	ms_server *srv = calloc(1, sizeof *srv);
	if (!srv)
		return ms_error_set(err, MS_ERR_NOMEM, "内存不足 / out of memory");
	srv->o = *o;
	if (!srv->o.max_body)
		srv->o.max_body = 1u << 20;
	if (!srv->o.max_upload)
		srv->o.max_upload = 512u << 20;
	srv->lim.idle = o->session_idle ? o->session_idle : 1800;
	srv->lim.absolute = o->session_absolute ? o->session_absolute : 43200;
	srv->started = http_now();
	pthread_rwlock_init(&srv->pack_lock, NULL);
	pthread_mutex_init(&srv->stores_mu, NULL);
	pthread_mutex_init(&srv->jobs_mu, NULL);
	pthread_mutex_init(&srv->throttle_mu, NULL);
	srv->db = strdup(o->db);
	size_t an = strlen(o->db) + 16;
	srv->access_path = malloc(an);
	if (!srv->db || !srv->access_path) {
		server_free(srv);
		return ms_error_set(err, MS_ERR_NOMEM, "内存不足 / out of memory");
	}
	if (o->access_path)
		snprintf(srv->access_path, an, "%s", o->access_path);
	else
		snprintf(srv->access_path, an, "%s.access", o->db);
	http_metrics_init(srv);
	if (!srv->counts) {
		server_free(srv);
		return ms_error_set(err, MS_ERR_NOMEM, "内存不足 / out of memory");
	}

	ms_err e = ms_pack_load(o->pack_dir, &srv->pack, err);
	if (!e)
		e = ms_totp_policy_check(srv->pack, err);
	if (e) {
		server_free(srv);
		return e;
	}
	/* the database must exist and be current: serve never creates one */
	ms_store *first = thread_store(srv, err);
	if (!first) {
		server_free(srv);
		return err->code ? err->code : MS_ERR_DB;
	}
	if ((e = ms_people_ref_key(first, srv->ref_key, err))) {
		server_free(srv);
		return e;
	}
	/* jobs that a previous server left queued or running died with it (their
	 * progress lived in its memory): they read failed, not running forever */
	int64_t stale = 0;
	ms_error jerr;
	ms_error_clear(&jerr);
	if (ms_store_job_fail_unfinished(first, "服务重启，任务中断 (the server restarted: the job was "
	                                        "interrupted)", &stale, &jerr))
		ms_log(MS_LOG_WARN, "jobs: %s", ms_error_text(&jerr));
	else if (stale)
		ms_log(MS_LOG_WARN, "jobs: %lld interrupted job(s) marked failed", (long long)stale);
	/* uploads wait beside the database file; a server database has no
	 * file, so they wait beside the access log (<stem>.access → <stem>.uploads) */
	if (strstr(o->db, "://")) {
		char *up = ms_audit_sidecar(srv->access_path, ".uploads");
		if (!up) {
			server_free(srv);
			return ms_error_set(err, MS_ERR_NOMEM, "内存不足 / out of memory");
		}
		snprintf(srv->upload_dir, sizeof srv->upload_dir, "%s", up);
		ms_free(up);
	} else {
		snprintf(srv->upload_dir, sizeof srv->upload_dir, "%s.uploads", o->db);
	}
	if (mkdir(srv->upload_dir, 0700) != 0 && errno != EEXIST) {
		server_free(srv);
		return ms_error_set(err, MS_ERR_IO, "无法创建上传目录 %s：%s / cannot create %s: %s",
		                    srv->upload_dir, strerror(errno), srv->upload_dir, strerror(errno));
	}
	ms_audit_opts ao = {.path = srv->access_path, .hash = (ms_audit_hash)o->access_hash};
	if ((e = ms_audit_open(&ao, &srv->audit, err))) {
		server_free(srv);
		return e;
	}
	if (o->static_dir && (e = http_static_load(srv, o->static_dir, err))) {
		server_free(srv);
		return e;
	}
	int threads = o->threads > 0 ? o->threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (threads < 1)
		threads = 1;
	if (threads > 64)
		threads = 64;
	/* TLS: the files are checked with libcrypto first, so a wrong one is
	 * named instead of surfacing as a failed start; libmicrohttpd (GnuTLS)
	 * gets their PEM text, wiped and freed when the server stops */
	bool tls = o->tls_cert && *o->tls_cert;
	char *cert_pem = NULL, *key_pem = NULL;
	size_t cert_len = 0, key_len = 0;
	if (tls) {
		ms_tls_info ti;
		if (!o->tls_key || !*o->tls_key)
			e = ms_error_set(err, MS_ERR_USAGE, "TLS 需要证书和私钥两个文件 / TLS needs both a "
			                 "certificate and a key file");
		else if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES)
			e = ms_error_set(err, MS_ERR_INTERNAL, "此 libmicrohttpd 不支持 TLS，请在前面放置反向代理 "
			                 "/ this libmicrohttpd has no TLS support: put a reverse proxy in front");
		else if (!(e = ms_tls_check(o->tls_cert, o->tls_key, &ti, err)) &&
		         !(e = ms_tls_read_pem(o->tls_cert, &cert_pem, &cert_len, err)))
			e = ms_tls_read_pem(o->tls_key, &key_pem, &key_len, err);
		if (e) {
			ms_tls_free_pem(cert_pem, cert_len);
			server_free(srv);
			return e;
		}
		/* an expired certificate is served with a loud warning rather than
		 * refused: a restart must not take the service down while a new
		 * certificate is on its way (`minsheng doctor` warns 30 days ahead) */
		if (ti.not_after && ti.not_after < http_now())
			ms_log(MS_LOG_ERROR, "TLS certificate %s has expired / 证书已过期", o->tls_cert);
		srv->o.cookie_secure = true;
	}
	/* TLS 1.2 and 1.3 only */
	struct MHD_OptionItem tls_opts[] = {
		{tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, cert_pem},
		{MHD_OPTION_HTTPS_MEM_KEY, 0, key_pem},
		{MHD_OPTION_HTTPS_PRIORITIES, 0,
		 (void *)(uintptr_t)"NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:%SERVER_PRECEDENCE"},
		{MHD_OPTION_END, 0, NULL},
	};
	struct MHD_Daemon *d = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG |
			(tls ? MHD_USE_TLS : 0),
		0, NULL, NULL, access_cb, srv, MHD_OPTION_EXTERNAL_LOGGER, mhd_logger, NULL,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
		MHD_OPTION_THREAD_POOL_SIZE, (unsigned)threads, MHD_OPTION_NOTIFY_COMPLETED, completed,
		srv, MHD_OPTION_CONNECTION_LIMIT, (unsigned)4096, MHD_OPTION_CONNECTION_TIMEOUT,
		(unsigned)60, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
		MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned)1, MHD_OPTION_ARRAY, tls_opts,
		MHD_OPTION_END);
	if (!d) {
		ms_tls_free_pem(cert_pem, cert_len);
		ms_tls_free_pem(key_pem, key_len);
		server_free(srv);
		return ms_error_set(err, MS_ERR_IO, "无法在 %s 上监听（端口被占用？%s） / cannot listen on %s "
		                    "(port in use?%s)", o->listen ? o->listen : "127.0.0.1:8080",
		                    tls ? "或 TLS 文件无效" : "", o->listen ? o->listen : "127.0.0.1:8080",
		                    tls ? " or bad TLS files" : "");
	}
	pthread_t indexer;
	bool indexing = pthread_create(&indexer, NULL, index_main, srv) == 0;
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	int port = di ? di->port : ntohs(sa.sin_port);
	char where[32];
	inet_ntop(AF_INET, &sa.sin_addr, where, sizeof where);
	ms_log(MS_LOG_INFO, "minsheng serve: listening on %s://%s:%d/ (%d threads)",
	       tls ? "https" : "http", where, port, threads);
	if (o->on_listen)
		o->on_listen(o->ctx, port);
	int64_t last_purge = 0;
	while (!(o->stop && *o->stop)) {
		struct timespec ts = {0, 100 * 1000 * 1000};
		nanosleep(&ts, NULL);
		/* expired sessions go once an hour */
		if (http_now() - last_purge > 3600) {
			int64_t n = 0;
			ms_error perr = {0};
			last_purge = http_now();
			if (ms_session_purge(first, last_purge, &srv->lim, &n, &perr))
				ms_log(MS_LOG_ERROR, "session purge: %s", ms_error_text(&perr));
		}
	}
	ms_log(MS_LOG_INFO, "minsheng serve: stopping");
	atomic_store(&srv->stopping, 1);
	if (indexing)
		pthread_join(indexer, NULL);
	MHD_stop_daemon(d);
	ms_tls_free_pem(cert_pem, cert_len);
	ms_tls_free_pem(key_pem, key_len);
	server_free(srv);
	return MS_ERR_OK;
}
