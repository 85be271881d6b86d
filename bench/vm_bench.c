/*
 * vm_bench.c: the reference VM against the same computation as a plain C
 * loop compiled with -O2.  saxpy with n = 2^22, and the tiled matmul of
 * samples/matmul.yaml at 256x256.  Times are the best of 5 runs of the
 * kernel alone (module decoded once, buffers allocated once).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vm.h"
#include "vyrec.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static struct vyvm_module *load(const char *path, struct vy_compilation *c)
{
	struct vy_compile_opts o = { .opt_level = 1 };
	struct vy_emit_config cfg = { .opt_level = 1 };
	struct vy_buf out = {0};
	char *err = NULL, verr[256];
	struct vyvm_module *m = NULL;
	if (!vy_compile(c, path, &o) ||
	    vy_emitter_reference.emit(c->prog, &cfg, &out, &err) ||
	    vyvm_decode(out.data, out.len, &m, verr, sizeof verr)) {
		fprintf(stderr, "vm_bench: cannot build %s\n", path);
		exit(1);
	}
	vy_buf_free(&out);
	return m;
}

/* Best of 5 VM runs of m over bufs. */
static double vm_time(struct vyvm_module *m, uint32_t *params, void **bufs)
{
	uint32_t counts[8], d[3], grid[3];
	char err[256];
	double best = 1e9;
	if (vyvm_eval_counts(m, params, counts, err, sizeof err) ||
	    vyvm_eval_dispatch(m, params, counts, d, grid, err, sizeof err)) {
		fprintf(stderr, "vm_bench: %s\n", err);
		exit(1);
	}
	for (int r = 0; r < 5; r++) {
		double t = now();
		if (vyvm_run(m, params, bufs, counts, grid, 0, err, sizeof err)) {
			fprintf(stderr, "vm_bench: %s\n", err);
			exit(1);
		}
		t = now() - t;
		best = t < best ? t : best;
	}
	return best;
}

static void saxpy_c(float a, const float *x, float *y, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		y[i] = __builtin_fmaf(a, x[i], y[i]);
}

static void matmul_c(const float *a, const float *b, float *c, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		for (unsigned j = 0; j < n; j++) {
			float s = 0;
			for (unsigned k = 0; k < n; k++)
				s += a[i * n + k] * b[k * n + j];
			c[i * n + j] = s;
		}
}

int main(void)
{
	struct vy_compilation c1, c2;
	unsigned n = 1u << 22;
	float *x = malloc(n * 4), *y = malloc(n * 4), a = 2.5f;
	for (unsigned i = 0; i < n; i++)
		x[i] = (float)i, y[i] = 1.0f;
	struct vyvm_module *m = load("samples/saxpy.yaml", &c1);
	uint32_t params[4];
	memcpy(&params[0], &a, 4);
	params[1] = n;
	void *bufs[2] = { x, y };
	double tv = vm_time(m, params, bufs), tc = 1e9;
	for (int r = 0; r < 5; r++) {
		double t = now();
		saxpy_c(a, x, y, n);
		t = now() - t;
		tc = t < tc ? t : tc;
	}
	printf("saxpy n=2^22      VM %8.2f ms   C -O2 %7.2f ms   ratio %5.1fx (target <= 20x)\n",
	       tv * 1e3, tc * 1e3, tv / tc);

	unsigned s = 256;
	float *ma = malloc(s * s * 4), *mb = malloc(s * s * 4), *mc = malloc(s * s * 4);
	for (unsigned i = 0; i < s * s; i++)
		ma[i] = (float)(i % 7), mb[i] = (float)(i % 5), mc[i] = 0;
	struct vyvm_module *mm = load("samples/matmul.yaml", &c2);
	/* samples/matmul.yaml: params in declaration order, all = s */
	uint32_t mp[8];
	for (int i = 0; i < c2.prog->nparams; i++)
		mp[i] = s;
	void *mbufs[3] = { ma, mb, mc };
	double tm = vm_time(mm, mp, mbufs), tcm = now();
	matmul_c(ma, mb, mc, s);
	tcm = now() - tcm;
	printf("matmul 256x256    VM %8.2f ms   C -O2 %7.2f ms   ratio %5.1fx (target VM < 2000 ms)\n",
	       tm * 1e3, tcm * 1e3, tm / tcm);
	vyvm_free(m);
	vyvm_free(mm);
	vy_compilation_free(&c1);
	vy_compilation_free(&c2);
	return 0;
}
