/* records.c — station records (SPEC §5): who may add and list staff,
 * volunteers, organizations, resources and community affairs, and the
 * checks on what they enter. Rows are written by src/store/store_service.c. */
#include "station/records.h"

#include "auth/auth.h"
#include "base/date.h"
#include "base/text.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static const char *const kind_names[MS_SREC__COUNT] = {"staff", "volunteer", "org", "resource",
                                                       "affair"};

int ms_srec_kind_parse(const char *name)
{
	for (int i = 0; name && i < MS_SREC__COUNT; i++)
		if (strcmp(name, kind_names[i]) == 0)
			return i;
	return -1;
}

const char *ms_srec_kind_name(ms_srec_kind k)
{
	return (unsigned)k < MS_SREC__COUNT ? kind_names[k] : "";
}

static const char *const quals[][3] = {
    {"assistant", "助理社会工作师", "assistant social worker"},
    {"intermediate", "社会工作师", "social worker"},
    {"senior", "高级社会工作师", "senior social worker"},
    {"none", "无", "none"},
};

const char *ms_qualification_parse(const char *text)
{
	for (size_t i = 0; text && i < sizeof quals / sizeof quals[0]; i++)
		if (strcmp(text, quals[i][0]) == 0 || strcmp(text, quals[i][1]) == 0)
			return quals[i][0];
	return NULL;
}

const char *ms_qualification_label(const char *code, bool english)
{
	for (size_t i = 0; code && i < sizeof quals / sizeof quals[0]; i++)
		if (strcmp(code, quals[i][0]) == 0)
			return quals[i][english ? 2 : 1];
	return code ? code : "";
}

void ms_mask_phone(const char *phone, char *out, size_t cap)
{
	size_t n = phone ? strlen(phone) : 0;
	if (cap == 0)
		return;
	if (n + 1 > cap)
		n = cap - 1;
	for (size_t i = 0; i < n; i++) {
		bool keep = n >= 8 ? (i < 3 || i >= n - 4) : i + 2 >= n;
		out[i] = keep ? phone[i] : '*';
	}
	out[n] = '\0';
}

/* ---- checks ---- */

static ms_err check_text(const char *what, const char *v, size_t max, bool required, ms_error *err)
{
	if (!v || !*v) {
		if (!required)
			return MS_ERR_OK;
		return ms_error_set(err, MS_ERR_INVALID, "缺少%s (%s is required)", what, what);
	}
	size_t n = strlen(v);
	if (n > max)
		return ms_error_set(err, MS_ERR_TOO_LARGE,
		                    "%s 过长：最多 %zu 字节 (%s is too long: at most %zu bytes)",
		                    what, max, what, max);
	if (!ms_utf8_valid(v, n))
		return ms_error_set(err, MS_ERR_INVALID,
		                    "%s 不是有效的 UTF-8 文本 (%s is not valid UTF-8 text)", what,
		                    what);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)v[i] < 0x20 && v[i] != '\n' && v[i] != '\t')
			return ms_error_set(err, MS_ERR_INVALID,
			                    "%s 含有控制字符 (%s contains a control character)",
			                    what, what);
	return MS_ERR_OK;
}

static ms_err check_phone(const char *v, ms_error *err)
{
	if (!v || !*v)
		return MS_ERR_OK;
	size_t n = strlen(v);
	bool ok = n >= 5 && n <= 20;
	for (size_t i = 0; ok && i < n; i++)
		ok = (v[i] >= '0' && v[i] <= '9') || v[i] == '-' || (v[i] == '+' && i == 0);
	if (!ok)
		return ms_error_set(
		    err, MS_ERR_INVALID,
		    "电话号码应为 5–20 位数字（可含 - 与开头的 +）：%s (a phone number is "
		    "5-20 digits, '-' and a leading '+' allowed)",
		    v);
	return MS_ERR_OK;
}

static ms_err check_day(const char *v, ms_error *err)
{
	ms_date d;
	if (!v || strlen(v) != 10 || ms_date_parse(v, 10, &d) != MS_ERR_OK)
		return ms_error_set(err, MS_ERR_INVALID,
		                    "日期应为 YYYY-MM-DD：%s (the date must be YYYY-MM-DD)",
		                    v ? v : "");
	if (d > ms_date_today())
		return ms_error_set(err, MS_ERR_INVALID,
		                    "日期 %s 晚于今天 (the date %s is in the future)", v, v);
	return MS_ERR_OK;
}

static void now_rfc3339(char out[32])
{
	char d[MS_DATE_STR];
	ms_date_format(ms_date_today(), d);
	time_t t = time(NULL) + 8 * 3600;
	struct tm tm;
	gmtime_r(&t, &tm);
	snprintf(out, 32, "%.10sT%02d:%02d:%02d+08:00", d, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static ms_err station_not_found(const char *code, ms_error *err)
{
	return ms_error_set(err, MS_ERR_NOT_FOUND,
	                    "没有代码为 %s 的社工站，或不在您的范围内；请用 minsheng station list "
	                    "查看 (no station %s in your scope: see minsheng station list)",
	                    code ? code : "", code ? code : "");
}

/* The actor (NULL = the operator) and whether it may add or only list. */
static ms_err station_access(ms_store *s, const char *actor, const char *code, bool write,
                             ms_error *err)
{
	size_t n = code ? strlen(code) : 0;
	bool digits = n == 9;
	for (size_t i = 0; digits && i < n; i++)
		digits = code[i] >= '0' && code[i] <= '9';
	if (!digits)
		return ms_error_set(
		    err, MS_ERR_INVALID,
		    "社工站代码应为 9 位数字的乡镇（街道）代码：%s (a station code is "
		    "the township's 9 digits)",
		    code ? code : "");
	bool visible = true, may_write = actor == NULL;
	if (actor) {
		ms_user u;
		ms_err e = ms_auth_actor(s, actor, &u, err);
		if (e)
			return e;
		switch (u.role) {
		case MS_ROLE_ADMIN:
		case MS_ROLE_OFFICER:
			visible = may_write = ms_scope_covers(u.scope, code);
			break;
		case MS_ROLE_STATION_HEAD:
			visible = may_write = strcmp(u.station, code) == 0;
			break;
		case MS_ROLE_WORKER:
			visible = strcmp(u.station, code) == 0;
			may_write = false;
			break;
		default:
			visible = may_write = false;
		}
		if (visible && write && !may_write)
			return ms_error_set(
			    err, MS_ERR_FORBIDDEN,
			    "%s（%s）不能登记社工站 %s 的台账：只有本站站长或范围覆盖该站的"
			    "民政经办、管理员可以 (%s, a %s, may not add records of station "
			    "%s: only its head, or an officer or admin covering it)",
			    u.name, ms_role_label(u.role, false), code, u.name,
			    ms_role_code(u.role), code);
	}
	if (!visible)
		return station_not_found(code, err);
	char type[16];
	ms_err e = ms_store_station_type(s, code, type, err);
	if (e == MS_ERR_NOT_FOUND || (e == MS_ERR_OK && strcmp(type, "station") != 0))
		return station_not_found(code, err);
	return e;
}

static ms_err check_record(ms_srec_kind kind, ms_srec *r, ms_error *err)
{
	ms_err e = MS_ERR_OK;
	switch (kind) {
	case MS_SREC_STAFF: {
		if ((e = check_text("姓名 name", r->name, MS_SREC_TEXT_MAX, true, err)) ||
		    (e = check_phone(r->phone, err)))
			return e;
		const char *q = ms_qualification_parse(r->qualification);
		if (!q)
			return ms_error_set(
			    err, MS_ERR_INVALID,
			    "资质应为 助理社会工作师、社会工作师、高级社会工作师 或 无"
			    "（assistant/intermediate/senior/none）：%s (unknown "
			    "qualification)",
			    r->qualification ? r->qualification : "");
		r->qualification = q;
		break;
	}
	case MS_SREC_VOLUNTEER:
		if ((e = check_text("姓名 name", r->name, MS_SREC_TEXT_MAX, true, err)) ||
		    (e = check_phone(r->phone, err)))
			return e;
		if (r->hours_tenths < 0 || r->hours_tenths > MS_SREC_HOURS_MAX)
			return ms_error_set(err, MS_ERR_INVALID,
			                    "服务时长应在 0 到 %d 小时之间 (hours must be 0 to %d)",
			                    MS_SREC_HOURS_MAX / 10, MS_SREC_HOURS_MAX / 10);
		break;
	case MS_SREC_ORG:
		if ((e = check_text("名称 name", r->name, MS_SREC_TEXT_MAX, true, err)) ||
		    (e = check_text("登记证号 registration", r->registration, MS_SREC_TEXT_MAX,
		                    true, err)) ||
		    (e = check_text("服务内容 services", r->services, MS_SREC_NOTE_MAX, false,
		                    err)))
			return e;
		break;
	case MS_SREC_RESOURCE:
		if ((e = check_text("捐赠方 donor", r->donor, MS_SREC_TEXT_MAX, true, err)) ||
		    (e = check_text("用途 purpose", r->purpose, MS_SREC_NOTE_MAX, false, err)) ||
		    (e = check_day(r->day, err)))
			return e;
		if (r->amount_fen <= 0)
			return ms_error_set(err, MS_ERR_INVALID,
			                    "金额应大于 0 元 (the amount must be above 0 yuan)");
		break;
	case MS_SREC_AFFAIR:
		if ((e = check_text("事务摘要 summary", r->summary, MS_SREC_NOTE_MAX, true, err)) ||
		    (e = check_day(r->day, err)))
			return e;
		break;
	default:
		return ms_error_set(err, MS_ERR_INVALID, "未知的台账类别 (unknown record kind)");
	}
	return MS_ERR_OK;
}

ms_err ms_station_record_add(ms_store *s, const char *actor, ms_srec_kind kind, ms_srec *r,
                             int64_t *id, ms_error *err)
{
	if ((unsigned)kind >= MS_SREC__COUNT)
		return ms_error_set(err, MS_ERR_INVALID, "未知的台账类别 (unknown record kind)");
	ms_err e = check_record(kind, r, err);
	if (e)
		return e;
	now_rfc3339(r->added_);
	if ((e = ms_store_begin_write(s, err)))
		return e;
	if ((e = station_access(s, actor, r->station, true, err))) {
		ms_store_rollback(s);
		return e;
	}
	r->added_by = actor ? actor : "";
	r->added = r->added_;
	if ((e = ms_store_srec_add(s, kind, r, id, err))) {
		ms_store_rollback(s);
		return e;
	}
	return ms_store_commit(s, err);
}

typedef struct mask_walk {
	int (*fn)(void *ctx, const ms_srec *r);
	void *ctx;
} mask_walk;

static int on_masked(void *ctx, const ms_srec *r)
{
	mask_walk *w = ctx;
	char phone[32];
	ms_srec m = *r;
	if (r->phone) {
		ms_mask_phone(r->phone, phone, sizeof phone);
		m.phone = phone;
	}
	return w->fn(w->ctx, &m);
}

ms_err ms_station_record_list(ms_store *s, const char *actor, ms_srec_kind kind,
                              const char *station, int (*fn)(void *ctx, const ms_srec *r),
                              void *ctx, ms_error *err)
{
	if ((unsigned)kind >= MS_SREC__COUNT)
		return ms_error_set(err, MS_ERR_INVALID, "未知的台账类别 (unknown record kind)");
	ms_err e = station_access(s, actor, station, false, err);
	if (e)
		return e;
	mask_walk w = {fn, ctx};
	return ms_store_srec_list(s, kind, station, on_masked, &w, err);
}
