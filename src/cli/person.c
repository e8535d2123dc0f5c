/* person.c — `minsheng person`, `minsheng household` and `minsheng search`:
 * a person's or household's page and the search over the registry
 * (people/people.h), as the server's operator sees them (everything, in
 * full) or, with --as USER, as that user would (its scope; lists masked).
 * --json prints the JSON of people.h. */
#include "cli/cli.h"

#include "auth/auth.h"
#include "people/people.h"
#include "rules/pack.h"
#include "store/store.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct popts {
	const char *actor;
	bool json, refresh;
	long limit;
} popts;

static void person_usage(FILE *out)
{
	fputs("用法 usage:\n"
	      "  minsheng person show ID [--as USER] [--json]\n"
	      "  minsheng person facts ID [--as USER] [--json]\n\n"
	      "人员页面：登记信息、类别与待遇等登记库记录、预警；facts 列出各部门比对数据中\n"
	      "该人员的现行记录。ID 为身份证号或引用 (ref)。\n"
	      "A person's page: the registry row, the registry's other files about the person\n"
	      "and the alerts; facts lists the person's current rows in each department feed.\n"
	      "ID is an identity number or a reference (ref).\n\n"
	      "  --as USER   按该用户的范围查看（不在范围内即“不存在”）/ as that user would see it\n"
	      "              (outside its scope the person does not exist); without it: the\n"
	      "              operator's view, everything\n"
	      "  --json      JSON 输出 / machine-readable output\n",
	      out);
}

static void household_usage(FILE *out)
{
	fputs("用法 usage: minsheng household show ID [--as USER] [--json]\n\n"
	      "家庭页面：登记信息、成员（身份证号脱敏）、预警、是否已建一户一档。ID 为户编号或引用。\n"
	      "A household's page: the registry row, its members (identity numbers masked), its\n"
	      "alerts and whether it has a service file. ID is a 户编号 or a reference.\n\n"
	      "  --as USER   按该用户的范围查看 / as that user would see it\n"
	      "  --json      JSON 输出 / machine-readable output\n",
	      out);
}

static void search_usage(FILE *out)
{
	fprintf(out,
	        "用法 usage: minsheng search QUERY [--limit N] [--as USER] [--json]\n"
	        "            minsheng search --refresh\n\n"
	        "在登记库中查找人员与家庭：姓名（或其开头）、拼音全拼或首字母（zhangwei、zw）、\n"
	        "身份证号或其末 4–17 位、电话或其末 4 位以上、户编号。列表中身份证号与电话脱敏。\n"
	        "Finds persons and households: a name (or its beginning), its pinyin in full or\n"
	        "by initials, an identity number or its last 4-17 characters, a phone or its last\n"
	        "4+ digits, a 户编号. Lists mask identity numbers and phones.\n\n"
	        "  --limit N   最多 N 条，默认 20，至多 %d / at most N results (default 20, max %d)\n"
	        "  --as USER   按该用户的范围查找 / within that user's scope\n"
	        "  --refresh   更新检索索引并报告条数与用时 / bring the search index up to date\n"
	        "              and report the entries written and the time taken\n"
	        "  --json      JSON 输出 / machine-readable output\n",
	        MS_SEARCH_LIMIT_MAX, MS_SEARCH_LIMIT_MAX);
}

/* Parses the options common to the three commands; returns -1 to go on,
 * else an exit code. argv is left at the first operand. */
static int parse(const char *cmd, void (*usage)(FILE *), int *argc, char ***argv, popts *o)
{
	static const struct option opts[] = {{"db", required_argument, NULL, 'd'},
	                                     {"pack", required_argument, NULL, 'P'},
	                                     {"as", required_argument, NULL, 'u'},
	                                     {"json", no_argument, NULL, 'j'},
	                                     {"limit", required_argument, NULL, 'n'},
	                                     {"refresh", no_argument, NULL, 'r'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	memset(o, 0, sizeof *o);
	o->limit = 20;
	optind = 0;
	opterr = 0;
	int c;
	while ((c = getopt_long(*argc, *argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			cli_db_path(optarg);
			break;
		case 'P':
			cli_pack_dir(optarg);
			break;
		case 'u':
			o->actor = optarg;
			break;
		case 'j':
			o->json = true;
			break;
		case 'r':
			o->refresh = true;
			break;
		case 'n': {
			char *end;
			o->limit = strtol(optarg, &end, 10);
			if (*end || end == optarg || o->limit < 1 || o->limit > MS_SEARCH_LIMIT_MAX)
				return cli_usage_error(cmd, "--limit 应为 1 到 %d (--limit is 1 to %d)",
				                       MS_SEARCH_LIMIT_MAX, MS_SEARCH_LIMIT_MAX);
			break;
		}
		case 'h':
			usage(stdout);
			return CLI_OK;
		default:
			return cli_usage_error(cmd, "未知选项或缺少参数值：%s (unknown option or missing "
			                            "value)",
			                       (*argv)[optind - 1]);
		}
	}
	*argc -= optind;
	*argv += optind;
	return -1;
}

/* The pack, the store and the scope: the operator's (everything) or that
 * of the user named by --as. */
typedef struct session {
	ms_pack *pack;
	ms_store *s;
	ms_user user;
	ms_scope scope;
} session;

static int open_session(const char *cmd, const popts *o, session *ss)
{
	memset(ss, 0, sizeof *ss);
	int rc;
	if ((rc = cli_rules_load(cmd, &ss->pack)))
		return rc;
	if ((rc = cli_open_store(cmd, false, &ss->s))) {
		ms_pack_free(ss->pack);
		return rc;
	}
	ss->scope = (ms_scope){.kind = MS_SCOPE_ALL};
	if (o->actor) {
		ms_error err;
		ms_error_clear(&err);
		if (ms_auth_actor(ss->s, o->actor, &ss->user, &err)) {
			ms_store_close(ss->s);
			ms_pack_free(ss->pack);
			return cli_fail_err(cmd, &err);
		}
		ms_auth_scope(&ss->user, &ss->scope);
	}
	return CLI_OK;
}

static void close_session(session *ss)
{
	ms_store_close(ss->s);
	ms_pack_free(ss->pack);
}

static const char *str(json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));
	return v ? v : "";
}

static const char *feed_title(const ms_pack *pack, const char *name)
{
	const ms_feed *f = ms_feed_set_find(&pack->feeds, name);
	return f && f->title ? f->title : name;
}

/* "col=value, col=value" on one line, empty values left out. */
static void print_values(const char *indent, json_t *values)
{
	const char *k;
	json_t *v;
	bool first = true;
	fputs(indent, stdout);
	json_object_foreach(values, k, v)
	{
		const char *t = json_string_value(v);
		if (!t || !*t)
			continue;
		printf("%s%s=%s", first ? "" : "，", k, t);
		first = false;
	}
	putchar('\n');
}

static void print_alerts(json_t *alerts)
{
	printf("  预警 alerts: %zu\n", json_array_size(alerts));
	size_t i;
	json_t *a;
	json_array_foreach(alerts, i, a)
	{
		printf("    #%lld %-6s %-10s 生成 created %s  期限 due %s\n",
		       (long long)json_integer_value(json_object_get(a, "id")), str(a, "rule"),
		       str(a, "state"), str(a, "created"), str(a, "due"));
	}
}

static void print_person(const session *ss, json_t *p)
{
	const char *sex = str(p, "sex");
	printf("人员 person %s  %s\n", str(p, "idno"), str(p, "name"));
	printf("  性别 sex: %s   出生 birth: %s\n",
	       strcmp(sex, "male") == 0 ? "男 male" : "女 female", str(p, "birth"));
	printf("  区划 area: %s %s\n", str(p, "area"), str(p, "area_name"));
	printf("  户编号 household: %s   与户主关系 relation: %s\n", str(p, "household"),
	       str(p, "relation"));
	printf("  电话 phone: %s\n", str(p, "phone"));
	puts("  登记信息 registry row:");
	const char *k;
	json_t *v;
	json_object_foreach(json_object_get(p, "values"), k, v)
	{
		const char *t = json_string_value(v);
		if (t && *t)
			printf("    %s: %s\n", k, t);
	}
	json_object_foreach(p, k, v)
	{
		if (!json_is_array(v) || strcmp(k, "alerts") == 0)
			continue;
		printf("  %s (%s): %zu\n", feed_title(ss->pack, k), k, json_array_size(v));
		size_t i;
		json_t *row;
		json_array_foreach(v, i, row) print_values("    ", row);
	}
	print_alerts(json_object_get(p, "alerts"));
	printf("  引用 ref: %s\n", str(p, "ref"));
}

static void print_household(json_t *h)
{
	printf("家庭 household %s\n", str(h, "id"));
	printf("  区划 area: %s %s\n", str(h, "area"), str(h, "area_name"));
	print_values("  登记信息 registry row: ", json_object_get(h, "values"));
	json_t *m = json_object_get(h, "members");
	printf("  成员 members: %zu\n", json_array_size(m));
	size_t i;
	json_t *x;
	json_array_foreach(m, i, x)
	{
		printf("    %s  %-8s %s\n", str(x, "idno"), str(x, "relation"), str(x, "name"));
	}
	print_alerts(json_object_get(h, "alerts"));
	printf("  一户一档 service file: %s\n",
	       json_is_true(json_object_get(h, "service_file")) ? "已建 yes" : "未建 no");
	printf("  引用 ref: %s\n", str(h, "ref"));
}

static void print_facts(json_t *f)
{
	json_t *feeds = json_object_get(f, "feeds");
	printf("部门比对数据 department facts of %s: %zu 个数据源 feeds\n", str(f, "idno"),
	       json_array_size(feeds));
	size_t i, j;
	json_t *fd, *row;
	json_array_foreach(feeds, i, fd)
	{
		json_t *rows = json_object_get(fd, "rows");
		printf("  %s %s (%s): %zu\n", str(fd, "department"), str(fd, "title"), str(fd, "feed"),
		       json_array_size(rows));
		json_array_foreach(rows, j, row)
		{
			char indent[64];
			snprintf(indent, sizeof indent, "    [批次 batch %lld 行 row %lld] ",
			         (long long)json_integer_value(json_object_get(row, "batch")),
			         (long long)json_integer_value(json_object_get(row, "row")));
			print_values(indent, json_object_get(row, "values"));
		}
	}
}

/* show / facts of a person, show of a household */
static int page(const char *cmd, bool household, bool facts, const popts *o, const char *id)
{
	session ss;
	int rc = open_session(cmd, o, &ss);
	if (rc)
		return rc;
	ms_error err;
	ms_error_clear(&err);
	json_t *j = NULL;
	/* the operator's view is current: the index follows the registry */
	(void)ms_people_index_refresh(ss.s, ss.pack, NULL, NULL, &err);
	ms_error_clear(&err);
	ms_err e = household ? ms_people_household(ss.s, ss.pack, &ss.scope, id, true, &j, &err)
	           : facts   ? ms_people_facts(ss.s, ss.pack, &ss.scope, id, &j, &err)
	                     : ms_people_person(ss.s, ss.pack, &ss.scope, id, true, &j, &err);
	if (e) {
		close_session(&ss);
		return cli_fail_err(cmd, &err);
	}
	if (o->json) {
		cli_print_json(j);
	} else {
		if (household)
			print_household(j);
		else if (facts)
			print_facts(j);
		else
			print_person(&ss, j);
		json_decref(j);
	}
	close_session(&ss);
	return CLI_OK;
}

int cli_cmd_person(int argc, char **argv)
{
	popts o;
	int rc = parse("person", person_usage, &argc, &argv, &o);
	if (rc >= 0)
		return rc;
	if (argc != 2 || (strcmp(argv[0], "show") != 0 && strcmp(argv[0], "facts") != 0))
		return cli_usage_error("person", "需要 show ID 或 facts ID (need show ID or facts ID)");
	return page("person", false, argv[0][0] == 'f', &o, argv[1]);
}

int cli_cmd_household(int argc, char **argv)
{
	popts o;
	int rc = parse("household", household_usage, &argc, &argv, &o);
	if (rc >= 0)
		return rc;
	if (argc != 2 || strcmp(argv[0], "show") != 0)
		return cli_usage_error("household", "需要 show ID (need show ID)");
	return page("household", true, false, &o, argv[1]);
}

static double seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int refresh(const popts *o)
{
	session ss;
	int rc = open_session("search", o, &ss);
	if (rc)
		return rc;
	cli_progress cp;
	cli_progress_init(&cp);
	ms_error err;
	ms_error_clear(&err);
	int64_t n = 0;
	double t0 = seconds();
	ms_err e = ms_people_index_refresh(ss.s, ss.pack, &cp.p, &n, &err);
	double dt = seconds() - t0;
	cli_progress_done(&cp);
	close_session(&ss);
	if (e)
		return cli_fail_err("search", &err);
	if (o->json)
		cli_print_json(json_pack("{s:I, s:f}", "written", (json_int_t)n, "seconds", dt));
	else
		printf("检索索引已更新 search index up to date: 写入 %lld 条 entries written, %.2f 秒 "
		       "seconds\n",
		       (long long)n, dt);
	return CLI_OK;
}

int cli_cmd_search(int argc, char **argv)
{
	popts o;
	int rc = parse("search", search_usage, &argc, &argv, &o);
	if (rc >= 0)
		return rc;
	if (o.refresh) {
		if (argc != 0 || o.actor)
			return cli_usage_error("search", "--refresh 不带查询与 --as (--refresh takes no "
			                                 "query and no --as)");
		return refresh(&o);
	}
	if (argc != 1)
		return cli_usage_error("search", "需要一个查询 (need one QUERY)");
	session ss;
	if ((rc = open_session("search", &o, &ss)))
		return rc;
	ms_error err;
	ms_error_clear(&err);
	json_t *j = NULL;
	(void)ms_people_index_refresh(ss.s, ss.pack, NULL, NULL, &err);
	ms_error_clear(&err);
	ms_err e = ms_people_search(ss.s, ss.pack, &ss.scope, argv[0], (int)o.limit, &j, &err);
	close_session(&ss);
	if (e)
		return cli_fail_err("search", &err);
	if (o.json) {
		cli_print_json(j);
		return CLI_OK;
	}
	json_t *items = json_object_get(j, "items");
	printf("找到 found %zu\n", json_array_size(items));
	size_t i;
	json_t *x;
	json_array_foreach(items, i, x)
	{
		if (strcmp(str(x, "type"), "household") == 0)
			printf("  家庭 household %s  %s  [%s]\n", str(x, "id"), str(x, "area_name"),
			       str(x, "match"));
		else
			printf("  人员 person %s  %-8s %s  [%s]\n", str(x, "idno"), str(x, "name"),
			       str(x, "area_name"), str(x, "match"));
		printf("    引用 ref: %s\n", str(x, "ref"));
	}
	json_decref(j);
	return CLI_OK;
}
