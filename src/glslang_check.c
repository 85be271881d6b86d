/*
 * glslang_check.c: compile GLSL compute shader text to SPIR-V through
 * glslang's C interface.  The glsl emitter uses it to validate its own
 * output; tests use it to get SPIR-V that a launcher can load in place of
 * the spv target's.  The glslang process state is set up lazily, once,
 * and torn down at exit.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <glslang/Include/glslang_c_interface.h>
#include <glslang/Public/resource_limits_c.h>

#include "vyrec.h"
#include "glslang_check.h"

int vy_cxx_guard(int (*fn)(void *), void *ctx, const char *what, char **err);

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int init_ok;

static void finalize(void)
{
	glslang_finalize_process();
}

static void initialize(void)
{
	init_ok = glslang_initialize_process();
	if (init_ok)
		atexit(finalize);
}

static glslang_target_client_version_t client_version(int minor)
{
	switch (minor) {
	case 0: return GLSLANG_TARGET_VULKAN_1_0;
	case 2: return GLSLANG_TARGET_VULKAN_1_2;
	case 3: return GLSLANG_TARGET_VULKAN_1_3;
	default: return GLSLANG_TARGET_VULKAN_1_1;
	}
}

/* The SPIR-V version each Vulkan version guarantees. */
static glslang_target_language_version_t spirv_version(int minor)
{
	switch (minor) {
	case 0: return GLSLANG_TARGET_SPV_1_0;
	case 2: return GLSLANG_TARGET_SPV_1_5;
	case 3: return GLSLANG_TARGET_SPV_1_6;
	default: return GLSLANG_TARGET_SPV_1_3;
	}
}

static char *failure(const char *stage, const char *log, const char *dbg)
{
	return vy_strf("glslang %s failed: %s%s", stage,
		       log && *log ? log : "(no message)\n",
		       dbg && *dbg ? dbg : "");
}

/* Link the parsed shader and generate SPIR-V into words. */
static int generate(glslang_shader_t *sh, const glslang_input_t *in,
		    uint32_t **words, size_t *nwords, char **err)
{
	glslang_program_t *prog = glslang_program_create();
	int rc = -1;

	glslang_program_add_shader(prog, sh);
	if (!glslang_program_link(prog, in->messages)) {
		*err = failure("link", glslang_program_get_info_log(prog),
			       glslang_program_get_info_debug_log(prog));
		goto out;
	}
	/* glslang_program_SPIRV_generate would also run the SPIRV-Tools
	 * validator with friendly names, whose name table is quadratic in
	 * glslang's many temporaries named "param" (7 s for 1 000 helper
	 * calls), and only logs what it finds: generate without it. */
	glslang_spv_options_t opts = { .disable_optimizer = true };
	glslang_program_SPIRV_generate_with_options(prog, in->stage, &opts);
	const char *msgs = glslang_program_SPIRV_get_messages(prog);
	size_t n = glslang_program_SPIRV_get_size(prog);
	if (n == 0) {
		*err = failure("SPIR-V generation", msgs, NULL);
		goto out;
	}
	if (words) {
		*words = vy_xmalloc(n * sizeof **words, "glslang's SPIR-V");
		glslang_program_SPIRV_get(prog, *words);
	}
	if (nwords)
		*nwords = n;
	rc = 0;
out:
	glslang_program_delete(prog);
	return rc;
}

struct compile_args {
	const char *src;
	int vk_minor;
	uint32_t **words;
	size_t *nwords;
	char **err;
};

static int compile(void *vargs)
{
	struct compile_args *a = vargs;
	glslang_input_t in = {
		.language = GLSLANG_SOURCE_GLSL,
		.stage = GLSLANG_STAGE_COMPUTE,
		.client = GLSLANG_CLIENT_VULKAN,
		.client_version = client_version(a->vk_minor),
		.target_language = GLSLANG_TARGET_SPV,
		.target_language_version = spirv_version(a->vk_minor),
		.code = a->src,
		.default_version = 450,
		.default_profile = GLSLANG_NO_PROFILE,
		.messages = GLSLANG_MSG_SPV_RULES_BIT |
			    GLSLANG_MSG_VULKAN_RULES_BIT,
		.resource = glslang_default_resource(),
	};
	glslang_shader_t *sh = glslang_shader_create(&in);
	int rc = -1;

	if (!sh) {
		*a->err = vy_strf("glslang_shader_create failed");
		return -1;
	}
	if (!glslang_shader_preprocess(sh, &in))
		*a->err = failure("preprocessing", glslang_shader_get_info_log(sh),
				  glslang_shader_get_info_debug_log(sh));
	else if (!glslang_shader_parse(sh, &in))
		*a->err = failure("parsing", glslang_shader_get_info_log(sh),
				  glslang_shader_get_info_debug_log(sh));
	else
		rc = generate(sh, &in, a->words, a->nwords, a->err);
	glslang_shader_delete(sh);
	return rc;
}

static int init_guarded(void *unused)
{
	(void)unused;
	pthread_once(&init_once, initialize);
	return init_ok ? 0 : -1;
}

/* glslang is C++ behind its C interface: std::bad_alloc from it is out of
 * memory (exit 1), not a rejected shader (vy_cxx_guard, cxxguard.cpp). */
int vy_glslang_compile(const char *src, int vk_minor, uint32_t **words,
		       size_t *nwords, char **err)
{
	*err = NULL;
	if (vy_cxx_guard(init_guarded, NULL, "glslang", err)) {
		if (!*err)
			*err = vy_strf("glslang_initialize_process failed");
		return -1;
	}
	struct compile_args a = { src, vk_minor, words, nwords, err };
	int rc = vy_cxx_guard(compile, &a, "glslang", err);
	if (rc && !*err)
		*err = vy_strf("glslang failed (no message)");
	return rc;
}
