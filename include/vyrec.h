/*
 * vyrec.h: the public interface of libvyrec, the compiler as a library.
 *
 * One section per stage, in pipeline order, so this header is the table of
 * contents of src/:
 *
 *   prog.yaml --vy_load--> AST --vy_resolve--> typed IR --vy_optimize--> IR
 *     --vy_aot_emitter--> bytes      --vy_backend--> results
 *
 * The AST and the typed IR are the same structures: the loader builds them
 * with unresolved names (VY_E_NAME, VY_E_CALL, VY_E_INDEX, VY_E_OP with only
 * a name), the resolver rewrites them in place into resolved, typed nodes
 * and inlines composite ops, so emitters only ever see VY_E_CONST,
 * VY_E_PARAM, VY_E_LOCAL, VY_E_BUILTIN, VY_E_LEN, VY_E_LOAD and VY_E_OP
 * whose op is an intrinsic (op->code < VY_OP_COUNT).
 */
#ifndef VYREC_H
#define VYREC_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define VY_VERSION "0.1.0"

/* Limits of SPEC §8 and §1. */
#define VY_MAX_FILE        (16u << 20)
#define VY_MAX_DEPTH       128
#define VY_MAX_STMTS       100000
#define VY_MAX_IO          64        /* buffers + params */
#define VY_MAX_PARAMS      32        /* push-constant words */
#define VY_MAX_EXPR        (64u << 10)
#define VY_MAX_SHARED      32768     /* bytes */
#define VY_MAX_PRIVATE     16384     /* bytes of private arrays per invocation */
#define VY_MAX_WG          1024
#define VY_MAX_BINDING     31
#define VY_MAX_ERRORS      20
#define VY_MAX_ELEMENTS    (1u << 30) /* per buffer at launch: 4 GiB */

/* ---- arena.c: one arena per compilation ---- */

struct vy_arena;

struct vy_arena *vy_arena_new(void);
void vy_arena_free(struct vy_arena *a);
/* Zeroed memory that lives until vy_arena_free. Never returns NULL. */
void *vy_alloc(struct vy_arena *a, size_t n);
char *vy_strndup(struct vy_arena *a, const char *s, size_t n);
char *vy_strdup(struct vy_arena *a, const char *s);
/* s[0..n) kept once per arena however often it is asked for (the names of
 * a program: a 100 000-statement program names a few dozen); read only. */
const char *vy_intern(struct vy_arena *a, const char *s, size_t n);
char *vy_fmt(struct vy_arena *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* ---- buf.c: growable byte buffers, files ---- */

struct vy_buf {
	unsigned char *data;
	size_t len, cap;
};

void vy_buf_put(struct vy_buf *b, const void *p, size_t n);
void vy_buf_puts(struct vy_buf *b, const char *s);
void vy_buf_printf(struct vy_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void vy_buf_u32(struct vy_buf *b, uint32_t w);   /* little-endian */
void vy_buf_free(struct vy_buf *b);
/* Heap copy of the contents with a terminating NUL (caller frees). */
char *vy_buf_cstr(const struct vy_buf *b);
/* malloc'd printf; the error-message currency between modules. */
char *vy_strf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Read a whole file (or "-" for stdin); NULL and *err (malloc'd) on
 * failure or when it is larger than limit bytes. */
char *vy_read_file(const char *path, size_t *len, size_t limit, char **err);

/* ---- output.c: writing outputs (SPEC §6, §10.9) ---- */

/* A set of outputs written all or nothing.  _add stages one: a regular or
 * new file (symbolic links followed, the link kept) gets its bytes in a
 * temporary created with O_EXCL beside it, removed on SIGINT, SIGTERM and
 * SIGHUP; a device, a FIFO or "-" (standard output) is written directly
 * at commit.  _commit writes the direct ones, then renames every
 * temporary; _free (done by commit) removes what is left.  Errors
 * (malloc'd *err) name the user's path. 0 or -1. */
struct vy_staged;
struct vy_outputs {
	struct vy_staged *v;
	int n, cap;
};
int vy_outputs_add(struct vy_outputs *s, const char *path, const void *p,
		   size_t n, char **err);
/* Stage name, a plain file name in directory dfd, never through a link (a
 * symbolic link or non-file there is refused); shown is for messages. */
int vy_outputs_add_at(struct vy_outputs *s, int dfd, const char *name,
		      const char *shown, const void *p, size_t n, char **err);
int vy_outputs_commit(struct vy_outputs *s, char **err);
void vy_outputs_free(struct vy_outputs *s);
/* One output on its own: add, then commit. */
int vy_write_file(const char *path, const void *p, size_t n, char **err);
/* Open the directory rel ("a/b", "" for root itself) under root, making
 * missing ones when create and refusing a symbolic link on the way; shown
 * names root in messages. A new fd, or -1 with *err. */
int vy_dir_at(int root, const char *rel, const char *shown, bool create,
	      char **err);
/* Flush and close standard output at exit: rc, or 1 with a message when a
 * write to it failed. */
int vy_stdout_finish(int rc);

/* ---- diag.c: diagnostics are data; one place prints them ---- */

struct vy_source {
	const char *path;   /* as the user named it */
	const char *text;   /* whole file, NUL-terminated */
	size_t len;
};

/* 16 bytes: every expression node and statement has one, and a
 * 100 000-statement program has about a million (issue #10 item 5).  A
 * file is at most VY_MAX_FILE (2^24) bytes, so line and col fit 25 bits;
 * carets are at most VY_LOC_MAXLEN wide.  Read as ints (bit-fields
 * narrower than int promote to int). */
#define VY_LOC_MAXLEN 4096
struct vy_loc {
	const struct vy_source *src;  /* NULL: no location */
	uint64_t line : 25, col : 25; /* 1-based; col counts bytes */
	uint64_t len : 14;            /* caret width, 1..VY_LOC_MAXLEN */
};

enum vy_severity { VY_ERROR, VY_WARNING, VY_NOTE };

/* How text mode joins an origin diagnostic's message and fix, as each
 * was spelled before diagnostics were data: "MSG. Fix: FIX" on one line,
 * or "MSG\nFix: FIX". */
enum vy_fix_sep { VY_FIX_INLINE, VY_FIX_NEWLINE };

struct vy_diag {
	enum vy_severity sev;
	struct vy_loc loc;
	char *msg;     /* lowercase, no final full stop */
	char *fix;     /* NULL or the text after "Fix: " */
	/* Errors after the front end (emitters, launchers, backends, data,
	 * launch sizes, outputs) have no source location: origin is the
	 * prefix text mode prints instead ("vyrec run"), sep how it joins
	 * the fix.  NULL for the front end's located diagnostics. */
	char *origin;
	enum vy_fix_sep sep;
	struct vy_source *owned;  /* loc.src when copied by vy_diags_append */
};

struct vy_diags {
	struct vy_diag *v;
	int n, cap;
	int nerrors;   /* all errors, also those past VY_MAX_ERRORS not kept */
};

void vy_error(struct vy_diags *d, struct vy_loc loc, const char *fix,
	      const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void vy_warn(struct vy_diags *d, struct vy_loc loc, const char *fix,
	     const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* A note after an error (or warning): where an earlier declaration is,
 * printed with its own FILE:LINE:COL and caret; in JSON its own entry with
 * "severity": "note" right after the diagnostic it explains.  Dropped with
 * its error past VY_MAX_ERRORS. */
void vy_note(struct vy_diags *d, struct vy_loc loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
enum vy_diag_format { VY_DIAG_TEXT, VY_DIAG_JSON };
void vy_diags_print(const struct vy_diags *d, FILE *f, enum vy_diag_format fmt,
		    bool color);
void vy_diags_free(struct vy_diags *d);
/* Record an error a library call reported as text (the char **err of the
 * back half): "MESSAGE", "MESSAGE. Fix: FIX" or "MESSAGE\nFix: FIX" (the
 * last such separator: MESSAGE may quote other errors with theirs).  The
 * one place that splits such text: the message and the fix become their
 * own fields, so JSON carries them apart and text mode prints
 * "ORIGIN: TEXT" exactly as written. */
void vy_error_text(struct vy_diags *d, const char *origin, const char *text);
/* A back-half error whose fix is its own field from the start (no text
 * to split): origin is the prefix text mode prints ("vyrec"), sep how it
 * joins the fix there; fix may be NULL.  Text mode prints what
 * vy_error_text of "MSG<sep>FIX" would. */
void vy_error_fix(struct vy_diags *d, const char *origin, enum vy_fix_sep sep,
		  const char *fix, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* Put prefix before the messages of d's diagnostics from index from on
 * ("kernel part 'a': "), where a caller adds its context. */
void vy_diags_prefix(struct vy_diags *d, int from, const char *prefix);
/* "MSG<sep>FIX" or "MSG" (malloc'd): a diagnostic as the back half's
 * text, for callers that still take char **err. */
char *vy_diag_text(const struct vy_diag *g);
/* Append copies of src's diagnostics to dst; they outlive src and the
 * sources it points to (a copied location keeps the path, not the text). */
void vy_diags_append(struct vy_diags *dst, const struct vy_diags *src);
/* Whether colour should be used on stream f (a terminal, no NO_COLOR). */
bool vy_use_color(FILE *f);
/* --color: 0 auto (a terminal, no NO_COLOR), 1 always, 2 never. */
void vy_set_color(int mode);
/* An internal invariant broke: print file:line and exit 70. */
_Noreturn void vy_bug_at(const char *file, int line, const char *fmt, ...);
#define vy_bug(...) vy_bug_at(__FILE__, __LINE__, __VA_ARGS__)
/* Out of memory: a resource error naming what was being allocated and its
 * size (0: unknown, inside a library), exit 1 (SPEC §8: never a crash,
 * never exit 70). */
_Noreturn void vy_oom(const char *what, size_t bytes);
/* malloc/calloc/realloc that call vy_oom on failure. */
void *vy_xmalloc(size_t n, const char *what);
void *vy_xcalloc(size_t n, size_t size, const char *what);
void *vy_xrealloc(void *p, size_t n, const char *what);

/* Exit codes of SPEC §6. */
enum {
	VY_EXIT_OK = 0, VY_EXIT_PROGRAM = 1, VY_EXIT_USAGE = 2,
	VY_EXIT_BACKEND = 3, VY_EXIT_MISMATCH = 4, VY_EXIT_INTERNAL = 70
};

/* ---- suggest.c ---- */

/* The candidate closest to word when it is a likely typo, else NULL. */
const char *vy_closest(const char *word, const char *const *cands, int n);

/* The head every registered component begins with: AOT emitters
 * (targets.c), launcher emitters (launcher.c) and dispatch backends
 * (backends.c).  VY_REG_HEAD(name) declares it as `head` and, through an
 * anonymous struct of the same layout, as the fields themselves (the id
 * under `name`: a launcher's id is its `lang`). */
struct vy_reg_head {
	const char *id;
	const char *const *aliases;   /* NULL-ended, or NULL */
	const char *summary;          /* one line */
};
#define VY_REG_HEAD(idname) union { struct vy_reg_head head; struct { \
	const char *idname; const char *const *aliases; const char *summary; }; }
/* The one lookup of every registry: the index in heads[0, n) whose id or
 * alias is name; else -1, and *near (when near is not NULL) the id or
 * alias closest to name for did-you-mean, or NULL. */
int vy_reg_find(const struct vy_reg_head *const *heads, int n,
		const char *name, const char **near);

/* ---- types ---- */

/* One enumerator per row of vyrec_types.def (VY_ABSINT, VY_ABSFLOAT:
 * abstract literals, before resolution). */
enum vy_type {
#define VY_TYPE(e, n, sz, cl, v, c, r, np, w, s, pm, pr, g, f) VY_##e,
#include "vyrec_types.def"
#undef VY_TYPE
	VY_TYPE_COUNT
};

enum vy_tclass { VY_TC_NONE, VY_TC_BOOL, VY_TC_SCALAR, VY_TC_STORAGE,
		 VY_TC_ABSTRACT, VY_TC_VECTOR };

/* A row of vyrec_types.def (its header explains the columns). */
struct vy_typeinfo {
	const char *name;
	unsigned size;
	enum vy_tclass cls;
	enum vy_type value;
	const char *c, *rust, *npy;
	int spv_width, spv_signed;
	const char *ptx_mem, *ptx_reg, *glsl, *feature;
};

/* The row of t (a VOID row for an out-of-range t). */
const struct vy_typeinfo *vy_type_info(enum vy_type t);
const char *vy_type_name(enum vy_type t);
/* Element size in bytes of t in memory and data files. */
unsigned vy_type_size(enum vy_type t);
/* The type a load of an element of t gives (u8 -> u32, bf16 -> f32). */
enum vy_type vy_type_value(enum vy_type t);
/* Vectors (VY_VEC rows of vyrec_types.def): the lanes of t (1 for a
 * scalar), its element type (t itself for a scalar), the vector of elem
 * with n lanes (VY_VOID if none; elem for n == 1), and the element stride
 * in device buffers (x3: 16 bytes, SPEC §10.1; else the size). */
unsigned vy_type_lanes(enum vy_type t);
enum vy_type vy_type_elem(enum vy_type t);
enum vy_type vy_type_vec(enum vy_type elem, unsigned n);
unsigned vy_type_stride(enum vy_type t);
/* Parse a type name of the table (storage types included); reserved
 * names (types of a later version) return VY_VOID and set *reserved. */
enum vy_type vy_type_parse(const char *s, size_t n, bool *reserved);
/* A user-given value of type t (--param, const:, random: bounds) into its
 * bits, rounded once to t (value.c). 0, or -1 when s is not one. */
int vy_parse_value(const char *s, enum vy_type t, uint32_t *bits);
/* binary16 (SPEC §10.1, value.c): a double rounded once to nearest even
 * (any NaN 0x7fff), and the f32 bits of binary16 bits (exact). */
uint16_t vy_f16_of_double(double d);
uint32_t vy_f32_bits_of_f16(uint16_t h);
/* The same into 64 bits, for every type (f64 u64 i64 whole, the others
 * zero-extended). */
int vy_parse_value64(const char *s, enum vy_type t, uint64_t *bits);

/* ---- ops (vyrec_ops.def) ---- */

enum vy_opcode {
#define VY_OP(e, d, n, sig, res, ulp, abs) VY_OP_##e,
#include "vyrec_ops.def"
#undef VY_OP
	VY_OP_COUNT
};

enum vy_category { VY_INTRINSIC, VY_COMPOSITE, VY_EXTERN };

/* Targets that lower an op (bit set). */
enum { VY_TGT_SPV = 1, VY_TGT_PTX = 2, VY_TGT_GLSL = 4, VY_TGT_REF = 8,
       VY_TGT_ALL = 15 };

/* The class of an op param (vyrec_ops.def's P(name, CLASS)): the types
 * it admits.  The concrete classes BOOL U32 I32 F32 are VY_PC_TYPE with
 * that type, as are the params of extern ops. */
enum vy_pclass {
	VY_PC_TYPE,    /* exactly .type */
	VY_PC_INT,     /* u32 i32 (and the 64-bit integers) */
	VY_PC_FLOAT,   /* f32 (f64, f16) */
	VY_PC_NUM,     /* int or float */
	VY_PC_ANY,     /* num or bool */
};

struct vy_opparam {
	const char *name;
	enum vy_pclass cls;
	enum vy_type type;   /* VY_PC_TYPE: the type (extern ops: the declared one) */
	bool indep;          /* P_INDEP: its own type variable ("int'") */
	bool ref;            /* P_REF: an element reference BUF[i] ("&int") */
};

/* The result rule of an op (vyrec_ops.def's result column). */
enum vy_result {
	VY_RES_TYPE,   /* the opdef's ret (a concrete type; extern ops) */
	VY_RES_SAME,   /* the unified type of the first class */
	VY_RES_CAST,   /* the type named at the call site */
};

/* A param's class as `vyrec ops` prints it: "num", "&int", "int'", "u32". */
const char *vy_opparam_class(const struct vy_opparam *p);

struct vy_expr;

struct vy_opdef {
	const char *id;          /* "math.fma" */
	const char *dialect;     /* "math" */
	const char *name;        /* "fma" */
	const char *registrant;  /* "builtin" or the dialect file path */
	enum vy_category cat;
	enum vy_opcode code;     /* intrinsics; VY_OP_COUNT otherwise */
	int nparams;
	const struct vy_opparam *params;
	enum vy_result rule;     /* result rule, see vyrec_ops.def */
	enum vy_type ret;        /* VY_RES_TYPE: the result type */
	const char *result;      /* the rule as `vyrec ops` prints it ("same") */
	double ulp, abs;
	/* under --fast-math (SPEC §10.6): the bound of the native lowerings
	 * (vyrec_ops.def VY_FAST); never below ulp/abs; extern ops: 0 = same */
	double fast_ulp, fast_abs;
	unsigned targets;        /* extern ops: VY_TGT_ALL; builtin ops: 0, the
				    targets' tables say (vy_op_targets) */
	/* composite/extern: let bindings then body, over the params */
	int nlets;
	const char **let_names;
	struct vy_expr **lets;
	struct vy_expr *body;
	struct vy_loc loc;       /* where an extern op is defined */
	const char *signature;   /* printable signature */
};

/* The built-in opdef of an intrinsic (thread-safe, built on first use). */
const struct vy_opdef *vy_builtin_op(enum vy_opcode code);
struct vy_program;
/* The f32 tolerance verify and self-tests compare p's outputs with: the
 * program's `tolerance`, else the largest bound of the f32 ops it uses;
 * with p->fast_math also at least the ops' fast-math bounds (ops.c). */
void vy_program_tolerance(const struct vy_program *p, double *ulp, double *abs);

/* ---- registry.c: the dialect registry (SPEC §2.2) ---- */

/* An immutable snapshot: built once, then only read. */
struct vy_registry;

/* Build a snapshot over defs (pointers must outlive it). A duplicate id
 * fails with SPEC §2.2's message in *err (malloc'd). */
struct vy_registry *vy_registry_build(const struct vy_opdef *const *defs,
				      int n, char **err);
/* Free a snapshot; nothing for an installed one (vyrec owns it). */
void vy_registry_free(struct vy_registry *r);
/* The frozen snapshot of core, math and atomic, built on first use. */
const struct vy_registry *vy_registry_builtin(void);
const struct vy_opdef *vy_registry_lookup(const struct vy_registry *r,
					  const char *id);
int vy_registry_count(const struct vy_registry *r);
/* The i-th op in id order. */
const struct vy_opdef *vy_registry_at(const struct vy_registry *r, int i);
/* The process-wide current snapshot: a lock-free acquire load. Readers may
 * keep using the pointer they got for as long as they like: installed
 * snapshots are retired, never freed, until vy_registry_shutdown. */
const struct vy_registry *vy_registry_current(void);
/* Atomically make r the current snapshot (ownership passes to vyrec;
 * NULL goes back to the built-in one). false, changing nothing, when r was
 * installed before or is the built-in snapshot. */
bool vy_registry_install(struct vy_registry *r);
void vy_registry_shutdown(void);
/* Closest id to a misspelt one, for did-you-mean; NULL if none is close. */
const char *vy_registry_suggest(const struct vy_registry *r, const char *id);
/* Did-you-mean for an unknown call NAME(...), in the spelling the user
 * would write ("max", "atomic.add"; atomics only when elemref, the first
 * argument being BUF[i]); NULL if nothing is close (suggest.c). */
const char *vy_suggest_call(const struct vy_registry *r, const char *name,
			    bool elemref);

/* ---- IR ---- */

/* VY_SPACE_PRIVATE: a private array (SPEC §10.3), program->privates */
enum vy_space { VY_SPACE_BUFFER, VY_SPACE_SHARED, VY_SPACE_PRIVATE };
enum vy_builtin { VY_B_GID, VY_B_LID, VY_B_WGID, VY_B_WGSIZE, VY_B_NWG,
		  VY_B_SG /* sg.size lane id count: axis 0..3 (SPEC §10.4) */ };
enum { VY_SG_SIZE, VY_SG_LANE, VY_SG_ID, VY_SG_COUNT };
enum vy_access { VY_READ_ONLY, VY_WRITE_ONLY, VY_READ_WRITE };

enum vy_expr_kind {
	/* parser output, gone after vy_resolve */
	VY_E_NAME,     /* name */
	VY_E_CALL,     /* name(args); casts f32(x); bitcast<T>(x) sets cast_to */
	VY_E_INDEX,    /* name[args[0]] */
	/* dotted names (gid.x, atomic.add, nn.relu) are one NAME/CALL name */
	/* resolved */
	VY_E_CONST,    /* literal */
	VY_E_PARAM,    /* params[index] */
	VY_E_LOCAL,    /* locals[index] */
	VY_E_BUILTIN,  /* builtin index (enum vy_builtin), axis 0..2 */
	VY_E_LEN,      /* element count of buffers[index] */
	VY_E_LOAD,     /* space/index memory, element args[0]; as args[0] of
			  an atomic op it is the element reference */
	VY_E_OP,       /* op applied to args; parser sets name="core.add" */
	VY_E_SLOT,     /* emitters only: value index of the math-library
			  program being lowered (src/mathlib_ir.h) */
};

struct vy_expr {
	/* small fields first, packed: 72 bytes a node (a 100 000-statement
	 * program has about a million), see issue #10 item 5 */
	enum vy_expr_kind kind : 8;
	enum vy_type type : 8;    /* after resolve: VY_BOOL/U32/I32/F32 */
	enum vy_space space : 8;  /* LOAD */
	enum vy_type cast_to : 8; /* CALL bitcast<T>; OP cast/bitcast target */
	uint32_t bits;            /* CONST after resolve, see below */
	struct vy_loc loc;
	const char *name;         /* NAME/CALL/INDEX; OP id as written */
	/* CONST: before resolve, ABSINT uses ival (magnitude up to 2^64-1,
	 * sign folded in), ABSFLOAT uses fval; after resolve bits holds the
	 * 32-bit value (f32 as IEEE bits, bool as 0/1). */
	union {
		int64_t ival;
		double fval;
	};
	int index;                /* PARAM/LOCAL/BUILTIN/LEN/LOAD */
	int nargs : 24;
	int axis : 8;             /* BUILTIN; LOAD of a vector array: component;
				     OP u32 add: VY_NOWRAP (set by the nowrap pass) */
	const struct vy_opdef *op;
	struct vy_expr **args;
};

/* The 64-bit scalar types f64 u64 i64 (SPEC §10.1; not the 8-byte vectors). */
static inline bool vy_type_is64(enum vy_type t)
{
	return t == VY_F64 || t == VY_U64 || t == VY_I64;
}

/* The bits of a resolved constant: e->bits, or for the 8-byte types f64
 * u64 i64 (SPEC §10.1) the whole of e->ival (e->bits its low half). */
static inline uint64_t vy_const_bits(const struct vy_expr *e)
{
	return vy_type_is64(e->type) ? (uint64_t)e->ival : e->bits;
}

enum vy_stmt_kind {
	VY_S_LET, VY_S_VAR, VY_S_ASSIGN, VY_S_STORE, VY_S_IF, VY_S_FOR,
	VY_S_WHILE, VY_S_BREAK, VY_S_CONTINUE, VY_S_RETURN, VY_S_BARRIER,
	VY_S_EXPR,
	VY_S_ARRAY     /* var NAME: T[N][M] (= value): private array `mem`
			  comes into scope, every element set to value (the
			  resolver makes an absent one 0) */
};

struct vy_block {
	int n;
	struct vy_stmt **v;
};

struct vy_stmt {
	/* small fields first, packed: 168 bytes a statement (issue #10
	 * item 5) */
	enum vy_stmt_kind kind : 8;
	enum vy_type decl_type : 8; /* VAR NAME: TYPE; else VY_VOID */
	enum vy_space space : 8;  /* STORE */
	bool step_negative;       /* FOR: constant negative step, so k > hi */
	int local;                /* resolved local (LET/VAR/ASSIGN/FOR) */
	int mem;                  /* STORE: buffer or shared index */
	int comp;                 /* STORE to a vector array: the component
				     (a VY_E_LOAD of one keeps it in axis) */
	int ndims;                /* ARRAY: number of dims (below) */
	struct vy_loc loc;        /* the statement (its first token) */
	const char *name;         /* LET/VAR/ASSIGN/FOR local; STORE memory */
	struct vy_loc name_loc;
	const char *compound;     /* ASSIGN/STORE "x += e": "core.add"; the
				     resolver desugars it and clears it */
	struct vy_expr *index;    /* STORE */
	struct vy_expr *value;    /* init, rhs, IF/WHILE condition, EXPR */
	struct vy_expr *lo, *hi, *step;  /* FOR: lo..hi, step may be NULL */
	struct vy_block body;     /* IF then, FOR/WHILE body */
	struct vy_block els;      /* IF else */
	/* SPEC §10.3, before resolve: ARRAY's axes; STORE NAME[i][j]'s j (the
	 * resolver folds both into mem and a row-major index) */
	struct vy_expr *dims[2];
	struct vy_expr *index2;
};

struct vy_param {
	const char *name;
	enum vy_type type;
	struct vy_loc loc;
};

struct vy_bufdecl {
	const char *name;
	int binding;
	bool explicit_binding;
	enum vy_type type;
	struct vy_expr *count;    /* u32 expression over params and literals */
	const char *count_text;   /* as written, for manifests */
	struct vy_loc count_loc;  /* the whole count as written */
	enum vy_access access;
	struct vy_loc loc;
};

struct vy_shareddecl {
	const char *name;
	enum vy_type type;
	uint32_t count;           /* constant, set by the loader or resolver */
	struct vy_expr *count_expr;
	struct vy_loc count_loc;  /* the whole count as written */
	struct vy_loc loc;
	/* count: [N, M] (SPEC §10.3): ndims 2, count N*M, indexed [y][x]
	 * row-major; else ndims 1, dims[0] = count */
	int ndims;
	uint32_t dims[2];
	struct vy_expr *dim_expr[2];
};

/* A private array (SPEC §10.3): per invocation, declared by a VY_S_ARRAY
 * statement, indexed row-major (LOAD/STORE space VY_SPACE_PRIVATE). */
struct vy_privdecl {
	const char *name;
	enum vy_type type;
	int ndims;
	uint32_t dims[2];
	uint32_t count;           /* dims[0] * dims[1] */
	struct vy_loc loc;
	const char *shown;        /* a component of a vector array: "NAME.x", as
				     the reference's errors name it; else NULL */
};

struct vy_local {
	const char *name;
	enum vy_type type;
	bool mutable;             /* var, not let or loop variable */
	bool loopvar;
	struct vy_loc loc;
};

struct vy_program {
	struct vy_arena *arena;
	const struct vy_source *src;
	const char *name;
	const char *description;  /* NULL when absent */
	uint32_t wgsize[3];       /* missing axes are 1 */
	int nwgsize;              /* axes as written */
	int nparams;
	struct vy_param *params;  /* ABI order = declaration order */
	int nbuffers;
	struct vy_bufdecl *buffers;  /* sorted by binding (the loader sorts) */
	int nshared;
	struct vy_shareddecl *shared;
	int ndispatch;               /* axes; after resolve always >= 1 */
	struct vy_expr *dispatch[3];
	const char *dispatch_text[3];
	struct vy_loc dispatch_loc[3];   /* each axis as written */
	bool has_tolerance;
	double tol_ulp, tol_abs;
	bool fast_math;              /* compiled with --fast-math: backends emit
					native math, the fast bounds apply */
	int ndialects;               /* the program's dialects: list */
	const char **dialects;
	struct vy_loc *dialect_locs;
	struct vy_block entry;
	int nlocals;                 /* filled by the resolver */
	struct vy_local *locals;
	int nprivate;                /* private arrays, filled by the resolver */
	struct vy_privdecl *privates;
	struct vy_loc loc_name, loc_wgsize, loc_entry;
	/* SPEC §10.5: the kernel parts (each a program of its own that shares
	 * the params and buffers; parts[0] is the program itself), in kernel
	 * order, a kernel's parts split at its grid barriers.  A 1.0 program
	 * is one part: nparts 1, entry_point NULL, npipe 0. */
	int nparts;
	struct vy_program **parts;
	int part;                    /* this part's index in parts */
	const char *kernel;          /* the kernel of this part */
	const char *entry_point;     /* K, K_1 ...; NULL for a 1.0 program */
	int npipe;                   /* the pipeline: steps over parts */
	struct vy_pipe *pipe;
	uint32_t subgroup_size;      /* subgroup_size: N (SPEC §10.4); 0: the device's */
	struct vy_loc loc_sgsize;
	int opt_level;               /* vy_compile's -O: no target emits it
					with more IR passes (0 otherwise) */
	bool uses_f16;               /* f16 anywhere (SPEC §10.1), set by
					vy_lower_f16: the manifest and the
					Vulkan backend want shaderFloat16 */
};

/* One pipeline step (SPEC §10.5): a part, or a repeat: or host for:
 * block over steps.  A kernel name is its parts, one step each. */
enum vy_pipe_kind { VY_PIPE_PART, VY_PIPE_REPEAT, VY_PIPE_FOR };
struct vy_pipe {
	enum vy_pipe_kind kind;
	int part;                    /* PART */
	struct vy_expr *count;       /* REPEAT: u32 over params */
	const char *text;            /* REPEAT count / FOR header as written */
	int param;                   /* FOR: the u32 param it sets */
	struct vy_expr *lo, *hi;     /* FOR: lo..hi, u32 over params */
	int n;
	struct vy_pipe *body;
	struct vy_loc loc;
};

/* ---- ir.c: queries over resolved expressions ---- */

/* Whether e contains a load or an atomic, so it may not be evaluated
 * speculatively (the lazy && || ?: of doc/SEMANTICS.md). */
bool vy_expr_touches_memory(const struct vy_expr *e);
/* Whether e touches no memory and has no integer division or remainder
 * (which the reference reports under --strict): safe to evaluate in any
 * lane, to fold and to share. */
bool vy_expr_is_pure(const struct vy_expr *e);
/* Whether op code is one of atomic's. */
bool vy_op_is_atomic(enum vy_opcode code);
/* Whether op code is one of subgroup's (SPEC §10.4), and its index in
 * vyrec_ops.def's VY_SUBGROUP list (the VM's VYVM_SG_* number), or -1. */
bool vy_op_is_subgroup(enum vy_opcode code);
int vy_op_subgroup_index(enum vy_opcode code);
/* Whether e contains a subgroup op. */
bool vy_expr_has_subgroup(const struct vy_expr *e);
struct vy_program;
/* Whether a target's lowering table has a row for the op (the op's
 * vy_opdef.targets, `vyrec ops` TARGETS, are derived from these). */
bool vy_spv_lowers(enum vy_opcode code);
bool vy_ptx_lowers(enum vy_opcode code);
bool vy_glsl_lowers(enum vy_opcode code);
/* The VY_TGT_* bits of the targets with a row for the op (src/op_targets.c). */
unsigned vy_op_lowered_by(enum vy_opcode code);
/* The targets of op: vy_op_lowered_by for a builtin, op->targets else.
 * Kept out of ops.c, so the registry does not depend on the emitters. */
unsigned vy_op_targets(const struct vy_opdef *op);
/* Whether a statement of b (nested ones too) reads builtin bi: a program
 * that reads nwg may not have its grid split into several dispatches. */
bool vy_block_reads_builtin(enum vy_builtin bi, const struct vy_block *b);
/* Whether a barrier must also order buffer memory (SPEC §1.5: buffer
 * writes made before it are visible after it): some buffer is read_write,
 * or a buffer store or an atomic can come before a barrier.  When not, no
 * invocation can observe the difference, and the spv and glsl targets give
 * their barriers workgroup-memory semantics only, which the NVIDIA Vulkan
 * driver runs 35% faster on samples/reduce.yaml. */
bool vy_barrier_orders_buffers(const struct vy_program *p);
/* What part p uses that a target or device must know of, as one mask:
 * the 64-bit types f64 u64 i64 (SPEC §10.1) anywhere (params, memory,
 * locals, expressions, cast targets; bit VY_USES_F64 << (t - VY_F64)),
 * f32 atomics (SPEC §10.2) on buffers and on shared arrays, and subgroup
 * ops, sg.* builtins or subgroup_size (SPEC §10.4).  vy_pipeline_uses: of
 * every kernel part of the program p heads (the manifest's features). */
enum {
	VY_USES_F64 = 1, VY_USES_U64 = 2, VY_USES_I64 = 4, VY_USES_64 = 7,
	VY_USES_FATOMIC_BUFFER = 8, VY_USES_FATOMIC_SHARED = 16,
	VY_USES_SUBGROUP = 32,
};
unsigned vy_program_uses(const struct vy_program *p);
unsigned vy_pipeline_uses(const struct vy_program *p);
/* The byte offset of param i in the launch ABI's param block (SPIR-V push
 * constants): declaration order, each 4 bytes, an 8-byte param (f64 u64
 * i64) aligned to 8 (SPEC §10.10); the block's size; and the block packed
 * from vy_launch params (the high words at VY_MAX_PARAMS + i). */
unsigned vy_param_offset(const struct vy_program *p, int i);
unsigned vy_param_block_size(const struct vy_program *p);
void vy_param_pack(const struct vy_program *p, const uint32_t *params, void *block);
/* The type an op computes in: its operands' for comparisons, the target
 * for casts, else its result (the reference VM's operation type). */
enum vy_type vy_expr_optype(const struct vy_expr *e);
/* The element type of a buffer or shared array (a load's e->type is its
 * value type: u32 for a u8 array). */
enum vy_type vy_mem_type(const struct vy_program *p, enum vy_space sp, int mem);
/* The length N of the vector access group that starts at b->v[i]: the
 * lets of components 0..N-1 of one load from a vector array, or the
 * stores of components 0..N-1 of one element (values that touch no
 * memory), all with one simple index (a local, param, constant or
 * builtin), as the resolver makes them; 0 when b->v[i] starts none.  The
 * emitters lower a group as one vector access (SPEC §10.1). */
int vy_vec_group(const struct vy_program *p, const struct vy_block *b, int i);
/* Device buffers: count elements of buffer i take vy_buffer_dev_bytes
 * (an x3 vector element 16 bytes, 12 in host data); to_dev and from_dev
 * copy count elements between host data and that layout. */
size_t vy_buffer_dev_bytes(const struct vy_program *p, int i, uint32_t count);
void vy_buffer_to_dev(const struct vy_program *p, int i, void *dst, const void *src,
		      uint32_t count);
void vy_buffer_from_dev(const struct vy_program *p, int i, void *dst, const void *src,
			uint32_t count);
/* Element size in bytes of buffer i (binding order). */
unsigned vy_buffer_elem_size(const struct vy_program *p, int i);

/* ---- textloc.c: value offsets back to the file ---- */

/* How a YAML scalar is written (yaml_tree.c sets it from the parser's). */
enum vy_scalar_style {
	VY_STYLE_ANY, VY_STYLE_PLAIN, VY_STYLE_SINGLE, VY_STYLE_DOUBLE,
	VY_STYLE_LITERAL, VY_STYLE_FOLDED
};

/* Where a YAML scalar's value lies in its source, so that an offset in the
 * value (after unquoting) maps back to a file line and column. */
struct vy_textloc {
	const struct vy_source *src;
	size_t start;   /* byte offset in src->text of the scalar's token */
	int line, col;  /* of that token, 1-based */
	int style;      /* enum vy_scalar_style */
	size_t base;    /* value offset of the text handed to a parser (a
			   dialect's "name = expr" let hands over the expr) */
	const struct vy_textmap *map;  /* NULL, or the answers for the
					  value from base on (below) */
};

/* vy_textloc_at's answers for value bytes [base, base + n), built in one
 * pass, so that a parser's many lookups in a long expression cost O(1)
 * each instead of a walk from the scalar's start. */
struct vy_textmap {
	size_t n;
	uint32_t *src;       /* source offset of each value byte */
	size_t nnl;
	uint32_t *nl;        /* offsets of the '\n's among them, ascending */
};
/* Build m for tl's value (false, and m empty, when out of memory). */
bool vy_textmap_build(struct vy_textmap *m, const struct vy_textloc *tl,
		      size_t n);
void vy_textmap_free(struct vy_textmap *m);

/* The file location of bytes [off, off+len) of a scalar's value. */
struct vy_loc vy_textloc_at(const struct vy_textloc *tl, size_t off, int len);

/* ---- source.c, yaml_tree.c, ast_build.c, decls.c: YAML -> AST (SPEC §1.1-1.5) ---- */

/* Load a program. NULL (with errors in d) when it cannot be loaded; a
 * program with errors recorded in d otherwise never reaches emission. */
struct vy_program *vy_load(struct vy_arena *a, const struct vy_source *src,
			   struct vy_diags *d);

/* Read path into a source kept in the arena; errors go to d. */
const struct vy_source *vy_source_read(struct vy_arena *a, const char *path,
				       struct vy_diags *d);

/* ---- expr_parse.c: expressions and simple statements (SPEC §1.5-1.6) ---- */

struct vy_expr *vy_parse_expr(struct vy_arena *a, const char *text, size_t n,
			      const struct vy_textloc *tl, struct vy_diags *d);
/* One simple statement from a string item: let/var/assign/store/barrier/
 * return/break/continue/call. NULL on error (reported). */
struct vy_stmt *vy_parse_stmt(struct vy_arena *a, const char *text, size_t n,
			      const struct vy_textloc *tl, struct vy_diags *d);
/* A for header "k in lo..hi" into s->name, s->lo, s->hi. */
bool vy_parse_for(struct vy_arena *a, const char *text, size_t n,
		  const struct vy_textloc *tl, struct vy_stmt *s,
		  struct vy_diags *d);

/* ---- dialect.c: extern dialect files (SPEC §2.3) ---- */

struct vy_dialect {
	const char *name, *version, *description, *path;
	int major, minor, patch;
	int nops;
	struct vy_opdef *ops;
	const struct vy_source *src;
};

struct vy_dialect_set {
	int n;
	struct vy_dialect **v;
	int nfiles;                  /* every file read, for -MD */
	const char **files;
};

/* Load one dialect file into set (version rules of SPEC §2.3). */
bool vy_dialect_load(struct vy_arena *a, struct vy_dialect_set *set,
		     const char *path, struct vy_loc from, struct vy_diags *d);
/* Load the program's dialects:, the --dialect files and
 * VYRE_DIALECT_PATH, then build the registry snapshot for this
 * compilation: built-ins plus every extern op, type-checked. NULL on
 * error (reported). */
struct vy_registry *vy_dialects_registry(struct vy_arena *a,
					 const struct vy_program *p,
					 const char *const *extra, int nextra,
					 struct vy_dialect_set *set,
					 struct vy_diags *d);

/* ---- resolve.c, verify.c: AST -> typed IR ---- */

/* Resolve names, ops and types; desugar compound assignment; inline
 * composite ops; fill default dispatch. false when errors were reported. */
bool vy_resolve(struct vy_program *p, const struct vy_registry *r,
		struct vy_diags *d);
/* The pipeline's expressions (SPEC §10.5), over p's params. */
bool vy_resolve_pipeline(struct vy_program *p, const struct vy_registry *r,
			 struct vy_diags *d);
/* Control-flow rules: break/continue placement, divergent barrier. */
bool vy_verify(struct vy_program *p, struct vy_diags *d);

/* ---- opt.c: IR -> IR ---- */

void vy_optimize(struct vy_program *p, int level);
/* f16 (SPEC §10.1, src/lower_f16.c): after resolving, before optimizing,
 * f16 values become f32 that hold binary16 values (rounded after each op),
 * f16 buffers and shared arrays F16S; nothing for a program without f16.
 * vy_param_repr: the type an emitter declares a param of type t as (f16:
 * u32, its bits in the low half). */
void vy_lower_f16(struct vy_program *p);
bool vy_program_has_f16(const struct vy_program *p);
enum vy_type vy_param_repr(enum vy_type t);
/* p with its loops of a small, provable trip count unrolled (opt.c says
 * which): p itself when none qualifies, else a copy in p's arena sharing
 * p's other statements; p is left unchanged. */
const struct vy_program *vy_unroll(const struct vy_program *p);
/* p with each private array whose every index is a constant (after
 * vy_unroll) replaced by one var per element (SPEC §10.3: registers on
 * GPU targets): p itself when none is, else a copy; p is left unchanged. */
const struct vy_program *vy_scalarise(const struct vy_program *p);
/* p after the VY_PASS_* passes in passes (opt.c says in which order): p
 * itself when passes is 0, else a copy in p's arena; p is left unchanged. */
const struct vy_program *vy_passes(const struct vy_program *p, unsigned passes);

/* ---- compile.c: the pipeline ---- */

struct vy_compile_opts {
	const char *const *dialects;   /* --dialect files */
	int ndialects;
	int opt_level;                 /* 0, 1, 2 */
	bool fast_math;                /* --fast-math: recorded in prog->fast_math */
};

struct vy_compilation {
	struct vy_arena *arena;
	struct vy_program *prog;       /* NULL on error */
	struct vy_registry *reg;
	struct vy_dialect_set dialects;
	struct vy_diags diags;
};

/* Load, resolve, verify and optimise path. Returns false on errors, which
 * are in c->diags. Free with vy_compilation_free. */
bool vy_compile(struct vy_compilation *c, const char *path,
		const struct vy_compile_opts *o);
/* The same from src on, a source already in c->arena (libvyrec's
 * compile from memory; NULL: reading it failed, errors in c->diags). */
bool vy_compile_source(struct vy_compilation *c, const struct vy_source *src,
		       const struct vy_compile_opts *o);
void vy_compilation_free(struct vy_compilation *c);

/* Dump the IR in a readable form (--dump-ir). */
void vy_dump_ir(const struct vy_program *p, FILE *f);

/* ---- AOT emitters (SPEC §3), one file each in emitters/, listed in src/targets.c ---- */

struct vy_emit_config {
	int opt_level;        /* 0, 1, 2 */
	int sm;               /* ptx: 70..90 */
	int vk_minor;         /* spv/glsl: Vulkan 1.minor, 0..3 */
	bool validate;        /* false with --no-validate */
	bool emit_asm;        /* spv: write the disassembly */
	bool fast_math;       /* --fast-math: native instructions (SPEC §10.6) */
	bool debug_info;      /* -g: each statement's YAML line and column (SPEC §10.9) */
	/* spv, ptx: the entry point's name; NULL: the 1.0 one (spv main, ptx
	 * the program's name).  vy_emit_program sets it per part. */
	const char *entry_point;
	/* spv: how an exact fma is lowered; chosen by whoever knows the device
	 * (the vulkan backend, a launcher at load time). */
	enum vy_fma_mode {
		VY_FMA_EMULATE = 0,   /* f32-only exact emulation: any device */
		VY_FMA_F64,           /* exact via f64 (round-to-odd): shaderFloat64 */
		VY_FMA_KHR,           /* OpFmaKHR: VK_KHR_shader_fma */
	} fma_mode;
	/* Where vy_emit_reject puts why a program cannot be lowered, the fix
	 * its own field (vyrec build); NULL: as text into *err. */
	struct vy_diags *diags;
};

enum { VY_EMIT_OK = 0, VY_EMIT_REJECT = 1, VY_EMIT_BUG = 2 };

struct vy_aot_emitter {
	VY_REG_HEAD(id);        /* "spv", aliases, summary */
	const char *ext;        /* ".spv" */
	unsigned passes;        /* VY_PASS_*: IR passes vy_emit runs first */
	/* Emit p into out. VY_EMIT_REJECT: the program cannot be lowered
	 * (*err says why); VY_EMIT_BUG: the emitter produced invalid output
	 * (an internal error, exit 70). */
	int (*emit)(const struct vy_program *p, const struct vy_emit_config *c,
		    struct vy_buf *out, char **err);
};

/* IR passes a target may request, run at -O1 and above on a copy
 * (src/opt.c describes each; --dump-ir=NAME shows one). */
enum {
	VY_PASS_UNROLL = 1,     /* vy_unroll */
	VY_PASS_LOADCSE = 2,    /* loads of one element merged */
	VY_PASS_FORWARD = 4,    /* a store's value read back without a load */
	VY_PASS_PROMOTE = 8,    /* a loop's one buffer element in a register */
	VY_PASS_LICM = 16,      /* loop-invariant pure arithmetic hoisted */
	VY_PASS_SR = 32,        /* k * c in a counted loop's index: a running sum */
	VY_PASS_MEM = 62,       /* all of them but unroll */
	VY_PASS_SCALARISE = 64, /* vy_scalarise, right after unroll (SPEC §10.3) */
	VY_PASS_PARTIAL = 128,  /* a runtime-count loop unrolled by 16/8/4, last */
	VY_PASS_NOWRAP = 256    /* with PARTIAL: unrolled index sums marked
				   VY_NOWRAP behind a runtime guard (ptx) */
};
/* e->axis of a u32 core.add in a buffer index (or in the let an index
 * reads): the guard before its loop proved that neither the add nor the
 * c * j of the _srk let it reads wraps, so the ptx emitter may form the
 * address as a 64-bit walk (the previous copy's address + c * size). */
enum { VY_NOWRAP = 1 };
/* The pass named name ("unroll", "loadcse", ...; "all": VY_PASS_UNROLL |
 * VY_PASS_MEM), or 0 (src/ir_dump.c); vy_pass_names lists them. */
unsigned vy_pass_parse(const char *name);
extern const char vy_pass_names[];

extern const struct vy_aot_emitter vy_emitter_spv, vy_emitter_ptx,
	vy_emitter_glsl, vy_emitter_reference;
extern const struct vy_aot_emitter *const vy_emitters[];  /* NULL-ended */
const struct vy_aot_emitter *vy_emitter_find(const char *id_or_alias);
/* t->emit of p after the IR passes t requests (at c->opt_level >= 1):
 * every caller emits through this. */
int vy_emit(const struct vy_aot_emitter *t, const struct vy_program *p,
	    const struct vy_emit_config *c, struct vy_buf *out, char **err);
/* The target id or alias closest to a misspelt name, or NULL. */
const char *vy_emitter_suggest(const char *name);
/* An emitter's refusal: the message and its fix into c->diags, or
 * without one into *err as "MSG<sep>FIX"; VY_EMIT_REJECT.  fix NULL: the
 * message may still carry a pasted Fix (sites not yet converted), which
 * vy_error_text splits off. */
int vy_emit_reject(const struct vy_emit_config *c, char **err, enum vy_fix_sep sep,
		   const char *fix, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* The whole program (SPEC §10.5): vy_emit for a program of one part;
 * with several, every part emitted and joined into one module (spv, ptx:
 * one entry point per part; reference: the parts' modules one after the
 * other).  glsl writes one file per part: vy_emit each part instead. */
int vy_emit_program(const struct vy_aot_emitter *t, const struct vy_program *p,
		    const struct vy_emit_config *c, struct vy_buf *out, char **err);

/* ---- launch.c: launch-time sizes (SPEC §1.3-1.4) ---- */

struct vy_launch {
	/* bits, declaration order; a 64-bit param (f64 u64 i64) has its high
	 * word at params[VY_MAX_PARAMS + i] (as the VM, src/vm.h) */
	uint32_t params[2 * VY_MAX_PARAMS];
	uint32_t counts[VY_MAX_IO];       /* elements per buffer */
	uint32_t dispatch[3];             /* invocations per axis */
	uint32_t grid[3];                 /* workgroups per axis */
};

/* Evaluate buffer counts and dispatch for l->params. 0, or -1 with *err. */
int vy_launch_eval(const struct vy_program *p, struct vy_launch *l,
		   char **err);
/* Evaluate a resolved expression over params only (counts, dispatch). */
uint32_t vy_eval_uniform(const struct vy_program *p, const struct vy_expr *e,
			 const uint32_t *params, const uint32_t *counts);

/* ---- dispatch backends (SPEC §4), one file each in backends/, listed in src/backends.c ---- */

/* The reference VM's subgroup size unless told otherwise (SPEC §10.4). */
#define VY_SG_DEFAULT_SIZE 32

struct vy_run {
	const struct vy_program *prog;
	struct vy_launch launch;
	void **bufs;          /* host memory per buffer, launch.counts[i]
				 elements; writable ones are read back */
	int device;           /* --device N, -1 = default */
	bool strict;
	struct vy_diags *warnings;  /* reference --strict reports; may be NULL */
	uint32_t subgroup_size;     /* reference: run --subgroup-size; 0: the
				       program's subgroup_size, else 32 */
};

struct vy_stream {
	struct vy_run *run;   /* run->bufs[buf] and counts[buf] are replaced
				 for each chunk */
	int buf;              /* the streamed input buffer */
	const unsigned char *data;
	size_t total;         /* elements in data */
	size_t chunk;         /* elements per chunk (the last may be shorter) */
	/* called after each chunk with the run as dispatched */
	int (*yield)(void *ctx, const struct vy_run *r, char **err);
	void *ctx;
};

/* One dispatch of a pipeline (SPEC §10.5): a part and its launch. */
struct vy_pipe_dispatch {
	int part;                     /* in prog->parts */
	struct vy_launch launch;
};
/* The dispatches p's pipeline stands for under l (l's params, a host
 * for: variable set per iteration), *out malloc'd. 0 or -1 with *err. */
int vy_pipeline_flatten(const struct vy_program *p, const struct vy_launch *l,
			struct vy_pipe_dispatch **out, size_t *n, char **err);

struct vy_backend {
	const char *id;
	char device_name[256];
	void *impl;
	int (*dispatch)(struct vy_backend *b, struct vy_run *r, char **err);
	/* NULL when the backend is not Streamable */
	int (*stream)(struct vy_backend *b, struct vy_stream *s, char **err);
	/* `run --bench N` (SPEC §10.9): copy r's buffers in, one warm-up
	 * dispatch, then n dispatches, each timed on the device (gpu_ms[i]:
	 * the kernel alone) and on the host (wall_ms[i]: submit to finish).
	 * r->bufs are left as they were.  *timer names the GPU timer.  NULL
	 * when the backend has no timer of its own (the caller times it). */
	int (*bench)(struct vy_backend *b, struct vy_run *r, int n,
		     double *gpu_ms, double *wall_ms, const char **timer,
		     char **err);
	/* NULL, or run the n dispatches of r's pipeline as one submission over
	 * r->bufs (copied in once, writable ones read back once). */
	int (*pipeline)(struct vy_backend *b, struct vy_run *r,
			const struct vy_pipe_dispatch *v, size_t n, char **err);
	/* how the last pipeline ran ("cuda graph ...", "one vulkan command
	 * buffer"), for run --bench's report; NULL: dispatch by dispatch */
	const char *pipe_note;
	void (*release)(struct vy_backend *b);
	/* the subgroup size its dispatches run at (SPEC §10.4; a program's
	 * subgroup_size wins where the backend honours it); 0: none */
	uint32_t subgroup_size;
	/* NULL, or `run --bench N` of a pipeline (several kernels, repeats):
	 * as bench, each gpu_ms[i] the whole pipeline's dispatches, without
	 * the copies in and out */
	int (*bench_pipeline)(struct vy_backend *b, struct vy_run *r, int n,
			      double *gpu_ms, double *wall_ms, const char **timer,
			      char **err);
};

struct vy_backend_reg {
	VY_REG_HEAD(id);        /* "vulkan", aliases, summary */
	const char *version;
	/* The backend, or NULL with *err ending in a "Fix: ..." section. */
	struct vy_backend *(*factory)(int device, char **err);
	/* Whether the backend executes op (all built-ins for v1 backends). */
	bool (*supports)(enum vy_opcode op);
};

struct vy_backend_rank { const char *id; uint32_t rank; };
struct vy_backend_cap { const char *id; bool dispatches; };

extern const struct vy_backend_reg vy_backend_cuda, vy_backend_vulkan,
	vy_backend_reference;

/* The frozen registration list, sorted by (rank, id). */
int vy_backend_count(void);
const struct vy_backend_reg *vy_backend_at(int i);
uint32_t vy_backend_rank(const char *id);        /* UINT32_MAX if none */
bool vy_backend_dispatches(const char *id);      /* false if none */
/* acquire(id): the backend or NULL with SPEC §4's error. */
struct vy_backend *vy_backend_acquire(const char *id, int device, char **err);
/* Run r's whole pipeline (SPEC §10.5) on b: b->dispatch for a program of
 * one part, else every step in order (src/pipeline.c). */
int vy_dispatch_pipeline(struct vy_backend *b, struct vy_run *r, char **err);
/* Whether param i is the variable of a host for: (need not be given). */
bool vy_param_is_host_for(const struct vy_program *p, int i);
/* Preferred selection: never the reference; all factory errors joined. */
struct vy_backend *vy_backend_preferred(int device, char **err);
void vy_backend_release(struct vy_backend *b);

/* ---- data.c: buffers from files and generators (SPEC §7) ---- */

/* Fill dst (count elements of type t) from SOURCE: a .npy or raw file, or
 * zeros, iota, const:V, random:SEED[:LO:HI]. 0, or -1 with *err. */
int vy_data_fill(const char *source, enum vy_type t, void *dst,
		 uint32_t count, char **err);
/* The bytes of count elements for path: .npy (by extension) or raw. */
void vy_data_encode(const char *path, enum vy_type t, const void *src,
		    uint32_t count, struct vy_buf *b);
/* Write count elements to path as .npy (by extension) or raw. */
int vy_data_write(const char *path, enum vy_type t, const void *src,
		  uint32_t count, char **err);
/* Read a whole data file whose length is not known in advance. */
int vy_data_read_any(const char *path, enum vy_type t, void **dst,
		     uint32_t *count, char **err);
uint64_t vy_splitmix64(uint64_t *state);
/* Print count elements as text, one line (--print). */
void vy_data_print(FILE *f, enum vy_type t, const void *src, uint32_t count);

/* ---- manifest.c (SPEC §3.3) ---- */

void vy_manifest_json(const struct vy_program *p, const char *target,
		      const char *entry, const void *kernel, size_t n,
		      struct vy_buf *out);
void vy_sha256(const void *p, size_t n, uint8_t out[32]);

/* ---- launchers (SPEC §5): src/launcher.c, one emitter per language in
 * launchers/ ---- */

struct vy_launcher_request {
	const struct vy_program *prog;
	const struct vy_aot_emitter *target;  /* spv, ptx or reference */
	const char *name;            /* project name, an identifier */
	bool with_bench;
	const void *kernel;          /* the artifact built for target */
	size_t kernel_len;
	/* spv: the artifact with exact fma lowered through f64 and through
	 * OpFmaKHR (the launcher picks one at load time from the device);
	 * NULL when it is the same as kernel */
	const void *kernel_f64, *kernel_khr;
	size_t kernel_f64_len, kernel_khr_len;
	const char *manifest;        /* manifest.json text */
	struct vy_launch selftest;   /* self-test params, counts, grid */
	uint64_t seed;               /* inputs: random:(seed + binding) */
	void **expected;             /* per buffer: reference outputs of the
					self-test (writable buffers), or NULL */
	void **inputs;               /* per buffer: the self-test input given
					with --selftest-in (embedded), or
					NULL: random:(seed + binding) */
	const char *template_dir;    /* --template-dir, or NULL: embedded */
};

struct vy_launcher_file {
	char *path;                  /* relative to the project directory */
	struct vy_buf data;
};

struct vy_launcher_files {
	int n;
	struct vy_launcher_file v[32];
	int ndeps;
	const char *deps[8];         /* Cargo dependencies (none in v1) */
};

struct vy_launcher_emitter {
	VY_REG_HEAD(lang);                   /* "c", "cargo"; aliases, summary */
	const char *const *targets;          /* NULL-ended target ids */
	int (*emit)(const struct vy_launcher_request *r,
		    struct vy_launcher_files *out, char **err);
};

extern const struct vy_launcher_emitter vy_launcher_c, vy_launcher_cargo;
extern const struct vy_launcher_emitter *const vy_launchers[];  /* NULL-ended */
const struct vy_launcher_emitter *vy_launcher_find(const char *lang);
/* The language closest to a misspelt one, or NULL. */
const char *vy_launcher_suggest(const char *lang);

#endif
