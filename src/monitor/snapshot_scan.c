/* snapshot_scan.c — reading the store for the snapshot: one pass over the
 * record table in id order, split by id range between two handles on two
 * threads, each row decoded at once from its canonical values into typed
 * per-feed arrays. Reading in table order instead of key order is what makes
 * a province of twenty million records a matter of seconds. */
#include "monitor/snapshot_impl.h"

#include "base/mem.h"
#include "base/money.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#define SEP '\x1f'
#define RAW_FIRST_CAP 1024

/* ---- raw tables ---- */

static raw_kind kind_of_type(ms_col_type t)
{
	switch (t) {
	case MS_COL_IDNUM:
		return RAW_KEY;
	case MS_COL_DATE:
	case MS_COL_MONTH:
		return RAW_I32;
	case MS_COL_MONEY:
	case MS_COL_DECIMAL:
	case MS_COL_INTEGER:
		return RAW_I64;
	case MS_COL_TEXT:
	case MS_COL_ENUM:
	case MS_COL_AREA:
	case MS_COL_PHONE:
		break;
	}
	return RAW_ID;
}

ms_err ms_snap_raw_init(raw_feed *rf, const ms_feed *def)
{
	memset(rf, 0, sizeof *rf);
	rf->def = def;
	bool owned = def->role != MS_FEED_HOUSEHOLDS && def->person_col >= 0;
	for (int c = 0; c < def->n_cols; c++) {
		raw_kind k = kind_of_type(def->cols[c].type);
		if (owned && c == def->person_col)
			k = RAW_OWNER; /* the owner is the record's subject number */
		else if (def->role == MS_FEED_PERSONS)
			/* the registry keeps what the persons need; names and
			 * household ids as text, whatever their type */
			k = c == def->name_col || c == def->household_col || c == def->area_col ? RAW_ID
			    : c == def->father_col || c == def->mother_col                      ? RAW_KEY
			                                                                        : RAW_SKIP;
		else if (def->role == MS_FEED_HOUSEHOLDS)
			k = c == def->household_col || c == def->area_col ? RAW_ID : RAW_SKIP;
		rf->cols[c].kind = k;
		if (k == RAW_ID && ms_snap_intern_init(&rf->cols[c].dict))
			return MS_ERR_NOMEM;
	}
	return MS_ERR_OK;
}

static bool grow(void **p, size_t cap, size_t size)
{
	void *q = ms_realloc(*p, cap * size);
	if (!q)
		return false;
	*p = q;
	return true;
}

ms_err ms_snap_raw_reserve(raw_feed *rf, size_t n)
{
	if (n <= rf->cap)
		return MS_ERR_OK;
	size_t cap = rf->cap ? rf->cap : RAW_FIRST_CAP;
	while (cap < n)
		cap += cap / 2;
	if (cap > UINT32_MAX - 1)
		return MS_ERR_TOO_LARGE; /* row indexes are 32-bit */
	/* registry rows need no provenance: only the batch, to keep the newest */
	bool facts = rf->def->role == MS_FEED_FACTS;
	bool ok = (rf->def->role == MS_FEED_HOUSEHOLDS || grow((void **)&rf->owner, cap, 8)) &&
	          (!facts || grow((void **)&rf->record_id, cap, 4)) &&
	          grow((void **)&rf->batch_id, cap, 4) && (!facts || grow((void **)&rf->row_no, cap, 4));
	for (int c = 0; ok && c < rf->def->n_cols; c++) {
		raw_col *col = &rf->cols[c];
		switch (col->kind) {
		case RAW_SKIP:
		case RAW_OWNER:
			break;
		case RAW_ID:
		case RAW_I32:
			ok = grow(&col->v, cap, 4);
			break;
		case RAW_I64:
		case RAW_KEY:
			ok = grow(&col->v, cap, 8);
			break;
		}
		if (ok && (col->kind == RAW_I32 || col->kind == RAW_I64))
			ok = grow((void **)&col->empty, cap, 1);
	}
	if (!ok)
		return MS_ERR_NOMEM;
	rf->cap = cap;
	return MS_ERR_OK;
}

void ms_snap_raw_free(raw_feed *rf)
{
	ms_free(rf->owner);
	ms_free(rf->record_id);
	ms_free(rf->batch_id);
	ms_free(rf->row_no);
	for (int c = 0; rf->def && c < rf->def->n_cols; c++) {
		ms_free(rf->cols[c].v);
		ms_free(rf->cols[c].empty);
		ms_snap_intern_free(&rf->cols[c].dict);
	}
	const ms_feed *def = rf->def;
	memset(rf, 0, sizeof *rf);
	rf->def = def;
}

/* Gives a dictionary's strings new ids in the order the rows first use
 * them. The top part reads downwards, so its ids follow first sight from
 * the end. */
static ms_err dict_renumber(raw_col *col, size_t nrows)
{
	snap_intern *d = &col->dict;
	uint32_t *map = ms_calloc(d->n, sizeof *map); /* 0 = not yet */
	const char **str = ms_malloc(d->cap * sizeof *str);
	if (!map || !str) {
		ms_free(map);
		ms_free(str);
		return MS_ERR_NOMEM;
	}
	uint32_t next = 1, *v = col->v;
	str[0] = "";
	for (size_t i = 0; i < nrows; i++) {
		uint32_t id = v[i];
		if (id && !map[id]) {
			map[id] = next;
			str[next++] = d->str[id];
		}
		v[i] = map[id];
	}
	for (uint32_t id = 1; id < d->n; id++) /* none, unless a row was cut short */
		if (!map[id]) {
			map[id] = next;
			str[next++] = d->str[id];
		}
	for (uint32_t i = 0; i < d->nslot; i++)
		if (d->slot[i].s)
			d->slot[i].id = map[d->slot[i].id];
	ms_free(d->str);
	d->str = str;
	ms_free(map);
	return MS_ERR_OK;
}

ms_err ms_snap_raw_append(raw_feed *dst, raw_feed *src)
{
	ms_err rc = MS_ERR_OK;
	if (src->n == 0)
		goto out;
	if (dst->n == 0) {
		/* take src as it is, its dictionaries in the order of its rows */
		raw_feed t = *dst;
		*dst = *src;
		*src = t;
		for (int c = 0; c < dst->def->n_cols && !rc; c++)
			if (dst->cols[c].kind == RAW_ID)
				rc = dict_renumber(&dst->cols[c], dst->n);
		goto out;
	}
	if ((rc = ms_snap_raw_reserve(dst, dst->n + src->n)))
		goto out;
	size_t at = dst->n, n = src->n;
	if (dst->owner)
		memcpy(dst->owner + at, src->owner, n * 8);
	if (dst->record_id)
		memcpy(dst->record_id + at, src->record_id, n * 4);
	memcpy(dst->batch_id + at, src->batch_id, n * 4);
	if (dst->row_no)
		memcpy(dst->row_no + at, src->row_no, n * 4);
	for (int c = 0; c < dst->def->n_cols; c++) {
		raw_col *d = &dst->cols[c], *s = &src->cols[c];
		switch (d->kind) {
		case RAW_SKIP:
		case RAW_OWNER:
			break;
		case RAW_ID: {
			/* src's ids become dst's, new strings taking ids in the order
			 * of their rows, so that ids follow first sight in record id
			 * order however the parts shared the table; the strings stay
			 * in src's pool */
			uint32_t *map = ms_calloc(s->dict.n, sizeof *map); /* 0 = not yet */
			if (!map) {
				rc = MS_ERR_NOMEM;
				goto out;
			}
			uint32_t *dv = (uint32_t *)d->v + at;
			const uint32_t *sv = s->v;
			for (size_t i = 0; i < n; i++) {
				uint32_t id = sv[i];
				if (id && !map[id]) {
					const char *str = s->dict.str[id];
					map[id] = ms_snap_intern(&d->dict, NULL, str, strlen(str));
					if (map[id] == UINT32_MAX) {
						ms_free(map);
						rc = MS_ERR_NOMEM;
						goto out;
					}
				}
				dv[i] = map[id];
			}
			ms_free(map);
			break;
		}
		case RAW_I32:
			memcpy((int32_t *)d->v + at, s->v, n * 4);
			memcpy(d->empty + at, s->empty, n);
			break;
		case RAW_I64:
			memcpy((int64_t *)d->v + at, s->v, n * 8);
			memcpy(d->empty + at, s->empty, n);
			break;
		case RAW_KEY:
			memcpy((uint64_t *)d->v + at, s->v, n * 8);
			break;
		}
	}
	dst->n += n;
	if (src->multi_batch || (dst->first_batch && src->first_batch != dst->first_batch))
		dst->multi_batch = true;
out:
	dst->dropped += src->dropped;
	ms_snap_raw_free(src);
	return rc;
}

static void reverse(void *p, size_t n, size_t size)
{
	if (!p || n < 2)
		return;
	if (size == 8) {
		uint64_t *a = p;
		for (size_t i = 0, j = n - 1; i < j; i++, j--) {
			uint64_t t = a[i];
			a[i] = a[j];
			a[j] = t;
		}
	} else if (size == 4) {
		uint32_t *a = p;
		for (size_t i = 0, j = n - 1; i < j; i++, j--) {
			uint32_t t = a[i];
			a[i] = a[j];
			a[j] = t;
		}
	} else {
		uint8_t *a = p;
		for (size_t i = 0, j = n - 1; i < j; i++, j--) {
			uint8_t t = a[i];
			a[i] = a[j];
			a[j] = t;
		}
	}
}

/* A table read in descending id order, turned into ascending. */
static void raw_reverse(raw_feed *rf)
{
	size_t n = rf->n;
	reverse(rf->owner, n, 8);
	reverse(rf->record_id, n, 4);
	reverse(rf->batch_id, n, 4);
	reverse(rf->row_no, n, 4);
	for (int c = 0; c < rf->def->n_cols; c++) {
		raw_col *col = &rf->cols[c];
		reverse(col->v, n, col->kind == RAW_I64 || col->kind == RAW_KEY ? 8 : 4);
		reverse(col->empty, n, 1);
	}
}

/* ---- decoding canonical values ---- */

static int digits(const char *s, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		unsigned d = (unsigned char)s[i] - '0';
		if (d > 9)
			return -1;
		v = v * 10 + (int)d;
	}
	return v;
}

/* YYYY-MM-DD as stored; anything else through the general parser. */
static bool decode_date(const char *s, size_t n, int32_t *out)
{
	if (n == 10 && s[4] == '-' && s[7] == '-') {
		int y = digits(s, 4), m = digits(s + 5, 2), d = digits(s + 8, 2);
		if (y >= 0 && m >= 1 && m <= 12 && d >= 1 && d <= ms_days_in_month(y, m)) {
			*out = ms_date_from_ymd(y, m, d);
			return true;
		}
	}
	ms_date v;
	if (ms_date_parse(s, n, &v))
		return false;
	*out = v;
	return true;
}

static bool decode_month(const char *s, size_t n, int32_t *out)
{
	if (n == 7 && s[4] == '-') {
		int y = digits(s, 4), m = digits(s + 5, 2);
		if (y >= 0 && m >= 1 && m <= 12) {
			*out = y * 12 + (m - 1);
			return true;
		}
	}
	ms_month v;
	if (ms_month_parse(s, n, &v))
		return false;
	*out = v;
	return true;
}

static bool decode_int(const char *s, size_t n, int64_t *out)
{
	size_t i = 0;
	bool neg = n > 0 && s[0] == '-';
	if (neg)
		i = 1;
	if (n > i && n - i <= 18) {
		int64_t v = 0;
		for (; i < n; i++) {
			unsigned d = (unsigned char)s[i] - '0';
			if (d > 9)
				break;
			v = v * 10 + d;
		}
		if (i == n) {
			*out = neg ? -v : v;
			return true;
		}
	}
	return ms_int_parse(s, n, INT64_MIN, INT64_MAX, out) == MS_ERR_OK;
}

/* ---- the scan ---- */

/* The id range still to read, shared by the two parts: the first takes
 * blocks from the bottom, the second from the top, until they meet, so
 * each reads as much as its speed allows. */
typedef struct scan_claims {
	pthread_mutex_t lock;
	int64_t lo, hi; /* ids in [lo, hi) are not yet taken */
} scan_claims;

/* Blocks: about 64 of them, so the parts meet near the middle, and at most
 * 65536 ids, so that neither waits long for the other's last block. */
#define SCAN_BLOCK_MAX 65536
#define SCAN_BLOCKS 64

typedef struct scan_part {
	raw_feed *raw;             /* one table per feed of the set */
	const int *feedmap;        /* store feed id → index in the set, -1 */
	int64_t nfeedmap;
	const uint8_t *published;  /* by batch id */
	int64_t nbatch;
	snap_pool *pool;
	ms_store *store;
	bool top;                  /* takes blocks from the top, reads descending */
	scan_claims *claims;
	int64_t block;             /* ids per block */
	atomic_uint_fast64_t seen; /* records read, for progress */
	uint64_t kept;
	ms_err rc;
	ms_error err;
	/* progress: only the calling thread reports */
	const ms_progress *progress;
	const struct scan_part *other;
	uint64_t total;
	double last_report;
} scan_part;
static double now_mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int scan_row(void *ctx, const ms_record_row *r)
{
	scan_part *sp = ctx;
	uint64_t seen = atomic_load_explicit(&sp->seen, memory_order_relaxed) + 1;
	atomic_store_explicit(&sp->seen, seen, memory_order_relaxed);
	if (sp->progress && (seen & 0xFFFF) == 0) {
		double t = now_mono();
		if (t - sp->last_report >= 0.25) {
			sp->last_report = t;
			uint64_t done = seen;
			if (sp->other)
				done += atomic_load_explicit(&sp->other->seen, memory_order_relaxed);
			ms_progress_report(sp->progress, "快照：读取记录 snapshot: reading records", done,
			                   sp->total);
		}
	}
	if (r->batch_id <= 0 || r->batch_id >= sp->nbatch || !sp->published[r->batch_id])
		return 0;
	if (r->feed_id <= 0 || r->feed_id >= sp->nfeedmap || sp->feedmap[r->feed_id] < 0)
		return 0;
	sp->kept++;
	raw_feed *rf = &sp->raw[sp->feedmap[r->feed_id]];
	const ms_feed *def = rf->def;
	uint64_t owner = 0;
	if (def->role != MS_FEED_HOUSEHOLDS) {
		owner = r->idno ? ms_snap_idkey(r->idno, strlen(r->idno)) : 0;
		if (!owner) {
			rf->dropped++;
			return 0;
		}
	}
	if (rf->n == rf->cap) {
		ms_err rc = ms_snap_raw_reserve(rf, rf->n + 1);
		if (rc) {
			sp->rc = ms_error_set(&sp->err, rc,
			                      "快照行数过多或内存不足 (snapshot: too many rows or "
			                      "out of memory)");
			return 1;
		}
	}
	if (r->id > UINT32_MAX || r->row < 0 || r->row > UINT32_MAX || r->batch_id > INT32_MAX) {
		sp->rc = ms_error_set(&sp->err, MS_ERR_TOO_LARGE,
		                      "快照：记录编号或行号超出 32 位 (snapshot: a record id, batch id or "
		                      "row number does not fit in 32 bits): record %lld",
		                      (long long)r->id);
		return 1;
	}
	size_t i = rf->n;
	if (rf->owner)
		rf->owner[i] = owner;
	if (rf->record_id) {
		rf->record_id[i] = (uint32_t)r->id;
		rf->row_no[i] = (uint32_t)r->row;
	}
	rf->batch_id[i] = (int32_t)r->batch_id;
	if (!rf->first_batch)
		rf->first_batch = r->batch_id;
	else if (r->batch_id != rf->first_batch)
		rf->multi_batch = true;
	/* first the fields, and for dictionary values not equal to the one
	 * before (rows come in runs: a household's members, a person's months)
	 * the hash, with the slot fetched ahead */
	const char *field[MS_FEED_MAX_COLUMNS];
	size_t flen[MS_FEED_MAX_COLUMNS];
	uint32_t hash[MS_FEED_MAX_COLUMNS];
	const char *p = r->vals, *end = r->vals + r->vals_len;
	for (int c = 0; c < def->n_cols; c++) {
		/* a row stored with fewer columns than the definition has: blanks */
		const char *e = p < end ? memchr(p, SEP, (size_t)(end - p)) : NULL;
		if (!e)
			e = end;
		size_t len = (size_t)(e - p);
		field[c] = p;
		flen[c] = len;
		raw_col *col = &rf->cols[c];
		hash[c] = 0;
		if (col->kind == RAW_ID) {
			const char *last = col->dict.str[col->last];
			if (strncmp(last, p, len) == 0 && last[len] == '\0') {
				hash[c] = 0;
				flen[c] = SIZE_MAX; /* the id before */
			} else if (len) {
				hash[c] = (uint32_t)ms_snap_hash(p, len);
				ms_snap_intern_prefetch(&col->dict, hash[c]);
			}
		}
		p = e < end ? e + 1 : end;
	}
	for (int c = 0; c < def->n_cols; c++) {
		const char *fp = field[c];
		size_t len = flen[c];
		raw_col *col = &rf->cols[c];
		switch (col->kind) {
		case RAW_SKIP:
		case RAW_OWNER:
			break;
		case RAW_ID: {
			uint32_t id = col->last;
			if (len != SIZE_MAX) {
				id = ms_snap_intern_hashed(&col->dict, sp->pool, fp, len, hash[c]);
				if (id == UINT32_MAX) {
					sp->rc = ms_error_set(&sp->err, MS_ERR_NOMEM, NULL);
					return 1;
				}
				col->last = id;
			}
			((uint32_t *)col->v)[i] = id;
			break;
		}
		case RAW_I32: {
			int32_t v = MS_DATE_NONE;
			bool ok = len > 0 && (def->cols[c].type == MS_COL_DATE ? decode_date(fp, len, &v)
			                                                          : decode_month(fp, len, &v));
			((int32_t *)col->v)[i] = ok ? v : MS_DATE_NONE;
			col->empty[i] = !ok;
			break;
		}
		case RAW_I64: {
			int64_t v = 0;
			bool ok = len > 0 && decode_int(fp, len, &v);
			((int64_t *)col->v)[i] = ok ? v : 0;
			col->empty[i] = !ok;
			break;
		}
		case RAW_KEY:
			((uint64_t *)col->v)[i] = ms_snap_idkey(fp, len);
			break;
		}
	}
	rf->n++;
	return 0;
}

static void scan_part_run(scan_part *sp)
{
	scan_claims *c = sp->claims;
	for (;;) {
		int64_t from, to;
		pthread_mutex_lock(&c->lock);
		if (c->lo >= c->hi) {
			pthread_mutex_unlock(&c->lock);
			break;
		}
		if (sp->top) {
			to = c->hi;
			from = to - c->lo > sp->block ? to - sp->block : c->lo;
			c->hi = from;
		} else {
			from = c->lo;
			to = c->hi - from > sp->block ? from + sp->block : c->hi;
			c->lo = to;
		}
		pthread_mutex_unlock(&c->lock);
		ms_err rc = ms_store_record_scan(sp->store, from, to, sp->top, scan_row, sp, &sp->err);
		if (!sp->rc)
			sp->rc = rc;
		if (sp->rc) {
			/* the other part stops at its next block */
			pthread_mutex_lock(&c->lock);
			c->hi = c->lo;
			pthread_mutex_unlock(&c->lock);
			break;
		}
	}
}

static void *scan_thread(void *arg)
{
	scan_part *sp = arg;
	scan_part_run(sp);
	return NULL;
}

typedef struct feed_ids {
	int *map;
	int64_t n;
	const ms_feed_set *feeds;
	bool nomem;
} feed_ids;

static int feed_seen(void *ctx, int64_t id, const char *name)
{
	feed_ids *f = ctx;
	const ms_feed *def = ms_feed_set_find(f->feeds, name);
	if (!def || id <= 0)
		return 0;
	if (id >= f->n) {
		int64_t n = id + 16;
		int *m = ms_realloc(f->map, (size_t)n * sizeof *m);
		if (!m) {
			f->nomem = true;
			return 1;
		}
		for (int64_t k = f->n; k < n; k++)
			m[k] = -1;
		f->map = m;
		f->n = n;
	}
	for (int k = 0; k < f->feeds->n; k++)
		if (f->feeds->feeds[k] == def)
			f->map[id] = k;
	return 0;
}

typedef struct batch_list {
	int64_t *ids;
	uint32_t n, cap;
	bool nomem;
} batch_list;

static int batch_seen(void *ctx, int64_t id, int64_t feed_id)
{
	batch_list *b = ctx;
	(void)feed_id;
	if (b->n == b->cap) {
		uint32_t cap = b->cap ? b->cap * 2 : 64;
		int64_t *p = ms_realloc(b->ids, cap * sizeof *p);
		if (!p) {
			b->nomem = true;
			return 1;
		}
		b->ids = p;
		b->cap = cap;
	}
	b->ids[b->n++] = id;
	return 0;
}

typedef struct append_ctx {
	raw_feed *a, *b;
} append_ctx;

static ms_err append_job(void *ctx, int i, int worker, ms_error *err)
{
	(void)worker;
	append_ctx *x = ctx;
	ms_err rc = ms_snap_raw_append(&x->a[i], &x->b[i]);
	return rc ? ms_error_set(err, rc, NULL) : MS_ERR_OK;
}

ms_err ms_snap_scan(ms_store *s, const ms_feed_set *feeds, const ms_progress *progress,
                    ms_snapshot *snap, raw_feed *raw, snap_pool pools[2], ms_error *err)
{
	ms_err rc;
	feed_ids fids = {.feeds = feeds};
	batch_list bl = {0};
	uint8_t *published = NULL;
	raw_feed *raw1 = NULL;
	ms_store *s1 = NULL;
	scan_part part[2];
	memset(part, 0, sizeof part);
	for (int k = 0; k < feeds->n; k++)
		if ((rc = ms_snap_raw_init(&raw[k], feeds->feeds[k])))
			goto nomem;

	/* What the snapshot reflects: the published batches and every record
	 * stored so far. Record ids only grow and only staging records are ever
	 * deleted, so records up to max_id filtered by this list of batches are
	 * the same whenever, and through whichever handle, they are read. */
	int64_t max_id;
	if ((rc = ms_store_published_batches(s, batch_seen, &bl, err)))
		goto out;
	if (bl.nomem)
		goto nomem;
	if ((rc = ms_store_record_max_id(s, &max_id, err)))
		goto out;
	if ((rc = ms_store_feed_list(s, feed_seen, &fids, err)))
		goto out;
	if (fids.nomem)
		goto nomem;
	int64_t nbatch = bl.n ? bl.ids[bl.n - 1] + 1 : 1;
	published = ms_calloc((size_t)nbatch, 1);
	if (!published)
		goto nomem;
	for (uint32_t k = 0; k < bl.n; k++)
		published[bl.ids[k]] = 1;
	snap->batches = bl.ids;
	snap->nbatches = bl.n;
	snap->max_record_id = max_id;
	bl.ids = NULL;

	int nparts = 1;
	scan_claims claims = {.lo = 1, .hi = max_id + 1};
	if (pthread_mutex_init(&claims.lock, NULL) != 0) {
		rc = ms_error_set(err, MS_ERR_INTERNAL, "无法创建互斥锁 (cannot create a mutex)");
		goto out;
	}
	int64_t block = max_id / SCAN_BLOCKS;
	block = block < 1 ? 1 : block > SCAN_BLOCK_MAX ? SCAN_BLOCK_MAX : block;
	if (max_id >= 2) {
		ms_error e1;
		ms_error_clear(&e1);
		/* a second handle on the same file; where none can be opened (a
		 * database only in memory), the first reads everything */
		if (ms_store_open(ms_store_url(s), 0, &s1, &e1) == MS_ERR_OK) {
			nparts = 2;
			raw1 = ms_calloc((size_t)feeds->n, sizeof *raw1);
			if (!raw1) {
				pthread_mutex_destroy(&claims.lock);
				goto nomem;
			}
			for (int k = 0; k < feeds->n; k++)
				if ((rc = ms_snap_raw_init(&raw1[k], feeds->feeds[k]))) {
					pthread_mutex_destroy(&claims.lock);
					goto nomem;
				}
		}
	}
	for (int k = 0; k < nparts; k++) {
		scan_part *sp = &part[k];
		sp->raw = k ? raw1 : raw;
		sp->feedmap = fids.map;
		sp->nfeedmap = fids.n;
		sp->published = published;
		sp->nbatch = nbatch;
		sp->pool = &pools[k];
		sp->store = k ? s1 : s;
		sp->top = k == 1;
		sp->claims = &claims;
		sp->block = block;
		atomic_init(&sp->seen, 0);
		ms_error_clear(&sp->err);
	}
	part[0].progress = progress;
	part[0].other = nparts == 2 ? &part[1] : NULL;
	part[0].total = (uint64_t)max_id;
	part[0].last_report = now_mono();
	pthread_t t;
	bool threaded = nparts == 2 && pthread_create(&t, NULL, scan_thread, &part[1]) == 0;
	scan_part_run(&part[0]);
	if (threaded)
		pthread_join(t, NULL); /* else part 0 took every block */
	pthread_mutex_destroy(&claims.lock);
	for (int k = 0; k < nparts; k++) {
		if (part[k].rc) {
			rc = part[k].rc;
			if (part[k].err.code == MS_ERR_OK)
				ms_error_set(err, rc, NULL);
			else if (err && err->code == MS_ERR_OK)
				*err = part[k].err;
			goto out;
		}
	}
	snap->records_read = part[0].kept + part[1].kept;
	ms_progress_report(progress, "快照：读取记录 snapshot: reading records", (uint64_t)max_id,
	                   (uint64_t)max_id);
	if (nparts == 2) {
		/* part 1 read the later ids, from the top down: reversed and put
		 * behind part 0, every table is in id order */
		for (int k = 0; k < feeds->n; k++)
			raw_reverse(&raw1[k]);
		append_ctx ax = {raw, raw1};
		if ((rc = ms_snap_jobs(feeds->n, append_job, &ax, err)))
			goto out;
	}
	/* the lookup tables of the facts' dictionaries are done with */
	for (int k = 0; k < feeds->n; k++)
		if (raw[k].def->role == MS_FEED_FACTS)
			for (int c = 0; c < raw[k].def->n_cols; c++)
				ms_snap_intern_seal(&raw[k].cols[c].dict);
	rc = MS_ERR_OK;
	goto out;
nomem:
	rc = ms_error_set(err, MS_ERR_NOMEM, NULL);
out:
	if (raw1) {
		for (int k = 0; k < feeds->n; k++)
			ms_snap_raw_free(&raw1[k]);
		ms_free(raw1);
	}
	if (s1)
		ms_store_close(s1);
	ms_free(published);
	ms_free(fids.map);
	ms_free(bl.ids);
	return rc;
}
