/*
 * mathlib.h: the math ops of SPEC §10.2 (atan atan2 asin acos sinh cosh
 * log10 log1p expm1 erf fmod copysign hypot isnan isinf isfinite), each
 * defined once as a straight-line program (SLP) over the core ops that
 * every target computes exactly: f32 + - * / (correctly rounded), sqrt,
 * floor/trunc, comparisons, select, casts and bitcasts, u32/i32 integer
 * ops and shifts.  Every target lowers a library op by walking its SLP
 * with its own lowering of those core ops, and the VM evaluates the same
 * SLP through vyvm_eval_op, so the results agree bit for bit on every
 * target (apart from denormals, which spv may flush).
 *
 * Standalone C11 like vm.c (no vyrec header but vm.h): generated
 * reference launchers embed it with the VM.
 */
#ifndef VYM_MATHLIB_H
#define VYM_MATHLIB_H

#include <stdint.h>

#include "vm.h"

#define VYM_MAX 1024          /* instructions of the longest SLP (fmod) */
#define VYM_CONST 0xFFFFu     /* op of a constant instruction: value k */

/* One instruction.  Values are numbered: the parameters 0..nparams-1,
 * then instruction i makes value nparams+i.  op is a VYVM_OP_ code of a
 * core op (or VYM_CONST); t and aux are vyvm_eval_op's (the operation
 * type: the operands' for comparisons, the target for casts and bitcasts,
 * whose source type is aux); rt is the result's type. */
struct vym_ins {
	uint16_t op;
	uint8_t t, aux, rt, nargs;
	uint16_t a[3];
	uint32_t k;
};

struct vym_slp {
	int nparams, n;            /* the result is the last value */
	int ptype;                 /* the params' VYVM type: f32 but for
				      math.f16_value's u32 */
	struct vym_ins ins[VYM_MAX];
};

/* Whether op (a VYVM_OP_ code) is a library op. */
int vym_is_library(uint32_t op);
/* Build op's SLP into *s; 0 when op is not a library op. */
int vym_build(uint32_t op, struct vym_slp *s);
/* Evaluate an SLP on argument bits with vyvm_eval_op, step by step. */
uint32_t vym_eval(const struct vym_slp *s, const uint32_t *args);
/* vym_build then vym_eval (the constant folder's and launch.c's entry). */
uint32_t vym_eval_op(uint32_t op, uint32_t a, uint32_t b);

#endif
