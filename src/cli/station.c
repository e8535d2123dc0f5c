/* station.c — `minsheng station`: load the township social-work stations and
 * village service points that alerts are routed to, and list them. Each
 * action is one call into src/monitor/stations.h. */
#include "cli/cli.h"

#include "monitor/stations.h"
#include "store/store.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

static void station_usage(FILE *out)
{
	fputs(
	    "用法 usage:\n"
	    "  minsheng station import FILE [--json] [--db PATH]\n"
	    "  minsheng station list [--area PREFIX] [--json] [--db PATH]\n\n"
	    "导入社工站（9 位乡镇街道代码）和服务点（12 位村居代码）。文件列：编码, 名称, 类型\n"
	    "（类型为“站”或“点”），CSV、XLSX 或 JSON Lines，UTF-8 或 "
	    "GBK。重复导入只会更新名称或类型。\n"
	    "有问题的行逐行报告原因，其余行照常导入；文件缺列时整体拒收，退出码 1。\n"
	    "预警按区划派发到所在乡镇的社工站；该乡镇没有社工站时派发到区县收件箱。\n"
	    "Loads township stations (9-digit codes) and village points (12-digit codes) from a\n"
	    "file with the columns 编码, 名称, 类型 (站/点 or station/point). Loading again only\n"
	    "updates names or types. Bad rows are reported with their reason; a file missing a\n"
	    "column is refused (exit 1). Alerts go to the station of their township, else to the\n"
	    "county's inbox.\n\n"
	    "  --area PREFIX  只列出该区划代码前缀下的站点 / only codes under this prefix\n"
	    "  --json         JSON 输出 / machine-readable output\n",
	    out);
}

static int on_station(void *ctx, const ms_station *st)
{
	json_t *arr = ctx;
	if (arr) {
		json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s}", "code", st->code,
		                                     "name", st->name, "type", st->type, "created",
		                                     st->created));
		return 0;
	}
	printf("%-12s  %s  %s\n", st->code, strcmp(st->type, "station") == 0 ? "站" : "点",
	       st->name);
	return 0;
}

typedef struct reject_out {
	json_t *arr;
} reject_out;

static void on_reject(void *ctx, const ms_station_reject *r)
{
	reject_out *o = ctx;
	if (o->arr) {
		json_array_append_new(
		    o->arr, json_pack("{s:I, s:s, s:s, s:s, s:s, s:s}", "row", (json_int_t)r->row,
		                      "column", r->column, "code", r->code, "reason_zh",
		                      r->reason_zh, "reason_en", r->reason_en, "value", r->value));
		return;
	}
	printf("  第 %lld 行 row %lld  [%s] %s (%s)%s%s\n", (long long)r->row, (long long)r->row,
	       r->column, r->reason_zh, r->reason_en, *r->value ? ": " : "", r->value);
}

static bool area_prefix_ok(const char *p)
{
	size_t n = strlen(p);
	if (n < 1 || n > 12)
		return false;
	for (size_t i = 0; i < n; i++)
		if (p[i] < '0' || p[i] > '9')
			return false;
	return true;
}

int cli_cmd_station(int argc, char **argv)
{
	static const struct option opts[] = {{"db", required_argument, NULL, 'd'},
	                                     {"json", no_argument, NULL, 'j'},
	                                     {"area", required_argument, NULL, 'a'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	bool json = false;
	const char *area = NULL;
	int c;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			cli_db_path(optarg);
			break;
		case 'j':
			json = true;
			break;
		case 'a':
			if (!area_prefix_ok(optarg))
				return cli_usage_error(
				    "station", "--area 应为 1–12 位数字的区划代码前缀 "
				               "(must be an area-code prefix of 1-12 digits)");
			area = optarg;
			break;
		case 'h':
			station_usage(stdout);
			return CLI_OK;
		default:
			return cli_usage_error(
			    "station", "未知选项或缺少参数值：%s (unknown option or missing value)",
			    argv[optind - 1]);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		return cli_usage_error("station",
		                       "需要子命令 import 或 list (need import or list)");
	bool import = strcmp(argv[0], "import") == 0;
	if (!import && strcmp(argv[0], "list") != 0)
		return cli_usage_error(
		    "station", "未知子命令 %s，应为 import 或 list (unknown action)", argv[0]);
	if (import && argc != 2)
		return cli_usage_error("station", "import 需要一个文件 (import takes one file)");
	if (!import && argc != 1)
		return cli_usage_error("station", "多余的参数 %s (unexpected argument)", argv[1]);
	if (import && area)
		return cli_usage_error("station", "--area 只用于 list (--area is for list)");

	ms_store *s;
	int rc = cli_open_store("station", false, &s);
	if (rc)
		return rc;
	ms_error err;
	ms_error_clear(&err);
	if (!import) {
		json_t *arr = json ? json_array() : NULL;
		if (ms_stations_list(s, area, on_station, arr, &err)) {
			json_decref(arr);
			ms_store_close(s);
			return cli_fail_err("station", &err);
		}
		ms_store_close(s);
		if (arr)
			cli_print_json(arr);
		return CLI_OK;
	}

	reject_out ro = {.arr = json ? json_array() : NULL};
	ms_station_import_result res;
	if (!json)
		printf("%s:\n", argv[1]);
	ms_err e = ms_stations_import(s, argv[1], on_reject, &ro, &res, &err);
	ms_store_close(s);
	if (e) {
		json_decref(ro.arr);
		fprintf(stderr, "minsheng station: %s: %s\n", argv[1], ms_error_text(&err));
		return CLI_FAIL;
	}
	if (json) {
		cli_print_json(json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:o}", "file", argv[1],
		                         "rows", (json_int_t)res.rows, "added",
		                         (json_int_t)res.added, "updated", (json_int_t)res.updated,
		                         "unchanged", (json_int_t)res.unchanged, "rejected",
		                         (json_int_t)res.rejected, "rejects", ro.arr));
		return CLI_OK;
	}
	printf("  行数 rows %lld = 新增 added %lld + 更新 updated %lld + 未变 unchanged %lld + "
	       "拒收 rejected %lld\n",
	       (long long)res.rows, (long long)res.added, (long long)res.updated,
	       (long long)res.unchanged, (long long)res.rejected);
	return CLI_OK;
}
