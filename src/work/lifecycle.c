/* lifecycle.c — alert transitions (SPEC §4): the legal moves, who may take
 * each, optimistic versions, verification outcomes, a household's alerts
 * verified together, closing decisions and attachments, each change in one
 * write transaction with its event. */
#include "work/work_impl.h"

#include "base/mem.h"
#include "store/store_auth.h"
#include "work/notify.h"

#include <openssl/evp.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

/* ---- small helpers ---- */

void work_copy(char *dst, size_t cap, const char *src)
{
	size_t n = src ? strlen(src) : 0;
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, src ? src : "", n);
	dst[n] = '\0';
}

ms_err work_not_found(int64_t id, ms_error *err)
{
	return ms_error_set(err, MS_ERR_NOT_FOUND,
	                    "没有编号为 %lld 的预警，或不在您的范围内 (no alert %lld in your "
	                    "scope)",
	                    (long long)id, (long long)id);
}

ms_err work_now(const ms_work_env *env, char out[32], ms_date *day, ms_error *err)
{
	const char *given = env ? env->now : NULL;
	if (given) {
		size_t n = strlen(given);
		if (n < 10 || n >= 32 || ms_date_parse(given, 10, day) != MS_ERR_OK)
			return ms_error_set(err, MS_ERR_INVALID,
			                    "时间应为 RFC 3339 格式 (time must be RFC 3339): %s", given);
		memcpy(out, given, n + 1);
		return MS_ERR_OK;
	}
	*day = ms_date_today();
	char d[MS_DATE_STR];
	ms_date_format(*day, d);
	time_t t = time(NULL) + 8 * 3600;
	struct tm tm;
	gmtime_r(&t, &tm);
	snprintf(out, 32, "%.10sT%02d:%02d:%02d+08:00", d, tm.tm_hour, tm.tm_min, tm.tm_sec);
	return MS_ERR_OK;
}

ms_err work_alert_load(ms_store *s, int64_t id, work_alert *out, ms_error *err)
{
	ms_work_alert_row r;
	ms_err e = ms_store_work_alert_get(s, id, &r, err);
	if (e)
		return e;
	memset(out, 0, sizeof *out);
	out->id = r.a.id;
	out->version = r.a.version;
	work_copy(out->state, sizeof out->state, r.a.state);
	work_copy(out->area, sizeof out->area, r.a.area);
	work_copy(out->inbox, sizeof out->inbox, r.a.inbox);
	work_copy(out->subject_type, sizeof out->subject_type, r.a.subject_type);
	work_copy(out->subject, sizeof out->subject, r.a.subject);
	work_copy(out->assignee, sizeof out->assignee, r.a.assignee);
	work_copy(out->outcome, sizeof out->outcome, r.outcome);
	work_copy(out->decision, sizeof out->decision, r.decision);
	if (out->assignee[0]) {
		ms_user_row u;
		e = ms_store_user_get(s, out->assignee, &u, err);
		if (e == MS_ERR_OK)
			work_copy(out->assignee_station, sizeof out->assignee_station, u.station);
		else if (e != MS_ERR_NOT_FOUND)
			return e;
	}
	return MS_ERR_OK;
}

bool work_in_scope(const ms_user *u, const work_alert *a)
{
	return ms_scope_covers(u->scope, a->area) || ms_scope_covers(u->scope, a->inbox);
}

bool work_visible(const ms_user *u, const work_alert *a)
{
	switch (u->role) {
	case MS_ROLE_ADMIN:
	case MS_ROLE_OFFICER:
		return work_in_scope(u, a);
	case MS_ROLE_STATION_HEAD:
		return u->station[0] && (strcmp(a->inbox, u->station) == 0 ||
		                         strcmp(a->assignee_station, u->station) == 0);
	case MS_ROLE_WORKER:
		return a->assignee[0] && strcmp(a->assignee, u->name) == 0;
	default:
		return false;
	}
}

/* ---- outcomes ---- */

static const char *const outcomes[MS_STATS_OUTCOMES][3] = {
    {"enrolled", "纳入救助", "enrolled in assistance"},
    {"adjusted", "调整待遇", "benefit adjusted"},
    {"referred", "已转介", "referred"},
    {"no_action", "属实无需救助", "confirmed, no assistance needed"},
    {"false_positive", "信息有误", "information was wrong"},
    {"unreachable", "无法联系", "could not be reached"},
};

bool ms_outcome_valid(const char *outcome)
{
	for (int i = 0; outcome && i < MS_STATS_OUTCOMES; i++)
		if (strcmp(outcome, outcomes[i][0]) == 0)
			return true;
	return false;
}

const char *ms_outcome_label(const char *outcome, bool english)
{
	for (int i = 0; outcome && i < MS_STATS_OUTCOMES; i++)
		if (strcmp(outcome, outcomes[i][0]) == 0)
			return outcomes[i][english ? 2 : 1];
	return outcome ? outcome : "";
}

const char *ms_outcome_code(int i)
{
	return i >= 0 && i < MS_STATS_OUTCOMES ? outcomes[i][0] : "";
}

bool ms_work_state_waiting(const char *state)
{
	return state && (strcmp(state, "new") == 0 || strcmp(state, "assigned") == 0 ||
	                 strcmp(state, "verifying") == 0 || strcmp(state, "returned") == 0);
}

/* ---- the transition table ---- */

static const char *const moves[][2] = {
    {"new", "assigned"},      {"assigned", "verifying"}, {"returned", "verifying"},
    {"verifying", "verified"}, {"verified", "returned"},  {"verified", "closed"},
};

static bool legal(const char *from, const char *to)
{
	for (size_t i = 0; i < sizeof moves / sizeof moves[0]; i++)
		if (strcmp(moves[i][0], from) == 0 && strcmp(moves[i][1], to) == 0)
			return true;
	return false;
}

static bool officer_in_scope(const ms_user *u, const work_alert *a)
{
	return (u->role == MS_ROLE_ADMIN || u->role == MS_ROLE_OFFICER) && work_in_scope(u, a);
}

/* Who may take a legal move (work.h rule 2). */
static bool may(const ms_user *u, const work_alert *a, const char *to)
{
	if (strcmp(to, "assigned") == 0)
		return (u->role == MS_ROLE_STATION_HEAD && strcmp(a->inbox, u->station) == 0) ||
		       officer_in_scope(u, a);
	if (strcmp(to, "verifying") == 0 || strcmp(to, "verified") == 0) {
		if (a->assignee[0] && strcmp(a->assignee, u->name) == 0)
			return true;
		return u->role == MS_ROLE_STATION_HEAD && a->assignee_station[0] &&
		       strcmp(a->assignee_station, u->station) == 0;
	}
	return officer_in_scope(u, a); /* returned, closed */
}

/* ---- input checks ---- */

static bool utf8_ok(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		size_t len;
		if (*p < 0x20 && *p != '\n' && *p != '\t' && *p != '\r')
			return false;
		if (*p < 0x80)
			len = 1;
		else if ((*p & 0xE0) == 0xC0 && *p >= 0xC2)
			len = 2;
		else if ((*p & 0xF0) == 0xE0)
			len = 3;
		else if ((*p & 0xF8) == 0xF0 && *p <= 0xF4)
			len = 4;
		else
			return false;
		for (size_t i = 1; i < len; i++)
			if ((p[i] & 0xC0) != 0x80)
				return false;
		p += len;
	}
	return true;
}

static bool blank(const char *s)
{
	if (!s)
		return true;
	for (; *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
			return false;
	return true;
}

static ms_err check_text(const char *what, const char *v, size_t max, ms_error *err)
{
	if (!v)
		return MS_ERR_OK;
	if (strlen(v) > max)
		return ms_error_set(err, MS_ERR_TOO_LARGE, "%s 过长，最多 %zu 字节 (%s is over %zu bytes)",
		                    what, max, what, max);
	if (!utf8_ok(v))
		return ms_error_set(err, MS_ERR_INVALID,
		                    "%s 含控制字符或不是 UTF-8 (%s holds control characters or is "
		                    "not UTF-8)",
		                    what, what);
	return MS_ERR_OK;
}

/* The MIME type of an attachment from its first bytes; NULL when it is not
 * a photo or a PDF. */
static const char *sniff_mime(const unsigned char *b, size_t n)
{
	if (n >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF)
		return "image/jpeg";
	if (n >= 8 && memcmp(b, "\x89PNG\r\n\x1a\n", 8) == 0)
		return "image/png";
	if (n >= 6 && (memcmp(b, "GIF87a", 6) == 0 || memcmp(b, "GIF89a", 6) == 0))
		return "image/gif";
	if (n >= 12 && memcmp(b, "RIFF", 4) == 0 && memcmp(b + 8, "WEBP", 4) == 0)
		return "image/webp";
	if (n >= 12 && memcmp(b + 4, "ftyp", 4) == 0 &&
	    (memcmp(b + 8, "heic", 4) == 0 || memcmp(b + 8, "heix", 4) == 0 ||
	     memcmp(b + 8, "mif1", 4) == 0))
		return "image/heic";
	if (n >= 5 && memcmp(b, "%PDF-", 5) == 0)
		return "application/pdf";
	return NULL;
}

static ms_err check_attachments(const ms_attachment_in *att, size_t n, ms_error *err)
{
	if (n > MS_ATTACHMENTS_MAX)
		return ms_error_set(err, MS_ERR_TOO_LARGE,
		                    "附件最多 %d 个 (at most %d attachments at once)",
		                    MS_ATTACHMENTS_MAX, MS_ATTACHMENTS_MAX);
	for (size_t i = 0; i < n; i++) {
		const char *name = att[i].name ? att[i].name : "";
		if (att[i].len == 0 || !att[i].bytes)
			return ms_error_set(err, MS_ERR_INVALID, "附件 %s 是空文件 (attachment is empty)",
			                    name);
		if (att[i].len > MS_ATTACHMENT_MAX)
			return ms_error_set(err, MS_ERR_TOO_LARGE,
			                    "附件 %s 超过 10 MiB (attachment %s is over 10 MiB)", name,
			                    name);
		if (!sniff_mime(att[i].bytes, att[i].len))
			return ms_error_set(err, MS_ERR_INVALID,
			                    "附件 %s 不是照片或 PDF：只接受 JPEG、PNG、GIF、WebP、HEIC "
			                    "和 PDF (attachment %s is not a photo or a PDF: JPEG, PNG, "
			                    "GIF, WebP, HEIC and PDF are accepted)",
			                    name, name);
		ms_err e = check_text("附件名 attachment name", name, 255, err);
		if (e)
			return e;
	}
	return MS_ERR_OK;
}

static ms_err sha256_hex(const void *b, size_t n, char out[65], ms_error *err)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	if (EVP_Digest(b, n, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32)
		return ms_error_set(err, MS_ERR_INTERNAL, "SHA-256 failed");
	static const char hex[] = "0123456789abcdef";
	for (unsigned i = 0; i < 32; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[64] = '\0';
	return MS_ERR_OK;
}

static ms_err store_attachments(ms_store *s, int64_t alert_id, const ms_attachment_in *att,
                                size_t n, const char *actor, const char *at,
                                char (*sha_out)[65], ms_error *err)
{
	for (size_t i = 0; i < n; i++) {
		char sha[65];
		ms_err e = sha256_hex(att[i].bytes, att[i].len, sha, err);
		if (e || (e = ms_store_work_attach(s, alert_id, sha,
		                                   sniff_mime(att[i].bytes, att[i].len), att[i].bytes,
		                                   att[i].len, att[i].name, actor, at, err)))
			return e;
		if (sha_out)
			memcpy(sha_out[i], sha, 65);
	}
	return MS_ERR_OK;
}

static bool is_to(const char *to, const char *state) { return strcmp(to, state) == 0; }

/* What the request says, before any row is read. */
static ms_err check_request(const ms_transition *t, size_t n, const int64_t *ids,
                            const int64_t *versions, ms_error *err)
{
	const char *to = t->to ? t->to : "";
	if (!is_to(to, "assigned") && !is_to(to, "verifying") && !is_to(to, "verified") &&
	    !is_to(to, "returned") && !is_to(to, "closed"))
		return ms_error_set(err, MS_ERR_INVALID,
		                    "目标状态应为 assigned、verifying、verified、returned 或 closed "
		                    "(the target state must be assigned, verifying, verified, "
		                    "returned or closed): %s",
		                    to);
	if (n == 0 || !ids || !versions)
		return ms_error_set(err, MS_ERR_INVALID, "没有指定预警 (no alert given)");
	if (n > 1 && !is_to(to, "verified"))
		return ms_error_set(err, MS_ERR_INVALID,
		                    "只有核实可以一次处理多条预警 (only verification takes several "
		                    "alerts at once)");
	if (n > MS_WORK_BATCH_MAX)
		return ms_error_set(err, MS_ERR_TOO_LARGE,
		                    "一次最多核实 %d 条预警 (at most %d alerts at once)",
		                    MS_WORK_BATCH_MAX, MS_WORK_BATCH_MAX);
	if (n > 1 && blank(t->household))
		return ms_error_set(err, MS_ERR_INVALID,
		                    "同时核实多条预警须用 --household 指明它们所属的家庭 (verifying "
		                    "several alerts together needs the household they belong to)");
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < i; j++)
			if (ids[i] == ids[j])
				return ms_error_set(err, MS_ERR_INVALID,
				                    "预警 %lld 重复出现 (alert %lld given twice)",
				                    (long long)ids[i], (long long)ids[i]);
	ms_err e;
	if ((e = check_text("备注 note", t->note, MS_WORK_NOTE_MAX, err)) ||
	    (e = check_text("决定 decision", t->decision, MS_WORK_NOTE_MAX, err)) ||
	    (e = check_text("待遇 benefit", t->benefit, MS_WORK_DETAIL_MAX, err)) ||
	    (e = check_text("部门 department", t->department, MS_WORK_DETAIL_MAX, err)) ||
	    (e = check_text("家庭 household", t->household, MS_WORK_DETAIL_MAX, err)))
		return e;
	bool verified = is_to(to, "verified");
	if (!blank(t->assignee) != is_to(to, "assigned"))
		return ms_error_set(err, MS_ERR_INVALID,
		                    is_to(to, "assigned")
		                        ? "指派需要指明社工 (an assignment names its worker: --to USER)"
		                        : "只有指派需要指明社工 (only an assignment names a worker)");
	if (!verified && (t->outcome || t->benefit || t->adjustment || t->department || t->household))
		return ms_error_set(err, MS_ERR_INVALID,
		                    "核查结果只在核实时填写 (an outcome is given only when verifying)");
	if (!is_to(to, "closed") && t->decision)
		return ms_error_set(err, MS_ERR_INVALID,
		                    "处理决定只在办结时填写 (a decision is given only when closing)");
	if (verified) {
		const char *o = t->outcome ? t->outcome : "";
		if (!ms_outcome_valid(o))
			return ms_error_set(err, MS_ERR_INVALID,
			                    "核查结果应为 enrolled 纳入救助、adjusted 调整待遇、referred "
			                    "已转介、no_action 属实无需救助、false_positive 信息有误 或 "
			                    "unreachable 无法联系 (unknown outcome: %s)",
			                    o);
		bool enrolled = is_to(o, "enrolled"), adjusted = is_to(o, "adjusted"),
		     referred = is_to(o, "referred");
		if (enrolled == blank(t->benefit))
			return ms_error_set(err, MS_ERR_INVALID,
			                    enrolled ? "纳入救助须写明纳入哪项救助 (enrolled needs the "
			                               "benefit: --benefit B)"
			                             : "只有纳入救助填写救助项目 (a benefit is given only "
			                               "with enrolled)");
		if (adjusted == blank(t->adjustment))
			return ms_error_set(err, MS_ERR_INVALID,
			                    adjusted ? "调整待遇须写明 increase 增发、decrease 减发 或 stop "
			                               "停发 (adjusted needs --adjustment)"
			                             : "只有调整待遇填写调整方式 (an adjustment is given "
			                               "only with adjusted)");
		if (adjusted && !is_to(t->adjustment, "increase") && !is_to(t->adjustment, "decrease") &&
		    !is_to(t->adjustment, "stop"))
			return ms_error_set(err, MS_ERR_INVALID,
			                    "调整方式应为 increase 增发、decrease 减发 或 stop 停发 "
			                    "(adjustment must be increase, decrease or stop): %s",
			                    t->adjustment);
		if (referred == blank(t->department))
			return ms_error_set(err, MS_ERR_INVALID,
			                    referred ? "已转介须写明转介到哪个部门 (referred needs the "
			                               "department: --department D)"
			                             : "只有已转介填写部门 (a department is given only "
			                               "with referred)");
		if (blank(t->note))
			return ms_error_set(err, MS_ERR_INVALID,
			                    "核实须填写备注，写明入户核查的情况 (verifying needs a note "
			                    "on what the visit found)");
	}
	if (is_to(to, "returned") && blank(t->note))
		return ms_error_set(err, MS_ERR_INVALID,
		                    "退回须填写备注，写明退回的原因 (returning needs a note with the "
		                    "reason)");
	if (is_to(to, "closed") && blank(t->decision))
		return ms_error_set(err, MS_ERR_INVALID,
		                    "办结须写明处理决定及理由；预警本身不会发放或停发任何待遇 "
		                    "(closing needs the decision and its reason: --decision TEXT; an "
		                    "alert never grants or stops a benefit by itself)");
	if (t->nattachments && !t->attachments)
		return ms_error_set(err, MS_ERR_INVALID, "附件缺失 (attachments missing)");
	return check_attachments(t->attachments, t->nattachments, err);
}

/* The assignee must be an enabled worker or station head of the alert's
 * station; for an alert in a county's or the province's inbox, of a station
 * under that inbox and inside the actor's scope. */
static ms_err check_assignee(ms_store *s, const ms_user *actor, const work_alert *a,
                             const char *name, ms_error *err)
{
	ms_user u;
	ms_err e = ms_auth_user_get(s, name, &u, err);
	if (e)
		return e;
	if (u.disabled)
		return ms_error_set(err, MS_ERR_INVALID, "用户 %s 已停用，不能接受指派 (user %s is "
		                    "disabled)",
		                    name, name);
	if (u.role != MS_ROLE_WORKER && u.role != MS_ROLE_STATION_HEAD)
		return ms_error_set(err, MS_ERR_INVALID,
		                    "只能指派给社工或站长，%s 是%s (alerts are assigned to workers or "
		                    "station heads; %s is %s)",
		                    name, ms_role_label(u.role, false), name, ms_role_code(u.role));
	bool station_inbox = strlen(a->inbox) == 9;
	bool ok = station_inbox ? strcmp(u.station, a->inbox) == 0
	                        : ms_scope_covers(a->inbox, u.station) &&
	                              ms_scope_covers(actor->scope, u.station);
	if (!ok)
		return ms_error_set(err, MS_ERR_INVALID,
		                    "%s 属于社工站 %s，不能处理派往 %s 的预警 (%s belongs to station "
		                    "%s, which does not serve inbox %s)",
		                    name, u.station, a->inbox, name, u.station, a->inbox);
	return MS_ERR_OK;
}

/* Whether a person is a registry member of a household: its current
 * persons record names the household. */
static ms_err member_of(ms_store *s, const ms_pack *pack, const char *idno, const char *hh,
                        bool *yes, ms_error *err)
{
	*yes = false;
	const ms_feed *pf = pack ? ms_feed_set_role(&pack->feeds, MS_FEED_PERSONS) : NULL;
	if (!pf || pf->household_col < 0)
		return ms_error_set(err, MS_ERR_PACK,
		                    "政策包没有人员登记表，无法核对家庭成员 (the pack has no persons "
		                    "registry to check household members against)");
	int64_t feed_id;
	ms_err e = ms_store_feed_id(s, pf->name, &feed_id, err);
	if (e)
		return e;
	char vals[8192];
	e = ms_store_current_vals(s, feed_id, idno, vals, sizeof vals, err);
	if (e == MS_ERR_NOT_FOUND)
		return MS_ERR_OK;
	if (e)
		return e;
	const char *p = vals;
	for (int c = 0; c < pf->household_col && p; c++) {
		p = strchr(p, '\x1f');
		if (p)
			p++;
	}
	if (!p)
		return MS_ERR_OK;
	const char *end = strchr(p, '\x1f');
	size_t len = end ? (size_t)(end - p) : strlen(p);
	*yes = len == strlen(hh) && memcmp(p, hh, len) == 0;
	return MS_ERR_OK;
}

static ms_err check_household(ms_store *s, const ms_work_env *env, const work_alert *a,
                              const char *hh, ms_error *err)
{
	bool yes;
	if (strcmp(a->subject_type, "household") == 0) {
		yes = strcmp(a->subject, hh) == 0;
	} else {
		ms_err e = member_of(s, env ? env->pack : NULL, a->subject, hh, &yes, err);
		if (e)
			return e;
	}
	if (!yes)
		return ms_error_set(err, MS_ERR_INVALID,
		                    "预警 %lld 不属于家庭 %s：只能一并核实该户成员的预警和该户自身的预警 "
		                    "(alert %lld does not belong to household %s: only alerts of its "
		                    "members or of the household itself are verified together)",
		                    (long long)a->id, hh, (long long)a->id, hh);
	return MS_ERR_OK;
}

/* One alert of a transition: every check, then the write. */
static ms_err apply_one(ms_store *s, const ms_work_env *env, const ms_user *actor,
                        const ms_transition *t, int64_t id, int64_t version, const char *at,
                        int64_t *new_version, ms_error *err)
{
	work_alert *a = ms_malloc(sizeof *a);
	if (!a)
		return ms_error_set(err, MS_ERR_NOMEM, NULL);
	ms_err e = work_alert_load(s, id, a, err);
	if (e == MS_ERR_NOT_FOUND || (e == MS_ERR_OK && !work_visible(actor, a))) {
		e = work_not_found(id, err);
		goto out;
	}
	if (e)
		goto out;
	if (a->version != version) {
		e = ms_error_set(err, MS_ERR_CONFLICT,
		                 "预警 %lld 已被他人修改（现为第 %lld 版，您看到的是第 %lld 版），请刷新后"
		                 "重试 (alert %lld has changed since you read it: version %lld now, "
		                 "you had %lld; reload it and try again)",
		                 (long long)id, (long long)a->version, (long long)version,
		                 (long long)id, (long long)a->version, (long long)version);
		goto out;
	}
	if (!legal(a->state, t->to)) {
		e = ms_error_set(err, MS_ERR_CONFLICT,
		                 "预警 %lld 当前为“%s”，不能转为“%s” (alert %lld is %s and cannot "
		                 "become %s)",
		                 (long long)id, a->state, t->to, (long long)id, a->state, t->to);
		goto out;
	}
	if (!may(actor, a, t->to)) {
		e = ms_error_set(err, MS_ERR_FORBIDDEN,
		                 "%s（%s）无权将预警 %lld 从 %s 转为 %s (%s, %s, may not move alert "
		                 "%lld from %s to %s)",
		                 actor->name, ms_role_label(actor->role, false), (long long)id,
		                 a->state, t->to, actor->name, ms_role_code(actor->role),
		                 (long long)id, a->state, t->to);
		goto out;
	}
	if (is_to(t->to, "assigned") && (e = check_assignee(s, actor, a, t->assignee, err)))
		goto out;
	if (is_to(t->to, "verified") && !blank(t->household) &&
	    (e = check_household(s, env, a, t->household, err)))
		goto out;

	ms_alert_change c = {.id = id,
	                     .version = version,
	                     .state = t->to,
	                     .assignee = is_to(t->to, "assigned") ? t->assignee
	                                 : a->assignee[0]        ? a->assignee
	                                                         : NULL,
	                     .outcome = is_to(t->to, "verified") ? t->outcome
	                                : a->outcome[0]          ? a->outcome
	                                                         : NULL,
	                     .decision = is_to(t->to, "closed") ? t->decision : NULL,
	                     .closed = is_to(t->to, "closed") ? at : NULL};
	if ((e = ms_store_work_alert_change(s, &c, err)) == MS_ERR_CONFLICT) {
		e = ms_error_set(err, MS_ERR_CONFLICT,
		                 "预警 %lld 已被他人修改，请刷新后重试 (alert %lld has changed since "
		                 "you read it: reload it and try again)",
		                 (long long)id, (long long)id);
		goto out;
	}
	if (e)
		goto out;
	const char *note = !blank(t->note) ? t->note : is_to(t->to, "closed") ? t->decision : "";
	int64_t event_id = 0;
	if ((e = ms_store_work_event_add(s, id, at, actor->name, a->state, t->to, note, &event_id,
	                                 err)))
		goto out;
	if (is_to(t->to, "verified")) {
		ms_verification_row v = {.event_id = event_id,
		                         .alert_id = id,
		                         .outcome = t->outcome,
		                         .benefit = blank(t->benefit) ? NULL : t->benefit,
		                         .adjustment = blank(t->adjustment) ? NULL : t->adjustment,
		                         .department = blank(t->department) ? NULL : t->department,
		                         .household = blank(t->household) ? NULL : t->household};
		if ((e = ms_store_work_verification_add(s, &v, err)))
			goto out;
	}
	if ((e = store_attachments(s, id, t->attachments, t->nattachments, actor->name, at, NULL,
	                           err)))
		goto out;
	if (is_to(t->to, "returned")) {
		/* the outbound webhook's "returned" event (work/notify.h), queued in
		 * the transition's transaction */
		ms_alert now_alert;
		char ref[24];
		snprintf(ref, sizeof ref, "%lld", (long long)event_id);
		if ((e = ms_store_alert_get(s, id, &now_alert, err)) ||
		    (e = ms_notify_event(s, &now_alert, "returned", ref, at, NULL, NULL, err)))
			goto out;
	}
	*new_version = version + 1;
out:
	ms_free(a);
	return e;
}

ms_err ms_work_transition(ms_store *s, const ms_work_env *env, const char *actor,
                          const ms_transition *t, size_t n, const int64_t *ids,
                          const int64_t *versions, int64_t *new_versions, ms_error *err)
{
	ms_err e = check_request(t, n, ids, versions, err);
	if (e)
		return e;
	char at[32];
	ms_date day;
	if ((e = work_now(env, at, &day, err)))
		return e;
	if ((e = ms_store_begin_write(s, err)))
		return e;
	ms_user u;
	if ((e = ms_auth_actor(s, actor, &u, err)))
		goto fail;
	for (size_t i = 0; i < n; i++) {
		int64_t nv = 0;
		if ((e = apply_one(s, env, &u, t, ids[i], versions[i], at, &nv, err)))
			goto fail;
		if (new_versions)
			new_versions[i] = nv;
	}
	if ((e = ms_store_commit(s, err)))
		goto fail;
	return MS_ERR_OK;
fail:
	ms_store_rollback(s);
	return e;
}

/* ---- reading and attachments ---- */

/* Loads an alert the actor (NULL: the operator) may see into *a. */
static ms_err visible_alert(ms_store *s, const char *actor, int64_t id, ms_user *u, work_alert *a,
                            ms_error *err)
{
	if (actor) {
		ms_err e = ms_auth_actor(s, actor, u, err);
		if (e)
			return e;
	}
	ms_err e = work_alert_load(s, id, a, err);
	if (e == MS_ERR_NOT_FOUND || (e == MS_ERR_OK && actor && !work_visible(u, a)))
		return work_not_found(id, err);
	return e;
}

ms_err ms_work_alert_get(ms_store *s, const char *actor, int64_t id, ms_work_alert_row *out,
                         ms_error *err)
{
	work_alert *a = ms_malloc(sizeof *a);
	if (!a)
		return ms_error_set(err, MS_ERR_NOMEM, NULL);
	ms_user u;
	ms_err e = visible_alert(s, actor, id, &u, a, err);
	ms_free(a);
	if (e)
		return e;
	e = ms_store_work_alert_get(s, id, out, err);
	return e == MS_ERR_NOT_FOUND ? work_not_found(id, err) : e;
}

ms_err ms_work_alert_history(ms_store *s, const char *actor, int64_t id,
                             int (*on_event)(void *ctx, const ms_event_row *e),
                             int (*on_attachment)(void *ctx, const ms_attachment_row *a),
                             void *ctx, ms_error *err)
{
	work_alert *a = ms_malloc(sizeof *a);
	if (!a)
		return ms_error_set(err, MS_ERR_NOMEM, NULL);
	ms_user u;
	ms_err e = visible_alert(s, actor, id, &u, a, err);
	ms_free(a);
	if (e)
		return e;
	if (on_event && (e = ms_store_work_events(s, id, on_event, ctx, err)))
		return e;
	if (on_attachment && (e = ms_store_work_attachments(s, id, on_attachment, ctx, err)))
		return e;
	return MS_ERR_OK;
}

ms_err ms_work_attach(ms_store *s, const ms_work_env *env, const char *actor, int64_t alert_id,
                      const ms_attachment_in *att, size_t n, char (*sha256_out)[65],
                      ms_error *err)
{
	if (n == 0)
		return ms_error_set(err, MS_ERR_INVALID, "没有附件 (no attachment given)");
	ms_err e = check_attachments(att, n, err);
	if (e)
		return e;
	char at[32];
	ms_date day;
	if ((e = work_now(env, at, &day, err)))
		return e;
	work_alert *a = ms_malloc(sizeof *a);
	if (!a)
		return ms_error_set(err, MS_ERR_NOMEM, NULL);
	if ((e = ms_store_begin_write(s, err)))
		goto out;
	ms_user u;
	if (!actor) {
		e = ms_auth_actor(s, actor, &u, err); /* says to name the actor */
		goto fail;
	}
	if ((e = visible_alert(s, actor, alert_id, &u, a, err)))
		goto fail;
	if (u.role != MS_ROLE_ADMIN && u.role != MS_ROLE_OFFICER &&
	    u.role != MS_ROLE_STATION_HEAD && u.role != MS_ROLE_WORKER) {
		e = work_not_found(alert_id, err);
		goto fail;
	}
	if (strcmp(a->state, "closed") == 0) {
		e = ms_error_set(err, MS_ERR_CONFLICT,
		                 "预警 %lld 已办结，不能再添加附件 (alert %lld is closed: no more "
		                 "attachments)",
		                 (long long)alert_id, (long long)alert_id);
		goto fail;
	}
	if ((e = store_attachments(s, alert_id, att, n, u.name, at, sha256_out, err)) ||
	    (e = ms_store_commit(s, err)))
		goto fail;
	goto out;
fail:
	ms_store_rollback(s);
out:
	ms_free(a);
	return e;
}

ms_err ms_work_attachment_read(ms_store *s, const char *actor, int64_t alert_id,
                               const char *sha256,
                               ms_err (*fn)(void *ctx, const char *mime, const void *bytes,
                                            size_t len),
                               void *ctx, ms_error *err)
{
	work_alert *a = ms_malloc(sizeof *a);
	if (!a)
		return ms_error_set(err, MS_ERR_NOMEM, NULL);
	ms_user u;
	ms_err e = visible_alert(s, actor, alert_id, &u, a, err);
	ms_free(a);
	if (e)
		return e;
	e = ms_store_work_attachment_read(s, alert_id, sha256 ? sha256 : "", fn, ctx, err);
	if (e == MS_ERR_NOT_FOUND)
		return ms_error_set(err, MS_ERR_NOT_FOUND,
		                    "预警 %lld 没有该附件 (alert %lld has no attachment %s)",
		                    (long long)alert_id, (long long)alert_id, sha256 ? sha256 : "");
	return e;
}
