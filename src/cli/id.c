/* id.c — `minsheng id check`: validates identity numbers given as arguments
 * or read from standard input, for people at a terminal and for scripts
 * (--json). Exit 0 only when every number is valid. */
#include "cli/cli.h"

#include "base/date.h"
#include "base/mem.h"
#include "base/text.h"
#include "model/area.h"
#include "model/idnum.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

/* The handlers' prototypes, this one's included. */
#define CLI_COMMAND(name, summary, fn) int fn(int argc, char **argv);
#include "cli/commands.h"
#undef CLI_COMMAND

/* Longest stdin line looked at; longer ones are reported as misshapen. */
#define ID_LINE_MAX 1024
/* Corrections listed for a person at the terminal; JSON gets them all. */
#define ID_SHOW_CORRECTIONS 3

static const char usage_text[] =
    "用法 usage: minsheng id check [--json] NUMBER…\n"
    "            minsheng id check [--json] -      (从标准输入每行读一个号码 / one number per line "
    "from stdin)\n"
    "\n"
    "校验居民身份证号（GB 11643）：地址码（含历史代码）、出生日期、校验码；\n"
    "全角数字和小写 x 自动转换，15 位旧号码升级为 18 位。\n"
    "Checks resident identity numbers (GB 11643): address code (historical codes included),\n"
    "birth date and check character; full-width digits and a lower-case x are folded and\n"
    "15-digit numbers are upgraded to 18.\n"
    "\n"
    "  --json   输出 JSON 数组 / print a JSON array of {input, normalized, valid, reason,\n"
    "           message, sex, birth, area_code, area_name, …}\n"
    "\n"
    "退出码 exit: 0 全部有效 all valid, 1 有无效号码 some invalid, 2 用法错误 usage error\n";

typedef struct {
	bool json;
	ms_date today;
	size_t checked, invalid;
} id_run;

/* What one number turned out to be. */
typedef struct {
	const char *input;
	size_t input_len;
	ms_id_status st;
	char id[MS_ID_STR];
	const ms_area *area;
	char area_name[256];
	char (*corr)[MS_ID_STR];
	size_t ncorr;
} id_result;

/* Copies text for display, each byte that is not part of valid UTF-8 replaced
 * by U+FFFD, so the terminal and the JSON encoder get clean text. The caller
 * frees the result with ms_free. */
static char *clean_utf8(const char *s, size_t len)
{
	char *out = ms_malloc(len * 3 + 1);
	if (!out)
		return NULL;
	size_t w = 0;
	for (size_t i = 0; i < len;) {
		unsigned char c = (unsigned char)s[i];
		size_t n = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0;
		if (n && i + n <= len && ms_utf8_valid(s + i, n)) {
			memcpy(out + w, s + i, n);
			w += n;
			i += n;
		} else {
			memcpy(out + w, "\xEF\xBF\xBD", 3);
			w += 3;
			i++;
		}
	}
	out[w] = '\0';
	return out;
}

/* Residence permits carry no county: name the region they stand for. */
static const char *permit_region(const char *id, const char **en)
{
	static const struct {
		const char *code, *zh, *en;
	} permits[] = {{"810000", "香港", "Hong Kong"},
	               {"820000", "澳门", "Macau"},
	               {"830000", "台湾", "Taiwan"}};
	for (size_t i = 0; i < sizeof permits / sizeof permits[0]; i++)
		if (memcmp(id, permits[i].code, 6) == 0) {
			*en = permits[i].en;
			return permits[i].zh;
		}
	*en = "";
	return "";
}

/* too_long: the input was cut short, so whatever it holds is no number. */
static void evaluate(id_run *run, const char *input, size_t len, bool too_long, id_result *r)
{
	memset(r, 0, sizeof *r);
	r->input = input;
	r->input_len = len;
	if (too_long) {
		r->st = MS_ID_BAD_SHAPE;
		return;
	}
	r->st = ms_id_check(input, len, run->today, r->id);
	if (r->id[0] && !ms_id_is_residence_permit(r->id)) {
		r->area = ms_area_find(r->id, 6);
		if (r->area)
			ms_area_full_name(r->id, 6, r->area_name, sizeof r->area_name);
	}
	if (r->st != MS_ID_OK && r->id[0]) {
		size_t n = ms_id_corrections(r->id, run->today, NULL, 0);
		if (n) {
			r->corr = ms_calloc(n, sizeof *r->corr);
			if (r->corr)
				r->ncorr = ms_id_corrections(r->id, run->today, r->corr, n);
		}
	}
}

static void print_human(const id_result *r, const char *shown_input)
{
	bool ok = r->st == MS_ID_OK;
	const char *first = r->id[0] ? r->id : shown_input[0] ? shown_input : "(空 empty)";
	printf("%s  %s", first, ok ? "有效 valid" : "无效 invalid");
	if (ok) {
		char birth[MS_DATE_STR];
		ms_date_format(ms_id_birth(r->id), birth);
		printf("  %s  %s", ms_id_sex(r->id) == 1 ? "男 male" : "女 female", birth);
		const char *en;
		const char *zh = permit_region(r->id, &en);
		if (*zh)
			printf("  %s居民居住证 residence permit (%s)", zh, en);
		else if (r->area && r->area->last_year)
			printf("  %s（历史代码，%d–%d年使用 historical code, in use %d–%d）",
			       r->area_name, r->area->first_year, r->area->last_year,
			       r->area->first_year, r->area->last_year);
		else if (r->area)
			printf("  %s", r->area_name);
	} else {
		printf("  %s (%s)", ms_id_status_zh(r->st), ms_id_status_en(r->st));
		if (r->ncorr && r->ncorr <= ID_SHOW_CORRECTIONS) {
			printf("  可能是 did you mean:");
			for (size_t i = 0; i < r->ncorr; i++)
				printf(" %s", r->corr[i]);
		}
	}
	/* say what was typed when it differs from what is shown */
	const char *t = r->input;
	size_t tlen = ms_text_trim(&t, r->input_len);
	if (r->id[0] && (tlen != MS_ID_LEN || memcmp(t, r->id, MS_ID_LEN) != 0))
		printf("  (输入 input: %s)", shown_input);
	putchar('\n');
}

static json_t *result_json(const id_result *r, const char *shown_input)
{
	bool ok = r->st == MS_ID_OK;
	char message[512];
	snprintf(message, sizeof message, "%s (%s)", ms_id_status_zh(r->st),
	         ms_id_status_en(r->st));
	json_t *o = json_object();
	if (!o)
		return NULL;
	json_object_set_new(o, "input", json_string(shown_input));
	json_object_set_new(o, "normalized", r->id[0] ? json_string(r->id) : json_null());
	json_object_set_new(o, "valid", json_boolean(ok));
	json_object_set_new(o, "reason", json_string(ms_id_status_code(r->st)));
	json_object_set_new(o, "message", json_string(message));

	json_t *sex = json_null(), *birth = json_null(), *code = json_null(), *name = json_null();
	bool permit = false, historical = false;
	if (ok) {
		char b[MS_DATE_STR];
		ms_date_format(ms_id_birth(r->id), b);
		sex = json_string(ms_id_sex(r->id) == 1 ? "male" : "female");
		birth = json_string(b);
		code = json_stringn(r->id, 6);
		const char *en;
		const char *zh = permit_region(r->id, &en);
		permit = *zh != '\0';
		if (permit) {
			char region[64];
			snprintf(region, sizeof region, "%s居民居住证", zh);
			name = json_string(region);
		} else if (r->area) {
			name = json_string(r->area_name);
			historical = r->area->last_year != 0;
		}
	}
	json_object_set_new(o, "sex", sex);
	json_object_set_new(o, "birth", birth);
	json_object_set_new(o, "area_code", code);
	json_object_set_new(o, "area_name", name);
	json_object_set_new(o, "residence_permit", json_boolean(permit));
	json_object_set_new(o, "area_historical", json_boolean(historical));
	if (historical) {
		json_object_set_new(o, "area_first_year", json_integer(r->area->first_year));
		json_object_set_new(o, "area_last_year", json_integer(r->area->last_year));
	}
	if (!ok && r->id[0]) {
		json_t *c = json_array();
		for (size_t i = 0; c && i < r->ncorr; i++)
			json_array_append_new(c, json_string(r->corr[i]));
		json_object_set_new(o, "corrections", c ? c : json_null());
	}
	return o;
}

/* Checks one number and prints its result; false when output failed. */
static bool check_one(id_run *run, const char *input, size_t len, bool too_long)
{
	id_result r;
	evaluate(run, input, len, too_long, &r);
	run->checked++;
	if (r.st != MS_ID_OK)
		run->invalid++;
	bool ok = true;
	char *shown = clean_utf8(input, len);
	if (!shown) {
		ok = false;
	} else if (run->json) {
		json_t *o = result_json(&r, shown);
		if (!o || (run->checked > 1 && fputs(",\n", stdout) == EOF) ||
		    json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0)
			ok = false;
		json_decref(o);
	} else {
		print_human(&r, shown);
	}
	ms_free(shown);
	ms_free(r.corr);
	return ok;
}

/* One number per line; blank lines are skipped. */
static bool check_stdin(id_run *run)
{
	char line[ID_LINE_MAX + 1];
	while (fgets(line, sizeof line, stdin)) {
		size_t len = strlen(line);
		bool too_long = len == ID_LINE_MAX && line[len - 1] != '\n';
		if (too_long) {
			/* no number is this long: report the start, drop the rest */
			int c;
			while ((c = getchar()) != EOF && c != '\n')
				;
		}
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			len--;
		const char *t = line;
		if (ms_text_trim(&t, len) == 0)
			continue;
		if (!check_one(run, line, len, too_long))
			return false;
	}
	return !ferror(stdin);
}

static int id_check(int argc, char **argv)
{
	id_run run = {.today = ms_date_today()};
	bool from_stdin = false, only_numbers = false;
	size_t numbers = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (only_numbers || a[0] != '-') {
			numbers++;
		} else if (strcmp(a, "--") == 0) {
			only_numbers = true;
		} else if (strcmp(a, "-") == 0) {
			if (from_stdin)
				return cli_usage_error("id check",
				                       "标准输入只能读一次 (- given twice)");
			from_stdin = true;
		} else if (cli_is_help(a)) {
			fputs(usage_text, stdout);
			return CLI_OK;
		} else if (strcmp(a, "--json") == 0) {
			run.json = true;
		} else {
			return cli_usage_error("id check", "未知选项 %s (unknown option)", a);
		}
	}
	if (numbers == 0 && !from_stdin)
		return cli_usage_error("id check", "没有要校验的号码 (no numbers given)");

	ms_error err;
	ms_error_clear(&err);
	if (ms_area_init(&err) != MS_ERR_OK)
		return cli_fail_err("id check", &err);

	if (run.json)
		fputs("[\n", stdout);
	bool ok = true;
	only_numbers = false;
	for (int i = 1; ok && i < argc; i++) {
		const char *a = argv[i];
		if (only_numbers || a[0] != '-')
			ok = check_one(&run, a, strlen(a), false);
		else if (strcmp(a, "--") == 0)
			only_numbers = true;
		else if (strcmp(a, "-") == 0)
			ok = check_stdin(&run);
	}
	if (run.json)
		fputs(run.checked ? "\n]\n" : "]\n", stdout);
	if (fflush(stdout) != 0)
		ok = false;
	if (!ok)
		return cli_fail("id check",
		                "输出或读取失败 (could not read input or write output)");
	if (run.checked == 0)
		return cli_usage_error("id check",
		                       "标准输入没有号码 (no numbers on standard input)");
	return run.invalid ? CLI_FAIL : CLI_OK;
}

int cli_cmd_id(int argc, char **argv)
{
	if (argc < 2)
		return cli_usage_error("id", "缺少子命令 check (missing subcommand)");
	if (cli_is_help(argv[1])) {
		fputs(usage_text, stdout);
		return CLI_OK;
	}
	if (strcmp(argv[1], "check") == 0)
		return id_check(argc - 1, argv + 1);
	return cli_usage_error("id", "未知子命令 %s (unknown subcommand; try check)", argv[1]);
}
