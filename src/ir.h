/*
 * ir.h: the IR utilities of ir.c that the resolver, the dialect checker
 * and the optimiser share (the public queries are in vyrec.h).
 */
#ifndef VY_IR_H
#define VY_IR_H

#include "vyrec.h"

/* Deep copy of e in which each VY_E_NAME equal to names[i] becomes a deep
 * copy of vals[i]; copies get location at (for inlined bodies). */
struct vy_expr *vy_expr_subst(struct vy_arena *a, const struct vy_expr *e,
			      const char *const *names, struct vy_expr *const *vals,
			      int n, struct vy_loc at);
/* Whether e contains an atomic op. */
bool vy_expr_has_effect(const struct vy_expr *e);
/* Whether e is made of constants and ops only. */
bool vy_expr_is_const(const struct vy_expr *e);

#endif
