/* emitters/ptx.c: STUB, being written. */
#include "vyrec.h"

static int emit(const struct vy_program *p, const struct vy_emit_config *c,
		struct vy_buf *out, char **err)
{
	*err = vy_strf("the ptx emitter is not implemented yet");
	return VY_EMIT_REJECT;
}

const struct vy_aot_emitter vy_emitter_ptx = {
	.id = "ptx",
	.aliases = (const char *const[]){ "secondary_text", NULL },
	.summary = "NVIDIA PTX assembly text",
	.ext = ".ptx",
	.emit = emit,
};
