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
	const char *entry;              /* the entry point's name, NULL: p->name */
	struct vy_buf body;
	struct vy_pm m;                 /* register counters; m.out = &body */
	int pro[VY_PM_NCLS];            /* registers of the prologue */
	struct vy_pv *local;            /* operand of each local */
	bool *have_local;
	struct vy_pv *param, *count, *base;
	struct loop loops[VY_MAX_DEPTH];
	int nloops, nlabels, line;
	bool debug_info;      /* -g: .file 1 and a .loc per statement */
	char *err;
	struct vy_pv *slot;             /* values of the math-library program */
	/* VY_NOWRAP address walk (nw_addr): the value of each let (for
	 * good: letgen -1, else while letgen == gen, gen counting labels, and
	 * no var it reads was assigned after letstamp: vstamp, tick); the
	 * addresses formed since the last label (an assignment drops those
	 * of its var) */
	const struct vy_expr **letval;
	int *letgen, gen, *letstamp, *vstamp, tick;
	struct nwa { int mem; uint32_t j; char x[24], k[24]; struct vy_pv a; } nwa[64];
	int nnwa;
};

#define I(c, ...) vy_buf_printf(&(c)->body, "\t" __VA_ARGS__)

/* ---- types and operands ---- */

static int cls_of(enum vy_type t)
{
	if (t == VY_F64 || t == VY_U64 || t == VY_I64)   /* SPEC §10.1 */
		return t == VY_F64 ? VY_PM_F64 : VY_PM_B64;
	return t == VY_BOOL ? VY_PM_PRED : t == VY_F32 ? VY_PM_F32 : VY_PM_B32;
}

static bool is64(enum vy_type t)
{
	return t == VY_F64 || t == VY_U64 || t == VY_I64;
}

static const char *tn(enum vy_type t)
{
	return vy_type_info(t)->ptx_reg;
}

/* The type suffix of a plain move or select. */
static const char *mvt(enum vy_type t)
{
	if (is64(t))
		return t == VY_F64 ? "f64" : "b64";
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

/* An immediate of any type from its bits (all 64 for f64 u64 i64). */
static struct vy_pv cnst64(enum vy_type t, uint64_t bits)
{
	struct vy_pv v = {0};
	if (!is64(t))
		return cnst(t, (uint32_t)bits);
	if (t == VY_F64)
		snprintf(v.s, sizeof v.s, "0d%016llX", (unsigned long long)bits);
	else if (t == VY_I64)
		snprintf(v.s, sizeof v.s, "%lld", (long long)bits);
	else
		snprintf(v.s, sizeof v.s, "%lluU", (unsigned long long)bits);
	return v;
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

static void nw_clear(struct ctx *c)
{
	c->nnwa = 0;
	c->gen++;
}

static void put_label(struct ctx *c, const char *kind, int n)
{
	nw_clear(c);   /* a join: an address formed before may not be defined */
	vy_buf_printf(&c->body, "$L_%s_%d:\n", kind, n);
}

static void fail(struct ctx *c, const char *msg)
{
	if (!c->err)
		c->err = vy_strf("%s", msg);
}

static struct vy_pv emit_expr(struct ctx *c, const struct vy_expr *e);

/* ---- memory ---- */

/* The PTX name of private array mem: vy_pr_NAME, or vy_pr_NAME$K for the
 * K-th of an earlier array's name (arrays of sibling blocks). */
static const char *pr_name(const struct vy_program *p, int mem, char buf[160])
{
	const char *n = p->privates[mem].name;
	int k = 0;
	for (int i = 0; i < mem; i++)
		k += !strcmp(p->privates[i].name, n);
	if (k)
		snprintf(buf, 160, "vy_pr_%s$%d", n, k);
	else
		snprintf(buf, 160, "vy_pr_%s", n);
	return buf;
}

/* Private arrays (SPEC §10.3) that vy_scalarise left: .local arrays
 * vy_pr_NAME of the entry, addressed with 32 bits as shared ones. */
static struct vy_pv private_addr(struct ctx *c, int mem, struct vy_pv idx)
{
	const struct vy_privdecl *d = &c->p->privates[mem];
	char nm[160];
	unsigned es = vy_type_size(d->type);
	struct vy_pv a = {0};
	if (!is_reg(idx)) {
		char t[200];
		long long off = strtoll(idx.s, NULL, 10) * es;
		snprintf(t, sizeof t, "%s%+lld", pr_name(c->p, mem, nm), off);
		if (strlen(t) < sizeof a.s) {
			memcpy(a.s, t, strlen(t) + 1);
			return a;
		}
		struct vy_pv b = reg(c, VY_U32);   /* a long name: through a register */
		I(c, "mov.u32 \t%s, %s;\n", b.s, nm);
		I(c, "add.u32 \t%s, %s, %lld;\n", b.s, b.s, off);
		return b;
	}
	struct vy_pv b = reg(c, VY_U32);
	I(c, "mov.u32 \t%s, %s;\n", b.s, pr_name(c->p, mem, nm));
	return op3(c, VY_U32, "mad.lo.s32", idx, imm("%u", es), b);
}

/* var a: T[N] = v: a loop storing v to each element. */
static void emit_fill(struct ctx *c, const struct vy_stmt *s)
{
	const struct vy_privdecl *d = &c->p->privates[s->mem];
	char nm[160];
	struct vy_pv v = in_reg(c, emit_expr(c, s->value), d->type);
	struct vy_pv a = reg(c, VY_U32), p = reg(c, VY_BOOL);
	int l = label(c);
	I(c, "mov.u32 \t%s, %s;\n", a.s, pr_name(c->p, s->mem, nm));
	put_label(c, "fill", l);
	I(c, "st.local.%s \t[%s], %s;\n", tn(d->type), a.s, v.s);
	I(c, "add.u32 \t%s, %s, %u;\n", a.s, a.s, vy_type_size(d->type));
	I(c, "setp.lt.u32 \t%s, %s, %s+%u;\n", p.s, a.s, pr_name(c->p, s->mem, nm),
	  d->count * vy_type_size(d->type));
	I(c, "@%s bra \t$L_fill_%d;\n", p.s, l);
}

/* ---- the VY_NOWRAP address walk ----
 * A buffer index X + Y whose add is marked VY_NOWRAP (src/opt.c, nowrap:
 * a guard before the loop proved that it does not wrap, nor Y = k * j)
 * is the 64-bit address base + X*size + Y*size: with X's address P known,
 * P + zext(Y)*size; and where copy j-1's address (X + k*(j-1)) was formed
 * since the last label (and its X and k not assigned since), copy j's is
 * it plus zext(k)*size, the pointer walk nvcc makes of `a[i * n + k]`.
 * Lets are seen through while no var they read was assigned. */
static const struct vy_expr *nw_see(struct ctx *c, const struct vy_expr *e)
{
	for (int n = 0; n < 4 && e->kind == VY_E_LOCAL && e->index >= 0 &&
	     e->index < c->p->nlocals && !c->p->locals[e->index].mutable &&
	     c->letval && c->letval[e->index] &&
	     (c->letgen[e->index] < 0 || c->letgen[e->index] == c->gen); n++) {
		/* not if a var it reads was assigned since */
		const struct vy_expr *v = c->letval[e->index];
		int st = c->letstamp[e->index];
		for (int i = -1; i < v->nargs; i++) {
			const struct vy_expr *a = i < 0 ? v : v->args[i];
			if (a->kind == VY_E_LOCAL && a->index >= 0 && a->index < c->p->nlocals &&
			    c->p->locals[a->index].mutable && c->vstamp[a->index] > st)
				return e;
		}
		e = v;
	}
	return e;
}

/* Whether e reads no var (its value as a let's is then for good). */
static bool nw_novar(const struct ctx *c, const struct vy_expr *e)
{
	if (e->kind == VY_E_LOCAL)
		return e->index >= 0 && e->index < c->p->nlocals && !c->p->locals[e->index].mutable;
	if (e->kind == VY_E_LOAD || (e->kind != VY_E_OP && e->nargs))
		return false;
	for (int i = 0; i < e->nargs; i++)
		if (!nw_novar(c, e->args[i]))
			return false;
	return true;
}

static bool nw_leaf(const struct vy_expr *e)
{
	return e->type == VY_U32 && (e->kind == VY_E_LOCAL || e->kind == VY_E_PARAM ||
				     e->kind == VY_E_CONST);
}

static struct vy_pv *nw_get(struct ctx *c, int mem, const char *x, const char *k, uint32_t j)
{
	for (int i = 0; i < c->nnwa; i++) {
		struct nwa *w = &c->nwa[i];
		if (w->mem == mem && w->j == j && !strcmp(w->x, x) && !strcmp(w->k, k))
			return &w->a;
	}
	return NULL;
}

static void nw_put(struct ctx *c, int mem, const char *x, const char *k, uint32_t j,
		   struct vy_pv a)
{
	if (c->nnwa == 64 || strlen(x) >= 24 || strlen(k) >= 24 || nw_get(c, mem, x, k, j))
		return;
	struct nwa *w = &c->nwa[c->nnwa++];
	w->mem = mem;
	w->j = j;
	strcpy(w->x, x);
	strcpy(w->k, k);
	w->a = a;
}

/* zext(u) * es + b (b 64-bit), as mul.wide + add.s64: ptxas makes that
 * one IMAD.WIDE.U32 (of mad.wide.u32 it hoists a 64-bit u * es instead) */
static struct vy_pv nw_madw(struct ctx *c, struct vy_pv u, unsigned es, struct vy_pv b)
{
	struct vy_pv a = vy_ptxm_reg(&c->m, VY_PM_B64);
	if (!is_reg(u)) {
		I(c, "add.s64 \t%s, %s, %llu;\n", a.s, b.s, strtoull(u.s, NULL, 10) * es);
		return a;
	}
	struct vy_pv off = vy_ptxm_reg(&c->m, VY_PM_B64);
	I(c, "mul.wide.u32 \t%s, %s, %u;\n", off.s, u.s, es);
	I(c, "add.s64 \t%s, %s, %s;\n", a.s, b.s, off.s);
	return a;
}

static bool nw_addr(struct ctx *c, int mem, const struct vy_expr *ie, unsigned es,
		    struct vy_pv *out)
{
	const struct vy_expr *e = nw_see(c, ie);
	if (e->kind != VY_E_OP || !e->op || e->op->code != VY_OP_ADD || e->axis != VY_NOWRAP ||
	    e->type != VY_U32 || e->nargs != 2 || !nw_leaf(e->args[0]) ||
	    e->args[0]->kind == VY_E_CONST || !nw_leaf(e->args[1]))
		return false;
	struct vy_pv x = emit_expr(c, e->args[0]);   /* a register: no code */
	/* Y = k * j (the _srk let), or k itself (j = 1) */
	const struct vy_expr *y = nw_see(c, e->args[1]), *k = NULL;
	uint32_t j = 1;
	if (nw_leaf(y)) {
		k = y;
	} else if (y->kind == VY_E_OP && y->op && y->op->code == VY_OP_MUL && y->type == VY_U32 &&
		   y->nargs == 2) {
		for (int i = 0; i < 2; i++)
			if (y->args[i]->kind == VY_E_CONST && nw_leaf(y->args[1 - i]) &&
			    y->args[1 - i]->kind != VY_E_CONST) {
				k = y->args[1 - i];
				j = y->args[i]->bits;
			}
	}
	struct vy_pv *p = nw_get(c, mem, x.s, "", 0), a;
	if (!p) {
		a = nw_madw(c, x, es, c->base[mem]);
		nw_put(c, mem, x.s, "", 0, a);
		p = nw_get(c, mem, x.s, "", 0);
		if (!p)
			return *out = a, true;
	}
	struct vy_pv base = *p, kv = k ? emit_expr(c, k) : (struct vy_pv){ 0 };
	struct vy_pv *prev = k && j ? (j == 1 ? &base : nw_get(c, mem, x.s, kv.s, j - 1)) : NULL;
	if (prev) {
		a = nw_madw(c, kv, es, *prev);
	} else {
		a = nw_madw(c, emit_expr(c, e->args[1]), es, base);
	}
	if (k && j)
		nw_put(c, mem, x.s, kv.s, j, a);
	*out = a;
	return true;
}

/* The address operand (without brackets) of element idx of a memory. */
static struct vy_pv emit_addr(struct ctx *c, enum vy_space sp, int mem,
			      const struct vy_expr *ie, struct vy_pv idx)
{
	struct vy_pv a = {0};
	if (sp == VY_SPACE_PRIVATE)
		return private_addr(c, mem, idx);
	bool sh = sp == VY_SPACE_SHARED;
	const char *name = sh ? c->p->shared[mem].name : c->base[mem].s;
	/* buffers hold elements of their type's size (x3 vectors 16 bytes);
	 * shared arrays words (a vector one word per component, the 64-bit
	 * types 8 bytes) */
	enum vy_type mt = vy_mem_type(c->p, sp, mem);
	unsigned es = sh ? (vy_type_is64(mt) ? 8 : 4 * vy_type_lanes(mt)) : vy_type_stride(mt);
	if (!is_reg(idx)) {   /* constant index: fold into the address */
		long long off = strtoll(idx.s, NULL, 10) * es;
		snprintf(a.s, sizeof a.s, sh ? "vy_sh_%s%+lld" : "%s%+lld",
			 name, off);
		return a;
	}
	if (sh) {
		struct vy_pv b = reg(c, VY_U32);
		I(c, "mov.u32 \t%s, vy_sh_%s;\n", b.s, name);
		return op3(c, VY_U32, "mad.lo.s32", idx, imm("%u", es), b);
	}
	if (ie->type == VY_U32 && nw_addr(c, mem, ie, es, &a))
		return a;
	struct vy_pv off = vy_ptxm_reg(&c->m, VY_PM_B64);
	I(c, "mul.wide.%s \t%s, %s, %u;\n", ie->type == VY_I32 ? "s32" : "u32",
	  off.s, idx.s, es);
	a = vy_ptxm_reg(&c->m, VY_PM_B64);
	I(c, "add.s64 \t%s, %s, %s;\n", a.s, c->base[mem].s, off.s);
	if (ie->type == VY_U32) {   /* X: the start of a walk (nw_addr) */
		const struct vy_expr *x = nw_see(c, ie);
		if (x->kind == VY_E_LOCAL || x->kind == VY_E_PARAM)
			nw_put(c, mem, emit_expr(c, x).s, "", 0, a);
	}
	return a;
}

/* The state-space part of a memory instruction. */
static const char *space_of(struct ctx *c, enum vy_space sp, int mem, bool load)
{
	if (sp == VY_SPACE_SHARED)
		return "shared";
	if (sp == VY_SPACE_PRIVATE)
		return "local";
	return load && c->p->buffers[mem].access == VY_READ_ONLY ? "global.nc"
								 : "global";
}

/* a + bytes, as an address operand (component j of a vector element) */
static struct vy_pv addr_plus(struct vy_pv a, unsigned bytes)
{
	if (!bytes)
		return a;
	struct vy_pv r = a;
	char t[96];
	const char *pm = strpbrk(a.s + 1, "+-");
	if (pm)   /* a folded constant offset: fold this one in too */
		snprintf(t, sizeof t, "%.*s%+lld", (int)(pm - a.s), a.s,
			 strtoll(pm, NULL, 10) + (long long)bytes);
	else
		snprintf(t, sizeof t, "%s+%u", a.s, bytes);
	snprintf(r.s, sizeof r.s, "%.23s", t);
	return r;
}

/* Bytes from a vector element to its component j: a buffer's f16 bits
 * (F16SXN) are 2 bytes apart, other components and shared words 4. */
static unsigned comp_off(const struct ctx *c, enum vy_space sp, int mem, int j)
{
	enum vy_type el = vy_type_elem(vy_mem_type(c->p, sp, mem));
	return (sp == VY_SPACE_BUFFER ? vy_type_size(el) : 4) * (unsigned)j;
}

static struct vy_pv emit_load(struct ctx *c, const struct vy_expr *e)
{
	struct vy_pv idx = emit_expr(c, e->args[0]);
	struct vy_pv a = emit_addr(c, e->space, e->index, e->args[0], idx);
	enum vy_type mt = vy_type_elem(vy_mem_type(c->p, e->space, e->index));
	a = addr_plus(a, comp_off(c, e->space, e->index, e->axis));
	if (vy_type_info(mt)->cls == VY_TC_STORAGE && e->space == VY_SPACE_BUFFER) {
		/* ld.u8/s8/u16/s16 widen into the 32-bit register (SPEC §10.1) */
		struct vy_pv w = reg(c, mt == VY_BF16 ? VY_U32 : e->type);
		I(c, "ld.%s.%s \t%s, [%s];\n", space_of(c, e->space, e->index, true),
		  vy_type_info(mt)->ptx_mem, w.s, a.s);
		if (mt != VY_BF16)
			return w;
		struct vy_pv hi = op2(c, VY_U32, "shl.b32", w, imm("%u", 16));
		return op1(c, VY_F32, "mov.b32", hi);
	}
	struct vy_pv r = reg(c, e->type);
	I(c, "ld.%s.%s \t%s, [%s];\n", space_of(c, e->space, e->index, true),
	  tn(e->type), r.s, a.s);
	return r;
}

/* f32 v to bf16 bits in a b32 register: nearest even, a NaN made quiet. */
static struct vy_pv bf16_bits(struct ctx *c, struct vy_pv v)
{
	struct vy_pv x = op1(c, VY_U32, "mov.b32", in_reg(c, v, VY_F32));
	struct vy_pv hi = op2(c, VY_U32, "shr.u32", x, imm("%u", 16));
	struct vy_pv odd = op2(c, VY_U32, "and.b32", hi, imm("%u", 1));
	struct vy_pv t = op2(c, VY_U32, "add.u32", x, imm("%u", 0x7fff));
	struct vy_pv rne = op2(c, VY_U32, "shr.u32", op2(c, VY_U32, "add.u32", t, odd),
			       imm("%u", 16));
	struct vy_pv q = op2(c, VY_U32, "or.b32", hi, imm("%u", 0x40));
	struct vy_pv mag = op2(c, VY_U32, "and.b32", x, imm("%u", 0x7fffffff));
	struct vy_pv nan = op2(c, VY_BOOL, "setp.gt.u32", mag, imm("%u", 0x7f800000));
	return op3(c, VY_U32, "selp.b32", q, rne, nan);
}

/* A value stored to a storage-type element: buffers take the low bits
 * (st.u8 …), so only bf16 needs work; a shared word gets the value a
 * narrow element would give back. Returns the operand and its st type. */
static struct vy_pv store_value(struct ctx *c, const struct vy_stmt *s,
				struct vy_pv v, const char **st)
{
	enum vy_type mt = vy_type_elem(vy_mem_type(c->p, s->space, s->mem));
	const struct vy_typeinfo *ti = vy_type_info(mt);
	enum vy_type vt = s->value->type;
	*st = tn(vt);
	if (ti->cls != VY_TC_STORAGE)
		return v;
	bool sh = s->space == VY_SPACE_SHARED;
	if (mt == VY_BF16) {
		struct vy_pv b = bf16_bits(c, v);
		*st = sh ? "b32" : ti->ptx_mem;
		return sh ? op2(c, VY_U32, "shl.b32", b, imm("%u", 16)) : b;
	}
	v = in_reg(c, v, vt);
	if (!sh) {
		*st = ti->ptx_mem;
		return v;
	}
	unsigned k = 32 - 8 * ti->size;
	if (ti->spv_signed)
		return op2(c, vt, "shr.s32", op2(c, vt, "shl.b32", v, imm("%u", k)),
			   imm("%u", k));
	return op2(c, vt, "and.b32", v, imm("%u", ti->size == 1 ? 0xffu : 0xffffu));
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
	if (t == VY_F32) {   /* f32 atomic.add (SPEC §10.2): red/atom .add.f32 */
		ty = "f32";
		v = in_reg(c, v, t);
	}
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

/* ---- subgroups (SPEC §10.4): a warp of 32 ----
 * Warps hold consecutive flat local indices, the last one partial; the
 * divergence rule leaves every invocation of a warp active at a subgroup
 * op, so its member mask is that of the warp's existing lanes. */

enum { SG_WARP = 32 };

static uint32_t sg_wg_size(const struct ctx *c)
{
	const uint32_t *w = c->p->wgsize;
	return (w[0] ? w[0] : 1) * (w[1] ? w[1] : 1) * (w[2] ? w[2] : 1);
}

/* The flat local index lid.x + lid.y*wgsize.x + lid.z*wgsize.x*wgsize.y. */
static struct vy_pv sg_flat(struct ctx *c)
{
	const uint32_t *w = c->p->wgsize;
	struct vy_pv f = special(c, "tid", 0);
	if (w[1] > 1)
		f = op3(c, VY_U32, "mad.lo.u32", special(c, "tid", 1), imm("%u", w[0]), f);
	if (w[2] > 1)
		f = op3(c, VY_U32, "mad.lo.u32", special(c, "tid", 2), imm("%u", w[0] * w[1]), f);
	return f;
}

static struct vy_pv sg_builtin(struct ctx *c, int which)
{
	switch (which) {
	case VY_SG_SIZE: return imm("%u", SG_WARP);
	case VY_SG_LANE: return op2(c, VY_U32, "and.b32", sg_flat(c), imm("%u", SG_WARP - 1));
	case VY_SG_ID: return op2(c, VY_U32, "shr.u32", sg_flat(c), imm("%u", 5));
	}
	return imm("%u", (sg_wg_size(c) + SG_WARP - 1) / SG_WARP);   /* sg.count */
}

/* The member mask of this warp: all ones, or the lanes of a partial last
 * warp. */
static struct vy_pv sg_mask(struct ctx *c)
{
	uint32_t w = sg_wg_size(c), tail = w % SG_WARP;
	if (!tail)
		return imm("0x%08x", 0xffffffffu);
	struct vy_pv last = op2(c, VY_BOOL, "setp.eq.u32", sg_builtin(c, VY_SG_ID),
				imm("%u", w / SG_WARP));
	return op3(c, VY_U32, "selp.b32", imm("0x%08x", (1u << tail) - 1),
		   imm("0x%08x", 0xffffffffu), last);
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
	case VY_B_SG: return sg_builtin(c, e->axis);
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
		/* u32 by a power of two: a shift or a mask, as nvcc's front end
		 * writes it (ptxas keeps div.u32 by an immediate a reciprocal
		 * sequence of some 16 instructions) */
		if (t == VY_U32 && be->bits > 1 && !(be->bits & (be->bits - 1)))
			return rem ? op2(c, t, "and.b32", in_reg(c, a, t), imm("%u", be->bits - 1)) :
				     op2(c, t, "shr.u32", in_reg(c, a, t),
					 imm("%u", (uint32_t)__builtin_ctz(be->bits)));
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
			return op3(c, t, is64(t) ? (t == VY_F64 ? "selp.f64" : "selp.b64") :
				   t == VY_F32 ? "selp.f32" : "selp.b32", a, b, p);
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

/* ---- the lowering table ---- */

/* How emit_op lowers an op.  P_EXPR rows get the unevaluated expression
 * (lazy operands, atomics); the rest get the operands' values v:
 * P_OP1 ins[t] on v0 in a register, P_OP2 ins[t] on v0 v1 (P_OP2R: v0 in
 * a register), P_OP3 ins[t] on v0 v1 v2, P_MATH the sequences of
 * emitters/ptx_math.c, P_FN fn.  ins is by type: pred, u32, s32, f32
 * (t the result type; compare rows: the operands'). */
enum ptx_form { P_NONE, P_EXPR, P_OP1, P_OP2, P_OP2R, P_OP3, P_MATH, P_FN };

struct ptx_row {
	enum ptx_form form;
	const char *ins[4];
	struct vy_pv (*fn)(struct ctx *c, const struct vy_expr *e, struct vy_pv *v);
	struct vy_pv (*ex)(struct ctx *c, const struct vy_expr *e);
};

static const struct ptx_row ptx_ops[VY_OP_COUNT];

static const char *row_ins(const struct vy_expr *e, enum vy_type t)
{
	return ptx_ops[e->op->code].ins[t - VY_BOOL];
}

static struct vy_pv emit_compare(struct ctx *c, const struct vy_expr *e,
				 struct vy_pv *v)
{
	enum vy_type t = e->args[0]->type;
	if (t == VY_BOOL) {
		struct vy_pv x = op2(c, VY_BOOL, "xor.pred", in_reg(c, v[0], t), in_reg(c, v[1], t));
		return e->op->code == VY_OP_NE ? x : op1(c, VY_BOOL, "not.pred", x);
	}
	return op2(c, VY_BOOL, row_ins(e, t), v[0], v[1]);
}

static struct vy_pv emit_div(struct ctx *c, const struct vy_expr *e, struct vy_pv *v)
{
	if (e->type == VY_F32)   /* --fast-math: 2 ulp over the full range */
		return op2(c, e->type, c->m.fast ? "div.full.f32" : "div.rn.f32", v[0], v[1]);
	return emit_idiv(c, e->type, v[0], v[1], e->args[1], false);
}

static struct vy_pv emit_rem(struct ctx *c, const struct vy_expr *e, struct vy_pv *v)
{
	return emit_idiv(c, e->type, v[0], v[1], e->args[1], true);
}

/* PTX clamps amounts above 31; vyrec takes them mod 32 */
static struct vy_pv emit_shift(struct ctx *c, const struct vy_expr *e, struct vy_pv *v)
{
	const struct vy_expr *be = e->args[1];
	struct vy_pv s = be->kind == VY_E_CONST ? imm("%u", be->bits & 31)
		: op2(c, be->type, "and.b32", v[1], imm("%u", 31));
	return op2(c, e->type, row_ins(e, e->type), in_reg(c, v[0], e->type), s);
}

static struct vy_pv emit_cast_op(struct ctx *c, const struct vy_expr *e, struct vy_pv *v)
{
	return emit_cast(c, e->args[0]->type, e->type, v[0]);
}

static struct vy_pv emit_bitcast_op(struct ctx *c, const struct vy_expr *e, struct vy_pv *v)
{
	return emit_bitcast(c, e->args[0]->type, e->type, v[0]);
}

static struct vy_pv emit_clamp(struct ctx *c, const struct vy_expr *e, struct vy_pv *v)
{
	enum vy_type t = e->type;
	char n[32];
	struct vy_pv lo = op2(c, t, OPN(n, "max.%s", tn(t)), in_reg(c, v[0], t), v[1]);
	return op2(c, t, OPN(n, "min.%s", tn(t)), lo, v[2]);
}

static struct vy_pv emit_abs(struct ctx *c, const struct vy_expr *e, struct vy_pv *v)
{
	enum vy_type t = e->type;
	if (t == VY_U32)
		return v[0];
	if (t == VY_F32)
		return op1(c, t, "abs.f32", in_reg(c, v[0], t));
	/* max(x, -x): abs(MIN) = MIN whatever abs.s32 does there */
	return op2(c, t, "max.s32", v[0], op1(c, t, "neg.s32", in_reg(c, v[0], t)));
}

static struct vy_pv emit_sign_op(struct ctx *c, const struct vy_expr *e, struct vy_pv *v)
{
	return emit_sign(c, e->type, in_reg(c, v[0], e->type));
}

static struct vy_pv emit_fract(struct ctx *c, const struct vy_expr *e, struct vy_pv *v)
{
	struct vy_pv x = in_reg(c, v[0], e->type);
	return op2(c, e->type, "sub.rn.f32", x, op1(c, e->type, "cvt.rmi.f32.f32", x));
}

static struct vy_pv emit_sqrt(struct ctx *c, const struct vy_expr *e, struct vy_pv *v)
{
	return op1(c, e->type, c->m.fast ? "sqrt.approx.f32" : "sqrt.rn.f32",
		   in_reg(c, v[0], e->type));
}

/* two correct roundings: within 1 ulp */
static struct vy_pv emit_rsqrt(struct ctx *c, const struct vy_expr *e, struct vy_pv *v)
{
	enum vy_type t = e->type;
	if (c->m.fast)
		return op1(c, t, "rsqrt.approx.f32", in_reg(c, v[0], t));
	return op1(c, t, "rcp.rn.f32", op1(c, t, "sqrt.rn.f32", in_reg(c, v[0], t)));
}

static struct vy_pv emit_mix_op(struct ctx *c, const struct vy_expr *e, struct vy_pv *v)
{
	(void)e;
	return emit_mix(c, v);
}

static struct vy_pv emit_step(struct ctx *c, const struct vy_expr *e, struct vy_pv *v)
{
	enum vy_type t = e->type;
	struct vy_pv lt = op2(c, VY_BOOL, "setp.lt.f32", in_reg(c, v[1], t), v[0]);
	return op3(c, t, "selp.f32", imm("0f%08X", 0), imm("0f%08X", 0x3f800000), lt);
}

static struct vy_pv emit_ctz(struct ctx *c, const struct vy_expr *e, struct vy_pv *v)
{
	enum vy_type t = e->type;
	return op1(c, t, "clz.b32", op1(c, t, "brev.b32", in_reg(c, v[0], t)));
}

static struct vy_pv emit_land(struct ctx *c, const struct vy_expr *e)
{
	return emit_logic(c, e, true);
}

static struct vy_pv emit_lor(struct ctx *c, const struct vy_expr *e)
{
	return emit_logic(c, e, false);
}

static struct vy_pv emit_atomic_op(struct ctx *c, const struct vy_expr *e)
{
	return emit_atomic(c, e, false);
}

static struct vy_pv emit_math_op(struct ctx *c, const struct vy_expr *e, struct vy_pv *v)
{
	enum vy_opcode code = e->op->code;
	vy_buf_printf(&c->body, "\t// %s: %s sequence, see emitters/ptx_math.c\n",
		      e->op->id, c->m.fast ? ".approx" : "f64");
	struct vy_pv x = in_reg(c, v[0], VY_F32);
	struct vy_pv y = e->nargs > 1 ? in_reg(c, v[1], VY_F32) : x;
	return vy_ptxm_op(&c->m, code, x, y);
}

/* A subgroup reduction (SPEC §10.4), every type in the SPEC's order, the
 * xor butterfly (redux.sync needs sm_80): for h = 16 .. 1, x = x +
 * shfl.bfly(x, h), a partner outside the member mask giving the identity. */
static struct vy_pv sg_reduce(struct ctx *c, const struct vy_expr *e, struct vy_pv *v)
{
	static const enum vy_opcode comb[] = {
		[VY_OP_SG_ADD - VY_OP_SG_ADD] = VY_OP_ADD, [VY_OP_SG_MIN - VY_OP_SG_ADD] = VY_OP_MIN,
		[VY_OP_SG_MAX - VY_OP_SG_ADD] = VY_OP_MAX, [VY_OP_SG_AND - VY_OP_SG_ADD] = VY_OP_AND,
		[VY_OP_SG_OR - VY_OP_SG_ADD] = VY_OP_OR, [VY_OP_SG_XOR - VY_OP_SG_ADD] = VY_OP_XOR,
	};
	enum vy_opcode code = e->op->code, k = comb[code - VY_OP_SG_ADD];
	enum vy_type t = e->type;
	int f = t == VY_F32, s = t == VY_I32;
	uint32_t id = code == VY_OP_SG_MIN ? (f ? 0x7F800000u : s ? 0x7FFFFFFFu : 0xFFFFFFFFu) :
		      code == VY_OP_SG_MAX ? (f ? 0xFF800000u : s ? 0x80000000u : 0) :
		      code == VY_OP_SG_AND ? 0xFFFFFFFFu : 0;
	struct vy_pv mask = in_reg(c, sg_mask(c), VY_U32), lane = sg_builtin(c, VY_SG_LANE);
	struct vy_pv x = in_reg(c, v[0], t);
	vy_buf_printf(&c->body, "\t// %s: the xor butterfly\n", e->op->id);
	for (uint32_t h = SG_WARP / 2; h >= 1; h /= 2) {
		struct vy_pv y = reg(c, t);
		I(c, "shfl.sync.bfly.b32 \t%s, %s, %u, 0x1f, %s;\n", y.s, x.s, h, mask.s);
		struct vy_pv bit = op2(c, VY_U32, "shr.b32", mask,
				       op2(c, VY_U32, "xor.b32", lane, imm("%u", h)));
		bit = op2(c, VY_U32, "and.b32", bit, imm("%u", 1));
		struct vy_pv on = op2(c, VY_BOOL, "setp.ne.u32", bit, imm("%u", 0));
		y = op3(c, t, f ? "selp.f32" : "selp.b32", y, cnst(t, id), on);
		x = in_reg(c, op2(c, t, ptx_ops[k].ins[t - VY_BOOL], x, y), t);
	}
	return x;
}

/* inclusive_add, exclusive_add: the Hillis-Steele order with shfl.up. */
static struct vy_pv sg_scan(struct ctx *c, const struct vy_expr *e, struct vy_pv *v)
{
	enum vy_type t = e->type;
	const char *add = ptx_ops[VY_OP_ADD].ins[t - VY_BOOL];
	const char *sel = t == VY_F32 ? "selp.f32" : "selp.b32";
	struct vy_pv mask = in_reg(c, sg_mask(c), VY_U32), x = in_reg(c, v[0], t);
	vy_buf_printf(&c->body, "\t// %s: the Hillis-Steele scan\n", e->op->id);
	for (uint32_t h = 1; h < SG_WARP; h *= 2) {
		struct vy_pv y = reg(c, t), p = reg(c, VY_BOOL);
		I(c, "shfl.sync.up.b32 \t%s|%s, %s, %u, 0, %s;\n", y.s, p.s, x.s, h, mask.s);
		x = op3(c, t, sel, op2(c, t, add, x, y), x, p);
	}
	if (e->op->code == VY_OP_SG_EXCLUSIVE_ADD) {
		struct vy_pv y = reg(c, t), p = reg(c, VY_BOOL);
		I(c, "shfl.sync.up.b32 \t%s|%s, %s, 1, 0, %s;\n", y.s, p.s, x.s, mask.s);
		x = op3(c, t, sel, y, cnst(t, 0), p);
	}
	return x;
}

/* broadcast, broadcast_first, the shuffles: one shfl.sync. */
static struct vy_pv sg_shuffle(struct ctx *c, const struct vy_expr *e, struct vy_pv *v)
{
	enum vy_type t = e->type;
	enum vy_opcode code = e->op->code;
	struct vy_pv mask = in_reg(c, sg_mask(c), VY_U32), x = in_reg(c, v[0], t), r = reg(c, t);
	struct vy_pv b = code == VY_OP_SG_BROADCAST_FIRST ? imm("%u", 0) : v[1];
	const char *mode = code == VY_OP_SG_SHUFFLE_XOR ? "bfly" : code == VY_OP_SG_SHUFFLE_UP ? "up" :
			   code == VY_OP_SG_SHUFFLE_DOWN ? "down" : "idx";
	I(c, "shfl.sync.%s.b32 \t%s, %s, %s, %s, %s;\n", mode, r.s, x.s, b.s,
	  code == VY_OP_SG_SHUFFLE_UP ? "0" : "0x1f", mask.s);
	return r;
}

/* all, any: vote.sync; elect: the lowest lane of the member mask, 0. */
static struct vy_pv sg_vote(struct ctx *c, const struct vy_expr *e, struct vy_pv *v)
{
	if (e->op->code == VY_OP_SG_ELECT)
		return op2(c, VY_BOOL, "setp.eq.u32", sg_builtin(c, VY_SG_LANE), imm("%u", 0));
	struct vy_pv mask = in_reg(c, sg_mask(c), VY_U32), r = reg(c, VY_BOOL);
	I(c, "vote.sync.%s.pred \t%s, %s, %s;\n", e->op->code == VY_OP_SG_ALL ? "all" : "any",
	  r.s, in_reg(c, v[0], VY_BOOL).s, mask.s);
	return r;
}

/* ballot word k (vyrec_ops.def): word 0 is vote.sync.ballot.b32 over the
 * member mask, the upper words of a 32-lane warp are 0. */
static struct vy_pv sg_ballot(struct ctx *c, const struct vy_expr *e, struct vy_pv *v)
{
	const struct vy_expr *w = e->nargs > 1 ? e->args[1] : NULL;   /* no word: word 0 */
	if (w && w->kind == VY_E_CONST && w->bits)
		return imm("%u", 0);
	struct vy_pv mask = in_reg(c, sg_mask(c), VY_U32), r = reg(c, VY_U32);
	I(c, "vote.sync.ballot.b32 \t%s, %s, %s;\n", r.s, in_reg(c, v[0], VY_BOOL).s, mask.s);
	if (!w || w->kind == VY_E_CONST)
		return r;
	struct vy_pv lo = op2(c, VY_BOOL, "setp.eq.u32", v[1], imm("%u", 0));
	return op3(c, VY_U32, "selp.b32", r, imm("%u", 0), lo);
}

#define INT_(u, s) { NULL, u, s, NULL }
#define NUM_(u, s, f) { NULL, u, s, f }
#define F32_(f) { NULL, NULL, NULL, f }
#define FN_(f) { P_FN, { NULL }, f, NULL }
#define EX_(f) { P_EXPR, { NULL }, NULL, f }
#define MATH_ { P_MATH, { NULL }, NULL, NULL }
#define CMP_(x, nu) { P_FN, { NULL, "setp." x ".u32", "setp." x ".s32", "setp." nu ".f32" }, emit_compare, NULL }

static const struct ptx_row ptx_ops[VY_OP_COUNT] = {
	[VY_OP_ADD] = { P_OP2, NUM_("add.u32", "add.s32", "add.rn.f32") },
	[VY_OP_SUB] = { P_OP2, NUM_("sub.u32", "sub.s32", "sub.rn.f32") },
	[VY_OP_MUL] = { P_OP2, NUM_("mul.lo.u32", "mul.lo.s32", "mul.rn.f32") },
	[VY_OP_DIV] = FN_(emit_div),
	[VY_OP_REM] = FN_(emit_rem),
	[VY_OP_NEG] = { P_OP1, NUM_("neg.s32", "neg.s32", "neg.f32") },
	[VY_OP_AND] = { P_OP2, INT_("and.b32", "and.b32") },
	[VY_OP_OR] = { P_OP2, INT_("or.b32", "or.b32") },
	[VY_OP_XOR] = { P_OP2, INT_("xor.b32", "xor.b32") },
	[VY_OP_NOT] = { P_OP1, INT_("not.b32", "not.b32") },
	[VY_OP_SHL] = { P_FN, INT_("shl.b32", "shl.b32"), emit_shift, NULL },
	[VY_OP_SHR] = { P_FN, INT_("shr.u32", "shr.s32"), emit_shift, NULL },
	[VY_OP_EQ] = CMP_("eq", "eq"),
	[VY_OP_NE] = CMP_("ne", "neu"),   /* NaN != x is true */
	[VY_OP_LT] = CMP_("lt", "lt"),
	[VY_OP_LE] = CMP_("le", "le"),
	[VY_OP_GT] = CMP_("gt", "gt"),
	[VY_OP_GE] = CMP_("ge", "ge"),
	[VY_OP_LAND] = EX_(emit_land),
	[VY_OP_LOR] = EX_(emit_lor),
	[VY_OP_LNOT] = { P_OP1, { "not.pred", NULL, NULL, NULL } },
	[VY_OP_SELECT] = EX_(emit_select),
	[VY_OP_CAST] = FN_(emit_cast_op),
	[VY_OP_BITCAST] = FN_(emit_bitcast_op),
	[VY_OP_FMA] = { P_OP3, F32_("fma.rn.f32") },
	[VY_OP_MIN] = { P_OP2R, NUM_("min.u32", "min.s32", "min.f32") },
	[VY_OP_MAX] = { P_OP2R, NUM_("max.u32", "max.s32", "max.f32") },
	[VY_OP_CLAMP] = FN_(emit_clamp),
	[VY_OP_ABS] = FN_(emit_abs),
	[VY_OP_SIGN] = FN_(emit_sign_op),
	[VY_OP_FLOOR] = { P_OP1, F32_("cvt.rmi.f32.f32") },
	[VY_OP_CEIL] = { P_OP1, F32_("cvt.rpi.f32.f32") },
	[VY_OP_ROUND] = { P_OP1, F32_("cvt.rni.f32.f32") },
	[VY_OP_TRUNC] = { P_OP1, F32_("cvt.rzi.f32.f32") },
	[VY_OP_FRACT] = FN_(emit_fract),
	[VY_OP_SQRT] = FN_(emit_sqrt),
	[VY_OP_RSQRT] = FN_(emit_rsqrt),
	[VY_OP_EXP] = MATH_,
	[VY_OP_EXP2] = MATH_,
	[VY_OP_LOG] = MATH_,
	[VY_OP_LOG2] = MATH_,
	[VY_OP_POW] = MATH_,
	[VY_OP_SIN] = MATH_,
	[VY_OP_COS] = MATH_,
	[VY_OP_TAN] = MATH_,
	[VY_OP_TANH] = MATH_,
	[VY_OP_MIX] = FN_(emit_mix_op),
	[VY_OP_STEP] = FN_(emit_step),
	[VY_OP_POPCOUNT] = { P_OP1, INT_("popc.b32", "popc.b32") },
	[VY_OP_CLZ] = { P_OP1, INT_("clz.b32", "clz.b32") },
	[VY_OP_CTZ] = FN_(emit_ctz),
	[VY_OP_REVERSE_BITS] = { P_OP1, INT_("brev.b32", "brev.b32") },
	[VY_OP_MULHI] = { P_OP2R, INT_("mul.hi.u32", "mul.hi.s32") },
	[VY_OP_ATOMIC_ADD] = EX_(emit_atomic_op),
	[VY_OP_ATOMIC_SUB] = EX_(emit_atomic_op),
	[VY_OP_ATOMIC_MIN] = EX_(emit_atomic_op),
	[VY_OP_ATOMIC_MAX] = EX_(emit_atomic_op),
	[VY_OP_ATOMIC_AND] = EX_(emit_atomic_op),
	[VY_OP_ATOMIC_OR] = EX_(emit_atomic_op),
	[VY_OP_ATOMIC_XOR] = EX_(emit_atomic_op),
	[VY_OP_ATOMIC_EXCHANGE] = EX_(emit_atomic_op),
	[VY_OP_ATOMIC_COMPARE_EXCHANGE] = EX_(emit_atomic_op),
	[VY_OP_SG_ADD] = FN_(sg_reduce),
	[VY_OP_SG_MIN] = FN_(sg_reduce),
	[VY_OP_SG_MAX] = FN_(sg_reduce),
	[VY_OP_SG_AND] = FN_(sg_reduce),
	[VY_OP_SG_OR] = FN_(sg_reduce),
	[VY_OP_SG_XOR] = FN_(sg_reduce),
	[VY_OP_SG_INCLUSIVE_ADD] = FN_(sg_scan),
	[VY_OP_SG_EXCLUSIVE_ADD] = FN_(sg_scan),
	[VY_OP_SG_BROADCAST] = FN_(sg_shuffle),
	[VY_OP_SG_BROADCAST_FIRST] = FN_(sg_shuffle),
	[VY_OP_SG_SHUFFLE] = FN_(sg_shuffle),
	[VY_OP_SG_SHUFFLE_XOR] = FN_(sg_shuffle),
	[VY_OP_SG_SHUFFLE_UP] = FN_(sg_shuffle),
	[VY_OP_SG_SHUFFLE_DOWN] = FN_(sg_shuffle),
	[VY_OP_SG_ALL] = FN_(sg_vote),
	[VY_OP_SG_ANY] = FN_(sg_vote),
	[VY_OP_SG_ELECT] = FN_(sg_vote),
	[VY_OP_SG_BALLOT] = FN_(sg_ballot),
};

bool vy_ptx_lowers(enum vy_opcode code)
{
	return code < VY_OP_COUNT && (ptx_ops[code].form != P_NONE || vy_op_is_library(code));
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
		v[i] = in_reg(c, emit_expr(c, e->args[i]), mp.ptype);
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

/* ---- the 64-bit types f64 u64 i64 (SPEC §10.1) ----
 * One path for every op whose operand or result type is 64-bit: PTX's
 * .u64/.s64/.f64 instructions, with the rules of the 32-bit path (mod-64
 * shifts, the VM's division values, saturating casts with NaN to 0). */

/* The PTX type of a cast's or an op's side: u32 s32 f32 u64 s64 f64. */
static const char *pt(enum vy_type t)
{
	return vy_type_info(t)->ptx_reg;
}

static struct vy_pv cast64(struct ctx *c, enum vy_type from, enum vy_type to,
			   struct vy_pv v)
{
	char n[48];
	bool ffl = from == VY_F32 || from == VY_F64, tfl = to == VY_F32 || to == VY_F64;
	if (from == to)
		return v;
	if (from == VY_BOOL) {
		v = in_reg(c, v, VY_BOOL);
		return op3(c, to, OPN(n, "selp.%s", mvt(to)), tfl ? (to == VY_F64 ?
			   cnst64(to, 0x3FF0000000000000ull) : imm("0f%08X", 0x3f800000)) :
			   cnst64(to, 1), cnst64(to, 0), v);
	}
	v = in_reg(c, v, from);
	if (to == VY_BOOL)
		return op2(c, to, OPN(n, "setp.%s.%s", ffl ? "neu" : "ne", ffl ? pt(from) :
			   (is64(from) ? "b64" : "b32")), v, cnst64(from, 0));
	if (ffl && tfl)
		return op1(c, to, OPN(n, "cvt%s.%s.%s", to == VY_F32 ? ".rn" : "", pt(to),
				      pt(from)), v);
	if (tfl)
		return op1(c, to, OPN(n, "cvt.rn.%s.%s", pt(to), pt(from)), v);
	if (ffl) {   /* cvt.rzi saturates; NaN to 0 explicitly */
		struct vy_pv r = op1(c, to, OPN(n, "cvt.rzi.%s.%s", pt(to), pt(from)), v);
		struct vy_pv nan = op2(c, VY_BOOL, OPN(n, "setp.nan.%s", pt(from)), v, v);
		return op3(c, to, OPN(n, "selp.%s", mvt(to)), cnst64(to, 0), r, nan);
	}
	if (vy_type_size(from) == vy_type_size(to))
		return v;   /* the bits kept */
	/* widen by the source's signedness (cvt.s64.s32 sign-extends),
	 * narrow to the low bits */
	return op1(c, to, OPN(n, "cvt.%s.%s", pt(to), pt(from)), v);
}

static struct vy_pv idiv64(struct ctx *c, enum vy_type t, struct vy_pv a,
			   struct vy_pv b, bool rem)
{
	char n[32];
	a = in_reg(c, a, t);
	b = in_reg(c, b, t);
	struct vy_pv z = op2(c, VY_BOOL, "setp.eq.s64", b, cnst64(VY_I64, 0));
	struct vy_pv bad = z;
	if (t == VY_I64) {
		struct vy_pv pa = op2(c, VY_BOOL, "setp.eq.s64", a, cnst64(VY_I64, 0x8000000000000000ull));
		struct vy_pv pb = op2(c, VY_BOOL, "setp.eq.s64", b, cnst64(VY_I64, ~0ull));
		bad = op2(c, VY_BOOL, "or.pred", z, op2(c, VY_BOOL, "and.pred", pa, pb));
	}
	struct vy_pv bs = op3(c, t, "selp.b64", cnst64(t, 1), b, bad);
	struct vy_pv q = op2(c, t, OPN(n, "%s.%s", rem ? "rem" : "div", pt(t)), a, bs);
	if (t == VY_I64)   /* MIN / -1 = MIN, MIN % -1 = 0 */
		q = op3(c, t, "selp.b64", rem ? cnst64(t, 0) : a, q,
			op2(c, VY_BOOL, "and.pred", op1(c, VY_BOOL, "not.pred", z), bad));
	return op3(c, t, "selp.b64", rem ? a : cnst64(t, ~0ull), q, z);
}

static struct vy_pv emit_op64(struct ctx *c, const struct vy_expr *e)
{
	enum vy_opcode k = e->op->code;
	enum vy_type t = e->type, at = e->nargs ? e->args[0]->type : t;
	bool f = t == VY_F64, sg = t == VY_I64;
	char n[48];
	struct vy_pv v[3];
	for (int i = 0; i < e->nargs && i < 3; i++)
		v[i] = emit_expr(c, e->args[i]);
	switch (k) {
	case VY_OP_CAST: return cast64(c, at, t, v[0]);
	case VY_OP_BITCAST:
		if ((at == VY_F64) == (t == VY_F64))
			return v[0];
		if (!is_reg(v[0]))
			v[0] = in_reg(c, v[0], at);
		return op1(c, t, "mov.b64", v[0]);
	case VY_OP_ADD: case VY_OP_SUB: case VY_OP_MUL:
		return op2(c, t, OPN(n, "%s%s.%s", k == VY_OP_ADD ? "add" : k == VY_OP_SUB ?
				     "sub" : "mul", f ? ".rn" : k == VY_OP_MUL ? ".lo" : "",
				     pt(t)), in_reg(c, v[0], t), v[1]);
	case VY_OP_DIV:
		if (f)
			return op2(c, t, "div.rn.f64", in_reg(c, v[0], t), v[1]);
		return idiv64(c, t, v[0], v[1], false);
	case VY_OP_REM: return idiv64(c, t, v[0], v[1], true);
	case VY_OP_NEG: return op1(c, t, f ? "neg.f64" : "neg.s64", in_reg(c, v[0], t));
	case VY_OP_AND: return op2(c, t, "and.b64", in_reg(c, v[0], t), v[1]);
	case VY_OP_OR: return op2(c, t, "or.b64", in_reg(c, v[0], t), v[1]);
	case VY_OP_XOR: return op2(c, t, "xor.b64", in_reg(c, v[0], t), v[1]);
	case VY_OP_NOT: return op1(c, t, "not.b64", in_reg(c, v[0], t));
	case VY_OP_SHL: case VY_OP_SHR: {   /* amounts mod 64 */
		const struct vy_expr *be = e->args[1];
		struct vy_pv s = be->kind == VY_E_CONST ? imm("%u", be->bits & 63)
			: op2(c, be->type, "and.b32", v[1], imm("%u", 63));
		return op2(c, t, k == VY_OP_SHL ? "shl.b64" : sg ? "shr.s64" : "shr.u64",
			   in_reg(c, v[0], t), s);
	}
	case VY_OP_EQ: case VY_OP_NE: case VY_OP_LT: case VY_OP_LE: case VY_OP_GT:
	case VY_OP_GE: {
		static const char *const cmp[] = { "eq", "ne", "lt", "le", "gt", "ge" };
		const char *o = cmp[k - VY_OP_EQ];
		if (k == VY_OP_NE && at == VY_F64)
			o = "neu";   /* NaN != x is true */
		return op2(c, VY_BOOL, OPN(n, "setp.%s.%s", o, pt(at)),
			   in_reg(c, v[0], at), v[1]);
	}
	case VY_OP_FMA:
		return op3(c, t, "fma.rn.f64", in_reg(c, v[0], t), v[1], v[2]);
	case VY_OP_MIN: case VY_OP_MAX:
		return op2(c, t, OPN(n, "%s.%s", k == VY_OP_MIN ? "min" : "max", pt(t)),
			   in_reg(c, v[0], t), v[1]);
	case VY_OP_CLAMP: {
		struct vy_pv lo = op2(c, t, OPN(n, "max.%s", pt(t)), in_reg(c, v[0], t), v[1]);
		return op2(c, t, OPN(n, "min.%s", pt(t)), lo, v[2]);
	}
	case VY_OP_ABS:
		if (t == VY_U64)
			return v[0];
		if (f)
			return op1(c, t, "abs.f64", in_reg(c, v[0], t));
		return op2(c, t, "max.s64", in_reg(c, v[0], t),
			   op1(c, t, "neg.s64", in_reg(c, v[0], t)));
	case VY_OP_SIGN: {
		struct vy_pv x = in_reg(c, v[0], t), z = cnst64(t, 0);
		if (t == VY_U64)
			return op3(c, t, "selp.b64", cnst64(t, 1), z,
				   op2(c, VY_BOOL, "setp.ne.u64", x, z));
		struct vy_pv gt = op2(c, VY_BOOL, OPN(n, "setp.gt.%s", pt(t)), x, z);
		struct vy_pv lt = op2(c, VY_BOOL, OPN(n, "setp.lt.%s", pt(t)), x, z);
		struct vy_pv one = f ? cnst64(t, 0x3FF0000000000000ull) : cnst64(t, 1);
		struct vy_pv mone = f ? cnst64(t, 0xBFF0000000000000ull) : cnst64(t, ~0ull);
		struct vy_pv r = op3(c, t, OPN(n, "selp.%s", mvt(t)), one, f ? x : z, gt);
		return op3(c, t, OPN(n, "selp.%s", mvt(t)), mone, r, lt);
	}
	case VY_OP_FLOOR: return op1(c, t, "cvt.rmi.f64.f64", in_reg(c, v[0], t));
	case VY_OP_CEIL: return op1(c, t, "cvt.rpi.f64.f64", in_reg(c, v[0], t));
	case VY_OP_ROUND: return op1(c, t, "cvt.rni.f64.f64", in_reg(c, v[0], t));
	case VY_OP_TRUNC: return op1(c, t, "cvt.rzi.f64.f64", in_reg(c, v[0], t));
	case VY_OP_SQRT: return op1(c, t, "sqrt.rn.f64", in_reg(c, v[0], t));
	default:
		break;
	}
	fail(c, "an op on a 64-bit type has no ptx lowering");
	return cnst64(t, 0);
}

/* math.f16_bits and math.f16_value (src/lower_f16.c): PTX's own
 * conversions (round to nearest even, subnormals kept, overflow to inf),
 * with NaNs settled as src/mathlib.c's programs settle them (f16_bits:
 * 0x7fff; f16_value: the payload shifted in), so the bits are the other
 * targets' whatever the hardware does with a NaN. */
static struct vy_pv emit_f16(struct ctx *c, const struct vy_expr *e)
{
	bool bits = e->op->code == VY_OP_F16_BITS;
	struct vy_pv a = in_reg(c, emit_expr(c, e->args[0]), bits ? VY_F32 : VY_U32);
	struct vy_pv d = reg(c, bits ? VY_U32 : VY_F32);
	if (bits) {
		I(c, "{ .reg .b16 %%h; .reg .pred %%n;\n");
		I(c, "cvt.rn.f16.f32 \t%%h, %s;\n", a.s);
		I(c, "cvt.u32.u16 \t%s, %%h;\n", d.s);
		I(c, "setp.nan.f32 \t%%n, %s, %s;\n", a.s, a.s);
		I(c, "selp.b32 \t%s, 32767, %s, %%n; }\n", d.s, d.s);
		return d;
	}
	/* a NaN: sign << 31 | 0x7f800000 | (bits & 0x7fff) << 13, as
	 * ((s32)(bits << 16) >> 3) | 0x7f800000 (the sign fills bits 28-31,
	 * the or sets 23-30); NaN-ness from the conversion itself */
	I(c, "{ .reg .b16 %%h; .reg .b32 %%t; .reg .f32 %%q; .reg .pred %%n;\n");
	I(c, "cvt.u16.u32 \t%%h, %s;\n", a.s);
	I(c, "cvt.f32.f16 \t%s, %%h;\n", d.s);
	I(c, "setp.nan.f32 \t%%n, %s, %s;\n", d.s, d.s);
	I(c, "shl.b32 \t%%t, %s, 16;\n", a.s);
	I(c, "shr.s32 \t%%t, %%t, 3;\n");
	I(c, "or.b32 \t%%t, %%t, 2139095040;\n");
	I(c, "mov.b32 \t%%q, %%t;\n");
	I(c, "selp.f32 \t%s, %%q, %s, %%n; }\n", d.s, d.s);
	return d;
}

static struct vy_pv emit_op(struct ctx *c, const struct vy_expr *e)
{
	if (!e->op || e->op->code >= VY_OP_COUNT) {
		fail(c, "the program still has a non-intrinsic op; composite ops must be inlined before emission");
		return imm("%u", 0);
	}
	if (e->op->code == VY_OP_F16_BITS || e->op->code == VY_OP_F16_VALUE)
		return emit_f16(c, e);
	if (vy_op_is_library(e->op->code))   /* src/mathlib.c's ops */
		return emit_mathlib(c, e);
	const struct ptx_row *r = &ptx_ops[e->op->code];
	enum vy_type t = e->type;
	if (r->form != P_EXPR && (is64(t) || (e->nargs && is64(e->args[0]->type))))
		return emit_op64(c, e);
	if (r->form == P_EXPR)
		return r->ex(c, e);
	if (e->nargs > 3) {
		fail(c, "an op has too many operands");
		return imm("%u", 0);
	}
	struct vy_pv v[3];
	for (int i = 0; i < e->nargs; i++)
		v[i] = emit_expr(c, e->args[i]);
	const char *ins = r->ins[t - VY_BOOL];
	switch (r->form) {
	case P_OP1: return op1(c, t, ins, in_reg(c, v[0], t));
	case P_OP2: return op2(c, t, ins, v[0], v[1]);
	case P_OP2R: return op2(c, t, ins, in_reg(c, v[0], t), v[1]);
	case P_OP3: return op3(c, t, ins, v[0], v[1], v[2]);
	case P_MATH: return emit_math_op(c, e, v);
	case P_FN: return r->fn(c, e, v);
	case P_NONE:
	case P_EXPR:
		break;
	}
	vy_bug("ptx: op %s has no lowering", e->op->id);
}

static struct vy_pv emit_expr(struct ctx *c, const struct vy_expr *e)
{
	switch (e->kind) {
	case VY_E_CONST:
		if (e->type == VY_BOOL)
			return in_reg(c, imm("%u", e->bits != 0), VY_BOOL);
		return cnst64(e->type, vy_const_bits(e));
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
	if (s->kind != VY_S_LET) {   /* a var changed: addresses from it are stale */
		const char *r = c->local[s->local].s;
		int n = 0;
		for (int i = 0; i < c->nnwa; i++)
			if (strcmp(c->nwa[i].x, r) && strcmp(c->nwa[i].k, r))
				c->nwa[n++] = c->nwa[i];
		c->nnwa = n;
		c->vstamp[s->local] = ++c->tick;
	} else {
		c->letval[s->local] = s->value;
		c->letgen[s->local] = nw_novar(c, s->value) ? -1 : c->gen;
		c->letstamp[s->local] = c->tick;
	}
}

static void emit_store(struct ctx *c, const struct vy_stmt *s)
{
	struct vy_pv idx = emit_expr(c, s->index);
	struct vy_pv v = emit_expr(c, s->value);
	struct vy_pv a = addr_plus(emit_addr(c, s->space, s->mem, s->index, idx),
				   comp_off(c, s->space, s->mem, s->comp));
	const char *st;
	v = store_value(c, s, v, &st);
	I(c, "st.%s.%s \t[%s], %s;\n", space_of(c, s->space, s->mem, false),
	  st, a.s, v.s);
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

static void emit_for(struct ctx *c, const struct vy_stmt *s)
{
	if (s->local < 0 || s->local >= c->p->nlocals) {
		fail(c, "for loop over an unknown local");
		return;
	}
	enum vy_type t = c->p->locals[s->local].type;
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
	if (c->debug_info && s->loc.line > 0)   /* -g: file 1 is the YAML */
		vy_buf_printf(&c->body, "\t.loc 1 %d %d\n", s->loc.line,
			      s->loc.col > 0 ? s->loc.col : 0);
	switch (s->kind) {
	case VY_S_LET: case VY_S_VAR: case VY_S_ASSIGN: emit_assign(c, s); break;
	case VY_S_STORE: emit_store(c, s); break;
	case VY_S_ARRAY: emit_fill(c, s); break;
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

/* A vector access group (vy_vec_group) as one ld/st .v2/.v4: an x3
 * load reads its element's 16 bytes with ld.v4 (the 4th lane unused), an
 * x3 store is three st (so the padding is never written), and a shared
 * x3 array (12-byte elements) is accessed component by component. */
static bool emit_group(struct ctx *c, struct vy_stmt *const *v, int n)
{
	bool load = v[0]->kind == VY_S_LET;
	const struct vy_expr *ix = load ? v[0]->value->args[0] : v[0]->index;
	enum vy_space sp = load ? v[0]->value->space : v[0]->space;
	int mem = load ? v[0]->value->index : v[0]->mem;
	enum vy_type el = vy_type_elem(vy_mem_type(c->p, sp, mem));
	/* f16 bits (F16S): ld/st .u16 lanes in 32-bit registers; words in shared */
	const char *mt = el != VY_F16S ? tn(el) : sp == VY_SPACE_BUFFER ? "u16" : "u32";
	if (el == VY_F16S)
		el = VY_U32;
	if (n == 3 && (!load || sp == VY_SPACE_SHARED))
		return false;
	line_comment(c, v[0]);
	int snap[VY_PM_NCLS];
	memcpy(snap, c->m.nreg, sizeof snap);
	struct vy_pv r[4];
	if (!load)
		for (int j = 0; j < n; j++)
			r[j] = in_reg(c, emit_expr(c, v[j]->value), el);
	struct vy_pv idx = emit_expr(c, ix);
	struct vy_pv a = emit_addr(c, sp, mem, ix, idx);
	int w = n == 3 ? 4 : n;
	if (load) {
		for (int j = 0; j < w; j++)
			r[j] = reg(c, el);
		I(c, "ld.%s.v%d.%s 	{%s, %s%s%s%s%s}, [%s];\n", space_of(c, sp, mem, true), w,
		  mt, r[0].s, r[1].s, w > 2 ? ", " : "", w > 2 ? r[2].s : "",
		  w > 2 ? ", " : "", w > 2 ? r[3].s : "", a.s);
		for (int j = 0; j < n; j++)
			set_local(c, v[j]->local, r[j], snap, false);
	} else {
		I(c, "st.%s.v%d.%s 	[%s], {%s, %s%s%s%s%s};\n", space_of(c, sp, mem, false), w,
		  mt, a.s, r[0].s, r[1].s, w > 2 ? ", " : "", w > 2 ? r[2].s : "",
		  w > 2 ? ", " : "", w > 2 ? r[3].s : "");
	}
	return true;
}

static void emit_block(struct ctx *c, const struct vy_block *b)
{
	for (int i = 0; i < b->n && !c->err; i++) {
		int g = vy_vec_group(c->p, b, i);
		if (g && emit_group(c, b->v + i, g)) {
			i += g - 1;
			continue;
		}
		emit_stmt(c, b->v[i]);
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
		c->param[i] = reg(c, vy_param_repr(p->params[i].type));
		I(c, "ld.param.%s \t%s, [p_%s];\n", tn(vy_param_repr(p->params[i].type)),
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
	if (c->debug_info) {   /* -g: the base name, as the line comments (SPEC §10.9) */
		const char *path = p->src && p->src->path ? p->src->path : "program.yaml";
		const char *base = strrchr(path, '/');
		vy_buf_puts(out, ".file 1 \"");
		for (const char *q = base ? base + 1 : path; *q; q++)
			vy_buf_printf(out, *q == '"' || *q == '\\' ? "\\%c" : "%c", *q);
		vy_buf_puts(out, "\"\n\n");
	}
	for (int i = 0; i < p->nshared; i++) {
		bool w = vy_type_is64(p->shared[i].type);
		vy_buf_printf(out, ".shared .align %u .b%d vy_sh_%s[%u];\n",
			      w ? 8 : vy_type_lanes(p->shared[i].type) > 1 ? 16 : 4, w ? 64 : 32,
			      p->shared[i].name, (p->shared[i].count ? p->shared[i].count : 1) *
			      vy_type_lanes(p->shared[i].type));
	}
	if (p->nshared)
		vy_buf_puts(out, "\n");
	vy_buf_printf(out, ".visible .entry %s(", c->entry ? c->entry : p->name);
	const char *sep = "\n\t";
	for (int i = 0; i < p->nbuffers; i++, sep = ",\n\t")
		vy_buf_printf(out, "%s.param .u64 p_%s", sep, p->buffers[i].name);
	for (int i = 0; i < p->nparams; i++, sep = ",\n\t")
		vy_buf_printf(out, "%s.param .%s p_%s", sep, tn(vy_param_repr(p->params[i].type)),
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
	char nm[160];
	for (int i = 0; i < p->nprivate; i++)   /* SPEC §10.3 */
		vy_buf_printf(out, "\t.local .align %u .b8 %s[%u];\n",
			      vy_type_size(p->privates[i].type), pr_name(p, i, nm),
			      p->privates[i].count * vy_type_size(p->privates[i].type));
	vy_buf_puts(out, "\n");
}

static int emit(const struct vy_program *p, const struct vy_emit_config *cfg,
		struct vy_buf *out, char **err)
{
	const struct arch *a = find_arch(cfg ? cfg->sm : 0);
	if (!a)
		return vy_emit_reject(cfg, err, VY_FIX_NEWLINE, "use --arch sm_70, sm_72, sm_75, "
				      "sm_80, sm_86, sm_87, sm_89 or sm_90",
				      "unsupported architecture sm_%d", cfg ? cfg->sm : 0);
	if (p->nbuffers > VY_MAX_IO || p->nparams > VY_MAX_IO) {
		*err = vy_strf("too many buffers or params");
		return VY_EMIT_REJECT;
	}
	struct ctx c = {.p = p, .entry = cfg ? cfg->entry_point : NULL};
	c.m.out = &c.body;
	c.m.fast = cfg && cfg->fast_math;
	c.debug_info = cfg && cfg->debug_info;
	int nl = p->nlocals > 0 ? p->nlocals : 1;
	c.local = calloc((size_t)nl, sizeof *c.local);
	c.have_local = calloc((size_t)nl, sizeof *c.have_local);
	c.param = calloc((size_t)p->nparams + 1, sizeof *c.param);
	c.count = calloc((size_t)p->nbuffers + 1, sizeof *c.count);
	c.base = calloc((size_t)p->nbuffers + 1, sizeof *c.base);
	c.letval = calloc((size_t)nl, sizeof *c.letval);
	c.letgen = calloc((size_t)nl, sizeof *c.letgen);
	c.letstamp = calloc((size_t)nl, sizeof *c.letstamp);
	c.vstamp = calloc((size_t)nl, sizeof *c.vstamp);
	if (!c.local || !c.have_local || !c.param || !c.count || !c.base || !c.letval ||
	    !c.letgen || !c.letstamp || !c.vstamp)
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
	free(c.letval), free(c.letgen), free(c.letstamp), free(c.vstamp);
	return rc;
}

const struct vy_aot_emitter vy_emitter_ptx = {
	.id = "ptx",
	.aliases = (const char *const[]){ "secondary_text", NULL },
	.summary = "NVIDIA PTX assembly text",
	.ext = ".ptx",
	.passes = VY_PASS_UNROLL | VY_PASS_SCALARISE | VY_PASS_MEM | VY_PASS_PARTIAL | VY_PASS_NOWRAP,   /* ptxas folds each trip's constant */
	.emit = emit,
};
