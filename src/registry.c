/*
 * registry.c: the dialect registry of SPEC §2.2.  A registry is an
 * immutable snapshot, an array of opdefs sorted by id, built once and then
 * only read.  The process-wide current snapshot is one atomic pointer:
 * readers do an acquire load and keep what they got; install swaps in a
 * complete new snapshot, so nobody ever sees a half-built registry.
 * Retired snapshots are kept until vy_registry_shutdown, so a reader's
 * pointer stays valid however long it holds it.  A snapshot can be
 * installed once: it carries an installed flag, set by an atomic exchange
 * in vy_registry_install, so a second install of it (which would put it on
 * the retired list twice and free it twice) is refused, as is the built-in
 * snapshot, which lives for the whole process; vy_registry_free leaves an
 * installed snapshot alone (vyrec owns it until shutdown).
 * tests/unit/test_registry.c proves this with threads (t_unit.sh, and
 * under ThreadSanitizer with `make check-tsan`).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "vyrec.h"

struct vy_registry {
	int n;
	const struct vy_opdef **v;   /* sorted by id */
	struct vy_registry *retired; /* older snapshots, for shutdown */
	atomic_bool installed;       /* ever installed (or the built-in) */
};

struct keyed { const struct vy_opdef *def; int order; };

static int cmp_keyed(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;
	int c = strcmp(x->def->id, y->def->id);
	return c ? c : x->order - y->order;
}

struct vy_registry *vy_registry_build(const struct vy_opdef *const *defs,
				      int n, char **err)
{
	struct keyed *k = malloc(sizeof *k * (size_t)(n > 0 ? n : 1));
	if (!k)
		vy_bug("out of memory");
	for (int i = 0; i < n; i++)
		k[i] = (struct keyed){ defs[i], i };
	qsort(k, (size_t)n, sizeof *k, cmp_keyed);
	for (int i = 1; i < n; i++)
		if (!strcmp(k[i - 1].def->id, k[i].def->id)) {
			*err = vy_strf("duplicate op id `%s`: first registrant `%s`, second registrant `%s`. Fix: keep one owner for this stable id and rename or remove the conflicting registration.",
				       k[i].def->id, k[i - 1].def->registrant,
				       k[i].def->registrant);
			free(k);
			return NULL;
		}
	struct vy_registry *r = calloc(1, sizeof *r);
	if (!r || !(r->v = malloc(sizeof *r->v * (size_t)(n > 0 ? n : 1))))
		vy_bug("out of memory");
	atomic_init(&r->installed, false);
	r->n = n;
	for (int i = 0; i < n; i++)
		r->v[i] = k[i].def;
	free(k);
	return r;
}

static void free_snapshot(struct vy_registry *r)
{
	free(r->v);
	free(r);
}

void vy_registry_free(struct vy_registry *r)
{
	if (r && !atomic_load(&r->installed))
		free_snapshot(r);
}

static struct vy_registry *builtin;
static pthread_once_t builtin_once = PTHREAD_ONCE_INIT;

static void build_builtin(void)
{
	const struct vy_opdef *defs[VY_OP_COUNT];
	char *err = NULL;
	for (int i = 0; i < VY_OP_COUNT; i++)
		defs[i] = vy_builtin_op((enum vy_opcode)i);
	builtin = vy_registry_build(defs, VY_OP_COUNT, &err);
	if (!builtin)
		vy_bug("%s", err);
	atomic_store(&builtin->installed, true);   /* never installed, never freed */
}

const struct vy_registry *vy_registry_builtin(void)
{
	pthread_once(&builtin_once, build_builtin);
	return builtin;
}

static int cmp_id(const void *key, const void *elem)
{
	return strcmp(key, (*(const struct vy_opdef *const *)elem)->id);
}

const struct vy_opdef *vy_registry_lookup(const struct vy_registry *r,
					  const char *id)
{
	const struct vy_opdef *const *p =
		bsearch(id, r->v, (size_t)r->n, sizeof *r->v, cmp_id);
	return p ? *p : NULL;
}

int vy_registry_count(const struct vy_registry *r)
{
	return r->n;
}

const struct vy_opdef *vy_registry_at(const struct vy_registry *r, int i)
{
	return i >= 0 && i < r->n ? r->v[i] : NULL;
}

static _Atomic(struct vy_registry *) current;
static pthread_mutex_t retire_lock = PTHREAD_MUTEX_INITIALIZER;
static struct vy_registry *retired;

const struct vy_registry *vy_registry_current(void)
{
	struct vy_registry *r = atomic_load_explicit(&current, memory_order_acquire);
	return r ? r : vy_registry_builtin();
}

bool vy_registry_install(struct vy_registry *r)
{
	if (r && atomic_exchange(&r->installed, true))
		return false;   /* installed before, or the built-in */
	struct vy_registry *old =
		atomic_exchange_explicit(&current, r, memory_order_acq_rel);
	if (!old)
		return true;
	pthread_mutex_lock(&retire_lock);
	old->retired = retired;
	retired = old;
	pthread_mutex_unlock(&retire_lock);
	return true;
}

void vy_registry_shutdown(void)
{
	struct vy_registry *r = atomic_exchange(&current, NULL);
	if (r)
		free_snapshot(r);
	pthread_mutex_lock(&retire_lock);
	while (retired) {
		struct vy_registry *next = retired->retired;
		free_snapshot(retired);
		retired = next;
	}
	pthread_mutex_unlock(&retire_lock);
}

const char *vy_registry_suggest(const struct vy_registry *r, const char *id)
{
	const char **ids = malloc(sizeof *ids * (size_t)(r->n > 0 ? r->n : 1));
	if (!ids)
		vy_bug("out of memory");
	for (int i = 0; i < r->n; i++)
		ids[i] = r->v[i]->id;
	const char *best = vy_closest(id, ids, r->n);
	if (!best && !strchr(id, '.')) {   /* "sqrtt" -> "math.sqrt" */
		int n = 0;
		for (int i = 0; i < r->n; i++)
			if (!strcmp(r->v[i]->dialect, "core") || !strcmp(r->v[i]->dialect, "math"))
				ids[n++] = r->v[i]->name;
		const char *name = vy_closest(id, ids, n);
		for (int i = 0; name && i < r->n && !best; i++)
			if (r->v[i]->name == name)
				best = r->v[i]->id;
	}
	free(ids);
	return best;
}

/* An unknown call NAME(...), spelled as the user would call it.  An
 * unqualified name is compared with what an unqualified call can reach:
 * the math functions ("max", not "math.max"), select, len, bitcast and the
 * scalar casts; never core's operator ops (core.lor is written ||), and the
 * atomics ("atomic.max") only when the first argument is an element
 * reference, as atomics need.  A qualified name is compared with the ids
 * of its dialect first, then with every id (atomics as above). */
const char *vy_suggest_call(const struct vy_registry *r, const char *name,
			    bool elemref)
{
	int n = vy_registry_count(r);
	const char **cands = vy_xmalloc(sizeof *cands * (size_t)(2 * n + VY_TYPE_COUNT + 8),
					"suggestions");
	const char **say = vy_xmalloc(sizeof *say * (size_t)(2 * n + VY_TYPE_COUNT + 8),
				      "suggestions");
	int k = 0;
	const char *dot = strchr(name, '.'), *best = NULL;
	if (!dot) {
		static const char *const fns[] = { "select", "len", "bitcast" };
		for (int i = 0; i < 3; i++) {
			cands[k] = say[k] = fns[i];
			k++;
		}
		for (int t = 0; t < VY_TYPE_COUNT; t++)
			if (vy_type_info((enum vy_type)t)->cls == VY_TC_SCALAR) {
				cands[k] = say[k] = vy_type_name((enum vy_type)t);
				k++;
			}
	}
	/* the atomics last: a tie ("maxx" is one edit from math's max and
	 * from atomic.max's max) goes to the plain function */
	for (int i = 0; i < 2 * n; i++) {
		const struct vy_opdef *op = vy_registry_at(r, i % n);
		bool atomic = !strcmp(op->dialect, "atomic");
		if ((atomic && !elemref) || atomic != (i >= n))
			continue;
		if (!dot && !strcmp(op->dialect, "math")) {
			cands[k] = say[k] = op->name;
			k++;
		} else if (!dot && atomic) {
			cands[k] = op->name;   /* add(h[i], 1) -> atomic.add */
			say[k++] = op->id;
			cands[k] = say[k] = op->id;   /* atomicAdd -> atomic.add */
			k++;
		} else if (dot && !strncmp(op->id, name, (size_t)(dot - name) + 1)) {
			cands[k] = say[k] = op->id;
			k++;
		}
	}
	const char *c = vy_closest(name, cands, k);
	if (!c && dot) {   /* a misspelt dialect: every id */
		k = 0;
		for (int i = 0; i < n; i++) {
			const struct vy_opdef *op = vy_registry_at(r, i);
			if (strcmp(op->dialect, "atomic") || elemref) {
				cands[k] = say[k] = op->id;
				k++;
			}
		}
		c = vy_closest(name, cands, k);
	}
	for (int i = 0; c && i < k && !best; i++)
		if (cands[i] == c)
			best = say[i];
	free(cands);
	free(say);
	return best;
}
