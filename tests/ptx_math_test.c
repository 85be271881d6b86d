/*
 * ptx_math_test.c: evaluates, on the host, the exact instruction sequences
 * the ptx emitter prints for the transcendental ops (emitters/ptx_math.c
 * in evaluate mode) and checks each result against double-precision libm
 * rounded once, within the ulp/abs bound of vyrec_ops.def, over special
 * values, dense ranges and random bit patterns.  One PASS/FAIL line per op.
 * Then the --fast-math sequences (each .approx instruction modelled as
 * correctly rounded, so this checks what surrounds it) against the fast
 * bounds, on the ranges man/vyrec.1 (FAST MATH) states them for.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../emitters/ptx_math.h"

static float fbits(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }

static double ref1(enum vy_opcode op, double x, double y)
{
	switch (op) {
	case VY_OP_EXP: return exp(x);
	case VY_OP_EXP2: return exp2(x);
	case VY_OP_LOG: return log(x);
	case VY_OP_LOG2: return log2(x);
	case VY_OP_POW: return pow(x, y);
	case VY_OP_SIN: return sin(x);
	case VY_OP_COS: return cos(x);
	case VY_OP_TAN: return tan(x);
	default: return tanh(x);
	}
}

/* Size of one f32 ulp at magnitude |r| (denormal spacing at the bottom). */
static double ulp_at(double r)
{
	r = fabs(r);
	if (r < 0x1p-126)
		return 0x1p-149;
	if (r >= 0x1p127)
		return 0x1p104;
	int e;
	frexp(r, &e);
	return ldexp(1, e - 24);
}

static int nfail;
static double worst;
static float wx, wy;
static bool fast;

static void one(enum vy_opcode op, float x, float y)
{
	struct vy_pm m = {0};
	struct vy_pv a = {0}, b = {0};
	a.d = x, b.d = y;
	m.fast = fast;
	float got = (float)vy_ptxm_op(&m, op, a, b).d;
	double want = ref1(op, x, y);
	const struct vy_opdef *d0 = vy_builtin_op(op);
	struct { const char *id; double ulp, abs; } dd = { d0->id, d0->ulp, d0->abs }, *d = &dd;
	if (fast)
		dd.ulp = d0->fast_ulp, dd.abs = d0->fast_abs;
	if (isnan(want) || isnan(got)) {
		if (!(isnan(want) && isnan(got)) && nfail++ < 5)
			fprintf(stderr, "  %s(%a, %a) = %a, want %a\n", d->id, x, y, got, want);
		return;
	}
	if (isinf((float)want) || isinf(got)) {
		if ((float)want != got && fabs(got - want) > ulp_at(want) * d->ulp + d->abs
		    && nfail++ < 5)
			fprintf(stderr, "  %s(%a, %a) = %a, want %a\n", d->id, x, y, got, want);
		return;
	}
	double err = fabs(got - want);
	double u = err / ulp_at(want);
	if (err > ulp_at(want) * d->ulp + d->abs) {
		if (nfail++ < 5)
			fprintf(stderr, "  %s(%a, %a) = %a, want %a (%.2f ulp)\n", d->id, x,
				y, got, want, u);
	}
	if (u > worst)
		worst = u, wx = x, wy = y;
}

static uint64_t rng = 88172645463325252ull;
static uint32_t rnd(void) { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return (uint32_t)rng; }

static const float specials[] = {0.0f, -0.0f, 1.0f, -1.0f, 0.5f, -0.5f, 2.0f, -2.0f,
	3.0f, -3.0f, INFINITY, -INFINITY, NAN, 1e-45f, -1e-45f, 1.17549435e-38f,
	3.4028235e38f, -3.4028235e38f, 88.7f, 88.72f, -87.3f, -103.9f, -150.0f,
	127.99f, 128.0f, -149.0f, 3.14159265f, 1.5707964f, 1e30f, -1e30f, 0.25f,
	1e-7f, 9.0f, 10.0f, 1e20f, 4.0f, 16777216.0f, 16777217.0f, 33554432.0f};

static void run(enum vy_opcode op, int nrand)
{
	nfail = 0, worst = 0;
	int ns = (int)(sizeof specials / sizeof specials[0]);
	bool two = op == VY_OP_POW;
	for (int i = 0; i < ns; i++)
		for (int j = 0; j < (two ? ns : 1); j++)
			one(op, specials[i], specials[j]);
	for (int i = 0; i < nrand; i++) {
		float x = fbits(rnd()), y = fbits(rnd());
		if (two) {  /* keep half the cases in a range where pow is finite */
			if (i & 1)
				x = fabsf(fmodf(x, 16.0f)), y = fmodf(y, 30.0f);
			if (i % 4 == 3)
				y = truncf(y);
		}
		one(op, x, y);
		float s = (float)(rnd() % 2000001) / 10000.0f - 100.0f;  /* dense [-100, 100] */
		one(op, s, (float)(rnd() % 64) / 8.0f - 4.0f);
	}
	const struct vy_opdef *d = vy_builtin_op(op);
	if (nfail)
		printf("FAIL ptx_math_%s: %d inputs outside %g ulp + %g\n", d->name, nfail,
		       d->ulp, d->abs);
	else
		printf("PASS ptx_math_%s (worst %.2f ulp at %a, %a)\n", d->name, worst,
		       wx, wy);
}

/* A uniform f32 in [lo, hi]. */
static float urand(float lo, float hi)
{
	return lo + (hi - lo) * (float)((rnd() >> 8) * 0x1p-24);
}

static void run_fast(enum vy_opcode op, int nrand)
{
	const struct vy_opdef *d = vy_builtin_op(op);
	static const float sp[] = {0.0f, -0.0f, 1.0f, -1.0f, 0.5f, 2.0f, INFINITY,
		-INFINITY, NAN, 1e-7f, -1e-7f, 3.0f, -3.0f, 10.0f, 1e-30f};
	fast = true, nfail = 0, worst = 0;
	int ns = (int)(sizeof sp / sizeof sp[0]);
	for (int i = 0; i < ns; i++)
		for (int j = 0; j < (op == VY_OP_POW ? ns : 1); j++)
			one(op, sp[i], sp[j]);
	for (int i = 0; i < nrand; i++) {
		float x, y = 0;
		switch (op) {
		case VY_OP_EXP: x = urand(-87.0f, 88.0f); break;
		case VY_OP_EXP2: x = urand(-125.0f, 127.0f); break;
		case VY_OP_LOG: case VY_OP_LOG2:
			x = i & 1 ? urand(0.0f, 4.0f) : ldexpf(urand(1.0f, 2.0f), (int)(rnd() % 250) - 125);
			break;
		case VY_OP_POW:   /* |y| <= 128, results finite and normal */
			x = urand(0.0f, 8.0f), y = urand(-20.0f, 20.0f);
			if (i & 1)
				y = truncf(y), x = -x;
			break;
		case VY_OP_TAN: x = urand(-1.0f, 1.0f); break;
		case VY_OP_TANH: x = urand(-10.0f, 10.0f); break;
		default: x = i & 1 ? urand(-3.1415926f, 3.1415926f) : urand(-1e4f, 1e4f);
		}
		float w = (float)ref1(op, x, y);
		if (isfinite(w) && (w == 0 || fabsf(w) >= 0x1p-126f))
			one(op, x, y);
	}
	fast = false;
	if (nfail)
		printf("FAIL ptx_fast_math_%s: %d inputs outside %g ulp + %g\n", d->name,
		       nfail, d->fast_ulp, d->fast_abs);
	else
		printf("PASS ptx_fast_math_%s (worst %.2f ulp at %a, %a)\n", d->name,
		       worst, wx, wy);
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 200000;
	enum vy_opcode ops[] = {VY_OP_EXP, VY_OP_EXP2, VY_OP_LOG, VY_OP_LOG2,
		VY_OP_POW, VY_OP_SIN, VY_OP_COS, VY_OP_TAN, VY_OP_TANH};
	for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
		run(ops[i], n);
	for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
		run_fast(ops[i], n);
	return 0;
}
