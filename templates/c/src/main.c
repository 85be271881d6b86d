/*
 * main.c: the launcher's command line (the same for every vyrec launcher):
 *
 *   ./NAME [--param k=v]... [--in BUF=SOURCE]... [--out BUF=FILE]...
 *          [--print BUF] [--device N] [--bench N [--json]] [--selftest]
 *   ./NAME --describe [--json]
 *
 * It evaluates the buffer counts and the dispatch for the params, fills
 * the inputs from .npy or raw little-endian .bin files or a generator
 * (zeros, iota, const:V, random:SEED[:LO:HI]), runs the kernel once
 * through the library (NAME_open and a run on words, NAME.c), and writes
 * or prints the outputs.  --selftest runs
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
#include <sys/stat.h>
#include <time.h>

#include "launcher.h"

#define MAXOPT 64

enum { EXIT_RUNTIME = 1, EXIT_USAGE = 2, EXIT_MISMATCH = 3 };

struct opts {
	const char *params[MAXOPT], *ins[MAXOPT], *outs[MAXOPT];
	int nparams, nins, nouts;
	const char *print;
	int device, bench;
	int selftest, json, describe;
};

static int usage_error(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: ", prog_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nusage: ./%s [--param k=v]... [--in BUF=SOURCE]... "
		"[--out BUF=FILE]... [--print BUF]\n"
		"       [--device N] [--bench N [--json]] [--selftest]\n"
		"       ./%s --describe [--json]\n", prog_name, prog_name);
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

/* Parse s as a value of type t into its bits, as vyrec does (src/value.c):
 * u32 decimal or 0x hex; i32 the same after an optional sign; f32 rounded
 * once by strtof. No surrounding space, no octal. 0, or -1. */
static int parse_digits(const char *s, unsigned long long *v)
{
	int hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
	const char *d = hex ? s + 2 : s;
	char *end;
	if (!*d || strspn(d, hex ? "0123456789abcdefABCDEF" : "0123456789") != strlen(d))
		return -1;
	errno = 0;
	*v = strtoull(d, &end, hex ? 16 : 10);
	return errno || *end ? -1 : 0;
}

static int parse_bits(const char *s, int t, uint32_t *bits)
{
	unsigned long long v;
	int neg = t == T_I32 && *s == '-';
	if (!*s || strchr(" \t\n\v\f\r", *s))
		return -1;
	if (t == T_F32) {
		char *end;
		float f = strtof(s, &end);
		if (*end)
			return -1;
		memcpy(bits, &f, 4);
		return 0;
	}
	if (t == T_I32 && (*s == '-' || *s == '+'))
		s++;
	if (parse_digits(s, &v) || v > (t != T_I32 ? 0xFFFFFFFFull : neg ? 0x80000000ull : 0x7FFFFFFFull))
		return -1;
	*bits = neg ? (uint32_t)(0u - (uint32_t)v) : (uint32_t)v;
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

/* ---- .npy header dict (the same text in src/data.c and
 * templates/c/src/main.c; tests/t_inputs.sh checks they agree) ----
 *
 * The header is a Python dict literal with exactly the keys 'descr' (a
 * string), 'fortran_order' (True or False) and 'shape' (a tuple of
 * non-negative integers: (), (5,), (3, 4)), in any order, keys quoted with
 * ' or ", whitespace between tokens, an optional trailing comma, then only
 * whitespace (numpy pads with spaces and a newline).  Everything else is
 * malformed: duplicate or unknown keys, escapes in strings, integers with
 * leading zeros, signs, suffixes or '_', a shape of (5) (not a tuple), and
 * a shape whose product exceeds 2^32-1 elements. */
struct npy_hdr {
	const char *descr;     /* into the header text, not NUL-terminated */
	size_t descr_len;
	int fortran;           /* 0 or 1 */
	uint64_t count;        /* product of the shape */
	int ndim;
};

#define NPY_MAX_HEADER (1u << 20)
#define NPY_MAX_DIMS 64

static int npy_isws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static int npy_isword(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	       (c >= 'A' && c <= 'Z') || c == '_' || c == '.';
}

static void npy_skip(const char **p, const char *e)
{
	while (*p < e && npy_isws(**p))
		(*p)++;
}

static int npy_fail(char *why, size_t wn, const char *msg, const char *arg)
{
	snprintf(why, wn, msg, arg ? arg : "");
	return -1;
}

static int npy_string(const char **p, const char *e, const char **s,
		      size_t *len, char *why, size_t wn)
{
	if (*p >= e || (**p != '\'' && **p != '"'))
		return npy_fail(why, wn, "expected a quoted string%s", NULL);
	char q = *(*p)++;
	*s = *p;
	while (*p < e && **p != q) {
		if (**p == '\\')
			return npy_fail(why, wn, "escapes in strings are not supported%s", NULL);
		if (**p == '\n' || **p == '\0')
			break;
		(*p)++;
	}
	if (*p >= e || **p != q)
		return npy_fail(why, wn, "unterminated string%s", NULL);
	*len = (size_t)(*p - *s);
	(*p)++;
	return 0;
}

static int npy_dim(const char **p, const char *e, uint64_t *v, char *why,
		   size_t wn)
{
	if (*p < e && (**p == '-' || **p == '+'))
		return npy_fail(why, wn, "a shape dimension has a sign%s", NULL);
	if (*p >= e || **p < '0' || **p > '9')
		return npy_fail(why, wn, "expected an integer in the shape%s", NULL);
	if (**p == '0' && *p + 1 < e && (*p)[1] >= '0' && (*p)[1] <= '9')
		return npy_fail(why, wn, "a shape dimension has a leading zero%s", NULL);
	*v = 0;
	while (*p < e && **p >= '0' && **p <= '9') {
		if (*v > (UINT64_MAX - 9) / 10)
			return npy_fail(why, wn, "a shape dimension is too large%s", NULL);
		*v = *v * 10 + (uint64_t)(**p - '0');
		(*p)++;
	}
	if (*p < e && npy_isword(**p))
		return npy_fail(why, wn, "a shape dimension is not a plain integer%s", NULL);
	return 0;
}

static int npy_shape_tuple(const char **p, const char *e, struct npy_hdr *o,
			   char *why, size_t wn)
{
	uint64_t prod = 1;
	int zero = 0, commas = 0;
	o->ndim = 0;
	if (*p >= e || **p != '(')
		return npy_fail(why, wn, "the shape is not a tuple%s", NULL);
	(*p)++;
	npy_skip(p, e);
	while (*p < e && **p != ')') {
		uint64_t d;
		if (o->ndim == NPY_MAX_DIMS)
			return npy_fail(why, wn, "the shape has more than 64 dimensions%s", NULL);
		if (npy_dim(p, e, &d, why, wn))
			return -1;
		o->ndim++;
		if (!d)
			zero = 1;
		else if (prod > (UINT64_C(1) << 32) / d)
			prod = UINT64_C(1) << 32;
		else
			prod *= d;
		npy_skip(p, e);
		if (*p < e && **p == ',') {
			commas++;
			(*p)++;
			npy_skip(p, e);
		} else if (*p < e && **p != ')')
			return npy_fail(why, wn, "expected ',' or ')' in the shape%s", NULL);
	}
	if (*p >= e)
		return npy_fail(why, wn, "the shape has no closing ')'%s", NULL);
	(*p)++;
	if (o->ndim == 1 && !commas)
		return npy_fail(why, wn, "the shape is a parenthesised integer, not a tuple (write (N,))%s", NULL);
	if (!zero && prod > UINT32_MAX)
		return npy_fail(why, wn, "the shape holds more than 2^32-1 elements%s", NULL);
	o->count = zero ? 0 : prod;
	return 0;
}

static int npy_header_parse(const char *h, size_t n, struct npy_hdr *o,
			    char *why, size_t wn)
{
	static const char *const keys[] = { "descr", "fortran_order", "shape" };
	const char *p = h, *e = h + n;
	int seen[3] = { 0, 0, 0 };
	memset(o, 0, sizeof *o);
	if (p >= e || *p != '{')
		return npy_fail(why, wn, "the header is not a dict%s", NULL);
	p++;
	for (;;) {
		const char *k;
		size_t kl;
		int i;
		npy_skip(&p, e);
		if (p < e && *p == '}')
			break;
		if (npy_string(&p, e, &k, &kl, why, wn))
			return -1;
		for (i = 0; i < 3; i++)
			if (strlen(keys[i]) == kl && !memcmp(keys[i], k, kl))
				break;
		if (i == 3) {
			char key[40];
			snprintf(key, sizeof key, "%.*s", (int)(kl < 32 ? kl : 32), k);
			return npy_fail(why, wn, "unexpected key '%s'", key);
		}
		if (seen[i]++)
			return npy_fail(why, wn, "duplicate key '%s'", keys[i]);
		npy_skip(&p, e);
		if (p >= e || *p != ':')
			return npy_fail(why, wn, "expected ':' after '%s'", keys[i]);
		p++;
		npy_skip(&p, e);
		if (i == 0) {
			if (p < e && *p == '[')
				return npy_fail(why, wn, "structured dtypes are not supported%s", NULL);
			if (npy_string(&p, e, &o->descr, &o->descr_len, why, wn))
				return -1;
		} else if (i == 1) {
			if (e - p >= 4 && !memcmp(p, "True", 4) && (e - p == 4 || !npy_isword(p[4])))
				o->fortran = 1, p += 4;
			else if (e - p >= 5 && !memcmp(p, "False", 5) && (e - p == 5 || !npy_isword(p[5])))
				o->fortran = 0, p += 5;
			else
				return npy_fail(why, wn, "'fortran_order' is not True or False%s", NULL);
		} else if (npy_shape_tuple(&p, e, o, why, wn))
			return -1;
		npy_skip(&p, e);
		if (p < e && *p == ',') {
			p++;
			continue;
		}
		if (p < e && *p == '}')
			break;
		return npy_fail(why, wn, "expected ',' or '}' after '%s'", keys[i]);
	}
	p++;
	for (int i = 0; i < 3; i++)
		if (!seen[i])
			return npy_fail(why, wn, "missing key '%s'", keys[i]);
	npy_skip(&p, e);
	if (p != e)
		return npy_fail(why, wn, "text after the dict%s", NULL);
	return 0;
}
/* ---- end of the .npy header dict ---- */

/* Read up to n bytes from f; how many were read. */
static size_t read_up_to(FILE *f, void *p, size_t n)
{
	size_t got = 0, k;
	while (got < n && (k = fread((char *)p + got, 1, n - got, f)) > 0)
		got += k;
	return got;
}

/* The .npy preamble and header dict, checked against type t; the stream is
 * left at the data.  0 with *count, or -1 with drv_error. */
static int npy_read_header(FILE *f, const char *path, int t, uint64_t *count)
{
	const char *fix = "write it with numpy.save";
	unsigned char b[12];
	size_t got = read_up_to(f, b, 10), hlen;
	if (got >= 6 && got < 10 && !memcmp(b, "\x93NUMPY", 6))
		return drv_fail(fix, "'%s' has a malformed .npy header: the file ends inside the preamble", path);
	if (got < 10 || memcmp(b, "\x93NUMPY", 6))
		return drv_fail("write it with numpy.save, or give raw little-endian data another extension",
				"'%s' is not a .npy file (no \\x93NUMPY magic)", path);
	if (b[6] < 1 || b[6] > 3 || b[7] != 0)
		return drv_fail(fix, "'%s' has .npy format version %d.%d; this launcher reads 1.0, 2.0 and 3.0",
				path, b[6], b[7]);
	if (b[6] == 1)
		hlen = b[8] | (size_t)b[9] << 8;
	else if (read_up_to(f, b + 10, 2) < 2)
		return drv_fail(fix, "'%s' has a malformed .npy header: the file ends inside the header length", path);
	else
		hlen = b[8] | (size_t)b[9] << 8 | (size_t)b[10] << 16 | (size_t)b[11] << 24;
	if (hlen > NPY_MAX_HEADER)
		return drv_fail(fix, "'%s' has a malformed .npy header: the header is longer than 1 MiB", path);
	char *h = malloc(hlen + 1), why[160];
	if (!h)
		return drv_fail("free memory", "out of memory for the %zu-byte .npy header of '%s'", hlen + 1, path);
	struct npy_hdr hd;
	int rc = -1;
	if (read_up_to(f, h, hlen) < hlen)
		drv_fail(fix, "'%s' has a malformed .npy header: the file ends inside the header", path);
	else if (npy_header_parse(h, hlen, &hd, why, sizeof why))
		drv_fail(fix, "'%s' has a malformed .npy header: %s", path, why);
	else if (hd.descr_len != 3 || memcmp(hd.descr + 1, npy_descr(t) + 1, 2) ||
		 (hd.descr[0] != '<' && hd.descr[0] != '|' && hd.descr[0] != '='))
		drv_fail("save the array with the buffer's dtype (numpy.float32, int32 or uint32), little-endian",
			 "'%s': dtype '%.*s' does not match the buffer's %s ('%s')", path,
			 (int)(hd.descr_len > 32 ? 32 : hd.descr_len), hd.descr, type_name(t), npy_descr(t));
	else if (hd.fortran)
		drv_fail("save a C-ordered array (numpy.ascontiguousarray)",
			 "'%s': Fortran-ordered arrays are not supported", path);
	else {
		*count = hd.count;
		rc = 0;
	}
	free(h);
	return rc;
}

/* Fill w (n elements) from a .npy or raw file: the header is checked, then
 * at most n * 4 + 1 data bytes are read, so a file larger than the buffer
 * is refused without reading it all. */
static int load_file(const char *path, int t, uint32_t *w, uint32_t n)
{
	const char *fix = "pass params that give the buffer the file's size, or a file of the buffer's size";
	FILE *f = fopen(path, "rb");
	int npy = has_ext(path, ".npy"), rc = -1;
	uint64_t count = n;
	unsigned char extra;
	if (!f)
		return drv_fail("check the path, or use a generator: zeros, iota, const:V, random:SEED[:LO:HI]",
				"cannot open '%s': %s", path, strerror(errno));
	setvbuf(f, NULL, _IONBF, 0);
	if (npy && npy_read_header(f, path, t, &count))
		goto out;
	if (count != n) {
		drv_fail(fix, "'%s' holds %llu elements but the buffer has %u", path,
			 (unsigned long long)count, n);
		goto out;
	}
	/* a regular file tells its size: a wrong one is refused unread */
	struct stat st;
	long pos = ftell(f);
	size_t got;
	int more = 0;
	if (pos >= 0 && !fstat(fileno(f), &st) && S_ISREG(st.st_mode) &&
	    (unsigned long long)st.st_size != (unsigned long long)pos + (size_t)n * 4)
		got = st.st_size > pos ? (size_t)(st.st_size - pos) : 0;
	else {
		got = read_up_to(f, w, (size_t)n * 4);
		more = got == (size_t)n * 4 && read_up_to(f, &extra, 1) > 0;
	}
	if (ferror(f))
		drv_fail("check the file", "cannot read '%s': %s", path, strerror(errno));
	else if (got == (size_t)n * 4 && !more)
		rc = 0;
	else if (npy)
		drv_fail("rewrite the file with numpy.save",
			 "'%s' is truncated or has trailing bytes: its header says %u elements", path, n);
	else if (more)
		drv_fail(fix, "'%s' holds more than the buffer's %u elements (%zu bytes of %s)",
			 path, n, (size_t)n * 4, type_name(t));
	else if (got % 4)
		drv_fail(fix, "'%s' has %zu bytes, not a whole number of 4-byte %s elements",
			 path, got, type_name(t));
	else
		drv_fail(fix, "'%s' holds %zu elements but the buffer has %u", path, got / 4, n);
	for (uint32_t i = 0; !rc && i < n; i++) {
		const unsigned char *b = (const unsigned char *)w + 4 * (size_t)i;
		w[i] = b[0] | b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
	}
out:
	fclose(f);
	return rc;
}

/* ---- writing outputs, as vyrec does (its SPEC §10.9) ---- */

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

static char live_tmp[4200];              /* the temporary being written */
static volatile sig_atomic_t live;       /* whether live_tmp exists */

/* SIGINT, SIGTERM, SIGHUP: remove the temporary, then die of the signal. */
static void on_signal(int sig)
{
	if (live)
		unlink(live_tmp);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void catch_signals(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	for (int i = 0; i < 3; i++) {
		struct sigaction sa, old;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_signal;
		sigemptyset(&sa.sa_mask);
		if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler != SIG_IGN)
			sigaction(sigs[i], &sa, NULL);
	}
}

/* Follow symbolic links from path to the file they name (which may not
 * exist yet) in out; *st is its lstat.  1 it exists, 0 not, -1 errno. */
static int resolve_links(const char *path, char *out, size_t n, struct stat *st)
{
	snprintf(out, n, "%s", path);
	for (int hops = 0; hops < 40; hops++) {
		if (lstat(out, st))
			return errno == ENOENT ? 0 : -1;
		if (!S_ISLNK(st->st_mode))
			return 1;
		char t[4096];
		ssize_t k = readlink(out, t, sizeof t - 1);
		if (k < 0)
			return -1;
		t[k] = 0;
		char *slash = strrchr(out, '/');
		size_t d = t[0] == '/' || !slash ? 0 : (size_t)(slash - out + 1);
		if (d + (size_t)k + 1 > n)
			return errno = ENAMETOOLONG, -1;
		memcpy(out + d, t, (size_t)k + 1);
	}
	return errno = ELOOP, -1;
}

/* Write n elements to path (.npy by extension, else raw).  A device or a
 * FIFO is written directly; anything else through a temporary made with
 * mkstemp (O_EXCL, unpredictable name) beside the file a symbolic link
 * names, then a rename, so a failure leaves no partial file and a link
 * stays a link. */
static int write_file(const char *path, int t, const uint32_t *w, uint32_t n)
{
	char real[4096], hdr[128];
	struct stat st;
	int exists = resolve_links(path, real, sizeof real, &st), fd;
	int direct = exists == 1 && !S_ISREG(st.st_mode);
	if (exists < 0 || (exists == 1 && S_ISDIR(st.st_mode)))
		return drv_fail("check the path", "cannot write '%s': %s", path,
				exists < 0 ? strerror(errno) : "it is a directory");
	if (direct) {
		fd = open(real, O_WRONLY | O_NOCTTY);
	} else {
		const char *slash = strrchr(real, '/');
		const char *base = slash ? slash + 1 : real;
		snprintf(live_tmp, sizeof live_tmp, "%.*s.%.64s.XXXXXX",
			 slash ? (int)(slash - real + 1) : 0, real, base);
		catch_signals();
		fd = mkstemp(live_tmp);
		live = fd >= 0;
		mode_t mask = umask(0);
		umask(mask);
		if (fd >= 0)
			fchmod(fd, exists == 1 ? st.st_mode & 07777 : 0666 & ~mask);
	}
	FILE *f = fd < 0 ? NULL : fdopen(fd, "wb");
	if (!f) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		if (live)
			unlink(live_tmp), live = 0;
		return drv_fail("check that the directory exists and is writable",
				"cannot create '%s': %s", path, strerror(e));
	}
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
	int e = ok ? 0 : errno;
	if (fclose(f) && ok)
		ok = 0, e = errno;
	if (ok && !direct) {
		if (rename(live_tmp, real))
			ok = 0, e = errno;
		else
			live = 0;
	}
	if (live)
		unlink(live_tmp), live = 0;
	if (!ok)
		return drv_fail("check the free space and permissions of the directory",
				"cannot write '%s': %s", path, strerror(e));
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
		if (!strcmp(a, "--describe")) {
			o->describe = 1;
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
	if (o->describe && (o->nparams || o->nins || o->nouts || o->print || o->bench ||
			    o->selftest || o->device >= 0))
		return usage_error("--describe prints the kernel's interface and runs nothing; "
				   "give it alone (or with --json)");
	if (o->json && !o->bench && !o->describe)
		return usage_error("--json formats the --bench or --describe report; give --bench N or --describe too");
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
	struct lib_ctx *k;
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
		if (!(r->bufs[i] = calloc(r->counts[i] ? r->counts[i] : 1, 4))) {
			char msg[512];
			snprintf(msg, sizeof msg, "out of memory: cannot allocate %zu bytes for buffer '%s' "
				 "(%u elements)\nFix: free memory or use smaller params",
				 (size_t)r->counts[i] * 4, b->name, r->counts[i]);
			return runtime_error(msg);
		}
		if (o->selftest && b->input)
			memcpy(r->bufs[i], b->input, (size_t)r->counts[i] * 4);
		else if (o->selftest && b->access != WRITE_ONLY) {
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
	if (lib_bench(r->k, r->params, r->counts, n, t, w, &loop_us))
		return free(t), free(w), runtime_error(lib_error(r->k));
	double med = median(t, n), min = t[0], wmed = median(w, n);
	double bytes = bytes_moved(r->counts), gbs = med > 0 ? bytes / (med * 1e6) : 0.0;
	if (o->json)
		printf("{\"schema\": \"vyrec-bench-1\", \"name\": \"%s\", \"target\": \"%s\", \"device\": \"%s\", "
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
	if (!(r->k = lib_open(o->device)))
		return runtime_error(lib_error(NULL));
	if (lib_run_words(r->k, r->params, r->counts, r->bufs, r->bufs))
		return runtime_error(lib_error(r->k));
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

/* ---- --describe ---- */

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++)
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", (unsigned char)*s);
		else
			putchar(*s);
	putchar('"');
}

/* A value as JSON: a number, or a string where JSON has none (nan, inf). */
static void json_value(int t, uint32_t w)
{
	float f;
	memcpy(&f, &w, 4);
	if (t == T_F32 && !isfinite(f))
		printf("\"%s\"", isnan(f) ? "nan" : f > 0 ? "inf" : "-inf");
	else
		print_value(stdout, t, w);
}

static const char *access_text(int a)
{
	return a == READ_ONLY ? "read_only" : a == WRITE_ONLY ? "write_only" : "read_write";
}

/* The kernel's interface: params, buffers, their types and counts (the
 * same text as the Cargo launcher's). */
static int describe(int json)
{
	uint32_t p[64], c[64];
	for (int i = 0; i < prog_nparams; i++)
		p[i] = prog_params[i].selftest;
	prog_counts(p, c);
	if (!json) {
		printf("%s: %s target, entry point %s, workgroup_size [%u, %u, %u]\n", prog_name, prog_target,
		       prog_entry, prog_wgsize[0], prog_wgsize[1], prog_wgsize[2]);
		printf("params (%d, in declaration order; --param NAME=VALUE):\n", prog_nparams);
		for (int i = 0; i < prog_nparams; i++) {
			printf("  %s: %s (self-test ", prog_params[i].name, type_name(prog_params[i].type));
			print_value(stdout, prog_params[i].type, prog_params[i].selftest);
			printf(")\n");
		}
		printf("buffers (%d; --in/--out/--print NAME):\n", prog_nbuffers);
		for (int i = 0; i < prog_nbuffers; i++)
			printf("  %s: %s, %s, binding %u, count %s (self-test %u)\n", prog_buffers[i].name,
			       type_name(prog_buffers[i].type), access_text(prog_buffers[i].access),
			       prog_buffers[i].binding, prog_buffers[i].count, c[i]);
		return 0;
	}
	printf("{\"schema\": \"vyrec-describe-1\", \"name\": ");
	json_str(prog_name);
	printf(", \"target\": \"%s\", \"entry_point\": ", prog_target);
	json_str(prog_entry);
	printf(", \"workgroup_size\": [%u, %u, %u], \"params\": [", prog_wgsize[0], prog_wgsize[1],
	       prog_wgsize[2]);
	for (int i = 0; i < prog_nparams; i++) {
		printf("%s{\"name\": ", i ? ", " : "");
		json_str(prog_params[i].name);
		printf(", \"type\": \"%s\", \"index\": %d, \"selftest\": ", type_name(prog_params[i].type), i);
		json_value(prog_params[i].type, prog_params[i].selftest);
		printf("}");
	}
	printf("], \"buffers\": [");
	for (int i = 0; i < prog_nbuffers; i++) {
		printf("%s{\"name\": ", i ? ", " : "");
		json_str(prog_buffers[i].name);
		printf(", \"type\": \"%s\", \"access\": \"%s\", \"binding\": %u, \"count\": ",
		       type_name(prog_buffers[i].type), access_text(prog_buffers[i].access),
		       prog_buffers[i].binding);
		json_str(prog_buffers[i].count);
		printf(", \"selftest_count\": %u}", c[i]);
	}
	printf("]}\n");
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o;
	struct run r;
	memset(&r, 0, sizeof r);
	int rc = parse_opts(argc, argv, &o);
	if (!rc && o.describe)
		return describe(o.json);
	if (!rc)
		rc = run(&o, &r);
	lib_close(r.k);
	for (int i = 0; i < prog_nbuffers; i++)
		free(r.bufs[i]);
	return rc;
}
