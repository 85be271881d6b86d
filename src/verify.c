/*
 * verify.c: control-flow rules over the typed IR.  The divergent-barrier
 * rule of SPEC §1.5: a barrier, or a return that can precede one, may not
 * sit in control flow whose condition depends on invocation ids or loaded
 * values.  Uniformity is a fixed point over the locals: a local is
 * divergent when any of its definitions has a divergent value or happens
 * under divergent control.
 */
#include <stdlib.h>
#include <string.h>

#include "vyrec.h"

struct vctx {
	struct vy_program *p;
	struct vy_diags *d;
	bool *div;        /* per local */
	bool changed;
	bool report;      /* second pass: report errors */
	int barriers_after;   /* barriers later in program order (for return) */
	int loop_barriers;    /* barriers in the enclosing loops */
};

static bool expr_div(struct vctx *c, const struct vy_expr *e)
{
	switch (e->kind) {
	case VY_E_BUILTIN:
		return e->index == VY_B_GID || e->index == VY_B_LID;
	case VY_E_LOAD:
		return true;
	case VY_E_LOCAL:
		return c->div[e->index];
	case VY_E_OP:
		if (e->op && !strcmp(e->op->dialect, "atomic"))
			return true;
		for (int i = 0; i < e->nargs; i++)
			if (expr_div(c, e->args[i]))
				return true;
		return false;
	default:
		return false;
	}
}

static void mark(struct vctx *c, int local, bool div)
{
	if (div && !c->div[local]) {
		c->div[local] = true;
		c->changed = true;
	}
}

static int count_barriers(const struct vy_block *b)
{
	int n = 0;
	for (int i = 0; i < b->n; i++) {
		const struct vy_stmt *s = b->v[i];
		n += s->kind == VY_S_BARRIER;
		n += count_barriers(&s->body) + count_barriers(&s->els);
	}
	return n;
}

/* Whether a break/continue/return under divergent control leaves a loop
 * body, making later iterations divergent. */
static bool divergent_exit(struct vctx *c, const struct vy_block *b, bool ctl)
{
	for (int i = 0; i < b->n; i++) {
		const struct vy_stmt *s = b->v[i];
		if (ctl && (s->kind == VY_S_BREAK || s->kind == VY_S_CONTINUE ||
			    s->kind == VY_S_RETURN))
			return true;
		bool inner = ctl || ((s->kind == VY_S_IF || s->kind == VY_S_WHILE) &&
				     expr_div(c, s->value));
		if (s->kind == VY_S_FOR)
			inner = ctl || expr_div(c, s->lo) || expr_div(c, s->hi) ||
				(s->step && expr_div(c, s->step));
		if (s->kind == VY_S_FOR || s->kind == VY_S_WHILE) {
			/* break/continue inside a nested loop stay inside it */
			if (inner && divergent_exit(c, &s->body, true))
				return true;
			continue;
		}
		if (divergent_exit(c, &s->body, inner) || divergent_exit(c, &s->els, inner))
			return true;
	}
	return false;
}

static void walk_block(struct vctx *c, const struct vy_block *b, bool ctl);

static void walk_loop(struct vctx *c, const struct vy_stmt *s, bool ctl)
{
	int saved = c->loop_barriers;
	c->loop_barriers += count_barriers(&s->body);
	bool body_ctl = ctl || divergent_exit(c, &s->body, false);
	walk_block(c, &s->body, body_ctl);
	c->loop_barriers = saved;
}

static void walk_stmt(struct vctx *c, const struct vy_stmt *s, bool ctl)
{
	switch (s->kind) {
	case VY_S_LET:
	case VY_S_VAR:
	case VY_S_ASSIGN:
		mark(c, s->local, ctl || expr_div(c, s->value));
		break;
	case VY_S_IF: {
		bool d = ctl || expr_div(c, s->value);
		walk_block(c, &s->body, d);
		walk_block(c, &s->els, d);
		break;
	}
	case VY_S_WHILE:
		walk_loop(c, s, ctl || expr_div(c, s->value));
		break;
	case VY_S_FOR: {
		bool d = ctl || expr_div(c, s->lo) || expr_div(c, s->hi) ||
			 (s->step && expr_div(c, s->step));
		mark(c, s->local, d);
		walk_loop(c, s, d);
		break;
	}
	case VY_S_BARRIER:
		if (ctl && c->report)
			vy_error(c->d, s->loc, "move the barrier out of the branch or loop, or make its condition uniform (params, wgid, nwg, constants)",
				 "barrier inside control flow that depends on invocation ids or loaded values (divergent barrier)");
		break;
	case VY_S_RETURN:
		if (ctl && c->report && (c->barriers_after || c->loop_barriers))
			vy_error(c->d, s->loc, "guard the work after the barrier instead of returning early, e.g. 'if: i < n' around the loads and stores",
				 "return in divergent control flow can precede a barrier (divergent barrier)");
		break;
	default:
		break;
	}
}

static void walk_block(struct vctx *c, const struct vy_block *b, bool ctl)
{
	/* barriers after statement i in this block, for returns inside it */
	int *after = malloc(sizeof *after * (size_t)(b->n + 1));
	if (!after)
		vy_bug("out of memory");
	after[b->n] = 0;
	for (int i = b->n - 1; i >= 0; i--)
		after[i] = after[i + 1] + (i + 1 < b->n ?
			count_barriers(&(struct vy_block){ 1, &b->v[i + 1] }) : 0);
	for (int i = 0; i < b->n; i++) {
		int saved = c->barriers_after;
		c->barriers_after += after[i];
		walk_stmt(c, b->v[i], ctl);
		c->barriers_after = saved;
	}
	free(after);
}

bool vy_verify(struct vy_program *p, struct vy_diags *d)
{
	if (!count_barriers(&p->entry))
		return true;
	struct vctx c = { .p = p, .d = d };
	c.div = calloc((size_t)p->nlocals + 1, 1);
	if (!c.div)
		vy_bug("out of memory");
	int before = d->nerrors;
	do {
		c.changed = false;
		walk_block(&c, &p->entry, false);
	} while (c.changed);
	c.report = true;
	walk_block(&c, &p->entry, false);
	free(c.div);
	return d->nerrors == before;
}
