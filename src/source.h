/*
 * source.h: reading a source (a file or standard input) and the byte-level
 * rules every vyrec text file follows, shared by the YAML tree
 * (yaml_tree.c), the textloc walker (textloc.c), the program loader and
 * the dialect loader.
 */
#ifndef VY_SOURCE_H
#define VY_SOURCE_H

#include "vyrec.h"

/* The source's bytes are UTF-8 without NUL or control bytes; the first
 * offender is reported, located. */
bool vy_source_check(const struct vy_source *src, struct vy_diags *d);
/* Read path ("-": standard input) into a source kept in the arena, at
 * most VY_MAX_FILE bytes, non-empty and checked; errors are reported at
 * `from` (what: "program", "dialect file"). NULL on error. */
const struct vy_source *vy_source_read_from(struct vy_arena *a,
					    const char *path, struct vy_loc from,
					    const char *what, struct vy_diags *d);
/* Line and byte column of offset off, counting '\n' as diag.c does. */
struct vy_loc vy_source_loc(const struct vy_source *src, size_t off, int len);

/* YAML line breaks: \n, \r, \r\n, NEL, LS, PS.  Whether one starts at p
 * of t[0..n), and the offset after the one at p. */
bool vy_text_is_break(const char *t, size_t n, size_t p);
size_t vy_text_skip_break(const char *t, size_t n, size_t p);
/* Length of the UTF-8 sequence at s (n bytes left), 0 when invalid. */
int vy_utf8_len(const unsigned char *s, size_t n);

/* Put d->v[first..] in file order (stable): a stage that reports as it
 * walks the tree shows its errors top to bottom. */
void vy_ysort_diags(struct vy_diags *d, int first);

#endif
