/*
 * opt.c: vyrec's own IR optimisations (-O1), IR in, IR out, in place.
 *
 *   fold   constant folding through the reference VM's own op evaluator
 *          (vyvm_eval_op), so a folded value is bit for bit what the VM
 *          computes; only ops every target computes exactly are folded:
 *          integer ops (never a division by zero or i32 MIN / -1), f32
 *          + - * / fma sqrt, comparisons, conversions, rounding, min/max
 *          (not on two zeros); never transcendental math, never a NaN or
 *          subnormal operand or result.  Then exact identities: x+0, x-0,
 *          x*1, x/1, x|0, x^0, x<<0, x>>0 on integers; && || ?: with a
 *          constant operand where the dropped side is not evaluated
 *          anyway (or is pure).
 *   dce    statements after return/break/continue; if/while on a constant
 *          condition; lets and expression statements with pure values
 *          nobody uses.
 *   cse    pure expressions (no load, atomic, integer division, var) that
 *          a block computes twice get one let before the first use, and
 *          later uses of a let's value (in the block and nested blocks)
 *          read the let.  Such expressions read nothing that can change,
 *          so no store, barrier or assignment invalidates them, and
 *          evaluating one early cannot fault.
 * Loads are never moved, removed or merged.
 *
 * vy_scalarise (requested like vy_unroll, run after it): private arrays
 * whose every index is a constant become one var per element (below).
 *
 * vy_unroll is the pass a target requests (vy_aot_emitter.passes,
 * applied by vy_emit at -O1 and above on a copy, so the reference and
 * other targets see the program unchanged):
 *   unroll a for loop with constant bounds and step, or a counted while
 *          (`var v = K` right before `while: C(v)` whose body ends in
 *          `v = F(v)` and writes v nowhere else), when its trip count,
 *          computed the way the loop runs (32-bit wrap), is at most 16
 *          and trips x statements at most 64: one copy of the body per
 *          trip with the counter read as that trip's constant, folded and
 *          cleaned as above.  A loop whose body breaks or continues it is
 *          kept; a copy that returns is the last one.
 */
#include <stdlib.h>
#include <string.h>

#include "vyrec.h"
#include "ir.h"
#include "vm.h"
#include "mathlib_ir.h"

/* ---- expression properties ---- */

static bool reads_var(const struct vy_program *p, const struct vy_expr *e)
{
	if (e->kind == VY_E_LOCAL && p->locals[e->index].mutable)
		return true;
	for (int i = 0; i < e->nargs; i++)
		if (reads_var(p, e->args[i]))
			return true;
	return false;
}

/* Pure and reads no var: its value is fixed once its lets are. */
static bool invariant(const struct vy_program *p, const struct vy_expr *e)
{
	return vy_expr_is_pure(e) && !reads_var(p, e);
}

static bool is_const(const struct vy_expr *e, uint32_t bits)
{
	return e->kind == VY_E_CONST && vy_const_bits(e) == bits;
}

/* ---- folding ---- */

static bool nice_float(uint32_t b)
{
	uint32_t ex = b >> 23 & 0xFF;
	return ex != 0xFF && (ex != 0 || (b & 0x7FFFFF) == 0);
}

/* The ops every target computes exactly on f32 (see the top). */
static const bool float_foldable[VY_OP_COUNT] = {
	[VY_OP_ADD] = true, [VY_OP_SUB] = true, [VY_OP_MUL] = true,
	[VY_OP_DIV] = true, [VY_OP_NEG] = true, [VY_OP_EQ] = true,
	[VY_OP_NE] = true, [VY_OP_LT] = true, [VY_OP_LE] = true,
	[VY_OP_GT] = true, [VY_OP_GE] = true, [VY_OP_FMA] = true,
	[VY_OP_MIN] = true, [VY_OP_MAX] = true, [VY_OP_CLAMP] = true,
	[VY_OP_ABS] = true, [VY_OP_SIGN] = true, [VY_OP_FLOOR] = true,
	[VY_OP_CEIL] = true, [VY_OP_ROUND] = true, [VY_OP_TRUNC] = true,
	[VY_OP_SQRT] = true, [VY_OP_STEP] = true, [VY_OP_SELECT] = true,
	[VY_OP_CAST] = true, [VY_OP_BITCAST] = true,
};

/* Whether op over these constant args may be folded (see the top). */
static bool foldable(const struct vy_expr *e, const uint32_t *v)
{
	enum vy_opcode c = e->op->code;
	bool flt = e->type == VY_F32;
	int zeros = 0;
	if (vy_op_is_atomic(c) || vy_op_is_subgroup(c) || vy_type_is64(e->type))
		return false;
	for (int i = 0; i < e->nargs; i++)   /* 64-bit values are not folded */
		if (vy_type_is64(e->args[i]->type))
			return false;
	if ((c == VY_OP_DIV || c == VY_OP_REM) && !flt &&
	    (v[1] == 0 || (e->type == VY_I32 && v[0] == 0x80000000u && v[1] == 0xFFFFFFFFu)))
		return false;
	for (int i = 0; i < e->nargs; i++) {
		if (e->args[i]->type == VY_F32) {
			flt = true;
			if (!nice_float(v[i]))
				return false;
			zeros += (v[i] & 0x7FFFFFFF) == 0;
		}
	}
	if (!flt)
		return true;
	if ((c == VY_OP_MIN || c == VY_OP_MAX || c == VY_OP_CLAMP) && zeros >= 2)
		return false;
	return float_foldable[c] || vy_op_is_library(c);
}

static struct vy_expr *fold_const(struct vy_expr *e)
{
	uint32_t v[3] = { 0, 0, 0 }, r;
	for (int i = 0; i < e->nargs && i < 3; i++)
		v[i] = e->args[i]->bits;
	if (e->nargs > 3 || !foldable(e, v))
		return e;
	if (vy_op_is_library(e->op->code))   /* the program every target runs */
		r = vy_mathlib_eval(e->op->code, v[0], v[1]);
	else
		r = vyvm_eval_op(e->op->code, vy_expr_optype(e), e->op->code == VY_OP_CAST ||
				 e->op->code == VY_OP_BITCAST ? e->args[0]->type : 0, v[0], v[1], v[2]);
	if (e->type == VY_F32 && !nice_float(r))
		return e;
	e->kind = VY_E_CONST;
	e->bits = r;
	e->nargs = 0;
	e->op = NULL;
	return e;
}

/* Exact identities; a replacement keeps every evaluation that had an
 * effect.  The logic rows: */
static struct vy_expr *id_land(struct vy_expr *e)
{
	struct vy_expr *a = e->args[0], *b = e->args[1];
	if (is_const(a, 1)) return b;
	if (is_const(a, 0)) return a;             /* b is skipped */
	if (is_const(b, 1)) return a;
	return e;
}

static struct vy_expr *id_lor(struct vy_expr *e)
{
	struct vy_expr *a = e->args[0], *b = e->args[1];
	if (is_const(a, 0)) return b;
	if (is_const(a, 1)) return a;
	if (is_const(b, 0)) return a;
	return e;
}

static struct vy_expr *id_select(struct vy_expr *e)
{
	struct vy_expr *a = e->args[0];
	if (a->kind == VY_E_CONST)
		return a->bits ? e->args[1] : e->args[2];  /* the other is skipped */
	return e;
}

static struct vy_expr *id_lnot(struct vy_expr *e)
{
	struct vy_expr *a = e->args[0];
	if (a->kind == VY_E_OP && a->op->code == VY_OP_LNOT)
		return a->args[0];
	return e;
}

/* Integer rows: x OP unit is x (and unit OP x, where OP commutes). */
static const struct identity_row {
	bool unit_ok, commutes;
	uint32_t unit;
	struct vy_expr *(*fn)(struct vy_expr *e);
} identities[VY_OP_COUNT] = {
	[VY_OP_ADD] = { true, true, 0, NULL },
	[VY_OP_OR] = { true, true, 0, NULL },
	[VY_OP_XOR] = { true, true, 0, NULL },
	[VY_OP_SUB] = { true, false, 0, NULL },
	[VY_OP_SHL] = { true, false, 0, NULL },
	[VY_OP_SHR] = { true, false, 0, NULL },
	[VY_OP_MUL] = { true, true, 1, NULL },
	[VY_OP_DIV] = { true, false, 1, NULL },
	[VY_OP_LAND] = { .fn = id_land },
	[VY_OP_LOR] = { .fn = id_lor },
	[VY_OP_SELECT] = { .fn = id_select },
	[VY_OP_LNOT] = { .fn = id_lnot },
};

static struct vy_expr *identity(struct vy_expr *e)
{
	if ((unsigned)e->op->code >= VY_OP_COUNT)
		return e;
	const struct identity_row *r = &identities[e->op->code];
	bool in = e->type == VY_U32 || e->type == VY_I32;
	if (r->fn)
		return r->fn(e);
	if (!r->unit_ok || !in)
		return e;
	if (is_const(e->args[1], r->unit))
		return e->args[0];
	if (r->commutes && is_const(e->args[0], r->unit))
		return e->args[1];
	return e;
}

static struct vy_expr *fold(struct vy_expr *e)
{
	bool consts = true;
	if (!e)
		return e;
	if (e->kind == VY_E_LOAD) {
		e->args[0] = fold(e->args[0]);
		return e;
	}
	if (e->kind != VY_E_OP)
		return e;
	for (int i = 0; i < e->nargs; i++) {
		e->args[i] = fold(e->args[i]);
		consts &= e->args[i]->kind == VY_E_CONST;
	}
	if (consts && !vy_op_is_atomic(e->op->code))
		e = fold_const(e);
	return e->kind == VY_E_OP ? identity(e) : e;
}

static void fold_block(struct vy_block *b)
{
	for (int i = 0; i < b->n; i++) {
		struct vy_stmt *s = b->v[i];
		s->index = fold(s->index);
		s->value = fold(s->value);
		s->lo = fold(s->lo);
		s->hi = fold(s->hi);
		s->step = fold(s->step);
		fold_block(&s->body);
		fold_block(&s->els);
	}
}

/* ---- dead code ---- */

static bool ends_flow(const struct vy_stmt *s)
{
	return s->kind == VY_S_RETURN || s->kind == VY_S_BREAK || s->kind == VY_S_CONTINUE;
}

struct list {
	struct vy_stmt **v;
	int n, cap;
};

static void push(struct vy_arena *a, struct list *l, struct vy_stmt *s)
{
	if (l->n == l->cap) {
		int cap = l->cap ? 2 * l->cap : 8;
		struct vy_stmt **v = vy_alloc(a, sizeof *v * (size_t)cap);
		if (l->n)
			memcpy(v, l->v, sizeof *v * (size_t)l->n);
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = s;
}

static void dce_block(struct vy_program *p, struct vy_block *b)
{
	struct list out = { 0 };
	for (int i = 0; i < b->n && !(out.n && ends_flow(out.v[out.n - 1])); i++) {
		struct vy_stmt *s = b->v[i];
		dce_block(p, &s->body);
		dce_block(p, &s->els);
		if (s->kind == VY_S_IF && s->value->kind == VY_E_CONST) {
			const struct vy_block *taken = s->value->bits ? &s->body : &s->els;
			for (int k = 0; k < taken->n && !(out.n && ends_flow(out.v[out.n - 1])); k++)
				push(p->arena, &out, taken->v[k]);
		} else if (!(s->kind == VY_S_WHILE && is_const(s->value, 0)) &&
			   !(s->kind == VY_S_EXPR && vy_expr_is_pure(s->value))) {
			push(p->arena, &out, s);
		}
	}
	b->v = out.v;
	b->n = out.n;
}

static void count_uses(const struct vy_expr *e, int *uses)
{
	if (!e)
		return;
	if (e->kind == VY_E_LOCAL)
		uses[e->index]++;
	for (int i = 0; i < e->nargs; i++)
		count_uses(e->args[i], uses);
}

static void count_block(const struct vy_block *b, int *uses)
{
	for (int i = 0; i < b->n; i++) {
		const struct vy_stmt *s = b->v[i];
		count_uses(s->index, uses);
		count_uses(s->value, uses);
		count_uses(s->lo, uses);
		count_uses(s->hi, uses);
		count_uses(s->step, uses);
		count_block(&s->body, uses);
		count_block(&s->els, uses);
	}
}

/* Drop lets with pure values nobody reads; true when one went. */
static bool drop_lets(struct vy_block *b, const int *uses)
{
	bool dropped = false;
	int n = 0;
	for (int i = 0; i < b->n; i++) {
		struct vy_stmt *s = b->v[i];
		dropped |= drop_lets(&s->body, uses) | drop_lets(&s->els, uses);
		if (s->kind == VY_S_LET && !uses[s->local] && vy_expr_is_pure(s->value)) {
			dropped = true;
			continue;
		}
		b->v[n++] = s;
	}
	b->n = n;
	return dropped;
}

static void dce_lets(struct vy_program *p)
{
	int *uses = vy_alloc(p->arena, sizeof *uses * (size_t)(p->nlocals + 1));
	for (int round = 0; round < 8; round++) {
		memset(uses, 0, sizeof *uses * (size_t)(p->nlocals + 1));
		count_block(&p->entry, uses);
		if (!drop_lets(&p->entry, uses))
			break;
	}
}

/* ---- common subexpressions ---- */

static bool same(const struct vy_expr *a, const struct vy_expr *b)
{
	if (a == b)
		return true;
	if (a->kind != b->kind || a->type != b->type || a->nargs != b->nargs)
		return false;
	switch (a->kind) {
	case VY_E_CONST: return vy_const_bits(a) == vy_const_bits(b);
	case VY_E_PARAM: case VY_E_LOCAL: case VY_E_LEN: return a->index == b->index;
	case VY_E_BUILTIN: return a->index == b->index && a->axis == b->axis;
	case VY_E_OP:
		if (a->op->code != b->op->code || a->cast_to != b->cast_to)
			return false;
		for (int i = 0; i < a->nargs; i++)
			if (!same(a->args[i], b->args[i]))
				return false;
		return true;
	default:
		return false;
	}
}

static int size(const struct vy_expr *e)
{
	int n = 1;
	for (int i = 0; i < e->nargs; i++)
		n += size(e->args[i]);
	return n;
}

struct avail {
	struct vy_expr *e;
	int local;
};

struct cse {
	struct vy_program *p;
	struct avail v[256];
	int n;
	struct vy_expr **occ;    /* candidates of one block */
	int *occ_stmt, nocc, capocc;
};

static struct vy_expr *mk_local(struct vy_program *p, int local, const struct vy_expr *like)
{
	struct vy_expr *e = vy_alloc(p->arena, sizeof *e);
	e->kind = VY_E_LOCAL;
	e->index = local;
	e->type = like->type;
	e->loc = like->loc;
	return e;
}

static int new_local(struct vy_program *p, enum vy_type t, struct vy_loc loc)
{
	struct vy_local *v = vy_alloc(p->arena, sizeof *v * (size_t)(p->nlocals + 1));
	if (p->nlocals)
		memcpy(v, p->locals, sizeof *v * (size_t)p->nlocals);
	v[p->nlocals] = (struct vy_local){ vy_fmt(p->arena, "_cse%d", p->nlocals), t,
					   false, false, loc };
	p->locals = v;
	return p->nlocals++;
}

/* e with every available expression replaced by its let's local,
 * bottom up, so the available values (kept in replaced form) match. */
static struct vy_expr *reuse(struct cse *c, struct vy_expr *e)
{
	if (!e)
		return e;
	for (int i = 0; i < e->nargs; i++)
		e->args[i] = reuse(c, e->args[i]);
	if (e->kind == VY_E_OP && invariant(c->p, e))
		for (int i = c->n - 1; i >= 0; i--)
			if (same(c->v[i].e, e))
				return mk_local(c->p, c->v[i].local, e);
	return e;
}

static void collect(struct cse *c, struct vy_expr *e, int stmt)
{
	if (!e)
		return;
	if (e->kind == VY_E_OP && invariant(c->p, e) && c->nocc < 4096) {
		if (c->nocc == c->capocc) {
			int cap = c->capocc ? 2 * c->capocc : 64;
			struct vy_expr **o = vy_alloc(c->p->arena, sizeof *o * (size_t)cap);
			int *s = vy_alloc(c->p->arena, sizeof *s * (size_t)cap);
			if (c->nocc) {
				memcpy(o, c->occ, sizeof *o * (size_t)c->nocc);
				memcpy(s, c->occ_stmt, sizeof *s * (size_t)c->nocc);
			}
			c->occ = o, c->occ_stmt = s, c->capocc = cap;
		}
		c->occ[c->nocc] = e;
		c->occ_stmt[c->nocc++] = stmt;
	}
	for (int i = 0; i < e->nargs; i++)
		collect(c, e->args[i], stmt);
}

/* The largest expression that occurs twice among the block's own
 * expressions, or -1. */
static int repeated(struct cse *c, struct vy_block *b)
{
	int best = -1, bsize = 1;
	c->nocc = 0;
	for (int i = 0; i < b->n; i++) {
		struct vy_stmt *s = b->v[i];
		collect(c, s->value, i);
		collect(c, s->index, i);
		collect(c, s->lo, i);
		collect(c, s->hi, i);
		collect(c, s->step, i);
	}
	for (int i = 0; i < c->nocc && c->nocc < 2048; i++) {
		int sz = size(c->occ[i]);
		if (sz <= bsize)
			continue;
		for (int j = i + 1; j < c->nocc; j++)
			if (c->occ[j] != c->occ[i] && same(c->occ[i], c->occ[j])) {
				best = i, bsize = sz;
				break;
			}
	}
	return best;
}

/* Give repeated expressions of b a let before their first use (or use
 * the let whose whole value the first one is). */
static void introduce_lets(struct cse *c, struct vy_block *b)
{
	for (int round = 0; round < 64; round++) {
		int k = repeated(c, b);
		if (k < 0)
			return;
		struct vy_expr *e = c->occ[k];
		int at = c->occ_stmt[k];
		for (int i = 0; i < c->nocc; i++)
			if (same(c->occ[i], e) && c->occ_stmt[i] < at)
				at = c->occ_stmt[i];
		struct vy_stmt *let = b->v[at];
		if (!(let->kind == VY_S_LET && same(let->value, e))) {
			let = vy_alloc(c->p->arena, sizeof *let);
			let->kind = VY_S_LET;
			let->loc = e->loc;
			let->local = new_local(c->p, e->type, e->loc);
			let->name = c->p->locals[let->local].name;
			let->value = e;
			struct vy_stmt **v = vy_alloc(c->p->arena, sizeof *v * (size_t)(b->n + 1));
			memcpy(v, b->v, sizeof *v * (size_t)at);
			v[at] = let;
			memcpy(v + at + 1, b->v + at, sizeof *v * (size_t)(b->n - at));
			b->v = v;
			b->n++;
		}
		/* later uses read the let */
		struct cse one = { .p = c->p, .n = 1 };
		one.v[0] = (struct avail){ e, let->local };
		for (int i = at + 1; i < b->n; i++) {
			struct vy_stmt *s = b->v[i];
			s->value = reuse(&one, s->value);
			s->index = reuse(&one, s->index);
			s->lo = reuse(&one, s->lo);
			s->hi = reuse(&one, s->hi);
			s->step = reuse(&one, s->step);
		}
	}
}

static void cse_block(struct cse *c, struct vy_block *b)
{
	int saved = c->n;
	introduce_lets(c, b);
	for (int i = 0; i < b->n; i++) {
		struct vy_stmt *s = b->v[i];
		s->value = reuse(c, s->value);
		s->index = reuse(c, s->index);
		s->lo = reuse(c, s->lo);
		s->hi = reuse(c, s->hi);
		s->step = reuse(c, s->step);
		cse_block(c, &s->body);
		cse_block(c, &s->els);
		if (s->kind == VY_S_LET && s->value->kind == VY_E_OP &&
		    invariant(c->p, s->value) && c->n < 256)
			c->v[c->n++] = (struct avail){ s->value, s->local };
	}
	c->n = saved;
}

/* ---- unrolling (vy_unroll) ---- */

/* Per loop: at most UNROLL_TRIPS trips and trips x statements (nested ones
 * counted) at most UNROLL_BUDGET, as the ptx emitter's own unroller had,
 * so that the GPU's compiler folds the counter into addresses as nvcc's
 * unroller would (matmul's inner product: 2 shared loads + FFMA a step
 * instead of a counter, address arithmetic and a branch).  NVIDIA's SPIR-V
 * compiler keeps a loop it is given, LoopControl Unroll or not.  Per
 * program: at most UNROLL_STMTS statements and UNROLL_NODES expression
 * nodes added, so that a 100 000-statement program stays linear. */
enum { UNROLL_TRIPS = 16, UNROLL_BUDGET = 64, UNROLL_STMTS = 16384,
       UNROLL_NODES = 1 << 18 };

/* A loop whose body reads or writes a private array (SPEC §10.3) may copy
 * its body up to UNROLL_ARRAY_BUDGET statements: where an index reads the
 * counter, only unrolled does it become a constant, so that scalarise
 * keeps the array in registers (kept, the array lives in local memory);
 * and a register-blocked loop (a sgemm's k loop: 8 trips of 4 shared
 * loads and 64 fmas on acc[i][j]) is what nvcc's #pragma unroll copies
 * whole, so that the GPU's compiler schedules the trips together. */
enum { UNROLL_ARRAY_BUDGET = 2048 };

struct unroll {
	struct vy_program *p;   /* the copy being built */
	long stmts, nodes;      /* what may still be added */
	int cap;                /* of p->locals and map; 0: still the input's */
	int *map;               /* local -> its copy in this trip + 1; 0: kept */
};

/* One trip: local v reads as the constant k; the locals the body defines
 * are renamed through map (NULL: none), so every copy defines its own. */
struct trip {
	int v;
	uint32_t k;
	const int *map;
	int shift;    /* > 0: local v reads as local shift - 1 plus k (partial) */
};

/* The VM's evaluation of one op (as fold_const's): the pass's only call. */
static uint32_t eval_op(enum vy_opcode op, enum vy_type t, uint32_t a, uint32_t b)
{
	if (vy_op_is_library(op))
		return vy_mathlib_eval(op, a, b);
	return vyvm_eval_op(op, t, 0, a, b, 0);
}

/* Whether e is made of constants, local v and non-atomic ops only, so a
 * copy of it may fold to a constant (checked before copying anything). */
static bool over_const(const struct vy_expr *e, int v)
{
	if (e->kind == VY_E_CONST || (e->kind == VY_E_LOCAL && e->index == v))
		return true;
	if (e->kind != VY_E_OP || !e->op || vy_op_is_atomic(e->op->code) ||
	    vy_op_is_subgroup(e->op->code))
		return false;
	for (int i = 0; i < e->nargs; i++)
		if (!over_const(e->args[i], v))
			return false;
	return true;
}

static int renamed(const struct trip *t, int local)
{
	return t->map && t->map[local] ? t->map[local] - 1 : local;
}

/* A copy of e for trip t, every node new (fold works in place). */
static struct vy_expr *subst(struct vy_arena *a, const struct vy_expr *e,
			     const struct trip *t)
{
	if (!e)
		return NULL;
	struct vy_expr *c = vy_alloc(a, sizeof *c);
	*c = *e;
	if (e->kind == VY_E_LOCAL && e->index == t->v && t->shift) {
		struct vy_expr *b = vy_alloc(a, sizeof *b), *k = vy_alloc(a, sizeof *k);
		*b = *e;
		b->index = t->shift - 1;
		*k = *e;
		k->kind = VY_E_CONST;
		k->bits = t->k;
		k->index = 0;
		c->kind = VY_E_OP;
		c->op = vy_builtin_op(VY_OP_ADD);
		c->name = c->op->id;
		c->index = 0;
		c->nargs = 2;
		c->args = vy_alloc(a, sizeof *c->args * 2);
		c->args[0] = b;
		c->args[1] = k;
		return c;
	}
	if (e->kind == VY_E_LOCAL && e->index == t->v) {
		c->kind = VY_E_CONST;
		c->bits = t->k;
		c->index = 0;
		return c;
	}
	if (e->kind == VY_E_LOCAL)
		c->index = renamed(t, e->index);
	if (e->nargs) {
		c->args = vy_alloc(a, sizeof *c->args * (size_t)e->nargs);
		for (int i = 0; i < e->nargs; i++)
			c->args[i] = subst(a, e->args[i], t);
	}
	return c;
}

/* e's value where local v holds k (v < 0: no local), through fold and so
 * through the VM's evaluator; false where that is no constant (a division
 * by zero, a NaN, anything but constants and v). */
static bool eval_at(struct unroll *u, const struct vy_expr *e, int v, uint32_t k,
		    uint32_t *out)
{
	struct trip t = { v, k, NULL };
	if (!over_const(e, v))
		return false;
	struct vy_expr *c = fold(subst(u->p->arena, e, &t));
	*out = c->bits;
	return c->kind == VY_E_CONST;
}

static int nodes(const struct vy_expr *e)
{
	return e ? size(e) : 0;
}

/* Statements (nested ones counted) and expression nodes of b; *jumps is
 * set where b breaks or continues the loop it is the body of (depth 0). */
static long weigh(const struct vy_block *b, int depth, bool *jumps, long *nn)
{
	long n = 0;
	for (int i = 0; i < b->n; i++) {
		const struct vy_stmt *s = b->v[i];
		bool loop = s->kind == VY_S_FOR || s->kind == VY_S_WHILE;
		if ((s->kind == VY_S_BREAK || s->kind == VY_S_CONTINUE) && !depth)
			*jumps = true;
		*nn += nodes(s->index) + nodes(s->value) + nodes(s->lo) + nodes(s->hi)
		       + nodes(s->step);
		n += 1 + weigh(&s->body, depth + loop, jumps, nn)
		       + weigh(&s->els, depth, jumps, nn);
	}
	return n;
}

/* Whether e loads a private array element. */
static bool priv_expr(const struct vy_expr *e)
{
	if (!e)
		return false;
	if (e->kind == VY_E_LOAD && e->space == VY_SPACE_PRIVATE)
		return true;
	for (int i = 0; i < e->nargs; i++)
		if (priv_expr(e->args[i]))
			return true;
	return false;
}

/* Whether b (nested statements too) loads or stores a private array
 * element. */
static bool priv_block(const struct vy_block *b)
{
	for (int i = 0; i < b->n; i++) {
		const struct vy_stmt *s = b->v[i];
		if ((s->kind == VY_S_STORE && s->space == VY_SPACE_PRIVATE) ||
		    priv_expr(s->index) || priv_expr(s->value) || priv_expr(s->lo) ||
		    priv_expr(s->hi) || priv_expr(s->step) || priv_block(&s->body) ||
		    priv_block(&s->els))
			return true;
	}
	return false;
}

/* Whether n copies of body fit the per-loop and per-program limits; if so
 * they are charged to the program. */
static bool affordable(struct unroll *u, const struct vy_block *body, int n)
{
	bool jumps = false;
	long nn = 0, w = weigh(body, 0, &jumps, &nn);
	long budget = u->p->nprivate && priv_block(body) ? UNROLL_ARRAY_BUDGET : UNROLL_BUDGET;
	if (jumps || n * w > budget || n * w > u->stmts || n * nn > u->nodes)
		return false;
	u->stmts -= n * w;
	u->nodes -= n * nn;
	return true;
}

static bool defines(const struct vy_stmt *s)
{
	return s->kind == VY_S_LET || s->kind == VY_S_VAR || s->kind == VY_S_FOR;
}

/* A new local like local `from` (the copy's locals array grows by
 * doubling, so renaming stays linear). */
static int add_local(struct unroll *u, int from)
{
	struct vy_program *q = u->p;
	if (q->nlocals >= u->cap) {
		int cap = 2 * q->nlocals + 16;
		struct vy_local *v = vy_alloc(q->arena, sizeof *v * (size_t)cap);
		int *m = vy_alloc(q->arena, sizeof *m * (size_t)cap);
		memcpy(v, q->locals, sizeof *v * (size_t)q->nlocals);
		if (u->map)
			memcpy(m, u->map, sizeof *m * (size_t)q->nlocals);
		q->locals = v, u->map = m, u->cap = cap;
	}
	q->locals[q->nlocals] = q->locals[from];
	return q->nlocals++;
}

/* Give every local that b defines a new one in map (fresh: true), or
 * forget them again (false). */
static void rename_defs(struct unroll *u, const struct vy_block *b, bool fresh)
{
	for (int i = 0; i < b->n; i++) {
		const struct vy_stmt *s = b->v[i];
		if (defines(s) && fresh && !(u->map && u->map[s->local])) {
			int n = add_local(u, s->local);
			u->map[s->local] = n + 1;
		} else if (defines(s) && !fresh) {
			u->map[s->local] = 0;
		}
		rename_defs(u, &s->body, fresh);
		rename_defs(u, &s->els, fresh);
	}
}

static struct vy_block copy_block(struct unroll *u, const struct vy_block *b,
				  const struct trip *t);

static struct vy_stmt *copy_stmt(struct unroll *u, const struct vy_stmt *s,
				 const struct trip *t)
{
	struct vy_arena *a = u->p->arena;
	struct vy_stmt *c = vy_alloc(a, sizeof *c);
	*c = *s;
	if (defines(s) || s->kind == VY_S_ASSIGN)
		c->local = renamed(t, s->local);
	c->index = fold(subst(a, s->index, t));
	c->value = fold(subst(a, s->value, t));
	c->lo = fold(subst(a, s->lo, t));
	c->hi = fold(subst(a, s->hi, t));
	c->step = fold(subst(a, s->step, t));
	c->body = copy_block(u, &s->body, t);
	c->els = copy_block(u, &s->els, t);
	return c;
}

static struct vy_block copy_block(struct unroll *u, const struct vy_block *b,
				  const struct trip *t)
{
	struct vy_block c = { b->n, NULL };
	if (!b->n)
		return c;
	c.v = vy_alloc(u->p->arena, sizeof *c.v * (size_t)b->n);
	for (int i = 0; i < b->n; i++)
		c.v[i] = copy_stmt(u, b->v[i], t);
	return c;
}

static struct vy_block unroll_block(struct unroll *u, const struct vy_block *b);

/* Append trip number i of body, where local v is k, to out: folded, dead
 * code gone, its own loops unrolled where they now qualify; whether it
 * returns (so no later trip runs).  drop_last: leave out its final
 * assignment of v. */
static bool put_trip(struct unroll *u, struct list *out, const struct vy_block *body,
		     int i, int v, uint32_t k, bool drop_last)
{
	if (i)
		rename_defs(u, body, true);
	struct trip t = { v, k, i ? u->map : NULL };
	struct vy_block c = copy_block(u, body, &t);
	if (i)
		rename_defs(u, body, false);
	dce_block(u->p, &c);
	c = unroll_block(u, &c);
	bool ret = c.n && c.v[c.n - 1]->kind == VY_S_RETURN;
	int n = c.n;
	if (drop_last && n && c.v[n - 1]->kind == VY_S_ASSIGN && c.v[n - 1]->local == v)
		n--;
	for (int j = 0; j < n; j++)
		push(u->p->arena, out, c.v[j]);
	return ret;
}

/* A for loop with constant lo, hi and step, unrolled into out when it
 * qualifies; whether it did. */
static bool unroll_for(struct unroll *u, const struct vy_stmt *s, struct list *out)
{
	const struct vy_local lv = u->p->locals[s->local];
	uint32_t k, hi, st = 1, at;
	int n = 0;
	if (lv.mutable || !eval_at(u, s->lo, -1, 0, &k) || !eval_at(u, s->hi, -1, 0, &hi)
	    || (s->step && !eval_at(u, s->step, -1, 0, &st)))
		return false;
	for (at = k; n <= UNROLL_TRIPS; n++, at = eval_op(VY_OP_ADD, lv.type, at, st))
		if (!eval_op(s->step_negative ? VY_OP_GT : VY_OP_LT, lv.type, at, hi))
			break;
	if (n > UNROLL_TRIPS || !affordable(u, &s->body, n))
		return false;
	for (int i = 0; i < n; i++, k = eval_op(VY_OP_ADD, lv.type, k, st))
		if (put_trip(u, out, &s->body, i, s->local, k, false))
			break;
	return true;
}

/* Whether a statement of b (nested ones too) defines or assigns local v. */
static bool writes(const struct vy_block *b, int v)
{
	for (int i = 0; i < b->n; i++) {
		const struct vy_stmt *s = b->v[i];
		if ((defines(s) || s->kind == VY_S_ASSIGN) && s->local == v)
			return true;
		if (writes(&s->body, v) || writes(&s->els, v))
			return true;
	}
	return false;
}

/* A counted while (reduce's `var s = 128u; while s > 0u ... s = s >> 1u`)
 * right after init, unrolled into out when it qualifies; whether it did.
 * Each trip reads v as that trip's value; only the last keeps the update,
 * so v ends with the value the loop leaves. */
static bool unroll_while(struct unroll *u, const struct vy_stmt *init,
			 const struct vy_stmt *w, struct list *out)
{
	const struct vy_block *b = &w->body;
	if ((init->kind != VY_S_VAR && init->kind != VY_S_ASSIGN) || !b->n)
		return false;
	int v = init->local, n = 0;
	enum vy_type t = u->p->locals[v].type;
	const struct vy_stmt *up = b->v[b->n - 1];
	struct vy_block head = { b->n - 1, b->v };
	uint32_t k, go, trips[UNROLL_TRIPS];
	if ((t != VY_U32 && t != VY_I32) || up->kind != VY_S_ASSIGN || up->local != v
	    || writes(&head, v) || !eval_at(u, init->value, -1, 0, &k))
		return false;
	for (;;) {
		if (!eval_at(u, w->value, v, k, &go))
			return false;
		if (!go)
			break;
		if (n == UNROLL_TRIPS)
			return false;
		trips[n++] = k;
		if (!eval_at(u, up->value, v, k, &k))
			return false;
	}
	if (!affordable(u, b, n))
		return false;
	for (int i = 0; i < n; i++)
		if (put_trip(u, out, b, i, v, trips[i], i + 1 < n))
			break;
	return true;
}

/* s with the loops inside it unrolled: s itself when none was. */
static struct vy_stmt *unroll_inner(struct unroll *u, struct vy_stmt *s)
{
	struct vy_block body = unroll_block(u, &s->body), els = unroll_block(u, &s->els);
	if (body.v == s->body.v && els.v == s->els.v)
		return s;
	struct vy_stmt *c = vy_alloc(u->p->arena, sizeof *c);
	*c = *s;
	c->body = body;
	c->els = els;
	return c;
}

/* b with its loops unrolled, innermost first: b itself when none was, else
 * a new block sharing b's other statements. */
static struct vy_block unroll_block(struct unroll *u, const struct vy_block *b)
{
	struct list out = { 0 };
	bool changed = false;
	for (int i = 0; i < b->n; i++) {
		struct vy_stmt *s = unroll_inner(u, b->v[i]);
		bool done = (s->kind == VY_S_FOR && unroll_for(u, s, &out)) ||
			    (s->kind == VY_S_WHILE && out.n &&
			     unroll_while(u, out.v[out.n - 1], s, &out));
		if (!done)
			push(u->p->arena, &out, s);
		changed |= done || s != b->v[i];
	}
	return changed ? (struct vy_block){ out.n, out.v } : *b;
}

const struct vy_program *vy_unroll(const struct vy_program *p)
{
	struct vy_program *q = vy_alloc(p->arena, sizeof *q);
	*q = *p;
	struct unroll u = { .p = q, .stmts = UNROLL_STMTS, .nodes = UNROLL_NODES };
	q->entry = unroll_block(&u, &p->entry);
	return q->entry.v == p->entry.v ? p : q;
}

/* ---- scalarising private arrays (vy_scalarise, SPEC §10.3) ---- */

/* An array every one of whose loads and stores has a constant index
 * inside it (after unrolling and folding) becomes one var per element:
 * its declaration one var per element set to the fill value, a load the
 * element's local, a store an assignment.  The GPU targets then keep it
 * in registers (no .local in PTX, no array-typed Function variable in
 * SPIR-V), as nvcc and spirv-opt do for such arrays.  Arrays with any
 * other index are left as they are. */
struct scal {
	struct vy_program *p;   /* the copy being built */
	bool *ok;               /* per array: scalarised */
	int *base;              /* per array: the first local of its current
				   declaration's elements */
	int cap;                /* of p->locals */
	int *remap;             /* per array kept: its index in the copy's list */
	const struct vy_privdecl *arrays;   /* the input's arrays */
	bool *known;            /* per local of the input: a let of a constant */
	uint32_t *val;          /* its value */
};

/* e with the lets of constants read as their values, folded: a copy. */
static struct vy_expr *scal_subst(struct scal *c, const struct vy_expr *e)
{
	struct vy_expr *n = vy_alloc(c->p->arena, sizeof *n);
	*n = *e;
	if (e->kind == VY_E_LOCAL && c->known[e->index]) {
		n->kind = VY_E_CONST;
		n->bits = c->val[e->index];
		n->index = 0;
		return n;
	}
	if (e->nargs) {
		n->args = vy_alloc(c->p->arena, sizeof *n->args * (size_t)e->nargs);
		for (int i = 0; i < e->nargs; i++)
			n->args[i] = scal_subst(c, e->args[i]);
	}
	return n;
}

/* Whether index e of array k is a constant inside it (*at: its value):
 * made of constants, lets of constants and foldable ops (the CSE lets
 * of -O1 and the unroller's folded counters). */
static bool scal_index(struct scal *c, const struct vy_expr *e, int k, uint32_t *at)
{
	struct vy_expr *f = fold(scal_subst(c, e));
	*at = f->bits;
	return f->kind == VY_E_CONST && f->bits < c->arrays[k].count;
}

static void scal_check_expr(struct scal *c, const struct vy_expr *e)
{
	uint32_t at;
	if (!e)
		return;
	if (e->kind == VY_E_LOAD && e->space == VY_SPACE_PRIVATE &&
	    !scal_index(c, e->args[0], e->index, &at))
		c->ok[e->index] = false;
	for (int i = 0; i < e->nargs; i++)
		scal_check_expr(c, e->args[i]);
}

static void scal_check(struct scal *c, const struct vy_block *b)
{
	uint32_t at;
	for (int i = 0; i < b->n; i++) {
		const struct vy_stmt *s = b->v[i];
		if (s->kind == VY_S_STORE && s->space == VY_SPACE_PRIVATE &&
		    !scal_index(c, s->index, s->mem, &at))
			c->ok[s->mem] = false;
		scal_check_expr(c, s->index);
		scal_check_expr(c, s->value);
		scal_check_expr(c, s->lo);
		scal_check_expr(c, s->hi);
		scal_check_expr(c, s->step);
		if (s->kind == VY_S_LET && vy_expr_is_pure(s->value)) {
			struct vy_expr *f = fold(scal_subst(c, s->value));
			if (f->kind == VY_E_CONST) {
				c->known[s->local] = true;
				c->val[s->local] = f->bits;
			}
		}
		scal_check(c, &s->body);
		scal_check(c, &s->els);
	}
}

static int scal_local(struct scal *c, const char *name, enum vy_type t, bool mutable,
		      struct vy_loc loc)
{
	struct vy_program *q = c->p;
	if (q->nlocals >= c->cap) {
		int cap = 2 * q->nlocals + 16;
		struct vy_local *v = vy_alloc(q->arena, sizeof *v * (size_t)cap);
		memcpy(v, q->locals, sizeof *v * (size_t)q->nlocals);
		q->locals = v, c->cap = cap;
	}
	q->locals[q->nlocals] = (struct vy_local){ name, t, mutable, false, loc };
	return q->nlocals++;
}

/* e with its loads of scalarised arrays read from their locals (a new
 * node where anything below changed, e itself otherwise). */
static struct vy_expr *scal_expr(struct scal *c, struct vy_expr *e)
{
	if (!e)
		return e;
	uint32_t at;
	if (e->kind == VY_E_LOAD && e->space == VY_SPACE_PRIVATE && c->ok[e->index] &&
	    scal_index(c, e->args[0], e->index, &at))
		return mk_local(c->p, c->base[e->index] + (int)at, e);
	struct vy_expr **args = NULL;
	bool kept = e->kind == VY_E_LOAD && e->space == VY_SPACE_PRIVATE;
	for (int i = 0; i < e->nargs; i++) {
		struct vy_expr *a = scal_expr(c, e->args[i]);
		if (a == e->args[i])
			continue;
		if (!args) {
			args = vy_alloc(c->p->arena, sizeof *args * (size_t)e->nargs);
			memcpy(args, e->args, sizeof *args * (size_t)e->nargs);
		}
		args[i] = a;
	}
	if (!args && !kept)
		return e;
	struct vy_expr *n = vy_alloc(c->p->arena, sizeof *n);
	*n = *e;
	if (args)
		n->args = args;
	if (kept)
		n->index = c->remap[e->index];
	return n;
}

static struct vy_stmt *scal_stmt_new(struct scal *c, enum vy_stmt_kind k, const struct vy_stmt *at,
				     int local, struct vy_expr *value)
{
	struct vy_stmt *s = vy_alloc(c->p->arena, sizeof *s);
	s->kind = k;
	s->loc = s->name_loc = at->loc;
	s->local = local;
	s->name = c->p->locals[local].name;
	s->value = value;
	return s;
}

static struct vy_block scal_block(struct scal *c, const struct vy_block *b);

/* var a: T[N] = v  ->  (let fill = v,) var a_0 = fill ... var a_N-1 = fill */
static void scal_decl(struct scal *c, struct list *out, const struct vy_stmt *s)
{
	const struct vy_privdecl *d = &c->arrays[s->mem];
	struct vy_expr *fill = scal_expr(c, s->value);
	if (fill->kind != VY_E_CONST) {
		int l = scal_local(c, vy_fmt(c->p->arena, "%s_fill", d->name), d->type, false, d->loc);
		push(c->p->arena, out, scal_stmt_new(c, VY_S_LET, s, l, fill));
		fill = mk_local(c->p, l, fill);
	}
	c->base[s->mem] = c->p->nlocals;
	for (uint32_t i = 0; i < d->count; i++)
		scal_local(c, vy_fmt(c->p->arena, "%s_%u", d->name, i), d->type, true, d->loc);
	for (uint32_t i = 0; i < d->count; i++)
		push(c->p->arena, out, scal_stmt_new(c, VY_S_VAR, s, c->base[s->mem] + (int)i, fill));
}

static struct vy_block scal_block(struct scal *c, const struct vy_block *b)
{
	struct list out = { 0 };
	for (int i = 0; i < b->n; i++) {
		const struct vy_stmt *s = b->v[i];
		if (s->kind == VY_S_ARRAY && c->ok[s->mem]) {
			scal_decl(c, &out, s);
			continue;
		}
		struct vy_stmt *n = vy_alloc(c->p->arena, sizeof *n);
		*n = *s;
		n->index = scal_expr(c, s->index);
		n->value = scal_expr(c, s->value);
		n->lo = scal_expr(c, s->lo);
		n->hi = scal_expr(c, s->hi);
		n->step = scal_expr(c, s->step);
		uint32_t at;
		if (s->kind == VY_S_STORE && s->space == VY_SPACE_PRIVATE && c->ok[s->mem] &&
		    scal_index(c, s->index, s->mem, &at)) {
			n->kind = VY_S_ASSIGN;
			n->local = c->base[s->mem] + (int)at;
			n->name = c->p->locals[n->local].name;
			n->index = NULL;
		}
		if ((s->kind == VY_S_ARRAY || s->kind == VY_S_STORE) && n->space == VY_SPACE_PRIVATE &&
		    n->kind != VY_S_ASSIGN)
			n->mem = c->remap[s->mem];
		n->body = scal_block(c, &s->body);
		n->els = scal_block(c, &s->els);
		push(c->p->arena, &out, n);
	}
	return (struct vy_block){ out.n, out.v };
}

const struct vy_program *vy_scalarise(const struct vy_program *p)
{
	if (!p->nprivate)
		return p;
	struct vy_program *q = vy_alloc(p->arena, sizeof *q);
	*q = *p;
	struct scal c = { .p = q, .cap = p->nlocals, .arrays = p->privates,
			  .ok = vy_alloc(p->arena, sizeof *c.ok * (size_t)p->nprivate),
			  .base = vy_alloc(p->arena, sizeof *c.base * (size_t)p->nprivate),
			  .known = vy_alloc(p->arena, sizeof *c.known * (size_t)(p->nlocals + 1)),
			  .val = vy_alloc(p->arena, sizeof *c.val * (size_t)(p->nlocals + 1)) };
	bool any = false;
	for (int k = 0; k < p->nprivate; k++)
		c.ok[k] = true;
	scal_check(&c, &p->entry);
	for (int k = 0; k < p->nprivate; k++)
		any |= c.ok[k];
	if (!any)
		return p;
	/* the arrays kept, renumbered: emitters declare each of q->privates */
	c.remap = vy_alloc(p->arena, sizeof *c.remap * (size_t)p->nprivate);
	q->privates = vy_alloc(p->arena, sizeof *q->privates * (size_t)p->nprivate);
	q->nprivate = 0;
	for (int k = 0; k < p->nprivate; k++)
		if (!c.ok[k]) {
			c.remap[k] = q->nprivate;
			q->privates[q->nprivate++] = p->privates[k];
		}
	q->entry = scal_block(&c, &p->entry);
	/* the lets that only indexed the arrays (the CSE lets of -O1: 448
	 * in sgemm, one add of two constants each in every target's code) */
	dce_lets(q);
	return q;
}

void vy_optimize(struct vy_program *p, int level)
{
	struct cse c = { .p = p };
	if (level < 1 || !p)
		return;
	fold_block(&p->entry);
	dce_block(p, &p->entry);
	cse_block(&c, &p->entry);
	dce_lets(p);
}

/* ==== memory and loop passes (issue #18): vy_passes ====
 *
 * A target requests them through vy_aot_emitter.passes; vy_emit runs them
 * at -O1 and above on a deep copy of the program, in this order:
 *
 *   licm     (described below) first, so that index lets leave the body
 *   promote  a buffer element that a loop reads or writes only at one
 *            loop-invariant index (every access of that buffer in the
 *            loop at the same index, no barrier, no atomic, no return in
 *            the loop) lives in a register: one load before the loop, one
 *            store after (when the loop stores it).  The element is only
 *            touched where the original touches it: the loop is wrapped in
 *            `if lo < hi` (a for; a while: its condition, which must then
 *            be pure), and its first iteration must access the element
 *            before anything can skip the rest of it (the first
 *            statement of the body that mentions the buffer accesses it
 *            unconditionally, and none before it can break or continue).
 *            So no access is added where the original made none: no
 *            out-of-bounds access on a GPU (undefined, SPEC §1.8) or stop
 *            in the reference that the original would not have made, and
 *            no write-back of an unchanged value racing another
 *            invocation's store when the loop runs zero times.  Storage
 *            types whose store rounds (u8, bf16 ...) and write_only
 *            buffers are left alone.
 *   licm:    pure expressions (vy_expr_is_pure: no load, no atomic, no
 *            integer division, so none can fault or be reported under
 *            --strict) over locals the loop neither defines nor assigns
 *            are computed once before it; a let of the body's top level
 *            whose value is such an expression moves before it whole.
 *   unroll   vy_unroll, when requested.
 *   loadcse  a load of BUF[i] is reused by the loads of BUF[i] that
 *            follow in straight-line order (into nested blocks, past
 *            loops and ifs that do not store to BUF) until a store to BUF
 *            that may touch element i, an atomic or a barrier.  i must
 *            read no var; "the same element" is the same IR expression
 *            (same()), "cannot touch" is the same base with a different
 *            constant offset.  Only a load every evaluation of its
 *            statement makes (not under the right of && || or a branch
 *            of ?:) gets the let, placed right before its statement; a
 *            statement with an atomic is left alone.
 *   forward  after BUF[i] = v, later loads of BUF[i] read v (same rules;
 *            not for storage types whose store rounds).
 *   sr       in a for loop whose body does not continue it and whose step
 *            is constant, k * c in an index (c invariant) becomes a var
 *            that starts at lo * c and grows by step * c at the end of
 *            each trip (integers wrap, so it is the same value).
 *   partial  (ptx only) a step-1 for loop of any trip count with invariant
 *            bounds and a straight-line body: 16/8/4 copies a trip and a
 *            remainder loop (described at partial_loop).  With partial, sr
 *            runs after it and also takes (k + j) * c (a copy's k * c: the
 *            sum plus let _srk = c * j before the loop), k * c + d (d
 *            invariant: the sum starts at lo * c + d) and the value of a
 *            let that an index reads.
 * A let made for loadcse or forward that nothing reused is undone, so a
 * program with nothing to share keeps its statements.  Nothing is moved
 * across a barrier or an atomic (SPEC §1.5, §1.8).
 */

struct mp {
	struct vy_program *p;
	int cap;                 /* of p->locals; 0: the array is not ours */
	unsigned flags;
	int *stamp, nstamp, epoch;   /* the locals a loop changes */
	struct made { struct vy_stmt *let; struct vy_expr *at; } *made;
	int nmade, capmade;
	const struct vy_expr **lv;   /* a let's value, where it reads no var */
	int nlv;
};

static void lv_block(struct mp *m, const struct vy_block *b)
{
	for (int i = 0; i < b->n; i++) {
		const struct vy_stmt *s = b->v[i];
		if (s->kind == VY_S_LET && s->local < m->nlv && invariant(m->p, s->value))
			m->lv[s->local] = s->value;
		lv_block(m, &s->body);
		lv_block(m, &s->els);
	}
}

/* The lets' values, for value numbering (each let is defined once). */
static void lv_build(struct mp *m)
{
	free(m->lv);
	m->nlv = m->p->nlocals;
	m->lv = vy_xcalloc((size_t)m->nlv + 1, sizeof *m->lv, "optimiser");
	lv_block(m, &m->p->entry);
}

static const struct vy_expr *look(const struct mp *m, const struct vy_expr *e)
{
	for (int n = 0; n < 16 && e->kind == VY_E_LOCAL && e->index < m->nlv && m->lv[e->index]; n++)
		e = m->lv[e->index];
	return e;
}

/* Whether a and b have one value number: the same expression once lets
 * are read as their values. */
static bool vn_same(const struct mp *m, const struct vy_expr *a, const struct vy_expr *b,
		    int depth)
{
	if (same(a, b))
		return true;
	if (!m->lv || depth > 16)
		return false;
	a = look(m, a);
	b = look(m, b);
	if (a->kind != b->kind || a->type != b->type || a->nargs != b->nargs)
		return false;
	if (a->kind != VY_E_OP)
		return same(a, b);
	if (!a->op || !b->op || a->op->code != b->op->code || a->cast_to != b->cast_to)
		return false;
	for (int i = 0; i < a->nargs; i++)
		if (!vn_same(m, a->args[i], b->args[i], depth + 1))
			return false;
	return true;
}

static int mp_local(struct mp *m, const char *pfx, enum vy_type t, bool mut,
		    struct vy_loc loc)
{
	struct vy_program *q = m->p;
	if (q->nlocals >= m->cap) {
		int cap = 2 * q->nlocals + 16;
		struct vy_local *v = vy_alloc(q->arena, sizeof *v * (size_t)cap);
		if (q->nlocals)
			memcpy(v, q->locals, sizeof *v * (size_t)q->nlocals);
		q->locals = v;
		m->cap = cap;
	}
	q->locals[q->nlocals] = (struct vy_local){ vy_fmt(q->arena, "%s%d", pfx, q->nlocals),
						   t, mut, false, loc };
	return q->nlocals++;
}

static struct vy_expr *dup_expr(struct vy_arena *a, const struct vy_expr *e)
{
	if (!e)
		return NULL;
	struct vy_expr *c = vy_alloc(a, sizeof *c);
	*c = *e;
	if (e->nargs) {
		c->args = vy_alloc(a, sizeof *c->args * (size_t)e->nargs);
		for (int i = 0; i < e->nargs; i++)
			c->args[i] = dup_expr(a, e->args[i]);
	}
	return c;
}

static struct vy_block dup_block(struct vy_arena *a, const struct vy_block *b)
{
	struct vy_block c = { b->n, NULL };
	if (!b->n)
		return c;
	c.v = vy_alloc(a, sizeof *c.v * (size_t)b->n);
	for (int i = 0; i < b->n; i++) {
		const struct vy_stmt *s = b->v[i];
		struct vy_stmt *d = vy_alloc(a, sizeof *d);
		*d = *s;
		d->index = dup_expr(a, s->index);
		d->value = dup_expr(a, s->value);
		d->lo = dup_expr(a, s->lo);
		d->hi = dup_expr(a, s->hi);
		d->step = dup_expr(a, s->step);
		d->body = dup_block(a, &s->body);
		d->els = dup_block(a, &s->els);
		c.v[i] = d;
	}
	return c;
}

/* e, in place, becomes a read of local l (its location kept). */
static void to_local(struct vy_expr *e, int l, enum vy_type t)
{
	struct vy_loc loc = e->loc;
	memset(e, 0, sizeof *e);
	e->kind = VY_E_LOCAL;
	e->type = t;
	e->index = l;
	e->loc = loc;
}

static struct vy_expr *mk_op(struct mp *m, enum vy_opcode code, enum vy_type t,
			     struct vy_expr *a, struct vy_expr *b, struct vy_loc loc)
{
	struct vy_expr *e = vy_alloc(m->p->arena, sizeof *e);
	e->kind = VY_E_OP;
	e->type = t;
	e->loc = loc;
	e->op = vy_builtin_op(code);
	e->name = e->op->id;
	e->nargs = 2;
	e->args = vy_alloc(m->p->arena, sizeof *e->args * 2);
	e->args[0] = a;
	e->args[1] = b;
	return e;
}

static struct vy_stmt *mk_stmt(struct mp *m, enum vy_stmt_kind k, int local,
			       struct vy_expr *value, struct vy_loc loc)
{
	struct vy_stmt *s = vy_alloc(m->p->arena, sizeof *s);
	s->kind = k;
	s->loc = s->name_loc = loc;
	s->decl_type = VY_VOID;
	s->local = local;
	s->name = local >= 0 ? m->p->locals[local].name : NULL;
	s->value = value;
	return s;
}

/* A let of a shallow copy of e before the statement (pushed to out), e in
 * place becoming a read of it; recorded so that it can be undone. */
static int let_for(struct mp *m, struct list *out, struct vy_expr *e, const char *pfx,
		   bool record)
{
	struct vy_expr *v = vy_alloc(m->p->arena, sizeof *v);
	*v = *e;
	int l = mp_local(m, pfx, e->type, false, e->loc);
	struct vy_stmt *s = mk_stmt(m, VY_S_LET, l, v, e->loc);
	push(m->p->arena, out, s);
	to_local(e, l, e->type);
	if (record) {
		if (m->nmade == m->capmade) {
			int cap = m->capmade ? 2 * m->capmade : 32;
			struct made *n = vy_alloc(m->p->arena, sizeof *n * (size_t)cap);
			if (m->nmade)
				memcpy(n, m->made, sizeof *n * (size_t)m->nmade);
			m->made = n;
			m->capmade = cap;
		}
		m->made[m->nmade++] = (struct made){ s, e };
	}
	return l;
}

/* ---- the locals a loop changes ---- */

static void mark(struct mp *m, int l)
{
	if (l >= m->nstamp) {
		int n = 2 * l + 64;
		m->stamp = vy_xrealloc(m->stamp, sizeof *m->stamp * (size_t)n, "optimiser");
		memset(m->stamp + m->nstamp, 0, sizeof *m->stamp * (size_t)(n - m->nstamp));
		m->nstamp = n;
	}
	m->stamp[l] = m->epoch;
}

static bool changed(const struct mp *m, int l)
{
	return l < m->nstamp && m->stamp[l] == m->epoch;
}

static void mark_block(struct mp *m, const struct vy_block *b)
{
	for (int i = 0; i < b->n; i++) {
		const struct vy_stmt *s = b->v[i];
		if (defines(s) || s->kind == VY_S_ASSIGN)
			mark(m, s->local);
		mark_block(m, &s->body);
		mark_block(m, &s->els);
	}
}

/* A new epoch: the locals loop L defines or assigns. */
static void changes(struct mp *m, const struct vy_stmt *L)
{
	m->epoch++;
	if (L->kind == VY_S_FOR)
		mark(m, L->local);
	mark_block(m, &L->body);
}

/* Pure and over no local the current loop changes. */
static bool loop_inv(const struct mp *m, const struct vy_expr *e)
{
	if (e->kind == VY_E_LOCAL && changed(m, e->index))
		return false;
	if (e->kind == VY_E_LOAD || (e->kind == VY_E_OP && !e->op))
		return false;
	if (e->kind == VY_E_OP && (vy_op_is_atomic(e->op->code) ||
	    (e->type != VY_F32 && (e->op->code == VY_OP_DIV || e->op->code == VY_OP_REM))))
		return false;
	if (e->kind != VY_E_OP && e->kind != VY_E_LOCAL && e->kind != VY_E_CONST &&
	    e->kind != VY_E_PARAM && e->kind != VY_E_BUILTIN && e->kind != VY_E_LEN)
		return false;
	/* subgroup ops read other lanes: where they run matters */
	if (e->kind == VY_E_OP && e->op->dialect && !strcmp(e->op->dialect, "subgroup"))
		return false;
	for (int i = 0; i < e->nargs; i++)
		if (!loop_inv(m, e->args[i]))
			return false;
	return true;
}

static bool is_loop(const struct vy_stmt *s)
{
	return s->kind == VY_S_FOR || s->kind == VY_S_WHILE;
}

/* The statement kinds these passes know; any other is left alone and
 * stops them (a kind added later cannot be moved across by mistake). */
static bool known(const struct vy_stmt *s)
{
	switch (s->kind) {
	case VY_S_LET: case VY_S_VAR: case VY_S_ASSIGN: case VY_S_STORE:
	case VY_S_IF: case VY_S_FOR: case VY_S_WHILE: case VY_S_BREAK:
	case VY_S_CONTINUE: case VY_S_RETURN: case VY_S_BARRIER: case VY_S_EXPR:
		return true;
	case VY_S_ARRAY:   /* a private array's declaration: left alone */
		return false;
	}
	return false;
}

static bool mem_space(enum vy_space sp)
{
	return sp == VY_SPACE_BUFFER || sp == VY_SPACE_SHARED;
}

/* ---- promote ---- */

struct pscan {
	const struct mp *m;
	bool bad;                /* barrier, atomic, return, unknown statement */
	const struct vy_expr **idx;   /* per buffer: the one index, or NULL */
	signed char *st;         /* per buffer: 0 none, 1 one index, -1 several */
	bool *stores;
};

static void pscan_access(struct pscan *c, int mem, const struct vy_expr *idx, int nargs)
{
	if (nargs != 1 || c->st[mem] < 0) {
		c->st[mem] = -1;
		return;
	}
	if (!c->st[mem]) {
		c->st[mem] = 1;
		c->idx[mem] = idx;
	} else if (!vn_same(c->m, c->idx[mem], idx, 0)) {
		c->st[mem] = -1;
	}
}

static void pscan_expr(struct pscan *c, const struct vy_expr *e)
{
	if (!e)
		return;
	if (e->kind == VY_E_OP && (!e->op || vy_op_is_atomic(e->op->code)))
		c->bad = true;
	if (e->kind == VY_E_LOAD && e->space == VY_SPACE_BUFFER)
		pscan_access(c, e->index, e->nargs ? e->args[0] : NULL, e->nargs);
	else if (e->kind == VY_E_LOAD && !mem_space(e->space))
		c->bad = true;
	for (int i = 0; i < e->nargs; i++)
		pscan_expr(c, e->args[i]);
}

static void pscan_block(struct pscan *c, const struct vy_block *b)
{
	for (int i = 0; i < b->n; i++) {
		const struct vy_stmt *s = b->v[i];
		if (!known(s) || s->kind == VY_S_BARRIER || s->kind == VY_S_RETURN)
			c->bad = true;
		if (s->kind == VY_S_STORE && s->space == VY_SPACE_BUFFER) {
			pscan_access(c, s->mem, s->index, 1);
			c->stores[s->mem] = true;
		} else if (s->kind == VY_S_STORE && !mem_space(s->space)) {
			c->bad = true;
		}
		pscan_expr(c, s->index);
		pscan_expr(c, s->value);
		pscan_expr(c, s->lo);
		pscan_expr(c, s->hi);
		pscan_expr(c, s->step);
		pscan_block(c, &s->body);
		pscan_block(c, &s->els);
	}
}

static bool mentions_expr(const struct vy_expr *e, int mem)
{
	if (!e)
		return false;
	if (e->kind == VY_E_LOAD && e->space == VY_SPACE_BUFFER && e->index == mem)
		return true;
	for (int i = 0; i < e->nargs; i++)
		if (mentions_expr(e->args[i], mem))
			return true;
	return false;
}

static bool mentions(const struct vy_stmt *s, int mem)
{
	if ((s->kind == VY_S_STORE && s->space == VY_SPACE_BUFFER && s->mem == mem) ||
	    mentions_expr(s->index, mem) || mentions_expr(s->value, mem) ||
	    mentions_expr(s->lo, mem) || mentions_expr(s->hi, mem) || mentions_expr(s->step, mem))
		return true;
	for (int i = 0; i < s->body.n; i++)
		if (mentions(s->body.v[i], mem))
			return true;
	for (int i = 0; i < s->els.n; i++)
		if (mentions(s->els.v[i], mem))
			return true;
	return false;
}

/* Whether every evaluation of e loads from buffer mem. */
static bool always_loads(const struct vy_expr *e, int mem)
{
	if (!e)
		return false;
	if (e->kind == VY_E_LOAD && e->space == VY_SPACE_BUFFER && e->index == mem)
		return true;
	if (e->kind == VY_E_OP && e->op && (e->op->code == VY_OP_LAND ||
	    e->op->code == VY_OP_LOR || e->op->code == VY_OP_SELECT))
		return always_loads(e->args[0], mem);
	for (int i = 0; i < e->nargs; i++)
		if (always_loads(e->args[i], mem))
			return true;
	return false;
}

static bool jumps(const struct vy_block *b)
{
	for (int i = 0; i < b->n; i++) {
		const struct vy_stmt *s = b->v[i];
		if (s->kind == VY_S_BREAK || s->kind == VY_S_CONTINUE || s->kind == VY_S_RETURN ||
		    jumps(&s->body) || jumps(&s->els))
			return true;
	}
	return false;
}

/* Whether the first trip of loop L accesses buffer mem before anything
 * can leave the trip. */
static bool first_trip_touches(const struct vy_stmt *L, int mem)
{
	const struct vy_block *b = &L->body;
	for (int i = 0; i < b->n; i++) {
		const struct vy_stmt *s = b->v[i];
		if (!mentions(s, mem)) {
			if (s->kind == VY_S_BREAK || s->kind == VY_S_CONTINUE ||
			    jumps(&s->body) || jumps(&s->els))
				return false;
			continue;
		}
		switch (s->kind) {
		case VY_S_STORE:
			if (s->space == VY_SPACE_BUFFER && s->mem == mem)
				return true;
			return always_loads(s->index, mem) || always_loads(s->value, mem);
		case VY_S_LET: case VY_S_VAR: case VY_S_ASSIGN: case VY_S_EXPR: case VY_S_IF:
			return always_loads(s->value, mem);
		case VY_S_FOR:
			return always_loads(s->lo, mem) || always_loads(s->hi, mem);
		case VY_S_WHILE: case VY_S_BREAK: case VY_S_CONTINUE: case VY_S_RETURN:
		case VY_S_BARRIER: case VY_S_ARRAY:
			return false;
		}
		return false;
	}
	return false;
}

/* The condition under which L runs at least once (NULL: always). */
static struct vy_expr *guard(struct mp *m, const struct vy_stmt *L, bool *ok)
{
	*ok = true;
	if (L->kind == VY_S_WHILE) {
		*ok = vy_expr_is_pure(L->value);
		return dup_expr(m->p->arena, L->value);
	}
	if (!vy_expr_is_pure(L->lo) || !vy_expr_is_pure(L->hi)) {
		*ok = false;
		return NULL;
	}
	enum vy_type t = m->p->locals[L->local].type;
	enum vy_opcode c = L->step_negative ? VY_OP_GT : VY_OP_LT;
	if (L->lo->kind == VY_E_CONST && L->hi->kind == VY_E_CONST &&
	    eval_op(c, t, L->lo->bits, L->hi->bits))
		return NULL;
	return mk_op(m, c, VY_BOOL, dup_expr(m->p->arena, L->lo), dup_expr(m->p->arena, L->hi),
		     L->loc);
}

static void promote_expr(struct vy_expr *e, int mem, int l, enum vy_type t)
{
	if (!e)
		return;
	if (e->kind == VY_E_LOAD && e->space == VY_SPACE_BUFFER && e->index == mem) {
		to_local(e, l, t);
		return;
	}
	for (int i = 0; i < e->nargs; i++)
		promote_expr(e->args[i], mem, l, t);
}

static void promote_block(struct mp *m, struct vy_block *b, int mem, int l, enum vy_type t)
{
	for (int i = 0; i < b->n; i++) {
		struct vy_stmt *s = b->v[i];
		promote_expr(s->index, mem, l, t);
		promote_expr(s->value, mem, l, t);
		promote_expr(s->lo, mem, l, t);
		promote_expr(s->hi, mem, l, t);
		promote_expr(s->step, mem, l, t);
		if (s->kind == VY_S_STORE && s->space == VY_SPACE_BUFFER && s->mem == mem) {
			s->kind = VY_S_ASSIGN;
			s->local = l;
			s->name = m->p->locals[l].name;
			s->index = NULL;
		}
		promote_block(m, &s->body, mem, l, t);
		promote_block(m, &s->els, mem, l, t);
	}
}

/* Loop L, promoted where it qualifies, pushed to out (as L, or as the
 * guarded block around it). */
static void promote_loop(struct mp *m, struct vy_stmt *L, struct list *out)
{
	struct vy_program *p = m->p;
	int nb = p->nbuffers;
	struct pscan c = { m, false, NULL, NULL, NULL };
	if (!nb || (L->kind == VY_S_WHILE && vy_expr_has_effect(L->value))) {
		push(p->arena, out, L);
		return;
	}
	c.idx = vy_alloc(p->arena, sizeof *c.idx * (size_t)nb);
	c.st = vy_alloc(p->arena, (size_t)nb);
	c.stores = vy_alloc(p->arena, sizeof *c.stores * (size_t)nb);
	if (L->kind == VY_S_WHILE)
		pscan_expr(&c, L->value);
	pscan_block(&c, &L->body);
	bool gok = false;
	struct vy_expr *g = NULL;
	int *cand = vy_alloc(p->arena, sizeof *cand * (size_t)nb), nc = 0;
	if (!c.bad) {
		changes(m, L);
		for (int b = 0; b < nb; b++) {
			enum vy_type mt = p->buffers[b].type;
			if (c.st[b] == 1 && p->buffers[b].access != VY_WRITE_ONLY &&
			    vy_type_value(mt) == mt && vy_type_lanes(mt) == 1 && loop_inv(m, c.idx[b]) &&
			    first_trip_touches(L, b))
				cand[nc++] = b;
		}
		for (int k = 0; nc && L->kind == VY_S_FOR && k < 2; k++) {
			struct vy_expr *b = k ? L->hi : L->lo;   /* bounds that load: */
			if (!vy_expr_is_pure(b) && !vy_expr_has_effect(b))   /* once, here */
				let_for(m, out, b, "_b", false);
		}
		if (nc)
			g = guard(m, L, &gok);
	}
	if (!nc || !gok) {
		push(p->arena, out, L);
		return;
	}
	struct list in = { 0 };
	int *loc = vy_alloc(p->arena, sizeof *loc * (size_t)nc);
	for (int i = 0; i < nc; i++) {
		int b = cand[i];
		enum vy_type t = p->buffers[b].type;
		struct vy_expr *ld = vy_alloc(p->arena, sizeof *ld);
		ld->kind = VY_E_LOAD;
		ld->type = t;
		ld->space = VY_SPACE_BUFFER;
		ld->index = b;
		ld->loc = L->loc;
		ld->nargs = 1;
		ld->args = vy_alloc(p->arena, sizeof *ld->args);
		ld->args[0] = dup_expr(p->arena, c.idx[b]);
		loc[i] = mp_local(m, "_p", t, c.stores[b], L->loc);
		push(p->arena, &in, mk_stmt(m, c.stores[b] ? VY_S_VAR : VY_S_LET, loc[i], ld, L->loc));
	}
	for (int i = 0; i < nc; i++) {
		if (L->kind == VY_S_WHILE)
			promote_expr(L->value, cand[i], loc[i], p->buffers[cand[i]].type);
		promote_block(m, &L->body, cand[i], loc[i], p->buffers[cand[i]].type);
	}
	push(p->arena, &in, L);
	for (int i = 0; i < nc; i++) {
		int b = cand[i];
		if (!c.stores[b])
			continue;
		struct vy_stmt *st = mk_stmt(m, VY_S_STORE, -1, NULL, L->loc);
		st->space = VY_SPACE_BUFFER;
		st->mem = b;
		st->name = p->buffers[b].name;
		st->index = dup_expr(p->arena, c.idx[b]);
		st->value = vy_alloc(p->arena, sizeof *st->value);
		st->value->loc = L->loc;
		to_local(st->value, loc[i], p->buffers[b].type);
		push(p->arena, &in, st);
	}
	if (!g) {
		for (int i = 0; i < in.n; i++)
			push(p->arena, out, in.v[i]);
		return;
	}
	struct vy_stmt *w = mk_stmt(m, VY_S_IF, -1, g, L->loc);
	w->body = (struct vy_block){ in.n, in.v };
	push(p->arena, out, w);
}

static void promote_pass(struct mp *m, struct vy_block *b)
{
	struct list out = { 0 };
	for (int i = 0; i < b->n; i++) {
		struct vy_stmt *s = b->v[i];
		promote_pass(m, &s->body);
		promote_pass(m, &s->els);
		if (is_loop(s))
			promote_loop(m, s, &out);
		else
			push(m->p->arena, &out, s);
	}
	b->v = out.v;
	b->n = out.n;
}

/* ---- licm ---- */

struct hoist {
	struct vy_expr **v;   /* hoisted values (copies), for sharing */
	int *local, n, cap;
};

static void licm_expr(struct mp *m, struct hoist *h, struct list *out, struct vy_expr *e)
{
	if (!e)
		return;
	if (e->kind == VY_E_OP && loop_inv(m, e)) {
		for (int i = 0; i < h->n; i++)
			if (same(h->v[i], e)) {
				to_local(e, h->local[i], e->type);
				return;
			}
		struct vy_expr *v = vy_alloc(m->p->arena, sizeof *v);
		*v = *e;
		int l = let_for(m, out, e, "_inv", false);
		if (h->n == h->cap) {
			int cap = h->cap ? 2 * h->cap : 16;
			struct vy_expr **nv = vy_alloc(m->p->arena, sizeof *nv * (size_t)cap);
			int *nl = vy_alloc(m->p->arena, sizeof *nl * (size_t)cap);
			if (h->n) {
				memcpy(nv, h->v, sizeof *nv * (size_t)h->n);
				memcpy(nl, h->local, sizeof *nl * (size_t)h->n);
			}
			h->v = nv, h->local = nl, h->cap = cap;
		}
		h->v[h->n] = v;
		h->local[h->n++] = l;
		return;
	}
	for (int i = 0; i < e->nargs; i++)
		licm_expr(m, h, out, e->args[i]);
}

static void licm_block(struct mp *m, struct hoist *h, struct list *out, struct vy_block *b)
{
	for (int i = 0; i < b->n; i++) {
		struct vy_stmt *s = b->v[i];
		licm_expr(m, h, out, s->index);
		licm_expr(m, h, out, s->value);
		licm_expr(m, h, out, s->lo);
		licm_expr(m, h, out, s->hi);
		licm_expr(m, h, out, s->step);
		licm_block(m, h, out, &s->body);
		licm_block(m, h, out, &s->els);
	}
}

static void licm_loop(struct mp *m, struct vy_stmt *L, struct list *out)
{
	struct hoist h = { 0 };
	struct list body = { 0 };
	changes(m, L);
	for (int i = 0; i < L->body.n; i++) {
		struct vy_stmt *s = L->body.v[i];
		if (s->kind == VY_S_LET && loop_inv(m, s->value)) {
			push(m->p->arena, out, s);
			m->stamp[s->local] = 0;
		} else {
			push(m->p->arena, &body, s);
		}
	}
	L->body = (struct vy_block){ body.n, body.v };
	if (L->kind == VY_S_WHILE)
		licm_expr(m, &h, out, L->value);
	licm_block(m, &h, out, &L->body);
	push(m->p->arena, out, L);
}

static void licm_pass(struct mp *m, struct vy_block *b)
{
	struct list out = { 0 };
	for (int i = 0; i < b->n; i++) {
		struct vy_stmt *s = b->v[i];
		licm_pass(m, &s->body);
		licm_pass(m, &s->els);
		if (is_loop(s))
			licm_loop(m, s, &out);
		else
			push(m->p->arena, &out, s);
	}
	b->v = out.v;
	b->n = out.n;
}

/* ---- loadcse, forward ---- */

enum { AV_MAX = 64 };

struct ent {
	enum vy_space sp;
	int mem;
	const struct vy_expr *idx;
	struct vy_expr holder;   /* what a load of it becomes: a const or a let */
};

struct av {
	struct ent v[AV_MAX];
	int n;
};

/* e as base + constant offset. */
static const struct vy_expr *split(const struct mp *m, const struct vy_expr *e, uint32_t *off)
{
	*off = 0;
	e = look(m, e);
	if (e->kind == VY_E_CONST) {
		*off = e->bits;
		return NULL;
	}
	if (e->kind == VY_E_OP && e->op && e->nargs == 2) {
		if (e->op->code == VY_OP_ADD && e->args[1]->kind == VY_E_CONST) {
			*off = e->args[1]->bits;
			return e->args[0];
		}
		if (e->op->code == VY_OP_ADD && e->args[0]->kind == VY_E_CONST) {
			*off = e->args[0]->bits;
			return e->args[1];
		}
		if (e->op->code == VY_OP_SUB && e->args[1]->kind == VY_E_CONST) {
			*off = 0u - e->args[1]->bits;
			return e->args[0];
		}
	}
	return e;
}

/* Whether indices a and b can never name the same element. */
static bool distinct(const struct mp *m, const struct vy_expr *a, const struct vy_expr *b)
{
	uint32_t oa, ob;
	if (a->type != b->type)
		return false;
	const struct vy_expr *ba = split(m, a, &oa), *bb = split(m, b, &ob);
	if (oa == ob)
		return false;
	return (!ba && !bb) || (ba && bb && vn_same(m, ba, bb, 0));
}

static void av_add(struct av *a, enum vy_space sp, int mem, const struct vy_expr *idx,
		   const struct vy_expr *holder)
{
	if (a->n == AV_MAX) {
		memmove(a->v, a->v + 1, sizeof *a->v * (AV_MAX - 1));
		a->n--;
	}
	a->v[a->n++] = (struct ent){ sp, mem, idx, *holder };
}

static void av_kill(const struct mp *m, struct av *a, enum vy_space sp, int mem,
		    const struct vy_expr *idx)
{
	int n = 0;
	for (int i = 0; i < a->n; i++)
		if (a->v[i].sp != sp || a->v[i].mem != mem || (idx && distinct(m, a->v[i].idx, idx)))
			a->v[n++] = a->v[i];
	a->n = n;
}

static struct ent *av_find(const struct mp *m, struct av *a, const struct vy_expr *e)
{
	for (int i = a->n - 1; i >= 0; i--)
		if (a->v[i].sp == e->space && a->v[i].mem == e->index &&
		    vn_same(m, a->v[i].idx, e->args[0], 0))
			return &a->v[i];
	return NULL;
}

/* A load the pass may share: one index that reads no var. */
static bool shareable(const struct mp *m, const struct vy_expr *e)
{
	return e->kind == VY_E_LOAD && mem_space(e->space) && e->nargs == 1 &&
	       e->type == vy_type_value(vy_mem_type(m->p, e->space, e->index)) &&
	       invariant(m->p, e->args[0]);
}

static void reuse_at(struct ent *t, struct vy_expr *e)
{
	struct vy_loc loc = e->loc;
	*e = t->holder;
	e->loc = loc;
}

/* Loads of e that a are holding become their holders (all positions). */
static void lc_replace(struct mp *m, struct av *a, struct vy_expr *e)
{
	if (!e)
		return;
	for (int i = 0; i < e->nargs; i++)
		lc_replace(m, a, e->args[i]);
	struct ent *t;
	if (shareable(m, e) && (t = av_find(m, a, e)))
		reuse_at(t, e);
}

/* The loads every evaluation of e makes get a let before the statement
 * (or their holder), innermost first. */
static void lc_hoist(struct mp *m, struct av *a, struct list *out, struct vy_expr *e)
{
	if (!e)
		return;
	if (e->kind == VY_E_OP && e->op && (e->op->code == VY_OP_LAND ||
	    e->op->code == VY_OP_LOR || e->op->code == VY_OP_SELECT)) {
		lc_hoist(m, a, out, e->args[0]);
		return;
	}
	for (int i = 0; i < e->nargs; i++)
		lc_hoist(m, a, out, e->args[i]);
	if (!shareable(m, e))
		return;
	struct ent *t = av_find(m, a, e);
	if (t) {
		reuse_at(t, e);
		return;
	}
	struct vy_expr *v;
	enum vy_space sp = e->space;
	int mem = e->index;
	int l = let_for(m, out, e, "_ld", true);
	v = m->made[m->nmade - 1].let->value;
	struct vy_expr h = { 0 };
	to_local(&h, l, v->type);
	av_add(a, sp, mem, v->args[0], &h);
}

/* Whether any expression of b (nested ones too) or b itself has an
 * atomic, a barrier or an unknown statement; stores kill their buffer. */
static void lc_kill_block(const struct mp *m, struct av *a, const struct vy_block *b)
{
	for (int i = 0; i < b->n && a->n; i++) {
		const struct vy_stmt *s = b->v[i];
		if (!known(s) || s->kind == VY_S_BARRIER ||
		    (s->index && vy_expr_has_effect(s->index)) ||
		    (s->value && vy_expr_has_effect(s->value)) ||
		    (s->lo && vy_expr_has_effect(s->lo)) || (s->hi && vy_expr_has_effect(s->hi)) ||
		    (s->step && vy_expr_has_effect(s->step))) {
			a->n = 0;
			return;
		}
		if (s->kind == VY_S_STORE)
			av_kill(m, a, s->space, s->mem, NULL);
		lc_kill_block(m, a, &s->body);
		lc_kill_block(m, a, &s->els);
	}
}

static bool stmt_effect(const struct vy_stmt *s)
{
	return (s->index && vy_expr_has_effect(s->index)) ||
	       (s->value && vy_expr_has_effect(s->value)) ||
	       (s->lo && vy_expr_has_effect(s->lo)) || (s->hi && vy_expr_has_effect(s->hi)) ||
	       (s->step && vy_expr_has_effect(s->step));
}

static void lc_block(struct mp *m, struct av *a, struct vy_block *b)
{
	struct list out = { 0 };
	bool cse = m->flags & VY_PASS_LOADCSE, fwd = m->flags & VY_PASS_FORWARD;
	for (int i = 0; i < b->n; i++) {
		struct vy_stmt *s = b->v[i];
		if (!known(s) || s->kind == VY_S_BARRIER || stmt_effect(s)) {
			a->n = 0;
			if (known(s)) {   /* its loops and ifs, on their own */
				struct av in = { .n = 0 };
				lc_block(m, &in, &s->body);
				in.n = 0;
				lc_block(m, &in, &s->els);
			}
			push(m->p->arena, &out, s);
			continue;
		}
		if (s->kind != VY_S_WHILE) {
			struct vy_expr **slot[5] = { &s->index, &s->value, &s->lo, &s->hi, &s->step };
			for (int k = 0; k < 5; k++)
				if (*slot[k] && cse)
					lc_hoist(m, a, &out, *slot[k]);
			for (int k = 0; k < 5; k++)
				lc_replace(m, a, *slot[k]);
		}
		if (s->kind == VY_S_STORE && mem_space(s->space)) {
			av_kill(m, a, s->space, s->mem, s->index);
			if (fwd && invariant(m->p, s->index) &&
			    s->value->type == vy_mem_type(m->p, s->space, s->mem)) {
				struct vy_expr *v = s->value;
				if (v->kind == VY_E_CONST ||
				    (v->kind == VY_E_LOCAL && !m->p->locals[v->index].mutable)) {
					av_add(a, s->space, s->mem, s->index, v);
				} else {
					int l = let_for(m, &out, v, "_st", true);
					struct vy_expr h = { 0 };
					to_local(&h, l, v->type);
					av_add(a, s->space, s->mem, s->index, &h);
				}
			}
		}
		push(m->p->arena, &out, s);
		if (s->kind == VY_S_IF) {
			struct av t = *a;
			lc_block(m, &t, &s->body);
			t = *a;
			lc_block(m, &t, &s->els);
			lc_kill_block(m, a, &s->body);
			lc_kill_block(m, a, &s->els);
		} else if (is_loop(s)) {
			lc_kill_block(m, a, &s->body);
			struct av t = *a;
			lc_block(m, &t, &s->body);
		}
	}
	b->v = out.v;
	b->n = out.n;
}

/* Lets that nothing reused go back into their one use. */
static void lc_undo(struct mp *m)
{
	struct vy_program *p = m->p;
	if (!m->nmade)
		return;
	int *uses = vy_xcalloc((size_t)p->nlocals + 1, sizeof *uses, "optimiser");
	count_block(&p->entry, uses);
	for (int i = m->nmade - 1; i >= 0; i--) {
		struct made *d = &m->made[i];
		if (uses[d->let->local] != 1)
			continue;
		*d->at = *d->let->value;
		d->let->kind = VY_S_EXPR;   /* dropped below */
		d->let->value = NULL;
	}
	free(uses);
	m->nmade = 0;
}

static void drop_undone(struct vy_block *b)
{
	int n = 0;
	for (int i = 0; i < b->n; i++) {
		struct vy_stmt *s = b->v[i];
		drop_undone(&s->body);
		drop_undone(&s->els);
		if (!(s->kind == VY_S_EXPR && !s->value))
			b->v[n++] = s;
	}
	b->n = n;
}

/* ---- sr ---- */

struct srg {
	const struct vy_expr *c;   /* the factor */
	int local;
	const struct vy_expr *d;   /* ext: the invariant addend, or NULL */
};

static bool continues(const struct vy_block *b)
{
	for (int i = 0; i < b->n; i++) {
		const struct vy_stmt *s = b->v[i];
		if (s->kind == VY_S_CONTINUE || (!is_loop(s) && (continues(&s->body) || continues(&s->els))))
			return true;
	}
	return false;
}

static bool sr_factor(const struct mp *m, const struct vy_expr *c)
{
	return (c->kind == VY_E_CONST || c->kind == VY_E_PARAM || c->kind == VY_E_LEN ||
		c->kind == VY_E_BUILTIN || c->kind == VY_E_LOCAL) && loop_inv(m, c);
}

struct sr {
	struct mp *m;
	const struct vy_stmt *L;
	struct srg g[8];
	int n;
	struct list *out;
	bool ext;                  /* ptx, after partial: (k + j) * c and let values too */
	struct srkj { int g, local; uint32_t j; } kj[64];   /* let _srk = c * j, before the loop */
	int nkj;
	struct vy_expr *nw[64];    /* the copies' _sr + _srk (for VY_PASS_NOWRAP) */
	int nwg[64], nnw;
	bool nwfull;
};

/* Whether x is the counter k (j = 0) or k + j, j a constant (as partial's
 * copies read it): (k + j) * c is k * c + j * c, integers wrap. */
static bool sr_trip(const struct sr *r, const struct vy_expr *x, uint32_t *j)
{
	int v = r->L->local;
	*j = 0;
	if (x->kind == VY_E_LOCAL && x->index == v)
		return true;
	if (!r->ext || x->kind != VY_E_OP || !x->op || x->op->code != VY_OP_ADD ||
	    x->type != r->m->p->locals[v].type)
		return false;
	for (int i = 0; i < 2; i++)
		if (x->args[i]->kind == VY_E_LOCAL && x->args[i]->index == v &&
		    x->args[1 - i]->kind == VY_E_CONST) {
			*j = x->args[1 - i]->bits;
			return true;
		}
	return false;
}

/* Whether local l is read in a load or store index in b (or in the value
 * of a let that is). */
static bool sr_idx_expr(const struct vy_expr *e, int l, bool in_index)
{
	if (!e)
		return false;
	if (e->kind == VY_E_LOCAL && e->index == l)
		return in_index;
	for (int i = 0; i < e->nargs; i++)
		if (sr_idx_expr(e->args[i], l, in_index || e->kind == VY_E_LOAD))
			return true;
	return false;
}

static bool sr_indexes(const struct vy_block *b, int l)
{
	for (int i = 0; i < b->n; i++) {
		const struct vy_stmt *s = b->v[i];
		if (sr_idx_expr(s->index, l, true) || sr_idx_expr(s->value, l, false) ||
		    sr_indexes(&s->body, l) || sr_indexes(&s->els, l))
			return true;
	}
	return false;
}

static void sr_expr(struct sr *r, struct vy_expr *e, bool in_index)
{
	if (!e)
		return;
	const struct vy_stmt *L = r->L;
	enum vy_type t = r->m->p->locals[L->local].type;
	/* ext: k * c + d (d invariant) is one running sum that starts at
	 * lo * c + d, so a copy's index is that plus c * j (one IMAD) */
	struct vy_expr *mul = e;
	const struct vy_expr *d = NULL;
	if (r->ext && in_index && e->kind == VY_E_OP && e->op && e->op->code == VY_OP_ADD &&
	    e->type == t)
		for (int i = 0; i < 2; i++) {
			struct vy_expr *x = e->args[i];
			if (x->kind == VY_E_OP && x->op && x->op->code == VY_OP_MUL && x->type == t &&
			    sr_factor(r->m, e->args[1 - i])) {
				mul = x;
				d = e->args[1 - i];
				break;
			}
		}
	if (in_index && mul->kind == VY_E_OP && mul->op && mul->op->code == VY_OP_MUL &&
	    mul->type == t) {
		int k = -1;
		uint32_t j = 0;
		if (sr_trip(r, mul->args[0], &j) && sr_factor(r->m, mul->args[1]))
			k = 1;
		else if (sr_trip(r, mul->args[1], &j) && sr_factor(r->m, mul->args[0]))
			k = 0;
		if (k >= 0 && j && r->nkj == 64)
			return;
		if (k >= 0) {
			const struct vy_expr *c = mul->args[k];
			int g = 0;
			while (g < r->n && !(same(r->g[g].c, c) &&
					     (d ? r->g[g].d && same(r->g[g].d, d) : !r->g[g].d)))
				g++;
			if (g == r->n) {
				if (r->n == 8)
					return;
				struct mp *m = r->m;
				struct vy_arena *a = m->p->arena;
				int l = mp_local(m, "_sr", t, true, e->loc);
				struct vy_expr *init = is_const(L->lo, 0) ? dup_expr(a, L->lo) :
					fold(mk_op(m, VY_OP_MUL, t, dup_expr(a, L->lo), dup_expr(a, c), e->loc));
				if (d)
					init = fold(mk_op(m, VY_OP_ADD, t, init, dup_expr(a, d), e->loc));
				push(a, r->out, mk_stmt(m, VY_S_VAR, l, init, e->loc));
				r->g[r->n++] = (struct srg){ dup_expr(a, c), l, d ? dup_expr(a, d) : NULL };
			}
			if (!j) {
				to_local(e, r->g[g].local, t);
				return;
			}
			/* (k + j) * c: the running sum plus let _srk = c * j */
			struct mp *m = r->m;
			int x = 0;
			while (x < r->nkj && !(r->kj[x].g == g && r->kj[x].j == j))
				x++;
			if (x == r->nkj) {
				struct vy_arena *a = m->p->arena;
				int l = mp_local(m, "_srk", t, false, e->loc);
				struct vy_expr *jc = dup_expr(a, mul->args[1 - k]);
				jc->kind = VY_E_CONST;
				jc->nargs = 0;
				jc->args = NULL;
				jc->index = 0;
				jc->bits = j;
				jc->type = t;
				push(a, r->out, mk_stmt(m, VY_S_LET, l,
					fold(mk_op(m, VY_OP_MUL, t, dup_expr(a, c), jc, e->loc)), e->loc));
				r->kj[r->nkj++] = (struct srkj){ g, l, j };
			}
			struct vy_expr *cur = vy_alloc(m->p->arena, sizeof *cur);
			struct vy_expr *off = vy_alloc(m->p->arena, sizeof *off);
			cur->loc = off->loc = e->loc;
			to_local(cur, r->g[g].local, t);
			to_local(off, r->kj[x].local, t);
			struct vy_expr *sum = mk_op(m, VY_OP_ADD, t, cur, off, e->loc);
			struct vy_loc loc = e->loc;
			*e = *sum;
			e->loc = loc;
			if (r->nnw < 64) {
				r->nwg[r->nnw] = g;
				r->nw[r->nnw++] = e;
			} else {
				r->nwfull = true;
			}
			return;
		}
	}
	for (int i = 0; i < e->nargs; i++)
		sr_expr(r, e->args[i], in_index || e->kind == VY_E_LOAD);
}

static void sr_block(struct sr *r, struct vy_block *b)
{
	for (int i = 0; i < b->n; i++) {
		struct vy_stmt *s = b->v[i];
		sr_expr(r, s->index, true);
		sr_expr(r, s->value, r->ext && s->kind == VY_S_LET &&
			sr_indexes(&r->L->body, s->local));
		sr_expr(r, s->lo, false);
		sr_expr(r, s->hi, false);
		sr_expr(r, s->step, false);
		sr_block(r, &s->body);
		sr_block(r, &s->els);
	}
}

/* ---- nowrap (VY_PASS_NOWRAP, ptx, with sr after partial) ----
 *
 * In an unrolled loop `for _pi in LO..HI step F` (u32, F a power of two)
 * the copies index X + c * j as `_sr + _srk` (_sr the running sum, _srk
 * = c * j).  The u32 sum wraps, so the ptx emitter forms each address with
 * its own IMAD + IMAD.WIDE.U32; where no sum wraps, copy j's address is
 * copy j-1's plus c * size (one 64-bit add, the pointer walk nvcc makes,
 * because signed overflow is undefined in C).  That is only proved at run
 * time, so the loop is versioned:
 *
 *   if LO < HI && ((HI - LO) & (F-1)) == 0 &&
 *      (c == 0 || HI - LO - 1 <= ~_sr / c)       (each running sum)
 *     the loop, its copies' sums marked VY_NOWRAP
 *   else
 *     the loop as it was
 *
 * The guard says _sr + c * (HI - LO - 1) < 2^32 in integers, and the
 * loop runs (HI - LO) / F trips exactly, so no running sum, no c * j and
 * no _sr + c * j of any trip wraps.  Both loops compute the same values
 * (the mark changes nothing but how ptx forms the address), so the
 * results are bit for bit the same as -O0; a loop whose sums may wrap
 * takes the unmarked one. */
static struct vy_expr *nw_u32(struct mp *m, uint32_t bits, struct vy_loc loc)
{
	struct vy_expr *e = vy_alloc(m->p->arena, sizeof *e);
	e->kind = VY_E_CONST;
	e->type = VY_U32;
	e->bits = bits;
	e->ival = bits;
	e->loc = loc;
	return e;
}

static bool nw_bound(const struct mp *m, const struct vy_expr *e)
{
	return e && (e->kind == VY_E_CONST || e->kind == VY_E_PARAM || e->kind == VY_E_LEN ||
		     (e->kind == VY_E_LOCAL && !m->p->locals[e->index].mutable)) &&
	       e->type == VY_U32;
}

/* Whether index e is one of r's sums or a let of one (so ptx walks it). */
static bool nw_walked(const struct sr *r, const struct vy_block *b, const struct vy_expr *e)
{
	for (int i = 0; i < r->nnw; i++)
		if (r->nw[i] == e)
			return true;
	if (e->kind != VY_E_LOCAL)
		return false;
	for (int i = 0; i < b->n; i++)
		if (b->v[i]->kind == VY_S_LET && b->v[i]->local == e->index)
			for (int k = 0; k < r->nnw; k++)
				if (r->nw[k] == b->v[i]->value)
					return true;
	return false;
}

static bool nw_used_expr(const struct sr *r, const struct vy_block *b, const struct vy_expr *e)
{
	if (!e)
		return false;
	if (e->kind == VY_E_LOAD && e->space == VY_SPACE_BUFFER && nw_walked(r, b, e->args[0]))
		return true;
	for (int i = 0; i < e->nargs; i++)
		if (nw_used_expr(r, b, e->args[i]))
			return true;
	return false;
}

/* Whether a buffer load or store of L's body (top level) has a walked index:
 * otherwise the versioned loop would only cost its guard and its size. */
static bool nw_used(const struct sr *r, const struct vy_block *b)
{
	for (int i = 0; i < b->n; i++) {
		const struct vy_stmt *s = b->v[i];
		if ((s->kind == VY_S_STORE && s->space == VY_SPACE_BUFFER && nw_walked(r, b, s->index)) ||
		    nw_used_expr(r, b, s->value))
			return true;
	}
	return false;
}

static bool nowrap_loop(struct mp *m, struct sr *r, struct vy_stmt *L, struct list *out)
{
	struct vy_arena *a = m->p->arena;
	struct vy_loc loc = L->loc;
	if (!r->ext || !r->nnw || r->nwfull || m->p->locals[L->local].type != VY_U32 ||
	    !L->step || L->step->kind != VY_E_CONST || L->step->bits < 2 ||
	    (L->step->bits & (L->step->bits - 1)) || !nw_bound(m, L->lo) || !nw_bound(m, L->hi) ||
	    !nw_used(r, &L->body))
		return false;
	uint32_t f = L->step->bits;
	bool used[8] = { 0 };
	for (int i = 0; i < r->nnw; i++)
		used[r->nwg[i]] = true;
	for (int g = 0; g < r->n; g++)
		if (used[g] && (r->g[g].c->type != VY_U32 || !nw_bound(m, r->g[g].c) ||
				m->p->locals[r->g[g].local].type != VY_U32))
			return false;
	struct vy_expr *d = is_const(L->lo, 0) ? dup_expr(a, L->hi) :
		mk_op(m, VY_OP_SUB, VY_U32, dup_expr(a, L->hi), dup_expr(a, L->lo), loc);
	struct vy_expr *gd = mk_op(m, VY_OP_LAND, VY_BOOL,
		mk_op(m, VY_OP_LT, VY_BOOL, dup_expr(a, L->lo), dup_expr(a, L->hi), loc),
		mk_op(m, VY_OP_EQ, VY_BOOL,
		      mk_op(m, VY_OP_AND, VY_U32, d, nw_u32(m, f - 1, loc), loc),
		      nw_u32(m, 0, loc), loc), loc);
	for (int g = 0; g < r->n; g++) {
		if (!used[g])
			continue;
		struct vy_expr *x = vy_alloc(a, sizeof *x);
		x->loc = loc;
		to_local(x, r->g[g].local, VY_U32);
		struct vy_expr *room = mk_op(m, VY_OP_DIV, VY_U32,
			mk_op(m, VY_OP_XOR, VY_U32, x, nw_u32(m, 0xFFFFFFFFu, loc), loc),
			dup_expr(a, r->g[g].c), loc);
		struct vy_expr *ok = mk_op(m, VY_OP_LOR, VY_BOOL,
			mk_op(m, VY_OP_EQ, VY_BOOL, dup_expr(a, r->g[g].c), nw_u32(m, 0, loc), loc),
			mk_op(m, VY_OP_LE, VY_BOOL,
			      mk_op(m, VY_OP_SUB, VY_U32, dup_expr(a, d), nw_u32(m, 1, loc), loc),
			      room, loc), loc);
		gd = mk_op(m, VY_OP_LAND, VY_BOOL, gd, ok, loc);
	}
	/* the unmarked loop first (a copy), then the marks on L's own sums */
	struct vy_stmt *slow = vy_alloc(a, sizeof *slow);
	*slow = *L;
	slow->body = dup_block(a, &L->body);
	for (int i = 0; i < r->nnw; i++)
		r->nw[i]->axis = VY_NOWRAP;
	struct vy_stmt *w = mk_stmt(m, VY_S_IF, -1, gd, loc);
	struct vy_stmt **bv = vy_alloc(a, sizeof *bv * 2);
	bv[0] = L;
	bv[1] = slow;
	w->body = (struct vy_block){ 1, bv };
	w->els = (struct vy_block){ 1, bv + 1 };
	push(a, out, w);
	return true;
}

static void sr_loop(struct mp *m, struct vy_stmt *L, struct list *out)
{
	enum vy_type t = L->kind == VY_S_FOR ? m->p->locals[L->local].type : VY_VOID;
	if (L->kind != VY_S_FOR || (t != VY_U32 && t != VY_I32) ||
	    (L->step && L->step->kind != VY_E_CONST) || !vy_expr_is_pure(L->lo) ||
	    continues(&L->body)) {
		push(m->p->arena, out, L);
		return;
	}
	changes(m, L);
	struct sr r = { .m = m, .L = L, .out = out, .ext = m->flags & VY_PASS_PARTIAL };
	sr_block(&r, &L->body);
	if (r.n) {
		struct vy_arena *a = m->p->arena;
		struct vy_stmt **v = vy_alloc(a, sizeof *v * (size_t)(L->body.n + r.n));
		memcpy(v, L->body.v, sizeof *v * (size_t)L->body.n);
		for (int g = 0; g < r.n; g++) {
			struct vy_expr *cur = vy_alloc(a, sizeof *cur);
			cur->loc = L->loc;
			to_local(cur, r.g[g].local, t);
			struct vy_expr *inc = dup_expr(a, r.g[g].c);
			if (L->step)
				inc = mk_op(m, VY_OP_MUL, t, inc, dup_expr(a, L->step), L->loc);
			v[L->body.n + g] = mk_stmt(m, VY_S_ASSIGN, r.g[g].local,
						   mk_op(m, VY_OP_ADD, t, cur, inc, L->loc), L->loc);
		}
		L->body = (struct vy_block){ L->body.n + r.n, v };
		if ((m->flags & VY_PASS_NOWRAP) && nowrap_loop(m, &r, L, out))
			return;
	}
	push(m->p->arena, out, L);
}

static void sr_pass(struct mp *m, struct vy_block *b)
{
	struct list out = { 0 };
	for (int i = 0; i < b->n; i++) {
		struct vy_stmt *s = b->v[i];
		sr_pass(m, &s->body);
		sr_pass(m, &s->els);
		if (s->kind == VY_S_FOR)
			sr_loop(m, s, &out);
		else
			push(m->p->arena, &out, s);
	}
	b->v = out.v;
	b->n = out.n;
}

/* ---- partial unrolling (VY_PASS_PARTIAL) ----
 *
 * A for loop of step 1 whose trip count is not known (or is too large for
 * vy_unroll), whose bounds are invariant and whose body is straight-line
 * code and ifs (no loop, break, continue, return, barrier or private
 * array), becomes, as nvcc -O3 writes it:
 *
 *   let _pe = lo + ((max(hi, lo) - lo) & -F)
 *   for _pi in lo.._pe step F: body(_pi) body(_pi + 1) ... body(_pi + F-1)
 *   for i in _pe..hi: body(i)
 *
 * The copies run in the original order (so every value, float sums
 * included, is bit for bit the original's) with their own locals; the
 * arithmetic wraps like the loop's, so _pe - lo is the trip count rounded
 * down to a multiple of F and no counter overflows.  F is 16, 8 or 4, the
 * largest with F x statements at most PARTIAL_BUDGET: the loads of F
 * trips are in flight at once (a loop of one load a trip otherwise waits
 * a memory latency per trip; ptxas does not unroll a loop whose trip
 * count it cannot see, as it does nvcc's count-down loops). */
enum { PARTIAL_MAX = 16, PARTIAL_BUDGET = 48 };

static bool straight(const struct vy_block *b)
{
	for (int i = 0; i < b->n; i++) {
		const struct vy_stmt *s = b->v[i];
		switch (s->kind) {
		case VY_S_LET: case VY_S_VAR: case VY_S_ASSIGN: case VY_S_STORE:
		case VY_S_EXPR:
			break;
		case VY_S_IF:
			if (!straight(&s->body) || !straight(&s->els))
				return false;
			break;
		case VY_S_FOR: case VY_S_WHILE: case VY_S_BREAK: case VY_S_CONTINUE:
		case VY_S_RETURN: case VY_S_BARRIER: case VY_S_ARRAY:
			return false;
		}
	}
	return true;
}

/* e where it is a constant, parameter or local, else a let of it (pushed
 * to out) read back. */
static struct vy_expr *pt_simple(struct unroll *u, int like, struct list *out,
				 const struct vy_expr *e, const char *pfx)
{
	struct vy_program *q = u->p;
	struct vy_expr *c = dup_expr(q->arena, e);
	if (e->kind == VY_E_CONST || e->kind == VY_E_PARAM || e->kind == VY_E_LOCAL)
		return c;
	int l = add_local(u, like);
	q->locals[l].name = vy_fmt(q->arena, "%s%d", pfx, l);
	q->locals[l].mutable = q->locals[l].loopvar = false;
	struct vy_stmt *s = vy_alloc(q->arena, sizeof *s);
	s->kind = VY_S_LET;
	s->loc = s->name_loc = e->loc;
	s->decl_type = VY_VOID;
	s->local = l;
	s->name = q->locals[l].name;
	s->value = c;
	push(q->arena, out, s);
	struct vy_expr *r = vy_alloc(q->arena, sizeof *r);
	r->loc = e->loc;
	to_local(r, l, e->type);
	return r;
}

static struct vy_expr *pt_op(struct unroll *u, enum vy_opcode code, enum vy_type t,
			     struct vy_expr *a, struct vy_expr *b)
{
	struct mp m = { .p = u->p };
	return mk_op(&m, code, t, a, b, a->loc);
}

static void partial_loop(struct mp *m, struct unroll *u, struct vy_stmt *L, struct list *out)
{
	struct vy_program *q = m->p;
	const struct vy_local lv = q->locals[L->local];
	enum vy_type t = lv.type;
	bool jumps = false;
	long nn = 0, w = weigh(&L->body, 0, &jumps, &nn);
	int f = PARTIAL_MAX;
	while (f > 4 && f * w > PARTIAL_BUDGET)
		f /= 2;
	changes(m, L);
	if ((t != VY_U32 && t != VY_I32) || lv.mutable || L->step_negative ||
	    (L->step && !is_const(L->step, 1)) || !L->body.n || !straight(&L->body) ||
	    !loop_inv(m, L->lo) || !loop_inv(m, L->hi) || f * w > PARTIAL_BUDGET ||
	    f * w > u->stmts || f * nn > u->nodes) {
		push(q->arena, out, L);
		return;
	}
	if (L->lo->kind == VY_E_CONST && L->hi->kind == VY_E_CONST) {
		uint32_t a = L->lo->bits, b = L->hi->bits;
		bool run = t == VY_I32 ? (int32_t)a < (int32_t)b : a < b;
		if (!run || b - a < 2u * (uint32_t)f) {
			push(q->arena, out, L);
			return;
		}
	}
	u->stmts -= f * w;
	u->nodes -= f * nn;
	struct vy_arena *a = q->arena;
	struct vy_expr *lo = pt_simple(u, L->local, out, L->lo, "_plo");
	struct vy_expr *hi = pt_simple(u, L->local, out, L->hi, "_phi");
	struct vy_expr *mask = dup_expr(a, L->lo);
	memset(mask, 0, sizeof *mask);
	mask->kind = VY_E_CONST;
	mask->type = t;
	mask->loc = L->loc;
	mask->bits = (uint32_t)-f;
	/* from 0u the count is hi itself */
	struct vy_expr *cnt = t == VY_U32 && is_const(lo, 0) ? dup_expr(a, hi) :
		pt_op(u, VY_OP_SUB, t, pt_op(u, VY_OP_MAX, t, dup_expr(a, hi), dup_expr(a, lo)),
		      dup_expr(a, lo));
	struct vy_expr *end = fold(pt_op(u, VY_OP_ADD, t, dup_expr(a, lo),
					 pt_op(u, VY_OP_AND, t, cnt, dup_expr(a, mask))));
	struct vy_expr *pe = pt_simple(u, L->local, out, end, "_pe");
	int pi = add_local(u, L->local);
	q->locals[pi].name = vy_fmt(a, "_pi%d", pi);
	/* the unrolled loop: F copies of the body, local v read as _pi + j */
	struct list body = { 0 };
	for (int j = 0; j < f; j++) {
		rename_defs(u, &L->body, true);
		struct trip tr = { L->local, (uint32_t)j, u->map, pi + 1 };
		struct vy_block c = copy_block(u, &L->body, &tr);
		rename_defs(u, &L->body, false);
		for (int k = 0; k < c.n; k++)
			push(a, &body, c.v[k]);
	}
	struct vy_stmt *P = vy_alloc(a, sizeof *P);
	*P = *L;
	P->local = pi;
	P->name = q->locals[pi].name;
	P->lo = lo;
	P->hi = pe;
	struct vy_expr *st = dup_expr(a, mask);
	st->bits = (uint32_t)f;
	P->step = st;
	P->body = (struct vy_block){ body.n, body.v };
	push(a, out, P);
	/* the rest: the original loop from _pe */
	L->lo = dup_expr(a, pe);
	L->hi = dup_expr(a, hi);
	push(a, out, L);
}

static void partial_pass(struct mp *m, struct unroll *u, struct vy_block *b)
{
	struct list out = { 0 };
	for (int i = 0; i < b->n; i++) {
		struct vy_stmt *s = b->v[i];
		partial_pass(m, u, &s->body);
		partial_pass(m, u, &s->els);
		if (s->kind == VY_S_FOR)
			partial_loop(m, u, s, &out);
		else
			push(m->p->arena, &out, s);
	}
	b->v = out.v;
	b->n = out.n;
}

/* ---- copies: a let of another let, a param or a constant is read as
 * that, so that same() sees one index (`let _idx4 = _idx2`) ---- */

static void cp_expr(struct vy_expr **alias, struct vy_expr *e)
{
	if (!e)
		return;
	if (e->kind == VY_E_LOCAL && alias[e->index]) {
		struct vy_loc loc = e->loc;
		*e = *alias[e->index];
		e->loc = loc;
		return;
	}
	for (int i = 0; i < e->nargs; i++)
		cp_expr(alias, e->args[i]);
}

static void cp_block(const struct vy_program *p, struct vy_expr **alias, struct vy_block *b)
{
	for (int i = 0; i < b->n; i++) {
		struct vy_stmt *s = b->v[i];
		cp_expr(alias, s->index);
		cp_expr(alias, s->value);
		cp_expr(alias, s->lo);
		cp_expr(alias, s->hi);
		cp_expr(alias, s->step);
		cp_block(p, alias, &s->body);
		cp_block(p, alias, &s->els);
		struct vy_expr *v = s->value;
		if (s->kind == VY_S_LET && v->type == p->locals[s->local].type &&
		    (v->kind == VY_E_CONST || v->kind == VY_E_PARAM ||
		     (v->kind == VY_E_LOCAL && !p->locals[v->index].mutable)))
			alias[s->local] = v;
	}
}

static void copies(struct vy_program *q)
{
	struct vy_expr **alias = vy_xcalloc((size_t)q->nlocals + 1, sizeof *alias, "optimiser");
	cp_block(q, alias, &q->entry);
	free(alias);
	dce_lets(q);
}

const struct vy_program *vy_passes(const struct vy_program *p, unsigned passes)
{
	if (!p || !(passes & ~(unsigned)VY_PASS_UNROLL))
		return p && (passes & VY_PASS_UNROLL) ? vy_unroll(p) : p;
	struct vy_program *q = vy_alloc(p->arena, sizeof *q);
	*q = *p;
	q->entry = dup_block(p->arena, &p->entry);
	struct mp m = { .p = q, .flags = passes };
	copies(q);
	if (passes & VY_PASS_LICM)
		licm_pass(&m, &q->entry);
	if (passes & VY_PASS_PROMOTE) {
		lv_build(&m);
		promote_pass(&m, &q->entry);
	}
	if (passes & VY_PASS_UNROLL) {
		q = (struct vy_program *)vy_unroll(q);
		m.p = q;
		m.cap = 0;
	}
	if (passes & VY_PASS_SCALARISE) {   /* SPEC §10.3, see vy_scalarise */
		q = (struct vy_program *)vy_scalarise(q);
		m.p = q;
		m.cap = 0;
	}
	if (passes & (VY_PASS_LOADCSE | VY_PASS_FORWARD)) {
		struct av *a = vy_xcalloc(1, sizeof *a, "optimiser");
		lv_build(&m);
		lc_block(&m, a, &q->entry);
		free(a);
		lc_undo(&m);
		drop_undone(&q->entry);
	}
	if ((passes & VY_PASS_SR) && !(passes & VY_PASS_PARTIAL))
		sr_pass(&m, &q->entry);
	if (passes & VY_PASS_PARTIAL) {
		struct unroll u = { .p = q, .stmts = UNROLL_STMTS, .nodes = UNROLL_NODES };
		partial_pass(&m, &u, &q->entry);
		m.cap = 0;
		/* sr after partial, so each copy's (k + j) * c is the one running
		 * sum plus an invariant, not a chain of F adds a trip */
		if (passes & VY_PASS_SR)
			sr_pass(&m, &q->entry);
	}
	free(m.stamp);
	free(m.lv);
	return q;
}
