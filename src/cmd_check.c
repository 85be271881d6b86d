/* cmd_check.c: STUB, being written. */
#include "cli.h"

int vy_cmd_check(int argc, char **argv)
{
	fprintf(stderr, "vyrec check: not implemented yet\n");
	return VY_EXIT_INTERNAL;
}
