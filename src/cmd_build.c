/*
 * cmd_build.c: `vyrec build`: compile a program once, then hand it to the
 * emitter of each -t target.  Every output is produced in memory first and
 * written only when all targets succeeded, all outputs together through
 * output.c, so a failed build leaves no partial output.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cmd_common.h"

#define MAXT 8

struct build {
	struct vy_cli_compile c;
	const struct vy_aot_emitter *t[MAXT];
	int nt;
	const char *out, *manifest, *header, *depfile;
	bool md, time_report, watch;
	int dump_ir;               /* 1 --dump-ir, 2 --dump-ir=PASS */
	unsigned dump_pass;        /* that pass's VY_PASS_* */
	struct vy_emit_config cfg;
};

struct output {
	const struct vy_aot_emitter *e;
	char *path;                /* where the artifact goes */
	struct vy_buf bytes;
	int nparts;                /* glsl of several kernel parts: a file each */
	struct vy_buf *parts;
	char **part_paths;
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int bad_target(const char *name)
{
	char list[256] = "";
	const char *ids[64];
	int n = 0;
	for (int i = 0; vy_emitters[i]; i++) {
		strcat(list, i ? ", " : "");
		strcat(list, vy_emitters[i]->id);
		for (int j = 0; vy_emitters[i]->aliases && vy_emitters[i]->aliases[j] && n < 63; j++)
			ids[n++] = vy_emitters[i]->aliases[j];
		if (n < 64)
			ids[n++] = vy_emitters[i]->id;
	}
	return vy_usage_error("build", "unknown target '%s'; the registered targets are %s%s",
			      name, list, vy_did_you_mean(name, ids, n));
}

static const int sms[] = { 70, 72, 75, 80, 86, 87, 89, 90 };

static int parse_arch(struct build *b, const char *v)
{
	for (size_t i = 0; i < sizeof sms / sizeof *sms; i++) {
		char want[8];
		snprintf(want, sizeof want, "sm_%d", sms[i]);
		if (!strcmp(want, v)) {
			b->cfg.sm = sms[i];
			return 0;
		}
	}
	return vy_usage_error("build", "unsupported --arch '%s'; supported: sm_70, sm_72, sm_75, sm_80, sm_86, sm_87, sm_89, sm_90", v);
}

static int parse_env(struct build *b, const char *v)
{
	if (!strncmp(v, "vulkan1.", 8) && v[8] >= '0' && v[8] <= '3' && !v[9]) {
		b->cfg.vk_minor = v[8] - '0';
		return 0;
	}
	return vy_usage_error("build", "unsupported --target-env '%s'; use vulkan1.0, vulkan1.1, vulkan1.2 or vulkan1.3", v);
}

static int add_target(struct build *b, const char *v)
{
	const struct vy_aot_emitter *e = vy_emitter_find(v);
	if (!e)
		return bad_target(v);
	if (b->nt == MAXT)
		return vy_usage_error("build", "too many -t options");
	for (int j = 0; j < b->nt; j++)
		if (b->t[j] == e)
			return vy_usage_error("build", "target '%s' given twice", e->id);
	b->t[b->nt++] = e;
	return 0;
}

static int parse_fma(struct build *b, const char *v)
{
	/* dev/test: the spv fma lowering a backend picks by device */
	if (!strcmp(v, "emulate"))
		b->cfg.fma_mode = VY_FMA_EMULATE;
	else if (!strcmp(v, "f64"))
		b->cfg.fma_mode = VY_FMA_F64;
	else if (!strcmp(v, "khr"))
		b->cfg.fma_mode = VY_FMA_KHR;
	else
		return vy_usage_error("build", "unknown --fma-mode '%s' (emulate, f64 or khr)", v);
	return 0;
}

/* One option (id, value v) of the table (options.c); 0 or an exit code. */
static int take(struct build *b, int id, const char *v)
{
	switch (id) {
	case VY_O_TARGET: return add_target(b, v);
	case VY_O_OUTPUT: b->out = v; return 0;
	case VY_O_ARCH: return parse_arch(b, v);
	case VY_O_TARGET_ENV: return parse_env(b, v);
	case VY_O_MANIFEST: b->manifest = v; return 0;
	case VY_O_HEADER: b->header = v; return 0;
	case VY_O_FMA_MODE: return parse_fma(b, v);
	case VY_O_MF: b->depfile = v; b->md = true; return 0;
	case VY_O_MD: b->md = true; return 0;
	case VY_O_EMIT_ASM: b->cfg.emit_asm = true; return 0;
	case VY_O_DEBUG_INFO: b->cfg.debug_info = true; return 0;
	case VY_O_WATCH: b->watch = true; return 0;
	case VY_O_NO_VALIDATE: b->cfg.validate = false; return 0;
	case VY_O_TIME_REPORT: b->time_report = true; return 0;
	case VY_O_DUMP_IR:
		if (v && !(b->dump_pass = vy_pass_parse(v)))
			return vy_usage_error("build", "unknown IR dump '%s'; use --dump-ir or --dump-ir=%s",
					      v, vy_pass_names);
		b->dump_ir = v ? 2 : 1;
		return 0;
	}
	if (id != VY_O_ARG)   /* a row of the table without its case */
		vy_bug("option %d of the table is not handled", id);
	if (b->c.prog)
		return vy_usage_error("build", "more than one program given ('%s' and '%s')", b->c.prog, v);
	b->c.prog = v;
	return 0;
}

/* Parse the command line into b; returns -1 when it is fine, else an exit
 * code. */
static int parse(struct build *b, int argc, char **argv)
{
	for (int i = 1; i < argc;) {
		const char *v;
		int id = vy_opt_next("build", argc, argv, &i, &v);
		int r = id == VY_O_BAD ? -1 : vy_cli_compile_opt(&b->c, "build", id, v);
		if (r < 0 || (!r && take(b, id, v)))
			return VY_EXIT_USAGE;
	}
	if (!b->c.prog)
		return vy_usage_error("build", "no program given");
	if (!b->nt)
		b->t[b->nt++] = &vy_emitter_spv;
	if (b->out && !strcmp(b->out, "-") && b->nt > 1)
		return vy_usage_error("build", "'-o -' writes one target to standard output, but %d targets were given", b->nt);
	return -1;
}

static const char *ext_of(const struct build *b, const struct vy_aot_emitter *e)
{
	return b->cfg.emit_asm && e == &vy_emitter_spv ? ".spvasm" : e->ext;
}

static char *output_path(const struct build *b, const struct vy_aot_emitter *e,
			 const char *name)
{
	if (b->nt == 1 && b->out)
		return strdup(b->out);
	if (b->out)
		return vy_strf("%s/%s%s", b->out, name, ext_of(b, e));
	return vy_strf("%s%s", name, ext_of(b, e));
}

static void c_ident(char *dst, const char *name, const char *suffix)
{
	snprintf(dst, 160, "%s_%s", name, suffix);
	for (char *p = dst; *p; p++)
		if (!(*p == '_' || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9')))
			*p = '_';
}

static void header_text(const struct build *b, const char *name,
			struct output *o, int n, struct vy_buf *h)
{
	char guard[160];
	const char *base = strrchr(b->c.prog, '/');   /* no path (SPEC §10.9) */
	c_ident(guard, name, "VYREC_H");
	vy_buf_printf(h, "/* generated by vyrec %s from %s; do not edit */\n#ifndef %s\n#define %s\n\n#include <stddef.h>\n#include <stdint.h>\n",
		      VY_VERSION, base ? base + 1 : b->c.prog, guard, guard);
	for (int i = 0; i < n; i++) {
		char id[160];
		c_ident(id, name, o[i].e->id);
		bool words = o[i].e == &vy_emitter_spv && !b->cfg.emit_asm &&
			     o[i].bytes.len % 4 == 0;
		vy_buf_printf(h, "\nstatic const %s %s[] = {", words ? "uint32_t" : "unsigned char", id);
		size_t count = words ? o[i].bytes.len / 4 : o[i].bytes.len;
		for (size_t k = 0; k < count; k++) {
			if (k % (words ? 6 : 12) == 0)
				vy_buf_puts(h, "\n\t");
			if (words) {
				const unsigned char *p = o[i].bytes.data + 4 * k;
				vy_buf_printf(h, "0x%08x,", p[0] | p[1] << 8 | p[2] << 16 | (unsigned)p[3] << 24);
			} else
				vy_buf_printf(h, "0x%02x,", o[i].bytes.data[k]);
		}
		vy_buf_printf(h, "\n};\nstatic const size_t %s_size = %zu; /* bytes */\n", id, o[i].bytes.len);
	}
	vy_buf_printf(h, "\n#endif\n");
}

/* A file name in a make rule, quoted as gcc -MD does: a space or tab gets
 * a backslash (and the backslashes before it are doubled), '#' becomes
 * '\#', '$' becomes '$$'. */
static void dep_name(struct vy_buf *d, const char *s)
{
	for (const char *p = s; *p; p++) {
		if (*p == ' ' || *p == '\t') {
			for (const char *q = p - 1; q >= s && *q == '\\'; q--)
				vy_buf_put(d, "\\", 1);
			vy_buf_put(d, "\\", 1);
		} else if (*p == '$')
			vy_buf_put(d, "$", 1);
		else if (*p == '#')
			vy_buf_put(d, "\\", 1);
		vy_buf_put(d, p, 1);
	}
}

static void depfile_text(const struct build *b, const struct vy_compilation *c,
			 struct output *o, int n, struct vy_buf *d)
{
	for (int i = 0; i < n; i++) {
		if (i)
			vy_buf_puts(d, " ");
		for (int k = 0; k < o[i].nparts; k++) {   /* glsl: a file per part */
			dep_name(d, o[i].part_paths[k]);
			vy_buf_puts(d, k + 1 < o[i].nparts ? " " : "");
		}
		if (!o[i].nparts)
			dep_name(d, o[i].path);
	}
	vy_buf_puts(d, ": ");
	dep_name(d, b->c.prog);
	for (int i = 0; i < c->dialects.nfiles; i++) {
		vy_buf_puts(d, " \\\n  ");
		dep_name(d, c->dialects.files[i]);
	}
	vy_buf_puts(d, "\n");
	for (int i = 0; i < c->dialects.nfiles; i++) {
		vy_buf_puts(d, "\n");
		dep_name(d, c->dialects.files[i]);
		vy_buf_puts(d, ":\n");
	}
}

/* SPEC §10.5: glsl writes one file per kernel part, NAME.K.comp,
 * NAME.K_1.comp ..., into the directory -o names (default the current
 * one).  The output's bytes are the files one after the other; parts[i]
 * of the output keep each. */
static bool glsl_parts(const struct vy_program *p, const struct vy_aot_emitter *e)
{
	return e == &vy_emitter_glsl && p->entry_point;
}

static int emit_glsl_parts(struct build *b, const struct vy_program *p,
			   struct output *o, char **err)
{
	o->nparts = p->nparts;
	o->parts = vy_xcalloc((size_t)p->nparts, sizeof *o->parts, "glsl parts");
	o->part_paths = vy_xcalloc((size_t)p->nparts, sizeof *o->part_paths, "glsl parts");
	const char *dir = b->out ? b->out : ".";
	if (!strcmp(dir, "-"))
		return vy_emit_reject(&b->cfg, err, VY_FIX_INLINE, "name a directory with -o DIR",
				      "'%s' has %d kernel parts and glsl writes a file for each",
				      p->name, p->nparts);
	for (int i = 0; i < p->nparts; i++) {
		int r = vy_emit(&vy_emitter_glsl,
				p->parts[i], &b->cfg, &o->parts[i], err);
		if (r != VY_EMIT_OK)
			return r;
		o->part_paths[i] = vy_strf("%s/%s.%s%s", dir, p->name,
					   p->parts[i]->entry_point, vy_emitter_glsl.ext);
		vy_buf_put(&o->bytes, o->parts[i].data, o->parts[i].len);
	}
	return VY_EMIT_OK;
}

/* Emit every target into memory. 0 or an exit code. */
static int emit_all(struct build *b, const struct vy_program *p, struct output *o)
{
	for (int i = 0; i < b->nt; i++) {
		double t0 = now();
		char *err = NULL;
		struct vy_diags d = {0};   /* refusals, the fix a field */
		o[i].e = b->t[i];
		o[i].path = output_path(b, b->t[i], p->name);
		b->cfg.diags = &d;
		int r = glsl_parts(p, b->t[i]) ? emit_glsl_parts(b, p, &o[i], &err) :
			vy_emit_program(b->t[i], p, &b->cfg, &o[i].bytes, &err);
		b->cfg.diags = NULL;
		if (b->time_report)
			fprintf(stderr, "vyrec: time: emit %-9s %8.3f ms\n", b->t[i]->id, (now() - t0) * 1e3);
		if (r == VY_EMIT_BUG) {
			vy_cli_error_fix("vyrec", VY_FIX_NEWLINE, "this is a bug in vyrec; please report it with the program",
					 "internal error: the %s emitter produced invalid output: %s",
					 b->t[i]->id, err ? err : "");
			free(err);
			vy_diags_free(&d);
			return VY_EXIT_INTERNAL;
		}
		if (r != VY_EMIT_OK && d.n) {
			char *m = vy_strf("kernel compile failed for target `%s`: ", b->t[i]->id);
			vy_diags_prefix(&d, 0, m);
			free(m);
			vy_cli_print_diags(&d);
		} else if (r != VY_EMIT_OK)
			vy_cli_errorf("vyrec", "kernel compile failed for target `%s`: %s",
				      b->t[i]->id, err ? err : "rejected");
		vy_diags_free(&d);
		if (r != VY_EMIT_OK) {
			free(err);
			return VY_EXIT_PROGRAM;
		}
	}
	return 0;
}

/* Stage every output (artifacts, manifests, header, depfile), then commit
 * them together: all or nothing (output.c). */
static int write_all(struct build *b, struct vy_compilation *c, struct output *o)
{
	const struct vy_program *p = c->prog;
	struct vy_outputs set = {0};
	struct vy_buf h = {0};
	char *err = NULL;
	int r = 0;
	bool dir = b->nt > 1;
	for (int i = 0; i < b->nt; i++)
		dir |= o[i].nparts > 0;
	if (b->out && dir && mkdir(b->out, 0777) && errno != EEXIST)
		return vy_fail(VY_EXIT_PROGRAM, NULL, vy_strf("cannot create directory '%s': %s", b->out, strerror(errno)));
	for (int i = 0; !r && i < b->nt; i++)
		if (o[i].nparts)
			for (int k = 0; !r && k < o[i].nparts; k++)
				r = vy_outputs_add(&set, o[i].part_paths[k], o[i].parts[k].data ?
						   (void *)o[i].parts[k].data : "", o[i].parts[k].len, &err);
		else
			r = vy_outputs_add(&set, o[i].path, o[i].bytes.data ? (void *)o[i].bytes.data : "", o[i].bytes.len, &err);
	if (!r && b->manifest) {
		/* what the user named: one target's manifest, or with several
		 * one document holding each target's, in -t order */
		if (b->nt > 1)
			vy_buf_puts(&h, "{\n  \"schema\": \"vyrec-artifacts-1\",\n  \"artifacts\": [\n");
		for (int i = 0; i < b->nt; i++) {
			struct vy_buf one = {0};
			vy_manifest_json(p, o[i].e->id, p->entry_point && o[i].e != &vy_emitter_glsl ?
					 p->entry_point : o[i].e == &vy_emitter_ptx ? p->name : "main",
					 o[i].bytes.data, o[i].bytes.len, &one);
			if (b->nt == 1) {
				vy_buf_put(&h, one.data, one.len);
			} else {   /* indented 4, without its final newline */
				for (size_t k = 0; k + 1 < one.len; k++) {
					if (k == 0 || one.data[k - 1] == '\n')
						vy_buf_puts(&h, "    ");
					vy_buf_put(&h, one.data + k, 1);
				}
				vy_buf_puts(&h, i + 1 < b->nt ? ",\n" : "\n  ]\n}\n");
			}
			vy_buf_free(&one);
		}
		r = vy_outputs_add(&set, b->manifest, h.data, h.len, &err);
		vy_buf_free(&h);
	}
	if (!r && b->header) {
		header_text(b, p->name, o, b->nt, &h);
		r = vy_outputs_add(&set, b->header, h.data, h.len, &err);
		vy_buf_free(&h);
	}
	if (!r && b->md) {
		char *path = b->depfile ? strdup(b->depfile) : vy_strf("%s.d", o[0].path);
		depfile_text(b, c, o, b->nt, &h);
		r = vy_outputs_add(&set, path, h.data, h.len, &err);
		free(path);
		vy_buf_free(&h);
	}
	if (!r)
		return vy_outputs_commit(&set, &err) ? vy_fail(VY_EXIT_PROGRAM, NULL, err) : 0;
	vy_outputs_free(&set);
	return vy_fail(VY_EXIT_PROGRAM, NULL, err);
}

/* Emit and write a compiled program: 0 or an exit code. */
static int build_step(struct build *b, struct vy_compilation *c, double t0)
{
	int r;
	if (b->time_report)
		fprintf(stderr, "vyrec: time: front end     %8.3f ms\n", (now() - t0) * 1e3);
	if (b->dump_ir)   /* =PASS: after that pass alone, at -O1 and above */
		vy_dump_ir(b->dump_ir == 2 && b->c.opt_level >= 1 ? vy_passes(c->prog, b->dump_pass) : c->prog, stderr);
	struct output o[MAXT] = {0};
	r = emit_all(b, c->prog, o);
	if (!r) {
		double t1 = now();
		r = write_all(b, c, o);
		if (b->time_report)
			fprintf(stderr, "vyrec: time: write         %8.3f ms\nvyrec: time: total         %8.3f ms\n",
				(now() - t1) * 1e3, (now() - t0) * 1e3);
	}
	for (int i = 0; i < b->nt; i++) {
		free(o[i].path);
		vy_buf_free(&o[i].bytes);
		for (int k = 0; k < o[i].nparts; k++) {
			vy_buf_free(&o[i].parts[k]);
			free(o[i].part_paths[k]);
		}
		free(o[i].parts);
		free(o[i].part_paths);
	}
	return r;
}

static int watch_step(void *arg, struct vy_compilation *c)
{
	return build_step(arg, c, now());
}

int vy_cmd_build(int argc, char **argv)
{
	struct build b = { .c.opt_level = 1, .cfg = { .sm = 70, .vk_minor = 1, .validate = true } };
	int r = parse(&b, argc, argv);
	if (r >= 0)
		return r;
	b.cfg.opt_level = b.c.opt_level;
	b.cfg.fast_math = b.c.fast_math;
	if (b.watch)
		return vy_watch("vyrec build", &b.c, watch_step, &b);
	double t0 = now();
	struct vy_compilation c;
	if (!vy_cli_compile(&b.c, &c)) {
		vy_compilation_free(&c);
		return VY_EXIT_PROGRAM;
	}
	r = build_step(&b, &c, t0);
	vy_compilation_free(&c);
	return r;
}
