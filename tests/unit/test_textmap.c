/*
 * test_textmap.c: vy_textmap (one pass over a scalar) must give exactly
 * the locations vy_textloc_at gives by walking the scalar for each
 * lookup.  For every scalar of each YAML file named on the command line,
 * every value offset, several widths and bases, both answers are
 * compared; prints "ok N" (lookups compared) or the first difference.
 */
#include <stdio.h>
#include <stdlib.h>

#include "vyrec.h"
#include "source.h"
#include "yaml_tree.h"

static long compared;

static int same(struct vy_loc a, struct vy_loc b)
{
	return a.src == b.src && a.line == b.line && a.col == b.col &&
	       a.len == b.len;
}

static int scalar(const struct vy_ynode *y, const struct vy_source *src)
{
	for (size_t base = 0; base < 3 && base < y->len; base++) {
		struct vy_textloc tl = vy_ytextloc(y, src);
		tl.base = base;
		size_t n = y->len - base;
		struct vy_textmap m;
		if (!vy_textmap_build(&m, &tl, n)) {
			printf("FAIL build at %d:%d\n", y->line, y->col);
			return 1;
		}
		struct vy_textloc tm = tl;
		tm.map = &m;
		static const int widths[] = { 1, 2, 3, 7, 40 };
		for (size_t off = 0; off < n + 2; off++)
			for (size_t w = 0; w < sizeof widths / sizeof *widths; w++) {
				struct vy_loc a = vy_textloc_at(&tl, off, widths[w]);
				struct vy_loc b = vy_textloc_at(&tm, off, widths[w]);
				compared++;
				if (!same(a, b)) {
					printf("FAIL scalar at %d:%d base %zu off %zu width %d: "
					       "walk %d:%d+%d, map %d:%d+%d\n", y->line, y->col,
					       base, off, widths[w], a.line, a.col, a.len,
					       b.line, b.col, b.len);
					vy_textmap_free(&m);
					return 1;
				}
			}
		vy_textmap_free(&m);
	}
	return 0;
}

static int tree(const struct vy_ynode *y, const struct vy_source *src)
{
	if (!y)
		return 0;
	if (y->kind == VY_Y_SCALAR)
		return scalar(y, src);
	for (int i = 0; i < y->n; i++)
		if (tree(y->kids[i], src))
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		struct vy_arena *a = vy_arena_new();
		struct vy_diags d = { 0 };
		const struct vy_source *src = vy_source_read(a, argv[i], &d);
		struct vy_ynode *root = src ? vy_yaml_tree(a, src, &d) : NULL;
		if (!root) {
			printf("FAIL %s does not load\n", argv[i]);
			return 1;
		}
		if (tree(root, src))
			return 1;
		vy_arena_free(a);
	}
	printf("ok %ld\n", compared);
	return 0;
}
