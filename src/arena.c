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
	const char **names;      /* vy_intern's table, open addressing */
	size_t ncap, nused;
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
	free(a->names);
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

static size_t name_hash(const char *s, size_t n)
{
	size_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

static void names_grow(struct vy_arena *a)
{
	size_t cap = a->ncap ? a->ncap * 2 : 256;
	const char **t = vy_xcalloc(cap, sizeof *t, "the compiler's name table");
	for (size_t i = 0; i < a->ncap; i++)
		if (a->names[i]) {
			size_t j = name_hash(a->names[i], strlen(a->names[i])) & (cap - 1);
			while (t[j])
				j = (j + 1) & (cap - 1);
			t[j] = a->names[i];
		}
	free(a->names);
	a->names = t;
	a->ncap = cap;
}

const char *vy_intern(struct vy_arena *a, const char *s, size_t n)
{
	if (n > 64)
		return vy_strndup(a, s, n);
	if (2 * (a->nused + 1) > a->ncap)
		names_grow(a);
	size_t j = name_hash(s, n) & (a->ncap - 1);
	for (; a->names[j]; j = (j + 1) & (a->ncap - 1))
		if (!strncmp(a->names[j], s, n) && !a->names[j][n])
			return a->names[j];
	a->nused++;
	return a->names[j] = vy_strndup(a, s, n);
}
