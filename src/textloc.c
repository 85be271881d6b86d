/*
 * textloc.c: value offsets back to the file.  A parser reads a scalar's
 * value (unquoted, escapes decoded, lines folded); vy_textloc_at maps an
 * offset in that value back to the file's line and column by walking the
 * scalar's source text by the YAML rules of its style, and vy_textmap
 * does the walk once for a long value so that each lookup is O(1).  The
 * styles are vyrec's enum vy_scalar_style, set by the YAML tree, so this
 * file knows nothing of libyaml.
 */
#include <stdlib.h>
#include <string.h>

#include "source.h"

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
	bool sq = tl->style == VY_STYLE_SINGLE;
	bool dq = tl->style == VY_STYLE_DOUBLE;
	if (sq || dq)
		p++;
	while (p < n) {
		char c = t[p];
		if (c == ' ' || c == '\t') {
			size_t q = skip_ws(t, n, p);
			if (q < n && !vy_text_is_break(t, n, q)) {
				for (size_t i = 0; i < q - p; i++)
					if (at(w, v + i, p + i))
						return p + i;
				v += q - p;
			}
			p = q;
		} else if (vy_text_is_break(t, n, p)) {
			size_t k = 0;
			while (p < n && vy_text_is_break(t, n, p)) {
				p = skip_ws(t, n, vy_text_skip_break(t, n, p));
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
			if (p + 1 < n && vy_text_is_break(t, n, p + 1)) {
				p = skip_ws(t, n, vy_text_skip_break(t, n, p + 1));
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
	bool folded = tl->style == VY_STYLE_FOLDED;
	while (p < n && !vy_text_is_break(t, n, p))
		p++;
	if (p < n)
		p = vy_text_skip_break(t, n, p);
	size_t indent = 0;
	for (size_t q = p; q < n;) {
		size_t s = q;
		while (q < n && t[q] == ' ')
			q++;
		if (q < n && vy_text_is_break(t, n, q)) {
			q = vy_text_skip_break(t, n, q);
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
		if (vy_text_is_break(t, n, p)) {
			if (at(w, v, p))
				return p;
			v++;
			p = vy_text_skip_break(t, n, p);
			continue;
		}
		while (p < n && !vy_text_is_break(t, n, p)) {
			if (at(w, v, p))
				return p;
			v++;
			p++;
		}
		if (at(w, v, p) || p >= n)
			return p;
		p = vy_text_skip_break(t, n, p);
		/* folded: a break before empty lines is dropped, each empty
		 * line then giving one newline */
		size_t q = p;
		while (q < n && t[q] == ' ')
			q++;
		if (!folded || q >= n || !vy_text_is_break(t, n, q))
			v++;
	}
	return p;
}

/* Run a walk; a table walk that ends early maps the rest to the end. */
static size_t walk(const struct vy_textloc *tl, struct walk *w)
{
	size_t p = tl->style == VY_STYLE_LITERAL ||
		   tl->style == VY_STYLE_FOLDED ? block_src(tl, w) :
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
	return (struct vy_loc){ src, line, (int)(a - ls) + 1,
				w < 1 ? 1 : w > VY_LOC_MAXLEN ? VY_LOC_MAXLEN : w };
}
