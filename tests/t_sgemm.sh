#!/bin/sh
# t_sgemm.sh: the register-blocked sgemm sample (samples/sgemm.yaml) and
# what it needs from the compiler.
#   1. 2-D shared arrays of vector type (tests/sgemm/shared_vec2d.yaml):
#      stores, compound stores and loads reach element [i][j], on the
#      reference and on the Vulkan device.
#   2. The sample against an independent binary64 product
#      (tests/sgemm/oracle.py) on the reference, and `vyrec verify` of it
#      on the Vulkan device through spv at -O0 and -O1 and at several
#      shapes, and through glslang's SPIR-V of the glsl target (-O0).
#   3. Its PTX at -O1: the accumulator tile is in registers (no .local),
#      512 fma.rn.f32 per k-tile and no other float multiply or add,
#      every shared read an ld.shared.v4.f32, every global access a v4;
#      ptxas -v (sm_90, when the CUDA toolkit is here) reports no spill,
#      no stack frame and at most 128 registers (2 workgroups of 256 per SM).
cd "$(dirname "$0")/.." || exit 2
. tests/lib.sh
export NO_COLOR=1
O=tests/out/sgemm
mkdir -p "$O"
S=samples/sgemm.yaml

# ---- 1. 2-D shared vector arrays ----
want='C: 24 26 28 30 16 18 20 22 8 10 12 14 0 2 4 6'
for b in reference vulkan; do
	got=$("$VYREC" run tests/sgemm/shared_vec2d.yaml --backend $b --in A=iota --print C 2>&1)
	[ "$got" = "$want" ] && ok "shared_vec2d_$b" || bad "shared_vec2d_$b" "$got"
done

# ---- 2. results ----
p="--param M=128 --param N=256 --param K=24"
if "$VYREC" run $S --backend reference $p --in A=random:3 --in B=random:4 \
	--out A=$O/A.bin --out B=$O/B.bin --out C=$O/C.bin > $O/ref.log 2>&1 &&
	python3 tests/sgemm/oracle.py 128 256 24 $O/A.bin $O/B.bin $O/C.bin > $O/oracle.log 2>&1; then
	ok "sgemm_reference_oracle ($(cat $O/oracle.log))"
else
	bad sgemm_reference_oracle "$(cat $O/ref.log $O/oracle.log | head -3 | tr '\n' ' ')"
fi
for shape in 128x128x64 256x128x8 128x384x40; do
	m=${shape%%x*} k=${shape##*x} n=${shape#*x}
	n=${n%x*}
	for O_ in 0 1; do
		c=sgemm_verify_spv_${shape}_O$O_
		if "$VYREC" verify $S -O$O_ --backends vulkan --param M=$m --param N=$n --param K=$k \
			> $O/$c.log 2>&1 && grep -q 'vulkan.*PASS.*max error 0 ulp' $O/$c.log; then
			ok "$c"
		else
			bad "$c" "$(grep -v '^ ' $O/$c.log | tail -2 | tr '\n' ' ')"
		fi
	done
done
# glsl (glslang's SPIR-V in place of the spv target's): its fma is an
# exact emulation, so the unrolled -O1 shader (512 of them inline) takes
# lavapipe minutes to compile: -O1 is built and validated by glslang,
# -O0 (loops kept) runs one k-tile against the reference (t_opt skips
# sgemm's glsl -O0/-O1 run)
for O_ in 0 1; do
	c=sgemm_glsl_O$O_
	if "$VYREC" build $S -t glsl -O$O_ -o $O/sgemm.O$O_.comp > $O/$c.log 2>&1 &&
		glslangValidator -V --target-env vulkan1.1 -o $O/sgemm.O$O_.g.spv $O/sgemm.O$O_.comp >> $O/$c.log 2>&1; then
		ok $c
	else
		bad $c "$(tail -2 $O/$c.log | tr '\n' ' ')"
	fi
done
if VYREC_SPV_OVERRIDE=$O/sgemm.O0.g.spv "$VYREC" verify $S -O0 --backends vulkan --param M=128 \
	--param N=128 --param K=16 > $O/gverify.log 2>&1 && grep -q 'vulkan.*PASS.*max error 0 ulp' $O/gverify.log; then
	ok sgemm_verify_glsl_O0
else
	bad sgemm_verify_glsl_O0 "$(grep -v '^ ' $O/gverify.log | tail -2 | tr '\n' ' ')"
fi

# ---- 3. the PTX ----
X=$O/sgemm.ptx
if "$VYREC" build $S -t ptx -o $X > $O/ptx.log 2>&1; then
	n=$(grep -c '\.local' $X)
	[ "$n" -eq 0 ] && ok sgemm_ptx_no_local || bad sgemm_ptx_no_local "$n .local lines"
	n=$(grep -c 'fma\.rn\.f32' $X)
	[ "$n" -eq 512 ] && ok sgemm_ptx_512_fma || bad sgemm_ptx_512_fma "$n fma.rn.f32, want 512"
	n=$(grep -cE '(mul|add|sub)(\.rn)?\.f32' $X)
	[ "$n" -eq 0 ] && ok sgemm_ptx_no_other_float_math || bad sgemm_ptx_no_other_float_math "$n"
	n=$(grep -c 'ld\.shared\.v4\.f32' $X) s=$(grep -c 'ld\.shared' $X)
	[ "$n" -eq 32 ] && [ "$s" -eq 32 ] && ok sgemm_ptx_shared_v4 ||
		bad sgemm_ptx_shared_v4 "$n ld.shared.v4.f32 of $s shared loads, want 32 of 32"
	# B's loads and C's stores are f32x4, A's four scalars (its tile is stored transposed)
	n=$(grep -c 'st\.global' $X) v=$(grep -c 'st\.global\.v4' $X)
	[ "$n" -eq 16 ] && [ "$v" -eq 16 ] && ok sgemm_ptx_store_v4 || bad sgemm_ptx_store_v4 "$v of $n are v4, want 16"
	n=$(grep -c 'ld\.global' $X) v=$(grep -c 'ld\.global\(\.nc\)\?\.v4' $X)
	[ "$n" -eq 10 ] && [ "$v" -eq 2 ] && ok sgemm_ptx_loads || bad sgemm_ptx_loads "$v v4 of $n, want 2 of 10"
	PTXAS=$(cuda_tool ptxas)
	if [ -n "$PTXAS" ]; then
		if "$PTXAS" -v -arch=sm_90 $X -o $O/sgemm.cubin > $O/ptxas.log 2>&1; then
			regs=$(sed -n 's/.*Used \([0-9]*\) registers.*/\1/p' $O/ptxas.log)
			if grep -q '0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads' $O/ptxas.log &&
				[ -n "$regs" ] && [ "$regs" -le 128 ]; then
				ok "sgemm_ptxas_sm90 ($regs registers)"
			else
				bad sgemm_ptxas_sm90 "$(tr '\n' ' ' < $O/ptxas.log)"
			fi
		else
			bad sgemm_ptxas_sm90 "$(head -3 $O/ptxas.log | tr '\n' ' ')"
		fi
	fi
else
	bad sgemm_ptx_build "$(head -3 $O/ptx.log)"
fi

# ---- 4. the CUDA C of the same algorithm (bench/gpu/sgemm_ref.cu) ----
# nvcc's PTX has the same 512 fmas and 32 shared f32x4 loads a k-tile;
# the lead's H200 run of ./sgemm_ref N vyrec.ptx times both
NVCC=$(cuda_tool nvcc)
if [ -n "$NVCC" ] && [ -n "$PTXAS" ]; then
	if "$NVCC" -O3 -arch=sm_90 -ptx -o $O/ref.ptx bench/gpu/sgemm_ref.cu > $O/nvcc.log 2>&1 &&
		"$PTXAS" -v -arch=sm_90 $O/ref.ptx -o $O/ref.cubin >> $O/nvcc.log 2>&1; then
		f=$(grep -c 'fma\.rn\.f32' $O/ref.ptx) l=$(grep -c 'ld\.shared\.v4\.f32' $O/ref.ptx)
		r=$(sed -n 's/.*Used \([0-9]*\) registers.*/\1/p' $O/nvcc.log)
		[ "$f" -eq 512 ] && [ "$l" -eq 32 ] && ok "sgemm_ref_nvcc_same_shape (nvcc $r registers)" ||
			bad sgemm_ref_nvcc_same_shape "nvcc: $f fma.rn.f32, $l ld.shared.v4.f32"
	else
		bad sgemm_ref_nvcc_same_shape "$(head -3 $O/nvcc.log | tr '\n' ' ')"
	fi
fi

# ---- 5. the unroller's private-array budget (src/opt.c) ----
U=tests/sgemm/unroll_budget.yaml
"$VYREC" build $U -t ptx -o $O/ub.ptx --dump-ir=unroll > /dev/null 2> $O/ub.ir
n=$(grep -c '^ *for ' $O/ub.ir) l=$(grep -c '\.local' $O/ub.ptx)
[ "$n" -eq 1 ] && [ "$l" -eq 0 ] && ok unroll_private_budget ||
	bad unroll_private_budget "$n loops left (want 1: the one without an array), $l .local lines"
for O_ in 0 1; do
	"$VYREC" verify $U -O$O_ --backends vulkan > $O/ub.O$O_.log 2>&1 && grep -q 'vulkan.*PASS' $O/ub.O$O_.log &&
		ok unroll_private_budget_verify_O$O_ || bad unroll_private_budget_verify_O$O_ "$(tail -1 $O/ub.O$O_.log)"
done

# ---- 6. the ptx emitter: u32 / and % by a power of two (emitters/ptx.c) ----
P2=$O/pow2div.ptx
if "$VYREC" build tests/sgemm/pow2div.yaml -t ptx -o $P2 > $O/p2.log 2>&1 &&
	grep -q 'shr\.u32.*, 3;$' $P2 && grep -q 'and\.b32.*, 15;$' $P2 && grep -q 'and\.b32.*, 1023;$' $P2 &&
	grep -q 'div\.u32.*, 7;$' $P2 && grep -q 'div\.s32.*, 4;$' $P2 && grep -q 'rem\.s32.*, 2;$' $P2 &&
	! grep -qE '(div|rem)\.u32.*, (8|16|1024);$' $P2; then
	ok ptx_u32_pow2_div_shift
else
	bad ptx_u32_pow2_div_shift "$(grep -E 'div|rem|shr|and\.b32' $P2 | tr '\n' ' ')"
fi
if [ -n "$PTXAS" ]; then
	"$PTXAS" -arch=sm_90 $P2 -o $O/pow2div.cubin > $O/p2.ptxas.log 2>&1 && ok ptx_u32_pow2_div_ptxas ||
		bad ptx_u32_pow2_div_ptxas "$(head -2 $O/p2.ptxas.log)"
fi
