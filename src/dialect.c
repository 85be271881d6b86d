/*
 * dialect.c: extern dialect files (SPEC §2.3).  A file is read into the
 * YAML tree of yaml_tree.c and turned into a struct vy_dialect whose ops
 * are VY_EXTERN opdefs with parsed let bindings and body; the set keeps
 * one dialect per name under the version rules (the higher version wins,
 * the same version must have the same bytes) and every file read, for
 * -MD.  Type-checking bodies, cycles and the registry are dialect_check.c's.
 */
#include <stdlib.h>
#include <string.h>

#include "decls.h"
#include "source.h"
#include "yaml_tree.h"

struct dl {
	struct vy_arena *a;
	const struct vy_source *src;
	struct vy_diags *d;
};

#define derr(L, y, fix, ...) vy_yerror((L)->d, (L)->src, y, fix, __VA_ARGS__)

static bool scalar(struct dl *L, const struct vy_ynode *y, const char *what,
		   const char *should)
{
	if (y->kind == VY_Y_SCALAR && y->len)
		return true;
	if (y->kind != VY_Y_ALIAS)
		derr(L, y, NULL, "%s must be %s, not %s", what, should, vy_ykind(y));
	return false;
}

static void record_file(struct vy_arena *a, struct vy_dialect_set *set,
			const char *path)
{
	for (int i = 0; i < set->nfiles; i++)
		if (!strcmp(set->files[i], path))
			return;
	const char **v = vy_alloc(a, ((size_t)set->nfiles + 1) * sizeof *v);
	if (set->nfiles)
		memcpy(v, set->files, (size_t)set->nfiles * sizeof *v);
	v[set->nfiles++] = vy_strdup(a, path);
	set->files = v;
}

/* MAJOR.MINOR.PATCH, each a decimal number below 2^31. */
static bool parse_semver(const char *s, int *v)
{
	for (int i = 0; i < 3; i++) {
		if (*s < '0' || *s > '9')
			return false;
		long x = 0;
		while (*s >= '0' && *s <= '9' && x < 0x7fffffff)
			x = x * 10 + (*s++ - '0');
		if (x >= 0x7fffffff)
			return false;
		v[i] = (int)x;
		if (*s != (i < 2 ? '.' : 0))
			return false;
		s++;
	}
	return true;
}

static enum vy_type op_type(struct dl *L, const struct vy_ynode *y,
			    const char *what)
{
	if (!scalar(L, y, what, "a type name"))
		return VY_VOID;
	bool reserved;
	enum vy_type t = vy_type_parse(y->s, y->len, &reserved);
	if (reserved || vy_type_info(t)->cls == VY_TC_STORAGE)
		derr(L, y, "use u32, i32, f32 or bool", "type '%s' is not supported yet",
		     vy_yshow(L->a, y));
	else if (vy_type_info(t)->cls == VY_TC_VECTOR)
		derr(L, y, "declare it over scalars and call it per component: f32x4(nn.f(v.x), nn.f(v.y), ...)",
		     "extern ops take scalars, not %s", vy_yshow(L->a, y));
	else if (t == VY_VOID)
		derr(L, y, "the types are u32, i32, f32 and bool", "unknown type '%s'",
		     vy_yshow(L->a, y));
	return t;
}

static struct vy_expr *op_expr(struct dl *L, const struct vy_ynode *y,
			       size_t skip, const char *what)
{
	if (!scalar(L, y, what, "an expression"))
		return NULL;
	if (y->len > VY_MAX_EXPR) {
		derr(L, y, NULL, "%s is longer than the %u KiB expression limit", what,
		     VY_MAX_EXPR >> 10);
		return NULL;
	}
	struct vy_textloc *tl = vy_alloc(L->a, sizeof *tl);
	*tl = vy_ytextloc(y, L->src);
	tl->base = skip;
	return vy_parse_expr(L->a, y->s + skip, y->len - skip, tl, L->d);
}

/* A name not yet taken by a param or an earlier let of the op. */
static bool fresh_name(struct dl *L, struct vy_opdef *op, const char *name,
		       const struct vy_ynode *at)
{
	for (int i = 0; i < op->nparams; i++)
		if (!strcmp(op->params[i].name, name)) {
			derr(L, at, "rename the let binding", "'%s' is already a param of '%s'",
			     name, op->id);
			return false;
		}
	for (int i = 0; i < op->nlets; i++)
		if (!strcmp(op->let_names[i], name)) {
			derr(L, at, "rename one of them", "'%s' is bound twice in '%s'",
			     name, op->id);
			return false;
		}
	return true;
}

static void op_params(struct dl *L, struct vy_opdef *op, const struct vy_ynode *y)
{
	if (y->kind != VY_Y_MAP) {
		if (y->kind != VY_Y_ALIAS && !vy_yempty(y))
			derr(L, y, "write 'params: {x: f32}'", "'params' must be a mapping, not %s",
			     vy_ykind(y));
		return;
	}
	struct vy_opparam *pv = vy_alloc(L->a, (size_t)y->n * sizeof *pv + 1);
	struct vy_buf sig = {0};
	op->params = pv;
	for (int i = 0; i + 1 < y->n; i += 2) {
		const struct vy_ynode *k = y->kids[i];
		if (k->kind != VY_Y_SCALAR)
			continue;
		if (!vy_is_ident(k->s, k->len)) {
			derr(L, k, "use letters, digits and '_'", "'%s' is not a valid param name",
			     vy_yshow(L->a, k));
			continue;
		}
		enum vy_type t = op_type(L, y->kids[i + 1], vy_fmt(L->a, "the type of '%s'", k->s));
		pv[op->nparams++] = (struct vy_opparam){ .name = k->s, .cls = VY_PC_TYPE, .type = t };
		vy_buf_printf(&sig, "%s%s:%s", i ? ", " : "", k->s, vy_type_name(t));
	}
	char *s = vy_buf_cstr(&sig);
	op->signature = vy_strdup(L->a, s);
	free(s);
	vy_buf_free(&sig);
}

/* let: ["name = expr", ...] */
static void op_lets(struct dl *L, struct vy_opdef *op, const struct vy_ynode *y)
{
	if (y->kind != VY_Y_SEQ) {
		if (y->kind != VY_Y_ALIAS)
			derr(L, y, "write 'let: [\"t = x * 2.0\"]'", "'let' must be a list, not %s",
			     vy_ykind(y));
		return;
	}
	op->let_names = vy_alloc(L->a, (size_t)y->n * sizeof *op->let_names + 1);
	op->lets = vy_alloc(L->a, (size_t)y->n * sizeof *op->lets + 1);
	for (int i = 0; i < y->n; i++) {
		const struct vy_ynode *it = y->kids[i];
		if (!scalar(L, it, "a 'let' item", "'NAME = EXPR'"))
			continue;
		const char *s = it->s;
		size_t p = 0, n0, n1;
		while (s[p] == ' ')
			p++;
		n0 = p;
		while (s[p] && (s[p] == '_' || (s[p] >= 'a' && s[p] <= 'z') ||
				(s[p] >= 'A' && s[p] <= 'Z') || (s[p] >= '0' && s[p] <= '9')))
			p++;
		n1 = p;
		while (s[p] == ' ')
			p++;
		if (!vy_is_ident(s + n0, n1 - n0) || s[p] != '=' || s[p + 1] == '=') {
			derr(L, it, "write it as 'NAME = EXPR'", "a 'let' item must be 'NAME = EXPR', not '%s'",
			     vy_yshow(L->a, it));
			continue;
		}
		const char *name = vy_strndup(L->a, s + n0, n1 - n0);
		if (!fresh_name(L, op, name, it))
			continue;
		struct vy_expr *e = op_expr(L, it, p + 1, "a 'let' value");
		if (!e)
			continue;
		op->let_names[op->nlets] = name;
		op->lets[op->nlets++] = e;
	}
}

static void load_op(struct dl *L, struct vy_dialect *dl, const struct vy_ynode *k,
		    const struct vy_ynode *y, struct vy_opdef *op)
{
	static const char *const keys[] = { "params", "returns", "let", "body", NULL };
	const struct vy_ynode *v[4];
	*op = (struct vy_opdef){
		.id = vy_fmt(L->a, "%s.%s", dl->name, k->s), .dialect = dl->name,
		.name = k->s, .registrant = dl->path, .cat = VY_EXTERN,
		.code = VY_OP_COUNT, .targets = VY_TGT_ALL, .loc = vy_yloc(k, L->src),
		.signature = "",
	};
	if (y->kind != VY_Y_MAP) {
		if (y->kind != VY_Y_ALIAS)
			derr(L, y, "give the op 'params', 'returns' and 'body'",
			     "op '%s' must be a mapping, not %s", k->s, vy_ykind(y));
		return;
	}
	vy_ykeys(L->a, y, keys, v, vy_fmt(L->a, "op '%s'", k->s), L->src, L->d);
	for (int i = 0; i < 4; i++)
		if (!v[i] && i != 2)
			derr(L, k, vy_fmt(L->a, "add '%s:' to the op", keys[i]),
			     "op '%s' needs '%s'", k->s, keys[i]);
	if (v[0])
		op_params(L, op, v[0]);
	if (v[1]) {
		op->ret = op_type(L, v[1], "'returns'");
		op->result = vy_type_name(op->ret);
	}
	if (v[2])
		op_lets(L, op, v[2]);
	if (v[3])
		op->body = op_expr(L, v[3], 0, "'body'");
}

static void load_ops(struct dl *L, struct vy_dialect *dl, const struct vy_ynode *y)
{
	if (y->kind != VY_Y_MAP) {
		if (y->kind != VY_Y_ALIAS)
			derr(L, y, NULL, "'ops' must be a mapping of op names, not %s", vy_ykind(y));
		return;
	}
	dl->ops = vy_alloc(L->a, (size_t)y->n * sizeof *dl->ops + 1);
	for (int i = 0; i + 1 < y->n; i += 2) {
		const struct vy_ynode *k = y->kids[i];
		if (k->kind != VY_Y_SCALAR)
			continue;
		if (!vy_is_ident(k->s, k->len)) {
			derr(L, k, "use letters, digits and '_'", "'%s' is not a valid op name",
			     vy_yshow(L->a, k));
			continue;
		}
		load_op(L, dl, k, y->kids[i + 1], &dl->ops[dl->nops++]);
	}
}

static void load_header(struct dl *L, struct vy_dialect *dl,
			const struct vy_ynode *const *v, const struct vy_ynode *root)
{
	static const char *const builtin[] = { "core", "math", "atomic", "subgroup" };
	uint32_t fmt;
	if (!v[0])
		vy_error(L->d, vy_yloc(root, L->src), "add 'vyrec_dialect: 1' as the first line",
			 "missing required key 'vyrec_dialect'");
	else if (vy_yuint(v[0], &fmt) != 1 || fmt != 1)
		derr(L, v[0], "this vyrec reads 'vyrec_dialect: 1'",
		     "unsupported dialect format version '%s'", vy_yshow(L->a, v[0]));
	if (!v[1])
		vy_error(L->d, vy_yloc(root, L->src), "add 'dialect: NAME'",
			 "missing required key 'dialect'");
	else if (scalar(L, v[1], "'dialect'", "an identifier")) {
		dl->name = v[1]->s;
		if (!vy_is_ident(v[1]->s, v[1]->len))
			derr(L, v[1], "use letters, digits and '_'",
			     "dialect name '%s' is not an identifier", vy_yshow(L->a, v[1]));
		for (int i = 0; i < 4; i++)
			if (vy_yis(v[1], builtin[i]))
				derr(L, v[1], "choose another name for the dialect",
				     "dialect name '%s' is reserved for a built-in dialect", builtin[i]);
	}
	int ver[3];
	if (!v[2])
		vy_error(L->d, vy_yloc(root, L->src), "add 'version: 1.0.0'",
			 "missing required key 'version'");
	else if (!scalar(L, v[2], "'version'", "a semantic version"))
		;
	else if (!parse_semver(v[2]->s, ver))
		derr(L, v[2], "write it as MAJOR.MINOR.PATCH, e.g. 1.0.0",
		     "'version' must be a semantic version, not '%s'", vy_yshow(L->a, v[2]));
	else {
		dl->version = v[2]->s;
		dl->major = ver[0];
		dl->minor = ver[1];
		dl->patch = ver[2];
	}
	if (v[3] && scalar(L, v[3], "'description'", "text"))
		dl->description = v[3]->s;
	if (!v[4])
		vy_error(L->d, vy_yloc(root, L->src), "add 'ops:' with the op definitions",
			 "missing required key 'ops'");
}

static int cmp_version(const struct vy_dialect *a, const struct vy_dialect *b)
{
	if (a->major != b->major)
		return a->major < b->major ? -1 : 1;
	if (a->minor != b->minor)
		return a->minor < b->minor ? -1 : 1;
	return a->patch < b->patch ? -1 : a->patch > b->patch;
}

/* The version rules of SPEC §2.3. */
static bool add_to_set(struct dl *L, struct vy_dialect_set *set,
		       struct vy_dialect *dl, const struct vy_ynode *vnode)
{
	for (int i = 0; i < set->n; i++) {
		struct vy_dialect *old = set->v[i];
		if (strcmp(old->name, dl->name))
			continue;
		int c = cmp_version(dl, old);
		if (c > 0)
			set->v[i] = dl;
		if (c || (old->src->len == dl->src->len &&
			  !memcmp(old->src->text, dl->src->text, dl->src->len)))
			return true;
		derr(L, vnode, "give one of them a higher version, or load only one",
		     "dialect '%s' version %s is defined differently in '%s' and '%s'",
		     dl->name, dl->version, old->path, dl->path);
		return false;
	}
	struct vy_dialect **v = vy_alloc(L->a, ((size_t)set->n + 1) * sizeof *v);
	if (set->n)
		memcpy(v, set->v, (size_t)set->n * sizeof *v);
	v[set->n++] = dl;
	set->v = v;
	return true;
}

bool vy_dialect_load(struct vy_arena *a, struct vy_dialect_set *set,
		     const char *path, struct vy_loc from, struct vy_diags *d)
{
	static const char *const keys[] = { "vyrec_dialect", "dialect", "version",
					    "description", "ops", NULL };
	record_file(a, set, path);
	int before = d->nerrors;
	const struct vy_source *src = vy_source_read_from(a, path, from, "dialect file", d);
	if (!src)
		return false;
	struct dl L = { a, src, d };
	int first = d->n;
	struct vy_ynode *root = vy_yaml_tree(a, src, d);
	if (!root && d->nerrors > before)
		return false;
	if (!root || root->kind != VY_Y_MAP) {
		vy_error(d, root ? vy_yloc(root, src) : (struct vy_loc){ src, 1, 1, 1 },
			 "start from samples/dialects/nn.yaml",
			 "a dialect file must be a YAML mapping (vyrec_dialect, dialect, version, ops)");
		return false;
	}
	const struct vy_ynode *v[5];
	vy_ykeys(a, root, keys, v, "a dialect file", src, d);
	struct vy_dialect *dl = vy_alloc(a, sizeof *dl);
	dl->path = src->path;
	dl->src = src;
	load_header(&L, dl, v, root);
	if (dl->name && v[4])
		load_ops(&L, dl, v[4]);
	vy_ysort_diags(d, first);
	if (d->nerrors > before || !dl->name || !dl->version)
		return false;
	return add_to_set(&L, set, dl, v[2]);
}
