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

struct spec {
	const char *dialect, *name, *sig, *result;
	double ulp, abs;
};

static const struct spec specs[VY_OP_COUNT] = {
#define VY_OP(e, d, n, sig, res, ulp, abs) { #d, #n, sig, res, ulp, abs },
#include "vyrec_ops.def"
#undef VY_OP
};

/* --fast-math bounds; ops not in VY_FAST keep their exact bound */
static const double fast_bound[VY_OP_COUNT][2] = {
#define VY_FAST(e, ulp, abs) [VY_OP_##e] = { ulp, abs },
#include "vyrec_ops.def"
#undef VY_FAST
};

#define MAXP 3
static struct vy_opdef defs[VY_OP_COUNT];
static struct vy_opparam params[VY_OP_COUNT][MAXP];
static char ids[VY_OP_COUNT][48];
static char names[VY_OP_COUNT][MAXP][16], classes[VY_OP_COUNT][MAXP][16];
static pthread_once_t once = PTHREAD_ONCE_INIT;

/* Split "a:num, b:int'" into params[]. */
static int parse_sig(int op, const char *sig)
{
	int n = 0;
	const char *p = sig;
	while (*p) {
		while (*p == ' ' || *p == ',')
			p++;
		if (!*p)
			break;
		if (n == MAXP)
			vy_bug("op %d has too many params", op);
		const char *colon = strchr(p, ':');
		const char *end = strchr(p, ',');
		if (!end)
			end = p + strlen(p);
		snprintf(names[op][n], 16, "%.*s", (int)(colon - p), p);
		snprintf(classes[op][n], 16, "%.*s", (int)(end - colon - 1), colon + 1);
		params[op][n] = (struct vy_opparam){ names[op][n], classes[op][n], VY_VOID };
		n++;
		p = end;
	}
	return n;
}

static void build(void)
{
	for (int i = 0; i < VY_OP_COUNT; i++) {
		const struct spec *s = &specs[i];
		snprintf(ids[i], sizeof ids[i], "%s.%s", s->dialect, s->name);
		defs[i] = (struct vy_opdef){
			.id = ids[i], .dialect = s->dialect, .name = s->name,
			.registrant = "builtin", .cat = VY_INTRINSIC,
			.code = (enum vy_opcode)i, .params = params[i],
			.result = s->result, .ulp = s->ulp, .abs = s->abs,
			.signature = s->sig,
		};
		defs[i].fast_ulp = fast_bound[i][0] > s->ulp ? fast_bound[i][0] : s->ulp;
		defs[i].fast_abs = fast_bound[i][1] > s->abs ? fast_bound[i][1] : s->abs;
		defs[i].nparams = parse_sig(i, s->sig);
	}
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
