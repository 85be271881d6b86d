/*
 * cli.h: what the command files share: the command and option tables
 * (options.c), the option parser they drive, and the common way to compile
 * a program and report.
 */
#ifndef VY_CLI_H
#define VY_CLI_H

#include <stdio.h>

#include "vyrec.h"

/* Every option of every command, by what it does.  Two commands whose
 * option has the same meaning share one table row (struct vy_opt). */
enum vy_opt_id {
	VY_O_ARG = -1,          /* vy_opt_next: a positional argument */
	VY_O_BAD = -2,          /* vy_opt_next: a usage error, reported */
	/* the compile options of cmd_common.h */
	VY_O_DIALECT = 0, VY_O_OLEVEL, VY_O_FAST_MATH, VY_O_DIAG_FORMAT,
	VY_O_JSON, VY_O_TIME_REPORT,
	VY_O_TARGET, VY_O_OUTPUT, VY_O_ARCH, VY_O_TARGET_ENV, VY_O_MANIFEST,
	VY_O_EMIT_ASM, VY_O_HEADER, VY_O_MD, VY_O_MF, VY_O_NO_VALIDATE,
	VY_O_DUMP_IR, VY_O_FMA_MODE,
	VY_O_LANG, VY_O_NAME, VY_O_SELFTEST_PARAM, VY_O_SELFTEST_IN, VY_O_SELFTEST_BENCH,
	VY_O_FORCE, VY_O_TEMPLATE_DIR,
	VY_O_BACKEND, VY_O_PARAM, VY_O_IN, VY_O_OUT, VY_O_PRINT, VY_O_STRICT,
	VY_O_DEVICE, VY_O_STREAM, VY_O_CHUNK, VY_O_BENCH,
	VY_O_BACKENDS, VY_O_SEED,
	VY_O_SUBGROUP_SIZE, VY_O_SUBGROUP_SIZES,
	VY_O_DEBUG_INFO, VY_O_WATCH, VY_O_PRINT_FORMAT, VY_O_COLOR,   /* issue #17 */
};

enum {
	VY_OPT_REPEAT = 1,      /* may be given more than once */
	VY_OPT_REQUIRED = 2,    /* the command refuses to run without it */
	VY_OPT_JOINED = 4,      /* the value is joined to the name: -O2 */
	VY_OPT_NOSYN = 8,       /* not on the usage line (listed below it) */
	VY_OPT_OPTVAL = 16,     /* the value is optional, joined by '=': --dump-ir=unroll */
};

struct vy_opt {
	enum vy_opt_id id;
	const char *lng;        /* "--target", or NULL */
	const char *shrt;       /* "-t", or NULL */
	const char *arg;        /* "TARGET"; NULL for a flag */
	unsigned flags;
	const char *summary;    /* one line for help and vyrec(1) */
	const char *syn;        /* the usage-line item, when not the default */
};

struct vy_cmd {
	const char *name;
	const char *args;       /* positional part of the usage: "PROG.yaml" */
	const char *summary;
	const struct vy_opt *const *opts;   /* NULL-terminated */
};

extern const struct vy_cmd vy_commands[];
const struct vy_cmd *vy_cmd_find(const char *name);
/* The command nearest to a mistyped name, or NULL. */
const char *vy_cmd_suggest(const char *name);

/* The next argument of the command cmd at argv[*i] (argv[0] is the command
 * name).  An option of cmd's table: its id, *val its value (NULL for a
 * flag), *i advanced past what it consumed ("--name VALUE",
 * "--name=VALUE", "-tVALUE" for a one-letter short option, "-O2" for a
 * joined one).  Not an option: VY_O_ARG with *val the argument.  An
 * unknown option (with a suggestion), a missing value or a flag given a
 * value: reported as a usage error, VY_O_BAD. */
int vy_opt_color(const char *cmd, int *argc, char **argv);
int vy_opt_next(const char *cmd, int argc, char **argv, int *i,
		const char **val);
/* The usage line(s) of cmd, "vyrec build PROG.yaml [-t TARGET]...",
 * wrapped at 80 columns, and `vyrec help CMD`: usage, summary and every
 * option one line each. */
void vy_cmd_usage(FILE *f, const struct vy_cmd *c);
void vy_cmd_help(FILE *f, const struct vy_cmd *c);
/* `vyrec --help`: the commands. */
void vy_cmds_help(FILE *f);

/* A usage error: message to stderr with the command's usage; returns 2. */
int vy_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* "\nFix: did you mean 'X'?" when one of cands (n of them, NULLs
 * skipped) is near word, else "" (a static buffer: use it at once). */
const char *vy_did_you_mean(const char *word, const char *const *cands, int n);
/* Report the error of a failed library call (err: its malloc'd text,
 * freed here; "vyrec: WHAT: ERR" in text mode); returns code. */
int vy_fail(int code, const char *what, char *err);
/* Report an error as a diagnostic with origin ("vyrec run"): err is the
 * library's malloc'd text (freed here), or formatted from fmt.  Text mode
 * prints "ORIGIN: TEXT" now; JSON mode keeps it for vy_cli_finish. */
void vy_cli_error(const char *origin, char *err);
/* An error whose fix is its own field (no text to split): text mode
 * prints "ORIGIN: MSG<sep>FIX", JSON the message and fix apart. */
void vy_cli_error_fix(const char *origin, enum vy_fix_sep sep, const char *fix,
		      const char *fmt, ...) __attribute__((format(printf, 4, 5)));
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
