/*
 * output.c: the one way vyrec writes an output (SPEC §6, §10.9).
 *
 * A command stages all its outputs in a struct vy_outputs, then commits
 * them together.  Staging a regular (or new) file writes the bytes to a
 * temporary created with O_EXCL under an unpredictable name in the
 * target's directory; staging a device, a FIFO or "-" (standard output)
 * only keeps the bytes, since those are written directly.  A symbolic
 * link is followed and its target replaced; the link stays.  Commit writes
 * the direct outputs first, then renames every temporary over its target,
 * so when anything fails before the renames no output changes.  Live
 * temporaries are listed in a registry that a SIGINT/SIGTERM/SIGHUP
 * handler unlinks before the signal takes its course.  Messages name the
 * user's path, never the temporary.
 *
 * Launcher trees use the *_at variants: everything relative to a
 * directory fd, never following a symbolic link (vy_dir_at), so nothing
 * lands outside the tree.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "vyrec.h"

/* ---- the registry of live temporaries, read by the signal handler ---- */

#define MAXLIVE 1024

static volatile int live_fd[MAXLIVE];
static char *volatile live_name[MAXLIVE];
static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
static struct sigaction old_act[3];
static bool installed;

static void on_signal(int sig)
{
	int e = errno;
	for (int i = 0; i < MAXLIVE; i++) {
		char *n = live_name[i];
		if (n)
			unlinkat(live_fd[i], n, 0);
	}
	for (int i = 0; i < 3; i++)
		if (sigs[i] == sig)
			sigaction(sig, &old_act[i], NULL);
	errno = e;
	raise(sig);
}

/* Install the handler once, leaving ignored signals ignored (nohup). */
static void install(void)
{
	if (installed)
		return;
	installed = true;
	for (int i = 0; i < 3; i++) {
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_signal;
		sigemptyset(&sa.sa_mask);
		for (int j = 0; j < 3; j++)
			sigaddset(&sa.sa_mask, sigs[j]);
		if (sigaction(sigs[i], NULL, &old_act[i]) == 0 &&
		    old_act[i].sa_handler != SIG_IGN)
			sigaction(sigs[i], &sa, NULL);
	}
}

static int live_add(int dfd, char *name)
{
	install();
	for (int i = 0; i < MAXLIVE; i++)
		if (!live_name[i]) {
			live_fd[i] = dfd;
			live_name[i] = name;
			return i;
		}
	return -1;
}

/* Forget slot i; unlink its file too when unlink_it. */
static void live_drop(int i, bool unlink_it)
{
	if (i < 0)
		return;
	char *n = live_name[i];
	live_name[i] = NULL;
	if (unlink_it && n)
		unlinkat(live_fd[i], n, 0);
}

/* ---- staging ---- */

struct vy_staged {
	char *shown;     /* the user's path, for messages */
	char *target;    /* the file replaced (links resolved), under dfd */
	char *tmp;       /* the temporary, under dfd; NULL when direct */
	int dfd;         /* AT_FDCWD or an fd this entry owns */
	int slot;        /* registry slot of tmp */
	struct vy_buf direct;
	bool is_direct, is_stdout;
};

static char *werr(const char *what, const char *shown, int e)
{
	return vy_strf("cannot %s '%s': %s", what, shown, strerror(e));
}

/* Write all n bytes to fd; 0 or -1 with errno. */
static int write_all(int fd, const unsigned char *p, size_t n)
{
	while (n) {
		ssize_t k = write(fd, p, n > (1u << 30) ? 1u << 30 : n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			if (k == 0)
				errno = EIO;
			return -1;
		}
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* Follow symbolic links from path to the file they name (which may not
 * exist yet); *st is its lstat and *exists whether it does. */
static char *resolve(const char *path, struct stat *st, bool *exists, int *e)
{
	char *p = vy_strf("%s", path);
	for (int hops = 0; ; hops++) {
		if (lstat(p, st)) {
			if (errno != ENOENT) {
				*e = errno;
				free(p);
				return NULL;
			}
			*exists = false;
			return p;
		}
		if (!S_ISLNK(st->st_mode)) {
			*exists = true;
			return p;
		}
		if (hops == 40) {
			*e = ELOOP;
			free(p);
			return NULL;
		}
		char t[4096];
		ssize_t k = readlink(p, t, sizeof t - 1);
		if (k < 0) {
			*e = errno;
			free(p);
			return NULL;
		}
		t[k] = 0;
		char *slash = strrchr(p, '/'), *q;
		if (t[0] == '/' || !slash)
			q = vy_strf("%s", t);
		else
			q = vy_strf("%.*s/%s", (int)(slash - p + 1), p, t);
		free(p);
		p = q;
	}
}

/* Create a temporary beside target (under dfd) with O_EXCL and an
 * unpredictable name; its name through *name, its fd returned. */
static int make_temp(int dfd, const char *target, char **name)
{
	static unsigned long counter;
	const char *slash = strrchr(target, '/');
	const char *base = slash ? slash + 1 : target;
	int dirlen = slash ? (int)(slash - target + 1) : 0;
	for (int tries = 0; tries < 100; tries++) {
		uint64_t r = 0;
		if (getrandom(&r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r) {
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			r = ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)ts.tv_sec ^
			    ((uint64_t)getpid() << 40) ^ ++counter * 0x9e3779b97f4a7c15u;
		}
		char id[14];
		for (int i = 0; i < 13; i++, r >>= 5)
			id[i] = "abcdefghijklmnopqrstuvwxyz234567"[r & 31];
		id[13] = 0;
		*name = vy_strf("%.*s.%.64s.%s.tmp", dirlen, target, base, id);
		int fd = openat(dfd, *name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
		if (fd >= 0 || errno != EEXIST)
			return fd;
		free(*name);
		*name = NULL;
	}
	errno = EEXIST;
	return -1;
}

static struct vy_staged *push(struct vy_outputs *s, const char *shown)
{
	if (s->n == s->cap) {
		int cap = s->cap ? s->cap * 2 : 8;
		struct vy_staged *v = realloc(s->v, cap * sizeof *v);
		if (!v)
			vy_bug("out of memory");
		s->v = v;
		s->cap = cap;
	}
	struct vy_staged *o = &s->v[s->n++];
	memset(o, 0, sizeof *o);
	o->shown = vy_strf("%s", shown);
	o->dfd = AT_FDCWD;
	o->slot = -1;
	return o;
}

/* Write the temporary for o (target and dfd set); mode of a replaced
 * file kept. 0 or -1 with *err. */
static int stage_temp(struct vy_staged *o, const struct stat *old,
		      const void *p, size_t n, char **err)
{
	int fd = make_temp(o->dfd, o->target, &o->tmp);
	if (fd < 0) {
		*err = werr("create", o->shown, errno);
		return -1;
	}
	o->slot = live_add(o->dfd, o->tmp);
	if (o->slot < 0) {
		close(fd);
		unlinkat(o->dfd, o->tmp, 0);
		*err = vy_strf("cannot create '%s': more than %d outputs at once", o->shown, MAXLIVE);
		return -1;
	}
	int r = write_all(fd, p, n);
	int e = errno;
	if (!r && old)
		fchmod(fd, old->st_mode & 07777);
	if (close(fd) && !r) {
		r = -1;
		e = errno;
	}
	if (r) {
		*err = werr("write", o->shown, e);
		return -1;
	}
	return 0;
}

static void keep_direct(struct vy_staged *o, const void *p, size_t n)
{
	o->is_direct = true;
	vy_buf_put(&o->direct, p, n);
}

int vy_outputs_add(struct vy_outputs *s, const char *path, const void *p,
		   size_t n, char **err)
{
	struct vy_staged *o = push(s, path);
	if (!strcmp(path, "-")) {
		o->is_stdout = true;
		keep_direct(o, p, n);
		return 0;
	}
	struct stat st;
	bool exists = false;
	int e = 0;
	if (!(o->target = resolve(path, &st, &exists, &e))) {
		*err = werr("write", path, e);
		return -1;
	}
	if (exists && S_ISDIR(st.st_mode)) {
		*err = vy_strf("cannot write '%s': it is a directory", path);
		return -1;
	}
	if (exists && !S_ISREG(st.st_mode)) {
		keep_direct(o, p, n);
		return 0;
	}
	return stage_temp(o, exists ? &st : NULL, p, n, err);
}

int vy_outputs_add_at(struct vy_outputs *s, int dfd, const char *name,
		      const char *shown, const void *p, size_t n, char **err)
{
	struct vy_staged *o = push(s, shown);
	struct stat st;
	bool exists = fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
	if (!exists && errno != ENOENT) {
		*err = werr("write", shown, errno);
		return -1;
	}
	if (exists && S_ISLNK(st.st_mode)) {
		*err = vy_strf("'%s' is a symbolic link; vyrec writes nothing outside the project directory\nFix: remove the link (rm '%s') or generate into another directory", shown, shown);
		return -1;
	}
	if (exists && !S_ISREG(st.st_mode)) {
		*err = vy_strf("cannot write '%s': it is not a regular file\nFix: remove it or generate into another directory", shown);
		return -1;
	}
	if ((o->dfd = fcntl(dfd, F_DUPFD_CLOEXEC, 0)) < 0) {
		o->dfd = AT_FDCWD;
		*err = werr("write", shown, errno);
		return -1;
	}
	o->target = vy_strf("%s", name);
	return stage_temp(o, exists ? &st : NULL, p, n, err);
}

static int write_direct(struct vy_staged *o, char **err)
{
	const unsigned char *p = o->direct.data ? o->direct.data : (const unsigned char *)"";
	if (o->is_stdout) {
		if (fwrite(p, 1, o->direct.len, stdout) != o->direct.len || fflush(stdout)) {
			*err = vy_strf("cannot write standard output: %s", strerror(errno));
			return -1;
		}
		return 0;
	}
	int fd = open(o->target, O_WRONLY | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		*err = werr("open", o->shown, errno);
		return -1;
	}
	int r = write_all(fd, p, o->direct.len);
	int e = errno;
	if (close(fd) && !r) {
		r = -1;
		e = errno;
	}
	if (r)
		*err = werr("write", o->shown, e);
	return r;
}

int vy_outputs_commit(struct vy_outputs *s, char **err)
{
	int r = 0;
	for (int i = 0; !r && i < s->n; i++)
		if (s->v[i].is_direct)
			r = write_direct(&s->v[i], err);
	for (int i = 0; !r && i < s->n; i++) {
		struct vy_staged *o = &s->v[i];
		if (o->is_direct)
			continue;
		if (renameat(o->dfd, o->tmp, o->dfd, o->target)) {
			*err = werr("write", o->shown, errno);
			r = -1;
		} else
			live_drop(o->slot, false), o->slot = -1;
	}
	vy_outputs_free(s);
	return r;
}

void vy_outputs_free(struct vy_outputs *s)
{
	for (int i = 0; i < s->n; i++) {
		struct vy_staged *o = &s->v[i];
		live_drop(o->slot, true);
		if (o->dfd != AT_FDCWD)
			close(o->dfd);
		free(o->shown);
		free(o->target);
		free(o->tmp);
		vy_buf_free(&o->direct);
	}
	free(s->v);
	memset(s, 0, sizeof *s);
}

int vy_write_file(const char *path, const void *p, size_t n, char **err)
{
	struct vy_outputs s = {0};
	if (vy_outputs_add(&s, path, p, n, err)) {
		vy_outputs_free(&s);
		return -1;
	}
	return vy_outputs_commit(&s, err);
}

/* ---- trees: directories under a root fd, never through a link ---- */

int vy_dir_at(int root, const char *rel, const char *shown, bool create,
	      char **err)
{
	int fd = fcntl(root, F_DUPFD_CLOEXEC, 0);
	if (fd < 0) {
		*err = werr("open", shown, errno);
		return -1;
	}
	const char *s = rel;
	char *msg = NULL;
	while (*s) {
		size_t k = strcspn(s, "/");
		char *comp = vy_strf("%.*s", (int)k, s);
		char *here = vy_strf("%s/%.*s", shown, (int)(s - rel + k), rel);
		int sub = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0 && errno == ENOENT && create) {
			if (mkdirat(fd, comp, 0777) && errno != EEXIST)
				msg = werr("create directory", here, errno);
			else
				sub = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		}
		if (sub < 0 && !msg) {
			struct stat st;
			if (fstatat(fd, comp, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
				msg = vy_strf("'%s' is a symbolic link; vyrec writes nothing outside the project directory\nFix: remove the link (rm '%s') or generate into another directory", here, here);
			else if (errno == ENOTDIR || errno == ELOOP)
				msg = vy_strf("cannot create directory '%s': a file of that name is in the way\nFix: remove it or generate into another directory", here);
			else
				msg = werr("open directory", here, errno);
		}
		free(comp);
		free(here);
		close(fd);
		if (sub < 0) {
			*err = msg;
			return -1;
		}
		fd = sub;
		s += k;
		s += *s == '/';
	}
	return fd;
}

/* ---- standard output at exit ---- */

int vy_stdout_finish(int rc)
{
	bool bad = ferror(stdout);
	int e = 0;
	if (fflush(stdout))
		e = errno, bad = true;
	if (fclose(stdout) && !e)
		e = errno, bad = true;
	if (!bad)
		return rc;
	if (e)
		fprintf(stderr, "vyrec: cannot write standard output: %s\n", strerror(e));
	else
		fprintf(stderr, "vyrec: cannot write standard output\n");
	return rc ? rc : VY_EXIT_PROGRAM;
}
