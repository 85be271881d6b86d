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
 * --in BUF=SOURCE fixes an input (indices that must be in bounds, a
 * structure) instead of its seeded one.  The first lines say what was
 * chosen: "params: a=0.5 n=1024" and "inputs: x=random:1 y=FILE", so the
 * run can be repeated with `vyrec run`.  --json prints one object
 * (doc/schema/verify.schema.json) instead of the lines.
 * Subgroups (SPEC §10.4): a program that uses them is compared with the
 * reference run at each backend's subgroup size (the program's
 * subgroup_size when it has one); --subgroup-sizes LIST also runs the
 * reference at each size of LIST and compares those runs with the first
 * one, a disagreement exiting 4 like a mismatch.
 */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_run.h"
#include "check.h"
#include "json.h"
#include "launch.h"

#define MAXOPT 64

struct verify_opts {
	const char *prog, *backends;
	struct vy_cli_compile c;      /* PROG.yaml, --dialect, -O, diagnostics */
	const char *params[MAXOPT], *ins[MAXOPT];
	int nparams, nins, device;
	uint64_t seed;
	const char *sgsizes;          /* --subgroup-sizes LIST */
	uint32_t sizes[8];
	int nsizes;
	bool json;
};

/* --subgroup-sizes LIST: sizes of vy_run_subgroup_size, at most 8. */
static int parse_sizes(struct verify_opts *o, const char *list)
{
	const char *p = list;
	o->sgsizes = list;
	o->nsizes = 0;
	do {
		size_t n = strcspn(p, ",");
		char one[32];
		snprintf(one, sizeof one, "%.*s", (int)(n < 31 ? n : 31), p);
		if (o->nsizes == 8)
			return vy_usage_error("verify", "--subgroup-sizes lists more than 8 sizes");
		if (vy_run_subgroup_size("verify", one, &o->sizes[o->nsizes]))
			return -1;
		o->nsizes++;
		p += n + (p[n] == ',');
	} while (*p);
	return 0;
}

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
	case VY_O_IN:
		if (o->nins >= MAXOPT) {
			vy_usage_error("verify", "too many --in options");
			return -1;
		}
		o->ins[o->nins++] = v;
		return 0;
	case VY_O_JSON: o->json = true; return 0;
	case VY_O_BACKENDS: o->backends = v; return 0;
	case VY_O_DEVICE: return vy_run_device("verify", v, &o->device) ? -1 : 0;
	case VY_O_SEED: return parse_seed(o, v);
	case VY_O_SUBGROUP_SIZES: return parse_sizes(o, v) ? -1 : 0;
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
	bool uses_sg;                 /* the program uses subgroups */
	uint32_t ref_size;            /* the subgroup size `expected` ran at */
	const char *source[VY_MAX_IO];  /* each buffer's --in, or NULL */
	bool json;
	struct vy_buf results;          /* --json: the results array so far */
	int nresults, compared;
	bool head;                      /* --json: the object was opened */
};

static int run_reference_at(struct setup *s, uint32_t size);

/* --json: one element of "results" (v NULL: none compared; message NULL:
 * none). */
static void result_json(struct setup *s, const char *id, const char *device,
			const char *status, const struct vy_verdict *v,
			const char *message)
{
	struct vy_buf *b = &s->results;
	char num[32];
	vy_buf_puts(b, s->nresults++ ? ",\n    {\"backend\": " : "\n    {\"backend\": ");
	vy_json_str(b, id);
	vy_buf_puts(b, ", \"device\": ");
	if (device && *device)
		vy_json_str(b, device);
	else
		vy_buf_puts(b, "null");
	vy_buf_puts(b, ", \"status\": ");
	vy_json_str(b, status);
	if (v)
		vy_buf_printf(b, ", \"buffers\": %d, \"elements\": %llu, "
			      "\"mismatches\": %llu, \"max_ulp\": %s", v->buffers,
			      (unsigned long long)v->elements,
			      (unsigned long long)v->mismatches,
			      vy_json_num(num, v->max_ulp));
	vy_buf_puts(b, ", \"message\": ");
	if (message)
		vy_json_str(b, message);
	else
		vy_buf_puts(b, "null");
	vy_buf_puts(b, "}");
}

static int dispatch(struct vy_backend *be, struct setup *s,
		    struct vy_host *out)
{
	vy_host_copy(out, &s->inputs, s->p, &s->l);
	struct vy_run r = { s->p, s->l, out->bufs, s->device, false, NULL };
	char *err = NULL;
	if (vy_dispatch_pipeline(be, &r, &err)) {
		if (s->json)
			result_json(s, be->id, be->device_name, "error", NULL,
				    err ? err : "dispatch failed");
		else
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
	uint32_t size = s->p->subgroup_size ? s->p->subgroup_size :
			be->subgroup_size ? be->subgroup_size : VY_SG_DEFAULT_SIZE;
	if (s->uses_sg && size != s->ref_size && (rc = run_reference_at(s, size)))
		return rc;
	rc = VY_EXIT_BACKEND;
	if (dispatch(be, s, &out))
		goto done;
	struct vy_verdict v = vy_check_compare(s->p, &s->l, out.bufs,
					       s->expected.bufs, s->tol);
	rc = v.mismatches ? VY_EXIT_MISMATCH : 0;
	if (s->json) {
		result_json(s, be->id, be->device_name, rc ? "fail" : "pass", &v,
			    v.first);
		goto free_verdict;
	}
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
		if (s->uses_sg)
			printf(", subgroup size %u", size);
		printf("\n");
		rc = 0;
	}
free_verdict:
	vy_verdict_free(&v);
done:
	vy_host_free(&out);
	return rc;
}

/* --in BUF=SOURCE over the seeded inputs.  0 or an exit code. */
static int fixed_inputs(struct setup *s, struct verify_opts *o)
{
	const struct vy_program *p = s->p;
	for (int i = 0; i < o->nins; i++) {
		const char *kv = o->ins[i], *eq = strchr(kv, '=');
		if (!eq || eq == kv || !eq[1])
			return vy_usage_error("verify", "'--in %s' is not of the "
					      "form BUF=SOURCE", kv);
		char *name = vy_strf("%.*s", (int)(eq - kv), kv);
		int b = vy_run_find_buffer(p, name);
		int rc = b < 0 ? vy_run_unknown_buffer("verify", p, name) : 0;
		if (!rc && s->source[b])
			rc = vy_usage_error("verify", "--in %s is given twice", name);
		free(name);
		if (rc)
			return rc;
		char *err = NULL;
		if (vy_data_fill(eq + 1, p->buffers[b].type, s->inputs.bufs[b],
				 s->l.counts[b], &err)) {
			vy_cli_error("vyrec verify", vy_strf("buffer '%s': %s",
				     p->buffers[b].name, err));
			free(err);
			return VY_EXIT_PROGRAM;
		}
		s->source[b] = eq + 1;
	}
	return 0;
}

/* The text of param j's value, as --param takes it (malloc'd). */
static char *param_text(const struct setup *s, int j)
{
	char *t = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&t, &n);
	if (!f)
		vy_oom("a param's text", 0);
	vy_data_print(f, s->p->params[j].type, &s->l.params[j], 1);
	fclose(f);
	if (n && t[n - 1] == '\n')
		t[n - 1] = 0;
	return t;
}

/* The input of buffer b: its --in, or the seeded generator; NULL for a
 * write_only buffer without --in (it starts as zeros). */
static char *input_text(const struct setup *s, int b, uint64_t seed)
{
	if (s->source[b])
		return vy_strf("%s", s->source[b]);
	if (s->p->buffers[b].access == VY_WRITE_ONLY)
		return NULL;
	return vy_strf("random:%llu", (unsigned long long)
		       (seed + (uint64_t)s->p->buffers[b].binding));
}

/* What verify chose, so the run can be repeated: "params: ..." and
 * "inputs: ..." lines, or the head of the --json object. */
static void print_choice(struct setup *s, uint64_t seed)
{
	const struct vy_program *p = s->p;
	if (s->json) {
		s->head = true;
		printf("{\"schema\": \"vyrec-verify-1\", \"program\": ");
		vy_json_fstr(stdout, p->name);
		printf(", \"seed\": %llu,\n  \"params\": {", (unsigned long long)seed);
	} else {
		printf("params:%s", p->nparams ? "" : " (none)");
	}
	for (int j = 0; j < p->nparams; j++) {
		char *t = param_text(s, j);
		if (s->json) {
			printf("%s", j ? ", " : "");
			vy_json_fstr(stdout, p->params[j].name);
			printf(": ");
			vy_json_fstr(stdout, t);
		} else {
			printf(" %s=%s", p->params[j].name, t);
		}
		free(t);
	}
	printf(s->json ? "},\n  \"inputs\": {" : "\ninputs:");
	for (int b = 0, k = 0; b < p->nbuffers; b++) {
		char *t = input_text(s, b, seed);
		if (t && s->json) {
			printf("%s", k++ ? ", " : "");
			vy_json_fstr(stdout, p->buffers[b].name);
			printf(": ");
			vy_json_fstr(stdout, t);
		} else if (t) {
			printf(" %s=%s", p->buffers[b].name, t);
			k++;
		}
		free(t);
	}
	printf(s->json ? "},\n" : "\n");
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
	s->json = o->json;
	return fixed_inputs(s, o);
}

static int run_reference(struct setup *s)
{
	return run_reference_at(s, s->p->subgroup_size ? s->p->subgroup_size :
				VY_SG_DEFAULT_SIZE);
}

/* s->expected: the reference run at subgroup size `size`. */
static int run_reference_at(struct setup *s, uint32_t size)
{
	char *err = NULL;
	if (s->ref_size)
		vy_host_free(&s->expected);
	s->ref_size = size;
	vy_host_copy(&s->expected, &s->inputs, s->p, &s->l);
	int r = vy_check_reference_at(s->p, &s->l, s->expected.bufs, s->device, size, &err);
	if (r == VY_CHECK_NO_REFERENCE)
		return vy_fail(VY_EXIT_BACKEND, "verify: the reference backend "
			       "is needed as the oracle", err);
	if (r == VY_CHECK_DISPATCH) {
		if (s->json)
			result_json(s, "reference", NULL, "error", NULL,
				    err ? err : "dispatch failed");
		else
			printf("reference: FAIL dispatch: %s\n", err ? err : "dispatch failed");
		free(err);
		return VY_EXIT_BACKEND;
	}
	return 0;
}

/* Each backend in list (comma-separated), or by default every registered
 * one but the reference. */
static int run_backends(struct setup *s, const char *list, bool sizes)
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
				const char *why = named ? err + n + 1 +
					(err[n + 1] == ' ') : err ? err : "failed";
				if (s->json)
					result_json(s, name, NULL, "skip", NULL, why);
				else
					printf("SKIP %s: %s\n", name, why);
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
	s->compared = ran;
	if (!ran && !sizes) {   /* --subgroup-sizes compares the reference's runs */
		vy_cli_errorf("vyrec verify", "nothing was compared: no backend "
			      "besides the reference ran here\nFix: `vyrec backends` "
			      "shows why each backend does not initialise; install its "
			      "driver, or name one that initialises with --backends");
		if (rc < VY_EXIT_BACKEND)
			rc = VY_EXIT_BACKEND;
	}
	return rc;
}

/* --subgroup-sizes against the program's subgroup_size. */
static int check_sizes(struct setup *s, const struct verify_opts *o)
{
	for (int i = 0; i < o->nsizes; i++)
		if (s->p->subgroup_size && o->sizes[i] != s->p->subgroup_size)
			return vy_usage_error("verify", "'%s' fixes subgroup_size: %u, so "
					      "--subgroup-sizes cannot run it at %u\nFix: drop "
					      "--subgroup-sizes or the program's subgroup_size",
					      s->p->name, s->p->subgroup_size, o->sizes[i]);
	return 0;
}

/* The reference at each size of --subgroup-sizes, compared with its run
 * at the first: one line per size; VY_EXIT_MISMATCH where they differ. */
static int compare_sizes(struct setup *s, const struct verify_opts *o)
{
	int rc = 0;
	struct vy_host first;
	if (run_reference_at(s, o->sizes[0]))
		return VY_EXIT_BACKEND;
	vy_host_copy(&first, &s->expected, s->p, &s->l);
	if (!s->json)
		printf("reference at subgroup size %u: the baseline\n", o->sizes[0]);
	for (int i = 1; i < o->nsizes; i++) {
		if (run_reference_at(s, o->sizes[i])) {
			rc = VY_EXIT_BACKEND;
			break;
		}
		struct vy_verdict v = vy_check_compare(s->p, &s->l, s->expected.bufs,
						       first.bufs, s->tol);
		rc = v.mismatches ? VY_EXIT_MISMATCH : rc;
		if (s->json) {   /* one result per size: "reference at subgroup size N" */
			char id[64], msg[96];
			snprintf(id, sizeof id, "reference at subgroup size %u", o->sizes[i]);
			snprintf(msg, sizeof msg, "%s subgroup size %u", v.mismatches ?
				 "disagrees with" : "agrees with", o->sizes[0]);
			result_json(s, id, NULL, v.mismatches ? "fail" : "pass", &v, msg);
			vy_verdict_free(&v);
			continue;
		}
		printf("reference at subgroup size %u: ", o->sizes[i]);
		if (v.mismatches) {
			printf("FAIL disagrees with subgroup size %u: %s", o->sizes[0], v.first);
			if (v.mismatches > 1)
				printf(" (and %llu more mismatches)",
				       (unsigned long long)v.mismatches - 1);
			printf("\n");
			rc = VY_EXIT_MISMATCH;
		} else {
			printf("PASS agrees with subgroup size %u (%d buffer%s, %llu elements)\n",
			       o->sizes[0], v.buffers, v.buffers == 1 ? "" : "s",
			       (unsigned long long)v.elements);
		}
		vy_verdict_free(&v);
	}
	vy_host_free(&first);
	fflush(stdout);
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
	struct setup s = { .p = c.prog, .uses_sg = (vy_pipeline_uses(c.prog) & VY_USES_SUBGROUP) != 0 };
	int rc = check_sizes(&s, &o);
	if (!rc)
		rc = prepare(&s, &o);
	if (!rc)
		print_choice(&s, o.seed);
	if (!rc)
		rc = run_reference(&s);
	if (!rc)
		rc = run_backends(&s, o.backends, o.nsizes > 1);
	if (rc != VY_EXIT_USAGE && rc != VY_EXIT_PROGRAM && o.nsizes) {
		int r = compare_sizes(&s, &o);
		rc = r > rc ? r : rc;
	}
	if (s.head) {
		char u[32], a[32];
		printf("  \"tolerance\": {\"ulp\": %s, \"abs\": %s},\n  \"results\": [",
		       vy_json_num(u, s.tol.ulp), vy_json_num(a, s.tol.abs));
		fwrite(s.results.data ? (char *)s.results.data : "", 1, s.results.len, stdout);
		printf("%s],\n  \"compared\": %d, \"exit_code\": %d}\n",
		       s.nresults ? "\n  " : "", s.compared, rc);
		vy_buf_free(&s.results);
	}
	vy_host_free(&s.inputs);
	vy_host_free(&s.expected);
	vy_compilation_free(&c);
	return rc;
}
