/* index.c — the search index of persons (table person_index) kept up to
 * date with the registry's persons feed.
 *
 * What was indexed is kept in meta (PEOPLE_MARK_KEY): "2 FEED BATCH
 * REVOKED" — the feed id, the newest published batch indexed and the number
 * of the feed's revoked batches then. A refresh compares it with the feed's
 * batches and does:
 *   - nothing when they are the same (two small reads);
 *   - an incremental pass when only newer batches were published: their
 *     records, read by record id range, are written over the entries (a
 *     newer version of a key always comes in a newer batch, and records
 *     are never deleted from a published batch); when they stored more
 *     than INCREMENTAL_MAX records, a rebuild instead;
 *   - a full build when a batch was revoked (a key's current version may
 *     then be an older one, or none), the feed changed, or no build ever
 *     finished. Every current record is read in chunks of short
 *     transactions, so that imports and alert transitions are never held
 *     up for long. A first build fills an empty table without its
 *     secondary indexes and creates them at the end; a rebuild over a full
 *     index writes only the entries that changed, notes every person seen
 *     and then deletes the others, so the index stays searchable
 *     throughout. A claim in meta (PEOPLE_BUILDING_KEY) keeps two
 *     processes from building at once. */
#include "people/people_impl.h"

#include "base/mem.h"
#include "ingest/import.h"
#include "people/pinyin.h"
#include "store/store_people.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define CHUNK_ROWS 20000
/* new records above which a rebuild (in chunks) replaces the incremental
 * pass (one transaction) */
#define INCREMENTAL_MAX 50000
/* a claim older than this is taken to be a build that died */
#define CLAIM_SECONDS (15 * 60)

typedef struct mark {
	bool set;
	int64_t feed, batch, revoked;
} mark;

typedef struct idx {
	ms_store *s;
	const ms_feed *f;
	ms_pinyin *py;
	int phone_col;
	bool track; /* note the persons seen (a rebuild over a full index) */
	int64_t written;
	const ms_progress *progress;
	ms_error *err;
	ms_err rc;
} idx;

static ms_err mark_read(ms_store *s, mark *m, ms_error *err)
{
	memset(m, 0, sizeof *m);
	char v[128];
	ms_err e = ms_store_people_meta_get(s, PEOPLE_MARK_KEY, v, sizeof v, err);
	if (e == MS_ERR_NOT_FOUND)
		return MS_ERR_OK;
	if (e)
		return e;
	int version = 0;
	if (sscanf(v, "%d %" SCNd64 " %" SCNd64 " %" SCNd64, &version, &m->feed, &m->batch,
	           &m->revoked) == 4 &&
	    version == 2)
		m->set = true;
	return MS_ERR_OK;
}

static ms_err mark_write(ms_store *s, const mark *m, ms_error *err)
{
	char v[128];
	snprintf(v, sizeof v, "2 %" PRId64 " %" PRId64 " %" PRId64, m->feed, m->batch, m->revoked);
	return ms_store_people_meta_put(s, PEOPLE_MARK_KEY, v, err);
}

/* Whether another build holds a live claim. */
static ms_err claimed(ms_store *s, bool *live, ms_error *err)
{
	*live = false;
	char v[32];
	ms_err e = ms_store_people_meta_get(s, PEOPLE_BUILDING_KEY, v, sizeof v, err);
	if (e == MS_ERR_NOT_FOUND)
		return MS_ERR_OK;
	if (e)
		return e;
	long long at = 0;
	if (sscanf(v, "%lld", &at) == 1) {
		long long now = (long long)time(NULL);
		*live = at <= now && now - at < CLAIM_SECONDS;
	}
	return MS_ERR_OK;
}

static void reverse(const char *in, char *out, size_t cap)
{
	size_t n = strlen(in);
	if (n >= cap)
		n = cap - 1;
	for (size_t i = 0; i < n; i++)
		out[i] = in[n - 1 - i];
	out[n] = '\0';
}

static int put_record(void *ctx, const ms_people_rec *r)
{
	idx *x = ctx;
	const ms_feed *f = x->f;
	char idno[64], hh[256], area[32], name[256], phone[32];
	people_field(r->vals, f->person_col, idno, sizeof idno);
	if (!idno[0])
		return 0;
	people_field(r->vals, f->household_col, hh, sizeof hh);
	if (r->area)
		snprintf(area, sizeof area, "%s", r->area);
	else
		people_field(r->vals, f->area_col, area, sizeof area);
	people_field(r->vals, f->name_col, name, sizeof name);
	people_field(r->vals, x->phone_col, phone, sizeof phone);
	char py[256], ini[64], rid[64], rph[32];
	ms_pinyin_name(x->py, name, py, sizeof py, ini, sizeof ini);
	reverse(idno, rid, sizeof rid);
	reverse(phone, rph, sizeof rph);
	ms_people_entry e = {.idno = idno,
	                     .household = hh,
	                     .area = area,
	                     .name = name,
	                     .pinyin = py,
	                     .initials = ini,
	                     .phone = phone,
	                     .rev_idno = rid,
	                     .rev_phone = rph};
	x->rc = ms_store_people_index_put(x->s, &e, x->track, x->err);
	if (x->rc)
		return 1;
	x->written++;
	if (x->written % 4096 == 0)
		ms_progress_report(x->progress, "索引 indexing", (uint64_t)x->written, 0);
	return 0;
}

/* The incremental pass, in one transaction: newer batches are a month's
 * changes, small next to the registry. *full is set when, inside the
 * transaction, a full build turns out to be needed after all. */
static ms_err refresh_incremental(idx *x, int64_t feed_id, bool *full, ms_error *err)
{
	*full = false;
	ms_err e = ms_store_begin_write(x->s, err);
	if (e)
		return e;
	mark m;
	int64_t maxpub, revoked;
	bool live;
	if ((e = mark_read(x->s, &m, err)) || (e = claimed(x->s, &live, err)) ||
	    (e = ms_store_people_feed_state(x->s, feed_id, &maxpub, &revoked, err)))
		goto fail;
	if (live || (m.set && m.feed == feed_id && m.batch == maxpub && m.revoked == revoked)) {
		ms_store_rollback(x->s);
		return MS_ERR_OK; /* another build runs, or another refresh did it */
	}
	int64_t fresh = 0;
	if (m.set && m.feed == feed_id && m.revoked == revoked && m.batch < maxpub &&
	    (e = ms_store_people_new_count(x->s, feed_id, m.batch, maxpub, &fresh, err)))
		goto fail;
	/* a whole registry sent again is better read in the chunks of a
	 * rebuild than written in one long transaction */
	if (!m.set || m.feed != feed_id || m.revoked != revoked || m.batch > maxpub ||
	    fresh > INCREMENTAL_MAX) {
		ms_store_rollback(x->s);
		*full = true;
		return MS_ERR_OK;
	}
	x->track = false;
	e = ms_store_people_new_records(x->s, feed_id, m.batch, maxpub, put_record, x, err);
	if (!e)
		e = x->rc;
	if (e)
		goto fail;
	m.batch = maxpub;
	if ((e = mark_write(x->s, &m, err)))
		goto fail;
	return ms_store_commit(x->s, err);
fail:
	ms_store_rollback(x->s);
	return e;
}

static void unclaim(ms_store *s)
{
	if (ms_store_begin_write(s, NULL))
		return;
	if (ms_store_people_meta_del(s, PEOPLE_BUILDING_KEY, NULL) || ms_store_commit(s, NULL))
		ms_store_rollback(s);
}

static ms_err refresh_full(idx *x, int64_t feed_id, ms_error *err)
{
	/* 1. claim the build, note what it will stand for, and start it */
	ms_err e = ms_store_begin_write(x->s, err);
	if (e)
		return e;
	mark m;
	int64_t maxpub, revoked;
	bool live, empty;
	if ((e = mark_read(x->s, &m, err)) || (e = claimed(x->s, &live, err)) ||
	    (e = ms_store_people_feed_state(x->s, feed_id, &maxpub, &revoked, err)) ||
	    (e = ms_store_people_index_empty(x->s, &empty, err))) {
		ms_store_rollback(x->s);
		return e;
	}
	if (live || (m.set && m.feed == feed_id && m.batch == maxpub && m.revoked == revoked)) {
		ms_store_rollback(x->s);
		return MS_ERR_OK;
	}
	/* no build ever finished (a first one, or one that died half-way):
	 * fill the table from empty and index it at the end */
	bool bulk = empty || !m.set;
	char now[32];
	snprintf(now, sizeof now, "%lld", (long long)time(NULL));
	/* a first build forgets the old mark, so that one dying half-way is
	 * followed by a full build again, never by an incremental pass over a
	 * table without its indexes */
	if ((e = ms_store_people_meta_put(x->s, PEOPLE_BUILDING_KEY, now, err)) ||
	    (bulk && (e = ms_store_people_index_bulk_begin(x->s, err))) ||
	    (bulk && (e = ms_store_people_meta_del(x->s, PEOPLE_MARK_KEY, err))) ||
	    (e = ms_store_commit(x->s, err))) {
		ms_store_rollback(x->s);
		return e;
	}
	x->track = !bulk;
	if (x->track && (e = ms_store_people_seen_begin(x->s, err))) {
		unclaim(x->s);
		return e;
	}
	/* 2. every current record, chunk by chunk in key order; a
	 * batch published meanwhile is picked up by the next refresh, since the
	 * mark will name maxpub as read in step 1 */
	char *resume = NULL;
	bool first = true;
	for (;;) {
		if ((e = ms_store_begin_write(x->s, err)))
			break;
		const char *last = NULL;
		e = ms_store_people_current_chunk(x->s, feed_id, first ? NULL : resume, CHUNK_ROWS,
		                                  put_record, x, &last, err);
		if (!e)
			e = x->rc;
		char *next = NULL;
		if (!e && last && !(next = ms_strdup(last)))
			e = ms_error_set(err, MS_ERR_NOMEM, NULL);
		if (!e)
			e = ms_store_commit(x->s, err);
		if (e) {
			ms_store_rollback(x->s);
			ms_free(next);
			break;
		}
		ms_free(resume);
		resume = next;
		first = false;
		if (!resume)
			break;
	}
	ms_free(resume);
	if (e) {
		unclaim(x->s);
		return e;
	}
	/* 3. delete who was not seen (a rebuild) or index the rows (a first
	 * build), and mark it done */
	if ((e = ms_store_begin_write(x->s, err))) {
		unclaim(x->s);
		return e;
	}
	int64_t pruned = 0;
	mark done = {true, feed_id, maxpub, revoked};
	if ((x->track && (e = ms_store_people_seen_prune(x->s, &pruned, err))) ||
	    (e = ms_store_people_index_finish(x->s, err)) || (e = mark_write(x->s, &done, err)) ||
	    (e = ms_store_people_meta_del(x->s, PEOPLE_BUILDING_KEY, err)) ||
	    (e = ms_store_commit(x->s, err))) {
		ms_store_rollback(x->s);
		unclaim(x->s);
		return e;
	}
	return MS_ERR_OK;
}

/* Whether the index is behind, without writing. */
static ms_err stale(ms_store *s, int64_t feed_id, bool *behind, ms_error *err)
{
	mark m;
	int64_t maxpub, revoked;
	ms_err e;
	if ((e = mark_read(s, &m, err)) ||
	    (e = ms_store_people_feed_state(s, feed_id, &maxpub, &revoked, err)))
		return e;
	*behind = !(m.set && m.feed == feed_id && m.batch == maxpub && m.revoked == revoked);
	return MS_ERR_OK;
}

ms_err ms_people_index_refresh(ms_store *s, const ms_pack *pack, const ms_progress *progress,
                               int64_t *n, ms_error *err)
{
	if (n)
		*n = 0;
	const ms_feed *f = pack ? ms_feed_set_role(&pack->feeds, MS_FEED_PERSONS) : NULL;
	if (!f || f->person_col < 0)
		return ms_error_set(err, MS_ERR_PACK,
		                    "政策包没有人员登记表 (the pack has no persons registry feed)");
	int64_t feed_id;
	ms_err e = ms_store_people_feed(s, f->name, &feed_id, err);
	if (e == MS_ERR_NOT_FOUND)
		return MS_ERR_OK; /* nothing imported yet: nothing to index */
	if (e)
		return e;
	bool behind;
	if ((e = stale(s, feed_id, &behind, err)) || !behind)
		return e;
	idx x = {.s = s,
	         .f = f,
	         .phone_col = people_col_of_type(f, MS_COL_PHONE),
	         .progress = progress,
	         .err = err};
	if ((e = ms_pinyin_open(&x.py, err)))
		return e;
	bool full = false;
	e = refresh_incremental(&x, feed_id, &full, err);
	if (!e && full)
		e = refresh_full(&x, feed_id, err);
	ms_pinyin_close(x.py);
	if (!e)
		ms_progress_report(progress, "索引 indexing", (uint64_t)x.written,
		                   (uint64_t)x.written);
	if (n)
		*n = x.written;
	return e;
}
