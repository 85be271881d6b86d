/*
 * compile.c: the pipeline, top to bottom.  Read the file, load the YAML
 * into an AST, assemble the registry with the program's dialects, resolve
 * and verify into typed IR, optimise.  Emission is the caller's: one
 * emitter per target (vyrec build), or a backend (vyrec run).
 */
#include <string.h>

#include "vyrec.h"

bool vy_compile(struct vy_compilation *c, const char *path,
		const struct vy_compile_opts *o)
{
	memset(c, 0, sizeof *c);
	c->arena = vy_arena_new();
	const struct vy_source *src = vy_source_read(c->arena, path, &c->diags);
	struct vy_program *p = src ? vy_load(c->arena, src, &c->diags) : NULL;   /* YAML -> AST */
	if (!p || c->diags.nerrors)
		return false;
	c->reg = vy_dialects_registry(c->arena, p, o->dialects, o->ndialects,
				      &c->dialects, &c->diags);
	if (!c->reg)
		return false;
	if (!vy_resolve(p, c->reg, &c->diags) || !vy_verify(p, &c->diags))   /* AST -> typed IR */
		return false;
	vy_optimize(p, o->opt_level);                                          /* IR -> IR */
	p->fast_math = o->fast_math;
	p->opt_level = o->opt_level;
	c->prog = p;
	return true;
}

void vy_compilation_free(struct vy_compilation *c)
{
	vy_registry_free(c->reg);
	vy_diags_free(&c->diags);
	vy_arena_free(c->arena);
	memset(c, 0, sizeof *c);
}
