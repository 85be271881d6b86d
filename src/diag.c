/*
 * diag.c: diagnostics.  Stages record struct vy_diag; this file alone
 * prints them, as text with the source line and a caret under the
 * offending token, or as JSON for tools.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vyrec.h"
#include "json.h"
#include "trap.h"

/* Room for one more diagnostic of severity sev: false when it is an error
 * past VY_MAX_ERRORS (counted, not kept). */
static bool room(struct vy_diags *d, enum vy_severity sev)
{
	if (sev == VY_ERROR)
		d->nerrors++;
	if (sev != VY_WARNING && d->nerrors > VY_MAX_ERRORS)
		return false;   /* a note goes with the error it follows */
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 8;
		d->v = vy_xrealloc(d->v, (size_t)d->cap * sizeof *d->v, "diagnostics");
	}
	return true;
}

static char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	return memcpy(vy_xmalloc(n, "a diagnostic"), s, n);
}

static void add(struct vy_diags *d, enum vy_severity sev, struct vy_loc loc,
		const char *fix, const char *fmt, va_list ap)
{
	if (!room(d, sev))
		return;
	va_list aq;
	va_copy(aq, ap);
	int n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	char *msg = vy_xmalloc((size_t)n + 1, "a diagnostic");
	vsnprintf(msg, (size_t)n + 1, fmt, ap);
	if (loc.len < 1)
		loc.len = 1;
	d->v[d->n++] = (struct vy_diag){ sev, loc, msg, fix ? xstrdup(fix) : NULL };
}

/* The two spellings of a fix in the back half's error text. */
static const char *const fixsep[] = { [VY_FIX_INLINE] = ". Fix: ",
				      [VY_FIX_NEWLINE] = "\nFix: " };

void vy_error_text(struct vy_diags *d, const char *origin, const char *text)
{
	if (!text || !*text)
		text = "failed";
	if (!room(d, VY_ERROR))
		return;
	struct vy_diag g = { .sev = VY_ERROR, .origin = xstrdup(origin) };
	/* the last separator: a message may quote other errors whole, each
	 * with its own Fix (the joined factory errors of --backend auto) */
	const char *at = NULL;
	for (int k = VY_FIX_INLINE; k <= VY_FIX_NEWLINE; k++)
		for (const char *f = strstr(text, fixsep[k]); f;
		     f = strstr(f + 1, fixsep[k]))
			if (!at || f > at) {
				at = f;
				g.sep = (enum vy_fix_sep)k;
			}
	size_t n = at ? (size_t)(at - text) : strlen(text);
	g.msg = memcpy(vy_xmalloc(n + 1, "a diagnostic"), text, n);
	g.msg[n] = 0;
	g.fix = at ? xstrdup(at + strlen(fixsep[g.sep])) : NULL;
	d->v[d->n++] = g;
}

void vy_error_fix(struct vy_diags *d, const char *origin, enum vy_fix_sep sep,
		  const char *fix, const char *fmt, ...)
{
	if (!room(d, VY_ERROR))
		return;
	va_list ap;
	va_start(ap, fmt);
	char *msg = NULL;
	if (vasprintf(&msg, fmt, ap) < 0)
		vy_oom("a diagnostic", 0);
	va_end(ap);
	d->v[d->n++] = (struct vy_diag){ .sev = VY_ERROR, .msg = msg,
		.fix = fix ? xstrdup(fix) : NULL, .origin = xstrdup(origin), .sep = sep };
}

void vy_diags_prefix(struct vy_diags *d, int from, const char *prefix)
{
	for (int i = from; i < d->n; i++) {
		char *m = vy_strf("%s%s", prefix, d->v[i].msg);
		free(d->v[i].msg);
		d->v[i].msg = m;
	}
}

char *vy_diag_text(const struct vy_diag *g)
{
	return g->fix ? vy_strf("%s%s%s", g->msg, fixsep[g->sep], g->fix) : vy_strf("%s", g->msg);
}

void vy_diags_append(struct vy_diags *dst, const struct vy_diags *src)
{
	for (int i = 0; i < src->n; i++) {
		const struct vy_diag *s = &src->v[i];
		if (!room(dst, s->sev))
			continue;
		struct vy_diag g = *s;
		g.msg = xstrdup(s->msg);
		g.fix = s->fix ? xstrdup(s->fix) : NULL;
		g.origin = s->origin ? xstrdup(s->origin) : NULL;
		g.owned = NULL;
		if (s->loc.src) {
			size_t n = strlen(s->loc.src->path) + 1;
			g.owned = vy_xmalloc(sizeof *g.owned + n, "a diagnostic");
			char *path = memcpy((char *)(g.owned + 1), s->loc.src->path, n);
			*g.owned = (struct vy_source){ path, "", 0 };
			g.loc.src = g.owned;
		}
		dst->v[dst->n++] = g;
	}
	/* errors src counted but did not keep */
	int dropped = src->nerrors;
	for (int i = 0; i < src->n; i++)
		dropped -= src->v[i].sev == VY_ERROR;
	dst->nerrors += dropped;
}

void vy_error(struct vy_diags *d, struct vy_loc loc, const char *fix,
	      const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	add(d, VY_ERROR, loc, fix, fmt, ap);
	va_end(ap);
}

void vy_warn(struct vy_diags *d, struct vy_loc loc, const char *fix,
	     const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	add(d, VY_WARNING, loc, fix, fmt, ap);
	va_end(ap);
}

void vy_note(struct vy_diags *d, struct vy_loc loc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	add(d, VY_NOTE, loc, NULL, fmt, ap);
	va_end(ap);
}

void vy_diags_free(struct vy_diags *d)
{
	for (int i = 0; i < d->n; i++) {
		free(d->v[i].msg);
		free(d->v[i].fix);
		free(d->v[i].origin);
		free(d->v[i].owned);
	}
	free(d->v);
	memset(d, 0, sizeof *d);
}

static int color_mode;   /* 0 auto, 1 always, 2 never (--color) */

void vy_set_color(int mode)
{
	color_mode = mode;
}

bool vy_use_color(FILE *f)
{
	if (color_mode)
		return color_mode == 1;
	const char *nc = getenv("NO_COLOR");
	if (nc && *nc)
		return false;
	return isatty(fileno(f));
}

/* The bytes of line `line` of src, or NULL. */
static const char *line_at(const struct vy_source *src, int line, int *len)
{
	const char *p = src->text, *end = src->text + src->len;
	for (int l = 1; l < line && p < end; l++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			return NULL;
		p = nl + 1;
	}
	if (p > end)
		return NULL;
	const char *e = p;
	while (e < end && *e != '\n' && *e != '\r')
		e++;
	*len = (int)(e - p);
	return p;
}

static const char *sevname[] = { "error", "warning", "note" };
static const char *sevcolor[] = { "\033[1;31m", "\033[1;35m", "\033[1;36m" };

static void print_caret(FILE *f, const struct vy_diag *g, bool color)
{
	int n;
	const char *s = line_at(g->loc.src, g->loc.line, &n);
	if (!s)
		return;
	fprintf(f, "%5d | %.*s\n      | ", g->loc.line, n, s);
	for (int i = 0; i < g->loc.col - 1 && i < n; i++)
		fputc(s[i] == '\t' ? '\t' : ' ', f);
	if (color)
		fputs("\033[1;32m", f);
	fputc('^', f);
	for (int i = 1; i < g->loc.len; i++)
		fputc('~', f);
	if (color)
		fputs("\033[0m", f);
	fputc('\n', f);
}

static void print_text(FILE *f, const struct vy_diag *g, bool color)
{
	const char *bold = color ? "\033[1m" : "", *off = color ? "\033[0m" : "";
	if (g->origin) {   /* as the back half has always spelt it */
		fprintf(f, "%s: %s%s%s\n", g->origin, g->msg,
			g->fix ? fixsep[g->sep] : "", g->fix ? g->fix : "");
		return;
	}
	if (g->loc.src)
		fprintf(f, "%s%s:%d:%d:%s ", bold, g->loc.src->path, g->loc.line,
			g->loc.col, off);
	else   /* no file to name (it cannot be read): the command's prefix */
		fprintf(f, "%svyrec:%s ", bold, off);
	fprintf(f, "%s%s:%s %s\n", color ? sevcolor[g->sev] : "",
		sevname[g->sev], off, g->msg);
	if (g->loc.src)
		print_caret(f, g, color);
	if (g->fix)
		fprintf(f, "  Fix: %s\n", g->fix);
}

static void print_json(FILE *f, const struct vy_diags *d)
{
	fputs("[", f);
	for (int i = 0; i < d->n; i++) {
		const struct vy_diag *g = &d->v[i];
		fputs(i ? ",\n {" : "{", f);
		fputs("\"severity\": ", f);
		vy_json_fstr(f, sevname[g->sev]);
		fputs(", \"file\": ", f);
		if (g->loc.src)
			vy_json_fstr(f, g->loc.src->path);
		else
			fputs("null", f);
		fprintf(f, ", \"line\": %d, \"column\": %d, \"length\": %d",
			g->loc.src ? g->loc.line : 0, g->loc.src ? g->loc.col : 0,
			g->loc.len);
		fputs(", \"message\": ", f);
		vy_json_fstr(f, g->msg);
		fputs(", \"fix\": ", f);
		if (g->fix)
			vy_json_fstr(f, g->fix);
		else
			fputs("null", f);
		fputs("}", f);
	}
	fputs("]\n", f);
}

void vy_diags_print(const struct vy_diags *d, FILE *f, enum vy_diag_format fmt,
		    bool color)
{
	if (fmt == VY_DIAG_JSON) {
		print_json(f, d);
		return;
	}
	for (int i = 0; i < d->n; i++)
		print_text(f, &d->v[i], color);
	if (d->nerrors > VY_MAX_ERRORS)
		fprintf(f, "vyrec: %d more errors not shown\n",
			d->nerrors - VY_MAX_ERRORS);
}

/* ---- traps (trap.h): libvyrec's calls get errors, not exits ---- */

static _Thread_local struct vy_trap *trap_top;

void vy_trap_push(struct vy_trap *t)
{
	t->prev = trap_top;
	trap_top = t;
}

void vy_trap_pop(struct vy_trap *t)
{
	if (trap_top == t)
		trap_top = t->prev;
}

/* Record the message in the innermost trap and jump to it, if there is
 * one; return only when there is none (the command line: exit). */
static void spring(int code, const char *fix, const char *fmt, va_list ap)
{
	struct vy_trap *t = trap_top;
	if (!t)
		return;
	trap_top = t->prev;
	int n = vsnprintf(t->msg, sizeof t->msg, fmt, ap);
	if (n >= 0 && (size_t)n < sizeof t->msg)
		snprintf(t->msg + n, sizeof t->msg - n, "\nFix: %s", fix);
	t->code = code;
	longjmp(t->jb, 1);
}

static void spring_f(int code, const char *fix, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	spring(code, fix, fmt, ap);
	va_end(ap);
}

#define OOM_FIX "free memory or raise the limit (ulimit -v), or use smaller sizes"

_Noreturn void vy_oom(const char *what, size_t bytes)
{
	if (bytes)
		spring_f(VY_EXIT_PROGRAM, OOM_FIX, "out of memory: cannot allocate "
			 "%zu bytes (%.1f MiB) for %s", bytes, bytes / 1048576.0, what);
	else
		spring_f(VY_EXIT_PROGRAM, OOM_FIX, "out of memory in %s", what);
	if (bytes)
		fprintf(stderr, "vyrec: out of memory: cannot allocate %zu bytes "
			"(%.1f MiB) for %s\n", bytes, bytes / 1048576.0, what);
	else
		fprintf(stderr, "vyrec: out of memory in %s\n", what);
	fputs("Fix: free memory or raise the limit (ulimit -v), or use smaller "
	      "sizes\n", stderr);
	exit(VY_EXIT_PROGRAM);
}

void *vy_xmalloc(size_t n, const char *what)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		vy_oom(what, n);
	return p;
}

void *vy_xcalloc(size_t n, size_t size, const char *what)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		vy_oom(what, n * size);
	return p;
}

void *vy_xrealloc(void *q, size_t n, const char *what)
{
	void *p = realloc(q, n ? n : 1);
	if (!p)
		vy_oom(what, n);
	return p;
}

/* "out of memory" reported through vy_bug by code that predates vy_oom is
 * a resource error all the same. */
_Noreturn void vy_bug_at(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	bool oom = !strncmp(fmt, "out of memory", 13);
	char where[64];
	snprintf(where, sizeof where, "internal error at %s:%d: ", file, line);
	va_start(ap, fmt);
	if (trap_top) {   /* "internal error at FILE:LINE: " + the message */
		char m[768];
		vsnprintf(m, sizeof m, fmt, ap);
		spring_f(oom ? VY_EXIT_PROGRAM : VY_EXIT_INTERNAL, oom ? OOM_FIX :
			 "this is a bug in vyrec; please report it with the input "
			 "that triggered it", "%s%s", oom ? "" : where, m);
	}
	va_end(ap);
	if (oom) {
		fputs("vyrec: ", stderr);
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputs("\nFix: free memory or raise the limit (ulimit -v), or use "
		      "smaller sizes\n", stderr);
		exit(VY_EXIT_PROGRAM);
	}
	fprintf(stderr, "vyrec: internal error at %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nFix: this is a bug in vyrec; please report it with the input that triggered it\n", stderr);
	exit(VY_EXIT_INTERNAL);
}
