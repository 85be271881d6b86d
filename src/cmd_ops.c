/*
 * cmd_ops.c: `vyrec ops [DIALECT]`: every registered op with its
 * signature, category, targets and f32 error bounds (exact, and under
 * --fast-math); extern dialects from
 * --dialect files and VYRE_DIALECT_PATH are included.
 */
#include <stdlib.h>
#include <string.h>

#include "cmd_common.h"
#include "json.h"

static const char *const catnames[] = { "intrinsic", "composite", "extern" };

static void targets(unsigned t, char *out)
{
	static const char *const names[] = { "spv", "ptx", "glsl", "reference" };
	out[0] = 0;
	for (int i = 0; i < 4; i++)
		if (t & (1u << i)) {
			if (out[0])
				strcat(out, ",");
			strcat(out, names[i]);
		}
}

static void signature(const struct vy_opdef *op, char *out, size_t n)
{
	size_t k = (size_t)snprintf(out, n, "(");
	for (int i = 0; i < op->nparams && k < n; i++)
		k += (size_t)snprintf(out + k, n - k, "%s%s: %s", i ? ", " : "",
				      op->params[i].name,
				      op->cat == VY_INTRINSIC ? vy_opparam_class(&op->params[i]) :
				      vy_type_name(op->params[i].type));
	if (k < n)
		snprintf(out + k, n - k, ") -> %s", op->cat == VY_INTRINSIC ?
			 op->result : vy_type_name(op->ret));
}

static void bound(char *out, size_t n, double ulp, double abs)
{
	char a[32], b[32];
	if (abs > 0)
		snprintf(out, n, "%s ulp + %s abs", vy_json_num(a, ulp), vy_json_num(b, abs));
	else
		snprintf(out, n, "%s ulp", vy_json_num(a, ulp));
}

int vy_cmd_ops(int argc, char **argv)
{
	struct vy_cli_compile o = {0};
	const char *dialect = NULL;
	bool json = false;
	for (int i = 1; i < argc;) {
		const char *v;
		int id = vy_opt_next("ops", argc, argv, &i, &v);
		int r = id == VY_O_BAD ? -1 : vy_cli_compile_opt(&o, "ops", id, v);
		if (r < 0)
			return VY_EXIT_USAGE;
		if (id == VY_O_JSON)
			json = true;
		else if (r)
			continue;
		else if (id != VY_O_ARG)
			vy_bug("option %d of the table is not handled", id);
		else if (dialect)
			return vy_usage_error("ops", "more than one dialect given");
		else
			dialect = v;
	}
	struct vy_arena *a = vy_arena_new();
	struct vy_dialect_set set = {0};
	struct vy_diags d = {0};
	struct vy_registry *r = vy_dialects_registry(a, NULL, o.dialects, o.ndialects, &set, &d);
	if (!r) {
		vy_cli_print_diags(&d);
		vy_diags_free(&d);
		vy_arena_free(a);
		return VY_EXIT_PROGRAM;
	}
	int shown = 0;
	if (json)
		fputs("[", stdout);
	for (int i = 0; i < vy_registry_count(r); i++) {
		const struct vy_opdef *op = vy_registry_at(r, i);
		if (dialect && strcmp(op->dialect, dialect))
			continue;
		char sig[512], tg[64];
		/* --fast-math bound; an extern op's (0) is its exact one */
		double fu = op->fast_ulp > op->ulp ? op->fast_ulp : op->ulp;
		double fa = op->fast_abs > op->abs ? op->fast_abs : op->abs;
		signature(op, sig, sizeof sig);
		targets(vy_op_targets(op), tg);
		if (json) {
			printf("%s\n {\"id\": ", shown ? "," : "");
			vy_json_fstr(stdout, op->id);
			printf(", \"dialect\": ");
			vy_json_fstr(stdout, op->dialect);
			printf(", \"signature\": ");
			vy_json_fstr(stdout, sig);
			printf(", \"category\": \"%s\", \"targets\": [", catnames[op->cat]);
			for (char *t = strtok(tg, ","), *first = t; t; t = strtok(NULL, ","))
				printf("%s\"%s\"", t == first ? "" : ", ", t);
			char n1[32], n2[32], n3[32], n4[32];
			printf("], \"ulp\": %s, \"abs\": %s, \"fast_ulp\": %s, "
			       "\"fast_abs\": %s}", vy_json_num(n1, op->ulp), vy_json_num(n2, op->abs),
			       vy_json_num(n3, fu), vy_json_num(n4, fa));
		} else {
			if (!shown)
				printf("%-28s %-44s %-10s %-23s %-22s %s\n", "ID", "SIGNATURE",
				       "CATEGORY", "TARGETS", "F32 BOUND", "FAST BOUND");
			char eb[96], fb[96];
			bound(eb, sizeof eb, op->ulp, op->abs);
			bound(fb, sizeof fb, fu, fa);
			printf("%-28s %-44s %-10s %-23s %-22s %s\n", op->id, sig,
			       catnames[op->cat], tg, eb, fb);
		}
		shown++;
	}
	if (json)
		fputs("\n]\n", stdout);
	const char *dls[64], *near = NULL;   /* did you mean, for an unknown one */
	int ndl = 0;
	for (int i = 0; !shown && dialect && i < vy_registry_count(r) && ndl < 64; i++) {
		const char *dn = vy_registry_at(r, i)->dialect;
		if (!ndl || strcmp(dls[ndl - 1], dn))
			dls[ndl++] = dn;
	}
	if (ndl && (near = vy_closest(dialect, dls, ndl)))
		near = vy_strdup(a, near);
	vy_registry_free(r);
	vy_diags_free(&d);
	if (!shown && dialect) {
		const char *fix = near ? vy_fmt(a, "did you mean 'vyrec ops %s'?", near) :
			"the built-in dialects are core, math and atomic; load others with --dialect FILE";
		vy_cli_error_fix("vyrec ops", VY_FIX_NEWLINE, fix, "unknown dialect '%s'", dialect);
		vy_arena_free(a);
		return VY_EXIT_USAGE;
	}
	vy_arena_free(a);
	return 0;
}
