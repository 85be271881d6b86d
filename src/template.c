/*
 * template.c: the Mustache subset of template.h.  Templates are rendered
 * straight from their text: a tag is found, a section's closing tag is
 * found by counting nested sections of the same name, and the body is
 * rendered recursively with the item pushed on the lookup stack.  A section
 * tag alone on its line takes the line with it, so templates can put tags
 * on lines of their own without leaving blank lines behind.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "template.h"

#define MAXDEPTH 32

struct tctx {
	const char *name;          /* template name, for errors */
	const char *text;          /* the whole template */
	const struct vy_tval *stack[MAXDEPTH];
	int depth;
	struct vy_buf *out;
	char *err;
};

/* ---- data ---- */

struct vy_tval *vy_tmap(struct vy_arena *a)
{
	struct vy_tval *m = vy_alloc(a, sizeof *m);
	m->kind = VY_TMAP;
	return m;
}

static struct vy_tval *slot(struct vy_arena *a, struct vy_tval *map, const char *key)
{
	for (int i = 0; i < map->n; i++)
		if (!strcmp(map->keys[i], key))
			return &map->vals[i];
	if (map->n == map->cap) {
		int cap = map->cap ? map->cap * 2 : 16;
		const char **k = vy_alloc(a, sizeof *k * (size_t)cap);
		struct vy_tval *v = vy_alloc(a, sizeof *v * (size_t)cap);
		if (map->n) {
			memcpy(k, map->keys, sizeof *k * (size_t)map->n);
			memcpy(v, map->vals, sizeof *v * (size_t)map->n);
		}
		map->keys = k;
		map->vals = v;
		map->cap = cap;
	}
	map->keys[map->n] = vy_strdup(a, key);
	return &map->vals[map->n++];
}

void vy_tset_str(struct vy_arena *a, struct vy_tval *map, const char *key, const char *s)
{
	struct vy_tval *v = slot(a, map, key);
	*v = (struct vy_tval){ .kind = VY_TSTR, .s = vy_strdup(a, s ? s : "") };
}

void vy_tset_bool(struct vy_arena *a, struct vy_tval *map, const char *key, bool b)
{
	struct vy_tval *v = slot(a, map, key);
	*v = (struct vy_tval){ .kind = VY_TBOOL, .b = b };
}

struct vy_tval *vy_tset_list(struct vy_arena *a, struct vy_tval *map, const char *key)
{
	struct vy_tval *v = slot(a, map, key);
	*v = (struct vy_tval){ .kind = VY_TLIST };
	return v;
}

struct vy_tval *vy_tlist_add(struct vy_arena *a, struct vy_tval *list)
{
	if (list->n == list->cap) {
		int cap = list->cap ? list->cap * 2 : 8;
		struct vy_tval *v = vy_alloc(a, sizeof *v * (size_t)cap);
		if (list->n)
			memcpy(v, list->items, sizeof *v * (size_t)list->n);
		list->items = v;
		list->cap = cap;
	}
	struct vy_tval *m = &list->items[list->n++];
	*m = (struct vy_tval){ .kind = VY_TMAP };
	return m;
}

/* ---- rendering ---- */

static int line_of(const struct tctx *c, const char *p)
{
	int line = 1;
	for (const char *q = c->text; q < p; q++)
		line += *q == '\n';
	return line;
}

static int fail(struct tctx *c, const char *at, const char *fmt, const char *arg)
{
	if (!c->err) {
		char msg[256];
		snprintf(msg, sizeof msg, fmt, arg);
		c->err = vy_strf("template %s:%d: %s", c->name, line_of(c, at), msg);
	}
	return -1;
}

static const struct vy_tval *lookup(struct tctx *c, const char *name, size_t n)
{
	if (n == 1 && name[0] == '.')
		return c->stack[c->depth - 1];
	for (int d = c->depth - 1; d >= 0; d--) {
		const struct vy_tval *m = c->stack[d];
		if (m->kind != VY_TMAP)
			continue;
		for (int i = 0; i < m->n; i++)
			if (strlen(m->keys[i]) == n && !strncmp(m->keys[i], name, n))
				return &m->vals[i];
	}
	return NULL;
}

static void put_escaped(struct vy_buf *b, const char *s, const char *filter)
{
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (!strcmp(filter, "c") || !strcmp(filter, "rs")) {
			if (ch == '"' || ch == '\\')
				vy_buf_printf(b, "\\%c", ch);
			else if (ch == '\n')
				vy_buf_puts(b, "\\n");
			else if (ch == '\t')
				vy_buf_puts(b, "\\t");
			else if (ch == '?' && !strcmp(filter, "c"))
				vy_buf_puts(b, "\\?");   /* no trigraphs */
			else if (ch < 0x20 || ch == 0x7f)
				vy_buf_printf(b, !strcmp(filter, "c") ? "\\%03o" : "\\u{%x}", ch);
			else
				vy_buf_put(b, &ch, 1);
		} else if (!strcmp(filter, "comment")) {
			if (ch == '*' && s[1] == '/')
				vy_buf_puts(b, "* ");
			else if (ch == '/' && s[1] == '*')
				vy_buf_puts(b, "/ ");
			else if (ch < 0x20)
				vy_buf_puts(b, " ");
			else
				vy_buf_put(b, &ch, 1);
		} else if (!strcmp(filter, "md")) {
			if (ch == '|' || ch == '\\' || ch == '`')
				vy_buf_printf(b, "\\%c", ch);
			else if (ch < 0x20)
				vy_buf_puts(b, " ");
			else
				vy_buf_put(b, &ch, 1);
		} else
			vy_buf_put(b, &ch, 1);
	}
}

static bool is_ident(const char *s)
{
	if (!*s || !(isalpha((unsigned char)*s) || *s == '_'))
		return false;
	for (; *s; s++)
		if (!(isalnum((unsigned char)*s) || *s == '_'))
			return false;
	return true;
}

static int render(struct tctx *c, const char *p, const char *end);

/* The end of the section named name whose body starts at p: the start of
 * its closing tag, counting nested sections of the same name. */
static const char *find_close(const char *p, const char *end, const char *name,
			      size_t n, const char **after)
{
	int nest = 0;
	while ((p = strstr(p, "{{")) && p < end) {
		const char *q = strstr(p + 2, "}}");
		if (!q || q >= end)
			return NULL;
		char k = p[2];
		if ((k == '#' || k == '^' || k == '/') && (size_t)(q - p - 3) == n &&
		    !strncmp(p + 3, name, n)) {
			if (k != '/')
				nest++;
			else if (nest-- == 0) {
				*after = q + 2;
				return p;
			}
		}
		p = q + 2;
	}
	return NULL;
}

/* Whether the tag [tag, tagend) stands alone on its line; if so widen it
 * to the whole line. */
static void standalone(struct tctx *c, const char **tag, const char **tagend,
		       const char *end)
{
	const char *s = *tag, *e = *tagend;
	while (s > c->text && (s[-1] == ' ' || s[-1] == '\t'))
		s--;
	if (s > c->text && s[-1] != '\n')
		return;
	while (e < end && (*e == ' ' || *e == '\t'))
		e++;
	if (e < end && *e != '\n')
		return;
	*tag = s;
	*tagend = e < end ? e + 1 : e;
}

static bool truthy(const struct vy_tval *v)
{
	switch (v->kind) {
	case VY_TSTR: return v->s && *v->s;
	case VY_TBOOL: return v->b;
	case VY_TLIST: return v->n > 0;
	default: return true;
	}
}

static int section(struct tctx *c, const char *tag, const char *name, size_t n,
		   bool inverted, const char *body, const char *end, const char **next)
{
	const char *after;
	const char *close = find_close(body, end, name, n, &after);
	char nm[128];
	snprintf(nm, sizeof nm, "%.*s", (int)n, name);
	if (!close)
		return fail(c, tag, "section '%s' is never closed", nm);
	const char *cs = close, *ce = after;
	standalone(c, &cs, &ce, end);
	*next = ce;
	const struct vy_tval *v = lookup(c, name, n);
	if (!v)
		return fail(c, tag, "unknown name '%s'", nm);
	if (inverted)
		return truthy(v) ? 0 : render(c, body, cs);
	if (v->kind != VY_TLIST)
		return truthy(v) ? render(c, body, cs) : 0;
	if (c->depth == MAXDEPTH)
		return fail(c, tag, "sections nested too deeply%s", "");
	for (int i = 0; i < v->n; i++) {
		c->stack[c->depth++] = &v->items[i];
		int r = render(c, body, cs);
		c->depth--;
		if (r)
			return r;
	}
	return 0;
}

static int variable(struct tctx *c, const char *tag, const char *in, size_t n)
{
	const char *colon = memchr(in, ':', n);
	char filter[16] = "";
	if (colon) {
		snprintf(filter, sizeof filter, "%.*s", (int)(colon - in), in);
		n -= (size_t)(colon + 1 - in);
		in = colon + 1;
		if (strcmp(filter, "c") && strcmp(filter, "rs") && strcmp(filter, "comment") &&
		    strcmp(filter, "md") && strcmp(filter, "id"))
			return fail(c, tag, "unknown filter '%s'", filter);
	}
	const struct vy_tval *v = lookup(c, in, n);
	if (!v || v->kind != VY_TSTR) {
		char *nm = vy_strf("%.*s", (int)n, in);
		int r = fail(c, tag, v ? "'%s' is not a string" : "unknown name '%s'", nm);
		free(nm);
		return r;
	}
	if (!strcmp(filter, "id") && !is_ident(v->s))
		return fail(c, tag, "'%s' is not an identifier", v->s);
	put_escaped(c->out, v->s, filter);
	return 0;
}

static int render(struct tctx *c, const char *p, const char *end)
{
	while (p < end) {
		const char *tag = strstr(p, "{{");
		if (!tag || tag >= end) {
			vy_buf_put(c->out, p, (size_t)(end - p));
			return 0;
		}
		const char *close = strstr(tag + 2, "}}");
		if (!close || close >= end)
			return fail(c, tag, "unterminated tag%s", "");
		const char *in = tag + 2;
		size_t n = (size_t)(close - in);
		const char *te = close + 2, *ts = tag;
		if (*in == '#' || *in == '^' || *in == '!') {
			standalone(c, &ts, &te, end);
			vy_buf_put(c->out, p, (size_t)(ts - p));
			if (*in == '!') {
				p = te;
				continue;
			}
			if (section(c, tag, in + 1, n - 1, *in == '^', te, end, &p))
				return -1;
			continue;
		}
		vy_buf_put(c->out, p, (size_t)(tag - p));
		if (*in == '/')
			return fail(c, tag, "unexpected closing tag%s", "");
		if (variable(c, tag, in, n))
			return -1;
		p = te;
	}
	return 0;
}

int vy_template_render(const char *name, const char *tmpl, size_t n,
		       const struct vy_tval *root, struct vy_buf *out, char **err)
{
	struct tctx c = { .name = name, .text = tmpl, .out = out };
	c.stack[c.depth++] = root;
	if (render(&c, tmpl, tmpl + n)) {
		*err = c.err;
		return -1;
	}
	return 0;
}
