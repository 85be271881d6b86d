/*
 * decls.c: declarations.  One table names what the language reserves:
 * the builtins (gid lid wgid wgsize nwg len bitcast), the types, the
 * keywords and the dialects.  The loader's namespace check, the
 * expression parser's reserved words and the resolver's builtin lookup
 * and did-you-mean all read it.  Then the one namespace that params,
 * buffers and shared arrays share, binding assignment, and the SPEC §8
 * limits on declarations.  The limits on values are applied to folded
 * values (SPEC §10.9), so `count: 8192 * 2` is refused like `16384`:
 * literal counts as the loader reads them, expressions once the resolver
 * has folded them.
 */
#include <string.h>

#include "decls.h"
#include "launch.h"

/* ---- the names table ---- */

static const struct vy_name names[] = {
	{ "gid", VY_NAME_BUILTIN, VY_B_GID, "xyz", false },
	{ "lid", VY_NAME_BUILTIN, VY_B_LID, "xy", false },
	{ "wgid", VY_NAME_BUILTIN, VY_B_WGID, "xy", false },
	{ "wgsize", VY_NAME_BUILTIN, VY_B_WGSIZE, "", false },
	{ "nwg", VY_NAME_BUILTIN, VY_B_NWG, "x", false },
	{ "len", VY_NAME_BUILTIN, -1, NULL, false },
	{ "bitcast", VY_NAME_BUILTIN, -1, NULL, false },
	/* types: also whatever vy_type_parse knows */
	{ "u32", VY_NAME_TYPE, -1, NULL, false },
	{ "i32", VY_NAME_TYPE, -1, NULL, false },
	{ "f32", VY_NAME_TYPE, -1, NULL, false },
	{ "bool", VY_NAME_TYPE, -1, NULL, false },
	{ "f16", VY_NAME_TYPE, -1, NULL, false },
	{ "f64", VY_NAME_TYPE, -1, NULL, false },
	{ "u64", VY_NAME_TYPE, -1, NULL, false },
	{ "i64", VY_NAME_TYPE, -1, NULL, false },
	{ "u8", VY_NAME_TYPE, -1, NULL, false },
	{ "let", VY_NAME_KEYWORD, -1, NULL, true },
	{ "var", VY_NAME_KEYWORD, -1, NULL, true },
	{ "if", VY_NAME_KEYWORD, -1, NULL, true },
	{ "for", VY_NAME_KEYWORD, -1, NULL, true },
	{ "while", VY_NAME_KEYWORD, -1, NULL, true },
	{ "true", VY_NAME_KEYWORD, -1, NULL, true },
	{ "false", VY_NAME_KEYWORD, -1, NULL, true },
	{ "barrier", VY_NAME_KEYWORD, -1, NULL, true },
	{ "return", VY_NAME_KEYWORD, -1, NULL, true },
	{ "break", VY_NAME_KEYWORD, -1, NULL, true },
	{ "continue", VY_NAME_KEYWORD, -1, NULL, true },
	{ "in", VY_NAME_KEYWORD, -1, NULL, false },   /* only in a for header */
	{ "core", VY_NAME_DIALECT, -1, NULL, false },
	{ "math", VY_NAME_DIALECT, -1, NULL, false },
	{ "atomic", VY_NAME_DIALECT, -1, NULL, false },
	{ "subgroup", VY_NAME_DIALECT, -1, NULL, false },
};
enum { NNAMES = sizeof names / sizeof *names };

static bool same(const char *name, const char *s, size_t n)
{
	return strlen(name) == n && !memcmp(name, s, n);
}

const struct vy_name *vy_name_find(const char *s, size_t n)
{
	static const struct vy_name type = { "", VY_NAME_TYPE, -1, NULL, false };
	for (int i = 0; i < NNAMES; i++)
		if (same(names[i].name, s, n))
			return &names[i];
	bool reserved;
	return vy_type_parse(s, n, &reserved) != VY_VOID ? &type : NULL;
}

const char *vy_name_kind_text(enum vy_name_kind k)
{
	switch (k) {
	case VY_NAME_BUILTIN: return "a builtin";
	case VY_NAME_TYPE: return "a type";
	case VY_NAME_KEYWORD: return "a keyword";
	case VY_NAME_DIALECT: return "a dialect";
	}
	return "a name";
}

bool vy_name_reserved_word(const char *s, size_t n)
{
	const struct vy_name *e = vy_name_find(s, n);
	return e && e->expr_reserved;
}

const char *vy_builtin_name(enum vy_builtin b)
{
	for (int i = 0; i < NNAMES; i++)
		if (names[i].builtin == (int)b)
			return names[i].name;
	return "?";
}

int vy_builtin_find(const char *name, int *axis)
{
	for (int i = 0; i < NNAMES && names[i].kind == VY_NAME_BUILTIN; i++) {
		size_t n = strlen(names[i].name);
		if (names[i].builtin >= 0 && !strncmp(name, names[i].name, n) &&
		    name[n] == '.' && name[n + 1] >= 'x' && name[n + 1] <= 'z' &&
		    !name[n + 2]) {
			*axis = name[n + 1] - 'x';
			return names[i].builtin;
		}
	}
	return -1;
}

bool vy_builtin_prefix(const char *name)
{
	for (int i = 0; i < NNAMES && names[i].kind == VY_NAME_BUILTIN; i++) {
		size_t n = strlen(names[i].name);
		if (names[i].builtin >= 0 && !strncmp(name, names[i].name, n) &&
		    (!name[n] || name[n] == '.'))
			return true;
	}
	return !strcmp(name, "len");
}

int vy_builtin_candidates(char (*text)[16], const char **out, int max)
{
	int k = 0;
	for (int i = 0; i < NNAMES; i++)
		for (const char *a = names[i].axes; a && *a && k < max; a++, k++) {
			snprintf(text[k], sizeof text[k], "%s.%c", names[i].name, *a);
			out[k] = text[k];
		}
	return k;
}

bool vy_is_ident(const char *s, size_t n)
{
	if (!n || !((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '_'))
		return false;
	for (size_t i = 1; i < n; i++) {
		char c = s[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      (c >= '0' && c <= '9') || c == '_'))
			return false;
	}
	return true;
}

/* ---- the namespace ---- */

#define err(D, y, fix, ...) vy_yerror((D)->d, (D)->src, y, fix, __VA_ARGS__)

void vy_decls_init(struct vy_decls *D, struct vy_arena *a,
		   const struct vy_source *src, struct vy_diags *d, size_t max)
{
	*D = (struct vy_decls){ .a = a, .src = src, .d = d };
	D->names = vy_alloc(a, max * sizeof *D->names + 1);
	D->kinds = vy_alloc(a, max * sizeof *D->kinds + 1);
}

bool vy_declare(struct vy_decls *D, const struct vy_ynode *k, const char *kind)
{
	if (k->kind != VY_Y_SCALAR)
		return false;
	if (!vy_is_ident(k->s, k->len)) {
		err(D, k, "use letters, digits and '_', starting with a letter or '_'",
		    "'%s' is not a valid %s name", vy_yshow(D->a, k), kind);
		return false;
	}
	const struct vy_name *r = vy_name_find(k->s, k->len);
	if (r) {
		err(D, k, vy_fmt(D->a, "rename the %s, e.g. '%s_'", kind, k->s),
		    "'%s' is %s and cannot name a %s", k->s,
		    vy_name_kind_text(r->kind), kind);
		return false;
	}
	for (int i = 0; i < D->n; i++)
		if (vy_yis(k, D->names[i]->s) && D->kinds[i] == kind)
			return false;   /* a duplicate key, reported as such */
		else if (vy_yis(k, D->names[i]->s)) {
			err(D, k, "params, buffers and shared arrays share one namespace; rename one of them",
			    "'%s' is already declared as a %s at line %d", k->s,
			    D->kinds[i], D->names[i]->line);
			vy_note(D->d, vy_yloc(D->names[i], D->src), "the %s '%s' is declared here",
				D->kinds[i], k->s);
			return false;
		}
	D->names[D->n] = k;
	D->kinds[D->n++] = kind;
	return true;
}

void vy_decls_count(struct vy_decls *D, const struct vy_program *p,
		    const struct vy_ynode *k, bool param)
{
	if (param && p->nparams == VY_MAX_PARAMS + 1)
		err(D, k, "pass the remaining values in a buffer",
		    "more than %d params: params travel as push constants, at most %d words",
		    VY_MAX_PARAMS, VY_MAX_PARAMS);
	if (p->nparams + p->nbuffers > VY_MAX_IO && !D->too_many_io) {
		D->too_many_io = true;
		err(D, k, "merge small buffers, or pass values in a buffer instead of params",
		    "more than %d buffers and params", VY_MAX_IO);
	}
}

/* Explicit bindings are unique; the others take the lowest free numbers
 * in declaration order. */
void vy_decls_bindings(struct vy_program *p, struct vy_diags *d)
{
	int used[VY_MAX_BINDING + 1];
	for (int i = 0; i <= VY_MAX_BINDING; i++)
		used[i] = -1;
	for (int i = 0; i < p->nbuffers; i++) {
		struct vy_bufdecl *b = &p->buffers[i];
		if (!b->explicit_binding)
			continue;
		if (used[b->binding] >= 0) {
			vy_error(d, b->loc, "give each buffer its own binding, or leave 'binding' out",
				 "binding %d is used by both '%s' and '%s'", b->binding,
				 p->buffers[used[b->binding]].name, b->name);
			vy_note(d, p->buffers[used[b->binding]].loc, "'%s' takes binding %d here",
				p->buffers[used[b->binding]].name, b->binding);
			continue;
		}
		used[b->binding] = i;
	}
	int next = 0, full = 0;
	for (int i = 0; i < p->nbuffers; i++) {
		struct vy_bufdecl *b = &p->buffers[i];
		if (b->explicit_binding || b->binding >= 0)
			continue;
		while (next <= VY_MAX_BINDING && used[next] >= 0)
			next++;
		if (next > VY_MAX_BINDING && !full++) {
			vy_error(d, b->loc, "merge buffers; a program has at most 32",
				 "no binding left for buffer '%s': bindings 0..%d are all used",
				 b->name, VY_MAX_BINDING);
		}
		if (next > VY_MAX_BINDING) {
			b->binding = VY_MAX_BINDING;
			continue;
		}
		used[next] = i;
		b->binding = next;
	}
	for (int i = 1; i < p->nbuffers; i++)   /* stable insertion sort */
		for (int j = i; j > 0 && p->buffers[j - 1].binding > p->buffers[j].binding; j--) {
			struct vy_bufdecl t = p->buffers[j];
			p->buffers[j] = p->buffers[j - 1];
			p->buffers[j - 1] = t;
		}
}

/* ---- limits on values ---- */

/* Add count 4-byte elements to the shared total: whether this array is
 * the one that takes it past the limit (reported there, once). */
static bool shared_passes(uint64_t *bytes, uint32_t count)
{
	*bytes += 4ull * count;
	return *bytes > VY_MAX_SHARED && *bytes - 4ull * count <= VY_MAX_SHARED;
}

static void shared_error(struct vy_diags *d, struct vy_loc at, uint64_t bytes)
{
	vy_error(d, at, "use smaller tiles; shared memory is at most 32768 bytes per workgroup",
		 "shared arrays take %llu bytes, more than the %d-byte limit",
		 (unsigned long long)bytes, VY_MAX_SHARED);
}

void vy_decls_shared_add(struct vy_decls *D, uint64_t *bytes, uint32_t count,
			 const struct vy_ynode *y)
{
	if (shared_passes(bytes, count))
		shared_error(D->d, vy_yloc(y, D->src), *bytes);
}

/* The limits on values (SPEC §1.3, §1.4, §10.9) are applied to the
 * folded value of a constant count or dispatch, so `8192 * 2` is refused
 * like `16384`.  Counts over params are checked at launch (launch.c). */
void vy_decls_check_count(const struct vy_program *p, struct vy_arena *a,
			  struct vy_diags *diags, const struct vy_bufdecl *d)
{
	uint32_t v = vy_eval_uniform(p, d->count, NULL, NULL);
	struct vy_loc at = d->count_loc.src ? d->count_loc : d->count->loc;
	const char *text = d->count_text ? d->count_text : "?";
	if (!v)
		vy_error(diags, at, "write a count of at least 1",
			 "the count of buffer '%s' is 0 (%s)", d->name, text);
	else if (v > VY_MAX_ELEMENTS)
		vy_error(diags, at, vy_fmt(a, "use at most %u elements per buffer, "
					  "or stream the input with --stream", VY_MAX_ELEMENTS),
			 "buffer '%s' holds %u elements (%s), more than the "
			 "%u-element limit", d->name, v, text, VY_MAX_ELEMENTS);
}

void vy_decls_check_shared(const struct vy_program *p, struct vy_diags *d)
{
	uint64_t bytes = 0;
	for (int s = 0; s < p->nshared; s++) {
		const struct vy_shareddecl *sh = &p->shared[s];
		uint64_t words = (uint64_t)sh->count * (vy_type_lanes(sh->type) > 1 ?
						      vy_type_stride(sh->type) / 4 : 1);
		if (shared_passes(&bytes, words > UINT32_MAX ? UINT32_MAX : (uint32_t)words))
			shared_error(d, sh->count_loc.src ? sh->count_loc : sh->loc, bytes);
	}
}

/* A constant dispatch axis against the grid every backend runs (the
 * limits of launch.h's vy_launch_check_grid). */
void vy_decls_check_dispatch(const struct vy_program *p, struct vy_diags *d,
			     int i)
{
	static const uint32_t grid_max[3] = { VY_GRID_MAX_X, VY_GRID_MAX_YZ, VY_GRID_MAX_YZ };
	const struct vy_expr *e = p->dispatch[i];
	uint32_t v = vy_eval_uniform(p, e, NULL, NULL);
	uint32_t wg = p->wgsize[i] ? p->wgsize[i] : 1;
	uint32_t g = v / wg + (v % wg != 0);
	struct vy_loc at = p->dispatch_loc[i].src ? p->dispatch_loc[i] : e->loc;
	if (!v)
		vy_error(d, at, "write a positive number of invocations",
			 "'dispatch' axis %c is 0 invocations", "xyz"[i]);
	else if (g > grid_max[i])
		vy_error(d, at, "use a larger workgroup_size or move work to another axis",
			 "'dispatch' axis %c needs %u workgroups (%u invocations, "
			 "workgroup size %u), more than the limit of %u",
			 "xyz"[i], g, v, wg, grid_max[i]);
}
