/*
 * ir_dump.c: --dump-ir, the typed IR as text (one statement per line,
 * builtins by their names in decls.c).  Kept apart from ir.c's queries so
 * that the evaluator and the names table, which use those queries, do not
 * depend on the dump.
 */
#include <stdio.h>
#include <string.h>

#include "decls.h"
#include "ir.h"

static const char *mem_name(const struct vy_program *p, enum vy_space sp, int mem)
{
	return sp == VY_SPACE_BUFFER ? p->buffers[mem].name :
	       sp == VY_SPACE_PRIVATE ? p->privates[mem].name : p->shared[mem].name;
}

static void dump_expr(const struct vy_program *p, const struct vy_expr *e, FILE *f)
{
	switch (e->kind) {
	case VY_E_CONST:
		if (e->type == VY_F32) {
			float v;
			memcpy(&v, &e->bits, 4);
			fprintf(f, "%.9g", v);
		} else if (e->type == VY_I32)
			fprintf(f, "%di", (int32_t)e->bits);
		else if (e->type == VY_BOOL)
			fputs(e->bits ? "true" : "false", f);
		else
			fprintf(f, "%uu", e->bits);
		return;
	case VY_E_PARAM:
		fprintf(f, "%s", p->params[e->index].name);
		return;
	case VY_E_LOCAL:
		fprintf(f, "%s.%d", p->locals[e->index].name, e->index);
		return;
	case VY_E_BUILTIN:
		fprintf(f, "%s.%c", vy_builtin_name((enum vy_builtin)e->index), 'x' + e->axis);
		return;
	case VY_E_LEN:
		fprintf(f, "len(%s)", p->buffers[e->index].name);
		return;
	case VY_E_LOAD:
		fprintf(f, "%s[", mem_name(p, e->space, e->index));
		dump_expr(p, e->args[0], f);
		fputc(']', f);
		if (vy_type_lanes(vy_mem_type(p, e->space, e->index)) > 1)
			fprintf(f, ".%c", "xyzw"[e->axis & 3]);
		return;
	case VY_E_OP:
		fprintf(f, "(%s", e->op ? e->op->id : e->name);
		if (e->op && e->op->code == VY_OP_ADD && e->axis == VY_NOWRAP)
			fputs(".nw", f);   /* no wrap, proved by its loop's guard */
		if (e->op && (e->op->code == VY_OP_CAST || e->op->code == VY_OP_BITCAST))
			fprintf(f, "<%s>", vy_type_name(e->cast_to));
		fprintf(f, ":%s", vy_type_name(e->type));
		for (int i = 0; i < e->nargs; i++) {
			fputc(' ', f);
			dump_expr(p, e->args[i], f);
		}
		fputc(')', f);
		return;
	default:
		fprintf(f, "<unresolved %s>", e->name ? e->name : "?");
	}
}

static void dump_block(const struct vy_program *p, const struct vy_block *b,
		       int depth, FILE *f);

/* var a: f32[4][8] = FILL */
static void dump_array(const struct vy_program *p, const struct vy_stmt *s, FILE *f)
{
	const struct vy_privdecl *d = &p->privates[s->mem];
	fprintf(f, "var %s: %s[%u]", d->name, vy_type_name(d->type), d->dims[0]);
	if (d->ndims == 2)
		fprintf(f, "[%u]", d->dims[1]);
	fputs(" = ", f);
	dump_expr(p, s->value, f);
}

static void dump_stmt(const struct vy_program *p, const struct vy_stmt *s,
		      int depth, FILE *f)
{
	fprintf(f, "%*s", depth * 2, "");
	switch (s->kind) {
	case VY_S_LET:
	case VY_S_VAR:
	case VY_S_ASSIGN:
		fprintf(f, "%s%s.%d: %s = ", s->kind == VY_S_LET ? "let " :
			s->kind == VY_S_VAR ? "var " : "", p->locals[s->local].name,
			s->local, vy_type_name(p->locals[s->local].type));
		dump_expr(p, s->value, f);
		break;
	case VY_S_STORE:
		fprintf(f, "%s[", mem_name(p, s->space, s->mem));
		dump_expr(p, s->index, f);
		fputs(vy_type_lanes(vy_mem_type(p, s->space, s->mem)) > 1 ?
		      (const char *[]){ "].x = ", "].y = ", "].z = ", "].w = " }[s->comp & 3] :
		      "] = ", f);
		dump_expr(p, s->value, f);
		break;
	case VY_S_IF:
		fputs("if ", f);
		dump_expr(p, s->value, f);
		fputc('\n', f);
		dump_block(p, &s->body, depth + 1, f);
		if (s->els.n) {
			fprintf(f, "%*selse\n", depth * 2, "");
			dump_block(p, &s->els, depth + 1, f);
		}
		return;
	case VY_S_FOR:
		fprintf(f, "for %s.%d in ", p->locals[s->local].name, s->local);
		dump_expr(p, s->lo, f);
		fputs(s->step_negative ? " down to " : "..", f);
		dump_expr(p, s->hi, f);
		if (s->step) {
			fputs(" step ", f);
			dump_expr(p, s->step, f);
		}
		fputc('\n', f);
		dump_block(p, &s->body, depth + 1, f);
		return;
	case VY_S_WHILE:
		fputs("while ", f);
		dump_expr(p, s->value, f);
		fputc('\n', f);
		dump_block(p, &s->body, depth + 1, f);
		return;
	case VY_S_BREAK: fputs("break", f); break;
	case VY_S_CONTINUE: fputs("continue", f); break;
	case VY_S_RETURN: fputs("return", f); break;
	case VY_S_BARRIER: fputs("barrier", f); break;
	case VY_S_EXPR:
		dump_expr(p, s->value, f);
		break;
	case VY_S_ARRAY:
		dump_array(p, s, f);
		break;
	}
	fputc('\n', f);
}

static void dump_block(const struct vy_program *p, const struct vy_block *b,
		       int depth, FILE *f)
{
	for (int i = 0; i < b->n; i++)
		dump_stmt(p, b->v[i], depth, f);
}

void vy_dump_ir(const struct vy_program *p, FILE *f)
{
	fprintf(f, "program %s wgsize %u %u %u\n", p->name, p->wgsize[0],
		p->wgsize[1], p->wgsize[2]);
	for (int i = 0; i < p->nparams; i++)
		fprintf(f, "param %s: %s\n", p->params[i].name,
			vy_type_name(p->params[i].type));
	for (int i = 0; i < p->nbuffers; i++) {
		fprintf(f, "buffer %s: %s binding %d count ", p->buffers[i].name,
			vy_type_name(p->buffers[i].type), p->buffers[i].binding);
		if (p->buffers[i].count)
			dump_expr(p, p->buffers[i].count, f);
		fputc('\n', f);
	}
	for (int i = 0; i < p->nshared; i++)
		fprintf(f, "shared %s: %s[%u]\n", p->shared[i].name,
			vy_type_name(p->shared[i].type), p->shared[i].count);
	for (int i = 0; i < p->ndispatch; i++) {
		fprintf(f, "dispatch[%d] = ", i);
		dump_expr(p, p->dispatch[i], f);
		fputc('\n', f);
	}
	dump_block(p, &p->entry, 0, f);
}

/* ---- the IR passes' names (--dump-ir=NAME) ---- */

static const struct { const char *name; unsigned flag; } pass_names[] = {
	{ "unroll", VY_PASS_UNROLL }, { "loadcse", VY_PASS_LOADCSE },
	{ "forward", VY_PASS_FORWARD }, { "promote", VY_PASS_PROMOTE },
	{ "licm", VY_PASS_LICM }, { "sr", VY_PASS_SR },
	{ "partial", VY_PASS_MEM | VY_PASS_PARTIAL },   /* last, after sr */
	{ "nowrap", VY_PASS_MEM | VY_PASS_PARTIAL | VY_PASS_NOWRAP },   /* the ptx set */
	{ "scalarise", VY_PASS_UNROLL | VY_PASS_SCALARISE },   /* after unroll */
	{ "all", VY_PASS_UNROLL | VY_PASS_SCALARISE | VY_PASS_MEM },
};

const char vy_pass_names[] = "unroll|scalarise|loadcse|forward|promote|licm|sr|partial|nowrap|all";

unsigned vy_pass_parse(const char *name)
{
	for (size_t i = 0; i < sizeof pass_names / sizeof *pass_names; i++)
		if (!strcmp(pass_names[i].name, name))
			return pass_names[i].flag;
	return 0;
}
