/*
 * backends/cuda_api.h: the few CUDA driver API types, constants and entry
 * points backends/cuda.c uses, declared here so that vyrec builds without
 * the CUDA toolkit (libcuda.so.1 is opened with dlopen at run time).  The
 * values are cuda.h's; tests/t_cuda.sh checks them against cuda.h with
 * static assertions wherever the toolkit is installed.
 */
#ifndef VY_BACKEND_CUDA_H
#define VY_BACKEND_CUDA_H

#include <stddef.h>

#ifndef VY_CUDA_TYPES_FROM_CUDA_H   /* tests map these onto cuda.h's */
typedef int vy_CUresult;                 /* CUresult; 0 is CUDA_SUCCESS */
typedef int vy_CUdevice;                 /* CUdevice */
typedef int vy_CUdevice_attribute;       /* CUdevice_attribute */
typedef int vy_CUjit_option;             /* CUjit_option */
typedef unsigned long long vy_CUdeviceptr;  /* CUdeviceptr (64-bit) */
typedef struct vy_CUctx_st *vy_CUcontext;
typedef struct vy_CUmod_st *vy_CUmodule;
typedef struct vy_CUfunc_st *vy_CUfunction;
typedef struct vy_CUstream_st *vy_CUstream;
typedef struct vy_CUevent_st *vy_CUevent;
typedef struct vy_CUgraph_st *vy_CUgraph;
typedef struct vy_CUgraphExec_st *vy_CUgraphExec;
typedef int vy_CUstreamCaptureMode;      /* CUstreamCaptureMode */
#endif

enum {
	VY_CUDA_SUCCESS = 0,
	/* names for the errors a driverless machine gives, where
	 * cuGetErrorName itself fails (the toolkit's stub libcuda) */
	VY_CUDA_ERROR_NOT_INITIALIZED = 3,
	VY_CUDA_ERROR_STUB_LIBRARY = 34,
	VY_CUDA_ERROR_DEVICE_UNAVAILABLE = 46,
	VY_CUDA_ERROR_NO_DEVICE = 100,
	VY_CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75,
	VY_CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76,
	VY_CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_X = 5,
	VY_CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Y = 6,
	VY_CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Z = 7,
	VY_CU_JIT_INFO_LOG_BUFFER = 3,
	VY_CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES = 4,
	VY_CU_JIT_ERROR_LOG_BUFFER = 5,
	VY_CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES = 6,
	VY_CU_STREAM_CAPTURE_MODE_THREAD_LOCAL = 1,
};

/* Entry points: name, return, parameters (the _v2 ABI where one exists). */
#define VY_CUDA_FNS(X) \
	X(cuInit, (unsigned flags)) \
	X(cuDeviceGetCount, (int *n)) \
	X(cuDeviceGet, (vy_CUdevice *d, int ordinal)) \
	X(cuDeviceGetName, (char *name, int len, vy_CUdevice d)) \
	X(cuDeviceGetAttribute, (int *v, vy_CUdevice_attribute attr, vy_CUdevice d)) \
	X(cuCtxCreate_v2, (vy_CUcontext *c, unsigned flags, vy_CUdevice d)) \
	X(cuCtxDestroy_v2, (vy_CUcontext c)) \
	X(cuCtxSetCurrent, (vy_CUcontext c)) \
	X(cuCtxSynchronize, (void)) \
	X(cuMemAlloc_v2, (vy_CUdeviceptr *p, size_t n)) \
	X(cuMemFree_v2, (vy_CUdeviceptr p)) \
	X(cuMemcpyHtoD_v2, (vy_CUdeviceptr dst, const void *src, size_t n)) \
	X(cuMemcpyDtoH_v2, (void *dst, vy_CUdeviceptr src, size_t n)) \
	X(cuModuleLoadDataEx, (vy_CUmodule *m, const void *image, unsigned nopt, \
			       vy_CUjit_option *opts, void **vals)) \
	X(cuModuleUnload, (vy_CUmodule m)) \
	X(cuModuleGetFunction, (vy_CUfunction *f, vy_CUmodule m, const char *name)) \
	X(cuLaunchKernel, (vy_CUfunction f, unsigned gx, unsigned gy, unsigned gz, \
			   unsigned bx, unsigned by, unsigned bz, unsigned shmem, \
			   vy_CUstream s, void **params, void **extra)) \
	X(cuEventCreate, (vy_CUevent *e, unsigned flags)) \
	X(cuEventRecord, (vy_CUevent e, vy_CUstream s)) \
	X(cuEventSynchronize, (vy_CUevent e)) \
	X(cuEventElapsedTime, (float *ms, vy_CUevent start, vy_CUevent end)) \
	X(cuEventDestroy_v2, (vy_CUevent e)) \
	X(cuGetErrorName, (vy_CUresult r, const char **s)) \
	X(cuGetErrorString, (vy_CUresult r, const char **s))

/* Optional entry points (SPEC §10.5: a repeating pipeline as a CUDA
 * graph); a driver without one of them runs pipelines as plain launches.
 * cuGraphInstantiateWithFlags is cuda.h's cuGraphInstantiate (11.4+). */
#define VY_CUDA_GRAPH_FNS(X) \
	X(cuStreamCreate, (vy_CUstream *s, unsigned flags)) \
	X(cuStreamDestroy_v2, (vy_CUstream s)) \
	X(cuStreamSynchronize, (vy_CUstream s)) \
	X(cuStreamBeginCapture_v2, (vy_CUstream s, vy_CUstreamCaptureMode mode)) \
	X(cuStreamEndCapture, (vy_CUstream s, vy_CUgraph *g)) \
	X(cuGraphInstantiateWithFlags, (vy_CUgraphExec *e, vy_CUgraph g, \
					unsigned long long flags)) \
	X(cuGraphLaunch, (vy_CUgraphExec e, vy_CUstream s)) \
	X(cuGraphExecDestroy, (vy_CUgraphExec e)) \
	X(cuGraphDestroy, (vy_CUgraph g))

#endif
