/* user.c — `minsheng user`: add, list, disable users and set passwords
 * (SPEC §1, §7); API tokens of department interfaces and second factors
 * (SPEC §6, §7). Passwords come from standard input, one line, never from
 * the command line. Each action is one call into src/auth. */
#include "cli/cli.h"

#include "auth/auth.h"
#include "auth/session.h"
#include "model/feed.h"
#include "store/store.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
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
	    "  minsheng user check NAME\n"
	    "  minsheng user token add NAME --feeds FEED[,FEED…] [--label TEXT] [--as ADMIN]\n"
	    "  minsheng user token list [--as ADMIN] [--json]\n"
	    "  minsheng user token revoke ID [--as ADMIN]\n"
	    "  minsheng user totp NAME [--remove] [--as USER]\n\n"
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
	    "                   password as a login does (repeated failures lock the account)\n"
	    "  token add        为部门接口用户 (uploader) 建立 API 令牌，只显示这一次；令牌只能\n"
	    "                   上传到 --feeds 列出的数据源（须为政策包中的数据源）/ creates an\n"
	    "                   API token for an uploader, shown this once; it uploads only to\n"
	    "                   the feeds of --feeds (feeds of the policy pack)\n"
	    "  --label TEXT     令牌说明，最多 100 字节 / what the token is for, 100 bytes at most\n"
	    "  token list       列出令牌（不含令牌本身）/ lists tokens (never the tokens themselves)\n"
	    "  token revoke ID  吊销令牌 / revokes a token\n"
	    "  totp NAME        设置第二因素（动态验证码，RFC 6238），显示一次密钥和 otpauth 地址，\n"
	    "                   供验证器应用扫描；用户本人或范围覆盖它的管理员可设置 / enrols a\n"
	    "                   second factor (TOTP): prints the secret and the otpauth URI\n"
	    "                   once, for an authenticator app; the user itself or an admin\n"
	    "                   covering it\n"
	    "  --remove         取消第二因素（须为管理员）/ removes the second factor (an admin)\n"
	    "  --pack DIR       政策包目录（核对 --feeds）/ the policy pack folder (for --feeds)\n"
	    "                   令牌和第二因素不带 --as 时为服务器操作员 / tokens and second\n"
	    "                   factors without --as: the server's operator\n\n"
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

/* ---- API tokens and second factors ---- */

/* Every feed of a comma-separated list must be a feed of the pack: a token
 * for a feed that does not exist would upload nowhere. */
static int check_feeds(const char *feeds)
{
	ms_feed_set set;
	ms_error err;
	ms_error_clear(&err);
	char dir[4096];
	snprintf(dir, sizeof dir, "%s/feeds", cli_pack_dir(NULL));
	if (ms_feed_set_load(&set, dir, &err))
		return cli_fail_err("user", &err);
	int rc = CLI_OK;
	const char *p = feeds;
	for (;;) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		while (n && *p == ' ') {
			p++;
			n--;
		}
		while (n && p[n - 1] == ' ')
			n--;
		char name[64];
		bool found = false;
		if (n < sizeof name) {
			memcpy(name, p, n);
			name[n] = '\0';
			found = n > 0 && ms_feed_set_find(&set, name) != NULL;
		}
		if (!found) {
			fprintf(stderr,
			        "minsheng user: 未知的数据源“%.*s” (unknown feed); 可用 available:",
			        (int)(n > 64 ? 64 : n), p);
			for (int i = 0; i < set.n; i++)
				fprintf(stderr, " %s", set.feeds[i]->name);
			fputc('\n', stderr);
			rc = CLI_USAGE;
			break;
		}
		if (!end)
			break;
		p = end + 1;
	}
	ms_feed_set_free(&set);
	return rc;
}

typedef struct token_out {
	json_t *arr;
	int n;
} token_out;

static int on_token(void *ctx, const ms_api_token *t)
{
	token_out *o = ctx;
	o->n++;
	if (o->arr) {
		json_t *feeds = json_array();
		const char *p = t->feeds;
		while (*p) {
			const char *end = strchr(p, ',');
			size_t n = end ? (size_t)(end - p) : strlen(p);
			json_array_append_new(feeds, json_stringn(p, n));
			p += n + (end ? 1 : 0);
		}
		json_array_append_new(
		    o->arr, json_pack("{s:I, s:s, s:o, s:s, s:s, s:b}", "id", (json_int_t)t->id, "user",
		                      t->user.name, "feeds", feeds, "label", t->label, "created",
		                      t->created, "revoked", (int)t->revoked));
		return 0;
	}
	printf("%-5lld  %-16s  %-25s  %-25s  %s%s\n", (long long)t->id, t->user.name, t->created,
	       t->feeds, t->revoked ? "已吊销 revoked  " : "", t->label);
	return 0;
}

/* A token id: a positive decimal number. */
static bool parse_id(const char *s, int64_t *out)
{
	if (!s || !*s || *s == '-' || *s == '+')
		return false;
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || *end || v <= 0)
		return false;
	*out = v;
	return true;
}

typedef struct token_args {
	const char *sub, *name, *feeds, *label, *actor;
	int64_t id;
	bool json;
} token_args;

static int user_token(const token_args *a)
{
	if (!strcmp(a->sub, "add")) {
		int rc = check_feeds(a->feeds);
		if (rc)
			return rc;
	}
	ms_store *s;
	int rc = cli_open_store("user", false, &s);
	if (rc)
		return rc;
	ms_error err;
	ms_error_clear(&err);
	ms_err e;
	char token[MS_TOKEN_HEX] = "";
	int64_t id = a->id;
	token_out lo = {.arr = a->json && !strcmp(a->sub, "list") ? json_array() : NULL};
	if (!strcmp(a->sub, "add"))
		e = ms_token_create(s, a->actor, a->name, a->feeds, a->label, token, &id, &err);
	else if (!strcmp(a->sub, "list"))
		e = ms_token_list(s, a->actor, on_token, &lo, &err);
	else
		e = ms_token_revoke(s, a->actor, a->id, &err);
	ms_store_close(s);
	if (e) {
		json_decref(lo.arr);
		return cli_fail_err("user", &err);
	}
	if (!strcmp(a->sub, "list")) {
		if (lo.arr)
			cli_print_json(lo.arr);
		else if (lo.n == 0)
			printf("没有令牌 (no tokens)\n");
		return CLI_OK;
	}
	if (!strcmp(a->sub, "add")) {
		/* the token alone on standard output, so a script can take it with
		 * $(…); it cannot be shown again */
		if (a->json) {
			cli_print_json(json_pack("{s:I, s:s, s:s}", "id", (json_int_t)id, "user",
			                         a->name, "token", token));
		} else {
			fprintf(stderr,
			        "已为 %s 建立令牌 #%lld，只显示这一次，请妥善保存 (token #%lld created "
			        "for %s: it is shown only this once, keep it safe)\n",
			        a->name, (long long)id, (long long)id, a->name);
			printf("%s\n", token);
		}
		sodium_memzero(token, sizeof token);
		return CLI_OK;
	}
	if (a->json)
		cli_print_json(json_pack("{s:I, s:s}", "id", (json_int_t)id, "action", "revoke"));
	else
		printf("已吊销令牌 #%lld (token revoked)\n", (long long)id);
	return CLI_OK;
}

static int user_totp(const char *name, const char *actor, bool rm, bool json)
{
	ms_store *s;
	int rc = cli_open_store("user", false, &s);
	if (rc)
		return rc;
	ms_error err;
	ms_error_clear(&err);
	char secret[MS_TOTP_SECRET_B32] = "", uri[512] = "";
	ms_err e = rm ? ms_totp_remove(s, actor, name, &err)
	              : ms_totp_enrol(s, actor, name, secret, uri, sizeof uri, &err);
	ms_store_close(s);
	if (e)
		return cli_fail_err("user", &err);
	if (rm) {
		if (json)
			cli_print_json(json_pack("{s:s, s:s}", "name", name, "action", "totp-remove"));
		else
			printf("已取消 %s 的第二因素 (second factor removed)\n", name);
		return CLI_OK;
	}
	if (json) {
		cli_print_json(json_pack("{s:s, s:s, s:s}", "name", name, "secret", secret, "uri", uri));
	} else {
		fprintf(stderr,
		        "已为 %s 设置第二因素：请用验证器应用扫描或输入下面的地址或密钥，它们只显示这一次 "
		        "(second factor enrolled for %s: add the URI or secret below to an "
		        "authenticator app; they are shown only this once)\n",
		        name, name);
		printf("密钥 secret: %s\n%s\n", secret, uri);
	}
	sodium_memzero(secret, sizeof secret);
	sodium_memzero(uri, sizeof uri);
	return CLI_OK;
}

int cli_cmd_user(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"db", required_argument, NULL, 'd'},      {"json", no_argument, NULL, 'j'},
	    {"role", required_argument, NULL, 'r'},    {"scope", required_argument, NULL, 's'},
	    {"station", required_argument, NULL, 't'}, {"as", required_argument, NULL, 'a'},
	    {"feeds", required_argument, NULL, 'f'},   {"label", required_argument, NULL, 'l'},
	    {"remove", no_argument, NULL, 'R'},        {"pack", required_argument, NULL, 'p'},
	    {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0}};
	bool json = false, totp_remove = false;
	const char *role = NULL, *scope = NULL, *station = NULL, *actor = NULL, *feeds = NULL,
	           *label = NULL;
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
		case 'f':
			feeds = optarg;
			break;
		case 'l':
			label = optarg;
			break;
		case 'R':
			totp_remove = true;
			break;
		case 'p':
			cli_pack_dir(optarg);
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
		return cli_usage_error("user", "需要子命令 add、list、disable、passwd、check、token 或 "
		                               "totp (need an action)");
	const char *act = argv[0];
	bool add = strcmp(act, "add") == 0, list = strcmp(act, "list") == 0,
	     disable = strcmp(act, "disable") == 0, passwd = strcmp(act, "passwd") == 0,
	     check = strcmp(act, "check") == 0, token = strcmp(act, "token") == 0,
	     totp = strcmp(act, "totp") == 0;
	if (!add && !list && !disable && !passwd && !check && !token && !totp)
		return cli_usage_error("user", "未知子命令 %s (unknown action)", act);
	if (!add && (role || scope || station))
		return cli_usage_error("user",
		                       "--role、--scope、--station 只用于 add (they are for add)");
	bool token_add = token && argc >= 2 && strcmp(argv[1], "add") == 0;
	if (!token_add && (feeds || label))
		return cli_usage_error("user", "--feeds 和 --label 只用于 token add (they are for "
		                               "token add)");
	if (!totp && totp_remove)
		return cli_usage_error("user", "--remove 只用于 totp (it is for totp)");
	if (token) {
		if (argc < 2)
			return cli_usage_error("user", "token 需要 add、list 或 revoke (token needs add, "
			                               "list or revoke)");
		token_args ta = {.sub = argv[1], .feeds = feeds, .label = label, .actor = actor,
		                 .json = json};
		if (token_add) {
			if (argc != 3)
				return cli_usage_error("user", "token add 需要一个用户名 (token add takes "
				                               "one user name)");
			if (!feeds)
				return cli_usage_error("user", "token add 需要 --feeds (token add needs "
				                               "--feeds)");
			ta.name = argv[2];
		} else if (!strcmp(argv[1], "list")) {
			if (argc != 2)
				return cli_usage_error("user", "token list 不接受参数 (token list takes "
				                               "no argument)");
		} else if (!strcmp(argv[1], "revoke")) {
			if (argc != 3 || !parse_id(argv[2], &ta.id))
				return cli_usage_error("user", "token revoke 需要一个令牌编号 (token "
				                               "revoke takes one token id)");
		} else {
			return cli_usage_error("user", "未知的 token 子命令 %s (unknown token action)",
			                       argv[1]);
		}
		return user_token(&ta);
	}
	if (list ? argc != 1 : argc != 2)
		return cli_usage_error("user", list ? "list 不接受参数 (list takes no argument)"
		                                    : "%s 需要一个用户名 (%s takes one user name)",
		                       act, act);
	if (totp)
		return user_totp(argv[1], actor, totp_remove, json);
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
