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
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "launch.h"
#include "mathlib_ir.h"

static float f_of(uint32_t w)
{
	float f;
	memcpy(&f, &w, 4);
	return f;
}

static uint32_t w_of(float f)
{
	uint32_t w;
	memcpy(&w, &f, 4);
	return w;
}

/* f32 -> u32/i32: truncate toward zero, saturate, NaN -> 0. */
static uint32_t f_to_int(float f, enum vy_type t)
{
	if (isnan(f))
		return 0;
	if (t == VY_I32) {
		if (f <= -2147483648.0f)
			return (uint32_t)INT32_MIN;
		if (f >= 2147483648.0f)
			return (uint32_t)INT32_MAX;
		return (uint32_t)(int32_t)f;
	}
	if (f <= 0)
		return 0;
	if (f >= 4294967296.0f)
		return UINT32_MAX;
	return (uint32_t)f;
}

static uint32_t convert(uint32_t v, enum vy_type from, enum vy_type to)
{
	if (to == VY_BOOL)
		return from == VY_F32 ? f_of(v) != 0 : v != 0;
	if (from == VY_F32)
		return to == VY_F32 ? v : f_to_int(f_of(v), to);
	if (to != VY_F32)
		return v;
	if (from == VY_I32)
		return w_of((float)(int32_t)v);
	return w_of((float)v);
}

static uint32_t int_div(uint32_t a, uint32_t b, bool sgn, bool rem)
{
	if (!sgn) {
		if (b == 0)
			return rem ? a : UINT32_MAX;
		return rem ? a % b : a / b;
	}
	int32_t x = (int32_t)a, y = (int32_t)b;
	if (y == 0)
		return rem ? a : UINT32_MAX;
	if (x == INT32_MIN && y == -1)
		return rem ? 0 : a;
	return (uint32_t)(rem ? x % y : x / y);
}

static int int_cmp(uint32_t a, uint32_t b, bool sgn)
{
	if (sgn)
		return (int32_t)a < (int32_t)b ? -1 : (int32_t)a > (int32_t)b;
	return a < b ? -1 : a > b;
}

static uint32_t rev_bits(uint32_t x)
{
	uint32_t r = 0;
	for (int i = 0; i < 32; i++, x >>= 1)
		r = r << 1 | (x & 1);
	return r;
}

/* An integer op on u32/i32 operands (sgn: i32). */
static uint32_t int_op(enum vy_opcode op, const uint32_t *a, bool sgn)
{
	switch (op) {
	case VY_OP_ADD: return a[0] + a[1];
	case VY_OP_SUB: return a[0] - a[1];
	case VY_OP_MUL: return a[0] * a[1];
	case VY_OP_DIV: return int_div(a[0], a[1], sgn, false);
	case VY_OP_REM: return int_div(a[0], a[1], sgn, true);
	case VY_OP_NEG: return 0u - a[0];
	case VY_OP_AND: return a[0] & a[1];
	case VY_OP_OR: return a[0] | a[1];
	case VY_OP_XOR: return a[0] ^ a[1];
	case VY_OP_NOT: return ~a[0];
	case VY_OP_SHL: return a[0] << (a[1] & 31);
	case VY_OP_SHR:
		if (sgn) {
			int32_t x = (int32_t)a[0];
			int s = a[1] & 31;
			return (uint32_t)(x < 0 ? ~(~x >> s) : x >> s);
		}
		return a[0] >> (a[1] & 31);
	case VY_OP_LT: return int_cmp(a[0], a[1], sgn) < 0;
	case VY_OP_LE: return int_cmp(a[0], a[1], sgn) <= 0;
	case VY_OP_GT: return int_cmp(a[0], a[1], sgn) > 0;
	case VY_OP_GE: return int_cmp(a[0], a[1], sgn) >= 0;
	case VY_OP_MIN: return int_cmp(a[0], a[1], sgn) <= 0 ? a[0] : a[1];
	case VY_OP_MAX: return int_cmp(a[0], a[1], sgn) >= 0 ? a[0] : a[1];
	case VY_OP_CLAMP: {
		uint32_t m = int_cmp(a[0], a[1], sgn) >= 0 ? a[0] : a[1];
		return int_cmp(m, a[2], sgn) <= 0 ? m : a[2];
	}
	case VY_OP_ABS:
		return sgn && (int32_t)a[0] < 0 ? 0u - a[0] : a[0];
	case VY_OP_SIGN:
		if (!sgn)
			return a[0] != 0;
		return (uint32_t)((int32_t)a[0] > 0) - ((int32_t)a[0] < 0);
	case VY_OP_POPCOUNT: return (uint32_t)__builtin_popcount(a[0]);
	case VY_OP_CLZ: return a[0] ? (uint32_t)__builtin_clz(a[0]) : 32;
	case VY_OP_CTZ: return a[0] ? (uint32_t)__builtin_ctz(a[0]) : 32;
	case VY_OP_REVERSE_BITS: return rev_bits(a[0]);
	case VY_OP_MULHI:
		if (sgn)
			return (uint32_t)(((int64_t)(int32_t)a[0] *
					   (int32_t)a[1]) >> 32);
		return (uint32_t)(((uint64_t)a[0] * a[1]) >> 32);
	default:
		vy_bug("op %d cannot be evaluated on integers at launch", op);
	}
}

static float fsign(float x)
{
	return x > 0 ? 1.0f : x < 0 ? -1.0f : x;
}

/* An f32 op; transcendental ones are computed in double, rounded once. */
static uint32_t float_op(enum vy_opcode op, const uint32_t *w)
{
	float a = f_of(w[0]), b = f_of(w[1]), c = f_of(w[2]);
	double x = a;
	switch (op) {
	case VY_OP_ADD: return w_of(a + b);
	case VY_OP_SUB: return w_of(a - b);
	case VY_OP_MUL: return w_of(a * b);
	case VY_OP_DIV: return w_of(a / b);
	case VY_OP_NEG: return w[0] ^ 0x80000000u;
	case VY_OP_LT: return a < b;
	case VY_OP_LE: return a <= b;
	case VY_OP_GT: return a > b;
	case VY_OP_GE: return a >= b;
	case VY_OP_FMA: return w_of(fmaf(a, b, c));
	case VY_OP_MIN: return w_of(fminf(a, b));
	case VY_OP_MAX: return w_of(fmaxf(a, b));
	case VY_OP_CLAMP: return w_of(fminf(fmaxf(a, b), c));
	case VY_OP_ABS: return w[0] & 0x7FFFFFFFu;
	case VY_OP_SIGN: return w_of(fsign(a));
	case VY_OP_FLOOR: return w_of(floorf(a));
	case VY_OP_CEIL: return w_of(ceilf(a));
	case VY_OP_ROUND: return w_of(rintf(a));
	case VY_OP_TRUNC: return w_of(truncf(a));
	case VY_OP_FRACT: return w_of((float)(x - floor(x)));
	case VY_OP_SQRT: return w_of((float)sqrt(x));
	case VY_OP_RSQRT: return w_of((float)(1 / sqrt(x)));
	case VY_OP_EXP: return w_of((float)exp(x));
	case VY_OP_EXP2: return w_of((float)exp2(x));
	case VY_OP_LOG: return w_of((float)log(x));
	case VY_OP_LOG2: return w_of((float)log2(x));
	case VY_OP_POW: return w_of((float)pow(x, b));
	case VY_OP_SIN: return w_of((float)sin(x));
	case VY_OP_COS: return w_of((float)cos(x));
	case VY_OP_TAN: return w_of((float)tan(x));
	case VY_OP_TANH: return w_of((float)tanh(x));
	case VY_OP_MIX: return w_of((float)(x * (1 - (double)c) + (double)b * c));
	case VY_OP_STEP: return w_of(b < a ? 0.0f : 1.0f);
	default:
		vy_bug("op %d cannot be evaluated on f32 at launch", op);
	}
}

static uint32_t eval_op(const struct vy_program *p, const struct vy_expr *e,
			const uint32_t *params, const uint32_t *counts)
{
	enum vy_opcode op = e->op->code;
	switch (op) {
	case VY_OP_LAND:
		return vy_eval_uniform(p, e->args[0], params, counts) &&
		       vy_eval_uniform(p, e->args[1], params, counts);
	case VY_OP_LOR:
		return vy_eval_uniform(p, e->args[0], params, counts) ||
		       vy_eval_uniform(p, e->args[1], params, counts);
	case VY_OP_SELECT:
		return vy_eval_uniform(p, e->args[0], params, counts) ?
		       vy_eval_uniform(p, e->args[1], params, counts) :
		       vy_eval_uniform(p, e->args[2], params, counts);
	default:
		break;
	}
	uint32_t a[3] = {0};
	for (int i = 0; i < e->nargs && i < 3; i++)
		a[i] = vy_eval_uniform(p, e->args[i], params, counts);
	enum vy_type t = e->nargs ? e->args[0]->type : e->type;
	if (vy_op_is_library(op))
		return vy_mathlib_eval(op, a[0], a[1]);
	switch (op) {
	case VY_OP_LNOT: return !a[0];
	case VY_OP_EQ:
		return t == VY_F32 ? f_of(a[0]) == f_of(a[1]) : a[0] == a[1];
	case VY_OP_NE:
		return t == VY_F32 ? f_of(a[0]) != f_of(a[1]) : a[0] != a[1];
	case VY_OP_CAST: return convert(a[0], t, e->cast_to);
	case VY_OP_BITCAST: return a[0];
	default:
		break;
	}
	if (t == VY_F32)
		return float_op(op, a);
	return int_op(op, a, t == VY_I32);
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
	for (int a = 0; a < p->ndispatch && a < 3; a++)
		mark_params(p->dispatch[a], used);
	bool any = false;
	for (int i = 0; i < p->nparams && i < VY_MAX_PARAMS; i++) {
		enum vy_type t = p->params[i].type;
		params[i] = t == VY_F32 ? w_of(1.5f) : 3;
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
