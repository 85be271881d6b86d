// bench/gpu/polybench/harness.cu: races vyrec's PTX of the PolyBench/GPU
// programs in this folder (NAME.yaml) against nvcc -O3 of kernels.cu.
//
// vyrec's kernels are DIR/NAME.ptx, loaded through the driver API
// (cuModuleLoadDataEx, the driver's JIT, as vyrec's cuda backend does) and
// launched with the SPEC §3.2 ABI (buffer pointers, params, element
// counts); the block is the workgroup_size of DIR/NAME.json (the
// manifest), the grid covers the program's dispatch, and the nvcc kernel
// gets the same grid and block.  Each side has its own copy of the same
// random inputs; one launch each is compared element by element (nvcc
// fuses multiply-adds, vyrec does not: relative 1e-3), then REPS launches
// alternate between the two, each between two CUDA events, and the
// median is taken.  Prints one row per kernel (vyrec/nvcc = nvcc's time
// over vyrec's: above 1 is vyrec faster) and the geometric mean.
//
// usage: harness DIR [REPS]   (REPS >= 20, default 25)
#include <cuda.h>
#include <cuda_runtime.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <algorithm>
#include <functional>
#include <string>
#include <vector>

extern "C" {
__global__ void gemm_nv(float *, float *, float *, int, int, int, float, float);
__global__ void syrk_nv(float *, float *, int, int, float, float);
__global__ void mm2_1_nv(float *, float *, float *, int, int, int, float);
__global__ void mm2_2_nv(float *, float *, float *, int, int, int, float);
__global__ void gramschmidt_norm_nv(float *, float *, int, int, int);
__global__ void gramschmidt_normalise_nv(float *, float *, float *, int, int, int);
__global__ void gramschmidt_update_nv(float *, float *, float *, int, int, int);
__global__ void corr_mean_nv(float *, float *, int, int, float);
__global__ void corr_std_nv(float *, float *, float *, int, int, float, float);
__global__ void corr_reduce_nv(float *, float *, float *, int, int, float);
__global__ void corr_corr_nv(float *, float *, int, int);
__global__ void jacobi2d_1_nv(float *, float *, int);
__global__ void jacobi2d_2_nv(float *, float *, int);
}

#include "../check.h"

typedef std::vector<float *> bufs;
struct buffer { const char *name; size_t count; bool out; float lo, hi; };
struct spec {
	const char *name;
	std::vector<buffer> b;          // binding order
	std::vector<uint32_t> params;   // bits, declaration order
	unsigned dx, dy;                // dispatch
	std::function<void(dim3, dim3, bufs &)> nv;
};

static uint32_t U(unsigned v) { return v; }
static uint32_t F(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static float frand(float lo, float hi)
{
	rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
	return lo + (hi - lo) * (float)((rng >> 40) * (1.0 / (1ull << 24)));
}

static std::string slurp(const std::string &path)
{
	FILE *f = fopen(path.c_str(), "rb");
	if (!f) { fprintf(stderr, "%s: cannot open (run polybench.sh --prepare)\n", path.c_str()); exit(1); }
	std::string s;
	char buf[65536];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, f)) > 0) s.append(buf, n);
	fclose(f);
	return s;
}

int main(int argc, char **argv)
{
	if (argc < 2) { fprintf(stderr, "usage: harness DIR [REPS]\n"); return 2; }
	std::string dir = argv[1];
	int reps = argc > 2 ? atoi(argv[2]) : 25;
	if (reps < 20) reps = 20;
	const unsigned N = 2048, G = 2048, C = 1024, J = 4096;
	const float alpha = 1.5f, beta = 1.2f;
	std::vector<spec> S = {
		{ "gemm", { { "a", N * N, false, -1, 1 }, { "b", N * N, false, -1, 1 }, { "c", N * N, true, -1, 1 } },
		  { U(N), U(N), U(N), F(alpha), F(beta) }, N, N,
		  [=](dim3 g, dim3 bl, bufs &v) { gemm_nv<<<g, bl>>>(v[0], v[1], v[2], N, N, N, alpha, beta); } },
		{ "syrk", { { "a", N * N, false, -1, 1 }, { "c", N * N, true, -1, 1 } },
		  { U(N), U(N), F(alpha), F(beta) }, N, N,
		  [=](dim3 g, dim3 bl, bufs &v) { syrk_nv<<<g, bl>>>(v[0], v[1], N, N, alpha, beta); } },
		{ "mm2_1", { { "a", N * N, false, -1, 1 }, { "b", N * N, false, -1, 1 }, { "tmp", N * N, true, -1, 1 } },
		  { U(N), U(N), U(N), F(alpha) }, N, N,
		  [=](dim3 g, dim3 bl, bufs &v) { mm2_1_nv<<<g, bl>>>(v[0], v[1], v[2], N, N, N, alpha); } },
		{ "mm2_2", { { "tmp", N * N, false, -1, 1 }, { "c", N * N, false, -1, 1 }, { "d", N * N, true, -1, 1 } },
		  { U(N), U(N), U(N), F(beta) }, N, N,
		  [=](dim3 g, dim3 bl, bufs &v) { mm2_2_nv<<<g, bl>>>(v[0], v[1], v[2], N, N, N, beta); } },
		{ "gramschmidt_norm", { { "a", G * G, false, -1, 1 }, { "r", G * G, true, -1, 1 } },
		  { U(G), U(G), U(0) }, 1, 1,
		  [=](dim3 g, dim3 bl, bufs &v) { gramschmidt_norm_nv<<<g, bl>>>(v[0], v[1], G, G, 0); } },
		{ "gramschmidt_normalise", { { "a", G * G, false, -1, 1 }, { "r", G * G, false, 1, 2 }, { "q", G * G, true, -1, 1 } },
		  { U(G), U(G), U(0) }, G, 1,
		  [=](dim3 g, dim3 bl, bufs &v) { gramschmidt_normalise_nv<<<g, bl>>>(v[0], v[1], v[2], G, G, 0); } },
		{ "gramschmidt_update", { { "a", G * G, true, -1, 1 }, { "r", G * G, true, -1, 1 }, { "q", G * G, false, -0.05f, 0.05f } },
		  { U(G), U(G), U(0) }, G, 1,
		  [=](dim3 g, dim3 bl, bufs &v) { gramschmidt_update_nv<<<g, bl>>>(v[0], v[1], v[2], G, G, 0); } },
		{ "corr_mean", { { "data", C * C, false, 0, 1 }, { "mean", C, true, 0, 1 } },
		  { U(C), U(C), F((float)C) }, C, 1,
		  [=](dim3 g, dim3 bl, bufs &v) { corr_mean_nv<<<g, bl>>>(v[0], v[1], C, C, (float)C); } },
		{ "corr_std", { { "data", C * C, false, 0, 1 }, { "mean", C, false, 0.4f, 0.6f }, { "std", C, true, 0, 1 } },
		  { U(C), U(C), F((float)C), F(0.005f) }, C, 1,
		  [=](dim3 g, dim3 bl, bufs &v) { corr_std_nv<<<g, bl>>>(v[0], v[1], v[2], C, C, (float)C, 0.005f); } },
		{ "corr_reduce", { { "data", C * C, true, 0, 1 }, { "mean", C, false, 0.4f, 0.6f }, { "std", C, false, 0.2f, 0.4f } },
		  { U(C), U(C), F((float)C) }, C, C,
		  [=](dim3 g, dim3 bl, bufs &v) { corr_reduce_nv<<<g, bl>>>(v[0], v[1], v[2], C, C, (float)C); } },
		{ "corr_corr", { { "data", C * C, false, -1, 1 }, { "symmat", C * C, true, 0, 1 } },
		  { U(C), U(C) }, C, 1,
		  [=](dim3 g, dim3 bl, bufs &v) { corr_corr_nv<<<g, bl>>>(v[0], v[1], C, C); } },
		{ "jacobi2d_1", { { "a", J * J, false, -1, 1 }, { "b", J * J, true, -1, 1 } },
		  { U(J) }, J, J,
		  [=](dim3 g, dim3 bl, bufs &v) { jacobi2d_1_nv<<<g, bl>>>(v[0], v[1], J); } },
		{ "jacobi2d_2", { { "a", J * J, true, -1, 1 }, { "b", J * J, false, -1, 1 } },
		  { U(J) }, J, J,
		  [=](dim3 g, dim3 bl, bufs &v) { jacobi2d_2_nv<<<g, bl>>>(v[0], v[1], J); } },
	};
	CK(cudaFree(0));
	cudaDeviceProp prop;
	CK(cudaGetDeviceProperties(&prop, 0));
	printf("device: %s, %d launches each, median\n", prop.name, reps);
	printf("%-22s %10s %10s %12s  %s\n", "kernel", "nvcc ms", "vyrec ms", "vyrec/nvcc", "check");
	double logsum = 0;
	int n = 0, bad = 0;
	for (auto &s : S) {
		std::string ptx = slurp(dir + "/" + s.name + ".ptx"), man = slurp(dir + "/" + s.name + ".json");
		unsigned w[3] = { 0, 0, 0 };
		size_t at = man.find("\"workgroup_size\": [");
		if (at == std::string::npos ||
		    sscanf(man.c_str() + at, "\"workgroup_size\": [%u, %u, %u]", &w[0], &w[1], &w[2]) != 3) {
			fprintf(stderr, "%s: no workgroup_size in the manifest\n", s.name);
			return 1;
		}
		dim3 block(w[0], w[1], w[2]), grid((s.dx + w[0] - 1) / w[0], (s.dy + w[1] - 1) / w[1], 1);
		CUmodule mod;
		CUfunction fn;
		CU(cuModuleLoadDataEx(&mod, ptx.c_str(), 0, NULL, NULL));
		CU(cuModuleGetFunction(&fn, mod, s.name));
		bufs nvb, vyb;
		std::vector<std::vector<float>> host;
		for (auto &b : s.b) {
			std::vector<float> h(b.count);
			for (auto &x : h) x = frand(b.lo, b.hi);
			float *d1, *d2;
			CK(cudaMalloc(&d1, b.count * 4));
			CK(cudaMalloc(&d2, b.count * 4));
			CK(cudaMemcpy(d1, h.data(), b.count * 4, cudaMemcpyHostToDevice));
			CK(cudaMemcpy(d2, h.data(), b.count * 4, cudaMemcpyHostToDevice));
			nvb.push_back(d1), vyb.push_back(d2);
			host.push_back(std::move(h));
		}
		// the SPEC §3.2 arguments: pointers, params, counts
		std::vector<CUdeviceptr> ptrs(vyb.size());
		std::vector<uint32_t> counts(vyb.size());
		std::vector<void *> args;
		for (size_t i = 0; i < vyb.size(); i++) {
			ptrs[i] = (CUdeviceptr)vyb[i];
			counts[i] = (uint32_t)s.b[i].count;
		}
		for (auto &p : ptrs) args.push_back(&p);
		for (auto &p : s.params) args.push_back(&p);
		for (auto &c : counts) args.push_back(&c);
		auto vy = [&]() {
			CU(cuLaunchKernel(fn, grid.x, grid.y, 1, block.x, block.y, block.z, 0, 0, args.data(), NULL));
		};
		s.nv(grid, block, nvb);
		CK(cudaGetLastError());
		vy();
		CK(cudaDeviceSynchronize());
		size_t wrong = 0, first = 0;
		const char *wbuf = "";
		float wa = 0, wb = 0;
		for (size_t i = 0; i < s.b.size(); i++) {
			if (!s.b[i].out) continue;
			std::vector<float> a(s.b[i].count), b(s.b[i].count);
			CK(cudaMemcpy(a.data(), nvb[i], a.size() * 4, cudaMemcpyDeviceToHost));
			CK(cudaMemcpy(b.data(), vyb[i], b.size() * 4, cudaMemcpyDeviceToHost));
			for (size_t e = 0; e < a.size(); e++)
				if (!(fabsf(a[e] - b[e]) <= 1e-3f * fmaxf(1.0f, fabsf(a[e])))) {
					if (!wrong++) first = e, wbuf = s.b[i].name, wa = a[e], wb = b[e];
				}
		}
		cudaEvent_t e0, e1;
		CK(cudaEventCreate(&e0));
		CK(cudaEventCreate(&e1));
		std::vector<float> tn, tv;
		for (int r = 0; r < reps + 2; r++) {
			float ms;
			CK(cudaEventRecord(e0));
			s.nv(grid, block, nvb);
			CK(cudaEventRecord(e1));
			CK(cudaEventSynchronize(e1));
			CK(cudaEventElapsedTime(&ms, e0, e1));
			if (r >= 2) tn.push_back(ms);
			CK(cudaEventRecord(e0));
			vy();
			CK(cudaEventRecord(e1));
			CK(cudaEventSynchronize(e1));
			CK(cudaEventElapsedTime(&ms, e0, e1));
			if (r >= 2) tv.push_back(ms);
		}
		std::sort(tn.begin(), tn.end());
		std::sort(tv.begin(), tv.end());
		double mn = tn[tn.size() / 2], mv = tv[tv.size() / 2], ratio = mn / mv;
		logsum += log(ratio);
		n++;
		char chk[160];
		if (wrong)
			snprintf(chk, sizeof chk, "FAIL %zu wrong, first %s[%zu] nvcc %g vyrec %g", wrong, wbuf, first, wa, wb);
		else
			snprintf(chk, sizeof chk, "PASS");
		bad += wrong != 0;
		printf("%-22s %10.4f %10.4f %11.3fx  %s\n", s.name, mn, mv, ratio, chk);
		fflush(stdout);
		for (auto p : nvb) CK(cudaFree(p));
		for (auto p : vyb) CK(cudaFree(p));
		CU(cuModuleUnload(mod));
		CK(cudaEventDestroy(e0));
		CK(cudaEventDestroy(e1));
	}
	printf("%-22s %10s %10s %11.3fx  %s\n", "geomean", "", "", exp(logsum / n), bad ? "FAIL" : "PASS");
	return bad ? 1 : 0;
}
