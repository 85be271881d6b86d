/*
 * cmd_targets.c: `vyrec targets`: the AOT emitter registry as a table or
 * JSON.
 */
#include <string.h>

#include "cli.h"

int vy_cmd_targets(int argc, char **argv)
{
	bool json = false;
	for (int i = 1; i < argc;) {
		const char *v;
		int id = vy_opt_next("targets", argc, argv, &i, &v);
		if (id == VY_O_BAD)
			return VY_EXIT_USAGE;
		if (id == VY_O_ARG)
			return vy_usage_error("targets", "unknown argument '%s'", v);
		if (id != VY_O_JSON)
			vy_bug("option %d of the table is not handled", id);
		json = true;
	}
	if (json)
		fputs("[", stdout);
	for (int i = 0; vy_emitters[i]; i++) {
		const struct vy_aot_emitter *e = vy_emitters[i];
		if (json) {
			printf("%s\n {\"id\": \"%s\", \"aliases\": [", i ? "," : "", e->id);
			for (int j = 0; e->aliases && e->aliases[j]; j++)
				printf("%s\"%s\"", j ? ", " : "", e->aliases[j]);
			printf("], \"extension\": \"%s\", \"summary\": \"%s\"}", e->ext, e->summary);
			continue;
		}
		char al[128] = "";
		for (int j = 0; e->aliases && e->aliases[j]; j++) {
			if (j)
				strcat(al, ",");
			strncat(al, e->aliases[j], sizeof al - strlen(al) - 2);
		}
		printf("%-10s %-28s %-7s %s\n", e->id, al, e->ext, e->summary);
	}
	if (json)
		fputs("\n]\n", stdout);
	return 0;
}
