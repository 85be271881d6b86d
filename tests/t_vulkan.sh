#!/bin/sh
# tests/t_vulkan.sh: the vulkan dispatch backend on this machine's Vulkan
# driver (lavapipe).  Part 1 is a unit test that needs no front end: it
# dispatches glslangValidator's SPIR-V of small hand-written compute shaders
# (through VYREC_SPV_OVERRIDE) for hand-built programs and checks every
# element, the exact-size binding (length()), the pipeline cache, streaming,
# validation messages and the factory's errors.  Part 2 runs every sample
# and corpus program end to end through `vyrec verify` and `vyrec run`
# against the reference backend.
. tests/lib.sh
O=tests/out/vulkan
mkdir -p $O
VAL=VK_LAYER_KHRONOS_validation

if ! ldconfig -p 2>/dev/null | grep -q 'libvulkan.so.1' && [ ! -e /usr/lib/x86_64-linux-gnu/libvulkan.so.1 ]; then
	skip vk_all "no libvulkan.so.1 on this machine: make deps installs libvulkan-dev and mesa-vulkan-drivers"
	exit 0
fi

# ---- part 1: unit test ----
cat > $O/saxpy.comp <<'EOF'
#version 450
layout(local_size_x = 64) in;
layout(std430, set = 0, binding = 0) readonly buffer X { uint x[]; };
layout(std430, set = 0, binding = 1) buffer Y { uint y[]; };
layout(push_constant) uniform P { uint a; uint n; } pc;
void main() {
	uint i = gl_GlobalInvocationID.x;
	if (i < pc.n)
		y[i] = pc.a * x[i] + y[i];
}
EOF
cat > $O/len.comp <<'EOF'
#version 450
layout(local_size_x = 64) in;
layout(std430, set = 0, binding = 0) readonly buffer X { uint x[]; };
layout(std430, set = 0, binding = 1) buffer Y { uint y[]; };
layout(push_constant) uniform P { uint a; uint n; } pc;
void main() {
	uint i = gl_GlobalInvocationID.x;
	if (i < uint(x.length()))
		y[i] = x[i] * pc.a + uint(x.length());
}
EOF
sed 's/binding = 1/binding = 7/' $O/saxpy.comp > $O/badbind.comp
for s in saxpy len badbind; do
	if ! glslangValidator -V --target-env vulkan1.1 -o $O/$s.spv $O/$s.comp > $O/$s.log 2>&1; then
		bad vk_glslang_$s "$(tail -1 $O/$s.log)"
	fi
done
echo 'not spir-v' > $O/junk.spv

cat > $O/unit.c <<'EOF'
/* Unit test of the vulkan backend over hand-built programs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "vyrec.h"

static int fails;
#define CHECK(name, cond, ...) do { if (cond) printf("PASS %s\n", name); \
	else { printf("FAIL %s: ", name); printf(__VA_ARGS__); printf("\n"); fails++; } } while (0)

static struct vy_expr e_n = { .kind = VY_E_PARAM, .type = VY_U32, .index = 1 };
static struct vy_expr e_len = { .kind = VY_E_LEN, .type = VY_U32, .index = 0 };
static struct vy_param params[] = { { "a", VY_U32 }, { "n", VY_U32 } };
static struct vy_bufdecl bufs[] = {
	{ .name = "x", .binding = 0, .type = VY_U32, .count = &e_n, .count_text = "n",
	  .access = VY_READ_ONLY },
	{ .name = "y", .binding = 1, .type = VY_U32, .count = &e_n, .count_text = "n",
	  .access = VY_READ_WRITE },
};

static void prog_init(struct vy_program *p, struct vy_expr *disp)
{
	memset(p, 0, sizeof *p);
	p->name = "t";
	p->wgsize[0] = 64; p->wgsize[1] = p->wgsize[2] = 1;
	p->nparams = 2; p->params = params;
	p->nbuffers = 2; p->buffers = bufs;
	p->ndispatch = 1; p->dispatch[0] = disp;
}

static void launch(struct vy_run *r, const struct vy_program *p, void **b,
		   uint32_t a, uint32_t n)
{
	char *err = NULL;
	memset(r, 0, sizeof *r);
	r->prog = p; r->bufs = b; r->device = -1;
	r->launch.params[0] = a; r->launch.params[1] = n;
	if (vy_launch_eval(p, &r->launch, &err)) {
		printf("FAIL vk_launch_eval: %s\n", err);
		exit(1);
	}
}

static int saxpy(struct vy_backend *b, struct vy_program *p, uint32_t a, uint32_t n,
		 char **err)
{
	uint32_t *x = malloc(n * 4), *y = malloc(n * 4);
	void *bv[2] = { x, y };
	struct vy_run r;
	int bad = 0;
	for (uint32_t i = 0; i < n; i++) { x[i] = i * 7 + 1; y[i] = 3 * i; }
	launch(&r, p, bv, a, n);
	if (b->dispatch(b, &r, err)) { free(x); free(y); return -1; }
	for (uint32_t i = 0; i < n && !bad; i++)
		if (y[i] != a * (i * 7 + 1) + 3 * i) {
			*err = vy_strf("y[%u] = %u, want %u", i, y[i], a * (i * 7 + 1) + 3 * i);
			bad = 1;
		}
	free(x); free(y);
	return bad ? -1 : 0;
}

struct acc { uint32_t out[4096]; size_t n; int chunks; uint32_t lens[16]; };

static int collect(void *ctx, const struct vy_run *r, char **err)
{
	struct acc *a = ctx;
	uint32_t n = r->launch.counts[0];
	memcpy(a->out + a->n, r->bufs[1], n * 4);
	a->n += n;
	a->lens[a->chunks++ & 15] = n;
	return 0;
}

static void unit(const char *dir)
{
	char *err = NULL, path[512];
	struct vy_program p, q, s;
	struct vy_backend *b;

	prog_init(&p, &e_n); prog_init(&q, &e_n); prog_init(&s, &e_len);
	b = vy_backend_vulkan.factory(-1, &err);
	CHECK("vk_factory", b && b->device_name[0], "%s", err);
	if (!b) exit(1);
	printf("# device: %s\n", b->device_name);
	snprintf(path, sizeof path, "%s/saxpy.spv", dir);
	setenv("VYREC_SPV_OVERRIDE", path, 1);
	err = NULL;
	CHECK("vk_saxpy_1000", saxpy(b, &p, 5, 1000, &err) == 0, "%s", err);
	err = NULL;
	CHECK("vk_saxpy_odd_size", saxpy(b, &p, 3, 77, &err) == 0, "%s", err);
	/* same program pointer: the cached pipeline, not the new file */
	snprintf(path, sizeof path, "%s/len.spv", dir);
	setenv("VYREC_SPV_OVERRIDE", path, 1);
	err = NULL;
	CHECK("vk_pipeline_cached", saxpy(b, &p, 9, 3000, &err) == 0, "%s", err);

	/* len.spv: y[i] = x[i]*a + x.length(), x bound at exactly n elements
	 * even after a larger earlier buffer */
	{
		uint32_t x[500], y[500];
		void *bv[2] = { x, y };
		struct vy_run r;
		int ok = 1;
		for (int i = 0; i < 500; i++) { x[i] = i; y[i] = 0xdead; }
		launch(&r, &q, bv, 2, 500);
		err = NULL;
		if (b->dispatch(b, &r, &err))
			ok = 0;
		for (int i = 0; i < 500 && ok; i++)
			if (y[i] != (uint32_t)i * 2 + 500) {
				ok = 0;
				err = vy_strf("y[%d] = %u, want %u", i, y[i], i * 2 + 500);
			}
		CHECK("vk_exact_binding_length", ok, "%s", err);
	}

	/* streaming 1000 elements in chunks of 300: 300, 300, 300, 100 */
	{
		static uint32_t data[1000];
		static uint32_t x0[300], y0[300];
		void *bv[2] = { x0, y0 };
		static struct acc acc;
		struct vy_run r;
		struct vy_stream st = { .run = &r, .buf = 0, .data = (void *)data,
			.total = 1000, .chunk = 300, .yield = collect, .ctx = &acc };
		int ok;
		for (int i = 0; i < 1000; i++) data[i] = i;
		launch(&r, &s, bv, 3, 300);
		err = NULL;
		ok = b->stream && b->stream(b, &st, &err) == 0;
		ok = ok && acc.n == 1000 && acc.chunks == 4 && acc.lens[3] == 100;
		for (int i = 0; i < 1000 && ok; i++) {
			uint32_t want = (uint32_t)i * 3 + (i < 900 ? 300 : 100);
			if (acc.out[i] != want) {
				ok = 0;
				err = vy_strf("out[%d] = %u, want %u", i, acc.out[i], want);
			}
		}
		CHECK("vk_stream_chunks", ok, "%s (n=%zu chunks=%d)", err, acc.n, acc.chunks);
		CHECK("vk_stream_restores_run", r.bufs[0] == x0 && r.launch.counts[0] == 300,
		      "bufs[0] or counts[0] not restored");
	}

	/* not a SPIR-V file: a clear error on a fresh program */
	{
		struct vy_program j;
		prog_init(&j, &e_n);
		snprintf(path, sizeof path, "%s/junk.spv", dir);
		setenv("VYREC_SPV_OVERRIDE", path, 1);
		err = NULL;
		CHECK("vk_override_not_spirv", saxpy(b, &j, 1, 10, &err) != 0 && err &&
		      strstr(err, "not a SPIR-V module") && strstr(err, "Fix:"), "%s", err);
		snprintf(path, sizeof path, "%s/missing.spv", dir);
		setenv("VYREC_SPV_OVERRIDE", path, 1);
		prog_init(&j, &e_n);
		err = NULL;
		CHECK("vk_override_missing", saxpy(b, &j, 1, 10, &err) != 0 && err &&
		      strstr(err, "VYREC_SPV_OVERRIDE") && strstr(err, "Fix:"), "%s", err);
	}
	vy_backend_vulkan.release ? (void)0 : (void)0;
	b->release(b);
	unsetenv("VYREC_SPV_OVERRIDE");

	err = NULL;
	b = vy_backend_vulkan.factory(99, &err);
	CHECK("vk_device_out_of_range", !b && err && strstr(err, "device 99 does not exist")
	      && strstr(err, "Fix:"), "%s", err);
}

/* With VYREC_VK_VALIDATION=1: a shader whose binding is not in the layout. */
static void badbind(const char *dir)
{
	char *err = NULL, path[512];
	struct vy_program p;
	struct vy_backend *b;

	prog_init(&p, &e_n);
	b = vy_backend_vulkan.factory(-1, &err);
	if (!b) { printf("FAIL vk_validation_catches: factory: %s\n", err); exit(1); }
	snprintf(path, sizeof path, "%s/badbind.spv", dir);
	setenv("VYREC_SPV_OVERRIDE", path, 1);
	err = NULL;
	CHECK("vk_validation_catches", saxpy(b, &p, 1, 10, &err) != 0 && err &&
	      strstr(err, "validation layer message"), "%s", err ? err : "dispatch succeeded");
	b->release(b);
}

static void factory_error(void)
{
	char *err = NULL;
	struct vy_backend *b = vy_backend_vulkan.factory(-1, &err);
	CHECK("vk_no_driver_error", !b && err && strstr(err, "vulkan:") &&
	      strstr(err, "Fix:") && strstr(err, "mesa-vulkan-drivers"), "%s",
	      err ? err : "factory succeeded");
	if (err) printf("# %s\n", err);
}

int main(int argc, char **argv)
{
	if (argc > 2 && !strcmp(argv[1], "unit")) unit(argv[2]);
	else if (argc > 2 && !strcmp(argv[1], "badbind")) badbind(argv[2]);
	else if (argc > 1 && !strcmp(argv[1], "noicd")) factory_error();
	return fails != 0;
}
EOF
sed -i 's/^\tvy_backend_vulkan.release ? (void)0 : (void)0;$//' $O/unit.c

if ! cc_unit $O/unit $O/unit.c > $O/cc.log 2>&1; then
	bad vk_unit_build "$(head -5 $O/cc.log)"
else
	$O/unit unit $O
	# the same with the validation layer: no message may appear
	VYREC_VK_VALIDATION=1 $O/unit unit $O | sed 's/^\(PASS\|FAIL\) vk_/\1 vkval_/'
	# the layer alone (it logs to stdout), with synchronization validation
	VK_INSTANCE_LAYERS=$VAL \
	VK_LAYER_ENABLES=VK_VALIDATION_FEATURE_ENABLE_SYNCHRONIZATION_VALIDATION_EXT \
		$O/unit unit $O > $O/layer.out 2>&1
	sed -n 's/^\(PASS\|FAIL\) vk_/\1 vklayer_/p' $O/layer.out
	if grep -qv '^\(PASS\|FAIL\|#\)' $O/layer.out; then
		bad vk_layer_silent "$(grep -v '^\(PASS\|FAIL\|#\)' $O/layer.out | head -2)"
	else
		ok vk_layer_silent
	fi
	VYREC_VK_VALIDATION=1 $O/unit badbind $O
	VK_ICD_FILENAMES=/nonexistent VK_DRIVER_FILES=/nonexistent $O/unit noicd
fi

# ---- part 1b: the spv emitter's SPIR-V through vy_compile, no override ----
cat > $O/mix.yaml <<'EOF'
vyrec: 1
name: mix
workgroup_size: [32]
params: {k: u32, n: u32}
buffers:
  x: {binding: 0, type: u32, count: n, access: read_only}
  y: {binding: 2, type: u32, count: n, access: read_write}
  h: {binding: 1, type: u32, count: 4, access: read_write}
dispatch: [n]
entry:
  - let i = gid.x
  - if: i < n
    then:
      - var s = x[i] * k
      - for: j in 0..3
        do:
          - s = (s ^ (s >> 3)) + len(x)
      - y[i] = s
      - atomic.add(h[x[i] % 4], 1)
EOF
cat > $O/unit2.c <<'EOF'
/* vy_compile + the vulkan backend with the spv emitter's own SPIR-V. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "vyrec.h"

int main(int argc, char **argv)
{
	struct vy_compilation c = {0};
	struct vy_compile_opts o = { .opt_level = argc > 2 ? atoi(argv[2]) : 1 };
	char *err = NULL;
	uint32_t n = 1000, k = 2654435761u, x[1000], y[1000], h[4] = {0}, want_h[4] = {0};
	void *bufs[3];
	struct vy_run r = { .device = -1 };
	struct vy_backend *b;

	if (!vy_compile(&c, argv[1], &o)) {
		vy_diags_print(&c.diags, stdout, VY_DIAG_TEXT, false);
		printf("FAIL vk_spv_compile\n");
		return 1;
	}
	for (int i = 0; i < c.prog->nbuffers; i++) {
		const char *nm = c.prog->buffers[i].name;
		bufs[i] = !strcmp(nm, "x") ? (void *)x : !strcmp(nm, "y") ? (void *)y : (void *)h;
	}
	for (uint32_t i = 0; i < n; i++) { x[i] = i * 31 + 7; y[i] = 0xdeadbeef; }
	r.prog = c.prog; r.bufs = bufs;
	r.launch.params[0] = k; r.launch.params[1] = n;
	if (vy_launch_eval(c.prog, &r.launch, &err) ||
	    !(b = vy_backend_vulkan.factory(-1, &err))) {
		printf("FAIL vk_spv_setup: %s\n", err);
		return 1;
	}
	if (b->dispatch(b, &r, &err) || b->dispatch(b, &r, &err)) {  /* twice: cached pipeline */
		printf("FAIL vk_spv_dispatch: %s\n", err);
		return 1;
	}
	for (uint32_t i = 0; i < n; i++) {
		uint32_t s = x[i] * k;
		for (int j = 0; j < 3; j++)
			s = (s ^ (s >> 3)) + n;
		want_h[x[i] % 4] += 2;   /* two dispatches of the atomic count */
		if (y[i] != s) {
			printf("FAIL vk_spv_values: y[%u] = %u, want %u\n", i, y[i], s);
			return 1;
		}
	}
	printf("PASS vk_spv_values\n");
	if (memcmp(h, want_h, sizeof h))
		printf("FAIL vk_spv_atomics: h = %u %u %u %u, want %u %u %u %u\n", h[0], h[1],
		       h[2], h[3], want_h[0], want_h[1], want_h[2], want_h[3]);
	else
		printf("PASS vk_spv_atomics\n");
	b->release(b);
	vy_compilation_free(&c);
	return 0;
}
EOF
if ! cc_unit $O/unit2 $O/unit2.c > $O/cc2.log 2>&1; then
	bad vk_spv_build "$(head -3 $O/cc2.log)"
else
	VYREC_VK_VALIDATION=1 $O/unit2 $O/mix.yaml 1
	VYREC_VK_VALIDATION=1 $O/unit2 $O/mix.yaml 2 | sed 's/^\(PASS\|FAIL\) vk_/\1 vk_O2_/'
fi

# ---- part 2: every sample and corpus program, end to end ----
progs=$(ls samples/*.yaml tests/corpus/*.yaml 2>/dev/null)
first=$(echo "$progs" | head -1)
if [ -z "$progs" ] || [ ! -x "$VYREC" ]; then
	bad vk_e2e "no $VYREC or no programs"
	exit 0
fi
# a private copy, so a rebuild of ./vyrec while the suite runs cannot break it
for try in 1 2 3 4 5; do
	cp "$VYREC" $O/vyrec.bin 2>/dev/null && $O/vyrec.bin --version > /dev/null 2>&1 && break
	sleep 5
done
VYREC=$O/vyrec.bin
$VYREC verify "$first" --backends reference > /dev/null 2>&1
if [ $? -eq 70 ]; then
	bad vk_e2e "vyrec verify --backends reference exits 70 on $first"
	exit 0
fi
# verify_case NAME ARGS...: vyrec verify must exit 0 with a vulkan PASS line
verify_case() {
	vc=$1; shift
	"$@" > $O/e2e.log 2>&1
	rc=$?
	if [ $rc -eq 0 ] && grep -q '^vulkan.*: PASS' $O/e2e.log; then
		ok "$vc"
	else
		bad "$vc" "rc=$rc: $(grep -v '^ ' $O/e2e.log | grep -m1 -i 'fail\|error' | cut -c1-240)"
	fi
}
# manifest field list: "name type access" per buffer, "name type" per param
mbufs() { sed -n 's/.*{"name": "\([^"]*\)", "binding": \([0-9]*\), "type": "\([a-z0-9]*\)".*"access": "\([a-z_]*\)".*/\1 \2 \3 \4/p' "$1"; }
mparams() { sed -n 's/.*{"name": "\([^"]*\)", "type": "\([a-z0-9]*\)", "offset".*/\1 \2/p' "$1"; }

mkdir -p $O/run
vk_sgsize=$($VYREC backends --json | python3 -c 'import json, sys
print(next(b["subgroup_size"] for b in json.load(sys.stdin) if b["id"] == "vulkan"))')
for p in $progs; do
	n=$(basename "$p" .yaml)
	verify_case "vk_verify_$n" $VYREC verify "$p" --backends vulkan
	verify_case "vk_verify_O2_$n" $VYREC verify "$p" --backends vulkan -O2
	VYREC_VK_VALIDATION=1 verify_case "vk_validation_$n" $VYREC verify "$p" --backends vulkan

	# run --backend vulkan == --backend reference, byte for byte, for
	# programs whose outputs are all integers (f32x4, f16, f64 are floats too)
	m=$O/run/$n.json
	$VYREC build "$p" -t spv -o $O/run/$n.spv --manifest $m > /dev/null 2>&1 || continue
	mbufs $m | awk '$4 != "read_only" && $3 ~ /^f(16|32|64)/ { f = 1 } END { exit !f }' && continue
	args=""
	for pa in $(mparams $m | awk '{ print $1 "=" ($2 == "f32" ? "1.5" : "200") }'); do
		args="$args --param $pa"
	done
	ins="" outs_vk="" outs_ref=""
	while read -r b bind t acc; do
		[ "$acc" != write_only ] && ins="$ins --in $b=random:$((7 + bind))"
		[ "$acc" != read_only ] && outs_vk="$outs_vk --out $b=$O/run/$n.$b.vk.bin" &&
			outs_ref="$outs_ref --out $b=$O/run/$n.$b.ref.bin"
	done <<EOF
$(mbufs $m)
EOF
	rm -f $O/run/$n.*.bin
	# subgroup programs: the reference at the device's subgroup size (SPEC §10.4)
	sgs=""
	grep -qE 'subgroup\.|sg\.' "$p" && sgs="--subgroup-size $vk_sgsize"
	if ! $VYREC run "$p" --backend reference $sgs $args $ins $outs_ref > /dev/null 2> $O/run/$n.ref.err; then
		skip "vk_run_$n" "reference run failed with these params: $(head -1 $O/run/$n.ref.err)"
		continue
	fi
	if ! $VYREC run "$p" --backend vulkan $args $ins $outs_vk > /dev/null 2> $O/run/$n.vk.err; then
		bad "vk_run_$n" "$(head -1 $O/run/$n.vk.err)"
		continue
	fi
	diff=""
	for f in $O/run/$n.*.ref.bin; do
		cmp -s "$f" "${f%.ref.bin}.vk.bin" || diff="$diff $(basename "${f%.ref.bin}")"
	done
	if [ -z "$diff" ]; then ok "vk_run_$n"; else bad "vk_run_$n" "outputs differ:$diff"; fi
done

# ---- streaming through the command line ----
cat > $O/stream.yaml <<'EOF'
vyrec: 1
name: stream
workgroup_size: [64]
params: {n: u32}
buffers:
  x: {binding: 0, type: u32, count: n, access: read_only}
  y: {binding: 1, type: u32, count: n, access: write_only}
dispatch: ["len(x)"]
entry:
  - let i = gid.x
  - if: i < len(x)
    then:
      - y[i] = x[i] * 3u + len(x)
EOF
rm -f $O/stream.*.bin
if $VYREC run $O/stream.yaml --backend vulkan --param n=300 --stream x=iota@1000 --chunk 300 \
	--out y=$O/stream.vk.bin > $O/stream.log 2>&1; then
	# expected: x = iota, chunks of 300, 300, 300, 100
	awk 'BEGIN { for (i = 0; i < 1000; i++) printf "%d\n", i * 3 + (i < 900 ? 300 : 100) }' > $O/stream.want
	od -An -tu4 -v -w4 $O/stream.vk.bin | awk '{ print $1 }' > $O/stream.got
	if cmp -s $O/stream.want $O/stream.got; then ok vk_run_stream; else
		bad vk_run_stream "$(diff $O/stream.want $O/stream.got | head -3 | tr '\n' ' ')"; fi
else
	bad vk_run_stream "$(head -2 $O/stream.log)"
fi

# ---- no driver: exit 3 with a Fix line ----
VK_ICD_FILENAMES=/nonexistent VK_DRIVER_FILES=/nonexistent \
	$VYREC run $O/stream.yaml --backend vulkan --param n=8 > /dev/null 2> $O/noicd.err
rc=$?
if [ $rc -eq 3 ] && grep -q 'vulkan' $O/noicd.err && grep -q 'Fix:' $O/noicd.err; then
	ok vk_cli_no_driver
else
	bad vk_cli_no_driver "rc=$rc: $(head -2 $O/noicd.err)"
fi

# ---- run --bench: a GPU-timed median and GB/s over the bytes moved ----
# saxpy n=1000: x read_only (4000 bytes once) + y read_write (4000 bytes
# twice) = 12000 bytes; the outputs of the run itself are unchanged.
out=$($VYREC run samples/saxpy.yaml --backend vulkan --param n=1000 --param a=2 --in x=iota \
	--in y=const:1 --print y --bench 7 2>&1)
b=$(echo "$out" | grep '^bench:')
if echo "$b" | grep -q '^bench: 7 dispatches on vulkan (.*): median [0-9.]* ms (vulkan timestamps; memory [^;]*; fma [a-z0-9]*), [0-9.]* GB/s (12000 bytes moved); submit to finish median [0-9.]* ms$' &&
   echo "$out" | grep -q '^y: 1 3 5 7 ' && ! echo "$b" | grep -q 'median 0.0000 ms'; then
	ok vk_run_bench
else
	bad vk_run_bench "$out"
fi
# vecadd: three buffers, each moved once (3 * 4 * 4096)
b=$($VYREC run samples/vecadd.yaml --backend vulkan --param n=4096 --bench 3 2>&1)
echo "$b" | grep -q '(49152 bytes moved)' && ok vk_run_bench_bytes || bad vk_run_bench_bytes "$b"
b=$($VYREC run samples/vecadd.yaml --backend reference --param n=4096 --bench 3 2>&1)
echo "$b" | grep -q '^bench: 3 dispatches on reference (.*): median [0-9.]* ms (wall clock), [0-9.]* GB/s (49152 bytes moved)' &&
	ok run_bench_reference_wall_clock || bad run_bench_reference_wall_clock "$b"
$VYREC run samples/vecadd.yaml --backend vulkan --param n=64 --bench 0 > /dev/null 2>&1
[ $? -eq 2 ] && ok run_bench_zero_usage || bad run_bench_zero_usage "rc=$?"
$VYREC run $O/stream.yaml --backend vulkan --param n=300 --stream x=iota@1000 --chunk 300 --bench 3 > /dev/null 2>&1
[ $? -eq 2 ] && ok run_bench_stream_usage || bad run_bench_stream_usage

# ---- staging buffers (a discrete GPU's path) and forced fma modes ----
for mem in staging direct; do
	out=$(VYREC_VK_MEMORY=$mem $VYREC run samples/saxpy.yaml --backend vulkan --param n=1000 --param a=2 \
		--in x=iota --in y=const:1 --out y=$O/mem.$mem.bin --bench 2 2>&1)
	$VYREC run samples/saxpy.yaml --backend reference --param n=1000 --param a=2 --in x=iota \
		--in y=const:1 --out y=$O/mem.ref.bin > /dev/null 2>&1
	want="device-local + staging"; [ $mem = direct ] && want="device-local, mapped"
	if echo "$out" | grep -q "memory $want" && cmp -s $O/mem.$mem.bin $O/mem.ref.bin; then
		ok vk_memory_$mem
	else
		bad vk_memory_$mem "$out"
	fi
done
out=$(VYREC_VK_MEMORY=staging $VYREC verify samples/matmul.yaml 2>&1 | grep '^vulkan')
echo "$out" | grep -q PASS && ok vk_memory_staging_verify_matmul || bad vk_memory_staging_verify_matmul "$out"
out=$(VYREC_VK_FMA=emulate $VYREC run samples/saxpy.yaml --backend vulkan --param n=64 --param a=2 --bench 1 2>&1)
echo "$out" | grep -q 'fma emulate)' && ok vk_fma_forced_emulate || bad vk_fma_forced_emulate "$out"
VYREC_VK_FMA=bogus $VYREC run samples/saxpy.yaml --backend vulkan --param n=64 --param a=2 > /dev/null 2> $O/fma.err
rc=$?
[ $rc -eq 3 ] && grep -q 'VYREC_VK_FMA=bogus.*Fix:' $O/fma.err && ok vk_fma_bad_mode || bad vk_fma_bad_mode "rc=$rc $(cat $O/fma.err)"

# ---- a grid past maxComputeWorkGroupCount (lavapipe: 65535 per axis) ----
# 200000 workgroups of 1 go out as vkCmdDispatchBase parts; gid and wgid
# stay those of the whole grid.  A program reading nwg is refused.
cat > $O/big.yaml <<'EOF'
vyrec: 1
name: big
workgroup_size: [1]
params: {n: u32}
buffers:
  y: {binding: 0, type: u32, count: n, access: write_only}
  w: {binding: 1, type: u32, count: n, access: write_only}
dispatch: [n]
entry:
  - let i = gid.x
  - if: i < n
    then:
      - y[i] = i * 3u + 1u
      - w[i] = wgid.x
EOF
for mem in "" staging; do
	rm -f $O/big.vk.*.bin
	if VYREC_VK_MEMORY=$mem $VYREC run $O/big.yaml --backend vulkan --param n=200000 --out y=$O/big.vk.y.bin \
		--out w=$O/big.vk.w.bin > $O/big.log 2>&1 &&
	   $VYREC run $O/big.yaml --backend reference --param n=200000 --out y=$O/big.ref.y.bin \
		--out w=$O/big.ref.w.bin > /dev/null 2>&1 &&
	   cmp -s $O/big.vk.y.bin $O/big.ref.y.bin && cmp -s $O/big.vk.w.bin $O/big.ref.w.bin; then
		ok vk_big_grid${mem:+_$mem}
	else
		bad vk_big_grid${mem:+_$mem} "$(head -2 $O/big.log)"
	fi
done
b=$($VYREC run $O/big.yaml --backend vulkan --param n=200000 --bench 2 2>&1)
echo "$b" | grep -q '^bench: 2 dispatches' && ok vk_big_grid_bench || bad vk_big_grid_bench "$b"
sed 's/wgid.x$/nwg.x/' $O/big.yaml > $O/bignwg.yaml
$VYREC run $O/bignwg.yaml --backend vulkan --param n=200000 > /dev/null 2> $O/bignwg.err
rc=$?
if [ $rc -eq 3 ] && grep -q 'reads nwg.*Fix:' $O/bignwg.err; then ok vk_big_grid_nwg_refused
else bad vk_big_grid_nwg_refused "rc=$rc $(cat $O/bignwg.err)"; fi
$VYREC run $O/bignwg.yaml --backend vulkan --param n=1000 --out w=$O/nwg.vk.bin > /dev/null 2>&1 &&
$VYREC run $O/bignwg.yaml --backend reference --param n=1000 --out w=$O/nwg.ref.bin > /dev/null 2>&1 &&
	cmp -s $O/nwg.vk.bin $O/nwg.ref.bin && ok vk_nwg_small_grid || bad vk_nwg_small_grid
