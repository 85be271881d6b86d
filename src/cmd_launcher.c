/*
 * cmd_launcher.c: `vyrec launcher` (SPEC §5): compile a program, run its
 * self-test on the reference backend (default params fill 4 workgroups,
 * --selftest-param overrides; inputs are random:(1 + binding)), build the
 * artifact for the target, and hand all of it to the launcher emitter of
 * --lang.  The project is produced in memory, then written under -o DIR
 * all or nothing (output.c), relative to a DIR fd without following a
 * link, so nothing is written outside DIR.  A non-empty DIR is refused
 * without --force; DIR/.vyrec-files lists what was written, and --force
 * removes the previous generation's files that this one does not write.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cmd_common.h"
#include "launch.h"
#include "check.h"
#include "launcher.h"

#define MAXKV 64

struct lopts {
	struct vy_cli_compile c;
	const char *target, *lang, *out, *name, *template_dir;
	const char *kv[MAXKV];
	int nkv;
	const char *ins[MAXKV];      /* --selftest-in BUF=SOURCE */
	int nins;
	bool bench, force, time_report;
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One argument at argv[*i] (the table is options.c); 0, or -1 after a
 * usage error. */
static int parse_one(struct lopts *o, int argc, char **argv, int *i)
{
	const char *v;
	int id = vy_opt_next("launcher", argc, argv, i, &v);
	int r = id == VY_O_BAD ? -1 : vy_cli_compile_opt(&o->c, "launcher", id, v);
	if (r)
		return r < 0 ? -1 : 0;
	switch (id) {
	case VY_O_TARGET: o->target = v; return 0;
	case VY_O_LANG: o->lang = v; return 0;
	case VY_O_NAME: o->name = v; return 0;
	case VY_O_TEMPLATE_DIR: o->template_dir = v; return 0;
	case VY_O_OUTPUT: o->out = v; return 0;
	case VY_O_SELFTEST_BENCH: o->bench = true; return 0;
	case VY_O_FORCE: o->force = true; return 0;
	case VY_O_TIME_REPORT: o->time_report = true; return 0;
	case VY_O_SELFTEST_IN:
		if (o->nins == MAXKV) {
			vy_usage_error("launcher", "too many --selftest-in options (at most %d)", MAXKV);
			return -1;
		}
		o->ins[o->nins++] = v;
		return 0;
	case VY_O_SELFTEST_PARAM:
		if (o->nkv == MAXKV) {
			vy_usage_error("launcher", "too many --selftest-param options (at most %d)", MAXKV);
			return -1;
		}
		o->kv[o->nkv++] = v;
		return 0;
	}
	if (id != VY_O_ARG)   /* a row of the table without its case */
		vy_bug("option %d of the table is not handled", id);
	if (o->c.prog) {
		vy_usage_error("launcher", "more than one program given ('%s' and '%s')", o->c.prog, v);
		return -1;
	}
	o->c.prog = v;
	return 0;
}

static void pairs(char *list, size_t n)
{
	list[0] = 0;
	for (int i = 0; vy_launchers[i]; i++) {
		const struct vy_launcher_emitter *l = vy_launchers[i];
		size_t k = strlen(list);
		snprintf(list + k, n - k, "%s%s x {", i ? ", " : "", l->lang);
		for (int j = 0; l->targets[j]; j++) {
			k = strlen(list);
			snprintf(list + k, n - k, "%s%s", j ? ", " : "", l->targets[j]);
		}
		k = strlen(list);
		snprintf(list + k, n - k, "}");
	}
}

static bool is_ident(const char *s)
{
	if (!*s || strlen(s) > 64 || !(*s == '_' || ((*s | 32) >= 'a' && (*s | 32) <= 'z')))
		return false;
	for (; *s; s++)
		if (!(*s == '_' || (*s >= '0' && *s <= '9') || ((*s | 32) >= 'a' && (*s | 32) <= 'z')))
			return false;
	return true;
}

/* Check the options; the emitters through *t and *l. 0 or an exit code. */
static int check_opts(struct lopts *o, const struct vy_aot_emitter **t,
		      const struct vy_launcher_emitter **l)
{
	char list[256];
	pairs(list, sizeof list);
	if (!o->c.prog)
		return vy_usage_error("launcher", "no program given");
	if (!o->target || !o->lang || !o->out)
		return vy_usage_error("launcher", "%s is required",
				      !o->target ? "-t|--target" : !o->lang ? "--lang" : "-o DIR");
	if (o->name && !is_ident(o->name))
		return vy_usage_error("launcher", "--name '%s' is not an identifier ([A-Za-z_][A-Za-z0-9_]*, at most 64 characters)", o->name);
	*t = vy_emitter_find(o->target);
	*l = vy_launcher_find(o->lang);
	bool ok = *t && *l;
	for (int j = 0; ok && (*l)->targets[j]; j++)
		if (!strcmp((*l)->targets[j], (*t)->id))
			return 0;
	const char *names[64];
	int n = 0;
	if (!*l)
		for (int i = 0; vy_launchers[i] && n < 64; i++)
			names[n++] = vy_launchers[i]->lang;
	else if (!*t)
		for (int i = 0; (*l)->targets[i] && n < 64; i++)
			names[n++] = (*l)->targets[i];
	return vy_usage_error("launcher", "no launcher for --lang %s with target '%s'; the supported pairs are %s%s",
			      o->lang, o->target, list,
			      vy_did_you_mean(!*l ? o->lang : o->target, names, n));
}

/* ---- self-test ---- */

struct selftest {
	struct vy_launch l;
	void *bufs[VY_MAX_IO];
	void *given[VY_MAX_IO];      /* --selftest-in inputs, as given */
};

static void selftest_free(struct selftest *s, int n)
{
	for (int i = 0; i < n; i++)
		free(s->bufs[i]), free(s->given[i]);
}

/* --selftest-in BUF=SOURCE: BUF's self-test input from SOURCE (a file or a
 * generator), kept to be embedded.  0 or an exit code. */
static int selftest_in(const struct lopts *o, const struct vy_program *p,
		       struct selftest *s)
{
	char *err = NULL;
	for (int k = 0; k < o->nins; k++) {
		const char *kv = o->ins[k], *eq = strchr(kv, '=');
		int i = -1;
		for (int j = 0; eq && j < p->nbuffers; j++)
			if (strlen(p->buffers[j].name) == (size_t)(eq - kv) &&
			    !strncmp(p->buffers[j].name, kv, (size_t)(eq - kv)))
				i = j;
		if (!eq || i < 0 || p->buffers[i].access == VY_WRITE_ONLY) {
			vy_usage_error("launcher", "'--selftest-in %s': %s", kv,
				       !eq ? "not of the form BUF=SOURCE" :
				       i < 0 ? "no such buffer" :
				       "the buffer is write_only, so the kernel never reads it");
			return VY_EXIT_USAGE;
		}
		if (vy_data_fill(eq + 1, p->buffers[i].type, s->bufs[i], s->l.counts[i], &err))
			return vy_fail(VY_EXIT_PROGRAM, "self-test input", err);
		size_t n = (size_t)vy_buffer_elem_size(p, i) * s->l.counts[i];
		free(s->given[i]);
		if (!(s->given[i] = malloc(n ? n : 1)))
			return vy_fail(VY_EXIT_PROGRAM, NULL, vy_strf("out of memory for the self-test input '%s'",
								      p->buffers[i].name));
		memcpy(s->given[i], s->bufs[i], n);
	}
	return 0;
}

/* Params, seeded inputs, then one reference run. 0 or an exit code. */
static int run_selftest(const struct lopts *o, const struct vy_program *p,
			struct selftest *s)
{
	char *err = NULL;
	memset(s, 0, sizeof *s);
	/* no default size (a fixed grid, say): the --selftest-param values
	 * alone, as verify does with --param */
	if (vy_default_params(p, s->l.params, &err)) {
		if (!o->nkv) {
			char *fix = strstr(err, " Fix: ");
			char *e = vy_strf("%.*s Fix: give every param with --selftest-param NAME=VALUE",
					  fix ? (int)(fix - err) : (int)strlen(err), err);
			free(err);
			return vy_fail(VY_EXIT_USAGE, "self-test params", e);
		}
		free(err);
		err = NULL;
	}
	if (vy_cli_params(p, (const char **)o->kv, o->nkv, &s->l, &err) ||
	    vy_launch_eval(p, &s->l, &err))
		return vy_fail(VY_EXIT_USAGE, "self-test params", err);
	for (int i = 0; i < p->nbuffers; i++) {
		const struct vy_bufdecl *d = &p->buffers[i];
		s->bufs[i] = calloc(s->l.counts[i], vy_buffer_elem_size(p, i) > 4 ? vy_buffer_elem_size(p, i) : 4);
		if (!s->bufs[i])
			return vy_fail(VY_EXIT_PROGRAM, NULL, vy_strf("out of memory for the self-test buffer '%s'", d->name));
	}
	if (vy_check_seed(p, &s->l, VY_CHECK_SEED, s->bufs, &err))
		return vy_fail(VY_EXIT_PROGRAM, "self-test input", err);
	int rc = selftest_in(o, p, s);
	if (rc)
		return rc;
	int r = vy_check_reference(p, &s->l, s->bufs, -1, &err);
	if (r == VY_CHECK_NO_REFERENCE)
		return vy_fail(VY_EXIT_BACKEND, NULL, err);
	if (r == VY_CHECK_DISPATCH && !strstr(err, "Fix:")) {
		char *e = vy_strf("%s. Fix: give the inputs that must be valid (indices) with "
				  "--selftest-in BUF=SOURCE, or other --selftest-param values", err);
		free(err);
		err = e;
	}
	if (r)
		return vy_fail(VY_EXIT_PROGRAM, "the self-test run on the reference backend failed", err);
	return 0;
}

/* ---- writing ---- */

static bool safe_path(const char *p)
{
	if (!*p || *p == '/' || strstr(p, "//"))
		return false;
	for (const char *s = p; s; s = strchr(s, '/')) {
		s += *s == '/';
		if (!strncmp(s, "..", 2) && (s[2] == '/' || !s[2]))
			return false;
		if (!strncmp(s, ".", 1) && (s[1] == '/' || !s[1]))
			return false;
	}
	return true;
}

static int dir_state(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	if (!d)
		return errno == ENOENT ? 0 : -1;
	int n = 0;
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return n ? 2 : 1;
}

static int mkdirs(const char *path, char **err)
{
	char *p = vy_strf("%s", path);
	for (char *s = p + 1; ; s++) {
		if (*s && *s != '/')
			continue;
		char c = *s;
		*s = 0;
		if (mkdir(p, 0777) && errno != EEXIST) {
			*err = vy_strf("cannot create directory '%s': %s", p, strerror(errno));
			free(p);
			return -1;
		}
		if (!(*s = c))
			break;
	}
	free(p);
	return 0;
}

/* The list of the files a generation wrote, kept in DIR so that --force
 * can remove the previous generation's files and nothing else. */
#define FILES_LIST ".vyrec-files"

/* Split "src/x.c" into its folder ("src", or "") and name. */
static char *split_dir(const char *path, const char **base)
{
	const char *slash = strrchr(path, '/');
	*base = slash ? slash + 1 : path;
	return vy_strf("%.*s", slash ? (int)(slash - path) : 0, path);
}

static bool in_files(const struct vy_launcher_files *f, const char *path)
{
	for (int i = 0; i < f->n; i++)
		if (!strcmp(f->v[i].path, path))
			return true;
	return !strcmp(path, FILES_LIST);
}

/* The previous generation's list (empty when there is none). */
static char *old_list(int root)
{
	int fd = openat(root, FILES_LIST, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct vy_buf b = {0};
	char tmp[4096];
	ssize_t n;
	while (fd >= 0 && (n = read(fd, tmp, sizeof tmp)) > 0 && b.len < (1u << 20))
		vy_buf_put(&b, tmp, (size_t)n);
	if (fd >= 0)
		close(fd);
	vy_buf_put(&b, "", 0);
	return (char *)b.data;
}

/* Remove the files of the previous generation that this one did not
 * write, then their folders when they became empty; never through a
 * link, never anything the list does not name. */
static void remove_stale(int root, char *list, const struct vy_launcher_files *f)
{
	for (char *line = list, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		if (!safe_path(line) || in_files(f, line))
			continue;
		const char *base;
		char *rel = split_dir(line, &base), *err = NULL;
		int dfd = vy_dir_at(root, rel, ".", false, &err);
		struct stat st;
		if (dfd >= 0 && fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode)))
			unlinkat(dfd, base, 0);
		if (dfd >= 0)
			close(dfd);
		free(err);
		for (char *s; *rel; *s = 0) {
			const char *last;
			char *up = split_dir(rel, &last);
			int pfd = vy_dir_at(root, up, ".", false, &err);
			if (pfd >= 0) {
				unlinkat(pfd, last, AT_REMOVEDIR);
				close(pfd);
			}
			free(err);
			err = NULL;
			free(up);
			s = strrchr(rel, '/');
			if (!s)
				s = rel;
		}
		free(rel);
	}
}

/* Write the project under dir: every file staged first, under directory
 * fds opened without following a link (a symbolic link inside DIR is
 * refused), then all renamed at once (output.c); then the previous
 * generation's leftovers are removed. */
static int write_project(const char *dir, const struct vy_launcher_files *f)
{
	char *err = NULL;
	for (int i = 0; i < f->n; i++)
		if (!safe_path(f->v[i].path) || !strcmp(f->v[i].path, FILES_LIST))
			return vy_fail(VY_EXIT_INTERNAL, NULL, vy_strf("the launcher emitter made an unsafe path '%s' (an internal error)", f->v[i].path));
	if (mkdirs(dir, &err))
		return vy_fail(VY_EXIT_PROGRAM, NULL, err);
	int root = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return vy_fail(VY_EXIT_PROGRAM, NULL, vy_strf("cannot open the output directory '%s': %s", dir, strerror(errno)));
	struct vy_outputs set = {0};
	struct vy_buf list = {0};
	int r = 0;
	for (int i = 0; !r && i < f->n; i++) {
		const char *base;
		char *rel = split_dir(f->v[i].path, &base);
		char *shown = vy_strf("%s/%s", dir, f->v[i].path);
		int dfd = vy_dir_at(root, rel, dir, true, &err);
		r = dfd < 0 ? -1 :
		    vy_outputs_add_at(&set, dfd, base, shown,
				      f->v[i].data.data ? (void *)f->v[i].data.data : "",
				      f->v[i].data.len, &err);
		if (dfd >= 0)
			close(dfd);
		vy_buf_printf(&list, "%s\n", f->v[i].path);
		free(rel);
		free(shown);
	}
	char *shown = vy_strf("%s/%s", dir, FILES_LIST);
	if (!r)
		r = vy_outputs_add_at(&set, root, FILES_LIST, shown, list.data, list.len, &err);
	free(shown);
	vy_buf_free(&list);
	char *old = r ? NULL : old_list(root);
	if (r)
		vy_outputs_free(&set);
	else if (!(r = vy_outputs_commit(&set, &err)))
		remove_stale(root, old, f);
	free(old);
	close(root);
	return r ? vy_fail(VY_EXIT_PROGRAM, NULL, err) : 0;
}

/* ---- the command ---- */

static int build_artifact(const struct lopts *o, const struct vy_program *p,
			  const struct vy_aot_emitter *t, struct vy_buf *k,
			  enum vy_fma_mode fma)
{
	struct vy_emit_config cfg = { .opt_level = o->c.opt_level, .sm = 70,
				      .vk_minor = 1, .validate = true,
				      .fast_math = p->fast_math, .fma_mode = fma };
	char *err = NULL;
	int r = vy_emit_program(t, p, &cfg, k, &err);   /* every kernel part */
	if (r == VY_EMIT_BUG) {
		vy_cli_errorf("vyrec", "internal error: the %s emitter produced invalid output: %s\nFix: this is a bug in vyrec; please report it with the program",
			      t->id, err ? err : "");
		free(err);
		return VY_EXIT_INTERNAL;
	}
	if (r != VY_EMIT_OK) {
		vy_cli_errorf("vyrec", "kernel compile failed for target `%s`: %s", t->id, err ? err : "rejected");
		free(err);
		return VY_EXIT_PROGRAM;
	}
	return 0;
}

/* Whether b holds the same bytes as k (an empty b counts as the same). */
static bool buf_same(const struct vy_buf *b, const struct vy_buf *k)
{
	return !b->len || (b->len == k->len && !memcmp(b->data, k->data, k->len));
}

static int generate(const struct lopts *o, const struct vy_program *p,
		    const struct vy_aot_emitter *t,
		    const struct vy_launcher_emitter *l)
{
	struct selftest s;
	struct vy_buf k = { 0 }, m = { 0 };
	struct vy_launcher_files f;
	char *err = NULL;
	char *why = vy_launcher_unsupported(p);   /* before any work */
	if (!why)
		why = vy_launcher_types_unsupported(p, l->lang);
	if (why)
		return vy_fail(VY_EXIT_USAGE, NULL, why);
	double t0 = now();
	int r = run_selftest(o, p, &s);
	if (o->time_report)
		fprintf(stderr, "vyrec: time: self-test reference run %8.3f ms\n", (now() - t0) * 1e3);
	t0 = now();
	struct vy_buf kf = { 0 }, kk = { 0 };   /* spv: the f64 and KHR fma variants */
	if (!r)
		r = build_artifact(o, p, t, &k, VY_FMA_EMULATE);
	if (!r && !strcmp(t->id, "spv"))
		r = build_artifact(o, p, t, &kf, VY_FMA_F64);
	if (!r && !strcmp(t->id, "spv") && p->nparts <= 1)
		r = build_artifact(o, p, t, &kk, VY_FMA_KHR);
	/* a pipeline's OpFmaKHR variant: only where SPIRV-Tools' linker
	 * knows the capability (else the exact emulation runs) */
	if (!r && !strcmp(t->id, "spv") && p->nparts > 1) {
		struct vy_emit_config cfg = { .opt_level = o->c.opt_level, .sm = 70,
					      .vk_minor = 1, .validate = true,
					      .fast_math = p->fast_math, .fma_mode = VY_FMA_KHR };
		char *e = NULL;
		if (vy_emit_program(t, p, &cfg, &kk, &e) != VY_EMIT_OK)
			vy_buf_free(&kk);
		free(e);
	}
	if (o->time_report)
		fprintf(stderr, "vyrec: time: emit %-9s           %8.3f ms\n", t->id, (now() - t0) * 1e3);
	t0 = now();
	memset(&f, 0, sizeof f);
	if (!r) {
		vy_manifest_json(p, t->id, !strcmp(t->id, "ptx") ? p->name : "main", k.data, k.len, &m);
		vy_buf_puts(&m, "");
		char *mtext = vy_buf_cstr(&m);
		struct vy_launcher_request req = {
			.prog = p, .target = t, .name = o->name ? o->name : p->name,
			.with_bench = o->bench, .kernel = k.data, .kernel_len = k.len,
			.kernel_f64 = buf_same(&kf, &k) ? NULL : kf.data,
			.kernel_f64_len = buf_same(&kf, &k) ? 0 : kf.len,
			.kernel_khr = buf_same(&kk, &k) ? NULL : kk.data,
			.kernel_khr_len = buf_same(&kk, &k) ? 0 : kk.len,
			.manifest = mtext, .selftest = s.l, .seed = VY_CHECK_SEED,
			.expected = s.bufs, .inputs = s.given, .template_dir = o->template_dir,
		};
		if (l->emit(&req, &f, &err))
			r = vy_fail(VY_EXIT_PROGRAM, "launcher generation failed", err);
		free(mtext);
	}
	if (o->time_report)
		fprintf(stderr, "vyrec: time: launcher %-9s       %8.3f ms\n", l->lang, (now() - t0) * 1e3);
	t0 = now();
	if (!r)
		r = write_project(o->out, &f);
	if (o->time_report)
		fprintf(stderr, "vyrec: time: write                   %8.3f ms\n", (now() - t0) * 1e3);
	vy_launcher_files_free(&f);
	vy_buf_free(&k);
	vy_buf_free(&kf);
	vy_buf_free(&kk);
	vy_buf_free(&m);
	selftest_free(&s, p->nbuffers);
	return r;
}

int vy_cmd_launcher(int argc, char **argv)
{
	struct lopts o;
	const struct vy_aot_emitter *t = NULL;
	const struct vy_launcher_emitter *l = NULL;
	memset(&o, 0, sizeof o);
	o.c.opt_level = 1;
	for (int i = 1; i < argc;)
		if (parse_one(&o, argc, argv, &i))
			return VY_EXIT_USAGE;
	int r = check_opts(&o, &t, &l);
	if (r)
		return r;
	int st = dir_state(o.out);
	if (st < 0)
		return vy_fail(VY_EXIT_USAGE, NULL, vy_strf("cannot read the output directory '%s': %s", o.out, strerror(errno)));
	if (st == 2 && !o.force)
		return vy_usage_error("launcher", "the output directory '%s' is not empty\nFix: choose a new or empty directory, or pass --force to overwrite the project's files", o.out);
	double t0 = now();
	struct vy_compilation c;
	if (!vy_cli_compile(&o.c, &c)) {
		vy_compilation_free(&c);
		return VY_EXIT_PROGRAM;
	}
	if (o.time_report)
		fprintf(stderr, "vyrec: time: front end               %8.3f ms\n", (now() - t0) * 1e3);
	r = generate(&o, c.prog, t, l);
	vy_compilation_free(&c);
	if (o.time_report)
		fprintf(stderr, "vyrec: time: total                   %8.3f ms\n", (now() - t0) * 1e3);
	return r;
}
