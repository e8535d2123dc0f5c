/* purge.c — `minsheng purge`: removes or de-identifies personal data past
 * the retention period of its kind (个人信息保护法 Art. 19, 47; the periods
 * are the pack's retention.* parameters; src/work/retention.h). The access
 * log is never purged. A configuration with [retention] enabled = no stops
 * a purge (not a dry run) unless --force. */
#include "cli/cli.h"

#include "ops/config.h"
#include "rules/pack.h"
#include "store/store.h"
#include "work/retention.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

static void purge_usage(FILE *out)
{
	fputs("用法 usage: minsheng purge [--dry-run] [--json] [--force]\n\n"
	      "按政策包的保存期限（params.ini 的 retention.* 参数；个人信息保护法第十九条、第四十七条）\n"
	      "删除或去标识化过期的个人信息，保留计数与决定：导入拒收行的原文、已处理的待核对行、\n"
	      "已办结预警的证据、解释、备注与对象（改为掩码）、已办结预警的附件、过期会话、已结束的\n"
	      "后台任务与推送记录。访问日志不删除（至少保存 3 年，哈希链须可校验）。\n"
	      "Removes or de-identifies personal data past the retention period of its kind (the\n"
	      "pack's retention.* parameters), keeping counts and decisions. The access log is\n"
	      "never purged (kept at least 3 years; its chain must stay verifiable).\n\n"
	      "  --dry-run  只统计，不删除 / count only\n"
	      "  --force    配置文件 [retention] enabled = no 时仍然执行 / purge even when the\n"
	      "             configuration says [retention] enabled = no\n"
	      "  --json     {dry_run, today, kinds: [{kind, title, param, period, unit, cutoff,\n"
	      "             count}], access_log: {years, cutoff, action: \"kept\"}}\n",
	      out);
}

int cli_cmd_purge(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"db", required_argument, NULL, 'd'}, {"pack", required_argument, NULL, 'p'},
	    {"dry-run", no_argument, NULL, 'n'},  {"force", no_argument, NULL, 'f'},
	    {"json", no_argument, NULL, 'j'},     {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0}};
	bool dry = false, force = false, json = false;
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
		case 'n':
			dry = true;
			break;
		case 'f':
			force = true;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			purge_usage(stdout);
			return CLI_OK;
		default:
			return cli_usage_error("purge", "未知选项或缺少参数值：%s (unknown option or "
			                                "missing value)",
			                       argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage_error("purge", "多余的参数 %s (unexpected argument)", argv[optind]);
	const ms_config *cfg = cli_config();
	if (!dry && !force && cfg && cfg->retention == 0) {
		if (json)
			cli_print_json(json_pack("{s:b, s:s}", "purged", 0, "reason",
			                         "[retention] enabled = no"));
		else
			printf("配置文件 %s 中 [retention] enabled = no：未清理（--dry-run 可查看将清理的内容，"
			       "--force 强制执行） (retention is disabled in the configuration: nothing "
			       "purged)\n",
			       cfg->file);
		return CLI_OK;
	}
	ms_pack *pack = NULL;
	int rc = cli_rules_load("purge", &pack);
	if (rc)
		return rc;
	ms_store *s;
	if ((rc = cli_open_store("purge", false, &s))) {
		ms_pack_free(pack);
		return rc;
	}
	ms_retention_report r;
	ms_error err;
	ms_error_clear(&err);
	ms_err e = ms_retention_purge(s, pack, ms_date_today(), dry, &r, &err);
	ms_store_close(s);
	ms_pack_free(pack);
	if (e)
		return cli_fail_err("purge", &err);
	if (json) {
		json_t *kinds = json_array();
		for (int i = 0; i < MS_RET__COUNT; i++) {
			const ms_retention_step *st = &r.steps[i];
			json_array_append_new(
			    kinds, json_pack("{s:s, s:s, s:s, s:s, s:i, s:s, s:s, s:I}", "kind", st->kind,
			                     "title", st->title_zh, "what", st->what, "param", st->param,
			                     "period", st->period, "unit", st->years ? "years" : "days",
			                     "cutoff", st->cutoff, "count", (json_int_t)st->count));
		}
		cli_print_json(json_pack("{s:b, s:s, s:o, s:{s:i, s:s, s:s}}", "dry_run", dry, "today",
		                         r.today, "kinds", kinds, "access_log", "years",
		                         r.access_log_years, "cutoff", r.access_log_cutoff, "action",
		                         "kept"));
		return CLI_OK;
	}
	printf("%s保存期限清理 retention purge（%s）:\n", dry ? "（试运行 dry run）" : "", r.today);
	for (int i = 0; i < MS_RET__COUNT; i++) {
		const ms_retention_step *st = &r.steps[i];
		printf("  %-24s %-13s 期限 %d %s，早于 %s：%s %lld\n", st->title_zh, st->kind, st->period,
		       st->years ? "年" : "天", st->cutoff, dry ? "将清理 would purge" : "已清理 purged",
		       (long long)st->count);
	}
	printf("  访问日志 access log: 保存 %d 年（早于 %s 的记录仍保留，不由 purge 删除） (kept)\n",
	       r.access_log_years, r.access_log_cutoff);
	return CLI_OK;
}
