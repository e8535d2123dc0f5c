/* doctor.c — the checks of `minsheng doctor`, each independent of the
 * others so that one broken part does not hide what else is wrong. */
#include "ops/doctor.h"

#include "audit/audit.h"
#include "auth/session.h"
#include "ops/tls.h"
#include "rules/pack.h"
#include "store/store.h"
#include "store/store_check.h"

#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

__attribute__((format(printf, 3, 4))) static void say(char *dst, size_t cap, const char *fmt,
                                                       ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(dst, cap, fmt, ap);
	va_end(ap);
}

static void begin(ms_check *c, const char *id, const char *zh, const char *en)
{
	memset(c, 0, sizeof *c);
	c->id = id;
	c->title_zh = zh;
	c->title_en = en;
	c->state = MS_CHECK_OK;
}

static void check_config(const ms_doctor_opts *o, ms_check *c)
{
	begin(c, "config", "配置", "configuration");
	const ms_config *cf = o->config;
	if (!cf) {
		say(c->detail, sizeof c->detail, "没有配置文件，使用命令行选项、环境变量和默认值 / no "
		    "configuration file: options, environment and defaults apply");
		return;
	}
	if (o->config_ok && !cf->nproblems) {
		say(c->detail, sizeof c->detail, "%s 有效 / %s is valid", cf->file, cf->file);
		return;
	}
	c->state = MS_CHECK_FAIL;
	size_t n = 0;
	int kept = cf->nproblems < MS_CONFIG_PROBLEMS_MAX ? cf->nproblems : MS_CONFIG_PROBLEMS_MAX;
	for (int i = 0; i < kept && n + 2 < sizeof c->detail; i++) {
		int w = cf->problems[i].line
		            ? snprintf(c->detail + n, sizeof c->detail - n, "%s%s:%d: %s", i ? "\n" : "",
		                       cf->file, cf->problems[i].line, cf->problems[i].msg)
		            : snprintf(c->detail + n, sizeof c->detail - n, "%s%s: %s", i ? "\n" : "",
		                       cf->file, cf->problems[i].msg);
		if (w < 0)
			break;
		n += (size_t)w;
	}
	say(c->fix, sizeof c->fix, "按上述行号修改配置文件，再运行 minsheng config check / correct "
	    "the lines named above, then run minsheng config check");
}

static const char *dir_of(const char *path, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s", path);
	char *slash = strrchr(buf, '/');
	if (!slash)
		snprintf(buf, cap, ".");
	else if (slash == buf)
		buf[1] = 0;
	else
		*slash = 0;
	return buf;
}

static void check_database(const ms_doctor_opts *o, ms_check *c)
{
	begin(c, "database", "数据库", "database");
	/* a server database is named without its URL, which may hold a password */
	bool pg = strncmp(o->db, "postgres", 8) == 0;
	const char *name = pg ? "PostgreSQL" : o->db;
	ms_store *s = NULL;
	ms_error err;
	ms_error_clear(&err);
	/* read-only: the doctor never migrates or creates */
	ms_err e = ms_store_open(o->db, MS_STORE_READONLY, &s, &err);
	if (e) {
		c->state = MS_CHECK_FAIL;
		say(c->detail, sizeof c->detail, "%s", ms_error_text(&err));
		if (e == MS_ERR_NOT_FOUND || e == MS_ERR_SCHEMA)
			say(c->fix, sizeof c->fix, "以服务用户运行 minsheng init 创建或升级数据库 / run "
			    "minsheng init as the service user to create or upgrade the database");
		else if (pg)
			say(c->fix, sizeof c->fix, "检查数据库地址、服务器是否运行、用户与密码 / check the "
			    "database URL, that the server runs, the user and the password");
		else
			say(c->fix, sizeof c->fix, "检查路径与权限；文件损坏时用 minsheng backup 的备份恢复 / "
			    "check the path and permissions; if the file is damaged, restore the last backup "
			    "(minsheng backup)");
		return;
	}
	char problem[600];
	ms_error_clear(&err);
	e = ms_store_quick_check(s, problem, sizeof problem, &err);
	int version = ms_store_schema_version(s);
	ms_store_close(s);
	if (e == MS_ERR_INVALID) {
		c->state = MS_CHECK_FAIL;
		say(c->detail, sizeof c->detail, "%s 已损坏（quick_check：%s） / %s is damaged "
		    "(quick_check: %s)", name, problem, name, problem);
		say(c->fix, sizeof c->fix, "停止服务，保留损坏的文件，用最近的备份恢复（minsheng backup） "
		    "/ stop the service, keep the damaged file aside, restore the last backup "
		    "(minsheng backup)");
	} else if (e) {
		c->state = MS_CHECK_WARN;
		say(c->detail, sizeof c->detail, "无法完成完整性检查：%s / the integrity check could not "
		    "run: %s", ms_error_text(&err), ms_error_text(&err));
		say(c->fix, sizeof c->fix, "稍后重试（数据库正忙） / try again later (the database is "
		    "busy)");
	} else if (pg) {
		say(c->detail, sizeof c->detail, "PostgreSQL 可连接（结构版本 %d） / PostgreSQL answers "
		    "(schema %d)", version, version);
	} else {
		say(c->detail, sizeof c->detail, "%s 完好（quick_check ok，结构版本 %d） / %s is sound "
		    "(quick_check ok, schema %d)", o->db, version, o->db, version);
	}
}

static void human(uint64_t bytes, char *out, size_t cap)
{
	if (bytes >= (uint64_t)1 << 30)
		snprintf(out, cap, "%.1f GiB", (double)bytes / (double)(1u << 30));
	else
		snprintf(out, cap, "%.0f MiB", (double)bytes / (double)(1u << 20));
}

static void check_disk(const ms_doctor_opts *o, ms_check *c)
{
	begin(c, "disk", "磁盘空间", "disk space");
	char dir[4096];
	/* a server database keeps its files on its server: here, the local
	 * files (access log, uploads) */
	bool pg = strncmp(o->db, "postgres", 8) == 0;
	dir_of(pg && o->access_path ? o->access_path : o->db, dir, sizeof dir);
	struct statvfs sv;
	if (statvfs(dir, &sv) != 0) {
		c->state = MS_CHECK_FAIL;
		say(c->detail, sizeof c->detail, "无法查看 %s 所在的文件系统：%s / cannot examine the file "
		    "system of %s: %s", dir, strerror(errno), dir, strerror(errno));
		say(c->fix, sizeof c->fix, "确认数据库目录存在 / make sure the database's folder exists");
		return;
	}
	uint64_t total = (uint64_t)sv.f_blocks * sv.f_frsize;
	uint64_t avail = (uint64_t)sv.f_bavail * sv.f_frsize;
	double pct = total ? 100.0 * (double)avail / (double)total : 0;
	char a[32], t[32], m[32];
	human(avail, a, sizeof a);
	human(total, t, sizeof t);
	human(o->min_free_bytes, m, sizeof m);
	say(c->detail, sizeof c->detail, "%s 可用 %s / 共 %s（%.0f%%） / %s free of %s (%.0f%%) "
	    "beside the database", dir, a, t, pct, a, t, pct);
	if (pct < o->min_free_percent || avail < o->min_free_bytes) {
		c->state = MS_CHECK_WARN;
		say(c->fix, sizeof c->fix, "可用空间低于 %d%% 或 %s：清理旧备份或扩容，导入和备份都需要空间 / "
		    "less than %d%% or %s free: remove old backups or add space; imports and backups "
		    "need room", o->min_free_percent, m, o->min_free_percent, m);
	}
}

/* Files of the data folder owned by someone else than the folder's owner
 * (the service user, for /var/lib/minsheng): what an administrator's
 * command run as root leaves behind (a database made by `minsheng init`,
 * an access log or anchor file made by `minsheng audit append`), and what
 * makes the service fail later with "readonly database". */
static void note_owner(const char *path, uid_t want, int *nbad, char *bad, size_t cap, size_t *nb)
{
	struct stat st;
	if (stat(path, &st) != 0 || st.st_uid == want)
		return;
	(*nbad)++;
	if (*nb + 1 < cap) {
		int w = snprintf(bad + *nb, cap - *nb, "%s%s", *nb ? ", " : "", path);
		if (w > 0)
			*nb = *nb + (size_t)w < cap ? *nb + (size_t)w : cap - 1;
	}
}

static void check_files(const ms_doctor_opts *o, ms_check *c)
{
	begin(c, "files", "文件属主与权限", "file ownership and modes");
	struct stat db, ds;
	char dir[4096];
	if (strncmp(o->db, "postgres", 8) == 0) {
		say(c->detail, sizeof c->detail, "PostgreSQL 的文件由数据库服务器管理，略过 / a PostgreSQL "
		    "database's files belong to its server: skipped");
		return;
	}
	dir_of(o->db, dir, sizeof dir);
	if (stat(o->db, &db) != 0 || stat(dir, &ds) != 0) {
		say(c->detail, sizeof c->detail, "数据库尚不存在，略过 / no database yet: skipped");
		return;
	}
	const char *suffix[] = {"", "-wal", "-shm"};
	char path[4200], bad[600] = "";
	size_t nb = 0;
	int nbad = 0;
	const char *bases[] = {o->db, o->access_path};
	for (int b = 0; b < 2; b++)
		for (int k = 0; bases[b] && k < 3; k++) {
			snprintf(path, sizeof path, "%s%s", bases[b], suffix[k]);
			note_owner(path, ds.st_uid, &nbad, bad, sizeof bad, &nb);
		}
	snprintf(path, sizeof path, "%s.uploads", o->db);
	note_owner(path, ds.st_uid, &nbad, bad, sizeof bad, &nb);
	/* the anchor folder and its files */
	char anchors[4200];
	snprintf(anchors, sizeof anchors, "%s", o->access_path ? o->access_path : "");
	size_t al = strlen(anchors);
	if (al > 7 && strcmp(anchors + al - 7, ".access") == 0) {
		snprintf(anchors + al - 7, sizeof anchors - (al - 7), ".anchors");
		note_owner(anchors, ds.st_uid, &nbad, bad, sizeof bad, &nb);
		DIR *d = opendir(anchors);
		struct dirent *de;
		while (d && (de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof path, "%s/%s", anchors, de->d_name);
			note_owner(path, ds.st_uid, &nbad, bad, sizeof bad, &nb);
		}
		if (d)
			closedir(d);
	}
	bool open_to_all = (db.st_mode & S_IROTH) && (ds.st_mode & S_IXOTH);
	if (nbad) {
		c->state = MS_CHECK_WARN;
		say(c->detail, sizeof c->detail, "%d 个文件的属主不是数据目录 %s 的属主（uid %u）：%s / %d "
		    "files are not owned by the owner of the data folder %s (uid %u): %s", nbad, dir,
		    (unsigned)ds.st_uid, bad, nbad, dir, (unsigned)ds.st_uid, bad);
		say(c->fix, sizeof c->fix, "chown -R minsheng:minsheng %s；以后以服务用户运行管理命令"
		    "（runuser -u minsheng -- minsheng …） / chown -R minsheng:minsheng %s, and run "
		    "commands as the service user (runuser -u minsheng -- minsheng …)", dir, dir);
	} else if (open_to_all) {
		c->state = MS_CHECK_WARN;
		say(c->detail, sizeof c->detail, "%s 对本机所有用户可读（含个人信息） / %s is readable by "
		    "every user of the machine (it holds personal data)", o->db, o->db);
		say(c->fix, sizeof c->fix, "chmod 700 %s", dir);
	} else {
		say(c->detail, sizeof c->detail, "数据文件都属于数据目录的属主（uid %u），其他用户不可读 / "
		    "the data files belong to the data folder's owner (uid %u) and others cannot read "
		    "them", (unsigned)ds.st_uid, (unsigned)ds.st_uid);
	}
}

static void check_access_log(const ms_doctor_opts *o, ms_check *c)
{
	begin(c, "access_log", "访问日志", "access log");
	if (!o->access_path || access(o->access_path, F_OK) != 0) {
		say(c->detail, sizeof c->detail, "%s 尚未创建（服务首次启动时创建） / %s does not exist "
		    "yet (the server creates it when it first starts)", o->access_path ? o->access_path : "-",
		    o->access_path ? o->access_path : "-");
		return;
	}
	ms_audit_report rep;
	ms_error err;
	ms_error_clear(&err);
	memset(&rep, 0, sizeof rep);
	ms_err e = ms_audit_verify(o->access_path, NULL, &rep, &err);
	if (e == MS_ERR_OK) {
		say(c->detail, sizeof c->detail, "哈希链与锚点一致：%lld 条记录，%lld 个锚点（%s） / hash "
		    "chain and anchors agree: %lld entries, %lld anchor lines (%s)",
		    (long long)rep.entries, (long long)rep.anchors, rep.algorithm,
		    (long long)rep.entries, (long long)rep.anchors, rep.algorithm);
		return;
	}
	c->state = MS_CHECK_FAIL;
	if (e == MS_ERR_INVALID)
		say(c->detail, sizeof c->detail, "%s", rep.problem);
	else
		say(c->detail, sizeof c->detail, "%s", ms_error_text(&err));
	say(c->fix, sizeof c->fix, "运行 minsheng audit verify 查看详情，并用机器外保存的锚点副本核对"
	    "（--anchors）；保留现场并报告安全负责人 / run minsheng audit verify for the details and "
	    "check against the anchor copies kept off the machine (--anchors); keep the files as "
	    "they are and tell the security officer");
}

static void check_pack(const ms_doctor_opts *o, ms_check *c)
{
	begin(c, "pack", "政策包", "policy pack");
	ms_pack *pack = NULL;
	ms_error err;
	ms_error_clear(&err);
	ms_err e = ms_pack_load(o->pack_dir, &pack, &err);
	if (!e)
		e = ms_totp_policy_check(pack, &err);
	if (e) {
		c->state = MS_CHECK_FAIL;
		say(c->detail, sizeof c->detail, "%s：%s", o->pack_dir, ms_error_text(&err));
		say(c->fix, sizeof c->fix, "改正政策包，或把 [pack] path 指向安装的政策包 / correct the "
		    "pack, or point [pack] path at the installed one");
	} else {
		say(c->detail, sizeof c->detail, "%s：%d 条规则，%d 个数据源，版本 %.12s / %s: %d rules, "
		    "%d feeds, version %.12s", o->pack_dir, pack->nrules, pack->feeds.n, pack->version,
		    o->pack_dir, pack->nrules, pack->feeds.n, pack->version);
	}
	ms_pack_free(pack);
}

static void check_web(const ms_doctor_opts *o, ms_check *c)
{
	begin(c, "web", "网页文件", "web files");
	if (!o->static_dir || !*o->static_dir) {
		say(c->detail, sizeof c->detail, "未配置（只提供接口） / not configured (the API only)");
		return;
	}
	char index[4200];
	snprintf(index, sizeof index, "%s/index.html", o->static_dir);
	int fd = open(index, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		c->state = MS_CHECK_FAIL;
		say(c->detail, sizeof c->detail, "无法读取 %s：%s / cannot read %s: %s", index,
		    strerror(errno), index, strerror(errno));
		say(c->fix, sizeof c->fix, "安装网页文件（make install 或软件包），或删除 [server] static / "
		    "install the web files (make install or the package), or remove [server] static");
		return;
	}
	close(fd);
	say(c->detail, sizeof c->detail, "%s 就绪 / %s is in place", index, index);
}

static void date_text(int64_t t, char *out, size_t cap)
{
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(out, cap, "%Y-%m-%d", &tm);
}

static void check_tls(const ms_doctor_opts *o, ms_check *c)
{
	begin(c, "tls", "TLS 证书", "TLS certificate");
	if (!o->tls_cert || !*o->tls_cert) {
		say(c->detail, sizeof c->detail, "未配置（由反向代理提供 TLS，或仅本机访问） / not "
		    "configured (TLS at a reverse proxy, or loopback only)");
		return;
	}
	ms_tls_info ti;
	ms_error err;
	ms_error_clear(&err);
	ms_err e = ms_tls_check(o->tls_cert, o->tls_key ? o->tls_key : "", &ti, &err);
	if (e) {
		c->state = MS_CHECK_FAIL;
		say(c->detail, sizeof c->detail, "%s", ms_error_text(&err));
		say(c->fix, sizeof c->fix, "确认 [tls] certificate 与 key 是配对的未加密 PEM 文件，且服务用户"
		    "可读 / make [tls] certificate and key a matching pair of unencrypted PEM files the "
		    "service user can read");
		return;
	}
	char until[16], from[16];
	date_text(ti.not_after, until, sizeof until);
	date_text(ti.not_before, from, sizeof from);
	int64_t days = (ti.not_after - o->now) / 86400;
	if (ti.not_after <= o->now) {
		c->state = MS_CHECK_FAIL;
		say(c->detail, sizeof c->detail, "证书 %s（%s）已于 %s 过期 / the certificate %s (%s) "
		    "expired on %s", o->tls_cert, ti.subject, until, o->tls_cert, ti.subject, until);
	} else if (ti.not_before > o->now) {
		c->state = MS_CHECK_FAIL;
		say(c->detail, sizeof c->detail, "证书 %s 自 %s 起才生效（检查系统时间） / the certificate "
		    "%s is valid only from %s (check the clock)", o->tls_cert, from, o->tls_cert, from);
	} else if (days < 30) {
		c->state = MS_CHECK_WARN;
		say(c->detail, sizeof c->detail, "证书 %s 将于 %s 过期（剩 %lld 天） / the certificate %s "
		    "expires on %s (%lld days left)", o->tls_cert, until, (long long)days, o->tls_cert,
		    until, (long long)days);
	} else {
		say(c->detail, sizeof c->detail, "%s（%s）有效至 %s，私钥匹配 / %s (%s) valid until %s, "
		    "the key matches", o->tls_cert, ti.subject, until, o->tls_cert, ti.subject, until);
		return;
	}
	say(c->fix, sizeof c->fix, "更换证书后重启服务（systemctl restart minsheng） / install a new "
	    "certificate and restart the service (systemctl restart minsheng)");
}

int ms_doctor_run(const ms_doctor_opts *o, void (*fn)(void *ctx, const ms_check *c), void *ctx)
{
	void (*const checks[])(const ms_doctor_opts *, ms_check *) = {
		check_config, check_database, check_disk, check_files,
		check_access_log, check_pack, check_web, check_tls,
	};
	int bad = 0;
	ms_check *c = malloc(sizeof *c);
	if (!c)
		return -1;
	for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i++) {
		checks[i](o, c);
		if (c->state != MS_CHECK_OK)
			bad++;
		fn(ctx, c);
	}
	free(c);
	return bad;
}
