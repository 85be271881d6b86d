/*
 * emitters/reference.c: lowers the resolved IR to a `.vyref` module for
 * the reference VM (src/vm.h describes the layout and the instructions).
 *
 * Registers: first the preloaded ones (constants, params, builtins, len()),
 * found by a walk over the program before emission, then the locals',
 * then temporaries, reused from one statement to the next.  A local holds
 * its register from its declaration to the end of the last statement of
 * its block that mentions it (a loop that mentions it, the whole loop),
 * after which later locals reuse it, so registers grow with the locals
 * alive at once, not with the program.  Past VYREF_PRECONST distinct
 * constants, the rest are set with VYVM_CONST where they are used.  Expressions
 * evaluate into temporaries; `let`/`var` evaluate straight into their
 * local; assignments go through a masked move.  `&&`, `||` and `?:` whose
 * skipped operand could fault or has side effects (a load, an atomic, an
 * integer division) become an if, so they are lazy per lane; pure ones
 * compute both sides and select.
 */
#include <stdlib.h>
#include <string.h>

#include "vyrec.h"
#include "vm.h"
#include "mathlib_ir.h"

#define NONE UINT32_MAX
#define VYREF_PRECONST 1024

struct pre {
	uint32_t kind, a, b;
};

struct em {
	const struct vy_program *p;
	const struct vy_emit_config *cfg;   /* where a refusal goes (vy_emit_reject) */
	uint32_t *code;          /* 5 words per instruction */
	uint32_t ninstr, cap;
	struct pre *pre;
	uint32_t npre, precap;
	uint32_t *hash;          /* open addressing over pre, 0 = empty */
	uint32_t hcap;
	uint32_t local_base, tmp, nregs;
	uint32_t nconst;         /* constants preloaded */
	uint32_t *slot, nslots;  /* register of each local, after local_base */
	bool frozen;             /* the walk found every preload */
	int depth, maxdepth;
	char *err;
};

/* ---- preloaded registers ---- */

static uint32_t pre_slot(const struct em *m, uint32_t kind, uint32_t a, uint32_t b)
{
	uint32_t h = (kind * 0x9E3779B1u) ^ (a * 0x85EBCA6Bu) ^ (b * 0xC2B2AE35u);
	for (uint32_t i = h & (m->hcap - 1);; i = (i + 1) & (m->hcap - 1)) {
		uint32_t r = m->hash[i];
		if (!r || (m->pre[r - 1].kind == kind && m->pre[r - 1].a == a &&
			   m->pre[r - 1].b == b))
			return i;
	}
}

static void pre_grow(struct em *m)
{
	uint32_t ncap = m->hcap ? m->hcap * 2 : 256;
	free(m->hash);
	m->hash = calloc(ncap, sizeof *m->hash);
	m->hcap = ncap;
	for (uint32_t r = 0; r < m->npre; r++)
		m->hash[pre_slot(m, m->pre[r].kind, m->pre[r].a, m->pre[r].b)] = r + 1;
}

/* The register preloaded with (kind, a, b), added on first use. */
static uint32_t pre(struct em *m, uint32_t kind, uint32_t a, uint32_t b)
{
	uint32_t i;
	if (2 * (m->npre + 1) > m->hcap)
		pre_grow(m);
	i = pre_slot(m, kind, a, b);
	if (m->hash[i])
		return m->hash[i] - 1;
	if (m->frozen)
		vy_bug("reference emitter: preload (%u, %u, %u) missed by the walk", kind, a, b);
	if (m->npre == m->precap) {
		m->precap = m->precap ? m->precap * 2 : 64;
		m->pre = realloc(m->pre, m->precap * sizeof *m->pre);
	}
	m->pre[m->npre] = (struct pre){ kind, a, b };
	m->hash[i] = ++m->npre;
	return m->npre - 1;
}

/* The preloaded register of constant bits, or NONE; hi is the high
 * word of a 64-bit constant (0 for the 32-bit types). */
static uint32_t pre_const(const struct em *m, uint32_t bits, uint32_t hi)
{
	if (!m->hcap)
		return NONE;
	uint32_t i = pre_slot(m, VYVM_PRE_CONST, bits, hi);
	return m->hash[i] ? m->hash[i] - 1 : NONE;
}

static void walk_const(struct em *m, uint32_t bits, uint32_t hi)
{
	if (m->nconst < VYREF_PRECONST && pre_const(m, bits, hi) == NONE) {
		pre(m, VYVM_PRE_CONST, bits, hi);
		m->nconst++;
	}
}

static uint32_t const_hi(const struct vy_expr *e)
{
	return (uint32_t)(vy_const_bits(e) >> 32);
}

static void walk_expr(struct em *m, const struct vy_expr *e)
{
	if (!e)
		return;
	switch (e->kind) {
	case VY_E_CONST: walk_const(m, e->bits, const_hi(e)); break;
	case VY_E_PARAM: pre(m, VYVM_PRE_PARAM, (uint32_t)e->index, 0); break;
	case VY_E_BUILTIN: pre(m, VYVM_PRE_BUILTIN, (uint32_t)e->index, (uint32_t)e->axis); break;
	case VY_E_LEN: pre(m, VYVM_PRE_LEN, (uint32_t)e->index, 0); break;
	default: break;
	}
	for (int i = 0; i < e->nargs; i++)
		walk_expr(m, e->args[i]);
}

static void walk_block(struct em *m, const struct vy_block *b)
{
	for (int i = 0; i < b->n; i++) {
		const struct vy_stmt *s = b->v[i];
		walk_expr(m, s->index);
		walk_expr(m, s->value);
		walk_expr(m, s->lo);
		walk_expr(m, s->hi);
		walk_expr(m, s->step);
		if (s->kind == VY_S_FOR && !s->step)
			walk_const(m, 1, 0);
		walk_block(m, &s->body);
		walk_block(m, &s->els);
	}
}

/* ---- local registers ---- */

struct live {
	uint32_t *die;      /* per local: the statement after which it is dead */
	int *depth;         /* per local: the block depth of its declaration */
	uint32_t *head, *next;   /* locals by die, linked */
	uint32_t *freel, nfree;  /* free slots, a stack */
	uint32_t anc[VY_MAX_DEPTH + 2];  /* statement at each depth */
	uint32_t n;
};

static void live_use(struct live *L, int local)
{
	if (local < 0)
		return;
	uint32_t at = L->anc[L->depth[local]];
	if (at > L->die[local])
		L->die[local] = at;
}

static void live_expr(struct live *L, const struct vy_expr *e)
{
	if (!e)
		return;
	if (e->kind == VY_E_LOCAL)
		live_use(L, e->index);
	for (int i = 0; i < e->nargs; i++)
		live_expr(L, e->args[i]);
}

static bool declares(const struct vy_stmt *s)
{
	return s->kind == VY_S_LET || s->kind == VY_S_VAR || s->kind == VY_S_FOR;
}

/* Number the statements in emission order; each local's die is the last
 * statement of its declaring block that mentions it. */
static void live_block(struct live *L, const struct vy_block *b, int depth)
{
	int d = depth < VY_MAX_DEPTH + 1 ? depth : VY_MAX_DEPTH + 1;
	for (int i = 0; i < b->n; i++) {
		const struct vy_stmt *s = b->v[i];
		uint32_t no = L->n++;
		L->anc[d] = no;
		if (declares(s)) {
			L->depth[s->local] = d;
			L->die[s->local] = no;
		}
		live_expr(L, s->index);
		live_expr(L, s->value);
		live_expr(L, s->lo);
		live_expr(L, s->hi);
		live_expr(L, s->step);
		if (s->kind == VY_S_ASSIGN)
			live_use(L, s->local);
		live_block(L, &s->body, d + 1);
		live_block(L, &s->els, d + 1);
	}
}

/* Hand out slots in the same order: at a declaration the last freed (or
 * a new one), freed after the local's die statement. */
static void slot_block(struct em *m, struct live *L, const struct vy_block *b)
{
	for (int i = 0; i < b->n; i++) {
		const struct vy_stmt *s = b->v[i];
		uint32_t no = L->n++;
		if (declares(s))
			m->slot[s->local] = L->nfree ? L->freel[--L->nfree] : m->nslots++;
		slot_block(m, L, &s->body);
		slot_block(m, L, &s->els);
		for (uint32_t k = L->head[no]; k != NONE; k = L->next[k])
			L->freel[L->nfree++] = m->slot[k];
	}
}

static void assign_slots(struct em *m)
{
	uint32_t nl = (uint32_t)m->p->nlocals;
	struct live L = { 0 };
	m->slot = calloc(nl + 1, sizeof *m->slot);
	L.die = calloc(nl + 1, sizeof *L.die);
	L.depth = calloc(nl + 1, sizeof *L.depth);
	L.next = calloc(nl + 1, sizeof *L.next);
	L.freel = calloc(nl + 1, sizeof *L.freel);
	if (!m->slot || !L.die || !L.depth || !L.next || !L.freel)
		vy_bug("out of memory");
	memset(L.die, 0xff, (nl + 1) * sizeof *L.die);   /* NONE: not declared */
	live_block(&L, &m->p->entry, 0);
	L.head = malloc(((size_t)L.n + 1) * sizeof *L.head);
	if (!L.head)
		vy_bug("out of memory");
	memset(L.head, 0xff, ((size_t)L.n + 1) * sizeof *L.head);
	for (uint32_t k = nl; k-- > 0;) {
		/* a local no statement declares (a let dce dropped, the counter
		 * of an unrolled loop) has no slot to free */
		if (L.die[k] == NONE)
			continue;
		L.next[k] = L.head[L.die[k]];
		L.head[L.die[k]] = k;
	}
	L.n = 0;
	slot_block(m, &L, &m->p->entry);
	free(L.die);
	free(L.depth);
	free(L.head);
	free(L.next);
	free(L.freel);
}

static uint32_t local_reg(const struct em *m, int local)
{
	return m->local_base + m->slot[local];
}

/* ---- instructions ---- */

static uint32_t emit(struct em *m, uint32_t op, uint32_t t, uint32_t aux,
		     uint32_t d, uint32_t a, uint32_t b, uint32_t c)
{
	if (m->ninstr == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 256;
		m->code = realloc(m->code, (size_t)m->cap * 20);
	}
	uint32_t *w = m->code + (size_t)m->ninstr * 5;
	w[0] = op | t << 8 | aux << 16;
	w[1] = d, w[2] = a, w[3] = b, w[4] = c;
	return m->ninstr++;
}

static uint32_t newtmp(struct em *m)
{
	uint32_t r = m->tmp++;
	if (m->tmp > m->nregs)
		m->nregs = m->tmp;
	return r;
}

static uint32_t want(struct em *m, uint32_t dst)
{
	return dst != NONE ? dst : newtmp(m);
}

static uint32_t memaux(const struct vy_expr *ld)
{
	return (uint32_t)ld->space << 15 | (uint32_t)(ld->args[0]->type == VY_I32) << 14 |
	       (uint32_t)ld->index;
}

static uint32_t ex(struct em *m, const struct vy_expr *e, uint32_t dst);
static void block(struct em *m, const struct vy_block *b);

/* A 2-D private array's index as the resolver writes it, row * COLS + col
 * (u32): true and rc = {row, col}, so the VM checks each axis. */
static bool row_col(const struct vy_program *p, int mem, const struct vy_expr *ix,
		    const struct vy_expr *rc[2])
{
	const struct vy_privdecl *d = &p->privates[mem];
	if (d->ndims != 2 || ix->kind != VY_E_OP || ix->op->code != VY_OP_ADD ||
	    ix->type != VY_U32)
		return false;
	const struct vy_expr *mul = ix->args[0];
	if (mul->kind != VY_E_OP || mul->op->code != VY_OP_MUL || mul->args[1]->kind != VY_E_CONST ||
	    mul->args[1]->bits != d->dims[1])
		return false;
	rc[0] = mul->args[0];
	rc[1] = ix->args[1];
	return true;
}

static void open_nest(struct em *m)
{
	if (++m->depth > m->maxdepth)
		m->maxdepth = m->depth;
}

/* r = a && b, r = a || b, r = c ? a : b with the right side lazy. */
static uint32_t ex_lazy(struct em *m, const struct vy_expr *e, uint32_t dst)
{
	enum vy_opcode c = e->op->code;
	uint32_t r = newtmp(m), cond = ex(m, e->args[0], NONE), at, x;
	if (c == VY_OP_LAND || c == VY_OP_LOR) {
		emit(m, VYVM_MOV, 0, 0, r, cond, 0, 0);
		if (c == VY_OP_LOR) {
			cond = newtmp(m);
			emit(m, VYVM_OP_LNOT, VY_BOOL, 0, cond, r, 0, 0);
		}
	}
	open_nest(m);
	at = emit(m, VYVM_IF, 0, 0, 0, cond, 0, 0);
	x = ex(m, e->args[1], NONE);
	emit(m, VYVM_MOV, 0, 0, r, x, 0, 0);
	m->code[at * 5 + 3] = m->ninstr;
	if (c == VY_OP_SELECT) {
		x = ex(m, e->args[2], NONE);
		emit(m, VYVM_MOV, 0, 0, r, x, 0, 0);
	}
	m->code[at * 5 + 4] = m->ninstr;
	m->depth--;
	if (dst != NONE)
		emit(m, VYVM_MOV, 0, 0, dst, r, 0, 0);
	return dst != NONE ? dst : r;
}

/* The VM's type of a memory of type t: an f16 buffer or shared array
 * (F16S, src/lower_f16.c) holds u16 bits. */
static uint32_t vm_mt(enum vy_type t)
{
	return t == VY_F16S ? VY_U16 : t;
}

/* A library op (src/mathlib.c): its program's core ops, one register per
 * value; constants through ex() (preloaded like the program's own). */
static uint32_t ex_mathlib(struct em *m, const struct vy_expr *e, uint32_t dst)
{
	struct vy_arena *a = vy_arena_new();
	struct vy_mprog mp;
	vy_mathlib_prog(a, e->op->code, &mp);
	uint32_t *reg = calloc((size_t)mp.n, sizeof *reg);
	if (!reg)
		vy_bug("out of memory");
	for (int i = 0; i < mp.nparams; i++)
		reg[i] = ex(m, e->args[i], NONE);
	for (int i = mp.nparams; i < mp.n; i++) {
		const struct vy_expr *v = mp.v[i];
		uint32_t d = i == mp.n - 1 ? dst : NONE, r[3] = { 0, 0, 0 };
		if (v->kind == VY_E_CONST) {
			reg[i] = ex(m, v, d);
			continue;
		}
		for (int k = 0; k < v->nargs; k++)
			r[k] = reg[v->args[k]->index];
		enum vy_opcode c = v->op->code;
		reg[i] = want(m, d);
		emit(m, c, vy_expr_optype(v), c == VY_OP_CAST || c == VY_OP_BITCAST ?
		     v->args[0]->type : 0, reg[i], r[0], r[1], r[2]);
	}
	uint32_t res = reg[mp.n - 1];
	free(reg);
	vy_arena_free(a);
	return res;
}

static uint32_t ex_op(struct em *m, const struct vy_expr *e, uint32_t dst)
{
	enum vy_opcode c = e->op->code;
	uint32_t r[3] = { 0, 0, 0 }, d;
	if (((c == VY_OP_LAND || c == VY_OP_LOR) && !vy_expr_is_pure(e->args[1])) ||
	    (c == VY_OP_SELECT && (!vy_expr_is_pure(e->args[1]) || !vy_expr_is_pure(e->args[2]))))
		return ex_lazy(m, e, dst);
	if (vy_op_is_atomic(c)) {
		const struct vy_expr *ref = e->args[0];
		r[0] = ex(m, ref->args[0], NONE);
		for (int i = 1; i < e->nargs && i < 3; i++)
			r[i] = ex(m, e->args[i], NONE);
		d = want(m, dst);
		emit(m, c, ref->type, memaux(ref), d, r[0], r[1], r[2]);
		return d;
	}
	if (vy_op_is_library(c))
		return ex_mathlib(m, e, dst);
	if (vy_op_is_subgroup(c)) {   /* one VYVM_SUBGROUP, aux = its VYVM_SG_* */
		for (int i = 0; i < e->nargs && i < 2; i++)
			r[i] = ex(m, e->args[i], NONE);
		d = want(m, dst);
		emit(m, VYVM_SUBGROUP, e->nargs ? e->args[0]->type : VY_BOOL,
		     (uint32_t)vy_op_subgroup_index(c), d, r[0], r[1], 0);
		return d;
	}
	for (int i = 0; i < e->nargs && i < 3; i++)
		r[i] = ex(m, e->args[i], NONE);
	d = want(m, dst);
	emit(m, c, vy_expr_optype(e), c == VY_OP_CAST || c == VY_OP_BITCAST ?
	     e->args[0]->type : 0, d, r[0], r[1], r[2]);
	return d;
}

/* Evaluate e; into dst when it is not NONE. Returns the register. */
static uint32_t ex(struct em *m, const struct vy_expr *e, uint32_t dst)
{
	uint32_t r;
	switch (e->kind) {
	case VY_E_CONST:
		r = pre_const(m, e->bits, const_hi(e));
		if (r == NONE) {
			r = want(m, dst);
			emit(m, VYVM_CONST, 0, 0, r, e->bits, const_hi(e), 0);
			return r;
		}
		break;
	case VY_E_PARAM: r = pre(m, VYVM_PRE_PARAM, (uint32_t)e->index, 0); break;
	case VY_E_BUILTIN:
		r = pre(m, VYVM_PRE_BUILTIN, (uint32_t)e->index, (uint32_t)e->axis);
		break;
	case VY_E_LEN: r = pre(m, VYVM_PRE_LEN, (uint32_t)e->index, 0); break;
	case VY_E_LOCAL: r = local_reg(m, e->index); break;
	case VY_E_LOAD: {
		const struct vy_expr *rc[2];
		if (e->space == VY_SPACE_PRIVATE && row_col(m->p, e->index, e->args[0], rc)) {
			uint32_t a = ex(m, rc[0], NONE), b = ex(m, rc[1], NONE), d = want(m, dst);
			emit(m, VYVM_PLOAD, vy_mem_type(m->p, e->space, e->index),
			     1u << 15 | (uint32_t)e->index, d, a, b, 0);
			return d;
		}
		uint32_t i = ex(m, e->args[0], NONE), d = want(m, dst);
		if (e->space == VY_SPACE_PRIVATE) {
			emit(m, VYVM_PLOAD, vy_mem_type(m->p, e->space, e->index),
			     memaux(e) & 0x7fff, d, i, 0, 0);
			return d;
		}
		emit(m, VYVM_LOAD, vm_mt(vy_mem_type(m->p, e->space, e->index)), memaux(e), d, i,
		     (uint32_t)e->axis, 0);
		return d;
	}
	case VY_E_OP:
		return ex_op(m, e, dst);
	default:
		if (!m->err)
			m->err = vy_strf("unresolved expression `%s` reached the reference emitter",
					 e->name ? e->name : "?");
		return 0;
	}
	if (dst != NONE && dst != r)
		emit(m, VYVM_MOV, 0, 0, dst, r, 0, 0);
	return dst != NONE ? dst : r;
}

/* A register that keeps e's value for a whole loop (copy of a local). */
static uint32_t ex_kept(struct em *m, const struct vy_expr *e)
{
	uint32_t r = ex(m, e, NONE);
	if (r >= m->local_base && r < m->local_base + m->nslots) {
		uint32_t t = newtmp(m);
		emit(m, VYVM_MOV, 0, 0, t, r, 0, 0);
		return t;
	}
	return r;
}

static void st_for(struct em *m, const struct vy_stmt *s)
{
	uint32_t k = local_reg(m, s->local), lo, hi, step, t, at;
	uint32_t ty = m->p->locals[s->local].type;
	lo = ex_kept(m, s->lo);
	hi = ex_kept(m, s->hi);
	step = s->step ? ex_kept(m, s->step) : pre_const(m, 1, 0);
	if (step == NONE) {
		step = newtmp(m);
		emit(m, VYVM_CONST, 0, 0, step, 1, 0, 0);
	}
	emit(m, VYVM_MOV, 0, 0, k, lo, 0, 0);
	t = newtmp(m);
	open_nest(m);
	at = emit(m, VYVM_LOOP, 0, 0, 0, 0, 0, 0);
	emit(m, s->step_negative ? VYVM_OP_GT : VYVM_OP_LT, ty, 0, t, k, hi, 0);
	emit(m, VYVM_BREAKIFNOT, 0, 0, 0, t, 0, 0);
	block(m, &s->body);
	m->code[at * 5 + 3] = m->ninstr;
	emit(m, VYVM_OP_ADD, ty, 0, k, k, step, 0);
	m->code[at * 5 + 4] = m->ninstr;
	m->depth--;
}

static void st_if(struct em *m, const struct vy_stmt *s)
{
	uint32_t c = ex(m, s->value, NONE), at;
	open_nest(m);
	at = emit(m, VYVM_IF, 0, 0, 0, c, 0, 0);
	block(m, &s->body);
	m->code[at * 5 + 3] = m->ninstr;
	block(m, &s->els);
	m->code[at * 5 + 4] = m->ninstr;
	m->depth--;
}

static void st_while(struct em *m, const struct vy_stmt *s)
{
	uint32_t at, c;
	open_nest(m);
	at = emit(m, VYVM_LOOP, 0, 0, 0, 0, 0, 0);
	c = ex(m, s->value, NONE);
	emit(m, VYVM_BREAKIFNOT, 0, 0, 0, c, 0, 0);
	block(m, &s->body);
	m->code[at * 5 + 3] = m->code[at * 5 + 4] = m->ninstr;
	m->depth--;
}

static uint32_t store_type(const struct em *m, const struct vy_stmt *s)
{
	return vm_mt(vy_mem_type(m->p, s->space, s->mem));
}

static void stmt(struct em *m, const struct vy_stmt *s)
{
	uint32_t save = m->tmp, r, i, aux;
	const struct vy_expr *rc[2];
	switch (s->kind) {
	case VY_S_LET: case VY_S_VAR:
		ex(m, s->value, local_reg(m, s->local));
		break;
	case VY_S_ASSIGN:
		r = ex(m, s->value, NONE);
		emit(m, VYVM_MOV, 0, 0, local_reg(m, s->local), r, 0, 0);
		break;
	case VY_S_STORE:
		if (s->space == VY_SPACE_PRIVATE && row_col(m->p, s->mem, s->index, rc)) {
			uint32_t a = ex(m, rc[0], NONE), b = ex(m, rc[1], NONE);
			r = ex(m, s->value, NONE);
			emit(m, VYVM_PSTORE, store_type(m, s), 1u << 15 | (uint32_t)s->mem, 0, a, r, b);
			break;
		}
		i = ex(m, s->index, NONE);
		r = ex(m, s->value, NONE);
		aux = (uint32_t)s->space << 15 | (uint32_t)(s->index->type == VY_I32) << 14 |
		      (uint32_t)s->mem;
		if (s->space == VY_SPACE_PRIVATE)
			emit(m, VYVM_PSTORE, store_type(m, s), aux & 0x7fff, 0, i, r, 0);
		else
			emit(m, VYVM_STORE, store_type(m, s), aux, 0, i, r, (uint32_t)s->comp);
		break;
	case VY_S_ARRAY:
		r = ex(m, s->value, NONE);
		emit(m, VYVM_PFILL, store_type(m, s), (uint32_t)s->mem, 0, r, 0, 0);
		break;
	case VY_S_IF: st_if(m, s); break;
	case VY_S_FOR: st_for(m, s); break;
	case VY_S_WHILE: st_while(m, s); break;
	case VY_S_BREAK: emit(m, VYVM_BREAK, 0, 0, 0, 0, 0, 0); break;
	case VY_S_CONTINUE: emit(m, VYVM_CONTINUE, 0, 0, 0, 0, 0, 0); break;
	case VY_S_RETURN: emit(m, VYVM_RETURN, 0, 0, 0, 0, 0, 0); break;
	case VY_S_BARRIER: emit(m, VYVM_BARRIER, 0, 0, 0, 0, 0, 0); break;
	case VY_S_EXPR: ex(m, s->value, NONE); break;
	}
	m->tmp = save;
}

static void block(struct em *m, const struct vy_block *b)
{
	for (int i = 0; i < b->n; i++)
		stmt(m, b->v[i]);
}

/* ---- serialisation ---- */

static void put_str(struct vy_buf *b, const char *s)
{
	size_t n = s ? strlen(s) : 0;
	static const char zero[4];
	vy_buf_u32(b, (uint32_t)n);
	vy_buf_put(b, s, n);
	vy_buf_put(b, zero, (4 - n % 4) % 4);
}

/* Postfix code of a uniform expression (counts, dispatch). */
static bool put_uexpr(struct vy_buf *b, const struct vy_expr *e, char **err)
{
	switch (e->kind) {
	case VY_E_CONST: vy_buf_u32(b, VYVM_U_CONST); vy_buf_u32(b, e->bits); return true;
	case VY_E_PARAM: vy_buf_u32(b, VYVM_U_PARAM); vy_buf_u32(b, (uint32_t)e->index); return true;
	case VY_E_LEN: vy_buf_u32(b, VYVM_U_LEN); vy_buf_u32(b, (uint32_t)e->index); return true;
	case VY_E_OP:
		if (vy_op_is_atomic(e->op->code) || vy_op_is_library(e->op->code))
			break;
		for (int i = 0; i < e->nargs; i++)
			if (!put_uexpr(b, e->args[i], err))
				return false;
		vy_buf_u32(b, VYVM_U_OP | (uint32_t)e->op->code << 8 | vy_expr_optype(e) << 16 |
			   (e->op->code == VY_OP_CAST || e->op->code == VY_OP_BITCAST ?
			    (uint32_t)e->args[0]->type << 24 : 0));
		return true;
	default:
		break;
	}
	if (!*err && e->kind == VY_E_OP && vy_op_is_library(e->op->code))
		*err = vy_strf("`%s` in a buffer count or dispatch expression: the reference "
			       "module evaluates those without the math library; compute the "
			       "size with operators and the 1.0 math ops", e->op->id);
	if (!*err)
		*err = vy_strf("a buffer count or dispatch expression may use only params, "
			       "literals, len() and operators");
	return false;
}

static bool put_ucode(struct vy_buf *b, const struct vy_expr *e, char **err)
{
	struct vy_buf t = { 0 };
	bool ok = put_uexpr(&t, e, err);
	if (ok && t.len / 4 > 4096) {
		*err = vy_strf("a buffer count or dispatch expression is too large");
		ok = false;
	}
	vy_buf_u32(b, (uint32_t)(t.len / 4));
	vy_buf_put(b, t.data, t.len);
	vy_buf_free(&t);
	return ok;
}

static bool put_prog(struct vy_buf *b, const struct em *m, char **err)
{
	const struct vy_program *p = m->p;
	put_str(b, p->name);
	for (int k = 0; k < 3; k++)
		vy_buf_u32(b, p->wgsize[k]);
	vy_buf_u32(b, (uint32_t)p->nparams);
	for (int i = 0; i < p->nparams; i++) {
		vy_buf_u32(b, vy_param_repr(p->params[i].type));
		put_str(b, p->params[i].name);
	}
	vy_buf_u32(b, (uint32_t)p->nbuffers);
	for (int i = 0; i < p->nbuffers; i++) {
		const struct vy_bufdecl *d = &p->buffers[i];
		put_str(b, d->name);
		vy_buf_u32(b, (uint32_t)d->binding);
		vy_buf_u32(b, vm_mt(d->type));
		vy_buf_u32(b, d->access);
		if (!put_ucode(b, d->count, err))
			return false;
	}
	vy_buf_u32(b, (uint32_t)p->nshared);
	for (int i = 0; i < p->nshared; i++) {
		put_str(b, p->shared[i].name);
		vy_buf_u32(b, vm_mt(p->shared[i].type));
		vy_buf_u32(b, p->shared[i].count);
	}
	vy_buf_u32(b, (uint32_t)p->ndispatch);
	for (int k = 0; k < p->ndispatch; k++)
		if (!put_ucode(b, p->dispatch[k], err))
			return false;
	vy_buf_u32(b, m->nregs);
	vy_buf_u32(b, m->npre);
	for (uint32_t i = 0; i < m->npre; i++) {
		vy_buf_u32(b, m->pre[i].kind);
		vy_buf_u32(b, m->pre[i].a);
		vy_buf_u32(b, m->pre[i].b);
	}
	return true;
}

static void put_privates(struct vy_buf *b, const struct vy_program *p)
{
	vy_buf_u32(b, (uint32_t)p->nprivate);
	for (int i = 0; i < p->nprivate; i++) {
		const struct vy_privdecl *d = &p->privates[i];
		put_str(b, d->shown ? d->shown : d->name);
		vy_buf_u32(b, d->type);
		vy_buf_u32(b, (uint32_t)d->ndims);
		vy_buf_u32(b, d->dims[0]);
		vy_buf_u32(b, d->ndims == 2 ? d->dims[1] : 1);
	}
}

static void put_section(struct vy_buf *b, uint32_t tag, const struct vy_buf *s)
{
	vy_buf_u32(b, tag);
	vy_buf_u32(b, (uint32_t)s->len);
	vy_buf_put(b, s->data, s->len);
}

/* The embedded manifest's kernel_sha256 covers the program and code
 * sections (the module cannot hash itself). */
static void put_module(struct vy_buf *out, const struct vy_program *p,
		       const struct vy_buf *prog, const struct vy_buf *code)
{
	static const unsigned char magic[8] = { 'V', 'Y', 'R', 'E', 'F', 0, 0, 1 };
	struct vy_buf body = { 0 }, man = { 0 }, json = { 0 };
	uint64_t h;
	put_section(&body, 1, prog);
	if (p->nprivate) {   /* SPEC §10.3; absent otherwise, so 1.0 modules keep their bytes */
		struct vy_buf priv = { 0 };
		put_privates(&priv, p);
		put_section(&body, 4, &priv);
		vy_buf_free(&priv);
	}
	put_section(&body, 2, code);
	vy_manifest_json(p, "reference", p->name, body.data, body.len, &json);
	put_str(&man, json.data ? (const char *)json.data : "");
	put_section(&body, 3, &man);
	h = vyvm_hash(body.data, body.len);
	vy_buf_put(out, magic, 8);
	vy_buf_u32(out, VYVM_FORMAT);
	vy_buf_u32(out, (uint32_t)body.len);
	vy_buf_u32(out, (uint32_t)h);
	vy_buf_u32(out, (uint32_t)(h >> 32));
	vy_buf_put(out, body.data, body.len);
	vy_buf_free(&body);
	vy_buf_free(&man);
	vy_buf_free(&json);
}

static bool check_limits(struct em *m, char **err)
{
	uint64_t lanes = (uint64_t)m->p->wgsize[0] * m->p->wgsize[1] * m->p->wgsize[2];
	if (m->err) {
		*err = m->err;
		m->err = NULL;
		return false;
	}
	if (m->maxdepth >= VYVM_MAX_NEST - 1)
		*err = vy_strf("control flow (counting lazy `&&`, `||` and `?:`) is nested "
			       "%d deep; the reference VM allows %d", m->maxdepth,
			       VYVM_MAX_NEST - 2);
	else if (m->nregs > VYVM_MAX_REGS || m->nregs * lanes > VYVM_MAX_WORDS)
		vy_emit_reject(m->cfg, err, VY_FIX_INLINE, "use fewer locals or a smaller "
			       "workgroup", "the program needs %u VM registers of %llu lanes; "
			       "the reference VM allows %u words", m->nregs,
			       (unsigned long long)lanes, VYVM_MAX_WORDS);
	else
		return true;
	return false;
}

static void em_free(struct em *m)
{
	free(m->code);
	free(m->pre);
	free(m->hash);
	free(m->slot);
	free(m->err);
}

static int emit_reference(const struct vy_program *p, const struct vy_emit_config *c,
			  struct vy_buf *out, char **err)
{
	struct em m = { .p = p, .cfg = c };
	struct vy_buf prog = { 0 }, code = { 0 };
	int rc = VY_EMIT_REJECT;
	walk_block(&m, &p->entry);
	m.local_base = m.npre;
	m.frozen = true;
	assign_slots(&m);
	m.tmp = m.nregs = m.npre + m.nslots;
	if (m.nregs == 0)
		m.tmp = m.nregs = 1;   /* the VM wants one register at least */
	block(&m, &p->entry);
	if (check_limits(&m, err) && put_prog(&prog, &m, err)) {
		vy_buf_u32(&code, m.ninstr);
		for (size_t i = 0; i < (size_t)m.ninstr * 5; i++)
			vy_buf_u32(&code, m.code[i]);
		put_module(out, p, &prog, &code);
		rc = VY_EMIT_OK;
	}
	vy_buf_free(&prog);
	vy_buf_free(&code);
	em_free(&m);
	return rc;
}

const struct vy_aot_emitter vy_emitter_reference = {
	.id = "reference",
	.aliases = (const char *const[]){ "reference_backend", "cpu-ref", NULL },
	.summary = "portable bytecode for the vyrec reference VM",
	.ext = ".vyref",
	.passes = VY_PASS_MEM,   /* keeps its loops, so verify runs them */
	.emit = emit_reference,
};
