/*
 * fuzz_frontend.c: the libFuzzer harness of the front end (SPEC §8).  The
 * first input byte picks what the rest is fed to:
 *
 *   0  a whole program: vy_load, then the registry, vy_resolve, vy_verify
 *      and vy_optimize, as vy_compile does
 *   1  an expression string: vy_parse_expr
 *   2  a simple statement: vy_parse_stmt
 *   3  a dialect file: written to a temporary file, loaded and type-checked
 *      with vy_dialects_registry
 *   4  a for header: vy_parse_for
 *
 * Every diagnostic is also printed (to /dev/null), so carets and locations
 * are exercised too.  The harness works in a fresh temporary directory, so
 * relative dialect paths in a program find nothing on the host.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vyrec.h"

static char dir[64];
static char dialect_path[128];
static FILE *devnull;

static void cleanup(void)
{
	unlink(dialect_path);
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	strcpy(dir, "/tmp/vyrec-fuzz-XXXXXX");
	if (!mkdtemp(dir) || chdir(dir) != 0)
		abort();
	snprintf(dialect_path, sizeof dialect_path, "%s/d.yaml", dir);
	unsetenv("VYRE_DIALECT_PATH");
	devnull = fopen("/dev/null", "w");
	atexit(cleanup);
	return 0;
}

static void program(struct vy_arena *a, const struct vy_source *src,
		    struct vy_diags *d)
{
	struct vy_program *p = vy_load(a, src, d);
	if (!p || d->nerrors)
		return;
	struct vy_dialect_set set = { 0 };
	struct vy_registry *r = vy_dialects_registry(a, p, NULL, 0, &set, d);
	if (!r)
		return;
	if (vy_resolve(p, r, d) && vy_verify(p, d)) {
		vy_lower_f16(p);   /* as vy_compile: f16 -> f32 */
		vy_optimize(p, 1);
		vy_dump_ir(p, devnull);
	}
	vy_registry_free(r);
}

static void dialect(struct vy_arena *a, const char *text, size_t n,
		    struct vy_diags *d)
{
	FILE *f = fopen(dialect_path, "wb");
	if (!f)
		abort();
	fwrite(text, 1, n, f);
	fclose(f);
	struct vy_dialect_set set = { 0 };
	const char *extra[] = { dialect_path };
	struct vy_registry *r = vy_dialects_registry(a, NULL, extra, 1, &set, d);
	vy_registry_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	int mode = data[0] % 5;
	size_t n = size - 1;
	char *text = malloc(n + 1);
	memcpy(text, data + 1, n);
	text[n] = 0;
	struct vy_arena *a = vy_arena_new();
	struct vy_diags d = { 0 };
	struct vy_source src = { "fuzz.yaml", text, n };
	/* a plain scalar at the start of the file */
	struct vy_textloc tl = { &src, 0, 1, 1, 1, 0 };
	struct vy_stmt s = { .kind = VY_S_FOR };
	switch (mode) {
	case 0: program(a, &src, &d); break;
	case 1: vy_parse_expr(a, text, n, &tl, &d); break;
	case 2: vy_parse_stmt(a, text, n, &tl, &d); break;
	case 3: dialect(a, text, n, &d); break;
	case 4: vy_parse_for(a, text, n, &tl, &s, &d); break;
	}
	vy_diags_print(&d, devnull, VY_DIAG_TEXT, true);
	vy_diags_print(&d, devnull, VY_DIAG_JSON, false);
	vy_diags_free(&d);
	vy_arena_free(a);
	free(text);
	return 0;
}
