/* report.c — `minsheng report monthly --area CODE --month YYYY-MM --out
 * FILE.xlsx`: the monthly report to the level above in a fixed layout
 * (src/report/monthly.h). The report is an export: written to the access
 * log. */
#include "cli/cli.h"
#include "cli/ops_cli.h"

#include "base/mem.h"
#include "report/monthly.h"
#include "rules/pack.h"
#include "store/store.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void report_usage(FILE *out)
{
	fputs("用法 usage: minsheng report monthly --area CODE --month YYYY-MM --out FILE.xlsx\n"
	      "                                [--as USER] [--json]\n\n"
	      "民政低收入人口动态监测月报：省、市或县（2、4、6 位代码）某月的监测人口（月末，按类别）、\n"
	      "本月下发预警及其核实、按期核实、核查结果、社工站服务，写成固定格式的 Excel 表（各部分\n"
	      "行号固定，上级可按单元格汇总；格式见 docs/operations.md）。\n"
	      "The monthly report of a province, city or county (2, 4 or 6 digits) for a month:\n"
	      "monitored population by category at the month's end, alerts issued in the month,\n"
	      "verified and on time, outcomes, the stations' work, as an XLSX sheet in a fixed\n"
	      "layout (rows never move, so the level above adds sheets cell by cell).\n\n"
	      "  --as USER   按该用户的权限（范围须覆盖该区划）；不带时为运维 / as that user (its\n"
	      "              scope must cover the area); else the operator\n"
	      "  --json      同时输出数字 / also print the figures as JSON\n",
	      out);
}

int cli_cmd_report(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"db", required_argument, NULL, 'd'},    {"pack", required_argument, NULL, 'p'},
	    {"area", required_argument, NULL, 'a'},  {"month", required_argument, NULL, 'm'},
	    {"out", required_argument, NULL, 'o'},   {"as", required_argument, NULL, 'u'},
	    {"json", no_argument, NULL, 'j'},        {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0}};
	const char *area = NULL, *month = NULL, *out = NULL, *as = NULL;
	bool json = false;
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
		case 'a':
			area = optarg;
			break;
		case 'm':
			month = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'u':
			as = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			report_usage(stdout);
			return CLI_OK;
		default:
			return cli_usage_error("report", "未知选项或缺少参数值：%s (unknown option or "
			                                 "missing value)",
			                       argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return cli_usage_error("report", "需要报表名称：monthly (need the report: monthly)");
	if (strcmp(argv[optind], "monthly") != 0)
		return cli_usage_error("report", "未知报表：%s（现有 monthly） (unknown report)",
		                       argv[optind]);
	if (optind + 1 < argc)
		return cli_usage_error("report", "多余的参数 %s (unexpected argument)", argv[optind + 1]);
	if (!area || !month || !out)
		return cli_usage_error("report", "需要 --area、--month 和 --out (need --area, --month "
		                                 "and --out)");

	ms_pack *pack = NULL;
	int rc = cli_rules_load("report", &pack);
	if (rc)
		return rc;
	ms_store *s;
	if ((rc = cli_open_store("report", false, &s))) {
		ms_pack_free(pack);
		return rc;
	}
	ms_user u;
	ms_scope sc;
	if ((rc = cli_ops_actor("report", s, as, &u, &sc))) {
		ms_store_close(s);
		ms_pack_free(pack);
		return rc;
	}
	ms_monthly *m = ms_malloc(sizeof *m);
	ms_error err;
	ms_error_clear(&err);
	ms_err e = m ? ms_monthly_figures(s, pack, as, area, month, ms_date_today(), m, &err)
	             : ms_error_set(&err, MS_ERR_NOMEM, NULL);
	ms_store_close(s);
	if (e) {
		ms_free(m);
		ms_pack_free(pack);
		return cli_fail_err("report", &err);
	}
	char ref[32];
	snprintf(ref, sizeof ref, "%s %s", m->area, m->month);
	rc = cli_ops_audit_export("report", as ? &u : NULL, "monthly_report", ref,
	                          "cli: minsheng report monthly");
	char *bytes = NULL;
	size_t len = 0;
	if (!rc && ms_monthly_xlsx_bytes(m, NULL, &bytes, &len, &err))
		rc = cli_fail_err("report", &err);
	if (!rc)
		rc = cli_ops_write_file("report", out, bytes, len);
	ms_free(bytes);
	if (!rc && json) {
		json_t *j = ms_stats_json(&m->stats, &m->service,
		                          m->have_population ? &m->population : NULL);
		if (j) {
			json_object_set_new(j, "month", json_string(m->month));
			json_object_set_new(j, "partial", json_boolean(m->partial));
			json_object_set_new(j, "out", json_string(out));
			json_object_set_new(j, "format", json_string(MS_MONTHLY_FORMAT));
		}
		cli_print_json(j);
	} else if (!rc) {
		printf("已写入 %s：%s %s 月报（%s 至 %s%s），下发 %lld，已核实 %lld (wrote the monthly "
		       "report)\n",
		       out, m->area, m->month, m->from, m->to, m->partial ? "，本月未结束" : "",
		       (long long)m->stats.issued, (long long)m->stats.verified);
	}
	ms_free(m);
	ms_pack_free(pack);
	return rc;
}
