/* webhook.c — `minsheng webhook`: the targets of the outbound webhook
 * (add, list, remove), the delivery of queued events (deliver) and their
 * record (deliveries). The core is src/notify/webhook.h. */
#include "cli/cli.h"

#include "notify/webhook.h"
#include "store/store.h"

#include <getopt.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void webhook_usage(FILE *out)
{
	fputs("用法 usage:\n"
	      "  minsheng webhook add URL --secret S|- --events new,due_soon,overdue,returned [--as ADMIN]\n"
	      "  minsheng webhook list [--all] [--json] [--as ADMIN]\n"
	      "  minsheng webhook remove ID [--as ADMIN]\n"
	      "  minsheng webhook deliver [--max-attempts N] [--retry-base SECONDS] [--max-delay SECONDS]\n"
	      "                           [--timeout-ms N] [--now UNIX] [--json]\n"
	      "  minsheng webhook deliveries [--state pending|delivered|failed] [--limit N] [--json]\n\n"
	      "推送（Webhook）：预警新生成、即将到期、逾期、被退回时，向民政局的短信或企业微信网关\n"
	      "POST 一段 JSON（只含掩码的身份证号），用密钥做 HMAC-SHA256 签名（X-Minsheng-Signature:\n"
	      "sha256=HEX，签名内容为“时间戳.正文”，时间戳见 X-Minsheng-Timestamp）。失败按指数退避\n"
	      "重试（默认 60 秒起，每次加倍，最长 6 小时），8 次后放弃。https:// 用系统证书校验。\n"
	      "The outbound webhook: new, due-soon, overdue and returned alerts POSTed as JSON\n"
	      "(masked numbers only) to the bureau's SMS or WeCom gateway, signed with HMAC-SHA256\n"
	      "of \"TIMESTAMP.BODY\" under the target's secret; retried with exponential backoff\n"
	      "(60 s doubling, at most 6 h), given up after 8 attempts. docs/operations.md.\n\n"
	      "  --secret -      从标准输入读取密钥 / read the secret from standard input\n"
	      "  --now UNIX      把当前时间当作 UNIX 秒（测试与补发用） / take UNIX seconds as now\n",
	      out);
}

static int read_secret(const char *arg, char *out, size_t cap)
{
	if (strcmp(arg, "-") != 0) {
		snprintf(out, cap, "%s", arg);
		return CLI_OK;
	}
	if (!fgets(out, (int)cap, stdin))
		return cli_fail("webhook", "标准输入没有密钥 (no secret on standard input)");
	out[strcspn(out, "\r\n")] = '\0';
	return CLI_OK;
}

static int on_webhook(void *ctx, const ms_webhook_row *w)
{
	json_t *arr = ctx;
	if (arr) {
		json_array_append_new(
		    arr, json_pack("{s:I, s:s, s:s, s:s, s:s, s:s?, s:I, s:I, s:I}", "id",
		                   (json_int_t)w->id, "url", w->url, "events", w->events, "created",
		                   w->created, "created_by", w->created_by, "removed", w->removed,
		                   "pending", (json_int_t)w->pending, "delivered",
		                   (json_int_t)w->delivered, "failed", (json_int_t)w->failed));
		return 0;
	}
	printf("%lld  %s  事件 events %s  待推送 %lld 成功 %lld 放弃 %lld%s%s\n", (long long)w->id,
	       w->url, w->events, (long long)w->pending, (long long)w->delivered,
	       (long long)w->failed, w->removed ? "  已删除 removed " : "",
	       w->removed ? w->removed : "");
	return 0;
}

static int on_delivery(void *ctx, const ms_delivery_row *d)
{
	json_t *arr = ctx;
	if (arr) {
		json_t *j = json_pack("{s:I, s:I, s:I, s:s, s:s, s:s, s:I, s:I, s:s?, s:s, s:s?}", "id",
		                      (json_int_t)d->id, "webhook", (json_int_t)d->webhook_id, "alert",
		                      (json_int_t)d->alert_id, "event", d->event, "state", d->state,
		                      "url", d->url, "attempts", (json_int_t)d->attempts,
		                      "next_attempt", (json_int_t)d->next_attempt, "last_error",
		                      d->last_error, "created", d->created, "finished", d->finished);
		if (j)
			json_object_set_new(j, "last_status",
			                    d->last_status ? json_integer(d->last_status) : json_null());
		json_array_append_new(arr, j);
		return 0;
	}
	printf("%lld  %-9s 预警 %lld %-8s 尝试 %lld 次%s%s  %s\n", (long long)d->id, d->state,
	       (long long)d->alert_id, d->event, (long long)d->attempts, d->last_error ? "  " : "",
	       d->last_error ? d->last_error : "", d->url);
	return 0;
}

static int on_attempt(void *ctx, const ms_deliver_item *it)
{
	json_t *arr = ctx;
	if (arr) {
		json_array_append_new(
		    arr, json_pack("{s:I, s:I, s:s, s:s, s:I, s:i, s:s, s:I, s:s}", "id",
		                   (json_int_t)it->id, "alert", (json_int_t)it->alert_id, "event",
		                   it->event, "url", it->url, "attempts", (json_int_t)it->attempts,
		                   "status", it->status, "state", it->state, "next_attempt",
		                   (json_int_t)it->next_attempt, "error", it->error));
		return 0;
	}
	printf("  推送 %lld 预警 %lld %s → %s：%s%s%s\n", (long long)it->id, (long long)it->alert_id,
	       it->event, it->url, it->state, it->error[0] ? " " : "", it->error);
	return 0;
}

static bool parse_int(const char *s, int64_t lo, int64_t hi, int64_t *out)
{
	char *end;
	long long v = strtoll(s, &end, 10);
	if (!*s || *end || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

int cli_cmd_webhook(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"db", required_argument, NULL, 'd'},          {"secret", required_argument, NULL, 's'},
	    {"events", required_argument, NULL, 'e'},      {"as", required_argument, NULL, 'u'},
	    {"all", no_argument, NULL, 'a'},               {"json", no_argument, NULL, 'j'},
	    {"max-attempts", required_argument, NULL, 'm'}, {"retry-base", required_argument, NULL, 'b'},
	    {"max-delay", required_argument, NULL, 'x'},   {"timeout-ms", required_argument, NULL, 't'},
	    {"now", required_argument, NULL, 'N'},         {"state", required_argument, NULL, 'S'},
	    {"limit", required_argument, NULL, 'l'},       {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0}};
	const char *secret = NULL, *events = NULL, *as = NULL, *state = NULL;
	bool all = false, json = false;
	int64_t v;
	ms_deliver_opts dopt = {0};
	int64_t limit = 100;
	int c;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			cli_db_path(optarg);
			break;
		case 's':
			secret = optarg;
			break;
		case 'e':
			events = optarg;
			break;
		case 'u':
			as = optarg;
			break;
		case 'a':
			all = true;
			break;
		case 'j':
			json = true;
			break;
		case 'm':
		case 'b':
		case 'x':
		case 't':
			if (!parse_int(optarg, c == 'b' ? 1 : c == 't' ? 100 : 1,
			               c == 'm' ? 100 : c == 't' ? 120000 : 7 * 86400, &v))
				return cli_usage_error("webhook", "选项的值无效：%s (bad value of an option)",
				                       optarg);
			if (c == 'm')
				dopt.max_attempts = (int)v;
			else if (c == 'b')
				dopt.base_delay = (int)v;
			else if (c == 'x')
				dopt.max_delay = (int)v;
			else
				dopt.timeout_ms = (int)v;
			break;
		case 'N':
			if (!parse_int(optarg, 1, INT64_MAX / 2, &dopt.now))
				return cli_usage_error("webhook", "--now 应为 UNIX 秒 (--now takes Unix seconds)");
			break;
		case 'S':
			state = optarg;
			break;
		case 'l':
			if (!parse_int(optarg, 1, 10000, &limit))
				return cli_usage_error("webhook", "--limit 应为 1–10000 (--limit is 1-10000)");
			break;
		case 'h':
			webhook_usage(stdout);
			return CLI_OK;
		default:
			return cli_usage_error("webhook", "未知选项或缺少参数值：%s (unknown option or "
			                                  "missing value)",
			                       argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return cli_usage_error("webhook", "需要子命令：add、list、remove、deliver、deliveries "
		                                  "(need a subcommand)");
	const char *sub = argv[optind++];
	int npos = argc - optind;
	bool add = !strcmp(sub, "add"), list = !strcmp(sub, "list"), rm = !strcmp(sub, "remove"),
	     deliver = !strcmp(sub, "deliver"), deliveries = !strcmp(sub, "deliveries");
	if (!add && !list && !rm && !deliver && !deliveries)
		return cli_usage_error("webhook", "未知子命令 %s (unknown subcommand)", sub);
	if (npos != ((add || rm) ? 1 : 0))
		return cli_usage_error("webhook", "%s 的参数个数不对 (wrong number of arguments)", sub);
	if (add && (!secret || !events))
		return cli_usage_error("webhook", "add 需要 --secret 和 --events (add needs --secret and "
		                                  "--events)");
	int64_t id = 0;
	if (rm && !parse_int(argv[optind], 1, INT64_MAX, &id))
		return cli_usage_error("webhook", "编号应为正整数：%s (an id is a positive integer)",
		                       argv[optind]);
	char secret_buf[1024];
	if (add) {
		int rc = read_secret(secret, secret_buf, sizeof secret_buf);
		if (rc)
			return rc;
	}
	ms_store *s;
	int rc = cli_open_store("webhook", false, &s);
	if (rc)
		return rc;
	ms_error err;
	ms_error_clear(&err);
	ms_err e = MS_ERR_OK;
	json_t *arr = json ? json_array() : NULL;
	if (add) {
		e = ms_webhook_add(s, as, argv[optind], secret_buf, events, &id, &err);
		if (!e) {
			if (json)
				cli_print_json(json_pack("{s:I}", "id", (json_int_t)id));
			else
				printf("已添加推送地址 %lld (webhook %lld added)\n", (long long)id, (long long)id);
		}
	} else if (rm) {
		e = ms_webhook_remove(s, as, id, &err);
		if (!e)
			printf("已删除推送地址 %lld，待推送的事件已放弃 (webhook %lld removed)\n",
			       (long long)id, (long long)id);
	} else if (list) {
		e = ms_webhook_list(s, as, all, on_webhook, arr, &err);
		if (!e && json) {
			cli_print_json(arr);
			arr = NULL;
		}
	} else if (deliveries) {
		e = ms_webhook_deliveries(s, as, state, (int)limit, on_delivery, arr, &err);
		if (!e && json) {
			cli_print_json(arr);
			arr = NULL;
		}
	} else {
		ms_deliver_result r;
		e = ms_webhook_deliver(s, &dopt, on_attempt, arr, &r, &err);
		if (!e && json) {
			cli_print_json(json_pack("{s:I, s:I, s:I, s:I, s:o}", "attempted",
			                         (json_int_t)r.attempted, "delivered",
			                         (json_int_t)r.delivered, "retrying", (json_int_t)r.retrying,
			                         "failed", (json_int_t)r.failed, "items", arr));
			arr = NULL;
		} else if (!e) {
			printf("推送 delivery: 尝试 attempted %lld · 成功 delivered %lld · 待重试 retrying "
			       "%lld · 放弃 failed %lld\n",
			       (long long)r.attempted, (long long)r.delivered, (long long)r.retrying,
			       (long long)r.failed);
		}
	}
	json_decref(arr);
	ms_store_close(s);
	return e ? cli_fail_err("webhook", &err) : CLI_OK;
}
