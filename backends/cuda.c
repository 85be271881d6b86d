/*
 * backends/cuda.c: the `cuda` dispatch backend (SPEC §4).
 *
 * The factory opens libcuda.so.1 with dlopen (so vyrec builds and runs
 * without the NVIDIA driver or toolkit), resolves the driver API entry
 * points it needs (cuda_api.h declares them), calls cuInit, takes
 * device N (default 0) and creates a context.  A dispatch compiles the
 * program with the ptx emitter for the device's compute capability clamped
 * to sm_70..sm_90, JIT-loads it with cuModuleLoadDataEx (its error log goes
 * into the message), caches the module per program, copies every buffer to
 * device memory, launches with the SPEC §3.2 parameter order (buffer
 * pointers by binding, params in declaration order, one u32 count per
 * buffer), synchronises and copies the writable buffers back.
 *
 * Every CUresult is checked and reported with cuGetErrorName and
 * cuGetErrorString, plus a Fix chosen by the error's name.
 */
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cuda_api.h"
#include "stream.h"
#include "launch.h"
#include "vyrec.h"

/* One program's module, cached by program pointer. */
struct cumod {
	const struct vy_program *prog;
	vy_CUmodule mod;
	vy_CUfunction fn;
	struct cumod *next;
};

struct cuslot {
	vy_CUdeviceptr p;
	size_t cap;
};

struct cu {
	void *lib;
#define X(f, args) vy_CUresult (*f) args;
	VY_CUDA_FNS(X)
#undef X
	vy_CUdevice dev;
	vy_CUcontext ctx;
	int sm;                /* compute capability, 10 * major + minor */
	int maxgrid[3];
	struct cumod *mods;
	struct cuslot slots[VY_MAX_IO];
	/* a repeating pipeline as a CUDA graph (SPEC §10.5): the optional
	 * entry points (NULL where the driver lacks one), the stream it is
	 * captured on and launched into, the graph of the last pipeline and
	 * what it was captured from (reused while that is the same) */
#define X(f, args) vy_CUresult (*f) args;
	VY_CUDA_GRAPH_FNS(X)
#undef X
	bool graphs;           /* every graph entry point is there */
	vy_CUstream stream, cur;   /* cur: the stream launch() queues on */
	vy_CUgraph graph;
	vy_CUgraphExec gexec;
	const struct vy_program *gprog;
	struct vy_pipe_dispatch *gkey;
	size_t gn;
	vy_CUdeviceptr gptr[VY_MAX_IO];
};

static const char *fix_for(const char *name)
{
	static const struct { const char *name, *fix; } fixes[] = {
		{ "CUDA_ERROR_NO_DEVICE", "check that the GPU is visible (nvidia-smi, "
		  "CUDA_VISIBLE_DEVICES) or use --backend vulkan/reference" },
		{ "CUDA_ERROR_CALL_REQUIRES_NEWER_DRIVER", "update the NVIDIA driver or use "
		  "--backend vulkan/reference" },
		{ "CUDA_ERROR_STUB_LIBRARY", "libcuda.so.1 is the toolkit's stub: install "
		  "the NVIDIA driver or put its libcuda.so.1 first on the library path" },
		{ "CUDA_ERROR_UNSUPPORTED_PTX_VERSION", "update the NVIDIA driver: it is "
		  "older than the PTX ISA vyrec emits" },
		{ "CUDA_ERROR_INVALID_PTX", "this is a vyrec bug; report it with the program "
		  "and the output of `vyrec build -t ptx`" },
		{ "CUDA_ERROR_NO_BINARY_FOR_GPU", "this GPU is older than sm_70, which vyrec "
		  "needs; use --backend vulkan/reference" },
		{ "CUDA_ERROR_OUT_OF_MEMORY", "use smaller buffers (smaller --param values) "
		  "or free memory on the GPU" },
		{ "CUDA_ERROR_ILLEGAL_ADDRESS", "the kernel accessed memory out of bounds; "
		  "find where with --backend reference --strict" },
		{ "CUDA_ERROR_LAUNCH_FAILED", "the kernel faulted; check it with --backend "
		  "reference --strict" },
		{ "CUDA_ERROR_LAUNCH_TIMEOUT", "the kernel ran too long for the display "
		  "watchdog; use smaller --param values" },
		{ "CUDA_ERROR_INVALID_DEVICE", "pick a device that exists (--device N, "
		  "see nvidia-smi)" },
	};

	for (size_t i = 0; i < sizeof fixes / sizeof fixes[0]; i++)
		if (!strcmp(name, fixes[i].name))
			return fixes[i].fix;
	return "check the NVIDIA driver (nvidia-smi) or use --backend vulkan/reference";
}

/* cuGetErrorName fails on the toolkit's stub library and old drivers:
 * name and describe the errors such a machine gives. */
static const char *fallback(vy_CUresult r, bool text, char *buf, size_t n)
{
	switch (r) {
	case VY_CUDA_ERROR_NOT_INITIALIZED:
		return text ? "initialization error" : "CUDA_ERROR_NOT_INITIALIZED";
	case VY_CUDA_ERROR_STUB_LIBRARY:
		return text ? "CUDA driver is a stub library" : "CUDA_ERROR_STUB_LIBRARY";
	case VY_CUDA_ERROR_DEVICE_UNAVAILABLE:
		return text ? "CUDA-capable device(s) is/are busy or unavailable" :
			"CUDA_ERROR_DEVICE_UNAVAILABLE";
	case VY_CUDA_ERROR_NO_DEVICE:
		return text ? "no CUDA-capable device is detected" : "CUDA_ERROR_NO_DEVICE";
	default:
		if (text)
			return "no description";
		snprintf(buf, n, "CUDA error %d", r);
		return buf;
	}
}

static char *cufail(struct cu *c, const char *call, vy_CUresult r)
{
	const char *name = NULL, *text = NULL;
	char num[48];

	if (c->cuGetErrorName)
		c->cuGetErrorName(r, &name);
	if (c->cuGetErrorString)
		c->cuGetErrorString(r, &text);
	if (!name)
		name = fallback(r, false, num, sizeof num);
	if (!text)
		text = fallback(r, true, num, sizeof num);
	return vy_strf("cuda: %s failed: %s (%s). Fix: %s", call, name, text,
		       fix_for(name));
}

#define CU(call, args) do { vy_CUresult r_ = c->call args; \
	if (r_ != VY_CUDA_SUCCESS) { *err = cufail(c, #call, r_); return -1; } } while (0)

static int open_driver(struct cu *c, char **err)
{
	c->lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
	if (!c->lib) {
		*err = vy_strf("cuda: libcuda.so.1 not found (dlopen: %s). Fix: install the "
			       "NVIDIA driver (it provides libcuda.so.1; the CUDA toolkit is "
			       "not needed) or use --backend vulkan/reference", dlerror());
		return -1;
	}
#define X(f, args) c->f = (vy_CUresult (*) args)dlsym(c->lib, #f); \
	if (!c->f) { *err = vy_strf("cuda: libcuda.so.1 lacks %s. Fix: update the " \
				    "NVIDIA driver or use --backend vulkan/reference", #f); \
		     return -1; }
	VY_CUDA_FNS(X)
#undef X
	c->graphs = true;
#define X(f, args) c->f = (vy_CUresult (*) args)dlsym(c->lib, #f); \
	c->graphs = c->graphs && c->f;
	VY_CUDA_GRAPH_FNS(X)
#undef X
	return 0;
}

static int open_device(struct cu *c, int device, struct vy_backend *b, char **err)
{
	int n = 0, major = 0, minor = 0;
	char name[200] = "";

	CU(cuInit, (0));
	CU(cuDeviceGetCount, (&n));
	if (device < 0)
		device = 0;
	if (device >= n) {
		*err = vy_strf("cuda: device %d does not exist (%d CUDA device%s). Fix: pick "
			       "--device 0..%d (see nvidia-smi) or use --backend "
			       "vulkan/reference", device, n, n == 1 ? "" : "s", n - 1);
		return -1;
	}
	CU(cuDeviceGet, (&c->dev, device));
	CU(cuDeviceGetName, (name, (int)sizeof name, c->dev));
	CU(cuDeviceGetAttribute, (&major, VY_CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, c->dev));
	CU(cuDeviceGetAttribute, (&minor, VY_CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, c->dev));
	CU(cuDeviceGetAttribute, (&c->maxgrid[0], VY_CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_X, c->dev));
	CU(cuDeviceGetAttribute, (&c->maxgrid[1], VY_CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Y, c->dev));
	CU(cuDeviceGetAttribute, (&c->maxgrid[2], VY_CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Z, c->dev));
	c->sm = major * 10 + minor;
	CU(cuCtxCreate_v2, (&c->ctx, 0, c->dev));
	snprintf(b->device_name, sizeof b->device_name, "%s (sm_%d)", name, c->sm);
	b->subgroup_size = 32;   /* a warp */
	return 0;
}

/* Forget the cached graph of the last pipeline. */
static void graph_drop(struct cu *c)
{
	if (c->gexec)
		c->cuGraphExecDestroy(c->gexec);
	if (c->graph)
		c->cuGraphDestroy(c->graph);
	c->gexec = NULL;
	c->graph = NULL;
	free(c->gkey);
	c->gkey = NULL;
	c->gn = 0;
	c->gprog = NULL;
}

static void release(struct vy_backend *b)
{
	struct cu *c = b->impl;

	if (c) {
		if (c->ctx) {
			c->cuCtxSetCurrent(c->ctx);
			graph_drop(c);
			if (c->stream)
				c->cuStreamDestroy_v2(c->stream);
			while (c->mods) {
				struct cumod *next = c->mods->next;
				c->cuModuleUnload(c->mods->mod);
				free(c->mods);
				c->mods = next;
			}
			for (int i = 0; i < VY_MAX_IO; i++)
				if (c->slots[i].p)
					c->cuMemFree_v2(c->slots[i].p);
			c->cuCtxDestroy_v2(c->ctx);
		}
		if (c->lib)
			dlclose(c->lib);
		free(c);
	}
	free(b);
}

/* ---- modules ---- */

static int emit_ptx(struct cu *c, const struct vy_program *p, struct vy_buf *out,
		    char **err)
{
	struct vy_emit_config cfg = { .opt_level = 1, .validate = true };
	char *emsg = NULL;

	cfg.sm = c->sm < 70 ? 70 : c->sm > 90 ? 90 : c->sm;
	cfg.fast_math = p->fast_math;
	if (vy_emit(&vy_emitter_ptx, p, &cfg, out, &emsg) != VY_EMIT_OK) {
		*err = vy_strf("kernel compile failed for target `ptx`: %s",
			       emsg ? emsg : "(no message)");
		free(emsg);
		return -1;
	}
	vy_buf_put(out, "", 1);   /* cuModuleLoadDataEx reads a C string */
	return 0;
}

/* JIT the PTX; on failure the JIT's error log is part of the message. */
static int load_module(struct cu *c, struct cumod *m, const struct vy_program *p,
		       char **err)
{
	static char elog[8192], ilog[8192];
	struct vy_buf ptx = {0};
	vy_CUjit_option opts[] = { VY_CU_JIT_ERROR_LOG_BUFFER, VY_CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES,
		       VY_CU_JIT_INFO_LOG_BUFFER, VY_CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES };
	void *vals[] = { elog, (void *)(uintptr_t)sizeof elog,
			 ilog, (void *)(uintptr_t)sizeof ilog };
	vy_CUresult r;

	if (emit_ptx(c, p, &ptx, err))
		return -1;
	elog[0] = ilog[0] = 0;
	r = c->cuModuleLoadDataEx(&m->mod, ptx.data, 4, opts, vals);
	vy_buf_free(&ptx);
	if (r != VY_CUDA_SUCCESS) {
		char *base = cufail(c, "cuModuleLoadDataEx", r);
		*err = vy_strf("%s\nJIT log: %s", base, elog[0] ? elog : "(empty)");
		free(base);
		return -1;
	}
	r = c->cuModuleGetFunction(&m->fn, m->mod, p->name);
	if (r != VY_CUDA_SUCCESS) {
		*err = cufail(c, "cuModuleGetFunction", r);
		return -1;
	}
	return 0;
}

static struct cumod *get_module(struct cu *c, const struct vy_program *p, char **err)
{
	struct cumod *m;

	for (m = c->mods; m; m = m->next)
		if (m->prog == p)
			return m;
	if (!(m = calloc(1, sizeof *m))) {
		*err = vy_strf("cuda: out of host memory. Fix: free memory");
		return NULL;
	}
	m->prog = p;
	if (load_module(c, m, p, err)) {
		if (m->mod)
			c->cuModuleUnload(m->mod);
		free(m);
		return NULL;
	}
	m->next = c->mods;
	c->mods = m;
	return m;
}

/* ---- dispatch ---- */

/* Device memory for every buffer (reused while big enough), inputs copied. */
static int upload(struct cu *c, struct vy_run *run, char **err)
{
	const struct vy_program *p = run->prog;

	for (int i = 0; i < p->nbuffers; i++) {
		size_t size = vy_buffer_dev_bytes(p, i, run->launch.counts[i]);
		struct cuslot *s = &c->slots[i];
		if (s->cap < size || !s->p) {
			if (s->p)
				CU(cuMemFree_v2, (s->p));
			s->p = 0;
			s->cap = 0;
			CU(cuMemAlloc_v2, (&s->p, size ? size : 4));
			s->cap = size ? size : 4;
		}
		if (size && size != (size_t)run->launch.counts[i] * vy_buffer_elem_size(p, i)) {
			/* x3 vectors: 16 bytes an element on the device */
			void *t = malloc(size);
			if (!t)
				vy_oom("an x3 vector buffer", size);
			vy_buffer_to_dev(p, i, t, run->bufs[i], run->launch.counts[i]);
			vy_CUresult r = c->cuMemcpyHtoD_v2(s->p, t, size);
			free(t);
			if (r != VY_CUDA_SUCCESS) {
				*err = cufail(c, "cuMemcpyHtoD_v2", r);
				return -1;
			}
		} else if (size)
			CU(cuMemcpyHtoD_v2, (s->p, run->bufs[i], size));
	}
	return 0;
}

static int check_grid(struct cu *c, const struct vy_run *run, char **err)
{
	if (vy_launch_check_grid(run->prog, &run->launch, err))
		return -1;
	for (int i = 0; i < 3; i++) {
		uint32_t g = run->launch.grid[i];
		if (!g || (c->maxgrid[i] > 0 && g > (uint32_t)c->maxgrid[i])) {
			*err = vy_strf("cuda: grid axis %c needs %u blocks; the device allows "
				       "1..%d. Fix: change workgroup_size or the --param values",
				       "xyz"[i], g, c->maxgrid[i]);
			return -1;
		}
	}
	return 0;
}

static int launch(struct cu *c, struct cumod *m, struct vy_run *run, bool sync,
		  char **err)
{
	const struct vy_program *p = run->prog;
	const uint32_t *g = run->launch.grid;
	void *args[2 * VY_MAX_IO + VY_MAX_PARAMS];
	int k = 0;

	for (int i = 0; i < p->nbuffers; i++)
		args[k++] = &c->slots[i].p;
	uint64_t pv[VY_MAX_PARAMS];   /* each param's bits, 8 bytes for f64 u64 i64 */
	for (int i = 0; i < p->nparams && i < VY_MAX_PARAMS; i++) {
		pv[i] = run->launch.params[i];
		if (vy_type_is64(p->params[i].type))
			pv[i] |= (uint64_t)run->launch.params[VY_MAX_PARAMS + i] << 32;
		args[k++] = &pv[i];
	}
	for (int i = 0; i < p->nbuffers; i++)
		args[k++] = &run->launch.counts[i];
	CU(cuLaunchKernel, (m->fn, g[0], g[1], g[2], p->wgsize[0], p->wgsize[1],
			    p->wgsize[2], 0, c->cur, args, NULL));
	if (sync)
		CU(cuCtxSynchronize, ());
	return 0;
}

static int dispatch(struct vy_backend *b, struct vy_run *run, char **err)
{
	struct cu *c = b->impl;
	const struct vy_program *p = run->prog;
	struct cumod *m;

	*err = NULL;
	if (p->nbuffers > VY_MAX_IO || p->nparams > VY_MAX_PARAMS) {
		*err = vy_strf("cuda: program has too many buffers or params. Fix: "
			       "use at most %d params", VY_MAX_PARAMS);
		return -1;
	}
	CU(cuCtxSetCurrent, (c->ctx));
	if (check_grid(c, run, err) || !(m = get_module(c, p, err)))
		return -1;
	if (upload(c, run, err) || launch(c, m, run, true, err))
		return -1;
	for (int i = 0; i < p->nbuffers; i++) {
		size_t size = vy_buffer_dev_bytes(p, i, run->launch.counts[i]);
		if (p->buffers[i].access == VY_READ_ONLY || !size)
			continue;
		if (size == (size_t)run->launch.counts[i] * vy_buffer_elem_size(p, i)) {
			CU(cuMemcpyDtoH_v2, (run->bufs[i], c->slots[i].p, size));
			continue;
		}
		void *t = malloc(size);   /* x3 vectors: 16 bytes an element */
		if (!t)
			vy_oom("an x3 vector buffer", size);
		vy_CUresult r = c->cuMemcpyDtoH_v2(t, c->slots[i].p, size);
		if (r == VY_CUDA_SUCCESS)
			vy_buffer_from_dev(p, i, run->bufs[i], t, run->launch.counts[i]);
		free(t);
		if (r != VY_CUDA_SUCCESS) {
			*err = cufail(c, "cuMemcpyDtoH_v2", r);
			return -1;
		}
	}
	return 0;
}

/* ---- pipelines (SPEC §10.5): every launch on one stream ---- */

/* A pipeline of at least this many dispatches runs as a CUDA graph. */
#define VY_CUDA_GRAPH_MIN 8

/* Capture the n launches on c->stream into a graph, or find the graph of
 * the same launches over the same buffers from the last call; launch it
 * and wait.  1: ran; 0: the driver refused to capture (nothing ran, the
 * caller launches plainly); -1 with *err: a launch failed. */
static int graph_run(struct cu *c, const struct vy_run *run, struct cumod **mods,
		     const struct vy_pipe_dispatch *d, size_t n, char **err)
{
	const struct vy_program *p = run->prog;
	vy_CUdeviceptr ptr[VY_MAX_IO] = { 0 };
	for (int i = 0; i < p->nbuffers; i++)
		ptr[i] = c->slots[i].p;
	bool same = c->gexec && c->gprog == p && c->gn == n &&
		    !memcmp(c->gptr, ptr, sizeof ptr) && !memcmp(c->gkey, d, n * sizeof *d);
	if (!same) {
		graph_drop(c);
		if (!c->stream && c->cuStreamCreate(&c->stream, 0) != VY_CUDA_SUCCESS) {
			c->stream = NULL;
			return 0;
		}
		if (c->cuStreamBeginCapture_v2(c->stream, VY_CU_STREAM_CAPTURE_MODE_THREAD_LOCAL) !=
		    VY_CUDA_SUCCESS)
			return 0;
		c->cur = c->stream;
		int bad = 0;
		for (size_t i = 0; i < n && !bad; i++) {
			struct vy_run pr = *run;
			char *e = NULL;
			pr.prog = p->parts[d[i].part];
			pr.launch = d[i].launch;
			bad = launch(c, mods[d[i].part], &pr, false, &e);
			free(e);
		}
		c->cur = NULL;
		vy_CUgraph g = NULL;
		vy_CUresult r = c->cuStreamEndCapture(c->stream, &g);
		if (bad || r != VY_CUDA_SUCCESS || !g ||
		    c->cuGraphInstantiateWithFlags(&c->gexec, g, 0) != VY_CUDA_SUCCESS) {
			if (g)
				c->cuGraphDestroy(g);
			c->gexec = NULL;
			return 0;
		}
		c->graph = g;
		c->gkey = malloc(n * sizeof *d);
		if (c->gkey) {
			memcpy(c->gkey, d, n * sizeof *d);
			memcpy(c->gptr, ptr, sizeof ptr);
			c->gn = n;
			c->gprog = p;
		}
	}
	CU(cuGraphLaunch, (c->gexec, c->stream));
	CU(cuStreamSynchronize, (c->stream));
	if (!c->gkey)
		graph_drop(c);   /* no memory for its key: not reused */
	return 1;
}

/* The buffers copied in once, the launches queued in order on the one
 * (default) stream, which orders them, one synchronisation, the writable
 * buffers copied out once. */
static int pipeline(struct vy_backend *b, struct vy_run *run,
		    const struct vy_pipe_dispatch *d, size_t n, char **err)
{
	struct cu *c = b->impl;
	const struct vy_program *p = run->prog;
	struct cumod **mods = calloc((size_t)p->nparts, sizeof *mods);
	int rc = -1;

	*err = NULL;
	if (!mods) {
		*err = vy_strf("cuda: out of host memory. Fix: free memory");
		return -1;
	}
	if (p->nbuffers > VY_MAX_IO || p->nparams > VY_MAX_PARAMS) {
		*err = vy_strf("cuda: program has too many buffers or params. Fix: "
			       "use at most %d params", VY_MAX_PARAMS);
		goto done;
	}
	if (c->cuCtxSetCurrent(c->ctx) != VY_CUDA_SUCCESS) {
		*err = vy_strf("cuda: cuCtxSetCurrent failed. Fix: check the driver");
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		struct vy_run pr = *run;
		pr.prog = p->parts[d[i].part];
		pr.launch = d[i].launch;
		if (check_grid(c, &pr, err) ||
		    (!mods[d[i].part] && !(mods[d[i].part] = get_module(c, pr.prog, err))))
			goto done;
	}
	if (upload(c, run, err))
		goto done;
	if (n >= VY_CUDA_GRAPH_MIN && c->graphs) {
		int g = graph_run(c, run, mods, d, n, err);
		if (g < 0)
			goto done;
		if (g > 0) {
			b->pipe_note = "cuda graph (captured once, then launched)";
			rc = 0;
			goto out;
		}
	}
	b->pipe_note = n >= VY_CUDA_GRAPH_MIN ? "one cuda stream, plain launches "
		       "(the driver cannot capture a cuda graph)" : "one cuda stream";
	for (size_t i = 0; i < n; i++) {
		struct vy_run pr = *run;
		pr.prog = p->parts[d[i].part];
		pr.launch = d[i].launch;
		if (launch(c, mods[d[i].part], &pr, i + 1 == n, err))
			goto done;
	}
	rc = 0;
out:
	for (int i = 0; i < p->nbuffers && !rc; i++)
		if (p->buffers[i].access != VY_READ_ONLY && run->launch.counts[i]) {
			vy_CUresult r = c->cuMemcpyDtoH_v2(run->bufs[i], c->slots[i].p,
				(size_t)run->launch.counts[i] * vy_buffer_elem_size(p, i));
			if (r != VY_CUDA_SUCCESS) {
				*err = cufail(c, "cuMemcpyDtoH_v2", r);
				rc = -1;
			}
		}
done:
	free(mods);
	return rc;
}

/* ---- --bench: CUDA events around the launch alone ---- */

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int bench_events(struct cu *c, struct cumod *m, struct vy_run *run, int n,
			double *gpu_ms, double *wall_ms, vy_CUevent ev[2], char **err)
{
	CU(cuEventCreate, (&ev[0], 0));
	CU(cuEventCreate, (&ev[1], 0));
	for (int i = -1; i < n; i++) {
		float ms = 0;
		double t0 = now_ms();
		CU(cuEventRecord, (ev[0], NULL));
		if (launch(c, m, run, false, err))
			return -1;
		CU(cuEventRecord, (ev[1], NULL));
		CU(cuEventSynchronize, (ev[1]));
		double t1 = now_ms();
		if (i < 0)
			continue;   /* warm-up */
		CU(cuEventElapsedTime, (&ms, ev[0], ev[1]));
		gpu_ms[i] = ms;
		wall_ms[i] = t1 - t0;
	}
	return 0;
}

static int bench(struct vy_backend *b, struct vy_run *run, int n, double *gpu_ms,
		 double *wall_ms, const char **timer, char **err)
{
	struct cu *c = b->impl;
	struct cumod *m;
	vy_CUevent ev[2] = { NULL, NULL };
	int rc;

	*err = NULL;
	*timer = "cuda events";
	CU(cuCtxSetCurrent, (c->ctx));
	if (check_grid(c, run, err) || !(m = get_module(c, run->prog, err)) ||
	    upload(c, run, err))
		return -1;
	rc = bench_events(c, m, run, n, gpu_ms, wall_ms, ev, err);
	for (int i = 0; i < 2; i++)
		if (ev[i])
			c->cuEventDestroy_v2(ev[i]);
	return rc;
}

/* ---- registration ---- */

static struct vy_backend *factory(int device, char **err)
{
	struct vy_backend *b = calloc(1, sizeof *b);
	struct cu *c = calloc(1, sizeof *c);

	*err = NULL;
	if (!b || !c) {
		free(b);
		free(c);
		*err = vy_strf("cuda: out of host memory. Fix: free memory");
		return NULL;
	}
	b->id = "cuda";
	b->impl = c;
	b->dispatch = dispatch;
	b->pipeline = pipeline;
	b->stream = vy_backend_stream;
	b->bench = bench;
	b->release = release;
	if (open_driver(c, err) || open_device(c, device, b, err)) {
		release(b);
		return NULL;
	}
	return b;
}

static bool supports(enum vy_opcode op)
{
	return op < VY_OP_COUNT;
}

const struct vy_backend_reg vy_backend_cuda = {
	.id = "cuda",
	.summary = "NVIDIA GPUs through the CUDA driver API (loads PTX)",
	.version = VY_VERSION,
	.factory = factory,
	.supports = supports,
};
