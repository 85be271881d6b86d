/*
 * test_registry.c: the threaded test SPEC §2.2 asks of the registry's
 * snapshot install (vy_registry_current / vy_registry_install).
 *
 * Every snapshot a writer builds is self-describing: its ops all carry the
 * generation g (writer w, sequence k) it was built for, and it holds
 * 4 + g % 13 ops with ids "t.opNNN", so a reader can tell a complete
 * snapshot of generation g from anything else.  Readers, meanwhile:
 *
 *   - check every snapshot they load is complete: the count for its
 *     generation, every op of that one generation, ids in order, lookup
 *     finding each op (nobody sees a half-built registry);
 *   - hold one snapshot across thousands of installs and re-check it every
 *     round: same pointer, same generation, still complete (readers holding
 *     a snapshot keep seeing it);
 *   - read the generation a writer published after its install returned,
 *     then load the current snapshot: it is that generation or a later one
 *     of the same writer (new readers see the new one), and per writer the
 *     generations a reader sees never go back.
 *
 * Phase 1: one writer, 5 000 installs, 3 readers.  Phase 2: 3 writers,
 * 2 000 installs each, 3 readers.  Then single-threaded: installing a
 * snapshot twice (now, or after it was retired) is refused and changes
 * nothing, installing the built-in one is refused, vy_registry_free of an
 * installed snapshot does nothing, and vy_registry_shutdown frees each
 * snapshot once (ASan and TSan builds check that).  TEST_REGISTRY_SCALE
 * (default 1) divides the install counts, for slow sanitizer builds.
 *
 * Output: PASS/FAIL lines for t_unit.sh; exit 1 on any failure.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vyrec.h"

#define MAXW 3
#define NREADERS 3
#define MAXOPS 16

struct tdef {
	struct vy_opdef def;     /* first: a vy_opdef * is a struct tdef * */
	unsigned gen;
	char id[16];
};

static atomic_uint published[MAXW];   /* last generation installed, +1 */
static atomic_int writers_running;
static atomic_int failures;
static atomic_ulong loads, holds_checked, holds_stale, published_checked;
static int nwriters, ninstalls;
static unsigned gen_base;   /* generations are unique across phases */

/* all defs ever built, freed at the end (snapshots only point at them) */
static struct tdef **pool;
static size_t npool;
static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;

static unsigned gen_of(unsigned w, unsigned k) { return gen_base + k * MAXW + w; }
static int nops_of(unsigned g) { return 4 + (int)(g % 13); }

static void fail(const char *what, unsigned a, unsigned b)
{
	if (atomic_fetch_add(&failures, 1) < 10)
		fprintf(stderr, "test_registry: %s (%u, %u)\n", what, a, b);
}

static struct vy_registry *build(unsigned g)
{
	int n = nops_of(g);
	struct tdef *t = calloc((size_t)n, sizeof *t);
	const struct vy_opdef *defs[MAXOPS];
	if (!t)
		abort();
	for (int i = 0; i < n; i++) {
		/* built in reverse order, so the snapshot's sort matters */
		int j = n - 1 - i;
		snprintf(t[i].id, sizeof t[i].id, "t.op%03d", j);
		t[i].def.id = t[i].id;
		t[i].def.dialect = "t";
		t[i].def.name = t[i].id + 2;
		t[i].def.registrant = "test_registry";
		t[i].gen = g;
		defs[i] = &t[i].def;
	}
	char *err = NULL;
	struct vy_registry *r = vy_registry_build(defs, n, &err);
	if (!r) {
		fail("vy_registry_build failed", g, 0);
		free(err);
		free(t);
		return NULL;
	}
	pthread_mutex_lock(&pool_lock);
	pool = realloc(pool, (npool + 1) * sizeof *pool);
	pool[npool++] = t;
	pthread_mutex_unlock(&pool_lock);
	return r;
}

/* The generation of a complete test snapshot; fails and returns UINT_MAX
 * for anything else.  The built-in snapshot (before the first install)
 * returns UINT_MAX - 1. */
static unsigned check_snapshot(const struct vy_registry *r)
{
	if (r == vy_registry_builtin())
		return ~0u - 1;
	int n = vy_registry_count(r);
	const struct vy_opdef *d0 = vy_registry_at(r, 0);
	if (!d0) {
		fail("an empty snapshot", (unsigned)n, 0);
		return ~0u;
	}
	unsigned g = ((const struct tdef *)d0)->gen;
	if (n != nops_of(g)) {
		fail("a snapshot with the wrong number of ops for its generation", (unsigned)n, g);
		return ~0u;
	}
	for (int i = 0; i < n; i++) {
		const struct vy_opdef *d = vy_registry_at(r, i);
		char want[16];
		snprintf(want, sizeof want, "t.op%03d", i);
		if (!d || ((const struct tdef *)d)->gen != g || strcmp(d->id, want) ||
		    vy_registry_lookup(r, want) != d) {
			fail("a snapshot mixing generations or out of order", g, (unsigned)i);
			return ~0u;
		}
	}
	if (vy_registry_at(r, n) || vy_registry_lookup(r, "t.op999"))
		fail("a snapshot with ops past its end", g, (unsigned)n);
	return g;
}

static void *writer(void *arg)
{
	unsigned w = (unsigned)(size_t)arg;
	for (unsigned k = 0; k < (unsigned)ninstalls; k++) {
		unsigned g = gen_of(w, k);
		struct vy_registry *r = build(g);
		if (!r)
			break;
		if (!vy_registry_install(r))
			fail("a fresh snapshot was refused", g, 0);
		atomic_store_explicit(&published[w], g + 1, memory_order_release);
	}
	atomic_fetch_sub(&writers_running, 1);
	return NULL;
}

static void *reader(void *arg)
{
	(void)arg;
	const struct vy_registry *held = NULL;
	unsigned held_gen = 0, round = 0;
	unsigned last[MAXW];
	for (int w = 0; w < MAXW; w++)
		last[w] = 0;   /* last seen generation of writer w, +1 */
	while (atomic_load(&writers_running) > 0) {
		/* a writer's published generation, then the current snapshot */
		unsigned w = round % (unsigned)nwriters;
		unsigned p = atomic_load_explicit(&published[w], memory_order_acquire);
		const struct vy_registry *r = vy_registry_current();
		unsigned g = check_snapshot(r);
		atomic_fetch_add(&loads, 1);
		if (g == ~0u)
			continue;
		if (g == ~0u - 1) {
			if (p)
				fail("the built-in snapshot after an install", p, 0);
		} else {
			unsigned gw = g % MAXW;   /* gen_base is a multiple of MAXW */
			if (g + 1 < last[gw])
				fail("a reader went back to an older snapshot of a writer", g, last[gw] - 1);
			last[gw] = g + 1;
			/* with one writer, what it published is what we see at least */
			if (nwriters == 1 && p && g + 1 < p)
				fail("a new reader saw a snapshot older than the one installed", g, p - 1);
			if (nwriters == 1 && p)
				atomic_fetch_add(&published_checked, 1);
		}
		/* hold one snapshot for a while, re-checking it every round */
		if (!held || round % 4096 == 0) {
			if (g != ~0u - 1) {
				held = r;
				held_gen = g;
			}
		} else if (check_snapshot(held) != held_gen) {
			fail("a held snapshot changed under its reader", held_gen, 0);
		} else {
			atomic_fetch_add(&holds_checked, 1);
			if (held != vy_registry_current())
				atomic_fetch_add(&holds_stale, 1);   /* held across an install */
		}
		round++;
	}
	return NULL;
}

static int phase(int writers, int installs, const char *name)
{
	pthread_t wt[MAXW], rt[NREADERS];
	int f0 = atomic_load(&failures);
	nwriters = writers;
	ninstalls = installs;
	for (int w = 0; w < MAXW; w++)
		atomic_store(&published[w], 0);
	atomic_store(&loads, 0);
	atomic_store(&holds_checked, 0);
	atomic_store(&holds_stale, 0);
	atomic_store(&published_checked, 0);
	atomic_store(&writers_running, writers);
	for (int i = 0; i < NREADERS; i++)
		if (pthread_create(&rt[i], NULL, reader, NULL))
			abort();
	for (int w = 0; w < writers; w++)
		if (pthread_create(&wt[w], NULL, writer, (void *)(size_t)w))
			abort();
	for (int w = 0; w < writers; w++)
		pthread_join(wt[w], NULL);
	for (int i = 0; i < NREADERS; i++)
		pthread_join(rt[i], NULL);
	/* after every writer is done: the current one is some writer's last */
	unsigned g = check_snapshot(vy_registry_current());
	int last_ok = 0;
	for (int w = 0; w < writers; w++)
		if (g == gen_of((unsigned)w, (unsigned)installs - 1))
			last_ok = 1;
	if (!last_ok)
		fail("after the writers, the current snapshot is not one of their last", g, 0);
	gen_base += (unsigned)installs * MAXW;
	int ok = atomic_load(&failures) == f0;
	printf("%s %s (%d writers x %d installs, %d readers: %lu loads, %lu re-checks of a held snapshot, %lu of them after it was replaced%s)\n",
	       ok ? "PASS" : "FAIL", name, writers, installs, NREADERS,
	       atomic_load(&loads), atomic_load(&holds_checked), atomic_load(&holds_stale),
	       writers == 1 ? ", publish order checked" : "");
	if (writers == 1 && atomic_load(&published_checked) == 0)
		printf("FAIL %s_overlap: no reader overlapped the writer\n", name);
	if (atomic_load(&holds_stale) == 0)
		printf("FAIL %s_overlap: no reader held a snapshot across an install\n", name);
	return ok;
}

static void check(int cond, const char *name)
{
	printf("%s %s\n", cond ? "PASS" : "FAIL", name);
	if (!cond)
		atomic_fetch_add(&failures, 1);
}

int main(void)
{
	const char *sc = getenv("TEST_REGISTRY_SCALE");
	int scale = sc && atoi(sc) > 0 ? atoi(sc) : 1;

	/* before any install: the built-in snapshot */
	check(vy_registry_current() == vy_registry_builtin() &&
	      vy_registry_lookup(vy_registry_current(), "math.fma") != NULL,
	      "registry_current_is_builtin_before_install");

	phase(1, 5000 / scale, "registry_snapshot_one_writer");
	phase(MAXW, 2000 / scale, "registry_snapshot_three_writers");

	/* installing one snapshot twice is refused and changes nothing */
	struct vy_registry *a = build(9000), *b = build(9001);
	check(vy_registry_install(a) && vy_registry_current() == a,
	      "registry_install_fresh");
	check(!vy_registry_install(a) && vy_registry_current() == a,
	      "registry_install_twice_refused");
	check(vy_registry_install(b) && vy_registry_current() == b &&
	      !vy_registry_install(a) && vy_registry_current() == b,
	      "registry_install_retired_refused");
	check(!vy_registry_install((struct vy_registry *)vy_registry_builtin()) &&
	      vy_registry_current() == b, "registry_install_builtin_refused");
	vy_registry_free(a);   /* installed: vyrec owns it, this must do nothing */
	vy_registry_free(b);
	check(check_snapshot(a) == 9000 && check_snapshot(b) == 9001,
	      "registry_free_of_installed_is_harmless");
	check(vy_registry_install(NULL) && vy_registry_current() == vy_registry_builtin() &&
	      check_snapshot(b) == 9001, "registry_install_null_is_builtin");

	/* a duplicate id is still refused with SPEC §2.2's message */
	struct vy_opdef d1 = { .id = "t.dup", .registrant = "one" },
			d2 = { .id = "t.dup", .registrant = "two" };
	const struct vy_opdef *dd[2] = { &d1, &d2 };
	char *err = NULL;
	check(!vy_registry_build(dd, 2, &err) && err &&
	      strstr(err, "duplicate op id `t.dup`: first registrant `one`, second registrant `two`"),
	      "registry_duplicate_id_refused");
	free(err);

	/* every snapshot freed once (sanitizers check), then the built-in */
	vy_registry_shutdown();
	check(vy_registry_current() == vy_registry_builtin(), "registry_shutdown_back_to_builtin");
	for (size_t i = 0; i < npool; i++)
		free(pool[i]);
	free(pool);
	return atomic_load(&failures) ? 1 : 0;
}
