/* store_copy.c — the bulk path of imports on PostgreSQL. One INSERT per row
 * costs a round trip to the server; instead the records of the batch being
 * imported are written in COPY's text format into a buffer and sent with
 * COPY … FROM STDIN when it fills, before the transaction commits, and
 * before any other statement could read them. The keys of the batch are
 * kept in memory, so a key repeated within the file is found at once, as
 * the unique key finds it on SQLite. */
#include "store/store_impl.h"

#include "base/arena.h"
#include "base/buf.h"
#include "base/date.h"
#include "base/mem.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <string.h>

#define COPY_FLUSH_BYTES (8u << 20)

typedef struct key_slot {
	const char *key;
	int64_t row;
	uint64_t hash;
} key_slot;

struct store_copy {
	int64_t feed_id, batch_id;
	/* keys of the batch: open addressing, power-of-two size */
	key_slot *slots;
	size_t cap, n;
	ms_arena keys;
	ms_buf buf; /* COPY text of the rows not sent yet */
	int64_t pending;
	/* entries of a first build of the search index, for pg_temp.person_stage */
	ms_buf ibuf;
	int64_t ipending;
};

static uint64_t fnv(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static store_copy *copy_get(ms_store *s)
{
	if (!s->copy) {
		s->copy = ms_calloc(1, sizeof *s->copy);
		if (!s->copy)
			return NULL;
		ms_arena_init(&s->copy->keys, 1 << 20, 0);
		ms_buf_init(&s->copy->buf, COPY_FLUSH_BYTES * 4);
		ms_buf_init(&s->copy->ibuf, COPY_FLUSH_BYTES * 4);
	}
	return s->copy;
}

static void keys_clear(store_copy *c)
{
	ms_free(c->slots);
	c->slots = NULL;
	c->cap = c->n = 0;
	ms_arena_reset(&c->keys);
	c->feed_id = c->batch_id = 0;
}

static key_slot *key_find(store_copy *c, const char *key, uint64_t h)
{
	if (!c->cap)
		return NULL;
	for (size_t i = h & (c->cap - 1);; i = (i + 1) & (c->cap - 1)) {
		key_slot *k = &c->slots[i];
		if (!k->key)
			return k;
		if (k->hash == h && strcmp(k->key, key) == 0)
			return k;
	}
}

static bool keys_grow(store_copy *c)
{
	size_t cap = c->cap ? c->cap * 2 : 1024;
	key_slot *slots = ms_calloc(cap, sizeof *slots);
	if (!slots)
		return false;
	for (size_t i = 0; i < c->cap; i++) {
		key_slot *o = &c->slots[i];
		if (!o->key)
			continue;
		size_t j = o->hash & (cap - 1);
		while (slots[j].key)
			j = (j + 1) & (cap - 1);
		slots[j] = *o;
	}
	ms_free(c->slots);
	c->slots = slots;
	c->cap = cap;
	return true;
}

/* COPY text: backslash, tab, newline and carriage return escaped; NULL is \N */
static ms_err put_field(ms_buf *b, const char *v, bool last)
{
	ms_err e = MS_ERR_OK;
	if (!v) {
		e = ms_buf_append(b, "\\N", 2);
	} else {
		const char *run = v;
		for (const char *p = v;; p++) {
			char c = *p;
			if (c && c != '\\' && c != '\t' && c != '\n' && c != '\r')
				continue;
			if (p > run && (e = ms_buf_append(b, run, (size_t)(p - run))))
				return e;
			if (!c)
				break;
			const char *esc = c == '\\' ? "\\\\" : c == '\t' ? "\\t" : c == '\n' ? "\\n" : "\\r";
			if ((e = ms_buf_append(b, esc, 2)))
				return e;
			run = p + 1;
		}
	}
	if (!e)
		e = ms_buf_putc(b, last ? '\n' : '\t');
	return e;
}

static ms_err copy_send(ms_store *s, const char *sql, ms_buf *b, int64_t *pending,
                        ms_error *err)
{
	if (!*pending)
		return MS_ERR_OK;
	PGconn *pg = db_pg(s->db);
	PGresult *r = PQexec(pg, sql);
	if (PQresultStatus(r) != PGRES_COPY_IN) {
		ms_err e = ms_error_set(err, MS_ERR_DB, "数据库错误 (database error) while copying records: %s",
		                        PQerrorMessage(pg));
		PQclear(r);
		return e;
	}
	PQclear(r);
	bool ok = PQputCopyData(pg, b->p, (int)b->len) == 1 && PQputCopyEnd(pg, NULL) == 1;
	ms_err e = MS_ERR_OK;
	while ((r = PQgetResult(pg)) != NULL) {
		if (PQresultStatus(r) != PGRES_COMMAND_OK && !e)
			e = ms_error_set(err, MS_ERR_DB, "数据库错误 (database error) while copying records: %s",
			                 PQresultErrorMessage(r));
		PQclear(r);
	}
	if (!ok && !e)
		e = ms_error_set(err, MS_ERR_DB, "数据库错误 (database error) while copying records: %s",
		                 PQerrorMessage(pg));
	ms_buf_clear(b);
	*pending = 0;
	return e;
}

ms_err store_copy_flush(ms_store *s, ms_error *err)
{
	store_copy *c = s->copy;
	if (!c)
		return MS_ERR_OK;
	ms_err e = copy_send(s,
	                     "COPY record(feed_id, nkey, batch_id, row, idno, area, day, vals, extra) "
	                     "FROM STDIN",
	                     &c->buf, &c->pending, err);
	if (!e)
		e = copy_send(s,
		              "COPY pg_temp.person_stage(idno, household, area, name, pinyin, initials, "
		              "phone, rev_idno, rev_phone) FROM STDIN",
		              &c->ibuf, &c->ipending, err);
	return e;
}

ms_err store_copy_index_add(ms_store *s, const char *const v[9], ms_error *err)
{
	store_copy *c = copy_get(s);
	if (!c)
		return ms_error_set(err, MS_ERR_NOMEM, NULL);
	size_t mark = c->ibuf.len;
	ms_err e = MS_ERR_OK;
	for (int i = 0; i < 9 && !e; i++)
		e = put_field(&c->ibuf, v[i] ? v[i] : "", i == 8);
	if (e) {
		c->ibuf.len = mark;
		if (c->ibuf.p)
			c->ibuf.p[mark] = 0;
		return ms_error_set(err, e == MS_ERR_TOO_LARGE ? MS_ERR_TOO_LARGE : MS_ERR_NOMEM, NULL);
	}
	c->ipending++;
	if (c->ibuf.len >= COPY_FLUSH_BYTES)
		return store_copy_flush(s, err);
	return MS_ERR_OK;
}

ms_err store_copy_add(ms_store *s, const ms_record_in *rec, ms_error *err)
{
	store_copy *c = copy_get(s);
	if (!c)
		return ms_error_set(err, MS_ERR_NOMEM, NULL);
	if (c->feed_id != rec->feed_id || c->batch_id != rec->batch_id) {
		ms_err e = store_copy_flush(s, err);
		if (e)
			return e;
		keys_clear(c);
		c->feed_id = rec->feed_id;
		c->batch_id = rec->batch_id;
	}
	if ((c->n + 1) * 2 > c->cap && !keys_grow(c))
		return ms_error_set(err, MS_ERR_NOMEM, NULL);
	uint64_t h = fnv(rec->nkey);
	key_slot *k = key_find(c, rec->nkey, h);
	if (k->key)
		return MS_ERR_EXISTS; /* the key is already in this batch */
	size_t mark = c->buf.len;
	char num[3][24];
	snprintf(num[0], sizeof num[0], "%lld", (long long)rec->feed_id);
	snprintf(num[1], sizeof num[1], "%lld", (long long)rec->batch_id);
	snprintf(num[2], sizeof num[2], "%lld", (long long)rec->row);
	char day[24];
	if (rec->day != MS_DATE_NONE)
		snprintf(day, sizeof day, "%d", (int)rec->day);
	ms_err e = put_field(&c->buf, num[0], false);
	if (!e)
		e = put_field(&c->buf, rec->nkey, false);
	if (!e)
		e = put_field(&c->buf, num[1], false);
	if (!e)
		e = put_field(&c->buf, num[2], false);
	if (!e)
		e = put_field(&c->buf, rec->idno, false);
	if (!e)
		e = put_field(&c->buf, rec->area, false);
	if (!e)
		e = put_field(&c->buf, rec->day != MS_DATE_NONE ? day : NULL, false);
	if (!e)
		e = put_field(&c->buf, rec->vals, false);
	if (!e)
		e = put_field(&c->buf, rec->extra, true);
	const char *key = e ? NULL : ms_arena_strdup(&c->keys, rec->nkey);
	if (e || !key) {
		c->buf.len = mark;
		if (c->buf.p)
			c->buf.p[mark] = 0;
		return ms_error_set(err, e == MS_ERR_TOO_LARGE ? MS_ERR_TOO_LARGE : MS_ERR_NOMEM, NULL);
	}
	k->key = key;
	k->hash = h;
	k->row = rec->row;
	c->n++;
	c->pending++;
	if (c->buf.len >= COPY_FLUSH_BYTES)
		return store_copy_flush(s, err);
	return MS_ERR_OK;
}

bool store_copy_key_row(ms_store *s, int64_t feed_id, int64_t batch_id, const char *nkey,
                        int64_t *row)
{
	store_copy *c = s->copy;
	if (!c || c->feed_id != feed_id || c->batch_id != batch_id)
		return false;
	key_slot *k = key_find(c, nkey, fnv(nkey));
	if (!k || !k->key)
		return false;
	*row = k->row;
	return true;
}

void store_copy_discard(ms_store *s)
{
	store_copy *c = s->copy;
	if (!c)
		return;
	ms_buf_clear(&c->buf);
	c->pending = 0;
	ms_buf_clear(&c->ibuf);
	c->ipending = 0;
	keys_clear(c);
}

void store_copy_free(ms_store *s)
{
	store_copy *c = s->copy;
	if (!c)
		return;
	ms_free(c->slots);
	ms_arena_free(&c->keys);
	ms_buf_free(&c->buf);
	ms_buf_free(&c->ibuf);
	ms_free(c);
	s->copy = NULL;
}
