/* dirty.c — every row passes through here on its way to a file: it is
 * counted with the outcome a first import must give it, and at the profile's
 * rates dirty rows of the kinds of SPEC §2.5 are added around clean ones.
 *
 * A dirty row never carries a fact that matters: extra rows are built for a
 * throwaway subject (or, in the registry files, with a key no clean row uses),
 * with harmless values, and then damaged; a corrected number is only ever put
 * on a background fact of a registry person, whose fact the import restores.
 * Repeated keys copy a background row that was accepted; the first copy wins.
 * Planted rows are never touched. */
#include "gen/internal.h"

#include <string.h>

static bool has_kind(const gen_file_desc *d, gen_col_kind a, gen_col_kind b, gen_col_kind c)
{
	for (int i = 0; i < d->ncol; i++)
		if (d->kind[i] == a || d->kind[i] == b || d->kind[i] == c)
			return true;
	return false;
}

static bool applies(const gen *g, gen_file_id f, gen_dirty_kind k)
{
	const gen_file_desc *d = &ms_gen_file_desc[f];
	switch (k) {
	case DK_MISSING:
		return true;
	case DK_BAD_DATE:
		return has_kind(d, CK_DATE, CK_MONTH, CK_DATE);
	case DK_BAD_AMOUNT:
		return has_kind(d, CK_MONEY, CK_DEC, CK_INT);
	case DK_INVERTED:
		return d->range_start >= 0;
	case DK_BAD_SHAPE:
		return d->kind[0] == CK_ID;
	case DK_BAD_ENUM:
		return d->enum_col >= 0 && g->prof.files[f].bad_value;
	case DK_REVIEW:
		return !d->registry;
	case DK_INVALID_ID:
		return f == F_PERSONS;
	default:
		return false; /* repeated keys and corrections are decided per clean row */
	}
}

void ms_gen_dirty_init(gen *g, gen_file_id f)
{
	gen_out *o = &g->out[f];
	double sum = 0;
	for (int k = 0; k < DK_COUNT; k++) {
		o->dirty_w[k] = applies(g, f, (gen_dirty_kind)k) ? g->prof.dirty[k] : 0;
		sum += o->dirty_w[k];
	}
	o->dirty_p = sum / 10000.0;
}

/* ---- identity numbers that import must correct or send to review ---- */

bool ms_gen_corrupt_id(gen *g, const char *id, char out[MS_ID_STR])
{
	static const char checks[] = "0123456789X";
	char cand[64][MS_ID_STR];
	for (int tries = 0; tries < 40; tries++) {
		char c[MS_ID_STR];
		memcpy(c, id, MS_ID_STR);
		int op = (int)gen_below(&g->rng, 3);
		if (op == 0) { /* a wrong check character */
			char x;
			do
				x = checks[gen_below(&g->rng, 11)];
			while (x == c[17]);
			c[17] = x;
		} else if (op == 1) { /* two neighbours swapped */
			int i = (int)gen_below(&g->rng, 17);
			if (c[i] == c[i + 1] || (i == 16 && c[17] == 'X'))
				continue;
			char t = c[i];
			c[i] = c[i + 1];
			c[i + 1] = t;
		} else { /* one digit mistyped */
			int i = (int)gen_below(&g->rng, 17);
			char x;
			do
				x = (char)('0' + gen_below(&g->rng, 10));
			while (x == c[i]);
			c[i] = x;
		}
		ms_id_status st = ms_id_validate(c, g->today);
		if (st == MS_ID_OK || st == MS_ID_FUTURE || st == MS_ID_TOO_OLD)
			continue;
		size_t n = ms_id_corrections(c, g->today, cand, 64);
		if (n == 0 || n > 64)
			continue;
		bool found = false, clash = false;
		for (size_t i = 0; i < n; i++) {
			if (memcmp(cand[i], id, 18) == 0)
				found = true;
			else if (ms_gen_idset_has(&g->ids, cand[i]))
				clash = true;
		}
		if (!found || clash)
			continue;
		/* no one may ever get the other candidates */
		for (size_t i = 0; i < n; i++) {
			bool oom = false;
			if (memcmp(cand[i], id, 18) != 0)
				ms_gen_idset_add(&g->ids, cand[i], &oom);
			if (oom) {
				ms_gen_fail(g, MS_ERR_NOMEM, "内存不足 (out of memory)");
				return false;
			}
		}
		memcpy(out, c, MS_ID_STR);
		return true;
	}
	return false;
}

/* ---- extra dirty rows ---- */

static ms_date ago(gen *g, int lo, int hi)
{
	return g->D - gen_range(&g->rng, lo, hi);
}

/* A plausible row of file f whose facts could not raise anything, for a
 * throwaway subject (who == NULL) or for a registry adult aged 30–55 (who),
 * in which case every date lies `shift` days further back, before any of
 * that person's clean facts, so no natural key repeats. Registry files
 * take their context (household, area) from ctx and a key no clean row uses. */
static void sample_row(gen *g, gen_file_id f, const gen_row *ctx, gen_subj s, gen_row *out,
                       const gen_ghost *who, int shift)
{
	const gen_profile *p = &g->prof;
	gen_ghost gh;
	if (f == F_HOUSEHOLDS) {
		char hid[24];
		snprintf(hid, sizeof hid, "%.12sD%05llu", ctx->v[1],
		         (unsigned long long)(++g->dirty_households % 100000));
		ms_gen_row_reset(out, 3);
		ms_gen_row_str(out, 0, hid);
		ms_gen_row_str(out, 1, ctx->v[1]);
		ms_gen_row_strn(out, 2, ctx->v[2], ctx->len[2]);
		return;
	}
	if (f == F_PERSONS) {
		ms_gen_ghost_new(g, &gh, ms_gen_birth_for_age(g, 20, 70),
		                 gen_chance(&g->rng, 0.5) ? 1 : 2, NULL, NULL);
		ms_gen_row_reset(out, 8);
		ms_gen_row_str(out, 0, gh.id);
		ms_gen_row_str(out, 1, gh.name);
		ms_gen_row_strn(out, 2, ctx->v[2], ctx->len[2]);
		ms_gen_row_str(out, 3, p->relations.v[p->relations.n - 1]);
		ms_gen_row_strn(out, 4, ctx->v[4], ctx->len[4]);
		return;
	}
	if (f == F_CATEGORIES || f == F_BENEFITS) {
		/* started 11–16 years ago: no clean record starts that early */
		ms_date start = ago(g, 4000, 6000);
		ms_gen_row_reset(out, ms_gen_file_desc[f].ncol);
		ms_gen_put_id(g, out, 0, s.p->id, false);
		if (f == F_CATEGORIES)
			ms_gen_row_str(out, 1, p->cat[CAT_LINSHI]);
		else
			ms_gen_row_str(out, 1, p->ben[BEN_LINSHI]);
		ms_gen_put_date(g, out, 2, start);
		ms_gen_put_date(g, out, 3, start + gen_range(&g->rng, 0, 60));
		if (f == F_BENEFITS)
			ms_gen_put_money(g, out, 4, p->ben_min[BEN_LINSHI]);
		return;
	}
	if (!who) {
		ms_gen_ghost_new(g, &gh, ms_gen_birth_for_age(g, 20, 70),
		                 gen_chance(&g->rng, 0.5) ? 1 : 2, NULL, NULL);
		who = &gh;
		shift = 0;
	}
	gen_subj t = {who, false, true};
	ms_date start = ago(g, 800, 2000) - shift;
	g->capture = out;
	switch (f) {
	case F_GONGAN:
		ms_gen_gongan(g, t, gen_range(&g->rng, 1, 2), ago(g, 400, 2000) - shift);
		break;
	case F_SIFA:
		ms_gen_sifa(g, t, 2, start, start + gen_range(&g->rng, 100, 300));
		break;
	case F_YIBAO:
		ms_gen_yibao(g, t, ago(g, 400, 700) - shift, gen_range(&g->rng, 5000, 200000),
		             who->id);
		break;
	case F_SHIYE:
		ms_gen_shiye(g, t, start, start + gen_range(&g->rng, 30, 300));
		break;
	case F_YANGLAO:
		ms_gen_yanglao(g, t, start, start + gen_range(&g->rng, 100, 700), 20000, false);
		break;
	case F_JIAOFEI:
		ms_gen_jiaofei(g, t, g->M - gen_range(&g->rng, 12, 40) - shift / 30, 300000);
		break;
	case F_JIAOYU:
		ms_gen_jiaoyu(g, t, "第一中学", 3, start);
		break;
	case F_CANLIAN:
		ms_gen_canlian(g, t, 3, 4, ago(g, 4000, 5000) - shift, ago(g, 300, 340) - shift);
		break;
	case F_BUDONGCHAN:
		ms_gen_budongchan(g, t, 0, start, start + gen_range(&g->rng, 100, 700));
		break;
	case F_JIAOGUAN:
		ms_gen_jiaoguan(g, t, p->exempt_vehicles.v[0], start,
		                start + gen_range(&g->rng, 100, 700), "4401");
		break;
	case F_SHICHANG:
		/* entity 5: no clean record of anyone uses that name */
		ms_gen_shichang(g, t, 2, 0, start, start + gen_range(&g->rng, 100, 700), 5);
		break;
	case F_NONGYE:
		ms_gen_nongye(g, t, 0, start, start + gen_range(&g->rng, 100, 700));
		break;
	case F_YINGJI:
	default:
		ms_gen_yingji(g, t, 0, ago(g, 400, 2000) - shift, 3);
		break;
	}
	g->capture = NULL;
}

static int pick_col(gen *g, const gen_file_desc *d, gen_col_kind a, gen_col_kind b, gen_col_kind c,
                    bool required_only)
{
	int cols[GEN_MAX_COLS], n = 0;
	for (int i = 0; i < d->ncol; i++)
		if ((d->kind[i] == a || d->kind[i] == b || d->kind[i] == c) &&
		    (!required_only || (d->required >> i & 1)))
			cols[n++] = i;
	return n ? cols[gen_below(&g->rng, (uint32_t)n)] : -1;
}

static const char *one_of(gen *g, const char *const *v, size_t n)
{
	return v[gen_below(&g->rng, (uint32_t)n)];
}
#define ONE_OF(g, arr) one_of((g), (arr), sizeof(arr) / sizeof((arr)[0]))

static void bad_shape(gen *g, const char *id, gen_row *r)
{
	char s[32];
	size_t n = 0;
	switch (gen_below(&g->rng, 4)) {
	case 0: /* a digit short */
		memcpy(s, id, 17);
		n = 17;
		if (s[16] == 'X')
			s[16] = '1';
		break;
	case 1: /* a digit too many */
		memcpy(s, id, 18);
		s[18] = (char)('0' + gen_below(&g->rng, 10));
		n = 19;
		break;
	case 2: /* a letter inside */
		memcpy(s, id, 18);
		s[6 + gen_below(&g->rng, 10)] = (char)('A' + gen_below(&g->rng, 23));
		n = 18;
		break;
	default: /* sixteen digits */
		memcpy(s, id, 16);
		n = 16;
		break;
	}
	ms_gen_row_strn(r, 0, s, n);
}

static int pick_kind(gen *g, const gen_out *o)
{
	double sum = 0;
	for (int k = 0; k < DK_COUNT; k++)
		sum += o->dirty_w[k];
	double u = gen_unit(&g->rng) * sum;
	int kind = 0;
	for (; kind < DK_COUNT - 1; kind++) {
		if (u < o->dirty_w[kind])
			break;
		u -= o->dirty_w[kind];
	}
	return kind;
}

/* One extra row of the given kind, built from a harmless sample. */
static void dirty_row(gen *g, gen_file_id f, const gen_row *ctx, gen_subj s, int kind)
{
	static const char *const bad_dates[] = {"2023-02-30", "abc",      "2023-13-01",
	                                        "2022/02/29", "20231301", "2023年2月30日",
	                                        "2021-04-31"};
	static const char *const bad_months[] = {"2023-13", "abc", "2023/00", "23-5"};
	static const char *const bad_money[] = {"12.345",    "1,23", "12..5",
	                                        "3,4567.00", "--5",  "1.2.3"};
	static const char *const bad_ints[] = {"3.5", "abc", "1,2", "两"};
	gen_out *o = &g->out[f];
	const gen_file_desc *d = &ms_gen_file_desc[f];
	if (o->dirty_w[kind] == 0)
		return;
	gen_row r;
	sample_row(g, f, ctx, s, &r, NULL, 0);
	gen_outcome oc = OUT_REJECTED;
	int c;
	switch ((gen_dirty_kind)kind) {
	case DK_MISSING: {
		int cols[GEN_MAX_COLS], n = 0;
		for (int i = 0; i < d->ncol; i++)
			if (d->required >> i & 1)
				cols[n++] = i;
		ms_gen_row_str(&r, cols[gen_below(&g->rng, (uint32_t)n)], "");
		break;
	}
	case DK_BAD_DATE:
		c = pick_col(g, d, CK_DATE, CK_MONTH, CK_DATE, false);
		ms_gen_row_str(
		    &r, c, d->kind[c] == CK_MONTH ? ONE_OF(g, bad_months) : ONE_OF(g, bad_dates));
		break;
	case DK_BAD_AMOUNT:
		c = pick_col(g, d, CK_MONEY, CK_DEC, CK_INT, true);
		ms_gen_row_str(&r, c,
		               d->kind[c] == CK_INT ? ONE_OF(g, bad_ints) : ONE_OF(g, bad_money));
		break;
	case DK_INVERTED: {
		ms_date start = ago(g, 300, 2000);
		ms_gen_put_date(g, &r, d->range_start, start);
		ms_gen_put_date(g, &r, d->range_end, start - gen_range(&g->rng, 1, 300));
		break;
	}
	case DK_BAD_SHAPE: {
		char id[MS_ID_STR];
		memcpy(id, r.v[0], MS_ID_STR);
		bad_shape(g, id, &r);
		break;
	}
	case DK_BAD_ENUM:
		ms_gen_row_str(&r, d->enum_col, g->prof.files[f].bad_value);
		break;
	case DK_REVIEW:
	case DK_INVALID_ID: {
		/* the sample's subject is fresh: its number is in no registry row,
		 * and corrupt_id reserves every other candidate */
		char id[MS_ID_STR], bad[MS_ID_STR];
		memcpy(id, r.v[0], MS_ID_STR);
		if (!ms_gen_corrupt_id(g, id, bad))
			return;
		ms_gen_row_str(&r, 0, bad);
		oc = kind == DK_REVIEW ? OUT_REVIEW : OUT_REJECTED;
		break;
	}
	default:
		return;
	}
	o->kinds[kind]++;
	ms_gen_emit_outcome(g, f, &r, oc);
}

/* ---- the way every row takes ---- */

void ms_gen_emit_outcome(gen *g, gen_file_id f, const gen_row *r, gen_outcome oc)
{
	gen_out *o = &g->out[f];
	ms_gen_out_row(g, f, r);
	o->rows++;
	switch (oc) {
	case OUT_ACCEPTED:
		o->accepted++;
		break;
	case OUT_CORRECTED:
		o->accepted++;
		o->corrected++;
		break;
	case OUT_REVIEW:
		o->review++;
		break;
	case OUT_REJECTED:
	default:
		o->rejected++;
		break;
	}
	if (o->dup_wait > 0 && --o->dup_wait == 0) {
		ms_gen_out_row(g, f, &o->dup);
		o->rows++;
		o->rejected++;
	}
}

void ms_gen_emit(gen *g, gen_file_id f, gen_row *r, gen_subj s)
{
	if (g->capture) {
		ms_gen_row_copy(g->capture, r);
		return;
	}
	if (g->rc)
		return;
	gen_out *o = &g->out[f];
	gen_outcome oc = OUT_ACCEPTED;
	if (!s.planted) {
		if (o->dirty_p > 0 && gen_chance(&g->rng, o->dirty_p))
			dirty_row(g, f, r, s, pick_kind(g, o));
		if (f >= F_FIRST_FEED && s.registry && s.p &&
		    gen_chance(&g->rng, g->prof.dirty[DK_CORRECTED] / 10000.0)) {
			char bad[MS_ID_STR];
			if (ms_gen_corrupt_id(g, s.p->id, bad)) {
				ms_gen_row_str(r, 0, bad);
				oc = OUT_CORRECTED;
				o->kinds[DK_CORRECTED]++;
			}
		}
	}
	ms_gen_emit_outcome(g, f, r, oc);
	if (s.planted || oc != OUT_ACCEPTED)
		return;
	if (!o->have_first) {
		ms_gen_row_copy(&o->first, r);
		o->have_first = true;
	}
	if (!g->have_adult && f == F_PERSONS) {
		int age = ms_age_years(s.p->birth, g->D);
		if (age >= 30 && age <= 55) {
			g->adult = *s.p;
			g->have_adult = true;
		}
	}
	if (o->dup_wait == 0 && gen_chance(&g->rng, g->prof.dirty[DK_DUPLICATE] / 10000.0)) {
		ms_gen_row_copy(&o->dup, r);
		o->dup_wait = gen_range(&g->rng, 1, 40);
		o->kinds[DK_DUPLICATE]++;
	}
}

/* Writes what is still pending and, so that even a small province has
 * every kind of dirty row in every file it applies to, one row of each kind
 * the profile asks for that did not come up by chance. */
void ms_gen_dirty_flush(gen *g)
{
	const gen_profile *p = &g->prof;
	for (int f = 0; f < F_COUNT && !g->rc; f++) {
		gen_out *o = &g->out[f];
		if (o->dup_wait > 0) {
			ms_gen_out_row(g, (gen_file_id)f, &o->dup);
			o->rows++;
			o->rejected++;
			o->dup_wait = 0;
		}
		if (!o->have_first)
			continue;
		gen_subj s = {g->have_adult ? &g->adult : NULL, true, false};
		bool reg_needs_subj = f == F_CATEGORIES || f == F_BENEFITS;
		for (int k = 0; k < DK_COUNT; k++)
			if (o->dirty_w[k] > 0 && o->kinds[k] == 0 &&
			    (!reg_needs_subj || g->have_adult))
				dirty_row(g, (gen_file_id)f, &o->first, s, k);
		if (p->dirty[DK_DUPLICATE] > 0 && o->kinds[DK_DUPLICATE] == 0) {
			ms_gen_out_row(g, (gen_file_id)f, &o->first);
			o->rows++;
			o->rejected++;
			o->kinds[DK_DUPLICATE]++;
		}
		if (f >= F_FIRST_FEED && p->dirty[DK_CORRECTED] > 0 &&
		    o->kinds[DK_CORRECTED] == 0 && g->have_adult) {
			gen_row r;
			char bad[MS_ID_STR];
			/* a harmless fact of a registry adult, dated before all of theirs */
			sample_row(g, (gen_file_id)f, &o->first, s, &r, &g->adult, 3000);
			if (ms_gen_corrupt_id(g, g->adult.id, bad)) {
				ms_gen_row_str(&r, 0, bad);
				ms_gen_emit_outcome(g, (gen_file_id)f, &r, OUT_CORRECTED);
				o->kinds[DK_CORRECTED]++;
			}
		}
	}
}
