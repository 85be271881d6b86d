/*
 * load_yaml.c: YAML -> AST (SPEC §1.1-1.5).  The source is checked (size,
 * UTF-8, no NUL or control bytes), read through libyaml's event API into a
 * small tree with byte offsets (iteratively, so a deep file cannot
 * overflow the stack), and the tree is walked into a struct vy_program:
 * top-level keys, params, buffers, shared arrays, dispatch and the entry
 * statements, whose strings go to the expression parser with a textloc so
 * its carets land inside the YAML scalar.  Every error of the stage is
 * reported, each located and with a Fix where the user can act.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "load_yaml.h"

#define MAX_NODES 1000000

/* ---- sources ---- */

static bool is_break(const char *t, size_t n, size_t p)
{
	unsigned char c = (unsigned char)t[p];
	return c == '\n' || c == '\r' ||
	       (c == 0xC2 && p + 1 < n && (unsigned char)t[p + 1] == 0x85) ||
	       (c == 0xE2 && p + 2 < n && (unsigned char)t[p + 1] == 0x80 &&
		((unsigned char)t[p + 2] == 0xA8 || (unsigned char)t[p + 2] == 0xA9));
}

/* The offset after the line break at p. */
static size_t skip_break(const char *t, size_t n, size_t p)
{
	unsigned char c = (unsigned char)t[p];
	if (c == '\r')
		return p + 1 < n && t[p + 1] == '\n' ? p + 2 : p + 1;
	if (c == '\n')
		return p + 1;
	return p + (c == 0xC2 ? 2 : 3);
}

/* Line and byte column of off, counting '\n' as diag.c does. */
static struct vy_loc loc_of(const struct vy_source *src, size_t off, int len)
{
	int line = 1;
	size_t ls = 0;
	for (size_t i = 0; i < off && i < src->len; i++)
		if (src->text[i] == '\n') {
			line++;
			ls = i + 1;
		}
	return (struct vy_loc){ src, line, (int)(off - ls) + 1, len };
}

/* Length of the UTF-8 sequence at p, 0 when it is invalid. */
static int utf8_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	int k = c < 0x80 ? 1 : c >= 0xC2 && c <= 0xDF ? 2 :
		c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
	if (!k || (size_t)k > n)
		return 0;
	for (int i = 1; i < k; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 0;
	if ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] >= 0xA0) ||
	    (c == 0xF0 && s[1] < 0x90) || (c == 0xF4 && s[1] >= 0x90))
		return 0;
	return k;
}

bool vy_source_check(const struct vy_source *src, struct vy_diags *d)
{
	const unsigned char *s = (const unsigned char *)src->text;
	const unsigned char *nul = memchr(s, 0, src->len);
	if (nul) {
		vy_error(d, loc_of(src, (size_t)(nul - s), 1), "vyrec reads YAML text files; check that this is the right file",
			 "NUL byte in the input (is this a binary file?)");
		return false;
	}
	for (size_t i = 0; i < src->len;) {
		unsigned c = s[i];
		if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F) {
			vy_error(d, loc_of(src, i, 1), "remove the character or write it as an escape in a double-quoted string",
				 "control character 0x%02x is not allowed", c);
			return false;
		}
		int k = utf8_len(s + i, src->len - i);
		if (!k) {
			vy_error(d, loc_of(src, i, 1), "save the file as UTF-8",
				 "invalid UTF-8 byte 0x%02x", c);
			return false;
		}
		i += (size_t)k;
	}
	return true;
}

const struct vy_source *vy_source_read_from(struct vy_arena *a,
					    const char *path, struct vy_loc from,
					    const char *what, struct vy_diags *d)
{
	bool in = !strcmp(path, "-");
	FILE *f = in ? stdin : fopen(path, "rb");
	if (!f) {
		vy_error(d, from, NULL, "cannot open %s '%s': %s", what, path,
			 strerror(errno));
		return NULL;
	}
	struct vy_buf b = {0};
	char tmp[65536];
	size_t n;
	bool big = false;
	while (!big && (n = fread(tmp, 1, sizeof tmp, f)) > 0) {
		big = b.len + n > VY_MAX_FILE;
		if (!big)
			vy_buf_put(&b, tmp, n);
	}
	int rerr = ferror(f) ? errno : 0;
	if (!in)
		fclose(f);
	struct vy_source *src = NULL;
	if (big)
		vy_error(d, from, "vyrec files are small text files; check that this is the right file",
			 "%s '%s' is larger than the %u MiB input limit", what,
			 path, VY_MAX_FILE >> 20);
	else if (rerr)
		vy_error(d, from, NULL, "cannot read %s '%s': %s", what, path,
			 strerror(rerr));
	else {
		src = vy_alloc(a, sizeof *src);
		src->path = vy_strdup(a, in ? "<stdin>" : path);
		src->text = vy_strndup(a, b.len ? (char *)b.data : "", b.len);
		src->len = b.len;
	}
	vy_buf_free(&b);
	if (src && !src->len) {
		vy_error(d, (struct vy_loc){ src, 1, 1, 1 },
			 "start from a sample such as samples/saxpy.yaml",
			 "empty %s", strcmp(what, "program") ? what : "program");
		return NULL;
	}
	if (src && !vy_source_check(src, d))
		return NULL;
	return src;
}

const struct vy_source *vy_source_read(struct vy_arena *a, const char *path,
				       struct vy_diags *d)
{
	return vy_source_read_from(a, path, (struct vy_loc){0}, "program", d);
}

/* ---- textloc: value offsets back to the file ---- */

static size_t utf8_of(unsigned long cp)
{
	return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

static unsigned long hex_at(const char *t, size_t n, size_t p, int k)
{
	unsigned long v = 0;
	for (int i = 0; i < k && p + (size_t)i < n; i++) {
		char c = t[p + (size_t)i];
		int x = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ?
			c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : 0;
		v = v * 16 + (unsigned long)x;
	}
	return v;
}

/* Value bytes and source bytes of the double-quoted escape at p. */
static void escape_size(const char *t, size_t n, size_t p, size_t *val,
			size_t *adv)
{
	char e = p + 1 < n ? t[p + 1] : 0;
	*adv = 2;
	*val = 1;
	if (e == 'x') {
		*val = utf8_of(hex_at(t, n, p + 2, 2));
		*adv = 4;
	} else if (e == 'u') {
		*val = utf8_of(hex_at(t, n, p + 2, 4));
		*adv = 6;
	} else if (e == 'U') {
		*val = utf8_of(hex_at(t, n, p + 2, 8));
		*adv = 10;
	} else if (e == 'N' || e == '_') {
		*val = 2;
	} else if (e == 'L' || e == 'P') {
		*val = 3;
	}
}

static size_t skip_ws(const char *t, size_t n, size_t p)
{
	while (p < n && (t[p] == ' ' || t[p] == '\t'))
		p++;
	return p;
}

/* What a walk over a scalar's value looks for: the source offset of value
 * byte want (tab NULL), or, in one pass, those of value bytes
 * [base, base + n) into tab (a vy_textmap). */
struct walk {
	size_t want;
	uint32_t *tab;
	size_t base, n, next;   /* tab: entries filled so far */
};

/* Value byte v lies at source offset p; true ends the walk there.  A byte
 * met twice keeps its first offset, as a lookup stops at the first. */
static bool at(struct walk *w, size_t v, size_t p)
{
	if (!w->tab)
		return v == w->want;
	while (w->next < w->n && w->base + w->next <= v)
		w->tab[w->next++] = (uint32_t)p;
	return w->next >= w->n;
}

/* Source offset of the value byte a walk seeks in a plain or quoted
 * scalar: runs of text map one to one, escapes and '' map several bytes
 * to one, and line folding turns a break and the next line's indentation
 * into one space (or n-1 newlines for n breaks). */
static size_t flow_src(const struct vy_textloc *tl, struct walk *w)
{
	const char *t = tl->src->text;
	size_t n = tl->src->len, p = tl->start, v = 0;
	bool sq = tl->style == YAML_SINGLE_QUOTED_SCALAR_STYLE;
	bool dq = tl->style == YAML_DOUBLE_QUOTED_SCALAR_STYLE;
	if (sq || dq)
		p++;
	while (p < n) {
		char c = t[p];
		if (c == ' ' || c == '\t') {
			size_t q = skip_ws(t, n, p);
			if (q < n && !is_break(t, n, q)) {
				for (size_t i = 0; i < q - p; i++)
					if (at(w, v + i, p + i))
						return p + i;
				v += q - p;
			}
			p = q;
		} else if (is_break(t, n, p)) {
			size_t k = 0;
			while (p < n && is_break(t, n, p)) {
				p = skip_ws(t, n, skip_break(t, n, p));
				k++;
			}
			size_t add = k > 1 ? k - 1 : 1;
			for (size_t i = 0; i < add; i++)
				if (at(w, v + i, p))
					return p;
			v += add;
		} else if (sq && c == '\'') {
			if (p + 1 >= n || t[p + 1] != '\'' || at(w, v, p))
				return p;
			v++;
			p += 2;
		} else if (dq && c == '"') {
			return p;
		} else if (dq && c == '\\') {
			if (p + 1 < n && is_break(t, n, p + 1)) {
				p = skip_ws(t, n, skip_break(t, n, p + 1));
				continue;
			}
			size_t val, adv;
			escape_size(t, n, p, &val, &adv);
			for (size_t i = 0; i < val; i++)
				if (at(w, v + i, p))
					return p;
			v += val;
			p += adv;
		} else {
			if (at(w, v, p))
				return p;
			v++;
			p++;
		}
	}
	return p;
}

/* The same for a literal (|) or folded (>) block scalar. */
static size_t block_src(const struct vy_textloc *tl, struct walk *w)
{
	const char *t = tl->src->text;
	size_t n = tl->src->len, p = tl->start, v = 0;
	bool folded = tl->style == YAML_FOLDED_SCALAR_STYLE;
	while (p < n && !is_break(t, n, p))
		p++;
	if (p < n)
		p = skip_break(t, n, p);
	size_t indent = 0;
	for (size_t q = p; q < n;) {
		size_t s = q;
		while (q < n && t[q] == ' ')
			q++;
		if (q < n && is_break(t, n, q)) {
			q = skip_break(t, n, q);
			continue;
		}
		indent = q - s;
		break;
	}
	while (p < n) {
		for (size_t s = 0; p < n && t[p] == ' ' && s < indent; s++)
			p++;
		if (p >= n)
			return p;
		if (is_break(t, n, p)) {
			if (at(w, v, p))
				return p;
			v++;
			p = skip_break(t, n, p);
			continue;
		}
		while (p < n && !is_break(t, n, p)) {
			if (at(w, v, p))
				return p;
			v++;
			p++;
		}
		if (at(w, v, p) || p >= n)
			return p;
		p = skip_break(t, n, p);
		/* folded: a break before empty lines is dropped, each empty
		 * line then giving one newline */
		size_t q = p;
		while (q < n && t[q] == ' ')
			q++;
		if (!folded || q >= n || !is_break(t, n, q))
			v++;
	}
	return p;
}

/* Run a walk; a table walk that ends early maps the rest to the end. */
static size_t walk(const struct vy_textloc *tl, struct walk *w)
{
	size_t p = tl->style == YAML_LITERAL_SCALAR_STYLE ||
		   tl->style == YAML_FOLDED_SCALAR_STYLE ? block_src(tl, w) :
		   flow_src(tl, w);
	if (w->tab)
		at(w, SIZE_MAX, p);
	return p;
}

static size_t value_src(const struct vy_textloc *tl, size_t want)
{
	struct walk w = { .want = want };
	return walk(tl, &w);
}

bool vy_textmap_build(struct vy_textmap *m, const struct vy_textloc *tl,
		      size_t n)
{
	*m = (struct vy_textmap){ 0 };
	if (!tl || !tl->src || !n || tl->src->len >= UINT32_MAX)
		return false;
	m->src = malloc(n * sizeof *m->src);
	if (!m->src)
		return false;
	struct walk w = { .tab = m->src, .base = tl->base, .n = n };
	walk(tl, &w);
	const char *t = tl->src->text;
	size_t end = m->src[n - 1] < tl->src->len ? m->src[n - 1] : tl->src->len;
	size_t k = 0;
	for (size_t i = tl->start; i < end; i++)
		k += t[i] == '\n';
	m->nl = malloc((k ? k : 1) * sizeof *m->nl);
	if (!m->nl) {
		vy_textmap_free(m);
		return false;
	}
	for (size_t i = tl->start; i < end; i++)
		if (t[i] == '\n')
			m->nl[m->nnl++] = (uint32_t)i;
	m->n = n;
	return true;
}

void vy_textmap_free(struct vy_textmap *m)
{
	free(m->src);
	free(m->nl);
	*m = (struct vy_textmap){ 0 };
}

struct vy_loc vy_textloc_at(const struct vy_textloc *tl, size_t off, int len)
{
	if (!tl || !tl->src)
		return (struct vy_loc){0};
	const struct vy_source *src = tl->src;
	const struct vy_textmap *m = tl->map;
	size_t last = off + (len > 1 ? (size_t)len - 1 : 0), a, b;
	if (m && last < m->n) {
		a = m->src[off];
		b = m->src[last];
	} else {
		m = NULL;
		size_t want = tl->base + off;
		a = value_src(tl, want);
		b = len > 1 ? value_src(tl, want + (size_t)len - 1) : a;
	}
	if (a > src->len)
		a = src->len;
	int line = tl->line;
	size_t ls = tl->start - (size_t)(tl->col - 1);
	if (m) {
		/* the newlines before a, by bisection */
		size_t lo = 0, hi = m->nnl;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (m->nl[mid] < a)
				lo = mid + 1;
			else
				hi = mid;
		}
		line += (int)lo;
		if (lo)
			ls = (size_t)m->nl[lo - 1] + 1;
	} else {
		for (size_t i = tl->start; i < a; i++)
			if (src->text[i] == '\n') {
				line++;
				ls = i + 1;
			}
	}
	size_t e = a;
	while (e < src->len && e <= b && src->text[e] != '\n' && src->text[e] != '\r')
		e++;
	int w = b >= a && e > b ? (int)(b - a + 1) : (int)(e - a);
	return (struct vy_loc){ src, line, (int)(a - ls) + 1, w < 1 ? 1 : w };
}

/* ---- the YAML tree ---- */

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
		while (c->off < n && !is_break(t, n, c->off))
			c->off++;
		if (c->off < n)
			c->off = skip_break(t, n, c->off);
		c->line++;
		c->col = 0;
	}
	while (c->col < m.column && c->off < n && !is_break(t, n, c->off)) {
		int k = utf8_len((const unsigned char *)t + c->off, n - c->off);
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
	vy_error(T->d, loc_of(T->src, off, 1), syntax_fix, "invalid YAML: %s%s%s%s",
		 P->problem ? P->problem : "syntax error", *ctx ? " (" : "", ctx,
		 *ctx ? ")" : "");
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
		y->style = (unsigned char)e->data.scalar.style;
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
	       y->style == YAML_PLAIN_SCALAR_STYLE;
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
	if (y->kind != VY_Y_SCALAR || y->style != YAML_PLAIN_SCALAR_STYLE || !y->len)
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

/* ---- the program ---- */

struct ld {
	struct vy_arena *a;
	const struct vy_source *src;
	struct vy_diags *d;
	struct vy_program *p;
	int nstmts;
	bool too_many_stmts, too_many_io;
	int nnames;                    /* the one namespace of declarations */
	const struct vy_ynode **names;
	const char **kinds;
};

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

#define err(L, y, fix, ...) vy_yerror((L)->d, (L)->src, y, fix, __VA_ARGS__)

static const char *show(struct ld *L, const struct vy_ynode *y)
{
	return vy_yshow(L->a, y);
}

static const struct vy_textloc *textloc(struct ld *L, const struct vy_ynode *y)
{
	struct vy_textloc *tl = vy_alloc(L->a, sizeof *tl);
	*tl = vy_ytextloc(y, L->src);
	return tl;
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
			    (!param && vy_type_info((enum vy_type)k)->cls == VY_TC_STORAGE))
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
	if (y->kind == VY_Y_SCALAR && y->style != YAML_PLAIN_SCALAR_STYLE)
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
	L->p->name = y->s;
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
		p->dialects[p->ndialects++] = f->s;
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

/* A declared name: an identifier, not reserved, unique among params,
 * buffers and shared arrays. */
static bool declare(struct ld *L, const struct vy_ynode *k, const char *kind)
{
	static const char *const reserved[][2] = {
		{ "gid", "a builtin" }, { "lid", "a builtin" }, { "wgid", "a builtin" },
		{ "wgsize", "a builtin" }, { "nwg", "a builtin" }, { "len", "a builtin" },
		{ "u32", "a type" }, { "i32", "a type" }, { "f32", "a type" },
		{ "bool", "a type" }, { "f16", "a type" }, { "f64", "a type" },
		{ "u64", "a type" }, { "i64", "a type" }, { "u8", "a type" },
		{ "bitcast", "a builtin" }, { "let", "a keyword" }, { "var", "a keyword" },
		{ "true", "a keyword" }, { "false", "a keyword" }, { "barrier", "a keyword" },
		{ "return", "a keyword" }, { "break", "a keyword" },
		{ "continue", "a keyword" }, { "in", "a keyword" }, { "if", "a keyword" },
		{ "for", "a keyword" }, { "while", "a keyword" },
		{ "core", "a dialect" }, { "math", "a dialect" },
		{ "atomic", "a dialect" }, { "subgroup", "a dialect" },
	};
	if (k->kind != VY_Y_SCALAR)
		return false;
	if (!vy_is_ident(k->s, k->len)) {
		err(L, k, "use letters, digits and '_', starting with a letter or '_'",
		    "'%s' is not a valid %s name", show(L, k), kind);
		return false;
	}
	for (size_t i = 0; i < sizeof reserved / sizeof *reserved; i++)
		if (vy_yis(k, reserved[i][0])) {
			err(L, k, vy_fmt(L->a, "rename the %s, e.g. '%s_'", kind, k->s),
			    "'%s' is %s and cannot name a %s", k->s, reserved[i][1], kind);
			return false;
		}
	for (int i = 0; i < L->nnames; i++)
		if (vy_yis(k, L->names[i]->s) && L->kinds[i] == kind)
			return false;   /* a duplicate key, reported as such */
		else if (vy_yis(k, L->names[i]->s)) {
			err(L, k, "params, buffers and shared arrays share one namespace; rename one of them",
			    "'%s' is already declared as a %s at line %d", k->s,
			    L->kinds[i], L->names[i]->line);
			return false;
		}
	L->names[L->nnames] = k;
	L->kinds[L->nnames++] = kind;
	return true;
}

/* Params and buffers share VY_MAX_IO slots. */
static void count_io(struct ld *L, const struct vy_ynode *k)
{
	if (L->p->nparams + L->p->nbuffers > VY_MAX_IO && !L->too_many_io) {
		L->too_many_io = true;
		err(L, k, "merge small buffers, or pass values in a buffer instead of params",
		    "more than %d buffers and params", VY_MAX_IO);
	}
}

static void load_params(struct ld *L, const struct vy_ynode *y)
{
	if (!want_kind(L, y, VY_Y_MAP, "'params'"))
		return;
	struct vy_program *p = L->p;
	p->params = vy_alloc(L->a, (size_t)y->n * sizeof *p->params + 1);
	for (int i = 0; i + 1 < y->n; i += 2) {
		const struct vy_ynode *k = y->kids[i];
		if (!declare(L, k, "param"))
			continue;
		enum vy_type t = load_type(L, y->kids[i + 1],
					   vy_fmt(L->a, "param '%s'", k->s));
		p->params[p->nparams++] = (struct vy_param){ k->s, t, vy_yloc(k, L->src) };
		if (p->nparams == VY_MAX_PARAMS + 1)
			err(L, k, "pass the remaining values in a buffer",
			    "more than %d params: params travel as push constants, at most %d words",
			    VY_MAX_PARAMS, VY_MAX_PARAMS);
		count_io(L, k);
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
	b->name = k->s;
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
		b->count_text = v[2]->s;
		b->count_loc = vy_yloc(v[2], L->src);
		if (b->count && b->count->kind == VY_E_CONST && !b->count->ival)
			err(L, v[2], "a buffer needs at least one element",
			    "'count' must be positive");
	}
	if (v[3])
		b->access = load_access(L, v[3]);
}

/* Explicit bindings are unique; the others take the lowest free numbers
 * in declaration order. */
static void assign_bindings(struct ld *L)
{
	struct vy_program *p = L->p;
	int used[VY_MAX_BINDING + 1];
	for (int i = 0; i <= VY_MAX_BINDING; i++)
		used[i] = -1;
	for (int i = 0; i < p->nbuffers; i++) {
		struct vy_bufdecl *b = &p->buffers[i];
		if (!b->explicit_binding)
			continue;
		if (used[b->binding] >= 0) {
			vy_error(L->d, b->loc, "give each buffer its own binding, or leave 'binding' out",
				 "binding %d is used by both '%s' and '%s'", b->binding,
				 p->buffers[used[b->binding]].name, b->name);
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
			vy_error(L->d, b->loc, "merge buffers; a program has at most 32",
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

static void load_buffers(struct ld *L, const struct vy_ynode *y)
{
	if (!want_kind(L, y, VY_Y_MAP, "'buffers'"))
		return;
	struct vy_program *p = L->p;
	p->buffers = vy_alloc(L->a, (size_t)y->n * sizeof *p->buffers + 1);
	for (int i = 0; i + 1 < y->n; i += 2) {
		const struct vy_ynode *k = y->kids[i];
		if (!declare(L, k, "buffer"))
			continue;
		load_buffer(L, k, y->kids[i + 1], &p->buffers[p->nbuffers++]);
		count_io(L, k);
	}
	assign_bindings(L);
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
		if (!declare(L, k, "shared array"))
			continue;
		struct vy_shareddecl *s = &p->shared[p->nshared++];
		*s = (struct vy_shareddecl){ .name = k->s, .loc = vy_yloc(k, L->src) };
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
		uint32_t c;
		int r = vy_yuint(v[1], &c);
		s->count_loc = vy_yloc(v[1], L->src);
		if (r == 1 && c) {
			s->count = c;
			bytes += 4ull * c;
			if (bytes > VY_MAX_SHARED && bytes - 4ull * c <= VY_MAX_SHARED)
				err(L, v[1], "use smaller tiles; shared memory is at most 32768 bytes per workgroup",
				    "shared arrays take %llu bytes, more than the %d-byte limit",
				    (unsigned long long)bytes, VY_MAX_SHARED);
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
		p->dispatch_text[i] = v->s;
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
	    y->style != YAML_PLAIN_SCALAR_STYLE) {
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
		loc.len = (int)(v->end - k->off);
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
	loc.len = (int)(e - y->off);
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
	return vy_parse_stmt(L->a, y->s, y->len, textloc(L, y), L->d);
}

static void load_block(struct ld *L, const struct vy_ynode *y,
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
       K_SHARED, K_DISPATCH, K_TOL, K_ENTRY, K_N };

static const char *const top_keys[] = {
	"vyrec", "name", "description", "dialects", "workgroup_size", "params",
	"buffers", "shared", "dispatch", "tolerance", "entry", NULL
};

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
		L->p->description = v[K_DESC]->s;
	if (v[K_DIALECTS])
		load_dialects(L, v[K_DIALECTS]);
	if (v[K_WGSIZE])
		load_wgsize(L, v[K_WGSIZE]);
	else
		missing(L, root, "workgroup_size", "add 'workgroup_size: [64]'");
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
	L->names = vy_alloc(L->a, n * sizeof *L->names + 1);
	L->kinds = vy_alloc(L->a, n * sizeof *L->kinds + 1);
	if (v[K_PARAMS])
		load_params(L, v[K_PARAMS]);
	if (v[K_BUFFERS])
		load_buffers(L, v[K_BUFFERS]);
	if (v[K_SHARED])
		load_shared(L, v[K_SHARED]);
	if (v[K_DISPATCH])
		load_dispatch(L, v[K_DISPATCH]);
	if (v[K_TOL])
		load_tolerance(L, v[K_TOL]);
	if (v[K_ENTRY]) {
		L->p->loc_entry = vy_yloc(key_of(root, "entry"), L->src);
		load_block(L, v[K_ENTRY], &L->p->entry, "'entry'");
	} else
		missing(L, root, "entry", "add 'entry:' followed by the list of statements");
}

/* The stage's errors in file order (a stable insertion sort). */
void vy_ysort_diags(struct vy_diags *d, int first)
{
	for (int i = first + 1; i < d->n; i++)
		for (int j = i; j > first; j--) {
			struct vy_loc *x = &d->v[j - 1].loc, *y = &d->v[j].loc;
			if (x->src != y->src || x->line < y->line ||
			    (x->line == y->line && x->col <= y->col))
				break;
			struct vy_diag t = d->v[j];
			d->v[j] = d->v[j - 1];
			d->v[j - 1] = t;
		}
}

struct vy_program *vy_load(struct vy_arena *a, const struct vy_source *src,
			   struct vy_diags *d)
{
	if (!vy_source_check(src, d))
		return NULL;
	int first = d->n;
	struct vy_ynode *root = vy_yaml_tree(a, src, d);
	if (!root && d->nerrors)
		return NULL;
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
	vy_ysort_diags(d, first);
	return p;
}
