/* feed.c — reads feed definitions (INI files of the policy pack) with
 * Debian's libinih. Lists (aliases, values, synonyms) may continue on
 * indented lines or repeated keys; each line adds to the list. */
#include "model/feed.h"

#include "base/mem.h"
#include "base/text.h"

#include <dirent.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FEED_FILE_MAX (256 * 1024)

typedef struct {
	ms_feed *f;
	ms_error *err;
	const char *source;
	int line; /* approximate: counts handler calls for messages */
	/* names of the feed section keys, resolved after all columns are read */
	char *key_spec, *person, *name_col, *date_col, *area_col;
	char *household, *father, *mother;
	char *ranges[MS_FEED_MAX_RANGES];
	int n_ranges;
	bool failed;
	bool nomem; /* failed for want of memory: not a fault of the file */
} feed_parse;

static const char *const type_names[] = {"text",    "idnum",   "enum", "date",
                                         "month",   "money",   "decimal", "integer",
                                         "area",    "phone"};

const char *ms_col_type_name(ms_col_type t)
{
	return (unsigned)t < sizeof type_names / sizeof type_names[0] ? type_names[t] : "?";
}

__attribute__((format(printf, 2, 0))) static int parse_fail(feed_parse *p, const char *fmt,
                                                             const char *a, const char *b)
{
	if (!p->failed) {
		char msg[600];
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		snprintf(msg, sizeof msg, fmt, a ? a : "", b ? b : "");
#pragma GCC diagnostic pop
		ms_error_set(p->err, MS_ERR_PACK, "%s: %s", p->source, msg);
		p->failed = true;
	}
	return 0;
}

/* An allocation failed: the load fails with MS_ERR_NOMEM, not as if the
 * file were wrong. */
static int parse_nomem(feed_parse *p)
{
	if (!p->failed) {
		ms_error_set(p->err, MS_ERR_NOMEM, NULL);
		p->failed = true;
		p->nomem = true;
	}
	return 0;
}

static char *dup_trim(const char *s, size_t n)
{
	n = ms_text_trim(&s, n);
	return ms_strndup(s, n);
}

/* Calls add(piece) for each comma- or 、-separated piece of value. */
static bool split_list(const char *value, bool (*add)(void *ctx, const char *s, size_t n), void *ctx)
{
	const char *p = value;
	for (;;) {
		const char *c = strchr(p, ',');
		const char *d = strstr(p, "、");
		const char *e = c;
		size_t sep = 1;
		if (d && (!c || d < c)) {
			e = d;
			sep = strlen("、");
		}
		size_t n = e ? (size_t)(e - p) : strlen(p);
		const char *t = p;
		size_t tn = ms_text_trim(&t, n);
		if (tn && !add(ctx, t, tn))
			return false;
		if (!e)
			return true;
		p = e + sep;
	}
}

typedef struct {
	char **arr;
	int *n;
	int max;
	bool nomem;
} list_ctx;

static bool list_add(void *ctx, const char *s, size_t n)
{
	list_ctx *l = ctx;
	if (*l->n >= l->max)
		return false;
	char *d = ms_strndup(s, n);
	if (!d) {
		l->nomem = true;
		return false;
	}
	l->arr[(*l->n)++] = d;
	return true;
}

typedef struct {
	ms_feed_column *c;
	bool nomem;
} syn_ctx;

static bool syn_add(void *ctx, const char *s, size_t n)
{
	ms_feed_column *c = ((syn_ctx *)ctx)->c;
	const char *colon = memchr(s, ':', n);
	if (!colon || c->n_syn >= MS_FEED_MAX_ENUM)
		return false;
	char *from = dup_trim(s, (size_t)(colon - s));
	char *to = dup_trim(colon + 1, n - (size_t)(colon - s) - 1);
	if (!from || !to)
		((syn_ctx *)ctx)->nomem = true;
	if (!from || !to || !*from || !*to) {
		ms_free(from);
		ms_free(to);
		return false;
	}
	c->syn_from[c->n_syn] = from;
	c->syn_to[c->n_syn] = to;
	c->n_syn++;
	return true;
}

static bool parse_bool(const char *v, bool *out)
{
	if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "1") || !strcmp(v, "是")) {
		*out = true;
		return true;
	}
	if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "0") || !strcmp(v, "否")) {
		*out = false;
		return true;
	}
	return false;
}

static bool parse_i64(const char *v, int64_t *out)
{
	char *end;
	long long x = strtoll(v, &end, 10);
	if (end == v || *end)
		return false;
	*out = x;
	return true;
}

static int set_str(feed_parse *p, char **slot, const char *value)
{
	ms_free(*slot);
	*slot = ms_strdup(value);
	return *slot ? 1 : parse_nomem(p);
}

static int feed_section(feed_parse *p, const char *name, const char *value)
{
	ms_feed *f = p->f;
	if (!strcmp(name, "name")) {
		for (const char *c = value; *c; c++)
			if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_'))
				return parse_fail(p, "feed name '%s' must be lower-case letters, digits and _", value, NULL);
		if (!*value || strlen(value) > 40)
			return parse_fail(p, "feed name '%s' must be 1–40 characters", value, NULL);
		return set_str(p, &f->name, value);
	}
	if (!strcmp(name, "title"))
		return set_str(p, &f->title, value);
	if (!strcmp(name, "department"))
		return set_str(p, &f->department, value);
	if (!strcmp(name, "kind")) {
		if (!strcmp(value, "registry"))
			f->registry = true;
		else if (!strcmp(value, "department"))
			f->registry = false;
		else
			return parse_fail(p, "kind must be registry or department, not '%s'", value, NULL);
		return 1;
	}
	if (!strcmp(name, "key"))
		return set_str(p, &p->key_spec, value);
	if (!strcmp(name, "person"))
		return set_str(p, &p->person, value);
	if (!strcmp(name, "name_column"))
		return set_str(p, &p->name_col, value);
	if (!strcmp(name, "date"))
		return set_str(p, &p->date_col, value);
	if (!strcmp(name, "area"))
		return set_str(p, &p->area_col, value);
	if (!strcmp(name, "household"))
		return set_str(p, &p->household, value);
	if (!strcmp(name, "father"))
		return set_str(p, &p->father, value);
	if (!strcmp(name, "mother"))
		return set_str(p, &p->mother, value);
	if (!strcmp(name, "role")) {
		if (!strcmp(value, "persons"))
			f->role = MS_FEED_PERSONS;
		else if (!strcmp(value, "households"))
			f->role = MS_FEED_HOUSEHOLDS;
		else if (!strcmp(value, "facts"))
			f->role = MS_FEED_FACTS;
		else
			return parse_fail(p, "role must be persons, households or facts, not '%s'", value, NULL);
		return 1;
	}
	if (!strcmp(name, "range")) {
		if (p->n_ranges >= MS_FEED_MAX_RANGES)
			return parse_fail(p, "too many ranges", NULL, NULL);
		p->ranges[p->n_ranges] = ms_strdup(value);
		return p->ranges[p->n_ranges++] ? 1 : parse_nomem(p);
	}
	if (!strcmp(name, "invalid_id")) {
		if (!strcmp(value, "reject"))
			f->invalid_id = MS_INVALID_ID_REJECT;
		else if (!strcmp(value, "correct"))
			f->invalid_id = MS_INVALID_ID_CORRECT;
		else
			return parse_fail(p, "invalid_id must be reject or correct, not '%s'", value, NULL);
		return 1;
	}
	return parse_fail(p, "unknown key '%s' in [feed]", name, NULL);
}

static int column_section(feed_parse *p, ms_feed_column *c, const char *name, const char *value)
{
	if (!strcmp(name, "type")) {
		for (size_t i = 0; i < sizeof type_names / sizeof type_names[0]; i++)
			if (!strcmp(value, type_names[i])) {
				c->type = (ms_col_type)i;
				return 1;
			}
		return parse_fail(p,
		                  "unknown type '%s' (expected text, idnum, enum, date, month, money, "
		                  "decimal, integer, area or phone)",
		                  value, NULL);
	}
	if (!strcmp(name, "required")) {
		if (!parse_bool(value, &c->required))
			return parse_fail(p, "required must be yes or no, not '%s'", value, NULL);
		return 1;
	}
	if (!strcmp(name, "aliases")) {
		list_ctx l = {c->aliases, &c->n_aliases, MS_FEED_MAX_ALIASES, false};
		if (!split_list(value, list_add, &l))
			return l.nomem ? parse_nomem(p)
			               : parse_fail(p, "too many aliases for column %s", c->name, NULL);
		return 1;
	}
	if (!strcmp(name, "values")) {
		list_ctx l = {c->values, &c->n_values, MS_FEED_MAX_ENUM, false};
		if (!split_list(value, list_add, &l))
			return l.nomem ? parse_nomem(p)
			               : parse_fail(p, "too many values for column %s", c->name, NULL);
		return 1;
	}
	if (!strcmp(name, "synonyms")) {
		syn_ctx sc = {c, false};
		if (!split_list(value, syn_add, &sc))
			return sc.nomem ? parse_nomem(p)
			                : parse_fail(p, "synonyms of %s must read 'synonym:value, …'", c->name,
			                             NULL);
		return 1;
	}
	int64_t v;
	if (!strcmp(name, "max_length") || !strcmp(name, "scale") || !strcmp(name, "min") ||
	    !strcmp(name, "max")) {
		if (!parse_i64(value, &v))
			return parse_fail(p, "%s must be a whole number, not '%s'", name, value);
		if (!strcmp(name, "max_length")) {
			if (v < 1 || v > 10000)
				return parse_fail(p, "max_length must be 1–10000", NULL, NULL);
			c->max_len = (int)v;
		} else if (!strcmp(name, "scale")) {
			if (v < 0 || v > 6)
				return parse_fail(p, "scale must be 0–6", NULL, NULL);
			c->scale = (int)v;
		} else if (!strcmp(name, "min")) {
			c->min = v;
		} else {
			c->max = v;
		}
		return 1;
	}
	return parse_fail(p, "unknown key '%s' in a column section", name, NULL);
}

static int feed_handler(void *user, const char *section, const char *name, const char *value)
{
	feed_parse *p = user;
	if (p->failed)
		return 0;
	if (!strcmp(section, "feed"))
		return feed_section(p, name, value);
	if (!strncmp(section, "column.", 7)) {
		const char *cname = section + 7;
		ms_feed *f = p->f;
		ms_feed_column *c = NULL;
		for (int i = 0; i < f->n_cols; i++)
			if (!strcmp(f->cols[i].name, cname))
				c = &f->cols[i];
		if (!c) {
			if (f->n_cols >= MS_FEED_MAX_COLUMNS)
				return parse_fail(p, "too many columns", NULL, NULL);
			if (!*cname)
				return parse_fail(p, "a column section needs a name: [column.名称]", NULL, NULL);
			c = &f->cols[f->n_cols];
			memset(c, 0, sizeof *c);
			c->name = ms_strdup(cname);
			if (!c->name)
				return parse_nomem(p);
			c->min = INT64_MIN;
			c->max = INT64_MAX;
			f->n_cols++;
		}
		return column_section(p, c, name, value);
	}
	return parse_fail(p, "unknown section [%s] (expected [feed] or [column.NAME])", section, NULL);
}

static int col_index(const ms_feed *f, const char *name)
{
	for (int i = 0; i < f->n_cols; i++)
		if (!strcmp(f->cols[i].name, name))
			return i;
	return -1;
}

static ms_err resolve_col(feed_parse *p, const char *what, const char *name, int *out)
{
	*out = -1;
	if (!name)
		return MS_ERR_OK;
	*out = col_index(p->f, name);
	if (*out < 0)
		return ms_error_set(p->err, MS_ERR_PACK, "%s: %s names column '%s', which is not defined",
		                    p->source, what, name);
	return MS_ERR_OK;
}

static ms_err feed_finish(feed_parse *p)
{
	ms_feed *f = p->f;
	if (!f->name)
		return ms_error_set(p->err, MS_ERR_PACK, "%s: [feed] needs a name", p->source);
	if (!f->n_cols)
		return ms_error_set(p->err, MS_ERR_PACK, "%s: the feed defines no columns", p->source);
	if (!p->key_spec)
		return ms_error_set(p->err, MS_ERR_PACK, "%s: [feed] needs a key (columns joined by +)",
		                    p->source);
	char *spec = p->key_spec;
	for (char *part = spec; part;) {
		char *plus = strchr(part, '+');
		if (plus)
			*plus = '\0';
		const char *t = part;
		size_t n = ms_text_trim(&t, strlen(part));
		char name[256];
		if (n >= sizeof name)
			return ms_error_set(p->err, MS_ERR_PACK, "%s: key column name too long", p->source);
		memcpy(name, t, n);
		name[n] = '\0';
		if (f->n_key >= MS_FEED_MAX_KEY)
			return ms_error_set(p->err, MS_ERR_PACK, "%s: too many key columns", p->source);
		int ci;
		if (resolve_col(p, "key", name, &ci))
			return MS_ERR_PACK;
		if (!f->cols[ci].required)
			return ms_error_set(p->err, MS_ERR_PACK, "%s: key column %s must be required",
			                    p->source, name);
		f->key[f->n_key++] = ci;
		part = plus ? plus + 1 : NULL;
	}
	if (resolve_col(p, "person", p->person, &f->person_col) ||
	    resolve_col(p, "name_column", p->name_col, &f->name_col) ||
	    resolve_col(p, "date", p->date_col, &f->date_col) ||
	    resolve_col(p, "area", p->area_col, &f->area_col) ||
	    resolve_col(p, "household", p->household, &f->household_col) ||
	    resolve_col(p, "father", p->father, &f->father_col) ||
	    resolve_col(p, "mother", p->mother, &f->mother_col))
		return MS_ERR_PACK;
	if (f->role == MS_FEED_PERSONS &&
	    (f->person_col < 0 || f->n_key != 1 || f->key[0] != f->person_col || f->household_col < 0))
		return ms_error_set(p->err, MS_ERR_PACK,
		                    "%s: a persons feed is keyed by its person column and names its "
		                    "household column",
		                    p->source);
	if (f->role == MS_FEED_HOUSEHOLDS &&
	    (f->n_key != 1 || f->household_col != f->key[0] || f->area_col < 0 || f->person_col >= 0))
		return ms_error_set(p->err, MS_ERR_PACK,
		                    "%s: a households feed is keyed by its household column, names its "
		                    "area column and has no person column",
		                    p->source);
	if (f->role == MS_FEED_FACTS && f->person_col < 0)
		return ms_error_set(p->err, MS_ERR_PACK, "%s: a feed of facts needs a person column",
		                    p->source);
	for (int k = 0; k < 2; k++) {
		int c = k ? f->mother_col : f->father_col;
		if (c >= 0 && f->cols[c].type != MS_COL_IDNUM)
			return ms_error_set(p->err, MS_ERR_PACK, "%s: parent columns must have type idnum",
			                    p->source);
	}
	if (f->person_col >= 0 && f->cols[f->person_col].type != MS_COL_IDNUM)
		return ms_error_set(p->err, MS_ERR_PACK, "%s: person column must have type idnum",
		                    p->source);
	if (f->area_col >= 0 && f->cols[f->area_col].type != MS_COL_AREA)
		return ms_error_set(p->err, MS_ERR_PACK, "%s: area column must have type area", p->source);
	if (f->date_col >= 0 && f->cols[f->date_col].type != MS_COL_DATE)
		return ms_error_set(p->err, MS_ERR_PACK, "%s: date column must have type date", p->source);
	for (int i = 0; i < p->n_ranges; i++) {
		char *r = p->ranges[i];
		char *dots = strstr(r, "..");
		if (!dots)
			return ms_error_set(p->err, MS_ERR_PACK, "%s: range must read 'start..end'", p->source);
		*dots = '\0';
		char *a = dup_trim(r, strlen(r)), *b = dup_trim(dots + 2, strlen(dots + 2));
		int ia = a ? col_index(f, a) : -1, ib = b ? col_index(f, b) : -1;
		ms_free(a);
		ms_free(b);
		if (!a || !b)
			return ms_error_set(p->err, MS_ERR_NOMEM, NULL);
		if (ia < 0 || ib < 0)
			return ms_error_set(p->err, MS_ERR_PACK, "%s: range names an undefined column",
			                    p->source);
		if (f->cols[ia].type != f->cols[ib].type ||
		    (f->cols[ia].type != MS_COL_DATE && f->cols[ia].type != MS_COL_MONTH))
			return ms_error_set(p->err, MS_ERR_PACK, "%s: range columns must both be dates",
			                    p->source);
		f->range_start[f->n_ranges] = ia;
		f->range_end[f->n_ranges] = ib;
		f->n_ranges++;
	}
	for (int i = 0; i < f->n_cols; i++) {
		ms_feed_column *c = &f->cols[i];
		if (c->type == MS_COL_ENUM && c->n_values == 0)
			return ms_error_set(p->err, MS_ERR_PACK, "%s: enum column %s needs values",
			                    p->source, c->name);
		for (int k = 0; k < c->n_syn; k++) {
			bool ok = false;
			for (int v = 0; v < c->n_values; v++)
				ok |= !strcmp(c->syn_to[k], c->values[v]);
			if (!ok)
				return ms_error_set(p->err, MS_ERR_PACK,
				                    "%s: synonym %s of column %s maps to %s, not one of its values",
				                    p->source, c->syn_from[k], c->name, c->syn_to[k]);
		}
	}
	return MS_ERR_OK;
}

ms_err ms_feed_parse(const char *text, const char *source, ms_feed **out, ms_error *err)
{
	*out = NULL;
	ms_feed *f = ms_calloc(1, sizeof *f);
	if (!f)
		return ms_error_set(err, MS_ERR_NOMEM, NULL);
	f->person_col = f->name_col = f->date_col = f->area_col = -1;
	f->household_col = f->father_col = f->mother_col = -1;
	f->source = ms_strdup(source);
	feed_parse p = {.f = f, .err = err, .source = source};
	int line = f->source ? ini_parse_string(text, feed_handler, &p) : -1;
	ms_err rc = MS_ERR_OK;
	if (p.failed) {
		rc = p.nomem ? MS_ERR_NOMEM : MS_ERR_PACK;
	} else if (line > 0) {
		rc = ms_error_set(err, MS_ERR_PACK, "%s:%d: 无法解析 (cannot parse: expected [section] or "
		                  "key = value)", source, line);
	} else if (line < 0) {
		rc = ms_error_set(err, MS_ERR_NOMEM, NULL);
	} else {
		rc = feed_finish(&p);
	}
	ms_free(p.key_spec);
	ms_free(p.person);
	ms_free(p.name_col);
	ms_free(p.date_col);
	ms_free(p.area_col);
	ms_free(p.household);
	ms_free(p.father);
	ms_free(p.mother);
	for (int i = 0; i < p.n_ranges; i++)
		ms_free(p.ranges[i]);
	if (rc) {
		ms_feed_free(f);
		return rc;
	}
	*out = f;
	return MS_ERR_OK;
}

void ms_feed_free(ms_feed *f)
{
	if (!f)
		return;
	for (int i = 0; i < f->n_cols; i++) {
		ms_feed_column *c = &f->cols[i];
		ms_free(c->name);
		for (int k = 0; k < c->n_aliases; k++)
			ms_free(c->aliases[k]);
		for (int k = 0; k < c->n_values; k++)
			ms_free(c->values[k]);
		for (int k = 0; k < c->n_syn; k++) {
			ms_free(c->syn_from[k]);
			ms_free(c->syn_to[k]);
		}
	}
	ms_free(f->name);
	ms_free(f->title);
	ms_free(f->department);
	ms_free(f->source);
	ms_free(f);
}

void ms_feed_set_free(ms_feed_set *set)
{
	for (int i = 0; i < set->n; i++)
		ms_feed_free(set->feeds[i]);
	set->n = 0;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

ms_err ms_feed_set_load(ms_feed_set *set, const char *dir, ms_error *err)
{
	set->n = 0;
	DIR *d = opendir(dir);
	if (!d)
		return ms_error_set(err, MS_ERR_PACK, "无法读取数据源定义目录 %s (cannot read feed folder)",
		                    dir);
	char *names[MS_FEED_MAX_FEEDS];
	int n = 0;
	struct dirent *e;
	ms_err rc = MS_ERR_OK;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		if (len < 5 || strcmp(e->d_name + len - 4, ".ini") || e->d_name[0] == '.')
			continue;
		if (n >= MS_FEED_MAX_FEEDS) {
			rc = ms_error_set(err, MS_ERR_PACK, "%s: too many feeds", dir);
			break;
		}
		names[n] = ms_strdup(e->d_name);
		if (!names[n]) {
			rc = ms_error_set(err, MS_ERR_NOMEM, NULL);
			break;
		}
		n++;
	}
	closedir(d);
	qsort(names, (size_t)n, sizeof names[0], name_cmp);
	char *text = rc ? NULL : ms_malloc(FEED_FILE_MAX + 1);
	if (!rc && !text)
		rc = ms_error_set(err, MS_ERR_NOMEM, NULL);
	for (int i = 0; i < n && !rc; i++) {
		char path[4096];
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		FILE *fp = fopen(path, "rb");
		if (!fp) {
			rc = ms_error_set(err, MS_ERR_PACK, "无法打开 %s (cannot open)", path);
			break;
		}
		size_t len = fread(text, 1, FEED_FILE_MAX + 1, fp);
		fclose(fp);
		if (len > FEED_FILE_MAX) {
			rc = ms_error_set(err, MS_ERR_PACK, "%s: 文件过大 (file too large)", path);
			break;
		}
		text[len] = '\0';
		ms_feed *f;
		rc = ms_feed_parse(text, path, &f, err);
		if (rc)
			break;
		if (f->role != MS_FEED_FACTS && ms_feed_set_role(set, f->role)) {
			rc = ms_error_set(err, MS_ERR_PACK, "%s: only one feed may have role %s", path,
			                  f->role == MS_FEED_PERSONS ? "persons" : "households");
			ms_feed_free(f);
			break;
		}
		if (ms_feed_set_find(set, f->name)) {
			rc = ms_error_set(err, MS_ERR_PACK, "%s: feed %s is defined twice", path, f->name);
			ms_feed_free(f);
			break;
		}
		set->feeds[set->n++] = f;
	}
	ms_free(text);
	for (int i = 0; i < n; i++)
		ms_free(names[i]);
	if (rc)
		ms_feed_set_free(set);
	else if (set->n == 0)
		rc = ms_error_set(err, MS_ERR_PACK, "%s: 没有数据源定义 (no feed definitions)", dir);
	return rc;
}

const ms_feed *ms_feed_set_role(const ms_feed_set *set, ms_feed_role role)
{
	for (int i = 0; i < set->n; i++)
		if (set->feeds[i]->role == role)
			return set->feeds[i];
	return NULL;
}

const ms_feed *ms_feed_set_find(const ms_feed_set *set, const char *name)
{
	for (int i = 0; i < set->n; i++)
		if (!strcmp(set->feeds[i]->name, name))
			return set->feeds[i];
	return NULL;
}

/* header comparison: trimmed, full-width folded, ASCII case-insensitive */
static bool header_eq(const char *h, size_t hn, const char *name)
{
	return ms_text_eq_ascii_ci(h, hn, name);
}

int ms_feed_find_column(const ms_feed *f, const char *header, size_t len)
{
	char buf[512];
	const char *h = header;
	len = ms_text_trim(&h, len);
	if (len >= sizeof buf)
		return -1;
	memcpy(buf, h, len);
	len = ms_text_fold_fullwidth(buf, len);
	/* drop a trailing "(必填)" style note? no: headers must match a name or alias */
	for (int i = 0; i < f->n_cols; i++) {
		const ms_feed_column *c = &f->cols[i];
		if (header_eq(buf, len, c->name))
			return i;
		for (int k = 0; k < c->n_aliases; k++)
			if (header_eq(buf, len, c->aliases[k]))
				return i;
	}
	return -1;
}
