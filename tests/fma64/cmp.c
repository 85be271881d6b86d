/* tests/fma64/cmp.c: cmp WANT GOT A B C [ftz ORDER P]: every u32 of GOT
 * equals WANT's, a NaN matching any NaN; prints the count and the first
 * mismatches with their operands.  With ftz (a Vulkan driver: SPEC §1.8
 * lets spv flush denormals) a result also passes when it is the fma of
 * the operands with their denormals flushed to signed zero, or either
 * result flushed; ORDER (abc, acb or pbc, P the uniform) says which
 * operands the output took; those are counted apart. */
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include "bits.h"

static uint32_t *load(const char *p, size_t *n)
{
	FILE *f = fopen(p, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long sz = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint32_t *v = malloc(sz > 0 ? (size_t)sz : 1);
	*n = fread(v, 4, (size_t)sz / 4, f);
	fclose(f);
	return v;
}

static int nan32(uint32_t x)
{
	return (x & 0x7FFFFFFF) > 0x7F800000;
}


static uint32_t ftz(uint32_t x)
{
	return (x & 0x7F800000) == 0 ? x & 0x80000000 : x;
}

/* whether got is want with denormals flushed somewhere */
static int flushed(uint32_t want, uint32_t got, uint32_t x, uint32_t y, uint32_t z)
{
	uint32_t r = u(fmaf(f(ftz(x)), f(ftz(y)), f(ftz(z))));
	return got == ftz(want) || got == r || got == ftz(r);
}

int main(int argc, char **argv)
{
	size_t n, m, na, nb, nc, bad = 0, nflush = 0;
	if (argc != 6 && !(argc == 9 && !strcmp(argv[6], "ftz")))
		return 2;
	const char *order = argc == 9 ? argv[7] : NULL;
	uint32_t pu = argc == 9 ? u(strtof(argv[8], NULL)) : 0;
	uint32_t *w = load(argv[1], &n), *g = load(argv[2], &m);
	uint32_t *a = load(argv[3], &na), *b = load(argv[4], &nb), *c = load(argv[5], &nc);
	if (!w || !g || !a || !b || !c || n != m || na != n) {
		printf("cannot read, or sizes differ\n");
		return 1;
	}
	for (size_t i = 0; i < n; i++) {
		if (w[i] == g[i] || (nan32(w[i]) && nan32(g[i])))
			continue;
		if (order) {
			uint32_t x = order[0] == 'p' ? pu : a[i];
			uint32_t y = order[1] == 'c' ? c[i] : b[i];
			uint32_t z = order[2] == 'b' ? b[i] : c[i];
			if (flushed(w[i], g[i], x, y, z)) {
				nflush++;
				continue;
			}
		}
		if (bad++ < 5)
			printf("[%zu] %08x %08x %08x: want %08x got %08x\n", i, a[i], b[i],
			       c[i], w[i], g[i]);
	}
	if (order)
		printf("%zu of %zu differ (%zu more are denormals flushed)\n", bad, n, nflush);
	else
		printf("%zu of %zu differ\n", bad, n);
	return bad != 0;
}
