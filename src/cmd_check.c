/*
 * cmd_check.c: `vyrec check`: load, resolve and verify a program, print
 * every diagnostic.  Silent on success.  Also the option handling that all
 * compiling commands share.
 */
#include <string.h>

#include "cmd_common.h"

int vy_cli_compile_opt(struct vy_cli_compile *o, const char *cmd, int id,
		       const char *v)
{
	switch (id) {
	case VY_O_OLEVEL:
		if ((*v != '0' && *v != '1' && *v != '2') || v[1])
			return vy_usage_error(cmd, "unknown optimisation level '-O%s' (use -O0, -O1 or -O2)", v), -1;
		o->opt_level = *v - '0';
		return 1;
	case VY_O_FAST_MATH:
		o->fast_math = true;
		return 1;
	case VY_O_DIALECT:
		if (o->ndialects == 64)
			return vy_usage_error(cmd, "too many --dialect options (at most 64)"), -1;
		o->dialects[o->ndialects++] = v;
		return 1;
	case VY_O_DIAG_FORMAT:
		if (!strcmp(v, "json"))
			vy_cli_diag_format = VY_DIAG_JSON;
		else if (!strcmp(v, "text"))
			vy_cli_diag_format = VY_DIAG_TEXT;
		else {
			const char *fmts[] = { "text", "json" };
			return vy_usage_error(cmd, "unknown diagnostics format '%s' (use text or json)%s",
					      v, vy_did_you_mean(v, fmts, 2)), -1;
		}
		return 1;
	}
	return 0;
}

bool vy_cli_compile(struct vy_cli_compile *o, struct vy_compilation *c)
{
	struct vy_compile_opts co = { o->dialects, o->ndialects, o->opt_level,
				     o->fast_math };
	bool ok = vy_compile(c, o->prog, &co);
	if (c->diags.n || vy_cli_diag_format == VY_DIAG_JSON)
		vy_cli_print_diags(&c->diags);
	return ok;
}

int vy_cmd_check(int argc, char **argv)
{
	struct vy_cli_compile o = { .opt_level = 0 };
	bool watch = false;
	for (int i = 1; i < argc;) {
		const char *v;
		int id = vy_opt_next("check", argc, argv, &i, &v);
		int r = id == VY_O_BAD ? -1 : vy_cli_compile_opt(&o, "check", id, v);
		if (r < 0)
			return VY_EXIT_USAGE;
		if (r)
			continue;
		if (id == VY_O_WATCH) {
			watch = true;
			continue;
		}
		if (id != VY_O_ARG)
			vy_bug("option %d of the table is not handled", id);
		if (o.prog)
			return vy_usage_error("check", "more than one program given ('%s' and '%s')", o.prog, v);
		o.prog = v;
	}
	if (!o.prog)
		return vy_usage_error("check", "no program given");
	if (watch)
		return vy_watch("vyrec check", &o, NULL, NULL);
	struct vy_compilation c;
	bool ok = vy_cli_compile(&o, &c);
	vy_compilation_free(&c);
	return ok ? VY_EXIT_OK : VY_EXIT_PROGRAM;
}
