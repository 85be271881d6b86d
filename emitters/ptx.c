/*
 * ptx.c: the ptx AOT emitter.  Input: a resolved, verified program (only
 * intrinsic ops remain).  Output: PTX text with one `.visible .entry NAME`
 * whose parameters follow SPEC §3.2: a .u64 pointer per buffer in binding
 * order, the params in declaration order, then a .u32 element count per
 * buffer in binding order.
 *
 * The body is printed into a buffer first, with typed virtual registers
 * (%p predicates, %r b32 integers, %f f32, %rd b64 addresses, %fd f64) and
 * structured control flow as predicated branches; the register
 * declarations are known only afterwards and are printed ahead of it.
 * Every f32 `+ - *` carries .rn (never contracted), `/` and sqrt are
 * correctly rounded, integer division is guarded so that x/0 and MIN/-1
 * give the reference VM's values, shift amounts are masked to 5 bits,
 * f32 -> int conversions saturate and map NaN to 0, and the
 * transcendentals come from ptx_math.c (f64 sequences within 1 ulp).
 * --fast-math: div.full, sqrt/rsqrt.approx and the .approx sequences of
 * ptx_math.c (bounds: VY_FAST in vyrec_ops.def); fma is fma.rn either way.
 * Index math stays 32-bit until one mul.wide forms the byte offset;
 * read-only buffers load through the non-coherent path (ld.global.nc).
 */
#include <stdlib.h>
#include <string.h>

#include "mathlib_ir.h"
#include "ptx_math.h"
#include "vyrec.h"

struct loop { int cont, brk; };

struct ctx {
	const struct vy_program *p;
	struct vy_buf body;
	struct vy_pm m;                 /* register counters; m.out = &body */
	int pro[VY_PM_NCLS];            /* registers of the prologue */
	struct vy_pv *local;            /* operand of each local */
	bool *have_local;
	struct vy_pv *param, *count, *base;
	struct loop loops[VY_MAX_DEPTH];
	int nloops, nlabels, line;
	char *err;
	struct vy_pv *slot;             /* values of the math-library program */
};

#define I(c, ...) vy_buf_printf(&(c)->body, "\t" __VA_ARGS__)

/* ---- types and operands ---- */

static int cls_of(enum vy_type t)
{
	return t == VY_BOOL ? VY_PM_PRED : t == VY_F32 ? VY_PM_F32 : VY_PM_B32;
}

static const char *tn(enum vy_type t)
{
	return t == VY_U32 ? "u32" : t == VY_I32 ? "s32" : t == VY_F32 ? "f32" : "pred";
}

/* The type suffix of a plain move or select. */
static const char *mvt(enum vy_type t)
{
	return t == VY_BOOL ? "pred" : t == VY_F32 ? "f32" : "b32";
}

static struct vy_pv reg(struct ctx *c, enum vy_type t)
{
	return vy_ptxm_reg(&c->m, cls_of(t));
}

static struct vy_pv imm(const char *fmt, uint32_t u)
{
	struct vy_pv v = {0};
	snprintf(v.s, sizeof v.s, fmt, u);
	return v;
}

static struct vy_pv cnst(enum vy_type t, uint32_t bits)
{
	if (t == VY_F32)
		return imm("0f%08X", bits);
	if (t == VY_I32)
		return imm("%d", bits);
	return imm("%u", bits);
}

static bool is_reg(struct vy_pv v) { return v.s[0] == '%'; }

/* A register holding v (immediates are moved into one). */
static struct vy_pv in_reg(struct ctx *c, struct vy_pv v, enum vy_type t)
{
	if (is_reg(v))
		return v;
	struct vy_pv r = reg(c, t);
	I(c, "mov.%s \t%s, %s;\n", mvt(t), r.s, v.s);
	return r;
}

static struct vy_pv op1(struct ctx *c, enum vy_type t, const char *op,
			struct vy_pv a)
{
	struct vy_pv r = reg(c, t);
	I(c, "%s \t%s, %s;\n", op, r.s, a.s);
	return r;
}

static struct vy_pv op2(struct ctx *c, enum vy_type t, const char *op,
			struct vy_pv a, struct vy_pv b)
{
	struct vy_pv r = reg(c, t);
	I(c, "%s \t%s, %s, %s;\n", op, r.s, a.s, b.s);
	return r;
}

static struct vy_pv op3(struct ctx *c, enum vy_type t, const char *op,
			struct vy_pv a, struct vy_pv b, struct vy_pv d)
{
	struct vy_pv r = reg(c, t);
	I(c, "%s \t%s, %s, %s, %s;\n", op, r.s, a.s, b.s, d.s);
	return r;
}

/* "name.type" into a small static-free buffer owned by the caller. */
#define OPN(buf, fmt, ...) (snprintf(buf, sizeof buf, fmt, __VA_ARGS__), buf)

static int label(struct ctx *c) { return ++c->nlabels; }

static void put_label(struct ctx *c, const char *kind, int n)
{
	vy_buf_printf(&c->body, "$L_%s_%d:\n", kind, n);
}

static void fail(struct ctx *c, const char *msg)
{
	if (!c->err)
		c->err = vy_strf("%s", msg);
}

static struct vy_pv emit_expr(struct ctx *c, const struct vy_expr *e);

/* ---- memory ---- */

/* The address operand (without brackets) of element idx of a memory. */
static struct vy_pv emit_addr(struct ctx *c, enum vy_space sp, int mem,
			      const struct vy_expr *ie, struct vy_pv idx)
{
	struct vy_pv a = {0};
	bool sh = sp == VY_SPACE_SHARED;
	const char *name = sh ? c->p->shared[mem].name : c->base[mem].s;
	if (!is_reg(idx)) {   /* constant index: fold into the address */
		long long off = strtoll(idx.s, NULL, 10) * 4;
		snprintf(a.s, sizeof a.s, sh ? "vy_sh_%s%+lld" : "%s%+lld",
			 name, off);
		return a;
	}
	if (sh) {
		struct vy_pv b = reg(c, VY_U32);
		I(c, "mov.u32 \t%s, vy_sh_%s;\n", b.s, name);
		return op3(c, VY_U32, "mad.lo.s32", idx, imm("%u", 4), b);
	}
	struct vy_pv off = vy_ptxm_reg(&c->m, VY_PM_B64);
	I(c, "mul.wide.%s \t%s, %s, 4;\n", ie->type == VY_I32 ? "s32" : "u32",
	  off.s, idx.s);
	a = vy_ptxm_reg(&c->m, VY_PM_B64);
	I(c, "add.s64 \t%s, %s, %s;\n", a.s, c->base[mem].s, off.s);
	return a;
}

/* The state-space part of a memory instruction. */
static const char *space_of(struct ctx *c, enum vy_space sp, int mem, bool load)
{
	if (sp == VY_SPACE_SHARED)
		return "shared";
	return load && c->p->buffers[mem].access == VY_READ_ONLY ? "global.nc"
								 : "global";
}

static struct vy_pv emit_load(struct ctx *c, const struct vy_expr *e)
{
	struct vy_pv idx = emit_expr(c, e->args[0]);
	struct vy_pv a = emit_addr(c, e->space, e->index, e->args[0], idx);
	struct vy_pv r = reg(c, e->type);
	I(c, "ld.%s.%s \t%s, [%s];\n", space_of(c, e->space, e->index, true),
	  tn(e->type), r.s, a.s);
	return r;
}

/* An atomic op; discard: the result is unused, so a `red` will do. */
static struct vy_pv emit_atomic(struct ctx *c, const struct vy_expr *e,
				bool discard)
{
	static const char *const name[VY_OP_COUNT] = {
		[VY_OP_ATOMIC_ADD] = "add", [VY_OP_ATOMIC_SUB] = "add",
		[VY_OP_ATOMIC_MIN] = "min", [VY_OP_ATOMIC_MAX] = "max",
		[VY_OP_ATOMIC_AND] = "and", [VY_OP_ATOMIC_OR] = "or",
		[VY_OP_ATOMIC_XOR] = "xor", [VY_OP_ATOMIC_EXCHANGE] = "exch",
		[VY_OP_ATOMIC_COMPARE_EXCHANGE] = "cas"};
	int k = e->op->code;
	if (!name[k])
		vy_bug("ptx: atomic op %s has no lowering", e->op->id);
	const struct vy_expr *ref = e->args[0];
	struct vy_pv idx = emit_expr(c, ref->args[0]);
	struct vy_pv v = emit_expr(c, e->args[1]);
	struct vy_pv w = e->nargs > 2 ? emit_expr(c, e->args[2]) : v;
	enum vy_type t = e->type;
	if (e->op->code == VY_OP_ATOMIC_SUB)
		v = op1(c, t, "neg.s32", in_reg(c, v, t));
	struct vy_pv a = emit_addr(c, ref->space, ref->index, ref->args[0], idx);
	bool sh = ref->space == VY_SPACE_SHARED;
	const char *sem = sh ? "relaxed.cta.shared" : "relaxed.gpu.global";
	bool bits = k != VY_OP_ATOMIC_ADD && k != VY_OP_ATOMIC_SUB &&
		    k != VY_OP_ATOMIC_MIN && k != VY_OP_ATOMIC_MAX;
	const char *ty = bits ? "b32" : k == VY_OP_ATOMIC_MIN || k == VY_OP_ATOMIC_MAX
		? tn(t) : "u32";
	/* red has no exch/cas */
	if (discard && k != VY_OP_ATOMIC_EXCHANGE && k != VY_OP_ATOMIC_COMPARE_EXCHANGE) {
		I(c, "red.%s.%s.%s \t[%s], %s;\n", sem, name[k], ty, a.s, v.s);
		return v;
	}
	struct vy_pv r = reg(c, t);
	if (k == VY_OP_ATOMIC_COMPARE_EXCHANGE)
		I(c, "atom.%s.cas.b32 \t%s, [%s], %s, %s;\n", sem, r.s, a.s, v.s, w.s);
	else
		I(c, "atom.%s.%s.%s \t%s, [%s], %s;\n", sem, name[k], ty, r.s, a.s, v.s);
	return r;
}

/* ---- builtins ---- */

static struct vy_pv special(struct ctx *c, const char *sreg, int axis)
{
	struct vy_pv r = reg(c, VY_U32);
	I(c, "mov.u32 \t%s, %%%s.%c;\n", r.s, sreg, "xyz"[axis]);
	return r;
}

static struct vy_pv emit_builtin(struct ctx *c, const struct vy_expr *e)
{
	int ax = e->axis < 0 || e->axis > 2 ? 0 : e->axis;
	switch ((enum vy_builtin)e->index) {
	case VY_B_GID: {
		struct vy_pv w = special(c, "ctaid", ax);
		struct vy_pv t = special(c, "tid", ax);
		return op3(c, VY_U32, "mad.lo.s32", w,
			   imm("%u", c->p->wgsize[ax]), t);
	}
	case VY_B_LID: return special(c, "tid", ax);
	case VY_B_WGID: return special(c, "ctaid", ax);
	case VY_B_WGSIZE: return imm("%u", c->p->wgsize[ax]);
	case VY_B_NWG: return special(c, "nctaid", ax);
	}
	fail(c, "unknown builtin");
	return imm("%u", 0);
}

/* ---- integer division ---- */

/* q = a / b or a % b with the reference VM's values for b == 0 (x/0 is
 * all ones, x%0 = x) and MIN/-1 (MIN, remainder 0). */
static struct vy_pv emit_idiv(struct ctx *c, enum vy_type t, struct vy_pv a,
			      struct vy_pv b, const struct vy_expr *be, bool rem)
{
	char n[32];
	const char *op = OPN(n, "%s.%s", rem ? "rem" : "div", tn(t));
	if (be->kind == VY_E_CONST) {
		if (be->bits == 0)
			return rem ? a : imm("%u", 0xffffffffu);
		if (t == VY_I32 && be->bits == 0xffffffffu)
			return rem ? imm("%u", 0) : op1(c, t, "neg.s32", in_reg(c, a, t));
		return op2(c, t, op, a, b);
	}
	struct vy_pv z = op2(c, VY_BOOL, "setp.eq.s32", b, imm("%u", 0));
	struct vy_pv bad = z;
	if (t == VY_I32) {
		struct vy_pv pa = op2(c, VY_BOOL, "setp.eq.s32", a, imm("%d", 0x80000000u));
		struct vy_pv pb = op2(c, VY_BOOL, "setp.eq.s32", b, imm("%d", 0xffffffffu));
		bad = op2(c, VY_BOOL, "or.pred", z, op2(c, VY_BOOL, "and.pred", pa, pb));
	}
	struct vy_pv bs = op3(c, t, "selp.b32", imm("%u", 1), b, bad);
	struct vy_pv q = op2(c, t, op, a, bs);
	return op3(c, t, "selp.b32", rem ? a : imm("0x%08X", 0xffffffffu), q, z);
}

/* ---- logic and select, lazy where an operand touches memory ---- */

static struct vy_pv emit_pred(struct ctx *c, const struct vy_expr *e)
{
	return in_reg(c, emit_expr(c, e), VY_BOOL);
}

static struct vy_pv emit_logic(struct ctx *c, const struct vy_expr *e, bool and)
{
	struct vy_pv a = emit_pred(c, e->args[0]);
	if (!vy_expr_touches_memory(e->args[1]))
		return op2(c, VY_BOOL, and ? "and.pred" : "or.pred", a,
			   emit_pred(c, e->args[1]));
	struct vy_pv r = reg(c, VY_BOOL);
	int l = label(c);
	I(c, "mov.pred \t%s, %s;\n", r.s, a.s);
	I(c, "@%s%s bra \t$L_sc_%d;\n", and ? "!" : "", r.s, l);
	I(c, "mov.pred \t%s, %s;\n", r.s, emit_pred(c, e->args[1]).s);
	put_label(c, "sc", l);
	return r;
}

static struct vy_pv emit_select(struct ctx *c, const struct vy_expr *e)
{
	struct vy_pv p = emit_pred(c, e->args[0]);
	enum vy_type t = e->type;
	if (!vy_expr_touches_memory(e->args[1]) && !vy_expr_touches_memory(e->args[2])) {
		struct vy_pv a = emit_expr(c, e->args[1]);
		struct vy_pv b = emit_expr(c, e->args[2]);
		if (t != VY_BOOL)
			return op3(c, t, t == VY_F32 ? "selp.f32" : "selp.b32", a, b, p);
		struct vy_pv r = reg(c, t);
		I(c, "@%s mov.pred \t%s, %s;\n", p.s, r.s, a.s);
		I(c, "@!%s mov.pred \t%s, %s;\n", p.s, r.s, b.s);
		return r;
	}
	struct vy_pv r = reg(c, t);
	int l = label(c);
	I(c, "@!%s bra \t$L_selb_%d;\n", p.s, l);
	I(c, "mov.%s \t%s, %s;\n", mvt(t), r.s, emit_expr(c, e->args[1]).s);
	I(c, "bra.uni \t$L_sele_%d;\n", l);
	put_label(c, "selb", l);
	I(c, "mov.%s \t%s, %s;\n", mvt(t), r.s, emit_expr(c, e->args[2]).s);
	put_label(c, "sele", l);
	return r;
}

/* ---- conversions ---- */

static struct vy_pv emit_cast(struct ctx *c, enum vy_type from, enum vy_type to,
			      struct vy_pv v)
{
	if (from == to || (from != VY_BOOL && from != VY_F32 && to != VY_BOOL
			   && to != VY_F32))
		return v;   /* u32 <-> i32 keep the bits */
	if (from == VY_BOOL) {
		v = in_reg(c, v, VY_BOOL);
		return to == VY_F32
			? op3(c, to, "selp.f32", imm("0f%08X", 0x3f800000), imm("0f%08X", 0), v)
			: op3(c, to, "selp.b32", imm("%u", 1), imm("%u", 0), v);
	}
	if (to == VY_BOOL)
		return op2(c, to, from == VY_F32 ? "setp.neu.f32" : "setp.ne.b32", v,
			   from == VY_F32 ? imm("0f%08X", 0) : imm("%u", 0));
	v = in_reg(c, v, from);
	if (to == VY_F32)
		return op1(c, to, from == VY_U32 ? "cvt.rn.f32.u32" : "cvt.rn.f32.s32", v);
	/* cvt.rzi saturates; NaN is mapped to 0 explicitly (SEMANTICS.md). */
	struct vy_pv r = op1(c, to, to == VY_U32 ? "cvt.rzi.u32.f32" : "cvt.rzi.s32.f32", v);
	struct vy_pv nan = op2(c, VY_BOOL, "setp.nan.f32", v, v);
	return op3(c, to, "selp.b32", imm("%u", 0), r, nan);
}

static struct vy_pv emit_bitcast(struct ctx *c, enum vy_type from, enum vy_type to,
				 struct vy_pv v)
{
	if ((from == VY_F32) == (to == VY_F32))
		return v;
	if (!is_reg(v))   /* an immediate: the same bits, printed for `to` */
		return cnst(to, v.s[0] == '0' && v.s[1] == 'f'
			    ? (uint32_t)strtoul(v.s + 2, NULL, 16)
			    : (uint32_t)strtoll(v.s, NULL, 0));
	return op1(c, to, "mov.b32", v);
}

/* ---- ops ---- */

/* mix(a, b, t) = a*(1-t) + b*t, evaluated as fma(b, t, fma(-a, t, a)) in
 * f64 (a*t and b*t are exact there) and rounded once. */
static struct vy_pv emit_mix(struct ctx *c, struct vy_pv *v)
{
	if (c->m.fast) {   /* the same two fma in f32: a - a*t, then + b*t */
		struct vy_pv a = in_reg(c, v[0], VY_F32);
		struct vy_pv na = op1(c, VY_F32, "neg.f32", a);
		struct vy_pv u = op3(c, VY_F32, "fma.rn.f32", na, v[2], a);
		return op3(c, VY_F32, "fma.rn.f32", v[1], v[2], u);
	}
	struct vy_pv d[3];
	for (int i = 0; i < 3; i++) {
		d[i] = vy_ptxm_reg(&c->m, VY_PM_F64);
		I(c, "cvt.f64.f32 \t%s, %s;\n", d[i].s, in_reg(c, v[i], VY_F32).s);
	}
	struct vy_pv na = vy_ptxm_reg(&c->m, VY_PM_F64);
	I(c, "neg.f64 \t%s, %s;\n", na.s, d[0].s);
	struct vy_pv u = vy_ptxm_reg(&c->m, VY_PM_F64);
	I(c, "fma.rn.f64 \t%s, %s, %s, %s;\n", u.s, na.s, d[2].s, d[0].s);
	struct vy_pv w = vy_ptxm_reg(&c->m, VY_PM_F64);
	I(c, "fma.rn.f64 \t%s, %s, %s, %s;\n", w.s, d[1].s, d[2].s, u.s);
	return op1(c, VY_F32, "cvt.rn.f32.f64", w);
}

static struct vy_pv emit_sign(struct ctx *c, enum vy_type t, struct vy_pv x)
{
	if (t == VY_U32)
		return op3(c, t, "selp.b32", imm("%u", 1), imm("%u", 0),
			   op2(c, VY_BOOL, "setp.ne.u32", x, imm("%u", 0)));
	struct vy_pv z = t == VY_F32 ? imm("0f%08X", 0) : imm("%u", 0);
	struct vy_pv gt = op2(c, VY_BOOL, t == VY_F32 ? "setp.gt.f32" : "setp.gt.s32", x, z);
	struct vy_pv lt = op2(c, VY_BOOL, t == VY_F32 ? "setp.lt.f32" : "setp.lt.s32", x, z);
	if (t == VY_F32) {
		struct vy_pv s = op3(c, t, "selp.f32", imm("0f%08X", 0x3f800000), x, gt);
		return op3(c, t, "selp.f32", imm("0f%08X", 0xbf800000), s, lt);
	}
	struct vy_pv s = op3(c, t, "selp.b32", imm("%u", 1), imm("%u", 0), gt);
	return op3(c, t, "selp.b32", imm("%d", 0xffffffffu), s, lt);
}

static const char *cmp_name(enum vy_opcode op, enum vy_type t)
{
	switch (op) {
	case VY_OP_EQ: return "eq";
	case VY_OP_NE: return t == VY_F32 ? "neu" : "ne";  /* NaN != x is true */
	case VY_OP_LT: return "lt";
	case VY_OP_LE: return "le";
	case VY_OP_GT: return "gt";
	case VY_OP_GE: return "ge";
	default: vy_bug("ptx: %d is not a comparison", (int)op);
	}
}

static struct vy_pv emit_compare(struct ctx *c, const struct vy_expr *e,
				 struct vy_pv a, struct vy_pv b)
{
	enum vy_type t = e->args[0]->type;
	char n[32];
	if (t == VY_BOOL) {
		struct vy_pv x = op2(c, VY_BOOL, "xor.pred", in_reg(c, a, t), in_reg(c, b, t));
		return e->op->code == VY_OP_NE ? x : op1(c, VY_BOOL, "not.pred", x);
	}
	return op2(c, VY_BOOL, OPN(n, "setp.%s.%s", cmp_name(e->op->code, t), tn(t)), a, b);
}

static struct vy_pv emit_arith(struct ctx *c, const struct vy_expr *e,
			       struct vy_pv *v)
{
	enum vy_type t = e->type;
	bool f = t == VY_F32;
	const char *ty = tn(t);
	char n[32];
	switch (e->op->code) {
	case VY_OP_ADD: return op2(c, t, f ? "add.rn.f32" : OPN(n, "add.%s", ty), v[0], v[1]);
	case VY_OP_SUB: return op2(c, t, f ? "sub.rn.f32" : OPN(n, "sub.%s", ty), v[0], v[1]);
	case VY_OP_MUL: return op2(c, t, f ? "mul.rn.f32" : OPN(n, "mul.lo.%s", ty), v[0], v[1]);
	case VY_OP_DIV:
		if (f)   /* --fast-math: 2 ulp over the full range */
			return op2(c, t, c->m.fast ? "div.full.f32" : "div.rn.f32", v[0], v[1]);
		return emit_idiv(c, t, v[0], v[1], e->args[1], false);
	case VY_OP_REM: return emit_idiv(c, t, v[0], v[1], e->args[1], true);
	case VY_OP_NEG: return op1(c, t, f ? "neg.f32" : "neg.s32", in_reg(c, v[0], t));
	case VY_OP_AND: return op2(c, t, "and.b32", v[0], v[1]);
	case VY_OP_OR: return op2(c, t, "or.b32", v[0], v[1]);
	case VY_OP_XOR: return op2(c, t, "xor.b32", v[0], v[1]);
	case VY_OP_NOT: return op1(c, t, "not.b32", in_reg(c, v[0], t));
	case VY_OP_SHL: case VY_OP_SHR: {
		/* PTX clamps amounts above 31; vyrec takes them mod 32 */
		const struct vy_expr *be = e->args[1];
		struct vy_pv s = be->kind == VY_E_CONST ? imm("%u", be->bits & 31)
			: op2(c, be->type, "and.b32", v[1], imm("%u", 31));
		const char *op = e->op->code == VY_OP_SHL ? "shl.b32"
			: t == VY_I32 ? "shr.s32" : "shr.u32";
		return op2(c, t, op, in_reg(c, v[0], t), s);
	}
	case VY_OP_EQ: case VY_OP_NE: case VY_OP_LT: case VY_OP_LE:
	case VY_OP_GT: case VY_OP_GE:
		return emit_compare(c, e, v[0], v[1]);
	default:   /* a new op without a PTX lowering */
		vy_bug("ptx: op %s has no lowering", e->op->id);
	}
}

static struct vy_pv emit_math(struct ctx *c, const struct vy_expr *e,
			      struct vy_pv *v)
{
	enum vy_type t = e->type;
	bool f = t == VY_F32;
	const char *ty = tn(t);
	char n[32];
	enum vy_opcode code = e->op->code;
	if (vy_ptxm_handles(code)) {
		vy_buf_printf(&c->body, "\t// %s: %s sequence, see emitters/ptx_math.c\n",
			      e->op->id, c->m.fast ? ".approx" : "f64");
		struct vy_pv x = in_reg(c, v[0], VY_F32);
		struct vy_pv y = code == VY_OP_POW ? in_reg(c, v[1], VY_F32) : x;
		return vy_ptxm_op(&c->m, code, x, y);
	}
	switch (code) {
	case VY_OP_FMA: return op3(c, t, "fma.rn.f32", v[0], v[1], v[2]);
	case VY_OP_MIN: return op2(c, t, OPN(n, "min.%s", ty), in_reg(c, v[0], t), v[1]);
	case VY_OP_MAX: return op2(c, t, OPN(n, "max.%s", ty), in_reg(c, v[0], t), v[1]);
	case VY_OP_CLAMP: {
		struct vy_pv lo = op2(c, t, OPN(n, "max.%s", ty), in_reg(c, v[0], t), v[1]);
		return op2(c, t, OPN(n, "min.%s", ty), lo, v[2]);
	}
	case VY_OP_ABS:
		if (t == VY_U32)
			return v[0];
		if (f)
			return op1(c, t, "abs.f32", in_reg(c, v[0], t));
		/* max(x, -x): abs(MIN) = MIN whatever abs.s32 does there */
		return op2(c, t, "max.s32", v[0], op1(c, t, "neg.s32", in_reg(c, v[0], t)));
	case VY_OP_SIGN: return emit_sign(c, t, in_reg(c, v[0], t));
	case VY_OP_FLOOR: return op1(c, t, "cvt.rmi.f32.f32", in_reg(c, v[0], t));
	case VY_OP_CEIL: return op1(c, t, "cvt.rpi.f32.f32", in_reg(c, v[0], t));
	case VY_OP_ROUND: return op1(c, t, "cvt.rni.f32.f32", in_reg(c, v[0], t));
	case VY_OP_TRUNC: return op1(c, t, "cvt.rzi.f32.f32", in_reg(c, v[0], t));
	case VY_OP_FRACT: {
		struct vy_pv x = in_reg(c, v[0], t);
		return op2(c, t, "sub.rn.f32", x, op1(c, t, "cvt.rmi.f32.f32", x));
	}
	case VY_OP_SQRT:
		return op1(c, t, c->m.fast ? "sqrt.approx.f32" : "sqrt.rn.f32", in_reg(c, v[0], t));
	case VY_OP_RSQRT:   /* two correct roundings: within 1 ulp */
		if (c->m.fast)
			return op1(c, t, "rsqrt.approx.f32", in_reg(c, v[0], t));
		return op1(c, t, "rcp.rn.f32", op1(c, t, "sqrt.rn.f32", in_reg(c, v[0], t)));
	case VY_OP_MIX: return emit_mix(c, v);
	case VY_OP_STEP: {
		struct vy_pv lt = op2(c, VY_BOOL, "setp.lt.f32", in_reg(c, v[1], t), v[0]);
		return op3(c, t, "selp.f32", imm("0f%08X", 0), imm("0f%08X", 0x3f800000), lt);
	}
	case VY_OP_POPCOUNT: return op1(c, t, "popc.b32", in_reg(c, v[0], t));
	case VY_OP_CLZ: return op1(c, t, "clz.b32", in_reg(c, v[0], t));
	case VY_OP_CTZ:
		return op1(c, t, "clz.b32", op1(c, t, "brev.b32", in_reg(c, v[0], t)));
	case VY_OP_REVERSE_BITS: return op1(c, t, "brev.b32", in_reg(c, v[0], t));
	case VY_OP_MULHI: return op2(c, t, OPN(n, "mul.hi.%s", ty), in_reg(c, v[0], t), v[1]);
	default:
		return emit_arith(c, e, v);
	}
}

/* A library op: its program inline (src/mathlib_ir.h), each core op by
 * its own lowering here, the exact ones even under --fast-math. */
static struct vy_pv emit_mathlib(struct ctx *c, const struct vy_expr *e)
{
	struct vy_arena *a = vy_arena_new();
	struct vy_mprog mp;
	vy_mathlib_prog(a, e->op->code, &mp);
	struct vy_pv *v = calloc((size_t)mp.n, sizeof *v), *saved = c->slot;
	if (!v)
		vy_bug("out of memory");
	for (int i = 0; i < mp.nparams; i++)
		v[i] = in_reg(c, emit_expr(c, e->args[i]), VY_F32);
	bool fast = c->m.fast;
	vy_buf_printf(&c->body, "\t// %s: the program of src/mathlib.c\n", e->op->id);
	c->m.fast = false;
	c->slot = v;
	for (int i = mp.nparams; i < mp.n; i++)
		v[i] = emit_expr(c, mp.v[i]);
	c->slot = saved;
	c->m.fast = fast;
	struct vy_pv r = v[mp.n - 1];
	free(v);
	vy_arena_free(a);
	return r;
}

static struct vy_pv emit_op(struct ctx *c, const struct vy_expr *e)
{
	if (!e->op || e->op->code >= VY_OP_COUNT) {
		fail(c, "the program still has a non-intrinsic op; composite ops must be inlined before emission");
		return imm("%u", 0);
	}
	enum vy_opcode code = e->op->code;
	if (vy_op_is_atomic(code))
		return emit_atomic(c, e, false);
	if (vy_op_is_library(code))
		return emit_mathlib(c, e);
	if (code == VY_OP_LAND || code == VY_OP_LOR)
		return emit_logic(c, e, code == VY_OP_LAND);
	if (code == VY_OP_SELECT)
		return emit_select(c, e);
	if (e->nargs > 3) {
		fail(c, "an op has too many operands");
		return imm("%u", 0);
	}
	struct vy_pv v[3];
	for (int i = 0; i < e->nargs; i++)
		v[i] = emit_expr(c, e->args[i]);
	switch (code) {
	case VY_OP_LNOT: return op1(c, VY_BOOL, "not.pred", in_reg(c, v[0], VY_BOOL));
	case VY_OP_CAST: return emit_cast(c, e->args[0]->type, e->type, v[0]);
	case VY_OP_BITCAST: return emit_bitcast(c, e->args[0]->type, e->type, v[0]);
	default: return emit_math(c, e, v);
	}
}

static struct vy_pv emit_expr(struct ctx *c, const struct vy_expr *e)
{
	switch (e->kind) {
	case VY_E_CONST:
		if (e->type == VY_BOOL)
			return in_reg(c, imm("%u", e->bits != 0), VY_BOOL);
		return cnst(e->type, e->bits);
	case VY_E_PARAM: return c->param[e->index];
	case VY_E_LOCAL:
		if (e->index < 0 || e->index >= c->p->nlocals || !c->have_local[e->index]) {
			fail(c, "use of a local before its definition");
			return cnst(e->type, 0);
		}
		return c->local[e->index];
	case VY_E_BUILTIN: return emit_builtin(c, e);
	case VY_E_LEN: return c->count[e->index];
	case VY_E_LOAD: return emit_load(c, e);
	case VY_E_OP: return emit_op(c, e);
	case VY_E_SLOT: return c->slot[e->index];
	default:
		fail(c, "the program is not resolved (unexpected name or call node)");
		return cnst(e->type, 0);
	}
}

/* ---- statements ---- */

static void emit_block(struct ctx *c, const struct vy_block *b);

/* Whether v may be used in place of a copy for an immutable local: an
 * immediate, a prologue register or one made after snap (never written
 * again), but not a mutable local's register. */
static bool stable(struct ctx *c, struct vy_pv v, const int *snap, enum vy_type t)
{
	if (!is_reg(v))
		return true;
	int cls = cls_of(t), num = atoi(v.s + (cls == VY_PM_PRED || cls == VY_PM_B32
					       || cls == VY_PM_F32 ? 2 : 3));
	return num <= c->pro[cls] || num > snap[cls];
}

static void set_local(struct ctx *c, int i, struct vy_pv v, const int *snap,
		      bool copy)
{
	enum vy_type t = c->p->locals[i].type;
	if (!copy && stable(c, v, snap, t)) {
		c->local[i] = v;
	} else {
		if (!c->have_local[i] || !c->p->locals[i].mutable)
			c->local[i] = reg(c, t);
		I(c, "mov.%s \t%s, %s;\n", mvt(t), c->local[i].s, v.s);
	}
	c->have_local[i] = true;
}

static void emit_assign(struct ctx *c, const struct vy_stmt *s)
{
	int snap[VY_PM_NCLS];
	memcpy(snap, c->m.nreg, sizeof snap);
	struct vy_pv v = emit_expr(c, s->value);
	if (s->local < 0 || s->local >= c->p->nlocals) {
		fail(c, "assignment to an unknown local");
		return;
	}
	bool mut = c->p->locals[s->local].mutable;
	if (s->kind == VY_S_ASSIGN && !c->have_local[s->local]) {
		fail(c, "assignment to a local before its definition");
		return;
	}
	if (s->kind == VY_S_ASSIGN)
		I(c, "mov.%s \t%s, %s;\n", mvt(c->p->locals[s->local].type),
		  c->local[s->local].s, v.s);
	else
		set_local(c, s->local, v, snap, mut);
}

static void emit_store(struct ctx *c, const struct vy_stmt *s)
{
	struct vy_pv idx = emit_expr(c, s->index);
	struct vy_pv v = emit_expr(c, s->value);
	struct vy_pv a = emit_addr(c, s->space, s->mem, s->index, idx);
	I(c, "st.%s.%s \t[%s], %s;\n", space_of(c, s->space, s->mem, false),
	  tn(s->value->type), a.s, v.s);
}

static void emit_if(struct ctx *c, const struct vy_stmt *s)
{
	struct vy_pv p = emit_pred(c, s->value);
	int l = label(c);
	I(c, "@!%s bra \t$L_%s_%d;\n", p.s, s->els.n ? "else" : "fi", l);
	emit_block(c, &s->body);
	if (s->els.n) {
		I(c, "bra.uni \t$L_fi_%d;\n", l);
		put_label(c, "else", l);
		emit_block(c, &s->els);
	}
	put_label(c, "fi", l);
}

static void loop_body(struct ctx *c, const struct vy_block *b, int l)
{
	if (c->nloops == VY_MAX_DEPTH) {
		fail(c, "loops nest too deeply");
		return;
	}
	c->loops[c->nloops++] = (struct loop){l, l};
	emit_block(c, b);
	c->nloops--;
}

/* A value evaluated once before a loop: copied unless it cannot change. */
static struct vy_pv once(struct ctx *c, const struct vy_expr *e)
{
	int snap[VY_PM_NCLS];
	memcpy(snap, c->m.nreg, sizeof snap);
	struct vy_pv v = emit_expr(c, e);
	if (stable(c, v, snap, e->type))
		return v;
	struct vy_pv r = reg(c, e->type);
	I(c, "mov.%s \t%s, %s;\n", mvt(e->type), r.s, v.s);
	return r;
}

/* Loops with constant bounds of at most UNROLL_TRIPS trips whose body
 * weighs (trips x statements) at most UNROLL_BUDGET are unrolled, so that
 * ptxas folds the counter into shared-memory offsets as nvcc's own
 * unroller would (matmul's inner product: 2 LDS + FFMA a step instead of
 * a counter, address arithmetic and a branch). */
enum { UNROLL_TRIPS = 16, UNROLL_BUDGET = 64 };

/* The statements of b, counting nested ones; *jumps is set where b
 * breaks or continues the loop it is the body of (depth 0). */
static int weigh(const struct vy_block *b, int depth, bool *jumps)
{
	int n = 0;
	for (int i = 0; i < b->n; i++) {
		const struct vy_stmt *s = b->v[i];
		bool loop = s->kind == VY_S_FOR || s->kind == VY_S_WHILE;
		if ((s->kind == VY_S_BREAK || s->kind == VY_S_CONTINUE) && !depth)
			*jumps = true;
		n += 1 + weigh(&s->body, depth + loop, jumps)
		       + weigh(&s->els, depth, jumps);
	}
	return n;
}

/* The trip count of a for loop with constant bounds, stepping exactly as
 * the emitted loop would (32-bit wrap, signed or unsigned compare); -1
 * where it is not constant or too large to unroll. */
static int const_trips(const struct vy_stmt *s, enum vy_type t)
{
	if (s->lo->kind != VY_E_CONST || s->hi->kind != VY_E_CONST
	    || (s->step && s->step->kind != VY_E_CONST))
		return -1;
	uint32_t k = s->lo->bits, hi = s->hi->bits;
	uint32_t st = s->step ? s->step->bits : 1;
	for (int n = 0; n <= UNROLL_TRIPS; n++, k += st) {
		bool go = t == VY_I32
			? (s->step_negative ? (int32_t)k > (int32_t)hi : (int32_t)k < (int32_t)hi)
			: (s->step_negative ? k > hi : k < hi);
		if (!go)
			return n;
	}
	return -1;
}

/* Unrolls s if it qualifies; whether it did. The counter is a register
 * set to each constant in turn (ptxas propagates it). */
static bool emit_unrolled(struct ctx *c, const struct vy_stmt *s, enum vy_type t)
{
	bool jumps = false;
	int n = const_trips(s, t);
	if (n < 0 || c->p->locals[s->local].mutable)
		return false;
	int w = weigh(&s->body, 0, &jumps);
	if (jumps || (long)n * w > UNROLL_BUDGET)
		return false;
	uint32_t k = s->lo->bits, st = s->step ? s->step->bits : 1;
	for (int i = 0; i < n && !c->err; i++, k += st) {
		c->local[s->local] = in_reg(c, cnst(t, k), t);
		c->have_local[s->local] = true;
		emit_block(c, &s->body);
	}
	return true;
}

static void emit_for(struct ctx *c, const struct vy_stmt *s)
{
	if (s->local < 0 || s->local >= c->p->nlocals) {
		fail(c, "for loop over an unknown local");
		return;
	}
	enum vy_type t = c->p->locals[s->local].type;
	if (emit_unrolled(c, s, t))
		return;
	struct vy_pv lo = emit_expr(c, s->lo);
	struct vy_pv k = reg(c, t);
	I(c, "mov.%s \t%s, %s;\n", mvt(t), k.s, lo.s);
	struct vy_pv hi = once(c, s->hi);
	struct vy_pv st = s->step ? once(c, s->step) : imm("%u", 1);
	c->local[s->local] = k;
	c->have_local[s->local] = true;
	int l = label(c);
	put_label(c, "loop", l);
	struct vy_pv p = reg(c, VY_BOOL);
	I(c, "setp.%s.%s \t%s, %s, %s;\n", s->step_negative ? "gt" : "lt", tn(t),
	  p.s, k.s, hi.s);
	I(c, "@!%s bra \t$L_end_%d;\n", p.s, l);
	loop_body(c, &s->body, l);
	put_label(c, "cont", l);
	I(c, "add.%s \t%s, %s, %s;\n", tn(t), k.s, k.s, st.s);
	I(c, "bra.uni \t$L_loop_%d;\n", l);
	put_label(c, "end", l);
}

/* Evaluates the integer or bool expression e where local v holds k;
 * false for anything else (floats, memory, other locals, division). */
static bool eval_int(const struct vy_expr *e, int v, uint32_t k, uint32_t *out)
{
	uint32_t a[2] = {0, 0};
	if (e->kind == VY_E_CONST || (e->kind == VY_E_LOCAL && e->index == v)) {
		*out = e->kind == VY_E_CONST ? e->bits : k;
		return true;
	}
	if (e->kind != VY_E_OP || !e->op || e->nargs > 2 || e->type == VY_F32)
		return false;
	for (int i = 0; i < e->nargs; i++)
		if (e->args[i]->type == VY_F32 || !eval_int(e->args[i], v, k, &a[i]))
			return false;
	bool sg = e->nargs && e->args[0]->type == VY_I32;
	int32_t x = (int32_t)a[0], y = (int32_t)a[1];
	switch (e->op->code) {
	case VY_OP_ADD: *out = a[0] + a[1]; break;
	case VY_OP_SUB: *out = a[0] - a[1]; break;
	case VY_OP_MUL: *out = a[0] * a[1]; break;
	case VY_OP_NEG: *out = 0u - a[0]; break;
	case VY_OP_AND: *out = a[0] & a[1]; break;
	case VY_OP_OR: *out = a[0] | a[1]; break;
	case VY_OP_XOR: *out = a[0] ^ a[1]; break;
	case VY_OP_NOT: *out = ~a[0]; break;
	case VY_OP_SHL: *out = a[0] << (a[1] & 31); break;
	case VY_OP_SHR: *out = sg ? (uint32_t)(x >> (a[1] & 31)) : a[0] >> (a[1] & 31); break;
	case VY_OP_EQ: *out = a[0] == a[1]; break;
	case VY_OP_NE: *out = a[0] != a[1]; break;
	case VY_OP_LT: *out = sg ? x < y : a[0] < a[1]; break;
	case VY_OP_LE: *out = sg ? x <= y : a[0] <= a[1]; break;
	case VY_OP_GT: *out = sg ? x > y : a[0] > a[1]; break;
	case VY_OP_GE: *out = sg ? x >= y : a[0] >= a[1]; break;
	case VY_OP_LAND: *out = a[0] && a[1]; break;
	case VY_OP_LOR: *out = a[0] || a[1]; break;
	case VY_OP_LNOT: *out = !a[0]; break;
	default: return false;
	}
	return true;
}

/* Whether a statement of b (nested ones too) defines or assigns local v. */
static bool writes(const struct vy_block *b, int v)
{
	for (int i = 0; i < b->n; i++) {
		const struct vy_stmt *s = b->v[i];
		if ((s->kind == VY_S_LET || s->kind == VY_S_VAR || s->kind == VY_S_ASSIGN
		     || s->kind == VY_S_FOR) && s->local == v)
			return true;
		if (writes(&s->body, v) || writes(&s->els, v))
			return true;
	}
	return false;
}

/* A counted while: `var v = K` (or `v = K`) right before `while: C(v)`
 * whose body ends in `v = F(v)` and writes v nowhere else, with C and F
 * integer expressions over v and constants (reduce's `s = 128u; while
 * s > 0u ... s = s >> 1u`).  Its trips are known here, so it is unrolled
 * like a constant for loop, v set to each value in turn; false where it
 * does not qualify. */
static bool emit_counted_while(struct ctx *c, const struct vy_stmt *init,
			       const struct vy_stmt *w)
{
	const struct vy_block *b = &w->body;
	if ((init->kind != VY_S_VAR && init->kind != VY_S_ASSIGN) || b->n < 1
	    || init->local < 0 || init->local >= c->p->nlocals
	    || !c->have_local[init->local] || init->value->kind != VY_E_CONST)
		return false;
	int v = init->local;
	enum vy_type t = c->p->locals[v].type;
	const struct vy_stmt *up = b->v[b->n - 1];
	if (t == VY_F32 || t == VY_BOOL || up->kind != VY_S_ASSIGN || up->local != v)
		return false;
	struct vy_block head = { b->n - 1, b->v };
	bool jumps = false;
	int wt = weigh(b, 0, &jumps);
	if (jumps || writes(&head, v))
		return false;
	uint32_t k = init->value->bits, go, trips[UNROLL_TRIPS];
	int n = 0;
	for (;;) {
		if (!eval_int(w->value, v, k, &go))
			return false;
		if (!go)
			break;
		if (n == UNROLL_TRIPS || (long)(n + 1) * wt > UNROLL_BUDGET)
			return false;
		trips[n++] = k;
		if (!eval_int(up->value, v, k, &k))
			return false;
	}
	for (int i = 0; i < n && !c->err; i++) {
		I(c, "mov.b32 \t%s, %s;\n", c->local[v].s, cnst(t, trips[i]).s);
		emit_block(c, b);
	}
	return true;
}

static void emit_while(struct ctx *c, const struct vy_stmt *s)
{
	int l = label(c);
	put_label(c, "cont", l);
	struct vy_pv p = emit_pred(c, s->value);
	I(c, "@!%s bra \t$L_end_%d;\n", p.s, l);
	loop_body(c, &s->body, l);
	I(c, "bra.uni \t$L_cont_%d;\n", l);
	put_label(c, "end", l);
}

static void emit_jump(struct ctx *c, bool brk)
{
	if (!c->nloops) {
		fail(c, "break or continue outside a loop");
		return;
	}
	struct loop *lp = &c->loops[c->nloops - 1];
	I(c, "bra.uni \t$L_%s_%d;\n", brk ? "end" : "cont", brk ? lp->brk : lp->cont);
}

/* "// saxpy.yaml:12": the base name only, so that the bytes (and the
 * manifest's kernel_sha256) do not depend on how the program was named
 * (samples/x.yaml, ./samples/x.yaml, /abs/x.yaml; SPEC §10.9). */
static void line_comment(struct ctx *c, const struct vy_stmt *s)
{
	if (!s->loc.src || !s->loc.src->path || s->loc.line == c->line)
		return;
	c->line = s->loc.line;
	const char *base = strrchr(s->loc.src->path, '/');
	vy_buf_printf(&c->body, "\t// %s:%d\n", base ? base + 1 : s->loc.src->path,
		      s->loc.line);
}

static void emit_stmt(struct ctx *c, const struct vy_stmt *s)
{
	line_comment(c, s);
	switch (s->kind) {
	case VY_S_LET: case VY_S_VAR: case VY_S_ASSIGN: emit_assign(c, s); break;
	case VY_S_STORE: emit_store(c, s); break;
	case VY_S_IF: emit_if(c, s); break;
	case VY_S_FOR: emit_for(c, s); break;
	case VY_S_WHILE: emit_while(c, s); break;
	case VY_S_BREAK: emit_jump(c, true); break;
	case VY_S_CONTINUE: emit_jump(c, false); break;
	case VY_S_RETURN: I(c, "ret;\n"); break;
	case VY_S_BARRIER: I(c, "bar.sync \t0;\n"); break;
	case VY_S_EXPR:
		if (s->value->kind == VY_E_OP && s->value->op
		    && vy_op_is_atomic(s->value->op->code))
			emit_atomic(c, s->value, true);
		else
			emit_expr(c, s->value);
		break;
	}
}

static void emit_block(struct ctx *c, const struct vy_block *b)
{
	for (int i = 0; i < b->n && !c->err; i++) {
		const struct vy_stmt *s = b->v[i];
		if (s->kind == VY_S_WHILE && i > 0 && emit_counted_while(c, b->v[i - 1], s))
			continue;
		emit_stmt(c, s);
	}
}

/* ---- the module ---- */

struct arch { int sm; const char *isa; };

/* The lowest PTX ISA version that supports each target (PTX ISA,
 * "PTX ISA Version" and "Target ISA Notes"). */
static const struct arch arches[] = {
	{70, "6.0"}, {72, "6.1"}, {75, "6.3"}, {80, "7.0"}, {86, "7.1"},
	{87, "7.4"}, {89, "7.8"}, {90, "7.8"}, {0, NULL},
};

static const struct arch *find_arch(int sm)
{
	for (const struct arch *a = arches; a->sm; a++)
		if (a->sm == (sm ? sm : 70))
			return a;
	return NULL;
}

/* Load params, counts and buffer base addresses once, in the prologue. */
static void emit_prologue(struct ctx *c)
{
	const struct vy_program *p = c->p;
	for (int i = 0; i < p->nbuffers; i++) {
		struct vy_pv g = vy_ptxm_reg(&c->m, VY_PM_B64);
		I(c, "ld.param.u64 \t%s, [p_%s];\n", g.s, p->buffers[i].name);
		c->base[i] = vy_ptxm_reg(&c->m, VY_PM_B64);
		I(c, "cvta.to.global.u64 \t%s, %s;\n", c->base[i].s, g.s);
	}
	for (int i = 0; i < p->nparams; i++) {
		c->param[i] = reg(c, p->params[i].type);
		I(c, "ld.param.%s \t%s, [p_%s];\n", tn(p->params[i].type),
		  c->param[i].s, p->params[i].name);
	}
	for (int i = 0; i < p->nbuffers; i++) {
		c->count[i] = reg(c, VY_U32);
		I(c, "ld.param.u32 \t%s, [n_%s];\n", c->count[i].s, p->buffers[i].name);
	}
	memcpy(c->pro, c->m.nreg, sizeof c->pro);
}

static void emit_header(struct ctx *c, const struct arch *a, struct vy_buf *out)
{
	const struct vy_program *p = c->p;
	vy_buf_printf(out, "//\n// Generated by vyrec %s: program %s, target ptx sm_%d\n//\n\n",
		      VY_VERSION, p->name, a->sm);
	vy_buf_printf(out, ".version %s\n.target sm_%d\n.address_size 64\n\n", a->isa, a->sm);
	for (int i = 0; i < p->nshared; i++)
		vy_buf_printf(out, ".shared .align 4 .b32 vy_sh_%s[%u];\n",
			      p->shared[i].name, p->shared[i].count ? p->shared[i].count : 1);
	if (p->nshared)
		vy_buf_puts(out, "\n");
	vy_buf_printf(out, ".visible .entry %s(", p->name);
	const char *sep = "\n\t";
	for (int i = 0; i < p->nbuffers; i++, sep = ",\n\t")
		vy_buf_printf(out, "%s.param .u64 p_%s", sep, p->buffers[i].name);
	for (int i = 0; i < p->nparams; i++, sep = ",\n\t")
		vy_buf_printf(out, "%s.param .%s p_%s", sep, tn(p->params[i].type),
			      p->params[i].name);
	for (int i = 0; i < p->nbuffers; i++, sep = ",\n\t")
		vy_buf_printf(out, "%s.param .u32 n_%s", sep, p->buffers[i].name);
	vy_buf_printf(out, "%s)\n.reqntid %u, %u, %u\n{\n", p->nbuffers + p->nparams ? "\n" : "",
		      p->wgsize[0] ? p->wgsize[0] : 1, p->wgsize[1] ? p->wgsize[1] : 1,
		      p->wgsize[2] ? p->wgsize[2] : 1);
	static const char *const decl[VY_PM_NCLS] = {".pred %p", ".b32 %r", ".f32 %f",
		".b64 %rd", ".f64 %fd"};
	for (int k = 0; k < VY_PM_NCLS; k++)
		if (c->m.nreg[k])
			vy_buf_printf(out, "\t.reg %s<%d>;\n", decl[k], c->m.nreg[k] + 1);
	vy_buf_puts(out, "\n");
}

static int emit(const struct vy_program *p, const struct vy_emit_config *cfg,
		struct vy_buf *out, char **err)
{
	const struct arch *a = find_arch(cfg ? cfg->sm : 0);
	if (!a) {
		*err = vy_strf("unsupported architecture sm_%d\nFix: use --arch sm_70, sm_72, "
			       "sm_75, sm_80, sm_86, sm_87, sm_89 or sm_90", cfg->sm);
		return VY_EMIT_REJECT;
	}
	if (p->nbuffers > VY_MAX_IO || p->nparams > VY_MAX_IO) {
		*err = vy_strf("too many buffers or params");
		return VY_EMIT_REJECT;
	}
	struct ctx c = {.p = p};
	c.m.out = &c.body;
	c.m.fast = cfg && cfg->fast_math;
	int nl = p->nlocals > 0 ? p->nlocals : 1;
	c.local = calloc((size_t)nl, sizeof *c.local);
	c.have_local = calloc((size_t)nl, sizeof *c.have_local);
	c.param = calloc((size_t)p->nparams + 1, sizeof *c.param);
	c.count = calloc((size_t)p->nbuffers + 1, sizeof *c.count);
	c.base = calloc((size_t)p->nbuffers + 1, sizeof *c.base);
	if (!c.local || !c.have_local || !c.param || !c.count || !c.base)
		vy_bug("out of memory");
	emit_prologue(&c);
	emit_block(&c, &p->entry);
	vy_buf_printf(&c.body, "\tret;\n}\n");
	int rc = VY_EMIT_OK;
	if (c.err) {
		*err = c.err;
		rc = VY_EMIT_REJECT;
	} else {
		emit_header(&c, a, out);
		vy_buf_put(out, c.body.data, c.body.len);
	}
	vy_buf_free(&c.body);
	free(c.local), free(c.have_local), free(c.param), free(c.count), free(c.base);
	return rc;
}

const struct vy_aot_emitter vy_emitter_ptx = {
	.id = "ptx",
	.aliases = (const char *const[]){ "secondary_text", NULL },
	.summary = "NVIDIA PTX assembly text",
	.ext = ".ptx",
	.emit = emit,
};
