/* http_client.c — one HTTP/1.1 POST per connection for the outbound
 * webhook (http_client.h): a non-blocking socket driven by poll() against
 * one deadline, with OpenSSL for https://. */
#include "notify/http_client.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static bool host_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_';
}

ms_err ms_url_parse(const char *url, ms_url *out, ms_error *err)
{
	memset(out, 0, sizeof *out);
	size_t n = url ? strlen(url) : 0;
	if (n == 0 || n >= MS_HTTPC_URL_MAX)
		return ms_error_set(err, MS_ERR_INVALID, "网址为空或过长 (the URL is empty or too long)");
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)url[i] <= ' ' || (unsigned char)url[i] >= 0x7f)
			return ms_error_set(err, MS_ERR_INVALID,
			                    "网址含空白或非 ASCII 字符 (the URL has spaces or non-ASCII "
			                    "characters): %s",
			                    url);
	const char *p;
	if (strncmp(url, "http://", 7) == 0) {
		p = url + 7;
		snprintf(out->port, sizeof out->port, "80");
	} else if (strncmp(url, "https://", 8) == 0) {
		p = url + 8;
		out->tls = true;
		snprintf(out->port, sizeof out->port, "443");
	} else {
		return ms_error_set(err, MS_ERR_INVALID,
		                    "网址应以 http:// 或 https:// 开头 (the URL must start with http:// "
		                    "or https://): %s",
		                    url);
	}
	const char *end = p + strcspn(p, "/?#");
	const char *hs = p, *he;
	const char *port = NULL;
	if (memchr(p, '@', (size_t)(end - p)))
		return ms_error_set(err, MS_ERR_INVALID,
		                    "网址不能含用户名或密码 (no user name or password in the URL): %s", url);
	if (*p == '[') {
		he = memchr(p, ']', (size_t)(end - p));
		if (!he)
			return ms_error_set(err, MS_ERR_INVALID, "网址的 IPv6 地址无效 (bad IPv6 address): %s",
			                    url);
		hs = p + 1;
		if (he + 1 < end) {
			if (he[1] != ':')
				return ms_error_set(err, MS_ERR_INVALID, "网址无效 (bad URL): %s", url);
			port = he + 2;
		}
	} else {
		const char *colon = memchr(p, ':', (size_t)(end - p));
		he = colon ? colon : end;
		if (colon)
			port = colon + 1;
		for (const char *c = hs; c < he; c++)
			if (!host_char(*c))
				return ms_error_set(err, MS_ERR_INVALID, "网址的主机名无效 (bad host name): %s",
				                    url);
	}
	size_t hl = (size_t)(he - hs);
	if (hl == 0 || hl >= sizeof out->host)
		return ms_error_set(err, MS_ERR_INVALID, "网址缺少主机名 (no host in the URL): %s", url);
	memcpy(out->host, hs, hl);
	if (port) {
		size_t pl = (size_t)(end - port);
		long v = 0;
		if (pl == 0 || pl > 5)
			return ms_error_set(err, MS_ERR_INVALID, "网址的端口无效 (bad port): %s", url);
		for (size_t i = 0; i < pl; i++) {
			if (port[i] < '0' || port[i] > '9')
				return ms_error_set(err, MS_ERR_INVALID, "网址的端口无效 (bad port): %s", url);
			v = v * 10 + (port[i] - '0');
		}
		if (v < 1 || v > 65535)
			return ms_error_set(err, MS_ERR_INVALID, "网址的端口无效 (bad port): %s", url);
		snprintf(out->port, sizeof out->port, "%ld", v);
	}
	if (strchr(end, '#'))
		return ms_error_set(err, MS_ERR_INVALID, "网址不能含 # 片段 (no fragment in the URL): %s",
		                    url);
	snprintf(out->path, sizeof out->path, "%s%s", *end == '/' ? "" : "/", end);
	return MS_ERR_OK;
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits until fd is ready for events or the deadline passes: 1 ready, 0
 * time out, -1 error. */
static int wait_fd(int fd, short events, int64_t deadline)
{
	for (;;) {
		int64_t left = deadline - now_ms();
		if (left <= 0)
			return 0;
		struct pollfd p = {.fd = fd, .events = events};
		int r = poll(&p, 1, (int)(left > 60000 ? 60000 : left));
		if (r > 0)
			return 1;
		if (r < 0 && errno != EINTR)
			return -1;
	}
}

typedef struct conn {
	int fd;
	SSL_CTX *ctx;
	SSL *ssl;
	int64_t deadline;
} conn;

static ms_err io_error(ms_error *err, const char *what, const char *host)
{
	return ms_error_set(err, MS_ERR_IO, "%s %s 失败 (%s %s failed): %s", what, host, what, host,
	                    errno ? strerror(errno) : "time out");
}

static ms_err tcp_connect(conn *c, const ms_url *u, int timeout_ms, ms_error *err)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res = NULL;
	int rc = getaddrinfo(u->host, u->port, &hints, &res);
	if (rc != 0)
		return ms_error_set(err, MS_ERR_IO, "无法解析主机 %s (cannot resolve host): %s", u->host,
		                    gai_strerror(rc));
	ms_err e = MS_ERR_IO;
	errno = 0;
	for (struct addrinfo *a = res; a; a = a->ai_next) {
		int fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
		                a->ai_protocol);
		if (fd < 0)
			continue;
		int64_t deadline = now_ms() + timeout_ms;
		if (connect(fd, a->ai_addr, a->ai_addrlen) == 0 ||
		    (errno == EINPROGRESS && wait_fd(fd, POLLOUT, deadline) == 1)) {
			int so = 0;
			socklen_t sl = sizeof so;
			if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &so, &sl) == 0 && so == 0) {
				c->fd = fd;
				e = MS_ERR_OK;
				break;
			}
			errno = so;
		} else if (errno == EINPROGRESS) {
			errno = ETIMEDOUT;
		}
		close(fd);
	}
	freeaddrinfo(res);
	if (e)
		return ms_error_set(err, MS_ERR_IO, "无法连接 %s:%s (cannot connect): %s", u->host,
		                    u->port, errno ? strerror(errno) : "no address");
	return MS_ERR_OK;
}

static const char *tls_reason(void)
{
	unsigned long code = ERR_get_error();
	static _Thread_local char buf[256];
	if (!code)
		return "TLS handshake failed";
	ERR_error_string_n(code, buf, sizeof buf);
	return buf;
}

static ms_err tls_start(conn *c, const ms_url *u, ms_error *err)
{
	c->ctx = SSL_CTX_new(TLS_client_method());
	if (!c->ctx)
		return ms_error_set(err, MS_ERR_NOMEM, "TLS: %s", tls_reason());
	SSL_CTX_set_min_proto_version(c->ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(c->ctx, SSL_VERIFY_PEER, NULL);
	if (SSL_CTX_set_default_verify_paths(c->ctx) != 1)
		return ms_error_set(err, MS_ERR_IO, "TLS: 无法读取系统证书 (cannot load the trust store)");
	c->ssl = SSL_new(c->ctx);
	if (!c->ssl || SSL_set_fd(c->ssl, c->fd) != 1)
		return ms_error_set(err, MS_ERR_NOMEM, "TLS: %s", tls_reason());
	/* the certificate must name the host (a name, or an IP address) */
	X509_VERIFY_PARAM *param = SSL_get0_param(c->ssl);
	if (X509_VERIFY_PARAM_set1_ip_asc(param, u->host) != 1) {
		char sni[sizeof u->host]; /* the macro takes a non-const pointer */
		memcpy(sni, u->host, sizeof sni);
		SSL_set_tlsext_host_name(c->ssl, sni);
		X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
		if (X509_VERIFY_PARAM_set1_host(param, u->host, 0) != 1)
			return ms_error_set(err, MS_ERR_IO, "TLS: %s", tls_reason());
	}
	for (;;) {
		ERR_clear_error();
		int r = SSL_connect(c->ssl);
		if (r == 1)
			return MS_ERR_OK;
		int why = SSL_get_error(c->ssl, r);
		int w = why == SSL_ERROR_WANT_READ    ? wait_fd(c->fd, POLLIN, c->deadline)
		        : why == SSL_ERROR_WANT_WRITE ? wait_fd(c->fd, POLLOUT, c->deadline)
		                                      : -1;
		if (w == 1)
			continue;
		long v = SSL_get_verify_result(c->ssl);
		if (v != X509_V_OK)
			return ms_error_set(err, MS_ERR_IO,
			                    "TLS: %s 的证书未通过验证 (the certificate of %s was not "
			                    "accepted): %s",
			                    u->host, u->host, X509_verify_cert_error_string(v));
		if (w == 0)
			return ms_error_set(err, MS_ERR_IO, "TLS: 与 %s 握手超时 (handshake with %s timed out)",
			                    u->host, u->host);
		return ms_error_set(err, MS_ERR_IO, "TLS: %s: %s", u->host, tls_reason());
	}
}

static ms_err send_all(conn *c, const char *p, size_t n, const char *host, ms_error *err)
{
	while (n > 0) {
		ssize_t w;
		if (c->ssl) {
			ERR_clear_error();
			int r = SSL_write(c->ssl, p, n > INT32_MAX ? INT32_MAX : (int)n);
			if (r > 0) {
				w = r;
			} else {
				int why = SSL_get_error(c->ssl, r);
				int ok = why == SSL_ERROR_WANT_READ    ? wait_fd(c->fd, POLLIN, c->deadline)
				         : why == SSL_ERROR_WANT_WRITE ? wait_fd(c->fd, POLLOUT, c->deadline)
				                                       : -1;
				if (ok == 1)
					continue;
				return io_error(err, "发送到 send to", host);
			}
		} else {
			w = send(c->fd, p, n, MSG_NOSIGNAL);
			if (w < 0) {
				if ((errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) &&
				    wait_fd(c->fd, POLLOUT, c->deadline) == 1)
					continue;
				return io_error(err, "发送到 send to", host);
			}
		}
		p += w;
		n -= (size_t)w;
	}
	return MS_ERR_OK;
}

/* Reads into buf until the end of the headers, the end of the stream or
 * cap bytes; *got receives the bytes read. */
static ms_err read_head(conn *c, char *buf, size_t cap, size_t *got, const char *host,
                        ms_error *err)
{
	size_t n = 0;
	while (n + 1 < cap) {
		ssize_t r;
		if (c->ssl) {
			ERR_clear_error();
			int k = SSL_read(c->ssl, buf + n, (int)(cap - 1 - n));
			if (k > 0) {
				r = k;
			} else {
				int why = SSL_get_error(c->ssl, k);
				if (why == SSL_ERROR_ZERO_RETURN || (why == SSL_ERROR_SYSCALL && n > 0))
					break;
				int ok = why == SSL_ERROR_WANT_READ    ? wait_fd(c->fd, POLLIN, c->deadline)
				         : why == SSL_ERROR_WANT_WRITE ? wait_fd(c->fd, POLLOUT, c->deadline)
				                                       : -1;
				if (ok == 1)
					continue;
				if (n > 0)
					break;
				return io_error(err, "读取 read from", host);
			}
		} else {
			r = recv(c->fd, buf + n, cap - 1 - n, 0);
			if (r < 0) {
				if ((errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) &&
				    wait_fd(c->fd, POLLIN, c->deadline) == 1)
					continue;
				if (n > 0)
					break;
				return io_error(err, "读取 read from", host);
			}
			if (r == 0)
				break;
		}
		n += (size_t)r;
		buf[n] = '\0';
		if (strstr(buf, "\r\n\r\n"))
			break;
	}
	buf[n] = '\0';
	*got = n;
	return MS_ERR_OK;
}

static void conn_close(conn *c)
{
	if (c->ssl) {
		SSL_shutdown(c->ssl);
		SSL_free(c->ssl);
	}
	if (c->ctx)
		SSL_CTX_free(c->ctx);
	if (c->fd >= 0)
		close(c->fd);
}

static bool header_ok(const char *s)
{
	for (; *s; s++)
		if (*s == '\r' || *s == '\n')
			return false;
	return true;
}

ms_err ms_http_post(const char *url, const char *content_type, const ms_http_header *headers,
                    int nheaders, const char *body, size_t len, int timeout_ms, int *status,
                    ms_error *err)
{
	*status = 0;
	ms_url u;
	ms_err e = ms_url_parse(url, &u, err);
	if (e)
		return e;
	if (timeout_ms <= 0)
		timeout_ms = 10000;
	if (nheaders < 0 || nheaders > MS_HTTPC_HEADERS_MAX)
		return ms_error_set(err, MS_ERR_INVALID, "too many headers");
	/* the request head: fixed headers, then the caller's */
	size_t cap = 1024 + strlen(u.path) + strlen(u.host);
	for (int i = 0; i < nheaders; i++) {
		if (!header_ok(headers[i].name) || !header_ok(headers[i].value))
			return ms_error_set(err, MS_ERR_INVALID, "a header has a line break");
		cap += strlen(headers[i].name) + strlen(headers[i].value) + 4;
	}
	char *head = malloc(cap);
	if (!head)
		return ms_error_set(err, MS_ERR_NOMEM, NULL);
	bool v6 = strchr(u.host, ':') != NULL;
	bool default_port = strcmp(u.port, u.tls ? "443" : "80") == 0;
	int off = snprintf(head, cap,
	                   "POST %s HTTP/1.1\r\nHost: %s%s%s%s%s\r\nContent-Type: %s\r\n"
	                   "Content-Length: %zu\r\nConnection: close\r\n",
	                   u.path, v6 ? "[" : "", u.host, v6 ? "]" : "", default_port ? "" : ":",
	                   default_port ? "" : u.port, content_type, len);
	for (int i = 0; i < nheaders && off > 0 && (size_t)off < cap; i++)
		off += snprintf(head + off, cap - (size_t)off, "%s: %s\r\n", headers[i].name,
		                headers[i].value);
	if (off > 0 && (size_t)off < cap)
		off += snprintf(head + off, cap - (size_t)off, "\r\n");
	if (off <= 0 || (size_t)off >= cap) {
		free(head);
		return ms_error_set(err, MS_ERR_INTERNAL, "request head too long");
	}

	conn c = {.fd = -1};
	e = tcp_connect(&c, &u, timeout_ms, err);
	c.deadline = now_ms() + timeout_ms;
	if (!e && u.tls)
		e = tls_start(&c, &u, err);
	if (!e)
		e = send_all(&c, head, (size_t)off, u.host, err);
	if (!e && len)
		e = send_all(&c, body, len, u.host, err);
	free(head);
	char *buf = NULL;
	size_t got = 0;
	if (!e && !(buf = malloc(MS_HTTPC_READ_MAX)))
		e = ms_error_set(err, MS_ERR_NOMEM, NULL);
	if (!e)
		e = read_head(&c, buf, MS_HTTPC_READ_MAX, &got, u.host, err);
	conn_close(&c);
	if (!e) {
		int code = 0;
		if (got >= 12 && strncmp(buf, "HTTP/1.", 7) == 0 && buf[8] == ' ' && buf[9] >= '1' &&
		    buf[9] <= '5' && buf[10] >= '0' && buf[10] <= '9' && buf[11] >= '0' &&
		    buf[11] <= '9')
			code = (buf[9] - '0') * 100 + (buf[10] - '0') * 10 + (buf[11] - '0');
		if (!code)
			e = ms_error_set(err, MS_ERR_IO,
			                 "%s 的回答不是 HTTP/1.x (the answer of %s is not HTTP/1.x)%s",
			                 u.host, u.host, got ? "" : ": empty, or none in time");
		*status = code;
	}
	free(buf);
	return e;
}
