/*
 * api.c: libvyrec's stable interface (include/libvyrec.h, libvyrec(3))
 * over the compiler's internal one (include/vyrec.h).  A handle owns one
 * compilation, the targets emitted from it, and the diagnostics of every
 * call.  Each entry point runs its work under a trap (trap.h), so that an
 * internal error or running out of memory deep inside returns an error
 * from the call instead of exiting the process as the command line does.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vyrec.h"
#include "libvyrec.h"
#include "check.h"
#include "source.h"
#include "trap.h"

#define MAX_TARGETS 8

struct target {
	const struct vy_aot_emitter *e;
	struct vy_buf bytes;
	char *manifest;
};

struct vyrec_program {
	struct vy_compilation c;
	struct vy_emit_config cfg;
	bool broken;                  /* an internal error happened: refuse */
	struct vy_diags calls;        /* errors of calls after compiling */
	struct vyrec_diag **dv;       /* the diagnostics as handed out */
	int ndv;
	char *text, *json, *last;
	struct target t[MAX_TARGETS];
	int nt;
	struct vyrec_param_info *params;
	struct vyrec_buffer_info *buffers;
};

const char *vyrec_version(void)
{
	return VY_VERSION;
}

void vyrec_options_init(struct vyrec_options *o)
{
	memset(o, 0, sizeof *o);
	o->size = sizeof *o;
	o->opt_level = 1;
	o->validate = 1;
}

/* ---- errors ---- */

/* Record an error of a call: text is "MESSAGE" or "MESSAGE\nFix: FIX". */
static void fail(struct vyrec_program *p, const char *origin, const char *text)
{
	vy_error_text(&p->calls, origin, text);
	free(p->last);
	p->last = strdup(text ? text : "failed");
}

static void failf(struct vyrec_program *p, const char *origin,
		  const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void failf(struct vyrec_program *p, const char *origin,
		  const char *fmt, ...)
{
	char m[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(m, sizeof m, fmt, ap);
	va_end(ap);
	fail(p, origin, m);
}

/* Run fn(p, ctx) under a trap: its return value, or -1 after an internal
 * error or out of memory (recorded on p; after an internal error p is
 * refused from then on, its state being unknown). */
static int guarded(struct vyrec_program *p, const char *origin,
		   int (*fn)(struct vyrec_program *, void *), void *ctx)
{
	if (p->broken) {
		fail(p, origin, "this handle had an internal error\nFix: free it "
		     "with vyrec_free and compile again");
		return -1;
	}
	struct vy_trap t;
	if (setjmp(t.jb)) {
		p->broken = t.code == VY_EXIT_INTERNAL;
		fail(p, origin, t.msg);
		return -1;
	}
	vy_trap_push(&t);
	int r = fn(p, ctx);
	vy_trap_pop(&t);
	return r;
}

/* ---- compiling ---- */

static const int sms[] = { 70, 72, 75, 80, 86, 87, 89, 90 };

/* The emit configuration o asks for; false (recorded) on a bad value. */
static bool configure(struct vyrec_program *p, const struct vyrec_options *o)
{
	p->cfg = (struct vy_emit_config){ .opt_level = o->opt_level, .sm = 70,
		.vk_minor = 1, .validate = o->validate != 0,
		.fast_math = o->fast_math != 0 };
	if (o->opt_level < 0 || o->opt_level > 2) {
		failf(p, "libvyrec", "opt_level %d is not 0, 1 or 2", o->opt_level);
		return false;
	}
	if (o->arch) {
		int sm = 0;
		for (size_t i = 0; i < sizeof sms / sizeof *sms; i++) {
			char want[8];
			snprintf(want, sizeof want, "sm_%d", sms[i]);
			sm = strcmp(want, o->arch) ? sm : sms[i];
		}
		if (!sm) {
			failf(p, "libvyrec", "unsupported arch '%s'\nFix: use one of "
			      "sm_70, sm_72, sm_75, sm_80, sm_86, sm_87, sm_89, sm_90",
			      o->arch);
			return false;
		}
		p->cfg.sm = sm;
	}
	const char *v = o->target_env;
	if (v) {
		if (strncmp(v, "vulkan1.", 8) || v[8] < '0' || v[8] > '3' || v[9]) {
			failf(p, "libvyrec", "unsupported target_env '%s'\nFix: use "
			      "vulkan1.0, vulkan1.1, vulkan1.2 or vulkan1.3", v);
			return false;
		}
		p->cfg.vk_minor = v[8] - '0';
	}
	return true;
}

struct compile_ctx {
	const char *path, *name, *text;
	size_t len;
	const struct vyrec_options *o;
};

/* The source of text in memory, checked as a file's would be. */
static const struct vy_source *memory_source(struct vy_compilation *c,
					     const struct compile_ctx *k)
{
	struct vy_source *src = vy_alloc(c->arena, sizeof *src);
	src->path = vy_strdup(c->arena, k->name ? k->name : "<memory>");
	if (k->len > VY_MAX_FILE) {
		vy_error(&c->diags, (struct vy_loc){0}, "vyrec files are small "
			 "text files; check that this is the right text",
			 "program '%s' is larger than the %u MiB input limit",
			 src->path, VY_MAX_FILE >> 20);
		return NULL;
	}
	src->text = vy_strndup(c->arena, k->text ? k->text : "", k->len);
	src->len = k->text ? k->len : 0;
	if (!src->len) {
		vy_error(&c->diags, (struct vy_loc){ src, 1, 1, 1 },
			 "start from a sample such as samples/saxpy.yaml",
			 "empty program");
		return NULL;
	}
	return vy_source_check(src, &c->diags) ? src : NULL;
}

static int do_compile(struct vyrec_program *p, void *ctx)
{
	struct compile_ctx *k = ctx;
	int nd = 0;
	while (k->o->dialects && k->o->dialects[nd])
		nd++;
	struct vy_compile_opts co = { .dialects = k->o->dialects,
		.ndialects = nd, .opt_level = k->o->opt_level,
		.fast_math = k->o->fast_math != 0 };
	if (k->path) {
		vy_compile(&p->c, k->path, &co);
		return 0;
	}
	memset(&p->c, 0, sizeof p->c);
	p->c.arena = vy_arena_new();
	vy_compile_source(&p->c, memory_source(&p->c, k), &co);
	return 0;
}

/* The param and buffer tables handed out, in p's arena. */
static void describe(struct vyrec_program *p)
{
	const struct vy_program *g = p->c.prog;
	p->params = vy_alloc(p->c.arena, sizeof *p->params * (g->nparams + 1));
	for (int i = 0; i < g->nparams; i++)
		p->params[i] = (struct vyrec_param_info){ g->params[i].name,
			vy_type_name(g->params[i].type) };
	static const char *const acc[] = { "read_only", "write_only", "read_write" };
	p->buffers = vy_alloc(p->c.arena, sizeof *p->buffers * (g->nbuffers + 1));
	for (int i = 0; i < g->nbuffers; i++) {
		const struct vy_bufdecl *b = &g->buffers[i];
		p->buffers[i] = (struct vyrec_buffer_info){ b->name,
			vy_type_name(b->type), vy_buffer_elem_size(g, i),
			b->binding, acc[b->access], b->count_text };
	}
}

static struct vyrec_program *compile(struct compile_ctx *k)
{
	struct vyrec_program *p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	struct vyrec_options def;
	vyrec_options_init(&def);
	if (!k->o)
		k->o = &def;
	/* a caller built against an older header knows fewer fields */
	if (k->o->size < sizeof def) {
		memcpy(&def, k->o, k->o->size < sizeof def.size ? sizeof def.size : k->o->size);
		def.size = sizeof def;
		k->o = &def;
	}
	if (configure(p, k->o) && !guarded(p, "libvyrec compile", do_compile, k) &&
	    p->c.prog)
		describe(p);
	else if (!p->c.diags.nerrors && !p->calls.nerrors)
		fail(p, "libvyrec compile", "compilation failed");
	return p;
}

struct vyrec_program *vyrec_compile_file(const char *path,
					 const struct vyrec_options *o)
{
	struct compile_ctx k = { .path = path ? path : "", .o = o };
	return compile(&k);
}

struct vyrec_program *vyrec_compile_memory(const char *name, const char *text,
					   size_t len,
					   const struct vyrec_options *o)
{
	struct compile_ctx k = { .name = name, .text = text, .len = len, .o = o };
	return compile(&k);
}

void vyrec_free(struct vyrec_program *p)
{
	if (!p)
		return;
	for (int i = 0; i < p->nt; i++) {
		vy_buf_free(&p->t[i].bytes);
		free(p->t[i].manifest);
	}
	for (int i = 0; i < p->ndv; i++)
		free(p->dv[i]);
	free(p->dv);
	free(p->text);
	free(p->json);
	free(p->last);
	vy_diags_free(&p->calls);
	vy_compilation_free(&p->c);
	free(p);
}

/* ---- diagnostics ---- */

int vyrec_error_count(const struct vyrec_program *p)
{
	return p ? p->c.diags.nerrors + p->calls.nerrors : 1;
}

int vyrec_diag_count(const struct vyrec_program *p)
{
	return p ? p->c.diags.n + p->calls.n : 0;
}

static const struct vy_diag *diag_of(const struct vyrec_program *p, int i)
{
	return i < p->c.diags.n ? &p->c.diags.v[i] : &p->calls.v[i - p->c.diags.n];
}

const struct vyrec_diag *vyrec_diag_at(const struct vyrec_program *cp, int i)
{
	struct vyrec_program *p = (struct vyrec_program *)cp;
	if (!p || i < 0 || i >= vyrec_diag_count(p))
		return NULL;
	if (i >= p->ndv) {   /* one allocation each: handed-out ones stay put */
		int n = vyrec_diag_count(p);
		struct vyrec_diag **dv = realloc(p->dv, sizeof *dv * n);
		if (!dv)
			return NULL;
		p->dv = dv;
		for (; p->ndv < n; p->ndv++) {
			const struct vy_diag *g = diag_of(p, p->ndv);
			struct vyrec_diag *d = calloc(1, sizeof *d);
			if (!d)
				return NULL;
			*d = (struct vyrec_diag){ (enum vyrec_severity)g->sev,
				g->loc.src ? g->loc.src->path : NULL,
				g->loc.src ? g->loc.line : 0,
				g->loc.src ? g->loc.col : 0,
				g->loc.src ? g->loc.len : 0, g->msg, g->fix, g->origin };
			p->dv[p->ndv] = d;
		}
	}
	return p->dv[i];
}

/* Print p's diagnostics into *slot (replacing what was there). */
static const char *print_diags(struct vyrec_program *p, char **slot,
			       enum vy_diag_format fmt)
{
	if (!p)
		return NULL;
	char *s = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&s, &n);
	if (!f)
		return NULL;
	if (fmt == VY_DIAG_TEXT) {
		vy_diags_print(&p->c.diags, f, fmt, false);
		vy_diags_print(&p->calls, f, fmt, false);
	} else if (!p->calls.n) {
		vy_diags_print(&p->c.diags, f, fmt, false);
	} else {   /* one array: JSON needs no source text, copies do */
		struct vy_diags all = {0};
		vy_diags_append(&all, &p->c.diags);
		vy_diags_append(&all, &p->calls);
		vy_diags_print(&all, f, fmt, false);
		vy_diags_free(&all);
	}
	fclose(f);
	free(*slot);
	return *slot = s;
}

const char *vyrec_diags_text(struct vyrec_program *p)
{
	return print_diags(p, &p->text, VY_DIAG_TEXT);
}

const char *vyrec_diags_json(struct vyrec_program *p)
{
	return print_diags(p, &p->json, VY_DIAG_JSON);
}

const char *vyrec_last_error(const struct vyrec_program *p)
{
	if (!p)
		return "out of memory";
	if (p->last)
		return p->last;
	for (int i = p->c.diags.n - 1; i >= 0; i--)
		if (p->c.diags.v[i].sev == VY_ERROR)
			return p->c.diags.v[i].msg;
	return NULL;
}

/* ---- what was compiled ---- */

const char *vyrec_name(const struct vyrec_program *p)
{
	return p && p->c.prog ? p->c.prog->name : NULL;
}

int vyrec_param_count(const struct vyrec_program *p)
{
	return p && p->c.prog ? p->c.prog->nparams : 0;
}

const struct vyrec_param_info *vyrec_param(const struct vyrec_program *p, int i)
{
	return i >= 0 && i < vyrec_param_count(p) ? &p->params[i] : NULL;
}

int vyrec_buffer_count(const struct vyrec_program *p)
{
	return p && p->c.prog ? p->c.prog->nbuffers : 0;
}

const struct vyrec_buffer_info *vyrec_buffer(const struct vyrec_program *p,
					     int i)
{
	return i >= 0 && i < vyrec_buffer_count(p) ? &p->buffers[i] : NULL;
}

/* ---- targets ---- */

/* Whether p compiled; records the error when not. */
static bool usable(struct vyrec_program *p, const char *origin)
{
	if (p->c.prog)
		return true;
	fail(p, origin, "the program did not compile\nFix: read its errors "
	     "with vyrec_diags_text");
	return false;
}

struct emit_ctx {
	const char *target;
	struct target *out;
};

static int do_emit(struct vyrec_program *p, void *ctx)
{
	struct emit_ctx *k = ctx;
	const struct vy_aot_emitter *e = vy_emitter_find(k->target);
	if (!e) {
		const char *near = vy_emitter_suggest(k->target);
		struct vy_buf b = {0};
		for (int i = 0; vy_emitters[i]; i++)
			vy_buf_printf(&b, "%s%s", i ? ", " : "", vy_emitters[i]->id);
		vy_buf_put(&b, "", 1);
		if (near)
			failf(p, "libvyrec emit", "unknown target '%s'\nFix: did you "
			      "mean '%s'?", k->target, near);
		else
			failf(p, "libvyrec emit", "unknown target '%s'\nFix: use one "
			      "of %s", k->target, (char *)b.data);
		vy_buf_free(&b);
		return -1;
	}
	for (int i = 0; i < p->nt; i++)
		if (p->t[i].e == e) {
			k->out = &p->t[i];
			return 0;
		}
	struct target t = { .e = e };
	char *err = NULL;
	const struct vy_program *g = p->c.prog;
	int r = VY_EMIT_OK;
	if (e == &vy_emitter_glsl && g->entry_point)   /* kernel parts: one  */
		for (int i = 0; r == VY_EMIT_OK && i < g->nparts; i++) {   /* shader each, */
			struct vy_buf one = {0};         /* one after the other, */
			r = vy_emit(e, g->parts[i], &p->cfg, &one, &err);  /* as build */
			vy_buf_put(&t.bytes, one.data ? (void *)one.data : "", one.len);
			vy_buf_free(&one);
		}
	else
		r = vy_emit_program(e, g, &p->cfg, &t.bytes, &err);
	if (r != VY_EMIT_OK) {
		failf(p, "libvyrec emit", r == VY_EMIT_BUG ? "internal error: the "
		      "%s emitter produced invalid output: %s\nFix: this is a bug "
		      "in vyrec; please report it with the program" :
		      "kernel compile failed for target `%s`: %s", e->id,
		      err ? err : "rejected");
		free(err);
		vy_buf_free(&t.bytes);
		return -1;
	}
	struct vy_buf m = {0};
	/* the entry point as build's manifest names it */
	vy_manifest_json(g, e->id, g->entry_point && e != &vy_emitter_glsl ?
			 g->entry_point : e == &vy_emitter_ptx ? g->name : "main",
			 t.bytes.data, t.bytes.len, &m);
	t.manifest = vy_buf_cstr(&m);
	vy_buf_free(&m);
	p->t[p->nt] = t;
	k->out = &p->t[p->nt++];
	return 0;
}

/* The cached or new target of name; NULL (recorded) on error. */
static struct target *target(struct vyrec_program *p, const char *name)
{
	if (!p || !usable(p, "libvyrec emit"))
		return NULL;
	if (!name) {
		fail(p, "libvyrec emit", "no target named\nFix: name one of "
		     "`vyrec targets`, e.g. \"spv\"");
		return NULL;
	}
	struct emit_ctx k = { name, NULL };
	if (p->nt == MAX_TARGETS) {
		fail(p, "libvyrec emit", "too many targets on one handle");
		return NULL;
	}
	return guarded(p, "libvyrec emit", do_emit, &k) ? NULL : k.out;
}

int vyrec_emit(struct vyrec_program *p, const char *name, const void **data,
	       size_t *len)
{
	struct target *t = target(p, name);
	if (!t)
		return -1;
	if (data)
		*data = t->bytes.data ? (const void *)t->bytes.data : "";
	if (len)
		*len = t->bytes.len;
	return 0;
}

const char *vyrec_manifest(struct vyrec_program *p, const char *name)
{
	struct target *t = target(p, name);
	return t ? t->manifest : NULL;
}

/* ---- the reference run ---- */

struct run_ctx {
	const char *const *params;
	int nparams;
	const struct vyrec_buffer *bufs;
	int nbufs;
	void **host;
};

/* params into l->params; every param exactly once.  0 or -1 (recorded). */
static int read_params(struct vyrec_program *p, const struct run_ctx *k,
		       struct vy_launch *l)
{
	const struct vy_program *g = p->c.prog;
	bool seen[VY_MAX_IO] = { false };
	for (int i = 0; i < k->nparams; i++) {
		const char *kv = k->params[i] ? k->params[i] : "";
		const char *eq = strchr(kv, '=');
		size_t n = eq ? (size_t)(eq - kv) : strlen(kv);
		int j = 0;
		while (j < g->nparams && (strlen(g->params[j].name) != n ||
					  strncmp(g->params[j].name, kv, n)))
			j++;
		if (!eq) {
			failf(p, "libvyrec run", "param '%s' is not of the form "
			      "NAME=VALUE", kv);
			return -1;
		}
		if (j == g->nparams || seen[j]) {
			failf(p, "libvyrec run", j == g->nparams ? "'%.*s' is not a "
			      "param of '%s'" : "param '%.*s' is given twice",
			      (int)n, kv, g->name);
			return -1;
		}
		seen[j] = true;
		if (vy_parse_value(eq + 1, g->params[j].type, &l->params[j])) {
			failf(p, "libvyrec run", "'%s' is not a valid %s for param "
			      "'%s'", eq + 1, vy_type_name(g->params[j].type),
			      g->params[j].name);
			return -1;
		}
	}
	for (int j = 0; j < g->nparams; j++)
		if (!seen[j]) {
			failf(p, "libvyrec run", "param '%s' is not given\nFix: pass "
			      "\"%s=VALUE\"", g->params[j].name, g->params[j].name);
			return -1;
		}
	return 0;
}

/* The caller's buffer of program buffer i, checked against its count. */
static const struct vyrec_buffer *find_buffer(struct vyrec_program *p,
					      const struct run_ctx *k, int i,
					      uint32_t count)
{
	const struct vy_bufdecl *d = &p->c.prog->buffers[i];
	const struct vyrec_buffer *b = NULL;
	for (int j = 0; j < k->nbufs; j++)
		if (k->bufs[j].name && !strcmp(k->bufs[j].name, d->name))
			b = &k->bufs[j];
	if (!b)
		failf(p, "libvyrec run", "buffer '%s' is not given", d->name);
	else if (b->count != count)
		failf(p, "libvyrec run", "buffer '%s' has %zu elements, but its "
		      "count %s is %u for these params", d->name, b->count,
		      d->count_text ? d->count_text : "", count);
	else if (!b->data && count)
		failf(p, "libvyrec run", "buffer '%s' has no data", d->name);
	else
		return b;
	return NULL;
}

static bool is_buffer(const struct vy_program *g, const char *name)
{
	for (int i = 0; i < g->nbuffers; i++)
		if (!strcmp(g->buffers[i].name, name))
			return true;
	return false;
}

static int do_run(struct vyrec_program *p, void *ctx)
{
	struct run_ctx *k = ctx;
	const struct vy_program *g = p->c.prog;
	struct vy_launch l = {0};
	char *err = NULL;
	if (read_params(p, k, &l))
		return -1;
	if (vy_launch_eval(g, &l, &err)) {
		fail(p, "libvyrec run", err);
		free(err);
		return -1;
	}
	for (int j = 0; j < k->nbufs; j++)
		if (!k->bufs[j].name || !is_buffer(g, k->bufs[j].name)) {
			failf(p, "libvyrec run", "'%s' is not a buffer of '%s'",
			      k->bufs[j].name ? k->bufs[j].name : "(null)", g->name);
			return -1;
		}
	const struct vyrec_buffer *src[VY_MAX_IO];
	for (int i = 0; i < g->nbuffers; i++)
		if (!(src[i] = find_buffer(p, k, i, l.counts[i])))
			return -1;
	for (int i = 0; i < g->nbuffers; i++) {   /* whole words, aligned */
		size_t bytes = (size_t)l.counts[i] * vy_buffer_elem_size(g, i);
		k->host[i] = vy_xcalloc((bytes + 3) / 4 + 1, 4, "a run's buffer");
		if (g->buffers[i].access != VY_WRITE_ONLY && bytes)
			memcpy(k->host[i], src[i]->data, bytes);
	}
	int r = vy_check_reference(g, &l, k->host, -1, &err);
	if (r != VY_CHECK_OK) {
		fail(p, "libvyrec run", err);
		free(err);
		return -1;
	}
	for (int i = 0; i < g->nbuffers; i++)
		if (g->buffers[i].access != VY_READ_ONLY && l.counts[i])
			memcpy(src[i]->data, k->host[i],
			       (size_t)l.counts[i] * vy_buffer_elem_size(g, i));
	return 0;
}

int vyrec_run_reference(struct vyrec_program *p, const char *const *params,
			int nparams, const struct vyrec_buffer *buffers,
			int nbuffers)
{
	if (!p || !usable(p, "libvyrec run"))
		return -1;
	if (nparams < 0 || nbuffers < 0 || (nparams && !params) ||
	    (nbuffers && !buffers)) {
		fail(p, "libvyrec run", "bad params or buffers array");
		return -1;
	}
	void *host[VY_MAX_IO + 1] = { NULL };
	struct run_ctx k = { params, nparams, buffers, nbuffers, host };
	int r = guarded(p, "libvyrec run", do_run, &k);
	for (int i = 0; i < VY_MAX_IO; i++)
		free(host[i]);
	return r;
}
