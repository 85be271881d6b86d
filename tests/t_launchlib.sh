#!/bin/sh
# t_launchlib.sh: generated C projects as libraries (SPEC §10.7).  Four
# projects (saxpy and vecadd for spv, saxpy for reference as `saxref`, saxpy
# for ptx as `saxptx`) are generated and their libNAME.a built under
# -Werror; nm finds no global symbol without its NAME_ prefix; NAME.h
# compiles as C11 -pedantic and as C++17 (extern "C").  A program written
# here links all four libraries, runs each kernel several times with new
# params, counts and data (two saxpy contexts interleaved with vecadd), and
# writes every input and output; each output must equal, byte for byte,
# `vyrec run --backend reference` on the same inputs.  Bad calls (a wrong
# count, a NULL buffer, NULL params) fail with a Fix and leave the context
# usable; saxptx_open fails without libcuda.so.1 and saxptx_error(NULL)
# says why.
. tests/lib.sh
VY=$(cd "$(dirname "$VYREC")" && pwd)/$(basename "$VYREC")
ROOT=$(pwd)
W=$ROOT/tests/out/launchlib
rm -rf "$W"
mkdir -p "$W"
STRICT='-O2 -Wall -Wextra -Werror'

vk_dev=0
have_backend vulkan && vk_dev=1
cuda_here=0
have_libcuda && cuda_here=1

# gen SAMPLE TARGET NAME: generate and build libNAME.a in $W/NAME.
libs_ok=1
gen() {
	d=$W/$3
	if ! "$VY" launcher "samples/$1.yaml" -t "$2" --lang c --name "$3" -o "$d" >"$d.gen.log" 2>&1; then
		bad "$3.generate" "$(tail -1 "$d.gen.log")"; libs_ok=0; return 1
	fi
	if ! make -s -C "$d" CFLAGS="$STRICT" "lib$3.a" >"$d.build.log" 2>&1; then
		bad "$3.lib" "$(head -3 "$d.build.log" | tr '\n' ' ')"; libs_ok=0; return 1
	fi
	ok "$3.lib"
	# every global symbol the library defines carries the prefix
	extra=$(nm -g --defined-only "$d/lib$3.a" | awk 'NF == 3 { print $3 }' | grep -v "^$3_")
	if [ -z "$extra" ] && nm -g --defined-only "$d/lib$3.a" | grep -q " T $3_run\$"; then
		ok "$3.nm-prefixed"
	else
		bad "$3.nm-prefixed" "unprefixed: $(echo $extra | head -c 300)"
	fi
	# the header alone: C11 pedantic and C++17, warnings as errors
	printf '#include "%s.h"\nint main(void) { return 0; }\n' "$3" > "$W/$3.hc.c"
	if cc -std=c11 -pedantic -Wall -Wextra -Werror -I"$d/src" -fsyntax-only "$W/$3.hc.c" 2>"$W/$3.hc.log"; then
		ok "$3.header-c11"
	else
		bad "$3.header-c11" "$(head -2 "$W/$3.hc.log" | tr '\n' ' ')"
	fi
	if ! command -v g++ >/dev/null 2>&1; then
		bad "$3.header-c++17" "g++ is not installed (make deps)"
	elif g++ -std=c++17 -Wall -Wextra -Werror -fsyntax-only -x c++ -I"$d/src" "$W/$3.hc.c" 2>"$W/$3.hcc.log" &&
	     grep -q 'extern "C"' "$d/src/$3.h"; then
		ok "$3.header-c++17"
	else
		bad "$3.header-c++17" "$(head -2 "$W/$3.hcc.log" | tr '\n' ' ')"
	fi
}
gen saxpy spv saxpy
gen vecadd spv vecadd
gen saxpy reference saxref
gen saxpy ptx saxptx

cat > "$W/app.c" <<'EOC'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "saxpy.h"
#include "vecadd.h"
#include "saxref.h"
#include "saxptx.h"

static int dump(const char *tag, const char *buf, const float *v, size_t n)
{
	char path[256];
	snprintf(path, sizeof path, "%s.%s.bin", tag, buf);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(v, 4, n, f) != n || fclose(f))
		return printf("FAIL cannot write %s\n", path), 1;
	return 0;
}

/* Deterministic inputs, different for every seed. */
static void fill(float *v, size_t n, unsigned seed)
{
	unsigned s = seed * 2654435761u + 1;
	for (size_t i = 0; i < n; i++) {
		s = s * 1103515245u + 12345u;
		v[i] = (float)((int)(s >> 8 & 0xFFFF) - 32768) / 1024.0f;
	}
}

static float x[8192], y[8192], z[8192];
static int failed;

/* One saxpy-shaped run through any of the saxpy libraries: the inputs
 * written as TAG.x.bin TAG.y.bin, the output as TAG.out.bin. */
#define SAXPY_RUN(lib, k, tag, a_, n_, seed) do { \
	struct lib##_params p = { a_, n_ }; \
	struct lib##_buffers b = { x, n_, y, n_ }; \
	fill(x, n_, seed); \
	fill(y, n_, seed + 100); \
	failed |= dump(tag, "x", x, n_) | dump(tag, "y", y, n_); \
	if (lib##_run(k, &p, &b)) { \
		printf("FAIL %s: %s\n", tag, lib##_error(k)); \
		failed = 1; \
	} else { \
		failed |= dump(tag, "out", y, n_); \
		printf("RAN %s saxpy %g %u\n", tag, (double)(a_), (unsigned)(n_)); \
	} \
} while (0)

static void vadd(struct vecadd *k, const char *tag, uint32_t n, unsigned seed)
{
	struct vecadd_params p = { n };
	struct vecadd_buffers b = { x, n, y, n, z, n };
	fill(x, n, seed);
	fill(y, n, seed + 100);
	memset(z, 0x7f, sizeof z);   /* write_only: what is here must not matter */
	failed |= dump(tag, "x", x, n) | dump(tag, "y", y, n);
	if (vecadd_run(k, &p, &b)) {
		printf("FAIL %s: %s\n", tag, vecadd_error(k));
		failed = 1;
		return;
	}
	failed |= dump(tag, "out", z, n);
	printf("RAN %s vecadd %u\n", tag, (unsigned)n);
}

/* A call that must fail with a Fix naming what: the context stays usable. */
static void must_fail(int rc, const char *err, const char *tag, const char *what)
{
	if (rc != -1 || !strstr(err, what) || !strstr(err, "\nFix: "))
		printf("FAIL %s: rc %d, error '%s'\n", tag, rc, err), failed = 1;
	else
		printf("OK %s\n", tag);
}

int main(int argc, char **argv)
{
	int spv = argc > 1 && !strcmp(argv[1], "spv");
	struct saxref *r = saxref_open(-1);
	if (!r)
		return printf("FAIL saxref_open: %s\n", saxref_error(NULL)), 1;
	if (saxref_open(3) || !strstr(saxref_error(NULL), "device 3 does not exist") ||
	    !strstr(saxref_error(NULL), "\nFix: "))
		printf("FAIL saxref_open(3): '%s'\n", saxref_error(NULL)), failed = 1;
	else
		printf("OK ref.open-bad-device\n");
	SAXPY_RUN(saxref, r, "ref1", 1.0f, 1000, 1);
	SAXPY_RUN(saxref, r, "ref2", 2.0f, 1000, 1);
	SAXPY_RUN(saxref, r, "ref3", -0.75f, 4000, 3);
	SAXPY_RUN(saxref, r, "ref4", 3.0f, 10, 4);

	/* bad calls */
	{
		struct saxref_params p = { 1.0f, 100 };
		struct saxref_buffers b = { x, 99, y, 100 };
		must_fail(saxref_run(r, &p, &b), saxref_error(r), "bad.count", "'x' has 99 elements");
		b.x_count = 100;
		b.y = NULL;
		must_fail(saxref_run(r, &p, &b), saxref_error(r), "bad.null-buffer", "'y' is NULL");
		must_fail(saxref_run(r, NULL, &b), saxref_error(r), "bad.null-params", "params pointer is NULL");
		p.n = 0;
		b.x_count = b.y_count = 0;
		b.y = y;
		must_fail(saxref_run(r, &p, &b), saxref_error(r), "bad.zero-count", "0 elements");
		SAXPY_RUN(saxref, r, "ref5", 0.5f, 100, 5);
		if (*saxref_error(r))
			printf("FAIL error after a good run: '%s'\n", saxref_error(r)), failed = 1;
	}

	struct saxptx *c = saxptx_open(-1);
	if (!c)
		printf("PTXOPEN %s\n", strstr(saxptx_error(NULL), "\nFix: ") ? saxptx_error(NULL) : "no Fix");
	else {
		SAXPY_RUN(saxptx, c, "ptx1", 1.0f, 1000, 1);
		SAXPY_RUN(saxptx, c, "ptx2", 2.0f, 5000, 2);
		saxptx_close(c);
	}
	saxptx_close(NULL);

	if (spv) {
		struct saxpy *s1 = saxpy_open(-1), *s2 = saxpy_open(-1);
		struct vecadd *v = vecadd_open(-1);
		if (!s1 || !s2 || !v)
			return printf("FAIL spv open: %s %s\n", saxpy_error(NULL), vecadd_error(NULL)), 1;
		SAXPY_RUN(saxpy, s1, "spv1", 1.0f, 1000, 1);
		vadd(v, "vadd1", 777, 6);
		SAXPY_RUN(saxpy, s2, "spv2", 2.0f, 1000, 1);
		SAXPY_RUN(saxpy, s1, "spv3", 2.0f, 1000, 1);
		vadd(v, "vadd2", 5000, 7);
		SAXPY_RUN(saxpy, s1, "spv4", -3.5f, 8192, 8);
		vadd(v, "vadd3", 100, 9);
		SAXPY_RUN(saxpy, s2, "spv5", 0.25f, 300, 10);
		saxpy_close(s2);
		SAXPY_RUN(saxpy, s1, "spv6", 1.5f, 2000, 11);
		saxpy_close(s1);
		vecadd_close(v);
	}
	saxref_close(r);
	return failed;
}
EOC

if [ $libs_ok = 0 ]; then
	bad app "a library did not build"
	exit 0
fi
L="$W/saxpy/libsaxpy.a $W/vecadd/libvecadd.a $W/saxref/libsaxref.a $W/saxptx/libsaxptx.a"
if cc -std=c11 $STRICT -I"$W/saxpy/src" -I"$W/vecadd/src" -I"$W/saxref/src" -I"$W/saxptx/src" \
      -o "$W/app" "$W/app.c" $L -ldl -lm >"$W/app.build.log" 2>&1; then
	ok app.link-four
else
	bad app.link-four "$(head -3 "$W/app.build.log" | tr '\n' ' ')"
	exit 0
fi
mode=ref
[ $vk_dev = 1 ] && mode=spv
(cd "$W" && ./app $mode) >"$W/app.out" 2>&1
rc=$?
[ $rc = 0 ] && ok app.exit || bad app.exit "rc=$rc: $(grep FAIL "$W/app.out" | head -3 | tr '\n' ' ')"
grep '^FAIL' "$W/app.out" | sed 's/^FAIL /FAIL app./' | head -20
for t in bad.count bad.null-buffer bad.null-params bad.zero-count ref.open-bad-device; do
	grep -q "^OK $t\$" "$W/app.out" && ok "app.$t" || bad "app.$t" "not reached"
done
if [ $cuda_here = 1 ]; then
	grep -q '^RAN ptx2 ' "$W/app.out" && ok app.ptx-runs || bad app.ptx-runs "$(grep PTXOPEN "$W/app.out")"
elif grep -q '^PTXOPEN cannot load libcuda.so.1' "$W/app.out"; then
	ok app.ptx-open-error
else
	bad app.ptx-open-error "$(grep -A1 PTXOPEN "$W/app.out" | head -2 | tr '\n' ' ')"
fi
[ $vk_dev = 1 ] || skip app.spv "no Vulkan device ($VY backends)"

# Every run's output against `vyrec run --backend reference` on its inputs.
nran=0
while read -r _ tag kind a n; do
	case $kind in
	saxpy)
		"$VY" run samples/saxpy.yaml --backend reference --param a="$a" --param n="$n" \
			--in x="$W/$tag.x.bin" --in y="$W/$tag.y.bin" --out y="$W/$tag.ref.bin" >/dev/null 2>"$W/$tag.ref.log";;
	vecadd)
		n=$a
		"$VY" run samples/vecadd.yaml --backend reference --param n="$n" \
			--in x="$W/$tag.x.bin" --in y="$W/$tag.y.bin" --out z="$W/$tag.ref.bin" >/dev/null 2>"$W/$tag.ref.log";;
	esac
	nran=$((nran + 1))
	if cmp -s "$W/$tag.out.bin" "$W/$tag.ref.bin"; then
		ok "app.$tag.same-as-vyrec-run"
	else
		bad "app.$tag.same-as-vyrec-run" "$kind $a $n: $(cat "$W/$tag.ref.log" | head -2 | tr '\n' ' ')"
	fi
done <<EOF
$(grep '^RAN ' "$W/app.out")
EOF
want=5
[ $vk_dev = 1 ] && want=$((want + 9))
[ $cuda_here = 1 ] && want=$((want + 2))
[ $nran = $want ] && ok "app.runs-compared.$nran" || bad app.runs-compared "$nran runs, want $want"

# The a=1 then a=2 case of issue #16: the second run's output differs
# from the first's on the same inputs (its push constants are its own).
for p in ref spv; do
	[ -f "$W/${p}2.out.bin" ] || continue
	if cmp -s "$W/${p}1.x.bin" "$W/${p}2.x.bin" && ! cmp -s "$W/${p}1.out.bin" "$W/${p}2.out.bin"; then
		ok "app.$p.a1-then-a2"
	else
		bad "app.$p.a1-then-a2" "the a=2 run gave the a=1 output"
	fi
done

# The same program with the spv driver's staging buffers (device-local
# memory and host-visible twins): the same outputs.
if [ $vk_dev = 1 ]; then
	mkdir -p "$W/staging"
	(cd "$W/staging" && VYREC_VK_MEMORY=staging ../app spv) >"$W/staging.out" 2>&1
	rc=$?
	same=1
	for f in "$W"/spv*.out.bin "$W"/vadd*.out.bin; do
		cmp -s "$f" "$W/staging/$(basename "$f")" || same=0
	done
	[ $rc = 0 ] && [ $same = 1 ] && ok app.spv.staging ||
		bad app.spv.staging "rc=$rc same=$same: $(grep FAIL "$W/staging.out" | head -2 | tr '\n' ' ')"
fi

# --describe [--json] of the command-line programs: the interface as the
# manifest has it (names, types, access, bindings, count expressions), the
# self-test sizes, and nothing run (no device opened: the ptx one works
# without libcuda.so.1).
for s in saxpy matmul histogram; do
	for t in reference ptx; do
		d=$W/desc.$s.$t
		if ! "$VY" launcher "samples/$s.yaml" -t $t --lang c -o "$d" >/dev/null 2>&1 ||
		   ! make -s -C "$d" CFLAGS="$STRICT" >"$d.build.log" 2>&1; then
			bad "describe.$s.$t" "generate/build: $(head -2 "$d.build.log" | tr '\n' ' ')"; continue
		fi
		(cd "$d" && "./$s" --describe) >"$d.txt" 2>&1; r1=$?
		(cd "$d" && "./$s" --describe --json) >"$d.json" 2>&1; r2=$?
		why=$(python3 - "$d/manifest.json" "$d.json" "$d.txt" <<'EOP'
import json, sys
m = json.load(open(sys.argv[1]))
try:
    j = json.load(open(sys.argv[2]))
except Exception as e:
    print("not JSON: %s" % e); sys.exit()
txt = open(sys.argv[3]).read()
for k in ("name", "target", "entry_point", "workgroup_size"):
    if j[k] != m[k]: print("%s %r != %r" % (k, j[k], m[k]))
if [(p["name"], p["type"]) for p in j["params"]] != [(p["name"], p["type"]) for p in m["params"]]:
    print("params differ")
keys = ("name", "type", "access", "binding", "count")
if [tuple(b[k] for k in keys) for b in j["buffers"]] != [tuple(b[k] for k in keys) for b in m["buffers"]]:
    print("buffers differ")
if any(not isinstance(b["selftest_count"], int) or b["selftest_count"] < 1 for b in j["buffers"]):
    print("bad selftest_count")
for b in m["buffers"]:
    line = "  %s: %s, %s, binding %d, count %s (self-test " % (b["name"], b["type"], b["access"], b["binding"], b["count"])
    if line not in txt: print("text lacks %r" % line)
for p in m["params"]:
    if "  %s: %s (self-test " % (p["name"], p["type"]) not in txt: print("text lacks param %s" % p["name"])
EOP
)
		if [ $r1 = 0 ] && [ $r2 = 0 ] && [ -z "$why" ]; then ok "describe.$s.$t"; else bad "describe.$s.$t" "rc=$r1,$r2 $why"; fi
	done
done
d=$W/desc.saxpy.reference
(cd "$d" && ./saxpy --describe --param a=1) >/dev/null 2>"$W/desc.err"; rc=$?
[ $rc = 2 ] && grep -q 'runs nothing' "$W/desc.err" && ok describe.alone || bad describe.alone "rc=$rc $(head -1 "$W/desc.err")"
(cd "$d" && ./saxpy --json) >/dev/null 2>"$W/desc.err"; rc=$?
[ $rc = 2 ] && grep -q -- '--bench N or --describe' "$W/desc.err" && ok describe.json-alone || bad describe.json-alone "rc=$rc"

# Names that are C, C++ or Rust keywords: NAME.h gets int_ and class_ (C
# and C++ compile it), the run works through them.
cat > "$W/kw.yaml" <<'EOY'
vyrec: 1
name: kw
workgroup_size: [64]
params: {int: u32, type: f32}
buffers:
  class: {type: f32, count: int, access: read_only}
  fn: {type: f32, count: int, access: write_only}
entry:
  - let i = gid.x
  - if: i < int
    then:
      - fn[i] = class[i] * type
EOY
cat > "$W/kwapp.c" <<'EOC'
#include <stdio.h>
#include "kw.h"
int main(void)
{
	float c[4] = { 1, 2, 3, 4 }, f[4];
	struct kw *k = kw_open(-1);
	struct kw_params p = { .int_ = 4, .type = 2.5f };
	struct kw_buffers b = { .class_ = c, .class_count = 4, .fn = f, .fn_count = 4 };
	if (!k || kw_run(k, &p, &b))
		return printf("FAIL %s\n", kw_error(k)), 1;
	printf("%g %g %g %g\n", f[0], f[1], f[2], f[3]);
	kw_close(k);
	return 0;
}
EOC
if "$VY" launcher "$W/kw.yaml" -t reference --lang c -o "$W/kw" >/dev/null 2>&1 &&
   make -s -C "$W/kw" CFLAGS="$STRICT" >"$W/kw.build.log" 2>&1 &&
   cc -std=c11 $STRICT -I"$W/kw/src" -o "$W/kwapp" "$W/kwapp.c" "$W/kw/libkw.a" -ldl -lm >>"$W/kw.build.log" 2>&1 &&
   g++ -std=c++17 -Wall -Werror -fsyntax-only -x c++ "$W/kw/src/kw.h" >>"$W/kw.build.log" 2>&1 &&
   [ "$("$W/kwapp")" = "2.5 5 7.5 10" ]; then
	ok keyword-fields
else
	bad keyword-fields "$(head -3 "$W/kw.build.log" | tr '\n' ' ') $("$W/kwapp" 2>&1 | head -1)"
fi

# A fixed-grid program (dispatch: [64], one workgroup: no default size
# gives it 4) gets a launcher when --selftest-param gives its params; without
# them the error's Fix names --selftest-param (issue #16).
cat > "$W/fixed.yaml" <<'EOY'
vyrec: 1
name: fixed
workgroup_size: [64]
params: {n: u32}
buffers:
  y: {type: u32, count: n, access: write_only}
dispatch: [64]
entry:
  - let i = gid.x
  - if: i < n
    then:
      - y[i] = i * 2u + 1u
EOY
"$VY" launcher "$W/fixed.yaml" -t reference --lang c -o "$W/fixed0" >/dev/null 2>"$W/fixed0.err"; rc=$?
[ $rc = 2 ] && grep -q 'Fix: give every param with --selftest-param' "$W/fixed0.err" && [ ! -e "$W/fixed0/Makefile" ] &&
	ok fixed-grid.needs-params || bad fixed-grid.needs-params "rc=$rc $(head -1 "$W/fixed0.err")"
for t in reference spv; do
	[ $t = spv ] && [ $vk_dev = 0 ] && { skip fixed-grid.spv "no Vulkan device ($VY backends)"; continue; }
	d=$W/fixed.$t
	if "$VY" launcher "$W/fixed.yaml" -t $t --lang c -o "$d" --selftest-param n=50 >"$d.gen.log" 2>&1 &&
	   make -s -C "$d" CFLAGS="$STRICT" >"$d.build.log" 2>&1 &&
	   (cd "$d" && ./fixed --selftest) >"$d.out" 2>&1 && grep -q '^selftest: PASS' "$d.out" &&
	   (cd "$d" && ./fixed --param n=64 --out y="$d.y.bin") >/dev/null 2>&1 &&
	   "$VY" run "$W/fixed.yaml" --backend reference --param n=64 --out y="$d.ref.bin" >/dev/null 2>&1 &&
	   cmp -s "$d.y.bin" "$d.ref.bin"; then
		ok "fixed-grid.$t"
	else
		bad "fixed-grid.$t" "$(cat "$d.gen.log" "$d.build.log" "$d.out" 2>/dev/null | head -3 | tr '\n' ' ')"
	fi
done

# --selftest-in BUF=SOURCE (issue #16): a gather y[i] = x[idx[i]] cannot
# self-test on random indices (generation fails, its Fix naming the
# option); with idx from a file of valid indices, or a bounded generator,
# the input is embedded and --selftest passes; a bad BUF is a usage error.
cat > "$W/gather.yaml" <<'EOY'
vyrec: 1
name: gather
workgroup_size: [64]
params: {n: u32, m: u32}
buffers:
  idx: {type: u32, count: n, access: read_only}
  x: {type: f32, count: m, access: read_only}
  y: {type: f32, count: n, access: write_only}
entry:
  - let i = gid.x
  - if: i < n
    then:
      - y[i] = x[idx[i]]
EOY
python3 -c 'import struct,sys; sys.stdout.buffer.write(struct.pack("<100I", *[(i * 37) % 50 for i in range(100)]))' > "$W/idx.bin"
"$VY" launcher "$W/gather.yaml" -t reference --lang c -o "$W/gather0" >/dev/null 2>"$W/gather0.err"; rc=$?
[ $rc = 1 ] && grep -q 'out-of-bounds.*Fix: .*--selftest-in' "$W/gather0.err" &&
	ok selftest-in.needed || bad selftest-in.needed "rc=$rc $(head -1 "$W/gather0.err")"
for src in "$W/idx.bin" random:7:0:50; do
	for t in reference spv; do
		[ $t = spv ] && [ $vk_dev = 0 ] && continue
		k=$t.$(basename "$src" | tr ':' '_')
		d=$W/gather.$k
		if "$VY" launcher "$W/gather.yaml" -t $t --lang c -o "$d" --selftest-param n=100 --selftest-param m=50 \
		     --selftest-in idx="$src" >"$d.gen.log" 2>&1 &&
		   make -s -C "$d" CFLAGS="$STRICT" >"$d.build.log" 2>&1 && grep -q 'input_idx\[400\]' "$d/src/program.c" &&
		   (cd "$d" && ./gather --selftest) >"$d.out" 2>&1 && grep -q '^selftest: PASS' "$d.out"; then
			ok "selftest-in.$k"
		else
			bad "selftest-in.$k" "$(cat "$d.gen.log" "$d.build.log" "$d.out" 2>/dev/null | head -3 | tr '\n' ' ')"
		fi
	done
done
for kv in y=zeros q=zeros idx; do
	"$VY" launcher "$W/gather.yaml" -t reference --lang c -o "$W/gather.bad" --selftest-param n=100 \
		--selftest-param m=50 --selftest-in "$kv" >/dev/null 2>"$W/gather.bad.err"; rc=$?
	[ $rc = 2 ] && grep -q -- "--selftest-in $kv'" "$W/gather.bad.err" && ok "selftest-in.usage.$kv" ||
		bad "selftest-in.usage.$kv" "rc=$rc $(head -1 "$W/gather.bad.err")"
done

# A pipeline as a library (SPEC §10.5, §10.7): lu (a host for: over k, one
# dispatch of `dominant`, then scale and eliminate per k) through NAME_run
# twice with new sizes and data in one context; each output equals `vyrec
# run` on the same backend element for element (luref: the VM, luspv:
# vulkan).
cat > "$W/lupipe.c" <<'EOC'
#include <stdio.h>
#include <stdlib.h>
#include "LIB.h"
static int put(const char *dir, const char *what, int r, const float *v, size_t n)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s.%d.bin", dir, what, r);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(v, 4, n, f) != n)
		return -1;
	return fclose(f);
}
int main(int argc, char **argv)
{
	struct LIB *k = LIB_open(-1);
	if (argc < 2 || !k) {
		fprintf(stderr, "%s\n", LIB_error(NULL));
		return 1;
	}
	for (int r = 0; r < 2; r++) {
		uint32_t n = r ? 48 : 20;
		float *a = malloc(sizeof *a * n * n);
		for (uint32_t i = 0; i < n * n; i++)
			a[i] = (float)((i * 7919u + (uint32_t)r) % 1000u) / 1000.0f - 0.5f;
		struct LIB_params p = { .n = n, .k = 0 };
		struct LIB_buffers b = { .a = a, .a_count = (size_t)n * n };
		if (put(argv[1], "in", r, a, (size_t)n * n) || LIB_run(k, &p, &b) ||
		    put(argv[1], "out", r, a, (size_t)n * n)) {
			fprintf(stderr, "%s\n", LIB_error(k));
			return 1;
		}
		free(a);
	}
	LIB_close(k);
	printf("OK\n");
	return 0;
}
EOC
for t in reference spv; do
	[ $t = spv ] && [ $vk_dev = 0 ] && { skip lib-pipeline.spv "no Vulkan device ($VY backends)"; continue; }
	lib=lu$(echo $t | cut -c1-3); be=$t; [ $t = spv ] && be=vulkan
	gen lu $t $lib || continue
	sed "s/LIB/$lib/g" "$W/lupipe.c" > "$W/$lib.app.c"
	if ! cc -std=c11 $STRICT -I"$W/$lib/src" -o "$W/$lib.app" "$W/$lib.app.c" "$W/$lib/lib$lib.a" -lm -ldl 2>"$W/$lib.app.log"; then
		bad "lib-pipeline.$t" "$(head -2 "$W/$lib.app.log" | tr '\n' ' ')"; continue
	fi
	mkdir -p "$W/$lib.io"
	if ! "$W/$lib.app" "$W/$lib.io" >"$W/$lib.app.out" 2>&1; then
		bad "lib-pipeline.$t" "$(head -2 "$W/$lib.app.out" | tr '\n' ' ')"; continue
	fi
	why=""
	for r in 0 1; do
		n=20; [ $r = 1 ] && n=48
		"$VY" run samples/lu.yaml --backend $be --param n=$n --in a="$W/$lib.io/in.$r.bin" \
			--out a="$W/$lib.io/run.$r.bin" >/dev/null 2>&1 || why="$why vyrec run $r failed"
		cmp -s "$W/$lib.io/run.$r.bin" "$W/$lib.io/out.$r.bin" || why="$why run $r differs"
	done
	[ -z "$why" ] && ok "lib-pipeline.$t.same-as-vyrec-run" || bad "lib-pipeline.$t.same-as-vyrec-run" "$why"
done

# ---- element types (SPEC §10.1): the library's typed API for vector,
# 64-bit and u8 buffers.  libv4 (vecadd4, spv: vy_f32x4 arrays), libdref
# (dot_f64, reference: double) and libbright (brightness, spv: uint8_t)
# linked into one program (their headers together, as C11 and C++17),
# each run twice with new counts and params; the outputs are checked
# against the same arithmetic done here, element by element.
if [ $vk_dev = 1 ]; then
	gen vecadd4 spv v4 && gen dot_f64 reference dref && gen brightness spv bright
	cat > "$W/types.c" <<'EOC'
#include <stdio.h>
#include <stdlib.h>
#include "v4.h"
#include "dref.h"
#include "bright.h"

#define CHECK(c, ...) do { if (!(c)) { printf(__VA_ARGS__); return 1; } } while (0)

int main(void)
{
	struct v4 *k = v4_open(-1);
	struct dref *d = dref_open(-1);
	struct bright *b = bright_open(-1);
	CHECK(k && d && b, "open: %s %s %s\n", v4_error(NULL), dref_error(NULL), bright_error(NULL));
	for (unsigned run = 0; run < 2; run++) {
		unsigned n = run ? 1000 : 300;
		vy_f32x4 *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y), *z = malloc(n * sizeof *z);
		CHECK(sizeof *x == 16, "vy_f32x4 is %zu bytes\n", sizeof *x);
		for (unsigned i = 0; i < n; i++)
			for (int c = 0; c < 4; c++)
				x[i][c] = (float)i + 0.25f * c, y[i][c] = (float)(run + 1) * c;
		struct v4_params vp = { n };
		struct v4_buffers vb = { x, n, y, n, z, n };
		CHECK(!v4_run(k, &vp, &vb), "v4_run: %s\n", v4_error(k));
		for (unsigned i = 0; i < n; i++)
			for (int c = 0; c < 4; c++)
				CHECK(z[i][c] == x[i][c] + y[i][c], "v4 run %u z[%u].%c = %g\n", run, i, "xyzw"[c], z[i][c]);
		free(x), free(y), free(z);

		unsigned m = run ? 600 : 256, parts = (m + 255) / 256;
		double *dx = malloc(m * sizeof *dx), *dy = malloc(m * sizeof *dy), *dp = malloc(parts * sizeof *dp);
		for (unsigned i = 0; i < m; i++)
			dx[i] = (double)(i % 7), dy[i] = 2.0 + run;
		struct dref_params dpp = { m };
		struct dref_buffers dbb = { dx, m, dy, m, dp, parts };
		CHECK(!dref_run(d, &dpp, &dbb), "dref_run: %s\n", dref_error(d));
		for (unsigned w = 0; w < parts; w++) {
			double want = 0;
			for (unsigned i = 256 * w; i < m && i < 256 * w + 256; i++)
				want += dx[i] * dy[i];
			CHECK(dp[w] == want, "dref run %u partial[%u] = %.17g, want %.17g\n", run, w, dp[w], want);
		}
		free(dx), free(dy), free(dp);

		unsigned px = run ? 333 : 64;
		uint8_t *src = malloc(4 * px), *dst = malloc(4 * px);
		for (unsigned i = 0; i < 4 * px; i++)
			src[i] = (uint8_t)(i * 37);
		struct bright_params bp = { run ? 0.5f : 2.0f, px };
		struct bright_buffers bb = { src, 4 * px, dst, 4 * px };
		CHECK(!bright_run(b, &bp, &bb), "bright_run: %s\n", bright_error(b));
		for (unsigned i = 0; i < 4 * px; i++) {
			float v = (float)src[i] * bp.gain + 0.5f;
			unsigned want = i % 4 == 3 ? src[i] : v >= 255.0f ? 255u : (unsigned)v;
			CHECK(dst[i] == want, "bright run %u dst[%u] = %u, want %u\n", run, i, dst[i], want);
		}
		free(src), free(dst);
	}
	v4_close(k), dref_close(d), bright_close(b);
	printf("types: ok\n");
	return 0;
}
EOC
	if cc -std=c11 $STRICT -I"$W/v4/src" -I"$W/dref/src" -I"$W/bright/src" "$W/types.c" \
	      "$W/v4/libv4.a" "$W/dref/libdref.a" "$W/bright/libbright.a" -ldl -lm -o "$W/types" 2>"$W/types.build" &&
	   printf '#include "v4.h"\n#include "dref.h"\n#include "bright.h"\nint main() { vy_f32x4 a = {1, 2, 3, 4}; return (int)a[0] - 1; }\n' > "$W/types_hdr.cc" &&
	   g++ -std=c++17 -Wall -Wextra -Werror -fsyntax-only -I"$W/v4/src" -I"$W/dref/src" -I"$W/bright/src" \
	      "$W/types_hdr.cc" 2>>"$W/types.build"; then
		out=$("$W/types" 2>&1); rc=$?
		[ $rc = 0 ] && [ "$out" = "types: ok" ] && ok types.library || bad types.library "rc=$rc: $out"
	else
		bad types.library "$(head -3 "$W/types.build" | tr '\n' ' ')"
	fi
else
	skip types.library "no Vulkan device"
fi
