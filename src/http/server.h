/* server.h — `minsheng serve`: the HTTP JSON API of SPEC §6 over
 * libmicrohttpd (a thread pool, epoll), with sessions, CSRF tokens, bearer
 * tokens for department uploaders, scopes, the access log, jobs for long
 * work, /metrics and /healthz. Handlers are thin: they parse the request,
 * call one core function (work, people, auth, ingest, monitor) and render
 * its result; every decision about who may see or do what is made below
 * them, in the core and in scoped store functions. */
#ifndef MS_HTTP_SERVER_H
#define MS_HTTP_SERVER_H

#include "base/err.h"

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ms_server_opts {
	const char *db;          /* database path or URL */
	const char *pack_dir;    /* policy pack folder */
	const char *listen;      /* ADDR:PORT; default 127.0.0.1:8080 */
	const char *static_dir;  /* web UI files; NULL = none */
	const char *access_path; /* access log; NULL = db + ".access" */
	int access_hash;         /* ms_audit_hash of a new access log; 0 = SHA-256 */
	int threads;             /* 0 = number of cores */
	int64_t session_idle;    /* seconds; 0 = 1800 */
	int64_t session_absolute;/* seconds; 0 = 43200 */
	size_t max_body;         /* bytes of a JSON body; 0 = 1 MiB */
	size_t max_upload;       /* bytes of an uploaded file; 0 = 512 MiB */
	bool cookie_secure;      /* add Secure to the session cookie (behind TLS) */
	bool quiet;              /* no request lines on standard error */
	/* TLS served directly (libmicrohttpd with GnuTLS): the PEM files of the
	 * certificate (its chain after it) and of the unencrypted key; both NULL
	 * = plain HTTP (behind a TLS proxy, or on loopback). With TLS the
	 * session cookie is always Secure. */
	const char *tls_cert;
	const char *tls_key;
	/* Canonical numeric addresses, comma-separated (ms_config_addr_in), of
	 * reverse proxies whose X-Forwarded-For is believed: a request from one
	 * of them is taken to come from the last address of that header, which
	 * the proxy appended. Anyone else's header is ignored, so a client
	 * cannot choose the address that login throttling and the access log
	 * see. NULL = none. */
	const char *trusted_proxy;
	/* set to non-zero (from a signal handler) to stop */
	volatile sig_atomic_t *stop;
	/* called once the server listens, with the port (tests pass port 0) */
	void (*on_listen)(void *ctx, int port);
	void *ctx;
} ms_server_opts;

/* Runs until *stop becomes non-zero. */
ms_err ms_server_run(const ms_server_opts *o, ms_error *err);

/* The routes, for the OpenAPI test and `serve --routes`: calls fn with the
 * method and path template of each. */
void ms_http_routes(void (*fn)(void *ctx, const char *method, const char *path), void *ctx);

#endif
