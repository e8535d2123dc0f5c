/* serve.c — `minsheng serve`: the HTTP API (and the web UI's files) on an
 * address, until SIGINT or SIGTERM. */
#include "cli/cli.h"

#include "audit/audit.h"
#include "base/log.h"
#include "http/server.h"
#include "ops/config.h"

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
	fputs("用法 usage: minsheng serve [--config PATH] [--listen ADDR:PORT] [--threads N]\n"
	      "                        [--static DIR] [--access PATH] [--port-file PATH] [--quiet]\n"
	      "                        [--tls-cert PEM --tls-key PEM] [--trusted-proxy ADDRS]\n"
	      "                        [--log-format json|text|auto] [--log-level LEVEL] [--routes]\n\n"
	      "提供 /api/v1 接口（OpenAPI 文档见 /api/v1/openapi.json）、/metrics 与 /healthz，\n"
	      "直到收到 SIGINT 或 SIGTERM。数据库须已由 `minsheng init` 创建。\n"
	      "Serves the /api/v1 API (its OpenAPI document at /api/v1/openapi.json), /metrics and\n"
	      "/healthz until SIGINT or SIGTERM. The database must exist (`minsheng init`).\n\n"
	      "设置来源（先者优先）：命令行选项、环境变量（MINSHENG_DB、MINSHENG_PACK）、配置文件、默认值。\n"
	      "Settings come from, first wins: options, environment (MINSHENG_DB, MINSHENG_PACK),\n"
	      "the configuration file, defaults (docs/deploy.md lists the file's keys).\n\n"
	      "  --config PATH       配置文件，默认 $MINSHENG_CONFIG 或 /etc/minsheng/minsheng.conf（若存在）\n"
	      "                      / the configuration file (default: $MINSHENG_CONFIG, else\n"
	      "                      /etc/minsheng/minsheng.conf when it exists)\n"
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
	      "  --tls-cert PEM      直接提供 HTTPS：证书（链）文件 / serve HTTPS: the certificate (chain)\n"
	      "  --tls-key PEM       与证书配对的未加密私钥 / its unencrypted private key\n"
	      "  --trusted-proxy A   信任这些反向代理地址的 X-Forwarded-For（逗号分隔）\n"
	      "                      / believe X-Forwarded-For from these proxy addresses only\n"
	      "  --log-format F      日志格式：json、text 或 auto（终端为 text，否则 json）\n"
	      "                      / log lines: json, text, or auto (text on a terminal)\n"
	      "  --log-level L       debug、info（默认）、warn、error / the least level logged\n"
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
	    {"config", required_argument, NULL, 'C'},    {"tls-cert", required_argument, NULL, 'T'},
	    {"tls-key", required_argument, NULL, 'K'},   {"trusted-proxy", required_argument, NULL, 'X'},
	    {"log-format", required_argument, NULL, 'F'}, {"log-level", required_argument, NULL, 'L'},
	    {NULL, 0, NULL, 0}};
	/* what the options say; NULL / 0 / -1 = not given, so the
	 * configuration file and then the defaults fill the rest */
	ms_server_opts o = {0};
	const char *port_file = NULL, *proxy_arg = NULL;
	int log_format = -1, log_level = -1;
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
		case 'C':
			cli_config_path(optarg);
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
		case 'T':
			o.tls_cert = optarg;
			break;
		case 'K':
			o.tls_key = optarg;
			break;
		case 'X':
			proxy_arg = optarg;
			break;
		case 'F': {
			ms_log_format f;
			if (!ms_log_format_parse(optarg, &f))
				return cli_usage_error("serve", "--log-format 应为 json、text 或 auto (--log-format "
				                                "must be json, text or auto)");
			log_format = (int)f;
			break;
		}
		case 'L': {
			ms_log_level l;
			if (!ms_log_level_parse(optarg, &l))
				return cli_usage_error("serve", "--log-level 应为 debug、info、warn 或 error "
				                                "(--log-level must be debug, info, warn or error)");
			log_level = (int)l;
			break;
		}
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
	if (!o.tls_cert != !o.tls_key)
		return cli_usage_error("serve", "--tls-cert 与 --tls-key 须同时给出 (--tls-cert and "
		                                "--tls-key go together)");
	char proxies[MS_CONFIG_PROXIES_MAX * 48];
	if (proxy_arg) {
		char why[300];
		if (!ms_config_proxy_list(proxy_arg, proxies, sizeof proxies, why, sizeof why))
			return cli_usage_error("serve", "--trusted-proxy：%s", why);
		o.trusted_proxy = proxies;
	}

	/* the configuration fills what the options left open */
	const ms_config *cf = cli_config();
	if (cf) {
		if (!o.listen && cf->listen[0])
			o.listen = cf->listen;
		if (!o.threads)
			o.threads = cf->threads;
		if (!o.static_dir && cf->static_dir[0])
			o.static_dir = cf->static_dir;
		if (!o.access_hash)
			o.access_hash = cf->access_hash;
		if (!o.max_upload && cf->upload_limit_mb)
			o.max_upload = (size_t)cf->upload_limit_mb << 20;
		if (!o.trusted_proxy && cf->trusted_proxy[0])
			o.trusted_proxy = cf->trusted_proxy;
		if (!o.cookie_secure && cf->cookie_secure == 1)
			o.cookie_secure = true;
		if (!o.tls_cert && cf->tls_cert[0]) {
			o.tls_cert = cf->tls_cert;
			o.tls_key = cf->tls_key;
		}
		if (!o.quiet && cf->log_requests == 0)
			o.quiet = true;
		if (log_format < 0)
			log_format = cf->log_format;
		if (log_level < 0)
			log_level = cf->log_level;
		if (cf->idle_minutes)
			o.session_idle = (int64_t)cf->idle_minutes * 60;
		if (cf->absolute_hours)
			o.session_absolute = (int64_t)cf->absolute_hours * 3600;
	}
	if (!o.listen)
		o.listen = "127.0.0.1:8080";
	if (log_format >= 0)
		ms_log_set_format((ms_log_format)log_format);
	if (log_level >= 0)
		ms_log_set_level((ms_log_level)log_level);
	o.db = cli_db_path(NULL);
	o.pack_dir = cli_pack_dir(NULL);
	if (!o.access_path)
		o.access_path = cli_access_path();
	o.stop = &stop_flag;
	o.on_listen = write_port;
	o.ctx = (void *)(uintptr_t)port_file;
	if (cf)
		ms_log(MS_LOG_INFO, "minsheng serve: configuration %s", cf->file);
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
