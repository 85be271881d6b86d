// bench/gpu/harness.cu: races vyrec's PTX against nvcc on one GPU.
//
// The nvcc kernels come from kernels.cu, compiled into this binary with
// `nvcc -O3 -arch=sm_90`.  vyrec's kernels are the PTX files that
// `vyrec build samples/NAME.yaml -t ptx --arch sm_90` wrote into PTXDIR,
// loaded through the driver API (cuModuleLoadDataEx: the driver's JIT,
// exactly what vyrec's cuda backend and launchers do), launched with the
// SPEC §3.2 ABI (buffer pointers, params, element counts).  Both run on
// the same buffers of random data, alternately, each launch between two
// CUDA events: warm-up, then the median of REPS launches.  Results are
// compared element by element (bitwise where the algorithms round alike,
// else against a double-precision host reference), and the table gives
// GB/s (GFLOP/s for matmul), vyrec/nvcc (throughput ratio) and the share
// of the device-to-device copy bandwidth (bytes read + written).
//
// usage: harness PTXDIR [REPS]
#include <cuda.h>
#include <cuda_runtime.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <algorithm>
#include <functional>
#include <string>
#include <vector>

extern "C" __global__ void saxpy_nv(const float *, float *, float, unsigned);
extern "C" __global__ void vecadd_nv(const float *, const float *, float *, unsigned);
extern "C" __global__ void reduce_nv(const float *, float *, unsigned);
extern "C" __global__ void matmul_nv(const float *, const float *, float *,
	unsigned, unsigned, unsigned);

#include "check.h"

static int reps = 100;
static int failures;
static double copy_gbs;

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static float frand(void)   // uniform in [-1, 1)
{
	rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
	return (float)((rng >> 40) * (1.0 / (1ull << 23)) - 1.0);
}

static float *dev_random(size_t n, std::vector<float> *keep)
{
	std::vector<float> h(n);
	for (auto &v : h) v = frand();
	float *d;
	CK(cudaMalloc(&d, n * 4));
	CK(cudaMemcpy(d, h.data(), n * 4, cudaMemcpyHostToDevice));
	if (keep) *keep = std::move(h);
	return d;
}

static float *dev_poison(size_t n)
{
	float *d;
	CK(cudaMalloc(&d, n * 4));
	CK(cudaMemset(d, 0xFF, n * 4));   // NaN: unwritten elements show
	return d;
}

static std::vector<float> to_host(const float *d, size_t n)
{
	std::vector<float> h(n);
	CK(cudaMemcpy(h.data(), d, n * 4, cudaMemcpyDeviceToHost));
	return h;
}

static CUfunction load_vy(const char *dir, const char *name, CUmodule *mod,
			  const char *file = NULL)
{
	std::string path = std::string(dir) + "/" + (file ? file : name) + ".ptx";
	FILE *f = fopen(path.c_str(), "rb");
	if (!f) { perror(path.c_str()); exit(1); }
	std::string text;
	char buf[65536];
	size_t k;
	while ((k = fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, k);
	fclose(f);
	static char log[16384];
	CUjit_option opt[] = { CU_JIT_ERROR_LOG_BUFFER, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES };
	void *val[] = { log, (void *)(uintptr_t)sizeof log };
	CUresult r = cuModuleLoadDataEx(mod, text.c_str(), 2, opt, val);
	if (r != CUDA_SUCCESS) { fprintf(stderr, "JIT of %s failed:\n%s\n", path.c_str(), log); exit(1); }
	CUfunction fn;
	CU(cuModuleGetFunction(&fn, *mod, name));
	return fn;
}

// The workgroup size of DIR/FILE.json, the manifest run.sh writes beside
// each PTX file, so a sample's new workgroup_size cannot rot the harness.
struct wgsize { unsigned x, y, z; };
static wgsize wg_of(const char *dir, const char *file)
{
	std::string path = std::string(dir) + "/" + file + ".json", text;
	FILE *f = fopen(path.c_str(), "rb");
	if (!f) { perror(path.c_str()); exit(1); }
	char buf[4096];
	size_t k;
	while ((k = fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, k);
	fclose(f);
	wgsize w = { 0, 0, 0 };
	size_t at = text.find("\"workgroup_size\": [");
	if (at == std::string::npos ||
	    sscanf(text.c_str() + at, "\"workgroup_size\": [%u, %u, %u]", &w.x, &w.y, &w.z) != 3) {
		fprintf(stderr, "%s: no workgroup_size\n", path.c_str());
		exit(1);
	}
	return w;
}

// The nvcc kernel of NAME is written for one block shape; stop when the
// sample's manifest asks for another.
static void need_wg(const char *name, wgsize w, unsigned x, unsigned y)
{
	if (w.x == x && w.y == y && w.z == 1)
		return;
	fprintf(stderr, "%s: the sample's workgroup_size is [%u, %u, %u], the nvcc kernel in "
		"bench/gpu/kernels.cu is written for [%u, %u, 1]. Fix: update kernels.cu\n",
		name, w.x, w.y, w.z, x, y);
	exit(1);
}

static void launch_vy(CUfunction f, unsigned gx, unsigned gy, unsigned bx,
		      unsigned by, void **args)
{
	CU(cuLaunchKernel(f, gx, gy, 1, bx, by, 1, 0, 0, args, NULL));
}

static float median(std::vector<float> v)
{
	std::sort(v.begin(), v.end());
	size_t n = v.size();
	return n % 2 ? v[n / 2] : 0.5f * (v[n / 2 - 1] + v[n / 2]);
}

// Median milliseconds of a and b, timed alternately after warm-up.
static void race(const std::function<void()> &a, const std::function<void()> &b,
		 int n, float *ma, float *mb)
{
	cudaEvent_t e[4];
	for (auto &x : e) CK(cudaEventCreate(&x));
	for (int i = 0; i < 5; i++) { a(); b(); }
	CK(cudaGetLastError());
	CK(cudaDeviceSynchronize());
	std::vector<float> ta, tb;
	for (int i = 0; i < n; i++) {
		CK(cudaEventRecord(e[0]));
		a();
		CK(cudaEventRecord(e[1]));
		b();
		CK(cudaEventRecord(e[2]));
		CK(cudaEventSynchronize(e[2]));
		CK(cudaGetLastError());
		float x, y;
		CK(cudaEventElapsedTime(&x, e[0], e[1]));
		CK(cudaEventElapsedTime(&y, e[1], e[2]));
		ta.push_back(x);
		tb.push_back(y);
	}
	for (auto &x : e) CK(cudaEventDestroy(x));
	*ma = median(ta);
	*mb = median(tb);
}

static int regs_vy(CUfunction f)
{
	int r = 0;
	CU(cuFuncGetAttribute(&r, CU_FUNC_ATTRIBUTE_NUM_REGS, f));
	return r;
}

static int regs_nv(const void *f)
{
	cudaFuncAttributes a;
	CK(cudaFuncGetAttributes(&a, f));
	return a.numRegs;
}

static void row(const char *name, const char *size, double amount, const char *unit,
		float mv, float mn, int rv, int rn, const char *check, bool bw)
{
	double v = amount / (mv * 1e-3) / 1e9, n = amount / (mn * 1e-3) / 1e9;
	char pc[16] = "-";
	if (bw && copy_gbs > 0)
		snprintf(pc, sizeof pc, "%.1f%%", 100 * v / copy_gbs);
	printf("%-7s %-11s %9.4f %9.1f %9.4f %9.1f %-7s %7.3f %7s %3d/%-3d %s\n",
	       name, size, mv, v, mn, n, unit, mn / mv, pc, rv, rn, check);
	fflush(stdout);
}

// Bitwise comparison of two results; "bitwise" or a failure note.
static std::string same(const std::vector<float> &a, const std::vector<float> &b)
{
	size_t bad = 0, first = 0;
	for (size_t i = 0; i < a.size(); i++)
		if (memcmp(&a[i], &b[i], 4) && bad++ == 0) first = i;
	if (!bad) return "vyrec==nvcc bitwise";
	failures++;
	char s[160];
	snprintf(s, sizeof s, "MISMATCH %zu elements, first [%zu] vyrec %g nvcc %g",
		 bad, first, a[first], b[first]);
	return s;
}

static void bench_copy(size_t n)
{
	float *a = dev_random(n, NULL), *b = dev_poison(n);
	float m, m2;
	auto cp = [&] { CK(cudaMemcpyAsync(b, a, n * 4, cudaMemcpyDeviceToDevice)); };
	race(cp, cp, reps, &m, &m2);
	copy_gbs = 2.0 * n * 4 / (std::min(m, m2) * 1e-3) / 1e9;
	printf("copy    %-11s %9.4f %9.1f GB/s  (cudaMemcpy D2D, bytes read + written; the ceiling)\n",
	       "2^27 f32", std::min(m, m2), copy_gbs);
	CK(cudaFree(a)); CK(cudaFree(b));
}

static void bench_saxpy(const char *dir, unsigned n)
{
	CUmodule mod;
	CUfunction f = load_vy(dir, "saxpy", &mod);
	std::vector<float> hx, hy;
	float *x = dev_random(n, &hx), *y0 = dev_random(n, &hy), *y = dev_poison(n);
	float a = 1.5f;
	unsigned nx = n, ny = n;
	void *args[] = { &x, &y, &a, &n, &nx, &ny };
	unsigned wg = wg_of(dir, "saxpy").x;
	auto vy = [&] { launch_vy(f, (n + wg - 1) / wg, 1, wg, 1, args); };
	auto nv = [&] { saxpy_nv<<<(n + wg - 1) / wg, wg>>>(x, y, a, n); };
	CK(cudaMemcpy(y, y0, (size_t)n * 4, cudaMemcpyDeviceToDevice)); vy();
	auto rv = to_host(y, n);
	CK(cudaMemcpy(y, y0, (size_t)n * 4, cudaMemcpyDeviceToDevice)); nv();
	auto rn = to_host(y, n);
	std::string chk = same(rv, rn);
	for (unsigned i = 0; i < n; i += 4099)
		if (rv[i] != fmaf(a, hx[i], hy[i])) { chk += "; WRONG vs host fmaf"; failures++; break; }
	float mv, mn;
	race(vy, nv, reps, &mv, &mn);
	row("saxpy", "2^27", 3.0 * n * 4, "GB/s", mv, mn, regs_vy(f), regs_nv((void *)saxpy_nv), chk.c_str(), true);
	CK(cudaFree(x)); CK(cudaFree(y)); CK(cudaFree(y0)); CU(cuModuleUnload(mod));
}

// file: the sample as written, or run.sh's copy of it with another
// workgroup size; its manifest gives the size, and nvcc gets the same.
static void bench_vecadd(const char *dir, unsigned n, const char *file, bool variant)
{
	unsigned wg = wg_of(dir, file).x;
	CUmodule mod;
	CUfunction f = load_vy(dir, "vecadd", &mod, file);
	std::vector<float> hx, hy;
	float *x = dev_random(n, &hx), *y = dev_random(n, &hy);
	float *zv = dev_poison(n), *zn = dev_poison(n);
	unsigned c = n;
	void *args[] = { &x, &y, &zv, &n, &c, &c, &c };
	auto vy = [&] { launch_vy(f, (n + wg - 1) / wg, 1, wg, 1, args); };
	auto nv = [&] { vecadd_nv<<<(n + wg - 1) / wg, wg>>>(x, y, zn, n); };
	vy(); nv();
	auto rv = to_host(zv, n), rn = to_host(zn, n);
	std::string chk = same(rv, rn);
	for (unsigned i = 0; i < n; i++)
		if (rv[i] != hx[i] + hy[i]) { chk += "; WRONG vs host"; failures++; break; }
	float mv, mn;
	race(vy, nv, reps, &mv, &mn);
	char name[16];
	snprintf(name, sizeof name, variant ? "vecadd%u" : "vecadd", wg);
	row(name, "2^27", 3.0 * n * 4, "GB/s", mv, mn, regs_vy(f), regs_nv((void *)vecadd_nv), chk.c_str(), true);
	CK(cudaFree(x)); CK(cudaFree(y)); CK(cudaFree(zv)); CK(cudaFree(zn)); CU(cuModuleUnload(mod));
}

static void bench_reduce(const char *dir, unsigned n)
{
	CUmodule mod;
	CUfunction f = load_vy(dir, "reduce", &mod);
	need_wg("reduce", wg_of(dir, "reduce"), 256, 1);
	unsigned np = (n + 255) / 256;
	std::vector<float> hx;
	float *x = dev_random(n, &hx), *pv = dev_poison(np), *pn = dev_poison(np);
	unsigned nx = n;
	void *args[] = { &x, &pv, &n, &nx, &np };
	auto vy = [&] { launch_vy(f, np, 1, 256, 1, args); };
	auto nv = [&] { reduce_nv<<<np, 256>>>(x, pn, n); };
	vy(); nv();
	auto rv = to_host(pv, np), rn = to_host(pn, np);
	std::string chk = same(rv, rn);
	double worst = 0;
	for (unsigned b = 0; b < np; b += 97) {
		double s = 0, sa = 0;
		for (unsigned i = b * 256; i < b * 256 + 256 && i < n; i++) { s += hx[i]; sa += fabs(hx[i]); }
		worst = std::max(worst, fabs(rv[b] - s) / (sa + 1e-30));
	}
	if (worst > 1e-6) { chk += "; WRONG vs host sum"; failures++; }
	float mv, mn;
	race(vy, nv, reps, &mv, &mn);
	row("reduce", "2^27", 4.0 * n + 4.0 * np, "GB/s", mv, mn, regs_vy(f), regs_nv((void *)reduce_nv), chk.c_str(), true);
	CK(cudaFree(x)); CK(cudaFree(pv)); CK(cudaFree(pn)); CU(cuModuleUnload(mod));
}

static void bench_matmul(const char *dir, unsigned M, unsigned N, unsigned K)
{
	CUmodule mod;
	CUfunction f = load_vy(dir, "matmul", &mod);
	need_wg("matmul", wg_of(dir, "matmul"), 16, 16);
	std::vector<float> ha, hb;
	float *A = dev_random((size_t)M * K, &ha), *B = dev_random((size_t)K * N, &hb);
	float *Cv = dev_poison((size_t)M * N), *Cn = dev_poison((size_t)M * N);
	unsigned na = M * K, nb = K * N, nc = M * N;
	void *args[] = { &A, &B, &Cv, &M, &N, &K, &na, &nb, &nc };
	dim3 g((N + 15) / 16, (M + 15) / 16), b(16, 16);
	auto vy = [&] { launch_vy(f, g.x, g.y, 16, 16, args); };
	auto nv = [&] { matmul_nv<<<g, b>>>(A, B, Cn, M, N, K); };
	vy(); nv();
	auto rv = to_host(Cv, (size_t)M * N), rn = to_host(Cn, (size_t)M * N);
	std::string chk = same(rv, rn);
	double worst = 0;
	for (int s = 0; s < 256; s++) {
		unsigned i = (unsigned)(s * 2654435761u) % M, j = (unsigned)(s * 40503u + 7) % N;
		double d = 0, da = 0;
		for (unsigned k = 0; k < K; k++) {
			d += (double)ha[(size_t)i * K + k] * hb[(size_t)k * N + j];
			da += fabs((double)ha[(size_t)i * K + k] * hb[(size_t)k * N + j]);
		}
		worst = std::max(worst, fabs(rv[(size_t)i * N + j] - d) / da);
	}
	if (worst > 1e-5) { chk += "; WRONG vs host dot"; failures++; }
	float mv, mn;
	race(vy, nv, std::max(reps / 2, 50), &mv, &mn);
	char size[32];
	snprintf(size, sizeof size, "%ux%u", M, N);
	row("matmul", size, 2.0 * M * N * K, "GFLOP/s", mv, mn, regs_vy(f), regs_nv((void *)matmul_nv), chk.c_str(), false);
	CK(cudaFree(A)); CK(cudaFree(B)); CK(cudaFree(Cv)); CK(cudaFree(Cn)); CU(cuModuleUnload(mod));
}

int main(int argc, char **argv)
{
	if (argc < 2) { fprintf(stderr, "usage: harness PTXDIR [REPS]\n"); return 2; }
	if (argc > 2) reps = atoi(argv[2]);
	CK(cudaSetDevice(0));
	CK(cudaFree(0));   // the primary context, current for the driver API too
	cudaDeviceProp p;
	CK(cudaGetDeviceProperties(&p, 0));
	int drv;
	CK(cudaDriverGetVersion(&drv));
	printf("device: %s, %d SMs, L2 %d MB, driver %d.%d; median of %d launches after 5 warm-ups\n",
	       p.name, p.multiProcessorCount, p.l2CacheSize >> 20, drv / 1000, drv % 1000 / 10, reps);
	printf("%-7s %-11s %9s %9s %9s %9s %-7s %7s %7s %7s %s\n", "kernel", "size",
	       "vyrec ms", "vyrec", "nvcc ms", "nvcc", "unit", "vy/nv", "%copy", "regs", "check");
	bench_copy(1u << 27);
	bench_saxpy(argv[1], 1u << 27);
	bench_vecadd(argv[1], 1u << 27, "vecadd", false);
	bench_reduce(argv[1], 1u << 27);
	bench_matmul(argv[1], 4096, 4096, 4096);
	printf("-- variants (not the samples as written): vecadd.yaml with workgroup_size 128 and 512\n");
	bench_vecadd(argv[1], 1u << 27, "vecadd128", true);
	bench_vecadd(argv[1], 1u << 27, "vecadd512", true);
	printf("vy/nv is nvcc time / vyrec time (above 1: vyrec faster); %%copy is GB/s over the copy's.\n");
	printf("%s\n", failures ? "RESULT: MISMATCHES (see check column)" : "RESULT: all results agree");
	return failures != 0;
}
