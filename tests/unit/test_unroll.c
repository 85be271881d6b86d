/*
 * test_unroll.c: the unroll pass (vy_unroll, src/opt.c) on IR, for
 * tests/t_opt.sh.
 *
 *   test_unroll same PROG.yaml   at -O1, the reference VM gives the same
 *                                buffers (bit for bit, seeded as `verify`
 *                                seeds them) for the program and for its
 *                                unrolled copy; the input program's IR is
 *                                unchanged by the pass; a second pass over
 *                                the input gives the same IR
 *   test_unroll unit             what the pass returns: the input itself
 *                                when no loop qualifies; reduce without its
 *                                while, one barrier per trip
 */
#include "ir_harness.h"

static int cmd_same(const char *path)
{
	struct vy_compilation c;
	uint32_t ca[VY_MAX_IO], cb[VY_MAX_IO];
	char name[256];
	if (!compile(path, &c))
		return 2;
	const struct vy_program *p = c.prog;
	char *before = dump(p);
	const struct vy_program *u = vy_unroll(p);
	char *after = dump(p), *once = dump(u), *twice = dump(vy_unroll(p));
	snprintf(name, sizeof name, "unroll_input_unchanged_%s", p->name);
	check(before && after && !strcmp(before, after), name, "vy_unroll changed its input's IR");
	snprintf(name, sizeof name, "unroll_deterministic_%s", p->name);
	check(once && twice && !strcmp(once, twice), name, "two passes over the input differ");
	uint32_t **a = run(p, ca), **b = run(u, cb);
	bool same = same_buffers(p, a, b, ca, "unroll");
	snprintf(name, sizeof name, "unroll_same_results_%s%s", p->name, u == p ? "_nothing_unrolled" : "");
	check(same, name, "the reference VM's buffers differ (stderr says where)");
	free_buffers(p, a), free_buffers(p, b);
	free(before), free(after), free(once), free(twice);
	vy_compilation_free(&c);
	return fails != 0;
}

static int count_kind(const struct vy_block *b, enum vy_stmt_kind k)
{
	int n = 0;
	for (int i = 0; i < b->n; i++)
		n += (b->v[i]->kind == k) + count_kind(&b->v[i]->body, k) +
		     count_kind(&b->v[i]->els, k);
	return n;
}

static int cmd_unit(void)
{
	struct vy_compilation c;
	if (compile("samples/saxpy.yaml", &c)) {
		check(vy_unroll(c.prog) == c.prog, "unroll_no_loop_returns_input",
		      "a copy for a program without loops");
		vy_compilation_free(&c);
	}
	if (compile("samples/reduce.yaml", &c)) {
		const struct vy_program *u = vy_unroll(c.prog);
		check(u != c.prog && count_kind(&u->entry, VY_S_WHILE) == 0,
		      "unroll_reduce_no_while", "reduce's while is still there");
		check(count_kind(&u->entry, VY_S_BARRIER) == 9 &&
		      count_kind(&c.prog->entry, VY_S_BARRIER) == 2,
		      "unroll_reduce_barrier_per_trip", "want 1 + 8 barriers, the input 2");
		check(u->nlocals == c.prog->nlocals && u->locals == c.prog->locals,
		      "unroll_reduce_no_new_locals", "reduce's body defines no local");
		vy_compilation_free(&c);
	}
	if (compile("samples/matmul.yaml", &c)) {
		const struct vy_program *u = vy_unroll(c.prog);
		check(count_kind(&u->entry, VY_S_FOR) == 1 &&
		      count_kind(&c.prog->entry, VY_S_FOR) == 2,
		      "unroll_matmul_inner_for", "want the tile loop kept, the k loop unrolled");
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
	fprintf(stderr, "usage: test_unroll same PROG.yaml | unit\n");
	return 2;
}
