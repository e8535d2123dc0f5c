/* eval.c — `minsheng eval`: the station evaluation (SPEC §5): the scheme of
 * the pack, rounds per area and year, computed indicators, the stations'
 * self-assessment, the spot-check sample and its evaluators, third-party
 * scores, closing, and the report (text, JSON, Excel). Each action is one
 * call into src/station/eval.h, which decides who may. */
#include "cli/cli.h"

#include "rules/pack.h"
#include "station/eval.h"
#include "store/store.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void eval_usage(FILE *out)
{
	fputs(
	    "用法 usage:\n"
	    "  minsheng eval scheme show [--scheme NAME]\n"
	    "  minsheng eval scheme check FILE\n"
	    "  minsheng eval round open --area CODE --year YYYY [--as-of DATE] [--scheme NAME] "
	    "--as USER\n"
	    "  minsheng eval round list [--as USER]\n"
	    "  minsheng eval round show ID [--station CODE] [--as USER]\n"
	    "  minsheng eval compute ID --as USER\n"
	    "  minsheng eval self ID --station CODE --as USER ITEM=POINTS:EVIDENCE…\n"
	    "  minsheng eval sample ID [--seed SEED] --as USER\n"
	    "  minsheng eval assign ID --evaluator USER (--station CODE[,CODE…] | --all [--area "
	    "P])\n"
	    "           --as USER\n"
	    "  minsheng eval score ID --station CODE --as USER ITEM=POINTS[:COMMENT]…\n"
	    "  minsheng eval close ID --as USER\n"
	    "  minsheng eval report ID [--xlsx FILE] [--as USER]\n"
	    "  (每条均可加 --json --db PATH --pack DIR / each takes --json, --db and --pack)\n\n"
	    "社工站评估（1000 分制，六个模块）：方案是政策包 evaluation/ "
	    "下的文件。为省、市或县开启\n"
	    "某年度的评估轮次（管理员或范围覆盖该区划的民政经办）；compute "
	    "按轮次截止日期的数据计算\n"
	    "系统指标（结束前可重算）；站长逐项自评并写明佐证（A1=35:已设独立场地）；sample "
	    "按地市\n"
	    "分层随机抽查（比例为政策包参数，种子记入轮次，可复现）；assign "
	    "把抽中的站分派给第三方\n"
	    "评估员，评估员只能看到并打分分派给自己的站；close 在抽中的站全部完成评估后结束轮次，\n"
	    "确定最终得分与星级。最终得分：抽中并完成评估的站取第三方总分，其余取自评总分。\n"
	    "report 给出排名、地市与区县汇总和自评与抽查的偏差，--xlsx 另存为 Excel 文件。\n"
	    "The station evaluation (1000 points, six modules) with the scheme of the pack's\n"
	    "evaluation/ folder. An admin, or an officer covering the area, opens a round for a\n"
	    "province, city or county and a year; `compute` fills the indicators the system\n"
	    "measures, as of the round's date (again until it closes); station heads self-assess\n"
	    "each indicator with evidence (A1=35:TEXT); `sample` draws the spot checks, "
	    "stratified\n"
	    "by city (the share is a pack parameter; the seed is kept, so the draw repeats);\n"
	    "`assign` gives drawn stations to third-party evaluators, who see and score only\n"
	    "those; `close` fixes final scores and stars once every drawn station is scored.\n"
	    "Final score: the third-party total where checked, else the self-assessment total.\n"
	    "`report` ranks the stations, sums up cities and counties and lists the deviations\n"
	    "of self-assessment from third-party scores; --xlsx writes it as an Excel workbook.\n\n"
	    "  --as USER      操作或查看的用户；查看时不带为服务器运维视图 / the acting user\n"
	    "  --as-of DATE   轮次的数据截止日期（默认该年 12 月 31 日或今天） / the round's date\n"
	    "  --seed SEED    抽样种子（默认随机生成） / the sample's seed (random by default)\n"
	    "  --json         JSON 输出 / machine-readable output\n",
	    out);
}

typedef struct eopts {
	const char *actor, *area, *scheme, *station, *evaluator, *seed, *xlsx, *as_of, *year;
	bool json, all;
	char **pos; /* positional arguments after the action */
	int npos;
} eopts;

/* Parses the options of `minsheng eval … ACTION …`; argv[0] is the action. */
static int parse(const char *cmd, int argc, char **argv, eopts *o)
{
	static const struct option opts[] = {{"db", required_argument, NULL, 'd'},
	                                     {"pack", required_argument, NULL, 'p'},
	                                     {"as", required_argument, NULL, 'u'},
	                                     {"json", no_argument, NULL, 'j'},
	                                     {"area", required_argument, NULL, 'a'},
	                                     {"scheme", required_argument, NULL, 's'},
	                                     {"station", required_argument, NULL, 't'},
	                                     {"evaluator", required_argument, NULL, 'e'},
	                                     {"seed", required_argument, NULL, 'S'},
	                                     {"xlsx", required_argument, NULL, 'x'},
	                                     {"as-of", required_argument, NULL, 'o'},
	                                     {"year", required_argument, NULL, 'y'},
	                                     {"all", no_argument, NULL, 'A'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	memset(o, 0, sizeof *o);
	int c;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			cli_db_path(optarg);
			break;
		case 'p':
			cli_pack_dir(optarg);
			break;
		case 'u':
			o->actor = optarg;
			break;
		case 'j':
			o->json = true;
			break;
		case 'a':
			o->area = optarg;
			break;
		case 's':
			o->scheme = optarg;
			break;
		case 't':
			o->station = optarg;
			break;
		case 'e':
			o->evaluator = optarg;
			break;
		case 'S':
			o->seed = optarg;
			break;
		case 'x':
			o->xlsx = optarg;
			break;
		case 'o':
			o->as_of = optarg;
			break;
		case 'y':
			o->year = optarg;
			break;
		case 'A':
			o->all = true;
			break;
		case 'h':
			eval_usage(stdout);
			return -1;
		default:
			return cli_usage_error(
			    cmd, "未知选项或缺少参数值：%s (unknown option or missing value)",
			    argv[optind - 1]);
		}
	}
	o->pos = argv + optind;
	o->npos = argc - optind;
	return CLI_OK;
}

/* Prints JSON with reals at 12 significant digits: points carry at most
 * two decimals, and 17 digits would print 786.72 as 786.72000000000003. */
static void print_json(json_t *j)
{
	char *s = j ? json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12))
	            : NULL;
	if (s) {
		fputs(s, stdout);
		fputc('\n', stdout);
		free(s);
	}
	json_decref(j);
}

/* A JSON number of points as text ("—" for null). */
static void jpoints(json_t *v, char out[MS_EVAL_POINTS_STR])
{
	if (!json_is_number(v)) {
		snprintf(out, MS_EVAL_POINTS_STR, "—");
		return;
	}
	double d = json_number_value(v) * 100.0;
	ms_eval_points_format((int64_t)(d < 0 ? d - 0.5 : d + 0.5), out);
}

static int need_id(const char *cmd, const eopts *o, int64_t *id)
{
	if (o->npos < 1)
		return cli_usage_error(cmd, "需要评估轮次编号 (the round's id is required)");
	char *end;
	long long v = strtoll(o->pos[0], &end, 10);
	if (*end || v <= 0)
		return cli_usage_error(
		    cmd, "评估轮次编号应为正整数：%s (a round id is a positive number)", o->pos[0]);
	*id = v;
	return CLI_OK;
}

static int no_extra(const char *cmd, const eopts *o, int allowed)
{
	if (o->npos > allowed)
		return cli_usage_error(cmd, "多余的参数 %s (unexpected argument)", o->pos[allowed]);
	return CLI_OK;
}

/* Opens the pack and the store; both freed by finish(). */
typedef struct env {
	ms_pack *pack;
	ms_store *s;
	ms_error err;
} env;

static int start(const char *cmd, env *v, bool pack)
{
	memset(v, 0, sizeof *v);
	int rc;
	if (pack && (rc = cli_rules_load(cmd, &v->pack)))
		return rc;
	if ((rc = cli_open_store(cmd, false, &v->s))) {
		ms_pack_free(v->pack);
		return rc;
	}
	return CLI_OK;
}

static int finish(const char *cmd, env *v, ms_err e)
{
	ms_store_close(v->s);
	ms_pack_free(v->pack);
	return e ? cli_fail_err(cmd, &v->err) : CLI_OK;
}

static void print_points(const char *label, int64_t centi)
{
	char p[MS_EVAL_POINTS_STR];
	if (centi < 0)
		printf(" %s —", label);
	else {
		ms_eval_points_format(centi, p);
		printf(" %s %s", label, p);
	}
}

static const char *stars(int star)
{
	switch (star) {
	case 5:
		return "★★★★★";
	case 4:
		return "★★★★";
	case 3:
		return "★★★";
	default:
		return "未评星 no star";
	}
}

/* ---- scheme ---- */

static void print_scheme(const ms_eval_scheme *sc)
{
	printf("评估方案 scheme %s：%s\n", sc->name, sc->title);
	if (sc->source)
		printf("  依据 source: %s\n", sc->source);
	printf("  文件 file: %s (SHA-256 %.16s…)\n", sc->path, sc->sha256);
	for (int m = 0; m < sc->nmodules; m++) {
		char p[MS_EVAL_POINTS_STR];
		ms_eval_points_format(sc->modules[m].points, p);
		printf("  %s  %s 分\n", sc->modules[m].name, p);
		for (int k = 0; k < sc->nindicators; k++) {
			const ms_eval_indicator *in = &sc->indicators[k];
			if (in->module != m)
				continue;
			ms_eval_points_format(in->points, p);
			printf("    %-4s %5s  %s", in->id, p, in->title);
			if (in->computed)
				printf("  [计算 computed: %s, %s … %s]",
				       ms_eval_measure_code(in->measure), in->floor_param,
				       in->target_param);
			putchar('\n');
		}
	}
	char t[MS_EVAL_POINTS_STR];
	ms_eval_points_format(sc->total, t);
	printf("  合计 total %s 分 points\n", t);
}

static int cmd_scheme(int argc, char **argv)
{
	const char *cmd = "eval scheme";
	if (argc < 1)
		return cli_usage_error(cmd, "需要 show 或 check (show or check)");
	eopts o;
	int rc = parse(cmd, argc, argv, &o);
	if (rc)
		return rc < 0 ? CLI_OK : rc;
	bool check = strcmp(argv[0], "check") == 0;
	if (!check && strcmp(argv[0], "show") != 0)
		return cli_usage_error(cmd, "未知的操作 %s（show、check） (unknown action)",
		                       argv[0]);
	if (check && o.npos != 1)
		return cli_usage_error(cmd, "check 需要一个方案文件 (check takes one scheme file)");
	if (!check && (rc = no_extra(cmd, &o, 0)))
		return rc;
	ms_pack *pack = NULL;
	if ((rc = cli_rules_load(cmd, &pack)))
		return rc;
	ms_error err;
	ms_error_clear(&err);
	ms_eval_scheme *sc = NULL;
	ms_err e =
	    check ? ms_eval_scheme_parse(pack, o.pos[0], NULL, &sc, &err)
	          : ms_eval_scheme_load(pack, o.scheme, pack->province, ms_date_today(), &sc, &err);
	ms_pack_free(pack);
	if (e)
		return cli_fail_err(cmd, &err);
	if (o.json)
		print_json(ms_eval_scheme_json(sc));
	else if (check)
		printf("评估方案检查通过 scheme OK: %s, %d 个模块 modules, %d 项指标 indicators, "
		       "合计 1000 分\n",
		       sc->name, sc->nmodules, sc->nindicators);
	else
		print_scheme(sc);
	ms_eval_scheme_free(sc);
	return CLI_OK;
}

/* ---- rounds ---- */

static int on_round_text(void *ctx, const ms_eval_round_row *r)
{
	json_t *arr = ctx;
	if (arr) {
		json_array_append_new(arr, ms_eval_round_row_json(r));
		return 0;
	}
	printf("%-5lld %-6s %lld  %-6s 截止 as of %s  方案 %s%s%s\n", (long long)r->id, r->area,
	       (long long)r->year, strcmp(r->state, "open") == 0 ? "进行中" : "已结束", r->as_of,
	       r->scheme, r->seed ? "  已抽样 sampled" : "",
	       r->computed ? "  已计算 computed" : "");
	return 0;
}

static void print_round(const ms_eval_round *r)
{
	const ms_eval_round_row *x = &r->row;
	printf("评估轮次 round %lld  区划 area %s  年度 year %lld  %s\n", (long long)x->id, x->area,
	       (long long)x->year, strcmp(x->state, "open") == 0 ? "进行中 open" : "已结束 closed");
	printf("  方案 scheme %s（%s）  数据截止 as of %s\n", x->scheme, x->scheme_title, x->as_of);
	printf("  计算 computed: %s  抽样 sampled: %s%s%s\n", x->computed ? x->computed : "—",
	       x->sampled ? x->sampled : "—", x->seed ? "  种子 seed " : "",
	       x->seed ? x->seed : "");
	size_t sampled = 0, checked = 0;
	for (size_t i = 0; i < r->nstations; i++) {
		const ms_eval_station *st = &r->stations[i];
		if (!st->visible)
			continue;
		sampled += st->sampled;
		checked += st->checked;
	}
	printf(
	    "  社工站 stations %zu（可见 visible %zu，抽中 drawn %zu，已完成抽查 checked %zu）\n",
	    r->nstations, r->nvisible, sampled, checked);
	for (size_t i = 0; i < r->nstations; i++) {
		const ms_eval_station *st = &r->stations[i];
		if (!st->visible)
			continue;
		printf("  %s %s", st->code, st->name);
		print_points("自评 self", st->self_total);
		print_points("第三方 third", st->third_total);
		print_points("最终 final", st->final_total);
		printf(" %s", stars(st->star));
		if (st->sampled)
			printf("  抽中 drawn%s%s", st->evaluator ? " → " : "",
			       st->evaluator ? st->evaluator : "");
		putchar('\n');
	}
}

static void print_station(const ms_eval_round *r, int si)
{
	const ms_eval_station *st = &r->stations[si];
	printf("评估轮次 round %lld  社工站 station %s %s\n", (long long)r->row.id, st->code,
	       st->name);
	for (int k = 0; k < r->nindicators; k++) {
		const ms_eval_indicator_row *x = &r->indicators[k];
		char p[MS_EVAL_POINTS_STR];
		ms_eval_points_format(x->max_points, p);
		printf("  %-4s %5s  %s\n", x->id, p, x->title);
		if (strcmp(x->method, "manual") == 0) {
			printf("       ");
			print_points("自评 self", st->self[k]);
			print_points("第三方 third", st->third[k]);
			putchar('\n');
			if (st->self_note[k] && *st->self_note[k])
				printf("       佐证 evidence: %s\n", st->self_note[k]);
			if (st->third_note[k] && *st->third_note[k])
				printf("       评估 comment: %s\n", st->third_note[k]);
		} else {
			printf("       ");
			print_points("计算 computed", st->computed[k]);
			if (st->value_den[k] > 0)
				printf("  (%lld/%lld)", (long long)st->value_num[k],
				       (long long)st->value_den[k]);
			else if (st->value_den[k] == 0)
				printf("  (无可计算对象 nothing to measure)");
			putchar('\n');
		}
	}
	print_points("自评总分 self total", st->self_total);
	print_points("第三方总分 third total", st->third_total);
	print_points("最终 final", st->final_total);
	printf(" %s\n", stars(st->star));
}

static int cmd_round(int argc, char **argv)
{
	const char *cmd = "eval round";
	if (argc < 1)
		return cli_usage_error(cmd, "需要 open、list 或 show (open, list or show)");
	eopts o;
	int rc = parse(cmd, argc, argv, &o);
	if (rc)
		return rc < 0 ? CLI_OK : rc;
	env v;
	ms_err e;
	if (strcmp(argv[0], "open") == 0) {
		if ((rc = no_extra(cmd, &o, 0)))
			return rc;
		if (!o.area || !o.year)
			return cli_usage_error(cmd,
			                       "open 需要 --area 和 --year (open needs --area and "
			                       "--year)");
		if (!o.actor)
			return cli_usage_error(cmd, "open 需要 --as USER (open needs --as USER)");
		char *end;
		long year = strtol(o.year, &end, 10);
		if (*end || year < 1 || year > 9999)
			return cli_usage_error(cmd,
			                       "--year 应为年份（如 2026） (a year such as 2026)");
		ms_eval_open_in in = {
		    .area = o.area, .year = (int)year, .as_of = MS_DATE_NONE, .scheme = o.scheme};
		if (o.as_of && ms_date_parse(o.as_of, strlen(o.as_of), &in.as_of))
			return cli_usage_error(cmd, "日期无效：%s（如 2026-11-30） (bad date)",
			                       o.as_of);
		if ((rc = start(cmd, &v, true)))
			return rc;
		int64_t id = 0, n = 0;
		e = ms_eval_open(v.s, v.pack, o.actor, &in, &id, &n, &v.err);
		if (!e) {
			if (o.json)
				print_json(json_pack("{s:I, s:s, s:i, s:I}", "id", (json_int_t)id,
				                     "area", o.area, "year", (int)year, "stations",
				                     (json_int_t)n));
			else
				printf("已开启评估轮次 %lld：区划 %s，%ld 年度，社工站 %lld 个 "
				       "(opened round "
				       "%lld: %lld stations)\n",
				       (long long)id, o.area, year, (long long)n, (long long)id,
				       (long long)n);
		}
		return finish(cmd, &v, e);
	}
	if (strcmp(argv[0], "list") == 0) {
		if ((rc = no_extra(cmd, &o, 0)) || (rc = start(cmd, &v, false)))
			return rc;
		json_t *arr = o.json ? json_array() : NULL;
		e = ms_eval_rounds(v.s, o.actor, on_round_text, arr, &v.err);
		if (!e && arr)
			print_json(arr);
		else
			json_decref(arr);
		return finish(cmd, &v, e);
	}
	if (strcmp(argv[0], "show") == 0) {
		int64_t id;
		if ((rc = need_id(cmd, &o, &id)) || (rc = no_extra(cmd, &o, 1)) ||
		    (rc = start(cmd, &v, true)))
			return rc;
		ms_eval_round *r = NULL;
		e = ms_eval_round_load(v.s, v.pack, o.actor, id, &r, &v.err);
		int si = -1;
		if (!e && o.station) {
			si = ms_eval_round_station(r, o.station);
			if (si < 0 || !r->stations[si].visible)
				e = ms_error_set(
				    &v.err, MS_ERR_NOT_FOUND,
				    "评估轮次 %lld 中没有社工站 %s，或不在您的范围内 (no station "
				    "%s in the round within your reach)",
				    (long long)id, o.station, o.station);
		}
		if (!e) {
			if (o.json)
				print_json(si >= 0 ? ms_eval_station_json(r, si)
				                   : ms_eval_round_json(r));
			else if (si >= 0)
				print_station(r, si);
			else
				print_round(r);
		}
		ms_eval_round_free(r);
		return finish(cmd, &v, e);
	}
	return cli_usage_error(cmd, "未知的操作 %s（open、list、show） (unknown action)", argv[0]);
}

/* ---- changes ---- */

static int need_as(const char *cmd, const eopts *o)
{
	if (!o->actor)
		return cli_usage_error(cmd, "需要 --as USER（操作用户） (--as USER is required)");
	return CLI_OK;
}

static int cmd_compute(int argc, char **argv)
{
	const char *cmd = "eval compute";
	eopts o;
	int rc = parse(cmd, argc, argv, &o);
	if (rc)
		return rc < 0 ? CLI_OK : rc;
	int64_t id;
	env v;
	if ((rc = need_id(cmd, &o, &id)) || (rc = no_extra(cmd, &o, 1)) ||
	    (rc = need_as(cmd, &o)) || (rc = start(cmd, &v, true)))
		return rc;
	int64_t n = 0;
	ms_err e = ms_eval_compute(v.s, v.pack, o.actor, id, &n, &v.err);
	if (!e) {
		if (o.json)
			print_json(
			    json_pack("{s:I, s:I}", "id", (json_int_t)id, "scores", (json_int_t)n));
		else
			printf(
			    "已计算评估轮次 %lld 的系统指标：%lld 项得分 (computed %lld scores)\n",
			    (long long)id, (long long)n, (long long)n);
	}
	return finish(cmd, &v, e);
}

/* ITEM=POINTS[:NOTE] arguments, parsed in place. */
static int parse_items(const char *cmd, const eopts *o, ms_eval_score_in *in, size_t *n)
{
	*n = 0;
	for (int i = 1; i < o->npos; i++) {
		if (*n >= MS_EVAL_MAX_INDICATORS)
			return cli_usage_error(cmd, "分数过多 (too many scores)");
		char *a = o->pos[i];
		char *eq = strchr(a, '=');
		if (!eq || eq == a)
			return cli_usage_error(
			    cmd,
			    "分数应写作 指标=分数[:说明]，如 A1=35:已设独立场地：%s "
			    "(a score reads ITEM=POINTS[:NOTE])",
			    a);
		*eq = '\0';
		char *colon = strchr(eq + 1, ':');
		if (colon)
			*colon = '\0';
		int64_t p;
		if (!ms_eval_points_parse(eq + 1, &p))
			return cli_usage_error(
			    cmd, "分数无效：%s（0–1000，至多两位小数） (bad points)", eq + 1);
		in[*n] = (ms_eval_score_in){
		    .indicator = a, .points = p, .note = colon ? colon + 1 : NULL};
		(*n)++;
	}
	if (*n == 0)
		return cli_usage_error(cmd, "需要至少一项分数 指标=分数[:说明] (give at least one "
		                            "ITEM=POINTS[:NOTE])");
	return CLI_OK;
}

static int cmd_scores(int argc, char **argv, bool third)
{
	const char *cmd = third ? "eval score" : "eval self";
	eopts o;
	int rc = parse(cmd, argc, argv, &o);
	if (rc)
		return rc < 0 ? CLI_OK : rc;
	int64_t id;
	if ((rc = need_id(cmd, &o, &id)) || (rc = need_as(cmd, &o)))
		return rc;
	if (!o.station)
		return cli_usage_error(cmd, "需要 --station CODE (--station CODE is required)");
	ms_eval_score_in *in = calloc(MS_EVAL_MAX_INDICATORS, sizeof *in);
	size_t n = 0;
	if (!in)
		return cli_fail(cmd, "内存不足 (out of memory)");
	if ((rc = parse_items(cmd, &o, in, &n))) {
		free(in);
		return rc;
	}
	env v;
	if ((rc = start(cmd, &v, false))) {
		free(in);
		return rc;
	}
	ms_err e = ms_eval_scores_put(v.s, o.actor, id, o.station, third, in, n, &v.err);
	if (!e) {
		if (o.json)
			print_json(json_pack("{s:I, s:s, s:s, s:I}", "id", (json_int_t)id,
			                     "station", o.station, "source",
			                     third ? "third" : "self", "scores", (json_int_t)n));
		else
			printf("已录入社工站 %s 的%s %zu 项 (recorded %zu %s scores)\n", o.station,
			       third ? "第三方评估分数" : "自评分数", n, n,
			       third ? "third-party" : "self");
	}
	free(in);
	return finish(cmd, &v, e);
}

static int cmd_sample(int argc, char **argv)
{
	const char *cmd = "eval sample";
	eopts o;
	int rc = parse(cmd, argc, argv, &o);
	if (rc)
		return rc < 0 ? CLI_OK : rc;
	int64_t id;
	env v;
	if ((rc = need_id(cmd, &o, &id)) || (rc = no_extra(cmd, &o, 1)) ||
	    (rc = need_as(cmd, &o)) || (rc = start(cmd, &v, true)))
		return rc;
	size_t drawn = 0;
	ms_err e = ms_eval_sample(v.s, v.pack, o.actor, id, o.seed, &drawn, &v.err);
	ms_eval_round *r = NULL;
	if (!e)
		e = ms_eval_round_load(v.s, v.pack, o.actor, id, &r, &v.err);
	if (!e) {
		/* drawn stations by city */
		json_t *cities = json_object(), *list = json_array();
		for (size_t i = 0; i < r->nstations; i++) {
			const ms_eval_station *st = &r->stations[i];
			json_t *c = json_object_get(cities, st->city);
			if (!c) {
				c = json_pack("{s:i, s:i}", "stations", 0, "drawn", 0);
				json_object_set_new(cities, st->city, c);
			}
			json_object_set_new(
			    c, "stations",
			    json_integer(json_integer_value(json_object_get(c, "stations")) + 1));
			if (st->sampled) {
				json_object_set_new(
				    c, "drawn",
				    json_integer(json_integer_value(json_object_get(c, "drawn")) +
				                 1));
				json_array_append_new(list, json_string(st->code));
			}
		}
		if (o.json) {
			print_json(json_pack("{s:I, s:s, s:s, s:I, s:o, s:o}", "id", (json_int_t)id,
			                     "seed", r->row.seed, "share", r->row.share, "drawn",
			                     (json_int_t)drawn, "cities", cities, "stations",
			                     list));
		} else {
			printf(
			    "已抽样评估轮次 %lld：抽中 %zu 个社工站（比例 %s，种子 %s） (drew %zu "
			    "stations)\n",
			    (long long)id, drawn, r->row.share, r->row.seed, drawn);
			const char *k;
			json_t *c;
			json_object_foreach(cities, k, c)
			{
				printf(
				    "  地市 city %s: %lld / %lld\n", k,
				    (long long)json_integer_value(json_object_get(c, "drawn")),
				    (long long)json_integer_value(json_object_get(c, "stations")));
			}
			size_t i;
			json_t *x;
			json_array_foreach(list, i, x) printf("  %s\n", json_string_value(x));
			json_decref(cities);
			json_decref(list);
		}
	}
	ms_eval_round_free(r);
	return finish(cmd, &v, e);
}

static int cmd_assign(int argc, char **argv)
{
	const char *cmd = "eval assign";
	eopts o;
	int rc = parse(cmd, argc, argv, &o);
	if (rc)
		return rc < 0 ? CLI_OK : rc;
	int64_t id;
	if ((rc = need_id(cmd, &o, &id)) || (rc = no_extra(cmd, &o, 1)) || (rc = need_as(cmd, &o)))
		return rc;
	if (!o.evaluator)
		return cli_usage_error(cmd, "需要 --evaluator USER (--evaluator USER is required)");
	if (!o.station == !o.all)
		return cli_usage_error(cmd,
		                       "需要 --station CODE[,CODE…] 或 --all 之一 (--station or "
		                       "--all)");
	env v;
	if ((rc = start(cmd, &v, false)))
		return rc;
	const char **codes = NULL;
	size_t n = 0;
	char *copy = NULL;
	ms_eval_round *r = NULL;
	ms_err e = MS_ERR_OK;
	if (o.station) {
		copy = strdup(o.station);
		codes = calloc(strlen(o.station) / 2 + 2, sizeof *codes);
		if (!copy || !codes)
			e = ms_error_set(&v.err, MS_ERR_NOMEM, NULL);
		for (char *save = NULL, *t = copy ? strtok_r(copy, ",", &save) : NULL; !e && t;
		     t = strtok_r(NULL, ",", &save))
			codes[n++] = t;
	} else {
		/* every drawn station without an evaluator (under --area) */
		e = ms_eval_round_load(v.s, NULL, o.actor, id, &r, &v.err);
		if (!e) {
			codes = calloc(r->nstations + 1, sizeof *codes);
			if (!codes)
				e = ms_error_set(&v.err, MS_ERR_NOMEM, NULL);
			for (size_t i = 0; !e && i < r->nstations; i++) {
				const ms_eval_station *st = &r->stations[i];
				if (st->visible && st->sampled && !st->evaluator &&
				    (!o.area || strncmp(st->code, o.area, strlen(o.area)) == 0))
					codes[n++] = st->code;
			}
			if (!e && n == 0)
				e = ms_error_set(
				    &v.err, MS_ERR_INVALID,
				    "没有待分派的抽中社工站 (no drawn station is waiting for an "
				    "evaluator)");
		}
	}
	if (!e)
		e = ms_eval_assign(v.s, o.actor, id, o.evaluator, codes, n, &v.err);
	if (!e) {
		if (o.json) {
			json_t *a = json_array();
			for (size_t i = 0; i < n; i++)
				json_array_append_new(a, json_string(codes[i]));
			print_json(json_pack("{s:I, s:s, s:o}", "id", (json_int_t)id, "evaluator",
			                     o.evaluator, "stations", a));
		} else {
			printf("已把 %zu 个社工站分派给评估员 %s (assigned %zu stations to %s)\n",
			       n, o.evaluator, n, o.evaluator);
		}
	}
	ms_eval_round_free(r);
	free(codes);
	free(copy);
	return finish(cmd, &v, e);
}

static int cmd_close(int argc, char **argv)
{
	const char *cmd = "eval close";
	eopts o;
	int rc = parse(cmd, argc, argv, &o);
	if (rc)
		return rc < 0 ? CLI_OK : rc;
	int64_t id;
	env v;
	if ((rc = need_id(cmd, &o, &id)) || (rc = no_extra(cmd, &o, 1)) ||
	    (rc = need_as(cmd, &o)) || (rc = start(cmd, &v, true)))
		return rc;
	ms_err e = ms_eval_close(v.s, v.pack, o.actor, id, &v.err);
	if (!e) {
		if (o.json)
			print_json(
			    json_pack("{s:I, s:s}", "id", (json_int_t)id, "state", "closed"));
		else
			printf("评估轮次 %lld 已结束，最终得分与星级已确定 (round %lld closed)\n",
			       (long long)id, (long long)id);
	}
	return finish(cmd, &v, e);
}

static void print_report(json_t *rep)
{
	json_t *round = json_object_get(rep, "round");
	printf("评估报告 report: 轮次 round %lld  区划 %s  %lld 年度  %s\n",
	       (long long)json_integer_value(json_object_get(round, "id")),
	       json_string_value(json_object_get(round, "area")),
	       (long long)json_integer_value(json_object_get(round, "year")),
	       strcmp(json_string_value(json_object_get(round, "state")), "closed") == 0
	           ? "（已结束 closed）"
	           : "（进行中，结果为暂定 open: provisional）");
	json_t *st = json_object_get(rep, "stars");
	printf("  星级 stars: ★★★★★ %lld  ★★★★ %lld  ★★★ %lld  未评星 none %lld\n",
	       (long long)json_integer_value(json_object_get(st, "5")),
	       (long long)json_integer_value(json_object_get(st, "4")),
	       (long long)json_integer_value(json_object_get(st, "3")),
	       (long long)json_integer_value(json_object_get(st, "0")));
	size_t i;
	json_t *x;
	printf("  排名 ranking:\n");
	json_array_foreach(json_object_get(rep, "stations"), i, x)
	{
		char fin[MS_EVAL_POINTS_STR];
		jpoints(json_object_get(x, "final_total"), fin);
		printf("   %4lld  %s %s  %s  %s%s\n",
		       (long long)json_integer_value(json_object_get(x, "rank")),
		       json_string_value(json_object_get(x, "code")),
		       json_string_value(json_object_get(x, "name")), fin,
		       json_string_value(json_object_get(x, "star_text")),
		       json_is_true(json_object_get(x, "checked")) ? "  （第三方 third-party）"
		                                                   : "");
	}
	json_t *cities = json_object_get(rep, "cities");
	if (json_array_size(cities))
		printf("  地市 cities:\n");
	json_array_foreach(cities, i, x)
	{
		char mean[MS_EVAL_POINTS_STR];
		jpoints(json_object_get(x, "mean"), mean);
		json_t *s = json_object_get(x, "stars");
		printf("   %s %-8s 站 %lld  抽查 %lld  平均 mean %s  ★5 %lld ★4 %lld ★3 %lld\n",
		       json_string_value(json_object_get(x, "code")),
		       json_string_value(json_object_get(x, "name"))
		           ? json_string_value(json_object_get(x, "name"))
		           : "",
		       (long long)json_integer_value(json_object_get(x, "stations")),
		       (long long)json_integer_value(json_object_get(x, "sampled")), mean,
		       (long long)json_integer_value(json_object_get(s, "5")),
		       (long long)json_integer_value(json_object_get(s, "4")),
		       (long long)json_integer_value(json_object_get(s, "3")));
	}
	printf("  自评与抽查偏差 deviations: %zu 项 items\n",
	       json_array_size(json_object_get(rep, "deviations")));
}

static int cmd_report(int argc, char **argv)
{
	const char *cmd = "eval report";
	eopts o;
	int rc = parse(cmd, argc, argv, &o);
	if (rc)
		return rc < 0 ? CLI_OK : rc;
	int64_t id;
	env v;
	if ((rc = need_id(cmd, &o, &id)) || (rc = no_extra(cmd, &o, 1)) ||
	    (rc = start(cmd, &v, true)))
		return rc;
	ms_eval_round *r = NULL;
	ms_err e = ms_eval_round_load(v.s, v.pack, o.actor, id, &r, &v.err);
	if (!e && o.xlsx)
		e = ms_eval_report_xlsx(r, o.xlsx, &v.err);
	if (!e) {
		json_t *rep = ms_eval_report_json(r);
		if (!rep)
			e = ms_error_set(&v.err, MS_ERR_NOMEM, NULL);
		else if (o.json)
			print_json(rep);
		else {
			print_report(rep);
			json_decref(rep);
			if (o.xlsx)
				printf("  已写入 Excel 文件 written: %s\n", o.xlsx);
		}
	}
	ms_eval_round_free(r);
	return finish(cmd, &v, e);
}

int cli_cmd_eval(int argc, char **argv)
{
	if (argc < 2 || cli_is_help(argv[1])) {
		eval_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_USAGE : CLI_OK;
	}
	const char *what = argv[1];
	if (strcmp(what, "scheme") == 0 || strcmp(what, "round") == 0) {
		if (argc < 3 || cli_is_help(argv[2])) {
			eval_usage(argc < 3 ? stderr : stdout);
			return argc < 3 ? CLI_USAGE : CLI_OK;
		}
		return what[0] == 's' ? cmd_scheme(argc - 2, argv + 2)
		                      : cmd_round(argc - 2, argv + 2);
	}
	if (strcmp(what, "compute") == 0)
		return cmd_compute(argc - 1, argv + 1);
	if (strcmp(what, "self") == 0)
		return cmd_scores(argc - 1, argv + 1, false);
	if (strcmp(what, "score") == 0)
		return cmd_scores(argc - 1, argv + 1, true);
	if (strcmp(what, "sample") == 0)
		return cmd_sample(argc - 1, argv + 1);
	if (strcmp(what, "assign") == 0)
		return cmd_assign(argc - 1, argv + 1);
	if (strcmp(what, "close") == 0)
		return cmd_close(argc - 1, argv + 1);
	if (strcmp(what, "report") == 0)
		return cmd_report(argc - 1, argv + 1);
	return cli_usage_error("eval", "未知的子命令 %s (unknown subcommand)", what);
}
