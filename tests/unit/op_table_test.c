/*
 * op_table_test.c: every op of vyrec_ops.def, over every type its
 * signature admits, lowered by every target its registry row claims
 * (vy_opdef.targets, the TARGETS column of `vyrec ops`).  Per op a tiny
 * program calls it on params (so nothing folds), is compiled at -O0 and
 * emitted by each claimed emitter in a child process: the emitter must
 * return VY_EMIT_OK, and an internal error (vy_bug, a crash) fails the
 * case.  A target that does not claim an op must refuse it cleanly.
 *
 *   op_table_test        one PASS/FAIL line per op and target
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vyrec.h"
#include "mathlib_ir.h"
#include "vm.h"

static int fails;

static const struct { const char *id; unsigned bit; } tgts[] = {
	{ "spv", VY_TGT_SPV }, { "ptx", VY_TGT_PTX },
	{ "glsl", VY_TGT_GLSL }, { "reference", VY_TGT_REF },
};

static const char *const tnames[] = { "u32", "i32", "f32", "bool" };

/* An argument of type t (an index into tnames); params keep it unfolded. */
static const char *arg(int t)
{
	static const char *const a[] = { "pu", "pi", "pf", "(pu > 1u)" };
	return a[t];
}

/* The types a param's class admits, as a bit set over tnames. */
static unsigned class_types(const struct vy_opparam *p)
{
	switch (p->cls) {
	case VY_PC_INT: return 3;
	case VY_PC_FLOAT: return 4;
	case VY_PC_NUM: return 7;
	case VY_PC_ANY: return 15;
	case VY_PC_TYPE:
		return p->type == VY_U32 ? 1 : p->type == VY_I32 ? 2 :
		       p->type == VY_F32 ? 4 : p->type == VY_BOOL ? 8 : 0;
	}
	return 0;
}

static bool concrete(const struct vy_opparam *p)
{
	return p->cls == VY_PC_TYPE;
}

/* The statement that uses expression e of result type r. */
static void store(char *out, size_t n, const char *e, int r)
{
	static const char *const buf[] = { "ou", "oi", "of" };
	if (r == 3)
		snprintf(out, n, "  - if: %s\n    then:\n      - ou[0] = 1u\n", e);
	else
		snprintf(out, n, "  - %s[1] = %s\n", buf[r], e);
}

/* The call of op over unified type t (result type dst for casts), or
 * false where the op does not admit t. */
static bool call(const struct vy_opdef *op, int t, int dst, char *out, size_t n)
{
	char e[256];
	size_t k = 0;
	if (op->code == VY_OP_CAST || op->code == VY_OP_BITCAST) {
		if (!(class_types(&op->params[0]) & 1u << t) || dst == 3)
			return false;
		snprintf(e, sizeof e, op->code == VY_OP_CAST ? "%s(%s)" : "bitcast<%s>(%s)",
			 tnames[dst], arg(t));
		store(out, n, e, dst);
		return true;
	}
	if (dst)
		return false;
	bool unified = false;
	for (int i = 0; i < op->nparams; i++)
		if (!concrete(&op->params[i]) && !op->params[i].indep) {
			if (!(class_types(&op->params[i]) & 1u << t))
				return false;
			unified = true;
		}
	if (!unified && t)
		return false;   /* all params concrete: one type only */
	k += (size_t)snprintf(e + k, sizeof e - k, "%s(", op->id);
	for (int i = 0; i < op->nparams; i++) {
		const struct vy_opparam *c = &op->params[i];
		const char *a;
		char ref[8];
		if (c->ref) {
			snprintf(ref, sizeof ref, "o%c[0]", tnames[t][0]);
			a = ref;
		} else if (concrete(c)) {
			a = arg(__builtin_ctz(class_types(c)));
		} else if (c->indep) {
			a = "pu";
		} else {
			a = arg(t);
		}
		k += (size_t)snprintf(e + k, sizeof e - k, "%s%s", i ? ", " : "", a);
	}
	snprintf(e + k, sizeof e - k, ")");
	if (op->rule == VY_RES_TYPE && vy_type_lanes(op->ret) > 1) {   /* subgroup.ballot's u32x4: two words */
		char v[256];
		snprintf(v, sizeof v, "%s.x ^ %s.w", e, e);
		snprintf(out, n, "  - ou[1] = %s\n", v);
		return true;
	}
	if (vy_op_is_atomic(op->code))
		snprintf(out, n, "  - %s\n", e);
	else
		store(out, n, e, op->rule != VY_RES_TYPE ? t : op->ret == VY_BOOL ? 3 :
		      op->ret == VY_U32 ? 0 : op->ret == VY_I32 ? 1 : op->ret == VY_F32 ? 2 : t);
	return true;
}

static const char head[] =
	"vyrec: 1\nname: op_table\n"
	"params: {pu: u32, pi: i32, pf: f32}\n"
	"buffers:\n"
	"  ou: {binding: 0, type: u32, count: 4, access: read_write}\n"
	"  oi: {binding: 1, type: i32, count: 4, access: read_write}\n"
	"  of: {binding: 2, type: f32, count: 4, access: read_write}\n"
	"workgroup_size: [1]\ndispatch: [1]\nentry:\n";

/* The Vulkan version the op is emitted for: 1.1 for subgroup ops (SPIR-V
 * 1.3 has them), else 1.0. */
static int vk_minor_now;

/* Compile path and emit it with em in a child: 0 ok, else why in why. */
static int emit_in_child(const char *path, const struct vy_aot_emitter *em,
			 char *why, size_t n)
{
	int fd[2];
	if (pipe(fd))
		return snprintf(why, n, "pipe failed"), 1;
	pid_t pid = fork();
	if (pid == 0) {
		close(fd[0]);
		dup2(fd[1], 2);
		struct vy_compile_opts o = { NULL, 0, 0, false };
		struct vy_compilation c;
		memset(&c, 0, sizeof c);
		if (!vy_compile(&c, path, &o)) {
			vy_diags_print(&c.diags, stderr, VY_DIAG_TEXT, false);
			_exit(10);
		}
		struct vy_emit_config cfg = { .opt_level = 0, .sm = 70, .validate = true,
					      .vk_minor = vk_minor_now };
		struct vy_buf out = {0};
		char *err = NULL;
		int r = em->emit(c.prog, &cfg, &out, &err);
		if (r != VY_EMIT_OK)
			fprintf(stderr, "emit returned %d: %s", r, err ? err : "");
		_exit(r == VY_EMIT_OK ? 0 : 20 + r);
	}
	close(fd[1]);
	size_t got = 0;
	char sink[512];
	for (ssize_t r; (r = read(fd[0], got < n - 1 ? why + got : sink,
				  got < n - 1 ? n - 1 - got : sizeof sink)) > 0;)
		got += got < n - 1 ? (size_t)r : 0;
	why[got] = 0;
	for (char *p = why; *p; p++)
		if (*p == '\n')
			*p = ' ';
	close(fd[0]);
	int st;
	waitpid(pid, &st, 0);
	if (WIFSIGNALED(st))
		return snprintf(why + strlen(why), n - strlen(why), " (signal %d)",
				WTERMSIG(st)), 1;
	return WEXITSTATUS(st);
}

/* Op code over every admitted type on target tg. */
static void check(const struct vy_opdef *op, int tg)
{
	const struct vy_aot_emitter *em = vy_emitter_find(tgts[tg].id);
	bool claims = vy_op_targets(op) & tgts[tg].bit;
	int tried = 0;
	char path[64], why[1024], bad_t[64] = "";
	snprintf(path, sizeof path, "tests/out/op_table_%d.yaml", (int)getpid());
	vk_minor_now = vy_op_is_subgroup(op->code) ? 1 : 0;
	for (int t = 0; t < 4 && !bad_t[0]; t++)
		for (int d = 0; d < 4 && !bad_t[0]; d++) {
			char stmt[512];
			if (!call(op, t, d, stmt, sizeof stmt))
				continue;
			FILE *f = fopen(path, "w");
			if (!f) {
				printf("FAIL op_table_%s_%s: cannot write %s\n", op->id, tgts[tg].id, path);
				fails++;
				return;
			}
			fprintf(f, "%s%s", head, stmt);
			fclose(f);
			tried++;
			int r = em ? emit_in_child(path, em, why, sizeof why)
				   : (snprintf(why, sizeof why, "no emitter"), 1);
			if (claims ? r != 0 : r != 0 && r != 20 + VY_EMIT_REJECT)
				snprintf(bad_t, sizeof bad_t, "%s%s%s", tnames[t],
					 d ? "->" : "", d ? tnames[d] : "");
		}
	remove(path);
	if (!tried) {
		printf("FAIL op_table_%s_%s: no type of its signature could be tried\n",
		       op->id, tgts[tg].id);
		fails++;
	} else if (bad_t[0]) {
		printf("FAIL op_table_%s_%s: %s %s: %s\n", op->id, tgts[tg].id,
		       claims ? "claimed but not lowered for" : "refused badly for",
		       bad_t, why);
		fails++;
	} else {
		printf("PASS op_table_%s_%s\n", op->id, tgts[tg].id);
	}
}

/* The reference VM's op table (src/vm.c vm_ops) has a row for every op it
 * executes as an instruction (opcodes below VYVM_NOPS) and every type its
 * first parameter admits (casts: every type), and a
 * target claims an op (vy_opdef.targets) exactly when its lowering table
 * has a row for it. */
static void check_rows(void)
{
	static const uint32_t vmt[] = { 2, 3, 4, 1 };   /* tnames -> VYVM_* */
	static bool (*const lowers[])(enum vy_opcode) = {
		vy_spv_lowers, vy_ptx_lowers, vy_glsl_lowers, NULL,
	};
	int missing = 0, disagree = 0;
	char first[128] = "";
	for (int code = 0; code < VY_OP_COUNT; code++) {
		const struct vy_opdef *op = vy_builtin_op((enum vy_opcode)code);
		static const struct vy_opparam any = { .cls = VY_PC_ANY },
			boolean = { .cls = VY_PC_TYPE, .type = VY_BOOL };
		const struct vy_opparam *cls = op->code == VY_OP_CAST ? &any :
					       op->nparams ? &op->params[0] : &boolean;
		unsigned set = class_types(cls);
		for (int t = 0; t < 4 && code < VYVM_NOPS; t++)
			if (set >> t & 1 && !vyvm_has_op((uint32_t)code, vmt[t])) {
				if (!missing++)
					snprintf(first, sizeof first, "%s on %s", op->id, tnames[t]);
			}
		for (int tg = 0; tg < 3; tg++)
			disagree += !(vy_op_targets(op) & tgts[tg].bit) != !lowers[tg](op->code);
		bool ref = vy_op_is_library((enum vy_opcode)code);   /* walked, not VM rows */
		for (uint32_t t = 1; t <= 4; t++)   /* subgroup ops: the VM's subgroup table */
			ref |= (vy_op_is_subgroup((enum vy_opcode)code) ?
				vyvm_has_subgroup_op((uint32_t)vy_op_subgroup_index((enum vy_opcode)code), t) :
				vyvm_has_op((uint32_t)code, t)) != 0;
		disagree += !(vy_op_targets(op) & VY_TGT_REF) != !ref;
	}
	if (missing)
		printf("FAIL op_table_vm_rows: %d op x type pairs without a VM row, first %s\n",
		       missing, first);
	else
		printf("PASS op_table_vm_rows\n");
	if (disagree)
		printf("FAIL op_table_claims_are_rows: %d op x target claims differ from the tables\n",
		       disagree);
	else
		printf("PASS op_table_claims_are_rows\n");
	fails += missing != 0 || disagree != 0;
}

int main(void)
{
	for (int code = 0; code < VY_OP_COUNT; code++) {
		const struct vy_opdef *op = vy_builtin_op((enum vy_opcode)code);
		for (int tg = 0; tg < 4; tg++)
			check(op, tg);
	}
	/* the atomic column and the signatures agree */
	int mism = 0;
	for (int code = 0; code < VY_OP_COUNT; code++) {
		const struct vy_opdef *op = vy_builtin_op((enum vy_opcode)code);
		mism += vy_op_is_atomic(op->code) != (op->nparams && op->params[0].ref);
	}
	printf(mism ? "FAIL op_table_atomic_column: %d ops disagree with their signature\n"
		    : "PASS op_table_atomic_column\n", mism);
	fails += mism != 0;
	check_rows();
	return fails != 0;
}
