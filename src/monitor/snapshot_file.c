/* snapshot_file.c — a snapshot kept as a file (snapshot.h): written once
 * after a build, mapped read-only by later scans while the store's
 * published batches are unchanged. Every array is stored 8-byte aligned
 * and, on load, used where it lies in the mapping; only the dictionaries'
 * tables of string pointers are allocated. Nothing in a file is trusted
 * before its size, checksum and every length in it have been checked. */
#include "monitor/snapshot.h"

#include "base/mem.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define SNAP_MAGIC "MSSNAPF\0"
#define SNAP_VERSION 3u
#define SNAP_BOM 0x01020304u

typedef struct snap_header {
	char magic[8];
	uint32_t version, bom;
	uint64_t feeds_hash;
	uint64_t size;     /* of the whole file */
	uint64_t checksum; /* of every value after the header */
	uint64_t reserved[3];
} snap_header;

_Static_assert(sizeof(snap_header) == 64, "the header is 64 bytes");
_Static_assert(sizeof(ms_date) == 4, "dates are 4 bytes");

#define NO_ARRAY UINT64_MAX /* the length of an absent (NULL) array */

/* ---- checksum: four independent lanes, so it runs at memory speed ---- */

static inline uint64_t mix(uint64_t h, uint64_t w)
{
	h = (h ^ w) * 0xFF51AFD7ED558CCDull;
	return h ^ (h >> 29);
}

static uint64_t sum_bytes(const void *data, size_t n)
{
	const unsigned char *p = data;
	uint64_t a = 0x9E3779B97F4A7C15ull ^ n, b = 0xC2B2AE3D27D4EB4Full,
	         c = 0x165667B19E3779F9ull, d = 0x27D4EB2F165667C5ull;
	while (n >= 32) {
		uint64_t w[4];
		memcpy(w, p, 32);
		a = mix(a, w[0]);
		b = mix(b, w[1]);
		c = mix(c, w[2]);
		d = mix(d, w[3]);
		p += 32;
		n -= 32;
	}
	while (n >= 8) {
		uint64_t w;
		memcpy(&w, p, 8);
		a = mix(a, w);
		p += 8;
		n -= 8;
	}
	uint64_t w = 0;
	memcpy(&w, p, n);
	a = mix(a, w ^ ((uint64_t)n << 56));
	return mix(mix(mix(a, b), c), d);
}

static uint64_t fold(uint64_t sum, const void *p, size_t n)
{
	return mix(sum * 0x9E3779B97F4A7C15ull, sum_bytes(p, n));
}

/* ---- the feed set's hash ---- */

static uint64_t hash_str(uint64_t h, const char *s)
{
	return fold(h, s ? s : "", s ? strlen(s) + 1 : 1);
}

static uint64_t hash_int(uint64_t h, int64_t v)
{
	return fold(h, &v, sizeof v);
}

uint64_t ms_snapshot_feeds_hash(const ms_feed_set *feeds)
{
	uint64_t h = hash_int(0, SNAP_VERSION);
	h = hash_int(h, feeds->n);
	for (int k = 0; k < feeds->n; k++) {
		const ms_feed *f = feeds->feeds[k];
		h = hash_str(h, f->name);
		int64_t v[] = {f->role,       f->n_cols,   f->person_col,    f->name_col,
		               f->date_col,   f->area_col, f->household_col, f->father_col,
		               f->mother_col, f->n_key,    f->invalid_id};
		for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
			h = hash_int(h, v[i]);
		for (int i = 0; i < f->n_key; i++)
			h = hash_int(h, f->key[i]);
		for (int c = 0; c < f->n_cols; c++) {
			const ms_feed_column *col = &f->cols[c];
			h = hash_str(h, col->name);
			h = hash_int(h, col->type);
			h = hash_int(h, col->scale);
			h = hash_int(h, col->n_values);
			for (int i = 0; i < col->n_values; i++)
				h = hash_str(h, col->values[i]);
		}
	}
	return h;
}

/* ---- writing ---- */

typedef struct writer {
	FILE *f;
	uint64_t off, sum;
	bool failed;
} writer;

static void put_raw(writer *w, const void *p, size_t n)
{
	if (w->failed || n == 0)
		return;
	if (fwrite(p, 1, n, w->f) != n)
		w->failed = true;
	w->off += n;
}

static void put(writer *w, const void *p, size_t n)
{
	if (n) /* as the reader sums: nothing for an empty array */
		w->sum = fold(w->sum, p, n);
	put_raw(w, p, n);
}

static void put_u64(writer *w, uint64_t v)
{
	put(w, &v, sizeof v);
}

static void align8(writer *w)
{
	static const char zero[8];
	if (w->off & 7)
		put_raw(w, zero, 8 - (w->off & 7));
}

/* An array: its length in bytes (NO_ARRAY for NULL), then its bytes at an
 * offset that is a multiple of 8. */
static void put_array(writer *w, const void *p, size_t n)
{
	put_u64(w, p ? n : NO_ARRAY);
	align8(w);
	if (p)
		put(w, p, n);
}

/* n strings: their count, the length of the block, then each with its NUL. */
static void put_strings(writer *w, const char *const *str, uint32_t n)
{
	uint64_t bytes = 0;
	for (uint32_t i = 0; i < n; i++)
		bytes += strlen(str[i]) + 1;
	put_u64(w, n);
	put_u64(w, bytes);
	for (uint32_t i = 0; i < n; i++)
		put(w, str[i], strlen(str[i]) + 1);
}

enum { COL_I32 = 1, COL_I64 = 2, COL_EMPTY = 4, COL_DICT = 8, COL_IDNOS = 16 };

static void write_body(writer *w, const ms_snapshot *s)
{
	uint32_t nh = s->nhouseholds, np = s->npersons;
	uint64_t nmember = s->member_start ? s->member_start[nh] : 0;
	uint64_t counts[] = {
	    s->nbatches, np,           nh,           (uint64_t)s->nfeeds,       s->records_read,
	    nmember,     s->source[0], s->source[1], (uint64_t)s->max_record_id};
	put(w, counts, sizeof counts);
	put_array(w, s->batches, s->nbatches * sizeof *s->batches);
	put_array(w, s->idno, np * sizeof *s->idno);
	put_array(w, s->birth, np * sizeof *s->birth);
	put_array(w, s->sex, np);
	put_array(w, s->in_registry, np);
	put_array(w, s->household, np * sizeof *s->household);
	put_array(w, s->father, np * sizeof *s->father);
	put_array(w, s->mother, np * sizeof *s->mother);
	put_array(w, s->has_father, np);
	put_array(w, s->has_mother, np);
	put_array(w, s->area, np * sizeof *s->area);
	put_array(w, s->name, np * sizeof *s->name);
	put_strings(w, s->names.str, s->names.n);
	put_strings(w, s->hhid, nh);
	put_array(w, s->hh_area, nh * sizeof *s->hh_area);
	put_array(w, s->member_start, s->member_start ? ((size_t)nh + 1) * 4 : 0);
	put_array(w, s->member, nmember * sizeof *s->member);
	put_strings(w, s->areas.str, s->areas.n);
	put_strings(w, s->idnos.str, s->idnos.n);
	for (int k = 0; k < s->nfeeds; k++) {
		const ms_snap_feed *f = &s->feeds[k];
		size_t n = f->nrows;
		put_strings(w, (const char *const *)&f->def->name, 1);
		uint64_t fc[] = {(uint64_t)f->def->n_cols, n};
		put(w, fc, sizeof fc);
		put_array(w, f->owner, n * sizeof *f->owner);
		put_array(w, f->start, ((size_t)np + 1) * sizeof *f->start);
		put_array(w, f->record_id, n * sizeof *f->record_id);
		put_array(w, f->batch_id, n * sizeof *f->batch_id);
		put_array(w, f->row_no, n * sizeof *f->row_no);
		for (int c = 0; c < f->def->n_cols; c++) {
			const ms_snap_col *col = &f->cols[c];
			bool idnos = col->dict.str && col->dict.str == s->idnos.str;
			uint64_t flags = (col->i32 ? COL_I32 : 0) | (col->i64 ? COL_I64 : 0) |
			                 (col->empty ? COL_EMPTY : 0) | (idnos ? COL_IDNOS : 0) |
			                 (col->dict.str && !idnos ? COL_DICT : 0);
			uint64_t cc[] = {(uint64_t)col->type, flags};
			put(w, cc, sizeof cc);
			if (col->i32)
				put_array(w, col->i32, n * sizeof *col->i32);
			if (col->i64)
				put_array(w, col->i64, n * sizeof *col->i64);
			if (col->empty)
				put_array(w, col->empty, n);
			if (flags & COL_DICT)
				put_strings(w, col->dict.str, col->dict.n);
		}
	}
}

ms_err ms_snapshot_save(const ms_snapshot *snap, const ms_feed_set *feeds, const char *path,
                        ms_error *err)
{
	size_t plen = strlen(path);
	char *tmp = ms_malloc(plen + 32);
	if (!tmp)
		return ms_error_set(err, MS_ERR_NOMEM, NULL);
	snprintf(tmp, plen + 32, "%s.tmp.%ld", path, (long)getpid());
	ms_err rc = MS_ERR_OK;
	writer w = {.f = fopen(tmp, "wb")};
	if (!w.f) {
		rc = ms_error_set(err, MS_ERR_IO,
		                  "无法写入快照文件 %s (cannot write the snapshot file): %s", tmp,
		                  strerror(errno));
		ms_free(tmp);
		return rc;
	}
	static char buf[1 << 20];
	setvbuf(w.f, buf, _IOFBF, sizeof buf);
	snap_header h;
	memset(&h, 0, sizeof h);
	put_raw(&w, &h, sizeof h); /* written again at the end */
	write_body(&w, snap);
	memcpy(h.magic, SNAP_MAGIC, 8);
	h.version = SNAP_VERSION;
	h.bom = SNAP_BOM;
	h.feeds_hash = ms_snapshot_feeds_hash(feeds);
	h.size = w.off;
	h.checksum = w.sum;
	if (!w.failed && (fflush(w.f) || fseek(w.f, 0, SEEK_SET)))
		w.failed = true;
	if (!w.failed && fwrite(&h, sizeof h, 1, w.f) != 1)
		w.failed = true;
	if (!w.failed && (fflush(w.f) || fsync(fileno(w.f))))
		w.failed = true;
	int saved = errno;
	if (fclose(w.f))
		w.failed = true;
	if (!w.failed && rename(tmp, path) != 0) {
		saved = errno;
		w.failed = true;
	}
	if (w.failed) {
		rc = ms_error_set(err, MS_ERR_IO,
		                  "无法写入快照文件 %s (cannot write the snapshot file): %s", path,
		                  strerror(saved));
		unlink(tmp);
	}
	ms_free(tmp);
	return rc;
}

/* ---- reading ---- */

typedef struct reader {
	const unsigned char *base;
	uint64_t off, size, sum;
	bool bad;
	const char *why;
} reader;

static void fail(reader *r, const char *why)
{
	if (!r->bad)
		r->why = why;
	r->bad = true;
}

/* n bytes, not yet added to the checksum */
static const void *get_nosum(reader *r, uint64_t n)
{
	if (r->bad || n > r->size - r->off) {
		fail(r, "truncated");
		return NULL;
	}
	const void *p = r->base + r->off;
	r->off += n;
	return p;
}

static const void *get(reader *r, uint64_t n)
{
	const void *p = get_nosum(r, n);
	if (p)
		r->sum = fold(r->sum, p, n);
	return p;
}

static uint64_t get_u64(reader *r)
{
	const void *p = get(r, 8);
	uint64_t v = 0;
	if (p)
		memcpy(&v, p, 8);
	return v;
}

/* An array of exactly `want` bytes, or NULL when absent (and `may_lack`). */
static void *get_array(reader *r, uint64_t want, bool may_lack)
{
	uint64_t n = get_u64(r);
	if (r->bad)
		return NULL;
	if (n == NO_ARRAY) {
		if (!may_lack)
			fail(r, "missing array");
		return NULL;
	}
	if (n != want) {
		fail(r, "array length");
		return NULL;
	}
	uint64_t pad = (8 - (r->off & 7)) & 7;
	const unsigned char *z = get_nosum(r, pad);
	for (uint64_t i = 0; z && i < pad; i++)
		if (z[i]) /* padding is zeros: no byte of the file goes unchecked */
			fail(r, "padding");
	if (r->bad)
		return NULL;
	if (n == 0)
		return (void *)(uintptr_t)(r->base + r->off);
	return (void *)(uintptr_t)get(r, n);
}

/* A table of n string pointers into the block (allocated), or NULL with
 * r->bad set. */
static const char **get_strings(reader *r, uint32_t *n_out, ms_err *nomem)
{
	uint64_t n = get_u64(r), bytes = get_u64(r);
	if (r->bad || n > UINT32_MAX || n > bytes) {
		fail(r, "dictionary size");
		return NULL;
	}
	const char *p = get_nosum(r, bytes);
	if (!p)
		return NULL;
	const char **str = ms_malloc((n ? n : 1) * sizeof *str);
	if (!str) {
		*nomem = MS_ERR_NOMEM;
		fail(r, "memory");
		return NULL;
	}
	uint64_t at = 0;
	for (uint64_t i = 0; i < n; i++) {
		const char *z = at < bytes ? memchr(p + at, '\0', bytes - at) : NULL;
		if (!z) {
			ms_free(str);
			fail(r, "dictionary text");
			return NULL;
		}
		str[i] = p + at;
		r->sum =
		    fold(r->sum, p + at, (uint64_t)(z - p) + 1 - at); /* as written: one by one */
		at = (uint64_t)(z - p) + 1;
	}
	if (at != bytes) {
		ms_free(str);
		fail(r, "dictionary text");
		return NULL;
	}
	*n_out = (uint32_t)n;
	return str;
}

static bool is_text(ms_col_type t)
{
	return t == MS_COL_TEXT || t == MS_COL_ENUM || t == MS_COL_IDNUM || t == MS_COL_AREA ||
	       t == MS_COL_PHONE;
}

static void read_body(reader *r, ms_snapshot *s, const ms_feed_set *feeds, ms_err *nomem)
{
	const uint64_t *cp = get(r, 9 * 8);
	if (!cp)
		return;
	uint64_t counts[9];
	memcpy(counts, cp, sizeof counts);
	if (counts[0] > UINT32_MAX || counts[1] >= INT32_MAX || counts[2] >= INT32_MAX ||
	    counts[3] > MS_FEED_MAX_FEEDS || counts[5] > counts[1] * 64 + 64) {
		fail(r, "counts");
		return;
	}
	s->nbatches = (uint32_t)counts[0];
	uint64_t np = s->npersons = (uint32_t)counts[1];
	uint64_t nh = s->nhouseholds = (uint32_t)counts[2];
	s->records_read = counts[4];
	s->source[0] = counts[6];
	s->source[1] = counts[7];
	s->max_record_id = (int64_t)counts[8];
	uint64_t nmember = counts[5];
	s->batches = get_array(r, s->nbatches * 8, true);
	s->idno = get_array(r, np * 19, true);
	s->birth = get_array(r, np * 4, true);
	s->sex = get_array(r, np, true);
	s->in_registry = get_array(r, np, true);
	s->household = get_array(r, np * 4, true);
	s->father = get_array(r, np * 4, true);
	s->mother = get_array(r, np * 4, true);
	s->has_father = get_array(r, np, true);
	s->has_mother = get_array(r, np, true);
	s->area = get_array(r, np * 4, true);
	s->name = get_array(r, np * 4, true);
	s->names.str = get_strings(r, &s->names.n, nomem);
	uint32_t nhh = 0;
	s->hhid = get_strings(r, &nhh, nomem);
	if (!r->bad && nhh != nh)
		fail(r, "households");
	s->hh_area = get_array(r, nh * 4, true);
	s->member_start = get_array(r, (nh + 1) * 4, true);
	s->member = get_array(r, nmember * 4, true);
	s->areas.str = get_strings(r, &s->areas.n, nomem);
	s->idnos.str = get_strings(r, &s->idnos.n, nomem);
	if (r->bad)
		return;
	if (s->member_start && s->member_start[nh] != nmember) {
		fail(r, "members");
		return;
	}
	s->feeds = ms_calloc(counts[3] ? counts[3] : 1, sizeof *s->feeds);
	if (!s->feeds) {
		*nomem = MS_ERR_NOMEM;
		fail(r, "memory");
		return;
	}
	/* the file's feeds are the set's feeds of facts, in order */
	int k = 0;
	for (uint64_t i = 0; i < counts[3] && !r->bad; i++) {
		while (k < feeds->n && feeds->feeds[k]->role != MS_FEED_FACTS)
			k++;
		if (k == feeds->n) {
			fail(r, "feeds");
			return;
		}
		const ms_feed *def = feeds->feeds[k++];
		uint32_t one = 0;
		const char **name = get_strings(r, &one, nomem);
		bool same = name && one == 1 && strcmp(name[0], def->name) == 0;
		ms_free(name);
		const uint64_t *fcp = get(r, 16);
		if (r->bad || !same || !fcp) {
			fail(r, "feeds");
			return;
		}
		uint64_t fc[2];
		memcpy(fc, fcp, sizeof fc);
		if (fc[0] != (uint64_t)def->n_cols || fc[1] > UINT32_MAX) {
			fail(r, "feeds");
			return;
		}
		ms_snap_feed *f = &s->feeds[s->nfeeds++];
		f->def = def;
		uint64_t n = f->nrows = (uint32_t)fc[1];
		f->cols = ms_calloc(def->n_cols ? (size_t)def->n_cols : 1, sizeof *f->cols);
		if (!f->cols) {
			*nomem = MS_ERR_NOMEM;
			fail(r, "memory");
			return;
		}
		f->owner = get_array(r, n * sizeof *f->owner, true);
		f->start = get_array(r, (np + 1) * sizeof *f->start, true);
		f->record_id = get_array(r, n * sizeof *f->record_id, true);
		f->batch_id = get_array(r, n * sizeof *f->batch_id, true);
		f->row_no = get_array(r, n * sizeof *f->row_no, true);
		if (!r->bad && f->start && f->start[np] != n)
			fail(r, "rows");
		for (int c = 0; c < def->n_cols && !r->bad; c++) {
			ms_snap_col *col = &f->cols[c];
			col->def = &def->cols[c];
			col->type = def->cols[c].type;
			const uint64_t *ccp = get(r, 16);
			if (!ccp)
				return;
			uint64_t cc[2];
			memcpy(cc, ccp, sizeof cc);
			if (cc[0] != (uint64_t)col->type || cc[1] > 31 ||
			    ((cc[1] & (COL_DICT | COL_IDNOS)) && !is_text(col->type))) {
				fail(r, "columns");
				return;
			}
			if (cc[1] & COL_I32)
				col->i32 = get_array(r, n * 4, false);
			if (cc[1] & COL_I64)
				col->i64 = get_array(r, n * 8, false);
			if (cc[1] & COL_EMPTY)
				col->empty = get_array(r, n, false);
			if (cc[1] & COL_DICT)
				col->dict.str = get_strings(r, &col->dict.n, nomem);
			else if (cc[1] & COL_IDNOS)
				col->dict = s->idnos;
		}
	}
	if (!r->bad && r->off != r->size)
		fail(r, "trailing bytes");
}

ms_err ms_snapshot_load(const char *path, const ms_feed_set *feeds, ms_snapshot **out,
                        ms_error *err)
{
	*out = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return ms_error_set(err, MS_ERR_NOT_FOUND,
			                    "没有快照文件 %s (no snapshot file)", path);
		return ms_error_set(err, MS_ERR_IO,
		                    "无法读取快照文件 %s (cannot read the snapshot file): %s", path,
		                    strerror(errno));
	}
	struct stat st;
	if (fstat(fd, &st) != 0 || st.st_size < (off_t)sizeof(snap_header)) {
		close(fd);
		return ms_error_set(err, MS_ERR_INVALID,
		                    "快照文件 %s 已损坏 (the snapshot file is damaged): too short",
		                    path);
	}
	size_t len = (size_t)st.st_size;
	int flags = MAP_PRIVATE;
#ifdef MAP_POPULATE
	flags |= MAP_POPULATE;
#endif
	void *map = mmap(NULL, len, PROT_READ, flags, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return ms_error_set(err, MS_ERR_IO,
		                    "无法读取快照文件 %s (cannot read the snapshot file): %s", path,
		                    strerror(errno));
	snap_header h;
	memcpy(&h, map, sizeof h);
	const char *why = NULL;
	if (memcmp(h.magic, SNAP_MAGIC, 8) != 0 || h.bom != SNAP_BOM)
		why = "not a snapshot file";
	else if (h.version != SNAP_VERSION)
		why = "another format version";
	else if (h.feeds_hash != ms_snapshot_feeds_hash(feeds))
		why = "written for other feed definitions";
	else if (h.size != len)
		why = "wrong size";
	else if (h.reserved[0] || h.reserved[1] || h.reserved[2])
		why = "damaged header";
	if (why) {
		munmap(map, len);
		return ms_error_set(err, MS_ERR_INVALID,
		                    "快照文件 %s 不可用 (the snapshot file is unusable): %s", path,
		                    why);
	}
	ms_snapshot *snap = ms_calloc(1, sizeof *snap);
	if (!snap) {
		munmap(map, len);
		return ms_error_set(err, MS_ERR_NOMEM, NULL);
	}
	snap->map = map;
	snap->map_len = len;
	reader r = {.base = map, .off = sizeof h, .size = len};
	ms_err nomem = MS_ERR_OK;
	read_body(&r, snap, feeds, &nomem);
	if (!r.bad && r.sum != h.checksum)
		fail(&r, "checksum");
	if (r.bad) {
		ms_snapshot_free(snap);
		if (nomem)
			return ms_error_set(err, MS_ERR_NOMEM, NULL);
		return ms_error_set(err, MS_ERR_INVALID,
		                    "快照文件 %s 已损坏 (the snapshot file is damaged): %s", path,
		                    r.why);
	}
	*out = snap;
	return MS_ERR_OK;
}
