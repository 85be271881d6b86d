/*
 * targets.c: the AOT emitter registry.  Every emitter is listed here and
 * only here; the same table drives lookup, --help and `vyrec targets`.
 */
#include <string.h>

#include "vyrec.h"

const struct vy_aot_emitter *const vy_emitters[] = {
	&vy_emitter_spv, &vy_emitter_ptx, &vy_emitter_glsl,
	&vy_emitter_reference, NULL
};

const struct vy_aot_emitter *vy_emitter_find(const char *name)
{
	for (int i = 0; vy_emitters[i]; i++) {
		const struct vy_aot_emitter *e = vy_emitters[i];
		if (!strcmp(e->id, name))
			return e;
		for (int j = 0; e->aliases && e->aliases[j]; j++)
			if (!strcmp(e->aliases[j], name))
				return e;
	}
	return NULL;
}

int vy_emit(const struct vy_aot_emitter *t, const struct vy_program *p,
	    const struct vy_emit_config *c, struct vy_buf *out, char **err)
{
	if ((t->passes & VY_PASS_UNROLL) && c && c->opt_level >= 1)
		p = vy_unroll(p);
	return t->emit(p, c, out, err);
}
