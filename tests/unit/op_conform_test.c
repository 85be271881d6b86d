/*
 * op_conform_test.c: one definition of the scalar semantics, checked
 * (issue #12 item 3).  Every non-atomic op of vyrec_ops.def that the VM
 * executes (opcodes below VYVM_NOPS) over every type
 * its signature admits (casts: every source -> u32 i32 f32), on edge values
 * (0, -0, ±1, ±inf, qNaN, sNaN, subnormals, FLT_MAX, 2^31, INT_MIN, -1,
 * UINT_MAX, shift amounts 31 32 ...), evaluated by the reference VM's
 * evaluator (vyvm_eval_op, the one that constant folding and launch-time
 * sizes call) gives the expected bits.  t_tables.sh runs the programs this
 * writes on the reference VM at -O0 and -O1 (where vyrec folds the literal
 * operands) and on every GPU backend that runs here, and compares with
 * `cmp`.
 *
 *   op_conform_test gen DIR    DIR/OP.yaml (literal operands), DIR/OP_rt.yaml
 *                              (the same operands read from buffer v at run
 *                              time: a Vulkan driver may fold literal NaN,
 *                              inf and -0 its own way, doc/SEMANTICS.md),
 *                              DIR/OP.expect, DIR/OP.v (v's words), DIR/list
 *   op_conform_test cmp EXPECT OUT exact|bounded NAME
 *                              one PASS/FAIL line.  exact: every bit.
 *                              bounded: a target's results as SEMANTICS.md
 *                              allows: integers and bool exact; f32 exact
 *                              for ulp-0 ops but any NaN for a NaN, either
 *                              zero for min/max/clamp of two zeros;
 *                              within the op's ulp and abs bound otherwise.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vyrec.h"
#include "vm.h"
#include "launcher.h"

enum { TB, TU, TI, TF };   /* bool u32 i32 f32: vm type = index + 1 */
static const char *const tname[] = { "bool", "u32", "i32", "f32" };

static const uint32_t vals_b[] = { 0, 1 };
static const uint32_t vals_u[] = {
	0, 1, 2, 7, 31, 32, 33, 0x7FFFFFFFu, 0x80000000u, 0xFFFFFFFEu,
	0xFFFFFFFFu, 12345u,
};
static const uint32_t vals_i[] = {
	0, 1, 0xFFFFFFFFu, 2, 0xFFFFFFFEu, 7, 0xFFFFFFF9u, 31, 32,
	0x80000000u, 0x7FFFFFFFu, 0x80000001u,
};
static const uint32_t vals_f[] = {
	0x00000000u, 0x80000000u, 0x3F800000u, 0xBF800000u, 0x3F000000u,
	0x3FC00000u, 0xC0200000u, 0x7F800000u, 0xFF800000u, 0x7FC00000u,
	0x7F800001u, 0x00000001u, 0x00800000u, 0x7F7FFFFFu, 0x4F000000u,
	0xCF000000u, 0x4F800000u, 0x40490FDBu,
};

static const uint32_t *vals(int t, int *n)
{
	static const uint32_t *const v[] = { vals_b, vals_u, vals_i, vals_f };
	static const int c[] = { 2, 12, 12, 18 };
	*n = c[t];
	return v[t];
}

/* The types a param's class admits, as a bit set over TB..TF. */
static unsigned class_types(const struct vy_opparam *p)
{
	switch (p->cls) {
	case VY_PC_INT: return 6;
	case VY_PC_FLOAT: return 8;
	case VY_PC_NUM: return 14;
	case VY_PC_ANY: return 15;
	case VY_PC_TYPE:
		return p->type == VY_BOOL ? 1 : p->type == VY_U32 ? 2 :
		       p->type == VY_I32 ? 4 : p->type == VY_F32 ? 8 : 0;
	}
	return 0;
}

static bool concrete(const struct vy_opparam *p)
{
	return p->cls == VY_PC_TYPE;
}

/* An operand: a literal, or (rt) operand k of case BASE + gid.x, word
 * 3 (BASE + gid.x) + k of buffer v. */
static void operand(char *o, size_t n, int t, uint32_t bits, bool rt, int base, int k)
{
	char w[48];
	snprintf(w, sizeof w, "v[3u * (%du + gid.x) + %du]", base, k);
	if (rt && t == TB)
		snprintf(o, n, "(%s != 0u)", w);
	else if (rt && t == TU)
		snprintf(o, n, "%s", w);
	else if (rt)
		snprintf(o, n, "bitcast<%s>(%s)", tname[t], w);
	else if (t == TB)
		snprintf(o, n, bits ? "(1u > 0u)" : "(0u > 1u)");
	else if (t == TU)
		snprintf(o, n, "%uu", bits);
	else
		snprintf(o, n, "bitcast<%s>(%uu)", tname[t], bits);
}

struct gen {
	FILE *lit, *rt, *exp;
	uint32_t v[3 * 4096];
	int nout, maxn;
	const struct vy_opdef *op;
};

/* One case: op over types ty[] and bits a[], result type r (optype ot,
 * aux for casts). */
/* The call of op over types ty[], written with operand texts (rt: the
 * run-time operands of the cases from base on). */
static void call_text(struct gen *g, char *e, size_t n, const int *ty,
		      const uint32_t *a, int r, bool rt, int base)
{
	const struct vy_opdef *op = g->op;
	char o[96];
	size_t k;
	if (op->code == VY_OP_CAST || op->code == VY_OP_BITCAST)
		k = (size_t)snprintf(e, n, op->code == VY_OP_CAST ? "%s(" :
				     "bitcast<%s>(", tname[r]);
	else
		k = (size_t)snprintf(e, n, "%s(", op->id);
	for (int i = 0; i < op->nparams; i++) {
		operand(o, sizeof o, ty[i], a ? a[i] : 0, rt, base, i);
		k += (size_t)snprintf(e + k, n - k, "%s%s", i ? ", " : "", o);
	}
	snprintf(e + k, n - k, ")");
}

static const char *wrap(int r)
{
	return r == TF ? "bitcast<u32>" : r == TU ? "" : "u32";
}

/* One case: op over types ty[] and bits a[], result type r (optype ot,
 * aux for casts). */
static void emit_case(struct gen *g, const int *ty, const uint32_t *a, int r,
		      int ot, int aux)
{
	const struct vy_opdef *op = g->op;
	char e[512];
	call_text(g, e, sizeof e, ty, a, r, false, 0);
	fprintf(g->lit, "  - out[%d] = %s(%s)\n", g->nout, wrap(r), e);
	uint32_t x = vyvm_eval_op(op->code, (uint32_t)ot + 1, (uint32_t)aux,
				  a[0], op->nparams > 1 ? a[1] : 0,
				  op->nparams > 2 ? a[2] : 0);
	fprintf(g->exp, "%08x %c", x, r == TF ? 'f' : 'i');
	for (int i = 0; i < op->nparams; i++)
		fprintf(g->exp, " %08x", a[i]);
	fprintf(g->exp, "\n");
	memcpy(g->v + 3 * g->nout, a, 3 * sizeof *a);
	g->nout++;
}

/* Every combination of edge values for params typed ty[] (ternary ops
 * take the first 6 values of each, to keep the programs small). */
static void combos(struct gen *g, const int *ty, int r, int ot, int aux)
{
	int n[3] = { 1, 1, 1 }, np = g->op->nparams;
	const uint32_t *v[3] = { NULL, NULL, NULL };
	for (int i = 0; i < np; i++) {
		v[i] = vals(ty[i], &n[i]);
		if (np == 3 && n[i] > 6)
			n[i] = 6;
	}
	char e[512];
	int count = n[0] * n[1] * n[2];
	call_text(g, e, sizeof e, ty, NULL, r, true, g->nout);
	fprintf(g->rt, "  - if: gid.x < %du\n    then:\n      - out[%du + gid.x] = %s(%s)\n",
		count, g->nout, wrap(r), e);
	if (count > g->maxn)
		g->maxn = count;
	for (int i = 0; i < n[0]; i++)
		for (int j = 0; j < n[1]; j++)
			for (int k = 0; k < n[2]; k++) {
				uint32_t a[3] = { v[0][i], np > 1 ? v[1][j] : 0,
						  np > 2 ? v[2][k] : 0 };
				emit_case(g, ty, a, r, ot, aux);
			}
}

static const char head[] =
	"vyrec: 1\nname: %s\n"
	"buffers:\n"
	"%s"
	"  out: {binding: %d, type: u32, count: %d, access: write_only}\n"
	"workgroup_size: [%d]\ndispatch: [%d]\nentry:\n";

/* The programs of one op. */
static int gen_op(const char *dir, const struct vy_opdef *op, FILE *list)
{
	char path[512], name[64], *body_l = NULL, *body_r = NULL;
	size_t nl = 0, nr = 0;
	struct gen *g = calloc(1, sizeof *g);
	snprintf(name, sizeof name, "%s", op->id);
	*strchr(name, '.') = '_';
	g->op = op;
	g->lit = open_memstream(&body_l, &nl);
	g->rt = open_memstream(&body_r, &nr);
	snprintf(path, sizeof path, "%s/%s.expect", dir, name);
	g->exp = fopen(path, "w");
	if (!g->exp)
		return -1;
	fprintf(g->exp, "%s %.17g %.17g\n", op->id, op->ulp, op->abs);
	bool cast = op->code == VY_OP_CAST || op->code == VY_OP_BITCAST;
	for (int t = TB; t <= TF; t++) {
		if (cast) {
			if (!(class_types(&op->params[0]) & 1u << t))
				continue;
			for (int d = TU; d <= TF; d++) {
				int ty[1] = { t };
				combos(g, ty, d, d, t + 1);
			}
			continue;
		}
		int ty[3];
		bool unified = false, ok = true;
		for (int i = 0; i < op->nparams; i++) {
			const struct vy_opparam *c = &op->params[i];
			if (c->indep)
				ty[i] = TU;
			else if (concrete(c))
				ty[i] = __builtin_ctz(class_types(c));
			else {
				ok &= (class_types(c) >> t & 1) != 0;
				unified = true;
				ty[i] = t;
			}
		}
		if (!ok || (!unified && t != TB))
			continue;
		bool cmp = op->rule == VY_RES_TYPE && op->ret == VY_BOOL;
		int r = cmp ? TB : unified ? t : ty[0];
		combos(g, ty, r, cmp ? ty[0] : r, 0);
	}
	fclose(g->lit);
	fclose(g->rt);
	fclose(g->exp);
	for (int rt = 0; rt < 2; rt++) {
		char vbuf[128] = "";
		if (rt)
			snprintf(vbuf, sizeof vbuf, "  v: {binding: 0, type: u32, count: %d, "
				 "access: read_only}\n", 3 * g->nout);
		snprintf(path, sizeof path, "%s/%s%s.yaml", dir, name, rt ? "_rt" : "");
		FILE *f = fopen(path, "w");
		if (!f)
			return -1;
		fprintf(f, head, name, vbuf, rt, g->nout, rt ? 64 : 1, rt ? g->maxn : 1);
		fputs(rt ? body_r : body_l, f);
		fclose(f);
	}
	snprintf(path, sizeof path, "%s/%s.v", dir, name);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(g->v, 4, 3 * (size_t)g->nout, f) != 3 * (size_t)g->nout)
		return -1;
	fclose(f);
	fprintf(list, "%s %d\n", name, g->nout);
	free(body_l);
	free(body_r);
	free(g);
	return 0;
}

static bool is_nan(uint32_t b) { return (b & 0x7FFFFFFFu) > 0x7F800000u; }

static float fl(uint32_t b)
{
	float f;
	memcpy(&f, &b, 4);
	return f;
}

/* Whether a target's f32 result y may stand for the VM's x. */
static bool f32_ok(const char *op, double ulp, double abs, uint32_t x, uint32_t y,
		   const uint32_t *a, int na)
{
	bool moves = !strcmp(op, "core.neg") || !strcmp(op, "math.abs") ||
		     !strcmp(op, "core.select") || !strcmp(op, "core.bitcast");
	if (x == y)
		return true;
	if (is_nan(x) && is_nan(y))
		return !moves;
	if (is_nan(x) || is_nan(y))
		return false;
	if (!strcmp(op, "math.min") || !strcmp(op, "math.max") || !strcmp(op, "math.clamp")) {
		int zeros = 0;
		for (int i = 0; i < na; i++)
			zeros += (a[i] & 0x7FFFFFFFu) == 0;
		if (zeros >= 2 && (x & 0x7FFFFFFFu) == 0 && (y & 0x7FFFFFFFu) == 0)
			return true;
	}
	if (ulp == 0 && abs == 0)
		return false;
	double fx = fl(x), fy = fl(y);
	if (isinf(fx) || isinf(fy))
		return false;
	double u = fx == 0 ? ldexp(1, -149) : fabs(nextafterf((float)fx, INFINITY) - (float)fx);
	if (isinf(u))
		u = ldexp(1, 104);
	return fabs(fx - fy) <= ulp * u + abs;
}

/* Bounded mode: whether the Vulkan precision table bounds op on these
 * operands, for the ops lowered to native GLSL.std.450 instructions
 * (doc/SEMANTICS.md: rsqrt exp exp2 log log2 sin cos tan tanh pow; every
 * other op is compared everywhere).  It does not for denormal operands
 * (they may be flushed), inf or NaN operands (no SignedZeroInfNanPreserve),
 * sin cos tan outside [-pi, pi], log and pow of x <= 0, and pow where
 * exp2(y * log2(x)), which pow inherits its bound from, leaves the
 * normal range (expected result r beyond 2^126). */
static bool in_domain(const char *op, const uint32_t *a, int na, uint32_t r)
{
	static const char *const native[] = { "math.rsqrt", "math.exp",
		"math.exp2", "math.log", "math.log2", "math.sin", "math.cos",
		"math.tan", "math.tanh", "math.pow", NULL };
	bool nat = false;
	for (int i = 0; native[i]; i++)
		nat |= !strcmp(op, native[i]);
	if (!nat)
		return true;
	for (int i = 0; i < na; i++) {
		uint32_t m = a[i] & 0x7FFFFFFFu;
		if (m >= 0x7F800000u || (m && m < 0x00800000u))
			return false;
	}
	float x = fl(a[0]);
	if (!strcmp(op, "math.sin") || !strcmp(op, "math.cos") || !strcmp(op, "math.tan"))
		return fabsf(x) <= 3.14159274f;
	if (!strcmp(op, "math.pow"))
		return x > 0 && (r & 0x7FFFFFFFu) < 0x7E800000u;
	if (!strcmp(op, "math.log") || !strcmp(op, "math.log2"))
		return x > 0;
	return true;
}

static int cmp(const char *exp, const char *out, bool exact, const char *name)
{
	FILE *e = fopen(exp, "r"), *o = fopen(out, "rb");
	char id[64], line[256];
	double ulp, abs;
	int k = 0, bad = 0, skipped = 0;
	if (!e || !o || !fgets(line, sizeof line, e) ||
	    sscanf(line, "%63s %lf %lf", id, &ulp, &abs) != 3) {
		printf("FAIL %s: cannot read %s or %s\n", name, exp, out);
		return 1;
	}
	char first[512] = "";
	while (fgets(line, sizeof line, e)) {
		uint32_t x, y, a[3] = { 0, 0, 0 };
		char kind;
		int na = sscanf(line, "%x %c %x %x %x", &x, &kind, &a[0], &a[1], &a[2]) - 2;
		if (fread(&y, 4, 1, o) != 1) {
			printf("FAIL %s: %s has %d words, %s more\n", name, out, k, exp);
			return 1;
		}
		if (!exact && kind == 'f' && !in_domain(id, a, na, x)) {
			skipped++;
			k++;
			continue;
		}
		bool ok = exact || kind != 'f' ? x == y : f32_ok(id, ulp, abs, x, y, a, na);
		if (!ok && !bad++)
			snprintf(first, sizeof first, "out[%d] operands %08x %08x %08x: "
				 "expected %08x got %08x", k, a[0], a[1], a[2], x, y);
		k++;
	}
	fclose(e);
	fclose(o);
	if (bad)
		printf("FAIL %s: %d of %d differ (%s), first %s\n", name, bad, k,
		       exact ? "bit for bit" : "within the op's bound", first);
	else if (skipped)
		printf("PASS %s (%d of %d cases outside the bounded domain, not compared)\n",
		       name, skipped, k);
	else
		printf("PASS %s\n", name);
	return bad != 0;
}

/* ---- the launcher runtimes: launch-time sizes in the generated C and
 * Rust projects (templates/c/src/uniform.h, templates/cargo/src/uniform.rs)
 * ----
 * For every op x type the launchers evaluate at launch time, the
 * expression vy_launcher_expr prints for op(p[0], p[1], p[2]) in C and in
 * Rust, over the edge values, with the VM's bits as the expected result:
 * DIR/launch_c.c and DIR/launch_rs.rs, each a program that prints one
 * PASS/FAIL line per op x type (exact bits: the helpers are IEEE and
 * integer exact, doc/SEMANTICS.md).  Ops a launcher refuses at
 * generation time ("cannot be evaluated at launch time") are skipped. */
struct launch {
	FILE *c, *rs, *cc, *rc;   /* functions and cases, per language */
	int nfn, ncase;
	char names[4096];
	size_t nnames;
};

static const enum vy_type vyt[] = { VY_BOOL, VY_U32, VY_I32, VY_F32 };

/* op over param types ty[] (result r; casts: cast_to r) in both
 * languages as function L->nfn; false when a launcher refuses it. */
static bool launch_fn(struct launch *L, const struct vy_opdef *op, const int *ty, int r)
{
	struct vy_expr args[3], *av[3], e = { .kind = VY_E_OP, .op = op,
		.nargs = op->nparams, .args = av, .type = vyt[r], .cast_to = vyt[r] };
	for (int i = 0; i < op->nparams; i++) {
		args[i] = (struct vy_expr){ .kind = VY_E_PARAM, .index = i, .type = vyt[ty[i]] };
		av[i] = &args[i];
	}
	if (op->rule == VY_RES_TYPE && op->ret == VY_BOOL)
		e.type = VY_BOOL;
	struct vy_program prog = { 0 };
	struct vy_buf b[2] = { 0 };
	char *err = NULL;
	bool ok = true;
	for (int l = 0; l < 2 && ok; l++)
		if (vy_launcher_expr(&b[l], &prog, &e, l ? VY_LANG_RUST : VY_LANG_C, &err)) {
			free(err);
			ok = false;
		}
	if (ok) {
		char *tc = vy_buf_cstr(&b[0]), *tr = vy_buf_cstr(&b[1]);
		fprintf(L->c, "static uint32_t f%d(const uint32_t *p, const uint32_t *c)\n"
			"{\n\t(void)p;\n\t(void)c;\n\treturn %s;\n}\n", L->nfn, tc);
		fprintf(L->rs, "fn f%d(p: &[u32], c: &[u32]) -> u32 {\n    %s\n}\n", L->nfn, tr);
		free(tc);
		free(tr);
	}
	vy_buf_free(&b[0]);
	vy_buf_free(&b[1]);
	return ok;
}

/* Function L->nfn named NAME over every edge-value combination. */
static void launch_cases(struct launch *L, const struct vy_opdef *op, const int *ty,
			 int r, int ot, int aux, const char *name)
{
	int n[3] = { 1, 1, 1 }, np = op->nparams;
	const uint32_t *v[3] = { NULL, NULL, NULL };
	for (int i = 0; i < np; i++)
		v[i] = vals(ty[i], &n[i]);
	for (int i = 0; i < n[0]; i++)
		for (int j = 0; j < n[1]; j++)
			for (int k = 0; k < n[2]; k++) {
				uint32_t a[3] = { np ? v[0][i] : 0, np > 1 ? v[1][j] : 0,
						  np > 2 ? v[2][k] : 0 };
				uint32_t x = vyvm_eval_op(op->code, (uint32_t)ot + 1, (uint32_t)aux,
							  a[0], a[1], a[2]);
				fprintf(L->cc, "\t{ %d, { 0x%08xu, 0x%08xu, 0x%08xu }, 0x%08xu },\n",
					L->nfn, a[0], a[1], a[2], x);
				fprintf(L->rc, "    (%d, [0x%08x, 0x%08x, 0x%08x], 0x%08x),\n",
					L->nfn, a[0], a[1], a[2], x);
				L->ncase++;
			}
	L->nnames += (size_t)snprintf(L->names + L->nnames, sizeof L->names - L->nnames,
				      "%s%s", L->nnames ? " " : "", name);
	L->nfn++;
}

static void launch_op(struct launch *L, const struct vy_opdef *op)
{
	char name[96], id[48];
	snprintf(id, sizeof id, "%s", op->id);
	*strchr(id, '.') = '_';
	bool cast = op->code == VY_OP_CAST || op->code == VY_OP_BITCAST;
	for (int t = TB; t <= TF; t++) {
		if (cast) {
			if (!(class_types(&op->params[0]) & 1u << t))
				continue;
			for (int d = TU; d <= TF; d++) {
				int ty[1] = { t };
				snprintf(name, sizeof name, "%s_%s_to_%s", id, tname[t], tname[d]);
				if (launch_fn(L, op, ty, d))
					launch_cases(L, op, ty, d, d, t + 1, name);
			}
			continue;
		}
		int ty[3] = { 0 };
		bool unified = false, ok = true;
		for (int i = 0; i < op->nparams; i++) {
			const struct vy_opparam *c = &op->params[i];
			if (c->indep)
				ty[i] = TU;
			else if (concrete(c))
				ty[i] = __builtin_ctz(class_types(c));
			else {
				ok &= (class_types(c) >> t & 1) != 0;
				unified = true;
				ty[i] = t;
			}
		}
		if (!ok || (!unified && t != TB))
			continue;
		bool cmp = op->rule == VY_RES_TYPE && op->ret == VY_BOOL;
		int r = cmp ? TB : unified ? t : ty[0];
		snprintf(name, sizeof name, "%s_%s", id, tname[t]);
		if (launch_fn(L, op, ty, r))
			launch_cases(L, op, ty, r, cmp ? ty[0] : r, 0, name);
	}
}

static char *slurp(FILE *f)
{
	long n = ftell(f);
	char *s = calloc(1, (size_t)n + 1);
	rewind(f);
	if (fread(s, 1, (size_t)n, f) != (size_t)n)
		s[0] = 0;
	fclose(f);
	return s;
}

static int launch_gen(const char *dir)
{
	struct launch L = { tmpfile(), tmpfile(), tmpfile(), tmpfile(), 0, 0, "", 0 };
	for (int c = 0; c < VY_OP_COUNT; c++) {
		const struct vy_opdef *op = vy_builtin_op((enum vy_opcode)c);
		if (!vy_op_is_atomic(op->code) && c < VYVM_NOPS)
			launch_op(&L, op);
	}
	char path[512], *fc = slurp(L.c), *fr = slurp(L.rs), *cc = slurp(L.cc), *rc = slurp(L.rc);
	snprintf(path, sizeof path, "%s/launch_c.c", dir);
	FILE *f = fopen(path, "w");
	if (!f)
		return 2;
	fprintf(f, "/* generated by op_conform_test launch */\n#include <stdint.h>\n"
		"#include <stdio.h>\n#include <string.h>\n#include \"uniform.h\"\n\n%s\n"
		"static uint32_t (*const fns[])(const uint32_t *, const uint32_t *) = {\n", fc);
	for (int i = 0; i < L.nfn; i++)
		fprintf(f, "\tf%d,\n", i);
	fprintf(f, "};\nstatic const char names[] = \"%s\";\n"
		"static const struct { int fn; uint32_t p[3], want; } cases[] = {\n%s};\n\n"
		"int main(void)\n{\n\tconst uint32_t cnt[1] = { 0 };\n\tconst char *nm = names;\n"
		"\tsize_t k = 0, n = sizeof cases / sizeof *cases;\n\tint fails = 0;\n"
		"\tfor (int fn = 0; fn < %d; fn++) {\n\t\tint bad = 0;\n\t\tchar first[96] = \"\";\n"
		"\t\tfor (; k < n && cases[k].fn == fn; k++) {\n"
		"\t\t\tuint32_t y = fns[fn](cases[k].p, cnt);\n"
		"\t\t\tif (y != cases[k].want && !bad++)\n"
		"\t\t\t\tsnprintf(first, sizeof first, \"(%%08x, %%08x, %%08x) gives %%08x, the VM %%08x\",\n"
		"\t\t\t\t\t cases[k].p[0], cases[k].p[1], cases[k].p[2], y, cases[k].want);\n\t\t}\n"
		"\t\tsize_t len = strcspn(nm, \" \");\n"
		"\t\tif (bad)\n\t\t\tprintf(\"FAIL launch_c_%%.*s: %%d cases differ, first %%s\\n\", (int)len, nm, bad, first);\n"
		"\t\telse\n\t\t\tprintf(\"PASS launch_c_%%.*s\\n\", (int)len, nm);\n"
		"\t\tfails += bad != 0;\n\t\tnm += len + (nm[len] == ' ');\n\t}\n\treturn fails != 0;\n}\n",
		L.names, cc, L.nfn);
	fclose(f);
	snprintf(path, sizeof path, "%s/launch_rs.rs", dir);
	if (!(f = fopen(path, "w")))
		return 2;
	fprintf(f, "// generated by op_conform_test launch\n"
		"#![allow(dead_code, unused_parens, unused_variables)]\nmod uniform;\nuse uniform::*;\n\n%s\n"
		"static FNS: &[fn(&[u32], &[u32]) -> u32] = &[\n", fr);
	for (int i = 0; i < L.nfn; i++)
		fprintf(f, "    f%d,\n", i);
	fprintf(f, "];\nstatic NAMES: &str = \"%s\";\nstatic CASES: &[(usize, [u32; 3], u32)] = &[\n%s];\n\n"
		"fn main() {\n    let mut k = 0;\n    let mut fails = 0;\n"
		"    for (fn_, name) in NAMES.split(' ').enumerate() {\n"
		"        let mut bad = 0;\n        let mut first = String::new();\n"
		"        while k < CASES.len() && CASES[k].0 == fn_ {\n"
		"            let (_, p, want) = CASES[k];\n            let y = FNS[fn_](&p, &[0]);\n"
		"            if y != want {\n                if bad == 0 {\n"
		"                    first = format!(\"({:08x}, {:08x}, {:08x}) gives {:08x}, the VM {:08x}\", p[0], p[1], p[2], y, want);\n"
		"                }\n                bad += 1;\n            }\n            k += 1;\n        }\n"
		"        if bad > 0 {\n            println!(\"FAIL launch_rs_{}: {} cases differ, first {}\", name, bad, first);\n"
		"            fails += 1;\n        } else {\n            println!(\"PASS launch_rs_{}\", name);\n        }\n    }\n"
		"    std::process::exit(if fails > 0 { 1 } else { 0 });\n}\n", L.names, rc);
	fclose(f);
	printf("%d %d\n", L.nfn, L.ncase);
	free(fc);
	free(fr);
	free(cc);
	free(rc);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "launch"))
		return launch_gen(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "gen")) {
		char path[512];
		snprintf(path, sizeof path, "%s/list", argv[2]);
		FILE *list = fopen(path, "w");
		if (!list)
			return 2;
		for (int c = 0; c < VY_OP_COUNT; c++) {
			const struct vy_opdef *op = vy_builtin_op((enum vy_opcode)c);
			/* atomics have a memory effect; opcodes from VYVM_NOPS
			 * on are not VM instructions */
			if (vy_op_is_atomic(op->code) || c >= VYVM_NOPS)
				continue;
			if (gen_op(argv[2], op, list))
				return 2;
		}
		fclose(list);
		return 0;
	}
	if (argc == 6 && !strcmp(argv[1], "cmp"))
		return cmp(argv[2], argv[3], !strcmp(argv[4], "exact"), argv[5]);
	fprintf(stderr, "usage: op_conform_test gen DIR | launch DIR | cmp EXPECT OUT exact|bounded NAME\n");
	return 2;
}
