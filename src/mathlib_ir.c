/*
 * mathlib_ir.c: src/mathlib.c's programs as IR nodes (see mathlib_ir.h).
 */
#include <stdlib.h>

#include "mathlib.h"
#include "mathlib_ir.h"

bool vy_op_is_library(enum vy_opcode code)
{
	return vym_is_library((uint32_t)code);
}

static struct vy_expr *slot(struct vy_arena *a, int i, enum vy_type t)
{
	struct vy_expr *e = vy_alloc(a, sizeof *e);
	e->kind = VY_E_SLOT;
	e->index = i;
	e->type = t;
	return e;
}

static struct vy_expr *node(struct vy_arena *a, const struct vym_ins *in,
			    struct vy_expr *const *slots)
{
	struct vy_expr *e = vy_alloc(a, sizeof *e);
	e->type = (enum vy_type)in->rt;
	if (in->op == VYM_CONST) {
		e->kind = VY_E_CONST;
		e->bits = in->k;
		return e;
	}
	e->kind = VY_E_OP;
	e->op = vy_builtin_op((enum vy_opcode)in->op);
	e->name = e->op->id;
	if (in->op == VYVM_OP_CAST || in->op == VYVM_OP_BITCAST)
		e->cast_to = (enum vy_type)in->t;
	e->nargs = in->nargs;
	e->args = vy_alloc(a, sizeof *e->args * (size_t)(in->nargs ? in->nargs : 1));
	for (int k = 0; k < in->nargs; k++)
		e->args[k] = slots[in->a[k]];
	return e;
}

bool vy_mathlib_prog(struct vy_arena *a, enum vy_opcode code,
		     struct vy_mprog *out)
{
	struct vym_slp *s = malloc(sizeof *s);
	if (!s)
		vy_bug("out of memory");
	if (!vym_build((uint32_t)code, s)) {
		free(s);
		return false;
	}
	int n = s->nparams + s->n;
	struct vy_expr **slots = vy_alloc(a, sizeof *slots * (size_t)n);
	out->nparams = s->nparams;
	out->ptype = (enum vy_type)s->ptype;
	out->n = n;
	out->v = vy_alloc(a, sizeof *out->v * (size_t)n);
	for (int i = 0; i < s->nparams; i++)
		slots[i] = slot(a, i, (enum vy_type)s->ptype);   /* VYVM types are vy_type's */
	for (int i = 0; i < s->n; i++) {
		const struct vym_ins *in = &s->ins[i];
		out->v[s->nparams + i] = node(a, in, slots);
		slots[s->nparams + i] = slot(a, s->nparams + i, (enum vy_type)in->rt);
	}
	free(s);
	return true;
}

uint32_t vy_mathlib_eval(enum vy_opcode code, uint32_t a, uint32_t b)
{
	return vym_eval_op((uint32_t)code, a, b);
}
