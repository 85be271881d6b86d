/*
 * resolve.h: the resolver's context, shared by resolve.c and the dialect
 * checker (the IR utilities of ir.c are in ir.h).
 */
#ifndef VY_RESOLVE_H
#define VY_RESOLVE_H

#include "vyrec.h"

struct rctx {
	struct vy_program *p;
	const struct vy_registry *r;
	struct vy_diags *d;
	struct vy_arena *a;
	const char **names;   /* the scope stack: visible locals */
	int *locals;
	int ns, cap;
	int *prev;            /* per entry: the one it hides, or -1 */
	struct vy_scopeslot { const char *name; int top; } *tab;
	unsigned tabcap, tabused;   /* name -> topmost entry, open addressing */
	int local_cap;
	int loops;            /* enclosing loops */
	int inline_depth;
	bool allow_ids;       /* builtins and atomics allowed (not in counts) */
	bool allow_params;
	bool inline_ops;      /* inline composite ops (not when checking them) */
	const char *what;     /* the context, for "cannot be used in ..." */
	/* vectors (SPEC §10.1): a vector local is lanes scalar locals; vtype
	 * of its first one is its vector type (VY_VOID: a scalar) */
	enum vy_type *vtype;
	int vcap;
	struct vy_stmt **pre; /* statements to put before the current one */
	int npre, precap;
	int lazy;             /* inside a lazily evaluated operand (no hoisting) */
	/* private arrays of vectors (SPEC §10.3): one scalar array per
	 * component; pvtype of the first is the vector type (else VY_VOID) */
	enum vy_type *pvtype;
	int pvcap;
};

int vy_new_local(struct rctx *c, const char *name, enum vy_type t,
		 bool mutable, struct vy_loc loc);
enum vy_type vy_resolve_expr(struct rctx *c, struct vy_expr *e);
enum vy_type vy_resolve_op(struct rctx *c, struct vy_expr *e,
			   const struct vy_opdef *op);
bool vy_resolve_value(struct rctx *c, struct vy_expr *e, enum vy_type want,
		      const char *what);
bool vy_coerce_default(struct rctx *c, struct vy_expr *e);
/* Type-check an extern op's lets and body against its signature. */
bool vy_check_opdef(struct vy_arena *a, const struct vy_registry *r,
		    struct vy_opdef *op, struct vy_diags *d);

#include "ir.h"   /* the IR utilities */

#endif
