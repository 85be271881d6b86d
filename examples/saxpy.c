/*
 * examples/saxpy.c: libvyrec from a C program (libvyrec(3)).  Compiles a
 * saxpy program held in memory, prints the size of its SPIR-V and the
 * schema line of its manifest, runs it on the reference VM over host
 * buffers and checks y[3]; then shows a bad program's diagnostics as data.
 * Build: cc saxpy.c $(pkg-config --cflags --libs vyrec).  Exit 0 when
 * every check holds.
 */
#include <stdio.h>
#include <string.h>

#include <libvyrec.h>

static const char saxpy[] =
	"vyrec: 1\n"
	"name: saxpy\n"
	"workgroup_size: [64]\n"
	"params: {a: f32, n: u32}\n"
	"buffers:\n"
	"  x: {binding: 0, type: f32, count: n, access: read_only}\n"
	"  y: {binding: 1, type: f32, count: n, access: read_write}\n"
	"dispatch: [n]\n"
	"entry:\n"
	"  - let i = gid.x\n"
	"  - if: i < n\n"
	"    then:\n"
	"      - y[i] = fma(a, x[i], y[i])\n";

/* A typo: fmaa is not an op. */
static const char bad[] =
	"vyrec: 1\nname: bad\nworkgroup_size: [64]\n"
	"buffers:\n  y: {binding: 0, type: f32, count: 4, access: write_only}\n"
	"dispatch: [4]\nentry:\n  - y[gid.x] = fmaa(1.0, 2.0, 3.0)\n";

static int compile_and_run(void)
{
	struct vyrec_options o;
	vyrec_options_init(&o);
	o.opt_level = 1;
	struct vyrec_program *p = vyrec_compile_memory("saxpy.yaml", saxpy,
						       strlen(saxpy), &o);
	if (!p || vyrec_error_count(p)) {
		fputs(p ? vyrec_diags_text(p) : "out of memory\n", stderr);
		vyrec_free(p);
		return 1;
	}
	const void *spv;
	size_t n;
	if (vyrec_emit(p, "spv", &spv, &n)) {
		fprintf(stderr, "%s\n", vyrec_last_error(p));
		vyrec_free(p);
		return 1;
	}
	const char *m = vyrec_manifest(p, "spv");
	const char *schema = m ? strstr(m, "\"schema\"") : NULL;
	if (!schema) {
		fprintf(stderr, "no manifest: %s\n", vyrec_last_error(p));
		vyrec_free(p);
		return 1;
	}
	printf("%s: spv %zu bytes, manifest %.*s\n", vyrec_name(p), n,
	       (int)strcspn(schema, ",\n"), schema);

	float x[8], y[8];
	for (int i = 0; i < 8; i++) {
		x[i] = (float)i;
		y[i] = 1.0f;
	}
	const char *params[] = { "a=2", "n=8" };
	struct vyrec_buffer bufs[] = { { "x", x, 8 }, { "y", y, 8 } };
	if (vyrec_run_reference(p, params, 2, bufs, 2)) {
		fprintf(stderr, "%s\n", vyrec_last_error(p));
		vyrec_free(p);
		return 1;
	}
	printf("reference: y[3] = %g\n", y[3]);
	int rc = y[3] == 7.0f ? 0 : 1;   /* 2 * 3 + 1 */
	vyrec_free(p);
	return rc;
}

static int diagnostics(void)
{
	struct vyrec_program *p = vyrec_compile_memory("bad.yaml", bad,
						       strlen(bad), NULL);
	if (!p)
		return 1;
	int rc = vyrec_error_count(p) ? 0 : 1;
	for (int i = 0; i < vyrec_diag_count(p); i++) {
		const struct vyrec_diag *d = vyrec_diag_at(p, i);
		printf("%s:%d:%d: %s%s%s\n", d->file ? d->file : "-", d->line,
		       d->column, d->message, d->fix ? " | Fix: " : "",
		       d->fix ? d->fix : "");
	}
	vyrec_free(p);
	return rc;
}

int main(void)
{
	printf("libvyrec %s\n", vyrec_version());
	int rc = compile_and_run();
	if (!rc)
		rc = diagnostics();
	puts(rc ? "example: FAIL" : "example: PASS");
	return rc;
}
