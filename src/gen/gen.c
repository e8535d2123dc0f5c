/* gen.c — ms_gen_run: opens the files, interleaves planted cases with
 * background households until the registry holds the requested number of
 * people, then writes stations.csv, the expected hits and near misses and
 * manifest.json. Streaming: memory grows only with the identity-number set. */
#include "gen/gen.h"

#include "base/mem.h"
#include "gen/internal.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* mkdir -p */
static ms_err make_dir(const char *path, ms_error *err)
{
	char buf[4096];
	size_t n = strlen(path);
	if (n == 0 || n >= sizeof buf)
		return ms_error_set(err, MS_ERR_INVALID, "输出目录无效 (bad output directory)");
	memcpy(buf, path, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		char c = buf[i];
		buf[i] = '\0';
		if (mkdir(buf, 0755) != 0 && errno != EEXIST)
			return ms_error_set(err, MS_ERR_IO,
			                    "无法创建目录 %s (cannot create directory): %s", buf,
			                    strerror(errno));
		buf[i] = c;
	}
	struct stat st;
	if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
		return ms_error_set(err, MS_ERR_IO, "无法创建目录 %s (cannot create directory): %s",
		                    path, errno ? strerror(errno) : "not a directory");
	return MS_ERR_OK;
}

void ms_gen_expect(gen *g, bool hit, int rule, bool household, const char *subject,
                   const char *note)
{
	gen_expect_list *l = hit ? &g->hits : &g->misses;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;
		gen_expect *v = ms_realloc(l->v, cap * sizeof *v);
		if (!v) {
			ms_gen_fail(g, MS_ERR_NOMEM, "内存不足 (out of memory)");
			return;
		}
		l->v = v;
		l->cap = cap;
	}
	gen_expect *e = &l->v[l->n++];
	e->rule = (uint8_t)rule;
	e->household = household;
	snprintf(e->subject, sizeof e->subject, "%s", subject);
	e->note = note;
}

static int expect_cmp(const void *a, const void *b)
{
	const gen_expect *x = a, *y = b;
	if (x->rule != y->rule)
		return x->rule < y->rule ? -1 : 1;
	return strcmp(x->subject, y->subject);
}

static void csv_text(FILE *fp, const char *s)
{
	if (!strpbrk(s, ",\"\n")) {
		fputs(s, fp);
		return;
	}
	fputc('"', fp);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', fp);
		fputc(*s, fp);
	}
	fputc('"', fp);
}

static FILE *open_out(gen *g, const char *name, char path[4096])
{
	int n = snprintf(path, 4096, "%s/%s", g->opt->out_dir, name);
	FILE *fp = n > 0 && n < 4096 ? fopen(path, "wb") : NULL;
	if (!fp)
		ms_gen_fail(g, MS_ERR_IO, "无法创建 %s (cannot create): %s", path, strerror(errno));
	return fp;
}

static void close_out(gen *g, FILE *fp, const char *path)
{
	if (ferror(fp) | (fclose(fp) != 0))
		ms_gen_fail(g, MS_ERR_IO, "写入 %s 失败 (write failed)", path);
}

static void write_expect(gen *g, gen_expect_list *l, const char *name, const char *last_col)
{
	char path[4096];
	qsort(l->v, l->n, sizeof *l->v, expect_cmp);
	FILE *fp = open_out(g, name, path);
	if (!fp)
		return;
	fprintf(fp, "rule,subject_type,subject,%s\n", last_col);
	for (size_t i = 0; i < l->n; i++) {
		const gen_expect *e = &l->v[i];
		fprintf(fp, "R%02d,%s,%s,", e->rule, e->household ? "household" : "person",
		        e->subject);
		csv_text(fp, e->note);
		fputc('\n', fp);
	}
	close_out(g, fp, path);
}

/* One station per township with people, one point per village with people. */
static uint64_t write_stations(gen *g)
{
	const gen_profile *p = &g->prof;
	char path[4096];
	FILE *fp = open_out(g, p->stations_file, path);
	if (!fp)
		return 0;
	uint64_t rows = 0;
	fprintf(fp, "%s,%s,%s\n", p->stations_header[0], p->stations_header[1],
	        p->stations_header[2]);
	size_t i = 0;
	while (i < g->nvill) {
		size_t j = i;
		bool any = false;
		while (j < g->nvill && memcmp(g->vill[j].code, g->vill[i].code, 9) == 0) {
			any = any || g->vill_hh[j] > 0;
			j++;
		}
		if (any) {
			const ms_area *t = ms_area_township_of(g->vill[i].code, 12);
			fprintf(fp, "%.9s,%s%s,%s\n", g->vill[i].code, t ? t->name : "",
			        p->station_suffix, p->station_type);
			rows++;
			for (size_t k = i; k < j; k++)
				if (g->vill_hh[k] > 0) {
					fprintf(fp, "%s,%s%s,%s\n", g->vill[k].code,
					        g->vill[k].name, p->point_suffix, p->point_type);
					rows++;
				}
		}
		i = j;
	}
	close_out(g, fp, path);
	return rows;
}

static const char *format_name(gen_format f)
{
	static const char *const names[] = {"csv", "tsv", "jsonl", "xlsx"};
	return names[f];
}

static void write_manifest(gen *g, ms_gen_result *res)
{
	char date[MS_DATE_STR];
	ms_date_format(g->D, date);
	json_t *root = json_object();
	json_t *files = json_array();
	if (!root || !files) {
		json_decref(root);
		json_decref(files);
		ms_gen_fail(g, MS_ERR_NOMEM, "内存不足 (out of memory)");
		return;
	}
	if (g->opt->seed <= (uint64_t)INT64_MAX)
		json_object_set_new(root, "seed", json_integer((json_int_t)g->opt->seed));
	else {
		char s[24];
		snprintf(s, sizeof s, "%llu", (unsigned long long)g->opt->seed);
		json_object_set_new(root, "seed", json_string(s));
	}
	json_object_set_new(root, "as_of", json_string(date));
	json_object_set_new(root, "people", json_integer((json_int_t)res->people));
	json_object_set_new(root, "households", json_integer((json_int_t)res->households));
	json_object_set_new(root, "feed_only_subjects",
	                    json_integer((json_int_t)res->feed_only_subjects));
	for (int i = 0; i < res->nfiles; i++) {
		const ms_gen_file_result *f = &res->files[i];
		json_t *e = json_pack(
		    "{s:s, s:s, s:s, s:s, s:I, s:{s:I, s:i, s:i, s:I, s:I, s:I}}", "file", f->file,
		    "feed", f->feed, "format", f->format, "encoding", f->encoding, "rows",
		    (json_int_t)f->rows, "expected", "accepted", (json_int_t)f->accepted,
		    "unchanged", 0, "updated", 0, "rejected", (json_int_t)f->rejected, "review",
		    (json_int_t)f->review, "corrected", (json_int_t)f->corrected);
		json_array_append_new(files, e);
	}
	json_object_set_new(root, "files", files);
	json_object_set_new(root, "stations",
	                    json_pack("{s:s, s:I}", "file", g->prof.stations_file, "rows",
	                              (json_int_t)res->stations));
	json_t *hits = json_object(), *near = json_object();
	for (int r = 0; r < MS_GEN_RULES; r++) {
		char k[8];
		snprintf(k, sizeof k, "R%02d", r + 1);
		json_object_set_new(hits, k, json_integer((json_int_t)res->hits[r]));
		json_object_set_new(near, k, json_integer((json_int_t)res->near_misses[r]));
	}
	json_object_set_new(root, "expected_hits",
	                    json_pack("{s:s, s:I, s:o}", "file", "expected_hits.csv", "rows",
	                              (json_int_t)g->hits.n, "by_rule", hits));
	json_object_set_new(root, "near_misses",
	                    json_pack("{s:s, s:I, s:o}", "file", "near_misses.csv", "rows",
	                              (json_int_t)g->misses.n, "by_rule", near));
	char path[4096];
	snprintf(path, sizeof path, "%s/manifest.json", g->opt->out_dir);
	if (json_dump_file(root, path, JSON_INDENT(2)) != 0)
		ms_gen_fail(g, MS_ERR_IO, "无法写入 %s (cannot write)", path);
	json_decref(root);
}

static ms_err check_params(gen *g)
{
	const gen_by_area *tabs[2] = {&g->prof.dibao_std, &g->prof.oop_threshold};
	const char *names[2] = {"dibao_std", "medical_oop_threshold"};
	char date[MS_DATE_STR];
	ms_date_format(g->D, date);
	for (int t = 0; t < 2; t++)
		for (int i = 0; i < tabs[t]->n; i++) {
			ms_money v;
			if (!ms_gen_param(tabs[t], tabs[t]->prefix[i], g->D, &v)) {
				ms_gen_fail(g, MS_ERR_PACK,
				            "%s: %s%s%s 在 %s 没有取值 (has no value at that date)",
				            g->prof.path, names[t], *tabs[t]->prefix[i] ? "@" : "",
				            tabs[t]->prefix[i], date);
				return g->rc;
			}
		}
	return MS_ERR_OK;
}

static void fill_result(gen *g, ms_gen_result *res)
{
	memset(res, 0, sizeof *res);
	res->people = g->people;
	res->households = g->households;
	res->feed_only_subjects = g->feed_only;
	for (int f = 0; f < F_COUNT && res->nfiles < MS_GEN_FILES_MAX; f++) {
		const gen_out *o = &g->out[f];
		ms_gen_file_result *r = &res->files[res->nfiles++];
		snprintf(r->file, sizeof r->file, "%s", g->prof.files[f].file);
		snprintf(r->feed, sizeof r->feed, "%s", ms_gen_file_desc[f].feed);
		snprintf(r->format, sizeof r->format, "%s", format_name(g->prof.files[f].format));
		snprintf(r->encoding, sizeof r->encoding, "%s",
		         g->prof.files[f].encoding == ENC_GB18030 ? "gb18030" : "utf-8");
		r->rows = o->rows;
		r->accepted = o->accepted;
		r->rejected = o->rejected;
		r->review = o->review;
		r->corrected = o->corrected;
	}
	for (size_t i = 0; i < g->hits.n; i++)
		res->hits[g->hits.v[i].rule - 1]++;
	for (size_t i = 0; i < g->misses.n; i++)
		res->near_misses[g->misses.v[i].rule - 1]++;
}

static void run(gen *g, const ms_progress *progress, ms_gen_result *res)
{
	const ms_gen_options *opt = g->opt;
	if (ms_gen_profile_load(&g->prof, opt->profile_path, g->err)) {
		g->rc = g->err ? g->err->code : MS_ERR_PACK;
		return;
	}
	if (check_params(g) || ms_gen_areas_init(g))
		return;
	/* a feed written as XLSX must fit in one sheet (1,048,576 rows): above
	 * about a million rows its background volume is scaled down; planted
	 * rows are few and always written */
	for (int f = F_FIRST_FEED; f < F_COUNT; f++) {
		double est = g->prof.vol[f] * (double)opt->people / 1000.0 * 1.25;
		if (g->prof.files[f].format == FMT_XLSX && est > 1000000.0)
			g->prof.vol[f] *= 1000000.0 / est;
	}
	if (make_dir(opt->out_dir, g->err)) {
		g->rc = MS_ERR_IO;
		return;
	}
	if (ms_gen_idset_init(&g->ids, (size_t)(opt->people + opt->people / 3 + 4096))) {
		ms_gen_fail(g, MS_ERR_NOMEM, "内存不足 (out of memory)");
		return;
	}
	for (int f = 0; f < F_COUNT; f++) {
		if (ms_gen_out_open(g, (gen_file_id)f))
			return;
		ms_gen_dirty_init(g, (gen_file_id)f);
	}

	size_t ncases = ms_gen_plan_count(g);
	gen_case *cases = ms_malloc(ncases * sizeof *cases);
	if (!cases) {
		ms_gen_fail(g, MS_ERR_NOMEM, "内存不足 (out of memory)");
		return;
	}
	ncases = ms_gen_plan_cases(g, cases, ncases);
	uint64_t reserve = 0;
	for (size_t i = 0; i < ncases; i++)
		reserve += cases[i].people;
	if (reserve * 10 > opt->people * 9) {
		ms_gen_fail(
		    g, MS_ERR_USAGE,
		    "人数太少，放不下 %llu 个预置案例 (too few people for the planted cases): "
		    "加大 --people 或调低 [plants]",
		    (unsigned long long)ncases);
		ms_free(cases);
		return;
	}

	size_t ci = 0;
	uint64_t N = opt->people, step = 0;
	while (g->people < N && !g->rc) {
		uint64_t remaining = N - g->people;
		int64_t free_people = (int64_t)remaining - (int64_t)reserve;
		size_t left = ncases - ci;
		bool plant = false;
		if (left) {
			if (free_people <= 0)
				plant = true;
			else {
				double est = (double)free_people / 2.4 + (double)left;
				plant = gen_chance(&g->rng, (double)left / est);
			}
		}
		if (plant) {
			if (cases[ci].people > remaining) { /* cannot happen: reserve covers it */
				ms_gen_fail(g, MS_ERR_INTERNAL, "planted cases do not fit");
				break;
			}
			ms_gen_plant(g, &cases[ci]);
			reserve -= cases[ci].people;
			ci++;
		} else {
			ms_gen_background_household(g, free_people > 6 ? 6 : (int)free_people);
		}
		if ((++step & 4095) == 0)
			ms_progress_report(progress, "生成 generating", g->people, N);
	}
	while (ci < ncases && !g->rc) { /* feed-only cases need no one in the registry */
		if (cases[ci].people)
			ms_gen_fail(g, MS_ERR_INTERNAL, "a planted case was left over");
		else
			ms_gen_plant(g, &cases[ci]);
		ci++;
	}
	ms_free(cases);
	ms_progress_report(progress, "生成 generating", g->people, N);
	if (g->rc)
		return;
	ms_gen_dirty_flush(g);
	for (int f = 0; f < F_COUNT; f++)
		if (ms_gen_out_close(g, (gen_file_id)f))
			return;
	uint64_t stations = write_stations(g);
	write_expect(g, &g->hits, "expected_hits.csv", "note");
	write_expect(g, &g->misses, "near_misses.csv", "why");
	if (g->rc)
		return;
	fill_result(g, res);
	res->stations = stations;
	write_manifest(g, res);
}

ms_err ms_gen_run(const ms_gen_options *opt, const ms_progress *progress, ms_gen_result *out,
                  ms_error *err)
{
	double t0 = now_seconds();
	if (!opt || !opt->out_dir || !*opt->out_dir || !opt->profile_path)
		return ms_error_set(err, MS_ERR_USAGE,
		                    "缺少输出目录或配置文件 (missing --out or profile)");
	if (opt->people < MS_GEN_PEOPLE_MIN || opt->people > MS_GEN_PEOPLE_MAX)
		return ms_error_set(
		    err, MS_ERR_USAGE, "人数应在 %llu 到 %llu 之间 (people out of range)",
		    (unsigned long long)MS_GEN_PEOPLE_MIN, (unsigned long long)MS_GEN_PEOPLE_MAX);
	int y, m, d;
	ms_date_to_ymd(opt->as_of, &y, &m, &d);
	if (opt->as_of == MS_DATE_NONE || y < 1990 || y > 2199)
		return ms_error_set(err, MS_ERR_USAGE,
		                    "业务日期应在 1990–2199 年 (as-of date out of range)");
	gen *g = ms_calloc(1, sizeof *g);
	ms_gen_result *res = ms_calloc(1, sizeof *res);
	if (!g || !res) {
		ms_free(g);
		ms_free(res);
		return ms_error_set(err, MS_ERR_NOMEM, "内存不足 (out of memory)");
	}
	g->opt = opt;
	g->err = err;
	g->D = opt->as_of;
	g->M = ms_month_of(g->D);
	g->today = ms_date_today();
	if (g->today < g->D)
		g->today = g->D;
	gen_rng_seed(&g->rng, opt->seed);
	run(g, progress, res);
	ms_err rc = g->rc;
	if (rc)
		ms_gen_out_abort(g);
	res->seconds = now_seconds() - t0;
	if (!rc && out)
		*out = *res;
	ms_free(g->hits.v);
	ms_free(g->misses.v);
	ms_free(g->vill_hh);
	ms_free(g->legacy);
	ms_gen_idset_free(&g->ids);
	ms_gen_profile_free(&g->prof);
	ms_free(g);
	ms_free(res);
	return rc;
}
