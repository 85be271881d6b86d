/*
 * pipeline.c: running a program's pipeline (SPEC §10.5).  The pipeline
 * (kernel parts, repeat: and host for: blocks) is flattened into the list
 * of dispatches it stands for, each with its part and its launch (the
 * host for: variable's value in its params); a backend with a pipeline
 * hook runs the list as one submission (Vulkan: one command buffer), any
 * other dispatches each step in order over the same host buffers.
 */
#include <stdlib.h>
#include <string.h>

#include "launch.h"

#define MAX_STEPS (1u << 20)

struct flat {
	const struct vy_program *p;
	const struct vy_launch *base;
	uint32_t params[2 * VY_MAX_PARAMS];   /* high words at VY_MAX_PARAMS + i */
	struct vy_pipe_dispatch *v;
	size_t n, cap;
	char **err;
};

static int flat_part(struct flat *f, int part)
{
	const struct vy_program *q = f->p->parts[part];
	if (f->n == MAX_STEPS) {
		*f->err = vy_strf("the pipeline has more than %u dispatches. Fix: "
				  "pass params that repeat it less", MAX_STEPS);
		return -1;
	}
	if (f->n == f->cap) {
		f->cap = f->cap ? 2 * f->cap : 16;
		f->v = vy_xrealloc(f->v, f->cap * sizeof *f->v, "the pipeline");
	}
	struct vy_pipe_dispatch *d = &f->v[f->n];
	memset(d, 0, sizeof *d);
	d->part = part;
	memcpy(d->launch.params, f->params, sizeof f->params);
	if (vy_launch_eval(q, &d->launch, f->err))
		return -1;
	for (int i = 0; i < q->nbuffers; i++)
		if (d->launch.counts[i] != f->base->counts[i]) {
			*f->err = vy_strf("buffer '%s' changes its count inside the "
					  "pipeline (%u, not %u). Fix: size buffers with "
					  "params that no host 'for' sets",
					  q->buffers[i].name, d->launch.counts[i],
					  f->base->counts[i]);
			return -1;
		}
	if (vy_launch_check_grid(q, &d->launch, f->err))
		return -1;
	f->n++;
	return 0;
}

static int flat_steps(struct flat *f, const struct vy_pipe *v, int n)
{
	for (int i = 0; i < n; i++) {
		const struct vy_pipe *s = &v[i];
		switch (s->kind) {
		case VY_PIPE_PART:
			if (flat_part(f, s->part))
				return -1;
			break;
		case VY_PIPE_REPEAT: {
			uint32_t k = vy_eval_uniform(f->p, s->count, f->params,
						     f->base->counts);
			for (uint32_t j = 0; j < k; j++)
				if (flat_steps(f, s->body, s->n))
					return -1;
			break;
		}
		case VY_PIPE_FOR: {
			uint32_t lo = vy_eval_uniform(f->p, s->lo, f->params, f->base->counts);
			uint32_t hi = vy_eval_uniform(f->p, s->hi, f->params, f->base->counts);
			uint32_t saved = f->params[s->param];
			for (uint32_t x = lo; x < hi; x++) {
				f->params[s->param] = x;
				if (flat_steps(f, s->body, s->n))
					return -1;
			}
			f->params[s->param] = saved;
			break;
		}
		}
	}
	return 0;
}

int vy_pipeline_flatten(const struct vy_program *p, const struct vy_launch *l,
			struct vy_pipe_dispatch **out, size_t *n, char **err)
{
	struct flat f = { .p = p, .base = l, .err = err };
	memcpy(f.params, l->params, sizeof f.params);
	int rc;
	if (p->npipe)
		rc = flat_steps(&f, p->pipe, p->npipe);
	else
		rc = flat_part(&f, 0);
	if (rc) {
		free(f.v);
		return -1;
	}
	*out = f.v;
	*n = f.n;
	return 0;
}

int vy_dispatch_pipeline(struct vy_backend *b, struct vy_run *r, char **err)
{
	const struct vy_program *p = r->prog;
	if (p->nparts <= 1 && !p->npipe)
		return b->dispatch(b, r, err);
	struct vy_pipe_dispatch *v;
	size_t n;
	if (vy_pipeline_flatten(p, &r->launch, &v, &n, err))
		return -1;
	int rc = 0;
	if (b->pipeline)
		rc = b->pipeline(b, r, v, n, err);
	else
		for (size_t i = 0; i < n && !rc; i++) {
			struct vy_run pr = *r;
			pr.prog = p->parts[v[i].part];
			pr.launch = v[i].launch;
			rc = b->dispatch(b, &pr, err);
		}
	free(v);
	return rc;
}

static bool host_for(const struct vy_pipe *v, int n, int i)
{
	for (int k = 0; k < n; k++)
		if ((v[k].kind == VY_PIPE_FOR && v[k].param == i) ||
		    host_for(v[k].body, v[k].n, i))
			return true;
	return false;
}

bool vy_param_is_host_for(const struct vy_program *p, int i)
{
	return host_for(p->pipe, p->npipe, i);
}
