/* cmd_targets.c: STUB, being written. */
#include "cli.h"

int vy_cmd_targets(int argc, char **argv)
{
	fprintf(stderr, "vyrec targets: not implemented yet\n");
	return VY_EXIT_INTERNAL;
}
