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
 */
#include <string.h>

#include "vyrec.h"
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
	return e->kind == VY_E_CONST && e->bits == bits;
}

/* ---- folding ---- */

static bool nice_float(uint32_t b)
{
	uint32_t ex = b >> 23 & 0xFF;
	return ex != 0xFF && (ex != 0 || (b & 0x7FFFFF) == 0);
}

static bool float_foldable(enum vy_opcode c)
{
	switch (c) {
	case VY_OP_ADD: case VY_OP_SUB: case VY_OP_MUL: case VY_OP_DIV:
	case VY_OP_NEG: case VY_OP_EQ: case VY_OP_NE: case VY_OP_LT:
	case VY_OP_LE: case VY_OP_GT: case VY_OP_GE: case VY_OP_FMA:
	case VY_OP_MIN: case VY_OP_MAX: case VY_OP_CLAMP: case VY_OP_ABS:
	case VY_OP_SIGN: case VY_OP_FLOOR: case VY_OP_CEIL: case VY_OP_ROUND:
	case VY_OP_TRUNC: case VY_OP_SQRT: case VY_OP_STEP: case VY_OP_SELECT:
	case VY_OP_CAST: case VY_OP_BITCAST:
		return true;
	default:
		return false;
	}
}

/* Whether op over these constant args may be folded (see the top). */
static bool foldable(const struct vy_expr *e, const uint32_t *v)
{
	enum vy_opcode c = e->op->code;
	bool flt = e->type == VY_F32;
	int zeros = 0;
	if (vy_op_is_atomic(c))
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
	return float_foldable(c) || vy_op_is_library(c);
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
 * effect. */
static struct vy_expr *identity(struct vy_expr *e)
{
	enum vy_opcode c = e->op->code;
	struct vy_expr *a = e->args[0], *b = e->nargs > 1 ? e->args[1] : NULL;
	bool in = e->type == VY_U32 || e->type == VY_I32;
	switch (c) {
	case VY_OP_ADD: case VY_OP_OR: case VY_OP_XOR:
		if (in && is_const(b, 0)) return a;
		if (in && is_const(a, 0)) return b;
		break;
	case VY_OP_SUB: case VY_OP_SHL: case VY_OP_SHR:
		if (in && is_const(b, 0)) return a;
		break;
	case VY_OP_MUL:
		if (in && is_const(b, 1)) return a;
		if (in && is_const(a, 1)) return b;
		break;
	case VY_OP_DIV:
		if (in && is_const(b, 1)) return a;
		break;
	case VY_OP_LAND:
		if (is_const(a, 1)) return b;
		if (is_const(a, 0)) return a;             /* b is skipped */
		if (is_const(b, 1)) return a;
		break;
	case VY_OP_LOR:
		if (is_const(a, 0)) return b;
		if (is_const(a, 1)) return a;
		if (is_const(b, 0)) return a;
		break;
	case VY_OP_SELECT:
		if (a->kind == VY_E_CONST)
			return a->bits ? b : e->args[2];  /* the other is skipped */
		break;
	case VY_OP_LNOT:
		if (a->kind == VY_E_OP && a->op->code == VY_OP_LNOT)
			return a->args[0];
		break;
	default:
		break;
	}
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
	case VY_E_CONST: return a->bits == b->bits;
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
