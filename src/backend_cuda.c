/* backend_cuda.c: STUB, being written. */
#include "vyrec.h"

static struct vy_backend *factory(int device, char **err)
{
	*err = vy_strf("the cuda backend is not implemented yet. Fix: use another backend");
	return NULL;
}

static bool supports(enum vy_opcode op) { return true; }

const struct vy_backend_reg vy_backend_cuda = {
	.id = "cuda", .version = VY_VERSION, .factory = factory, .supports = supports,
};
