/* serve.c — `minsheng serve`: the HTTP API (and the web UI's files) on an
 * address, until SIGINT or SIGTERM. */
#include "cli/cli.h"

#include "audit/audit.h"
#include "http/server.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void serve_usage(FILE *out)
{
	fputs("用法 usage: minsheng serve [--listen ADDR:PORT] [--threads N] [--static DIR]\n"
	      "                        [--access PATH] [--port-file PATH] [--quiet] [--routes]\n\n"
	      "提供 /api/v1 接口（OpenAPI 文档见 /api/v1/openapi.json）、/metrics 与 /healthz，\n"
	      "直到收到 SIGINT 或 SIGTERM。数据库须已由 `minsheng init` 创建。\n"
	      "Serves the /api/v1 API (its OpenAPI document at /api/v1/openapi.json), /metrics and\n"
	      "/healthz until SIGINT or SIGTERM. The database must exist (`minsheng init`).\n\n"
	      "  --listen ADDR:PORT  监听地址，默认 127.0.0.1:8080；端口 0 = 任一空闲端口\n"
	      "                      / where to listen (default 127.0.0.1:8080; port 0 = any free)\n"
	      "  --threads N         工作线程数，默认为 CPU 核数 / worker threads (default: cores)\n"
	      "  --static DIR        网页界面文件目录 / the web UI's files\n"
	      "  --access PATH       访问日志数据库，默认为 数据库路径.access / the access log\n"
	      "  --access-hash ALG   新建访问日志的哈希：sha256（默认）或 sm3（GB/T 32905）\n"
	      "                      / the hash of a new access log: sha256 (default) or sm3\n"
	      "  --port-file PATH    开始监听后把端口号写入该文件 / write the port there once listening\n"
	      "  --max-upload MB     上传文件上限（MiB，默认 512） / upload limit in MiB\n"
	      "  --cookie-secure     会话 Cookie 加 Secure（经 TLS 访问时） / Secure cookies behind TLS\n"
	      "  --quiet             不逐条输出请求 / no line per request\n"
	      "  --routes            列出全部接口后退出 / list the routes and exit\n",
	      out);
}

static void print_route(void *ctx, const char *method, const char *path)
{
	(void)ctx;
	printf("%s %s\n", method, path);
}

static void write_port(void *ctx, int port)
{
	const char *path = ctx;
	if (!path)
		return;
	char tmp[4096];
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (!f)
		return;
	fprintf(f, "%d\n", port);
	if (fclose(f) == 0)
		rename(tmp, path);
}

int cli_cmd_serve(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"db", required_argument, NULL, 'd'},        {"pack", required_argument, NULL, 'p'},
	    {"listen", required_argument, NULL, 'l'},    {"threads", required_argument, NULL, 't'},
	    {"static", required_argument, NULL, 's'},    {"access", required_argument, NULL, 'a'},
	    {"port-file", required_argument, NULL, 'P'}, {"max-upload", required_argument, NULL, 'm'},
	    {"cookie-secure", no_argument, NULL, 'c'},   {"quiet", no_argument, NULL, 'q'},
	    {"routes", no_argument, NULL, 'r'},          {"help", no_argument, NULL, 'h'},
	    {"access-hash", required_argument, NULL, 'H'},
	    {NULL, 0, NULL, 0}};
	ms_server_opts o = {.listen = "127.0.0.1:8080"};
	const char *port_file = NULL;
	bool routes = false;
	int c;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		char *end;
		switch (c) {
		case 'd':
			cli_db_path(optarg);
			break;
		case 'p':
			cli_pack_dir(optarg);
			break;
		case 'l':
			o.listen = optarg;
			break;
		case 't':
			o.threads = (int)strtol(optarg, &end, 10);
			if (*end || o.threads < 1 || o.threads > 64)
				return cli_usage_error("serve", "--threads 应为 1–64 (--threads must be 1-64)");
			break;
		case 's':
			o.static_dir = optarg;
			break;
		case 'a':
			o.access_path = optarg;
			break;
		case 'P':
			port_file = optarg;
			break;
		case 'm': {
			long mb = strtol(optarg, &end, 10);
			if (*end || mb < 1 || mb > 65536)
				return cli_usage_error("serve", "--max-upload 应为 1–65536 MiB (--max-upload must "
				                                "be 1-65536 MiB)");
			o.max_upload = (size_t)mb << 20;
			break;
		}
		case 'H':
			if (strcmp(optarg, "sha256") == 0)
				o.access_hash = MS_AUDIT_SHA256;
			else if (strcmp(optarg, "sm3") == 0)
				o.access_hash = MS_AUDIT_SM3;
			else
				return cli_usage_error("serve", "--access-hash 应为 sha256 或 sm3 (--access-hash "
				                                "must be sha256 or sm3)");
			break;
		case 'c':
			o.cookie_secure = true;
			break;
		case 'q':
			o.quiet = true;
			break;
		case 'r':
			routes = true;
			break;
		case 'h':
			serve_usage(stdout);
			return CLI_OK;
		default:
			return cli_usage_error("serve", "未知选项或缺少参数值：%s (unknown option or missing value)",
			                       argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage_error("serve", "多余的参数 %s (unexpected argument)", argv[optind]);
	if (routes) {
		ms_http_routes(print_route, NULL);
		return CLI_OK;
	}
	o.db = cli_db_path(NULL);
	o.pack_dir = cli_pack_dir(NULL);
	o.stop = &stop_flag;
	o.on_listen = write_port;
	o.ctx = (void *)(uintptr_t)port_file;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	ms_error err = {0};
	ms_err e = ms_server_run(&o, &err);
	if (e)
		return cli_fail_err("serve", &err);
	return CLI_OK;
}
