/*
 * ir.c: small utilities over the expression IR: substitution copies (for
 * inlining and desugaring), effect queries, and the --dump-ir printer.
 */
#include <string.h>

#include "decls.h"
#include "ir.h"

struct vy_expr *vy_expr_subst(struct vy_arena *a, const struct vy_expr *e,
			      const char *const *names, struct vy_expr *const *vals,
			      int n, struct vy_loc at)
{
	(void)at;
	if (e->kind == VY_E_NAME)
		for (int i = n - 1; i >= 0; i--)
			if (!strcmp(e->name, names[i]))
				return vy_expr_subst(a, vals[i], NULL, NULL, 0, at);
	struct vy_expr *c = vy_alloc(a, sizeof *c);
	*c = *e;
	if (e->nargs) {
		c->args = vy_alloc(a, sizeof *c->args * (size_t)e->nargs);
		for (int i = 0; i < e->nargs; i++)
			c->args[i] = vy_expr_subst(a, e->args[i], names, vals, n, at);
	}
	return c;
}

/* Which ops have a memory effect: VY_ATOMIC of vyrec_ops.def. */
static const bool atomic_ops[VY_OP_COUNT] = {
#define VY_ATOMIC(e) [VY_OP_##e] = true,
#include "vyrec_ops.def"
#undef VY_ATOMIC
};

bool vy_op_is_atomic(enum vy_opcode code)
{
	return (unsigned)code < VY_OP_COUNT && atomic_ops[code];
}

static bool is_atomic(const struct vy_expr *e)
{
	return e->kind == VY_E_OP && e->op && vy_op_is_atomic(e->op->code);
}

enum vy_type vy_expr_optype(const struct vy_expr *e)
{
	switch (e->op->code) {
	case VY_OP_EQ: case VY_OP_NE: case VY_OP_LT: case VY_OP_LE:
	case VY_OP_GT: case VY_OP_GE:
		return e->args[0]->type;
	case VY_OP_CAST: case VY_OP_BITCAST:
		return e->cast_to;
	default:
		return e->type;
	}
}

bool vy_expr_has_effect(const struct vy_expr *e)
{
	if (is_atomic(e) || (e->kind == VY_E_CALL && !strncmp(e->name, "atomic.", 7)))
		return true;
	for (int i = 0; i < e->nargs; i++)
		if (vy_expr_has_effect(e->args[i]))
			return true;
	return false;
}

bool vy_expr_touches_memory(const struct vy_expr *e)
{
	if (e->kind == VY_E_LOAD || is_atomic(e))
		return true;
	for (int i = 0; i < e->nargs; i++)
		if (vy_expr_touches_memory(e->args[i]))
			return true;
	return false;
}

bool vy_expr_is_pure(const struct vy_expr *e)
{
	if (e->kind == VY_E_LOAD || is_atomic(e))
		return false;
	if (e->kind == VY_E_OP && e->op && e->type != VY_F32 &&
	    (e->op->code == VY_OP_DIV || e->op->code == VY_OP_REM))
		return false;
	for (int i = 0; i < e->nargs; i++)
		if (!vy_expr_is_pure(e->args[i]))
			return false;
	return true;
}

static bool expr_reads_builtin(enum vy_builtin bi, const struct vy_expr *e)
{
	if (!e)
		return false;
	if (e->kind == VY_E_BUILTIN && e->index == (int)bi)
		return true;
	for (int i = 0; i < e->nargs; i++)
		if (expr_reads_builtin(bi, e->args[i]))
			return true;
	return false;
}

bool vy_block_reads_builtin(enum vy_builtin bi, const struct vy_block *b)
{
	for (int i = 0; i < b->n; i++) {
		const struct vy_stmt *s = b->v[i];
		if (expr_reads_builtin(bi, s->index) || expr_reads_builtin(bi, s->value) ||
		    expr_reads_builtin(bi, s->lo) || expr_reads_builtin(bi, s->hi) ||
		    expr_reads_builtin(bi, s->step) || vy_block_reads_builtin(bi, &s->body) ||
		    vy_block_reads_builtin(bi, &s->els))
			return true;
	}
	return false;
}

bool vy_expr_is_const(const struct vy_expr *e)
{
	if (e->kind != VY_E_CONST && e->kind != VY_E_OP)
		return false;
	for (int i = 0; i < e->nargs; i++)
		if (!vy_expr_is_const(e->args[i]))
			return false;
	return true;
}

/* ---- --dump-ir ---- */

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
		fprintf(f, "%s[", e->space == VY_SPACE_BUFFER ?
			p->buffers[e->index].name : p->shared[e->index].name);
		dump_expr(p, e->args[0], f);
		fputc(']', f);
		return;
	case VY_E_OP:
		fprintf(f, "(%s", e->op ? e->op->id : e->name);
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
		fprintf(f, "%s[", s->space == VY_SPACE_BUFFER ?
			p->buffers[s->mem].name : p->shared[s->mem].name);
		dump_expr(p, s->index, f);
		fputs("] = ", f);
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
