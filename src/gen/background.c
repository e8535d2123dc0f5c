/* background.c — the households that make up almost all of the province and
 * must raise no alert: their categories, benefits and department facts are
 * drawn at the profile's shares and volumes, each under the invariant that
 * keeps its rule silent (the list is in plant.c). */
#include "gen/internal.h"

#include <math.h>
#include <string.h>

enum { REL_HEAD, REL_SPOUSE, REL_CHILD, REL_PARENT, REL_GRANDCHILD, REL_SIBLING, REL_OTHER };

static ms_date ago(gen *g, int lo, int hi)
{
	return g->D - gen_range(&g->rng, lo, hi);
}

static int pick_weighted(gen *g, const double *w, int n)
{
	double sum = 0;
	for (int i = 0; i < n; i++)
		sum += w[i];
	double u = gen_unit(&g->rng) * sum;
	for (int i = 0; i < n; i++) {
		if (u < w[i])
			return i;
		u -= w[i];
	}
	return n - 1;
}

static bool low_income_type(int type)
{
	return type <= HT_ZHICHU;
}

static int other_sex(int sex)
{
	return sex == 1 ? 2 : 1;
}

static ms_date years_after(ms_date d, int years)
{
	return d + years * 365 + years / 4;
}

/* ---- who the household is ---- */

/* Adds minors or young adults as children of father/mother (member indexes or
 * -1) with parent numbers fa/mo; ages up to max_age. */
static void add_kids(gen *g, gen_hh *hh, int rel, int nkids, int min_age, int max_age, int father,
                     int mother, const gen_ghost *fa, const gen_ghost *mo, const char *surname,
                     int max_people)
{
	for (int k = 0; k < nkids && hh->n < max_people; k++) {
		int sex = gen_chance(&g->rng, 0.52) ? 1 : 2;
		int i = ms_gen_hh_add(g, hh, rel, ms_gen_birth_for_age(g, min_age, max_age), sex,
		                      surname);
		ms_gen_hh_link(hh, i, father, mother);
		if (father < 0)
			hh->m[i].father = fa;
		if (mother < 0)
			hh->m[i].mother = mo;
	}
}

static gen_ghost *add_ghost(gen *g, gen_hh *hh, ms_date child_birth, int sex, const char *surname)
{
	gen_ghost *gh = &hh->ghost[hh->nghost++];
	ms_date birth = child_birth - gen_range(&g->rng, 21 * 365, 38 * 365);
	char c6[7];
	ms_gen_county_for(g, ms_gen_hh_area(g, hh), birth, c6);
	ms_gen_ghost_new(g, gh, birth, sex, surname, c6);
	gh->unavail = false;
	return gh;
}

/* The composition, with ages that keep R18 silent: a low-income person
 * living alone is younger than elderly_age. */
static void compose(gen *g, gen_hh *hh, int type, int comp, int max_people, int *special)
{
	const gen_profile *p = &g->prof;
	bool low = low_income_type(type);
	int old_max = low ? p->elderly_age - 1 : 95;
	int sex = gen_chance(&g->rng, 0.6) ? 1 : 2;
	char sur[GEN_NAME_MAX];
	*special = 0;
	switch (comp) {
	case COMP_SINGLE_ELDERLY:
		ms_gen_hh_add(g, hh, REL_HEAD, ms_gen_birth_for_age(g, 60, old_max), sex, NULL);
		return;
	case COMP_SINGLE_ADULT:
		ms_gen_hh_add(g, hh, REL_HEAD, ms_gen_birth_for_age(g, 18, 59), sex, NULL);
		return;
	case COMP_ELDERLY_COUPLE: {
		int h = ms_gen_hh_add(g, hh, REL_HEAD, ms_gen_birth_for_age(g, 60, 92), 1, NULL);
		int age = hh->m[h].age + gen_range(&g->rng, -5, 3);
		if (hh->n < max_people)
			ms_gen_hh_add(
			    g, hh, REL_SPOUSE,
			    ms_gen_birth_for_age(g, age < 58 ? 58 : age, age < 58 ? 58 : age), 2,
			    NULL);
		return;
	}
	case COMP_COUPLE_KIDS: {
		int f = ms_gen_hh_add(g, hh, REL_HEAD, ms_gen_birth_for_age(g, 26, 55), 1, NULL);
		int fa = hh->m[f].age;
		int ma = fa + gen_range(&g->rng, -4, 2);
		ma = ma < 23 ? 23 : ma;
		int m = hh->n < max_people ? ms_gen_hh_add(g, hh, REL_SPOUSE,
		                                           ms_gen_birth_for_age(g, ma, ma), 2, NULL)
		                           : -1;
		int young = m >= 0 && hh->m[m].age < fa ? hh->m[m].age : fa;
		int kmax = young - 21 < 24 ? young - 21 : 24;
		ms_gen_surname_of(hh->m[f].p.name, sur);
		add_kids(g, hh, REL_CHILD, gen_range(&g->rng, 1, 3), 0, kmax < 0 ? 0 : kmax, f, m,
		         NULL, NULL, sur, max_people);
		return;
	}
	case COMP_SINGLE_PARENT: {
		int psex = gen_chance(&g->rng, 0.7) ? 2 : 1;
		int pi =
		    ms_gen_hh_add(g, hh, REL_HEAD, ms_gen_birth_for_age(g, 24, 55), psex, NULL);
		int kmax = hh->m[pi].age - 21 < 22 ? hh->m[pi].age - 21 : 22;
		ms_date kb = g->D - (kmax > 0 ? kmax : 1) * 365;
		/* the other parent: outside the registry alive, unknown, or dead */
		double u = gen_unit(&g->rng);
		gen_ghost *other = NULL;
		if (u < 0.85) {
			ms_gen_surname_of(hh->m[pi].p.name, sur);
			other = add_ghost(g, hh, kb, other_sex(psex), NULL);
			if (u >= 0.65) {
				other->unavail =
				    true; /* dead: written with the household's facts */
				*special = 3;
			}
		}
		if (psex == 1) {
			ms_gen_surname_of(hh->m[pi].p.name, sur);
			add_kids(g, hh, REL_CHILD, gen_range(&g->rng, 1, 3), 0, kmax < 0 ? 0 : kmax,
			         pi, -1, NULL, other, sur, max_people);
		} else {
			if (other)
				ms_gen_surname_of(other->name, sur);
			else
				ms_gen_surname_of(hh->m[pi].p.name, sur);
			add_kids(g, hh, REL_CHILD, gen_range(&g->rng, 1, 3), 0, kmax < 0 ? 0 : kmax,
			         -1, pi, other, NULL, sur, max_people);
		}
		return;
	}
	case COMP_THREE_GEN:
		if (gen_chance(&g->rng, 0.5)) {
			/* the middle generation heads the household: parents, spouse, children */
			int h = ms_gen_hh_add(g, hh, REL_HEAD, ms_gen_birth_for_age(g, 30, 55), 1,
			                      NULL);
			int ha = hh->m[h].age;
			int w = -1;
			if (gen_chance(&g->rng, 0.8) && hh->n < max_people)
				w = ms_gen_hh_add(
				    g, hh, REL_SPOUSE,
				    ms_gen_birth_for_age(g, ha - 4 < 25 ? 25 : ha - 4, ha + 2), 2,
				    NULL);
			ms_gen_surname_of(hh->m[h].p.name, sur);
			int pa = ha + gen_range(&g->rng, 24, 34);
			pa = pa > 95 ? 95 : pa;
			int gf = -1, gm = -1;
			if (gen_chance(&g->rng, 0.6) && hh->n < max_people)
				gf = ms_gen_hh_add(g, hh, REL_PARENT,
				                   ms_gen_birth_for_age(g, pa, pa), 1, sur);
			if ((gf < 0 || gen_chance(&g->rng, 0.6)) && hh->n < max_people)
				gm = ms_gen_hh_add(
				    g, hh, REL_PARENT,
				    ms_gen_birth_for_age(g, pa - 3 > 50 ? pa - 3 : 50, pa), 2,
				    NULL);
			if (gf >= 0)
				hh->m[h].father = &hh->m[gf].p;
			if (gm >= 0)
				hh->m[h].mother = &hh->m[gm].p;
			int young = w >= 0 && hh->m[w].age < ha ? hh->m[w].age : ha;
			int kmax = young - 21 < 24 ? young - 21 : 24;
			if (kmax >= 0)
				add_kids(g, hh, REL_CHILD, gen_range(&g->rng, 1, 2), 0, kmax, h, w,
				         NULL, NULL, sur, max_people);
			return;
		} else {
			int h = ms_gen_hh_add(g, hh, REL_HEAD, ms_gen_birth_for_age(g, 58, 88), 1,
			                      NULL);
			int w = -1;
			if (gen_chance(&g->rng, 0.7) && hh->n < max_people) {
				int age = hh->m[h].age + gen_range(&g->rng, -5, 2);
				w = ms_gen_hh_add(g, hh, REL_SPOUSE,
				                  ms_gen_birth_for_age(g, age, age), 2, NULL);
			}
			if (hh->n >= max_people)
				return;
			int ha = hh->m[h].age;
			int ca = ha - gen_range(&g->rng, 24, 34);
			ca = ca < 20 ? 20 : ca;
			ms_gen_surname_of(hh->m[h].p.name, sur);
			int c = ms_gen_hh_add(g, hh, REL_CHILD, ms_gen_birth_for_age(g, ca, ca), 1,
			                      sur);
			ms_gen_hh_link(hh, c, h, w);
			int cw = -1;
			if (gen_chance(&g->rng, 0.75) && hh->n < max_people)
				cw = ms_gen_hh_add(
				    g, hh, REL_OTHER,
				    ms_gen_birth_for_age(g, ca - 2 < 20 ? 20 : ca - 2, ca + 1), 2,
				    NULL);
			gen_ghost *mo = NULL;
			int kmax = hh->m[c].age - 21 < 20 ? hh->m[c].age - 21 : 20;
			if (kmax < 0)
				return;
			if (cw < 0 && gen_chance(&g->rng, 0.6))
				mo = add_ghost(g, hh, g->D - kmax * 365, 2, NULL);
			add_kids(g, hh, REL_GRANDCHILD, gen_range(&g->rng, 1, 2), 0, kmax, c, cw,
			         NULL, mo, sur, max_people);
			return;
		}
	case COMP_SKIP_GEN:
	default: {
		int h = ms_gen_hh_add(g, hh, REL_HEAD, ms_gen_birth_for_age(g, 55, 85), sex, NULL);
		if (gen_chance(&g->rng, 0.5) && hh->n < max_people) {
			int age = hh->m[h].age + gen_range(&g->rng, -4, 4);
			ms_gen_hh_add(g, hh, REL_SPOUSE, ms_gen_birth_for_age(g, age, age),
			              other_sex(sex), NULL);
		}
		/* the children's parents work elsewhere (or are dead, or confined) */
		ms_date kb = g->D - 10 * 365;
		gen_ghost *fa = add_ghost(g, hh, kb, 1, NULL);
		ms_gen_surname_of(fa->name, sur);
		gen_ghost *mo = add_ghost(g, hh, kb, 2, NULL);
		double u = gen_unit(&g->rng);
		if (u < p->orphan_share) {
			*special = 1;
			fa->unavail = mo->unavail = true;
		} else if (u < p->orphan_share + p->defacto_share) {
			*special = 2;
			fa->unavail = mo->unavail = true;
		}
		add_kids(g, hh, REL_GRANDCHILD, gen_range(&g->rng, 1, 3), 3, 16, -1, -1, fa, mo,
		         sur, max_people);
		return;
	}
	}
}

/* ---- R08: at most one parent of a minor may be unable to care ---- */

static bool parent_unavail(const gen_hh *hh, int idx, const gen_ghost *gh)
{
	if (idx >= 0)
		return hh->m[idx].unavail;
	return gh && gh->unavail;
}

static bool may_be_unavailable(const gen *g, const gen_hh *hh, int i)
{
	for (int c = 0; c < hh->n; c++) {
		const gen_member *k = &hh->m[c];
		if (c == i || k->age >= g->prof.minor_age)
			continue;
		if (k->fidx == i && parent_unavail(hh, k->midx, k->midx < 0 ? k->mother : NULL))
			return false;
		if (k->midx == i && parent_unavail(hh, k->fidx, k->fidx < 0 ? k->father : NULL))
			return false;
	}
	return true;
}

/* ---- disabilities ---- */

typedef struct disability {
	int cls; /* 0 none, 1 mild valid, 2 severe valid, 3 expired only */
	int kind, grade;
	ms_date issue, expiry;
} disability;

static void draw_disability(gen *g, gen_hh *hh, int i, bool force, disability *d)
{
	const gen_profile *p = &g->prof;
	gen_member *m = &hh->m[i];
	double rate = p->disabled_per_1000 / 1000.0 *
	              (m->age >= 60  ? 1.6
	               : m->age < 18 ? 0.35
	                             : 0.8);
	d->cls = 0;
	if (!force && !gen_chance(&g->rng, rate))
		return;
	double u = gen_unit(&g->rng);
	if (!force && u < p->expired_share)
		d->cls = 3;
	else if (gen_chance(&g->rng, p->severe_share) && may_be_unavailable(g, hh, i))
		d->cls = 2;
	else
		d->cls = 1;
	if (d->cls == 2) {
		if (p->care_mental_grade34 && gen_chance(&g->rng, 0.25)) {
			d->kind = gen_chance(&g->rng, 0.5) ? 4 : 5; /* 智力, 精神 */
			d->grade = gen_range(&g->rng, 1, 4);
		} else {
			d->kind = (int)gen_below(&g->rng, 7);
			d->grade = gen_range(&g->rng, 1, 2);
		}
	} else {
		/* grade 3–4 of a kind that is not severe at that grade */
		static const int mild_kinds[] = {0, 1, 2, 3, 3, 3, 6};
		d->kind = mild_kinds[gen_below(&g->rng, 7)];
		if (!p->care_mental_grade34 && gen_chance(&g->rng, 0.1))
			d->kind = 4;
		d->grade = gen_range(&g->rng, 3, 4);
	}
	if (d->cls == 3) {
		/* a certificate that ran out 2–8 years ago and was not renewed */
		d->expiry = ago(g, 700, 2900);
		d->issue = d->expiry - 3652;
		d->grade = gen_range(&g->rng, 1, 4);
	} else {
		d->issue = ago(g, 60, 3300);
		d->expiry = years_after(d->issue, 10);
	}
	if (m->death != MS_DATE_NONE && d->issue > m->death - 100) {
		/* the dead were certified while alive */
		d->issue = m->death - 100 - gen_range(&g->rng, 0, 2000);
		d->expiry = d->cls == 3 ? d->issue + 3652 : years_after(d->issue, 10);
	}
	if (d->issue < m->p.birth + 30) {
		if (d->cls == 3) { /* too young for a certificate that long expired */
			d->cls = 0;
			return;
		}
		d->issue = m->p.birth + 30;
		d->expiry = years_after(d->issue, 10);
	}
	if (d->cls == 2)
		m->unavail = true;
}

/* ---- the household's registry records ---- */

static ms_money amount(gen *g, int ben)
{
	const gen_profile *p = &g->prof;
	ms_money lo = p->ben_min[ben] / 100, hi = p->ben_max[ben] / 100;
	return (ms_money)gen_range(&g->rng, (int)lo, (int)hi) * 100;
}

/* The end of a record for a member: none, or before the member's death. */
static ms_date end_for(const gen_member *m, gen *g)
{
	return m->death == MS_DATE_NONE ? MS_DATE_NONE : m->death - gen_range(&g->rng, 0, 25);
}

static void write_statuses(gen *g, gen_hh *hh)
{
	const gen_profile *p = &g->prof;
	ms_date hstart = ago(g, 90, 3300);
	int cat = -1, ben = -1;
	switch (hh->type) {
	case HT_DIBAO:
		cat = CAT_DIBAO, ben = BEN_DIBAO;
		break;
	case HT_TEKUN:
		cat = CAT_TEKUN, ben = BEN_TEKUN;
		break;
	case HT_BIANYUAN:
		cat = CAT_BIANYUAN;
		break;
	case HT_ZHICHU:
		cat = CAT_ZHICHU;
		break;
	default:
		break;
	}
	ms_date fend = MS_DATE_NONE, fstart = 0;
	int fcat = gen_chance(&g->rng, 0.7) ? CAT_DIBAO : CAT_BIANYUAN;
	if (hh->type == HT_FORMER) {
		fend = ago(g, 30, 700);
		fstart = fend - gen_range(&g->rng, 200, 1500);
		if (fstart < g->D - 3600)
			fstart = g->D - 3600;
	}
	static const int other_cats[] = {CAT_TUOPIN,  CAT_ZHUFANG, CAT_DABING,
	                                 CAT_ZHIGONG, CAT_JIUYE,   CAT_KUNJING};
	bool history = gen_chance(&g->rng, p->history_share) && hstart - 900 > g->D - 3600;
	for (int i = 0; i < hh->n; i++) {
		gen_member *m = &hh->m[i];
		ms_date end = end_for(m, g);
		ms_date start = hstart;
		if (m->p.birth > start)
			start = m->p.birth + gen_range(&g->rng, 30, 200);
		if (start > g->D - 1)
			start = g->D - 1;
		if (end != MS_DATE_NONE && start >= end)
			start = end - gen_range(&g->rng, 60, 600);
		if (cat >= 0) {
			if (history && m->death == MS_DATE_NONE && start == hstart) {
				/* an earlier episode: 低保边缘 before 低保, and so on */
				ms_date hs = start - gen_range(&g->rng, 400, 900);
				ms_gen_category(g, m,
				                cat == CAT_BIANYUAN ? CAT_ZHICHU : CAT_BIANYUAN, hs,
				                start - 1, false);
			}
			ms_gen_category(g, m, cat, start, end, false);
			if (ben >= 0)
				ms_gen_benefit(g, m, ben, start, end, amount(g, ben), false);
			if (m->death == MS_DATE_NONE)
				m->st |= cat == CAT_DIBAO      ? ST_DIBAO
				         : cat == CAT_TEKUN    ? ST_TEKUN
				         : cat == CAT_BIANYUAN ? ST_BIANYUAN
				                               : ST_ZHICHU;
		} else if (hh->type == HT_FORMER) {
			ms_date s = fstart > m->p.birth ? fstart : m->p.birth + 60;
			ms_date e = fend;
			if (m->death != MS_DATE_NONE && e > m->death)
				e = m->death;
			if (e <= s)
				continue;
			ms_gen_category(g, m, fcat, s, e, false);
			if (fcat == CAT_DIBAO)
				ms_gen_benefit(g, m, BEN_DIBAO, s, e, amount(g, BEN_DIBAO), false);
		} else if (i == 0 || gen_chance(&g->rng, 0.4)) {
			/* 困境…留守老人 is added for the aged below */
			int oc = other_cats[gen_below(&g->rng, m->age >= 70 ? 3 : 6)];
			ms_date e = gen_chance(&g->rng, 0.2) ? ago(g, 10, 300) : end;
			if (e != MS_DATE_NONE && e <= start)
				e = start + 1;
			ms_gen_category(g, m, oc, start, e, false);
		}
		if (m->st && m->age >= 6 && m->age < 19 && gen_chance(&g->rng, 0.6))
			ms_gen_category(g, m, CAT_XUESHENG,
			                ago(g, 30, 700) > start ? ago(g, 30, 700) : start,
			                MS_DATE_NONE, false);
		if (m->age >= 70 && m->death == MS_DATE_NONE &&
		    gen_chance(&g->rng, p->extra_cat_share))
			ms_gen_category(g, m, CAT_KUNJING, start, MS_DATE_NONE, false);
		if (gen_chance(&g->rng, p->linshi_share) && m->age >= 18) {
			ms_date d = ago(g, 60, 1500);
			if (m->death == MS_DATE_NONE || d < m->death - 30) {
				ms_gen_category(g, m, CAT_LINSHI, d, d, false);
				ms_gen_benefit(g, m, BEN_LINSHI, d, d, amount(g, BEN_LINSHI),
				               false);
			}
		}
		hh->st |= m->st;
	}
}

/* R02–R04: a valid certificate comes with its subsidies, and a subsidy with
 * a valid certificate; the dead had theirs stopped before they died. */
static void write_disability(gen *g, gen_hh *hh, int i, const disability *d)
{
	gen_member *m = &hh->m[i];
	gen_subj s = {&m->p, true, false};
	if (d->cls == 0)
		return;
	if (d->cls == 3) {
		ms_gen_canlian(g, s, d->kind, d->grade, d->issue, d->expiry);
		return;
	}
	if (gen_chance(&g->rng, 0.3) && d->issue - 3652 > m->p.birth) /* the earlier certificate */
		ms_gen_canlian(g, s, d->kind, d->grade, d->issue - 3652, d->issue - 1);
	ms_gen_canlian(g, s, d->kind, d->grade, d->issue, d->expiry);
	ms_date start = d->issue + gen_range(&g->rng, 10, 120);
	if (start >= g->D)
		start = d->issue;
	ms_date end = end_for(m, g);
	if (end != MS_DATE_NONE && end <= start)
		start = end - 1 > d->issue ? end - 1 : d->issue;
	if (d->cls == 2) {
		ms_gen_category(g, m, CAT_ZHONGDU_CANJI, start, end, false);
		ms_gen_benefit(g, m, BEN_ZHONGDU_CANJI, start, end, amount(g, BEN_ZHONGDU_CANJI),
		               false);
	}
	if (hh->type == HT_DIBAO) {
		ms_gen_category(g, m, CAT_KUNNAN_CANJI, start, end, false);
		ms_gen_benefit(g, m, BEN_KUNNAN_CANJI, start, end, amount(g, BEN_KUNNAN_CANJI),
		               false);
	}
}

/* Orphans hold 孤儿基本生活费, children whose parents are both unable hold
 * 事实无人抚养儿童生活补贴; their parents outside the registry get the facts. */
static void write_children_support(gen *g, gen_hh *hh, int special)
{
	if (special == 0 || hh->nghost < 2)
		return;
	if (special == 3)
		return;
	gen_ghost *fa = &hh->ghost[hh->nghost - 2], *mo = &hh->ghost[hh->nghost - 1];
	ms_date youngest = g->D;
	for (int i = 0; i < hh->n; i++)
		if (hh->m[i].father == fa && hh->m[i].p.birth < youngest)
			youngest = hh->m[i].p.birth;
	ms_date latest = youngest;
	for (int i = 0; i < hh->n; i++)
		if (hh->m[i].father == fa && hh->m[i].p.birth > latest)
			latest = hh->m[i].p.birth;
	ms_date d1 = latest + gen_range(&g->rng, 30,
	                                (int)(g->D - latest - 60 > 31 ? g->D - latest - 60 : 31));
	if (d1 > g->D - 60)
		d1 = g->D - 60;
	ms_gen_gongan(g, (gen_subj){fa, false, false}, 0, d1);
	ms_date d2;
	if (special == 1) {
		d2 = d1 + gen_range(&g->rng, 0, (int)(g->D - 40 - d1 > 0 ? g->D - 40 - d1 : 0));
		ms_gen_gongan(g, (gen_subj){mo, false, false}, 0, d2);
	} else {
		d2 = ago(g, 200, 1500);
		ms_date end =
		    gen_chance(&g->rng, 0.15) ? MS_DATE_NONE : g->D + gen_range(&g->rng, 200, 3000);
		ms_gen_sifa(g, (gen_subj){mo, false, false}, 0, d2, end);
	}
	ms_date from = (d1 > d2 ? d1 : d2) + gen_range(&g->rng, 10, 30);
	if (from > g->D - 1)
		from = g->D - 1;
	for (int i = 0; i < hh->n; i++) {
		gen_member *k = &hh->m[i];
		if (k->father != fa)
			continue;
		int cat = special == 1 ? CAT_GUER : CAT_SHISHI;
		int ben = special == 1 ? BEN_GUER : BEN_SHISHI;
		ms_gen_category(g, k, cat, from, MS_DATE_NONE, false);
		ms_gen_benefit(g, k, ben, from, MS_DATE_NONE, amount(g, ben), false);
	}
}

/* ---- department facts ---- */

static bool living(const gen_member *m)
{
	return m->death == MS_DATE_NONE;
}

/* A date window for a subject's k-th fact of one feed, so keys never repeat. */
static ms_date window(gen *g, int k, int span)
{
	return g->D - k * span - gen_range(&g->rng, 1, span - 1);
}

static void fact_gongan(gen *g, gen_subj s, int k, bool registry)
{
	int ev = registry ? gen_range(&g->rng, 1, 2) : gen_range(&g->rng, 1, 3);
	ms_gen_gongan(g, s, ev, window(g, k, 400));
}

static void fact_sifa(gen *g, gen_hh *hh, int i, gen_subj s, int k)
{
	int type = gen_chance(&g->rng, 0.5) ? 2 : gen_chance(&g->rng, 0.6) ? 0 : 1;
	bool may_be_active = true;
	if (hh && type != 2) {
		gen_member *m = &hh->m[i];
		/* R14: no 特困 person is confined; R08: the one-parent budget */
		may_be_active = k == 0 && !(m->st & ST_TEKUN) && may_be_unavailable(g, hh, i);
		if (may_be_active && gen_chance(&g->rng, 0.5)) {
			m->unavail = true;
		} else {
			may_be_active = false;
		}
	}
	if (may_be_active) {
		ms_date start = ago(g, 30, 900) - k * 1000;
		ms_date end =
		    gen_chance(&g->rng, 0.1) ? MS_DATE_NONE : g->D + gen_range(&g->rng, 60, 2500);
		ms_gen_sifa(g, s, type, start, end);
	} else {
		ms_date start = g->D - 1000 - k * 1000 - gen_range(&g->rng, 0, 900);
		ms_date end = start + gen_range(&g->rng, 90, 800);
		if (end >= g->D)
			end = g->D - 1;
		ms_gen_sifa(g, s, type, start, end);
	}
}

/* R05: a person's out-of-pocket sum stays far below every threshold: at most
 * six settlements of at most 5,000 元. */
static void fact_yibao(gen *g, gen_subj s, const char *county6)
{
	double u = gen_unit(&g->rng);
	ms_money oop = 2000 + (ms_money)(u * u * u * 498000.0);
	ms_gen_yibao(g, s, ago(g, 0, 700), oop, county6);
}

static void fact_shiye(gen *g, gen_subj s, int k, bool must_end)
{
	ms_date start = window(g, k, 700);
	if (start > g->D - 30)
		start = g->D - 30;
	ms_date end;
	if (must_end) { /* R17: a 低保边缘/支出型 person's registration has ended */
		end = start + gen_range(&g->rng, 20, 400);
		if (end >= g->D)
			end = g->D - 1;
	} else {
		end = gen_chance(&g->rng, 0.5) ? MS_DATE_NONE : start + gen_range(&g->rng, 20, 400);
		if (end != MS_DATE_NONE && end > g->D)
			end = MS_DATE_NONE;
	}
	ms_gen_shiye(g, s, start, end);
}

/* R12: in a 低保 household the pensions active at D stay within the budget. */
static void fact_yanglao(gen *g, gen_hh *hh, int i, gen_subj s)
{
	gen_member *m = &hh->m[i];
	ms_date start = years_after(m->p.birth, 60) + gen_range(&g->rng, 0, 400);
	if (start > g->D - 30)
		start = ago(g, 30, 400);
	ms_money fen;
	ms_date end = MS_DATE_NONE;
	bool legacy = gen_chance(&g->rng, g->prof.id_legacy15);
	if (hh->st & ST_DIBAO) {
		fen = (ms_money)gen_range(&g->rng, 150, 450) * 100;
		if (hh->income + fen > hh->budget) {
			ms_money left = hh->budget - hh->income;
			if (left >= 10000)
				fen = left;
			else
				end =
				    ago(g, 10, 300) > start ? ago(g, 10, 300) : start; /* stopped */
		}
		if (end == MS_DATE_NONE)
			hh->income += fen;
	} else {
		fen = gen_chance(&g->rng, 0.7) ? (ms_money)gen_range(&g->rng, 150, 500) * 100
		                               : (ms_money)gen_range(&g->rng, 1500, 4500) * 100;
	}
	ms_gen_yanglao(g, s, start, end, fen, legacy);
}

/* R12: a 低保 member's contributions ended before the months that count. */
static void fact_jiaofei(gen *g, gen_subj s, bool dibao, int k)
{
	int len = gen_range(&g->rng, 2, 8);
	ms_month last = dibao ? g->M - g->prof.income_months - gen_range(&g->rng, 0, 18)
	                      : g->M - gen_range(&g->rng, 0, 8);
	last -= k * 20; /* a subject's k-th run of months never overlaps the others */
	ms_money base = (ms_money)gen_range(&g->rng, 2300, 7000) * 100;
	for (int j = len - 1; j >= 0; j--)
		ms_gen_jiaofei(g, s, last - j, base);
}

/* R06: in a low-income household no child of compulsory-school age has
 * dropping out as its latest record. */
static void fact_jiaoyu(gen *g, gen_hh *hh, int i, gen_subj s, bool low_income)
{
	const gen_profile *p = &g->prof;
	gen_member *m = &hh->m[i];
	char school[160];
	ms_gen_school_name(g, ms_gen_hh_area(g, hh), m->age, school, sizeof school);
	int years = m->age - 5 > 1 ? m->age - 5 : 1;
	ms_date d = ago(g, 200, years * 365 < 600 ? 600 : years * 365);
	if (d < m->p.birth + 5 * 365)
		d = m->p.birth + 5 * 365;
	if (d > g->D - 100)
		d = g->D - 100;
	ms_gen_jiaoyu(g, s, school, 0, d);
	bool school_age = m->age >= p->school_age_min && m->age <= p->school_age_max;
	double u = gen_unit(&g->rng);
	ms_date d2 = d + gen_range(&g->rng, 30, (int)(g->D - d > 60 ? g->D - d - 30 : 31));
	if (d2 >= g->D)
		d2 = g->D - 1;
	if (d2 <= d)
		return;
	if (u < 0.06) {
		ms_gen_jiaoyu(g, s, school, 1, d2); /* dropped out */
		if ((low_income && school_age) || gen_chance(&g->rng, 0.3)) {
			ms_date d3 =
			    d2 + gen_range(&g->rng, 1, (int)(g->D - d2 > 2 ? g->D - d2 - 1 : 1));
			if (d3 > d2 && d3 < g->D)
				ms_gen_jiaoyu(g, s, school, 0, d3); /* and came back */
			else if (low_income && school_age)
				ms_gen_jiaoyu(g, s, school, 0, g->D); /* back on D itself */
		}
	} else if (u < 0.1) {
		ms_gen_jiaoyu(g, s, school, 2, d2); /* 休学 */
	} else if (m->age >= 19 && u < 0.6) {
		ms_gen_jiaoyu(g, s, school, 3, d2); /* 毕业 */
	}
}

/* R11: a 低保/低保边缘 household holds at most max_homes active homes and no
 * other property; earlier ones were sold. */
static void fact_budongchan(gen *g, gen_hh *hh, gen_subj s, int k)
{
	const gen_profile *p = &g->prof;
	ms_date start = window(g, k, 900);
	bool guard = hh && (hh->st & (ST_DIBAO | ST_BIANYUAN));
	int type = gen_chance(&g->rng, 0.75) ? 0 : gen_range(&g->rng, 1, p->prop_types.n - 1);
	ms_date end = MS_DATE_NONE;
	if (guard) {
		if (type == 0 && hh->homes < p->max_homes) {
			hh->homes++;
		} else {
			end = start + gen_range(&g->rng, 30, 800);
			if (end >= g->D)
				end = g->D - 1;
		}
	} else if (gen_chance(&g->rng, 0.15)) {
		end = start + gen_range(&g->rng, 30, 800);
		if (end > g->D)
			end = MS_DATE_NONE;
	}
	if (end != MS_DATE_NONE && end <= start)
		start = end - 1;
	ms_gen_budongchan(g, s, type, start, end);
}

/* R09: a 低保/特困/低保边缘 household has only exempt vehicles; others were
 * deregistered. */
static void fact_jiaoguan(gen *g, gen_hh *hh, gen_subj s, int k, const char *city4)
{
	const gen_profile *p = &g->prof;
	ms_date start = window(g, k, 900);
	bool guard = hh && (hh->st & (ST_DIBAO | ST_TEKUN | ST_BIANYUAN));
	bool exempt = gen_chance(&g->rng, guard ? 0.7 : 0.3);
	const gen_list *types = exempt ? &p->exempt_vehicles : &p->vehicle_types;
	ms_date end = MS_DATE_NONE;
	if (guard && !exempt) {
		end = start + gen_range(&g->rng, 30, 800);
		if (end >= g->D)
			end = g->D - 1;
	} else if (gen_chance(&g->rng, 0.15)) {
		end = start + gen_range(&g->rng, 30, 800);
		if (end > g->D)
			end = MS_DATE_NONE;
	}
	if (end != MS_DATE_NONE && end <= start)
		start = end - 1;
	ms_gen_jiaoguan(g, s, types->v[gen_below(&g->rng, (uint32_t)types->n)], start, end, city4);
}

/* R10: a 低保/特困/低保边缘 household runs at most a one-person 个体 shop;
 * other roles ended. */
static void fact_shichang(gen *g, gen_hh *hh, gen_subj s, int k)
{
	ms_date start = window(g, k, 900);
	bool guard = hh && (hh->st & (ST_DIBAO | ST_TEKUN | ST_BIANYUAN));
	int role = gen_chance(&g->rng, 0.6) ? 2 : (int)gen_below(&g->rng, 2);
	int employees = role == 2 ? (gen_chance(&g->rng, 0.6) ? 0 : gen_range(&g->rng, 1, 5))
	                          : gen_range(&g->rng, 0, 30);
	ms_date end = MS_DATE_NONE;
	if (guard) {
		if (role == 2 && gen_chance(&g->rng, 0.6))
			employees = 0;
		else {
			end = start + gen_range(&g->rng, 30, 800);
			if (end >= g->D)
				end = g->D - 1;
		}
	} else if (gen_chance(&g->rng, 0.2)) {
		end = start + gen_range(&g->rng, 30, 800);
		if (end > g->D)
			end = MS_DATE_NONE;
	}
	if (end != MS_DATE_NONE && end <= start)
		start = end - 1;
	ms_gen_shichang(g, s, role, employees, start, end, k);
}

/* R15: monitoring is active only for people who hold a low-income status. */
static void fact_nongye(gen *g, gen_member *m, gen_subj s, int k)
{
	int type = (int)gen_below(&g->rng, (uint32_t)g->prof.monitor_types.n);
	if (m && m->st) {
		ms_date start = ago(g, 60, 1500);
		ms_gen_nongye(g, s, type, start, MS_DATE_NONE);
		ms_gen_category(g, m, CAT_FANPIN, start, MS_DATE_NONE, false);
		return;
	}
	ms_date start = window(g, k, 1200) - 300;
	ms_date end = start + gen_range(&g->rng, 60, 700);
	if (end >= g->D)
		end = g->D - 1;
	ms_gen_nongye(g, s, type, start, end);
}

/* R13: recent disasters damaged no house badly; bad damage is older than the window. */
static void fact_yingji(gen *g, gen_subj s, int k)
{
	const gen_profile *p = &g->prof;
	int dis = (int)gen_below(&g->rng, (uint32_t)p->disasters.n);
	if (k == 0 && gen_chance(&g->rng, 0.15)) {
		ms_gen_yingji(g, s, dis, ago(g, 0, p->disaster_window_days),
		              gen_range(&g->rng, 2, 3));
		return;
	}
	ms_date d = g->D - p->disaster_window_days - 1 - k * 600 - gen_range(&g->rng, 0, 599);
	ms_gen_yingji(g, s, dis, d, (int)gen_below(&g->rng, 4));
}

/* One fact of feed f for a subject outside the registry. */
static void feed_only_fact(gen *g, gen_file_id f, const char *county6)
{
	const gen_ghost *p = ms_gen_feed_only_subject(g);
	gen_subj s = {p, false, false};
	int k = g->fo_k++;
	switch (f) {
	case F_GONGAN:
		if (gen_chance(&g->rng, 0.05))
			ms_gen_gongan(g, s, 0, window(g, k, 400));
		else
			fact_gongan(g, s, k, false);
		break;
	case F_SIFA:
		fact_sifa(g, NULL, 0, s, k);
		break;
	case F_YIBAO:
		fact_yibao(g, s, county6);
		break;
	case F_SHIYE:
		fact_shiye(g, s, k, false);
		break;
	case F_YANGLAO:
		ms_gen_yanglao(g, s, window(g, k, 1500), MS_DATE_NONE,
		               (ms_money)gen_range(&g->rng, 150, 4500) * 100, false);
		break;
	case F_JIAOFEI:
		fact_jiaofei(g, s, false, k);
		break;
	case F_BUDONGCHAN:
		fact_budongchan(g, NULL, s, k);
		break;
	case F_JIAOGUAN:
		fact_jiaoguan(g, NULL, s, k, "4401");
		break;
	case F_SHICHANG:
		fact_shichang(g, NULL, s, k);
		break;
	case F_NONGYE:
		fact_nongye(g, NULL, s, k);
		break;
	case F_YINGJI:
		fact_yingji(g, s, k + 1);
		break;
	default:
		break;
	}
}

static bool eligible(const gen *g, gen_file_id f, const gen_member *m)
{
	if (!living(m))
		return false;
	int a = m->age;
	switch (f) {
	case F_GONGAN:
	case F_YIBAO:
	case F_NONGYE:
	case F_YINGJI:
		return m->nfact[f] < (f == F_YIBAO ? 6 : f == F_NONGYE ? 1 : 3);
	case F_SIFA:
		return a >= 18 && a <= 70 && m->nfact[f] < 2;
	case F_SHIYE:
		return a >= 18 && a < 60 && m->nfact[f] < 3;
	case F_YANGLAO:
		return a >= 60 && m->nfact[f] < 1;
	case F_JIAOFEI:
		return a >= 18 && a < 60 && m->nfact[f] < 1;
	case F_JIAOYU:
		return a >= 6 && a <= 22 && m->nfact[f] < 1;
	case F_BUDONGCHAN:
		return a >= 22 && m->nfact[f] < 3;
	case F_JIAOGUAN:
		return a >= 20 && a <= 70 && m->nfact[f] < 2;
	case F_SHICHANG:
		return a >= 20 && a <= 65 && m->nfact[f] < 2;
	default:
		return false;
	}
}

static void member_fact(gen *g, gen_hh *hh, int i, gen_file_id f)
{
	gen_member *m = &hh->m[i];
	gen_subj s = {&m->p, true, false};
	int k = m->nfact[f]++;
	const char *area = ms_gen_hh_area(g, hh);
	char c6[7], c4[5];
	memcpy(c6, area, 6);
	c6[6] = '\0';
	memcpy(c4, area, 4);
	c4[4] = '\0';
	switch (f) {
	case F_GONGAN:
		fact_gongan(g, s, k, true);
		break;
	case F_SIFA:
		fact_sifa(g, hh, i, s, k);
		break;
	case F_YIBAO:
		fact_yibao(g, s, c6);
		break;
	case F_SHIYE:
		fact_shiye(g, s, k, (m->st & (ST_BIANYUAN | ST_ZHICHU)) != 0);
		break;
	case F_YANGLAO:
		fact_yanglao(g, hh, i, s);
		break;
	case F_JIAOFEI:
		fact_jiaofei(g, s, (hh->st & ST_DIBAO) != 0, k);
		break;
	case F_JIAOYU:
		fact_jiaoyu(g, hh, i, s, (hh->st & ST_LOWINCOME) != 0);
		break;
	case F_BUDONGCHAN:
		fact_budongchan(g, hh, s, k);
		break;
	case F_JIAOGUAN:
		fact_jiaoguan(g, hh, s, k, c4);
		break;
	case F_SHICHANG:
		fact_shichang(g, hh, s, k);
		break;
	case F_NONGYE:
		fact_nongye(g, m, s, k);
		break;
	case F_YINGJI:
		fact_yingji(g, s, k);
		break;
	default:
		break;
	}
}

void ms_gen_background_household(gen *g, int max_people)
{
	const gen_profile *p = &g->prof;
	gen_hh hh;
	ms_gen_hh_begin(g, &hh, AREA_ANY);
	int type = pick_weighted(g, p->hh_type_w, HT_COUNT);
	int comp;
	if (type == HT_TEKUN || max_people == 1)
		comp = gen_chance(&g->rng, 0.6) ? COMP_SINGLE_ELDERLY : COMP_SINGLE_ADULT;
	else
		comp = pick_weighted(g, p->comp_w, COMP_COUNT);
	hh.type = type;
	int special = 0;
	compose(g, &hh, type, comp, max_people, &special);

	/* deaths: only in households of three or more, one at most, and never
	 * a parent whose child's other parent is already unable (R08, R18) */
	if (hh.n >= 3 && gen_chance(&g->rng, p->deaths_per_1000 / 1000.0 * hh.n * 2.2)) {
		int i = (int)gen_below(&g->rng, (uint32_t)hh.n);
		gen_member *m = &hh.m[i];
		if (m->age >= 40 && may_be_unavailable(g, &hh, i)) {
			m->death = ago(g, 35, 1200);
			if (m->death < m->p.birth + 30 * 365)
				m->death = ago(g, 35, 60);
			m->unavail = true;
		}
	}
	disability d[GEN_HH_MAX];
	for (int i = 0; i < hh.n; i++)
		draw_disability(g, &hh, i, type == HT_TEKUN && comp == COMP_SINGLE_ADULT, &d[i]);
	if (low_income_type(type) && type != HT_TEKUN) {
		/* R12: counted income stays below four fifths of standard × living members */
		int alive = 0;
		for (int i = 0; i < hh.n; i++)
			alive += living(&hh.m[i]);
		hh.budget = ms_gen_std_at(g, &hh) * alive * 4 / 5;
	}

	ms_gen_hh_write(g, &hh);
	write_statuses(g, &hh);
	for (int i = 0; i < hh.n; i++)
		write_disability(g, &hh, i, &d[i]);
	write_children_support(g, &hh, special);
	for (int i = 0; i < hh.n; i++)
		if (!living(&hh.m[i]))
			ms_gen_gongan(g, (gen_subj){&hh.m[i].p, true, false}, 0, hh.m[i].death);
	if (special == 3) { /* a single parent's late partner */
		gen_ghost *gh = &hh.ghost[0];
		ms_gen_gongan(g, (gen_subj){gh, false, false}, 0, ago(g, 100, 2000));
	}

	/* department facts at the profile's volumes */
	char c6[7];
	memcpy(c6, ms_gen_hh_area(g, &hh), 6);
	c6[6] = '\0';
	for (int f = F_FIRST_FEED; f < F_COUNT; f++) {
		if (f == F_CANLIAN)
			continue;
		int n = ms_gen_poisson(&g->rng, p->vol[f] * hh.n / 1000.0);
		for (int j = 0; j < n; j++) {
			if (gen_chance(&g->rng, p->feed_only_share)) {
				if (f != F_JIAOYU)
					feed_only_fact(g, (gen_file_id)f, c6);
				continue;
			}
			int i = (int)gen_below(&g->rng, (uint32_t)hh.n);
			for (int t = 0; t < hh.n && !eligible(g, (gen_file_id)f, &hh.m[i]); t++)
				i = (i + 1) % hh.n;
			if (eligible(g, (gen_file_id)f, &hh.m[i]))
				member_fact(g, &hh, i, (gen_file_id)f);
			else if (f != F_JIAOYU)
				feed_only_fact(g, (gen_file_id)f, c6);
		}
	}
}

int ms_gen_poisson(gen_rng *r, double mean)
{
	if (mean <= 0)
		return 0;
	double limit = exp(-mean), l = 1.0;
	int k = 0;
	do {
		k++;
		l *= gen_unit(r);
	} while (l > limit && k < 64);
	return k - 1;
}
