/* init.c — `minsheng init`: create the database or bring its schema up to date. */
#include "cli/cli.h"

#include "store/store.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>

static void init_usage(FILE *out)
{
	fputs("用法 usage: minsheng init [--db PATH] [--json]\n"
	      "创建数据库，或把已有数据库升级到当前版本；重复运行无副作用。\n"
	      "Creates the database, or migrates an existing one to this version; safe to repeat.\n",
	      out);
}

int cli_cmd_init(int argc, char **argv)
{
	static const struct option opts[] = {{"db", required_argument, NULL, 'd'},
	                                     {"json", no_argument, NULL, 'j'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	bool json = false;
	int c;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			cli_db_path(optarg);
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			init_usage(stdout);
			return CLI_OK;
		default:
			return cli_usage_error("init", "未知选项 %s (unknown option)", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage_error("init", "多余的参数 %s (unexpected argument)", argv[optind]);
	ms_store *s;
	int rc = cli_open_store("init", true, &s);
	if (rc)
		return rc;
	int v = ms_store_schema_version(s);
	if (json) {
		cli_print_json(json_pack("{s:s, s:i}", "db", ms_store_url(s), "schema", v));
	} else {
		printf("数据库已就绪 database ready: %s (schema %d)\n", ms_store_url(s), v);
	}
	ms_store_close(s);
	return CLI_OK;
}
