/* test_eval.c — the station evaluation (SPEC §5): a scheme totals exactly
 * 1000 points (999 and 1001 refused, naming the file and the line), the
 * linear scale of computed indicators at the floor, the target, between
 * and outside, the star bands at their boundaries, the sample (the same
 * seed draws the same stations in any order, another seed others; every
 * city with stations is drawn, shares rounded half up), the final score,
 * who may do what (a table from SPEC §1), and a round through the store:
 * opened, self-assessed, sampled, assigned, scored, computed and closed. */
#include "testutil.h"

#include "auth/auth.h"
#include "rules/pack.h"
#include "station/eval.h"
#include "store/store.h"
#include "store/store_alerts.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define PACK "policy/guangdong"

static ms_pack *pack;

static int group_setup(void **state)
{
	ms_error err;
	ms_error_clear(&err);
	if (ms_pack_load(PACK, &pack, &err)) {
		fprintf(stderr, "pack: %s\n", ms_error_text(&err));
		return -1;
	}
	return 0;
}

static int group_teardown(void **state)
{
	ms_pack_free(pack);
	return 0;
}

/* ---- schemes ---- */

static char scheme_dir[64];

/* Writes text to a file of the temporary folder; returns its path. */
static const char *write_scheme(const char *name, const char *text)
{
	static char path[160];
	if (!scheme_dir[0]) {
		snprintf(scheme_dir, sizeof scheme_dir, "/tmp/ms-eval-XXXXXX");
		if (!mkdtemp(scheme_dir))
			fail_msg("mkdtemp");
	}
	snprintf(path, sizeof path, "%s/%s.ini", scheme_dir, name);
	FILE *f = fopen(path, "w");
	if (!f)
		fail_msg("cannot write %s", path);
	fputs(text, f);
	fclose(f);
	return path;
}

/* A scheme of two modules whose last indicator has `last` points: 400 →
 * 1000 in all. Line 1 is [scheme]. */
static const char *two_modules(const char *name, const char *last)
{
	static char text[1024];
	snprintf(text, sizeof text,
	         "[scheme]\n"               /* 1 */
	         "title = 测试方案\n"       /* 2 */
	         "[module.甲]\n"            /* 3 */
	         "[module.乙]\n"            /* 4 */
	         "[indicator.A1]\n"         /* 5 */
	         "module = 甲\n"            /* 6 */
	         "title = 场所\n"           /* 7 */
	         "points = 600\n"           /* 8 */
	         "method = manual\n"        /* 9 */
	         "[indicator.B1]\n"         /* 10 */
	         "module = 乙\n"            /* 11 */
	         "title = 按期核实\n"       /* 12 */
	         "points = %s\n"            /* 13 */
	         "method = computed\n"      /* 14 */
	         "measure = on_time_rate\n" /* 15 */
	         "floor = evaluation.on_time_rate.floor\n"
	         "target = evaluation.on_time_rate.target\n",
	         last);
	return write_scheme(name, text);
}

static void expect_refused(const char *path, const char *where)
{
	ms_error err;
	ms_error_clear(&err);
	ms_eval_scheme *sc = NULL;
	ms_err e = ms_eval_scheme_parse(pack, path, NULL, &sc, &err);
	assert_int_equal(e, MS_ERR_PACK);
	assert_null(sc);
	char want[256];
	snprintf(want, sizeof want, "%s:%s:", path, where);
	if (!strstr(err.msg, want))
		fail_msg("wanted '%s' in: %s", want, err.msg);
}

static void test_scheme_totals(void **state)
{
	ms_error err;
	ms_error_clear(&err);
	ms_eval_scheme *sc = NULL;
	assert_int_equal(ms_eval_scheme_parse(pack, two_modules("ok", "400"), NULL, &sc, &err),
	                 MS_ERR_OK);
	assert_int_equal(sc->total, MS_EVAL_TOTAL);
	assert_int_equal(sc->nmodules, 2);
	assert_int_equal(sc->nindicators, 2);
	assert_string_equal(sc->name, "ok");
	assert_true(sc->indicators[1].computed);
	assert_int_equal(sc->indicators[1].measure, MS_EVAL_M_ON_TIME_RATE);
	assert_int_equal(strlen(sc->sha256), 64);
	ms_eval_scheme_free(sc);

	/* 999 and 1001 points: refused at the [scheme] line, with the sums */
	expect_refused(two_modules("low", "399"), "1");
	ms_error_clear(&err);
	assert_int_equal(ms_eval_scheme_parse(pack, two_modules("low", "399"), NULL, &sc, &err),
	                 MS_ERR_PACK);
	assert_non_null(strstr(err.msg, "999"));
	assert_non_null(strstr(err.msg, "1000"));
	expect_refused(two_modules("high", "401"), "1");
	ms_error_clear(&err);
	assert_int_equal(ms_eval_scheme_parse(pack, two_modules("high", "401"), NULL, &sc, &err),
	                 MS_ERR_PACK);
	assert_non_null(strstr(err.msg, "1001"));
	/* decimals count exactly: 399.99 is not 400 */
	expect_refused(two_modules("cents", "399.99"), "1");
	/* points that do not parse: at their own line */
	expect_refused(two_modules("bad", "four hundred"), "13");
	expect_refused(two_modules("neg", "-400"), "13");
}

static void test_scheme_refusals(void **state)
{
	/* a module's declared points must be its indicators' sum */
	expect_refused(write_scheme("decl",
	                            "[scheme]\ntitle = t\n\n[module.甲]\npoints = 999\n"
	                            "[indicator.A1]\nmodule = 甲\ntitle = x\npoints = 1000\n"
	                            "method = manual\n"),
	               "4");
	/* an unknown key, at its line */
	expect_refused(write_scheme("key", "[scheme]\ntitle = t\n[module.甲]\n[indicator.A1]\n"
	                                   "module = 甲\ntitle = x\nweight = 3\n"),
	               "7");
	/* an unknown section, at its header */
	expect_refused(write_scheme("sec", "[scheme]\ntitle = t\n\n[modul.甲]\npoints = 1\n"), "4");
	/* a section given twice */
	expect_refused(write_scheme("twice", "[scheme]\ntitle = t\n[module.甲]\n[module.甲]\n"),
	               "4");
	/* an undeclared module, at the module line */
	expect_refused(write_scheme("undecl", "[scheme]\ntitle = t\n[module.甲]\n[indicator.A1]\n"
	                                      "module = 乙\ntitle = x\npoints = 1000\n"
	                                      "method = manual\n"),
	               "5");
	/* a computed indicator naming a parameter the pack has not */
	expect_refused(
	    write_scheme("param", "[scheme]\ntitle = t\n[module.甲]\n[indicator.A1]\n"
	                          "module = 甲\ntitle = x\npoints = 1000\n"
	                          "method = computed\nmeasure = volunteers\n"
	                          "floor = no.such.param\ntarget = evaluation.volunteers.target\n"),
	    "10");
	/* an unknown measure */
	expect_refused(write_scheme("measure", "[scheme]\ntitle = t\n[module.甲]\n[indicator.A1]\n"
	                                       "module = 甲\ntitle = x\npoints = 1000\n"
	                                       "method = computed\nmeasure = happiness\n"),
	               "9");
	/* a manual indicator with a measure */
	expect_refused(write_scheme("manual", "[scheme]\ntitle = t\n[module.甲]\n[indicator.A1]\n"
	                                      "module = 甲\ntitle = x\npoints = 1000\n"
	                                      "method = manual\nmeasure = volunteers\n"),
	               "9");
	/* no method */
	expect_refused(write_scheme("nomethod", "[scheme]\ntitle = t\n[module.甲]\n[indicator.A1]\n"
	                                        "module = 甲\ntitle = x\npoints = 1000\n"),
	               "4");
}

/* The bundled scheme: six modules of placeholder points, 1000 in all. */
static void test_scheme_bundled(void **state)
{
	ms_error err;
	ms_error_clear(&err);
	ms_eval_scheme *sc = NULL;
	assert_int_equal(ms_eval_scheme_load(pack, NULL, "4401", T_DATE("2026-11-20"), &sc, &err),
	                 MS_ERR_OK);
	assert_int_equal(sc->total, MS_EVAL_TOTAL);
	static const char *const mods[] = {"基础建设", "制度建设", "运营投入",
	                                   "运营管理", "服务提供", "运营绩效"};
	static const int64_t pts[] = {15000, 15000, 15000, 20000, 20000, 15000};
	assert_int_equal(sc->nmodules, 6);
	for (int i = 0; i < 6; i++) {
		assert_string_equal(sc->modules[i].name, mods[i]);
		assert_int_equal(sc->modules[i].points, pts[i]);
	}
	bool seen[MS_EVAL_M__COUNT] = {false};
	for (int k = 0; k < sc->nindicators; k++)
		if (sc->indicators[k].computed)
			seen[sc->indicators[k].measure] = true;
	for (int m = 1; m < MS_EVAL_M__COUNT; m++)
		assert_true(seen[m]);
	ms_eval_scheme_free(sc);
	ms_error_clear(&err);
	assert_int_equal(
	    ms_eval_scheme_load(pack, "nonesuch", "44", T_DATE("2026-11-20"), &sc, &err),
	    MS_ERR_NOT_FOUND);
	ms_error_clear(&err);
	assert_int_equal(ms_eval_scheme_load(pack, "../etc", "44", T_DATE("2026-11-20"), &sc, &err),
	                 MS_ERR_INVALID);
}

/* ---- the linear scale ---- */

static void test_linear(void **state)
{
	const ms_eval_q floor = {50, 100}, target = {95, 100};
	const int64_t max = 6000; /* 60 points */
	assert_int_equal(ms_eval_linear(max, (ms_eval_q){50, 100}, floor, target), 0);
	assert_int_equal(ms_eval_linear(max, (ms_eval_q){1, 2}, floor, target), 0);
	assert_int_equal(ms_eval_linear(max, (ms_eval_q){95, 100}, floor, target), max);
	assert_int_equal(ms_eval_linear(max, (ms_eval_q){19, 20}, floor, target), max);
	/* half way: half the points */
	assert_int_equal(ms_eval_linear(max, (ms_eval_q){725, 1000}, floor, target), 3000);
	/* 37/40 = 0.925: 60 × 0.425 / 0.45 = 56.666… → 56.67 */
	assert_int_equal(ms_eval_linear(max, (ms_eval_q){37, 40}, floor, target), 5667);
	/* outside: below the floor 0, above the target the maximum */
	assert_int_equal(ms_eval_linear(max, (ms_eval_q){3, 10}, floor, target), 0);
	assert_int_equal(ms_eval_linear(max, (ms_eval_q){0, 1}, floor, target), 0);
	assert_int_equal(ms_eval_linear(max, (ms_eval_q){1, 1}, floor, target), max);
	/* counts and money: 0 … 30 volunteers, 0 … 50,000.00 yuan (fen / 100) */
	assert_int_equal(
	    ms_eval_linear(3000, (ms_eval_q){12, 1}, (ms_eval_q){0, 1}, (ms_eval_q){30, 1}), 1200);
	assert_int_equal(ms_eval_linear(3000, (ms_eval_q){1250000, 100}, (ms_eval_q){0, 100},
	                                (ms_eval_q){5000000, 100}),
	                 750);
	/* rounding half up to a centi-point: 1/3 of 1 point = 0.333… → 0.33 */
	assert_int_equal(
	    ms_eval_linear(100, (ms_eval_q){1, 3}, (ms_eval_q){0, 1}, (ms_eval_q){1, 1}), 33);
	assert_int_equal(
	    ms_eval_linear(100, (ms_eval_q){1, 200}, (ms_eval_q){0, 1}, (ms_eval_q){1, 1}),
	    1); /* 0.5 centi-points round up */
	/* a target not above the floor is refused */
	assert_int_equal(ms_eval_linear(max, (ms_eval_q){1, 2}, target, floor), -1);
	assert_int_equal(ms_eval_linear(max, (ms_eval_q){1, 2}, floor, floor), -1);
}

/* ---- stars ---- */

static void test_stars(void **state)
{
	const int64_t bands[3] = {90000, 85000, 80000};
	assert_int_equal(ms_eval_star(100000, bands), 5);
	assert_int_equal(ms_eval_star(90000, bands), 5);
	assert_int_equal(ms_eval_star(89999, bands), 4);
	assert_int_equal(ms_eval_star(89900, bands), 4);
	assert_int_equal(ms_eval_star(85000, bands), 4);
	assert_int_equal(ms_eval_star(84900, bands), 3);
	assert_int_equal(ms_eval_star(84999, bands), 3);
	assert_int_equal(ms_eval_star(80000, bands), 3);
	assert_int_equal(ms_eval_star(79900, bands), 0);
	assert_int_equal(ms_eval_star(79999, bands), 0);
	assert_int_equal(ms_eval_star(0, bands), 0);
	/* the bands of the bundled pack */
	ms_eval_q q;
	assert_true(
	    ms_eval_param_q(pack, "evaluation.star5", "440106001", T_DATE("2026-11-20"), &q));
	assert_int_equal(q.num * 100 / q.den, 90000);
	assert_true(ms_eval_param_q(pack, "evaluation.star4", "44", T_DATE("2026-11-20"), &q));
	assert_int_equal(q.num * 100 / q.den, 85000);
	assert_true(ms_eval_param_q(pack, "evaluation.star3", "44", T_DATE("2026-11-20"), &q));
	assert_int_equal(q.num * 100 / q.den, 80000);
	assert_true(
	    ms_eval_param_q(pack, "evaluation.sample_share", "44", T_DATE("2026-11-20"), &q));
	assert_int_equal(q.num * 100 / q.den, 30);
	assert_false(ms_eval_param_q(pack, "evaluation.star5", "44", T_DATE("2021-12-31"), &q));
}

/* ---- the sample ---- */

static void test_sample_size(void **state)
{
	/* share 30 %: n × 0.3 rounded half up, at least 1, at most n */
	static const size_t n[] = {0, 1, 2, 3, 4, 5, 6, 7, 10, 15, 90};
	static const size_t k[] = {0, 1, 1, 1, 1, 2, 2, 2, 3, 5, 27};
	for (size_t i = 0; i < sizeof n / sizeof n[0]; i++)
		assert_int_equal(ms_eval_sample_size(n[i], 30, 100), k[i]);
	/* exactly half way rounds up: 5 × 0.1 = 0.5 → 1, 25 × 0.1 = 2.5 → 3 */
	assert_int_equal(ms_eval_sample_size(25, 1, 10), 3);
	assert_int_equal(ms_eval_sample_size(35, 1, 10), 4);
	assert_int_equal(ms_eval_sample_size(8, 1, 1), 8);
}

/* 4 cities: 1, 3, 5 and 10 stations */
static const char *const codes[] = {"440103001", "440305001", "440305002", "440305003", "440604001",
                                    "440604002", "440604003", "440605001", "440605002", "441302001",
                                    "441302002", "441302003", "441302004", "441302005", "441303001",
                                    "441303002", "441303003", "441303004", "441303005"};
#define NCODES (sizeof codes / sizeof codes[0])

static void drawn_by_city(const bool *d, size_t out[4])
{
	static const char *const cities[4] = {"4401", "4403", "4406", "4413"};
	memset(out, 0, 4 * sizeof out[0]);
	for (size_t i = 0; i < NCODES; i++)
		for (int c = 0; c < 4; c++)
			if (d[i] && strncmp(codes[i], cities[c], 4) == 0)
				out[c]++;
}

static void test_sample_draw(void **state)
{
	ms_error err;
	ms_error_clear(&err);
	bool a[NCODES], b[NCODES], c[NCODES];
	assert_int_equal(ms_eval_draw("seed-2026", codes, NCODES, 30, 100, a, &err), MS_ERR_OK);
	/* stratified: every city drawn; 1 → 1, 3 → 1, 5 → 2 (1.5 rounds up), 10 → 3 */
	size_t per[4];
	drawn_by_city(a, per);
	assert_int_equal(per[0], 1);
	assert_int_equal(per[1], 1);
	assert_int_equal(per[2], 2);
	assert_int_equal(per[3], 3);
	/* the same seed, the same stations — also with the codes in another order */
	assert_int_equal(ms_eval_draw("seed-2026", codes, NCODES, 30, 100, b, &err), MS_ERR_OK);
	assert_memory_equal(a, b, sizeof a);
	const char *rev[NCODES];
	for (size_t i = 0; i < NCODES; i++)
		rev[i] = codes[NCODES - 1 - i];
	assert_int_equal(ms_eval_draw("seed-2026", rev, NCODES, 30, 100, c, &err), MS_ERR_OK);
	for (size_t i = 0; i < NCODES; i++)
		assert_int_equal(a[i], c[NCODES - 1 - i]);
	/* another seed, other stations (the same numbers per city) */
	bool differs = false;
	const char *seeds[] = {"another", "third", "fourth"};
	for (size_t s = 0; s < 3; s++) {
		assert_int_equal(ms_eval_draw(seeds[s], codes, NCODES, 30, 100, b, &err),
		                 MS_ERR_OK);
		drawn_by_city(b, per);
		assert_int_equal(per[2], 2);
		assert_int_equal(per[3], 3);
		differs |= memcmp(a, b, sizeof a) != 0;
	}
	assert_true(differs);
	assert_int_equal(ms_eval_draw("another", codes, NCODES, 30, 100, b, &err), MS_ERR_OK);
	assert_memory_not_equal(a, b, sizeof a);
	/* share 1: everything */
	assert_int_equal(ms_eval_draw("x", codes, NCODES, 1, 1, b, &err), MS_ERR_OK);
	for (size_t i = 0; i < NCODES; i++)
		assert_true(b[i]);
	/* refused: no seed, a share of 0 or above 1 */
	assert_int_equal(ms_eval_draw("", codes, NCODES, 30, 100, b, &err), MS_ERR_INVALID);
	ms_error_clear(&err);
	assert_int_equal(ms_eval_draw("x", codes, NCODES, 0, 100, b, &err), MS_ERR_PACK);
	ms_error_clear(&err);
	assert_int_equal(ms_eval_draw("x", codes, NCODES, 101, 100, b, &err), MS_ERR_PACK);
}

/* ---- the final score ---- */

static void test_final(void **state)
{
	assert_int_equal(ms_eval_final(true, 80000, 90000), 90000);
	assert_int_equal(ms_eval_final(true, 95000, 85000), 85000);
	assert_int_equal(ms_eval_final(false, 80000, 90000), 80000);
	assert_int_equal(ms_eval_final(false, 80000, -1), 80000);
	assert_int_equal(ms_eval_final(true, 80000, -1), 80000);
	int64_t p;
	assert_true(ms_eval_points_parse("37.25", &p));
	assert_int_equal(p, 3725);
	assert_true(ms_eval_points_parse("1000", &p));
	assert_int_equal(p, 100000);
	assert_false(ms_eval_points_parse("1000.01", &p));
	assert_false(ms_eval_points_parse("1.234", &p));
	assert_false(ms_eval_points_parse("-1", &p));
	assert_false(ms_eval_points_parse("", &p));
	char out[MS_EVAL_POINTS_STR];
	ms_eval_points_format(3725, out);
	assert_string_equal(out, "37.25");
	ms_eval_points_format(3750, out);
	assert_string_equal(out, "37.5");
	ms_eval_points_format(100000, out);
	assert_string_equal(out, "1000");
}

/* ---- who may (SPEC §1) ---- */

static ms_user user(ms_role role, const char *name, const char *scope, const char *station)
{
	ms_user u;
	memset(&u, 0, sizeof u);
	snprintf(u.name, sizeof u.name, "%s", name);
	u.role = role;
	snprintf(u.scope, sizeof u.scope, "%s", scope);
	snprintf(u.station, sizeof u.station, "%s", station ? station : "");
	return u;
}

static void test_roles(void **state)
{
	const ms_err OK = MS_ERR_OK, NF = MS_ERR_NOT_FOUND, FB = MS_ERR_FORBIDDEN;
	ms_user admin = user(MS_ROLE_ADMIN, "a", "44", NULL);
	ms_user off = user(MS_ROLE_OFFICER, "o", "4401", NULL);
	ms_user off_other = user(MS_ROLE_OFFICER, "o2", "4403", NULL);
	ms_user head = user(MS_ROLE_STATION_HEAD, "h", "440106001", "440106001");
	ms_user worker = user(MS_ROLE_WORKER, "w", "440106001", "440106001");
	ms_user ev = user(MS_ROLE_EVALUATOR, "ev", "44", NULL);
	ms_user aud = user(MS_ROLE_AUDITOR, "au", "44", NULL);
	ms_user upl = user(MS_ROLE_UPLOADER, "up", "44", NULL);
#define S "440106001"
#define T "440106002"
	static const struct {
		int who; /* index into users */
		ms_eval_action act;
		const char *area, *station, *assigned;
		bool in_round;
		int want; /* 0 ok, 1 not found, 2 forbidden */
	} t[] = {
	    /* opening */
	    {0, MS_EVAL_DO_OPEN, "44", NULL, NULL, false, 0},
	    {1, MS_EVAL_DO_OPEN, "4401", NULL, NULL, false, 0},
	    {1, MS_EVAL_DO_OPEN, "440106", NULL, NULL, false, 0},
	    {1, MS_EVAL_DO_OPEN, "44", NULL, NULL, false, 2},
	    {1, MS_EVAL_DO_OPEN, "4403", NULL, NULL, false, 2},
	    {3, MS_EVAL_DO_OPEN, "4401", NULL, NULL, false, 2},
	    {5, MS_EVAL_DO_OPEN, "4401", NULL, NULL, false, 2},
	    /* managing a round */
	    {0, MS_EVAL_DO_MANAGE, "4401", NULL, NULL, false, 0},
	    {1, MS_EVAL_DO_MANAGE, "4401", NULL, NULL, false, 0},
	    {1, MS_EVAL_DO_MANAGE, "44", NULL, NULL, false, 2}, /* sees it, runs it not */
	    {2, MS_EVAL_DO_MANAGE, "4401", NULL, NULL, false, 1},
	    {3, MS_EVAL_DO_MANAGE, "4401", NULL, NULL, false, 2},
	    {3, MS_EVAL_DO_MANAGE, "4403", NULL, NULL, false, 1},
	    {4, MS_EVAL_DO_MANAGE, "4401", NULL, NULL, false, 1},
	    {5, MS_EVAL_DO_MANAGE, "4401", NULL, NULL, true, 2},
	    {5, MS_EVAL_DO_MANAGE, "4401", NULL, NULL, false, 1},
	    {6, MS_EVAL_DO_MANAGE, "4401", NULL, NULL, false, 1},
	    /* reading a round */
	    {1, MS_EVAL_DO_READ_ROUND, "44", NULL, NULL, false, 0},
	    {2, MS_EVAL_DO_READ_ROUND, "4401", NULL, NULL, false, 1},
	    {3, MS_EVAL_DO_READ_ROUND, "4401", NULL, NULL, false, 0},
	    {3, MS_EVAL_DO_READ_ROUND, "4403", NULL, NULL, false, 1},
	    {4, MS_EVAL_DO_READ_ROUND, "4401", NULL, NULL, false, 1},
	    {5, MS_EVAL_DO_READ_ROUND, "4401", NULL, NULL, true, 0},
	    {5, MS_EVAL_DO_READ_ROUND, "4401", NULL, NULL, false, 1},
	    {6, MS_EVAL_DO_READ_ROUND, "4401", NULL, NULL, false, 1},
	    {7, MS_EVAL_DO_READ_ROUND, "4401", NULL, NULL, false, 1},
	    /* a station's sheet */
	    {0, MS_EVAL_DO_READ_STATION, "4401", S, NULL, false, 0},
	    {1, MS_EVAL_DO_READ_STATION, "44", S, NULL, false, 0},
	    {2, MS_EVAL_DO_READ_STATION, "44", S, NULL, false, 1},
	    {3, MS_EVAL_DO_READ_STATION, "4401", S, NULL, false, 0},
	    {3, MS_EVAL_DO_READ_STATION, "4401", T, NULL, false, 1},
	    {5, MS_EVAL_DO_READ_STATION, "4401", S, "ev", true, 0},
	    {5, MS_EVAL_DO_READ_STATION, "4401", T, "other", true, 1},
	    {5, MS_EVAL_DO_READ_STATION, "4401", T, NULL, true, 1},
	    {4, MS_EVAL_DO_READ_STATION, "4401", S, NULL, false, 1},
	    {0, MS_EVAL_DO_READ_STATION, "4403", S, NULL, false, 1}, /* not in the round */
	    /* self-assessment */
	    {3, MS_EVAL_DO_SELF, "4401", S, NULL, false, 0},
	    {3, MS_EVAL_DO_SELF, "4401", T, NULL, false, 1},
	    {1, MS_EVAL_DO_SELF, "4401", S, NULL, false, 0},
	    {2, MS_EVAL_DO_SELF, "4401", S, NULL, false, 1},
	    {0, MS_EVAL_DO_SELF, "4401", S, NULL, false, 0},
	    {5, MS_EVAL_DO_SELF, "4401", S, "ev", true, 2},
	    {4, MS_EVAL_DO_SELF, "4401", S, NULL, false, 1},
	    /* third-party scores */
	    {5, MS_EVAL_DO_THIRD, "4401", S, "ev", true, 0},
	    {5, MS_EVAL_DO_THIRD, "4401", T, "other", true, 1},
	    {0, MS_EVAL_DO_THIRD, "4401", S, "ev", false, 0},
	    {1, MS_EVAL_DO_THIRD, "4401", S, "ev", false, 2},
	    {3, MS_EVAL_DO_THIRD, "4401", S, "ev", false, 2},
	    {4, MS_EVAL_DO_THIRD, "4401", S, "ev", false, 1},
	    {6, MS_EVAL_DO_THIRD, "4401", S, "ev", false, 1},
	};
	const ms_user *users[] = {&admin, &off, &off_other, &head, &worker, &ev, &aud, &upl};
	const ms_err want[] = {OK, NF, FB};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		ms_err got = ms_eval_may(users[t[i].who], t[i].act, t[i].area, t[i].station,
		                         t[i].assigned, t[i].in_round);
		if (got != want[t[i].want])
			fail_msg("row %zu (%s, action %d, area %s, station %s): got %s, wanted %s",
			         i, users[t[i].who]->name, t[i].act, t[i].area,
			         t[i].station ? t[i].station : "-", ms_err_name(got),
			         ms_err_name(want[t[i].want]));
	}
#undef S
#undef T
}

/* ---- a round through the store ---- */

typedef struct fixture {
	char dir[64], path[128];
	char url[640]; /* path, or a database on PostgreSQL (t_db_fresh) */
	ms_store *s;
} fixture;

static void add_user(fixture *f, const char *name, ms_role role, const char *scope,
                     const char *station)
{
	ms_error err;
	ms_error_clear(&err);
	ms_user_new u = {.name = name,
	                 .role = role,
	                 .scope = scope,
	                 .station = station,
	                 .password = "password1"};
	if (ms_auth_user_add(f->s, strcmp(name, "root") == 0 ? NULL : "root", &u, &err))
		fail_msg("adding %s: %s", name, ms_error_text(&err));
}

static const char *const rstations[] = {"440106001", "440106002", "440106003", "440106004",
                                        "440106005", "440305001", "440305002"};
#define NRST (sizeof rstations / sizeof rstations[0])

static int db_setup(void **state)
{
	setenv("MINSHENG_PWHASH", "min", 1);
	setenv("MINSHENG_TODAY", "2026-11-20", 1);
	fixture *f = calloc(1, sizeof *f);
	if (!f)
		return -1;
	snprintf(f->dir, sizeof f->dir, "/tmp/ms-evaldb-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof f->path, "%s/t.db", f->dir);
	if (!t_db_fresh(f->path, f->url, sizeof f->url))
		return -1;
	ms_error err;
	ms_error_clear(&err);
	if (ms_store_open(f->url, MS_STORE_CREATE, &f->s, &err))
		return -1;
	ms_upsert_result ur;
	for (size_t i = 0; i < NRST; i++)
		if (ms_store_station_upsert(f->s, rstations[i], "社工站", "station", &ur, &err))
			return -1;
	add_user(f, "root", MS_ROLE_ADMIN, "44", NULL);
	add_user(f, "off", MS_ROLE_OFFICER, "4401", NULL);
	add_user(f, "off_sz", MS_ROLE_OFFICER, "4403", NULL);
	add_user(f, "head", MS_ROLE_STATION_HEAD, "440106001", "440106001");
	add_user(f, "head2", MS_ROLE_STATION_HEAD, "440106002", "440106002");
	add_user(f, "wk", MS_ROLE_WORKER, "440106001", "440106001");
	add_user(f, "ev", MS_ROLE_EVALUATOR, "44", NULL);
	add_user(f, "ev_sz", MS_ROLE_EVALUATOR, "4403", NULL);
	add_user(f, "aud", MS_ROLE_AUDITOR, "44", NULL);
	*state = f;
	return 0;
}

static int db_teardown(void **state)
{
	fixture *f = *state;
	ms_store_close(f->s);
	t_db_drop(f->url);
	char cmd[200];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", f->dir);
	free(f);
	unsetenv("MINSHENG_TODAY");
	return 0;
}

#define E(call) (ms_error_clear(&err), (call))

/* every manual indicator of the bundled scheme at `pct` % of its points
 * (the ids copied: they outlive the round) */
static char ids[MS_EVAL_MAX_INDICATORS][MS_EVAL_ID_MAX + 1];

static size_t manual_scores(const ms_eval_round *r, int pct, ms_eval_score_in *in)
{
	size_t n = 0;
	for (int k = 0; k < r->nindicators; k++)
		if (strcmp(r->indicators[k].method, "manual") == 0) {
			snprintf(ids[k], sizeof ids[k], "%s", r->indicators[k].id);
			in[n++] =
			    (ms_eval_score_in){.indicator = ids[k],
			                       .points = r->indicators[k].max_points * pct / 100,
			                       .note = "佐证：台账齐全"};
		}
	return n;
}

static void test_round(void **state)
{
	fixture *f = *state;
	ms_error err;
	int64_t id = 0, n = 0, other;
	ms_eval_open_in in = {.area = "4401", .year = 2026, .as_of = MS_DATE_NONE};
	/* opening: an officer of the city; not the other city's; no overlap */
	assert_int_equal(E(ms_eval_open(f->s, pack, "off_sz", &in, &other, &n, &err)),
	                 MS_ERR_FORBIDDEN);
	assert_int_equal(E(ms_eval_open(f->s, pack, "head", &in, &other, &n, &err)),
	                 MS_ERR_FORBIDDEN);
	assert_int_equal(E(ms_eval_open(f->s, pack, NULL, &in, &other, &n, &err)),
	                 MS_ERR_UNAUTHORIZED);
	assert_int_equal(E(ms_eval_open(f->s, pack, "off", &in, &id, &n, &err)), MS_ERR_OK);
	assert_int_equal(n, 5);
	ms_eval_open_in inner = {.area = "440106", .year = 2026, .as_of = MS_DATE_NONE};
	assert_int_equal(E(ms_eval_open(f->s, pack, "root", &inner, &other, &n, &err)),
	                 MS_ERR_EXISTS);
	ms_eval_open_in future = {.area = "4401", .year = 2027, .as_of = MS_DATE_NONE};
	assert_int_equal(E(ms_eval_open(f->s, pack, "root", &future, &other, &n, &err)),
	                 MS_ERR_INVALID);
	ms_eval_open_in sz = {.area = "4403", .year = 2026, .as_of = MS_DATE_NONE};
	int64_t sz_id = 0;
	assert_int_equal(E(ms_eval_open(f->s, pack, "off_sz", &sz, &sz_id, &n, &err)), MS_ERR_OK);
	assert_int_equal(n, 2);

	ms_eval_round *r = NULL;
	assert_int_equal(E(ms_eval_round_load(f->s, pack, "off", id, &r, &err)), MS_ERR_OK);
	assert_string_equal(r->row.as_of, "2026-11-20"); /* today: the year is not over */
	assert_int_equal(r->nstations, 5);
	assert_int_equal(r->nvisible, 5);
	assert_int_equal(r->bands[0], 90000);
	ms_eval_score_in scores[MS_EVAL_MAX_INDICATORS];
	size_t nm = manual_scores(r, 90, scores);
	assert_int_equal(nm, 17);
	ms_eval_round_free(r);
	/* who sees the round */
	assert_int_equal(E(ms_eval_round_load(f->s, pack, "off_sz", id, &r, &err)),
	                 MS_ERR_NOT_FOUND);
	assert_int_equal(E(ms_eval_round_load(f->s, pack, "wk", id, &r, &err)), MS_ERR_NOT_FOUND);
	assert_int_equal(E(ms_eval_round_load(f->s, pack, "ev", id, &r, &err)), MS_ERR_NOT_FOUND);
	assert_int_equal(E(ms_eval_round_load(f->s, pack, "aud", id, &r, &err)), MS_ERR_NOT_FOUND);
	assert_int_equal(E(ms_eval_round_load(f->s, pack, "head", id, &r, &err)), MS_ERR_OK);
	assert_int_equal(r->nvisible, 1);
	ms_eval_round_free(r);

	/* self-assessment: the head of its station, every manual indicator */
	assert_int_equal(
	    E(ms_eval_scores_put(f->s, "head", id, "440106001", false, scores, nm, &err)),
	    MS_ERR_OK);
	assert_int_equal(
	    E(ms_eval_scores_put(f->s, "head", id, "440106002", false, scores, nm, &err)),
	    MS_ERR_NOT_FOUND);
	assert_int_equal(
	    E(ms_eval_scores_put(f->s, "wk", id, "440106001", false, scores, nm, &err)),
	    MS_ERR_NOT_FOUND);
	assert_int_equal(
	    E(ms_eval_scores_put(f->s, "head", id, "440106001", true, scores, nm, &err)),
	    MS_ERR_FORBIDDEN);
	/* the others, on their behalf by the officer */
	for (size_t i = 1; i < 5; i++)
		assert_int_equal(
		    E(ms_eval_scores_put(f->s, "off", id, rstations[i], false, scores, nm, &err)),
		    MS_ERR_OK);
	/* bad scores: too many points, a computed indicator, no evidence */
	ms_eval_score_in bad = {.indicator = "A1", .points = 4001, .note = "x"};
	assert_int_equal(E(ms_eval_scores_put(f->s, "head", id, "440106001", false, &bad, 1, &err)),
	                 MS_ERR_INVALID);
	bad = (ms_eval_score_in){.indicator = "F1", .points = 100, .note = "x"};
	assert_int_equal(E(ms_eval_scores_put(f->s, "head", id, "440106001", false, &bad, 1, &err)),
	                 MS_ERR_INVALID);
	bad = (ms_eval_score_in){.indicator = "A1", .points = 100, .note = NULL};
	assert_int_equal(E(ms_eval_scores_put(f->s, "head", id, "440106001", false, &bad, 1, &err)),
	                 MS_ERR_INVALID);
	bad = (ms_eval_score_in){.indicator = "ZZ", .points = 100, .note = "x"};
	assert_int_equal(E(ms_eval_scores_put(f->s, "head", id, "440106001", false, &bad, 1, &err)),
	                 MS_ERR_INVALID);

	/* the sample: 5 stations of one city at 30 % → 2, drawn once */
	size_t drawn = 0;
	assert_int_equal(E(ms_eval_sample(f->s, pack, "head", id, "t1", &drawn, &err)),
	                 MS_ERR_FORBIDDEN);
	assert_int_equal(E(ms_eval_sample(f->s, pack, "off", id, "t1", &drawn, &err)), MS_ERR_OK);
	assert_int_equal(drawn, 2);
	assert_int_equal(E(ms_eval_sample(f->s, pack, "off", id, "t2", &drawn, &err)),
	                 MS_ERR_CONFLICT);
	assert_int_equal(E(ms_eval_round_load(f->s, pack, NULL, id, &r, &err)), MS_ERR_OK);
	assert_string_equal(r->row.seed, "t1");
	assert_string_equal(r->row.share, "0.30");
	/* the same draw as the pure function gives */
	const char *cs[5];
	bool want[5];
	for (size_t i = 0; i < 5; i++)
		cs[i] = r->stations[i].code;
	assert_int_equal(E(ms_eval_draw("t1", cs, 5, 30, 100, want, &err)), MS_ERR_OK);
	static char dc[2][10], uc[10];
	const char *drawn_codes[2] = {dc[0], dc[1]}, *undrawn = uc;
	size_t nd = 0;
	for (size_t i = 0; i < 5; i++) {
		assert_int_equal(r->stations[i].sampled, want[i]);
		if (want[i] && nd < 2)
			snprintf(dc[nd++], sizeof dc[0], "%s", r->stations[i].code);
		else if (!want[i])
			snprintf(uc, sizeof uc, "%s", r->stations[i].code);
	}
	assert_int_equal(nd, 2);
	ms_eval_round_free(r);

	/* evaluators: only drawn stations, an evaluator whose scope covers them */
	assert_int_equal(E(ms_eval_assign(f->s, "off", id, "ev", &undrawn, 1, &err)),
	                 MS_ERR_INVALID);
	assert_int_equal(E(ms_eval_assign(f->s, "off", id, "ev_sz", drawn_codes, 2, &err)),
	                 MS_ERR_INVALID);
	assert_int_equal(E(ms_eval_assign(f->s, "off", id, "head", drawn_codes, 2, &err)),
	                 MS_ERR_INVALID);
	assert_int_equal(E(ms_eval_assign(f->s, "head", id, "ev", drawn_codes, 2, &err)),
	                 MS_ERR_FORBIDDEN);
	assert_int_equal(E(ms_eval_assign(f->s, "off", id, "ev", drawn_codes, 2, &err)), MS_ERR_OK);
	/* the evaluator sees its stations only */
	assert_int_equal(E(ms_eval_round_load(f->s, pack, "ev", id, &r, &err)), MS_ERR_OK);
	assert_int_equal(r->nvisible, 2);
	ms_eval_round_free(r);
	assert_int_equal(E(ms_eval_scores_put(f->s, "ev", id, undrawn, true, scores, nm, &err)),
	                 MS_ERR_NOT_FOUND);
	assert_int_equal(
	    E(ms_eval_scores_put(f->s, "ev", id, drawn_codes[0], false, scores, nm, &err)),
	    MS_ERR_FORBIDDEN);
	assert_int_equal(
	    E(ms_eval_scores_put(f->s, "off", id, drawn_codes[0], true, scores, nm, &err)),
	    MS_ERR_FORBIDDEN);
	/* the first drawn station scored lower than it said, the second not yet */
	ms_eval_score_in low[MS_EVAL_MAX_INDICATORS];
	assert_int_equal(E(ms_eval_round_load(f->s, pack, NULL, id, &r, &err)), MS_ERR_OK);
	size_t nl = manual_scores(r, 80, low);
	ms_eval_round_free(r);
	assert_int_equal(E(ms_eval_scores_put(f->s, "ev", id, drawn_codes[0], true, low, nl, &err)),
	                 MS_ERR_OK);
	assert_int_equal(E(ms_eval_scores_put(f->s, "ev", id, drawn_codes[1], true, low, 3, &err)),
	                 MS_ERR_OK);
	/* a scored station keeps its evaluator */
	assert_int_equal(E(ms_eval_assign(f->s, "root", id, "ev_sz", drawn_codes, 1, &err)),
	                 MS_ERR_INVALID); /* out of its scope anyway */
	assert_int_equal(E(ms_eval_assign(f->s, "off", id, "ev", drawn_codes, 2, &err)), MS_ERR_OK);

	/* closing: not before compute, nor with a drawn station unfinished */
	assert_int_equal(E(ms_eval_close(f->s, pack, "off", id, &err)), MS_ERR_CONFLICT);
	assert_non_null(strstr(err.msg, "compute"));
	int64_t written = 0;
	assert_int_equal(E(ms_eval_compute(f->s, pack, "head", id, &written, &err)),
	                 MS_ERR_FORBIDDEN);
	assert_int_equal(E(ms_eval_compute(f->s, pack, "off", id, &written, &err)), MS_ERR_OK);
	assert_int_equal(written, 5 * 6);
	assert_int_equal(E(ms_eval_close(f->s, pack, "off", id, &err)), MS_ERR_CONFLICT);
	assert_non_null(strstr(err.msg, drawn_codes[1]));
	assert_int_equal(E(ms_eval_scores_put(f->s, "ev", id, drawn_codes[1], true, low, nl, &err)),
	                 MS_ERR_OK);

	/* the totals: no data, so computed indicators give their empty rule —
	 * full points for on-time rate (60) and coverage (50), zero otherwise */
	assert_int_equal(E(ms_eval_round_load(f->s, pack, "off", id, &r, &err)), MS_ERR_OK);
	int si = ms_eval_round_station(r, drawn_codes[0]);
	int su = ms_eval_round_station(r, undrawn);
	assert_true(si >= 0 && su >= 0);
	/* manual points: 730 in all; 90 % = 657, 80 % = 584 */
	assert_int_equal(r->stations[su].self_total, 65700 + 11000);
	assert_false(r->stations[su].checked);
	assert_int_equal(r->stations[su].final_total, r->stations[su].self_total);
	assert_true(r->stations[si].checked);
	assert_int_equal(r->stations[si].third_total, 58400 + 11000);
	assert_int_equal(r->stations[si].final_total, 58400 + 11000);
	assert_int_equal(r->stations[su].star, 0);
	ms_eval_round_free(r);
	assert_int_equal(E(ms_eval_close(f->s, pack, "head", id, &err)), MS_ERR_FORBIDDEN);
	assert_int_equal(E(ms_eval_close(f->s, pack, "off", id, &err)), MS_ERR_OK);
	assert_int_equal(E(ms_eval_close(f->s, pack, "off", id, &err)), MS_ERR_CONFLICT);
	assert_int_equal(
	    E(ms_eval_scores_put(f->s, "head", id, "440106001", false, scores, nm, &err)),
	    MS_ERR_CONFLICT);
	assert_int_equal(E(ms_eval_compute(f->s, pack, "off", id, &written, &err)),
	                 MS_ERR_CONFLICT);
	/* after closing, the fixed totals; the report and the workbook */
	assert_int_equal(E(ms_eval_round_load(f->s, pack, "root", id, &r, &err)), MS_ERR_OK);
	assert_string_equal(r->row.state, "closed");
	si = ms_eval_round_station(r, drawn_codes[0]);
	assert_int_equal(r->stations[si].final_total, 69400);
	json_t *rep = ms_eval_report_json(r);
	assert_non_null(rep);
	assert_int_equal(json_array_size(json_object_get(rep, "stations")), 5);
	assert_int_equal(json_array_size(json_object_get(rep, "cities")), 1);
	assert_int_equal(json_array_size(json_object_get(rep, "deviations")), 2 * 17);
	json_t *d0 = json_array_get(json_object_get(rep, "deviations"), 0);
	assert_true(json_real_value(json_object_get(d0, "deviation")) < 0);
	json_decref(rep);
	char xlsx[160];
	snprintf(xlsx, sizeof xlsx, "%s/r.xlsx", f->dir);
	assert_int_equal(E(ms_eval_report_xlsx(r, xlsx, &err)), MS_ERR_OK);
	FILE *x = fopen(xlsx, "rb");
	assert_non_null(x);
	char magic[2];
	assert_int_equal(fread(magic, 1, 2, x), 2);
	fclose(x);
	assert_memory_equal(magic, "PK", 2);
	ms_eval_round_free(r);
	/* the Shenzhen round is the other officer's, untouched */
	assert_int_equal(E(ms_eval_round_load(f->s, pack, "off", sz_id, &r, &err)),
	                 MS_ERR_NOT_FOUND);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_scheme_totals),
	    cmocka_unit_test(test_scheme_refusals),
	    cmocka_unit_test(test_scheme_bundled),
	    cmocka_unit_test(test_linear),
	    cmocka_unit_test(test_stars),
	    cmocka_unit_test(test_sample_size),
	    cmocka_unit_test(test_sample_draw),
	    cmocka_unit_test(test_final),
	    cmocka_unit_test(test_roles),
	    cmocka_unit_test_setup_teardown(test_round, db_setup, db_teardown),
	};
	int rc = cmocka_run_group_tests(tests, group_setup, group_teardown);
	if (scheme_dir[0]) {
		char cmd[120];
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", scheme_dir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", scheme_dir);
	}
	return rc;
}
