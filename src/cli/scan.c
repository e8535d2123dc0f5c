/* scan.c — `minsheng scan`: run every rule of the pack as of a business date
 * and write the alerts (or, with --dry-run, only count what would change). */
#include "cli/cli.h"

#include "base/date.h"
#include "monitor/scan.h"
#include "rules/pack.h"
#include "store/store.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void scan_usage(FILE *out)
{
	fputs("用法 usage: minsheng scan [--as-of DATE] [--pack DIR] [--dry-run] [--json] [--db PATH]\n"
	      "按业务日期（默认今天）对所有人员和家庭运行政策包的全部规则，生成预警。\n"
	      "--dry-run 只统计会新增、追加、消除多少预警，不写入（用于预览规则改动的影响）。\n"
	      "Runs every rule of the pack for every subject as of a business date (default today)\n"
	      "and writes alerts; --dry-run counts what would change and writes nothing (impact preview).\n"
	      "JSON: {\"as_of\", \"pack\", \"new\": {rule: n}, \"appended\": {rule: n}, \"cleared\": {rule: n}}\n",
	      out);
}

int cli_cmd_scan(int argc, char **argv)
{
	static const struct option opts[] = {{"as-of", required_argument, NULL, 'a'},
	                                     {"pack", required_argument, NULL, 'p'},
	                                     {"db", required_argument, NULL, 'd'},
	                                     {"dry-run", no_argument, NULL, 'n'},
	                                     {"json", no_argument, NULL, 'j'},
	                                     {"as", required_argument, NULL, 'u'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	bool json = false, dry = false;
	ms_date as_of = ms_date_today();
	const char *actor = "";
	int c;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			if (ms_date_parse(optarg, strlen(optarg), &as_of) != MS_ERR_OK)
				return cli_usage_error("scan", "--as-of 日期无效：%s（如 2026-11-30） (bad date)", optarg);
			break;
		case 'p':
			cli_pack_dir(optarg);
			break;
		case 'd':
			cli_db_path(optarg);
			break;
		case 'n':
			dry = true;
			break;
		case 'j':
			json = true;
			break;
		case 'u':
			actor = optarg;
			break;
		case 'h':
			scan_usage(stdout);
			return CLI_OK;
		default:
			return cli_usage_error("scan", "未知选项或缺少参数值：%s (unknown option or missing value)",
			                       argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage_error("scan", "多余的参数 %s (unexpected argument)", argv[optind]);
	ms_pack *pack;
	int rc = cli_rules_load("scan", &pack);
	if (rc)
		return rc;
	ms_store *s;
	if ((rc = cli_open_store("scan", false, &s))) {
		ms_pack_free(pack);
		return rc;
	}
	cli_progress bar;
	cli_progress_init(&bar);
	ms_scan_opts o = {as_of, dry, actor, &bar.p};
	ms_scan_result *res = malloc(sizeof *res);
	ms_error err;
	ms_error_clear(&err);
	ms_err e = res ? ms_scan_run(s, pack, &o, res, &err) : ms_error_set(&err, MS_ERR_NOMEM, NULL);
	cli_progress_done(&bar);
	if (e) {
		rc = cli_fail_err("scan", &err);
	} else {
		char ds[MS_DATE_STR];
		ms_date_format(as_of, ds);
		const ms_scan_summary *sum = &res->summary;
		if (json) {
			json_t *nw = json_object(), *ap = json_object(), *cl = json_object();
			for (size_t i = 0; i < sum->nrules; i++) {
				json_object_set_new(nw, sum->rules[i].rule, json_integer(sum->rules[i].new_alerts));
				json_object_set_new(ap, sum->rules[i].rule, json_integer(sum->rules[i].appended));
				json_object_set_new(cl, sum->rules[i].rule, json_integer(sum->rules[i].cleared));
			}
			json_t *hits = json_object();
			for (int i = 0; i < pack->nrules; i++)
				json_object_set_new(hits, pack->rules[i].id, json_integer(res->hits[i]));
			cli_print_json(json_pack("{s:s, s:s, s:o, s:o, s:o, s:b, s:I, s:o, s:s, s:{s:f, s:f, s:f, s:f}}",
			                         "as_of", ds, "pack", pack->version, "new", nw, "appended", ap,
			                         "cleared", cl, "dry_run", dry, "scan", (json_int_t)sum->scan_id,
			                         "hits", hits, "snapshot",
			                         res->snapshot_source ? res->snapshot_source : "built", "seconds",
			                         "snapshot", res->snapshot_seconds, "rules", res->rules_seconds,
			                         "explain", res->explain_seconds, "alerts", res->alerts_seconds));
		} else {
			printf("%s比对日 as of %s，政策包 pack %.12s…，人员 %u，家庭 %u\n", dry ? "【预览 dry run】" : "",
			       ds, pack->version, res->persons, res->households);
			printf("  %-6s %8s %8s %8s %8s\n", "规则", "命中hits", "新增new", "追加app.", "消除clr.");
			for (size_t i = 0; i < sum->nrules; i++) {
				int64_t h = 0;
				for (int k = 0; k < pack->nrules; k++)
					if (!strcmp(pack->rules[k].id, sum->rules[i].rule))
						h = res->hits[k];
				printf("  %-6s %8lld %8lld %8lld %8lld\n", sum->rules[i].rule, (long long)h,
				       (long long)sum->rules[i].new_alerts, (long long)sum->rules[i].appended,
				       (long long)sum->rules[i].cleared);
			}
			printf("  合计 total: 新增 %lld，追加 %lld，消除 %lld；用时 快照 %.2fs（%s）规则 %.2fs 解释 %.2fs 写入 %.2fs\n",
			       (long long)sum->new_total, (long long)sum->appended_total,
			       (long long)sum->cleared_total, res->snapshot_seconds,
			       res->snapshot_source && !strcmp(res->snapshot_source, "loaded") ? "载入 loaded" : "新建 built",
			       res->rules_seconds, res->explain_seconds, res->alerts_seconds);
		}
	}
	free(res);
	ms_store_close(s);
	ms_pack_free(pack);
	return rc;
}
