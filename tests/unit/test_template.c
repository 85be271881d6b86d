/* test_template.c: the launcher template engine, including hostile values. */
#include <stdlib.h>
#include <string.h>

#include "template.h"

static int fails;

static void expect(const char *name, const char *tmpl, const struct vy_tval *root,
		   const char *want)
{
	struct vy_buf out = {0};
	char *err = NULL;
	int r = vy_template_render("t", tmpl, strlen(tmpl), root, &out, &err);
	const char *got = r ? err : (out.data ? (char *)out.data : "");
	if (strcmp(got, want)) {
		printf("FAIL %s: got [%s] want [%s]\n", name, got, want);
		fails++;
	} else
		printf("PASS %s\n", name);
	free(err);
	vy_buf_free(&out);
}

int main(void)
{
	struct vy_arena *a = vy_arena_new();
	struct vy_tval *m = vy_tmap(a);
	vy_tset_str(a, m, "name", "saxpy");
	vy_tset_str(a, m, "evil", "a\"b\\c\nd */ e /* f?? | `g`");
	vy_tset_str(a, m, "braces", "{{name}}");
	vy_tset_str(a, m, "bad_id", "1x-y");
	vy_tset_bool(a, m, "yes", true);
	vy_tset_bool(a, m, "no", false);
	vy_tset_str(a, m, "empty", "");
	struct vy_tval *l = vy_tset_list(a, m, "bufs");
	vy_tset_str(a, m, "none_list_marker", "x");
	vy_tset_list(a, m, "none");
	const char *names[] = { "x", "y", "z" };
	for (int i = 0; i < 3; i++) {
		struct vy_tval *it = vy_tlist_add(a, l);
		vy_tset_str(a, it, "bname", names[i]);
		vy_tset_bool(a, it, "last", i == 2);
	}
	expect("plain", "k={{name}};", m, "k=saxpy;");
	expect("c_string", "\"{{c:evil}}\"", m, "\"a\\\"b\\\\c\\nd */ e /* f\\?\\? | `g`\"");
	expect("rust_string", "\"{{rs:evil}}\"", m, "\"a\\\"b\\\\c\\nd */ e /* f?? | `g`\"");
	expect("comment", "/* {{comment:evil}} */", m, "/* a\"b\\c d * / e / * f?? | `g` */");
	expect("markdown", "|{{md:evil}}|", m, "|a\"b\\\\c d */ e /* f?? \\| \\`g\\`|");
	expect("braces_not_rerendered", "{{braces}}", m, "{{name}}");
	expect("ident_ok", "{{id:name}}", m, "saxpy");
	expect("ident_rejected", "{{id:bad_id}}", m, "template t:1: '1x-y' is not an identifier");
	expect("list", "{{#bufs}}{{bname}}{{^last}},{{/last}}{{/bufs}}", m, "x,y,z");
	expect("outer_lookup", "{{#bufs}}{{name}}.{{bname}} {{/bufs}}", m, "saxpy.x saxpy.y saxpy.z ");
	expect("bool_section", "{{#yes}}A{{/yes}}{{#no}}B{{/no}}{{^no}}C{{/no}}", m, "AC");
	expect("empty_string_inverted", "{{^empty}}E{{/empty}}{{#empty}}F{{/empty}}", m, "E");
	expect("empty_list_inverted", "{{#none}}N{{/none}}{{^none}}none{{/none}}", m, "none");
	expect("standalone_lines", "a\n{{#yes}}\nb\n{{/yes}}\nc\n", m, "a\nb\nc\n");
	expect("comment_tag", "a{{! note }}b", m, "ab");
	expect("unknown_name", "{{nope}}", m, "template t:1: unknown name 'nope'");
	expect("unknown_section", "x\n{{#nope}}{{/nope}}", m, "template t:2: unknown name 'nope'");
	expect("unclosed", "{{#yes}}abc", m, "template t:1: section 'yes' is never closed");
	expect("unterminated", "abc {{name", m, "template t:1: unterminated tag");
	expect("unknown_filter", "{{sh:name}}", m, "template t:1: unknown filter 'sh'");
	expect("stray_close", "{{/yes}}", m, "template t:1: unexpected closing tag");
	vy_arena_free(a);
	return fails != 0;
}
