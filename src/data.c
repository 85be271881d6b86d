/*
 * data.c: buffer contents from files and generators, and back (SPEC §7).
 *
 * A SOURCE is a generator (zeros, iota, const:V, random:SEED[:LO:HI]) or a
 * file: `.npy` (format 1.0, 2.0 or 3.0, little-endian, C order, dtype
 * matching the buffer: the npy column of vyrec_types.def, `<u4 <i4 <f4
 * |u1 |i1 <u2 <i2`, bf16 as `<u2` bits) or, for any other extension, raw
 * little-endian elements.  In memory a buffer is count elements of the
 * type's size in host order (u32 words, u16 halves, bytes); the host byte
 * order is never assumed: elements are assembled from bytes.  Storage
 * types (SPEC §10.10) are generated in their value type (u32, i32, f32)
 * and narrowed once: the low bits, bf16 rounded to nearest even.  A .npy header is parsed as the dict literal numpy
 * writes (npy_header_parse, shared with the C launcher).  An input is read
 * unbuffered from its stream, at most the buffer's bytes plus one, so a
 * pipe or device larger than the buffer is refused at once; a regular file
 * of the wrong size is refused unread.  Output files are written
 * atomically through vy_write_file.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "vyrec.h"

#define GENERATORS "zeros, iota, const:V, random:SEED[:LO:HI]"

uint64_t vy_splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static const char *npy_descr(enum vy_type t)
{
	return vy_type_info(t)->npy;
}

/* Element i of count elements of type t in host order. */
static void put_elem(void *dst, enum vy_type t, size_t i, uint32_t bits)
{
	switch (vy_type_size(t)) {
	case 1: ((uint8_t *)dst)[i] = (uint8_t)bits; break;
	case 2: ((uint16_t *)dst)[i] = (uint16_t)bits; break;
	default: ((uint32_t *)dst)[i] = bits; break;
	}
}

static uint32_t get_elem(const void *src, enum vy_type t, size_t i)
{
	switch (vy_type_size(t)) {
	case 1: return ((const uint8_t *)src)[i];
	case 2: return ((const uint16_t *)src)[i];
	default: return ((const uint32_t *)src)[i];
	}
}

/* f32 bits to bf16 bits, nearest even; a NaN stays a NaN, made quiet (the
 * rule of the VM's store, SPEC §10.1). */
static uint32_t bf16_of_f32(uint32_t x)
{
	if ((x & 0x7fffffffu) > 0x7f800000u)
		return (x >> 16 | 0x40u) & 0xffffu;
	return (x + 0x7fffu + (x >> 16 & 1u)) >> 16;
}

/* The value type of an element of t as data: f32 for f16's bits (F16S,
 * src/lower_f16.c; its table value is the u32 of the bits the IR loads). */
static enum vy_type data_vt(enum vy_type t)
{
	return t == VY_F16S || t == VY_F16 ? VY_F32 : vy_type_value(t);
}

static uint32_t f16_of_f32(uint32_t bits)
{
	float f;
	memcpy(&f, &bits, 4);
	return vy_f16_of_double((double)f);
}

/* A value of t's value type (u32/i32/f32 bits) as an element of t. */
static uint32_t narrow(enum vy_type t, uint32_t bits)
{
	return t == VY_F16S ? f16_of_f32(bits) : t == VY_BF16 ? bf16_of_f32(bits) :
	       vy_type_size(t) == 1 ? bits & 0xffu :
	       vy_type_size(t) == 2 ? bits & 0xffffu : bits;
}

/* An element of t widened to its value type's bits. */
static uint32_t widen(enum vy_type t, uint32_t e)
{
	switch (t) {
	case VY_I8: return (uint32_t)(int32_t)(int8_t)e;
	case VY_I16: return (uint32_t)(int32_t)(int16_t)e;
	case VY_BF16: return e << 16;
	case VY_F16: case VY_F16S: return vy_f32_bits_of_f16((uint16_t)e);
	default: return e;
	}
}

/* A double rounded once to bf16 (round to odd into f32, then nearest
 * even: f32 has more than 16 + 1 bits, so no double rounding). */
static uint32_t bf16_of_double(double d)
{
	float f = (float)d;
	if (isfinite(d) && (double)f != d) {
		if (fabs((double)f) > fabs(d))
			f = nextafterf(f, 0.0f);
		uint32_t u;
		memcpy(&u, &f, 4);
		u |= 1;   /* inexact: sticky bit */
		memcpy(&f, &u, 4);
	}
	uint32_t u;
	memcpy(&u, &f, 4);
	return bf16_of_f32(u);
}

/* The range of values an element of t holds, for const: and random:. */
static void value_range(enum vy_type t, double *lo, double *hi)
{
	switch (t) {
	case VY_U8: *lo = 0; *hi = 255; break;
	case VY_I8: *lo = -128; *hi = 127; break;
	case VY_U16: *lo = 0; *hi = 65535; break;
	case VY_I16: *lo = -32768; *hi = 32767; break;
	default: *lo = -INFINITY; *hi = INFINITY; break;
	}
}

/* A user-given value for an element of t: parsed in its value type, then
 * rounded once (bf16) or range-checked (u8 ... i16). */
static int parse_elem(const char *text, enum vy_type t, uint32_t *bits)
{
	enum vy_type vt = vy_type_value(t);
	if (t == VY_F16S)   /* rounded once from the text (value.c) */
		return vy_parse_value(text, t, bits);
	if (vy_parse_value(text, vt, bits))
		return -1;
	if (t == VY_BF16) {
		*bits = bf16_of_double(strtod(text, NULL));
		return 0;
	}
	double lo, hi, v = vt == VY_I32 ? (double)(int32_t)*bits : (double)*bits;
	value_range(t, &lo, &hi);
	if (vt != VY_F32 && (v < lo || v > hi))
		return -1;
	*bits = narrow(t, *bits);
	return 0;
}

static bool has_ext(const char *path, const char *ext)
{
	size_t n = strlen(path), m = strlen(ext);
	return n >= m && !strcmp(path + n - m, ext);
}

static uint32_t get32(const unsigned char *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* n little-endian elements of type t at p into host order, in place. */
static void elems_from_bytes(void *dst, enum vy_type t, const unsigned char *p,
			     size_t n)
{
	unsigned es = vy_type_size(t);
	if (vy_type_is64(t)) {   /* f64 u64 i64: little-endian is host order */
		memmove(dst, p, n * 8);
		return;
	}
	for (size_t i = 0; i < n; i++)
		put_elem(dst, t, i, es == 4 ? get32(p + 4 * i) : es == 2 ?
			 (uint32_t)(p[2 * i] | p[2 * i + 1] << 8) : p[i]);
}

/* ---- generators ---- */

static void fill_iota(enum vy_type t, void *w, uint32_t count)
{
	for (uint32_t i = 0; i < count; i++) {
		if (t == VY_F32) {
			float f = (float)i;
			uint32_t u;
			memcpy(&u, &f, 4);
			put_elem(w, t, i, u);
		} else if (t == VY_BF16) {
			put_elem(w, t, i, bf16_of_double((double)i));
		} else if (t == VY_F16S) {
			put_elem(w, t, i, vy_f16_of_double((double)i));
		} else {
			put_elem(w, t, i, narrow(t, i));
		}
	}
}

/* random:SEED[:LO:HI] split (arg points after "random:"): the seed, and
 * LO and HI (NULL when absent) pointing into *copy, which the caller
 * frees. 0, or -1 with *err. */
static int split_random(const char *arg, uint64_t *seed, char **copy,
			char **lo_s, char **hi_s, char **err)
{
	char *end;
	*copy = vy_strf("%s", arg);
	*lo_s = strchr(*copy, ':');
	*hi_s = NULL;
	if (*lo_s) {
		*(*lo_s)++ = 0;
		*hi_s = strchr(*lo_s, ':');
		if (*hi_s)
			*(*hi_s)++ = 0;
	}
	errno = 0;
	*seed = strtoull(*copy, &end, 0);
	if (!**copy || *end || errno || **copy == '-' ||
	    (*lo_s && (!*hi_s || strchr(*hi_s, ':')))) {
		*err = vy_strf("'random:%s' is not of the form random:SEED or "
			       "random:SEED:LO:HI. Fix: give a non-negative "
			       "integer seed, e.g. random:42 or random:42:0:100", arg);
		free(*copy);
		return -1;
	}
	return 0;
}

/* random:SEED[:LO:HI]; arg points after "random:". */
static int fill_random(const char *arg, enum vy_type st, void *w,
		       uint32_t count, char **err)
{
	enum vy_type t = data_vt(st);
	char *copy, *lo_s, *hi_s;
	uint64_t seed;
	if (split_random(arg, &seed, &copy, &lo_s, &hi_s, err))
		return -1;
	double lo = t == VY_F32 ? -1 : t == VY_I32 ? -32768 : 0;
	double hi = t == VY_F32 ? 1 : t == VY_I32 ? 32768 : 65536;
	if (st == VY_U8 || st == VY_I8)
		lo = st == VY_U8 ? 0 : -128, hi = st == VY_U8 ? 256 : 128;
	if (lo_s) {
		uint32_t lb, hb;
		if (vy_parse_value(lo_s, t, &lb) || vy_parse_value(hi_s, t, &hb)) {
			*err = vy_strf("'random:%s': bounds '%s' and '%s' are "
				       "not both %s values", arg, lo_s, hi_s,
				       vy_type_name(t));
			free(copy);
			return -1;
		}
		float fl, fh;
		memcpy(&fl, &lb, 4);
		memcpy(&fh, &hb, 4);
		lo = t == VY_F32 ? fl : t == VY_I32 ? (double)(int32_t)lb : (double)lb;
		hi = t == VY_F32 ? fh : t == VY_I32 ? (double)(int32_t)hb : (double)hb;
		if (!(lo < hi) || !isfinite(lo) || !isfinite(hi)) {
			*err = vy_strf("'random:%s': LO must be less than HI "
				       "(the range is [LO, HI)). Fix: swap "
				       "or widen the bounds", arg);
			free(copy);
			return -1;
		}
	}
	free(copy);
	uint64_t state = seed;
	for (uint32_t i = 0; i < count; i++) {
		uint64_t z = vy_splitmix64(&state);
		uint32_t bits;
		if (t == VY_F32) {
			double u = (double)(z >> 40) * 0x1p-24;
			float f = (float)(lo + (hi - lo) * u);
			memcpy(&bits, &f, 4);
		} else {
			uint64_t span = (uint64_t)((int64_t)hi - (int64_t)lo);
			int64_t v = (int64_t)lo + (int64_t)((z >> 32) % span);
			bits = (uint32_t)v;
		}
		put_elem(w, st, i, narrow(st, bits));
	}
	return 0;
}

/* The generators for f64 u64 i64 (SPEC §10.10): iota, const:V parsed
 * once to the type, random with LO + z % (HI - LO) on the whole draw for
 * the integers and LO + (HI - LO) * ((z >> 11) * 2^-53) for f64. */
static int fill_generator64(const char *source, enum vy_type t, uint64_t *w,
			    uint32_t count, char **err)
{
	if (!strcmp(source, "iota")) {
		for (uint32_t i = 0; i < count; i++) {
			double d = (double)i;
			if (t == VY_F64)
				memcpy(&w[i], &d, 8);
			else
				w[i] = i;
		}
		return 1;
	}
	if (!strncmp(source, "const:", 6)) {
		uint64_t v;
		if (vy_parse_value64(source + 6, t, &v)) {
			*err = vy_strf("'%s': '%s' is not a valid %s value. Fix: "
				       "write e.g. const:%s", source, source + 6,
				       vy_type_name(t), t == VY_F64 ? "1.5" :
				       t == VY_I64 ? "-3" : "7");
			return -1;
		}
		for (uint32_t i = 0; i < count; i++)
			w[i] = v;
		return 1;
	}
	if (strncmp(source, "random:", 7))
		return 0;
	const char *arg = source + 7;
	char *copy, *lo_s, *hi_s;
	uint64_t seed;
	if (split_random(arg, &seed, &copy, &lo_s, &hi_s, err))
		return -1;
	double dlo = -1, dhi = 1;
	uint64_t lo = t == VY_I64 ? (uint64_t)-32768 : 0, hi = t == VY_I64 ? 32768 : 65536;
	if (lo_s) {
		uint64_t lb, hb;
		bool ok = !vy_parse_value64(lo_s, t, &lb) && !vy_parse_value64(hi_s, t, &hb);
		if (ok && t == VY_F64) {
			memcpy(&dlo, &lb, 8);
			memcpy(&dhi, &hb, 8);
			ok = dlo < dhi && isfinite(dlo) && isfinite(dhi);
		} else if (ok) {
			ok = t == VY_I64 ? (int64_t)lb < (int64_t)hb : lb < hb;
			lo = lb, hi = hb;
		}
		if (!ok) {
			*err = vy_strf("'random:%s': bounds '%s' and '%s' are not both "
				       "%s values with LO less than HI (the range is "
				       "[LO, HI)). Fix: write e.g. random:%s:0:100",
				       arg, lo_s, hi_s, vy_type_name(t), copy);
			free(copy);
			return -1;
		}
	}
	free(copy);
	uint64_t state = seed;
	for (uint32_t i = 0; i < count; i++) {
		uint64_t z = vy_splitmix64(&state);
		if (t == VY_F64) {
			double d = dlo + (dhi - dlo) * ((double)(z >> 11) * 0x1p-53);
			memcpy(&w[i], &d, 8);
		} else {
			w[i] = lo + z % (hi - lo);
		}
	}
	return 1;
}

/* 1 if source is a generator (and w was filled), 0 if it is not one, -1
 * on error. */
static int fill_generator(const char *source, enum vy_type t, void *w,
			  uint32_t count, char **err)
{
	if (vy_type_is64(t) && strcmp(source, "zeros"))
		return fill_generator64(source, t, w, count, err);
	if (!strcmp(source, "zeros")) {
		memset(w, 0, (size_t)count * vy_type_size(t));
		return 1;
	}
	if (!strcmp(source, "iota")) {
		fill_iota(t, w, count);
		return 1;
	}
	if (!strncmp(source, "const:", 6)) {
		uint32_t bits;
		if (parse_elem(source + 6, t, &bits)) {
			enum vy_type vt = data_vt(t);
			*err = vy_strf("'%s': '%s' is not a valid %s value. Fix: "
				       "write e.g. const:%s", source, source + 6,
				       vy_type_name(t), vt == VY_F32 ? "1.5" :
				       vt == VY_I32 ? "-3" : "7");
			return -1;
		}
		for (uint32_t i = 0; i < count; i++)
			put_elem(w, t, i, bits);
		return 1;
	}
	if (!strncmp(source, "random:", 7))
		return fill_random(source + 7, t, w, count, err) ? -1 : 1;
	return 0;
}

/* Whether source looks like a misspelt generator rather than a file. */
static bool looks_like_generator(const char *s)
{
	if (strchr(s, '/') || strchr(s, '.'))
		return false;
	FILE *f = fopen(s, "rb");
	if (f) {
		fclose(f);
		return false;
	}
	return true;
}

/* ---- reading files ---- */

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

struct src {
	const char *path;
	FILE *f;
};

static int src_open(struct src *s, const char *path, char **err)
{
	s->path = path;
	s->f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	if (!s->f) {
		*err = vy_strf("cannot open '%s': %s", path, strerror(errno));
		return -1;
	}
	/* unbuffered: a pipe or device gives up exactly the bytes read */
	setvbuf(s->f, NULL, _IONBF, 0);
	return 0;
}

static void src_close(struct src *s)
{
	if (s->f && s->f != stdin)
		fclose(s->f);
	s->f = NULL;
}

/* Read up to n bytes; how many were read, or -1 with *err on a read error. */
static int64_t src_read(struct src *s, void *p, size_t n, char **err)
{
	size_t got = 0, k;
	while (got < n && (k = fread((char *)p + got, 1, n - got, s->f)) > 0)
		got += k;
	if (got < n && ferror(s->f)) {
		*err = vy_strf("cannot read '%s': %s", s->path, strerror(errno));
		return -1;
	}
	return (int64_t)got;
}

static int bad_header(const char *path, const char *why, char **err)
{
	*err = vy_strf("'%s' has a malformed .npy header: %s. Fix: write it with "
		       "numpy.save", path, why);
	return -1;
}

/* The .npy preamble and header dict, checked against type t; *count is
 * the element count of its shape.  The stream is left at the data. */
static int npy_read_header(struct src *s, enum vy_type t, uint64_t *count,
			   char **err)
{
	const char *path = s->path;
	unsigned char b[12];
	int64_t got = src_read(s, b, 10, err);
	if (got < 0)
		return -1;
	if (got >= 6 && got < 10 && !memcmp(b, "\x93NUMPY", 6))
		return bad_header(path, "the file ends inside the preamble", err);
	if (got < 10 || memcmp(b, "\x93NUMPY", 6)) {
		*err = vy_strf("'%s' is not a .npy file (no \\x93NUMPY magic). "
			       "Fix: write it with numpy.save, or give it "
			       "another extension to read raw little-endian "
			       "elements", path);
		return -1;
	}
	int major = b[6], minor = b[7];
	size_t hlen;
	if ((major < 1 || major > 3) || minor != 0) {
		*err = vy_strf("'%s' has .npy format version %d.%d; vyrec reads "
			       "1.0, 2.0 and 3.0", path, major, minor);
		return -1;
	}
	if (major == 1) {
		hlen = b[8] | (size_t)b[9] << 8;
	} else {
		if ((got = src_read(s, b + 10, 2, err)) < 0)
			return -1;
		if (got < 2)
			return bad_header(path, "the file ends inside the header length", err);
		hlen = get32(b + 8);
	}
	if (hlen > NPY_MAX_HEADER)
		return bad_header(path, "the header is longer than 1 MiB", err);
	char *h = malloc(hlen + 1);
	if (!h)
		vy_oom("a .npy header", hlen + 1);
	if ((got = src_read(s, h, hlen, err)) < 0) {
		free(h);
		return -1;
	}
	if ((size_t)got < hlen) {
		free(h);
		return bad_header(path, "the file ends inside the header", err);
	}
	struct npy_hdr hd;
	char why[160];
	if (npy_header_parse(h, hlen, &hd, why, sizeof why)) {
		free(h);
		return bad_header(path, why, err);
	}
	const char *want = npy_descr(t);
	const char *d = hd.descr;
	int dn = (int)hd.descr_len;
	bool same = dn == 3 && !strncmp(d + 1, want + 1, 2);
	int rc = -1;
	if (same && *d == '>')
		*err = vy_strf("'%s' is big-endian ('%.*s'); vyrec reads "
			       "little-endian .npy files. Fix: save "
			       "a.astype('%s')", path, dn, d, want);
	else if (!same || (*d != '<' && *d != '|' && *d != '='))
		*err = vy_strf("'%s' has dtype '%.*s' but buffer has type %s "
			       "('%s'). Fix: save a.astype('%s')", path,
			       dn > 32 ? 32 : dn, d, vy_type_name(t), want, want);
	else if (hd.fortran)
		*err = vy_strf("'%s' is in Fortran order; vyrec reads C-order "
			       ".npy files. Fix: save numpy.ascontiguousarray(a)",
			       path);
	else {
		*count = hd.count;
		rc = 0;
	}
	free(h);
	return rc;
}

/* Read exactly n elements of data into dst (host words), refusing a
 * stream that ends early or has more: at most n * 4 + 1 bytes are read,
 * none from a regular file of the wrong size. */
static int read_exact(struct src *s, bool npy, uint64_t n, enum vy_type t,
		      void *dst, char **err)
{
	/* a regular file tells its size: a wrong one is refused unread, with
	 * the size it has */
	const uint64_t es = vy_type_size(t);
	struct stat st;
	long pos = ftell(s->f);
	int64_t got, more = 0;
	if (pos >= 0 && !fstat(fileno(s->f), &st) && S_ISREG(st.st_mode) &&
	    (uint64_t)st.st_size != (uint64_t)pos + n * es) {
		got = st.st_size > pos ? (int64_t)(st.st_size - pos) : 0;
	} else {
		if ((got = src_read(s, dst, (size_t)n * es, err)) < 0)
			return -1;
		unsigned char extra;
		more = (uint64_t)got == n * es ? src_read(s, &extra, 1, err) : 0;
		if (more < 0)
			return -1;
	}
	if ((uint64_t)got == n * es && !more) {
		elems_from_bytes(dst, t, (const unsigned char *)dst, (size_t)n);
		return 0;
	}
	if (npy && more)
		*err = vy_strf("'%s' is truncated or has trailing bytes: its "
			       "header says %" PRIu64 " elements (%" PRIu64
			       " bytes) but more bytes follow it", s->path, n,
			       n * es);
	else if (npy)
		*err = vy_strf("'%s' is truncated or has trailing bytes: its "
			       "header says %" PRIu64 " elements (%" PRIu64
			       " bytes) but %" PRId64 " bytes follow it", s->path,
			       n, n * es, got);
	else if (more)
		*err = vy_strf("'%s' holds more than the buffer's %" PRIu64
			       " elements (%" PRIu64 " bytes). Fix: give a file "
			       "of %" PRIu64 " elements or change the params "
			       "that size the buffer", s->path, n, n * es, n);
	else if (got % (int64_t)es)
		*err = vy_strf("'%s' has %" PRId64 " bytes, not a whole number "
			       "of %u-byte %s elements", s->path, got,
			       (unsigned)es, vy_type_name(t));
	else
		*err = vy_strf("'%s' holds %" PRId64 " elements but the buffer "
			       "has %" PRIu64 ". Fix: give a file of %" PRIu64
			       " elements or change the params that size the "
			       "buffer", s->path, got / (int64_t)es, n, n);
	return -1;
}

/* A vector buffer is read, written, generated and printed as its
 * components, flat (SPEC §10.10): count vectors of N are count * N
 * elements of the element type, component j of vector i at i * N + j. */
static enum vy_type flat(enum vy_type t, uint32_t *count)
{
	*count *= vy_type_lanes(t);
	return vy_type_elem(t);
}

int vy_data_fill(const char *source, enum vy_type t, void *dst,
		 uint32_t count, char **err)
{
	t = flat(t, &count);
	int g = fill_generator(source, t, dst, count, err);
	if (g)
		return g < 0 ? -1 : 0;
	if (looks_like_generator(source)) {
		*err = vy_strf("unknown data source '%s': not a file and not a "
			       "generator. Fix: name an existing .npy or raw "
			       "file, or one of the generators " GENERATORS,
			       source);
		return -1;
	}
	struct src s;
	if (src_open(&s, source, err))
		return -1;
	bool npy = has_ext(source, ".npy");
	uint64_t n = count;
	int rc = npy ? npy_read_header(&s, t, &n, err) : 0;
	if (!rc && n != count) {
		*err = vy_strf("'%s' holds %" PRIu64 " elements but the buffer "
			       "has %u. Fix: give a file of %u elements or "
			       "change the params that size the buffer",
			       source, n, count, count);
		rc = -1;
	}
	if (!rc)
		rc = read_exact(&s, npy, count, t, dst, err);
	src_close(&s);
	return rc;
}

/* A whole raw stream of unknown length, at most limit bytes. */
static int read_raw_any(struct src *s, enum vy_type t, void **dst,
			uint64_t *count, char **err)
{
	const unsigned es = vy_type_size(t);
	const uint64_t limit = (uint64_t)UINT32_MAX * es;
	size_t cap = 0, len = 0;
	unsigned char *b = NULL;
	for (;;) {
		if (len == cap) {
			if (cap >= limit) {
				*err = vy_strf("'%s' holds more than 2^32-1 "
					       "elements", s->path);
				free(b);
				return -1;
			}
			size_t ncap = cap ? 2 * cap : 65536;
			if (ncap > limit + 1)
				ncap = (size_t)limit + 1;
			unsigned char *q = realloc(b, ncap);
			if (!q) {
				char *what = vy_strf("reading '%s'", s->path);
				vy_oom(what, ncap);
			}
			b = q;
			cap = ncap;
		}
		int64_t got = src_read(s, b + len, cap - len, err);
		if (got < 0) {
			free(b);
			return -1;
		}
		len += (size_t)got;
		if (len < cap)
			break;
	}
	if (len > limit) {
		*err = vy_strf("'%s' holds more than 2^32-1 elements", s->path);
		free(b);
		return -1;
	}
	if (len % es) {
		*err = vy_strf("'%s' has %zu bytes, not a whole number of %u-byte "
			       "%s elements", s->path, len, es, vy_type_name(t));
		free(b);
		return -1;
	}
	if (!b && !(b = malloc(4)))
		vy_oom("an empty input", 4);
	elems_from_bytes(b, t, b, len / es);
	*dst = b;
	*count = len / es;
	return 0;
}

int vy_data_read_any(const char *path, enum vy_type t, void **dst,
		     uint32_t *count, char **err)
{
	if (vy_type_lanes(t) > 1) {
		unsigned nv = vy_type_lanes(t);
		if (vy_data_read_any(path, vy_type_elem(t), dst, count, err))
			return -1;
		if (*count % nv) {
			*err = vy_strf("'%s' holds %u %s elements, not a whole number "
				       "of %s vectors. Fix: give %u components per "
				       "vector, shape (n, %u) or n * %u flat", path,
				       *count, vy_type_name(vy_type_elem(t)),
				       vy_type_name(t), nv, nv, nv);
			free(*dst);
			*dst = NULL;
			return -1;
		}
		*count /= nv;
		return 0;
	}
	struct src s;
	if (src_open(&s, path, err))
		return -1;
	uint64_t n = 0;
	void *w = NULL;
	const uint64_t es = vy_type_size(t);
	int rc;
	if (has_ext(path, ".npy")) {
		rc = npy_read_header(&s, t, &n, err);
		/* a regular file must hold what its header says: refuse before
		 * allocating (a 128-byte file claiming 2^31 elements made this
		 * allocate 8 GiB; found by tests/fuzz/fuzz_npy) */
		struct stat st;
		long pos = rc ? -1 : ftell(s.f);
		if (pos >= 0 && !fstat(fileno(s.f), &st) && S_ISREG(st.st_mode) &&
		    (uint64_t)(st.st_size - pos) != n * es) {
			*err = vy_strf("'%s' is truncated or has trailing bytes: its "
				       "header says %" PRIu64 " elements (%" PRIu64
				       " bytes) but %" PRId64 " bytes follow it", path,
				       n, n * es, (int64_t)(st.st_size - pos));
			rc = -1;
		}
		if (!rc) {
			w = malloc(n ? (size_t)n * es : 4);
			if (!w) {
				char *what = vy_strf("the %" PRIu64 " elements of '%s'", n, path);
				vy_oom(what, (size_t)n * es);
			}
			rc = read_exact(&s, true, n, t, w, err);
		}
	} else
		rc = read_raw_any(&s, t, &w, &n, err);
	src_close(&s);
	if (rc) {
		free(w);
		return -1;
	}
	*dst = w;
	*count = (uint32_t)n;
	return 0;
}

/* The .npy 1.0 header for count elements, padded to a multiple of 64. */
static void npy_header(struct vy_buf *b, enum vy_type t, uint32_t count)
{
	char dict[128];
	unsigned nv = vy_type_lanes(t);
	int n = nv > 1 ?   /* a vector buffer: shape (n, N) */
		snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, "
			 "'shape': (%u, %u), }", npy_descr(vy_type_elem(t)), count, nv) :
		snprintf(dict, sizeof dict,
			 "{'descr': '%s', 'fortran_order': False, "
			 "'shape': (%u,), }", npy_descr(t), count);
	size_t total = 10 + (size_t)n + 1;
	size_t pad = (64 - total % 64) % 64;
	size_t hlen = (size_t)n + pad + 1;
	vy_buf_put(b, "\x93NUMPY\x01\x00", 8);
	unsigned char l[2] = { (unsigned char)hlen, (unsigned char)(hlen >> 8) };
	vy_buf_put(b, l, 2);
	vy_buf_put(b, dict, (size_t)n);
	for (size_t i = 0; i < pad; i++)
		vy_buf_put(b, " ", 1);
	vy_buf_put(b, "\n", 1);
}

void vy_data_encode(const char *path, enum vy_type t, const void *src,
		    uint32_t count, struct vy_buf *b)
{
	if (has_ext(path, ".npy"))
		npy_header(b, t, count);
	t = flat(t, &count);
	unsigned es = vy_type_size(t);
	if (vy_type_is64(t)) {   /* little-endian is host order */
		vy_buf_put(b, src, (size_t)count * 8);
		return;
	}
	for (uint32_t i = 0; i < count; i++) {
		uint32_t e = get_elem(src, t, i);
		unsigned char le[4] = { (unsigned char)e, (unsigned char)(e >> 8),
					(unsigned char)(e >> 16), (unsigned char)(e >> 24) };
		vy_buf_put(b, le, es);
	}
}

int vy_data_write(const char *path, enum vy_type t, const void *src,
		  uint32_t count, char **err)
{
	struct vy_buf b = {0};
	vy_data_encode(path, t, src, count, &b);
	int rc = vy_write_file(path, b.data ? (void *)b.data : (void *)"", b.len, err);
	vy_buf_free(&b);
	return rc;
}

/* One element as text; f32 with 9 significant digits so it round-trips,
 * every NaN as "nan". */
static void print_elem(FILE *f, enum vy_type st, uint32_t e)
{
	enum vy_type t = data_vt(st);
	uint32_t w = widen(st, e);
	if (t == VY_F32) {
		float x;
		memcpy(&x, &w, 4);
		if (isnan(x))
			fputs("nan", f);
		else if (isinf(x))
			fputs(x < 0 ? "-inf" : "inf", f);
		else
			fprintf(f, "%.9g", (double)x);
	} else if (t == VY_I32) {
		fprintf(f, "%" PRId32, (int32_t)w);
	} else {
		fprintf(f, "%" PRIu32, w);
	}
}

/* f64 with 17 significant digits (round-trips), u64 and i64 in decimal. */
static void print_elem64(FILE *f, enum vy_type t, uint64_t e)
{
	double x;
	memcpy(&x, &e, 8);
	if (t == VY_F64 && isnan(x))
		fputs("nan", f);
	else if (t == VY_F64 && isinf(x))
		fputs(x < 0 ? "-inf" : "inf", f);
	else if (t == VY_F64)
		fprintf(f, "%.17g", x);
	else if (t == VY_I64)
		fprintf(f, "%" PRId64, (int64_t)e);
	else
		fprintf(f, "%" PRIu64, e);
}

void vy_data_print(FILE *f, enum vy_type t, const void *src, uint32_t count)
{
	t = flat(t, &count);
	if (vy_type_is64(t)) {
		for (uint32_t i = 0; i < count; i++) {
			uint64_t e;
			memcpy(&e, (const char *)src + (size_t)i * 8, 8);
			if (i)
				fputc(' ', f);
			print_elem64(f, t, e);
		}
		fputc('\n', f);
		return;
	}
	for (uint32_t i = 0; i < count; i++) {
		if (i)
			fputc(' ', f);
		print_elem(f, t, get_elem(src, t, i));
	}
	fputc('\n', f);
}
