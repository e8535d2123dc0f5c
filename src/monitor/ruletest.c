/* ruletest.c — runs the rule tests of a pack (format in ruletest.h). */
#include "monitor/ruletest.h"

#include "base/mem.h"
#include "ingest/import.h"
#include "monitor/snapshot.h"
#include "rules/exec.h"
#include "rules/explain.h"
#include "rules/plan.h"
#include "store/store.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RT_MAX_FEEDS 64
#define RT_MAX_EXPECT 256
#define RT_FILE_MAX (1024 * 1024)

typedef struct {
	const char *feed;
	ms_buf csv;
} rt_feed;

typedef struct {
	char name[128];
	const char *file;
	int line;
	ms_date as_of;
	rt_feed feeds[RT_MAX_FEEDS];
	int nfeeds;
	char expect_rule[RT_MAX_EXPECT][64];
	char expect_subject[RT_MAX_EXPECT][128];
	int nexpect;
} rt_case;

static void case_reset(rt_case *c)
{
	for (int i = 0; i < c->nfeeds; i++)
		ms_buf_free(&c->feeds[i].csv);
	memset(c, 0, sizeof *c);
}

/* A case: import, scan, compare. Returns true when it passed. */
static bool run_case(const ms_pack *pack, rt_case *c, FILE *rep, ms_ruletest_result *res,
                     ms_error *err, ms_err *fatal)
{
	char path[] = "/tmp/minsheng-ruletest-XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0) {
		*fatal = ms_error_set(err, MS_ERR_IO, "无法创建临时数据库 (cannot create a temporary database)");
		return false;
	}
	close(fd);
	unlink(path);
	ms_store *s = NULL;
	ms_snapshot *snap = NULL;
	ms_plan *plan = NULL;
	ms_rule_hits hits;
	memset(&hits, 0, sizeof hits);
	bool ok = true;
	ms_error e2;
	ms_error_clear(&e2);
	char why[1024] = "";
	if (ms_store_open(path, MS_STORE_CREATE, &s, &e2)) {
		snprintf(why, sizeof why, "%s", ms_error_text(&e2));
		ok = false;
		goto out;
	}
	/* registry first (households, persons), then the rest in file order */
	for (int pass = 0; pass < 3 && ok; pass++) {
		for (int i = 0; i < c->nfeeds && ok; i++) {
			const ms_feed *f = ms_feed_set_find(&pack->feeds, c->feeds[i].feed);
			int want = !f ? 2 : f->role == MS_FEED_HOUSEHOLDS ? 0 : f->role == MS_FEED_PERSONS ? 1 : 2;
			if (want != pass)
				continue;
			ms_import_opts io = {.feed = c->feeds[i].feed,
			                     .data = ms_buf_str(&c->feeds[i].csv),
			                     .len = c->feeds[i].csv.len,
			                     .name = "test.csv",
			                     .actor = "rules-test",
			                     .today = c->as_of};
			ms_import_result ir;
			if (ms_import_run(s, &pack->feeds, &io, &ir, &e2)) {
				snprintf(why, sizeof why, "导入 %s 失败 (import failed): %s", c->feeds[i].feed,
				         ms_error_text(&e2));
				ok = false;
			} else if (ir.counts.rejected || ir.counts.review) {
				snprintf(why, sizeof why,
				         "%s 有 %lld 行被拒收、%lld 行待核对：测试数据应全部有效 (test rows must all be "
				         "accepted)", c->feeds[i].feed, (long long)ir.counts.rejected,
				         (long long)ir.counts.review);
				ok = false;
			}
		}
	}
	if (!ok)
		goto out;
	if (ms_snapshot_build(s, &pack->feeds, NULL, &snap, &e2) ||
	    ms_plan_compile(pack, c->as_of, &plan, &e2) || ms_plan_run(plan, snap, &hits, &e2)) {
		snprintf(why, sizeof why, "%s", ms_error_text(&e2));
		ok = false;
		goto out;
	}
	/* every hit expected, every expected hit found */
	bool *matched = ms_calloc((size_t)c->nexpect + 1, sizeof(bool));
	if (!matched) {
		*fatal = ms_error_set(err, MS_ERR_NOMEM, NULL);
		ok = false;
		goto out;
	}
	size_t o = 0;
	for (int r = 0; r < pack->nrules; r++) {
		const ms_rule *rule = &pack->rules[r];
		for (size_t h = 0; h < hits.n[r]; h++) {
			int32_t sj = hits.subjects[r][h];
			const char *subj = rule->subject == DOM_PERSON ? snap->idno[sj] : snap->hhid[sj];
			bool found = false;
			for (int k = 0; k < c->nexpect; k++)
				if (!strcmp(c->expect_rule[k], rule->id) && !strcmp(c->expect_subject[k], subj)) {
					matched[k] = true;
					found = true;
				}
			if (!found) {
				ok = false;
				int wn = snprintf(why + o, sizeof why - o, "%s多出命中 unexpected hit: %s %s", o ? "; " : "",
				                  rule->id, subj);
				if (wn > 0 && (size_t)wn < sizeof why - o)
					o += (size_t)wn;
			}
		}
		/* the explainer must agree with the plan on every subject */
		size_t nsub = rule->subject == DOM_PERSON ? snap->npersons : snap->nhouseholds;
		size_t hi = 0;
		for (size_t sj = 0; sj < nsub; sj++) {
			bool vec = hi < hits.n[r] && hits.subjects[r][hi] == (int32_t)sj;
			if (vec)
				hi++;
			ms_explanation *ex = ms_malloc(sizeof *ex);
			if (!ex) {
				*fatal = ms_error_set(err, MS_ERR_NOMEM, NULL);
				ok = false;
				break;
			}
			if (ms_explain(pack, snap, r, (int32_t)sj, c->as_of, ex, &e2) == MS_ERR_OK) {
				res->checks++;
				if (ex->fired != vec) {
					ok = false;
					int wn = snprintf(why + o, sizeof why - o,
					                  "%s逐个求值与向量求值不一致 scalar/vector disagree: %s subject %zu",
					                  o ? "; " : "", rule->id, sj);
					if (wn > 0 && (size_t)wn < sizeof why - o)
						o += (size_t)wn;
				}
			}
			ms_free(ex);
		}
	}
	for (int k = 0; k < c->nexpect; k++)
		if (!matched[k]) {
			ok = false;
			int wn = snprintf(why + o, sizeof why - o, "%s缺少命中 missing hit: %s %s", o ? "; " : "",
			                  c->expect_rule[k], c->expect_subject[k]);
			if (wn > 0 && (size_t)wn < sizeof why - o)
				o += (size_t)wn;
		}
	ms_free(matched);
out:
	ms_rule_hits_free(&hits);
	ms_plan_free(plan);
	ms_snapshot_free(snap);
	ms_store_close(s);
	char side[4200];
	const char *suffix[] = {"", "-wal", "-shm", ".import-lock"};
	for (int i = 0; i < 4; i++) {
		snprintf(side, sizeof side, "%s%s", path, suffix[i]);
		unlink(side);
	}
	if (rep)
		fprintf(rep, "%s %s (%s:%d)%s%s\n", ok ? "ok    " : "FAILED", c->name, c->file, c->line,
		        ok ? "" : "\n       ", ok ? "" : why);
	return ok;
}

static bool keyword(const char *line, const char *kw, const char **rest)
{
	size_t n = strlen(kw);
	if (strncmp(line, kw, n) != 0 || (line[n] != ' ' && line[n] != '\t' && line[n] != '\0'))
		return false;
	const char *r = line + n;
	while (*r == ' ' || *r == '\t')
		r++;
	*rest = r;
	return true;
}

static ms_err run_file(const ms_pack *pack, const char *path, FILE *rep, ms_ruletest_result *res,
                       ms_error *err)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return ms_error_set(err, MS_ERR_PACK, "无法打开 %s (cannot open)", path);
	rt_case *c = ms_calloc(1, sizeof *c);
	char *line = ms_malloc(65536);
	if (!c || !line) {
		fclose(f);
		ms_free(c);
		ms_free(line);
		return ms_error_set(err, MS_ERR_NOMEM, NULL);
	}
	ms_err rc = MS_ERR_OK;
	int ln = 0;
	bool in_case = false;
	rt_feed *cur = NULL;
	while (!rc && fgets(line, 65536, f)) {
		ln++;
		size_t n = strlen(line);
		while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		const char *rest;
		if (!cur && (n == 0 || line[0] == '#'))
			continue;
		if (keyword(line, "case", &rest)) {
			if (in_case) {
				rc = ms_error_set(err, MS_ERR_PACK, "%s:%d: 上一个 case 缺少 end (missing end)", path, ln);
				break;
			}
			case_reset(c);
			snprintf(c->name, sizeof c->name, "%s", rest);
			c->file = path;
			c->line = ln;
			c->as_of = ms_date_today();
			in_case = true;
			cur = NULL;
		} else if (!in_case) {
			rc = ms_error_set(err, MS_ERR_PACK, "%s:%d: 应为 case (expected case)", path, ln);
		} else if (keyword(line, "as_of", &rest)) {
			cur = NULL;
			if (ms_date_parse(rest, strlen(rest), &c->as_of))
				rc = ms_error_set(err, MS_ERR_PACK, "%s:%d: as_of 日期无效 (bad date)", path, ln);
		} else if (keyword(line, "feed", &rest)) {
			if (!ms_feed_set_find(&pack->feeds, rest)) {
				rc = ms_error_set(err, MS_ERR_PACK, "%s:%d: 未知的数据源 %s (unknown feed)", path, ln, rest);
				break;
			}
			if (c->nfeeds >= RT_MAX_FEEDS) {
				rc = ms_error_set(err, MS_ERR_PACK, "%s:%d: 数据源过多 (too many feeds)", path, ln);
				break;
			}
			cur = &c->feeds[c->nfeeds++];
			const ms_feed *fd = ms_feed_set_find(&pack->feeds, rest);
			cur->feed = fd->name;
			ms_buf_init(&cur->csv, RT_FILE_MAX);
		} else if (keyword(line, "expect", &rest)) {
			cur = NULL;
			char rule[64], subj[128];
			if (sscanf(rest, "%63s %127s", rule, subj) != 2 || c->nexpect >= RT_MAX_EXPECT) {
				rc = ms_error_set(err, MS_ERR_PACK, "%s:%d: 应为 expect 规则 对象 (expected RULE SUBJECT)",
				                  path, ln);
				break;
			}
			if (!ms_pack_rule(pack, rule)) {
				rc = ms_error_set(err, MS_ERR_PACK, "%s:%d: 规则 %s 不存在 (no such rule)", path, ln, rule);
				break;
			}
			snprintf(c->expect_rule[c->nexpect], sizeof c->expect_rule[0], "%s", rule);
			snprintf(c->expect_subject[c->nexpect], sizeof c->expect_subject[0], "%s", subj);
			c->nexpect++;
		} else if (keyword(line, "end", &rest)) {
			ms_err fatal = MS_ERR_OK;
			res->cases++;
			if (run_case(pack, c, rep, res, err, &fatal))
				res->passed++;
			else
				res->failed++;
			rc = fatal;
			in_case = false;
			cur = NULL;
		} else if (cur) {
			if (ms_buf_append(&cur->csv, line, n) || ms_buf_putc(&cur->csv, '\n'))
				rc = ms_error_set(err, MS_ERR_TOO_LARGE, "%s:%d: 数据过多 (too much data)", path, ln);
		} else {
			rc = ms_error_set(err, MS_ERR_PACK, "%s:%d: 无法识别的行 (unexpected line)", path, ln);
		}
	}
	if (!rc && in_case)
		rc = ms_error_set(err, MS_ERR_PACK, "%s: 最后一个 case 缺少 end (missing end)", path);
	case_reset(c);
	ms_free(c);
	ms_free(line);
	fclose(f);
	return rc;
}

static int name_cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

ms_err ms_ruletest_run(const ms_pack *pack, FILE *report, ms_ruletest_result *res, ms_error *err)
{
	memset(res, 0, sizeof *res);
	char dir[4096];
	snprintf(dir, sizeof dir, "%s/tests", pack->dir);
	DIR *d = opendir(dir);
	if (!d)
		return ms_error_set(err, MS_ERR_PACK, "政策包没有 tests 目录：%s (the pack has no tests folder)", dir);
	char *names[512];
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)) && n < 512) {
		size_t l = strlen(e->d_name);
		if (l > 5 && !strcmp(e->d_name + l - 5, ".test") && e->d_name[0] != '.')
			names[n++] = ms_strdup(e->d_name);
	}
	closedir(d);
	qsort(names, (size_t)n, sizeof names[0], name_cmp);
	ms_err rc = MS_ERR_OK;
	for (int i = 0; i < n; i++) {
		char path[8192];
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		if (!rc)
			rc = run_file(pack, path, report, res, err);
		ms_free(names[i]);
	}
	return rc;
}
