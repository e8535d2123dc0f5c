/* audit.c — the access log's writer (SPEC §7): open or create the log,
 * queue entries from any thread, and one writer thread that commits the
 * queue in a transaction, extends the hash chain and appends the head to the
 * day's anchor file. The reader side (verify, list) is audit_verify.c. */
#include "audit/audit_impl.h"

#include "base/log.h"
#include "base/mem.h"

#include <openssl/rand.h>
#include <sqlite3.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define PATH_MAX_LEN 4000
#define FLUSH_MS_MAX 60000
#define BATCH_MAX 100000
#define QUEUE_MAX_MAX 10000000

/* a queued entry: one allocation, the strings follow the struct */
enum { F_AT, F_USER, F_ROLE, F_ACTION, F_OBJECT, F_REF, F_ROUTE, F_ADDR, F_REQUEST, F__COUNT };
static const char *const field_names[F__COUNT] = {"at",  "user",  "role", "action", "object",
                                                  "ref", "route", "addr", "request"};

typedef struct qent {
	struct qent *next;
	int status;
	const char *f[F__COUNT];
} qent;

struct ms_audit {
	sqlite3 *db;
	sqlite3_stmt *st_begin, *st_commit, *st_rollback, *st_head, *st_insert;
	ms_audit_hash alg;
	char genesis_hash[AUDIT_HEX];
	char *dir;
	int anchor_fd;       /* today's anchor file, or -1 */
	char anchor_day[11]; /* its date */
	int flush_ms, batch;
	size_t queue_max;
	ms_buf canon; /* the writer's scratch for canonical bytes */

	/* shared with the threads that log: everything below, under mu */
	pthread_mutex_t mu;
	pthread_cond_t work;  /* the writer waits for entries, a full batch or a flush */
	pthread_cond_t done;  /* flushers wait for `finished` to pass their target */
	pthread_cond_t space; /* loggers wait for room in the queue */
	bool sync_ok, started, stop;
	pthread_t thread;
	qent *head, *tail;
	size_t nq;
	struct timespec first_at; /* CLOCK_MONOTONIC: when the oldest queued entry came */
	uint64_t queued, finished; /* entries ever queued; ever committed (or lost to a failure) */
	int flushing;              /* flush calls waiting: commit without waiting for flush_ms */
	int64_t head_id;
	ms_error fail; /* the first commit or anchor failure; sticky */
};

static ms_err db_error(sqlite3 *db, ms_error *err, const char *what)
{
	int code = sqlite3_errcode(db);
	if (code == SQLITE_FULL)
		return ms_error_set(err, MS_ERR_IO, "磁盘已满 (disk full) while %s", what);
	ms_err e = (code == SQLITE_BUSY || code == SQLITE_LOCKED) ? MS_ERR_BUSY : MS_ERR_DB;
	return ms_error_set(err, e, "访问日志数据库错误 (access-log database error) while %s: %s",
	                    what, sqlite3_errmsg(db));
}

static ms_err prepare(ms_audit *a, const char *sql, sqlite3_stmt **q, ms_error *err)
{
	if (sqlite3_prepare_v3(a->db, sql, -1, SQLITE_PREPARE_PERSISTENT, q, NULL) != SQLITE_OK)
		return db_error(a->db, err, "preparing a statement");
	return MS_ERR_OK;
}

/* Steps a statement expected to return no row, and resets it. */
static ms_err exec_done(ms_audit *a, sqlite3_stmt *q, ms_error *err, const char *what)
{
	int rc = sqlite3_step(q);
	ms_err e = MS_ERR_OK;
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		e = db_error(a->db, err, what);
	sqlite3_reset(q);
	return e;
}

static void rollback(ms_audit *a)
{
	if (!sqlite3_get_autocommit(a->db)) {
		sqlite3_step(a->st_rollback);
		sqlite3_reset(a->st_rollback);
	}
}

/* ---- anchors ---- */

static ms_err sync_dir(const char *dir, ms_error *err)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) != 0) {
		int en = errno;
		if (fd >= 0)
			close(fd);
		return ms_error_set(err, MS_ERR_IO, "无法同步锚点目录 %s：%s (cannot sync the anchor "
		                                    "folder)", dir, strerror(en));
	}
	close(fd);
	return MS_ERR_OK;
}

/* Appends "time id hash" to today's anchor file with one write and fsyncs
 * it: once this returns, the head is on disk outside the database. */
static ms_err anchor_write(ms_audit *a, int64_t id, const char *hash, ms_error *err)
{
	char day[11];
	audit_today(day);
	if (a->anchor_fd < 0 || strcmp(day, a->anchor_day) != 0) {
		if (a->anchor_fd >= 0)
			close(a->anchor_fd);
		a->anchor_fd = -1;
		size_t plen = strlen(a->dir) + sizeof day + 1;
		char *p = ms_malloc(plen);
		if (!p)
			return ms_error_set(err, MS_ERR_NOMEM, NULL);
		snprintf(p, plen, "%s/%s", a->dir, day);
		int fd = open(p, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
		int en = errno;
		ms_free(p);
		if (fd < 0)
			return ms_error_set(err, MS_ERR_IO, "无法打开锚点文件 %s/%s：%s (cannot open the "
			                                    "anchor file)", a->dir, day, strerror(en));
		a->anchor_fd = fd;
		memcpy(a->anchor_day, day, sizeof day);
		/* a new file's name must survive a crash as well as its lines */
		ms_err e = sync_dir(a->dir, err);
		if (e)
			return e;
	}
	char now[32], line[AUDIT_ANCHOR_LINE_MAX];
	audit_now(now);
	int n = snprintf(line, sizeof line, "%s %lld %s\n", now, (long long)id, hash);
	size_t off = 0;
	while (off < (size_t)n) {
		ssize_t w = write(a->anchor_fd, line + off, (size_t)n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return ms_error_set(err, MS_ERR_IO, "写锚点文件失败 (writing the anchor file "
			                                    "failed): %s/%s: %s", a->dir, a->anchor_day,
			                    w < 0 ? strerror(errno) : "short write");
		off += (size_t)w;
	}
	if (fsync(a->anchor_fd) != 0)
		return ms_error_set(err, MS_ERR_IO, "同步锚点文件失败 (syncing the anchor file "
		                                    "failed): %s/%s: %s", a->dir, a->anchor_day,
		                    strerror(errno));
	return MS_ERR_OK;
}

/* ---- the writer ---- */

/* The head as the database has it, read inside the write transaction so that
 * two processes appending to one log extend one chain. */
static ms_err read_head(ms_audit *a, int64_t *id, char hash[AUDIT_HEX], ms_error *err)
{
	sqlite3_reset(a->st_head);
	int rc = sqlite3_step(a->st_head);
	ms_err e = MS_ERR_OK;
	if (rc == SQLITE_ROW) {
		const char *h = (const char *)sqlite3_column_text(a->st_head, 1);
		*id = sqlite3_column_int64(a->st_head, 0);
		if (!h || strlen(h) != AUDIT_HEX - 1)
			e = ms_error_set(err, MS_ERR_INVALID,
			                 "访问日志最后一条记录 %lld 的哈希已损坏 (the hash of the last "
			                 "access-log entry %lld is damaged): run minsheng audit verify",
			                 (long long)*id, (long long)*id);
		else
			memcpy(hash, h, AUDIT_HEX);
	} else if (rc == SQLITE_DONE) {
		*id = 0;
		memcpy(hash, a->genesis_hash, AUDIT_HEX);
	} else {
		e = db_error(a->db, err, "reading the access-log head");
	}
	sqlite3_reset(a->st_head);
	return e;
}

static ms_err commit_batch(ms_audit *a, qent *list, int64_t *head_out, ms_error *err)
{
	int64_t id;
	char hash[AUDIT_HEX];
	ms_err e = exec_done(a, a->st_begin, err, "starting an access-log transaction");
	if (!e)
		e = read_head(a, &id, hash, err);
	for (qent *q = list; !e && q; q = q->next) {
		audit_fields f = {.id = ++id,
		                  .at = q->f[F_AT],
		                  .user = q->f[F_USER],
		                  .role = q->f[F_ROLE],
		                  .action = q->f[F_ACTION],
		                  .object = q->f[F_OBJECT],
		                  .ref = q->f[F_REF],
		                  .route = q->f[F_ROUTE],
		                  .status = q->status,
		                  .addr = q->f[F_ADDR],
		                  .request = q->f[F_REQUEST]};
		char h[AUDIT_HEX];
		if ((e = audit_link(a->alg, hash, &f, &a->canon, h, err)))
			break;
		sqlite3_stmt *s = a->st_insert;
		sqlite3_bind_int64(s, 1, f.id);
		for (int i = 0; i < F__COUNT; i++)
			if (i != F_ADDR && i != F_REQUEST)
				sqlite3_bind_text(s, 2 + i, q->f[i], -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 9, q->status);
		sqlite3_bind_text(s, 10, q->f[F_ADDR], -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 11, q->f[F_REQUEST], -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 12, hash, AUDIT_HEX - 1, SQLITE_STATIC);
		sqlite3_bind_text(s, 13, h, AUDIT_HEX - 1, SQLITE_STATIC);
		e = exec_done(a, s, err, "writing an access-log entry");
		sqlite3_clear_bindings(s);
		memcpy(hash, h, AUDIT_HEX);
	}
	if (!e)
		e = exec_done(a, a->st_commit, err, "committing access-log entries");
	if (e) {
		rollback(a);
		return e;
	}
	*head_out = id;
	return anchor_write(a, id, hash, err);
}

static void deadline(struct timespec *t, const struct timespec *from, int ms)
{
	*t = *from;
	t->tv_sec += ms / 1000;
	t->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (t->tv_nsec >= 1000000000L) {
		t->tv_sec++;
		t->tv_nsec -= 1000000000L;
	}
}

static void free_list(qent *q)
{
	while (q) {
		qent *next = q->next;
		ms_free(q);
		q = next;
	}
}

static void *writer_main(void *arg)
{
	ms_audit *a = arg;
	pthread_mutex_lock(&a->mu);
	for (;;) {
		while (!a->head && !a->stop)
			pthread_cond_wait(&a->work, &a->mu);
		if (!a->head)
			break; /* stopping, nothing left */
		/* group: wait until the oldest entry is flush_ms old, the batch is
		 * full, someone flushes or the log closes */
		struct timespec until;
		deadline(&until, &a->first_at, a->flush_ms);
		while (!a->stop && !a->flushing && a->nq < (size_t)a->batch)
			if (pthread_cond_timedwait(&a->work, &a->mu, &until) == ETIMEDOUT)
				break;
		qent *list = a->head;
		size_t n = a->nq;
		a->head = a->tail = NULL;
		a->nq = 0;
		pthread_cond_broadcast(&a->space);
		bool failed = a->fail.code != MS_ERR_OK;
		pthread_mutex_unlock(&a->mu);

		ms_error e;
		ms_error_clear(&e);
		int64_t head = 0;
		/* after a failure nothing more is written: the entries already
		 * queued count as lost, and every caller is told */
		if (!failed)
			commit_batch(a, list, &head, &e);
		free_list(list);

		pthread_mutex_lock(&a->mu);
		if (head > 0)
			a->head_id = head;
		if (e.code && !a->fail.code) {
			a->fail = e;
			ms_log(MS_LOG_ERROR, "access log: %s", ms_error_text(&e));
		}
		a->finished += n;
		pthread_cond_broadcast(&a->done);
	}
	pthread_mutex_unlock(&a->mu);
	return NULL;
}

/* ---- open and close ---- */

static void audit_free(ms_audit *a)
{
	sqlite3_finalize(a->st_begin);
	sqlite3_finalize(a->st_commit);
	sqlite3_finalize(a->st_rollback);
	sqlite3_finalize(a->st_head);
	sqlite3_finalize(a->st_insert);
	if (a->db)
		sqlite3_close(a->db);
	if (a->anchor_fd >= 0)
		close(a->anchor_fd);
	if (a->sync_ok) {
		pthread_mutex_destroy(&a->mu);
		pthread_cond_destroy(&a->work);
		pthread_cond_destroy(&a->done);
		pthread_cond_destroy(&a->space);
	}
	free_list(a->head);
	ms_buf_free(&a->canon);
	ms_free(a->dir);
	ms_free(a);
}

static ms_err sync_init(ms_audit *a, ms_error *err)
{
	pthread_condattr_t ca;
	if (pthread_condattr_init(&ca) != 0)
		return ms_error_set(err, MS_ERR_INTERNAL, "pthread_condattr_init failed");
	/* deadlines on the monotonic clock: setting the wall clock must not stall
	 * or hurry the writer */
	int rc = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	int ok = 0;
	if (rc == 0 && pthread_mutex_init(&a->mu, NULL) == 0) {
		ok = 1;
		if (pthread_cond_init(&a->work, &ca) == 0) {
			ok = 2;
			if (pthread_cond_init(&a->done, &ca) == 0) {
				ok = 3;
				if (pthread_cond_init(&a->space, &ca) == 0)
					ok = 4;
			}
		}
	}
	pthread_condattr_destroy(&ca);
	if (ok == 4) {
		a->sync_ok = true;
		return MS_ERR_OK;
	}
	if (ok >= 3)
		pthread_cond_destroy(&a->done);
	if (ok >= 2)
		pthread_cond_destroy(&a->work);
	if (ok >= 1)
		pthread_mutex_destroy(&a->mu);
	return ms_error_set(err, MS_ERR_INTERNAL, "无法初始化线程同步 (cannot set up thread "
	                                          "synchronisation)");
}

static ms_err meta_put(ms_audit *a, sqlite3_stmt *q, const char *k, const char *v, ms_error *err)
{
	sqlite3_bind_text(q, 1, k, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, v, -1, SQLITE_STATIC);
	return exec_done(a, q, err, "writing the access-log meta");
}

/* A new log: the tables and the meta rows, with the genesis line made of
 * the algorithm, the creation time and a random nonce (so that two logs
 * created in the same second still start from different hashes). */
static ms_err create_log(ms_audit *a, ms_audit_hash alg, ms_error *err)
{
	char *msg = NULL;
	if (sqlite3_exec(a->db, AUDIT_SCHEMA, NULL, NULL, &msg) != SQLITE_OK) {
		ms_err e = ms_error_set(err, MS_ERR_DB, "访问日志数据库错误 (access-log database error) "
		                                        "while creating the tables: %s",
		                        msg ? msg : sqlite3_errmsg(a->db));
		sqlite3_free(msg);
		return e;
	}
	unsigned char raw[16];
	char nonce[2 * sizeof raw + 1], created[32];
	if (RAND_bytes(raw, sizeof raw) != 1)
		return ms_error_set(err, MS_ERR_INTERNAL, "无法取得随机数 (no random bytes)");
	for (size_t i = 0; i < sizeof raw; i++)
		snprintf(nonce + 2 * i, 3, "%02x", raw[i]);
	audit_now(created);
	a->alg = alg;
	ms_buf g;
	ms_buf_init(&g, 512);
	ms_err e = audit_genesis(&g, alg, created, nonce);
	if (e)
		return ms_error_set(err, e, NULL);
	e = audit_hash_hex(alg, g.p, g.len, NULL, 0, a->genesis_hash, err);
	sqlite3_stmt *q = NULL;
	if (!e)
		e = prepare(a, "INSERT INTO meta(key, value) VALUES (?1, ?2)", &q, err);
	if (!e)
		e = meta_put(a, q, "format", AUDIT_FORMAT, err);
	if (!e)
		e = meta_put(a, q, "algorithm", audit_alg_name(alg), err);
	if (!e)
		e = meta_put(a, q, "created", created, err);
	if (!e)
		e = meta_put(a, q, "nonce", nonce, err);
	if (!e)
		e = meta_put(a, q, "genesis", g.p, err);
	if (!e)
		e = meta_put(a, q, "genesis_hash", a->genesis_hash, err);
	sqlite3_finalize(q);
	ms_buf_free(&g);
	return e;
}

/* An existing log: its algorithm and genesis hash, checked against the
 * genesis line they come from. */
static ms_err read_log(ms_audit *a, const char *path, ms_error *err)
{
	const char *keys[] = {"format", "algorithm", "created", "nonce", "genesis", "genesis_hash"};
	char *vals[6] = {0};
	sqlite3_stmt *q = NULL;
	ms_err e = prepare(a, "SELECT value FROM meta WHERE key = ?1", &q, err);
	for (size_t i = 0; !e && i < 6; i++) {
		sqlite3_bind_text(q, 1, keys[i], -1, SQLITE_STATIC);
		int rc = sqlite3_step(q);
		if (rc == SQLITE_ROW) {
			const char *v = (const char *)sqlite3_column_text(q, 0);
			vals[i] = ms_strdup(v ? v : "");
			if (!vals[i])
				e = ms_error_set(err, MS_ERR_NOMEM, NULL);
		} else if (rc != SQLITE_DONE) {
			e = db_error(a->db, err, "reading the access-log meta");
		}
		sqlite3_reset(q);
	}
	sqlite3_finalize(q);
	if (!e) {
		ms_buf g;
		ms_buf_init(&g, 512);
		char h[AUDIT_HEX];
		a->alg = audit_alg_parse(vals[1]);
		bool ok = vals[0] && strcmp(vals[0], AUDIT_FORMAT) == 0 && a->alg && vals[2] &&
		          vals[3] && vals[4] && vals[5] &&
		          audit_genesis(&g, a->alg, vals[2], vals[3]) == MS_ERR_OK &&
		          strcmp(g.p, vals[4]) == 0 &&
		          audit_hash_hex(a->alg, g.p, g.len, NULL, 0, h, NULL) == MS_ERR_OK &&
		          strcmp(h, vals[5]) == 0;
		if (ok)
			memcpy(a->genesis_hash, h, AUDIT_HEX);
		else
			e = ms_error_set(err, MS_ERR_INVALID,
			                 "访问日志 %s 的元数据缺失或被修改，请运行 minsheng audit verify "
			                 "(the access log's meta is missing or altered: run minsheng audit "
			                 "verify)", path);
		ms_buf_free(&g);
	}
	for (size_t i = 0; i < 6; i++)
		ms_free(vals[i]);
	return e;
}

/* Creates the log's tables when they are missing, else reads its meta; then
 * the head. One IMMEDIATE transaction, so two processes opening a new log at
 * once do not both create it. */
static ms_err setup(ms_audit *a, const char *path, ms_audit_hash alg, bool *created,
                    ms_error *err)
{
	*created = false;
	ms_err e = exec_done(a, a->st_begin, err, "opening the access log");
	sqlite3_stmt *q = NULL;
	int tables = 0;
	if (!e)
		e = prepare(a, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND "
		               "name IN ('meta', 'entry')", &q, err);
	if (!e) {
		if (sqlite3_step(q) == SQLITE_ROW)
			tables = sqlite3_column_int(q, 0);
		else
			e = db_error(a->db, err, "reading the access-log schema");
	}
	sqlite3_finalize(q);
	if (!e && tables == 0) {
		e = create_log(a, alg, err);
		*created = !e;
	} else if (!e && tables == 2) {
		e = read_log(a, path, err);
	} else if (!e) {
		e = ms_error_set(err, MS_ERR_SCHEMA, "%s 不是完整的访问日志（缺少表）(not a complete "
		                                     "access log: a table is missing)", path);
	}
	/* prepared once the table exists */
	if (!e)
		e = prepare(a, "SELECT id, hash FROM entry ORDER BY id DESC LIMIT 1", &a->st_head, err);
	if (!e)
		e = read_head(a, &a->head_id, (char[AUDIT_HEX]){0}, err);
	if (!e)
		e = exec_done(a, a->st_commit, err, "opening the access log");
	if (e)
		rollback(a);
	return e;
}

/* The newest anchor must name an entry the log has, with the same hash;
 * otherwise entries were removed and continuing would hide it. */
static ms_err check_anchor(ms_audit *a, bool *found, ms_error *err)
{
	int64_t id;
	char hash[AUDIT_HEX];
	ms_err e = audit_anchor_newest(a->dir, found, &id, hash, err);
	if (e || !*found)
		return e;
	char have[AUDIT_HEX] = "";
	if (id == 0) {
		memcpy(have, a->genesis_hash, AUDIT_HEX);
	} else if (id <= a->head_id) {
		sqlite3_stmt *q = NULL;
		if ((e = prepare(a, "SELECT hash FROM entry WHERE id = ?1", &q, err)))
			return e;
		sqlite3_bind_int64(q, 1, id);
		int rc = sqlite3_step(q);
		if (rc == SQLITE_ROW && sqlite3_column_text(q, 0))
			snprintf(have, sizeof have, "%s", (const char *)sqlite3_column_text(q, 0));
		else if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			e = db_error(a->db, err, "reading an access-log entry");
		sqlite3_finalize(q);
		if (e)
			return e;
	}
	if (id > a->head_id || strcmp(have, hash) != 0)
		return ms_error_set(err, MS_ERR_INVALID,
		                    "访问日志与锚点不符：锚点指向记录 %lld，日志最后一条是 %lld；请运行 "
		                    "minsheng audit verify (the access log disagrees with its anchors: "
		                    "the newest anchor names entry %lld, the log ends at %lld; run "
		                    "minsheng audit verify)",
		                    (long long)id, (long long)a->head_id, (long long)id,
		                    (long long)a->head_id);
	return MS_ERR_OK;
}

ms_err ms_audit_open(const ms_audit_opts *o, ms_audit **out, ms_error *err)
{
	if (out)
		*out = NULL;
	if (!o || !out || !o->path || !*o->path)
		return ms_error_set(err, MS_ERR_USAGE, "需要访问日志路径 (an access-log path is "
		                                       "needed)");
	if (strlen(o->path) > PATH_MAX_LEN ||
	    (o->anchor_dir && strlen(o->anchor_dir) > PATH_MAX_LEN))
		return ms_error_set(err, MS_ERR_TOO_LARGE, "访问日志路径过长 (access-log path too "
		                                           "long)");
	if (o->hash != 0 && !audit_alg_name(o->hash))
		return ms_error_set(err, MS_ERR_USAGE, "未知的哈希算法 (unknown hash algorithm)");
	if (o->flush_ms < 0 || o->flush_ms > FLUSH_MS_MAX || o->batch < 0 || o->batch > BATCH_MAX ||
	    o->queue_max > QUEUE_MAX_MAX)
		return ms_error_set(err, MS_ERR_USAGE, "访问日志参数超出范围 (access-log options out "
		                                       "of range): flush_ms 0-%d, batch 0-%d, "
		                                       "queue_max 0-%d", FLUSH_MS_MAX, BATCH_MAX,
		                    QUEUE_MAX_MAX);
	ms_audit *a = ms_calloc(1, sizeof *a);
	if (!a)
		return ms_error_set(err, MS_ERR_NOMEM, NULL);
	a->anchor_fd = -1;
	a->flush_ms = o->flush_ms ? o->flush_ms : 200;
	a->batch = o->batch ? o->batch : 1000;
	a->queue_max = o->queue_max ? o->queue_max : 100000;
	ms_buf_init(&a->canon, AUDIT_CANON_MAX);
	ms_err e = MS_ERR_OK;
	a->dir = audit_anchor_dir(o->path, o->anchor_dir);
	if (!a->dir)
		e = ms_error_set(err, MS_ERR_NOMEM, NULL);
	struct stat st;
	if (!e && mkdir(a->dir, 0700) != 0 &&
	    (errno != EEXIST || stat(a->dir, &st) != 0 || !S_ISDIR(st.st_mode)))
		e = ms_error_set(err, MS_ERR_IO, "无法创建锚点目录 %s：%s (cannot create the anchor "
		                                 "folder)", a->dir, strerror(errno));
	/* the log holds who read whose record: readable by its owner only.
	 * SQLite gives the -wal and -shm files the database file's mode. */
	if (!e) {
		int fd = open(o->path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (fd < 0)
			e = ms_error_set(err, MS_ERR_IO, "无法打开访问日志 %s：%s (cannot open the "
			                                 "access log)", o->path, strerror(errno));
		else
			close(fd);
	}
	if (!e && sqlite3_open_v2(o->path, &a->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
	                          NULL) != SQLITE_OK)
		e = a->db ? db_error(a->db, err, "opening the access log")
		          : ms_error_set(err, MS_ERR_NOMEM, NULL);
	/* synchronous=FULL: a commit must be on disk before its anchor line,
	 * or a power cut could leave an anchor pointing past the log */
	char *msg = NULL;
	if (!e && (sqlite3_busy_timeout(a->db, AUDIT_BUSY_MS) != SQLITE_OK ||
	           sqlite3_exec(a->db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;",
	                        NULL, NULL, &msg) != SQLITE_OK))
		e = ms_error_set(err, MS_ERR_DB, "无法打开访问日志 %s (cannot open the access log): %s",
		                 o->path, msg ? msg : sqlite3_errmsg(a->db));
	sqlite3_free(msg);
	if (!e)
		e = prepare(a, "BEGIN IMMEDIATE", &a->st_begin, err);
	if (!e)
		e = prepare(a, "COMMIT", &a->st_commit, err);
	if (!e)
		e = prepare(a, "ROLLBACK", &a->st_rollback, err);
	bool created = false;
	if (!e)
		e = setup(a, o->path, o->hash ? o->hash : MS_AUDIT_SHA256, &created, err);
	if (!e)
		e = prepare(a,
		            "INSERT INTO entry(id, at, user, role, action, object, ref, route, status, "
		            "addr, request, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, "
		            "?9, ?10, ?11, ?12, ?13)",
		            &a->st_insert, err);
	bool anchored = false;
	if (!e)
		e = check_anchor(a, &anchored, err);
	/* the genesis is anchored too: replacing the whole log with a fresh one
	 * then disagrees with the anchor of the old one's start. Also done for
	 * an empty log whose first open stopped before it (never for a log with
	 * entries: that would paper over anchors removed) */
	if (!e && (created || (!anchored && a->head_id == 0)))
		e = anchor_write(a, 0, a->genesis_hash, err);
	if (!e)
		e = sync_init(a, err);
	if (!e) {
		int rc = pthread_create(&a->thread, NULL, writer_main, a);
		if (rc != 0)
			e = ms_error_set(err, MS_ERR_INTERNAL, "无法启动访问日志线程：%s (cannot start the "
			                                       "access-log thread)", strerror(rc));
		else
			a->started = true;
	}
	if (e) {
		audit_free(a);
		return e;
	}
	*out = a;
	return MS_ERR_OK;
}

void ms_audit_close(ms_audit *a)
{
	if (!a)
		return;
	if (a->started) {
		pthread_mutex_lock(&a->mu);
		a->stop = true;
		pthread_cond_signal(&a->work);
		pthread_cond_broadcast(&a->space);
		pthread_mutex_unlock(&a->mu);
		pthread_join(a->thread, NULL);
	}
	audit_free(a);
}

static ms_err failed(ms_audit *a, ms_error *err)
{
	return ms_error_set(err, a->fail.code, "%s", a->fail.msg);
}

ms_err ms_audit_log(ms_audit *a, const ms_audit_entry *e, ms_error *err)
{
	if (!a || !e)
		return ms_error_set(err, MS_ERR_USAGE, NULL);
	char now[32];
	if (!e->at)
		audit_now(now);
	const char *v[F__COUNT] = {e->at ? e->at : now, e->user, e->role, e->action,
	                           e->object,           e->ref,  e->route, e->addr, e->request};
	size_t len[F__COUNT], total = sizeof(qent);
	for (int i = 0; i < F__COUNT; i++) {
		if (!v[i])
			v[i] = "";
		len[i] = strnlen(v[i], MS_AUDIT_FIELD_MAX + 1);
		if (len[i] > MS_AUDIT_FIELD_MAX)
			return ms_error_set(err, MS_ERR_TOO_LARGE,
			                    "访问日志字段 %s 超过 %d 字节 (access-log field %s is longer "
			                    "than %d bytes)", field_names[i], MS_AUDIT_FIELD_MAX,
			                    field_names[i], MS_AUDIT_FIELD_MAX);
		total += len[i] + 1;
	}
	qent *q = ms_malloc(total);
	if (!q)
		return ms_error_set(err, MS_ERR_NOMEM, NULL);
	char *p = (char *)(q + 1);
	for (int i = 0; i < F__COUNT; i++) {
		memcpy(p, v[i], len[i]);
		p[len[i]] = '\0';
		q->f[i] = p;
		p += len[i] + 1;
	}
	q->status = e->status;
	q->next = NULL;

	pthread_mutex_lock(&a->mu);
	while (!a->fail.code && !a->stop && a->nq >= a->queue_max)
		pthread_cond_wait(&a->space, &a->mu);
	ms_err rc = MS_ERR_OK;
	if (a->fail.code)
		rc = failed(a, err);
	else if (a->stop)
		rc = ms_error_set(err, MS_ERR_INTERNAL, "访问日志已关闭 (the access log is closed)");
	if (rc) {
		pthread_mutex_unlock(&a->mu);
		ms_free(q);
		return rc;
	}
	if (a->tail)
		a->tail->next = q;
	else
		a->head = q;
	a->tail = q;
	a->nq++;
	a->queued++;
	/* the writer sleeps untimed on an empty queue: wake it to start the
	 * flush_ms clock, and again when the batch is full */
	if (a->nq == 1) {
		clock_gettime(CLOCK_MONOTONIC, &a->first_at);
		pthread_cond_signal(&a->work);
	} else if (a->nq == (size_t)a->batch) {
		pthread_cond_signal(&a->work);
	}
	pthread_mutex_unlock(&a->mu);
	return MS_ERR_OK;
}

ms_err ms_audit_flush(ms_audit *a, ms_error *err)
{
	if (!a)
		return ms_error_set(err, MS_ERR_USAGE, NULL);
	pthread_mutex_lock(&a->mu);
	uint64_t target = a->queued;
	if (a->finished < target) {
		a->flushing++;
		pthread_cond_signal(&a->work);
		while (a->finished < target)
			pthread_cond_wait(&a->done, &a->mu);
		a->flushing--;
	}
	ms_err rc = a->fail.code ? failed(a, err) : MS_ERR_OK;
	pthread_mutex_unlock(&a->mu);
	return rc;
}

int64_t ms_audit_count(ms_audit *a)
{
	if (!a)
		return 0;
	pthread_mutex_lock(&a->mu);
	int64_t n = a->head_id;
	pthread_mutex_unlock(&a->mu);
	return n;
}
