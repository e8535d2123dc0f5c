/* scan.c — one scan from end to end: snapshot, compiled rules over every
 * subject, an explanation for each hit, then the alert store. */
#include "monitor/scan.h"

#include "base/arena.h"
#include "base/mem.h"
#include "base/money.h"
#include "ingest/import.h"
#include "model/idnum.h"
#include "monitor/snapshot.h"
#include "rules/exec.h"
#include "rules/explain.h"
#include "rules/plan.h"
#include "store/store_records.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int deadline_cb(void *ctx, const char *kind)
{
	const ms_pack *pack = ((const void **)ctx)[0];
	const ms_date *d = ((const void **)ctx)[1];
	return ms_pack_deadline_days(pack, kind, *d);
}

/* A canonical value as an officer reads it: money in yuan, decimals with
 * their point. */
static void value_text(const ms_feed_column *c, const char *v, size_t n, char *out, size_t cap)
{
	char tmp[128];
	size_t k = n < sizeof tmp - 1 ? n : sizeof tmp - 1;
	memcpy(tmp, v, k);
	tmp[k] = '\0';
	if (k && (c->type == MS_COL_MONEY || (c->type == MS_COL_DECIMAL && c->scale > 0))) {
		char *end;
		long long x = strtoll(tmp, &end, 10);
		if (!*end) {
			if (c->type == MS_COL_MONEY) {
				char m[MS_MONEY_STR];
				ms_money_format(x, 0, m);
				snprintf(out, cap, "%s", m);
				return;
			}
			long long div = 1;
			for (int i = 0; i < c->scale; i++)
				div *= 10;
			snprintf(out, cap, "%s%lld.%0*lld", x < 0 ? "-" : "", (x < 0 ? -x : x) / div, c->scale,
			         (x < 0 ? -x : x) % div);
			return;
		}
	}
	snprintf(out, cap, "%s", tmp);
}

static const char *subject_type_name(ms_domain d) { return d == DOM_PERSON ? "person" : "household"; }

/* Builds the explanation JSON and the evidence of one hit. */
static ms_err explain_hit(ms_store *s, const ms_pack *pack, const ms_snapshot *snap, int rule,
                          int32_t subject, ms_date d, ms_arena *arena, ms_hit *hit, ms_error *err)
{
	ms_explanation *ex = ms_malloc(sizeof *ex);
	if (!ex)
		return ms_error_set(err, MS_ERR_NOMEM, NULL);
	ms_err rc = ms_explain(pack, snap, rule, subject, d, ex, err);
	if (rc) {
		ms_free(ex);
		return rc;
	}
	const ms_rule *r = &pack->rules[rule];
	bool person = r->subject == DOM_PERSON;
	const char *subj = person ? snap->idno[subject] : snap->hhid[subject];
	const char *area = person ? snap->areas.str[snap->area[subject]]
	                          : snap->areas.str[snap->hh_area[subject]];
	char ds[MS_DATE_STR];
	ms_date_format(d, ds);
	json_t *j = json_object();
	json_object_set_new(j, "rule", json_string(r->id));
	json_object_set_new(j, "title", json_string(r->title ? r->title : ""));
	json_object_set_new(j, "kind", json_string(r->kind));
	json_object_set_new(j, "subject_type", json_string(subject_type_name(r->subject)));
	json_object_set_new(j, "subject", json_string(subj));
	json_object_set_new(j, "area", json_string(area ? area : ""));
	json_object_set_new(j, "as_of", json_string(ds));
	json_object_set_new(j, "pack", json_string(pack->version));
	json_object_set_new(j, "condition", json_stringn(r->when_src, r->when_len));
	json_t *terms = json_array();
	for (int i = 0; i < ex->nterms; i++)
		json_array_append_new(terms, json_pack("{s:s%, s:s}", "text", ex->terms[i]->src,
		                                       ex->terms[i]->src_len, "value", ex->term_values[i]));
	json_object_set_new(j, "terms", terms);
	json_t *params = json_array();
	for (int i = 0; i < ex->nparams; i++) {
		const ms_param *p = &pack->params[ex->params[i].param];
		const ms_param_value *v = ex->params[i].value;
		char val[512], from[MS_DATE_STR];
		ms_pack_param_format(p, v, val, sizeof val);
		ms_date_format(v->from, from);
		json_array_append_new(params, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "name", p->name,
		                                        "title", p->title ? p->title : "", "type",
		                                        ms_type_name(p->type), "value", val, "area", v->area,
		                                        "from", from, "source", v->source));
	}
	json_object_set_new(j, "params", params);
	json_t *facts = json_array();
	ms_evidence *ev = ex->nfacts ? ms_arena_alloc(arena, sizeof *ev * (size_t)ex->nfacts) : NULL;
	int nev = 0;
	if (ex->nfacts && !ev)
		rc = ms_error_set(err, MS_ERR_NOMEM, NULL);
	for (int i = 0; i < ex->nfacts && !rc; i++) {
		const ms_feed *f = pack->feeds.feeds[ex->facts[i].feed];
		const ms_snap_feed *sf = ms_snapshot_feed(snap, f->name);
		int64_t rid = (int64_t)sf->record_id[ex->facts[i].row];
		ms_record rec;
		const char *feedname;
		rc = ms_store_record_get(s, rid, &rec, &feedname, err);
		if (rc)
			break;
		json_t *vals = json_object();
		for (int c = 0; c < f->n_cols; c++) {
			size_t n;
			const char *v = ms_vals_field(rec.vals, c, &n);
			char text[256];
			value_text(&f->cols[c], v ? v : "", v ? n : 0, text, sizeof text);
			json_object_set_new(vals, f->cols[c].name, json_string(text));
		}
		const char *who = snap->idno[ex->facts[i].person];
		json_array_append_new(facts, json_pack("{s:s, s:s, s:I, s:I, s:I, s:s, s:s, s:o}", "feed",
		                                       f->name, "feed_title", f->title ? f->title : f->name,
		                                       "record", (json_int_t)rid, "batch",
		                                       (json_int_t)rec.batch_id, "row", (json_int_t)rec.row,
		                                       "person", who, "key", rec.nkey, "values", vals));
		ev[nev].feed = ms_arena_strdup(arena, f->name);
		ev[nev].record_id = rid;
		ev[nev].batch_id = rec.batch_id;
		ev[nev].row = rec.row;
		ev[nev].nkey = ms_arena_strdup(arena, rec.nkey);
		ev[nev].vals = ms_arena_strdup(arena, rec.vals);
		ev[nev].person = ms_arena_strdup(arena, who);
		if (!ev[nev].feed || !ev[nev].nkey || !ev[nev].vals || !ev[nev].person)
			rc = ms_error_set(err, MS_ERR_NOMEM, NULL);
		nev++;
	}
	json_object_set_new(j, "facts", facts);
	if (ex->facts_truncated)
		json_object_set_new(j, "facts_truncated", json_true());
	if (!rc) {
		char *txt = json_dumps(j, JSON_COMPACT);
		hit->explanation_json = txt ? ms_arena_strdup(arena, txt) : NULL;
		free(txt);
		hit->rule = r->id;
		hit->kind = r->kind;
		hit->subject_type = person ? MS_SUBJECT_PERSON : MS_SUBJECT_HOUSEHOLD;
		hit->subject = subj;
		hit->area = area ? area : "";
		hit->residence_permit = person && ms_id_is_residence_permit(subj);
		hit->evidence = ev;
		hit->nevidence = (size_t)nev;
		if (!hit->explanation_json)
			rc = ms_error_set(err, MS_ERR_NOMEM, NULL);
	}
	json_decref(j);
	ms_free(ex);
	return rc;
}

/* The snapshot file of a database: "<db>.snapshot" beside it; NULL for a
 * database that is not a plain file (in memory, a URI). */
static char *snapshot_path(ms_store *s)
{
	const char *db = ms_store_url(s);
	if (!db || !*db || db[0] == ':' || strncmp(db, "file:", 5) == 0 || strstr(db, "://"))
		return NULL;
	size_t n = strlen(db) + sizeof ".snapshot";
	char *p = ms_malloc(n);
	if (p)
		snprintf(p, n, "%s.snapshot", db);
	return p;
}

typedef struct batch_list {
	const int64_t *want;
	uint32_t n, seen;
	bool same;
} batch_list;

static int batch_cmp(void *ctx, int64_t batch_id, int64_t feed_id)
{
	batch_list *b = ctx;
	if (b->seen >= b->n || b->want[b->seen] != batch_id)
		b->same = false;
	b->seen++;
	return 0;
}

/* The identity of the database file (device, inode). */
static void db_identity(ms_store *s, uint64_t id[2])
{
	struct stat st;
	id[0] = id[1] = 0;
	if (stat(ms_store_url(s), &st) == 0) {
		id[0] = (uint64_t)st.st_dev;
		id[1] = (uint64_t)st.st_ino;
	}
}

/* The snapshot file when it reflects exactly the store's published batches
 * and records (the same highest record id), was built from this database
 * file and written for these feeds; NULL otherwise (a damaged or old file is
 * reported on stderr, then rebuilt over). */
static ms_snapshot *snapshot_cached(ms_store *s, const ms_pack *pack, const char *path)
{
	ms_snapshot *snap = NULL;
	ms_error lerr;
	ms_error_clear(&lerr);
	ms_err rc = ms_snapshot_load(path, &pack->feeds, &snap, &lerr);
	if (rc) {
		if (rc != MS_ERR_NOT_FOUND)
			fprintf(stderr, "警告：快照文件不可用，重新生成 (warning: snapshot file not used, rebuilding): %s\n",
			        ms_error_text(&lerr));
		return NULL;
	}
	batch_list bl = {.want = snap->batches, .n = snap->nbatches, .same = true};
	ms_error berr;
	ms_error_clear(&berr);
	if (ms_store_published_batches(s, batch_cmp, &bl, &berr) || !bl.same || bl.seen != bl.n) {
		ms_snapshot_free(snap);
		return NULL;
	}
	uint64_t id[2];
	int64_t max_id = -1;
	db_identity(s, id);
	if (ms_store_record_max_id(s, &max_id, &berr) || max_id != snap->max_record_id ||
	    id[0] != snap->source[0] || id[1] != snap->source[1]) {
		ms_snapshot_free(snap);
		return NULL;
	}
	return snap;
}

ms_err ms_scan_snapshot(ms_store *s, const ms_pack *pack, const ms_progress *progress,
                        ms_snapshot **out, const char **source, ms_error *err)
{
	ms_snapshot *snap = NULL;
	ms_err rc = MS_ERR_OK;
	char *path = snapshot_path(s);
	if (path)
		snap = snapshot_cached(s, pack, path);
	if (snap) {
		*source = "loaded";
	} else {
		*source = "built";
		rc = ms_snapshot_build(s, &pack->feeds, progress, &snap, err);
		if (!rc && path) {
			/* a file that cannot be written costs the next scan a build,
			 * not this scan its result */
			ms_error serr;
			ms_error_clear(&serr);
			db_identity(s, snap->source);
			if (ms_snapshot_save(snap, &pack->feeds, path, &serr))
				fprintf(stderr, "警告：未能保存快照文件 (warning: snapshot file not saved): %s\n",
				        ms_error_text(&serr));
		}
	}
	ms_free(path);
	*out = rc ? NULL : snap;
	return rc;
}

ms_err ms_scan_run(ms_store *s, const ms_pack *pack, const ms_scan_opts *o, ms_scan_result *res,
                   ms_error *err)
{
	memset(res, 0, sizeof *res);
	ms_snapshot *snap = NULL;
	ms_plan *plan = NULL;
	ms_rule_hits hits;
	memset(&hits, 0, sizeof hits);
	ms_hit *all = NULL;
	ms_arena arena;
	ms_arena_init(&arena, 1 << 20, 0);
	double t0 = now_s();
	ms_progress_report(o->progress, "快照 snapshot", 0, 0);
	ms_err rc = ms_scan_snapshot(s, pack, o->progress, &snap, &res->snapshot_source, err);
	if (rc)
		goto out;
	res->persons = snap->npersons;
	res->households = snap->nhouseholds;
	double t1 = now_s();
	res->snapshot_seconds = t1 - t0;
	ms_progress_report(o->progress, "规则 rules", 0, 0);
	if ((rc = ms_plan_compile(pack, o->as_of, &plan, err)))
		goto out;
	if ((rc = ms_plan_run(plan, snap, &hits, err)))
		goto out;
	double t2 = now_s();
	res->rules_seconds = t2 - t1;
	res->rules_peak_bytes = hits.peak_bytes;
	size_t total = 0;
	for (int i = 0; i < pack->nrules; i++) {
		res->hits[i] = (int64_t)hits.n[i];
		total += hits.n[i];
	}
	all = ms_calloc(total ? total : 1, sizeof *all);
	if (!all) {
		rc = ms_error_set(err, MS_ERR_NOMEM, NULL);
		goto out;
	}
	/* rule ids sorted, subjects in index order (= identity-number or
	 * household-id order): the order ms_alerts_apply expects */
	int order[MS_PACK_MAX_RULES];
	for (int i = 0; i < pack->nrules; i++)
		order[i] = i;
	for (int i = 1; i < pack->nrules; i++)
		for (int k = i; k > 0 && strcmp(pack->rules[order[k - 1]].id, pack->rules[order[k]].id) > 0; k--) {
			int t = order[k];
			order[k] = order[k - 1];
			order[k - 1] = t;
		}
	size_t w = 0, done = 0;
	for (int oi = 0; oi < pack->nrules && !rc; oi++) {
		int i = order[oi];
		for (size_t h = 0; h < hits.n[i] && !rc; h++) {
			rc = explain_hit(s, pack, snap, i, hits.subjects[i][h], o->as_of, &arena, &all[w], err);
			if (!rc)
				w++;
			if ((++done & 255) == 0)
				ms_progress_report(o->progress, "解释 explain", done, total);
		}
	}
	if (rc)
		goto out;
	double t3 = now_s();
	res->explain_seconds = t3 - t2;
	const char *rule_ids[MS_PACK_MAX_RULES];
	for (int i = 0; i < pack->nrules; i++)
		rule_ids[i] = pack->rules[order[i]].id;
	const void *dctx[2] = {pack, &o->as_of};
	ms_scan_input in = {.as_of = o->as_of,
	                    .pack_version = pack->version,
	                    .province = pack->province,
	                    .rules = rule_ids,
	                    .nrules = (size_t)pack->nrules,
	                    .hits = all,
	                    .nhits = w,
	                    .calendar = &pack->calendar,
	                    .deadline_days = deadline_cb,
	                    .deadline_ctx = (void *)dctx,
	                    .actor = o->actor ? o->actor : "",
	                    .dry_run = o->dry_run};
	ms_progress_report(o->progress, "预警 alerts", 0, 0);
	rc = ms_alerts_apply(s, &in, &res->summary, err);
	res->alerts_seconds = now_s() - t3;
out:
	ms_free(all);
	ms_arena_free(&arena);
	ms_rule_hits_free(&hits);
	ms_plan_free(plan);
	ms_snapshot_free(snap);
	return rc;
}
