/*
 * cargo.c: the Cargo launcher emitter (SPEC §5).  It renders
 * templates/cargo/ with the common data tree of src/launcher.c into a
 * Rust project with no dependencies: Cargo.toml, README.md, manifest.json
 * and Rust sources under src/ with raw FFI (dlopen of libvulkan.so.1 or
 * libcuda.so.1, the driver's types declared by hand), so `cargo build
 * --offline` needs neither an SDK nor the network.  The driver module is chosen by target
 * (templates/cargo/src/gpu_spv.rs or gpu_ptx.rs become src/gpu.rs) and the
 * artifact is written beside it as src/kernel.spv or src/kernel.ptx, which
 * the sources embed with include_bytes!.
 */
#include <ctype.h>
#include <string.h>

#include "launcher.h"

static const char *const cargo_targets[] = { "spv", "ptx", NULL };

/* The driver templates are added by target, not by add_all. */
static bool skip_driver(const char *rel, void *ctx)
{
	(void)ctx;
	return strstr(rel, "/gpu_") != NULL;
}

/* Whether name is snake case, so rustc's crate-name lint stays quiet. */
static bool snake_case(const char *name)
{
	for (const char *s = name; *s; s++)
		if (isupper((unsigned char)*s))
			return false;
	return true;
}

/* What the Rust templates need beyond the shared tree. */
static void data_cargo(struct vy_arena *a, struct vy_tval *root,
		       const struct vy_launcher_request *r)
{
	bool spv = !strcmp(r->target->id, "spv");
	vy_tset_str(a, root, "kernel_file", spv ? "kernel.spv" : "kernel.ptx");
	vy_tset_str(a, root, "driver_lib", spv ? "libvulkan.so.1" : "libcuda.so.1");
	vy_tset_bool(a, root, "snake_name", snake_case(r->name));
}

static int emit_cargo(const struct vy_launcher_request *r,
		      struct vy_launcher_files *out, char **err)
{
	struct vy_arena *a = vy_arena_new();
	int rc = -1;
	bool spv = !strcmp(r->target->id, "spv");
	struct vy_tval *data = vy_launcher_data(a, r, err);
	if (!data)
		goto done;
	data_cargo(a, data, r);
	if (vy_launcher_add_all(r, data, "cargo/", skip_driver, NULL, out, err) ||
	    vy_launcher_add(r, data, spv ? "cargo/src/gpu_spv.rs" :
			    "cargo/src/gpu_ptx.rs", "src/gpu.rs", out, err) ||
	    vy_launcher_add_bytes(out, spv ? "src/kernel.spv" : "src/kernel.ptx",
				  r->kernel, r->kernel_len, err))
		goto done;
	/* spv: the fma variants gpu.rs picks from at load time (the same
	 * bytes as kernel.spv where a variant does not differ) */
	if (spv && (vy_launcher_add_bytes(out, "src/kernel_f64.spv",
			r->kernel_f64 ? r->kernel_f64 : r->kernel,
			r->kernel_f64 ? r->kernel_f64_len : r->kernel_len, err) ||
		    vy_launcher_add_bytes(out, "src/kernel_khr.spv",
			r->kernel_khr ? r->kernel_khr : r->kernel,
			r->kernel_khr ? r->kernel_khr_len : r->kernel_len, err)))
		goto done;
	rc = 0;
done:
	vy_arena_free(a);
	return rc;
}

const struct vy_launcher_emitter vy_launcher_cargo = {
	.lang    = "cargo",
	.targets = cargo_targets,
	.summary = "Rust crate with no dependencies: cargo build --offline, "
		   "dlopen'd driver, raw FFI",
	.emit    = emit_cargo,
};
