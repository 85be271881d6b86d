/* cmd_build.c: STUB, being written. */
#include "cli.h"

int vy_cmd_build(int argc, char **argv)
{
	fprintf(stderr, "vyrec build: not implemented yet\n");
	return VY_EXIT_INTERNAL;
}
