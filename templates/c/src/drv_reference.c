/*
 * drv_reference.c: runs the kernel on the CPU with the vyrec reference VM
 * (vm.c and vm.h are vyrec's own sources, copied in verbatim when this
 * project was generated).  The artifact is the .vyref module in
 * program.c; the VM validates it when decoding and stops with an error on
 * an out-of-bounds access instead of corrupting memory.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "launcher.h"
#include "vm.h"

/* One open VM: the decoded module and the "device" buffers, host memory
 * the library keeps between runs (grown, never shrunk). */
struct vm_state {
	struct vyvm_module *mod;
	struct vyvm_module **parts;   /* a pipeline's parts' modules (SPEC §10.5) */
	void *buf[64];
	size_t size[64];
};
static struct vm_state *vmp;
#define mod (vmp->mod)

void *drv_state(void)
{
	return vmp;
}

void drv_state_set(void *state)
{
	vmp = state;
}

int drv_open(int device)
{
	char err[512];
	if (!(vmp = calloc(1, sizeof *vmp)))
		return drv_fail("free memory", "out of memory for the VM's state");
	if (device > 0)
		return drv_fail("the reference VM is device 0; drop --device or use --device 0",
				"device %d does not exist", device);
	if (prog_pipelined) {
		if (!(vmp->parts = calloc((size_t)prog_nparts, sizeof *vmp->parts)))
			return drv_fail("free memory", "out of memory for the VM's state");
		for (int i = 0; i < prog_nparts; i++)
			if (vyvm_decode(prog_kernel + prog_parts[i].koff, prog_parts[i].klen,
					&vmp->parts[i], err, sizeof err))
				return drv_fail("regenerate the launcher with the same vyrec that runs it",
						"the embedded .vyref module of kernel part '%s' is invalid: %s",
						prog_parts[i].entry, err);
		mod = vmp->parts[0];
	} else if (vyvm_decode(prog_kernel, prog_kernel_len, &mod, err, sizeof err))
		return drv_fail("regenerate the launcher with the same vyrec that runs it",
				"the embedded .vyref module is invalid: %s", err);
	snprintf(drv_device_name, sizeof drv_device_name, "the vyrec reference VM");
	return 0;
}

/* Buffer i made (or grown, never shrunk) to count elements and filled
 * from host, or zeros where host is NULL: the VM runs on the state's own
 * copies of the buffers, as a device would. */
int drv_put(int i, const void *host, uint32_t count)
{
	size_t n = prog_buffers[i].size * (size_t)count;   /* host layout, as the VM's */
	if (vmp->size[i] < n) {
		void *p = realloc(vmp->buf[i], n ? n : 1);
		if (!p)
			return drv_fail("free memory or use smaller params",
					"out of memory: cannot allocate %zu bytes for buffer '%s'",
					n, prog_buffers[i].name);
		vmp->buf[i] = p;
		vmp->size[i] = n;
	}
	if (host)
		memcpy(vmp->buf[i], host, n);
	else
		memset(vmp->buf[i], 0, n);
	return 0;
}

/* The first count elements of buffer i into host. */
int drv_get(int i, void *host, uint32_t count)
{
	memcpy(host, vmp->buf[i], prog_buffers[i].size * (size_t)count);
	return 0;
}

int drv_upload(void **bufs, const uint32_t *counts)
{
	for (int i = 0; i < prog_nbuffers; i++)
		if (drv_put(i, bufs[i], counts[i]))
			return -1;
	return 0;
}

int drv_dispatch(const uint32_t *params, const uint32_t *counts,
		 const uint32_t grid[3])
{
	char err[1024];
	if (vyvm_run(mod, params, vmp->buf, counts, grid, 0, err, sizeof err))
		return drv_fail("check the params and inputs; the program indexed a buffer out of bounds or ran too long",
				"the reference VM stopped: %s", err);
	return 0;
}

/* The VM runs the dispatches one after the other. */
int drv_pipeline(const struct drv_step *v, size_t n, const uint32_t *counts, int copy)
{
	char err[1024];
	(void)copy;
	snprintf(drv_pipe_note, sizeof drv_pipe_note, "the reference VM, in order");
	for (size_t i = 0; i < n; i++)
		if (vyvm_run(vmp->parts[v[i].part], v[i].params, vmp->buf, counts, v[i].grid, 0,
			     err, sizeof err))
			return drv_fail("check the params and inputs; the program indexed a buffer out of bounds or ran too long",
					"the reference VM stopped in kernel part '%s' (dispatch %zu of the pipeline): %s",
					prog_parts[v[i].part].entry, i, err);
	return 0;
}

int drv_download(void **bufs, const uint32_t *counts)
{
	for (int i = 0; i < prog_nbuffers; i++)
		if (prog_buffers[i].access != READ_ONLY)
			drv_get(i, bufs[i], counts[i]);
	return 0;
}

int drv_run(const uint32_t *params, const uint32_t *counts, const uint32_t grid[3], void **out)
{
	return drv_dispatch(params, counts, grid) || drv_download(out, counts) ? -1 : 0;
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* The VM has no device timer: the wall clock around each run. */
int drv_bench(const uint32_t *params, const uint32_t *counts, const uint32_t grid[3],
	      int n, double *gpu_ms, double *wall_ms, double *loop_us)
{
	snprintf(drv_timer, sizeof drv_timer, "wall clock");
	if (drv_dispatch(params, counts, grid))
		return -1;
	double t0 = now_ms();
	for (int i = 0; i < n; i++) {
		double t = now_ms();
		if (drv_dispatch(params, counts, grid))
			return -1;
		gpu_ms[i] = wall_ms[i] = now_ms() - t;
	}
	*loop_us = (now_ms() - t0) * 1e3 / n;
	return 0;
}

void drv_close(void)
{
	if (!vmp)
		return;
	if (vmp->parts) {
		for (int i = 0; i < prog_nparts; i++)
			if (vmp->parts[i])
				vyvm_free(vmp->parts[i]);
		free(vmp->parts);
	} else if (mod)
		vyvm_free(mod);
	for (int i = 0; i < 64; i++)
		free(vmp->buf[i]);
	free(vmp);
	vmp = NULL;
}
