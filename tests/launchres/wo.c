/*
 * wo.c: vecadd's write_only z through the resident API: LIB_dispatch makes
 * it (zeros) when absent or of another count; x and y uploaded once, two
 * dispatches, z downloaded.  Prints "RES TAG N" for tests/t_launchres.sh.
 */
#include <stdio.h>
#include <string.h>
#include HEADER

#define CAT2(a, b) a##_##b
#define CAT(a, b) CAT2(a, b)
#define F(x) CAT(LIB, x)

static float x[4096], y[4096], z[4096];

static int step(struct LIB *k, const char *tag, uint32_t n)
{
	char path[256];
	for (uint32_t i = 0; i < n; i++)
		x[i] = (float)i * 0.5f + (float)n, y[i] = 3.0f - (float)i;
	struct F(params) p = { n };
	if (F(upload)(k, F(buf_x), x, n) || F(upload)(k, F(buf_y), y, n) || F(dispatch)(k, &p) ||
	    F(dispatch)(k, &p) || F(download)(k, F(buf_z), z, n))
		return printf("FAIL %s: %s\n", tag, F(error)(k)), 1;
	const char *what[] = { "x", "y", "out" };
	float *v[] = { x, y, z };
	for (int j = 0; j < 3; j++) {
		snprintf(path, sizeof path, "%s.%s.bin", tag, what[j]);
		FILE *f = fopen(path, "wb");
		if (!f || fwrite(v[j], 4, n, f) != n || fclose(f))
			return printf("FAIL cannot write %s\n", path), 1;
	}
	printf("RES %s %u\n", tag, (unsigned)n);
	return 0;
}

int main(void)
{
	struct LIB *k = F(open)(-1);
	if (!k)
		return printf("OPEN %s\n", F(error)(NULL)), 0;
	int bad = step(k, "w1", 100) | step(k, "w2", 4000) | step(k, "w3", 50);
	F(close)(k);
	return bad;
}
