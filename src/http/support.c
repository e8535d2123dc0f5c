/* support.c — the server's counters (/metrics), login throttling by client
 * address, and masking of free text shown to department uploaders. */
#include "http/http_impl.h"

#include "model/idnum.h"
#include "store/store_scoped.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- metrics ---- */

/* statuses counted one by one; anything else falls in the last slot */
static const int status_slots[] = {200, 201, 202, 204, 400, 401, 403, 404,
                                   405, 409, 413, 422, 429, 500, 503, 0};
#define NSLOTS ((int)(sizeof status_slots / sizeof status_slots[0]))
/* latency buckets, seconds */
static const double buckets[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.02, 0.05,
                                 0.1,    0.25,  0.5,    1,     2.5,  5,    10};
#define NBUCKETS ((int)(sizeof buckets / sizeof buckets[0]))

void http_metrics_init(ms_server *srv)
{
	size_t routes = http_nroutes + 1; /* the last row: no route */
	srv->counts = calloc(routes * NSLOTS, sizeof *srv->counts);
	srv->lat_sum_us = calloc(routes, sizeof *srv->lat_sum_us);
	srv->lat_count = calloc(routes, sizeof *srv->lat_count);
	if (!srv->counts || !srv->lat_sum_us || !srv->lat_count) {
		http_metrics_free(srv);
	}
}

void http_metrics_free(ms_server *srv)
{
	free(srv->counts);
	free(srv->lat_sum_us);
	free(srv->lat_count);
	srv->counts = srv->lat_sum_us = srv->lat_count = NULL;
}

void http_metrics_record(ms_server *srv, int route, int status, double seconds)
{
	size_t row = route >= 0 ? (size_t)route : http_nroutes;
	int slot = NSLOTS - 1;
	for (int i = 0; i < NSLOTS - 1; i++)
		if (status_slots[i] == status)
			slot = i;
	atomic_fetch_add_explicit(&srv->counts[row * NSLOTS + (size_t)slot], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&srv->lat_sum_us[row], (uint64_t)(seconds * 1e6),
	                          memory_order_relaxed);
	atomic_fetch_add_explicit(&srv->lat_count[row], 1, memory_order_relaxed);
	int b = 0;
	while (b < NBUCKETS && seconds > buckets[b])
		b++;
	atomic_fetch_add_explicit(&srv->hist[b], 1, memory_order_relaxed);
}

typedef struct mbuf {
	char *p;
	size_t n, cap;
	bool oom;
} mbuf;

__attribute__((format(printf, 2, 3))) static void mprintf(mbuf *b, const char *fmt, ...)
{
	if (b->oom)
		return;
	for (;;) {
		va_list ap;
		va_start(ap, fmt);
		int k = vsnprintf(b->p + b->n, b->cap - b->n, fmt, ap);
		va_end(ap);
		if (k < 0) {
			b->oom = true;
			return;
		}
		if ((size_t)k < b->cap - b->n) {
			b->n += (size_t)k;
			return;
		}
		size_t cap = b->cap * 2 + (size_t)k;
		char *np = realloc(b->p, cap);
		if (!np) {
			b->oom = true;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
}

typedef struct state_count {
	int64_t n[6];
} state_count;

static int count_alert(void *ctx, const char *state, int64_t n)
{
	static const char *const states[] = {"new", "assigned", "verifying", "verified", "returned",
	                                     "closed"};
	state_count *c = ctx;
	for (int i = 0; i < 6; i++)
		if (strcmp(states[i], state) == 0)
			c->n[i] += n;
	return 0;
}

void h_metrics(ms_req *r)
{
	ms_server *srv = r->srv;
	mbuf b = {.cap = 16384};
	b.p = malloc(b.cap);
	if (!b.p) {
		http_error(r, MS_ERR_NOMEM, NULL);
		return;
	}
	b.p[0] = 0;
	mprintf(&b, "# HELP minsheng_http_requests_total HTTP requests by route and status.\n"
	            "# TYPE minsheng_http_requests_total counter\n");
	for (size_t i = 0; i <= http_nroutes; i++) {
		const char *m = i < http_nroutes ? http_routes[i].method : "";
		const char *p = i < http_nroutes ? http_routes[i].path : "unmatched";
		for (int s = 0; s < NSLOTS; s++) {
			uint64_t n = atomic_load(&srv->counts[i * NSLOTS + (size_t)s]);
			if (!n)
				continue;
			if (status_slots[s])
				mprintf(&b, "minsheng_http_requests_total{method=\"%s\",route=\"%s\",status=\"%d\"} "
				        "%llu\n", m, p, status_slots[s], (unsigned long long)n);
			else
				mprintf(&b, "minsheng_http_requests_total{method=\"%s\",route=\"%s\",status=\"other\"} "
				        "%llu\n", m, p, (unsigned long long)n);
		}
	}
	mprintf(&b, "# HELP minsheng_http_request_seconds Request latency.\n"
	            "# TYPE minsheng_http_request_seconds histogram\n");
	uint64_t cum = 0, sum_us = 0, count = 0;
	for (int i = 0; i < NBUCKETS; i++) {
		cum += atomic_load(&srv->hist[i]);
		mprintf(&b, "minsheng_http_request_seconds_bucket{le=\"%g\"} %llu\n", buckets[i],
		        (unsigned long long)cum);
	}
	cum += atomic_load(&srv->hist[NBUCKETS]);
	mprintf(&b, "minsheng_http_request_seconds_bucket{le=\"+Inf\"} %llu\n",
	        (unsigned long long)cum);
	for (size_t i = 0; i <= http_nroutes; i++) {
		sum_us += atomic_load(&srv->lat_sum_us[i]);
		count += atomic_load(&srv->lat_count[i]);
	}
	mprintf(&b, "minsheng_http_request_seconds_sum %.6f\nminsheng_http_request_seconds_count %llu\n",
	        (double)sum_us / 1e6, (unsigned long long)count);
	mprintf(&b, "# HELP minsheng_http_requests_in_flight Requests being served.\n"
	            "# TYPE minsheng_http_requests_in_flight gauge\nminsheng_http_requests_in_flight "
	            "%llu\n", (unsigned long long)atomic_load(&srv->inflight));
	mprintf(&b, "# HELP minsheng_jobs Jobs (imports, scans) by state.\n# TYPE minsheng_jobs gauge\n"
	            "minsheng_jobs{state=\"running\"} %d\nminsheng_jobs{state=\"done\"} %llu\n"
	            "minsheng_jobs{state=\"failed\"} %llu\n", atomic_load(&srv->jobs_running),
	        (unsigned long long)atomic_load(&srv->jobs_done),
	        (unsigned long long)atomic_load(&srv->jobs_failed));
	state_count sc = {0};
	ms_error err = {0};
	if (ms_store_alert_state_counts(r->store, count_alert, &sc, &err) == MS_ERR_OK) {
		static const char *const states[] = {"new", "assigned", "verifying", "verified",
		                                     "returned", "closed"};
		mprintf(&b, "# HELP minsheng_alerts Alerts by state.\n# TYPE minsheng_alerts gauge\n");
		for (int i = 0; i < 6; i++)
			mprintf(&b, "minsheng_alerts{state=\"%s\"} %lld\n", states[i], (long long)sc.n[i]);
	}
	mprintf(&b, "# HELP minsheng_sqlite_memory_bytes Memory SQLite holds: page caches, statements.\n"
	            "# TYPE minsheng_sqlite_memory_bytes gauge\nminsheng_sqlite_memory_bytes %lld\n",
	        (long long)ms_store_memory_used());
	mprintf(&b, "# HELP minsheng_uptime_seconds Seconds since the server started.\n"
	            "# TYPE minsheng_uptime_seconds gauge\nminsheng_uptime_seconds %lld\n",
	        (long long)(http_now() - srv->started));
	if (b.oom) {
		free(b.p);
		http_error(r, MS_ERR_NOMEM, NULL);
		return;
	}
	http_bytes(r, 200, "text/plain; version=0.0.4; charset=utf-8", b.p, b.n);
	free(b.p);
}

/* ---- login throttling by address ---- */

#define THROTTLE_SLOTS 1024
#define THROTTLE_MAX 20        /* failures from one address in the window */
#define THROTTLE_WINDOW 900    /* seconds */

struct throttle_slot {
	char addr[64];
	int failures;
	int64_t window_start, locked_until;
};

static struct throttle_slot *slot_of(ms_server *srv, const char *addr, bool create)
{
	if (!srv->throttle) {
		if (!create)
			return NULL;
		srv->throttle = calloc(THROTTLE_SLOTS, sizeof *srv->throttle);
		if (!srv->throttle)
			return NULL;
	}
	uint32_t h = 2166136261u;
	for (const char *p = addr; *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	struct throttle_slot *s = &srv->throttle[h % THROTTLE_SLOTS];
	if (strcmp(s->addr, addr) != 0) {
		if (!create)
			return NULL;
		/* a colliding address takes the slot over, unless it is locked */
		if (s->addr[0] && s->locked_until > http_now())
			return NULL;
		memset(s, 0, sizeof *s);
		snprintf(s->addr, sizeof s->addr, "%s", addr);
	}
	return s;
}

bool http_throttle_check(ms_req *r)
{
	pthread_mutex_lock(&r->srv->throttle_mu);
	struct throttle_slot *s = slot_of(r->srv, r->addr, false);
	int64_t wait = s ? s->locked_until - http_now() : 0;
	pthread_mutex_unlock(&r->srv->throttle_mu);
	if (wait > 0) {
		http_error(r, MS_ERR_THROTTLED, "该地址登录失败次数过多，请 %lld 分钟后再试 / too many failed "
		           "logins from this address; try again in %lld minutes",
		           (long long)(wait + 59) / 60, (long long)(wait + 59) / 60);
		return false;
	}
	return true;
}

void http_throttle_fail(ms_req *r)
{
	pthread_mutex_lock(&r->srv->throttle_mu);
	struct throttle_slot *s = slot_of(r->srv, r->addr, true);
	if (s) {
		int64_t now = http_now();
		if (now - s->window_start > THROTTLE_WINDOW) {
			s->window_start = now;
			s->failures = 0;
		}
		if (++s->failures >= THROTTLE_MAX)
			s->locked_until = now + THROTTLE_WINDOW;
	}
	pthread_mutex_unlock(&r->srv->throttle_mu);
}

void http_throttle_ok(ms_req *r)
{
	pthread_mutex_lock(&r->srv->throttle_mu);
	struct throttle_slot *s = slot_of(r->srv, r->addr, false);
	if (s && s->locked_until <= http_now())
		s->failures = 0;
	pthread_mutex_unlock(&r->srv->throttle_mu);
}

void http_throttle_free(ms_server *srv)
{
	free(srv->throttle);
	srv->throttle = NULL;
	free(srv->totp_steps);
	srv->totp_steps = NULL;
}

/* ---- one-time codes used once ---- */

#define TOTP_SLOTS 4096

struct totp_slot {
	char user[MS_USER_NAME_MAX + 1];
	int64_t step;
};

bool http_totp_step_fresh(ms_server *srv, const char *user, int64_t step)
{
	bool fresh = false;
	pthread_mutex_lock(&srv->throttle_mu);
	if (!srv->totp_steps)
		srv->totp_steps = calloc(TOTP_SLOTS, sizeof *srv->totp_steps);
	if (srv->totp_steps) {
		uint32_t h = 2166136261u;
		for (const char *p = user; *p; p++)
			h = (h ^ (uint8_t)*p) * 16777619u;
		struct totp_slot *s = &srv->totp_steps[h % TOTP_SLOTS];
		/* a colliding user evicts the other's record: the worst case is
		 * that a code of that user could be used twice within 90 s */
		if (strcmp(s->user, user) != 0) {
			snprintf(s->user, sizeof s->user, "%s", user);
			s->step = -1;
		}
		if (step > s->step) {
			s->step = step;
			fresh = true;
		}
	}
	pthread_mutex_unlock(&srv->throttle_mu);
	return fresh;
}

/* ---- masking ---- */

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

void http_mask_text(const char *in, char *out, size_t cap)
{
	size_t o = 0;
	size_t n = strlen(in);
	for (size_t i = 0; i < n && o + 1 < cap;) {
		/* a run of digits (an identity number may end in X) */
		if (is_digit(in[i])) {
			size_t j = i;
			while (j < n && is_digit(in[j]))
				j++;
			if (j < n && (in[j] == 'X' || in[j] == 'x') && j - i == 17)
				j++;
			size_t len = j - i;
			for (size_t k = 0; k < len && o + 1 < cap; k++) {
				char c = in[i + k];
				/* 15–18 characters: keep 6 and 4; 11 (mobile): keep 3 and 4;
				 * 7–10 and 12–14: keep the last 2 */
				bool keep;
				if (len >= 15)
					keep = k < 6 || k >= len - 4;
				else if (len == 11)
					keep = k < 3 || k >= len - 4;
				else if (len >= 7)
					keep = k >= len - 2;
				else
					keep = true;
				out[o++] = keep ? c : '*';
			}
			i = j;
		} else {
			out[o++] = in[i++];
		}
	}
	out[o] = 0;
}
