/* eval_scheme.c — reads an evaluation scheme (policy/…/evaluation/NAME.ini)
 * with Debian's libinih, as the feed definitions are read, and checks it
 * whole: a scheme that loads totals exactly 1000 points and names only
 * measures and parameters that exist. libinih does not say which line a
 * key came from, so the file is fed to it line by line through a reader
 * that counts lines (and notes where each section starts): every refusal
 * names the file and the line. */
#include "station/eval.h"

#include "base/mem.h"
#include "base/money.h"
#include "base/text.h"

#include <errno.h>
#include <ini.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const measure_codes[MS_EVAL_M__COUNT] = {"",
                                                            "on_time_rate",
                                                            "file_coverage",
                                                            "person_times_per_worker",
                                                            "applications_granted",
                                                            "volunteers",
                                                            "resources_yuan"};
static const char *const measure_zh[MS_EVAL_M__COUNT] = {
    "",           "预警按期核实率",    "一户一档覆盖率", "社工人均服务人次", "协助申请获批件数",
    "志愿者人数", "链接慈善资源（元）"};
static const char *const measure_en[MS_EVAL_M__COUNT] = {"",
                                                         "alerts verified on time",
                                                         "household-file coverage",
                                                         "person-times per social worker",
                                                         "applications granted",
                                                         "volunteers",
                                                         "resources linked (yuan)"};

ms_eval_measure ms_eval_measure_parse(const char *code)
{
	for (int i = 1; code && i < MS_EVAL_M__COUNT; i++)
		if (strcmp(code, measure_codes[i]) == 0)
			return (ms_eval_measure)i;
	return MS_EVAL_M_NONE;
}

const char *ms_eval_measure_code(ms_eval_measure m)
{
	return (unsigned)m < MS_EVAL_M__COUNT ? measure_codes[m] : "";
}

const char *ms_eval_measure_label(ms_eval_measure m, bool english)
{
	if ((unsigned)m >= MS_EVAL_M__COUNT)
		return "";
	return english ? measure_en[m] : measure_zh[m];
}

/* ---- the reader: lines counted, section headers noted ---- */

#define MAX_SECTIONS (2 + MS_EVAL_MAX_MODULES + MS_EVAL_MAX_INDICATORS)

typedef struct section_line {
	char name[128];
	int line;
} section_line;

/* keys an indicator section may hold, as bits, to refuse a key given twice */
enum {
	K_MODULE = 1 << 0,
	K_TITLE = 1 << 1,
	K_POINTS = 1 << 2,
	K_METHOD = 1 << 3,
	K_MEASURE = 1 << 4,
	K_FLOOR = 1 << 5,
	K_TARGET = 1 << 6,
	K_EMPTY = 1 << 7,
	K_GUIDE = 1 << 8,
	K_SOURCE = 1 << 9,
};

typedef struct parse_ctx {
	ms_eval_scheme *sc;
	const char *file;
	ms_error *err;
	bool failed;
	/* the reader's position */
	const char *text;
	size_t len, pos;
	int line;
	section_line sections[MAX_SECTIONS];
	int nsections;
	/* per section being read */
	unsigned scheme_keys;
	unsigned module_keys[MS_EVAL_MAX_MODULES];
	unsigned ind_keys[MS_EVAL_MAX_INDICATORS];
	const char *ind_module[MS_EVAL_MAX_INDICATORS]; /* module names as written */
	int ind_key_line[MS_EVAL_MAX_INDICATORS][10];   /* line of each key (by bit) */
	int scheme_line;
	bool method_set[MS_EVAL_MAX_INDICATORS];
} parse_ctx;

__attribute__((format(printf, 3, 4))) static int fail_at(parse_ctx *c, int line, const char *fmt,
                                                         ...)
{
	if (!c->failed) {
		char msg[700];
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(msg, sizeof msg, fmt, ap);
		va_end(ap);
		ms_error_set(c->err, MS_ERR_PACK, "%s:%d: %s", c->file, line, msg);
		c->failed = true;
	}
	return 0;
}

static int section_line_of(const parse_ctx *c, const char *name)
{
	for (int i = 0; i < c->nsections; i++)
		if (strcmp(c->sections[i].name, name) == 0)
			return c->sections[i].line;
	return 0;
}

static bool open_section(parse_ctx *c, const char *name, int line);

/* libinih's reader (fgets-like): one line of the text per call. */
static char *line_reader(char *str, int num, void *stream)
{
	parse_ctx *c = stream;
	if (c->failed || c->pos >= c->len || num < 2)
		return NULL;
	const char *p = c->text + c->pos;
	size_t rest = c->len - c->pos;
	const char *nl = memchr(p, '\n', rest);
	size_t n = nl ? (size_t)(nl - p) + 1 : rest;
	c->line++;
	if (n > (size_t)num - 1) {
		fail_at(c, c->line, "行过长：最多 %d 字节 (the line is too long: at most %d bytes)",
		        num - 1, num - 1);
		return NULL;
	}
	memcpy(str, p, n);
	str[n] = '\0';
	c->pos += n;
	/* a section header: where it starts, and not twice */
	const char *t = str;
	size_t tl = ms_text_trim(&t, strlen(str));
	if (tl > 2 && t[0] == '[') {
		const char *close = memchr(t, ']', tl);
		if (close) {
			size_t nn = (size_t)(close - t - 1);
			char name[128];
			if (nn >= sizeof name) {
				fail_at(c, c->line, "节名过长 (the section name is too long)");
				return NULL;
			}
			memcpy(name, t + 1, nn);
			name[nn] = '\0';
			/* libinih trims the name the same way */
			const char *nt = name;
			size_t ntl = ms_text_trim(&nt, nn);
			memmove(name, nt, ntl);
			name[ntl] = '\0';
			int prev = section_line_of(c, name);
			if (prev) {
				fail_at(
				    c, c->line,
				    "节 [%s] 已在第 %d 行出现 (section [%s] already at line %d)",
				    name, prev, name, prev);
				return NULL;
			}
			if (c->nsections >= MAX_SECTIONS) {
				fail_at(c, c->line, "节过多 (too many sections)");
				return NULL;
			}
			snprintf(c->sections[c->nsections].name, sizeof c->sections[0].name, "%s",
			         name);
			c->sections[c->nsections].line = c->line;
			c->nsections++;
			if (!open_section(c, name, c->line))
				return NULL;
		}
	}
	return str;
}

/* ---- values ---- */

bool ms_eval_points_parse(const char *text, int64_t *out)
{
	if (!text)
		return false;
	const char *t = text;
	size_t n = ms_text_trim(&t, strlen(text));
	if (n == 0 || n > 12)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((t[i] >= '0' && t[i] <= '9') || t[i] == '.'))
			return false;
	int64_t v;
	if (ms_decimal_parse(t, n, 2, &v) != MS_ERR_OK || v < 0 || v > MS_EVAL_TOTAL)
		return false;
	*out = v;
	return true;
}

void ms_eval_points_format(int64_t centi, char out[MS_EVAL_POINTS_STR])
{
	const char *sign = centi < 0 ? "-" : "";
	int64_t a = centi < 0 ? -centi : centi;
	if (a % 100 == 0)
		snprintf(out, MS_EVAL_POINTS_STR, "%s%lld", sign, (long long)(a / 100));
	else if (a % 10 == 0)
		snprintf(out, MS_EVAL_POINTS_STR, "%s%lld.%lld", sign, (long long)(a / 100),
		         (long long)(a % 100 / 10));
	else
		snprintf(out, MS_EVAL_POINTS_STR, "%s%lld.%02lld", sign, (long long)(a / 100),
		         (long long)(a % 100));
}

static bool id_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > MS_EVAL_ID_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		      (ch >= '0' && ch <= '9') || ch == '_' || ch == '-' || ch == '.'))
			return false;
	}
	return true;
}

static bool text_ok(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n == 0 || n > max || !ms_utf8_valid(s, n))
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20)
			return false;
	return true;
}

static int module_index(const ms_eval_scheme *sc, const char *name)
{
	for (int i = 0; i < sc->nmodules; i++)
		if (strcmp(sc->modules[i].name, name) == 0)
			return i;
	return -1;
}

static int indicator_index(const ms_eval_scheme *sc, const char *id)
{
	for (int i = 0; i < sc->nindicators; i++)
		if (strcmp(sc->indicators[i].id, id) == 0)
			return i;
	return -1;
}

static int bit_index(unsigned bit)
{
	int i = 0;
	while (bit > 1) {
		bit >>= 1;
		i++;
	}
	return i;
}

/* Marks a key of a section seen; refuses it the second time. */
static bool key_once(parse_ctx *c, unsigned *keys, unsigned bit, const char *key)
{
	if (*keys & bit) {
		fail_at(c, c->line, "键 %s 重复 (the key %s is given twice)", key, key);
		return false;
	}
	*keys |= bit;
	return true;
}

static int scheme_key(parse_ctx *c, const char *name, const char *value)
{
	ms_eval_scheme *sc = c->sc;
	if (!c->scheme_line)
		c->scheme_line = section_line_of(c, "scheme");
	if (strcmp(name, "title") == 0) {
		if (!key_once(c, &c->scheme_keys, K_TITLE, name))
			return 0;
		if (!text_ok(value, MS_EVAL_TITLE_MAX))
			return fail_at(
			    c, c->line,
			    "title 应为 1–%d 字节的文本 (title must be 1-%d bytes of text)",
			    MS_EVAL_TITLE_MAX, MS_EVAL_TITLE_MAX);
		sc->title = ms_arena_strdup(&sc->arena, value);
		return sc->title != NULL;
	}
	if (strcmp(name, "source") == 0) {
		if (!key_once(c, &c->scheme_keys, K_SOURCE, name))
			return 0;
		if (!text_ok(value, MS_EVAL_NOTE_MAX))
			return fail_at(c, c->line, "source 应为文本 (source must be text)");
		sc->source = ms_arena_strdup(&sc->arena, value);
		return sc->source != NULL;
	}
	return fail_at(c, c->line, "[scheme] 中未知的键 %s（可用 title、source） (unknown key %s)",
	               name, name);
}

static int module_key(parse_ctx *c, const char *mname, const char *name, const char *value)
{
	ms_eval_scheme *sc = c->sc;
	int m = module_index(sc, mname);
	if (m < 0)
		return 0; /* open_section refused it */
	ms_eval_module *md = &sc->modules[m];
	if (strcmp(name, "points") == 0) {
		if (!key_once(c, &c->module_keys[m], K_POINTS, name))
			return 0;
		int64_t p;
		if (!ms_eval_points_parse(value, &p) || p == 0)
			return fail_at(
			    c, c->line,
			    "points 应为 0 到 1000 之间的分值（至多两位小数）：%s (points must be "
			    "above 0 and at most 1000, with at most 2 decimals)",
			    value);
		md->declared = p;
		return 1;
	}
	return fail_at(c, c->line, "[module.%s] 中未知的键 %s（可用 points） (unknown key %s)",
	               mname, name, name);
}

static int indicator_key(parse_ctx *c, const char *id, const char *name, const char *value)
{
	ms_eval_scheme *sc = c->sc;
	int k = indicator_index(sc, id);
	if (k < 0)
		return 0; /* open_section refused it */
	ms_eval_indicator *in = &sc->indicators[k];
	unsigned *keys = &c->ind_keys[k];
	static const struct {
		const char *key;
		unsigned bit;
	} known[] = {{"module", K_MODULE}, {"title", K_TITLE},     {"points", K_POINTS},
	             {"method", K_METHOD}, {"measure", K_MEASURE}, {"floor", K_FLOOR},
	             {"target", K_TARGET}, {"empty", K_EMPTY},     {"guide", K_GUIDE}};
	unsigned bit = 0;
	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
		if (strcmp(name, known[i].key) == 0)
			bit = known[i].bit;
	if (!bit)
		return fail_at(
		    c, c->line,
		    "[indicator.%s] 中未知的键 %s（可用 module、title、points、method、measure、"
		    "floor、target、empty、guide） (unknown key %s)",
		    id, name, name);
	if (!key_once(c, keys, bit, name))
		return 0;
	c->ind_key_line[k][bit_index(bit)] = c->line;
	switch (bit) {
	case K_MODULE:
		c->ind_module[k] = ms_arena_strdup(&sc->arena, value);
		return c->ind_module[k] != NULL;
	case K_TITLE:
		if (!text_ok(value, MS_EVAL_TITLE_MAX))
			return fail_at(c, c->line,
			               "title 应为 1–%d 字节的文本 (title must be 1-%d bytes)",
			               MS_EVAL_TITLE_MAX, MS_EVAL_TITLE_MAX);
		in->title = ms_arena_strdup(&sc->arena, value);
		return in->title != NULL;
	case K_GUIDE:
		if (!text_ok(value, MS_EVAL_NOTE_MAX))
			return fail_at(c, c->line, "guide 应为文本 (guide must be text)");
		in->guide = ms_arena_strdup(&sc->arena, value);
		return in->guide != NULL;
	case K_POINTS:
		if (!ms_eval_points_parse(value, &in->points) || in->points == 0)
			return fail_at(c, c->line,
			               "points 应为大于 0、不超过 1000 的分值（至多两位小数）：%s "
			               "(points must "
			               "be above 0 and at most 1000, with at most 2 decimals)",
			               value);
		return 1;
	case K_METHOD:
		if (strcmp(value, "manual") == 0)
			in->computed = false;
		else if (strcmp(value, "computed") == 0)
			in->computed = true;
		else
			return fail_at(
			    c, c->line,
			    "method 应为 manual（自评与抽查打分）或 computed（系统计算）：%s "
			    "(method must be manual or computed)",
			    value);
		c->method_set[k] = true;
		return 1;
	case K_MEASURE:
		in->measure = ms_eval_measure_parse(value);
		if (in->measure == MS_EVAL_M_NONE)
			return fail_at(c, c->line,
			               "未知的度量 %s（可用 on_time_rate、file_coverage、"
			               "person_times_per_worker、applications_granted、volunteers、"
			               "resources_yuan） (unknown measure)",
			               value);
		return 1;
	case K_FLOOR:
	case K_TARGET: {
		if (!text_ok(value, 128))
			return fail_at(c, c->line, "%s 应为参数名 (%s must name a parameter)", name,
			               name);
		const char *v = ms_arena_strdup(&sc->arena, value);
		if (bit == K_FLOOR)
			in->floor_param = v;
		else
			in->target_param = v;
		return v != NULL;
	}
	case K_EMPTY:
		if (strcmp(value, "full") == 0)
			in->empty_full = true;
		else if (strcmp(value, "zero") == 0)
			in->empty_full = false;
		else
			return fail_at(c, c->line,
			               "empty 应为 full 或 zero：%s (empty must be full or zero)",
			               value);
		return 1;
	default:
		return 0;
	}
}

/* A section starts (called by the reader at its header): modules and
 * indicators exist from their header on, so one without keys is still
 * checked. */
static bool open_section(parse_ctx *c, const char *name, int line)
{
	ms_eval_scheme *sc = c->sc;
	if (strcmp(name, "scheme") == 0) {
		c->scheme_line = line;
		return true;
	}
	if (strncmp(name, "module.", 7) == 0 && name[7]) {
		const char *mname = name + 7;
		if (sc->nindicators > 0)
			return fail_at(c, line,
			               "模块须在全部指标之前声明 (declare the modules before the "
			               "indicators)");
		if (sc->nmodules >= MS_EVAL_MAX_MODULES)
			return fail_at(c, line,
			               "模块过多：最多 %d 个 (too many modules: at most %d)",
			               MS_EVAL_MAX_MODULES, MS_EVAL_MAX_MODULES);
		if (!text_ok(mname, MS_EVAL_TITLE_MAX))
			return fail_at(c, line, "模块名无效 (bad module name)");
		ms_eval_module *md = &sc->modules[sc->nmodules];
		md->name = ms_arena_strdup(&sc->arena, mname);
		md->declared = -1;
		md->points = 0;
		md->line = line;
		if (!md->name)
			return fail_at(c, line, "内存不足 (out of memory)");
		sc->nmodules++;
		return true;
	}
	if (strncmp(name, "indicator.", 10) == 0 && name[10]) {
		const char *id = name + 10;
		if (!id_ok(id))
			return fail_at(
			    c, line,
			    "指标编号应为 1–%d 个字母、数字或 _ - . ：%s (an indicator id is 1-%d "
			    "letters, digits, _ - .)",
			    MS_EVAL_ID_MAX, id, MS_EVAL_ID_MAX);
		if (sc->nindicators >= MS_EVAL_MAX_INDICATORS)
			return fail_at(c, line,
			               "指标过多：最多 %d 项 (too many indicators: at most %d)",
			               MS_EVAL_MAX_INDICATORS, MS_EVAL_MAX_INDICATORS);
		ms_eval_indicator *in = &sc->indicators[sc->nindicators];
		memset(in, 0, sizeof *in);
		in->id = ms_arena_strdup(&sc->arena, id);
		in->module = -1;
		in->points = -1;
		in->line = line;
		if (!in->id)
			return fail_at(c, line, "内存不足 (out of memory)");
		sc->nindicators++;
		return true;
	}
	return fail_at(c, line,
	               "未知的节 [%s]（应为 [scheme]、[module.名称] 或 [indicator.编号]） (unknown "
	               "section: expected [scheme], [module.NAME] or [indicator.ID])",
	               name);
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
	parse_ctx *c = user;
	if (c->failed)
		return 0;
	if (strcmp(section, "scheme") == 0)
		return scheme_key(c, name, value);
	if (strncmp(section, "module.", 7) == 0 && section[7])
		return module_key(c, section + 7, name, value);
	if (strncmp(section, "indicator.", 10) == 0 && section[10])
		return indicator_key(c, section + 10, name, value);
	int line = section_line_of(c, section);
	return fail_at(c, line ? line : c->line,
	               "未知的节 [%s]（应为 [scheme]、[module.名称] 或 [indicator.编号]） (unknown "
	               "section: expected [scheme], [module.NAME] or [indicator.ID])",
	               section);
}

/* ---- checks of the whole ---- */

static bool param_numeric(const ms_pack *pack, const char *name)
{
	int i = ms_pack_param_index(pack, name);
	if (i < 0)
		return false;
	ms_type t = pack->params[i].type;
	return t == TY_INT || t == TY_MONEY || t == TY_DEC;
}

static ms_err check_whole(parse_ctx *c, const ms_pack *pack)
{
	ms_eval_scheme *sc = c->sc;
	int sline = c->scheme_line ? c->scheme_line : section_line_of(c, "scheme");
	if (!sline)
		return fail_at(c, 1, "缺少 [scheme] 节 (no [scheme] section)"), MS_ERR_PACK;
	if (!sc->title)
		return fail_at(c, sline, "[scheme] 缺少 title (the scheme needs a title)"),
		       MS_ERR_PACK;
	if (sc->nmodules == 0)
		return fail_at(c, sline, "没有模块 [module.名称] (no modules)"), MS_ERR_PACK;
	if (sc->nindicators == 0)
		return fail_at(c, sline, "没有指标 [indicator.编号] (no indicators)"), MS_ERR_PACK;
	for (int k = 0; k < sc->nindicators; k++) {
		ms_eval_indicator *in = &sc->indicators[k];
		const int *kl = c->ind_key_line[k];
		if (!c->ind_module[k])
			return fail_at(c, in->line,
			               "指标 %s 缺少 module (indicator %s needs a module)", in->id,
			               in->id),
			       MS_ERR_PACK;
		in->module = module_index(sc, c->ind_module[k]);
		if (in->module < 0)
			return fail_at(
			           c, kl[bit_index(K_MODULE)],
			           "指标 %s 的模块“%s”未用 [module.%s] 声明 (module not declared)",
			           in->id, c->ind_module[k], c->ind_module[k]),
			       MS_ERR_PACK;
		if (!in->title)
			return fail_at(c, in->line,
			               "指标 %s 缺少 title (indicator %s needs a title)", in->id,
			               in->id),
			       MS_ERR_PACK;
		if (in->points < 0)
			return fail_at(c, in->line,
			               "指标 %s 缺少 points (indicator %s needs points)", in->id,
			               in->id),
			       MS_ERR_PACK;
		if (!c->method_set[k])
			return fail_at(c, in->line,
			               "指标 %s 缺少 method（manual 或 computed） (indicator %s "
			               "needs a method)",
			               in->id, in->id),
			       MS_ERR_PACK;
		unsigned comp_keys = K_MEASURE | K_FLOOR | K_TARGET | K_EMPTY;
		if (!in->computed && (c->ind_keys[k] & comp_keys)) {
			unsigned b = c->ind_keys[k] & comp_keys;
			b &= ~(b - 1); /* the lowest */
			return fail_at(c, kl[bit_index(b)],
			               "指标 %s 为 manual，不能写 measure、floor、target 或 empty "
			               "(a manual "
			               "indicator takes no measure, floor, target or empty)",
			               in->id),
			       MS_ERR_PACK;
		}
		if (in->computed) {
			if (in->measure == MS_EVAL_M_NONE || !in->floor_param || !in->target_param)
				return fail_at(c, in->line,
				               "计算类指标 %s 需要 measure、floor 和 target (a "
				               "computed "
				               "indicator needs measure, floor and target)",
				               in->id),
				       MS_ERR_PACK;
			if (pack && !param_numeric(pack, in->floor_param))
				return fail_at(c, kl[bit_index(K_FLOOR)],
				               "政策包没有数值参数 %s（params.ini 中 int、money 或 "
				               "decimal 类型） "
				               "(the pack has no numeric parameter %s)",
				               in->floor_param, in->floor_param),
				       MS_ERR_PACK;
			if (pack && !param_numeric(pack, in->target_param))
				return fail_at(c, kl[bit_index(K_TARGET)],
				               "政策包没有数值参数 %s（params.ini 中 int、money 或 "
				               "decimal 类型） "
				               "(the pack has no numeric parameter %s)",
				               in->target_param, in->target_param),
				       MS_ERR_PACK;
		}
		sc->modules[in->module].points += in->points;
	}
	char list[700] = "";
	size_t ll = 0;
	for (int m = 0; m < sc->nmodules; m++) {
		ms_eval_module *md = &sc->modules[m];
		char got[MS_EVAL_POINTS_STR], want[MS_EVAL_POINTS_STR];
		ms_eval_points_format(md->points, got);
		if (md->points == 0)
			return fail_at(c, md->line,
			               "模块“%s”没有指标 (module %s has no indicators)", md->name,
			               md->name),
			       MS_ERR_PACK;
		if (md->declared >= 0 && md->declared != md->points) {
			ms_eval_points_format(md->declared, want);
			return fail_at(c, md->line,
			               "模块“%s”的指标分值合计 %s，与声明的 points = %s 不符 (the "
			               "indicators of module %s total %s, not the declared %s)",
			               md->name, got, want, md->name, got, want),
			       MS_ERR_PACK;
		}
		if (ll < sizeof list)
			ll += (size_t)snprintf(list + ll, sizeof list - ll, "%s%s %s（第 %d 行）",
			                       m ? "，" : "", md->name, got, md->line);
		sc->total += md->points;
	}
	if (sc->total != MS_EVAL_TOTAL) {
		char got[MS_EVAL_POINTS_STR];
		ms_eval_points_format(sc->total, got);
		return fail_at(
		           c, sline,
		           "各指标分值合计 %s 分，应恰好为 1000 分：%s (the indicators total %s "
		           "points; a scheme must total exactly 1000)",
		           got, list, got),
		       MS_ERR_PACK;
	}
	/* indicators in module order, then in the file's order */
	ms_eval_indicator tmp[MS_EVAL_MAX_INDICATORS];
	int n = 0;
	for (int m = 0; m < sc->nmodules; m++)
		for (int k = 0; k < sc->nindicators; k++)
			if (sc->indicators[k].module == m)
				tmp[n++] = sc->indicators[k];
	memcpy(sc->indicators, tmp, sizeof tmp[0] * (size_t)n);
	return MS_ERR_OK;
}

static ms_err read_text(const char *path, char **out, size_t *len, ms_error *err)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return ms_error_set(err, errno == ENOENT ? MS_ERR_NOT_FOUND : MS_ERR_IO,
		                    "无法打开评估方案 %s (cannot open the scheme): %s", path,
		                    strerror(errno));
	char *buf = ms_malloc(MS_EVAL_SCHEME_FILE_MAX + 1);
	if (!buf) {
		fclose(f);
		return ms_error_set(err, MS_ERR_NOMEM, NULL);
	}
	size_t n = fread(buf, 1, MS_EVAL_SCHEME_FILE_MAX + 1, f);
	bool bad = ferror(f) != 0;
	fclose(f);
	if (bad) {
		ms_free(buf);
		return ms_error_set(err, MS_ERR_IO, "读取 %s 失败 (cannot read)", path);
	}
	if (n > MS_EVAL_SCHEME_FILE_MAX) {
		ms_free(buf);
		return ms_error_set(err, MS_ERR_PACK,
		                    "%s: 文件过大（最多 256 KiB） (file too large)", path);
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return MS_ERR_OK;
}

ms_err ms_eval_scheme_parse(const ms_pack *pack, const char *path, const char *name,
                            ms_eval_scheme **out, ms_error *err)
{
	*out = NULL;
	if (sodium_init() < 0)
		return ms_error_set(err, MS_ERR_INTERNAL, "libsodium cannot start");
	char *text = NULL;
	size_t len = 0;
	ms_err e = read_text(path, &text, &len, err);
	if (e)
		return e;
	if (memchr(text, '\0', len) || !ms_utf8_valid(text, len)) {
		ms_free(text);
		return ms_error_set(err, MS_ERR_PACK, "%s: 应为 UTF-8 文本 (must be UTF-8 text)",
		                    path);
	}
	ms_eval_scheme *sc = ms_calloc(1, sizeof *sc);
	parse_ctx *c = ms_calloc(1, sizeof *c);
	if (!sc || !c) {
		ms_free(sc);
		ms_free(c);
		ms_free(text);
		return ms_error_set(err, MS_ERR_NOMEM, NULL);
	}
	ms_arena_init(&sc->arena, 16 * 1024, 4u << 20);
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(h, (const unsigned char *)text, len);
	sodium_bin2hex(sc->sha256, sizeof sc->sha256, h, sizeof h);
	/* the name: given, else the file's base name without .ini */
	char base[MS_EVAL_NAME_MAX + 1] = "";
	if (!name) {
		const char *b = strrchr(path, '/');
		b = b ? b + 1 : path;
		size_t bl = strlen(b);
		if (bl > 4 && strcmp(b + bl - 4, ".ini") == 0)
			bl -= 4;
		if (bl > MS_EVAL_NAME_MAX)
			bl = MS_EVAL_NAME_MAX;
		memcpy(base, b, bl);
		base[bl] = '\0';
		name = base;
	}
	sc->name = ms_arena_strdup(&sc->arena, name);
	sc->path = ms_arena_strdup(&sc->arena, path);
	c->sc = sc;
	c->file = sc->path ? sc->path : path;
	c->err = err;
	c->text = text;
	c->len = len;
	int rc = ini_parse_stream(line_reader, c, handler, c);
	if (!c->failed && rc != 0)
		fail_at(c, rc > 0 ? rc : c->line, "无法解析 (cannot parse)");
	if (!c->failed && (!sc->name || !sc->path))
		e = ms_error_set(err, MS_ERR_NOMEM, NULL);
	else if (!c->failed)
		check_whole(c, pack);
	if (c->failed)
		e = MS_ERR_PACK;
	ms_free(text);
	ms_free(c);
	if (e) {
		ms_eval_scheme_free(sc);
		return e;
	}
	*out = sc;
	return MS_ERR_OK;
}

static bool scheme_name_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n > MS_EVAL_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
		      s[i] == '-'))
			return false;
	return true;
}

ms_err ms_eval_scheme_load(const ms_pack *pack, const char *name, const char *area, ms_date d,
                           ms_eval_scheme **out, ms_error *err)
{
	*out = NULL;
	if (!name) {
		int pi = ms_pack_param_index(pack, "evaluation.scheme");
		const ms_param_value *v =
		    pi >= 0 && pack->params[pi].type == TY_TEXT
		        ? ms_pack_param_value(pack, pi, area ? area : pack->province, d)
		        : NULL;
		if (!v)
			return ms_error_set(
			    err, MS_ERR_PACK,
			    "政策包参数 evaluation.scheme 在该日没有取值，请用 --scheme 指定方案 "
			    "(the pack's parameter evaluation.scheme has no value for the date: "
			    "name a scheme)");
		name = v->text;
	}
	if (!scheme_name_ok(name))
		return ms_error_set(
		    err, MS_ERR_INVALID,
		    "方案名应为 1–%d 个小写字母、数字、_ 或 -：%s (a scheme name is 1-%d "
		    "lower-case letters, digits, _ or -)",
		    MS_EVAL_NAME_MAX, name, MS_EVAL_NAME_MAX);
	char path[4096];
	snprintf(path, sizeof path, "%s/evaluation/%s.ini", pack->dir, name);
	ms_err e = ms_eval_scheme_parse(pack, path, name, out, err);
	if (e == MS_ERR_NOT_FOUND) {
		ms_error_clear(err);
		return ms_error_set(err, MS_ERR_NOT_FOUND,
		                    "政策包没有评估方案 %s（应为 %s） (the pack has no scheme %s)",
		                    name, path, name);
	}
	return e;
}

void ms_eval_scheme_free(ms_eval_scheme *sc)
{
	if (!sc)
		return;
	ms_arena_free(&sc->arena);
	ms_free(sc);
}

json_t *ms_eval_scheme_json(const ms_eval_scheme *sc)
{
	json_t *mods = json_array(), *inds = json_array();
	char p[MS_EVAL_POINTS_STR];
	for (int m = 0; m < sc->nmodules; m++) {
		ms_eval_points_format(sc->modules[m].points, p);
		json_array_append_new(
		    mods, json_pack("{s:s, s:s, s:I}", "name", sc->modules[m].name, "points", p,
		                    "points_centi", (json_int_t)sc->modules[m].points));
	}
	for (int k = 0; k < sc->nindicators; k++) {
		const ms_eval_indicator *in = &sc->indicators[k];
		ms_eval_points_format(in->points, p);
		json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:I, s:s}", "id", in->id, "module",
		                      sc->modules[in->module].name, "title", in->title, "points", p,
		                      "points_centi", (json_int_t)in->points, "method",
		                      in->computed ? "computed" : "manual");
		if (in->guide)
			json_object_set_new(j, "guide", json_string(in->guide));
		if (in->computed) {
			json_object_set_new(j, "measure",
			                    json_string(ms_eval_measure_code(in->measure)));
			json_object_set_new(j, "measure_label",
			                    json_string(ms_eval_measure_label(in->measure, false)));
			json_object_set_new(j, "floor", json_string(in->floor_param));
			json_object_set_new(j, "target", json_string(in->target_param));
			json_object_set_new(j, "empty",
			                    json_string(in->empty_full ? "full" : "zero"));
		}
		json_array_append_new(inds, j);
	}
	ms_eval_points_format(sc->total, p);
	return json_pack("{s:s, s:s, s:s?, s:s, s:s, s:o, s:o}", "name", sc->name, "title",
	                 sc->title, "source", sc->source, "sha256", sc->sha256, "total", p,
	                 "modules", mods, "indicators", inds);
}
