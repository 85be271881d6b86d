/*
 * test_backends.c: the dispatch-backend selection policy (SPEC §4) on
 * explicit tables of test registrations, and the frozen process-wide
 * registry read from several threads.  Prints PASS/FAIL lines.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "backends.h"

static int failures;

static void check(const char *name, bool ok, const char *why)
{
	if (ok)
		printf("PASS %s\n", name);
	else {
		printf("FAIL %s: %s\n", name, why ? why : "assertion failed");
		failures++;
	}
}

static int made[8];   /* factory calls per test backend */

static void release(struct vy_backend *b) { free(b); }

static struct vy_backend *ok_backend(const char *id, int slot)
{
	made[slot]++;
	struct vy_backend *b = calloc(1, sizeof *b);
	b->id = id;
	b->release = release;
	return b;
}

static struct vy_backend *f_gpu_a(int d, char **err) { return ok_backend("gpu_a", 0); }
static struct vy_backend *f_gpu_b(int d, char **err) { return ok_backend("gpu_b", 1); }
static struct vy_backend *f_bad(int d, char **err)
{
	made[2]++;
	*err = vy_strf("driver missing. Fix: install it");
	return NULL;
}
static struct vy_backend *f_bad2(int d, char **err)
{
	made[3]++;
	*err = vy_strf("no device. Fix: plug one in");
	return NULL;
}
static struct vy_backend *f_ref(int d, char **err) { return ok_backend("reference", 4); }
static struct vy_backend *f_silent(int d, char **err) { made[5]++; return NULL; }

static bool all(enum vy_opcode op) { return true; }

static const struct vy_backend_reg r_a = { .id = "gpu_a", .version = "1", .factory = f_gpu_a, .supports = all };
static const struct vy_backend_reg r_b = { .id = "gpu_b", .version = "1", .factory = f_gpu_b, .supports = all };
static const struct vy_backend_reg r_bad = { .id = "bad", .version = "1", .factory = f_bad, .supports = all };
static const struct vy_backend_reg r_bad2 = { .id = "bad2", .version = "1", .factory = f_bad2, .supports = all };
static const struct vy_backend_reg r_ref = { .id = "reference", .version = "1", .factory = f_ref, .supports = all };
static const struct vy_backend_reg r_silent = { .id = "silent", .version = "1", .factory = f_silent, .supports = all };

static bool contains(const char *s, const char *sub)
{
	return s && strstr(s, sub);
}

static void test_unknown_id(void)
{
	const struct vy_backend_reg *regs[] = { &r_b, &r_a };
	struct vy_backend_rank rk[] = { { "gpu_a", 5 }, { "gpu_b", 1 } };
	struct vy_backend_table t = { regs, 2, rk, 2, NULL, 0 };
	char *err = NULL;
	struct vy_backend *b = vy_backend_select_id(&t, "metal", -1, &err);
	check("acquire_unknown_id", !b && err && !strcmp(err,
		"backend `metal` is not linked into this binary. Fix: link the "
		"driver that registers this backend or choose one of the "
		"registered backend ids: gpu_b, gpu_a."), err);
	free(err);
	err = NULL;
	b = vy_backend_select_id(&t, "gpu_a", -1, &err);
	check("acquire_known_id", b && !strcmp(b->id, "gpu_a") && !err, err);
	vy_backend_release(b);
}

static void test_failing_factory(void)
{
	const struct vy_backend_reg *regs[] = { &r_bad, &r_silent };
	struct vy_backend_table t = { regs, 2, NULL, 0, NULL, 0 };
	char *err = NULL;
	struct vy_backend *b = vy_backend_select_id(&t, "bad", -1, &err);
	check("acquire_failing_factory", !b && err &&
	      !strcmp(err, "driver missing. Fix: install it"), err);
	free(err);
	err = NULL;
	b = vy_backend_select_id(&t, "silent", -1, &err);
	check("acquire_silent_factory_gets_message", !b && contains(err, "Fix:"), err);
	free(err);
}

static void test_rank_ties(void)
{
	const struct vy_backend_reg *regs[] = { &r_b, &r_bad, &r_a, &r_ref };
	struct vy_backend_rank rk[] = { { "gpu_b", 7 }, { "gpu_a", 7 },
					{ "bad", 7 } };
	struct vy_backend_table t = { regs, 4, rk, 3, NULL, 0 };
	const struct vy_backend_reg *s[VY_MAX_BACKENDS];
	int n = vy_backend_table_sort(&t, s);
	check("sort_rank_ties_by_id", n == 4 && !strcmp(s[0]->id, "bad") &&
	      !strcmp(s[1]->id, "gpu_a") && !strcmp(s[2]->id, "gpu_b") &&
	      !strcmp(s[3]->id, "reference"), NULL);
	check("missing_rank_is_max",
	      vy_backend_table_rank(&t, "reference") == UINT32_MAX &&
	      vy_backend_table_rank(&t, "gpu_a") == 7, NULL);
	check("missing_cap_does_not_dispatch",
	      !vy_backend_table_dispatches(&t, "gpu_a"), NULL);
}

static void test_preferred(void)
{
	const struct vy_backend_reg *regs[] = { &r_ref, &r_b, &r_bad, &r_a };
	struct vy_backend_rank rk[] = { { "reference", 0 }, { "bad", 1 },
					{ "gpu_a", 2 }, { "gpu_b", 3 } };
	struct vy_backend_cap cp[] = { { "reference", true }, { "bad", true },
				       { "gpu_a", false }, { "gpu_b", true } };
	struct vy_backend_table t = { regs, 4, rk, 4, cp, 4 };
	memset(made, 0, sizeof made);
	char *err = NULL;
	struct vy_backend *b = vy_backend_select(&t, -1, &err);
	check("preferred_skips_failing_and_nondispatching",
	      b && !strcmp(b->id, "gpu_b") && made[2] == 1 && made[0] == 0, err);
	check("preferred_never_picks_reference", made[4] == 0, NULL);
	vy_backend_release(b);
}

static void test_no_backend(void)
{
	const struct vy_backend_reg *regs[] = { &r_ref, &r_bad2, &r_bad };
	struct vy_backend_rank rk[] = { { "bad", 10 }, { "bad2", 20 },
					{ "reference", 900 } };
	struct vy_backend_cap cp[] = { { "reference", true }, { "bad", true },
				       { "bad2", true } };
	struct vy_backend_table t = { regs, 3, rk, 3, cp, 3 };
	char *err = NULL;
	struct vy_backend *b = vy_backend_select(&t, -1, &err);
	check("preferred_joins_errors", !b && contains(err,
		"no usable GPU dispatch backend is available (bad: driver "
		"missing. Fix: install it; bad2: no device. Fix: plug one "
		"in). Fix: "), err);
	free(err);

	const struct vy_backend_reg *only[] = { &r_ref, &r_a };
	struct vy_backend_cap cp2[] = { { "reference", true }, { "gpu_a", false } };
	struct vy_backend_table t2 = { only, 2, rk, 3, cp2, 2 };
	err = NULL;
	memset(made, 0, sizeof made);
	b = vy_backend_select(&t2, -1, &err);
	check("preferred_only_reference", !b && made[4] == 0 && contains(err,
		"(only reference oracle backend(s) were available: reference)"),
	      err);
	free(err);

	struct vy_backend_table t3 = { NULL, 0, NULL, 0, NULL, 0 };
	err = NULL;
	b = vy_backend_select(&t3, -1, &err);
	check("preferred_empty_registry", !b && contains(err,
		"no dispatch-capable backend is linked") && contains(err, "Fix:"),
	      err);
	free(err);
}

/* The frozen registry: the same answers from every thread. */
static void *reader(void *arg)
{
	long bad = 0;
	for (int k = 0; k < 2000; k++) {
		bad += vy_backend_count() != 3;
		bad += strcmp(vy_backend_at(0)->id, "cuda") != 0;
		bad += strcmp(vy_backend_at(1)->id, "vulkan") != 0;
		bad += strcmp(vy_backend_at(2)->id, "reference") != 0;
		bad += vy_backend_at(3) != NULL;
		bad += vy_backend_rank("vulkan") != 20;
		bad += !vy_backend_dispatches("reference");
	}
	return (void *)bad;
}

static void test_global(void)
{
	pthread_t th[8];
	for (int i = 0; i < 8; i++)
		pthread_create(&th[i], NULL, reader, NULL);
	long bad = 0;
	for (int i = 0; i < 8; i++) {
		void *r;
		pthread_join(th[i], &r);
		bad += (long)r;
	}
	check("global_registry_stable_across_threads", bad == 0, NULL);
	check("global_ranks", vy_backend_rank("cuda") == 10 &&
	      vy_backend_rank("reference") == 900 &&
	      vy_backend_rank("metal") == UINT32_MAX &&
	      !vy_backend_dispatches("metal"), NULL);
	char *err = NULL;
	struct vy_backend *b = vy_backend_acquire("metal", -1, &err);
	check("global_acquire_unknown", !b && contains(err,
		"registered backend ids: cuda, vulkan, reference."), err);
	free(err);
}

int main(void)
{
	test_unknown_id();
	test_failing_factory();
	test_rank_ties();
	test_preferred();
	test_no_backend();
	test_global();
	return failures != 0;
}
