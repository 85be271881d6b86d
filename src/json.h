/*
 * json.h: the one JSON writer (src/json.c) of manifests, --json outputs
 * and --diagnostics-format json.  Callers print their keys themselves, in
 * the fixed order SPEC and the goldens give; these are the pieces whose
 * spelling must not differ between them.
 */
#ifndef VY_JSON_H
#define VY_JSON_H

#include <stdio.h>

#include "vyrec.h"

/* s (NULL: "") as a quoted JSON string into b. */
void vy_json_str(struct vy_buf *b, const char *s);
/* The same onto f. */
void vy_json_fstr(FILE *f, const char *s);
/* The shortest %g text that reads back as d, in buf (at least 32 bytes);
 * returns buf. */
const char *vy_json_num(char *buf, double d);

#endif
