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

/* Under --diagnostics-format json every diagnostic of the command, the
 * front end's and the back half's, is kept here and printed as one array
 * when the command ends (vy_cli_finish). */
static struct vy_diags collected;
static bool json_used;

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
	if (vy_cli_diag_format == VY_DIAG_JSON) {
		va_start(ap, fmt);
		char *m = NULL;
		if (vasprintf(&m, fmt, ap) < 0)
			vy_oom("a usage error", 0);
		va_end(ap);
		char *origin = vy_strf("vyrec %s", cmd);
		vy_cli_error(origin, m);
		free(origin);
		return VY_EXIT_USAGE;
	}
	fprintf(stderr, "vyrec %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	const struct vy_cmd *c = vy_cmd_find(cmd);
	if (c)
		fprintf(stderr, "usage: %s\n", c->usage);
	return VY_EXIT_USAGE;
}

int vy_fail(int code, const char *what, char *err)
{
	if (what) {
		char *m = vy_strf("%s: %s", what, err ? err : "failed");
		free(err);
		err = m;
	}
	vy_cli_error("vyrec", err);
	return code;
}

void vy_cli_error(const char *origin, char *err)
{
	struct vy_diags one = {0};
	vy_error_text(&one, origin, err);
	vy_cli_print_diags(&one);
	vy_diags_free(&one);
	free(err);
}

void vy_cli_errorf(const char *origin, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *m = NULL;
	if (vasprintf(&m, fmt, ap) < 0)
		vy_oom("an error message", 0);
	va_end(ap);
	vy_cli_error(origin, m);
}

void vy_cli_print_diags(const struct vy_diags *d)
{
	if (vy_cli_diag_format == VY_DIAG_JSON) {
		vy_diags_append(&collected, d);
		json_used = true;
	} else
		vy_diags_print(d, stderr, VY_DIAG_TEXT, vy_use_color(stderr));
}

int vy_cli_finish(int rc)
{
	if (json_used || collected.n)
		vy_diags_print(&collected, stderr, VY_DIAG_JSON, false);
	vy_diags_free(&collected);
	json_used = false;
	return rc;
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
