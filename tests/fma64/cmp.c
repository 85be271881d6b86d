/* tests/fma64/cmp.c: cmp WANT GOT A B C: every u32 of GOT equals WANT's,
 * a NaN matching any NaN; prints the count and the first mismatches
 * with their operands. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

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

int main(int argc, char **argv)
{
	size_t n, m, na, nb, nc, bad = 0;
	if (argc != 6)
		return 2;
	uint32_t *w = load(argv[1], &n), *g = load(argv[2], &m);
	uint32_t *a = load(argv[3], &na), *b = load(argv[4], &nb), *c = load(argv[5], &nc);
	if (!w || !g || !a || !b || !c || n != m || na != n) {
		printf("cannot read, or sizes differ\n");
		return 1;
	}
	for (size_t i = 0; i < n; i++)
		if (w[i] != g[i] && !(nan32(w[i]) && nan32(g[i])) && bad++ < 5)
			printf("[%zu] %08x %08x %08x: want %08x got %08x\n", i, a[i], b[i],
			       c[i], w[i], g[i]);
	printf("%zu of %zu differ\n", bad, n);
	return bad != 0;
}
