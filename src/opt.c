/*
 * opt.c: vyrec's own IR optimisations (-O1).  Being written: for now the
 * program passes through unchanged, which is always correct.
 */
#include "vyrec.h"

void vy_optimize(struct vy_program *p, int level)
{
	(void)p;
	(void)level;
}
