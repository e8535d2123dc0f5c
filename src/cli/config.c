/* config.c — `minsheng config check [PATH]` and `minsheng config show`: the
 * configuration file of src/ops/config.h, checked line by line, and the
 * settings in effect once options, environment and defaults are applied. */
#include "cli/cli.h"

#include "ops/config.h"

#include <jansson.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void config_usage(FILE *out)
{
	fputs("用法 usage: minsheng config check [PATH] [--json]\n"
	      "           minsheng config show [--json]\n\n"
	      "check：检查配置文件（默认 $MINSHENG_CONFIG 或 /etc/minsheng/minsheng.conf），逐行指出错误，\n"
	      "       并确认其中的文件和目录存在；全部正确时退出码为 0。\n"
	      "show： 显示生效的设置及其来源（命令行、环境变量、配置文件第几行、默认值），不显示口令。\n"
	      "check: checks the configuration file (default: $MINSHENG_CONFIG, else\n"
	      "       /etc/minsheng/minsheng.conf) and that the files and folders it names exist;\n"
	      "       every problem is given as file:line. Exit 0 only when all is right.\n"
	      "show:  prints the settings in effect and where each comes from (option,\n"
	      "       environment, file:line, default). Passwords are never shown.\n\n"
	      "全局选项 global option: minsheng --config PATH config show\n",
	      out);
}

static int do_check(const char *path, bool json)
{
	if (!path)
		path = cli_config_file();
	if (!path) {
		if (json) {
			cli_print_json(json_pack("{s:b,s:n,s:[{s:i,s:s}]}", "ok", 0, "file", "problems", "line",
			                         0, "message", "没有配置文件 / no configuration file"));
			return CLI_FAIL;
		}
		return cli_fail("config", "没有配置文件：既没有 $MINSHENG_CONFIG，也没有 %s (no "
		                          "configuration file: neither $MINSHENG_CONFIG nor %s)",
		                MS_CONFIG_DEFAULT_PATH, MS_CONFIG_DEFAULT_PATH);
	}
	static ms_config c;
	ms_error err;
	ms_error_clear(&err);
	ms_err e = ms_config_load(path, &c, &err);
	/* the files named are checked once the syntax and values are right */
	if (!e)
		ms_config_check_paths(&c);
	if (json) {
		json_t *probs = json_array();
		int kept = c.nproblems < MS_CONFIG_PROBLEMS_MAX ? c.nproblems : MS_CONFIG_PROBLEMS_MAX;
		for (int i = 0; i < kept; i++)
			json_array_append_new(probs, json_pack("{s:i,s:s}", "line", c.problems[i].line,
			                                       "message", c.problems[i].msg));
		cli_print_json(json_pack("{s:b,s:s,s:i,s:o}", "ok", c.nproblems == 0, "file", path,
		                         "count", c.nproblems, "problems", probs));
		return c.nproblems ? CLI_FAIL : CLI_OK;
	}
	if (c.nproblems) {
		cli_config_report(&c, stderr);
		fprintf(stderr, "配置文件有 %d 个问题 / %d problems in the configuration\n", c.nproblems,
		        c.nproblems);
		return CLI_FAIL;
	}
	printf("配置文件正确 / the configuration is valid: %s\n", path);
	return CLI_OK;
}

typedef struct show_ctx {
	bool json;
	json_t *obj;
	char section[32];
	const char *file;
} show_ctx;

static void show_one(void *vctx, const char *section, const char *key, const char *value,
                     int line)
{
	show_ctx *x = vctx;
	char src[64];
	const char *v = value;
	/* the database and the pack follow the same order as every command */
	if (strcmp(section, "database") == 0 && strcmp(key, "path") == 0) {
		v = cli_db_path(NULL);
		const char *from = cli_db_source();
		if (strcmp(from, "option") == 0)
			snprintf(src, sizeof src, "option --db");
		else if (strcmp(from, "env") == 0)
			snprintf(src, sizeof src, "env MINSHENG_DB");
		else if (line)
			snprintf(src, sizeof src, "line %d", line);
		else
			snprintf(src, sizeof src, "default");
		/* a URL's password stays hidden whatever its source */
		if (strcmp(from, "config") != 0 && strstr(v, "://"))
			v = "(URL)";
		else if (strcmp(from, "config") == 0)
			v = value;
	} else if (strcmp(section, "pack") == 0 && strcmp(key, "path") == 0) {
		v = cli_pack_dir(NULL);
		const char *env = getenv("MINSHENG_PACK");
		if (env && *env && strcmp(env, v) == 0)
			snprintf(src, sizeof src, "env MINSHENG_PACK");
		else if (line)
			snprintf(src, sizeof src, "line %d", line);
		else
			snprintf(src, sizeof src, "default");
	} else if (line) {
		snprintf(src, sizeof src, "line %d", line);
	} else {
		snprintf(src, sizeof src, "default");
	}
	if (x->json) {
		char name[80];
		snprintf(name, sizeof name, "%s.%s", section, key);
		json_object_set_new(x->obj, name, json_pack("{s:s,s:s}", "value", v, "source", src));
		return;
	}
	if (strcmp(x->section, section) != 0) {
		printf("%s[%s]\n", x->section[0] ? "\n" : "", section);
		snprintf(x->section, sizeof x->section, "%s", section);
	}
	char lhs[300];
	snprintf(lhs, sizeof lhs, "%s = %s", key, v);
	printf("%-56s ; %s\n", lhs, src);
}

static int do_show(bool json)
{
	const ms_config *cf = cli_config();
	static ms_config empty;
	if (!cf) {
		ms_config_init(&empty);
		cf = &empty;
	}
	show_ctx x = {.json = json, .file = cf->file};
	if (json)
		x.obj = json_object();
	else
		printf("; 生效的设置 effective settings — %s\n\n",
		       cf->file[0] ? cf->file : "没有配置文件 no configuration file");
	ms_config_each(cf, show_one, &x);
	if (json)
		cli_print_json(json_pack("{s:s?,s:o}", "file", cf->file[0] ? cf->file : NULL,
		                         "settings", x.obj));
	return CLI_OK;
}

int cli_cmd_config(int argc, char **argv)
{
	if (argc < 2 || cli_is_help(argv[1])) {
		config_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_USAGE : CLI_OK;
	}
	bool json = false;
	const char *path = NULL;
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = true;
		else if (cli_is_help(argv[i])) {
			config_usage(stdout);
			return CLI_OK;
		} else if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
			cli_config_path(argv[++i]);
		else if (argv[i][0] == '-' || path || strcmp(argv[1], "check") != 0)
			return cli_usage_error("config", "多余的参数 %s (unexpected argument)", argv[i]);
		else
			path = argv[i];
	}
	if (path && strlen(path) >= MS_CONFIG_PATH_MAX)
		return cli_usage_error("config", "路径过长 (path too long)");
	if (strcmp(argv[1], "check") == 0)
		return do_check(path, json);
	if (strcmp(argv[1], "show") == 0)
		return do_show(json);
	return cli_usage_error("config", "未知的子命令 %s (unknown subcommand)", argv[1]);
}
