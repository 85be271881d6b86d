/*
 * res.c: the resident-buffer API of a generated saxpy library (LIB_upload,
 * LIB_dispatch, LIB_download) against LIB_run and `vyrec run`; built by
 * tests/t_launchres.sh with -DLIB=NAME -DHEADER="NAME.h".  Every step
 * writes its inputs and outputs as TAG.x.bin, TAG.yin.bin, TAG.out.bin
 * and prints "RES TAG A N" for the suite to replay with vyrec run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include HEADER

#define CAT2(a, b) a##_##b
#define CAT(a, b) CAT2(a, b)
#define F(x) CAT(LIB, x)

static int failed;

static void dump(const char *tag, const char *what, const float *v, size_t n)
{
	char path[256];
	snprintf(path, sizeof path, "%s.%s.bin", tag, what);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(v, 4, n, f) != n || fclose(f))
		printf("FAIL cannot write %s\n", path), failed = 1;
}

static void fill(float *v, size_t n, unsigned seed)
{
	unsigned s = seed * 2654435761u + 1;
	for (size_t i = 0; i < n; i++) {
		s = s * 1103515245u + 12345u;
		v[i] = (float)((int)(s >> 8 & 0xFFFF) - 32768) / 1024.0f;
	}
}

static void check(int rc, struct LIB *k, const char *what)
{
	if (rc) {
		printf("FAIL %s: %s\n", what, F(error)(k));
		failed = 1;
	}
}

static void must_fail(int rc, struct LIB *k, const char *tag, const char *what)
{
	const char *e = F(error)(k);
	if (rc != -1 || !strstr(e, what) || !strstr(e, "\nFix: "))
		printf("FAIL %s: rc %d, error '%s'\n", tag, rc, e), failed = 1;
	else
		printf("OK %s\n", tag);
}

static float x[6000], y[6000], yr[6000], yd[6000];

/* Upload x and y of n elements, then dispatch with each a in turn,
 * downloading y after each: step TAG.i replays as one vyrec run. */
static void chain(struct LIB *k, const char *tag, uint32_t n, const float *as, int na, unsigned seed)
{
	char t[64];
	fill(x, n, seed);
	fill(y, n, seed + 7);
	check(F(upload)(k, F(buf_x), x, n), k, "upload x");
	check(F(upload)(k, F(buf_y), y, n), k, "upload y");
	for (int i = 0; i < na; i++) {
		struct F(params) p = { as[i], n };
		snprintf(t, sizeof t, "%s.%d", tag, i);
		dump(t, "x", x, n);
		dump(t, "yin", y, n);
		check(F(dispatch)(k, &p), k, "dispatch");
		check(F(download)(k, F(buf_y), y, n), k, "download y");
		dump(t, "out", y, n);
		printf("RES %s %.9g %u\n", t, (double)as[i], (unsigned)n);
	}
}

int main(void)
{
	struct LIB *k = F(open)(-1);
	if (!k)
		return printf("OPEN %s\n", F(error)(NULL)), 0;
	static const float a1[] = { 1.5f, -2.0f, 0.25f, 3.0f }, a2[] = { 0.5f, 7.0f }, a3[] = { -1.25f };
	chain(k, "c1", 1000, a1, 4, 1);   /* new params each dispatch */
	chain(k, "c2", 300, a2, 2, 2);    /* a smaller count: same device memory */
	chain(k, "c3", 5000, a3, 1, 3);   /* a larger one: grown */
	chain(k, "c4", 1000, a2, 2, 4);   /* back down */

	/* LIB_run and upload/dispatch/download give the same bits */
	uint32_t n = 777;
	fill(x, n, 9);
	fill(yr, n, 10);
	memcpy(yd, yr, 4 * n);
	struct F(params) p = { 2.5f, n };
	struct F(buffers) b = { x, n, yr, n };
	check(F(run)(k, &p, &b), k, "run");
	check(F(upload)(k, F(buf_x), x, n) || F(upload)(k, F(buf_y), yd, n) || F(dispatch)(k, &p) ||
	      F(download)(k, F(buf_y), yd, n), k, "resident");
	printf(memcmp(yr, yd, 4 * n) ? "FAIL run-vs-resident: the bits differ\n" : "OK run-vs-resident\n");
	failed |= memcmp(yr, yd, 4 * n) != 0;
	/* after a run its buffers stay resident: a dispatch continues from them */
	check(F(run)(k, &p, &b), k, "run");
	dump("r1", "x", x, n);
	dump("r1", "yin", yr, n);
	p.a = -0.75f;
	check(F(dispatch)(k, &p), k, "dispatch after run");
	check(F(download)(k, F(buf_y), yd, n), k, "download after run");
	dump("r1", "out", yd, n);
	printf("RES r1 %.9g %u\n", (double)p.a, (unsigned)n);
	/* a partial download is the prefix */
	float part[10];
	check(F(download)(k, F(buf_y), part, 10), k, "partial download");
	printf(memcmp(part, yd, sizeof part) ? "FAIL partial-download\n" : "OK partial-download\n");
	/* a download of a read_only buffer gives what was uploaded */
	check(F(download)(k, F(buf_x), yd, n), k, "download x");
	printf(memcmp(x, yd, 4 * n) ? "FAIL download-read-only\n" : "OK download-read-only\n");

	/* bad calls fail with a Fix and leave the context usable */
	p.n = n + 1;
	must_fail(F(dispatch)(k, &p), k, "err.count", "holds 777 elements but its count n is 778");
	must_fail(F(download)(k, F(buf_y), yd, n + 1), k, "err.download-count", "which holds 777");
	must_fail(F(download)(k, F(buf_y), NULL, n), k, "err.download-null", "is NULL");
	must_fail(F(upload)(k, (enum F(buf))5, x, n), k, "err.buf-id", "buffer id 5 does not exist");
	must_fail(F(upload)(k, F(buf_x), x, 0), k, "err.upload-zero", "cannot have 0 elements");
	must_fail(F(dispatch)(k, NULL), k, "err.null-params", "params pointer is NULL");
	p.n = n;
	check(F(dispatch)(k, &p), k, "dispatch after errors");
	struct LIB *k2 = F(open)(-1);
	if (k2) {
		must_fail(F(dispatch)(k2, &p), k2, "err.not-resident", "buffer 'x' is not on the device");
		must_fail(F(download)(k2, F(buf_y), yd, 1), k2, "err.download-absent", "is not on the device");
		F(close)(k2);
	}
	F(close)(k);
	printf(failed ? "DONE failed\n" : "DONE ok\n");
	return failed;
}
