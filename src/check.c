/*
 * check.c: the one definition of "these outputs are right" that
 * `vyrec verify` and the launcher self-tests share: the tolerance, the
 * comparison, the seeded inputs (random:(SEED + binding), the same
 * generator the launchers' runtimes reimplement) and the reference run
 * that makes the expected outputs.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

struct vy_tol vy_check_tolerance(const struct vy_program *p)
{
	struct vy_tol t;
	vy_program_tolerance(p, &t.ulp, &t.abs);
	return t;
}

/* ---- comparison ---- */

/* f32 bits on a line where adjacent floats differ by one. */
static int64_t ordered(float f)
{
	uint32_t w;
	memcpy(&w, &f, 4);
	int64_t mag = w & 0x7FFFFFFF;
	return w >> 31 ? -mag : mag;
}

static void put_val(struct vy_buf *b, enum vy_type t, uint32_t w)
{
	char *s;
	size_t n;
	FILE *f = open_memstream(&s, &n);
	if (!f)
		vy_oom("a mismatch report", 0);
	vy_data_print(f, t, &w, 1);
	fclose(f);
	vy_buf_put(b, s, n - 1);
	free(s);
}

static void note_mismatch(struct vy_verdict *v, const struct vy_bufdecl *d,
			  uint32_t i, uint32_t got, uint32_t exp, int64_t ulp,
			  struct vy_tol t)
{
	if (v->mismatches++)
		return;
	struct vy_buf b = {0};
	unsigned nv = vy_type_lanes(d->type);   /* a vector: i is flat */
	if (nv > 1)
		vy_buf_printf(&b, "buffer %s[%u].%c: got ", d->name, i / nv, "xyzw"[i % nv]);
	else
		vy_buf_printf(&b, "buffer %s[%u]: got ", d->name, i);
	put_val(&b, vy_type_elem(d->type), got);
	vy_buf_puts(&b, " expected ");
	put_val(&b, vy_type_elem(d->type), exp);
	if (vy_type_elem(d->type) == VY_F32)
		vy_buf_printf(&b, " (%lld ulp > %g)", (long long)ulp, t.ulp);
	v->first = vy_buf_cstr(&b);
	vy_buf_free(&b);
}

static void compare_f32(struct vy_verdict *v, const struct vy_bufdecl *d,
			const uint32_t *g, const uint32_t *e, uint32_t n,
			struct vy_tol t)
{
	for (uint32_t i = 0; i < n; i++) {
		float fg, fe;
		memcpy(&fg, &g[i], 4);
		memcpy(&fe, &e[i], 4);
		if (g[i] == e[i] || (isnan(fg) && isnan(fe)) ||
		    (fabsf(fg) < FLT_MIN && fabsf(fe) < FLT_MIN))
			continue;
		int64_t ulp = llabs(ordered(fg) - ordered(fe));
		bool ok = !isnan(fg) && !isnan(fe) &&
			  (ulp <= t.ulp || fabs((double)fg - fe) <= t.abs);
		if (ok && ulp > v->max_ulp && !isinf(fg) && !isinf(fe))
			v->max_ulp = (double)ulp;
		if (!ok)
			note_mismatch(v, d, i, g[i], e[i], ulp, t);
	}
}

/* Storage-type elements (1 or 2 bytes): exact; bf16 NaNs match any NaN,
 * and where the program's f32 tolerance is not 0 a bf16 may be 1 bf16 ulp
 * off (a value within its f32 bound can round either way); f16 (F16S,
 * src/lower_f16.c) the same in f16 ulp. */
static void compare_narrow(struct vy_verdict *v, const struct vy_bufdecl *d,
			   const void *g, const void *e, uint32_t n, struct vy_tol t)
{
	enum vy_type et = vy_type_elem(d->type);   /* f16xN: per component */
	unsigned es = vy_type_size(et);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t a = es == 1 ? ((const uint8_t *)g)[i] : ((const uint16_t *)g)[i];
		uint32_t b = es == 1 ? ((const uint8_t *)e)[i] : ((const uint16_t *)e)[i];
		if (a == b)
			continue;
		if (et == VY_BF16 || et == VY_F16S) {   /* f16: the same rule */
			uint32_t inf = et == VY_BF16 ? 0x7f80 : 0x7c00;
			int64_t oa = a & 0x8000 ? -(int64_t)(a & 0x7fff) : a;
			int64_t ob = b & 0x8000 ? -(int64_t)(b & 0x7fff) : b;
			bool na = (a & 0x7fff) > inf, nb = (b & 0x7fff) > inf;
			if ((na && nb) || (!na && !nb && t.ulp > 0 && llabs(oa - ob) <= 1))
				continue;
		}
		note_mismatch(v, d, i, a, b, 0, t);
	}
}

/* f64 u64 i64 (SPEC §10.1): integers exact; f64 within the program
 * tolerance in f64 ulp (or abs), NaN matching any NaN, subnormals zero. */
static void compare_wide(struct vy_verdict *v, const struct vy_bufdecl *d,
			 const void *g, const void *e, uint32_t n, struct vy_tol t)
{
	for (uint32_t i = 0; i < n; i++) {
		uint64_t a, b;
		memcpy(&a, (const char *)g + (size_t)i * 8, 8);
		memcpy(&b, (const char *)e + (size_t)i * 8, 8);
		if (a == b)
			continue;
		int64_t ulp = 0;
		if (d->type == VY_F64) {
			double x, y;
			memcpy(&x, &a, 8);
			memcpy(&y, &b, 8);
			if ((isnan(x) && isnan(y)) || (fabs(x) < DBL_MIN && fabs(y) < DBL_MIN))
				continue;
			int64_t ox = a >> 63 ? -(int64_t)(a & ~(1ull << 63)) : (int64_t)a;
			int64_t oy = b >> 63 ? -(int64_t)(b & ~(1ull << 63)) : (int64_t)b;
			ulp = (ox > oy ? ox - oy : oy - ox);
			if (ulp < 0)
				ulp = INT64_MAX;
			bool ok = !isnan(x) && !isnan(y) && (ulp <= t.ulp || fabs(x - y) <= t.abs);
			if (ok && ulp > v->max_ulp && !isinf(x) && !isinf(y))
				v->max_ulp = (double)ulp;
			if (ok)
				continue;
		}
		if (v->mismatches++)
			continue;
		struct vy_buf m = {0};
		char *s;
		size_t len;
		FILE *f = open_memstream(&s, &len);
		if (!f)
			vy_oom("a mismatch report", 0);
		vy_data_print(f, d->type, &a, 1);
		fputs(" expected ", f);
		vy_data_print(f, d->type, &b, 1);
		fclose(f);
		for (size_t k = 0; k < len; k++)
			if (s[k] == '\n')
				s[k] = ' ';
		vy_buf_printf(&m, "buffer %s[%u]: got %.*s", d->name, i, (int)len - 1, s);
		if (d->type == VY_F64)
			vy_buf_printf(&m, " (%lld ulp > %g)", (long long)ulp, t.ulp);
		free(s);
		v->first = vy_buf_cstr(&m);
		vy_buf_free(&m);
	}
}

struct vy_verdict vy_check_compare(const struct vy_program *p,
				   const struct vy_launch *l, void *const *got,
				   void *const *exp, struct vy_tol t)
{
	struct vy_verdict v = {0};
	for (int b = 0; b < p->nbuffers; b++) {
		const struct vy_bufdecl *d = &p->buffers[b];
		if (d->access == VY_READ_ONLY)
			continue;
		v.buffers++;
		v.elements += l->counts[b];
		const uint32_t *g = got[b], *e = exp[b];
		if (vy_type_is64(d->type)) {
			compare_wide(&v, d, g, e, l->counts[b], t);
			continue;
		}
		if (vy_type_lanes(d->type) > 1) {   /* per component */
			uint32_t n = l->counts[b] * vy_type_lanes(d->type);
			if (vy_type_elem(d->type) == VY_F32)
				compare_f32(&v, d, g, e, n, t);
			else if (vy_type_elem(d->type) == VY_F16S)   /* f16xN: 2-byte parts */
				compare_narrow(&v, d, g, e, n, t);
			else
				for (uint32_t i = 0; i < n; i++)
					if (g[i] != e[i])
						note_mismatch(&v, d, i, g[i], e[i], 0, t);
			continue;
		}
		if (vy_type_size(d->type) != 4) {
			compare_narrow(&v, d, g, e, l->counts[b], t);
			continue;
		}
		if (d->type == VY_F32) {
			compare_f32(&v, d, g, e, l->counts[b], t);
			continue;
		}
		for (uint32_t i = 0; i < l->counts[b]; i++)
			if (g[i] != e[i])
				note_mismatch(&v, d, i, g[i], e[i], 0, t);
	}
	return v;
}

void vy_verdict_free(struct vy_verdict *v)
{
	free(v->first);
	v->first = NULL;
}

/* ---- seeded inputs and the reference run ---- */

int vy_check_seed(const struct vy_program *p, const struct vy_launch *l,
		  uint64_t seed, void *const *bufs, char **err)
{
	for (int b = 0; b < p->nbuffers; b++) {
		if (p->buffers[b].access == VY_WRITE_ONLY)
			continue;
		char src[48];
		snprintf(src, sizeof src, "random:%llu", (unsigned long long)
			 (seed + (uint64_t)p->buffers[b].binding));
		if (vy_data_fill(src, p->buffers[b].type, bufs[b], l->counts[b],
				 err))
			return -1;
	}
	return 0;
}

int vy_check_reference(const struct vy_program *p, const struct vy_launch *l,
		       void **bufs, int device, char **err)
{
	return vy_check_reference_at(p, l, bufs, device, 0, err);
}

int vy_check_reference_at(const struct vy_program *p, const struct vy_launch *l,
			  void **bufs, int device, uint32_t sgsize, char **err)
{
	struct vy_backend *ref = vy_backend_acquire("reference", device, err);
	if (!ref)
		return VY_CHECK_NO_REFERENCE;
	struct vy_run r = { .prog = p, .launch = *l, .bufs = bufs,
			    .device = device, .subgroup_size = sgsize };
	int rc = vy_dispatch_pipeline(ref, &r, err) ? VY_CHECK_DISPATCH : VY_CHECK_OK;
	vy_backend_release(ref);
	return rc;
}
