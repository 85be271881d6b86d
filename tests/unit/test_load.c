/*
 * test_load.c: a driver for the YAML loader alone.  Loads each file named
 * on the command line, prints the diagnostics as `vyrec check` does
 * (stderr) and a summary of the loaded program (stdout), so the loader
 * can be tested before the rest of the front end.  Built with
 * -DSTUB_PARSER when src/expr_parse.c is not there yet: then a stub
 * parser stands in, which reports "stub error" at every "@@" so that
 * vy_textloc_at can be tested.
 */
#include <stdlib.h>
#include <string.h>

#include "vyrec.h"

#ifdef STUB_PARSER
static void stub_check(const char *t, size_t n, const struct vy_textloc *tl,
		       struct vy_diags *d)
{
	for (size_t i = 0; i + 1 < n; i++)
		if (t[i] == '@' && t[i + 1] == '@')
			vy_error(d, vy_textloc_at(tl, i, 2), NULL, "stub error");
}

/* decls.c's checks on folded values run in the resolver, which the stub
 * build leaves out. */
uint32_t vy_eval_uniform(const struct vy_program *p, const struct vy_expr *e,
			 const uint32_t *params, const uint32_t *lens)
{
	return 1;
}

struct vy_expr *vy_parse_expr(struct vy_arena *a, const char *text, size_t n,
			      const struct vy_textloc *tl, struct vy_diags *d)
{
	stub_check(text, n, tl, d);
	struct vy_expr *e = vy_alloc(a, sizeof *e);
	e->kind = VY_E_NAME;
	e->name = vy_strndup(a, text, n);
	e->loc = vy_textloc_at(tl, 0, (int)n);
	return e;
}

struct vy_stmt *vy_parse_stmt(struct vy_arena *a, const char *text, size_t n,
			      const struct vy_textloc *tl, struct vy_diags *d)
{
	struct vy_stmt *s = vy_alloc(a, sizeof *s);
	s->kind = VY_S_EXPR;
	s->value = vy_parse_expr(a, text, n, tl, d);
	s->loc = s->value->loc;
	return s;
}

bool vy_parse_for(struct vy_arena *a, const char *text, size_t n,
		  const struct vy_textloc *tl, struct vy_stmt *s,
		  struct vy_diags *d)
{
	stub_check(text, n, tl, d);
	s->name = vy_strndup(a, text, n);
	return true;
}
#endif

static void dump_block(const struct vy_block *b, int depth)
{
	static const char *kinds[] = { "let", "var", "assign", "store", "if", "for",
		"while", "break", "continue", "return", "barrier", "expr" };
	for (int i = 0; i < b->n; i++) {
		const struct vy_stmt *s = b->v[i];
		printf("%*s%s @%d:%d", depth * 2, "", kinds[s->kind], s->loc.line, s->loc.col);
		if (s->value && s->value->kind == VY_E_NAME)
			printf(" [%s]", s->value->name);
		if (s->kind == VY_S_FOR && s->name)
			printf(" {%s}", s->name);
		putchar('\n');
		dump_block(&s->body, depth + 1);
		if (s->els.n) {
			printf("%*selse\n", depth * 2, "");
			dump_block(&s->els, depth + 1);
		}
	}
}

static void dump(const struct vy_program *p)
{
	printf("name %s\nwgsize %u %u %u (%d)\n", p->name, p->wgsize[0],
	       p->wgsize[1], p->wgsize[2], p->nwgsize);
	if (p->description)
		printf("description %s\n", p->description);
	for (int i = 0; i < p->ndialects; i++)
		printf("dialect %s\n", p->dialects[i]);
	for (int i = 0; i < p->nparams; i++)
		printf("param %s %s\n", p->params[i].name, vy_type_name(p->params[i].type));
	for (int i = 0; i < p->nbuffers; i++)
		printf("buffer %s binding %d%s %s count %s access %d\n",
		       p->buffers[i].name, p->buffers[i].binding,
		       p->buffers[i].explicit_binding ? "!" : "",
		       vy_type_name(p->buffers[i].type), p->buffers[i].count_text,
		       p->buffers[i].access);
	for (int i = 0; i < p->nshared; i++)
		printf("shared %s %s %u%s\n", p->shared[i].name,
		       vy_type_name(p->shared[i].type), p->shared[i].count,
		       p->shared[i].count_expr ? " expr" : "");
	for (int i = 0; i < p->ndispatch; i++)
		printf("dispatch %s\n", p->dispatch_text[i]);
	if (p->has_tolerance)
		printf("tolerance %g %g\n", p->tol_ulp, p->tol_abs);
	dump_block(&p->entry, 0);
}

/* -d FILE...: load dialect files into one set and list it. */
static int dialects(int argc, char **argv)
{
	struct vy_arena *a = vy_arena_new();
	struct vy_diags d = {0};
	struct vy_dialect_set set = {0};
	for (int i = 2; i < argc; i++)
		vy_dialect_load(a, &set, argv[i], (struct vy_loc){0}, &d);
	vy_diags_print(&d, stderr, VY_DIAG_TEXT, false);
	for (int i = 0; i < set.n; i++) {
		const struct vy_dialect *dl = set.v[i];
		printf("dialect %s %s (%d.%d.%d) from %s\n", dl->name, dl->version,
		       dl->major, dl->minor, dl->patch, dl->path);
		for (int j = 0; j < dl->nops; j++) {
			const struct vy_opdef *op = &dl->ops[j];
			printf("  %s(%s) -> %s lets %d body %s @%d:%d\n", op->id,
			       op->signature, op->result, op->nlets,
			       op->body && op->body->kind == VY_E_NAME ? op->body->name : "?",
			       op->loc.line, op->loc.col);
			for (int k = 0; k < op->nlets; k++)
				printf("    let %s = %s\n", op->let_names[k],
				       op->lets[k]->kind == VY_E_NAME ? op->lets[k]->name : "?");
		}
	}
	for (int i = 0; i < set.nfiles; i++)
		printf("file %s\n", set.files[i]);
	int rc = d.nerrors ? 1 : 0;
	vy_diags_free(&d);
	vy_arena_free(a);
	return rc;
}

int main(int argc, char **argv)
{
	int rc = 0;
	if (argc > 1 && !strcmp(argv[1], "-d"))
		return dialects(argc, argv);
	for (int i = 1; i < argc; i++) {
		struct vy_arena *a = vy_arena_new();
		struct vy_diags d = {0};
		const struct vy_source *src = vy_source_read(a, argv[i], &d);
		struct vy_program *p = src ? vy_load(a, src, &d) : NULL;
		vy_diags_print(&d, stderr, VY_DIAG_TEXT, false);
		if (p && !d.nerrors)
			dump(p);
		if (d.nerrors)
			rc = 1;
		vy_diags_free(&d);
		vy_arena_free(a);
	}
	return rc;
}
