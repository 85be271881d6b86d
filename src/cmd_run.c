/* cmd_run.c: STUB, being written. */
#include "cli.h"

int vy_cmd_run(int argc, char **argv)
{
	fprintf(stderr, "vyrec run: not implemented yet\n");
	return VY_EXIT_INTERNAL;
}
