/* stats.c — `minsheng stats`: the figures an area reports for a period
 * (SPEC §4): issued, verified, verification rate, on time, median working
 * days to verify, outcomes by rule; and the stations' work (SPEC §5). Calls
 * into src/work. */
#include "cli/cli.h"

#include "base/date.h"
#include "base/mem.h"
#include "base/money.h"
#include "rules/pack.h"
#include "store/store.h"
#include "work/service.h"
#include "work/work.h"
#include "monitor/population.h"
#include "monitor/scan.h"
#include "monitor/snapshot.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

static void stats_usage(FILE *out)
{
	fputs(
	    "用法 usage: minsheng stats --area PREFIX --from DATE --to DATE [--as USER] [--json]\n\n"
	    "统计区划（代码前缀）在 [from, to] 期间生成的预警：下发数、截至 to 已核实数、核实率、\n"
	    "按期核实数（首次核实不晚于办理期限）、核实用时中位数（创建日至首次核实日的工作日数）、\n"
	    "各规则的核查结果。\n"
	    "Figures for the alerts of an area (code prefix) created in [from, to]: issued,\n"
	    "verified by `to`, verification rate, on time (first verification on or before the\n"
	    "due date), median working days from creation to first verification, outcomes by "
	    "rule.\n\n"
	    "  --as USER   查看者（范围须覆盖该区划）；不带时为服务器运维视图 / the viewing user\n"
	    "              (its scope must cover the area); without it, the operator's view\n"
	    "  --json      {issued, verified, verification_rate, on_time, median_working_days,\n"
	    "              outcomes: {rule: {outcome: n}}, service: {files, visits, person_times,\n"
	    "              applications_granted, volunteers, organizations, resources_fen,\n"
	    "              resources_yuan}}\n\n"
	    "service 为社工站工作：建档户数（to 之前建档）、期间走访数、服务人次、协助申请获批数、\n"
	    "志愿者与社会组织数（to 之前登记）、期间链接的慈善资源（元）。\n"
	    "service is the stations' work: households with a file (opened by `to`), visits,\n"
	    "person-times and applications granted in the period, volunteers and organizations\n"
	    "recorded by `to`, charitable resources linked in the period.\n",
	    out);
}

int cli_cmd_stats(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"db", required_argument, NULL, 'd'},   {"pack", required_argument, NULL, 'p'},
	    {"json", no_argument, NULL, 'j'},       {"area", required_argument, NULL, 'a'},
	    {"from", required_argument, NULL, 'f'}, {"to", required_argument, NULL, 't'},
	    {"as", required_argument, NULL, 'u'},   {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0}};
	bool json = false;
	const char *area = NULL, *actor = NULL;
	ms_date from = MS_DATE_NONE, to = MS_DATE_NONE;
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
		case 'j':
			json = true;
			break;
		case 'a':
			area = optarg;
			break;
		case 'f':
		case 't':
			if (ms_date_parse(optarg, strlen(optarg), c == 'f' ? &from : &to) != MS_ERR_OK)
				return cli_usage_error("stats", "日期无效：%s（如 2026-11-30） (bad date)",
				                       optarg);
			break;
		case 'u':
			actor = optarg;
			break;
		case 'h':
			stats_usage(stdout);
			return CLI_OK;
		default:
			return cli_usage_error(
			    "stats", "未知选项或缺少参数值：%s (unknown option or missing value)",
			    argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage_error("stats", "多余的参数 %s (unexpected argument)", argv[optind]);
	if (!area || from == MS_DATE_NONE || to == MS_DATE_NONE)
		return cli_usage_error("stats", "需要 --area、--from 和 --to (need --area, --from and "
		                                "--to)");
	size_t alen = strlen(area);
	bool digits = alen >= 1 && alen <= 12;
	for (size_t i = 0; digits && i < alen; i++)
		digits = area[i] >= '0' && area[i] <= '9';
	if (!digits)
		return cli_usage_error("stats", "--area 应为 1–12 位数字的区划代码前缀 (an area-code "
		                                "prefix of 1-12 digits)");
	if (from > to)
		return cli_usage_error("stats", "--from 晚于 --to (--from is after --to)");

	ms_pack *pack = NULL;
	int rc = cli_rules_load("stats", &pack);
	if (rc)
		return rc;
	ms_store *s;
	if ((rc = cli_open_store("stats", false, &s))) {
		ms_pack_free(pack);
		return rc;
	}
	ms_stats *st = ms_malloc(sizeof *st);
	ms_error err;
	ms_error_clear(&err);
	ms_work_env env = {.pack = pack};
	ms_err e = st ? ms_work_stats(s, &env, actor, area, from, to, st, &err)
	              : ms_error_set(&err, MS_ERR_NOMEM, NULL);
	/* the station work of the same area and period (SPEC §5) */
	ms_service_figures sf;
	if (!e)
		e = ms_service_stats(s, actor, area, from, to, &sf, &err);
	/* the monitored population by category on `to`, over the snapshot */
	ms_population *pop = ms_calloc(1, sizeof *pop);
	if (!e && !pop)
		e = ms_error_set(&err, MS_ERR_NOMEM, NULL);
	if (!e && pack->population) {
		ms_snapshot *snap = NULL;
		const char *src;
		e = ms_scan_snapshot(s, pack, NULL, &snap, &src, &err);
		if (!e)
			e = ms_population_count(pack, snap, area, to, pop, &err);
		ms_snapshot_free(snap);
	}
	ms_store_close(s);
	ms_pack_free(pack);
	if (e) {
		ms_free(st);
		ms_free(pop);
		return cli_fail_err("stats", &err);
	}
	if (json) {
		json_t *j = ms_stats_json(st, &sf, pop);
		cli_print_json(j);
		ms_free(st);
		ms_free(pop);
		return CLI_OK;
	}
	printf("区划 area %s  期间 period %s – %s\n", st->area, st->from, st->to);
	printf("  下发 issued %lld  已核实 verified %lld  核实率 rate %.1f%%  按期 on time %lld\n",
	       (long long)st->issued, (long long)st->verified, 100.0 * st->verification_rate,
	       (long long)st->on_time);
	if (st->median_working_days >= 0)
		printf("  核实用时中位数 median working days to verify: %.1f\n",
		       st->median_working_days);
	char yuan[MS_MONEY_STR];
	ms_money_format(sf.resources_fen, 1, yuan);
	printf("  建档户 files %lld  走访 visits %lld  服务人次 person-times %lld  协助申请获批 "
	       "granted %lld\n  志愿者 volunteers %lld  社会组织 organizations %lld  链接资源 "
	       "resources %s 元\n",
	       (long long)sf.files, (long long)sf.visits, (long long)sf.person_times,
	       (long long)sf.applications_granted, (long long)sf.volunteers,
	       (long long)sf.organizations, yuan);
	for (size_t i = 0; i < st->nrules; i++) {
		const ms_stats_rule *r = &st->rules[i];
		printf("  %-6s 下发 %lld 核实 %lld", r->rule, (long long)r->issued,
		       (long long)r->verified);
		for (int k = 0; k < MS_STATS_OUTCOMES; k++)
			if (r->outcomes[k])
				printf("  %s %lld", ms_outcome_label(ms_outcome_code(k), false),
				       (long long)r->outcomes[k]);
		putchar('\n');
	}
	printf("  监测人口 monitored population on %s: %lld\n", st->to, (long long)pop->total);
	for (int i = 0; i < pop->n; i++)
		if (pop->persons[i])
			printf("    %s %lld\n", pop->category[i], (long long)pop->persons[i]);
	ms_free(st);
	ms_free(pop);
	return CLI_OK;
}
