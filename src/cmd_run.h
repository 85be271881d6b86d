/*
 * cmd_run.h: what `vyrec run` and `vyrec verify` share: compiling the
 * reading --param, finding buffers by
 * name and owning the host buffers of a run.
 */
#ifndef VY_CMD_RUN_H
#define VY_CMD_RUN_H

#include "cmd_common.h"

struct vy_host {
	int n;
	void **bufs;          /* one calloc'd block per buffer */
};

/* The index of buffer name in p, or -1. */
int vy_run_find_buffer(const struct vy_program *p, const char *name);
/* A usage error for an unknown buffer name, with did-you-mean. */
int vy_run_unknown_buffer(const char *cmd, const struct vy_program *p,
			  const char *name);
/* Allocate zeroed host buffers of l->counts elements. */
void vy_host_alloc(struct vy_host *h, const struct vy_program *p,
		   const struct vy_launch *l);
/* A deep copy of src. */
void vy_host_copy(struct vy_host *dst, const struct vy_host *src,
		  const struct vy_program *p, const struct vy_launch *l);
void vy_host_free(struct vy_host *h);
/* Parse a subgroup size: a power of two from 4 to 128 (SPEC §10.4). */
int vy_run_subgroup_size(const char *cmd, const char *s, uint32_t *n);
/* Parse --device N (>= 0). */
int vy_run_device(const char *cmd, const char *s, int *dev);

#endif
