/* station.c — `minsheng station`: load the township social-work stations and
 * village service points that alerts are routed to, and list them; keep each
 * station's records (staff, volunteers, organizations, resources, affairs).
 * Each action is one call into src/monitor/stations.h or src/station. */
#include "cli/cli.h"

#include "base/money.h"
#include "monitor/stations.h"
#include "station/records.h"
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
	    "  minsheng station list [--area PREFIX] [--json] [--db PATH]\n"
	    "  minsheng station staff add --station CODE --as USER --name NAME --qualification Q\n"
	    "           [--phone PHONE]\n"
	    "  minsheng station volunteer add --station CODE --as USER --name NAME [--phone PHONE]\n"
	    "           [--hours H]\n"
	    "  minsheng station org add --station CODE --as USER --name NAME --registration NO\n"
	    "           [--services TEXT]\n"
	    "  minsheng station resource add --station CODE --as USER --donor NAME --amount YUAN\n"
	    "           --date D [--purpose TEXT]\n"
	    "  minsheng station affair add --station CODE --as USER --date D --summary TEXT\n"
	    "  minsheng station staff|volunteer|org|resource|affair list --station CODE [--as USER]\n"
	    "  (每条均可加 --json --db PATH / each takes --json and --db PATH)\n\n"
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
	    "社工站台账：工作人员（资质：助理社会工作师、社会工作师、高级社会工作师、无，或\n"
	    "assistant/intermediate/senior/none）与志愿者分开登记；社区社会组织；链接的慈善资源\n"
	    "（元）；解决的社区事务。本站站长或范围覆盖该站的民政经办、管理员可登记；本站社工\n"
	    "也可查看。列表中电话号码打码。\n"
	    "Station records: staff (with qualification) kept apart from volunteers; community\n"
	    "organizations; linked charitable resources (yuan); community affairs resolved. The\n"
	    "station's head, or an officer or admin covering it, adds; its workers may also list.\n"
	    "Phones are masked in lists.\n\n"
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

/* ---- station records ---- */

typedef struct srec_opts {
	const char *station, *actor, *name, *qualification, *phone, *hours, *registration,
	    *services, *donor, *amount, *date, *purpose, *summary;
} srec_opts;

static json_t *srec_json(ms_srec_kind kind, const ms_srec *r)
{
	json_t *o = json_pack("{s:I, s:s}", "id", (json_int_t)r->id, "station", r->station);
	char money[MS_MONEY_STR];
	switch (kind) {
	case MS_SREC_STAFF:
		json_object_set_new(o, "name", json_string(r->name));
		json_object_set_new(o, "qualification", json_string(r->qualification));
		json_object_set_new(o, "qualification_label",
		                    json_string(ms_qualification_label(r->qualification, false)));
		json_object_set_new(o, "phone", r->phone ? json_string(r->phone) : json_null());
		break;
	case MS_SREC_VOLUNTEER:
		json_object_set_new(o, "name", json_string(r->name));
		json_object_set_new(o, "phone", r->phone ? json_string(r->phone) : json_null());
		json_object_set_new(o, "hours", json_real((double)r->hours_tenths / 10.0));
		break;
	case MS_SREC_ORG:
		json_object_set_new(o, "name", json_string(r->name));
		json_object_set_new(o, "registration", json_string(r->registration));
		json_object_set_new(o, "services", json_string(r->services ? r->services : ""));
		break;
	case MS_SREC_RESOURCE:
		ms_money_format(r->amount_fen, 0, money);
		json_object_set_new(o, "donor", json_string(r->donor));
		json_object_set_new(o, "amount_fen", json_integer(r->amount_fen));
		json_object_set_new(o, "amount", json_string(money));
		json_object_set_new(o, "date", json_string(r->day));
		json_object_set_new(o, "purpose", json_string(r->purpose ? r->purpose : ""));
		break;
	default:
		json_object_set_new(o, "date", json_string(r->day));
		json_object_set_new(o, "summary", json_string(r->summary));
		break;
	}
	json_object_set_new(o, "added_by", json_string(r->added_by ? r->added_by : ""));
	json_object_set_new(o, "added", json_string(r->added ? r->added : ""));
	return o;
}

typedef struct srec_out {
	ms_srec_kind kind;
	json_t *arr;
} srec_out;

static int on_srec(void *ctx, const ms_srec *r)
{
	srec_out *o = ctx;
	if (o->arr) {
		json_array_append_new(o->arr, srec_json(o->kind, r));
		return 0;
	}
	char money[MS_MONEY_STR];
	switch (o->kind) {
	case MS_SREC_STAFF:
		printf("%-6lld %s  %s  %s\n", (long long)r->id, r->name,
		       ms_qualification_label(r->qualification, false), r->phone ? r->phone : "");
		break;
	case MS_SREC_VOLUNTEER:
		printf("%-6lld %s  %s  %lld.%lld 小时 h\n", (long long)r->id, r->name,
		       r->phone ? r->phone : "", (long long)(r->hours_tenths / 10),
		       (long long)(r->hours_tenths % 10));
		break;
	case MS_SREC_ORG:
		printf("%-6lld %s  %s  %s\n", (long long)r->id, r->name, r->registration,
		       r->services ? r->services : "");
		break;
	case MS_SREC_RESOURCE:
		ms_money_format(r->amount_fen, 1, money);
		printf("%-6lld %s  %s  %s 元  %s\n", (long long)r->id, r->day, r->donor, money,
		       r->purpose ? r->purpose : "");
		break;
	default:
		printf("%-6lld %s  %s\n", (long long)r->id, r->day, r->summary);
		break;
	}
	return 0;
}

static int station_records(int argc, char **argv, const srec_opts *o, bool json)
{
	int kind = ms_srec_kind_parse(argv[0]);
	if (argc != 2 || (strcmp(argv[1], "add") != 0 && strcmp(argv[1], "list") != 0))
		return cli_usage_error("station", "用法：station %s add|list --station CODE (usage: "
		                                  "station %s add|list)",
		                       argv[0], argv[0]);
	if (!o->station)
		return cli_usage_error("station", "需要 --station CODE (need --station)");
	bool add = strcmp(argv[1], "add") == 0;
	if (add && !o->actor)
		return cli_usage_error("station", "登记台账需要 --as USER (adding needs --as USER)");
	ms_srec r = {.station = o->station,
	             .name = o->name,
	             .qualification = o->qualification,
	             .phone = o->phone,
	             .registration = o->registration,
	             .services = o->services,
	             .donor = o->donor,
	             .day = o->date,
	             .purpose = o->purpose,
	             .summary = o->summary};
	if (add && o->hours &&
	    ms_decimal_parse(o->hours, strlen(o->hours), 1, &r.hours_tenths) != MS_ERR_OK)
		return cli_usage_error("station", "--hours 应为小时数，最多一位小数：%s (hours, at "
		                                  "most one decimal)",
		                       o->hours);
	if (add && kind == MS_SREC_RESOURCE) {
		if (!o->amount)
			return cli_usage_error("station", "需要 --amount 金额（元） (need --amount in "
			                                  "yuan)");
		if (ms_money_parse(o->amount, strlen(o->amount), &r.amount_fen) != MS_ERR_OK)
			return cli_usage_error("station", "--amount 应为金额（元，最多两位小数）：%s "
			                                  "(an amount in yuan, at most 2 decimals)",
			                       o->amount);
	}
	ms_store *s;
	int rc = cli_open_store("station", false, &s);
	if (rc)
		return rc;
	ms_error err;
	ms_error_clear(&err);
	if (add) {
		int64_t id = 0;
		ms_err e = ms_station_record_add(s, o->actor, (ms_srec_kind)kind, &r, &id, &err);
		if (e) {
			ms_store_close(s);
			return cli_fail_err("station", &err);
		}
		r.id = id;
		if (json)
			cli_print_json(srec_json((ms_srec_kind)kind, &r));
		else
			printf("已登记 added %s %lld\n", argv[0], (long long)id);
		ms_store_close(s);
		return CLI_OK;
	}
	srec_out out = {.kind = (ms_srec_kind)kind, .arr = json ? json_array() : NULL};
	ms_err e = ms_station_record_list(s, o->actor, (ms_srec_kind)kind, o->station, on_srec,
	                                  &out, &err);
	ms_store_close(s);
	if (e) {
		json_decref(out.arr);
		return cli_fail_err("station", &err);
	}
	if (out.arr)
		cli_print_json(out.arr);
	return CLI_OK;
}

int cli_cmd_station(int argc, char **argv)
{
	static const struct option opts[] = {{"db", required_argument, NULL, 'd'},
	                                     {"json", no_argument, NULL, 'j'},
	                                     {"area", required_argument, NULL, 'a'},
	                                     {"station", required_argument, NULL, 's'},
	                                     {"as", required_argument, NULL, 'u'},
	                                     {"name", required_argument, NULL, 'n'},
	                                     {"qualification", required_argument, NULL, 'q'},
	                                     {"phone", required_argument, NULL, 'P'},
	                                     {"hours", required_argument, NULL, 'H'},
	                                     {"registration", required_argument, NULL, 'r'},
	                                     {"services", required_argument, NULL, 'S'},
	                                     {"donor", required_argument, NULL, 'D'},
	                                     {"amount", required_argument, NULL, 'm'},
	                                     {"date", required_argument, NULL, 't'},
	                                     {"purpose", required_argument, NULL, 'p'},
	                                     {"summary", required_argument, NULL, 'y'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	bool json = false;
	const char *area = NULL;
	srec_opts ro_ = {0};
	bool rec_opt = false;
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
		case 's':
			ro_.station = optarg;
			rec_opt = true;
			break;
		case 'u':
			ro_.actor = optarg;
			rec_opt = true;
			break;
		case 'n':
			ro_.name = optarg;
			rec_opt = true;
			break;
		case 'q':
			ro_.qualification = optarg;
			rec_opt = true;
			break;
		case 'P':
			ro_.phone = optarg;
			rec_opt = true;
			break;
		case 'H':
			ro_.hours = optarg;
			rec_opt = true;
			break;
		case 'r':
			ro_.registration = optarg;
			rec_opt = true;
			break;
		case 'S':
			ro_.services = optarg;
			rec_opt = true;
			break;
		case 'D':
			ro_.donor = optarg;
			rec_opt = true;
			break;
		case 'm':
			ro_.amount = optarg;
			rec_opt = true;
			break;
		case 't':
			ro_.date = optarg;
			rec_opt = true;
			break;
		case 'p':
			ro_.purpose = optarg;
			rec_opt = true;
			break;
		case 'y':
			ro_.summary = optarg;
			rec_opt = true;
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
	if (ms_srec_kind_parse(argv[0]) >= 0) {
		if (area)
			return cli_usage_error("station", "--area 只用于 station list (--area is for "
			                                  "station list)");
		return station_records(argc, argv, &ro_, json);
	}
	if (rec_opt)
		return cli_usage_error("station", "台账选项只用于 staff、volunteer、org、resource、"
		                                  "affair (record options are for those verbs)");
	bool import = strcmp(argv[0], "import") == 0;
	if (!import && strcmp(argv[0], "list") != 0)
		return cli_usage_error(
		    "station", "未知子命令 %s，应为 import、list、staff、volunteer、org、resource 或 "
		    "affair (unknown action)", argv[0]);
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
