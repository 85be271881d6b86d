/*
 * emitters/spv.c: the spv target.  It walks the typed IR once and writes
 * SPIR-V words directly, spelling every opcode and operand with the enums
 * of SPIRV-Headers, following the launch ABI of SPEC §3.2: a GLCompute
 * entry point `main`, each buffer a runtime array in a Block struct at
 * descriptor set 0, params in one push-constant block at offsets 0, 4, 8...
 *
 * The module is built in sections (names, decorations, types/constants/
 * globals, function variables, function body) that are concatenated at the
 * end in the order the SPIR-V logical layout requires.  Types and constants
 * are deduplicated through a table keyed on their operands; ids are handed
 * out in walk order, so the same program always gives the same bytes.
 * Control flow is structured (OpSelectionMerge, OpLoopMerge with a
 * continue block that does the increment).  Integer division, shifts and
 * float-to-int conversions are guarded so that no undefined SPIR-V
 * behaviour is reachable (doc/SEMANTICS.md).  The module is validated
 * in-process with SPIRV-Tools, optimised with its performance passes at
 * -O2, and optionally disassembled (--emit-asm).
 */
#include <stdlib.h>
#include <string.h>

#include <spirv/unified1/spirv.h>
#include <spirv/unified1/GLSL.std.450.h>

#include "vyrec.h"
#include "spvtools.h"
#include "mathlib_ir.h"

/* SPV_KHR_fma (VK_KHR_shader_fma), newer than Debian's SPIR-V headers and
 * SPIRV-Tools: the numbers of the SPIR-V registry (SPIRV-Headers
 * include/spirv/unified1/spirv.core.grammar.json, extension SPV_KHR_fma):
 * opcode OpFmaKHR = 4427 (Result Type, Result, Operand 1, 2, 3; a*b + c
 * with a single rounding), capability FMAKHR = 6030.  The emitter writes
 * GLSL.std.450 Fma while it works, so that the installed SPIRV-Tools can
 * validate and optimise the module, and turns every Fma into OpFmaKHR at
 * the end (khr_fma below). */
#define VY_SPV_OP_FMA_KHR 4427u
#define VY_SPV_CAP_FMA_KHR 6030u
#define VY_SPV_EXT_FMA_KHR "SPV_KHR_fma"

struct words {
	uint32_t *v;
	size_t n, cap;
};

/* A deduplicated type or constant: its key (opcode and operands without
 * the result id) lives in spv.keys at [off, off + n). */
struct uniq {
	uint32_t off, n, id;
};

struct loop {
	uint32_t merge, cont;
};

struct spv;
static bool buffer_barrier(struct spv *s);

struct spv {
	const struct vy_program *p;
	const struct vy_emit_config *c;
	int buffer_barrier;      /* vy_barrier_orders_buffers: 0 unknown, 1 no, 2 yes */
	uint32_t next_id;
	struct words names, decos, globals, vars, body, iface;
	struct words keys;
	struct uniq *uv;
	size_t un, ucap;
	uint32_t *htab;          /* uv index + 1, open addressing */
	size_t hcap;
	uint32_t glsl;           /* GLSL.std.450 import */
	SpvStorageClass bufsc;   /* StorageBuffer, or Uniform on vulkan1.0 */
	uint32_t *buf_var, *shared_var, push_var;
	uint32_t *priv_var;      /* private arrays (SPEC §10.3): Function variables */
	uint32_t builtin_var[5];
	uint32_t sg_var[4];      /* SubgroupSize, ...LocalInvocationId, Id, NumSubgroups */
	unsigned sgcap;          /* SG_CAP_* bits the subgroup ops used */
	uint32_t ballot[3];      /* the last ballot: condition, block, uvec4 */
	uint32_t rta[VY_TYPE_COUNT];   /* runtime array per element type */
	uint32_t *local;         /* Function variable, or SSA value of a let */
	bool *is_var;
	bool *atomic_buf;        /* buffer used by an atomic: stays readable */
	uint32_t cur_label;
	bool uses_f64;           /* the f64 fma mode: Float64 capability */
	bool uses_fatomic;       /* f32 atomic.add: AtomicFloat32AddEXT */
	bool uses_int64;         /* u64 i64 values: Int64 */
	bool uses_8bit, uses_16bit;  /* storage-type buffers: 8/16-bit storage */
	const struct vy_stmt *prev;  /* the statement before the current one in its block */
	bool dead;               /* the current block has its terminator */
	struct loop *loops;
	int nloops, loopcap;
	char *bug;               /* first internal error */
	uint32_t *slot;          /* values of the math-library program being lowered */
	struct words funcs;      /* the math-library functions used, after main */
	uint32_t dbg_file;       /* -g: the OpString of the YAML file's base name */
	uint32_t mfn[VY_OP_COUNT];   /* their ids */
	bool fma_call;           /* the exact f32 fma as a function (fma_fn) */
	bool forward;            /* -O1: a var's value known in its block (load_local) */
	uint32_t *known, *known_lbl;   /* per var: that value and its block */
	uint32_t *pend;          /* per var: the value its store in this block
				    will write at the block's end (0: none) */
	int *pend_list, npend;   /* those vars, in the order first stored */
	uint32_t fma_id;         /* that function, made on first use */
#define WIDE_CACHE 16
	uint32_t wide[WIDE_CACHE][2];   /* the f64 fma mode: f32 id, its f64 widening */
	unsigned nwide;              /* in the current block */
};

/* Barriers order buffer memory only where an invocation can tell (ir.c). */
static bool buffer_barrier(struct spv *s)
{
	if (!s->buffer_barrier)
		s->buffer_barrier = vy_barrier_orders_buffers(s->p) ? 2 : 1;
	return s->buffer_barrier == 2;
}

#define N_OF(...) (sizeof((const uint32_t[]){ __VA_ARGS__ }) / sizeof(uint32_t))
#define ARR(...) (const uint32_t[]){ __VA_ARGS__ }, N_OF(__VA_ARGS__)
#define INS(w, op, ...) ins(w, op, ARR(__VA_ARGS__))
#define VAL(s, op, ty, ...) val(s, op, ty, ARR(__VA_ARGS__))
#define EXT(s, ty, inst, ...) val(s, SpvOpExtInst, ty, ARR((s)->glsl, inst, __VA_ARGS__))

static void put(struct words *w, uint32_t x)
{
	if (w->n == w->cap) {
		w->cap = w->cap ? 2 * w->cap : 64;
		w->v = realloc(w->v, w->cap * sizeof *w->v);
		if (!w->v)
			vy_bug("out of memory");
	}
	w->v[w->n++] = x;
}

static void put_all(struct words *w, const uint32_t *a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		put(w, a[i]);
}

static void ins(struct words *w, SpvOp op, const uint32_t *a, size_t n)
{
	put(w, (uint32_t)(n + 1) << 16 | op);
	put_all(w, a, n);
}

/* An instruction whose operands end with a literal string. */
static void ins_str(struct words *w, SpvOp op, const uint32_t *a, size_t n,
		    const char *str)
{
	size_t len = strlen(str), nw = len / 4 + 1;
	put(w, (uint32_t)(n + nw + 1) << 16 | op);
	put_all(w, a, n);
	for (size_t i = 0; i < nw; i++) {
		uint32_t x = 0;
		for (size_t j = 0; j < 4 && 4 * i + j < len; j++)
			x |= (uint32_t)(unsigned char)str[4 * i + j] << (8 * j);
		put(w, x);
	}
}

static uint32_t fresh(struct spv *s)
{
	return s->next_id++;
}

static void bug(struct spv *s, const char *what)
{
	if (!s->bug)
		s->bug = vy_strf("spv emitter: %s", what);
}

/* ---- types and constants, deduplicated ---- */

static uint32_t hash_key(const uint32_t *k, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ k[i]) * 16777619u;
	return h;
}

static void rehash(struct spv *s)
{
	free(s->htab);
	s->hcap = s->hcap ? 2 * s->hcap : 256;
	s->htab = calloc(s->hcap, sizeof *s->htab);
	if (!s->htab)
		vy_bug("out of memory");
	for (size_t i = 0; i < s->un; i++) {
		struct uniq *u = &s->uv[i];
		size_t h = hash_key(s->keys.v + u->off, u->n) & (s->hcap - 1);
		while (s->htab[h])
			h = (h + 1) & (s->hcap - 1);
		s->htab[h] = (uint32_t)i + 1;
	}
}

/* The id of the global instruction `op [type] id operands...`, emitted
 * into the globals section the first time it is asked for.  typed: the
 * first operand is a result type (constants) and precedes the id. */
static uint32_t uniq(struct spv *s, SpvOp op, bool typed, const uint32_t *a,
		     size_t n)
{
	uint32_t key[16];
	if (n + 1 > 16)
		vy_bug("uniq key too long");
	key[0] = op;
	if (n)
		memcpy(key + 1, a, n * sizeof *a);
	if (2 * (s->un + 1) > s->hcap)
		rehash(s);
	size_t h = hash_key(key, n + 1) & (s->hcap - 1);
	for (; s->htab[h]; h = (h + 1) & (s->hcap - 1)) {
		struct uniq *u = &s->uv[s->htab[h] - 1];
		if (u->n == n + 1 && !memcmp(s->keys.v + u->off, key, (n + 1) * 4))
			return u->id;
	}
	if (s->un == s->ucap) {
		s->ucap = s->ucap ? 2 * s->ucap : 64;
		s->uv = realloc(s->uv, s->ucap * sizeof *s->uv);
		if (!s->uv)
			vy_bug("out of memory");
	}
	uint32_t id = fresh(s);
	s->uv[s->un] = (struct uniq){ (uint32_t)s->keys.n, (uint32_t)n + 1, id };
	s->htab[h] = (uint32_t)++s->un;
	put_all(&s->keys, key, n + 1);
	put(&s->globals, (uint32_t)(n + 2) << 16 | op);
	if (typed && n) {
		put(&s->globals, a[0]);
		put(&s->globals, id);
		put_all(&s->globals, a + 1, n - 1);
	} else {
		put(&s->globals, id);
		put_all(&s->globals, a, n);
	}
	return id;
}

#define TYPE(s, op, ...) uniq(s, op, false, ARR(__VA_ARGS__))
#define CONST(s, op, ...) uniq(s, op, true, ARR(__VA_ARGS__))

static uint32_t ty_void(struct spv *s)
{
	return uniq(s, SpvOpTypeVoid, false, NULL, 0);
}

static uint32_t ty(struct spv *s, enum vy_type t)
{
	if (vy_type_lanes(t) > 1 && vy_type_value(t) != t)   /* f16 bits: a u32 vector */
		return ty(s, vy_type_value(t));
	if (vy_type_lanes(t) > 1)   /* f32x4: OpTypeVector of f32, 4 */
		return TYPE(s, SpvOpTypeVector, ty(s, vy_type_elem(t)), vy_type_lanes(t));
	switch (t) {
	case VY_BOOL: return uniq(s, SpvOpTypeBool, false, NULL, 0);
	case VY_U32: return TYPE(s, SpvOpTypeInt, 32, 0);
	case VY_I32: return TYPE(s, SpvOpTypeInt, 32, 1);
	case VY_F32: return TYPE(s, SpvOpTypeFloat, 32);
	case VY_F64:   /* SPEC §10.1: Float64, Int64 only when used */
		s->uses_f64 = true;
		return TYPE(s, SpvOpTypeFloat, 64);
	case VY_U64: case VY_I64:
		s->uses_int64 = true;
		return TYPE(s, SpvOpTypeInt, 64, t == VY_I64);
	default:
		bug(s, "expression of an unresolved type");
		return TYPE(s, SpvOpTypeInt, 32, 0);
	}
}

static uint32_t ty_ptr(struct spv *s, SpvStorageClass sc, uint32_t pointee)
{
	return TYPE(s, SpvOpTypePointer, sc, pointee);
}

/* The type of an element of a buffer of type t: a storage type is an
 * 8- or 16-bit integer (bf16 its bits), from the type table. */
static uint32_t ty_mem(struct spv *s, enum vy_type t)
{
	const struct vy_typeinfo *ti = vy_type_info(t);
	if (vy_type_lanes(t) > 1)   /* f16 bits: u16vecN */
		return TYPE(s, SpvOpTypeVector, ty_mem(s, vy_type_elem(t)), vy_type_lanes(t));
	if (ti->cls != VY_TC_STORAGE)
		return ty(s, t);
	return TYPE(s, SpvOpTypeInt, (uint32_t)ti->spv_width, (uint32_t)ti->spv_signed);
}

static uint32_t ty_uvec3(struct spv *s)
{
	return TYPE(s, SpvOpTypeVector, ty(s, VY_U32), 3);
}

static uint32_t cnst(struct spv *s, enum vy_type t, uint32_t bits)
{
	if (t == VY_BOOL)
		return uniq(s, bits ? SpvOpConstantTrue : SpvOpConstantFalse,
			    true, ARR(ty(s, VY_BOOL)));
	return CONST(s, SpvOpConstant, ty(s, t), bits);
}

static uint32_t u32c(struct spv *s, uint32_t v)
{
	return cnst(s, VY_U32, v);
}

static bool is64(enum vy_type t)
{
	return t == VY_F64 || t == VY_U64 || t == VY_I64;
}

/* A constant of any scalar type from its bits (all 64 for f64 u64 i64). */
static uint32_t cnst64(struct spv *s, enum vy_type t, uint64_t bits)
{
	if (!is64(t))
		return cnst(s, t, (uint32_t)bits);
	return CONST(s, SpvOpConstant, ty(s, t), (uint32_t)bits, (uint32_t)(bits >> 32));
}

/* The integer constant v of integer type t (all ones for -1). */
static uint32_t icst(struct spv *s, enum vy_type t, int64_t v)
{
	return cnst64(s, t, is64(t) ? (uint64_t)v : (uint32_t)v);
}

/* 1.0, -1.0 and 0.0 of float type t. */
static uint32_t fone(struct spv *s, enum vy_type t, bool neg)
{
	if (t == VY_F64)
		return cnst64(s, t, neg ? 0xBFF0000000000000ull : 0x3FF0000000000000ull);
	return cnst(s, t, neg ? 0xBF800000u : 0x3F800000u);
}

/* ---- the function body ---- */

static uint32_t val(struct spv *s, SpvOp op, uint32_t type, const uint32_t *a,
		    size_t n)
{
	uint32_t id = fresh(s);
	put(&s->body, (uint32_t)(n + 3) << 16 | op);
	put(&s->body, type);
	put(&s->body, id);
	put_all(&s->body, a, n);
	return id;
}

/* -O1: a var's store waits for the end of its block (the last one to it
 * there is the one written: sgemm's unrolled k loop stored each acc
 * element 8 times); every terminator and merge instruction of the
 * kernel's body writes them first.  Inside a function of the module
 * (fma_fn, mathlib_fn) there are none: fn_enter sets them aside. */
static void flush_stores(struct spv *s)
{
	for (int i = 0; i < s->npend; i++) {
		int l = s->pend_list[i];
		INS(&s->body, SpvOpStore, s->local[l], s->pend[l]);
		s->pend[l] = 0;
	}
	s->npend = 0;
}

static int fn_enter(struct spv *s)
{
	int n = s->npend;
	s->npend = 0;
	return n;
}

static void fn_leave(struct spv *s, int n)
{
	s->npend = n;
}

/* A module function's end: return r, move its words to the functions
 * after main, and go back to the kernel's body as fn_enter found it. */
static void fn_close(struct spv *s, uint32_t r, struct words body, uint32_t cur,
		     bool dead, int pend)
{
	INS(&s->body, SpvOpReturnValue, r);
	ins(&s->body, SpvOpFunctionEnd, NULL, 0);
	put_all(&s->funcs, s->body.v, s->body.n);
	free(s->body.v);
	s->body = body;
	s->cur_label = cur;
	s->dead = dead;
	fn_leave(s, pend);
}

static void label(struct spv *s, uint32_t id)
{
	flush_stores(s);
	INS(&s->body, SpvOpLabel, id);
	s->cur_label = id;
	s->dead = false;
	s->nwide = 0;
}

static void branch(struct spv *s, uint32_t target)
{
	if (!s->dead) {
		flush_stores(s);
		INS(&s->body, SpvOpBranch, target);
	}
	s->dead = true;
}

/* A selection header: -O1's pending var stores first (they belong to
 * the block the branch ends), then OpSelectionMerge and the branch. */
static void select_branch(struct spv *s, uint32_t merge, uint32_t ctl, uint32_t c,
			  uint32_t t, uint32_t f)
{
	flush_stores(s);
	INS(&s->body, SpvOpSelectionMerge, merge, ctl);
	INS(&s->body, SpvOpBranchConditional, c, t, f);
}

static void decorate(struct spv *s, uint32_t id, SpvDecoration d)
{
	INS(&s->decos, SpvOpDecorate, id, d);
}

static void name(struct spv *s, uint32_t id, const char *str)
{
	ins_str(&s->names, SpvOpName, ARR(id), str);
}

/* An f32 add/sub/mul, never contracted into an fma. */
static uint32_t precise(struct spv *s, SpvOp op, uint32_t a, uint32_t b)
{
	uint32_t r = VAL(s, op, ty(s, VY_F32), a, b);
	decorate(s, r, SpvDecorationNoContraction);
	return r;
}

/* NaN and infinity tests on the bits: without float controls a Vulkan
 * driver may assume that no operand is NaN or infinite (Vulkan spec,
 * Precision and Operation of SPIR-V Instructions), and could fold
 * OpIsNan/OpIsInf to false; integer compares it must keep. */
static uint32_t isnan_i(struct spv *s, uint32_t x)
{
	uint32_t tu = ty(s, VY_U32);
	uint32_t m = VAL(s, SpvOpBitwiseAnd, tu, VAL(s, SpvOpBitcast, tu, x),
			 cnst(s, VY_U32, 0x7FFFFFFFu));
	return VAL(s, SpvOpUGreaterThan, ty(s, VY_BOOL), m,
		   cnst(s, VY_U32, 0x7F800000u));
}

/* isnan_i of a value of float type t (f32 or f64). */
static uint32_t isnan_t(struct spv *s, enum vy_type t, uint32_t x)
{
	if (t != VY_F64)
		return isnan_i(s, x);
	/* on the two 32-bit halves, so an f64 program needs no Int64 */
	uint32_t tu = ty(s, VY_U32), tb = ty(s, VY_BOOL);
	uint32_t w = VAL(s, SpvOpBitcast, TYPE(s, SpvOpTypeVector, tu, 2), x);
	uint32_t lo = VAL(s, SpvOpCompositeExtract, tu, w, 0);
	uint32_t hi = VAL(s, SpvOpCompositeExtract, tu, w, 1);
	uint32_t m = VAL(s, SpvOpBitwiseAnd, tu, hi, u32c(s, 0x7FFFFFFFu));
	uint32_t big = VAL(s, SpvOpUGreaterThan, tb, m, u32c(s, 0x7FF00000u));
	uint32_t inf = VAL(s, SpvOpIEqual, tb, m, u32c(s, 0x7FF00000u));
	uint32_t frac = VAL(s, SpvOpINotEqual, tb, lo, u32c(s, 0));
	return VAL(s, SpvOpLogicalOr, tb, big, VAL(s, SpvOpLogicalAnd, tb, inf, frac));
}

static uint32_t isinf_i(struct spv *s, uint32_t x)
{
	uint32_t tu = ty(s, VY_U32);
	uint32_t m = VAL(s, SpvOpBitwiseAnd, tu, VAL(s, SpvOpBitcast, tu, x),
			 cnst(s, VY_U32, 0x7FFFFFFFu));
	return VAL(s, SpvOpIEqual, ty(s, VY_BOOL), m, cnst(s, VY_U32, 0x7F800000u));
}

/* ---- expressions ---- */

static uint32_t expr(struct spv *s, const struct vy_expr *e);

/* One row per op (spv_ops, below the lowerings): S_VAL and S_PRECISE
 * (f32 never contracted) emit op[type] over the operands, S_EXT the
 * GLSL.std.450 instruction op[type], S_FN calls fn; S_ATOMIC rows are
 * read by atomic(); S_NONE (a missing row): no lowering. */
enum spv_form { S_NONE, S_VAL, S_PRECISE, S_EXT, S_FN, S_ATOMIC };

struct spv;
typedef uint32_t (*spv_fn)(struct spv *s, const struct vy_expr *e,
			   uint32_t tt, const uint32_t *a);

struct spv_row {
	enum spv_form form;
	int op[4];   /* by type: bool, u32, i32, f32 */
	spv_fn fn;
};

static bool is_atomic(const struct vy_expr *e)
{
	return e->kind == VY_E_OP && e->op && vy_op_is_atomic(e->op->code);
}

/* An Input variable of type t decorated BuiltIn kind, in the interface. */
static uint32_t input_var(struct spv *s, uint32_t t, SpvBuiltIn kind, const char *nm)
{
	uint32_t pt = ty_ptr(s, SpvStorageClassInput, t);
	uint32_t v = fresh(s);
	INS(&s->globals, SpvOpVariable, pt, v, SpvStorageClassInput);
	INS(&s->decos, SpvOpDecorate, v, SpvDecorationBuiltIn, kind);
	name(s, v, nm);
	put(&s->iface, v);
	return v;
}

static uint32_t builtin_var(struct spv *s, enum vy_builtin b)
{
	static const SpvBuiltIn kind[] = {
		[VY_B_GID] = SpvBuiltInGlobalInvocationId,
		[VY_B_LID] = SpvBuiltInLocalInvocationId,
		[VY_B_WGID] = SpvBuiltInWorkgroupId,
		[VY_B_NWG] = SpvBuiltInNumWorkgroups,
	};
	static const char *const names[] = {
		[VY_B_GID] = "gl_GlobalInvocationID",
		[VY_B_LID] = "gl_LocalInvocationID",
		[VY_B_WGID] = "gl_WorkGroupID",
		[VY_B_NWG] = "gl_NumWorkGroups",
	};
	if (!s->builtin_var[b])
		s->builtin_var[b] = input_var(s, ty_uvec3(s), kind[b], names[b]);
	return s->builtin_var[b];
}

/* ---- subgroups (SPEC §10.4) ---- */

enum { SG_CAP_BASIC = 1, SG_CAP_ARITH = 2, SG_CAP_BALLOT = 4, SG_CAP_SHUFFLE = 8,
       SG_CAP_RELATIVE = 16, SG_CAP_VOTE = 32 };

/* sg.size lane id count: the scalar u32 Input builtins. */
static uint32_t sg_builtin(struct spv *s, int which)
{
	static const SpvBuiltIn kind[] = {
		SpvBuiltInSubgroupSize, SpvBuiltInSubgroupLocalInvocationId,
		SpvBuiltInSubgroupId, SpvBuiltInNumSubgroups,
	};
	static const char *const names[] = {
		"gl_SubgroupSize", "gl_SubgroupInvocationID", "gl_SubgroupID",
		"gl_NumSubgroups",
	};
	s->sgcap |= SG_CAP_BASIC;
	if (!s->sg_var[which])
		s->sg_var[which] = input_var(s, ty(s, VY_U32), kind[which], names[which]);
	return VAL(s, SpvOpLoad, ty(s, VY_U32), s->sg_var[which]);
}

/* OpGroupNonUniform* at subgroup scope over the operands a. */
static uint32_t sg_val(struct spv *s, SpvOp op, enum vy_type t, unsigned cap,
		       const uint32_t *a, size_t n)
{
	uint32_t x[4] = { u32c(s, SpvScopeSubgroup) };
	if (n)   /* elect() has no operand: a may be NULL */
		memcpy(x + 1, a, n * sizeof *a);
	s->sgcap |= cap | SG_CAP_BASIC;
	return val(s, op, t == VY_VOID ? TYPE(s, SpvOpTypeVector, ty(s, VY_U32), 4) : ty(s, t),
		   x, n + 1);
}
#define SG(s, op, t, cap, ...) sg_val(s, op, t, cap, ARR(__VA_ARGS__))

static uint32_t minmax(struct spv *s, enum vy_type t, bool max, uint32_t a,
		       uint32_t b);

/* The combining step of a reduction: math's own lowering, so that
 * subgroup.min agrees with math.min. */
static uint32_t sg_combine(struct spv *s, enum vy_opcode code, enum vy_type t,
			   uint32_t a, uint32_t b)
{
	if (code == VY_OP_SG_MIN || code == VY_OP_SG_MAX)
		return minmax(s, t, code == VY_OP_SG_MAX, a, b);
	return precise(s, SpvOpFAdd, a, b);   /* add and the scans */
}

static uint32_t sg_identity(struct spv *s, enum vy_opcode code)
{
	return cnst(s, VY_F32, code == VY_OP_SG_MIN ? 0x7F800000u :
		    code == VY_OP_SG_MAX ? 0xFF800000u : 0);
}

/* The largest subgroup size the lowering must handle: the program's
 * subgroup_size, else 128 (steps past the device's size are skipped). */
static uint32_t sg_max(const struct spv *s)
{
	return s->p->subgroup_size ? s->p->subgroup_size : 128;
}

/* A float reduction in the SPEC's order, the xor butterfly: for h = S/2
 * .. 1, x = x + shuffle_xor(x, h), an inactive partner giving the
 * identity. */
static uint32_t sg_float_reduce(struct spv *s, enum vy_opcode code, uint32_t x)
{
	uint32_t tb = ty(s, VY_BOOL), tu = ty(s, VY_U32), tf = ty(s, VY_F32);
	uint32_t act = SG(s, SpvOpGroupNonUniformBallot, VY_VOID, SG_CAP_BALLOT,
			  cnst(s, VY_BOOL, 1));
	uint32_t size = sg_builtin(s, VY_SG_SIZE), lane = sg_builtin(s, VY_SG_LANE);
	for (uint32_t h = sg_max(s) / 2; h >= 1; h /= 2) {
		uint32_t y = SG(s, SpvOpGroupNonUniformShuffleXor, VY_F32, SG_CAP_SHUFFLE,
				x, u32c(s, h));
		uint32_t partner = VAL(s, SpvOpBitwiseXor, tu, lane, u32c(s, h));
		uint32_t on = SG(s, SpvOpGroupNonUniformBallotBitExtract, VY_BOOL,
				 SG_CAP_BALLOT, act, partner);
		y = VAL(s, SpvOpSelect, tf, on, y, sg_identity(s, code));
		uint32_t r = sg_combine(s, code, VY_F32, x, y);
		if (!s->p->subgroup_size)
			r = VAL(s, SpvOpSelect, tf, VAL(s, SpvOpULessThan, tb, u32c(s, h), size),
				r, x);
		x = r;
	}
	return x;
}

/* An f32 inclusive scan in the Hillis-Steele order: for h = 1, 2, ..,
 * x = lane >= h ? x + shuffle_up(x, h) : x. */
static uint32_t sg_float_scan(struct spv *s, uint32_t x)
{
	uint32_t tb = ty(s, VY_BOOL), tu = ty(s, VY_U32), tf = ty(s, VY_F32);
	uint32_t act = SG(s, SpvOpGroupNonUniformBallot, VY_VOID, SG_CAP_BALLOT,
			  cnst(s, VY_BOOL, 1));
	uint32_t size = sg_builtin(s, VY_SG_SIZE), lane = sg_builtin(s, VY_SG_LANE);
	for (uint32_t h = 1; h < sg_max(s); h *= 2) {
		uint32_t y = SG(s, SpvOpGroupNonUniformShuffleUp, VY_F32, SG_CAP_RELATIVE,
				x, u32c(s, h));
		uint32_t ok = VAL(s, SpvOpUGreaterThanEqual, tb, lane, u32c(s, h));
		uint32_t from = VAL(s, SpvOpISub, tu, lane, u32c(s, h));
		uint32_t on = SG(s, SpvOpGroupNonUniformBallotBitExtract, VY_BOOL,
				 SG_CAP_BALLOT, act, from);
		ok = VAL(s, SpvOpLogicalAnd, tb, ok, on);
		if (!s->p->subgroup_size)
			ok = VAL(s, SpvOpLogicalAnd, tb, ok,
				 VAL(s, SpvOpULessThan, tb, u32c(s, h), size));
		x = VAL(s, SpvOpSelect, tf, ok, precise(s, SpvOpFAdd, x, y), x);
	}
	return x;
}

/* The subgroup rows of spv_ops. */
static uint32_t sg_reduce_op(struct spv *s, const struct vy_expr *e, uint32_t tt,
			     const uint32_t *a)
{
	enum vy_opcode c = e->op->code;
	enum vy_type t = e->type;
	if (t == VY_F32)
		return sg_float_reduce(s, c, a[0]);
	SpvOp op = c == VY_OP_SG_ADD ? SpvOpGroupNonUniformIAdd :
		   c == VY_OP_SG_MIN ? (t == VY_I32 ? SpvOpGroupNonUniformSMin : SpvOpGroupNonUniformUMin) :
		   c == VY_OP_SG_MAX ? (t == VY_I32 ? SpvOpGroupNonUniformSMax : SpvOpGroupNonUniformUMax) :
		   c == VY_OP_SG_AND ? SpvOpGroupNonUniformBitwiseAnd :
		   c == VY_OP_SG_OR ? SpvOpGroupNonUniformBitwiseOr : SpvOpGroupNonUniformBitwiseXor;
	return SG(s, op, t, SG_CAP_ARITH, SpvGroupOperationReduce, a[0]);
}

static uint32_t sg_scan_op(struct spv *s, const struct vy_expr *e, uint32_t tt,
			   const uint32_t *a)
{
	bool incl = e->op->code == VY_OP_SG_INCLUSIVE_ADD;
	if (e->type != VY_F32)
		return SG(s, SpvOpGroupNonUniformIAdd, e->type, SG_CAP_ARITH,
			  incl ? SpvGroupOperationInclusiveScan : SpvGroupOperationExclusiveScan, a[0]);
	uint32_t x = sg_float_scan(s, a[0]);
	if (incl)
		return x;
	/* exclusive: lane k takes lane k-1's inclusive result, lane 0 the identity */
	uint32_t y = SG(s, SpvOpGroupNonUniformShuffleUp, VY_F32, SG_CAP_RELATIVE, x, u32c(s, 1));
	uint32_t first = VAL(s, SpvOpIEqual, ty(s, VY_BOOL), sg_builtin(s, VY_SG_LANE), u32c(s, 0));
	return VAL(s, SpvOpSelect, tt, first, cnst(s, VY_F32, 0), y);
}

static uint32_t sg_shuffle_op(struct spv *s, const struct vy_expr *e, uint32_t tt,
			      const uint32_t *a)
{
	enum vy_opcode c = e->op->code;
	if (c == VY_OP_SG_SHUFFLE_XOR)
		return SG(s, SpvOpGroupNonUniformShuffleXor, e->type, SG_CAP_SHUFFLE, a[0], a[1]);
	if (c == VY_OP_SG_SHUFFLE_UP)
		return SG(s, SpvOpGroupNonUniformShuffleUp, e->type, SG_CAP_RELATIVE, a[0], a[1]);
	if (c == VY_OP_SG_SHUFFLE_DOWN)
		return SG(s, SpvOpGroupNonUniformShuffleDown, e->type, SG_CAP_RELATIVE, a[0], a[1]);
	/* shuffle, broadcast: OpGroupNonUniformShuffle, as the lane need not
	 * be a constant (OpGroupNonUniformBroadcast's must before SPIR-V 1.5) */
	return SG(s, SpvOpGroupNonUniformShuffle, e->type, SG_CAP_SHUFFLE, a[0], a[1]);
}

static uint32_t sg_vote_op(struct spv *s, const struct vy_expr *e, uint32_t tt,
			   const uint32_t *a)
{
	enum vy_opcode c = e->op->code;
	if (c == VY_OP_SG_ALL)
		return SG(s, SpvOpGroupNonUniformAll, VY_BOOL, SG_CAP_VOTE, a[0]);
	if (c == VY_OP_SG_ANY)
		return SG(s, SpvOpGroupNonUniformAny, VY_BOOL, SG_CAP_VOTE, a[0]);
	if (c == VY_OP_SG_BROADCAST_FIRST)
		return SG(s, SpvOpGroupNonUniformBroadcastFirst, e->type, SG_CAP_BALLOT, a[0]);
	return sg_val(s, SpvOpGroupNonUniformElect, VY_BOOL, SG_CAP_BASIC, NULL, 0);   /* elect */
}

/* ballot word k (vyrec_ops.def): OpGroupNonUniformBallot's uvec4, word k
 * (a dynamic extract should the word not be a literal); the words of one
 * condition in one block share the ballot. */
static uint32_t sg_ballot_op(struct spv *s, const struct vy_expr *e, uint32_t tt,
			     const uint32_t *a)
{
	uint32_t v = s->ballot[2];   /* the four words of one call: one ballot */
	if (!v || s->ballot[0] != a[0] || s->ballot[1] != s->cur_label) {
		v = SG(s, SpvOpGroupNonUniformBallot, VY_VOID, SG_CAP_BALLOT, a[0]);
		s->ballot[0] = a[0];
		s->ballot[1] = s->cur_label;
		s->ballot[2] = v;
	}
	if (e->nargs < 2 || e->args[1]->kind == VY_E_CONST)   /* no word: word 0 */
		return VAL(s, SpvOpCompositeExtract, tt, v, e->nargs < 2 ? 0 : e->args[1]->bits & 3);
	return VAL(s, SpvOpVectorExtractDynamic, tt, v, a[1]);
}

static uint32_t builtin(struct spv *s, const struct vy_expr *e)
{
	if (e->index == VY_B_SG)
		return sg_builtin(s, e->axis);
	if (e->index == VY_B_WGSIZE)
		return u32c(s, s->p->wgsize[e->axis]);
	if (e->index < 0 || e->index > VY_B_NWG || e->axis < 0 || e->axis > 2) {
		bug(s, "bad builtin");
		return u32c(s, 0);
	}
	uint32_t v = VAL(s, SpvOpLoad, ty_uvec3(s), builtin_var(s, e->index));
	return VAL(s, SpvOpCompositeExtract, ty(s, VY_U32), v, e->axis);
}

/* Pointer to the element a VY_E_LOAD node names; of a vector array, to
 * its component e->axis, or with whole, to the vector. */
static uint32_t vec_elem_ptr(struct spv *s, const struct vy_expr *e, bool whole)
{
	uint32_t idx = expr(s, e->args[0]);
	enum vy_type mt = vy_mem_type(s->p, e->space, e->index);
	uint32_t comp = u32c(s, (uint32_t)e->axis);
	if (e->space == VY_SPACE_BUFFER) {
		uint32_t pt = ty_ptr(s, s->bufsc, ty_mem(s, whole ? mt : vy_type_elem(mt)));
		uint32_t zero = u32c(s, 0);
		if (whole)
			return VAL(s, SpvOpAccessChain, pt, s->buf_var[e->index], zero, idx);
		return VAL(s, SpvOpAccessChain, pt, s->buf_var[e->index], zero, idx, comp);
	}
	uint32_t pt = ty_ptr(s, SpvStorageClassWorkgroup,
			     ty(s, whole ? mt : vy_type_value(vy_type_elem(mt))));
	if (whole)
		return VAL(s, SpvOpAccessChain, pt, s->shared_var[e->index], idx);
	return VAL(s, SpvOpAccessChain, pt, s->shared_var[e->index], idx, comp);
}

static uint32_t elem_ptr(struct spv *s, const struct vy_expr *e)
{
	if (vy_type_lanes(vy_mem_type(s->p, e->space, e->index)) > 1)
		return vec_elem_ptr(s, e, false);
	uint32_t idx = expr(s, e->args[0]);
	if (e->space == VY_SPACE_BUFFER) {
		const struct vy_bufdecl *b = &s->p->buffers[e->index];
		uint32_t pt = ty_ptr(s, s->bufsc, ty_mem(s, b->type));
		uint32_t zero = u32c(s, 0);
		return VAL(s, SpvOpAccessChain, pt, s->buf_var[e->index], zero, idx);
	}
	if (e->space == VY_SPACE_PRIVATE)
		return VAL(s, SpvOpAccessChain, ty_ptr(s, SpvStorageClassFunction,
			   ty(s, s->p->privates[e->index].type)), s->priv_var[e->index], idx);
	const struct vy_shareddecl *sh = &s->p->shared[e->index];
	uint32_t pt = ty_ptr(s, SpvStorageClassWorkgroup, ty(s, vy_type_value(sh->type)));
	return VAL(s, SpvOpAccessChain, pt, s->shared_var[e->index], idx);
}

static uint32_t load_param(struct spv *s, const struct vy_expr *e)
{
	enum vy_type t = vy_param_repr(s->p->params[e->index].type);
	uint32_t pt = ty_ptr(s, SpvStorageClassPushConstant, ty(s, t));
	uint32_t m = u32c(s, (uint32_t)e->index);
	uint32_t ptr = VAL(s, SpvOpAccessChain, pt, s->push_var, m);
	return VAL(s, SpvOpLoad, ty(s, t), ptr);
}

/* At -O1 a var read again in the block that stored or loaded it reads
 * that value, not an OpLoad (the drivers' and spirv-opt's first step on
 * Function variables, so the code after them is the same); sgemm's
 * unrolled loop had 1678 loads, most of a value stored just before.  A
 * new block (label) forgets every value. */
static void var_known(struct spv *s, int local, uint32_t v)
{
	if (!s->forward)
		return;
	s->known[local] = v;
	s->known_lbl[local] = v ? s->cur_label : 0;
}

/* Before a store of the var that is not set_local's: it forgets the
 * var's value and the store that was waiting. */
static void var_direct(struct spv *s, int local)
{
	if (!s->forward)
		return;
	var_known(s, local, 0);
	if (s->pend[local]) {
		int n = 0;
		for (int i = 0; i < s->npend; i++)
			if (s->pend_list[i] != local)
				s->pend_list[n++] = s->pend_list[i];
		s->npend = n;
		s->pend[local] = 0;
	}
}

static uint32_t load_local(struct spv *s, const struct vy_expr *e)
{
	if (s->is_var[e->index] && s->forward && s->known[e->index] &&
	    s->known_lbl[e->index] == s->cur_label && s->cur_label)
		return s->known[e->index];
	if (s->is_var[e->index]) {
		uint32_t v = VAL(s, SpvOpLoad, ty(s, e->type), s->local[e->index]);
		var_known(s, e->index, v);
		return v;
	}
	if (!s->local[e->index]) {
		bug(s, "let used before its definition");
		return cnst(s, e->type, 0);
	}
	return s->local[e->index];
}

/* `a && b` or `a || b` whose right operand touches memory: branch around
 * it and merge with a phi. */
static uint32_t lazy_logic(struct spv *s, const struct vy_expr *e, bool and)
{
	uint32_t a = expr(s, e->args[0]);
	uint32_t from = s->cur_label, rhs = fresh(s), merge = fresh(s);
	select_branch(s, merge, SpvSelectionControlMaskNone, a, and ? rhs : merge,
		      and ? merge : rhs);
	label(s, rhs);
	uint32_t b = expr(s, e->args[1]);
	uint32_t from_b = s->cur_label;
	branch(s, merge);
	label(s, merge);
	uint32_t skip = cnst(s, VY_BOOL, !and);
	return VAL(s, SpvOpPhi, ty(s, VY_BOOL), skip, from, b, from_b);
}

static uint32_t lazy_select(struct spv *s, const struct vy_expr *e)
{
	uint32_t c = expr(s, e->args[0]);
	uint32_t lt = fresh(s), lf = fresh(s), merge = fresh(s);
	select_branch(s, merge, SpvSelectionControlMaskNone, c, lt, lf);
	label(s, lt);
	uint32_t a = expr(s, e->args[1]), from_a = s->cur_label;
	branch(s, merge);
	label(s, lf);
	uint32_t b = expr(s, e->args[2]), from_b = s->cur_label;
	branch(s, merge);
	label(s, merge);
	return VAL(s, SpvOpPhi, ty(s, e->type), a, from_a, b, from_b);
}

/* Integer / and % without undefined behaviour: a zero divisor (and i32
 * MIN / -1) divides by 1 instead, then the SEMANTICS result is selected:
 * x/0 = all ones, x%0 = x, MIN/-1 = MIN, MIN%-1 = 0.  i32 never reaches
 * OpSDiv/OpSRem: the Vulkan environment leaves OpSRem and OpSMod undefined
 * for a negative operand (and NVIDIA's driver computes them wrong), so
 * the magnitudes are divided unsigned and the signs fixed up (quotient
 * negative when the signs differ, remainder with the dividend's sign). */
static uint32_t int_div(struct spv *s, enum vy_type t, uint32_t a, uint32_t b,
			const struct vy_expr *divisor, bool rem)
{
	uint32_t tb = ty(s, VY_BOOL), ti = ty(s, t);
	bool uns = t == VY_U32 || t == VY_U64;
	if (uns && divisor->kind == VY_E_CONST && vy_const_bits(divisor) != 0)
		return VAL(s, rem ? SpvOpUMod : SpvOpUDiv, ti, a, b);
	uint32_t zero = icst(s, t, 0), one = icst(s, t, 1);
	uint32_t ones = icst(s, t, -1);
	uint32_t bz = VAL(s, SpvOpIEqual, tb, b, zero);
	if (uns) {
		uint32_t safe = VAL(s, SpvOpSelect, ti, bz, one, b);
		uint32_t q = VAL(s, rem ? SpvOpUMod : SpvOpUDiv, ti, a, safe);
		return VAL(s, SpvOpSelect, ti, bz, rem ? a : ones, q);
	}
	enum vy_type ut = t == VY_I64 ? VY_U64 : VY_U32;
	uint32_t tu = ty(s, ut), uone = icst(s, ut, 1);
	uint32_t an = VAL(s, SpvOpSLessThan, tb, a, zero);
	uint32_t bn = VAL(s, SpvOpSLessThan, tb, b, zero);
	uint32_t ua = VAL(s, SpvOpBitcast, tu, VAL(s, SpvOpSelect, ti, an,
			  VAL(s, SpvOpSNegate, ti, a), a));
	uint32_t ub = VAL(s, SpvOpBitcast, tu, VAL(s, SpvOpSelect, ti, bn,
			  VAL(s, SpvOpSNegate, ti, b), b));
	uint32_t safe = VAL(s, SpvOpSelect, tu, bz, uone, ub);
	uint32_t m = VAL(s, SpvOpBitcast, ti,
			 VAL(s, rem ? SpvOpUMod : SpvOpUDiv, tu, ua, safe));
	uint32_t neg = rem ? an : VAL(s, SpvOpLogicalNotEqual, tb, an, bn);
	uint32_t r = VAL(s, SpvOpSelect, ti, neg, VAL(s, SpvOpSNegate, ti, m), m);
	return VAL(s, SpvOpSelect, ti, bz, rem ? a : ones, r);
}

/* f32 -> u32/i32 truncating and saturating, NaN -> 0: clamp in float to
 * the largest floats below the limits, convert, then fix the top end. */
/* The same from f32 or f64 to any integer type: the clamp bounds are the
 * largest floats below the limits. */
static uint32_t float_to_int64(struct spv *s, enum vy_type from, enum vy_type to,
			       uint32_t x)
{
	bool u = to == VY_U32 || to == VY_U64, w = is64(to), d = from == VY_F64;
	static const uint64_t lim[2][2][3] = {   /* [f64][64-bit]: lo, hi, limit */
		{ { 0xCF000000u, 0x4EFFFFFFu, 0x4F000000u },
		  { 0xDF000000u, 0x5EFFFFFFu, 0x5F000000u } },
		{ { 0xC1E0000000000000ull, 0x41DFFFFFFFC00000ull, 0x41E0000000000000ull },
		  { 0xC3E0000000000000ull, 0x43DFFFFFFFFFFFFFull, 0x43E0000000000000ull } },
	};
	static const uint64_t ulim[2][2][2] = {   /* unsigned: hi, limit */
		{ { 0x4F7FFFFFu, 0x4F800000u }, { 0x5F7FFFFFu, 0x5F800000u } },
		{ { 0x41EFFFFFFFE00000ull, 0x41F0000000000000ull },
		  { 0x43EFFFFFFFFFFFFFull, 0x43F0000000000000ull } },
	};
	uint32_t tf = ty(s, from), tb = ty(s, VY_BOOL), ti = ty(s, to);
	uint32_t fzero = cnst64(s, from, 0);
	uint32_t lo = u ? fzero : cnst64(s, from, lim[d][w][0]);
	uint32_t hi = cnst64(s, from, u ? ulim[d][w][0] : lim[d][w][1]);
	uint32_t top = cnst64(s, from, u ? ulim[d][w][1] : lim[d][w][2]);
	uint32_t maxv = u ? icst(s, to, -1) : cnst64(s, to, w ? 0x7FFFFFFFFFFFFFFFull : 0x7FFFFFFFu);
	uint32_t y = VAL(s, SpvOpSelect, tf, isnan_t(s, from, x), fzero, x);
	uint32_t cl = EXT(s, tf, GLSLstd450FClamp, y, lo, hi);
	uint32_t r = VAL(s, u ? SpvOpConvertFToU : SpvOpConvertFToS, ti, cl);
	uint32_t big = VAL(s, SpvOpFOrdGreaterThanEqual, tb, y, top);
	return VAL(s, SpvOpSelect, ti, big, maxv, r);
}

static uint32_t float_to_int(struct spv *s, enum vy_type to, uint32_t x)
{
	bool u = to == VY_U32;
	uint32_t tf = ty(s, VY_F32), tb = ty(s, VY_BOOL), ti = ty(s, to);
	uint32_t fzero = cnst(s, VY_F32, 0);
	uint32_t lo = cnst(s, VY_F32, u ? 0 : 0xCF000000u);          /* -2^31 */
	uint32_t hi = cnst(s, VY_F32, u ? 0x4F7FFFFFu : 0x4EFFFFFFu);
	uint32_t lim = cnst(s, VY_F32, u ? 0x4F800000u : 0x4F000000u);
	uint32_t maxv = cnst(s, to, u ? 0xFFFFFFFFu : 0x7FFFFFFFu);
	uint32_t nan = isnan_i(s, x);
	uint32_t y = VAL(s, SpvOpSelect, tf, nan, fzero, x);
	uint32_t cl = EXT(s, tf, GLSLstd450FClamp, y, lo, hi);
	uint32_t r = VAL(s, u ? SpvOpConvertFToU : SpvOpConvertFToS, ti, cl);
	uint32_t big = VAL(s, SpvOpFOrdGreaterThanEqual, tb, y, lim);
	return VAL(s, SpvOpSelect, ti, big, maxv, r);
}

/* A cast with a 64-bit side (SPEC §10.1): C's integer rules, saturating
 * float to integer, one rounding otherwise. */
static uint32_t cast64(struct spv *s, enum vy_type from, enum vy_type to,
		       uint32_t v)
{
	uint32_t tt = ty(s, to);
	bool ffl = from == VY_F32 || from == VY_F64, tfl = to == VY_F32 || to == VY_F64;
	if (from == VY_BOOL)
		return VAL(s, SpvOpSelect, tt, v, tfl ? fone(s, to, false) : icst(s, to, 1),
			   cnst64(s, to, 0));
	if (to == VY_BOOL)
		return VAL(s, ffl ? SpvOpFUnordNotEqual : SpvOpINotEqual, tt, v,
			   cnst64(s, from, 0));
	if (ffl && tfl)
		return VAL(s, SpvOpFConvert, tt, v);
	if (ffl)
		return float_to_int64(s, from, to, v);
	bool sgn = from == VY_I32 || from == VY_I64;
	if (tfl)
		return VAL(s, sgn ? SpvOpConvertSToF : SpvOpConvertUToF, tt, v);
	if (vy_type_size(from) == vy_type_size(to))
		return VAL(s, SpvOpBitcast, tt, v);
	/* widen by the source's signedness, narrow keeping the low bits */
	enum vy_type mid = vy_type_is64(to) ? (sgn ? VY_I64 : VY_U64) : VY_U32;
	uint32_t r = VAL(s, sgn && mid == VY_I64 ? SpvOpSConvert : SpvOpUConvert,
			 ty(s, mid), v);
	return mid == to ? r : VAL(s, SpvOpBitcast, tt, r);
}

static uint32_t cast(struct spv *s, enum vy_type from, enum vy_type to,
		     uint32_t v)
{
	if (from == to)
		return v;
	if (is64(from) || is64(to))
		return cast64(s, from, to, v);
	uint32_t tt = ty(s, to);
	if (from == VY_BOOL) {
		uint32_t one = cnst(s, to, to == VY_F32 ? 0x3F800000u : 1);
		uint32_t zero = cnst(s, to, 0);
		return VAL(s, SpvOpSelect, tt, v, one, zero);
	}
	if (to == VY_BOOL) {
		uint32_t zero = cnst(s, from, 0);
		return VAL(s, from == VY_F32 ? SpvOpFUnordNotEqual : SpvOpINotEqual,
			   tt, v, zero);
	}
	if (from == VY_F32)
		return float_to_int(s, to, v);
	if (to == VY_F32)
		return VAL(s, from == VY_I32 ? SpvOpConvertSToF : SpvOpConvertUToF,
			   tt, v);
	return VAL(s, SpvOpBitcast, tt, v);
}

/* clz/ctz on the 32 bits, 32 for 0. */
static uint32_t count_zeros(struct spv *s, enum vy_type t, uint32_t v,
			    bool leading)
{
	uint32_t tu = ty(s, VY_U32), tb = ty(s, VY_BOOL);
	uint32_t u = t == VY_U32 ? v : VAL(s, SpvOpBitcast, tu, v);
	uint32_t r;
	if (leading) {
		uint32_t msb = EXT(s, tu, GLSLstd450FindUMsb, u);
		r = VAL(s, SpvOpISub, tu, u32c(s, 31), msb);
	} else {
		r = EXT(s, tu, GLSLstd450FindILsb, u);
	}
	uint32_t zero = u32c(s, 0), n32 = u32c(s, 32);
	uint32_t isz = VAL(s, SpvOpIEqual, tb, u, zero);
	r = VAL(s, SpvOpSelect, tu, isz, n32, r);
	return t == VY_U32 ? r : VAL(s, SpvOpBitcast, ty(s, t), r);
}

static uint32_t mulhi(struct spv *s, enum vy_type t, uint32_t a, uint32_t b)
{
	uint32_t ti = ty(s, t);
	uint32_t st = TYPE(s, SpvOpTypeStruct, ti, ti);
	uint32_t r = VAL(s, t == VY_I32 ? SpvOpSMulExtended : SpvOpUMulExtended,
			 st, a, b);
	return VAL(s, SpvOpCompositeExtract, ti, r, 1);
}

/* sign(x) exactly as doc/SEMANTICS.md: +-0 and NaN pass through. */
static uint32_t sign(struct spv *s, enum vy_type t, uint32_t x)
{
	uint32_t tt = ty(s, t), tb = ty(s, VY_BOOL);
	if (t == VY_I32 || t == VY_I64)
		return EXT(s, tt, GLSLstd450SSign, x);
	if (t == VY_F64) {
		uint32_t zero = cnst64(s, t, 0);
		uint32_t nan = isnan_t(s, t, x), notnan = VAL(s, SpvOpLogicalNot, tb, nan);
		uint32_t neg = VAL(s, SpvOpLogicalAnd, tb, notnan,
				   VAL(s, SpvOpFOrdLessThan, tb, x, zero));
		uint32_t r = VAL(s, SpvOpSelect, tt, neg, fone(s, t, true), x);
		uint32_t pos = VAL(s, SpvOpLogicalAnd, tb, notnan,
				   VAL(s, SpvOpFOrdGreaterThan, tb, x, zero));
		return VAL(s, SpvOpSelect, tt, pos, fone(s, t, false), r);
	}
	if (t == VY_U32 || t == VY_U64) {
		uint32_t zero = icst(s, t, 0), one = icst(s, t, 1);
		uint32_t nz = VAL(s, SpvOpINotEqual, tb, x, zero);
		return VAL(s, SpvOpSelect, tt, nz, one, zero);
	}
	uint32_t zero = cnst(s, t, 0);
	uint32_t one = cnst(s, t, 0x3F800000u), mone = cnst(s, t, 0xBF800000u);
	uint32_t nan = isnan_i(s, x), notnan = VAL(s, SpvOpLogicalNot, tb, nan);
	uint32_t neg = VAL(s, SpvOpLogicalAnd, tb, notnan,
			   VAL(s, SpvOpFOrdLessThan, tb, x, zero));
	uint32_t r = VAL(s, SpvOpSelect, tt, neg, mone, x);
	uint32_t pos = VAL(s, SpvOpLogicalAnd, tb, notnan,
			   VAL(s, SpvOpFOrdGreaterThan, tb, x, zero));
	return VAL(s, SpvOpSelect, tt, pos, one, r);
}

/* ---- a correctly rounded fma on top of Vulkan's Fma, which may be
 * evaluated as a rounded multiply then add (Vulkan spec, Precision of
 * GLSL.std.450 instructions).  Boldo & Melquiond's emulation (IEEE TC
 * 2008): (uh, ul) = exact a*b, (th, tl) = exact c + uh, result =
 * th + round_to_odd(tl + ul).  Every step is NoContraction.  Where an
 * intermediate overflows (or an operand is inf/NaN) the emulation gives
 * NaN and the plain a*b + c is used, which then is the right answer;
 * so it is for a zero result (sign of zero).  Two scalings keep the
 * intermediates finite where the result is: |a*b| >= 2^126 (a*b + c may
 * be finite while a*b overflows) halves a and c and doubles the result;
 * an operand >= 2^100, whose Veltkamp split would overflow, trades 2^32
 * with the other.  Both are exact where they matter. ---- */

static uint32_t fadd(struct spv *s, uint32_t a, uint32_t b)
{
	return precise(s, SpvOpFAdd, a, b);
}

static uint32_t fsub(struct spv *s, uint32_t a, uint32_t b)
{
	return precise(s, SpvOpFSub, a, b);
}

static uint32_t fmul(struct spv *s, uint32_t a, uint32_t b)
{
	return precise(s, SpvOpFMul, a, b);
}

/* Veltkamp: a = hi + lo with 12-bit halves. */
static void split(struct spv *s, uint32_t a, uint32_t *hi, uint32_t *lo)
{
	uint32_t c = fmul(s, cnst(s, VY_F32, 0x45800800u), a);   /* 4097 */
	*hi = fsub(s, c, fsub(s, c, a));
	*lo = fsub(s, a, *hi);
}

/* s + e == a + b exactly (Knuth). */
static uint32_t two_sum(struct spv *s, uint32_t a, uint32_t b, uint32_t *e)
{
	uint32_t sum = fadd(s, a, b);
	uint32_t bb = fsub(s, sum, a);
	*e = fadd(s, fsub(s, a, fsub(s, sum, bb)), fsub(s, b, bb));
	return sum;
}

/* x + y rounded to odd: when inexact and the nearest sum is even, step
 * one ulp toward the exact value. */
static uint32_t add_odd(struct spv *s, uint32_t x, uint32_t y, uint32_t *e_pos,
			uint32_t *e_zero)
{
	uint32_t tb = ty(s, VY_BOOL), tu = ty(s, VY_U32), tf = ty(s, VY_F32);
	uint32_t fzero = cnst(s, VY_F32, 0), one = u32c(s, 1), zero = u32c(s, 0);
	uint32_t t, sum = two_sum(s, x, y, &t);
	uint32_t bits = VAL(s, SpvOpBitcast, tu, sum);
	uint32_t even = VAL(s, SpvOpIEqual, tb,
			    VAL(s, SpvOpBitwiseAnd, tu, bits, one), zero);
	uint32_t inexact = VAL(s, SpvOpFOrdNotEqual, tb, t, fzero);
	uint32_t fix = VAL(s, SpvOpLogicalAnd, tb, even, inexact);
	uint32_t same = VAL(s, SpvOpLogicalEqual, tb,
			    VAL(s, SpvOpFOrdGreaterThan, tb, t, fzero),
			    VAL(s, SpvOpFOrdGreaterThan, tb, sum, fzero));
	uint32_t up = VAL(s, SpvOpIAdd, tu, bits, one);
	uint32_t down = VAL(s, SpvOpISub, tu, bits, one);
	uint32_t moved = VAL(s, SpvOpSelect, tu, same, up, down);
	uint32_t r = VAL(s, SpvOpSelect, tu, fix, moved, bits);
	/* the sign of x + y - result: t's, or the opposite where moved */
	*e_pos = VAL(s, SpvOpSelect, tb, fix, VAL(s, SpvOpFOrdLessThan, tb, t, fzero),
		     VAL(s, SpvOpFOrdGreaterThan, tb, t, fzero));
	*e_zero = VAL(s, SpvOpLogicalNot, tb, inexact);
	return VAL(s, SpvOpBitcast, tf, r);
}

/* a*b as the unevaluated sum hi + *lo (Dekker). */
static uint32_t two_prod(struct spv *s, uint32_t a, uint32_t b, uint32_t *lo)
{
	uint32_t ah, al, bh, bl, hi = fmul(s, a, b);
	split(s, a, &ah, &al);
	split(s, b, &bh, &bl);
	uint32_t e = fsub(s, fmul(s, ah, bh), hi);
	e = fadd(s, e, fmul(s, ah, bl));
	e = fadd(s, e, fmul(s, al, bh));
	*lo = fadd(s, e, fmul(s, al, bl));
	return hi;
}

/* The emulation proper, on operands scaled so that nothing overflows
 * where the result does not. */
/* *above: the exact a*b + c exceeds the result; *exact: equals it (for
 * rounding the result again, to a denormal). */
static uint32_t fma_core(struct spv *s, uint32_t a, uint32_t b, uint32_t c,
			 uint32_t *above, uint32_t *exact)
{
	uint32_t tb = ty(s, VY_BOOL), tf = ty(s, VY_F32);
	uint32_t ul, tl, uh = two_prod(s, a, b, &ul);
	uint32_t th = two_sum(s, c, uh, &tl);
	uint32_t e2p, e2z, e1, v = add_odd(s, tl, ul, &e2p, &e2z);
	uint32_t r = two_sum(s, th, v, &e1);
	/* exact - r = e1 + e2, |e2| below e1's unit where e1 != 0 */
	uint32_t z = cnst(s, VY_F32, 0);
	uint32_t e1z = VAL(s, SpvOpFOrdEqual, tb, e1, z);
	*above = VAL(s, SpvOpSelect, tb, e1z, e2p,
		     VAL(s, SpvOpFOrdGreaterThan, tb, e1, z));
	*exact = VAL(s, SpvOpLogicalAnd, tb, e1z, e2z);
	uint32_t plain = fadd(s, uh, c);
	/* also a zero result: then c == -a*b exactly and the plain sum has
	 * the IEEE sign of zero, which the emulation loses */
	uint32_t fzero = cnst(s, VY_F32, 0);
	uint32_t bad = VAL(s, SpvOpLogicalOr, tb, isnan_i(s, r),
			   isinf_i(s, r));
	bad = VAL(s, SpvOpLogicalOr, tb, bad,
		  VAL(s, SpvOpFOrdEqual, tb, r, fzero));
	return VAL(s, SpvOpSelect, tf, bad, plain, r);
}

static uint32_t fselect(struct spv *s, uint32_t cond, uint32_t a, uint32_t b)
{
	return VAL(s, SpvOpSelect, ty(s, VY_F32), cond, a, b);
}

/* |x| >= the f32 of bits (false for NaN). */
static uint32_t abs_ge(struct spv *s, uint32_t x, uint32_t bits)
{
	uint32_t ax = EXT(s, ty(s, VY_F32), GLSLstd450FAbs, x);
	return VAL(s, SpvOpFOrdGreaterThanEqual, ty(s, VY_BOOL), ax,
		   cnst(s, VY_F32, bits));
}

static uint32_t fin_val(struct spv *s, uint32_t x)
{
	uint32_t tb = ty(s, VY_BOOL);
	return VAL(s, SpvOpLogicalNot, tb, VAL(s, SpvOpLogicalOr, tb,
		   isnan_i(s, x), isinf_i(s, x)));
}

static uint32_t fbits(struct spv *s, uint32_t x);
static uint32_t ffrom(struct spv *s, uint32_t u);
static uint32_t i32c(struct spv *s, int32_t v);

/* A denormal result's mantissa n (u32) shifted right by d (i32) for
 * rounding in integers, as the exact fma and the exact divide both need:
 * dz when d > 25 (nothing of n is kept), then, with d clamped to [1, 25],
 * the kept bits hi, the dropped bits rem and half of the last kept bit. */
struct rsplit { uint32_t dz, hi, rem, half; };

static struct rsplit shift_split(struct spv *s, uint32_t n, uint32_t d)
{
	uint32_t tb = ty(s, VY_BOOL), tu = ty(s, VY_U32), ti = ty(s, VY_I32);
	struct rsplit q;
	q.dz = VAL(s, SpvOpSGreaterThan, tb, d, i32c(s, 25));
	uint32_t dc = VAL(s, SpvOpBitcast, tu, EXT(s, ti, GLSLstd450SClamp, d,
			  i32c(s, 1), i32c(s, 25)));
	q.hi = VAL(s, SpvOpShiftRightLogical, tu, n, dc);
	uint32_t bit = VAL(s, SpvOpShiftLeftLogical, tu, u32c(s, 1), dc);
	q.rem = VAL(s, SpvOpBitwiseAnd, tu, n,
		    VAL(s, SpvOpISub, tu, bit, u32c(s, 1)));
	q.half = VAL(s, SpvOpShiftRightLogical, tu, bit, u32c(s, 1));
	return q;
}
static uint32_t usel(struct spv *s, uint32_t c, uint32_t a, uint32_t b);
static uint32_t band(struct spv *s, uint32_t a, uint32_t b);
static uint32_t bor(struct spv *s, uint32_t a, uint32_t b);

static uint32_t fma_exact(struct spv *s, uint32_t a, uint32_t b, uint32_t c)
{
	uint32_t tb = ty(s, VY_BOOL);
	uint32_t one = cnst(s, VY_F32, 0x3F800000u), fzero = cnst(s, VY_F32, 0);
	uint32_t up = cnst(s, VY_F32, 0x4F800000u);      /* 2^32 */
	uint32_t down = cnst(s, VY_F32, 0x2F800000u);    /* 2^-32 */
	/* halve a and c where |a*b| >= 2^126: then |a| >= 1/4, so a/2 is
	 * exact; c/2 may lose c's last bit only when c is subnormal, where c
	 * is a mere tie-breaker, so a c that halves to zero stays c */
	uint32_t fin = VAL(s, SpvOpLogicalAnd, tb, fin_val(s, a), fin_val(s, b));
	uint32_t big = VAL(s, SpvOpLogicalAnd, tb, VAL(s, SpvOpLogicalAnd, tb,
			   fin, fin_val(s, c)), abs_ge(s, fmul(s, a, b), 0x7E800000u));
	uint32_t h = fselect(s, big, cnst(s, VY_F32, 0x3F000000u), one);
	uint32_t a1 = fmul(s, a, h), ch = fmul(s, c, h);
	uint32_t lost = VAL(s, SpvOpFOrdEqual, tb, ch, fzero);
	uint32_t c1 = fselect(s, lost, c, ch);
	/* an operand >= 2^100 gives 2^32 to the other: exact unless the
	 * product overflows anyway */
	uint32_t abig = abs_ge(s, a1, 0x71800000u), bbig = abs_ge(s, b, 0x71800000u);
	uint32_t ka = fselect(s, abig, down, fselect(s, bbig, up, one));
	uint32_t kb = fselect(s, abig, up, fselect(s, bbig, down, one));
	/* |a*b| < 2^-100 (a, b not 0): the product's low part would
	 * underflow.  With |c| >= 2^-60 the result is c (|a*b| is below half
	 * its ulp); else a and b take 2^64 each and c 2^128, and the result
	 * gives it back (exact for a normal result) */
	uint32_t tf = ty(s, VY_F32);
	uint32_t nz = VAL(s, SpvOpLogicalAnd, tb,
			  VAL(s, SpvOpFOrdNotEqual, tb, a, fzero),
			  VAL(s, SpvOpFOrdNotEqual, tb, b, fzero));
	uint32_t tiny = VAL(s, SpvOpLogicalAnd, tb, VAL(s, SpvOpLogicalAnd, tb,
			    VAL(s, SpvOpLogicalAnd, tb, fin, fin_val(s, c)), nz),
			    VAL(s, SpvOpLogicalNot, tb, abs_ge(s, fmul(s, a, b), 0x0D800000u)));
	uint32_t cbig = abs_ge(s, c, 0x21800000u);
	uint32_t t64 = cnst(s, VY_F32, 0x5F800000u), tm64 = cnst(s, VY_F32, 0x1F800000u);
	uint32_t ai = fselect(s, tiny, fmul(s, a, t64), fmul(s, a1, ka));
	uint32_t bi = fselect(s, tiny, fmul(s, b, t64), fmul(s, b, kb));
	uint32_t ci = fselect(s, tiny, fmul(s, fmul(s, c, t64), t64), c1);
	uint32_t above, exact;
	uint32_t r = fma_core(s, ai, bi, ci, &above, &exact);
	uint32_t rt = fmul(s, fmul(s, r, tm64), tm64);
	/* a denormal result of the scaled sum (|r| < 4) is rounded once, in
	 * integers, with the sign of the exact remainder breaking ties */
	{
		uint32_t tu = ty(s, VY_U32), ti = ty(s, VY_I32);
		uint32_t rb = fbits(s, r);
		uint32_t R = VAL(s, SpvOpBitwiseAnd, tu, rb, u32c(s, 0x7FFFFFFF));
		uint32_t sg = VAL(s, SpvOpBitwiseAnd, tu, rb, u32c(s, 0x80000000u));
		uint32_t small = VAL(s, SpvOpULessThan, tb, R, u32c(s, 0x40800000u));
		uint32_t n = VAL(s, SpvOpBitwiseOr, tu, VAL(s, SpvOpBitwiseAnd, tu, R,
				 u32c(s, 0x7FFFFF)), u32c(s, 0x800000));
		/* d = 2 - (exponent - 127) = 129 - field */
		uint32_t d = VAL(s, SpvOpISub, ti, i32c(s, 129), VAL(s, SpvOpBitcast, ti,
				 VAL(s, SpvOpShiftRightLogical, tu, R, u32c(s, 23))));
		struct rsplit q = shift_split(s, n, d);
		uint32_t dz = q.dz, hi = q.hi, rem = q.rem, half = q.half;
		uint32_t neg = VAL(s, SpvOpINotEqual, tb, sg, u32c(s, 0));
		/* the remainder's sign on the magnitude */
		uint32_t mag_above = VAL(s, SpvOpSelect, tb, neg,
			VAL(s, SpvOpLogicalNot, tb, VAL(s, SpvOpLogicalOr, tb, above, exact)),
			above);
		uint32_t hodd = VAL(s, SpvOpINotEqual, tb, VAL(s, SpvOpBitwiseAnd, tu, hi,
				    u32c(s, 1)), u32c(s, 0));
		uint32_t up = bor(s, VAL(s, SpvOpUGreaterThan, tb, rem, half),
			band(s, VAL(s, SpvOpIEqual, tb, rem, half),
			     bor(s, mag_above, band(s, exact, hodd))));
		uint32_t mag = usel(s, dz, u32c(s, 0),
			usel(s, up, VAL(s, SpvOpIAdd, tu, hi, u32c(s, 1)), hi));
		uint32_t den = ffrom(s, VAL(s, SpvOpBitwiseOr, tu, sg, mag));
		rt = VAL(s, SpvOpSelect, tf, small, den, rt);
	}
	r = fmul(s, r, fselect(s, big, cnst(s, VY_F32, 0x40000000u), one));
	r = VAL(s, SpvOpSelect, tf, tiny, fselect(s, cbig, c, rt), r);
	/* a zero c: the product rounded once, which keeps the sign of a
	 * product that underflows to zero (the scaled core loses it) */
	uint32_t cz = VAL(s, SpvOpIEqual, tb, VAL(s, SpvOpBitwiseAnd, ty(s, VY_U32),
			  fbits(s, c), u32c(s, 0x7FFFFFFF)), u32c(s, 0));
	r = fselect(s, band(s, band(s, fin, nz), cz), fmul(s, a, b), r);
	/* finite a*b (even one that overflows f32) plus an infinite c is c */
	uint32_t cinf = VAL(s, SpvOpIEqual, tb, VAL(s, SpvOpBitwiseAnd, ty(s, VY_U32),
			    fbits(s, c), u32c(s, 0x7FFFFFFF)), u32c(s, 0x7F800000));
	return fselect(s, VAL(s, SpvOpLogicalAnd, tb, fin, cinf), c, r);
}

/* ---- correctly rounded / and sqrt.  Vulkan bounds OpFDiv by 2.5 ulp
 * (for divisors in [2^-126, 2^126]) and Sqrt by InverseSqrt's error, so
 * both are computed on the mantissas of the operands (exact powers of
 * two taken out with integer ops, denormal operands normalised with
 * FindUMsb), where every intermediate is a normal f32: the native result,
 * one correction step, then the neighbour that the exact residual (Dekker
 * product, or the fused multiply-add of the fma mode) selects.  Special
 * operands (0, inf, NaN, negative sqrt) are classified on the bits, so
 * no driver assumption about NaN or denormals is involved; results are
 * put together in integers, so denormal results keep their bits and
 * round once.  NaN results are the quiet NaN 0x7FC00000. ---- */

static uint32_t fbits(struct spv *s, uint32_t x)
{
	return VAL(s, SpvOpBitcast, ty(s, VY_U32), x);
}

static uint32_t ffrom(struct spv *s, uint32_t u)
{
	return VAL(s, SpvOpBitcast, ty(s, VY_F32), u);
}

static uint32_t i32c(struct spv *s, int32_t v)
{
	return cnst(s, VY_I32, (uint32_t)v);
}

static uint32_t f32c(struct spv *s, uint32_t bits)
{
	return cnst(s, VY_F32, bits);
}

static uint32_t usel(struct spv *s, uint32_t c, uint32_t a, uint32_t b)
{
	return VAL(s, SpvOpSelect, ty(s, VY_U32), c, a, b);
}

static uint32_t isel(struct spv *s, uint32_t c, uint32_t a, uint32_t b)
{
	return VAL(s, SpvOpSelect, ty(s, VY_I32), c, a, b);
}

static uint32_t bor(struct spv *s, uint32_t a, uint32_t b)
{
	return VAL(s, SpvOpLogicalOr, ty(s, VY_BOOL), a, b);
}

static uint32_t band(struct spv *s, uint32_t a, uint32_t b)
{
	return VAL(s, SpvOpLogicalAnd, ty(s, VY_BOOL), a, b);
}

/* The magnitude bits A (finite, not zero) as m * 2^e, m in [1, 2). */
static void norm(struct spv *s, uint32_t A, uint32_t *m, uint32_t *e)
{
	uint32_t tu = ty(s, VY_U32), tb = ty(s, VY_BOOL), ti = ty(s, VY_I32);
	uint32_t ef = VAL(s, SpvOpShiftRightLogical, tu, A, u32c(s, 23));
	uint32_t sub = VAL(s, SpvOpIEqual, tb, ef, u32c(s, 0));
	uint32_t msb = EXT(s, tu, GLSLstd450FindUMsb, A);
	uint32_t sh = usel(s, sub, VAL(s, SpvOpISub, tu, u32c(s, 23), msb),
			   u32c(s, 0));
	uint32_t mant = VAL(s, SpvOpShiftLeftLogical, tu, A, sh);
	mant = VAL(s, SpvOpBitwiseAnd, tu, mant, u32c(s, 0x7FFFFF));
	*m = ffrom(s, VAL(s, SpvOpBitwiseOr, tu, mant, u32c(s, 0x3F800000)));
	uint32_t ex = usel(s, sub, VAL(s, SpvOpISub, tu, u32c(s, 1), sh), ef);
	*e = VAL(s, SpvOpISub, ti, VAL(s, SpvOpBitcast, ti, ex), i32c(s, 127));
}

/* a - c*b for a, b in [1, 2) and c near a/b: exact where the result is a
 * float (Sterbenz for a - hi, then one rounding of an exact value). */
static uint32_t resid(struct spv *s, uint32_t c, uint32_t b, uint32_t a)
{
	if (s->c->fma_mode == VY_FMA_KHR) {   /* OpFmaKHR in the end */
		uint32_t tf = ty(s, VY_F32);
		return EXT(s, tf, GLSLstd450Fma, VAL(s, SpvOpFNegate, tf, c), b, a);
	}
	uint32_t lo, hi = two_prod(s, c, b, &lo);
	return fsub(s, fsub(s, a, hi), lo);
}

/* Special operands: nan, inf or zero magnitudes. */
static uint32_t is_nan_m(struct spv *s, uint32_t A)
{
	return VAL(s, SpvOpUGreaterThan, ty(s, VY_BOOL), A, u32c(s, 0x7F800000));
}

static uint32_t is_m(struct spv *s, uint32_t A, uint32_t bits)
{
	return VAL(s, SpvOpIEqual, ty(s, VY_BOOL), A, u32c(s, bits));
}

static uint32_t fdiv_exact(struct spv *s, uint32_t a, uint32_t b)
{
	uint32_t tu = ty(s, VY_U32), tb = ty(s, VY_BOOL), ti = ty(s, VY_I32);
	uint32_t tf = ty(s, VY_F32);
	uint32_t fzero = f32c(s, 0), one = f32c(s, 0x3F800000u);
	uint32_t abs_mask = u32c(s, 0x7FFFFFFF), uzero = u32c(s, 0);
	uint32_t ubits = fbits(s, a), vbits = fbits(s, b);
	uint32_t sign = VAL(s, SpvOpBitwiseAnd, tu,
			    VAL(s, SpvOpBitwiseXor, tu, ubits, vbits),
			    u32c(s, 0x80000000u));
	uint32_t A = VAL(s, SpvOpBitwiseAnd, tu, ubits, abs_mask);
	uint32_t B = VAL(s, SpvOpBitwiseAnd, tu, vbits, abs_mask);
	/* the common case, |a| and |b| in [2^-31, 2^32): the quotient is
	 * normal and every intermediate too, so the correction works on the
	 * operands themselves (about a third of the general path) */
	uint32_t lo_b = u32c(s, 0x30000000u), hi_b = u32c(s, 0x4F800000u);
	uint32_t fast = band(s, band(s, VAL(s, SpvOpUGreaterThanEqual, tb, A, lo_b),
				     VAL(s, SpvOpULessThan, tb, A, hi_b)),
			     band(s, VAL(s, SpvOpUGreaterThanEqual, tb, B, lo_b),
				  VAL(s, SpvOpULessThan, tb, B, hi_b)));
	uint32_t lfast = fresh(s), lslow = fresh(s), merge = fresh(s);
	select_branch(s, merge, SpvSelectionControlMaskNone, fast, lfast, lslow);
	label(s, lfast);
	uint32_t fres;
	{
		uint32_t x = ffrom(s, A), y = ffrom(s, B);
		uint32_t q0 = VAL(s, SpvOpFDiv, tf, x, y);
		uint32_t c = fadd(s, q0, VAL(s, SpvOpFDiv, tf, resid(s, q0, y, x), y));
		uint32_t cb = fbits(s, c);
		uint32_t r = resid(s, c, y, x);
		uint32_t uu = ffrom(s, VAL(s, SpvOpISub, tu, VAL(s, SpvOpBitwiseAnd, tu,
				    cb, u32c(s, 0x7F800000u)), u32c(s, 23u << 23)));
		uint32_t pow2 = VAL(s, SpvOpIEqual, tb, VAL(s, SpvOpBitwiseAnd, tu, cb,
				    u32c(s, 0x7FFFFF)), uzero);
		uint32_t ud = fselect(s, pow2, fmul(s, uu, f32c(s, 0x3F000000u)), uu);
		uint32_t r2 = fadd(s, r, r);
		uint32_t hup = fsub(s, r2, fmul(s, uu, y));
		uint32_t hdn = fadd(s, r2, fmul(s, ud, y));
		uint32_t odd = VAL(s, SpvOpINotEqual, tb,
				   VAL(s, SpvOpBitwiseAnd, tu, cb, u32c(s, 1)), uzero);
		uint32_t up = bor(s, VAL(s, SpvOpFOrdGreaterThan, tb, hup, fzero),
			band(s, VAL(s, SpvOpFOrdEqual, tb, hup, fzero), odd));
		uint32_t dn = bor(s, VAL(s, SpvOpFOrdLessThan, tb, hdn, fzero),
			band(s, VAL(s, SpvOpFOrdEqual, tb, hdn, fzero), odd));
		cb = usel(s, up, VAL(s, SpvOpIAdd, tu, cb, u32c(s, 1)),
			  usel(s, dn, VAL(s, SpvOpISub, tu, cb, u32c(s, 1)), cb));
		fres = VAL(s, SpvOpBitwiseOr, tu, cb, sign);
	}
	uint32_t from_fast = s->cur_label;
	branch(s, merge);
	label(s, lslow);
	uint32_t ma, ea, mb, eb;
	norm(s, A, &ma, &ea);
	norm(s, B, &mb, &eb);
	uint32_t E = VAL(s, SpvOpISub, ti, ea, eb);
	/* q = ma/mb in (1/2, 2); its grid is 2^-23 from 1 up, 2^-24 below */
	uint32_t ge = VAL(s, SpvOpFOrdGreaterThanEqual, tb, ma, mb);
	uint32_t k = isel(s, ge, i32c(s, 23), i32c(s, 24));
	uint32_t ku = VAL(s, SpvOpBitcast, tu, k);
	uint32_t u = ffrom(s, VAL(s, SpvOpShiftLeftLogical, tu,
			   VAL(s, SpvOpISub, tu, u32c(s, 127), ku), u32c(s, 23)));
	uint32_t scale = ffrom(s, VAL(s, SpvOpShiftLeftLogical, tu,
			       VAL(s, SpvOpIAdd, tu, u32c(s, 127), ku), u32c(s, 23)));
	uint32_t q0 = VAL(s, SpvOpFDiv, tf, ma, mb);
	uint32_t q1 = fadd(s, q0, VAL(s, SpvOpFDiv, tf, resid(s, q0, mb, ma), mb));
	uint32_t lt1 = VAL(s, SpvOpFOrdLessThan, tb, q1, one);
	uint32_t c = fselect(s, band(s, ge, lt1), one, q1);
	uint32_t n1 = VAL(s, SpvOpConvertFToU, tu, fmul(s, c, scale));
	uint32_t odd = VAL(s, SpvOpINotEqual, tb,
			   VAL(s, SpvOpBitwiseAnd, tu, n1, u32c(s, 1)), uzero);
	uint32_t r = resid(s, c, mb, ma), hu = fmul(s, u, mb);
	uint32_t r2 = fadd(s, r, r);
	uint32_t hup = fsub(s, r2, hu), hdn = fadd(s, r2, hu);
	uint32_t up = band(s, VAL(s, SpvOpFOrdGreaterThan, tb, r, fzero),
		bor(s, VAL(s, SpvOpFOrdGreaterThan, tb, hup, fzero),
		    band(s, VAL(s, SpvOpFOrdEqual, tb, hup, fzero), odd)));
	uint32_t dn = band(s, VAL(s, SpvOpFOrdLessThan, tb, r, fzero),
		bor(s, VAL(s, SpvOpFOrdLessThan, tb, hdn, fzero),
		    band(s, VAL(s, SpvOpFOrdEqual, tb, hdn, fzero), odd)));
	uint32_t n = usel(s, up, VAL(s, SpvOpIAdd, tu, n1, u32c(s, 1)),
			  usel(s, dn, VAL(s, SpvOpISub, tu, n1, u32c(s, 1)), n1));
	/* the residual of the chosen n: its sign rounds a denormal result */
	uint32_t rn = fselect(s, up, fsub(s, r, hu), fselect(s, dn, fadd(s, r, hu), r));
	uint32_t rpos = VAL(s, SpvOpFOrdGreaterThan, tb, rn, fzero);
	uint32_t rzero = VAL(s, SpvOpFOrdEqual, tb, rn, fzero);
	/* normal result: n * 2^(E - k) */
	uint32_t K = VAL(s, SpvOpISub, ti, E, k);
	uint32_t nb = fbits(s, VAL(s, SpvOpConvertUToF, tf, n));
	uint32_t Ku = VAL(s, SpvOpBitcast, tu, K);
	uint32_t norm_bits = VAL(s, SpvOpIAdd, tu, nb,
				 VAL(s, SpvOpShiftLeftLogical, tu, Ku, u32c(s, 23)));
	uint32_t expo = VAL(s, SpvOpIAdd, ti, VAL(s, SpvOpBitcast, ti,
			    VAL(s, SpvOpShiftRightLogical, tu, nb, u32c(s, 23))), K);
	uint32_t ovf = VAL(s, SpvOpSGreaterThanEqual, tb, expo, i32c(s, 255));
	norm_bits = usel(s, ovf, u32c(s, 0x7F800000), norm_bits);
	/* denormal result (exponent below -126): n / 2^d rounded to nearest
	 * even in integers, the residual's sign breaking the ties */
	uint32_t er = isel(s, ge, E, VAL(s, SpvOpISub, ti, E, i32c(s, 1)));
	uint32_t sub = VAL(s, SpvOpSLessThan, tb, er, i32c(s, -126));
	uint32_t d = VAL(s, SpvOpISub, ti, VAL(s, SpvOpISub, ti, k, i32c(s, 149)), E);
	struct rsplit q = shift_split(s, n, d);
	uint32_t dz = q.dz, hi = q.hi, rem = q.rem, half = q.half;
	uint32_t hodd = VAL(s, SpvOpINotEqual, tb,
			    VAL(s, SpvOpBitwiseAnd, tu, hi, u32c(s, 1)), uzero);
	uint32_t rup = bor(s, VAL(s, SpvOpUGreaterThan, tb, rem, half),
		band(s, VAL(s, SpvOpIEqual, tb, rem, half),
		     bor(s, rpos, band(s, rzero, hodd))));
	uint32_t sub_bits = usel(s, dz, uzero,
		usel(s, rup, VAL(s, SpvOpIAdd, tu, hi, u32c(s, 1)), hi));
	uint32_t mag = usel(s, sub, sub_bits, norm_bits);
	/* special operands */
	uint32_t za = is_m(s, A, 0), zb = is_m(s, B, 0);
	uint32_t ia = is_m(s, A, 0x7F800000), ib = is_m(s, B, 0x7F800000);
	uint32_t nan = bor(s, bor(s, is_nan_m(s, A), is_nan_m(s, B)),
			   bor(s, band(s, za, zb), band(s, ia, ib)));
	mag = usel(s, bor(s, za, ib), uzero, mag);
	mag = usel(s, bor(s, ia, zb), u32c(s, 0x7F800000), mag);
	uint32_t res = VAL(s, SpvOpBitwiseOr, tu, mag, sign);
	uint32_t sres = usel(s, nan, u32c(s, 0x7FC00000), res);
	uint32_t from_slow = s->cur_label;
	branch(s, merge);
	label(s, merge);
	return ffrom(s, VAL(s, SpvOpPhi, tu, fres, from_fast, sres, from_slow));
}

static uint32_t fsqrt_exact(struct spv *s, uint32_t x)
{
	uint32_t tu = ty(s, VY_U32), tb = ty(s, VY_BOOL), ti = ty(s, VY_I32);
	uint32_t tf = ty(s, VY_F32);
	uint32_t X = fbits(s, x);
	uint32_t A = VAL(s, SpvOpBitwiseAnd, tu, X, u32c(s, 0x7FFFFFFF));
	uint32_t m, e;
	norm(s, A, &m, &e);
	/* x = m2 * 2^(2h), m2 in [1, 4); sqrt(m2) in [1, 2), grid 2^-23 */
	uint32_t oddx = VAL(s, SpvOpINotEqual, tb,
			    VAL(s, SpvOpBitwiseAnd, ti, e, i32c(s, 1)), i32c(s, 0));
	uint32_t m2 = fselect(s, oddx, fadd(s, m, m), m);
	uint32_t h = VAL(s, SpvOpShiftRightArithmetic, ti, e, i32c(s, 1));
	uint32_t s0 = EXT(s, tf, GLSLstd450Sqrt, m2);
	uint32_t s1 = fadd(s, s0, VAL(s, SpvOpFDiv, tf, resid(s, s0, s0, m2),
				       fadd(s, s0, s0)));
	uint32_t c = fmul(s, EXT(s, tf, GLSLstd450RoundEven,
				 fmul(s, s1, f32c(s, 0x4B000000u))), f32c(s, 0x34000000u));
	/* m2 - c^2 and c * 2^-23 in integer units of 2^-48 (all exact) */
	uint32_t lo, hi = two_prod(s, c, c, &lo);
	uint32_t t1 = fsub(s, m2, hi), w = f32c(s, 0x57800000u);   /* 2^48 */
	uint32_t T = VAL(s, SpvOpISub, ti,
			 VAL(s, SpvOpConvertFToS, ti, fmul(s, t1, w)),
			 VAL(s, SpvOpConvertFToS, ti, fmul(s, lo, w)));
	uint32_t CU = VAL(s, SpvOpConvertFToS, ti, fmul(s, c, f32c(s, 0x4C000000u)));
	/* above (c + u/2)^2: up; below (c - u/2)^2: down (no ties) */
	uint32_t up = VAL(s, SpvOpSGreaterThan, tb, T,
			  VAL(s, SpvOpIAdd, ti, CU, i32c(s, 1)));
	uint32_t dn = VAL(s, SpvOpSLessThan, tb, T,
			  VAL(s, SpvOpISub, ti, i32c(s, 1), CU));
	uint32_t cb = fbits(s, c);
	cb = usel(s, up, VAL(s, SpvOpIAdd, tu, cb, u32c(s, 1)),
		  usel(s, dn, VAL(s, SpvOpISub, tu, cb, u32c(s, 1)), cb));
	uint32_t res = VAL(s, SpvOpIAdd, tu, cb, VAL(s, SpvOpShiftLeftLogical, tu,
			   VAL(s, SpvOpBitcast, tu, h), u32c(s, 23)));
	/* +-0 stays, +inf stays, NaN and negatives give NaN */
	uint32_t neg = VAL(s, SpvOpUGreaterThan, tb, X, u32c(s, 0x80000000u));
	uint32_t nan = bor(s, is_nan_m(s, A), neg);
	res = usel(s, bor(s, is_m(s, A, 0), is_m(s, X, 0x7F800000)), X, res);
	return ffrom(s, usel(s, nan, u32c(s, 0x7FC00000), res));
}

/* ---- the f64 fma mode: a*b is exact in f64, so the f64 Fma of the
 * widened operands is s = a*b + c rounded once (fused or not), and the
 * f64 -> f32 conversion of s is the correctly rounded fma unless s sits
 * exactly on an f32 rounding midpoint (its low 29 bits 1 followed by
 * zeros, or more zeros for a denormal f32) while the sum was inexact:
 * then, and only then, double rounding can go the wrong way.  The common
 * path tests the low 28 bits of s (a superset of every midpoint, cheap),
 * and branches around the rare fix-up: s rounded to odd (TwoSum error e;
 * an inexact s with an even last bit steps one ulp toward the exact sum),
 * which the conversion then rounds correctly (Boldo & Melquiond's
 * round-to-odd theorem: 53 >= 24 + 2).  Infinite and NaN operands give
 * IEEE's result through the f64 arithmetic itself; the step is taken
 * only where s is finite.  Every f64 bit test works on the two 32-bit
 * words (no Int64 needed).  The widening of an operand is shared by the
 * fmas of one block (a uniform a, a tile element used by several). ---- */

static uint32_t dop(struct spv *s, SpvOp op, uint32_t a, uint32_t b)
{
	uint32_t r = VAL(s, op, TYPE(s, SpvOpTypeFloat, 64), a, b);
	decorate(s, r, SpvDecorationNoContraction);
	return r;
}

/* f32 x widened to f64, once a block */
static uint32_t widen64(struct spv *s, uint32_t x)
{
	unsigned n = s->nwide < WIDE_CACHE ? s->nwide : WIDE_CACHE;
	for (unsigned i = 0; i < n; i++)
		if (s->wide[i][0] == x)
			return s->wide[i][1];
	uint32_t d = VAL(s, SpvOpFConvert, TYPE(s, SpvOpTypeFloat, 64), x);
	s->wide[s->nwide % WIDE_CACHE][0] = x;
	s->wide[s->nwide % WIDE_CACHE][1] = d;
	s->nwide++;
	return d;
}

/* sum = p + dc rounded to odd (p = da*db exact) */
static uint32_t round_odd64(struct spv *s, uint32_t p, uint32_t dc, uint32_t sum)
{
	uint32_t td = TYPE(s, SpvOpTypeFloat, 64), tb = ty(s, VY_BOOL);
	uint32_t tu = ty(s, VY_U32), tv = TYPE(s, SpvOpTypeVector, tu, 2);
	uint32_t bb = dop(s, SpvOpFSub, sum, p);
	uint32_t e = dop(s, SpvOpFAdd, dop(s, SpvOpFSub, p, dop(s, SpvOpFSub, sum, bb)),
			 dop(s, SpvOpFSub, dc, bb));
	uint32_t w = VAL(s, SpvOpBitcast, tv, sum);
	uint32_t lo = VAL(s, SpvOpCompositeExtract, tu, w, 0);
	uint32_t hi = VAL(s, SpvOpCompositeExtract, tu, w, 1);
	uint32_t fin = VAL(s, SpvOpINotEqual, tb, VAL(s, SpvOpBitwiseAnd, tu, hi,
			   u32c(s, 0x7FF00000)), u32c(s, 0x7FF00000));
	uint32_t dzero = CONST(s, SpvOpConstant, td, 0, 0);
	uint32_t inexact = VAL(s, SpvOpFOrdNotEqual, tb, e, dzero);
	uint32_t even = VAL(s, SpvOpIEqual, tb, VAL(s, SpvOpBitwiseAnd, tu, lo,
			    u32c(s, 1)), u32c(s, 0));
	uint32_t fix = band(s, band(s, fin, inexact), even);
	uint32_t away = VAL(s, SpvOpLogicalEqual, tb,
			    VAL(s, SpvOpFOrdGreaterThan, tb, e, dzero),
			    VAL(s, SpvOpFOrdGreaterThan, tb, sum, dzero));
	/* away from zero: set the low bit; toward zero: subtract one */
	uint32_t borrow = VAL(s, SpvOpIEqual, tb, lo, u32c(s, 0));
	uint32_t lo_dn = VAL(s, SpvOpISub, tu, lo, u32c(s, 1));
	uint32_t hi_dn = usel(s, borrow, VAL(s, SpvOpISub, tu, hi, u32c(s, 1)), hi);
	uint32_t lo2 = usel(s, fix, usel(s, away, VAL(s, SpvOpBitwiseOr, tu, lo,
			    u32c(s, 1)), lo_dn), lo);
	uint32_t hi2 = usel(s, band(s, fix, VAL(s, SpvOpLogicalNot, tb, away)),
			    hi_dn, hi);
	return VAL(s, SpvOpBitcast, td, VAL(s, SpvOpCompositeConstruct, tv, lo2, hi2));
}

static uint32_t fma_f64(struct spv *s, uint32_t a, uint32_t b, uint32_t c)
{
	uint32_t td = TYPE(s, SpvOpTypeFloat, 64), tb = ty(s, VY_BOOL);
	uint32_t tu = ty(s, VY_U32), tv = TYPE(s, SpvOpTypeVector, tu, 2);
	s->uses_f64 = true;
	uint32_t da = widen64(s, a), db = widen64(s, b), dc = widen64(s, c);
	uint32_t sum = EXT(s, td, GLSLstd450Fma, da, db, dc);
	uint32_t lo = VAL(s, SpvOpCompositeExtract, tu, VAL(s, SpvOpBitcast, tv, sum), 0);
	uint32_t mid = VAL(s, SpvOpIEqual, tb, VAL(s, SpvOpBitwiseAnd, tu, lo,
			   u32c(s, 0x0FFFFFFF)), u32c(s, 0));
	uint32_t from = s->cur_label, lmid = fresh(s), merge = fresh(s);
	uint32_t keep[WIDE_CACHE][2], nkeep = s->nwide;
	memcpy(keep, s->wide, sizeof keep);
	select_branch(s, merge, SpvSelectionControlDontFlattenMask, mid, lmid, merge);
	label(s, lmid);
	/* a possible midpoint (also every sum with few bits, as a short a
	 * gives): was the sum exact?  It was iff s - p == c and s - c == p
	 * (the one of the two with the larger operand subtracted is exact,
	 * Fast2Sum) */
	uint32_t p = dop(s, SpvOpFMul, da, db);
	uint32_t inexact = bor(s, VAL(s, SpvOpFUnordNotEqual, tb, dop(s, SpvOpFSub, sum, p), dc),
			       VAL(s, SpvOpFUnordNotEqual, tb, dop(s, SpvOpFSub, sum, dc), p));
	uint32_t lfix = fresh(s), mmid = fresh(s), from_mid = s->cur_label;
	select_branch(s, mmid, SpvSelectionControlDontFlattenMask, inexact, lfix, mmid);
	label(s, lfix);
	uint32_t odd = round_odd64(s, p, dc, sum);
	uint32_t from_fix = s->cur_label;
	branch(s, mmid);
	label(s, mmid);
	uint32_t r1 = VAL(s, SpvOpPhi, td, sum, from_mid, odd, from_fix);
	uint32_t from_m = s->cur_label;
	branch(s, merge);
	label(s, merge);
	/* the block before the branch dominates the merge */
	memcpy(s->wide, keep, sizeof keep);
	s->nwide = nkeep;
	uint32_t r = VAL(s, SpvOpPhi, td, sum, from, r1, from_m);
	return VAL(s, SpvOpFConvert, ty(s, VY_F32), r);
}

/* mix(a, b, t) = a*(1 - t) + b*t = a - a*t + b*t, the products exact and
 * the five terms summed with compensation (Ogita-Rump-Oishi Sum2), so
 * the result is within the 2 ulp of vyrec_ops.def also where the terms
 * cancel; FMix is a + t*(b - a) on common drivers and is not.  Non-finite
 * results fall back to FMix. */
static uint32_t mix(struct spv *s, uint32_t a, uint32_t b, uint32_t t)
{
	uint32_t tb = ty(s, VY_BOOL), tf = ty(s, VY_F32);
	uint32_t l1, l2, e, err;
	uint32_t h1 = two_prod(s, a, t, &l1);
	uint32_t h2 = two_prod(s, b, t, &l2);
	uint32_t n1 = VAL(s, SpvOpFNegate, tf, h1);
	uint32_t n2 = VAL(s, SpvOpFNegate, tf, l1);
	uint32_t sum = two_sum(s, a, n1, &err);
	sum = two_sum(s, sum, h2, &e);
	err = fadd(s, err, e);
	sum = two_sum(s, sum, n2, &e);
	err = fadd(s, err, e);
	sum = two_sum(s, sum, l2, &e);
	err = fadd(s, err, e);
	uint32_t r = fadd(s, sum, err);
	uint32_t bad = VAL(s, SpvOpLogicalOr, tb, isnan_i(s, r),
			   isinf_i(s, r));
	uint32_t plain = EXT(s, tf, GLSLstd450FMix, a, b, t);
	return VAL(s, SpvOpSelect, tf, bad, plain, r);
}

static uint32_t minmax(struct spv *s, enum vy_type t, bool max, uint32_t a,
		       uint32_t b)
{
	int inst;
	if (t == VY_F32 || t == VY_F64) {
		/* IEEE minNum/maxNum spelt out: NMin/NMax's NaN rule is not
		 * kept by a driver that assumes no NaNs; FMin/FMax of two
		 * numbers is exact */
		uint32_t tf = ty(s, t);
		uint32_t r = EXT(s, tf, max ? GLSLstd450FMax : GLSLstd450FMin, a, b);
		r = VAL(s, SpvOpSelect, tf, isnan_t(s, t, b), a, r);
		return VAL(s, SpvOpSelect, tf, isnan_t(s, t, a), b, r);
	}
	if (t == VY_I32 || t == VY_I64)
		inst = max ? GLSLstd450SMax : GLSLstd450SMin;
	else
		inst = max ? GLSLstd450UMax : GLSLstd450UMin;
	return EXT(s, ty(s, t), inst, a, b);
}

static const struct spv_row spv_ops[VY_OP_COUNT];

/* The row's opcode for operands of type t. */
/* The table's column of type t: the 64-bit types share the 32-bit
 * types' opcodes (SPIR-V's are width-generic). */
static int col(enum vy_type t)
{
	return (t == VY_F64 ? VY_F32 : t == VY_U64 ? VY_U32 : t == VY_I64 ? VY_I32 : t) - VY_BOOL;
}

static SpvOp row_op(enum vy_opcode code, enum vy_type t)
{
	return (SpvOp)spv_ops[code].op[col(t)];
}

static uint32_t compare(struct spv *s, enum vy_opcode code, enum vy_type t,
			uint32_t a, uint32_t b)
{
	SpvOp op = row_op(code, t);
	uint32_t tb = ty(s, VY_BOOL), r = VAL(s, op, tb, a, b);
	if (t != VY_F32 && t != VY_F64)
		return r;
	/* Without float controls a Vulkan driver may assume no NaNs and fold
	 * x == x to true, x != x to false (Mesa does), or a < b to !(a >= b):
	 * settle NaN operands on the bits (isnan_i). */
	uint32_t nan = VAL(s, SpvOpLogicalOr, tb, isnan_t(s, t, a),
			   isnan_t(s, t, b));
	if (code == VY_OP_NE)
		return VAL(s, SpvOpLogicalOr, tb, nan, r);
	return VAL(s, SpvOpLogicalAnd, tb, VAL(s, SpvOpLogicalNot, tb, nan), r);
}

static uint32_t shift(struct spv *s, enum vy_opcode code, enum vy_type t,
		      const struct vy_expr *amount, uint32_t a, uint32_t b)
{
	uint32_t m, w = is64(t) ? 63 : 31;   /* modulo the width */
	if (amount->kind == VY_E_CONST) {
		m = cnst(s, amount->type, amount->bits & w);
	} else {
		uint32_t mask = cnst(s, amount->type, w);
		m = VAL(s, SpvOpBitwiseAnd, ty(s, amount->type), b, mask);
	}
	return VAL(s, row_op(code, t), ty(s, t), a, m);
}

static uint32_t atomic(struct spv *s, const struct vy_expr *e)
{
	const struct vy_expr *ref = e->args[0];
	enum vy_type t = ref->type;
	uint32_t ptr = elem_ptr(s, ref);
	uint32_t scope = u32c(s, ref->space == VY_SPACE_BUFFER ?
			      SpvScopeDevice : SpvScopeWorkgroup);
	uint32_t sem = u32c(s, SpvMemorySemanticsMaskNone);
	uint32_t v = expr(s, e->args[1]), tt = ty(s, t);
	s->uses_fatomic |= t == VY_F32;   /* OpAtomicFAddEXT, SPEC §10.2 */
	if (e->nargs > 2) {   /* compare_exchange(p, cmp, v) */
		uint32_t nv = expr(s, e->args[2]);
		return VAL(s, row_op(e->op->code, t), tt, ptr, scope, sem,
			   sem, nv, v);
	}
	return VAL(s, row_op(e->op->code, t), tt, ptr, scope, sem, v);
}

/* ---- the lowering table ---- */

/* The special rows: a, the operands' ids; tt, the result type's id. */
static uint32_t div_op(struct spv *s, const struct vy_expr *e, uint32_t tt,
		       const uint32_t *a)
{
	if (e->type == VY_F32 && s->c->fast_math)
		return VAL(s, SpvOpFDiv, tt, a[0], a[1]);
	if (e->type == VY_F32)
		return fdiv_exact(s, a[0], a[1]);
	if (e->type == VY_F64)   /* the driver's f64 division */
		return VAL(s, SpvOpFDiv, tt, a[0], a[1]);
	return int_div(s, e->type, a[0], a[1], e->args[1], false);
}

static uint32_t rem_op(struct spv *s, const struct vy_expr *e, uint32_t tt,
		       const uint32_t *a)
{
	(void)tt;
	return int_div(s, e->type, a[0], a[1], e->args[1], true);
}

static uint32_t shift_op(struct spv *s, const struct vy_expr *e, uint32_t tt,
			 const uint32_t *a)
{
	(void)tt;
	return shift(s, e->op->code, e->type, e->args[1], a[0], a[1]);
}

static uint32_t compare_op(struct spv *s, const struct vy_expr *e, uint32_t tt,
			   const uint32_t *a)
{
	(void)tt;
	return compare(s, e->op->code, e->args[0]->type, a[0], a[1]);
}

static uint32_t cast_op(struct spv *s, const struct vy_expr *e, uint32_t tt,
			const uint32_t *a)
{
	(void)tt;
	return cast(s, e->args[0]->type, e->type, a[0]);
}

static uint32_t bitcast_op(struct spv *s, const struct vy_expr *e, uint32_t tt,
			   const uint32_t *a)
{
	return e->args[0]->type == e->type ? a[0] : VAL(s, SpvOpBitcast, tt, a[0]);
}

/* The exact f32 fma of the emulate mode (fma_exact) as one function,
 * made on first use, for a kernel with two or more (the f64 mode's
 * common path is 12 instructions and stays inline: sgemm on the H200's
 * NVIDIA Vulkan driver ran 211 ms with the call, 163 inline): inline,
 * each is 40 (f64) to 200 instructions, and sgemm's 512 after unrolling
 * made a 2.2 MB module that took the validator 200 ms (issue #13's
 * compile time).  Inline function control, as drivers inline every
 * function of a compute shader anyway: the code after the driver is
 * that of the inline copies.  A kernel with one keeps it inline (and
 * its bytes). */
static uint32_t fma_fn(struct spv *s)
{
	if (s->fma_id)
		return s->fma_id;
	uint32_t tf = ty(s, VY_F32);
	uint32_t fnty = TYPE(s, SpvOpTypeFunction, tf, tf, tf, tf);
	uint32_t id = s->fma_id = fresh(s);
	name(s, id, "vy_fma");
	struct words body = s->body;
	uint32_t cur = s->cur_label, p[3];
	bool dead = s->dead;
	int pend = fn_enter(s);
	s->body = (struct words){ 0 };
	INS(&s->body, SpvOpFunction, tf, id, SpvFunctionControlInlineMask, fnty);
	for (int i = 0; i < 3; i++) {
		p[i] = fresh(s);
		INS(&s->body, SpvOpFunctionParameter, tf, p[i]);
	}
	label(s, fresh(s));
	uint32_t r = fma_exact(s, p[0], p[1], p[2]);
	fn_close(s, r, body, cur, dead, pend);
	return id;
}

/* Whether the kernel has two or more exact f32 fmas (fma_fn); n counts. */
static bool expr_fmas(const struct vy_expr *e, int *n)
{
	if (!e)
		return false;
	if (e->kind == VY_E_OP && e->op && e->op->code == VY_OP_FMA && e->type == VY_F32)
		++*n;
	for (int i = 0; i < e->nargs && *n < 2; i++)
		expr_fmas(e->args[i], n);
	return *n >= 2;
}

static bool block_fmas(const struct vy_block *b, int *n)
{
	for (int i = 0; i < b->n && *n < 2; i++) {
		const struct vy_stmt *st = b->v[i];
		expr_fmas(st->index, n);
		expr_fmas(st->value, n);
		expr_fmas(st->lo, n);
		expr_fmas(st->hi, n);
		expr_fmas(st->step, n);
		block_fmas(&st->body, n);
		block_fmas(&st->els, n);
	}
	return *n >= 2;
}

static uint32_t fma_op(struct spv *s, const struct vy_expr *e, uint32_t tt,
		       const uint32_t *a)
{
	/* KHR: GLSL Fma now, OpFmaKHR at the end (khr_fma); f64: the
	 * driver's Fma */
	if (e->type == VY_F64)
		return EXT(s, tt, GLSLstd450Fma, a[0], a[1], a[2]);
	if (s->c->fast_math || s->c->fma_mode == VY_FMA_KHR)
		return EXT(s, tt, GLSLstd450Fma, a[0], a[1], a[2]);
	if (s->fma_call)
		return VAL(s, SpvOpFunctionCall, tt, fma_fn(s), a[0], a[1], a[2]);
	if (s->c->fma_mode == VY_FMA_F64)
		return fma_f64(s, a[0], a[1], a[2]);
	return fma_exact(s, a[0], a[1], a[2]);
}

static uint32_t min_op(struct spv *s, const struct vy_expr *e, uint32_t tt,
		       const uint32_t *a)
{
	(void)tt;
	return minmax(s, e->type, false, a[0], a[1]);
}

static uint32_t max_op(struct spv *s, const struct vy_expr *e, uint32_t tt,
		       const uint32_t *a)
{
	(void)tt;
	return minmax(s, e->type, true, a[0], a[1]);
}

static uint32_t clamp_op(struct spv *s, const struct vy_expr *e, uint32_t tt,
			 const uint32_t *a)
{
	enum vy_type t = e->type;
	(void)tt;
	return minmax(s, t, false, minmax(s, t, true, a[0], a[1]), a[2]);
}

static uint32_t abs_op(struct spv *s, const struct vy_expr *e, uint32_t tt,
		       const uint32_t *a)
{
	if (e->type == VY_U32 || e->type == VY_U64)
		return a[0];
	return EXT(s, tt, e->type == VY_F32 || e->type == VY_F64 ? GLSLstd450FAbs :
		   GLSLstd450SAbs, a[0]);
}

static uint32_t sign_op(struct spv *s, const struct vy_expr *e, uint32_t tt,
			const uint32_t *a)
{
	(void)tt;
	return sign(s, e->type, a[0]);
}

static uint32_t sqrt_op(struct spv *s, const struct vy_expr *e, uint32_t tt,
			const uint32_t *a)
{
	if (!s->c->fast_math && e->type != VY_F64)   /* f64: the driver's */
		return fsqrt_exact(s, a[0]);
	return EXT(s, tt, GLSLstd450Sqrt, a[0]);
}

static uint32_t mix_op(struct spv *s, const struct vy_expr *e, uint32_t tt,
		       const uint32_t *a)
{
	(void)e;
	if (s->c->fast_math)
		return EXT(s, tt, GLSLstd450FMix, a[0], a[1], a[2]);
	return mix(s, a[0], a[1], a[2]);
}

/* x < edge ? 0 : 1, NaN x included */
static uint32_t step_op(struct spv *s, const struct vy_expr *e, uint32_t tt,
			const uint32_t *a)
{
	(void)e;
	return VAL(s, SpvOpSelect, tt, compare(s, VY_OP_LT, VY_F32, a[1], a[0]),
		   cnst(s, VY_F32, 0), cnst(s, VY_F32, 0x3F800000u));
}

static uint32_t clz_op(struct spv *s, const struct vy_expr *e, uint32_t tt,
		       const uint32_t *a)
{
	(void)tt;
	return count_zeros(s, e->type, a[0], true);
}

static uint32_t ctz_op(struct spv *s, const struct vy_expr *e, uint32_t tt,
		       const uint32_t *a)
{
	(void)tt;
	return count_zeros(s, e->type, a[0], false);
}

static uint32_t mulhi_op(struct spv *s, const struct vy_expr *e, uint32_t tt,
			 const uint32_t *a)
{
	(void)tt;
	return mulhi(s, e->type, a[0], a[1]);
}

/* Columns bool, u32, i32, f32 (the operands' type): an opcode, a
 * GLSL.std.450 instruction for S_EXT, 0 where the op has no such type. */
#define B_(x) { x, 0, 0, 0 }
#define I_(u, i) { 0, u, i, 0 }
#define F_(f) { 0, 0, 0, f }
#define N_(u, i, f) { 0, u, i, f }
#define A_(x) { x, x, x, x }
#define EQ_(b, i, f) { b, i, i, f }
#define FN_(f) .form = S_FN, .fn = f

static const struct spv_row spv_ops[VY_OP_COUNT] = {
	[VY_OP_ADD] = { S_PRECISE, N_(SpvOpIAdd, SpvOpIAdd, SpvOpFAdd) },
	[VY_OP_SUB] = { S_PRECISE, N_(SpvOpISub, SpvOpISub, SpvOpFSub) },
	[VY_OP_MUL] = { S_PRECISE, N_(SpvOpIMul, SpvOpIMul, SpvOpFMul) },
	[VY_OP_DIV] = { FN_(div_op) },
	[VY_OP_REM] = { FN_(rem_op) },
	[VY_OP_NEG] = { S_VAL, N_(SpvOpSNegate, SpvOpSNegate, SpvOpFNegate) },
	[VY_OP_AND] = { S_VAL, I_(SpvOpBitwiseAnd, SpvOpBitwiseAnd) },
	[VY_OP_OR] = { S_VAL, I_(SpvOpBitwiseOr, SpvOpBitwiseOr) },
	[VY_OP_XOR] = { S_VAL, I_(SpvOpBitwiseXor, SpvOpBitwiseXor) },
	[VY_OP_NOT] = { S_VAL, I_(SpvOpNot, SpvOpNot) },
	[VY_OP_SHL] = { S_FN, I_(SpvOpShiftLeftLogical, SpvOpShiftLeftLogical), shift_op },
	[VY_OP_SHR] = { S_FN, I_(SpvOpShiftRightLogical, SpvOpShiftRightArithmetic), shift_op },
	[VY_OP_EQ] = { S_FN, EQ_(SpvOpLogicalEqual, SpvOpIEqual, SpvOpFOrdEqual), compare_op },
	[VY_OP_NE] = { S_FN, EQ_(SpvOpLogicalNotEqual, SpvOpINotEqual, SpvOpFUnordNotEqual), compare_op },
	[VY_OP_LT] = { S_FN, N_(SpvOpULessThan, SpvOpSLessThan, SpvOpFOrdLessThan), compare_op },
	[VY_OP_LE] = { S_FN, N_(SpvOpULessThanEqual, SpvOpSLessThanEqual, SpvOpFOrdLessThanEqual), compare_op },
	[VY_OP_GT] = { S_FN, N_(SpvOpUGreaterThan, SpvOpSGreaterThan, SpvOpFOrdGreaterThan), compare_op },
	[VY_OP_GE] = { S_FN, N_(SpvOpUGreaterThanEqual, SpvOpSGreaterThanEqual, SpvOpFOrdGreaterThanEqual), compare_op },
	[VY_OP_LAND] = { S_VAL, B_(SpvOpLogicalAnd) },
	[VY_OP_LOR] = { S_VAL, B_(SpvOpLogicalOr) },
	[VY_OP_LNOT] = { S_VAL, B_(SpvOpLogicalNot) },
	[VY_OP_SELECT] = { S_VAL, A_(SpvOpSelect) },
	[VY_OP_CAST] = { FN_(cast_op) },
	[VY_OP_BITCAST] = { FN_(bitcast_op) },
	[VY_OP_FMA] = { FN_(fma_op) },
	[VY_OP_MIN] = { FN_(min_op) },
	[VY_OP_MAX] = { FN_(max_op) },
	[VY_OP_CLAMP] = { FN_(clamp_op) },
	[VY_OP_ABS] = { FN_(abs_op) },
	[VY_OP_SIGN] = { FN_(sign_op) },
	[VY_OP_FLOOR] = { S_EXT, F_(GLSLstd450Floor) },
	[VY_OP_CEIL] = { S_EXT, F_(GLSLstd450Ceil) },
	[VY_OP_ROUND] = { S_EXT, F_(GLSLstd450RoundEven) },
	[VY_OP_TRUNC] = { S_EXT, F_(GLSLstd450Trunc) },
	[VY_OP_FRACT] = { S_EXT, F_(GLSLstd450Fract) },
	[VY_OP_SQRT] = { FN_(sqrt_op) },
	[VY_OP_RSQRT] = { S_EXT, F_(GLSLstd450InverseSqrt) },
	[VY_OP_EXP] = { S_EXT, F_(GLSLstd450Exp) },
	[VY_OP_EXP2] = { S_EXT, F_(GLSLstd450Exp2) },
	[VY_OP_LOG] = { S_EXT, F_(GLSLstd450Log) },
	[VY_OP_LOG2] = { S_EXT, F_(GLSLstd450Log2) },
	[VY_OP_POW] = { S_EXT, F_(GLSLstd450Pow) },
	[VY_OP_SIN] = { S_EXT, F_(GLSLstd450Sin) },
	[VY_OP_COS] = { S_EXT, F_(GLSLstd450Cos) },
	[VY_OP_TAN] = { S_EXT, F_(GLSLstd450Tan) },
	[VY_OP_TANH] = { S_EXT, F_(GLSLstd450Tanh) },
	[VY_OP_MIX] = { FN_(mix_op) },
	[VY_OP_STEP] = { FN_(step_op) },
	[VY_OP_POPCOUNT] = { S_VAL, I_(SpvOpBitCount, SpvOpBitCount) },
	[VY_OP_CLZ] = { FN_(clz_op) },
	[VY_OP_CTZ] = { FN_(ctz_op) },
	[VY_OP_REVERSE_BITS] = { S_VAL, I_(SpvOpBitReverse, SpvOpBitReverse) },
	[VY_OP_MULHI] = { FN_(mulhi_op) },
	[VY_OP_ATOMIC_ADD] = { S_ATOMIC, N_(SpvOpAtomicIAdd, SpvOpAtomicIAdd, SpvOpAtomicFAddEXT) },
	[VY_OP_ATOMIC_SUB] = { S_ATOMIC, I_(SpvOpAtomicISub, SpvOpAtomicISub) },
	[VY_OP_ATOMIC_MIN] = { S_ATOMIC, I_(SpvOpAtomicUMin, SpvOpAtomicSMin) },
	[VY_OP_ATOMIC_MAX] = { S_ATOMIC, I_(SpvOpAtomicUMax, SpvOpAtomicSMax) },
	[VY_OP_ATOMIC_AND] = { S_ATOMIC, I_(SpvOpAtomicAnd, SpvOpAtomicAnd) },
	[VY_OP_ATOMIC_OR] = { S_ATOMIC, I_(SpvOpAtomicOr, SpvOpAtomicOr) },
	[VY_OP_ATOMIC_XOR] = { S_ATOMIC, I_(SpvOpAtomicXor, SpvOpAtomicXor) },
	[VY_OP_ATOMIC_EXCHANGE] = { S_ATOMIC, I_(SpvOpAtomicExchange, SpvOpAtomicExchange) },
	[VY_OP_ATOMIC_COMPARE_EXCHANGE] = { S_ATOMIC, I_(SpvOpAtomicCompareExchange, SpvOpAtomicCompareExchange) },
	[VY_OP_SG_ADD] = { FN_(sg_reduce_op) },
	[VY_OP_SG_MIN] = { FN_(sg_reduce_op) },
	[VY_OP_SG_MAX] = { FN_(sg_reduce_op) },
	[VY_OP_SG_AND] = { FN_(sg_reduce_op) },
	[VY_OP_SG_OR] = { FN_(sg_reduce_op) },
	[VY_OP_SG_XOR] = { FN_(sg_reduce_op) },
	[VY_OP_SG_INCLUSIVE_ADD] = { FN_(sg_scan_op) },
	[VY_OP_SG_EXCLUSIVE_ADD] = { FN_(sg_scan_op) },
	[VY_OP_SG_BROADCAST] = { FN_(sg_shuffle_op) },
	[VY_OP_SG_BROADCAST_FIRST] = { FN_(sg_vote_op) },
	[VY_OP_SG_SHUFFLE] = { FN_(sg_shuffle_op) },
	[VY_OP_SG_SHUFFLE_XOR] = { FN_(sg_shuffle_op) },
	[VY_OP_SG_SHUFFLE_UP] = { FN_(sg_shuffle_op) },
	[VY_OP_SG_SHUFFLE_DOWN] = { FN_(sg_shuffle_op) },
	[VY_OP_SG_ALL] = { FN_(sg_vote_op) },
	[VY_OP_SG_ANY] = { FN_(sg_vote_op) },
	[VY_OP_SG_ELECT] = { FN_(sg_vote_op) },
	[VY_OP_SG_BALLOT] = { FN_(sg_ballot_op) },
};

bool vy_spv_lowers(enum vy_opcode code)
{
	return code < VY_OP_COUNT && (spv_ops[code].form != S_NONE || vy_op_is_library(code));
}

/* Ops whose operands are all evaluated, left to right. */
static uint32_t eager_op(struct spv *s, const struct vy_expr *e)
{
	const struct spv_row *r = &spv_ops[e->op->code];
	enum vy_type t = e->type, at = e->nargs ? e->args[0]->type : t;
	uint32_t a[3] = { 0, 0, 0 }, tt = ty(s, t), x[5];
	SpvOp op = (SpvOp)r->op[col(at)];
	for (int i = 0; i < e->nargs && i < 3; i++)
		a[i] = expr(s, e->args[i]);
	switch (r->form) {
	case S_PRECISE:
		if (at == VY_F32)
			return precise(s, op, a[0], a[1]);
		if (at == VY_F64) {
			uint32_t r64 = VAL(s, op, tt, a[0], a[1]);
			decorate(s, r64, SpvDecorationNoContraction);
			return r64;
		}
		return val(s, op, tt, a, (size_t)e->nargs);
	case S_VAL:
		return val(s, op, tt, a, (size_t)e->nargs);
	case S_EXT:
		x[0] = s->glsl;
		x[1] = (uint32_t)op;
		memcpy(x + 2, a, sizeof a);
		return val(s, SpvOpExtInst, tt, x, (size_t)e->nargs + 2);
	case S_FN:
		return r->fn(s, e, tt, a);
	case S_NONE:
	case S_ATOMIC:
		break;
	}
	bug(s, "op without a SPIR-V lowering");
	return cnst(s, t, 0);
}

/* The function of a library op, made on first use: its program
 * (src/mathlib_ir.h), each core op by its own lowering here, the exact
 * ones even under --fast-math; one function per op used keeps the module
 * linear in the number of calls. */
static uint32_t mathlib_fn(struct spv *s, enum vy_opcode code, uint32_t *rt)
{
	struct vy_arena *a = vy_arena_new();
	struct vy_mprog mp;
	vy_mathlib_prog(a, code, &mp);
	uint32_t tf = ty(s, mp.ptype);
	*rt = ty(s, mp.v[mp.n - 1]->type);
	if (s->mfn[code]) {
		vy_arena_free(a);
		return s->mfn[code];
	}
	uint32_t fnty = mp.nparams == 1 ? TYPE(s, SpvOpTypeFunction, *rt, tf) :
		TYPE(s, SpvOpTypeFunction, *rt, tf, tf);
	uint32_t id = s->mfn[code] = fresh(s);
	name(s, id, vy_builtin_op(code)->id);
	uint32_t *v = calloc((size_t)mp.n, sizeof *v), *slot = s->slot;
	if (!v)
		vy_bug("out of memory");
	struct words body = s->body;
	uint32_t cur = s->cur_label;
	bool dead = s->dead;
	int pend = fn_enter(s);
	const struct vy_emit_config *c = s->c;
	struct vy_emit_config exact = *c;
	exact.fast_math = false;
	s->c = &exact;
	s->body = (struct words){ 0 };
	s->slot = v;
	INS(&s->body, SpvOpFunction, *rt, id, SpvFunctionControlMaskNone, fnty);
	for (int i = 0; i < mp.nparams; i++) {
		v[i] = fresh(s);
		INS(&s->body, SpvOpFunctionParameter, tf, v[i]);
	}
	label(s, fresh(s));
	for (int i = mp.nparams; i < mp.n; i++)
		v[i] = expr(s, mp.v[i]);
	fn_close(s, v[mp.n - 1], body, cur, dead, pend);
	s->c = c;
	s->slot = slot;
	free(v);
	vy_arena_free(a);
	return id;
}

static uint32_t mathlib(struct spv *s, const struct vy_expr *e)
{
	uint32_t x = expr(s, e->args[0]), rt;
	uint32_t y = e->nargs > 1 ? expr(s, e->args[1]) : 0;
	uint32_t fn = mathlib_fn(s, e->op->code, &rt);
	if (e->nargs > 1)
		return VAL(s, SpvOpFunctionCall, rt, fn, x, y);
	return VAL(s, SpvOpFunctionCall, rt, fn, x);
}

static uint32_t op(struct spv *s, const struct vy_expr *e)
{
	if (!e->op || e->op->code >= VY_OP_COUNT) {
		bug(s, "composite op reached the emitter");
		return cnst(s, e->type, 0);
	}
	enum vy_opcode code = e->op->code;
	if (is_atomic(e))
		return atomic(s, e);
	if (vy_op_is_library(code))
		return mathlib(s, e);
	if ((code == VY_OP_LAND || code == VY_OP_LOR) && vy_expr_touches_memory(e->args[1]))
		return lazy_logic(s, e, code == VY_OP_LAND);
	if (code == VY_OP_SELECT && (vy_expr_touches_memory(e->args[1]) || vy_expr_touches_memory(e->args[2])))
		return lazy_select(s, e);
	return eager_op(s, e);
}

/* A loaded element widened to its value type (SPEC §10.1); shared
 * arrays hold words that stores already narrowed. */
static uint32_t load_elem(struct spv *s, const struct vy_expr *e)
{
	enum vy_type mt = vy_type_elem(vy_mem_type(s->p, e->space, e->index));
	if (vy_type_info(mt)->cls != VY_TC_STORAGE || e->space == VY_SPACE_SHARED)
		return VAL(s, SpvOpLoad, ty(s, e->type), elem_ptr(s, e));
	uint32_t raw = VAL(s, SpvOpLoad, ty_mem(s, mt), elem_ptr(s, e));
	uint32_t tu = ty(s, VY_U32);
	switch (mt) {
	case VY_I8: case VY_I16:
		return VAL(s, SpvOpSConvert, ty(s, VY_I32), raw);
	case VY_BF16: {
		uint32_t w = VAL(s, SpvOpUConvert, tu, raw);
		uint32_t hi = VAL(s, SpvOpShiftLeftLogical, tu, w, u32c(s, 16));
		return VAL(s, SpvOpBitcast, ty(s, VY_F32), hi);
	}
	default:
		return VAL(s, SpvOpUConvert, tu, raw);
	}
}

/* f32 v to bf16 bits in a u32, nearest even, a NaN made quiet. */
static uint32_t bf16_bits(struct spv *s, uint32_t v)
{
	uint32_t tu = ty(s, VY_U32);
	uint32_t x = VAL(s, SpvOpBitcast, tu, v);
	uint32_t hi = VAL(s, SpvOpShiftRightLogical, tu, x, u32c(s, 16));
	uint32_t odd = VAL(s, SpvOpBitwiseAnd, tu, hi, u32c(s, 1));
	uint32_t b = VAL(s, SpvOpIAdd, tu, x, VAL(s, SpvOpIAdd, tu, odd, u32c(s, 0x7fff)));
	uint32_t rne = VAL(s, SpvOpShiftRightLogical, tu, b, u32c(s, 16));
	uint32_t quiet = VAL(s, SpvOpBitwiseOr, tu, hi, u32c(s, 0x40));
	uint32_t mag = VAL(s, SpvOpBitwiseAnd, tu, x, u32c(s, 0x7fffffff));
	uint32_t nan = VAL(s, SpvOpUGreaterThan, ty(s, VY_BOOL), mag, u32c(s, 0x7f800000));
	uint32_t r = VAL(s, SpvOpSelect, tu, nan, quiet, rne);
	return VAL(s, SpvOpBitwiseAnd, tu, r, u32c(s, 0xffff));
}

/* A value of type mt's value type made ready to store in an element of
 * mt: narrowed for a buffer; for a shared word, narrowed and widened
 * again (what a load of the narrow element would give). */
static uint32_t store_value(struct spv *s, enum vy_type mt, bool shared, uint32_t v)
{
	const struct vy_typeinfo *ti = vy_type_info(mt);
	if (ti->cls != VY_TC_STORAGE)
		return v;
	uint32_t tu = ty(s, VY_U32), ti32 = ty(s, VY_I32);
	if (mt == VY_BF16) {
		uint32_t b = bf16_bits(s, v);
		if (!shared)
			return VAL(s, SpvOpUConvert, ty_mem(s, mt), b);
		return VAL(s, SpvOpBitcast, ty(s, VY_F32),
			   VAL(s, SpvOpShiftLeftLogical, tu, b, u32c(s, 16)));
	}
	if (!shared)
		return VAL(s, ti->spv_signed ? SpvOpSConvert : SpvOpUConvert,
			   ty_mem(s, mt), v);
	uint32_t sh = u32c(s, 32 - 8 * ti->size);
	if (!ti->spv_signed)
		return VAL(s, SpvOpBitwiseAnd, tu, v, u32c(s, ti->size == 1 ? 0xffu : 0xffffu));
	uint32_t up = VAL(s, SpvOpShiftLeftLogical, ti32, v, sh);
	return VAL(s, SpvOpShiftRightArithmetic, ti32, up, sh);
}

static uint32_t expr(struct spv *s, const struct vy_expr *e)
{
	switch (e->kind) {
	case VY_E_CONST: return cnst64(s, e->type, vy_const_bits(e));
	case VY_E_PARAM: return load_param(s, e);
	case VY_E_LOCAL: return load_local(s, e);
	case VY_E_BUILTIN: return builtin(s, e);
	case VY_E_LEN:
		return VAL(s, SpvOpArrayLength, ty(s, VY_U32),
			   s->buf_var[e->index], 0);
	case VY_E_LOAD:
		return load_elem(s, e);
	case VY_E_OP: return op(s, e);
	case VY_E_SLOT: return s->slot[e->index];
	default:
		bug(s, "unresolved expression reached the emitter");
		return cnst(s, VY_U32, 0);
	}
}

/* ---- statements ---- */

static void block(struct spv *s, const struct vy_block *b);

static void set_local(struct spv *s, int local, uint32_t v, uint32_t first)
{
	if (s->is_var[local] && s->forward && s->cur_label) {
		if (!s->pend[local])
			s->pend_list[s->npend++] = local;
		s->pend[local] = v;
		var_known(s, local, v);
		return;
	}
	if (s->is_var[local]) {
		INS(&s->body, SpvOpStore, s->local[local], v);
		var_known(s, local, v);
		return;
	}
	s->local[local] = v;
	if (v >= first)     /* a value made by this let, not a shared constant */
		name(s, v, s->p->locals[local].name);
}

static void if_stmt(struct spv *s, const struct vy_stmt *st)
{
	uint32_t c = expr(s, st->value);
	uint32_t then = fresh(s), merge = fresh(s);
	uint32_t els = st->els.n ? fresh(s) : merge;
	select_branch(s, merge, SpvSelectionControlMaskNone, c, then, els);
	label(s, then);
	block(s, &st->body);
	bool reach = !s->dead || els == merge;
	branch(s, merge);
	if (els != merge) {
		label(s, els);
		block(s, &st->els);
		reach |= !s->dead;
		branch(s, merge);
	}
	label(s, merge);
	if (!reach) {
		flush_stores(s);
		ins(&s->body, SpvOpUnreachable, NULL, 0);
		s->dead = true;
	}
}

static void push_loop(struct spv *s, uint32_t merge, uint32_t cont)
{
	if (s->nloops == s->loopcap) {
		s->loopcap = s->loopcap ? 2 * s->loopcap : 16;
		s->loops = realloc(s->loops, s->loopcap * sizeof *s->loops);
		if (!s->loops)
			vy_bug("out of memory");
	}
	s->loops[s->nloops++] = (struct loop){ merge, cont };
}

/* LoopControl Unroll for loops of a small constant trip count: a for loop
 * with constant bounds and step of at most 16 trips, or a while over a
 * local set to a constant right before it (reduce's `var s = 128u; while
 * s > 0u ... s = s >> 1u`). At -O1 and above vy_unroll (src/opt.c) has
 * unrolled most of these already (the NVIDIA Vulkan compiler keeps a loop
 * even with the hint: bench/gpu/results/RACE.md); the hint is for -O0 and
 * for the loops past its budget. A hint only: the bits are the same
 * either way. */
static uint32_t loop_control(const struct vy_stmt *st, const struct vy_stmt *prev)
{
	if (st->kind == VY_S_FOR) {
		if (st->lo->kind != VY_E_CONST || st->hi->kind != VY_E_CONST
		    || (st->step && st->step->kind != VY_E_CONST))
			return SpvLoopControlMaskNone;
		uint32_t lo = st->lo->bits, hi = st->hi->bits;
		uint32_t step = st->step ? st->step->bits : 1, span;
		bool sg = st->lo->type == VY_I32;
		if (st->step_negative)
			span = sg ? ((int32_t)lo > (int32_t)hi ? lo - hi : 0) : (lo > hi ? lo - hi : 0);
		else
			span = sg ? ((int32_t)lo < (int32_t)hi ? hi - lo : 0) : (lo < hi ? hi - lo : 0);
		step = st->step_negative ? 0u - step : step;
		return step && span / step <= 16 ? SpvLoopControlUnrollMask
						 : SpvLoopControlMaskNone;
	}
	if (prev && (prev->kind == VY_S_VAR || prev->kind == VY_S_ASSIGN)
	    && prev->value && prev->value->kind == VY_E_CONST && st->value
	    && st->value->kind == VY_E_OP)
		for (int i = 0; i < st->value->nargs; i++)
			if (st->value->args[i]->kind == VY_E_LOCAL
			    && st->value->args[i]->index == prev->local)
				return SpvLoopControlUnrollMask;
	return SpvLoopControlMaskNone;
}

/* header: OpLoopMerge, then the condition block, the body, the continue
 * block (cont_fn's increment) and the merge block. */
static void loop(struct spv *s, const struct vy_stmt *st,
		 uint32_t (*cond)(struct spv *, const struct vy_stmt *,
				  const uint32_t *),
		 void (*step)(struct spv *, const struct vy_stmt *,
			      const uint32_t *),
		 const uint32_t *env)
{
	uint32_t header = fresh(s), cblock = fresh(s), body = fresh(s);
	uint32_t cont = fresh(s), merge = fresh(s), ctl = loop_control(st, s->prev);
	branch(s, header);
	label(s, header);
	flush_stores(s);
	INS(&s->body, SpvOpLoopMerge, merge, cont, ctl);
	branch(s, cblock);
	label(s, cblock);
	uint32_t c = cond(s, st, env);
	INS(&s->body, SpvOpBranchConditional, c, body, merge);
	label(s, body);
	push_loop(s, merge, cont);
	block(s, &st->body);
	s->nloops--;
	branch(s, cont);
	label(s, cont);
	if (step)
		step(s, st, env);
	branch(s, header);
	label(s, merge);
}

static uint32_t while_cond(struct spv *s, const struct vy_stmt *st,
			   const uint32_t *env)
{
	return expr(s, st->value);
}

/* env: hi, step */
static uint32_t for_cond(struct spv *s, const struct vy_stmt *st,
			 const uint32_t *env)
{
	enum vy_type t = s->p->locals[st->local].type;
	uint32_t k = VAL(s, SpvOpLoad, ty(s, t), s->local[st->local]);
	return compare(s, st->step_negative ? VY_OP_GT : VY_OP_LT, t, k, env[0]);
}

static void for_step(struct spv *s, const struct vy_stmt *st,
		     const uint32_t *env)
{
	enum vy_type t = s->p->locals[st->local].type;
	uint32_t k = VAL(s, SpvOpLoad, ty(s, t), s->local[st->local]);
	uint32_t nk = VAL(s, SpvOpIAdd, ty(s, t), k, env[1]);
	var_direct(s, st->local);
	INS(&s->body, SpvOpStore, s->local[st->local], nk);
}

static void for_stmt(struct spv *s, const struct vy_stmt *st)
{
	enum vy_type t = s->p->locals[st->local].type;
	if ((t != VY_U32 && t != VY_I32) || !s->is_var[st->local]) {
		bug(s, "for loop variable is not an integer variable");
		return;
	}
	uint32_t lo = expr(s, st->lo), env[2];
	env[0] = expr(s, st->hi);
	env[1] = st->step ? expr(s, st->step) : cnst(s, t, 1);
	var_direct(s, st->local);
	INS(&s->body, SpvOpStore, s->local[st->local], lo);
	loop(s, st, for_cond, for_step, env);
}

static void store(struct spv *s, const struct vy_stmt *st)
{
	struct vy_expr ref = { .kind = VY_E_LOAD, .space = st->space,
			       .index = st->mem, .nargs = 1, .axis = st->comp,
			       .args = (struct vy_expr **)&st->index };
	uint32_t ptr = elem_ptr(s, &ref);
	uint32_t v = expr(s, st->value);
	v = store_value(s, vy_type_elem(vy_mem_type(s->p, st->space, st->mem)),
			st->space == VY_SPACE_SHARED, v);
	INS(&s->body, SpvOpStore, ptr, v);
}

/* var a: T[N] = v: one store of the whole array, N copies of v. */
static void fill_private(struct spv *s, const struct vy_stmt *st)
{
	const struct vy_privdecl *d = &s->p->privates[st->mem];
	uint32_t v = expr(s, st->value);
	uint32_t *w = vy_xcalloc(d->count + 1, sizeof *w, "the spv emitter");
	for (uint32_t i = 0; i < d->count; i++)
		w[i] = v;
	uint32_t at = TYPE(s, SpvOpTypeArray, ty(s, d->type), u32c(s, d->count));
	uint32_t all = val(s, SpvOpCompositeConstruct, at, w, d->count);
	free(w);
	INS(&s->body, SpvOpStore, s->priv_var[st->mem], all);
}

/* -g: "the YAML base name", as the PTX comments and .file name it (no
 * path in artifacts, SPEC §10.9). */
static const char *src_base(const struct vy_program *p)
{
	const char *path = p->src && p->src->path ? p->src->path : "program.yaml";
	const char *b = strrchr(path, '/');
	return b ? b + 1 : path;
}

static void stmt(struct spv *s, const struct vy_stmt *st)
{
	uint32_t first = s->next_id;
	if (s->dbg_file && st->loc.line > 0)   /* -g: OpLine per statement */
		INS(&s->body, SpvOpLine, s->dbg_file, (uint32_t)st->loc.line,
		    (uint32_t)(st->loc.col > 0 ? st->loc.col : 0));
	switch (st->kind) {
	case VY_S_LET: case VY_S_VAR: case VY_S_ASSIGN:
		set_local(s, st->local, expr(s, st->value), first);
		break;
	case VY_S_STORE: store(s, st); break;
	case VY_S_ARRAY: fill_private(s, st); break;
	case VY_S_IF: if_stmt(s, st); break;
	case VY_S_FOR: for_stmt(s, st); break;
	case VY_S_WHILE: loop(s, st, while_cond, NULL, NULL); break;
	case VY_S_BREAK: case VY_S_CONTINUE:
		if (!s->nloops) {
			bug(s, "break or continue outside a loop");
			break;
		}
		branch(s, st->kind == VY_S_BREAK ? s->loops[s->nloops - 1].merge :
			  s->loops[s->nloops - 1].cont);
		break;
	case VY_S_RETURN:
		flush_stores(s);
		ins(&s->body, SpvOpReturn, NULL, 0);
		s->dead = true;
		break;
	case VY_S_BARRIER: {
		uint32_t wg = u32c(s, SpvScopeWorkgroup);
		uint32_t sem = u32c(s, SpvMemorySemanticsAcquireReleaseMask |
				    SpvMemorySemanticsWorkgroupMemoryMask |
				    (buffer_barrier(s) ? SpvMemorySemanticsUniformMemoryMask : 0));
		INS(&s->body, SpvOpControlBarrier, wg, wg, sem);
		break;
	}
	case VY_S_EXPR: expr(s, st->value); break;
	}
}

/* Statements after a terminator are dead code and are not emitted. */
/* A vector access group (vy_vec_group): one OpLoad of the vector and
 * its components extracted, or the components made one vector and one
 * OpStore. */
static void vec_group(struct spv *s, struct vy_stmt *const *v, int n)
{
	uint32_t first = s->next_id;
	if (v[0]->kind == VY_S_LET) {
		const struct vy_expr *e = v[0]->value;
		enum vy_type mt = vy_mem_type(s->p, e->space, e->index);
		bool wide = vy_type_value(mt) != mt;   /* f16 bits: widened to u32 */
		uint32_t x = VAL(s, SpvOpLoad, e->space == VY_SPACE_BUFFER ? ty_mem(s, mt) : ty(s, mt),
				 vec_elem_ptr(s, e, true));
		if (wide && e->space == VY_SPACE_BUFFER)
			x = VAL(s, SpvOpUConvert, ty(s, mt), x);
		for (int j = 0; j < n; j++)
			set_local(s, v[j]->local, VAL(s, SpvOpCompositeExtract,
						      ty(s, wide ? VY_U32 : vy_type_elem(mt)), x,
						      (uint32_t)j), first);
		return;
	}
	const struct vy_stmt *st = v[0];
	enum vy_type mt = vy_mem_type(s->p, st->space, st->mem);
	struct vy_expr ref = { .kind = VY_E_LOAD, .space = st->space,
			       .index = st->mem, .nargs = 1,
			       .args = (struct vy_expr **)&st->index };
	uint32_t ptr = vec_elem_ptr(s, &ref, true), c[4];
	for (int j = 0; j < n; j++)
		c[j] = expr(s, v[j]->value);
	uint32_t x = n == 2 ? VAL(s, SpvOpCompositeConstruct, ty(s, mt), c[0], c[1]) :
		     n == 3 ? VAL(s, SpvOpCompositeConstruct, ty(s, mt), c[0], c[1], c[2]) :
			      VAL(s, SpvOpCompositeConstruct, ty(s, mt), c[0], c[1], c[2], c[3]);
	if (vy_type_value(mt) != mt && st->space == VY_SPACE_BUFFER)   /* f16 bits */
		x = VAL(s, SpvOpUConvert, ty_mem(s, mt), x);
	INS(&s->body, SpvOpStore, ptr, x);
}

static void block(struct spv *s, const struct vy_block *b)
{
	for (int i = 0; i < b->n && !s->dead && !s->bug; i++) {
		s->prev = i ? b->v[i - 1] : NULL;
		int g = vy_vec_group(s->p, b, i);
		if (g) {
			vec_group(s, b->v + i, g);
			i += g - 1;
			continue;
		}
		stmt(s, b->v[i]);
	}
}

/* ---- globals: buffers, params, shared arrays ---- */

static void scan_atomics(struct spv *s, const struct vy_expr *e)
{
	if (!e)
		return;
	if (is_atomic(e) && e->nargs && e->args[0]->space == VY_SPACE_BUFFER)
		s->atomic_buf[e->args[0]->index] = true;
	for (int i = 0; i < e->nargs; i++)
		scan_atomics(s, e->args[i]);
}

static void scan_block(struct spv *s, const struct vy_block *b)
{
	for (int i = 0; i < b->n; i++) {
		const struct vy_stmt *st = b->v[i];
		scan_atomics(s, st->value);
		scan_atomics(s, st->index);
		scan_atomics(s, st->lo);
		scan_atomics(s, st->hi);
		scan_atomics(s, st->step);
		scan_block(s, &st->body);
		scan_block(s, &st->els);
	}
}

static uint32_t runtime_array(struct spv *s, enum vy_type t)
{
	/* one runtime array per SPIR-V element type: bf16 shares u16's */
	const struct vy_typeinfo *ti = vy_type_info(t);
	for (int k = VY_U8; ti->cls == VY_TC_STORAGE && k < (int)t; k++)
		if (vy_type_info((enum vy_type)k)->spv_width == ti->spv_width &&
		    vy_type_info((enum vy_type)k)->spv_signed == ti->spv_signed) {
			t = (enum vy_type)k;
			break;
		}
	if (!s->rta[t]) {
		s->rta[t] = TYPE(s, SpvOpTypeRuntimeArray, ty_mem(s, t));
		INS(&s->decos, SpvOpDecorate, s->rta[t], SpvDecorationArrayStride,
		    vy_type_stride(t));
		if (vy_type_info(t)->cls == VY_TC_STORAGE)
			*(vy_type_size(t) == 1 ? &s->uses_8bit : &s->uses_16bit) = true;
		if (vy_type_value(t) != t && vy_type_lanes(t) > 1)   /* f16 bits */
			s->uses_16bit = true;
	}
	return s->rta[t];
}

static void declare_buffer(struct spv *s, int i)
{
	const struct vy_bufdecl *b = &s->p->buffers[i];
	uint32_t rta = runtime_array(s, b->type);
	uint32_t st = fresh(s), var = fresh(s);
	INS(&s->globals, SpvOpTypeStruct, st, rta);
	decorate(s, st, s->c->vk_minor == 0 ? SpvDecorationBufferBlock :
		 SpvDecorationBlock);
	INS(&s->decos, SpvOpMemberDecorate, st, 0, SpvDecorationOffset, 0);
	if (b->access == VY_READ_ONLY)
		INS(&s->decos, SpvOpMemberDecorate, st, 0, SpvDecorationNonWritable);
	if (b->access == VY_WRITE_ONLY && !s->atomic_buf[i])
		INS(&s->decos, SpvOpMemberDecorate, st, 0, SpvDecorationNonReadable);
	uint32_t pt = ty_ptr(s, s->bufsc, st);
	INS(&s->globals, SpvOpVariable, pt, var, s->bufsc);
	INS(&s->decos, SpvOpDecorate, var, SpvDecorationDescriptorSet, 0);
	INS(&s->decos, SpvOpDecorate, var, SpvDecorationBinding, b->binding);
	char *bn = vy_strf("%s_block", b->name);
	name(s, st, bn);
	free(bn);
	ins_str(&s->names, SpvOpMemberName, ARR(st, 0), "data");
	name(s, var, b->name);
	s->buf_var[i] = var;
	put(&s->iface, var);
}

static void declare_params(struct spv *s)
{
	const struct vy_program *p = s->p;
	if (!p->nparams)
		return;
	uint32_t members[VY_MAX_PARAMS];
	for (int i = 0; i < p->nparams; i++)
		members[i] = ty(s, vy_param_repr(p->params[i].type));
	uint32_t st = fresh(s), var = fresh(s);
	put(&s->globals, (uint32_t)(p->nparams + 2) << 16 | SpvOpTypeStruct);
	put(&s->globals, st);
	put_all(&s->globals, members, p->nparams);
	decorate(s, st, SpvDecorationBlock);
	name(s, st, "Params");
	for (int i = 0; i < p->nparams; i++) {
		INS(&s->decos, SpvOpMemberDecorate, st, i, SpvDecorationOffset,
		    vy_param_offset(p, i));   /* 8-byte params aligned to 8 */
		ins_str(&s->names, SpvOpMemberName, ARR(st, i), p->params[i].name);
	}
	uint32_t pt = ty_ptr(s, SpvStorageClassPushConstant, st);
	INS(&s->globals, SpvOpVariable, pt, var, SpvStorageClassPushConstant);
	name(s, var, "params");
	s->push_var = var;
	put(&s->iface, var);
}

static void declare_shared(struct spv *s, int i)
{
	const struct vy_shareddecl *sh = &s->p->shared[i];
	uint32_t at = TYPE(s, SpvOpTypeArray, ty(s, vy_type_value(sh->type)),
			   u32c(s, sh->count));
	uint32_t pt = ty_ptr(s, SpvStorageClassWorkgroup, at), var = fresh(s);
	INS(&s->globals, SpvOpVariable, pt, var, SpvStorageClassWorkgroup);
	name(s, var, sh->name);
	s->shared_var[i] = var;
	put(&s->iface, var);
}

/* Private arrays (SPEC §10.3) that vy_scalarise left: Function arrays. */
static void declare_privates(struct spv *s)
{
	for (int i = 0; i < s->p->nprivate; i++) {
		const struct vy_privdecl *d = &s->p->privates[i];
		uint32_t at = TYPE(s, SpvOpTypeArray, ty(s, d->type), u32c(s, d->count));
		s->priv_var[i] = fresh(s);
		INS(&s->vars, SpvOpVariable, ty_ptr(s, SpvStorageClassFunction, at),
		    s->priv_var[i], SpvStorageClassFunction);
		name(s, s->priv_var[i], d->name);
	}
}

static void declare_locals(struct spv *s)
{
	const struct vy_program *p = s->p;
	declare_privates(s);
	for (int i = 0; i < p->nlocals; i++) {
		const struct vy_local *l = &p->locals[i];
		s->is_var[i] = l->mutable || l->loopvar;
		if (!s->is_var[i])
			continue;
		uint32_t pt = ty_ptr(s, SpvStorageClassFunction, ty(s, l->type));
		s->local[i] = fresh(s);
		INS(&s->vars, SpvOpVariable, pt, s->local[i],
		    SpvStorageClassFunction);
		name(s, s->local[i], l->name);
	}
}

/* ---- the module ---- */

static uint32_t spirv_version(int vk_minor)
{
	static const uint32_t minor[] = { 0, 3, 5, 6 };
	return 1u << 16 | minor[vk_minor] << 8;
}

static void sg_capabilities(struct spv *s, struct words *m)
{
	static const SpvCapability caps[] = {
		SpvCapabilityGroupNonUniform, SpvCapabilityGroupNonUniformArithmetic,
		SpvCapabilityGroupNonUniformBallot, SpvCapabilityGroupNonUniformShuffle,
		SpvCapabilityGroupNonUniformShuffleRelative, SpvCapabilityGroupNonUniformVote,
	};
	for (int i = 0; i < 6; i++)
		if (s->sgcap >> i & 1)
			INS(m, SpvOpCapability, caps[i]);
}

/* Concatenate the sections in the logical layout order. */
static void assemble(struct spv *s, uint32_t main_id, uint32_t fn_type,
		     uint32_t entry, struct words *m)
{
	const struct vy_program *p = s->p;
	uint32_t version = spirv_version(s->c->vk_minor);
	/* the module at once, not by doubling: it stays alive while the
	 * validator runs */
	m->cap = 64 + (s->dbg_file ? strlen(src_base(p)) / 4 + 8 : 0) + s->iface.n + s->names.n + s->decos.n + s->globals.n +
		 s->vars.n + s->body.n + s->funcs.n;
	m->v = malloc(m->cap * sizeof *m->v);
	if (!m->v)
		vy_bug("out of memory");
	put_all(m, ARR(SpvMagicNumber, version, 0, s->next_id, 0));
	INS(m, SpvOpCapability, SpvCapabilityShader);
	if (s->uses_f64)
		INS(m, SpvOpCapability, SpvCapabilityFloat64);
	if (s->uses_int64)
		INS(m, SpvOpCapability, SpvCapabilityInt64);
	if (s->uses_8bit)
		INS(m, SpvOpCapability, SpvCapabilityStorageBuffer8BitAccess);
	if (s->uses_16bit)
		INS(m, SpvOpCapability, SpvCapabilityStorageBuffer16BitAccess);
	if (s->uses_fatomic)
		INS(m, SpvOpCapability, SpvCapabilityAtomicFloat32AddEXT);
	sg_capabilities(s, m);
	if (s->uses_8bit)
		ins_str(m, SpvOpExtension, NULL, 0, "SPV_KHR_8bit_storage");
	if (s->uses_16bit)
		ins_str(m, SpvOpExtension, NULL, 0, "SPV_KHR_16bit_storage");
	if (s->uses_fatomic)
		ins_str(m, SpvOpExtension, NULL, 0, "SPV_EXT_shader_atomic_float_add");
	ins_str(m, SpvOpExtInstImport, ARR(s->glsl), "GLSL.std.450");
	INS(m, SpvOpMemoryModel, SpvAddressingModelLogical, SpvMemoryModelGLSL450);
	/* Before SPIR-V 1.4 the interface lists only Input/Output variables,
	 * which are the builtins; from 1.4 on it lists every global. */
	size_t nif = 0;
	uint32_t *ifv = malloc((s->iface.n + 1) * sizeof *ifv);
	if (!ifv)
		vy_bug("out of memory");
	for (size_t i = 0; i < s->iface.n; i++) {
		uint32_t v = s->iface.v[i];
		bool input = false;
		for (int b = 0; b < 5; b++)
			input |= s->builtin_var[b] == v;
		for (int b = 0; b < 4; b++)
			input |= s->sg_var[b] == v;
		if (input || version >= 0x10400)
			ifv[nif++] = v;
	}
	if (s->c->entry_point) {   /* a kernel part (SPEC §10.5) */
		struct words ep = {0};
		ins_str(&ep, SpvOpEntryPoint, ARR(SpvExecutionModelGLCompute, main_id),
			s->c->entry_point);
		ep.v[0] += (uint32_t)nif << 16;
		put_all(m, ep.v, ep.n);
		free(ep.v);
	} else {
		put(m, (uint32_t)(3 + 2 + nif) << 16 | SpvOpEntryPoint);
		put_all(m, ARR(SpvExecutionModelGLCompute, main_id));
		put_all(m, ARR(0x6e69616d, 0));   /* "main" */
	}
	put_all(m, ifv, nif);
	free(ifv);
	INS(m, SpvOpExecutionMode, main_id, SpvExecutionModeLocalSize,
	    p->wgsize[0], p->wgsize[1], p->wgsize[2]);
	if (s->dbg_file) {   /* -g: the file OpLine names, and OpSource of it */
		ins_str(m, SpvOpString, ARR(s->dbg_file), src_base(p));
		INS(m, SpvOpSource, SpvSourceLanguageUnknown, 0, s->dbg_file);
	}
	put_all(m, s->names.v, s->names.n);
	put_all(m, s->decos.v, s->decos.n);
	put_all(m, s->globals.v, s->globals.n);
	INS(m, SpvOpFunction, ty_void(s), main_id, SpvFunctionControlMaskNone,
	    fn_type);
	INS(m, SpvOpLabel, entry);
	put_all(m, s->vars.v, s->vars.n);
	put_all(m, s->body.v, s->body.n);
	ins(m, SpvOpFunctionEnd, NULL, 0);
	put_all(m, s->funcs.v, s->funcs.n);
}

static void build(struct spv *s, struct words *m)
{
	const struct vy_program *p = s->p;
	s->glsl = fresh(s);
	s->bufsc = s->c->vk_minor == 0 ? SpvStorageClassUniform :
		   SpvStorageClassStorageBuffer;
	scan_block(s, &p->entry);
	for (int i = 0; i < p->nbuffers; i++)
		declare_buffer(s, i);
	declare_params(s);
	for (int i = 0; i < p->nshared; i++)
		declare_shared(s, i);
	uint32_t main_id = fresh(s);
	uint32_t fn_type = TYPE(s, SpvOpTypeFunction, ty_void(s));
	name(s, main_id, s->c->entry_point ? s->c->entry_point : "main");
	uint32_t entry = fresh(s);
	s->cur_label = entry;
	declare_locals(s);
	block(s, &p->entry);
	if (!s->dead)
		ins(&s->body, SpvOpReturn, NULL, 0);
	assemble(s, main_id, fn_type, entry, m);
}

static void free_spv(struct spv *s)
{
	struct words *w[] = { &s->names, &s->decos, &s->globals, &s->vars,
			      &s->body, &s->iface, &s->keys, &s->funcs };
	for (size_t i = 0; i < sizeof w / sizeof *w; i++)
		free(w[i]->v);
	free(s->uv);
	free(s->htab);
	free(s->buf_var);
	free(s->shared_var);
	free(s->local);
	free(s->priv_var);
	free(s->is_var);
	free(s->known);
	free(s->known_lbl);
	free(s->pend);
	free(s->pend_list);
	free(s->atomic_buf);
	free(s->loops);
	free(s->bug);
}

static void *zalloc(size_t n, size_t size)
{
	void *q = calloc(n ? n : 1, size);
	if (!q)
		vy_bug("out of memory");
	return q;
}

/* ---- the KHR fma mode: every GLSL.std.450 Fma of the finished module
 * becomes OpFmaKHR, and the module declares capability FMAKHR and the
 * extension SPV_KHR_fma (none of it when no Fma is left). ---- */

static bool is_fma(const uint32_t *w, uint32_t glsl)
{
	return (w[0] & 0xFFFF) == SpvOpExtInst && w[0] >> 16 == 8 &&
	       w[3] == glsl && w[4] == GLSLstd450Fma;
}

static uint32_t glsl_import(const uint32_t *w, size_t n)
{
	for (size_t i = 5; i < n && (w[i] >> 16); i += w[i] >> 16)
		if ((w[i] & 0xFFFF) == SpvOpExtInstImport &&
		    !strcmp((const char *)&w[i + 2], "GLSL.std.450"))
			return w[i + 1];
	return 0;
}

static void khr_fma(const uint32_t *w, size_t n, struct words *out)
{
	uint32_t glsl = glsl_import(w, n);
	bool any = false, added = false;
	for (size_t i = 5; i < n && (w[i] >> 16); i += w[i] >> 16)
		any |= glsl && is_fma(w + i, glsl);
	put_all(out, w, 5);
	for (size_t i = 5; i < n && (w[i] >> 16); i += w[i] >> 16) {
		uint32_t op = w[i] & 0xFFFF, len = w[i] >> 16;
		if (any && !added && op != SpvOpCapability) {
			INS(out, SpvOpCapability, VY_SPV_CAP_FMA_KHR);
			ins_str(out, SpvOpExtension, NULL, 0, VY_SPV_EXT_FMA_KHR);
			added = true;
		}
		if (glsl && is_fma(w + i, glsl)) {
			put(out, 6u << 16 | VY_SPV_OP_FMA_KHR);
			put_all(out, ARR(w[i + 1], w[i + 2], w[i + 5], w[i + 6], w[i + 7]));
		} else {
			put_all(out, w + i, len);
		}
	}
}

/* The same on the disassembly (SPIRV-Tools here predates SPV_KHR_fma). */
static char *khr_fma_text(const char *text)
{
	struct vy_buf b = { 0 };
	char imp[32] = "";
	const char *q = strstr(text, " = OpExtInstImport \"GLSL.std.450\"");
	if (q) {
		const char *st = q;
		while (st > text && st[-1] != ' ')
			st--;
		snprintf(imp, sizeof imp, " %.*s Fma ", (int)(q - st), st);
	}
	bool any = imp[0] && strstr(text, imp), added = false;
	for (const char *l = text; *l;) {
		const char *nl = strchr(l, '\n');
		size_t len = nl ? (size_t)(nl - l + 1) : strlen(l);
		char *line = vy_strf("%.*s", (int)len, l);
		const char *x = strstr(line, " = OpExtInst ");
		char *f = x ? strstr(line, imp) : NULL;
		if (any && !added && line[0] != ';' && !strstr(line, "OpCapability ")) {
			vy_buf_puts(&b, "               OpCapability FMAKHR\n"
				    "               OpExtension \"" VY_SPV_EXT_FMA_KHR "\"\n");
			added = true;
		}
		if (any && f) {
			/* "%r = OpExtInst %t %imp Fma %a %b %c" */
			vy_buf_printf(&b, "%.*s = OpFmaKHR %.*s%s", (int)(x - line), line,
				      (int)(f - (x + 13)), x + 13, f + strlen(imp) - 1);
		} else {
			vy_buf_puts(&b, line);
		}
		free(line);
		l += len;
	}
	vy_buf_put(&b, "", 1);
	return (char *)b.data;
}

/* Validate (when asked), optimise at -O2, then write binary or text. */
static int finish(const struct vy_emit_config *c, struct words *m,
		  struct vy_buf *out, char **err)
{
	uint32_t *w = m->v, *opt = NULL;
	size_t n = m->n;
	char *msg = NULL;
	if (c->validate && vy_spvtools_validate(w, n, c->vk_minor, &msg)) {
		*err = vy_strf("generated SPIR-V is invalid: %s", msg);
		free(msg);
		return VY_EMIT_BUG;
	}
	if (c->opt_level >= 2) {
		if (vy_spvtools_optimize(w, n, c->vk_minor, &opt, &n, &msg)) {
			*err = vy_strf("SPIR-V optimisation failed: %s", msg);
			free(msg);
			return VY_EMIT_BUG;
		}
		w = opt;
		if (c->validate && vy_spvtools_validate(w, n, c->vk_minor, &msg)) {
			*err = vy_strf("optimised SPIR-V is invalid: %s", msg);
			free(msg);
			free(opt);
			return VY_EMIT_BUG;
		}
	}
	int rc = VY_EMIT_OK;
	if (c->emit_asm) {
		char *text = NULL;
		if (vy_spvtools_disassemble(w, n, &text, &msg)) {
			*err = vy_strf("SPIR-V disassembly failed: %s", msg);
			rc = VY_EMIT_BUG;
		} else if (c->fma_mode == VY_FMA_KHR) {
			char *k = khr_fma_text(text);
			vy_buf_puts(out, k);
			free(k);
		} else {
			vy_buf_puts(out, text);
		}
		free(text);
		free(msg);
	} else {
		struct words k = { 0 };
		if (c->fma_mode == VY_FMA_KHR) {
			khr_fma(w, n, &k);
			w = k.v;
			n = k.n;
		}
		for (size_t i = 0; i < n; i++)
			vy_buf_u32(out, w[i]);
		free(k.v);
	}
	free(opt);
	return rc;
}

/* Whether e or a block holds an f64 fma: Vulkan's Fma may be a rounded
 * multiply then add (lavapipe's is), so spv refuses it rather than give
 * another answer than the other targets. */
static bool expr_fma64(const struct vy_expr *e)
{
	if (!e)
		return false;
	if (e->kind == VY_E_OP && e->op && e->op->code == VY_OP_FMA && e->type == VY_F64)
		return true;
	for (int i = 0; i < e->nargs; i++)
		if (expr_fma64(e->args[i]))
			return true;
	return false;
}

static bool block_fma64(const struct vy_block *b)
{
	for (int i = 0; i < b->n; i++) {
		const struct vy_stmt *st = b->v[i];
		if (expr_fma64(st->index) || expr_fma64(st->value) || expr_fma64(st->lo) ||
		    expr_fma64(st->hi) || expr_fma64(st->step) || block_fma64(&st->body) ||
		    block_fma64(&st->els))
			return true;
	}
	return false;
}

static int emit(const struct vy_program *p, const struct vy_emit_config *c,
		struct vy_buf *out, char **err)
{
	if (c->vk_minor < 0 || c->vk_minor > 3) {
		*err = vy_strf("unsupported target environment vulkan1.%d. Fix: "
			       "use --target-env vulkan1.0, vulkan1.1, vulkan1.2 "
			       "or vulkan1.3", c->vk_minor);
		return VY_EMIT_REJECT;
	}
	if (block_fma64(&p->entry)) {
		*err = vy_strf("`math.fma` on f64 is not exact on spv (a Vulkan "
			       "driver may round the product first). Fix: write "
			       "a * b + c, or use -t ptx or the reference");
		return VY_EMIT_REJECT;
	}
	if (c->vk_minor == 0 && (vy_program_uses(p) & VY_USES_SUBGROUP))
		return vy_emit_reject(c, err, VY_FIX_INLINE, "use --target-env vulkan1.1 or later",
				      "subgroup operations need SPIR-V 1.3");
	if (p->nparams > VY_MAX_PARAMS) {
		*err = vy_strf("%d params do not fit the %d-word push-constant "
			       "block", p->nparams, VY_MAX_PARAMS);
		return VY_EMIT_REJECT;
	}
	struct spv s = { .p = p, .c = c, .next_id = 1 };
	int nfma = 0;
	s.fma_call = !c->fast_math && c->fma_mode == VY_FMA_EMULATE && block_fmas(&p->entry, &nfma);
	if (c->debug_info)
		s.dbg_file = s.next_id++;
	s.buf_var = zalloc(p->nbuffers, sizeof *s.buf_var);
	s.atomic_buf = zalloc(p->nbuffers, sizeof *s.atomic_buf);
	s.shared_var = zalloc(p->nshared, sizeof *s.shared_var);
	s.local = zalloc(p->nlocals, sizeof *s.local);
	s.priv_var = zalloc(p->nprivate, sizeof *s.priv_var);
	s.is_var = zalloc(p->nlocals, sizeof *s.is_var);
	s.forward = c->opt_level >= 1 && p->opt_level >= 1;
	if (s.forward) {
		s.known = zalloc(p->nlocals, sizeof *s.known);
		s.known_lbl = zalloc(p->nlocals, sizeof *s.known_lbl);
		s.pend = zalloc(p->nlocals, sizeof *s.pend);
		s.pend_list = zalloc(p->nlocals, sizeof *s.pend_list);
	}
	struct words m = { 0 };
	build(&s, &m);
	int rc = VY_EMIT_BUG;
	char *bug = s.bug;
	s.bug = NULL;
	free_spv(&s);   /* the sections are in m now: free them before validating */
	if (bug)
		*err = bug;
	else
		rc = finish(c, &m, out, err);
	free(m.v);
	return rc;
}

const struct vy_aot_emitter vy_emitter_spv = {
	.id = "spv",
	.aliases = (const char *const[]){ "spirv", "primary_binary", NULL },
	.summary = "SPIR-V binary for Vulkan (validated with SPIRV-Tools)",
	.ext = ".spv",
	.passes = VY_PASS_UNROLL | VY_PASS_SCALARISE | VY_PASS_MEM,   /* NVIDIA's SPIR-V compiler keeps loops */
	.emit = emit,
};
