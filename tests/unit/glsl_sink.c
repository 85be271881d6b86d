/*
 * glsl_sink.c: the glsl emitter on hand-built IR that covers every intrinsic
 * op at every type it takes and every statement form, so the emitter is
 * tested without the front end.  The output must compile with glslang
 * in-process (the emitter's own validation), the emitter must be
 * deterministic, and vy_glslang_compile must return SPIR-V for good text
 * and glslang's log for bad text.  Usage: glsl_sink OUT.comp OUT.spv
 */
#include <stdlib.h>
#include <string.h>
#include "vyrec.h"
#include "glslang_check.h"

static struct vy_arena *A;
static struct vy_program P;

static struct vy_expr *node(enum vy_expr_kind k, enum vy_type t)
{
	struct vy_expr *e = vy_alloc(A, sizeof *e);
	e->kind = k;
	e->type = t;
	return e;
}
static struct vy_expr *cst(enum vy_type t, uint32_t bits)
{
	struct vy_expr *e = node(VY_E_CONST, t);
	e->bits = bits;
	return e;
}
static struct vy_expr *fcst(float f)
{
	uint32_t b;
	memcpy(&b, &f, 4);
	return cst(VY_F32, b);
}
/* buffers: 0 bu u32, 1 bi i32, 2 bf f32 (rw), 3 ro f32 read_only, 4 wo u32 write_only */
static int bufof(enum vy_type t) { return t == VY_U32 ? 0 : t == VY_I32 ? 1 : 2; }
static struct vy_expr *load(enum vy_space sp, int idx, enum vy_type t, struct vy_expr *i)
{
	struct vy_expr *e = node(VY_E_LOAD, t);
	e->space = sp;
	e->index = idx;
	e->nargs = 1;
	e->args = vy_alloc(A, sizeof *e->args);
	e->args[0] = i;
	return e;
}
static struct vy_expr *gidx(void)
{
	struct vy_expr *e = node(VY_E_BUILTIN, VY_U32);
	e->index = VY_B_GID;
	return e;
}
static struct vy_expr *val(enum vy_type t, int k)
{
	if (t == VY_BOOL) {
		struct vy_expr *e = node(VY_E_OP, VY_BOOL);
		e->op = vy_builtin_op(VY_OP_LT);
		e->nargs = 2;
		e->args = vy_alloc(A, 2 * sizeof *e->args);
		e->args[0] = val(VY_U32, k);
		e->args[1] = cst(VY_U32, 7);
		return e;
	}
	return load(VY_SPACE_BUFFER, bufof(t), t, cst(VY_U32, (uint32_t)k));
}
static struct vy_expr *op(enum vy_opcode c, enum vy_type t, int n, struct vy_expr **a)
{
	struct vy_expr *e = node(VY_E_OP, t);
	e->op = vy_builtin_op(c);
	e->nargs = n;
	e->args = vy_alloc(A, n * sizeof *e->args);
	memcpy(e->args, a, n * sizeof *a);
	return e;
}
static struct vy_stmt *stmt(enum vy_stmt_kind k)
{
	struct vy_stmt *s = vy_alloc(A, sizeof *s);
	s->kind = k;
	return s;
}
static void add(struct vy_block *b, struct vy_stmt *s)
{
	struct vy_stmt **v = vy_alloc(A, (b->n + 1) * sizeof *v);
	if (b->n)
		memcpy(v, b->v, b->n * sizeof *v);
	v[b->n++] = s;
	b->v = v;
}
static int slot;
static void store(struct vy_block *b, struct vy_expr *v)
{
	struct vy_stmt *s = stmt(VY_S_STORE);
	enum vy_type t = v->type == VY_BOOL ? VY_U32 : v->type;
	if (v->type == VY_BOOL) {
		struct vy_expr *c = op(VY_OP_CAST, VY_U32, 1, &v);
		c->cast_to = VY_U32;
		v = c;
	}
	s->space = VY_SPACE_BUFFER;
	s->mem = bufof(t);
	s->index = cst(VY_U32, (uint32_t)(100 + slot++));
	s->value = v;
	add(b, s);
}
static int addlocal(const char *name, enum vy_type t, bool mut)
{
	P.locals = realloc(P.locals, (P.nlocals + 1) * sizeof *P.locals);
	P.locals[P.nlocals] = (struct vy_local){ .name = name, .type = t, .mutable = mut };
	return P.nlocals++;
}
static struct vy_expr *local(int i)
{
	struct vy_expr *e = node(VY_E_LOCAL, P.locals[i].type);
	e->index = i;
	return e;
}

static const enum vy_type num[] = { VY_U32, VY_I32, VY_F32 };

static void all_ops(struct vy_block *b)
{
	for (int c = 0; c < VY_OP_COUNT; c++) {
		const struct vy_opdef *d = vy_builtin_op(c);
		for (int ti = 0; ti < 4; ti++) {
			enum vy_type t = ti < 3 ? num[ti] : VY_BOOL;
			struct vy_expr *a[3];
			bool ok = true;
			int atomic = d->nparams && d->params[0].ref;
			for (int i = 0; i < d->nparams; i++) {
				const struct vy_opparam *pc = &d->params[i];
				enum vy_type at = t;
				if (pc->cls == VY_PC_TYPE && pc->type == VY_BOOL) at = VY_BOOL;
				else if (pc->cls == VY_PC_TYPE && pc->type == VY_U32) at = VY_U32;   /* a subgroup lane */
				else if (pc->cls == VY_PC_INT && pc->indep) at = ti == 0 ? VY_I32 : VY_U32;
				else if (pc->cls == VY_PC_INT) ok &= t == VY_U32 || t == VY_I32;
				else if (pc->cls == VY_PC_FLOAT) ok &= t == VY_F32;
				else if (pc->cls == VY_PC_NUM) ok &= t != VY_BOOL;
				else if (pc->cls == VY_PC_TYPE)   /* a concrete class (math.f16_bits' f32): once */
					at = pc->type, ok &= ti == 0;
				a[i] = val(at, i + 1);
			}
			if (!ok)
				continue;
			if (c == VY_OP_CAST || c == VY_OP_BITCAST) {
				for (int tj = 0; tj < 4; tj++) {
					enum vy_type to = tj < 3 ? num[tj] : VY_BOOL;
					if (c == VY_OP_BITCAST && (to == VY_BOOL || t == VY_BOOL))
						continue;
					struct vy_expr *e = op(c, to, 1, a);
					e->cast_to = to;
					store(b, e);
				}
				continue;
			}
			enum vy_type rt = d->rule == VY_RES_TYPE ? d->ret : VY_VOID;
			if (rt == VY_VOID || vy_type_lanes(rt) > 1)   /* SAME, or ballot's u32x4 */
				rt = t;
			if (c == VY_OP_SG_BALLOT) {   /* one u32 word per node: (c, word) */
				if (ti == 0) {
					a[1] = cst(VY_U32, 3);
					store(b, op(c, VY_U32, 2, a));
				}
				continue;
			}
			if (atomic) {
				a[0] = load(VY_SPACE_BUFFER, bufof(t), t, cst(VY_U32, 5));
				struct vy_stmt *s = stmt(VY_S_EXPR);
				s->value = op(c, rt, d->nparams, a);
				add(b, s);
				if (t == VY_U32) {
					struct vy_expr *a2[3];
					memcpy(a2, a, sizeof a2);
					a2[0] = load(VY_SPACE_SHARED, 0, t, gidx());
					store(b, op(c, rt, d->nparams, a2));
				}
				continue;
			}
			store(b, op(c, rt, d->nparams, a));
		}
	}
}

int main(int argc, char **argv)
{
	A = vy_arena_new();
	P.arena = A;
	P.name = "kitchen_sink";
	P.description = "every op\nand a \\ backslash */ and ünïcode";
	P.wgsize[0] = 64; P.wgsize[1] = 1; P.wgsize[2] = 1;
	static struct vy_param params[] = {
		{ .name = "n", .type = VY_U32 }, { .name = "a", .type = VY_F32 },
		{ .name = "k", .type = VY_I32 },
	};
	P.nparams = 3; P.params = params;
	static struct vy_bufdecl bufs[] = {
		{ .name = "bu", .binding = 0, .type = VY_U32, .access = VY_READ_WRITE },
		{ .name = "bi", .binding = 1, .type = VY_I32, .access = VY_READ_WRITE },
		{ .name = "bf", .binding = 2, .type = VY_F32, .access = VY_READ_WRITE },
		{ .name = "ro", .binding = 3, .type = VY_F32, .access = VY_READ_ONLY },
		{ .name = "wo", .binding = 5, .type = VY_U32, .access = VY_WRITE_ONLY },
	};
	P.nbuffers = 5; P.buffers = bufs;
	static struct vy_shareddecl sh[] = { { .name = "tile", .type = VY_U32, .count = 64 } };
	P.nshared = 1; P.shared = sh;
	struct vy_block *b = &P.entry;

	/* let i = gid.x; var acc: f32 = 0; for k in 0..n step 2 { if ... continue; acc += ro[k] } */
	int li = addlocal("i", VY_U32, false);
	struct vy_stmt *s = stmt(VY_S_LET); s->local = li; s->value = gidx(); add(b, s);
	int acc = addlocal("acc", VY_F32, true);
	s = stmt(VY_S_VAR); s->local = acc; s->value = fcst(0); add(b, s);
	int k1 = addlocal("k", VY_U32, false);
	int k2 = addlocal("k", VY_I32, false);
	struct vy_stmt *f = stmt(VY_S_FOR);
	f->local = k1; f->lo = cst(VY_U32, 0);
	f->hi = node(VY_E_PARAM, VY_U32); f->hi->index = 0;
	f->step = cst(VY_U32, 2);
	struct vy_stmt *iff = stmt(VY_S_IF);
	struct vy_expr *ca[2] = { local(k1), cst(VY_U32, 3) };
	iff->value = op(VY_OP_EQ, VY_BOOL, 2, ca);
	add(&iff->body, stmt(VY_S_CONTINUE));
	add(&iff->els, stmt(VY_S_BREAK));
	add(&f->body, iff);
	struct vy_expr *aa[2] = { local(acc), load(VY_SPACE_BUFFER, 3, VY_F32, local(k1)) };
	s = stmt(VY_S_ASSIGN); s->local = acc; s->value = op(VY_OP_ADD, VY_F32, 2, aa);
	add(&f->body, s);
	add(b, f);
	/* for k in 10..k step -1 with a non-invariant bound */
	f = stmt(VY_S_FOR);
	f->local = k2; f->lo = cst(VY_I32, 10);
	f->hi = load(VY_SPACE_BUFFER, 1, VY_I32, cst(VY_U32, 0));
	f->step = cst(VY_I32, (uint32_t)-1); f->step_negative = true;
	struct vy_expr *xa[2] = { local(acc), fcst(0.1f) };
	s = stmt(VY_S_ASSIGN); s->local = acc; s->value = op(VY_OP_MUL, VY_F32, 2, xa);
	add(&f->body, s);
	add(b, f);
	/* while acc > 1e30 { acc = acc * 0.5 } */
	struct vy_stmt *w = stmt(VY_S_WHILE);
	struct vy_expr *wa[2] = { local(acc), fcst(1e30f) };
	w->value = op(VY_OP_GT, VY_BOOL, 2, wa);
	struct vy_expr *ha[2] = { local(acc), fcst(0.5f) };
	s = stmt(VY_S_ASSIGN); s->local = acc; s->value = op(VY_OP_MUL, VY_F32, 2, ha);
	add(&w->body, s);
	add(b, w);
	s = stmt(VY_S_STORE); s->space = VY_SPACE_SHARED; s->mem = 0;
	s->index = node(VY_E_BUILTIN, VY_U32); s->index->index = VY_B_LID;
	s->value = cst(VY_U32, 0xDEADBEEF); add(b, s);
	add(b, stmt(VY_S_BARRIER));
	/* wo[i] = len(ro) + nwg.y + wgsize.z */
	struct vy_expr *l = node(VY_E_LEN, VY_U32); l->index = 3;
	struct vy_expr *nw = node(VY_E_BUILTIN, VY_U32); nw->index = VY_B_NWG; nw->axis = 1;
	struct vy_expr *la[2] = { l, nw };
	s = stmt(VY_S_STORE); s->space = VY_SPACE_BUFFER; s->mem = 4; s->index = local(li);
	s->value = op(VY_OP_ADD, VY_U32, 2, la); add(b, s);
	/* constants */
	store(b, fcst(1.0f / 3.0f)); store(b, fcst(-2.5f)); store(b, fcst(1e-40f));
	store(b, fcst(-0.0f)); store(b, fcst(__builtin_inff())); store(b, fcst(__builtin_nanf("")));
	store(b, fcst(16777216.0f)); store(b, fcst(3.4028235e38f));
	store(b, cst(VY_I32, 0x80000000u)); store(b, cst(VY_I32, (uint32_t)-7));
	store(b, cst(VY_U32, 0xFFFFFFFFu));
	all_ops(b);
	add(b, stmt(VY_S_RETURN));

	struct vy_emit_config cfg = { .vk_minor = 1, .validate = true };
	struct vy_buf out = {0};
	char *err = NULL;
	int rc = vy_emitter_glsl.emit(&P, &cfg, &out, &err);
	if (argc > 1) {
		FILE *fp = fopen(argv[1], "wb");
		fwrite(out.data, 1, out.len, fp);
		fclose(fp);
	}
	if (rc) {
		fprintf(stderr, "emit rc %d: %s\n", rc, err);
		return 1;
	}
	/* the glslang helper gives SPIR-V words starting with the magic */
	char *src = vy_buf_cstr(&out);
	uint32_t *words = NULL;
	size_t n = 0;
	if (vy_glslang_compile(src, 1, &words, &n, &err) || n < 5 || words[0] != 0x07230203u) {
		fprintf(stderr, "vy_glslang_compile failed\n");
		return 1;
	}
	if (argc > 2) {
		FILE *fp = fopen(argv[2], "wb");
		fwrite(words, 4, n, fp);
		fclose(fp);
	}
	/* the same program gives the same bytes, validated or not */
	struct vy_buf again = {0};
	cfg.validate = false;
	if (vy_emitter_glsl.emit(&P, &cfg, &again, &err) || again.len != out.len ||
	    memcmp(again.data, out.data, out.len)) {
		fprintf(stderr, "emitter is not deterministic\n");
		return 1;
	}
	vy_buf_free(&again);
	/* an op that is not an intrinsic is rejected, not printed */
	static struct vy_opdef fake = { .id = "nn.relu", .code = VY_OP_COUNT };
	struct vy_stmt *bad = stmt(VY_S_EXPR);
	bad->value = node(VY_E_OP, VY_F32);
	bad->value->op = &fake;
	add(&P.entry, bad);
	vy_buf_free(&again);
	if (vy_emitter_glsl.emit(&P, &cfg, &again, &err) != VY_EMIT_REJECT) {
		fprintf(stderr, "non-intrinsic op not rejected\n");
		return 1;
	}
	free(err);
	vy_buf_free(&again);
	/* a broken shader is reported with glslang's log */
	free(words);
	if (vy_glslang_compile("#version 450\nvoid main() { nope; }\n", 1, NULL, NULL, &err) == 0 ||
	    !strstr(err, "nope")) {
		fprintf(stderr, "broken shader accepted or no log\n");
		return 1;
	}
	free(err);
	free(src);
	vy_buf_free(&out);
	free(P.locals);
	vy_arena_free(A);
	return 0;
}
