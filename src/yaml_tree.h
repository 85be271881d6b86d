/*
 * yaml_tree.h: the YAML tree shared by the program loader (ast_build.c)
 * and the dialect loader (dialect.c).  yaml_tree.c reads libyaml's events
 * once into this small tree, with byte offsets for every node, after the
 * checks every vyrec YAML file gets: UTF-8 only, no anchors, aliases or
 * tags, no duplicate keys, nesting at most VY_MAX_DEPTH.  No libyaml type
 * appears here: yaml_tree.c is the only file that includes <yaml.h>.
 */
#ifndef VY_YAML_TREE_H
#define VY_YAML_TREE_H

#include "vyrec.h"

enum { VY_Y_SCALAR, VY_Y_SEQ, VY_Y_MAP, VY_Y_ALIAS };

struct vy_ynode {
	unsigned char kind;
	unsigned char style;      /* scalars: enum vy_scalar_style */
	unsigned char flow;       /* collections written [..] or {..} */
	unsigned char bad;        /* has an anchor or tag (reported) */
	int n;                    /* items; a mapping holds n/2 key, value */
	struct vy_ynode **kids;   /* mapping: kids[2i] key, kids[2i+1] value */
	const char *s;            /* scalar value, NUL-terminated */
	size_t len;
	size_t off, end;          /* byte offsets of the node in the source */
	int line, col;            /* of off, 1-based, col in bytes */
};

/* Parse a checked src into a tree in arena a; NULL (reported) when it
 * cannot be read. */
struct vy_ynode *vy_yaml_tree(struct vy_arena *a, const struct vy_source *src,
			      struct vy_diags *d);
/* libyaml's version, for vyrec --version. */
const char *vy_yaml_version(void);

struct vy_loc vy_yloc(const struct vy_ynode *y, const struct vy_source *src);
/* An error located at node y. */
void vy_yerror(struct vy_diags *d, const struct vy_source *src,
	       const struct vy_ynode *y, const char *fix, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
struct vy_textloc vy_ytextloc(const struct vy_ynode *y,
			      const struct vy_source *src);
/* "a mapping", "a list", "a string", "empty". */
const char *vy_ykind(const struct vy_ynode *y);
/* The scalar shown in a message: at most 60 bytes, control bytes as '?'. */
const char *vy_yshow(struct vy_arena *a, const struct vy_ynode *y);
bool vy_yis(const struct vy_ynode *y, const char *s);
bool vy_yempty(const struct vy_ynode *y);
/* Values of a mapping's keys: vals[i] for names[i] (NULL-ended list of at
 * most 16); unknown keys are reported with a did-you-mean ("in what"). */
void vy_ykeys(struct vy_arena *a, const struct vy_ynode *map,
	      const char *const *names, const struct vy_ynode **vals,
	      const char *what, const struct vy_source *src,
	      struct vy_diags *d);
/* An unsigned integer scalar (decimal or 0x): 1, 0 when it is not written
 * as one, -1 when it overflows 32 bits. */
int vy_yuint(const struct vy_ynode *y, uint32_t *v);

#endif
