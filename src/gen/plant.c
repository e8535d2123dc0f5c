/* plant.c — the planted cases: for every rule of SPEC §3.3 households and
 * feed-only subjects built to fire exactly that rule (hits) or to stop just
 * short of it (near misses), recorded as they are written, never by asking
 * the rule engine. Every number they sit on comes from the profile.
 *
 * Why the background stays silent — the invariant kept for each rule
 * (background.c, dirty.c; D = as-of date):
 *   R01  A background death happens only in a household of three or more,
 *        dated at least 35 days before D, and every benefit and status of
 *        the dead person ends on or before the death date.
 *   R02  Everyone with a valid severe certificate (grade 1–2, or 3–4 智力/
 *        精神 when care_mental_grade34) holds an open 重度残疾人护理补贴.
 *        Feed-only subjects have no certificates at all.
 *   R03  Every 低保 member with a valid certificate holds an open
 *        困难残疾人生活补贴.
 *   R04  Subsidies are paid only from a certificate's issue date, the
 *        certificate runs ten years from an issue date at most ~9 years
 *        before D; expired certificates carry no subsidy.
 *   R05  Per person at most six settlements of at most 5,000 元 of 个人自付,
 *        so no one comes near the lowest threshold (45,000 元).
 *   R06  In a low-income household no child aged school_age_min…max has
 *        辍学 as its latest record: a dropout there is followed by 在读.
 *   R07  A child whose two listed parents are both dead holds an open
 *        孤儿基本生活费 (and never 特困人员).
 *   R08  At most one listed parent of a minor is dead, confined (服刑在押/
 *        强制隔离戒毒 active at D) or severely disabled; children with both
 *        parents unable hold 事实无人抚养儿童生活补贴.
 *   R09  In households holding 低保/特困/低保边缘 every vehicle active at D
 *        is of an exempt type; other vehicles there were deregistered.
 *   R10  In those households the only active business role is a
 *        个体工商户经营者 with 0 employees.
 *   R11  In 低保/低保边缘 households living members hold at most max_homes
 *        active homes in total and no other active property.
 *   R12  In 低保 households the pensions active at D stay within 4/5 of
 *        standard × living members, and contributions end before the
 *        income_months window.
 *   R13  A 受灾 record dated within the window has damage 一般损坏 or 无;
 *        倒塌/严重损坏 are dated before it.
 *   R14  No 特困 person has an active 服刑在押 record.
 *   R15  Active 防返贫 monitoring only for people holding a low-income
 *        status; everyone else's has ended (feed-only subjects included).
 *   R16  Nobody holds both 特困人员 and 孤儿基本生活费.
 *   R17  A 低保边缘/支出型 person's unemployment registration has ended.
 *   R18  A low-income person living alone is younger than elderly_age;
 *        deaths leave at least two living members.
 * Dirty rows (dirty.c) never carry one of these facts; corrected numbers sit
 * only on background facts of registry people, which the import restores. */
#include "gen/internal.h"

#include <string.h>

enum { REL_HEAD, REL_SPOUSE, REL_CHILD, REL_PARENT, REL_GRANDCHILD, REL_SIBLING, REL_OTHER };

#define P (&g->prof)

static ms_date ago(gen *g, int lo, int hi)
{
	return g->D - gen_range(&g->rng, lo, hi);
}

static gen_subj S(gen_member *m)
{
	return (gen_subj){&m->p, true, true};
}
static gen_subj G(const gen_ghost *gh)
{
	return (gen_subj){gh, false, true};
}

static void begin(gen *g, gen_hh *hh, gen_area_pick where)
{
	ms_gen_hh_begin(g, hh, where);
	hh->planted = true;
}

static int add(gen *g, gen_hh *hh, int rel, int age_lo, int age_hi, int sex)
{
	return ms_gen_hh_add(g, hh, rel, ms_gen_birth_for_age(g, age_lo, age_hi), sex, NULL);
}

static int add_born(gen *g, gen_hh *hh, int rel, ms_date birth, int sex)
{
	return ms_gen_hh_add(g, hh, rel, birth, sex, NULL);
}

static ms_money amount(gen *g, int ben)
{
	ms_money lo = P->ben_min[ben] / 100, hi = P->ben_max[ben] / 100;
	return (ms_money)gen_range(&g->rng, (int)lo, (int)hi) * 100;
}

static void cat(gen *g, gen_member *m, int c, ms_date start, ms_date end)
{
	ms_gen_category(g, m, c, start, end, true);
}

static void ben(gen *g, gen_member *m, int b, ms_date start, ms_date end)
{
	ms_gen_benefit(g, m, b, start, end, amount(g, b), true);
}

/* A status (and its benefit, for 低保 and 特困) from a date a few years ago. */
static void status(gen *g, gen_member *m, int c, ms_date end)
{
	ms_date start = ago(g, 200, 1500);
	if (start <= m->p.birth)
		start = m->p.birth + 30;
	if (end != MS_DATE_NONE && start >= end)
		start = end - 100;
	cat(g, m, c, start, end);
	if (c == CAT_DIBAO)
		ben(g, m, BEN_DIBAO, start, end);
	else if (c == CAT_TEKUN)
		ben(g, m, BEN_TEKUN, start, end);
}

static void all_status(gen *g, gen_hh *hh, int c)
{
	for (int i = 0; i < hh->n; i++)
		status(g, &hh->m[i], c, MS_DATE_NONE);
}

static void die(gen *g, gen_member *m, ms_date d)
{
	m->death = d;
	ms_gen_gongan(g, S(m), 0, d);
}

static void expect_p(gen *g, bool hit, int rule, const gen_member *m, const char *note)
{
	ms_gen_expect(g, hit, rule, false, m->p.id, note);
}

static void expect_g(gen *g, bool hit, int rule, const gen_ghost *gh, const char *note)
{
	ms_gen_expect(g, hit, rule, false, gh->id, note);
}

static void expect_h(gen *g, bool hit, int rule, const gen_hh *hh, const char *note)
{
	ms_gen_expect(g, hit, rule, true, hh->hid, note);
}

static int sex_any(gen *g)
{
	return gen_chance(&g->rng, 0.5) ? 1 : 2;
}

/* ---- R01 死亡未停发 ---- */

static void r01(gen *g, int v, bool hit)
{
	gen_hh hh;
	begin(g, &hh, AREA_ANY);
	if (hit && v == 1) { /* 特困, dead on D itself */
		int s = add(g, &hh, REL_HEAD, 70, P->elderly_age - 2, sex_any(g));
		ms_gen_hh_write(g, &hh);
		status(g, &hh.m[s], CAT_TEKUN, MS_DATE_NONE);
		die(g, &hh.m[s], g->D);
		expect_p(g, true, 1, &hh.m[s],
		         "dead on D while holding an open 特困 status and benefit");
		return;
	}
	int s = add(g, &hh, REL_HEAD, 55, 72, 1);
	add(g, &hh, REL_SPOUSE, 50, 70, 2);
	if ((hit && v == 0) || (!hit && v == 1))
		add(g, &hh, REL_CHILD, 20, 30, sex_any(g));
	ms_gen_hh_write(g, &hh);
	for (int i = 1; i < hh.n; i++)
		status(g, &hh.m[i], CAT_DIBAO, MS_DATE_NONE);
	gen_member *m = &hh.m[s];
	if (hit && v == 0) {
		status(g, m, CAT_DIBAO, MS_DATE_NONE);
		die(g, m, ago(g, 5, 60));
		expect_p(g, true, 1, m, "dead before D, 低保 status and 低保金 still open");
	} else if (hit) { /* v == 2: the status ended, the benefit runs to D */
		ms_date start = ago(g, 400, 1500);
		cat(g, m, CAT_DIBAO, start, g->D - 1);
		ben(g, m, BEN_DIBAO, start, g->D);
		die(g, m, ago(g, 10, 40));
		expect_p(g, true, 1, m,
		         "dead; 低保金 ends exactly on D (still active), status ended D-1");
	} else if (v == 0) {
		status(g, m, CAT_DIBAO, MS_DATE_NONE);
		ms_gen_gongan(g, S(m), 0, g->D + 1);
		expect_p(g, false, 1, m, "death dated D+1: alive on D");
	} else if (v == 1) {
		ms_date start = ago(g, 400, 1500);
		cat(g, m, CAT_DIBAO, start, g->D - 1);
		ben(g, m, BEN_DIBAO, start, g->D - 1);
		die(g, m, ago(g, 20, 60));
		expect_p(g, false, 1, m, "dead; status and benefit ended D-1");
	} else {
		status(g, m, CAT_DIBAO, MS_DATE_NONE);
		ms_gen_gongan(g, S(m), 3, ago(g, 5, 30));
		expect_p(g, false, 1, m, "a 注销 event is not a death");
	}
}

/* ---- R02–R04 disability ---- */

/* A household of two holding status c: the subject (an adult without
 * children) and a parent. Returns the subject's index. */
static int pair(gen *g, gen_hh *hh, int c)
{
	begin(g, hh, AREA_ANY);
	int s = add(g, hh, REL_HEAD, 25, 50, sex_any(g));
	add(g, hh, REL_PARENT, 60, 75, 2);
	ms_gen_hh_write(g, hh);
	if (c >= 0)
		all_status(g, hh, c);
	return s;
}

static void cert(gen *g, gen_member *m, int kind, int grade, ms_date issue, ms_date expiry)
{
	ms_gen_canlian(g, S(m), kind, grade, issue, expiry);
}

static ms_date valid_issue(gen *g)
{
	return ago(g, 100, 2000);
}
static ms_date ten_years(ms_date d)
{
	return d + 3652;
}

enum { K_VISION, K_HEARING, K_SPEECH, K_LIMB, K_INTELLECT, K_MENTAL, K_MULTI };

static void r02(gen *g, int v, bool hit)
{
	gen_hh hh;
	int s = pair(g, &hh, CAT_BIANYUAN);
	gen_member *m = &hh.m[s];
	ms_date is = valid_issue(g);
	if (hit) {
		switch (v) {
		case 0:
			cert(g, m, K_LIMB, 1, g->D - 3652, g->D);
			expect_p(g, true, 2, m,
			         "grade 1 certificate expiring exactly on D, no care subsidy");
			break;
		case 1:
			cert(g, m, K_INTELLECT, 3, is, ten_years(is));
			/* severe only when the pack extends the subsidy to grade 3-4 */
			ms_gen_expect(g, P->care_mental_grade34, 2, false, m->p.id,
			              "grade 3 智力 (care_mental_grade34), no care subsidy");
			break;
		case 2:
			cert(g, m, K_VISION, 2, g->D, ten_years(g->D));
			expect_p(g, true, 2, m, "grade 2 certificate issued on D, no care subsidy");
			break;
		default:
			cert(g, m, K_MENTAL, 4, is, ten_years(is));
			ms_gen_expect(g, P->care_mental_grade34, 2, false, m->p.id,
			              "grade 4 精神 (care_mental_grade34), no care subsidy");
			break;
		}
		return;
	}
	switch (v) {
	case 0:
		cert(g, m, K_LIMB, 1, g->D - 3653, g->D - 1);
		expect_p(g, false, 2, m, "grade 1 certificate expired D-1");
		break;
	case 1:
		cert(g, m, K_LIMB, 3, is, ten_years(is));
		expect_p(g, false, 2, m, "grade 3 肢体 is not severe");
		break;
	case 2:
		cert(g, m, K_LIMB, 1, g->D + 1, ten_years(g->D + 1));
		expect_p(g, false, 2, m, "grade 1 certificate issued D+1");
		break;
	default:
		cert(g, m, K_HEARING, 1, is, ten_years(is));
		cat(g, m, CAT_ZHONGDU_CANJI, is + 20, MS_DATE_NONE);
		ben(g, m, BEN_ZHONGDU_CANJI, is + 20, MS_DATE_NONE);
		expect_p(g, false, 2, m, "grade 1 with the care subsidy");
		break;
	}
}

static void r03(gen *g, int v, bool hit)
{
	gen_hh hh;
	ms_date is = valid_issue(g);
	if (!hit && v == 1) {
		int s = pair(g, &hh, CAT_BIANYUAN);
		cert(g, &hh.m[s], K_LIMB, 4, is, ten_years(is));
		expect_p(g, false, 3, &hh.m[s], "valid certificate but 低保边缘, not 低保");
		return;
	}
	if (!hit && v == 2) {
		begin(g, &hh, AREA_ANY);
		int s = add(g, &hh, REL_HEAD, 30, 50, sex_any(g));
		add(g, &hh, REL_PARENT, 60, 75, 2);
		ms_gen_hh_write(g, &hh);
		status(g, &hh.m[1], CAT_DIBAO, MS_DATE_NONE);
		status(g, &hh.m[s], CAT_DIBAO, g->D - 1);
		cert(g, &hh.m[s], K_LIMB, 4, is, ten_years(is));
		expect_p(g, false, 3, &hh.m[s], "低保 ended D-1, valid certificate");
		return;
	}
	int s = pair(g, &hh, CAT_DIBAO);
	gen_member *m = &hh.m[s];
	if (hit && v == 0) {
		cert(g, m, K_LIMB, 4, is, ten_years(is));
		expect_p(g, true, 3, m, "低保, valid grade 4 certificate, no living subsidy");
	} else if (hit) {
		cert(g, m, K_LIMB, 1, is, ten_years(is));
		cat(g, m, CAT_ZHONGDU_CANJI, is + 15, MS_DATE_NONE);
		ben(g, m, BEN_ZHONGDU_CANJI, is + 15, MS_DATE_NONE);
		expect_p(g, true, 3, m, "低保, grade 1 with care subsidy but no living subsidy");
	} else {
		cert(g, m, K_LIMB, 4, g->D - 3653, g->D - 1);
		expect_p(g, false, 3, m, "低保, certificate expired D-1");
	}
}

static void r04(gen *g, int v, bool hit)
{
	gen_hh hh;
	bool dibao = (hit && v == 0) || (!hit && v <= 1);
	int s = pair(g, &hh, dibao ? CAT_DIBAO : CAT_BIANYUAN);
	gen_member *m = &hh.m[s];
	if (hit) {
		switch (v) {
		case 0:
			cert(g, m, K_LIMB, 4, g->D - 3653, g->D - 1);
			ben(g, m, BEN_KUNNAN_CANJI, g->D - 3000, MS_DATE_NONE);
			expect_p(g, true, 4, m, "living subsidy open, certificate expired D-1");
			break;
		case 1:
			ben(g, m, BEN_ZHONGDU_CANJI, ago(g, 300, 900), MS_DATE_NONE);
			expect_p(g, true, 4, m, "care subsidy open, no certificate at all");
			break;
		default:
			cert(g, m, K_LIMB, 2, g->D - 40 - 3652, g->D - 40);
			cert(g, m, K_LIMB, 2, g->D + 1, ten_years(g->D + 1));
			ben(g, m, BEN_ZHONGDU_CANJI, g->D - 3000, MS_DATE_NONE);
			expect_p(g, true, 4, m,
			         "care subsidy open, old certificate expired, new one from D+1");
			break;
		}
		return;
	}
	switch (v) {
	case 0:
		cert(g, m, K_LIMB, 4, g->D - 3652, g->D);
		ben(g, m, BEN_KUNNAN_CANJI, g->D - 3000, MS_DATE_NONE);
		expect_p(g, false, 4, m, "living subsidy, certificate valid until exactly D");
		break;
	case 1:
		cert(g, m, K_LIMB, 4, g->D - 400 - 3652, g->D - 400);
		cert(g, m, K_LIMB, 4, g->D - 380, ten_years(g->D - 380));
		ben(g, m, BEN_KUNNAN_CANJI, g->D - 3000, MS_DATE_NONE);
		expect_p(g, false, 4, m, "living subsidy, expired certificate renewed");
		break;
	default:
		cert(g, m, K_LIMB, 1, g->D - 3653, g->D - 1);
		ben(g, m, BEN_ZHONGDU_CANJI, g->D - 3000, g->D - 1);
		expect_p(g, false, 4, m, "care subsidy and certificate both ended D-1");
		break;
	}
}

/* ---- R05 因病致贫风险 ---- */

static ms_money threshold(gen *g, const char *area)
{
	ms_money v = 0;
	ms_gen_param(&P->oop_threshold, area, g->D, &v);
	return v;
}

/* Settlements summing exactly to total, dated within the window, the first
 * on its first day and the last on D. bad_first: write the first one with
 * a corrected number. */
static void settle(gen *g, gen_subj s, const char *county6, ms_money total, bool bad_first)
{
	int n = gen_range(&g->rng, 3, 5);
	ms_money left = total;
	for (int i = 0; i < n; i++) {
		/* an even share give or take 500 元, leaving at least 1 元 for each one after */
		ms_money part =
		    i == n - 1 ? left : left / (n - i) + gen_range(&g->rng, -50000, 50000);
		ms_money keep = (ms_money)(n - i - 1) * 100;
		if (part < 100)
			part = 100;
		if (part > left - keep)
			part = left - keep;
		left -= part;
		ms_date d = i == 0       ? g->D - P->oop_window_days
		            : i == n - 1 ? g->D
		                         : ago(g, 1, P->oop_window_days - 1);
		if (i == 0 && bad_first) {
			char bad[MS_ID_STR];
			gen_row r;
			gen_row *saved = g->capture;
			g->capture = &r;
			ms_gen_yibao(g, s, d, part, county6);
			g->capture = saved;
			if (ms_gen_corrupt_id(g, s.p->id, bad)) {
				ms_gen_row_str(&r, 0, bad);
				ms_gen_emit_outcome(g, F_YIBAO, &r, OUT_CORRECTED);
			} else {
				ms_gen_emit_outcome(g, F_YIBAO, &r, OUT_ACCEPTED);
			}
			continue;
		}
		ms_gen_yibao(g, s, d, part, county6);
	}
}

static const char *county_in(gen *g, gen_area_pick where)
{
	for (;;) {
		size_t lo = 0, hi = g->ncounty;
		if (where == AREA_GZ)
			lo = g->gzc_lo, hi = g->gzc_hi;
		else if (where == AREA_SZ)
			lo = g->szc_lo, hi = g->szc_hi;
		const char *c = g->county[lo + gen_below(&g->rng, (uint32_t)(hi - lo))].code;
		if (!ms_area_idcode_known(c))
			continue;
		if (where == AREA_PROVINCE &&
		    (strncmp(c, "4401", 4) == 0 || strncmp(c, "4403", 4) == 0))
			continue;
		return c;
	}
}

static void r05_feed_only(gen *g, gen_area_pick where, ms_money delta, bool hit, const char *note)
{
	gen_ghost gh;
	const char *c6 = county_in(g, where);
	ms_gen_feed_only_new(g, &gh, c6);
	settle(g, G(&gh), c6, threshold(g, c6) + delta, false);
	expect_g(g, hit, 5, &gh, note);
}

static void r05(gen *g, int v, bool hit)
{
	if (hit && v == 3) {
		r05_feed_only(g, AREA_PROVINCE, 0, true,
		              "feed-only, Σ 个人自付 exactly the threshold");
		return;
	}
	if (hit && v == 4) {
		r05_feed_only(g, AREA_GZ, 0, true,
		              "feed-only with a 广州 number, Σ exactly 广州's threshold");
		return;
	}
	if (!hit && v == 5) {
		r05_feed_only(g, AREA_SZ, -1, false, "feed-only with a 深圳 number, one fen below");
		return;
	}
	gen_area_pick where = AREA_PROVINCE;
	if ((hit && v == 1) || (!hit && (v == 1 || v == 2)))
		where = AREA_GZ;
	else if (hit && v == 2)
		where = AREA_SZ;
	gen_hh hh;
	begin(g, &hh, where);
	int s = add(g, &hh, REL_HEAD, 40, 65, sex_any(g));
	add(g, &hh, REL_SPOUSE, 38, 65, 2);
	ms_gen_hh_write(g, &hh);
	all_status(g, &hh, !hit && v == 4 ? CAT_DIBAO : CAT_BIANYUAN);
	gen_member *m = &hh.m[s];
	const char *area = ms_gen_hh_area(g, &hh);
	char c6[7];
	memcpy(c6, area, 6);
	c6[6] = '\0';
	ms_money thr = threshold(g, area);
	if (hit) {
		static const char *const notes[] = {
		    "Σ 个人自付 over [D-364, D] exactly the threshold",
		    "广州: Σ exactly 广州's threshold",
		    "深圳: Σ exactly 深圳's threshold",
		    "",
		    "",
		    "Σ exactly the threshold, one settlement under a corrected number"};
		settle(g, S(m), c6, thr, v == 5);
		expect_p(g, true, 5, m, notes[v]);
		return;
	}
	switch (v) {
	case 0:
		settle(g, S(m), c6, thr - 1, false);
		expect_p(g, false, 5, m, "Σ one fen below the threshold");
		break;
	case 1:
		settle(g, S(m), c6, thr - 1, false);
		expect_p(g, false, 5, m, "广州: Σ one fen below 广州's threshold");
		break;
	case 2: {
		ms_money prov = 0;
		ms_gen_param(&P->oop_threshold, "", g->D, &prov);
		ms_money between = prov < thr ? (prov + thr) / 2 : thr - 1;
		settle(g, S(m), c6, between, false);
		expect_p(g, false, 5, m, "广州: above the province threshold, below 广州's");
		break;
	}
	case 3: {
		/* a settlement a day before the window would tip it over */
		settle(g, S(m), c6, thr - 100000, false);
		ms_gen_yibao(g, S(m), g->D - P->oop_window_days - 1, 100000, c6);
		expect_p(g, false, 5, m,
		         "the settlement that reaches the threshold is dated D-365");
		break;
	}
	default:
		settle(g, S(m), c6, thr + 1000000, false);
		expect_p(g, false, 5, m, "over the threshold but holds 低保");
		break;
	}
}

/* ---- R06 义务教育阶段辍学 ---- */

static void r06(gen *g, int v, bool hit)
{
	gen_hh hh;
	begin(g, &hh, AREA_ANY);
	int f = add(g, &hh, REL_HEAD, 36, 48, 1);
	int mo = add(g, &hh, REL_SPOUSE, 34, 46, 2);
	ms_date birth;
	int top = P->school_age_max;
	if (hit && v == 1)
		birth = ms_gen_birth_birthday(g->D, top + 1, 1); /* 16, turning 17 tomorrow */
	else if (!hit && v == 0)
		birth = ms_gen_birth_birthday(g->D, top + 1, 0); /* 17 today */
	else
		birth = ms_gen_birth_for_age(g, P->school_age_min + 2, top - 2);
	char sur[GEN_NAME_MAX];
	ms_gen_surname_of(hh.m[f].p.name, sur);
	int c = ms_gen_hh_add(g, &hh, REL_CHILD, birth, sex_any(g), sur);
	ms_gen_hh_link(&hh, c, f, mo);
	ms_gen_hh_write(g, &hh);
	bool low = !(!hit && v == 3);
	if (hit && v == 2) {
		status(g, &hh.m[f], CAT_BIANYUAN, MS_DATE_NONE);
		status(g, &hh.m[mo], CAT_BIANYUAN, MS_DATE_NONE);
	} else if (low) {
		all_status(g, &hh, CAT_DIBAO);
	} else {
		for (int i = 0; i < hh.n; i++)
			cat(g, &hh.m[i], CAT_ZHIGONG, ago(g, 200, 900), MS_DATE_NONE);
	}
	gen_member *k = &hh.m[c];
	char school[160];
	ms_gen_school_name(g, ms_gen_hh_area(g, &hh), k->age, school, sizeof school);
	ms_gen_jiaoyu(g, S(k), school, 0, ago(g, 700, 1000));
	if (hit) {
		ms_gen_jiaoyu(g, S(k), school, 1, ago(g, 20, 90));
		expect_p(g, true, 6, k,
		         v == 1   ? "dropped out, age 16 (17 tomorrow), 低保 household"
		         : v == 2 ? "dropped out; household low-income through the parents"
		                  : "dropped out, 低保 household");
		return;
	}
	switch (v) {
	case 0:
		ms_gen_jiaoyu(g, S(k), school, 1, ago(g, 20, 90));
		expect_p(g, false, 6, k, "dropped out but turned 17 on D");
		break;
	case 1:
		ms_gen_jiaoyu(g, S(k), school, 1, ago(g, 40, 90));
		ms_gen_jiaoyu(g, S(k), school, 0, ago(g, 5, 30));
		expect_p(g, false, 6, k, "dropped out, then back in school");
		break;
	case 2:
		ms_gen_jiaoyu(g, S(k), school, 1, g->D + 1);
		expect_p(g, false, 6, k, "the dropout record is dated D+1");
		break;
	default:
		ms_gen_jiaoyu(g, S(k), school, 1, ago(g, 20, 90));
		expect_p(g, false, 6, k, "dropped out, household not low-income");
		break;
	}
}

/* ---- R07, R08 children ---- */

static gen_ghost *ghost_parent(gen *g, gen_hh *hh, ms_date child_birth, int sex, const char *sur)
{
	gen_ghost *gh = &hh->ghost[hh->nghost++];
	ms_date b = child_birth - gen_range(&g->rng, 23 * 365, 35 * 365);
	ms_gen_ghost_new(g, gh, b, sex, sur, NULL);
	return gh;
}

/* A grandparent and a grandchild whose parents are outside the registry. */
static int grandchild(gen *g, gen_hh *hh, ms_date birth, gen_ghost **fa, gen_ghost **mo)
{
	begin(g, hh, AREA_ANY);
	add(g, hh, REL_HEAD, 58, 75, sex_any(g));
	*fa = ghost_parent(g, hh, birth, 1, NULL);
	*mo = ghost_parent(g, hh, birth, 2, NULL);
	char sur[GEN_NAME_MAX];
	ms_gen_surname_of((*fa)->name, sur);
	int c = ms_gen_hh_add(g, hh, REL_GRANDCHILD, birth, sex_any(g), sur);
	hh->m[c].father = *fa;
	hh->m[c].mother = *mo;
	return c;
}

static void r07(gen *g, int v, bool hit)
{
	gen_hh hh;
	gen_ghost *fa = NULL, *mo = NULL;
	int minor = P->minor_age;
	if (hit && v == 2) { /* the father was a registry member */
		begin(g, &hh, AREA_ANY);
		int gp = add(g, &hh, REL_HEAD, 60, 75, 2);
		char sur[GEN_NAME_MAX];
		ms_gen_surname_of(hh.m[gp].p.name, sur);
		ms_date kb = ms_gen_birth_for_age(g, 5, minor - 3);
		int f = ms_gen_hh_add(g, &hh, REL_CHILD,
		                      kb - gen_range(&g->rng, 24 * 365, 32 * 365), 1, sur);
		mo = ghost_parent(g, &hh, kb, 2, NULL);
		int c = ms_gen_hh_add(g, &hh, REL_GRANDCHILD, kb, sex_any(g), sur);
		ms_gen_hh_link(&hh, c, f, -1);
		hh.m[c].mother = mo;
		ms_gen_hh_write(g, &hh);
		status(g, &hh.m[gp], CAT_DIBAO, MS_DATE_NONE);
		status(g, &hh.m[c], CAT_DIBAO, MS_DATE_NONE);
		ms_date death = ago(g, 60, 200);
		ms_date st = death - gen_range(&g->rng, 400, 1200);
		cat(g, &hh.m[f], CAT_DIBAO, st, death - 3);
		ben(g, &hh.m[f], BEN_DIBAO, st, death - 3);
		die(g, &hh.m[f], death);
		ms_gen_gongan(g, G(mo), 0, ago(g, 700, 1500));
		expect_p(g, true, 7, &hh.m[c],
		         "father (a registry member) and mother both dead, no orphan benefit");
		return;
	}
	ms_date birth;
	if (hit && v == 1)
		birth = ms_gen_birth_birthday(g->D, minor, 1);
	else if (!hit && v == 0)
		birth = ms_gen_birth_birthday(g->D, minor, 0);
	else
		birth = ms_gen_birth_for_age(g, 4, minor - 3);
	int c = grandchild(g, &hh, birth, &fa, &mo);
	if (!hit && v == 2)
		hh.m[c].mother = NULL; /* only the father's number is known */
	ms_gen_hh_write(g, &hh);
	all_status(g, &hh, CAT_DIBAO);
	gen_member *k = &hh.m[c];
	ms_date fd = ago(g, 600, 1500);
	if (fd <= k->p.birth)
		fd = k->p.birth + 30;
	ms_gen_gongan(g, G(fa), 0, fd);
	if (!hit && v == 1)
		ms_gen_gongan(g, G(mo), 0, g->D + 1);
	else
		ms_gen_gongan(g, G(mo), 0, ago(g, 100, 500));
	if (hit) {
		expect_p(g, true, 7, k,
		         v == 1 ? "both parents dead, turns 18 tomorrow, no orphan benefit"
		                : "both parents dead, no orphan benefit");
		return;
	}
	switch (v) {
	case 0:
		expect_p(g, false, 7, k, "both parents dead but turned 18 on D");
		break;
	case 1:
		expect_p(g, false, 7, k, "mother's death dated D+1");
		break;
	case 2:
		expect_p(g, false, 7, k, "only the father's number given");
		break;
	default: {
		ms_date from = ago(g, 30, 90);
		cat(g, k, CAT_GUER, from, MS_DATE_NONE);
		ben(g, k, BEN_GUER, from, MS_DATE_NONE);
		expect_p(g, false, 7, k, "both parents dead, holds the orphan benefit");
		break;
	}
	}
}

/* A parent in the registry with a severe certificate and the subsidies that
 * go with it (so R02–R04 stay silent). */
static void severe_parent(gen *g, gen_member *m, int kind, int grade)
{
	ms_date is = valid_issue(g);
	cert(g, m, kind, grade, is, ten_years(is));
	cat(g, m, CAT_ZHONGDU_CANJI, is + 20, MS_DATE_NONE);
	ben(g, m, BEN_ZHONGDU_CANJI, is + 20, MS_DATE_NONE);
}

static void r08(gen *g, int v, bool hit)
{
	gen_hh hh;
	gen_ghost *fa = NULL, *mo = NULL;
	int minor = P->minor_age;
	int days = P->confinement_min_days;
	if (hit && (v == 1 || v == 2)) {
		begin(g, &hh, AREA_ANY);
		ms_date kb = ms_gen_birth_for_age(g, 3, minor - 3);
		int m = -1, f = -1;
		char sur[GEN_NAME_MAX];
		if (v == 2) {
			f = add_born(g, &hh, REL_HEAD, kb - gen_range(&g->rng, 25 * 365, 35 * 365),
			             1);
			m = add_born(g, &hh, REL_SPOUSE,
			             kb - gen_range(&g->rng, 23 * 365, 33 * 365), 2);
			ms_gen_surname_of(hh.m[f].p.name, sur);
		} else {
			m = add_born(g, &hh, REL_HEAD, kb - gen_range(&g->rng, 23 * 365, 33 * 365),
			             2);
			fa = ghost_parent(g, &hh, kb, 1, NULL);
			ms_gen_surname_of(fa->name, sur);
		}
		int c = ms_gen_hh_add(g, &hh, REL_CHILD, kb, sex_any(g), sur);
		ms_gen_hh_link(&hh, c, f, m);
		if (v == 1)
			hh.m[c].father = fa;
		ms_gen_hh_write(g, &hh);
		all_status(g, &hh, CAT_BIANYUAN);
		if (v == 1) {
			severe_parent(g, &hh.m[m], K_LIMB, 1);
			ms_gen_sifa(g, G(fa), 1, ago(g, 100, 300), MS_DATE_NONE);
			expect_p(g, true, 8, &hh.m[c],
			         "father in compulsory rehabilitation (no end date), mother "
			         "severely disabled");
		} else {
			severe_parent(g, &hh.m[f], K_VISION, 2);
			if (P->care_mental_grade34)
				severe_parent(g, &hh.m[m], K_MENTAL, 3);
			else
				severe_parent(g, &hh.m[m], K_SPEECH, 1);
			expect_p(g, true, 8, &hh.m[c], "both parents severely disabled, alive");
		}
		return;
	}
	if (!hit && v == 4) { /* a mother with a certificate that is not severe */
		begin(g, &hh, AREA_ANY);
		ms_date kb = ms_gen_birth_for_age(g, 5, minor - 3);
		int m = add_born(g, &hh, REL_HEAD, kb - gen_range(&g->rng, 23 * 365, 33 * 365), 2);
		fa = ghost_parent(g, &hh, kb, 1, NULL);
		char sur[GEN_NAME_MAX];
		ms_gen_surname_of(fa->name, sur);
		int c = ms_gen_hh_add(g, &hh, REL_CHILD, kb, sex_any(g), sur);
		ms_gen_hh_link(&hh, c, -1, m);
		hh.m[c].father = fa;
		ms_gen_hh_write(g, &hh);
		all_status(g, &hh, CAT_BIANYUAN);
		ms_date is = valid_issue(g);
		cert(g, &hh.m[m], K_LIMB, 3, is, ten_years(is));
		ms_gen_gongan(g, G(fa), 0, ago(g, 300, 1500));
		expect_p(g, false, 8, &hh.m[c], "father dead, mother's grade 3 肢体 is not severe");
		return;
	}
	int c = grandchild(g, &hh, ms_gen_birth_for_age(g, 3, minor - 3), &fa, &mo);
	ms_gen_hh_write(g, &hh);
	all_status(g, &hh, CAT_DIBAO);
	gen_member *k = &hh.m[c];
	ms_date fd = ago(g, 300, 1500);
	if (fd <= k->p.birth)
		fd = k->p.birth + 30;
	ms_gen_gongan(g, G(fa), 0, fd);
	ms_date start = ago(g, 50, 120);
	if (hit && v == 0) {
		ms_gen_sifa(g, G(mo), 0, start, start + days);
		expect_p(g, true, 8, k,
		         "father dead, mother imprisoned for exactly the minimum length");
	} else if (hit) {
		ms_gen_sifa(g, G(mo), 0, start, MS_DATE_NONE);
		expect_p(g, true, 8, k, "father dead, mother imprisoned with no planned end");
	} else if (v == 0) {
		ms_gen_sifa(g, G(mo), 0, start, start + days - 1);
		expect_p(g, false, 8, k,
		         "father dead, mother imprisoned one day short of the minimum");
	} else if (v == 1) {
		ms_gen_sifa(g, G(mo), 2, start, start + 800);
		expect_p(g, false, 8, k, "father dead, mother in 社区矫正");
	} else if (v == 2) {
		ms_gen_sifa(g, G(mo), 0, g->D - 400, g->D - 1);
		expect_p(g, false, 8, k, "father dead, mother's imprisonment ended D-1");
	} else {
		ms_gen_sifa(g, G(mo), 0, start, start + 2000);
		ms_date from = start + 20;
		cat(g, k, CAT_SHISHI, from, MS_DATE_NONE);
		ben(g, k, BEN_SHISHI, from, MS_DATE_NONE);
		expect_p(g, false, 8, k, "both parents unable, holds the de-facto-orphan benefit");
	}
}

/* ---- R09–R11 assets of low-income households ---- */

/* A household of n at status c (-1: the member of index dead holds an ended 低保). */
static void asset_hh(gen *g, gen_hh *hh, int n, int c, gen_area_pick where)
{
	begin(g, hh, where);
	add(g, hh, REL_HEAD, c == CAT_TEKUN ? 60 : 35, c == CAT_TEKUN ? 75 : 60,
	    c == CAT_TEKUN ? sex_any(g) : 1);
	if (n >= 2)
		add(g, hh, REL_SPOUSE, 33, 60, 2);
	if (n >= 3)
		add(g, hh, REL_PARENT, 62, 75, 1);
	ms_gen_hh_write(g, hh);
}

static const char *city4_of(const gen *g, const gen_hh *hh, char out[5])
{
	memcpy(out, ms_gen_hh_area(g, hh), 4);
	out[4] = '\0';
	return out;
}

/* the last member dies (its status ended first); returns it */
static gen_member *dead_member(gen *g, gen_hh *hh)
{
	gen_member *d = &hh->m[hh->n - 1];
	ms_date death = ago(g, 40, 200);
	ms_date st = death - gen_range(&g->rng, 300, 1200);
	cat(g, d, CAT_DIBAO, st, death - 2);
	ben(g, d, BEN_DIBAO, st, death - 2);
	die(g, d, death);
	return d;
}

static void r09(gen *g, int v, bool hit)
{
	gen_hh hh;
	const gen_list *car = &P->vehicle_types;
	int c = CAT_DIBAO, n = 2;
	if (hit && v == 1)
		c = CAT_BIANYUAN;
	if (hit && v == 2)
		c = CAT_TEKUN, n = 1;
	if (!hit && v == 2)
		c = CAT_ZHICHU;
	if (!hit && v == 3)
		n = 3;
	asset_hh(g, &hh, n, c, AREA_ANY);
	char c4[5];
	city4_of(g, &hh, c4);
	for (int i = 0; i < (!hit && v == 3 ? 2 : hh.n); i++)
		status(g, &hh.m[i], c, MS_DATE_NONE);
	ms_date reg = ago(g, 200, 1500);
	if (hit) {
		gen_member *o = &hh.m[hh.n - 1];
		ms_gen_jiaoguan(g, S(o), car->v[v % car->n], reg, v == 1 ? g->D : MS_DATE_NONE, c4);
		expect_h(g, true, 9, &hh,
		         v == 1   ? "低保边缘, a non-exempt vehicle deregistered exactly on D"
		         : v == 2 ? "特困, a non-exempt vehicle"
		                  : "低保, a non-exempt vehicle");
		return;
	}
	gen_member *o = &hh.m[0];
	switch (v) {
	case 0:
		ms_gen_jiaoguan(g, S(o), P->exempt_vehicles.v[0], reg, MS_DATE_NONE, c4);
		expect_h(g, false, 9, &hh, "低保 with an exempt vehicle type");
		break;
	case 1:
		ms_gen_jiaoguan(g, S(o), car->v[0], reg, g->D - 1, c4);
		expect_h(g, false, 9, &hh, "低保, the vehicle deregistered D-1");
		break;
	case 2:
		ms_gen_jiaoguan(g, S(o), car->v[0], reg, MS_DATE_NONE, c4);
		expect_h(g, false, 9, &hh, "支出型 only, not a status of R09");
		break;
	case 3: {
		gen_member *d = dead_member(g, &hh);
		ms_gen_jiaoguan(g, S(d), car->v[0], reg, MS_DATE_NONE, c4);
		expect_h(g, false, 9, &hh, "低保, the vehicle belongs to a dead member");
		break;
	}
	default:
		ms_gen_jiaoguan(g, S(o), car->v[0], g->D + 1, MS_DATE_NONE, c4);
		expect_h(g, false, 9, &hh, "低保, the vehicle registered D+1");
		break;
	}
}

enum { ROLE_LEGAL, ROLE_SHARE, ROLE_SOLE };

static void r10(gen *g, int v, bool hit)
{
	gen_hh hh;
	int c = (hit && v == 1) ? CAT_BIANYUAN : (!hit && v == 2) ? CAT_ZHICHU : CAT_DIBAO;
	asset_hh(g, &hh, 2, c, AREA_ANY);
	all_status(g, &hh, c);
	gen_member *o = &hh.m[gen_below(&g->rng, 2)];
	ms_date reg = ago(g, 200, 1500);
	if (hit) {
		if (v == 0) {
			ms_gen_shichang(g, S(o), ROLE_SOLE, 1, reg, MS_DATE_NONE, 0);
			expect_h(g, true, 10, &hh, "低保, 个体工商户经营者 with 1 employee");
		} else if (v == 1) {
			ms_gen_shichang(g, S(o), ROLE_SHARE, 0, reg, MS_DATE_NONE, 0);
			expect_h(g, true, 10, &hh, "低保边缘, 股东 with 0 employees");
		} else {
			ms_gen_shichang(g, S(o), ROLE_LEGAL, 3, reg, g->D, 0);
			expect_h(g, true, 10, &hh, "低保, 法定代表人 deregistered exactly on D");
		}
		return;
	}
	if (v == 0) {
		ms_gen_shichang(g, S(o), ROLE_SOLE, 0, reg, MS_DATE_NONE, 0);
		expect_h(g, false, 10, &hh, "低保, 个体工商户经营者 with 0 employees");
	} else if (v == 1) {
		ms_gen_shichang(g, S(o), ROLE_LEGAL, 2, reg, g->D - 1, 0);
		expect_h(g, false, 10, &hh, "低保, 法定代表人 deregistered D-1");
	} else {
		ms_gen_shichang(g, S(o), ROLE_LEGAL, 2, reg, MS_DATE_NONE, 0);
		expect_h(g, false, 10, &hh, "支出型 only, not a status of R10");
	}
}

static void r11(gen *g, int v, bool hit)
{
	gen_hh hh;
	int homes = P->max_homes;
	int other = P->prop_types.n - 2 > 0 ? P->prop_types.n - 2 : 1; /* a parking space */
	int c = (hit && v == 1) ? CAT_BIANYUAN : (!hit && v == 2) ? CAT_TEKUN : CAT_DIBAO;
	int n = c == CAT_TEKUN ? 1 : (!hit && v == 3) ? 3 : 2;
	asset_hh(g, &hh, n, c, AREA_ANY);
	for (int i = 0; i < (!hit && v == 3 ? 2 : hh.n); i++)
		status(g, &hh.m[i], c, MS_DATE_NONE);
	/* homes registered on distinct days: the key is number + type + date */
	ms_date reg = ago(g, 2000, 3000);
	for (int i = 0; i < homes; i++)
		ms_gen_budongchan(g, S(&hh.m[0]), 0, reg + i * 37, MS_DATE_NONE);
	if (hit) {
		if (v == 0) {
			ms_gen_budongchan(g, S(&hh.m[1]), 0, ago(g, 100, 1000), MS_DATE_NONE);
			expect_h(g, true, 11, &hh,
			         "低保, two members hold one home more than allowed together");
		} else if (v == 1) {
			ms_gen_budongchan(g, S(&hh.m[1]), other, ago(g, 100, 1000), MS_DATE_NONE);
			expect_h(g, true, 11, &hh,
			         "低保边缘, the allowed homes and a parking space");
		} else {
			ms_gen_budongchan(g, S(&hh.m[0]), 0, ago(g, 100, 1000), MS_DATE_NONE);
			expect_h(g, true, 11, &hh,
			         "低保, one member holds one home more than allowed");
		}
		return;
	}
	switch (v) {
	case 0:
		expect_h(g, false, 11, &hh, "低保, exactly the allowed number of homes");
		break;
	case 1:
		ms_gen_budongchan(g, S(&hh.m[1]), 0, ago(g, 500, 1000), g->D - 1);
		expect_h(g, false, 11, &hh, "低保, the extra home deregistered D-1");
		break;
	case 2:
		ms_gen_budongchan(g, S(&hh.m[0]), 1, ago(g, 100, 1000), MS_DATE_NONE);
		expect_h(g, false, 11, &hh, "特困 with a shop: not a status of R11");
		break;
	default: {
		gen_member *d = dead_member(g, &hh);
		ms_gen_budongchan(g, S(d), 0, ago(g, 300, 1000), MS_DATE_NONE);
		expect_h(g, false, 11, &hh, "低保, the extra home belongs to a dead member");
		break;
	}
	}
}

/* ---- R12 低保家庭收入超标 ---- */

/* Income facts of total fen: the head's pension and the others' latest
 * contribution bases in the window (with an older, larger month before). */
static void income(gen *g, gen_hh *hh, int living, ms_money total)
{
	ms_money pension = total / living / 100 * 100;
	if (pension < 10000)
		pension = total;
	gen_member *h = &hh->m[0];
	ms_gen_yanglao(g, S(h), ago(g, 400, 2000), MS_DATE_NONE, pension, false);
	ms_money left = total - pension;
	int workers = living - 1;
	for (int i = 1; i <= workers; i++) {
		gen_member *w = &hh->m[i];
		ms_money base = i == workers ? left : left / workers;
		left -= base;
		if (base <= 0)
			continue;
		ms_month last =
		    g->M - (ms_month)(i == 1 ? 0 : gen_below(&g->rng, (uint32_t)P->income_months));
		if (P->income_months > 1)
			ms_gen_jiaofei(g, S(w), last - 1,
			               base + 500000); /* earlier, larger: not the latest */
		ms_gen_jiaofei(g, S(w), last, base);
	}
}

static void r12(gen *g, int v, bool hit)
{
	gen_hh hh;
	gen_area_pick where = AREA_PROVINCE;
	if ((hit && v == 1) || (!hit && (v == 1 || v == 2)))
		where = AREA_GZ;
	else if (hit && v == 2)
		where = AREA_SZ;
	int n = (hit && v == 2) || (!hit && v == 4) ? 3 : 2;
	begin(g, &hh, where);
	add(g, &hh, REL_HEAD, 60, 72, 1);
	add(g, &hh, REL_SPOUSE, 45, 58, 2);
	if (n == 3 && hit)
		add(g, &hh, REL_CHILD, 22, 30, sex_any(g));
	else if (n == 3) /* the member who will have died */
		add(g, &hh, REL_PARENT, 78, 90, 1);
	ms_gen_hh_write(g, &hh);
	ms_money std = ms_gen_std_at(g, &hh);
	if (!hit && v == 4) { /* a dead member whose pension still runs */
		status(g, &hh.m[0], CAT_DIBAO, MS_DATE_NONE);
		status(g, &hh.m[1], CAT_DIBAO, MS_DATE_NONE);
		gen_member *d = dead_member(g, &hh);
		ms_gen_yanglao(g, S(d), ago(g, 900, 2000), MS_DATE_NONE, std, false);
		income(g, &hh, 2, 2 * std - 5000);
		expect_h(g, false, 12, &hh,
		         "income under the standard unless a dead member's pension is counted");
		return;
	}
	all_status(g, &hh, CAT_DIBAO);
	if (hit) {
		income(g, &hh, n, std * n + 1);
		expect_h(g, true, 12, &hh,
		         v == 1   ? "广州: income one fen above 广州's standard × members"
		         : v == 2 ? "深圳: income one fen above 深圳's standard × members"
		                  : "income one fen above the standard × members");
		return;
	}
	switch (v) {
	case 0:
		income(g, &hh, 2, std * 2);
		expect_h(g, false, 12, &hh, "income exactly the standard × members");
		break;
	case 1:
		income(g, &hh, 2, std * 2);
		expect_h(g, false, 12, &hh, "广州: income exactly 广州's standard × members");
		break;
	case 2: {
		ms_money prov = 0;
		ms_gen_param(&P->dibao_std, "", g->D, &prov);
		ms_money t = prov < std ? prov + std : 2 * std;
		income(g, &hh, 2, t);
		expect_h(g, false, 12, &hh, "广州: above the province standard, below 广州's");
		break;
	}
	default: {
		/* a large base in the month before the window does not count */
		income(g, &hh, 1, 2 * std - 10000);
		ms_gen_jiaofei(g, S(&hh.m[1]), g->M - P->income_months, 900000);
		expect_h(g, false, 12, &hh, "a large contribution just before the income window");
		break;
	}
	}
}

/* ---- R13 受灾紧急救助 ---- */

enum { DMG_COLLAPSED, DMG_SEVERE, DMG_LIGHT, DMG_NONE };

static void r13(gen *g, int v, bool hit)
{
	int w = P->disaster_window_days;
	int dis = (int)gen_below(&g->rng, (uint32_t)P->disasters.n);
	if ((hit && v == 2) || (!hit && v == 3)) {
		gen_ghost gh;
		ms_gen_feed_only_new(g, &gh, NULL);
		if (hit) {
			ms_gen_yingji(g, G(&gh), dis, ago(g, 1, w - 1), DMG_COLLAPSED);
			expect_g(g, true, 13, &gh, "feed-only, house collapsed within the window");
		} else {
			ms_gen_yingji(g, G(&gh), dis, ago(g, 1, w - 1), DMG_NONE);
			expect_g(g, false, 13, &gh, "feed-only, no damage to the house");
		}
		return;
	}
	gen_hh hh;
	begin(g, &hh, AREA_ANY);
	int s = add(g, &hh, REL_HEAD, 30, 70, sex_any(g));
	add(g, &hh, REL_SPOUSE, 30, 70, 2);
	ms_gen_hh_write(g, &hh);
	for (int i = 0; i < hh.n; i++)
		cat(g, &hh.m[i], CAT_KUNJING, ago(g, 200, 900), MS_DATE_NONE);
	gen_member *m = &hh.m[s];
	if (hit && v == 0) {
		ms_gen_yingji(g, S(m), dis, g->D - w, DMG_COLLAPSED);
		expect_p(g, true, 13, m, "house collapsed on the first day of the window (D-29)");
	} else if (hit) {
		ms_gen_yingji(g, S(m), dis, g->D, DMG_SEVERE);
		expect_p(g, true, 13, m, "house badly damaged on D");
	} else if (v == 0) {
		ms_gen_yingji(g, S(m), dis, g->D - w - 1, DMG_SEVERE);
		expect_p(g, false, 13, m, "badly damaged a day before the window (D-30)");
	} else if (v == 1) {
		ms_gen_yingji(g, S(m), dis, ago(g, 1, w - 1), DMG_LIGHT);
		expect_p(g, false, 13, m, "within the window, light damage");
	} else {
		ms_gen_yingji(g, S(m), dis, g->D + 1, DMG_COLLAPSED);
		expect_p(g, false, 13, m, "house collapsed D+1");
	}
}

/* ---- R14 特困人员服刑 ---- */

static void r14(gen *g, int v, bool hit)
{
	gen_hh hh;
	begin(g, &hh, AREA_ANY);
	if (!hit && v == 2) {
		int s = add(g, &hh, REL_HEAD, 40, 55, 1);
		add(g, &hh, REL_PARENT, 65, 75, 2);
		ms_gen_hh_write(g, &hh);
		all_status(g, &hh, CAT_DIBAO);
		ms_gen_sifa(g, S(&hh.m[s]), 0, ago(g, 50, 300), g->D + 700);
		expect_p(g, false, 14, &hh.m[s], "imprisoned, holds 低保 not 特困");
		return;
	}
	int s = add(g, &hh, REL_HEAD, 60, 75, 1);
	ms_gen_hh_write(g, &hh);
	gen_member *m = &hh.m[s];
	status(g, m, CAT_TEKUN, MS_DATE_NONE);
	if (hit && v == 0) {
		ms_gen_sifa(g, S(m), 0, ago(g, 30, 200), g->D + gen_range(&g->rng, 100, 900));
		expect_p(g, true, 14, m, "特困 and imprisoned");
	} else if (hit) {
		ms_gen_sifa(g, S(m), 0, ago(g, 10, 60), MS_DATE_NONE);
		expect_p(g, true, 14, m, "特困 and imprisoned, no planned end");
	} else if (v == 0) {
		ms_gen_sifa(g, S(m), 1, ago(g, 30, 200), g->D + 300);
		expect_p(g, false, 14, m, "特困 in compulsory rehabilitation, not prison");
	} else {
		ms_gen_sifa(g, S(m), 0, g->D - 500, g->D - 1);
		expect_p(g, false, 14, m, "特困, imprisonment ended D-1");
	}
}

/* ---- R15 防返贫对象未纳入 ---- */

static void r15(gen *g, int v, bool hit)
{
	int type = (int)gen_below(&g->rng, (uint32_t)P->monitor_types.n);
	if (hit && v == 2) {
		gen_ghost gh;
		ms_gen_feed_only_new(g, &gh, NULL);
		ms_gen_nongye(g, G(&gh), type, ago(g, 60, 600), MS_DATE_NONE);
		expect_g(g, true, 15, &gh, "feed-only, monitored, no status");
		return;
	}
	gen_hh hh;
	begin(g, &hh, AREA_ANY);
	int s = add(g, &hh, REL_HEAD, 30, 70, 1);
	add(g, &hh, REL_SPOUSE, 30, 70, 2);
	ms_gen_hh_write(g, &hh);
	gen_member *m = &hh.m[s];
	if (hit && v == 3) {
		for (int i = 0; i < hh.n; i++)
			status(g, &hh.m[i], CAT_DIBAO, g->D - 1);
	} else if (!hit && v == 1) {
		all_status(g, &hh, CAT_BIANYUAN);
	} else {
		for (int i = 0; i < hh.n; i++)
			cat(g, &hh.m[i], CAT_TUOPIN, ago(g, 300, 1500), MS_DATE_NONE);
	}
	ms_date in = ago(g, 60, 600);
	if (hit) {
		static const char *const notes[] = {"monitored, no low-income status",
		                                    "monitoring ends exactly on D", "",
		                                    "monitored, 低保 ended D-1"};
		ms_gen_nongye(g, S(m), type, in, v == 1 ? g->D : MS_DATE_NONE);
		expect_p(g, true, 15, m, notes[v]);
		return;
	}
	if (v == 0) {
		ms_gen_nongye(g, S(m), type, in, g->D - 1);
		expect_p(g, false, 15, m, "monitoring ended D-1");
	} else if (v == 1) {
		ms_gen_nongye(g, S(m), type, in, MS_DATE_NONE);
		expect_p(g, false, 15, m, "monitored, holds 低保边缘");
	} else {
		ms_gen_nongye(g, S(m), type, g->D + 1, MS_DATE_NONE);
		expect_p(g, false, 15, m, "monitoring starts D+1");
	}
}

/* ---- R16 特困与孤儿重复 ---- */

static void r16(gen *g, int v, bool hit)
{
	gen_hh hh;
	begin(g, &hh, AREA_ANY);
	int gp = add(g, &hh, REL_HEAD, 58, 75, 2);
	int c = add(g, &hh, REL_GRANDCHILD, 6, P->minor_age - 3, sex_any(g));
	ms_gen_hh_write(g, &hh);
	status(g, &hh.m[gp], CAT_DIBAO, MS_DATE_NONE);
	gen_member *k = &hh.m[c];
	ms_date from = ago(g, 100, 900);
	if (from <= k->p.birth)
		from = k->p.birth + 30;
	bool tekun_ends = !hit && v == 1;
	cat(g, k, CAT_TEKUN, from, tekun_ends ? g->D - 1 : MS_DATE_NONE);
	ben(g, k, BEN_TEKUN, from, tekun_ends ? g->D - 1 : MS_DATE_NONE);
	ms_date orphan_end =
	    hit ? (v == 1 ? g->D : MS_DATE_NONE) : (v == 0 ? g->D - 1 : MS_DATE_NONE);
	cat(g, k, CAT_GUER, from + 10, MS_DATE_NONE);
	ben(g, k, BEN_GUER, from + 10, orphan_end);
	if (hit)
		expect_p(g, true, 16, k,
		         v == 1 ? "特困 and the orphan benefit ending exactly on D"
		                : "特困 and the orphan benefit");
	else
		expect_p(g, false, 16, k, v == 0 ? "orphan benefit ended D-1" : "特困 ended D-1");
}

/* ---- R17 失业收入下降 ---- */

static void r17(gen *g, int v, bool hit)
{
	gen_hh hh;
	int c = (hit && v == 1) ? CAT_ZHICHU : (!hit && v == 1) ? CAT_DIBAO : CAT_BIANYUAN;
	begin(g, &hh, AREA_ANY);
	int s = add(g, &hh, REL_HEAD, 30, 50, sex_any(g));
	add(g, &hh, REL_PARENT, 60, 75, 2);
	ms_gen_hh_write(g, &hh);
	bool ended = !hit && v == 2;
	for (int i = 0; i < hh.n; i++)
		status(g, &hh.m[i], c, ended ? g->D - 1 : MS_DATE_NONE);
	gen_member *m = &hh.m[s];
	ms_date reg = ago(g, 30, 300);
	if (hit) {
		ms_gen_shiye(g, S(m), reg, v == 1 ? g->D : MS_DATE_NONE);
		expect_p(g, true, 17, m,
		         v == 1 ? "支出型, unemployment registration ending exactly on D"
		                : "低保边缘, registered unemployed");
		return;
	}
	if (v == 0) {
		ms_gen_shiye(g, S(m), reg, g->D - 1);
		expect_p(g, false, 17, m, "低保边缘, registration ended D-1");
	} else if (v == 1) {
		ms_gen_shiye(g, S(m), reg, MS_DATE_NONE);
		expect_p(g, false, 17, m, "registered unemployed but holds 低保");
	} else {
		ms_gen_shiye(g, S(m), reg, MS_DATE_NONE);
		expect_p(g, false, 17, m, "registered unemployed, 低保边缘 ended D-1");
	}
}

/* ---- R18 高龄独居 ---- */

static void r18(gen *g, int v, bool hit)
{
	gen_hh hh;
	int old = P->elderly_age;
	begin(g, &hh, AREA_ANY);
	if ((hit && v == 2) || (!hit && v == 2)) {
		int s = add(g, &hh, REL_HEAD, old + 2, old + 8, 2);
		add(g, &hh, REL_SPOUSE, old + 2, old + 8, 1);
		ms_gen_hh_write(g, &hh);
		status(g, &hh.m[s], CAT_DIBAO, MS_DATE_NONE);
		gen_member *sp = &hh.m[1];
		if (hit) {
			ms_date death = ago(g, 60, 400);
			ms_date st = death - gen_range(&g->rng, 300, 1200);
			cat(g, sp, CAT_DIBAO, st, death - 1);
			ben(g, sp, BEN_DIBAO, st, death - 1);
			die(g, sp, death);
			expect_p(g, true, 18, &hh.m[s],
			         "aged, 低保, the spouse died: one living member");
		} else {
			status(g, sp, CAT_DIBAO, MS_DATE_NONE);
			ms_gen_gongan(g, S(sp), 0, g->D + 1);
			expect_p(g, false, 18, &hh.m[s],
			         "aged, 低保, the spouse's death dated D+1");
		}
		return;
	}
	ms_date birth;
	if (hit && v == 1)
		birth = ms_gen_birth_birthday(g->D, old, 0);
	else if (!hit && v == 0)
		birth = ms_gen_birth_birthday(g->D, old, 1);
	else
		birth = ms_gen_birth_for_age(g, old + 3, old + 12);
	int s = add_born(g, &hh, REL_HEAD, birth, sex_any(g));
	ms_gen_hh_write(g, &hh);
	gen_member *m = &hh.m[s];
	if (hit && v == 0) {
		status(g, m, CAT_TEKUN, MS_DATE_NONE);
		expect_p(g, true, 18, m, "aged 特困 living alone");
	} else if (hit) {
		status(g, m, CAT_DIBAO, MS_DATE_NONE);
		expect_p(g, true, 18, m, "低保 living alone, reaches the age on D");
	} else if (v == 0) {
		status(g, m, CAT_DIBAO, MS_DATE_NONE);
		expect_p(g, false, 18, m, "低保 living alone, reaches the age D+1");
	} else {
		cat(g, m, CAT_KUNJING, ago(g, 300, 1500), MS_DATE_NONE);
		expect_p(g, false, 18, m, "aged and alone but not low-income");
	}
}

/* ---- the catalogue ---- */

typedef void (*plant_fn)(gen *g, int v, bool hit);

typedef struct rule_plants {
	plant_fn fn;
	uint8_t hits, misses;                  /* variants */
	uint8_t hit_people[8], miss_people[8]; /* registry persons per variant */
} rule_plants;

static const rule_plants catalogue[MS_GEN_RULES] = {
    {r01, 3, 3, {3, 1, 2}, {2, 3, 2}},
    {r02, 4, 4, {2, 2, 2, 2}, {2, 2, 2, 2}},
    {r03, 2, 3, {2, 2}, {2, 2, 2}},
    {r04, 3, 3, {2, 2, 2}, {2, 2, 2}},
    {r05, 6, 6, {2, 2, 2, 0, 0, 2}, {2, 2, 2, 2, 2, 0}},
    {r06, 3, 4, {3, 3, 3}, {3, 3, 3, 3}},
    {r07, 3, 4, {2, 2, 3}, {2, 2, 2, 2}},
    {r08, 4, 5, {2, 2, 3, 2}, {2, 2, 2, 2, 2}},
    {r09, 3, 5, {2, 2, 1}, {2, 2, 2, 3, 2}},
    {r10, 3, 3, {2, 2, 2}, {2, 2, 2}},
    {r11, 3, 4, {2, 2, 2}, {2, 2, 1, 3}},
    {r12, 3, 5, {2, 2, 3}, {2, 2, 2, 2, 3}},
    {r13, 3, 4, {2, 2, 0}, {2, 2, 2, 0}},
    {r14, 2, 3, {1, 1}, {1, 1, 2}},
    {r15, 4, 3, {2, 2, 0, 2}, {2, 2, 2}},
    {r16, 2, 2, {2, 2}, {2, 2}},
    {r17, 2, 3, {2, 2}, {2, 2, 2}},
    {r18, 3, 3, {1, 1, 2}, {1, 1, 2}},
};

static size_t count_for(gen *g, double per_100k, int variants)
{
	double want = per_100k * (double)g->opt->people / 100000.0 + 0.5;
	size_t n = want > 1e9 ? 1000000000 : (size_t)want;
	if (n < (size_t)P->plant_min)
		n = (size_t)P->plant_min;
	if (n < (size_t)variants)
		n = (size_t)variants;
	return n;
}

size_t ms_gen_plan_count(gen *g)
{
	size_t n = 0;
	for (int r = 0; r < MS_GEN_RULES; r++)
		n += count_for(g, P->hits_per_100k[r], catalogue[r].hits) +
		     count_for(g, P->near_per_100k[r], catalogue[r].misses);
	return n;
}

size_t ms_gen_plan_cases(gen *g, gen_case *cases, size_t cap)
{
	size_t n = 0;
	for (int r = 0; r < MS_GEN_RULES; r++) {
		const rule_plants *rp = &catalogue[r];
		size_t h = count_for(g, P->hits_per_100k[r], rp->hits);
		size_t m = count_for(g, P->near_per_100k[r], rp->misses);
		for (size_t i = 0; i < h && n < cap; i++)
			cases[n++] = (gen_case){(uint8_t)(r + 1), true, (uint8_t)(i % rp->hits),
			                        rp->hit_people[i % rp->hits]};
		for (size_t i = 0; i < m && n < cap; i++)
			cases[n++] = (gen_case){(uint8_t)(r + 1), false, (uint8_t)(i % rp->misses),
			                        rp->miss_people[i % rp->misses]};
	}
	/* spread the rules over the province */
	for (size_t i = n; i > 1; i--) {
		size_t j = gen_below(&g->rng, (uint32_t)i);
		gen_case t = cases[i - 1];
		cases[i - 1] = cases[j];
		cases[j] = t;
	}
	return n;
}

void ms_gen_plant(gen *g, const gen_case *c)
{
	uint64_t before = g->people;
	catalogue[c->rule - 1].fn(g, c->variant, c->hit);
	if (!g->rc && g->people - before != c->people)
		ms_gen_fail(g, MS_ERR_INTERNAL, "R%02d %s %d: %llu persons planted, %u expected",
		            c->rule, c->hit ? "hit" : "miss", c->variant,
		            (unsigned long long)(g->people - before), c->people);
}
