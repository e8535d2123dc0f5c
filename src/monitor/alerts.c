/* alerts.c — a scan's hits become alerts (SPEC §3.2, §4): identity by
 * (rule, subject), evidence facts identified by feed, natural key and a
 * hash of the values, `cleared` when a rule stops holding, routing to the
 * township station / county inbox / province inbox, and working-day
 * deadlines. Everything happens in one write transaction. */
#include "monitor/alerts.h"

#include "base/arena.h"
#include "base/mem.h"
#include "store/store_alerts.h"

#include <jansson.h>
#include <openssl/evp.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Separates the parts of a fact's identity (the natural key itself is
 * 0x1F-separated, so the two never mix). */
#define FACT_SEP '\x1e'
/* Memory for one hit's fact keys; a hit with more evidence than this fails
 * with a message instead of growing without bound. */
#define HIT_ARENA_CAP (64u * 1024 * 1024)

typedef struct apply {
	ms_store *s;
	const ms_scan_input *in;
	ms_scan_summary *out;
	int64_t scan;
	char now[32];
	ms_date today;    /* the day deadlines count from */
	size_t plen;      /* length of the province code */
	size_t last_rule; /* index of the previous hit's rule */
	ms_arena arena;   /* per hit */
	ms_error *err;
} apply;

static bool all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* Now: today's date (ms_date_today, so MINSHENG_TODAY fixes it) with the
 * clock's time of day, in China Standard Time. */
static void clock_rfc3339(char out[32], ms_date *today)
{
	*today = ms_date_today();
	char day[MS_DATE_STR];
	ms_date_format(*today, day);
	time_t t = time(NULL) + 8 * 3600;
	struct tm tm;
	gmtime_r(&t, &tm);
	snprintf(out, 32, "%.10sT%02d:%02d:%02d+08:00", day, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* The scan's time: the one given, else now. */
static ms_err scan_time(apply *a, ms_error *err)
{
	const char *given = a->in->now;
	if (!given) {
		clock_rfc3339(a->now, &a->today);
		return MS_ERR_OK;
	}
	size_t n = strlen(given);
	if (n < 10 || n >= sizeof a->now || ms_date_parse(given, 10, &a->today) != MS_ERR_OK)
		return ms_error_set(err, MS_ERR_INVALID,
		                    "扫描时间应为 RFC 3339 格式 (scan time must be RFC 3339): %s",
		                    given);
	memcpy(a->now, given, n + 1);
	return MS_ERR_OK;
}

/* Whether an allocation of n bytes failed because the hit's arena reached
 * its cap (too much evidence) rather than for want of memory. */
static bool arena_full(const ms_arena *ar, size_t n)
{
	size_t size = n > ar->block_size ? n : ar->block_size;
	return ar->cap && ar->used + size > ar->cap;
}

/* feed 0x1E natural key 0x1E SHA-256 (lower-case hex) of the values. */
static char *fact_key(apply *a, const ms_evidence *ev)
{
	const char *vals = ev->vals ? ev->vals : "";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	if (EVP_Digest(vals, strlen(vals), md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32) {
		ms_error_set(a->err, MS_ERR_INTERNAL, "SHA-256 failed");
		return NULL;
	}
	size_t flen = strlen(ev->feed), klen = strlen(ev->nkey);
	char *k = ms_arena_alloc(&a->arena, flen + klen + 2 + 64 + 1);
	if (!k && !arena_full(&a->arena, flen + klen + 2 + 64 + 1)) {
		ms_error_set(a->err, MS_ERR_NOMEM, NULL);
		return NULL;
	}
	if (!k) {
		ms_error_set(a->err, MS_ERR_TOO_LARGE,
		             "一条命中的证据过多 (too much evidence in one hit: over %u bytes)",
		             HIT_ARENA_CAP);
		return NULL;
	}
	static const char hex[] = "0123456789abcdef";
	char *p = k;
	memcpy(p, ev->feed, flen);
	p += flen;
	*p++ = FACT_SEP;
	memcpy(p, ev->nkey, klen);
	p += klen;
	*p++ = FACT_SEP;
	for (unsigned i = 0; i < 32; i++) {
		*p++ = hex[md[i] >> 4];
		*p++ = hex[md[i] & 15];
	}
	*p = '\0';
	return k;
}

static ms_err check_hit(apply *a, const ms_hit *h, size_t *rule_ix)
{
	const ms_scan_input *in = a->in;
	if (!h->rule || !h->subject || !*h->subject || !h->kind || !*h->kind)
		return ms_error_set(
		    a->err, MS_ERR_INVALID,
		    "命中缺少规则、对象或类型 (a hit lacks its rule, subject or kind)");
	if (h->subject_type != MS_SUBJECT_PERSON && h->subject_type != MS_SUBJECT_HOUSEHOLD)
		return ms_error_set(a->err, MS_ERR_INVALID,
		                    "规则 %s 的命中对象类型无效 (bad subject type in a hit)",
		                    h->rule);
	if (h->nevidence && !h->evidence)
		return ms_error_set(a->err, MS_ERR_INVALID,
		                    "规则 %s 的命中证据缺失 (evidence missing)", h->rule);
	for (size_t i = 0; i < h->nevidence; i++)
		if (!h->evidence[i].feed || !*h->evidence[i].feed || !h->evidence[i].nkey)
			return ms_error_set(
			    a->err, MS_ERR_INVALID,
			    "规则 %s 对象 %s 的证据缺少数据源或主键 (a fact lacks its feed or "
			    "natural key)",
			    h->rule, h->subject);
	/* hits come sorted by rule: the previous hit's rule is the usual answer */
	size_t n = in->nrules;
	if (a->last_rule < n && strcmp(in->rules[a->last_rule], h->rule) == 0) {
		*rule_ix = a->last_rule;
		return MS_ERR_OK;
	}
	for (size_t i = 0; i < n; i++)
		if (strcmp(in->rules[i], h->rule) == 0) {
			*rule_ix = a->last_rule = i;
			return MS_ERR_OK;
		}
	return ms_error_set(
	    a->err, MS_ERR_INVALID,
	    "命中的规则 %s 不在本次扫描的规则之中 (a hit names rule %s, which the scan "
	    "did not evaluate)",
	    h->rule, h->rule);
}

/* SPEC §4: the township's station, else the county's inbox; outside the
 * province or with a residence permit, the province's unrouted inbox. */
static ms_err route(apply *a, const ms_hit *h, char inbox[16])
{
	const char *prov = a->in->province;
	const char *area = h->area ? h->area : "";
	size_t n = strlen(area);
	bool inside = n >= 6 && all_digits(area, n) && strncmp(area, prov, a->plen) == 0;
	if (h->residence_permit || !inside) {
		memcpy(inbox, prov, a->plen + 1);
		return MS_ERR_OK;
	}
	if (n >= 9) {
		char code9[10];
		memcpy(code9, area, 9);
		code9[9] = '\0';
		bool has = false;
		if (ms_store_station_exists(a->s, code9, &has, a->err))
			return a->err->code;
		if (has) {
			memcpy(inbox, code9, 10);
			return MS_ERR_OK;
		}
	}
	memcpy(inbox, area, 6);
	inbox[6] = '\0';
	return MS_ERR_OK;
}

static ms_err add_facts(apply *a, int64_t alert_id, const ms_hit *h, char **keys, bool *any_new)
{
	*any_new = false;
	for (size_t i = 0; i < h->nevidence; i++) {
		const ms_evidence *ev = &h->evidence[i];
		ms_alert_fact f = {.fact_key = keys[i],
		                   .feed = ev->feed,
		                   .record_id = ev->record_id,
		                   .batch_id = ev->batch_id,
		                   .row = ev->row,
		                   .person = ev->person};
		bool added = false;
		if (ms_store_alert_fact_add(a->s, alert_id, &f, a->scan, &added, a->err))
			return a->err->code;
		*any_new = *any_new || added;
	}
	return MS_ERR_OK;
}

static ms_err put_explanation(apply *a, int64_t alert_id, const ms_hit *h)
{
	if (!h->explanation_json)
		return MS_ERR_OK;
	return ms_store_alert_explanation_put(a->s, alert_id, a->scan, h->explanation_json, a->err);
}

static ms_err raise_alert(apply *a, const ms_hit *h, char **keys, ms_scan_rule_counts *rc)
{
	const ms_scan_input *in = a->in;
	int days = in->deadline_days(in->deadline_ctx, h->kind);
	if (days < 0)
		return ms_error_set(
		    a->err, MS_ERR_PACK,
		    "政策包没有预警类型 %s 的办理期限 (the pack has no deadline for alert "
		    "kind %s: parameter deadline_days.%s)",
		    h->kind, h->kind, h->kind);
	char due[MS_DATE_STR];
	ms_date_format(ms_calendar_add_workdays(in->calendar, a->today, days), due);
	char inbox[16];
	ms_err e = route(a, h, inbox);
	if (e)
		return e;
	ms_alert_in al = {.rule = h->rule,
	                  .kind = h->kind,
	                  .subject_type =
	                      h->subject_type == MS_SUBJECT_PERSON ? "person" : "household",
	                  .subject = h->subject,
	                  .area = h->area ? h->area : "",
	                  .inbox = inbox,
	                  .created = a->now,
	                  .due = due,
	                  .scan_id = a->scan,
	                  .pack_version = in->pack_version};
	int64_t id;
	bool any_new;
	if ((e = ms_store_alert_insert(a->s, &al, &id, a->err)) ||
	    (e = add_facts(a, id, h, keys, &any_new)) || (e = put_explanation(a, id, h)) ||
	    (e = ms_store_alert_event_add(a->s, id, a->now, in->actor, "", "new", "", a->err)))
		return e;
	rc->new_alerts++;
	a->out->new_total++;
	return MS_ERR_OK;
}

static ms_err apply_hit(apply *a, const ms_hit *h)
{
	size_t ri = 0;
	ms_err e = check_hit(a, h, &ri);
	if (e)
		return e;
	ms_scan_rule_counts *rc = &a->out->rules[ri];
	ms_arena_reset(&a->arena);
	char **keys = NULL;
	if (h->nevidence) {
		if (h->nevidence <= HIT_ARENA_CAP / sizeof *keys &&
		    !(keys = ms_arena_alloc(&a->arena, h->nevidence * sizeof *keys)) &&
		    !arena_full(&a->arena, h->nevidence * sizeof *keys))
			return ms_error_set(a->err, MS_ERR_NOMEM, NULL);
		if (!keys)
			return ms_error_set(
			    a->err, MS_ERR_TOO_LARGE,
			    "规则 %s 对象 %s 的证据过多 (too much evidence in one hit)", h->rule,
			    h->subject);
		for (size_t i = 0; i < h->nevidence; i++)
			if (!(keys[i] = fact_key(a, &h->evidence[i])))
				return a->err->code;
	}

	ms_alert_open open;
	e = ms_store_alert_find_open(a->s, h->rule, h->subject, &open, a->err);
	if (e == MS_ERR_OK) {
		if (open.last_scan == a->scan)
			return ms_error_set(
			    a->err, MS_ERR_INVALID,
			    "规则 %s 对象 %s 在一次扫描中命中两次 (hit twice in one scan)", h->rule,
			    h->subject);
		bool any_new;
		if ((e = add_facts(a, open.id, h, keys, &any_new)))
			return e;
		if (any_new) {
			if ((e = put_explanation(a, open.id, h)))
				return e;
			rc->appended++;
			a->out->appended_total++;
		}
		return ms_store_alert_touch(a->s, open.id, a->scan, a->err);
	}
	if (e != MS_ERR_NOT_FOUND)
		return e;

	bool closed = false;
	if ((e = ms_store_alert_has_closed(a->s, h->rule, h->subject, &closed, a->err)))
		return e;
	if (closed) {
		/* after closure only a fact no closed alert of the key had is news */
		bool news = false;
		for (size_t i = 0; i < h->nevidence && !news; i++) {
			bool had = false;
			if ((e = ms_store_alert_closed_has_fact(a->s, h->rule, h->subject, keys[i],
			                                        &had, a->err)))
				return e;
			news = !had;
		}
		if (!news)
			return MS_ERR_OK;
	}
	return raise_alert(a, h, keys, rc);
}

/* The counts as `scan --json` prints them (SPEC §3.2), every evaluated rule
 * listed, zeros included. */
static char *counts_json(const ms_scan_input *in, const ms_scan_summary *sum)
{
	char as_of[MS_DATE_STR];
	ms_date_format(in->as_of, as_of);
	json_t *root = json_object(), *nw = json_object(), *ap = json_object(), *cl = json_object();
	char *text = NULL;
	if (!root || !nw || !ap || !cl)
		goto out;
	for (size_t i = 0; i < sum->nrules; i++) {
		const ms_scan_rule_counts *r = &sum->rules[i];
		if (json_object_set_new(nw, r->rule, json_integer(r->new_alerts)) ||
		    json_object_set_new(ap, r->rule, json_integer(r->appended)) ||
		    json_object_set_new(cl, r->rule, json_integer(r->cleared)))
			goto out;
	}
	if (json_object_set_new(root, "as_of", json_string(as_of)) ||
	    json_object_set_new(root, "pack", json_string(in->pack_version)))
		goto out;
	json_object_set(root, "new", nw);
	json_object_set(root, "appended", ap);
	json_object_set(root, "cleared", cl);
	char *s = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (s) {
		text = ms_strdup(s);
		free(s);
	}
out:
	json_decref(root);
	json_decref(nw);
	json_decref(ap);
	json_decref(cl);
	return text;
}

static ms_err check_input(const ms_scan_input *in, ms_error *err)
{
	if (!in->pack_version || !*in->pack_version)
		return ms_error_set(err, MS_ERR_INVALID,
		                    "扫描缺少政策包版本 (the scan has no pack version)");
	size_t plen = in->province ? strlen(in->province) : 0;
	if (plen < 2 || plen > 12 || !all_digits(in->province, plen))
		return ms_error_set(
		    err, MS_ERR_INVALID,
		    "政策包的省级区划代码无效 (the pack's province code is not an area code)");
	if (in->nrules > MS_SCAN_MAX_RULES)
		return ms_error_set(err, MS_ERR_TOO_LARGE, "规则超过 %d 条 (more than %d rules)",
		                    MS_SCAN_MAX_RULES, MS_SCAN_MAX_RULES);
	if (in->nrules && !in->rules)
		return ms_error_set(err, MS_ERR_INVALID,
		                    "扫描缺少规则表 (the scan has no rule list)");
	for (size_t i = 0; i < in->nrules; i++) {
		if (!in->rules[i] || !*in->rules[i])
			return ms_error_set(err, MS_ERR_INVALID, "规则编号为空 (an empty rule id)");
		for (size_t j = 0; j < i; j++)
			if (strcmp(in->rules[i], in->rules[j]) == 0)
				return ms_error_set(err, MS_ERR_INVALID,
				                    "规则 %s 重复 (rule listed twice)",
				                    in->rules[i]);
	}
	if (in->nhits && !in->hits)
		return ms_error_set(err, MS_ERR_INVALID,
		                    "扫描缺少命中表 (the scan has no hit list)");
	if (in->nhits && !in->deadline_days)
		return ms_error_set(err, MS_ERR_INVALID,
		                    "扫描缺少办理期限参数 (the scan has no deadline parameters)");
	return MS_ERR_OK;
}

ms_err ms_alerts_apply(ms_store *s, const ms_scan_input *in, ms_scan_summary *out, ms_error *err)
{
	memset(out, 0, sizeof *out);
	ms_err e = check_input(in, err);
	if (e)
		return e;
	apply a = {.s = s,
	           .in = in,
	           .out = out,
	           .plen = strlen(in->province),
	           .last_rule = (size_t)-1,
	           .err = err};
	ms_error local;
	if (!a.err) {
		ms_error_clear(&local);
		a.err = &local;
	}
	if ((e = scan_time(&a, a.err)))
		return e;
	out->nrules = in->nrules;
	for (size_t i = 0; i < in->nrules; i++)
		out->rules[i].rule = in->rules[i];
	ms_arena_init(&a.arena, 16 * 1024, HIT_ARENA_CAP);

	char as_of[MS_DATE_STR];
	ms_date_format(in->as_of, as_of);
	char *counts = NULL;
	if ((e = ms_store_begin_write(s, a.err)))
		goto out;
	if ((e = ms_store_pack_version_note(s, in->pack_version, a.now, a.err)) ||
	    (e = ms_store_scan_insert(s, as_of, in->pack_version, a.now, in->actor, in->dry_run,
	                              &a.scan, a.err)))
		goto fail;
	for (size_t i = 0; i < in->nhits; i++)
		if ((e = apply_hit(&a, &in->hits[i])))
			goto fail;
	for (size_t i = 0; i < in->nrules; i++) {
		int64_t n = 0;
		if ((e = ms_store_alert_clear_stale(s, in->rules[i], a.scan, &n, a.err)))
			goto fail;
		out->rules[i].cleared = n;
		out->cleared_total += n;
	}
	if (!(counts = counts_json(in, out))) {
		e = ms_error_set(a.err, MS_ERR_NOMEM, NULL);
		goto fail;
	}
	/* when the work ended, by the clock (a given `now` is the scan's
	 * business moment, not its duration) */
	char finished[32];
	ms_date fin_day;
	clock_rfc3339(finished, &fin_day);
	if ((e = ms_store_scan_finish(s, a.scan, finished, counts, a.err)))
		goto fail;
	if (in->dry_run) {
		ms_store_scan_rollback(s);
		goto out;
	}
	if ((e = ms_store_commit(s, a.err)))
		goto fail;
	out->scan_id = a.scan;
	goto out;
fail:
	ms_store_scan_rollback(s);
	memset(out, 0, sizeof *out);
out:
	ms_free(counts);
	ms_arena_free(&a.arena);
	return e;
}

/* ---- labels ---- */

static const char *const state_labels[][3] = {
    {"new", "待派发", "new"},
    {"assigned", "已指派", "assigned"},
    {"verifying", "核查中", "verifying"},
    {"verified", "已核实", "verified"},
    {"returned", "已退回", "returned"},
    {"closed", "已办结", "closed"},
};

/* The kinds a rule may declare (docs/rules.md); each chooses a deadline. */
static const char *const kind_labels[][3] = {
    {"policy_match", "应享未享", "policy match"},
    {"benefit_review", "待遇复核", "benefit review"},
    {"risk", "风险预警", "risk"},
    {"asset_review", "资产核查", "asset review"},
    {"income_review", "收入核查", "income review"},
    {"emergency", "紧急救助", "emergency"},
    {"conflict", "待遇冲突", "conflict"},
    {"visit", "走访关怀", "visit"},
};

const char *ms_alert_state_label(const char *state, bool english)
{
	for (size_t i = 0; state && i < sizeof state_labels / sizeof state_labels[0]; i++)
		if (strcmp(state, state_labels[i][0]) == 0)
			return state_labels[i][english ? 2 : 1];
	return state ? state : "";
}

bool ms_alert_state_valid(const char *state)
{
	for (size_t i = 0; state && i < sizeof state_labels / sizeof state_labels[0]; i++)
		if (strcmp(state, state_labels[i][0]) == 0)
			return true;
	return false;
}

const char *ms_alert_kind_label(const char *kind, bool english)
{
	for (size_t i = 0; kind && i < sizeof kind_labels / sizeof kind_labels[0]; i++)
		if (strcmp(kind, kind_labels[i][0]) == 0)
			return kind_labels[i][english ? 2 : 1];
	return kind ? kind : "";
}
