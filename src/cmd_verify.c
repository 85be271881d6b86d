/* cmd_verify.c: STUB, being written. */
#include "cli.h"

int vy_cmd_verify(int argc, char **argv)
{
	fprintf(stderr, "vyrec verify: not implemented yet\n");
	return VY_EXIT_INTERNAL;
}
