/* snapshot.c — building the columnar snapshot from the store's current
 * records: the scan (snapshot_scan.c) gives one raw table per feed in record
 * id order; here rows are grouped by person, superseded versions dropped, and
 * persons, households and their areas and names derived (SPEC §3.3). */
#include "monitor/snapshot.h"

#include "base/mem.h"
#include "model/idnum.h"
#include "monitor/snapshot_impl.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

static void free_feed(ms_snap_feed *f, const ms_snapshot *snap);

struct ms_snap_strings {
	snap_pool pools[2];
};

/* What phase "group" leaves for each feed with owners. */
typedef struct feed_work {
	uint32_t *perm;   /* raw row at each position: by owner, then id order */
	uint64_t *ukey;   /* the distinct owners' keys, ascending */
	uint32_t *gend;   /* end position of each owner's rows */
	size_t ngroups;
	ms_snap_feed *out;
	uint64_t *keys[MS_FEED_MAX_COLUMNS]; /* RAW_KEY columns, in final order */
} feed_work;

typedef struct build {
	ms_snapshot *snap;
	const ms_feed_set *feeds;
	raw_feed *raw;
	feed_work *w;
	int *order; /* every feed kept, largest first */
	int norder;
	const int *jobs; /* the feeds feed_job works on */
	int persons_k, households_k; /* indexes in the set, -1 none */
	uint64_t *pkeys;             /* persons' keys, sorted */
	ms_snap_feed reg;            /* the persons feed grouped like facts */
	/* households */
	uint32_t *hh_of_id; /* household dictionary id → household index */
	uint32_t *hh_area_id; /* household index → id in its area column */
	snap_scratch scratch[2][2]; /* per worker: two buffers reused by jobs */
} build;

static double now_mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The build allocates, shrinks and frees arrays of tens of megabytes.
 * glibc raises its mmap threshold (up to 32 MB) after the first such array
 * is freed, so later ones come from the heap, where the holes they leave
 * stay resident: at province scale about 200 MB more at the peak. A fixed
 * threshold keeps every large array in a mapping of its own, returned to
 * the system whole when freed. Process-wide, set once, harmless elsewhere. */
static void malloc_tuning(void)
{
#ifdef __GLIBC__
	mallopt(M_MMAP_THRESHOLD, 1 << 20);
#endif
}

/* ---- phase 1: sort each feed's rows by owner ---- */

static ms_err group_job(void *ctx, int j, int worker, ms_error *err)
{
	build *b = ctx;
	int k = b->order[j];
	raw_feed *rf = &b->raw[k];
	feed_work *w = &b->w[k];
	size_t n = rf->n;
	if (!rf->owner || n == 0)
		return MS_ERR_OK;
	/* the largest feeds come first, so the buffers are allocated once */
	snap_kv *kv = ms_snap_scratch(&b->scratch[worker][0], n * sizeof *kv),
	        *tmp = ms_snap_scratch(&b->scratch[worker][1], n * sizeof *tmp);
	if (!kv || !tmp)
		return ms_error_set(err, MS_ERR_NOMEM, NULL);
	for (size_t i = 0; i < n; i++) {
		kv[i].key = rf->owner[i];
		kv[i].idx = (uint32_t)i;
	}
	ms_err rc = ms_snap_radix_sort(kv, tmp, n);
	if (rc)
		return ms_error_set(err, rc, NULL);
	ms_free(rf->owner);
	rf->owner = NULL;
	size_t ng = 1;
	for (size_t i = 1; i < n; i++)
		ng += kv[i].key != kv[i - 1].key;
	w->perm = ms_malloc(n * sizeof *w->perm);
	w->ukey = ms_malloc(ng * sizeof *w->ukey);
	w->gend = ms_malloc(ng * sizeof *w->gend);
	if (!w->perm || !w->ukey || !w->gend)
		return ms_error_set(err, MS_ERR_NOMEM, NULL);
	size_t g = 0;
	for (size_t i = 0; i < n; i++) {
		w->perm[i] = kv[i].idx;
		if (i + 1 == n || kv[i + 1].key != kv[i].key) {
			w->ukey[g] = kv[i].key;
			w->gend[g++] = (uint32_t)(i + 1);
		}
	}
	w->ngroups = ng;
	return MS_ERR_OK;
}

/* ---- phase 2: the persons ---- */

static uint64_t *merge_unique(const uint64_t *a, size_t na, const uint64_t *b, size_t nb,
                              size_t *nout)
{
	uint64_t *m = ms_malloc((na + nb ? na + nb : 1) * sizeof *m);
	if (!m)
		return NULL;
	size_t i = 0, j = 0, n = 0;
	while (i < na || j < nb) {
		uint64_t v;
		if (j == nb || (i < na && a[i] <= b[j]))
			v = a[i++];
		else
			v = b[j++];
		if (n == 0 || m[n - 1] != v)
			m[n++] = v;
	}
	*nout = n;
	return m;
}

static ms_err collect_persons(build *b, ms_error *err)
{
	uint64_t *acc = NULL;
	size_t nacc = 0;
	for (int k = 0; k < b->feeds->n; k++) {
		feed_work *w = &b->w[k];
		if (!w->ngroups)
			continue;
		size_t n;
		uint64_t *m = merge_unique(acc, nacc, w->ukey, w->ngroups, &n);
		if (!m) {
			ms_free(acc);
			return ms_error_set(err, MS_ERR_NOMEM, NULL);
		}
		ms_free(acc);
		acc = m;
		nacc = n;
	}
	if (nacc >= INT32_MAX) {
		ms_free(acc);
		return ms_error_set(err, MS_ERR_TOO_LARGE, "快照人数过多 (snapshot: too many persons)");
	}
	b->pkeys = acc;
	b->snap->npersons = (uint32_t)nacc;
	return MS_ERR_OK;
}

#define PERSON_CHUNKS 16

static ms_err persons_job(void *ctx, int j, int worker, ms_error *err)
{
	(void)worker;
	build *b = ctx;
	ms_snapshot *snap = b->snap;
	size_t np = snap->npersons, lo = np * (size_t)j / PERSON_CHUNKS,
	       hi = np * (size_t)(j + 1) / PERSON_CHUNKS;
	for (size_t p = lo; p < hi; p++) {
		ms_snap_idkey_str(b->pkeys[p], snap->idno[p]);
		snap->birth[p] = ms_id_birth(snap->idno[p]);
		snap->sex[p] = (uint8_t)ms_id_sex(snap->idno[p]);
		snap->idnos.str[p + 1] = snap->idno[p];
	}
	return MS_ERR_OK;
}

static ms_err alloc_persons(build *b, ms_error *err)
{
	ms_snapshot *snap = b->snap;
	size_t np = snap->npersons, n = np ? np : 1;
	snap->idno = ms_malloc(n * sizeof *snap->idno);
	snap->birth = ms_malloc(n * sizeof *snap->birth);
	snap->sex = ms_malloc(n);
	snap->in_registry = ms_calloc(n, 1);
	snap->household = ms_malloc(n * sizeof *snap->household);
	snap->father = ms_malloc(n * sizeof *snap->father);
	snap->mother = ms_malloc(n * sizeof *snap->mother);
	snap->has_father = ms_calloc(n, 1);
	snap->has_mother = ms_calloc(n, 1);
	snap->area = ms_malloc(n * sizeof *snap->area);
	snap->name = ms_calloc(n, sizeof *snap->name);
	snap->idnos.str = ms_malloc((np + 1) * sizeof *snap->idnos.str);
	if (!snap->idno || !snap->birth || !snap->sex || !snap->in_registry || !snap->household ||
	    !snap->father || !snap->mother || !snap->has_father || !snap->has_mother || !snap->area ||
	    !snap->name || !snap->idnos.str)
		return ms_error_set(err, MS_ERR_NOMEM, NULL);
	snap->idnos.str[0] = "";
	snap->idnos.n = (uint32_t)np + 1;
	for (size_t p = 0; p < np; p++) {
		snap->household[p] = snap->father[p] = snap->mother[p] = -1;
		snap->area[p] = UINT32_MAX;
	}
	return ms_snap_jobs(PERSON_CHUNKS, persons_job, b, err);
}

/* ---- phase 3: each feed's rows in their final order ---- */

/* Whether raw row a comes before raw row c in import order: (batch, row). */
static bool imported_before(const raw_feed *rf, uint32_t a, uint32_t c)
{
	if (rf->batch_id[a] != rf->batch_id[c])
		return rf->batch_id[a] < rf->batch_id[c];
	return !rf->row_no || rf->row_no[a] <= rf->row_no[c];
}

/* The rows of one owner in import order. Records arrive in id order, which
 * is import order except for rows linked from the review queue later, so
 * this rarely has anything to do. */
static void order_group(const raw_feed *rf, uint32_t *perm, size_t n)
{
	bool sorted = true;
	for (size_t i = 1; i < n && sorted; i++)
		sorted = imported_before(rf, perm[i - 1], perm[i]);
	if (sorted)
		return;
	for (size_t i = 1; i < n; i++) {
		uint32_t v = perm[i];
		size_t j = i;
		while (j > 0 && !imported_before(rf, perm[j - 1], v)) {
			perm[j] = perm[j - 1];
			j--;
		}
		perm[j] = v;
	}
}

/* The natural key of a raw row, as decoded values: two rows have the same
 * key exactly when these are equal. */
static uint64_t key_hash(const raw_feed *rf, uint32_t i, int32_t owner)
{
	const ms_feed *def = rf->def;
	uint64_t h = 0x243F6A8885A308D3ull;
	for (int k = 0; k < def->n_key; k++) {
		const raw_col *c = &rf->cols[def->key[k]];
		uint64_t v = 0;
		switch (c->kind) {
		case RAW_OWNER:
			v = (uint64_t)(uint32_t)owner;
			break;
		case RAW_ID:
		case RAW_I32:
			v = ((const uint32_t *)c->v)[i];
			break;
		case RAW_I64:
		case RAW_KEY:
			v = ((const uint64_t *)c->v)[i];
			break;
		case RAW_SKIP:
			break;
		}
		if (c->empty)
			v ^= (uint64_t)c->empty[i] << 63;
		h = (h ^ v) * 0x9E3779B97F4A7C15ull;
		h ^= h >> 31;
	}
	return h;
}

static bool key_equal(const raw_feed *rf, uint32_t i, int32_t oi, uint32_t j, int32_t oj)
{
	const ms_feed *def = rf->def;
	for (int k = 0; k < def->n_key; k++) {
		const raw_col *c = &rf->cols[def->key[k]];
		switch (c->kind) {
		case RAW_OWNER:
			if (oi != oj)
				return false;
			break;
		case RAW_ID:
		case RAW_I32:
			if (((const uint32_t *)c->v)[i] != ((const uint32_t *)c->v)[j])
				return false;
			break;
		case RAW_I64:
		case RAW_KEY:
			if (((const uint64_t *)c->v)[i] != ((const uint64_t *)c->v)[j])
				return false;
			break;
		case RAW_SKIP:
			break;
		}
		if (c->empty && c->empty[i] != c->empty[j])
			return false;
	}
	return true;
}

/* Marks dead every version of a key but the one of the newest batch. Only
 * needed when a feed's rows come from more than one batch. */
static ms_err drop_superseded(const raw_feed *rf, const uint32_t *perm, const int32_t *owner_at,
                              size_t n, uint8_t *dead)
{
	size_t nslot = 16;
	while (nslot < n * 2)
		nslot *= 2;
	uint32_t *slot = ms_calloc(nslot, sizeof *slot); /* position + 1 */
	if (!slot)
		return MS_ERR_NOMEM;
	for (size_t t = 0; t < n; t++) {
		uint32_t i = perm[t];
		size_t s = key_hash(rf, i, owner_at[t]) & (nslot - 1);
		for (;;) {
			if (!slot[s]) {
				slot[s] = (uint32_t)t + 1;
				break;
			}
			uint32_t u = slot[s] - 1, j = perm[u];
			if (key_equal(rf, i, owner_at[t], j, owner_at[u])) {
				if (rf->batch_id[i] > rf->batch_id[j]) {
					dead[u] = 1;
					slot[s] = (uint32_t)t + 1;
				} else {
					dead[t] = 1;
				}
				break;
			}
			s = (s + 1) & (nslot - 1);
		}
	}
	ms_free(slot);
	return MS_ERR_OK;
}

/* Rearranges a[0..n) so that a[t] is what a[perm[t]] was, keeping the first
 * m: gathered into scratch (independent loads, which the processor overlaps,
 * where following the permutation's cycles in place would wait for each
 * load in turn), copied back, and the array shrunk. Returns the array,
 * NULL only when a was NULL (a feed without rows) and no memory. */
static void *permute(void *a, size_t size, const uint32_t *perm, size_t m, void *scratch)
{
	if (!a)
		return ms_malloc(size);
	if (size == 1) {
		const uint8_t *x = a;
		uint8_t *y = scratch;
		for (size_t t = 0; t < m; t++)
			y[t] = x[perm[t]];
	} else if (size == 4) {
		const uint32_t *x = a;
		uint32_t *y = scratch;
		for (size_t t = 0; t < m; t++)
			y[t] = x[perm[t]];
	} else {
		const uint64_t *x = a;
		uint64_t *y = scratch;
		for (size_t t = 0; t < m; t++)
			y[t] = x[perm[t]];
	}
	memcpy(a, scratch, m * size);
	void *shrunk = ms_realloc(a, (m ? m : 1) * size);
	return shrunk ? shrunk : a; /* not shrinking wastes room, nothing else */
}

static ms_err households_job(build *b, ms_error *err);

static ms_err feed_job(void *ctx, int j, int worker, ms_error *err)
{
	build *b = ctx;
	int k = b->jobs[j];
	if (k == b->households_k)
		return households_job(b, err);
	raw_feed *rf = &b->raw[k];
	feed_work *w = &b->w[k];
	ms_snap_feed *out = w->out;
	const ms_feed *def = rf->def;
	size_t n = rf->n, np = b->snap->npersons;
	ms_err rc = MS_ERR_OK;
	int32_t *owner_at = ms_malloc((n ? n : 1) * sizeof *owner_at);
	uint8_t *dead = ms_calloc(n ? n : 1, 1);
	void *scratch;
	out->start = ms_calloc(np + 1, sizeof *out->start);
	if (!owner_at || !dead || !out->start)
		goto nomem;
	/* owners: both lists are sorted, so one walk finds every index */
	size_t p = 0;
	for (size_t g = 0, t = 0; g < w->ngroups; g++) {
		while (b->pkeys[p] < w->ukey[g])
			p++;
		size_t end = w->gend[g];
		order_group(rf, w->perm + t, end - t);
		for (; t < end; t++)
			owner_at[t] = (int32_t)p;
	}
	if (rf->multi_batch && drop_superseded(rf, w->perm, owner_at, n, dead))
		goto nomem;
	/* the live rows first, in order; the dropped ones behind them */
	size_t m = 0;
	for (size_t t = 0; t < n; t++) {
		if (dead[t])
			continue;
		uint32_t v = w->perm[m];
		w->perm[m] = w->perm[t];
		w->perm[t] = v;
		owner_at[m] = owner_at[t];
		out->start[owner_at[m] + 1]++;
		m++;
	}
	ms_free(dead);
	dead = NULL;
	for (size_t q = 0; q < np; q++)
		out->start[q + 1] += out->start[q];
	out->nrows = (uint32_t)m;
	out->owner = ms_realloc(owner_at, (m ? m : 1) * sizeof *owner_at);
	if (!out->owner)
		goto nomem;
	owner_at = NULL;
	scratch = ms_snap_scratch(&b->scratch[worker][0], (m ? m : 1) * 8);
	out->cols = ms_calloc((size_t)def->n_cols, sizeof *out->cols);
	if (!scratch || !out->cols)
		goto nomem;
	const uint32_t *perm = w->perm;
	/* provenance: facts only (the registry's rows are read here and dropped) */
	if (out != &b->reg) {
		out->record_id = permute(rf->record_id, 4, perm, m, scratch);
		out->batch_id = permute(rf->batch_id, 4, perm, m, scratch);
		out->row_no = permute(rf->row_no, 4, perm, m, scratch);
		rf->record_id = rf->row_no = NULL;
		rf->batch_id = NULL;
		if (!out->record_id || !out->batch_id || !out->row_no)
			goto nomem;
	}
	for (int c = 0; c < def->n_cols; c++) {
		raw_col *rc_ = &rf->cols[c];
		ms_snap_col *col = &out->cols[c];
		col->def = &def->cols[c];
		col->type = def->cols[c].type;
		void *v = rc_->v, *e = rc_->empty;
		rc_->v = rc_->empty = NULL;
		switch (rc_->kind) {
		case RAW_SKIP:
			break;
		case RAW_OWNER:
			if (out == &b->reg)
				break; /* the registry's rows are only read for their persons */
			if (!(col->i32 = ms_malloc((m ? m : 1) * sizeof *col->i32)))
				goto nomem;
			for (size_t i = 0; i < m; i++)
				col->i32[i] = out->owner[i] + 1;
			break;
		case RAW_ID:
		case RAW_I32:
			if (!(col->i32 = permute(v, 4, perm, m, scratch)))
				goto nomem;
			break;
		case RAW_I64:
			if (!(col->i64 = permute(v, 8, perm, m, scratch)))
				goto nomem;
			break;
		case RAW_KEY:
			if (!(w->keys[c] = permute(v, 8, perm, m, scratch)))
				goto nomem;
			break;
		}
		if (e && !(col->empty = permute(e, 1, perm, m, scratch)))
			goto nomem;
	}
	goto out;
nomem:
	rc = ms_error_set(err, MS_ERR_NOMEM, NULL);
out:
	ms_free(owner_at);
	ms_free(dead);
	ms_free(w->perm);
	ms_free(w->ukey);
	ms_free(w->gend);
	w->perm = w->gend = NULL;
	w->ukey = NULL;
	return rc;
}

/* ---- households ---- */

typedef struct hh_sort {
	const char *id;
	uint32_t row;
} hh_sort;

static int hh_cmp(const void *a, const void *b)
{
	return strcmp(((const hh_sort *)a)->id, ((const hh_sort *)b)->id);
}

static ms_err households_job(build *b, ms_error *err)
{
	raw_feed *rf = &b->raw[b->households_k];
	const ms_feed *def = rf->def;
	ms_snapshot *snap = b->snap;
	const raw_col *hc = &rf->cols[def->household_col], *ac = &rf->cols[def->area_col];
	const uint32_t *hid = hc->v, *aid = ac->v;
	uint32_t nid = hc->dict.n;
	/* the newest version of each household id */
	uint32_t *best = ms_calloc(nid, sizeof *best); /* row + 1 */
	b->hh_of_id = ms_malloc(nid * sizeof *b->hh_of_id);
	if (!best || !b->hh_of_id) {
		ms_free(best);
		return ms_error_set(err, MS_ERR_NOMEM, NULL);
	}
	size_t nh = 0;
	for (size_t i = 0; i < rf->n; i++) {
		uint32_t id = hid[i];
		if (!id)
			continue;
		if (!best[id])
			nh++;
		if (!best[id] || rf->batch_id[i] > rf->batch_id[best[id] - 1])
			best[id] = (uint32_t)i + 1;
	}
	hh_sort *hs = ms_malloc((nh ? nh : 1) * sizeof *hs);
	snap->hhid = ms_malloc((nh ? nh : 1) * sizeof *snap->hhid);
	b->hh_area_id = ms_malloc((nh ? nh : 1) * sizeof *b->hh_area_id);
	if (!hs || !snap->hhid || !b->hh_area_id) {
		ms_free(best);
		ms_free(hs);
		return ms_error_set(err, MS_ERR_NOMEM, NULL);
	}
	size_t h = 0;
	for (uint32_t id = 1; id < nid; id++) {
		b->hh_of_id[id] = UINT32_MAX;
		if (best[id]) {
			hs[h].id = hc->dict.str[id];
			hs[h++].row = best[id] - 1;
		}
	}
	b->hh_of_id[0] = UINT32_MAX;
	qsort(hs, nh, sizeof *hs, hh_cmp);
	for (h = 0; h < nh; h++) {
		snap->hhid[h] = hs[h].id;
		b->hh_area_id[h] = aid[hs[h].row];
		b->hh_of_id[hid[hs[h].row]] = (uint32_t)h;
	}
	snap->nhouseholds = (uint32_t)nh;
	ms_free(best);
	ms_free(hs);
	return MS_ERR_OK;
}

/* ---- phase 4: what the persons feed says of each person ---- */

/* Finds each key's person: out[kv.idx] = index, or -1. kv is sorted here. */
static ms_err find_persons(build *b, snap_kv *kv, size_t n, int32_t *out)
{
	snap_kv *tmp = ms_malloc((n ? n : 1) * sizeof *tmp);
	if (!tmp)
		return MS_ERR_NOMEM;
	ms_err rc = ms_snap_radix_sort(kv, tmp, n);
	ms_free(tmp);
	if (rc)
		return rc;
	size_t p = 0, np = b->snap->npersons;
	for (size_t i = 0; i < n; i++) {
		while (p < np && b->pkeys[p] < kv[i].key)
			p++;
		out[kv[i].idx] = p < np && b->pkeys[p] == kv[i].key ? (int32_t)p : -1;
	}
	return MS_ERR_OK;
}

/* A map from one column's dictionary ids to ids of another dictionary,
 * filled as ids are asked for. */
typedef struct id_map {
	const ms_snap_dict *from;
	uint32_t *to; /* UINT32_MAX = not yet */
} id_map;

static ms_err id_map_init(id_map *m, const ms_snap_dict *from)
{
	m->from = from;
	m->to = ms_malloc((from->n ? from->n : 1) * sizeof *m->to);
	if (!m->to)
		return MS_ERR_NOMEM;
	memset(m->to, 0xFF, from->n * sizeof *m->to);
	return MS_ERR_OK;
}

static uint32_t id_map_get(id_map *m, snap_intern *into, uint32_t id)
{
	if (m->to[id] == UINT32_MAX) {
		const char *s = m->from->str[id];
		m->to[id] = ms_snap_intern(into, NULL, s, strlen(s));
	}
	return m->to[id];
}

static ms_err household_areas(build *b, snap_intern *areas, ms_error *err)
{
	ms_snapshot *snap = b->snap;
	snap->hh_area = ms_malloc((snap->nhouseholds ? snap->nhouseholds : 1) * sizeof *snap->hh_area);
	if (!snap->hh_area)
		return ms_error_set(err, MS_ERR_NOMEM, NULL);
	if (b->households_k < 0)
		return MS_ERR_OK;
	const raw_feed *hr = &b->raw[b->households_k];
	const snap_intern *ad = &hr->cols[hr->def->area_col].dict;
	ms_snap_dict d = {ad->n, ad->str};
	id_map m;
	if (id_map_init(&m, &d))
		return ms_error_set(err, MS_ERR_NOMEM, NULL);
	for (uint32_t h = 0; h < snap->nhouseholds; h++) {
		uint32_t a = id_map_get(&m, areas, b->hh_area_id[h]);
		if (a == UINT32_MAX) {
			ms_free(m.to);
			return ms_error_set(err, MS_ERR_NOMEM, NULL);
		}
		snap->hh_area[h] = a;
	}
	ms_free(m.to);
	return MS_ERR_OK;
}

/* Parents given by one column of the registry: each number's person. */
static ms_err registry_parents(build *b, int col, int32_t *parent, ms_error *err)
{
	ms_snapshot *snap = b->snap;
	const ms_snap_feed *reg = &b->reg;
	uint64_t *keys = b->w[b->persons_k].keys[col];
	size_t n = 0;
	for (uint32_t p = 0; p < snap->npersons; p++)
		n += reg->start[p] < reg->start[p + 1] && keys[reg->start[p + 1] - 1] != 0;
	snap_kv *kv = ms_malloc((n ? n : 1) * sizeof *kv);
	int32_t *found = ms_malloc((n ? n : 1) * sizeof *found);
	uint32_t *child = ms_malloc((n ? n : 1) * sizeof *child);
	if (!kv || !found || !child)
		goto nomem;
	uint32_t q = 0;
	for (uint32_t p = 0; p < snap->npersons; p++) {
		if (reg->start[p] == reg->start[p + 1])
			continue;
		uint64_t key = keys[reg->start[p + 1] - 1];
		if (key) {
			child[q] = p;
			kv[q] = (snap_kv){key, q};
			q++;
		}
	}
	ms_free(keys); /* done with; frees room for the sort */
	b->w[b->persons_k].keys[col] = NULL;
	if (find_persons(b, kv, q, found))
		goto nomem;
	for (uint32_t i = 0; i < q; i++)
		parent[child[i]] = found[i];
	ms_free(kv);
	ms_free(found);
	ms_free(child);
	return MS_ERR_OK;
nomem:
	ms_free(kv);
	ms_free(found);
	ms_free(child);
	return ms_error_set(err, MS_ERR_NOMEM, NULL);
}

static ms_err registry_persons(build *b, snap_intern *areas, snap_intern *names, ms_error *err)
{
	ms_snapshot *snap = b->snap;
	ms_err rc = MS_ERR_OK;
	raw_feed *rf = &b->raw[b->persons_k];
	const ms_feed *def = rf->def;
	feed_work *w = &b->w[b->persons_k];
	const ms_snap_feed *reg = &b->reg;
	id_map area_map = {0};
	uint32_t *hh_map = NULL;
	/* the registry's names are the names dictionary; feeds add to it */
	if (def->name_col >= 0) {
		*names = rf->cols[def->name_col].dict;
		memset(&rf->cols[def->name_col].dict, 0, sizeof rf->cols[def->name_col].dict);
	}
	/* the household ids persons give → households */
	snap_intern *hd = &rf->cols[def->household_col].dict;
	snap_intern *hh_ids = NULL;
	if (b->households_k >= 0) {
		raw_feed *hr = &b->raw[b->households_k];
		hh_ids = &hr->cols[hr->def->household_col].dict;
	}
	hh_map = ms_malloc((hd->n ? hd->n : 1) * sizeof *hh_map);
	if (!hh_map)
		goto nomem;
	for (uint32_t id = 0; id < hd->n; id++) {
		uint32_t hid = id && hh_ids ? ms_snap_intern_find(hh_ids, hd->str[id], strlen(hd->str[id]))
		                            : UINT32_MAX;
		hh_map[id] = hid == UINT32_MAX ? UINT32_MAX : b->hh_of_id[hid];
	}
	/* both dictionaries of household ids are done with (snap->hhid keeps
	 * the strings, which live in the pools) */
	ms_snap_intern_free(hd);
	if (hh_ids)
		ms_snap_intern_free(hh_ids);
	ms_free(b->hh_of_id);
	b->hh_of_id = NULL;
	const snap_intern *ad = &rf->cols[def->area_col].dict;
	ms_snap_dict area_dict = {ad->n, ad->str};
	if (id_map_init(&area_map, &area_dict))
		goto nomem;
	for (uint32_t p = 0; p < snap->npersons; p++) {
		uint32_t lo = reg->start[p], hi = reg->start[p + 1];
		if (lo == hi)
			continue;
		uint32_t r = hi - 1; /* one row per person after superseding */
		snap->in_registry[p] = 1;
		if (def->name_col >= 0)
			snap->name[p] = reg->cols[def->name_col].i32[r];
		uint32_t h = hh_map[reg->cols[def->household_col].i32[r]];
		if (h != UINT32_MAX) {
			snap->household[p] = (int32_t)h;
			snap->area[p] = snap->hh_area[h];
		} else {
			/* a registry person whose household is not in the households
			 * feed: its own area of residence (the area column of its row) */
			uint32_t a = (uint32_t)reg->cols[def->area_col].i32[r];
			if (a && (snap->area[p] = id_map_get(&area_map, areas, a)) == UINT32_MAX)
				goto nomem;
		}
		if (def->father_col >= 0 && w->keys[def->father_col][r])
			snap->has_father[p] = 1;
		if (def->mother_col >= 0 && w->keys[def->mother_col][r])
			snap->has_mother[p] = 1;
	}
	ms_free(hh_map);
	hh_map = NULL;
	/* parents: one sort of the numbers given, one walk over the persons */
	if ((def->father_col >= 0 && (rc = registry_parents(b, def->father_col, snap->father, err))) ||
	    (def->mother_col >= 0 && (rc = registry_parents(b, def->mother_col, snap->mother, err))))
		goto out;
	goto out;
nomem:
	rc = ms_error_set(err, MS_ERR_NOMEM, NULL);
out:
	ms_free(hh_map);
	ms_free(area_map.to);
	free_feed(&b->reg, snap); /* the registry's rows are read */
	return rc;
}

/* ---- phase 5: persons known from feeds only ---- */

/* The newest row giving a value: by the row's own date, then batch, then
 * row (SPEC §3.3). */
typedef struct newest {
	int32_t day;
	int64_t batch, row;
	int feed;
	uint32_t id;
} newest;

static void consider(newest *a, int32_t day, int64_t batch, int64_t row, int feed, uint32_t id)
{
	if (!id)
		return;
	if (a->id && (day != a->day ? day < a->day : batch != a->batch ? batch < a->batch : row < a->row))
		return;
	*a = (newest){day, batch, row, feed, id};
}

static ms_err feed_persons(build *b, snap_intern *areas, snap_intern *names, snap_pool *pool,
                           ms_error *err)
{
	ms_snapshot *snap = b->snap;
	ms_err rc = MS_ERR_OK;
	int nf = snap->nfeeds;
	id_map *amap = ms_calloc((size_t)(nf ? nf : 1), sizeof *amap);
	id_map *nmap = ms_calloc((size_t)(nf ? nf : 1), sizeof *nmap);
	if (!amap || !nmap)
		goto nomem;
	for (int f = 0; f < nf; f++) {
		const ms_snap_feed *sf = &snap->feeds[f];
		/* columns kept as dictionary ids: the area column always (its
		 * type is area), the name column when it holds text */
		int ac = sf->def->area_col, nc = sf->def->name_col;
		if (ac >= 0 && sf->cols[ac].dict.str && id_map_init(&amap[f], &sf->cols[ac].dict))
			goto nomem;
		if (nc >= 0 && sf->cols[nc].dict.str && sf->cols[nc].type != MS_COL_IDNUM &&
		    id_map_init(&nmap[f], &sf->cols[nc].dict))
			goto nomem;
	}
	for (uint32_t p = 0; p < snap->npersons; p++) {
		if (snap->in_registry[p])
			continue;
		newest na = {0}, nn = {0};
		for (int f = 0; f < nf; f++) {
			const ms_snap_feed *sf = &snap->feeds[f];
			const ms_feed *def = sf->def;
			for (uint32_t r = sf->start[p]; r < sf->start[p + 1]; r++) {
				int32_t day = def->date_col >= 0 ? sf->cols[def->date_col].i32[r] : MS_DATE_NONE;
				if (amap[f].to)
					consider(&na, day, sf->batch_id[r], sf->row_no[r], f,
					         (uint32_t)sf->cols[def->area_col].i32[r]);
				if (nmap[f].to)
					consider(&nn, day, sf->batch_id[r], sf->row_no[r], f,
					         (uint32_t)sf->cols[def->name_col].i32[r]);
			}
		}
		if (na.id && (snap->area[p] = id_map_get(&amap[na.feed], areas, na.id)) == UINT32_MAX)
			goto nomem;
		if (nn.id) {
			uint32_t nm = id_map_get(&nmap[nn.feed], names, nn.id);
			if (nm == UINT32_MAX)
				goto nomem;
			snap->name[p] = (int32_t)nm;
		}
	}
	/* else the county of the identity number */
	for (uint32_t p = 0; p < snap->npersons; p++)
		if (snap->area[p] == UINT32_MAX &&
		    (snap->area[p] = ms_snap_intern(areas, pool, snap->idno[p], 6)) == UINT32_MAX)
			goto nomem;
	goto out;
nomem:
	rc = ms_error_set(err, MS_ERR_NOMEM, NULL);
out:
	for (int f = 0; amap && nmap && f < nf; f++) {
		ms_free(amap[f].to);
		ms_free(nmap[f].to);
	}
	ms_free(amap);
	ms_free(nmap);
	return rc;
}

static ms_err household_members(ms_snapshot *snap, ms_error *err)
{
	size_t nh = snap->nhouseholds;
	snap->member_start = ms_calloc(nh + 1, sizeof *snap->member_start);
	if (!snap->member_start)
		return ms_error_set(err, MS_ERR_NOMEM, NULL);
	for (uint32_t p = 0; p < snap->npersons; p++)
		if (snap->household[p] >= 0)
			snap->member_start[snap->household[p] + 1]++;
	for (size_t h = 0; h < nh; h++)
		snap->member_start[h + 1] += snap->member_start[h];
	snap->member = ms_malloc((snap->member_start[nh] ? snap->member_start[nh] : 1) *
	                         sizeof *snap->member);
	uint32_t *fill = ms_malloc((nh ? nh : 1) * sizeof *fill);
	if (!snap->member || !fill) {
		ms_free(fill);
		return ms_error_set(err, MS_ERR_NOMEM, NULL);
	}
	memcpy(fill, snap->member_start, nh * sizeof *fill);
	for (uint32_t p = 0; p < snap->npersons; p++)
		if (snap->household[p] >= 0)
			snap->member[fill[snap->household[p]]++] = (int32_t)p;
	ms_free(fill);
	return MS_ERR_OK;
}

/* ---- phase 6: identity numbers in columns, and the dictionaries ---- */

/* Other idnum columns of feeds of facts: an id in the shared dictionary,
 * person index + 1 for subjects, and new ids past them for the rest. */
static ms_err other_numbers(build *b, snap_pool *pool, ms_error *err)
{
	ms_snapshot *snap = b->snap;
	snap_intern extra = {0};
	ms_err rc = MS_ERR_OK;
	snap_kv *kv = NULL;
	int32_t *found = NULL;
	bool any = false;
	for (int k = 0; k < b->feeds->n; k++)
		for (int c = 0; c < MS_FEED_MAX_COLUMNS; c++)
			any |= b->w[k].out && b->w[k].out != &b->reg && b->w[k].keys[c];
	if (!any)
		return MS_ERR_OK;
	if (ms_snap_intern_init(&extra))
		goto nomem;
	for (int k = 0; k < b->feeds->n; k++) {
		feed_work *w = &b->w[k];
		if (!w->out || w->out == &b->reg)
			continue;
		for (int c = 0; c < MS_FEED_MAX_COLUMNS; c++) {
			if (!w->keys[c])
				continue;
			size_t n = w->out->nrows;
			ms_snap_col *col = &w->out->cols[c];
			kv = ms_malloc((n ? n : 1) * sizeof *kv);
			found = ms_malloc((n ? n : 1) * sizeof *found);
			col->i32 = ms_calloc(n ? n : 1, sizeof *col->i32);
			if (!kv || !found || !col->i32)
				goto nomem;
			size_t q = 0;
			for (size_t i = 0; i < n; i++)
				if (w->keys[c][i])
					kv[q++] = (snap_kv){w->keys[c][i], (uint32_t)i};
			if (find_persons(b, kv, q, found))
				goto nomem;
			for (size_t i = 0; i < q; i++) {
				uint32_t row = kv[i].idx;
				if (found[row] >= 0) {
					col->i32[row] = found[row] + 1;
					continue;
				}
				char s[19];
				ms_snap_idkey_str(kv[i].key, s);
				uint32_t id = ms_snap_intern(&extra, pool, s, 18);
				if (id == UINT32_MAX || id > (uint32_t)INT32_MAX - snap->npersons - 1)
					goto nomem;
				col->i32[row] = (int32_t)(snap->npersons + id);
			}
			ms_free(kv);
			ms_free(found);
			kv = NULL;
			found = NULL;
			ms_free(w->keys[c]);
			w->keys[c] = NULL;
		}
	}
	if (extra.n > 1) {
		size_t n = (size_t)snap->npersons + extra.n;
		const char **str = ms_realloc(snap->idnos.str, n * sizeof *str);
		if (!str)
			goto nomem;
		snap->idnos.str = str;
		for (uint32_t id = 1; id < extra.n; id++)
			str[snap->npersons + id] = extra.str[id];
		snap->idnos.n = (uint32_t)n;
	}
	goto out;
nomem:
	rc = ms_error_set(err, MS_ERR_NOMEM, NULL);
out:
	ms_free(kv);
	ms_free(found);
	ms_snap_intern_free(&extra);
	return rc;
}

/* Hands each feed's dictionaries over to its columns: the text-like ones
 * (idnum = false), or the shared one of identity numbers, once complete. */
static void finish_dicts(build *b, bool idnum)
{
	for (int k = 0; k < b->feeds->n; k++) {
		feed_work *w = &b->w[k];
		if (!w->out || w->out == &b->reg)
			continue;
		raw_feed *rf = &b->raw[k];
		for (int c = 0; c < rf->def->n_cols; c++) {
			ms_snap_col *col = &w->out->cols[c];
			if (!idnum && rf->cols[c].kind == RAW_ID)
				ms_snap_intern_finish(&rf->cols[c].dict, &col->dict);
			else if (idnum && col->type == MS_COL_IDNUM)
				col->dict = b->snap->idnos; /* shared: freed once */
		}
	}
}

/* ---- the build ---- */

/* Frees p unless it points into the mapping of a loaded snapshot. */
static void release(const ms_snapshot *snap, const void *p)
{
	const char *m = snap->map, *q = p;
	if (m && q >= m && q <= m + snap->map_len)
		return;
	ms_free((void *)(uintptr_t)p);
}

static void free_feed(ms_snap_feed *f, const ms_snapshot *snap)
{
	release(snap, f->owner);
	release(snap, f->start);
	release(snap, f->record_id);
	release(snap, f->batch_id);
	release(snap, f->row_no);
	if (f->cols) {
		for (int c = 0; f->def && c < f->def->n_cols; c++) {
			ms_snap_col *col = &f->cols[c];
			release(snap, col->i32);
			release(snap, col->i64);
			release(snap, col->empty);
			if (col->dict.str != snap->idnos.str)
				release(snap, col->dict.str);
		}
	}
	ms_free(f->cols);
	memset(f, 0, sizeof *f);
}

void ms_snapshot_free(ms_snapshot *snap)
{
	if (!snap)
		return;
	release(snap, snap->batches);
	release(snap, snap->idno);
	release(snap, snap->birth);
	release(snap, snap->sex);
	release(snap, snap->in_registry);
	release(snap, snap->household);
	release(snap, snap->father);
	release(snap, snap->mother);
	release(snap, snap->has_father);
	release(snap, snap->has_mother);
	release(snap, snap->area);
	release(snap, snap->name);
	release(snap, snap->names.str);
	release(snap, snap->hhid);
	release(snap, snap->hh_area);
	release(snap, snap->member_start);
	release(snap, snap->member);
	release(snap, snap->areas.str);
	for (int f = 0; snap->feeds && f < snap->nfeeds; f++)
		free_feed(&snap->feeds[f], snap);
	ms_free(snap->feeds);
	release(snap, snap->idnos.str);
	if (snap->strings) {
		ms_snap_pool_free(&snap->strings->pools[0]);
		ms_snap_pool_free(&snap->strings->pools[1]);
		ms_free(snap->strings);
	}
	if (snap->map)
		munmap(snap->map, snap->map_len);
	ms_free(snap);
}

#define STAGE "快照：整理 snapshot: organising"
#define STAGES 4

ms_err ms_snapshot_build(ms_store *s, const ms_feed_set *feeds, const ms_progress *progress,
                         ms_snapshot **out, ms_error *err)
{
	static pthread_once_t tuned = PTHREAD_ONCE_INIT;
	pthread_once(&tuned, malloc_tuning);
	double t0 = now_mono();
	*out = NULL;
	ms_err rc = MS_ERR_OK;
	build b;
	memset(&b, 0, sizeof b);
	b.persons_k = b.households_k = -1;
	b.feeds = feeds;
	snap_intern areas = {0}, names = {0};
	ms_snapshot *snap = ms_calloc(1, sizeof *snap);
	if (!snap || !(snap->strings = ms_calloc(1, sizeof *snap->strings)))
		goto nomem;
	ms_snap_pool_init(&snap->strings->pools[0]);
	ms_snap_pool_init(&snap->strings->pools[1]);
	b.snap = snap;
	size_t nf = feeds->n ? (size_t)feeds->n : 1;
	b.raw = ms_calloc(nf, sizeof *b.raw);
	b.w = ms_calloc(nf, sizeof *b.w);
	b.order = ms_malloc(nf * sizeof *b.order);
	if (!b.raw || !b.w || !b.order)
		goto nomem;
	int nfacts = 0;
	for (int k = 0; k < feeds->n; k++) {
		ms_feed_role role = feeds->feeds[k]->role;
		if (role == MS_FEED_PERSONS && b.persons_k < 0)
			b.persons_k = k;
		else if (role == MS_FEED_HOUSEHOLDS && b.households_k < 0)
			b.households_k = k;
		else if (role == MS_FEED_FACTS)
			nfacts++;
	}

	if ((rc = ms_snap_scan(s, feeds, progress, snap, b.raw, snap->strings->pools, err)))
		goto out;

	snap->feeds = ms_calloc(nfacts ? (size_t)nfacts : 1, sizeof *snap->feeds);
	if (!snap->feeds)
		goto nomem;
	for (int k = 0; k < feeds->n; k++) {
		const ms_feed *def = feeds->feeds[k];
		if (k == b.persons_k) {
			b.reg.def = def;
			b.w[k].out = &b.reg;
		} else if (def->role == MS_FEED_FACTS) {
			snap->feeds[snap->nfeeds].def = def;
			b.w[k].out = &snap->feeds[snap->nfeeds++];
		} else if (k != b.households_k) {
			continue; /* a second registry feed of a role: the first counts */
		}
		/* largest first, so two threads finish together */
		int j = b.norder++;
		while (j > 0 && b.raw[b.order[j - 1]].n < b.raw[k].n) {
			b.order[j] = b.order[j - 1];
			j--;
		}
		b.order[j] = k;
	}
	/* the registry's rows first, then the facts': the registry's
	 * intermediate tables are gone before the facts' final ones exist */
	int reg_jobs[2], nreg = 0, *fact_jobs = ms_malloc(nf * sizeof *fact_jobs), nfj = 0;
	if (!fact_jobs)
		goto nomem;
	for (int j = 0; j < b.norder; j++) {
		int k = b.order[j];
		if (k == b.persons_k || k == b.households_k)
			reg_jobs[nreg++] = k;
		else
			fact_jobs[nfj++] = k;
	}
	ms_progress_report(progress, STAGE, 0, STAGES);
	rc = ms_snap_jobs(b.norder, group_job, &b, err);
	for (int wk = 0; wk < 2; wk++) /* the sort's buffers are the largest */
		for (int i = 0; i < 2; i++)
			ms_snap_scratch_free(&b.scratch[wk][i]);
	if (rc || (rc = collect_persons(&b, err)) || (rc = alloc_persons(&b, err)))
		goto jobs_out;
	ms_progress_report(progress, STAGE, 1, STAGES);
	b.jobs = reg_jobs;
	rc = ms_snap_jobs(nreg, feed_job, &b, err);
	for (int wk = 0; wk < 2; wk++) /* room for what the registry needs next */
		ms_snap_scratch_free(&b.scratch[wk][0]);
	if (rc)
		goto jobs_out;
	if (ms_snap_intern_init(&areas)) {
		rc = ms_error_set(err, MS_ERR_NOMEM, NULL);
		goto jobs_out;
	}
	if ((rc = household_areas(&b, &areas, err)) ||
	    (b.persons_k >= 0 && (rc = registry_persons(&b, &areas, &names, err))))
		goto jobs_out;
	ms_progress_report(progress, STAGE, 2, STAGES);
	b.jobs = fact_jobs;
	rc = ms_snap_jobs(nfj, feed_job, &b, err);
jobs_out:
	ms_free(fact_jobs);
	if (rc)
		goto out;
	finish_dicts(&b, false);
	if (!names.str && ms_snap_intern_init(&names))
		goto nomem;
	if ((rc = feed_persons(&b, &areas, &names, &snap->strings->pools[0], err)) ||
	    (rc = household_members(snap, err)))
		goto out;
	ms_progress_report(progress, STAGE, 3, STAGES);
	if ((rc = other_numbers(&b, &snap->strings->pools[0], err)))
		goto out;
	finish_dicts(&b, true);
	ms_snap_intern_finish(&areas, &snap->areas);
	ms_snap_intern_finish(&names, &snap->names);
	ms_progress_report(progress, STAGE, STAGES, STAGES);
	snap->build_seconds = now_mono() - t0;
	goto out;
nomem:
	rc = ms_error_set(err, MS_ERR_NOMEM, NULL);
out:
	ms_snap_intern_free(&areas);
	ms_snap_intern_free(&names);
	if (b.raw)
		for (int k = 0; k < feeds->n; k++)
			ms_snap_raw_free(&b.raw[k]);
	if (b.w) {
		for (int k = 0; k < feeds->n; k++) {
			feed_work *w = &b.w[k];
			ms_free(w->perm);
			ms_free(w->ukey);
			ms_free(w->gend);
			for (int c = 0; c < MS_FEED_MAX_COLUMNS; c++)
				ms_free(w->keys[c]);
		}
	}
	if (snap)
		free_feed(&b.reg, snap);
	ms_free(b.raw);
	ms_free(b.w);
	ms_free(b.order);
	ms_free(b.pkeys);
	ms_free(b.hh_of_id);
	ms_free(b.hh_area_id);
	for (int wk = 0; wk < 2; wk++)
		for (int i = 0; i < 2; i++)
			ms_snap_scratch_free(&b.scratch[wk][i]);
	if (rc) {
		ms_snapshot_free(snap);
		return rc;
	}
	*out = snap;
	return MS_ERR_OK;
}

