/*
 * ptx_math.h: the transcendental lowerings of the ptx emitter, written once
 * against a small builder that either prints PTX or evaluates the same
 * instruction sequence on the host (bit for bit: every step is an IEEE
 * operation PTX and C round alike), so tests/t_ptx.sh can measure the
 * error of exactly what the emitter prints against double-precision libm.
 */
#ifndef VY_PTX_MATH_H
#define VY_PTX_MATH_H

#include "vyrec.h"

/* A value: in emit mode its register or immediate text; in evaluate mode
 * d (f32 or f64 values) or u (b32 and predicate values). */
struct vy_pv {
	char s[24];
	double d;
	uint32_t u;
};

/* Register classes, in the order of struct vy_pm.nreg. */
enum { VY_PM_PRED, VY_PM_B32, VY_PM_F32, VY_PM_B64, VY_PM_F64, VY_PM_NCLS };

struct vy_pm {
	struct vy_buf *out;        /* NULL: evaluate */
	int nreg[VY_PM_NCLS];      /* registers handed out so far */
	bool fast;                 /* --fast-math: the .approx sequences */
};

/* Whether op is lowered by vy_ptxm_op (exp exp2 log log2 pow sin cos tan
 * tanh). */
bool vy_ptxm_handles(enum vy_opcode op);
/* Lower op on f32 operands x (and y for pow); the f32 result.  With
 * m->fast, the f32 sequences around ex2/lg2/sin/cos.approx (evaluate mode
 * models each .approx instruction as correctly rounded, so the host test
 * checks what surrounds it: range reduction, special cases). */
struct vy_pv vy_ptxm_op(struct vy_pm *m, enum vy_opcode op, struct vy_pv x,
			struct vy_pv y);
/* A fresh register of class cls (emit mode). */
struct vy_pv vy_ptxm_reg(struct vy_pm *m, int cls);

#endif
