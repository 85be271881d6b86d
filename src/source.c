/*
 * source.c: a program or dialect file as vyrec reads it.  A file or
 * standard input is read whole, at most VY_MAX_FILE bytes, and checked
 * before anything parses it: UTF-8 only, no NUL and no control bytes
 * other than tab and line breaks, not empty.  Also the byte-level helpers
 * (line breaks, UTF-8 lengths, offset to line and column) that the YAML
 * tree and the textloc walker share, and the file-order sort of a stage's
 * errors.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "source.h"

bool vy_text_is_break(const char *t, size_t n, size_t p)
{
	unsigned char c = (unsigned char)t[p];
	return c == '\n' || c == '\r' ||
	       (c == 0xC2 && p + 1 < n && (unsigned char)t[p + 1] == 0x85) ||
	       (c == 0xE2 && p + 2 < n && (unsigned char)t[p + 1] == 0x80 &&
		((unsigned char)t[p + 2] == 0xA8 || (unsigned char)t[p + 2] == 0xA9));
}

/* The offset after the line break at p. */
size_t vy_text_skip_break(const char *t, size_t n, size_t p)
{
	unsigned char c = (unsigned char)t[p];
	if (c == '\r')
		return p + 1 < n && t[p + 1] == '\n' ? p + 2 : p + 1;
	if (c == '\n')
		return p + 1;
	return p + (c == 0xC2 ? 2 : 3);
}

/* Line and byte column of off, counting '\n' as diag.c does. */
struct vy_loc vy_source_loc(const struct vy_source *src, size_t off, int len)
{
	int line = 1;
	size_t ls = 0;
	for (size_t i = 0; i < off && i < src->len; i++)
		if (src->text[i] == '\n') {
			line++;
			ls = i + 1;
		}
	return (struct vy_loc){ src, line, (int)(off - ls) + 1,
				len > VY_LOC_MAXLEN ? VY_LOC_MAXLEN : len };
}

/* Length of the UTF-8 sequence at p, 0 when it is invalid. */
int vy_utf8_len(const unsigned char *s, size_t n)
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
		vy_error(d, vy_source_loc(src, (size_t)(nul - s), 1), "vyrec reads YAML text files; check that this is the right file",
			 "NUL byte in the input (is this a binary file?)");
		return false;
	}
	for (size_t i = 0; i < src->len;) {
		unsigned c = s[i];
		if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F) {
			vy_error(d, vy_source_loc(src, i, 1), "remove the character or write it as an escape in a double-quoted string",
				 "control character 0x%02x is not allowed", c);
			return false;
		}
		int k = vy_utf8_len(s + i, src->len - i);
		if (!k) {
			vy_error(d, vy_source_loc(src, i, 1), "save the file as UTF-8",
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

/* The stage's errors in file order (a stable insertion sort); a note
 * stays right after the diagnostic it belongs to. */
static bool loc_after(const struct vy_loc *x, const struct vy_loc *y)
{
	return x->src == y->src && (x->line > y->line ||
				    (x->line == y->line && x->col > y->col));
}

void vy_ysort_diags(struct vy_diags *d, int first)
{
	int n = d->n - first;
	if (n < 2)
		return;
	struct vy_diag *v = vy_xmalloc(sizeof *v * (size_t)n, "diagnostics");
	int *head = vy_xmalloc(sizeof *head * (size_t)(n + 1), "diagnostics");
	int ng = 0;
	for (int i = first; i < d->n; i++)
		if (i == first || d->v[i].sev != VY_NOTE)
			head[ng++] = i;
	for (int i = 1; i < ng; i++)
		for (int j = i; j > 0 && loc_after(&d->v[head[j - 1]].loc, &d->v[head[j]].loc); j--) {
			int t = head[j];
			head[j] = head[j - 1];
			head[j - 1] = t;
		}
	int k = 0;
	for (int g = 0; g < ng; g++)
		for (int i = head[g]; i < d->n && (i == head[g] || d->v[i].sev == VY_NOTE); i++)
			v[k++] = d->v[i];
	memcpy(d->v + first, v, sizeof *v * (size_t)n);
	free(v);
	free(head);
}
