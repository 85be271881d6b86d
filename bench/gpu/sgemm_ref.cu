/* bench/gpu/sgemm_ref.cu: samples/sgemm.yaml's algorithm in CUDA C, as
 * nvcc users write it (128 x 128 workgroup tile, BK = 8, 256 threads of
 * 8 x 8 outputs in registers split 4 + 4, A's tile stored transposed,
 * float4 loads of B and stores of C, prefetch into registers, double-
 * buffered shared tiles, fmaf), to compare nvcc's SASS and time with
 * vyrec's:
 *
 *   nvcc -O3 -arch=sm_90 -o sgemm_ref bench/gpu/sgemm_ref.cu -lcuda
 *   ./vyrec build samples/sgemm.yaml -t ptx -o sgemm.ptx
 *   ./sgemm_ref 4096 sgemm.ptx      # nvcc's kernel, then vyrec's (driver JIT)
 *
 * Both run on the same buffers and are checked against each other bit for
 * bit (same fma order: k ascending into each acc) and against a binary64
 * product at 64 sampled elements; prints ms and TFLOP/s, median of 20.
 * The SASS of the inner loop: cuobjdump -sass sgemm_ref (kernel sgemm_ref). */
#include <cuda.h>
#include <cuda_runtime.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

__global__ void __launch_bounds__(256) sgemm_ref(const float *__restrict__ A,
	const float4 *__restrict__ B, float4 *__restrict__ C, unsigned M, unsigned N, unsigned K)
{
	__shared__ float4 As[16][32], Bs[16][32];
	unsigned tx = threadIdx.x, ty = threadIdx.y, tid = ty * 16 + tx, n4 = N >> 2;
	unsigned lane = tid & 31, w = tid >> 5;
	unsigned ak = (lane >> 3) + ((w & 1) << 2), ar = ((w >> 1) << 3) + (lane & 7);
	unsigned br = w, bc = lane;
	unsigned abase = (blockIdx.y * 128 + ar * 4) * K + ak;
	unsigned bbase = br * n4 + blockIdx.x * 32 + bc;
	float acc[8][8] = { { 0 } }, ra[8], rb[8];
	float a0 = A[abase], a1 = A[abase + K], a2 = A[abase + 2 * K], a3 = A[abase + 3 * K];
	float4 pb = B[bbase];
	As[ak][ar] = make_float4(a0, a1, a2, a3);
	Bs[br][bc] = pb;
	__syncthreads();
	unsigned steps = K >> 3;
	for (unsigned t = 0; t < steps; t++) {
		unsigned cur = (t & 1) << 3, nxt = 8 - cur;
		if (t + 1 < steps) {
			unsigned an = abase + (t + 1) * 8;
			a0 = A[an], a1 = A[an + K], a2 = A[an + 2 * K], a3 = A[an + 3 * K];
			pb = B[bbase + (t + 1) * 8 * n4];
		}
#pragma unroll
		for (unsigned k = 0; k < 8; k++) {
			float4 va = As[cur + k][ty], vb = As[cur + k][16 + ty];
			float4 wa = Bs[cur + k][tx], wb = Bs[cur + k][16 + tx];
			ra[0] = va.x, ra[1] = va.y, ra[2] = va.z, ra[3] = va.w;
			ra[4] = vb.x, ra[5] = vb.y, ra[6] = vb.z, ra[7] = vb.w;
			rb[0] = wa.x, rb[1] = wa.y, rb[2] = wa.z, rb[3] = wa.w;
			rb[4] = wb.x, rb[5] = wb.y, rb[6] = wb.z, rb[7] = wb.w;
#pragma unroll
			for (int i = 0; i < 8; i++)
#pragma unroll
				for (int j = 0; j < 8; j++)
					acc[i][j] = fmaf(ra[i], rb[j], acc[i][j]);
		}
		if (t + 1 < steps) {
			As[nxt + ak][ar] = make_float4(a0, a1, a2, a3);
			Bs[nxt + br][bc] = pb;
		}
		__syncthreads();
	}
#pragma unroll
	for (int i = 0; i < 8; i++) {
		unsigned row = blockIdx.y * 128 + (i / 4) * 64 + ty * 4 + i % 4;
		C[row * n4 + blockIdx.x * 32 + tx] = make_float4(acc[i][0], acc[i][1], acc[i][2], acc[i][3]);
		C[row * n4 + blockIdx.x * 32 + 16 + tx] = make_float4(acc[i][4], acc[i][5], acc[i][6], acc[i][7]);
	}
}

static int cmp_f(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;
	return x < y ? -1 : x > y;
}

/* median ms of reps launches of launch() */
template <class F> static float time_it(F launch, int reps)
{
	cudaEvent_t e0, e1;
	float ms[64];
	CK(cudaEventCreate(&e0));
	CK(cudaEventCreate(&e1));
	for (int r = 0; r < 3; r++)
		launch();
	for (int r = 0; r < reps; r++) {
		CK(cudaEventRecord(e0));
		launch();
		CK(cudaEventRecord(e1));
		CK(cudaEventSynchronize(e1));
		CK(cudaEventElapsedTime(&ms[r], e0, e1));
	}
	qsort(ms, reps, sizeof *ms, cmp_f);
	return ms[reps / 2];
}

int main(int argc, char **argv)
{
	unsigned n = argc > 1 ? (unsigned)atoi(argv[1]) : 4096, M = n, N = n, K = n;
	if (n % 128) {
		fprintf(stderr, "sgemm_ref: the size must be a multiple of 128\n");
		return 2;
	}
	size_t na = (size_t)M * K, nb = (size_t)K * N, nc = (size_t)M * N;
	float *ha = (float *)malloc(na * 4), *hb = (float *)malloc(nb * 4);
	float *hc = (float *)malloc(nc * 4), *hv = (float *)malloc(nc * 4);
	uint32_t s = 12345;
	for (size_t i = 0; i < na; i++)
		s = s * 1664525u + 1013904223u, ha[i] = (float)(s >> 8) / 8388608.0f - 1.0f;
	for (size_t i = 0; i < nb; i++)
		s = s * 1664525u + 1013904223u, hb[i] = (float)(s >> 8) / 8388608.0f - 1.0f;
	float *A, *B, *C;
	CK(cudaMalloc(&A, na * 4));
	CK(cudaMalloc(&B, nb * 4));
	CK(cudaMalloc(&C, nc * 4));
	CK(cudaMemcpy(A, ha, na * 4, cudaMemcpyHostToDevice));
	CK(cudaMemcpy(B, hb, nb * 4, cudaMemcpyHostToDevice));
	dim3 grid(N / 128, M / 128), block(16, 16);
	double flop = 2.0 * M * N * K;
	float ms = time_it([&] { sgemm_ref<<<grid, block>>>(A, (const float4 *)B, (float4 *)C, M, N, K); }, 20);
	CK(cudaGetLastError());
	CK(cudaMemcpy(hc, C, nc * 4, cudaMemcpyDeviceToHost));
	cudaFuncAttributes fa;
	CK(cudaFuncGetAttributes(&fa, sgemm_ref));
	printf("nvcc  sgemm_ref %u^3: %.3f ms  %.1f TFLOP/s  (%d registers, %zu bytes local)\n",
	       n, ms, flop / ms / 1e9, fa.numRegs, (size_t)fa.localSizeBytes);
	double worst = 0;
	for (int q = 0; q < 64; q++) {
		size_t i = (size_t)(q * 2654435761u) % M, j = (size_t)(q * 40503u + 7) % N;
		double e = 0, mag = 0;
		for (size_t k = 0; k < K; k++)
			e += (double)ha[i * K + k] * hb[k * N + j], mag += fabs((double)ha[i * K + k] * hb[k * N + j]);
		worst = fmax(worst, fabs(hc[i * N + j] - e) / (mag + 1));
	}
	printf("nvcc  max error vs binary64 at 64 elements: %.2e of sum|a*b|%s\n", worst,
	       worst <= 1e-5 ? "" : "  FAIL");
	if (argc < 3)
		return worst <= 1e-5 ? 0 : 1;

	/* vyrec's PTX through the driver: params p_A p_B p_C p_M p_N p_K n_A n_B n_C */
	CUmodule mod;
	CUfunction fn;
	CU(cuModuleLoad(&mod, argv[2]));
	CU(cuModuleGetFunction(&fn, mod, "sgemm"));
	int regs = 0, local = 0;
	CU(cuFuncGetAttribute(&regs, CU_FUNC_ATTRIBUTE_NUM_REGS, fn));
	CU(cuFuncGetAttribute(&local, CU_FUNC_ATTRIBUTE_LOCAL_SIZE_BYTES, fn));
	CK(cudaMemset(C, 0, nc * 4));
	CUdeviceptr pa = (CUdeviceptr)A, pb = (CUdeviceptr)B, pc = (CUdeviceptr)C;
	unsigned cnt_a = (unsigned)na, cnt_b = (unsigned)(nb / 4), cnt_c = (unsigned)(nc / 4);
	void *args[] = { &pa, &pb, &pc, &M, &N, &K, &cnt_a, &cnt_b, &cnt_c };
	float vms = time_it([&] { CU(cuLaunchKernel(fn, N / 128, M / 128, 1, 16, 16, 1, 0, 0, args, 0)); }, 20);
	CK(cudaMemcpy(hv, C, nc * 4, cudaMemcpyDeviceToHost));
	size_t diff = 0;
	for (size_t i = 0; i < nc; i++)
		diff += memcmp(&hv[i], &hc[i], 4) != 0;
	printf("vyrec sgemm     %u^3: %.3f ms  %.1f TFLOP/s  (%d registers, %d bytes local)  %.3fx nvcc\n",
	       n, vms, flop / vms / 1e9, regs, local, ms / vms);
	printf("vyrec vs nvcc: %zu of %zu elements differ in bits\n", diff, nc);
	return worst <= 1e-5 && diff == 0 ? 0 : 1;
}
