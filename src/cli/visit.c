/* visit.c — `minsheng visit`: a household's service file (一户一档): visits,
 * services in person-times, referrals and applications with their results,
 * the file itself and a timeline joining alerts and file records. Each
 * action is one call into src/work/service.h. */
#include "cli/cli.h"

#include "base/money.h"
#include "rules/pack.h"
#include "store/store.h"
#include "work/service.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

static void visit_usage(FILE *out)
{
	fputs(
	    "用法 usage:\n"
	    "  minsheng visit add --household HH --kind 入户|电话|来访 --date D --as USER\n"
	    "           [--note TEXT] [--needs TEXT]\n"
	    "  minsheng visit service add --household HH --persons N --date D --kind TEXT --as "
	    "USER\n"
	    "           [--note TEXT]\n"
	    "  minsheng visit referral add --household HH --department D --date D --as USER\n"
	    "           [--person IDNO] [--note TEXT]\n"
	    "  minsheng visit referral result ID --result TEXT --date D --as USER [--note TEXT]\n"
	    "  minsheng visit application add --household HH --benefit B --date D --as USER\n"
	    "           [--person IDNO] [--note TEXT]\n"
	    "  minsheng visit application result ID --outcome granted|refused --date D --as USER\n"
	    "           [--note TEXT]\n"
	    "  minsheng visit file --household HH [--as USER]\n"
	    "  minsheng visit timeline --household HH | --person IDNO [--as USER]\n"
	    "  (每条均可加 --json --db PATH --pack DIR / each takes --json, --db and --pack)\n\n"
	    "一户一档：户籍所在乡镇社工站的社工或站长登记走访（首次走访即建档）、服务（按人次计）、"
	    "\n"
	    "转介及其结果、协助申请的救助及其结果（granted 批准 / refused 未批准，登记时为 "
	    "pending）。\n"
	    "timeline 按日期列出该户及其成员的预警（生成与每次状态变化）和档案记录。\n"
	    "A household's service file: workers and the head of the household's township station\n"
	    "record visits (the first one opens the file), services in person-times, referrals\n"
	    "and their results, applications helped with and their outcome. `timeline` lists the\n"
	    "alerts of the household and its members (raised, each state change) and the file's\n"
	    "records in date order. Without --as, reading is the server operator's view.\n",
	    out);
}

typedef struct visit_opts {
	const char *household, *person, *kind, *date, *actor, *note, *needs, *department, *benefit,
	    *result, *outcome, *persons;
} visit_opts;

static json_t *jstr(const char *v)
{
	return v ? json_string(v) : json_null();
}

static json_t *entry_json(const ms_sentry_row *r)
{
	json_t *o = json_pack("{s:I, s:s, s:s, s:s}", "id", (json_int_t)r->id, "type", r->type,
	                      "date", r->day, "kind", r->kind);
	if (strcmp(r->type, "service") == 0)
		json_object_set_new(o, "persons", json_integer(r->persons));
	json_object_set_new(o, "person", jstr(r->person));
	json_object_set_new(o, "note", jstr(r->note));
	if (strcmp(r->type, "visit") == 0)
		json_object_set_new(o, "needs", jstr(r->needs));
	if (strcmp(r->type, "referral") == 0 || strcmp(r->type, "application") == 0) {
		json_object_set_new(o, "result", jstr(r->result));
		json_object_set_new(o, "result_date", jstr(r->result_day));
		json_object_set_new(o, "result_note", jstr(r->result_note));
	}
	json_object_set_new(o, "by", jstr(r->actor));
	return o;
}

static const char *entry_label(const char *type)
{
	if (strcmp(type, "visit") == 0)
		return "走访";
	if (strcmp(type, "service") == 0)
		return "服务";
	if (strcmp(type, "referral") == 0)
		return "转介";
	return "申请";
}

static int on_entry(void *ctx, const ms_sentry_row *r)
{
	json_t *arr = ctx;
	if (arr) {
		json_array_append_new(arr, entry_json(r));
		return 0;
	}
	printf("  %s  %-4lld %s %s", r->day, (long long)r->id, entry_label(r->type),
	       strcmp(r->type, "visit") == 0 ? ms_visit_kind_label(r->kind, false) : r->kind);
	if (strcmp(r->type, "service") == 0)
		printf("  %lld 人次", (long long)r->persons);
	if (r->result)
		printf("  结果 %s%s%s", r->result, r->result_day ? " " : "",
		       r->result_day ? r->result_day : "");
	if (r->note && *r->note)
		printf("  %s", r->note);
	putchar('\n');
	return 0;
}

static int on_item(void *ctx, const ms_timeline_item *it)
{
	json_t *arr = ctx;
	if (arr) {
		json_t *o = json_pack("{s:s, s:s, s:s}", "date", it->day, "at", it->at, "source",
		                      it->source);
		if (it->alert_id) {
			json_object_set_new(o, "alert", json_integer(it->alert_id));
			json_object_set_new(o, "rule", jstr(it->rule));
			json_object_set_new(o, "subject_type", jstr(it->subject_type));
			json_object_set_new(o, "subject", jstr(it->subject));
			json_object_set_new(o, "from", jstr(it->from_state));
			json_object_set_new(o, "to", jstr(it->to_state));
		} else {
			json_object_set_new(o, "entry", json_integer(it->entry_id));
			json_object_set_new(o, "kind", jstr(it->kind));
			if (it->persons)
				json_object_set_new(o, "persons", json_integer(it->persons));
			json_object_set_new(o, "person", jstr(it->person));
			json_object_set_new(o, "result", jstr(it->result));
			if (it->needs)
				json_object_set_new(o, "needs", json_string(it->needs));
		}
		json_object_set_new(o, "actor", jstr(it->actor));
		json_object_set_new(o, "note", jstr(it->note));
		json_array_append_new(arr, o);
		return 0;
	}
	if (it->alert_id)
		printf("%s  预警 alert %lld %s %s→%s  %s\n", it->day, (long long)it->alert_id,
		       it->rule ? it->rule : "",
		       it->from_state && *it->from_state ? it->from_state : "",
		       it->to_state ? it->to_state : "", it->note ? it->note : "");
	else
		printf("%s  %s %lld %s%s%s  %s\n", it->day, it->source, (long long)it->entry_id,
		       it->kind ? it->kind : "", it->result ? " → " : "",
		       it->result ? it->result : "", it->note ? it->note : "");
	return 0;
}

static int need(const char *v, const char *opt)
{
	if (v && *v)
		return 0;
	return cli_usage_error("visit", "需要 %s (need %s)", opt, opt);
}

static int parse_id(const char *v, int64_t *id)
{
	if (!v || ms_int_parse(v, strlen(v), 1, INT64_MAX, id) != MS_ERR_OK)
		return cli_usage_error("visit",
		                       "记录编号应为正整数：%s (a record id is a positive "
		                       "integer)",
		                       v ? v : "");
	return 0;
}

int cli_cmd_visit(int argc, char **argv)
{
	static const struct option opts[] = {{"db", required_argument, NULL, 'd'},
	                                     {"pack", required_argument, NULL, 'P'},
	                                     {"json", no_argument, NULL, 'j'},
	                                     {"household", required_argument, NULL, 'H'},
	                                     {"person", required_argument, NULL, 'p'},
	                                     {"kind", required_argument, NULL, 'k'},
	                                     {"date", required_argument, NULL, 't'},
	                                     {"as", required_argument, NULL, 'u'},
	                                     {"note", required_argument, NULL, 'n'},
	                                     {"needs", required_argument, NULL, 'N'},
	                                     {"department", required_argument, NULL, 'D'},
	                                     {"benefit", required_argument, NULL, 'B'},
	                                     {"result", required_argument, NULL, 'r'},
	                                     {"outcome", required_argument, NULL, 'o'},
	                                     {"persons", required_argument, NULL, 'c'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	bool json = false;
	visit_opts o = {0};
	int c;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			cli_db_path(optarg);
			break;
		case 'P':
			cli_pack_dir(optarg);
			break;
		case 'j':
			json = true;
			break;
		case 'H':
			o.household = optarg;
			break;
		case 'p':
			o.person = optarg;
			break;
		case 'k':
			o.kind = optarg;
			break;
		case 't':
			o.date = optarg;
			break;
		case 'u':
			o.actor = optarg;
			break;
		case 'n':
			o.note = optarg;
			break;
		case 'N':
			o.needs = optarg;
			break;
		case 'D':
			o.department = optarg;
			break;
		case 'B':
			o.benefit = optarg;
			break;
		case 'r':
			o.result = optarg;
			break;
		case 'o':
			o.outcome = optarg;
			break;
		case 'c':
			o.persons = optarg;
			break;
		case 'h':
			visit_usage(stdout);
			return CLI_OK;
		default:
			return cli_usage_error(
			    "visit", "未知选项或缺少参数值：%s (unknown option or missing value)",
			    argv[optind - 1]);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		return cli_usage_error("visit",
		                       "需要子命令 add、service、referral、application、file "
		                       "或 timeline (need an action)");
	const char *verb = argv[0];
	const char *sub = argc > 1 ? argv[1] : NULL;
	enum { ADD, RESULT, FILE_, TIMELINE } action;
	ms_service_in in = {.household = o.household,
	                    .day = o.date,
	                    .person = o.person,
	                    .note = o.note,
	                    .needs = o.needs};
	int64_t rid = 0;
	int rc = 0;
	if (strcmp(verb, "add") == 0 && argc == 1) {
		action = ADD;
		in.type = "visit";
		in.kind = o.kind;
		rc = need(o.kind, "--kind");
	} else if (strcmp(verb, "service") == 0 && sub && strcmp(sub, "add") == 0 && argc == 2) {
		action = ADD;
		in.type = "service";
		in.kind = o.kind;
		if (!(rc = need(o.kind, "--kind")) && !(rc = need(o.persons, "--persons")) &&
		    ms_int_parse(o.persons, strlen(o.persons), 1, MS_SERVICE_PERSONS_MAX,
		                 &in.persons) != MS_ERR_OK)
			rc = cli_usage_error("visit",
			                     "--persons 应为 1 到 %d 的整数 (person-times, 1 "
			                     "to %d)",
			                     MS_SERVICE_PERSONS_MAX, MS_SERVICE_PERSONS_MAX);
	} else if ((strcmp(verb, "referral") == 0 || strcmp(verb, "application") == 0) && sub &&
	           strcmp(sub, "add") == 0 && argc == 2) {
		action = ADD;
		in.type = verb;
		bool ref = verb[0] == 'r';
		in.kind = ref ? o.department : o.benefit;
		rc = need(in.kind, ref ? "--department" : "--benefit");
	} else if ((strcmp(verb, "referral") == 0 || strcmp(verb, "application") == 0) && sub &&
	           strcmp(sub, "result") == 0 && argc == 3) {
		action = RESULT;
		if (!(rc = parse_id(argv[2], &rid)))
			rc = need(verb[0] == 'r' ? o.result : o.outcome,
			          verb[0] == 'r' ? "--result" : "--outcome");
	} else if (strcmp(verb, "file") == 0 && argc == 1) {
		action = FILE_;
	} else if (strcmp(verb, "timeline") == 0 && argc == 1) {
		action = TIMELINE;
		if (!o.household == !o.person)
			rc = cli_usage_error("visit", "timeline 需要 --household 或 --person 之一 "
			                              "(timeline takes --household or --person)");
	} else {
		return cli_usage_error("visit",
		                       "未知或不完整的子命令：%s%s%s (unknown or incomplete "
		                       "action; see --help)",
		                       verb, sub ? " " : "", sub ? sub : "");
	}
	if (rc)
		return rc;
	if ((action == ADD || action == FILE_) && (rc = need(o.household, "--household")))
		return rc;
	if ((action == ADD || action == RESULT) &&
	    ((rc = need(o.date, "--date")) || (rc = need(o.actor, "--as"))))
		return rc;

	ms_pack *pack = NULL;
	if ((rc = cli_rules_load("visit", &pack)))
		return rc;
	ms_store *s;
	if ((rc = cli_open_store("visit", false, &s))) {
		ms_pack_free(pack);
		return rc;
	}
	ms_work_env env = {.pack = pack};
	ms_error err;
	ms_error_clear(&err);
	ms_err e = MS_ERR_OK;
	json_t *out = NULL;
	switch (action) {
	case ADD: {
		int64_t id = 0;
		bool opened = false;
		e = ms_service_add(s, &env, o.actor, &in, &id, &opened, &err);
		if (!e && json)
			out = json_pack("{s:I, s:s, s:s, s:b}", "id", (json_int_t)id, "type",
			                in.type, "household", in.household, "opened", opened);
		else if (!e)
			printf("已登记 added %s %lld%s\n", in.type, (long long)id,
			       opened ? "（已建档 file opened）" : "");
		break;
	}
	case RESULT:
		e = ms_service_result(s, &env, o.actor, verb, rid, o.date,
		                      verb[0] == 'r' ? o.result : o.outcome, o.note, &err);
		if (!e && json)
			out = json_pack("{s:I, s:s, s:s}", "id", (json_int_t)rid, "type", verb,
			                "result", verb[0] == 'r' ? o.result : o.outcome);
		else if (!e)
			printf("已记录结果 result recorded: %s %lld\n", verb, (long long)rid);
		break;
	case FILE_: {
		ms_sfile_row f;
		json_t *arr = json ? json_array() : NULL;
		if (!json)
			printf("户 household %s\n", o.household);
		e = ms_service_file(s, &env, o.actor, o.household, &f, on_entry, arr, &err);
		if (!e && json) {
			out = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}", "household", f.household,
			                "area", f.area, "station", f.station, "opened", f.opened,
			                "opened_by", f.opened_by, "records", arr);
		} else {
			json_decref(arr);
		}
		break;
	}
	case TIMELINE: {
		json_t *arr = json ? json_array() : NULL;
		e = ms_service_timeline(s, &env, o.actor, o.household, o.person, on_item, arr,
		                        &err);
		if (!e && json)
			out = arr;
		else
			json_decref(arr);
		break;
	}
	}
	ms_store_close(s);
	ms_pack_free(pack);
	if (e) {
		json_decref(out);
		return cli_fail_err("visit", &err);
	}
	if (out)
		cli_print_json(out);
	return CLI_OK;
}
