/*
 * data.c: buffer contents from files and generators, and back (SPEC §7).
 *
 * A SOURCE is a generator (zeros, iota, const:V, random:SEED[:LO:HI]) or a
 * file: `.npy` (format 1.0, 2.0 or 3.0, little-endian, C order, dtype
 * `<u4`, `<i4` or `<f4` matching the buffer) or, for any other extension,
 * raw little-endian 32-bit elements.  Every element is 4 bytes, so a
 * buffer is count words; the host byte order is never assumed: words are
 * assembled from bytes.  Output files are written atomically through
 * vy_write_file.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "vyrec.h"

#define GENERATORS "zeros, iota, const:V, random:SEED[:LO:HI]"
/* A data file holds at most UINT32_MAX elements plus a header. */
#define DATA_LIMIT ((size_t)UINT32_MAX * 4 + 65536)

uint64_t vy_splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static const char *npy_descr(enum vy_type t)
{
	return t == VY_F32 ? "<f4" : t == VY_I32 ? "<i4" : "<u4";
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

static void words_from_bytes(uint32_t *dst, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = get32(p + 4 * i);
}

/* ---- parsing values of a type ---- */

/* Parse s as a value of type t into its bits: u32/i32 decimal or 0x hex,
 * f32 anything strtod takes (nan, inf). */
static int parse_bits(const char *s, enum vy_type t, uint32_t *bits)
{
	char *end;
	errno = 0;
	if (!*s)
		return -1;
	if (t == VY_F32) {
		double d = strtod(s, &end);
		if (*end)
			return -1;
		float f = (float)d;
		memcpy(bits, &f, 4);
		return 0;
	}
	if (t == VY_I32) {
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

/* ---- generators ---- */

static void fill_iota(enum vy_type t, uint32_t *w, uint32_t count)
{
	for (uint32_t i = 0; i < count; i++) {
		if (t == VY_F32) {
			float f = (float)i;
			memcpy(&w[i], &f, 4);
		} else {
			w[i] = i;
		}
	}
}

/* random:SEED[:LO:HI]; arg points after "random:". */
static int fill_random(const char *arg, enum vy_type t, uint32_t *w,
		       uint32_t count, char **err)
{
	char *copy = vy_strf("%s", arg);
	char *lo_s = strchr(copy, ':'), *hi_s = NULL, *end;
	if (lo_s) {
		*lo_s++ = 0;
		hi_s = strchr(lo_s, ':');
		if (hi_s)
			*hi_s++ = 0;
	}
	errno = 0;
	uint64_t seed = strtoull(copy, &end, 0);
	if (!*copy || *end || errno || *copy == '-' || (lo_s && (!hi_s || strchr(hi_s, ':')))) {
		*err = vy_strf("'random:%s' is not of the form random:SEED or "
			       "random:SEED:LO:HI. Fix: give a non-negative "
			       "integer seed, e.g. random:42 or random:42:0:100", arg);
		free(copy);
		return -1;
	}
	double lo = t == VY_F32 ? -1 : t == VY_I32 ? -32768 : 0;
	double hi = t == VY_F32 ? 1 : t == VY_I32 ? 32768 : 65536;
	if (lo_s) {
		uint32_t lb, hb;
		if (parse_bits(lo_s, t, &lb) || parse_bits(hi_s, t, &hb)) {
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
		if (t == VY_F32) {
			double u = (double)(z >> 40) * 0x1p-24;
			float f = (float)(lo + (hi - lo) * u);
			memcpy(&w[i], &f, 4);
		} else {
			uint64_t span = (uint64_t)((int64_t)hi - (int64_t)lo);
			int64_t v = (int64_t)lo + (int64_t)((z >> 32) % span);
			w[i] = (uint32_t)v;
		}
	}
	return 0;
}

/* 1 if source is a generator (and w was filled), 0 if it is not one, -1
 * on error. */
static int fill_generator(const char *source, enum vy_type t, uint32_t *w,
			  uint32_t count, char **err)
{
	if (!strcmp(source, "zeros")) {
		memset(w, 0, (size_t)count * 4);
		return 1;
	}
	if (!strcmp(source, "iota")) {
		fill_iota(t, w, count);
		return 1;
	}
	if (!strncmp(source, "const:", 6)) {
		uint32_t bits;
		if (parse_bits(source + 6, t, &bits)) {
			*err = vy_strf("'%s': '%s' is not a valid %s value. Fix: "
				       "write e.g. const:%s", source, source + 6,
				       vy_type_name(t), t == VY_F32 ? "1.5" :
				       t == VY_I32 ? "-3" : "7");
			return -1;
		}
		for (uint32_t i = 0; i < count; i++)
			w[i] = bits;
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

/* ---- .npy ---- */

/* The value text of 'key' in a numpy header dict, or NULL. */
static const char *npy_key(const char *h, const char *key)
{
	char pat[32];
	snprintf(pat, sizeof pat, "'%s'", key);
	const char *p = strstr(h, pat);
	if (!p) {
		snprintf(pat, sizeof pat, "\"%s\"", key);
		p = strstr(h, pat);
	}
	if (!p)
		return NULL;
	p += strlen(pat);
	while (*p == ' ')
		p++;
	if (*p++ != ':')
		return NULL;
	while (*p == ' ')
		p++;
	return p;
}

/* Parse "(3, 4)" / "(5,)" / "()" into the element count. */
static int npy_shape(const char *p, uint64_t *n)
{
	if (*p++ != '(')
		return -1;
	*n = 1;
	for (;;) {
		while (*p == ' ' || *p == ',')
			p++;
		if (*p == ')')
			return 0;
		char *end;
		errno = 0;
		unsigned long long d = strtoull(p, &end, 10);
		if (end == p || errno || *p == '-')
			return -1;
		*n *= d;
		if (*n > UINT32_MAX && d)
			return -2;
		p = end;
		if (*p != ',' && *p != ')' && *p != ' ')
			return -1;
	}
}

/* Validate a .npy image; on success *data and *count give its elements. */
static int npy_parse(const char *path, const unsigned char *b, size_t len,
		     enum vy_type t, const unsigned char **data,
		     uint64_t *count, char **err)
{
	if (len < 10 || memcmp(b, "\x93NUMPY", 6)) {
		*err = vy_strf("'%s' is not a .npy file (no \\x93NUMPY magic). "
			       "Fix: write it with numpy.save, or give it "
			       "another extension to read raw little-endian "
			       "elements", path);
		return -1;
	}
	int major = b[6];
	size_t hlen, hstart;
	if (major == 1) {
		hlen = b[8] | (size_t)b[9] << 8;
		hstart = 10;
	} else if (major == 2 || major == 3) {
		if (len < 12)
			goto bad_header;
		hlen = get32(b + 8);
		hstart = 12;
	} else {
		*err = vy_strf("'%s' has .npy format version %d.%d; vyrec reads "
			       "1.0, 2.0 and 3.0", path, major, b[7]);
		return -1;
	}
	if (hstart + hlen > len)
		goto bad_header;
	char *h = vy_strf("%.*s", (int)hlen, (const char *)b + hstart);
	if (strlen(h) != hlen) {
		free(h);
		goto bad_header;
	}
	const char *descr = npy_key(h, "descr");
	const char *fortran = npy_key(h, "fortran_order");
	const char *shape = npy_key(h, "shape");
	if (!descr || !fortran || !shape || (*descr != '\'' && *descr != '"')) {
		free(h);
		goto bad_header;
	}
	char q = *descr++;
	const char *dend = strchr(descr, q);
	if (!dend) {
		free(h);
		goto bad_header;
	}
	int dn = (int)(dend - descr);
	const char *want = npy_descr(t);
	bool same = dn == 3 && !strncmp(descr + 1, want + 1, 2);
	if (same && (*descr == '>')) {
		*err = vy_strf("'%s' is big-endian ('%.*s'); vyrec reads "
			       "little-endian .npy files. Fix: save "
			       "a.astype('%s')", path, dn, descr, want);
		free(h);
		return -1;
	}
	if (!same || (*descr != '<' && *descr != '|' && *descr != '=')) {
		*err = vy_strf("'%s' has dtype '%.*s' but buffer has type %s "
			       "('%s'). Fix: save a.astype('%s')", path, dn,
			       descr, vy_type_name(t), want, want);
		free(h);
		return -1;
	}
	if (!strncmp(fortran, "True", 4)) {
		*err = vy_strf("'%s' is in Fortran order; vyrec reads C-order "
			       ".npy files. Fix: save numpy.ascontiguousarray(a)",
			       path);
		free(h);
		return -1;
	}
	int rc = npy_shape(shape, count);
	bool c_order = !strncmp(fortran, "False", 5);
	free(h);
	if (rc == -2) {
		*err = vy_strf("'%s' holds more than 2^32-1 elements", path);
		return -1;
	}
	if (rc || !c_order)
		goto bad_header;
	size_t off = hstart + hlen;
	if (len - off != *count * 4) {
		*err = vy_strf("'%s' is truncated or has trailing bytes: its "
			       "header says %" PRIu64 " elements (%" PRIu64
			       " bytes) but %zu bytes follow it", path, *count,
			       *count * 4, len - off);
		return -1;
	}
	*data = b + off;
	return 0;
bad_header:
	*err = vy_strf("'%s' has a malformed .npy header. Fix: write it with "
		       "numpy.save", path);
	return -1;
}

/* Read a data file's elements (checked against t). */
static int read_elems(const char *path, enum vy_type t,
		      unsigned char **image, const unsigned char **data,
		      uint64_t *count, char **err)
{
	size_t len;
	char *b = vy_read_file(path, &len, DATA_LIMIT, err);
	if (!b)
		return -1;
	*image = (unsigned char *)b;
	if (has_ext(path, ".npy")) {
		if (npy_parse(path, *image, len, t, data, count, err))
			goto fail;
		return 0;
	}
	if (len % 4) {
		*err = vy_strf("'%s' has %zu bytes, not a whole number of 4-byte "
			       "%s elements", path, len, vy_type_name(t));
		goto fail;
	}
	*data = *image;
	*count = len / 4;
	return 0;
fail:
	free(b);
	*image = NULL;
	return -1;
}

int vy_data_fill(const char *source, enum vy_type t, void *dst,
		 uint32_t count, char **err)
{
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
	unsigned char *image;
	const unsigned char *data;
	uint64_t n;
	if (read_elems(source, t, &image, &data, &n, err))
		return -1;
	if (n != count) {
		*err = vy_strf("'%s' holds %" PRIu64 " elements but the buffer "
			       "has %u. Fix: give a file of %u elements or "
			       "change the params that size the buffer",
			       source, n, count, count);
		free(image);
		return -1;
	}
	words_from_bytes(dst, data, count);
	free(image);
	return 0;
}

int vy_data_read_any(const char *path, enum vy_type t, void **dst,
		     uint32_t *count, char **err)
{
	unsigned char *image;
	const unsigned char *data;
	uint64_t n;
	if (read_elems(path, t, &image, &data, &n, err))
		return -1;
	if (n > UINT32_MAX) {
		*err = vy_strf("'%s' holds more than 2^32-1 elements", path);
		free(image);
		return -1;
	}
	uint32_t *w = malloc(n ? n * 4 : 4);
	if (!w)
		vy_bug("out of memory");
	words_from_bytes(w, data, n);
	free(image);
	*dst = w;
	*count = (uint32_t)n;
	return 0;
}

/* The .npy 1.0 header for count elements, padded to a multiple of 64. */
static void npy_header(struct vy_buf *b, enum vy_type t, uint32_t count)
{
	char dict[128];
	int n = snprintf(dict, sizeof dict,
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
	const uint32_t *w = src;
	for (uint32_t i = 0; i < count; i++)
		vy_buf_u32(b, w[i]);
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
static void print_elem(FILE *f, enum vy_type t, uint32_t w)
{
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

void vy_data_print(FILE *f, enum vy_type t, const void *src, uint32_t count)
{
	const uint32_t *w = src;
	for (uint32_t i = 0; i < count; i++) {
		if (i)
			fputc(' ', f);
		print_elem(f, t, w[i]);
	}
	fputc('\n', f);
}
