#!/bin/sh
# tests/t_spv.sh: the spv target.  Part 1 is the emitter's unit test over
# hand-built IR (tests/unit/test_spv.c), which also runs the ops and
# control-flow kernels on the Vulkan backend when a device initialises.
# Part 2 builds every sample, corpus and tests/compile program at -O0, -O1
# and -O2 and checks the output with the spirv-val command-line tool
# (independent of the in-process check), determinism (two builds, cmp),
# the vulkan1.0 and vulkan1.3 environments, and the golden disassembly of
# the tests/compile/spv_*.yaml programs (UPDATE=1 regenerates them).
. tests/lib.sh
O=tests/out/spv
mkdir -p $O
# a private copy, so a concurrent `make` cannot swap the binary mid-suite
if cp "$VYREC" $O/vyrec.$$ 2>/dev/null; then
	VYREC=$O/vyrec.$$
fi

# ---- part 1: unit test ----
if cc_unit $O/test_spv tests/unit/test_spv.c > $O/cc.log 2>&1; then
	$O/test_spv $O run
	rc=$?   # failures are printed as FAIL lines; a crash is one too
	if [ $rc -lt 128 ]; then ok spv_unit_ran_to_the_end
	else bad spv_unit_ran_to_the_end "test_spv died with status $rc"; fi
else
	bad spv_unit_build "$(head -3 $O/cc.log | tr '\n' ' ')"
fi

# ---- part 2: real programs ----
if ! command -v spirv-val > /dev/null; then
	skip spv_programs "spirv-val not installed (make deps installs spirv-tools)"
	exit 0
fi

val() {   # val NAME ENV FILE: spirv-val, first line of its complaint on failure
	if spirv-val --target-env "$2" "$3" > $O/val.log 2>&1; then ok "$1"
	else bad "$1" "$(head -2 $O/val.log | tr '\n' ' ')"; fi
}

for f in samples/*.yaml tests/corpus/*.yaml tests/compile/*.yaml; do
	[ -e "$f" ] || continue
	n=$(basename "$f" .yaml)
	d=$(basename "$(dirname "$f")")
	t=spv_${d}_$n
	if ! $VYREC check "$f" > /dev/null 2>&1; then
		continue   # error-case programs belong to other suites
	fi
	for lvl in 0 1 2; do
		out=$O/$d.$n.O$lvl.spv
		if $VYREC build "$f" -t spv -O$lvl -o $out > $O/build.log 2>&1; then
			val ${t}_O${lvl}_spirv_val vulkan1.1 $out
		else
			bad ${t}_O${lvl}_build "$(head -3 $O/build.log | tr '\n' ' ')"
		fi
	done
	$VYREC build "$f" -t spv -O2 -o $O/$d.$n.again.spv > /dev/null 2>&1
	check ${t}_deterministic cmp $O/$d.$n.O2.spv $O/$d.$n.again.spv
	for env in vulkan1.0 vulkan1.3; do
		out=$O/$d.$n.$env.spv
		if $VYREC build "$f" -t spv --target-env $env -o $out > $O/build.log 2>&1; then
			val ${t}_${env}_spirv_val $env $out
		elif [ $env = vulkan1.0 ] && grep -q 'subgroup operations need SPIR-V 1.3' $O/build.log; then
			ok ${t}_${env}_refused   # subgroup ops (SPEC 10.4) are SPIR-V 1.3
		else
			bad ${t}_${env}_build "$(head -3 $O/build.log | tr '\n' ' ')"
		fi
	done
done

# ---- goldens: the disassembly of tests/compile/spv_*.yaml at -O0 ----
for f in tests/compile/spv_*.yaml; do
	[ -e "$f" ] || continue
	g=${f%.yaml}.spvasm
	n=$(basename "$f" .yaml)
	if ! $VYREC build "$f" -t spv -O0 --emit-asm -o $O/$n.spvasm > $O/build.log 2>&1; then
		bad golden_$n "build failed: $(head -2 $O/build.log | tr '\n' ' ')"
		continue
	fi
	if [ -n "$UPDATE" ]; then
		cp $O/$n.spvasm "$g"
		ok golden_${n}_updated
	elif [ ! -e "$g" ]; then
		bad golden_$n "no $g (run with UPDATE=1)"
	elif diff -u "$g" $O/$n.spvasm > $O/$n.diff; then
		ok golden_$n
	else
		bad golden_$n "differs from $g: $(sed -n 3,6p $O/$n.diff | tr '\n' ' ')"
	fi
	# the text is valid assembly of a valid module
	if command -v spirv-as > /dev/null; then
		if spirv-as --target-env vulkan1.1 -o $O/$n.reas.spv $O/$n.spvasm > $O/as.log 2>&1; then
			val golden_${n}_reassembles vulkan1.1 $O/$n.reas.spv
		else
			bad golden_${n}_reassembles "$(head -2 $O/as.log | tr '\n' ' ')"
		fi
	else
		skip golden_${n}_reassembles "no spirv-as (make deps installs spirv-tools)"
	fi
done

# ---- -O2 runs SPIRV-Tools' performance passes and keeps NoContraction ----
f=tests/compile/spv_flow.yaml
if $VYREC build $f -t spv -O2 -o $O/flow2.spv > /dev/null 2>&1 &&
   $VYREC build $f -t spv -O0 -o $O/flow0.spv > /dev/null 2>&1; then
	s0=$(wc -c < $O/flow0.spv); s2=$(wc -c < $O/flow2.spv)
	if [ "$s2" -lt "$s0" ]; then ok spv_O2_smaller; else bad spv_O2_smaller "-O2 $s2 bytes, -O0 $s0 bytes"; fi
else
	bad spv_O2_smaller "build failed"
fi
$VYREC build tests/compile/spv_saxpy.yaml -t spv -O2 --emit-asm -o $O/saxpy2.spvasm > /dev/null 2>&1
check spv_O2_keeps_nocontraction grep -q 'NoContraction' $O/saxpy2.spvasm

# ---- SPEC 10.6: no Vulkan-undefined signed ops; fma modes ----
# no module uses OpSRem/OpSMod/OpSDiv (undefined or wrong on some drivers
# for negative operands): i32 / and % go through unsigned magnitudes
bad_ops=""
for f in samples/*.yaml tests/corpus/*.yaml tests/compile/*.yaml; do
	$VYREC check "$f" > /dev/null 2>&1 || continue
	$VYREC build "$f" -t spv -O0 --emit-asm -o $O/sig.spvasm > /dev/null 2>&1 || continue
	grep -q 'OpSRem\|OpSMod\|OpSDiv' $O/sig.spvasm && bad_ops="$bad_ops $f"
done
if [ -z "$bad_ops" ]; then ok spv_no_signed_rem_div; else bad spv_no_signed_rem_div "in$bad_ops"; fi

# vyrec build --fma-mode: f64 declares Float64, khr ends as OpFmaKHR with
# capability FMAKHR and SPV_KHR_fma (numbers of the SPIR-V registry); the
# corpus programs with fma, / and sqrt then run on the Vulkan device in
# each mode lavapipe has (emulate, f64) and match the reference bit for bit
fp=tests/corpus/edge_f32_exact.yaml
for m in emulate f64 khr; do
	for lvl in 0 2; do
		if $VYREC build $fp -t spv -O$lvl --fma-mode $m -o $O/fma.$m.O$lvl.spv > $O/build.log 2>&1; then
			ok spv_fma_mode_${m}_O${lvl}_build
		else
			bad spv_fma_mode_${m}_O${lvl}_build "$(head -2 $O/build.log | tr '\n' ' ')"
		fi
	done
done
val spv_fma_mode_f64_spirv_val vulkan1.1 $O/fma.f64.O0.spv
$VYREC build $fp -t spv --fma-mode f64 --emit-asm -o $O/fma.f64.spvasm > /dev/null 2>&1
check spv_fma_mode_f64_capability grep -q 'OpCapability Float64' $O/fma.f64.spvasm
$VYREC build $fp -t spv --fma-mode khr --emit-asm -o $O/fma.khr.spvasm > /dev/null 2>&1
if grep -q 'OpCapability FMAKHR' $O/fma.khr.spvasm && grep -q 'OpExtension "SPV_KHR_fma"' $O/fma.khr.spvasm &&
   grep -q '= OpFmaKHR %float ' $O/fma.khr.spvasm && ! grep -q ' Fma ' $O/fma.khr.spvasm; then
	ok spv_fma_mode_khr_asm
else
	bad spv_fma_mode_khr_asm "no OpFmaKHR/FMAKHR/SPV_KHR_fma in the disassembly, or a GLSL Fma left"
fi
# the binary: OpCapability 6030, opcode 4427 (6 words), the extension name
if od -An -tx4 -v $O/fma.khr.O0.spv | tr -s ' ' '\n' | grep -qx 0000178e &&
   od -An -tx4 -v $O/fma.khr.O0.spv | tr -s ' ' '\n' | grep -qx 0006114b &&
   grep -q 'SPV_KHR_fma' $O/fma.khr.O0.spv; then
	ok spv_fma_mode_khr_binary
else
	bad spv_fma_mode_khr_binary "capability 6030 / OpFmaKHR 4427 / extension not in the module"
fi
# exact / and sqrt by default; --fast-math: the native OpFDiv / Sqrt alone
printf 'vyrec: 1\nname: dq\nworkgroup_size: [1]\nbuffers:\n  x: {binding: 0, type: f32, count: 2, access: read_write}\ndispatch: [1]\nentry:\n  - x[0] = x[0] / x[1] + sqrt(x[1])\n' > $O/dq.yaml
$VYREC build $O/dq.yaml -t spv --emit-asm -o $O/dq.spvasm > /dev/null 2>&1
$VYREC build $O/dq.yaml -t spv --fast-math --emit-asm -o $O/dqf.spvasm > /dev/null 2>&1
if [ "$(grep -c 'FindUMsb' $O/dq.spvasm)" -ge 3 ] && ! grep -q 'FindUMsb' $O/dqf.spvasm &&
   [ "$(grep -c '= OpFDiv' $O/dqf.spvasm)" = 1 ] && grep -q ' Sqrt ' $O/dqf.spvasm; then
	ok spv_exact_div_sqrt_unless_fast_math
else
	bad spv_exact_div_sqrt_unless_fast_math "exact build without the mantissa lowering, or --fast-math with it"
fi
$VYREC build $fp -t spv --fma-mode nope -o $O/x.spv > $O/build.log 2>&1
check spv_fma_mode_bad_value [ $? -eq 2 ]
if $VYREC backends 2>/dev/null | grep -q '^vulkan.*llvmpipe\|^vulkan.*yes'; then
	for p in tests/corpus/edge_f32_exact.yaml tests/corpus/ops_f32.yaml tests/corpus/edge_f32_denorm.yaml; do
		n=$(basename $p .yaml)
		for m in emulate f64; do
			$VYREC build $p -t spv --fma-mode $m -o $O/run.$n.$m.spv > /dev/null 2>&1
			VYREC_SPV_OVERRIDE=$O/run.$n.$m.spv $VYREC verify $p --backends vulkan > $O/v.log 2>&1
			rc=$?
			if [ $rc -eq 0 ] && grep -q '^vulkan.*PASS' $O/v.log; then
				ok spv_fma_mode_${m}_verify_$n
			else
				bad spv_fma_mode_${m}_verify_$n "rc=$rc $(grep -m1 -i 'fail\|error' $O/v.log | cut -c1-200)"
			fi
		done
	done
else
	skip spv_fma_mode_verify "no vulkan device ($VYREC backends)"
fi

# ---- LoopControl Unroll on loops of a small constant trip count ----
$VYREC build samples/matmul.yaml -t spv -O0 --emit-asm -o $O/mm.spvasm > /dev/null 2>&1
check spv_unroll_const_for [ "$(grep -c 'OpLoopMerge.*Unroll' $O/mm.spvasm)" -eq 1 ]
check spv_unroll_not_runtime_for [ "$(grep -c 'OpLoopMerge.*None' $O/mm.spvasm)" -eq 1 ]
$VYREC build samples/reduce.yaml -t spv -O0 --emit-asm -o $O/red.spvasm > /dev/null 2>&1
check spv_unroll_counted_while [ "$(grep -c 'OpLoopMerge.*Unroll' $O/red.spvasm)" -eq 1 ]
cat > $O/big.yaml <<'EOF2'
vyrec: 1
name: big
workgroup_size: [1]
buffers:
  o: {type: u32, count: 1, access: write_only}
entry:
  - var s = 0u
  - for: k in 0u..17u
    do: [s += k]
  - for: k in 0u..16u
    step: 2u
    do: [s += k]
  - o[0] = s
EOF2
$VYREC build $O/big.yaml -t spv -O0 --emit-asm -o $O/big.spvasm > /dev/null 2>&1
check spv_unroll_trip_limit [ "$(grep 'OpLoopMerge' $O/big.spvasm | sed 's/.* //' | tr '\n' ' ')" = "None Unroll " ]
# ---- barrier semantics: buffer memory only where an invocation can tell ----
# (vy_barrier_orders_buffers, src/ir.c).  264 = AcquireRelease|WorkgroupMemory,
# 328 adds UniformMemory.
barrier_prog() {   # barrier_prog NAME ACCESS BODY...: a 64-wide program
	n=$1 acc=$2; shift 2
	{ printf 'vyrec: 1\nname: %s\nworkgroup_size: [64]\nbuffers:\n' "$n"
	  printf '  a: {type: u32, count: 64, access: %s}\n' "$acc"
	  printf '  o: {type: u32, count: 64, access: write_only}\n'
	  printf 'shared:\n  t: {type: u32, count: 64}\ndispatch: [64]\nentry:\n'
	  for l in "$@"; do printf '  - "%s"\n' "$l"; done; } > $O/$n.yaml
}
barrier_sem() { $VYREC build $O/$1.yaml -t spv --emit-asm -o - 2>/dev/null | grep -o 'OpControlBarrier %uint_2 %uint_2 %uint_[0-9]*' | sed 's/.*_//' | sort -u | tr '\n' ' '; }
barrier_prog bar_ro read_only 't[lid.x] = a[lid.x]' barrier 'o[lid.x] = t[63u - lid.x]'
check spv_barrier_workgroup_only [ "$(barrier_sem bar_ro)" = "264 " ]
barrier_prog bar_rw read_write 'a[lid.x] = lid.x' barrier 'o[lid.x] = a[63u - lid.x]'
check spv_barrier_read_write_orders_buffers [ "$(barrier_sem bar_rw)" = "328 " ]
barrier_prog bar_store read_only 'o[lid.x] = 1u' barrier 'o[63u - lid.x] = 2u'
check spv_barrier_store_before_orders_buffers [ "$(barrier_sem bar_store)" = "328 " ]
barrier_prog bar_loop read_only 'for: k in 0u..n' "do: ['o[(lid.x + k) % 64u] = k', barrier]"
sed -i 's/^  - "for: k in 0u..n"$/  - for: k in 0u..nk/; s/^  - "do: \[\(.*\)\]"$/    do: [\1]/; s/^buffers:/params: {nk: u32}\nbuffers:/' $O/bar_loop.yaml
check spv_barrier_loop_store_orders_buffers [ "$(barrier_sem bar_loop)" = "328 " ]
check glsl_barrier_workgroup_only sh -c "! $VYREC build $O/bar_ro.yaml -t glsl -o - | grep -q memoryBarrierBuffer"
check glsl_barrier_read_write_orders_buffers sh -c "$VYREC build $O/bar_rw.yaml -t glsl -o - | grep -q memoryBarrierBuffer"
if have_backend vulkan; then
	for n in bar_ro bar_rw bar_store; do
		check spv_barrier_verify_$n $VYREC verify $O/$n.yaml
	done
	check spv_barrier_verify_bar_loop $VYREC verify $O/bar_loop.yaml --param nk=5
fi

rm -f $O/vyrec.$$
exit 0
