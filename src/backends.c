/*
 * backends.c: the dispatch-backend registry (SPEC §4).
 *
 * Three separate lists, as in the upstream registry this contract comes
 * from: the registrations (id, factory, supported ops), the precedence
 * ranks (lower wins; a backend that submits none ranks UINT32_MAX) and the
 * capability flags (`dispatches`; none means false).  The process-wide
 * view sorts the registrations by (rank, id) once, under pthread_once, and
 * is read-only afterwards.  The selection policy itself works on an
 * explicit table (backends.h) so the unit tests can drive it with their
 * own registrations.  Factories are the only place a driver is opened, so
 * listing or sorting backends never touches a GPU library.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "backends.h"

/* ---- the frozen registration lists: the one place backends are named ---- */

static const struct vy_backend_reg *const registrations[] = {
	&vy_backend_cuda,
	&vy_backend_vulkan,
	&vy_backend_reference,
};

static const struct vy_backend_rank ranks[] = {
	{ "cuda", 10 },
	{ "vulkan", 20 },
	{ "reference", 900 },
};

static const struct vy_backend_cap caps[] = {
	{ "cuda", true },
	{ "vulkan", true },
	{ "reference", true },
};

#define COUNT(a) ((int)(sizeof a / sizeof *a))

static const struct vy_backend_table table = {
	registrations, COUNT(registrations), ranks, COUNT(ranks),
	caps, COUNT(caps),
};

/* ---- the policy over an explicit table ---- */

bool vy_backend_is_reference(const char *id)
{
	return !strcmp(id, "reference") || !strcmp(id, "cpu-ref");
}

uint32_t vy_backend_table_rank(const struct vy_backend_table *t,
			       const char *id)
{
	for (int i = 0; i < t->nranks; i++)
		if (!strcmp(t->ranks[i].id, id))
			return t->ranks[i].rank;
	return UINT32_MAX;
}

bool vy_backend_table_dispatches(const struct vy_backend_table *t,
				 const char *id)
{
	for (int i = 0; i < t->ncaps; i++)
		if (!strcmp(t->caps[i].id, id))
			return t->caps[i].dispatches;
	return false;
}

static bool sorts_before(const struct vy_backend_table *t,
			 const struct vy_backend_reg *a,
			 const struct vy_backend_reg *b)
{
	uint32_t ra = vy_backend_table_rank(t, a->id);
	uint32_t rb = vy_backend_table_rank(t, b->id);
	return ra != rb ? ra < rb : strcmp(a->id, b->id) < 0;
}

/* Insertion sort: stable, and the lists have a handful of entries. */
int vy_backend_table_sort(const struct vy_backend_table *t,
			  const struct vy_backend_reg **out)
{
	int n = t->nregs < VY_MAX_BACKENDS ? t->nregs : VY_MAX_BACKENDS;
	for (int i = 0; i < n; i++) {
		const struct vy_backend_reg *r = t->regs[i];
		int j = i;
		for (; j > 0 && sorts_before(t, r, out[j - 1]); j--)
			out[j] = out[j - 1];
		out[j] = r;
	}
	return n;
}

/* The registries' one lookup (vy_reg_find, suggest.c). */
static int find(const struct vy_backend_table *t, const char *id,
		const char **near)
{
	const struct vy_reg_head *heads[VY_MAX_BACKENDS];
	int n = t->nregs < VY_MAX_BACKENDS ? t->nregs : VY_MAX_BACKENDS;
	for (int i = 0; i < n; i++)
		heads[i] = &t->regs[i]->head;
	return vy_reg_find(heads, n, id, near);
}

const struct vy_backend_reg *vy_backend_table_find(
	const struct vy_backend_table *t, const char *id)
{
	int i = find(t, id, NULL);
	return i < 0 ? NULL : t->regs[i];
}

/* Run a factory; a factory that fails without a message still gets one. */
static struct vy_backend *make(const struct vy_backend_reg *r, int device,
			       char **err)
{
	*err = NULL;
	struct vy_backend *b = r->factory(device, err);
	if (!b && !*err)
		*err = vy_strf("the %s factory failed without a message. Fix: "
			       "report this as a bug in the %s backend",
			       r->id, r->id);
	if (b) {
		free(*err);
		*err = NULL;
	}
	return b;
}

struct vy_backend *vy_backend_select_id(const struct vy_backend_table *t,
					const char *id, int device,
					char **err)
{
	const char *near = NULL;
	int k = find(t, id, &near);
	if (k >= 0)
		return make(t->regs[k], device, err);
	const struct vy_backend_reg *sorted[VY_MAX_BACKENDS];
	int n = vy_backend_table_sort(t, sorted);
	struct vy_buf b = {0};
	for (int i = 0; i < n; i++)
		vy_buf_printf(&b, "%s%s", i ? ", " : "", sorted[i]->id);
	char *ids = vy_buf_cstr(&b);
	vy_buf_free(&b);
	if (near)
		*err = vy_strf("backend `%s` is not linked into this binary. Fix: "
			       "did you mean `%s`? The registered backend ids "
			       "are: %s.", id, near, ids);
	else
		*err = vy_strf("backend `%s` is not linked into this binary. Fix: "
			       "link the driver that registers this backend or choose "
			       "one of the registered backend ids: %s.", id,
			       n ? ids : "(none)");
	free(ids);
	return NULL;
}

struct vy_backend *vy_backend_select(const struct vy_backend_table *t,
				     int device, char **err)
{
	const struct vy_backend_reg *sorted[VY_MAX_BACKENDS];
	int n = vy_backend_table_sort(t, sorted);
	struct vy_buf fails = {0}, refs = {0};
	struct vy_backend *be = NULL;
	for (int i = 0; i < n && !be; i++) {
		const struct vy_backend_reg *r = sorted[i];
		if (!vy_backend_table_dispatches(t, r->id))
			continue;
		if (vy_backend_is_reference(r->id)) {
			vy_buf_printf(&refs, "%s%s", refs.len ? ", " : "", r->id);
			continue;
		}
		char *e;
		be = make(r, device, &e);
		if (!be) {
			/* a message that already names its backend keeps
			 * just that one prefix */
			size_t n = strlen(r->id);
			bool named = !strncmp(e, r->id, n) && e[n] == ':';
			vy_buf_printf(&fails, "%s%s%s%s", fails.len ? "; " : "",
				      named ? "" : r->id, named ? "" : ": ", e);
			free(e);
		}
	}
	if (!be) {
		char *f = vy_buf_cstr(&fails), *rs = vy_buf_cstr(&refs);
		char *detail = fails.len ? vy_strf("%s", f) : refs.len ?
			vy_strf("only reference oracle backend(s) were "
				"available: %s", rs) :
			vy_strf("no dispatch-capable backend is linked into "
				"this binary");
		*err = vy_strf("no usable GPU dispatch backend is available "
			       "(%s). Fix: install or repair a GPU driver "
			       "(libcuda.so.1, or libvulkan.so.1 with an ICD "
			       "such as lavapipe) so a GPU backend initialises, "
			       "or choose the CPU reference oracle explicitly "
			       "with --backend reference; it is never selected "
			       "implicitly", detail);
		free(detail);
		free(f);
		free(rs);
	}
	vy_buf_free(&fails);
	vy_buf_free(&refs);
	return be;
}

/* ---- the process-wide view ---- */

static const struct vy_backend_reg *sorted_regs[VY_MAX_BACKENDS];
static int nsorted;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void freeze(void)
{
	nsorted = vy_backend_table_sort(&table, sorted_regs);
}

int vy_backend_count(void)
{
	pthread_once(&once, freeze);
	return nsorted;
}

const struct vy_backend_reg *vy_backend_at(int i)
{
	pthread_once(&once, freeze);
	return i >= 0 && i < nsorted ? sorted_regs[i] : NULL;
}

uint32_t vy_backend_rank(const char *id)
{
	return vy_backend_table_rank(&table, id);
}

bool vy_backend_dispatches(const char *id)
{
	return vy_backend_table_dispatches(&table, id);
}

struct vy_backend *vy_backend_acquire(const char *id, int device, char **err)
{
	return vy_backend_select_id(&table, id, device, err);
}

struct vy_backend *vy_backend_preferred(int device, char **err)
{
	return vy_backend_select(&table, device, err);
}

void vy_backend_release(struct vy_backend *b)
{
	if (b && b->release)
		b->release(b);
}
