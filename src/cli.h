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
/* The command running now, set by main before it runs: vy_usage_error
 * prints its usage.  (The command files and cmd_util.c do not look into
 * main.c's table, so main.c -> cmd_*.c -> cmd_util.c is not a circle.) */
extern const struct vy_cmd *vy_cli_command;

/* Match option `name` at argv[*i]: "--name VALUE" or "--name=VALUE" (or,
 * for a short option "-t", "-tVALUE"). On a match *val is the value and
 * *i is advanced past what was consumed; a missing value is a usage error
 * reported here (returns -1). 0 when argv[*i] is not this option. */
int vy_opt_value(int argc, char **argv, int *i, const char *name,
		 const char **val);
/* A usage error: message to stderr with the command's usage; returns 2. */
int vy_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Print the error message of a failed library call; returns code. */
int vy_fail(int code, const char *what, char *err);

/* Common diagnostics options: --diagnostics-format json|text. */
extern enum vy_diag_format vy_cli_diag_format;
/* Print c's diagnostics to stderr in the chosen format. */
void vy_cli_print_diags(const struct vy_diags *d);
/* Parse "k=v" params of p into l->params ("--param a=2"). */
int vy_cli_params(const struct vy_program *p, const char **kv, int n,
		  struct vy_launch *l, char **err);

#endif
