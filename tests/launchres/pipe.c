/*
 * pipe.c: a pipelined program (samples/jacobi1d.yaml: tsteps repeats of
 * two kernels ping-ponging a and b) through the resident API: a and b
 * uploaded once, LIB_dispatch runs the whole pipeline on them, a second
 * dispatch continues from the first's results, new uploads of another
 * count, LIB_run then a dispatch after it, and a dispatch whose counts
 * differ from the resident ones refused.  Each step writes its inputs
 * (TAG.ain.bin, TAG.bin.bin) and its outputs (TAG.a.bin, TAG.b.bin) and
 * prints "RES TAG N TSTEPS" for tests/t_launchres.sh, which compares the
 * outputs with vyrec run on the inputs.
 */
#include <stdio.h>
#include <string.h>
#include HEADER

#define CAT2(a, b) a##_##b
#define CAT(a, b) CAT2(a, b)
#define F(x) CAT(LIB, x)

static float a[5000], b[5000], ain[5000], bin[5000];

static int save(const char *tag, const char *what, const float *v, uint32_t n)
{
	char path[256];
	snprintf(path, sizeof path, "%s.%s.bin", tag, what);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(v, 4, n, f) != n || fclose(f))
		return printf("FAIL cannot write %s\n", path), 1;
	return 0;
}

/* One resident dispatch from the device's a and b (whose host copies are
 * ain and bin), then both downloaded. */
static int step(struct LIB *k, const char *tag, uint32_t n, uint32_t tsteps)
{
	struct F(params) p = { n, tsteps };
	if (F(dispatch)(k, &p) || F(download)(k, F(buf_a), a, n) || F(download)(k, F(buf_b), b, n))
		return printf("FAIL %s: %s\n", tag, F(error)(k)), 1;
	if (save(tag, "ain", ain, n) || save(tag, "bin", bin, n) || save(tag, "a", a, n) || save(tag, "b", b, n))
		return 1;
	printf("RES %s %u %u\n", tag, (unsigned)n, (unsigned)tsteps);
	memcpy(ain, a, 4 * n);   /* the next step's inputs */
	memcpy(bin, b, 4 * n);
	return 0;
}

static void fill(uint32_t n, float s)
{
	for (uint32_t i = 0; i < n; i++)
		ain[i] = (float)(i % 17) * s + 1.0f, bin[i] = (float)(i % 5) - s;
}

int main(void)
{
	struct LIB *k = F(open)(-1);
	int bad = 0;
	if (!k)
		return printf("OPEN %s\n", F(error)(NULL)), 0;
	fill(1000, 0.5f);
	if (F(upload)(k, F(buf_a), ain, 1000) || F(upload)(k, F(buf_b), bin, 1000))
		return printf("FAIL upload: %s\n", F(error)(k)), 1;
	bad |= step(k, "p1", 1000, 3);
	bad |= step(k, "p2", 1000, 2);   /* continues from p1's a and b */
	fill(300, 2.0f);
	if (F(upload)(k, F(buf_a), ain, 300) || F(upload)(k, F(buf_b), bin, 300))
		return printf("FAIL upload 300: %s\n", F(error)(k)), 1;
	bad |= step(k, "p3", 300, 4);
	/* NAME_run, then a dispatch on the buffers it left */
	fill(4096, 0.25f);
	memcpy(a, ain, 4 * 4096);
	memcpy(b, bin, 4 * 4096);
	struct F(params) p = { 4096, 2 };
	struct F(buffers) bufs = { a, 4096, b, 4096 };
	if (F(run)(k, &p, &bufs))
		return printf("FAIL run: %s\n", F(error)(k)), 1;
	if (save("p4", "ain", ain, 4096) || save("p4", "bin", bin, 4096) || save("p4", "a", a, 4096) ||
	    save("p4", "b", b, 4096))
		return 1;
	printf("RES p4 4096 2\n");
	memcpy(ain, a, 4 * 4096);
	memcpy(bin, b, 4 * 4096);
	bad |= step(k, "p5", 4096, 1);
	/* counts other than the resident ones */
	p.n = 500;
	if (!F(dispatch)(k, &p) || !strstr(F(error)(k), "holds 4096 elements") || !strstr(F(error)(k), "Fix: "))
		bad |= printf("FAIL pipeline-count-refused: %s\n", F(error)(k)) > 0;
	else
		printf("OK pipeline-count-refused\n");
	F(close)(k);
	printf("DONE %s\n", bad ? "bad" : "ok");
	return bad;
}
