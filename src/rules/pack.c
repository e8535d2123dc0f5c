/* pack.c — loads a policy pack from its folder: pack.ini, params.ini,
 * feeds/, the rules folder, calendar.tsv; computes its version; checks it. */
#include "rules/pack.h"

#include "base/mem.h"
#include "base/money.h"
#include "base/text.h"

#include <dirent.h>
#include <errno.h>
#include <ini.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define PACK_FILE_MAX (256 * 1024)
#define PACK_MAX_FILES 4096

/* ---- files ---- */

static ms_err read_file(const char *path, char **out, size_t *len, ms_error *err)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return ms_error_set(err, MS_ERR_PACK, "无法打开 %s (cannot open): %s", path, strerror(errno));
	char *buf = ms_malloc(PACK_FILE_MAX + 1);
	if (!buf) {
		fclose(f);
		return ms_error_set(err, MS_ERR_NOMEM, NULL);
	}
	size_t n = fread(buf, 1, PACK_FILE_MAX + 1, f);
	fclose(f);
	if (n > PACK_FILE_MAX) {
		ms_free(buf);
		return ms_error_set(err, MS_ERR_PACK, "%s: 文件过大（最多 256 KiB） (file too large)", path);
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return MS_ERR_OK;
}

typedef struct {
	char *paths[PACK_MAX_FILES];
	int n;
} file_list;

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* every regular file below dir (relative paths), hidden ones skipped */
static ms_err list_files(const char *root, const char *rel, file_list *fl, ms_error *err)
{
	char path[4096];
	snprintf(path, sizeof path, "%s%s%s", root, *rel ? "/" : "", rel);
	DIR *d = opendir(path);
	if (!d)
		return ms_error_set(err, MS_ERR_PACK, "无法读取政策包目录 %s (cannot read pack folder)", path);
	struct dirent *e;
	ms_err rc = MS_ERR_OK;
	while (!rc && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char sub[4096];
		snprintf(sub, sizeof sub, "%s%s%s", rel, *rel ? "/" : "", e->d_name);
		char full[8192];
		snprintf(full, sizeof full, "%s/%s", root, sub);
		struct stat st;
		if (stat(full, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			rc = list_files(root, sub, fl, err);
		} else if (S_ISREG(st.st_mode)) {
			if (fl->n >= PACK_MAX_FILES) {
				rc = ms_error_set(err, MS_ERR_PACK, "%s: 文件过多 (too many files)", root);
				break;
			}
			fl->paths[fl->n] = ms_strdup(sub);
			if (!fl->paths[fl->n])
				rc = ms_error_set(err, MS_ERR_NOMEM, NULL);
			else
				fl->n++;
		}
	}
	closedir(d);
	return rc;
}

static void file_list_free(file_list *fl)
{
	for (int i = 0; i < fl->n; i++)
		ms_free(fl->paths[i]);
	fl->n = 0;
}

/* SHA-256 over (relative name, NUL, size, NUL, bytes) of every file, in name order */
static ms_err pack_version(const char *dir, const file_list *fl, char out[65], ms_error *err)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	if (!md || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(md);
		return ms_error_set(err, MS_ERR_NOMEM, NULL);
	}
	ms_err rc = MS_ERR_OK;
	for (int i = 0; i < fl->n && !rc; i++) {
		char full[8192];
		snprintf(full, sizeof full, "%s/%s", dir, fl->paths[i]);
		FILE *f = fopen(full, "rb");
		if (!f) {
			rc = ms_error_set(err, MS_ERR_PACK, "无法读取 %s (cannot read)", full);
			break;
		}
		struct stat st;
		fstat(fileno(f), &st);
		char hdr[64];
		int hn = snprintf(hdr, sizeof hdr, "%lld", (long long)st.st_size);
		EVP_DigestUpdate(md, fl->paths[i], strlen(fl->paths[i]) + 1);
		EVP_DigestUpdate(md, hdr, (size_t)hn + 1);
		unsigned char buf[65536];
		size_t n;
		while ((n = fread(buf, 1, sizeof buf, f)) > 0)
			EVP_DigestUpdate(md, buf, n);
		fclose(f);
	}
	unsigned char h[EVP_MAX_MD_SIZE];
	unsigned int hl = 0;
	if (!rc && EVP_DigestFinal_ex(md, h, &hl) != 1)
		rc = ms_error_set(err, MS_ERR_INTERNAL, "SHA-256 failed");
	EVP_MD_CTX_free(md);
	if (rc)
		return rc;
	static const char hex[] = "0123456789abcdef";
	for (unsigned i = 0; i < 32 && i < hl; i++) {
		out[2 * i] = hex[h[i] >> 4];
		out[2 * i + 1] = hex[h[i] & 15];
	}
	out[64] = '\0';
	return MS_ERR_OK;
}

/* ---- pack.ini ---- */

typedef struct {
	ms_pack *pack;
	ms_error *err;
	const char *file;
	bool failed;
	ms_err code; /* of the failure: MS_ERR_PACK, or MS_ERR_NOMEM */
} ini_ctx;

static int pack_ini_handler(void *user, const char *section, const char *name, const char *value)
{
	ini_ctx *c = user;
	if (strcmp(section, "pack") != 0) {
		ms_error_set(c->err, MS_ERR_PACK, "%s: 未知的节 [%s]（应为 [pack]） (unknown section)", c->file,
		             section);
		c->code = MS_ERR_PACK;
		c->failed = true;
		return 0;
	}
	const char **slot = NULL;
	if (!strcmp(name, "name"))
		slot = &c->pack->name;
	else if (!strcmp(name, "title"))
		slot = &c->pack->title;
	else if (!strcmp(name, "province"))
		slot = &c->pack->province;
	else if (!strcmp(name, "population"))
		slot = &c->pack->population;
	if (!slot) {
		ms_error_set(c->err, MS_ERR_PACK, "%s: 未知的键 %s (unknown key)", c->file, name);
		c->code = MS_ERR_PACK;
		c->failed = true;
		return 0;
	}
	*slot = ms_arena_strdup(&c->pack->arena, value);
	if (!*slot) {
		/* no memory is not a mistake of the file */
		c->code = ms_error_set(c->err, MS_ERR_NOMEM, NULL);
		c->failed = true;
		return 0;
	}
	return 1;
}

/* ---- params.ini ---- */

static const char *const type_names[] = {"none",  "bool", "int",  "money", "decimal",
                                         "date",  "month", "text", "set"};

const char *ms_type_name(ms_type t)
{
	return (unsigned)t < sizeof type_names / sizeof type_names[0] ? type_names[t] : "?";
}

typedef struct {
	ms_pack *pack;
	ms_error *err;
	const char *file;
	bool failed;
	ms_err code; /* of the failure: MS_ERR_PACK, or MS_ERR_NOMEM */
	/* growable values of the parameter being read */
	ms_param_value *vals;
	int nvals, cap;
	int cur; /* index of the parameter whose values these are */
} params_ctx;

static int params_fail(params_ctx *c, const char *param, const char *msg, const char *what)
{
	if (!c->failed) {
		ms_error_set(c->err, MS_ERR_PACK, "%s: [param.%s] %s%s%s", c->file, param, msg,
		             what ? ": " : "", what ? what : "");
		c->code = MS_ERR_PACK;
	}
	c->failed = true;
	return 0;
}

/* An allocation failed: the pack is not at fault. */
static int params_nomem(params_ctx *c)
{
	if (!c->failed)
		c->code = ms_error_set(c->err, MS_ERR_NOMEM, NULL);
	c->failed = true;
	return 0;
}

static bool flush_values(params_ctx *c)
{
	if (c->cur < 0)
		return true;
	ms_param *p = &c->pack->params[c->cur];
	if (c->nvals) {
		p->values = ms_arena_alloc(&c->pack->arena, sizeof *p->values * (size_t)c->nvals);
		if (!p->values)
			return false;
		memcpy(p->values, c->vals, sizeof *p->values * (size_t)c->nvals);
	}
	p->nvalues = c->nvals;
	c->nvals = 0;
	return true;
}

static char *trim_dup(ms_arena *a, const char *s, size_t n)
{
	n = ms_text_trim(&s, n);
	return ms_arena_strndup(a, s, n);
}

/* 1 when text is a value of the parameter's type, 0 when not, -1 when out
 * of memory. */
static int parse_value(params_ctx *c, ms_param *p, const char *text, ms_param_value *v)
{
	size_t n = strlen(text);
	switch (p->type) {
	case TY_BOOL:
		if (!strcmp(text, "true") || !strcmp(text, "是") || !strcmp(text, "yes"))
			v->i = 1;
		else if (!strcmp(text, "false") || !strcmp(text, "否") || !strcmp(text, "no"))
			v->i = 0;
		else
			return false;
		return true;
	case TY_INT:
		return ms_int_parse(text, n, INT64_MIN / 4, INT64_MAX / 4, &v->i) == MS_ERR_OK;
	case TY_MONEY:
		return ms_money_parse(text, n, &v->i) == MS_ERR_OK;
	case TY_DEC:
		return ms_decimal_parse(text, n, p->scale, &v->i) == MS_ERR_OK;
	case TY_DATE: {
		ms_date d;
		if (ms_date_parse(text, n, &d) != MS_ERR_OK)
			return false;
		v->i = d;
		return true;
	}
	case TY_TEXT:
		v->text = ms_arena_strdup(&c->pack->arena, text);
		return v->text ? 1 : -1;
	case TY_SET: {
		const char *items[256];
		int k = 0;
		const char *s = text;
		while (*s) {
			const char *e1 = strchr(s, ','), *e2 = strstr(s, "、"), *e = e1;
			size_t sep = 1;
			if (e2 && (!e1 || e2 < e1)) {
				e = e2;
				sep = 3;
			}
			size_t len = e ? (size_t)(e - s) : strlen(s);
			char *item = trim_dup(&c->pack->arena, s, len);
			if (!item)
				return -1;
			if (k == 256)
				return false;
			if (*item)
				items[k++] = item;
			if (!e)
				break;
			s = e + sep;
		}
		v->set = ms_arena_alloc(&c->pack->arena, sizeof(char *) * (size_t)(k ? k : 1));
		if (!v->set)
			return -1;
		memcpy(v->set, items, sizeof(char *) * (size_t)k);
		v->nset = k;
		return true;
	}
	default:
		return false;
	}
}

static int params_handler(void *user, const char *section, const char *name, const char *value)
{
	params_ctx *c = user;
	if (c->failed)
		return 0;
	if (strncmp(section, "param.", 6) != 0 || !section[6]) {
		ms_error_set(c->err, MS_ERR_PACK, "%s: 未知的节 [%s]（应为 [param.名称]） (expected [param.NAME])",
		             c->file, section);
		c->code = MS_ERR_PACK;
		c->failed = true;
		return 0;
	}
	const char *pname = section + 6;
	ms_pack *pack = c->pack;
	if (c->cur < 0 || strcmp(pack->params[c->cur].name, pname) != 0) {
		if (!flush_values(c))
			return params_nomem(c);
		if (ms_pack_param_index(pack, pname) >= 0)
			return params_fail(c, pname, "重复定义 (defined twice)", NULL);
		if (pack->nparams >= MS_PACK_MAX_PARAMS)
			return params_fail(c, pname, "参数过多 (too many parameters)", NULL);
		c->cur = pack->nparams++;
		ms_param *p = &pack->params[c->cur];
		memset(p, 0, sizeof *p);
		p->name = ms_arena_strdup(&pack->arena, pname);
		if (!p->name)
			return params_nomem(c);
	}
	ms_param *p = &pack->params[c->cur];
	if (!strcmp(name, "type")) {
		for (int t = TY_BOOL; t <= TY_SET; t++)
			if (!strcmp(value, type_names[t]) && t != TY_MONTH) {
				p->type = (ms_type)t;
				return 1;
			}
		return params_fail(c, pname, "type 应为 bool、int、money、decimal、date、text 或 set", value);
	}
	if (!strcmp(name, "title")) {
		p->title = ms_arena_strdup(&pack->arena, value);
		return p->title ? 1 : params_nomem(c);
	}
	if (!strcmp(name, "scale")) {
		char *end;
		long sc = strtol(value, &end, 10);
		if (*end || sc < 0 || sc > 6)
			return params_fail(c, pname, "scale 应为 0–6", value);
		p->scale = (int)sc;
		return 1;
	}
	if (strcmp(name, "value") != 0)
		return params_fail(c, pname, "未知的键 (unknown key)", name);
	if (p->type == TY_NONE)
		return params_fail(c, pname, "type 必须写在 value 之前 (type must come before the values)",
		                   NULL);
	/* value = FROM | AREA | VALUE | SOURCE */
	const char *f[4];
	size_t fl[4];
	int nf = 0;
	const char *s = value;
	while (nf < 4) {
		const char *bar = nf < 3 ? strchr(s, '|') : NULL;
		f[nf] = s;
		fl[nf] = bar ? (size_t)(bar - s) : strlen(s);
		nf++;
		if (!bar)
			break;
		s = bar + 1;
	}
	if (nf != 4)
		return params_fail(c, pname,
		                   "value 应写作“生效日期 | 区划 | 值 | 依据文件” (value must read FROM | "
		                   "AREA | VALUE | SOURCE)",
		                   value);
	if (c->nvals == c->cap) {
		int ncap = c->cap ? c->cap * 2 : 16;
		if (ncap > MS_PACK_MAX_VALUES)
			return params_fail(c, pname, "取值过多 (too many values)", NULL);
		ms_param_value *nv = ms_realloc(c->vals, sizeof *nv * (size_t)ncap);
		if (!nv)
			return params_nomem(c);
		c->vals = nv;
		c->cap = ncap;
	}
	ms_param_value *v = &c->vals[c->nvals];
	memset(v, 0, sizeof *v);
	char *from = trim_dup(&pack->arena, f[0], fl[0]);
	char *area = trim_dup(&pack->arena, f[1], fl[1]);
	char *raw = trim_dup(&pack->arena, f[2], fl[2]);
	char *src = trim_dup(&pack->arena, f[3], fl[3]);
	if (!from || !area || !raw || !src)
		return params_nomem(c);
	if (ms_date_parse(from, strlen(from), &v->from) != MS_ERR_OK)
		return params_fail(c, pname, "生效日期无效 (bad FROM date)", from);
	size_t al = strlen(area);
	bool digits = al >= 2 && al <= 12;
	for (size_t i = 0; i < al && digits; i++)
		digits = area[i] >= '0' && area[i] <= '9';
	if (!digits)
		return params_fail(c, pname, "区划应为 2–12 位数字 (AREA must be 2–12 digits)", area);
	if (!*src)
		return params_fail(c, pname, "每个取值都要写依据文件 (every value needs its source)", value);
	v->area = area;
	v->raw = raw;
	v->source = src;
	int pv = parse_value(c, p, raw, v);
	if (pv < 0)
		return params_nomem(c);
	if (!pv)
		return params_fail(c, pname, "取值与类型不符 (value does not fit the type)", raw);
	c->nvals++;
	return 1;
}

/* ---- rule files ---- */

static ms_err sink_let(void *ctx, const ms_let *l, ms_error *err)
{
	ms_pack *pack = ctx;
	for (int i = 0; i < pack->nlets; i++)
		if (pack->lets[i].subject == l->subject && !strcmp(pack->lets[i].name, l->name))
			return ms_error_set(err, MS_ERR_PACK, "%s:%d:%d: %s 已在 %s:%d 定义过 (defined twice)",
			                    l->file, l->line, l->col, l->name, pack->lets[i].file,
			                    pack->lets[i].line);
	if (pack->nlets >= MS_PACK_MAX_LETS)
		return ms_error_set(err, MS_ERR_PACK, "%s:%d: 定义过多 (too many definitions)", l->file, l->line);
	pack->lets[pack->nlets++] = *l;
	return MS_ERR_OK;
}

static ms_err sink_rule(void *ctx, const ms_rule *r, ms_error *err)
{
	ms_pack *pack = ctx;
	const ms_rule *old = ms_pack_rule(pack, r->id);
	if (old)
		return ms_error_set(err, MS_ERR_PACK, "%s:%d:%d: 规则 %s 已在 %s:%d 定义过 (rule defined twice)",
		                    r->file, r->line, r->col, r->id, old->file, old->line);
	if (pack->nrules >= MS_PACK_MAX_RULES)
		return ms_error_set(err, MS_ERR_PACK, "%s:%d: 规则过多 (too many rules)", r->file, r->line);
	pack->rules[pack->nrules++] = *r;
	return MS_ERR_OK;
}

/* ---- load ---- */

ms_err ms_pack_load(const char *dir, ms_pack **out, ms_error *err)
{
	*out = NULL;
	ms_pack *pack = ms_calloc(1, sizeof *pack);
	if (!pack)
		return ms_error_set(err, MS_ERR_NOMEM, NULL);
	ms_arena_init(&pack->arena, 256 * 1024, 256u * 1024 * 1024);
	ms_calendar_init(&pack->calendar);
	file_list fl = {.n = 0};
	char path[4096];
	char *text = NULL;
	size_t len;
	ms_err rc = MS_ERR_OK;
	pack->dir = ms_strdup(dir);
	if (!pack->dir) {
		rc = ms_error_set(err, MS_ERR_NOMEM, NULL);
		goto out;
	}
	if ((rc = list_files(dir, "", &fl, err)))
		goto out;
	qsort(fl.paths, (size_t)fl.n, sizeof fl.paths[0], str_cmp);
	if ((rc = pack_version(dir, &fl, pack->version, err)))
		goto out;

	snprintf(path, sizeof path, "%s/pack.ini", dir);
	if ((rc = read_file(path, &text, &len, err)))
		goto out;
	ini_ctx ic = {pack, err, path, false, MS_ERR_OK};
	int line = ini_parse_string(text, pack_ini_handler, &ic);
	ms_free(text);
	text = NULL;
	if (ic.failed || line) {
		rc = ic.failed ? ic.code
		               : ms_error_set(err, MS_ERR_PACK, "%s:%d: 无法解析 (cannot parse)", path, line);
		goto out;
	}
	if (!pack->province || strlen(pack->province) != 2) {
		rc = ms_error_set(err, MS_ERR_PACK, "%s: 需要 province = 省级区划代码前两位 (province code)", path);
		goto out;
	}
	if (!pack->name)
		pack->name = "pack";

	snprintf(path, sizeof path, "%s/feeds", dir);
	if ((rc = ms_feed_set_load(&pack->feeds, path, err)))
		goto out;

	if (pack->population) {
		const char *dot = strchr(pack->population, '.');
		char fname[128];
		size_t flen = dot ? (size_t)(dot - pack->population) : 0;
		const ms_feed *pf = NULL;
		if (dot && flen < sizeof fname) {
			memcpy(fname, pack->population, flen);
			fname[flen] = '\0';
			pf = ms_feed_set_find(&pack->feeds, fname);
		}
		int ci = -1;
		for (int i = 0; pf && i < pf->n_cols; i++)
			if (!strcmp(pf->cols[i].name, dot + 1))
				ci = i;
		if (ci < 0 || pf->cols[ci].type != MS_COL_ENUM || pf->n_ranges == 0) {
			rc = ms_error_set(err, MS_ERR_PACK,
			                  "%s/pack.ini: population 应为“数据源.枚举列”，且该数据源有有效期 "
			                  "(population must name FEED.COLUMN, an enumeration of a feed with a "
			                  "validity range): %s", dir, pack->population);
			goto out;
		}
	}

	snprintf(path, sizeof path, "%s/calendar.tsv", dir);
	if ((rc = ms_calendar_load(&pack->calendar, path, err)))
		goto out;

	snprintf(path, sizeof path, "%s/params.ini", dir);
	if ((rc = read_file(path, &text, &len, err)))
		goto out;
	params_ctx pc = {pack, err, path, false, MS_ERR_OK, NULL, 0, 0, -1};
	line = ini_parse_string(text, params_handler, &pc);
	ms_free(text);
	text = NULL;
	bool flushed = !pc.failed && flush_values(&pc);
	ms_free(pc.vals);
	if (pc.failed || line || !flushed) {
		rc = pc.failed ? pc.code
		     : line    ? ms_error_set(err, MS_ERR_PACK, "%s:%d: 无法解析 (cannot parse)", path, line)
		               : ms_error_set(err, MS_ERR_NOMEM, NULL);
		goto out;
	}
	for (int i = 0; i < pack->nparams; i++) {
		ms_param *p = &pack->params[i];
		if (p->type == TY_NONE || !p->nvalues) {
			rc = ms_error_set(err, MS_ERR_PACK, "%s: [param.%s] 需要 type 和至少一个 value (needs a "
			                  "type and a value)", path, p->name);
			goto out;
		}
		for (int k = 0; k < p->nvalues; k++)
			if (strcmp(p->values[k].area, pack->province) != 0)
				p->by_area = true;
		if (p->type == TY_SET && p->by_area) {
			rc = ms_error_set(err, MS_ERR_PACK, "%s: [param.%s] 集合参数不能按地区取值 (a set parameter "
			                  "cannot vary by area)", path, p->name);
			goto out;
		}
	}

	/* rule files, in name order */
	ms_parse_sink sink = {sink_let, sink_rule, pack};
	for (int i = 0; i < fl.n; i++) {
		const char *rel = fl.paths[i];
		size_t rl = strlen(rel);
		if (strncmp(rel, "rules/", 6) != 0 || rl < 6 || strcmp(rel + rl - 5, ".rule") != 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, rel);
		if ((rc = read_file(path, &text, &len, err)))
			goto out;
		/* the text stays with the pack: nodes point into it */
		char *keep = ms_arena_strndup(&pack->arena, text, len);
		char *fname = ms_arena_strdup(&pack->arena, path);
		ms_free(text);
		text = NULL;
		if (!keep || !fname) {
			rc = ms_error_set(err, MS_ERR_NOMEM, NULL);
			goto out;
		}
		if ((rc = ms_rules_parse(keep, len, fname, &pack->arena, &sink, err)))
			goto out;
	}
	if (!pack->nrules) {
		rc = ms_error_set(err, MS_ERR_PACK, "%s/rules: 没有规则 (no rules)", dir);
		goto out;
	}
	rc = ms_rules_check(pack, err);
out:
	ms_free(text);
	file_list_free(&fl);
	if (rc) {
		ms_pack_free(pack);
		return rc;
	}
	*out = pack;
	return MS_ERR_OK;
}

void ms_pack_free(ms_pack *pack)
{
	if (!pack)
		return;
	ms_feed_set_free(&pack->feeds);
	ms_calendar_free(&pack->calendar);
	ms_arena_free(&pack->arena);
	ms_free(pack->dir);
	ms_free(pack);
}

const ms_rule *ms_pack_rule(const ms_pack *pack, const char *id)
{
	for (int i = 0; i < pack->nrules; i++)
		if (!strcmp(pack->rules[i].id, id))
			return &pack->rules[i];
	return NULL;
}

int ms_pack_param_index(const ms_pack *pack, const char *name)
{
	for (int i = 0; i < pack->nparams; i++)
		if (!strcmp(pack->params[i].name, name))
			return i;
	return -1;
}

const ms_param_value *ms_pack_param_value(const ms_pack *pack, int param, const char *area,
                                          ms_date d)
{
	if (param < 0 || param >= pack->nparams)
		return NULL;
	const ms_param *p = &pack->params[param];
	const ms_param_value *best = NULL;
	size_t best_len = 0;
	size_t alen = area ? strlen(area) : 0;
	for (int i = 0; i < p->nvalues; i++) {
		const ms_param_value *v = &p->values[i];
		size_t pl = strlen(v->area);
		if (v->from > d || pl > alen || memcmp(v->area, area, pl) != 0)
			continue;
		if (!best || pl > best_len || (pl == best_len && v->from > best->from)) {
			best = v;
			best_len = pl;
		}
	}
	return best;
}

void ms_pack_param_format(const ms_param *p, const ms_param_value *v, char *out, size_t cap)
{
	char tmp[64];
	switch (p->type) {
	case TY_MONEY:
		ms_money_format(v->i, 0, tmp);
		snprintf(out, cap, "%s", tmp);
		return;
	case TY_DATE:
		ms_date_format((ms_date)v->i, tmp);
		snprintf(out, cap, "%s", tmp);
		return;
	case TY_BOOL:
		snprintf(out, cap, "%s", v->i ? "true" : "false");
		return;
	case TY_TEXT:
	case TY_SET:
	case TY_DEC:
		snprintf(out, cap, "%s", v->raw);
		return;
	default:
		snprintf(out, cap, "%lld", (long long)v->i);
		return;
	}
}

int ms_pack_deadline_days(const ms_pack *pack, const char *kind, ms_date d)
{
	char name[128];
	snprintf(name, sizeof name, "deadline_days.%s", kind);
	int i = ms_pack_param_index(pack, name);
	if (i < 0 || pack->params[i].type != TY_INT)
		return -1;
	const ms_param_value *v = ms_pack_param_value(pack, i, pack->province, d);
	return v && v->i >= 0 && v->i < 1000 ? (int)v->i : -1;
}
