/*
 * glslang_check.h: GLSL compute shader text to SPIR-V words with glslang,
 * in-process.  glslang is initialised on first use only, so builds that
 * never touch GLSL never pay for it.
 */
#ifndef VY_GLSLANG_CHECK_H
#define VY_GLSLANG_CHECK_H

#include <stddef.h>
#include <stdint.h>

/* Compile the NUL-terminated compute shader src for Vulkan 1.vk_minor
 * (0..3; SPIR-V 1.0, 1.3, 1.5, 1.6).  0 with *words (malloc'd) and
 * *nwords on success; -1 with *err (malloc'd, glslang's info log) when
 * glslang rejects it.  words may be NULL to only check.  Thread-safe. */
int vy_glslang_compile(const char *src, int vk_minor, uint32_t **words,
		       size_t *nwords, char **err);

#endif
