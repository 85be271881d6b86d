/*
 * mathlib_ir.h: the straight-line programs of src/mathlib.c as IR
 * expression nodes, for the emitters.  A library op (math.atan ...) is
 * lowered by evaluating its arguments into slots 0..nparams-1, then each
 * node v[i] (i >= nparams) in order into slot i with the emitter's own
 * expression lowering: a node is a VY_E_CONST or a VY_E_OP of a core op
 * whose operands are VY_E_SLOT leaves (index = the slot).  The result is
 * the last slot.  Every target thus computes the same IEEE operations.
 */
#ifndef VY_MATHLIB_IR_H
#define VY_MATHLIB_IR_H

#include "vyrec.h"

struct vy_mprog {
	int nparams, n;              /* slots: n, the params first */
	enum vy_type ptype;          /* the params' type (f32; math.f16_value u32) */
	struct vy_expr **v;          /* v[i] for i >= nparams */
};

/* Whether code is a library op (its lowering is vy_mathlib_prog's). */
bool vy_op_is_library(enum vy_opcode code);
/* code's program, allocated in a; false when code is not a library op. */
bool vy_mathlib_prog(struct vy_arena *a, enum vy_opcode code,
		     struct vy_mprog *out);
/* code on argument bits, as every target computes it (constant folding,
 * launch-time sizes). */
uint32_t vy_mathlib_eval(enum vy_opcode code, uint32_t a, uint32_t b);

#endif
