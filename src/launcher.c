/*
 * launcher.c: the launcher emitter registry (SPEC §5) and what every
 * launcher emitter shares: the template data tree built from a request,
 * the C and Rust printers of launch-time expressions (buffer counts,
 * dispatch), and loading and rendering templates into the project's file
 * list.  Templates come from the binary (build/templates.c, made by
 * tools/embed.sh) or, with --template-dir, from the same relative paths
 * under that directory.  The reference VM sources are embedded beside the
 * templates under vm/ and are always taken from the binary, so a
 * reference launcher runs the very VM this vyrec runs.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "launch.h"
#include "launcher.h"
#include "json.h"

const struct vy_launcher_emitter *const vy_launchers[] = {
	&vy_launcher_c, &vy_launcher_cargo, NULL
};

#define NLAUNCH (sizeof vy_launchers / sizeof *vy_launchers - 1)

/* The registries' one lookup (vy_reg_find, suggest.c). */
static int find_lang(const char *lang, const char **near)
{
	const struct vy_reg_head *heads[NLAUNCH];
	for (size_t i = 0; i < NLAUNCH; i++)
		heads[i] = &vy_launchers[i]->head;
	return vy_reg_find(heads, (int)NLAUNCH, lang, near);
}

const struct vy_launcher_emitter *vy_launcher_find(const char *lang)
{
	int i = find_lang(lang, NULL);
	return i < 0 ? NULL : vy_launchers[i];
}

const char *vy_launcher_suggest(const char *lang)
{
	const char *near = NULL;
	return find_lang(lang, &near) < 0 ? near : NULL;
}

/* ---- expressions ---- */

struct xp {
	struct vy_buf *out;
	const struct vy_program *prog;
	enum vy_lang lang;
	char *err;
};

static void print_x(struct xp *x, const struct vy_expr *e);

static void call(struct xp *x, const char *fn, const struct vy_expr *e)
{
	vy_buf_printf(x->out, "%s(", fn);
	for (int i = 0; i < e->nargs; i++) {
		if (i)
			vy_buf_puts(x->out, ", ");
		print_x(x, e->args[i]);
	}
	vy_buf_puts(x->out, ")");
}

/* a OP b on the u32 bits: exact for u32 and i32 (two's complement). */
static void infix(struct xp *x, const char *c_op, const char *rs_fn,
		  const struct vy_expr *e)
{
	vy_buf_puts(x->out, "(");
	print_x(x, e->args[0]);
	if (x->lang == VY_LANG_C) {
		vy_buf_printf(x->out, " %s ", c_op);
		print_x(x, e->args[1]);
	} else if (rs_fn) {
		vy_buf_printf(x->out, ").%s(", rs_fn);
		print_x(x, e->args[1]);
	} else {
		vy_buf_printf(x->out, " %s ", c_op);
		print_x(x, e->args[1]);
	}
	vy_buf_puts(x->out, ")");
}

/* An integer comparison yielding 0/1. */
static void compare(struct xp *x, const char *op, bool sgn,
		    const struct vy_expr *e)
{
	const char *cast = x->lang == VY_LANG_C ? "(int32_t)" : "";
	bool rs = x->lang == VY_LANG_RUST;
	vy_buf_puts(x->out, rs ? "((" : "(uint32_t)(");
	for (int i = 0; i < 2; i++) {
		if (i)
			vy_buf_printf(x->out, " %s ", op);
		if (sgn && !rs)
			vy_buf_puts(x->out, cast);
		if (sgn && rs)
			vy_buf_puts(x->out, "(");
		print_x(x, e->args[i]);
		if (sgn && rs)
			vy_buf_puts(x->out, " as i32)");
	}
	vy_buf_puts(x->out, rs ? ") as u32)" : ")");
}

static void shift(struct xp *x, const struct vy_expr *e, bool left, bool sgn)
{
	if (x->lang == VY_LANG_RUST) {
		vy_buf_puts(x->out, sgn && !left ? "((" : "(");
		print_x(x, e->args[0]);
		vy_buf_puts(x->out, sgn && !left ? " as i32).wrapping_shr(" :
			    left ? ").wrapping_shl(" : ").wrapping_shr(");
		print_x(x, e->args[1]);
		vy_buf_puts(x->out, sgn && !left ? ") as u32)" : ")");
		return;
	}
	if (sgn && !left) {
		call(x, "vy_shr_i", e);
		return;
	}
	vy_buf_puts(x->out, "(");
	print_x(x, e->args[0]);
	vy_buf_puts(x->out, left ? " << (" : " >> (");
	print_x(x, e->args[1]);
	vy_buf_puts(x->out, " & 31u))");
}

static void cast(struct xp *x, const struct vy_expr *e)
{
	enum vy_type from = e->args[0]->type, to = e->cast_to;
	const char *fn = NULL;
	if (from == VY_F32 && to == VY_U32)
		fn = "vy_f2u";
	else if (from == VY_F32 && to == VY_I32)
		fn = "vy_f2i";
	else if (from == VY_U32 && to == VY_F32)
		fn = "vy_u2f";
	else if ((from == VY_I32 || from == VY_BOOL) && to == VY_F32)
		fn = from == VY_BOOL ? "vy_u2f" : "vy_i2f";
	else if (to == VY_BOOL && from == VY_F32)
		fn = "vy_fne0";
	if (fn) {
		if (!strcmp(fn, "vy_fne0")) {
			vy_buf_puts(x->out, "vy_fne(");
			print_x(x, e->args[0]);
			vy_buf_puts(x->out, ", 0)");
			return;
		}
		call(x, fn, e);
		return;
	}
	if (to == VY_BOOL) {
		vy_buf_puts(x->out, x->lang == VY_LANG_C ? "(uint32_t)(" : "((");
		print_x(x, e->args[0]);
		vy_buf_puts(x->out, x->lang == VY_LANG_C ? " != 0)" : " != 0) as u32)");
		return;
	}
	print_x(x, e->args[0]);   /* u32 <-> i32, bool -> int: same bits */
}

/* Select and the logical ops evaluate lazily, as the reference does. */
static void logic(struct xp *x, const struct vy_expr *e)
{
	enum vy_opcode op = e->op->code;
	bool rs = x->lang == VY_LANG_RUST;
	if (op == VY_OP_SELECT) {
		vy_buf_puts(x->out, rs ? "(if " : "(");
		print_x(x, e->args[0]);
		vy_buf_puts(x->out, rs ? " != 0 { " : " ? ");
		print_x(x, e->args[1]);
		vy_buf_puts(x->out, rs ? " } else { " : " : ");
		print_x(x, e->args[2]);
		vy_buf_puts(x->out, rs ? " })" : ")");
		return;
	}
	if (op == VY_OP_LNOT) {
		vy_buf_puts(x->out, rs ? "((" : "(uint32_t)(");
		print_x(x, e->args[0]);
		vy_buf_puts(x->out, rs ? " == 0) as u32)" : " == 0)");
		return;
	}
	vy_buf_puts(x->out, rs ? "((" : "(uint32_t)(");
	print_x(x, e->args[0]);
	vy_buf_puts(x->out, rs ? " != 0" : " != 0");
	vy_buf_puts(x->out, op == VY_OP_LAND ? " && " : " || ");
	print_x(x, e->args[1]);
	vy_buf_puts(x->out, rs ? " != 0) as u32)" : " != 0)");
}

static const char *float_fn(enum vy_opcode op)
{
	switch (op) {
	case VY_OP_ADD: return "vy_fadd";
	case VY_OP_SUB: return "vy_fsub";
	case VY_OP_MUL: return "vy_fmul";
	case VY_OP_DIV: return "vy_fdiv";
	case VY_OP_NEG: return "vy_fneg";
	case VY_OP_MIN: return "vy_fmin";
	case VY_OP_MAX: return "vy_fmax";
	case VY_OP_EQ: return "vy_feq";
	case VY_OP_NE: return "vy_fne";
	case VY_OP_LT: return "vy_flt";
	case VY_OP_LE: return "vy_fle";
	case VY_OP_GT: return "vy_fgt";
	case VY_OP_GE: return "vy_fge";
	default: return NULL;
	}
}

static void int_op(struct xp *x, const struct vy_expr *e, bool sgn)
{
	enum vy_opcode op = e->op->code;
	bool rs = x->lang == VY_LANG_RUST;
	switch (op) {
	case VY_OP_ADD: infix(x, "+", "wrapping_add", e); return;
	case VY_OP_SUB: infix(x, "-", "wrapping_sub", e); return;
	case VY_OP_MUL: infix(x, "*", "wrapping_mul", e); return;
	case VY_OP_AND: infix(x, "&", NULL, e); return;
	case VY_OP_OR: infix(x, "|", NULL, e); return;
	case VY_OP_XOR: infix(x, "^", NULL, e); return;
	case VY_OP_EQ: compare(x, "==", false, e); return;
	case VY_OP_NE: compare(x, "!=", false, e); return;
	case VY_OP_LT: compare(x, "<", sgn, e); return;
	case VY_OP_LE: compare(x, "<=", sgn, e); return;
	case VY_OP_GT: compare(x, ">", sgn, e); return;
	case VY_OP_GE: compare(x, ">=", sgn, e); return;
	case VY_OP_SHL: shift(x, e, true, sgn); return;
	case VY_OP_SHR: shift(x, e, false, sgn); return;
	case VY_OP_DIV: call(x, sgn ? "vy_div_i" : "vy_div_u", e); return;
	case VY_OP_REM: call(x, sgn ? "vy_rem_i" : "vy_rem_u", e); return;
	case VY_OP_MIN: call(x, sgn ? "vy_min_i" : "vy_min_u", e); return;
	case VY_OP_MAX: call(x, sgn ? "vy_max_i" : "vy_max_u", e); return;
	case VY_OP_CLAMP: call(x, sgn ? "vy_clamp_i" : "vy_clamp_u", e); return;
	case VY_OP_NEG:
		vy_buf_puts(x->out, rs ? "(0u32.wrapping_sub(" : "(0u - ");
		print_x(x, e->args[0]);
		vy_buf_puts(x->out, rs ? "))" : ")");
		return;
	case VY_OP_NOT:
		vy_buf_puts(x->out, rs ? "(!" : "(~");
		print_x(x, e->args[0]);
		vy_buf_puts(x->out, ")");
		return;
	default:
		if (!x->err)
			x->err = vy_strf("the op '%s' cannot be evaluated at "
					 "launch time by a launcher. Fix: "
					 "compute this size with core "
					 "operators, min, max or clamp",
					 e->op->id);
	}
}

static void print_op(struct xp *x, const struct vy_expr *e)
{
	enum vy_opcode op = e->op->code;
	enum vy_type t = e->nargs ? e->args[0]->type : e->type;
	if (op == VY_OP_SELECT || op == VY_OP_LAND || op == VY_OP_LOR ||
	    op == VY_OP_LNOT) {
		logic(x, e);
		return;
	}
	if (op == VY_OP_CAST) {
		cast(x, e);
		return;
	}
	if (op == VY_OP_BITCAST) {
		print_x(x, e->args[0]);
		return;
	}
	if (t == VY_F32) {
		const char *fn = float_fn(op);
		if (fn) {
			call(x, fn, e);
			return;
		}
		if (!x->err)
			x->err = vy_strf("the f32 op '%s' cannot be evaluated "
					 "at launch time by a launcher. Fix: "
					 "compute this size with integer "
					 "operators", e->op->id);
		return;
	}
	if (t == VY_BOOL && (op == VY_OP_EQ || op == VY_OP_NE)) {
		compare(x, op == VY_OP_EQ ? "==" : "!=", false, e);
		return;
	}
	int_op(x, e, t == VY_I32);
}

static void print_x(struct xp *x, const struct vy_expr *e)
{
	switch (e->kind) {
	case VY_E_CONST:
		vy_buf_printf(x->out, x->lang == VY_LANG_C ? "%uu" : "%uu32",
			      e->bits);
		return;
	case VY_E_PARAM:
		vy_buf_printf(x->out, "p[%d]", e->index);
		return;
	case VY_E_LEN:
		vy_buf_printf(x->out, "c[%d]", e->index);
		return;
	case VY_E_OP:
		if (e->op && e->op->code < VY_OP_COUNT) {
			print_op(x, e);
			return;
		}
		/* fall through */
	default:
		if (!x->err)
			x->err = vy_strf("expression kind %d is not a "
					 "launch-time value (an internal "
					 "error)", e->kind);
	}
}

int vy_launcher_expr(struct vy_buf *out, const struct vy_program *prog,
		     const struct vy_expr *e, enum vy_lang lang, char **err)
{
	struct xp x = { out, prog, lang, NULL };
	print_x(&x, e);
	if (x.err) {
		*err = x.err;
		return -1;
	}
	return 0;
}

/* ---- tolerance: the one verify applies (check.c) ---- */

void vy_launcher_tolerance(const struct vy_program *p, double *ulp,
			   double *abs)
{
	struct vy_tol t = vy_check_tolerance(p);
	*ulp = t.ulp;
	*abs = t.abs;
}

/* ---- the data tree ---- */

static const char *access_name(enum vy_access a)
{
	return a == VY_READ_ONLY ? "read_only" :
	       a == VY_WRITE_ONLY ? "write_only" : "read_write";
}

static void set_int(struct vy_arena *a, struct vy_tval *m, const char *key,
		    unsigned long long v)
{
	vy_tset_str(a, m, key, vy_fmt(a, "%llu", v));
}

static void set_type(struct vy_arena *a, struct vy_tval *m, enum vy_type t)
{
	/* the spellings are the type table's (vyrec_types.def) */
	const struct vy_typeinfo *ti = vy_type_info(t);
	char up[16];
	size_t k = 0;
	for (; ti->name[k] && k + 1 < sizeof up; k++)
		up[k] = (char)(ti->name[k] >= 'a' && ti->name[k] <= 'z' ?
			       ti->name[k] - 'a' + 'A' : ti->name[k]);
	up[k] = 0;
	vy_tset_str(a, m, "type", ti->name);
	vy_tset_str(a, m, "type_upper", vy_strndup(a, up, k));
	vy_tset_str(a, m, "c_type", ti->c);
	vy_tset_str(a, m, "rs_type", ti->rust);
	vy_tset_str(a, m, "np_dtype", ti->npy);
	set_int(a, m, "elem_size", ti->size);
	/* the C launcher's view (SPEC §10.1): a buffer is lanes components of
	 * scalar type elem; host elements elem_size bytes, device ones stride */
	const struct vy_typeinfo *ei = vy_type_info(vy_type_elem(t));
	char eu[16];
	size_t j = 0;
	for (; ei->name[j] && j + 1 < sizeof eu; j++)
		eu[j] = (char)(ei->name[j] >= 'a' && ei->name[j] <= 'z' ?
			       ei->name[j] - 'a' + 'A' : ei->name[j]);
	eu[j] = 0;
	vy_tset_str(a, m, "elem_upper", vy_strndup(a, eu, j));
	vy_tset_str(a, m, "elem_npy", ei->npy);
	set_int(a, m, "lanes", vy_type_lanes(t));
	set_int(a, m, "stride", vy_type_stride(t));
	set_int(a, m, "comp_size", ei->size);
	vy_tset_bool(a, m, "is64", vy_type_is64(t));
	vy_tset_str(a, m, "c_elem", vy_type_lanes(t) > 1 ?
		    vy_fmt(a, "vy_%s", ti->name) : ti->c);
	/* the Cargo launcher's element: [f32; 4] for f32x4, else the scalar */
	vy_tset_str(a, m, "rs_elem", vy_type_lanes(t) > 1 ?
		    vy_fmt(a, "[%s; %u]", ei->rust, vy_type_lanes(t)) : ti->rust);
}

/* A C/Rust array body of n bytes (bytes) or n/4 words. */
static char *array_body(struct vy_arena *a, const void *p, size_t n,
			bool words, bool nul)
{
	struct vy_buf b = { 0 };
	const unsigned char *u = p;
	size_t per = words ? 8 : 12, k = words ? n / 4 : n;
	for (size_t i = 0; i < k; i++) {
		if (i % per == 0)
			vy_buf_puts(&b, "\t");
		if (words) {
			uint32_t w;
			memcpy(&w, u + 4 * i, 4);
			vy_buf_printf(&b, "0x%08x,", w);
		} else
			vy_buf_printf(&b, "0x%02x,", u[i]);
		bool eol = (i + 1) % per == 0 || i + 1 == k;
		vy_buf_puts(&b, eol && !(nul && i + 1 == k) ? "\n" : " ");
	}
	if (nul)
		vy_buf_puts(&b, k % per ? "0x00,\n" : "\t0x00,\n");
	char *s = vy_strndup(a, b.data ? (char *)b.data : "", b.len);
	vy_buf_free(&b);
	return s;
}

static char *value_text(struct vy_arena *a, enum vy_type t, uint32_t w,
			uint32_t hi)
{
	uint64_t v = (uint64_t)hi << 32 | w;
	if (t == VY_F64) {
		double d;
		memcpy(&d, &v, 8);
		return vy_fmt(a, "%.17g", d);
	}
	if (t == VY_I64)
		return vy_fmt(a, "%lld", (long long)(int64_t)v);
	if (t == VY_U64)
		return vy_fmt(a, "%llu", (unsigned long long)v);
	if (t == VY_F32) {
		float f;
		memcpy(&f, &w, 4);
		return vy_fmt(a, "%.9g", f);
	}
	if (t == VY_I32)
		return vy_fmt(a, "%d", (int32_t)w);
	return vy_fmt(a, "%u", w);
}

/* The struct field a param or buffer becomes in the libraries' API:
 * c_field (NAME.h) is the name, with a trailing '_' where it is a C or C++
 * keyword or one of the launcher's internal prefixes (prefix.h's macros);
 * rs_field (lib.rs) is r#name for a Rust keyword, name_ for the four that
 * cannot be raw. */
static bool in_list(const char *name, const char *const *v)
{
	for (; *v; v++)
		if (!strcmp(name, *v))
			return true;
	return false;
}

static void set_fields(struct vy_arena *a, struct vy_tval *m, const char *name)
{
	static const char *const c_kw[] = {
		"auto", "break", "case", "char", "const", "continue", "default", "do",
		"double", "else", "enum", "extern", "float", "for", "goto", "if",
		"inline", "int", "long", "register", "restrict", "return", "short",
		"signed", "sizeof", "static", "struct", "switch", "typedef", "union",
		"unsigned", "void", "volatile", "while", "_Alignas", "_Alignof",
		"_Atomic", "_Bool", "_Complex", "_Generic", "_Imaginary", "_Noreturn",
		"_Static_assert", "_Thread_local", "alignas", "alignof", "and",
		"and_eq", "asm", "bitand", "bitor", "bool", "catch", "char8_t",
		"char16_t", "char32_t", "class", "compl", "concept", "consteval",
		"constexpr", "constinit", "const_cast", "co_await", "co_return",
		"co_yield", "decltype", "delete", "dynamic_cast", "explicit", "export",
		"false", "friend", "mutable", "namespace", "new", "noexcept", "not",
		"not_eq", "nullptr", "operator", "or", "or_eq", "private", "protected",
		"public", "reinterpret_cast", "requires", "static_assert",
		"static_cast", "template", "this", "thread_local", "throw", "true",
		"try", "typeid", "typename", "using", "virtual", "wchar_t", "xor",
		"xor_eq", "lib_ctx", NULL
	};
	static const char *const rs_kw[] = {
		"as", "async", "await", "break", "const", "continue", "dyn", "else",
		"enum", "extern", "false", "fn", "for", "gen", "if", "impl", "in",
		"let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return",
		"static", "struct", "trait", "true", "try", "type", "unsafe", "use",
		"where", "while", "abstract", "become", "box", "do", "final", "macro",
		"override", "priv", "typeof", "unsized", "virtual", "yield", NULL
	};
	static const char *const rs_not_raw[] = { "crate", "self", "Self", "super", NULL };
	bool c_bad = in_list(name, c_kw) || !strncmp(name, "prog_", 5) ||
		     !strncmp(name, "drv_", 4) || !strncmp(name, "lib_", 4) ||
		     !strncmp(name, "vyvm_", 5);
	vy_tset_str(a, m, "c_field", c_bad ? vy_fmt(a, "%s_", name) : name);
	vy_tset_str(a, m, "rs_field", in_list(name, rs_not_raw) ? vy_fmt(a, "%s_", name) :
		    in_list(name, rs_kw) ? vy_fmt(a, "r#%s", name) : name);
}

static void data_params(struct vy_arena *a, struct vy_tval *root,
			const struct vy_launcher_request *r)
{
	const struct vy_program *p = r->prog;
	struct vy_tval *list = vy_tset_list(a, root, "params");
	for (int i = 0; i < p->nparams; i++) {
		struct vy_tval *m = vy_tlist_add(a, list);
		uint32_t w = r->selftest.params[i];
		uint32_t hi = r->selftest.params[VY_MAX_PARAMS + i];
		bool w64 = vy_type_is64(p->params[i].type);
		vy_tset_str(a, m, "name", p->params[i].name);
		set_fields(a, m, p->params[i].name);
		set_type(a, m, p->params[i].type);
		set_int(a, m, "index", (unsigned)i);
		set_int(a, m, "offset", vy_param_offset(p, i));
		/* 64-bit params: all 64 bits (their high word at VY_MAX_PARAMS + i) */
		vy_tset_str(a, m, "selftest_bits", w64 ? vy_fmt(a, "0x%08x%08x", hi, w) :
			    vy_fmt(a, "0x%08x", w));
		vy_tset_str(a, m, "selftest_text",
			    value_text(a, p->params[i].type, w, hi));
		vy_tset_bool(a, m, "last", i + 1 == p->nparams);
	}
}

static char *expr_text(struct vy_arena *a, const struct vy_program *p,
		       const struct vy_expr *e, enum vy_lang lang, char **err)
{
	struct vy_buf b = { 0 };
	if (!e)
		vy_buf_puts(&b, lang == VY_LANG_C ? "1u" : "1u32");
	else if (vy_launcher_expr(&b, p, e, lang, err)) {
		vy_buf_free(&b);
		return NULL;
	}
	char *s = vy_strndup(a, (char *)b.data, b.len);
	vy_buf_free(&b);
	return s;
}

/* What the launcher runtimes cannot run yet (SPEC §10.1, §10.5): NULL, or
 * why, with a Fix (vy_strf). */
char *vy_launcher_unsupported(const struct vy_program *p)
{
	(void)p;   /* both runtimes run every type but f16 vectors (vy_launcher_types_unsupported) */
	return NULL;
}

/* The element types the launchers (C and Cargo) run (SPEC §10.1): every
 * scalar and storage type (f16 as its 16 bits), the vectors of u32 i32 f32. */
static bool c_elem_ok(enum vy_type t)
{
	switch (vy_type_elem(t)) {
	case VY_U32: case VY_I32: case VY_F32: case VY_U8: case VY_I8:
	case VY_U16: case VY_I16: case VY_BF16: case VY_F64: case VY_U64:
	case VY_I64:
		return true;
	case VY_F16: case VY_F16S:   /* f16 vectors: not yet */
		return vy_type_lanes(t) == 1;
	default:
		return false;
	}
}

char *vy_launcher_types_unsupported(const struct vy_program *p, const char *lang)
{
	if (p->nparts > 1 || p->npipe)   /* the runtimes' steps keep one word a param */
		for (int i = 0; i < p->nparams; i++)
			if (vy_type_is64(p->params[i].type))
				return vy_strf("param '%s' is %s in a pipeline; the launchers "
					       "do not pass 64-bit params to pipelines yet. Fix: "
					       "run it with vyrec run or vyrec verify, or make the "
					       "param u32/i32/f32", p->params[i].name,
					       vy_type_name(p->params[i].type));
	for (int i = 0; i < p->nparams; i++)
		if (!c_elem_ok(p->params[i].type))
			return vy_strf("param '%s' has type %s; the %s launcher does not "
				       "support it yet. Fix: run it with vyrec run, or "
				       "declare the param u32/i32/f32/f64/u64/i64",
				       p->params[i].name, vy_type_name(p->params[i].type), lang);
	for (int i = 0; i < p->nbuffers; i++) {
		const struct vy_bufdecl *d = &p->buffers[i];
		if (!c_elem_ok(d->type))
			return vy_strf("buffer '%s' has %s elements; the %s launcher does "
				       "not support them yet. Fix: run it with vyrec run, "
				       "or declare the buffer u32/i32/f32", d->name,
				       vy_type_name(d->type), lang);
	}
	return NULL;
}

static int data_buffers(struct vy_arena *a, struct vy_tval *root,
			const struct vy_launcher_request *r, char **err)
{
	const struct vy_program *p = r->prog;
	char *why = vy_launcher_unsupported(p);
	if (why) {
		*err = why;
		return -1;
	}
	struct vy_tval *list = vy_tset_list(a, root, "buffers");
	for (int i = 0; i < p->nbuffers; i++) {
		const struct vy_bufdecl *d = &p->buffers[i];
		struct vy_tval *m = vy_tlist_add(a, list);
		uint32_t n = r->selftest.counts[i];
		bool exp = r->expected && r->expected[i] &&
			   d->access != VY_READ_ONLY;
		char *cc = expr_text(a, p, d->count, VY_LANG_C, err);
		char *cr = cc ? expr_text(a, p, d->count, VY_LANG_RUST, err) : NULL;
		if (!cr)
			return -1;
		vy_tset_str(a, m, "name", d->name);
		set_fields(a, m, d->name);
		set_type(a, m, d->type);
		set_int(a, m, "binding", (unsigned)d->binding);
		set_int(a, m, "index", (unsigned)i);
		vy_tset_str(a, m, "access", access_name(d->access));
		vy_tset_str(a, m, "access_upper", d->access == VY_READ_ONLY ? "READ_ONLY" :
			    d->access == VY_WRITE_ONLY ? "WRITE_ONLY" : "READ_WRITE");
		vy_tset_bool(a, m, "is_input", d->access != VY_WRITE_ONLY);
		vy_tset_bool(a, m, "is_output", d->access != VY_READ_ONLY);
		vy_tset_str(a, m, "count_text", d->count_text ? d->count_text : "?");
		vy_tset_str(a, m, "count_c", cc);
		vy_tset_str(a, m, "count_rs", cr);
		set_int(a, m, "selftest_count", n);
		set_int(a, m, "seed", r->seed + (uint64_t)d->binding);
		/* words (the Cargo launcher's u32 slots): 4-byte elements
		 * only, the host buffers hold elem_size * n bytes */
		bool w4 = vy_buffer_elem_size(p, i) == 4;
		vy_tset_str(a, m, "expected", exp && w4 ?
			    array_body(a, r->expected[i], 4 * (size_t)n, true,
				       false) : "");
		vy_tset_bool(a, m, "has_expected", exp);
		set_int(a, m, "nexpected", exp ? n : 0);
		/* the C launcher's: host bytes of any element size */
		size_t hb = (size_t)vy_type_size(d->type) * n;
		vy_tset_str(a, m, "expected_bytes", exp ?
			    array_body(a, r->expected[i], hb, false, false) : "");
		set_int(a, m, "nexpected_bytes", exp ? hb : 0);
		/* --selftest-in: the input itself, else random:seed */
		bool in = r->inputs && r->inputs[i];
		vy_tset_str(a, m, "input", in && w4 ? array_body(a, r->inputs[i],
			    4 * (size_t)n, true, false) : "");
		vy_tset_bool(a, m, "has_input", in);
		set_int(a, m, "ninput", in ? n : 0);
		vy_tset_str(a, m, "input_bytes", in ? array_body(a, r->inputs[i],
			    hb, false, false) : "");
		set_int(a, m, "ninput_bytes", in ? hb : 0);
		vy_tset_bool(a, m, "last", i + 1 == p->nbuffers);
	}
	return 0;
}

static int data_dispatch(struct vy_arena *a, struct vy_tval *root,
			 const struct vy_launcher_request *r, char **err)
{
	const struct vy_program *p = r->prog;
	struct vy_tval *list = vy_tset_list(a, root, "dispatch");
	for (int ax = 0; ax < 3; ax++) {
		struct vy_tval *m = vy_tlist_add(a, list);
		const struct vy_expr *e = ax < p->ndispatch ? p->dispatch[ax] : NULL;
		char *cc = expr_text(a, p, e, VY_LANG_C, err);
		char *cr = cc ? expr_text(a, p, e, VY_LANG_RUST, err) : NULL;
		if (!cr)
			return -1;
		set_int(a, m, "axis", (unsigned)ax);
		vy_tset_str(a, m, "axis_name", (const char *[]){"x", "y", "z"}[ax]);
		vy_tset_str(a, m, "expr_c", cc);
		vy_tset_str(a, m, "expr_rs", cr);
		vy_tset_str(a, m, "text", e ? vy_dispatch_text(p, ax) : "1");
		set_int(a, m, "wg", p->wgsize[ax] ? p->wgsize[ax] : 1);
		vy_tset_bool(a, m, "last", ax == 2);
	}
	set_int(a, root, "ndispatch", (unsigned)p->ndispatch);
	return 0;
}

/* The shortest %g text that reads back as d (json.c). */
static char *shortest(struct vy_arena *a, double d)
{
	char buf[32];
	return vy_strdup(a, vy_json_num(buf, d));
}

static void data_top(struct vy_arena *a, struct vy_tval *root,
		     const struct vy_launcher_request *r)
{
	const struct vy_program *p = r->prog;
	const char *t = r->target->id;
	double ulp, abs;
	vy_tset_str(a, root, "name", r->name);
	vy_tset_str(a, root, "lib", r->name);   /* the name inside {{#buffers}} */
	vy_tset_str(a, root, "program", p->name);
	vy_tset_str(a, root, "description", p->description ? p->description : "");
	vy_tset_bool(a, root, "has_description", p->description && *p->description);
	vy_tset_str(a, root, "target", t);
	vy_tset_bool(a, root, "is_spv", !strcmp(t, "spv"));
	vy_tset_bool(a, root, "is_ptx", !strcmp(t, "ptx"));
	vy_tset_bool(a, root, "is_reference", !strcmp(t, "reference"));
	vy_tset_str(a, root, "version", VY_VERSION);
	vy_tset_str(a, root, "entry", p->entry_point ? p->entry_point :
		    !strcmp(t, "ptx") ? p->name : "main");
	set_int(a, root, "wg_x", p->wgsize[0]);
	set_int(a, root, "wg_y", p->wgsize[1]);
	set_int(a, root, "wg_z", p->wgsize[2]);
	set_int(a, root, "grid_x", r->selftest.grid[0]);
	set_int(a, root, "grid_y", r->selftest.grid[1]);
	set_int(a, root, "grid_z", r->selftest.grid[2]);
	vy_tset_bool(a, root, "with_bench", r->with_bench);
	set_int(a, root, "nparams", (unsigned)p->nparams);
	set_int(a, root, "nbuffers", (unsigned)p->nbuffers);
	set_int(a, root, "nparams1", (unsigned)(p->nparams ? p->nparams : 1));
	set_int(a, root, "nbuffers1", (unsigned)(p->nbuffers ? p->nbuffers : 1));
	vy_tset_bool(a, root, "has_params", p->nparams > 0);
	vy_tset_bool(a, root, "has_buffers", p->nbuffers > 0);
	vy_tset_str(a, root, "kernel_bytes", array_body(a, r->kernel,
		    r->kernel_len, false, !strcmp(t, "ptx")));
	set_int(a, root, "kernel_len", r->kernel_len);
	vy_tset_bool(a, root, "reads_nwg", vy_block_reads_builtin(VY_B_NWG, &p->entry));
	/* spv: the fma variants, embedded only where they differ */
	vy_tset_str(a, root, "kernel_f64_bytes", r->kernel_f64 ? array_body(a,
		    r->kernel_f64, r->kernel_f64_len, false, false) : "\t0x00,\n");
	set_int(a, root, "kernel_f64_len", r->kernel_f64 ? r->kernel_f64_len : 0);
	vy_tset_str(a, root, "kernel_khr_bytes", r->kernel_khr ? array_body(a,
		    r->kernel_khr, r->kernel_khr_len, false, false) : "\t0x00,\n");
	set_int(a, root, "kernel_khr_len", r->kernel_khr ? r->kernel_khr_len : 0);
	vy_tset_str(a, root, "manifest", r->manifest ? r->manifest : "");
	/* the C launcher: the param block's bytes (8-byte params aligned, as
	 * the emitters lay it out) and the device features the program needs:
	 * 1 shaderFloat64, 2 shaderInt64, 4 storageBuffer8BitAccess, 8
	 * storageBuffer16BitAccess (the feature column of vyrec_types.def), 16
	 * shaderFloat16 (f16 anywhere) */
	unsigned uses = vy_program_uses(p), needs = 0;
	needs |= uses & VY_USES_F64 ? 1u : 0u;
	needs |= uses & (VY_USES_U64 | VY_USES_I64) ? 2u : 0u;
	needs |= p->uses_f16 ? 16u : 0u;   /* shaderFloat16, as the vulkan backend */
	for (int i = 0; i < p->nbuffers; i++) {
		const char *f = vy_type_info(p->buffers[i].type)->feature;
		needs |= !strcmp(f, "storageBuffer8BitAccess") ? 4u :
			 !strcmp(f, "storageBuffer16BitAccess") ? 8u : 0u;
	}
	set_int(a, root, "device_needs", needs);
	struct vy_tval *types = vy_tset_list(a, root, "types");
	for (int t = 0; t < VY_TYPE_COUNT; t++)
		if (vy_type_lanes((enum vy_type)t) == 1 && c_elem_ok((enum vy_type)t))
			set_type(a, vy_tlist_add(a, types), (enum vy_type)t);
	set_int(a, root, "param_bytes", vy_param_block_size(p));
	set_int(a, root, "selftest_seed", r->seed);
	vy_launcher_tolerance(p, &ulp, &abs);
	vy_tset_str(a, root, "tol_ulp", shortest(a, ulp));
	vy_tset_str(a, root, "tol_abs", shortest(a, abs));
}

/* ---- pipelines (SPEC §10.5) ---- */

/* C: tabs; Rust: rustfmt's four spaces */
static void indent_lang(struct vy_buf *b, int d, enum vy_lang lang)
{
	for (int i = 0; i < d; i++)
		vy_buf_puts(b, lang == VY_LANG_C ? "\t" : "    ");
}
#define indent(b, d) indent_lang(b, d, lang)

/* The pipeline's steps as C (lang C) or Rust statements over p (the
 * params, the host for: variables set in place), c (the counts) and
 * step(part, p): the loops of vy_pipeline_flatten (src/pipeline.c). */
static int pipe_code(struct vy_buf *b, const struct vy_program *p,
		     const struct vy_pipe *v, int n, int d, enum vy_lang lang,
		     int *uid, char **err)
{
	bool c = lang == VY_LANG_C;
	for (int i = 0; i < n; i++) {
		const struct vy_pipe *s = &v[i];
		int u = ++*uid;
		switch (s->kind) {
		case VY_PIPE_PART:
			indent(b, d);
			vy_buf_printf(b, c ? "if (step(ctx, %d, p))\n" : "step(%d, p)?;\n",
				      s->part);
			if (c) {
				indent(b, d + 1);
				vy_buf_puts(b, "return -1;\n");
			}
			break;
		case VY_PIPE_REPEAT:
			indent(b, d);
			vy_buf_printf(b, c ? "for (uint32_t r%d = 0, n%d = " : "for _ in 0..", u, u);
			if (vy_launcher_expr(b, p, s->count, lang, err))
				return -1;
			vy_buf_printf(b, c ? "; r%d < n%d; r%d++) {  /* repeat: %s */\n" :
				      " {\n", u, u, u, s->text ? s->text : "");
			if (pipe_code(b, p, s->body, s->n, d + 1, lang, uid, err))
				return -1;
			indent(b, d);
			vy_buf_puts(b, "}\n");
			break;
		case VY_PIPE_FOR:
			/* the bounds are evaluated once, before the variable is set */
			indent(b, d);
			vy_buf_printf(b, c ? "{  /* for: %s */\n" : "{\n", s->text ? s->text : "");
			indent(b, d + 1);
			vy_buf_printf(b, c ? "uint32_t s%d = p[%d];\n" : "let s%d = p[%d];\n",
				      u, s->param);
			indent(b, d + 1);
			vy_buf_printf(b, c ? "for (uint32_t x%d = " : "for x%d in ", u);
			if (vy_launcher_expr(b, p, s->lo, lang, err))
				return -1;
			if (c)
				vy_buf_printf(b, ", h%d = ", u);
			else
				vy_buf_puts(b, "..");
			if (vy_launcher_expr(b, p, s->hi, lang, err))
				return -1;
			if (c)
				vy_buf_printf(b, "; x%d < h%d; x%d++) {\n", u, u, u);
			else
				vy_buf_puts(b, " {\n");
			indent(b, d + 2);
			vy_buf_printf(b, "p[%d] = x%d;\n", s->param, u);
			if (pipe_code(b, p, s->body, s->n, d + 2, lang, uid, err))
				return -1;
			indent(b, d + 1);
			vy_buf_puts(b, "}\n");
			indent(b, d + 1);
			vy_buf_printf(b, "p[%d] = s%d;\n", s->param, u);
			indent(b, d);
			vy_buf_puts(b, "}\n");
			break;
		}
	}
	return 0;
}

static int data_pipeline(struct vy_arena *a, struct vy_tval *root,
			 const struct vy_launcher_request *r, char **err)
{
	const struct vy_program *p = r->prog;
	bool ptx = !strcmp(r->target->id, "ptx"), ref = !strcmp(r->target->id, "reference");
	bool piped = p->nparts > 1 || p->npipe;
	struct vy_tval *list = vy_tset_list(a, root, "parts");
	size_t off = 0;
	for (int i = 0; i < p->nparts; i++) {
		const struct vy_program *q = p->parts[i];
		struct vy_tval *m = vy_tlist_add(a, list);
		vy_tset_str(a, m, "entry", q->entry_point ? q->entry_point :
			    ptx ? p->name : "main");
		set_int(a, m, "index", (unsigned)i);
		set_int(a, m, "wg_x", q->wgsize[0] ? q->wgsize[0] : 1);
		set_int(a, m, "wg_y", q->wgsize[1] ? q->wgsize[1] : 1);
		set_int(a, m, "wg_z", q->wgsize[2] ? q->wgsize[2] : 1);
		vy_tset_bool(a, m, "reads_nwg", vy_block_reads_builtin(VY_B_NWG, &q->entry));
		/* reference: the parts' .vyref modules one after the other,
		 * each 24 header bytes and its body_length (src/vm.h) */
		size_t len = r->kernel_len - off;
		if (ref && piped && off + 24 <= r->kernel_len) {
			uint32_t body;
			memcpy(&body, (const unsigned char *)r->kernel + off + 12, 4);
			len = 24 + (size_t)body;
		}
		if (!ref || !piped)
			len = r->kernel_len, off = 0;
		set_int(a, m, "koff", off);
		set_int(a, m, "klen", len);
		if (ref && piped)
			off += len;
		struct vy_tval *dl = vy_tset_list(a, m, "axes");
		for (int ax = 0; ax < 3; ax++) {
			struct vy_tval *d = vy_tlist_add(a, dl);
			const struct vy_expr *e = ax < q->ndispatch ? q->dispatch[ax] : NULL;
			char *cc = expr_text(a, q, e, VY_LANG_C, err);
			char *cr = cc ? expr_text(a, q, e, VY_LANG_RUST, err) : NULL;
			if (!cr)
				return -1;
			set_int(a, d, "axis", (unsigned)ax);
			vy_tset_str(a, d, "expr_c", cc);
			vy_tset_str(a, d, "expr_rs", cr);
			vy_tset_str(a, d, "text", e ? vy_dispatch_text(q, ax) : "1");
		}
		vy_tset_bool(a, m, "last", i + 1 == p->nparts);
	}
	if (ref && piped && off != r->kernel_len) {
		*err = vy_strf("the reference module of '%s' does not hold its %d kernel "
			       "parts (an internal error)", p->name, p->nparts);
		return -1;
	}
	set_int(a, root, "nparts", (unsigned)p->nparts);
	vy_tset_bool(a, root, "pipelined", piped);
	for (int l = 0; l < 2; l++) {
		enum vy_lang lang = l ? VY_LANG_RUST : VY_LANG_C;
		struct vy_buf b = { 0 };
		int uid = 0;
		int rc = p->npipe ? pipe_code(&b, p, p->pipe, p->npipe, 1, lang, &uid, err) :
			 pipe_code(&b, p, &(struct vy_pipe){ .kind = VY_PIPE_PART }, 1, 1,
				   lang, &uid, err);
		if (rc) {
			vy_buf_free(&b);
			return -1;
		}
		vy_tset_str(a, root, l ? "pipeline_rs" : "pipeline_c",
			    vy_strndup(a, b.data ? (char *)b.data : "", b.len));
		vy_buf_free(&b);
	}
	return 0;
}

struct vy_tval *vy_launcher_data(struct vy_arena *a,
				 const struct vy_launcher_request *r,
				 char **err)
{
	struct vy_tval *root = vy_tmap(a);
	data_top(a, root, r);
	data_params(a, root, r);
	if (data_buffers(a, root, r, err) || data_dispatch(a, root, r, err) ||
	    data_pipeline(a, root, r, err))
		return NULL;
	return root;
}

/* ---- templates ---- */

struct vy_embedded { const char *path; const unsigned char *data; size_t len; };
extern const struct vy_embedded vy_templates[];

static const struct vy_embedded *embedded(const char *rel)
{
	for (const struct vy_embedded *e = vy_templates; e->path; e++)
		if (!strcmp(e->path, rel))
			return e;
	return NULL;
}

char *vy_launcher_template(const char *dir, const char *rel, size_t *len,
			   char **err)
{
	if (dir && strncmp(rel, "vm/", 3)) {
		char *path = vy_strf("%s/%s", dir, rel);
		char *s = vy_read_file(path, len, VY_MAX_FILE, err);
		free(path);
		return s;
	}
	const struct vy_embedded *e = embedded(rel);
	if (!e) {
		*err = vy_strf("template '%s' is not built into this vyrec "
			       "(an internal error)", rel);
		return NULL;
	}
	char *s = malloc(e->len + 1);
	if (!s)
		vy_bug("out of memory");
	memcpy(s, e->data, e->len);
	s[e->len] = 0;
	*len = e->len;
	return s;
}

const char **vy_launcher_templates(const char *prefix, int *n)
{
	static const char *v[64];
	size_t k = strlen(prefix);
	*n = 0;
	for (const struct vy_embedded *e = vy_templates; e->path && *n < 64; e++)
		if (!strncmp(e->path, prefix, k))
			v[(*n)++] = e->path;
	return v;
}

int vy_launcher_add_bytes(struct vy_launcher_files *out, const char *path,
			  const void *p, size_t n, char **err)
{
	int cap = (int)(sizeof out->v / sizeof out->v[0]);
	if (out->n >= cap) {
		*err = vy_strf("a launcher project has at most %d files "
			       "(an internal error)", cap);
		return -1;
	}
	struct vy_launcher_file *f = &out->v[out->n++];
	memset(f, 0, sizeof *f);
	f->path = vy_strf("%s", path);
	vy_buf_put(&f->data, p, n);
	return 0;
}

static bool ends_with(const char *s, const char *suf)
{
	size_t n = strlen(s), k = strlen(suf);
	return n >= k && !strcmp(s + n - k, suf);
}

int vy_launcher_add(const struct vy_launcher_request *r,
		    const struct vy_tval *data, const char *rel,
		    const char *path, struct vy_launcher_files *out,
		    char **err)
{
	size_t len;
	char *text = vy_launcher_template(r->template_dir, rel, &len, err);
	if (!text)
		return -1;
	if (!ends_with(rel, ".mustache")) {
		int rc = vy_launcher_add_bytes(out, path, text, len, err);
		free(text);
		return rc;
	}
	struct vy_buf b = { 0 };
	int rc = vy_template_render(rel, text, len, data, &b, err);
	free(text);
	if (!rc)
		rc = vy_launcher_add_bytes(out, path, b.data ? (char *)b.data : "",
					   b.len, err);
	vy_buf_free(&b);
	return rc;
}

int vy_launcher_add_all(const struct vy_launcher_request *r,
			const struct vy_tval *data, const char *prefix,
			bool (*skip)(const char *rel, void *ctx), void *ctx,
			struct vy_launcher_files *out, char **err)
{
	int n;
	const char **v = vy_launcher_templates(prefix, &n);
	for (int i = 0; i < n; i++) {
		if (skip && skip(v[i], ctx))
			continue;
		char *path = vy_strf("%s", v[i] + strlen(prefix));
		if (ends_with(path, ".mustache"))
			path[strlen(path) - strlen(".mustache")] = 0;
		/* a file named NAME.* is named for the project: src/NAME.h */
		char *base = strrchr(path, '/');
		base = base ? base + 1 : path;
		if (!strncmp(base, "NAME.", 5)) {
			char *named = vy_strf("%.*s%s%s", (int)(base - path), path,
					      r->name, base + 4);
			free(path);
			path = named;
		}
		int rc = vy_launcher_add(r, data, v[i], path, out, err);
		free(path);
		if (rc)
			return -1;
	}
	return 0;
}

void vy_launcher_files_free(struct vy_launcher_files *f)
{
	for (int i = 0; i < f->n; i++) {
		free(f->v[i].path);
		vy_buf_free(&f->v[i].data);
	}
	f->n = 0;
}
