/* http_client.h — a small HTTP/1.1 client for the outbound webhook: one
 * POST per connection (Connection: close), http:// over a socket and
 * https:// through OpenSSL (the system's trust store, or SSL_CERT_FILE;
 * the certificate must name the host), with bounded time and a bounded
 * read of the answer (its status line and headers; the body is not
 * needed). No redirects are followed: a 3xx is an answer like any other
 * that is not 2xx. */
#ifndef MS_NOTIFY_HTTP_CLIENT_H
#define MS_NOTIFY_HTTP_CLIENT_H

#include "base/err.h"

#include <stdbool.h>
#include <stddef.h>

#define MS_HTTPC_URL_MAX 2000
#define MS_HTTPC_HEADERS_MAX 16
#define MS_HTTPC_READ_MAX 16384 /* bytes of the answer read at most */

typedef struct ms_url {
	bool tls;
	char host[256]; /* without brackets for IPv6 */
	char port[8];
	char path[MS_HTTPC_URL_MAX]; /* with the query; "/" when none */
} ms_url;

/* Parses http://HOST[:PORT][/PATH] or https://…; MS_ERR_INVALID with a
 * message when it is not one (user info, fragments and spaces refused). */
ms_err ms_url_parse(const char *url, ms_url *out, ms_error *err);

typedef struct ms_http_header {
	const char *name, *value;
} ms_http_header;

/* POSTs body to url with the headers given (Host, Content-Length and
 * Connection are added) within timeout_ms for each of resolving and
 * connecting, and for the whole exchange after that. *status receives
 * the answer's status code. An error (cannot connect, TLS failure, no
 * valid answer in time) is MS_ERR_IO with the reason. */
ms_err ms_http_post(const char *url, const char *content_type, const ms_http_header *headers,
                    int nheaders, const char *body, size_t len, int timeout_ms, int *status,
                    ms_error *err);

#endif
