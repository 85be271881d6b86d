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
	return vy_compile_source(c, vy_source_read(c->arena, path, &c->diags), o);
}

bool vy_compile_source(struct vy_compilation *c, const struct vy_source *src,
		       const struct vy_compile_opts *o)
{
	struct vy_program *p = src ? vy_load(c->arena, src, &c->diags) : NULL;   /* YAML -> AST */
	if (!p || c->diags.nerrors)
		return false;
	c->reg = vy_dialects_registry(c->arena, p, o->dialects, o->ndialects,
				      &c->dialects, &c->diags);
	if (!c->reg)
		return false;
	bool ok = true;
	for (int i = 0; i < p->nparts; i++)   /* a 1.0 program: one part, p */
		ok = vy_resolve(p->parts[i], c->reg, &c->diags) &&
		     vy_verify(p->parts[i], &c->diags) && ok;       /* AST -> typed IR */
	if (!vy_resolve_pipeline(p, c->reg, &c->diags) || !ok)
		return false;
	vy_lower_f16(p);                                             /* f16 -> f32 */
	for (int i = 0; i < p->nparts; i++) {
		vy_optimize(p->parts[i], o->opt_level);                   /* IR -> IR */
		p->parts[i]->fast_math = o->fast_math;
		p->parts[i]->opt_level = o->opt_level;
	}
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
