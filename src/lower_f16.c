/*
 * lower_f16.c: f16 (SPEC §10.1) as f32 that holds a binary16 value.
 *
 * After the resolver, every f16 expression becomes an f32 one whose
 * value is always a binary16 number: an op that can leave that set
 * (+ - * / fma sqrt, the math library, casts from the integers) is
 * computed in f32 and rounded with math.f16_value(math.f16_bits(x)),
 * two library ops (src/mathlib.c) that every target lowers the same way,
 * so the reference VM, spv, ptx and glsl agree bit for bit.  For + - * /
 * and sqrt the f32 result rounded to binary16 is the correctly rounded
 * binary16 result (24 >= 2*11 + 2 bits: the double rounding is
 * innocuous); the other math ops round their f32 result once.  Ops
 * exact on binary16 values (neg abs min max clamp sign floor ceil round
 * trunc select copysign, comparisons, casts from f16) are not rounded.
 *
 * f16 buffers and shared arrays become F16S (vyrec_types.def): 16-bit
 * elements loaded and stored as u16's, widened with math.f16_value and
 * narrowed with math.f16_bits.  f16x2..4 ones become F16SX2..4, vectors
 * of those bits; a vector load's hidden lets (a group, vy_vec_group)
 * load the bits into u32 locals and the f32 values follow the group, so
 * the emitters still see one vector access.  An f16 param stays f16 in the program
 * (the ABI: its 16 bits in the low half of a 4-byte slot, SPEC §10.10);
 * emitters declare it as u32 (vy_param_repr) and its value is widened
 * where it is read.  Private arrays and locals of f16 become f32.
 */
#include <string.h>

#include "vyrec.h"

static struct vy_expr *lib(struct vy_arena *a, enum vy_opcode code,
			   struct vy_expr *x)
{
	struct vy_expr *e = vy_alloc(a, sizeof *e);
	e->kind = VY_E_OP;
	e->op = vy_builtin_op(code);
	e->name = e->op->id;
	e->type = code == VY_OP_F16_BITS ? VY_U32 : VY_F32;
	e->loc = x->loc;
	e->nargs = 1;
	e->args = vy_alloc(a, sizeof *e->args);
	e->args[0] = x;
	return e;
}

static bool is_lib(const struct vy_expr *e, enum vy_opcode code)
{
	return e && e->kind == VY_E_OP && e->op && e->op->code == code;
}

static struct vy_expr *round16(struct vy_arena *a, struct vy_expr *x)
{
	return lib(a, VY_OP_F16_VALUE, lib(a, VY_OP_F16_BITS, x));
}

/* A node of the lowering's own (type t; op code; cast target t). */
static struct vy_expr *node(struct vy_arena *a, enum vy_opcode code, enum vy_type t,
			    const struct vy_expr *at, int n, struct vy_expr *x,
			    struct vy_expr *y, struct vy_expr *z)
{
	struct vy_expr *e = vy_alloc(a, sizeof *e);
	e->kind = VY_E_OP;
	e->op = vy_builtin_op(code);
	e->name = e->op->id;
	e->type = t;
	if (code == VY_OP_CAST || code == VY_OP_BITCAST)
		e->cast_to = t;
	e->loc = at->loc;
	e->nargs = n;
	e->args = vy_alloc(a, (size_t)n * sizeof *e->args);
	struct vy_expr *v[3] = { x, y, z };
	for (int i = 0; i < n; i++)
		e->args[i] = v[i];
	return e;
}

static struct vy_expr *u32k(struct vy_arena *a, const struct vy_expr *at, uint32_t bits)
{
	struct vy_expr *e = vy_alloc(a, sizeof *e);
	e->kind = VY_E_CONST;
	e->type = VY_U32;
	e->bits = bits;
	e->loc = at->loc;
	return e;
}

/* A copy of the tree x, for each of its uses. */
static struct vy_expr *cp(struct vy_arena *a, const struct vy_expr *x)
{
	struct vy_expr *c = vy_alloc(a, sizeof *c);
	*c = *x;
	if (x->nargs) {
		c->args = vy_alloc(a, (size_t)x->nargs * sizeof *c->args);
		for (int i = 0; i < x->nargs; i++)
			c->args[i] = x->args[i] ? cp(a, x->args[i]) : NULL;
	}
	return c;
}

/* f64 x to f32 rounded to odd (SPEC §10.1: f64 -> f16 rounds once): the
 * nearest f32 y, and where y != x with an even last bit, y one ulp
 * toward x (from an overflow to inf: the largest finite f32).  f16 of
 * that rounds like x itself (Boldo & Melquiond: 24 >= 11 + 2).  NaN
 * compares false and stays.  x is pure (resolve refuses an atomic in
 * it) and is evaluated where it is used. */
static struct vy_expr *odd32(struct vy_arena *a, struct vy_expr *x)
{
#define Y node(a, VY_OP_CAST, VY_F32, x, 1, cp(a, x), NULL, NULL)
#define AD node(a, VY_OP_ABS, VY_F64, x, 1, node(a, VY_OP_CAST, VY_F64, x, 1, Y, NULL, NULL), NULL, NULL)
#define AX node(a, VY_OP_ABS, VY_F64, x, 1, cp(a, x), NULL, NULL)
#define BITS node(a, VY_OP_BITCAST, VY_U32, x, 1, Y, NULL, NULL)
	struct vy_expr *even = node(a, VY_OP_EQ, VY_BOOL, x, 2,
		node(a, VY_OP_AND, VY_U32, x, 2, BITS, u32k(a, x, 1), NULL), u32k(a, x, 0), NULL);
	struct vy_expr *up = node(a, VY_OP_GT, VY_BOOL, x, 2, AX, AD, NULL);
	struct vy_expr *dn = node(a, VY_OP_LT, VY_BOOL, x, 2, AX, AD, NULL);
	struct vy_expr *step = node(a, VY_OP_SELECT, VY_U32, x, 3, up, u32k(a, x, 1),
		node(a, VY_OP_SELECT, VY_U32, x, 3, dn, u32k(a, x, 0xFFFFFFFFu), u32k(a, x, 0)));
	step = node(a, VY_OP_SELECT, VY_U32, x, 3, even, step, u32k(a, x, 0));
	return node(a, VY_OP_BITCAST, VY_F32, x, 1,
		    node(a, VY_OP_ADD, VY_U32, x, 2, BITS, step, NULL), NULL, NULL);
#undef Y
#undef AD
#undef AX
#undef BITS
}

/* Ops whose f32 result on binary16 operands is a binary16 value. */
static bool exact_on_f16(enum vy_opcode c)
{
	switch (c) {
	case VY_OP_NEG: case VY_OP_SELECT: case VY_OP_MIN: case VY_OP_MAX:
	case VY_OP_CLAMP: case VY_OP_ABS: case VY_OP_SIGN: case VY_OP_FLOOR:
	case VY_OP_CEIL: case VY_OP_ROUND: case VY_OP_TRUNC: case VY_OP_COPYSIGN:
		return true;
	default:
		return false;
	}
}

static enum vy_type mem_type(const struct vy_program *p, const struct vy_expr *e)
{
	return vy_mem_type(p, e->space, e->index);
}

/* f16 bits in memory: F16S or a vector of it */
static bool bits16(enum vy_type t)
{
	return vy_type_elem(t) == VY_F16S;
}

/* An f16 memory type as lowered: f16 -> F16S, f16xN -> F16SXN. */
static enum vy_type mem16(enum vy_type t)
{
	if (t == VY_F16)
		return VY_F16S;
	if (vy_type_info(t)->cls == VY_TC_VECTOR && vy_type_elem(t) == VY_F16)
		return vy_type_vec(VY_F16S, vy_type_lanes(t));
	return t;
}

static struct vy_expr *lower(struct vy_program *p, struct vy_expr *e);

static void lower_args(struct vy_program *p, struct vy_expr *e)
{
	for (int i = 0; i < e->nargs; i++)
		if (e->args[i])
			e->args[i] = lower(p, e->args[i]);
}

static struct vy_expr *lower(struct vy_program *p, struct vy_expr *e)
{
	struct vy_arena *a = p->arena;
	switch (e->kind) {
	case VY_E_CONST: case VY_E_LOCAL:
		if (e->type == VY_F16)
			e->type = VY_F32;   /* a constant's bits are already its f32 */
		return e;
	case VY_E_PARAM:
		if (p->params[e->index].type != VY_F16)
			return e;
		e->type = VY_U32;
		return lib(a, VY_OP_F16_VALUE, e);
	case VY_E_LOAD: {
		lower_args(p, e);
		enum vy_type mt = mem_type(p, e);
		if (bits16(mt) && e->type != VY_U32) {
			e->type = VY_U32;
			return lib(a, VY_OP_F16_VALUE, e);
		}
		if (e->type == VY_F16)
			e->type = VY_F32;
		return e;
	}
	case VY_E_OP: {
		enum vy_type from = e->nargs && e->args[0] ? e->args[0]->type : VY_VOID;
		lower_args(p, e);
		enum vy_opcode c = e->op ? e->op->code : VY_OP_COUNT;
		if (c == VY_OP_CAST) {
			if (e->cast_to != VY_F16)
				return e;   /* from f16: the f32's cast is the same */
			e->cast_to = e->type = VY_F32;
			if (from == VY_F64)
				return round16(a, odd32(a, e->args[0]));
			if (from == VY_F16 || from == VY_F32 || from == VY_BOOL)
				return from == VY_F32 ? round16(a, e) : e;
			return round16(a, e);   /* an integer: exact in f32 below 2^24 */
		}
		if (e->type != VY_F16)
			return e;
		e->type = VY_F32;
		return exact_on_f16(c) ? e : round16(a, e);
	}
	case VY_E_NAME: case VY_E_CALL: case VY_E_INDEX: case VY_E_BUILTIN:
	case VY_E_LEN: case VY_E_SLOT:
		lower_args(p, e);
		return e;
	}
	return e;
}

static void lower_block(struct vy_program *p, struct vy_block *b);

static struct vy_expr *lx(struct vy_program *p, struct vy_expr *e)
{
	return e ? lower(p, e) : NULL;
}

static void lower_stmt(struct vy_program *p, struct vy_stmt *s)
{
	s->value = lx(p, s->value);
	s->index = lx(p, s->index);
	s->lo = lx(p, s->lo);
	s->hi = lx(p, s->hi);
	s->step = lx(p, s->step);
	if (s->kind == VY_S_STORE && s->space != VY_SPACE_PRIVATE &&
	    bits16(vy_mem_type(p, s->space, s->mem)) && s->value &&
	    s->value->type == VY_F32) {
		struct vy_expr *v = s->value;
		if (is_lib(v, VY_OP_F16_VALUE) && is_lib(v->args[0], VY_OP_F16_BITS))
			s->value = v->args[0];   /* f16_bits(f16_value(f16_bits(x))) is f16_bits(x) */
		else
			s->value = lib(p->arena, VY_OP_F16_BITS, v);   /* exact */
	}
	if (s->decl_type == VY_F16)
		s->decl_type = VY_F32;
	lower_block(p, &s->body);
	lower_block(p, &s->els);
}

static void lower_block(struct vy_program *p, struct vy_block *b)
{
	for (int i = 0; i < b->n; i++)
		lower_stmt(p, b->v[i]);
}

/* A hidden let of a component of an f16 vector load (a group member) */
static bool comp_let(const struct vy_program *p, const struct vy_stmt *s)
{
	const struct vy_expr *e = s->value;
	return s->kind == VY_S_LET && e && e->kind == VY_E_LOAD &&
	       e->space != VY_SPACE_PRIVATE && vy_type_lanes(mem_type(p, e)) > 1 &&
	       bits16(mem16(mem_type(p, e)));
}

static int add_local(struct vy_program *p, int *cap, const char *name,
		     enum vy_type t, struct vy_loc loc)
{
	if (p->nlocals >= *cap) {
		*cap = 2 * p->nlocals + 8;
		struct vy_local *v = vy_alloc(p->arena, sizeof *v * (size_t)*cap);
		if (p->nlocals)
			memcpy(v, p->locals, sizeof *v * (size_t)p->nlocals);
		p->locals = v;
	}
	p->locals[p->nlocals] = (struct vy_local){ name, t, false, false, loc };
	return p->nlocals++;
}

/* Each run of component lets `L = v[i].j` becomes `B = bits of v[i].j`
 * (B a new u32 local) and, after the run, `L = math.f16_value(B)`; runs
 * before the types are lowered (the loads still say f16). */
static void split_groups(struct vy_program *p, struct vy_block *b, int *cap)
{
	int extra = 0;
	for (int i = 0; i < b->n; i++) {
		extra += comp_let(p, b->v[i]);
		split_groups(p, &b->v[i]->body, cap);
		split_groups(p, &b->v[i]->els, cap);
	}
	if (!extra)
		return;
	struct vy_arena *a = p->arena;
	struct vy_stmt **v = vy_alloc(a, sizeof *v * (size_t)(b->n + extra));
	int n = 0;
	for (int i = 0; i < b->n;) {
		if (!comp_let(p, b->v[i])) {
			v[n++] = b->v[i++];
			continue;
		}
		int k = i;
		while (k < b->n && comp_let(p, b->v[k]))
			k++;
		for (int j = i; j < k; j++)
			v[n++] = b->v[j];
		for (int j = i; j < k; j++) {
			struct vy_stmt *s = b->v[j], *t = vy_alloc(a, sizeof *t);
			*t = *s;
			t->body = t->els = (struct vy_block){ 0 };
			int bits = add_local(p, cap, vy_fmt(a, "%s_bits", p->locals[s->local].name),
					     VY_U32, s->loc);
			struct vy_expr *r = vy_alloc(a, sizeof *r);
			r->kind = VY_E_LOCAL;
			r->index = bits;
			r->type = VY_U32;
			r->loc = s->value->loc;
			t->value = lib(a, VY_OP_F16_VALUE, r);
			s->value->type = VY_U32;   /* the bits: lower() leaves it */
			s->local = bits;
			s->name = p->locals[bits].name;
			v[n++] = t;
		}
		i = k;
	}
	b->v = v;
	b->n = n;
}

/* an f16 value anywhere in e: an f16 that lives in expressions only,
 * such as f32(f16(x)), needs the lowering too */
static bool expr_has_f16(const struct vy_expr *e)
{
	if (!e)
		return false;
	if (e->type == VY_F16)
		return true;
	for (int i = 0; i < e->nargs; i++)
		if (expr_has_f16(e->args[i]))
			return true;
	return false;
}

static bool block_has_f16(const struct vy_block *b)
{
	for (int i = 0; i < b->n; i++) {
		const struct vy_stmt *s = b->v[i];
		if (expr_has_f16(s->value) || expr_has_f16(s->index) || expr_has_f16(s->lo) ||
		    expr_has_f16(s->hi) || expr_has_f16(s->step) ||
		    block_has_f16(&s->body) || block_has_f16(&s->els))
			return true;
	}
	return false;
}

bool vy_program_has_f16(const struct vy_program *p)
{
	if (block_has_f16(&p->entry))
		return true;
	for (int i = 0; i < p->nparams; i++)
		if (p->params[i].type == VY_F16)
			return true;
	for (int i = 0; i < p->nbuffers; i++)
		if (bits16(mem16(p->buffers[i].type)))
			return true;
	for (int i = 0; i < p->nshared; i++)
		if (bits16(mem16(p->shared[i].type)))
			return true;
	for (int i = 0; i < p->nlocals; i++)
		if (p->locals[i].type == VY_F16)
			return true;
	for (int i = 0; i < p->nprivate; i++)
		if (p->privates[i].type == VY_F16)
			return true;
	return false;
}

/* A let L = math.f16_value(math.f16_bits(x)) (an op rounded to f16)
 * becomes B = math.f16_bits(x), L = math.f16_value(B), and a store of L
 * to f16 memory (math.f16_bits(L), exact) stores B: the bits are not
 * widened and narrowed again (the f16_value of a store-only L is dead). */
struct bits_ctx { struct vy_program *p; int *bits, n, *cap; };

static void reuse_bits(struct bits_ctx *c, struct vy_block *b)
{
	struct vy_program *p = c->p;
	int extra = 0;
	for (int i = 0; i < b->n; i++) {
		struct vy_stmt *s = b->v[i];
		extra += s->kind == VY_S_LET && s->local < c->n && is_lib(s->value, VY_OP_F16_VALUE) &&
			 is_lib(s->value->args[0], VY_OP_F16_BITS);
	}
	struct vy_stmt **v = extra ? vy_alloc(p->arena, sizeof *v * (size_t)(b->n + extra)) : b->v;
	int n = 0;
	for (int i = 0; i < b->n; i++) {
		struct vy_stmt *s = b->v[i];
		reuse_bits(c, &s->body);
		reuse_bits(c, &s->els);
		const struct vy_expr *sv = s->value;
		if (s->kind == VY_S_STORE && s->space != VY_SPACE_PRIVATE && is_lib(sv, VY_OP_F16_BITS) &&
		    sv->args[0]->kind == VY_E_LOCAL && sv->args[0]->index < c->n &&
		    c->bits[sv->args[0]->index] >= 0) {
			struct vy_expr *r = vy_alloc(p->arena, sizeof *r);
			*r = *sv->args[0];
			r->index = c->bits[sv->args[0]->index];
			r->type = VY_U32;
			s->value = r;
		}
		if (extra && s->kind == VY_S_LET && s->local < c->n && is_lib(s->value, VY_OP_F16_VALUE) &&
		    is_lib(s->value->args[0], VY_OP_F16_BITS)) {
			struct vy_stmt *t = vy_alloc(p->arena, sizeof *t);
			*t = *s;
			t->body = t->els = (struct vy_block){ 0 };
			int k = add_local(p, c->cap, vy_fmt(p->arena, "%s_bits", p->locals[s->local].name),
					  VY_U32, s->loc);
			t->local = k;
			t->name = p->locals[k].name;
			t->value = s->value->args[0];
			struct vy_expr *r = vy_alloc(p->arena, sizeof *r);
			r->kind = VY_E_LOCAL;
			r->index = k;
			r->type = VY_U32;
			r->loc = s->value->loc;
			s->value->args[0] = r;
			c->bits[s->local] = k;
			v[n++] = t;
		}
		if (extra)
			v[n++] = s;
	}
	if (extra) {
		b->v = v;
		b->n = n;
	}
}

static void lower_part(struct vy_program *p)
{
	int cap = 0;
	split_groups(p, &p->entry, &cap);
	for (int i = 0; i < p->nbuffers; i++)
		p->buffers[i].type = mem16(p->buffers[i].type);
	for (int i = 0; i < p->nshared; i++)
		p->shared[i].type = mem16(p->shared[i].type);
	lower_block(p, &p->entry);
	struct bits_ctx bc = { p, vy_alloc(p->arena, sizeof(int) * (size_t)(p->nlocals + 1)),
			       p->nlocals, &cap };
	for (int i = 0; i < bc.n; i++)
		bc.bits[i] = p->locals[i].mutable ? -2 : -1;   /* a var is not a let */
	reuse_bits(&bc, &p->entry);
	for (int i = 0; i < p->ndispatch; i++)
		p->dispatch[i] = lx(p, p->dispatch[i]);
	for (int i = 0; i < p->nlocals; i++)
		if (p->locals[i].type == VY_F16)
			p->locals[i].type = VY_F32;
	for (int i = 0; i < p->nprivate; i++)
		if (p->privates[i].type == VY_F16)
			p->privates[i].type = VY_F32;
}

void vy_lower_f16(struct vy_program *p)
{
	bool any = false;
	for (int i = 0; i < p->nparts; i++)
		any |= vy_program_has_f16(p->parts[i]);
	if (!any)
		return;   /* 1.0 programs: untouched */
	p->uses_f16 = true;
	for (int i = 0; i < p->nparts; i++) {
		p->parts[i]->uses_f16 = true;
		lower_part(p->parts[i]);
	}
}

enum vy_type vy_param_repr(enum vy_type t)
{
	return t == VY_F16 ? VY_U32 : t;
}
