/*
 * yaml_tree.c: the YAML tree, the only file that includes <yaml.h>.  A
 * checked source is read through libyaml's event API into a small tree
 * (struct vy_ynode, yaml_tree.h) with byte offsets for every node,
 * iteratively, so a deep file cannot overflow the stack.  Every vyrec
 * YAML file gets the same checks here: one document, no anchors, aliases
 * or tags, no duplicate keys, nesting at most VY_MAX_DEPTH, at most
 * MAX_NODES nodes.  Then the helpers the program and dialect loaders walk
 * the tree with (locations, kinds, keys, unsigned integers).
 */
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "source.h"
#include "yaml_tree.h"

#define MAX_NODES 1000000

/* libyaml marks count characters; this turns them into byte offsets,
 * walking forward from the previous mark. */
struct markcur {
	const struct vy_source *src;
	size_t line, col, off;
	/* '\n' lines for locations */
	size_t at, nl_line, nl_start;
};

static void cur_reset(struct markcur *c)
{
	const char *t = c->src->text;
	c->line = c->col = 0;
	c->off = c->src->len >= 3 && !memcmp(t, "\xEF\xBB\xBF", 3) ? 3 : 0;
}

static size_t mark_off(struct markcur *c, yaml_mark_t m)
{
	const char *t = c->src->text;
	size_t n = c->src->len;
	if (m.line < c->line || (m.line == c->line && m.column < c->col))
		cur_reset(c);
	while (c->line < m.line && c->off < n) {
		while (c->off < n && !vy_text_is_break(t, n, c->off))
			c->off++;
		if (c->off < n)
			c->off = vy_text_skip_break(t, n, c->off);
		c->line++;
		c->col = 0;
	}
	while (c->col < m.column && c->off < n && !vy_text_is_break(t, n, c->off)) {
		int k = vy_utf8_len((const unsigned char *)t + c->off, n - c->off);
		c->off += k ? (size_t)k : 1;
		c->col++;
	}
	return c->off;
}

/* Line and column of off by '\n', monotonic like mark_off. */
static void cur_linecol(struct markcur *c, size_t off, int *line, int *col)
{
	if (off < c->at) {
		c->at = c->nl_start = 0;
		c->nl_line = 0;
	}
	for (; c->at < off && c->at < c->src->len; c->at++)
		if (c->src->text[c->at] == '\n') {
			c->nl_line++;
			c->nl_start = c->at + 1;
		}
	*line = (int)c->nl_line + 1;
	*col = (int)(off - c->nl_start) + 1;
}

struct frame {
	struct vy_ynode *node;
	struct vy_ynode **v;
	int n, cap;
};

struct tree {
	struct vy_arena *a;
	const struct vy_source *src;
	struct vy_diags *d;
	struct markcur cur;
	struct frame st[VY_MAX_DEPTH + 1];
	int depth, nodes;
	struct vy_ynode *root;
};

static const char syntax_fix[] =
	"check the indentation, and quote any statement or expression that "
	"contains ': ' or starts with one of [ ] { } * & ! | > ' \" % @ `";

static struct vy_ynode *new_node(struct tree *T, int kind, yaml_mark_t s,
				 yaml_mark_t e)
{
	struct vy_ynode *y = vy_alloc(T->a, sizeof *y);
	y->kind = (unsigned char)kind;
	y->off = mark_off(&T->cur, s);
	y->end = mark_off(&T->cur, e);
	if (y->end < y->off)
		y->end = y->off;
	cur_linecol(&T->cur, y->off, &y->line, &y->col);
	return y;
}

static int token_width(const struct vy_source *src, size_t off)
{
	size_t e = off;
	while (e < src->len && src->text[e] != ' ' && src->text[e] != '\n' &&
	       src->text[e] != '\r' && src->text[e] != '\t' && e - off < 200)
		e++;
	return e > off ? (int)(e - off) : 1;
}

/* Anchors and tags are rejected where they appear. */
static void check_props(struct tree *T, struct vy_ynode *y, const void *anchor,
			const void *tag)
{
	y->bad = anchor || tag;
	struct vy_loc l = { T->src, y->line, y->col, token_width(T->src, y->off) };
	if (anchor)
		vy_error(T->d, l, "write the value out in full; a statement or expression that starts with '&' or '*' must be quoted",
			 "YAML anchors and aliases are not supported");
	else if (tag)
		vy_error(T->d, l, "remove the tag; a statement or expression that starts with '!' must be quoted",
			 "YAML tags are not supported");
}

static int keycmp(const void *x, const void *y)
{
	const struct vy_ynode *const *a = x, *const *b = y;
	size_t n = (*a)->len < (*b)->len ? (*a)->len : (*b)->len;
	int c = memcmp((*a)->s, (*b)->s, n);
	if (c)
		return c;
	if ((*a)->len != (*b)->len)
		return (*a)->len < (*b)->len ? -1 : 1;
	return (*a)->off < (*b)->off ? -1 : (*a)->off > (*b)->off;
}

static bool same_key(const struct vy_ynode *a, const struct vy_ynode *b)
{
	return a->len == b->len && !memcmp(a->s, b->s, a->len);
}

static void dup_error(struct tree *T, const struct vy_ynode *first,
		      const struct vy_ynode *again)
{
	char *fix = vy_fmt(T->a, "remove one of them; the first is at line %d",
			   first->line);
	vy_error(T->d, vy_yloc(again, T->src), fix, "duplicate key '%s'",
		 vy_yshow(T->a, again));
	vy_note(T->d, vy_yloc(first, T->src), "the first '%s' is here",
		vy_yshow(T->a, first));
}

/* Keys are scalars and unique; libyaml accepts duplicates, vyrec not. */
static void check_keys(struct tree *T, struct vy_ynode *m)
{
	int np = m->n / 2, ns = 0;
	struct vy_ynode **keys = vy_xmalloc(((size_t)np + 1) * sizeof *keys, "a YAML mapping's keys");
	for (int i = 0; i < np; i++) {
		struct vy_ynode *k = m->kids[2 * i];
		if (k->kind == VY_Y_SCALAR)
			keys[ns++] = k;
		else if (k->kind != VY_Y_ALIAS)
			vy_error(T->d, vy_yloc(k, T->src), "write the key as a plain name",
				 "a mapping key must be a name, not %s", vy_ykind(k));
	}
	if (ns <= 64) {
		for (int i = 1; i < ns; i++)
			for (int j = 0; j < i; j++)
				if (same_key(keys[i], keys[j])) {
					dup_error(T, keys[j], keys[i]);
					break;
				}
	} else {
		qsort(keys, (size_t)ns, sizeof *keys, keycmp);
		for (int i = 1, first = 0; i < ns; i++) {
			if (!same_key(keys[i], keys[first]))
				first = i;
			else
				dup_error(T, keys[first], keys[i]);
		}
	}
	free(keys);
}

static void attach(struct tree *T, struct vy_ynode *y)
{
	if (T->depth == 0) {
		if (!T->root)
			T->root = y;
		return;
	}
	struct frame *f = &T->st[T->depth - 1];
	if (f->n == f->cap) {
		f->cap = f->cap ? f->cap * 2 : 8;
		f->v = vy_xrealloc(f->v, (size_t)f->cap * sizeof *f->v, "the YAML tree");
	}
	f->v[f->n++] = y;
}

static void syntax_error(struct tree *T, yaml_parser_t *P)
{
	size_t off;
	if (P->error == YAML_MEMORY_ERROR)
		vy_oom("the YAML parser (libyaml)", 0);
	if (P->error == YAML_READER_ERROR)
		off = P->problem_offset;
	else
		off = mark_off(&T->cur, P->problem_mark);
	if (off > T->src->len)
		off = T->src->len;
	const char *ctx = P->context ? P->context : "";
	vy_error(T->d, vy_source_loc(T->src, off, 1), syntax_fix, "invalid YAML: %s%s%s%s",
		 P->problem ? P->problem : "syntax error", *ctx ? " (" : "", ctx,
		 *ctx ? ")" : "");
}

/* libyaml's scalar style as vyrec's (textloc.c walks by it). */
static enum vy_scalar_style style_of(yaml_scalar_style_t s)
{
	switch (s) {
	case YAML_PLAIN_SCALAR_STYLE: return VY_STYLE_PLAIN;
	case YAML_SINGLE_QUOTED_SCALAR_STYLE: return VY_STYLE_SINGLE;
	case YAML_DOUBLE_QUOTED_SCALAR_STYLE: return VY_STYLE_DOUBLE;
	case YAML_LITERAL_SCALAR_STYLE: return VY_STYLE_LITERAL;
	case YAML_FOLDED_SCALAR_STYLE: return VY_STYLE_FOLDED;
	case YAML_ANY_SCALAR_STYLE: break;
	}
	return VY_STYLE_ANY;
}

/* One event into the tree; false to stop. */
static bool on_event(struct tree *T, yaml_event_t *e, int *docs)
{
	struct vy_ynode *y;
	switch (e->type) {
	case YAML_DOCUMENT_START_EVENT:
		if (++*docs > 1) {
			y = new_node(T, VY_Y_SCALAR, e->start_mark, e->end_mark);
			vy_error(T->d, vy_yloc(y, T->src), "remove the '---' line and what follows, or move it to its own file",
				 "a vyrec file holds one YAML document");
			return false;
		}
		return true;
	case YAML_SCALAR_EVENT:
		y = new_node(T, VY_Y_SCALAR, e->start_mark, e->end_mark);
		y->s = vy_strndup(T->a, (char *)e->data.scalar.value,
				  e->data.scalar.length);
		y->len = e->data.scalar.length;
		y->style = (unsigned char)style_of(e->data.scalar.style);
		check_props(T, y, e->data.scalar.anchor, e->data.scalar.tag);
		break;
	case YAML_ALIAS_EVENT:
		y = new_node(T, VY_Y_ALIAS, e->start_mark, e->end_mark);
		y->s = "";
		check_props(T, y, "", NULL);
		break;
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT: {
		bool seq = e->type == YAML_SEQUENCE_START_EVENT;
		y = new_node(T, seq ? VY_Y_SEQ : VY_Y_MAP, e->start_mark, e->end_mark);
		y->flow = seq ? e->data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE
			      : e->data.mapping_start.style == YAML_FLOW_MAPPING_STYLE;
		check_props(T, y, seq ? (void *)e->data.sequence_start.anchor :
				       (void *)e->data.mapping_start.anchor,
			    seq ? (void *)e->data.sequence_start.tag :
				  (void *)e->data.mapping_start.tag);
		if (T->depth == VY_MAX_DEPTH) {
			vy_error(T->d, vy_yloc(y, T->src), "flatten the structure; vyrec programs need only a few levels",
				 "nesting deeper than %d levels", VY_MAX_DEPTH);
			return false;
		}
		T->st[T->depth++] = (struct frame){ y, NULL, 0, 0 };
		return ++T->nodes <= MAX_NODES;
	}
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT: {
		struct frame *f = &T->st[--T->depth];
		y = f->node;
		y->end = mark_off(&T->cur, e->end_mark);
		y->n = f->n;
		y->kids = vy_alloc(T->a, (size_t)f->n * sizeof *y->kids + 1);
		if (f->n)
			memcpy(y->kids, f->v, (size_t)f->n * sizeof *y->kids);
		free(f->v);
		if (y->kind == VY_Y_MAP)
			check_keys(T, y);
		attach(T, y);
		return true;
	}
	default:
		return true;
	}
	attach(T, y);
	return ++T->nodes <= MAX_NODES;
}

struct vy_ynode *vy_yaml_tree(struct vy_arena *a, const struct vy_source *src,
			      struct vy_diags *d)
{
	struct tree *T = vy_xcalloc(1, sizeof *T, "the YAML tree");
	*T = (struct tree){ .a = a, .src = src, .d = d };
	T->cur.src = src;
	cur_reset(&T->cur);
	yaml_parser_t P;
	if (!yaml_parser_initialize(&P))
		vy_oom("the YAML parser (libyaml)", 0);
	yaml_parser_set_input_string(&P, (const unsigned char *)src->text, src->len);
	int docs = 0;
	bool ok = true;
	for (;;) {
		yaml_event_t e;
		if (!yaml_parser_parse(&P, &e)) {
			syntax_error(T, &P);
			ok = false;
			break;
		}
		bool go = on_event(T, &e, &docs);
		bool end = e.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&e);
		if (!go && T->nodes > MAX_NODES)
			vy_error(d, (struct vy_loc){ src, 1, 1, 1 }, NULL,
				 "the file has more than %d YAML nodes", MAX_NODES);
		if (!go) {
			ok = false;
			break;
		}
		if (end)
			break;
	}
	yaml_parser_delete(&P);
	for (int i = 0; i < T->depth; i++)
		free(T->st[i].v);
	struct vy_ynode *root = ok ? T->root : NULL;
	free(T);
	return root;
}

/* ---- tree helpers ---- */

struct vy_loc vy_yloc(const struct vy_ynode *y, const struct vy_source *src)
{
	int w = 1;
	if (y->kind == VY_Y_SCALAR || y->kind == VY_Y_ALIAS) {
		size_t e = y->off;
		while (e < y->end && e < src->len && src->text[e] != '\n' &&
		       src->text[e] != '\r')
			e++;
		w = e - y->off > 4096 ? 4096 : (int)(e - y->off);
	}
	return (struct vy_loc){ src, y->line, y->col, w < 1 ? 1 : w };
}

struct vy_textloc vy_ytextloc(const struct vy_ynode *y,
			      const struct vy_source *src)
{
	return (struct vy_textloc){ src, y->off, y->line, y->col, y->style, 0 };
}

const char *vy_ykind(const struct vy_ynode *y)
{
	if (y->kind == VY_Y_MAP)
		return "a mapping";
	if (y->kind == VY_Y_SEQ)
		return "a list";
	if (y->kind == VY_Y_ALIAS)
		return "an alias";
	return y->len ? "a string" : "empty";
}

const char *vy_yshow(struct vy_arena *a, const struct vy_ynode *y)
{
	size_t n = y->len > 60 ? 60 : y->len;
	char *s = vy_strndup(a, y->s ? y->s : "", n);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20)
			s[i] = '?';
	return y->len > 60 ? vy_fmt(a, "%s...", s) : s;
}

bool vy_yis(const struct vy_ynode *y, const char *s)
{
	return y->kind == VY_Y_SCALAR && y->len == strlen(s) &&
	       !memcmp(y->s, s, y->len);
}

bool vy_yempty(const struct vy_ynode *y)
{
	return y->kind == VY_Y_SCALAR && !y->len &&
	       y->style == VY_STYLE_PLAIN;
}

void vy_ykeys(struct vy_arena *a, const struct vy_ynode *map,
	      const char *const *names, const struct vy_ynode **vals,
	      const char *what, const struct vy_source *src,
	      struct vy_diags *d)
{
	int nn = 0;
	while (names[nn])
		nn++;
	for (int i = 0; i < nn; i++)
		vals[i] = NULL;
	for (int i = 0; i + 1 < map->n; i += 2) {
		const struct vy_ynode *k = map->kids[i];
		if (k->kind != VY_Y_SCALAR)
			continue;
		int j = 0;
		while (j < nn && !vy_yis(k, names[j]))
			j++;
		if (j < nn) {
			if (!vals[j])
				vals[j] = map->kids[i + 1];
			continue;
		}
		const char *key = vy_yshow(a, k), *near = vy_closest(key, names, nn);
		struct vy_buf b = {0};
		for (int m = 0; m < nn; m++)
			vy_buf_printf(&b, "%s%s", m ? ", " : "", names[m]);
		char *list = vy_buf_cstr(&b);
		vy_buf_free(&b);
		char *fix = near ? vy_fmt(a, "did you mean '%s'?", near) :
			    vy_fmt(a, "the keys of %s are: %s", what, list);
		free(list);
		vy_error(d, vy_yloc(k, src), fix, "unknown key '%s' in %s", key, what);
	}
}

int vy_yuint(const struct vy_ynode *y, uint32_t *v)
{
	if (y->kind != VY_Y_SCALAR || y->style != VY_STYLE_PLAIN || !y->len)
		return 0;
	const char *s = y->s;
	int base = 10;
	if (y->len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	uint64_t x = 0;
	bool over = false;
	for (; *s; s++) {
		int c = *s >= '0' && *s <= '9' ? *s - '0' :
			base == 16 && *s >= 'a' && *s <= 'f' ? *s - 'a' + 10 :
			base == 16 && *s >= 'A' && *s <= 'F' ? *s - 'A' + 10 : -1;
		if (c < 0)
			return 0;
		x = x * (uint64_t)base + (uint64_t)c;
		if (x > UINT32_MAX) {
			over = true;
			x = UINT32_MAX;
		}
	}
	*v = (uint32_t)x;
	return over ? -1 : 1;
}

void vy_yerror(struct vy_diags *d, const struct vy_source *src,
	       const struct vy_ynode *y, const char *fix, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	vy_error(d, vy_yloc(y, src), fix, "%s", buf);
}

const char *vy_yaml_version(void)
{
	return yaml_get_version_string();
}
