/*
 * test_vm.c: the reference VM's unit tests and the corpus driver of
 * tests/t_vm.sh.
 *
 *   test_vm unit                      module round trip, corruption and
 *                                     truncation, launch sizes, op checks
 *   test_vm run PROG.yaml OPT OUT [strict]
 *                                     vy_compile at -OOPT, emit, decode, run
 *                                     with zeroed buffers, write buffer `out`
 *   test_vm oeq PROG.yaml             -O0 and -O1 give the same buffers with
 *                                     default params and seeded inputs
 *   test_vm cmp OUT EXPECT            compare raw words with an .expect file
 *                                     (decimal u32/i32 or 0xBITS per line)
 */
#include <math.h>

#include "ir_harness.h"

/* Compile path at opt level and emit its module. */
static bool build(const char *path, int opt, struct vy_compilation *c,
		  struct vy_buf *mod)
{
	struct vy_emit_config cfg = { .opt_level = opt };
	char *err = NULL;
	memset(c, 0, sizeof *c);
	if (!compile_at(path, opt, c))
		return false;
	if (vy_emitter_reference.emit(c->prog, &cfg, mod, &err) != VY_EMIT_OK) {
		fprintf(stderr, "emit: %s\n", err);
		free(err);
		return false;
	}
	return true;
}

static char *write_tmp(const char *text)
{
	static char path[64];
	snprintf(path, sizeof path, "tests/out/test_vm_%d.yaml", rand());
	FILE *f = fopen(path, "w");
	if (!f)
		return NULL;
	fputs(text, f);
	fclose(f);
	return path;
}

/* Run a decoded module with zeroed buffers sized from params. */
static int run_zeroed(const struct vyvm_module *m, const uint32_t *params,
		      unsigned flags, uint32_t **bufs, struct vyvm_opts *o,
		      char *err, size_t errlen)
{
	uint32_t counts[VYVM_MAX_BUFFERS], d[3], g[3];
	if (vyvm_eval_counts(m, params, counts, err, errlen) ||
	    vyvm_eval_dispatch(m, params, counts, d, g, err, errlen))
		return -1;
	for (uint32_t i = 0; i < m->nbuffers; i++) {
		uint32_t es = vyvm_type_size(m->buffers[i].type);   /* u8 1 ... f32x4 16 */
		bufs[i] = calloc(counts[i] + 1, es > 4 ? es : 4);
	}
	memset(o, 0, sizeof *o);
	o->flags = flags;
	return vyvm_run_opts(m, params, (void **)bufs, counts, g, o, err, errlen);
}

static int cmd_run(const char *path, int opt, const char *out, bool strict)
{
	struct vy_compilation c;
	struct vy_buf mod = { 0 };
	struct vyvm_module *m;
	uint32_t *bufs[VYVM_MAX_BUFFERS] = { 0 }, counts[VYVM_MAX_BUFFERS];
	struct vyvm_opts o;
	char err[1024];
	int rc = 1;
	if (!build(path, opt, &c, &mod))
		return 2;
	if (vyvm_decode(mod.data, mod.len, &m, err, sizeof err)) {
		fprintf(stderr, "decode: %s\n", err);
		return 2;
	}
	if (run_zeroed(m, NULL, strict ? VYVM_STRICT : 0, bufs, &o, err, sizeof err)) {
		fprintf(stderr, "error: %s\n", err);
	} else {
		if (o.nwarnings)
			fprintf(stderr, "warning: %s\n", o.warn);
		vyvm_eval_counts(m, NULL, counts, err, sizeof err);
		for (uint32_t i = 0; i < m->nbuffers; i++)
			if (!strcmp(m->buffers[i].name, "out")) {
				FILE *f = fopen(out, "wb");
				rc = !f || fwrite(bufs[i], 4, counts[i], f) != counts[i];
				if (f)
					fclose(f);
			}
	}
	for (uint32_t i = 0; i < m->nbuffers; i++)
		free(bufs[i]);
	vyvm_free(m);
	vy_buf_free(&mod);
	vy_compilation_free(&c);
	return rc;
}

static int cmd_cmp(const char *bin, const char *expect)
{
	FILE *b = fopen(bin, "rb"), *e = fopen(expect, "r");
	char line[128];
	uint32_t w;
	int n = 0, bad = 0;
	if (!b || !e) {
		fprintf(stderr, "cannot open %s or %s\n", bin, expect);
		return 2;
	}
	while (fgets(line, sizeof line, e)) {
		long long v = strtoll(line, NULL, 0);
		uint32_t want = (uint32_t)v;
		if (fread(&w, 4, 1, b) != 1) {
			fprintf(stderr, "output ends at element %d\n", n);
			return 1;
		}
		if (w != want && bad++ < 10)
			fprintf(stderr, "element %d: got %u (0x%08X), expected %u (0x%08X)\n",
				n, w, w, want, want);
		n++;
	}
	if (fread(&w, 4, 1, b) == 1) {
		fprintf(stderr, "output longer than the %d expected elements\n", n);
		return 1;
	}
	return bad != 0;
}

/* ---- unit tests ---- */

static const char *small_prog =
	"vyrec: 1\nname: small\nworkgroup_size: [4]\nparams: {n: u32, k: i32}\n"
	"buffers:\n  x: {binding: 2, type: i32, count: n, access: read_only}\n"
	"  y: {binding: 5, type: i32, count: n + 1u, access: read_write}\n"
	"shared:\n  t: {type: i32, count: 4}\n"
	"dispatch: [n]\nentry:\n  - let i = gid.x\n  - t[lid.x] = k\n  - barrier\n"
	"  - if: i < n\n    then:\n      - 'y[i] = i < 2u ? x[i] / t[3u - lid.x] : x[i] % k'\n";

static void test_round_trip(struct vyvm_module *m, const struct vy_buf *mod)
{
	char err[256];
	bool ok = !strcmp(m->name, "small") && m->wgsize[0] == 4 && m->wgsize[1] == 1 &&
		  m->nparams == 2 && m->params[1].type == VYVM_I32 &&
		  !strcmp(m->params[0].name, "n") && m->nbuffers == 2 &&
		  m->buffers[1].binding == 5 && m->buffers[1].access == VYVM_READ_WRITE &&
		  m->nshared == 1 && m->shared[0].count == 4 &&
		  strstr(m->manifest, "vyrec-artifact-1") &&
		  m->hash == vyvm_hash(mod->data + 24, mod->len - 24);
	check(ok, "vm_round_trip_fields", "decoded header differs from the program");
	uint32_t params[2] = { 10, 0xFFFFFFFD }, counts[2], d[3], g[3];
	ok = !vyvm_eval_counts(m, params, counts, err, sizeof err) && counts[0] == 10 &&
	     counts[1] == 11 && !vyvm_eval_dispatch(m, params, counts, d, g, err, sizeof err) &&
	     d[0] == 10 && g[0] == 3 && g[1] == 1 && g[2] == 1;
	check(ok, "vm_eval_counts_dispatch", "counts or dispatch wrong");
	params[0] = 0;
	vyvm_eval_counts(m, params, counts, err, sizeof err);
	ok = vyvm_eval_dispatch(m, params, counts, d, g, err, sizeof err) != 0 &&
	     strstr(err, "0 invocations");
	check(ok, "vm_dispatch_zero", err);
}

static void test_run_small(struct vyvm_module *m)
{
	int32_t x[10], y[11] = { 0 };
	void *bufs[2] = { x, y };
	uint32_t params[2] = { 10, (uint32_t)-3 }, counts[2] = { 10, 11 }, g[3] = { 3, 1, 1 };
	char err[256];
	bool ok = true;
	for (int i = 0; i < 10; i++)
		x[i] = i * 7 - 20;
	ok = !vyvm_run(m, params, bufs, counts, g, 0, err, sizeof err);
	for (int i = 0; i < 10 && ok; i++)
		ok = y[i] == (i < 2 ? x[i] / -3 : x[i] % -3);
	ok = ok && y[10] == 0;
	check(ok, "vm_run_small", "results differ from C");
	/* k = 0: x/0 and x%0 give SEMANTICS' values, strict warns */
	struct vyvm_opts o = { .flags = VYVM_STRICT };
	params[1] = 0;
	ok = !vyvm_run_opts(m, params, bufs, counts, g, &o, err, sizeof err) &&
	     y[0] == -1 && y[1] == -1 && y[5] == x[5] && o.nwarnings >= 1 &&
	     strstr(o.warn, "division by zero") && strstr(o.warn, "gid (0, 0, 0)");
	check(ok, "vm_div_zero_strict", o.warn);
	/* a short buffer: out-of-bounds read names buffer, index, count, gid */
	counts[0] = 7;
	ok = vyvm_run(m, (uint32_t[]){ 10, 5 }, bufs, counts, g, 0, err, sizeof err) != 0 &&
	     !strcmp(err, "out-of-bounds load from buffer `x`: index 7, count 7, "
		     "invocation gid (7, 0, 0)");
	check(ok, "vm_oob_message", err);
}

/* Every single-byte change and every truncation is rejected; with the
 * hash recomputed, decoding and running never crash. */
static void test_corruption(const struct vy_buf *mod)
{
	size_t n = mod->len;
	unsigned char *b = malloc(n);
	struct vyvm_module *m;
	char err[256];
	int accepted = 0, survived = 0;
	bool ok = true;
	for (size_t i = 0; i < n && ok; i++)
		for (int bit = 0; bit < 8 && ok; bit++) {
			memcpy(b, mod->data, n);
			b[i] ^= (unsigned char)(1u << bit);
			ok = vyvm_decode(b, n, &m, err, sizeof err) != 0 && err[0];
		}
	check(ok, "vm_flip_every_bit_rejected", "a corrupted module decoded");
	ok = true;
	for (size_t len = 0; len < n && ok; len++)
		ok = vyvm_decode(mod->data, len, &m, err, sizeof err) != 0 &&
		     strstr(err, "invalid reference module");
	check(ok, "vm_truncation_rejected", "a truncated module decoded");
	for (size_t i = 24; i < n; i++) {
		memcpy(b, mod->data, n);
		b[i] ^= 0x5A;
		uint64_t h = vyvm_hash(b + 24, n - 24);
		for (int k = 0; k < 8; k++)
			b[16 + k] = (unsigned char)(h >> 8 * k);
		if (vyvm_decode(b, n, &m, err, sizeof err))
			continue;
		accepted++;
		uint32_t *bufs[VYVM_MAX_BUFFERS] = { 0 };
		struct vyvm_opts o;
		uint32_t params[VYVM_MAX_PARAMS] = { 9, 3 };
		o.max_steps = 10000;
		if (m->nparams <= 2) {
			run_zeroed(m, params, VYVM_STRICT, bufs, &o, err, sizeof err);
			survived++;
		}
		for (uint32_t j = 0; j < m->nbuffers; j++)
			free(bufs[j]);
		vyvm_free(m);
	}
	printf("PASS vm_rehashed_mutations (%d of %zu decoded, %d ran)\n", accepted, n - 24,
	       survived);
	free(b);
}

static void test_strict_shared(void)
{
	const char *text =
		"vyrec: 1\nname: s\nworkgroup_size: [2]\n"
		"buffers:\n  out: {type: u32, count: 2, access: write_only}\n"
		"shared:\n  t: {type: u32, count: 4}\n"
		"entry:\n  - t[lid.x] = lid.x\n  - barrier\n  - out[lid.x] = t[lid.x + 2u]\n";
	char *path = write_tmp(text), err[256];
	struct vy_compilation c;
	struct vy_buf mod = { 0 };
	struct vyvm_module *m = NULL;
	uint32_t *bufs[1] = { 0 };
	struct vyvm_opts o;
	bool ok = path && build(path, 0, &c, &mod) &&
		  !vyvm_decode(mod.data, mod.len, &m, err, sizeof err) &&
		  !run_zeroed(m, NULL, 0, bufs, &o, err, sizeof err) &&
		  bufs[0][0] == 0xDEADBEEF && bufs[0][1] == 0xDEADBEEF;
	check(ok, "vm_shared_poison", "unwritten shared memory is not 0xDEADBEEF");
	free(bufs[0]);
	ok = m && run_zeroed(m, NULL, VYVM_STRICT, bufs, &o, err, sizeof err) != 0 &&
	     !strcmp(err, "strict: read of never-written shared element `t`[2] by "
		     "invocation gid (0, 0, 0). Fix: store to shared memory (and pass a "
		     "barrier) before reading it");
	check(ok, "vm_strict_uninit_shared", err);
	free(bufs[0]);
	vyvm_free(m);
	vy_buf_free(&mod);
	if (path) {
		vy_compilation_free(&c);
		remove(path);
	}
}

/* saxpy through the VM equals the C loop with fmaf bit for bit. */
static void test_saxpy(void)
{
	struct vy_compilation c;
	struct vy_buf mod = { 0 };
	struct vyvm_module *m = NULL;
	enum { N = 1000 };
	static float x[N], y[N], want[N];
	char err[256];
	bool ok = build("samples/saxpy.yaml", 1, &c, &mod) &&
		  !vyvm_decode(mod.data, mod.len, &m, err, sizeof err);
	float a = 1.37f;
	uint32_t params[2], counts[2] = { N, N }, d[3], g[3];
	memcpy(&params[0], &a, 4);
	params[1] = N;
	for (int i = 0; i < N; i++) {
		x[i] = (float)i * 0.37f - 50.0f;
		y[i] = want[i] = 1.0f / (float)(i + 1);
		want[i] = fmaf(a, x[i], y[i]);
	}
	ok = ok && !vyvm_eval_dispatch(m, params, counts, d, g, err, sizeof err) &&
	     !vyvm_run(m, params, (void *[]){ x, y }, counts, g, 0, err, sizeof err) &&
	     !memcmp(y, want, sizeof y);
	check(ok, "vm_saxpy_bits", err);
	vyvm_free(m);
	vy_buf_free(&mod);
	vy_compilation_free(&c);
}

static int cmd_unit(void)
{
	char *path = write_tmp(small_prog), err[256];
	struct vy_compilation c;
	struct vy_buf mod = { 0 };
	struct vyvm_module *m = NULL;
	if (!path || !build(path, 0, &c, &mod)) {
		check(false, "vm_build_small", "the small program does not compile");
		return 1;
	}
	remove(path);
	if (vyvm_decode(mod.data, mod.len, &m, err, sizeof err)) {
		check(false, "vm_decode_small", err);
		return 1;
	}
	test_round_trip(m, &mod);
	test_run_small(m);
	test_corruption(&mod);
	vyvm_free(m);
	vy_buf_free(&mod);
	vy_compilation_free(&c);
	test_strict_shared();
	test_saxpy();
	return fails != 0;
}

/* -O0 and -O1 leave the same buffers after a seeded reference run. */
static int cmd_oeq(const char *path)
{
	struct vy_compilation c0, c1;
	uint32_t w0[VY_MAX_IO], w1[VY_MAX_IO];
	if (!compile_at(path, 0, &c0))
		return 2;
	if (!compile_at(path, 1, &c1)) {
		vy_compilation_free(&c0);
		return 2;
	}
	uint32_t **a = run_at(c0.prog, 0, w0), **b = run_at(c1.prog, 1, w1);
	int rc = !a || !b ? 2 : !same_buffers(c0.prog, a, b, w0, "-O0 against -O1");
	free_buffers(c0.prog, a);
	free_buffers(c1.prog, b);
	vy_compilation_free(&c0);
	vy_compilation_free(&c1);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "oeq"))
		return cmd_oeq(argv[2]);
	if (argc >= 2 && !strcmp(argv[1], "unit"))
		return cmd_unit();
	if (argc >= 5 && !strcmp(argv[1], "run"))
		return cmd_run(argv[2], atoi(argv[3]), argv[4], argc > 5);
	if (argc == 4 && !strcmp(argv[1], "cmp"))
		return cmd_cmp(argv[2], argv[3]);
	fprintf(stderr, "usage: test_vm unit | run PROG OPT OUT [strict] | cmp OUT EXPECT\n");
	return 2;
}
