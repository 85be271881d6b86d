/* bench/gpu/check.h: the CUDA runtime (CK) and driver (CU) call checks
 * the race harnesses share (harness.cu, polybench/harness.cu): a failed
 * call prints where and why and exits 1. */
#ifndef BENCH_GPU_CHECK_H
#define BENCH_GPU_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#define CK(x) do { cudaError_t e_ = (x); if (e_ != cudaSuccess) { \
	fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #x, \
		cudaGetErrorString(e_)); exit(1); } } while (0)
#define CU(x) do { CUresult r_ = (x); if (r_ != CUDA_SUCCESS) { \
	const char *s_ = "?"; cuGetErrorName(r_, &s_); \
	fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #x, s_); \
	exit(1); } } while (0)

#endif
