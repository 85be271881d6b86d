/*
 * ir_harness.h: what the unit tests over IR and the reference VM share
 * (test_unroll.c, opt_passes.c, test_vm.c): PASS/FAIL lines, compiling a
 * program, its --dump-ir text, and a reference-VM run over seeded inputs
 * whose buffers two runs compare word for word.  Included once by each
 * test; all static.
 */
#ifndef IR_HARNESS_H
#define IR_HARNESS_H

#include <stdio.h>
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

/* path compiled at -Oopt (compile: -O1); diagnostics to stderr. */
static bool compile_at(const char *path, int opt, struct vy_compilation *c)
{
	struct vy_compile_opts o = { NULL, 0, opt, false };
	if (vy_compile(c, path, &o))
		return true;
	vy_diags_print(&c->diags, stderr, VY_DIAG_TEXT, false);
	return false;
}

static bool compile(const char *path, struct vy_compilation *c)
{
	return compile_at(path, 1, c);
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

static void free_buffers(const struct vy_program *p, uint32_t **b)
{
	for (int i = 0; b && i < p->nbuffers; i++)
		free(b[i]);
	free(b);
}

/* p's buffers after one reference run (its module emitted at -Oopt) over
 * seeded inputs (as `verify` seeds them), each buffer's size in 4-byte
 * words in words[i]; NULL on error.  run: at -O1. */
static uint32_t **run_at(const struct vy_program *p, int opt, uint32_t *words)
{
	struct vy_emit_config cfg = { .opt_level = opt };
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
		unsigned es = vy_buffer_elem_size(p, i);   /* u8 1 ... f32x4 16 */
		b[i] = calloc(l.counts[i] + 1, es > 4 ? es : 4);
		words[i] = (l.counts[i] * es + 3) / 4;
		snprintf(src, sizeof src, "random:%d", 1 + p->buffers[i].binding);
		if (vy_data_fill(src, p->buffers[i].type, b[i], l.counts[i], &err))
			goto fail;
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
	free_buffers(p, b);
	return NULL;
}

static uint32_t **run(const struct vy_program *p, uint32_t *words)
{
	return run_at(p, 1, words);
}

/* Whether two runs' buffers (run's words) are equal; the first word that
 * differs goes to stderr, tagged with what. */
static bool same_buffers(const struct vy_program *p, uint32_t **a, uint32_t **b,
			 const uint32_t *words, const char *what)
{
	if (!a || !b)
		return false;
	for (int i = 0; i < p->nbuffers; i++)
		for (uint32_t k = 0; k < words[i]; k++)
			if (a[i][k] != b[i][k]) {
				fprintf(stderr, "%s: buffer %s word %u: 0x%08X before, 0x%08X after\n",
					what, p->buffers[i].name, k, a[i][k], b[i][k]);
				return false;
			}
	return true;
}

#endif
