/*
 * resolve.c: AST -> typed IR.  Resolves every name (locals, params,
 * builtins, buffers) and every operator and call to an op of the registry,
 * types each expression strictly (SPEC §1.7: no implicit conversions, only
 * abstract literals adapt), checks access and assignment rules, desugars
 * compound assignment, and inlines composite ops so emitters only see
 * intrinsics.  The tree is rewritten in place.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "decls.h"
#include "resolve.h"
#include "vm.h"

#define MAX_INLINE 32

/* ---- scopes ---- */

/* The scope stack is indexed by name (tab: each name's topmost entry,
 * prev: the entry it hides), so a lookup does not scan every visible
 * local: 100 000 lets would make that quadratic. */
static unsigned name_hash(const char *s)
{
	unsigned h = 2166136261u;
	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

static struct vy_scopeslot *scope_slot(struct rctx *c, const char *name)
{
	unsigned m = c->tabcap - 1;
	for (unsigned i = name_hash(name) & m;; i = (i + 1) & m)
		if (!c->tab[i].name || !strcmp(c->tab[i].name, name))
			return &c->tab[i];
}

static void scope_grow(struct rctx *c)
{
	struct vy_scopeslot *old = c->tab;
	unsigned oldcap = c->tabcap;
	c->tabcap = oldcap ? oldcap * 2 : 64;
	c->tab = calloc(c->tabcap, sizeof *c->tab);
	if (!c->tab)
		vy_bug("out of memory");
	for (unsigned i = 0; i < oldcap; i++)
		if (old[i].name)
			*scope_slot(c, old[i].name) = old[i];
	free(old);
}

static void push_name(struct rctx *c, const char *name, int local)
{
	if (c->ns == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 32;
		c->names = vy_xrealloc(c->names, sizeof *c->names * (size_t)c->cap, "the resolver's names");
		c->locals = vy_xrealloc(c->locals, sizeof *c->locals * (size_t)c->cap, "the resolver's locals");
		c->prev = vy_xrealloc(c->prev, sizeof *c->prev * (size_t)c->cap, "the resolver's scopes");
	}
	if (2 * (c->tabused + 1) > c->tabcap)
		scope_grow(c);
	struct vy_scopeslot *t = scope_slot(c, name);
	if (!t->name) {
		t->name = name;
		t->top = -1;
		c->tabused++;
	}
	c->prev[c->ns] = t->top;
	t->top = c->ns;
	c->names[c->ns] = name;
	c->locals[c->ns++] = local;
}

/* Leave the scopes above mark. */
static void pop_names(struct rctx *c, int mark)
{
	while (c->ns > mark) {
		c->ns--;
		scope_slot(c, c->names[c->ns])->top = c->prev[c->ns];
	}
}

static void free_scopes(struct rctx *c)
{
	free(c->names);
	free(c->locals);
	free(c->prev);
	free(c->tab);
}

static int find_local(struct rctx *c, const char *name)
{
	if (!c->tabcap)
		return -1;
	const struct vy_scopeslot *t = scope_slot(c, name);
	return t->name && t->top >= 0 ? c->locals[t->top] : -1;
}

/* A private array in scope (SPEC §10.3): its index in p->privates, else
 * -1.  The scope stack holds it as local -2 - index, so find_local, which
 * answers only >= 0, never sees it. */
static int find_private(struct rctx *c, const char *name)
{
	if (!c->tabcap)
		return -1;
	const struct vy_scopeslot *t = scope_slot(c, name);
	return t->name && t->top >= 0 && c->locals[t->top] <= -2 ?
	       -2 - c->locals[t->top] : -1;
}

static int find_param(struct rctx *c, const char *name)
{
	for (int i = 0; c->p && i < c->p->nparams; i++)
		if (!strcmp(c->p->params[i].name, name))
			return i;
	return -1;
}

static int find_buffer(struct rctx *c, const char *name)
{
	for (int i = 0; c->p && i < c->p->nbuffers; i++)
		if (!strcmp(c->p->buffers[i].name, name))
			return i;
	return -1;
}

static int find_shared(struct rctx *c, const char *name)
{
	for (int i = 0; c->p && i < c->p->nshared; i++)
		if (!strcmp(c->p->shared[i].name, name))
			return i;
	return -1;
}

int vy_new_local(struct rctx *c, const char *name, enum vy_type t,
		 bool mutable, struct vy_loc loc)
{
	struct vy_program *p = c->p;
	if (p->nlocals == c->local_cap) {
		c->local_cap = c->local_cap ? c->local_cap * 2 : 32;
		struct vy_local *v = vy_alloc(p->arena, sizeof *v * (size_t)c->local_cap);
		if (p->nlocals)
			memcpy(v, p->locals, sizeof *v * (size_t)p->nlocals);
		p->locals = v;
	}
	p->locals[p->nlocals] = (struct vy_local){ name, t, mutable, false, loc };
	return p->nlocals++;
}

/* Names may not shadow a param, buffer, shared array, local or builtin;
 * a note points at the earlier declaration. */
static bool check_fresh(struct rctx *c, const char *name, struct vy_loc loc)
{
	const char *what = NULL, *shown = NULL;
	struct vy_loc first = { 0 };
	int i;
	if ((i = find_local(c, name)) >= 0) {
		what = "a local";
		first = c->p->locals[i].loc;
	} else if ((i = find_private(c, name)) >= 0) {
		what = "a private array";
		first = c->p->privates[i].loc;
		shown = c->p->privates[i].shown;   /* a vector array's component */
	} else if ((i = find_param(c, name)) >= 0) {
		what = "a param";
		first = c->p->params[i].loc;
	} else if ((i = find_buffer(c, name)) >= 0) {
		what = "a buffer";
		first = c->p->buffers[i].loc;
	} else if ((i = find_shared(c, name)) >= 0) {
		what = "a shared array";
		first = c->p->shared[i].loc;
	} else if (vy_builtin_prefix(name))
		what = "a builtin";
	if (!what)
		return true;
	vy_error(c->d, loc, "choose another name; names share one namespace and may not shadow each other",
		 "'%s' shadows %s of the same name", name, what);
	if (first.src && shown)
		vy_note(c->d, first, "'%s' holds component %s of the vector array '%.*s' declared here",
			name, strrchr(shown, '.') + 1, (int)(strrchr(shown, '.') - shown), shown);
	else if (first.src)
		vy_note(c->d, first, "the %s '%s' is declared here", what + 2, name);
	return false;
}

/* ---- literals ---- */

static bool fits(enum vy_type t, int64_t v)
{
	switch (t) {
	case VY_U32: return v >= 0 && v <= (int64_t)UINT32_MAX;
	case VY_I32: return v >= INT32_MIN && v <= INT32_MAX;
	case VY_U64: return v >= 0;   /* ul literals above 2^63 skip this */
	default: return true;
	}
}

/* Give literal e the concrete type t, checking its range. */
static void const_set(struct rctx *c, struct vy_expr *e, enum vy_type t)
{
	bool was_float = e->type == VY_ABSFLOAT || e->type == VY_F32 ||
			 e->type == VY_F64 || e->type == VY_F16;
	if (t == VY_F16) {   /* rounded once; bits: the f32 of the f16 value */
		double v = was_float ? e->fval : (double)e->ival;
		uint16_t h = vy_f16_of_double(v);
		if ((h & 0x7fff) == 0x7c00 && !isinf(v))
			vy_error(c->d, e->loc, "the largest f16 is 65504",
				 "float literal out of range for f16");
		e->bits = vy_f32_bits_of_f16(h);
		if (isnan(v))
			e->bits = 0x7fc00000u;
		float f;
		memcpy(&f, &e->bits, 4);
		e->fval = f;
		e->type = t;
		return;
	}
	if (t == VY_F64) {   /* 64-bit constants: ival holds the bits */
		double v = was_float ? e->fval : (double)e->ival;
		memcpy(&e->ival, &v, 8);
		e->bits = (uint32_t)e->ival;
		e->type = t;
		return;
	}
	if ((t == VY_U64 || t == VY_I64) && !was_float) {
		if (!(e->type == VY_U64 || fits(t, e->ival)))
			vy_error(c->d, e->loc, "u64 literals are 0 to 18446744073709551615",
				 "integer literal %lld out of range for u64",
				 (long long)e->ival);
		e->bits = (uint32_t)e->ival;
		e->type = t;
		return;
	}
	if (t == VY_F32) {
		double v = was_float ? e->fval : (double)e->ival;
		float f = (float)v;
		if (isinf(f) && !isinf(v))
			vy_error(c->d, e->loc, "the largest f32 is about 3.4e38",
				 "float literal out of range for f32");
		e->fval = f;
		memcpy(&e->bits, &f, 4);
		if (isnan(v))
			e->bits = 0x7fc00000u;  /* `nan`: the quiet NaN, SPEC §10.1 */
	} else if (t == VY_BOOL) {
		e->bits = (uint32_t)e->ival;
	} else {
		if (was_float) {
			vy_error(c->d, e->loc, "write an integer literal, or convert: %s(x)",
				 "float literal where %s is expected", vy_type_name(t));
		} else if (!fits(t, e->ival)) {
			vy_error(c->d, e->loc,
				 t == VY_U32 ? "u32 literals are 0 to 4294967295" :
					       "i32 literals are -2147483648 to 2147483647",
				 "integer literal %lld out of range for %s",
				 (long long)e->ival, vy_type_name(t));
		}
		e->bits = (uint32_t)e->ival;
	}
	e->type = t;
}

static enum vy_type default_type(enum vy_type t)
{
	return t == VY_ABSINT ? VY_I32 : t == VY_ABSFLOAT ? VY_F32 : t;
}

static bool abstract(enum vy_type t)
{
	return t == VY_ABSINT || t == VY_ABSFLOAT;
}

/* Push concrete type t into an abstract subtree (literals and the ops over
 * them). Returns false, having reported, when it does not fit. */
static bool coerce(struct rctx *c, struct vy_expr *e, enum vy_type t)
{
	if (!abstract(e->type))
		return true;
	if (e->type == VY_ABSFLOAT && t != VY_F32 && t != VY_F64 && t != VY_F16) {
		vy_error(c->d, e->loc, "write an integer, or convert the other side with f32(...)",
			 "float literal where %s is expected", vy_type_name(t));
		return false;
	}
	if (t == VY_BOOL) {
		vy_error(c->d, e->loc, "compare it with a value, e.g. x != 0",
			 "number where bool is expected");
		return false;
	}
	if (e->kind == VY_E_CONST) {
		const_set(c, e, t);
		return true;
	}
	/* an op over abstract operands: the operands of its first class take
	 * t (see vyrec_ops.def); the result is t */
	bool ok = true;
	for (int i = 0; i < e->nargs; i++)
		if (abstract(e->args[i]->type))
			ok &= coerce(c, e->args[i], t);
	e->type = t;
	return ok;
}

bool vy_coerce_default(struct rctx *c, struct vy_expr *e)
{
	return coerce(c, e, default_type(e->type));
}

/* ---- op signatures ---- */

/* Whether param p's class admits t (an element reference: its element). */
static bool class_allows(const struct vy_opparam *p, enum vy_type t)
{
	switch (p->cls) {
	case VY_PC_INT:
		return t == VY_U32 || t == VY_I32 || t == VY_U64 || t == VY_I64 ||
		       t == VY_ABSINT;
	case VY_PC_FLOAT:
		return t == VY_F32 || t == VY_F64 || t == VY_F16 || t == VY_ABSFLOAT ||
		       t == VY_ABSINT;
	case VY_PC_NUM:
		return t != VY_BOOL && t != VY_VOID;
	case VY_PC_ANY:
		return t != VY_VOID;
	case VY_PC_TYPE:
		return t == p->type || (t == VY_ABSINT && p->type != VY_BOOL) ||
		       (t == VY_ABSFLOAT && p->type == VY_F32);
	}
	return false;
}

static bool concrete_class(const struct vy_opparam *p)
{
	return p->cls == VY_PC_TYPE;
}

static const char *class_hint(const struct vy_opparam *p)
{
	switch (p->cls) {
	case VY_PC_INT:
		return "u32 or i32";
	case VY_PC_FLOAT:
		return "f32";
	case VY_PC_NUM:
		return "u32, i32 or f32";
	case VY_PC_ANY:
		return "any";
	case VY_PC_TYPE:
		return vy_type_name(p->type);
	}
	return "?";
}

/* Two params share a type variable when their classes are equal and
 * neither is independent ('). The & of a reference is ignored. */
static bool same_group(const struct vy_opparam *a, const struct vy_opparam *b)
{
	return !concrete_class(a) && !a->indep && !b->indep && a->cls == b->cls;
}

static const char *cast_fix(enum vy_type from, enum vy_type to)
{
	(void)from;
	if (to == VY_F16)
		return "convert explicitly: f16(x)";
	if (to == VY_F64 || to == VY_U64 || to == VY_I64)
		return to == VY_F64 ? "convert explicitly: f64(x)" : to == VY_U64 ?
		       "convert explicitly: u64(x)" : "convert explicitly: i64(x)";
	if (vy_type_info(from)->cls == VY_TC_VECTOR && vy_type_info(to)->cls == VY_TC_VECTOR)
		return "convert each component with the wanted type's constructor, e.g. f32x4(v)";
	if (vy_type_info(from)->cls == VY_TC_VECTOR)
		return "take a component (v.x) or reduce it (math.sum(v))";
	if (vy_type_info(to)->cls == VY_TC_VECTOR)
		return "make it a vector: the splat f32x4(x) or a constructor f32x4(a, b, c, d)";
	return to == VY_F32 ? "convert explicitly: f32(x)" :
	       to == VY_U32 ? "convert explicitly: u32(x)" :
	       to == VY_I32 ? "convert explicitly: i32(x)" :
			      "compare it, e.g. x != 0";
}

/* The text of a simple operand, for fixes ("n", "x[i]"); NULL otherwise. */
static const char *operand_text(struct rctx *c, const struct vy_expr *e)
{
	if (e->kind == VY_E_PARAM)
		return c->p->params[e->index].name;
	if (e->kind == VY_E_LOCAL)
		return c->p->locals[e->index].name;
	if (e->kind == VY_E_LOAD && e->args[0]->kind != VY_E_OP) {
		const char *ix = operand_text(c, e->args[0]);
		const char *arr = e->space == VY_SPACE_BUFFER ? c->p->buffers[e->index].name :
				  c->p->shared[e->index].name;
		return ix ? vy_fmt(c->a, "%s[%s]", arr, ix) : NULL;
	}
	if (e->kind == VY_E_BUILTIN) {
		return vy_fmt(c->a, "%s.%s", vy_builtin_name((enum vy_builtin)e->index),
			      vy_builtin_member(e->index, e->axis));
	}
	return NULL;
}

/* "convert n: f32(n)", converting the operand b to the type of a. */
static const char *convert_fix(struct rctx *c, const struct vy_expr *b,
			       const struct vy_expr *a, enum vy_type ta)
{
	const char *tb = vy_type_name(b->type), *txt = operand_text(c, b);
	const char *atxt = operand_text(c, a);
	if (txt && b->type != VY_BOOL)
		return vy_fmt(c->a, "convert one side explicitly, e.g. %s(%s)%s%s%s",
			      vy_type_name(ta), txt, atxt ? " or " : "",
			      atxt ? tb : "", atxt ? vy_fmt(c->a, "(%s)", atxt) : "");
	return vy_fmt(c->a, "convert one side explicitly with %s(...) or %s(...)",
		      vy_type_name(ta), tb);
}

/* Check args of e against op's signature, unify each type group, coerce
 * abstract args, and return the result type. */
static enum vy_type check_sig(struct rctx *c, struct vy_expr *e,
			      const struct vy_opdef *op)
{
	if (e->nargs != op->nparams) {
		vy_error(c->d, e->loc, vy_fmt(c->a, "'%s' takes (%s)", op->id, op->signature ? op->signature : ""),
			 "'%s' takes %d argument%s but %d %s given", op->id,
			 op->nparams, op->nparams == 1 ? "" : "s", e->nargs,
			 e->nargs == 1 ? "was" : "were");
		return VY_VOID;
	}
	enum vy_type result = VY_VOID;
	bool done[4] = { 0 };
	for (int i = 0; i < op->nparams; i++) {
		const struct vy_opparam *pi = &op->params[i];
		if (op->cat != VY_INTRINSIC) {   /* extern: concrete types */
			struct vy_expr *a = e->args[i];
			if (!coerce(c, a, pi->type))
				return VY_VOID;
			if (a->type != pi->type) {
				vy_error(c->d, a->loc, cast_fix(a->type, pi->type),
					 "argument '%s' of '%s' is %s, not %s", pi->name,
					 op->id, vy_type_name(a->type), vy_type_name(pi->type));
				return VY_VOID;
			}
			continue;
		}
		if (done[i])
			continue;
		/* the group of params sharing i's type variable */
		enum vy_type t = VY_VOID;
		int first = -1;
		for (int j = i; j < op->nparams; j++) {
			const struct vy_opparam *pj = &op->params[j];
			if (j != i && !same_group(pi, pj))
				continue;
			struct vy_expr *a = e->args[j];
			done[j] = true;
			if (!class_allows(pj, a->type)) {
				vy_error(c->d, a->loc,
					 a->type == VY_BOOL ? "convert the bool: u32(cond) gives 0 or 1" :
					 concrete_class(pj) && pj->type == VY_BOOL ?
					 "compare it, e.g. x != 0" : cast_fix(a->type, VY_U32),
					 "argument '%s' of '%s' must be %s, not %s",
					 pj->name, op->id, class_hint(pj), vy_type_name(a->type));
				return VY_VOID;
			}
			if (abstract(a->type)) {
				if (t == VY_VOID || (t == VY_ABSINT && a->type == VY_ABSFLOAT))
					t = a->type;
				continue;
			}
			if (abstract(t) || t == VY_VOID) {
				t = a->type;
				first = j;
			} else if (t != a->type) {
				vy_error(c->d, e->loc, convert_fix(c, a, e->args[first], t),
					 "mismatched types %s and %s for '%s'",
					 vy_type_name(t), vy_type_name(a->type), op->id);
				return VY_VOID;
			}
		}
		/* a concrete class forces its type; float class forces f32 */
		if (concrete_class(pi) && abstract(t))
			t = pi->type;
		if (pi->cls == VY_PC_FLOAT && abstract(t))
			t = VY_F32;
		if (abstract(t) && (pi->indep || concrete_class(pi)))
			t = default_type(t);
		for (int j = i; j < op->nparams; j++)
			if (j == i || same_group(pi, &op->params[j]))
				if (!abstract(t) && !coerce(c, e->args[j], t))
					return VY_VOID;
		if (result == VY_VOID && !concrete_class(pi))
			result = t;
	}
	if (op->rule == VY_RES_TYPE && op->ret == VY_BOOL) {
		/* comparisons: abstract operands take their default now */
		for (int i = 0; i < e->nargs; i++)
			vy_coerce_default(c, e->args[i]);
		return VY_BOOL;
	}
	if (op->rule == VY_RES_SAME)
		return result;
	return op->rule == VY_RES_TYPE ? op->ret : VY_VOID;
}

/* ---- expressions ---- */

static enum vy_type resolve_expr(struct rctx *c, struct vy_expr *e);
static enum vy_type vec_load(struct rctx *c, struct vy_expr *e);
static int vec_name(struct rctx *c, struct vy_expr *e);
static enum vy_type vec_call(struct rctx *c, struct vy_expr *e, enum vy_type ct);
static enum vy_type vec_op(struct rctx *c, struct vy_expr *e, const struct vy_opdef *op);
static bool vec_args(const struct vy_expr *e);
static bool vec_decl(struct rctx *c, struct vy_stmt *s);
static bool vec_assign(struct rctx *c, struct vy_stmt *s);
static bool vec_store(struct rctx *c, struct vy_stmt *s);
static bool vec_array_fill(struct rctx *c, struct vy_stmt *s, bool ok,
			   struct vy_expr *comp[4]);
static void set_pvtype(struct rctx *c, int mem, enum vy_type t);
static struct vy_stmt *new_stmt(struct rctx *c, enum vy_stmt_kind k, struct vy_loc loc);
static void add_pre(struct rctx *c, struct vy_stmt *s);
static enum vy_type priv_vtype(struct rctx *c, int mem);
static struct vy_expr *vec_priv_load(struct rctx *c, int mem, struct vy_expr *ix,
				     struct vy_loc loc);
static const char vec_tag[] = "(vector)";

static bool index_type(struct rctx *c, struct vy_expr *ix)
{
	if (resolve_expr(c, ix) == VY_VOID)
		return false;
	if (ix->type == VY_ABSINT)
		return coerce(c, ix, VY_U32);
	if (ix->type != VY_U32 && ix->type != VY_I32) {
		vy_error(c->d, ix->loc, ix->type == VY_F32 || vy_type_is64(ix->type) ?
			 "convert it: u32(x)" : NULL,
			 "index must be u32 or i32, not %s", vy_type_name(ix->type));
		return false;
	}
	return true;
}

/* ---- arrays of SPEC §10.3: private arrays, 2-D shared arrays ---- */

static const char *array_shape(struct rctx *c, int k, const char *i, const char *j)
{
	const struct vy_privdecl *d = &c->p->privates[k];
	return d->ndims == 2 ? vy_fmt(c->a, "%s[%s][%s]", d->name, i, j) :
			       vy_fmt(c->a, "%s[%s]", d->name, i);
}

/* The array that NAME[...] names, as private or shared memory. */
struct arr {
	const char *what;         /* "array", "shared array" */
	int ndims;
	const uint32_t *dims;
	enum vy_space space;
	int mem;
};

static struct vy_expr *mk_u32(struct rctx *c, uint32_t v, struct vy_loc loc)
{
	struct vy_expr *e = vy_alloc(c->a, sizeof *e);
	e->kind = VY_E_CONST;
	e->type = VY_U32;
	e->bits = v;
	e->ival = v;
	e->loc = loc;
	return e;
}

static struct vy_expr *mk_op(struct rctx *c, enum vy_opcode code, struct vy_expr *a,
			     struct vy_expr *b)
{
	struct vy_expr *e = vy_alloc(c->a, sizeof *e);
	e->kind = VY_E_OP;
	e->op = vy_builtin_op(code);
	e->name = e->op->id;
	e->type = VY_U32;
	e->cast_to = code == VY_OP_BITCAST ? VY_U32 : VY_VOID;
	e->loc = a->loc;
	e->nargs = b ? 2 : 1;
	e->args = vy_alloc(c->a, sizeof *e->args * 2);
	e->args[0] = a;
	e->args[1] = b;
	return e;
}

/* Index ix on axis `axis` of a: u32 or i32, inside the axis when it is a
 * constant (a compile error, as nvcc's and glslang's for constant
 * indices of arrays of known size). */
static bool array_axis(struct rctx *c, const char *name, const struct arr *a,
		       struct vy_expr *ix, int axis)
{
	if (!index_type(c, ix))
		return false;
	if (!vy_expr_is_const(ix))
		return true;
	uint32_t v = vy_eval_uniform(c->p, ix, NULL, NULL), n = a->dims[axis];
	bool neg = ix->type == VY_I32 && (int32_t)v < 0;
	if (!neg && v < n)
		return true;
	const char *shown = neg ? vy_fmt(c->a, "%d", (int32_t)v) : vy_fmt(c->a, "%u", v);
	if (a->ndims == 2)
		vy_error(c->d, ix->loc, vy_fmt(c->a, "use an index from 0 to %u", n - 1),
			 "index %s is out of bounds: axis %d of %s '%s' has %u elements",
			 shown, axis + 1, a->what, name, n);
	else
		vy_error(c->d, ix->loc, vy_fmt(c->a, "use an index from 0 to %u", n - 1),
			 "index %s is out of bounds: %s '%s' has %u elements",
			 shown, a->what, name, n);
	return false;
}

/* e = NAME[i] or NAME[i][j] of a private array, a 2-D shared array, or a
 * buffer indexed twice: checked, and made a one-index NAME[flat] with
 * flat = i * M + j (u32) for two axes.  e->space and e->index are set. */
static bool array_flatten(struct rctx *c, struct vy_expr *e, bool ref)
{
	int k = find_private(c, e->name), sh = find_shared(c, e->name);
	struct arr a;
	if (k >= 0) {
		const struct vy_privdecl *d = &c->p->privates[k];
		a = (struct arr){ "array", d->ndims, d->dims, VY_SPACE_PRIVATE, k };
	} else if (sh >= 0) {
		const struct vy_shareddecl *d = &c->p->shared[sh];
		a = (struct arr){ "shared array", d->ndims, d->dims, VY_SPACE_SHARED, sh };
	} else {
		vy_error(c->d, e->loc, vy_fmt(c->a, "compute the index: %s[i * cols + j]", e->name),
			 "buffer '%s' is one-dimensional; it takes one index", e->name);
		return false;
	}
	if (ref && k >= 0) {
		vy_error(c->d, e->loc, "atomics work on buffer and shared elements; use a plain "
			 "update: a[i] += v", "atomic operation on private array '%s'", e->name);
		return false;
	}
	if (e->nargs != a.ndims) {
		vy_error(c->d, e->loc, vy_fmt(c->a, "index it: %s", a.ndims == 2 ?
					  vy_fmt(c->a, "%s[i][j]", e->name) : vy_fmt(c->a, "%s[i]", e->name)),
			 "%s '%s' takes %d ind%s, not %d", a.what, e->name, a.ndims,
			 a.ndims == 2 ? "ices" : "ex", e->nargs);
		return false;
	}
	bool ok = true;
	for (int i = 0; i < e->nargs; i++)
		ok &= array_axis(c, e->name, &a, e->args[i], i);
	if (!ok)
		return false;
	if (a.ndims == 2) {
		struct vy_expr *ij[2];
		bool consts = true;
		for (int i = 0; i < 2; i++) {
			ij[i] = e->args[i];
			consts &= vy_expr_is_const(ij[i]);
			if (ij[i]->type == VY_I32)
				ij[i] = mk_op(c, VY_OP_BITCAST, ij[i], NULL);
		}
		e->args[0] = consts ? mk_u32(c, vy_eval_uniform(c->p, ij[0], NULL, NULL) * a.dims[1] +
					     vy_eval_uniform(c->p, ij[1], NULL, NULL), e->args[0]->loc) :
			     mk_op(c, VY_OP_ADD, mk_op(c, VY_OP_MUL, ij[0], mk_u32(c, a.dims[1], e->loc)),
				   ij[1]);
		e->nargs = 1;
	}
	e->space = a.space;
	e->index = a.mem;
	return true;
}

/* A private element load (shared ones go on as 1-D loads). */
static enum vy_type resolve_private_load(struct rctx *c, struct vy_expr *e)
{
	if (priv_vtype(c, e->index) != VY_VOID) {   /* a vector: its components */
		struct vy_expr *v = vec_priv_load(c, e->index, e->args[0], e->loc);
		if (!v)
			return VY_VOID;
		*e = *v;
		return e->type;
	}
	e->kind = VY_E_LOAD;
	return e->type = c->p->privates[e->index].type;
}

/* NAME[i][j] = v (or NAME[i] = v of a private array): s->index becomes
 * the flat index, s->space and s->mem the array. */
static bool resolve_array_store(struct rctx *c, struct vy_stmt *s)
{
	struct vy_expr *args[2] = { s->index, s->index2 };
	struct vy_expr e = { .kind = VY_E_INDEX, .name = s->name, .loc = s->name_loc,
			     .nargs = s->index2 ? 2 : 1, .args = args };
	if (!array_flatten(c, &e, false))
		return false;
	s->index = e.args[0];
	s->index2 = NULL;
	s->space = e.space;
	s->mem = e.index;
	return true;
}

/* The size of axis e of array `name`: a positive constant; 0 after an
 * error. */
static uint32_t array_dim(struct rctx *c, struct vy_expr *e, const char *name,
			  const char *what)
{
	const char *noun = what[0] == 'a' && what[1] == ' ' && what[2] == 's' ?
			   "shared array" : "array";
	int before = c->d->nerrors;
	c->allow_ids = false;
	c->what = what;
	vy_resolve_value(c, e, VY_U32, what);
	c->allow_ids = true;
	c->what = NULL;
	if (c->d->nerrors != before)
		return 0;
	if (!vy_expr_is_const(e)) {
		vy_error(c->d, e->loc, "write an integer constant or an expression of literals; "
			 "params are known only at launch, so size it for the largest case",
			 "the size of %s '%s' must be a constant", noun, name);
		return 0;
	}
	uint32_t v = vy_eval_uniform(c->p, e, NULL, NULL);
	if (!v)
		vy_error(c->d, e->loc, "give it at least one element",
			 "the size of %s '%s' is 0", noun, name);
	return v;
}

/* var NAME: T[N][M] (= VALUE) */
static void resolve_array_decl(struct rctx *c, struct vy_stmt *s)
{
	struct vy_program *p = c->p;
	enum vy_type t = s->decl_type;
	uint32_t dims[2] = { 1, 1 };
	bool ok = true;
	enum vy_tclass cls = vy_type_info(t)->cls;
	bool vec = cls == VY_TC_VECTOR;   /* one scalar array per component */
	unsigned n = vec ? vy_type_lanes(t) : 1;
	enum vy_type el = vec ? vy_type_elem(t) : t;
	if (cls == VY_TC_BOOL || cls == VY_TC_NONE || cls == VY_TC_ABSTRACT) {
		vy_error(c->d, s->name_loc, "use u32 elements holding 0 and 1",
			 "array elements must be of an arithmetic type, not %s", vy_type_name(t));
		ok = false;
	}
	for (int i = 0; i < s->ndims; i++) {
		dims[i] = array_dim(c, s->dims[i], s->name, "an array size");
		ok &= dims[i] != 0;
	}
	uint64_t count = (uint64_t)dims[0] * dims[1], bytes = 0;
	for (int k = 0; k < p->nprivate; k++)
		bytes += (uint64_t)p->privates[k].count * vy_type_size(p->privates[k].type);
	if (ok)
		ok = vy_decls_check_private(c->d, s->loc, s->name, bytes,
					    count * vy_type_size(t));
	struct vy_expr *fill[4] = { s->value };
	if (vec)
		ok &= vec_array_fill(c, s, ok, fill);
	else if (s->value)
		ok &= vy_resolve_value(c, s->value, ok ? t : VY_VOID, "the fill value");
	for (unsigned j = 0; j < n; j++)
		if (!fill[j] || (vec && !ok)) {
			fill[j] = mk_u32(c, 0, s->name_loc);
			fill[j]->type = el;   /* the default fill: 0 of the element type */
		}
	ok &= check_fresh(c, s->name, s->name_loc);
	const char *uname = s->name;
	struct vy_privdecl *v = vy_alloc(p->arena, sizeof *v * (size_t)(p->nprivate + n));
	if (p->nprivate)
		memcpy(v, p->privates, sizeof *v * (size_t)p->nprivate);
	bool typed = cls == VY_TC_SCALAR || vec;   /* keep the type: no cascade */
	int first = p->nprivate;
	for (unsigned j = 0; j < n; j++) {
		const char *name = vec ? vy_fmt(p->arena, "%s_%c", s->name, "xyzw"[j]) : s->name;
		if (vec)   /* a component's name may not be taken either */
			check_fresh(c, name, s->name_loc);
		v[first + (int)j] = (struct vy_privdecl){ name, ok || typed ? el : VY_U32, s->ndims,
			{ dims[0] ? dims[0] : 1, dims[1] ? dims[1] : 1 },
			dims[0] && dims[1] && count <= UINT32_MAX ? (uint32_t)count : 1,
			s->name_loc,   /* the sizes as written: no bounds cascade */
			vec ? vy_fmt(p->arena, "%s.%c", s->name, "xyzw"[j]) : NULL };
	}
	p->privates = v;
	p->nprivate += (int)n;
	/* one statement per component array, s the last */
	for (unsigned j = 0; j < n; j++) {
		struct vy_stmt *d = s;
		if (j + 1 < n) {
			d = new_stmt(c, VY_S_ARRAY, s->loc);
			*d = *s;
			add_pre(c, d);
		}
		d->value = fill[j];
		d->decl_type = el;
		d->space = VY_SPACE_PRIVATE;
		d->mem = first + (int)j;
		d->local = -1;
		if (vec) {
			d->name = p->privates[d->mem].name;
			push_name(c, d->name, -2 - d->mem);
		}
	}
	s->name = uname;
	if (vec)
		set_pvtype(c, first, t);
	push_name(c, uname, -2 - first);
}

/* shared count: [N, M] */
static void resolve_shared_axes(struct rctx *c, struct vy_shareddecl *sh)
{
	uint64_t n = 1;
	for (int i = 0; i < 2; i++) {
		sh->dims[i] = array_dim(c, sh->dim_expr[i], sh->name, "a shared array count");
		n *= sh->dims[i];
	}
	sh->count = n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
}

/* "did you mean 'x'?" for an unknown array name (the closest buffer or
 * shared array), else fallback. */
static const char *array_fix(struct rctx *c, const char *name, const char *fallback)
{
	const char *cands[2 * VY_MAX_IO + 64];
	int n = 0;
	for (int i = 0; i < c->p->nbuffers && n < VY_MAX_IO; i++)
		cands[n++] = c->p->buffers[i].name;
	for (int i = 0; i < c->p->nshared && n < VY_MAX_IO + 64; i++)
		cands[n++] = c->p->shared[i].name;
	const char *best = vy_closest(name, cands, n);
	return best ? vy_fmt(c->a, "did you mean '%s'?", best) : fallback;
}

/* NAME[i] as a load (or, for atomics, an element reference). */
static enum vy_type resolve_index(struct rctx *c, struct vy_expr *e, bool ref)
{
	int b = find_buffer(c, e->name), s = find_shared(c, e->name);
	if (find_private(c, e->name) >= 0 || (s >= 0 && c->p->shared[s].ndims == 2) ||
	    (b >= 0 && e->nargs > 1)) {
		if (!array_flatten(c, e, ref))
			return VY_VOID;
		if (e->space == VY_SPACE_PRIVATE)
			return resolve_private_load(c, e);
	}
	int l = find_local(c, e->name);
	if (b < 0 && s < 0 && l >= 0 && c->p->locals[l].type == VY_VOID)
		return VY_VOID;   /* a local whose value failed: reported */
	if (b < 0 && s < 0) {
		const char *why = find_local(c, e->name) >= 0 || find_param(c, e->name) >= 0 ?
			"'%s' is a scalar, not a buffer or shared array" :
			"unknown buffer or shared array '%s'";
		vy_error(c->d, e->loc, l >= 0 || find_param(c, e->name) >= 0 ?
			 "declare it under 'buffers:' or 'shared:'" :
			 array_fix(c, e->name, "declare it under 'buffers:' or 'shared:'"), why, e->name);
		return VY_VOID;
	}
	if (!index_type(c, e->args[0]))
		return VY_VOID;
	e->kind = VY_E_LOAD;
	e->space = b >= 0 ? VY_SPACE_BUFFER : VY_SPACE_SHARED;
	e->index = b >= 0 ? b : s;
	enum vy_type mt = b >= 0 ? c->p->buffers[b].type : c->p->shared[s].type;
	if (ref && vy_type_info(mt)->cls == VY_TC_STORAGE) {
		vy_error(c->d, e->loc, "declare the array u32 or i32 for atomics",
			 "atomics need u32 or i32 elements; '%s' has %s elements",
			 e->name, vy_type_name(mt));
		return VY_VOID;
	}
	if (ref && vy_type_is64(mt)) {
		vy_error(c->d, e->loc, "declare the array u32 or i32 for atomics",
			 "atomics need u32 or i32 elements; '%s' has %s elements",
			 e->name, vy_type_name(mt));
		return VY_VOID;
	}
	e->type = vy_type_value(mt);   /* a storage element widens */
	if (ref && vy_type_info(mt)->cls == VY_TC_VECTOR) {
		vy_error(c->d, e->loc, "declare the array u32 or i32 for atomics",
			 "atomics need u32 or i32 elements; '%s' has %s elements",
			 e->name, vy_type_name(mt));
		return VY_VOID;
	}
	if (b >= 0) {
		enum vy_access acc = c->p->buffers[b].access;
		if (acc == VY_WRITE_ONLY && !ref) {
			vy_error(c->d, e->loc, "declare it with access: read_write",
				 "cannot load from write-only buffer '%s'", e->name);
			return VY_VOID;
		}
		if (acc == VY_READ_ONLY && ref) {
			vy_error(c->d, e->loc, "declare it with access: read_write",
				 "atomic operation on read-only buffer '%s'", e->name);
			return VY_VOID;
		}
	}
	if (vy_type_info(mt)->cls == VY_TC_VECTOR)
		return vec_load(c, e);
	return e->type;
}

static void undefined(struct rctx *c, struct vy_expr *e)
{
	const char *cands[64];
	int n = 0, axis;
	for (int i = c->ns - 1; i >= 0 && n < 40; i--)
		cands[n++] = c->names[i];
	for (int i = 0; c->allow_params && i < c->p->nparams && n < 56; i++)
		cands[n++] = c->p->params[i].name;
	char ids[8][16];
	if (c->allow_ids)
		n += vy_builtin_candidates(ids, cands + n, 8);
	const char *best = vy_closest(e->name, cands, n);
	if (strchr(e->name, '.') && vy_builtin_find(e->name, &axis) < 0 &&
	    vy_builtin_prefix(e->name))
		vy_error(c->d, e->loc, !strncmp(e->name, "sg.", 3) ?
			 "the subgroup builtins are sg.size, sg.lane, sg.id and sg.count" :
			 "builtins have the axes .x, .y and .z",
			 "unknown builtin '%s'", e->name);
	else
		vy_error(c->d, e->loc,
			 best ? vy_fmt(c->a, "did you mean '%s'?", best) :
				"declare it first with 'let' or 'var', or add it to 'params:'",
			 "undefined name '%s'", e->name);
}

static enum vy_type resolve_name(struct rctx *c, struct vy_expr *e)
{
	int vr = vec_name(c, e);
	if (vr >= 0)
		return vr ? e->type : VY_VOID;
	int l = find_local(c, e->name), axis, b, pi;
	if (l >= 0) {
		e->kind = VY_E_LOCAL;
		e->index = l;
		return e->type = c->p->locals[l].type;
	}
	if ((b = vy_builtin_find(e->name, &axis)) >= 0) {
		if (!c->allow_ids) {
			vy_error(c->d, e->loc, c->p->nparams ? "use params, literals and len(BUF) only" : NULL,
				 "'%s' cannot be used in %s", e->name, c->what);
			return VY_VOID;
		}
		e->kind = VY_E_BUILTIN;
		e->index = b;
		e->axis = axis;
		return e->type = VY_U32;
	}
	if ((pi = find_param(c, e->name)) >= 0) {
		e->kind = VY_E_PARAM;
		e->index = pi;
		return e->type = c->p->params[pi].type;
	}
	if (find_buffer(c, e->name) >= 0 || find_shared(c, e->name) >= 0) {
		vy_error(c->d, e->loc, vy_fmt(c->a, "index it: %s[i], or use len(%s) for its element count", e->name, e->name),
			 "'%s' is an array, not a value", e->name);
		return VY_VOID;
	}
	if ((pi = find_private(c, e->name)) >= 0) {
		vy_error(c->d, e->loc, vy_fmt(c->a, "index it: %s", array_shape(c, pi, "i", "j")),
			 "'%s' is an array, not a value", e->name);
		return VY_VOID;
	}
	undefined(c, e);
	return VY_VOID;
}

/* an atomic op anywhere in e (resolved) */
static bool has_atomic(const struct vy_expr *e)
{
	if (e->op && e->op->dialect && !strcmp(e->op->dialect, "atomic"))
		return true;
	for (int i = 0; i < e->nargs; i++)
		if (e->args[i] && has_atomic(e->args[i]))
			return true;
	return false;
}

static enum vy_type resolve_cast(struct rctx *c, struct vy_expr *e,
				 enum vy_type to, bool bit)
{
	if (e->nargs != 1) {
		vy_error(c->d, e->loc, NULL, "%s takes one argument", e->name);
		return VY_VOID;
	}
	struct vy_expr *a = e->args[0];
	if (resolve_expr(c, a) == VY_VOID)
		return VY_VOID;
	if (vy_type_info(a->type)->cls == VY_TC_VECTOR) {
		vy_error(c->d, a->loc, vy_fmt(c->a, "convert every component: %sx%u(x)",
					  vy_type_name(to), vy_type_lanes(a->type)),
			 "%s(x) takes a scalar, not %s", vy_type_name(to), vy_type_name(a->type));
		return VY_VOID;
	}
	if (bit && a->type == VY_BOOL) {
		vy_error(c->d, a->loc, "bitcast works between u32, i32 and f32",
			 "cannot bitcast bool");
		return VY_VOID;
	}
	if (a->type == VY_ABSINT && !bit)
		coerce(c, a, to == VY_F32 || to == VY_F16 ? VY_I32 : to == VY_F64 ? VY_I64 : to);
	else if (a->type == VY_ABSFLOAT && to == VY_F16 && !bit)
		coerce(c, a, VY_F16);   /* f16(0.1) is 0.1h, rounded once */
	else if (a->type == VY_ABSFLOAT && to == VY_F64)
		coerce(c, a, VY_F64);   /* f64(0.1) is 0.1d, not f32's 0.1 */
	else if (bit && abstract(a->type) && vy_type_is64(to))
		coerce(c, a, a->type == VY_ABSFLOAT ? VY_F64 : VY_I64);
	else
		vy_coerce_default(c, a);
	if (bit && (a->type == VY_F16 || to == VY_F16)) {   /* SPEC §10.1 */
		vy_error(c->d, a->loc, a->type == VY_F16 ?
			 "take its binary16 bits with math.f16_bits(f32(x)) (a u32)" :
			 "make an f16 of binary16 bits with f16(math.f16_value(bits))",
			 "cannot bitcast %s to %s: f16 has no arithmetic type of its size",
			 vy_type_name(a->type), vy_type_name(to));
		return VY_VOID;
	}
	if (!bit && a->type == VY_F64 && to == VY_F16 && has_atomic(a)) {
		/* src/lower_f16.c evaluates the operand where it uses it */
		vy_error(c->d, a->loc, "bind the atomic's result to a let first: "
			 "let t = ...; then f16(t)",
			 "a cast from f64 to f16 of an atomic's result is not supported");
		return VY_VOID;
	}
	if (bit && vy_type_size(a->type) != vy_type_size(to)) {
		vy_error(c->d, a->loc, vy_fmt(c->a, "bitcast between types of one size "
			 "(u32 i32 f32, or u64 i64 f64); to change the width, cast: %s(x)",
			 vy_type_name(to)), "cannot bitcast %s (%u bytes) to %s (%u bytes)",
			 vy_type_name(a->type), vy_type_size(a->type), vy_type_name(to),
			 vy_type_size(to));
		return VY_VOID;
	}
	e->kind = VY_E_OP;
	e->op = vy_builtin_op(bit ? VY_OP_BITCAST : VY_OP_CAST);
	e->cast_to = to;
	return e->type = to;
}

/* Inline a composite op: copy its body, substituting args for params and
 * the let expressions for let names, then resolve the copy in place. */
static enum vy_type inline_op(struct rctx *c, struct vy_expr *e,
			      const struct vy_opdef *op)
{
	for (int i = 0; i < e->nargs; i++)
		if (vy_expr_has_effect(e->args[i])) {
			vy_error(c->d, e->args[i]->loc, "bind the atomic's result with 'let' first and pass the local",
				 "arguments of '%s' may not contain atomic operations", op->id);
			return VY_VOID;
		}
	if (c->inline_depth >= MAX_INLINE) {
		vy_error(c->d, e->loc, NULL, "ops nested more than %d deep while inlining '%s'",
			 MAX_INLINE, op->id);
		return VY_VOID;
	}
	int n = op->nparams + op->nlets;
	const char **names = vy_alloc(c->a, sizeof *names * (size_t)(n + 1));
	struct vy_expr **vals = vy_alloc(c->a, sizeof *vals * (size_t)(n + 1));
	for (int i = 0; i < op->nparams; i++) {
		names[i] = op->params[i].name;
		vals[i] = e->args[i];
	}
	for (int i = 0; i < op->nlets; i++) {
		names[op->nparams + i] = op->let_names[i];
		vals[op->nparams + i] = vy_expr_subst(c->a, op->lets[i], names, vals,
						     op->nparams + i, e->loc);
	}
	struct vy_expr *body = vy_expr_subst(c->a, op->body, names, vals, n, e->loc);
	c->inline_depth++;
	enum vy_type t = resolve_expr(c, body);
	c->inline_depth--;
	if (t == VY_VOID)
		return VY_VOID;
	coerce(c, body, op->ret);
	*e = *body;
	return e->type;
}

static enum vy_type resolve_call(struct rctx *c, struct vy_expr *e)
{
	bool reserved;
	if (e->name == vec_tag)
		return e->type;   /* a resolved vector */
	enum vy_type ct = e->name[0] == '.' ? VY_VOID :
		vy_type_parse(e->name, strlen(e->name), &reserved);
	if (e->name[0] == '.' || vy_type_info(ct)->cls == VY_TC_VECTOR ||
	    ((!strcmp(e->name, "sum") || !strcmp(e->name, "dot") ||
	      !strcmp(e->name, "math.sum") || !strcmp(e->name, "math.dot")) &&
	     !vy_registry_lookup(c->r, strchr(e->name, '.') ? e->name :
				 vy_fmt(c->a, "math.%s", e->name))))
		return vec_call(c, e, ct);
	if (vy_type_info(ct)->cls == VY_TC_SCALAR)
		return resolve_cast(c, e, ct, false);
	if (vy_type_info(ct)->cls == VY_TC_STORAGE) {
		vy_error(c->d, e->loc, vy_fmt(c->a, "cast to %s; a store to a %s "
					  "element keeps the low bits (bf16: rounds)",
					  vy_type_name(vy_type_value(ct)), e->name),
			 "'%s' is a storage type: there are no %s values, only "
			 "buffer and shared elements", e->name, e->name);
		return VY_VOID;
	}
	if (reserved) {
		vy_error(c->d, e->loc, "use u32, i32 or f32", "type '%s' is not supported yet", e->name);
		return VY_VOID;
	}
	if (!strcmp(e->name, "bitcast"))
		return resolve_cast(c, e, e->cast_to, true);
	if (!strcmp(e->name, "len")) {
		int b = e->nargs == 1 && e->args[0]->kind == VY_E_NAME ?
			find_buffer(c, e->args[0]->name) : -1;
		if (b < 0) {
			bool named = e->nargs == 1 && e->args[0]->kind == VY_E_NAME &&
				     find_local(c, e->args[0]->name) < 0 &&
				     find_param(c, e->args[0]->name) < 0;
			const char *fix = "len takes a buffer name: len(x)";
			vy_error(c->d, e->nargs ? e->args[0]->loc : e->loc,
				 named ? array_fix(c, e->args[0]->name, fix) : fix,
				 "len() needs one buffer name");
			return VY_VOID;
		}
		e->kind = VY_E_LEN;
		e->index = b;
		return e->type = VY_U32;
	}
	const struct vy_opdef *op = NULL;
	if (strchr(e->name, '.'))
		op = vy_registry_lookup(c->r, e->name);
	else {
		char buf[128];
		snprintf(buf, sizeof buf, "core.%s", e->name);
		op = vy_registry_lookup(c->r, buf);
		snprintf(buf, sizeof buf, "math.%s", e->name);
		if (!op)
			op = vy_registry_lookup(c->r, buf);
	}
	if (!op) {
		bool elemref = e->nargs && e->args[0]->kind == VY_E_INDEX;
		const char *best = vy_suggest_call(c->r, e->name, elemref);
		const char *dot = strchr(e->name, '.');
		const char *dl = dot ? vy_strndup(c->a, e->name, (size_t)(dot - e->name)) : NULL;
		bool known = false;
		for (int i = 0; dl && i < vy_registry_count(c->r) && !known; i++)
			known = !strcmp(vy_registry_at(c->r, i)->dialect, dl);
		vy_error(c->d, e->loc,
			 best ? vy_fmt(c->a, "did you mean '%s'?", best) :
			 !dl ? "call a math function such as max, floor or sqrt ('vyrec ops math' lists them), or an op of a dialect as DIALECT.NAME" :
			 known ? vy_fmt(c->a, "'vyrec ops %s' lists the ops of dialect '%s'", dl, dl) :
				 vy_fmt(c->a, "dialect '%s' is not loaded: list its file under 'dialects:' or pass --dialect FILE", dl),
			 "unknown op '%s'", e->name);
		return VY_VOID;
	}
	return vy_resolve_op(c, e, op);
}

/* The 64-bit types (SPEC §10.1) have the ops of the VM's 64-bit rows:
 * core, fma min max clamp abs sign, and for f64 floor ceil round trunc
 * sqrt; any other op on them is an error naming op and type. */
static bool wide_op_ok(struct rctx *c, struct vy_expr *e,
		       const struct vy_opdef *op, enum vy_type t)
{
	if ((op->code == VY_OP_SHL || op->code == VY_OP_SHR) && op->cat == VY_INTRINSIC &&
	    e->nargs == 2 && vy_type_is64(e->args[1]->type)) {
		vy_error(c->d, e->args[1]->loc, "convert it: u32(x)",
			 "the shift amount must be u32 or i32, not %s",
			 vy_type_name(e->args[1]->type));
		return false;
	}
	enum vy_type w = vy_type_is64(t) ? t : VY_VOID;
	for (int i = 0; i < e->nargs && w == VY_VOID; i++)
		if (vy_type_is64(e->args[i]->type))
			w = e->args[i]->type;
	if (w == VY_VOID || op->cat != VY_INTRINSIC || vy_op_is_atomic(op->code) ||
	    vyvm_has_op64((uint32_t)op->code, (uint32_t)w, 0))
		return true;
	vy_error(c->d, e->loc, w == VY_F64 ?
		 vy_fmt(c->a, "compute it in f32: f64(%s(f32(x))), or write it with "
			"the f64 ops (+ - * / fma sqrt floor ...)", op->name) :
		 vy_fmt(c->a, "convert to u32 or i32 first: %s(u32(x))", op->name),
		 "'%s' is not defined on %s", op->id, vy_type_name(w));
	return false;
}

/* f16 (SPEC §10.1) is computed in f32 and rounded after every op
 * (src/lower_f16.c); a subgroup op would round once for many, so those
 * are refused, as is an extern op that declares f16. */
static bool f16_op_ok(struct rctx *c, struct vy_expr *e,
		      const struct vy_opdef *op, enum vy_type t)
{
	bool h = t == VY_F16;
	for (int i = 0; i < e->nargs; i++)
		h |= e->args[i]->type == VY_F16;
	if (!h || (op->cat == VY_INTRINSIC && !vy_op_is_subgroup(op->code)))
		return true;
	vy_error(c->d, e->loc, vy_fmt(c->a, "compute it in f32: f16(%s(f32(x)))", op->id),
		 "'%s' is not defined on f16", op->id);
	return false;
}

static struct vy_expr *share(struct rctx *c, struct vy_expr *e);
static struct vy_expr *vec_node(struct rctx *c, enum vy_type t, struct vy_loc loc);
static struct vy_expr *dup(struct rctx *c, const struct vy_expr *e);

/* subgroup.ballot(c) (SPEC §10.4): a u32x4 whose word k is one SG_BALLOT
 * node over (c, k), the bits of lanes 32k .. 32k+31 (vyrec_ops.def). */
static enum vy_type ballot(struct rctx *c, struct vy_expr *e)
{
	struct vy_expr *cond = share(c, e->args[0]);
	if (!cond)
		return VY_VOID;
	struct vy_expr *v = vec_node(c, VY_U32X4, e->loc);
	for (int k = 0; k < 4; k++) {
		v->args[k] = mk_op(c, VY_OP_SG_BALLOT, k ? dup(c, cond) : cond,
				   mk_u32(c, (uint32_t)k, e->loc));
		v->args[k]->loc = e->loc;
	}
	*e = *v;
	return VY_U32X4;
}

enum vy_type vy_resolve_op(struct rctx *c, struct vy_expr *e,
			   const struct vy_opdef *op)
{
	bool atomic = !strcmp(op->dialect, "atomic");
	for (int i = 0; i < e->nargs; i++) {
		struct vy_expr *a = e->args[i];
		if (i == 0 && atomic) {
			if (a->kind != VY_E_INDEX) {
				vy_error(c->d, a->loc, "pass an element: atomic.add(hist[b], 1)",
					 "the first argument of '%s' must be a buffer or shared element", op->id);
				return VY_VOID;
			}
			if (resolve_index(c, a, true) == VY_VOID)
				return VY_VOID;
			if (vy_type_info(a->type)->cls == VY_TC_VECTOR) {
				vy_error(c->d, a->loc, "declare the array u32 or i32 for atomics",
					 "atomics need u32 or i32 elements; '%s' has %s elements",
					 a->name, vy_type_name(a->type));
				return VY_VOID;
			}
			if (a->type == VY_F16) {
				vy_error(c->d, a->loc, "use a u32, i32 or f32 buffer for atomics",
					 "%s needs u32 or i32 elements, but '%s' holds f16",
					 op->id, a->name);
				return VY_VOID;
			}
			/* f32 elements: atomic.add only (SPEC §10.2) */
			if (a->type == VY_F32 && op->code != VY_OP_ATOMIC_ADD) {
				vy_error(c->d, a->loc, vy_fmt(c->a, "use a u32 or i32 "
					 "buffer for %s; on f32 only atomic.add", op->id),
					 "%s needs u32 or i32 elements, but '%s' holds f32",
					 op->id, a->name);
				return VY_VOID;
			}
			continue;
		}
		/* the lazy operands of ?: && || are not hoisted out */
		bool lz = i > 0 && op->cat == VY_INTRINSIC && (op->code == VY_OP_SELECT ||
			  op->code == VY_OP_LAND || op->code == VY_OP_LOR);
		c->lazy += lz;
		enum vy_type at = resolve_expr(c, a);
		c->lazy -= lz;
		if (at == VY_VOID)
			return VY_VOID;
	}
	if (vec_args(e))
		return vec_op(c, e, op);
	if (atomic && !c->allow_ids) {
		vy_error(c->d, e->loc, NULL, "atomic operations cannot be used in %s",
			 c->what ? c->what : "this context");
		return VY_VOID;
	}
	if (op->code < VY_OP_COUNT && vy_op_is_subgroup(op->code) && !c->allow_ids) {
		vy_error(c->d, e->loc, "use params, literals and len(BUF) only",
			 "subgroup operations cannot be used in %s",
			 c->what ? c->what : "this context");
		return VY_VOID;
	}
	enum vy_type t = check_sig(c, e, op);
	if (t == VY_VOID || !wide_op_ok(c, e, op, t) ||
	    (op->cat == VY_INTRINSIC && !f16_op_ok(c, e, op, t)))
		return VY_VOID;
	if (op->cat == VY_INTRINSIC && op->code == VY_OP_SG_BALLOT)
		return ballot(c, e);
	e->kind = VY_E_OP;
	e->op = op;
	e->type = t;
	if (op->cat != VY_INTRINSIC && c->inline_ops)
		return inline_op(c, e, op);
	return t;
}

/* Resolve e in place; VY_VOID after reporting an error. */
static enum vy_type resolve_expr(struct rctx *c, struct vy_expr *e)
{
	switch (e->kind) {
	case VY_E_CONST:
		if (!abstract(e->type) && e->type != VY_BOOL)
			const_set(c, e, e->type);
		return e->type;
	case VY_E_NAME:
		return resolve_name(c, e);
	case VY_E_INDEX:
		return resolve_index(c, e, false);
	case VY_E_CALL:
		return resolve_call(c, e);
	case VY_E_OP:
		if (e->op)
			return e->type;   /* already resolved (an inlined arg) */
		{
			const struct vy_opdef *op = vy_registry_lookup(c->r, e->name);
			if (!op)
				vy_bug("operator op '%s' is not registered", e->name);
			return vy_resolve_op(c, e, op);
		}
	default:
		return e->type;   /* PARAM, LOCAL, BUILTIN, LEN, LOAD: resolved */
	}
}

enum vy_type vy_resolve_expr(struct rctx *c, struct vy_expr *e)
{
	return resolve_expr(c, e);
}

/* Resolve e and make it a concrete value of type want (VY_VOID: any). */
bool vy_resolve_value(struct rctx *c, struct vy_expr *e, enum vy_type want,
		      const char *what)
{
	if (resolve_expr(c, e) == VY_VOID)
		return false;
	if (want == VY_VOID)
		return vy_coerce_default(c, e);
	if (!coerce(c, e, want))
		return false;
	if (e->type != want) {
		vy_error(c->d, e->loc,
			 want == VY_BOOL ? "compare it, e.g. x != 0" : cast_fix(e->type, want),
			 "%s must be %s, not %s", what, vy_type_name(want),
			 vy_type_name(e->type));
		return false;
	}
	return true;
}

/* ---- statements ---- */

static void resolve_block(struct rctx *c, struct vy_block *b);

static struct vy_expr *mk_local(struct rctx *c, int l, struct vy_loc loc)
{
	struct vy_expr *e = vy_alloc(c->a, sizeof *e);
	e->kind = VY_E_LOCAL;
	e->index = l;
	e->type = c->p->locals[l].type;
	e->loc = loc;
	return e;
}

/* x op= v  ->  x = x op v, with the op resolved like an operator. */
static struct vy_expr *desugar(struct rctx *c, struct vy_stmt *s,
			       struct vy_expr *target)
{
	struct vy_expr *e = vy_alloc(c->a, sizeof *e);
	e->kind = VY_E_OP;
	e->name = s->compound;
	e->loc = s->loc;
	e->nargs = 2;
	e->args = vy_alloc(c->a, sizeof *e->args * 2);
	e->args[0] = target;
	e->args[1] = s->value;
	s->compound = NULL;
	return e;
}

static void resolve_decl(struct rctx *c, struct vy_stmt *s)
{
	if (vec_decl(c, s))
		return;
	bool ok = vy_resolve_value(c, s->value, s->decl_type, "the initial value");
	check_fresh(c, s->name, s->name_loc);
	/* a value that failed (reported) gives the error type VY_VOID, unless
	 * the type was declared: every later use is then silent */
	enum vy_type t = ok ? s->value->type : s->decl_type;
	s->local = vy_new_local(c, s->name, t, s->kind == VY_S_VAR, s->name_loc);
	push_name(c, s->name, s->local);
}

static void resolve_assign(struct rctx *c, struct vy_stmt *s)
{
	if (vec_assign(c, s))
		return;
	int l = find_local(c, s->name);
	if (l < 0) {
		const char *fix = "declare it first: var NAME = VALUE";
		if (find_param(c, s->name) >= 0)
			vy_error(c->d, s->name_loc, "copy it into a local: var x = PARAM",
				 "cannot assign to param '%s'", s->name);
		else if (find_buffer(c, s->name) >= 0 || find_shared(c, s->name) >= 0 ||
			 find_private(c, s->name) >= 0)
			vy_error(c->d, s->name_loc, "store to an element: NAME[i] = VALUE",
				 "cannot assign to array '%s'", s->name);
		else
			vy_error(c->d, s->name_loc, fix, "undefined name '%s'", s->name);
		resolve_expr(c, s->value);
		return;
	}
	struct vy_local *lv = &c->p->locals[l];
	if (!lv->mutable) {
		vy_error(c->d, s->name_loc,
			 lv->loopvar ? "copy it into a var inside the loop: var j = k" :
				vy_fmt(c->a, "declare it with 'var %s = ...'", s->name),
			 lv->loopvar ? "cannot assign to loop variable '%s'" :
				       "cannot assign to '%s': it is declared with let", s->name);
		resolve_expr(c, s->value);
		return;
	}
	s->local = l;
	if (s->compound)
		s->value = desugar(c, s, mk_local(c, l, s->name_loc));
	vy_resolve_value(c, s->value, lv->type, "the assigned value");
}

static bool pure_index(const struct vy_expr *e)
{
	return e->kind == VY_E_CONST || e->kind == VY_E_LOCAL ||
	       e->kind == VY_E_PARAM || e->kind == VY_E_BUILTIN;
}

/* BUF[i] = v and BUF[i] op= v; a compound store whose index is not a
 * simple value gets a hidden let, so the index is evaluated once. Returns
 * the extra statement to insert before s, or NULL. */
static struct vy_stmt *resolve_store(struct rctx *c, struct vy_stmt *s)
{
	if (vec_store(c, s))
		return NULL;
	int b = find_buffer(c, s->name), sh = find_shared(c, s->name);
	bool arr = find_private(c, s->name) >= 0 || (sh >= 0 && c->p->shared[sh].ndims == 2) ||
		   (b >= 0 && s->index2);
	if (arr && !resolve_array_store(c, s))   /* s->index: the flat one */
		return NULL;
	int l = find_local(c, s->name);
	if (!arr && b < 0 && sh < 0 && l >= 0 && c->p->locals[l].type == VY_VOID)
		return NULL;   /* a local whose value failed: reported */
	if (!arr && b < 0 && sh < 0) {
		vy_error(c->d, s->name_loc, find_local(c, s->name) >= 0 ?
			 "declare it under 'buffers:' or 'shared:'" :
			 array_fix(c, s->name, "declare it under 'buffers:' or 'shared:'"),
			 find_local(c, s->name) >= 0 ? "'%s' is a scalar, not a buffer or shared array" :
			 "unknown buffer or shared array '%s'", s->name);
		return NULL;
	}
	if (!arr) {
		s->space = b >= 0 ? VY_SPACE_BUFFER : VY_SPACE_SHARED;
		s->mem = b >= 0 ? b : sh;
	}
	enum vy_type et = vy_type_value(vy_mem_type(c->p, s->space, s->mem));
	if (b >= 0 && c->p->buffers[b].access == VY_READ_ONLY) {
		vy_error(c->d, s->name_loc, "declare it with access: read_write",
			 "cannot store to read-only buffer '%s'", s->name);
		return NULL;
	}
	if (!index_type(c, s->index))
		return NULL;
	struct vy_stmt *pre = NULL;
	if (s->compound) {
		if (b >= 0 && c->p->buffers[b].access == VY_WRITE_ONLY) {
			vy_error(c->d, s->loc, "declare it with access: read_write",
				 "compound assignment to write-only buffer '%s' loads it", s->name);
			return NULL;
		}
		if (!pure_index(s->index)) {
			pre = vy_alloc(c->a, sizeof *pre);
			pre->kind = VY_S_LET;
			pre->loc = s->index->loc;
			pre->value = s->index;
			pre->local = vy_new_local(c, vy_fmt(c->a, "_idx%d", c->p->nlocals),
						  s->index->type, false, s->index->loc);
			s->index = mk_local(c, pre->local, s->index->loc);
		}
		struct vy_expr *ld = vy_alloc(c->a, sizeof *ld);
		ld->kind = VY_E_LOAD;
		ld->space = s->space;
		ld->index = s->mem;
		ld->type = et;
		ld->loc = s->name_loc;
		ld->nargs = 1;
		ld->args = vy_alloc(c->a, sizeof *ld->args);
		ld->args[0] = vy_expr_subst(c->a, s->index, NULL, NULL, 0, s->index->loc);
		s->value = desugar(c, s, ld);
	}
	vy_resolve_value(c, s->value, et, "the stored value");
	return pre;
}

static void resolve_for(struct rctx *c, struct vy_stmt *s)
{
	c->lazy++;
	bool ok = resolve_expr(c, s->lo) != VY_VOID;
	ok &= resolve_expr(c, s->hi) != VY_VOID;
	if (s->step)
		ok &= resolve_expr(c, s->step) != VY_VOID;
	c->lazy--;
	enum vy_type t = VY_VOID;
	struct vy_expr *parts[3] = { s->lo, s->hi, s->step };
	for (int i = 0; ok && i < 3; i++) {
		if (!parts[i] || abstract(parts[i]->type))
			continue;
		if (parts[i]->type != VY_U32 && parts[i]->type != VY_I32) {
			vy_error(c->d, parts[i]->loc, "loop bounds are integers; convert: i32(x)",
				 "loop bound must be u32 or i32, not %s", vy_type_name(parts[i]->type));
			ok = false;
		} else if (t != VY_VOID && t != parts[i]->type) {
			vy_error(c->d, parts[i]->loc, "convert one bound: u32(x) or i32(x)",
				 "loop bounds must have one type, not %s and %s",
				 vy_type_name(t), vy_type_name(parts[i]->type));
			ok = false;
		} else
			t = parts[i]->type;
	}
	if (t == VY_VOID && ok)
		t = VY_I32;   /* else the error type: the body's uses are silent */
	for (int i = 0; ok && i < 3; i++)
		if (parts[i])
			ok &= coerce(c, parts[i], t);
	if (ok && s->step && s->step->kind == VY_E_CONST) {
		if (s->step->bits == 0)
			vy_error(c->d, s->step->loc, "use a positive step", "loop step is 0");
		else if (t == VY_I32 && (int32_t)s->step->bits < 0)
			s->step_negative = true;
	}
	int mark = c->ns;
	check_fresh(c, s->name, s->name_loc);
	s->local = vy_new_local(c, s->name, t, false, s->name_loc);
	c->p->locals[s->local].loopvar = true;
	push_name(c, s->name, s->local);
	c->loops++;
	resolve_block(c, &s->body);
	c->loops--;
	pop_names(c, mark);
}

static struct vy_stmt *resolve_stmt(struct rctx *c, struct vy_stmt *s)
{
	int mark;
	switch (s->kind) {
	case VY_S_LET:
	case VY_S_VAR:
		resolve_decl(c, s);
		break;
	case VY_S_ASSIGN:
		resolve_assign(c, s);
		break;
	case VY_S_STORE:
		return resolve_store(c, s);
	case VY_S_ARRAY:
		resolve_array_decl(c, s);
		break;
	case VY_S_IF:
		vy_resolve_value(c, s->value, VY_BOOL, "the 'if' condition");
		mark = c->ns;
		resolve_block(c, &s->body);
		pop_names(c, mark);
		resolve_block(c, &s->els);
		pop_names(c, mark);
		break;
	case VY_S_WHILE:
		c->lazy++;   /* evaluated every trip: nothing hoisted before it */
		vy_resolve_value(c, s->value, VY_BOOL, "the 'while' condition");
		c->lazy--;
		mark = c->ns;
		c->loops++;
		resolve_block(c, &s->body);
		c->loops--;
		pop_names(c, mark);
		break;
	case VY_S_FOR:
		resolve_for(c, s);
		break;
	case VY_S_BREAK:
	case VY_S_CONTINUE:
		if (!c->loops)
			vy_error(c->d, s->loc, "use 'return' to end the invocation",
				 "'%s' outside a loop", s->kind == VY_S_BREAK ? "break" : "continue");
		break;
	case VY_S_EXPR:
		if (resolve_expr(c, s->value) == VY_VOID)
			break;
		if (vy_type_info(s->value->type)->cls == VY_TC_VECTOR)
			vy_error(c->d, s->value->loc, "bind it: let v = ...",
				 "a %s value cannot be a statement", vy_type_name(s->value->type));
		else
			vy_coerce_default(c, s->value);
		break;
	case VY_S_RETURN:
	case VY_S_BARRIER:
		break;
	}
	return NULL;
}

static void resolve_block(struct rctx *c, struct vy_block *b)
{
	int mark = c->ns;
	struct vy_stmt **out = NULL;
	int n = 0;
	int cap = 0;
	for (int i = 0; i < b->n; i++) {
		int pmark = c->npre;
		struct vy_stmt *pre = resolve_stmt(c, b->v[i]);
		int extra = (pre != NULL) + c->npre - pmark;
		if (extra && (!out || n + extra + b->n - i > cap)) {
			int ncap = (n > i ? n : i) + extra + b->n - i + b->n;
			struct vy_stmt **o = vy_alloc(c->a, sizeof *o * (size_t)ncap);
			if (out)
				memcpy(o, out, sizeof *o * (size_t)n);
			else
				memcpy(o, b->v, sizeof *o * (size_t)(n = i));
			out = o;
			cap = ncap;
		}
		if (out) {
			if (pre)
				out[n++] = pre;
			for (int k = pmark; k < c->npre; k++)
				out[n++] = c->pre[k];
			out[n++] = b->v[i];
		}
		c->npre = pmark;
	}
	if (out) {
		b->v = out;
		b->n = n;
	}
	pop_names(c, mark);
}

/* ---- vectors (SPEC §10.1) ----
 *
 * Vectors are scalarised here, so the IR the emitters, the VM and the
 * optimiser see holds scalars only: a vector local is one scalar local per
 * component (NAME_x, NAME_y, ...), and a resolved vector expression is a
 * transient VY_E_CALL node tagged vec_tag whose args are its components.
 * Component-wise ops become one op per component; math.sum and math.dot
 * add left to right.  A load from a vector array is one VY_E_LOAD per
 * component (axis = component); outside lazy operands the components of
 * one load become consecutive hidden lets (a "group"), and a vector store
 * is consecutive component stores of one index, which the spv, ptx and
 * glsl emitters turn into one vector access. */

static bool is_vec(enum vy_type t)
{
	return vy_type_info(t)->cls == VY_TC_VECTOR;
}

static struct vy_expr *vec_node(struct rctx *c, enum vy_type t, struct vy_loc loc)
{
	unsigned n = vy_type_lanes(t);
	struct vy_expr *e = vy_alloc(c->a, sizeof *e);
	e->kind = VY_E_CALL;
	e->name = vec_tag;
	e->type = t;
	e->loc = loc;
	e->nargs = (int)n;
	e->args = vy_alloc(c->a, sizeof *e->args * n);
	return e;
}

static struct vy_expr *dup(struct rctx *c, const struct vy_expr *e)
{
	return vy_expr_subst(c->a, e, NULL, NULL, 0, e->loc);
}

static bool simple(const struct vy_expr *e)
{
	return e->kind == VY_E_CONST || e->kind == VY_E_LOCAL || e->kind == VY_E_PARAM ||
	       e->kind == VY_E_BUILTIN || e->kind == VY_E_LEN;
}

static void add_pre(struct rctx *c, struct vy_stmt *s)
{
	if (c->npre == c->precap) {
		int cap = c->precap ? 2 * c->precap : 32;
		struct vy_stmt **v = vy_alloc(c->a, sizeof *v * (size_t)cap);
		if (c->npre)
			memcpy(v, c->pre, sizeof *v * (size_t)c->npre);
		c->pre = v;
		c->precap = cap;
	}
	c->pre[c->npre++] = s;
}

static struct vy_stmt *new_stmt(struct rctx *c, enum vy_stmt_kind k, struct vy_loc loc)
{
	struct vy_stmt *s = vy_alloc(c->a, sizeof *s);
	s->kind = k;
	s->loc = loc;
	s->name_loc = loc;
	return s;
}

/* A hidden let holding resolved scalar e, before the current statement. */
static struct vy_expr *hoist(struct rctx *c, struct vy_expr *e)
{
	struct vy_stmt *s = new_stmt(c, VY_S_LET, e->loc);
	s->value = e;
	s->local = vy_new_local(c, vy_fmt(c->a, "_v%d", c->p->nlocals), e->type, false, e->loc);
	s->name = c->p->locals[s->local].name;
	add_pre(c, s);
	return mk_local(c, s->local, e->loc);
}

/* e, to be used several times: itself when simple, else a hidden let, or
 * (in a lazy operand) itself to be copied; NULL after an error. */
static struct vy_expr *share(struct rctx *c, struct vy_expr *e)
{
	if (simple(e))
		return e;
	if (!c->lazy)
		return hoist(c, e);
	if (vy_expr_has_effect(e)) {
		vy_error(c->d, e->loc, "bind the atomic's result with 'let' first and pass the local",
			 "an atomic operation cannot be broadcast to vector components");
		return NULL;
	}
	return e;
}

static void set_vtype(struct rctx *c, int l, enum vy_type t)
{
	if (l >= c->vcap) {
		int cap = 2 * l + 32;
		enum vy_type *v = vy_alloc(c->a, sizeof *v * (size_t)cap);
		if (c->vcap)
			memcpy(v, c->vtype, sizeof *v * (size_t)c->vcap);
		c->vtype = v;
		c->vcap = cap;
	}
	c->vtype[l] = t;
}

static enum vy_type local_vtype(struct rctx *c, int l)
{
	return l >= 0 && l < c->vcap ? c->vtype[l] : VY_VOID;
}

/* The components of vector local l (its first scalar local) as a vector. */
static struct vy_expr *vec_of_local(struct rctx *c, int l, struct vy_loc loc)
{
	enum vy_type t = local_vtype(c, l);
	struct vy_expr *v = vec_node(c, t, loc);
	for (int j = 0; j < v->nargs; j++)
		v->args[j] = mk_local(c, l + j, loc);
	return v;
}

/* Components of a swizzle .xyzw (any order, 1 to 4 long): their count, or
 * -1 when s is none. */
static int swizzle(const char *s, size_t n, int idx[4])
{
	if (n < 1 || n > 4)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const char *k = strchr("xyzw", s[i]);
		if (!k || !s[i])
			return -1;
		idx[i] = (int)(k - "xyzw");
	}
	return (int)n;
}

/* v.SWZ for a resolved vector v: a scalar for one component. */
static struct vy_expr *apply_swizzle(struct rctx *c, struct vy_expr *v,
				     const char *s, size_t n, struct vy_loc loc)
{
	int idx[4], k = swizzle(s, n, idx);
	unsigned lanes = vy_type_lanes(v->type);
	if (k < 0) {
		vy_error(c->d, loc, "components are .x .y .z .w, one to four of them in any order: v.x, v.xy, v.wzyx",
			 "'.%.*s' is not a component or swizzle of %s", (int)n, s,
			 vy_type_name(v->type));
		return NULL;
	}
	for (int i = 0; i < k; i++)
		if ((unsigned)idx[i] >= lanes) {
			vy_error(c->d, loc, vy_fmt(c->a, "%s has the components %s", vy_type_name(v->type),
						   lanes == 2 ? ".x .y" : ".x .y .z"),
				 "'.%c' is out of range for %s", "xyzw"[idx[i]], vy_type_name(v->type));
			return NULL;
		}
	if (k == 1)
		return dup(c, v->args[idx[0]]);
	struct vy_expr *r = vec_node(c, vy_type_vec(vy_type_elem(v->type), (unsigned)k), loc);
	for (int i = 0; i < k; i++)
		r->args[i] = dup(c, v->args[idx[i]]);
	return r;
}

/* A name that is a vector local, or a vector local with swizzles (v.xy,
 * v.wzyx.x): 1 done, 0 failed (reported), -1 not a vector name. */
static int vec_name(struct rctx *c, struct vy_expr *e)
{
	const char *dot = strchr(e->name, '.');
	size_t bl = dot ? (size_t)(dot - e->name) : strlen(e->name);
	const char *base = vy_strndup(c->a, e->name, bl);
	int l = find_local(c, base);
	if (l < 0)
		return -1;
	if (local_vtype(c, l) == VY_VOID) {
		if (!dot)
			return -1;
		if (c->p->locals[l].type == VY_VOID) {   /* its error was reported */
			e->type = VY_VOID;
			return 0;
		}
		vy_error(c->d, e->loc, "components belong to vectors (f32x4 ...); a scalar has none",
			 "'%s' is %s, not a vector: it has no component '%s'", base,
			 vy_type_name(c->p->locals[l].type), dot);
		return 0;
	}
	struct vy_expr *v = vec_of_local(c, l, e->loc);
	while (dot) {
		const char *s = dot + 1, *end = strchr(s, '.');
		size_t n = end ? (size_t)(end - s) : strlen(s);
		if (!is_vec(v->type)) {
			vy_error(c->d, e->loc, "a component is a scalar; swizzle the vector once: v.xy",
				 "'.%.*s' applied to a scalar component", (int)n, s);
			return 0;
		}
		if (!(v = apply_swizzle(c, v, s, n, e->loc)))
			return 0;
		dot = end;
	}
	*e = *v;
	return 1;
}

/* A load of vector array element: its components. */
static enum vy_type vec_load(struct rctx *c, struct vy_expr *e)
{
	enum vy_type t = e->type, el = vy_type_elem(t);
	struct vy_expr *ix = share(c, e->args[0]);
	if (!ix)
		return VY_VOID;
	struct vy_expr *v = vec_node(c, t, e->loc);
	for (int j = 0; j < v->nargs; j++) {
		struct vy_expr *ld = vy_alloc(c->a, sizeof *ld);
		*ld = *e;
		ld->type = el;
		ld->axis = j;
		ld->args = vy_alloc(c->a, sizeof *ld->args);
		ld->args[0] = j ? dup(c, ix) : ix;
		v->args[j] = ld;
	}
	if (!c->lazy)   /* one group of consecutive lets: one access */
		for (int j = 0; j < v->nargs; j++)
			v->args[j] = hoist(c, v->args[j]);
	*e = *v;
	return t;
}

/* Whether an op applies component by component: "same" result, only
 * num/int/float params (SPEC §10.1). */
static bool componentwise(const struct vy_opdef *op)
{
	if (op->rule != VY_RES_SAME || op->cat == VY_EXTERN)
		return false;
	for (int i = 0; i < op->nparams; i++) {
		enum vy_pclass k = op->params[i].cls;
		if (k != VY_PC_NUM && k != VY_PC_INT && k != VY_PC_FLOAT)
			return false;
	}
	return true;
}

static bool vec_args(const struct vy_expr *e)
{
	for (int i = 0; i < e->nargs; i++)
		if (is_vec(e->args[i]->type))
			return true;
	return false;
}

/* One scalar op node over resolved args, resolved (and inlined). */
static struct vy_expr *scalar_op(struct rctx *c, const struct vy_opdef *op,
				 struct vy_expr **args, int n, struct vy_loc loc)
{
	struct vy_expr *o = vy_alloc(c->a, sizeof *o);
	o->kind = VY_E_OP;
	o->name = op->id;
	o->loc = loc;
	o->nargs = n;
	o->args = vy_alloc(c->a, sizeof *o->args * (size_t)n);
	memcpy(o->args, args, sizeof *args * (size_t)n);
	return vy_resolve_op(c, o, op) == VY_VOID ? NULL : o;
}

static enum vy_type vec_op(struct rctx *c, struct vy_expr *e, const struct vy_opdef *op)
{
	bool sel = op->cat == VY_INTRINSIC && op->code == VY_OP_SELECT;
	enum vy_type vt = VY_VOID;
	int first = -1;
	if (!sel && !componentwise(op)) {
		bool b = (op->rule == VY_RES_TYPE && op->ret == VY_BOOL) ||
			 (op->nparams && concrete_class(&op->params[0]) &&
			  op->params[0].type == VY_BOOL);
		for (first = 0; !is_vec(e->args[first]->type); first++)
			;
		vy_error(c->d, e->loc, b ? "compare or combine components: v.x < w.x" :
			 "apply it to each component: f32x4(f(v.x), f(v.y), f(v.z), f(v.w))",
			 b ? "'%s' does not take vectors (%s): comparisons and && || ! are scalar only" :
			     "'%s' does not take vectors (%s)", op->id,
			 vy_type_name(e->args[first]->type));
		return VY_VOID;
	}
	if (sel && is_vec(e->args[0]->type)) {
		vy_error(c->d, e->args[0]->loc, "the condition is one bool: compare a component, v.x > 0.0",
			 "the condition of '?:' must be bool, not %s", vy_type_name(e->args[0]->type));
		return VY_VOID;
	}
	/* the vector type: of the params of the first (non-independent) class */
	for (int i = sel; i < e->nargs; i++) {
		enum vy_type t = e->args[i]->type;
		if (!is_vec(t) || op->params[i].indep)
			continue;
		if (vt == VY_VOID) {
			vt = t;
			first = i;
		} else if (t != vt) {
			vy_error(c->d, e->loc, vy_fmt(c->a, "convert one side: %s(x) converts each component",
						      vy_type_name(vt)),
				 "mismatched types %s and %s for '%s'", vy_type_name(vt),
				 vy_type_name(t), op->id);
			return VY_VOID;
		}
	}
	if (vt == VY_VOID) {   /* only an independent operand (a shift amount) is a vector */
		vy_error(c->d, e->loc, "shift a vector by a vector or a scalar: v << 2u",
			 "'%s' of a scalar by %s", op->id, vy_type_name(e->args[e->nargs - 1]->type));
		return VY_VOID;
	}
	enum vy_type el = vy_type_elem(vt);
	unsigned n = vy_type_lanes(vt);
	struct vy_expr *sh[4] = { 0 };
	for (int i = 0; i < e->nargs; i++) {
		struct vy_expr *a = e->args[i];
		bool indep = op->params[i].indep;
		if (is_vec(a->type)) {
			if (vy_type_lanes(a->type) != n) {
				vy_error(c->d, a->loc, "use vectors of one length, or a scalar",
					 "mismatched types %s and %s for '%s'", vy_type_name(vt),
					 vy_type_name(a->type), op->id);
				return VY_VOID;
			}
			continue;
		}
		if (sel && i == 0) {
			if (!vy_resolve_value(c, a, VY_BOOL, "the condition of '?:'"))
				return VY_VOID;
		} else if (indep) {
			vy_coerce_default(c, a);
		} else {
			if (!coerce(c, a, el))
				return VY_VOID;
			if (a->type != el) {
				vy_error(c->d, a->loc, vy_fmt(c->a, "convert the scalar: %s(x); it is then broadcast",
							      vy_type_name(el)),
					 "mismatched types %s and %s for '%s': a scalar with a %s must be %s",
					 vy_type_name(vt), vy_type_name(a->type), op->id,
					 vy_type_name(vt), vy_type_name(el));
				return VY_VOID;
			}
		}
		if (!(sh[i] = share(c, a)))
			return VY_VOID;
	}
	(void)first;
	struct vy_expr *r = vec_node(c, vt, e->loc);
	for (unsigned j = 0; j < n; j++) {
		struct vy_expr *args[4];
		for (int i = 0; i < e->nargs; i++)
			args[i] = sh[i] ? (j ? dup(c, sh[i]) : sh[i]) : e->args[i]->args[j];
		if (!(r->args[j] = scalar_op(c, op, args, e->nargs, e->loc)))
			return VY_VOID;
	}
	*e = *r;
	return vt;
}

/* TxN(...) constructors and splats, .SWZ of an expression, math.sum and
 * math.dot. */
static enum vy_type vec_call(struct rctx *c, struct vy_expr *e, enum vy_type ct)
{
	for (int i = 0; i < e->nargs; i++)
		if (resolve_expr(c, e->args[i]) == VY_VOID)
			return VY_VOID;
	if (e->name[0] == '.') {
		struct vy_expr *b = e->args[0];
		if (!is_vec(b->type)) {
			vy_error(c->d, e->loc, "components belong to vectors (f32x4 ...); a scalar has none",
				 "'%s' applied to %s, which is not a vector", e->name,
				 vy_type_name(b->type));
			return VY_VOID;
		}
		struct vy_expr *r = b;
		for (const char *d = e->name; d; d = strchr(d + 1, '.')) {
			const char *end = strchr(d + 1, '.');
			size_t n = end ? (size_t)(end - d - 1) : strlen(d + 1);
			if (!is_vec(r->type)) {
				vy_error(c->d, e->loc, "a component is a scalar; swizzle the vector once: v.xy",
					 "'.%.*s' applied to a scalar component", (int)n, d + 1);
				return VY_VOID;
			}
			if (!(r = apply_swizzle(c, r, d + 1, n, e->loc)))
				return VY_VOID;
		}
		*e = *r;
		return e->type;
	}
	if (!is_vec(ct)) {   /* math.sum, math.dot */
		bool dot = strstr(e->name, "dot") != NULL;
		int want = dot ? 2 : 1;
		if (e->nargs != want) {
			vy_error(c->d, e->loc, dot ? "math.dot(a, b) of two float vectors" : "math.sum(v) of one float vector",
				 "'%s' takes %d argument%s but %d %s given", e->name, want,
				 want == 1 ? "" : "s", e->nargs, e->nargs == 1 ? "was" : "were");
			return VY_VOID;
		}
		enum vy_type t = e->args[0]->type;
		for (int i = 0; i < want; i++)
			if (!is_vec(e->args[i]->type) || (vy_type_elem(e->args[i]->type) != VY_F32 &&
			    vy_type_elem(e->args[i]->type) != VY_F16) || e->args[i]->type != t) {
				vy_error(c->d, e->args[i]->loc, i && is_vec(e->args[i]->type) ?
					 vy_fmt(c->a, "both operands are %s; convert one: %s(x)",
						vy_type_name(t), vy_type_name(t)) :
					 "pass a float vector (f32x2, f32x3, f32x4)",
					 "'%s' takes float vectors%s, not %s", e->name,
					 dot && is_vec(t) ? vy_fmt(c->a, " of one type (%s)", vy_type_name(t)) : "",
					 vy_type_name(e->args[i]->type));
				return VY_VOID;
			}
		const struct vy_opdef *add = vy_builtin_op(VY_OP_ADD), *mul = vy_builtin_op(VY_OP_MUL);
		struct vy_expr *acc = NULL, *a = e->args[0], *b = dot ? e->args[1] : NULL;
		for (int j = 0; j < a->nargs; j++) {
			struct vy_expr *x = a->args[j];
			if (dot && !(x = scalar_op(c, mul, (struct vy_expr *[]){ x, b->args[j] }, 2, e->loc)))
				return VY_VOID;
			if (acc && !(x = scalar_op(c, add, (struct vy_expr *[]){ acc, x }, 2, e->loc)))
				return VY_VOID;
			acc = x;
		}
		*e = *acc;
		return e->type;
	}
	enum vy_type el = vy_type_elem(ct);
	unsigned n = vy_type_lanes(ct);
	struct vy_expr *r = vec_node(c, ct, e->loc);
	if (e->nargs == 1 && is_vec(e->args[0]->type) && vy_type_lanes(e->args[0]->type) == n) {
		struct vy_expr *a = e->args[0];   /* conversion, component-wise */
		for (unsigned j = 0; j < n; j++) {
			struct vy_expr *x = a->args[j];
			if (vy_type_elem(a->type) != el) {
				struct vy_expr *cv = vy_alloc(c->a, sizeof *cv);
				cv->kind = VY_E_OP;
				cv->loc = e->loc;
				cv->op = vy_builtin_op(VY_OP_CAST);
				cv->name = cv->op->id;
				cv->cast_to = el;
				cv->type = el;
				cv->nargs = 1;
				cv->args = vy_alloc(c->a, sizeof *cv->args);
				cv->args[0] = x;
				x = cv;
			}
			r->args[j] = x;
		}
		*e = *r;
		return ct;
	}
	if (e->nargs == 1 && !is_vec(e->args[0]->type)) {   /* splat */
		struct vy_expr *a = e->args[0];
		if (!coerce(c, a, el))
			return VY_VOID;
		if (a->type != el) {
			vy_error(c->d, a->loc, vy_fmt(c->a, "convert it: %s(%s(x))", e->name, vy_type_name(el)),
				 "the splat %s(x) takes %s, not %s", e->name, vy_type_name(el),
				 vy_type_name(a->type));
			return VY_VOID;
		}
		if (!(a = share(c, a)))
			return VY_VOID;
		for (unsigned j = 0; j < n; j++)
			r->args[j] = j ? dup(c, a) : a;
		*e = *r;
		return ct;
	}
	unsigned k = 0;
	for (int i = 0; i < e->nargs; i++) {
		struct vy_expr *a = e->args[i];
		unsigned m = vy_type_lanes(a->type);
		if (is_vec(a->type) && vy_type_elem(a->type) != el) {
			vy_error(c->d, a->loc, vy_fmt(c->a, "convert it: %s%u(x)", vy_type_name(el), m),
				 "argument %d of %s is %s, not a vector of %s", i + 1, e->name,
				 vy_type_name(a->type), vy_type_name(el));
			return VY_VOID;
		}
		if (!is_vec(a->type)) {
			if (!coerce(c, a, el))
				return VY_VOID;
			if (a->type != el) {
				vy_error(c->d, a->loc, cast_fix(a->type, el),
					 "argument %d of %s is %s, not %s", i + 1, e->name,
					 vy_type_name(a->type), vy_type_name(el));
				return VY_VOID;
			}
		}
		for (unsigned j = 0; j < m && k + j < n; j++)
			r->args[k + j] = is_vec(a->type) ? a->args[j] : a;
		k += m;
	}
	if (k != n) {
		vy_error(c->d, e->loc, vy_fmt(c->a, "give %u components, %s(a, b, ...), or one for the splat %s(s)",
					      n, e->name, e->name),
			 "%s takes %u components, but %u %s given", e->name, n, k, k == 1 ? "was" : "were");
		return VY_VOID;
	}
	*e = *r;
	return ct;
}

/* e, the value of a vector let/var, assignment or store, resolved (again:
 * resolving is idempotent) and of type want; "WHAT must be want, not T"
 * with the cast as Fix otherwise.  A scalar is typed by default first, so
 * the message names f32 rather than an abstract literal. */
static bool vec_value(struct rctx *c, struct vy_expr *e, enum vy_type want,
		      const char *what)
{
	if (resolve_expr(c, e) == VY_VOID)
		return false;
	if (!is_vec(e->type))
		vy_coerce_default(c, e);
	if (e->type == want)
		return true;
	vy_error(c->d, e->loc, cast_fix(e->type, want), "%s must be %s, not %s", what,
		 vy_type_name(want), vy_type_name(e->type));
	return false;
}

/* let/var of a vector: one scalar local per component. */
static bool vec_decl(struct rctx *c, struct vy_stmt *s)
{
	if (!is_vec(s->decl_type)) {
		enum vy_type t = resolve_expr(c, s->value);
		if (t != VY_VOID && !is_vec(t))
			return false;   /* a scalar: resolve_decl goes on */
		if (t == VY_VOID) {   /* reported: the error type, as resolve_decl */
			check_fresh(c, s->name, s->name_loc);
			s->local = vy_new_local(c, s->name, s->decl_type,
						s->kind == VY_S_VAR, s->name_loc);
			push_name(c, s->name, s->local);
			return true;
		}
	}
	enum vy_type want = s->decl_type ? s->decl_type : s->value->type;
	bool ok = vec_value(c, s->value, want, "the initial value");
	const char *vname = s->name;
	check_fresh(c, vname, s->name_loc);
	int first = c->p->nlocals;
	unsigned n = vy_type_lanes(want);
	for (unsigned j = 0; j < n; j++)
		vy_new_local(c, vy_fmt(c->a, "%s_%c", s->name, "xyzw"[j]), vy_type_elem(want),
			     s->kind == VY_S_VAR, s->name_loc);
	set_vtype(c, first, want);
	struct vy_expr *v = s->value;
	for (unsigned j = 0; ok && j < n; j++) {
		struct vy_stmt *d = j + 1 < n ? new_stmt(c, s->kind, s->loc) : s;
		d->local = first + (int)j;
		d->name = c->p->locals[d->local].name;
		d->name_loc = s->name_loc;
		d->decl_type = VY_VOID;
		d->value = v->args[j];
		if (j + 1 < n)
			add_pre(c, d);
	}
	if (!ok) {   /* keep a well-formed statement */
		s->local = first;
		s->value = mk_local(c, first, s->loc);
		s->kind = VY_S_LET;
		s->decl_type = VY_VOID;
	}
	push_name(c, vname, first);
	return true;
}

/* v = ..., v op= ..., v.y = ..., v.y op= ... for a vector var v. */
static bool vec_assign(struct rctx *c, struct vy_stmt *s)
{
	const char *dot = strchr(s->name, '.');
	const char *base = dot ? vy_strndup(c->a, s->name, (size_t)(dot - s->name)) : s->name;
	int l = find_local(c, base);
	enum vy_type t = local_vtype(c, l);
	if (t == VY_VOID)
		return false;
	struct vy_local *lv = &c->p->locals[l];
	if (!lv->mutable) {
		vy_error(c->d, s->name_loc, vy_fmt(c->a, "declare it with 'var %s = ...'", base),
			 "cannot assign to '%s': it is declared with let", base);
		resolve_expr(c, s->value);
		return true;
	}
	if (dot) {   /* one component */
		int idx[4];
		int k = swizzle(dot + 1, strlen(dot + 1), idx);
		if (k != 1 || (unsigned)idx[0] >= vy_type_lanes(t)) {
			vy_error(c->d, s->name_loc, k > 1 ? vy_fmt(c->a, "assign one component at a time: %s.%c = ...",
								 base, dot[1]) :
				 vy_fmt(c->a, "%s has the components .x to .%c", vy_type_name(t),
					"xyzw"[vy_type_lanes(t) - 1]),
				 k > 1 ? "'%s' assigns several components; one is assigned at a time" :
					 "'%s' is not a component of %s", s->name, vy_type_name(t));
			resolve_expr(c, s->value);
			return true;
		}
		s->local = l + idx[0];
		if (s->compound)
			s->value = desugar(c, s, mk_local(c, s->local, s->name_loc));
		vy_resolve_value(c, s->value, vy_type_elem(t), "the assigned value");
		return true;
	}
	if (s->compound)
		s->value = desugar(c, s, vec_of_local(c, l, s->name_loc));
	if (!vec_value(c, s->value, t, "the assigned value"))
		return true;
	/* every component is computed before any is assigned (v = v.yx) */
	unsigned n = vy_type_lanes(t);
	struct vy_expr *v = s->value;
	for (unsigned j = 0; j < n; j++)
		if (v->args[j]->kind != VY_E_CONST)
			v->args[j] = hoist(c, v->args[j]);
	for (unsigned j = 0; j < n; j++) {
		struct vy_stmt *d = j + 1 < n ? new_stmt(c, VY_S_ASSIGN, s->loc) : s;
		d->local = l + (int)j;
		d->name = c->p->locals[d->local].name;
		d->name_loc = s->name_loc;
		d->value = v->args[j];
		if (j + 1 < n)
			add_pre(c, d);
	}
	return true;
}

/* A vector store s of type t as one scalar store a component, each value
 * computed before any is stored; a component's store names it by comp
 * (a buffer or shared element) or, for a private array of vectors, by
 * the component's own array mem + j (mem < 0: by comp). */
static bool split_vec_store(struct rctx *c, struct vy_stmt *s, enum vy_type t, int mem)
{
	if (!vec_value(c, s->value, t, "the stored value"))
		return true;
	unsigned n = vy_type_lanes(t);
	struct vy_expr *v = s->value;
	for (unsigned j = 0; j < n; j++)
		if (!simple(v->args[j]))
			v->args[j] = hoist(c, v->args[j]);
	for (unsigned j = 0; j < n; j++) {
		struct vy_stmt *d = s;
		if (j + 1 < n) {
			d = new_stmt(c, VY_S_STORE, s->loc);
			*d = *s;
			d->index = dup(c, s->index);
			add_pre(c, d);
		}
		if (mem < 0)
			d->comp = (int)j;
		else
			d->mem = mem + (int)j;
		d->value = v->args[j];
	}
	return true;
}

static bool vec_priv_store(struct rctx *c, struct vy_stmt *s);

/* BUF[i] = v and BUF[i] op= v for a vector array: the components stored
 * consecutively at one index, after all of them are computed. */
static bool vec_store(struct rctx *c, struct vy_stmt *s)
{
	int k = find_private(c, s->name);
	if (k >= 0 && priv_vtype(c, k) != VY_VOID)
		return vec_priv_store(c, s);
	int b = find_buffer(c, s->name), sh = find_shared(c, s->name);
	if (b < 0 && sh < 0)
		return false;
	enum vy_type t = b >= 0 ? c->p->buffers[b].type : c->p->shared[sh].type;
	if (!is_vec(t))
		return false;
	s->space = b >= 0 ? VY_SPACE_BUFFER : VY_SPACE_SHARED;
	s->mem = b >= 0 ? b : sh;
	if (b >= 0 && c->p->buffers[b].access == VY_READ_ONLY) {
		vy_error(c->d, s->name_loc, "declare it with access: read_write",
			 "cannot store to read-only buffer '%s'", s->name);
		return true;
	}
	/* TILE[i][j] = v of a 2-D shared vector array: the flat index, as
	 * for scalars (the compound load reads TILE[i][j] again) */
	struct vy_expr *ij[2] = { NULL, NULL };
	if ((sh >= 0 && c->p->shared[sh].ndims == 2) || s->index2) {
		if (s->compound && s->index2)
			ij[0] = dup(c, s->index), ij[1] = dup(c, s->index2);
		if (!resolve_array_store(c, s))
			return true;
	}
	if (!index_type(c, s->index))
		return true;
	if (s->compound && b >= 0 && c->p->buffers[b].access == VY_WRITE_ONLY) {
		vy_error(c->d, s->loc, "declare it with access: read_write",
			 "compound assignment to write-only buffer '%s' loads it", s->name);
		return true;
	}
	if (!pure_index(s->index))
		s->index = hoist(c, s->index);
	if (s->compound) {
		struct vy_expr *ld = vy_alloc(c->a, sizeof *ld);
		ld->kind = VY_E_INDEX;
		ld->name = s->name;
		ld->loc = s->name_loc;
		ld->nargs = ij[0] ? 2 : 1;
		ld->args = vy_alloc(c->a, sizeof *ld->args * 2);
		ld->args[0] = ij[0] ? ij[0] : dup(c, s->index);
		ld->args[1] = ij[1];
		s->value = desugar(c, s, ld);
	}
	return split_vec_store(c, s, t, -1);
}

/* ---- private arrays of vectors (SPEC §10.3) ----
 * var NAME: TxN[...] is N scalar private arrays NAME_x, NAME_y, ... of T
 * (consecutive in p->privates), so the reference VM, vy_scalarise and
 * the emitters see scalar arrays only; NAME[i] is the vector of their
 * elements i, a store writes each component after computing all. */

static enum vy_type priv_vtype(struct rctx *c, int mem)
{
	return mem >= 0 && mem < c->pvcap ? c->pvtype[mem] : VY_VOID;
}

static void set_pvtype(struct rctx *c, int mem, enum vy_type t)
{
	if (mem >= c->pvcap) {
		int cap = 2 * mem + 16;
		enum vy_type *v = vy_alloc(c->a, sizeof *v * (size_t)cap);
		memset(v, 0, sizeof *v * (size_t)cap);
		if (c->pvcap)
			memcpy(v, c->pvtype, sizeof *v * (size_t)c->pvcap);
		c->pvtype = v;
		c->pvcap = cap;
	}
	c->pvtype[mem] = t;
}

/* Whether index e may be evaluated once per component: ops over
 * constants, locals, params and builtins (no load, no atomic), so a 2-D
 * index keeps the row * M + col shape the reference checks per axis. */
static bool plain_index(const struct vy_expr *e)
{
	if (simple(e))
		return true;
	if (e->kind != VY_E_OP || !e->op || e->op->cat != VY_INTRINSIC ||
	    vy_op_is_atomic(e->op->code) || vy_op_is_subgroup(e->op->code))
		return false;
	for (int i = 0; i < e->nargs; i++)
		if (!plain_index(e->args[i]))
			return false;
	return true;
}

/* NAME[ix] of vector private array mem (ix flat, resolved). */
static struct vy_expr *vec_priv_load(struct rctx *c, int mem, struct vy_expr *ix,
				     struct vy_loc loc)
{
	enum vy_type t = priv_vtype(c, mem);
	if (!plain_index(ix) && !(ix = share(c, ix)))
		return NULL;
	struct vy_expr *v = vec_node(c, t, loc);
	for (int j = 0; j < v->nargs; j++) {
		struct vy_expr *ld = vy_alloc(c->a, sizeof *ld);
		ld->kind = VY_E_LOAD;
		ld->space = VY_SPACE_PRIVATE;
		ld->index = mem + j;
		ld->type = c->p->privates[mem + j].type;
		ld->loc = loc;
		ld->nargs = 1;
		ld->args = vy_alloc(c->a, sizeof *ld->args);
		ld->args[0] = j ? dup(c, ix) : ix;
		v->args[j] = ld;
	}
	return v;
}

/* NAME[i] = v, NAME[i][j] = v, NAME[i] op= v of a vector private array. */
static bool vec_priv_store(struct rctx *c, struct vy_stmt *s)
{
	if (!resolve_array_store(c, s))   /* s->index: the flat one */
		return true;
	int mem = s->mem;
	enum vy_type t = priv_vtype(c, mem);
	if (!plain_index(s->index))
		s->index = hoist(c, s->index);
	if (s->compound) {
		struct vy_expr *ld = vec_priv_load(c, mem, dup(c, s->index), s->name_loc);
		if (!ld)
			return true;
		s->value = desugar(c, s, ld);
	}
	return split_vec_store(c, s, t, mem);
}

/* The fill value of var NAME: TxN[...] = VALUE, a vector or a scalar for
 * every component, as the components' values (simple or hoisted lets);
 * false after an error (reported). */
static bool vec_array_fill(struct rctx *c, struct vy_stmt *s, bool ok,
			   struct vy_expr *comp[4])
{
	enum vy_type t = s->decl_type, el = vy_type_elem(t);
	unsigned n = vy_type_lanes(t);
	comp[0] = NULL;
	if (!s->value)
		return true;
	if (resolve_expr(c, s->value) == VY_VOID)
		return false;
	if (!is_vec(s->value->type)) {
		if (!vy_resolve_value(c, s->value, ok ? el : VY_VOID, "the fill value"))
			return false;
		struct vy_expr *x = share(c, s->value);
		for (unsigned j = 0; x && j < n; j++)
			comp[j] = j ? dup(c, x) : x;
		return x != NULL;
	}
	if (!vec_value(c, s->value, t, "the fill value"))
		return false;
	for (unsigned j = 0; j < n; j++)
		comp[j] = simple(s->value->args[j]) ? s->value->args[j] : hoist(c, s->value->args[j]);
	return true;
}

/* ---- declarations ---- */

/* The first node of a 64-bit type in e, or NULL. */
static const struct vy_expr *wide_node(const struct vy_expr *e)
{
	if (vy_type_is64(e->type))
		return e;
	for (int i = 0; i < e->nargs; i++) {
		const struct vy_expr *w = wide_node(e->args[i]);
		if (w)
			return w;
	}
	return NULL;
}

/* Resolve a launch-time u32 expression over params and literals. */
static void resolve_uniform(struct rctx *c, struct vy_expr *e, const char *what,
			    bool allow_len)
{
	c->allow_ids = false;
	c->what = what;
	(void)allow_len;
	if (vy_resolve_value(c, e, VY_U32, what)) {
		const struct vy_expr *w = wide_node(e);
		if (w)
			vy_error(c->d, w->loc, "declare the param u32 (counts and the "
				 "dispatch are u32 expressions over u32, i32 and f32 values)",
				 "%s value in %s", vy_type_name(w->type), what);
	}
	c->allow_ids = true;
	c->what = NULL;
}

static bool has_len(const struct vy_expr *e)
{
	if (e->kind == VY_E_LEN)
		return true;
	for (int i = 0; i < e->nargs; i++)
		if (has_len(e->args[i]))
			return true;
	return false;
}

static struct vy_expr *len_of(struct rctx *c, int b)
{
	struct vy_expr *e = vy_alloc(c->a, sizeof *e);
	e->kind = VY_E_LEN;
	e->index = b;
	e->type = VY_U32;
	e->loc = c->p->buffers[b].loc;
	return e;
}

/* dispatch absent: [count of the largest writable buffer], ties to the
 * lowest binding, as max() over the writable buffers' counts. */
static void default_dispatch(struct rctx *c)
{
	struct vy_program *p = c->p;
	struct vy_expr *e = NULL;
	char *text = NULL;
	for (int b = 0; b < p->nbuffers; b++) {
		if (p->buffers[b].access == VY_READ_ONLY)
			continue;
		const char *ct = p->buffers[b].count_text ? p->buffers[b].count_text : "?";
		if (!e) {
			e = len_of(c, b);
			text = vy_strdup(c->a, ct);
			continue;
		}
		struct vy_expr *m = vy_alloc(c->a, sizeof *m);
		m->kind = VY_E_OP;
		m->op = vy_builtin_op(VY_OP_MAX);
		m->type = VY_U32;
		m->nargs = 2;
		m->args = vy_alloc(c->a, sizeof *m->args * 2);
		m->args[0] = e;
		m->args[1] = len_of(c, b);
		m->loc = e->loc;
		e = m;
		text = vy_fmt(c->a, "max(%s, %s)", text, ct);
	}
	if (!e) {
		vy_error(c->d, p->loc_name, "add 'dispatch: [N]' with the number of invocations",
			 "program has no 'dispatch' and no writable buffer to take it from");
		return;
	}
	p->ndispatch = 1;
	p->dispatch[0] = e;
	p->dispatch_text[0] = text;
}

static void resolve_decls(struct rctx *c)
{
	struct vy_program *p = c->p;
	for (int b = 0; b < p->nbuffers; b++) {
		struct vy_expr *e = p->buffers[b].count;
		if (!e || p->part)   /* parts share the buffers: parts[0] resolves them */
			continue;
		int before = c->d->nerrors;
		resolve_uniform(c, e, vy_fmt(c->a, "the count of buffer '%s'", p->buffers[b].name), false);
		if (has_len(e))
			vy_error(c->d, e->loc, "write the count over params and literals",
				 "the count of buffer '%s' may not use len()", p->buffers[b].name);
		else if (c->d->nerrors == before && vy_expr_is_const(e))
			vy_decls_check_count(p, c->a, c->d, &p->buffers[b]);
	}
	int shared_errors = c->d->nerrors;
	for (int s = 0; s < p->nshared; s++) {
		struct vy_expr *e = p->shared[s].count_expr;
		if (p->shared[s].ndims == 2)
			resolve_shared_axes(c, &p->shared[s]);
		if (!e)
			continue;
		int before = c->d->nerrors;
		resolve_uniform(c, e, "a shared array count", false);
		if (c->d->nerrors != before)
			continue;
		if (!vy_expr_is_const(e) || vy_eval_uniform(p, e, NULL, NULL) == 0)
			vy_error(c->d, p->shared[s].count_loc.src ? p->shared[s].count_loc : e->loc,
				 "write a positive integer constant",
				 "shared array '%s' needs a constant positive count", p->shared[s].name);
		else
			p->shared[s].count = vy_eval_uniform(p, e, NULL, NULL);
	}
	for (int s = 0; s < p->nshared; s++)
		if (p->shared[s].ndims != 2) {
			p->shared[s].ndims = 1;
			p->shared[s].dims[0] = p->shared[s].count;
			p->shared[s].dims[1] = 1;
		}
	if (c->d->nerrors == shared_errors)
		vy_decls_check_shared(p, c->d);
	for (int i = 0; i < p->ndispatch; i++) {
		int before = c->d->nerrors;
		resolve_uniform(c, p->dispatch[i], "'dispatch'", true);
		if (c->d->nerrors == before && vy_expr_is_const(p->dispatch[i]))
			vy_decls_check_dispatch(p, c->d, i);
	}
	if (!p->ndispatch)
		default_dispatch(c);
}

bool vy_resolve(struct vy_program *p, const struct vy_registry *r,
		struct vy_diags *d)
{
	struct rctx c = { .p = p, .r = r, .d = d, .a = p->arena,
			  .allow_ids = true, .allow_params = true,
			  .inline_ops = true, .local_cap = p->nlocals };
	int before = d->nerrors;
	resolve_decls(&c);
	resolve_block(&c, &p->entry);
	free_scopes(&c);
	return d->nerrors == before;
}

/* The pipeline's repeat counts and host for bounds (SPEC §10.5): u32
 * expressions over params, as a dispatch is. */
static void resolve_pipe(struct rctx *c, struct vy_pipe *v, int n)
{
	for (int i = 0; i < n; i++) {
		if (v[i].count)
			resolve_uniform(c, v[i].count, "a 'repeat' count", false);
		if (v[i].lo)
			resolve_uniform(c, v[i].lo, "a host 'for' bound", false);
		if (v[i].hi)
			resolve_uniform(c, v[i].hi, "a host 'for' bound", false);
		resolve_pipe(c, v[i].body, v[i].n);
	}
}

bool vy_resolve_pipeline(struct vy_program *p, const struct vy_registry *r,
			 struct vy_diags *d)
{
	struct rctx c = { .p = p, .r = r, .d = d, .a = p->arena,
			  .allow_ids = true, .allow_params = true,
			  .inline_ops = true, .local_cap = p->nlocals };
	int before = d->nerrors;
	resolve_pipe(&c, p->pipe, p->npipe);
	free_scopes(&c);
	return d->nerrors == before;
}

/* ---- extern op bodies (called from dialect_check.c) ---- */

bool vy_check_opdef(struct vy_arena *a, const struct vy_registry *r,
		    struct vy_opdef *op, struct vy_diags *d)
{
	/* a scratch program whose locals are the op's params and lets */
	struct vy_program scratch = { .arena = a };
	struct rctx c = { .p = &scratch, .r = r, .d = d, .a = a,
			  .allow_ids = false, .allow_params = false,
			  .inline_ops = false,
			  .what = vy_fmt(a, "the body of '%s' (only its params and lets are in scope)", op->id) };
	int before = d->nerrors;
	for (int i = 0; i < op->nparams; i++) {
		int l = vy_new_local(&c, op->params[i].name, op->params[i].type, false, op->loc);
		push_name(&c, op->params[i].name, l);
	}
	for (int i = 0; i < op->nlets; i++) {
		struct vy_expr *e = vy_expr_subst(a, op->lets[i], NULL, NULL, 0, op->lets[i]->loc);
		if (!vy_resolve_value(&c, e, VY_VOID, "a let binding"))
			break;
		int l = vy_new_local(&c, op->let_names[i], e->type, false, op->lets[i]->loc);
		push_name(&c, op->let_names[i], l);
	}
	if (d->nerrors == before) {
		struct vy_expr *e = vy_expr_subst(a, op->body, NULL, NULL, 0, op->body->loc);
		if (vy_resolve_value(&c, e, op->ret, vy_fmt(a, "the body of '%s'", op->id)) &&
		    vy_expr_has_effect(e))
			vy_error(d, op->body->loc, NULL, "the body of '%s' may not use atomics", op->id);
	}
	free_scopes(&c);
	return d->nerrors == before;
}
