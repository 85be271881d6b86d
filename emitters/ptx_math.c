/*
 * ptx_math.c: exp exp2 log log2 pow sin cos tan tanh for the ptx emitter.
 *
 * What we chose, and why: every function converts its f32 operand to f64
 * (exact), evaluates in f64 with plain IEEE instructions (add/mul/fma/div
 * .rn.f64, cvt.rni/rmi) and our own polynomials, and rounds once to f32.
 * The f64 result is good to ~1e-14 relative, so the f32 result is within
 * 1 ulp everywhere, far inside the bounds of vyrec_ops.def, denormals
 * included (PTX's ex2/lg2/sin.approx are not: .ftz behaviour, ~2 ulp, and
 * 2^-21 absolute error only on [-pi, pi]).  f64 is slow on consumer GPUs;
 * --fast-math swaps in the .approx forms (below).
 *
 *   exp2(t): n = rni(t), r = t - n (exact), 2^r by a degree-12 Taylor
 *            polynomial, times 2^n built from exponent bits; t clamped
 *            to [-200, 200] (beyond that f32 over/underflows anyway).
 *   exp(x) = exp2(x * log2(e)) in f64.
 *   log(x): x = 2^e * m with m in [sqrt(1/2), sqrt(2)) from the f64 bits,
 *            s = (m-1)/(m+1), ln m = 2 atanh(s) by its odd series to s^17.
 *   pow(x, y) = exp2(y * log2|x|) in f64, then C99's sign and special
 *            cases (odd integer y, negative x, x == 1, y == 0, -1^inf).
 *   sin cos tan: exact Payne-Hanek-style reduction: 2/pi as eight 24-bit
 *            chunks C_j, so |x| * C_j is exact in f64, each product is
 *            reduced mod 4 exactly, the sum gives the quadrant and a
 *            remainder in [-pi/4, pi/4]; Taylor polynomials to degree
 *            15/16.  Absolute error ~1e-14 for every f32 input.
 *   tanh(x) = u / (u + 2), u = expm1(2|x|) (Taylor below 0.5, else via
 *            exp2), sign restored.
 *
 * --fast-math (m->fast): f32 only, around the PTX ISA's .approx
 * instructions (errors as the PTX ISA documents them, for non-.ftz f32):
 * (PTX ISA 9.1, "Floating Point Instructions")
 *   exp2(x) = ex2.approx(x)                      2 ulp, full range
 *   exp(x):  t = x*log2e rounded, e = x*log2e - t from two fma (log2e as
 *            hi + lo), r = ex2.approx(t), then r + r*(e*ln2): the
 *            rounding of t costs nothing (~3 ulp in all)
 *   log2(x) = lg2.approx(x), log(x) = lg2.approx(x) * ln2: 2^-22 absolute
 *            on (0.5, 2), 2^-22 relative elsewhere
 *   pow(x, y) = ex2.approx(y * lg2.approx|x|), C99's special cases as above
 *   sin cos tan: r = x - k*2pi (k = rni(x/2pi), 2pi as hi + lo by fma),
 *            then sin/cos.approx(r) (2^-20.5 absolute on [-2pi, 2pi]);
 *            tan = div.full(sin, cos); sin and tan of |x| < 2^-12 are x
 *   tanh(x) = x - x^3/3 for |x| < 2^-6, else 1 - 2/(ex2.approx(2|x|
 *            log2e) + 1) with the sign of x.
 * The bounds these meet are VY_FAST in vyrec_ops.def.
 *
 * Every step goes through a builder that prints the PTX instruction or,
 * with no output buffer, computes the same IEEE operation on the host;
 * tests/ptx_math_test.c checks the host evaluation against libm.
 */
#include <math.h>
#include <string.h>

#include "ptx_math.h"

static const char *const cls_prefix[VY_PM_NCLS] = {"%p", "%r", "%f", "%rd", "%fd"};

struct vy_pv vy_ptxm_reg(struct vy_pm *m, int cls)
{
	struct vy_pv v = {0};
	snprintf(v.s, sizeof v.s, "%s%d", cls_prefix[cls], ++m->nreg[cls]);
	return v;
}

/* ---- the builder: one instruction, printed or evaluated ---- */

static struct vy_pv ins(struct vy_pm *m, int cls, const char *op, int n,
			const struct vy_pv *a)
{
	struct vy_pv r = vy_ptxm_reg(m, cls);
	vy_buf_printf(m->out, "\t%s \t%s", op, r.s);
	for (int i = 0; i < n; i++)
		vy_buf_printf(m->out, ", %s", a[i].s);
	vy_buf_puts(m->out, ";\n");
	return r;
}

static struct vy_pv dval(double d) { struct vy_pv v = {0}; v.d = d; return v; }
static struct vy_pv uval(uint32_t u) { struct vy_pv v = {0}; v.u = u; return v; }

#define OP1(fn, cls, name, expr) \
	static struct vy_pv fn(struct vy_pm *m, struct vy_pv a) { \
		if (m->out) return ins(m, cls, name, 1, &a); \
		return expr; }
#define OP2(fn, cls, name, expr) \
	static struct vy_pv fn(struct vy_pm *m, struct vy_pv a, struct vy_pv b) { \
		if (m->out) return ins(m, cls, name, 2, (struct vy_pv[]){a, b}); \
		return expr; }
#define OP3(fn, cls, name, expr) \
	static struct vy_pv fn(struct vy_pm *m, struct vy_pv a, struct vy_pv b, \
			       struct vy_pv c) { \
		if (m->out) return ins(m, cls, name, 3, (struct vy_pv[]){a, b, c}); \
		return expr; }

static uint32_t f32bits(double d)
{
	float f = (float)d;
	uint32_t u;
	memcpy(&u, &f, 4);
	return u;
}

/* cvt.rni/rzi.s32: round, saturate, NaN -> 0 (PTX ISA, cvt). */
static uint32_t sat_s32(double d)
{
	if (d != d)
		return 0;
	if (d >= 2147483647.0)
		return 0x7fffffffu;
	if (d <= -2147483648.0)
		return 0x80000000u;
	return (uint32_t)(int32_t)d;
}

OP2(add64, VY_PM_F64, "add.rn.f64", dval(a.d + b.d))
OP2(sub64, VY_PM_F64, "sub.rn.f64", dval(a.d - b.d))
OP2(mul64, VY_PM_F64, "mul.rn.f64", dval(a.d * b.d))
OP2(div64, VY_PM_F64, "div.rn.f64", dval(a.d / b.d))
OP2(min64, VY_PM_F64, "min.f64", dval(fmin(a.d, b.d)))
OP2(max64, VY_PM_F64, "max.f64", dval(fmax(a.d, b.d)))
OP3(fma64, VY_PM_F64, "fma.rn.f64", dval(fma(a.d, b.d, c.d)))
OP1(neg64, VY_PM_F64, "neg.f64", dval(-a.d))
OP1(rni64, VY_PM_F64, "cvt.rni.f64.f64", dval(nearbyint(a.d)))
OP1(rmi64, VY_PM_F64, "cvt.rmi.f64.f64", dval(floor(a.d)))
OP1(f64_of_f32, VY_PM_F64, "cvt.f64.f32", dval(a.d))
OP1(f32_of_f64, VY_PM_F32, "cvt.rn.f32.f64", dval((float)a.d))
OP1(s32_of_f64, VY_PM_B32, "cvt.rni.s32.f64", uval(sat_s32(nearbyint(a.d))))
OP1(f64_of_s32, VY_PM_F64, "cvt.rn.f64.s32", dval((int32_t)a.u))
OP1(abs32f, VY_PM_F32, "abs.f32", dval(fabs(a.d)))
OP1(neg32f, VY_PM_F32, "neg.f32", dval(-a.d))
OP1(trunc32f, VY_PM_F32, "cvt.rzi.f32.f32", dval(trunc(a.d)))
OP1(s32_of_f32, VY_PM_B32, "cvt.rzi.s32.f32", uval(sat_s32(trunc(a.d))))
OP1(bits32f, VY_PM_B32, "mov.b32", uval(f32bits(a.d)))
OP2(iadd, VY_PM_B32, "add.s32", uval(a.u + b.u))
OP2(iand, VY_PM_B32, "and.b32", uval(a.u & b.u))
OP2(ior, VY_PM_B32, "or.b32", uval(a.u | b.u))
OP2(ishl, VY_PM_B32, "shl.b32", uval(a.u << (b.u & 31)))
OP2(ishr, VY_PM_B32, "shr.u32", uval(a.u >> (b.u & 31)))
OP2(pand, VY_PM_PRED, "and.pred", uval(a.u & b.u))
OP2(por, VY_PM_PRED, "or.pred", uval(a.u | b.u))
OP2(pxor, VY_PM_PRED, "xor.pred", uval(a.u ^ b.u))
OP1(pnot, VY_PM_PRED, "not.pred", uval(!a.u))
/* f32 steps of the --fast-math sequences; an .approx instruction is
 * evaluated as the correctly rounded result (its error is the PTX ISA's). */
static double rf(double d) { return (float)d; }
OP2(add32, VY_PM_F32, "add.rn.f32", dval(rf(a.d + b.d)))
OP2(sub32, VY_PM_F32, "sub.rn.f32", dval(rf(a.d - b.d)))
OP2(mul32, VY_PM_F32, "mul.rn.f32", dval(rf(a.d * b.d)))
OP3(fma32, VY_PM_F32, "fma.rn.f32", dval(fmaf((float)a.d, (float)b.d, (float)c.d)))
OP1(rni32f, VY_PM_F32, "cvt.rni.f32.f32", dval(nearbyintf((float)a.d)))
OP1(ex2a, VY_PM_F32, "ex2.approx.f32", dval(rf(exp2(a.d))))
OP1(lg2a, VY_PM_F32, "lg2.approx.f32", dval(rf(log2(a.d))))
OP1(sina, VY_PM_F32, "sin.approx.f32", dval(rf(sin(a.d))))
OP1(cosa, VY_PM_F32, "cos.approx.f32", dval(rf(cos(a.d))))
OP2(divfull, VY_PM_F32, "div.full.f32", dval(rf(a.d / b.d)))
OP3(sel64, VY_PM_F64, "selp.f64", c.u ? a : b)
OP3(sel32f, VY_PM_F32, "selp.f32", c.u ? a : b)
OP3(sel32, VY_PM_B32, "selp.b32", c.u ? a : b)

/* setp.CMP.TYPE; floats compare d (ordered, "nan" = unordered), ints u. */
static struct vy_pv setp(struct vy_pm *m, const char *cmp, const char *ty,
			 struct vy_pv a, struct vy_pv b)
{
	if (m->out) {
		char op[32];
		snprintf(op, sizeof op, "setp.%s.%s", cmp, ty);
		return ins(m, VY_PM_PRED, op, 2, (struct vy_pv[]){a, b});
	}
	bool fl = ty[0] == 'f';
	double x = fl ? a.d : ty[0] == 's' ? (double)(int32_t)a.u : (double)a.u;
	double y = fl ? b.d : ty[0] == 's' ? (double)(int32_t)b.u : (double)b.u;
	switch (cmp[0] + cmp[1]) {
	case 'l' + 't': return uval(x < y);
	case 'g' + 't': return uval(x > y);
	case 'g' + 'e': return uval(x >= y);
	case 'e' + 'q': return uval(x == y);
	case 'n' + 'a': return uval(x != x || y != y);
	}
	vy_bug("setp.%s not modelled", cmp);
}

/* mov.b64 {lo, hi}, d and back. */
static void split64(struct vy_pm *m, struct vy_pv d, struct vy_pv *lo,
		    struct vy_pv *hi)
{
	if (m->out) {
		*lo = vy_ptxm_reg(m, VY_PM_B32);
		*hi = vy_ptxm_reg(m, VY_PM_B32);
		vy_buf_printf(m->out, "\tmov.b64 \t{%s, %s}, %s;\n", lo->s, hi->s, d.s);
		return;
	}
	uint64_t u;
	memcpy(&u, &d.d, 8);
	*lo = uval((uint32_t)u);
	*hi = uval((uint32_t)(u >> 32));
}

static struct vy_pv join64(struct vy_pm *m, struct vy_pv lo, struct vy_pv hi)
{
	if (m->out) {
		struct vy_pv r = vy_ptxm_reg(m, VY_PM_F64);
		vy_buf_printf(m->out, "\tmov.b64 \t%s, {%s, %s};\n", r.s, lo.s, hi.s);
		return r;
	}
	uint64_t u = (uint64_t)hi.u << 32 | lo.u;
	double d;
	memcpy(&d, &u, 8);
	return dval(d);
}

/* ---- constants ---- */

static struct vy_pv k64(uint64_t bits)
{
	struct vy_pv v = {0};
	memcpy(&v.d, &bits, 8);
	snprintf(v.s, sizeof v.s, "0d%016llX", (unsigned long long)bits);
	return v;
}

static struct vy_pv kd(double d)
{
	uint64_t u;
	memcpy(&u, &d, 8);
	return k64(u);
}

static struct vy_pv kf(uint32_t bits)
{
	struct vy_pv v = {0};
	float f;
	memcpy(&f, &bits, 4);
	v.d = f;
	snprintf(v.s, sizeof v.s, "0f%08X", bits);
	return v;
}

static struct vy_pv ki(uint32_t u)
{
	struct vy_pv v = uval(u);
	snprintf(v.s, sizeof v.s, "%u", u);
	return v;
}

#define F32_NAN  0x7fffffffu
#define F32_INF  0x7f800000u
#define F32_NINF 0xff800000u
#define F32_ONE  0x3f800000u

static const uint64_t LOG2E = 0x3FF71547652B82FEull, LN2 = 0x3FE62E42FEFA39EFull,
	PIO2 = 0x3FF921FB54442D18ull;

/* ln(2)^k / k!, k = 0..12 */
static const uint64_t exp2_c[] = {
	0x3FF0000000000000, 0x3FE62E42FEFA39EF, 0x3FCEBFBDFF82C58F,
	0x3FAC6B08D704A0C0, 0x3F83B2AB6FBA4E77, 0x3F55D87FE78A6731,
	0x3F2430912F86C787, 0x3EEFFCBFC588B0C7, 0x3EB62C0223A5C824,
	0x3E7B5253D395E7C4, 0x3E3E4CF5158B8ECA, 0x3DFE8CAC7351BB25,
	0x3DBC3BD650FC2986,
};
/* (-1)^k / (2k+1)!, k = 1..7 */
static const uint64_t sin_c[] = {
	0xBFC5555555555555, 0x3F81111111111111, 0xBF2A01A01A01A01A,
	0x3EC71DE3A556C734, 0xBE5AE64567F544E4, 0x3DE6124613A86D09,
	0xBD6AE7F3E733B81F,
};
/* (-1)^k / (2k)!, k = 1..8 */
static const uint64_t cos_c[] = {
	0xBFE0000000000000, 0x3FA5555555555555, 0xBF56C16C16C16C17,
	0x3EFA01A01A01A01A, 0xBE927E4FB7789F5C, 0x3E21EED8EFF8D898,
	0xBDA93974A8C07C9D, 0x3D2AE7F3E733B81F,
};
/* 2 / (2k+1), k = 0..8 */
static const uint64_t log_c[] = {
	0x4000000000000000, 0x3FE5555555555555, 0x3FD999999999999A,
	0x3FD2492492492492, 0x3FCC71C71C71C71C, 0x3FC745D1745D1746,
	0x3FC3B13B13B13B14, 0x3FC1111111111111, 0x3FBE1E1E1E1E1E1E,
};
/* 1 / (k+1)!, k = 0..13 */
static const uint64_t expm1_c[] = {
	0x3FF0000000000000, 0x3FE0000000000000, 0x3FC5555555555555,
	0x3FA5555555555555, 0x3F81111111111111, 0x3F56C16C16C16C17,
	0x3F2A01A01A01A01A, 0x3EFA01A01A01A01A, 0x3EC71DE3A556C734,
	0x3E927E4FB7789F5C, 0x3E5AE64567F544E4, 0x3E21EED8EFF8D898,
	0x3DE6124613A86D09, 0x3DA93974A8C07C9D,
};
/* 2/pi in 24-bit chunks (fdlibm's ipio2): C_j = chunk * 2^(-24(j+1)) */
static const uint32_t twoopi[] = {
	0xA2F983, 0x6E4E44, 0x1529FC, 0x2757D1, 0xF534DD, 0xC0DB62, 0x95993C,
	0x439041,
};

#define N(a) ((int)(sizeof a / sizeof a[0]))

/* Horner: c[n-1] z^(n-1) + ... + c[0]. */
static struct vy_pv horner(struct vy_pm *m, const uint64_t *c, int n,
			   struct vy_pv z)
{
	struct vy_pv p = k64(c[n - 1]);
	for (int k = n - 2; k >= 0; k--)
		p = fma64(m, p, z, k64(c[k]));
	return p;
}

/* 2^t in f64 for f64 t (NaN passes). */
static struct vy_pv exp2_core(struct vy_pm *m, struct vy_pv t)
{
	struct vy_pv isnan = setp(m, "nan", "f64", t, t);
	struct vy_pv tc = max64(m, min64(m, t, kd(200)), kd(-200));
	struct vy_pv n = rni64(m, tc);
	struct vy_pv r = sub64(m, tc, n);
	struct vy_pv p = horner(m, exp2_c, N(exp2_c), r);
	struct vy_pv e = iadd(m, s32_of_f64(m, n), ki(1023));
	struct vy_pv sc = join64(m, ki(0), ishl(m, e, ki(20)));
	return sel64(m, t, mul64(m, p, sc), isnan);
}

/* ln(x) = e*ln2 + L for x > 0 finite: the pair (e as f64, L). */
static void log_core(struct vy_pm *m, struct vy_pv xd, struct vy_pv *e,
		     struct vy_pv *l)
{
	struct vy_pv lo, hi;
	split64(m, xd, &lo, &hi);
	struct vy_pv ex = iadd(m, iand(m, ishr(m, hi, ki(20)), ki(0x7ff)),
			       ki((uint32_t)-1023));
	struct vy_pv mh = iand(m, hi, ki(0xfffff));
	struct vy_pv big = setp(m, "ge", "u32", mh, ki(0x6a09e));
	ex = sel32(m, iadd(m, ex, ki(1)), ex, big);
	struct vy_pv mhi = ior(m, mh, sel32(m, ki(0x3fe00000), ki(0x3ff00000), big));
	struct vy_pv f = sub64(m, join64(m, lo, mhi), kd(1));
	struct vy_pv s = div64(m, f, add64(m, f, kd(2)));
	struct vy_pv w = horner(m, log_c, N(log_c), mul64(m, s, s));
	*l = mul64(m, s, w);
	*e = f64_of_s32(m, ex);
}

/* log2(a) in f64 for an f32 a >= 0 or NaN (a < 0 gives NaN). */
static struct vy_pv log2_f64(struct vy_pm *m, struct vy_pv a)
{
	struct vy_pv e, l;
	log_core(m, f64_of_f32(m, a), &e, &l);
	struct vy_pv r = fma64(m, l, k64(LOG2E), e);
	struct vy_pv bad = por(m, setp(m, "lt", "f32", a, kf(0)),
			       setp(m, "nan", "f32", a, a));
	r = sel64(m, kd(NAN), r, bad);
	r = sel64(m, kd(-INFINITY), r, setp(m, "eq", "f32", a, kf(0)));
	return sel64(m, kd(INFINITY), r, setp(m, "eq", "f32", a, kf(F32_INF)));
}

static struct vy_pv do_log(struct vy_pm *m, struct vy_pv x, bool base2)
{
	if (base2)
		return f32_of_f64(m, log2_f64(m, x));
	struct vy_pv e, l;
	log_core(m, f64_of_f32(m, x), &e, &l);
	struct vy_pv r = f32_of_f64(m, fma64(m, e, k64(LN2), l));
	struct vy_pv bad = por(m, setp(m, "lt", "f32", x, kf(0)),
			       setp(m, "nan", "f32", x, x));
	r = sel32f(m, kf(F32_NAN), r, bad);
	r = sel32f(m, kf(F32_NINF), r, setp(m, "eq", "f32", x, kf(0)));
	return sel32f(m, kf(F32_INF), r, setp(m, "eq", "f32", x, kf(F32_INF)));
}

/* C99's sign and special cases of pow(x, y) (the reference calls pow())
 * applied to r = 2^(y log2|x|). */
static struct vy_pv pow_fix(struct vy_pm *m, struct vy_pv x, struct vy_pv y,
			    struct vy_pv r)
{
	struct vy_pv ay = abs32f(m, y);
	struct vy_pv isint = setp(m, "eq", "f32", trunc32f(m, y), y);
	struct vy_pv odd = pand(m, pand(m, isint,
		setp(m, "lt", "f32", ay, kf(0x4b800000))),   /* 2^24 */
		setp(m, "eq", "u32", iand(m, s32_of_f32(m, y), ki(1)), ki(1)));
	struct vy_pv xneg = setp(m, "lt", "s32", bits32f(m, x), ki(0));
	r = sel32f(m, neg32f(m, r), r, pand(m, xneg, odd));
	struct vy_pv finneg = pand(m, setp(m, "lt", "f32", x, kf(0)),
				   setp(m, "gt", "f32", x, kf(F32_NINF)));
	r = sel32f(m, kf(F32_NAN), r, pand(m, finneg, pnot(m, isint)));
	struct vy_pv one = por(m, setp(m, "eq", "f32", x, kf(F32_ONE)),
			       setp(m, "eq", "f32", y, kf(0)));
	one = por(m, one, pand(m, setp(m, "eq", "f32", x, kf(0xbf800000)),
			      setp(m, "eq", "f32", ay, kf(F32_INF))));
	return sel32f(m, kf(F32_ONE), r, one);
}

static struct vy_pv do_pow(struct vy_pm *m, struct vy_pv x, struct vy_pv y)
{
	struct vy_pv t = mul64(m, f64_of_f32(m, y), log2_f64(m, abs32f(m, x)));
	return pow_fix(m, x, y, f32_of_f64(m, exp2_core(m, t)));
}

/* |x| = (4k + q) * pi/2 + a with |a| <= pi/4: returns a, sets *q (b32). */
static struct vy_pv trig_reduce(struct vy_pm *m, struct vy_pv x,
				struct vy_pv *q)
{
	struct vy_pv ax = f64_of_f32(m, abs32f(m, x));
	struct vy_pv s = {0};
	for (int j = 0; j < N(twoopi); j++) {
		struct vy_pv t = mul64(m, ax, kd(ldexp(twoopi[j], -24 * (j + 1))));
		struct vy_pv fl = rmi64(m, mul64(m, t, kd(0.25)));
		struct vy_pv d = fma64(m, fl, kd(-4), t);
		s = j ? add64(m, s, d) : d;
	}
	struct vy_pv k = rni64(m, s);
	*q = iand(m, s32_of_f64(m, k), ki(3));
	return mul64(m, sub64(m, s, k), k64(PIO2));
}

static struct vy_pv do_trig(struct vy_pm *m, enum vy_opcode op, struct vy_pv x)
{
	struct vy_pv q;
	struct vy_pv a = trig_reduce(m, x, &q);
	struct vy_pv z = mul64(m, a, a);
	struct vy_pv sn = fma64(m, mul64(m, a, z), horner(m, sin_c, N(sin_c), z), a);
	struct vy_pv cs = fma64(m, z, horner(m, cos_c, N(cos_c), z), kd(1));
	struct vy_pv odd = setp(m, "eq", "u32", iand(m, q, ki(1)), ki(1));
	struct vy_pv xneg = setp(m, "lt", "s32", bits32f(m, x), ki(0));
	struct vy_pv v, neg;
	if (op == VY_OP_SIN) {
		v = sel64(m, cs, sn, odd);
		neg = pxor(m, setp(m, "ge", "u32", q, ki(2)), xneg);
	} else if (op == VY_OP_COS) {
		v = sel64(m, sn, cs, odd);
		neg = setp(m, "eq", "u32", iand(m, iadd(m, q, ki(1)), ki(2)), ki(2));
	} else {
		v = div64(m, sel64(m, cs, sn, odd), sel64(m, sn, cs, odd));
		neg = pxor(m, odd, xneg);
	}
	return f32_of_f64(m, sel64(m, neg64(m, v), v, neg));
}

static struct vy_pv do_tanh(struct vy_pm *m, struct vy_pv x)
{
	struct vy_pv t = f64_of_f32(m, abs32f(m, x));
	t = min64(m, add64(m, t, t), kd(40));
	struct vy_pv small = mul64(m, t, horner(m, expm1_c, N(expm1_c), t));
	struct vy_pv big = sub64(m, exp2_core(m, mul64(m, t, k64(LOG2E))), kd(1));
	struct vy_pv u = sel64(m, small, big, setp(m, "lt", "f64", t, kd(0.5)));
	struct vy_pv v = div64(m, u, add64(m, u, kd(2)));
	struct vy_pv xneg = setp(m, "lt", "s32", bits32f(m, x), ki(0));
	struct vy_pv r = f32_of_f64(m, sel64(m, neg64(m, v), v, xneg));
	return sel32f(m, x, r, setp(m, "nan", "f32", x, x));
}

/* ---- --fast-math: f32 around the .approx instructions ---- */

#define F32_LOG2E 0x3fb8aa3bu     /* log2(e) = F32_LOG2E + F32_LOG2E_LO */
#define F32_LOG2E_LO 0x32a57060u
#define F32_LN2 0x3f317218u
#define F32_2PI 0x40c90fdbu       /* 2 pi = F32_2PI + F32_2PI_LO */
#define F32_2PI_LO 0xb43bbd2eu
#define F32_INV_2PI 0x3e22f983u

static struct vy_pv is_finite(struct vy_pm *m, struct vy_pv x)
{
	return setp(m, "lt", "f32", abs32f(m, x), kf(F32_INF));
}

static struct vy_pv fast_exp(struct vy_pm *m, struct vy_pv x)
{
	struct vy_pv t = mul32(m, x, kf(F32_LOG2E));
	struct vy_pv e = fma32(m, x, kf(F32_LOG2E_LO),
			       fma32(m, x, kf(F32_LOG2E), neg32f(m, t)));
	struct vy_pv c = sel32f(m, mul32(m, e, kf(F32_LN2)), kf(0), is_finite(m, x));
	struct vy_pv r = ex2a(m, t);
	return sel32f(m, fma32(m, r, c, r), r, is_finite(m, r));
}

static struct vy_pv fast_trig(struct vy_pm *m, enum vy_opcode op, struct vy_pv x)
{
	struct vy_pv k = neg32f(m, rni32f(m, mul32(m, x, kf(F32_INV_2PI))));
	struct vy_pv r = fma32(m, k, kf(F32_2PI_LO), fma32(m, k, kf(F32_2PI), x));
	if (op == VY_OP_COS)
		return cosa(m, r);
	struct vy_pv v = sina(m, r);
	if (op == VY_OP_TAN)
		v = divfull(m, v, cosa(m, r));
	return sel32f(m, x, v, setp(m, "lt", "f32", abs32f(m, x), kf(0x39800000)));
}

static struct vy_pv fast_tanh(struct vy_pm *m, struct vy_pv x)
{
	struct vy_pv a = abs32f(m, x);
	struct vy_pv e = ex2a(m, mul32(m, a, kf(0x4038aa3b)));   /* 2 log2(e) */
	struct vy_pv v = sub32(m, kf(F32_ONE), divfull(m, kf(0x40000000),
						      add32(m, e, kf(F32_ONE))));
	v = sel32f(m, neg32f(m, v), v, setp(m, "lt", "s32", bits32f(m, x), ki(0)));
	struct vy_pv small = fma32(m, mul32(m, mul32(m, x, x), x), kf(0xbeaaaaab), x);
	return sel32f(m, small, v, setp(m, "lt", "f32", a, kf(0x3c800000)));
}

/* ---- the table: one row per op, its --fast-math and exact sequences ---- */

typedef struct vy_pv (*pm_fn)(struct vy_pm *m, enum vy_opcode op,
			      struct vy_pv x, struct vy_pv y);

#define PM(name, expr) \
	static struct vy_pv name(struct vy_pm *m, enum vy_opcode op, \
				 struct vy_pv x, struct vy_pv y) \
	{ (void)op; (void)y; return expr; }

PM(fast_exp2_op, ex2a(m, x))
PM(fast_exp_op, fast_exp(m, x))
PM(fast_log2_op, lg2a(m, x))
PM(fast_log_op, mul32(m, lg2a(m, x), kf(F32_LN2)))
PM(fast_pow_op, pow_fix(m, x, y, ex2a(m, mul32(m, y, lg2a(m, abs32f(m, x))))))
PM(fast_trig_op, fast_trig(m, op, x))
PM(fast_tanh_op, fast_tanh(m, x))
PM(exp2_op, f32_of_f64(m, exp2_core(m, f64_of_f32(m, x))))
PM(exp_op, f32_of_f64(m, exp2_core(m, mul64(m, f64_of_f32(m, x), k64(LOG2E)))))
PM(log_op, do_log(m, x, false))
PM(log2_op, do_log(m, x, true))
PM(pow_op, do_pow(m, x, y))
PM(trig_op, do_trig(m, op, x))
PM(tanh_op, do_tanh(m, x))

static const struct pm_row {
	pm_fn fast, exact;
} pm_ops[VY_OP_COUNT] = {
	[VY_OP_EXP2] = { fast_exp2_op, exp2_op },
	[VY_OP_EXP] = { fast_exp_op, exp_op },
	[VY_OP_LOG2] = { fast_log2_op, log2_op },
	[VY_OP_LOG] = { fast_log_op, log_op },
	[VY_OP_POW] = { fast_pow_op, pow_op },
	[VY_OP_SIN] = { fast_trig_op, trig_op },
	[VY_OP_COS] = { fast_trig_op, trig_op },
	[VY_OP_TAN] = { fast_trig_op, trig_op },
	[VY_OP_TANH] = { fast_tanh_op, tanh_op },
};

bool vy_ptxm_handles(enum vy_opcode op)
{
	return (unsigned)op < VY_OP_COUNT && pm_ops[op].exact;
}

struct vy_pv vy_ptxm_op(struct vy_pm *m, enum vy_opcode op, struct vy_pv x,
			struct vy_pv y)
{
	if (!vy_ptxm_handles(op))
		vy_bug("vy_ptxm_op: op %d is not a math op", (int)op);
	return (m->fast ? pm_ops[op].fast : pm_ops[op].exact)(m, op, x, y);
}
