/* cmd_backends.c: STUB, being written. */
#include "cli.h"

int vy_cmd_backends(int argc, char **argv)
{
	fprintf(stderr, "vyrec backends: not implemented yet\n");
	return VY_EXIT_INTERNAL;
}
