/* jobs.c — long work started through the API (an import of an uploaded
 * file, a scan) runs on a thread of its own with its own store handle and
 * its own copy of the pack; GET /api/v1/jobs/{id} reads its progress from
 * memory while it runs and its result from the store once it is done, so a
 * finished job survives a restart of the server. */
#include "http/http_impl.h"

#include "base/date.h"
#include "base/log.h"
#include "ingest/import.h"
#include "monitor/scan.h"
#include "people/people.h"
#include "store/store_session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#define JOBS_MAX_RUNNING 4

typedef struct job_run {
	ms_server *srv;
	http_job *job;
	char kind[8];
	char feed[64];
	char path[HTTP_PATH_MAX + 32];
	char name[256];
	char actor[MS_USER_NAME_MAX + 1];
	ms_date as_of;
	bool dry_run;
} job_run;

static void job_progress(void *ctx, const char *stage, uint64_t done, uint64_t total)
{
	http_job *j = ctx;
	pthread_mutex_lock(&j->mu);
	snprintf(j->stage, sizeof j->stage, "%s", stage ? stage : "");
	pthread_mutex_unlock(&j->mu);
	atomic_store(&j->done, done);
	atomic_store(&j->total, total);
}

static json_t *import_json(const job_run *jr, const ms_import_result *res)
{
	const ms_batch_counts *c = &res->counts;
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:b}",
	                 "rows", (json_int_t)c->rows, "accepted", (json_int_t)c->accepted,
	                 "unchanged", (json_int_t)c->unchanged, "updated", (json_int_t)c->updated,
	                 "rejected", (json_int_t)c->rejected, "review", (json_int_t)c->review,
	                 "corrected", (json_int_t)c->corrected, "batch", (json_int_t)res->batch_id,
	                 "feed", jr->feed, "file", jr->name, "sha256", res->sha256, "format",
	                 res->format, "encoding", res->encoding, "already_imported", res->already);
}

static json_t *scan_json(const job_run *jr, const ms_scan_result *res)
{
	char as_of[MS_DATE_STR];
	ms_date_format(jr->as_of, as_of);
	json_t *nw = json_object(), *ap = json_object(), *cl = json_object();
	const ms_scan_summary *s = &res->summary;
	for (size_t i = 0; i < s->nrules; i++) {
		json_object_set_new(nw, s->rules[i].rule, json_integer(s->rules[i].new_alerts));
		json_object_set_new(ap, s->rules[i].rule, json_integer(s->rules[i].appended));
		json_object_set_new(cl, s->rules[i].rule, json_integer(s->rules[i].cleared));
	}
	return json_pack("{s:s, s:b, s:I, s:o, s:o, s:o, s:I, s:I, s:I, s:i, s:i}", "as_of", as_of,
	                 "dry_run", jr->dry_run, "scan", (json_int_t)s->scan_id, "new", nw, "appended",
	                 ap, "cleared", cl, "new_total", (json_int_t)s->new_total, "appended_total",
	                 (json_int_t)s->appended_total, "cleared_total", (json_int_t)s->cleared_total,
	                 "persons", (int)res->persons, "households", (int)res->households);
}

static void *job_main(void *arg)
{
	job_run *jr = arg;
	http_job *j = jr->job;
	ms_server *srv = jr->srv;
	atomic_store(&j->state, 1);
	ms_error err = {0};
	ms_store *s = NULL;
	ms_pack *pack = NULL;
	json_t *result = NULL;
	ms_progress prog = {job_progress, j};
	ms_err e = ms_store_open(srv->db, 0, &s, &err);
	if (!e)
		e = ms_pack_load(srv->o.pack_dir, &pack, &err);
	if (!e)
		e = ms_store_job_set_state(s, j->id, "running", &err);
	if (!e && strcmp(jr->kind, "import") == 0) {
		const ms_feed *f = ms_feed_set_find(&pack->feeds, jr->feed);
		ms_import_opts io = {.feed = jr->feed, .path = jr->path, .name = jr->name,
		                     .actor = jr->actor, .today = ms_date_today(), .progress = &prog};
		ms_import_result res;
		if (!f)
			e = ms_error_set(&err, MS_ERR_INVALID, "政策包中没有数据源 %s / the pack has no feed %s",
			                 jr->feed, jr->feed);
		else
			e = ms_import_run(s, &pack->feeds, &io, &res, &err);
		if (!e) {
			result = import_json(jr, &res);
			/* the search index follows the registry */
			if (f->role != MS_FEED_FACTS) {
				int64_t n = 0;
				ms_error ierr = {0};
				job_progress(j, "index", 0, 0);
				if (ms_people_index_refresh(s, pack, &prog, &n, &ierr))
					ms_log(MS_LOG_WARN, "search index: %s", ms_error_text(&ierr));
			}
		}
	} else if (!e) {
		ms_scan_opts so = {.as_of = jr->as_of, .dry_run = jr->dry_run, .actor = jr->actor,
		                   .progress = &prog};
		ms_scan_result *res = calloc(1, sizeof *res);
		e = res ? ms_scan_run(s, pack, &so, res, &err) : ms_error_set(&err, MS_ERR_NOMEM, NULL);
		if (!e)
			result = scan_json(jr, res);
		free(res);
	}
	if (jr->path[0])
		unlink(jr->path);
	char *rtext = result ? json_dumps(result, JSON_COMPACT) : NULL;
	json_decref(result);
	if (s) {
		ms_error ferr = {0};
		char msg[MS_ERROR_MSG_MAX + 64];
		snprintf(msg, sizeof msg, "%s: %s", ms_err_name(e), ms_error_text(&err));
		if (ms_store_job_finish(s, j->id, e ? "failed" : "done", rtext, e ? msg : NULL, &ferr))
			ms_log(MS_LOG_ERROR, "job %lld: %s", (long long)j->id, ms_error_text(&ferr));
	}
	free(rtext);
	if (e) {
		ms_log(MS_LOG_WARN, "job %lld (%s) failed: %s", (long long)j->id, jr->kind,
		       ms_error_text(&err));
		atomic_fetch_add(&srv->jobs_failed, 1);
	} else {
		atomic_fetch_add(&srv->jobs_done, 1);
	}
	atomic_store(&j->state, e ? 3 : 2);
	atomic_fetch_sub(&srv->jobs_running, 1);
	ms_pack_free(pack);
	ms_store_close(s);
	free(jr);
#ifdef __GLIBC__
	/* a scan's snapshot and an import's buffers are tens of MiB, freed by
	 * now: give the pages back to the system instead of keeping them in
	 * this thread's malloc arena (the soak test saw the server's resident
	 * memory creep up by the size of those free pages) */
	malloc_trim(0);
#endif
	return NULL;
}

void http_job_start(ms_req *r, const http_job_spec *spec)
{
	ms_server *srv = r->srv;
	if (atomic_fetch_add(&srv->jobs_running, 1) >= JOBS_MAX_RUNNING) {
		atomic_fetch_sub(&srv->jobs_running, 1);
		http_error(r, MS_ERR_BUSY, "正在运行的任务已达 %d 个，请稍后再试 / %d jobs are running; try "
		           "again later", JOBS_MAX_RUNNING, JOBS_MAX_RUNNING);
		return;
	}
	job_run *jr = calloc(1, sizeof *jr);
	http_job *j = calloc(1, sizeof *j);
	if (!jr || !j) {
		free(jr);
		free(j);
		atomic_fetch_sub(&srv->jobs_running, 1);
		http_error(r, MS_ERR_NOMEM, NULL);
		return;
	}
	jr->srv = srv;
	jr->job = j;
	snprintf(jr->kind, sizeof jr->kind, "%s", spec->kind);
	snprintf(jr->actor, sizeof jr->actor, "%s", r->user.name);
	json_t *params;
	if (strcmp(spec->kind, "import") == 0) {
		snprintf(jr->feed, sizeof jr->feed, "%s", spec->feed);
		snprintf(jr->name, sizeof jr->name, "%s", spec->name);
		/* the job owns the uploaded file from now on */
		snprintf(jr->path, sizeof jr->path, "%s", spec->path);
		params = json_pack("{s:s, s:s}", "feed", spec->feed, "file", spec->name);
	} else {
		jr->as_of = spec->as_of;
		jr->dry_run = spec->dry_run;
		char d[MS_DATE_STR];
		ms_date_format(spec->as_of, d);
		params = json_pack("{s:s, s:b}", "as_of", d, "dry_run", spec->dry_run);
	}
	char *ptext = params ? json_dumps(params, JSON_COMPACT) : NULL;
	json_decref(params);
	ms_error err = {0};
	const char *scope = r->user.station[0] ? r->user.station : r->user.scope;
	ms_err e = ptext ? ms_store_job_insert(r->store, spec->kind, r->user.name, scope, ptext, &j->id,
	                                       &err)
	                 : ms_error_set(&err, MS_ERR_NOMEM, NULL);
	free(ptext);
	if (e) {
		free(jr);
		free(j);
		atomic_fetch_sub(&srv->jobs_running, 1);
		http_fail(r, e, &err);
		return;
	}
	if (strcmp(spec->kind, "import") == 0)
		r->upload_path[0] = 0; /* not removed when the request ends */
	snprintf(j->kind, sizeof j->kind, "%s", spec->kind);
	snprintf(j->actor, sizeof j->actor, "%s", r->user.name);
	pthread_mutex_init(&j->mu, NULL);
	pthread_mutex_lock(&srv->jobs_mu);
	/* finished jobs leave the list (their outcome is in the store, and
	 * their thread no longer touches them): it holds the running ones, not
	 * every job since the server started */
	for (http_job **pp = &srv->jobs; *pp;) {
		http_job *old = *pp;
		if (atomic_load(&old->state) >= 2) {
			*pp = old->next;
			pthread_mutex_destroy(&old->mu);
			free(old);
		} else {
			pp = &old->next;
		}
	}
	j->next = srv->jobs;
	srv->jobs = j;
	pthread_mutex_unlock(&srv->jobs_mu);
	pthread_t t;
	pthread_attr_t at;
	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	int rc = pthread_create(&t, &at, job_main, jr);
	pthread_attr_destroy(&at);
	if (rc != 0) {
		atomic_store(&j->state, 3);
		atomic_fetch_sub(&srv->jobs_running, 1);
		ms_store_job_finish(r->store, j->id, "failed", NULL, "cannot start a thread", &err);
		if (jr->path[0])
			unlink(jr->path);
		free(jr);
		http_error(r, MS_ERR_BUSY, NULL);
		return;
	}
	http_json(r, 202, json_pack("{s:I}", "job", (json_int_t)j->id));
}

void http_jobs_free(ms_server *srv)
{
	/* wait for running jobs to end (they hold the server's job records) */
	for (int i = 0; i < 6000 && atomic_load(&srv->jobs_running) > 0; i++)
		usleep(10000);
	pthread_mutex_lock(&srv->jobs_mu);
	http_job *j = srv->jobs;
	srv->jobs = NULL;
	pthread_mutex_unlock(&srv->jobs_mu);
	while (j) {
		http_job *n = j->next;
		pthread_mutex_destroy(&j->mu);
		free(j);
		j = n;
	}
}

void h_job_get(ms_req *r)
{
	char *end;
	long long id = strtoll(r->params[0], &end, 10);
	if (*end || id <= 0) {
		http_error(r, MS_ERR_NOT_FOUND, "任务不存在 / no such job");
		return;
	}
	ms_job_row row;
	ms_error err = {0};
	ms_err e = ms_store_job_get(r->store, id, &row, &err);
	if (e) {
		http_fail(r, e, &err);
		return;
	}
	/* a job is seen by the user who started it, and by an admin or officer
	 * whose scope covers the scope it was started in */
	bool mine = strcmp(row.actor, r->user.name) == 0;
	bool over = (r->user.role == MS_ROLE_ADMIN || r->user.role == MS_ROLE_OFFICER) &&
	            !r->via_token && ms_scope_covers(r->user.scope, row.scope);
	if (!mine && !over) {
		http_error(r, MS_ERR_NOT_FOUND, "任务不存在 / no such job");
		return;
	}
	json_t *j = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s?}", "id", (json_int_t)row.id, "kind",
	                      row.kind, "actor", row.actor, "state", row.state, "created",
	                      row.created, "finished", row.finished);
	json_t *params = json_loads(row.params, 0, NULL);
	json_object_set_new(j, "params", params ? params : json_object());
	/* progress while it runs in this server */
	pthread_mutex_lock(&r->srv->jobs_mu);
	for (http_job *hj = r->srv->jobs; hj; hj = hj->next) {
		if (hj->id != id)
			continue;
		int st = atomic_load(&hj->state);
		if (st <= 1) {
			pthread_mutex_lock(&hj->mu);
			json_object_set_new(j, "progress",
			                    json_pack("{s:s, s:I, s:I}", "stage", hj->stage, "done",
			                              (json_int_t)atomic_load(&hj->done), "total",
			                              (json_int_t)atomic_load(&hj->total)));
			pthread_mutex_unlock(&hj->mu);
		}
	}
	pthread_mutex_unlock(&r->srv->jobs_mu);
	if (row.result) {
		json_t *res = json_loads(row.result, 0, NULL);
		if (res)
			json_object_set_new(j, "result", res);
	}
	if (row.error)
		json_object_set_new(j, "error", json_string(row.error));
	http_json(r, 200, j);
}
