/* h_eval.c — the station evaluation over HTTP (SPEC §5): the scheme,
 * rounds, computed indicators, the sample and its evaluators, self and
 * third-party scores, closing, and the report as JSON or an Excel file.
 * src/station/eval.h decides who may; the route table only keeps out the
 * roles that have nothing to do with evaluation. No answer here carries
 * personal data: a round holds stations, indicators and points. */
#include "http/http_impl.h"

#include "base/mem.h"
#include "station/eval.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EVAL_ASSIGN_MAX 10000 /* stations named in one assignment request */

/* Sends JSON with reals at 12 significant digits (points have at most two
 * decimals; 17 digits would send 786.72 as 786.72000000000003). */
static void send(ms_req *r, int status, json_t *j)
{
	char *text = j ? json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(12)) : NULL;
	json_decref(j);
	if (!text) {
		http_error(r, MS_ERR_NOMEM, NULL);
		return;
	}
	http_json_text(r, status, text, strlen(text));
}

static bool round_id(ms_req *r, int64_t *id)
{
	char *end;
	long long v = strtoll(r->params[0], &end, 10);
	if (*end || v <= 0 || v > INT64_MAX / 2) {
		http_error(r, MS_ERR_NOT_FOUND, "评估轮次不存在 / no such evaluation round");
		return false;
	}
	*id = v;
	return true;
}

void h_eval_scheme(ms_req *r)
{
	const char *name = http_arg(r, "name");
	if (name && strlen(name) > MS_EVAL_NAME_MAX) {
		http_error(r, MS_ERR_INVALID, "name 过长 / name is too long");
		return;
	}
	ms_eval_scheme *sc = NULL;
	ms_error err = {0};
	ms_err e = ms_eval_scheme_load(r->pack, name && *name ? name : NULL, r->pack->province,
	                               ms_date_today(), &sc, &err);
	if (e) {
		http_fail(r, e, &err);
		return;
	}
	send(r, 200, ms_eval_scheme_json(sc));
	ms_eval_scheme_free(sc);
}

static int on_round(void *ctx, const ms_eval_round_row *row)
{
	json_array_append_new(ctx, ms_eval_round_row_json(row));
	return 0;
}

void h_eval_rounds(ms_req *r)
{
	json_t *items = json_array();
	ms_error err = {0};
	ms_err e = ms_eval_rounds(r->store, r->user.name, on_round, items, &err);
	if (e) {
		json_decref(items);
		http_fail(r, e, &err);
		return;
	}
	send(r, 200, json_pack("{s:o, s:n}", "items", items, "next"));
}

void h_eval_round_open(ms_req *r)
{
	json_t *o = http_body_object(r);
	if (!o)
		return;
	const char *area = NULL, *as_of = NULL, *scheme = NULL;
	if (!http_str(r, o, "area", 6, &area) || !http_str(r, o, "as_of", 10, &as_of) ||
	    !http_str(r, o, "scheme", MS_EVAL_NAME_MAX, &scheme)) {
		json_decref(o);
		return;
	}
	json_t *y = json_object_get(o, "year");
	if (!area || !json_is_integer(y) || json_integer_value(y) < 1 ||
	    json_integer_value(y) > 9999) {
		json_decref(o);
		http_error(r, MS_ERR_INVALID,
		           "需要 area（区划代码）和 year（整数年份） / area and year "
		           "(an integer) are required");
		return;
	}
	ms_eval_open_in in = {.area = area,
	                      .year = (int)json_integer_value(y),
	                      .as_of = MS_DATE_NONE,
	                      .scheme = scheme};
	if (as_of && (strlen(as_of) != 10 || ms_date_parse(as_of, 10, &in.as_of))) {
		json_decref(o);
		http_error(r, MS_ERR_INVALID, "as_of 应为 YYYY-MM-DD / as_of must be YYYY-MM-DD");
		return;
	}
	int64_t id = 0, n = 0;
	ms_error err = {0};
	ms_err e = ms_eval_open(r->store, r->pack, r->user.name, &in, &id, &n, &err);
	json_decref(o);
	if (e) {
		http_fail(r, e, &err);
		return;
	}
	ms_eval_round_row row;
	e = ms_store_eval_round_get(r->store, id, &row, &err);
	if (e) {
		http_fail(r, e, &err);
		return;
	}
	json_t *j = ms_eval_round_row_json(&row);
	if (j)
		json_object_set_new(j, "stations", json_integer(n));
	send(r, 201, j);
}

/* Loads the round as the caller sees it; sends the error when it cannot. */
static ms_eval_round *load(ms_req *r, int64_t id)
{
	ms_eval_round *round = NULL;
	ms_error err = {0};
	ms_err e = ms_eval_round_load(r->store, r->pack, r->user.name, id, &round, &err);
	if (e) {
		http_fail(r, e, &err);
		return NULL;
	}
	return round;
}

void h_eval_round_get(ms_req *r)
{
	int64_t id;
	if (!round_id(r, &id))
		return;
	ms_eval_round *round = load(r, id);
	if (!round)
		return;
	send(r, 200, ms_eval_round_json(round));
	ms_eval_round_free(round);
}

void h_eval_compute(ms_req *r)
{
	int64_t id, n = 0;
	if (!round_id(r, &id))
		return;
	ms_error err = {0};
	ms_err e = ms_eval_compute(r->store, r->pack, r->user.name, id, &n, &err);
	if (e) {
		http_fail(r, e, &err);
		return;
	}
	send(r, 200, json_pack("{s:I, s:I}", "id", (json_int_t)id, "scores", (json_int_t)n));
}

void h_eval_sample(ms_req *r)
{
	int64_t id;
	if (!round_id(r, &id))
		return;
	const char *seed = NULL;
	json_t *o = NULL;
	if (r->body_len) {
		if (!(o = http_body_object(r)))
			return;
		if (!http_str(r, o, "seed", MS_EVAL_SEED_MAX, &seed)) {
			json_decref(o);
			return;
		}
	}
	size_t drawn = 0;
	ms_error err = {0};
	ms_err e = ms_eval_sample(r->store, r->pack, r->user.name, id, seed, &drawn, &err);
	json_decref(o);
	if (e) {
		http_fail(r, e, &err);
		return;
	}
	ms_eval_round *round = load(r, id);
	if (!round)
		return;
	json_t *list = json_array();
	for (size_t i = 0; i < round->nstations; i++)
		if (round->stations[i].visible && round->stations[i].sampled)
			json_array_append_new(list, json_string(round->stations[i].code));
	send(r, 200,
	     json_pack("{s:I, s:s, s:s, s:I, s:o}", "id", (json_int_t)id, "seed", round->row.seed,
	               "share", round->row.share, "drawn", (json_int_t)drawn, "stations", list));
	ms_eval_round_free(round);
}

void h_eval_assign(ms_req *r)
{
	int64_t id;
	if (!round_id(r, &id))
		return;
	json_t *o = http_body_object(r);
	if (!o)
		return;
	const char *evaluator = NULL;
	if (!http_str(r, o, "evaluator", MS_USER_NAME_MAX, &evaluator)) {
		json_decref(o);
		return;
	}
	json_t *list = json_object_get(o, "stations");
	size_t n = json_array_size(list);
	if (!evaluator || !json_is_array(list) || n == 0 || n > EVAL_ASSIGN_MAX) {
		json_decref(o);
		http_error(r, MS_ERR_INVALID,
		           "需要 evaluator（评估员用户名）和 stations（1–%d 个社工站代码） / "
		           "evaluator and "
		           "stations (1-%d station codes) are required",
		           EVAL_ASSIGN_MAX, EVAL_ASSIGN_MAX);
		return;
	}
	const char **codes = calloc(n, sizeof *codes);
	if (!codes) {
		json_decref(o);
		http_error(r, MS_ERR_NOMEM, NULL);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		codes[i] = json_string_value(json_array_get(list, i));
		if (!codes[i] || strlen(codes[i]) != 9) {
			free(codes);
			json_decref(o);
			http_error(r, MS_ERR_INVALID,
			           "stations 应为 9 位社工站代码的数组 / stations must be "
			           "an array of 9-digit station codes");
			return;
		}
	}
	ms_error err = {0};
	ms_err e = ms_eval_assign(r->store, r->user.name, id, evaluator, codes, n, &err);
	json_t *reply = e ? NULL
	                  : json_pack("{s:I, s:s, s:O}", "id", (json_int_t)id, "evaluator",
	                              evaluator, "stations", list);
	free(codes);
	json_decref(o);
	if (e) {
		http_fail(r, e, &err);
		return;
	}
	send(r, 200, reply);
}

void h_eval_close(ms_req *r)
{
	int64_t id;
	if (!round_id(r, &id))
		return;
	ms_error err = {0};
	ms_err e = ms_eval_close(r->store, r->pack, r->user.name, id, &err);
	if (e) {
		http_fail(r, e, &err);
		return;
	}
	ms_eval_round *round = load(r, id);
	if (!round)
		return;
	send(r, 200, ms_eval_round_json(round));
	ms_eval_round_free(round);
}

void h_eval_station(ms_req *r)
{
	int64_t id;
	if (!round_id(r, &id))
		return;
	ms_eval_round *round = load(r, id);
	if (!round)
		return;
	int si = ms_eval_round_station(round, r->params[1]);
	if (si < 0 || !round->stations[si].visible) {
		ms_eval_round_free(round);
		http_error(r, MS_ERR_NOT_FOUND,
		           "该轮次中没有此社工站，或不在您的范围内 / no such "
		           "station in the round within your reach");
		return;
	}
	send(r, 200, ms_eval_station_json(round, si));
	ms_eval_round_free(round);
}

/* Points as JSON: a number with at most two decimals, or such a string. */
static bool json_points(json_t *v, int64_t *out)
{
	if (json_is_string(v))
		return ms_eval_points_parse(json_string_value(v), out);
	if (!json_is_number(v))
		return false;
	double d = json_number_value(v) * 100.0;
	double rd = round(d);
	if (!(d >= 0) || d > MS_EVAL_TOTAL || fabs(d - rd) > 1e-6)
		return false;
	*out = (int64_t)rd;
	return true;
}

static void scores(ms_req *r, bool third)
{
	int64_t id;
	if (!round_id(r, &id))
		return;
	json_t *o = http_body_object(r);
	if (!o)
		return;
	json_t *list = json_object_get(o, "scores");
	size_t n = json_array_size(list);
	if (!json_is_array(list) || n == 0 || n > MS_EVAL_MAX_INDICATORS) {
		json_decref(o);
		http_error(
		    r, MS_ERR_INVALID,
		    "需要 scores：[{indicator, points, note}]（1–%d 项） / scores is required: "
		    "[{indicator, points, note}], 1-%d items",
		    MS_EVAL_MAX_INDICATORS, MS_EVAL_MAX_INDICATORS);
		return;
	}
	ms_eval_score_in *in = calloc(n, sizeof *in);
	if (!in) {
		json_decref(o);
		http_error(r, MS_ERR_NOMEM, NULL);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		json_t *it = json_array_get(list, i);
		const char *ind = NULL, *note = NULL;
		if (!json_is_object(it)) {
			free(in);
			json_decref(o);
			http_error(r, MS_ERR_INVALID,
			           "scores 的每一项应为对象 / each score is an object");
			return;
		}
		if (!http_str(r, it, "indicator", MS_EVAL_ID_MAX, &ind) ||
		    !http_str(r, it, "note", MS_EVAL_NOTE_MAX, &note)) {
			free(in);
			json_decref(o);
			return;
		}
		int64_t p;
		if (!ind || !json_points(json_object_get(it, "points"), &p)) {
			free(in);
			json_decref(o);
			http_error(r, MS_ERR_INVALID,
			           "每项需要 indicator 和 points（0–1000，至多两位小数） / each "
			           "score needs "
			           "indicator and points (0-1000, at most 2 decimals)");
			return;
		}
		in[i] = (ms_eval_score_in){.indicator = ind, .points = p, .note = note};
	}
	ms_error err = {0};
	ms_err e = ms_eval_scores_put(r->store, r->user.name, id, r->params[1], third, in, n, &err);
	free(in);
	json_decref(o);
	if (e) {
		http_fail(r, e, &err);
		return;
	}
	send(r, 200,
	     json_pack("{s:I, s:s, s:s, s:I}", "id", (json_int_t)id, "station", r->params[1],
	               "source", third ? "third" : "self", "scores", (json_int_t)n));
}

void h_eval_self(ms_req *r)
{
	scores(r, false);
}
void h_eval_score(ms_req *r)
{
	scores(r, true);
}

void h_eval_report(ms_req *r)
{
	int64_t id;
	if (!round_id(r, &id))
		return;
	const char *format = http_arg(r, "format");
	bool xlsx = format && strcmp(format, "xlsx") == 0;
	if (format && !xlsx && strcmp(format, "json") != 0) {
		http_error(r, MS_ERR_INVALID,
		           "format 应为 json 或 xlsx / format must be json or xlsx");
		return;
	}
	ms_eval_round *round = load(r, id);
	if (!round)
		return;
	if (!xlsx) {
		json_t *j = ms_eval_report_json(round);
		ms_eval_round_free(round);
		if (!j)
			http_error(r, MS_ERR_NOMEM, NULL);
		else
			send(r, 200, j);
		return;
	}
	char *bytes = NULL;
	size_t len = 0;
	ms_error err = {0};
	ms_err e = ms_eval_report_xlsx_bytes(round, r->srv->upload_dir, &bytes, &len, &err);
	ms_eval_round_free(round);
	if (e) {
		http_fail(r, e, &err);
		return;
	}
	http_bytes(r, 200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	           bytes, len);
	ms_free(bytes);
	snprintf(r->disposition, sizeof r->disposition,
	         "attachment; filename=\"minsheng-eval-%lld.xlsx\"", (long long)id);
	/* SPEC §7: every export goes to the access log */
	char ref[32];
	snprintf(ref, sizeof ref, "%lld", (long long)id);
	http_audit(r, "export", "eval_report", ref);
}
