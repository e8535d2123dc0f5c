/* h_data.c — imports (uploads as jobs, batches, rejects, revocation), the
 * review queue, scans, rules and parameters, stations and their records,
 * and the auditor's view of the access log. */
#include "http/http_impl.h"

#include "base/date.h"
#include "base/money.h"
#include "ingest/import.h"
#include "model/idnum.h"
#include "monitor/ruletest.h"
#include "monitor/stations.h"
#include "station/records.h"
#include "store/store_scoped.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static bool pos_id(const char *s, int64_t *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || *end || v <= 0)
		return false;
	*out = v;
	return true;
}

static bool officer_like(ms_req *r)
{
	return !r->via_token && (r->user.role == MS_ROLE_ADMIN || r->user.role == MS_ROLE_OFFICER);
}

/* ---- imports ---- */

static json_t *batch_json(const ms_batch *b)
{
	static const char *const states[] = {"none", "staging", "published", "revoked"};
	const ms_batch_counts *c = &b->counts;
	return json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I}, "
	                 "s:s, s:s, s:s?, s:s?}",
	                 "id", (json_int_t)b->id, "feed", b->feed, "file", b->file_name, "format",
	                 b->format, "encoding", b->encoding, "state", states[b->state], "counts", "rows",
	                 (json_int_t)c->rows, "accepted", (json_int_t)c->accepted, "unchanged",
	                 (json_int_t)c->unchanged, "updated", (json_int_t)c->updated, "rejected",
	                 (json_int_t)c->rejected, "review", (json_int_t)c->review, "corrected",
	                 (json_int_t)c->corrected, "actor", b->actor, "created", b->created,
	                 "published", b->published, "revoked", b->revoked);
}

/* Whether the caller may see a batch: officers and admins every batch (a
 * batch holds counts, not personal data); a department uploader only its
 * own. */
static bool batch_visible(ms_req *r, const ms_batch *b)
{
	if (officer_like(r))
		return true;
	return r->user.role == MS_ROLE_UPLOADER && strcmp(b->actor, r->user.name) == 0;
}

typedef struct blist {
	ms_req *r;
	json_t *items;
	int n, limit;
} blist;

static int on_batch(void *ctx, const ms_batch *b)
{
	blist *l = ctx;
	if (!batch_visible(l->r, b))
		return 0;
	json_array_append_new(l->items, batch_json(b));
	return ++l->n >= l->limit;
}

void h_imports_list(ms_req *r)
{
	if (!officer_like(r) && r->user.role != MS_ROLE_UPLOADER) {
		http_role(r, MS_ROLE_ADMIN, MS_ROLE_OFFICER, MS_ROLE_UPLOADER, 0);
		return;
	}
	const char *feed = http_arg(r, "feed");
	int64_t limit;
	if (!http_int_arg(r, "limit", 1, HTTP_PAGE_LIMIT(r), HTTP_PAGE_DEFAULT, &limit))
		return;
	if (feed && strlen(feed) > 64) {
		http_error(r, MS_ERR_INVALID, "feed 过长 / feed is too long");
		return;
	}
	blist l = {.r = r, .items = json_array(), .limit = (int)limit};
	ms_error err = {0};
	/* an uploader's batches are among many: read them all, keep its own */
	ms_err e = ms_store_batch_list(r->store, feed && *feed ? feed : NULL,
	                               officer_like(r) ? (int)limit : 0, on_batch, &l, &err);
	if (e) {
		json_decref(l.items);
		http_fail(r, e, &err);
		return;
	}
	http_json(r, 200, json_pack("{s:o}", "items", l.items));
}

/* A safe file name to show and store: the last path part, printable. */
static void clean_name(const char *in, char *out, size_t cap)
{
	const char *slash = strrchr(in, '/');
	if (slash)
		in = slash + 1;
	size_t o = 0;
	for (const unsigned char *p = (const unsigned char *)in; *p && o + 1 < cap; p++)
		out[o++] = (*p < 0x20 || *p == 0x7f || *p == '\\') ? '_' : (char)*p;
	out[o] = 0;
	if (!o)
		snprintf(out, cap, "upload");
}

void h_import_upload(ms_req *r)
{
	const char *feed = http_arg(r, "feed"), *name = http_arg(r, "name");
	if (!feed || !*feed || strlen(feed) > 64) {
		http_error(r, MS_ERR_INVALID, "需要 ?feed=数据源名称 / ?feed=NAME is required");
		return;
	}
	if (!ms_feed_set_find(HTTP_FEEDS(r), feed)) {
		http_error(r, MS_ERR_INVALID, "政策包中没有数据源 %s / the pack has no feed %s", feed, feed);
		return;
	}
	if (r->via_token) {
		if (!ms_token_feed_allowed(r->token.feeds, feed)) {
			http_error(r, MS_ERR_FORBIDDEN, "此令牌不能上传数据源 %s / this token may not upload to "
			           "%s", feed, feed);
			return;
		}
	} else if (!http_role(r, MS_ROLE_ADMIN, MS_ROLE_OFFICER, 0)) {
		return;
	}
	if (r->upload_len == 0 || r->upload_fd < 0) {
		http_error(r, MS_ERR_INVALID, "请求体应为数据文件 / the body must be the file");
		return;
	}
	if (fsync(r->upload_fd) != 0) {
		http_error(r, MS_ERR_IO, NULL);
		return;
	}
	char fname[200];
	clean_name(name && *name ? name : feed, fname, sizeof fname);
	http_job_spec spec = {.kind = "import", .feed = feed, .path = r->upload_path, .name = fname};
	http_job_start(r, &spec);
}

static bool visible_batch(ms_req *r, ms_batch *b)
{
	int64_t id;
	ms_error err = {0};
	if (!pos_id(r->params[0], &id)) {
		http_error(r, MS_ERR_NOT_FOUND, "批次不存在 / no such batch");
		return false;
	}
	ms_err e = ms_store_batch_get(r->store, id, b, &err);
	if (e == MS_ERR_OK && !batch_visible(r, b))
		e = MS_ERR_NOT_FOUND;
	if (e == MS_ERR_NOT_FOUND) {
		http_error(r, MS_ERR_NOT_FOUND, "批次不存在 / no such batch");
		return false;
	}
	if (e) {
		http_fail(r, e, &err);
		return false;
	}
	return true;
}

void h_import_get(ms_req *r)
{
	ms_batch b;
	if (visible_batch(r, &b))
		http_json(r, 200, batch_json(&b));
}

typedef struct rlist {
	json_t *items;
} rlist;

static int on_reject(void *ctx, const ms_reject_in *x)
{
	char masked[4096];
	http_mask_text(x->original, masked, sizeof masked);
	json_array_append_new(ctx, json_pack("{s:I, s:s, s:s, s:s, s:s, s:s}", "row",
	                                     (json_int_t)x->row, "column", x->col, "code", x->code,
	                                     "reason", x->reason_zh, "reason_en", x->reason_en,
	                                     "original", masked));
	return 0;
}

void h_import_rejects(ms_req *r)
{
	ms_batch b;
	if (!visible_batch(r, &b))
		return;
	int64_t limit;
	if (!http_int_arg(r, "limit", 1, HTTP_PAGE_LIMIT(r), HTTP_PAGE_MAX, &limit))
		return;
	json_t *items = json_array();
	ms_error err = {0};
	ms_err e = ms_store_reject_list(r->store, b.id, (int)limit, on_reject, items, &err);
	if (e) {
		json_decref(items);
		http_fail(r, e, &err);
		return;
	}
	http_audit(r, "read", "rejects", r->params[0]);
	http_json(r, 200, json_pack("{s:I, s:o}", "batch", (json_int_t)b.id, "items", items));
}

void h_import_revoke(ms_req *r)
{
	if (!http_role(r, MS_ROLE_ADMIN, MS_ROLE_OFFICER, 0))
		return;
	ms_batch b;
	if (!visible_batch(r, &b))
		return;
	json_t *o = http_body_object(r);
	if (!o)
		return;
	const char *reason;
	if (!http_str(r, o, "reason", 2000, &reason)) {
		json_decref(o);
		return;
	}
	if (!reason || !*reason) {
		json_decref(o);
		http_error(r, MS_ERR_INVALID, "需要 reason（撤销原因） / reason is required");
		return;
	}
	ms_error err = {0};
	ms_err e = ms_import_revoke(r->store, b.id, r->user.name, reason, &err);
	json_decref(o);
	if (e) {
		http_fail(r, e, &err);
		return;
	}
	http_json(r, 200, json_pack("{s:I, s:s, s:I}", "batch", (json_int_t)b.id, "state", "revoked",
	                            "alerts_flagged", (json_int_t)ms_store_last_flagged(r->store)));
}

/* ---- the review queue ---- */

static json_t *review_json(const ms_review *v)
{
	char masked[4096];
	http_mask_text(v->idno_raw, masked, sizeof masked);
	return json_pack("{s:I, s:I, s:I, s:s, s:s, s:s, s:s, s:s?, s:s, s:s?, s:s?, s:s?}", "id",
	                 (json_int_t)v->id, "batch", (json_int_t)v->batch_id, "row",
	                 (json_int_t)v->row, "feed", v->feed, "idno_raw", masked, "name", v->name,
	                 "reason", v->reason, "area", v->area, "state", v->state, "decided_by",
	                 v->decided_by, "decided", v->decided, "note", v->note);
}

typedef struct vlist {
	json_t *items;
	int64_t last;
	int n, limit;
	bool more;
} vlist;

static int on_review(void *ctx, const ms_review *v)
{
	vlist *l = ctx;
	if (l->n == l->limit) {
		l->more = true;
		return 1;
	}
	json_array_append_new(l->items, review_json(v));
	l->last = v->id;
	l->n++;
	return 0;
}

void h_review_list(ms_req *r)
{
	if (!http_role(r, MS_ROLE_ADMIN, MS_ROLE_OFFICER, 0))
		return;
	const char *state = http_arg(r, "state");
	int64_t limit, batch, cursor;
	if (!http_int_arg(r, "limit", 1, HTTP_PAGE_LIMIT(r), HTTP_PAGE_DEFAULT, &limit) ||
	    !http_int_arg(r, "batch", 0, INT64_MAX, 0, &batch) ||
	    !http_int_arg(r, "cursor", 0, INT64_MAX, 0, &cursor))
		return;
	if (!state || !*state)
		state = "open";
	if (strcmp(state, "open") && strcmp(state, "linked") && strcmp(state, "discarded") &&
	    strcmp(state, "all")) {
		http_error(r, MS_ERR_INVALID, "state 应为 open、linked、discarded 或 all / state must be "
		           "open, linked, discarded or all");
		return;
	}
	vlist l = {.items = json_array(), .limit = (int)limit};
	ms_error err = {0};
	ms_err e = ms_store_review_page(r->store, &r->scope, strcmp(state, "all") ? state : NULL,
	                                batch, cursor, (int)limit + 1, on_review, &l, &err);
	if (e) {
		json_decref(l.items);
		http_fail(r, e, &err);
		return;
	}
	char next[24];
	snprintf(next, sizeof next, "%lld", (long long)l.last);
	http_json(r, 200, json_pack("{s:o, s:o}", "items", l.items, "next",
	                            l.more ? json_string(next) : json_null()));
}

void h_review_decide(ms_req *r)
{
	if (!http_role(r, MS_ROLE_ADMIN, MS_ROLE_OFFICER, 0))
		return;
	int64_t id;
	if (!pos_id(r->params[0], &id)) {
		http_error(r, MS_ERR_NOT_FOUND, "待核对记录不存在 / no such review item");
		return;
	}
	ms_review v;
	ms_error err = {0};
	ms_err e = ms_store_review_get_scoped(r->store, &r->scope, id, &v, &err);
	if (e) {
		http_fail(r, e, &err);
		return;
	}
	json_t *o = http_body_object(r);
	if (!o)
		return;
	const char *link, *note;
	json_t *discard = json_object_get(o, "discard");
	if (!http_str(r, o, "link", 18, &link) || !http_str(r, o, "note", 2000, &note)) {
		json_decref(o);
		return;
	}
	if (!link == !json_is_true(discard)) {
		json_decref(o);
		http_error(r, MS_ERR_INVALID, "应给出 link（身份证号）或 discard: true 之一 / give either "
		           "link (an identity number) or discard: true");
		return;
	}
	e = ms_import_review_decide(r->store, HTTP_FEEDS(r), id, link, r->user.name, note,
	                            ms_date_today(), &err);
	json_decref(o);
	if (e) {
		http_fail(r, e, &err);
		return;
	}
	http_json(r, 200, json_pack("{s:I, s:s}", "id", (json_int_t)id, "state",
	                            link ? "linked" : "discarded"));
}

/* ---- scans ---- */

void h_scan_start(ms_req *r)
{
	if (!http_role(r, MS_ROLE_ADMIN, MS_ROLE_OFFICER, 0))
		return;
	json_t *o = http_body_object(r);
	if (!o)
		return;
	const char *as_of;
	if (!http_str(r, o, "as_of", 10, &as_of)) {
		json_decref(o);
		return;
	}
	ms_date d = ms_date_today();
	if (as_of && ms_date_parse(as_of, strlen(as_of), &d) != MS_ERR_OK) {
		json_decref(o);
		http_error(r, MS_ERR_INVALID, "as_of 应为日期 YYYY-MM-DD / as_of must be a date YYYY-MM-DD");
		return;
	}
	if (d > ms_date_today()) {
		json_decref(o);
		http_error(r, MS_ERR_INVALID, "as_of 不能晚于今天 / as_of cannot be after today");
		return;
	}
	json_t *dry = json_object_get(o, "dry_run");
	if (dry && !json_is_boolean(dry)) {
		json_decref(o);
		http_error(r, MS_ERR_INVALID, "dry_run 应为 true 或 false / dry_run must be true or false");
		return;
	}
	http_job_spec spec = {.kind = "scan", .as_of = d, .dry_run = json_is_true(dry)};
	json_decref(o);
	http_job_start(r, &spec);
}

/* ---- rules and parameters ---- */

/* Rules and parameters are the pack: readable by those who work with
 * alerts, not by uploaders, evaluators or auditors. */
static bool pack_reader(ms_req *r)
{
	return http_role(r, MS_ROLE_ADMIN, MS_ROLE_OFFICER, MS_ROLE_STATION_HEAD, MS_ROLE_WORKER, 0);
}

/* A file of the pack by its name inside the pack (the server's folders
 * are not the client's business). */
static const char *pack_relative(const ms_pack *pack, const char *file)
{
	size_t n = strlen(pack->dir);
	if (file && strncmp(file, pack->dir, n) == 0 && file[n] == '/')
		return file + n + 1;
	const char *slash = file ? strrchr(file, '/') : NULL;
	return slash ? slash + 1 : (file ? file : "");
}

static json_t *rule_json(const ms_pack *pack, const ms_rule *ru, bool full)
{
	json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:i}", "id", ru->id, "title", ru->title,
	                      "kind", ru->kind, "subject_type",
	                      ru->subject == DOM_HOUSEHOLD ? "household" : "person", "file",
	                      pack_relative(pack, ru->file), "line", ru->line);
	if (full && j)
		json_object_set_new(j, "condition", json_stringn(ru->when_src, ru->when_len));
	return j;
}

void h_rules_list(ms_req *r)
{
	if (!pack_reader(r))
		return;
	json_t *items = json_array();
	for (int i = 0; i < r->pack->nrules; i++)
		json_array_append_new(items, rule_json(r->pack, &r->pack->rules[i], false));
	http_json(r, 200, json_pack("{s:s, s:s, s:s, s:o}", "pack", r->pack->name, "title",
	                            r->pack->title, "version", r->pack->version, "items", items));
}

void h_rule_get(ms_req *r)
{
	if (!pack_reader(r))
		return;
	const ms_rule *ru = ms_pack_rule(r->pack, r->params[0]);
	if (!ru) {
		http_error(r, MS_ERR_NOT_FOUND, "没有规则 %s / no rule %s", r->params[0], r->params[0]);
		return;
	}
	http_json(r, 200, rule_json(r->pack, ru, true));
}

void h_rules_test(ms_req *r)
{
	if (!http_role(r, MS_ROLE_ADMIN, MS_ROLE_OFFICER, 0))
		return;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f) {
		http_error(r, MS_ERR_NOMEM, NULL);
		return;
	}
	ms_ruletest_result res = {0};
	ms_error err = {0};
	ms_err e = ms_ruletest_run(r->pack, f, &res, &err);
	fclose(f);
	if (e) {
		free(text);
		http_fail(r, e, &err);
		return;
	}
	http_json(r, 200, json_pack("{s:i, s:i, s:i, s:i, s:s}", "cases", res.cases, "passed",
	                            res.passed, "failed", res.failed, "checks", res.checks, "report",
	                            text ? text : ""));
	free(text);
}

static json_t *param_json(const ms_param *p)
{
	json_t *vals = json_array();
	for (int k = 0; k < p->nvalues; k++) {
		const ms_param_value *v = &p->values[k];
		char from[MS_DATE_STR], text[512];
		ms_date_format(v->from, from);
		ms_pack_param_format(p, v, text, sizeof text);
		json_array_append_new(vals, json_pack("{s:s, s:s, s:s, s:s, s:s}", "from", from, "area",
		                                      v->area, "value", text, "raw", v->raw, "source",
		                                      v->source ? v->source : ""));
	}
	return json_pack("{s:s, s:s, s:s, s:o}", "name", p->name, "title", p->title ? p->title : "",
	                 "type", ms_type_name(p->type), "values", vals);
}

void h_params_list(ms_req *r)
{
	if (!pack_reader(r))
		return;
	json_t *items = json_array();
	for (int i = 0; i < r->pack->nparams; i++)
		json_array_append_new(items, param_json(&r->pack->params[i]));
	http_json(r, 200, json_pack("{s:s, s:o}", "version", r->pack->version, "items", items));
}

/* A field written into a line of params.ini: no line break, no '|', no
 * comment character at its start. */
static bool param_field_ok(const char *s)
{
	if (!s || !*s)
		return false;
	for (const char *p = s; *p; p++)
		if (*p == '\n' || *p == '\r' || *p == '|' || (unsigned char)*p < 0x20)
			return false;
	return *s != ';' && *s != '#' && *s != '[';
}

/* Inserts a value line after the last line of a parameter's section. */
static char *insert_value(const char *text, const char *name, const char *line)
{
	char head[160];
	snprintf(head, sizeof head, "[param.%s]", name);
	const char *sec = NULL;
	for (const char *p = text; (p = strstr(p, head)); p += strlen(head))
		if (p == text || p[-1] == '\n') {
			const char *e = p + strlen(head);
			if (*e == '\n' || *e == '\r' || *e == ' ' || *e == 0) {
				sec = p;
				break;
			}
		}
	if (!sec)
		return NULL;
	/* the section ends at the next line starting with '[' (or the end) */
	const char *end = strchr(sec, '\n');
	end = end ? end + 1 : sec + strlen(sec);
	const char *last = end;
	while (*end && *end != '[') {
		const char *nl = strchr(end, '\n');
		const char *next = nl ? nl + 1 : end + strlen(end);
		/* keep blank lines and comments between sections after the insert */
		const char *q = end;
		while (*q == ' ' || *q == '\t')
			q++;
		if (*q != '\n' && *q != '\r' && *q != ';' && *q != '#')
			last = next;
		end = next;
	}
	size_t n = strlen(text), ln = strlen(line);
	char *out = malloc(n + ln + 2);
	if (!out)
		return NULL;
	size_t pre = (size_t)(last - text);
	memcpy(out, text, pre);
	size_t o = pre;
	if (pre && out[pre - 1] != '\n')
		out[o++] = '\n';
	memcpy(out + o, line, ln);
	o += ln;
	memcpy(out + o, last, n - pre);
	out[o + n - pre] = 0;
	return out;
}

static char *read_all(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = NULL;
	size_t cap = 0, n = 0;
	for (;;) {
		if (n + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 65536;
			if (cap > (16u << 20)) {
				free(buf);
				fclose(f);
				return NULL;
			}
			char *nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
		}
		size_t k = fread(buf + n, 1, 4096, f);
		n += k;
		if (k < 4096)
			break;
	}
	fclose(f);
	buf[n] = 0;
	return buf;
}

static bool write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return false;
	size_t n = strlen(text);
	bool ok = fwrite(text, 1, n, f) == n;
	ok = fflush(f) == 0 && ok;
	ok = fsync(fileno(f)) == 0 && ok;
	return fclose(f) == 0 && ok;
}

/* An admin adds a dated value to a parameter. The pack is data on disk:
 * the line goes into params.ini, the pack is loaded again (checked in
 * full), and only a pack that loads replaces the running one; its version
 * (the hash of its files) changes, and the next scan records it. */
void h_param_add(ms_req *r)
{
	if (!http_role(r, MS_ROLE_ADMIN, 0))
		return;
	if (strcmp(r->user.scope, r->pack->province) != 0) {
		http_error(r, MS_ERR_FORBIDDEN, "只有省级管理员可以修改政策参数 / only a province-wide admin "
		           "may change parameters");
		return;
	}
	if (ms_pack_param_index(r->pack, r->params[0]) < 0) {
		http_error(r, MS_ERR_NOT_FOUND, "没有参数 %s / no parameter %s", r->params[0], r->params[0]);
		return;
	}
	json_t *o = http_body_object(r);
	if (!o)
		return;
	const char *from, *area, *value, *source;
	if (!http_str(r, o, "from", 10, &from) || !http_str(r, o, "area", 12, &area) ||
	    !http_str(r, o, "value", 1000, &value) || !http_str(r, o, "source", 500, &source)) {
		json_decref(o);
		return;
	}
	ms_date d;
	if (!from || ms_date_parse(from, strlen(from), &d) != MS_ERR_OK || !param_field_ok(area) ||
	    !param_field_ok(value) || !param_field_ok(source)) {
		json_decref(o);
		http_error(r, MS_ERR_INVALID, "需要 from（日期）、area（区划前缀）、value 和 source（依据文件），"
		           "不含换行或“|” / from (a date), area (a prefix), value and source (the document) "
		           "are required, without line breaks or '|'");
		return;
	}
	char path[HTTP_PATH_MAX], tmp[HTTP_PATH_MAX + 8], bak[HTTP_PATH_MAX + 8];
	snprintf(path, sizeof path, "%s/params.ini", r->pack->dir);
	snprintf(tmp, sizeof tmp, "%s.new", path);
	snprintf(bak, sizeof bak, "%s.bak", path);
	char line[2048], now[MS_DATE_STR];
	ms_date_format(ms_date_today(), now);
	snprintf(line, sizeof line, "; %s 由 %s 通过接口添加 / added by %s through the API\nvalue = %s | %s "
	         "| %s | %s\n", now, r->user.name, r->user.name, from, area, value, source);
	json_decref(o);
	char *text = read_all(path);
	char *next = text ? insert_value(text, r->params[0], line) : NULL;
	free(text);
	if (!next) {
		http_error(r, MS_ERR_IO, "无法读取或修改 %s / cannot read or change %s", path, path);
		return;
	}
	/* swap the pack under the write lock: no request reads it meanwhile */
	ms_server *srv = r->srv;
	const char *pname = r->params[0];
	pthread_rwlock_unlock(&srv->pack_lock);
	pthread_rwlock_wrlock(&srv->pack_lock);
	ms_pack *np = NULL;
	ms_error err = {0};
	ms_err e = MS_ERR_OK;
	if (!write_file(tmp, next) || rename(path, bak) != 0 || rename(tmp, path) != 0)
		e = ms_error_set(&err, MS_ERR_IO, "无法写入 %s / cannot write %s", path, path);
	else if ((e = ms_pack_load(srv->o.pack_dir, &np, &err)))
		rename(bak, path); /* the old file back: the value was refused */
	free(next);
	unlink(tmp);
	if (!e) {
		ms_pack_free(srv->pack);
		srv->pack = np;
	}
	r->pack = srv->pack;
	pthread_rwlock_unlock(&srv->pack_lock);
	pthread_rwlock_rdlock(&srv->pack_lock);
	r->pack = srv->pack;
	if (e) {
		http_error(r, e == MS_ERR_PACK ? MS_ERR_INVALID : e, "%s", ms_error_text(&err));
		return;
	}
	int pi = ms_pack_param_index(r->pack, pname);
	json_t *j = param_json(&r->pack->params[pi]);
	json_object_set_new(j, "pack_version", json_string(r->pack->version));
	http_json(r, 200, j);
}

/* ---- stations ---- */

static json_t *station_json(const ms_station *st)
{
	return json_pack("{s:s, s:s, s:s, s:s}", "code", st->code, "name", st->name, "type", st->type,
	                 "created", st->created);
}

static int on_station(void *ctx, const ms_station *st)
{
	json_array_append_new(ctx, station_json(st));
	return 0;
}

/* The stations a caller sees: its scope's (admin, officer), its own
 * (station head, worker), any for an evaluator (codes and names only). */
static const char *station_prefix(ms_req *r)
{
	switch (r->user.role) {
	case MS_ROLE_ADMIN:
	case MS_ROLE_OFFICER:
		return r->user.scope;
	case MS_ROLE_STATION_HEAD:
	case MS_ROLE_WORKER:
		return r->user.station;
	case MS_ROLE_EVALUATOR:
		return r->user.scope;
	default:
		return NULL;
	}
}

void h_stations_list(ms_req *r)
{
	const char *prefix = station_prefix(r);
	if (!prefix || !*prefix) {
		http_role(r, MS_ROLE_ADMIN, MS_ROLE_OFFICER, MS_ROLE_STATION_HEAD, MS_ROLE_WORKER,
		          MS_ROLE_EVALUATOR, 0);
		return;
	}
	const char *area = http_arg(r, "area");
	if (area && *area) {
		size_t n = strlen(area);
		if (n > 12 || strspn(area, "0123456789") != n) {
			http_error(r, MS_ERR_INVALID, "area 应为 1–12 位数字 / area must be 1–12 digits");
			return;
		}
		/* the narrower of the two */
		if (ms_scope_covers(prefix, area))
			prefix = area;
		else if (!ms_scope_covers(area, prefix)) {
			http_json(r, 200, json_pack("{s:[]}", "items"));
			return;
		}
	}
	json_t *items = json_array();
	ms_error err = {0};
	ms_err e = ms_stations_list(r->store, prefix, on_station, items, &err);
	if (e) {
		json_decref(items);
		http_fail(r, e, &err);
		return;
	}
	http_json(r, 200, json_pack("{s:o}", "items", items));
}

typedef struct one_station {
	const char *code;
	json_t *found;
} one_station;

static int find_station(void *ctx, const ms_station *st)
{
	one_station *o = ctx;
	if (strcmp(st->code, o->code) == 0) {
		o->found = station_json(st);
		return 1;
	}
	return 0;
}

void h_station_get(ms_req *r)
{
	const char *prefix = station_prefix(r);
	const char *code = r->params[0];
	one_station o = {.code = code};
	ms_error err = {0};
	if (prefix && *prefix && ms_scope_covers(prefix, code)) {
		ms_err e = ms_stations_list(r->store, code, find_station, &o, &err);
		if (e) {
			http_fail(r, e, &err);
			return;
		}
	}
	if (!o.found) {
		http_error(r, MS_ERR_NOT_FOUND, "站点不存在 / no such station");
		return;
	}
	http_json(r, 200, o.found);
}

static json_t *srec_json(ms_srec_kind k, const ms_srec *x)
{
	json_t *j = json_pack("{s:I, s:s, s:s, s:s}", "id", (json_int_t)x->id, "station", x->station,
	                      "added_by", x->added_by, "added", x->added);
	switch (k) {
	case MS_SREC_STAFF:
		json_object_set_new(j, "name", json_string(x->name));
		json_object_set_new(j, "qualification", json_string(x->qualification));
		json_object_set_new(j, "phone", x->phone ? json_string(x->phone) : json_null());
		break;
	case MS_SREC_VOLUNTEER:
		json_object_set_new(j, "name", json_string(x->name));
		json_object_set_new(j, "phone", x->phone ? json_string(x->phone) : json_null());
		json_object_set_new(j, "hours", json_real((double)x->hours_tenths / 10.0));
		break;
	case MS_SREC_ORG:
		json_object_set_new(j, "name", json_string(x->name));
		json_object_set_new(j, "registration", json_string(x->registration));
		json_object_set_new(j, "services", json_string(x->services ? x->services : ""));
		break;
	case MS_SREC_RESOURCE: {
		char yuan[32];
		snprintf(yuan, sizeof yuan, "%lld.%02lld", (long long)(x->amount_fen / 100),
		         (long long)(x->amount_fen % 100));
		json_object_set_new(j, "donor", json_string(x->donor));
		json_object_set_new(j, "amount_fen", json_integer(x->amount_fen));
		json_object_set_new(j, "amount_yuan", json_string(yuan));
		json_object_set_new(j, "day", json_string(x->day));
		json_object_set_new(j, "purpose", json_string(x->purpose ? x->purpose : ""));
		break;
	}
	case MS_SREC_AFFAIR:
		json_object_set_new(j, "day", json_string(x->day));
		json_object_set_new(j, "summary", json_string(x->summary));
		break;
	default:
		break;
	}
	return j;
}

typedef struct slist {
	ms_srec_kind kind;
	json_t *items;
} slist;

static int on_srec(void *ctx, const ms_srec *x)
{
	slist *l = ctx;
	json_array_append_new(l->items, srec_json(l->kind, x));
	return 0;
}

void h_station_records(ms_req *r)
{
	int k = ms_srec_kind_parse(r->params[1]);
	if (k < 0) {
		http_error(r, MS_ERR_NOT_FOUND, "记录类别应为 staff、volunteer、org、resource 或 affair / the "
		           "kind is staff, volunteer, org, resource or affair");
		return;
	}
	slist l = {.kind = (ms_srec_kind)k, .items = json_array()};
	ms_error err = {0};
	ms_err e = ms_station_record_list(r->store, r->user.name, (ms_srec_kind)k, r->params[0], on_srec,
	                                  &l, &err);
	if (e) {
		json_decref(l.items);
		http_fail(r, e, &err);
		return;
	}
	http_json(r, 200, json_pack("{s:s, s:s, s:o}", "station", r->params[0], "kind", r->params[1],
	                            "items", l.items));
}

void h_station_record_add(ms_req *r)
{
	int k = ms_srec_kind_parse(r->params[1]);
	if (k < 0) {
		http_error(r, MS_ERR_NOT_FOUND, "记录类别应为 staff、volunteer、org、resource 或 affair / the "
		           "kind is staff, volunteer, org, resource or affair");
		return;
	}
	json_t *o = http_body_object(r);
	if (!o)
		return;
	ms_srec x = {.station = r->params[0]};
	const char *qual = NULL, *amount = NULL, *hours = NULL;
	if (!http_str(r, o, "name", MS_SREC_TEXT_MAX, &x.name) ||
	    !http_str(r, o, "qualification", 64, &qual) || !http_str(r, o, "phone", 20, &x.phone) ||
	    !http_str(r, o, "registration", MS_SREC_TEXT_MAX, &x.registration) ||
	    !http_str(r, o, "services", MS_SREC_NOTE_MAX, &x.services) ||
	    !http_str(r, o, "donor", MS_SREC_TEXT_MAX, &x.donor) ||
	    !http_str(r, o, "amount_yuan", 20, &amount) || !http_str(r, o, "hours", 12, &hours) ||
	    !http_str(r, o, "day", 10, &x.day) || !http_str(r, o, "purpose", MS_SREC_NOTE_MAX, &x.purpose) ||
	    !http_str(r, o, "summary", MS_SREC_NOTE_MAX, &x.summary)) {
		json_decref(o);
		return;
	}
	if (qual) {
		x.qualification = ms_qualification_parse(qual);
		if (!x.qualification) {
			json_decref(o);
			http_error(r, MS_ERR_INVALID, "资格应为 assistant、intermediate、senior 或 none / the "
			           "qualification is assistant, intermediate, senior or none");
			return;
		}
	}
	/* amounts and hours as text, parsed as the command line parses them:
	 * "1,000.50" yuan (two decimals at most), "12.5" hours (one decimal) */
	if (amount) {
		ms_money fen;
		if (ms_money_parse(amount, strlen(amount), &fen) != MS_ERR_OK || fen <= 0) {
			json_decref(o);
			http_error(r, MS_ERR_INVALID, "amount_yuan 应为正数金额（元，至多两位小数） / amount_yuan "
			           "must be a positive amount in yuan (at most 2 decimals)");
			return;
		}
		x.amount_fen = fen;
	}
	if (hours) {
		int64_t tenths;
		if (ms_decimal_parse(hours, strlen(hours), 1, &tenths) != MS_ERR_OK ||
		    tenths > MS_SREC_HOURS_MAX) {
			json_decref(o);
			http_error(r, MS_ERR_INVALID, "hours 应为非负小时数（至多一位小数） / hours must be a "
			           "number of hours (at most 1 decimal)");
			return;
		}
		x.hours_tenths = tenths;
	}
	int64_t id;
	ms_error err = {0};
	ms_err e = ms_station_record_add(r->store, r->user.name, (ms_srec_kind)k, &x, &id, &err);
	json_decref(o);
	if (e) {
		http_fail(r, e, &err);
		return;
	}
	http_json(r, 201, json_pack("{s:I, s:s, s:s}", "id", (json_int_t)id, "station", r->params[0],
	                            "kind", r->params[1]));
}

/* ---- the access log (auditors) ---- */

static int on_audit(void *ctx, const ms_audit_row *a)
{
	json_array_append_new(ctx, json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:s}",
	                                     "id", (json_int_t)a->id, "at", a->at, "user", a->user,
	                                     "role", a->role, "action", a->action, "object", a->object,
	                                     "ref", a->ref, "route", a->route, "status", a->status,
	                                     "addr", a->addr, "request", a->request));
	return 0;
}

void h_audit_list(ms_req *r)
{
	if (!http_role(r, MS_ROLE_AUDITOR, 0))
		return;
	const char *user = http_arg(r, "user"), *ref = http_arg(r, "ref");
	int64_t limit, before;
	if (!http_int_arg(r, "limit", 1, HTTP_PAGE_LIMIT(r), HTTP_PAGE_DEFAULT, &limit) ||
	    !http_int_arg(r, "before", 0, INT64_MAX, 0, &before))
		return;
	if ((user && strlen(user) > MS_USER_NAME_MAX) || (ref && strlen(ref) > 80)) {
		http_error(r, MS_ERR_INVALID, "过滤条件过长 / a filter is too long");
		return;
	}
	ms_error err = {0};
	if (ms_audit_flush(r->srv->audit, &err)) {
		http_fail(r, err.code, &err);
		return;
	}
	json_t *items = json_array();
	ms_err e = ms_audit_list(r->srv->access_path, user && *user ? user : NULL,
	                         ref && *ref ? ref : NULL, before, (int)limit, on_audit, items, &err);
	if (e) {
		json_decref(items);
		http_fail(r, e, &err);
		return;
	}
	http_json(r, 200, json_pack("{s:o}", "items", items));
}

void h_audit_verify(ms_req *r)
{
	if (!http_role(r, MS_ROLE_AUDITOR, 0))
		return;
	ms_error err = {0};
	if (ms_audit_flush(r->srv->audit, &err)) {
		http_fail(r, err.code, &err);
		return;
	}
	ms_audit_report rep;
	memset(&rep, 0, sizeof rep);
	ms_err e = ms_audit_verify(r->srv->access_path, NULL, &rep, &err);
	if (e && e != MS_ERR_INVALID) {
		http_fail(r, e, &err);
		return;
	}
	http_json(r, 200, json_pack("{s:b, s:I, s:I, s:I, s:I, s:s, s:s}", "ok", e == MS_ERR_OK,
	                            "entries", (json_int_t)rep.entries, "last_id",
	                            (json_int_t)rep.last_id, "anchors", (json_int_t)rep.anchors,
	                            "bad_id", (json_int_t)rep.bad_id, "algorithm", rep.algorithm,
	                            "problem", rep.problem));
}

/* ---- health and the document ---- */

void h_healthz(ms_req *r)
{
	ms_error err = {0};
	ms_err e = ms_store_begin_read(r->store, &err);
	if (!e)
		ms_store_rollback(r->store);
	if (e) {
		http_json(r, 503, json_pack("{s:s, s:s}", "status", "error", "database",
		                            ms_err_name(e)));
		return;
	}
	http_json(r, 200, json_pack("{s:s, s:i, s:s}", "status", "ok", "schema",
	                            ms_store_schema_version(r->store), "pack", r->pack->version));
}

extern const char ms_openapi_json[], ms_openapi_json_end[];

void h_openapi(ms_req *r)
{
	r->status = 200;
	r->resp_type = "application/json; charset=utf-8";
	r->resp = (char *)(uintptr_t)ms_openapi_json;
	r->resp_len = (size_t)(ms_openapi_json_end - ms_openapi_json) - 1;
	r->resp_static = true;
}
