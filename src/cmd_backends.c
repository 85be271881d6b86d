/*
 * cmd_backends.c: `vyrec backends [--json]` (SPEC §4): each registered
 * dispatch backend in precedence order with its rank, whether it
 * dispatches, and whether it initialises on this host: the device name,
 * or the factory's error, and the subgroup size its dispatches run at
 * (SPEC §10.4: `subgroup_size`, null where it does not initialise).
 * This is the one command that opens every
 * driver, because finding out is its job.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "json.h"

struct probe {
	const char *id;
	uint32_t rank;
	bool dispatches, ok;
	char *what;    /* device name or error (malloc'd) */
	uint32_t sgsize;   /* the backend's subgroup size; 0 unknown */
};

static struct probe probe(const struct vy_backend_reg *r)
{
	struct probe p = { r->id, vy_backend_rank(r->id),
			   vy_backend_dispatches(r->id), false, NULL };
	char *err = NULL;
	struct vy_backend *b = vy_backend_acquire(r->id, -1, &err);
	if (b) {
		p.ok = true;
		p.what = vy_strf("%s", b->device_name[0] ? b->device_name : r->id);
		p.sgsize = b->subgroup_size;
		vy_backend_release(b);
		free(err);
	} else {
		p.what = err ? err : vy_strf("failed without a message");
	}
	return p;
}

static void print_json(const struct probe *v, int n)
{
	printf("[");
	for (int i = 0; i < n; i++) {
		printf("%s\n  {\"id\": ", i ? "," : "");
		vy_json_fstr(stdout, v[i].id);
		if (v[i].rank == UINT32_MAX)
			printf(", \"rank\": null");
		else
			printf(", \"rank\": %u", v[i].rank);
		printf(", \"dispatches\": %s, \"available\": %s, \"%s\": ",
		       v[i].dispatches ? "true" : "false",
		       v[i].ok ? "true" : "false", v[i].ok ? "device" : "error");
		vy_json_fstr(stdout, v[i].what);
		if (v[i].sgsize)
			printf(", \"subgroup_size\": %u}", v[i].sgsize);
		else
			printf(", \"subgroup_size\": null}");
	}
	printf("%s]\n", n ? "\n" : "");
}

static void print_text(const struct probe *v, int n)
{
	printf("%-10s %10s  %-10s  %s\n", "ID", "RANK", "DISPATCHES", "ON THIS HOST");
	for (int i = 0; i < n; i++) {
		char rank[16];
		if (v[i].rank == UINT32_MAX)
			snprintf(rank, sizeof rank, "none");
		else
			snprintf(rank, sizeof rank, "%u", v[i].rank);
		printf("%-10s %10s  %-10s  %s: %s", v[i].id, rank,
		       v[i].dispatches ? "yes" : "no",
		       v[i].ok ? "ok" : "unavailable", v[i].what);
		if (v[i].sgsize)
			printf(" (subgroup size %u)", v[i].sgsize);
		printf("\n");
	}
}

int vy_cmd_backends(int argc, char **argv)
{
	bool json = false;
	for (int i = 1; i < argc;) {
		const char *v;
		int id = vy_opt_next("backends", argc, argv, &i, &v);
		if (id == VY_O_BAD)
			return VY_EXIT_USAGE;
		if (id == VY_O_ARG)
			return vy_usage_error("backends", "unknown argument '%s'", v);
		if (id != VY_O_JSON)
			vy_bug("option %d of the table is not handled", id);
		json = true;
	}
	int n = vy_backend_count();
	struct probe *v = calloc((size_t)n + 1, sizeof *v);
	for (int i = 0; i < n; i++)
		v[i] = probe(vy_backend_at(i));
	if (json)
		print_json(v, n);
	else
		print_text(v, n);
	for (int i = 0; i < n; i++)
		free(v[i].what);
	free(v);
	return 0;
}
