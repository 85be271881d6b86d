/*
 * backends.h: the dispatch-backend selection policy over an explicit table
 * (private to libvyrec), so unit tests can run it on their own
 * registrations.  src/backends.c runs the same functions on the frozen
 * process-wide tables.
 */
#ifndef VY_BACKENDS_H
#define VY_BACKENDS_H

#include "vyrec.h"

#define VY_MAX_BACKENDS 64

struct vy_backend_table {
	const struct vy_backend_reg *const *regs;
	int nregs;
	const struct vy_backend_rank *ranks;
	int nranks;
	const struct vy_backend_cap *caps;
	int ncaps;
};

/* The rank id submitted, UINT32_MAX when none (the first entry wins). */
uint32_t vy_backend_table_rank(const struct vy_backend_table *t,
			       const char *id);
/* The dispatches flag id submitted, false when none. */
bool vy_backend_table_dispatches(const struct vy_backend_table *t,
				 const char *id);
/* Write the registrations sorted by (rank, id) to out (t->nregs slots,
 * at most VY_MAX_BACKENDS); returns how many. */
int vy_backend_table_sort(const struct vy_backend_table *t,
			  const struct vy_backend_reg **out);
/* The registration named id, or NULL. */
const struct vy_backend_reg *vy_backend_table_find(
	const struct vy_backend_table *t, const char *id);
/* acquire(id) over t: SPEC §4's error when id is not registered. */
struct vy_backend *vy_backend_select_id(const struct vy_backend_table *t,
					const char *id, int device,
					char **err);
/* Preferred selection over t: by rank, dispatching only, never a
 * reference oracle, first factory that succeeds; else every error joined. */
struct vy_backend *vy_backend_select(const struct vy_backend_table *t,
				     int device, char **err);
/* Whether id names a CPU reference oracle ("reference", "cpu-ref"). */
bool vy_backend_is_reference(const char *id);

#endif
