/* test_diag.c: back-half errors as diagnostics (diag.c): vy_error_text
 * splits a library error's text into message and fix, text mode prints the
 * text exactly as given, and vy_diags_append's copies outlive their source.
 * Prints PASS/FAIL lines; run by tests/t_diags.sh. */
#include <stdlib.h>
#include <string.h>

#include "vyrec.h"

static int fails;
static void expect(const char *name, bool ok)
{
	printf("%s %s\n", ok ? "PASS" : "FAIL", name);
	fails += !ok;
}

static char *render(const struct vy_diags *d, enum vy_diag_format f)
{
	char *s;
	size_t n;
	FILE *m = open_memstream(&s, &n);
	vy_diags_print(d, m, f, false);
	fclose(m);
	return s;
}

/* text through vy_error_text: message, fix, and text mode's line */
static void split(const char *name, const char *text, const char *msg,
		  const char *fix)
{
	struct vy_diags d = {0};
	vy_error_text(&d, "vyrec run", text);
	char *t = render(&d, VY_DIAG_TEXT);
	char *want = NULL;
	if (asprintf(&want, "vyrec run: %s\n", text) < 0)
		abort();
	bool ok = d.n == 1 && d.nerrors == 1 && !strcmp(d.v[0].msg, msg) &&
		  (fix ? d.v[0].fix && !strcmp(d.v[0].fix, fix) : !d.v[0].fix) &&
		  !strcmp(t, want);
	expect(name, ok);
	if (!ok)
		fprintf(stderr, "%s: msg '%s' fix '%s' text '%s'\n", name,
			d.n ? d.v[0].msg : "", d.n && d.v[0].fix ? d.v[0].fix : "",
			t);
	free(t);
	free(want);
	vy_diags_free(&d);
}

int main(void)
{
	split("diag_split_inline", "a is bad. Fix: do b", "a is bad", "do b");
	split("diag_split_newline", "a is bad\nFix: do b", "a is bad", "do b");
	split("diag_split_none", "a is bad", "a is bad", NULL);
	split("diag_split_last", "x (y: z. Fix: w). Fix: v", "x (y: z. Fix: w)", "v");
	split("diag_split_fix_keeps_stop", "dup. Fix: rename it.", "dup", "rename it.");

	/* copies keep the path after the source is gone */
	struct vy_source *src = malloc(sizeof *src);
	char *path = strdup("p.yaml");
	*src = (struct vy_source){ path, "let x = y\n", 10 };
	struct vy_diags front = {0}, all = {0};
	vy_error(&front, (struct vy_loc){ src, 1, 9, 1 }, "declare it", "undefined name 'y'");
	vy_error_text(&front, "vyrec run", "bad. Fix: good");
	vy_diags_append(&all, &front);
	vy_diags_free(&front);
	free(path);
	free(src);
	char *j = render(&all, VY_DIAG_JSON);
	expect("diag_append_json", !strcmp(j,
		"[{\"severity\": \"error\", \"file\": \"p.yaml\", \"line\": 1, \"column\": 9, "
		"\"length\": 1, \"message\": \"undefined name 'y'\", \"fix\": \"declare it\"},\n"
		" {\"severity\": \"error\", \"file\": null, \"line\": 0, \"column\": 0, "
		"\"length\": 0, \"message\": \"bad\", \"fix\": \"good\"}]\n"));
	if (strncmp(j, "[{", 2) || fails)
		fprintf(stderr, "%s", j);
	free(j);
	expect("diag_append_counts", all.n == 2 && all.nerrors == 2);
	vy_diags_free(&all);

	/* errors past the limit are counted, not kept, and append counts them */
	struct vy_diags many = {0}, dst = {0};
	for (int i = 0; i < VY_MAX_ERRORS + 5; i++)
		vy_error_text(&many, "vyrec", "e");
	vy_diags_append(&dst, &many);
	expect("diag_limit", many.n == VY_MAX_ERRORS && many.nerrors == VY_MAX_ERRORS + 5 &&
	       dst.nerrors == VY_MAX_ERRORS + 5);
	vy_diags_free(&many);
	vy_diags_free(&dst);

	/* a back-half error whose fix is a field from the start: a message
	 * that itself reads ". Fix: " stays whole (text would split there) */
	struct vy_diags f = {0};
	vy_error_fix(&f, "vyrec", VY_FIX_NEWLINE, "use sm_90", "arch %s. Fix: quoted", "sm_1");
	char *ft = render(&f, VY_DIAG_TEXT);
	expect("diag_fix_field", f.n == 1 && f.nerrors == 1 &&
	       !strcmp(f.v[0].msg, "arch sm_1. Fix: quoted") && !strcmp(f.v[0].fix, "use sm_90") &&
	       !strcmp(ft, "vyrec: arch sm_1. Fix: quoted\nFix: use sm_90\n"));
	free(ft);
	vy_diags_prefix(&f, 0, "target `ptx`: ");
	char *txt = vy_diag_text(&f.v[0]);
	expect("diag_fix_prefix_text", !strcmp(txt, "target `ptx`: arch sm_1. Fix: quoted\nFix: use sm_90"));
	free(txt);
	vy_diags_free(&f);

	/* vy_emit_reject: into c->diags with the fix a field, or as text */
	struct vy_diags ed = {0};
	struct vy_emit_config cfg = { .diags = &ed };
	char *err = NULL;
	int rc = vy_emit_reject(&cfg, &err, VY_FIX_INLINE, "do b", "a is %s", "bad");
	expect("emit_reject_diags", rc == VY_EMIT_REJECT && !err && ed.n == 1 &&
	       !strcmp(ed.v[0].msg, "a is bad") && !strcmp(ed.v[0].fix, "do b") &&
	       !strcmp(ed.v[0].origin, "vyrec"));
	vy_diags_free(&ed);
	rc = vy_emit_reject(NULL, &err, VY_FIX_INLINE, "do b", "a is %s", "bad");
	expect("emit_reject_text", rc == VY_EMIT_REJECT && err && !strcmp(err, "a is bad. Fix: do b"));
	free(err);
	err = NULL;
	rc = vy_emit_reject(&cfg, &err, VY_FIX_INLINE, NULL, "old %s. Fix: pasted", "text");
	expect("emit_reject_diags_legacy", rc == VY_EMIT_REJECT && !err && ed.n == 1 &&
	       !strcmp(ed.v[0].msg, "old text") && !strcmp(ed.v[0].fix, "pasted"));
	vy_diags_free(&ed);
	rc = vy_emit_reject(&(struct vy_emit_config){0}, &err, VY_FIX_NEWLINE, NULL, "no fix");
	expect("emit_reject_text_nofix", rc == VY_EMIT_REJECT && err && !strcmp(err, "no fix"));
	free(err);
	return fails != 0;
}
