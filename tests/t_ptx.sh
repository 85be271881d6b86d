#!/bin/sh
# t_ptx.sh: the ptx AOT emitter.  Every sample and corpus program built for
# sm_70, sm_80 and sm_90 must assemble with ptxas; golden .ptx files in
# tests/compile (UPDATE=1 rewrites them); determinism; --arch range; the
# launch ABI; and the host evaluation of the emitted transcendental
# sequences against libm (tests/ptx_math_test.c).
. tests/lib.sh
out=tests/out/ptx
rm -rf "$out"; mkdir -p "$out"

# ptxas for ARCH; CUDA 13 dropped sm_70/sm_72, whose PTX then assembles for
# sm_75 (PTX for .target sm_XY compiles for any sm_MN with MN >= XY).
# ptxas needs no GPU: NVIDIA's toolkit (/usr/local/cuda) or Debian's
# nvidia-cuda-toolkit (non-free), which .ci/run installs when neither is
# there; without it the ptxas cases skip, and tests/run.sh fails on that.
PTXAS=$(cuda_tool ptxas)
asm_arch() {
	if "$PTXAS" --help 2>/dev/null | grep -q "'$1'"; then echo "$1"; else echo sm_75; fi
}

# The math sequences, evaluated on the host exactly as emitted.
if cc_unit "$out/math_test" tests/ptx_math_test.c 2>"$out/math_cc.log"; then
	"$out/math_test" 40000 || bad ptx_math "the accuracy test crashed"
else
	bad ptx_math "does not compile: $(head -3 "$out/math_cc.log")"
fi

# Every program, three architectures, through ptxas.
for f in samples/*.yaml tests/corpus/*.yaml tests/compile/ptx_*.yaml; do
	[ -f "$f" ] || continue
	n=$(basename "$f" .yaml)
	if ! $VYREC check "$f" >/dev/null 2>&1; then
		bad "ptx_build_$n" "vyrec check rejects $f"
		continue
	fi
	for a in 70 80 90; do
		o="$out/${n}_sm$a.ptx"
		if ! $VYREC build "$f" -t ptx --arch sm_$a -o "$o" >"$o.log" 2>&1; then
			bad "ptx_build_${n}_sm$a" "$(head -2 "$o.log" | tr '\n' ' ')"
			continue
		fi
		if ! grep -q "^\.target sm_$a\$" "$o"; then
			bad "ptx_build_${n}_sm$a" ".target is not sm_$a"
			continue
		fi
		if [ -z "$PTXAS" ]; then
			skip "ptxas_${n}_sm$a" "ptxas is not installed (the CUDA toolkit; needs no GPU; .ci/run installs it)"
			continue
		fi
		aa=$(asm_arch sm_$a)
		if "$PTXAS" -arch="$aa" "$o" -o "$o.cubin" >"$o.asm.log" 2>&1; then
			ok "ptxas_${n}_sm$a${aa#sm_$a}"
		else
			bad "ptxas_${n}_sm$a" "$(head -3 "$o.asm.log" | tr '\n' ' ')"
		fi
	done
done

# ISA version: the lowest that supports each target.
for pair in 70:6.0 72:6.1 75:6.3 80:7.0 86:7.1 87:7.4 89:7.8 90:7.8; do
	a=${pair%:*} v=${pair#*:}
	o="$out/isa_sm$a.ptx"
	if $VYREC build tests/compile/ptx_saxpy.yaml -t ptx --arch sm_$a -o "$o" >/dev/null 2>&1 \
	    && grep -q "^\.version $v\$" "$o" && grep -q "^\.target sm_$a\$" "$o"; then
		ok "ptx_isa_sm$a"
	else
		bad "ptx_isa_sm$a" "want .version $v for sm_$a"
	fi
done

# Goldens: tests/compile/ptx_*.yaml beside ptx_*.ptx, built for sm_70.
for f in tests/compile/ptx_*.yaml; do
	n=$(basename "$f" .yaml)
	g=tests/compile/$n.ptx
	o="$out/$n.golden.ptx"
	$VYREC build "$f" -t ptx -o "$o" >/dev/null 2>&1 || { bad "ptx_golden_$n" "build failed"; continue; }
	if [ -n "$UPDATE" ]; then
		cp "$o" "$g"; ok "ptx_golden_$n (updated)"
	elif [ ! -f "$g" ]; then
		bad "ptx_golden_$n" "no golden $g (run with UPDATE=1)"
	elif diff -u "$g" "$o" >"$o.diff"; then
		ok "ptx_golden_$n"
	else
		bad "ptx_golden_$n" "differs from $g: $(head -12 "$o.diff" | tail -6 | tr '\n' ' ')"
	fi
done

# Determinism: two builds are byte-identical.
for f in tests/compile/ptx_ops.yaml samples/matmul.yaml; do
	[ -f "$f" ] || continue
	n=$(basename "$f" .yaml)
	$VYREC build "$f" -t ptx --arch sm_80 -o "$out/d1.ptx" >/dev/null 2>&1
	$VYREC build "$f" -t ptx --arch sm_80 -o "$out/d2.ptx" >/dev/null 2>&1
	if [ -s "$out/d1.ptx" ] && cmp -s "$out/d1.ptx" "$out/d2.ptx"; then
		ok "ptx_deterministic_$n"
	else
		bad "ptx_deterministic_$n" "two builds differ or are empty"
	fi
done

# --arch outside sm_70..sm_90 is a usage error naming the range.
for a in sm_60 sm_100 sm_9x; do
	$VYREC build tests/compile/ptx_saxpy.yaml -t ptx --arch $a -o "$out/bad.ptx" >"$out/arch.log" 2>&1
	rc=$?
	if [ $rc -eq 2 ] && grep -q sm_70 "$out/arch.log" && grep -q sm_90 "$out/arch.log"; then
		ok "ptx_arch_range_$a"
	else
		bad "ptx_arch_range_$a" "exit $rc, want 2 and a message naming sm_70..sm_90: $(head -2 "$out/arch.log" | tr '\n' ' ')"
	fi
done

# The launch ABI (SPEC §3.2): pointers in binding order, params, counts.
o="$out/abi.ptx"
$VYREC build tests/compile/ptx_ops.yaml -t ptx -o "$o" >/dev/null 2>&1
got=$(sed -n '/^\.visible \.entry ptx_ops(/,/^)/p' "$o" | grep '\.param' | tr -d '\t,' | tr '\n' ' ')
want=".param .u64 p_fi .param .u64 p_ui .param .u64 p_ii .param .u64 p_fo .param .u64 p_uo .param .u64 p_io .param .u64 p_t1 .param .u64 p_t2 .param .u64 p_acc .param .u32 p_n .param .s32 p_s .param .u32 p_k .param .f32 p_e .param .u32 n_fi .param .u32 n_ui .param .u32 n_ii .param .u32 n_fo .param .u32 n_uo .param .u32 n_io .param .u32 n_t1 .param .u32 n_t2 .param .u32 n_acc "
if [ "$got" = "$want" ]; then ok ptx_abi; else bad ptx_abi "entry params: $got"; fi

# Read-only buffers load non-coherently, writable ones do not; f32
# arithmetic is never contracted; no flush-to-zero anywhere.
if grep -q 'ld\.global\.nc\.f32.*' "$out/ptx_saxpy_sm80.ptx" \
    && [ "$(grep -c 'ld\.global\.f32' "$out/ptx_saxpy_sm80.ptx")" -eq 1 ]; then
	ok ptx_nc_loads
else
	bad ptx_nc_loads "want one ld.global.nc.f32 (x) and one ld.global.f32 (y)"
fi
if grep -Eq '(add|sub|mul)\.f32|\.ftz|\.approx' "$out/ptx_ops.golden.ptx"; then
	bad ptx_rounding "found an f32 add/sub/mul without .rn, or .ftz/.approx"
else
	ok ptx_rounding
fi
