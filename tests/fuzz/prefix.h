/* tests/fuzz/prefix.h: the generated projects' prefix.h (templates/c/src/
 * prefix.h.mustache) for fuzz_launcher_npy.c, which compiles the C
 * template's main.c on its own: no prefixes, nothing to link apart. */
