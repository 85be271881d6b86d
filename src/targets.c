/*
 * targets.c: the AOT emitter registry.  Every emitter is listed here and
 * only here; the same table drives lookup, --help and `vyrec targets`.
 * Lookup is the registries' one (vy_reg_find, suggest.c).
 */
#include <string.h>

#include "vyrec.h"

const struct vy_aot_emitter *const vy_emitters[] = {
	&vy_emitter_spv, &vy_emitter_ptx, &vy_emitter_glsl,
	&vy_emitter_reference, NULL
};

#define NEMIT (sizeof vy_emitters / sizeof *vy_emitters - 1)

static int find(const char *name, const char **near)
{
	const struct vy_reg_head *heads[NEMIT];
	for (size_t i = 0; i < NEMIT; i++)
		heads[i] = &vy_emitters[i]->head;
	return vy_reg_find(heads, (int)NEMIT, name, near);
}

const struct vy_aot_emitter *vy_emitter_find(const char *name)
{
	int i = find(name, NULL);
	return i < 0 ? NULL : vy_emitters[i];
}

const char *vy_emitter_suggest(const char *name)
{
	const char *near = NULL;
	return find(name, &near) < 0 ? near : NULL;
}

int vy_emit(const struct vy_aot_emitter *t, const struct vy_program *p,
	    const struct vy_emit_config *c, struct vy_buf *out, char **err)
{
	if ((t->passes & VY_PASS_UNROLL) && c && c->opt_level >= 1)
		p = vy_unroll(p);
	if ((t->passes & VY_PASS_SCALARISE) && c && c->opt_level >= 1)
		p = vy_scalarise(p);
	return t->emit(p, c, out, err);
}
