/*
 * cmd_watch.c: `vyrec build --watch` and `vyrec check --watch` (issue #17).
 * Compile (and, for build, emit and write) once, then again each time the
 * program or a dialect file it read changes, until SIGINT, SIGTERM or
 * SIGHUP, which end the watch with exit status 0.
 *
 * Changes are seen with inotify on the directories of the files (editors
 * save by writing a new file and renaming it over the old one, which a
 * watch on the file itself would lose), and on each directory of
 * VYRE_DIALECT_PATH, where a new *.yaml is a new dialect file.  A burst of
 * events (one save is often several) gives one rebuild.
 *
 * The dialect registry is reloaded through the snapshot install of SPEC
 * §2.2: when the dialects a build loaded differ from those of the
 * installed snapshot (a dialect file was edited, added or removed), the
 * build's registry is installed with vy_registry_install and the status
 * line reports what vy_registry_current() now holds.  An installed
 * snapshot is kept, with the arena its extern ops live in, until the
 * watch ends (readers may hold it: the contract of registry.c).
 *
 * The signals stay blocked while a build runs, so a build is never cut
 * short (output.c removes its temporaries itself); ppoll unblocks them
 * while waiting.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd_common.h"


static volatile sig_atomic_t stop;

static void on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

static const int stop_sigs[] = { SIGINT, SIGTERM, SIGHUP };

/* The files to watch: paths as read, their directories and base names. */
struct files {
	int n, cap;
	char **path;
};

static void files_add(struct files *f, const char *path)
{
	for (int i = 0; i < f->n; i++)
		if (!strcmp(f->path[i], path))
			return;
	if (f->n == f->cap) {
		f->cap = f->cap ? 2 * f->cap : 8;
		f->path = vy_xrealloc(f->path, sizeof *f->path * (size_t)f->cap, "the watched files");
	}
	f->path[f->n++] = vy_strf("%s", path);
}

static void files_free(struct files *f)
{
	for (int i = 0; i < f->n; i++)
		free(f->path[i]);
	free(f->path);
	memset(f, 0, sizeof *f);
}

static char *dir_of(const char *path)
{
	const char *s = strrchr(path, '/');
	if (!s)
		return vy_strf(".");
	if (s == path)
		return vy_strf("/");
	return vy_strf("%.*s", (int)(s - path), path);
}

static const char *base_of(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

/* A hash of the dialects a compilation loaded: name, version, text. */
static unsigned long long dialects_sig(const struct vy_dialect_set *set)
{
	unsigned long long h = 1469598103934665603ull;
	for (int i = 0; i < set->n; i++) {
		const struct vy_dialect *d = set->v[i];
		const char *parts[] = { d->name, d->version };
		for (int k = 0; k < 2; k++)
			for (const char *p = parts[k] ? parts[k] : ""; *p; p++)
				h = (h ^ (unsigned char)*p) * 1099511628211ull;
		h = (h ^ 0xff) * 1099511628211ull;
		if (d->src)
			for (size_t j = 0; j < d->src->len; j++)
				h = (h ^ (unsigned char)d->src->text[j]) * 1099511628211ull;
	}
	return h ^ (unsigned long long)set->n;
}

/* Wait for a change to one of the files (or a *.yaml in a directory of
 * VYRE_DIALECT_PATH): 1; 0 when a stop signal came; -1 when inotify
 * cannot be used (reported). */
static int wait_change(const struct files *f, const sigset_t *orig)
{
	int fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (fd < 0) {
		fprintf(stderr, "vyrec: --watch: inotify: %s\nFix: raise fs.inotify.max_user_instances, or build without --watch\n",
			strerror(errno));
		return -1;
	}
	const uint32_t mask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE |
			      IN_MOVED_FROM | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF;
	struct wdir { int wd; char *dir; bool any_yaml; } w[256];
	int nw = 0;
	for (int i = 0; i < f->n && nw < 256; i++) {
		char *d = dir_of(f->path[i]);
		int wd = inotify_add_watch(fd, d, mask);
		if (wd < 0) {
			free(d);
			continue;
		}
		w[nw++] = (struct wdir){ wd, d, false };
	}
	const char *vp = getenv("VYRE_DIALECT_PATH");
	char *list = vp ? vy_strf("%s", vp) : NULL;
	for (char *save = NULL, *d = list ? strtok_r(list, ":", &save) : NULL; d && nw < 256;
	     d = strtok_r(NULL, ":", &save)) {
		int wd = *d ? inotify_add_watch(fd, d, mask) : -1;
		if (wd >= 0)
			w[nw++] = (struct wdir){ wd, vy_strf("%s", d), true };
	}
	free(list);
	bool changed = false, quiet_wait = false;
	struct pollfd p = { fd, POLLIN, 0 };
	while (!stop) {
		/* after the first relevant event, wait until the burst ends */
		struct timespec t = { 0, 150 * 1000000L }, *tp = quiet_wait ? &t : NULL;
		int r = ppoll(&p, 1, tp, orig);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break;
		if (r == 0) {   /* the burst is over */
			changed = true;
			break;
		}
		char buf[16384] __attribute__((aligned(__alignof__(struct inotify_event))));
		ssize_t n;
		while ((n = read(fd, buf, sizeof buf)) > 0)
			for (char *q = buf; q < buf + n;) {
				const struct inotify_event *ev = (const void *)q;
				q += sizeof *ev + ev->len;
				const char *name = ev->len ? ev->name : "";
				for (int k = 0; k < nw; k++) {
					if (w[k].wd != ev->wd)
						continue;
					size_t ln = strlen(name);
					if (w[k].any_yaml && ln > 5 && !strcmp(name + ln - 5, ".yaml"))
						quiet_wait = true;
					for (int i = 0; i < f->n; i++) {
						char *d = dir_of(f->path[i]);
						if (!strcmp(d, w[k].dir) && !strcmp(base_of(f->path[i]), name))
							quiet_wait = true;
						free(d);
					}
					if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF))
						quiet_wait = true;
				}
			}
	}
	for (int k = 0; k < nw; k++)
		free(w[k].dir);
	close(fd);
	return changed && !stop ? 1 : 0;
}

int vy_watch(const char *cmd, struct vy_cli_compile *o,
	     int (*step)(void *arg, struct vy_compilation *c), void *arg)
{
	sigset_t block, orig;
	sigemptyset(&block);
	for (int i = 0; i < 3; i++)
		sigaddset(&block, stop_sigs[i]);
	sigprocmask(SIG_BLOCK, &block, &orig);
	struct sigaction sa = { 0 };
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	for (int i = 0; i < 3; i++)
		sigaction(stop_sigs[i], &sa, NULL);
	struct vy_arena **kept = NULL;   /* the arenas of installed snapshots */
	int nkept = 0;
	unsigned long long installed_sig = 0;
	bool have_installed = false;
	struct files f = { 0 };
	files_add(&f, o->prog);
	int last_nfiles = -1;
	bool text = vy_cli_diag_format == VY_DIAG_TEXT;
	int rc = VY_EXIT_OK;
	for (int round = 0; !stop; round++) {
		struct vy_compilation c;
		bool ok = vy_cli_compile(o, &c);
		int r = ok ? (step ? step(arg, &c) : 0) : VY_EXIT_PROGRAM;
		/* the files it read: the program and every dialect file; a
		 * failed build keeps watching what the last one read */
		for (int i = 0; i < c.dialects.nfiles; i++)
			files_add(&f, c.dialects.files[i]);
		if (ok && c.reg && (!have_installed || dialects_sig(&c.dialects) != installed_sig)) {
			if (vy_registry_install(c.reg)) {
				installed_sig = dialects_sig(&c.dialects);
				kept = vy_xrealloc(kept, sizeof *kept * (size_t)(nkept + 1), "the watch");
				kept[nkept++] = c.arena;
				c.arena = NULL;   /* its extern ops stay: the snapshot points at them */
				c.reg = NULL;
				const struct vy_registry *cur = vy_registry_current();
				if (have_installed && text) {
					fprintf(stderr, "%s: dialects reloaded: %d ops", cmd, vy_registry_count(cur));
					for (int i = 0; i < c.dialects.n; i++)
						fprintf(stderr, "%s %s %s", i ? "," : ";", c.dialects.v[i]->name,
							c.dialects.v[i]->version);
					fputc('\n', stderr);
				}
				have_installed = true;
			}
		}
		int nerr = c.diags.nerrors;
		vy_compilation_free(&c);
		vy_cli_finish(0);   /* JSON: this build's array */
		if (text) {
			if (r == 0)
				fprintf(stderr, "%s: %s: ok\n", cmd, o->prog);
			else if (nerr)
				fprintf(stderr, "%s: %s: %d error%s\n", cmd, o->prog, nerr, nerr == 1 ? "" : "s");
			else
				fprintf(stderr, "%s: %s: failed (exit %d)\n", cmd, o->prog, r);
			if (f.n != last_nfiles)
				fprintf(stderr, "%s: watching %d file%s for changes (Ctrl-C stops)\n",
					cmd, f.n, f.n == 1 ? "" : "s");
		}
		last_nfiles = f.n;
		fflush(stderr);
		int w = wait_change(&f, &orig);
		if (w <= 0) {
			rc = w < 0 ? VY_EXIT_PROGRAM : VY_EXIT_OK;
			break;
		}
	}
	files_free(&f);
	vy_registry_shutdown();
	for (int i = 0; i < nkept; i++)
		vy_arena_free(kept[i]);
	free(kept);
	sigprocmask(SIG_SETMASK, &orig, NULL);
	return rc;
}
