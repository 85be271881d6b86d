/*
 * types.c: tests/launchres/rtypes.yaml (f32x3 and i32x3 buffers, 12 bytes
 * an element on the host and 16 on the device; an i64 param) through the
 * resident API.  p and q uploaded once; dispatches with params k that
 * differ only in their high word (the spv driver must record anew); q
 * (read_write) doubles on the device between steps; partial downloads.
 * Each step writes its inputs and outputs and prints "RES STEP N K" for
 * tests/t_launchres.sh, which replays the step with vyrec run.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include HEADER

#define CAT2(a, b) a##_##b
#define CAT(a, b) CAT2(a, b)
#define F(x) CAT(LIB, x)

#define N 333
static float p[3 * N], r[3 * N];
static int32_t q[3 * N], qin[3 * N];
static int64_t y[N];

static int put(const char *step, const char *what, const void *v, size_t bytes)
{
	char path[256];
	snprintf(path, sizeof path, "%s.%s.bin", step, what);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(v, 1, bytes, f) != bytes || fclose(f))
		return printf("FAIL cannot write %s\n", path), 1;
	return 0;
}

static int step(struct LIB *k, const char *tag, uint32_t n, int64_t kk)
{
	struct F(params) pa = { n, kk };
	memcpy(qin, q, sizeof q);   /* q as the device holds it before this step */
	if (F(dispatch)(k, &pa) || F(download)(k, F(buf_q), q, n) || F(download)(k, F(buf_r), r, n) ||
	    F(download)(k, F(buf_y), y, n))
		return printf("FAIL %s: %s\n", tag, F(error)(k)), 1;
	if (put(tag, "p", p, 12 * (size_t)n) || put(tag, "qin", qin, 12 * (size_t)n) ||
	    put(tag, "q", q, 12 * (size_t)n) || put(tag, "r", r, 12 * (size_t)n) ||
	    put(tag, "y", y, 8 * (size_t)n))
		return 1;
	printf("RES %s %u %" PRId64 "\n", tag, (unsigned)n, kk);
	return 0;
}

int main(void)
{
	struct LIB *k = F(open)(-1);
	if (!k)
		return printf("OPEN %s\n", F(error)(NULL)), 0;
	for (int i = 0; i < 3 * N; i++) {
		p[i] = (float)i * 0.25f - 7.0f;
		q[i] = i * 3 - 500;
	}
	int bad = F(upload)(k, F(buf_p), p, N) || F(upload)(k, F(buf_q), q, N);
	if (bad)
		printf("FAIL upload: %s\n", F(error)(k));
	bad = bad || step(k, "t1", N, INT64_C(0x100000005)) || step(k, "t2", N, INT64_C(0x200000005)) ||
	      step(k, "t3", N, INT64_C(-3));
	/* a partial download of an x3 buffer: the first 7 elements, the rest untouched */
	float part[3 * 8];
	for (int i = 0; i < 3 * 8; i++)
		part[i] = -1.0f;
	if (!bad && (F(download)(k, F(buf_r), part, 7) || memcmp(part, r, 12 * 7) || part[21] != -1.0f))
		bad = (printf("FAIL partial: %s\n", F(error)(k)), 1);
	else if (!bad)
		printf("OK partial-download-x3\n");
	F(close)(k);
	printf("DONE %s\n", bad ? "bad" : "ok");
	return bad;
}
