/*
 * ast_kernels.h: the loader's part for SPEC §10.5, included once by
 * ast_build.c (it uses that file's static helpers): `kernels:`,
 * `pipeline:` and the split of each kernel at its grid barriers into
 * parts, each a struct vy_program of its own that shares the program's
 * params and buffers.  A 1.0 program is one part, itself.
 *
 * Decisions: a local of an earlier part that a later part names is an
 * error unless it is a top-level `let` whose value reads only params,
 * builtins, len() and such lets: that one is copied to the start of the
 * later part (recomputed).  A program without `kernels:` is one kernel
 * named after the program; a grid barrier in it makes it several parts.
 */
#ifndef VY_AST_KERNELS_H
#define VY_AST_KERNELS_H

struct kernel_ref {
	const char *name;
	int first, nparts;      /* its parts in p->parts */
};

struct kinfo {
	int n;
	struct kernel_ref *v;
	const char **names;
};

/* A copy of an unresolved expression (the resolver rewrites in place, so
 * a part never shares a node with another). */
static struct vy_expr *copy_expr(struct vy_arena *a, const struct vy_expr *e)
{
	if (!e)
		return NULL;
	struct vy_expr *c = vy_alloc(a, sizeof *c);
	*c = *e;
	if (e->nargs > 0) {
		c->args = vy_alloc(a, (size_t)e->nargs * sizeof *c->args);
		for (int i = 0; i < e->nargs; i++)
			c->args[i] = copy_expr(a, e->args[i]);
	}
	return c;
}

static void kernels_mixed(struct ld *L, const struct vy_ynode *root,
			  const struct vy_ynode *const *v)
{
	static const int keys[] = { K_WGSIZE, K_SHARED, K_DISPATCH, K_ENTRY };
	for (int i = 0; i < 4; i++)
		if (v[keys[i]])
			err(L, key_of(root, top_keys[keys[i]]),
			    vy_fmt(L->a, "move '%s' into each kernel under 'kernels:'",
				   top_keys[keys[i]]),
			    "'kernels' replaces the top-level '%s'", top_keys[keys[i]]);
}

/* ---- locals across grid barriers ---- */

struct cross {
	struct ld *L;
	const struct vy_program *p;
	int n;                  /* earlier parts' top-level locals */
	const struct vy_stmt **decl;
	bool *recompute, *needed, *reported;
	const char **own;       /* names the later part declares itself */
	int nown;
};

/* The local a name reads: a vector's swizzle v.xy reads v. */
static const char *local_of(struct ld *L, const char *name)
{
	int axis;
	const char *dot = strchr(name, '.');
	if (!dot || vy_builtin_find(name, &axis) >= 0)
		return name;
	return vy_strndup(L->a, name, (size_t)(dot - name));
}

static int cross_find(const struct cross *c, const char *name)
{
	for (int i = c->n - 1; i >= 0; i--)
		if (!strcmp(c->decl[i]->name, name))
			return i;
	return -1;
}

static bool cross_own(const struct cross *c, const char *name)
{
	for (int i = 0; i < c->nown; i++)
		if (!strcmp(c->own[i], name))
			return true;
	return false;
}

/* Whether e reads only params, builtins, len() and recomputable lets. */
static bool uniform_expr(const struct cross *c, const struct vy_expr *e)
{
	if (!e)
		return true;
	if (e->kind == VY_E_INDEX)
		return false;
	if (e->kind == VY_E_CALL && e->name && !strncmp(e->name, "atomic.", 7))
		return false;
	if (e->kind == VY_E_NAME) {
		const struct vy_program *p = c->p;
		for (int i = 0; i < p->nparams; i++)
			if (!strcmp(p->params[i].name, e->name))
				return true;
		for (int i = 0; i < p->nbuffers; i++)
			if (!strcmp(p->buffers[i].name, e->name))
				return true;
		int axis;
		if (vy_builtin_find(e->name, &axis) >= 0)
			return true;
		int l = cross_find(c, local_of(c->L, e->name));
		return l >= 0 && c->recompute[l];
	}
	for (int i = 0; i < e->nargs; i++)
		if (!uniform_expr(c, e->args[i]))
			return false;
	return true;
}

static void cross_use(struct cross *c, const char *name, struct vy_loc loc)
{
	name = local_of(c->L, name);
	if (cross_own(c, name))
		return;
	int l = cross_find(c, name);
	if (l < 0)
		return;
	if (c->recompute[l]) {
		c->needed[l] = true;
		return;
	}
	if (c->reported[l])
		return;
	c->reported[l] = true;
	vy_error(c->L->d, loc, vy_fmt(c->L->a, "store '%s' to a buffer before the grid "
				      "barrier and load it after it (only a let of "
				      "builtins and params is recomputed)", name),
		 "local '%s' crosses a grid barrier", name);
}

static void cross_expr(struct cross *c, const struct vy_expr *e)
{
	if (!e)
		return;
	if (e->kind == VY_E_NAME)
		cross_use(c, e->name, e->loc);
	for (int i = 0; i < e->nargs; i++)
		cross_expr(c, e->args[i]);
}

static void own_block(struct cross *c, const struct vy_block *b)
{
	for (int i = 0; i < b->n; i++) {
		const struct vy_stmt *s = b->v[i];
		if ((s->kind == VY_S_LET || s->kind == VY_S_VAR || s->kind == VY_S_FOR) && s->name)
			c->own[c->nown++] = s->name;
		own_block(c, &s->body);
		own_block(c, &s->els);
	}
}

static int count_block(const struct vy_block *b)
{
	int n = b->n;
	for (int i = 0; i < b->n; i++)
		n += count_block(&b->v[i]->body) + count_block(&b->v[i]->els);
	return n;
}

static void cross_block(struct cross *c, const struct vy_block *b)
{
	for (int i = 0; i < b->n; i++) {
		const struct vy_stmt *s = b->v[i];
		if (s->kind == VY_S_ASSIGN && s->name)
			cross_use(c, s->name, s->name_loc);
		cross_expr(c, s->index);
		cross_expr(c, s->value);
		cross_expr(c, s->lo);
		cross_expr(c, s->hi);
		cross_expr(c, s->step);
		cross_block(c, &s->body);
		cross_block(c, &s->els);
	}
}

/* Part q (statements after a grid barrier) names the top-level locals of
 * the parts before it, decl[0, n): the recomputable ones it needs are
 * copied to its start, any other is an error. */
static void cross_part(struct ld *L, struct vy_program *q,
		       const struct vy_stmt **decl, int n)
{
	struct cross c = { .L = L, .p = q, .n = n, .decl = decl };
	c.recompute = vy_alloc(L->a, (size_t)n + 1);
	c.needed = vy_alloc(L->a, (size_t)n + 1);
	c.reported = vy_alloc(L->a, (size_t)n + 1);
	c.own = vy_alloc(L->a, ((size_t)count_block(&q->entry) + 1) * sizeof *c.own);
	own_block(&c, &q->entry);
	for (int i = 0; i < n; i++) {
		c.n = i;   /* a let sees only the locals before it */
		c.recompute[i] = decl[i]->kind == VY_S_LET && uniform_expr(&c, decl[i]->value);
	}
	c.n = n;
	cross_block(&c, &q->entry);
	/* what the needed lets read is needed too (recomputable by then) */
	for (int i = n - 1; i >= 0; i--)
		if (c.needed[i]) {
			struct cross d = c;
			d.n = i;
			d.nown = 0;
			cross_expr(&d, decl[i]->value);
		}
	int k = 0;
	for (int i = 0; i < n; i++)
		k += c.needed[i];
	if (!k)
		return;
	struct vy_stmt **v = vy_alloc(L->a, (size_t)(q->entry.n + k) * sizeof *v);
	int m = 0;
	for (int i = 0; i < n; i++)
		if (c.needed[i]) {
			struct vy_stmt *s = vy_alloc(L->a, sizeof *s);
			*s = *decl[i];
			s->value = copy_expr(L->a, decl[i]->value);
			v[m++] = s;
		}
	memcpy(v + m, q->entry.v, (size_t)q->entry.n * sizeof *v);
	q->entry.v = v;
	q->entry.n += k;
}

/* ---- parts ---- */

static void add_part(struct ld *L, struct vy_program *q)
{
	struct vy_program *p = L->p;
	struct vy_program **v = vy_alloc(L->a, (size_t)(p->nparts + 1) * sizeof *v);
	if (p->nparts)
		memcpy(v, p->parts, (size_t)p->nparts * sizeof *v);
	v[p->nparts] = q;
	q->part = p->nparts++;
	p->parts = v;
}

/* Split kernel k (program kp, its entry loaded) at its grid barriers into
 * parts appended to L->p->parts. */
static void split_kernel(struct ld *L, struct vy_program *kp, const char *name,
			 struct kernel_ref *ref)
{
	ref->name = name;
	ref->first = L->p->nparts;
	struct vy_block all = kp->entry;
	const struct vy_stmt **decl = vy_alloc(L->a, ((size_t)all.n + 1) * sizeof *decl);
	int ndecl = 0, start = 0, cut = 0;
	struct vy_program *q = kp;
	for (int i = 0; i <= all.n; i++) {
		bool end = i == all.n;
		if (!end && !(all.v[i]->kind == VY_S_BARRIER && all.v[i]->name == grid_marker))
			continue;
		q->entry = (struct vy_block){ i - start, all.v + start };
		q->kernel = name;
		q->entry_point = cut ? vy_fmt(L->a, "%s_%d", name, cut) : name;
		if (cut)
			cross_part(L, q, decl, ndecl);
		add_part(L, q);
		for (int j = start; j < i; j++)
			if ((all.v[j]->kind == VY_S_LET || all.v[j]->kind == VY_S_VAR) && all.v[j]->name)
				decl[ndecl++] = all.v[j];
		if (end)
			break;
		/* the next part: the kernel's settings, its own expressions */
		struct vy_program *n = vy_alloc(L->a, sizeof *n);
		*n = *kp;
		for (int a = 0; a < kp->ndispatch; a++)
			n->dispatch[a] = copy_expr(L->a, kp->dispatch[a]);
		n->shared = vy_alloc(L->a, (size_t)kp->nshared * sizeof *n->shared + 1);
		for (int s = 0; s < kp->nshared; s++) {
			n->shared[s] = kp->shared[s];
			n->shared[s].count_expr = copy_expr(L->a, kp->shared[s].count_expr);
		}
		n->nparts = 0;
		n->parts = NULL;
		q = n;
		start = i + 1;
		cut++;
	}
	ref->nparts = L->p->nparts - ref->first;
}

/* ---- pipeline ---- */

static int find_kernel(const struct kinfo *K, const char *s)
{
	for (int i = 0; i < K->n; i++)
		if (!strcmp(K->v[i].name, s))
			return i;
	return -1;
}

static void load_pipe_list(struct ld *L, const struct vy_ynode *y,
			   const struct kinfo *K, struct vy_pipe **out, int *nout);

static int pipe_count(const struct kinfo *K, const struct vy_ynode *y)
{
	int n = 0;
	for (int i = 0; i < y->n; i++) {
		const struct vy_ynode *it = y->kids[i];
		int k = it->kind == VY_Y_SCALAR && it->s ? find_kernel(K, it->s) : -1;
		n += k >= 0 ? K->v[k].nparts : 1;
	}
	return n;
}

static void load_pipe_block(struct ld *L, const struct vy_ynode *m,
			    const struct kinfo *K, struct vy_pipe *st)
{
	static const char *const keys[] = { "repeat", "for", "do", NULL };
	const struct vy_ynode *v[3];
	vy_ykeys(L->a, m, keys, v, "a pipeline block", L->src, L->d);
	st->loc = vy_yloc(m, L->src);
	if (v[0] && v[1]) {
		err(L, m, "write each block as its own list item",
		    "a pipeline block has both 'repeat' and 'for'");
		return;
	}
	if (!v[0] && !v[1]) {
		err(L, m, "start the block with 'repeat: COUNT' or 'for: k in A..B'",
		    "a pipeline block needs 'repeat' or 'for'");
		return;
	}
	if (v[0]) {
		st->kind = VY_PIPE_REPEAT;
		st->loc = vy_yloc(key_of(m, "repeat"), L->src);
		st->count = load_expr(L, v[0], "'repeat'");
		st->text = keep(L, v[0]);
	} else {
		st->kind = VY_PIPE_FOR;
		st->loc = vy_yloc(key_of(m, "for"), L->src);
		st->param = -1;
		if (want_scalar(L, v[1], "the 'for' header", "'NAME in LO..HI'")) {
			struct vy_stmt s = {0};
			st->text = keep(L, v[1]);
			if (vy_parse_for(L->a, v[1]->s, v[1]->len, textloc(L, v[1]), &s, L->d)) {
				st->lo = s.lo;
				st->hi = s.hi;
				for (int i = 0; i < L->p->nparams; i++)
					if (!strcmp(L->p->params[i].name, s.name))
						st->param = i;
				if (st->param < 0 || L->p->params[st->param].type != VY_U32)
					vy_error(L->d, s.name_loc,
						 vy_fmt(L->a, st->param < 0 ?
							"declare it as a param: params: {%s: u32}" :
							"declare '%s' as u32", s.name),
						 st->param < 0 ?
						 "the variable '%s' of a host 'for' must be a u32 param" :
						 "the variable '%s' of a host 'for' must be a u32 param, not %s",
						 s.name, st->param < 0 ? "" :
						 vy_type_name(L->p->params[st->param].type));
			}
		}
	}
	if (!v[2])
		err(L, m, "add 'do:' with a list of kernels", "a pipeline block needs 'do'");
	else
		load_pipe_list(L, v[2], K, &st->body, &st->n);
}

static void load_pipe_list(struct ld *L, const struct vy_ynode *y,
			   const struct kinfo *K, struct vy_pipe **out, int *nout)
{
	if (!want_kind(L, y, VY_Y_SEQ, "a pipeline"))
		return;
	if (++L->depth > VY_MAX_DEPTH) {
		err(L, y, NULL, "the pipeline nests deeper than %d", VY_MAX_DEPTH);
		return;
	}
	struct vy_pipe *v = vy_alloc(L->a, ((size_t)pipe_count(K, y) + 1) * sizeof *v);
	int n = 0;
	for (int i = 0; i < y->n; i++) {
		const struct vy_ynode *it = y->kids[i];
		if (it->kind == VY_Y_MAP) {
			load_pipe_block(L, it, K, &v[n++]);
			continue;
		}
		if (!want_scalar(L, it, "a pipeline step", "a kernel name or a repeat:/for: block"))
			continue;
		int k = find_kernel(K, it->s);
		if (k < 0) {
			const char *near = vy_closest(it->s, K->names, K->n);
			char *list = "";
			for (int j = 0; j < K->n; j++)
				list = vy_fmt(L->a, "%s%s'%s'", list, j ? ", " : "", K->names[j]);
			err(L, it, near ? vy_fmt(L->a, "did you mean '%s'?", near) :
			    vy_fmt(L->a, "the kernels are %s", list),
			    "unknown kernel '%s' in the pipeline", show(L, it));
			continue;
		}
		for (int j = 0; j < K->v[k].nparts; j++)
			v[n++] = (struct vy_pipe){ .kind = VY_PIPE_PART,
						   .part = K->v[k].first + j,
						   .loc = vy_yloc(it, L->src) };
	}
	L->depth--;
	*out = v;
	*nout = n;
}

static void load_pipeline(struct ld *L, const struct vy_ynode *y,
			  const struct kinfo *K)
{
	struct vy_program *p = L->p;
	if (y && y->kind == VY_Y_SEQ && !y->n) {
		err(L, y, "list the kernels to run, or leave 'pipeline' out to run each once",
		    "'pipeline' is empty");
		return;
	}
	if (y) {
		int depth = L->depth;
		L->depth = 0;
		load_pipe_list(L, y, K, &p->pipe, &p->npipe);
		L->depth = depth;
		return;
	}
	if (p->nparts <= 1)
		return;
	p->pipe = vy_alloc(L->a, (size_t)p->nparts * sizeof *p->pipe);
	for (int i = 0; i < p->nparts; i++)
		p->pipe[i] = (struct vy_pipe){ .kind = VY_PIPE_PART, .part = i };
	p->npipe = p->nparts;
}

/* Every part shares what the loader filled in after it was copied. */
static void share_decls(struct vy_program *p)
{
	for (int i = 1; i < p->nparts; i++) {
		struct vy_program *q = p->parts[i];
		q->description = p->description;
		q->has_tolerance = p->has_tolerance;
		q->tol_ulp = p->tol_ulp;
		q->tol_abs = p->tol_abs;
		q->nparts = p->nparts;
		q->parts = p->parts;
		q->npipe = p->npipe;
		q->pipe = p->pipe;
	}
}

/* A program without kernels: one kernel named after it; several parts
 * when it has grid barriers. */
static void load_single(struct ld *L, const struct vy_ynode *pipeline)
{
	struct vy_program *p = L->p;
	bool grid = false;
	for (int i = 0; i < p->entry.n; i++)
		grid |= p->entry.v[i]->kind == VY_S_BARRIER && p->entry.v[i]->name == grid_marker;
	if (!grid && !pipeline) {
		p->nparts = 1;
		p->parts = vy_alloc(L->a, sizeof *p->parts);
		p->parts[0] = p;
		p->kernel = p->name;
		return;
	}
	const char *name = p->name ? p->name : "main";
	struct kinfo K = { 1, vy_alloc(L->a, sizeof *K.v), vy_alloc(L->a, sizeof *K.names) };
	K.names[0] = name;
	split_kernel(L, p, name, &K.v[0]);
	if (!grid) {
		p->entry_point = NULL;   /* one part: the 1.0 entry point */
	}
	load_pipeline(L, pipeline, &K);
	share_decls(p);
}

static void load_kernel(struct ld *L, const struct vy_ynode *k,
			const struct vy_ynode *m, struct vy_program *kp)
{
	static const char *const keys[] = { "workgroup_size", "shared", "dispatch",
					    "entry", NULL };
	const struct vy_ynode *v[4];
	char *what = vy_fmt(L->a, "kernel '%s'", k->s);
	if (!want_kind(L, m, VY_Y_MAP, what))
		return;
	vy_ykeys(L->a, m, keys, v, what, L->src, L->d);
	struct vy_program *root = L->p;
	L->p = kp;
	if (v[0])
		load_wgsize(L, v[0]);
	else
		err(L, k, "add 'workgroup_size: [64]' to the kernel",
		    "kernel '%s' needs 'workgroup_size'", k->s);
	int declared = L->D.n;
	if (v[1])
		load_shared(L, v[1]);
	L->D.n = declared;   /* a kernel's shared arrays are its own */
	if (v[2])
		load_dispatch(L, v[2]);
	if (v[3]) {
		kp->loc_entry = vy_yloc(key_of(m, "entry"), L->src);
		load_block(L, v[3], &kp->entry, "'entry'");
	} else
		err(L, k, "add 'entry:' followed by the list of statements",
		    "kernel '%s' needs 'entry'", k->s);
	L->p = root;
}

static void load_kernels(struct ld *L, const struct vy_ynode *y,
			 const struct vy_ynode *pipeline)
{
	struct vy_program *p = L->p;
	if (!want_kind(L, y, VY_Y_MAP, "'kernels'"))
		return;
	if (!y->n) {
		err(L, y, "name at least one kernel", "'kernels' is empty");
		return;
	}
	/* room in the namespace for each kernel's shared arrays */
	size_t extra = 0;
	for (int i = 1; i < y->n; i += 2)
		if (y->kids[i]->kind == VY_Y_MAP)
			for (int j = 0; j + 1 < y->kids[i]->n; j += 2)
				if (vy_yis(y->kids[i]->kids[j], "shared"))
					extra += (size_t)y->kids[i]->kids[j + 1]->n;
	const struct vy_ynode **names = vy_alloc(L->a, ((size_t)L->D.n + extra + 1) * sizeof *names);
	const char **kinds = vy_alloc(L->a, ((size_t)L->D.n + extra + 1) * sizeof *kinds);
	memcpy(names, L->D.names, (size_t)L->D.n * sizeof *names);
	memcpy(kinds, L->D.kinds, (size_t)L->D.n * sizeof *kinds);
	L->D.names = names;
	L->D.kinds = kinds;
	struct kinfo K = { 0, vy_alloc(L->a, (size_t)y->n * sizeof *K.v + 1),
			   vy_alloc(L->a, (size_t)y->n * sizeof *K.names + 1) };
	struct vy_program base = *p;   /* params and buffers, no kernel yet */
	for (int i = 0; i + 1 < y->n; i += 2) {
		const struct vy_ynode *k = y->kids[i];
		if (k->kind != VY_Y_SCALAR)
			continue;
		if (!vy_is_ident(k->s, k->len) || k->len > 60) {
			err(L, k, "use letters, digits and '_', starting with a letter or '_'",
			    "'%s' is not a valid kernel name", show(L, k));
			continue;
		}
		struct vy_program *kp = p;
		if (K.n) {
			kp = vy_alloc(L->a, sizeof *kp);
			*kp = base;
		}
		load_kernel(L, k, y->kids[i + 1], kp);
		K.names[K.n] = keep(L, k);
		split_kernel(L, kp, K.names[K.n], &K.v[K.n]);
		K.n++;
	}
	/* part names are entry points: one may not be another kernel's name */
	for (int i = 0; i < p->nparts; i++)
		for (int j = 0; j < K.n; j++)
			if (p->parts[i]->part != K.v[j].first &&
			    !strcmp(p->parts[i]->entry_point, K.names[j]))
				vy_error(L->d, p->parts[i]->loc_entry,
					 vy_fmt(L->a, "rename kernel '%s'", K.names[j]),
					 "the part after a grid barrier is named '%s', "
					 "like kernel '%s'", K.names[j], K.names[j]);
	if (p->nparts)
		load_pipeline(L, pipeline, &K);
	share_decls(p);
}

#endif
