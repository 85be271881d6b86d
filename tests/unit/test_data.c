/*
 * test_data.c: data sources and sinks (SPEC §7), SHA-256, launch-time
 * evaluation and the manifest, against values computed independently
 * here.  Prints PASS/FAIL lines.  argv[1] is a scratch directory.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "launch.h"

static int failures;

static void check(const char *name, bool ok, const char *why)
{
	if (ok)
		printf("PASS %s\n", name);
	else {
		printf("FAIL %s: %s\n", name, why ? why : "assertion failed");
		failures++;
	}
}

/* SPEC §7's SplitMix64, written out again as the reference. */
static uint64_t ref_next(uint64_t *s)
{
	*s += 0x9E3779B97F4A7C15ull;
	uint64_t z = *s;
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static void test_splitmix(void)
{
	uint64_t a = 0, b = 0;
	/* Published first output of SplitMix64 seeded with 0. */
	check("splitmix64_known_value", vy_splitmix64(&a) == 0xE220A8397B1DCDAFull, NULL);
	ref_next(&b);
	bool same = true;
	for (int i = 0; i < 1000; i++)
		same &= vy_splitmix64(&a) == ref_next(&b);
	check("splitmix64_matches_reference", same, NULL);
}

static void hex(const uint8_t *h, char *out)
{
	for (int i = 0; i < 32; i++)
		sprintf(out + 2 * i, "%02x", h[i]);
}

static void test_sha(void)
{
	struct { const char *in; const char *out; } v[] = {
		{ "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
		{ "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
	};
	for (int i = 0; i < 3; i++) {
		uint8_t h[32];
		char s[65];
		vy_sha256(v[i].in, strlen(v[i].in), h);
		hex(h, s);
		char name[32];
		snprintf(name, sizeof name, "sha256_vector_%d", i);
		check(name, !strcmp(s, v[i].out), s);
	}
	char *m = malloc(1000000);
	memset(m, 'a', 1000000);
	uint8_t h[32];
	char s[65];
	vy_sha256(m, 1000000, h);
	hex(h, s);
	check("sha256_million_a", !strcmp(s,
		"cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"), s);
	/* 55, 56, 63, 64 bytes straddle the padding boundary: compare with
	 * hashing through a different split is impossible here, so check
	 * lengths against known digests of 'a' * n. */
	vy_sha256(m, 64, h);
	hex(h, s);
	check("sha256_64_a", !strcmp(s,
		"ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"), s);
	vy_sha256(m, 56, h);
	hex(h, s);
	check("sha256_56_a", !strcmp(s,
		"b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"), s);
	free(m);
}

static void test_generators(void)
{
	uint32_t w[64];
	char *err = NULL;
	check("gen_iota_u32", !vy_data_fill("iota", VY_U32, w, 64, &err) &&
	      w[0] == 0 && w[63] == 63, err);
	float f[8];
	check("gen_iota_f32", !vy_data_fill("iota", VY_F32, f, 8, &err) &&
	      f[7] == 7.0f, err);
	int32_t iv[4];
	check("gen_const_i32", !vy_data_fill("const:-5", VY_I32, iv, 4, &err) &&
	      iv[3] == -5, err);
	check("gen_const_f32", !vy_data_fill("const:0.1", VY_F32, f, 8, &err) &&
	      f[2] == 0.1f, err);
	check("gen_const_bad_u32", vy_data_fill("const:-1", VY_U32, w, 4, &err) &&
	      strstr(err, "not a valid u32"), err);
	free(err), err = NULL;

	/* random against the formula with the reference generator */
	bool ok = !vy_data_fill("random:7", VY_U32, w, 64, &err);
	uint64_t s = 7;
	for (int i = 0; i < 64; i++)
		ok &= w[i] == (uint32_t)((ref_next(&s) >> 32) % 65536);
	check("gen_random_u32_default", ok, err);
	ok = !vy_data_fill("random:7:-10:10", VY_I32, iv, 4, &err);
	s = 7;
	for (int i = 0; i < 4; i++)
		ok &= iv[i] == -10 + (int32_t)((ref_next(&s) >> 32) % 20);
	check("gen_random_i32_range", ok, err);
	ok = !vy_data_fill("random:3", VY_I32, iv, 4, &err);
	s = 3;
	for (int i = 0; i < 4; i++)
		ok &= iv[i] == -32768 + (int32_t)((ref_next(&s) >> 32) % 65536);
	check("gen_random_i32_default", ok, err);
	ok = !vy_data_fill("random:1", VY_F32, f, 8, &err);
	s = 1;
	for (int i = 0; i < 8; i++) {
		double u = (double)(ref_next(&s) >> 40) / 16777216.0;
		ok &= f[i] == (float)(-1.0 + 2.0 * u) && f[i] >= -1 && f[i] < 1;
	}
	check("gen_random_f32_default", ok, err);
	ok = !vy_data_fill("random:1:0:4294967295", VY_U32, w, 8, &err);
	s = 1;
	for (int i = 0; i < 8; i++)
		ok &= w[i] == (uint32_t)((ref_next(&s) >> 32) % 4294967295u);
	check("gen_random_u32_full_range", ok, err);
	check("gen_random_bad_range", vy_data_fill("random:1:5:5", VY_U32, w, 4, &err) &&
	      strstr(err, "LO must be less than HI"), err);
	free(err), err = NULL;
	check("gen_unknown_lists_valid", vy_data_fill("rand:3", VY_U32, w, 4, &err) &&
	      strstr(err, "zeros, iota, const:V, random:SEED[:LO:HI]"), err);
	free(err), err = NULL;
}

static void test_files(const char *dir)
{
	char *p = vy_strf("%s/u.npy", dir), *r = vy_strf("%s/u.bin", dir);
	uint32_t w[5] = { 1, 2, 3, 0xFFFFFFFF, 5 }, back[5];
	char *err = NULL;
	check("npy_write", !vy_data_write(p, VY_U32, w, 5, &err), err);
	check("npy_read_back", !vy_data_fill(p, VY_U32, back, 5, &err) &&
	      !memcmp(w, back, sizeof w), err);
	check("npy_wrong_count", vy_data_fill(p, VY_U32, back, 4, &err) &&
	      strstr(err, "holds 5 elements but the buffer has 4"), err);
	free(err), err = NULL;
	check("npy_wrong_dtype", vy_data_fill(p, VY_F32, back, 5, &err) &&
	      strstr(err, "has dtype '<u4' but buffer has type f32 ('<f4')"), err);
	free(err), err = NULL;
	size_t len;
	char *img = vy_read_file(p, &len, 1 << 20, &err);
	check("npy_header_aligned", img && (len - 20) % 64 == 0 &&
	      img[len - 21] == '\n', NULL);
	free(img);
	check("raw_write", !vy_data_write(r, VY_U32, w, 5, &err), err);
	void *any;
	uint32_t n;
	check("raw_read_any", !vy_data_read_any(r, VY_U32, &any, &n, &err) &&
	      n == 5 && !memcmp(any, w, sizeof w), err);
	free(any);
	img = vy_read_file(r, &len, 1 << 20, &err);
	check("raw_little_endian", img && len == 20 &&
	      (unsigned char)img[12] == 0xFF && img[16] == 5 && img[17] == 0, NULL);
	free(img);
	check("missing_file", vy_data_fill("/nonexistent/x.npy", VY_U32, back, 5, &err) &&
	      strstr(err, "cannot open"), err);
	free(err), err = NULL;
	free(p);
	free(r);
}

static void test_print(void)
{
	char *buf;
	size_t len;
	FILE *f = open_memstream(&buf, &len);
	float v[5] = { 0.1f, -2, NAN, -INFINITY, 1e-45f };
	v[2] = -v[2];
	vy_data_print(f, VY_F32, v, 5);
	int32_t iv[2] = { -3, 7 };
	vy_data_print(f, VY_I32, iv, 2);
	fclose(f);
	check("print_text", !strcmp(buf,
		"0.100000001 -2 nan -inf 1.40129846e-45\n-3 7\n"), buf);
	free(buf);
}

/* ---- launch-time evaluation on hand-built IR ---- */

static struct vy_expr *mk(struct vy_arena *a, enum vy_expr_kind k,
			  enum vy_type t)
{
	struct vy_expr *e = vy_alloc(a, sizeof *e);
	e->kind = k;
	e->type = t;
	return e;
}

static struct vy_expr *konst(struct vy_arena *a, enum vy_type t, uint32_t bits)
{
	struct vy_expr *e = mk(a, VY_E_CONST, t);
	e->bits = bits;
	return e;
}

static struct vy_expr *op2(struct vy_arena *a, enum vy_opcode op,
			   enum vy_type t, struct vy_expr *x, struct vy_expr *y)
{
	struct vy_expr *e = mk(a, VY_E_OP, t);
	e->op = vy_builtin_op(op);
	e->nargs = y ? 2 : 1;
	e->args = vy_alloc(a, 2 * sizeof *e->args);
	e->args[0] = x;
	e->args[1] = y;
	return e;
}

static void test_eval(void)
{
	struct vy_arena *a = vy_arena_new();
	struct vy_program p = {0};
	uint32_t params[2] = { 10, 0 };
	struct vy_expr *n = mk(a, VY_E_PARAM, VY_U32);
	n->index = 0;
#define EV(e) vy_eval_uniform(&p, (e), params, NULL)
	check("eval_u32_div0", EV(op2(a, VY_OP_DIV, VY_U32, n, konst(a, VY_U32, 0))) == 0xFFFFFFFF, NULL);
	check("eval_u32_rem0", EV(op2(a, VY_OP_REM, VY_U32, n, konst(a, VY_U32, 0))) == 10, NULL);
	check("eval_i32_min_div", EV(op2(a, VY_OP_DIV, VY_I32, konst(a, VY_I32, 0x80000000), konst(a, VY_I32, 0xFFFFFFFF))) == 0x80000000, NULL);
	check("eval_i32_rem_sign", EV(op2(a, VY_OP_REM, VY_I32, konst(a, VY_I32, (uint32_t)-7), konst(a, VY_I32, 2))) == (uint32_t)-1, NULL);
	check("eval_shift_mod32", EV(op2(a, VY_OP_SHL, VY_U32, konst(a, VY_U32, 1), konst(a, VY_U32, 33))) == 2, NULL);
	check("eval_i32_shr_arith", EV(op2(a, VY_OP_SHR, VY_I32, konst(a, VY_I32, (uint32_t)-8), konst(a, VY_U32, 1))) == (uint32_t)-4, NULL);
	check("eval_wrap", EV(op2(a, VY_OP_MUL, VY_U32, konst(a, VY_U32, 0x10000), konst(a, VY_U32, 0x10000))) == 0, NULL);
	struct vy_expr *c = op2(a, VY_OP_CAST, VY_U32, konst(a, VY_F32, 0x7FC00000), NULL);
	c->cast_to = VY_U32;
	check("eval_cast_nan", EV(c) == 0, NULL);
	c = op2(a, VY_OP_CAST, VY_I32, konst(a, VY_F32, 0xCF800000 /* -2^32 */), NULL);
	c->cast_to = VY_I32;
	check("eval_cast_saturate", EV(c) == 0x80000000, NULL);
	check("eval_clz0", EV(op2(a, VY_OP_CLZ, VY_U32, konst(a, VY_U32, 0), NULL)) == 32, NULL);

	/* launch: buffer x count n, dispatch [n * 2], workgroup 64 */
	struct vy_param prm[1] = { { "n", VY_U32, {0} } };
	struct vy_bufdecl b[1] = { { .name = "x", .type = VY_F32, .count = n,
				     .count_text = "n", .access = VY_READ_WRITE } };
	p.name = "t";
	p.nparams = 1;
	p.params = prm;
	p.nbuffers = 1;
	p.buffers = b;
	p.ndispatch = 1;
	struct vy_expr *len = mk(a, VY_E_LEN, VY_U32);
	p.dispatch[0] = op2(a, VY_OP_MUL, VY_U32, len, konst(a, VY_U32, 2));
	p.dispatch_text[0] = "len(x) * 2";
	p.wgsize[0] = 64, p.wgsize[1] = p.wgsize[2] = 1;
	struct vy_launch l = {0};
	l.params[0] = 100;
	char *err = NULL;
	check("launch_eval", !vy_launch_eval(&p, &l, &err) && l.counts[0] == 100 &&
	      l.dispatch[0] == 200 && l.grid[0] == 4 && l.grid[1] == 1, err);
	l.params[0] = 0;
	check("launch_zero_count", vy_launch_eval(&p, &l, &err) &&
	      !strncmp(err, "buffer 'x' has 0 elements", 25), err);
	free(err), err = NULL;
	p.dispatch[0] = op2(a, VY_OP_SUB, VY_U32, len, len);
	p.dispatch_text[0] = "len(x) - len(x)";
	l.params[0] = 5;
	check("launch_zero_grid", !vy_launch_eval(&p, &l, &err) &&
	      vy_launch_check_grid(&p, &l, &err) && !strncmp(err,
		"dispatch axis x is 0 workgroups (len(x) - len(x) = 0 invocations)", 65) &&
	      strstr(err, "Fix:"), err);
	free(err), err = NULL;
	p.ndispatch = 2;
	p.dispatch[0] = n;
	p.dispatch[1] = n;
	p.dispatch_text[0] = p.dispatch_text[1] = "n";
	l.params[0] = 70000;
	p.wgsize[0] = 1;
	check("launch_grid_limit_y", !vy_launch_eval(&p, &l, &err) &&
	      vy_launch_check_grid(&p, &l, &err) &&
	      strstr(err, "limit of 65535 on axis y"), err);
	free(err), err = NULL;
	p.ndispatch = 1;
	p.wgsize[0] = 256;
	uint32_t dp[1];
	check("default_params_fill_4_workgroups", !vy_default_params(&p, dp, &err) &&
	      dp[0] == 1024, err);

	struct vy_buf m = {0};
	vy_manifest_json(&p, "spv", "main", "abc", 3, &m);
	char *js = vy_buf_cstr(&m);
	check("manifest_text", !strcmp(js,
		"{\n  \"schema\": \"vyrec-artifact-1\",\n  \"name\": \"t\",\n"
		"  \"description\": \"\",\n  \"target\": \"spv\",\n"
		"  \"entry_point\": \"main\",\n  \"workgroup_size\": [256, 1, 1],\n"
		"  \"dispatch\": [\"n\"],\n  \"params\": [\n"
		"    {\"name\": \"n\", \"type\": \"u32\", \"offset\": 0}\n  ],\n"
		"  \"buffers\": [\n    {\"name\": \"x\", \"binding\": 0, \"type\": "
		"\"f32\", \"element_size\": 4, \"count\": \"n\", \"access\": "
		"\"read_write\"}\n  ],\n  \"shared\": [],\n  \"kernel_sha256\": "
		"\"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\",\n"
		"  \"vyrec_version\": \"" VY_VERSION "\"\n}\n"), js);
	free(js);
	vy_buf_free(&m);
	vy_arena_free(a);
}

int main(int argc, char **argv)
{
	test_splitmix();
	test_sha();
	test_generators();
	test_files(argc > 1 ? argv[1] : "/tmp");
	test_print();
	test_eval();
	return failures != 0;
}
