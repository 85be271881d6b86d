/*
 * cli.h: what the command files share: the command table entry, option
 * matching, and the common way to compile a program and report.
 */
#ifndef VY_CLI_H
#define VY_CLI_H

#include "vyrec.h"

struct vy_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);   /* argv[0] is the command name */
	const char *summary;
	const char *usage;
};

extern const struct vy_cmd vy_commands[];
const struct vy_cmd *vy_cmd_find(const char *name);

/* Match option `name` at argv[*i]: "--name VALUE" or "--name=VALUE" (or,
 * for a short option "-t", "-tVALUE"). On a match *val is the value and
 * *i is advanced past what was consumed; a missing value is a usage error
 * reported here (returns -1). 0 when argv[*i] is not this option. */
int vy_opt_value(int argc, char **argv, int *i, const char *name,
		 const char **val);
/* A usage error: message to stderr with the command's usage; returns 2. */
int vy_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Report the error of a failed library call (err: its malloc'd text,
 * freed here; "vyrec: WHAT: ERR" in text mode); returns code. */
int vy_fail(int code, const char *what, char *err);
/* Report an error as a diagnostic with origin ("vyrec run"): err is the
 * library's malloc'd text (freed here), or formatted from fmt.  Text mode
 * prints "ORIGIN: TEXT" now; JSON mode keeps it for vy_cli_finish. */
void vy_cli_error(const char *origin, char *err);
void vy_cli_errorf(const char *origin, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* At the end of a command: under --diagnostics-format json print every
 * diagnostic it reported as one JSON array on stderr.  Returns rc. */
int vy_cli_finish(int rc);

/* Common diagnostics options: --diagnostics-format json|text. */
extern enum vy_diag_format vy_cli_diag_format;
/* Report d's diagnostics: text to stderr now, or kept for the JSON array
 * vy_cli_finish prints. */
void vy_cli_print_diags(const struct vy_diags *d);
/* Parse "k=v" params of p into l->params ("--param a=2"). */
int vy_cli_params(const struct vy_program *p, const char **kv, int n,
		  struct vy_launch *l, char **err);

#endif
