/* user.c — `minsheng user`: add, list, disable users and set passwords
 * (SPEC §1, §7). Passwords come from standard input, one line, never from
 * the command line. Each action is one call into src/auth. */
#include "cli/cli.h"

#include "auth/auth.h"
#include "store/store.h"

#include <getopt.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

static void user_usage(FILE *out)
{
	fputs(
	    "用法 usage:\n"
	    "  minsheng user add NAME --role ROLE --scope PREFIX [--station CODE] [--as ADMIN]\n"
	    "  minsheng user list [--as USER] [--json]\n"
	    "  minsheng user disable NAME --as ADMIN\n"
	    "  minsheng user passwd NAME [--as USER]\n"
	    "  minsheng user check NAME\n\n"
	    "管理用户。密码从标准输入读取一行（至少 8 个字符），不出现在命令行上。\n"
	    "Manages users. Passwords are read from standard input, one line (8 characters at\n"
	    "least), never from the command line.\n\n"
	    "  --role ROLE      admin 省级管理员, officer 民政经办, station_head 社工站站长,\n"
	    "                   worker 社工, uploader 部门接口, evaluator 第三方评估, auditor 审计\n"
	    "  --scope PREFIX   区划代码前缀，2/4/6/9/12 位 / area-code prefix of 2/4/6/9/12 "
	    "digits\n"
	    "  --station CODE   站长和社工所属社工站（9 位，须以 scope 开头）/ the station of a\n"
	    "                   station head or worker (9 digits, starting with its scope)\n"
	    "  --as USER        执行操作的用户 / the acting user. 添加、停用用户和重置他人密码须为\n"
	    "                   范围覆盖对方的管理员。不带 --as 只能创建第一个管理员，或重置管理员\n"
	    "                   的密码（服务器上的恢复操作）/ adding, disabling and resetting\n"
	    "                   others' passwords need an admin whose scope covers the user;\n"
	    "                   without --as only the first admin can be added, or an admin's\n"
	    "                   password reset (recovery on the server)\n"
	    "  check            核对密码（与登录相同的检查，连续失败会锁定账号）/ checks a\n"
	    "                   password as a login does (repeated failures lock the account)\n\n"
	    "环境变量 MINSHENG_PWHASH=min 使用 libsodium 的最低散列强度，仅供测试。\n"
	    "MINSHENG_PWHASH=min hashes at libsodium's MIN limits: for tests only.\n",
	    out);
}

/* One line of standard input, without its line end; echo off on a terminal. */
static int read_password(const char *cmd, char *buf, size_t cap)
{
	bool tty = isatty(STDIN_FILENO);
	struct termios old, quiet;
	if (tty && tcgetattr(STDIN_FILENO, &old) == 0) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
		fputs("密码 password: ", stderr);
	} else {
		tty = false;
	}
	char *got = fgets(buf, (int)cap, stdin);
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	if (!got)
		return cli_fail(cmd, "没有从标准输入读到密码 (no password on standard input)");
	size_t n = strlen(buf);
	if (n == cap - 1 && buf[n - 1] != '\n')
		return cli_fail(cmd, "密码过长，最多 %d 字节 (the password is longer than %d bytes)",
		                MS_PASSWORD_MAX, MS_PASSWORD_MAX);
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	return CLI_OK;
}

typedef struct list_out {
	json_t *arr;
	int n;
} list_out;

static int on_user(void *ctx, const ms_user_info *u)
{
	list_out *o = ctx;
	o->n++;
	if (o->arr) {
		json_array_append_new(
		    o->arr, json_pack("{s:s, s:s, s:s, s:s?, s:b, s:b, s:b, s:s, s:s}", "name", u->name,
		                      "role", u->role, "scope", u->scope, "station", u->station,
		                      "disabled", (int)u->disabled, "must_change",
		                      (int)u->must_change, "locked", (int)u->locked, "created",
		                      u->created, "created_by", u->created_by));
		return 0;
	}
	printf("%-16s  %-12s  %-12s  %-9s  %s%s%s\n", u->name, u->role, u->scope,
	       u->station ? u->station : "-", u->disabled ? "已停用 disabled " : "",
	       u->locked ? "已锁定 locked " : "", u->must_change ? "须改密码 must change" : "");
	return 0;
}

int cli_cmd_user(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"db", required_argument, NULL, 'd'},   {"json", no_argument, NULL, 'j'},
	    {"role", required_argument, NULL, 'r'}, {"scope", required_argument, NULL, 's'},
	    {"station", required_argument, NULL, 't'}, {"as", required_argument, NULL, 'a'},
	    {"help", no_argument, NULL, 'h'},       {NULL, 0, NULL, 0}};
	bool json = false;
	const char *role = NULL, *scope = NULL, *station = NULL, *actor = NULL;
	int c;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			cli_db_path(optarg);
			break;
		case 'j':
			json = true;
			break;
		case 'r':
			role = optarg;
			break;
		case 's':
			scope = optarg;
			break;
		case 't':
			station = optarg;
			break;
		case 'a':
			actor = optarg;
			break;
		case 'h':
			user_usage(stdout);
			return CLI_OK;
		default:
			return cli_usage_error(
			    "user", "未知选项或缺少参数值：%s (unknown option or missing value)",
			    argv[optind - 1]);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		return cli_usage_error("user", "需要子命令 add、list、disable、passwd 或 check (need "
		                               "an action)");
	const char *act = argv[0];
	bool add = strcmp(act, "add") == 0, list = strcmp(act, "list") == 0,
	     disable = strcmp(act, "disable") == 0, passwd = strcmp(act, "passwd") == 0,
	     check = strcmp(act, "check") == 0;
	if (!add && !list && !disable && !passwd && !check)
		return cli_usage_error("user", "未知子命令 %s (unknown action)", act);
	if (list ? argc != 1 : argc != 2)
		return cli_usage_error("user", list ? "list 不接受参数 (list takes no argument)"
		                                    : "%s 需要一个用户名 (%s takes one user name)",
		                       act, act);
	if (!add && (role || scope || station))
		return cli_usage_error("user",
		                       "--role、--scope、--station 只用于 add (they are for add)");
	if (add && (!role || !scope))
		return cli_usage_error("user", "add 需要 --role 和 --scope (add needs --role and "
		                               "--scope)");
	if (add && ms_role_parse(role) == MS_ROLE_NONE)
		return cli_usage_error("user",
		                       "--role 应为 admin、officer、station_head、worker、uploader、"
		                       "evaluator 或 auditor (unknown role %s)",
		                       role);
	if (add && !ms_scope_shape_ok(scope))
		return cli_usage_error("user", "--scope 应为 2、4、6、9 或 12 位数字 (the scope is an "
		                               "area-code prefix of 2/4/6/9/12 digits)");
	if (disable && !actor)
		return cli_usage_error("user", "disable 需要 --as 指明管理员 (disable needs --as ADMIN)");
	if (check && actor)
		return cli_usage_error("user", "check 不接受 --as (check takes no --as)");

	char pw[MS_PASSWORD_MAX + 2];
	pw[0] = '\0';
	if ((add || passwd || check) && read_password("user", pw, sizeof pw))
		return CLI_FAIL;
	ms_store *s;
	int rc = cli_open_store("user", false, &s);
	if (rc) {
		sodium_memzero(pw, sizeof pw);
		return rc;
	}
	ms_error err;
	ms_error_clear(&err);
	ms_err e = MS_ERR_OK;
	list_out lo = {.arr = json && list ? json_array() : NULL};
	ms_user u;
	if (add) {
		ms_user_new nu = {.name = argv[1],
		                  .role = ms_role_parse(role),
		                  .scope = scope,
		                  .station = station,
		                  .password = pw};
		e = ms_auth_user_add(s, actor, &nu, &err);
	} else if (list) {
		e = ms_auth_user_list(s, actor, on_user, &lo, &err);
	} else if (disable) {
		e = ms_auth_user_disable(s, actor, argv[1], &err);
	} else if (passwd) {
		e = ms_auth_user_passwd(s, actor, argv[1], pw, &err);
	} else {
		e = ms_auth_login(s, argv[1], pw, &u, &err);
	}
	sodium_memzero(pw, sizeof pw);
	ms_store_close(s);
	if (e) {
		json_decref(lo.arr);
		return cli_fail_err("user", &err);
	}
	if (list) {
		if (lo.arr)
			cli_print_json(lo.arr);
		else if (lo.n == 0)
			printf("没有用户 (no users)\n");
		return CLI_OK;
	}
	if (json) {
		json_t *j = json_pack("{s:s, s:s}", "name", argv[1], "action", act);
		if (check)
			json_object_set_new(j, "must_change", json_boolean(u.must_change));
		cli_print_json(j);
		return CLI_OK;
	}
	if (add)
		printf("已添加用户 %s (user added)\n", argv[1]);
	else if (disable)
		printf("已停用用户 %s (user disabled)\n", argv[1]);
	else if (passwd)
		printf("已设置 %s 的密码 (password set)\n", argv[1]);
	else
		printf("密码正确 (password accepted)%s\n",
		       u.must_change ? "；须修改密码 (must change it)" : "");
	return CLI_OK;
}
