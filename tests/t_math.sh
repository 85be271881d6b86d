#!/bin/sh
# tests/t_math.sh: the SPEC §10.2 math ops (atan atan2 asin acos sinh cosh
# log10 log1p expm1 erf fmod copysign hypot isnan isinf isfinite), each a
# straight-line program of exact core ops (src/mathlib.c) that every target
# lowers op by op.  Checked here:
#   - tests/corpus/math_sweep.yaml (2^16 operands over the float range) on
#     the reference against Python's math (tests/math/check.py, independent
#     of the VM) within the vyrec_ops.def bounds, fmod and copysign exact;
#   - the same program's bits on spv (lavapipe), spv --fast-math, and glsl
#     (glslangValidator's SPIR-V run through the vulkan backend) identical
#     to the reference's; ptx assembled by ptxas for sm_80 and sm_90, and
#     no native transcendental instruction in any target's output;
#   - edge operands (denormals, ±0, inf, NaN, the branch points of each
#     algorithm) on the reference against the oracle, and on lavapipe;
#   - constant folding (-O1 of literal operands) and launch-time sizes give
#     the program's bits; `vyrec ops` lists the bounds; bad operand types
#     are reported.
# tests/corpus/math_exact.yaml (C's exact cases) runs in t_vm.sh and, with
# math_sweep, on the GPU in tests/gpu/run.sh.
cd "$(dirname "$0")/.." || exit 2
. tests/lib.sh
O=tests/out/math
rm -rf "$O"
mkdir -p "$O"
SW=tests/corpus/math_sweep.yaml

# ---- the sweep: reference against the oracle ----
if $VYREC run $SW --backend reference --out out=$O/ref.bin > $O/ref.log 2>&1; then
	python3 tests/math/check.py sweep $O/ref.bin
else
	bad math_sweep_reference "$(head -2 $O/ref.log | tr '\n' ' ')"
fi

# ---- the sweep's bits on the other targets ----
same_bits() {   # NAME FILE LOG: FILE has the reference's bytes
	if [ ! -s "$2" ]; then
		bad "$1" "no output: $(head -2 "$3" | tr '\n' ' ')"
	elif cmp -s $O/ref.bin "$2"; then
		ok "$1"
	else
		bad "$1" "$(cmp $O/ref.bin "$2" | head -1)"
	fi
}
if have_backend vulkan; then
	$VYREC run $SW --backend vulkan --out out=$O/spv.bin > $O/spv.log 2>&1
	same_bits math_sweep_spv_lavapipe_bits $O/spv.bin $O/spv.log
	$VYREC run $SW --backend vulkan --fast-math --out out=$O/fast.bin > $O/fast.log 2>&1
	same_bits math_sweep_spv_fast_math_bits $O/fast.bin $O/fast.log
	if $VYREC build $SW --target glsl -o $O/sweep.comp > $O/glsl.log 2>&1 &&
	   glslangValidator -V --target-env vulkan1.1 -o $O/sweep_glsl.spv $O/sweep.comp \
		>> $O/glsl.log 2>&1; then
		VYREC_SPV_OVERRIDE=$O/sweep_glsl.spv $VYREC run $SW --backend vulkan \
			--out out=$O/glsl.bin >> $O/glsl.log 2>&1
		same_bits math_sweep_glsl_bits $O/glsl.bin $O/glsl.log
	else
		bad math_sweep_glsl_bits "$(tail -3 $O/glsl.log | tr '\n' ' ')"
	fi
	if $VYREC verify $SW --backends vulkan > $O/verify.log 2>&1; then
		ok math_sweep_verify_vulkan
	else
		bad math_sweep_verify_vulkan "$(tail -2 $O/verify.log | tr '\n' ' ')"
	fi
else
	bad math_sweep_spv "no vulkan device (lavapipe: make deps)"
fi

# ---- ptx: assembles; every target free of native transcendentals ----
PTXAS=$(cuda_tool ptxas)
for fm in "" --fast-math; do
	t=ptx${fm:+_fast}
	if ! $VYREC build $SW --target ptx $fm -o $O/$t.ptx > $O/$t.log 2>&1; then
		bad math_sweep_$t "$(head -2 $O/$t.log | tr '\n' ' ')"
		continue
	fi
	if grep -Eq '\.approx|ex2|lg2|\bsin\.|\bcos\.|\.f64' $O/$t.ptx; then
		bad math_sweep_${t}_exact_ops "$(grep -Em1 '\.approx|ex2|lg2|\.f64' $O/$t.ptx)"
	else
		ok math_sweep_${t}_exact_ops
	fi
	if [ -z "$PTXAS" ]; then
		bad math_sweep_${t}_ptxas "ptxas not found (CUDA toolkit)"
		continue
	fi
	for sm in 80 90; do
		if "$PTXAS" -arch=sm_$sm $O/$t.ptx -o $O/$t.$sm.cubin > $O/$t.$sm.log 2>&1; then
			ok math_sweep_${t}_ptxas_sm_$sm
		else
			bad math_sweep_${t}_ptxas_sm_$sm "$(head -2 $O/$t.$sm.log | tr '\n' ' ')"
		fi
	done
done
if $VYREC build $SW --target spv -o $O/sweep.spv > $O/spvb.log 2>&1 &&
   spirv-dis $O/sweep.spv > $O/sweep.spvasm 2>>$O/spvb.log; then
	# (the exact sqrt and fma emulations start from Sqrt and Fma)
	if grep -E 'OpExtInst .* (Atan|Atan2|Asin|Acos|Sinh|Cosh|Tanh|Exp|Exp2|Log|Log2|Pow|Sin|Cos|Tan) ' \
		$O/sweep.spvasm > $O/ext.txt; then
		bad math_sweep_spv_exact_ops "$(head -1 $O/ext.txt)"
	else
		ok math_sweep_spv_exact_ops
	fi
else
	bad math_sweep_spv_exact_ops "$(head -2 $O/spvb.log | tr '\n' ' ')"
fi
TR='\b(atan|asin|acos|sinh|cosh|tanh|exp|exp2|log|log2|pow|sin|cos|tan)\('
if [ ! -s $O/sweep.comp ] || grep -v '^[[:space:]]*/\*' $O/sweep.comp | grep -Eq "$TR"; then
	bad math_sweep_glsl_exact_ops "$(grep -v '^[[:space:]]*/\*' $O/sweep.comp | grep -Em1 "$TR")"
else
	ok math_sweep_glsl_exact_ops
fi

# ---- edge operands: reference against the oracle; lavapipe's bits ----
python3 - "$O" > $O/edge.yaml <<'EOF'
import struct, sys
O = sys.argv[1]
E = [0x00000000, 0x80000000, 0x00000001, 0x80000001, 0x007FFFFF, 0x00400000, 0x80400000,
     0x00800000, 0x01000000, 0x0DA24260, 0x33800000, 0x39800000, 0x3EB17218, 0x3ED413D0,
     0x3EFFFFFF, 0x3F000000, 0x3F317217, 0x3F7FFFFF, 0xBF7FFFFF, 0x3F800000, 0xBF800000,
     0x3F800001, 0x3FE00000, 0x40200000, 0x40500000, 0x407AE148, 0x40800000, 0x41200000,
     0x42B17217, 0x42B17218, 0x42B2D4FC, 0x42B2D4FD, 0x4C800000, 0x7F7FFFFF, 0xFF7FFFFF,
     0x7F800000, 0xFF800000, 0x7FC00000, 0xBE95F619, 0xBE95F61A, 0xC1D80000]
P = [0x00000000, 0x80000000, 0x00000001, 0x80000003, 0x007FFFFF, 0x00800000, 0x3F800000,
     0xC0400000, 0x4B800000, 0x7F7FFFFF, 0x7F800000, 0xFF800000, 0x7FC00000, 0x2F800000]
one = ['atan', 'asin', 'acos', 'sinh', 'cosh', 'log10', 'log1p', 'expm1', 'erf']
two = ['atan2', 'fmod', 'hypot', 'copysign']
n = len(P) ** 2
ex = [E[i % len(E)] for i in range(n)]
px = [P[i // len(P)] for i in range(n)]
py = [P[i % len(P)] for i in range(n)]
for name, v in (("ex", ex), ("px", px), ("py", py)):
    open("%s/%s.bin" % (O, name), "wb").write(struct.pack("<%dI" % n, *v))
with open(O + "/edge.cases", "w") as f:
    for i in range(n):
        for k in one:
            f.write("%s %08x\n" % (k, ex[i]))
        for k in two:
            f.write("%s %08x %08x\n" % (k, px[i], py[i]))
k = len(one) + len(two)
print("vyrec: 1\nname: math_edge\nworkgroup_size: [4]\nbuffers:")
for j, b in enumerate(("ex", "px", "py")):
    print("  %s: {binding: %d, type: f32, count: %d, access: read_only}" % (b, j, n))
print("  out: {binding: 3, type: u32, count: %d, access: write_only}\ndispatch: [%d]\nentry:" % (n * k, n))
print("  - let i = gid.x\n  - let x = ex[i]\n  - let a = px[i]\n  - let b = py[i]")
for j, name in enumerate(one):
    print("  - 'out[i * %du + %du] = bitcast<u32>(math.%s(x))'" % (k, j, name))
for j, name in enumerate(two):
    print("  - 'out[i * %du + %du] = bitcast<u32>(math.%s(a, b))'" % (k, len(one) + j, name))
EOF
EIN="--in ex=$O/ex.bin --in px=$O/px.bin --in py=$O/py.bin"
edge_list() {   # OUT.bin LIST: "op x [y] result" lines
	python3 -c '
import struct, sys
d = open(sys.argv[1], "rb").read()
r = struct.unpack("<%dI" % (len(d) // 4), d)
for line, v in zip(open(sys.argv[2]), r):
    print(line.strip(), "%08x" % v)' "$1" $O/edge.cases > "$2"
}
if $VYREC run $O/edge.yaml --backend reference $EIN --out out=$O/edge_ref.bin > $O/edge.log 2>&1; then
	edge_list $O/edge_ref.bin $O/edge_ref.txt
	python3 tests/math/check.py list $O/edge_ref.txt | sed 's/^\(PASS\|FAIL\) math_/\1 math_edge_/'
else
	bad math_edge_reference "$(head -2 $O/edge.log | tr '\n' ' ')"
fi
if have_backend vulkan &&
   $VYREC run $O/edge.yaml --backend vulkan $EIN --out out=$O/edge_spv.bin > $O/edge_spv.log 2>&1; then
	# lavapipe keeps denormals, so even these agree bit for bit
	if cmp -s $O/edge_ref.bin $O/edge_spv.bin; then
		ok math_edge_spv_lavapipe_bits
	else
		edge_list $O/edge_spv.bin $O/edge_spv.txt
		bad math_edge_spv_lavapipe_bits "$(diff $O/edge_ref.txt $O/edge_spv.txt | sed -n 2p)"
	fi
else
	bad math_edge_spv_lavapipe_bits "$(head -2 $O/edge_spv.log 2>/dev/null | tr '\n' ' ')"
fi

# ---- constant folding and launch-time sizes use the same program ----
cat > $O/fold.yaml <<'EOF'
vyrec: 1
name: math_fold
workgroup_size: [1]
buffers:
  out: {binding: 0, type: u32, count: 8, access: write_only}
dispatch: [1]
entry:
  - let oz = len(out) / 4000000000u
  - 'out[0u] = bitcast<u32>(math.atan(0.7 + f32(oz)))'
  - 'out[1u] = bitcast<u32>(math.atan(0.7))'
  - 'out[2u] = bitcast<u32>(math.erf(1.3 + f32(oz)))'
  - 'out[3u] = bitcast<u32>(math.erf(1.3))'
  - 'out[4u] = bitcast<u32>(math.fmod(7.5 + f32(oz), 2.25))'
  - 'out[5u] = bitcast<u32>(math.fmod(7.5, 2.25))'
  - 'out[6u] = bitcast<u32>(math.cosh(3.0 + f32(oz)))'
  - 'out[7u] = bitcast<u32>(math.cosh(3.0))'
EOF
if $VYREC run $O/fold.yaml --backend reference -O1 --out out=$O/fold.bin > $O/fold.log 2>&1 &&
   python3 -c '
import struct, sys
r = struct.unpack("<8I", open(sys.argv[1], "rb").read())
sys.exit(0 if all(r[i] == r[i + 1] for i in range(0, 8, 2)) else 1)' $O/fold.bin; then
	ok math_fold_same_bits
else
	bad math_fold_same_bits "$(od -An -tx4 $O/fold.bin 2>/dev/null | tr '\n' ' ')"
fi
$VYREC build $O/fold.yaml --target ptx -O1 -o $O/fold.ptx > /dev/null 2>&1
n=$(grep -c 'the program of src/mathlib.c' $O/fold.ptx 2>/dev/null)
[ "$n" = 4 ] && ok math_fold_literals_folded || bad math_fold_literals_folded "$n programs left, want 4"
cat > $O/size.yaml <<'EOF'
vyrec: 1
name: math_size
params: {a: f32}
workgroup_size: [1]
buffers:
  out: {binding: 0, type: u32, count: 'u32(math.hypot(a, 4.0)) + u32(math.fmod(a, 2.0))', access: write_only}
dispatch: [1]
entry:
  - out[0] = len(out)
EOF
if have_backend vulkan &&
   $VYREC run $O/size.yaml --backend vulkan --param a=3 --print out > $O/size.log 2>&1 &&
   grep -q '^out: 6 ' $O/size.log; then
	ok math_launch_size
else
	bad math_launch_size "$(head -2 $O/size.log | tr '\n' ' ')"
fi
if ! $VYREC build $O/size.yaml --target reference -o $O/size.vyref > $O/size_ref.log 2>&1 &&
   grep -q 'math.hypot. in a buffer count or dispatch expression' $O/size_ref.log; then
	ok math_reference_size_refused
else
	bad math_reference_size_refused "$(head -2 $O/size_ref.log | tr '\n' ' ')"
fi

# ---- the registry and the checker ----
if $VYREC ops math > $O/ops.txt 2>&1 &&
   grep -Eq '^math\.atan +\(x: float\) -> same .* 4 ulp' $O/ops.txt &&
   grep -Eq '^math\.sinh .* 8 ulp' $O/ops.txt &&
   grep -Eq '^math\.isnan +\(x: float\) -> bool' $O/ops.txt &&
   grep -Eq '^math\.fmod .* 0 ulp' $O/ops.txt; then
	ok math_ops_listed
else
	bad math_ops_listed "$(grep -E 'atan|sinh|isnan|fmod' $O/ops.txt | head -3 | tr '\n' ' ')"
fi
cat > $O/badtype.yaml <<'EOF'
vyrec: 1
name: math_bad
workgroup_size: [1]
buffers:
  out: {binding: 0, type: f32, count: 1, access: write_only}
dispatch: [1]
entry:
  - out[0] = math.atan2(1.0, 2u)
EOF
if ! $VYREC check $O/badtype.yaml > $O/badtype.log 2>&1 &&
   grep -q 'badtype.yaml:8:' $O/badtype.log && grep -q 'Fix:' $O/badtype.log; then
	ok math_bad_operand_type
else
	bad math_bad_operand_type "$(head -3 $O/badtype.log | tr '\n' ' ')"
fi

# ---- C launchers: the reference VM (library ops arrive as core ops) and spv ----
for t in reference spv; do
	p=tests/corpus/math_exact.yaml
	[ $t = spv ] && p=$SW
	d=$O/launcher_$t
	if $VYREC launcher $p -t $t --lang c -o $d > $d.log 2>&1 &&
	   make -s -C $d >> $d.log 2>&1 &&
	   (cd $d && ./$(basename $p .yaml) --selftest) >> $d.log 2>&1 &&
	   grep -q '^selftest: PASS' $d.log; then
		ok math_launcher_c_$t
	else
		bad math_launcher_c_$t "$(tail -2 $d.log | tr '\n' ' ')"
	fi
done

# ---- spv: one function per op used, so size grows by a call per call ----
calls() {   # N: a program of N fmod calls
	printf 'vyrec: 1\nname: math_calls\nworkgroup_size: [64]\nbuffers:\n'
	printf '  x: {binding: 0, type: f32, count: 64, access: read_only}\n'
	printf '  out: {binding: 1, type: f32, count: 64, access: read_write}\ndispatch: [64]\nentry:\n'
	printf '  - let i = gid.x\n  - var s = x[i]\n'
	k=0
	while [ $k -lt "$1" ]; do printf '  - s = math.fmod(s, x[i] + %d.5)\n' $k; k=$((k + 1)); done
	printf '  - out[i] = s\n'
}
calls 1 > $O/calls1.yaml
calls 101 > $O/calls101.yaml
if $VYREC build $O/calls1.yaml --target spv -o $O/calls1.spv > /dev/null 2>&1 &&
   $VYREC build $O/calls101.yaml --target spv -o $O/calls101.spv > /dev/null 2>&1; then
	s1=$(wc -c < $O/calls1.spv) s101=$(wc -c < $O/calls101.spv)
	# a call (load, add, OpFunctionCall) is ~140 bytes; fmod inline ~10 KiB
	if [ $((s101 - s1)) -lt 30000 ]; then
		ok math_spv_one_function_per_op
	else
		bad math_spv_one_function_per_op "1 call: $s1 bytes, 101 calls: $s101 bytes"
	fi
else
	bad math_spv_one_function_per_op "build failed"
fi
