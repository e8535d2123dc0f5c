/* doctor.c — `minsheng doctor`: checks an installation (src/ops/doctor.h)
 * and prints what to fix; exit 0 only when every check is ok. */
#include "cli/cli.h"

#include "ops/config.h"
#include "ops/doctor.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void doctor_usage(FILE *out)
{
	fputs("用法 usage: minsheng doctor [--config PATH] [--db PATH] [--pack DIR] [--json]\n\n"
	      "检查配置文件、数据库完整性（quick_check）、数据库旁的可用磁盘空间、数据文件的属主、\n"
	      "访问日志的哈希链与锚点、政策包、网页文件和 TLS 证书（可读、配对、未过期），并说明如何修复。\n"
	      "全部正常时退出码为 0，否则为 1。请以服务用户运行：runuser -u minsheng -- minsheng doctor\n"
	      "Checks the configuration, the database's integrity (quick_check), free disk space\n"
	      "beside it, the owner of the data files, the access log's hash chain and anchors, the\n"
	      "policy pack, the web files and the TLS certificate (readable, matching its key, not\n"
	      "expired), and says what to fix. Exit 0 when all is well, 1 otherwise. Run it as the\n"
	      "service user: runuser -u minsheng -- minsheng doctor\n",
	      out);
}

static const char *state_label(ms_check_state s)
{
	return s == MS_CHECK_OK ? "正常 ok  " : s == MS_CHECK_WARN ? "警告 warn" : "错误 FAIL";
}

static const char *state_code(ms_check_state s)
{
	return s == MS_CHECK_OK ? "ok" : s == MS_CHECK_WARN ? "warn" : "fail";
}

typedef struct doctor_ctx {
	bool json;
	json_t *arr;
} doctor_ctx;

static void print_indented(const char *label, const char *text)
{
	const char *p = text;
	bool first = true;
	while (*p) {
		size_t n = strcspn(p, "\n");
		printf("    %s%.*s\n", first ? label : "      ", (int)n, p);
		first = false;
		p += n;
		if (*p)
			p++;
	}
}

static void on_check(void *vctx, const ms_check *c)
{
	doctor_ctx *x = vctx;
	if (x->json) {
		json_array_append_new(x->arr, json_pack("{s:s,s:s,s:s,s:s,s:s?}", "check", c->id,
		                                        "title", c->title_en, "state",
		                                        state_code(c->state), "detail", c->detail,
		                                        "fix", c->fix[0] ? c->fix : NULL));
		return;
	}
	printf("[%s] %s %s\n", state_label(c->state), c->title_zh, c->title_en);
	print_indented("", c->detail);
	if (c->fix[0])
		print_indented("修复 fix: ", c->fix);
}

int cli_cmd_doctor(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"config", required_argument, NULL, 'C'}, {"db", required_argument, NULL, 'd'},
	    {"pack", required_argument, NULL, 'p'},   {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0}};
	bool json = false;
	int c;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'C':
			cli_config_path(optarg);
			break;
		case 'd':
			cli_db_path(optarg);
			break;
		case 'p':
			cli_pack_dir(optarg);
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			doctor_usage(stdout);
			return CLI_OK;
		default:
			return cli_usage_error("doctor", "未知选项或缺少参数值：%s (unknown option or missing "
			                                 "value)", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage_error("doctor", "多余的参数 %s (unexpected argument)", argv[optind]);

	/* the configuration is read here, not through cli_config (which stops
	 * at a broken file): the doctor reports it and goes on with what
	 * could be read */
	static ms_config cf;
	const char *file = cli_config_file();
	bool have = false, ok = false;
	if (file) {
		ms_error err;
		ms_error_clear(&err);
		ok = ms_config_load(file, &cf, &err) == MS_ERR_OK;
		if (ok)
			ok = ms_config_check_paths(&cf) == 0;
		have = true;
	}
	cli_config_use(have ? &cf : NULL);

	ms_doctor_opts o = {
		.config = have ? &cf : NULL,
		.config_ok = ok,
		.db = cli_db_path(NULL),
		.access_path = cli_access_path(),
		.pack_dir = cli_pack_dir(NULL),
		.static_dir = have && cf.static_dir[0] ? cf.static_dir : NULL,
		.tls_cert = have && cf.tls_cert[0] ? cf.tls_cert : NULL,
		.tls_key = have && cf.tls_key[0] ? cf.tls_key : NULL,
		.now = (int64_t)time(NULL),
		.min_free_percent = 10,
		.min_free_bytes = (uint64_t)2 << 30,
	};
	doctor_ctx x = {.json = json, .arr = json ? json_array() : NULL};
	int bad = ms_doctor_run(&o, on_check, &x);
	if (bad < 0)
		return cli_fail("doctor", "内存不足 (out of memory)");
	if (json) {
		cli_print_json(json_pack("{s:b,s:i,s:o}", "ok", bad == 0, "problems", bad, "checks",
		                         x.arr));
	} else if (bad) {
		printf("\n结论：%d 项需要处理 / %d checks need attention\n", bad, bad);
	} else {
		printf("\n结论：一切正常 / all is well\n");
	}
	return bad ? CLI_FAIL : CLI_OK;
}
