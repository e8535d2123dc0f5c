/* rules.c — `minsheng rules`: check a policy pack, list its rules and
 * parameters, print a rule's compiled plan, run the pack's rule tests. */
#include "cli/cli.h"

#include "auth/session.h"

#include "rules/pack.h"
#include "rules/plan.h"
#include "monitor/ruletest.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

static void rules_usage(FILE *out)
{
	fputs("用法 usage:\n"
	      "  minsheng rules check [--pack DIR] [--json]   检查政策包 / check a policy pack\n"
	      "  minsheng rules list [--pack DIR] [--json]    列出规则与参数 / list rules and parameters\n"
	      "  minsheng rules plan RULE [--pack DIR]        显示编译后的列运算 / print the compiled plan\n"
	      "  minsheng rules test [--pack DIR] [--json]    运行规则测试 / run the pack's rule tests\n",
	      out);
}

int cli_rules_load(const char *cmd, ms_pack **out)
{
	ms_error err;
	ms_error_clear(&err);
	if (ms_pack_load(cli_pack_dir(NULL), out, &err))
		return cli_fail_err(cmd, &err);
	/* the roles that must use a second factor are checked with the pack,
	 * so a misspelt role is found before a server relies on it */
	if (ms_totp_policy_check(*out, &err)) {
		ms_pack_free(*out);
		*out = NULL;
		return cli_fail_err(cmd, &err);
	}
	return CLI_OK;
}

static int rules_list(ms_pack *pack, bool json)
{
	if (json) {
		json_t *rules = json_array(), *params = json_array();
		for (int i = 0; i < pack->nrules; i++) {
			const ms_rule *r = &pack->rules[i];
			char *cond = strndup(r->when_src, r->when_len);
			json_array_append_new(rules, json_pack("{s:s, s:s, s:s, s:s, s:s}", "id", r->id, "title",
			                                       r->title ? r->title : "", "subject",
			                                       r->subject == DOM_PERSON ? "person" : "household",
			                                       "kind", r->kind, "condition", cond ? cond : ""));
			free(cond);
		}
		for (int i = 0; i < pack->nparams; i++) {
			const ms_param *p = &pack->params[i];
			json_t *vals = json_array();
			for (int k = 0; k < p->nvalues; k++) {
				char from[MS_DATE_STR], v[512];
				ms_date_format(p->values[k].from, from);
				ms_pack_param_format(p, &p->values[k], v, sizeof v);
				json_array_append_new(vals, json_pack("{s:s, s:s, s:s, s:s}", "from", from, "area",
				                                      p->values[k].area, "value", v, "source",
				                                      p->values[k].source));
			}
			json_array_append_new(params, json_pack("{s:s, s:s, s:s, s:o}", "name", p->name, "title",
			                                        p->title ? p->title : "", "type",
			                                        ms_type_name(p->type), "values", vals));
		}
		cli_print_json(json_pack("{s:s, s:s, s:o, s:o}", "pack", pack->name, "version",
		                         pack->version, "rules", rules, "params", params));
		return CLI_OK;
	}
	printf("政策包 pack %s (%s)\n版本 version %s\n\n规则 rules:\n", pack->name,
	       pack->title ? pack->title : "", pack->version);
	for (int i = 0; i < pack->nrules; i++) {
		const ms_rule *r = &pack->rules[i];
		printf("  %-6s %-10s %-15s %s\n", r->id, r->subject == DOM_PERSON ? "person" : "household",
		       r->kind, r->title ? r->title : "");
	}
	printf("\n参数 parameters:\n");
	for (int i = 0; i < pack->nparams; i++) {
		const ms_param *p = &pack->params[i];
		printf("  %s (%s) %s\n", p->name, ms_type_name(p->type), p->title ? p->title : "");
		for (int k = 0; k < p->nvalues; k++) {
			char from[MS_DATE_STR], v[512];
			ms_date_format(p->values[k].from, from);
			ms_pack_param_format(p, &p->values[k], v, sizeof v);
			printf("      %s 起 %-6s %s  — %s\n", from, p->values[k].area, v, p->values[k].source);
		}
	}
	return CLI_OK;
}

int cli_cmd_rules(int argc, char **argv)
{
	static const struct option opts[] = {{"pack", required_argument, NULL, 'p'},
	                                     {"db", required_argument, NULL, 'd'},
	                                     {"json", no_argument, NULL, 'j'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	bool json = false;
	int c;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			cli_pack_dir(optarg);
			break;
		case 'd':
			cli_db_path(optarg);
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			rules_usage(stdout);
			return CLI_OK;
		default:
			return cli_usage_error("rules", "未知选项 %s (unknown option)", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return cli_usage_error("rules", "需要子命令 check、list、plan 或 test (need a subcommand)");
	const char *verb = argv[optind];
	int rest = argc - optind - 1;
	char **args = argv + optind + 1;
	if (strcmp(verb, "check") && strcmp(verb, "list") && strcmp(verb, "plan") && strcmp(verb, "test"))
		return cli_usage_error("rules", "未知的子命令 %s (unknown subcommand)", verb);
	if (!strcmp(verb, "plan") ? rest != 1 : rest != 0)
		return cli_usage_error("rules", "参数个数不对 (wrong number of arguments)");
	ms_pack *pack;
	int rc = cli_rules_load("rules", &pack);
	if (rc)
		return rc;
	if (!strcmp(verb, "check")) {
		if (json)
			cli_print_json(json_pack("{s:s, s:s, s:i, s:i, s:i, s:i}", "pack", pack->name, "version",
			                         pack->version, "rules", pack->nrules, "definitions",
			                         pack->nlets, "parameters", pack->nparams, "feeds",
			                         pack->feeds.n));
		else
			printf("政策包检查通过 pack OK: %s, %d 条规则 rules, %d 个定义 definitions, %d 个参数 "
			       "parameters, %d 个数据源 feeds\n版本 version %s\n",
			       pack->name, pack->nrules, pack->nlets, pack->nparams, pack->feeds.n,
			       pack->version);
	} else if (!strcmp(verb, "list")) {
		rc = rules_list(pack, json);
	} else if (!strcmp(verb, "plan")) {
		rc = cli_rules_plan(pack, args[0]);
	} else {
		rc = cli_rules_test(pack, json);
	}
	ms_pack_free(pack);
	return rc;
}

int cli_rules_plan(ms_pack *pack, const char *rule)
{
	int ri = -1;
	for (int i = 0; i < pack->nrules; i++)
		if (!strcmp(pack->rules[i].id, rule))
			ri = i;
	if (ri < 0)
		return cli_fail("rules", "规则 %s 不存在 (no such rule)", rule);
	ms_plan *plan;
	ms_error err;
	ms_error_clear(&err);
	if (ms_plan_compile(pack, ms_date_today(), &plan, &err))
		return cli_fail_err("rules", &err);
	const ms_rule *r = &pack->rules[ri];
	printf("# %s %s — %s\n# %.*s\n", r->id, r->title ? r->title : "",
	       r->subject == DOM_PERSON ? "每人一值 one value per person" : "每户一值 one value per household",
	       (int)r->when_len, r->when_src);
	ms_plan_print(plan, ri, stdout);
	printf("# 全部规则共 %d 个列运算（相同运算只算一次） / %d column operations for all rules, shared\n",
	       plan->nops, plan->nops);
	ms_plan_free(plan);
	return CLI_OK;
}

int cli_rules_test(ms_pack *pack, bool json)
{
	ms_ruletest_result res;
	ms_error err;
	ms_error_clear(&err);
	if (ms_ruletest_run(pack, json ? NULL : stdout, &res, &err))
		return cli_fail_err("rules", &err);
	if (json)
		cli_print_json(json_pack("{s:i, s:i, s:i, s:i}", "cases", res.cases, "passed", res.passed,
		                         "failed", res.failed, "agreement_checks", res.checks));
	else
		printf("rules: %d passed, %d failed (%d 次逐个求值与向量求值一致性检查 scalar/vector checks)\n",
		       res.passed, res.failed, res.checks);
	return res.failed || !res.cases ? CLI_FAIL : CLI_OK;
}
