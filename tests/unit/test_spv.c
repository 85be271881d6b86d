/*
 * test_spv.c: unit test of the spv emitter over hand-built IR, so it needs
 * no front end.  Every program is emitted for vulkan1.0..1.3 at -O0 and
 * -O2 and must pass the in-process validator; output must be identical
 * across two emissions; the disassembly must show the ABI decorations.
 * With `run`, the ops and control-flow kernels are dispatched on the
 * Vulkan backend (lavapipe) and every element is compared with the value
 * doc/SEMANTICS.md prescribes, computed here in C.
 *
 *   test_spv OUTDIR [run]
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vyrec.h"

static int fails;
#define CHECK(name, cond, ...) do { if (cond) printf("PASS %s\n", name); \
	else { printf("FAIL %s: ", name); printf(__VA_ARGS__); printf("\n"); fails++; } } while (0)

/* ---- IR construction ---- */

static void *mk(size_t n)
{
	static unsigned char pool[1 << 22];
	static size_t used;
	void *p = pool + used;
	used += (n + 15) & ~(size_t)15;
	if (used > sizeof pool)
		abort();
	return p;
}

static struct vy_expr *node(enum vy_expr_kind k, enum vy_type t)
{
	struct vy_expr *e = mk(sizeof *e);
	e->kind = k;
	e->type = t;
	return e;
}

static struct vy_expr *cu(uint32_t v)
{
	struct vy_expr *e = node(VY_E_CONST, VY_U32);
	e->bits = v;
	return e;
}

static struct vy_expr *ci(int32_t v)
{
	struct vy_expr *e = node(VY_E_CONST, VY_I32);
	e->bits = (uint32_t)v;
	return e;
}

static struct vy_expr *par(int i, enum vy_type t)
{
	struct vy_expr *e = node(VY_E_PARAM, t);
	e->index = i;
	return e;
}

static struct vy_expr *loc(int i, enum vy_type t)
{
	struct vy_expr *e = node(VY_E_LOCAL, t);
	e->index = i;
	return e;
}

static struct vy_expr *bi(enum vy_builtin b, int axis)
{
	struct vy_expr *e = node(VY_E_BUILTIN, VY_U32);
	e->index = b;
	e->axis = axis;
	return e;
}

static struct vy_expr *ld(enum vy_space sp, int mem, enum vy_type t,
			  struct vy_expr *idx)
{
	struct vy_expr *e = node(VY_E_LOAD, t);
	e->space = sp;
	e->index = mem;
	e->nargs = 1;
	e->args = mk(sizeof *e->args);
	e->args[0] = idx;
	return e;
}

/* op CODE with result type t over n args */
static struct vy_expr *op(enum vy_opcode code, enum vy_type t, int n, ...)
{
	struct vy_expr *e = node(VY_E_OP, t);
	va_list ap;
	e->op = vy_builtin_op(code);
	e->name = e->op->id;
	e->nargs = n;
	e->args = mk(n * sizeof *e->args);
	va_start(ap, n);
	for (int i = 0; i < n; i++)
		e->args[i] = va_arg(ap, struct vy_expr *);
	va_end(ap);
	return e;
}

static struct vy_expr *cast(enum vy_opcode code, enum vy_type to,
			    struct vy_expr *x)
{
	struct vy_expr *e = op(code, to, 1, x);
	e->cast_to = to;
	return e;
}

static struct vy_stmt *st(enum vy_stmt_kind k)
{
	struct vy_stmt *s = mk(sizeof *s);
	s->kind = k;
	return s;
}

static struct vy_stmt *let(enum vy_stmt_kind k, int local, struct vy_expr *v)
{
	struct vy_stmt *s = st(k);
	s->local = local;
	s->value = v;
	return s;
}

static struct vy_stmt *store(enum vy_space sp, int mem, struct vy_expr *idx,
			     struct vy_expr *v)
{
	struct vy_stmt *s = st(VY_S_STORE);
	s->space = sp;
	s->mem = mem;
	s->index = idx;
	s->value = v;
	return s;
}

static struct vy_stmt *sexpr(struct vy_expr *v)
{
	struct vy_stmt *s = st(VY_S_EXPR);
	s->value = v;
	return s;
}

/* A block of n statements. */
static struct vy_block blk(int n, ...)
{
	struct vy_block b = { n, mk(n * sizeof(struct vy_stmt *)) };
	va_list ap;
	va_start(ap, n);
	for (int i = 0; i < n; i++)
		b.v[i] = va_arg(ap, struct vy_stmt *);
	va_end(ap);
	return b;
}

static struct vy_stmt *sif(struct vy_expr *c, struct vy_block then,
			   struct vy_block els)
{
	struct vy_stmt *s = st(VY_S_IF);
	s->value = c;
	s->body = then;
	s->els = els;
	return s;
}

static struct vy_stmt *sfor(int local, struct vy_expr *lo, struct vy_expr *hi,
			    struct vy_expr *step, bool neg, struct vy_block body)
{
	struct vy_stmt *s = st(VY_S_FOR);
	s->local = local;
	s->lo = lo;
	s->hi = hi;
	s->step = step;
	s->step_negative = neg;
	s->body = body;
	return s;
}

static struct vy_stmt *swhile(struct vy_expr *c, struct vy_block body)
{
	struct vy_stmt *s = st(VY_S_WHILE);
	s->value = c;
	s->body = body;
	return s;
}

static const struct vy_block none;

/* ---- emission checks ---- */

static int emit(const struct vy_program *p, int vk, int opt, bool text,
		struct vy_buf *out, char **err)
{
	struct vy_emit_config c = { .opt_level = opt, .vk_minor = vk,
				    .validate = true, .emit_asm = text };
	memset(out, 0, sizeof *out);
	*err = NULL;
	return vy_emitter_spv.emit(p, &c, out, err);
}

static void check_emits(const char *tag, const struct vy_program *p,
			const char *dir)
{
	char name[128], *err;
	for (int vk = 0; vk <= 3; vk++)
		for (int opt = 0; opt <= 2; opt += 2) {
			struct vy_buf a, b;
			int rc = emit(p, vk, opt, false, &a, &err);
			snprintf(name, sizeof name, "spv_unit_%s_vk1.%d_O%d", tag, vk, opt);
			CHECK(name, rc == VY_EMIT_OK, "rc %d: %s", rc, err);
			free(err);
			rc = emit(p, vk, opt, false, &b, &err);
			snprintf(name, sizeof name, "spv_unit_%s_vk1.%d_O%d_deterministic",
				 tag, vk, opt);
			CHECK(name, rc == 0 && a.len == b.len && !memcmp(a.data, b.data, a.len),
			      "two emissions differ");
			free(err);
			if (vk == 1 && opt == 0) {
				char path[512];
				snprintf(path, sizeof path, "%s/%s.spv", dir, tag);
				vy_write_file(path, a.data, a.len, &err);
			}
			vy_buf_free(&a);
			vy_buf_free(&b);
		}
}

static bool has(const char *text, const char *what)
{
	return text && strstr(text, what);
}

/* ---- programs ---- */

static struct vy_expr *e_n;

/* saxpy: y[i] = fma(a, x[i], y[i]) guarded by i < n */
static void make_saxpy(struct vy_program *p)
{
	static struct vy_param params[2] = { { "a", VY_F32 }, { "n", VY_U32 } };
	static struct vy_bufdecl bufs[2];
	static struct vy_local locals[1] = { { "i", VY_U32 } };
	bufs[0] = (struct vy_bufdecl){ .name = "x", .binding = 0, .type = VY_F32,
		.count = e_n, .count_text = "n", .access = VY_READ_ONLY };
	bufs[1] = (struct vy_bufdecl){ .name = "y", .binding = 1, .type = VY_F32,
		.count = e_n, .count_text = "n", .access = VY_READ_WRITE };
	memset(p, 0, sizeof *p);
	p->name = "saxpy";
	p->wgsize[0] = 256; p->wgsize[1] = p->wgsize[2] = 1;
	p->nparams = 2; p->params = params;
	p->nbuffers = 2; p->buffers = bufs;
	p->ndispatch = 1; p->dispatch[0] = e_n;
	p->nlocals = 1; p->locals = locals;
	struct vy_expr *i = loc(0, VY_U32);
	p->entry = blk(2, let(VY_S_LET, 0, bi(VY_B_GID, 0)),
		sif(op(VY_OP_LT, VY_BOOL, 2, i, par(1, VY_U32)),
		    blk(1, store(VY_SPACE_BUFFER, 1, i,
			op(VY_OP_FMA, VY_F32, 3, par(0, VY_F32),
			   ld(VY_SPACE_BUFFER, 0, VY_F32, i),
			   ld(VY_SPACE_BUFFER, 1, VY_F32, i)))), none));
}

/* The ops kernel: out[i*K + k] = bits of case k over ia[i], ib[i], fa[i],
 * fb[i].  Each case is an expression builder and a C model. */
enum { IA, IB, FA, FB, OUT };
#define K 80

struct ocase {
	const char *name;
	struct vy_expr *e;
	uint32_t (*model)(int32_t a, int32_t b, float fa, float fb);
	bool approx;   /* float within 1 ulp instead of exact */
};

static struct ocase cases[K];
static int ncases;

static struct vy_expr *A(void) { return ld(VY_SPACE_BUFFER, IA, VY_I32, loc(0, VY_U32)); }
static struct vy_expr *Bv(void) { return ld(VY_SPACE_BUFFER, IB, VY_I32, loc(0, VY_U32)); }
static struct vy_expr *FAv(void) { return ld(VY_SPACE_BUFFER, FA, VY_F32, loc(0, VY_U32)); }
static struct vy_expr *FBv(void) { return ld(VY_SPACE_BUFFER, FB, VY_F32, loc(0, VY_U32)); }
static struct vy_expr *UA(void) { return cast(VY_OP_BITCAST, VY_U32, A()); }
static struct vy_expr *UB(void) { return cast(VY_OP_BITCAST, VY_U32, Bv()); }

static uint32_t fbits(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }

static void add_case(const char *name, struct vy_expr *e,
		     uint32_t (*model)(int32_t, int32_t, float, float), bool approx)
{
	if (e->type == VY_F32 || e->type == VY_I32)
		e = cast(VY_OP_BITCAST, VY_U32, e);
	else if (e->type == VY_BOOL)
		e = cast(VY_OP_CAST, VY_U32, e);
	cases[ncases++] = (struct ocase){ name, e, model, approx };
}

#define M(fn, body) static uint32_t fn(int32_t a, int32_t b, float fa, float fb) \
	{ uint32_t ua = (uint32_t)a, ub = (uint32_t)b; (void)ua; (void)ub; (void)fa; (void)fb; body }

static uint32_t sat_i(float f)
{
	if (isnan(f)) return 0;
	if (f >= 2147483648.0f) return 0x7FFFFFFF;
	if (f <= -2147483648.0f) return 0x80000000u;
	return (uint32_t)(int32_t)f;
}

static uint32_t sat_u(float f)
{
	if (isnan(f) || f <= 0) return 0;
	if (f >= 4294967296.0f) return 0xFFFFFFFF;
	return (uint32_t)f;
}

static uint32_t clz32(uint32_t x) { return x ? (uint32_t)__builtin_clz(x) : 32; }
static uint32_t ctz32(uint32_t x) { return x ? (uint32_t)__builtin_ctz(x) : 32; }
static uint32_t rev32(uint32_t x)
{
	uint32_t r = 0;
	for (int i = 0; i < 32; i++) r |= ((x >> i) & 1) << (31 - i);
	return r;
}
static int32_t sdiv(int32_t a, int32_t b)
{
	if (b == 0) return -1;
	if (a == INT32_MIN && b == -1) return INT32_MIN;
	return a / b;
}
static int32_t srem(int32_t a, int32_t b)
{
	if (b == 0) return a;
	if (a == INT32_MIN && b == -1) return 0;
	return a % b;
}
static float fsign(float x) { return x > 0 ? 1.0f : x < 0 ? -1.0f : x; }

M(m_add, return ua + ub;)
M(m_sub, return ua - ub;)
M(m_mul, return ua * ub;)
M(m_sdiv, return (uint32_t)sdiv(a, b);)
M(m_srem, return (uint32_t)srem(a, b);)
M(m_udiv, return ub ? ua / ub : 0xFFFFFFFFu;)
M(m_urem, return ub ? ua % ub : ua;)
M(m_neg, return 0u - ua;)
M(m_sdiv_c, return (uint32_t)(a / -7);)
M(m_srem_cm1, return (uint32_t)srem(a, -1);)
M(m_urem_c, return ua % 10;)
M(m_shl_c, return ua << 1;)
M(m_and, return ua & ub;)
M(m_xor, return ua ^ ub;)
M(m_not, return ~ua;)
M(m_shl, return ua << (ub & 31);)
M(m_sshr, return (uint32_t)(a >> (ub & 31));)
M(m_ushr, return ua >> (ub & 31);)
M(m_smin, return (uint32_t)(a < b ? a : b);)
M(m_umax, return ua > ub ? ua : ub;)
M(m_sclamp, { int32_t x = a > b ? a : b; return (uint32_t)(x < 5 ? x : 5); })
M(m_sabs, return a < 0 ? 0u - ua : ua;)
M(m_ssign, return (uint32_t)(a > 0 ? 1 : a < 0 ? -1 : 0);)
M(m_usign, return ua != 0;)
M(m_pop, return (uint32_t)__builtin_popcount(ua);)
M(m_clz, return clz32(ua);)
M(m_ctz, return ctz32(ua);)
M(m_rev, return rev32(ua);)
M(m_smulhi, return (uint32_t)(((int64_t)a * b) >> 32);)
M(m_umulhi, return (uint32_t)(((uint64_t)ua * ub) >> 32);)
M(m_slt, return a < b;)
M(m_ult, return ua < ub;)
M(m_fadd, return fbits(fa + fb);)
M(m_fsub, return fbits(fa - fb);)
M(m_fmul, return fbits(fa * fb);)
M(m_fneg, return fbits(-fa);)
M(m_fmin, return fbits(fminf(fa, fb));)
M(m_fmax, return fbits(fmaxf(fa, fb));)
M(m_fabs, return fbits(fabsf(fa));)
M(m_fsign, return fbits(fsign(fa));)
M(m_floor, return fbits(floorf(fa));)
M(m_ceil, return fbits(ceilf(fa));)
M(m_round, return fbits(nearbyintf(fa));)
M(m_trunc, return fbits(truncf(fa));)
M(m_step, return fbits(fb < fa ? 0.0f : 1.0f);)
M(m_feq, return fa == fb;)
M(m_fne, return fa != fb;)
M(m_flt, return fa < fb;)
M(m_f2i, return sat_i(fa);)
M(m_f2u, return sat_u(fa);)
M(m_i2f, return fbits((float)a);)
M(m_u2f, return fbits((float)ua);)
M(m_b2i, return a > b;)
M(m_lazy_and, return a != 0 && b > 0;)
M(m_lazy_or, return a == 0 || b < 0;)
M(m_lazy_sel, return a > 0 ? ua : ub;)
M(m_sel, return a > b ? ua ^ 1 : ub;)
M(m_sqrt, return fbits(sqrtf(fabsf(fa)));)
M(m_fdiv, return fbits(fa / fb);)
M(m_fma, return fbits(fmaf(fa, fb, fa));)
M(m_fma_err, return fbits(fmaf(fa, fb, -(fa * fb)));)
M(m_mix, return fbits((float)((double)fa * 0.75 + (double)fb * 0.25));)

static struct vy_expr *fc(float f)
{
	struct vy_expr *e = node(VY_E_CONST, VY_F32);
	e->bits = fbits(f);
	return e;
}

static void make_cases(void)
{
	enum vy_type U = VY_U32, I = VY_I32, F = VY_F32, Bo = VY_BOOL;
	add_case("add", op(VY_OP_ADD, I, 2, A(), Bv()), m_add, 0);
	add_case("sub", op(VY_OP_SUB, I, 2, A(), Bv()), m_sub, 0);
	add_case("mul", op(VY_OP_MUL, I, 2, A(), Bv()), m_mul, 0);
	add_case("sdiv", op(VY_OP_DIV, I, 2, A(), Bv()), m_sdiv, 0);
	add_case("srem", op(VY_OP_REM, I, 2, A(), Bv()), m_srem, 0);
	add_case("udiv", op(VY_OP_DIV, U, 2, UA(), UB()), m_udiv, 0);
	add_case("urem", op(VY_OP_REM, U, 2, UA(), UB()), m_urem, 0);
	add_case("neg", op(VY_OP_NEG, I, 1, A()), m_neg, 0);
	add_case("sdiv_const", op(VY_OP_DIV, I, 2, A(), ci(-7)), m_sdiv_c, 0);
	add_case("srem_const_m1", op(VY_OP_REM, I, 2, A(), ci(-1)), m_srem_cm1, 0);
	add_case("urem_const", op(VY_OP_REM, U, 2, UA(), cu(10)), m_urem_c, 0);
	add_case("shl_const33", op(VY_OP_SHL, U, 2, UA(), cu(33)), m_shl_c, 0);
	add_case("and", op(VY_OP_AND, U, 2, UA(), UB()), m_and, 0);
	add_case("xor", op(VY_OP_XOR, I, 2, A(), Bv()), m_xor, 0);
	add_case("not", op(VY_OP_NOT, I, 1, A()), m_not, 0);
	add_case("shl", op(VY_OP_SHL, U, 2, UA(), Bv()), m_shl, 0);
	add_case("sshr", op(VY_OP_SHR, I, 2, A(), UB()), m_sshr, 0);
	add_case("ushr", op(VY_OP_SHR, U, 2, UA(), Bv()), m_ushr, 0);
	add_case("smin", op(VY_OP_MIN, I, 2, A(), Bv()), m_smin, 0);
	add_case("umax", op(VY_OP_MAX, U, 2, UA(), UB()), m_umax, 0);
	add_case("sclamp", op(VY_OP_CLAMP, I, 3, A(), Bv(), ci(5)), m_sclamp, 0);
	add_case("sabs", op(VY_OP_ABS, I, 1, A()), m_sabs, 0);
	add_case("ssign", op(VY_OP_SIGN, I, 1, A()), m_ssign, 0);
	add_case("usign", op(VY_OP_SIGN, U, 1, UA()), m_usign, 0);
	add_case("popcount", op(VY_OP_POPCOUNT, U, 1, UA()), m_pop, 0);
	add_case("clz", op(VY_OP_CLZ, I, 1, A()), m_clz, 0);
	add_case("ctz", op(VY_OP_CTZ, U, 1, UA()), m_ctz, 0);
	add_case("reverse_bits", op(VY_OP_REVERSE_BITS, I, 1, A()), m_rev, 0);
	add_case("smulhi", op(VY_OP_MULHI, I, 2, A(), Bv()), m_smulhi, 0);
	add_case("umulhi", op(VY_OP_MULHI, U, 2, UA(), UB()), m_umulhi, 0);
	add_case("slt", op(VY_OP_LT, Bo, 2, A(), Bv()), m_slt, 0);
	add_case("ult", op(VY_OP_LT, Bo, 2, UA(), UB()), m_ult, 0);
	add_case("fadd", op(VY_OP_ADD, F, 2, FAv(), FBv()), m_fadd, 0);
	add_case("fsub", op(VY_OP_SUB, F, 2, FAv(), FBv()), m_fsub, 0);
	add_case("fmul", op(VY_OP_MUL, F, 2, FAv(), FBv()), m_fmul, 0);
	add_case("fneg", op(VY_OP_NEG, F, 1, FAv()), m_fneg, 0);
	add_case("fmin", op(VY_OP_MIN, F, 2, FAv(), FBv()), m_fmin, 0);
	add_case("fmax", op(VY_OP_MAX, F, 2, FAv(), FBv()), m_fmax, 0);
	add_case("fabs", op(VY_OP_ABS, F, 1, FAv()), m_fabs, 0);
	add_case("fsign", op(VY_OP_SIGN, F, 1, FAv()), m_fsign, 0);
	add_case("floor", op(VY_OP_FLOOR, F, 1, FAv()), m_floor, 0);
	add_case("ceil", op(VY_OP_CEIL, F, 1, FAv()), m_ceil, 0);
	add_case("round", op(VY_OP_ROUND, F, 1, FAv()), m_round, 0);
	add_case("trunc", op(VY_OP_TRUNC, F, 1, FAv()), m_trunc, 0);
	add_case("step", op(VY_OP_STEP, F, 2, FAv(), FBv()), m_step, 0);
	add_case("feq", op(VY_OP_EQ, Bo, 2, FAv(), FBv()), m_feq, 0);
	add_case("fne", op(VY_OP_NE, Bo, 2, FAv(), FBv()), m_fne, 0);
	add_case("flt", op(VY_OP_LT, Bo, 2, FAv(), FBv()), m_flt, 0);
	add_case("f2i", cast(VY_OP_CAST, I, FAv()), m_f2i, 0);
	add_case("f2u", cast(VY_OP_CAST, U, FAv()), m_f2u, 0);
	add_case("i2f", cast(VY_OP_CAST, F, A()), m_i2f, 0);
	add_case("u2f", cast(VY_OP_CAST, F, UA()), m_u2f, 0);
	add_case("b2i", cast(VY_OP_CAST, I, op(VY_OP_GT, Bo, 2, A(), Bv())), m_b2i, 0);
	add_case("lazy_and", op(VY_OP_LAND, Bo, 2, op(VY_OP_NE, Bo, 2, A(), ci(0)),
				op(VY_OP_GT, Bo, 2, Bv(), ci(0))), m_lazy_and, 0);
	add_case("lazy_or", op(VY_OP_LOR, Bo, 2, op(VY_OP_EQ, Bo, 2, A(), ci(0)),
			       op(VY_OP_LT, Bo, 2, Bv(), ci(0))), m_lazy_or, 0);
	add_case("lazy_select", op(VY_OP_SELECT, U, 3, op(VY_OP_GT, Bo, 2, A(), ci(0)),
				   UA(), UB()), m_lazy_sel, 0);
	add_case("select", op(VY_OP_SELECT, U, 3, op(VY_OP_GT, Bo, 2, A(), Bv()),
			      op(VY_OP_XOR, U, 2, UA(), cu(1)), UB()), m_sel, 0);
	/* correctly rounded on spv too (SPEC 10.6): bit for bit */
	add_case("sqrt", op(VY_OP_SQRT, F, 1, op(VY_OP_ABS, F, 1, FAv())), m_sqrt, 0);
	add_case("fma", op(VY_OP_FMA, F, 3, FAv(), FBv(), FAv()), m_fma, 0);
	add_case("fma_product_error", op(VY_OP_FMA, F, 3, FAv(), FBv(),
		op(VY_OP_NEG, F, 1, op(VY_OP_MUL, F, 2, FAv(), FBv()))), m_fma_err, 0);
	add_case("mix", op(VY_OP_MIX, F, 3, FAv(), FBv(), fc(0.25f)), m_mix, 1);
	add_case("fdiv", op(VY_OP_DIV, F, 2, FAv(), FBv()), m_fdiv, 0);
	/* validated only: transcendental ops */
	static const enum vy_opcode f1[] = { VY_OP_FRACT, VY_OP_RSQRT, VY_OP_EXP,
		VY_OP_EXP2, VY_OP_LOG, VY_OP_LOG2, VY_OP_SIN, VY_OP_COS, VY_OP_TAN,
		VY_OP_TANH };
	for (size_t i = 0; i < sizeof f1 / sizeof *f1; i++)
		add_case(vy_builtin_op(f1[i])->id, op(f1[i], F, 1, FAv()), NULL, 0);
	add_case("pow", op(VY_OP_POW, F, 2, FAv(), FBv()), NULL, 0);
	if (ncases > K)
		abort();
}

static void make_ops(struct vy_program *p)
{
	static struct vy_param params[1] = { { "n", VY_U32 } };
	static struct vy_bufdecl bufs[5];
	static struct vy_local locals[1] = { { "i", VY_U32 } };
	static const char *names[] = { "ia", "ib", "fa", "fb", "out" };
	for (int b = 0; b < 5; b++)
		bufs[b] = (struct vy_bufdecl){ .name = names[b], .binding = b,
			.type = b < 2 ? VY_I32 : b < 4 ? VY_F32 : VY_U32,
			.count = b < 4 ? e_n : op(VY_OP_MUL, VY_U32, 2, e_n, cu(K)),
			.count_text = "n", .access = b < 4 ? VY_READ_ONLY : VY_WRITE_ONLY };
	memset(p, 0, sizeof *p);
	p->name = "ops";
	p->wgsize[0] = 16; p->wgsize[1] = p->wgsize[2] = 1;
	p->nparams = 1; p->params = params;
	p->nbuffers = 5; p->buffers = bufs;
	p->ndispatch = 1; p->dispatch[0] = e_n;
	p->nlocals = 1; p->locals = locals;
	make_cases();
	struct vy_block then = { ncases, mk(ncases * sizeof(struct vy_stmt *)) };
	for (int k = 0; k < ncases; k++) {
		struct vy_expr *idx = op(VY_OP_ADD, VY_U32, 2,
			op(VY_OP_MUL, VY_U32, 2, loc(0, VY_U32), cu(K)), cu(k));
		then.v[k] = store(VY_SPACE_BUFFER, OUT, idx, cases[k].e);
	}
	p->entry = blk(2, let(VY_S_LET, 0, bi(VY_B_GID, 0)),
		sif(op(VY_OP_LT, VY_BOOL, 2, loc(0, VY_U32), par(0, VY_U32)), then, none));
}

/* The control-flow kernel (wg 64, shared tile[64], hist u32[16], out u32[n]):
 *   (hist u32[17]) tile[lid] = gid; barrier
 *   var acc = 0; for k in 0..64 { if k == 5 continue; if k > 40 break;
 *                                  acc += tile[k] }
 *   var w = 0; while w < lid { w += 3 }
 *   var d: i32 = 0; for j in 10..0 step -3 { d += j }      (10+7+4+1 = 22)
 *   if gid >= n { return }
 *   atomic.add(hist[gid % 16], 1); atomic.add(cnt[0], 1)  (shared counter)
 *   out[gid] = acc + w + u32(d) + len(hist)
 */
static void make_flow(struct vy_program *p)
{
	enum vy_type U = VY_U32, I = VY_I32, Bo = VY_BOOL;
	static struct vy_param params[1] = { { "n", VY_U32 } };
	static struct vy_bufdecl bufs[2];
	static struct vy_shareddecl shared[2] = { { "tile", VY_U32, 64 },
						  { "cnt", VY_U32, 1 } };
	static struct vy_local locals[7] = {
		{ "g", VY_U32 }, { "l", VY_U32 }, { "acc", VY_U32, true },
		{ "k", VY_U32, false, true }, { "w", VY_U32, true },
		{ "d", VY_I32, true }, { "j", VY_I32, false, true } };
	bufs[0] = (struct vy_bufdecl){ .name = "hist", .binding = 0, .type = U,
		.count = cu(17), .count_text = "17", .access = VY_WRITE_ONLY };
	bufs[1] = (struct vy_bufdecl){ .name = "out", .binding = 3, .type = U,
		.count = e_n, .count_text = "n", .access = VY_WRITE_ONLY };
	memset(p, 0, sizeof *p);
	p->name = "flow";
	p->wgsize[0] = 64; p->wgsize[1] = p->wgsize[2] = 1;
	p->nparams = 1; p->params = params;
	p->nbuffers = 2; p->buffers = bufs;
	p->nshared = 2; p->shared = shared;
	p->ndispatch = 1; p->dispatch[0] = e_n;
	p->nlocals = 7; p->locals = locals;
	struct vy_expr *g = loc(0, U), *l = loc(1, U), *k = loc(3, U);
	struct vy_stmt *acc_add = let(VY_S_ASSIGN, 2, op(VY_OP_ADD, U, 2, loc(2, U),
		ld(VY_SPACE_SHARED, 0, U, k)));
	struct vy_stmt *kfor = sfor(3, cu(0), cu(64), NULL, false, blk(3,
		sif(op(VY_OP_EQ, Bo, 2, k, cu(5)), blk(1, st(VY_S_CONTINUE)), none),
		sif(op(VY_OP_GT, Bo, 2, k, cu(40)), blk(1, st(VY_S_BREAK)), none),
		acc_add));
	struct vy_stmt *wloop = swhile(op(VY_OP_LT, Bo, 2, loc(4, U), l),
		blk(1, let(VY_S_ASSIGN, 4, op(VY_OP_ADD, U, 2, loc(4, U), cu(3)))));
	struct vy_stmt *jfor = sfor(6, ci(10), ci(0), ci(-3), true,
		blk(1, let(VY_S_ASSIGN, 5, op(VY_OP_ADD, I, 2, loc(5, I), loc(6, I)))));
	struct vy_expr *hist_ref = ld(VY_SPACE_BUFFER, 0, U, op(VY_OP_REM, U, 2, g, cu(16)));
	struct vy_expr *cnt_ref = ld(VY_SPACE_SHARED, 1, U, cu(0));
	struct vy_expr *sum = op(VY_OP_ADD, U, 2, op(VY_OP_ADD, U, 2,
		op(VY_OP_ADD, U, 2, loc(2, U), loc(4, U)),
		cast(VY_OP_CAST, U, loc(5, I))), node(VY_E_LEN, U));
	p->entry = blk(15,
		let(VY_S_LET, 0, bi(VY_B_GID, 0)),
		let(VY_S_LET, 1, bi(VY_B_LID, 0)),
		store(VY_SPACE_SHARED, 0, l, g),
		sif(op(VY_OP_EQ, Bo, 2, l, cu(0)),
		    blk(1, store(VY_SPACE_SHARED, 1, cu(0), cu(0))), none),
		st(VY_S_BARRIER),
		let(VY_S_VAR, 2, cu(0)),
		kfor,
		let(VY_S_VAR, 4, cu(0)),
		wloop,
		let(VY_S_VAR, 5, ci(0)),
		jfor,
		sexpr(op(VY_OP_ATOMIC_ADD, U, 2, cnt_ref, cu(1))),
		sif(op(VY_OP_GE, Bo, 2, g, par(0, U)), blk(1, st(VY_S_RETURN)),
		    blk(1, sexpr(op(VY_OP_ATOMIC_ADD, U, 2, hist_ref, cu(1))))),
		store(VY_SPACE_BUFFER, 1, g, sum),
		sexpr(op(VY_OP_ATOMIC_MAX, U, 2, ld(VY_SPACE_BUFFER, 0, U, cu(16)),
			 op(VY_OP_ADD, U, 2, ld(VY_SPACE_SHARED, 1, U, cu(0)), cu(1000)))));
}

/* ---- runtime checks on the Vulkan backend ---- */

static const int32_t ivals[] = { 0, 1, -1, 7, -7, 31, 32, 33, INT32_MIN,
	INT32_MAX, 12345, -98765, 0x55AA55AA, (int32_t)0x80000001u, 2, -2 };

static float fval(int i)
{
	static const float v[] = { 0.0f, -0.0f, 1.5f, 2.5f, -2.5f, 0.5f, -1.75f,
		3e9f, 5e9f, -3e9f, 2147483520.0f, 2147483648.0f, -2147483648.0f,
		INFINITY, -INFINITY, NAN, 1e-3f, 7.0f, -7.5f, 100.25f };
	if (i < 40)
		return v[i % (int)(sizeof v / sizeof *v)];
	uint32_t x = (uint32_t)i * 2654435761u;   /* varied mantissas */
	x ^= x >> 15;
	x *= 0x2c1b3c6du;
	x ^= x >> 12;
	return ((float)(x & 0xFFFFFF) - 8388608.0f) / (float)(1 + (x >> 24));
}

static bool nan_bits(uint32_t b)
{
	return (b & 0x7FFFFFFFu) > 0x7F800000u;
}

static bool ulp_close(uint32_t got, uint32_t want, int ulp)
{
	float g, w;
	memcpy(&g, &got, 4);
	memcpy(&w, &want, 4);
	if (isnan(g) && isnan(w))
		return true;
	int64_t d = (int64_t)(int32_t)got - (int32_t)want;
	return got == want || (d <= ulp && d >= -ulp) || fabsf(g - w) <= 1e-30f;
}

static void run_ops(struct vy_backend *be, const struct vy_program *p)
{
	enum { N = 300 };
	static int32_t ia[N], ib[N];
	static float fa[N], fb[N];
	static uint32_t out[N * K];
	void *bv[5] = { ia, ib, fa, fb, out };
	for (int i = 0; i < N; i++) {
		ia[i] = ivals[i % 16];
		ib[i] = ivals[(i / 16) % 16];
		fa[i] = fval(i);
		fb[i] = fval(i / 20 + 3 * i);
	}
	memset(out, 0xEE, sizeof out);
	struct vy_run r = { .prog = p, .bufs = bv, .device = -1 };
	r.launch.params[0] = N;
	char *err = NULL;
	if (vy_launch_eval(p, &r.launch, &err) || be->dispatch(be, &r, &err)) {
		CHECK("spv_run_ops_dispatch", 0, "%s", err);
		return;
	}
	for (int k = 0; k < ncases; k++) {
		char name[96], why[256] = "";
		if (!cases[k].model)
			continue;
		for (int i = 0; i < N && !why[0]; i++) {
			uint32_t want = cases[k].model(ia[i], ib[i], fa[i], fb[i]);
			uint32_t got = out[i * K + k];
			/* NaN results match any NaN: IEEE 754 leaves the sign and
			 * payload of a NaN an operation produces open (x86's default
			 * NaN is 0xFFC00000, NVIDIA's 0x7FFFFFFF; which operand's
			 * NaN propagates is up to the hardware), doc/SEMANTICS.md */
			if (cases[k].approx ? !ulp_close(got, want, 1) :
			    got != want && !(nan_bits(got) && nan_bits(want)))
				snprintf(why, sizeof why, "i=%d a=%d b=%d fa=%g fb=%g: "
					 "got 0x%08x want 0x%08x", i, ia[i], ib[i],
					 fa[i], fb[i], got, want);
		}
		snprintf(name, sizeof name, "spv_run_op_%s", cases[k].name);
		CHECK(name, !why[0], "%s", why);
	}
}

static void run_flow(struct vy_backend *be, const struct vy_program *p)
{
	enum { N = 200 };   /* 4 workgroups of 64, the last partly past n */
	static uint32_t hist[17], out[N];
	void *bv[2] = { hist, out };
	memset(hist, 0, sizeof hist);
	memset(out, 0xEE, sizeof out);
	struct vy_run r = { .prog = p, .bufs = bv, .device = -1 };
	r.launch.params[0] = N;
	char *err = NULL, why[256] = "";
	if (vy_launch_eval(p, &r.launch, &err) || be->dispatch(be, &r, &err)) {
		CHECK("spv_run_flow_dispatch", 0, "%s", err);
		return;
	}
	for (uint32_t g = 0; g < N && !why[0]; g++) {
		uint32_t base = g / 64 * 64, l = g % 64, acc = 0, w = 0;
		for (uint32_t k = 0; k < 64; k++) {
			if (k == 5) continue;
			if (k > 40) break;
			acc += base + k;
		}
		while (w < l) w += 3;
		uint32_t want = acc + w + 22 + 17;
		if (out[g] != want)
			snprintf(why, sizeof why, "out[%u] = %u, want %u", g, out[g], want);
	}
	CHECK("spv_run_flow_loops_shared_barrier", !why[0], "%s", why);
	bool hok = true;
	for (int b = 0; b < 16; b++)
		hok &= hist[b] == (uint32_t)(N / 16 + (b < N % 16));
	CHECK("spv_run_flow_atomic_add", hok, "hist[0]=%u hist[14]=%u", hist[0], hist[14]);
	/* hist[16]: max over full workgroups of 1000 + the shared counter,
	 * which the last of 64 invocations sees at 64 */
	CHECK("spv_run_flow_atomic_max_shared_counter", hist[16] == 1064,
	      "hist[16] = %u, want 1064", hist[16]);
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : ".";
	static struct vy_program saxpy, ops, flow;
	e_n = par(0, VY_U32);
	make_ops(&ops);
	make_flow(&flow);
	e_n = par(1, VY_U32);
	make_saxpy(&saxpy);
	check_emits("saxpy", &saxpy, dir);
	check_emits("ops", &ops, dir);
	check_emits("flow", &flow, dir);

	struct vy_buf t;
	char *err;
	int rc = emit(&saxpy, 1, 0, true, &t, &err);
	vy_buf_put(&t, "", 1);
	const char *s = (const char *)t.data;
	CHECK("spv_unit_asm_abi", rc == 0 && has(s, "OpEntryPoint GLCompute %main \"main\"") &&
	      has(s, "LocalSize 256 1 1") && has(s, "OpDecorate %x DescriptorSet 0") &&
	      has(s, "OpDecorate %y Binding 1") && has(s, "OpMemberDecorate %Params 1 Offset 4") &&
	      has(s, "NonWritable") && has(s, "ArrayStride 4") && has(s, "StorageBuffer"),
	      "%s", rc ? err : s);
	vy_buf_free(&t);
	rc = emit(&ops, 0, 0, true, &t, &err);
	vy_buf_put(&t, "", 1);
	s = (const char *)t.data;
	CHECK("spv_unit_asm_vk10_bufferblock", rc == 0 && has(s, "BufferBlock") &&
	      !has(s, "StorageBuffer") && has(s, "NonReadable") && has(s, "NoContraction"),
	      "%s", rc ? err : "missing BufferBlock/NonReadable/NoContraction");
	vy_buf_free(&t);
	rc = emit(&flow, 1, 0, true, &t, &err);
	vy_buf_put(&t, "", 1);
	s = (const char *)t.data;
	CHECK("spv_unit_asm_flow", rc == 0 && has(s, "OpLoopMerge") &&
	      has(s, "OpControlBarrier %uint_2 %uint_2 %uint_264") &&   /* no buffer store before it (ir.c) */
	      has(s, "OpAtomicIAdd %uint") && has(s, "OpArrayLength") &&
	      has(s, "%out_block 0 NonReadable") &&
	      !has(s, "%hist_block 0 NonReadable"),  /* atomics read hist */
	      "%s", rc ? err : "missing loop/barrier/atomic/length");
	vy_buf_free(&t);

	struct vy_emit_config bad = { .vk_minor = 7, .validate = true };
	struct vy_buf o = { 0 };
	err = NULL;
	rc = vy_emitter_spv.emit(&saxpy, &bad, &o, &err);
	CHECK("spv_unit_bad_env_rejected", rc == VY_EMIT_REJECT && err && strstr(err, "Fix:"),
	      "rc %d", rc);
	free(err);

	if (argc > 2 && !strcmp(argv[2], "run")) {
		err = NULL;
		struct vy_backend *be = vy_backend_vulkan.factory(-1, &err);
		if (!be) {
			printf("SKIP spv_run: %s\n", err);
		} else {
			run_ops(be, &ops);
			run_flow(be, &flow);
			be->release(be);
		}
	}
	return fails != 0;
}
