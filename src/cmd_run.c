/*
 * cmd_run.c: `vyrec run` (SPEC §6): compile a program, size its buffers
 * from --param, fill inputs from files or generators (--in; the rest start
 * as zeros), dispatch once on a backend (auto = the preferred GPU backend,
 * never the reference implicitly) and write --out files atomically and
 * --print lines.  With --stream BUF=SOURCE --chunk N the backend runs the
 * program once per chunk of BUF and the outputs are the concatenation of
 * the chunks' outputs.
 *
 * Exit codes: 1 program errors and runtime errors (launch sizes, data
 * files), 2 usage, 3 backend unavailable or dispatch failure.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd_run.h"

#define MAXOPT 64

struct run_opts {
	struct vy_cli_compile c;      /* PROG.yaml, --dialect, -O, diagnostics */
	const char *backend, *stream, *chunk, *bench;
	const char *params[MAXOPT], *ins[MAXOPT], *outs[MAXOPT];
	const char *prints[MAXOPT];
	int nparams, nins, nouts, nprints;
	int device;
	bool strict;
	const char *sgsize;           /* --subgroup-size */
	bool hex;                     /* --print-format hex */
};

/* ---- shared with cmd_verify.c ---- */

int vy_run_find_buffer(const struct vy_program *p, const char *name)
{
	for (int i = 0; i < p->nbuffers; i++)
		if (!strcmp(p->buffers[i].name, name))
			return i;
	return -1;
}

int vy_run_unknown_buffer(const char *cmd, const struct vy_program *p,
			  const char *name)
{
	const char *names[VY_MAX_IO] = {0};
	int n = 0;
	for (int i = 0; i < p->nbuffers && n < VY_MAX_IO; i++)
		names[n++] = p->buffers[i].name;
	const char *near = vy_closest(name, names, n);
	struct vy_buf b = {0};
	for (int i = 0; i < n; i++)
		vy_buf_printf(&b, "%s%s", i ? ", " : "", names[i]);
	char *list = vy_buf_cstr(&b);
	vy_buf_free(&b);
	int rc = near ? vy_usage_error(cmd, "'%s' is not a buffer of '%s'\n"
				       "Fix: did you mean '%s'?", name,
				       p->name, near) :
		 vy_usage_error(cmd, "'%s' is not a buffer of '%s'\nFix: "
				"use one of its buffers: %s", name, p->name,
				n ? list : "(none)");
	free(list);
	return rc;
}

void vy_host_alloc(struct vy_host *h, const struct vy_program *p,
		   const struct vy_launch *l)
{
	h->n = p->nbuffers;
	h->bufs = vy_xcalloc((size_t)h->n + 1, sizeof *h->bufs, "the buffer table");
	for (int i = 0; i < h->n; i++) {
		size_t n = l->counts[i] ? l->counts[i] : 1;
		size_t es = vy_buffer_elem_size(p, i);
		/* whole words: the VM and the drivers see 4-byte aligned memory */
		h->bufs[i] = calloc((n * es + 3) / 4, 4);
		if (!h->bufs[i]) {
			char *what = vy_strf("buffer '%s' (%zu elements)",
					     p->buffers[i].name, n);
			vy_oom(what, n * es);
		}
	}
}

void vy_host_copy(struct vy_host *dst, const struct vy_host *src,
		  const struct vy_program *p, const struct vy_launch *l)
{
	vy_host_alloc(dst, p, l);
	for (int i = 0; i < src->n; i++)
		memcpy(dst->bufs[i], src->bufs[i],
		       (size_t)l->counts[i] * vy_buffer_elem_size(p, i));
}

void vy_host_free(struct vy_host *h)
{
	for (int i = 0; i < h->n; i++)
		free(h->bufs[i]);
	free(h->bufs);
	h->bufs = NULL;
	h->n = 0;
}

int vy_run_device(const char *cmd, const char *s, int *dev)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (!*s || *end || errno || v < 0 || v > 1000000)
		return vy_usage_error(cmd, "'--device %s' is not a device index "
				      "(0, 1, ...)", s);
	*dev = (int)v;
	return 0;
}

/* ---- options ---- */

/* Append value to a list option, or fail when there are too many. */
static int push(const char **v, int *n, const char *val, const char *opt)
{
	if (*n >= MAXOPT)
		return vy_usage_error("run", "too many %s options (at most %d)",
				      opt, MAXOPT);
	v[(*n)++] = val;
	return 0;
}

/* One option (id, value v) of the table (options.c); 0, or -1 after a
 * usage error. */
static int take(struct run_opts *o, int id, const char *v)
{
	switch (id) {
	case VY_O_PARAM: return push(o->params, &o->nparams, v, "--param") ? -1 : 0;
	case VY_O_IN: return push(o->ins, &o->nins, v, "--in") ? -1 : 0;
	case VY_O_OUT: return push(o->outs, &o->nouts, v, "--out") ? -1 : 0;
	case VY_O_PRINT: return push(o->prints, &o->nprints, v, "--print") ? -1 : 0;
	case VY_O_BACKEND: o->backend = v; return 0;
	case VY_O_STREAM: o->stream = v; return 0;
	case VY_O_CHUNK: o->chunk = v; return 0;
	case VY_O_BENCH: o->bench = v; return 0;
	case VY_O_DEVICE: return vy_run_device("run", v, &o->device) ? -1 : 0;
	case VY_O_STRICT: o->strict = true; return 0;
	case VY_O_SUBGROUP_SIZE: o->sgsize = v; return 0;
	case VY_O_PRINT_FORMAT:
		if (strcmp(v, "hex") && strcmp(v, "dec")) {
			const char *fmts[] = { "dec", "hex" };
			return vy_usage_error("run", "unknown --print-format '%s' (use dec or hex)%s",
					      v, vy_did_you_mean(v, fmts, 2)), -1;
		}
		o->hex = !strcmp(v, "hex");
		return 0;
	}
	if (id != VY_O_ARG)   /* a row of the table without its case */
		vy_bug("option %d of the table is not handled", id);
	if (o->c.prog) {
		vy_usage_error("run", "more than one program ('%s' and '%s')", o->c.prog, v);
		return -1;
	}
	o->c.prog = v;
	return 0;
}

static int parse_opts(int argc, char **argv, struct run_opts *o)
{
	memset(o, 0, sizeof *o);
	o->backend = "auto";
	o->device = -1;
	o->c.opt_level = 1;
	for (int i = 1; i < argc;) {
		const char *v;
		int id = vy_opt_next("run", argc, argv, &i, &v);
		int r = id == VY_O_BAD ? -1 : vy_cli_compile_opt(&o->c, "run", id, v);
		if (r < 0 || (!r && take(o, id, v)))
			return -1;
	}
	if (!o->c.prog) {
		vy_usage_error("run", "no program given");
		return -1;
	}
	if (!o->stream != !o->chunk) {
		vy_usage_error("run", "--stream and --chunk go together");
		return -1;
	}
	if (o->bench && o->stream) {
		vy_usage_error("run", "--bench times whole-buffer dispatches\n"
			       "Fix: drop --stream or --bench");
		return -1;
	}
	return 0;
}

/* ---- params ---- */

/* Parse the --param list; every param must be given (a streamed buffer's
 * count param excepted, which is set to the chunk length). */
static int read_params(const struct vy_program *p, struct run_opts *o,
		       struct vy_launch *l, int auto_param)
{
	char *err = NULL;
	if (vy_cli_params(p, o->params, o->nparams, l, &err)) {
		vy_usage_error("run", "%s", err);
		free(err);
		return -1;
	}
	struct vy_buf miss = {0};
	int first = -1;
	for (int j = 0; j < p->nparams; j++) {
		size_t n = strlen(p->params[j].name);
		bool given = j == auto_param || vy_param_is_host_for(p, j);
		for (int i = 0; i < o->nparams; i++)
			given |= !strncmp(o->params[i], p->params[j].name, n) &&
				 o->params[i][n] == '=';
		if (!given) {
			vy_buf_printf(&miss, "%s%s", miss.len ? ", " : "",
				      p->params[j].name);
			if (first < 0)
				first = j;
		}
	}
	if (miss.len) {
		char *m = vy_buf_cstr(&miss);
		vy_usage_error("run", "missing --param for %s\nFix: give every "
			       "param of '%s', e.g. --param %s=...", m, p->name,
			       p->params[first].name);
		free(m);
		vy_buf_free(&miss);
		return -1;
	}
	return 0;
}

/* "BUF=VALUE" into the buffer index and VALUE; a usage error otherwise. */
static int split_buf(const struct vy_program *p, const char *opt,
		     const char *kv, const char **val)
{
	const char *eq = strchr(kv, '=');
	if (!eq || eq == kv || !eq[1]) {
		vy_usage_error("run", "'%s %s' is not of the form BUF=%s", opt,
			       kv, strcmp(opt, "--out") ? "SOURCE" : "FILE");
		return -1;
	}
	char *name = vy_strf("%.*s", (int)(eq - kv), kv);
	int b = vy_run_find_buffer(p, name);
	if (b < 0)
		vy_run_unknown_buffer("run", p, name);
	free(name);
	*val = eq + 1;
	return b;
}

static int check_names(const struct vy_program *p, struct run_opts *o)
{
	const char *v;
	for (int i = 0; i < o->nins; i++)
		if (split_buf(p, "--in", o->ins[i], &v) < 0)
			return -1;
	for (int i = 0; i < o->nouts; i++)
		if (split_buf(p, "--out", o->outs[i], &v) < 0)
			return -1;
	for (int i = 0; i < o->nprints; i++)
		if (vy_run_find_buffer(p, o->prints[i]) < 0)
			return vy_run_unknown_buffer("run", p, o->prints[i]), -1;
	return 0;
}

/* ---- inputs and outputs ---- */

static int fill_inputs(const struct vy_program *p, struct run_opts *o,
		       const struct vy_launch *l, struct vy_host *h, int skip)
{
	for (int i = 0; i < o->nins; i++) {
		const char *src;
		int b = split_buf(p, "--in", o->ins[i], &src);
		if (b == skip)
			continue;
		char *err = NULL;
		if (vy_data_fill(src, p->buffers[b].type, h->bufs[b],
				 l->counts[b], &err)) {
			vy_cli_error("vyrec run", vy_strf("buffer '%s': %s",
				     p->buffers[b].name, err));
			free(err);
			return -1;
		}
	}
	return 0;
}

/* --print-format hex: each element's bits as stored, 0x and two digits a
 * byte (f32 its IEEE bits, bf16 its 16, i32 two's complement). */
static void print_hex(FILE *f, enum vy_type t, const void *src, uint32_t count)
{
	unsigned sz = vy_type_size(t);
	const unsigned char *q = src;
	for (uint32_t i = 0; i < count; i++, q += sz) {
		fputs(i ? " 0x" : "0x", f);
		for (unsigned k = sz; k-- > 0;)   /* little-endian in memory */
			fprintf(f, "%02x", q[k]);
	}
	fputc('\n', f);
}

/* Write --out and --print from data[i] of counts[i] elements. */
static int write_outputs(const struct vy_program *p, struct run_opts *o,
			 void *const *data, const uint32_t *counts)
{
	struct vy_outputs set = {0};
	char *err = NULL;
	int r = 0;
	for (int i = 0; !r && i < o->nouts; i++) {
		const char *file;
		int b = split_buf(p, "--out", o->outs[i], &file);
		struct vy_buf bytes = {0};
		vy_data_encode(file, p->buffers[b].type, data[b], counts[b], &bytes);
		r = vy_outputs_add(&set, file, bytes.data ? (void *)bytes.data : "", bytes.len, &err);
		vy_buf_free(&bytes);
	}
	if (r)
		vy_outputs_free(&set);
	else
		r = vy_outputs_commit(&set, &err);
	if (r) {
		vy_cli_error("vyrec run", err);
		return -1;
	}
	for (int i = 0; i < o->nprints; i++) {
		int b = vy_run_find_buffer(p, o->prints[i]);
		printf("%s: ", p->buffers[b].name);
		if (o->hex)
			print_hex(stdout, p->buffers[b].type, data[b], counts[b]);
		else
			vy_data_print(stdout, p->buffers[b].type, data[b], counts[b]);
	}
	fflush(stdout);
	return 0;
}

/* A backend name that is a typo of a registered one: the suggestion, else
 * NULL (then the registry's own message names the registered ids). */
static const char *backend_typo(const char *id)
{
	const char *ids[64];
	int n = 0;
	for (int i = 0; i < vy_backend_count() && n < 63; i++)
		if (!strcmp(ids[n++] = vy_backend_at(i)->id, id))
			return NULL;
	ids[n++] = "auto";
	return strcmp(id, "auto") ? vy_closest(id, ids, n) : NULL;
}

static struct vy_backend *get_backend(const char *id, int device)
{
	char *err = NULL;
	const char *near = backend_typo(id);
	if (near) {
		char *fix = vy_strf("did you mean '--backend %s'? ('vyrec backends' lists them)", near);
		vy_cli_error_fix("vyrec run", VY_FIX_NEWLINE, fix, "unknown backend '%s'", id);
		free(fix);
		return NULL;
	}
	struct vy_backend *b = !strcmp(id, "auto") ?
		vy_backend_preferred(device, &err) :
		vy_backend_acquire(id, device, &err);
	if (!b)
		vy_cli_error("vyrec run", err);
	return b;
}

/* ---- streaming ---- */

struct stream_ctx {
	const struct vy_program *p;
	int sbuf;
	uint32_t scount;            /* the streamed buffer's launch count */
	const uint32_t *counts;     /* the whole launch's counts */
	struct vy_host init;        /* writable buffers as they start */
	struct vy_buf *out;         /* per buffer, the concatenated chunks */
};

/* A chunk's outputs: a writable buffer sized like the streamed one gives
 * its first len(streamed) elements, any other its whole contents.  Each
 * chunk starts from the same initial contents, so streaming equals the
 * concatenation of independent per-chunk runs. */
static int take_chunk(void *vctx, const struct vy_run *r, char **err)
{
	struct stream_ctx *c = vctx;
	uint32_t n = r->launch.counts[c->sbuf];
	for (int i = 0; i < c->p->nbuffers; i++) {
		if (c->p->buffers[i].access == VY_READ_ONLY)
			continue;
		uint32_t k = i == c->sbuf ? n : c->counts[i] == c->scount &&
			     n < r->launch.counts[i] ? n : r->launch.counts[i];
		size_t es = vy_buffer_elem_size(c->p, i);
		vy_buf_put(&c->out[i], r->bufs[i], (size_t)k * es);
		if (i != c->sbuf)
			memcpy(r->bufs[i], c->init.bufs[i],
			       (size_t)c->counts[i] * es);
	}
	return 0;
}

/* Read --stream's SOURCE: a file, or GENERATOR@COUNT. */
static int stream_source(const char *src, enum vy_type t, void **data,
			 uint32_t *total, char **err)
{
	const char *at = strrchr(src, '@');
	if (!at)
		return vy_data_read_any(src, t, data, total, err);
	char *end;
	errno = 0;
	unsigned long long n = strtoull(at + 1, &end, 10);
	if (!at[1] || *end || errno || n == 0 || n > (1ull << 30)) {
		*err = vy_strf("'%s': the count after '@' must be 1 to 2^30. "
			       "Fix: write e.g. iota@100000", src);
		return -1;
	}
	char *gen = vy_strf("%.*s", (int)(at - src), src);
	if (!(*data = malloc(n * (vy_type_size(t) > 4 ? 8 : 4)))) {
		free(gen);
		*err = vy_strf("out of memory: cannot allocate %llu bytes for the "
			       "streamed input '%s'. Fix: use a smaller count",
			       n * vy_type_size(t), src);
		return -1;
	}
	int rc = vy_data_fill(gen, t, *data, (uint32_t)n, err);
	free(gen);
	*total = (uint32_t)n;
	if (rc) {
		free(*data);
		*data = NULL;
	}
	return rc;
}

static int run_stream(struct vy_backend *be, struct vy_run *r,
		      struct vy_host *h, struct run_opts *o, int sbuf,
		      void *sdata, uint32_t total, uint32_t chunk)
{
	const struct vy_program *p = r->prog;
	if (!be->stream) {
		vy_cli_errorf("vyrec run", "backend `%s` cannot stream. Fix: "
			      "choose a backend that can (vyrec backends), or run "
			      "without --stream", be->id);
		return VY_EXIT_BACKEND;
	}
	struct stream_ctx c = { p, sbuf, r->launch.counts[sbuf],
				r->launch.counts, {0}, NULL };
	vy_host_copy(&c.init, h, p, &r->launch);
	c.out = calloc((size_t)p->nbuffers + 1, sizeof *c.out);
	struct vy_stream s = { r, sbuf, sdata, total, chunk, take_chunk, &c };
	char *err = NULL;
	int rc = be->stream(be, &s, &err);
	if (rc)
		vy_cli_error("vyrec run", err ? err : vy_strf("stream failed"));
	else
		free(err);
	if (!rc) {
		void *data[VY_MAX_IO];
		uint32_t counts[VY_MAX_IO];
		for (int i = 0; i < p->nbuffers; i++) {
			bool w = p->buffers[i].access != VY_READ_ONLY;
			data[i] = w ? (void *)c.out[i].data : i == sbuf ? sdata :
				  h->bufs[i];
			counts[i] = w ? (uint32_t)(c.out[i].len /
					     vy_buffer_elem_size(p, i)) :
				    i == sbuf ? total : r->launch.counts[i];
			if (!data[i])
				data[i] = h->bufs[i];
		}
		rc = write_outputs(p, o, data, counts) ? VY_EXIT_PROGRAM : 0;
	} else
		rc = VY_EXIT_BACKEND;
	for (int i = 0; i < p->nbuffers; i++)
		vy_buf_free(&c.out[i]);
	free(c.out);
	vy_host_free(&c.init);
	return rc;
}

/* ---- --bench (SPEC §10.9) ---- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *t, int n)
{
	qsort(t, (size_t)n, sizeof *t, cmp_double);
	return n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
}

static double bench_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Bytes one dispatch moves: read_only and write_only buffers once,
 * read_write twice, each element its size (16 for an f32x4). */
static double bytes_moved(const struct vy_program *p, const uint32_t *counts)
{
	double b = 0;
	for (int i = 0; i < p->nbuffers; i++)
		b += (double)vy_buffer_elem_size(p, i) * counts[i] *
		     (p->buffers[i].access == VY_READ_WRITE ? 2 : 1);
	return b;
}

/* A backend without a timer of its own: the wall clock around dispatches
 * of a copy of the buffers (one warm-up first). */
static int bench_wall(struct vy_backend *be, struct vy_run *r, int n,
		      double *gpu, double *wall, const char **timer, char **err)
{
	struct vy_host c;
	struct vy_run rc = *r;
	int rv = 0;
	vy_host_copy(&c, &(struct vy_host){ r->prog->nbuffers, r->bufs }, r->prog,
		     &r->launch);
	rc.bufs = c.bufs;
	*timer = "wall clock";
	for (int i = -1; i < n && !rv; i++) {
		double t0 = bench_now_ms();
		rv = vy_dispatch_pipeline(be, &rc, err);
		if (i >= 0)
			gpu[i] = wall[i] = bench_now_ms() - t0;
	}
	vy_host_free(&c);
	return rv;
}

static int run_bench(struct vy_backend *be, struct vy_run *r, const char *arg)
{
	char *end, *err = NULL;
	errno = 0;
	long n = strtol(arg, &end, 10);
	if (!*arg || *end || errno || n < 1 || n > 1000000)
		return vy_usage_error("run", "'--bench %s' is not a count from 1 to "
				      "1000000", arg), VY_EXIT_USAGE;
	double *gpu = calloc((size_t)n, sizeof *gpu), *wall = calloc((size_t)n, sizeof *wall);
	const char *timer = "";
	if (!gpu || !wall)
		vy_bug("out of memory for --bench %ld", n);
	bool one = r->prog->nparts <= 1 && !r->prog->npipe;   /* a pipeline: timed whole */
	int rc = be->bench && one ? be->bench(be, r, (int)n, gpu, wall, &timer, &err) :
		 be->bench_pipeline && !one ? be->bench_pipeline(be, r, (int)n, gpu, wall, &timer, &err) :
		 bench_wall(be, r, (int)n, gpu, wall, &timer, &err);
	if (rc) {
		vy_cli_error("vyrec run", vy_strf("--bench: %s", err ? err : "dispatch failed"));
		free(err);
	} else {
		double med = median(gpu, (int)n), wmed = median(wall, (int)n);
		double bytes = bytes_moved(r->prog, r->launch.counts);
		printf("bench: %ld %s on %s (%s): median %.4f ms (%s), "
		       "%.3f GB/s (%.0f bytes moved); submit to finish median %.4f ms\n",
		       n, one ? "dispatches" : "runs of the pipeline", be->id, be->device_name, med, timer,
		       med > 0 ? bytes / (med * 1e6) : 0.0, bytes, wmed);
		if (!one)   /* SPEC §10.5: whether a CUDA graph ran it */
			printf("bench: the pipeline ran as %s\n", be->pipe_note ? be->pipe_note :
			       "one dispatch after another");
		fflush(stdout);
	}
	free(gpu);
	free(wall);
	return rc ? VY_EXIT_BACKEND : 0;
}

/* ---- the command ---- */

/* The param that alone sizes the streamed buffer, or -1. */
static int stream_param(const struct vy_program *p, int sbuf)
{
	const struct vy_expr *e = p->buffers[sbuf].count;
	return e && e->kind == VY_E_PARAM ? e->index : -1;
}

static int parse_chunk(const char *s, uint32_t *chunk)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (!*s || *s == '-' || *end || errno || v == 0 || v > UINT32_MAX / 4)
		return vy_usage_error("run", "'--chunk %s' is not a positive "
				      "element count", s);
	*chunk = (uint32_t)v;
	return 0;
}

int vy_run_subgroup_size(const char *cmd, const char *s, uint32_t *n)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (!*s || *s == '-' || *end || errno || v < 4 || v > 128 || (v & (v - 1)))
		return vy_usage_error(cmd, "subgroup size '%s' is not a power of two "
				      "from 4 to 128\nFix: use 4, 8, 16, 32, 64 or 128", s);
	*n = (uint32_t)v;
	return 0;
}

/* --subgroup-size against the backend and the program's subgroup_size
 * (SPEC §10.4); 0, or -1 after a usage error. */
static int run_sgsize(const struct vy_program *p, const struct run_opts *o,
		      uint32_t *n)
{
	*n = 0;
	if (!o->sgsize)
		return 0;
	if (vy_run_subgroup_size("run", o->sgsize, n))
		return -1;
	if (strcmp(o->backend, "reference"))
		return vy_usage_error("run", "--subgroup-size sets the reference VM's "
				      "subgroup size; a GPU runs at its own\nFix: add "
				      "--backend reference, or write 'subgroup_size: %u' "
				      "in the program", *n);
	if (p->subgroup_size && p->subgroup_size != *n)
		return vy_usage_error("run", "'%s' fixes subgroup_size: %u, so "
				      "--subgroup-size %u cannot apply\nFix: drop "
				      "--subgroup-size or change the program's "
				      "subgroup_size", p->name, p->subgroup_size, *n);
	return 0;
}

static int execute(struct vy_program *p, struct run_opts *o)
{
	struct vy_launch l;
	memset(&l, 0, sizeof l);
	int sbuf = -1, auto_param = -1;
	uint32_t chunk = 0, total = 0;
	void *sdata = NULL;
	if (o->stream && (p->nparts > 1 || p->npipe)) {
		vy_usage_error("run", "--stream runs a program of one kernel, and '%s' "
			       "has a pipeline\nFix: run it whole with --in", p->name);
		return VY_EXIT_USAGE;
	}
	if (o->stream) {
		const char *src;
		if ((sbuf = split_buf(p, "--stream", o->stream, &src)) < 0 ||
		    parse_chunk(o->chunk, &chunk))
			return VY_EXIT_USAGE;
		if (vy_buffer_elem_size(p, sbuf) != 4) {
			vy_cli_error_fix("vyrec run", VY_FIX_INLINE, "run it whole with --in",
					 "--stream: buffer '%s' has %s elements; streaming takes "
					 "4-byte elements only", p->buffers[sbuf].name,
					 vy_type_name(p->buffers[sbuf].type));
			return VY_EXIT_USAGE;
		}
		auto_param = stream_param(p, sbuf);
		if (auto_param >= 0)
			l.params[auto_param] = chunk;
	}
	uint32_t sgsize;
	if (read_params(p, o, &l, auto_param) || check_names(p, o) ||
	    run_sgsize(p, o, &sgsize))
		return VY_EXIT_USAGE;
	char *err = NULL;
	if (vy_launch_eval(p, &l, &err))
		return vy_fail(VY_EXIT_PROGRAM, "run", err);
	if (o->stream) {
		const char *src;
		split_buf(p, "--stream", o->stream, &src);
		if (stream_source(src, p->buffers[sbuf].type, &sdata, &total, &err)) {
			vy_cli_error("vyrec run", vy_strf("buffer '%s': %s",
				     p->buffers[sbuf].name, err));
			free(err);
			return VY_EXIT_PROGRAM;
		}
	}
	struct vy_host h;
	vy_host_alloc(&h, p, &l);
	int rc = VY_EXIT_PROGRAM;
	struct vy_diags warn = {0};
	struct vy_backend *be = NULL;
	if (fill_inputs(p, o, &l, &h, sbuf))
		goto done;
	rc = VY_EXIT_BACKEND;
	if (!(be = get_backend(o->backend, o->device)))
		goto done;
	struct vy_run r = { p, l, h.bufs, o->device, o->strict, &warn, sgsize };
	if (o->stream) {
		rc = run_stream(be, &r, &h, o, sbuf, sdata, total, chunk);
	} else if (vy_dispatch_pipeline(be, &r, &err)) {
		vy_cli_error("vyrec run", err ? err : vy_strf("dispatch failed"));
	} else {
		rc = write_outputs(p, o, h.bufs, l.counts) ? VY_EXIT_PROGRAM : 0;
		if (!rc && o->bench)
			rc = run_bench(be, &r, o->bench);
	}
	if (warn.n)
		vy_cli_print_diags(&warn);
done:
	vy_backend_release(be);
	vy_diags_free(&warn);
	vy_host_free(&h);
	free(sdata);
	return rc;
}

int vy_cmd_run(int argc, char **argv)
{
	struct run_opts o;
	if (parse_opts(argc, argv, &o))
		return VY_EXIT_USAGE;
	struct vy_compilation c;
	if (!vy_cli_compile(&o.c, &c)) {
		vy_compilation_free(&c);
		return VY_EXIT_PROGRAM;
	}
	int rc = execute(c.prog, &o);
	vy_compilation_free(&c);
	return rc;
}
