/* lex.h — tokens of the rule language. The lexer works on UTF-8 source
 * held in memory; identifiers may be Chinese. Positions are line and
 * column (in characters) for error messages. */
#ifndef MS_RULES_LEX_H
#define MS_RULES_LEX_H

#include "base/date.h"
#include "base/err.h"

#include <stddef.h>
#include <stdint.h>

typedef enum {
	TK_EOF, TK_IDENT, TK_STRING, TK_NUMBER, TK_DATE,
	TK_LPAREN, TK_RPAREN, TK_LBRACE, TK_RBRACE, TK_COMMA, TK_COLON, TK_DOT,
	TK_EQ, TK_NE, TK_LT, TK_LE, TK_GT, TK_GE, TK_PLUS, TK_MINUS, TK_STAR, TK_SLASH,
	TK_ERROR
} ms_tok_kind;

typedef struct ms_token {
	ms_tok_kind kind;
	const char *p;   /* start in the source */
	size_t len;
	int line, col;
	int64_t ival;    /* TK_NUMBER: value scaled by 10^scale */
	int scale;
	ms_date date;    /* TK_DATE */
} ms_token;

typedef struct ms_lexer {
	const char *src, *p, *end;
	const char *file;
	int line;
	const char *line_start;
	ms_error *err;
} ms_lexer;

void ms_lex_init(ms_lexer *lx, const char *src, size_t len, const char *file, ms_error *err);
/* The next token; TK_ERROR with err set on a bad character or literal. */
ms_token ms_lex_next(ms_lexer *lx);
/* True when the token is the identifier word (a keyword). */
int ms_tok_is(const ms_token *t, const char *word);
const char *ms_tok_name(ms_tok_kind k);

#endif
