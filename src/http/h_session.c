/* h_session.c — login, logout, the session, passwords, users, department
 * tokens and second factors. */
#include "http/http_impl.h"

#include "base/date.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *user_json(const ms_user *u)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s?, s:b}", "name", u->name, "role",
	                 ms_role_code(u->role), "role_label", ms_role_label(u->role, false), "scope",
	                 u->scope, "station", u->station[0] ? u->station : NULL, "must_change",
	                 u->must_change);
}

static void set_cookie(ms_req *r, const char *token, int64_t max_age)
{
	snprintf(r->set_cookie, sizeof r->set_cookie,
	         "ms_session=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%lld%s", token,
	         (long long)max_age, r->srv->o.cookie_secure ? "; Secure" : "");
}

void h_login(ms_req *r)
{
	if (!http_throttle_check(r))
		return;
	json_t *o = http_body_object(r);
	if (!o)
		return;
	const char *name, *pw, *otp;
	if (!http_str(r, o, "username", MS_USER_NAME_MAX, &name) ||
	    !http_str(r, o, "password", MS_PASSWORD_MAX, &pw) || !http_str(r, o, "otp", 16, &otp)) {
		json_decref(o);
		return;
	}
	if (!name || !pw) {
		json_decref(o);
		http_error(r, MS_ERR_INVALID, "需要 username 和 password / username and password are "
		           "required");
		return;
	}
	ms_error err = {0};
	ms_user u;
	ms_err e = ms_auth_login(r->store, name, pw, &u, &err);
	if (e) {
		json_decref(o);
		if (e == MS_ERR_UNAUTHORIZED)
			http_throttle_fail(r);
		http_fail(r, e, &err);
		return;
	}
	/* the second factor */
	bool has = false;
	char secret[MS_TOTP_SECRET_B32];
	if ((e = ms_totp_secret(r->store, u.name, &has, secret, &err))) {
		json_decref(o);
		http_fail(r, e, &err);
		return;
	}
	if (has) {
		if (!otp || !*otp) {
			json_decref(o);
			json_t *j = json_pack("{s:{s:s,s:s,s:s}, s:b}", "error", "code", "unauthorized",
			                      "message", "请输入动态验证码 / enter the one-time code",
			                      "message_en", "one-time code required", "otp_required", 1);
			http_json(r, 401, j);
			return;
		}
		int64_t step = ms_totp_match(secret, otp, http_now());
		sodium_memzero(secret, sizeof secret);
		/* a code is used once (RFC 6238 §5.2): one seen before is refused */
		bool ok = step >= 0 && http_totp_step_fresh(r->srv, u.name, step);
		if (!ok) {
			json_decref(o);
			http_throttle_fail(r);
			http_error(r, MS_ERR_UNAUTHORIZED, "动态验证码错误 / wrong one-time code");
			return;
		}
	} else if (ms_totp_required(r->pack, u.role, ms_date_today())) {
		json_decref(o);
		http_error(r, MS_ERR_FORBIDDEN, "本角色必须使用动态验证码，请管理员为您开通 / this role must "
		           "use a second factor; ask an admin to enrol you");
		return;
	}
	json_decref(o);
	ms_session sess;
	if ((e = ms_session_create(r->store, &u, r->addr, http_now(), &r->srv->lim, &sess, &err))) {
		http_fail(r, e, &err);
		return;
	}
	http_throttle_ok(r);
	set_cookie(r, sess.token, r->srv->lim.absolute);
	sodium_memzero(sess.token, sizeof sess.token);
	http_json(r, 200, json_pack("{s:s, s:o, s:b}", "csrf", sess.csrf, "user", user_json(&u),
	                            "must_change", u.must_change));
}

void h_logout(ms_req *r)
{
	const char *tok = http_cookie(r);
	ms_error err = {0};
	if (tok && *tok) {
		ms_err e = ms_session_end(r->store, tok, &err);
		if (e) {
			http_fail(r, e, &err);
			return;
		}
	}
	set_cookie(r, "", 0);
	http_json(r, 200, json_pack("{s:b}", "ok", 1));
}

void h_session(ms_req *r)
{
	http_json(r, 200, json_pack("{s:o, s:s, s:I, s:I}", "user", user_json(&r->user), "csrf",
	                            r->sess.csrf, "created", (json_int_t)r->sess.created,
	                            "expires", (json_int_t)r->sess.expires));
}

/* Changes the caller's own password: the old one proves it is the user. */
void h_session_password(ms_req *r)
{
	if (!http_throttle_check(r))
		return;
	json_t *o = http_body_object(r);
	if (!o)
		return;
	const char *old, *pw;
	if (!http_str(r, o, "old_password", MS_PASSWORD_MAX, &old) ||
	    !http_str(r, o, "new_password", MS_PASSWORD_MAX, &pw)) {
		json_decref(o);
		return;
	}
	if (!old || !pw) {
		json_decref(o);
		http_error(r, MS_ERR_INVALID, "需要 old_password 和 new_password / old_password and "
		           "new_password are required");
		return;
	}
	ms_error err = {0};
	ms_user u;
	ms_err e = ms_auth_login(r->store, r->user.name, old, &u, &err);
	if (e) {
		json_decref(o);
		if (e == MS_ERR_UNAUTHORIZED)
			http_throttle_fail(r);
		http_fail(r, e, &err);
		return;
	}
	e = ms_auth_user_passwd(r->store, r->user.name, r->user.name, pw, &err);
	json_decref(o);
	if (e) {
		http_fail(r, e, &err);
		return;
	}
	/* every session ended with the change: open a fresh one */
	ms_session sess;
	u.must_change = false;
	if ((e = ms_session_create(r->store, &u, r->addr, http_now(), &r->srv->lim, &sess, &err))) {
		http_fail(r, e, &err);
		return;
	}
	set_cookie(r, sess.token, r->srv->lim.absolute);
	sodium_memzero(sess.token, sizeof sess.token);
	http_json(r, 200, json_pack("{s:s, s:o}", "csrf", sess.csrf, "user", user_json(&u)));
}

/* ---- users ---- */

static int add_user_info(void *ctx, const ms_user_info *u)
{
	json_array_append_new(ctx, json_pack("{s:s, s:s, s:s, s:s?, s:b, s:b, s:b, s:s, s:s}",
	                                     "name", u->name, "role", u->role, "scope", u->scope,
	                                     "station", u->station, "disabled", u->disabled,
	                                     "must_change", u->must_change, "locked", u->locked,
	                                     "created", u->created, "created_by", u->created_by));
	return 0;
}

void h_users_list(ms_req *r)
{
	json_t *items = json_array();
	ms_error err = {0};
	ms_err e = ms_auth_user_list(r->store, r->user.name, add_user_info, items, &err);
	if (e) {
		json_decref(items);
		http_fail(r, e, &err);
		return;
	}
	http_json(r, 200, json_pack("{s:o}", "items", items));
}

typedef struct one_user {
	const char *name;
	json_t *found;
} one_user;

static int find_user(void *ctx, const ms_user_info *u)
{
	one_user *o = ctx;
	if (strcmp(u->name, o->name) != 0)
		return 0;
	json_t *a = json_array();
	add_user_info(a, u);
	o->found = json_incref(json_array_get(a, 0));
	json_decref(a);
	return 1;
}

void h_user_get(ms_req *r)
{
	one_user o = {.name = r->params[0]};
	ms_error err = {0};
	ms_err e = ms_auth_user_list(r->store, r->user.name, find_user, &o, &err);
	if (e) {
		http_fail(r, e, &err);
		return;
	}
	if (!o.found) {
		http_error(r, MS_ERR_NOT_FOUND, "用户不存在 / no such user");
		return;
	}
	http_json(r, 200, o.found);
}

void h_users_add(ms_req *r)
{
	json_t *o = http_body_object(r);
	if (!o)
		return;
	const char *name, *role, *scope, *station, *pw;
	if (!http_str(r, o, "name", MS_USER_NAME_MAX, &name) || !http_str(r, o, "role", 32, &role) ||
	    !http_str(r, o, "scope", 12, &scope) || !http_str(r, o, "station", 12, &station) ||
	    !http_str(r, o, "password", MS_PASSWORD_MAX, &pw)) {
		json_decref(o);
		return;
	}
	if (!name || !role || !scope || !pw) {
		json_decref(o);
		http_error(r, MS_ERR_INVALID, "需要 name、role、scope 和 password / name, role, scope and "
		           "password are required");
		return;
	}
	ms_user_new nu = {.name = name, .role = ms_role_parse(role), .scope = scope,
	                  .station = station, .password = pw};
	if (nu.role == MS_ROLE_NONE) {
		json_decref(o);
		http_error(r, MS_ERR_INVALID, "未知角色：%s / unknown role: %s", role, role);
		return;
	}
	ms_error err = {0};
	ms_err e = ms_auth_user_add(r->store, r->user.name, &nu, &err);
	if (e) {
		json_decref(o);
		http_fail(r, e, &err);
		return;
	}
	ms_user u;
	e = ms_auth_user_get(r->store, name, &u, &err);
	json_decref(o);
	if (e) {
		http_fail(r, e, &err);
		return;
	}
	http_json(r, 201, user_json(&u));
}

/* An admin resets another user's password (the user must change it at next
 * login); a user may also set its own here, which needs no old password
 * because the session proves it — the session route asks for it anyway. */
void h_user_password(ms_req *r)
{
	json_t *o = http_body_object(r);
	if (!o)
		return;
	const char *pw;
	if (!http_str(r, o, "password", MS_PASSWORD_MAX, &pw)) {
		json_decref(o);
		return;
	}
	if (!pw) {
		json_decref(o);
		http_error(r, MS_ERR_INVALID, "需要 password / password is required");
		return;
	}
	if (strcmp(r->params[0], r->user.name) == 0) {
		json_decref(o);
		http_error(r, MS_ERR_FORBIDDEN, "修改自己的密码请用 POST /api/v1/session/password / change "
		           "your own password with POST /api/v1/session/password");
		return;
	}
	ms_error err = {0};
	ms_err e = ms_auth_user_passwd(r->store, r->user.name, r->params[0], pw, &err);
	json_decref(o);
	if (e) {
		http_fail(r, e, &err);
		return;
	}
	http_json(r, 200, json_pack("{s:s, s:b}", "name", r->params[0], "must_change", 1));
}

void h_user_disable(ms_req *r)
{
	ms_error err = {0};
	ms_err e = ms_auth_user_disable(r->store, r->user.name, r->params[0], &err);
	if (e) {
		http_fail(r, e, &err);
		return;
	}
	http_json(r, 200, json_pack("{s:s, s:b}", "name", r->params[0], "disabled", 1));
}

void h_user_totp_add(ms_req *r)
{
	char secret[MS_TOTP_SECRET_B32], uri[512];
	ms_error err = {0};
	ms_err e = ms_totp_enrol(r->store, r->user.name, r->params[0], secret, uri, sizeof uri, &err);
	if (e) {
		http_fail(r, e, &err);
		return;
	}
	http_json(r, 200, json_pack("{s:s, s:s, s:s}", "name", r->params[0], "secret", secret,
	                            "uri", uri));
	sodium_memzero(secret, sizeof secret);
}

void h_user_totp_remove(ms_req *r)
{
	ms_error err = {0};
	ms_err e = ms_totp_remove(r->store, r->user.name, r->params[0], &err);
	if (e) {
		http_fail(r, e, &err);
		return;
	}
	http_json(r, 200, json_pack("{s:s, s:b}", "name", r->params[0], "totp", 0));
}

/* ---- department tokens ---- */

static int add_token(void *ctx, const ms_api_token *t)
{
	json_array_append_new(ctx, json_pack("{s:I, s:s, s:s, s:s, s:s, s:b}", "id",
	                                     (json_int_t)t->id, "user", t->user.name, "feeds",
	                                     t->feeds, "label", t->label, "created", t->created,
	                                     "revoked", t->revoked));
	return 0;
}

void h_tokens_list(ms_req *r)
{
	if (!http_role(r, MS_ROLE_ADMIN, 0))
		return;
	json_t *items = json_array();
	ms_error err = {0};
	ms_err e = ms_token_list(r->store, r->user.name, add_token, items, &err);
	if (e) {
		json_decref(items);
		http_fail(r, e, &err);
		return;
	}
	http_json(r, 200, json_pack("{s:o}", "items", items));
}

void h_tokens_add(ms_req *r)
{
	json_t *o = http_body_object(r);
	if (!o)
		return;
	const char *user, *feeds, *label;
	if (!http_str(r, o, "user", MS_USER_NAME_MAX, &user) ||
	    !http_str(r, o, "feeds", MS_TOKEN_FEEDS_MAX - 1, &feeds) ||
	    !http_str(r, o, "label", 100, &label)) {
		json_decref(o);
		return;
	}
	if (!user || !feeds) {
		json_decref(o);
		http_error(r, MS_ERR_INVALID, "需要 user 和 feeds / user and feeds are required");
		return;
	}
	/* every feed named must be a feed of the pack */
	char list[MS_TOKEN_FEEDS_MAX];
	snprintf(list, sizeof list, "%s", feeds);
	for (char *save = NULL, *f = strtok_r(list, ",", &save); f; f = strtok_r(NULL, ",", &save)) {
		if (!ms_feed_set_find(HTTP_FEEDS(r), f)) {
			http_error(r, MS_ERR_INVALID, "政策包中没有数据源 %s / the pack has no feed %s", f, f);
			json_decref(o);
			return;
		}
	}
	char token[MS_TOKEN_HEX];
	int64_t id;
	ms_error err = {0};
	ms_err e = ms_token_create(r->store, r->user.name, user, feeds, label ? label : "", token,
	                           &id, &err);
	json_decref(o);
	if (e) {
		http_fail(r, e, &err);
		return;
	}
	http_json(r, 201, json_pack("{s:I, s:s}", "id", (json_int_t)id, "token", token));
	sodium_memzero(token, sizeof token);
}

void h_token_revoke(ms_req *r)
{
	char *end;
	long long id = strtoll(r->params[0], &end, 10);
	if (*end || id <= 0) {
		http_error(r, MS_ERR_NOT_FOUND, "令牌不存在 / no such token");
		return;
	}
	ms_error err = {0};
	ms_err e = ms_token_revoke(r->store, r->user.name, id, &err);
	if (e) {
		http_fail(r, e, &err);
		return;
	}
	http_json(r, 200, json_pack("{s:I, s:b}", "id", (json_int_t)id, "revoked", 1));
}
