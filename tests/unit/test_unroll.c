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
#include <stdlib.h>
#include <string.h>

#include "launch.h"
#include "vyrec.h"
#include "vm.h"

static int fails;

static void check(bool ok, const char *name, const char *why)
{
	if (ok)
		printf("PASS %s\n", name);
	else
		printf("FAIL %s: %s\n", name, why);
	fails += !ok;
}

static bool compile(const char *path, struct vy_compilation *c)
{
	struct vy_compile_opts o = { NULL, 0, 1, false };
	if (vy_compile(c, path, &o))
		return true;
	vy_diags_print(&c->diags, stderr, VY_DIAG_TEXT, false);
	return false;
}

/* p's --dump-ir text (caller frees). */
static char *dump(const struct vy_program *p)
{
	char *s = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&s, &n);
	if (!f)
		return NULL;
	vy_dump_ir(p, f);
	fclose(f);
	return s;
}

/* p's buffers after one reference run over seeded inputs; NULL on error. */
static uint32_t **run(const struct vy_program *p, uint32_t *counts)
{
	struct vy_emit_config cfg = { .opt_level = 1 };
	struct vy_buf mod = { 0 };
	struct vyvm_module *m = NULL;
	struct vy_launch l = { 0 };
	char *err = NULL, msg[512] = "";
	uint32_t **b = NULL;
	if (vy_emitter_reference.emit(p, &cfg, &mod, &err) != VY_EMIT_OK ||
	    vy_default_params(p, l.params, &err) || vy_launch_eval(p, &l, &err) ||
	    vyvm_decode(mod.data, mod.len, &m, msg, sizeof msg))
		goto fail;
	b = calloc((size_t)p->nbuffers + 1, sizeof *b);
	for (int i = 0; i < p->nbuffers; i++) {
		char src[32];
		counts[i] = l.counts[i];
		b[i] = calloc(counts[i] + 1, 16);   /* 16: a vector element's most */
		snprintf(src, sizeof src, "random:%d", 1 + p->buffers[i].binding);
		if (vy_data_fill(src, p->buffers[i].type, b[i], counts[i], &err))
			goto fail;
		counts[i] *= vy_type_lanes(p->buffers[i].type);   /* words compared */
	}
	if (vyvm_run(m, l.params, (void **)b, l.counts, l.grid, 0, msg, sizeof msg))
		goto fail;
	vyvm_free(m);
	vy_buf_free(&mod);
	return b;
fail:
	fprintf(stderr, "%s: %s\n", p->name, err ? err : msg);
	free(err);
	vyvm_free(m);
	vy_buf_free(&mod);
	return NULL;
}

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
	bool same = a && b;
	for (int i = 0; same && i < p->nbuffers; i++)
		for (uint32_t k = 0; same && k < ca[i]; k++)   /* words: count x lanes */
			if (a[i][k] != b[i][k]) {
				fprintf(stderr, "buffer %s element %u: loops 0x%08X, unrolled 0x%08X\n",
					p->buffers[i].name, k, a[i][k], b[i][k]);
				same = false;
			}
	snprintf(name, sizeof name, "unroll_same_results_%s%s", p->name, u == p ? "_nothing_unrolled" : "");
	check(same, name, "the reference VM's buffers differ (stderr says where)");
	for (int i = 0; a && b && i < p->nbuffers; i++)
		free(a[i]), free(b[i]);
	free(a), free(b), free(before), free(after), free(once), free(twice);
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
