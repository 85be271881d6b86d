/*
 * expr_parse.c: the expression language and the simple statements of SPEC
 * §1.5-1.6.  Input is the text of one YAML scalar (or part of it, see
 * vy_textloc.base); output is an unresolved AST in the arena: VY_E_CONST,
 * VY_E_NAME, VY_E_CALL, VY_E_INDEX and VY_E_OP nodes whose op is named by
 * its id ("core.add").  A hand-written lexer feeds a recursive-descent
 * parser whose binary operators are climbed through one precedence table.
 * The first error stops the parse (longjmp back to the entry point, which
 * is safe because everything lives in the arena); every location maps back
 * to the file through vy_textloc_at, so carets land inside the string.
 */
#include <ctype.h>
#include <math.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include "decls.h"

enum tok_kind { TK_EOF, TK_NUM, TK_NAME, TK_PUNCT };

struct token {
	enum tok_kind kind;
	size_t off, len;
	enum vy_type type;   /* TK_NUM: ABSINT ABSFLOAT U32 I32 F32 U64 I64 F64 F16 */
	uint64_t mag;        /* TK_NUM integers: the magnitude */
	bool overflow;       /* the magnitude does not fit 64 bits */
	double fval;
};

struct parser {
	struct vy_arena *a;
	const char *s;
	size_t n;
	const struct vy_textloc *tl;
	struct vy_textloc tlm;   /* tl with a map, for long text */
	struct vy_textmap map;
	struct vy_diags *d;
	size_t pos;          /* lexer position */
	struct token tok;    /* current token */
	struct token prev;   /* last consumed token (kind TK_EOF: none) */
	int depth;
	jmp_buf fail;
};

/* ---- locations and errors ---- */

/* The file location of bytes [off, off+len) of the text; the end of the
 * text is the column after its last byte. */
static struct vy_loc loc_at(struct parser *p, size_t off, size_t len)
{
	int l = len < 1 ? 1 : len > 4096 ? 4096 : (int)len;
	if (!p->tl)
		return (struct vy_loc){ NULL, 1, (int)off + 1, l };
	if (off < p->n || p->n == 0)
		return vy_textloc_at(p->tl, off, l);
	struct vy_loc loc = vy_textloc_at(p->tl, p->n - 1, 1);
	loc.col++;
	return loc;
}

static struct vy_loc tok_loc(struct parser *p, const struct token *t)
{
	return loc_at(p, t->off, t->len);
}

static _Noreturn void fail_at(struct parser *p, struct vy_loc loc,
			      const char *fix, const char *msg)
{
	vy_error(p->d, loc, fix, "%s", msg);
	longjmp(p->fail, 1);
}

/* The token's text for a message, shortened when long. */
static const char *tok_text(struct parser *p, const struct token *t)
{
	if (t->kind == TK_EOF)
		return "end of text";
	if (t->len > 24)
		return vy_fmt(p->a, "%.20s...", p->s + t->off);
	return vy_strndup(p->a, p->s + t->off, t->len);
}

static _Noreturn void fail_tok(struct parser *p, const char *fix,
			       const char *fmt, const char *arg)
{
	fail_at(p, tok_loc(p, &p->tok), fix, vy_fmt(p->a, fmt, arg));
}

/* ---- lexer ---- */

static int at(struct parser *p, size_t i)
{
	return i < p->n ? (unsigned char)p->s[i] : 0;
}

static bool ident_start(int c)
{
	return isalpha(c) || c == '_';
}

static bool ident_char(int c)
{
	return isalnum(c) || c == '_';
}

static _Noreturn void fail_char(struct parser *p, size_t i)
{
	int c = at(p, i);
	struct vy_loc loc = loc_at(p, i, 1);
	if (c >= 0x80)
		fail_at(p, loc, "vyrec programs are ASCII; retype the operator or "
			"name (copy and paste may bring in characters such as "
			"'\xe2\x88\x92' or '\xc3\x97')",
			vy_fmt(p->a, "non-ASCII byte 0x%02X in expression", c));
	if (c < 0x20 || c == 0x7f)
		fail_at(p, loc, NULL, vy_fmt(p->a,
			"unexpected control character 0x%02X in expression", c));
	const char *fix = NULL;
	if (c == ';')
		fix = "each statement is its own list item; remove the ';'";
	else if (c == '"' || c == '\'')
		fix = "the expression language has no strings";
	else if (c == '.')
		fix = "a number needs a digit after '.', as in 0.5";
	fail_at(p, loc, fix, vy_fmt(p->a, "unexpected character '%c'", c));
}

static _Noreturn void fail_number(struct parser *p, size_t start, size_t end,
				  const char *fix)
{
	fail_at(p, loc_at(p, start, end - start), fix,
		vy_fmt(p->a, "malformed number '%.*s'", (int)(end - start),
		       p->s + start));
}

static const char number_fix[] =
	"a number is digits with an optional '.', exponent and suffix: 42, "
	"42u, 42i, 5l, 5ul, 1.5, 1e-3, 1.5f, 0.1d, 1.5h, 0x2A, 0b101";

/* Digits of base from i; the magnitude into t (overflow noted). */
static size_t scan_digits(struct parser *p, size_t i, size_t end, int base,
			  struct token *t)
{
	for (; i < end; i++) {
		int c = tolower(at(p, i)), v;
		if (isdigit(c))
			v = c - '0';
		else if (c >= 'a' && c <= 'f')
			v = c - 'a' + 10;
		else
			break;
		if (v >= base)
			break;
		if (t->mag > (UINT64_MAX - (uint64_t)v) / (uint64_t)base)
			t->overflow = true;
		t->mag = t->mag * (uint64_t)base + (uint64_t)v;
	}
	return i;
}

/* The suffix at [i, end): none, u, i or f (f only where allowed); l, ul
 * and d (decimal only) for i64, u64 and f64 (SPEC §10.1). */
static enum vy_type number_suffix(struct parser *p, size_t start, size_t i,
				  size_t end, bool isfloat, bool allow_f)
{
	if (i == end)
		return isfloat ? VY_ABSFLOAT : VY_ABSINT;
	if (i + 1 == end && at(p, i) == 'd' && allow_f)
		return VY_F64;
	if (i + 1 == end && at(p, i) == 'h' && allow_f)
		return VY_F16;   /* SPEC §10.1: 1.5h */
	bool l64 = (i + 1 == end && at(p, i) == 'l') ||
		   (i + 2 == end && at(p, i) == 'u' && at(p, i + 1) == 'l');
	if (l64 && !isfloat)
		return i + 1 == end ? VY_I64 : VY_U64;
	if (l64)
		fail_number(p, start, end, "a float literal takes no 'l' or 'ul' "
			    "suffix; use 'd' for f64 or convert with i64(...) or "
			    "u64(...)");
	if (i + 1 == end) {
		int c = at(p, i);
		if (c == 'f' && allow_f)
			return VY_F32;
		if ((c == 'u' || c == 'i') && !isfloat)
			return c == 'u' ? VY_U32 : VY_I32;
		if (c == 'u' || c == 'i')
			fail_number(p, start, end, "a float literal takes no "
				    "'u' or 'i' suffix; use 'f' or convert "
				    "with u32(...) or i32(...)");
	}
	fail_number(p, start, end, number_fix);
}

static void lex_radix(struct parser *p, size_t start, size_t end, int base)
{
	struct token *t = &p->tok;
	size_t i = scan_digits(p, start + 2, end, base, t);
	if (i == start + 2)
		fail_number(p, start, end, base == 16 ?
			    "'0x' needs hex digits after it, as in 0x2A" :
			    "'0b' needs binary digits after it, as in 0b101");
	t->type = number_suffix(p, start, i, end, false, false);
}

static void lex_float_value(struct parser *p, size_t start, size_t end)
{
	char buf[128];
	size_t n = end - start;
	if (n >= sizeof buf)
		fail_number(p, start, end, "write the number with fewer digits");
	memcpy(buf, p->s + start, n);
	buf[n] = 0;
	p->tok.fval = strtod(buf, NULL);
	if (isinf(p->tok.fval))
		fail_at(p, loc_at(p, start, n), NULL,
			"float literal out of range");
}

/* Decimal: digits ['.' digits] [e [+-] digits] [suffix]. */
static void lex_decimal(struct parser *p, size_t start, size_t end)
{
	struct token *t = &p->tok;
	size_t i = scan_digits(p, start, end, 10, t);
	size_t ndig = i - start;
	bool isfloat = false;
	if (at(p, i) == '.' && i < end) {
		isfloat = true;
		size_t j = i + 1;
		while (j < end && isdigit(at(p, j)))
			j++;
		ndig += j - i - 1;
		i = j;
	}
	if (ndig == 0)
		fail_number(p, start, end, number_fix);
	if (i < end && tolower(at(p, i)) == 'e') {
		size_t j = i + 1;
		if (j < end && (at(p, j) == '+' || at(p, j) == '-'))
			j++;
		size_t k = j;
		while (k < end && isdigit(at(p, k)))
			k++;
		if (k == j)
			fail_number(p, start, end, "an exponent needs digits, "
				    "as in 1e-3");
		isfloat = true;
		i = k;
	}
	t->type = number_suffix(p, start, i, end, isfloat, true);
	if (t->type == VY_ABSFLOAT || t->type == VY_F32 || t->type == VY_F64 ||
	    t->type == VY_F16)
		lex_float_value(p, start, i);
}

/* A number: the longest run that could belong to it, then checked
 * strictly, so that 1.2.3 and 12abc are one malformed token.  A '.' is
 * part of it unless another '.' follows (0..K is 0, .., K). */
static void lex_number(struct parser *p, size_t start)
{
	int c1 = at(p, start + 1);
	bool radix = at(p, start) == '0' && c1 && strchr("xXbB", c1);
	size_t i = start;
	for (;;) {
		int c = at(p, i);
		if (ident_char(c) || (c == '.' && at(p, i + 1) != '.'))
			i++;
		else if ((c == '+' || c == '-') && !radix && i > start &&
			 tolower(at(p, i - 1)) == 'e' && isdigit(at(p, i + 1)))
			i++;
		else
			break;
	}
	p->tok = (struct token){ TK_NUM, start, i - start, VY_ABSINT, 0, false, 0 };
	if (radix)
		lex_radix(p, start, i, tolower(at(p, start + 1)) == 'x' ? 16 : 2);
	else
		lex_decimal(p, start, i);
	p->pos = i;
}

/* A name, dots included: gid.x, atomic.add, nn.relu. */
static void lex_name(struct parser *p, size_t start)
{
	size_t i = start;
	for (;;) {
		while (ident_char(at(p, i)))
			i++;
		if (at(p, i) != '.' || at(p, i + 1) == '.')
			break;
		if (!ident_start(at(p, i + 1)))
			fail_at(p, loc_at(p, i, 1), NULL,
				vy_fmt(p->a, "expected a name after '.' in '%.*s'",
				       (int)(i + 1 - start), p->s + start));
		i++;
	}
	p->tok = (struct token){ .kind = TK_NAME, .off = start, .len = i - start };
	p->pos = i;
}

static const char *const puncts[] = {
	"<<=", ">>=", "..", "==", "!=", "<=", ">=", "<<", ">>", "&&", "||",
	"+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "++", "--",
	"+", "-", "*", "/", "%", "&", "|", "^", "~", "!", "<", ">", "=", "?",
	":", "(", ")", "[", "]", ",", NULL
};

static void next(struct parser *p)
{
	p->prev = p->tok;
	size_t i = p->pos;
	while (i < p->n && p->s[i] && strchr(" \t\r\n", p->s[i]))
		i++;
	int c = at(p, i);
	if (i >= p->n) {
		p->tok = (struct token){ .kind = TK_EOF, .off = p->n, .len = 1 };
		p->pos = i;
	} else if (isdigit(c) || (c == '.' && isdigit(at(p, i + 1)))) {
		lex_number(p, i);
	} else if (ident_start(c)) {
		lex_name(p, i);
	} else if (c == '.' && ident_start(at(p, i + 1)) && i > 0 &&
		   strchr(")]", p->s[i - 1])) {
		/* a swizzle after ')' or ']' (SPEC §10.1): (a + b).xy */
		p->tok = (struct token){ .kind = TK_PUNCT, .off = i, .len = 1 };
		p->pos = i + 1;
	} else {
		for (int k = 0; puncts[k]; k++) {
			if (puncts[k][0] != c)
				continue;
			size_t len = strlen(puncts[k]);
			if (i + len <= p->n && !memcmp(p->s + i, puncts[k], len)) {
				p->tok = (struct token){ .kind = TK_PUNCT,
							 .off = i, .len = len };
				p->pos = i + len;
				return;
			}
		}
		fail_char(p, i);
	}
}

/* Restart lexing at offset off. */
static void seek(struct parser *p, size_t off)
{
	p->pos = off;
	p->tok = (struct token){ .kind = TK_EOF };
	next(p);
	p->prev = (struct token){ .kind = TK_EOF };
}

static bool is(struct parser *p, const char *s)
{
	size_t n = strlen(s);
	return p->tok.kind != TK_EOF && p->tok.kind != TK_NUM &&
	       p->tok.len == n && !memcmp(p->s + p->tok.off, s, n);
}

static bool consume(struct parser *p, const char *s)
{
	if (!is(p, s))
		return false;
	next(p);
	return true;
}

static bool reserved(const char *s, size_t n)
{
	return vy_name_reserved_word(s, n);
}

/* ", found 'TOKEN'" for a message, or "" at the end of the text. */
static const char *found(struct parser *p)
{
	if (p->tok.kind == TK_EOF)
		return "";
	return vy_fmt(p->a, ", found '%s'", tok_text(p, &p->tok));
}

/* ---- expressions ---- */

static struct vy_expr *expr(struct parser *p);
static struct vy_expr *unary(struct parser *p);

static struct vy_expr *new_node(struct parser *p, enum vy_expr_kind k,
				const struct token *t)
{
	struct vy_expr *e = vy_alloc(p->a, sizeof *e);
	e->kind = k;
	e->loc = tok_loc(p, t);
	return e;
}

static struct vy_expr *new_op(struct parser *p, const char *id,
			      const struct token *t, int nargs)
{
	struct vy_expr *e = new_node(p, VY_E_OP, t);
	e->name = id;
	e->nargs = nargs;
	e->args = vy_alloc(p->a, (size_t)nargs * sizeof *e->args);
	return e;
}

/* Recursion guard: nesting past VY_MAX_DEPTH is an error, not a crash. */
static void enter(struct parser *p)
{
	if (++p->depth > VY_MAX_DEPTH)
		fail_tok(p, "split the expression with 'let' statements",
			 "expression nesting is deeper than %s", "128");
}

/* The "unexpected token" error, with the hints that the token suggests. */
static _Noreturn void fail_unexpected(struct parser *p, const char *where)
{
	const char *fix = NULL;
	if (is(p, "="))
		fix = "did you mean '=='?";
	else if (is(p, "++") || is(p, "--"))
		fix = "there is no '++' or '--'; write 'i += 1' as its own "
		      "statement";
	else if (is(p, ".."))
		fix = "ranges belong in 'for: k in LO..HI'";
	else if (is(p, "step"))
		fix = "the step is its own key: 'step: 2'";
	else if (is(p, "+"))
		fix = "there is no unary '+'; remove it";
	if (p->tok.kind == TK_EOF)
		fail_tok(p, fix, "unexpected end of text %s", where);
	fail_at(p, tok_loc(p, &p->tok), fix,
		vy_fmt(p->a, "unexpected '%s' %s", tok_text(p, &p->tok), where));
}

static struct vy_expr *literal_int(struct parser *p, const struct token *t,
				   bool neg)
{
	struct vy_expr *e = new_node(p, VY_E_CONST, t);
	e->type = t->type;
	if (t->type == VY_U64 && !t->overflow && !(neg && t->mag)) {
		e->ival = (int64_t)t->mag;   /* the bits: up to 2^64-1 */
		return e;
	}
	if (t->overflow || t->mag > (uint64_t)INT64_MAX + neg)
		fail_at(p, e->loc, t->type == VY_ABSINT && !t->overflow && !neg ?
			"above 2^63-1 write it as a u64 literal, as in "
			"18446744073709551615ul" : "integers are 32-bit; a literal "
			"must fit u32 or i32", "integer literal out of range");
	e->ival = neg ? (int64_t)(0 - t->mag) : (int64_t)t->mag;
	return e;
}

/* A number token as a constant; neg folds a unary minus into it. */
static struct vy_expr *literal(struct parser *p, const struct token *t,
			       bool neg)
{
	if (t->type != VY_ABSFLOAT && t->type != VY_F32 && t->type != VY_F64 &&
	    t->type != VY_F16)
		return literal_int(p, t, neg);
	struct vy_expr *e = new_node(p, VY_E_CONST, t);
	e->type = t->type;
	e->fval = neg ? -t->fval : t->fval;
	return e;
}

/* args = (expr ("," expr)*)? ")"   (the "(" is consumed) */
static void call_args(struct parser *p, struct vy_expr *call)
{
	int cap = 0;
	if (consume(p, ")"))
		return;
	for (;;) {
		if (call->nargs == cap) {
			cap = cap ? cap * 2 : 4;
			struct vy_expr **v = vy_alloc(p->a, (size_t)cap * sizeof *v);
			if (call->nargs)
				memcpy(v, call->args, (size_t)call->nargs * sizeof *v);
			call->args = v;
		}
		call->args[call->nargs++] = expr(p);
		if (consume(p, ")"))
			return;
		if (!consume(p, ","))
			fail_tok(p, is(p, "=") ? "did you mean '=='?" : NULL,
				 "expected ')' after arguments%s", found(p));
	}
}

/* The type named by token t; reserved and unknown names are errors. */
static enum vy_type type_name(struct parser *p, const struct token *t)
{
	bool res;
	enum vy_type ty = t->kind == TK_NAME ?
		vy_type_parse(p->s + t->off, t->len, &res) : VY_VOID;
	struct vy_loc loc = tok_loc(p, t);
	if (vy_type_info(ty)->cls == VY_TC_STORAGE)
		fail_at(p, loc, vy_fmt(p->a, "use %s; a %s buffer element widens "
			"to it when loaded", vy_type_name(vy_type_value(ty)),
			tok_text(p, t)), vy_fmt(p->a, "'%s' is a storage type: only "
			"buffer and shared element types", tok_text(p, t)));
	if (ty != VY_VOID)
		return ty;
	if (t->kind == TK_NAME && res)
		fail_at(p, loc, "use u32, i32 or f32", vy_fmt(p->a,
			"type '%s' is not supported yet", tok_text(p, t)));
	if (t->kind == TK_EOF)
		fail_at(p, loc, "write one of u32, i32, f32, bool",
			"expected a type");
	fail_at(p, loc, "the types are u32, i32, f32 and bool",
		vy_fmt(p->a, "unknown type '%s'", tok_text(p, t)));
}

/* bitcast = "bitcast" "<" TYPE ">" "(" args   ("bitcast" consumed) */
static struct vy_expr *bitcast(struct parser *p, struct vy_expr *call)
{
	if (!consume(p, "<"))
		fail_at(p, call->loc, "write the target type: bitcast<f32>(x)",
			"bitcast needs a target type");
	struct token t = p->tok;
	call->cast_to = type_name(p, &t);
	next(p);
	if (!consume(p, ">"))
		fail_unexpected(p, "after the bitcast type; expected '>'");
	if (!consume(p, "("))
		fail_unexpected(p, "after 'bitcast<T>'; expected '('");
	call_args(p, call);
	return call;
}

/* call = NAME "(" args */
static struct vy_expr *call(struct parser *p, const struct token *name)
{
	struct vy_expr *e = new_node(p, VY_E_CALL, name);
	e->name = vy_intern(p->a, p->s + name->off, name->len);
	bool res;
	if (vy_type_parse(e->name, name->len, &res) == VY_VOID && res)
		fail_at(p, e->loc, "use u32, i32 or f32", vy_fmt(p->a,
			"type '%s' is not supported yet", e->name));
	if (!strcmp(e->name, "bitcast"))
		return bitcast(p, e);
	if (!consume(p, "("))
		fail_unexpected(p, "after the name");
	call_args(p, e);
	return e;
}

/* One "[" expr "]" of an index (the "[" is the current token). */
static struct vy_expr *bracket(struct parser *p)
{
	struct token open = p->tok;
	next(p);
	struct vy_expr *e = expr(p);
	if (p->tok.kind == TK_EOF)
		fail_at(p, tok_loc(p, &open), "add ']' to close it",
			"unterminated '['");
	if (!consume(p, "]"))
		fail_unexpected(p, "in the index; expected ']'");
	return e;
}

/* index = NAME "[" expr "]" ("[" expr "]")?   (2-D arrays, SPEC §10.3;
 * the resolver checks the count against the array's axes) */
static struct vy_expr *index_expr(struct parser *p, const struct token *name)
{
	struct vy_expr *e = new_node(p, VY_E_INDEX, name);
	e->name = vy_intern(p->a, p->s + name->off, name->len);
	e->args = vy_alloc(p->a, 2 * sizeof *e->args);
	e->args[e->nargs++] = bracket(p);
	if (is(p, "["))
		e->args[e->nargs++] = bracket(p);
	if (is(p, "["))
		fail_tok(p, "arrays have one or two axes: NAME[i] or NAME[i][j]",
			 "'%s' is indexed three times", e->name);
	return e;
}

/* name = NAME | call | index | "true" | "false" | "inf" | "nan" */
static struct vy_expr *name(struct parser *p)
{
	struct token t = p->tok;
	const char *s = p->s + t.off;
	if (is(p, "true") || is(p, "false")) {
		next(p);
		struct vy_expr *e = new_node(p, VY_E_CONST, &t);
		e->type = VY_BOOL;
		e->bits = *s == 't';
		e->ival = e->bits;
		return e;
	}
	if (is(p, "inf") || is(p, "nan")) {
		/* abstract float literals (SPEC §10.1); -inf is core.neg */
		next(p);
		struct vy_expr *e = new_node(p, VY_E_CONST, &t);
		e->type = VY_ABSFLOAT;
		e->fval = *s == 'i' ? (double)INFINITY : (double)NAN;
		return e;
	}
	if (reserved(s, t.len))
		fail_tok(p, NULL, "'%s' is a reserved word and cannot be used "
			 "in an expression", tok_text(p, &t));
	next(p);
	if (is(p, "(") || (t.len == 7 && !memcmp(s, "bitcast", 7)))
		return call(p, &t);
	if (is(p, "["))
		return index_expr(p, &t);
	struct vy_expr *e = new_node(p, VY_E_NAME, &t);
	e->name = vy_intern(p->a, s, t.len);
	return e;
}

/* primary = "(" expr ")" | NUMBER | name */
static struct vy_expr *primary(struct parser *p)
{
	if (p->tok.kind == TK_NUM) {
		struct token t = p->tok;
		next(p);
		return literal(p, &t, false);
	}
	if (p->tok.kind == TK_NAME)
		return name(p);
	if (is(p, "(")) {
		struct token open = p->tok;
		next(p);
		struct vy_expr *e = expr(p);
		if (p->tok.kind == TK_EOF)
			fail_at(p, tok_loc(p, &open), "add ')' to close it",
				"unterminated '('");
		if (!consume(p, ")"))
			fail_unexpected(p, "inside '(...)'; expected ')'");
		return e;
	}
	if (p->prev.kind != TK_EOF && !is(p, "+"))
		fail_at(p, tok_loc(p, &p->tok), is(p, "=") ?
			"did you mean '=='?" : NULL, vy_fmt(p->a,
			"expected an expression after '%s'%s",
			tok_text(p, &p->prev), found(p)));
	if (p->tok.kind == TK_EOF)
		fail_tok(p, "write a value, for example 0", "empty %s",
			 "expression");
	fail_unexpected(p, "where an expression was expected");
}

/* postfix = primary ("[" ... | "(" ...)*   -- only names take either */
static struct vy_expr *postfix(struct parser *p)
{
	struct vy_expr *e = primary(p);
	while (is(p, ".")) {   /* .xy: a swizzle, resolved as a call ".xy" */
		struct token dot = p->tok;
		next(p);
		if (p->tok.kind != TK_NAME)
			fail_tok(p, "components are .x .y .z .w", "expected a component after '%s'", ".");
		struct vy_expr *w = new_node(p, VY_E_CALL, &dot);
		w->name = vy_fmt(p->a, ".%.*s", (int)p->tok.len, p->s + p->tok.off);
		w->nargs = 1;
		w->args = vy_alloc(p->a, sizeof *w->args);
		w->args[0] = e;
		e = w;
		next(p);
	}
	if (is(p, "["))
		fail_tok(p, "index a buffer or shared array by its name: "
			 "buf[i]", "only a buffer or shared array %s",
			 "can be indexed");
	if (is(p, "("))
		fail_tok(p, "call an op by its name: f(x)",
			 "only a name %s", "can be called");
	return e;
}

/* unary = ("-" | "!" | "~") unary | postfix */
static struct vy_expr *unary(struct parser *p)
{
	static const char *const ops[][2] = {
		{ "-", "core.neg" }, { "!", "core.lnot" }, { "~", "core.not" },
	};
	for (int i = 0; i < 3; i++) {
		if (!is(p, ops[i][0]))
			continue;
		struct token t = p->tok;
		next(p);
		if (i == 0 && p->tok.kind == TK_NUM) {
			struct token lit = p->tok;
			next(p);
			struct vy_expr *e = literal(p, &lit, true);
			e->loc = loc_at(p, t.off, lit.off + lit.len - t.off);
			return e;
		}
		enter(p);
		struct vy_expr *e = new_op(p, ops[i][1], &t, 1);
		e->args[0] = unary(p);
		p->depth--;
		return e;
	}
	if (is(p, "++") || is(p, "--") || is(p, "+"))
		fail_unexpected(p, "where an expression was expected");
	return postfix(p);
}

/* Binary operators, lowest precedence first; each level is left-assoc. */
struct binop { const char *tok, *id; };
static const struct binop binops[][5] = {
	{ { "||", "core.lor" } },
	{ { "&&", "core.land" } },
	{ { "|", "core.or" } },
	{ { "^", "core.xor" } },
	{ { "&", "core.and" } },
	{ { "==", "core.eq" }, { "!=", "core.ne" } },
	{ { "<", "core.lt" }, { "<=", "core.le" }, { ">", "core.gt" },
	  { ">=", "core.ge" } },
	{ { "<<", "core.shl" }, { ">>", "core.shr" } },
	{ { "+", "core.add" }, { "-", "core.sub" } },
	{ { "*", "core.mul" }, { "/", "core.div" }, { "%", "core.rem" } },
};
enum { NLEVELS = sizeof binops / sizeof *binops, RELATIONAL = 6 };

static const char *binop_at(struct parser *p, int level)
{
	for (int i = 0; i < 5 && binops[level][i].tok; i++)
		if (is(p, binops[level][i].tok))
			return binops[level][i].id;
	return NULL;
}

/* binary(L) = binary(L+1) (OP(L) binary(L+1))*    binary(NLEVELS) = unary */
static struct vy_expr *binary(struct parser *p, int level)
{
	if (level == NLEVELS)
		return unary(p);
	struct vy_expr *e = binary(p, level + 1);
	const char *id;
	while ((id = binop_at(p, level))) {
		if (level == RELATIONAL && e->kind == VY_E_OP &&
		    (!strcmp(e->name, "core.lt") || !strcmp(e->name, "core.le") ||
		     !strcmp(e->name, "core.gt") || !strcmp(e->name, "core.ge")))
			fail_tok(p, "write 'a < b && b < c'",
				 "comparisons do not chain: '%s' follows a "
				 "comparison", tok_text(p, &p->tok));
		struct token t = p->tok;
		next(p);
		struct vy_expr *op = new_op(p, id, &t, 2);
		op->args[0] = e;
		op->args[1] = binary(p, level + 1);
		e = op;
	}
	return e;
}

/* ternary = binary(0) ("?" expr ":" ternary)? */
static struct vy_expr *ternary(struct parser *p)
{
	struct vy_expr *c = binary(p, 0);
	if (!is(p, "?"))
		return c;
	struct token q = p->tok;
	next(p);
	struct vy_expr *e = new_op(p, "core.select", &q, 3);
	e->args[0] = c;
	e->args[1] = expr(p);
	if (!consume(p, ":"))
		fail_tok(p, "write 'c ? a : b'", "expected ':' in 'c ? a : b'%s",
			 found(p));
	enter(p);
	e->args[2] = ternary(p);
	p->depth--;
	return e;
}

/* expr = ternary */
static struct vy_expr *expr(struct parser *p)
{
	enter(p);
	struct vy_expr *e = ternary(p);
	p->depth--;
	return e;
}

/* ---- entry points ---- */

static bool start(struct parser *p, struct vy_arena *a, const char *text,
		  size_t n, const struct vy_textloc *tl, struct vy_diags *d)
{
	*p = (struct parser){ .a = a, .s = text ? text : "", .n = text ? n : 0,
			      .tl = tl, .d = d };
	if (n > VY_MAX_EXPR) {
		vy_error(d, loc_at(p, 0, 1), "split it into several 'let' "
			 "statements", "expression is longer than the 64 KiB "
			 "limit");
		return false;
	}
	/* Past a few hundred bytes, map the whole text once rather than
	 * walk the scalar from its start for every location asked. */
	if (tl && !tl->map && n > 256 && vy_textmap_build(&p->map, tl, n)) {
		p->tlm = *tl;
		p->tlm.map = &p->map;
		p->tl = &p->tlm;
	}
	return true;
}

static void done(struct parser *p)
{
	vy_textmap_free(&p->map);
}

static void expect_end(struct parser *p)
{
	if (p->tok.kind != TK_EOF)
		fail_unexpected(p, "after expression");
}

static struct vy_expr *parse_expr(struct parser *p)
{
	if (setjmp(p->fail))
		return NULL;
	seek(p, 0);
	struct vy_expr *e = expr(p);
	expect_end(p);
	return e;
}

struct vy_expr *vy_parse_expr(struct vy_arena *a, const char *text, size_t n,
			      const struct vy_textloc *tl, struct vy_diags *d)
{
	struct parser p;
	if (!start(&p, a, text, n, tl, d))
		return NULL;
	struct vy_expr *e = parse_expr(&p);
	done(&p);
	return e;
}

/* ---- statements ---- */

static const char *const compound_ops[][2] = {
	{ "+=", "core.add" }, { "-=", "core.sub" }, { "*=", "core.mul" },
	{ "/=", "core.div" }, { "%=", "core.rem" }, { "&=", "core.and" },
	{ "|=", "core.or" }, { "^=", "core.xor" }, { "<<=", "core.shl" },
	{ ">>=", "core.shr" },
};

/* Consume "=" or "OP=": true, with *compound = the op id or NULL. */
static bool assign_op(struct parser *p, const char **compound)
{
	*compound = NULL;
	if (consume(p, "="))
		return true;
	for (size_t i = 0; i < sizeof compound_ops / sizeof *compound_ops; i++)
		if (consume(p, compound_ops[i][0])) {
			*compound = compound_ops[i][1];
			return true;
		}
	return false;
}

/* A local's name: a plain identifier that is not reserved. */
static void local_name(struct parser *p, struct vy_stmt *s, const char *after)
{
	struct token t = p->tok;
	if (t.kind != TK_NAME)
		fail_unexpected(p, vy_fmt(p->a, "after '%s'; expected a name",
					  after));
	if (reserved(p->s + t.off, t.len))
		fail_at(p, tok_loc(p, &t), "choose another name", vy_fmt(p->a,
			"'%s' is a reserved word and cannot be a name",
			tok_text(p, &t)));
	if (memchr(p->s + t.off, '.', t.len))
		fail_at(p, tok_loc(p, &t), "use '_' instead of '.'",
			vy_fmt(p->a, "a local name cannot contain '.': '%s'",
			       tok_text(p, &t)));
	s->name = vy_intern(p->a, p->s + t.off, t.len);
	s->name_loc = tok_loc(p, &t);
	next(p);
}

/* 'let NAME:' is an error; a clearer one for 'let NAME: T[N]'. */
static _Noreturn void let_type(struct parser *p, struct vy_stmt *s)
{
	struct token colon = p->tok;
	next(p);
	if (p->tok.kind == TK_NAME) {
		next(p);
		if (is(p, "["))
			fail_at(p, s->loc, vy_fmt(p->a, "declare it with var: "
				"'var %s: ...'", s->name), vy_fmt(p->a,
				"array '%s' is declared with let; arrays are "
				"declared with var", s->name));
	}
	p->tok = colon;
	fail_tok(p, vy_fmt(p->a, "write 'var %s: TYPE = ...' or "
		 "convert the value: 'let %s = f32(...)'",
		 s->name, s->name), "'let' takes no type%s", "");
}

/* array = "var" NAME ":" TYPE "[" expr "]" ("[" expr "]")? ("=" expr)?
 * (SPEC §10.3; "var NAME: TYPE" consumed, "[" current) */
static void array_decl(struct parser *p, struct vy_stmt *s)
{
	s->kind = VY_S_ARRAY;
	s->dims[s->ndims++] = bracket(p);
	if (is(p, "["))
		s->dims[s->ndims++] = bracket(p);
	if (is(p, "["))
		fail_tok(p, "arrays have one or two axes: T[N] or T[N][M]",
			 "array '%s' has more than two axes", s->name);
	if (consume(p, "="))
		s->value = expr(p);
	expect_end(p);
}

/* decl = ("let" | "var") NAME (":" TYPE)? "=" expr | array */
static void decl(struct parser *p, struct vy_stmt *s)
{
	const char *kw = s->kind == VY_S_LET ? "let" : "var";
	next(p);
	local_name(p, s, kw);
	if (is(p, ":")) {
		if (s->kind == VY_S_LET)
			let_type(p, s);
		next(p);
		struct token t = p->tok;
		s->decl_type = type_name(p, &t);
		next(p);
		if (is(p, "[")) {
			array_decl(p, s);
			return;
		}
	}
	if (consume(p, "=")) {
		s->value = expr(p);
		expect_end(p);
		return;
	}
	const char *fix = vy_fmt(p->a, "give it a value: '%s %s = EXPR'",
				 kw, s->name);
	if (is(p, "=="))
		fix = "'==' compares; use '=' to define a local";
	if (p->tok.kind == TK_EOF)
		fail_tok(p, fix, "expected '=' after '%s'", vy_fmt(p->a,
			 "%s %s", kw, s->name));
	fail_at(p, tok_loc(p, &p->tok), fix, vy_fmt(p->a,
		"expected '=' after '%s %s', found '%s'", kw, s->name,
		tok_text(p, &p->tok)));
}

/* Whether an expression statement's value is used (only calls are). */
static void expr_stmt(struct parser *p, struct vy_stmt *s)
{
	struct token first = p->tok;
	s->value = expr(p);
	expect_end(p);
	if (s->value->kind == VY_E_CALL) {
		s->kind = VY_S_EXPR;
		return;
	}
	const char *fix = "store it: 'let v = ...', or assign it to a var or "
			  "a buffer element";
	struct vy_expr *v = s->value;
	if (v->kind == VY_E_OP && !strcmp(v->name, "core.eq") &&
	    (v->args[0]->kind == VY_E_NAME || v->args[0]->kind == VY_E_INDEX))
		fix = "'==' compares; did you mean '='?";
	fail_at(p, loc_at(p, first.off, p->prev.off + p->prev.len - first.off),
		fix, "this expression's value is unused");
}

/* Statements that begin with a reserved word other than let/var. */
static bool keyword_stmt(struct parser *p, struct vy_stmt *s)
{
	static const struct { const char *w; enum vy_stmt_kind k; } kws[] = {
		{ "barrier", VY_S_BARRIER }, { "return", VY_S_RETURN },
		{ "break", VY_S_BREAK }, { "continue", VY_S_CONTINUE },
	};
	for (int i = 0; i < 4; i++) {
		if (!is(p, kws[i].w))
			continue;
		s->kind = kws[i].k;
		next(p);
		if (p->tok.kind != TK_EOF)
			fail_at(p, tok_loc(p, &p->tok), i == 1 ? "a kernel "
				"returns nothing; store results into a buffer" :
				NULL, vy_fmt(p->a, "unexpected '%s' after '%s'",
				tok_text(p, &p->tok), kws[i].w));
		return true;
	}
	if (is(p, "if") || is(p, "for") || is(p, "while"))
		fail_tok(p, vy_fmt(p->a, "'%s' is a compound statement; write "
			 "a mapping: '- %s: ...' with '%s' on the next line",
			 tok_text(p, &p->tok), tok_text(p, &p->tok),
			 is(p, "if") ? "then:" : "do:"),
			 "'%s' cannot be a simple statement",
			 tok_text(p, &p->tok));
	if (p->tok.kind == TK_NAME && reserved(p->s + p->tok.off, p->tok.len))
		fail_tok(p, NULL, "'%s' is a reserved word and cannot be "
			 "assigned", tok_text(p, &p->tok));
	return false;
}

/* assign = NAME ("=" | OP=) expr
 * store  = NAME "[" expr "]" ("=" | OP=) expr */
static bool assign_or_store(struct parser *p, struct vy_stmt *s)
{
	struct token t = p->tok;
	next(p);
	if (is(p, "++") || is(p, "--"))
		fail_tok(p, vy_fmt(p->a, "use '%.*s %c= 1'", (int)t.len,
			 p->s + t.off, p->s[p->tok.off]),
			 "'%s' is not an operator in vyrec", tok_text(p, &p->tok));
	s->name = vy_intern(p->a, p->s + t.off, t.len);
	s->name_loc = tok_loc(p, &t);
	if (assign_op(p, &s->compound)) {
		s->kind = VY_S_ASSIGN;
	} else if (is(p, "[")) {
		struct vy_expr *ix = index_expr(p, &t);
		if (!assign_op(p, &s->compound))
			return false;
		s->kind = VY_S_STORE;
		s->index = ix->args[0];
		s->index2 = ix->nargs > 1 ? ix->args[1] : NULL;
	} else {
		return false;
	}
	s->value = expr(p);
	expect_end(p);
	return true;
}

static struct vy_stmt *parse_stmt(struct parser *p)
{
	struct vy_arena *a = p->a;
	if (setjmp(p->fail))
		return NULL;
	seek(p, 0);
	struct vy_stmt *s = vy_alloc(a, sizeof *s);
	s->loc = s->name_loc = tok_loc(p, &p->tok);
	if (p->tok.kind == TK_EOF)
		fail_tok(p, "remove the empty list item", "empty %s",
			 "statement");
	if (is(p, "let") || is(p, "var")) {
		s->kind = is(p, "let") ? VY_S_LET : VY_S_VAR;
		decl(p, s);
		return s;
	}
	if (keyword_stmt(p, s))
		return s;
	if (is(p, "++") || is(p, "--"))
		fail_tok(p, "write 'i += 1' (or 'i -= 1')",
			 "'%s' is not an operator in vyrec", tok_text(p, &p->tok));
	if (p->tok.kind == TK_NAME && assign_or_store(p, s))
		return s;
	seek(p, 0);
	expr_stmt(p, s);
	return s;
}

struct vy_stmt *vy_parse_stmt(struct vy_arena *a, const char *text, size_t n,
			      const struct vy_textloc *tl, struct vy_diags *d)
{
	struct parser p;
	if (!start(&p, a, text, n, tl, d))
		return NULL;
	struct vy_stmt *s = parse_stmt(&p);
	done(&p);
	return s;
}

/* for = NAME "in" expr ".." expr */
static bool parse_for(struct parser *p, struct vy_stmt *s)
{
	struct vy_arena *a = p->a;
	if (setjmp(p->fail))
		return false;
	seek(p, 0);
	if (p->tok.kind == TK_EOF)
		fail_tok(p, "write 'for: k in 0..n'", "empty %s", "loop header");
	local_name(p, s, "for");
	if (!consume(p, "in"))
		fail_tok(p, vy_fmt(a, "write 'for: %s in LO..HI'", s->name),
			 "expected 'in' after the loop variable%s", found(p));
	s->lo = expr(p);
	if (!consume(p, ".."))
		fail_tok(p, vy_fmt(a, "write 'for: %s in LO..HI' (HI is "
			 "excluded)", s->name), "expected '..' after the lower "
			 "bound%s", found(p));
	s->hi = expr(p);
	expect_end(p);
	return true;
}

bool vy_parse_for(struct vy_arena *a, const char *text, size_t n,
		  const struct vy_textloc *tl, struct vy_stmt *s,
		  struct vy_diags *d)
{
	struct parser p;
	if (!start(&p, a, text, n, tl, d))
		return false;
	bool ok = parse_for(&p, s);
	done(&p);
	return ok;
}
