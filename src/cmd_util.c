/*
 * cmd_util.c: error reporting and params shared by the command files (the
 * option tables and their parser are options.c).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum vy_diag_format vy_cli_diag_format = VY_DIAG_TEXT;

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
