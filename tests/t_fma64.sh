#!/bin/sh
# t_fma64: the exact f32 fma bit for bit against C's fmaf on 300 000
# operand triples (tests/fma64/gen.c: every triple of 30 edge values, the
# double-rounding cases of the f64 lowering on both sides of normal and
# denormal midpoints and at the overflow threshold, cancellations, random
# bits), through each spv lowering lavapipe runs (VYREC_VK_FMA=f64 and
# emulate), glsl, and the reference VM; and the f64 lowering's size.
. tests/lib.sh
O=tests/out/t_fma64; mkdir -p $O
N=300000
if ! cc -std=c11 -O1 -ffp-contract=off -o $O/gen tests/fma64/gen.c -lm > $O/cc.log 2>&1 ||
   ! cc -std=c11 -O1 -o $O/cmp tests/fma64/cmp.c -lm >> $O/cc.log 2>&1; then
	bad fma64_oracle_builds "$(head -2 $O/cc.log | tr '\n' ' ')"; exit 0
fi
P=$($O/gen $O $N) && ok fma64_oracle || bad fma64_oracle
prog=tests/fma64/fma64.yaml
ins="--in a=$O/a.bin --in b=$O/b.bin --in c=$O/c.bin"
# run NAME ENV...: run on the vulkan backend (or reference for NAME=ref)
# and compare r, s and q with fmaf
cmp3() {
	n=$1; for o in r s q; do
		if $O/cmp $O/$o.want $O/$o.$n $O/a.bin $O/b.bin $O/c.bin > $O/cmp.$n.$o.log 2>&1; then
			ok fma64_${n}_$o
		else
			bad fma64_${n}_$o "$(head -2 $O/cmp.$n.$o.log | tr '\n' ' ') $(tail -1 $O/cmp.$n.$o.log)"
		fi
	done
}
outs() { echo "--out r=$O/r.$1 --out s=$O/s.$1 --out q=$O/q.$1"; }
$VYREC run $prog --backend reference --param n=$N --param p=$P $ins $(outs ref) > $O/ref.log 2>&1
cmp3 ref
if have_backend vulkan; then
	for m in f64 emulate; do
		VYREC_VK_FMA=$m $VYREC run $prog --backend vulkan --param n=$N --param p=$P $ins $(outs $m) \
			--bench 1 > $O/$m.log 2>&1
		if grep -q "fma $m)" $O/$m.log; then ok fma64_${m}_mode; else bad fma64_${m}_mode "$(tail -1 $O/$m.log)"; fi
		cmp3 $m
	done
	if command -v glslangValidator > /dev/null &&
	   $VYREC build $prog -t glsl -o $O/f.comp > $O/gl.log 2>&1 &&
	   glslangValidator -V --target-env vulkan1.1 -o $O/f.gl.spv $O/f.comp >> $O/gl.log 2>&1; then
		VYREC_SPV_OVERRIDE=$O/f.gl.spv $VYREC run $prog --backend vulkan --param n=$N --param p=$P \
			$ins $(outs glsl) >> $O/gl.log 2>&1
		cmp3 glsl
	else
		bad fma64_glsl "$(tail -2 $O/gl.log | tr '\n' ' ')"
	fi
else
	bad fma64_vulkan "no vulkan device (lavapipe comes with make deps)"
fi
# the f64 lowering: one f64 Fma, the round-to-odd fix-up behind two
# branches (a possible midpoint: the sum's low 28 bits zero; then an
# inexact sum), at most 3 widenings and 1 narrowing an Fma (the three
# fmas share one vy_fma function, or inline share their widenings)
$VYREC build $prog -t spv --fma-mode f64 --emit-asm -o $O/f64.spvasm > $O/b.log 2>&1
nf=$(grep -c ' Fma ' $O/f64.spvasm) ncv=$(grep -c ' = OpFConvert ' $O/f64.spvasm)
if [ "$nf" -ge 1 ] && [ "$ncv" -le $((4 * nf)) ] &&
   [ "$(grep -c 'OpSelectionMerge .* DontFlatten' $O/f64.spvasm)" = $((2 * nf)) ]; then
	ok fma64_f64_structure
else
	bad fma64_f64_structure "$ncv FConvert, $nf Fma"
fi
$VYREC build samples/saxpy.yaml -t spv -O2 --fma-mode f64 --emit-asm -o $O/saxpy.spvasm > $O/b.log 2>&1
# the common path: from the first widening to the narrowing
hot=$(awk '/OpFConvert %double/ && !s {s=1} s && /OpBranchConditional/ {b=1} s && !b {n++}
	/OpPhi %double/ {p=1} p && /OpFConvert %float/ {print n + 3; exit}' $O/saxpy.spvasm)
if [ -n "$hot" ] && [ "$hot" -le 12 ] && [ "$(grep -c ' = OpFConvert ' $O/saxpy.spvasm)" = 4 ]; then
	ok fma64_saxpy_common_path
else
	bad fma64_saxpy_common_path "common path '$hot' instructions (<= 12 wanted)"
fi
# cmp's ftz mode (tests/gpu/run.sh on a Vulkan driver, SPEC §1.8): a
# result with a denormal operand flushed passes, a wrong one still fails,
# and without ftz the flushed one fails
python3 - "$O" <<'PY'
import struct, sys
o = sys.argv[1]
w = lambda n, v: open(f"{o}/ftz.{n}", "wb").write(struct.pack(f"<{len(v)}I", *v))
# fma(0, 0, 2^-149) = 2^-149 (flushed: 0); fma(2^-126, 1, 2^-149) = 2^-126 + 2^-149
# (c flushed: 2^-126); fma(1, 1, 1) = 2
w("a", [0, 0x00800000, 0x3f800000]); w("b", [0, 0x3f800000, 0x3f800000])
w("c", [1, 1, 0x3f800000]); w("want", [1, 0x00800001, 0x40000000])
w("flush", [0, 0x00800000, 0x40000000]); w("wrong", [0, 0x00800000, 0x40000001])
PY
f="$O/ftz.a $O/ftz.b $O/ftz.c"
if $O/cmp $O/ftz.want $O/ftz.flush $f ftz abc 0 > $O/ftz1.log 2>&1 && grep -q "(2 more" $O/ftz1.log &&
   ! $O/cmp $O/ftz.want $O/ftz.flush $f > $O/ftz2.log 2>&1 &&
   ! $O/cmp $O/ftz.want $O/ftz.wrong $f ftz abc 0 > $O/ftz3.log 2>&1; then
	ok fma64_cmp_ftz
else
	bad fma64_cmp_ftz "$(cat $O/ftz1.log $O/ftz2.log $O/ftz3.log | tr '\n' ' ')"
fi
