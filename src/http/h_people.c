/* h_people.c — persons, households, their timelines, household service
 * files and search. Every read of a person's or a household's record goes
 * to the access log. */
#include "http/http_impl.h"

#include "model/idnum.h"
#include "people/people.h"
#include "work/service.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The key the access log records: the masked form of an identity number
 * (the log must not become a second copy of the registry), a reference or a
 * household id as given. */
static void audit_ref(const char *id, char *out, size_t cap)
{
	if (strlen(id) == 18) {
		char m[MS_ID_STR];
		ms_id_mask(id, m);
		snprintf(out, cap, "%s", m);
	} else {
		snprintf(out, cap, "%.79s", id);
	}
}

static void person_or_household(ms_req *r, bool household,
                                ms_err (*get)(ms_store *, const ms_pack *, const ms_scope *,
                                              const char *, bool, json_t **, ms_error *))
{
	json_t *j = NULL;
	ms_error err = {0};
	ms_err e = get(r->store, r->pack, &r->scope, r->params[0], true, &j, &err);
	char ref[80];
	audit_ref(r->params[0], ref, sizeof ref);
	http_audit(r, "read", household ? "household" : "person", ref);
	if (e) {
		http_fail(r, e, &err);
		return;
	}
	http_json(r, 200, j);
}

void h_person_get(ms_req *r) { person_or_household(r, false, ms_people_person); }
void h_household_get(ms_req *r) { person_or_household(r, true, ms_people_household); }

void h_person_facts(ms_req *r)
{
	json_t *j = NULL;
	ms_error err = {0};
	ms_err e = ms_people_facts(r->store, r->pack, &r->scope, r->params[0], &j, &err);
	char ref[80];
	audit_ref(r->params[0], ref, sizeof ref);
	http_audit(r, "read", "person_facts", ref);
	if (e) {
		http_fail(r, e, &err);
		return;
	}
	http_json(r, 200, j);
}

static int on_item(void *ctx, const ms_timeline_item *it)
{
	json_t *j = json_pack("{s:s, s:s, s:s, s:s?, s:s?}", "day", it->day, "at", it->at, "source",
	                      it->source, "actor", it->actor, "note", it->note);
	if (!j)
		return 0;
	if (strcmp(it->source, "alert") == 0) {
		char masked[MS_ID_STR];
		const char *subj = it->subject;
		if (subj && strcmp(it->subject_type, "person") == 0 && strlen(subj) == 18) {
			ms_id_mask(subj, masked);
			subj = masked;
		}
		json_object_set_new(j, "alert", json_integer(it->alert_id));
		json_object_set_new(j, "rule", json_string(it->rule));
		json_object_set_new(j, "subject_type", json_string(it->subject_type));
		json_object_set_new(j, "subject", json_string(subj));
		json_object_set_new(j, "from", it->from_state ? json_string(it->from_state) : json_null());
		json_object_set_new(j, "to", it->to_state ? json_string(it->to_state) : json_null());
	} else {
		char masked[MS_ID_STR];
		const char *person = it->person;
		if (person && strlen(person) == 18) {
			ms_id_mask(person, masked);
			person = masked;
		}
		json_object_set_new(j, "entry", json_integer(it->entry_id));
		json_object_set_new(j, "kind", it->kind ? json_string(it->kind) : json_null());
		json_object_set_new(j, "person", person ? json_string(person) : json_null());
		json_object_set_new(j, "needs", it->needs ? json_string(it->needs) : json_null());
		json_object_set_new(j, "result", it->result ? json_string(it->result) : json_null());
		json_object_set_new(j, "persons", json_integer(it->persons));
	}
	json_array_append_new(ctx, j);
	return 0;
}

static void timeline(ms_req *r, bool household)
{
	char key[64];
	ms_error err = {0};
	ms_err e = ms_people_resolve(r->store, r->pack, &r->scope, household, r->params[0], key, sizeof key,
	                             &err);
	char ref[80];
	audit_ref(r->params[0], ref, sizeof ref);
	http_audit(r, "read", household ? "household_timeline" : "person_timeline", ref);
	if (e) {
		http_fail(r, e, &err);
		return;
	}
	json_t *items = json_array();
	ms_work_env env = {.pack = r->pack};
	e = ms_service_timeline(r->store, &env, r->user.name, household ? key : NULL,
	                        household ? NULL : key, on_item, items, &err);
	if (e) {
		json_decref(items);
		http_fail(r, e, &err);
		return;
	}
	http_json(r, 200, json_pack("{s:o}", "items", items));
}

void h_person_timeline(ms_req *r) { timeline(r, false); }
void h_household_timeline(ms_req *r) { timeline(r, true); }

static json_t *entry_json(const ms_sentry_row *e)
{
	char masked[MS_ID_STR];
	const char *person = e->person;
	if (person && strlen(person) == 18) {
		ms_id_mask(person, masked);
		person = masked;
	}
	return json_pack("{s:I, s:s, s:s, s:s, s:I, s:s?, s:s, s:s, s:s?, s:s?, s:s?, s:s?, s:s, s:s}",
	                 "id", (json_int_t)e->id, "type", e->type, "day", e->day, "kind", e->kind,
	                 "persons", (json_int_t)e->persons, "person", person, "note", e->note,
	                 "needs", e->needs, "result", e->result, "result_day", e->result_day,
	                 "result_note", e->result_note, "result_by", e->result_by, "actor", e->actor,
	                 "at", e->at);
}

static int on_entry(void *ctx, const ms_sentry_row *e)
{
	json_array_append_new(ctx, entry_json(e));
	return 0;
}

void h_household_file(ms_req *r)
{
	char key[64];
	ms_error err = {0};
	ms_err e = ms_people_resolve(r->store, r->pack, &r->scope, true, r->params[0], key, sizeof key, &err);
	char ref[80];
	audit_ref(r->params[0], ref, sizeof ref);
	http_audit(r, "read", "service_file", ref);
	if (e) {
		http_fail(r, e, &err);
		return;
	}
	json_t *items = json_array();
	ms_sfile_row f;
	ms_work_env env = {.pack = r->pack};
	e = ms_service_file(r->store, &env, r->user.name, key, &f, on_entry, items, &err);
	if (e) {
		json_decref(items);
		http_fail(r, e, &err);
		return;
	}
	http_json(r, 200, json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}", "household", f.household, "area",
	                            f.area, "station", f.station, "opened", f.opened, "opened_by",
	                            f.opened_by, "entries", items));
}

void h_household_file_add(ms_req *r)
{
	char key[64];
	ms_error err = {0};
	ms_err e = ms_people_resolve(r->store, r->pack, &r->scope, true, r->params[0], key, sizeof key, &err);
	if (e) {
		http_fail(r, e, &err);
		return;
	}
	json_t *o = http_body_object(r);
	if (!o)
		return;
	ms_service_in in = {.household = key, .persons = 0};
	if (!http_str(r, o, "type", 16, &in.type) || !http_str(r, o, "day", 10, &in.day) ||
	    !http_str(r, o, "kind", MS_SERVICE_TEXT_MAX, &in.kind) ||
	    !http_str(r, o, "person", 18, &in.person) ||
	    !http_str(r, o, "note", MS_SERVICE_NOTE_MAX, &in.note) ||
	    !http_str(r, o, "needs", MS_SERVICE_NOTE_MAX, &in.needs)) {
		json_decref(o);
		return;
	}
	json_t *p = json_object_get(o, "persons");
	if (p && !json_is_integer(p)) {
		json_decref(o);
		http_error(r, MS_ERR_INVALID, "persons 应为整数（人次） / persons must be an integer "
		           "(person-times)");
		return;
	}
	in.persons = p ? json_integer_value(p) : 0;
	if (!in.type || !in.day || !in.kind) {
		json_decref(o);
		http_error(r, MS_ERR_INVALID, "需要 type、day 和 kind / type, day and kind are required");
		return;
	}
	int64_t id;
	bool opened = false;
	ms_work_env env = {.pack = r->pack};
	e = ms_service_add(r->store, &env, r->user.name, &in, &id, &opened, &err);
	json_decref(o);
	if (e) {
		http_fail(r, e, &err);
		return;
	}
	http_json(r, 201, json_pack("{s:I, s:b}", "id", (json_int_t)id, "opened", opened));
}

void h_service_result(ms_req *r)
{
	const char *type = r->params[0];
	char *end;
	long long id = strtoll(r->params[1], &end, 10);
	if (*end || id <= 0 || (strcmp(type, "referral") != 0 && strcmp(type, "application") != 0)) {
		http_error(r, MS_ERR_NOT_FOUND, "记录不存在（类型为 referral 或 application） / no such "
		           "record (type is referral or application)");
		return;
	}
	json_t *o = http_body_object(r);
	if (!o)
		return;
	const char *day, *result, *note;
	if (!http_str(r, o, "day", 10, &day) || !http_str(r, o, "result", MS_SERVICE_TEXT_MAX, &result) ||
	    !http_str(r, o, "note", MS_SERVICE_NOTE_MAX, &note)) {
		json_decref(o);
		return;
	}
	if (!day || !result) {
		json_decref(o);
		http_error(r, MS_ERR_INVALID, "需要 day 和 result / day and result are required");
		return;
	}
	ms_work_env env = {.pack = r->pack};
	ms_error err = {0};
	ms_err e = ms_service_result(r->store, &env, r->user.name, type, id, day, result, note, &err);
	json_t *reply = e ? NULL
	                  : json_pack("{s:I, s:s, s:s}", "id", (json_int_t)id, "type", type, "result",
	                              result);
	json_decref(o);
	if (e) {
		http_fail(r, e, &err);
		return;
	}
	http_json(r, 200, reply);
}

void h_search(ms_req *r)
{
	const char *q = http_arg(r, "q");
	int64_t limit;
	if (!http_int_arg(r, "limit", 1, MS_SEARCH_LIMIT_MAX, 20, &limit))
		return;
	if (!q || !*q) {
		http_error(r, MS_ERR_INVALID, "需要 q（姓名、拼音、身份证号或其后几位、电话） / q is required "
		           "(a name, pinyin, an identity number or its last digits, a phone)");
		return;
	}
	if (strlen(q) > MS_SEARCH_QUERY_MAX) {
		http_error(r, MS_ERR_TOO_LARGE, "查询过长（至多 %d 字节） / the query is too long (at most %d "
		           "bytes)", MS_SEARCH_QUERY_MAX, MS_SEARCH_QUERY_MAX);
		return;
	}
	json_t *j = NULL;
	ms_error err = {0};
	ms_err e = ms_people_search(r->store, r->pack, &r->scope, q, (int)limit, &j, &err);
	char ref[80];
	audit_ref(q, ref, sizeof ref);
	http_audit(r, "search", "query", ref);
	if (e) {
		http_fail(r, e, &err);
		return;
	}
	http_json(r, 200, j);
}
