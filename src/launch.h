/*
 * launch.h: launch-time helpers shared by the run/verify commands, the
 * manifest writer and the launcher emitters (private to libvyrec).
 */
#ifndef VY_LAUNCH_H
#define VY_LAUNCH_H

#include "vyrec.h"

/* Fill params (declaration order, as bits) with defaults for self-tests
 * and `verify`: every u32 param that sizes a buffer or the dispatch gets
 * the smallest common value for which the grid holds at least 4
 * workgroups, preferring one that fills them exactly (4 x 256 = 1024 for
 * `dispatch: [n]`, workgroup 256); other u32 and i32 params are 3, f32
 * params 1.5.  0, or -1 with *err when no value up to 2^20 launches. */
int vy_default_params(const struct vy_program *p, uint32_t *params,
		      char **err);

/* The text of dispatch axis `axis` as written, or for the default
 * dispatch the count text of the buffer it was taken from. */
const char *vy_dispatch_text(const struct vy_program *p, int axis);

/* The launch of one streamed chunk: counts from l->params, buffer buf's
 * count is n, then the dispatch again (it may use len()). 0 or -1 with
 * *err. */
int vy_launch_chunk(const struct vy_program *p, struct vy_launch *l, int buf,
		    uint32_t n, char **err);

#endif
