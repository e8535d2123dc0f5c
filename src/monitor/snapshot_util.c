/* snapshot_util.c — the building blocks of the snapshot builder: a packed
 * string pool, hash dictionaries, identity numbers as sortable integers, a
 * stable radix sort and a two-thread job pool. They exist because the build
 * touches tens of millions of values, where general containers cost too much. */
#include "monitor/snapshot_impl.h"

#include "base/mem.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

/* ---- string pool ---- */

#define POOL_BLOCK (1u << 20)

void ms_snap_pool_init(snap_pool *p)
{
	ms_arena_init(&p->arena, POOL_BLOCK, 0);
	p->cur = NULL;
	p->left = 0;
}

const char *ms_snap_pool_add(snap_pool *p, const char *s, size_t n)
{
	if (n + 1 > p->left) {
		if (n + 1 > POOL_BLOCK / 4) /* a long string gets its own block */
			return ms_arena_strndup(&p->arena, s, n);
		p->cur = ms_arena_alloc(&p->arena, POOL_BLOCK - 64);
		if (!p->cur)
			return NULL;
		p->left = POOL_BLOCK - 64;
	}
	char *d = p->cur;
	memcpy(d, s, n);
	d[n] = '\0';
	p->cur += n + 1;
	p->left -= n + 1;
	return d;
}

void ms_snap_pool_free(snap_pool *p)
{
	ms_arena_free(&p->arena);
	p->cur = NULL;
	p->left = 0;
}

/* ---- dictionaries ---- */

uint64_t ms_snap_hash(const void *data, size_t n)
{
	const unsigned char *s = data;
	uint64_t h = 0x9E3779B97F4A7C15ull ^ (n * 0xC2B2AE3D27D4EB4Full);
	while (n >= 8) {
		uint64_t w;
		memcpy(&w, s, 8);
		h = (h ^ w) * 0xFF51AFD7ED558CCDull;
		h ^= h >> 29;
		s += 8;
		n -= 8;
	}
	uint64_t w = 0;
	memcpy(&w, s, n);
	h = (h ^ w) * 0xC4CEB9FE1A85EC53ull;
	h ^= h >> 32;
	h *= 0x9E3779B97F4A7C15ull;
	h ^= h >> 29;
	return h;
}

ms_err ms_snap_intern_init(snap_intern *d)
{
	memset(d, 0, sizeof *d);
	d->cap = 64;
	d->nslot = 128;
	d->str = ms_malloc(d->cap * sizeof *d->str);
	d->slot = ms_calloc(d->nslot, sizeof *d->slot);
	if (!d->str || !d->slot) {
		ms_snap_intern_free(d);
		return MS_ERR_NOMEM;
	}
	d->str[0] = "";
	d->n = 1;
	return MS_ERR_OK;
}

static bool intern_grow(snap_intern *d)
{
	if (d->n == d->cap) {
		if (d->cap > UINT32_MAX / 2)
			return false;
		uint32_t cap = d->cap * 2;
		const char **str = ms_realloc(d->str, cap * sizeof *str);
		if (!str)
			return false;
		d->str = str;
		d->cap = cap;
	}
	if ((uint64_t)d->n * 2 >= d->nslot) {
		uint32_t nslot = d->nslot * 2;
		snap_slot *slot = ms_calloc(nslot, sizeof *slot);
		if (!slot)
			return false;
		for (uint32_t i = 0; i < d->nslot; i++) {
			if (!d->slot[i].s)
				continue;
			uint32_t j = d->slot[i].hash & (nslot - 1);
			while (slot[j].s)
				j = (j + 1) & (nslot - 1);
			slot[j] = d->slot[i];
		}
		ms_free(d->slot);
		d->slot = slot;
		d->nslot = nslot;
	}
	return true;
}

/* The slot of s: where it is, or the free one where it would go. */
static uint32_t intern_slot(const snap_intern *d, const char *s, size_t n, uint32_t h)
{
	uint32_t mask = d->nslot - 1, i = h & mask;
	const snap_slot *e;
	while ((e = &d->slot[i])->s) {
		/* strncmp stops at the end of e->s, which may be shorter than s */
		if (e->hash == h && strncmp(e->s, s, n) == 0 && e->s[n] == '\0')
			break;
		i = (i + 1) & mask;
	}
	return i;
}

void ms_snap_intern_prefetch(const snap_intern *d, uint32_t h)
{
	__builtin_prefetch(&d->slot[h & (d->nslot - 1)]);
}

uint32_t ms_snap_intern(snap_intern *d, snap_pool *pool, const char *s, size_t n)
{
	if (n == 0)
		return 0;
	return ms_snap_intern_hashed(d, pool, s, n, (uint32_t)ms_snap_hash(s, n));
}

uint32_t ms_snap_intern_hashed(snap_intern *d, snap_pool *pool, const char *s, size_t n,
                               uint32_t h)
{
	if (n == 0)
		return 0;
	uint32_t i = intern_slot(d, s, n, h);
	if (d->slot[i].s)
		return d->slot[i].id;
	if ((uint64_t)(d->n + 1) * 2 >= d->nslot || d->n == d->cap) {
		if (!intern_grow(d))
			return UINT32_MAX;
		i = intern_slot(d, s, n, h);
	}
	const char *copy = pool ? ms_snap_pool_add(pool, s, n) : s;
	if (!copy)
		return UINT32_MAX;
	uint32_t id = d->n++;
	d->str[id] = copy;
	d->slot[i] = (snap_slot){copy, h, id};
	return id;
}

uint32_t ms_snap_intern_find(const snap_intern *d, const char *s, size_t n)
{
	if (n == 0)
		return 0;
	const snap_slot *e = &d->slot[intern_slot(d, s, n, (uint32_t)ms_snap_hash(s, n))];
	return e->s ? e->id : UINT32_MAX;
}

void ms_snap_intern_seal(snap_intern *d)
{
	ms_free(d->slot);
	d->slot = NULL;
	d->nslot = 0;
}

void ms_snap_intern_finish(snap_intern *d, ms_snap_dict *out)
{
	out->n = d->n;
	out->str = d->str;
	d->str = NULL;
	ms_snap_intern_free(d);
}

void ms_snap_intern_free(snap_intern *d)
{
	ms_free(d->str);
	ms_free(d->slot);
	memset(d, 0, sizeof *d);
}

/* ---- identity numbers ---- */

uint64_t ms_snap_idkey(const char *s, size_t n)
{
	if (n != 18)
		return 0;
	uint64_t v = 0;
	for (int i = 0; i < 17; i++) {
		unsigned d = (unsigned char)s[i] - '0';
		if (d > 9)
			return 0;
		v = v * 10 + d;
	}
	unsigned c = (unsigned char)s[17];
	if (c == 'X')
		c = 10;
	else if (c >= '0' && c <= '9')
		c -= '0';
	else
		return 0;
	return v * 11 + c + 1;
}

void ms_snap_idkey_str(uint64_t key, char out[19])
{
	key--;
	unsigned c = (unsigned)(key % 11);
	uint64_t v = key / 11;
	out[17] = c == 10 ? 'X' : (char)('0' + c);
	for (int i = 16; i >= 0; i--) {
		out[i] = (char)('0' + v % 10);
		v /= 10;
	}
	out[18] = '\0';
}

/* ---- radix sort ---- */

#define RADIX_BITS 11
#define RADIX_SIZE (1u << RADIX_BITS)
#define RADIX_PASSES 6 /* 66 bits: every key */

ms_err ms_snap_radix_sort(snap_kv *a, snap_kv *tmp, size_t n)
{
	if (n < 2)
		return MS_ERR_OK;
	/* one read to count every digit of every pass */
	const int passes = RADIX_PASSES;
	size_t(*count)[RADIX_SIZE] = ms_calloc(RADIX_PASSES, sizeof *count);
	if (!count)
		return MS_ERR_NOMEM;
	for (size_t i = 0; i < n; i++) {
		uint64_t k = a[i].key;
		for (int p = 0; p < passes; p++)
			count[p][(k >> (p * RADIX_BITS)) & (RADIX_SIZE - 1)]++;
	}
	snap_kv *src = a, *dst = tmp;
	for (int p = 0; p < passes; p++) {
		size_t *c = count[p];
		/* a digit that all keys share sorts nothing */
		unsigned first = (unsigned)((src[0].key >> (p * RADIX_BITS)) & (RADIX_SIZE - 1));
		if (c[first] == n)
			continue;
		size_t sum = 0;
		for (unsigned b = 0; b < RADIX_SIZE; b++) {
			size_t t = c[b];
			c[b] = sum;
			sum += t;
		}
		int shift = p * RADIX_BITS;
		for (size_t i = 0; i < n; i++)
			dst[c[(src[i].key >> shift) & (RADIX_SIZE - 1)]++] = src[i];
		snap_kv *t = src;
		src = dst;
		dst = t;
	}
	if (src != a)
		memcpy(a, src, n * sizeof *a);
	ms_free(count);
	return MS_ERR_OK;
}

/* ---- scratch memory ---- */

void *ms_snap_scratch(snap_scratch *s, size_t n)
{
	if (n > s->cap || !s->p) {
		ms_free(s->p);
		s->p = ms_malloc(n ? n : 1);
		s->cap = s->p ? n : 0;
	}
	return s->p;
}

void ms_snap_scratch_free(snap_scratch *s)
{
	ms_free(s->p);
	s->p = NULL;
	s->cap = 0;
}

/* ---- jobs on two threads ---- */

typedef struct job_pool {
	int n;
	ms_err (*job)(void *ctx, int i, int worker, ms_error *err);
	void *ctx;
	atomic_int next;
	atomic_bool failed;
} job_pool;

typedef struct job_worker {
	job_pool *pool;
	int index;
	ms_err rc;
	ms_error err;
} job_worker;

static void *jobs_run(void *arg)
{
	job_worker *w = arg;
	job_pool *p = w->pool;
	while (!atomic_load(&p->failed)) {
		int i = atomic_fetch_add(&p->next, 1);
		if (i >= p->n)
			break;
		w->rc = p->job(p->ctx, i, w->index, &w->err);
		if (w->rc) {
			atomic_store(&p->failed, true);
			break;
		}
	}
	return NULL;
}

ms_err ms_snap_jobs(int n, ms_err (*job)(void *ctx, int i, int worker, ms_error *err), void *ctx,
                    ms_error *err)
{
	job_pool p = {.n = n, .job = job, .ctx = ctx};
	atomic_init(&p.next, 0);
	atomic_init(&p.failed, false);
	job_worker w[2];
	memset(w, 0, sizeof w);
	w[0].pool = w[1].pool = &p;
	w[1].index = 1;
	ms_error_clear(&w[0].err);
	ms_error_clear(&w[1].err);
	pthread_t t;
	bool threaded = n > 1 && pthread_create(&t, NULL, jobs_run, &w[1]) == 0;
	jobs_run(&w[0]);
	if (threaded)
		pthread_join(t, NULL);
	for (int k = 0; k < 2; k++)
		if (w[k].rc) {
			if (w[k].err.code == MS_ERR_OK)
				return ms_error_set(err, w[k].rc, NULL);
			if (err && err->code == MS_ERR_OK)
				*err = w[k].err;
			return w[k].rc;
		}
	return MS_ERR_OK;
}
