/* emitters/glsl.c: STUB, being written. */
#include "vyrec.h"

static int emit(const struct vy_program *p, const struct vy_emit_config *c,
		struct vy_buf *out, char **err)
{
	*err = vy_strf("the glsl emitter is not implemented yet");
	return VY_EMIT_REJECT;
}

const struct vy_aot_emitter vy_emitter_glsl = {
	.id = "glsl",
	.aliases = (const char *const[]){ "primary_text", NULL },
	.summary = "GLSL 4.50 compute shader (validated with glslang)",
	.ext = ".comp",
	.emit = emit,
};
