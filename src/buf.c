/*
 * buf.c: growable byte buffers, the one heap object with an owner, and
 * whole-file reads (output.c writes).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vyrec.h"

void vy_buf_put(struct vy_buf *b, const void *p, size_t n)
{
	if (b->cap - b->len < n + 1) {
		size_t cap = b->cap ? b->cap * 2 : 256;
		while (cap - b->len < n + 1)
			cap *= 2;
		unsigned char *d = realloc(b->data, cap);
		if (!d)
			vy_bug("out of memory (%zu bytes)", cap);
		b->data = d;
		b->cap = cap;
	}
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = 0;
}

void vy_buf_puts(struct vy_buf *b, const char *s)
{
	vy_buf_put(b, s, strlen(s));
}

void vy_buf_printf(struct vy_buf *b, const char *fmt, ...)
{
	char small[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < (int)sizeof small) {
		vy_buf_put(b, small, (size_t)n);
		return;
	}
	char *big = malloc((size_t)n + 1);
	if (!big)
		vy_bug("out of memory");
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	vy_buf_put(b, big, (size_t)n);
	free(big);
}

void vy_buf_u32(struct vy_buf *b, uint32_t w)
{
	unsigned char p[4] = { w, w >> 8, w >> 16, w >> 24 };
	vy_buf_put(b, p, 4);
}

void vy_buf_free(struct vy_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

char *vy_buf_cstr(const struct vy_buf *b)
{
	char *s = malloc(b->len + 1);
	if (!s)
		vy_bug("out of memory");
	if (b->len)
		memcpy(s, b->data, b->len);
	s[b->len] = 0;
	return s;
}

char *vy_strf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	char *p = malloc((size_t)n + 1);
	if (!p)
		vy_bug("out of memory");
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

char *vy_read_file(const char *path, size_t *len, size_t limit, char **err)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	if (!f) {
		*err = vy_strf("cannot open '%s': %s", path, strerror(errno));
		return NULL;
	}
	struct vy_buf b = {0};
	char tmp[65536];
	size_t n;
	while ((n = fread(tmp, 1, sizeof tmp, f)) > 0) {
		if (b.len + n > limit) {
			*err = vy_strf("'%s' is larger than the %zu MiB limit",
				       path, limit >> 20);
			goto fail;
		}
		vy_buf_put(&b, tmp, n);
	}
	if (ferror(f)) {
		*err = vy_strf("cannot read '%s': %s", path, strerror(errno));
		goto fail;
	}
	if (f != stdin)
		fclose(f);
	vy_buf_put(&b, "", 0);
	*len = b.len;
	return (char *)b.data;
fail:
	if (f != stdin)
		fclose(f);
	vy_buf_free(&b);
	return NULL;
}
