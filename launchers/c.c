/*
 * c.c: the C launcher emitter (SPEC §5, §10.7).  It renders templates/c/
 * with the common data tree of src/launcher.c into a project that builds
 * with make and a C11 compiler alone: the Makefile, the README,
 * manifest.json and the sources, which make libNAME.a (src/NAME.h,
 * src/NAME.c, every symbol prefixed NAME_) and the command line on it.  Files for a driver the target does not use are skipped; the
 * reference target also gets the VM sources vyrec itself is built from
 * (embedded under vm/), so a reference launcher runs exactly vyrec's VM.
 */
#include <string.h>

#include "launcher.h"

static const char *const c_targets[] = { "spv", "ptx", "reference", NULL };

/* Driver files are named for their target: src/drv_spv.c.mustache; the
 * VM's prefixed build (src/vm_lib.c) is the reference target's. */
static bool skip_other_driver(const char *rel, void *ctx)
{
	const char *target = ctx;
	if (strstr(rel, "/vm_lib.c"))
		return strcmp(target, "reference") != 0;
	const char *d = strstr(rel, "/drv_");
	if (!d)
		return false;
	size_t n = strlen(target);
	return strncmp(d + 5, target, n) || d[5 + n] != '.';
}

static int add_vm(const struct vy_launcher_request *r,
		  struct vy_launcher_files *out, char **err)
{
	static const char *const files[][2] = {
		{ "vm/vm.c", "src/vm.c" },
		{ "vm/vm.h", "src/vm.h" },
		{ "vm/vyrec_ops.def", "src/vyrec_ops.def" },
		{ "vm/vyrec_types.def", "src/vyrec_types.def" },
	};
	for (int i = 0; i < (int)(sizeof files / sizeof files[0]); i++)
		if (vy_launcher_add(r, NULL, files[i][0], files[i][1], out, err))
			return -1;
	return 0;
}

/* The generated Makefile's own targets cannot name the program. */
static bool makefile_target(const char *name)
{
	static const char *const targets[] = { "all", "clean", "selftest", "bench", "src",
						"launcher", "program", "prefix", "uniform", "main",
						"vm", "vm_lib", "drv_spv", "drv_ptx", "drv_reference" };
	for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++)
		if (!strcmp(name, targets[i]))
			return true;
	return false;
}

static int emit_c(const struct vy_launcher_request *r,
		  struct vy_launcher_files *out, char **err)
{
	if (makefile_target(r->name)) {
		*err = vy_strf("the name '%s' is taken by the generated project "
			       "(a Makefile target or one of its files). Fix: pass "
			       "--name with another identifier", r->name);
		return -1;
	}
	struct vy_arena *a = vy_arena_new();
	int rc = -1;
	struct vy_tval *data = vy_launcher_data(a, r, err);
	if (data && !vy_launcher_add_all(r, data, "c/", skip_other_driver,
					 (void *)r->target->id, out, err) &&
	    !vy_launcher_add_bytes(out, "manifest.json", r->manifest,
				   strlen(r->manifest), err))
		rc = strcmp(r->target->id, "reference") ? 0 : add_vm(r, out, err);
	vy_arena_free(a);
	return rc;
}

const struct vy_launcher_emitter vy_launcher_c = {
	.lang    = "c",
	.targets = c_targets,
	.summary = "C11 project: Makefile, dlopen'd driver, no SDK needed",
	.emit    = emit_c,
};
