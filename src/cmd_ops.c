/* cmd_ops.c: STUB, being written. */
#include "cli.h"

int vy_cmd_ops(int argc, char **argv)
{
	fprintf(stderr, "vyrec ops: not implemented yet\n");
	return VY_EXIT_INTERNAL;
}
