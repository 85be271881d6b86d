/*
 * cmd_check.c: `vyrec check`: load, resolve and verify a program, print
 * every diagnostic.  Silent on success.  Also the option handling that all
 * compiling commands share.
 */
#include <string.h>

#include "cmd_common.h"

int vy_cli_compile_opt(struct vy_cli_compile *o, int argc, char **argv, int *i)
{
	const char *a = argv[*i], *v;
	int r;
	if (!strcmp(a, "-O0") || !strcmp(a, "-O1") || !strcmp(a, "-O2")) {
		o->opt_level = a[2] - '0';
		*i += 1;
		return 1;
	}
	if (!strcmp(a, "--fast-math")) {
		o->fast_math = true;
		*i += 1;
		return 1;
	}
	if (!strncmp(a, "-O", 2) && a[1] == 'O') {
		vy_usage_error(argv[0], "unknown optimisation level '%s' (use -O0, -O1 or -O2)", a);
		return -1;
	}
	if ((r = vy_opt_value(argc, argv, i, "--dialect", &v)) != 0) {
		if (r < 0)
			return -1;
		if (o->ndialects == 64) {
			vy_usage_error(argv[0], "too many --dialect options (at most 64)");
			return -1;
		}
		o->dialects[o->ndialects++] = v;
		return 1;
	}
	if ((r = vy_opt_value(argc, argv, i, "--diagnostics-format", &v)) != 0) {
		if (r < 0)
			return -1;
		if (!strcmp(v, "json"))
			vy_cli_diag_format = VY_DIAG_JSON;
		else if (!strcmp(v, "text"))
			vy_cli_diag_format = VY_DIAG_TEXT;
		else {
			vy_usage_error(argv[0], "unknown diagnostics format '%s' (use text or json)", v);
			return -1;
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
	for (int i = 1; i < argc;) {
		int r = vy_cli_compile_opt(&o, argc, argv, &i);
		if (r < 0)
			return VY_EXIT_USAGE;
		if (r)
			continue;
		if (argv[i][0] == '-' && argv[i][1])
			return vy_usage_error("check", "unknown option '%s'", argv[i]);
		if (o.prog)
			return vy_usage_error("check", "more than one program given ('%s' and '%s')", o.prog, argv[i]);
		o.prog = argv[i++];
	}
	if (!o.prog)
		return vy_usage_error("check", "no program given");
	struct vy_compilation c;
	bool ok = vy_cli_compile(&o, &c);
	vy_compilation_free(&c);
	return ok ? VY_EXIT_OK : VY_EXIT_PROGRAM;
}
