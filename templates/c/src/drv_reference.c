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

static struct vyvm_module *mod;
static void **dev_bufs;

int drv_open(int device)
{
	char err[512];
	if (device > 0)
		return drv_fail("the reference VM is device 0; drop --device or use --device 0",
				"device %d does not exist", device);
	if (vyvm_decode(prog_kernel, prog_kernel_len, &mod, err, sizeof err))
		return drv_fail("regenerate the launcher with the same vyrec that runs it",
				"the embedded .vyref module is invalid: %s", err);
	snprintf(drv_device_name, sizeof drv_device_name, "the vyrec reference VM");
	return 0;
}

/* The VM works in place on the host buffers. */
int drv_upload(void **bufs, const uint32_t *counts)
{
	(void)counts;
	dev_bufs = bufs;
	return 0;
}

int drv_dispatch(const uint32_t *params, const uint32_t *counts,
		 const uint32_t grid[3])
{
	char err[1024];
	if (vyvm_run(mod, params, dev_bufs, counts, grid, 0, err, sizeof err))
		return drv_fail("check the params and inputs; the program indexed a buffer out of bounds or ran too long",
				"the reference VM stopped: %s", err);
	return 0;
}

int drv_download(void **bufs, const uint32_t *counts)
{
	(void)bufs;
	(void)counts;
	return 0;
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
	if (mod)
		vyvm_free(mod);
	mod = NULL;
}
