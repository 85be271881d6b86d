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

/* ---- types: a buffer's elements are lanes components of one scalar
 * type (prog_types, from vyrec's type table); data files, generators and
 * printing see a vector buffer as its components, flat (SPEC §10.10) ---- */

static const struct type_info *tinfo(int t)
{
	for (const struct type_info *ti = prog_types; ti->name; ti++)
		if (ti->type == t)
			return ti;
	return prog_types;   /* not reached: vyrec lists every type it uses */
}

static const char *type_name(int t)
{
	return tinfo(t)->name;
}

static const char *npy_descr(int t)
{
	return tinfo(t)->npy;
}

static int is_float(int t)
{
	return t == T_F32 || t == T_F64 || t == T_BF16 || t == T_F16;
}

static int is_signed(int t)
{
	return t == T_I8 || t == T_I16 || t == T_I32 || t == T_I64;
}

/* Component i of data of type t, as its raw bits (little-endian hosts). */
static uint64_t get_raw(const void *data, int t, size_t i)
{
	unsigned es = tinfo(t)->size;
	uint64_t v = 0;
	memcpy(&v, (const char *)data + i * es, es);
	return v;
}

static void put_raw(void *data, int t, size_t i, uint64_t v)
{
	unsigned es = tinfo(t)->size;
	memcpy((char *)data + i * es, &v, es);
}

/* f32 bits to bf16 bits, nearest even; a NaN stays a NaN, made quiet (as
 * vyrec, src/data.c). */
static uint32_t bf16_of_f32(uint32_t x)
{
	if ((x & 0x7fffffffu) > 0x7f800000u)
		return (x >> 16 | 0x40u) & 0xffffu;
	return (x + 0x7fffu + (x >> 16 & 1u)) >> 16;
}

/* A double rounded once to bf16 (to odd into f32, then nearest even). */
static uint32_t bf16_of_double(double d)
{
	float f = (float)d;
	uint32_t u;
	if (isfinite(d) && (double)f != d) {
		if (fabs((double)f) > fabs(d))
			f = nextafterf(f, 0.0f);
		memcpy(&u, &f, 4);
		u |= 1;
		memcpy(&f, &u, 4);
	}
	memcpy(&u, &f, 4);
	return bf16_of_f32(u);
}

/* A double rounded once to binary16, nearest even; NaN 0x7fff (as
 * vyrec, src/value.c). */
static uint32_t f16_of_double(double d)
{
	uint32_t sg = signbit(d) ? 0x8000u : 0;
	double a = fabs(d);
	if (isnan(d))
		return 0x7fff;
	if (a >= 65520.0)
		return sg | 0x7c00;
	if (a < 0x1p-14)
		return sg | (uint32_t)nearbyint(a * 0x1p24);
	int e;
	double q = nearbyint(frexp(a, &e) * 2048.0);
	if (q == 2048.0)
		q = 1024.0, e++;
	if (e + 14 >= 31)
		return sg | 0x7c00;
	return sg | (((unsigned)(e + 14) << 10) + ((unsigned)q - 1024u));
}

/* binary16 bits as the f32 (exact). */
static float f32_of_f16(uint32_t h)
{
	uint32_t sg = (h & 0x8000u) << 16, x = h & 0x7fffu, u;
	float f;
	if (x >= 0x7c00)
		u = sg | 0x7f800000u | (x & 0x3ff) << 13;
	else if (x >= 0x400)
		u = sg | ((x << 13) + 0x38000000u);
	else {
		f = (float)x * 0x1p-24f;
		memcpy(&u, &f, 4);
		u |= sg;
	}
	memcpy(&f, &u, 4);
	return f;
}

/* The value of raw bits v of type t. */
static double raw_value(int t, uint64_t v)
{
	unsigned bits = 8 * tinfo(t)->size;
	float f;
	double d;
	uint32_t w = (uint32_t)v;
	if (t == T_F16)
		return f32_of_f16(w);
	if (t == T_F32 || t == T_BF16) {
		if (t == T_BF16)
			w <<= 16;
		memcpy(&f, &w, 4);
		return f;
	}
	if (t == T_F64) {
		memcpy(&d, &v, 8);
		return d;
	}
	if (is_signed(t) && bits < 64 && (v >> (bits - 1) & 1))
		return (double)(int64_t)(v | ~0ull << bits);
	return is_signed(t) ? (double)(int64_t)v : (double)v;
}

/* ---- values ---- */

/* Parse s as a value of type t into its bits, as vyrec does (src/value.c,
 * src/data.c): integers decimal or 0x hex, signed ones after an optional
 * sign, in the type's range; f32 rounded once by strtof, f64 by strtod,
 * bf16 once from the decimal value. No surrounding space, no octal. 0,
 * or -1. */
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

static int parse_raw(const char *s, int t, uint64_t *bits)
{
	unsigned long long v;
	unsigned nb = 8 * tinfo(t)->size;
	int sg = is_signed(t), neg = sg && *s == '-';
	if (!*s || strchr(" \t\n\v\f\r", *s))
		return -1;
	if (is_float(t)) {
		char *end;
		float f = strtof(s, &end);
		double d = strtod(s, &end);
		uint32_t w;
		if (*end)
			return -1;
		memcpy(&w, &f, 4);
		if (t == T_F64)
			memcpy(bits, &d, 8);
		else
			*bits = t == T_BF16 ? bf16_of_double(d) : t == T_F16 ? f16_of_double(d) : w;
		return 0;
	}
	if (sg && (*s == '-' || *s == '+'))
		s++;
	unsigned long long max = nb == 64 ? ~0ull : (1ull << nb) - 1;
	if (sg)
		max = neg ? max / 2 + 1 : max / 2;
	if (parse_digits(s, &v) || v > max)
		return -1;
	*bits = (neg ? 0 - (uint64_t)v : (uint64_t)v) & (nb == 64 ? ~0ull : (1ull << nb) - 1);
	return 0;
}

/* One value as vyrec prints it: f32 (and bf16) with 9 significant
 * digits, f64 with 17, every NaN as nan. */
static void print_raw(FILE *f, int t, uint64_t v)
{
	double x = raw_value(t, v);
	if (is_float(t) && isnan(x))
		fputs("nan", f);
	else if (is_float(t) && isinf(x))
		fputs(x < 0 ? "-inf" : "inf", f);
	else if (t == T_F64)
		fprintf(f, "%.17g", x);
	else if (is_float(t))
		fprintf(f, "%.9g", x);
	else if (is_signed(t))
		fprintf(f, "%lld", (long long)x);
	else
		fprintf(f, "%llu", (unsigned long long)v);
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

/* ---- generators (vyrec's data sources, src/data.c, SplitMix64 exactly);
 * they fill n components of scalar type t ---- */

static uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

/* The type a 32-bit storage or scalar type computes in: u32, i32, f32. */
static int value_type(int t)
{
	return t == T_BF16 || t == T_F16 || t == T_F32 ? T_F32 : is_signed(t) ? T_I32 : T_U32;
}

/* u32/i32/f32 bits into an element of t (bf16 rounded, narrow ones cut). */
static uint64_t narrow(int t, uint32_t bits)
{
	unsigned es = tinfo(t)->size;
	float f;
	memcpy(&f, &bits, 4);
	return t == T_F16 ? f16_of_double(f) : t == T_BF16 ? bf16_of_f32(bits) : es == 1 ? bits & 0xffu :
	       es == 2 ? bits & 0xffffu : bits;
}

/* random:SEED[:LO:HI]; arg is after "random:". 0, or -1 with drv_error. */
static int gen_random(const char *arg, int t, void *w, size_t n)
{
	char copy[256], *lo_s, *hi_s = NULL, *end;
	snprintf(copy, sizeof copy, "%s", arg);
	if ((lo_s = strchr(copy, ':'))) {
		*lo_s++ = 0;
		if ((hi_s = strchr(lo_s, ':')))
			*hi_s++ = 0;
	}
	errno = 0;
	uint64_t seed = strtoull(copy, &end, 0), state;
	if (!*copy || *end || errno || *copy == '-' ||
	    (lo_s && (!hi_s || strchr(hi_s, ':'))))
		return drv_fail("give a non-negative integer seed, e.g. random:42 or random:42:0:100",
				"'random:%s' is not of the form random:SEED or random:SEED:LO:HI", arg);
	state = seed;
	if (tinfo(t)->size == 8) {   /* f64 u64 i64 */
		double dlo = -1, dhi = 1;
		uint64_t lo = t == T_I64 ? (uint64_t)-32768 : 0, hi = t == T_I64 ? 32768 : 65536, lb, hb;
		if (lo_s) {
			int ok = !parse_raw(lo_s, t, &lb) && !parse_raw(hi_s, t, &hb);
			if (ok && t == T_F64) {
				memcpy(&dlo, &lb, 8);
				memcpy(&dhi, &hb, 8);
				ok = dlo < dhi && isfinite(dlo) && isfinite(dhi);
			} else if (ok) {
				ok = t == T_I64 ? (int64_t)lb < (int64_t)hb : lb < hb;
				lo = lb, hi = hb;
			}
			if (!ok)
				return drv_fail("write both bounds as values of the buffer's type, LO less than HI",
						"'random:%s': bounds '%s' and '%s' are not both %s values with LO "
						"less than HI (the range is [LO, HI))", arg, lo_s, hi_s, type_name(t));
		}
		for (size_t i = 0; i < n; i++) {
			uint64_t z = splitmix64(&state), v = lo + z % (hi - lo);
			double d = dlo + (dhi - dlo) * ((double)(z >> 11) * 0x1p-53);
			if (t == T_F64)
				memcpy(&v, &d, 8);
			put_raw(w, t, i, v);
		}
		return 0;
	}
	int vt = value_type(t);
	double lo = vt == T_F32 ? -1 : vt == T_I32 ? -32768 : 0;
	double hi = vt == T_F32 ? 1 : vt == T_I32 ? 32768 : 65536;
	if (t == T_U8 || t == T_I8)
		lo = t == T_U8 ? 0 : -128, hi = t == T_U8 ? 256 : 128;
	if (lo_s) {
		uint64_t lb, hb;
		if (parse_raw(lo_s, vt, &lb) || parse_raw(hi_s, vt, &hb))
			return drv_fail("write both bounds as values of the buffer's type",
					"'random:%s': bounds '%s' and '%s' are not both %s values",
					arg, lo_s, hi_s, type_name(vt));
		lo = raw_value(vt, lb);
		hi = raw_value(vt, hb);
		if (!(lo < hi) || !isfinite(lo) || !isfinite(hi))
			return drv_fail("swap or widen the bounds",
					"'random:%s': LO must be less than HI (the range is [LO, HI))", arg);
	}
	for (size_t i = 0; i < n; i++) {
		uint64_t z = splitmix64(&state);
		uint32_t bits;
		if (vt == T_F32) {
			double u = (double)(z >> 40) * 0x1p-24;
			float f = (float)(lo + (hi - lo) * u);
			memcpy(&bits, &f, 4);
		} else {
			uint64_t span = (uint64_t)((int64_t)hi - (int64_t)lo);
			int64_t v = (int64_t)lo + (int64_t)((z >> 32) % span);
			bits = (uint32_t)v;
		}
		put_raw(w, t, i, narrow(t, bits));
	}
	return 0;
}

/* 1 filled, 0 not a generator, -1 error. */
static int generate(const char *src, int t, void *w, size_t n)
{
	uint64_t bits;
	if (!strcmp(src, "zeros")) {
		memset(w, 0, n * tinfo(t)->size);
		return 1;
	}
	if (!strcmp(src, "iota")) {
		for (size_t i = 0; i < n; i++) {
			float f = (float)i;
			double d = (double)i;
			uint32_t u;
			memcpy(&u, &f, 4);
			if (t == T_F64)
				memcpy(&bits, &d, 8);
			else
				bits = t == T_F32 ? u : t == T_BF16 ? bf16_of_double(d) : t == T_F16 ? f16_of_double(d) :
				       tinfo(t)->size == 8 ? (uint64_t)i : narrow(t, (uint32_t)i);
			put_raw(w, t, i, bits);
		}
		return 1;
	}
	if (!strncmp(src, "const:", 6)) {
		if (parse_raw(src + 6, t, &bits))
			return drv_fail(is_float(t) ? "write e.g. const:1.5" : is_signed(t) ? "write e.g. const:-3" :
					"write e.g. const:7",
					"'%s': '%s' is not a valid %s value", src, src + 6, type_name(t));
		for (size_t i = 0; i < n; i++)
			put_raw(w, t, i, bits);
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
		drv_fail("save the array with the buffer's dtype, little-endian: a.astype(numpy.dtype('<...'))",
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

/* Fill w (n components of type t) from a .npy or raw file: the header is
 * checked, then at most n * size + 1 data bytes are read, so a file larger
 * than the buffer is refused without reading it all. */
static int load_file(const char *path, int t, void *w, size_t n)
{
	const size_t es = tinfo(t)->size;
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
		drv_fail(fix, "'%s' holds %llu elements but the buffer has %zu", path,
			 (unsigned long long)count, n);
		goto out;
	}
	/* a regular file tells its size: a wrong one is refused unread */
	struct stat st;
	long pos = ftell(f);
	size_t got;
	int more = 0;
	if (pos >= 0 && !fstat(fileno(f), &st) && S_ISREG(st.st_mode) &&
	    (unsigned long long)st.st_size != (unsigned long long)pos + n * es)
		got = st.st_size > pos ? (size_t)(st.st_size - pos) : 0;
	else {
		got = read_up_to(f, w, n * es);
		more = got == n * es && read_up_to(f, &extra, 1) > 0;
	}
	if (ferror(f))
		drv_fail("check the file", "cannot read '%s': %s", path, strerror(errno));
	else if (got == n * es && !more)
		rc = 0;
	else if (npy)
		drv_fail("rewrite the file with numpy.save",
			 "'%s' is truncated or has trailing bytes: its header says %zu elements", path, n);
	else if (more)
		drv_fail(fix, "'%s' holds more than the buffer's %zu elements (%zu bytes of %s)",
			 path, n, n * es, type_name(t));
	else if (got % es)
		drv_fail(fix, "'%s' has %zu bytes, not a whole number of %zu-byte %s elements",
			 path, got, es, type_name(t));
	else
		drv_fail(fix, "'%s' holds %zu elements but the buffer has %zu", path, got / es, n);
	for (size_t i = 0; !rc && i < n; i++) {   /* little-endian to host order */
		const unsigned char *b = (const unsigned char *)w + es * i;
		uint64_t v = 0;
		for (size_t k = es; k-- > 0;)
			v = v << 8 | b[k];
		put_raw(w, t, i, v);
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

/* Write n components of type t to path (.npy by extension, else raw; a
 * buffer of lanes > 1 vectors with shape (n / lanes, lanes)).  A device or a
 * FIFO is written directly; anything else through a temporary made with
 * mkstemp (O_EXCL, unpredictable name) beside the file a symbolic link
 * names, then a rename, so a failure leaves no partial file and a link
 * stays a link. */
static int write_file(const char *path, int t, unsigned lanes, const void *w, size_t n)
{
	const size_t es = tinfo(t)->size;
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
		char shape[64];
		if (lanes > 1)
			snprintf(shape, sizeof shape, "(%zu, %u)", n / lanes, lanes);
		else
			snprintf(shape, sizeof shape, "(%zu,)", n);
		int k = snprintf(hdr, sizeof hdr, "{'descr': '%s', 'fortran_order': False, 'shape': %s, }",
				 npy_descr(t), shape);
		int total = (10 + k + 1 + 63) / 64 * 64;
		memset(hdr + k, ' ', sizeof hdr - (size_t)k);
		hdr[total - 10 - 1] = '\n';
		unsigned char pre[10] = { 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0,
					  (unsigned char)(total - 10), (unsigned char)((total - 10) >> 8) };
		ok = fwrite(pre, 1, 10, f) == 10 && fwrite(hdr, 1, (size_t)total - 10, f) == (size_t)total - 10;
	}
	for (size_t i = 0; ok && i < n; i++) {
		uint64_t v = get_raw(w, t, i);
		unsigned char b[8];
		for (size_t k = 0; k < es; k++)
			b[k] = (unsigned char)(v >> 8 * k);
		ok = fwrite(b, 1, es, f) == es;
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

/* Param i's bits v into the words (a 64-bit one's high word at PARAM_HI + i). */
static void set_word(uint32_t *params, int i, uint64_t v)
{
	params[i] = (uint32_t)v;
	params[PARAM_HI + i] = (uint32_t)(v >> 32);
}

static int set_params(const struct opts *o, uint32_t *params)
{
	for (int i = 0; i < prog_nparams; i++)
		set_word(params, i, prog_params[i].selftest);
	for (int i = 0; i < o->nparams; i++) {
		int j;
		const char *v;
		if (split_kv(o->params[i], "--param", 0, &j, &v))
			return EXIT_USAGE;
		uint64_t bits;
		if (parse_raw(v, prog_params[j].type, &bits))
			return usage_error("'%s' is not a valid %s for param '%s'", v,
					   type_name(prog_params[j].type), prog_params[j].name);
		set_word(params, j, bits);
	}
	return 0;
}

/* ---- the run ---- */

struct run {
	uint32_t params[PARAM_WORDS], counts[64], dispatch[3], grid[3];
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
		if (!(r->bufs[i] = calloc(r->counts[i] ? r->counts[i] : 1, b->size))) {
			char msg[512];
			snprintf(msg, sizeof msg, "out of memory: cannot allocate %zu bytes for buffer '%s' "
				 "(%u elements)\nFix: free memory or use smaller params",
				 (size_t)r->counts[i] * b->size, b->name, r->counts[i]);
			return runtime_error(msg);
		}
		if (o->selftest && b->input)
			memcpy(r->bufs[i], b->input, (size_t)r->counts[i] * b->size);
		else if (o->selftest && b->access != WRITE_ONLY) {
			char src[48];   /* the seeded input vyrec made: random:SEED */
			snprintf(src, sizeof src, "random:%llu", (unsigned long long)b->seed);
			if (generate(src, b->elem, r->bufs[i], (size_t)r->counts[i] * b->lanes) < 0)
				return runtime_error(drv_error);
		}
	}
	for (int i = 0; i < o->nins; i++) {
		int j;
		const char *src;
		if (split_kv(o->ins[i], "--in", 1, &j, &src))
			return EXIT_USAGE;
		const struct buffer_info *b = &prog_buffers[j];
		size_t n = (size_t)r->counts[j] * b->lanes;
		int g = generate(src, b->elem, r->bufs[j], n);
		if (!g && load_file(src, b->elem, r->bufs[j], n))
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
 * read_write twice, each element its size in device memory (an x3
 * vector 16 bytes, a u8 1). */
static double bytes_moved(const uint32_t *counts)
{
	double b = 0;
	for (int i = 0; i < prog_nbuffers; i++)
		b += (double)prog_buffers[i].stride * counts[i] *
		     (prog_buffers[i].access == READ_WRITE ? 2 : 1);
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

/* How far got is from want, as vyrec verify judges (src/check.c): 0 when
 * they match (integers and u8 ... i16 exactly; f32 and f64 within the
 * tolerance in their own ulps, NaN = NaN, denormals = 0; bf16 exactly or
 * 1 bf16 ulp off where the tolerance is not 0, NaN = NaN), else a badness
 * that orders mismatches (ulps, or 2^40 for integers and NaN). */
static double badness(int t, uint64_t got, uint64_t want)
{
	if (got == want)
		return 0;
	if (t == T_F32) {
		float g, e;
		uint32_t gw = (uint32_t)got, ew = (uint32_t)want;
		memcpy(&g, &gw, 4);
		memcpy(&e, &ew, 4);
		if ((isnan(g) && isnan(e)) || (fabsf(g) < FLT_MIN && fabsf(e) < FLT_MIN))
			return 0;
		if (isnan(g) || isnan(e))
			return 0x1p40;
		double ulp = fabs((double)(ordered(g) - ordered(e)));
		if (ulp <= prog_tol_ulp || fabs((double)g - e) <= prog_tol_abs)
			return 0;
		return ulp;
	}
	if (t == T_F64) {
		double g, e;
		memcpy(&g, &got, 8);
		memcpy(&e, &want, 8);
		if ((isnan(g) && isnan(e)) || (fabs(g) < DBL_MIN && fabs(e) < DBL_MIN))
			return 0;
		if (isnan(g) || isnan(e))
			return 0x1p40;
		int64_t og = got >> 63 ? -(int64_t)(got & ~(1ull << 63)) : (int64_t)got;
		int64_t oe = want >> 63 ? -(int64_t)(want & ~(1ull << 63)) : (int64_t)want;
		/* the distance in integers: doubles near 2^62 lose the low bits */
		double ulp = (double)(og > oe ? (uint64_t)og - (uint64_t)oe : (uint64_t)oe - (uint64_t)og);
		if (ulp <= prog_tol_ulp || fabs(g - e) <= prog_tol_abs)
			return 0;
		return ulp;
	}
	if (t == T_BF16 || t == T_F16) {   /* f16: the same rule in f16 ulp */
		unsigned inf = t == T_BF16 ? 0x7f80 : 0x7c00;
		int na = (got & 0x7fff) > inf, nb = (want & 0x7fff) > inf;
		int64_t og = got & 0x8000 ? -(int64_t)(got & 0x7fff) : (int64_t)got;
		int64_t oe = want & 0x8000 ? -(int64_t)(want & 0x7fff) : (int64_t)want;
		if ((na && nb) || (!na && !nb && prog_tol_ulp > 0 && llabs(og - oe) <= 1))
			return 0;
	}
	return 0x1p40;
}

static int selftest(const struct run *r)
{
	int worst_buf = -1;
	size_t worst_i = 0;
	double worst = 0;
	long long bad = 0;
	for (int b = 0; b < prog_nbuffers; b++) {
		const struct buffer_info *bi = &prog_buffers[b];
		if (!bi->expected)
			continue;
		for (size_t i = 0; i < (size_t)r->counts[b] * bi->lanes; i++) {
			double d = badness(bi->elem, get_raw(r->bufs[b], bi->elem, i),
					   get_raw(bi->expected, bi->elem, i));
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
	printf("selftest: FAIL (%s on %s): %lld elements differ; worst %s[%zu]", prog_target,
	       drv_device_name, bad, b->name, worst_i / b->lanes);
	if (b->lanes > 1)
		printf(".%c", "xyzw"[worst_i % b->lanes]);
	printf(": got ");
	print_raw(stdout, b->elem, get_raw(r->bufs[worst_buf], b->elem, worst_i));
	printf(" expected ");
	print_raw(stdout, b->elem, get_raw(b->expected, b->elem, worst_i));
	if (b->elem == T_F32 || b->elem == T_F64)
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
		const struct buffer_info *b = &prog_buffers[j];
		if (write_file(path, b->elem, b->lanes, r->bufs[j], (size_t)r->counts[j] * b->lanes))
			return runtime_error(drv_error);
	}
	if (o->print) {
		int j = find_buffer(o->print, strlen(o->print));
		const struct buffer_info *b = &prog_buffers[j];
		for (size_t i = 0; i < (size_t)r->counts[j] * b->lanes; i++) {
			if (i)
				fputc(' ', stdout);
			print_raw(stdout, b->elem, get_raw(r->bufs[j], b->elem, i));
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
static void json_value(int t, uint64_t w)
{
	double f = raw_value(t, w);
	if (is_float(t) && !isfinite(f))
		printf("\"%s\"", isnan(f) ? "nan" : f > 0 ? "inf" : "-inf");
	else
		print_raw(stdout, t, w);
}

static const char *access_text(int a)
{
	return a == READ_ONLY ? "read_only" : a == WRITE_ONLY ? "write_only" : "read_write";
}

/* The kernel's interface: params, buffers, their types and counts (the
 * same text as the Cargo launcher's). */
static int describe(int json)
{
	uint32_t p[PARAM_WORDS], c[64];
	for (int i = 0; i < prog_nparams; i++)
		set_word(p, i, prog_params[i].selftest);
	prog_counts(p, c);
	if (!json) {
		printf("%s: %s target, entry point %s, workgroup_size [%u, %u, %u]\n", prog_name, prog_target,
		       prog_entry, prog_wgsize[0], prog_wgsize[1], prog_wgsize[2]);
		printf("params (%d, in declaration order; --param NAME=VALUE):\n", prog_nparams);
		for (int i = 0; i < prog_nparams; i++) {
			printf("  %s: %s (self-test ", prog_params[i].name, type_name(prog_params[i].type));
			print_raw(stdout, prog_params[i].type, prog_params[i].selftest);
			printf(")\n");
		}
		printf("buffers (%d; --in/--out/--print NAME):\n", prog_nbuffers);
		for (int i = 0; i < prog_nbuffers; i++)
			printf("  %s: %s, %s, binding %u, count %s (self-test %u)\n", prog_buffers[i].name,
			       prog_buffers[i].type_name, access_text(prog_buffers[i].access),
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
		       prog_buffers[i].type_name, access_text(prog_buffers[i].access),
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
