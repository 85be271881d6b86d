/*
 * vm.c: the vyrec reference VM (see vm.h for the module layout).
 *
 * Decoding copies the module into private tables and checks everything an
 * execution relies on, so that running a decoded module can only fail with
 * a run-time error (an out-of-bounds index, a strict-mode report, the step
 * limit), never with undefined behaviour.
 *
 * Execution is SIMT over one workgroup at a time: a register holds one
 * 32-bit value per lane; arithmetic computes every lane, memory ops, moves
 * and atomics honour the active mask.  `if` and loops narrow the mask into
 * the next nesting level; break, continue and return mark a lane in exitf[]
 * so the enclosing constructs drop it until the loop (or nothing, for
 * return) takes it back.  Barriers need no work: every lane reaches them
 * together.  Standalone C11: no vyrec header but vyrec_ops.def.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vm.h"

#ifdef VYVM_LIBVYREC
_Noreturn void vy_bug_at(const char *file, int line, const char *fmt, ...);
#endif

union val {
	uint32_t u;
	int32_t i;
	float f;
	uint64_t u64;   /* f64 u64 i64 (SPEC §10.1): the whole register */
};

enum { X_RUN, X_BRK, X_CONT, X_RET };

struct ucode {
	uint32_t n;
	uint32_t *w;
};

struct pre {
	uint32_t kind, a, b;
};

struct vyvm_impl {
	struct vyvm_param params[VYVM_MAX_PARAMS];
	struct vyvm_buffer buffers[VYVM_MAX_BUFFERS];
	struct vyvm_shared shared[VYVM_MAX_BUFFERS];
	uint32_t shared_off[VYVM_MAX_BUFFERS], shared_words;
	struct ucode counts[VYVM_MAX_BUFFERS], dispatch[3];
	/* private arrays: name, element type, axes; words per lane */
	struct vyvm_private { const char *name; uint32_t type, ndims, dims[2], count, off; }
		privates[VYVM_MAX_PRIVATES];
	uint32_t nprivate, private_words;
	uint32_t nregs, npre, ninstr, nest, nlanes;
	struct pre *pre;
	uint32_t *code;
	char *strings;
	size_t nstrings;
};

/* Param classes of vyrec_ops.def (P(name, CLASS)); the VM only asks
 * which types the first param admits. */
enum { PC_NONE, PC_ANY, PC_NUM, PC_INT, PC_FLOAT, PC_BOOL, PC_U32, PC_I32, PC_F32 };

static const struct { uint8_t cls[4]; } op_sigs[] = {
#define VY_PARAM(n, c, m) PC_##c,
#define VY_OP(e, d, n, sig, res, ulp, abs) { { sig PC_NONE } },
#include "vyrec_ops.def"
#undef VY_OP
#undef VY_PARAM
};

static const uint8_t op_nparams[] = {
#define VY_PARAM(n, c, m) + 1
#define VY_OP(e, d, n, sig, res, ulp, abs) 0 sig,
#include "vyrec_ops.def"
#undef VY_OP
#undef VY_PARAM
};

static const char *const op_names[] = {
#define VY_OP(e, d, n, sig, res, ulp, abs) #d "." #n,
#include "vyrec_ops.def"
#undef VY_OP
};

uint64_t vyvm_hash(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < n; i++) {
		h ^= s[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

static void errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* ---- scalar semantics (doc/SEMANTICS.md) ---- */

static float F(uint32_t u) { union val v; v.u = u; return v.f; }
static uint32_t U(float f) { union val v; v.f = f; return v.u; }
static uint32_t UD(double d) { return U((float)d); }

static uint32_t f2u(float f)
{
	if (!(f > 0.0f))
		return 0;
	if (f >= 4294967296.0f)
		return 0xFFFFFFFFu;
	return (uint32_t)f;
}

static uint32_t f2i(float f)
{
	if (f != f)
		return 0;
	if (f >= 2147483648.0f)
		return 0x7FFFFFFFu;
	if (f <= -2147483648.0f)
		return 0x80000000u;
	return (uint32_t)(int32_t)f;
}

/* Convert bits a of type from to type to (core.cast). */
static uint32_t cast(uint32_t to, uint32_t from, uint32_t a)
{
	if (to == from)
		return a;
	if (to == VYVM_BOOL)
		return from == VYVM_F32 ? F(a) != 0.0f : a != 0;
	if (from == VYVM_BOOL)
		return to == VYVM_F32 ? U(a ? 1.0f : 0.0f) : (a != 0);
	if (from == VYVM_F32)
		return to == VYVM_U32 ? f2u(F(a)) : f2i(F(a));
	if (to == VYVM_F32)
		return from == VYVM_U32 ? U((float)a) : U((float)(int32_t)a);
	return a;   /* u32 <-> i32 keep the bits */
}

static uint32_t idiv(uint32_t t, uint32_t a, uint32_t b)
{
	if (t == VYVM_U32)
		return b ? a / b : 0xFFFFFFFFu;
	if (b == 0)
		return 0xFFFFFFFFu;
	if (a == 0x80000000u && b == 0xFFFFFFFFu)
		return a;
	return (uint32_t)((int32_t)a / (int32_t)b);
}

static uint32_t irem(uint32_t t, uint32_t a, uint32_t b)
{
	if (t == VYVM_U32)
		return b ? a % b : a;
	if (b == 0)
		return a;
	if (a == 0x80000000u && b == 0xFFFFFFFFu)
		return 0;
	return (uint32_t)((int32_t)a % (int32_t)b);
}

static int ilt(uint32_t t, uint32_t a, uint32_t b)
{
	return t == VYVM_I32 ? (int32_t)a < (int32_t)b : a < b;
}

static uint32_t imin(uint32_t t, uint32_t a, uint32_t b) { return ilt(t, b, a) ? b : a; }
static uint32_t imax(uint32_t t, uint32_t a, uint32_t b) { return ilt(t, a, b) ? b : a; }

static uint32_t rev32(uint32_t x)
{
	x = (x >> 1 & 0x55555555u) | (x & 0x55555555u) << 1;
	x = (x >> 2 & 0x33333333u) | (x & 0x33333333u) << 2;
	x = (x >> 4 & 0x0F0F0F0Fu) | (x & 0x0F0F0F0Fu) << 4;
	x = (x >> 8 & 0x00FF00FFu) | (x & 0x00FF00FFu) << 8;
	return x >> 16 | x << 16;
}

static uint32_t mulhi(uint32_t t, uint32_t a, uint32_t b)
{
	if (t == VYVM_I32)
		return (uint32_t)((uint64_t)((int64_t)(int32_t)a * (int32_t)b) >> 32);
	return (uint32_t)(((uint64_t)a * b) >> 32);
}

/* IEEE minNum/maxNum: a NaN operand (quiet or signalling, which C's
 * fminf may return as NaN) yields the other operand.  Of +0 and -0, min
 * gives -0 and max +0, written out rather than left to fminf, whose
 * choice differs between builds (glibc's call, a compiler's inline
 * minss): an ASan build of the VM gave clamp(0, 0, -0) = -0 where the
 * normal build gave +0.  SPEC allows either zero on GPU targets. */
static float fminnum(float a, float b)
{
	if (a != a || b != b)
		return a != a ? b : a;
	return a < b ? a : b < a ? b : signbit(a) ? a : b;
}

static float fmaxnum(float a, float b)
{
	if (a != a || b != b)
		return a != a ? b : a;
	return a > b ? a : b > a ? b : signbit(a) ? b : a;
}

static float fsign(float x)
{
	return x > 0.0f ? 1.0f : x < 0.0f ? -1.0f : x;
}

/* ---- the scalar semantics: one row per op ---- */

/* How the VM computes an op on 32-bit values: t is the operation type
 * (the operands' for comparisons, the target for casts, whose source type
 * is aux); a b c are the operands (an atomic's a is the old value). */
typedef uint32_t (*vm_fn)(uint32_t t, uint32_t aux, uint32_t a, uint32_t b,
			  uint32_t c);

#define IFN(name, expr) \
	static uint32_t name(uint32_t t, uint32_t aux, uint32_t a, uint32_t b, \
			     uint32_t c) \
	{ (void)t; (void)aux; (void)a; (void)b; (void)c; return expr; }
/* f32: exact ops in f32, the rest in double (d), rounded once */
#define FFN(name, expr) \
	static uint32_t name(uint32_t t, uint32_t aux, uint32_t a, uint32_t b, \
			     uint32_t c) \
	{ float x = F(a), y = F(b), z = F(c); double d = x; \
	  (void)t; (void)aux; (void)x; (void)y; (void)z; (void)d; return expr; }

IFN(i_add, a + b)
IFN(i_sub, a - b)
IFN(i_mul, a * b)
IFN(i_div, idiv(t, a, b))
IFN(i_rem, irem(t, a, b))
IFN(i_neg, 0u - a)
IFN(i_and, a & b)
IFN(i_or, a | b)
IFN(i_xor, a ^ b)
IFN(i_not, ~a)
IFN(i_shl, a << (b & 31))
IFN(i_shr, t == VYVM_I32 ? (uint32_t)((int32_t)a >> (b & 31)) : a >> (b & 31))
IFN(i_lt, (uint32_t)ilt(t, a, b))
IFN(i_le, (uint32_t)!ilt(t, b, a))
IFN(i_gt, (uint32_t)ilt(t, b, a))
IFN(i_ge, (uint32_t)!ilt(t, a, b))
IFN(i_min, imin(t, a, b))
IFN(i_max, imax(t, a, b))
IFN(i_clamp, imin(t, imax(t, a, b), c))
IFN(i_abs, t == VYVM_I32 && (int32_t)a < 0 ? 0u - a : a)
IFN(i_sign, t != VYVM_I32 ? (uint32_t)(a != 0) :
	    (int32_t)a > 0 ? 1u : (int32_t)a < 0 ? 0xFFFFFFFFu : 0u)
IFN(i_popcount, (uint32_t)__builtin_popcount(a))
IFN(i_clz, a ? (uint32_t)__builtin_clz(a) : 32u)
IFN(i_ctz, a ? (uint32_t)__builtin_ctz(a) : 32u)
IFN(i_reverse_bits, rev32(a))
IFN(i_mulhi, mulhi(t, a, b))
IFN(i_exchange, b)
IFN(i_compare_exchange, a == b ? c : a)

FFN(f_add, U(x + y))
FFN(f_sub, U(x - y))
FFN(f_mul, U(x * y))
FFN(f_div, U(x / y))
FFN(f_neg, U(-x))
FFN(f_lt, (uint32_t)(x < y))
FFN(f_le, (uint32_t)(x <= y))
FFN(f_gt, (uint32_t)(x > y))
FFN(f_ge, (uint32_t)(x >= y))
FFN(f_fma, U(fmaf(x, y, z)))
FFN(f_min, U(fminnum(x, y)))
FFN(f_max, U(fmaxnum(x, y)))
FFN(f_clamp, U(fminnum(fmaxnum(x, y), z)))
FFN(f_abs, U(fabsf(x)))
FFN(f_sign, U(fsign(x)))
FFN(f_floor, UD(floor(d)))
FFN(f_ceil, UD(ceil(d)))
FFN(f_round, UD(nearbyint(d)))
FFN(f_trunc, UD(trunc(d)))
FFN(f_fract, UD(d - floor(d)))
FFN(f_sqrt, U(sqrtf(x)))
FFN(f_rsqrt, UD(1.0 / sqrt(d)))
FFN(f_exp, UD(exp(d)))
FFN(f_exp2, UD(exp2(d)))
FFN(f_log, UD(log(d)))
FFN(f_log2, UD(log2(d)))
FFN(f_pow, UD(pow(d, (double)y)))
FFN(f_sin, UD(sin(d)))
FFN(f_cos, UD(cos(d)))
FFN(f_tan, UD(tan(d)))
FFN(f_tanh, UD(tanh(d)))
FFN(f_mix, UD(d * (1.0 - (double)z) + (double)y * (double)z))
FFN(f_step, U(y < x ? 0.0f : 1.0f))

/* any type (t tells f32 from the rest where it matters) */
IFN(a_eq, t == VYVM_F32 ? (uint32_t)(F(a) == F(b)) : (uint32_t)(a == b))
IFN(a_ne, t == VYVM_F32 ? (uint32_t)(F(a) != F(b)) : (uint32_t)(a != b))
IFN(a_land, (uint32_t)((a != 0) & (b != 0)))
IFN(a_lor, (uint32_t)((a != 0) | (b != 0)))
IFN(a_lnot, (uint32_t)(a == 0))
IFN(a_select, a ? b : c)
IFN(a_cast, cast(t, aux, a))
IFN(a_bitcast, a)

/* any: every type; i: bool, u32 and i32; f: f32.  A NULL column is a type
 * the op has no meaning for: decoding rejects such an instruction
 * (op_type_ok), vyvm_eval_op stops, and tests/unit/op_table_test.c checks
 * a row for every op and type its signature admits. */
struct vm_row {
	vm_fn any, i, f;
};

static const struct vm_row vm_ops[VYVM_NOPS] = {
	[VYVM_OP_ADD] = { NULL, i_add, f_add },
	[VYVM_OP_SUB] = { NULL, i_sub, f_sub },
	[VYVM_OP_MUL] = { NULL, i_mul, f_mul },
	[VYVM_OP_DIV] = { NULL, i_div, f_div },
	[VYVM_OP_REM] = { NULL, i_rem, NULL },
	[VYVM_OP_NEG] = { NULL, i_neg, f_neg },
	[VYVM_OP_AND] = { NULL, i_and, NULL },
	[VYVM_OP_OR] = { NULL, i_or, NULL },
	[VYVM_OP_XOR] = { NULL, i_xor, NULL },
	[VYVM_OP_NOT] = { NULL, i_not, NULL },
	[VYVM_OP_SHL] = { NULL, i_shl, NULL },
	[VYVM_OP_SHR] = { NULL, i_shr, NULL },
	[VYVM_OP_EQ] = { a_eq, NULL, NULL },
	[VYVM_OP_NE] = { a_ne, NULL, NULL },
	[VYVM_OP_LT] = { NULL, i_lt, f_lt },
	[VYVM_OP_LE] = { NULL, i_le, f_le },
	[VYVM_OP_GT] = { NULL, i_gt, f_gt },
	[VYVM_OP_GE] = { NULL, i_ge, f_ge },
	[VYVM_OP_LAND] = { a_land, NULL, NULL },
	[VYVM_OP_LOR] = { a_lor, NULL, NULL },
	[VYVM_OP_LNOT] = { a_lnot, NULL, NULL },
	[VYVM_OP_SELECT] = { a_select, NULL, NULL },
	[VYVM_OP_CAST] = { a_cast, NULL, NULL },
	[VYVM_OP_BITCAST] = { a_bitcast, NULL, NULL },
	[VYVM_OP_FMA] = { NULL, NULL, f_fma },
	[VYVM_OP_MIN] = { NULL, i_min, f_min },
	[VYVM_OP_MAX] = { NULL, i_max, f_max },
	[VYVM_OP_CLAMP] = { NULL, i_clamp, f_clamp },
	[VYVM_OP_ABS] = { NULL, i_abs, f_abs },
	[VYVM_OP_SIGN] = { NULL, i_sign, f_sign },
	[VYVM_OP_FLOOR] = { NULL, NULL, f_floor },
	[VYVM_OP_CEIL] = { NULL, NULL, f_ceil },
	[VYVM_OP_ROUND] = { NULL, NULL, f_round },
	[VYVM_OP_TRUNC] = { NULL, NULL, f_trunc },
	[VYVM_OP_FRACT] = { NULL, NULL, f_fract },
	[VYVM_OP_SQRT] = { NULL, NULL, f_sqrt },
	[VYVM_OP_RSQRT] = { NULL, NULL, f_rsqrt },
	[VYVM_OP_EXP] = { NULL, NULL, f_exp },
	[VYVM_OP_EXP2] = { NULL, NULL, f_exp2 },
	[VYVM_OP_LOG] = { NULL, NULL, f_log },
	[VYVM_OP_LOG2] = { NULL, NULL, f_log2 },
	[VYVM_OP_POW] = { NULL, NULL, f_pow },
	[VYVM_OP_SIN] = { NULL, NULL, f_sin },
	[VYVM_OP_COS] = { NULL, NULL, f_cos },
	[VYVM_OP_TAN] = { NULL, NULL, f_tan },
	[VYVM_OP_TANH] = { NULL, NULL, f_tanh },
	[VYVM_OP_MIX] = { NULL, NULL, f_mix },
	[VYVM_OP_STEP] = { NULL, NULL, f_step },
	[VYVM_OP_POPCOUNT] = { NULL, i_popcount, NULL },
	[VYVM_OP_CLZ] = { NULL, i_clz, NULL },
	[VYVM_OP_CTZ] = { NULL, i_ctz, NULL },
	[VYVM_OP_REVERSE_BITS] = { NULL, i_reverse_bits, NULL },
	[VYVM_OP_MULHI] = { NULL, i_mulhi, NULL },
	[VYVM_OP_ATOMIC_ADD] = { NULL, i_add, f_add },
	[VYVM_OP_ATOMIC_SUB] = { NULL, i_sub, NULL },
	[VYVM_OP_ATOMIC_MIN] = { NULL, i_min, NULL },
	[VYVM_OP_ATOMIC_MAX] = { NULL, i_max, NULL },
	[VYVM_OP_ATOMIC_AND] = { NULL, i_and, NULL },
	[VYVM_OP_ATOMIC_OR] = { NULL, i_or, NULL },
	[VYVM_OP_ATOMIC_XOR] = { NULL, i_xor, NULL },
	[VYVM_OP_ATOMIC_EXCHANGE] = { NULL, i_exchange, NULL },
	[VYVM_OP_ATOMIC_COMPARE_EXCHANGE] = { NULL, i_compare_exchange, NULL },
};

/* The row's function for op on type t, or NULL. */
static vm_fn vm_fn_of(uint32_t op, uint32_t t)
{
	if (op >= VYVM_NOPS || t < VYVM_BOOL || t > VYVM_F32)
		return NULL;
	if (vm_ops[op].any)
		return vm_ops[op].any;
	return t == VYVM_F32 ? vm_ops[op].f : vm_ops[op].i;
}

int vyvm_has_op(uint32_t op, uint32_t t)
{
	return vm_fn_of(op, t) != NULL;
}


/* ---- the 64-bit scalars f64 u64 i64 (SPEC §10.1) ----
 * Their own rows on 64-bit values; an operand of a 32-bit type (a shift
 * amount, a select condition, a cast's source) arrives zero-extended, a
 * 32-bit result (bool, a cast to u32/i32/f32) in the low half. */
static int is64(uint32_t t) { return t == VYVM_F64 || t == VYVM_U64 || t == VYVM_I64; }
static double D(uint64_t u) { double d; memcpy(&d, &u, 8); return d; }
static uint64_t UQ(double d) { uint64_t u; memcpy(&u, &d, 8); return u; }

typedef uint64_t (*vm_fn64)(uint32_t t, uint32_t aux, uint64_t a, uint64_t b,
			    uint64_t c);
#define QFN(name, expr) \
	static uint64_t name(uint32_t t, uint32_t aux, uint64_t a, uint64_t b, \
			     uint64_t c) \
	{ (void)t; (void)aux; (void)a; (void)b; (void)c; return expr; }
#define DFN(name, expr) \
	static uint64_t name(uint32_t t, uint32_t aux, uint64_t a, uint64_t b, \
			     uint64_t c) \
	{ double x = D(a), y = D(b), z = D(c); \
	  (void)t; (void)aux; (void)x; (void)y; (void)z; return expr; }

static int qlt(uint32_t t, uint64_t a, uint64_t b)
{
	return t == VYVM_I64 ? (int64_t)a < (int64_t)b : a < b;
}

/* As the 32-bit types: x / 0 all ones (u64) or -1 (i64), x % 0 = x,
 * MIN / -1 = MIN, MIN % -1 = 0; no trap. */
static uint64_t qdiv(uint32_t t, uint64_t a, uint64_t b)
{
	if (b == 0)
		return ~(uint64_t)0;
	if (t != VYVM_I64)
		return a / b;
	if (a == 0x8000000000000000ull && b == ~(uint64_t)0)
		return a;
	return (uint64_t)((int64_t)a / (int64_t)b);
}

static uint64_t qrem(uint32_t t, uint64_t a, uint64_t b)
{
	if (b == 0)
		return a;
	if (t != VYVM_I64)
		return a % b;
	if (a == 0x8000000000000000ull && b == ~(uint64_t)0)
		return 0;
	return (uint64_t)((int64_t)a % (int64_t)b);
}

static double dminnum(double a, double b)
{
	if (a != a) return b;
	if (b != b) return a;
	if (a == 0.0 && b == 0.0) return signbit(a) ? a : b;
	return a < b ? a : b;
}

static double dmaxnum(double a, double b)
{
	if (a != a) return b;
	if (b != b) return a;
	if (a == 0.0 && b == 0.0) return signbit(a) ? b : a;
	return a > b ? a : b;
}

static double dsign(double x)
{
	return x > 0.0 ? 1.0 : x < 0.0 ? -1.0 : x;
}

/* A float value of type f (f32 or f64) to integer type to: truncate
 * toward zero, saturate, NaN gives 0 (SPEC §1.8, §10.1). */
static uint64_t float_to_int(uint32_t to, double x)
{
	switch (to) {
	case VYVM_U32:
		return !(x > 0.0) ? 0 : x >= 4294967296.0 ? 0xFFFFFFFFu : (uint32_t)x;
	case VYVM_I32:
		return x != x ? 0 : x >= 2147483648.0 ? 0x7FFFFFFFu :
		       x <= -2147483648.0 ? 0x80000000u : (uint32_t)(int32_t)x;
	case VYVM_U64:
		return !(x > 0.0) ? 0 : x >= 18446744073709551616.0 ? ~(uint64_t)0 :
		       (uint64_t)x;
	default:   /* I64 */
		return x != x ? 0 : x >= 9223372036854775808.0 ? 0x7FFFFFFFFFFFFFFFull :
		       x <= -9223372036854775808.0 ? 0x8000000000000000ull :
		       (uint64_t)(int64_t)x;
	}
}

/* core.cast where either side is 64-bit: a of type from to type to. */
static uint64_t cast64(uint32_t to, uint32_t from, uint64_t a)
{
	if (to == from)
		return a;
	if (from == VYVM_BOOL) {
		a = a != 0;
		from = VYVM_U32;
	}
	int ffl = from == VYVM_F32 || from == VYVM_F64;
	double x = from == VYVM_F32 ? (double)F((uint32_t)a) : from == VYVM_F64 ? D(a) : 0.0;
	if (to == VYVM_BOOL)
		return ffl ? x != 0.0 : a != 0;
	if (ffl) {
		if (to == VYVM_F32)
			return U((float)x);
		if (to == VYVM_F64)
			return UQ(x);
		return float_to_int(to, x);
	}
	int sgn = from == VYVM_I32 || from == VYVM_I64;
	int64_t sv = from == VYVM_I32 ? (int32_t)(uint32_t)a : (int64_t)a;
	uint64_t uv = from == VYVM_U32 ? (uint32_t)a : a;
	if (to == VYVM_F32)   /* one rounding, to nearest even */
		return U(sgn ? (float)sv : (float)uv);
	if (to == VYVM_F64)
		return UQ(sgn ? (double)sv : (double)uv);
	uint64_t v = sgn ? (uint64_t)sv : uv;   /* C: sign- or zero-extend */
	return to == VYVM_U32 || to == VYVM_I32 ? (uint32_t)v : v;
}

QFN(q_add, a + b)
QFN(q_sub, a - b)
QFN(q_mul, a * b)
QFN(q_div, qdiv(t, a, b))
QFN(q_rem, qrem(t, a, b))
QFN(q_neg, 0 - a)
QFN(q_and, a & b)
QFN(q_or, a | b)
QFN(q_xor, a ^ b)
QFN(q_not, ~a)
QFN(q_shl, a << (b & 63))
QFN(q_shr, t == VYVM_I64 ? (uint64_t)((int64_t)a >> (b & 63)) : a >> (b & 63))
QFN(q_lt, (uint64_t)qlt(t, a, b))
QFN(q_le, (uint64_t)!qlt(t, b, a))
QFN(q_gt, (uint64_t)qlt(t, b, a))
QFN(q_ge, (uint64_t)!qlt(t, a, b))
QFN(q_min, qlt(t, b, a) ? b : a)
QFN(q_max, qlt(t, a, b) ? b : a)
QFN(q_clamp, qlt(t, c, (qlt(t, a, b) ? b : a)) ? c : (qlt(t, a, b) ? b : a))
QFN(q_abs, t == VYVM_I64 && (int64_t)a < 0 ? 0 - a : a)
QFN(q_sign, t != VYVM_I64 ? (uint64_t)(a != 0) :
	    (int64_t)a > 0 ? 1u : (int64_t)a < 0 ? ~(uint64_t)0 : 0u)
DFN(d_add, UQ(x + y))
DFN(d_sub, UQ(x - y))
DFN(d_mul, UQ(x * y))
DFN(d_div, UQ(x / y))
DFN(d_neg, a ^ 0x8000000000000000ull)
DFN(d_lt, (uint64_t)(x < y))
DFN(d_le, (uint64_t)(x <= y))
DFN(d_gt, (uint64_t)(x > y))
DFN(d_ge, (uint64_t)(x >= y))
DFN(d_fma, UQ(fma(x, y, z)))
DFN(d_min, UQ(dminnum(x, y)))
DFN(d_max, UQ(dmaxnum(x, y)))
DFN(d_clamp, UQ(dminnum(dmaxnum(x, y), z)))
DFN(d_abs, a & 0x7FFFFFFFFFFFFFFFull)
DFN(d_sign, UQ(dsign(x)))
DFN(d_floor, UQ(floor(x)))
DFN(d_ceil, UQ(ceil(x)))
DFN(d_round, UQ(nearbyint(x)))
DFN(d_trunc, UQ(trunc(x)))
DFN(d_sqrt, UQ(sqrt(x)))
QFN(w_eq, t == VYVM_F64 ? (uint64_t)(D(a) == D(b)) : (uint64_t)(a == b))
QFN(w_ne, t == VYVM_F64 ? (uint64_t)(D(a) != D(b)) : (uint64_t)(a != b))
QFN(w_select, (uint32_t)a ? b : c)
QFN(w_cast, cast64(t, aux, a))
QFN(w_bitcast, a)

/* The ops the 64-bit types have (the resolver refuses the rest, naming op
 * and type): any, i (u64 i64), f (f64). */
struct vm_row64 {
	vm_fn64 any, i, f;
};

static const struct vm_row64 vm_ops64[VYVM_NOPS] = {
	[VYVM_OP_ADD] = { NULL, q_add, d_add },
	[VYVM_OP_SUB] = { NULL, q_sub, d_sub },
	[VYVM_OP_MUL] = { NULL, q_mul, d_mul },
	[VYVM_OP_DIV] = { NULL, q_div, d_div },
	[VYVM_OP_REM] = { NULL, q_rem, NULL },
	[VYVM_OP_NEG] = { NULL, q_neg, d_neg },
	[VYVM_OP_AND] = { NULL, q_and, NULL },
	[VYVM_OP_OR] = { NULL, q_or, NULL },
	[VYVM_OP_XOR] = { NULL, q_xor, NULL },
	[VYVM_OP_NOT] = { NULL, q_not, NULL },
	[VYVM_OP_SHL] = { NULL, q_shl, NULL },
	[VYVM_OP_SHR] = { NULL, q_shr, NULL },
	[VYVM_OP_EQ] = { w_eq, NULL, NULL },
	[VYVM_OP_NE] = { w_ne, NULL, NULL },
	[VYVM_OP_LT] = { NULL, q_lt, d_lt },
	[VYVM_OP_LE] = { NULL, q_le, d_le },
	[VYVM_OP_GT] = { NULL, q_gt, d_gt },
	[VYVM_OP_GE] = { NULL, q_ge, d_ge },
	[VYVM_OP_SELECT] = { w_select, NULL, NULL },
	[VYVM_OP_CAST] = { w_cast, NULL, NULL },
	[VYVM_OP_BITCAST] = { w_bitcast, NULL, NULL },
	[VYVM_OP_FMA] = { NULL, NULL, d_fma },
	[VYVM_OP_MIN] = { NULL, q_min, d_min },
	[VYVM_OP_MAX] = { NULL, q_max, d_max },
	[VYVM_OP_CLAMP] = { NULL, q_clamp, d_clamp },
	[VYVM_OP_ABS] = { NULL, q_abs, d_abs },
	[VYVM_OP_SIGN] = { NULL, q_sign, d_sign },
	[VYVM_OP_FLOOR] = { NULL, NULL, d_floor },
	[VYVM_OP_CEIL] = { NULL, NULL, d_ceil },
	[VYVM_OP_ROUND] = { NULL, NULL, d_round },
	[VYVM_OP_TRUNC] = { NULL, NULL, d_trunc },
	[VYVM_OP_SQRT] = { NULL, NULL, d_sqrt },
};

/* The 64-bit row for op whose operation type is t (a cast's or bitcast's
 * source aux), or NULL. */
static vm_fn64 vm_fn64_of(uint32_t op, uint32_t t, uint32_t aux)
{
	if (op >= VYVM_NOPS)
		return NULL;
	if (op == VYVM_OP_CAST || op == VYVM_OP_BITCAST)
		return is64(t) || is64(aux) ? vm_ops64[op].any : NULL;
	if (!is64(t))
		return NULL;
	if (vm_ops64[op].any)
		return vm_ops64[op].any;
	return t == VYVM_F64 ? vm_ops64[op].f : vm_ops64[op].i;
}

int vyvm_has_op64(uint32_t op, uint32_t t, uint32_t aux)
{
	return vm_fn64_of(op, t, aux) != NULL;
}

uint64_t vyvm_eval_op64(uint32_t op, uint32_t t, uint32_t aux, uint64_t a,
			uint64_t b, uint64_t c)
{
	vm_fn64 fn = vm_fn64_of(op, t, aux);
	if (!fn)
		return vyvm_eval_op(op, t, aux, (uint32_t)a, (uint32_t)b, (uint32_t)c);
	return fn(t, aux, a, b, c);
}

/* Decoding has checked the row (op_type_ok); a caller outside the VM
 * (folding, launch sizes) with an op the VM cannot compute is a bug. */
uint32_t vyvm_eval_op(uint32_t op, uint32_t t, uint32_t aux, uint32_t a,
		      uint32_t b, uint32_t c)
{
	vm_fn fn = vm_fn_of(op, t);
	if (!fn) {
#ifdef VYVM_LIBVYREC   /* inside libvyrec: an error of the API call */
		vy_bug_at(__FILE__, __LINE__, "the reference VM has no row "
			  "for op %u on type %u", op, t);
#else
		fprintf(stderr, "vyrec: internal error: the reference VM has no "
			"row for op %u on type %u\n", op, t);
		abort();
#endif
	}
	return fn(t, aux, a, b, c);
}

static const unsigned char atomic_ops[VYVM_NOPS] = {
#define VY_ATOMIC(e) [VYVM_OP_##e] = 1,
#include "vyrec_ops.def"
#undef VY_ATOMIC
};

static int is_atomic(uint32_t op)
{
	return op < VYVM_NOPS && atomic_ops[op];
}

/* Arity and class of the first parameter, from the table. */
static uint32_t op_arity(uint32_t op, uint8_t *cls)
{
	if (op >= sizeof op_nparams) {
		*cls = PC_NONE;
		return 0;
	}
	*cls = op_sigs[op].cls[0];
	return op_nparams[op];
}

static int type_in(uint8_t cls, uint32_t t)
{
	switch (cls) {
	case PC_ANY:
		return (t >= VYVM_BOOL && t <= VYVM_F32) || is64(t);
	case PC_NUM:
		return (t >= VYVM_U32 && t <= VYVM_F32) || is64(t);
	case PC_INT:
		return t == VYVM_U32 || t == VYVM_I32 || t == VYVM_U64 || t == VYVM_I64;
	case PC_FLOAT:
		return t == VYVM_F32 || t == VYVM_F64;
	case PC_F32:
		return t == VYVM_F32;
	case PC_BOOL:
		return t == VYVM_BOOL;
	case PC_U32:
		return t == VYVM_U32;
	case PC_I32:
		return t == VYVM_I32;
	}
	return 0;
}

static const uint8_t type_size[VYVM_NTYPES];

/* Whether t is a valid operation type for op (select: its value type). */
static int op_type_ok(uint32_t op, uint32_t t, uint32_t aux)
{
	uint8_t cls;
	op_arity(op, &cls);
	if (op == VYVM_OP_SELECT || op == VYVM_OP_CAST)
		cls = PC_ANY;
	if (is64(t) || is64(aux)) {   /* the 64-bit rows */
		if (!vm_fn64_of(op, t, aux))
			return 0;
		if (op == VYVM_OP_CAST)
			return type_in(cls, t) && type_in(cls, aux);
		if (op == VYVM_OP_BITCAST)
			return type_size[t] == type_size[aux] && type_in(PC_NUM, t) &&
			       type_in(PC_NUM, aux);
		return type_in(cls, t) && aux == 0;
	}
	if (!vm_fn_of(op, t))
		return 0;
	if (op == VYVM_OP_CAST)
		return type_in(cls, t) && type_in(cls, aux);
	if (op == VYVM_OP_BITCAST)
		return type_in(PC_NUM, t) && type_in(PC_NUM, aux);
	return type_in(cls, t) && aux == 0;
}

/* ---- decoding ---- */

struct rd {
	const unsigned char *p;
	size_t n, off;
	char *err;
	size_t errlen;
	int bad;
	struct vyvm_impl *im;
};

static int rfail(struct rd *r, const char *fmt, ...)
{
	va_list ap;
	if (r->bad++)
		return -1;
	if (r->err && r->errlen) {
		int k = snprintf(r->err, r->errlen, "invalid reference module: ");
		va_start(ap, fmt);
		if (k > 0 && (size_t)k < r->errlen)
			vsnprintf(r->err + k, r->errlen - (size_t)k, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static uint32_t rd_u32(struct rd *r)
{
	const unsigned char *q;
	if (r->bad)
		return 0;
	if (r->n - r->off < 4) {
		rfail(r, "truncated at byte %zu", r->off);
		return 0;
	}
	q = r->p + r->off;
	r->off += 4;
	return (uint32_t)q[0] | (uint32_t)q[1] << 8 | (uint32_t)q[2] << 16 |
	       (uint32_t)q[3] << 24;
}

/* A string into the module's string table; "" on error. */
static const char *rd_str(struct rd *r, uint32_t max)
{
	uint32_t len = rd_u32(r);
	size_t padded = ((size_t)len + 3) & ~(size_t)3;
	char *s;
	if (r->bad)
		return "";
	if (len > max || padded > r->n - r->off) {
		rfail(r, "string of %u bytes at byte %zu overruns its section", len, r->off);
		return "";
	}
	if (memchr(r->p + r->off, 0, len)) {
		rfail(r, "string at byte %zu holds a NUL byte", r->off);
		return "";
	}
	s = r->im->strings + r->im->nstrings;
	memcpy(s, r->p + r->off, len);
	s[len] = 0;
	r->im->nstrings += (size_t)len + 1;
	r->off += padded;
	return s;
}

static int valid_type(uint32_t t) { return (t >= VYVM_U32 && t <= VYVM_F32) || is64(t); }

static const uint8_t type_size[VYVM_NTYPES] = {
#define VY_TYPE(e, n, sz, ...) sz,
#include "vyrec_types.def"
#undef VY_TYPE
};

uint32_t vyvm_type_size(uint32_t t)
{
	return t < VYVM_NTYPES ? type_size[t] : 0;
}

/* Vectors (vyrec_types.def VY_VEC): lanes and element type; a vector
 * element i's component j is scalar i * lanes + j of its memory. */
static const uint8_t vec_lanes[VYVM_NTYPES] = {
#define VY_VEC(e, el, n) [VYVM_##e] = n,
#include "vyrec_types.def"
#undef VY_VEC
};
static const uint8_t vec_elem[VYVM_NTYPES] = {
#define VY_VEC(e, el, n) [VYVM_##e] = VYVM_##el,
#include "vyrec_types.def"
#undef VY_VEC
};

static uint32_t lanes_of(uint32_t t)
{
	return t < VYVM_NTYPES && vec_lanes[t] ? vec_lanes[t] : 1;
}

static uint32_t elem_of(uint32_t t)
{
	return t < VYVM_NTYPES && vec_lanes[t] ? vec_elem[t] : t;
}

/* Buffer and shared element types: the scalars, the storage types and
 * the vectors. */
static int valid_mem_type(uint32_t t)
{
	return valid_type(t) || (t >= VYVM_U8 && t <= VYVM_BF16) ||
	       (t < VYVM_NTYPES && vec_lanes[t]);
}

/* A uniform expression: postfix items checked for stack discipline. */
static int rd_ucode(struct rd *r, struct ucode *u, uint32_t nparams,
		    int allow_len, uint32_t nbuf)
{
	uint32_t n = rd_u32(r), depth = 0;
	if (r->bad)
		return -1;
	if (n == 0 || n > 4096 || (size_t)n * 4 > r->n - r->off)
		return rfail(r, "uniform expression of %u words", n);
	u->w = malloc((size_t)n * 4);
	if (!u->w)
		return rfail(r, "out of memory");
	u->n = n;
	for (uint32_t i = 0; i < n; i++)
		u->w[i] = rd_u32(r);
	for (uint32_t i = 0; i < n; ) {
		uint32_t w = u->w[i++], kind = w & 0xff, op = w >> 8 & 0xff;
		uint32_t t = w >> 16 & 0xff, aux = w >> 24;
		if (kind <= VYVM_U_LEN) {
			if (i == n || (w >> 8) != 0)
				return rfail(r, "bad uniform item");
			uint32_t x = u->w[i++];
			if (kind == VYVM_U_PARAM && x >= nparams)
				return rfail(r, "uniform param %u out of range", x);
			if (kind == VYVM_U_LEN && (!allow_len || x >= nbuf))
				return rfail(r, "uniform len(%u) not allowed here", x);
			if (++depth > VYVM_MAX_USTACK)
				return rfail(r, "uniform expression too deep");
			continue;
		}
		uint8_t cls;
		if (kind != VYVM_U_OP || op >= VYVM_NOPS || is_atomic(op) ||
		    !op_type_ok(op, t, aux))
			return rfail(r, "bad uniform op item 0x%08x", w);
		uint32_t ar = op_arity(op, &cls);
		if (depth < ar)
			return rfail(r, "uniform expression stack underflow");
		depth -= ar - 1;
	}
	if (depth != 1)
		return rfail(r, "uniform expression leaves %u values", depth);
	return 0;
}

static int rd_header_tables(struct rd *r, struct vyvm_module *m)
{
	struct vyvm_impl *im = m->impl;
	uint64_t lanes = 1;
	m->name = rd_str(r, 256);
	for (int k = 0; k < 3; k++) {
		m->wgsize[k] = rd_u32(r);
		if (!r->bad && (m->wgsize[k] == 0 || m->wgsize[k] > VYVM_MAX_LANES))
			return rfail(r, "workgroup size %u", m->wgsize[k]);
		lanes *= m->wgsize[k];
	}
	if (lanes > VYVM_MAX_LANES)
		return rfail(r, "workgroup of %llu invocations", (unsigned long long)lanes);
	im->nlanes = (uint32_t)lanes;
	m->nparams = rd_u32(r);
	if (m->nparams > VYVM_MAX_PARAMS)
		return rfail(r, "%u params", m->nparams);
	for (uint32_t i = 0; i < m->nparams && !r->bad; i++) {
		im->params[i].type = rd_u32(r);
		im->params[i].name = rd_str(r, 256);
		if (!r->bad && !valid_type(im->params[i].type))
			return rfail(r, "param %u has type %u", i, im->params[i].type);
	}
	return r->bad ? -1 : 0;
}

static int rd_buffers(struct rd *r, struct vyvm_module *m)
{
	struct vyvm_impl *im = m->impl;
	m->nbuffers = rd_u32(r);
	if (m->nbuffers > VYVM_MAX_BUFFERS)
		return rfail(r, "%u buffers", m->nbuffers);
	for (uint32_t i = 0; i < m->nbuffers && !r->bad; i++) {
		struct vyvm_buffer *b = &im->buffers[i];
		b->name = rd_str(r, 256);
		b->binding = rd_u32(r);
		b->type = rd_u32(r);
		b->access = rd_u32(r);
		if (r->bad)
			break;
		if (b->binding > 31 || !valid_mem_type(b->type) || b->access > VYVM_READ_WRITE ||
		    (i && b->binding <= im->buffers[i - 1].binding))
			return rfail(r, "buffer %u: binding %u type %u access %u", i,
				     b->binding, b->type, b->access);
		rd_ucode(r, &im->counts[i], m->nparams, 0, 0);
	}
	m->nshared = rd_u32(r);
	if (m->nshared > VYVM_MAX_BUFFERS)
		return rfail(r, "%u shared arrays", m->nshared);
	for (uint32_t i = 0; i < m->nshared && !r->bad; i++) {
		struct vyvm_shared *s = &im->shared[i];
		s->name = rd_str(r, 256);
		s->type = rd_u32(r);
		s->count = rd_u32(r);
		if (r->bad)
			break;
		uint32_t per = valid_mem_type(s->type) && is64(s->type) ? 2 : lanes_of(s->type);
		if (!valid_mem_type(s->type) || s->count == 0 ||
		    s->count > (VYVM_MAX_SHARED / 4 - im->shared_words) / per)
			return rfail(r, "shared array %u: type %u count %u", i, s->type, s->count);
		/* one word per element, whatever the type (so on every
		 * target): a store narrows, a load widens; a vector has one
		 * word per component, the 64-bit types two */
		im->shared_off[i] = im->shared_words;
		im->shared_words += s->count * per;
	}
	m->ndispatch = rd_u32(r);
	if (!r->bad && (m->ndispatch < 1 || m->ndispatch > 3))
		return rfail(r, "%u dispatch axes", m->ndispatch);
	for (uint32_t k = 0; k < m->ndispatch && !r->bad; k++)
		rd_ucode(r, &im->dispatch[k], m->nparams, 1, m->nbuffers);
	return r->bad ? -1 : 0;
}

static int rd_preloads(struct rd *r, struct vyvm_module *m)
{
	struct vyvm_impl *im = m->impl;
	im->nregs = rd_u32(r);
	im->npre = rd_u32(r);
	if (r->bad)
		return -1;
	if (im->nregs == 0 || im->nregs > VYVM_MAX_REGS ||
	    (uint64_t)im->nregs * im->nlanes > VYVM_MAX_WORDS || im->npre > im->nregs ||
	    (size_t)im->npre * 12 > r->n - r->off)
		return rfail(r, "%u registers, %u preloaded", im->nregs, im->npre);
	im->pre = calloc(im->npre + 1, sizeof *im->pre);
	if (!im->pre)
		return rfail(r, "out of memory");
	for (uint32_t i = 0; i < im->npre; i++) {
		struct pre *p = &im->pre[i];
		p->kind = rd_u32(r);
		p->a = rd_u32(r);
		p->b = rd_u32(r);
		int ok = p->kind == VYVM_PRE_CONST ||   /* b: a 64-bit constant's high word */
			 (p->kind == VYVM_PRE_PARAM && p->a < m->nparams && p->b == 0) ||
			 (p->kind == VYVM_PRE_LEN && p->a < m->nbuffers && p->b == 0) ||
			 (p->kind == VYVM_PRE_BUILTIN && p->a <= VYVM_NWG && p->b < 3) ||
			 (p->kind == VYVM_PRE_BUILTIN && p->a == VYVM_SG && p->b < 4);
		if (!ok)
			return rfail(r, "preload %u: kind %u (%u, %u)", i, p->kind, p->a, p->b);
	}
	return 0;
}

/* The PRIV section (SPEC §10.3). */
static int rd_privates(struct rd *r, struct vyvm_module *m)
{
	struct vyvm_impl *im = m->impl;
	(void)m;
	im->nprivate = rd_u32(r);
	if (im->nprivate == 0 || im->nprivate > VYVM_MAX_PRIVATES)
		return rfail(r, "%u private arrays", im->nprivate);
	for (uint32_t i = 0; i < im->nprivate && !r->bad; i++) {
		struct vyvm_private *a = &im->privates[i];
		a->name = rd_str(r, 256);
		a->type = rd_u32(r);
		a->ndims = rd_u32(r);
		a->dims[0] = rd_u32(r);
		a->dims[1] = rd_u32(r);
		if (r->bad)
			break;
		uint64_t n = (uint64_t)a->dims[0] * a->dims[1];
		if (!valid_type(a->type) || a->ndims < 1 || a->ndims > 2 || !n ||
		    (a->ndims == 1 && a->dims[1] != 1) ||
		    n * (is64(a->type) ? 2 : 1) > VYVM_MAX_PRIVATE / 4 - im->private_words)
			return rfail(r, "private array %u: type %u axes %u [%u][%u]", i,
				     a->type, a->ndims, a->dims[0], a->dims[1]);
		a->count = (uint32_t)n;
		a->off = im->private_words;
		im->private_words += a->count * (is64(a->type) ? 2 : 1);   /* 64-bit: two words */
	}
	return r->bad ? -1 : 0;
}

static int check_private(const struct vyvm_impl *im, uint32_t aux, uint32_t t)
{
	uint32_t mem = aux & 0x3fff;
	if (aux >> 15 && (mem >= im->nprivate || im->privates[mem].ndims != 2 || aux >> 14 & 1))
		return -1;   /* the 2-D form: row and column operands */
	return mem < im->nprivate && im->privates[mem].type == t ? 0 : -1;
}

/* Check a memory operand aux = space<<15 | signed<<14 | mem. */
static int check_mem(const struct vyvm_module *m, uint32_t aux,
		     uint32_t t, int write)
{
	uint32_t space = aux >> 15, mem = aux & 0x3fff;
	if (space == VYVM_BUFFER) {
		if (mem >= m->nbuffers || m->impl->buffers[mem].type != t)
			return -1;
		return write && m->impl->buffers[mem].access == VYVM_READ_ONLY ? -1 : 0;
	}
	return mem < m->nshared && m->impl->shared[mem].type == t ? 0 : -1;
}

static int check_op(const struct vyvm_module *m, const uint32_t *w)
{
	const struct vyvm_impl *im = m->impl;
	uint32_t op = w[0] & 0xff, t = w[0] >> 8 & 0xff, aux = w[0] >> 16;
	uint8_t cls;
	uint32_t ar = op_arity(op, &cls);
	if (w[1] < im->npre || w[1] >= im->nregs)
		return -1;
	if (is_atomic(op)) {
		if (!type_in(cls, t) || is64(t) || !vm_fn_of(op, t) || check_mem(m, aux, t, 1))
			return -1;
	} else if (!op_type_ok(op, t, aux)) {
		return -1;
	}
	for (uint32_t k = 0; k < 3; k++)
		if (k < ar ? w[2 + k] >= im->nregs : w[2 + k] != 0)
			return -1;
	return 0;
}

/* Check one non-structural instruction; 0 when valid. */
static int check_insn(const struct vyvm_module *m,
		      const uint32_t *w, int loop)
{
	const struct vyvm_impl *im = m->impl;
	uint32_t op = w[0] & 0xff, t = w[0] >> 8 & 0xff, aux = w[0] >> 16;
	uint32_t nr = im->nregs;
	if (op < VYVM_NOPS)
		return check_op(m, w);
	switch (op) {
	case VYVM_MOV:
		return !(w[0] >> 8 == 0 && w[1] >= im->npre && w[1] < nr && w[2] < nr &&
			 !w[3] && !w[4]);
	case VYVM_CONST:   /* w[3]: a 64-bit constant's high word */
		return !(w[0] >> 8 == 0 && w[1] >= im->npre && w[1] < nr && !w[4]);
	case VYVM_LOAD:   /* w[3]: the component of a vector element */
		return !(w[1] >= im->npre && w[1] < nr && w[2] < nr && w[3] < lanes_of(t) &&
			 !w[4] && !check_mem(m, aux, t, 0));
	case VYVM_STORE:  /* w[4]: the component */
		return !(!w[1] && w[2] < nr && w[3] < nr && w[4] < lanes_of(t) &&
			 !check_mem(m, aux, t, 1));
	case VYVM_PLOAD:
		return !(w[1] >= im->npre && w[1] < nr && w[2] < nr &&
			 (aux >> 15 ? w[3] < nr : !w[3]) && !w[4] && !check_private(im, aux, t));
	case VYVM_PSTORE:
		return !(!w[1] && w[2] < nr && w[3] < nr && (aux >> 15 ? w[4] < nr : !w[4]) &&
			 !check_private(im, aux, t));
	case VYVM_PFILL:
		return !(!w[1] && w[2] < nr && !w[3] && !w[4] && !(aux >> 14) &&
			 !check_private(im, aux, t));
	case VYVM_BREAKIFNOT:
		return !(loop && w[0] >> 8 == 0 && !w[1] && w[2] < nr && !w[3] && !w[4]);
	case VYVM_BREAK: case VYVM_CONTINUE:
		if (!loop)
			return -1;
		/* fall through */
	case VYVM_RETURN: case VYVM_BARRIER:
		return !(w[0] >> 8 == 0 && !w[1] && !w[2] && !w[3] && !w[4]);
	case VYVM_SUBGROUP:
		return !(vyvm_has_subgroup_op(aux, t) && w[1] >= im->npre && w[1] < nr &&
			 w[2] < nr && w[3] < nr && !w[4]);
	}
	return -1;
}

/* Check the block [pc, end) and its nested blocks. */
static int check_block(struct rd *r, const struct vyvm_module *m, uint32_t pc,
		       uint32_t end, uint32_t depth, int loop)
{
	struct vyvm_impl *im = m->impl;
	if (depth >= VYVM_MAX_NEST)
		return rfail(r, "control flow nested deeper than %d", VYVM_MAX_NEST);
	if (depth + 1 > im->nest)
		im->nest = depth + 1;
	while (pc < end) {
		const uint32_t *w = im->code + (size_t)pc * 5;
		uint32_t op = w[0] & 0xff;
		if (op == VYVM_IF || op == VYVM_LOOP) {
			int isloop = op == VYVM_LOOP;
			if (w[0] >> 8 || w[1] || (isloop ? w[2] != 0 : w[2] >= im->nregs) ||
			    !(pc < w[3] && w[3] <= w[4] && w[4] <= end))
				return rfail(r, "instruction %u: bad %s", pc, isloop ? "loop" : "if");
			if (check_block(r, m, pc + 1, w[3], depth + 1, loop || isloop) ||
			    check_block(r, m, w[3], w[4], depth + 1, loop || isloop))
				return -1;
			pc = w[4];
			continue;
		}
		if (check_insn(m, w, loop))
			return rfail(r, "instruction %u (0x%08x %u %u %u %u) is invalid", pc,
				     w[0], w[1], w[2], w[3], w[4]);
		pc++;
	}
	return 0;
}

static int rd_code(struct rd *r, struct vyvm_module *m)
{
	struct vyvm_impl *im = m->impl;
	im->ninstr = rd_u32(r);
	if (r->bad)
		return -1;
	if ((size_t)im->ninstr > (r->n - r->off) / 20)
		return rfail(r, "%u instructions overrun the code section", im->ninstr);
	im->code = malloc((size_t)im->ninstr * 20 + 20);
	if (!im->code)
		return rfail(r, "out of memory");
	for (size_t i = 0; i < (size_t)im->ninstr * 5; i++)
		im->code[i] = rd_u32(r);
	return check_block(r, m, 0, im->ninstr, 0, 0);
}

/* Read section tag into a bounded reader over its payload. */
static int rd_section(struct rd *r, uint32_t tag, struct rd *s)
{
	uint32_t t = rd_u32(r), len = rd_u32(r);
	if (r->bad)
		return -1;
	if (t != tag)
		return rfail(r, "section %u where section %u belongs", t, tag);
	if (len > r->n - r->off || len % 4)
		return rfail(r, "section %u of %u bytes overruns the module", t, len);
	*s = *r;
	s->n = r->off + len;
	r->off += len;
	return 0;
}

static int rd_body(struct rd *r, struct vyvm_module *m)
{
	struct rd s = *r;
	if (rd_section(r, 1, &s) || rd_header_tables(&s, m) || rd_buffers(&s, m) ||
	    rd_preloads(&s, m))
		return r->bad += s.bad, -1;
	if (s.off != s.n)
		return rfail(r, "%zu stray bytes after the program header", s.n - s.off);
	struct rd peek = *r;
	if (rd_u32(&peek) == 4) {
		if (rd_section(r, 4, &s) || rd_privates(&s, m))
			return r->bad += s.bad, -1;
		if (s.off != s.n)
			return rfail(r, "stray bytes after the private arrays");
	}
	if (rd_section(r, 2, &s) || rd_code(&s, m))
		return r->bad += s.bad, -1;
	if (s.off != s.n)
		return rfail(r, "stray bytes after the code");
	if (rd_section(r, 3, &s))
		return -1;
	m->manifest = rd_str(&s, 0xFFFFFFFFu);
	m->manifest_len = strlen(m->manifest);
	if (s.bad || s.off != s.n)
		return r->bad += s.bad, rfail(r, "bad manifest section");
	if (r->off != r->n)
		return rfail(r, "%zu stray bytes after the last section", r->n - r->off);
	return 0;
}

static int rd_module(struct rd *r, struct vyvm_module *m)
{
	static const unsigned char magic[8] = { 'V', 'Y', 'R', 'E', 'F', 0, 0, 1 };
	uint32_t version, len, lo, hi;
	if (r->n < 24 || memcmp(r->p, magic, 8))
		return rfail(r, "not a .vyref module (bad magic)");
	r->off = 8;
	version = rd_u32(r);
	len = rd_u32(r);
	lo = rd_u32(r);
	hi = rd_u32(r);
	if (version != VYVM_FORMAT)
		return rfail(r, "format version %u, this VM reads version %d", version, VYVM_FORMAT);
	if (len != r->n - 24)
		return rfail(r, "body of %u bytes, the file holds %zu", len, r->n - 24);
	m->hash = (uint64_t)hi << 32 | lo;
	if (vyvm_hash(r->p + 24, len) != m->hash)
		return rfail(r, "content hash mismatch (corrupted file)");
	return rd_body(r, m);
}

int vyvm_decode(const void *data, size_t n, struct vyvm_module **out,
		char *err, size_t errlen)
{
	struct vyvm_module *m = calloc(1, sizeof *m);
	struct vyvm_impl *im = calloc(1, sizeof *im);
	struct rd r = { data, n, 0, err, errlen, 0, im };
	*out = NULL;
	if (!m || !im || !(im->strings = malloc(n + 1))) {
		free(m);
		free(im);
		errf(err, errlen, "out of memory");
		return -1;
	}
	m->impl = im;
	m->params = im->params;
	m->buffers = im->buffers;
	m->shared = im->shared;
	m->name = m->manifest = "";
	if (!data || rd_module(&r, m)) {
		if (!r.bad)
			errf(err, errlen, "invalid reference module: no data");
		vyvm_free(m);
		return -1;
	}
	*out = m;
	return 0;
}

void vyvm_free(struct vyvm_module *m)
{
	if (!m)
		return;
	if (m->impl) {
		for (int i = 0; i < VYVM_MAX_BUFFERS; i++)
			free(m->impl->counts[i].w);
		for (int k = 0; k < 3; k++)
			free(m->impl->dispatch[k].w);
		free(m->impl->pre);
		free(m->impl->code);
		free(m->impl->strings);
		free(m->impl);
	}
	free(m);
}

/* ---- uniform expressions ---- */

static uint32_t ueval(const struct ucode *u, const uint32_t *params,
		      const uint32_t *counts)
{
	uint32_t st[VYVM_MAX_USTACK + 1];
	uint32_t sp = 0;
	uint8_t cls;
	for (uint32_t i = 0; i < u->n; ) {
		uint32_t w = u->w[i++], kind = w & 0xff;
		if (kind == VYVM_U_CONST)
			st[sp++] = u->w[i++];
		else if (kind == VYVM_U_PARAM)
			st[sp++] = params[u->w[i++]];
		else if (kind == VYVM_U_LEN)
			st[sp++] = counts[u->w[i++]];
		else {
			uint32_t op = w >> 8 & 0xff, ar = op_arity(op, &cls);
			sp -= ar;
			st[sp] = vyvm_eval_op(op, w >> 16 & 0xff, w >> 24, st[sp],
					   ar > 1 ? st[sp + 1] : 0, ar > 2 ? st[sp + 2] : 0);
			sp++;
		}
	}
	return st[0];
}

static const uint32_t no_words[VYVM_MAX_BUFFERS];

int vyvm_eval_counts(const struct vyvm_module *m, const uint32_t *params,
		     uint32_t *counts, char *err, size_t errlen)
{
	if (!params && m->nparams) {
		errf(err, errlen, "no params given");
		return -1;
	}
	for (uint32_t i = 0; i < m->nbuffers; i++)
		counts[i] = ueval(&m->impl->counts[i], params ? params : no_words, no_words);
	return 0;
}

int vyvm_eval_dispatch(const struct vyvm_module *m, const uint32_t *params,
		       const uint32_t *counts, uint32_t dispatch[3],
		       uint32_t grid[3], char *err, size_t errlen)
{
	if ((!params && m->nparams) || (!counts && m->nbuffers)) {
		errf(err, errlen, "no params or counts given");
		return -1;
	}
	for (uint32_t k = 0; k < 3; k++) {
		dispatch[k] = k < m->ndispatch ?
			ueval(&m->impl->dispatch[k], params ? params : no_words,
			      counts ? counts : no_words) : 1;
		grid[k] = dispatch[k] / m->wgsize[k] + (dispatch[k] % m->wgsize[k] != 0);
		if (grid[k] == 0) {
			errf(err, errlen, "dispatch axis %c is 0 invocations, so no "
			     "workgroup would run. Fix: pass params that make it positive",
			     "xyz"[k]);
			return -1;
		}
	}
	return 0;
}

/* ---- execution ---- */

struct vm {
	const struct vyvm_module *m;
	const struct vyvm_impl *im;
	uint32_t nl;
	union val *regs;
	uint8_t *masks, *exitf, *written;
	uint32_t **bufs;
	const uint32_t *counts;
	uint32_t *shmem;
	uint32_t *priv;           /* private arrays: word (off + i) * nl + lane */
	uint32_t wg[3];
	const uint32_t *grid;
	struct vyvm_opts *o;
	uint64_t steps;
	char *err;
	size_t errlen;
	uint32_t sgsize;          /* subgroup size (SPEC §10.4) */
};

static union val *reg(struct vm *v, uint32_t r)
{
	return v->regs + (size_t)r * v->nl;
}

static uint32_t gid_of(struct vm *v, uint32_t lane, int k)
{
	const uint32_t *ws = v->m->wgsize;
	uint32_t lid = k == 0 ? lane % ws[0] : k == 1 ? lane / ws[0] % ws[1] :
		       lane / (ws[0] * ws[1]);
	return v->wg[k] * ws[k] + lid;
}

static int any(const uint8_t *m, uint32_t n)
{
	return memchr(m, 1, n) != NULL;
}

static const char *mem_name(struct vm *v, uint32_t space, uint32_t mem)
{
	return space == VYVM_BUFFER ? v->im->buffers[mem].name : v->im->shared[mem].name;
}

static int oob(struct vm *v, const char *what, uint32_t aux, uint32_t i,
	       uint32_t count, uint32_t lane)
{
	uint32_t space = aux >> 15, mem = aux & 0x3fff;
	char idx[16];
	if (aux >> 14 & 1)
		snprintf(idx, sizeof idx, "%d", (int32_t)i);
	else
		snprintf(idx, sizeof idx, "%u", i);
	errf(v->err, v->errlen, "out-of-bounds %s %s `%s`: index %s, count %u, "
	     "invocation gid (%u, %u, %u)", what,
	     space == VYVM_BUFFER ? "buffer" : "shared array", mem_name(v, space, mem),
	     idx, count, gid_of(v, lane, 0), gid_of(v, lane, 1), gid_of(v, lane, 2));
	return -1;
}

/* The memory that aux names: base, count and written flags. */
static uint32_t *mem_of(struct vm *v, uint32_t aux, uint32_t *count,
			uint8_t **written)
{
	uint32_t mem = aux & 0x3fff;
	*written = NULL;
	if (aux >> 15 == VYVM_BUFFER) {
		*count = v->counts[mem];
		return v->bufs[mem];
	}
	*count = v->im->shared[mem].count;
	if (v->written)
		*written = v->written + v->im->shared_off[mem];
	return v->shmem + v->im->shared_off[mem];
}

static int in_bounds(uint32_t aux, uint32_t i, uint32_t count)
{
	return !(aux >> 14 & 1 && (int32_t)i < 0) && i < count;
}

static int uninit(struct vm *v, uint32_t aux, uint32_t i, uint32_t lane)
{
	errf(v->err, v->errlen, "strict: read of never-written shared element "
	     "`%s`[%u] by invocation gid (%u, %u, %u). Fix: store to shared memory "
	     "(and pass a barrier) before reading it",
	     mem_name(v, VYVM_SHARED, aux & 0x3fff), i, gid_of(v, lane, 0),
	     gid_of(v, lane, 1), gid_of(v, lane, 2));
	return -1;
}

/* An element of storage type t widened to its value (SPEC §10.1). */
static uint32_t widen(uint32_t t, uint32_t x)
{
	switch (t) {
	case VYVM_U8: return x & 0xffu;
	case VYVM_I8: return (uint32_t)(int32_t)(int8_t)(x & 0xffu);
	case VYVM_U16: return x & 0xffffu;
	case VYVM_I16: return (uint32_t)(int32_t)(int16_t)(x & 0xffffu);
	case VYVM_BF16: return x << 16;
	}
	return x;
}

/* f32 bits to bf16 bits, round to nearest even; a NaN stays a NaN,
 * made quiet. */
static uint32_t f32_to_bf16(uint32_t x)
{
	if ((x & 0x7fffffffu) > 0x7f800000u)
		return (x >> 16 | 0x40u) & 0xffffu;
	return (x + 0x7fffu + (x >> 16 & 1u)) >> 16;
}

/* A value narrowed to an element of type t: the low bits, bf16 rounded. */
static uint32_t narrow(uint32_t t, uint32_t x)
{
	switch (t) {
	case VYVM_U8: case VYVM_I8: return x & 0xffu;
	case VYVM_U16: case VYVM_I16: return x & 0xffffu;
	case VYVM_BF16: return f32_to_bf16(x);
	}
	return x;
}

/* Element i of a buffer of type t (its elements t's size, host order). */
static uint32_t buf_get(const void *base, uint32_t t, uint32_t i)
{
	uint32_t s = type_size[t];
	return s == 4 ? ((const uint32_t *)base)[i] : s == 2 ?
	       ((const uint16_t *)base)[i] : ((const uint8_t *)base)[i];
}

static void buf_set(void *base, uint32_t t, uint32_t i, uint32_t x)
{
	uint32_t s = type_size[t];
	if (s == 4)
		((uint32_t *)base)[i] = x;
	else if (s == 2)
		((uint16_t *)base)[i] = (uint16_t)x;
	else
		((uint8_t *)base)[i] = (uint8_t)x;
}

static int exec_load(struct vm *v, const uint32_t *w, const uint8_t *m)
{
	uint32_t aux = w[0] >> 16, t = w[0] >> 8 & 0xff, count;
	uint8_t *wr;
	const uint32_t *base = mem_of(v, aux, &count, &wr);
	union val *d = reg(v, w[1]);
	const union val *a = reg(v, w[2]);
	uint32_t nv = lanes_of(t), j = w[3];
	t = elem_of(t);
	for (uint32_t l = 0; l < v->nl; l++) {
		if (!m[l])
			continue;
		uint32_t i = a[l].u;
		if (!in_bounds(aux, i, count))
			return oob(v, "load from", aux, i, count, l);
		uint32_t k = i * nv + j;
		if (wr && !wr[k])
			return uninit(v, aux, i, l);
		if (is64(t))   /* buffers and shared: 8 bytes apart */
			memcpy(&d[l].u64, (const char *)base + (size_t)i * 8, 8);
		else
			d[l].u = widen(t, aux >> 15 == VYVM_BUFFER ? buf_get(base, t, k) : base[k]);
	}
	return 0;
}

static int exec_store(struct vm *v, const uint32_t *w, const uint8_t *m)
{
	uint32_t aux = w[0] >> 16, t = w[0] >> 8 & 0xff, count;
	uint8_t *wr;
	uint32_t *base = mem_of(v, aux, &count, &wr);
	const union val *a = reg(v, w[2]), *b = reg(v, w[3]);
	uint32_t nv = lanes_of(t), j = w[4];
	t = elem_of(t);
	for (uint32_t l = 0; l < v->nl; l++) {
		if (!m[l])
			continue;
		uint32_t i = a[l].u;
		if (!in_bounds(aux, i, count))
			return oob(v, "store to", aux, i, count, l);
		uint32_t k = i * nv + j;
		if (is64(t))
			memcpy((char *)base + (size_t)i * 8, &b[l].u64, 8);
		else if (aux >> 15 == VYVM_BUFFER)
			buf_set(base, t, k, narrow(t, b[l].u));
		else
			base[k] = narrow(t, b[l].u);
		if (wr)
			wr[k] = 1;
	}
	return 0;
}

/* ---- private arrays (SPEC §10.3) ---- */

static int priv_oob(struct vm *v, const char *what, uint32_t aux, uint32_t i,
		    uint32_t lane)
{
	const struct vyvm_private *a = &v->im->privates[aux & 0x3fff];
	char idx[48];
	if (aux >> 14 & 1)
		snprintf(idx, sizeof idx, "%d", (int32_t)i);
	else if (a->ndims == 2)
		snprintf(idx, sizeof idx, "[%u][%u]", i / a->dims[1], i % a->dims[1]);
	else
		snprintf(idx, sizeof idx, "%u", i);
	char bound[32];
	if (a->ndims == 2)
		snprintf(bound, sizeof bound, "[%u][%u]", a->dims[0], a->dims[1]);
	else
		snprintf(bound, sizeof bound, "%u", a->count);
	errf(v->err, v->errlen, "out-of-bounds %s private array `%s`: index %s, %s %s, "
	     "invocation gid (%u, %u, %u)", what, a->name, idx,
	     a->ndims == 2 ? "bounds" : "count", bound,
	     gid_of(v, lane, 0), gid_of(v, lane, 1), gid_of(v, lane, 2));
	return -1;
}

static int priv_oob2(struct vm *v, const char *what, const struct vyvm_private *a,
		     uint32_t row, uint32_t col, uint32_t lane)
{
	errf(v->err, v->errlen, "out-of-bounds %s private array `%s`: index [%u][%u], "
	     "bounds [%u][%u], invocation gid (%u, %u, %u)", what, a->name, row, col,
	     a->dims[0], a->dims[1], gid_of(v, lane, 0), gid_of(v, lane, 1), gid_of(v, lane, 2));
	return -1;
}

static int exec_private(struct vm *v, const uint32_t *w, const uint8_t *m)
{
	uint32_t op = w[0] & 0xff, aux = w[0] >> 16, nl = v->nl;
	const struct vyvm_private *pa = &v->im->privates[aux & 0x3fff];
	uint32_t *base = v->priv + (size_t)pa->off * nl;
	union val *d = reg(v, w[1]);
	const union val *a = reg(v, w[2]), *b = reg(v, w[3]);
	/* element i of lane l: word (off + i) * nl + l; a 64-bit element has
	 * its low word at 2i, its high word at 2i + 1 */
	int wide = is64(pa->type);
	for (uint32_t l = 0; l < nl; l++) {
		if (!m[l])
			continue;
		if (op == VYVM_PFILL) {
			for (uint32_t i = 0; i < pa->count; i++) {
				if (!wide) {
					base[(size_t)i * nl + l] = a[l].u;
					continue;
				}
				base[(size_t)2 * i * nl + l] = (uint32_t)a[l].u64;
				base[(size_t)(2 * i + 1) * nl + l] = (uint32_t)(a[l].u64 >> 32);
			}
			continue;
		}
		uint32_t i = a[l].u;
		if (aux >> 15) {   /* 2-D: row a, column b (load) or c (store) */
			uint32_t col = op == VYVM_PLOAD ? b[l].u : reg(v, w[4])[l].u;
			if (i >= pa->dims[0] || col >= pa->dims[1])
				return priv_oob2(v, op == VYVM_PLOAD ? "load from" : "store to",
						 pa, i, col, l);
			i = i * pa->dims[1] + col;
		} else if (!in_bounds(aux, i, pa->count))
			return priv_oob(v, op == VYVM_PLOAD ? "load from" : "store to", aux, i, l);
		if (wide && op == VYVM_PLOAD)
			d[l].u64 = base[(size_t)2 * i * nl + l] |
				   (uint64_t)base[(size_t)(2 * i + 1) * nl + l] << 32;
		else if (wide) {
			base[(size_t)2 * i * nl + l] = (uint32_t)b[l].u64;
			base[(size_t)(2 * i + 1) * nl + l] = (uint32_t)(b[l].u64 >> 32);
		} else if (op == VYVM_PLOAD)
			d[l].u = base[(size_t)i * nl + l];
		else
			base[(size_t)i * nl + l] = b[l].u;
	}
	return 0;
}

/* Atomics run lane by lane in lane order. */
static int exec_atomic(struct vm *v, const uint32_t *w, const uint8_t *m)
{
	uint32_t op = w[0] & 0xff, t = w[0] >> 8 & 0xff, aux = w[0] >> 16, count;
	uint8_t *wr;
	uint32_t *base = mem_of(v, aux, &count, &wr);
	union val *d = reg(v, w[1]);
	const union val *a = reg(v, w[2]), *b = reg(v, w[3]), *c = reg(v, w[4]);
	for (uint32_t l = 0; l < v->nl; l++) {
		if (!m[l])
			continue;
		uint32_t i = a[l].u;
		if (!in_bounds(aux, i, count))
			return oob(v, "atomic access to", aux, i, count, l);
		if (wr && !wr[i])
			return uninit(v, aux, i, l);
		uint32_t old = base[i];
		base[i] = vyvm_eval_op(op, t, 0, old, b[l].u, c[l].u);
		d[l].u = old;
	}
	return 0;
}

/* Strict mode: integer division by zero (and i32 MIN / -1) in an active
 * lane is reported once per run as a warning. */
static void check_div(struct vm *v, const uint32_t *w, const uint8_t *m)
{
	uint32_t t = w[0] >> 8 & 0xff;
	const union val *a = reg(v, w[2]), *b = reg(v, w[3]);
	for (uint32_t l = 0; l < v->nl; l++) {
		if (!m[l])
			continue;
		int zero = b[l].u == 0;
		int ovf = t == VYVM_I32 && a[l].u == 0x80000000u && b[l].u == 0xFFFFFFFFu;
		if (!zero && !ovf)
			continue;
		if (v->o->nwarnings++ == 0)
			snprintf(v->o->warn, sizeof v->o->warn, "strict: integer %s %s "
				 "in invocation gid (%u, %u, %u) gives an unspecified value "
				 "on GPUs",
				 (w[0] & 0xff) == VYVM_OP_DIV ? "division" : "remainder",
				 zero ? "by zero" : "of i32 MIN by -1",
				 gid_of(v, l, 0), gid_of(v, l, 1), gid_of(v, l, 2));
		return;
	}
}

#define LANES for (uint32_t l = 0; l < nl; l++)

/* The hot arithmetic ops as plain loops gcc vectorises; 1 if op is not
 * one of them. */
static int exec_fast(uint32_t op, uint32_t t, uint32_t nl, union val *d,
		     const union val *a, const union val *b, const union val *c)
{
	int f = t == VYVM_F32, s = t == VYVM_I32;
	switch (op) {
	case VYVM_OP_ADD: if (f) LANES d[l].f = a[l].f + b[l].f; else LANES d[l].u = a[l].u + b[l].u; return 0;
	case VYVM_OP_SUB: if (f) LANES d[l].f = a[l].f - b[l].f; else LANES d[l].u = a[l].u - b[l].u; return 0;
	case VYVM_OP_MUL: if (f) LANES d[l].f = a[l].f * b[l].f; else LANES d[l].u = a[l].u * b[l].u; return 0;
	case VYVM_OP_AND: LANES d[l].u = a[l].u & b[l].u; return 0;
	case VYVM_OP_OR: LANES d[l].u = a[l].u | b[l].u; return 0;
	case VYVM_OP_XOR: LANES d[l].u = a[l].u ^ b[l].u; return 0;
	case VYVM_OP_SHL: LANES d[l].u = a[l].u << (b[l].u & 31); return 0;
	case VYVM_OP_SHR:
		if (s) LANES d[l].i = a[l].i >> (b[l].u & 31); else LANES d[l].u = a[l].u >> (b[l].u & 31);
		return 0;
	case VYVM_OP_LT:
		if (f) LANES d[l].u = a[l].f < b[l].f; else if (s) LANES d[l].u = a[l].i < b[l].i;
		else LANES d[l].u = a[l].u < b[l].u;
		return 0;
	case VYVM_OP_GE:
		if (f) LANES d[l].u = a[l].f >= b[l].f; else if (s) LANES d[l].u = a[l].i >= b[l].i;
		else LANES d[l].u = a[l].u >= b[l].u;
		return 0;
	case VYVM_OP_LAND: LANES d[l].u = (a[l].u != 0) & (b[l].u != 0); return 0;
	case VYVM_OP_LOR: LANES d[l].u = (a[l].u != 0) | (b[l].u != 0); return 0;
	case VYVM_OP_LNOT: LANES d[l].u = a[l].u == 0; return 0;
	case VYVM_OP_SELECT: LANES d[l].u = a[l].u ? b[l].u : c[l].u; return 0;
	case VYVM_OP_BITCAST: LANES d[l].u = a[l].u; return 0;
	case VYVM_OP_FMA: if (f) { LANES d[l].f = fmaf(a[l].f, b[l].f, c[l].f); return 0; } break;
	}
	return 1;
}

/* An op on a 64-bit type (or a cast from or to one): operands read by
 * their types' widths. */
static int exec_wide(struct vm *v, const uint32_t *w)
{
	uint32_t op = w[0] & 0xff, t = w[0] >> 8 & 0xff, aux = w[0] >> 16, nl = v->nl;
	union val *d = reg(v, w[1]);
	const union val *a = reg(v, w[2]), *b = reg(v, w[3]), *c = reg(v, w[4]);
	uint32_t ta = op == VYVM_OP_CAST || op == VYVM_OP_BITCAST ? aux :
		      op == VYVM_OP_SELECT ? VYVM_BOOL : t;
	uint32_t tb = op == VYVM_OP_SHL || op == VYVM_OP_SHR ? VYVM_U32 : t;
	int wa = is64(ta), wb = is64(tb), wc = is64(t);
	vm_fn64 fn = vm_fn64_of(op, t, aux);
	LANES d[l].u64 = fn(t, aux, wa ? a[l].u64 : a[l].u, wb ? b[l].u64 : b[l].u,
			    wc ? c[l].u64 : c[l].u);
	return 0;
}

/* ---- subgroups (SPEC §10.4) ----
 * The workgroup's lanes are in flat local index order, so subgroup k is
 * lanes [k*S, k*S + S); the last may be partial.  Lanes that are missing
 * or inactive take part in reductions and scans with the identity.  The
 * float ones run in the SPEC's order (the xor butterfly, the Hillis-Steele
 * scan) so that they agree bit for bit with every target; a shuffle from
 * a lane outside the subgroup or inactive gives the lane's own value. */

/* Operand classes each subgroup op admits: n num, i int, b bool, - none. */
static const char sg_cls[VYVM_NSG] = {
	[VYVM_SG_ADD] = 'n', [VYVM_SG_MIN] = 'n', [VYVM_SG_MAX] = 'n',
	[VYVM_SG_AND] = 'i', [VYVM_SG_OR] = 'i', [VYVM_SG_XOR] = 'i',
	[VYVM_SG_INCLUSIVE_ADD] = 'n', [VYVM_SG_EXCLUSIVE_ADD] = 'n',
	[VYVM_SG_BROADCAST] = 'n', [VYVM_SG_BROADCAST_FIRST] = 'n',
	[VYVM_SG_SHUFFLE] = 'n', [VYVM_SG_SHUFFLE_XOR] = 'n',
	[VYVM_SG_SHUFFLE_UP] = 'n', [VYVM_SG_SHUFFLE_DOWN] = 'n',
	[VYVM_SG_ALL] = 'b', [VYVM_SG_ANY] = 'b', [VYVM_SG_ELECT] = '-',
	[VYVM_SG_BALLOT] = 'b',
};

int vyvm_has_subgroup_op(uint32_t sg, uint32_t t)
{
	if (sg >= VYVM_NSG)
		return 0;
	switch (sg_cls[sg]) {
	case 'n': return t == VYVM_U32 || t == VYVM_I32 || t == VYVM_F32;
	case 'i': return t == VYVM_U32 || t == VYVM_I32;
	case 'b': return t == VYVM_BOOL;
	case '-': return t == VYVM_BOOL;
	}
	return 0;
}

/* The identity of a reduction, and its combining step (the VM's own
 * add, min and max rows, so subgroup.min agrees with math.min). */
static uint32_t sg_identity(uint32_t sg, uint32_t t)
{
	int f = t == VYVM_F32, s = t == VYVM_I32;
	switch (sg) {
	case VYVM_SG_MIN: return f ? 0x7F800000u : s ? 0x7FFFFFFFu : 0xFFFFFFFFu;
	case VYVM_SG_MAX: return f ? 0xFF800000u : s ? 0x80000000u : 0;
	case VYVM_SG_AND: return 0xFFFFFFFFu;
	}
	return 0;   /* add, or, xor */
}

static uint32_t sg_combine(uint32_t sg, uint32_t t, uint32_t a, uint32_t b)
{
	switch (sg) {
	case VYVM_SG_MIN: return vyvm_eval_op(VYVM_OP_MIN, t, 0, a, b, 0);
	case VYVM_SG_MAX: return vyvm_eval_op(VYVM_OP_MAX, t, 0, a, b, 0);
	case VYVM_SG_AND: return a & b;
	case VYVM_SG_OR: return a | b;
	case VYVM_SG_XOR: return a ^ b;
	}
	return vyvm_eval_op(VYVM_OP_ADD, t, 0, a, b, 0);   /* add and the scans */
}

/* One subgroup of n lanes (x: the operand, y: the second one, m: the
 * active mask), S lanes wide. */
static void sg_one(uint32_t sg, uint32_t t, uint32_t S, uint32_t n, const uint8_t *m,
		   const union val *x, const union val *y, union val *d)
{
	uint32_t v[VYVM_SGSIZE_MAX], w[VYVM_SGSIZE_MAX], first = n;
	for (uint32_t k = 0; k < n; k++)
		if (m[k]) {
			first = k;
			break;
		}
	switch (sg) {
	case VYVM_SG_ADD: case VYVM_SG_MIN: case VYVM_SG_MAX:
	case VYVM_SG_AND: case VYVM_SG_OR: case VYVM_SG_XOR:
		for (uint32_t k = 0; k < S; k++)
			v[k] = k < n && m[k] ? x[k].u : sg_identity(sg, t);
		for (uint32_t h = S / 2; h >= 1; h /= 2) {   /* x = x + shuffle_xor(x, h) */
			for (uint32_t k = 0; k < S; k++)
				w[k] = sg_combine(sg, t, v[k], v[k ^ h]);
			memcpy(v, w, S * sizeof *v);
		}
		for (uint32_t k = 0; k < n; k++)
			if (m[k])
				d[k].u = v[k];
		return;
	case VYVM_SG_INCLUSIVE_ADD: case VYVM_SG_EXCLUSIVE_ADD:
		for (uint32_t k = 0; k < S; k++)
			v[k] = k < n && m[k] ? x[k].u : 0;
		for (uint32_t h = 1; h < S; h *= 2) {   /* x = lane >= h ? x + shuffle_up(x, h) : x */
			for (uint32_t k = 0; k < S; k++)
				w[k] = k >= h ? sg_combine(VYVM_SG_ADD, t, v[k], v[k - h]) : v[k];
			memcpy(v, w, S * sizeof *v);
		}
		for (uint32_t k = 0; k < n; k++)
			if (m[k])
				d[k].u = sg == VYVM_SG_INCLUSIVE_ADD ? v[k] : k ? v[k - 1] : 0;
		return;
	case VYVM_SG_ALL: case VYVM_SG_ANY: {
		uint32_t all = 1, any = 0;
		for (uint32_t k = 0; k < n; k++)
			if (m[k]) {
				all &= x[k].u != 0;
				any |= x[k].u != 0;
			}
		for (uint32_t k = 0; k < n; k++)
			if (m[k])
				d[k].u = sg == VYVM_SG_ALL ? all : any;
		return;
	}
	case VYVM_SG_ELECT:
		for (uint32_t k = 0; k < n; k++)
			if (m[k])
				d[k].u = k == first;
		return;
	case VYVM_SG_BALLOT: {   /* y: the word; lanes 32y .. 32y+31 */
		uint32_t bits = 0;
		for (uint32_t k = 0; k < n; k++)
			if (m[k] && x[k].u && k / 32 == y[k].u)
				bits |= 1u << (k % 32);
		for (uint32_t k = 0; k < n; k++)
			if (m[k])
				d[k].u = bits;
		return;
	}
	case VYVM_SG_BROADCAST_FIRST:
		for (uint32_t k = 0; k < n; k++)
			if (m[k])
				d[k].u = x[first].u;
		return;
	}
	/* the shuffles: read every source before writing (d may be x) */
	for (uint32_t k = 0; k < n; k++) {
		uint32_t src = y[k].u;
		if (sg == VYVM_SG_SHUFFLE_XOR)
			src = k ^ y[k].u;
		else if (sg == VYVM_SG_SHUFFLE_UP)
			src = k - y[k].u;
		else if (sg == VYVM_SG_SHUFFLE_DOWN)
			src = k + y[k].u;
		v[k] = src < n && m[src] ? x[src].u : x[k].u;
	}
	for (uint32_t k = 0; k < n; k++)
		if (m[k])
			d[k].u = v[k];
}

static int exec_subgroup(struct vm *v, const uint32_t *w, const uint8_t *m)
{
	uint32_t t = w[0] >> 8 & 0xff, sg = w[0] >> 16, S = v->sgsize;
	union val *d = reg(v, w[1]);
	const union val *x = reg(v, w[2]), *y = reg(v, w[3]);
	for (uint32_t base = 0; base < v->nl; base += S) {
		uint32_t n = v->nl - base < S ? v->nl - base : S;
		if (any(m + base, n))
			sg_one(sg, t, S, n, m + base, x + base, y + base, d + base);
	}
	return 0;
}

static int exec_op(struct vm *v, const uint32_t *w, const uint8_t *m)
{
	uint32_t op = w[0] & 0xff, t = w[0] >> 8 & 0xff, aux = w[0] >> 16, nl = v->nl;
	union val *d = reg(v, w[1]);
	const union val *a = reg(v, w[2]), *b = reg(v, w[3]), *c = reg(v, w[4]);
	if (op == VYVM_MOV) {
		LANES if (m[l]) d[l] = a[l];
		return 0;
	}
	if (op == VYVM_LOAD)
		return exec_load(v, w, m);
	if (op == VYVM_STORE)
		return exec_store(v, w, m);
	if (op == VYVM_PLOAD || op == VYVM_PSTORE || op == VYVM_PFILL)
		return exec_private(v, w, m);
	if (is_atomic(op))
		return exec_atomic(v, w, m);
	if (op == VYVM_SUBGROUP)
		return exec_subgroup(v, w, m);
	if (is64(t) || is64(aux))
		return exec_wide(v, w);
	if (!exec_fast(op, t, nl, d, a, b, c))
		return 0;
	if ((op == VYVM_OP_DIV || op == VYVM_OP_REM) && t != VYVM_F32 &&
	    (v->o->flags & VYVM_STRICT))
		check_div(v, w, m);
	vm_fn fn = vm_fn_of(op, t);
	LANES d[l].u = fn(t, aux, a[l].u, b[l].u, c[l].u);
	return 0;
}

static int exec_block(struct vm *v, uint32_t pc, uint32_t end, uint32_t depth);

static int exec_if(struct vm *v, uint32_t pc, const uint32_t *w, uint32_t depth)
{
	uint32_t nl = v->nl;
	uint8_t *m = v->masks + (size_t)depth * nl, *t = m + nl;
	const union val *c = reg(v, w[2]);
	int n = 0;
	LANES { t[l] = m[l] & (c[l].u != 0); n |= t[l]; }
	if (n && exec_block(v, pc + 1, w[3], depth + 1))
		return -1;
	if (w[3] < w[4]) {
		n = 0;
		LANES { t[l] = m[l] & (c[l].u == 0); n |= t[l]; }
		if (n && exec_block(v, w[3], w[4], depth + 1))
			return -1;
	}
	LANES m[l] &= v->exitf[l] == X_RUN;
	return 0;
}

static int exec_loop(struct vm *v, uint32_t pc, const uint32_t *w, uint32_t depth)
{
	uint32_t nl = v->nl;
	uint8_t *m = v->masks + (size_t)depth * nl, *lm = m + nl, *x = v->exitf;
	memcpy(lm, m, nl);
	for (;;) {
		if (v->o->max_steps && ++v->steps > v->o->max_steps)
			break;
		if (exec_block(v, pc + 1, w[3], depth + 1))
			return -1;
		int n = 0;
		LANES {
			if (m[l] && x[l] == X_CONT) {
				x[l] = X_RUN;
				lm[l] = 1;
			}
			n |= lm[l];
		}
		if (!n)
			break;
		if (w[3] < w[4] && exec_block(v, w[3], w[4], depth + 1))
			return -1;
	}
	LANES {
		if (m[l] && x[l] == X_BRK)
			x[l] = X_RUN;
		m[l] &= x[l] == X_RUN;
	}
	return 0;
}

/* Remove the active lanes for good (break, continue, return). */
static void leave(struct vm *v, uint8_t *m, uint8_t why)
{
	for (uint32_t l = 0; l < v->nl; l++)
		if (m[l]) {
			m[l] = 0;
			v->exitf[l] = why;
		}
}

static int exec_block(struct vm *v, uint32_t pc, uint32_t end, uint32_t depth)
{
	uint8_t *m = v->masks + (size_t)depth * v->nl;
	while (pc < end) {
		const uint32_t *w = v->im->code + (size_t)pc * 5;
		uint32_t op = w[0] & 0xff;
		if (v->o->max_steps && ++v->steps > v->o->max_steps) {
			errf(v->err, v->errlen, "step limit of %llu instructions reached",
			     (unsigned long long)v->o->max_steps);
			return -1;
		}
		switch (op) {
		case VYVM_IF: case VYVM_LOOP:
			if ((op == VYVM_IF ? exec_if : exec_loop)(v, pc, w, depth))
				return -1;
			if (v->o->max_steps && v->steps > v->o->max_steps)
				continue;   /* reported by the next instruction or the caller */
			pc = w[4];
			if (!any(m, v->nl))
				return 0;
			continue;
		case VYVM_BREAKIFNOT: {
			const union val *a = reg(v, w[2]);
			for (uint32_t l = 0; l < v->nl; l++)
				if (m[l] && !a[l].u) {
					m[l] = 0;
					v->exitf[l] = X_BRK;
				}
			if (!any(m, v->nl))
				return 0;
			break;
		}
		case VYVM_BREAK: leave(v, m, X_BRK); return 0;
		case VYVM_CONTINUE: leave(v, m, X_CONT); return 0;
		case VYVM_RETURN: leave(v, m, X_RET); return 0;
		case VYVM_BARRIER: break;
		case VYVM_CONST: {
			union val *d = reg(v, w[1]);
			for (uint32_t l = 0; l < v->nl; l++)
				if (m[l])
					d[l].u64 = w[2] | (uint64_t)w[3] << 32;
			break;
		}
		default:
			if (exec_op(v, w, m))
				return -1;
		}
		pc++;
	}
	return 0;
}

/* Fill the preloaded registers of one kind group: uniform ones once per
 * run (wg == 0), the per-workgroup builtins for each workgroup. */
static void preload(struct vm *v, const uint32_t *params, int per_wg)
{
	const uint32_t *ws = v->m->wgsize;
	for (uint32_t r = 0; r < v->im->npre; r++) {
		const struct pre *p = &v->im->pre[r];
		int wgdep = p->kind == VYVM_PRE_BUILTIN && p->a <= VYVM_WGID;
		union val *d = reg(v, r);
		if (wgdep != per_wg)
			continue;
		for (uint32_t l = 0; l < v->nl; l++) {
			uint32_t x = 0, lid = p->b == 0 ? l % ws[0] : p->b == 1 ?
				     l / ws[0] % ws[1] : l / (ws[0] * ws[1]);
			if (p->kind == VYVM_PRE_CONST) {   /* b: the high word */
				d[l].u64 = p->a | (uint64_t)p->b << 32;
				continue;
			}
			if (p->kind == VYVM_PRE_PARAM && is64(v->im->params[p->a].type)) {
				d[l].u64 = params[p->a] |
					   (uint64_t)params[VYVM_MAX_PARAMS + p->a] << 32;
				continue;
			}
			switch (p->kind) {
			case VYVM_PRE_PARAM: x = params[p->a]; break;
			case VYVM_PRE_LEN: x = v->counts[p->a]; break;
			default:
				if (p->a == VYVM_SG) {
					x = p->b == 0 ? v->sgsize : p->b == 1 ? l % v->sgsize :
					    p->b == 2 ? l / v->sgsize : (v->nl + v->sgsize - 1) / v->sgsize;
					break;
				}
				x = p->a == VYVM_GID ? v->wg[p->b] * ws[p->b] + lid :
				    p->a == VYVM_LID ? lid : p->a == VYVM_WGID ? v->wg[p->b] :
				    p->a == VYVM_WGSIZE ? ws[p->b] : v->grid[p->b];
			}
			d[l].u = x;
		}
	}
}

static int run_workgroup(struct vm *v)
{
	preload(v, NULL, 1);
	memset(v->exitf, X_RUN, v->nl);
	memset(v->masks, 1, v->nl);
	for (uint32_t i = 0; i < v->im->shared_words; i++)
		v->shmem[i] = 0xDEADBEEFu;
	if (v->written)
		memset(v->written, 0, v->im->shared_words);
	if (exec_block(v, 0, v->im->ninstr, 0))
		return -1;
	if (v->o->max_steps && v->steps > v->o->max_steps) {
		errf(v->err, v->errlen, "step limit of %llu instructions reached",
		     (unsigned long long)v->o->max_steps);
		return -1;
	}
	return 0;
}

static int check_launch(const struct vyvm_module *m, const uint32_t *params,
			void **bufs, const uint32_t *counts, const uint32_t grid[3],
			char *err, size_t errlen)
{
	if ((m->nparams && !params) || (m->nbuffers && (!bufs || !counts)) || !grid) {
		errf(err, errlen, "missing params, buffers, counts or grid");
		return -1;
	}
	for (uint32_t i = 0; i < m->nbuffers; i++)
		if (counts[i] && !bufs[i]) {
			errf(err, errlen, "buffer `%s` has %u elements but no memory",
			     m->buffers[i].name, counts[i]);
			return -1;
		}
	for (int k = 0; k < 3; k++)
		if (grid[k] == 0) {
			errf(err, errlen, "grid axis %c is 0 workgroups", "xyz"[k]);
			return -1;
		}
	return 0;
}

static int run_grid(struct vm *v)
{
	for (uint32_t z = 0; z < v->grid[2]; z++)
		for (uint32_t y = 0; y < v->grid[1]; y++)
			for (uint32_t x = 0; x < v->grid[0]; x++) {
				v->wg[0] = x, v->wg[1] = y, v->wg[2] = z;
				if (run_workgroup(v))
					return -1;
			}
	return 0;
}

int vyvm_run_opts(const struct vyvm_module *m, const uint32_t *params,
		  void **bufs, const uint32_t *counts, const uint32_t grid[3],
		  struct vyvm_opts *o, char *err, size_t errlen)
{
	const struct vyvm_impl *im = m->impl;
	struct vm v = { m, im, im->nlanes, NULL, NULL, NULL, NULL, (uint32_t **)bufs,
			counts, NULL, NULL, { 0, 0, 0 }, grid, o, 0, err, errlen, 0 };
	int rc = -1;
	o->nwarnings = 0;
	o->warn[0] = 0;
	if (check_launch(m, params, bufs, counts, grid, err, errlen))
		return -1;
	v.sgsize = o->subgroup_size ? o->subgroup_size : VYVM_SGSIZE_DEFAULT;
	if (v.sgsize < VYVM_SGSIZE_MIN || v.sgsize > VYVM_SGSIZE_MAX || (v.sgsize & (v.sgsize - 1))) {
		errf(err, errlen, "subgroup size %u is not a power of two from %d to %d",
		     v.sgsize, VYVM_SGSIZE_MIN, VYVM_SGSIZE_MAX);
		return -1;
	}
	v.regs = calloc((size_t)im->nregs * v.nl, sizeof *v.regs);
	v.masks = malloc((size_t)(im->nest + 1) * v.nl);
	v.exitf = malloc(v.nl);
	v.shmem = malloc((size_t)im->shared_words * 4 + 4);
	v.priv = malloc((size_t)im->private_words * v.nl * 4 + 4);
	if (o->flags & VYVM_STRICT)
		v.written = malloc(im->shared_words + 1);
	if (!v.regs || !v.masks || !v.exitf || !v.shmem || !v.priv ||
	    ((o->flags & VYVM_STRICT) && !v.written)) {
		errf(err, errlen, "out of memory for the VM's registers");
	} else {
		preload(&v, params, 0);
		rc = run_grid(&v);
	}
	free(v.regs);
	free(v.masks);
	free(v.exitf);
	free(v.shmem);
	free(v.priv);
	free(v.written);
	return rc;
}

int vyvm_run(const struct vyvm_module *m, const uint32_t *params, void **bufs,
	     const uint32_t *counts, const uint32_t grid[3], unsigned flags,
	     char *err, size_t errlen)
{
	struct vyvm_opts o;
	memset(&o, 0, sizeof o);
	o.flags = flags;
	if (vyvm_run_opts(m, params, bufs, counts, grid, &o, err, errlen))
		return -1;
	if (o.nwarnings)
		errf(err, errlen, "%s", o.warn);
	return 0;
}

/* The op's id, for debugging tools. */
const char *vyvm_op_name(uint32_t op);
const char *vyvm_op_name(uint32_t op)
{
	return op < VYVM_NOPS ? op_names[op] : "vm";
}
