/*
 * drv_ptx.c: runs the PTX kernel through the CUDA driver API.
 * libcuda.so.1 (installed with the NVIDIA driver) is opened with dlopen at
 * run time, so building needs no CUDA toolkit: the few types, constants
 * and entry points used are declared below (values from cuda.h).  The PTX
 * text is JIT-compiled with cuModuleLoadDataEx (its error log goes into the
 * message) and launched with vyrec's parameter order: one device pointer
 * per buffer in binding order, the params in declaration order, then one
 * u32 element count per buffer.  Device memory is kept between uploads of
 * the same sizes; --bench times each launch with CUDA events.  Buffers of
 * at most PIN_MAX bytes move through a pinned host twin with
 * asynchronous copies on the default stream, so that a run (copies in,
 * launch, copies out) waits once; larger ones are copied synchronously.
 */
#define _POSIX_C_SOURCE 200809L
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "launcher.h"

/* ---- CUDA declarations (cuda.h) ---- */

typedef int CUresult;
typedef int CUdevice;
typedef int CUjit_option;
typedef unsigned long long CUdeviceptr;
typedef struct CUctx_st *CUcontext;
typedef struct CUmod_st *CUmodule;
typedef struct CUfunc_st *CUfunction;
typedef struct CUstream_st *CUstream;
typedef struct CUevent_st *CUevent;
typedef struct CUgraph_st *CUgraph;
typedef struct CUgraphExec_st *CUgraphExec;

enum {
	CUDA_SUCCESS = 0,
	CU_JIT_ERROR_LOG_BUFFER = 5,
	CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES = 6,
	CU_STREAM_CAPTURE_MODE_THREAD_LOCAL = 1,
};

/* Entry points: name, parameters (the _v2 ABI where one exists). */
#define CU_FNS(X) \
	X(cuInit, (unsigned)) \
	X(cuDeviceGetCount, (int *)) \
	X(cuDeviceGet, (CUdevice *, int)) \
	X(cuDeviceGetName, (char *, int, CUdevice)) \
	X(cuCtxCreate_v2, (CUcontext *, unsigned, CUdevice)) \
	X(cuCtxDestroy_v2, (CUcontext)) \
	X(cuCtxSynchronize, (void)) \
	X(cuCtxSetCurrent, (CUcontext)) \
	X(cuMemAlloc_v2, (CUdeviceptr *, size_t)) \
	X(cuMemFree_v2, (CUdeviceptr)) \
	X(cuMemcpyHtoD_v2, (CUdeviceptr, const void *, size_t)) \
	X(cuMemcpyDtoH_v2, (void *, CUdeviceptr, size_t)) \
	X(cuMemsetD8_v2, (CUdeviceptr, unsigned char, size_t)) \
	X(cuMemsetD8Async, (CUdeviceptr, unsigned char, size_t, CUstream)) \
	X(cuMemcpyHtoDAsync_v2, (CUdeviceptr, const void *, size_t, CUstream)) \
	X(cuMemcpyDtoHAsync_v2, (void *, CUdeviceptr, size_t, CUstream)) \
	X(cuMemAllocHost_v2, (void **, size_t)) \
	X(cuMemFreeHost, (void *)) \
	X(cuModuleLoadDataEx, (CUmodule *, const void *, unsigned, CUjit_option *, void **)) \
	X(cuModuleUnload, (CUmodule)) \
	X(cuModuleGetFunction, (CUfunction *, CUmodule, const char *)) \
	X(cuLaunchKernel, (CUfunction, unsigned, unsigned, unsigned, unsigned, unsigned, \
			   unsigned, unsigned, CUstream, void **, void **)) \
	X(cuEventCreate, (CUevent *, unsigned)) \
	X(cuEventRecord, (CUevent, CUstream)) \
	X(cuEventSynchronize, (CUevent)) \
	X(cuEventElapsedTime, (float *, CUevent, CUevent)) \
	X(cuEventDestroy_v2, (CUevent)) \
	X(cuGetErrorName, (CUresult, const char **)) \
	X(cuGetErrorString, (CUresult, const char **))

/* Optional (a repeating pipeline as a CUDA graph, SPEC §10.5): without
 * one of them, pipelines run as plain launches on one stream.
 * cuGraphInstantiateWithFlags is cuda.h's cuGraphInstantiate (11.4+). */
#define CU_GRAPH_FNS(X) \
	X(cuStreamCreate, (CUstream *, unsigned)) \
	X(cuStreamDestroy_v2, (CUstream)) \
	X(cuStreamSynchronize, (CUstream)) \
	X(cuStreamBeginCapture_v2, (CUstream, int)) \
	X(cuStreamEndCapture, (CUstream, CUgraph *)) \
	X(cuGraphInstantiateWithFlags, (CUgraphExec *, CUgraph, unsigned long long)) \
	X(cuGraphLaunch, (CUgraphExec, CUstream)) \
	X(cuGraphExecDestroy, (CUgraphExec)) \
	X(cuGraphDestroy, (CUgraph))

/* A pipeline of at least this many dispatches runs as a CUDA graph. */
#define GRAPH_MIN 8

/* One open device; the library keeps one per NAME_open and makes it
 * current (drv_state_set, which also makes its CUDA context current on
 * the calling thread) before each call. */
struct cu_state {
	void *lib;
#define X(name, args) CUresult (*name) args;
	CU_FNS(X)
#undef X
	CUcontext ctx;
	CUmodule mod;
	CUfunction fn;
	CUdeviceptr ptr[64];
	size_t size[64];
	void *pin[64];             /* the pinned host twin, or NULL */
	int busy;                  /* queued work not waited for yet */
	uint64_t pinq;             /* twins that queued copies use */
	CUevent ev[2];
	/* pipelines: each part's function, the stream, the graph of the last
	 * pipeline and the launches it was captured from */
#define X(name, args) CUresult (*name) args;
	CU_GRAPH_FNS(X)
#undef X
	int graphs;
	CUfunction *parts;
	CUstream stream, cur;      /* cur: the stream launch() queues on */
	CUgraph graph;
	CUgraphExec gexec;
	struct drv_step *gkey;
	uint32_t *gparams;
	size_t gn;
	CUdeviceptr gptr[64];
	uint32_t gcounts[64];
};

enum { PIN_MAX = 1 << 20 };
static struct cu_state *cup;
#define cu (*cup)

void *drv_state(void)
{
	return cup;
}

void drv_state_set(void *state)
{
	cup = state;
	if (cup && cup->ctx)
		cu.cuCtxSetCurrent(cu.ctx);
}

/* The Fix for an error, by its name. */
static const char *cu_fix(const char *name)
{
	static const char *const fixes[][2] = {
		{ "CUDA_ERROR_NO_DEVICE", "check that the GPU is visible (nvidia-smi, CUDA_VISIBLE_DEVICES)" },
		{ "CUDA_ERROR_INVALID_DEVICE", "pick a device that exists (--device N, see nvidia-smi)" },
		{ "CUDA_ERROR_STUB_LIBRARY", "libcuda.so.1 is the toolkit's stub: install the NVIDIA driver" },
		{ "CUDA_ERROR_UNSUPPORTED_PTX_VERSION", "update the NVIDIA driver: it is older than the PTX this launcher embeds" },
		{ "CUDA_ERROR_INVALID_PTX", "regenerate the launcher; if it persists, report the program to vyrec" },
		{ "CUDA_ERROR_NO_BINARY_FOR_GPU", "this GPU is older than sm_70, which the kernel needs" },
		{ "CUDA_ERROR_OUT_OF_MEMORY", "use smaller params so the buffers fit in GPU memory" },
		{ "CUDA_ERROR_ILLEGAL_ADDRESS", "the kernel accessed memory out of bounds; check the params and inputs" },
		{ "CUDA_ERROR_LAUNCH_FAILED", "the kernel faulted; check the params and inputs" },
	};
	for (size_t i = 0; i < sizeof fixes / sizeof fixes[0]; i++)
		if (!strcmp(name, fixes[i][0]))
			return fixes[i][1];
	return "check the NVIDIA driver (nvidia-smi)";
}

static int cu_check(CUresult r, const char *call)
{
	const char *name = NULL, *text = NULL;
	char num[32];
	if (r == CUDA_SUCCESS)
		return 0;
	if (cu.cuGetErrorName)
		cu.cuGetErrorName(r, &name);
	if (cu.cuGetErrorString)
		cu.cuGetErrorString(r, &text);
	if (!name) {
		snprintf(num, sizeof num, "CUDA error %d", r);
		name = num;
	}
	return drv_fail(cu_fix(name), "cuda: %s failed: %s (%s)", call, name, text ? text : "no description");
}

static int load_library(void)
{
	cu.lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
	if (!cu.lib)
		return drv_fail("install the NVIDIA driver, which provides libcuda.so.1 (the CUDA toolkit is not needed)",
				"cannot load libcuda.so.1: %s", dlerror());
#define X(name, args) { \
		void *sym = dlsym(cu.lib, #name); \
		if (!sym) \
			return drv_fail("update the NVIDIA driver", "libcuda.so.1 has no %s", #name); \
		memcpy(&cu.name, &sym, sizeof sym); \
	}
	CU_FNS(X)
#undef X
	cu.graphs = 1;
#define X(name, args) { \
		void *sym = dlsym(cu.lib, #name); \
		cu.graphs = cu.graphs && sym; \
		memcpy(&cu.name, &sym, sizeof sym); \
	}
	CU_GRAPH_FNS(X)
#undef X
	return 0;
}

static int load_module(void)
{
	static char log[8192];
	CUjit_option opt[2] = { CU_JIT_ERROR_LOG_BUFFER, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES };
	void *val[2] = { log, (void *)(size_t)sizeof log };
	CUresult r = cu.cuModuleLoadDataEx(&cu.mod, prog_kernel, 2, opt, val);
	if (r != CUDA_SUCCESS) {
		cu_check(r, "cuModuleLoadDataEx");
		size_t n = strlen(drv_error);
		snprintf(drv_error + n, sizeof drv_error - n, "\nJIT log: %.1500s", log);
		return -1;
	}
	if (prog_pipelined) {
		if (!(cu.parts = calloc((size_t)prog_nparts, sizeof *cu.parts)))
			return drv_fail("free memory", "out of memory for the pipeline's parts");
		for (int i = 0; i < prog_nparts; i++)
			if (cu_check(cu.cuModuleGetFunction(&cu.parts[i], cu.mod, prog_parts[i].entry),
				     "cuModuleGetFunction (kernel part)"))
				return -1;
		cu.fn = cu.parts[0];
		return 0;
	}
	return cu_check(cu.cuModuleGetFunction(&cu.fn, cu.mod, prog_entry), "cuModuleGetFunction");
}

int drv_open(int device)
{
	CUdevice dev;
	int n = 0;
	if (!(cup = calloc(1, sizeof *cup)))
		return drv_fail("free memory", "out of memory for the cuda driver's state");
	if (load_library() || cu_check(cu.cuInit(0), "cuInit") ||
	    cu_check(cu.cuDeviceGetCount(&n), "cuDeviceGetCount"))
		return -1;
	if (device >= n)
		return drv_fail("pick a device that exists (--device N, see nvidia-smi)",
				"cuda: device %d does not exist (%d devices)", device, n);
	if (cu_check(cu.cuDeviceGet(&dev, device < 0 ? 0 : device), "cuDeviceGet") ||
	    cu_check(cu.cuDeviceGetName(drv_device_name, sizeof drv_device_name, dev), "cuDeviceGetName") ||
	    cu_check(cu.cuCtxCreate_v2(&cu.ctx, 0, dev), "cuCtxCreate"))
		return -1;
	return load_module();
}

/* Wait for the queued work (its errors, a kernel's fault among them,
 * surface here). */
static int wait_all(void)
{
	cu.busy = 0;
	cu.pinq = 0;
	return cu_check(cu.cuCtxSynchronize(), "cuCtxSynchronize (the kernel)");
}

/* A synchronous copy of buffer i's count elements between host layout
 * and the device's through a temporary (an x3 vector buffer without a
 * pinned twin: 12 host bytes an element, 16 on the device). */
static int copy_repacked(int i, void *host, uint32_t count, int to_dev)
{
	size_t n = prog_buffers[i].stride * (size_t)count;
	void *t = malloc(n ? n : 1);
	int rc;
	if (!t)
		return drv_fail("free memory or use smaller params",
				"out of memory: cannot allocate %zu bytes for buffer '%s'",
				n, prog_buffers[i].name);
	if (to_dev) {
		drv_to_dev(i, t, host, count);
		rc = cu_check(cu.cuMemcpyHtoD_v2(cu.ptr[i], t, n), "cuMemcpyHtoD");
	} else {
		rc = cu_check(cu.cuMemcpyDtoH_v2(t, cu.ptr[i], n), "cuMemcpyDtoH");
		if (!rc)
			drv_from_dev(i, host, t, count);
	}
	free(t);
	return rc;
}

/* Buffer i of count elements (kept while big enough), filled from host, or
 * with zeros where host is NULL.  Through the pinned twin: queued, not
 * waited for (host is copied into the twin first, repacked to the
 * device's element stride). */
int drv_put(int i, const void *host, uint32_t count)
{
	size_t n = prog_buffers[i].stride * (size_t)count;
	if ((cu.pinq >> i & 1) && host && wait_all())   /* the twin is in use */
		return -1;
	if (cu.size[i] < n) {
		if (cu.busy && wait_all())
			return -1;
		if (cu.ptr[i] && cu_check(cu.cuMemFree_v2(cu.ptr[i]), "cuMemFree"))
			return -1;
		if (cu.pin[i])
			cu.cuMemFreeHost(cu.pin[i]);
		cu.ptr[i] = 0;
		cu.pin[i] = NULL;
		cu.size[i] = 0;
		if (cu_check(cu.cuMemAlloc_v2(&cu.ptr[i], n), "cuMemAlloc"))
			return -1;
		if (n <= PIN_MAX && cu_check(cu.cuMemAllocHost_v2(&cu.pin[i], n), "cuMemAllocHost"))
			return -1;
		cu.size[i] = n;
	}
	if (!host) {
		cu.busy = 1;
		return cu_check(cu.cuMemsetD8Async(cu.ptr[i], 0, n, NULL), "cuMemsetD8Async");
	}
	if (cu.pin[i]) {
		drv_to_dev(i, cu.pin[i], host, count);
		cu.busy = 1;
		cu.pinq |= 1ull << i;
		return cu_check(cu.cuMemcpyHtoDAsync_v2(cu.ptr[i], cu.pin[i], n, NULL), "cuMemcpyHtoDAsync");
	}
	if (prog_buffers[i].size != prog_buffers[i].stride)
		return copy_repacked(i, (void *)host, count, 1);
	return cu_check(cu.cuMemcpyHtoD_v2(cu.ptr[i], host, n), "cuMemcpyHtoD");
}

int drv_upload(void **bufs, const uint32_t *counts)
{
	for (int i = 0; i < prog_nbuffers; i++)
		if (drv_put(i, bufs[i], counts[i]))
			return -1;
	return 0;
}

/* Queue one launch of fn over blocks of wg on cu.cur (the default stream
 * unless a pipeline is being captured). */
static int launch_fn(CUfunction fn, const uint32_t wg[3], const uint32_t *params,
		     const uint32_t *counts, const uint32_t grid[3])
{
	void *args[192];
	uint64_t p[64];   /* a 64-bit param (f64 u64 i64) whole: .param .u64 */
	uint32_t c[64];
	int n = 0;
	for (int i = 0; i < prog_nbuffers; i++)
		args[n++] = &cu.ptr[i];
	for (int i = 0; i < prog_nparams; i++) {
		p[i] = params[i];
		if (prog_params[i].size == 8)
			p[i] |= (uint64_t)params[PARAM_HI + i] << 32;
		args[n++] = &p[i];
	}
	for (int i = 0; i < prog_nbuffers; i++) {
		c[i] = counts[i];
		args[n++] = &c[i];
	}
	if (cu_check(cu.cuLaunchKernel(fn, grid[0], grid[1], grid[2], wg[0], wg[1], wg[2], 0,
				       cu.cur, args, NULL),
		     "cuLaunchKernel"))
		return -1;
	return 0;
}

/* Queue one launch of the kernel on the default stream. */
static int launch(const uint32_t *params, const uint32_t *counts, const uint32_t grid[3])
{
	return launch_fn(cu.fn, prog_wgsize, params, counts, grid);
}

static void graph_drop(void)
{
	if (cu.gexec)
		cu.cuGraphExecDestroy(cu.gexec);
	if (cu.graph)
		cu.cuGraphDestroy(cu.graph);
	free(cu.gkey);
	free(cu.gparams);
	cu.gexec = NULL;
	cu.graph = NULL;
	cu.gkey = NULL;
	cu.gparams = NULL;
	cu.gn = 0;
}

/* Whether the graph was captured from these launches over these buffers. */
static int graph_same(const struct drv_step *v, size_t n, const uint32_t *counts)
{
	size_t np = prog_nparams ? (size_t)prog_nparams : 1;
	if (!cu.gexec || cu.gn != n || memcmp(cu.gptr, cu.ptr, sizeof cu.ptr) ||
	    memcmp(cu.gcounts, counts, sizeof *counts * (size_t)prog_nbuffers))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (v[i].part != cu.gkey[i].part || memcmp(v[i].grid, cu.gkey[i].grid, sizeof v[i].grid) ||
		    memcmp(v[i].params, cu.gparams + i * np, np * sizeof *v[i].params))
			return 0;
	return 1;
}

/* Capture the launches on cu.stream into a graph (or reuse the last one
 * if it was captured from the same), launch it and wait.  1: ran; 0: the
 * driver refused to capture (nothing ran); -1: a launch failed. */
static int graph_run(const struct drv_step *v, size_t n, const uint32_t *counts)
{
	size_t np = prog_nparams ? (size_t)prog_nparams : 1;
	if (!graph_same(v, n, counts)) {
		graph_drop();
		if (!cu.stream && cu.cuStreamCreate(&cu.stream, 0) != CUDA_SUCCESS) {
			cu.stream = NULL;
			return 0;
		}
		if (cu.cuStreamBeginCapture_v2(cu.stream, CU_STREAM_CAPTURE_MODE_THREAD_LOCAL) != CUDA_SUCCESS)
			return 0;
		cu.cur = cu.stream;
		int bad = 0;
		for (size_t i = 0; i < n && !bad; i++)
			bad = launch_fn(cu.parts[v[i].part], prog_parts[v[i].part].wgsize, v[i].params,
					counts, v[i].grid);
		cu.cur = NULL;
		CUgraph g = NULL;
		CUresult r = cu.cuStreamEndCapture(cu.stream, &g);
		if (bad || r != CUDA_SUCCESS || !g ||
		    cu.cuGraphInstantiateWithFlags(&cu.gexec, g, 0) != CUDA_SUCCESS) {
			if (g)
				cu.cuGraphDestroy(g);
			cu.gexec = NULL;
			drv_error[0] = 0;
			return 0;
		}
		cu.graph = g;
		cu.gkey = malloc(n * sizeof *v);
		cu.gparams = malloc(n * np * sizeof *cu.gparams);
		if (cu.gkey && cu.gparams) {
			memcpy(cu.gkey, v, n * sizeof *v);
			for (size_t i = 0; i < n; i++)
				memcpy(cu.gparams + i * np, v[i].params, np * sizeof *v[i].params);
			memcpy(cu.gptr, cu.ptr, sizeof cu.ptr);
			memcpy(cu.gcounts, counts, sizeof *counts * (size_t)prog_nbuffers);
			cu.gn = n;
		}
	}
	if (cu_check(cu.cuGraphLaunch(cu.gexec, cu.stream), "cuGraphLaunch") ||
	    cu_check(cu.cuStreamSynchronize(cu.stream), "cuStreamSynchronize (the pipeline)"))
		return -1;
	if (!cu.gn)
		graph_drop();   /* no memory for its key: not reused */
	return 1;
}

/* The pipeline's launches in order on one stream, one synchronisation;
 * a CUDA graph where it repeats (GRAPH_MIN dispatches or more). */
int drv_pipeline(const struct drv_step *v, size_t n, const uint32_t *counts, int copy)
{
	(void)copy;
	if (n >= GRAPH_MIN && cu.graphs) {
		int g = graph_run(v, n, counts);
		if (g < 0)
			return -1;
		if (g > 0) {
			snprintf(drv_pipe_note, sizeof drv_pipe_note, "cuda graph (captured once, then launched)");
			return 0;
		}
	}
	snprintf(drv_pipe_note, sizeof drv_pipe_note, "%s", n >= GRAPH_MIN ?
		 "one cuda stream, plain launches (the driver cannot capture a cuda graph)" :
		 "one cuda stream");
	for (size_t i = 0; i < n; i++)
		if (launch_fn(cu.parts[v[i].part], prog_parts[v[i].part].wgsize, v[i].params, counts,
			      v[i].grid))
			return -1;
	return cu_check(cu.cuCtxSynchronize(), "cuCtxSynchronize (the pipeline)");
}

int drv_dispatch(const uint32_t *params, const uint32_t *counts, const uint32_t grid[3])
{
	if (launch(params, counts, grid))
		return -1;
	return wait_all();
}

/* Queue the copy of buffer i's first count elements out: into its twin
 * (device layout), or (no twin) into host, waiting. */
static int queue_get(int i, void *host, uint32_t count)
{
	size_t n = prog_buffers[i].stride * (size_t)count;
	if (cu.pin[i]) {
		cu.busy = 1;
		cu.pinq |= 1ull << i;
		return cu_check(cu.cuMemcpyDtoHAsync_v2(cu.pin[i], cu.ptr[i], n, NULL), "cuMemcpyDtoHAsync");
	}
	cu.busy = 0;   /* a synchronous copy waits for all before it */
	if (prog_buffers[i].size != prog_buffers[i].stride)
		return copy_repacked(i, host, count, 0);
	return cu_check(cu.cuMemcpyDtoH_v2(host, cu.ptr[i], n), "cuMemcpyDtoH");
}

int drv_get(int i, void *host, uint32_t count)
{
	if (queue_get(i, host, count) || (cu.busy && wait_all()))
		return -1;
	if (cu.pin[i])
		drv_from_dev(i, host, cu.pin[i], count);
	return 0;
}

/* The launch and the copies out queued together, one wait. */
int drv_run(const uint32_t *params, const uint32_t *counts, const uint32_t grid[3], void **out)
{
	if (launch(params, counts, grid))
		return -1;
	cu.busy = 1;
	for (int i = 0; i < prog_nbuffers; i++)
		if (prog_buffers[i].access != READ_ONLY && queue_get(i, out[i], counts[i]))
			return -1;
	if (cu.busy && wait_all())
		return -1;
	for (int i = 0; i < prog_nbuffers; i++)
		if (prog_buffers[i].access != READ_ONLY && cu.pin[i])
			drv_from_dev(i, out[i], cu.pin[i], counts[i]);
	return 0;
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int drv_bench(const uint32_t *params, const uint32_t *counts, const uint32_t grid[3],
	      int n, double *gpu_ms, double *wall_ms, double *loop_us)
{
	snprintf(drv_timer, sizeof drv_timer, "cuda events");
	if ((!cu.ev[0] && cu_check(cu.cuEventCreate(&cu.ev[0], 0), "cuEventCreate")) ||
	    (!cu.ev[1] && cu_check(cu.cuEventCreate(&cu.ev[1], 0), "cuEventCreate")) ||
	    drv_dispatch(params, counts, grid))
		return -1;
	for (int i = 0; i < n; i++) {
		float ms = 0;
		double t0 = now_ms();
		if (cu_check(cu.cuEventRecord(cu.ev[0], NULL), "cuEventRecord") ||
		    launch(params, counts, grid) ||
		    cu_check(cu.cuEventRecord(cu.ev[1], NULL), "cuEventRecord") ||
		    cu_check(cu.cuEventSynchronize(cu.ev[1]), "cuEventSynchronize (the kernel)"))
			return -1;
		wall_ms[i] = now_ms() - t0;
		if (cu_check(cu.cuEventElapsedTime(&ms, cu.ev[0], cu.ev[1]), "cuEventElapsedTime"))
			return -1;
		gpu_ms[i] = ms;
	}
	double t0 = now_ms();
	for (int i = 0; i < n; i++)
		if (launch(params, counts, grid))
			return -1;
	if (wait_all())
		return -1;
	*loop_us = (now_ms() - t0) * 1e3 / n;
	return 0;
}

int drv_download(void **bufs, const uint32_t *counts)
{
	for (int i = 0; i < prog_nbuffers; i++)
		if (prog_buffers[i].access != READ_ONLY && drv_get(i, bufs[i], counts[i]))
			return -1;
	return 0;
}

void drv_close(void)
{
	if (!cup)
		return;
	if (cu.ctx) {
		cu.cuCtxSetCurrent(cu.ctx);
		for (int i = 0; i < 2; i++)
			if (cu.ev[i])
				cu.cuEventDestroy_v2(cu.ev[i]);
		graph_drop();
		if (cu.stream)
			cu.cuStreamDestroy_v2(cu.stream);
		for (int i = 0; i < prog_nbuffers; i++)
			if (cu.ptr[i])
				cu.cuMemFree_v2(cu.ptr[i]);
		for (int i = 0; i < prog_nbuffers; i++)
			if (cu.pin[i])
				cu.cuMemFreeHost(cu.pin[i]);
		if (cu.mod)
			cu.cuModuleUnload(cu.mod);
		cu.cuCtxDestroy_v2(cu.ctx);
	}
	if (cu.lib)
		dlclose(cu.lib);
	free(cu.parts);
	free(cup);
	cup = NULL;
}
