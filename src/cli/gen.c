/* gen.c — `minsheng gen`: writes a synthetic province (registry files,
 * department feeds, planted hits and near misses) into a folder. A thin face
 * over ms_gen_run: options in, summary out. */
#include "cli/cli.h"

#include "base/date.h"
#include "base/money.h"
#include "gen/gen.h"

#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char usage_text[] =
    "用法 usage: minsheng gen --out DIR --people N [--seed S] [--as-of DATE]\n"
    "                        [--profile FILE] [--json]\n"
    "\n"
    "生成合成测试省份：登记库 4 个文件、13 个部门比对文件（含 GBK、XLSX、TSV、JSONL 等变体\n"
    "与各类脏数据行）、社工站表、预置命中 expected_hits.csv 与临界未命中 near_misses.csv、\n"
    "以及 manifest.json（每个文件首次导入的预期计数）。\n"
    "Writes a synthetic province: the 4 registry files, the 13 department feeds (with GBK,\n"
    "XLSX, TSV and JSON Lines variants and dirty rows of every kind), stations.csv, the\n"
    "planted hits and near misses, and manifest.json with the counts a first import must give.\n"
    "\n"
    "  --out DIR       输出目录，不存在则创建 / output folder, created when missing\n"
    "  --people N      登记人数 / registry persons, 1000–100000000 (fixed test province\n"
    "                  20000, demo 50000, Guangdong 4040000)\n"
    "  --seed S        随机种子，默认 1 / seed, default 1 (same seed → same bytes)\n"
    "  --as-of DATE    业务日期 D，默认今天 / as-of date D, default today ($MINSHENG_TODAY)\n"
    "  --profile FILE  默认 / default: <policy pack>/gen-profile.ini\n"
    "  --json          输出 JSON 摘要 / print a JSON summary\n"
    "\n"
    "退出码 exit: 0 成功 ok, 1 失败 failure, 2 用法错误 usage error\n";

/* The value of "--name VALUE" or "--name=VALUE"; NULL when argv[*i] is not it. */
static const char *opt_value(int argc, char **argv, int *i, const char *name, bool *missing)
{
	size_t n = strlen(name);
	const char *a = argv[*i];
	if (strncmp(a, name, n) != 0)
		return NULL;
	if (a[n] == '=')
		return a + n + 1;
	if (a[n] != '\0')
		return NULL;
	if (*i + 1 >= argc) {
		*missing = true;
		return NULL;
	}
	return argv[++*i];
}

/* <pack>/gen-profile.ini, else next to the program: <exe>/../policy/guangdong. */
static const char *default_profile(char *buf, size_t cap)
{
	snprintf(buf, cap, "%s/gen-profile.ini", cli_pack_dir(NULL));
	if (access(buf, R_OK) == 0)
		return buf;
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n > 0) {
		exe[n] = '\0';
		char *slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			char alt[PATH_MAX + 64];
			snprintf(alt, sizeof alt, "%s/../policy/guangdong/gen-profile.ini", exe);
			if (access(alt, R_OK) == 0) {
				snprintf(buf, cap, "%s", alt);
				return buf;
			}
		}
	}
	snprintf(buf, cap, "%s/gen-profile.ini", cli_pack_dir(NULL));
	return buf;
}

static void print_json(const ms_gen_options *o, const ms_gen_result *r)
{
	char date[MS_DATE_STR];
	ms_date_format(o->as_of, date);
	json_t *root = json_object();
	json_object_set_new(root, "out", json_string(o->out_dir));
	json_object_set_new(root, "seed", json_integer((json_int_t)o->seed));
	json_object_set_new(root, "as_of", json_string(date));
	json_object_set_new(root, "people", json_integer((json_int_t)r->people));
	json_object_set_new(root, "households", json_integer((json_int_t)r->households));
	json_object_set_new(root, "feed_only_subjects",
	                    json_integer((json_int_t)r->feed_only_subjects));
	json_t *files = json_array();
	for (int i = 0; i < r->nfiles; i++) {
		const ms_gen_file_result *f = &r->files[i];
		json_array_append_new(
		    files, json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I}", "file", f->file, "feed",
		                     f->feed, "rows", (json_int_t)f->rows, "accepted",
		                     (json_int_t)f->accepted, "rejected", (json_int_t)f->rejected,
		                     "review", (json_int_t)f->review, "corrected",
		                     (json_int_t)f->corrected));
	}
	json_object_set_new(root, "files", files);
	json_object_set_new(root, "stations", json_integer((json_int_t)r->stations));
	json_t *hits = json_object(), *near = json_object();
	for (int k = 0; k < MS_GEN_RULES; k++) {
		char key[8];
		snprintf(key, sizeof key, "R%02d", k + 1);
		json_object_set_new(hits, key, json_integer((json_int_t)r->hits[k]));
		json_object_set_new(near, key, json_integer((json_int_t)r->near_misses[k]));
	}
	json_object_set_new(root, "hits", hits);
	json_object_set_new(root, "near_misses", near);
	json_object_set_new(root, "seconds",
	                    json_real((double)(long long)(r->seconds * 1000) / 1000));
	cli_print_json(root);
}

int cli_cmd_gen(int argc, char **argv)
{
	ms_gen_options o = {.seed = 1, .as_of = ms_date_today()};
	const char *people = NULL, *seed = NULL, *as_of = NULL;
	bool json = false;
	for (int i = 1; i < argc; i++) {
		bool missing = false;
		const char *v;
		if (cli_is_help(argv[i])) {
			fputs(usage_text, stdout);
			return CLI_OK;
		} else if (strcmp(argv[i], "--json") == 0) {
			json = true;
		} else if ((v = opt_value(argc, argv, &i, "--out", &missing))) {
			o.out_dir = v;
		} else if ((v = opt_value(argc, argv, &i, "--people", &missing))) {
			people = v;
		} else if ((v = opt_value(argc, argv, &i, "--seed", &missing))) {
			seed = v;
		} else if ((v = opt_value(argc, argv, &i, "--as-of", &missing))) {
			as_of = v;
		} else if ((v = opt_value(argc, argv, &i, "--profile", &missing))) {
			o.profile_path = v;
		} else if (missing) {
			return cli_usage_error("gen", "%s 缺少取值 (needs a value)", argv[i]);
		} else {
			return cli_usage_error("gen", "未知参数 %s (unknown argument)", argv[i]);
		}
	}
	if (!o.out_dir || !*o.out_dir)
		return cli_usage_error("gen", "缺少 --out DIR (missing --out)");
	if (!people)
		return cli_usage_error("gen", "缺少 --people N (missing --people)");
	int64_t n;
	if (ms_int_parse(people, strlen(people), 0, INT64_MAX, &n) ||
	    (uint64_t)n < MS_GEN_PEOPLE_MIN || (uint64_t)n > MS_GEN_PEOPLE_MAX)
		return cli_usage_error(
		    "gen", "--people 应为 %llu 到 %llu 之间的整数 (people out of range)",
		    (unsigned long long)MS_GEN_PEOPLE_MIN, (unsigned long long)MS_GEN_PEOPLE_MAX);
	o.people = (uint64_t)n;
	if (seed) {
		int64_t s;
		if (ms_int_parse(seed, strlen(seed), 0, INT64_MAX, &s))
			return cli_usage_error("gen",
			                       "--seed 应为非负整数 (seed must be a whole number)");
		o.seed = (uint64_t)s;
	}
	if (as_of && ms_date_parse(as_of, strlen(as_of), &o.as_of))
		return cli_usage_error("gen", "--as-of 日期无效：%s (bad date)", as_of);
	char prof[PATH_MAX + 64];
	if (!o.profile_path)
		o.profile_path = default_profile(prof, sizeof prof);

	cli_progress cp;
	cli_progress_init(&cp);
	ms_gen_result r;
	ms_error err;
	ms_error_clear(&err);
	ms_err rc = ms_gen_run(&o, &cp.p, &r, &err);
	cli_progress_done(&cp);
	if (rc)
		return cli_fail_err("gen", &err);
	if (json) {
		print_json(&o, &r);
		return CLI_OK;
	}
	uint64_t hits = 0, near = 0, rows = 0;
	for (int k = 0; k < MS_GEN_RULES; k++) {
		hits += r.hits[k];
		near += r.near_misses[k];
	}
	for (int i = 0; i < r.nfiles; i++)
		rows += r.files[i].rows;
	printf("已生成 generated %s: %llu 人 people, %llu 户 households, %llu 个仅见于部门数据的人 "
	       "feed-only subjects\n",
	       o.out_dir, (unsigned long long)r.people, (unsigned long long)r.households,
	       (unsigned long long)r.feed_only_subjects);
	printf("%d 个文件 files, %llu 行 rows; 预置命中 planted hits %llu, 临界未命中 near misses "
	       "%llu; "
	       "%.1f 秒 s\n",
	       r.nfiles, (unsigned long long)rows, (unsigned long long)hits,
	       (unsigned long long)near, r.seconds);
	return CLI_OK;
}
