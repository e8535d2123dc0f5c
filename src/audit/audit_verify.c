/* audit_verify.c — the access log's reader side: verification (recompute the
 * chain from the genesis line, then hold every anchor line against it) and
 * the auditor's listing. Both open the log read-only and read one snapshot,
 * so they can run while the server writes. */
#include "audit/audit_impl.h"

#include "base/mem.h"

#include <sqlite3.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PATH_MAX_LEN 4000
#define ANCHOR_FILES_MAX 1000000
#define LIST_LIMIT_MAX 10000
#define LIST_LIMIT_DEFAULT 100

static ms_err ro_error(sqlite3 *db, ms_error *err, const char *what)
{
	int code = sqlite3_errcode(db);
	ms_err e = (code == SQLITE_BUSY || code == SQLITE_LOCKED) ? MS_ERR_BUSY : MS_ERR_DB;
	return ms_error_set(err, e, "访问日志数据库错误 (access-log database error) while %s: %s",
	                    what, sqlite3_errmsg(db));
}

/* Opens the log read-only; the file must exist (a read never creates one). */
static ms_err open_ro(const char *path, sqlite3 **db, ms_error *err)
{
	*db = NULL;
	if (!path || !*path)
		return ms_error_set(err, MS_ERR_USAGE, "需要访问日志路径 (an access-log path is "
		                                       "needed)");
	if (strlen(path) > PATH_MAX_LEN)
		return ms_error_set(err, MS_ERR_TOO_LARGE, "访问日志路径过长 (access-log path too "
		                                           "long)");
	struct stat st;
	if (stat(path, &st) != 0) {
		if (errno == ENOENT)
			return ms_error_set(err, MS_ERR_NOT_FOUND, "访问日志 %s 不存在 (access log not "
			                                           "found)", path);
		return ms_error_set(err, MS_ERR_IO, "无法读取访问日志 %s：%s (cannot read the access "
		                                    "log)", path, strerror(errno));
	}
	if (sqlite3_open_v2(path, db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK) {
		ms_err e = *db ? ro_error(*db, err, "opening the access log")
		               : ms_error_set(err, MS_ERR_NOMEM, NULL);
		sqlite3_close(*db);
		*db = NULL;
		return e;
	}
	sqlite3_busy_timeout(*db, AUDIT_BUSY_MS);
	return MS_ERR_OK;
}

/* ---- verification ---- */

typedef struct anchor_file {
	char name[11];
	off_t size; /* as it was before the snapshot: later lines are not read */
} anchor_file;

typedef struct vctx {
	ms_audit_report *r;
	int problems;
	sqlite3 *db;
	sqlite3_stmt *get_hash;
	char genesis_hash[AUDIT_HEX];
} vctx;

/* Cuts s back to a whole UTF-8 character: a message cut by snprintf must
 * still be valid text for JSON. */
static void utf8_trim(char *s)
{
	size_t n = strlen(s), i = n;
	while (i > 0 && ((unsigned char)s[i - 1] & 0xC0) == 0x80)
		i--;
	if (i > 0) {
		unsigned char lead = (unsigned char)s[i - 1];
		size_t want = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
		if (n - (i - 1) < want)
			s[i - 1] = '\0';
	}
}

/* Records a problem: the first one is described, later ones only counted. */
__attribute__((format(printf, 3, 4))) static void problem(vctx *v, int64_t bad_id,
                                                          const char *fmt, ...)
{
	if (v->problems++)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(v->r->problem, sizeof v->r->problem, fmt, ap);
	va_end(ap);
	utf8_trim(v->r->problem);
	v->r->bad_id = bad_id;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(((const anchor_file *)a)->name, ((const anchor_file *)b)->name);
}

/* The anchor files and their sizes, oldest first. A missing folder is no
 * files (reported later as a problem), not an error. */
static ms_err list_anchors(const char *dir, anchor_file **out, size_t *n, ms_error *err)
{
	*out = NULL;
	*n = 0;
	DIR *d = opendir(dir);
	if (!d) {
		if (errno == ENOENT || errno == ENOTDIR)
			return MS_ERR_OK;
		return ms_error_set(err, MS_ERR_IO, "无法读取锚点目录 %s：%s (cannot read the anchor "
		                                    "folder)", dir, strerror(errno));
	}
	size_t cap = 0, plen = strlen(dir) + 16;
	char *p = ms_malloc(plen);
	ms_err e = p ? MS_ERR_OK : ms_error_set(err, MS_ERR_NOMEM, NULL);
	struct dirent *de;
	while (!e && (de = readdir(d))) {
		if (!audit_anchor_name_ok(de->d_name))
			continue;
		snprintf(p, plen, "%s/%s", dir, de->d_name);
		struct stat st;
		if (stat(p, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		if (*n == ANCHOR_FILES_MAX) {
			e = ms_error_set(err, MS_ERR_TOO_LARGE, "锚点文件超过 %d 个 (more than %d anchor "
			                                        "files)", ANCHOR_FILES_MAX,
			                 ANCHOR_FILES_MAX);
			break;
		}
		if (*n == cap) {
			size_t nc = cap ? cap * 2 : 64;
			anchor_file *grown = ms_realloc(*out, nc * sizeof *grown);
			if (!grown) {
				e = ms_error_set(err, MS_ERR_NOMEM, NULL);
				break;
			}
			*out = grown;
			cap = nc;
		}
		memcpy((*out)[*n].name, de->d_name, 11); /* the shape is 10 characters */
		(*out)[(*n)++].size = st.st_size;
	}
	closedir(d);
	ms_free(p);
	if (e) {
		ms_free(*out);
		*out = NULL;
		*n = 0;
		return e;
	}
	if (*n > 1)
		qsort(*out, *n, sizeof **out, name_cmp);
	return MS_ERR_OK;
}

/* The meta rows, checked: the genesis line must be the one its parts make,
 * and genesis_hash its hash. Fills v->genesis_hash and the algorithm. */
static ms_err check_meta(vctx *v, ms_audit_hash *alg, bool *ok, ms_error *err)
{
	*ok = false;
	static const char *const keys[] = {"format",  "algorithm", "created",
	                                   "nonce",   "genesis",   "genesis_hash"};
	enum { NK = sizeof keys / sizeof keys[0] };
	char *vals[NK] = {0};
	sqlite3_stmt *q = NULL;
	ms_err e = MS_ERR_OK;
	if (sqlite3_prepare_v2(v->db, "SELECT value FROM meta WHERE key = ?1", -1, &q, NULL) !=
	    SQLITE_OK)
		e = ro_error(v->db, err, "reading the access-log meta");
	const char *missing = NULL;
	for (size_t i = 0; !e && i < NK; i++) {
		sqlite3_bind_text(q, 1, keys[i], -1, SQLITE_STATIC);
		int rc = sqlite3_step(q);
		if (rc == SQLITE_ROW && sqlite3_column_type(q, 0) == SQLITE_TEXT) {
			const char *t = (const char *)sqlite3_column_text(q, 0);
			if (t && strlen(t) <= 512) {
				if (!(vals[i] = ms_strdup(t)))
					e = ms_error_set(err, MS_ERR_NOMEM, NULL);
			} else if (!missing) {
				missing = keys[i];
			}
		} else if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
			if (!missing)
				missing = keys[i];
		} else {
			e = ro_error(v->db, err, "reading the access-log meta");
		}
		sqlite3_reset(q);
	}
	sqlite3_finalize(q);
	if (!e) {
		ms_buf g;
		ms_buf_init(&g, 2048);
		char h[AUDIT_HEX];
		*alg = missing ? (ms_audit_hash)0 : audit_alg_parse(vals[1]);
		if (*alg)
			snprintf(v->r->algorithm, sizeof v->r->algorithm, "%s", audit_alg_name(*alg));
		if (missing)
			problem(v, 0, "元数据缺少 %s (meta is missing %s)", missing, missing);
		else if (strcmp(vals[0], AUDIT_FORMAT) != 0)
			problem(v, 0, "元数据 format 被修改 (meta format altered)");
		else if (!*alg)
			problem(v, 0, "元数据 algorithm 被修改 (meta algorithm altered)");
		else if ((e = audit_genesis(&g, *alg, vals[2], vals[3])))
			e = ms_error_set(err, e, NULL);
		else if (strcmp(g.p, vals[4]) != 0)
			problem(v, 0, "元数据被修改：创世行与 algorithm/created/nonce 不符 (meta altered: "
			              "the genesis line does not match algorithm, created, nonce)");
		else if ((e = audit_hash_hex(*alg, g.p, g.len, NULL, 0, h, err)))
			;
		else if (strcmp(h, vals[5]) != 0)
			problem(v, 0, "元数据被修改：genesis_hash 不是创世行的哈希 (meta altered: "
			              "genesis_hash is not the genesis line's hash)");
		else {
			memcpy(v->genesis_hash, h, AUDIT_HEX);
			*ok = true;
		}
		ms_buf_free(&g);
	}
	for (size_t i = 0; i < NK; i++)
		ms_free(vals[i]);
	return e;
}

static bool hex64(const char *s)
{
	if (!s || strlen(s) != AUDIT_HEX - 1)
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return false;
	return true;
}

/* Reads every entry in id order and recomputes the chain. */
static ms_err check_chain(vctx *v, ms_audit_hash alg, ms_error *err)
{
	sqlite3_stmt *q = NULL;
	if (sqlite3_prepare_v2(v->db,
	                       "SELECT id, at, user, role, action, object, ref, route, status, addr, "
	                       "request, prev_hash, hash FROM entry ORDER BY id",
	                       -1, &q, NULL) != SQLITE_OK)
		return ro_error(v->db, err, "reading the access log");
	ms_buf canon;
	ms_buf_init(&canon, AUDIT_CANON_MAX);
	ms_audit_report *r = v->r;
	char running[AUDIT_HEX], h[AUDIT_HEX];
	memcpy(running, v->genesis_hash, AUDIT_HEX);
	int64_t prev_id = 0;
	ms_err e = MS_ERR_OK;
	int rc;
	while (!e && (rc = sqlite3_step(q)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(q, 0);
		r->entries++;
		if (r->entries == 1)
			r->first_id = id;
		r->last_id = id;
		/* every column its declared type (STRICT should ensure it; a
		 * rewritten schema would not) */
		bool typed = sqlite3_column_type(q, 0) == SQLITE_INTEGER &&
		             sqlite3_column_type(q, 8) == SQLITE_INTEGER;
		const char *t[13] = {0};
		for (int c = 1; c < 13; c++)
			if (c != 8) {
				if (sqlite3_column_type(q, c) != SQLITE_TEXT)
					typed = false;
				else
					t[c] = (const char *)sqlite3_column_text(q, c);
			}
		const char *stored_prev = t[11], *stored = t[12];
		bool gap = false;
		if (id > prev_id + 1) {
			gap = true;
			if (id == prev_id + 2)
				problem(v, prev_id + 1, "记录 %lld 缺失（被删除）(entry %lld is missing: "
				                        "deleted)", (long long)(prev_id + 1),
				        (long long)(prev_id + 1));
			else
				problem(v, prev_id + 1, "记录 %lld–%lld 缺失（被删除）(entries %lld-%lld are "
				                        "missing: deleted)", (long long)(prev_id + 1),
				        (long long)(id - 1), (long long)(prev_id + 1),
				        (long long)(id - 1));
		} else if (id <= prev_id) {
			problem(v, id, "记录编号 %lld 不应出现在此 (entry id %lld is out of sequence)",
			        (long long)id, (long long)id);
		}
		if (!typed) {
			problem(v, id, "记录 %lld 的字段类型被修改 (entry %lld has a field of the wrong "
			               "type: altered)", (long long)id, (long long)id);
		} else {
			audit_fields f = {.id = id,
			                  .at = t[1],
			                  .user = t[2],
			                  .role = t[3],
			                  .action = t[4],
			                  .object = t[5],
			                  .ref = t[6],
			                  .route = t[7],
			                  .status = sqlite3_column_int64(q, 8),
			                  .addr = t[9],
			                  .request = t[10]};
			/* after a gap the entry is still checked against the link it
			 * claims, so an edit there is found as well */
			const char *base = gap && hex64(stored_prev) ? stored_prev : running;
			ms_error he;
			ms_error_clear(&he);
			ms_err le = audit_link(alg, base, &f, &canon, h, &he);
			if (le == MS_ERR_TOO_LARGE)
				problem(v, id, "记录 %lld 的字段过长 (entry %lld has an overlong field: "
				               "altered)", (long long)id, (long long)id);
			else if (le)
				e = ms_error_set(err, le, "%s", he.msg);
			/* after a gap the link is broken by the deletion already named */
			else if (!gap && strcmp(stored_prev, running) != 0)
				problem(v, id, "记录 %lld 与前一条记录 %lld 不衔接（prev_hash 不符），其中"
				               "一条被修改或替换 (entry %lld does not follow entry %lld: "
				               "prev_hash differs; one of them was altered or replaced)",
				        (long long)id, (long long)prev_id, (long long)id,
				        (long long)prev_id);
			else if (strcmp(stored, h) != 0)
				problem(v, id, "记录 %lld 被修改：哈希不符 (entry %lld was altered: its hash "
				               "does not match its fields)", (long long)id, (long long)id);
		}
		/* go on from the stored hash, so one altered entry is one problem
		 * rather than a cascade */
		if (stored && hex64(stored))
			memcpy(running, stored, AUDIT_HEX);
		else if (typed)
			memcpy(running, h, AUDIT_HEX);
		prev_id = id > prev_id ? id : prev_id;
	}
	if (!e && rc != SQLITE_DONE)
		e = ro_error(v->db, err, "reading the access log");
	sqlite3_finalize(q);
	ms_buf_free(&canon);
	return e;
}

static ms_err check_anchor_line(vctx *v, const anchor_file *af, int64_t lineno, const char *line,
                                size_t len, bool overlong, ms_error *err)
{
	int64_t id;
	char hash[AUDIT_HEX];
	v->r->anchors++;
	if (overlong || !audit_anchor_parse(line, len, &id, hash)) {
		problem(v, 0, "锚点 %s 第 %lld 行格式错误（被修改）(anchor %s line %lld is malformed: "
		              "altered)", af->name, (long long)lineno, af->name, (long long)lineno);
		return MS_ERR_OK;
	}
	if (id == 0) {
		if (strcmp(hash, v->genesis_hash) != 0)
			problem(v, 0, "锚点 %s 第 %lld 行的创世哈希不符：日志被整体替换 (anchor %s line "
			              "%lld has another genesis hash: the log was replaced)", af->name,
			        (long long)lineno, af->name, (long long)lineno);
		return MS_ERR_OK;
	}
	if (id > v->r->last_id) {
		problem(v, v->r->last_id + 1,
		        "日志被截断：锚点 %s 第 %lld 行指向记录 %lld，但最后一条是 %lld (log truncated: "
		        "anchor %s line %lld names entry %lld but the last entry is %lld)",
		        af->name, (long long)lineno, (long long)id, (long long)v->r->last_id, af->name,
		        (long long)lineno, (long long)id, (long long)v->r->last_id);
		return MS_ERR_OK;
	}
	sqlite3_stmt *q = v->get_hash;
	sqlite3_bind_int64(q, 1, id);
	int rc = sqlite3_step(q);
	ms_err e = MS_ERR_OK;
	if (rc == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(q, 0);
		if (!t || strcmp(t, hash) != 0)
			problem(v, id, "锚点 %s 第 %lld 行与记录 %lld 的哈希不符：记录被改写或锚点被修改 "
			               "(anchor %s line %lld disagrees with the hash of entry %lld: the "
			               "entries were rewritten or the anchor altered)", af->name,
			        (long long)lineno, (long long)id, af->name, (long long)lineno,
			        (long long)id);
	} else if (rc == SQLITE_DONE) {
		problem(v, id, "锚点 %s 第 %lld 行指向的记录 %lld 不存在（被删除）(anchor %s line %lld "
		               "names entry %lld, which is missing: deleted)", af->name,
		        (long long)lineno, (long long)id, af->name, (long long)lineno, (long long)id);
	} else {
		e = ro_error(v->db, err, "reading an access-log entry");
	}
	sqlite3_reset(q);
	return e;
}

/* Every complete line of one anchor file, up to the size it had before the
 * snapshot. An unterminated last fragment is a line being written, skipped:
 * dropping a line is no more than an attacker could do anyway. */
static ms_err check_anchor_file(vctx *v, const char *dir, const anchor_file *af, ms_error *err)
{
	size_t plen = strlen(dir) + sizeof af->name + 2;
	char *p = ms_malloc(plen);
	if (!p)
		return ms_error_set(err, MS_ERR_NOMEM, NULL);
	snprintf(p, plen, "%s/%s", dir, af->name);
	int fd = open(p, O_RDONLY | O_CLOEXEC);
	ms_free(p);
	if (fd < 0)
		return ms_error_set(err, MS_ERR_IO, "无法读取锚点文件 %s：%s (cannot read an anchor "
		                                    "file)", af->name, strerror(errno));
	char *buf = ms_malloc(65536);
	if (!buf) {
		close(fd);
		return ms_error_set(err, MS_ERR_NOMEM, NULL);
	}
	char line[AUDIT_ANCHOR_LINE_MAX];
	size_t ll = 0;
	bool overlong = false;
	int64_t lineno = 0;
	off_t left = af->size;
	ms_err e = MS_ERR_OK;
	while (!e && left > 0) {
		size_t want = left < 65536 ? (size_t)left : 65536;
		ssize_t got = read(fd, buf, want);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			e = ms_error_set(err, MS_ERR_IO, "无法读取锚点文件 %s：%s (cannot read an anchor "
			                                 "file)", af->name, strerror(errno));
			break;
		}
		if (got == 0)
			break;
		left -= got;
		for (ssize_t i = 0; !e && i < got; i++) {
			if (buf[i] == '\n') {
				e = check_anchor_line(v, af, ++lineno, line, ll, overlong, err);
				ll = 0;
				overlong = false;
			} else if (ll < sizeof line) {
				line[ll++] = buf[i];
			} else {
				overlong = true;
			}
		}
	}
	ms_free(buf);
	close(fd);
	return e;
}

static ms_err count_tables(sqlite3 *db, int *n, ms_error *err)
{
	sqlite3_stmt *q = NULL;
	*n = 0;
	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND "
	                           "name IN ('meta', 'entry')", -1, &q, NULL) != SQLITE_OK)
		return ro_error(db, err, "reading the access-log schema");
	ms_err e = MS_ERR_OK;
	if (sqlite3_step(q) == SQLITE_ROW)
		*n = sqlite3_column_int(q, 0);
	else
		e = ro_error(db, err, "reading the access-log schema");
	sqlite3_finalize(q);
	return e;
}

ms_err ms_audit_verify(const char *path, const char *anchor_dir, ms_audit_report *out,
                       ms_error *err)
{
	if (!out)
		return ms_error_set(err, MS_ERR_USAGE, NULL);
	memset(out, 0, sizeof *out);
	vctx v = {.r = out};
	if (anchor_dir && strlen(anchor_dir) > PATH_MAX_LEN)
		return ms_error_set(err, MS_ERR_TOO_LARGE, "锚点目录路径过长 (anchor folder path too "
		                                           "long)");
	ms_err e = open_ro(path, &v.db, err);
	if (e)
		return e;
	char *dir = audit_anchor_dir(path, anchor_dir);
	anchor_file *files = NULL;
	size_t nfiles = 0;
	if (!dir)
		e = ms_error_set(err, MS_ERR_NOMEM, NULL);
	/* the anchors' sizes first, the snapshot second: every line counted was
	 * written after its commit, so the snapshot holds its entry */
	if (!e)
		e = list_anchors(dir, &files, &nfiles, err);
	char *msg = NULL;
	if (!e && sqlite3_exec(v.db, "BEGIN", NULL, NULL, &msg) != SQLITE_OK)
		e = ms_error_set(err, MS_ERR_DB, "访问日志数据库错误 (access-log database error): %s",
		                 msg ? msg : sqlite3_errmsg(v.db));
	sqlite3_free(msg);
	int tables = 0;
	if (!e)
		e = count_tables(v.db, &tables, err);
	bool meta_ok = false;
	ms_audit_hash alg = 0;
	if (!e && tables != 2)
		problem(&v, 0, "访问日志缺少表 meta 或 entry（被删除，或不是访问日志）(the access log "
		               "lacks its meta or entry table: dropped, or not an access log)");
	else if (!e)
		e = check_meta(&v, &alg, &meta_ok, err);
	if (!e && meta_ok)
		e = check_chain(&v, alg, err);
	if (!e && meta_ok &&
	    sqlite3_prepare_v2(v.db, "SELECT hash FROM entry WHERE id = ?1", -1, &v.get_hash,
	                       NULL) != SQLITE_OK)
		e = ro_error(v.db, err, "reading the access log");
	if (!e && meta_ok) {
		for (size_t i = 0; !e && i < nfiles; i++)
			e = check_anchor_file(&v, dir, &files[i], err);
		if (!e && out->anchors == 0)
			problem(&v, 0, "没有锚点，无法确认日志未被截断：锚点目录 %.300s 缺失或为空 (no "
			               "anchor lines: the anchor folder is missing or empty)", dir);
	}
	sqlite3_finalize(v.get_hash);
	sqlite3_exec(v.db, "COMMIT", NULL, NULL, NULL);
	sqlite3_close(v.db);
	ms_free(files);
	ms_free(dir);
	if (e)
		return e;
	if (v.problems > 1) {
		size_t n = strlen(out->problem);
		snprintf(out->problem + n, sizeof out->problem - n, "；另有 %d 处问题 (%d more)",
		         v.problems - 1, v.problems - 1);
		utf8_trim(out->problem);
	}
	if (v.problems)
		return ms_error_set(err, MS_ERR_INVALID, "%s", out->problem);
	return MS_ERR_OK;
}

/* ---- listing ---- */

#define LIST_COLS                                                                                  \
	"SELECT id, at, user, role, action, object, ref, route, status, addr, request FROM entry " \
	"WHERE id < ?1"
static const char *const list_sql[4] = {
    LIST_COLS " ORDER BY id DESC LIMIT ?4",
    LIST_COLS " AND user = ?2 ORDER BY id DESC LIMIT ?4",
    LIST_COLS " AND ref = ?3 ORDER BY id DESC LIMIT ?4",
    LIST_COLS " AND user = ?2 AND ref = ?3 ORDER BY id DESC LIMIT ?4",
};

static const char *col(sqlite3_stmt *q, int i)
{
	const unsigned char *t = sqlite3_column_text(q, i);
	return t ? (const char *)t : "";
}

ms_err ms_audit_list(const char *path, const char *user, const char *ref, int64_t before_id,
                     int limit, int (*fn)(void *ctx, const ms_audit_row *r), void *ctx,
                     ms_error *err)
{
	if (!fn)
		return ms_error_set(err, MS_ERR_USAGE, NULL);
	if ((user && strlen(user) > MS_AUDIT_FIELD_MAX) || (ref && strlen(ref) > MS_AUDIT_FIELD_MAX))
		return ms_error_set(err, MS_ERR_TOO_LARGE, "筛选条件过长 (filter too long)");
	if (limit <= 0)
		limit = LIST_LIMIT_DEFAULT;
	if (limit > LIST_LIMIT_MAX)
		limit = LIST_LIMIT_MAX;
	sqlite3 *db;
	ms_err e = open_ro(path, &db, err);
	if (e)
		return e;
	/* one fixed statement per filter combination, so each can use its index */
	sqlite3_stmt *q = NULL;
	if (sqlite3_prepare_v2(db, list_sql[(user ? 1 : 0) | (ref ? 2 : 0)], -1, &q, NULL) !=
	    SQLITE_OK) {
		e = ro_error(db, err, "listing the access log");
		sqlite3_close(db);
		return e;
	}
	sqlite3_bind_int64(q, 1, before_id > 0 ? before_id : INT64_MAX);
	if (user)
		sqlite3_bind_text(q, 2, user, -1, SQLITE_STATIC);
	if (ref)
		sqlite3_bind_text(q, 3, ref, -1, SQLITE_STATIC);
	sqlite3_bind_int(q, 4, limit);
	int rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		ms_audit_row r = {.id = sqlite3_column_int64(q, 0),
		                  .at = col(q, 1),
		                  .user = col(q, 2),
		                  .role = col(q, 3),
		                  .action = col(q, 4),
		                  .object = col(q, 5),
		                  .ref = col(q, 6),
		                  .route = col(q, 7),
		                  .status = sqlite3_column_int(q, 8),
		                  .addr = col(q, 9),
		                  .request = col(q, 10)};
		if (fn(ctx, &r))
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		e = ro_error(db, err, "listing the access log");
	sqlite3_finalize(q);
	sqlite3_close(db);
	return e;
}
