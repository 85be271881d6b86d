/* test_check.c: check.c, the comparison, tolerance, seeding and reference
 * run that `vyrec verify` and the launcher self-tests share.  Prints PASS/FAIL
 * lines; run by tests/t_diags.sh. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

static int fails;
static void expect(const char *name, bool ok)
{
	printf("%s %s\n", ok ? "PASS" : "FAIL", name);
	fails += !ok;
}

static uint32_t fbits(float f) { uint32_t w; memcpy(&w, &f, 4); return w; }

int main(void)
{
	struct vy_compilation c;
	struct vy_compile_opts o = { .opt_level = 1 };
	if (!vy_compile(&c, "samples/saxpy.yaml", &o)) {
		vy_diags_print(&c.diags, stderr, VY_DIAG_TEXT, false);
		return 1;
	}
	const struct vy_program *p = c.prog;   /* x read_only, y read_write */
	struct vy_launch l = {0};
	float a = 2;
	memcpy(&l.params[0], &a, 4);
	l.params[1] = 4;
	char *err = NULL;
	expect("check_launch", !vy_launch_eval(p, &l, &err));

	/* tolerance: the program's, as vy_program_tolerance says */
	double u, ab;
	vy_program_tolerance(p, &u, &ab);
	struct vy_tol t = vy_check_tolerance(p);
	expect("check_tolerance", t.ulp == u && t.abs == ab);

	/* seeding: random:(seed + binding), write_only left alone */
	uint32_t x[4], y[4], want[4];
	void *bufs[2] = { x, y };
	expect("check_seed_ok", !vy_check_seed(p, &l, 7, bufs, &err));
	vy_data_fill("random:7", VY_F32, want, 4, &err);
	expect("check_seed_x", !memcmp(x, want, sizeof x));
	vy_data_fill("random:8", VY_F32, want, 4, &err);
	expect("check_seed_y", !memcmp(y, want, sizeof y));

	/* the reference run: y = fma(a, x, y) in place */
	float fx[4], fy[4];
	memcpy(fx, x, sizeof fx);
	memcpy(fy, y, sizeof fy);
	expect("check_reference_ok", vy_check_reference(p, &l, bufs, -1, &err) == VY_CHECK_OK);
	bool same = true;
	for (int i = 0; i < 4; i++)
		same &= fbits(fmaf(a, fx[i], fy[i])) == y[i];
	expect("check_reference_values", same);

	/* comparison rules */
	uint32_t g[4], e[4];
	void *got[2] = { x, g }, *exp[2] = { x, e };
	struct vy_tol zero = { 0, 0 }, one = { 1, 0 }, absol = { 0, 0.5 };
	e[0] = fbits(1.0f); g[0] = fbits(1.0f);
	e[1] = fbits(NAN); g[1] = fbits(-NAN);
	e[2] = fbits(1e-40f); g[2] = fbits(0.0f);        /* flushed denormal */
	e[3] = fbits(3.0f); g[3] = fbits(3.0f);
	struct vy_verdict v = vy_check_compare(p, &l, got, exp, zero);
	expect("check_compare_equal", !v.mismatches && v.buffers == 1 && v.elements == 4);
	vy_verdict_free(&v);
	g[3] = e[3] + 1;                                   /* one ulp off */
	v = vy_check_compare(p, &l, got, exp, zero);
	expect("check_compare_ulp_mismatch", v.mismatches == 1 && v.first &&
	       !strcmp(v.first, "buffer y[3]: got 3.00000024 expected 3 (1 ulp > 0)"));
	if (v.first && v.mismatches == 1 && strcmp(v.first, "buffer y[3]: got 3.00000024 expected 3 (1 ulp > 0)"))
		printf("  first: %s\n", v.first);
	vy_verdict_free(&v);
	v = vy_check_compare(p, &l, got, exp, one);
	expect("check_compare_within_ulp", !v.mismatches && v.max_ulp == 1);
	vy_verdict_free(&v);
	v = vy_check_compare(p, &l, got, exp, absol);
	expect("check_compare_within_abs", !v.mismatches);
	vy_verdict_free(&v);
	g[1] = fbits(1.0f);                                /* NaN expected */
	v = vy_check_compare(p, &l, got, exp, (struct vy_tol){ 1e9, 1e9 });
	expect("check_compare_nan", v.mismatches == 1);
	vy_verdict_free(&v);
	vy_compilation_free(&c);
	return fails != 0;
}
