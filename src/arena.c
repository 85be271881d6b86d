/*
 * arena.c: bump allocation for one compilation.  The AST, the IR, strings and
 * diagnostics texts live in one arena and are freed at once, so no stage
 * has to track ownership.
 */
#include <stdlib.h>
#include <string.h>

#include "vyrec.h"

struct chunk {
	struct chunk *next;
	size_t used, size;
	_Alignas(16) unsigned char data[];
};

struct vy_arena {
	struct chunk *head;
};

struct vy_arena *vy_arena_new(void)
{
	return vy_xcalloc(1, sizeof(struct vy_arena), "the compiler's arena");
}

void vy_arena_free(struct vy_arena *a)
{
	if (!a)
		return;
	for (struct chunk *c = a->head, *next; c; c = next) {
		next = c->next;
		free(c);
	}
	free(a);
}

void *vy_alloc(struct vy_arena *a, size_t n)
{
	n = (n + 7) & ~(size_t)7;   /* 8: nothing in the arena needs more */
	struct chunk *c = a->head;
	if (!c || c->size - c->used < n) {
		size_t size = n > 65536 ? n : 65536;
		c = vy_xmalloc(sizeof *c + size, "the compiler's arena");
		c->size = size;
		c->used = 0;
		c->next = a->head;
		a->head = c;
	}
	void *p = c->data + c->used;
	c->used += n;
	memset(p, 0, n);
	return p;
}

char *vy_strndup(struct vy_arena *a, const char *s, size_t n)
{
	char *p = vy_alloc(a, n + 1);
	memcpy(p, s, n);
	return p;
}

char *vy_strdup(struct vy_arena *a, const char *s)
{
	return vy_strndup(a, s, strlen(s));
}

char *vy_fmt(struct vy_arena *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	char *p = vy_alloc(a, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}
