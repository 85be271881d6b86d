/*
 * decls.h: declarations (decls.c).  The one table of the names the
 * language gives a meaning to (builtins, types, keywords, dialects), read
 * by the loader's namespace check, the expression parser's reserved words
 * and the resolver's lookups and did-you-mean; the namespace of params,
 * buffers and shared arrays; bindings; and the SPEC §8 limits on
 * declarations, the value limits applied to folded values.
 */
#ifndef VY_DECLS_H
#define VY_DECLS_H

#include "vyrec.h"
#include "yaml_tree.h"

/* ---- the names table ---- */

enum vy_name_kind { VY_NAME_BUILTIN, VY_NAME_TYPE, VY_NAME_KEYWORD,
		    VY_NAME_DIALECT };

struct vy_name {
	const char *name;
	enum vy_name_kind kind;
	int builtin;           /* enum vy_builtin for gid..nwg, else -1 */
	const char *axes;      /* builtins: the axes offered as did-you-mean */
	bool expr_reserved;    /* keywords that no expression may use */
};

/* The entry for s[0..n), or NULL.  Types also count when vy_type_parse
 * knows them (the type table), so a new type is reserved at once. */
const struct vy_name *vy_name_find(const char *s, size_t n);
/* "a builtin", "a type", "a keyword", "a dialect". */
const char *vy_name_kind_text(enum vy_name_kind k);
/* A keyword an expression may not use as a name (let, if, true, ...). */
bool vy_name_reserved_word(const char *s, size_t n);
/* "gid" for VY_B_GID. */
const char *vy_builtin_name(enum vy_builtin b);
/* gid.x -> VY_B_GID and *axis 0; -1 when name is no builtin with an axis. */
int vy_builtin_find(const char *name, int *axis);
/* The member text after the dot: x y z, or size lane id count for sg. */
const char *vy_builtin_member(int builtin, int axis);
/* gid, gid.w, len: a builtin's name, with or without a (bad) axis. */
bool vy_builtin_prefix(const char *name);
/* The dotted builtins offered as did-you-mean ("gid.x", ...): at most max
 * of them, spelt into text[i] and pointed at by out[i]; returns how many. */
int vy_builtin_candidates(char (*text)[16], const char **out, int max);
/* An identifier: [A-Za-z_][A-Za-z0-9_]*. */
bool vy_is_ident(const char *s, size_t n);

/* ---- the namespace of params, buffers and shared arrays ---- */

struct vy_decls {
	struct vy_arena *a;
	const struct vy_source *src;
	struct vy_diags *d;
	int n;                          /* names declared so far */
	const struct vy_ynode **names;  /* room for every key (vy_decls_init) */
	const char **kinds;
	bool too_many_io;
};

void vy_decls_init(struct vy_decls *D, struct vy_arena *a,
		   const struct vy_source *src, struct vy_diags *d, size_t max);
/* Key k declares a `kind` ("param", "buffer", "shared array"): an
 * identifier, not in the names table, not declared before.  false
 * (reported, except a duplicate key that the YAML tree reported) when it
 * is not, and the declaration is then not loaded. */
bool vy_declare(struct vy_decls *D, const struct vy_ynode *k, const char *kind);
/* After declaring k: at most VY_MAX_PARAMS params (when param) and
 * VY_MAX_IO params and buffers together. */
void vy_decls_count(struct vy_decls *D, const struct vy_program *p,
		    const struct vy_ynode *k, bool param);
/* Explicit bindings are unique; the others take the lowest free numbers
 * in declaration order; p->buffers is then sorted by binding. */
void vy_decls_bindings(struct vy_program *p, struct vy_diags *d);

/* ---- limits on (folded) values, SPEC §1.3, §1.4, §10.9 ---- */

/* The running total of shared bytes after adding count elements of a
 * literal count at y: reported once, where it first passes the limit. */
void vy_decls_shared_add(struct vy_decls *D, uint64_t *bytes, uint32_t count,
			 const struct vy_ynode *y);
/* After folding (the resolver): a constant buffer count, the total of
 * every shared array, a constant dispatch axis. */
void vy_decls_check_count(const struct vy_program *p, struct vy_arena *a,
			  struct vy_diags *d, const struct vy_bufdecl *b);
void vy_decls_check_shared(const struct vy_program *p, struct vy_diags *d);
/* The per-invocation limit on private arrays (SPEC §10.3). */
bool vy_decls_check_private(struct vy_diags *d, struct vy_loc at, const char *name,
			    uint64_t before, uint64_t add);
void vy_decls_check_dispatch(const struct vy_program *p, struct vy_diags *d,
			     int axis);

#endif
