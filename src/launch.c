/*
 * launch.c: launch-time sizes (SPEC §1.3-1.4).  Buffer counts and the
 * dispatch are resolved expressions over params (and, for the dispatch,
 * len() of buffers); this file evaluates them on the host with the
 * semantics every target agrees on (doc/SEMANTICS.md), then derives the
 * grid and checks it against the limits every GPU API accepts.
 *
 * Decision: a buffer of 0 elements is an error (Vulkan cannot bind an empty
 * storage buffer, and a 0-element run is almost always a missing param).
 */
#include <stdlib.h>
#include <string.h>

#include "launch.h"
#include "mathlib_ir.h"
#include "vm.h"

/* An op over launch-time values: through the reference VM's scalar
 * evaluator (vyvm_eval_op), the one definition of the op semantics that
 * the VM, constant folding (src/opt.c) and this file share.  Launch-time
 * expressions have no effects, so && || ?: may evaluate both sides. */
static uint32_t eval_op(const struct vy_program *p, const struct vy_expr *e,
			const uint32_t *params, const uint32_t *counts)
{
	uint32_t a[3] = { 0, 0, 0 };
	enum vy_opcode op = e->op->code;
	if (e->nargs > 3 || vy_op_is_atomic(op))
		vy_bug("op %s cannot be evaluated at launch", e->op->id);
	for (int i = 0; i < e->nargs; i++)
		a[i] = vy_eval_uniform(p, e->args[i], params, counts);
	if (vy_op_is_library(op))   /* src/mathlib.c's ops: their one program */
		return vy_mathlib_eval(op, a[0], a[1]);
	return vyvm_eval_op(op, vy_expr_optype(e), op == VY_OP_CAST ||
			    op == VY_OP_BITCAST ? e->args[0]->type : 0,
			    a[0], a[1], a[2]);
}

uint32_t vy_eval_uniform(const struct vy_program *p, const struct vy_expr *e,
			 const uint32_t *params, const uint32_t *counts)
{
	switch (e->kind) {
	case VY_E_CONST:
		return e->bits;
	case VY_E_PARAM:
		return params[e->index];
	case VY_E_LEN:
		return counts ? counts[e->index] : 0;
	case VY_E_OP:
		if (!e->op || e->op->code >= VY_OP_COUNT)
			vy_bug("unresolved op in a launch-time expression");
		return eval_op(p, e, params, counts);
	default:
		vy_bug("expression kind %d is not launch-time uniform", e->kind);
	}
}

const char *vy_dispatch_text(const struct vy_program *p, int axis)
{
	const struct vy_expr *d = p->dispatch[axis];
	if (p->dispatch_text[axis])
		return p->dispatch_text[axis];
	if (!d)
		return "1";
	if (d->kind == VY_E_LEN && d->index < p->nbuffers)
		return p->buffers[d->index].count_text;
	for (int i = 0; i < p->nbuffers; i++)
		if (p->buffers[i].count == d && p->buffers[i].count_text)
			return p->buffers[i].count_text;
	if (d->kind == VY_E_CONST)
		return "constant";
	for (int i = 0; i < p->nbuffers; i++)
		if (p->buffers[i].access != VY_READ_ONLY &&
		    p->buffers[i].count_text)
			return p->buffers[i].count_text;
	return "?";
}

/* The grid every backend runs (SPEC §1.4, §10.9): at least 1 and at most
 * VY_GRID_MAX_X workgroups on x, VY_GRID_MAX_YZ on y and z.  These are
 * what CUDA accepts and what every Vulkan device must accept on y and z;
 * the Vulkan backend splits x beyond its device's maxComputeWorkGroupCount.
 * Invocations per axis are u32 values, so at most 2^32-1 by construction. */
static const uint32_t grid_limit[3] = { VY_GRID_MAX_X, VY_GRID_MAX_YZ, VY_GRID_MAX_YZ };

int vy_launch_check_grid(const struct vy_program *p, const struct vy_launch *l,
			 char **err)
{
	for (int a = 0; a < 3; a++) {
		uint32_t wg = p->wgsize[a] ? p->wgsize[a] : 1, g = l->grid[a];
		if (g && g <= grid_limit[a])
			continue;
		const char *text = vy_dispatch_text(p, a);
		if (!g)
			*err = vy_strf("dispatch axis %c is 0 workgroups (%s = 0 "
				       "invocations). Fix: pass params that make "
				       "it at least 1", "xyz"[a], text);
		else
			*err = vy_strf("dispatch axis %c needs %u workgroups (%s = "
				       "%u invocations, workgroup size %u), more "
				       "than the limit of %u on axis %c. Fix: use "
				       "a larger workgroup_size, move work to "
				       "another axis or pass smaller params",
				       "xyz"[a], g, text, l->dispatch[a], wg,
				       grid_limit[a], "xyz"[a]);
		return -1;
	}
	return 0;
}

int vy_launch_eval(const struct vy_program *p, struct vy_launch *l,
		   char **err)
{
	for (int i = 0; i < p->nbuffers && i < VY_MAX_IO; i++) {
		l->counts[i] = vy_eval_uniform(p, p->buffers[i].count,
					       l->params, NULL);
		if (!l->counts[i]) {
			*err = vy_strf("buffer '%s' has 0 elements (count %s "
				       "= 0). Fix: pass params that make the "
				       "count at least 1",
				       p->buffers[i].name,
				       p->buffers[i].count_text ?
				       p->buffers[i].count_text : "?");
			return -1;
		}
		if (l->counts[i] > VY_MAX_ELEMENTS) {
			*err = vy_strf("buffer '%s' would hold %u elements (%.1f GiB; "
				       "count %s), more than the %u-element limit. "
				       "Fix: pass smaller params, or stream the input "
				       "with --stream BUF=SOURCE --chunk N",
				       p->buffers[i].name, l->counts[i],
				       l->counts[i] * 4.0 / (1u << 30),
				       p->buffers[i].count_text ?
				       p->buffers[i].count_text : "?", VY_MAX_ELEMENTS);
			return -1;
		}
	}
	for (int a = 0; a < 3; a++) {
		uint32_t wg = p->wgsize[a] ? p->wgsize[a] : 1;
		uint32_t d = 1;
		if (a < p->ndispatch && p->dispatch[a])
			d = vy_eval_uniform(p, p->dispatch[a], l->params,
					    l->counts);
		l->dispatch[a] = d;
		l->grid[a] = d / wg + (d % wg != 0);
	}
	return 0;
}

/* ---- default params for self-tests and verify ---- */

static void mark_params(const struct vy_expr *e, bool *used)
{
	if (!e)
		return;
	if (e->kind == VY_E_PARAM && e->index >= 0 && e->index < VY_MAX_PARAMS)
		used[e->index] = true;
	for (int i = 0; i < e->nargs; i++)
		mark_params(e->args[i], used);
}

/* Grid size for params, 0 when the launch fails or is too large. */
static uint64_t try_launch(const struct vy_program *p, const uint32_t *params,
			   bool *full)
{
	struct vy_launch l;
	memset(&l, 0, sizeof l);
	memcpy(l.params, params, sizeof l.params);
	char *err = NULL;
	if (vy_launch_eval(p, &l, &err) || vy_launch_check_grid(p, &l, &err)) {
		free(err);
		return 0;
	}
	uint64_t elems = 0;
	for (int i = 0; i < p->nbuffers; i++)
		elems += l.counts[i];
	if (elems > (1u << 26))
		return 0;
	*full = true;
	for (int a = 0; a < 3; a++)
		if (l.dispatch[a] % (p->wgsize[a] ? p->wgsize[a] : 1))
			*full = false;
	return (uint64_t)l.grid[0] * l.grid[1] * l.grid[2];
}

int vy_default_params(const struct vy_program *p, uint32_t *params,
		      char **err)
{
	bool used[VY_MAX_PARAMS] = {0};
	for (int i = 0; i < p->nbuffers; i++)
		mark_params(p->buffers[i].count, used);
	for (int q = 0; q < p->nparts; q++)   /* SPEC §10.5: every part's */
		for (int a = 0; a < p->parts[q]->ndispatch && a < 3; a++)
			mark_params(p->parts[q]->dispatch[a], used);
	if (!p->nparts)
		for (int a = 0; a < p->ndispatch && a < 3; a++)
			mark_params(p->dispatch[a], used);
	bool any = false;
	for (int i = 0; i < p->nparams && i < VY_MAX_PARAMS; i++) {
		enum vy_type t = p->params[i].type;
		params[i] = t == VY_F32 ? 0x3FC00000u : t == VY_F16 ? 0x3E00u : 3;   /* 1.5f, 1.5h */
		if (vy_type_is64(t))   /* 1.5d, 3 */
			params[VY_MAX_PARAMS + i] = t == VY_F64 ? 0x3FF80000u : 0;
		if (t == VY_F64)
			params[i] = 0;
		used[i] = used[i] && t == VY_U32;
		any |= used[i];
	}
	if (!any) {
		bool full;
		if (try_launch(p, params, &full))
			return 0;
		*err = vy_strf("the program '%s' does not launch with default "
			       "params. Fix: give every param with --param",
			       p->name);
		return -1;
	}
	uint32_t first = 0;
	for (uint32_t v = 1; v <= (1u << 20); v++) {
		for (int i = 0; i < p->nparams && i < VY_MAX_PARAMS; i++)
			if (used[i])
				params[i] = v;
		bool full = false;
		if (try_launch(p, params, &full) >= 4) {
			if (full)
				return 0;
			if (!first)
				first = v;
		}
		if (first && v > 64 * first)
			break;
	}
	if (first) {
		for (int i = 0; i < p->nparams && i < VY_MAX_PARAMS; i++)
			if (used[i])
				params[i] = first;
		return 0;
	}
	*err = vy_strf("no default size up to 2^20 gives the program '%s' 4 "
		       "workgroups. Fix: give every param with --param",
		       p->name);
	return -1;
}

/* Sizes for one chunk: when a param alone sizes the streamed buffer it
 * takes the chunk's count (so the last, shorter chunk sees its own count in
 * the params, len() and every buffer sized by that param); then the counts
 * from the params, the streamed buffer's count is the chunk's, and the
 * dispatch (which may use len()) again.  The caller restores l afterwards. */
int vy_launch_chunk(const struct vy_program *p, struct vy_launch *l, int buf,
			uint32_t n, char **err)
{
	const struct vy_expr *c = p->buffers[buf].count;
	if (c && c->kind == VY_E_PARAM && c->index >= 0 && c->index < VY_MAX_PARAMS)
		l->params[c->index] = n;
	if (vy_launch_eval(p, l, err))
		return -1;
	l->counts[buf] = n;
	for (int k = 0; k < 3; k++) {
		uint32_t d = k < p->ndispatch ?
			vy_eval_uniform(p, p->dispatch[k], l->params, l->counts) : 1;
		l->dispatch[k] = d;
		l->grid[k] = (uint32_t)(((uint64_t)d + p->wgsize[k] - 1) / p->wgsize[k]);
		if (!l->grid[k]) {
			*err = vy_strf("dispatch axis %c is 0 invocations for a chunk of %u "
				       "elements. Fix: use a larger --chunk", "xyz"[k], n);
			return -1;
		}
	}
	return vy_launch_check_grid(p, l, err);
}
