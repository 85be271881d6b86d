/*
 * cmd_util.c: option matching and error reporting shared by the command
 * files.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum vy_diag_format vy_cli_diag_format = VY_DIAG_TEXT;
const struct vy_cmd *vy_cli_command;

int vy_opt_value(int argc, char **argv, int *i, const char *name,
		 const char **val)
{
	const char *a = argv[*i];
	size_t n = strlen(name);
	if (strncmp(a, name, n))
		return 0;
	if (a[n] == '=') {
		*val = a + n + 1;
		*i += 1;
		return 1;
	}
	if (a[n] == 0) {
		if (*i + 1 >= argc) {
			fprintf(stderr, "vyrec %s: option '%s' needs a value\n",
				argv[0], name);
			return -1;
		}
		*val = argv[*i + 1];
		*i += 2;
		return 1;
	}
	if (name[1] != '-' && n == 2) {   /* -tVALUE */
		*val = a + n;
		*i += 1;
		return 1;
	}
	return 0;
}

int vy_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "vyrec %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	const struct vy_cmd *c = vy_cli_command;
	if (c && !strcmp(c->name, cmd))
		fprintf(stderr, "usage: %s\n", c->usage);
	return VY_EXIT_USAGE;
}

int vy_fail(int code, const char *what, char *err)
{
	fprintf(stderr, "vyrec: %s%s%s\n", what ? what : "", what ? ": " : "",
		err ? err : "failed");
	free(err);
	return code;
}

void vy_cli_print_diags(const struct vy_diags *d)
{
	if (vy_cli_diag_format == VY_DIAG_JSON)
		vy_diags_print(d, stderr, VY_DIAG_JSON, false);
	else
		vy_diags_print(d, stderr, VY_DIAG_TEXT, vy_use_color(stderr));
}

int vy_cli_params(const struct vy_program *p, const char **kv, int n,
		  struct vy_launch *l, char **err)
{
	for (int i = 0; i < n; i++) {
		const char *eq = strchr(kv[i], '=');
		if (!eq) {
			*err = vy_strf("'--param %s' is not of the form NAME=VALUE", kv[i]);
			return -1;
		}
		size_t len = (size_t)(eq - kv[i]);
		int j = 0;
		while (j < p->nparams && (strlen(p->params[j].name) != len ||
					  strncmp(p->params[j].name, kv[i], len)))
			j++;
		if (j == p->nparams) {
			*err = vy_strf("'%.*s' is not a param of '%s'", (int)len,
				       kv[i], p->name);
			return -1;
		}
		if (vy_parse_value(eq + 1, p->params[j].type, &l->params[j])) {
			*err = vy_strf("'%s' is not a valid %s for param '%s'",
				       eq + 1, vy_type_name(p->params[j].type),
				       p->params[j].name);
			return -1;
		}
	}
	return 0;
}
