/*
 * launcher.h: what the launcher emitters (launchers/) share, private to
 * libvyrec: the common template data tree built from a launcher request,
 * the printers that turn a launch-time expression into C or Rust source,
 * and template loading (embedded, or --template-dir) and rendering into
 * the project's file list.
 *
 * The data tree (every key always present, so templates never miss one):
 *
 *   name            project name (identifier)       program   program name
 *   description     free text ("" when absent)      has_description  bool
 *   target          "spv" | "ptx" | "reference"     is_spv is_ptx is_reference  bools
 *   version         vyrec version                   entry     entry point ("main" / program name)
 *   wg_x wg_y wg_z  workgroup size                  with_bench  bool
 *   nparams nbuffers  decimal counts                has_params has_buffers  bools
 *   nparams1 nbuffers1  the same but at least 1 (for array sizes)
 *   params[]        name type ("u32") type_upper ("U32") index offset c_type
 *                   rs_type elem_size (the type spellings: vyrec_types.def)
 *                   selftest_bits ("0x3fc00000u" style without suffix: "0x3fc00000")
 *                   selftest_text (the value as text, e.g. "1.5")
 *                   np_dtype ("<u4")  last (bool)
 *   buffers[]       name binding index type type_upper c_type rs_type access
 *                   (read_only|write_only|read_write) access_upper
 *                   (READ_ONLY...) has_expected is_input is_output
 *                   elem_size np_dtype
 *                   count_text (as written)  count_c count_rs (printed
 *                   expressions over p[] and c[])
 *                   selftest_count  seed (decimal: selftest seed + binding)
 *                   expected ("0x...," words, array body; "" for inputs)
 *                   nexpected  last (bool)
 *   dispatch[]      3 items: axis expr_c expr_rs text (unused axes "1")
 *   ndispatch       axes as written
 *   kernel_bytes    "0x..," byte array body (with a final 0x00 for ptx so
 *                   the text is NUL-terminated; kernel_len excludes it)
 *   kernel_len      decimal
 *   manifest        manifest.json text
 *   selftest_seed   decimal
 *   tol_ulp tol_abs  "%.17g" of the self-test float tolerance
 *   grid_x grid_y grid_z  the self-test grid (for the README)
 *
 * Array bodies are valid in both C and Rust: hex literals separated by
 * ", " with a trailing comma, 12 bytes or 8 words per line.
 *
 * Expressions (counts, dispatch) are printed as u32-bit arithmetic over
 * `p` (param bits, declaration order) and `c` (buffer element counts):
 * every subexpression is a uint32_t / u32 holding the value's bits
 * (bool 0/1, f32 as IEEE bits).  The printed code calls these helpers,
 * which the template must define (same names in C and Rust):
 *
 *   vy_div_u vy_div_i vy_rem_u vy_rem_i  (doc/SEMANTICS.md: x/0 = 0xFFFFFFFF,
 *       x%0 = x, INT_MIN/-1 = INT_MIN, INT_MIN%-1 = 0)
 *   vy_shr_i (C only; Rust uses wrapping_shr on i32)
 *   vy_min_u vy_min_i vy_max_u vy_max_i vy_clamp_u vy_clamp_i
 *   vy_f2u vy_f2i (truncate, saturate, NaN -> 0) vy_u2f vy_i2f
 *   vy_fadd vy_fsub vy_fmul vy_fdiv vy_fneg vy_fmin vy_fmax (f32 bits in,
 *       bits out; min/max return the other operand for one NaN)
 *   vy_feq vy_fne vy_flt vy_fle vy_fgt vy_fge  (return 0/1)
 *
 * templates/c/src/uniform.h is the C implementation.
 */
#ifndef VY_LAUNCHER_H
#define VY_LAUNCHER_H

#include "vyrec.h"
#include "template.h"

enum vy_lang { VY_LANG_C, VY_LANG_RUST };

/* Print e (a resolved launch-time u32/i32/f32/bool expression) as source
 * of lang over arrays named p and c. 0, or -1 with *err naming the op a
 * launcher cannot evaluate at launch time. */
int vy_launcher_expr(struct vy_buf *out, const struct vy_program *prog,
		     const struct vy_expr *e, enum vy_lang lang, char **err);

/* What the launcher runtimes cannot run yet: NULL, or why, with a Fix
 * (malloc'd; caller frees).  vy_launcher_data refuses such programs too. */
char *vy_launcher_unsupported(const struct vy_program *p);
/* The same for the element types of p's buffers and params that the
 * launcher of lang ("c", "cargo") does not run yet. */
char *vy_launcher_types_unsupported(const struct vy_program *p, const char *lang);

/* The common data tree of r (see above), in arena a. NULL with *err when
 * an expression cannot be printed. */
struct vy_tval *vy_launcher_data(struct vy_arena *a,
				 const struct vy_launcher_request *r,
				 char **err);

/* The template text at rel (relative to templates/, e.g.
 * "c/Makefile.mustache"): from dir/rel when dir is set, else embedded.
 * NULL with *err when absent. *len gets its length. The returned text is
 * malloc'd (caller frees). */
char *vy_launcher_template(const char *dir, const char *rel, size_t *len,
			   char **err);

/* Every embedded template path that starts with prefix ("c/"), in sorted
 * order; n set to their number. Returned pointers are static. */
const char **vy_launcher_templates(const char *prefix, int *n);

/* Load template rel and add it to out as file path (relative to the
 * project): rendered with data when rel ends in ".mustache", else copied
 * verbatim. 0, or -1 with *err. */
int vy_launcher_add(const struct vy_launcher_request *r,
		    const struct vy_tval *data, const char *rel,
		    const char *path, struct vy_launcher_files *out,
		    char **err);

/* Add every template under prefix ("c/", "cargo/"), each to the path
 * after the prefix with any ".mustache" suffix dropped, except those for
 * which skip(rel, ctx) is true (skip may be NULL). */
int vy_launcher_add_all(const struct vy_launcher_request *r,
			const struct vy_tval *data, const char *prefix,
			bool (*skip)(const char *rel, void *ctx), void *ctx,
			struct vy_launcher_files *out, char **err);

/* Add a file with the given bytes (copied). 0, or -1 with *err when out
 * is full. */
int vy_launcher_add_bytes(struct vy_launcher_files *out, const char *path,
			  const void *p, size_t n, char **err);

/* Free the files' paths and data. */
void vy_launcher_files_free(struct vy_launcher_files *f);

/* The f32 tolerance of p used by self-tests: its `tolerance`, else the
 * largest (ulp, abs) bound of the f32 ops it uses. */
void vy_launcher_tolerance(const struct vy_program *p, double *ulp,
			   double *abs);

#endif
