/* http_impl.h — what the files of the HTTP server share: the request, the
 * route table, response helpers. Only src/http includes it. */
#ifndef MS_HTTP_IMPL_H
#define MS_HTTP_IMPL_H

#include "audit/audit.h"
#include "auth/auth.h"
#include "auth/session.h"
#include "base/err.h"
#include "http/server.h"
#include "rules/pack.h"
#include "store/store.h"

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct MHD_Connection;

#define HTTP_MAX_PARAMS 4
#define HTTP_PATH_MAX 1024
#define HTTP_MAX_HEADERS 64
#define HTTP_JSON_DEPTH 16
#define HTTP_PAGE_DEFAULT 50
#define HTTP_PAGE_MAX 500
#define HTTP_EXPORT_MAX 50000 /* rows of one Excel export */

/* Who may call a route at all (the core decides the rest). */
enum {
	R_PUBLIC = 1 << 0,  /* no login (login, healthz, metrics, openapi) */
	R_TOKEN = 1 << 1,   /* a department's bearer token is accepted */
	R_UPLOAD = 1 << 2,  /* the body is a file, streamed to disk */
	R_ANY_PW = 1 << 3,  /* allowed while the user must change its password */
	R_ATTACH = 1 << 4,  /* the body is an attachment, in memory (MS_ATTACHMENT_MAX) */
	R_TXN = 1 << 5,     /* a read-only route run in one read transaction: one
	                     * snapshot for all its queries, and one file lock
	                     * instead of one per query */
};

typedef struct ms_req ms_req;
typedef void (*http_handler)(ms_req *r);

typedef struct ms_route {
	const char *method;
	const char *path; /* template: /api/v1/alerts/{id} */
	http_handler fn;
	int flags;
	/* the roles that may use the route at all (bits 1 << ms_role), 0 =
	 * every role: another role gets 403; the core and the scoped store
	 * decide which records inside it (404 outside the scope) */
	unsigned roles;
} ms_route;

#define RB(role) (1u << (role))
/* the roles that work with alerts and the people behind them */
#define ROLES_CASE (RB(MS_ROLE_ADMIN) | RB(MS_ROLE_OFFICER) | RB(MS_ROLE_STATION_HEAD) | RB(MS_ROLE_WORKER))
#define ROLES_OFFICE (RB(MS_ROLE_ADMIN) | RB(MS_ROLE_OFFICER))

extern const ms_route http_routes[];
extern const size_t http_nroutes;

/* A running job (import, scan): progress in memory, result in the store. */
typedef struct http_job {
	int64_t id;
	char kind[8];
	char actor[MS_USER_NAME_MAX + 1];
	_Atomic int state; /* 0 queued, 1 running, 2 done, 3 failed */
	char stage[32];
	_Atomic uint64_t done, total;
	pthread_mutex_t mu;
	struct http_job *next;
} http_job;

typedef struct ms_server {
	ms_server_opts o;
	char *db;
	char *access_path;
	ms_session_limits lim;
	/* the pack: handlers read it under the read lock; an edit of the
	 * parameters swaps it under the write lock */
	pthread_rwlock_t pack_lock;
	ms_pack *pack;
	ms_audit *audit;
	/* stores opened by the server's threads, closed at the end */
	pthread_mutex_t stores_mu;
	ms_store **stores;
	size_t nstores, capstores;
	/* jobs */
	pthread_mutex_t jobs_mu;
	http_job *jobs;
	_Atomic int jobs_running;
	_Atomic uint64_t jobs_done, jobs_failed;
	/* login throttling per address */
	pthread_mutex_t throttle_mu;
	struct throttle_slot *throttle;
	struct totp_slot *totp_steps; /* under throttle_mu */
	/* metrics */
	_Atomic uint64_t *counts; /* [route][status slot] */
	_Atomic uint64_t *lat_sum_us, *lat_count;
	_Atomic uint64_t hist[16];
	_Atomic uint64_t inflight;
	_Atomic int stopping;
	uint8_t ref_key[32];
	struct http_static *statics; /* the web UI's files, NULL when none */
	char upload_dir[HTTP_PATH_MAX];
	int64_t started;
} ms_server;

struct ms_req {
	ms_server *srv;
	struct MHD_Connection *conn;
	const char *method;
	char path[HTTP_PATH_MAX];
	const ms_route *route;
	int route_index;
	char *params[HTTP_MAX_PARAMS]; /* path parameters, decoded */
	int nparams;
	/* the body: JSON in memory, a file on disk */
	char *body;
	size_t body_len, body_cap, body_max;
	int upload_fd;
	char upload_path[HTTP_PATH_MAX + 32];
	size_t upload_len;
	ms_err body_err;
	bool url_too_long;
	int nheaders;
	/* who */
	bool authed, via_token;
	ms_user user;
	ms_scope scope;
	ms_session sess;
	ms_api_token token;
	ms_store *store;
	const ms_pack *pack;
	char addr[64];
	char reqid[17];
	double t0;
	/* the response */
	int status;
	char *resp;
	size_t resp_len;
	const char *resp_type;
	bool resp_static; /* resp points to static memory */
	bool is_static;   /* a file of the web UI */
	char set_cookie[256];
	char disposition[300];
	/* the access-log entry of this request, when it read personal data */
	bool audited;
	char audit_action[16], audit_object[16], audit_ref[80];
};

/* ---- responses ---- */
/* Sends a JSON value (consumed). */
void http_json(ms_req *r, int status, json_t *v);
/* Sends an error: status and code from the error table, message as given
 * (or the table's default). */
void http_error(ms_req *r, ms_err code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Sends the error of a core call. */
void http_fail(ms_req *r, ms_err e, const ms_error *err);
/* Sends JSON text the caller built (malloc'd; the response takes it). */
void http_json_text(ms_req *r, int status, char *text, size_t len);
/* Sends bytes with a content type (copied). */
void http_bytes(ms_req *r, int status, const char *type, const void *bytes, size_t len);

/* ---- request parts ---- */
/* The session cookie, NULL when none. */
const char *http_cookie(ms_req *r);
/* A query argument, NULL when absent. */
const char *http_arg(ms_req *r, const char *name);
/* The JSON object of the body; sends a 400 (and returns NULL) when the
 * body is not a JSON object within the limits. The caller decrefs. */
json_t *http_body_object(ms_req *r);
/* Optional string member; sends 400 and returns false when present with
 * another type or longer than max bytes. */
bool http_str(ms_req *r, json_t *o, const char *key, size_t max, const char **out);
/* An integer query argument within [lo, hi], def when absent; sends 400
 * and returns false when malformed or out of range. */
bool http_int_arg(ms_req *r, const char *name, int64_t lo, int64_t hi, int64_t def,
                  int64_t *out);
/* Records that the request read personal data (written to the access log
 * with the status when the request ends). */
void http_audit(ms_req *r, const char *action, const char *object, const char *ref);
/* Requires a role among those given (a 0-terminated list); sends 403 and
 * returns false otherwise. */
bool http_role(ms_req *r, ...);
/* The pack's feeds. */
#define HTTP_FEEDS(r) (&(r)->pack->feeds)

/* RFC 3339 of a stored time as is; dates pass through. Current time. */
int64_t http_now(void);

/* ---- handlers ---- */
void h_healthz(ms_req *r);
void h_metrics(ms_req *r);
void h_openapi(ms_req *r);
void h_login(ms_req *r);
void h_logout(ms_req *r);
void h_session(ms_req *r);
void h_session_password(ms_req *r);
void h_users_list(ms_req *r);
void h_users_add(ms_req *r);
void h_user_get(ms_req *r);
void h_user_password(ms_req *r);
void h_user_disable(ms_req *r);
void h_user_totp_add(ms_req *r);
void h_user_totp_remove(ms_req *r);
void h_tokens_list(ms_req *r);
void h_tokens_add(ms_req *r);
void h_token_revoke(ms_req *r);

void h_alerts_list(ms_req *r);
void h_alert_get(ms_req *r);
void h_alert_transition(ms_req *r);
void h_alerts_verify_household(ms_req *r);
void h_alert_attach(ms_req *r);
void h_alert_attachment(ms_req *r);
void h_inbox(ms_req *r);
void h_stats(ms_req *r);

void h_person_get(ms_req *r);
void h_person_facts(ms_req *r);
void h_person_timeline(ms_req *r);
void h_household_get(ms_req *r);
void h_household_timeline(ms_req *r);
void h_household_file(ms_req *r);
void h_household_file_add(ms_req *r);
void h_service_result(ms_req *r);
void h_search(ms_req *r);

void h_imports_list(ms_req *r);
void h_import_upload(ms_req *r);
void h_import_get(ms_req *r);
void h_import_rejects(ms_req *r);
void h_import_revoke(ms_req *r);
void h_review_list(ms_req *r);
void h_review_decide(ms_req *r);
void h_job_get(ms_req *r);
void h_scan_start(ms_req *r);
void h_rules_list(ms_req *r);
void h_rule_get(ms_req *r);
void h_rules_test(ms_req *r);
void h_params_list(ms_req *r);
void h_param_add(ms_req *r);
void h_stations_list(ms_req *r);
void h_station_get(ms_req *r);
void h_station_records(ms_req *r);
void h_station_record_add(ms_req *r);
void h_eval_scheme(ms_req *r);
void h_eval_rounds(ms_req *r);
void h_eval_round_open(ms_req *r);
void h_eval_round_get(ms_req *r);
void h_eval_compute(ms_req *r);
void h_eval_sample(ms_req *r);
void h_eval_assign(ms_req *r);
void h_eval_close(ms_req *r);
void h_eval_report(ms_req *r);
void h_eval_station(ms_req *r);
void h_eval_self(ms_req *r);
void h_eval_score(ms_req *r);
void h_audit_list(ms_req *r);
void h_audit_verify(ms_req *r);
void h_alert_print(ms_req *r);
void h_household_print(ms_req *r);
void h_report_monthly(ms_req *r);
void h_webhooks_list(ms_req *r);
void h_webhooks_add(ms_req *r);
void h_webhook_remove(ms_req *r);
void h_webhook_deliveries(ms_req *r);

/* ---- jobs ---- */
typedef struct http_job_spec {
	const char *kind; /* import, scan */
	/* import */
	const char *feed, *path, *name;
	/* scan */
	int32_t as_of;
	bool dry_run;
} http_job_spec;
/* Starts a job as the request's user; sends 202 {"job": id} or an error. */
void http_job_start(ms_req *r, const http_job_spec *spec);
void http_jobs_free(ms_server *srv);

/* ---- metrics ---- */
void http_metrics_init(ms_server *srv);
void http_metrics_free(ms_server *srv);
void http_metrics_record(ms_server *srv, int route, int status, double seconds);

/* ---- throttling of logins by address ---- */
/* False (and a 429 sent) when the address is locked out. */
bool http_throttle_check(ms_req *r);
void http_throttle_fail(ms_req *r);
void http_throttle_ok(ms_req *r);
void http_throttle_free(ms_server *srv);

/* Whether a TOTP step is newer than the last one the user logged in with
 * (remembered by this server); records it when it is. */
bool http_totp_step_fresh(ms_server *srv, const char *user, int64_t step);

/* ---- the web UI's files (static.c) ---- */
ms_err http_static_load(ms_server *srv, const char *dir, ms_error *err);
void http_static_free(ms_server *srv);
/* Answers a GET of a file of the web UI; false when it is not one. */
bool http_static_serve(ms_req *r);

/* ---- Excel export (export.c) ---- */
/* Whether the request asked for format=xlsx. */
bool http_want_xlsx(ms_req *r);
/* The largest page a list route takes: HTTP_PAGE_MAX, or HTTP_EXPORT_MAX
 * for an export. */
#define HTTP_PAGE_LIMIT(r) (http_want_xlsx(r) ? HTTP_EXPORT_MAX : HTTP_PAGE_MAX)
/* Turns a list's JSON answer into an .xlsx workbook (and logs the export). */
void http_export_xlsx(ms_req *r);

/* Masks identity numbers (18 characters) and mobile numbers (11 digits)
 * found anywhere in a text: rejected rows shown to uploaders. */
void http_mask_text(const char *in, char *out, size_t cap);

#endif
