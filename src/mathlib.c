/*
 * mathlib.c: the SPEC §10.2 math ops as straight-line programs (see
 * mathlib.h).  Each op is written once below against a small builder that
 * appends core-op instructions; nothing branches, every case is computed
 * and the answer chosen with select.  The algorithms are fdlibm's/musl's
 * single-precision ones (whose error is under 1 ulp), made branch-free:
 *
 *   atan     fdlibm atanf: reduction by one of 0, 0.5, 1, 1.5, inf (one
 *            division), odd polynomial, hi/lo constants of atan(c).
 *   atan2    atan of |y|/|x| and the quadrant as musl atan2f; the zero
 *            and infinite cases as C (exact constants).
 *   asin     fdlibm asinf: rational R(t), t = x*x below 0.5, else
 *   acos     t = (1-|x|)/2 with s = sqrt(t) split hi/lo.
 *   expm1    musl expm1f (k = round(x/ln2), hi/lo reduction, the rational
 *            correction), 2^k applied as two exact power-of-two factors;
 *            inf above ln(FLT_MAX) (musl's o_threshold, 88.7216797, is
 *            low: it overflows 127 finite results up to 88.7228317).
 *   sinh     musl sinhf from expm1 below log(FLT_MAX), else exp(|x|)/2.
 *   cosh     musl coshf: expm1 below ln2, (e + 1/e)/2, then exp(|x|)/2;
 *            exp is fdlibm's expf with the two-factor scaling.
 *   log10    musl log10f (log's polynomial, hi/lo split, log10(2) hi/lo).
 *   log1p    musl log1pf (1+x with its rounding error c as a correction).
 *   erf      |x| < 1: x + x*Q(x*x); [1, 4) in four pieces C + P(|x| - m);
 *            1 beyond (erf rounds to 1 from 3.92).  The degree-8
 *            polynomials were fitted with mpmath.chebyfit and rounded to
 *            f32; measured error 1.1 ulp.
 *   hypot    the larger magnitude a, the smaller b, both scaled by 2^90 or
 *            2^-90 into [2^-60, 2^60], sqrt(a*a + b*b), scaled back;
 *            inf if either is infinite (even with a NaN), as C.
 *   fmod     exact, on the integers: x = mx*2^ex, y = my*2^ey (24-bit
 *            mantissas, denormals unnormalised); r = mx mod my, then
 *            r = (r << s) mod my for 32 steps of s <= 8 bits covering
 *            ex - ey <= 253, so r < 2^24 and r << 8 fits u32; the result
 *            r*2^ey (exact, two power-of-two factors) with x's sign.
 *   copysign, isnan, isinf, isfinite: on the bits (true IEEE tests).
 *
 * No fma: an SLP uses only + - * / sqrt, which are exact on every target,
 * so an SLP's value is the same on every target.
 */
#include <string.h>

#include "mathlib.h"

typedef int V;

enum { B_ = VYVM_BOOL, U_ = VYVM_U32, I_ = VYVM_I32, F_ = VYVM_F32 };

static V put(struct vym_slp *s, uint32_t op, int t, int aux, int rt, int n,
	     V a, V b, V c, uint32_t k)
{
	if (s->n >= VYM_MAX)
		return s->nparams + s->n - 1;    /* cannot happen: VYM_MAX fits fmod */
	struct vym_ins *i = &s->ins[s->n];
	i->op = (uint16_t)op;
	i->t = (uint8_t)t;
	i->aux = (uint8_t)aux;
	i->rt = (uint8_t)rt;
	i->nargs = (uint8_t)n;
	i->a[0] = (uint16_t)a;
	i->a[1] = (uint16_t)b;
	i->a[2] = (uint16_t)c;
	i->k = k;
	return s->nparams + s->n++;
}

/* The builder's short names; every function below has `s` in scope. */
#define BIN(op, t, a, b) put(s, VYVM_OP_##op, t, 0, t, 2, a, b, 0, 0)
#define CMP(op, t, a, b) put(s, VYVM_OP_##op, t, 0, B_, 2, a, b, 0, 0)
#define UN(op, t, a) put(s, VYVM_OP_##op, t, 0, t, 1, a, 0, 0, 0)
#define FK(x) fk(s, x)
#define UK(x) put(s, VYM_CONST, U_, 0, U_, 0, 0, 0, 0, (uint32_t)(x))
#define IK(x) put(s, VYM_CONST, I_, 0, I_, 0, 0, 0, 0, (uint32_t)(int32_t)(x))
#define FB(x) put(s, VYM_CONST, F_, 0, F_, 0, 0, 0, 0, (uint32_t)(x))
#define ADD(a, b) BIN(ADD, F_, a, b)
#define SUB(a, b) BIN(SUB, F_, a, b)
#define MUL(a, b) BIN(MUL, F_, a, b)
#define DIV(a, b) BIN(DIV, F_, a, b)
#define FLT(a, b) CMP(LT, F_, a, b)
#define UADD(a, b) BIN(ADD, U_, a, b)
#define USUB(a, b) BIN(SUB, U_, a, b)
#define UAND(a, b) BIN(AND, U_, a, b)
#define UOR(a, b) BIN(OR, U_, a, b)
#define USHL(a, b) BIN(SHL, U_, a, b)
#define USHR(a, b) BIN(SHR, U_, a, b)
#define UREM(a, b) BIN(REM, U_, a, b)
#define ULT(a, b) CMP(LT, U_, a, b)
#define UEQ(a, b) CMP(EQ, U_, a, b)
#define IADD(a, b) BIN(ADD, I_, a, b)
#define ISUB(a, b) BIN(SUB, I_, a, b)
#define ISHR(a, b) BIN(SHR, I_, a, b)
#define ILT(a, b) CMP(LT, I_, a, b)
#define IEQ(a, b) CMP(EQ, I_, a, b)
#define OR(a, b) BIN(LOR, B_, a, b)
#define AND(a, b) BIN(LAND, B_, a, b)
#define NOT(a) UN(LNOT, B_, a)
#define SEL(c, a, b) put(s, VYVM_OP_SELECT, s_type(s, a), 0, s_type(s, a), 3, c, a, b, 0)
#define BITS(x) put(s, VYVM_OP_BITCAST, U_, F_, U_, 1, x, 0, 0, 0)
#define FBITS(x) put(s, VYVM_OP_BITCAST, F_, U_, F_, 1, x, 0, 0, 0)
#define U2I(x) put(s, VYVM_OP_BITCAST, I_, U_, I_, 1, x, 0, 0, 0)
#define I2U(x) put(s, VYVM_OP_BITCAST, U_, I_, U_, 1, x, 0, 0, 0)
#define F2I(x) put(s, VYVM_OP_CAST, I_, F_, I_, 1, x, 0, 0, 0)
#define I2F(x) put(s, VYVM_OP_CAST, F_, I_, F_, 1, x, 0, 0, 0)
#define U2F(x) put(s, VYVM_OP_CAST, F_, U_, F_, 1, x, 0, 0, 0)
#define TRUNC(x) UN(TRUNC, F_, x)
#define SQRT(x) UN(SQRT, F_, x)

static int s_type(const struct vym_slp *s, V v)
{
	return v < s->nparams ? s->ptype : s->ins[v - s->nparams].rt;
}

static V fk(struct vym_slp *s, float x)
{
	uint32_t u;
	memcpy(&u, &x, 4);
	return FB(u);
}

static V fabs_(struct vym_slp *s, V x) { return FBITS(UAND(BITS(x), UK(0x7fffffffu))); }
static V signbit_(struct vym_slp *s, V x) { return UAND(BITS(x), UK(0x80000000u)); }
/* x (whose sign bit is clear) with the sign bits sb */
static V with_sign(struct vym_slp *s, V x, V sb) { return FBITS(UOR(BITS(x), sb)); }
static V isnan_(struct vym_slp *s, V x) { return ULT(UK(0x7f800000u), BITS(fabs_(s, x))); }
static V qnan(struct vym_slp *s) { return FB(0x7fc00000u); }
/* 2^k for an i32 k in [-126, 127] */
static V pow2(struct vym_slp *s, V k) { return FBITS(USHL(I2U(IADD(k, IK(127))), UK(23))); }
/* x * 2^k, exact when the result is normal: two factors, each normal for
 * k in [-252, 254] */
static V scale(struct vym_slp *s, V x, V k)
{
	V k1 = ISHR(k, IK(1));
	return MUL(MUL(x, pow2(s, k1)), pow2(s, ISUB(k, k1)));
}
/* a * p + q, in that order of roundings (no fma) */
static V mad(struct vym_slp *s, V a, V p, V q) { return ADD(MUL(a, p), q); }
/* c0 + t*(c1 + t*(c2 ...)) over n constants */
static V horner(struct vym_slp *s, V t, const float *c, int n)
{
	V p = FK(c[n - 1]);
	for (int i = n - 2; i >= 0; i--)
		p = mad(s, p, t, FK(c[i]));
	return p;
}

/* ---- isnan isinf isfinite copysign ---- */

static void b_isnan(struct vym_slp *s) { isnan_(s, 0); }
static void b_isinf(struct vym_slp *s) { UEQ(BITS(fabs_(s, 0)), UK(0x7f800000u)); }
static void b_isfinite(struct vym_slp *s) { ULT(BITS(fabs_(s, 0)), UK(0x7f800000u)); }
static void b_copysign(struct vym_slp *s)
{
	FBITS(UOR(UAND(BITS(0), UK(0x7fffffffu)), signbit_(s, 1)));
}

/* ---- atan atan2 ---- */

static const float aT[] = {
	3.3333328366e-01f, -1.9999158382e-01f, 1.4253635705e-01f,
	-1.0648017377e-01f, 6.1687607318e-02f,
};

/* atan of ax >= 0 (fdlibm atanf without the sign) */
static V atan_pos(struct vym_slp *s, V ax)
{
	V ix = BITS(ax);
	V c0 = ULT(ix, UK(0x3ee00000u)), c1 = ULT(ix, UK(0x3f300000u));
	V c2 = ULT(ix, UK(0x3f980000u)), c3 = ULT(ix, UK(0x401c0000u));
	V one = FK(1.0f), m1 = SUB(ax, one);
	V num = SEL(c0, ax, SEL(c1, SUB(ADD(ax, ax), one), SEL(c2, m1,
		SEL(c3, SUB(ax, FK(1.5f)), FK(-1.0f)))));
	V den = SEL(c0, one, SEL(c1, ADD(FK(2.0f), ax), SEL(c2, ADD(ax, one),
		SEL(c3, ADD(one, MUL(FK(1.5f), ax)), ax))));
	V x = DIV(num, den);
	V z = MUL(x, x), w = MUL(z, z);
	V s1 = MUL(z, mad(s, mad(s, FK(aT[4]), w, FK(aT[2])), w, FK(aT[0])));
	V s2 = MUL(w, mad(s, FK(aT[3]), w, FK(aT[1])));
	V sum = MUL(x, ADD(s1, s2));
	V hi = SEL(c1, FB(0x3eed6338u), SEL(c2, FB(0x3f490fdau),
		SEL(c3, FB(0x3f7b985eu), FB(0x3fc90fdau))));
	V lo = SEL(c1, FB(0x31ac3769u), SEL(c2, FB(0x33222168u),
		SEL(c3, FB(0x33140fb4u), FB(0x33a22168u))));
	V big = SUB(hi, SUB(SUB(sum, lo), x));
	return SEL(c0, SUB(x, sum), big);
}

static void b_atan(struct vym_slp *s)
{
	V r = atan_pos(s, fabs_(s, 0));
	SEL(isnan_(s, 0), 0, with_sign(s, r, signbit_(s, 0)));
}

static void b_atan2(struct vym_slp *s)
{
	V y = 0, x = 1;
	V sy = signbit_(s, y), sx = signbit_(s, x);
	V ay = fabs_(s, y), ax = fabs_(s, x);
	V iy = BITS(ay), ix = BITS(ax);
	V xneg = UEQ(sx, UK(0x80000000u));
	V z = atan_pos(s, DIV(ay, ax));
	V pi = FB(0x40490fdbu), pi_lo = FB(0xb3bbbd2eu);
	V r = SEL(xneg, SUB(pi, SUB(z, pi_lo)), z);
	V zero = FK(0.0f), inf = UK(0x7f800000u);
	V yinf = UEQ(iy, inf), xinf = UEQ(ix, inf);
	/* the C cases, before the sign of y */
	r = SEL(xinf, SEL(yinf, SEL(xneg, FB(0x4016cbe4u), FB(0x3f490fdbu)),
			  SEL(xneg, pi, zero)), r);
	r = SEL(AND(yinf, NOT(xinf)), FB(0x3fc90fdbu), r);
	r = SEL(AND(UEQ(ix, UK(0)), NOT(UEQ(iy, UK(0)))), FB(0x3fc90fdbu), r);
	r = SEL(UEQ(iy, UK(0)), SEL(xneg, pi, zero), r);
	r = with_sign(s, r, sy);
	SEL(OR(isnan_(s, x), isnan_(s, y)), ADD(x, y), r);
}

/* ---- asin acos ---- */

static const float pS[] = {
	1.66666666666666657415e-01f, -3.25565818622400915405e-01f,
	2.01212532134862925881e-01f, -4.00555345006794114027e-02f,
	7.91534994289814532176e-04f, 3.47933107596021167570e-05f,
};
static const float qS[] = {
	1.0f, -2.40339491173441421878e+00f, 2.02094576023350569471e+00f,
	-6.88283971605453293030e-01f, 7.70381505559019352791e-02f,
};

/* R(t) = p/q of fdlibm's asin */
static V asin_r(struct vym_slp *s, V t)
{
	V p = MUL(t, horner(s, t, pS, 6));
	return DIV(p, horner(s, t, qS, 5));
}

/* s with its low 12 bits cleared */
static V hi12(struct vym_slp *s, V x) { return FBITS(UAND(BITS(x), UK(0xfffff000u))); }

static void b_asin(struct vym_slp *s)
{
	V ax = fabs_(s, 0), ix = BITS(ax), one = FK(1.0f), two = FK(2.0f);
	V small = ULT(ix, UK(0x3f000000u));
	V t = SEL(small, MUL(ax, ax), MUL(SUB(one, ax), FK(0.5f)));
	V w = asin_r(s, t);
	V rs = ADD(ax, MUL(ax, w));
	V sq = SQRT(t);
	V pio2_hi = FB(0x3fc90fdau), pio2_lo = FB(0x33a22168u), pio4_hi = FB(0x3f490fdbu);
	V r975 = SUB(pio2_hi, SUB(MUL(two, ADD(sq, MUL(sq, w))), pio2_lo));
	V f = hi12(s, sq);
	V c = DIV(SUB(t, MUL(f, f)), ADD(sq, f));
	V p = SUB(MUL(MUL(two, sq), w), SUB(pio2_lo, MUL(two, c)));
	V q = SUB(pio4_hi, MUL(two, f));
	V rmid = SUB(pio4_hi, SUB(p, q));
	V r = SEL(small, rs, SEL(ULT(ix, UK(0x3f79999au)), rmid, r975));
	r = with_sign(s, r, signbit_(s, 0));
	SEL(ULT(UK(0x3f800000u), ix), qnan(s), r);
}

static void b_acos(struct vym_slp *s)
{
	V x = 0, ax = fabs_(s, x), ix = BITS(ax), one = FK(1.0f), two = FK(2.0f);
	V small = ULT(ix, UK(0x3f000000u));
	V t = SEL(small, MUL(x, x), MUL(SUB(one, ax), FK(0.5f)));
	V r = asin_r(s, t);
	V pio2_hi = FB(0x3fc90fdau), pio2_lo = FB(0x33a22168u);
	V rs = SUB(pio2_hi, SUB(x, SUB(pio2_lo, MUL(x, r))));
	V sq = SQRT(t);
	V rneg = SUB(FB(0x40490fdau), MUL(two, ADD(sq, SUB(MUL(r, sq), pio2_lo))));
	V df = hi12(s, sq);
	V den = ADD(sq, df);
	V c = DIV(SUB(t, MUL(df, df)), SEL(CMP(EQ, F_, den, FK(0.0f)), one, den));
	V rpos = MUL(two, ADD(df, ADD(MUL(r, sq), c)));
	V res = SEL(small, rs, SEL(UEQ(signbit_(s, x), UK(0)), rpos, rneg));
	SEL(ULT(UK(0x3f800000u), ix), qnan(s), res);
}

/* ---- exp expm1 sinh cosh ---- */

/* fdlibm expf of x <= 90 (no special cases) as y * 2^k; *k out */
static V exp_yk(struct vym_slp *s, V x, V *k)
{
	V kf = TRUNC(ADD(MUL(x, FB(0x3fb8aa3bu)),
			 SEL(FLT(x, FK(0.0f)), FK(-0.5f), FK(0.5f))));
	V hi = SUB(x, MUL(kf, FB(0x3f317200u)));
	V lo = MUL(kf, FB(0x35bfbe8eu));
	V r = SUB(hi, lo);
	V t = MUL(r, r);
	V c = SUB(r, MUL(t, mad(s, t, FK(-2.7667332906e-3f), FK(1.6666625440e-1f))));
	*k = F2I(kf);
	return SUB(FK(1.0f), SUB(SUB(lo, DIV(MUL(r, c), SUB(FK(2.0f), c))), hi));
}

/* musl expm1f of x */
static V expm1_(struct vym_slp *s, V x)
{
	V hx = BITS(fabs_(s, x)), neg = ULT(UK(0x7fffffffu), BITS(x));
	V special = ULT(UK(0x4195b843u), hx);         /* |x| >= 27 ln2 */
	V xg = SEL(AND(special, NOT(AND(NOT(neg), ULT(hx, UK(0x42b17218u))))),
		   FK(0.0f), x);                      /* keep x <= ln(FLT_MAX) */
	V reduce = ULT(UK(0x3eb17218u), BITS(fabs_(s, xg)));
	V kf = TRUNC(ADD(MUL(FB(0x3fb8aa3bu), xg), SEL(neg, FK(-0.5f), FK(0.5f))));
	kf = SEL(reduce, kf, FK(0.0f));
	V hi = SUB(xg, MUL(kf, FB(0x3f317180u)));
	V lo = MUL(kf, FB(0x3717f7d1u));
	V xr = SUB(hi, lo);
	V c = SUB(SUB(hi, xr), lo);
	V k = F2I(kf);
	V hfx = MUL(FK(0.5f), xr), hxs = MUL(xr, hfx);
	V r1 = ADD(FK(1.0f), MUL(hxs, mad(s, hxs, FK(1.5807170421e-3f),
					 FK(-3.3333212137e-2f))));
	V t = SUB(FK(3.0f), MUL(r1, hfx));
	V e = MUL(hxs, DIV(SUB(r1, t), SUB(FK(6.0f), MUL(xr, t))));
	V r_k0 = SUB(xr, SUB(MUL(xr, e), hxs));
	V e2 = SUB(SUB(MUL(xr, SUB(e, c)), c), hxs);
	V half = FK(0.5f), one = FK(1.0f), two = FK(2.0f);
	V r_km1 = SUB(MUL(half, SUB(xr, e2)), half);
	V r_k1 = SEL(FLT(xr, FK(-0.25f)), MUL(FK(-2.0f), SUB(e2, ADD(xr, half))),
		     ADD(one, MUL(two, SUB(xr, e2))));
	V y_big = ADD(SUB(xr, e2), one);
	V r_big = SUB(scale(s, y_big, k), one);
	V kc = SEL(ILT(k, IK(2)), IK(2), SEL(ILT(IK(56), k), IK(56), k));
	V tmk = pow2(s, ISUB(IK(0), kc));             /* 2^-k, 2 <= k <= 56 */
	V y_lt = ADD(SUB(xr, e2), SUB(one, tmk));
	V y_ge = ADD(SUB(xr, ADD(e2, tmk)), one);
	V r_mid = scale(s, SEL(ILT(k, IK(23)), y_lt, y_ge), k);
	V r = SEL(IEQ(k, IK(0)), r_k0, SEL(IEQ(k, IK(-1)), r_km1,
		SEL(IEQ(k, IK(1)), r_k1,
		SEL(OR(ILT(k, IK(0)), ILT(IK(56), k)), r_big, r_mid))));
	/* -1 below -27 ln2, inf above ln(FLT_MAX), NaN as is */
	r = SEL(AND(special, neg), FK(-1.0f), r);
	r = SEL(AND(NOT(neg), ULT(UK(0x42b17217u), hx)), FB(0x7f800000u), r);
	return SEL(isnan_(s, x), x, r);
}

static void b_expm1(struct vym_slp *s) { expm1_(s, 0); }

/* exp(ax) * 2^adj for ax >= 0, ax clamped to 90 (beyond: inf anyway) */
static V exp_scaled(struct vym_slp *s, V ax, int adj)
{
	V xc = SEL(FLT(ax, FK(90.0f)), ax, FK(90.0f));
	V k;
	V y = exp_yk(s, xc, &k);
	return scale(s, y, IADD(k, IK(adj)));
}

static void b_sinh(struct vym_slp *s)
{
	V x = 0, ax = fabs_(s, x), w = BITS(ax), one = FK(1.0f);
	V h = with_sign(s, FK(0.5f), signbit_(s, x));
	V t = expm1_(s, ax);
	V tp1 = ADD(t, one);
	V rs = MUL(h, SUB(MUL(FK(2.0f), t), DIV(MUL(t, t), tp1)));
	V rm = MUL(h, ADD(t, DIV(t, tp1)));
	V rb = with_sign(s, exp_scaled(s, ax, -1), signbit_(s, x));
	V r = SEL(ULT(w, UK(0x3f800000u)),
		  SEL(ULT(w, UK(0x3f800000u - (12u << 23))), x, rs),
		  SEL(ULT(w, UK(0x42b17217u)), rm, rb));
	SEL(isnan_(s, x), x, r);
}

static void b_cosh(struct vym_slp *s)
{
	V x = 0, ax = fabs_(s, x), w = BITS(ax), one = FK(1.0f);
	V t = expm1_(s, ax);
	V rs = ADD(one, DIV(MUL(t, t), MUL(FK(2.0f), ADD(one, t))));
	V e = exp_scaled(s, SEL(ULT(w, UK(0x42b17217u)), ax, FK(0.0f)), 0);
	V rm = MUL(FK(0.5f), ADD(e, DIV(one, e)));
	V rb = exp_scaled(s, ax, -1);
	V r = SEL(ULT(w, UK(0x3f317217u)),
		  SEL(ULT(w, UK(0x3f800000u - (12u << 23))), one, rs),
		  SEL(ULT(w, UK(0x42b17217u)), rm, rb));
	SEL(isnan_(s, x), x, r);
}

/* ---- log10 log1p ---- */

static const float Lg[] = {
	0.66666662693f, 0.40000972152f, 0.28498786688f, 0.24279078841f,
};

/* R of musl's logf for s = f/(2+f) */
static V log_r(struct vym_slp *s, V sv)
{
	V z = MUL(sv, sv), w = MUL(z, z);
	V t1 = MUL(w, mad(s, w, FK(Lg[3]), FK(Lg[1])));
	V t2 = MUL(z, mad(s, w, FK(Lg[2]), FK(Lg[0])));
	return ADD(t2, t1);
}

/* bits ix of a positive normal x: k and f = m - 1, m in [sqrt2/2, sqrt2) */
static V log_reduce(struct vym_slp *s, V ix, V *k)
{
	V iu = UADD(ix, UK(0x3f800000u - 0x3f3504f3u));
	*k = ISUB(U2I(USHR(iu, UK(23))), IK(0x7f));
	return SUB(FBITS(UADD(UAND(iu, UK(0x007fffffu)), UK(0x3f3504f3u))), FK(1.0f));
}

static void b_log10(struct vym_slp *s)
{
	V x = 0, ix0 = BITS(x);
	V sub = ULT(ix0, UK(0x00800000u));
	V ix = BITS(SEL(sub, MUL(x, FK(0x1p25f)), x));
	V k;
	V f = log_reduce(s, ix, &k);
	k = IADD(k, SEL(sub, IK(-25), IK(0)));
	V sv = DIV(f, ADD(FK(2.0f), f));
	V R = log_r(s, sv);
	V hfsq = MUL(MUL(FK(0.5f), f), f);
	V hi = hi12(s, SUB(f, hfsq));
	V lo = ADD(SUB(SUB(f, hi), hfsq), MUL(sv, ADD(hfsq, R)));
	V dk = I2F(k);
	V r = ADD(ADD(ADD(ADD(MUL(dk, FB(0x355427dbu)), MUL(ADD(lo, hi), FB(0xb804ead9u))),
			  MUL(lo, FB(0x3ede6000u))), MUL(hi, FB(0x3ede6000u))),
		  MUL(dk, FB(0x3e9a2080u)));
	V ax = BITS(fabs_(s, x));
	r = SEL(ULT(UK(0x7f7fffffu), ax), ADD(x, x), r);       /* inf, NaN */
	r = SEL(ULT(UK(0x7fffffffu), ix0), qnan(s), r);        /* negative */
	SEL(UEQ(ax, UK(0)), FB(0xff800000u), r);                /* +-0 */
}

static void b_log1p(struct vym_slp *s)
{
	V x = 0, ix = BITS(x), one = FK(1.0f);
	V a = OR(ULT(ix, UK(0x3ed413d0u)), ULT(UK(0x7fffffffu), ix));
	V nok = AND(a, NOT(ULT(UK(0xbe95f619u), ix)));  /* k = 0, f = x */
	V u = ADD(one, x);
	V k;
	V f = log_reduce(s, BITS(u), &k);
	V c = DIV(SEL(ILT(IK(1), k), SUB(one, SUB(u, x)), SUB(x, SUB(u, one))), u);
	c = SEL(ILT(k, IK(25)), c, FK(0.0f));
	f = SEL(nok, x, f);
	c = SEL(nok, FK(0.0f), c);
	k = SEL(nok, IK(0), k);
	V sv = DIV(f, ADD(FK(2.0f), f));
	V R = log_r(s, sv);
	V hfsq = MUL(MUL(FK(0.5f), f), f);
	V dk = I2F(k);
	V r = ADD(ADD(SUB(ADD(MUL(sv, ADD(hfsq, R)), ADD(MUL(dk, FB(0x3717f7d1u)), c)),
			  hfsq), f), MUL(dk, FB(0x3f317180u)));
	V ax = BITS(fabs_(s, x));
	r = SEL(ULT(ax, UK(0x33800000u)), x, r);                /* |x| < 2^-24 */
	r = SEL(UEQ(ix, UK(0x7f800000u)), x, r);                 /* +inf */
	r = SEL(UEQ(ix, UK(0xbf800000u)), FB(0xff800000u), r);   /* -1 */
	r = SEL(ULT(UK(0xbf800000u), ix), qnan(s), r);           /* < -1 */
	SEL(isnan_(s, x), x, r);
}

/* ---- erf ---- */

/* per piece: C (unused for |x| < 1), then the 9 coefficients */
static const uint32_t erf_c[5][10] = {
	{ 0, 0x3e0375d4, 0xbec093a3, 0x3de71790, 0xbcdc165d, 0x3bab2c46,
	  0xba5ff0ac, 0x38fabf4e, 0xb7695c29, 0x358e20d6 },
	{ 0x3f72bb46, 0x31ed28ff, 0x3e2e72ca, 0xbe6fddd7, 0x3e21baed,
	  0xbcf9db83, 0xbcfb2164, 0x3cb57452, 0xba76eccc, 0xbb88365d },
	{ 0x3f7f5211, 0xb26534d7, 0x3c4a312b, 0xbcd6d439, 0x3d0751df,
	  0xbcd7f303, 0x3c4cdecc, 0xbaee2e9c, 0xbb001ab0, 0x3ab01a23 },
	{ 0x3f7ffcdd, 0x32041d07, 0x399829d2, 0xba5abc17, 0x3ac4efd7,
	  0xbaf6a3e8, 0x3ae0a62c, 0xba959488, 0x3a08f7aa, 0xb902fc10 },
	{ 0x3f7ffffb, 0x31461ed3, 0x3614b2ca, 0xb706c403, 0x379cc25f,
	  0xb802c030, 0x38249ff5, 0xb82547b8, 0x3811bdde, 0xb7b25705 },
};
static const float erf_m[5] = { 0.0f, 1.375f, 2.125f, 2.875f, 3.625f };
static const float erf_edge[4] = { 1.0f, 1.75f, 2.5f, 3.25f };

/* the constant of piece 0..4 chosen by the comparisons p[] */
static V erf_pick(struct vym_slp *s, const V *p, const uint32_t *k)
{
	return SEL(p[0], FB(k[0]), SEL(p[1], FB(k[1]), SEL(p[2], FB(k[2]),
		   SEL(p[3], FB(k[3]), FB(k[4])))));
}

static void b_erf(struct vym_slp *s)
{
	V x = 0, ax = fabs_(s, x);
	V p[4];
	for (int i = 0; i < 4; i++)
		p[i] = FLT(ax, FK(erf_edge[i]));
	uint32_t col[5];
	for (int i = 0; i < 5; i++)
		memcpy(&col[i], &erf_m[i], 4);
	V m = erf_pick(s, p, col);
	V arg = SEL(p[0], MUL(ax, ax), SUB(ax, m));
	V poly = 0;
	for (int j = 9; j >= 1; j--) {
		for (int i = 0; i < 5; i++)
			col[i] = erf_c[i][j];
		V cj = erf_pick(s, p, col);
		poly = j == 9 ? cj : mad(s, poly, arg, cj);
	}
	for (int i = 0; i < 5; i++)
		col[i] = erf_c[i][0];
	V base = SEL(p[0], ax, erf_pick(s, p, col));
	V r = ADD(base, MUL(SEL(p[0], ax, FK(1.0f)), poly));
	r = SEL(FLT(ax, FK(4.0f)), r, FK(1.0f));
	r = with_sign(s, r, signbit_(s, x));
	SEL(isnan_(s, x), x, r);
}

/* ---- hypot fmod ---- */

static void b_hypot(struct vym_slp *s)
{
	V ux = BITS(fabs_(s, 0)), uy = BITS(fabs_(s, 1));
	V xlt = ULT(ux, uy);
	V ua = SEL(xlt, uy, ux), ub = SEL(xlt, ux, uy);
	V a = FBITS(ua), b = FBITS(ub);
	V big = ULT(UK(0x5d7fffffu), ua), small = ULT(ua, UK(0x21800000u));
	V up = FK(0x1p90f), dn = FK(0x1p-90f), one = FK(1.0f);
	V sc = SEL(big, dn, SEL(small, up, one));
	V un = SEL(big, up, SEL(small, dn, one));
	V as = MUL(a, sc), bs = MUL(b, sc);
	V r = MUL(SQRT(ADD(MUL(as, as), MUL(bs, bs))), un);
	V inf = UK(0x7f800000u);
	r = SEL(ULT(inf, ua), ADD(FBITS(ux), FBITS(uy)), r);     /* a NaN */
	SEL(OR(UEQ(ux, inf), UEQ(uy, inf)), FBITS(inf), r);
}

/* mantissa and exponent (1 for denormals) of the magnitude bits a */
static V fmod_split(struct vym_slp *s, V a, V *e)
{
	V ex = USHR(a, UK(23)), frac = UAND(a, UK(0x007fffffu));
	V den = UEQ(ex, UK(0));
	*e = SEL(den, UK(1), ex);
	return SEL(den, frac, UOR(frac, UK(0x00800000u)));
}

static void b_fmod(struct vym_slp *s)
{
	V x = 0, y = 1;
	V ax = BITS(fabs_(s, x)), ay = BITS(fabs_(s, y)), sx = signbit_(s, x);
	V inf = UK(0x7f800000u);
	V nan = OR(OR(ULT(UK(0x7f7fffffu), ax), ULT(inf, ay)), UEQ(ay, UK(0)));
	V retx = ULT(ax, ay);
	V ex, ey;
	V mx = fmod_split(s, ax, &ex), my = fmod_split(s, ay, &ey);
	my = SEL(UEQ(my, UK(0)), UK(1), my);
	V d = SEL(retx, IK(0), U2I(USUB(ex, ey)));
	V r = UREM(mx, my);
	for (int i = 0; i < 32; i++) {
		V v = ISUB(d, IK(8 * i));
		V sh = SEL(ILT(IK(8), v), IK(8), SEL(ILT(v, IK(0)), IK(0), v));
		r = UREM(USHL(r, I2U(sh)), my);
	}
	V mag = scale(s, U2F(r), ISUB(U2I(ey), IK(150)));
	V res = with_sign(s, mag, sx);
	SEL(nan, qnan(s), SEL(retx, x, res));
}

/* ---- f16_bits f16_value (SPEC §10.1, src/lower_f16.c) ---- */

/* x rounded to binary16, nearest even, as its bits: normal results by
 * adding half an f16 ulp (minus one, plus the kept lsb) to the f32 bits
 * and rebiasing the exponent (overflow, inf included, clamps to 0x7c00);
 * subnormal ones (|x| < 2^-14) from the 24-bit mantissa shifted by
 * 126 - exponent (at most 25: rounds to 0), nearest even the same way;
 * any NaN gives 0x7fff, as PTX's cvt.rn.f16.f32. */
static void b_f16_bits(struct vym_slp *s)
{
	V u = BITS(0);
	V sg = USHR(UAND(u, UK(0x80000000u)), UK(16));
	V a = UAND(u, UK(0x7fffffffu));
	V r = UADD(UADD(a, UK(0xfff)), UAND(USHR(a, UK(13)), UK(1)));
	V nb = USUB(USHR(r, UK(13)), UK(112u << 10));
	nb = SEL(ULT(nb, UK(0x7c00)), nb, UK(0x7c00));
	V sh = USUB(UK(126), USHR(a, UK(23)));
	sh = SEL(ULT(sh, UK(25)), sh, UK(25));
	sh = SEL(ULT(sh, UK(1)), UK(1), sh);
	V mant = UOR(UAND(a, UK(0x7fffff)), UK(0x800000));
	V half = USUB(USHL(UK(1), USUB(sh, UK(1))), UK(1));
	V q = USHR(UADD(UADD(mant, half), UAND(USHR(mant, sh), UK(1))), sh);
	V res = UOR(SEL(ULT(a, UK(0x38800000u)), q, nb), sg);
	SEL(ULT(UK(0x7f800000u), a), UK(0x7fff), res);
}

/* The f32 of binary16 bits (the low 16 of the param): exact. */
static void b_f16_value(struct vym_slp *s)
{
	V h = UAND(0, UK(0xffff));
	V sg = USHL(UAND(h, UK(0x8000)), UK(16));
	V x = UAND(h, UK(0x7fff));
	V e = USHR(x, UK(10));
	V norm = UADD(USHL(x, UK(13)), UK(0x38000000u));
	V infn = UOR(USHL(x, UK(13)), UK(0x7f800000u));
	V sub = BITS(MUL(U2F(UAND(x, UK(0x3ff))), FB(0x33800000u)));   /* m * 2^-24 */
	V r = SEL(UEQ(e, UK(0)), sub, SEL(UEQ(e, UK(31)), infn, norm));
	FBITS(UOR(r, sg));
}

/* ---- the table ---- */

static const struct { uint32_t op; int nparams; void (*build)(struct vym_slp *); } lib[] = {
	{ VYVM_OP_ATAN, 1, b_atan }, { VYVM_OP_ATAN2, 2, b_atan2 },
	{ VYVM_OP_ASIN, 1, b_asin }, { VYVM_OP_ACOS, 1, b_acos },
	{ VYVM_OP_SINH, 1, b_sinh }, { VYVM_OP_COSH, 1, b_cosh },
	{ VYVM_OP_LOG10, 1, b_log10 }, { VYVM_OP_LOG1P, 1, b_log1p },
	{ VYVM_OP_EXPM1, 1, b_expm1 }, { VYVM_OP_ERF, 1, b_erf },
	{ VYVM_OP_FMOD, 2, b_fmod }, { VYVM_OP_COPYSIGN, 2, b_copysign },
	{ VYVM_OP_HYPOT, 2, b_hypot }, { VYVM_OP_ISNAN, 1, b_isnan },
	{ VYVM_OP_ISINF, 1, b_isinf }, { VYVM_OP_ISFINITE, 1, b_isfinite },
	{ VYVM_OP_F16_BITS, 1, b_f16_bits }, { VYVM_OP_F16_VALUE, 1, b_f16_value },
};

int vym_is_library(uint32_t op)
{
	for (size_t i = 0; i < sizeof lib / sizeof *lib; i++)
		if (lib[i].op == op)
			return 1;
	return 0;
}

int vym_build(uint32_t op, struct vym_slp *s)
{
	for (size_t i = 0; i < sizeof lib / sizeof *lib; i++)
		if (lib[i].op == op) {
			s->nparams = lib[i].nparams;
			s->ptype = op == VYVM_OP_F16_VALUE ? U_ : F_;
			s->n = 0;
			lib[i].build(s);
			return 1;
		}
	return 0;
}

uint32_t vym_eval(const struct vym_slp *s, const uint32_t *args)
{
	uint32_t v[VYM_MAX + 2];
	for (int i = 0; i < s->nparams; i++)
		v[i] = args[i];
	for (int i = 0; i < s->n; i++) {
		const struct vym_ins *in = &s->ins[i];
		v[s->nparams + i] = in->op == VYM_CONST ? in->k :
			vyvm_eval_op(in->op, in->t, in->aux, v[in->a[0]],
				     v[in->a[1]], v[in->a[2]]);
	}
	return v[s->nparams + s->n - 1];
}

uint32_t vym_eval_op(uint32_t op, uint32_t a, uint32_t b)
{
	static _Thread_local struct vym_slp slp;
	uint32_t args[2] = { a, b };
	if (!vym_build(op, &slp))
		return 0;
	return vym_eval(&slp, args);
}
