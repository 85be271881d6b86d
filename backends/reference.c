/*
 * backends/reference.c: the `reference` dispatch backend.  It compiles the
 * program with the reference emitter (cached per program), decodes the
 * module with the VM's own decoder, exactly as a reference launcher does,
 * and runs it over the caller's host buffers.  Streaming runs the program
 * once per chunk of the streamed buffer (stream.c).  Strict-mode reports
 * become warnings in run->warnings.
 */
#include <stdlib.h>
#include <string.h>

#include "vyrec.h"
#include "launch.h"
#include "stream.h"
#include "vm.h"

struct refmod {
	const struct vy_program *prog;   /* the program mod was built from */
	const void *entry;               /* its entry block, against reuse */
	int nlocals;
	struct vyvm_module *mod;
};

/* The last few programs' modules: a pipeline's parts (SPEC §10.5). */
#define NMODS 16
struct ref {
	struct refmod m[NMODS];
	int next;                        /* the slot a miss takes */
};

/* The decoded module of p, built on first use. */
static struct vyvm_module *module_of(struct ref *rr, const struct vy_program *p,
				     char **err)
{
	struct vy_emit_config cfg = { .opt_level = 1, .validate = true };
	struct vy_buf out = { 0 };
	char msg[512];
	for (int i = 0; i < NMODS; i++) {
		struct refmod *r = &rr->m[i];
		if (r->mod && r->prog == p && r->entry == p->entry.v && r->nlocals == p->nlocals)
			return r->mod;
	}
	struct refmod *r = &rr->m[rr->next];
	rr->next = (rr->next + 1) % NMODS;
	vyvm_free(r->mod);
	r->mod = NULL;
	if (vy_emit(&vy_emitter_reference, p, &cfg, &out, err) != VY_EMIT_OK) {
		vy_buf_free(&out);
		return NULL;
	}
	if (vyvm_decode(out.data, out.len, &r->mod, msg, sizeof msg))
		*err = vy_strf("reference: %s (an internal error)", msg);
	vy_buf_free(&out);
	if (r->mod) {
		r->prog = p;
		r->entry = p->entry.v;
		r->nlocals = p->nlocals;
	}
	return r->mod;
}

static int dispatch(struct vy_backend *b, struct vy_run *run, char **err)
{
	struct ref *r = b->impl;
	struct vyvm_module *m;
	struct vyvm_opts o;
	char msg[1024];
	*err = NULL;
	if (vy_launch_check_grid(run->prog, &run->launch, err) ||
	    !(m = module_of(r, run->prog, err)))
		return -1;
	memset(&o, 0, sizeof o);
	o.flags = run->strict ? VYVM_STRICT : 0;
	if (vyvm_run_opts(m, run->launch.params, run->bufs, run->launch.counts,
			  run->launch.grid, &o, msg, sizeof msg)) {
		*err = vy_strf("reference: %s", msg);
		return -1;
	}
	if (o.nwarnings && run->warnings) {
		snprintf(msg, sizeof msg, " (and %u more)", o.nwarnings - 1);
		vy_warn(run->warnings, (struct vy_loc){ 0 }, NULL, "%s%s", o.warn,
			o.nwarnings > 1 ? msg : "");
	}
	return 0;
}


static void release(struct vy_backend *b)
{
	struct ref *r = b->impl;
	for (int i = 0; r && i < NMODS; i++)
		vyvm_free(r->m[i].mod);
	free(r);
	free(b);
}

static struct vy_backend *factory(int device, char **err)
{
	struct vy_backend *b = calloc(1, sizeof *b);
	struct ref *r = calloc(1, sizeof *r);
	(void)device;
	*err = NULL;
	if (!b || !r)
		vy_oom("the reference backend", sizeof *b + sizeof *r);
	b->id = "reference";
	snprintf(b->device_name, sizeof b->device_name, "vyrec reference VM");
	b->impl = r;
	b->dispatch = dispatch;
	b->stream = vy_backend_stream;
	b->release = release;
	return b;
}

static bool supports(enum vy_opcode op)
{
	return op < VY_OP_COUNT;
}

const struct vy_backend_reg vy_backend_reference = {
	.id = "reference",
	.summary = "the vyrec reference VM on the CPU (the oracle of verify)",
	.version = VY_VERSION,
	.factory = factory,
	.supports = supports,
};
