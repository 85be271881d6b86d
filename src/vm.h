/*
 * vm.h: the vyrec reference VM, standalone.  It decodes a `.vyref` module
 * (the bytes the `reference` emitter writes), validating every offset,
 * register, jump target, opcode and type, and executes it over whole
 * workgroups at once: each instruction works on a vector of lanes, one per
 * invocation, under an active mask that structured control flow narrows.
 *
 * This header and vm.c depend on nothing of vyrec but vyrec_ops.def (for
 * the opcode numbering) and vyrec_types.def (type numbers and sizes), so
 * generated launchers embed them verbatim.
 *
 * Module layout (all words little-endian u32):
 *   "VYREF\0\0\1"  format  body_length  fnv1a64(body) (2 words, low first)
 *   body = sections PROG, CODE, MANIFEST, each {tag, byte length, bytes}.
 *   PROG:   name, wgsize[3], params {type, name}, buffers {name, binding,
 *           type, access, count expr}, shared {name, type, count},
 *           dispatch exprs, nregs, preloads {kind, a, b}
 *   PRIV:   only in modules with private arrays (SPEC §10.3), between
 *           PROG and CODE: count, then {name, type, ndims, dim0, dim1}
 *   CODE:   ninstr, then 5 words per instruction: op|type<<8|aux<<16,
 *           dst, a, b, c
 *   MANIFEST: the artifact manifest JSON (opaque here)
 * Strings are a byte length then the bytes, zero-padded to 4.
 */
#ifndef VYVM_H
#define VYVM_H

#include <stddef.h>
#include <stdint.h>

#define VYVM_FORMAT 1

/* Types: the rows of vyrec_types.def, so the same numbers as enum
 * vy_type (VYVM_U32, VYVM_U8, VYVM_BF16 ...). */
enum {
#define VY_TYPE(e, ...) VYVM_##e,
#include "vyrec_types.def"
#undef VY_TYPE
	VYVM_NTYPES
};
enum { VYVM_READ_ONLY, VYVM_WRITE_ONLY, VYVM_READ_WRITE };
enum { VYVM_BUFFER, VYVM_SHARED };
/* Builtins; the same numbers as enum vy_builtin. */
enum { VYVM_GID, VYVM_LID, VYVM_WGID, VYVM_WGSIZE, VYVM_NWG,
       VYVM_SG /* b: 0 sg.size, 1 sg.lane, 2 sg.id, 3 sg.count */ };

/* Opcodes: the ops of vyrec_ops.def first (as enum vy_opcode), then the
 * VM's own memory and control instructions.  The VM executes the ops
 * before math.atan (those of vyrec 1.0); the SPEC §10.2 math ops after
 * them reach it as straight-line programs of those (src/mathlib.c), so
 * the VM's own instructions keep their numbers and 1.0 modules their
 * bytes. */
enum {
#define VY_OP(e, d, n, sig, res, ulp, abs) VYVM_OP_##e,
#include "vyrec_ops.def"
#undef VY_OP
	VYVM_NDEFOPS
};
enum {
	VYVM_NOPS = VYVM_OP_ATAN,
	VYVM_MOV = VYVM_NOPS,  /* dst = a in active lanes */
	VYVM_LOAD,             /* dst = mem[a]; aux = space<<15 | mem, type = index type */
	VYVM_STORE,            /* mem[a] = b */
	VYVM_IF,               /* cond a; then [pc+1, b), else [b, c) */
	VYVM_LOOP,             /* body [pc+1, b), increment [b, c) */
	VYVM_BREAKIFNOT,       /* lanes where !a leave the loop */
	VYVM_BREAK, VYVM_CONTINUE, VYVM_RETURN, VYVM_BARRIER,
	VYVM_CONST,            /* dst = the word a in active lanes */
	VYVM_SUBGROUP,         /* dst = subgroup op aux (VYVM_SG_*) of a, b;
				  type = the operand type (SPEC §10.4) */
	/* private arrays (SPEC §10.3): aux = signed<<14 | array, type = its
	 * element type; one word per element per lane.  A 2-D array may also
	 * be indexed by row and column, each checked: aux = 1<<15 | array */
	VYVM_PLOAD,            /* dst = array[a] (2-D form: array[a][b]) */
	VYVM_PSTORE,           /* array[a] = b (2-D form: array[a][c] = b) */
	VYVM_PFILL,            /* every element of array = a */
	VYVM_NOPCODES
};
/* Subgroup ops, the VY_SUBGROUP list of vyrec_ops.def in order. */
enum {
#define VY_SUBGROUP(e) VYVM_##e,
#include "vyrec_ops.def"
#undef VY_SUBGROUP
	VYVM_NSG
};
/* Subgroup sizes the VM runs at (vyvm_opts.subgroup_size). */
#define VYVM_SGSIZE_MIN 4
#define VYVM_SGSIZE_MAX 128
#define VYVM_SGSIZE_DEFAULT 32
/* Atomic instructions use the atomic op codes: aux = space<<15 | mem,
 * type = element type, a = index, b = value (compare_exchange: b = cmp,
 * c = value), dst = the old value. */

/* Preloaded registers: constants and values uniform over a workgroup. */
enum { VYVM_PRE_CONST, VYVM_PRE_PARAM, VYVM_PRE_BUILTIN, VYVM_PRE_LEN };

/* Uniform expression code (counts, dispatch), postfix words. */
enum { VYVM_U_CONST, VYVM_U_PARAM, VYVM_U_LEN, VYVM_U_OP };
/* An item word is kind | op<<8 | type<<16 | aux<<24; CONST, PARAM and LEN
 * are followed by one operand word. */

/* Limits the decoder enforces. */
#define VYVM_MAX_LANES   1024
#define VYVM_MAX_REGS    65536
#define VYVM_MAX_WORDS   (1u << 24)  /* nregs * lanes */
#define VYVM_MAX_NEST    256
#define VYVM_MAX_PARAMS  32
#define VYVM_MAX_BUFFERS 64
#define VYVM_MAX_PRIVATES 1024   /* private arrays (a vector one is one per component) */
#define VYVM_MAX_SHARED  32768       /* bytes */
#define VYVM_MAX_USTACK  64
#define VYVM_MAX_PRIVATE 16384       /* bytes of private arrays per lane */

/* Run flags. */
#define VYVM_STRICT 1u

struct vyvm_param { const char *name; uint32_t type; };
struct vyvm_buffer { const char *name; uint32_t binding, type, access; };
struct vyvm_shared { const char *name; uint32_t type, count; };

struct vyvm_impl;

/* A decoded module; the public fields describe its launch interface. */
struct vyvm_module {
	const char *name;
	uint32_t wgsize[3];
	uint32_t nparams, nbuffers, nshared, ndispatch;
	const struct vyvm_param *params;
	const struct vyvm_buffer *buffers;   /* in binding order */
	const struct vyvm_shared *shared;
	const char *manifest;                /* NUL-terminated */
	size_t manifest_len;
	uint64_t hash;
	struct vyvm_impl *impl;
};

/* Options of vyvm_run_opts; zero-initialise. */
struct vyvm_opts {
	unsigned flags;          /* VYVM_STRICT */
	uint64_t max_steps;      /* instructions per run; 0: no limit */
	char warn[512];          /* out: the first strict-mode warning */
	unsigned nwarnings;      /* out */
	uint32_t subgroup_size;  /* a power of two, 4..128; 0: VYVM_SGSIZE_DEFAULT */
};

/* One non-memory op of vyrec_ops.def on 32-bit values, exactly as the VM
 * executes it; t is the operation type (the operands' type for
 * comparisons, the target type for casts, whose source type is aux). */
uint32_t vyvm_eval_op(uint32_t op, uint32_t t, uint32_t aux, uint32_t a,
		      uint32_t b, uint32_t c);
/* Whether the VM's op table has a row computing op on type t (atomics
 * included); vyvm_eval_op on an op and type without one stops. */
int vyvm_has_op(uint32_t op, uint32_t t);
/* The same for the 64-bit types f64 u64 i64 (SPEC §10.1), on 64-bit
 * values (32-bit operands zero-extended, 32-bit results in the low half):
 * ops whose t (or, for casts and bitcasts, aux) is one of them; others
 * go to vyvm_eval_op. */
uint64_t vyvm_eval_op64(uint32_t op, uint32_t t, uint32_t aux, uint64_t a,
			uint64_t b, uint64_t c);
int vyvm_has_op64(uint32_t op, uint32_t t, uint32_t aux);

/* Whether the VM's subgroup table has a row for subgroup op sg
 * (VYVM_SG_*) on operand type t. */
int vyvm_has_subgroup_op(uint32_t sg, uint32_t t);

/* Bytes of one element of type t in a buffer (0 for an unknown t). */
uint32_t vyvm_type_size(uint32_t t);

/* FNV-1a 64 of n bytes (the module's content hash). */
uint64_t vyvm_hash(const void *p, size_t n);

/* Decode and validate n bytes. 0 and *out (free with vyvm_free), or -1
 * with a message in err. Never reads outside [data, data+n). */
int vyvm_decode(const void *data, size_t n, struct vyvm_module **out,
		char *err, size_t errlen);
void vyvm_free(struct vyvm_module *m);

/* Element counts of every buffer for params (bits, declaration order). */
int vyvm_eval_counts(const struct vyvm_module *m, const uint32_t *params,
		     uint32_t *counts, char *err, size_t errlen);
/* Invocations per axis and workgroups per axis (ceil); an axis of 0 is
 * an error. counts are the buffers' element counts (for len()). */
int vyvm_eval_dispatch(const struct vyvm_module *m, const uint32_t *params,
		       const uint32_t *counts, uint32_t dispatch[3],
		       uint32_t grid[3], char *err, size_t errlen);

/* Run the module over grid workgroups. bufs[i] holds counts[i] elements
 * (4-byte aligned; host order; vyvm_type_size bytes each: u8 1, bf16 2,
 * u32 4) of buffer i (binding order); writable ones are updated in place. 0, or -1 with err (out-of-bounds access, strict
 * mode read of unwritten shared memory, step limit).  params holds each
 * param's bits in declaration order; a 64-bit param (f64 u64 i64) has its
 * low word there and its high word at params[VYVM_MAX_PARAMS + i], so a
 * program with one needs 2 * VYVM_MAX_PARAMS words. */
int vyvm_run(const struct vyvm_module *m, const uint32_t *params,
	     void **bufs, const uint32_t *counts, const uint32_t grid[3],
	     unsigned flags, char *err, size_t errlen);
int vyvm_run_opts(const struct vyvm_module *m, const uint32_t *params,
		  void **bufs, const uint32_t *counts, const uint32_t grid[3],
		  struct vyvm_opts *o, char *err, size_t errlen);

#endif
