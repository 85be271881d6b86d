/* scale_sizes.c: the front end's per-statement memory (issue #10 item 5).
 * A 100 000-statement program holds about a million expression nodes,
 * 100 000 statements and two locations in each statement: any field added
 * to these structs costs megabytes there.  Compiled (-fsyntax-only) by
 * tests/t_scale.sh; a failure names the struct that grew. */
#include "vyrec.h"

_Static_assert(sizeof(struct vy_loc) == 16, "struct vy_loc grew past 16 bytes");
_Static_assert(sizeof(struct vy_expr) <= 64, "struct vy_expr grew past 64 bytes");
_Static_assert(sizeof(struct vy_stmt) <= 168, "struct vy_stmt grew past 168 bytes");
