/*
 * test_api.c: libvyrec's stable interface (include/libvyrec.h) from the
 * outside, and the traps (src/trap.h) that keep its internal errors from
 * exiting the process.  Prints PASS/FAIL lines; with a directory argument
 * it also writes saxpy's four targets and spv manifest there, which
 * tests/t_libvyrec.sh compares with `vyrec build`.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libvyrec.h"
#include "vyrec.h"
#include "trap.h"

static int fails;

/* ok is evaluated before why (a macro): why may read the error ok made */
#define expect(name, ok, why) do { int ok_ = (ok); expect_(name, ok_, why); } while (0)

static void expect_(const char *name, int ok, const char *why)
{
	if (ok)
		printf("PASS %s\n", name);
	else {
		printf("FAIL %s: %s\n", name, why ? why : "");
		fails++;
	}
}

static int has(const char *s, const char *sub)
{
	return s && strstr(s, sub) != NULL;
}

static const char oob_prog[] =
	"vyrec: 1\nname: oob\nworkgroup_size: [4]\nparams: {n: u32}\n"
	"buffers:\n  x: {binding: 0, type: u32, count: n, access: read_only}\n"
	"  y: {binding: 1, type: u32, count: n, access: write_only}\n"
	"dispatch: [n]\nentry:\n  - y[gid.x] = x[gid.x + 100]\n";

static void write_out(const char *dir, const char *file, const void *p, size_t n)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, file);
	FILE *f = fopen(path, "wb");
	if (f) {
		fwrite(p, 1, n, f);
		fclose(f);
	}
}

static void targets(struct vyrec_program *p, const char *dir)
{
	static const char *const ids[] = { "spv", "ptx", "glsl", "reference" };
	for (int i = 0; i < 4; i++) {
		const void *d = NULL, *d2 = NULL;
		size_t n = 0, n2 = 0;
		char name[64];
		snprintf(name, sizeof name, "api_emit_%s", ids[i]);
		int r = vyrec_emit(p, ids[i], &d, &n);
		expect(name, !r && n > 0, vyrec_last_error(p));
		snprintf(name, sizeof name, "api_emit_%s_cached", ids[i]);
		vyrec_emit(p, ids[i], &d2, &n2);
		expect(name, d2 == d && n2 == n, "a second emit gave other bytes");
		if (dir && !r) {
			snprintf(name, sizeof name, "saxpy.%s", ids[i]);
			write_out(dir, name, d, n);
		}
	}
	const char *m = vyrec_manifest(p, "spirv");   /* an alias */
	expect("api_manifest", has(m, "\"vyrec-artifact-1\""), vyrec_last_error(p));
	if (dir && m)
		write_out(dir, "saxpy.spv.json", m, strlen(m));
	const void *d;
	size_t n;
	expect("api_emit_unknown", vyrec_emit(p, "spvv", &d, &n) == -1 &&
	       has(vyrec_last_error(p), "unknown target 'spvv'") &&
	       has(vyrec_last_error(p), "did you mean 'spv'"), vyrec_last_error(p));
}

static void runs(struct vyrec_program *p)
{
	float x[5] = { 0, 1, 2, 3, 4 }, y[5] = { 1, 1, 1, 1, 1 };
	struct vyrec_buffer b[] = { { "y", y, 5 }, { "x", x, 5 } };
	const char *a1[] = { "a=1", "n=5" }, *a2[] = { "n=5", "a=2" };
	int r = vyrec_run_reference(p, a1, 2, b, 2);
	expect("api_run", !r && y[4] == 5.0f, vyrec_last_error(p));
	r = vyrec_run_reference(p, a2, 2, b, 2);   /* y = 2 x + (x + 1) */
	expect("api_run_again_new_params", !r && y[4] == 13.0f && y[0] == 1.0f,
	       vyrec_last_error(p));
	/* unaligned memory */
	char raw[4 * 5 + 1];
	memcpy(raw + 1, x, sizeof x);
	struct vyrec_buffer u[] = { { "x", raw + 1, 5 }, { "y", y, 5 } };
	r = vyrec_run_reference(p, a1, 2, u, 2);
	expect("api_run_unaligned", !r && y[4] == 17.0f, vyrec_last_error(p));
	const char *miss[] = { "a=1" };
	expect("api_run_missing_param", vyrec_run_reference(p, miss, 1, b, 2) &&
	       has(vyrec_last_error(p), "param 'n' is not given"), vyrec_last_error(p));
	const char *badv[] = { "a=x", "n=5" };
	expect("api_run_bad_value", vyrec_run_reference(p, badv, 2, b, 2) &&
	       has(vyrec_last_error(p), "is not a valid f32"), vyrec_last_error(p));
	const char *six[] = { "a=1", "n=6" };
	expect("api_run_wrong_count", vyrec_run_reference(p, six, 2, b, 2) &&
	       has(vyrec_last_error(p), "buffer 'x' has 5 elements"), vyrec_last_error(p));
	struct vyrec_buffer one[] = { { "x", x, 5 } };
	expect("api_run_missing_buffer", vyrec_run_reference(p, a1, 2, one, 1) &&
	       has(vyrec_last_error(p), "buffer 'y' is not given"), vyrec_last_error(p));
	struct vyrec_buffer z[] = { { "x", x, 5 }, { "y", y, 5 }, { "z", y, 5 } };
	expect("api_run_unknown_buffer", vyrec_run_reference(p, a1, 2, z, 3) &&
	       has(vyrec_last_error(p), "'z' is not a buffer of 'saxpy'"), vyrec_last_error(p));
	int before = vyrec_diag_count(p);
	const struct vyrec_diag *d = vyrec_diag_at(p, before - 1);
	expect("api_call_diag", d && d->severity == VYREC_ERROR && !d->file &&
	       has(d->origin, "libvyrec run") && has(d->message, "'z'"), d ? d->message : "none");
	expect("api_diag_stable", vyrec_diag_at(p, before - 1) == d, "pointer moved");
}

static void info(struct vyrec_program *p)
{
	const struct vyrec_param_info *a = vyrec_param(p, 0);
	const struct vyrec_buffer_info *y = vyrec_buffer(p, 1);
	expect("api_info", !strcmp(vyrec_name(p), "saxpy") &&
	       vyrec_param_count(p) == 2 && a && !strcmp(a->name, "a") &&
	       !strcmp(a->type, "f32") && vyrec_buffer_count(p) == 2 && y &&
	       !strcmp(y->name, "y") && y->binding == 1 && y->element_size == 4 &&
	       !strcmp(y->access, "read_write") && !strcmp(y->count, "n") &&
	       !vyrec_param(p, 2) && !vyrec_buffer(p, -1), "wrong tables");
}

static void bad_programs(void)
{
	struct vyrec_program *p = vyrec_compile_file("tests/no/such.yaml", NULL);
	expect("api_missing_file", p && vyrec_error_count(p) == 1 &&
	       has(vyrec_diag_at(p, 0)->message, "cannot open program"), vyrec_last_error(p));
	const void *d;
	size_t n;
	expect("api_emit_uncompiled", vyrec_emit(p, "spv", &d, &n) == -1 &&
	       has(vyrec_last_error(p), "did not compile"), vyrec_last_error(p));
	vyrec_free(p);
	const char txt[] = "vyrec: 1\nname: t\nworkgroup_size: [4]\nbuffers:\n  y: {binding: 0, type: f33, count: 4, access: write_only}\n"
			   "dispatch: [4]\nentry:\n  - y[gid.x] = 1\n";
	p = vyrec_compile_memory("mem.yaml", txt, sizeof txt - 1, NULL);
	const struct vyrec_diag *g = vyrec_diag_at(p, 0);
	expect("api_memory_located", g && g->file && !strcmp(g->file, "mem.yaml") &&
	       g->line == 5 && g->column > 1 && has(g->message, "f33"),
	       g ? g->message : "no diagnostic");
	expect("api_diags_text", has(vyrec_diags_text(p), "mem.yaml:5:") &&
	       has(vyrec_diags_text(p), "^"), vyrec_diags_text(p));
	expect("api_diags_json", has(vyrec_diags_json(p), "\"severity\": \"error\""),
	       vyrec_diags_json(p));
	vyrec_free(p);
	p = vyrec_compile_memory(NULL, "", 0, NULL);
	expect("api_memory_empty", vyrec_error_count(p) &&
	       has(vyrec_diag_at(p, 0)->file, "<memory>"), vyrec_last_error(p));
	vyrec_free(p);
	struct vyrec_options o;
	vyrec_options_init(&o);
	o.arch = "sm_99";
	p = vyrec_compile_file("samples/saxpy.yaml", &o);
	expect("api_bad_arch", vyrec_error_count(p) && has(vyrec_last_error(p), "sm_99"),
	       vyrec_last_error(p));
	vyrec_free(p);
	vyrec_free(NULL);
}

static void oob(void)
{
	struct vyrec_program *p = vyrec_compile_memory("oob.yaml", oob_prog,
						       sizeof oob_prog - 1, NULL);
	uint32_t x[4] = { 1, 2, 3, 4 }, y[4];
	struct vyrec_buffer b[] = { { "x", x, 4 }, { "y", y, 4 } };
	const char *n[] = { "n=4" };
	expect("api_run_oob", !vyrec_error_count(p) &&
	       vyrec_run_reference(p, n, 1, b, 2) == -1 &&
	       has(vyrec_last_error(p), "out-of-bounds load from buffer `x`"), vyrec_last_error(p));
	vyrec_free(p);
}

/* The trap: what exits the command line returns to the caller here. */
static void traps(void)
{
	struct vy_trap t;
	volatile int step = 0;
	if (!setjmp(t.jb)) {
		vy_trap_push(&t);
		step = 1;
		vy_xmalloc(SIZE_MAX / 2, "a huge block");
		step = 2;
	}
	expect("trap_oom", step == 1 && t.code == VY_EXIT_PROGRAM &&
	       has(t.msg, "out of memory") && has(t.msg, "\nFix: "), t.msg);
	if (!setjmp(t.jb)) {
		vy_trap_push(&t);
		vy_bug("broken invariant %d", 42);
	}
	expect("trap_bug", t.code == VY_EXIT_INTERNAL &&
	       has(t.msg, "internal error at") && has(t.msg, "broken invariant 42"), t.msg);
}

/* --emit PROG TARGET OUT MANIFEST: the bytes and manifest of one target. */
static int emit_one(char **a)
{
	struct vyrec_program *p = vyrec_compile_file(a[0], NULL);
	const void *d;
	size_t n;
	const char *m;
	if (vyrec_error_count(p) || vyrec_emit(p, a[1], &d, &n) || !(m = vyrec_manifest(p, a[1]))) {
		fprintf(stderr, "%s\n", vyrec_last_error(p));
		vyrec_free(p);
		return 1;
	}
	write_out(".", a[2], d, n);
	write_out(".", a[3], m, strlen(m));
	vyrec_free(p);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 6 && !strcmp(argv[1], "--emit"))
		return emit_one(argv + 2);
	expect("api_version", !strcmp(vyrec_version(), VY_VERSION), vyrec_version());
	struct vyrec_program *p = vyrec_compile_file("samples/saxpy.yaml", NULL);
	expect("api_compile_file", p && !vyrec_error_count(p), p ? vyrec_diags_text(p) : "NULL");
	if (p && !vyrec_error_count(p)) {
		info(p);
		targets(p, argc > 1 ? argv[1] : NULL);
		runs(p);
	}
	vyrec_free(p);
	bad_programs();
	oob();
	traps();
	return fails != 0;
}
