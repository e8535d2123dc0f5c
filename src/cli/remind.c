/* remind.c — `minsheng remind`: the reminder pass a timer runs (packaging/
 * minsheng-remind.timer): alerts raised since the last run, due soon and
 * overdue are recorded as notified and queued for the outbound webhook
 * (src/work/notify.h), then the queue is delivered (src/notify/webhook.h). */
#include "cli/cli.h"

#include "notify/webhook.h"
#include "rules/pack.h"
#include "store/store.h"
#include "work/notify.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void remind_usage(FILE *out)
{
	fputs("用法 usage: minsheng remind [--dry-run] [--no-deliver] [--json]\n\n"
	      "到期提醒：找出上次运行以来新生成的预警、即将到期（remind_days 个工作日内）和已逾期的\n"
	      "预警，记录为已通知（每条预警每个办理期限只通知一次），为订阅的推送地址排队，然后推送\n"
	      "（同 minsheng webhook deliver）。由定时器 minsheng-remind.timer 运行。\n"
	      "Finds the alerts raised since the last run, due soon (within the pack's remind_days\n"
	      "working days) and overdue, records them as notified (once per alert and due date),\n"
	      "queues their webhook events and delivers the queue (as `webhook deliver`).\n\n"
	      "  --dry-run     只列出将通知的事件，不写入、不推送 / list what would be notified\n"
	      "  --no-deliver  只排队，不推送 / queue only\n"
	      "  --json        {today, dry_run, new, due_soon, overdue, queued, events: [{alert,\n"
	      "                event, rule, area, inbox, state, due}], delivery?: {attempted,\n"
	      "                delivered, retrying, failed}}\n",
	      out);
}

typedef struct remind_out {
	json_t *events;
	bool json;
} remind_out;

static int on_event(void *ctx, const ms_remind_item *it)
{
	remind_out *o = ctx;
	if (o->json) {
		json_array_append_new(
		    o->events, json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I}", "alert",
		                         (json_int_t)it->alert, "event", it->event, "rule", it->rule,
		                         "area", it->area, "inbox", it->inbox, "state", it->state, "due",
		                         it->due, "assignee", it->assignee, "queued",
		                         (json_int_t)it->queued));
		return 0;
	}
	const char *label = strcmp(it->event, "new") == 0       ? "新预警 new"
	                    : strcmp(it->event, "overdue") == 0 ? "已逾期 overdue"
	                                                        : "即将到期 due soon";
	printf("  %-18s 预警 %lld %s 区划 %s 期限 %s%s%s\n", label, (long long)it->alert, it->rule,
	       it->area, it->due, it->assignee[0] ? " 社工 " : "", it->assignee);
	return 0;
}

int cli_cmd_remind(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"db", required_argument, NULL, 'd'}, {"pack", required_argument, NULL, 'p'},
	    {"dry-run", no_argument, NULL, 'n'},  {"no-deliver", no_argument, NULL, 'q'},
	    {"json", no_argument, NULL, 'j'},     {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0}};
	bool dry = false, deliver = true, json = false;
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
		case 'q':
			deliver = false;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			remind_usage(stdout);
			return CLI_OK;
		default:
			return cli_usage_error("remind", "未知选项或缺少参数值：%s (unknown option or "
			                                 "missing value)",
			                       argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage_error("remind", "多余的参数 %s (unexpected argument)", argv[optind]);
	ms_pack *pack = NULL;
	int rc = cli_rules_load("remind", &pack);
	if (rc)
		return rc;
	ms_store *s;
	if ((rc = cli_open_store("remind", false, &s))) {
		ms_pack_free(pack);
		return rc;
	}
	remind_out o = {.json = json, .events = json ? json_array() : NULL};
	ms_remind_result r;
	ms_error err;
	ms_error_clear(&err);
	if (!json)
		printf("%s到期提醒 reminders:\n", dry ? "（试运行 dry run）" : "");
	ms_err e = ms_remind(s, pack, ms_date_today(), dry, on_event, &o, &r, &err);
	ms_deliver_result d = {0};
	bool delivered = false;
	if (!e && !dry && deliver) {
		e = ms_webhook_deliver(s, NULL, NULL, NULL, &d, &err);
		delivered = true;
	}
	ms_store_close(s);
	ms_pack_free(pack);
	if (e) {
		json_decref(o.events);
		return cli_fail_err("remind", &err);
	}
	if (json) {
		json_t *j = json_pack("{s:s, s:b, s:I, s:I, s:I, s:I, s:o}", "today", r.today, "dry_run",
		                      dry, "new", (json_int_t)r.new_alerts, "due_soon",
		                      (json_int_t)r.due_soon, "overdue", (json_int_t)r.overdue, "queued",
		                      (json_int_t)r.queued, "events", o.events);
		if (j && delivered)
			json_object_set_new(j, "delivery",
			                    json_pack("{s:I, s:I, s:I, s:I}", "attempted",
			                              (json_int_t)d.attempted, "delivered",
			                              (json_int_t)d.delivered, "retrying",
			                              (json_int_t)d.retrying, "failed", (json_int_t)d.failed));
		cli_print_json(j);
		return CLI_OK;
	}
	printf("新预警 new %lld · 即将到期 due soon %lld · 已逾期 overdue %lld · 排队推送 queued %lld\n",
	       (long long)r.new_alerts, (long long)r.due_soon, (long long)r.overdue,
	       (long long)r.queued);
	if (delivered)
		printf("推送 delivery: 尝试 attempted %lld · 成功 delivered %lld · 待重试 retrying %lld · "
		       "放弃 failed %lld\n",
		       (long long)d.attempted, (long long)d.delivered, (long long)d.retrying,
		       (long long)d.failed);
	return CLI_OK;
}
