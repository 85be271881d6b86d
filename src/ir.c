/*
 * ir.c: small utilities over the expression IR: substitution copies (for
 * inlining and desugaring) and queries over expressions and blocks; the
 * --dump-ir printer is ir_dump.c.
 */
#include <string.h>

#include "ir.h"

struct vy_expr *vy_expr_subst(struct vy_arena *a, const struct vy_expr *e,
			      const char *const *names, struct vy_expr *const *vals,
			      int n, struct vy_loc at)
{
	(void)at;
	if (e->kind == VY_E_NAME)
		for (int i = n - 1; i >= 0; i--)
			if (!strcmp(e->name, names[i]))
				return vy_expr_subst(a, vals[i], NULL, NULL, 0, at);
	struct vy_expr *c = vy_alloc(a, sizeof *c);
	*c = *e;
	if (e->nargs) {
		c->args = vy_alloc(a, sizeof *c->args * (size_t)e->nargs);
		for (int i = 0; i < e->nargs; i++)
			c->args[i] = vy_expr_subst(a, e->args[i], names, vals, n, at);
	}
	return c;
}

/* Which ops have a memory effect: VY_ATOMIC of vyrec_ops.def. */
static const bool atomic_ops[VY_OP_COUNT] = {
#define VY_ATOMIC(e) [VY_OP_##e] = true,
#include "vyrec_ops.def"
#undef VY_ATOMIC
};

bool vy_op_is_atomic(enum vy_opcode code)
{
	return (unsigned)code < VY_OP_COUNT && atomic_ops[code];
}

/* Each subgroup op's index in the VY_SUBGROUP list, plus one (0: not a
 * subgroup op). */
enum {
#define VY_SUBGROUP(e) SG_##e,
#include "vyrec_ops.def"
#undef VY_SUBGROUP
};
static const unsigned char sg_slot[VY_OP_COUNT] = {
#define VY_SUBGROUP(e) [VY_OP_##e] = SG_##e + 1,
#include "vyrec_ops.def"
#undef VY_SUBGROUP
};

bool vy_op_is_subgroup(enum vy_opcode code)
{
	return (unsigned)code < VY_OP_COUNT && sg_slot[code];
}

int vy_op_subgroup_index(enum vy_opcode code)
{
	return vy_op_is_subgroup(code) ? sg_slot[code] - 1 : -1;
}

bool vy_expr_has_subgroup(const struct vy_expr *e)
{
	if (!e)
		return false;
	if (e->kind == VY_E_OP && e->op && vy_op_is_subgroup(e->op->code))
		return true;
	for (int i = 0; i < e->nargs; i++)
		if (vy_expr_has_subgroup(e->args[i]))
			return true;
	return false;
}

static bool is_atomic(const struct vy_expr *e)
{
	return e->kind == VY_E_OP && e->op && vy_op_is_atomic(e->op->code);
}

enum vy_type vy_expr_optype(const struct vy_expr *e)
{
	/* the op table's result rule: a cast's type is its target, a
	 * comparison's (result "bool") its operands' */
	bool builtin = e->op->code < VY_OP_COUNT;
	if (builtin && e->op->rule == VY_RES_CAST)
		return e->cast_to;
	if (builtin && e->op->rule == VY_RES_TYPE && e->op->ret == VY_BOOL && e->nargs)
		return e->args[0]->type;
	return e->type;
}

enum vy_type vy_mem_type(const struct vy_program *p, enum vy_space sp, int mem)
{
	return sp == VY_SPACE_BUFFER ? p->buffers[mem].type :
	       sp == VY_SPACE_PRIVATE ? p->privates[mem].type : p->shared[mem].type;
}

unsigned vy_buffer_elem_size(const struct vy_program *p, int i)
{
	return vy_type_size(p->buffers[i].type);
}

bool vy_expr_has_effect(const struct vy_expr *e)
{
	if (is_atomic(e) || (e->kind == VY_E_CALL && !strncmp(e->name, "atomic.", 7)))
		return true;
	for (int i = 0; i < e->nargs; i++)
		if (vy_expr_has_effect(e->args[i]))
			return true;
	return false;
}

bool vy_expr_touches_memory(const struct vy_expr *e)
{
	if (e->kind == VY_E_LOAD || is_atomic(e))
		return true;
	for (int i = 0; i < e->nargs; i++)
		if (vy_expr_touches_memory(e->args[i]))
			return true;
	return false;
}

bool vy_expr_is_pure(const struct vy_expr *e)
{
	if (e->kind == VY_E_LOAD || is_atomic(e))
		return false;
	if (e->kind == VY_E_OP && e->op && e->type != VY_F32 &&
	    (e->op->code == VY_OP_DIV || e->op->code == VY_OP_REM))
		return false;
	for (int i = 0; i < e->nargs; i++)
		if (!vy_expr_is_pure(e->args[i]))
			return false;
	return true;
}

static bool expr_reads_builtin(enum vy_builtin bi, const struct vy_expr *e)
{
	if (!e)
		return false;
	if (e->kind == VY_E_BUILTIN && e->index == (int)bi)
		return true;
	for (int i = 0; i < e->nargs; i++)
		if (expr_reads_builtin(bi, e->args[i]))
			return true;
	return false;
}

bool vy_block_reads_builtin(enum vy_builtin bi, const struct vy_block *b)
{
	for (int i = 0; i < b->n; i++) {
		const struct vy_stmt *s = b->v[i];
		if (expr_reads_builtin(bi, s->index) || expr_reads_builtin(bi, s->value) ||
		    expr_reads_builtin(bi, s->lo) || expr_reads_builtin(bi, s->hi) ||
		    expr_reads_builtin(bi, s->step) || vy_block_reads_builtin(bi, &s->body) ||
		    vy_block_reads_builtin(bi, &s->els))
			return true;
	}
	return false;
}

/* ---- barriers and buffer memory ---- */

static bool stmt_writes_memory(const struct vy_stmt *s)
{
	return (s->kind == VY_S_STORE && s->space == VY_SPACE_BUFFER) ||
	       (s->index && vy_expr_has_effect(s->index)) ||
	       (s->value && vy_expr_has_effect(s->value)) ||
	       (s->lo && vy_expr_has_effect(s->lo)) || (s->hi && vy_expr_has_effect(s->hi));
}

static bool block_has(const struct vy_block *b, bool barrier)
{
	for (int i = 0; i < b->n; i++) {
		const struct vy_stmt *s = b->v[i];
		if (barrier ? s->kind == VY_S_BARRIER : stmt_writes_memory(s))
			return true;
		if (block_has(&s->body, barrier) || block_has(&s->els, barrier))
			return true;
	}
	return false;
}

/* Walk b in program order: a barrier after a buffer store (or an atomic,
 * shared ones included) sets *need; so does a loop that holds both. */
static void barrier_walk(const struct vy_block *b, bool *stored, bool *need)
{
	for (int i = 0; i < b->n && !*need; i++) {
		const struct vy_stmt *s = b->v[i];
		if (stmt_writes_memory(s))
			*stored = true;
		if (s->kind == VY_S_BARRIER && *stored)
			*need = true;
		if ((s->kind == VY_S_FOR || s->kind == VY_S_WHILE) &&
		    block_has(&s->body, true) && block_has(&s->body, false))
			*need = true;
		barrier_walk(&s->body, stored, need);
		barrier_walk(&s->els, stored, need);
	}
}

bool vy_barrier_orders_buffers(const struct vy_program *p)
{
	for (int i = 0; i < p->nbuffers; i++)
		if (p->buffers[i].access == VY_READ_WRITE)
			return true;
	bool stored = false, need = false;
	barrier_walk(&p->entry, &stored, &need);
	return need;
}

bool vy_expr_is_const(const struct vy_expr *e)
{
	if (e->kind != VY_E_CONST && e->kind != VY_E_OP)
		return false;
	if (e->kind == VY_E_OP && e->op && vy_op_is_subgroup(e->op->code))
		return false;   /* its value depends on the subgroup size */
	for (int i = 0; i < e->nargs; i++)
		if (!vy_expr_is_const(e->args[i]))
			return false;
	return true;
}

/* ---- what a program uses (vy_program_uses) ---- */

static unsigned type_bit(enum vy_type t)
{
	return vy_type_is64(t) ? VY_USES_F64 << (t - VY_F64) : 0;
}

static unsigned expr_uses(const struct vy_expr *e)
{
	if (!e)
		return 0;
	unsigned m = type_bit(e->type);
	if (e->kind == VY_E_BUILTIN && e->index == VY_B_SG)
		m |= VY_USES_SUBGROUP;
	if (e->kind == VY_E_OP && e->cast_to)
		m |= type_bit(e->cast_to);
	if (e->kind == VY_E_OP && e->op && vy_op_is_subgroup(e->op->code))
		m |= VY_USES_SUBGROUP;
	if (e->kind == VY_E_OP && e->op && vy_op_is_atomic(e->op->code) &&
	    e->nargs && e->args[0]->type == VY_F32)
		m |= e->args[0]->space == VY_SPACE_SHARED ? VY_USES_FATOMIC_SHARED :
							    VY_USES_FATOMIC_BUFFER;
	for (int i = 0; i < e->nargs; i++)
		m |= expr_uses(e->args[i]);
	return m;
}

static unsigned block_uses(const struct vy_block *b)
{
	unsigned m = 0;
	for (int i = 0; i < b->n; i++) {
		const struct vy_stmt *s = b->v[i];
		m |= expr_uses(s->index) | expr_uses(s->value) | expr_uses(s->lo) |
		     expr_uses(s->hi) | expr_uses(s->step) | block_uses(&s->body) |
		     block_uses(&s->els);
	}
	return m;
}

unsigned vy_program_uses(const struct vy_program *p)
{
	unsigned m = block_uses(&p->entry);
	for (int i = 0; i < p->nparams; i++)
		m |= type_bit(p->params[i].type);
	for (int i = 0; i < p->nbuffers; i++)
		m |= type_bit(p->buffers[i].type);
	for (int i = 0; i < p->nshared; i++)
		m |= type_bit(p->shared[i].type);
	for (int i = 0; i < p->nlocals; i++)
		m |= type_bit(p->locals[i].type);
	return m | (p->subgroup_size ? VY_USES_SUBGROUP : 0);
}

unsigned vy_pipeline_uses(const struct vy_program *p)
{
	unsigned m = vy_program_uses(p);
	for (int k = 1; k < p->nparts; k++)
		m |= vy_program_uses(p->parts[k]);
	return m;
}

unsigned vy_param_offset(const struct vy_program *p, int i)
{
	unsigned off = 0;
	for (int k = 0; k <= i && k < p->nparams; k++) {
		unsigned sz = vy_type_is64(p->params[k].type) ? 8 : 4;
		off = (off + sz - 1) / sz * sz;
		if (k < i)
			off += sz;
	}
	return off;
}

unsigned vy_param_block_size(const struct vy_program *p)
{
	if (!p->nparams)
		return 0;
	int last = p->nparams - 1;
	return vy_param_offset(p, last) +
	       (vy_type_is64(p->params[last].type) ? 8 : 4);
}

void vy_param_pack(const struct vy_program *p, const uint32_t *params, void *block)
{
	for (int i = 0; i < p->nparams; i++) {
		unsigned off = vy_param_offset(p, i);
		memcpy((char *)block + off, &params[i], 4);
		if (vy_type_is64(p->params[i].type))
			memcpy((char *)block + off + 4, &params[VY_MAX_PARAMS + i], 4);
	}
}

/* ---- vector access groups (SPEC §10.1, resolve.c's scalarisation) ---- */

static bool same_simple(const struct vy_expr *a, const struct vy_expr *b)
{
	if (a->kind != b->kind || a->type != b->type)
		return false;
	switch (a->kind) {
	case VY_E_CONST: return a->bits == b->bits;
	case VY_E_LOCAL: case VY_E_PARAM: case VY_E_LEN: return a->index == b->index;
	case VY_E_BUILTIN: return a->index == b->index && a->axis == b->axis;
	default: return false;
	}
}

static const struct vy_expr *group_load(const struct vy_program *p,
					const struct vy_stmt *s, int j)
{
	const struct vy_expr *e = s->value;
	if (s->kind != VY_S_LET || e->kind != VY_E_LOAD || e->axis != j ||
	    vy_type_lanes(vy_mem_type(p, e->space, e->index)) < 2)
		return NULL;
	return e;
}

int vy_vec_group(const struct vy_program *p, const struct vy_block *b, int i)
{
	const struct vy_stmt *s = b->v[i];
	const struct vy_expr *e = group_load(p, s, 0);
	if (e) {
		int n = (int)vy_type_lanes(vy_mem_type(p, e->space, e->index));
		if (i + n > b->n)
			return 0;
		for (int j = 1; j < n; j++) {
			const struct vy_expr *f = group_load(p, b->v[i + j], j);
			if (!f || f->space != e->space || f->index != e->index ||
			    !same_simple(f->args[0], e->args[0]))
				return 0;
		}
		return same_simple(e->args[0], e->args[0]) ? n : 0;
	}
	if (s->kind != VY_S_STORE || s->comp != 0)
		return 0;
	int n = (int)vy_type_lanes(vy_mem_type(p, s->space, s->mem));
	if (n < 2 || i + n > b->n || !same_simple(s->index, s->index))
		return 0;
	for (int j = 0; j < n; j++) {
		const struct vy_stmt *t = b->v[i + j];
		if (t->kind != VY_S_STORE || t->comp != j || t->space != s->space ||
		    t->mem != s->mem || !same_simple(t->index, s->index) ||
		    vy_expr_touches_memory(t->value))
			return 0;
	}
	return n;
}

/* ---- x3 vector buffers on devices (SPEC §10.1) ---- */

size_t vy_buffer_dev_bytes(const struct vy_program *p, int i, uint32_t count)
{
	return (size_t)count * vy_type_stride(p->buffers[i].type);
}

/* Host data (x3: 12 bytes an element) to device layout (16), or back. */
static void repack(const struct vy_program *p, int i, void *dst, const void *src,
		   uint32_t count, bool to_dev)
{
	enum vy_type t = p->buffers[i].type;
	size_t hs = vy_type_size(t), ds = vy_type_stride(t);
	if (hs == ds) {
		memcpy(dst, src, (size_t)count * hs);
		return;
	}
	for (uint32_t k = 0; k < count; k++) {
		unsigned char *d = (unsigned char *)dst + k * (to_dev ? ds : hs);
		const unsigned char *s = (const unsigned char *)src + k * (to_dev ? hs : ds);
		memcpy(d, s, hs);
		if (to_dev)
			memset(d + hs, 0, ds - hs);
	}
}

void vy_buffer_to_dev(const struct vy_program *p, int i, void *dst, const void *src,
		      uint32_t count)
{
	repack(p, i, dst, src, count, true);
}

void vy_buffer_from_dev(const struct vy_program *p, int i, void *dst, const void *src,
			uint32_t count)
{
	repack(p, i, dst, src, count, false);
}
