/* eval_rules.c — the pure parts of the station evaluation: the linear
 * scale of computed indicators, star bands, the size and the draw of the
 * stratified sample, the final-score rule, and who may do what. No store,
 * no clock: the unit tests call these directly. Arithmetic is exact
 * (integers, 128-bit where products grow), so a score never depends on
 * floating-point rounding. */
#include "station/eval.h"

#include "auth/auth.h"
#include "base/mem.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

typedef __int128 i128;

/* round(a / b) half up for a >= 0, b > 0 */
static int64_t div_half_up(i128 a, i128 b)
{
	return (int64_t)((2 * a + b) / (2 * b));
}

int64_t ms_eval_linear(int64_t max, ms_eval_q v, ms_eval_q floor, ms_eval_q target)
{
	if (v.den <= 0 || floor.den <= 0 || target.den <= 0 || max < 0)
		return -1;
	/* target − floor = (tn·fd − fn·td) / (td·fd) must be above 0 */
	i128 span = (i128)target.num * floor.den - (i128)floor.num * target.den;
	if (span <= 0)
		return -1;
	/* (v − floor) / (target − floor)
	 *   = (vn·fd − fn·vd)·td / ((tn·fd − fn·td)·vd) */
	i128 above = (i128)v.num * floor.den - (i128)floor.num * v.den;
	if (above <= 0)
		return 0;
	i128 num = above * target.den;
	i128 den = span * v.den;
	if (num >= den)
		return max;
	return div_half_up(num * max, den);
}

int ms_eval_star(int64_t total, const int64_t bands[3])
{
	static const int stars[3] = {5, 4, 3};
	for (int i = 0; i < 3; i++)
		if (bands[i] >= 0 && total >= bands[i])
			return stars[i];
	return 0;
}

size_t ms_eval_sample_size(size_t n, int64_t share_num, int64_t share_den)
{
	if (n == 0 || share_den <= 0 || share_num <= 0)
		return n == 0 ? 0 : 1;
	i128 k = ((i128)2 * share_num * (i128)n + share_den) / ((i128)2 * share_den);
	if (k < 1)
		k = 1;
	if (k > (i128)n)
		k = (i128)n;
	return (size_t)k;
}

typedef struct draw_item {
	size_t index;
	char city[5];
	unsigned char key[crypto_hash_sha256_BYTES];
	const char *code;
} draw_item;

static int draw_cmp(const void *pa, const void *pb)
{
	const draw_item *a = pa, *b = pb;
	int c = memcmp(a->city, b->city, 4);
	if (c)
		return c;
	c = memcmp(a->key, b->key, sizeof a->key);
	if (c)
		return c;
	return strcmp(a->code, b->code);
}

ms_err ms_eval_draw(const char *seed, const char *const *codes, size_t n, int64_t share_num,
                    int64_t share_den, bool *drawn, ms_error *err)
{
	if (!seed || !*seed || strlen(seed) > MS_EVAL_SEED_MAX)
		return ms_error_set(err, MS_ERR_INVALID,
		                    "随机种子应为 1–%d 字节 (the seed must be 1-%d "
		                    "bytes)",
		                    MS_EVAL_SEED_MAX, MS_EVAL_SEED_MAX);
	if (share_den <= 0 || share_num <= 0 || share_num > share_den)
		return ms_error_set(
		    err, MS_ERR_PACK,
		    "抽查比例应在 0 与 1 之间（不含 0） (the share must be above 0 and at "
		    "most 1)");
	if (sodium_init() < 0)
		return ms_error_set(err, MS_ERR_INTERNAL, "libsodium cannot start");
	for (size_t i = 0; i < n; i++)
		drawn[i] = false;
	if (n == 0)
		return MS_ERR_OK;
	draw_item *it = ms_calloc(n, sizeof *it);
	if (!it)
		return ms_error_set(err, MS_ERR_NOMEM, NULL);
	size_t sl = strlen(seed);
	for (size_t i = 0; i < n; i++) {
		if (!codes[i] || strlen(codes[i]) != 9) {
			ms_free(it);
			return ms_error_set(err, MS_ERR_INTERNAL, "a station code is not 9 digits");
		}
		it[i].index = i;
		it[i].code = codes[i];
		memcpy(it[i].city, codes[i], 4);
		crypto_hash_sha256_state st;
		crypto_hash_sha256_init(&st);
		crypto_hash_sha256_update(&st, (const unsigned char *)seed, sl);
		crypto_hash_sha256_update(&st, (const unsigned char *)"\n", 1);
		crypto_hash_sha256_update(&st, (const unsigned char *)codes[i], 9);
		crypto_hash_sha256_final(&st, it[i].key);
	}
	qsort(it, n, sizeof *it, draw_cmp);
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j < n && memcmp(it[j].city, it[i].city, 4) == 0)
			j++;
		size_t k = ms_eval_sample_size(j - i, share_num, share_den);
		for (size_t x = i; x < i + k; x++)
			drawn[it[x].index] = true;
		i = j;
	}
	ms_free(it);
	return MS_ERR_OK;
}

int64_t ms_eval_final(bool checked, int64_t self_total, int64_t third_total)
{
	return checked && third_total >= 0 ? third_total : self_total;
}

bool ms_eval_param_q(const ms_pack *pack, const char *name, const char *area, ms_date d,
                     ms_eval_q *out)
{
	int i = pack ? ms_pack_param_index(pack, name) : -1;
	if (i < 0)
		return false;
	const ms_param *p = &pack->params[i];
	const ms_param_value *v = ms_pack_param_value(pack, i, area, d);
	if (!v)
		return false;
	switch (p->type) {
	case TY_INT:
		*out = (ms_eval_q){v->i, 1};
		return true;
	case TY_MONEY: /* fen: the value in yuan */
		*out = (ms_eval_q){v->i, 100};
		return true;
	case TY_DEC: {
		int64_t den = 1;
		for (int k = 0; k < p->scale; k++)
			den *= 10;
		*out = (ms_eval_q){v->i, den};
		return true;
	}
	default:
		return false;
	}
}

/* ---- who may ---- */

static bool overlaps(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t n = la < lb ? la : lb;
	return strncmp(a, b, n) == 0;
}

ms_err ms_eval_may(const ms_user *u, ms_eval_action action, const char *round_area,
                   const char *station, const char *assigned, bool evaluator_in_round)
{
	bool office = u->role == MS_ROLE_ADMIN || u->role == MS_ROLE_OFFICER;
	switch (action) {
	case MS_EVAL_DO_OPEN:
		if (office && ms_scope_covers(u->scope, round_area))
			return MS_ERR_OK;
		return MS_ERR_FORBIDDEN;
	case MS_EVAL_DO_MANAGE:
		/* an officer of a city sees a province's round (its stations)
		 * but runs only rounds of areas its scope covers */
		if (office && ms_scope_covers(u->scope, round_area))
			return MS_ERR_OK;
		if (office && overlaps(u->scope, round_area))
			return MS_ERR_FORBIDDEN;
		if ((u->role == MS_ROLE_STATION_HEAD && ms_scope_covers(round_area, u->station)) ||
		    (u->role == MS_ROLE_EVALUATOR && evaluator_in_round))
			return MS_ERR_FORBIDDEN;
		return MS_ERR_NOT_FOUND;
	case MS_EVAL_DO_READ_ROUND:
		if (office && overlaps(u->scope, round_area))
			return MS_ERR_OK;
		if (u->role == MS_ROLE_STATION_HEAD && ms_scope_covers(round_area, u->station))
			return MS_ERR_OK;
		if (u->role == MS_ROLE_EVALUATOR && evaluator_in_round)
			return MS_ERR_OK;
		return MS_ERR_NOT_FOUND;
	case MS_EVAL_DO_READ_STATION:
	case MS_EVAL_DO_SELF:
	case MS_EVAL_DO_THIRD: {
		if (!station || !ms_scope_covers(round_area, station))
			return MS_ERR_NOT_FOUND;
		bool sees =
		    (office && ms_scope_covers(u->scope, station)) ||
		    (u->role == MS_ROLE_STATION_HEAD && strcmp(u->station, station) == 0) ||
		    (u->role == MS_ROLE_EVALUATOR && assigned && strcmp(assigned, u->name) == 0);
		if (!sees)
			return MS_ERR_NOT_FOUND;
		if (action == MS_EVAL_DO_READ_STATION)
			return MS_ERR_OK;
		if (action == MS_EVAL_DO_SELF)
			return u->role == MS_ROLE_EVALUATOR ? MS_ERR_FORBIDDEN : MS_ERR_OK;
		/* third-party scores: the assigned evaluator, or an admin
		 * entering a paper score sheet; never the station or the
		 * officer whose stations are evaluated */
		return u->role == MS_ROLE_EVALUATOR || u->role == MS_ROLE_ADMIN ? MS_ERR_OK
		                                                                : MS_ERR_FORBIDDEN;
	}
	}
	return MS_ERR_FORBIDDEN;
}
