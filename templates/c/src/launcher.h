/*
 * launcher.h: what the parts of this launcher share.  program.c (generated
 * by vyrec) describes the kernel: its params, buffers, launch-time sizes,
 * the artifact and the self-test data.  main.c is the command line and the
 * data I/O.  The driver file (drv_spv.c, drv_ptx.c or drv_reference.c)
 * runs the artifact on a device.
 */
#ifndef LAUNCHER_H
#define LAUNCHER_H

#include <stddef.h>
#include <stdint.h>

/* Element types and buffer access, as in vyrec. */
enum { T_U32 = 2, T_I32 = 3, T_F32 = 4 };
enum { READ_ONLY, WRITE_ONLY, READ_WRITE };

struct param_info {
	const char *name;
	int type;
	uint32_t selftest;         /* the self-test value, as bits */
};

struct buffer_info {
	const char *name;
	uint32_t binding;
	int type, access;
	const char *count;         /* the count expression as written */
	uint32_t selftest_count;
	uint64_t seed;             /* self-test input: random:SEED */
	const uint32_t *expected;  /* self-test output, or NULL */
};

/* ---- program.c ---- */

extern const char prog_name[], prog_entry[], prog_target[];
extern const int prog_nparams, prog_nbuffers;
extern const struct param_info prog_params[];
extern const struct buffer_info prog_buffers[];
extern const uint32_t prog_wgsize[3];
extern const int prog_reads_nwg;     /* the kernel reads nwg: never split its grid */
extern const double prog_tol_ulp, prog_tol_abs;
extern const unsigned char prog_kernel[];
extern const size_t prog_kernel_len;
/* spv: the exact-fma variants (f64, OpFmaKHR); length 0: use prog_kernel */
extern const unsigned char prog_kernel_f64[], prog_kernel_khr[];
extern const size_t prog_kernel_f64_len, prog_kernel_khr_len;

/* Element counts of every buffer for params p (bits, declaration order). */
void prog_counts(const uint32_t *p, uint32_t *c);
/* Invocations per axis for params p and counts c. */
void prog_dispatch(const uint32_t *p, const uint32_t *c, uint32_t *d);

/* ---- the driver ---- */

extern char drv_error[2048];        /* the last error, ending in a Fix line */
extern char drv_device_name[256];

/* Open the driver and device N (-1: the first suitable one). */
int drv_open(int device);
/* Create device buffers of counts[i] elements and copy bufs into them. */
int drv_upload(void **bufs, const uint32_t *counts);
/* One dispatch over grid workgroups, waiting for it to finish. */
int drv_dispatch(const uint32_t *params, const uint32_t *counts,
		 const uint32_t grid[3]);
/* Copy the writable buffers back into bufs. */
int drv_download(void **bufs, const uint32_t *counts);
/* --bench: one warm-up, then n dispatches on the buffers uploaded last:
 * gpu_ms[i] the kernel alone on the device's timer, wall_ms[i] submit to
 * finish; then n dispatches queued back to back, *loop_us their wall time
 * per dispatch.  drv_timer names the timer (and the driver's choices). */
int drv_bench(const uint32_t *params, const uint32_t *counts, const uint32_t grid[3],
	      int n, double *gpu_ms, double *wall_ms, double *loop_us);
extern char drv_timer[160];
void drv_close(void);

/* Record an error (printf-style message, then the Fix text); returns -1. */
int drv_fail(const char *fix, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
