/*
 * cmd_verify.c: `vyrec verify` (SPEC §6): run a program with seeded inputs
 * on the reference backend and on other backends, and compare every
 * writable buffer: integers exactly, f32 within the program's `tolerance`
 * or else the largest (ulp, abs) bound of the f32 ops it uses.  NaN
 * matches NaN; values below FLT_MIN match each other (spv may flush
 * denormals).
 *
 * Params not given default as for self-tests (vy_default_params); input
 * buffers (read_only, read_write) are seeded with random:(SEED + binding).
 * Backends: --backends LIST, or every registered backend but the reference
 * that initialises here (one that does not prints "SKIP id: error").
 * `reference` in LIST runs the oracle again (a determinism check) and
 * prints its line, but is not a comparison with another backend.
 * Exit codes (SPEC §10.9): when no backend besides the reference ran,
 * "nothing was compared" with a Fix on stderr and exit 3, whether the
 * backends came from LIST or the default; a listed backend that fails
 * to initialise, or any dispatch failure, exits 3; any mismatch exits 4.
 * With --fast-math the backends run the native lowerings and floats are
 * compared within the ops' fast-math bounds (vy_program_tolerance).
 */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_run.h"
#include "check.h"
#include "launch.h"

#define MAXOPT 64

struct verify_opts {
	const char *prog, *backends;
	struct vy_cli_compile c;      /* PROG.yaml, --dialect, -O, diagnostics */
	const char *params[MAXOPT];
	int nparams, device;
	uint64_t seed;
};

/* Every id in --backends LIST must be a registered backend, as the
 * default walks the registered ones: 0, or -1 after a usage error. */
static int check_list(const char *list)
{
	if (!list)
		return 0;
	char ids[256] = "";
	for (int i = 0; i < vy_backend_count(); i++)
		snprintf(ids + strlen(ids), sizeof ids - strlen(ids), "%s%s",
			 i ? ", " : "", vy_backend_at(i)->id);
	const char *p = list;
	bool seen[64] = { false };
	if (!*p) {
		vy_usage_error("verify", "--backends is empty; name one or more of %s", ids);
		return -1;
	}
	while (*p) {
		size_t n = strcspn(p, ",");
		int i = 0;
		while (i < vy_backend_count() && (strlen(vy_backend_at(i)->id) != n ||
						 strncmp(vy_backend_at(i)->id, p, n)))
			i++;
		if (i == vy_backend_count()) {
			const char *all[64];
			char word[64];
			int k = 0;
			for (; k < vy_backend_count() && k < 64; k++)
				all[k] = vy_backend_at(k)->id;
			snprintf(word, sizeof word, "%.*s", (int)n, p);
			vy_usage_error("verify", "unknown backend '%.*s' in --backends; "
				       "the registered backends are %s%s", (int)n, p, ids,
				       vy_did_you_mean(word, all, k));
			return -1;
		}
		if (i < 64 && seen[i]) {
			vy_usage_error("verify", "backend '%.*s' is listed twice in --backends",
				       (int)n, p);
			return -1;
		}
		if (i < 64)
			seen[i] = true;
		p += n + (p[n] == ',');
	}
	return 0;
}

static int parse_seed(struct verify_opts *o, const char *v)
{
	char *end;
	errno = 0;
	o->seed = strtoull(v, &end, 0);
	if (!*v || *v == '-' || *end || errno) {
		vy_usage_error("verify", "'--seed %s' is not a non-negative integer", v);
		return -1;
	}
	return 0;
}

/* One option (id, value v) of the table (options.c); 0, or -1 after a
 * usage error. */
static int take(struct verify_opts *o, int id, const char *v)
{
	switch (id) {
	case VY_O_PARAM:
		if (o->nparams >= MAXOPT) {
			vy_usage_error("verify", "too many --param options");
			return -1;
		}
		o->params[o->nparams++] = v;
		return 0;
	case VY_O_BACKENDS: o->backends = v; return 0;
	case VY_O_DEVICE: return vy_run_device("verify", v, &o->device) ? -1 : 0;
	case VY_O_SEED: return parse_seed(o, v);
	}
	if (id != VY_O_ARG)   /* a row of the table without its case */
		vy_bug("option %d of the table is not handled", id);
	if (o->c.prog) {
		vy_usage_error("verify", "more than one program");
		return -1;
	}
	o->c.prog = v;
	return 0;
}

static int parse_opts(int argc, char **argv, struct verify_opts *o)
{
	memset(o, 0, sizeof *o);
	o->device = -1;
	o->c.opt_level = 1;
	o->seed = VY_CHECK_SEED;
	for (int i = 1; i < argc;) {
		const char *v;
		int id = vy_opt_next("verify", argc, argv, &i, &v);
		int r = id == VY_O_BAD ? -1 : vy_cli_compile_opt(&o->c, "verify", id, v);
		if (r < 0 || (!r && take(o, id, v)))
			return -1;
	}
	if (!o->c.prog) {
		vy_usage_error("verify", "no program given");
		return -1;
	}
	return check_list(o->backends);
}

/* ---- tolerance, comparison, seeding and the reference run: check.c,
 * shared with the launchers' self-tests ---- */

/* ---- running ---- */

struct setup {
	struct vy_program *p;
	struct vy_launch l;
	struct vy_host inputs, expected;
	struct vy_tol tol;
	int device;
};

static int dispatch(struct vy_backend *be, struct setup *s,
		    struct vy_host *out)
{
	vy_host_copy(out, &s->inputs, s->p, &s->l);
	struct vy_run r = { s->p, s->l, out->bufs, s->device, false, NULL };
	char *err = NULL;
	if (vy_dispatch_pipeline(be, &r, &err)) {
		printf("%s: FAIL dispatch: %s\n", be->id,
		       err ? err : "dispatch failed");
		free(err);
		return -1;
	}
	return 0;
}

/* Run one backend and print its line; the exit code it contributes. */
static int verify_one(struct vy_backend *be, struct setup *s)
{
	struct vy_host out;
	int rc = VY_EXIT_BACKEND;
	if (dispatch(be, s, &out))
		goto done;
	struct vy_verdict v = vy_check_compare(s->p, &s->l, out.bufs,
					       s->expected.bufs, s->tol);
	printf("%s%s%s%s: ", be->id, be->device_name[0] ? " (" : "",
	       be->device_name, be->device_name[0] ? ")" : "");
	if (v.mismatches) {
		printf("FAIL %s", v.first);
		if (v.mismatches > 1)
			printf(" (and %llu more mismatches)",
			       (unsigned long long)v.mismatches - 1);
		printf("\n");
		rc = VY_EXIT_MISMATCH;
	} else {
		printf("PASS %d buffer%s, %llu elements, max error %g ulp",
		       v.buffers, v.buffers == 1 ? "" : "s",
		       (unsigned long long)v.elements, v.max_ulp);
		if (s->p->fast_math)
			printf(" (--fast-math bounds: %g ulp, %g abs)", s->tol.ulp,
			       s->tol.abs);
		printf("\n");
		rc = 0;
	}
	vy_verdict_free(&v);
done:
	vy_host_free(&out);
	return rc;
}

static int prepare(struct setup *s, struct verify_opts *o)
{
	struct vy_program *p = s->p;
	char *err = NULL;
	memset(&s->l, 0, sizeof s->l);
	if (vy_default_params(p, s->l.params, &err) && !o->nparams) {
		vy_fail(VY_EXIT_PROGRAM, "verify", err);
		return VY_EXIT_PROGRAM;
	}
	free(err), err = NULL;
	if (vy_cli_params(p, o->params, o->nparams, &s->l, &err)) {
		vy_usage_error("verify", "%s", err);
		free(err);
		return VY_EXIT_USAGE;
	}
	if (vy_launch_eval(p, &s->l, &err))
		return vy_fail(VY_EXIT_PROGRAM, "verify", err);
	vy_host_alloc(&s->inputs, p, &s->l);
	if (vy_check_seed(p, &s->l, o->seed, s->inputs.bufs, &err))
		vy_bug("seeding failed: %s", err);
	s->tol = vy_check_tolerance(p);
	s->device = o->device;
	return 0;
}

static int run_reference(struct setup *s)
{
	char *err = NULL;
	vy_host_copy(&s->expected, &s->inputs, s->p, &s->l);
	int r = vy_check_reference(s->p, &s->l, s->expected.bufs, s->device, &err);
	if (r == VY_CHECK_NO_REFERENCE)
		return vy_fail(VY_EXIT_BACKEND, "verify: the reference backend "
			       "is needed as the oracle", err);
	if (r == VY_CHECK_DISPATCH) {
		printf("reference: FAIL dispatch: %s\n", err ? err : "dispatch failed");
		free(err);
		return VY_EXIT_BACKEND;
	}
	return 0;
}

/* Each backend in list (comma-separated), or by default every registered
 * one but the reference. */
static int run_backends(struct setup *s, const char *list)
{
	int rc = 0, ran = 0;
	char *copy = list ? vy_strf("%s", list) : NULL, *save = NULL;
	char *id = copy ? strtok_r(copy, ",", &save) : NULL;
	for (int i = 0; list ? id != NULL : i < vy_backend_count(); i++) {
		const char *name = list ? id : vy_backend_at(i)->id;
		if (list || strcmp(name, "reference")) {
			char *err = NULL;
			struct vy_backend *be = vy_backend_acquire(name, s->device, &err);
			if (!be) {
				size_t n = strlen(name);
				bool named = err && !strncmp(err, name, n) &&
					     err[n] == ':';
				printf("SKIP %s: %s\n", name, named ?
				       err + n + 1 + (err[n + 1] == ' ') :
				       err ? err : "failed");
				free(err);
				if (list && rc < VY_EXIT_BACKEND)
					rc = VY_EXIT_BACKEND;
			} else {
				int r = verify_one(be, s);
				rc = r > rc ? r : rc;
				ran += strcmp(name, "reference") != 0;
				vy_backend_release(be);
			}
		}
		if (list)
			id = strtok_r(NULL, ",", &save);
	}
	free(copy);
	fflush(stdout);
	if (!ran) {
		vy_cli_errorf("vyrec verify", "nothing was compared: no backend "
			      "besides the reference ran here\nFix: `vyrec backends` "
			      "shows why each backend does not initialise; install its "
			      "driver, or name one that initialises with --backends");
		if (rc < VY_EXIT_BACKEND)
			rc = VY_EXIT_BACKEND;
	}
	return rc;
}

int vy_cmd_verify(int argc, char **argv)
{
	struct verify_opts o;
	if (parse_opts(argc, argv, &o))
		return VY_EXIT_USAGE;
	struct vy_compilation c;
	if (!vy_cli_compile(&o.c, &c)) {
		vy_compilation_free(&c);
		return VY_EXIT_PROGRAM;
	}
	struct setup s = { .p = c.prog };
	int rc = prepare(&s, &o);
	if (!rc)
		rc = run_reference(&s);
	if (!rc)
		rc = run_backends(&s, o.backends);
	vy_host_free(&s.inputs);
	vy_host_free(&s.expected);
	vy_compilation_free(&c);
	return rc;
}
