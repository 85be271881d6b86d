/*
 * check.h: what `vyrec verify` and the launchers' self-tests share, so
 * they cannot disagree: the tolerance floats are compared within, the
 * comparison itself, the seeded inputs and the reference run that makes
 * the expected outputs (private to libvyrec; src/check.c).
 */
#ifndef VY_CHECK_H
#define VY_CHECK_H

#include "vyrec.h"

/* The default seed of verify's --seed and of every self-test. */
#define VY_CHECK_SEED 1

struct vy_tol { double ulp, abs; };

/* The f32 tolerance p's outputs are compared within: the program's
 * `tolerance`, else the largest bound of the f32 ops it uses; with
 * --fast-math at least the ops' fast bounds (vy_program_tolerance). */
struct vy_tol vy_check_tolerance(const struct vy_program *p);

/* The outcome of comparing every writable buffer. */
struct vy_verdict {
	int buffers;
	uint64_t elements, mismatches;
	double max_ulp;       /* largest accepted f32 difference (finite) */
	char *first;          /* the first mismatch, described; malloc'd */
};

/* Compare got with exp (per buffer, l->counts elements): integers and
 * bools exactly, f32 within t (ulp or abs), NaN matches NaN, values
 * below FLT_MIN match each other (spv may flush denormals). */
struct vy_verdict vy_check_compare(const struct vy_program *p,
				   const struct vy_launch *l, void *const *got,
				   void *const *exp, struct vy_tol t);
void vy_verdict_free(struct vy_verdict *v);

/* Seed every buffer p reads (read_only, read_write) with
 * random:(seed + binding); bufs[i] holds l->counts[i] elements; write_only
 * buffers are left as they are.  0, or -1 with *err. */
int vy_check_seed(const struct vy_program *p, const struct vy_launch *l,
		  uint64_t seed, void *const *bufs, char **err);

enum { VY_CHECK_OK = 0, VY_CHECK_NO_REFERENCE, VY_CHECK_DISPATCH };
/* The reference run: p dispatched on the reference backend over bufs, in
 * place (the outputs become the expected ones).  VY_CHECK_OK, or
 * VY_CHECK_NO_REFERENCE / VY_CHECK_DISPATCH with *err. */
int vy_check_reference(const struct vy_program *p, const struct vy_launch *l,
		       void **bufs, int device, char **err);
/* The same at subgroup size sgsize (SPEC §10.4; 0: the default). */
int vy_check_reference_at(const struct vy_program *p, const struct vy_launch *l,
			  void **bufs, int device, uint32_t sgsize, char **err);

#endif
