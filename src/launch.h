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

/* The grid limits every backend applies (SPEC §1.4, §10.9), in workgroups
 * per axis. */
#define VY_GRID_MAX_X  2147483647u
#define VY_GRID_MAX_YZ 65535u

/* The one launch-time grid check, called by every backend before it
 * dispatches: each axis holds 1 to VY_GRID_MAX_X (x) or VY_GRID_MAX_YZ (y,
 * z) workgroups.  0, or -1 with *err naming the axis and its value (the
 * callers exit 3). */
int vy_launch_check_grid(const struct vy_program *p, const struct vy_launch *l,
			 char **err);

/* The launch of one streamed chunk: counts from l->params, buffer buf's
 * count is n (and so is the param that alone sizes it), then the dispatch
 * again (it may use len()). 0 or -1 with *err; l is changed, so the
 * caller saves and restores it around a stream. */
int vy_launch_chunk(const struct vy_program *p, struct vy_launch *l, int buf,
		    uint32_t n, char **err);

#endif
