/* area.c — the linked-in area-code table (data/areas.tsv), parsed once and
 * indexed by code, so routing, scopes and identity checks can ask "what is
 * 440106?" without a database. The table is read-only after the first use. */
#include "model/area.h"

#include "base/mem.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* The bytes of data/areas.tsv with a final NUL (src/model/area_data.S). */
extern const char ms_area_tsv[];
extern const char ms_area_tsv_end[];

#define AREA_HEADER "code\tname\tlevel\tparent\tfirst_year\tlast_year"

/* entries: current ones first, then the historical (last_year set) ones; each
 * part sorted by level, then code, so the current entries of a level form one
 * run in code order. by_code: every entry, sorted by level then code. */
static struct {
	char *text; /* our copy of the table, cut into NUL-terminated fields */
	ms_area *entries;
	const ms_area **by_code;
	size_t n;
	size_t level_start[13], level_end[13]; /* current entries, by level */
	ms_error err;
} tab;

static pthread_once_t tab_once = PTHREAD_ONCE_INIT;

static bool all_digits(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static bool level_ok(size_t len)
{
	return len == 2 || len == 4 || len == 6 || len == 9 || len == 12;
}

/* A small non-negative number field; false when it is not one. */
static bool parse_int(const char *s, int *out)
{
	size_t len = strlen(s);
	if (len == 0 || len > 6 || !all_digits(s, len))
		return false;
	int v = 0;
	for (size_t i = 0; i < len; i++)
		v = v * 10 + (s[i] - '0');
	*out = v;
	return true;
}

/* Orders codes as the table does: shorter (higher) levels first, then digits. */
static int code_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	if (alen != blen)
		return alen < blen ? -1 : 1;
	return memcmp(a, b, alen);
}

static int entry_cmp(const void *pa, const void *pb)
{
	const ms_area *a = pa, *b = pb;
	bool ha = a->last_year != 0, hb = b->last_year != 0;
	if (ha != hb)
		return ha ? 1 : -1;
	return code_cmp(a->code, (size_t)a->level, b->code, (size_t)b->level);
}

static int ptr_cmp(const void *pa, const void *pb)
{
	const ms_area *a = *(const ms_area *const *)pa, *b = *(const ms_area *const *)pb;
	return code_cmp(a->code, (size_t)a->level, b->code, (size_t)b->level);
}

/* Splits one line (already NUL-terminated) into its six fields. */
static bool split_fields(char *line, char *f[6])
{
	int n = 0;
	f[n++] = line;
	for (char *p = line; *p; p++) {
		if (*p == '\t') {
			if (n == 6)
				return false;
			*p = '\0';
			f[n++] = p + 1;
		}
	}
	return n == 6;
}

static ms_err parse_line(char *line, size_t lineno, ms_area *a)
{
	char *f[6];
	if (!split_fields(line, f))
		return ms_error_set(&tab.err, MS_ERR_INTERNAL,
		                    "areas.tsv line %zu: expected 6 fields", lineno);
	size_t clen = strlen(f[0]), plen = strlen(f[3]);
	int level;
	if (!level_ok(clen) || !all_digits(f[0], clen) || !parse_int(f[2], &level) ||
	    (size_t)level != clen || f[1][0] == '\0')
		return ms_error_set(&tab.err, MS_ERR_INTERNAL, "areas.tsv line %zu: bad code %s",
		                    lineno, f[0]);
	if (plen && (!level_ok(plen) || plen >= clen || !all_digits(f[3], plen) ||
	             memcmp(f[3], f[0], plen) != 0))
		return ms_error_set(&tab.err, MS_ERR_INTERNAL,
		                    "areas.tsv line %zu: bad parent of %s", lineno, f[0]);
	if (!parse_int(f[4], &a->first_year) || !parse_int(f[5], &a->last_year))
		return ms_error_set(&tab.err, MS_ERR_INTERNAL,
		                    "areas.tsv line %zu: bad years of %s", lineno, f[0]);
	a->code = f[0];
	a->name = f[1];
	a->parent = plen ? f[3] : NULL;
	a->level = level;
	return MS_ERR_OK;
}

static ms_err build(void)
{
	size_t size = (size_t)(ms_area_tsv_end - ms_area_tsv);
	/* the linked bytes end with a NUL that is not part of the text */
	size_t len = size ? strnlen(ms_area_tsv, size) : 0;
	tab.text = ms_malloc(len + 1);
	if (!tab.text)
		return ms_error_set(&tab.err, MS_ERR_NOMEM, "no memory for the area table");
	memcpy(tab.text, ms_area_tsv, len);
	tab.text[len] = '\0';

	size_t lines = 1;
	for (size_t i = 0; i < len; i++)
		lines += tab.text[i] == '\n';
	tab.entries = ms_calloc(lines, sizeof *tab.entries);
	tab.by_code = ms_calloc(lines, sizeof *tab.by_code);
	if (!tab.entries || !tab.by_code)
		return ms_error_set(&tab.err, MS_ERR_NOMEM, "no memory for the area table");

	char *p = tab.text, *end = tab.text + len;
	size_t lineno = 0;
	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		char *next = nl ? nl + 1 : end;
		if (nl)
			*nl = '\0';
		if (nl > p && nl[-1] == '\r')
			nl[-1] = '\0';
		lineno++;
		if (lineno == 1) {
			if (strcmp(p, AREA_HEADER) != 0)
				return ms_error_set(&tab.err, MS_ERR_INTERNAL,
				                    "areas.tsv: unexpected header line");
		} else if (*p) {
			ms_err rc = parse_line(p, lineno, &tab.entries[tab.n]);
			if (rc)
				return rc;
			tab.n++;
		}
		p = next;
	}

	qsort(tab.entries, tab.n, sizeof *tab.entries, entry_cmp);
	for (size_t i = 0; i < tab.n; i++)
		tab.by_code[i] = &tab.entries[i];
	qsort(tab.by_code, tab.n, sizeof *tab.by_code, ptr_cmp);
	for (size_t i = 1; i < tab.n; i++)
		if (ptr_cmp(&tab.by_code[i - 1], &tab.by_code[i]) == 0)
			return ms_error_set(&tab.err, MS_ERR_INTERNAL, "areas.tsv: code %s repeats",
			                    tab.by_code[i]->code);

	for (size_t i = 0; i < tab.n; i++) {
		const ms_area *a = &tab.entries[i];
		if (a->last_year != 0)
			break;
		size_t lv = (size_t)a->level;
		if (tab.level_end[lv] == 0)
			tab.level_start[lv] = i;
		tab.level_end[lv] = i + 1;
	}
	return MS_ERR_OK;
}

static void init_once(void)
{
	if (build() != MS_ERR_OK) {
		ms_free(tab.text);
		ms_free(tab.entries);
		ms_free(tab.by_code);
		tab.text = NULL;
		tab.entries = NULL;
		tab.by_code = NULL;
		tab.n = 0;
		memset(tab.level_start, 0, sizeof tab.level_start);
		memset(tab.level_end, 0, sizeof tab.level_end);
	}
}

static bool ready(void)
{
	pthread_once(&tab_once, init_once);
	return tab.err.code == MS_ERR_OK;
}

ms_err ms_area_init(ms_error *err)
{
	if (ready())
		return MS_ERR_OK;
	return ms_error_set(err, tab.err.code, "%s", ms_error_text(&tab.err));
}

const ms_area *ms_area_find(const char *code, size_t len)
{
	if (!code || !level_ok(len) || !all_digits(code, len) || !ready())
		return NULL;
	size_t lo = 0, hi = tab.n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const ms_area *a = tab.by_code[mid];
		int c = code_cmp(a->code, (size_t)a->level, code, len);
		if (c == 0)
			return a;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

bool ms_area_idcode_known(const char *code6)
{
	if (!code6 || strnlen(code6, 7) < 6 || !all_digits(code6, 6))
		return false;
	if (memcmp(code6, "810000", 6) == 0 || memcmp(code6, "820000", 6) == 0 ||
	    memcmp(code6, "830000", 6) == 0)
		return true;
	return ms_area_find(code6, 6) != NULL;
}

const ms_area *ms_area_township_of(const char *code, size_t len)
{
	if (!code || (len != 9 && len != 12) || !all_digits(code, len))
		return NULL;
	return ms_area_find(code, 9);
}

bool ms_area_valid(const char *code, size_t len)
{
	const ms_area *a = ms_area_find(code, len);
	return a && a->last_year == 0;
}

/* City rows that stand for "the districts" or "the counties" of a province
 * rather than a real city; a full name reads better without them. */
static bool placeholder_city(const ms_area *a)
{
	static const char *const names[] = {"市辖区", "县", "省直辖县级行政区划",
	                                    "自治区直辖县级行政区划"};
	if (a->level != MS_AREA_CITY)
		return false;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(a->name, names[i]) == 0)
			return true;
	return false;
}

size_t ms_area_full_name(const char *code, size_t len, char *out, size_t cap)
{
	const ms_area *chain[5];
	size_t depth = 0;
	for (const ms_area *a = ms_area_find(code, len); a && depth < 5;
	     a = a->parent ? ms_area_find(a->parent, strlen(a->parent)) : NULL)
		chain[depth++] = a;

	size_t need = 0;
	const char *above = NULL; /* the name last written */
	for (size_t i = depth; i-- > 0;) {
		const ms_area *a = chain[i];
		/* 东莞市's pseudo county 441900 is also 东莞市: say it once */
		if (placeholder_city(a) || (above && strcmp(above, a->name) == 0))
			continue;
		size_t n = strlen(a->name);
		if (out && need < cap) {
			size_t room = cap - 1 - need, k = n < room ? n : room;
			/* never cut a character in half */
			if (k < n)
				while (k > 0 && ((unsigned char)a->name[k] & 0xC0) == 0x80)
					k--;
			memcpy(out + need, a->name, k);
			out[need + k] = '\0';
			if (k < n)
				cap = need + k + 1; /* nothing more fits after a cut */
		}
		need += n;
		above = a->name;
	}
	if (out && cap > 0 && depth == 0)
		out[0] = '\0';
	return need;
}

size_t ms_area_children(const char *prefix, ms_area_level level, const ms_area **first)
{
	if (!prefix)
		prefix = "";
	size_t lv = (size_t)level, plen = strlen(prefix);
	if (first)
		*first = NULL;
	if (!level_ok(lv) || plen > lv || !all_digits(prefix, plen) || !ready())
		return 0;
	size_t lo = tab.level_start[lv], hi = tab.level_end[lv];
	/* first entry whose code is not below the prefix */
	size_t a = lo, b = hi;
	while (a < b) {
		size_t mid = a + (b - a) / 2;
		if (memcmp(tab.entries[mid].code, prefix, plen) < 0)
			a = mid + 1;
		else
			b = mid;
	}
	size_t start = a;
	b = hi;
	while (a < b) {
		size_t mid = a + (b - a) / 2;
		if (memcmp(tab.entries[mid].code, prefix, plen) <= 0)
			a = mid + 1;
		else
			b = mid;
	}
	if (a > start && first)
		*first = &tab.entries[start];
	return a - start;
}
