/* store_backup.c — online backups through SQLite's backup API, and the
 * atomic restore of one (store.h, docs/reliability.md). */
#include "store/store.h"

#include "base/mem.h"
#include "base/progress.h"
#include "store/store_impl.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define BACKUP_BUSY_MS 10000
#define PATH_CAP 4096

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static ms_err sfx(char *out, const char *base, const char *suffix, ms_error *err)
{
	if ((size_t)snprintf(out, PATH_CAP, "%s%s", base, suffix) >= PATH_CAP)
		return ms_error_set(err, MS_ERR_TOO_LARGE, "路径过长 (path too long): %s", base);
	return MS_ERR_OK;
}

/* fsync of a file, and of the folder holding it (so a rename is durable). */
static ms_err fsync_path(const char *path, ms_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) != 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return ms_error_set(err, MS_ERR_IO, "无法写入磁盘 %s (cannot fsync): %s", path, strerror(e));
	}
	close(fd);
	return MS_ERR_OK;
}

static ms_err fsync_dir_of(const char *path, ms_error *err)
{
	char d[PATH_CAP];
	snprintf(d, sizeof d, "%s", path);
	return fsync_path(dirname(d), err);
}

static ms_err db_error(sqlite3 *db, ms_err code, ms_error *err, const char *what, const char *path)
{
	int c = db ? sqlite3_errcode(db) : SQLITE_NOMEM;
	if (c == SQLITE_NOMEM)
		return ms_error_set(err, MS_ERR_NOMEM, NULL);
	if (c == SQLITE_FULL)
		return ms_error_set(err, MS_ERR_IO, "磁盘已满 (disk full) while %s: %s", what, path);
	if (c == SQLITE_BUSY || c == SQLITE_LOCKED)
		code = MS_ERR_BUSY;
	return ms_error_set(err, code, "数据库错误 (database error) while %s %s: %s", what, path,
	                    db ? sqlite3_errmsg(db) : "out of memory");
}

/* PRAGMA integrity_check on an open database: MS_ERR_OK when it says "ok". */
static ms_err integrity(sqlite3 *db, const char *path, ms_error *err)
{
	sqlite3_stmt *q;
	if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &q, NULL) != SQLITE_OK)
		return db_error(db, MS_ERR_INVALID, err, "checking", path);
	int rc = sqlite3_step(q);
	ms_err e = MS_ERR_OK;
	if (rc != SQLITE_ROW) {
		e = db_error(db, MS_ERR_INVALID, err, "checking", path);
	} else {
		const char *t = (const char *)sqlite3_column_text(q, 0);
		if (!t || strcmp(t, "ok") != 0)
			e = ms_error_set(err, MS_ERR_INVALID, "%s 未通过完整性检查 (fails integrity_check): %.200s",
			                 path, t ? t : "?");
	}
	sqlite3_finalize(q);
	return e;
}

static int64_t file_size(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0 ? (int64_t)sb.st_size : -1;
}

static void remove_with_sidecars(const char *path)
{
	char p[PATH_CAP];
	unlink(path);
	if (snprintf(p, sizeof p, "%s-wal", path) < (int)sizeof p)
		unlink(p);
	if (snprintf(p, sizeof p, "%s-shm", path) < (int)sizeof p)
		unlink(p);
	if (snprintf(p, sizeof p, "%s-journal", path) < (int)sizeof p)
		unlink(p);
}

/* Copies src (an open connection) into path through the backup API. The
 * source is held in one read transaction for the whole copy. */
static ms_err backup_from(sqlite3 *src, const char *src_name, const char *path,
                          const ms_backup_opts *o, ms_backup_stats *st, ms_error *err)
{
	ms_backup_opts def = {0};
	if (!o)
		o = &def;
	ms_backup_stats local;
	if (!st)
		st = &local;
	memset(st, 0, sizeof *st);
	int step = o->step_pages > 0 ? o->step_pages : 1024;
	int pause = o->sleep_ms == 0 ? 2 : o->sleep_ms;
	if (!sqlite3_get_autocommit(src))
		return ms_error_set(err, MS_ERR_INTERNAL, "backup inside a transaction");
	if (!o->force && access(path, F_OK) == 0)
		return ms_error_set(err, MS_ERR_EXISTS, "%s 已存在，如需覆盖请加 --force (already exists: "
		                    "use --force to replace it)", path);
	char tmp[PATH_CAP];
	ms_err rc = sfx(tmp, path, ".tmp", err);
	if (rc)
		return rc;
	remove_with_sidecars(tmp); /* what an interrupted backup left */

	/* one read transaction: a fixed snapshot for the whole copy */
	if (sqlite3_exec(src, "BEGIN; SELECT count(*) FROM sqlite_schema", NULL, NULL, NULL) !=
	    SQLITE_OK) {
		rc = db_error(src, MS_ERR_DB, err, "reading", src_name);
		if (!sqlite3_get_autocommit(src))
			sqlite3_exec(src, "ROLLBACK", NULL, NULL, NULL);
		return rc;
	}
	sqlite3 *dst = NULL;
	sqlite3_backup *b = NULL;
	/* personal data: the file is its owner's alone from the start (SQLite
	 * gives its journal the same mode) */
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = ms_error_set(err, MS_ERR_IO, "无法创建 %s (cannot create): %s", tmp, strerror(errno));
		goto out;
	}
	close(fd);
	if (sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		rc = db_error(dst, MS_ERR_IO, err, "creating", tmp);
		goto out;
	}
	b = sqlite3_backup_init(dst, "main", src, "main");
	if (!b) {
		rc = db_error(dst, MS_ERR_IO, err, "starting the backup to", tmp);
		goto out;
	}
	double t0 = mono();
	int busy = 0;
	for (;;) {
		int r = sqlite3_backup_step(b, step);
		st->steps++;
		busy = r == SQLITE_BUSY || r == SQLITE_LOCKED ? busy + 1 : 0;
		if (busy > 5000) {
			sqlite3_backup_finish(b);
			b = NULL;
			rc = ms_error_set(err, MS_ERR_BUSY, "备份一直被锁住 (the backup stayed locked): %s", src_name);
			goto out;
		}
		int total = sqlite3_backup_pagecount(b);
		int left = sqlite3_backup_remaining(b);
		ms_progress_report(o->progress, "备份 backup", (uint64_t)(total - left), (uint64_t)total);
		if (r == SQLITE_DONE)
			break;
		if (r == SQLITE_OK || r == SQLITE_BUSY || r == SQLITE_LOCKED) {
			if (pause > 0)
				sleep_ms(pause);
			continue;
		}
		st->pages = total - left;
		sqlite3_backup_finish(b);
		b = NULL;
		rc = db_error(dst, r == SQLITE_NOMEM ? MS_ERR_NOMEM : MS_ERR_IO, err, "copying to", tmp);
		goto out;
	}
	st->pages = sqlite3_backup_pagecount(b);
	st->copy_seconds = mono() - t0;
	if (sqlite3_backup_finish(b) != SQLITE_OK) {
		b = NULL;
		rc = db_error(dst, MS_ERR_IO, err, "finishing the copy to", tmp);
		goto out;
	}
	b = NULL;
	/* the snapshot is copied: let the writers checkpoint again */
	sqlite3_exec(src, "COMMIT", NULL, NULL, NULL);
	/* a self-contained file: no -wal beside it */
	if (sqlite3_exec(dst, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL) != SQLITE_OK) {
		rc = db_error(dst, MS_ERR_IO, err, "finishing", tmp);
		goto out;
	}
	double t1 = mono();
	if ((rc = integrity(dst, tmp, err)))
		goto out;
	st->check_seconds = mono() - t1;
	if (sqlite3_close(dst) != SQLITE_OK) {
		rc = db_error(dst, MS_ERR_IO, err, "closing", tmp);
		goto out;
	}
	dst = NULL;
	if ((rc = fsync_path(tmp, err)))
		goto out;
	if (o->force) {
		if (rename(tmp, path) != 0)
			rc = ms_error_set(err, MS_ERR_IO, "无法改名为 %s (cannot rename): %s", path,
			                  strerror(errno));
	} else if (link(tmp, path) != 0) {
		/* link never replaces: a file that appeared meanwhile is kept */
		rc = errno == EEXIST
		         ? ms_error_set(err, MS_ERR_EXISTS, "%s 已存在，如需覆盖请加 --force (already exists: "
		                        "use --force to replace it)", path)
		         : ms_error_set(err, MS_ERR_IO, "无法写入 %s (cannot create): %s", path,
		                        strerror(errno));
	} else {
		unlink(tmp);
	}
	if (!rc)
		rc = fsync_dir_of(path, err);
	if (!rc)
		st->bytes = file_size(path);
out:
	if (b)
		sqlite3_backup_finish(b);
	if (dst)
		sqlite3_close(dst);
	if (!sqlite3_get_autocommit(src))
		sqlite3_exec(src, "ROLLBACK", NULL, NULL, NULL);
	if (rc)
		remove_with_sidecars(tmp);
	return rc;
}

ms_err ms_store_backup(ms_store *s, const char *path, const ms_backup_opts *o,
                       ms_backup_stats *st, ms_error *err)
{
	if (db_kind(s->db) == DB_PG)
		return ms_error_set(err, MS_ERR_USAGE,
		                    "PostgreSQL 数据库请用 pg_dump 备份、pg_restore 恢复 (back up a "
		                    "PostgreSQL database with pg_dump and restore it with pg_restore)");
	return backup_from(db_sqlite(s->db), s->url, path, o, st, err);
}

ms_err ms_store_backup_file(const char *src, const char *path, const ms_backup_opts *o,
                            ms_backup_stats *st, ms_error *err)
{
	sqlite3 *db = NULL;
	if (sqlite3_open_v2(src, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		ms_err rc = db_error(db, MS_ERR_IO, err, "opening", src);
		sqlite3_close(db);
		return rc;
	}
	sqlite3_busy_timeout(db, BACKUP_BUSY_MS);
	ms_err rc = backup_from(db, src, path, o, st, err);
	sqlite3_close(db);
	return rc;
}

ms_err ms_store_check_backup(const char *path, int *schema, ms_error *err)
{
	if (schema)
		*schema = 0;
	if (access(path, R_OK) != 0)
		return ms_error_set(err, MS_ERR_NOT_FOUND, "无法读取备份 %s (cannot read the backup): %s",
		                    path, strerror(errno));
	char wal[PATH_CAP];
	ms_err rc = sfx(wal, path, "-wal", err);
	if (rc)
		return rc;
	sqlite3 *db = NULL;
	/* immutable: nothing is written beside the backup, and a file that is
	 * not a rollback-journal database (no journal to replay) reads as is */
	char uri[3 * PATH_CAP + 32];
	size_t u = (size_t)snprintf(uri, sizeof uri, "file:");
	for (const char *p = path; *p && u + 4 < sizeof uri; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '%' || c == '?' || c == '#' || c < 0x20)
			u += (size_t)snprintf(uri + u, sizeof uri - u, "%%%02X", c);
		else
			uri[u++] = (char)c;
	}
	snprintf(uri + u, sizeof uri - u, "?mode=ro&immutable=1");
	if (access(wal, F_OK) == 0) {
		return ms_error_set(err, MS_ERR_INVALID, "备份 %s 旁有 %s：它不是 minsheng backup 写的备份 "
		                    "(a -wal file lies beside it: not a backup written by minsheng backup)",
		                    path, wal);
	}
	if (sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL) != SQLITE_OK) {
		rc = db_error(db, MS_ERR_INVALID, err, "opening", path);
		sqlite3_close(db);
		return rc;
	}
	if ((rc = integrity(db, path, err))) {
		sqlite3_close(db);
		return rc;
	}
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, "SELECT max(version) FROM schema_version", -1, &st, NULL) !=
	    SQLITE_OK) {
		rc = ms_error_set(err, MS_ERR_INVALID, "%s 不是 minsheng 数据库 (not a minsheng database): %s",
		                  path, sqlite3_errmsg(db));
		sqlite3_close(db);
		return rc;
	}
	int v = 0;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	if (v <= 0)
		return ms_error_set(err, MS_ERR_INVALID, "%s 不是 minsheng 数据库 (not a minsheng database)",
		                    path);
	if (v > ms_store_schema_latest())
		return ms_error_set(err, MS_ERR_SCHEMA, "备份 %s 的数据库版本 %d 比本程序新 (%d) (the backup's "
		                    "schema is newer than this program's)", path, v,
		                    ms_store_schema_latest());
	if (schema)
		*schema = v;
	return MS_ERR_OK;
}

long ms_store_user_pid(const char *db)
{
	char shm[PATH_CAP];
	if ((size_t)snprintf(shm, sizeof shm, "%s-shm", db) >= sizeof shm)
		return 0;
	int fd = open(shm, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0; /* no -shm: no connection in WAL mode */
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 128, .l_len = 1};
	long pid = 0;
	if (fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK)
		pid = fl.l_pid > 0 ? (long)fl.l_pid : -1;
	close(fd);
	return pid;
}

/* Copies a file with fsync; dst is created (mode 0600) and must not exist. */
static ms_err copy_file(const char *src, const char *dst, ms_error *err)
{
	int in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return ms_error_set(err, MS_ERR_IO, "无法读取 %s (cannot read): %s", src, strerror(errno));
	int out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (out < 0) {
		int e = errno;
		close(in);
		return ms_error_set(err, MS_ERR_IO, "无法创建 %s (cannot create): %s", dst, strerror(e));
	}
	ms_err rc = MS_ERR_OK;
	char *buf = ms_malloc(1 << 20);
	if (!buf) {
		rc = ms_error_set(err, MS_ERR_NOMEM, NULL);
		goto out;
	}
	for (;;) {
		ssize_t n = read(in, buf, 1 << 20);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = ms_error_set(err, MS_ERR_IO, "无法读取 %s (cannot read): %s", src, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(out, buf + off, (size_t)(n - off));
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0) {
				rc = ms_error_set(err, MS_ERR_IO, "无法写入 %s (cannot write): %s", dst,
				                  strerror(errno));
				goto out;
			}
			off += w;
		}
	}
	if (fsync(out) != 0)
		rc = ms_error_set(err, MS_ERR_IO, "无法写入磁盘 %s (cannot fsync): %s", dst, strerror(errno));
out:
	ms_free(buf);
	close(in);
	if (close(out) != 0 && !rc)
		rc = ms_error_set(err, MS_ERR_IO, "无法写入 %s (cannot write): %s", dst, strerror(errno));
	if (rc)
		unlink(dst);
	return rc;
}

ms_err ms_store_copy_file(const char *src, const char *dst, bool replace, ms_error *err)
{
	char tmp[PATH_CAP];
	ms_err rc = sfx(tmp, dst, ".tmp", err);
	if (rc)
		return rc;
	if (!replace && access(dst, F_OK) == 0)
		return ms_error_set(err, MS_ERR_EXISTS, "%s 已存在 (already exists)", dst);
	unlink(tmp);
	if ((rc = copy_file(src, tmp, err)))
		return rc;
	if (replace ? rename(tmp, dst) != 0 : link(tmp, dst) != 0) {
		rc = errno == EEXIST ? ms_error_set(err, MS_ERR_EXISTS, "%s 已存在 (already exists)", dst)
		                     : ms_error_set(err, MS_ERR_IO, "无法写入 %s (cannot create): %s", dst,
		                                    strerror(errno));
		unlink(tmp);
		return rc;
	}
	if (!replace)
		unlink(tmp);
	return fsync_dir_of(dst, err);
}

/* Brings everything of the old database into its main file (the WAL
 * checkpointed and removed), so it can be kept as one file. MS_ERR_BUSY
 * when it is in use; MS_ERR_INVALID (err untouched) when it cannot be read
 * at all — a damaged database, the usual reason for a restore: it is then
 * kept as it is, with its WAL. */
static ms_err checkpoint_old(const char *db, ms_error *err)
{
	sqlite3 *h = NULL;
	if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		sqlite3_close(h);
		return MS_ERR_INVALID;
	}
	sqlite3_busy_timeout(h, BACKUP_BUSY_MS);
	ms_err rc = MS_ERR_OK;
	if (sqlite3_exec(h, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL) != SQLITE_OK) {
		int c = sqlite3_errcode(h);
		rc = c == SQLITE_BUSY || c == SQLITE_LOCKED ? db_error(h, MS_ERR_BUSY, err, "checkpointing", db)
		                                             : MS_ERR_INVALID;
	}
	if (sqlite3_close(h) != SQLITE_OK && !rc)
		rc = ms_error_set(err, MS_ERR_DB, "无法关闭 %s (cannot close)", db);
	if (rc)
		return rc;
	char wal[PATH_CAP];
	if ((rc = sfx(wal, db, "-wal", err)))
		return rc;
	if (file_size(wal) > 0)
		return ms_error_set(err, MS_ERR_BUSY, "数据库 %s 正在被使用（%s 非空） (the database is in use: "
		                    "its WAL is not empty)", db, wal);
	return MS_ERR_OK;
}

ms_err ms_store_restore(const char *db, const char *path, bool force, ms_restore_stats *st,
                        ms_error *err)
{
	ms_restore_stats local;
	if (!st)
		st = &local;
	memset(st, 0, sizeof *st);
	double t0 = mono();
	ms_err rc;
	char lock[PATH_CAP], tmp[PATH_CAP], before[PATH_CAP], aux[PATH_CAP];
	if ((rc = sfx(lock, db, ".import-lock", err)) || (rc = sfx(tmp, db, ".restore-tmp", err)) ||
	    (rc = sfx(before, db, ".before-restore", err)))
		return rc;
	/* hold the import lock: no import starts meanwhile */
	int lfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lfd < 0)
		return ms_error_set(err, MS_ERR_IO, "无法创建导入锁 %s (cannot create the import lock): %s",
		                    lock, strerror(errno));
	if (flock(lfd, LOCK_EX | LOCK_NB) != 0) {
		int e = errno;
		close(lfd);
		return e == EWOULDBLOCK
		           ? ms_error_set(err, MS_ERR_BUSY, "数据库 %s 正在导入数据，不能恢复 (an import is "
		                          "running on the database: cannot restore)", db)
		           : ms_error_set(err, MS_ERR_IO, "无法加导入锁 (cannot lock imports): %s",
		                          strerror(e));
	}
	bool exists = access(db, F_OK) == 0;
	long pid = exists ? ms_store_user_pid(db) : 0;
	if (pid) {
		rc = ms_error_set(err, MS_ERR_BUSY, "数据库 %s 正被进程 %ld 使用（服务是否在运行？），请先停止 "
		                  "(the database is open in process %ld — is the server running? stop it "
		                  "first)", db, pid, pid);
		goto out;
	}
	/* the backup is checked with the lock held (a check can take a while) */
	if ((rc = ms_store_check_backup(path, &st->schema, err)))
		goto out;
	if (exists && !force && access(before, F_OK) == 0) {
		rc = ms_error_set(err, MS_ERR_EXISTS, "%s 已存在（上次恢复前的数据库），如需覆盖请加 --force "
		                  "(already exists, from an earlier restore: use --force to replace it)",
		                  before);
		goto out;
	}
	remove_with_sidecars(tmp);
	if ((rc = copy_file(path, tmp, err)))
		goto out;
	struct stat old;
	if (exists && stat(db, &old) == 0) {
		/* the new database keeps the old one's owner and mode */
		if (chown(tmp, old.st_uid, old.st_gid) != 0) {
			/* not root: the file is ours, as the old one probably was */
		}
		chmod(tmp, old.st_mode & 07777);
	}
	if (exists) {
		rc = checkpoint_old(db, err);
		if (rc == MS_ERR_INVALID) {
			st->old_damaged = true;
			rc = MS_ERR_OK;
		}
		if (rc)
			goto out;
		/* the checkpoint opened the database: someone may have come meanwhile */
		if ((pid = ms_store_user_pid(db))) {
			rc = ms_error_set(err, MS_ERR_BUSY, "数据库 %s 正被进程 %ld 使用，请先停止 (the database "
			                  "is open in process %ld: stop it first)", db, pid, pid);
			goto out;
		}
		/* the old database stays reachable under its own name until the
		 * rename below replaces it in one step */
		unlink(before);
		if (link(db, before) != 0) {
			rc = ms_error_set(err, MS_ERR_IO, "无法保留旧数据库为 %s (cannot keep the old database): "
			                  "%s", before, strerror(errno));
			goto out;
		}
		st->replaced = true;
		/* a damaged database keeps its WAL beside it, under the new name */
		char wal[PATH_CAP], bwal[PATH_CAP];
		if (st->old_damaged && !sfx(wal, db, "-wal", NULL) && !sfx(bwal, before, "-wal", NULL) &&
		    access(wal, F_OK) == 0 && rename(wal, bwal) != 0) {
			rc = ms_error_set(err, MS_ERR_IO, "无法保留旧数据库的 %s (cannot keep the old WAL): %s", wal,
			                  strerror(errno));
			goto out;
		}
	}
	if (rename(tmp, db) != 0) {
		rc = ms_error_set(err, MS_ERR_IO, "无法替换 %s (cannot replace the database): %s", db,
		                  strerror(errno));
		goto out;
	}
	/* the old database's side files, if any are left, are not the new one's */
	if (!sfx(aux, db, "-wal", NULL))
		unlink(aux);
	if (!sfx(aux, db, "-shm", NULL))
		unlink(aux);
	rc = fsync_dir_of(db, err);
	st->seconds = mono() - t0;
out:
	if (rc)
		remove_with_sidecars(tmp);
	flock(lfd, LOCK_UN);
	close(lfd);
	return rc;
}
