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

/* Under --diagnostics-format json every diagnostic of the command, the
 * front end's and the back half's, is kept here and printed as one array
 * when the command ends (vy_cli_finish). */
static struct vy_diags collected;
static bool json_used;

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

void vy_cli_error_fix(const char *origin, enum vy_fix_sep sep, const char *fix,
		      const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *m = NULL;
	if (vasprintf(&m, fmt, ap) < 0)
		vy_oom("an error message", 0);
	va_end(ap);
	struct vy_diags one = {0};
	vy_error_fix(&one, origin, sep, fix, "%s", m);
	free(m);
	vy_cli_print_diags(&one);
	vy_diags_free(&one);
}

void vy_cli_print_diags(const struct vy_diags *d)
{
	if (vy_cli_diag_format == VY_DIAG_JSON) {
		vy_diags_append(&collected, d);
		json_used = true;
	} else
		vy_diags_print(d, stderr, VY_DIAG_TEXT, vy_use_color(stderr));
}

/* "'x' is not a param of 'saxpy'" with the nearest param or the list. */
static char *unknown_param(const struct vy_program *p, const char *kv, size_t len)
{
	const char *names[VY_MAX_PARAMS];
	struct vy_buf b = {0};
	char word[64];
	int n = 0;
	for (int j = 0; j < p->nparams && n < VY_MAX_PARAMS; j++) {
		names[n++] = p->params[j].name;
		vy_buf_printf(&b, "%s%s", j ? ", " : "", p->params[j].name);
	}
	snprintf(word, sizeof word, "%.*s", (int)len, kv);
	const char *near = vy_closest(word, names, n);
	char *list = vy_buf_cstr(&b), *msg;
	if (near)
		msg = vy_strf("'%.*s' is not a param of '%s'\nFix: did you mean '%s'?", (int)len, kv, p->name, near);
	else
		msg = vy_strf("'%.*s' is not a param of '%s'\nFix: its params are %s", (int)len, kv, p->name, n ? list : "(none)");
	free(list);
	vy_buf_free(&b);
	return msg;
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
			*err = unknown_param(p, kv[i], len);
			return -1;
		}
		uint64_t v64 = 0;   /* a 64-bit param's high word after the others */
		if (vy_parse_value64(eq + 1, p->params[j].type, &v64)) {
			*err = vy_strf("'%s' is not a valid %s for param '%s'",
				       eq + 1, vy_type_name(p->params[j].type),
				       p->params[j].name);
			return -1;
		}
		l->params[j] = (uint32_t)v64;
		if (vy_type_is64(p->params[j].type))
			l->params[VY_MAX_PARAMS + j] = (uint32_t)(v64 >> 32);
	}
	return 0;
}
