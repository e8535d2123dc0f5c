/* h_ops.c — operations routes: the printed forms (PDF) of an alert and of a
 * household, the monthly report (XLSX), and the outbound webhook's targets
 * and deliveries (admins). Prints and reports are exports: each goes to the
 * access log. docs/operations.md. */
#include "http/http_impl.h"

#include "model/idnum.h"
#include "notify/webhook.h"
#include "print/print.h"
#include "report/monthly.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PDF_TYPE "application/pdf"
#define XLSX_TYPE "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

static void send_pdf(ms_req *r, char *pdf, size_t len, const char *name)
{
	http_bytes(r, 200, PDF_TYPE, pdf, len);
	free(pdf);
	snprintf(r->disposition, sizeof r->disposition, "inline; filename=\"%s\"", name);
}

void h_alert_print(ms_req *r)
{
	char *end;
	long long id = strtoll(r->params[0], &end, 10);
	if (*end || id <= 0 || strlen(r->params[0]) > 18) {
		http_error(r, MS_ERR_NOT_FOUND, "预警不存在 / no such alert");
		return;
	}
	char *pdf = NULL;
	size_t len = 0;
	ms_error err = {0};
	ms_print_opts o = {.printed_by = r->user.name};
	ms_err e = ms_print_alert(r->store, r->pack, r->user.name, &r->scope, id, &o, &pdf, &len,
	                          &err);
	http_audit(r, "export", "alert_print", r->params[0]);
	if (e) {
		http_fail(r, e, &err);
		return;
	}
	char name[64];
	snprintf(name, sizeof name, "minsheng-alert-%lld.pdf", id);
	send_pdf(r, pdf, len, name);
}

void h_household_print(ms_req *r)
{
	char ref[80];
	if (strlen(r->params[0]) == 18) {
		char m[MS_ID_STR];
		ms_id_mask(r->params[0], m);
		snprintf(ref, sizeof ref, "%s", m);
	} else {
		snprintf(ref, sizeof ref, "%.79s", r->params[0]);
	}
	char *pdf = NULL;
	size_t len = 0;
	ms_error err = {0};
	ms_print_opts o = {.printed_by = r->user.name};
	ms_err e = ms_print_household(r->store, r->pack, r->user.name, &r->scope, r->params[0], &o,
	                              &pdf, &len, &err);
	http_audit(r, "export", "household_print", ref);
	if (e) {
		http_fail(r, e, &err);
		return;
	}
	send_pdf(r, pdf, len, "minsheng-household.pdf");
}

void h_report_monthly(ms_req *r)
{
	const char *area = http_arg(r, "area");
	if (!area || !*area)
		area = r->user.scope;
	const char *month = http_arg(r, "month");
	char cur[8];
	if (!month || !*month) {
		ms_month_format(ms_month_of(ms_date_today()), cur);
		month = cur;
	}
	if (strlen(area) > 12 || strlen(month) > 7) {
		http_error(r, MS_ERR_INVALID, "area 或 month 无效 / bad area or month");
		return;
	}
	ms_monthly *m = malloc(sizeof *m);
	ms_error err = {0};
	ms_err e = m ? ms_monthly_figures(r->store, r->pack, r->user.name, area, month,
	                                  ms_date_today(), m, &err)
	             : ms_error_set(&err, MS_ERR_NOMEM, NULL);
	char *bytes = NULL;
	size_t len = 0;
	if (!e)
		e = ms_monthly_xlsx_bytes(m, r->srv->upload_dir, &bytes, &len, &err);
	if (e) {
		free(m);
		http_fail(r, e, &err);
		return;
	}
	http_bytes(r, 200, XLSX_TYPE, bytes, len);
	free(bytes);
	snprintf(r->disposition, sizeof r->disposition,
	         "attachment; filename=\"minsheng-monthly-%s-%s.xlsx\"", m->area, m->month);
	char ref[32];
	snprintf(ref, sizeof ref, "%s %s", m->area, m->month);
	free(m);
	http_audit(r, "export", "monthly_report", ref);
}

/* ---- webhooks (admins) ---- */

static int on_webhook(void *ctx, const ms_webhook_row *w)
{
	json_array_append_new(
	    ctx, json_pack("{s:I, s:s, s:s, s:s, s:s, s:s?, s:b, s:I, s:I, s:I}", "id",
	                   (json_int_t)w->id, "url", w->url, "events", w->events, "created",
	                   w->created, "created_by", w->created_by, "removed", w->removed,
	                   "secret_set", w->secret && *w->secret, "pending", (json_int_t)w->pending,
	                   "delivered", (json_int_t)w->delivered, "failed", (json_int_t)w->failed));
	return 0;
}

void h_webhooks_list(ms_req *r)
{
	const char *all = http_arg(r, "all");
	json_t *items = json_array();
	ms_error err = {0};
	ms_err e = ms_webhook_list(r->store, r->user.name, all && strcmp(all, "1") == 0, on_webhook,
	                           items, &err);
	if (e) {
		json_decref(items);
		http_fail(r, e, &err);
		return;
	}
	http_json(r, 200, json_pack("{s:o}", "items", items));
}

void h_webhooks_add(ms_req *r)
{
	json_t *o = http_body_object(r);
	if (!o)
		return;
	const char *url, *secret, *events;
	if (!http_str(r, o, "url", 2000, &url) ||
	    !http_str(r, o, "secret", MS_WEBHOOK_SECRET_MAX, &secret) ||
	    !http_str(r, o, "events", 100, &events)) {
		json_decref(o);
		return;
	}
	if (!url || !secret || !events) {
		json_decref(o);
		http_error(r, MS_ERR_INVALID, "需要 url、secret 和 events / url, secret and events are "
		           "required");
		return;
	}
	int64_t id = 0;
	ms_error err = {0};
	ms_err e = ms_webhook_add(r->store, r->user.name, url, secret, events, &id, &err);
	json_decref(o);
	if (e) {
		http_fail(r, e, &err);
		return;
	}
	http_json(r, 201, json_pack("{s:I}", "id", (json_int_t)id));
}

void h_webhook_remove(ms_req *r)
{
	char *end;
	long long id = strtoll(r->params[0], &end, 10);
	if (*end || id <= 0) {
		http_error(r, MS_ERR_NOT_FOUND, "推送地址不存在 / no such webhook");
		return;
	}
	ms_error err = {0};
	ms_err e = ms_webhook_remove(r->store, r->user.name, id, &err);
	if (e) {
		http_fail(r, e, &err);
		return;
	}
	http_json(r, 200, json_pack("{s:I, s:b}", "id", (json_int_t)id, "removed", 1));
}

static int on_delivery(void *ctx, const ms_delivery_row *d)
{
	json_t *j = json_pack("{s:I, s:I, s:I, s:s, s:s, s:s, s:I, s:I, s:s?, s:s, s:s?}", "id",
	                      (json_int_t)d->id, "webhook", (json_int_t)d->webhook_id, "alert",
	                      (json_int_t)d->alert_id, "event", d->event, "state", d->state, "url",
	                      d->url, "attempts", (json_int_t)d->attempts, "next_attempt",
	                      (json_int_t)d->next_attempt, "last_error", d->last_error, "created",
	                      d->created, "finished", d->finished);
	if (j)
		json_object_set_new(j, "last_status",
		                    d->last_status ? json_integer(d->last_status) : json_null());
	json_array_append_new(ctx, j);
	return 0;
}

void h_webhook_deliveries(ms_req *r)
{
	const char *state = http_arg(r, "state");
	int64_t limit;
	if (!http_int_arg(r, "limit", 1, HTTP_PAGE_MAX, HTTP_PAGE_DEFAULT, &limit))
		return;
	json_t *items = json_array();
	ms_error err = {0};
	ms_err e = ms_webhook_deliveries(r->store, r->user.name, state && *state ? state : NULL,
	                                 (int)limit, on_delivery, items, &err);
	if (e) {
		json_decref(items);
		http_fail(r, e, &err);
		return;
	}
	http_json(r, 200, json_pack("{s:o}", "items", items));
}
