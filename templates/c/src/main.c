/*
 * main.c: the launcher's command line (the same for every vyrec launcher):
 *
 *   ./NAME [--param k=v]... [--in BUF=SOURCE]... [--out BUF=FILE]...
 *          [--print BUF] [--device N] [--bench N [--json]] [--selftest]
 *
 * It evaluates the buffer counts and the dispatch for the params, fills
 * the inputs from .npy or raw little-endian .bin files or a generator
 * (zeros, iota, const:V, random:SEED[:LO:HI]), runs the kernel once
 * through the driver, and writes or prints the outputs.  --selftest runs
 * with the params and seeded inputs chosen when the project was generated
 * and compares every writable buffer with the reference output embedded in
 * program.c.  Exit codes: 0 ok, 1 runtime error, 2 usage, 3 self-test
 * mismatch.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "launcher.h"

#define MAXOPT 64

enum { EXIT_RUNTIME = 1, EXIT_USAGE = 2, EXIT_MISMATCH = 3 };

char drv_error[2048];
char drv_device_name[256];
char drv_timer[160];

struct opts {
	const char *params[MAXOPT], *ins[MAXOPT], *outs[MAXOPT];
	int nparams, nins, nouts;
	const char *print;
	int device, bench;
	int selftest, json;
};

int drv_fail(const char *fix, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(drv_error, sizeof drv_error, fmt, ap);
	va_end(ap);
	size_t n = strlen(drv_error);
	snprintf(drv_error + n, sizeof drv_error - n, "\nFix: %s", fix);
	return -1;
}

static int usage_error(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: ", prog_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nusage: ./%s [--param k=v]... [--in BUF=SOURCE]... "
		"[--out BUF=FILE]... [--print BUF]\n"
		"       [--device N] [--bench N [--json]] [--selftest]\n", prog_name);
	return EXIT_USAGE;
}

static int runtime_error(const char *msg)
{
	fprintf(stderr, "%s: error: %s\n", prog_name, msg);
	return EXIT_RUNTIME;
}

static const char *type_name(int t)
{
	return t == T_F32 ? "f32" : t == T_I32 ? "i32" : "u32";
}

static const char *npy_descr(int t)
{
	return t == T_F32 ? "<f4" : t == T_I32 ? "<i4" : "<u4";
}

/* ---- values ---- */

/* Parse s as a value of type t into its bits. 0, or -1. */
static int parse_bits(const char *s, int t, uint32_t *bits)
{
	char *end;
	errno = 0;
	if (!*s)
		return -1;
	if (t == T_F32) {
		double d = strtod(s, &end);
		float f = (float)d;
		if (*end)
			return -1;
		memcpy(bits, &f, 4);
		return 0;
	}
	if (t == T_I32) {
		long long v = strtoll(s, &end, 0);
		if (*end || errno || v < INT32_MIN || v > INT32_MAX)
			return -1;
		*bits = (uint32_t)(int32_t)v;
		return 0;
	}
	if (*s == '-' || *s == '+')
		return -1;
	unsigned long long v = strtoull(s, &end, 0);
	if (*end || errno || v > UINT32_MAX)
		return -1;
	*bits = (uint32_t)v;
	return 0;
}

static void print_value(FILE *f, int t, uint32_t w)
{
	float x;
	if (t == T_F32) {
		memcpy(&x, &w, 4);
		fprintf(f, "%.9g", x);
	} else if (t == T_I32)
		fprintf(f, "%d", (int)(int32_t)w);
	else
		fprintf(f, "%u", w);
}

static int find_param(const char *name, size_t n)
{
	for (int i = 0; i < prog_nparams; i++)
		if (strlen(prog_params[i].name) == n &&
		    !strncmp(prog_params[i].name, name, n))
			return i;
	return -1;
}

static int find_buffer(const char *name, size_t n)
{
	for (int i = 0; i < prog_nbuffers; i++)
		if (strlen(prog_buffers[i].name) == n &&
		    !strncmp(prog_buffers[i].name, name, n))
			return i;
	return -1;
}

/* ---- generators (vyrec's data sources, SplitMix64 exactly) ---- */

static uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static void fill_random(uint64_t seed, double lo, double hi, int t,
			uint32_t *w, uint32_t n)
{
	uint64_t state = seed;
	for (uint32_t i = 0; i < n; i++) {
		uint64_t z = splitmix64(&state);
		if (t == T_F32) {
			double u = (double)(z >> 40) * 0x1p-24;
			float f = (float)(lo + (hi - lo) * u);
			memcpy(&w[i], &f, 4);
		} else {
			uint64_t span = (uint64_t)((int64_t)hi - (int64_t)lo);
			int64_t v = (int64_t)lo + (int64_t)((z >> 32) % span);
			w[i] = (uint32_t)v;
		}
	}
}

static void default_range(int t, double *lo, double *hi)
{
	*lo = t == T_F32 ? -1 : t == T_I32 ? -32768 : 0;
	*hi = t == T_F32 ? 1 : t == T_I32 ? 32768 : 65536;
}

static double bits_value(int t, uint32_t w)
{
	float f;
	memcpy(&f, &w, 4);
	return t == T_F32 ? f : t == T_I32 ? (double)(int32_t)w : (double)w;
}

/* random:SEED[:LO:HI]; arg is after "random:". 0, or -1 with drv_error. */
static int gen_random(const char *arg, int t, uint32_t *w, uint32_t n)
{
	char copy[256], *lo_s, *hi_s = NULL, *end;
	uint32_t lb, hb;
	double lo, hi;
	snprintf(copy, sizeof copy, "%s", arg);
	if ((lo_s = strchr(copy, ':'))) {
		*lo_s++ = 0;
		if ((hi_s = strchr(lo_s, ':')))
			*hi_s++ = 0;
	}
	errno = 0;
	uint64_t seed = strtoull(copy, &end, 0);
	if (!*copy || *end || errno || *copy == '-' ||
	    (lo_s && (!hi_s || strchr(hi_s, ':'))))
		return drv_fail("give a non-negative integer seed, e.g. random:42 or random:42:0:100",
				"'random:%s' is not of the form random:SEED or random:SEED:LO:HI", arg);
	default_range(t, &lo, &hi);
	if (lo_s) {
		if (parse_bits(lo_s, t, &lb) || parse_bits(hi_s, t, &hb))
			return drv_fail("write both bounds as values of the buffer's type",
					"'random:%s': bounds '%s' and '%s' are not both %s values",
					arg, lo_s, hi_s, type_name(t));
		lo = bits_value(t, lb);
		hi = bits_value(t, hb);
		if (!(lo < hi) || !isfinite(lo) || !isfinite(hi))
			return drv_fail("swap or widen the bounds",
					"'random:%s': LO must be less than HI (the range is [LO, HI))", arg);
	}
	fill_random(seed, lo, hi, t, w, n);
	return 0;
}

/* 1 filled, 0 not a generator, -1 error. */
static int generate(const char *src, int t, uint32_t *w, uint32_t n)
{
	uint32_t bits;
	if (!strcmp(src, "zeros")) {
		memset(w, 0, (size_t)n * 4);
		return 1;
	}
	if (!strcmp(src, "iota")) {
		for (uint32_t i = 0; i < n; i++) {
			float f = (float)i;
			if (t == T_F32)
				memcpy(&w[i], &f, 4);
			else
				w[i] = i;
		}
		return 1;
	}
	if (!strncmp(src, "const:", 6)) {
		if (parse_bits(src + 6, t, &bits))
			return drv_fail("write e.g. const:7 (u32), const:-3 (i32) or const:1.5 (f32)",
					"'%s': '%s' is not a valid %s value", src, src + 6, type_name(t));
		for (uint32_t i = 0; i < n; i++)
			w[i] = bits;
		return 1;
	}
	if (!strncmp(src, "random:", 7))
		return gen_random(src + 7, t, w, n) ? -1 : 1;
	return 0;
}

/* ---- .npy and raw files ---- */

static int has_ext(const char *path, const char *ext)
{
	size_t n = strlen(path), m = strlen(ext);
	return n >= m && !strcmp(path + n - m, ext);
}

static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *p = NULL;
	size_t cap = 0, n = 0, k;
	if (!f) {
		drv_fail("check the path, or use a generator: zeros, iota, const:V, random:SEED[:LO:HI]",
			 "cannot open '%s': %s", path, strerror(errno));
		return NULL;
	}
	do {
		if (n == cap) {
			char *q = realloc(p, cap = cap ? 2 * cap : 65536);
			if (!q) {
				free(p);
				fclose(f);
				drv_fail("use a smaller file", "out of memory reading '%s'", path);
				return NULL;
			}
			p = q;
		}
		k = fread(p + n, 1, cap - n, f);
		n += k;
	} while (k);
	fclose(f);
	*len = n;
	return p;
}

/* The element data of a .npy file: checks dtype, order and size. */
static const char *npy_data(const char *path, const char *p, size_t len,
			    int t, uint32_t n)
{
	if (len < 10 || memcmp(p, "\x93NUMPY", 6) || (p[6] != 1 && p[6] != 2)) {
		drv_fail("write it with numpy.save, or use raw little-endian data with another extension",
			 "'%s' is not a .npy file of format 1.0 or 2.0", path);
		return NULL;
	}
	const unsigned char *u = (const unsigned char *)p;
	size_t hl = p[6] == 1 ? (size_t)(u[8] | u[9] << 8) :
		    len < 12 ? len : (size_t)(u[8] | u[9] << 8 | (uint32_t)u[10] << 16 | (uint32_t)u[11] << 24);
	size_t off = p[6] == 1 ? 10 : 12;
	if (off + hl > len) {
		drv_fail("rewrite the file with numpy.save", "'%s': truncated .npy header", path);
		return NULL;
	}
	char hdr[4096];
	snprintf(hdr, sizeof hdr, "%.*s", (int)(hl < 4095 ? hl : 4095), p + off);
	char want[16];
	snprintf(want, sizeof want, "'%s'", npy_descr(t));
	if (!strstr(hdr, want)) {
		drv_fail("save the array with the buffer's dtype (numpy.float32, int32 or uint32)",
			 "'%s': dtype does not match the buffer's %s (dtype %s); header %s",
			 path, type_name(t), npy_descr(t), hdr);
		return NULL;
	}
	if (strstr(hdr, "'fortran_order': True")) {
		drv_fail("save a C-ordered array (numpy.ascontiguousarray)",
			 "'%s': Fortran-ordered arrays are not supported", path);
		return NULL;
	}
	size_t bytes = len - off - hl;
	if (bytes != (size_t)n * 4) {
		drv_fail("pass params that give the buffer the file's size, or a file of the buffer's size",
			 "'%s' holds %zu elements but the buffer has %u", path, bytes / 4, n);
		return NULL;
	}
	return p + off + hl;
}

static int load_file(const char *path, int t, uint32_t *w, uint32_t n)
{
	size_t len;
	char *p = read_all(path, &len);
	const char *d = p;
	if (!p)
		return -1;
	if (has_ext(path, ".npy"))
		d = npy_data(path, p, len, t, n);
	else if (len != (size_t)n * 4)
		d = NULL, drv_fail("pass params that give the buffer the file's size, or a file of the buffer's size",
				   "'%s' holds %zu bytes but the buffer needs %zu (%u elements of %s)",
				   path, len, (size_t)n * 4, n, type_name(t));
	for (uint32_t i = 0; d && i < n; i++) {
		const unsigned char *b = (const unsigned char *)d + 4 * (size_t)i;
		w[i] = b[0] | b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
	}
	free(p);
	return d ? 0 : -1;
}

/* Write n elements to path (.npy by extension, else raw) through a
 * temporary file and a rename, so a failure leaves no partial file. */
static int write_file(const char *path, int t, const uint32_t *w, uint32_t n)
{
	char tmp[4096], hdr[128];
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	FILE *f = fopen(tmp, "wb");
	if (!f)
		return drv_fail("check that the directory exists and is writable",
				"cannot create '%s': %s", tmp, strerror(errno));
	int ok = 1;
	if (has_ext(path, ".npy")) {
		int k = snprintf(hdr, sizeof hdr, "{'descr': '%s', 'fortran_order': False, 'shape': (%u,), }",
				 npy_descr(t), n);
		int total = (10 + k + 1 + 63) / 64 * 64;
		memset(hdr + k, ' ', sizeof hdr - (size_t)k);
		hdr[total - 10 - 1] = '\n';
		unsigned char pre[10] = { 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0,
					  (unsigned char)(total - 10), (unsigned char)((total - 10) >> 8) };
		ok = fwrite(pre, 1, 10, f) == 10 && fwrite(hdr, 1, (size_t)total - 10, f) == (size_t)total - 10;
	}
	for (uint32_t i = 0; ok && i < n; i++) {
		unsigned char b[4] = { (unsigned char)w[i], (unsigned char)(w[i] >> 8),
				       (unsigned char)(w[i] >> 16), (unsigned char)(w[i] >> 24) };
		ok = fwrite(b, 1, 4, f) == 4;
	}
	if (fclose(f) || !ok || rename(tmp, path)) {
		int e = errno;
		remove(tmp);
		return drv_fail("check the free space and permissions of the directory",
				"cannot write '%s': %s", path, strerror(e));
	}
	return 0;
}

/* ---- options ---- */

static int add_opt(const char **v, int *n, const char *s, const char *name)
{
	if (*n == MAXOPT)
		return usage_error("too many %s options (at most %d)", name, MAXOPT);
	v[(*n)++] = s;
	return 0;
}

static int parse_count(const char *s, const char *opt, int *dst)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (!*s || *end || errno || v < 0 || v > 1000000)
		return usage_error("'%s %s' is not a count from 0 to 1000000", opt, s);
	*dst = (int)v;
	return 0;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	memset(o, 0, sizeof *o);
	o->device = -1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--selftest")) {
			o->selftest = 1;
			continue;
		}
		if (!strcmp(a, "--json")) {
			o->json = 1;
			continue;
		}
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage_error("runs the %s kernel (%s target); see README.md", prog_name, prog_target);
			exit(0);
		}
		static const char *const valued[] = { "--param", "--in", "--out", "--print", "--device", "--bench" };
		int k = 0;
		while (k < 6 && strcmp(a, valued[k]))
			k++;
		if (k == 6)
			return usage_error("unknown option '%s'", a);
		if (i + 1 >= argc)
			return usage_error("option '%s' needs a value", a);
		const char *v = argv[++i];
		int r = k == 0 ? add_opt(o->params, &o->nparams, v, a) :
			k == 1 ? add_opt(o->ins, &o->nins, v, a) :
			k == 2 ? add_opt(o->outs, &o->nouts, v, a) :
			k == 3 ? (o->print = v, 0) :
			k == 4 ? parse_count(v, a, &o->device) : parse_count(v, a, &o->bench);
		if (r)
			return r;
	}
	if (o->json && !o->bench)
		return usage_error("--json formats the --bench report; give --bench N too");
	if (o->selftest && (o->nparams || o->nins))
		return usage_error("--selftest uses the params and inputs chosen when the launcher was generated; "
				   "drop --param and --in");
	return 0;
}

/* NAME=VALUE into the index of NAME (params or buffers) and VALUE. */
static int split_kv(const char *kv, const char *opt, int is_buffer, int *idx,
		    const char **val)
{
	const char *eq = strchr(kv, '=');
	if (!eq)
		return usage_error("'%s %s' is not of the form NAME=VALUE", opt, kv);
	size_t n = (size_t)(eq - kv);
	*idx = is_buffer ? find_buffer(kv, n) : find_param(kv, n);
	*val = eq + 1;
	if (*idx < 0)
		return usage_error("'%.*s' is not a %s of %s", (int)n, kv,
				   is_buffer ? "buffer" : "param", prog_name);
	return 0;
}

static int set_params(const struct opts *o, uint32_t *params)
{
	for (int i = 0; i < prog_nparams; i++)
		params[i] = prog_params[i].selftest;
	for (int i = 0; i < o->nparams; i++) {
		int j;
		const char *v;
		if (split_kv(o->params[i], "--param", 0, &j, &v))
			return EXIT_USAGE;
		if (parse_bits(v, prog_params[j].type, &params[j]))
			return usage_error("'%s' is not a valid %s for param '%s'", v,
					   type_name(prog_params[j].type), prog_params[j].name);
	}
	return 0;
}

/* ---- the run ---- */

struct run {
	uint32_t params[64], counts[64], dispatch[3], grid[3];
	void *bufs[64];
};

static int sizes(struct run *r)
{
	char msg[512];
	prog_counts(r->params, r->counts);
	for (int i = 0; i < prog_nbuffers; i++)
		if (!r->counts[i]) {
			snprintf(msg, sizeof msg, "buffer '%s' has 0 elements (count %s = 0)\n"
				 "Fix: pass params that make the count at least 1",
				 prog_buffers[i].name, prog_buffers[i].count);
			return runtime_error(msg);
		}
	prog_dispatch(r->params, r->counts, r->dispatch);
	for (int a = 0; a < 3; a++) {
		r->grid[a] = r->dispatch[a] / prog_wgsize[a] + (r->dispatch[a] % prog_wgsize[a] != 0);
		if (!r->grid[a]) {
			snprintf(msg, sizeof msg, "dispatch axis %c is 0 invocations\n"
				 "Fix: pass params that make it at least 1", "xyz"[a]);
			return runtime_error(msg);
		}
	}
	return 0;
}

static int fill_inputs(const struct opts *o, struct run *r)
{
	for (int i = 0; i < prog_nbuffers; i++) {
		const struct buffer_info *b = &prog_buffers[i];
		if (!(r->bufs[i] = calloc(r->counts[i], 4)))
			return runtime_error("out of memory for the buffers\nFix: use smaller params");
		if (o->selftest && b->access != WRITE_ONLY) {
			double lo, hi;
			default_range(b->type, &lo, &hi);
			fill_random(b->seed, lo, hi, b->type, r->bufs[i], r->counts[i]);
		}
	}
	for (int i = 0; i < o->nins; i++) {
		int j;
		const char *src;
		if (split_kv(o->ins[i], "--in", 1, &j, &src))
			return EXIT_USAGE;
		int g = generate(src, prog_buffers[j].type, r->bufs[j], r->counts[j]);
		if (!g && load_file(src, prog_buffers[j].type, r->bufs[j], r->counts[j]))
			g = -1;
		if (g < 0)
			return runtime_error(drv_error);
	}
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Bytes one dispatch moves: read_only and write_only buffers once,
 * read_write twice. */
static double bytes_moved(const uint32_t *counts)
{
	double b = 0;
	for (int i = 0; i < prog_nbuffers; i++)
		b += 4.0 * counts[i] * (prog_buffers[i].access == READ_WRITE ? 2 : 1);
	return b;
}

static double median(double *t, int n)
{
	qsort(t, (size_t)n, sizeof *t, cmp_double);
	return n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
}

/* Time n dispatches after one warm-up on the device's timer; print the
 * median kernel time and GB/s moved (JSON with --json). */
static int bench(const struct opts *o, struct run *r, int n)
{
	double *t = calloc((size_t)n, sizeof *t), *w = calloc((size_t)n, sizeof *w);
	double loop_us = 0;
	if (!t || !w)
		return free(t), free(w), runtime_error("out of memory\nFix: use a smaller --bench count");
	if (drv_bench(r->params, r->counts, r->grid, n, t, w, &loop_us))
		return free(t), free(w), runtime_error(drv_error);
	double med = median(t, n), min = t[0], wmed = median(w, n);
	double bytes = bytes_moved(r->counts), gbs = med > 0 ? bytes / (med * 1e6) : 0.0;
	if (o->json)
		printf("{\"name\": \"%s\", \"target\": \"%s\", \"device\": \"%s\", "
		       "\"timer\": \"%s\", \"dispatches\": %d, \"median_ms\": %.6f, "
		       "\"min_ms\": %.6f, \"wall_median_ms\": %.6f, "
		       "\"loop_us_per_dispatch\": %.3f, \"bytes_moved\": %.0f, \"gb_s\": %.3f, "
		       "\"grid\": [%u, %u, %u], \"workgroup_size\": [%u, %u, %u]}\n",
		       prog_name, prog_target, drv_device_name, drv_timer, n, med, min, wmed,
		       loop_us, bytes, gbs, r->grid[0], r->grid[1], r->grid[2],
		       prog_wgsize[0], prog_wgsize[1], prog_wgsize[2]);
	else
		printf("bench: %d dispatches, median %.4f ms (%s), %.3f GB/s (%.0f bytes moved); "
		       "submit to finish median %.4f ms; %d queued back to back: %.2f us each\n",
		       n, med, drv_timer, gbs, bytes, wmed, n, loop_us);
	free(t);
	free(w);
	return 0;
}

/* ---- self-test ---- */

static int64_t ordered(float f)
{
	uint32_t w;
	memcpy(&w, &f, 4);
	int64_t mag = w & 0x7FFFFFFF;
	return w >> 31 ? -mag : mag;
}

/* How far got is from want: 0 when they match (integers exactly; f32
 * within the tolerance, NaN = NaN, denormals = 0), else a badness that
 * orders mismatches (ulps, or 2^40 for integers and NaN). */
static double badness(int t, uint32_t got, uint32_t want)
{
	float g, e;
	if (got == want)
		return 0;
	if (t != T_F32)
		return 0x1p40;
	memcpy(&g, &got, 4);
	memcpy(&e, &want, 4);
	if ((isnan(g) && isnan(e)) || (fabsf(g) < FLT_MIN && fabsf(e) < FLT_MIN))
		return 0;
	if (isnan(g) || isnan(e))
		return 0x1p40;
	double ulp = fabs((double)(ordered(g) - ordered(e)));
	if (ulp <= prog_tol_ulp || fabs((double)g - e) <= prog_tol_abs)
		return 0;
	return ulp;
}

static int selftest(const struct run *r)
{
	int worst_buf = -1;
	uint32_t worst_i = 0;
	double worst = 0;
	long long bad = 0;
	for (int b = 0; b < prog_nbuffers; b++) {
		const uint32_t *got = r->bufs[b], *want = prog_buffers[b].expected;
		if (!want)
			continue;
		for (uint32_t i = 0; i < r->counts[b]; i++) {
			double d = badness(prog_buffers[b].type, got[i], want[i]);
			bad += d > 0;
			if (d > worst)
				worst = d, worst_buf = b, worst_i = i;
		}
	}
	if (worst_buf < 0) {
		printf("selftest: PASS (%s on %s)\n", prog_target, drv_device_name);
		return 0;
	}
	const struct buffer_info *b = &prog_buffers[worst_buf];
	printf("selftest: FAIL (%s on %s): %lld elements differ; worst %s[%u]: got ",
	       prog_target, drv_device_name, bad, b->name, worst_i);
	print_value(stdout, b->type, ((const uint32_t *)r->bufs[worst_buf])[worst_i]);
	printf(" expected ");
	print_value(stdout, b->type, b->expected[worst_i]);
	if (b->type == T_F32)
		printf(" (tolerance %g ulp, %g abs)", prog_tol_ulp, prog_tol_abs);
	printf("\n");
	return EXIT_MISMATCH;
}

/* ---- outputs ---- */

static int outputs(const struct opts *o, const struct run *r)
{
	for (int i = 0; i < o->nouts; i++) {
		int j;
		const char *path;
		if (split_kv(o->outs[i], "--out", 1, &j, &path))
			return EXIT_USAGE;
		if (write_file(path, prog_buffers[j].type, r->bufs[j], r->counts[j]))
			return runtime_error(drv_error);
	}
	if (o->print) {
		int j = find_buffer(o->print, strlen(o->print));
		for (uint32_t i = 0; i < r->counts[j]; i++) {
			if (i)
				fputc(' ', stdout);
			print_value(stdout, prog_buffers[j].type, ((const uint32_t *)r->bufs[j])[i]);
		}
		fputc('\n', stdout);
	}
	return 0;
}

static int check_names(const struct opts *o)
{
	int j;
	const char *v;
	for (int i = 0; i < o->nins; i++)
		if (split_kv(o->ins[i], "--in", 1, &j, &v))
			return EXIT_USAGE;
	for (int i = 0; i < o->nouts; i++)
		if (split_kv(o->outs[i], "--out", 1, &j, &v))
			return EXIT_USAGE;
	if (o->print && find_buffer(o->print, strlen(o->print)) < 0)
		return usage_error("'%s' is not a buffer of %s", o->print, prog_name);
	return 0;
}

static int run(const struct opts *o, struct run *r)
{
	int rc;
	if ((rc = set_params(o, r->params)) || (rc = check_names(o)) ||
	    (rc = sizes(r)) || (rc = fill_inputs(o, r)))
		return rc;
	if (drv_open(o->device) || drv_upload(r->bufs, r->counts) ||
	    drv_dispatch(r->params, r->counts, r->grid) ||
	    drv_download(r->bufs, r->counts))
		return runtime_error(drv_error);
	rc = o->selftest ? selftest(r) : 0;
	if (rc == 0 || rc == EXIT_MISMATCH) {
		int rc2 = outputs(o, r);
		if (!rc2 && o->bench)
			rc2 = bench(o, r, o->bench);
		if (rc2)
			rc = rc2;
	}
	return rc;
}

int main(int argc, char **argv)
{
	struct opts o;
	struct run r;
	memset(&r, 0, sizeof r);
	int rc = parse_opts(argc, argv, &o);
	if (!rc)
		rc = run(&o, &r);
	drv_close();
	for (int i = 0; i < prog_nbuffers; i++)
		free(r.bufs[i]);
	return rc;
}
