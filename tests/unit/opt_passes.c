/*
 * opt_passes.c: the memory and loop passes (vy_passes, src/opt.c) on IR,
 * for tests/t_opt.sh.
 *
 *   opt_passes same PROG.yaml   for each pass alone and for all of them:
 *                               the reference VM gives the same buffers
 *                               bit for bit (seeded as `verify` seeds
 *                               them) for the program and the pass's copy;
 *                               the input's IR is left unchanged; a second
 *                               run gives the same IR
 *   opt_passes unit             what the passes do and may not do, on
 *                               tests/opt/mem/*.yaml: loads merged, not
 *                               across a barrier or an atomic, not past a
 *                               store that may alias; promotion out of
 *                               gemm's loop, none in a loop with an atomic
 *                               or a conditional first access; no integer
 *                               division hoisted; k * n strength-reduced;
 *                               runtime-count loops partially unrolled
 *                               (16 copies a trip and a remainder loop),
 *                               not one that breaks or holds a loop; for
 *                               ptx, sr after partial: no copy multiplies
 *                               its counter
 */
#include "ir_harness.h"

static const struct { const char *name; unsigned flag; } passes[] = {
	{ "loadcse", VY_PASS_LOADCSE }, { "forward", VY_PASS_FORWARD },
	{ "promote", VY_PASS_PROMOTE }, { "licm", VY_PASS_LICM }, { "sr", VY_PASS_SR },
	{ "partial", VY_PASS_PARTIAL }, { "all", VY_PASS_MEM | VY_PASS_UNROLL },
	{ "ptx", VY_PASS_MEM | VY_PASS_UNROLL | VY_PASS_SCALARISE | VY_PASS_PARTIAL |
		 VY_PASS_NOWRAP },
};

static int cmd_same(const char *path)
{
	struct vy_compilation c;
	uint32_t ca[VY_MAX_IO], cb[VY_MAX_IO];
	char name[300];
	if (!compile(path, &c))
		return 2;
	const struct vy_program *p = c.prog;
	uint32_t **a = run(p, ca);
	for (size_t k = 0; k < sizeof passes / sizeof *passes; k++) {
		char *before = dump(p);
		const struct vy_program *u = vy_passes(p, passes[k].flag);
		char *after = dump(p), *once = dump(u), *twice = dump(vy_passes(p, passes[k].flag));
		snprintf(name, sizeof name, "opt_%s_input_unchanged_%s", passes[k].name, p->name);
		check(before && after && !strcmp(before, after), name, "the pass changed its input's IR");
		snprintf(name, sizeof name, "opt_%s_deterministic_%s", passes[k].name, p->name);
		check(once && twice && !strcmp(once, twice), name, "two runs differ");
		uint32_t **b = run(u, cb);
		bool same = same_buffers(p, a, b, ca, passes[k].name);
		snprintf(name, sizeof name, "opt_%s_same_results_%s", passes[k].name, p->name);
		check(same, name, "the reference VM's buffers differ (stderr says where)");
		free_buffers(p, b);
		free(before), free(after), free(once), free(twice);
	}
	free_buffers(p, a);
	vy_compilation_free(&c);
	return fails != 0;
}

/* ---- counting in the IR ---- */

static int buf_of(const struct vy_program *p, const char *name)
{
	for (int i = 0; i < p->nbuffers; i++)
		if (!strcmp(p->buffers[i].name, name))
			return i;
	return -1;
}

static int loads_e(const struct vy_expr *e, int mem)
{
	if (!e)
		return 0;
	int n = e->kind == VY_E_LOAD && e->space == VY_SPACE_BUFFER && e->index == mem;
	for (int i = 0; i < e->nargs; i++)
		n += loads_e(e->args[i], mem);
	return n;
}

/* Loads (stores: stores) of buffer mem in b; in_loop: only inside loops. */
static int count(const struct vy_block *b, int mem, bool stores, bool in_loop, bool inside)
{
	int n = 0;
	for (int i = 0; i < b->n; i++) {
		const struct vy_stmt *s = b->v[i];
		bool loop = s->kind == VY_S_FOR || s->kind == VY_S_WHILE;
		if (!in_loop || inside) {
			if (stores)
				n += s->kind == VY_S_STORE && s->space == VY_SPACE_BUFFER && s->mem == mem;
			else
				n += loads_e(s->index, mem) + loads_e(s->value, mem) +
				     loads_e(s->lo, mem) + loads_e(s->hi, mem) + loads_e(s->step, mem);
		}
		n += count(&s->body, mem, stores, in_loop, inside || loop) +
		     count(&s->els, mem, stores, in_loop, inside || loop);
	}
	return n;
}

static int kinds(const struct vy_block *b, enum vy_stmt_kind k)
{
	int n = 0;
	for (int i = 0; i < b->n; i++)
		n += (b->v[i]->kind == k) + kinds(&b->v[i]->body, k) + kinds(&b->v[i]->els, k);
	return n;
}

struct want {
	const char *file, *pass, *buf;
	bool stores, in_loop;
	int before, after;
	const char *test;
};

static const struct want wants[] = {
	{ "cse_basic", "loadcse", "d", false, false, 3, 1, "loadcse_merges_repeated_loads" },
	{ "cse_basic", "loadcse", "m", false, false, 2, 1, "loadcse_merges_within_a_statement" },
	{ "cse_barrier", "all", "x", false, false, 2, 2, "loadcse_not_across_barrier" },
	{ "cse_atomic", "all", "x", false, false, 3, 3, "loadcse_not_across_atomic" },
	{ "cse_store", "loadcse", "x", false, false, 3, 2, "loadcse_past_distinct_store_not_aliasing_one" },
	{ "cse_lazy", "all", "x", false, false, 2, 2, "loadcse_not_hoisted_from_lazy_operand" },
	{ "forward", "forward", "x", false, false, 3, 1, "forward_store_to_load" },
	{ "forward", "forward", "y", false, false, 1, 1, "forward_not_through_rounding_storage" },
	{ "promote_gemm", "all", "c", true, true, 1, 0, "promote_gemm_no_store_in_loop" },
	{ "promote_gemm", "all", "c", false, true, 1, 0, "promote_gemm_no_load_in_loop" },
	{ "promote_gemm", "all", "c", true, false, 2, 2, "promote_gemm_one_store_after" },
	{ "promote_atomic", "all", "c", true, true, 1, 1, "promote_not_with_atomic_in_loop" },
	{ "promote_zero", "promote", "c", true, true, 2, 1, "promote_only_unconditional_first_access" },
	{ "promote_while", "promote", "c", true, true, 1, 0, "promote_while_loop" },
	{ "promote_while", "promote", "o", true, true, 1, 1, "promote_not_varying_index" },
	/* 0..g&37: 16 copies + the rest; the loop that breaks: kept; 0..40n:
	 * 16 + 1 (y's load hoisted by promote in "partial"'s MEM); the nested
	 * loop's inner one: 16 + 1 */
	{ "partial", "partial", "x", false, true, 4, 17 + 1 + 17 + 17, "partial_unrolls_runtime_loops" },
	{ "partial", "partial", "y", true, false, 3, 3, "partial_keeps_stores_outside" },
};

/* The VY_NOWRAP sums' c * j replaced by 0 (each reads copy 0's element):
 * a run then tells whether the marked loop ran or its guard refused it. */
static int nw_sabotage(struct vy_expr *e)
{
	int n = 0;
	if (!e)
		return 0;
	if (e->kind == VY_E_OP && e->op && e->op->code == VY_OP_ADD && e->axis == VY_NOWRAP) {
		struct vy_expr *k = e->args[1];
		k->kind = VY_E_CONST;
		k->bits = 0;
		k->ival = 0;
		k->nargs = 0;
		k->args = NULL;
		n++;
	}
	for (int i = 0; i < e->nargs; i++)
		n += nw_sabotage(e->args[i]);
	return n;
}

static int nw_sabotage_block(struct vy_block *b)
{
	int n = 0;
	for (int i = 0; i < b->n; i++) {
		struct vy_stmt *s = b->v[i];
		n += nw_sabotage(s->index) + nw_sabotage(s->value) + nw_sabotage(s->lo) +
		     nw_sabotage(s->hi) + nw_sabotage_block(&s->body) + nw_sabotage_block(&s->els);
	}
	return n;
}

static void unit_nowrap(void)
{
	struct vy_compilation c;
	if (!compile("tests/opt/mem/nowrap.yaml", &c))
		return;
	unsigned f = VY_PASS_MEM | VY_PASS_UNROLL | VY_PASS_SCALARISE | VY_PASS_PARTIAL |
		     VY_PASS_NOWRAP;
	const struct vy_program *u = vy_passes(c.prog, f);
	char *d = dump(u), *pd = dump(vy_passes(c.prog, f & ~(unsigned)VY_PASS_NOWRAP));
	int nw = 0;
	for (const char *q = d; q && (q = strstr(q, "core.add.nw:u32")); q++)
		nw++;
	/* two walks of 15 marked sums (copies 1..15), each loop versioned */
	check(nw == 30 && kinds(&u->entry, VY_S_IF) == kinds(&c.prog->entry, VY_S_IF) + 2 &&
	      strstr(d, "core.div:u32"), "nowrap_marks_and_guards", d ? d : "no dump");
	check(pd && !strstr(pd, ".nw"), "nowrap_only_with_its_flag", "marks without VY_PASS_NOWRAP");
	/* the guard on the reference VM: the forward walk takes the marked loop
	 * (sabotaged, its sums differ), the backward one (c = 2^32 - 1: every
	 * sum wraps) must take the unmarked loop (same sums) */
	struct vy_program *s = (struct vy_program *)vy_passes(c.prog, f);
	int ns = nw_sabotage_block(&s->entry);
	uint32_t wa[VY_MAX_IO], wb[VY_MAX_IO], wc[VY_MAX_IO];
	uint32_t **a = run_at(c.prog, 0, wa), **b = run_at(s, 0, wb), **o = run_at(u, 0, wc);
	int y = buf_of(c.prog, "y"), diff_fwd = 0, diff_back = 0;
	for (uint32_t k = 0; a && b && k < wa[y]; k++)
		if (a[y][k] != b[y][k])
			*(k & 1 ? &diff_back : &diff_fwd) += 1;
	char why[200];
	snprintf(why, sizeof why, "%d sums sabotaged; forward walk: %d of 64 differ (want 64), "
		 "backward walk: %d differ (want 0)", ns, diff_fwd, diff_back);
	check(a && b && ns == 30 && diff_fwd == 64 && diff_back == 0, "nowrap_guard_refuses_wrap",
	      why);
	check(a && o && same_buffers(c.prog, a, o, wa, "nowrap"), "nowrap_same_as_O0",
	      "the reference VM's buffers differ from -O0");
	free_buffers(c.prog, a), free_buffers(c.prog, b), free_buffers(c.prog, o);
	free(d), free(pd);
	vy_compilation_free(&c);
}

static int cmd_unit(void)
{
	unit_nowrap();
	for (size_t k = 0; k < sizeof wants / sizeof *wants; k++) {
		const struct want *w = &wants[k];
		struct vy_compilation c;
		char path[256];
		snprintf(path, sizeof path, "tests/opt/mem/%s.yaml", w->file);
		if (!compile(path, &c)) {
			check(false, w->test, "does not compile");
			continue;
		}
		unsigned f = vy_pass_parse(w->pass);
		const struct vy_program *u = vy_passes(c.prog, f);
		int mem = buf_of(c.prog, w->buf);
		int before = count(&c.prog->entry, mem, w->stores, w->in_loop, false);
		int after = count(&u->entry, mem, w->stores, w->in_loop, false);
		char why[200];
		snprintf(why, sizeof why, "%s %s of %s%s: want %d then %d, got %d then %d", w->pass,
			 w->stores ? "stores" : "loads", w->buf, w->in_loop ? " in loops" : "",
			 w->before, w->after, before, after);
		check(before == w->before && after == w->after, w->test, why);
		vy_compilation_free(&c);
	}
	struct vy_compilation c;
	if (compile("tests/opt/mem/promote_gemm.yaml", &c)) {
		const struct vy_program *u = vy_passes(c.prog, VY_PASS_PROMOTE | VY_PASS_LICM);
		check(kinds(&u->entry, VY_S_IF) == kinds(&c.prog->entry, VY_S_IF) + 1,
		      "promote_guard_zero_trips", "want the loop inside one more if (n > 0)");
		vy_compilation_free(&c);
	}
	if (compile("tests/opt/mem/licm.yaml", &c)) {
		const struct vy_program *u = vy_passes(c.prog, VY_PASS_LICM);
		char *d = dump(u);
		/* q = n / (i + 1u) stays in the loop; i + 1u and i * 4u leave it */
		const char *f = d ? strstr(d, "for k") : NULL;
		check(f && strstr(f, "core.div") && strstr(d, "_inv") && strstr(d, "_inv") < f,
		      "licm_hoists_pure_not_division", d ? d : "no dump");
		free(d);
		vy_compilation_free(&c);
	}
	if (compile("tests/opt/mem/sr.yaml", &c)) {
		const struct vy_program *u = vy_passes(c.prog, VY_PASS_SR);
		char *d = dump(u);
		const char *f = d ? strstr(d, "for k.3") : NULL;
		check(f && !strstr(f, "(core.mul:u32 k.3 n)") && strstr(d, "_sr"),
		      "sr_index_running_sum", d ? d : "no dump");
		free(d);
		vy_compilation_free(&c);
	}
	if (compile("tests/opt/mem/partial.yaml", &c)) {
		const struct vy_program *u = vy_passes(c.prog, VY_PASS_PARTIAL);
		char *d = dump(u);
		/* 4 loops split in two, the inner one of the nested pair among them (the
		 * i32 one by 8: its body is 4 statements);
		 * the one that breaks and the outer one kept */
		check(kinds(&u->entry, VY_S_FOR) == kinds(&c.prog->entry, VY_S_FOR) + 4 &&
		      d && strstr(d, "step 16u") && strstr(d, "step 8i") && strstr(d, "_pe"),
		      "partial_splits_loops", d ? d : "no dump");
		free(d);
		vy_compilation_free(&c);
	}
	if (compile("tests/opt/mem/sr_partial.yaml", &c)) {
		const struct vy_program *u = vy_passes(c.prog, VY_PASS_MEM | VY_PASS_UNROLL |
						      VY_PASS_SCALARISE | VY_PASS_PARTIAL);
		char *d = dump(u);
		/* ptx: sr runs after partial, so no copy multiplies its counter
		 * (_pi + j): each reads one running sum plus an invariant c * j */
		int muls = 0, loops = 0;
		for (const char *l = d; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : "") {
			const char *e = strchr(l, '\n');
			size_t n = e ? (size_t)(e - l) : strlen(l);
			char line[4096];
			snprintf(line, sizeof line, "%.*s", (int)(n < sizeof line ? n : sizeof line - 1), l);
			if (strstr(line, "_pi") && strstr(line, "core.mul:"))
				muls++;
			if (strstr(line, "for _pi") && strstr(line, "step 16"))
				loops++;
		}
		check(d && loops == 3 && !muls && strstr(d, "_srk") && strstr(d, "step 16i"),
		      "sr_after_partial_no_counter_multiply", d ? d : "no dump");
		free(d);
		vy_compilation_free(&c);
	}
	if (compile("samples/saxpy.yaml", &c)) {
		char *a = dump(c.prog), *b = dump(vy_passes(c.prog, VY_PASS_MEM));
		check(a && b && !strcmp(a, b), "opt_nothing_to_do_same_ir", "saxpy's IR changed");
		free(a), free(b);
		vy_compilation_free(&c);
	}
	return fails != 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "same"))
		return cmd_same(argv[2]);
	if (argc == 2 && !strcmp(argv[1], "unit"))
		return cmd_unit();
	fprintf(stderr, "usage: opt_passes same PROG.yaml | unit\n");
	return 2;
}
