/* emitters/spv.c: STUB, being written. */
#include "vyrec.h"

static int emit(const struct vy_program *p, const struct vy_emit_config *c,
		struct vy_buf *out, char **err)
{
	*err = vy_strf("the spv emitter is not implemented yet");
	return VY_EMIT_REJECT;
}

const struct vy_aot_emitter vy_emitter_spv = {
	.id = "spv",
	.aliases = (const char *const[]){ "spirv", "primary_binary", NULL },
	.summary = "SPIR-V binary for Vulkan (validated with SPIRV-Tools)",
	.ext = ".spv",
	.emit = emit,
};
