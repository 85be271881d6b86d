/* cmd_common.h: options every compiling command takes. */
#ifndef VY_CMD_COMMON_H
#define VY_CMD_COMMON_H

#include "cli.h"

struct vy_cli_compile {
	const char *prog;            /* PROG.yaml */
	const char *dialects[64];
	int ndialects;
	int opt_level;
	bool fast_math;              /* --fast-math (SPEC §10.6) */
};

/* Take the compile option id (--dialect, -O0/1/2, --fast-math,
 * --diagnostics-format) with its value v, as vy_opt_next of command cmd
 * gave them. 1 taken, 0 not a compile option, -1 usage error. */
int vy_cli_compile_opt(struct vy_cli_compile *o, const char *cmd, int id,
		       const char *v);
/* Compile o->prog, printing diagnostics; false on errors. */
bool vy_cli_compile(struct vy_cli_compile *o, struct vy_compilation *c);
/* --watch (cmd_watch.c): compile o->prog and run step (NULL for check) on
 * each good compilation, then again whenever the program or a dialect file
 * it read changes; diagnostics and a status line each time; 0 on SIGINT,
 * SIGTERM or SIGHUP, 1 when the files cannot be watched. */
int vy_watch(const char *cmd, struct vy_cli_compile *o,
	     int (*step)(void *arg, struct vy_compilation *c), void *arg);

#endif
