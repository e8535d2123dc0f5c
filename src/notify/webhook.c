/* webhook.c — targets of the outbound webhook and the delivery of queued
 * events: signing, POSTing, retries with exponential backoff (webhook.h). */
#include "notify/webhook.h"

#include "auth/auth.h"
#include "base/mem.h"
#include "notify/http_client.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const events_all[] = {"new", "due_soon", "overdue", "returned"};
#define NEVENTS (sizeof events_all / sizeof events_all[0])

bool ms_webhook_event_valid(const char *event)
{
	for (size_t i = 0; i < NEVENTS; i++)
		if (event && strcmp(event, events_all[i]) == 0)
			return true;
	return false;
}

/* RFC 3339 of a Unix time in China Standard Time. */
static void rfc3339(int64_t t, char out[32])
{
	time_t x = (time_t)t + 8 * 3600;
	struct tm tm;
	gmtime_r(&x, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%S+08:00", &tm);
}

/* Webhooks are the province's: an admin whose scope is the province, or
 * the operator (actor NULL). */
static ms_err may_manage(ms_store *s, const char *actor, ms_error *err)
{
	if (!actor)
		return MS_ERR_OK;
	ms_user u;
	ms_err e = ms_auth_actor(s, actor, &u, err);
	if (e)
		return e;
	if (u.role != MS_ROLE_ADMIN || strlen(u.scope) != 2)
		return ms_error_set(err, MS_ERR_FORBIDDEN,
		                    "只有省级管理员可以管理推送地址 (only a province-wide admin manages "
		                    "webhooks)");
	return MS_ERR_OK;
}

/* Normalises "overdue,new" into canonical order; false when a name is not
 * an event or the list is empty. */
static bool events_norm(const char *in, char *out, size_t cap, char *bad, size_t badcap)
{
	bool want[NEVENTS] = {false};
	const char *p = in ? in : "";
	bool any = false;
	bad[0] = '\0';
	while (*p) {
		size_t n = strcspn(p, ",");
		char name[32];
		/* trim spaces */
		const char *a = p, *b = p + n;
		while (a < b && (*a == ' ' || *a == '\t'))
			a++;
		while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
			b--;
		size_t k = (size_t)(b - a);
		if (k == 0 || k >= sizeof name) {
			snprintf(bad, badcap, "%.*s", (int)(k < 31 ? k : 31), a);
			return false;
		}
		memcpy(name, a, k);
		name[k] = '\0';
		size_t i = 0;
		while (i < NEVENTS && strcmp(name, events_all[i]) != 0)
			i++;
		if (i == NEVENTS) {
			snprintf(bad, badcap, "%s", name);
			return false;
		}
		want[i] = any = true;
		p += n;
		if (*p == ',')
			p++;
	}
	if (!any)
		return false;
	out[0] = '\0';
	size_t off = 0;
	for (size_t i = 0; i < NEVENTS; i++)
		if (want[i])
			off += (size_t)snprintf(out + off, cap - off, "%s%s", off ? "," : "", events_all[i]);
	return true;
}

ms_err ms_webhook_add(ms_store *s, const char *actor, const char *url, const char *secret,
                      const char *events, int64_t *id, ms_error *err)
{
	ms_err e = may_manage(s, actor, err);
	if (e)
		return e;
	ms_url u;
	if ((e = ms_url_parse(url, &u, err)))
		return e;
	size_t sl = secret ? strlen(secret) : 0;
	if (sl < MS_WEBHOOK_SECRET_MIN || sl > MS_WEBHOOK_SECRET_MAX)
		return ms_error_set(err, MS_ERR_INVALID,
		                    "密钥应为 %d–%d 字节 (the secret must have %d-%d bytes; e.g. "
		                    "openssl rand -hex 32)",
		                    MS_WEBHOOK_SECRET_MIN, MS_WEBHOOK_SECRET_MAX, MS_WEBHOOK_SECRET_MIN,
		                    MS_WEBHOOK_SECRET_MAX);
	for (size_t i = 0; i < sl; i++)
		if ((unsigned char)secret[i] < ' ' || secret[i] == 0x7f)
			return ms_error_set(err, MS_ERR_INVALID,
			                    "密钥不能含控制字符 (the secret has a control character)");
	char norm[64], bad[32];
	if (!events_norm(events, norm, sizeof norm, bad, sizeof bad))
		return ms_error_set(err, MS_ERR_INVALID,
		                    "事件应为 new、due_soon、overdue、returned 中的一个或多个（逗号分隔）"
		                    "%s%s (events: one or more of new, due_soon, overdue, returned, "
		                    "comma-separated)",
		                    bad[0] ? "：" : "", bad);
	char at[32];
	rfc3339((int64_t)time(NULL), at);
	return ms_store_webhook_add(s, url, secret, norm, at, actor, id, err);
}

ms_err ms_webhook_remove(ms_store *s, const char *actor, int64_t id, ms_error *err)
{
	ms_err e = may_manage(s, actor, err);
	if (e)
		return e;
	char at[32];
	rfc3339((int64_t)time(NULL), at);
	if ((e = ms_store_begin_write(s, err)))
		return e;
	e = ms_store_webhook_remove(s, id, at, err);
	if (e) {
		ms_store_rollback(s);
		if (e == MS_ERR_NOT_FOUND)
			return ms_error_set(err, MS_ERR_NOT_FOUND,
			                    "没有编号为 %lld 的推送地址 (no webhook %lld)", (long long)id,
			                    (long long)id);
		return e;
	}
	return ms_store_commit(s, err);
}

ms_err ms_webhook_list(ms_store *s, const char *actor, bool all,
                       int (*fn)(void *ctx, const ms_webhook_row *w), void *ctx, ms_error *err)
{
	ms_err e = may_manage(s, actor, err);
	return e ? e : ms_store_webhook_list(s, all, fn, ctx, err);
}

ms_err ms_webhook_deliveries(ms_store *s, const char *actor, const char *state, int limit,
                             int (*fn)(void *ctx, const ms_delivery_row *d), void *ctx,
                             ms_error *err)
{
	ms_err e = may_manage(s, actor, err);
	if (e)
		return e;
	if (state && strcmp(state, "pending") != 0 && strcmp(state, "delivered") != 0 &&
	    strcmp(state, "failed") != 0)
		return ms_error_set(err, MS_ERR_INVALID,
		                    "状态应为 pending、delivered 或 failed (state must be pending, "
		                    "delivered or failed): %s",
		                    state);
	return ms_store_delivery_list(s, state, limit, fn, ctx, err);
}

void ms_webhook_sign(const char *secret, int64_t timestamp, const char *body, size_t len,
                     char out[MS_WEBHOOK_SIG_STR])
{
	char ts[24];
	int tl = snprintf(ts, sizeof ts, "%lld.", (long long)timestamp);
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;
	/* the signed bytes: "TIMESTAMP." then the body */
	unsigned char *msg = ms_malloc((size_t)tl + len + 1);
	bool ok = msg != NULL;
	if (ok) {
		memcpy(msg, ts, (size_t)tl);
		if (len)
			memcpy(msg + tl, body, len);
		ok = HMAC(EVP_sha256(), secret, (int)strlen(secret), msg, (size_t)tl + len, mac,
		          &maclen) != NULL &&
		     maclen == 32;
	}
	ms_free(msg);
	memcpy(out, "sha256=", 7);
	static const char hex[] = "0123456789abcdef";
	for (unsigned i = 0; i < 32; i++) {
		out[7 + 2 * i] = ok ? hex[mac[i] >> 4] : '0';
		out[8 + 2 * i] = ok ? hex[mac[i] & 15] : '0';
	}
	out[71] = '\0';
}

int64_t ms_webhook_backoff(const ms_deliver_opts *o, int64_t k)
{
	int64_t base = o && o->base_delay > 0 ? o->base_delay : 60;
	int64_t max = o && o->max_delay > 0 ? o->max_delay : 21600;
	int64_t d = base;
	for (int64_t i = 1; i < k && d < max; i++)
		d *= 2;
	return d < max ? d : max;
}

/* A due delivery, copied out of the store before the POST. */
typedef struct due {
	int64_t id, webhook_id, alert_id, attempts;
	char event[16];
	char *url, *secret, *body;
} due;

typedef struct due_list {
	due *v;
	size_t n, cap;
	bool oom;
} due_list;

static int on_due(void *ctx, const ms_delivery_row *d)
{
	due_list *l = ctx;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		due *v = ms_realloc(l->v, cap * sizeof *v);
		if (!v) {
			l->oom = true;
			return 1;
		}
		l->v = v;
		l->cap = cap;
	}
	due *x = &l->v[l->n];
	memset(x, 0, sizeof *x);
	x->id = d->id;
	x->webhook_id = d->webhook_id;
	x->alert_id = d->alert_id;
	x->attempts = d->attempts;
	snprintf(x->event, sizeof x->event, "%s", d->event ? d->event : "");
	x->url = ms_strdup(d->url ? d->url : "");
	x->secret = ms_strdup(d->secret ? d->secret : "");
	x->body = ms_strdup(d->body ? d->body : "");
	if (!x->url || !x->secret || !x->body) {
		ms_free(x->url);
		ms_free(x->secret);
		ms_free(x->body);
		l->oom = true;
		return 1;
	}
	l->n++;
	return 0;
}

ms_err ms_webhook_deliver(ms_store *s, const ms_deliver_opts *o,
                          int (*fn)(void *ctx, const ms_deliver_item *it), void *ctx,
                          ms_deliver_result *out, ms_error *err)
{
	memset(out, 0, sizeof *out);
	ms_deliver_opts d = o ? *o : (ms_deliver_opts){0};
	if (d.max_attempts <= 0)
		d.max_attempts = 8;
	if (d.timeout_ms <= 0)
		d.timeout_ms = 10000;
	if (d.limit <= 0)
		d.limit = 1000;
	int64_t now = d.now > 0 ? d.now : (int64_t)time(NULL);
	due_list l = {0};
	ms_err e = ms_store_delivery_due(s, now, d.limit, on_due, &l, err);
	if (!e && l.oom)
		e = ms_error_set(err, MS_ERR_NOMEM, NULL);
	for (size_t i = 0; !e && i < l.n; i++) {
		due *x = &l.v[i];
		/* each attempt has its own timestamp, signed with the body */
		int64_t ts = d.now > 0 ? now : (int64_t)time(NULL);
		char sig[MS_WEBHOOK_SIG_STR], tss[24], ids[24];
		ms_webhook_sign(x->secret, ts, x->body, strlen(x->body), sig);
		snprintf(tss, sizeof tss, "%lld", (long long)ts);
		snprintf(ids, sizeof ids, "%lld", (long long)x->id);
		ms_http_header h[] = {{"User-Agent", "minsheng-webhook/1"},
		                      {"X-Minsheng-Event", x->event},
		                      {"X-Minsheng-Delivery", ids},
		                      {"X-Minsheng-Timestamp", tss},
		                      {"X-Minsheng-Signature", sig}};
		int status = 0;
		ms_error herr;
		ms_error_clear(&herr);
		ms_err he = ms_http_post(x->url, "application/json; charset=utf-8", h,
		                         (int)(sizeof h / sizeof h[0]), x->body, strlen(x->body),
		                         d.timeout_ms, &status, &herr);
		int64_t attempts = x->attempts + 1;
		const char *state;
		char why[512];
		int64_t next = 0;
		if (!he && status >= 200 && status < 300) {
			state = "delivered";
			why[0] = '\0';
			out->delivered++;
		} else {
			if (he)
				snprintf(why, sizeof why, "%s", ms_error_text(&herr));
			else
				snprintf(why, sizeof why, "HTTP %d", status);
			if (attempts >= d.max_attempts) {
				state = "failed";
				out->failed++;
			} else {
				state = "pending";
				next = now + ms_webhook_backoff(&d, attempts);
				out->retrying++;
			}
		}
		out->attempted++;
		char at[32];
		rfc3339((int64_t)time(NULL), at);
		e = ms_store_delivery_result(s, x->id, state, attempts, next ? next : now, status,
		                             why[0] ? why : NULL, at, err);
		if (!e && fn) {
			ms_deliver_item it = {.id = x->id,
			                      .webhook_id = x->webhook_id,
			                      .alert_id = x->alert_id,
			                      .event = x->event,
			                      .url = x->url,
			                      .attempts = attempts,
			                      .status = status,
			                      .state = state,
			                      .next_attempt = next,
			                      .error = why};
			fn(ctx, &it);
		}
	}
	for (size_t i = 0; i < l.n; i++) {
		ms_free(l.v[i].url);
		ms_free(l.v[i].secret);
		ms_free(l.v[i].body);
	}
	ms_free(l.v);
	return e;
}
