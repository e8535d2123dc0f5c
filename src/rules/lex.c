/* lex.c — the rule language's lexer: identifiers (Chinese allowed), strings,
 * numbers, dates written YYYY-MM-DD, operators, # comments. */
#include "rules/lex.h"

#include <string.h>

#define LEX_MAX_STRING 512
#define LEX_MAX_IDENT 128

void ms_lex_init(ms_lexer *lx, const char *src, size_t len, const char *file, ms_error *err)
{
	lx->src = lx->p = lx->line_start = src;
	lx->end = src + len;
	lx->file = file;
	lx->line = 1;
	lx->err = err;
}

static int column(const ms_lexer *lx, const char *at)
{
	int c = 1;
	for (const char *q = lx->line_start; q < at; q++)
		c += ((unsigned char)*q & 0xC0) != 0x80;
	return c;
}

static ms_token lex_error(ms_lexer *lx, const char *at, const char *what)
{
	ms_token t = {TK_ERROR, at, 0, lx->line, column(lx, at), 0, 0, 0};
	ms_error_set(lx->err, MS_ERR_PACK, "%s:%d:%d: %s", lx->file, t.line, t.col, what);
	return t;
}

static int ident_char(unsigned char c, int first)
{
	if (c >= 0x80)
		return 1; /* any non-ASCII UTF-8 byte: Chinese names */
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_')
		return 1;
	return !first && c >= '0' && c <= '9';
}

static int is_digit(char c) { return c >= '0' && c <= '9'; }

ms_token ms_lex_next(ms_lexer *lx)
{
	/* blanks and comments */
	for (;;) {
		while (lx->p < lx->end && (*lx->p == ' ' || *lx->p == '\t' || *lx->p == '\r' || *lx->p == '\n')) {
			if (*lx->p == '\n') {
				lx->line++;
				lx->line_start = lx->p + 1;
			}
			lx->p++;
		}
		/* U+3000 ideographic space counts as a blank */
		if (lx->end - lx->p >= 3 && memcmp(lx->p, "\xE3\x80\x80", 3) == 0) {
			lx->p += 3;
			continue;
		}
		if (lx->p < lx->end && *lx->p == '#') {
			while (lx->p < lx->end && *lx->p != '\n')
				lx->p++;
			continue;
		}
		break;
	}
	ms_token t = {TK_EOF, lx->p, 0, lx->line, column(lx, lx->p), 0, 0, 0};
	if (lx->p >= lx->end)
		return t;
	const char *s = lx->p;
	unsigned char c = (unsigned char)*s;
	/* dates and numbers */
	if (is_digit((char)c)) {
		const char *q = s;
		while (q < lx->end && is_digit(*q))
			q++;
		if (q - s == 4 && lx->end - q >= 6 && q[0] == '-' && is_digit(q[1]) && is_digit(q[2]) &&
		    q[3] == '-' && is_digit(q[4]) && is_digit(q[5])) {
			ms_date d;
			if (ms_date_parse(s, (size_t)(q + 6 - s), &d) != MS_ERR_OK)
				return lex_error(lx, s, "日期无效 (invalid date literal)");
			t.kind = TK_DATE;
			t.date = d;
			t.len = (size_t)(q + 6 - s);
			lx->p = q + 6;
			return t;
		}
		int64_t v = 0;
		int scale = 0;
		for (const char *r = s; r < q; r++) {
			if (v > (INT64_MAX - 9) / 10)
				return lex_error(lx, s, "数字过大 (number too large)");
			v = v * 10 + (*r - '0');
		}
		if (q < lx->end && *q == '.' && q + 1 < lx->end && is_digit(q[1])) {
			q++;
			while (q < lx->end && is_digit(*q)) {
				if (scale >= 6 || v > (INT64_MAX - 9) / 10)
					return lex_error(lx, s, "小数位数过多 (too many decimals: at most 6)");
				v = v * 10 + (*q - '0');
				scale++;
				q++;
			}
		}
		t.kind = TK_NUMBER;
		t.ival = v;
		t.scale = scale;
		t.len = (size_t)(q - s);
		lx->p = q;
		return t;
	}
	if (ident_char(c, 1)) {
		/* stop at full-width punctuation that is not part of a name */
		const char *q = s;
		while (q < lx->end && ident_char((unsigned char)*q, 0)) {
			if ((unsigned char)*q == 0xEF || (unsigned char)*q == 0xE3) {
				/* U+FF08 （ U+FF09 ） U+FF0C ， U+FF1A ： U+3000, U+3001 、: not names */
				if (lx->end - q >= 3 &&
				    (memcmp(q, "\xEF\xBC\x88", 3) == 0 || memcmp(q, "\xEF\xBC\x89", 3) == 0 ||
				     memcmp(q, "\xEF\xBC\x8C", 3) == 0 || memcmp(q, "\xEF\xBC\x9A", 3) == 0 ||
				     memcmp(q, "\xE3\x80\x80", 3) == 0 || memcmp(q, "\xE3\x80\x81", 3) == 0))
					break;
			}
			q++;
		}
		if (q == s)
			return lex_error(lx, s, "全角标点不能用在规则里，请用半角 ( ) , : (use ASCII punctuation)");
		if (q - s > LEX_MAX_IDENT)
			return lex_error(lx, s, "名称过长 (name too long)");
		t.kind = TK_IDENT;
		t.len = (size_t)(q - s);
		lx->p = q;
		return t;
	}
	if (c == '"') {
		const char *q = s + 1;
		while (q < lx->end && *q != '"' && *q != '\n')
			q++;
		if (q >= lx->end || *q != '"')
			return lex_error(lx, s, "字符串缺少结束的引号 (unterminated string)");
		if (q - s - 1 > LEX_MAX_STRING)
			return lex_error(lx, s, "字符串过长 (string too long)");
		t.kind = TK_STRING;
		t.p = s + 1;
		t.len = (size_t)(q - s - 1);
		lx->p = q + 1;
		return t;
	}
	lx->p++;
	t.len = 1;
	switch (c) {
	case '(': t.kind = TK_LPAREN; break;
	case ')': t.kind = TK_RPAREN; break;
	case '{': t.kind = TK_LBRACE; break;
	case '}': t.kind = TK_RBRACE; break;
	case ',': t.kind = TK_COMMA; break;
	case ':': t.kind = TK_COLON; break;
	case '.': t.kind = TK_DOT; break;
	case '+': t.kind = TK_PLUS; break;
	case '-': t.kind = TK_MINUS; break;
	case '*': t.kind = TK_STAR; break;
	case '/': t.kind = TK_SLASH; break;
	case '=': t.kind = TK_EQ; break;
	case '!':
		if (lx->p < lx->end && *lx->p == '=') {
			lx->p++;
			t.kind = TK_NE;
			t.len = 2;
			break;
		}
		return lex_error(lx, s, "应为 != (expected !=)");
	case '<':
		t.kind = TK_LT;
		if (lx->p < lx->end && *lx->p == '=') {
			lx->p++;
			t.kind = TK_LE;
			t.len = 2;
		} else if (lx->p < lx->end && *lx->p == '>') {
			lx->p++;
			t.kind = TK_NE;
			t.len = 2;
		}
		break;
	case '>':
		t.kind = TK_GT;
		if (lx->p < lx->end && *lx->p == '=') {
			lx->p++;
			t.kind = TK_GE;
			t.len = 2;
		}
		break;
	default:
		lx->p--;
		return lex_error(lx, s, "无法识别的字符 (unexpected character)");
	}
	return t;
}

int ms_tok_is(const ms_token *t, const char *word)
{
	size_t n = strlen(word);
	return t->kind == TK_IDENT && t->len == n && memcmp(t->p, word, n) == 0;
}

const char *ms_tok_name(ms_tok_kind k)
{
	static const char *const names[] = {"end of file", "name", "string", "number", "date",
	                                    "(", ")", "{", "}", ",", ":", ".",
	                                    "=", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/",
	                                    "error"};
	return (unsigned)k < sizeof names / sizeof names[0] ? names[k] : "?";
}
