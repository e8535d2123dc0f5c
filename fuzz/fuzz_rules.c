/* fuzz_rules.c — the rule language: the lexer (src/rules/lex.c), the parser
 * (parse.c), the checker (check.c, names and types against the bundled
 * pack's feeds and parameters) and the plan compiler (plan.c).
 *
 * The pack (policy/guangdong, or $MINSHENG_PACK) is loaded once; each input
 * is one rule file parsed into a fresh copy of the pack that keeps the
 * feeds, parameters and calendar but none of the pack's own definitions and
 * rules, as ms_pack_load would parse a file of the pack. */
#include "fuzz.h"

#include "base/arena.h"
#include "base/mem.h"
#include "rules/lex.h"
#include "rules/pack.h"
#include "rules/parse.h"
#include "rules/plan.h"

#include <string.h>

static ms_pack *base;
static ms_pack *work;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = getenv("MINSHENG_PACK");
	ms_error err;
	ms_error_clear(&err);
	if (ms_pack_load(dir && *dir ? dir : "policy/guangdong", &base, &err)) {
		fprintf(stderr, "fuzz_rules: cannot load the pack (run from the repository or set "
		                "MINSHENG_PACK): %s\n", ms_error_text(&err));
		exit(1);
	}
	work = malloc(sizeof *work);
	FUZZ_ASSERT(work != NULL);
	return 0;
}

/* As pack.c's sinks: no name twice, within the pack's maxima. */
static ms_err sink_let(void *ctx, const ms_let *l, ms_error *err)
{
	ms_pack *p = ctx;
	for (int i = 0; i < p->nlets; i++)
		if (p->lets[i].subject == l->subject && !strcmp(p->lets[i].name, l->name))
			return ms_error_set(err, MS_ERR_PACK, "defined twice");
	if (p->nlets >= MS_PACK_MAX_LETS)
		return ms_error_set(err, MS_ERR_PACK, "too many definitions");
	p->lets[p->nlets++] = *l;
	return MS_ERR_OK;
}

static ms_err sink_rule(void *ctx, const ms_rule *r, ms_error *err)
{
	ms_pack *p = ctx;
	if (ms_pack_rule(p, r->id))
		return ms_error_set(err, MS_ERR_PACK, "rule defined twice");
	if (p->nrules >= MS_PACK_MAX_RULES)
		return ms_error_set(err, MS_ERR_PACK, "too many rules");
	p->rules[p->nrules++] = *r;
	return MS_ERR_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* exactly the input's bytes, no terminator: a read past the end is seen */
	char *src = malloc(size ? size : 1);
	FUZZ_ASSERT(src != NULL);
	memcpy(src, data, size);
	ms_error err;

	/* the lexer alone, to its end */
	ms_error_clear(&err);
	ms_lexer lx;
	ms_lex_init(&lx, src, size, "fuzz.rule", &err);
	for (size_t n = 0; n <= size + 1; n++) {
		ms_token t = ms_lex_next(&lx);
		FUZZ_ASSERT(t.p >= src && t.p + t.len <= src + size);
		if (t.kind == TK_EOF)
			break;
		if (t.kind == TK_ERROR) {
			FUZZ_ASSERT(err.code != MS_ERR_OK);
			break;
		}
		FUZZ_ASSERT(n < size + 1); /* every token but EOF consumes a byte */
	}

	/* parse, check and compile as a file of the pack */
	memcpy(work, base, sizeof *work);
	work->nlets = 0;
	work->nrules = 0;
	ms_arena_init(&work->arena, 64 * 1024, 256u * 1024 * 1024);
	ms_parse_sink sink = {sink_let, sink_rule, work};
	ms_error_clear(&err);
	ms_err rc = ms_rules_parse(src, size, "fuzz.rule", &work->arena, &sink, &err);
	if (!rc && work->nrules > 0) {
		ms_error_clear(&err);
		rc = ms_rules_check(work, &err);
		if (!rc) {
			for (int i = 0; i < work->nrules; i++)
				FUZZ_ASSERT(work->rules[i].cond != NULL);
			ms_plan *plan = NULL;
			ms_error_clear(&err);
			if (ms_plan_compile(work, ms_date_from_ymd(2026, 11, 29), &plan, &err) == MS_ERR_OK) {
				FUZZ_ASSERT(plan->nrules == work->nrules);
				ms_plan_free(plan);
			}
		}
	}
	if (rc)
		FUZZ_ASSERT(err.code != MS_ERR_OK);
	ms_arena_free(&work->arena);
	free(src);
	return 0;
}
