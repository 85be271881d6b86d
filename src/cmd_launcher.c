/* cmd_launcher.c: STUB, being written. */
#include "cli.h"

int vy_cmd_launcher(int argc, char **argv)
{
	fprintf(stderr, "vyrec launcher: not implemented yet\n");
	return VY_EXIT_INTERNAL;
}
