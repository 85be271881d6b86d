/* tests/fma64/gen.c: operand triples for the exact f32 fma (t_fma64.sh)
 * and C's fmaf of each, the oracle.  gen DIR N: writes DIR/{a,b,c}.bin
 * (N u32 each: every triple of edge values, then the double-rounding
 * cases, where a*b + c lies within 2^-46 of an f32 rounding midpoint on
 * either side, normal, denormal and at the overflow threshold, then
 * cancellations and random bit patterns), DIR/{r,s,q}.want (fmaf(a, b,
 * c), fmaf(a, c, b), fmaf(p, b, c)) and prints p. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bits.h"

static uint64_t st = 0x9E3779B97F4A7C15u;

static uint32_t rnd(void)
{
	st ^= st << 13;
	st ^= st >> 7;
	st ^= st << 17;
	return (uint32_t)(st >> 16);
}


static const uint32_t edge[] = {
	0x00000000, 0x80000000, 0x00000001, 0x80000001, 0x00000003, 0x007FFFFF,
	0x807FFFFF, 0x00800000, 0x80800000, 0x00800001, 0x3F800000, 0xBF800000,
	0x3F800001, 0x3F7FFFFF, 0xBF7FFFFF, 0x40400000, 0x3EAAAAAB, 0x4B800001,
	0x33800000, 0x5F800000, 0x1F800000, 0x7F7FFFFF, 0xFF7FFFFF, 0x7F000000,
	0x7F800000, 0xFF800000, 0x7FC00000, 0x7F800001, 0x0DA24260, 0x72A4C7D3,
};
#define NE (sizeof edge / sizeof edge[0])

int main(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	size_t n = strtoul(argv[2], NULL, 10), k = 0;
	uint32_t *A = malloc(n * 4), *B = malloc(n * 4), *C = malloc(n * 4);
	for (size_t i = 0; i < NE && k < n; i++)
		for (size_t j = 0; j < NE && k < n; j++)
			for (size_t l = 0; l < NE && k < n; l++, k++)
				A[k] = edge[i], B[k] = edge[j], C[k] = edge[l];
	/* c with an odd (or even) last bit, a*b = +-ulp(c)/2 * (1 - t*t*2^-46):
	 * the f64 sum rounds to the midpoint c +- ulp/2, the exact value is
	 * on c's side of it */
	size_t hard = k + (n - k) / 2;
	while (k < hard) {
		uint32_t cb = rnd(), e = (cb >> 23) & 0xFF;
		if (e == 0xFF)
			continue;
		if (rnd() % 8 == 0)
			cb = (cb & 0x807FFFFF) | (rnd() % 2 ? 0 : 0x7F000000);  /* denormal, top */
		e = (cb >> 23) & 0xFF;
		int ue = (e ? (int)e : 1) - 150;   /* ulp(c) = 2^ue */
		uint32_t t = 1 + rnd() % 2048, sh = 20 + rnd() % 40;
		int ae = ue - 1 + (int)sh;         /* a = 2^ae (1 + t 2^-23) */
		if (ae < -126 || ae > 127 || -(int)sh < -126)
			continue;
		float a = ldexpf(1.0f + ldexpf((float)t, -23), ae);
		float b = ldexpf(1.0f - ldexpf((float)t, -23), -(int)sh);
		if (rnd() % 2)
			a = -a;
		A[k] = u(a), B[k] = u(b), C[k] = cb;
		if (rnd() % 4 == 0)   /* a c that cancels a*b, a*b + c the midpoint */
			C[k] = u(-fmaf(a, b, 0.0f));
		k++;
	}
	while (k < n) {
		uint32_t a = rnd(), b = rnd(), c = rnd();
		switch (rnd() % 4) {
		case 0:   /* random bits */
			break;
		case 1:   /* exponents near 1 */
			a = (a & 0x807FFFFF) | 0x3F000000 | (rnd() % 4) << 23;
			b = (b & 0x807FFFFF) | 0x3F000000 | (rnd() % 4) << 23;
			c = (c & 0x807FFFFF) | (0x3A000000 + (rnd() % 16 << 23));
			break;
		case 2:   /* c cancels a*b to a few ulps */
			a &= 0xBFFFFFFF, b &= 0xBFFFFFFF;
			c = u(-(f(a) * f(b))) + (rnd() % 5) - 2;
			break;
		default:  /* denormal results */
			a = (a & 0x807FFFFF) | (0x1F000000 + (rnd() % 64 << 23));
			b = (b & 0x807FFFFF) | (0x1F000000 + (rnd() % 64 << 23));
			c = c & 0x80FFFFFF;
		}
		A[k] = a, B[k] = b, C[k] = c, k++;
	}
	float p = f(0x40400001);   /* 3 + ulp */
	uint32_t *R = malloc(n * 4), *S = malloc(n * 4), *Q = malloc(n * 4);
	for (size_t i = 0; i < n; i++) {
		R[i] = u(fmaf(f(A[i]), f(B[i]), f(C[i])));
		S[i] = u(fmaf(f(A[i]), f(C[i]), f(B[i])));
		Q[i] = u(fmaf(p, f(B[i]), f(C[i])));
	}
	const char *nm[] = { "a.bin", "b.bin", "c.bin", "r.want", "s.want", "q.want" };
	uint32_t *v[] = { A, B, C, R, S, Q };
	char path[4096];
	for (int i = 0; i < 6; i++) {
		snprintf(path, sizeof path, "%s/%s", argv[1], nm[i]);
		FILE *fp = fopen(path, "wb");
		if (!fp || fwrite(v[i], 4, n, fp) != n || fclose(fp))
			return 1;
	}
	printf("%.9g\n", p);
	return 0;
}
