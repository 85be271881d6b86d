/*
 * ast_build.c: the YAML tree -> AST (SPEC §1.1-1.5).  vy_load reads the
 * checked source into the YAML tree (yaml_tree.c) and walks it into a
 * struct vy_program: top-level keys, params, buffers, shared arrays,
 * dispatch, tolerance and the entry statements, whose strings go to the
 * expression parser with a textloc so its carets land inside the YAML
 * scalar.  Declared names, bindings and the limits on declarations are
 * decls.c's.  Every error of the stage is reported, each located and with
 * a Fix where the user can act, in file order.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "decls.h"
#include "source.h"
#include "yaml_tree.h"

/* ---- the program ---- */

struct ld {
	struct vy_arena *a;
	const struct vy_source *src;
	struct vy_diags *d;
	struct vy_program *p;
	int nstmts;
	bool too_many_stmts;
	struct vy_decls D;             /* the one namespace of declarations */
	struct vy_textloc tl;          /* textloc()'s slot */
	int depth;                     /* statement blocks open (1: an entry) */
};

#define err(L, y, fix, ...) vy_yerror((L)->d, (L)->src, y, fix, __VA_ARGS__)

static const char *show(struct ld *L, const struct vy_ynode *y)
{
	return vy_yshow(L->a, y);
}

/* Where scalar y's value lies, for the parser that reads it now (the
 * parser keeps no pointer to it, so one slot serves every statement). */
static const struct vy_textloc *textloc(struct ld *L, const struct vy_ynode *y)
{
	L->tl = vy_ytextloc(y, L->src);
	return &L->tl;
}

/* A scalar's text that the program keeps: the tree is freed after
 * loading, the AST's arena lives on. */
static const char *keep(struct ld *L, const struct vy_ynode *y)
{
	return vy_strndup(L->a, y->s ? y->s : "", y->len);
}

/* A non-empty scalar, else an error naming what it should be. */
static bool want_scalar(struct ld *L, const struct vy_ynode *y,
			const char *what, const char *should)
{
	if (y->kind == VY_Y_ALIAS || y->bad)
		return false;
	if (y->kind == VY_Y_SCALAR && y->len)
		return true;
	err(L, y, NULL, "%s must be %s, not %s", what, should, vy_ykind(y));
	return false;
}

static bool want_kind(struct ld *L, const struct vy_ynode *y, int kind,
		      const char *what)
{
	if (y->kind == kind)
		return true;
	if (y->kind != VY_Y_ALIAS)
		err(L, y, NULL, "%s must be %s, not %s", what,
		    kind == VY_Y_MAP ? "a mapping" : "a list", vy_ykind(y));
	return false;
}

static enum vy_type load_type(struct ld *L, const struct vy_ynode *y,
			      const char *what)
{
	if (!want_scalar(L, y, vy_fmt(L->a, "the type of %s", what), "a type name"))
		return VY_VOID;
	bool reserved;
	enum vy_type t = vy_type_parse(y->s, y->len, &reserved);
	if (reserved) {
		err(L, y, "use u32, i32 or f32", "type '%s' is not supported yet", show(L, y));
		return VY_VOID;
	}
	bool param = !strncmp(what, "param", 5);
	if (t == VY_VOID) {   /* params take scalars, memory storage types too */
		const char *types[VY_TYPE_COUNT];
		int n = 0;
		for (int k = 0; k < VY_TYPE_COUNT; k++)
			if (vy_type_info((enum vy_type)k)->cls == VY_TC_SCALAR ||
			    (!param && (vy_type_info((enum vy_type)k)->cls == VY_TC_STORAGE ||
					vy_type_info((enum vy_type)k)->cls == VY_TC_VECTOR)))
				types[n++] = vy_type_name((enum vy_type)k);
		const char *near = vy_closest(show(L, y), types, n);
		err(L, y, near ? vy_fmt(L->a, "did you mean '%s'?", near) : param ?
			"the types are u32, i32 and f32" :
			"the types are u32, i32 and f32, and the storage types "
			"u8, i8, u16, i16 and bf16",
		    "unknown type '%s'", show(L, y));
		return VY_VOID;
	}
	if (t == VY_BOOL) {
		err(L, y, "use u32 and store 0 or 1", "%s cannot be bool: only "
		    "u32, i32 and f32 are storable", what);
		return VY_VOID;
	}
	if (vy_type_info(t)->cls == VY_TC_VECTOR && param) {
		err(L, y, vy_fmt(L->a, "pass %u %s params and build it in the "
				 "program: %s(a, b, ...)", vy_type_lanes(t),
				 vy_type_name(vy_type_elem(t)), show(L, y)),
		    "%s cannot be %s: params are scalars", what, show(L, y));
		return VY_VOID;
	}
	if (vy_type_info(t)->cls == VY_TC_STORAGE && param) {
		err(L, y, vy_fmt(L->a, "declare it %s and narrow it when you store it",
				 vy_type_name(vy_type_value(t))),
		    "%s cannot be %s: storage types are only buffer and shared "
		    "element types", what, show(L, y));
		return VY_VOID;
	}
	return t;
}

/* An expression written as an integer or an expression string. */
static struct vy_expr *load_expr(struct ld *L, const struct vy_ynode *y,
				 const char *what)
{
	if (!want_scalar(L, y, what, "an expression"))
		return NULL;
	uint32_t v;
	int r = vy_yuint(y, &v);
	if (r < 0) {
		err(L, y, NULL, "%s %s does not fit in 32 bits", what, show(L, y));
		return NULL;
	}
	if (r > 0) {
		struct vy_expr *e = vy_alloc(L->a, sizeof *e);
		e->kind = VY_E_CONST;
		e->type = VY_ABSINT;
		e->ival = v;
		e->loc = vy_yloc(y, L->src);
		return e;
	}
	if (y->len > VY_MAX_EXPR) {
		err(L, y, "split it into several statements with let",
		    "%s is longer than the %u KiB expression limit", what,
		    VY_MAX_EXPR >> 10);
		return NULL;
	}
	return vy_parse_expr(L->a, y->s, y->len, textloc(L, y), L->d);
}

static void load_version(struct ld *L, const struct vy_ynode *y)
{
	uint32_t v;
	if (y->kind == VY_Y_SCALAR && y->style != VY_STYLE_PLAIN)
		err(L, y, "write 'vyrec: 1' without quotes",
		    "'vyrec' must be the integer 1, not a string");
	else if (y->kind != VY_Y_SCALAR)
		want_scalar(L, y, "'vyrec'", "the integer 1");
	else if (vy_yuint(y, &v) != 1 || v != 1)
		err(L, y, "this vyrec reads 'vyrec: 1'",
		    "unsupported format version '%s'", show(L, y));
}

static void load_name(struct ld *L, const struct vy_ynode *y)
{
	if (!want_scalar(L, y, "'name'", "an identifier"))
		return;
	if (!vy_is_ident(y->s, y->len))
		err(L, y, "use letters, digits and '_', starting with a letter or '_', e.g. 'name: my_kernel'",
		    "'name' must be an identifier, not '%s'", show(L, y));
	else if (y->len > 64)
		err(L, y, "shorten the name", "'name' is longer than 64 characters");
	L->p->name = keep(L, y);
	L->p->loc_name = vy_yloc(y, L->src);
}

static void load_dialects(struct ld *L, const struct vy_ynode *y)
{
	if (!want_kind(L, y, VY_Y_SEQ, "'dialects'"))
		return;
	struct vy_program *p = L->p;
	p->dialects = vy_alloc(L->a, (size_t)y->n * sizeof *p->dialects + 1);
	p->dialect_locs = vy_alloc(L->a, (size_t)y->n * sizeof *p->dialect_locs + 1);
	for (int i = 0; i < y->n; i++) {
		const struct vy_ynode *f = y->kids[i];
		if (!want_scalar(L, f, "a dialect", "a file path"))
			continue;
		p->dialect_locs[p->ndialects] = vy_yloc(f, L->src);
		/* as written: vy_dialects_registry resolves it against the
		 * program's directory */
		p->dialects[p->ndialects++] = keep(L, f);
	}
}

static void load_wgsize(struct ld *L, const struct vy_ynode *y)
{
	struct vy_program *p = L->p;
	p->loc_wgsize = vy_yloc(y, L->src);
	int n = y->kind == VY_Y_SEQ ? y->n : 1;
	if (y->kind == VY_Y_MAP || n < 1 || n > 3) {
		err(L, y, "write 1 to 3 positive integers, e.g. [256] or [16, 16]",
		    "'workgroup_size' must have 1 to 3 axes, not %s",
		    y->kind == VY_Y_MAP ? "a mapping" : vy_fmt(L->a, "%d", n));
		return;
	}
	uint64_t prod = 1;
	for (int i = 0; i < n; i++) {
		const struct vy_ynode *v = y->kind == VY_Y_SEQ ? y->kids[i] : y;
		uint32_t x;
		if (vy_yuint(v, &x) != 1 || !x || x > VY_MAX_WG) {
			if (v->kind != VY_Y_ALIAS)
				err(L, v, NULL, "workgroup size must be an integer from 1 to %d, not %s",
				    VY_MAX_WG, v->kind == VY_Y_SCALAR && v->len ?
				    vy_fmt(L->a, "'%s'", show(L, v)) : vy_ykind(v));
			return;
		}
		p->wgsize[i] = x;
		prod *= x;
	}
	p->nwgsize = n;
	if (prod > VY_MAX_WG)
		err(L, y, "make the product of the axes at most 1024",
		    "workgroup size %u x %u x %u is %llu invocations, more than %d",
		    p->wgsize[0], p->wgsize[1], p->wgsize[2],
		    (unsigned long long)prod, VY_MAX_WG);
}

/* subgroup_size: N (SPEC §10.4), a power of two from 4 to 128. */
static void load_sgsize(struct ld *L, const struct vy_ynode *y)
{
	uint32_t x;
	L->p->loc_sgsize = vy_yloc(y, L->src);
	if (vy_yuint(y, &x) != 1 || x < 4 || x > 128 || (x & (x - 1))) {
		if (y->kind != VY_Y_ALIAS)
			err(L, y, "write 4, 8, 16, 32, 64 or 128, e.g. 'subgroup_size: 32'",
			    "'subgroup_size' must be a power of two from 4 to 128, not %s",
			    y->kind == VY_Y_SCALAR && y->len ? vy_fmt(L->a, "'%s'", show(L, y)) :
			    vy_ykind(y));
		return;
	}
	L->p->subgroup_size = x;
}

static void load_params(struct ld *L, const struct vy_ynode *y)
{
	if (!want_kind(L, y, VY_Y_MAP, "'params'"))
		return;
	struct vy_program *p = L->p;
	p->params = vy_alloc(L->a, (size_t)y->n * sizeof *p->params + 1);
	for (int i = 0; i + 1 < y->n; i += 2) {
		const struct vy_ynode *k = y->kids[i];
		if (!vy_declare(&L->D, k, "param"))
			continue;
		enum vy_type t = load_type(L, y->kids[i + 1],
					   vy_fmt(L->a, "param '%s'", k->s));
		p->params[p->nparams++] = (struct vy_param){ keep(L, k), t, vy_yloc(k, L->src) };
		vy_decls_count(&L->D, p, k, true);
	}
}

static enum vy_access load_access(struct ld *L, const struct vy_ynode *y)
{
	static const char *const acc[] = { "read_only", "write_only", "read_write" };
	if (!want_scalar(L, y, "'access'", "read_only, write_only or read_write"))
		return VY_READ_WRITE;
	for (int i = 0; i < 3; i++)
		if (vy_yis(y, acc[i]))
			return (enum vy_access)i;
	const char *near = vy_closest(show(L, y), acc, 3);
	err(L, y, near ? vy_fmt(L->a, "did you mean '%s'?", near) :
		"use read_only, write_only or read_write",
	    "unknown access '%s'", show(L, y));
	return VY_READ_WRITE;
}

static void load_buffer(struct ld *L, const struct vy_ynode *k,
			const struct vy_ynode *y, struct vy_bufdecl *b)
{
	static const char *const keys[] = { "binding", "type", "count", "access", NULL };
	const struct vy_ynode *v[4];
	b->name = keep(L, k);
	b->loc = vy_yloc(k, L->src);
	b->binding = -1;
	if (!want_kind(L, y, VY_Y_MAP, vy_fmt(L->a, "buffer '%s'", k->s)))
		return;
	char *what = vy_fmt(L->a, "buffer '%s'", k->s);
	vy_ykeys(L->a, y, keys, v, what, L->src, L->d);
	for (int i = 1; i < 4; i++)
		if (!v[i])
			err(L, k, vy_fmt(L->a, "add '%s: ...' to the buffer", keys[i]),
			    "buffer '%s' needs '%s'", k->s, keys[i]);
	uint32_t bind;
	if (v[0] && (vy_yuint(v[0], &bind) != 1 || bind > VY_MAX_BINDING))
		err(L, v[0], NULL, "'binding' must be an integer from 0 to %d, not %s",
		    VY_MAX_BINDING, v[0]->kind == VY_Y_SCALAR && v[0]->len ?
		    vy_fmt(L->a, "'%s'", show(L, v[0])) : vy_ykind(v[0]));
	else if (v[0]) {
		b->binding = (int)bind;
		b->explicit_binding = true;
	}
	if (v[1])
		b->type = load_type(L, v[1], vy_fmt(L->a, "buffer '%s'", k->s));
	if (v[2]) {
		b->count = load_expr(L, v[2], "'count'");
		b->count_text = keep(L, v[2]);
		b->count_loc = vy_yloc(v[2], L->src);
		if (b->count && b->count->kind == VY_E_CONST && !b->count->ival)
			err(L, v[2], "a buffer needs at least one element",
			    "'count' must be positive");
	}
	if (v[3])
		b->access = load_access(L, v[3]);
}

static void load_buffers(struct ld *L, const struct vy_ynode *y)
{
	if (!want_kind(L, y, VY_Y_MAP, "'buffers'"))
		return;
	struct vy_program *p = L->p;
	p->buffers = vy_alloc(L->a, (size_t)y->n * sizeof *p->buffers + 1);
	for (int i = 0; i + 1 < y->n; i += 2) {
		const struct vy_ynode *k = y->kids[i];
		if (!vy_declare(&L->D, k, "buffer"))
			continue;
		load_buffer(L, k, y->kids[i + 1], &p->buffers[p->nbuffers++]);
		vy_decls_count(&L->D, p, k, false);
	}
	vy_decls_bindings(p, L->d);
}

/* count: [N, M] of a 2-D shared array (SPEC §10.3): each axis a constant
 * expression, folded and counted by the resolver. */
static void load_shared_axes(struct ld *L, struct vy_shareddecl *s,
			     const struct vy_ynode *y)
{
	s->count_loc = vy_yloc(y, L->src);
	if (y->n != 2) {
		err(L, y, "write [ROWS, COLS], e.g. count: [16, 17]",
		    "shared 'count' takes one number or two axes, not %d", y->n);
		return;
	}
	s->ndims = 2;
	for (int i = 0; i < 2; i++)
		s->dim_expr[i] = load_expr(L, y->kids[i], "shared 'count'");
}

static void load_shared(struct ld *L, const struct vy_ynode *y)
{
	static const char *const keys[] = { "type", "count", NULL };
	if (!want_kind(L, y, VY_Y_MAP, "'shared'"))
		return;
	struct vy_program *p = L->p;
	p->shared = vy_alloc(L->a, (size_t)y->n * sizeof *p->shared + 1);
	uint64_t bytes = 0;
	for (int i = 0; i + 1 < y->n; i += 2) {
		const struct vy_ynode *k = y->kids[i], *m = y->kids[i + 1], *v[2];
		if (!vy_declare(&L->D, k, "shared array"))
			continue;
		struct vy_shareddecl *s = &p->shared[p->nshared++];
		*s = (struct vy_shareddecl){ .name = keep(L, k), .loc = vy_yloc(k, L->src) };
		char *what = vy_fmt(L->a, "shared array '%s'", k->s);
		if (!want_kind(L, m, VY_Y_MAP, what))
			continue;
		vy_ykeys(L->a, m, keys, v, what, L->src, L->d);
		for (int j = 0; j < 2; j++)
			if (!v[j])
				err(L, k, vy_fmt(L->a, "add '%s: ...' to the shared array", keys[j]),
				    "shared array '%s' needs '%s'", k->s, keys[j]);
		if (v[0])
			s->type = load_type(L, v[0], what);
		if (!v[1])
			continue;
		if (v[1]->kind == VY_Y_SEQ) {
			load_shared_axes(L, s, v[1]);
			continue;
		}
		uint32_t c;
		int r = vy_yuint(v[1], &c);
		s->count_loc = vy_yloc(v[1], L->src);
		if (r == 1 && c) {
			s->count = c;
			/* a vector element takes its stride in words (x3: 4) */
			uint64_t w = (uint64_t)c * (vy_type_lanes(s->type) > 1 ?
						    vy_type_stride(s->type) / 4 : 1);
			vy_decls_shared_add(&L->D, &bytes, w > UINT32_MAX ? UINT32_MAX : (uint32_t)w, v[1]);
		} else if (r != 0)
			err(L, v[1], NULL, "shared 'count' must be a positive integer that fits in 32 bits");
		else
			s->count_expr = load_expr(L, v[1], "shared 'count'");
	}
}

static void load_dispatch(struct ld *L, const struct vy_ynode *y)
{
	struct vy_program *p = L->p;
	int n = y->kind == VY_Y_SEQ ? y->n : 1;
	if (y->kind == VY_Y_MAP || n < 1 || n > 3) {
		err(L, y, "write 1 to 3 expressions, e.g. [n] or [w, h]",
		    "'dispatch' must have 1 to 3 axes, not %s",
		    y->kind == VY_Y_MAP ? "a mapping" : vy_fmt(L->a, "%d", n));
		return;
	}
	for (int i = 0; i < n; i++) {
		const struct vy_ynode *v = y->kind == VY_Y_SEQ ? y->kids[i] : y;
		p->dispatch[i] = load_expr(L, v, "'dispatch'");
		p->dispatch_text[i] = keep(L, v);
		p->dispatch_loc[i] = vy_yloc(v, L->src);
		if (p->dispatch[i] && p->dispatch[i]->kind == VY_E_CONST &&
		    !p->dispatch[i]->ival)
			err(L, v, NULL, "'dispatch' must be positive");
	}
	p->ndispatch = n;
}

static double load_number(struct ld *L, const struct vy_ynode *y,
			  const char *what)
{
	if (!want_scalar(L, y, what, "a number"))
		return 0;
	char *end;
	double x = strtod(y->s, &end);
	if (*end || end == y->s || !isfinite(x) || x < 0 ||
	    y->style != VY_STYLE_PLAIN) {
		err(L, y, NULL, "%s must be a non-negative number, not '%s'", what, show(L, y));
		return 0;
	}
	return x;
}

static void load_tolerance(struct ld *L, const struct vy_ynode *y)
{
	static const char *const keys[] = { "ulp", "abs", NULL };
	const struct vy_ynode *v[2];
	if (!want_kind(L, y, VY_Y_MAP, "'tolerance'"))
		return;
	vy_ykeys(L->a, y, keys, v, "'tolerance'", L->src, L->d);
	L->p->has_tolerance = true;
	if (v[0])
		L->p->tol_ulp = load_number(L, v[0], "'ulp'");
	if (v[1])
		L->p->tol_abs = load_number(L, v[1], "'abs'");
}

/* ---- statements ---- */

static void load_block(struct ld *L, const struct vy_ynode *y,
		       struct vy_block *b, const char *what);

/* Text quoted so that YAML reads it back as one string. */
static const char *yaml_quote(struct ld *L, const char *s)
{
	if (!strchr(s, '"') && !strchr(s, '\\'))
		return vy_fmt(L->a, "\"%s\"", s);
	struct vy_buf b = {0};
	vy_buf_puts(&b, "'");
	for (const char *c = s; *c; c++)
		vy_buf_put(&b, *c == '\'' ? "''" : c, *c == '\'' ? 2 : 1);
	vy_buf_puts(&b, "'");
	char *r = vy_buf_cstr(&b);
	vy_buf_free(&b);
	const char *out = vy_strdup(L->a, r);
	free(r);
	return out;
}

/* `- y[i] = c ? a : b` reads as the mapping {"y[i] = c ? a": "b"}. */
static void misparse(struct ld *L, const struct vy_ynode *m)
{
	const struct vy_ynode *k = m->kids[0], *v = m->kids[1];
	const char *t = L->src->text, *text;
	struct vy_loc loc = vy_yloc(k, L->src);
	bool one_line = v->kind == VY_Y_SCALAR && k->line == v->line &&
			!memchr(t + k->off, '\n', v->end - k->off);
	if (one_line && v->len) {
		text = vy_strndup(L->a, t + k->off, v->end - k->off);
		loc.len = v->end - k->off > VY_LOC_MAXLEN ? VY_LOC_MAXLEN : v->end - k->off;
	} else if (vy_yempty(v))
		text = vy_fmt(L->a, "%s:", k->s);
	else
		text = vy_fmt(L->a, "%s: %s", k->s, v->kind == VY_Y_SCALAR ? v->s : "...");
	vy_error(L->d, loc, vy_fmt(L->a, "quote the whole statement: - %s", yaml_quote(L, text)),
		 "this statement was read as a YAML mapping because it contains ': '");
}

/* A flow list or mapping where a statement was expected. */
static void misparse_flow(struct ld *L, const struct vy_ynode *y)
{
	const char *t = L->src->text;
	size_t e = y->end;
	if (memchr(t + y->off, '\n', e - y->off))
		e = y->off + 1;
	const char *text = vy_strndup(L->a, t + y->off, e - y->off);
	struct vy_loc loc = vy_yloc(y, L->src);
	loc.len = e - y->off > VY_LOC_MAXLEN ? VY_LOC_MAXLEN : e - y->off;
	vy_error(L->d, loc, vy_fmt(L->a, "quote the whole statement: - %s", yaml_quote(L, text)),
		 "this statement was read as a YAML %s because it starts with '%c'",
		 y->kind == VY_Y_SEQ ? "list" : "mapping", t[y->off]);
}

static struct vy_stmt *new_stmt(struct ld *L, enum vy_stmt_kind kind,
				const struct vy_ynode *k)
{
	struct vy_stmt *s = vy_alloc(L->a, sizeof *s);
	s->kind = kind;
	s->loc = vy_yloc(k, L->src);
	return s;
}

static const struct vy_ynode *key_of(const struct vy_ynode *m, const char *name)
{
	for (int i = 0; i + 1 < m->n; i += 2)
		if (vy_yis(m->kids[i], name))
			return m->kids[i];
	return m;
}

static struct vy_expr *load_cond(struct ld *L, const struct vy_ynode *y,
				 const char *head)
{
	return load_expr(L, y, vy_fmt(L->a, "the '%s' condition", head));
}

static void need_block(struct ld *L, const struct vy_ynode *m,
		       const struct vy_ynode *y, const char *head,
		       const char *key, struct vy_block *b)
{
	if (!y) {
		err(L, key_of(m, head), vy_fmt(L->a, "add '%s:' with a list of statements", key),
		    "'%s' needs '%s'", head, key);
		return;
	}
	load_block(L, y, b, vy_fmt(L->a, "'%s'", key));
}

static struct vy_stmt *load_if(struct ld *L, const struct vy_ynode *m)
{
	static const char *const keys[] = { "if", "then", "else", NULL };
	const struct vy_ynode *v[3];
	vy_ykeys(L->a, m, keys, v, "an 'if' statement", L->src, L->d);
	struct vy_stmt *s = new_stmt(L, VY_S_IF, key_of(m, "if"));
	s->value = load_cond(L, v[0], "if");
	need_block(L, m, v[1], "if", "then", &s->body);
	if (v[2])
		load_block(L, v[2], &s->els, "'else'");
	return s;
}

static struct vy_stmt *load_for(struct ld *L, const struct vy_ynode *m)
{
	static const char *const keys[] = { "for", "do", "step", NULL };
	const struct vy_ynode *v[3];
	vy_ykeys(L->a, m, keys, v, "a 'for' statement", L->src, L->d);
	struct vy_stmt *s = new_stmt(L, VY_S_FOR, key_of(m, "for"));
	if (want_scalar(L, v[0], "the 'for' header", "'NAME in LO..HI'")) {
		if (v[0]->len > VY_MAX_EXPR)
			err(L, v[0], NULL, "the 'for' header is longer than the %u KiB expression limit",
			    VY_MAX_EXPR >> 10);
		else
			vy_parse_for(L->a, v[0]->s, v[0]->len, textloc(L, v[0]), s, L->d);
	}
	if (v[2])
		s->step = load_expr(L, v[2], "'step'");
	need_block(L, m, v[1], "for", "do", &s->body);
	return s;
}

static struct vy_stmt *load_while(struct ld *L, const struct vy_ynode *m)
{
	static const char *const keys[] = { "while", "do", NULL };
	const struct vy_ynode *v[2];
	vy_ykeys(L->a, m, keys, v, "a 'while' statement", L->src, L->d);
	struct vy_stmt *s = new_stmt(L, VY_S_WHILE, key_of(m, "while"));
	s->value = load_cond(L, v[0], "while");
	need_block(L, m, v[1], "while", "do", &s->body);
	return s;
}

static struct vy_stmt *load_compound(struct ld *L, const struct vy_ynode *m)
{
	static const char *const heads[] = { "if", "for", "while" };
	static const char *const all[] = { "if", "then", "else", "for", "do",
					   "step", "while", NULL };
	int head = -1, nheads = 0;
	for (int i = 0; i + 1 < m->n; i += 2)
		for (int h = 0; h < 3; h++)
			if (vy_yis(m->kids[i], heads[h]) && nheads++ == 0)
				head = h;
	if (m->flow && head < 0) {
		misparse_flow(L, m);
		return NULL;
	}
	if (head < 0) {
		const struct vy_ynode *k = m->kids[0];
		bool known = false;
		for (int i = 0; all[i]; i++)
			known |= vy_yis(k, all[i]);
		bool typo = vy_is_ident(k->s ? k->s : "", k->len) &&
			    vy_closest(k->s, heads, 3);
		if (m->n == 2 && k->kind == VY_Y_SCALAR && !known && !typo) {
			misparse(L, m);
			return NULL;
		}
		const struct vy_ynode *v[7];
		vy_ykeys(L->a, m, all, v, "a compound statement", L->src, L->d);
		if (known)
			err(L, k, "start the statement with 'if', 'for' or 'while'",
			    "'%s' without 'if', 'for' or 'while'", show(L, k));
		return NULL;
	}
	if (nheads > 1) {
		err(L, m, "write each compound statement as its own list item",
		    "a statement has more than one of 'if', 'for' and 'while'");
		return NULL;
	}
	return head == 0 ? load_if(L, m) : head == 1 ? load_for(L, m) : load_while(L, m);
}

/* The statement grid_barrier (SPEC §10.5): a marker at the top level of
 * an entry, where vy_split_parts cuts the kernel; an error elsewhere. */
static const char grid_marker[] = "grid_barrier";

static struct vy_stmt *load_grid_barrier(struct ld *L, const struct vy_ynode *y)
{
	if (L->depth != 1) {
		err(L, y, "move it to the top level of the kernel's entry, where "
		    "every invocation of the grid reaches it",
		    "'grid_barrier' inside control flow");
		return NULL;
	}
	struct vy_stmt *s = new_stmt(L, VY_S_BARRIER, y);
	s->name = grid_marker;
	return s;
}

static struct vy_stmt *load_stmt(struct ld *L, const struct vy_ynode *y)
{
	switch (y->kind) {
	case VY_Y_ALIAS:
		return NULL;
	case VY_Y_SEQ:
		if (y->flow)
			misparse_flow(L, y);
		else
			err(L, y, "remove the extra '-'",
			    "a statement must be a string or a mapping (if, for, while), not a list");
		return NULL;
	case VY_Y_MAP:
		return load_compound(L, y);
	}
	if (y->bad)
		return NULL;
	if (!y->len) {
		err(L, y, "remove the empty '-' item", "empty statement");
		return NULL;
	}
	if (y->len > VY_MAX_EXPR) {
		err(L, y, "split it into several statements with let",
		    "statement is longer than the %u KiB expression limit", VY_MAX_EXPR >> 10);
		return NULL;
	}
	if (vy_yis(y, "grid_barrier"))
		return load_grid_barrier(L, y);
	return vy_parse_stmt(L->a, y->s, y->len, textloc(L, y), L->d);
}

static void load_block_in(struct ld *L, const struct vy_ynode *y,
			  struct vy_block *b, const char *what);

static void load_block(struct ld *L, const struct vy_ynode *y,
		       struct vy_block *b, const char *what)
{
	L->depth++;
	load_block_in(L, y, b, what);
	L->depth--;
}

static void load_block_in(struct ld *L, const struct vy_ynode *y,
			  struct vy_block *b, const char *what)
{
	if (y->kind != VY_Y_SEQ) {
		if (y->kind != VY_Y_ALIAS)
			err(L, y, "write the statements as a YAML list, one '- ' per statement",
			    "%s must be a list of statements, not %s", what, vy_ykind(y));
		return;
	}
	b->v = vy_alloc(L->a, (size_t)y->n * sizeof *b->v + 1);
	for (int i = 0; i < y->n; i++) {
		if (L->too_many_stmts)
			return;
		if (++L->nstmts > VY_MAX_STMTS) {
			L->too_many_stmts = true;
			err(L, y->kids[i], "split the work into several programs",
			    "more than %d statements", VY_MAX_STMTS);
			return;
		}
		struct vy_stmt *s = load_stmt(L, y->kids[i]);
		if (s)
			b->v[b->n++] = s;
	}
}

/* ---- top level ---- */

enum { K_VYREC, K_NAME, K_DESC, K_DIALECTS, K_WGSIZE, K_PARAMS, K_BUFFERS,
       K_SHARED, K_DISPATCH, K_TOL, K_ENTRY, K_KERNELS, K_PIPELINE, K_SGSIZE, K_N };

static const char *const top_keys[] = {
	"vyrec", "name", "description", "dialects", "workgroup_size", "params",
	"buffers", "shared", "dispatch", "tolerance", "entry", "kernels",
	"pipeline", "subgroup_size", NULL
};

#include "ast_kernels.h"


static void missing(struct ld *L, const struct vy_ynode *root, const char *key,
		    const char *fix)
{
	struct vy_loc l = vy_yloc(root, L->src);
	vy_error(L->d, l, fix, "missing required key '%s'", key);
}

static void load_top(struct ld *L, const struct vy_ynode *root)
{
	const struct vy_ynode *v[K_N];
	vy_ykeys(L->a, root, top_keys, v, "the program", L->src, L->d);
	if (v[K_VYREC])
		load_version(L, v[K_VYREC]);
	else
		missing(L, root, "vyrec", "add 'vyrec: 1' as the first line");
	if (v[K_NAME])
		load_name(L, v[K_NAME]);
	else
		missing(L, root, "name", "add 'name: my_kernel'");
	if (v[K_DESC] && want_scalar(L, v[K_DESC], "'description'", "text"))
		L->p->description = keep(L, v[K_DESC]);
	if (v[K_DIALECTS])
		load_dialects(L, v[K_DIALECTS]);
	if (v[K_KERNELS])
		kernels_mixed(L, root, v);
	else if (v[K_WGSIZE])
		load_wgsize(L, v[K_WGSIZE]);
	else
		missing(L, root, "workgroup_size", "add 'workgroup_size: [64]'");
	if (v[K_SGSIZE])
		load_sgsize(L, v[K_SGSIZE]);
}

static void load_decls(struct ld *L, const struct vy_ynode *root)
{
	const struct vy_ynode *v[K_N];
	struct vy_diags quiet = {0};   /* unknown keys are reported once */
	vy_ykeys(L->a, root, top_keys, v, "the program", L->src, &quiet);
	vy_diags_free(&quiet);
	size_t n = 0;
	for (int k = K_PARAMS; k <= K_SHARED; k++)
		if (v[k])
			n += (size_t)v[k]->n;
	vy_decls_init(&L->D, L->a, L->src, L->d, n);
	if (v[K_PARAMS])
		load_params(L, v[K_PARAMS]);
	if (v[K_BUFFERS])
		load_buffers(L, v[K_BUFFERS]);
	if (v[K_SHARED])
		load_shared(L, v[K_SHARED]);
	if (v[K_TOL])
		load_tolerance(L, v[K_TOL]);
	if (v[K_KERNELS]) {
		load_kernels(L, v[K_KERNELS], v[K_PIPELINE]);
		return;
	}
	if (v[K_DISPATCH])
		load_dispatch(L, v[K_DISPATCH]);
	if (v[K_ENTRY]) {
		L->p->loc_entry = vy_yloc(key_of(root, "entry"), L->src);
		load_block(L, v[K_ENTRY], &L->p->entry, "'entry'");
	} else
		missing(L, root, "entry", "add 'entry:' followed by the list of statements");
	load_single(L, v[K_PIPELINE]);
}

/* The tree lives in its own arena, freed once the AST is built: only the
 * AST stays for the later stages (a 100 000-statement program's tree is
 * some 12 MiB). */
static struct vy_program *load_tree(struct vy_arena *a, const struct vy_source *src,
				    const struct vy_ynode *root, struct vy_diags *d)
{
	if (!root || vy_yempty(root)) {
		vy_error(d, (struct vy_loc){ src, 1, 1, 1 },
			 "start from a sample such as samples/saxpy.yaml", "empty program");
		return NULL;
	}
	if (root->kind != VY_Y_MAP) {
		vy_error(d, vy_yloc(root, src), "start from a sample such as samples/saxpy.yaml",
			 "a program must be a YAML mapping (vyrec, name, entry, ...), not %s",
			 vy_ykind(root));
		return NULL;
	}
	struct vy_program *p = vy_alloc(a, sizeof *p);
	p->arena = a;
	p->src = src;
	p->wgsize[0] = p->wgsize[1] = p->wgsize[2] = 1;
	struct ld L = { .a = a, .src = src, .d = d, .p = p };
	load_top(&L, root);
	load_decls(&L, root);
	return p;
}

struct vy_program *vy_load(struct vy_arena *a, const struct vy_source *src,
			   struct vy_diags *d)
{
	if (!vy_source_check(src, d))
		return NULL;
	int first = d->n;
	struct vy_arena *ta = vy_arena_new();
	struct vy_ynode *root = vy_yaml_tree(ta, src, d);
	struct vy_program *p = NULL;
	if (root || !d->nerrors)
		p = load_tree(a, src, root, d);
	vy_arena_free(ta);
	if (p)
		vy_ysort_diags(d, first);
	return p;
}
