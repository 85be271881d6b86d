/*
 * test_parse.c: unit tests of the expression and statement parser.  Each
 * case parses a string, prints the tree as an S-expression (or the first
 * diagnostic as "COL: MESSAGE") and compares it with the expected text,
 * printing one PASS/FAIL line per case for tests/t_parse.sh.
 */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "vyrec.h"

static int failures;
static struct vy_source src = { "t.yaml", "", 0 };
/* The scalar is plain and starts at line 3, column 12 (offset 13). */
static struct vy_textloc tl = { &src, 13, 3, 12, 1, 0 };
static char srcbuf[200000];

static bool quoted;   /* the next case is a double-quoted scalar */

/* Put text on line 3 of src at column 12, where tl says it is. */
static void set_src(const char *text)
{
	snprintf(srcbuf, sizeof srcbuf, quoted ? "\n\n           \"%s\"\n" :
		 "\n\n           %s\n", text);
	src.text = srcbuf;
	src.len = strlen(srcbuf);
	tl.style = quoted ? 3 : 1;   /* YAML_DOUBLE_QUOTED/PLAIN_SCALAR_STYLE */
}

static void sexpr(struct vy_buf *b, const struct vy_expr *e)
{
	switch (e->kind) {
	case VY_E_CONST:
		switch (e->type) {
		case VY_ABSINT: vy_buf_printf(b, "%" PRId64, e->ival); break;
		case VY_U32: vy_buf_printf(b, "%" PRId64 "u", e->ival); break;
		case VY_I32: vy_buf_printf(b, "%" PRId64 "i", e->ival); break;
		case VY_ABSFLOAT: vy_buf_printf(b, "%g", e->fval); break;
		case VY_F32: vy_buf_printf(b, "%gf", e->fval); break;
		case VY_BOOL: vy_buf_puts(b, e->bits ? "true" : "false"); break;
		default: vy_buf_puts(b, "?const");
		}
		return;
	case VY_E_NAME:
		vy_buf_puts(b, e->name);
		return;
	case VY_E_INDEX:
		vy_buf_printf(b, "(index %s ", e->name);
		sexpr(b, e->args[0]);
		vy_buf_puts(b, ")");
		return;
	case VY_E_CALL:
	case VY_E_OP:
		vy_buf_printf(b, "(%s", e->name);
		if (e->kind == VY_E_CALL && e->cast_to != VY_VOID)
			vy_buf_printf(b, "<%s>", vy_type_name(e->cast_to));
		for (int i = 0; i < e->nargs; i++) {
			vy_buf_puts(b, " ");
			sexpr(b, e->args[i]);
		}
		vy_buf_puts(b, ")");
		return;
	default:
		vy_buf_puts(b, "?");
	}
}

static const char *const kinds[] = {
	"let", "var", "assign", "store", "if", "for", "while", "break",
	"continue", "return", "barrier", "expr"
};

static void stmt_str(struct vy_buf *b, const struct vy_stmt *s)
{
	vy_buf_puts(b, kinds[s->kind]);
	if (s->name && s->kind != VY_S_EXPR)
		vy_buf_printf(b, " %s", s->name);
	if (s->decl_type != VY_VOID)
		vy_buf_printf(b, ":%s", vy_type_name(s->decl_type));
	if (s->compound)
		vy_buf_printf(b, " %s=", s->compound);
	if (s->index) {
		vy_buf_puts(b, " [");
		sexpr(b, s->index);
		vy_buf_puts(b, "]");
	}
	if (s->value) {
		vy_buf_puts(b, " ");
		sexpr(b, s->value);
	}
}

/* The first diagnostic as "COL: MESSAGE | FIX". */
static void diag_str(struct vy_buf *b, const struct vy_diags *d)
{
	if (!d->n) {
		vy_buf_puts(b, "(no diagnostic)");
		return;
	}
	vy_buf_printf(b, "%d: %s", d->v[0].loc.col, d->v[0].msg);
	if (d->v[0].fix)
		vy_buf_printf(b, " | %s", d->v[0].fix);
}

enum mode { EXPR, STMT, FOR };

/* Parse text in mode; the tree or the first diagnostic as a string. */
static char *run(enum mode m, const char *text)
{
	struct vy_arena *a = vy_arena_new();
	struct vy_diags d = { 0 };
	struct vy_buf b = { 0 };
	struct vy_stmt fs = { .kind = VY_S_FOR };
	bool ok;
	set_src(text);
	if (m == EXPR) {
		struct vy_expr *e = vy_parse_expr(a, text, strlen(text), &tl, &d);
		if ((ok = e != NULL))
			sexpr(&b, e);
	} else if (m == STMT) {
		struct vy_stmt *s = vy_parse_stmt(a, text, strlen(text), &tl, &d);
		if ((ok = s != NULL))
			stmt_str(&b, s);
	} else {
		if ((ok = vy_parse_for(a, text, strlen(text), &tl, &fs, &d))) {
			vy_buf_printf(&b, "%s ", fs.name);
			sexpr(&b, fs.lo);
			vy_buf_puts(&b, " .. ");
			sexpr(&b, fs.hi);
		}
	}
	if (ok && d.n)
		vy_buf_puts(&b, " (and a diagnostic)");
	if (!ok) {
		if (!d.n)
			vy_buf_puts(&b, "NULL without diagnostic");
		vy_buf_puts(&b, "ERR ");
		diag_str(&b, &d);
	}
	char *s = vy_buf_cstr(&b);
	vy_buf_free(&b);
	vy_diags_free(&d);
	vy_arena_free(a);
	return s;
}

static void check(const char *name, enum mode m, const char *text,
		  const char *want)
{
	char *got = run(m, text);
	if (!strcmp(got, want)) {
		printf("PASS %s\n", name);
	} else {
		printf("FAIL %s: '%s': got [%s] want [%s]\n", name, text, got, want);
		failures++;
	}
	free(got);
}

/* An error case: text, column (the scalar starts at 12, so col = 12 +
 * offset), message and fix as "MSG | FIX". */
static void err(const char *name, enum mode m, const char *text, int off,
		const char *msg)
{
	char want[1024];
	snprintf(want, sizeof want, "ERR %d: %s", 12 + off, msg);
	check(name, m, text, want);
}

/* The same for a double-quoted scalar (its value starts at column 13). */
static void errq(const char *name, enum mode m, const char *text, int off,
		 const char *msg)
{
	quoted = true;
	err(name, m, text, off + 1, msg);
	quoted = false;
}

static void precedence(void)
{
	static const char *const c[][3] = {
		{ "prec_mul_over_add", "a + b * c", "(core.add a (core.mul b c))" },
		{ "prec_left_assoc_sub", "a - b - c", "(core.sub (core.sub a b) c)" },
		{ "prec_left_assoc_div", "a / b % c", "(core.rem (core.div a b) c)" },
		{ "prec_ternary_right", "a ? b : c ? d : e",
		  "(core.select a b (core.select c d e))" },
		{ "prec_ternary_nested_mid", "a ? b ? c : d : e",
		  "(core.select a (core.select b c d) e)" },
		{ "prec_ternary_low", "x < 1 || y ? a + 1 : b",
		  "(core.select (core.lor (core.lt x 1) y) (core.add a 1) b)" },
		{ "prec_neg_mul", "-x * y", "(core.mul (core.neg x) y)" },
		{ "prec_not_and_or", "!a && b || c",
		  "(core.lor (core.land (core.lnot a) b) c)" },
		{ "prec_and_over_or", "a || b && c", "(core.lor a (core.land b c))" },
		{ "prec_shift_add", "a << b + c", "(core.shl a (core.add b c))" },
		{ "prec_bitand_eq", "a & b == c", "(core.and a (core.eq b c))" },
		{ "prec_bit_levels", "a | b ^ c & d",
		  "(core.or a (core.xor b (core.and c d)))" },
		{ "prec_rel_over_eq", "a < b == c >= d",
		  "(core.eq (core.lt a b) (core.ge c d))" },
		{ "prec_shr_rel", "a >> 1 <= b", "(core.le (core.shr a 1) b)" },
		{ "prec_ne_gt", "a != b > c", "(core.ne a (core.gt b c))" },
		{ "prec_parens", "(a + b) * c", "(core.mul (core.add a b) c)" },
		{ "prec_unary_chain", "~-!x", "(core.not (core.neg (core.lnot x)))" },
		{ "prec_double_neg", "- -x", "(core.neg (core.neg x))" },
		{ "call_args", "math.fma(a, x[i], y[i])",
		  "(math.fma a (index x i) (index y i))" },
		{ "call_empty", "f()", "(f)" },
		{ "call_cast", "f32(i) * 0.5", "(core.mul (f32 i) 0.5)" },
		{ "bitcast", "bitcast<f32>(u)", "(bitcast<f32> u)" },
		{ "bitcast_u32", "bitcast<u32>(x + 1.0)",
		  "(bitcast<u32> (core.add x 1))" },
		{ "len_call", "i < len(buf)", "(core.lt i (len buf))" },
		{ "dotted_names", "gid.x + lid.y * wgsize.x",
		  "(core.add gid.x (core.mul lid.y wgsize.x))" },
		{ "atomic_call", "atomic.add(hist[b], 1u)",
		  "(atomic.add (index hist b) 1u)" },
		{ "index_expr", "x[i * n + j]",
		  "(index x (core.add (core.mul i n) j))" },
		{ "bools", "true && !false", "(core.land true (core.lnot false))" },
		{ "whitespace", " \ta\n+\r\nb ", "(core.add a b)" },
		{ "sub_neg_literal", "a-1", "(core.sub a 1)" },
		{ "sub_neg_literal2", "a - -1", "(core.sub a -1)" },
		{ "neg_fold_prec", "-2 * x", "(core.mul -2 x)" },
	};
	for (size_t i = 0; i < sizeof c / sizeof *c; i++)
		check(c[i][0], EXPR, c[i][1], c[i][2]);
}

static void literals(void)
{
	static const char *const c[][3] = {
		{ "lit_int", "42", "42" },
		{ "lit_hex", "0x2A", "42" },
		{ "lit_hex_upper", "0XfF", "255" },
		{ "lit_bin", "0b101", "5" },
		{ "lit_u32", "42u", "42u" },
		{ "lit_i32", "42i", "42i" },
		{ "lit_hex_u", "0xFFFFFFFFu", "4294967295u" },
		{ "lit_float", "1.5", "1.5" },
		{ "lit_exp", "1e-3", "0.001" },
		{ "lit_exp_plus", "2.5E+2", "250" },
		{ "lit_leading_dot", ".5", "0.5" },
		{ "lit_trailing_dot", "3.", "3" },
		{ "lit_f32", "1.5f", "1.5f" },
		{ "lit_f32_int", "2f", "2f" },
		{ "lit_f32_exp", "1e2f", "100f" },
		{ "lit_min_i32", "-2147483648", "-2147483648" },
		{ "lit_min_i32_i", "-2147483648i", "-2147483648i" },
		{ "lit_neg_float", "-0.25", "-0.25" },
		{ "lit_int64_max", "9223372036854775807", "9223372036854775807" },
		{ "lit_int64_min", "-9223372036854775808", "-9223372036854775808" },
		{ "lit_true", "true", "true" },
		{ "lit_false", "false", "false" },
	};
	for (size_t i = 0; i < sizeof c / sizeof *c; i++)
		check(c[i][0], EXPR, c[i][1], c[i][2]);

	/* types and exact values, not only their printed form */
	struct vy_arena *a = vy_arena_new();
	struct vy_diags d = { 0 };
	struct { const char *s; enum vy_type t; int64_t iv; double fv; } v[] = {
		{ "4294967295", VY_ABSINT, 4294967295LL, 0 },
		{ "0x7fffffff", VY_ABSINT, 2147483647, 0 },
		{ "7u", VY_U32, 7, 0 },
		{ "-7i", VY_I32, -7, 0 },
		{ "0.1", VY_ABSFLOAT, 0, 0.1 },
		{ "1.5e3f", VY_F32, 0, 1500.0 },
		{ "-1e-3", VY_ABSFLOAT, 0, -1e-3 },
	};
	for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
		set_src(v[i].s);
		struct vy_expr *e = vy_parse_expr(a, v[i].s, strlen(v[i].s), &tl, &d);
		bool isf = v[i].t == VY_ABSFLOAT || v[i].t == VY_F32;
		if (e && e->kind == VY_E_CONST && e->type == v[i].t &&
		    (isf ? e->fval == v[i].fv : e->ival == v[i].iv) && !d.n) {
			printf("PASS lit_value_%zu\n", i);
		} else {
			printf("FAIL lit_value_%zu: %s\n", i, v[i].s);
			failures++;
		}
	}
	set_src("true");
	struct vy_expr *e = vy_parse_expr(a, "true", 4, &tl, &d);
	if (e && e->type == VY_BOOL && e->bits == 1) {
		printf("PASS lit_true_bits\n");
	} else {
		printf("FAIL lit_true_bits\n");
		failures++;
	}
	vy_diags_free(&d);
	vy_arena_free(a);
}

/* Check loc.line/col/len of the nodes of one expression. */
static void columns(void)
{
	struct vy_arena *a = vy_arena_new();
	struct vy_diags d = { 0 };
	const char *t = "a + bb * 42 ? f(x) : -7";
	set_src(t);
	struct vy_expr *e = vy_parse_expr(a, t, strlen(t), &tl, &d);
	struct { const char *name; const struct vy_expr *n; int col, len; } c[] = {
		{ "col_select", e, 12 + 12, 1 },
		{ "col_add", e ? e->args[0] : NULL, 12 + 2, 1 },
		{ "col_name_a", e ? e->args[0]->args[0] : NULL, 12, 1 },
		{ "col_mul", e ? e->args[0]->args[1] : NULL, 12 + 7, 1 },
		{ "col_name_bb", e ? e->args[0]->args[1]->args[0] : NULL, 12 + 4, 2 },
		{ "col_int", e ? e->args[0]->args[1]->args[1] : NULL, 12 + 9, 2 },
		{ "col_call", e ? e->args[1] : NULL, 12 + 14, 1 },
		{ "col_call_arg", e ? e->args[1]->args[0] : NULL, 12 + 16, 1 },
		{ "col_neg_literal", e ? e->args[2] : NULL, 12 + 21, 2 },
	};
	for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
		const struct vy_expr *n = c[i].n;
		if (n && n->loc.src == &src && n->loc.line == 3 &&
		    n->loc.col == c[i].col && n->loc.len == c[i].len) {
			printf("PASS %s\n", c[i].name);
		} else {
			printf("FAIL %s: got %d:%d len %d, want 3:%d len %d\n",
			       c[i].name, n ? n->loc.line : -1, n ? n->loc.col : -1,
			       n ? n->loc.len : -1, c[i].col, c[i].len);
			failures++;
		}
	}
	/* base: the parser was handed the text after "acc = " */
	struct vy_textloc tb = tl;
	tb.base = 6;
	set_src("acc = x * 2");
	struct vy_expr *m = vy_parse_expr(a, "x * 2", 5, &tb, &d);
	if (m && m->loc.col == 12 + 6 + 2 && m->args[1]->loc.col == 12 + 6 + 4) {
		printf("PASS col_base\n");
	} else {
		printf("FAIL col_base: %d %d\n", m ? m->loc.col : -1,
		       m ? m->args[1]->loc.col : -1);
		failures++;
	}
	/* statement locations */
	const char *st = "  y[i] += 1";
	set_src(st);
	struct vy_stmt *s = vy_parse_stmt(a, st, strlen(st), &tl, &d);
	if (s && s->loc.col == 14 && s->name_loc.col == 14 &&
	    s->name_loc.len == 1 && s->index->loc.col == 16 &&
	    s->value->loc.col == 22) {
		printf("PASS col_stmt\n");
	} else {
		printf("FAIL col_stmt\n");
		failures++;
	}
	const char *ls = "let acc = 0";
	set_src(ls);
	s = vy_parse_stmt(a, ls, strlen(ls), &tl, &d);
	if (s && s->loc.col == 12 && s->loc.len == 3 && s->name_loc.col == 16 &&
	    s->name_loc.len == 3) {
		printf("PASS col_let\n");
	} else {
		printf("FAIL col_let\n");
		failures++;
	}
	if (d.n) {
		printf("FAIL col_no_diags: %s\n", d.v[0].msg);
		failures++;
	}
	vy_diags_free(&d);
	vy_arena_free(a);
}

static void statements(void)
{
	static const char *const c[][3] = {
		{ "stmt_let", "let x = a + 1", "let x (core.add a 1)" },
		{ "stmt_var", "var acc = 0.0", "var acc 0" },
		{ "stmt_var_typed", "var acc: f32 = 0", "var acc:f32 0" },
		{ "stmt_var_bool", "var done: bool = false", "var done:bool false" },
		{ "stmt_assign", "acc = acc * 2", "assign acc (core.mul acc 2)" },
		{ "stmt_add_assign", "acc += x[i]", "assign acc core.add= (index x i)" },
		{ "stmt_shl_assign", "m <<= 1u", "assign m core.shl= 1u" },
		{ "stmt_shr_assign", "m >>= k", "assign m core.shr= k" },
		{ "stmt_rem_assign", "m %= 3", "assign m core.rem= 3" },
		{ "stmt_xor_assign", "m ^= 3", "assign m core.xor= 3" },
		{ "stmt_store", "y[i] = c ? a : b",
		  "store y [i] (core.select c a b)" },
		{ "stmt_store_compound", "y[i + 1] -= 2.0",
		  "store y core.sub= [(core.add i 1)] 2" },
		{ "stmt_store_or", "bits[w] |= 1u << b",
		  "store bits core.or= [w] (core.shl 1u b)" },
		{ "stmt_barrier", "barrier", "barrier" },
		{ "stmt_return", "return", "return" },
		{ "stmt_break", " break ", "break" },
		{ "stmt_continue", "continue", "continue" },
		{ "stmt_call", "atomic.add(hist[b], 1)",
		  "expr (atomic.add (index hist b) 1)" },
		{ "stmt_call_plain", "f(x)", "expr (f x)" },
	};
	for (size_t i = 0; i < sizeof c / sizeof *c; i++)
		check(c[i][0], STMT, c[i][1], c[i][2]);
	check("for_simple", FOR, "k in 0..K", "k 0 .. K");
	check("for_exprs", FOR, "i in n - 1..len(x) * 2",
	      "i (core.sub n 1) .. (core.mul (len x) 2)");
	check("for_dotted", FOR, "j in lid.x..wgsize.x", "j lid.x .. wgsize.x");
	check("for_float_not_range", FOR, "k in 0 .. 10u", "k 0 .. 10u");
}

static void errors(void)
{
	err("err_close_args", EXPR, "f(a, b", 6,
	    "expected ')' after arguments");
	err("err_close_args_tok", EXPR, "f(a b)", 4,
	    "expected ')' after arguments, found 'b'");
	err("err_after_expr", EXPR, "a + b x", 6,
	    "unexpected 'x' after expression");
	err("err_eq_in_expr", EXPR, "a = b", 2,
	    "unexpected '=' after expression | did you mean '=='?");
	err("err_unterminated_paren", EXPR, "(a + b", 0,
	    "unterminated '(' | add ')' to close it");
	err("err_unterminated_index", EXPR, "x[i + 1", 1,
	    "unterminated '[' | add ']' to close it");
	err("err_3d_index", EXPR, "a[i][j][k]", 7,
	    "'a' is indexed three times | arrays have one or two axes: "
	    "NAME[i] or NAME[i][j]");
	err("err_missing_operand", EXPR, "a +", 3,
	    "expected an expression after '+'");
	errq("err_empty", EXPR, "  ", 2,
	    "empty expression | write a value, for example 0");
	err("err_int_range", EXPR, "x + 9223372036854775808", 4,
	    "integer literal out of range | above 2^63-1 write it as a u64 "
	    "literal, as in 18446744073709551615ul");
	err("err_int_range_u64", EXPR, "99999999999999999999", 0,
	    "integer literal out of range | integers are 32-bit; a literal "
	    "must fit u32 or i32");
	err("err_float_range", EXPR, "1e999", 0, "float literal out of range");
	err("err_num_dots", EXPR, "1.2.3 + x", 0,
	    "malformed number '1.2.3' | a number is digits with an optional "
	    "'.', exponent and suffix: 42, 42u, 42i, 5l, 5ul, 1.5, 1e-3, 1.5f, 0.1d, 1.5h, 0x2A, 0b101");
	err("err_num_0x", EXPR, "y + 0x", 4,
	    "malformed number '0x' | '0x' needs hex digits after it, as in 0x2A");
	err("err_num_alpha", EXPR, "12abc", 0,
	    "malformed number '12abc' | a number is digits with an optional "
	    "'.', exponent and suffix: 42, 42u, 42i, 5l, 5ul, 1.5, 1e-3, 1.5f, 0.1d, 1.5h, 0x2A, 0b101");
	err("err_num_float_u", EXPR, "1.5u", 0,
	    "malformed number '1.5u' | a float literal takes no 'u' or 'i' "
	    "suffix; use 'f' or convert with u32(...) or i32(...)");
	err("err_num_exp", EXPR, "2e+", 0,
	    "malformed number '2e' | an exponent needs digits, as in 1e-3");
	err("err_f16", EXPR, "bitcast<vec4>(x)", 8,
	    "type 'vec4' is not supported yet | use u32, i32 or f32");
	err("err_f16_cast", EXPR, "vec4(x)", 0,
	    "type 'vec4' is not supported yet | use u32, i32 or f32");
	err("err_bitcast_no_type", EXPR, "bitcast(x)", 0,
	    "bitcast needs a target type | write the target type: bitcast<f32>(x)");
	err("err_bitcast_unknown", EXPR, "bitcast<float>(x)", 8,
	    "unknown type 'float' | the types are u32, i32, f32 and bool");
	err("err_index_call", EXPR, "f(x)[0]", 4,
	    "only a buffer or shared array can be indexed | index a buffer or "
	    "shared array by its name: buf[i]");
	err("err_non_ascii", EXPR, "a \xe2\x88\x92 b", 2,
	    "non-ASCII byte 0xE2 in expression | vyrec programs are ASCII; "
	    "retype the operator or name (copy and paste may bring in "
	    "characters such as '\xe2\x88\x92' or '\xc3\x97')");
	err("err_control", EXPR, "a\x01", 1,
	    "unexpected control character 0x01 in expression");
	err("err_semicolon", EXPR, "a + b;", 5,
	    "unexpected character ';' | each statement is its own list item; "
	    "remove the ';'");
	err("err_chain_cmp", EXPR, "0 < i < n", 6,
	    "comparisons do not chain: '<' follows a comparison | write 'a < b "
	    "&& b < c'");
	err("err_ternary_colon", EXPR, "c ? a", 5,
	    "expected ':' in 'c ? a : b' | write 'c ? a : b'");
	err("err_reserved_in_expr", EXPR, "x + return", 4,
	    "'return' is a reserved word and cannot be used in an expression");
	err("err_dot_end", EXPR, "gid. + 1", 3,
	    "expected a name after '.' in 'gid.'");
	err("err_unary_plus", EXPR, "+x", 0,
	    "unexpected '+' where an expression was expected | there is no "
	    "unary '+'; remove it");
	err("err_empty_arg", EXPR, "f(a, )", 5,
	    "expected an expression after ',', found ')'");
	err("err_double_op", EXPR, "a * / b", 4,
	    "expected an expression after '*', found '/'");
	err("err_close_paren_extra", EXPR, "a)", 1,
	    "unexpected ')' after expression");

	err("err_let_eqeq", STMT, "let x == 3", 6,
	    "expected '=' after 'let x', found '==' | '==' compares; use '=' to "
	    "define a local");
	err("err_let_no_value", STMT, "let x", 5,
	    "expected '=' after 'let x' | give it a value: 'let x = EXPR'");
	err("err_let_typed", STMT, "let x: f32 = 1", 5,
	    "'let' takes no type | write 'var x: TYPE = ...' or convert the "
	    "value: 'let x = f32(...)'");
	err("err_let_reserved", STMT, "let for = 1", 4,
	    "'for' is a reserved word and cannot be a name | choose another name");
	err("err_let_dotted", STMT, "let a.b = 1", 4,
	    "a local name cannot contain '.': 'a.b' | use '_' instead of '.'");
	err("err_var_f16", STMT, "var x: vec4 = 0", 7,
	    "type 'vec4' is not supported yet | use u32, i32 or f32");
	err("err_unused", STMT, "x + 1", 0,
	    "this expression's value is unused | store it: 'let v = ...', or "
	    "assign it to a var or a buffer element");
	err("err_unused_eq", STMT, "y[i] == 3", 0,
	    "this expression's value is unused | '==' compares; did you mean '='?");
	err("err_incr", STMT, "i++", 1,
	    "'++' is not an operator in vyrec | use 'i += 1'");
	err("err_decr", STMT, "n--", 1,
	    "'--' is not an operator in vyrec | use 'n -= 1'");
	err("err_return_value", STMT, "return x", 7,
	    "unexpected 'x' after 'return' | a kernel returns nothing; store "
	    "results into a buffer");
	err("err_if_simple", STMT, "if x < 3", 0,
	    "'if' cannot be a simple statement | 'if' is a compound statement; "
	    "write a mapping: '- if: ...' with 'then:' on the next line");
	err("err_assign_reserved", STMT, "true = 1", 0,
	    "'true' is a reserved word and cannot be assigned");
	err("err_store_3d", STMT, "a[i][j][k] = 1", 7,
	    "'a' is indexed three times | arrays have one or two axes: "
	    "NAME[i] or NAME[i][j]");
	errq("err_empty_stmt", STMT, "", 0,
	    "empty statement | remove the empty list item");
	err("err_stmt_trailing", STMT, "x = 1 2", 6,
	    "unexpected '2' after expression");

	err("err_for_in", FOR, "k of 0..n", 2,
	    "expected 'in' after the loop variable, found 'of' | write "
	    "'for: k in LO..HI'");
	err("err_for_dots", FOR, "k in 0, n", 6,
	    "expected '..' after the lower bound, found ',' | write 'for: k in "
	    "LO..HI' (HI is excluded)");
	err("err_for_no_hi", FOR, "k in 0..", 8, "expected an expression after '..'");
	err("err_for_step", FOR, "k in 0..n step 2", 10,
	    "unexpected 'step' after expression | the step is its own key: "
	    "'step: 2'");
}

/* Limits: deep nesting and long text are errors, not crashes. */
static void limits(void)
{
	char *deep = malloc(100001);
	for (int i = 0; i < 50000; i++) {
		deep[i] = '(';
		deep[50000 + i] = ')';
	}
	deep[100000] = 0;
	/* 129 parens: over the limit; 120: fine */
	char buf[400];
	memset(buf, '(', 129);
	strcpy(buf + 129, "x");
	memset(buf + 130, ')', 129);
	buf[259] = 0;
	check("depth_129", EXPR, buf, "ERR 140: expression nesting is deeper "
	      "than 128 | split the expression with 'let' statements");
	memset(buf, '(', 120);
	strcpy(buf + 120, "x");
	memset(buf + 121, ')', 120);
	buf[241] = 0;
	check("depth_120", EXPR, buf, "x");
	for (int i = 0; i < 150; i++)
		memcpy(buf + 2 * i, "- ", 2);
	strcpy(buf + 300, "x");
	char *got = run(EXPR, buf);
	bool ok = strstr(got, "deeper than 128") != NULL;
	printf("%s depth_unary%s%s\n", ok ? "PASS" : "FAIL", ok ? "" : ": ", ok ? "" : got);
	failures += !ok;
	free(got);
	got = run(EXPR, deep);
	ok = strstr(got, "longer than the 64 KiB limit") != NULL;
	printf("%s too_long%s%s\n", ok ? "PASS" : "FAIL", ok ? "" : ": ", ok ? "" : got);
	failures += !ok;
	free(got);
	memset(deep, 'x', 65536);
	deep[65536] = 0;
	got = run(EXPR, deep);
	ok = strlen(got) == 65536;
	printf("%s long_name_64k%s\n", ok ? "PASS" : "FAIL", ok ? "" : "");
	failures += !ok;
	free(got);
	free(deep);
}

int main(void)
{
	precedence();
	literals();
	columns();
	statements();
	errors();
	limits();
	return failures != 0;
}
