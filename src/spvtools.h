/*
 * spvtools.h: a small C interface over SPIRV-Tools (validator, optimiser,
 * disassembler), run in-process.  Any module may call it: the spv emitter
 * validates and optimises its output, the glsl emitter validates glslang's
 * SPIR-V, the Vulkan backend and tests may validate what they load.
 *
 * Target environments are named by the Vulkan minor version: 0..3 for
 * vulkan1.0..vulkan1.3 (SPV_ENV_VULKAN_1_x); -1 selects the universal
 * SPIR-V 1.6 environment (no Vulkan rules).  Every function returns 0 on
 * success, or -1 with a malloc'd message in *err (the caller frees it).
 * Words are host-endian SPIR-V words, n counts words, not bytes.
 */
#ifndef VY_SPVTOOLS_H
#define VY_SPVTOOLS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Validate a module for vulkan1.vk_minor; *err holds the validator's
 * message(s) on failure. */
int vy_spvtools_validate(const uint32_t *words, size_t n, int vk_minor,
			 char **err);

/* Run SPIRV-Tools' performance passes (what `spirv-opt -O` runs).  On
 * success *out (malloc'd, caller frees) holds *out_n words. */
int vy_spvtools_optimize(const uint32_t *words, size_t n, int vk_minor,
			 uint32_t **out, size_t *out_n, char **err);

/* Disassemble to text with friendly names (%main, %x, ...), as spirv-dis
 * prints them.  *text is malloc'd and NUL-terminated (NULL on failure);
 * err may be NULL. */
int vy_spvtools_disassemble(const uint32_t *words, size_t n, char **text,
			    char **err);

/* Link nmods modules (mods[i] of ns[i] words) into one; *out malloc'd. */
int vy_spvtools_link(const uint32_t *const *mods, const size_t *ns,
		     size_t nmods, int vk_minor, uint32_t **out, size_t *out_n,
		     char **err);

#ifdef __cplusplus
}
#endif

#endif
