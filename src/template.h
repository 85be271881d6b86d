/*
 * template.h: a Mustache subset for launcher templates.
 *
 *   {{name}}          the value, verbatim (numbers, identifiers vyrec made)
 *   {{c:name}}        escaped for the inside of a C string literal
 *   {{rs:name}}       escaped for the inside of a Rust string literal
 *   {{comment:name}}  safe inside a C or Rust comment (no newline, no "*" "/")
 *   {{md:name}}       one line of Markdown table text (| escaped)
 *   {{id:name}}       must be an identifier, else rendering fails
 *   {{#name}}...{{/name}}  a list: once per item (items are maps pushed on
 *                     the lookup stack); a bool or string: once when true
 *                     or non-empty
 *   {{^name}}...{{/name}}  once when false, empty or an empty list
 *   {{! comment }}    dropped
 *
 * Names are looked up from the innermost section outwards. A missing name
 * is an error, so a typo in a template cannot silently render nothing.
 */
#ifndef VY_TEMPLATE_H
#define VY_TEMPLATE_H

#include "vyrec.h"

enum vy_tkind { VY_TSTR, VY_TBOOL, VY_TLIST, VY_TMAP };

struct vy_tval {
	enum vy_tkind kind;
	const char *s;              /* VY_TSTR */
	bool b;                     /* VY_TBOOL */
	int n;                      /* VY_TLIST items, VY_TMAP entries */
	struct vy_tval *items;      /* VY_TLIST: n maps */
	const char **keys;          /* VY_TMAP */
	struct vy_tval *vals;
	int cap;
};

/* Building a data tree in an arena. */
struct vy_tval *vy_tmap(struct vy_arena *a);
void vy_tset_str(struct vy_arena *a, struct vy_tval *map, const char *key,
		 const char *s);
void vy_tset_bool(struct vy_arena *a, struct vy_tval *map, const char *key,
		  bool b);
/* Add an empty list under key; returns it. */
struct vy_tval *vy_tset_list(struct vy_arena *a, struct vy_tval *map,
			     const char *key);
/* Append a new map item to list; returns it. */
struct vy_tval *vy_tlist_add(struct vy_arena *a, struct vy_tval *list);

/* Render tmpl with root into out. 0, or -1 with *err (malloc'd) naming
 * the template line. */
int vy_template_render(const char *name, const char *tmpl, size_t n,
		       const struct vy_tval *root, struct vy_buf *out,
		       char **err);

#endif
