/* auth.c — users, roles, scopes and passwords (SPEC §1, §7). Decides who may
 * add, list, disable and re-password users; the rows themselves live in the
 * store (store_auth.c). Passwords are argon2id through libsodium. */
#include "auth/auth.h"

#include "auth/session.h"
#include "model/area.h"
#include "store/store_alerts.h"
#include "store/store_auth.h"

#include <sodium.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const struct {
	ms_role role;
	const char *code, *zh, *en;
} roles[] = {
    {MS_ROLE_ADMIN, "admin", "省级管理员", "provincial administrator"},
    {MS_ROLE_OFFICER, "officer", "民政经办", "civil-affairs officer"},
    {MS_ROLE_STATION_HEAD, "station_head", "社工站站长", "station head"},
    {MS_ROLE_WORKER, "worker", "社工", "social worker"},
    {MS_ROLE_UPLOADER, "uploader", "部门接口", "department data interface"},
    {MS_ROLE_EVALUATOR, "evaluator", "第三方评估", "third-party evaluator"},
    {MS_ROLE_AUDITOR, "auditor", "审计", "auditor"},
};
#define NROLES (sizeof roles / sizeof roles[0])

ms_role ms_role_parse(const char *code)
{
	for (size_t i = 0; code && i < NROLES; i++)
		if (strcmp(code, roles[i].code) == 0)
			return roles[i].role;
	return MS_ROLE_NONE;
}

const char *ms_role_code(ms_role r)
{
	for (size_t i = 0; i < NROLES; i++)
		if (roles[i].role == r)
			return roles[i].code;
	return "";
}

const char *ms_role_label(ms_role r, bool english)
{
	for (size_t i = 0; i < NROLES; i++)
		if (roles[i].role == r)
			return english ? roles[i].en : roles[i].zh;
	return "";
}

static bool has_station(ms_role r) { return r == MS_ROLE_STATION_HEAD || r == MS_ROLE_WORKER; }

bool ms_scope_shape_ok(const char *scope)
{
	if (!scope)
		return false;
	size_t n = strlen(scope);
	if (n != 2 && n != 4 && n != 6 && n != 9 && n != 12)
		return false;
	for (size_t i = 0; i < n; i++)
		if (scope[i] < '0' || scope[i] > '9')
			return false;
	return true;
}

bool ms_scope_covers(const char *scope, const char *code)
{
	if (!scope || !code || !*scope)
		return false;
	size_t n = strlen(scope);
	return strncmp(code, scope, n) == 0;
}

void ms_auth_scope(const ms_user *u, ms_scope *out)
{
	*out = (ms_scope){.kind = MS_SCOPE_NONE, .user = u->name};
	switch (u->role) {
	case MS_ROLE_ADMIN:
	case MS_ROLE_OFFICER:
		out->kind = MS_SCOPE_AREA;
		out->prefix = u->scope;
		break;
	case MS_ROLE_STATION_HEAD:
		out->kind = u->station[0] ? MS_SCOPE_STATION : MS_SCOPE_NONE;
		out->station = u->station;
		break;
	case MS_ROLE_WORKER:
		out->kind = u->station[0] ? MS_SCOPE_WORKER : MS_SCOPE_NONE;
		out->station = u->station;
		break;
	default:
		break;
	}
}

ms_err ms_auth_check_name(const char *name, ms_error *err)
{
	size_t n = name ? strlen(name) : 0;
	if (n == 0 || n > MS_USER_NAME_MAX)
		return ms_error_set(err, MS_ERR_INVALID,
		                    "用户名应为 1–%d 字节 (a user name has 1-%d bytes)",
		                    MS_USER_NAME_MAX, MS_USER_NAME_MAX);
	if (name[0] == '-')
		return ms_error_set(err, MS_ERR_INVALID,
		                    "用户名不能以 - 开头 (a user name cannot start with '-')");
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];
		bool ok = c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		          (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
		if (!ok)
			return ms_error_set(err, MS_ERR_INVALID,
			                    "用户名 %s 含不允许的字符，只可用字母、数字、汉字和 . _ - "
			                    "(a user name may hold letters, digits, Chinese characters "
			                    "and . _ - only)",
			                    name);
	}
	return MS_ERR_OK;
}

/* Characters of valid UTF-8 without control characters; -1 when invalid. */
static long utf8_chars(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	long n = 0;
	while (*p) {
		size_t len;
		if (*p < 0x20 || *p == 0x7f)
			return -1;
		if (*p < 0x80)
			len = 1;
		else if ((*p & 0xE0) == 0xC0 && *p >= 0xC2)
			len = 2;
		else if ((*p & 0xF0) == 0xE0)
			len = 3;
		else if ((*p & 0xF8) == 0xF0 && *p <= 0xF4)
			len = 4;
		else
			return -1;
		for (size_t i = 1; i < len; i++)
			if ((p[i] & 0xC0) != 0x80)
				return -1;
		p += len;
		n++;
	}
	return n;
}

ms_err ms_auth_check_password(const char *password, ms_error *err)
{
	if (!password)
		return ms_error_set(err, MS_ERR_INVALID, "缺少密码 (no password given)");
	if (strlen(password) > MS_PASSWORD_MAX)
		return ms_error_set(err, MS_ERR_TOO_LARGE,
		                    "密码过长，最多 %d 字节 (the password is longer than %d bytes)",
		                    MS_PASSWORD_MAX, MS_PASSWORD_MAX);
	long n = utf8_chars(password);
	if (n < 0)
		return ms_error_set(err, MS_ERR_INVALID,
		                    "密码含控制字符或不是 UTF-8 (the password holds control "
		                    "characters or is not UTF-8)");
	if (n < MS_PASSWORD_MIN)
		return ms_error_set(err, MS_ERR_INVALID,
		                    "密码至少 %d 个字符 (a password has at least %d characters)",
		                    MS_PASSWORD_MIN, MS_PASSWORD_MIN);
	return MS_ERR_OK;
}

static ms_err sodium_ready(ms_error *err)
{
	if (sodium_init() < 0)
		return ms_error_set(err, MS_ERR_INTERNAL,
		                    "libsodium 初始化失败 (libsodium failed to initialise)");
	return MS_ERR_OK;
}

ms_err ms_auth_hash_password(const char *password, char out[MS_PWHASH_MAX], ms_error *err)
{
	_Static_assert(crypto_pwhash_STRBYTES <= MS_PWHASH_MAX, "argon2id strings fit");
	ms_err e = ms_auth_check_password(password, err);
	if (e || (e = sodium_ready(err)))
		return e;
	const char *mode = getenv("MINSHENG_PWHASH");
	bool min = mode && strcmp(mode, "min") == 0;
	unsigned long long ops = min ? crypto_pwhash_OPSLIMIT_MIN : crypto_pwhash_OPSLIMIT_INTERACTIVE;
	size_t mem = min ? crypto_pwhash_MEMLIMIT_MIN : crypto_pwhash_MEMLIMIT_INTERACTIVE;
	char buf[crypto_pwhash_STRBYTES];
	if (crypto_pwhash_str_alg(buf, password, strlen(password), ops, mem,
	                          crypto_pwhash_ALG_ARGON2ID13) != 0)
		return ms_error_set(err, MS_ERR_NOMEM,
		                    "计算密码散列时内存不足 (out of memory hashing the password)");
	memcpy(out, buf, sizeof buf);
	sodium_memzero(buf, sizeof buf);
	return MS_ERR_OK;
}

bool ms_auth_password_matches(const char *pwhash, const char *password)
{
	if (!pwhash || !password || sodium_ready(NULL))
		return false;
	/* only argon2id strings are accepted */
	if (strncmp(pwhash, "$argon2id$", 10) != 0)
		return false;
	return crypto_pwhash_str_verify(pwhash, password, strlen(password)) == 0;
}

static void copy_field(char *dst, size_t cap, const char *src)
{
	size_t n = src ? strlen(src) : 0;
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, src ? src : "", n);
	dst[n] = '\0';
}

static void user_from_row(const ms_user_row *r, ms_user *u)
{
	memset(u, 0, sizeof *u);
	copy_field(u->name, sizeof u->name, r->name);
	u->role = ms_role_parse(r->role);
	copy_field(u->scope, sizeof u->scope, r->scope);
	copy_field(u->station, sizeof u->station, r->station);
	u->disabled = r->disabled;
	u->must_change = r->must_change;
}

ms_err ms_auth_user_get(ms_store *s, const char *name, ms_user *out, ms_error *err)
{
	ms_user_row r;
	ms_err e = ms_store_user_get(s, name ? name : "", &r, err);
	if (e == MS_ERR_NOT_FOUND)
		return ms_error_set(err, MS_ERR_NOT_FOUND, "没有用户 %s (no user named %s)",
		                    name ? name : "", name ? name : "");
	if (e)
		return e;
	user_from_row(&r, out);
	return MS_ERR_OK;
}

ms_err ms_auth_actor(ms_store *s, const char *name, ms_user *out, ms_error *err)
{
	if (!name || !*name)
		return ms_error_set(err, MS_ERR_UNAUTHORIZED,
		                    "请用 --as 指明操作用户 (name the acting user with --as)");
	ms_user_row r;
	ms_err e = ms_store_user_get(s, name, &r, err);
	if (e == MS_ERR_NOT_FOUND)
		return ms_error_set(err, MS_ERR_UNAUTHORIZED,
		                    "操作用户 %s 不存在 (the acting user %s does not exist)", name,
		                    name);
	if (e)
		return e;
	if (r.disabled)
		return ms_error_set(err, MS_ERR_UNAUTHORIZED,
		                    "操作用户 %s 已停用 (the acting user %s is disabled)", name, name);
	user_from_row(&r, out);
	return MS_ERR_OK;
}

static void now_rfc3339(char out[32], long offset_seconds)
{
	time_t t = time(NULL) + offset_seconds + 8 * 3600;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%S+08:00", &tm);
}

/* The actor must be an admin whose scope covers `scope`. */
static ms_err need_admin_over(const ms_user *a, const char *scope, const char *what,
                              ms_error *err)
{
	if (a->role != MS_ROLE_ADMIN)
		return ms_error_set(err, MS_ERR_FORBIDDEN,
		                    "只有管理员可以%s，%s 是%s (only an admin may %s; %s is %s)",
		                    what, a->name, ms_role_label(a->role, false), what, a->name,
		                    ms_role_code(a->role));
	if (!ms_scope_covers(a->scope, scope))
		return ms_error_set(err, MS_ERR_FORBIDDEN,
		                    "范围 %s 不在管理员 %s 的范围 %s 之内 (scope %s is outside admin "
		                    "%s's scope %s)",
		                    scope, a->name, a->scope, scope, a->name, a->scope);
	return MS_ERR_OK;
}

static ms_err check_new_user(ms_store *s, const ms_user_new *u, ms_error *err)
{
	ms_err e = ms_auth_check_name(u->name, err);
	if (e)
		return e;
	if (u->role == MS_ROLE_NONE)
		return ms_error_set(err, MS_ERR_INVALID,
		                    "角色应为 admin、officer、station_head、worker、uploader、"
		                    "evaluator 或 auditor (unknown role)");
	if (!ms_scope_shape_ok(u->scope))
		return ms_error_set(err, MS_ERR_INVALID,
		                    "范围应为 2、4、6、9 或 12 位区划代码前缀 (the scope must be an "
		                    "area-code prefix of 2, 4, 6, 9 or 12 digits): %s",
		                    u->scope ? u->scope : "");
	if ((e = ms_area_init(err)))
		return e;
	if (!ms_area_find(u->scope, strlen(u->scope)))
		return ms_error_set(err, MS_ERR_INVALID,
		                    "范围 %s 不是已知的区划代码 (scope %s is not a known area code)",
		                    u->scope, u->scope);
	bool st = u->station && *u->station;
	if (has_station(u->role)) {
		if (!st)
			return ms_error_set(err, MS_ERR_INVALID,
			                    "站长和社工需要用 --station 指明所属社工站 (a station head "
			                    "or worker needs its station: --station CODE)");
		if (strlen(u->station) != 9)
			return ms_error_set(err, MS_ERR_INVALID,
			                    "社工站编码应为 9 位乡镇代码 (a station code has 9 digits): "
			                    "%s",
			                    u->station);
		if (!ms_scope_covers(u->scope, u->station))
			return ms_error_set(err, MS_ERR_INVALID,
			                    "社工站 %s 不在范围 %s 之内 (station %s is outside scope "
			                    "%s)",
			                    u->station, u->scope, u->station, u->scope);
		bool exists = false;
		if ((e = ms_store_station_exists(s, u->station, &exists, err)))
			return e;
		if (!exists)
			return ms_error_set(err, MS_ERR_NOT_FOUND,
			                    "没有社工站 %s，请先用 minsheng station import 导入 (no "
			                    "station %s: load it with minsheng station import)",
			                    u->station, u->station);
	} else if (st) {
		return ms_error_set(err, MS_ERR_INVALID,
		                    "只有站长和社工属于社工站，%s 不需要 --station (only station "
		                    "heads and workers belong to a station)",
		                    ms_role_code(u->role));
	}
	return ms_auth_check_password(u->password, err);
}

ms_err ms_auth_user_add(ms_store *s, const char *actor, const ms_user_new *u, ms_error *err)
{
	ms_err e = check_new_user(s, u, err);
	if (e)
		return e;
	char hash[MS_PWHASH_MAX];
	if ((e = ms_auth_hash_password(u->password, hash, err)))
		return e;
	if ((e = ms_store_begin_write(s, err)))
		goto out;
	if (actor) {
		ms_user a;
		if ((e = ms_auth_actor(s, actor, &a, err)) ||
		    (e = need_admin_over(&a, u->scope, "添加用户 add users", err)))
			goto fail;
	} else {
		int64_t admins = 0;
		if ((e = ms_store_user_count_role(s, "admin", &admins, err)))
			goto fail;
		if (admins > 0) {
			e = ms_error_set(err, MS_ERR_UNAUTHORIZED,
			                 "已有管理员，请用 --as 指明执行此操作的管理员 (an admin "
			                 "exists: name the admin who adds this user with --as)");
			goto fail;
		}
		if (u->role != MS_ROLE_ADMIN) {
			e = ms_error_set(err, MS_ERR_FORBIDDEN,
			                 "尚无管理员：第一个用户须为 admin (no admin yet: the first "
			                 "user must have role admin)");
			goto fail;
		}
	}
	char ts[32];
	now_rfc3339(ts, 0);
	ms_user_row r = {.name = u->name,
	                 .role = ms_role_code(u->role),
	                 .scope = u->scope,
	                 .station = has_station(u->role) ? u->station : NULL,
	                 .pwhash = hash,
	                 .created = ts,
	                 .created_by = actor ? actor : ""};
	if ((e = ms_store_user_insert(s, &r, err)) || (e = ms_store_commit(s, err)))
		goto fail;
	goto out;
fail:
	ms_store_rollback(s);
out:
	sodium_memzero(hash, sizeof hash);
	return e;
}

typedef struct list_ctx {
	const ms_user *actor; /* NULL: every user */
	int (*fn)(void *ctx, const ms_user_info *u);
	void *ctx;
	const char *now;
} list_ctx;

static bool may_see_user(const ms_user *a, const ms_user_row *r)
{
	if (!a)
		return true;
	switch (a->role) {
	case MS_ROLE_ADMIN:
	case MS_ROLE_OFFICER:
		return ms_scope_covers(a->scope, r->scope);
	case MS_ROLE_STATION_HEAD:
		return r->station && strcmp(r->station, a->station) == 0;
	default:
		return strcmp(a->name, r->name) == 0;
	}
}

static int on_user(void *ctx, const ms_user_row *r)
{
	list_ctx *c = ctx;
	if (!may_see_user(c->actor, r))
		return 0;
	ms_user_info u = {.name = r->name,
	                  .role = r->role,
	                  .scope = r->scope,
	                  .station = r->station,
	                  .disabled = r->disabled,
	                  .must_change = r->must_change,
	                  .locked = r->locked_until && strcmp(r->locked_until, c->now) > 0,
	                  .created = r->created,
	                  .created_by = r->created_by};
	return c->fn(c->ctx, &u);
}

ms_err ms_auth_user_list(ms_store *s, const char *actor,
                         int (*fn)(void *ctx, const ms_user_info *u), void *ctx, ms_error *err)
{
	ms_user a;
	char ts[32];
	now_rfc3339(ts, 0);
	list_ctx c = {.fn = fn, .ctx = ctx, .now = ts};
	if (actor) {
		ms_err e = ms_auth_actor(s, actor, &a, err);
		if (e)
			return e;
		c.actor = &a;
	}
	return ms_store_user_list(s, NULL, on_user, &c, err);
}

ms_err ms_auth_user_disable(ms_store *s, const char *actor, const char *name, ms_error *err)
{
	ms_user a, t;
	ms_err e;
	if ((e = ms_store_begin_write(s, err)))
		return e;
	if ((e = ms_auth_actor(s, actor, &a, err)))
		goto fail;
	if ((e = ms_auth_user_get(s, name, &t, err)))
		goto fail;
	if ((e = need_admin_over(&a, t.scope, "停用用户 disable users", err)))
		goto fail;
	if (t.role == MS_ROLE_ADMIN && !t.disabled) {
		int64_t admins = 0;
		if ((e = ms_store_user_count_role(s, "admin", &admins, err)))
			goto fail;
		if (admins <= 1) {
			e = ms_error_set(err, MS_ERR_CONFLICT,
			                 "%s 是最后一个启用的管理员，不能停用；请先添加另一个管理员 "
			                 "(%s is the last enabled admin: add another admin first)",
			                 name, name);
			goto fail;
		}
	}
	char ts[32];
	now_rfc3339(ts, 0);
	/* a disabled user's sessions end with the change, in its transaction */
	if ((e = ms_store_user_set_disabled(s, name, true, ts, err)) ||
	    (e = ms_session_end_user(s, name, err)) || (e = ms_store_commit(s, err)))
		goto fail;
	return MS_ERR_OK;
fail:
	ms_store_rollback(s);
	return e;
}

ms_err ms_auth_user_passwd(ms_store *s, const char *actor, const char *name,
                           const char *password, ms_error *err)
{
	char hash[MS_PWHASH_MAX];
	ms_err e = ms_auth_hash_password(password, hash, err);
	if (e)
		return e;
	bool must_change = true;
	ms_user t;
	if ((e = ms_store_begin_write(s, err)))
		goto out;
	if ((e = ms_auth_user_get(s, name, &t, err)))
		goto fail;
	if (!actor) {
		if (t.role != MS_ROLE_ADMIN) {
			e = ms_error_set(err, MS_ERR_UNAUTHORIZED,
			                 "请用 --as 指明操作用户；不带 --as 只能重置管理员的密码 "
			                 "(name the acting user with --as: without it only an admin's "
			                 "password can be reset)");
			goto fail;
		}
	} else {
		ms_user a;
		if ((e = ms_auth_actor(s, actor, &a, err)))
			goto fail;
		if (strcmp(a.name, t.name) == 0)
			must_change = false;
		else if ((e = need_admin_over(&a, t.scope, "重置他人密码 reset passwords", err)))
			goto fail;
	}
	char ts[32];
	now_rfc3339(ts, 0);
	/* a new password ends every session of the user (SPEC §7): whoever
	 * knew the old one is logged out too */
	if ((e = ms_store_user_set_password(s, name, hash, must_change, ts, err)) ||
	    (e = ms_session_end_user(s, name, err)) || (e = ms_store_commit(s, err)))
		goto fail;
	goto out;
fail:
	ms_store_rollback(s);
out:
	sodium_memzero(hash, sizeof hash);
	return e;
}

ms_err ms_auth_login(ms_store *s, const char *name, const char *password, ms_user *out,
                     ms_error *err)
{
	static const char refused[] = "用户名或密码错误，或账号已停用或暂时锁定 (wrong user name "
	                              "or password, or the account is disabled or locked)";
	ms_user_row r;
	char now[32];
	now_rfc3339(now, 0);
	if (!name || !password || strlen(password) > MS_PASSWORD_MAX)
		return ms_error_set(err, MS_ERR_UNAUTHORIZED, "%s", refused);
	ms_err e = ms_store_user_get(s, name, &r, err);
	if (e == MS_ERR_NOT_FOUND) {
		/* spend the same time as a real check, so timing tells nothing */
		char dummy[MS_PWHASH_MAX];
		if (ms_auth_hash_password("not-a-real-password", dummy, NULL) == MS_ERR_OK)
			sodium_memzero(dummy, sizeof dummy);
		return ms_error_set(err, MS_ERR_UNAUTHORIZED, "%s", refused);
	}
	if (e)
		return e;
	bool locked = r.locked_until && strcmp(r.locked_until, now) > 0;
	if (r.disabled || locked)
		return ms_error_set(err, MS_ERR_UNAUTHORIZED, "%s", refused);
	ms_user u;
	user_from_row(&r, &u);
	int64_t failed = r.failed;
	/* the row's text is only valid until the next store call */
	char hash[MS_PWHASH_MAX];
	copy_field(hash, sizeof hash, r.pwhash);
	bool ok = ms_auth_password_matches(hash, password);
	if (!ok) {
		char until[32];
		bool lock = failed + 1 >= MS_LOGIN_MAX_FAILURES;
		if (lock)
			now_rfc3339(until, MS_LOGIN_LOCK_MINUTES * 60L);
		if ((e = ms_store_user_login_result(s, u.name, false, lock ? until : NULL, err)))
			return e;
		return ms_error_set(err, MS_ERR_UNAUTHORIZED, "%s", refused);
	}
	if (failed > 0 && (e = ms_store_user_login_result(s, u.name, true, NULL, err)))
		return e;
	*out = u;
	return MS_ERR_OK;
}
