/* test_rules.c — the rule language front end: parsing, checking (names,
 * types, enumeration values, positions in errors), parameters by area and
 * date, and the compiled plan (shared operations). Loads the bundled pack,
 * and variants of it written to a temporary folder. */
#include "testutil.h"

#include "base/arena.h"
#include "rules/pack.h"
#include "rules/parse.h"
#include "rules/plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define PACK "policy/guangdong"

static ms_pack *load_ok(const char *dir)
{
	ms_error err;
	ms_error_clear(&err);
	ms_pack *p = NULL;
	if (ms_pack_load(dir, &p, &err) != MS_ERR_OK)
		fail_msg("pack %s did not load: %s", dir, ms_error_text(&err));
	return p;
}

/* A copy of the bundled pack whose rules/extra.rule holds `text`. */
static char tmpdir[64];

static const char *pack_with(const char *text)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/ms-rules-XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	char cmd[512];
	snprintf(cmd, sizeof cmd, "cp -r " PACK "/. %s/", tmpdir);
	assert_int_equal(system(cmd), 0);
	char path[256];
	snprintf(path, sizeof path, "%s/rules/extra.rule", tmpdir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return tmpdir;
}

static void cleanup(void)
{
	char cmd[256];
	snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
	if (system(cmd) != 0)
		print_message("could not remove %s\n", tmpdir);
}

/* loads a variant that must fail; returns the message */
static void expect_error(const char *text, const char *needle1, const char *needle2)
{
	const char *dir = pack_with(text);
	ms_error err;
	ms_error_clear(&err);
	ms_pack *p = NULL;
	ms_err rc = ms_pack_load(dir, &p, &err);
	cleanup();
	if (rc == MS_ERR_OK) {
		ms_pack_free(p);
		fail_msg("variant loaded but should not: %s", text);
	}
	const char *msg = ms_error_text(&err);
	if (!strstr(msg, needle1) || (needle2 && !strstr(msg, needle2)))
		fail_msg("message '%s' lacks '%s' / '%s'", msg, needle1, needle2 ? needle2 : "");
}

static void test_bundled_pack(void **state)
{
	(void)state;
	ms_pack *p = load_ok(PACK);
	assert_int_equal(p->nrules, 18);
	assert_string_equal(p->province, "44");
	assert_int_equal(strlen(p->version), 64);
	for (int i = 0; i < p->nrules; i++) {
		assert_non_null(p->rules[i].cond);
		assert_int_equal(p->rules[i].cond->type, TY_BOOL);
		assert_true(ms_pack_deadline_days(p, p->rules[i].kind, T_DATE("2026-01-01")) > 0);
	}
	assert_int_equal(ms_pack_deadline_days(p, "emergency", T_DATE("2026-01-01")), 3);
	ms_pack_free(p);
}

static void test_params_by_area_and_date(void **state)
{
	(void)state;
	ms_pack *p = load_ok(PACK);
	int std = ms_pack_param_index(p, "dibao_std");
	assert_true(std >= 0);
	struct {
		const char *area, *date;
		int64_t fen;
	} cases[] = {
		{"440106001001", "2023-06-30", 123000}, /* 广州, 2023 value */
		{"440106001001", "2022-06-30", 120000}, /* 广州, 2022 value */
		{"440305001001", "2026-01-01", 136500}, /* 深圳: one value since 2022 */
		{"441302001001", "2023-01-01", 105000}, /* province, from its first day */
		{"441302001001", "2022-12-31", 100000}, /* the day before */
		{"44", "2024-05-05", 105000},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const ms_param_value *v = ms_pack_param_value(p, std, cases[i].area, T_DATE(cases[i].date));
		assert_non_null(v);
		assert_int_equal(v->i, cases[i].fen);
		assert_true(strlen(v->source) > 0);
	}
	/* nothing in force before the first value */
	assert_null(ms_pack_param_value(p, std, "441302001001", T_DATE("2021-12-31")));
	ms_pack_free(p);
}

static void test_parse_errors(void **state)
{
	(void)state;
	ms_arena a;
	ms_arena_init(&a, 4096, 0);
	ms_error err;
	ms_node *n;
	const char *bad[] = {"a and", "(a", "sum(yibao where x)", "any(yibao: x)",
	                     "latest(jiaoyu: 学籍状态)", "a == b", "\"unterminated", "1 +", "{1}", "a ）",
	                     "2023-02-30", "a < b < c", "a is", "x not y"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ms_error_clear(&err);
		assert_int_not_equal(ms_rules_parse_expr(bad[i], strlen(bad[i]), "t.rule", &a, &n, &err),
		                     MS_ERR_OK);
		assert_non_null(strstr(ms_error_text(&err), "t.rule:1:"));
	}
	const char *good[] = {"a and not b or c", "sum(yibao: 个人自付 where 结算日期 >= D - 364) >= 45000元",
	                      "x in {\"a\", \"b\"}", "father.dead and household.size = 1",
	                      "latest(jiaoyu: 学籍状态 by 变动日期 where 变动日期 <= D) = \"辍学\"",
	                      "预计结束日期 is not empty", "-1 < 2"};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		ms_error_clear(&err);
		assert_int_equal(ms_rules_parse_expr(good[i], strlen(good[i]), "t.rule", &a, &n, &err),
		                 MS_ERR_OK);
		assert_non_null(n);
	}
	/* precedence: not binds looser than a comparison, * tighter than + */
	ms_error_clear(&err);
	assert_int_equal(ms_rules_parse_expr("not a = b or c", 14, "t.rule", &a, &n, &err), MS_ERR_OK);
	assert_int_equal(n->kind, N_OR);
	assert_int_equal(n->a->kind, N_NOT);
	assert_int_equal(n->a->a->kind, N_CMP);
	assert_int_equal(ms_rules_parse_expr("1 + 2 * 3 - 4", 13, "t.rule", &a, &n, &err), MS_ERR_OK);
	assert_int_equal(n->kind, N_ARITH);
	assert_int_equal(n->op, OP_SUB);
	assert_int_equal(n->a->op, OP_ADD);
	assert_int_equal(n->a->b->op, OP_MUL);
	/* nesting is bounded */
	char deep[600];
	size_t o = 0;
	for (int i = 0; i < 100; i++)
		deep[o++] = '(';
	deep[o++] = 'a';
	for (int i = 0; i < 100; i++)
		deep[o++] = ')';
	deep[o] = '\0';
	ms_error_clear(&err);
	assert_int_not_equal(ms_rules_parse_expr(deep, o, "t.rule", &a, &n, &err), MS_ERR_OK);
	assert_non_null(strstr(ms_error_text(&err), "嵌套"));
	ms_arena_free(&a);
}

static void test_check_errors(void **state)
{
	(void)state;
	expect_error("rule X1 \"t\" subject person kind risk when holds(\"底保对象\") end\n", "extra.rule:1:",
	             "底保对象");
	expect_error("rule X1 \"t\" subject person kind risk when\n  agee > 3 end\n", "extra.rule:2:3",
	             "agee");
	expect_error("rule X1 \"t\" subject person kind risk when age > \"x\" end\n", "extra.rule:1:",
	             "类型");
	expect_error("rule X1 \"t\" subject household kind risk when any(yibao where active) end\n",
	             "extra.rule:1:", "members");
	expect_error("rule X1 \"t\" subject person kind risk when any(yibao where active) end\n",
	             "extra.rule:1:", "range");
	expect_error("rule X1 \"t\" subject person kind unheard_of when alive end\n", "deadline_days",
	             NULL);
	expect_error("rule R05 \"again\" subject person kind risk when alive end\n", "R05", NULL);
	expect_error("let person.loop = not loop\nrule X1 \"t\" subject person kind risk when loop end\n",
	             "loop", NULL);
	expect_error("rule X1 \"t\" subject person kind risk when param.nope > 1 end\n", "param.nope",
	             NULL);
	expect_error("rule X1 \"t\" subject person kind risk when age end\n", "extra.rule:1:", NULL);
	expect_error("rule X1 \"t\" subject person kind risk when holds(\"低保对象\", 2) end\n", "参数",
	             NULL);
}

static void test_extra_rule_loads(void **state)
{
	(void)state;
	const char *dir = pack_with("rule R19 \"重度残疾独居\" subject person kind visit when\n"
	                            "  alive and severe and household.living_members = 1\nend\n");
	ms_pack *p = load_ok(dir);
	cleanup();
	assert_int_equal(p->nrules, 19);
	assert_non_null(ms_pack_rule(p, "R19"));
	ms_pack_free(p);
}

static void test_plan_shares_operations(void **state)
{
	(void)state;
	ms_pack *p = load_ok(PACK);
	ms_plan *plan;
	ms_error err;
	ms_error_clear(&err);
	assert_int_equal(ms_plan_compile(p, T_DATE("2026-06-30"), &plan, &err), MS_ERR_OK);
	/* `alive` appears in 14 rules but its reduction over gongan is computed once */
	int gongan_reductions = 0;
	for (int i = 0; i < plan->nops; i++) {
		const ms_op *op = &plan->ops[i];
		if (op->code == OPC_AGG_FEED && !strcmp(p->feeds.feeds[op->feed]->name, "gongan") &&
		    op->b >= 0 && plan->ops[op->b].code == OPC_AND)
			gongan_reductions++;
	}
	assert_int_equal(gongan_reductions, 1);
	for (int r = 0; r < plan->nrules; r++) {
		const ms_op *res = &plan->ops[plan->rule_op[r]];
		assert_int_equal(res->type, TY_BOOL);
		assert_int_equal(res->dom, p->rules[r].subject);
	}
	ms_plan_free(plan);
	ms_pack_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bundled_pack),        cmocka_unit_test(test_params_by_area_and_date),
		cmocka_unit_test(test_parse_errors),        cmocka_unit_test(test_check_errors),
		cmocka_unit_test(test_extra_rule_loads),    cmocka_unit_test(test_plan_shares_operations),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
