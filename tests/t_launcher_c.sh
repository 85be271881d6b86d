#!/bin/sh
# t_launcher_c.sh: `vyrec launcher --lang c` end to end.  For every sample:
# generate the spv, reference and ptx projects, build each with its
# Makefile under -Werror, run --selftest on lavapipe (spv) and on the VM
# (reference), and check that the ptx launcher, with no NVIDIA driver
# here, fails cleanly (exit 1, a Fix naming libcuda.so.1).  Then: a planted
# wrong expected value gives exit 3 and "selftest: FAIL"; generation is
# deterministic; a non-empty -o DIR needs --force; unsupported pairs and
# bad names are usage errors; --in/--out .npy and raw data agree byte for
# byte with `vyrec run`; the launcher's exit codes; the driver constants
# declared in the generated sources match vulkan_core.h and cuda.h.
. tests/lib.sh
VY=$(cd "$(dirname "$VYREC")" && pwd)/$(basename "$VYREC")
ROOT=$(pwd)
W=$ROOT/tests/out/launcher_c
rm -rf "$W"
mkdir -p "$W"
STRICT='-O2 -Wall -Wextra -Werror'

# gen SAMPLE TARGET DIR [ARGS...]: generate a C launcher; 0 on success.
gen() { s=$1 t=$2 d=$3; shift 3; "$VY" launcher "samples/$s.yaml" -t "$t" --lang c -o "$d" "$@"; }
# build DIR: make with -Werror; the log in DIR.build.log.
build() { make -s -C "$1" CFLAGS="$STRICT" >"$1.build.log" 2>&1; }

# the Vulkan device as vyrec sees it (lavapipe here), not through vulkaninfo
vulkan_ok=1
have_backend vulkan || vulkan_ok=0
cuda_here=0
have_libcuda && cuda_here=1

for f in samples/*.yaml; do
	s=$(basename "$f" .yaml)
	# the C launcher runs every type of SPEC §10.1 but f16 vectors (the ltypes cases below)
	grep -qE 'type: (f16x[234])[,} ]' "$f" && continue
	for t in spv reference ptx; do
		d=$W/$s.$t
		if ! gen "$s" "$t" "$d" >"$d.gen.log" 2>&1; then
			bad "$s.$t.generate" "$(tail -1 "$d.gen.log")"; continue
		fi
		if ! build "$d"; then
			bad "$s.$t.build" "$(head -3 "$d.build.log" | tr '\n' ' ')"; continue
		fi
		ok "$s.$t.build"
		out=$(cd "$d" && "./$s" --selftest 2>&1); rc=$?
		case $t in
		ptx)
			if [ $cuda_here = 1 ]; then
				skip_nvidia "$s.ptx.nodriver" "libcuda.so.1 is installed here"
			elif [ $rc = 1 ] && echo "$out" | grep -q '^Fix: .*libcuda.so.1'; then
				ok "$s.ptx.nodriver"
			else
				bad "$s.ptx.nodriver" "rc=$rc: $out"
			fi;;
		spv)
			if [ $vulkan_ok = 0 ]; then
				skip "$s.spv.selftest" "no Vulkan device ($VY backends)"
			elif [ $rc = 0 ] && [ "${out#selftest: PASS}" != "$out" ]; then
				ok "$s.spv.selftest"
			else
				bad "$s.spv.selftest" "rc=$rc: $out"
			fi;;
		reference)
			if [ $rc = 0 ] && [ "${out#selftest: PASS}" != "$out" ]; then
				ok "$s.reference.selftest"
			else
				bad "$s.reference.selftest" "rc=$rc: $out"
			fi;;
		esac
	done
done

# Pipelines (SPEC §10.5): every writable buffer after the whole pipeline,
# element by element, the same as `vyrec run` on the same backend (the
# reference launcher against the VM, the spv one against vulkan).
# sample|params|inputs|outputs
PIPES='softmax|rows=37 cols=300|x=random:1:-4:4|y rmax rsum
sum2pass|n=70000|x=random:2:-1:1|partial total
prefixsum|n=70000|x=random:3:0:100|y sums
jacobi1d|n=1000 tsteps=21|a=random:4 b=zeros|a b
lu|n=64 k=0|a=random:5|a
normalize|n=5000|x=random:6|y partial norm'
# same A B: 0 when the raw files hold the same 4-byte elements, else the first difference
same() { python3 - "$1" "$2" <<'PY'
import sys
a, b = (open(p, 'rb').read() for p in sys.argv[1:3])
if len(a) != len(b):
    sys.exit('%d bytes, not %d' % (len(a), len(b)))
for i in range(0, len(a), 4):
    if a[i:i + 4] != b[i:i + 4]:
        sys.exit('element %d: %s, not %s' % (i // 4, a[i:i + 4].hex(), b[i:i + 4].hex()))
PY
}
P=$W/pipes; mkdir -p "$P"
echo "$PIPES" | while IFS='|' read -r s ps ins outs; do
	args=""; for a in $ps; do args="$args --param $a"; done
	for a in $ins; do args="$args --in $a"; done
	for t in reference spv; do
		[ $t = spv ] && [ $vulkan_ok = 0 ] && { skip "pipeline.$s.$t" "no Vulkan device"; continue; }
		be=$t; [ $t = spv ] && be=vulkan
		ro=""; lo=""
		for b in $outs; do ro="$ro --out $b=$P/$s.$t.run.$b.bin"; lo="$lo --out $b=$P/$s.$t.l.$b.bin"; done
		if ! "$VY" run "samples/$s.yaml" --backend $be $args $ro >"$P/$s.$t.run.log" 2>&1; then
			bad "pipeline.$s.$t" "vyrec run: $(head -1 "$P/$s.$t.run.log")"; continue
		fi
		if ! (cd "$W/$s.$t" && "./$s" $args $lo) >"$P/$s.$t.l.log" 2>&1; then
			bad "pipeline.$s.$t" "launcher: $(head -2 "$P/$s.$t.l.log" | tr '\n' ' ')"; continue
		fi
		why=""
		for b in $outs; do
			w=$(same "$P/$s.$t.l.$b.bin" "$P/$s.$t.run.$b.bin" 2>&1) || why="$why $b: $w"
		done
		[ -z "$why" ] && ok "pipeline.$s.$t.matches-vyrec-run" || bad "pipeline.$s.$t.matches-vyrec-run" "$why"
	done
done
# Nested blocks: a repeat around a host for: around a host for: whose
# bounds read the outer variable; each dispatch's params as vyrec run's.
cat > "$P/nest.yaml" <<'EOF'
vyrec: 1
name: nest
params: {n: u32, k: u32, j: u32}
buffers:
  x: {type: u32, count: n, access: read_write}
kernels:
  a:
    workgroup_size: [64]
    dispatch: [n]
    entry:
      - let i = gid.x
      - if: i < n
        then:
          - x[i] = x[i] * 3u + k + j * 7u
  b:
    workgroup_size: [64]
    dispatch: [n]
    entry:
      - let i = gid.x
      - if: i < n
        then:
          - x[i] = x[i] ^ (k << 3u)
pipeline:
  - a
  - repeat: 2
    do:
      - for: k in 1..4
        do:
          - a
          - for: j in k..k + 2
            do: [a, b]
      - b
EOF
for t in reference spv; do
	[ $t = spv ] && [ $vulkan_ok = 0 ] && { skip "pipeline.nest.$t" "no Vulkan device"; continue; }
	be=$t; [ $t = spv ] && be=vulkan
	a='--param n=100 --param k=9 --param j=3 --in x=iota'; w=''
	if "$VY" launcher "$P/nest.yaml" -t $t --lang c -o "$P/nest.$t" >"$P/nest.$t.log" 2>&1 && build "$P/nest.$t" &&
	   (cd "$P/nest.$t" && ./nest --selftest | grep -q '^selftest: PASS' && ./nest $a --out x="$P/nest.$t.l.bin") &&
	   "$VY" run "$P/nest.yaml" --backend $be $a --out x="$P/nest.$t.r.bin" >/dev/null 2>&1 &&
	   w=$(same "$P/nest.$t.l.bin" "$P/nest.$t.r.bin" 2>&1); then
		ok "pipeline.nest.$t"
	else
		bad "pipeline.nest.$t" "$(head -1 "$P/nest.$t.log") $w"
	fi
done
# --bench of a pipeline times the whole pipeline
b=$(cd "$W/lu.reference" && ./lu --param n=16 --bench 3 2>&1)
echo "$b" | grep -q 'runs of the whole pipeline of 33 dispatches; the reference VM, in order' &&
	ok pipeline.bench || bad pipeline.bench "$b"
if [ $vulkan_ok = 1 ]; then
	b=$(cd "$W/jacobi1d.spv" && ./jacobi1d --param n=512 --param tsteps=10 --bench 3 2>&1)
	echo "$b" | grep -q 'runs of the whole pipeline of 20 dispatches; one vulkan command buffer' &&
		ok pipeline.bench.spv || bad pipeline.bench.spv "$b"
fi

# The reference launcher compiles vyrec's own VM sources, unchanged.
if cmp -s "$W/saxpy.reference/src/vm.c" src/vm.c && cmp -s "$W/saxpy.reference/src/vm.h" src/vm.h &&
   cmp -s "$W/saxpy.reference/src/vyrec_ops.def" include/vyrec_ops.def; then
	ok vm.same-sources
else
	bad vm.same-sources "the embedded VM differs from src/vm.c (rebuild vyrec)"
fi

# plant DIR BUF: flip bit 30 of the first expected element of BUF (far
# outside any float tolerance; the expected outputs are bytes, so bit 6 of
# the 4th).
plant() {
	perl -0pi -e 's/(expected_'"$2"'\[\d+\] = \{\n\t0x.., 0x.., 0x.., 0x)([0-9a-f])/$1.sprintf("%x", hex($2) ^ 4)/e' "$1/src/program.c"
}
for c in saxpy.spv:y histogram.reference:bins matmul.reference:C; do
	d=$W/plant.${c%%:*}; b=${c#*:}; s=${c%%.*}; t=${c#*.}; t=${t%%:*}
	[ $t = spv ] && [ $vulkan_ok = 0 ] && { skip "planted.$s.$t" "no Vulkan device"; continue; }
	rm -rf "$d"; cp -R "$W/${c%%:*}" "$d"; make -s -C "$d" clean >/dev/null
	cp "$d/src/program.c" "$d/program.orig"
	plant "$d" "$b"
	if cmp -s "$d/src/program.c" "$d/program.orig"; then
		bad "planted.$s.$t" "could not plant a wrong value"; continue
	fi
	build "$d" || { bad "planted.$s.$t" "build failed"; continue; }
	out=$(cd "$d" && "./$s" --selftest 2>&1); rc=$?
	if [ $rc = 3 ] && echo "$out" | grep -q "^selftest: FAIL.* $b\[0\]: got"; then
		ok "planted.$s.$t"
	else
		bad "planted.$s.$t" "rc=$rc: $out"
	fi
done

# Determinism: generate twice, compare the trees.
for t in spv ptx reference; do
	gen matmul $t "$W/det1.$t" >/dev/null 2>&1 && gen matmul $t "$W/det2.$t" >/dev/null 2>&1
	if diff -r "$W/det1.$t" "$W/det2.$t" >/dev/null; then ok "deterministic.$t"; else bad "deterministic.$t"; fi
done

# A non-empty DIR is refused without --force and left untouched.
mkdir -p "$W/full"; echo keep > "$W/full/notes.txt"
gen saxpy spv "$W/full" >/dev/null 2>"$W/full.err"; rc=$?
if [ $rc = 2 ] && [ "$(ls "$W/full")" = notes.txt ] && grep -q -- '--force' "$W/full.err"; then
	ok nonempty.refused
else
	bad nonempty.refused "rc=$rc, $(ls "$W/full" | tr '\n' ' ')"
fi
gen saxpy spv "$W/full" --force >/dev/null 2>&1; rc=$?
if [ $rc = 0 ] && [ -f "$W/full/Makefile" ] && [ "$(cat "$W/full/notes.txt")" = keep ]; then
	ok nonempty.force
else
	bad nonempty.force "rc=$rc"
fi
mkdir -p "$W/empty"
check empty-dir.accepted gen saxpy reference "$W/empty"

# Unsupported pairs and unknown languages are usage errors listing pairs.
"$VY" launcher samples/saxpy.yaml -t reference --lang cargo -o "$W/cr" >/dev/null 2>"$W/pair.err"; rc=$?
if [ $rc = 2 ] && grep -q 'c x {spv, ptx, reference}' "$W/pair.err" && grep -q 'cargo x {spv, ptx}' "$W/pair.err" &&
   [ ! -e "$W/cr" ]; then
	ok pair.cargo-reference
else
	bad pair.cargo-reference "rc=$rc: $(head -1 "$W/pair.err")"
fi
"$VY" launcher samples/saxpy.yaml -t glsl --lang c -o "$W/cg" >/dev/null 2>&1; rc=$?
[ $rc = 2 ] && [ ! -e "$W/cg" ] && ok pair.c-glsl || bad pair.c-glsl "rc=$rc"
"$VY" launcher samples/saxpy.yaml -t spv --lang fortran -o "$W/cf" >/dev/null 2>&1; rc=$?
[ $rc = 2 ] && ok pair.unknown-lang || bad pair.unknown-lang "rc=$rc"

# Names.
for n in 1abc 'a-b' 'x;rm' '../up' ''; do
	gen saxpy spv "$W/name.bad" --name "$n" >/dev/null 2>&1; rc=$?
	[ $rc = 2 ] && [ ! -e "$W/name.bad" ] && ok "name.rejected.'$n'" || bad "name.rejected.'$n'" "rc=$rc"
done
gen saxpy spv "$W/name.clean" --name clean >/dev/null 2>"$W/name.clean.err"; rc=$?
[ $rc = 1 ] && [ ! -e "$W/name.clean" ] && grep -q 'Fix: pass --name' "$W/name.clean.err" && ok name.makefile-target ||
	bad name.makefile-target "rc=$rc"
if gen saxpy reference "$W/named" --name my_saxpy2 >/dev/null 2>&1 && build "$W/named" &&
   (cd "$W/named" && ./my_saxpy2 --selftest | grep -q '^selftest: PASS'); then
	ok name.custom
else
	bad name.custom
fi
gen saxpy spv "$W/noout" >/dev/null 2>&1 </dev/null
"$VY" launcher samples/saxpy.yaml -t spv --lang c >/dev/null 2>&1; rc=$?
[ $rc = 2 ] && ok missing-o || bad missing-o "rc=$rc"

# --in/--out: byte-identical to `vyrec run` (.npy and raw), and a round trip.
R=$W/io; mkdir -p "$R"
ARGS='--param a=2 --param n=1000 --in x=random:7:-2:2 --in y=iota'
"$VY" run samples/saxpy.yaml --backend reference $ARGS --out y="$R/ref.npy" --out x="$R/ref.bin" >/dev/null 2>&1
for t in reference spv; do
	[ $t = spv ] && [ $vulkan_ok = 0 ] && { skip "io.$t" "no Vulkan device"; continue; }
	(cd "$W/saxpy.$t" && ./saxpy $ARGS --out y="$R/$t.npy" --out x="$R/$t.bin") >/dev/null 2>&1
	if cmp -s "$R/ref.npy" "$R/$t.npy" && cmp -s "$R/ref.bin" "$R/$t.bin"; then ok "io.matches-vyrec-run.$t"; else bad "io.matches-vyrec-run.$t"; fi
	# a = 0: y = 0 * x + y, so y comes back unchanged through .npy and raw
	(cd "$W/saxpy.$t" && ./saxpy --param a=0 --param n=1000 --in x="$R/ref.bin" --in y="$R/$t.npy" \
		--out y="$R/$t.rt.npy") >/dev/null 2>&1
	if cmp -s "$R/$t.npy" "$R/$t.rt.npy"; then ok "io.roundtrip.$t"; else bad "io.roundtrip.$t"; fi
done
p=$(cd "$W/saxpy.reference" && ./saxpy --param a=2 --param n=4 --in x=iota --in y=const:0.5 --print y)
[ "$p" = "0.5 2.5 4.5 6.5" ] && ok io.print || bad io.print "$p"
h=$(cd "$W/histogram.reference" && ./histogram --param n=512 --in data=iota --print bins | tr ' ' '\n' | sort -u | tr '\n' ' ')
[ "$h" = "2 " ] && ok io.histogram-iota || bad io.histogram-iota "$h"

# Exit codes and messages of the generated program.
L=$W/saxpy.reference
ex() { want=$1 name=$2; shift 2; (cd "$L" && ./saxpy "$@") >"$W/ex.out" 2>&1; rc=$?
       if [ $rc = "$want" ]; then ok "exit.$name"; else bad "exit.$name" "rc=$rc want $want: $(head -2 "$W/ex.out" | tr '\n' ' ')"; fi; }
ex 2 unknown-option --frobnicate
ex 2 bad-param-value --param n=-1
ex 2 unknown-param --param q=1
ex 2 unknown-buffer --in z=zeros
ex 2 missing-value --param
ex 2 print-unknown --print nope
ex 2 selftest-with-param --selftest --param n=4
ex 1 missing-file --in x=/nonexistent.npy
grep -q '^Fix: ' "$W/ex.out" && ok exit.missing-file.fix || bad exit.missing-file.fix
ex 1 size-mismatch --param n=10 --in x="$R/ref.npy"
ex 1 bad-generator --in x=random:-1
ex 1 zero-count --param n=0
grep -q '^Fix: ' "$W/ex.out" && ok exit.zero-count.fix || bad exit.zero-count.fix
ex 0 help --help
echo "not npy" > "$W/bad.npy"
ex 1 not-npy --in x="$W/bad.npy"
"$VY" run samples/saxpy.yaml --backend reference --param n=1000 --in x=iota --out x="$W/i4.npy" >/dev/null 2>&1
"$VY" run samples/histogram.yaml --backend reference --param n=1000 --in data=iota --out data="$W/u4.npy" >/dev/null 2>&1
ex 1 npy-dtype --param n=1000 --in x="$W/u4.npy"
grep -q 'dtype' "$W/ex.out" && ok exit.npy-dtype.message || bad exit.npy-dtype.message

# --bench prints a median and GB/s.
b=$(cd "$L" && ./saxpy --bench 5 2>&1)
echo "$b" | grep -q '^bench: 5 dispatches, median [0-9.]* ms ([^)]*), [0-9.]* GB/s ([0-9]* bytes moved)' && ok bench.output || bad bench.output "$b"
# --bench --json: bytes moved by access (saxpy: x read_only once, y
# read_write twice: 12 bytes an element), the grid and the timer.
b=$(cd "$L" && ./saxpy --param n=1000 --bench 5 --json 2>&1)
if echo "$b" | python3 -c 'import json,sys; d=json.load(sys.stdin); sys.exit(not (d["bytes_moved"] == 12000 and d["dispatches"] == 5 and d["grid"] == [4, 1, 1] and d["median_ms"] > 0 and d["timer"] == "wall clock"))'; then
	ok bench.json.bytes-moved
else
	bad bench.json.bytes-moved "$b"
fi
ex 2 json-without-bench --json

# vyrec launcher --bench adds a `make bench` target.
if gen saxpy reference "$W/wb" --bench >/dev/null 2>&1 && build "$W/wb" &&
   make -s -C "$W/wb" bench CFLAGS="$STRICT" 2>&1 | grep -q '^bench: 100 dispatches' &&
   ! grep -q '^bench:' "$W/saxpy.reference/Makefile"; then
	ok with-bench
else
	bad with-bench
fi

# --selftest-param overrides a default self-test size, still PASS.
if gen saxpy reference "$W/stp" --selftest-param n=300 --selftest-param a=-0.25 >/dev/null 2>&1 &&
   grep -q '| `n` | u32 | 300 |' "$W/stp/README.md" && build "$W/stp" &&
   (cd "$W/stp" && ./saxpy --selftest | grep -q '^selftest: PASS'); then
	ok selftest-param
else
	bad selftest-param
fi
gen saxpy reference "$W/stp2" --selftest-param nope=3 >/dev/null 2>&1; rc=$?
[ $rc = 2 ] && [ ! -e "$W/stp2" ] && ok selftest-param.unknown || bad selftest-param.unknown "rc=$rc"

# --template-dir replaces the embedded templates.
cp -R templates "$W/tdir"
sed -i '1s/.*/# custom {{md:name}}/' "$W/tdir/c/README.md.mustache"
if gen saxpy spv "$W/tpl" --template-dir "$W/tdir" >/dev/null 2>&1 && [ "$(head -1 "$W/tpl/README.md")" = "# custom saxpy" ] &&
   cmp -s "$W/tpl/src/main.c" templates/c/src/main.c; then
	ok template-dir
else
	bad template-dir
fi
gen saxpy spv "$W/tpl2" --template-dir "$W/nonexistent" >/dev/null 2>&1; rc=$?
[ $rc != 0 ] && [ ! -e "$W/tpl2" ] && ok template-dir.missing || bad template-dir.missing "rc=$rc"

# A program whose sizes use division, shifts, select and min/max: the
# launch-time expressions printed into program.c agree with vyrec.
cat > "$W/sizes.yaml" <<'EOF'
vyrec: 1
name: sizes
workgroup_size: [64]
params: {n: u32, k: i32}
buffers:
  a: {type: u32, count: "max(n / 3u, 1u) + (n >> 2u) % 5u", access: read_only}
  b: {type: i32, count: "u32(k < 0 ? -k : k) * 2u + min(n, 7u)", access: write_only}
dispatch: ["len(b) + (n << 1u) / 4u"]
entry:
  - let i = gid.x
  - if: i < len(b)
    then:
      - "b[i] = i32(i) * k + (i < len(a) ? i32(a[i]) : 0)"
EOF
for t in reference spv; do
	[ $t = spv ] && [ $vulkan_ok = 0 ] && { skip "sizes.selftest.$t" "no Vulkan device"; continue; }
	if "$VY" launcher "$W/sizes.yaml" -t $t --lang c -o "$W/sizes.$t" --selftest-param n=1001 --selftest-param k=-37 >/dev/null 2>&1 &&
	   build "$W/sizes.$t" && (cd "$W/sizes.$t" && ./sizes --selftest | grep -q '^selftest: PASS'); then
		ok "sizes.selftest.$t"
	else
		bad "sizes.selftest.$t"
	fi
done
for nk in 0:5 1:-100000 4096:123 77:-1; do
	n=${nk%:*}; k=${nk#*:}
	"$VY" run "$W/sizes.yaml" --backend reference --param n=$n --param k=$k --in a=iota --out b="$W/s.ref.bin" >/dev/null 2>&1; r1=$?
	(cd "$W/sizes.reference" && ./sizes --param n=$n --param k=$k --in a=iota --out b="$W/s.l.bin") >/dev/null 2>&1; r2=$?
	if [ $r1 = 0 ] && [ $r2 = 0 ] && cmp -s "$W/s.ref.bin" "$W/s.l.bin"; then ok "sizes.n=$n.k=$k"
	elif [ $r1 != 0 ] && [ $r2 = 1 ]; then ok "sizes.n=$n.k=$k (both refuse)"
	else bad "sizes.n=$n.k=$k" "vyrec rc=$r1 launcher rc=$r2"; fi
done

# The library API (saxpy.h, libsaxpy.a), three runs in one process: each
# run's params reach the kernel (the spv driver re-records its push
# constants per dispatch), with new data, and with a smaller then a larger
# count (device memory kept, then grown); on the VM and (where `vyrec
# backends` finds a Vulkan device) on lavapipe, mapped and staged.
cat > "$W/twice.c" <<'EOC'
#include <stdio.h>
#include <string.h>
#include "saxpy.h"
static float x[3000], y[3000], base[3000];
static int check(float a, size_t n, const char *what)
{
	for (size_t i = 0; i < n; i++)
		if (y[i] != a * x[i] + base[i]) {
			printf("FAIL %s: y[%zu] = %g, want %g\n", what, i, y[i], a * x[i] + base[i]);
			return 1;
		}
	return 0;
}
static int run(struct saxpy *k, float a, uint32_t n, float y0, const char *what)
{
	struct saxpy_params p = { a, n };
	struct saxpy_buffers b = { x, n, y, n };
	for (uint32_t i = 0; i < n; i++)
		x[i] = (float)i + y0, y[i] = base[i] = y0;
	if (saxpy_run(k, &p, &b))
		return printf("FAIL %s: %s\n", what, saxpy_error(k)), 1;
	return check(a, n, what);
}
int main(void)
{
	struct saxpy *k = saxpy_open(-1);
	if (!k)
		return printf("FAIL open: %s\n", saxpy_error(NULL)), 1;
	if (run(k, 2.0f, 1000, 1.0f, "first run") ||
	    run(k, 3.0f, 1000, 0.5f, "second run, new params and data") ||
	    run(k, 0.5f, 300, 2.0f, "third run, a smaller count") ||
	    run(k, -1.0f, 3000, 4.0f, "fourth run, a larger count"))
		return 1;
	saxpy_close(k);
	printf("PASS\n");
	return 0;
}
EOC
vk_dev=0
"$VY" backends 2>/dev/null | grep -q '^vulkan .* ok: ' && vk_dev=1
for t in reference spv; do
	if [ $t = spv ] && [ $vk_dev = 0 ]; then skip "twice.$t" "no Vulkan device (vyrec backends)"; continue; fi
	d=$W/saxpy.$t
	[ -d "$d" ] || { gen saxpy $t "$d" >/dev/null 2>&1 && build "$d"; }
	if ! cc -std=c11 -O1 -Wall -Wextra -Werror -I"$d/src" -o "$W/twice.$t" "$W/twice.c" "$d/libsaxpy.a" -ldl -lm > "$W/twice.$t.log" 2>&1; then
		bad "twice.$t" "build: $(head -2 "$W/twice.$t.log" | tr '\n' ' ')"; continue
	fi
	for mem in "" staging; do
		out=$(VYREC_VK_MEMORY=$mem "$W/twice.$t" 2>&1)
		case $out in PASS*) ok "twice.$t${mem:+.$mem}";; *) bad "twice.$t${mem:+.$mem}" "$out";; esac
		[ $t = reference ] && break
	done
done

# A grid past maxComputeWorkGroupCount (lavapipe: 65535): 200000
# workgroups of 1 split into vkCmdDispatchBase parts; gid and wgid stay
# global, so the output equals the reference's.
cat > "$W/big.yaml" <<'EOY'
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
EOY
if [ $vk_dev = 0 ]; then
	skip big-grid.spv "no Vulkan device (vyrec backends)"
elif "$VY" launcher "$W/big.yaml" -t spv --lang c -o "$W/big.spv" >/dev/null 2>&1 && build "$W/big.spv" &&
   "$VY" run "$W/big.yaml" --backend reference --param n=200000 --out y="$W/big.ref.y.bin" --out w="$W/big.ref.w.bin" >/dev/null 2>&1 &&
   (cd "$W/big.spv" && ./big --param n=200000 --out y="$W/big.y.bin" --out w="$W/big.w.bin") >"$W/big.log" 2>&1 &&
   cmp -s "$W/big.ref.y.bin" "$W/big.y.bin" && cmp -s "$W/big.ref.w.bin" "$W/big.w.bin"; then
	ok big-grid.spv
else
	bad big-grid.spv "$(head -2 "$W/big.log" | tr '\n' ' ')"
fi
# a kernel that reads nwg is not split (NumWorkgroups would be one part's)
sed 's/wgid.x$/nwg.x/' "$W/big.yaml" | sed 's/^name: big$/name: bignwg/' > "$W/bignwg.yaml"
if [ $vk_dev = 0 ]; then
	skip big-grid-nwg.spv "no Vulkan device (vyrec backends)"
elif "$VY" launcher "$W/bignwg.yaml" -t spv --lang c -o "$W/bignwg.spv" >/dev/null 2>&1 && build "$W/bignwg.spv"; then
	(cd "$W/bignwg.spv" && ./bignwg --param n=200000) > "$W/bignwg.log" 2>&1
	rc=$?
	if [ $rc = 1 ] && grep -q 'reads nwg' "$W/bignwg.log" && grep -q '^Fix: ' "$W/bignwg.log" &&
	   "$VY" run "$W/bignwg.yaml" --backend reference --param n=1000 --out w="$W/bignwg.ref.bin" >/dev/null 2>&1 &&
	   (cd "$W/bignwg.spv" && ./bignwg --param n=1000 --out w="$W/bignwg.l.bin") >/dev/null 2>&1 &&
	   cmp -s "$W/bignwg.ref.bin" "$W/bignwg.l.bin"; then
		ok big-grid-nwg.spv
	else
		bad big-grid-nwg.spv "rc=$rc $(head -2 "$W/bignwg.log" | tr '\n' ' ')"
	fi
else
	bad big-grid-nwg.spv "generation or build failed"
fi

# ---- element types (SPEC §10.1, issues #13, #16): vector, 64-bit and
# storage-type buffers and params.  Three programs beside the samples: the
# 64-bit integers and an f64 param after u32 ones (8-byte param alignment),
# x3 vectors (12 bytes on the host, 16 on the device) and u32x2, and the
# narrow storage types; each is generated, built and self-tested on the
# reference VM and lavapipe, its ptx project built; then every type sample
# and these run with other params and inputs and their .npy/.bin outputs
# are compared element by element (byte for byte) with `vyrec run`.
TP=$W/types
mkdir -p "$TP"
cat > "$TP/w64.yaml" <<'YAML'
vyrec: 1
name: w64
description: 64-bit integer buffers and params, 64-bit params after u32 ones
workgroup_size: [64]
params: {n: u32, k: i64, m: u32, s: u64, a: f64}
buffers:
  x: {type: i64, count: n, access: read_only}
  q: {type: u64, count: n, access: read_write}
  y: {type: i64, count: n, access: write_only}
  z: {type: f64, count: n, access: write_only}
entry:
  - let i = gid.x
  - if: i < n
    then:
      - y[i] = x[i] * k + i64(m)
      - q[i] = q[i] + s
      - z[i] = f64(x[i]) * a
YAML
cat > "$TP/vec3.yaml" <<'YAML'
vyrec: 1
name: vec3
description: x3 vectors and a u32x2 buffer
workgroup_size: [64]
params: {n: u32}
buffers:
  p: {type: f32x3, count: n, access: read_only}
  q: {type: i32x3, count: n, access: read_write}
  r: {type: f32x3, count: n, access: write_only}
  t: {type: u32x2, count: n, access: read_write}
entry:
  - let i = gid.x
  - if: i < n
    then:
      - r[i] = p[i] + p[i]
      - q[i] = q[i] + q[i]
      - t[i] = t[i] + t[i]
YAML
cat > "$TP/narrow.yaml" <<'YAML'
vyrec: 1
name: narrow
description: i8, u16 and i16 storage buffers (loads widen, stores narrow)
workgroup_size: [64]
params: {n: u32}
buffers:
  a: {type: i8, count: n, access: read_only}
  b: {type: u16, count: n, access: read_write}
  c: {type: i16, count: n, access: write_only}
entry:
  - let i = gid.x
  - if: i < n
    then:
      - c[i] = a[i] * 300
      - b[i] = b[i] + 40000u
YAML
for s in w64 vec3 narrow; do
	for t in reference spv ptx; do
		d=$TP/$s.$t
		if ! "$VY" launcher "$TP/$s.yaml" -t $t --lang c -o "$d" >"$d.gen.log" 2>&1; then
			bad "types.$s.$t.generate" "$(tail -1 "$d.gen.log")"; continue
		fi
		build "$d" || { bad "types.$s.$t.build" "$(head -3 "$d.build.log" | tr '\n' ' ')"; continue; }
		ok "types.$s.$t.build"
		[ $t = ptx ] && continue
		[ $t = spv ] && [ $vulkan_ok = 0 ] && { skip "types.$s.spv.selftest" "no Vulkan device"; continue; }
		out=$(cd "$d" && "./$s" --selftest 2>&1); rc=$?
		[ $rc = 0 ] && [ "${out#selftest: PASS}" != "$out" ] && ok "types.$s.$t.selftest" ||
			bad "types.$s.$t.selftest" "rc=$rc: $out"
	done
done

# same_as_run NAME DIR BACKEND ARGS... -- OUTS...: the launcher in DIR and
# `vyrec run -b BACKEND` with ARGS (params, --in) write each OUT (BUF=FILE
# under $TP/l. and $TP/r.); every file must be the same bytes.
same_as_run() {
	n=$1 d=$2 be=$3; shift 3
	args=; outs=; lo=; ro=
	while [ "$1" != -- ]; do args="$args $1"; shift; done; shift
	for o in "$@"; do lo="$lo --out ${o%%=*}=$TP/l.$n.${o#*=}"; ro="$ro --out ${o%%=*}=$TP/r.$n.${o#*=}"; outs="$outs ${o#*=}"; done
	rm -f "$TP"/l."$n".* "$TP"/r."$n".*
	# shellcheck disable=SC2086
	(cd "$d" && "./$(basename "${d%.*}")" $args $lo) >"$TP/l.$n.log" 2>&1 || { bad "types.same.$n" "launcher: $(tail -1 "$TP/l.$n.log")"; return; }
	# shellcheck disable=SC2086
	"$VY" run "$SRC" -b "$be" $args $ro >"$TP/r.$n.log" 2>&1 || { bad "types.same.$n" "vyrec run: $(tail -1 "$TP/r.$n.log")"; return; }
	for f in $outs; do
		cmp -s "$TP/l.$n.$f" "$TP/r.$n.$f" || { bad "types.same.$n" "$f differs from vyrec run's"; return; }
	done
	ok "types.same.$n"
}
for t in reference spv; do
	be=$t; [ $t = spv ] && be=vulkan
	[ $t = spv ] && [ $vulkan_ok = 0 ] && { skip "types.same.$t" "no Vulkan device"; continue; }
	SRC=$TP/w64.yaml same_as_run "w64.$t" "$TP/w64.$t" $be --param n=100 --param k=-3 --param m=7 \
		--param s=18446744073709551000 --param a=0.1 --in x=random:5:-1000000:1000000 --in q=iota -- \
		y=y.npy q=q.npy z=z.bin
	SRC=$TP/vec3.yaml same_as_run "vec3.$t" "$TP/vec3.$t" $be --param n=33 --in p=random:3 --in q=random:4 \
		--in t=iota -- r=r.npy q=q.npy t=t.bin
	SRC=$TP/narrow.yaml same_as_run "narrow.$t" "$TP/narrow.$t" $be --param n=77 --in a=random:9 \
		--in b=random:2:0:65535 -- b=b.npy c=c.npy
	for c in "vecadd4 --param n=300 --in x=random:1 --in y=iota -- z=z.npy" \
		 "saxpy4 --param n=129 --param a=-2.5 --in x=random:7 --in y=random:8 -- y=y.npy" \
		 "dot_f64 --param n=1000 --in x=random:3 --in y=random:4:-10:10 -- partial=p.npy" \
		 "widen_bf16 --param n=500 --param scale=3 --in w=random:6 -- wide=w.npy scaled=s.npy" \
		 "brightness --param n=250 --param gain=1.7 --in src=random:11 -- dst=d.npy" \
		 "axpy_f16 --param n=300 --param a=-1.375 --in x=random:3 --in y=random:4:-100:100 -- y=y.npy"; do
		s=${c%% *}
		# shellcheck disable=SC2086
		SRC=samples/$s.yaml same_as_run "$s.$t" "$W/$s.$t" $be ${c#* }
	done
	# f16 text: --param and const: rounded to f16 once, --print as vyrec prints it
	a="--param n=40 --param a=0.1 --in x=iota --in y=const:-1e-6"
	# shellcheck disable=SC2086
	ref=$("$VY" run samples/axpy_f16.yaml -b "$be" $a --print y 2>&1 | sed 's/^y: //')
	# shellcheck disable=SC2086
	got=$(cd "$W/axpy_f16.$t" && ./axpy_f16 $a --print y 2>&1)
	[ -n "$ref" ] && [ "$ref" = "$got" ] && ok "types.f16-print.$t" || bad "types.f16-print.$t" "got '$got', vyrec '$ref'"
done

# The .npy files of a vector buffer have shape (n, N) and the element dtype;
# --describe names the vector type; --bench counts each buffer's own bytes.
if grep -q "'descr': '<f4', 'fortran_order': False, 'shape': (33, 3)" "$TP/l.vec3.reference.r.npy" 2>/dev/null &&
   grep -q "'descr': '<u2', 'fortran_order': False, 'shape': (77,)" "$TP/l.narrow.reference.b.npy" 2>/dev/null; then
	ok types.npy-shapes
else
	bad types.npy-shapes "$(head -c 80 "$TP/l.vec3.reference.r.npy" 2>&1)"
fi
out=$(cd "$W/vecadd4.reference" && ./vecadd4 --describe 2>&1)
echo "$out" | grep -q '^  x: f32x4, read_only' && ok types.describe || bad types.describe "$out"
out=$(cd "$W/vecadd4.reference" && ./vecadd4 --bench 2 --json 2>&1)
# 1024 f32x4 elements in x and y read and z written: 3 * 16 * 1024 bytes
echo "$out" | grep -q '"bytes_moved": 49152,' && ok types.bench-bytes || bad types.bench-bytes "$out"
out=$(cd "$TP/narrow.reference" && ./narrow --bench 2 --json 2>&1)
# 256 elements: a (1 byte) read, b (2) read and written, c (2) written
echo "$out" | grep -q '"bytes_moved": 1792,' && ok types.bench-bytes-narrow || bad types.bench-bytes-narrow "$out"
# a wrong dtype is named, with the buffer's
(cd "$TP/narrow.reference" && ./narrow --param n=77 --in a="$TP/l.narrow.reference.b.npy") >"$TP/dt.log" 2>&1; rc=$?
[ $rc = 1 ] && grep -q "dtype '<u2' does not match the buffer's i8 ('|i1')" "$TP/dt.log" && ok types.npy-dtype ||
	bad types.npy-dtype "rc=$rc $(head -1 "$TP/dt.log")"
# a 64-bit param out of its range is a usage error
(cd "$TP/w64.reference" && ./w64 --param k=9223372036854775808) >"$TP/k.log" 2>&1; rc=$?
[ $rc = 2 ] && grep -q "is not a valid i64 for param 'k'" "$TP/k.log" && ok types.param-range ||
	bad types.param-range "rc=$rc $(head -1 "$TP/k.log")"
# a planted wrong f64 (an ulp beyond the tolerance) and a wrong u16 fail the self-test
for c in w64.reference:z:8 narrow.reference:b:2; do
	d=$TP/plant.${c%%:*}; b=${c#*:}; b=${b%%:*}; s=${c%%.*}
	rm -rf "$d"; cp -R "$TP/${c%%:*}" "$d"; make -s -C "$d" clean >/dev/null
	perl -0pi -e 's/(expected_'"$b"'\[\d+\] = \{\n\t0x)([0-9a-f])/$1.sprintf("%x", hex($2) ^ 4)/e' "$d/src/program.c"
	build "$d" || { bad "types.planted.$s" "build failed"; continue; }
	out=$(cd "$d" && "./$s" --selftest 2>&1); rc=$?
	[ $rc = 3 ] && echo "$out" | grep -q "^selftest: FAIL.* $b\[0\]: got" && ok "types.planted.$s" ||
		bad "types.planted.$s" "rc=$rc: $out"
done
# --selftest-in embeds a storage-type input as its bytes
d=$TP/narrow.in
if "$VY" launcher "$TP/narrow.yaml" -t reference --lang c -o "$d" --selftest-in a=random:3:-100:100 >"$d.gen.log" 2>&1 &&
   build "$d" && grep -q 'input_a\[256\]' "$d/src/program.c" && out=$(cd "$d" && ./narrow --selftest 2>&1) &&
   [ "${out#selftest: PASS}" != "$out" ]; then
	ok types.selftest-in
else
	bad types.selftest-in "$(tail -1 "$d.gen.log") $out"
fi
# a device without the feature the types need: an error naming it, with a Fix
if [ $vulkan_ok = 1 ]; then
	for c in w64:shaderInt64 narrow:storageBuffer16BitAccess brightness:storageBuffer8BitAccess dot_f64:shaderFloat64 \
		 axpy_f16:shaderFloat16; do
		s=${c%%:*} f=${c#*:}
		d=$TP/$s.spv; [ -d "$d" ] || d=$W/$s.spv
		out=$(cd "$d" && VYREC_VK_DISABLE=$f "./$s" --selftest 2>&1); rc=$?
		[ $rc = 1 ] && echo "$out" | grep -q "lacks $f" && echo "$out" | grep -q '^Fix: ' &&
			ok "types.feature.$f" || bad "types.feature.$f" "rc=$rc: $out"
	done
else
	skip types.feature "no Vulkan device"
fi

# The driver constants declared in the generated sources are the SDKs'.
vk_h=/usr/include/vulkan/vulkan_core.h
if [ -f "$vk_h" ]; then
	{ echo '#include <vulkan/vulkan.h>'
	  sed -n 's/^\t\(VK_[A-Z0-9_]*\) = \([0-9a-fx]*\),$/_Static_assert(\1 == \2, "\1");/p' templates/c/src/drv_spv.c
	  echo 'int main(void) { return 0; }'; } > "$W/vkconst.c"
	sed -n 's/^\tOFF_\([A-Z0-9_]*\) = \([0-9]*\),$/\1 \2/p' templates/c/src/drv_spv.c | while read -r f off; do
		c=$(echo "$f" | awk -F_ '{ s = tolower($1); for (i = 2; i <= NF; i++) s = s toupper(substr($i, 1, 1)) tolower(substr($i, 2)); print s }')
		echo "_Static_assert(offsetof(VkPhysicalDeviceProperties, limits.$c) == $off, \"$f\");"
	done >> "$W/vkconst.c"
	echo '_Static_assert(offsetof(VkPhysicalDeviceFeatures, shaderFloat64) == 4 * 39, "shaderFloat64");' >> "$W/vkconst.c"
	echo '_Static_assert(offsetof(VkPhysicalDeviceFeatures, shaderInt64) == 4 * 40, "shaderInt64");' >> "$W/vkconst.c"
	sed -i '1i #include <stddef.h>' "$W/vkconst.c"
	grep -q 'limits.timestampPeriod) == 720' "$W/vkconst.c" || echo '#error the OFF_ offsets were not found' >> "$W/vkconst.c"
	n=$(grep -c _Static_assert "$W/vkconst.c")
	if [ "$n" -gt 20 ] && cc -std=c11 -fsyntax-only "$W/vkconst.c" 2>"$W/vkconst.err"; then ok "vulkan-constants ($n)"
	else bad vulkan-constants "$(head -2 "$W/vkconst.err")"; fi
else
	skip vulkan-constants "no vulkan_core.h"
fi
cuda_h=$(ls ${CUDA_HOME:+$CUDA_HOME/include/cuda.h} /usr/local/cuda*/include/cuda.h /usr/include/cuda.h 2>/dev/null | head -1)
if [ -n "$cuda_h" ]; then
	{ echo '#include <cuda.h>'
	  sed -n 's/^\t\(CU[A-Z0-9_]*\) = \([0-9a-fx]*\),$/_Static_assert(\1 == \2, "\1");/p' templates/c/src/drv_ptx.c
	  echo 'int main(void) { return 0; }'; } > "$W/cuconst.c"
	if cc -std=c11 -fsyntax-only -I"$(dirname "$cuda_h")" "$W/cuconst.c" 2>"$W/cuconst.err"; then ok cuda-constants
	else bad cuda-constants "$(head -2 "$W/cuconst.err")"; fi
else
	skip cuda-constants "no cuda.h: install the CUDA toolkit (Debian: nvidia-cuda-dev, non-free; .ci/run does)"
fi
