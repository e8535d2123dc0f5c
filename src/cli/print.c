/* print.c — `minsheng print alert ID --out FILE.pdf` and `minsheng print
 * household ID --out FILE.pdf`: the home-verification form of an alert and
 * a household's file as A4 PDFs (src/print). Every print is an export and
 * is written to the access log first. */
#include "cli/cli.h"
#include "cli/ops_cli.h"

#include "base/mem.h"
#include "model/idnum.h"
#include "people/people.h"
#include "print/print.h"
#include "rules/pack.h"
#include "store/store.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void print_usage(FILE *out)
{
	fputs("用法 usage: minsheng print alert ID --out FILE.pdf [--as USER] [--json]\n"
	      "           minsheng print household ID --out FILE.pdf [--as USER] [--json]\n\n"
	      "打印 A4 PDF：预警的入户核查表（对象、规则及其说明、事实依据、核查结果填写栏、社工与\n"
	      "家庭签字栏），或家庭的一户一档（家庭、成员、服务记录、时间线）。表上有完整身份证号，\n"
	      "每次打印都作为导出记入访问日志。\n"
	      "Prints an A4 PDF: the home-verification form of an alert (the subject, the rule\n"
	      "and its explanation, the facts, spaces for the outcome, signatures), or a\n"
	      "household's file (the household, its members, service records, timeline). The\n"
	      "forms carry full identity numbers; every print is an export, written to the\n"
	      "access log.\n\n"
	      "  --out FILE   输出文件（权限 0600） / the PDF to write (mode 0600)\n"
	      "  --as USER    以该用户的权限打印（范围外视为不存在）；不带时为运维 / print as that\n"
	      "               user (outside its scope the record does not exist); else the operator\n"
	      "  --json       {kind, id, out, bytes, pages?, font}\n"
	      "字体 font: fonts-wqy-microhei，或环境变量 MINSHENG_PDF_FONT 指定的 TrueType 文件\n",
	      out);
}

int cli_cmd_print(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"db", required_argument, NULL, 'd'},  {"pack", required_argument, NULL, 'p'},
	    {"out", required_argument, NULL, 'o'}, {"as", required_argument, NULL, 'u'},
	    {"json", no_argument, NULL, 'j'},      {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0}};
	const char *out = NULL, *as = NULL;
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
			print_usage(stdout);
			return CLI_OK;
		default:
			return cli_usage_error("print", "未知选项或缺少参数值：%s (unknown option or "
			                                "missing value)",
			                       argv[optind - 1]);
		}
	}
	const char *pos[2] = {NULL, NULL};
	int npos = argc - optind;
	if (npos > 2)
		return cli_usage_error("print", "多余的参数 %s (unexpected argument)", argv[optind + 2]);
	for (int i = 0; i < npos; i++)
		pos[i] = argv[optind + i];
	if (npos != 2)
		return cli_usage_error("print", "需要 alert ID 或 household ID (need alert ID or "
		                                "household ID)");
	bool alert = strcmp(pos[0], "alert") == 0;
	if (!alert && strcmp(pos[0], "household") != 0)
		return cli_usage_error("print", "未知的表：%s（alert 或 household） (unknown form: alert "
		                                "or household)",
		                       pos[0]);
	if (!out || !*out)
		return cli_usage_error("print", "需要 --out FILE.pdf (need --out FILE.pdf)");
	int64_t id = 0;
	if (alert) {
		char *end;
		long long v = strtoll(pos[1], &end, 10);
		if (*end || v <= 0)
			return cli_usage_error("print", "预警编号应为正整数：%s (an alert id is a positive "
			                                "integer)",
			                       pos[1]);
		id = v;
	}

	ms_pack *pack = NULL;
	int rc = cli_rules_load("print", &pack);
	if (rc)
		return rc;
	ms_store *s;
	if ((rc = cli_open_store("print", false, &s))) {
		ms_pack_free(pack);
		return rc;
	}
	ms_user u;
	ms_scope sc;
	if ((rc = cli_ops_actor("print", s, as, &u, &sc))) {
		ms_store_close(s);
		ms_pack_free(pack);
		return rc;
	}
	ms_error err;
	ms_error_clear(&err);
	/* households join their members through the search index (people.h) */
	(void)ms_people_index_refresh(s, pack, NULL, NULL, &err);
	ms_error_clear(&err);
	char *pdf = NULL;
	size_t len = 0;
	ms_print_opts po = {.printed_by = as};
	ms_err e = alert ? ms_print_alert(s, pack, as, &sc, id, &po, &pdf, &len, &err)
	                 : ms_print_household(s, pack, as, &sc, pos[1], &po, &pdf, &len, &err);
	ms_store_close(s);
	ms_pack_free(pack);
	if (e)
		return cli_fail_err("print", &err);
	/* the access log first: nothing is exported unrecorded */
	char ref[80];
	if (!alert && strlen(pos[1]) == 18) {
		char m[MS_ID_STR];
		ms_id_mask(pos[1], m);
		snprintf(ref, sizeof ref, "%s", m);
	} else {
		snprintf(ref, sizeof ref, "%.79s", pos[1]);
	}
	rc = cli_ops_audit_export("print", as ? &u : NULL, alert ? "alert_print" : "household_print",
	                          ref, alert ? "cli: minsheng print alert" : "cli: minsheng print household");
	if (!rc)
		rc = cli_ops_write_file("print", out, pdf, len);
	free(pdf);
	if (rc)
		return rc;
	if (json)
		cli_print_json(json_pack("{s:s, s:s, s:s, s:I, s:s?}", "kind", pos[0], "id", pos[1],
		                         "out", out, "bytes", (json_int_t)len, "font", ms_print_font()));
	else
		printf("已写入 %s（%zu 字节） (wrote %s, %zu bytes)\n", out, len, out, len);
	return CLI_OK;
}
