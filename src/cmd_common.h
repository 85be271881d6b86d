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

/* Consume a compile option at argv[*i] (--dialect, -O0/1/2, --fast-math,
 * --diagnostics-format). 1 consumed, 0 not ours, -1 usage error. */
int vy_cli_compile_opt(struct vy_cli_compile *o, int argc, char **argv, int *i);
/* Compile o->prog, printing diagnostics; false on errors. */
bool vy_cli_compile(struct vy_cli_compile *o, struct vy_compilation *c);

#endif
