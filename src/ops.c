/*
 * ops.c: the built-in op definitions of core, math and atomic, made from
 * vyrec_ops.def, and the type table of vyrec_types.def.
 */
#include <pthread.h>
#include <string.h>

#include "vyrec.h"

static const struct vy_typeinfo types[VY_TYPE_COUNT] = {
#define VY_TYPE(e, n, sz, cl, v, c, r, np, w, s, pm, pr, g, f) \
	{ n, sz, VY_TC_##cl, VY_##v, c, r, np, w, s, pm, pr, g, f },
#include "vyrec_types.def"
#undef VY_TYPE
};

const struct vy_typeinfo *vy_type_info(enum vy_type t)
{
	return &types[(unsigned)t < VY_TYPE_COUNT ? t : VY_VOID];
}

const char *vy_type_name(enum vy_type t)
{
	return (unsigned)t < VY_TYPE_COUNT ? types[t].name : "?";
}

unsigned vy_type_size(enum vy_type t)
{
	return vy_type_info(t)->size;
}

enum vy_type vy_type_value(enum vy_type t)
{
	return vy_type_info(t)->value;
}

static const struct { enum vy_type vec, elem; unsigned n; } vecs[] = {
#define VY_VEC(e, el, n) { VY_##e, VY_##el, n },
#include "vyrec_types.def"
#undef VY_VEC
};

unsigned vy_type_lanes(enum vy_type t)
{
	for (size_t i = 0; i < sizeof vecs / sizeof *vecs; i++)
		if (vecs[i].vec == t)
			return vecs[i].n;
	return 1;
}

enum vy_type vy_type_elem(enum vy_type t)
{
	for (size_t i = 0; i < sizeof vecs / sizeof *vecs; i++)
		if (vecs[i].vec == t)
			return vecs[i].elem;
	return t;
}

enum vy_type vy_type_vec(enum vy_type elem, unsigned n)
{
	if (n == 1)
		return elem;
	for (size_t i = 0; i < sizeof vecs / sizeof *vecs; i++)
		if (vecs[i].elem == elem && vecs[i].n == n)
			return vecs[i].vec;
	return VY_VOID;
}

unsigned vy_type_stride(enum vy_type t)
{
	/* x3: padded to 4 components (f32x3 16 bytes, f16x3 8) */
	return vy_type_lanes(t) == 3 ? 4 * vy_type_size(vy_type_elem(t)) : vy_type_size(t);
}

enum vy_type vy_type_parse(const char *s, size_t n, bool *reserved)
{
	static const char *const reserved_names[] = {
		"vec2", "vec3", "vec4", "ivec2", "ivec3", "ivec4", "uvec2",
		"uvec3", "uvec4", NULL
	};
	*reserved = false;
	for (int t = VY_BOOL; t < VY_TYPE_COUNT; t++)
		if (types[t].cls != VY_TC_ABSTRACT && strlen(types[t].name) == n &&
		    !strncmp(types[t].name, s, n))
			return (enum vy_type)t;
	for (int i = 0; reserved_names[i]; i++)
		if (strlen(reserved_names[i]) == n && !strncmp(reserved_names[i], s, n))
			*reserved = true;
	return VY_VOID;
}

/* ---- the op table, as data (no parsing: vyrec_ops.def's columns are
 * tokens that these macros turn into initialisers) ---- */

/* P(name, CLASS): the class and type of CLASS */
#define PC_INT   .cls = VY_PC_INT
#define PC_FLOAT .cls = VY_PC_FLOAT
#define PC_NUM   .cls = VY_PC_NUM
#define PC_ANY   .cls = VY_PC_ANY
#define PC_BOOL  .cls = VY_PC_TYPE, .type = VY_BOOL
#define PC_U32   .cls = VY_PC_TYPE, .type = VY_U32
#define PC_I32   .cls = VY_PC_TYPE, .type = VY_I32
#define PC_F32   .cls = VY_PC_TYPE, .type = VY_F32
#define MOD_PLAIN
#define MOD_INDEP .indep = true
#define MOD_REF   .ref = true

#define MAXP 3
static const struct vy_opparam params[VY_OP_COUNT][MAXP + 1] = {
#define VY_PARAM(n, c, m) { .name = #n, PC_##c, MOD_##m },
#define VY_OP(e, d, n, sig, res, ulp, abs) [VY_OP_##e] = { sig { 0 } },
#include "vyrec_ops.def"
#undef VY_OP
#undef VY_PARAM
};

/* The printable signature "a:num, b:int'": each param gives ", a:num";
 * the row's text plus "\0\0", from its third character, drops the first
 * ", " (and is "" for P_NONE). */
#define SPELL_INT   "int"
#define SPELL_FLOAT "float"
#define SPELL_NUM   "num"
#define SPELL_ANY   "any"
#define SPELL_BOOL  "bool"
#define SPELL_U32   "u32"
#define SPELL_I32   "i32"
#define SPELL_F32   "f32"
#define PRE_PLAIN  ""
#define PRE_INDEP  ""
#define PRE_REF    "&"
#define POST_PLAIN ""
#define POST_INDEP "'"
#define POST_REF   ""
static const char *const sigs[VY_OP_COUNT] = {
#define VY_PARAM(n, c, m) ", " #n ":" PRE_##m SPELL_##c POST_##m
#define VY_OP(e, d, n, sig, res, ulp, abs) [VY_OP_##e] = (sig "\0\0") + 2,
#include "vyrec_ops.def"
#undef VY_OP
#undef VY_PARAM
};

/* result column: SAME, CAST or a concrete type */
#define RES_SAME  .rule = VY_RES_SAME, .result = "same"
#define RES_CAST  .rule = VY_RES_CAST, .result = "cast"
#define RES_BOOL  .rule = VY_RES_TYPE, .ret = VY_BOOL, .result = "bool"
#define RES_U32   .rule = VY_RES_TYPE, .ret = VY_U32, .result = "u32"
#define RES_I32   .rule = VY_RES_TYPE, .ret = VY_I32, .result = "i32"
#define RES_F32   .rule = VY_RES_TYPE, .ret = VY_F32, .result = "f32"
#define RES_U32X4 .rule = VY_RES_TYPE, .ret = VY_U32X4, .result = "u32x4"

static struct vy_opdef defs[VY_OP_COUNT] = {
#define VY_PARAM(n, c, m) + 1
#define VY_OP(e, d, n, sig, res, u, ab) [VY_OP_##e] = { \
	.id = #d "." #n, .dialect = #d, .name = #n, .registrant = "builtin", \
	.cat = VY_INTRINSIC, .code = VY_OP_##e, .nparams = 0 sig, \
	.params = params[VY_OP_##e], RES_##res, .ulp = u, .abs = ab },
#include "vyrec_ops.def"
#undef VY_OP
#undef VY_PARAM
};

/* --fast-math bounds; ops not in VY_FAST keep their exact bound */
static const double fast_bound[VY_OP_COUNT][2] = {
#define VY_FAST(e, ulp, abs) [VY_OP_##e] = { ulp, abs },
#include "vyrec_ops.def"
#undef VY_FAST
};

static pthread_once_t once = PTHREAD_ONCE_INIT;

/* What the rows' one initialiser cannot say: the signature (sigs reads the
 * params column with another VY_PARAM) and the fast bound, never below the
 * exact one.  Copies, not parsing. */
static void build(void)
{
	for (int i = 0; i < VY_OP_COUNT; i++) {
		struct vy_opdef *d = &defs[i];
		d->signature = sigs[i];
		d->fast_ulp = fast_bound[i][0] > d->ulp ? fast_bound[i][0] : d->ulp;
		d->fast_abs = fast_bound[i][1] > d->abs ? fast_bound[i][1] : d->abs;
	}
}

const char *vy_opparam_class(const struct vy_opparam *p)
{
	static const char *const names[][3] = {   /* [cls][plain, indep, ref] */
		[VY_PC_INT] = { "int", "int'", "&int" },
		[VY_PC_FLOAT] = { "float", "float'", "&float" },
		[VY_PC_NUM] = { "num", "num'", "&num" },
		[VY_PC_ANY] = { "any", "any'", "&any" },
	};
	if (p->cls == VY_PC_TYPE)
		return vy_type_name(p->type);
	return names[p->cls][p->ref ? 2 : p->indep];
}

const struct vy_opdef *vy_builtin_op(enum vy_opcode code)
{
	pthread_once(&once, build);
	return (unsigned)code < VY_OP_COUNT ? &defs[code] : NULL;
}

/* ---- tolerance (verify, launcher self-tests) ---- */

static double dmax(double a, double b) { return a > b ? a : b; }

static void tol_expr(const struct vy_expr *e, bool fast, double *ulp, double *abs)
{
	if (!e)
		return;
	if (e->kind == VY_E_OP && e->op && (e->type == VY_F32 ||
	    (e->nargs && e->args[0]->type == VY_F32))) {
		*ulp = dmax(*ulp, e->op->ulp);
		*abs = dmax(*abs, e->op->abs);
		if (fast) {
			*ulp = dmax(*ulp, e->op->fast_ulp);
			*abs = dmax(*abs, e->op->fast_abs);
		}
	}
	for (int i = 0; i < e->nargs; i++)
		tol_expr(e->args[i], fast, ulp, abs);
}

static void tol_block(const struct vy_block *b, bool fast, double *ulp, double *abs)
{
	for (int i = 0; i < b->n; i++) {
		const struct vy_stmt *s = b->v[i];
		tol_expr(s->index, fast, ulp, abs);
		tol_expr(s->value, fast, ulp, abs);
		tol_expr(s->lo, fast, ulp, abs);
		tol_expr(s->hi, fast, ulp, abs);
		tol_expr(s->step, fast, ulp, abs);
		tol_block(&s->body, fast, ulp, abs);
		tol_block(&s->els, fast, ulp, abs);
	}
}

/* Decision (SPEC is silent): under --fast-math a declared `tolerance`
 * still applies, widened to the fast bounds of the ops the program uses,
 * since it was written for the exact lowerings. */
void vy_program_tolerance(const struct vy_program *p, double *ulp, double *abs)
{
	*ulp = *abs = 0;
	if (!p->has_tolerance || p->fast_math)
		for (int i = 0; i < (p->nparts > 1 ? p->nparts : 1); i++)   /* SPEC §10.5 */
			tol_block(&(p->nparts > 1 ? p->parts[i] : p)->entry, p->fast_math, ulp, abs);
	if (p->has_tolerance && p->fast_math) {
		*ulp = dmax(p->tol_ulp, *ulp);
		*abs = dmax(p->tol_abs, *abs);
	} else if (p->has_tolerance) {
		*ulp = p->tol_ulp;
		*abs = p->tol_abs;
	}
}
