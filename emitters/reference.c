/* emitters/reference.c: STUB, being written. */
#include "vyrec.h"

static int emit(const struct vy_program *p, const struct vy_emit_config *c,
		struct vy_buf *out, char **err)
{
	*err = vy_strf("the reference emitter is not implemented yet");
	return VY_EMIT_REJECT;
}

const struct vy_aot_emitter vy_emitter_reference = {
	.id = "reference",
	.aliases = (const char *const[]){ "reference_backend", "cpu-ref", NULL },
	.summary = "portable bytecode for the vyrec reference VM",
	.ext = ".vyref",
	.emit = emit,
};
