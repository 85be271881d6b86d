/*
 * fuzz_launcher_npy.c: the libFuzzer harness of the C launcher's data
 * reader, templates/c/src/main.c (the code every generated C launcher
 * compiles).  The reader is static, so this file #includes main.c itself
 * (its main renamed) and supplies what program.c and a driver would: a
 * one-buffer program and a driver that never runs.  Each input is written
 * to DIR/x.npy and loaded with load_file, the launcher's --in path, for
 * each element type with the element count the file's bytes imply and
 * with a small fixed one.  Besides crashes and sanitizer reports, an
 * accepted file must hold exactly count elements after its header, and
 * the elements loaded must be the file's.  Seeds: tests/fuzz/seed_npy.sh
 * (shared with fuzz_npy).
 *
 * The reader checks the header's size fields, dtype text, fortran order
 * and total size; on this branch it does not parse the shape (issue 10
 * item 4 is rewriting it), so no shape check is made here.
 */
#define main launcher_main
#include "../../templates/c/src/main.c"
#undef main

#include <unistd.h>

/* ---- what program.c and a driver provide ---- */
const char prog_name[] = "fuzz", prog_entry[] = "main", prog_target[] = "reference";
const int prog_nparams = 0, prog_nbuffers = 1;
const struct param_info prog_params[1];
const struct buffer_info prog_buffers[1] = {
	{ "x", 0, T_U32, READ_WRITE, "4", 4, 1, NULL, NULL, "u32", T_U32, 1, 4, 4 },
};
const struct type_info prog_types[] = { { T_U32, "u32", "<u4", 4 }, { 0, NULL, NULL, 0 } };
const uint32_t prog_wgsize[3] = { 1, 1, 1 };
const double prog_tol_ulp = 0, prog_tol_abs = 0;
const unsigned char prog_kernel[1];
const size_t prog_kernel_len = 0;
void prog_counts(const uint32_t *p, uint32_t *c) { (void)p; c[0] = 4; }
void prog_dispatch(const uint32_t *p, const uint32_t *c, uint32_t *d)
{
	(void)p;
	d[0] = c[0], d[1] = d[2] = 1;
}
/* the library and driver parts main.c calls (launcher.h): none opens */
char drv_error[2048], drv_device_name[256], drv_timer[160];
int drv_fail(const char *fix, const char *fmt, ...)
{
	(void)fmt;
	snprintf(drv_error, sizeof drv_error, "no driver in the fuzz harness\nFix: %s", fix);
	return -1;
}
struct lib_ctx *lib_open(int device)
{
	(void)device;
	drv_fail("none", "no driver");
	return NULL;
}
const char *lib_error(const struct lib_ctx *k) { (void)k; return drv_error; }
void lib_close(struct lib_ctx *k) { (void)k; }
int lib_run_words(struct lib_ctx *k, const uint32_t *params, const uint32_t *counts,
		  void *const *in, void *const *out)
{
	(void)k, (void)params, (void)counts, (void)in, (void)out;
	return -1;
}
int lib_bench(struct lib_ctx *k, const uint32_t *params, const uint32_t *counts,
	      int n, double *gpu_ms, double *wall_ms, double *loop_us)
{
	(void)k, (void)params, (void)counts, (void)n, (void)gpu_ms, (void)wall_ms, (void)loop_us;
	return -1;
}

static char dir[64], npy[96];

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	strcpy(dir, "/tmp/vyrec-fuzzl-XXXXXX");
	if (!mkdtemp(dir))
		abort();
	snprintf(npy, sizeof npy, "%s/x.npy", dir);
	return 0;
}

/* Offset of the element data by the format's header length field, or 0. */
static size_t data_offset(const uint8_t *d, size_t n)
{
	if (n < 10 || memcmp(d, "\x93NUMPY", 6))
		return 0;
	if (d[6] == 1)
		return 10 + (size_t)(d[8] | d[9] << 8);
	if ((d[6] == 2 || d[6] == 3) && n >= 12)
		return 12 + (size_t)(d[8] | d[9] << 8 | (uint32_t)d[10] << 16 |
				     (uint32_t)d[11] << 24);
	return 0;
}

static void try_load(const uint8_t *d, size_t n, int t, uint32_t count)
{
	uint32_t *w = malloc((size_t)count * 4 + 4);
	drv_error[0] = 0;
	if (load_file(npy, t, w, count) == 0) {
		size_t off = data_offset(d, n);
		if (!off || off > n || n - off != (size_t)count * 4 ||
		    memcmp(w, d + off, (size_t)count * 4)) {
			fprintf(stderr, "fuzz_launcher_npy: accepted %u elements of a %zu-byte file whose data starts at %zu\n",
				count, n, off);
			abort();
		}
	} else if (!drv_error[0] || !strstr(drv_error, "\nFix: ")) {
		fprintf(stderr, "fuzz_launcher_npy: refused without a message and a Fix line: '%s'\n", drv_error);
		abort();
	}
	free(w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FILE *f = fopen(npy, "wb");
	if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f))
		abort();
	size_t off = data_offset(data, size);
	static const int types[3] = { T_U32, T_I32, T_F32 };
	for (int k = 0; k < 3; k++) {
		if (off && off <= size)
			try_load(data, size, types[k], (uint32_t)((size - off) / 4));
		try_load(data, size, types[k], 4);
	}
	return 0;
}
