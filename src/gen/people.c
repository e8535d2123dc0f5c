/* people.c — the generator's people: area choice, unique identity numbers,
 * households and their registry rows, and one function per kind of fact, so
 * the background and the planted cases write rows the same way. */
#include "gen/internal.h"

#include "base/mem.h"

#include <string.h>

/* ---- areas ---- */

static void prefix_range(const ms_area *a, size_t n, const char *prefix, size_t *lo, size_t *hi)
{
	size_t plen = strlen(prefix);
	*lo = *hi = 0;
	for (size_t i = 0; i < n; i++) {
		if (strncmp(a[i].code, prefix, plen) == 0) {
			if (*hi == 0)
				*lo = i;
			*hi = i + 1;
		}
	}
}

ms_err ms_gen_areas_init(gen *g)
{
	ms_error aerr;
	ms_error_clear(&aerr);
	if (ms_area_init(&aerr)) {
		ms_gen_fail(g, MS_ERR_INTERNAL, "区划代码表不可用 (area table unavailable): %s",
		            ms_error_text(&aerr));
		return g->rc;
	}
	g->nvill = ms_area_children("44", MS_AREA_VILLAGE, &g->vill);
	g->ncounty = ms_area_children("44", MS_AREA_COUNTY, &g->county);
	if (g->nvill == 0 || g->ncounty == 0) {
		ms_gen_fail(
		    g, MS_ERR_INTERNAL,
		    "区划代码表没有广东的村和县 (the area table has no Guangdong villages)");
		return g->rc;
	}
	prefix_range(g->vill, g->nvill, "4401", &g->gz_lo, &g->gz_hi);
	prefix_range(g->vill, g->nvill, "4403", &g->sz_lo, &g->sz_hi);
	prefix_range(g->county, g->ncounty, "4401", &g->gzc_lo, &g->gzc_hi);
	prefix_range(g->county, g->ncounty, "4403", &g->szc_lo, &g->szc_hi);
	if (g->gz_hi == 0 || g->sz_hi == 0 || g->gzc_hi == 0 || g->szc_hi == 0) {
		ms_gen_fail(g, MS_ERR_INTERNAL, "区划代码表缺少广州或深圳 (no 4401 or 4403 areas)");
		return g->rc;
	}
	g->vill_hh = ms_calloc(g->nvill, sizeof *g->vill_hh);
	/* county codes no longer in use, for older people's numbers */
	g->legacy = ms_malloc(512 * sizeof *g->legacy);
	if (!g->vill_hh || !g->legacy) {
		ms_gen_fail(g, MS_ERR_NOMEM, "内存不足 (out of memory)");
		return g->rc;
	}
	char code[7];
	for (int c = 440000; c <= 449999 && g->nlegacy < 512; c++) {
		snprintf(code, sizeof code, "%d", c);
		if (code[4] == '0' && code[5] == '0')
			continue;
		const ms_area *a = ms_area_find(code, 6);
		if (a && a->last_year != 0 && a->last_year < 2019 && ms_area_idcode_known(code))
			memcpy(g->legacy[g->nlegacy++], code, 7);
	}
	return MS_ERR_OK;
}

static size_t pick_village(gen *g, gen_area_pick where)
{
	switch (where) {
	case AREA_GZ:
		return g->gz_lo + gen_below(&g->rng, (uint32_t)(g->gz_hi - g->gz_lo));
	case AREA_SZ:
		return g->sz_lo + gen_below(&g->rng, (uint32_t)(g->sz_hi - g->sz_lo));
	case AREA_PROVINCE:
		for (;;) {
			size_t v = gen_below(&g->rng, (uint32_t)g->nvill);
			if ((v < g->gz_lo || v >= g->gz_hi) && (v < g->sz_lo || v >= g->sz_hi))
				return v;
		}
	case AREA_ANY:
	default:
		return gen_below(&g->rng, (uint32_t)g->nvill);
	}
}

static const char *random_county(gen *g)
{
	for (int tries = 0; tries < 50; tries++) {
		const char *c = g->county[gen_below(&g->rng, (uint32_t)g->ncounty)].code;
		if (ms_area_idcode_known(c))
			return c;
	}
	return "440106";
}

void ms_gen_county_for(gen *g, const char *village12, ms_date birth, char out[7])
{
	int y, m, d;
	ms_date_to_ymd(birth, &y, &m, &d);
	double u = gen_unit(&g->rng);
	const char *c;
	if (y < 1990 && g->nlegacy && u < g->prof.legacy_county_share)
		c = g->legacy[gen_below(&g->rng, (uint32_t)g->nlegacy)];
	else if (u < 0.85 && village12) {
		char v6[7];
		memcpy(v6, village12, 6);
		v6[6] = '\0';
		c = ms_area_idcode_known(v6) ? NULL : random_county(g);
		if (!c) {
			memcpy(out, v6, 7);
			return;
		}
	} else {
		c = random_county(g);
	}
	memcpy(out, c, 6);
	out[6] = '\0';
}

void ms_gen_make_id(gen *g, const char *county6, ms_date birth, int sex, char out[MS_ID_STR])
{
	int y, m, d;
	ms_date_to_ymd(birth, &y, &m, &d);
	char c6[7];
	memcpy(c6, county6, 6);
	c6[6] = '\0';
	for (int tries = 0;; tries++) {
		if (tries && tries % 400 == 0)
			memcpy(c6, random_county(g), 7);
		unsigned seq = gen_below(&g->rng, 500) * 2 + (sex == 1 ? 1 : 0);
		memcpy(out, c6, 6);
		out[6] = (char)('0' + y / 1000);
		out[7] = (char)('0' + y / 100 % 10);
		out[8] = (char)('0' + y / 10 % 10);
		out[9] = (char)('0' + y % 10);
		out[10] = (char)('0' + m / 10);
		out[11] = (char)('0' + m % 10);
		out[12] = (char)('0' + d / 10);
		out[13] = (char)('0' + d % 10);
		out[14] = (char)('0' + seq / 100);
		out[15] = (char)('0' + seq / 10 % 10);
		out[16] = (char)('0' + seq % 10);
		out[17] = ms_id_check_char(out);
		out[18] = '\0';
		bool oom = false;
		if (ms_gen_idset_add(&g->ids, out, &oom))
			return;
		if (oom) {
			ms_gen_fail(g, MS_ERR_NOMEM, "内存不足 (out of memory)");
			return;
		}
	}
}

void ms_gen_ghost_new(gen *g, gen_ghost *gh, ms_date birth, int sex, const char *surname,
                      const char *county6)
{
	gh->birth = birth;
	gh->sex = sex;
	ms_gen_make_id(g, county6 ? county6 : random_county(g), birth, sex, gh->id);
	ms_gen_name(&g->rng, sex, surname, gh->name);
}

/* The date `years` years before day (29 February → 28 February). */
static ms_date years_before(ms_date day, int years)
{
	int y, m, d;
	ms_date_to_ymd(day, &y, &m, &d);
	if (m == 2 && d == 29 && !ms_is_leap_year(y - years))
		d = 28;
	return ms_date_from_ymd(y - years, m, d);
}

ms_date ms_gen_birth_for_age(gen *g, int age_lo, int age_hi)
{
	int age = gen_range(&g->rng, age_lo, age_hi);
	ms_date b = years_before(g->D, age) - (ms_date)gen_below(&g->rng, 365);
	while (ms_age_years(b, g->D) > age)
		b++;
	while (ms_age_years(b, g->D) < age)
		b--;
	if (age == 0 && b > g->D - 30)
		b = g->D - 30 - (ms_date)gen_below(&g->rng, 300);
	return b;
}

ms_date ms_gen_birth_birthday(ms_date d, int years, int shift)
{
	/* born so that the age reaches `years` exactly on d + shift */
	ms_date day = d + shift;
	ms_date naive = years_before(day, years);
	for (int k = -3; k <= 3; k++) {
		ms_date b = naive + k;
		if (ms_age_years(b, day) == years && ms_age_years(b, day - 1) == years - 1)
			return b;
	}
	return naive;
}

/* ---- households ---- */

void ms_gen_hh_begin(gen *g, gen_hh *hh, gen_area_pick where)
{
	hh->n = 0;
	hh->nghost = 0;
	hh->type = -1;
	hh->st = 0;
	hh->income = 0;
	hh->budget = 0;
	hh->homes = 0;
	hh->planted = false;
	hh->vill = pick_village(g, where);
	uint32_t k = ++g->vill_hh[hh->vill];
	memcpy(hh->hid, g->vill[hh->vill].code, 12);
	snprintf(hh->hid + 12, sizeof hh->hid - 12, "%06u", k % 1000000);
}

const char *ms_gen_hh_area(const gen *g, const gen_hh *hh)
{
	return g->vill[hh->vill].code;
}

ms_money ms_gen_std_at(gen *g, const gen_hh *hh)
{
	ms_money v = 0;
	ms_gen_param(&g->prof.dibao_std, ms_gen_hh_area(g, hh), g->D, &v);
	return v;
}

int ms_gen_hh_add(gen *g, gen_hh *hh, int rel, ms_date birth, int sex, const char *surname)
{
	if (hh->n == GEN_HH_MAX)
		return hh->n - 1;
	int i = hh->n++;
	gen_member *m = &hh->m[i];
	memset(m, 0, sizeof *m);
	m->rel = rel;
	m->fidx = m->midx = -1;
	m->death = MS_DATE_NONE;
	m->p.birth = birth;
	m->p.sex = sex;
	m->age = ms_age_years(birth, g->D);
	char c6[7];
	ms_gen_county_for(g, ms_gen_hh_area(g, hh), birth, c6);
	ms_gen_make_id(g, c6, birth, sex, m->p.id);
	ms_gen_name(&g->rng, sex, surname, m->p.name);
	if (m->age >= 16 &&
	    gen_chance(&g->rng, m->age >= 70 ? g->prof.phone_share * 0.6 : g->prof.phone_share))
		ms_gen_phone(&g->rng, m->phone);
	return i;
}

void ms_gen_hh_link(gen_hh *hh, int child, int father, int mother)
{
	gen_member *c = &hh->m[child];
	c->fidx = father;
	c->midx = mother;
	if (father >= 0)
		c->father = &hh->m[father].p;
	if (mother >= 0)
		c->mother = &hh->m[mother].p;
}

static void address(gen *g, const gen_hh *hh, char *out, size_t cap)
{
	const ms_area *v = &g->vill[hh->vill];
	int k = (v->code[9] - '0') * 100 + (v->code[10] - '0') * 10 + (v->code[11] - '0');
	if (k < 200) /* residents' committee: streets */
		snprintf(out, cap, "%s%d巷%d号", v->name, gen_range(&g->rng, 1, 60),
		         gen_range(&g->rng, 1, 120));
	else
		snprintf(out, cap, "%s%d组%d号", v->name, gen_range(&g->rng, 1, 15),
		         gen_range(&g->rng, 1, 90));
}

void ms_gen_hh_write(gen *g, gen_hh *hh)
{
	gen_row r;
	char addr[256];
	ms_gen_row_reset(&r, 3);
	ms_gen_row_str(&r, 0, hh->hid);
	ms_gen_row_str(&r, 1, ms_gen_hh_area(g, hh));
	address(g, hh, addr, sizeof addr);
	ms_gen_row_str(&r, 2, addr);
	ms_gen_emit(g, F_HOUSEHOLDS, &r, (gen_subj){NULL, true, hh->planted});
	for (int i = 0; i < hh->n; i++) {
		const gen_member *m = &hh->m[i];
		ms_gen_row_reset(&r, 8);
		ms_gen_put_id(g, &r, 0, m->p.id, false);
		ms_gen_row_str(&r, 1, m->p.name);
		ms_gen_row_str(&r, 2, hh->hid);
		ms_gen_row_str(&r, 3, g->prof.relations.v[m->rel]);
		ms_gen_row_str(&r, 4, ms_gen_hh_area(g, hh));
		ms_gen_row_str(&r, 5, m->father ? m->father->id : "");
		ms_gen_row_str(&r, 6, m->mother ? m->mother->id : "");
		ms_gen_row_str(&r, 7, m->phone);
		ms_gen_emit(g, F_PERSONS, &r, (gen_subj){&m->p, true, hh->planted});
	}
	g->people += (uint64_t)hh->n;
	g->households++;
}

void ms_gen_feed_only_new(gen *g, gen_ghost *gh, const char *county6)
{
	int sex = gen_chance(&g->rng, 0.5) ? 1 : 2;
	ms_gen_ghost_new(g, gh, ms_gen_birth_for_age(g, 18, 85), sex, NULL, county6);
	g->feed_only++;
}

const gen_ghost *ms_gen_feed_only_subject(gen *g)
{
	if (g->fo_left <= 0) {
		ms_gen_feed_only_new(g, &g->fo, NULL);
		g->fo_left = gen_range(&g->rng, 1, 3);
		g->fo_k = 0;
	}
	g->fo_left--;
	return &g->fo;
}

/* ---- registry facts ---- */

void ms_gen_category(gen *g, const gen_member *m, int cat, ms_date start, ms_date end, bool planted)
{
	gen_row r;
	ms_gen_row_reset(&r, 4);
	ms_gen_put_id(g, &r, 0, m->p.id, true);
	ms_gen_row_str(&r, 1, g->prof.cat[cat]);
	ms_gen_put_date(g, &r, 2, start);
	ms_gen_put_date(g, &r, 3, end);
	ms_gen_emit(g, F_CATEGORIES, &r, (gen_subj){&m->p, true, planted});
}

void ms_gen_benefit(gen *g, const gen_member *m, int ben, ms_date start, ms_date end, ms_money fen,
                    bool planted)
{
	gen_row r;
	ms_gen_row_reset(&r, 5);
	ms_gen_put_id(g, &r, 0, m->p.id, true);
	ms_gen_row_str(&r, 1, g->prof.ben[ben]);
	ms_gen_put_date(g, &r, 2, start);
	ms_gen_put_date(g, &r, 3, end);
	ms_gen_put_money(g, &r, 4, fen);
	ms_gen_emit(g, F_BENEFITS, &r, (gen_subj){&m->p, true, planted});
}

/* ---- department facts ---- */

static void head(gen *g, gen_row *r, int ncol, gen_subj s)
{
	ms_gen_row_reset(r, ncol);
	ms_gen_put_id(g, r, 0, s.p->id, true);
	ms_gen_row_str(r, 1, s.p->name);
}

void ms_gen_gongan(gen *g, gen_subj s, int event, ms_date d)
{
	gen_row r;
	head(g, &r, 4, s);
	ms_gen_row_str(&r, 2, g->prof.events.v[event]);
	ms_gen_put_date(g, &r, 3, d);
	ms_gen_emit(g, F_GONGAN, &r, s);
}

void ms_gen_sifa(gen *g, gen_subj s, int type, ms_date start, ms_date end)
{
	gen_row r;
	head(g, &r, 5, s);
	ms_gen_row_str(&r, 2, g->prof.sifa_types.v[type]);
	ms_gen_put_date(g, &r, 3, start);
	ms_gen_put_date(g, &r, 4, end);
	ms_gen_emit(g, F_SIFA, &r, s);
}

void ms_gen_yibao(gen *g, gen_subj s, ms_date d, ms_money oop, const char *county6)
{
	gen_row r;
	head(g, &r, 8, s);
	char bill[40];
	int y, m, dd;
	ms_date_to_ymd(d, &y, &m, &dd);
	snprintf(bill, sizeof bill, "YB%04d%02d%02d%09llu", y, m, dd,
	         (unsigned long long)(++g->bills % 1000000000ULL));
	ms_gen_row_str(&r, 2, bill);
	ms_gen_put_date(g, &r, 3, d);
	/* the fund pays 40–85 % of the bill */
	int pct = gen_range(&g->rng, 40, 85);
	ms_money total = oop * 100 / (100 - pct);
	ms_money fund = total - oop;
	ms_gen_put_money(g, &r, 4, total);
	ms_gen_put_money(g, &r, 5, fund);
	ms_gen_put_money(g, &r, 6, oop);
	const ms_area *c = ms_area_find(county6, 6);
	char inst[160];
	const gen_list *suf = &g->prof.hospital_suffix;
	snprintf(inst, sizeof inst, "%s%s", c ? c->name : "",
	         suf->v[gen_below(&g->rng, (uint32_t)suf->n)]);
	ms_gen_row_str(&r, 7, inst);
	ms_gen_emit(g, F_YIBAO, &r, s);
}

void ms_gen_shiye(gen *g, gen_subj s, ms_date start, ms_date end)
{
	gen_row r;
	head(g, &r, 4, s);
	ms_gen_put_date(g, &r, 2, start);
	ms_gen_put_date(g, &r, 3, end);
	ms_gen_emit(g, F_SHIYE, &r, s);
}

void ms_gen_yanglao(gen *g, gen_subj s, ms_date start, ms_date end, ms_money fen, bool legacy)
{
	gen_row r;
	head(g, &r, 5, s);
	if (legacy && s.p->id[6] == '1' && s.p->id[7] == '9') {
		/* the 15-digit form: no century, no check character */
		char old[16];
		memcpy(old, s.p->id, 6);
		memcpy(old + 6, s.p->id + 8, 9);
		old[15] = '\0';
		ms_gen_row_str(&r, 0, old);
	}
	ms_gen_put_date(g, &r, 2, start);
	ms_gen_put_date(g, &r, 3, end);
	ms_gen_put_money(g, &r, 4, fen);
	ms_gen_emit(g, F_YANGLAO, &r, s);
}

void ms_gen_jiaofei(gen *g, gen_subj s, ms_month month, ms_money base)
{
	gen_row r;
	head(g, &r, 4, s);
	char ms[12];
	ms_month_format(month, ms);
	if (gen_chance(&g->rng, g->prof.date_compact)) { /* 202305 */
		memmove(ms + 4, ms + 5, 3);
	}
	ms_gen_row_str(&r, 2, ms);
	ms_gen_put_money(g, &r, 3, base);
	ms_gen_emit(g, F_JIAOFEI, &r, s);
}

void ms_gen_school_name(gen *g, const char *village12, int age, char *out, size_t cap)
{
	const gen_list *suf = &g->prof.school_suffix;
	const char *sfx = suf->v[age <= 12 ? 0 : gen_below(&g->rng, (uint32_t)suf->n)];
	const ms_area *t = ms_area_township_of(village12, 12);
	snprintf(out, cap, "%s%s", t ? t->name : "", sfx);
}

void ms_gen_jiaoyu(gen *g, gen_subj s, const char *school, int status, ms_date d)
{
	gen_row r;
	head(g, &r, 5, s);
	ms_gen_row_str(&r, 2, school);
	ms_gen_row_str(&r, 3, g->prof.school_status.v[status]);
	ms_gen_put_date(g, &r, 4, d);
	ms_gen_emit(g, F_JIAOYU, &r, s);
}

void ms_gen_canlian(gen *g, gen_subj s, int kind, int grade, ms_date issue, ms_date expiry)
{
	gen_row r;
	head(g, &r, 7, s);
	char cert[24];
	memcpy(cert, s.p->id, 18);
	cert[18] = (char)('1' + kind);
	cert[19] = (char)('0' + grade);
	cert[20] = '\0';
	ms_gen_row_str(&r, 2, cert);
	ms_gen_row_str(&r, 3, g->prof.dis_kind.v[kind]);
	if (gen_chance(&g->rng, g->prof.grade_cn))
		ms_gen_row_str(&r, 4, g->prof.dis_grade_cn.v[grade - 1]);
	else
		ms_gen_put_int(&r, 4, grade);
	ms_gen_put_date(g, &r, 5, issue);
	ms_gen_put_date(g, &r, 6, expiry);
	ms_gen_emit(g, F_CANLIAN, &r, s);
}

void ms_gen_budongchan(gen *g, gen_subj s, int type, ms_date start, ms_date end)
{
	gen_row r;
	head(g, &r, 6, s);
	ms_gen_row_str(&r, 2, g->prof.prop_types.v[type]);
	/* m² with 2 decimals, written like money */
	ms_money area =
	    type == 0 ? gen_range(&g->rng, 3500, 14000) : gen_range(&g->rng, 1200, 20000);
	char a[MS_MONEY_STR];
	ms_money_format(area, 0, a); /* hundredths of m², so two decimals */
	ms_gen_row_str(&r, 3, a);
	ms_gen_put_date(g, &r, 4, start);
	ms_gen_put_date(g, &r, 5, end);
	ms_gen_emit(g, F_BUDONGCHAN, &r, s);
}

void ms_gen_jiaoguan(gen *g, gen_subj s, const char *vtype, ms_date start, ms_date end,
                     const char *city4)
{
	gen_row r;
	head(g, &r, 6, s);
	/* a plate from a counter, scrambled but one to one: 34^5 plates per city letter */
	static const char sym[] = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ";
	uint64_t x = (g->plates++ * 7919u + 12345u) % 45435424u;
	char plate[32];
	const char *letter = "A";
	const gen_list *pl = &g->prof.plate_letters;
	for (int i = 0; i < pl->n; i++)
		if (strncmp(pl->v[i], city4, 4) == 0 && pl->v[i][4] == ':')
			letter = pl->v[i] + 5;
	int n = snprintf(plate, sizeof plate, "%s%s", g->prof.plate_prefix, letter);
	for (int i = 0; i < 5 && n < 30; i++) {
		plate[n++] = sym[x % 34];
		x /= 34;
	}
	plate[n] = '\0';
	ms_gen_row_str(&r, 2, plate);
	ms_gen_row_str(&r, 3, vtype);
	ms_gen_put_date(g, &r, 4, start);
	ms_gen_put_date(g, &r, 5, end);
	ms_gen_emit(g, F_JIAOGUAN, &r, s);
}

void ms_gen_shichang(gen *g, gen_subj s, int role, int employees, ms_date start, ms_date end, int k)
{
	gen_row r;
	head(g, &r, 7, s);
	char sur[GEN_NAME_MAX], name[200];
	ms_gen_surname_of(s.p->name, sur);
	const gen_list *suf = &g->prof.biz_suffix;
	/* the k-th entity of a subject takes the k-th suffix after one fixed by
	 * its number, so one person's entities never share a name */
	unsigned h = 0;
	for (int i = 0; i < 17; i++)
		h = h * 31 + (unsigned)s.p->id[i];
	snprintf(name, sizeof name, "%s记%s", sur, suf->v[(h + (unsigned)k) % (unsigned)suf->n]);
	ms_gen_row_str(&r, 2, name);
	ms_gen_row_str(&r, 3, g->prof.roles.v[role]);
	ms_gen_put_int(&r, 4, employees);
	ms_gen_put_date(g, &r, 5, start);
	ms_gen_put_date(g, &r, 6, end);
	ms_gen_emit(g, F_SHICHANG, &r, s);
}

void ms_gen_nongye(gen *g, gen_subj s, int type, ms_date start, ms_date end)
{
	gen_row r;
	head(g, &r, 5, s);
	ms_gen_row_str(&r, 2, g->prof.monitor_types.v[type % g->prof.monitor_types.n]);
	ms_gen_put_date(g, &r, 3, start);
	ms_gen_put_date(g, &r, 4, end);
	ms_gen_emit(g, F_NONGYE, &r, s);
}

void ms_gen_yingji(gen *g, gen_subj s, int disaster, ms_date d, int damage)
{
	gen_row r;
	head(g, &r, 5, s);
	ms_gen_row_str(&r, 2, g->prof.disasters.v[disaster % g->prof.disasters.n]);
	ms_gen_put_date(g, &r, 3, d);
	ms_gen_row_str(&r, 4, g->prof.damage.v[damage]);
	ms_gen_emit(g, F_YINGJI, &r, s);
}
