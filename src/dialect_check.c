/*
 * dialect_check.c: assemble the registry of one compilation.  Finds the
 * dialect files (the program's dialects:, --dialect, VYRE_DIALECT_PATH),
 * loads them (dialect.c), rejects duplicate ids and call cycles, type-checks
 * every extern op body, and builds the frozen snapshot.
 */
#include <dirent.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>

#include "resolve.h"

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Every *.yaml in the directories of VYRE_DIALECT_PATH, sorted per dir
 * (byte order, so every file system loads the same set in the same order).
 * Only regular files, symlinks to them included: a FIFO or device named
 * x.yaml would block or never end, a directory cannot be read. */
static void load_search_path(struct vy_arena *a, struct vy_dialect_set *set,
			     struct vy_diags *d)
{
	const char *env = getenv("VYRE_DIALECT_PATH");
	if (!env || !*env)
		return;
	char *copy = vy_strdup(a, env), *save = NULL;
	for (char *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		DIR *dp = opendir(dir);
		if (!dp)
			continue;
		const char **names = NULL;
		size_t n = 0, cap = 0;
		struct dirent *de;
		while ((de = readdir(dp))) {
			size_t len = strlen(de->d_name);
			struct stat st;
			if (len <= 5 || strcmp(de->d_name + len - 5, ".yaml"))
				continue;
			const char *path = vy_fmt(a, "%s/%s", dir, de->d_name);
			if (stat(path, &st) || !S_ISREG(st.st_mode))
				continue;
			if (n == cap) {
				cap = cap ? 2 * cap : 64;
				const char **m = realloc(names, cap * sizeof *names);
				if (!m)
					vy_oom("the dialect search path", cap * sizeof *names);
				names = m;
			}
			names[n++] = path;
		}
		closedir(dp);
		if (n)
			qsort(names, n, sizeof *names, cmp_str);
		for (size_t i = 0; i < n; i++)
			vy_dialect_load(a, set, names[i], (struct vy_loc){0}, d);
		free(names);
	}
}

static const char *relative_to(struct vy_arena *a, const char *base, const char *path)
{
	const char *slash = strrchr(base, '/');
	if (path[0] == '/' || !slash)
		return path;
	return vy_fmt(a, "%.*s/%s", (int)(slash - base), base, path);
}

/* ---- cycles ---- */

struct node { const struct vy_opdef *op; int state; };  /* 0 new, 1 open, 2 done */

static struct node *find_node(struct node *v, int n, const char *id)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(v[i].op->id, id))
			return &v[i];
	return NULL;
}

static bool visit(struct node *v, int n, struct node *x, const char **stack,
		  int depth, struct vy_arena *a, struct vy_diags *d);

static bool visit_expr(struct node *v, int n, const struct vy_expr *e,
		       const char **stack, int depth, struct vy_arena *a,
		       struct vy_diags *d)
{
	if (e->kind == VY_E_CALL) {
		struct node *y = find_node(v, n, e->name);
		if (y && !visit(v, n, y, stack, depth, a, d))
			return false;
	}
	for (int i = 0; i < e->nargs; i++)
		if (!visit_expr(v, n, e->args[i], stack, depth, a, d))
			return false;
	return true;
}

static bool visit(struct node *v, int n, struct node *x, const char **stack,
		  int depth, struct vy_arena *a, struct vy_diags *d)
{
	if (x->state == 2)
		return true;
	if (x->state == 1) {
		char *cycle = vy_strdup(a, x->op->id);
		int start = depth - 1;
		while (start > 0 && strcmp(stack[start], x->op->id))
			start--;
		for (int i = start + 1; i < depth; i++)
			cycle = vy_fmt(a, "%s -> %s", cycle, stack[i]);
		cycle = vy_fmt(a, "%s -> %s", cycle, x->op->id);
		vy_error(d, x->op->loc, "break the cycle: an op may not call itself, directly or through others",
			 "extern ops call each other in a cycle: %s", cycle);
		return false;
	}
	if (depth >= 256)
		return true;
	x->state = 1;
	stack[depth] = x->op->id;
	for (int i = 0; i < x->op->nlets; i++)
		if (!visit_expr(v, n, x->op->lets[i], stack, depth + 1, a, d))
			return false;
	if (x->op->body && !visit_expr(v, n, x->op->body, stack, depth + 1, a, d))
		return false;
	x->state = 2;
	return true;
}

/* ---- the registry ---- */

static struct vy_registry *build(struct vy_arena *a, struct vy_dialect_set *set,
				 struct vy_diags *d)
{
	int n = VY_OP_COUNT;
	for (int i = 0; i < set->n; i++)
		n += set->v[i]->nops;
	const struct vy_opdef **defs = vy_alloc(a, sizeof *defs * (size_t)n);
	struct node *nodes = vy_alloc(a, sizeof *nodes * (size_t)(n - VY_OP_COUNT + 1));
	int k = 0, m = 0;
	for (int i = 0; i < VY_OP_COUNT; i++)
		defs[k++] = vy_builtin_op((enum vy_opcode)i);
	for (int i = 0; i < set->n; i++)
		for (int j = 0; j < set->v[i]->nops; j++) {
			defs[k++] = &set->v[i]->ops[j];
			nodes[m++].op = &set->v[i]->ops[j];
		}
	char *err = NULL;
	struct vy_registry *r = vy_registry_build(defs, n, &err);
	if (!r) {
		char *fix = strstr(err, ". Fix: ");
		struct vy_loc loc = {0};
		for (int i = n - 1; i >= VY_OP_COUNT && fix && !loc.src; i--)
			if (!strncmp(err + 17, defs[i]->id, strlen(defs[i]->id)) &&
			    err[17 + strlen(defs[i]->id)] == '`')
				loc = defs[i]->loc;
		if (fix)
			*fix = 0;
		vy_error(d, loc, fix ? fix + 7 : NULL, "%s", err);
		free(err);
		return NULL;
	}
	const char **stack = vy_alloc(a, sizeof *stack * 257);
	for (int i = 0; i < m; i++)
		if (!visit(nodes, m, &nodes[i], stack, 0, a, d)) {
			vy_registry_free(r);
			return NULL;
		}
	int before = d->nerrors;
	for (int i = 0; i < m; i++)
		vy_check_opdef(a, r, (struct vy_opdef *)nodes[i].op, d);
	if (d->nerrors != before) {
		vy_registry_free(r);
		return NULL;
	}
	return r;
}

struct vy_registry *vy_dialects_registry(struct vy_arena *a,
					 const struct vy_program *p,
					 const char *const *extra, int nextra,
					 struct vy_dialect_set *set,
					 struct vy_diags *d)
{
	int before = d->nerrors;
	for (int i = 0; p && i < p->ndialects; i++)
		vy_dialect_load(a, set, relative_to(a, p->src->path, p->dialects[i]),
				p->dialect_locs[i], d);
	for (int i = 0; i < nextra; i++)
		vy_dialect_load(a, set, extra[i], (struct vy_loc){0}, d);
	load_search_path(a, set, d);
	if (d->nerrors != before)
		return NULL;
	return build(a, set, d);
}
