/*
 * verify.c: control-flow rules over the typed IR.  The divergent-barrier
 * rule of SPEC §1.5: a barrier, or a return that can precede one, may not
 * sit in control flow whose condition depends on invocation ids or loaded
 * values.  Uniformity is a fixed point over the locals: a local is
 * divergent when any of its definitions has a divergent value or happens
 * under divergent control.  Subgroup ops (SPEC §10.4) follow the same
 * rule ("divergent subgroup op") in a second pass over uniformity within a
 * subgroup: there a reduction, broadcast or vote (and sg.id) is uniform
 * whatever its operand, so `while: subgroup.any(c)` is allowed, and every
 * statement that holds a subgroup op counts as a barrier for the return
 * rule.
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
	bool has_sg;          /* the program has subgroup ops */
	bool sg;              /* this pass: uniformity within a subgroup */
	struct vy_loc last;   /* the last divergent op reported (a ballot's
				 four words are one call) */
};

static bool expr_div(struct vctx *c, const struct vy_expr *e)
{
	switch (e->kind) {
	case VY_E_BUILTIN:
		return e->index == VY_B_GID || e->index == VY_B_LID ||
		       (e->index == VY_B_SG && (e->axis == VY_SG_LANE ||
						(e->axis == VY_SG_ID && !c->sg)));
	case VY_E_LOAD:
		return true;
	case VY_E_LOCAL:
		return c->div[e->index];
	case VY_E_OP:
		if (e->op && !strcmp(e->op->dialect, "atomic"))
			return true;
		if (e->op && e->op->code < VY_OP_COUNT && vy_op_is_subgroup(e->op->code) &&
		    e->op->code != VY_OP_SG_ADD && e->op->code != VY_OP_SG_MIN &&
		    e->op->code != VY_OP_SG_MAX && e->op->code != VY_OP_SG_AND &&
		    e->op->code != VY_OP_SG_OR && e->op->code != VY_OP_SG_XOR &&
		    e->op->code != VY_OP_SG_ALL && e->op->code != VY_OP_SG_ANY &&
		    e->op->code != VY_OP_SG_BALLOT &&
		    e->op->code != VY_OP_SG_BROADCAST && e->op->code != VY_OP_SG_BROADCAST_FIRST)
			return true;   /* lane-dependent: scans, shuffles, elect */
		if (c->sg && e->op && e->op->code < VY_OP_COUNT && vy_op_is_subgroup(e->op->code))
			return false;  /* the same in every lane of the subgroup */
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

static bool stmt_has_subgroup(const struct vy_stmt *s)
{
	return vy_expr_has_subgroup(s->value) || vy_expr_has_subgroup(s->index) ||
	       vy_expr_has_subgroup(s->lo) || vy_expr_has_subgroup(s->hi) ||
	       vy_expr_has_subgroup(s->step);
}

/* Barriers (sg: statements holding a subgroup op). */
static int count_barriers(const struct vy_block *b, bool sg)
{
	int n = 0;
	for (int i = 0; i < b->n; i++) {
		const struct vy_stmt *s = b->v[i];
		n += sg ? stmt_has_subgroup(s) : s->kind == VY_S_BARRIER;
		n += count_barriers(&s->body, sg) + count_barriers(&s->els, sg);
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

/* Report each subgroup op of e evaluated under divergent control: ctl, or
 * the lazy side of && || ?: behind a divergent condition. */
static void check_sg(struct vctx *c, const struct vy_expr *e, bool ctl)
{
	if (!e || !c->report || !c->sg || e->kind != VY_E_OP || !e->op)
		return;
	enum vy_opcode k = e->op->code;
	if (k < VY_OP_COUNT && vy_op_is_subgroup(k) && ctl) {
		if (k == VY_OP_SG_BALLOT && e->loc.src == c->last.src &&
		    e->loc.line == c->last.line && e->loc.col == c->last.col)
			return;
		c->last = e->loc;
		vy_error(c->d, e->loc, "move the subgroup op out of the branch or loop, or make its condition uniform (params, wgid, nwg, sg.size, constants)",
			 "'%s' inside control flow that depends on invocation ids or loaded values (divergent subgroup op)",
			 e->op->id);
		return;
	}
	bool lazy = ((k == VY_OP_LAND || k == VY_OP_LOR) && !vy_expr_is_pure(e->args[1])) ||
		    (k == VY_OP_SELECT && (!vy_expr_is_pure(e->args[1]) ||
					   !vy_expr_is_pure(e->args[2])));
	for (int i = 0; i < e->nargs; i++)
		check_sg(c, e->args[i], ctl || (lazy && i > 0 && expr_div(c, e->args[0])));
}

static void check_stmt_sg(struct vctx *c, const struct vy_stmt *s, bool ctl)
{
	if (!c->has_sg)
		return;
	check_sg(c, s->value, ctl);
	check_sg(c, s->index, ctl);
	check_sg(c, s->lo, ctl);
	check_sg(c, s->hi, ctl);
	check_sg(c, s->step, ctl);
}

static void walk_loop(struct vctx *c, const struct vy_stmt *s, bool ctl)
{
	int saved = c->loop_barriers;
	c->loop_barriers += count_barriers(&s->body, c->sg);
	bool body_ctl = ctl || divergent_exit(c, &s->body, false);
	walk_block(c, &s->body, body_ctl);
	c->loop_barriers = saved;
}

static void walk_stmt(struct vctx *c, const struct vy_stmt *s, bool ctl)
{
	check_stmt_sg(c, s, ctl);
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
		if (ctl && c->report && !c->sg)
			vy_error(c->d, s->loc, "move the barrier out of the branch or loop, or make its condition uniform (params, wgid, nwg, constants)",
				 "barrier inside control flow that depends on invocation ids or loaded values (divergent barrier)");
		break;
	case VY_S_RETURN:
		if (ctl && c->report && (c->barriers_after || c->loop_barriers) && c->sg)
			vy_error(c->d, s->loc, "guard the work after the subgroup op instead of returning early, e.g. 'if: i < n' around the loads and stores",
				 "return in divergent control flow can precede a subgroup op (divergent subgroup op)");
		else if (ctl && c->report && (c->barriers_after || c->loop_barriers))
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
			count_barriers(&(struct vy_block){ 1, &b->v[i + 1] }, c->sg) : 0);
	for (int i = 0; i < b->n; i++) {
		int saved = c->barriers_after;
		c->barriers_after += after[i];
		walk_stmt(c, b->v[i], ctl);
		c->barriers_after = saved;
	}
	free(after);
}

static bool has_sg(const struct vy_block *b)
{
	for (int i = 0; i < b->n; i++)
		if (stmt_has_subgroup(b->v[i]) || has_sg(&b->v[i]->body) || has_sg(&b->v[i]->els))
			return true;
	return false;
}

/* One pass: the fixed point, then the walk that reports. */
static void verify_pass(struct vctx *c)
{
	memset(c->div, 0, (size_t)c->p->nlocals + 1);
	c->report = false;
	do {
		c->changed = false;
		walk_block(c, &c->p->entry, false);
	} while (c->changed);
	c->report = true;
	walk_block(c, &c->p->entry, false);
}

bool vy_verify(struct vy_program *p, struct vy_diags *d)
{
	bool barriers = count_barriers(&p->entry, false) != 0, sg = has_sg(&p->entry);
	if (!barriers && !sg)
		return true;
	struct vctx c = { .p = p, .d = d, .has_sg = sg };
	c.div = calloc((size_t)p->nlocals + 1, 1);
	if (!c.div)
		vy_bug("out of memory");
	int before = d->nerrors;
	if (barriers)
		verify_pass(&c);
	c.sg = true;
	if (sg)
		verify_pass(&c);
	free(c.div);
	return d->nerrors == before;
}
