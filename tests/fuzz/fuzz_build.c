/*
 * fuzz_build.c: the libFuzzer harness past the front end (issue 10 item
 * 8).  The first input byte picks the build configuration, the rest is a
 * program: it is loaded, resolved, verified and optimised as vy_compile
 * does, then built for every target in vy_emitters[] with validation on
 * (spirv-val and glslang in-process), as `vyrec build -t all` does.
 *
 *   bits 0-1  -O level 0, 1, 2; 3 = -O1 with --emit-asm (spv disassembly)
 *   bits 2-3  ptx --arch sm_70, sm_80, sm_90, sm_75
 *   bits 4-5  spv/glsl Vulkan 1.0 .. 1.3
 *   bits 6-7  spv fma mode emulate, f64, KHR; 3 = emulate with --fast-math
 *
 * A crash, a sanitizer report, vy_bug (exit 70 through exit(), which
 * libFuzzer reports as "fuzz target exited") and VY_EMIT_BUG (an emitter
 * whose own output failed validation: exit 70 in vyrec build) all abort.
 * VY_EMIT_REJECT is a legitimate answer.  The reference module must also
 * decode in the VM, and it is run once over small buffers with a step
 * limit.  Seeds: tests/fuzz/seed_build.sh.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vyrec.h"
#include "vm.h"

static char dir[64];
static FILE *devnull;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	strcpy(dir, "/tmp/vyrec-fuzzb-XXXXXX");
	if (!mkdtemp(dir) || chdir(dir) != 0)
		abort();
	unsetenv("VYRE_DIALECT_PATH");
	devnull = fopen("/dev/null", "w");
	return 0;
}

/* Run a decoded reference module once: small grids, capped counts. */
static void run_small(const struct vyvm_module *m)
{
	uint32_t params[VYVM_MAX_PARAMS], counts[VYVM_MAX_BUFFERS], d[3], g[3];
	void *bufs[VYVM_MAX_BUFFERS] = { 0 };
	struct vyvm_opts o;
	char err[256];
	for (int i = 0; i < VYVM_MAX_PARAMS; i++)
		params[i] = (uint32_t)(i * 3 + 2);
	if (vyvm_eval_counts(m, params, counts, err, sizeof err) ||
	    vyvm_eval_dispatch(m, params, counts, d, g, err, sizeof err))
		return;
	if ((uint64_t)g[0] * g[1] * g[2] > 4)
		return;
	for (uint32_t i = 0; i < m->nbuffers; i++) {
		if (counts[i] > 1024)
			counts[i] = 1024;
		uint32_t es = vyvm_type_size(m->buffers[i].type);   /* u8 1 ... f32x4 16 */
		bufs[i] = calloc(counts[i] + 1, es > 4 ? es : 4);
	}
	memset(&o, 0, sizeof o);
	o.flags = VYVM_STRICT;
	o.max_steps = 20000;
	vyvm_run_opts(m, params, bufs, counts, g, &o, err, sizeof err);
	for (uint32_t i = 0; i < m->nbuffers; i++)
		free(bufs[i]);
}

static void build_all(const struct vy_program *p, uint8_t conf)
{
	static const int sms[4] = { 70, 80, 90, 75 };
	struct vy_emit_config c = {
		.opt_level = (conf & 3) == 3 ? 1 : conf & 3,
		.sm = sms[conf >> 2 & 3],
		.vk_minor = conf >> 4 & 3,
		.validate = true,
		.emit_asm = (conf & 3) == 3,
		.fast_math = (conf >> 6) == 3,
		.fma_mode = (conf >> 6) == 3 ? VY_FMA_EMULATE : (enum vy_fma_mode)(conf >> 6),
	};
	for (int i = 0; vy_emitters[i]; i++) {
		const struct vy_aot_emitter *e = vy_emitters[i];
		struct vy_buf out = { 0 };
		char *err = NULL;
		int r = e->emit(p, &c, &out, &err);
		if (r == VY_EMIT_BUG) {
			fprintf(stderr, "fuzz_build: the %s emitter produced invalid output (exit 70 in vyrec build): %s\n",
				e->id, err ? err : "");
			abort();
		}
		if (r != VY_EMIT_OK && r != VY_EMIT_REJECT) {
			fprintf(stderr, "fuzz_build: the %s emitter returned %d\n", e->id, r);
			abort();
		}
		if (r == VY_EMIT_OK && e == &vy_emitter_reference) {
			struct vyvm_module *m;
			char verr[256];
			if (vyvm_decode(out.data, out.len, &m, verr, sizeof verr)) {
				fprintf(stderr, "fuzz_build: the reference emitter's module does not decode: %s\n", verr);
				abort();
			}
			run_small(m);
			vyvm_free(m);
		}
		free(err);
		vy_buf_free(&out);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t conf = data[0];
	size_t n = size - 1;
	char *text = malloc(n + 1);
	memcpy(text, data + 1, n);
	text[n] = 0;
	struct vy_arena *a = vy_arena_new();
	struct vy_diags d = { 0 };
	struct vy_source src = { "fuzz.yaml", text, n };
	struct vy_program *p = vy_load(a, &src, &d);
	if (p && !d.nerrors) {
		struct vy_dialect_set set = { 0 };
		struct vy_registry *r = vy_dialects_registry(a, p, NULL, 0, &set, &d);
		if (r && vy_resolve(p, r, &d) && vy_verify(p, &d)) {
			vy_lower_f16(p);   /* as vy_compile: f16 -> f32 */
			vy_optimize(p, (conf & 3) == 3 ? 1 : conf & 3);
			build_all(p, conf);
		}
		vy_registry_free(r);
	}
	vy_diags_print(&d, devnull, VY_DIAG_TEXT, false);
	vy_diags_free(&d);
	vy_arena_free(a);
	free(text);
	return 0;
}
