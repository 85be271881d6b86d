#!/bin/sh
# t_scalars.sh: the scalar additions of SPEC §10.1/§10.2 that the corpus
# cannot check by value: the errors (naming both types and the cast), the
# device-feature refusal, what each emitter prints.  The values are
# checked by the corpus (tests/corpus/f32_literals.yaml, f32_atomic_add
# .yaml, hand-written .expect files), which t_vm (reference), t_vulkan
# (spv on lavapipe), t_glsl, t_spv and t_ptx run, and tests/gpu/run.sh on
# the NVIDIA GPU.
cd "$(dirname "$0")/.." || exit 2
. tests/lib.sh
O=tests/out/scalars
rm -rf "$O" && mkdir -p "$O"

# prog NAME LINES...: a one-invocation program with out: u32[4] and f: f32[4]
prog() {
	n=$1; shift
	{
		echo "vyrec: 1"
		echo "name: $n"
		echo "workgroup_size: [1]"
		echo "params: {n: u32}"
		echo "buffers:"
		echo "  out: {binding: 0, type: u32, count: 4, access: read_write}"
		echo "  f: {binding: 1, type: f32, count: 4, access: read_write}"
		echo "  r: {binding: 2, type: f32, count: 4, access: read_only}"
		echo "shared:"
		echo "  s: {type: f32, count: 4}"
		echo "dispatch: [1]"
		echo "entry:"
		for l in "$@"; do echo "  - '$l'"; done
	} > "$O/$n.yaml"
}
# err NAME WANT LINES...: vyrec check fails with exit 1 and says WANT
err() {
	n=$1 want=$2; shift 2
	prog "$n" "$@"
	$VYREC check "$O/$n.yaml" > "$O/$n.log" 2>&1
	rc=$?
	if [ $rc -eq 1 ] && grep -qF -- "$want" "$O/$n.log"; then
		ok "$n"
	else
		bad "$n" "rc=$rc: $(head -4 "$O/$n.log" | tr '\n' ' ')"
	fi
}
# good NAME LINES...: vyrec check accepts it
good() {
	n=$1; shift
	prog "$n" "$@"
	if $VYREC check "$O/$n.yaml" > "$O/$n.log" 2>&1; then ok "$n"; else
		bad "$n" "$(head -4 "$O/$n.log" | tr '\n' ' ')"; fi
}

# ---- inf and nan literals ----
good lit_inf_nan 'f[0u] = inf' 'f[1u] = -inf' 'f[2u] = nan' 'out[0u] = u32(f[0u] > 1.0)'
err lit_inf_name "'inf' is a reserved word and cannot be a name" 'var inf = 1'
err lit_nan_name "'nan' is a reserved word and cannot be a name" 'let nan = 1.0'
err lit_inf_int "float literal where u32 is expected" 'out[0u] = inf + 1u'
err lit_nan_caret "      |              ^~~" 'let z = nan + n'
prog lit_param 'out[0u] = 1u'
sed -i 's/params: {n: u32}/params: {inf: f32}/' "$O/lit_param.yaml"
if $VYREC check "$O/lit_param.yaml" > "$O/lit_param.log" 2>&1; then
	bad lit_param_name "accepted a param named inf"
elif grep -q "'inf' is a keyword and cannot name a param" "$O/lit_param.log" &&
	grep -q "Fix:" "$O/lit_param.log"; then
	ok lit_param_name
else
	bad lit_param_name "$(head -2 "$O/lit_param.log" | tr '\n' ' ')"
fi
# the f32 bits of the literals, folded into the constants of every target
prog lit_bits 'f[0u] = inf' 'f[1u] = -inf' 'f[2u] = nan'
if $VYREC run "$O/lit_bits.yaml" --backend reference --param n=1 --out f="$O/lit_bits.bin" > /dev/null 2>&1 &&
	[ "$(od -An -tx4 -v "$O/lit_bits.bin" | tr -s ' ' | sed 's/^ //')" = "7f800000 ff800000 7fc00000 00000000" ]; then
	ok lit_bits_reference
else
	bad lit_bits_reference "$(od -An -tx4 -v "$O/lit_bits.bin" 2>&1)"
fi
for t in spv ptx glsl; do
	if $VYREC build "$O/lit_bits.yaml" -t $t -o "$O/lit_bits.$t" > "$O/lit_bits_$t.log" 2>&1; then
		ok "lit_bits_build_$t"
	else
		bad "lit_bits_build_$t" "$(head -2 "$O/lit_bits_$t.log" | tr '\n' ' ')"
	fi
done
if grep -q "0f7F800000" "$O/lit_bits.ptx" &&
	grep -q '0f7FC00000' "$O/lit_bits.ptx"; then
	ok lit_bits_ptx
else
	bad lit_bits_ptx "$(grep -i 'st.global' "$O/lit_bits.ptx" | head -3 | tr '\n' ' ')"
fi

# ---- f32 atomic.add (SPEC §10.2) ----
good fatomic_ok 'atomic.add(f[0u], 1.5)' 'let o = atomic.add(s[1u], 2.0)' 'f[1u] = o'
err fatomic_min "atomic.min needs u32 or i32 elements, but 'f' holds f32" 'atomic.min(f[0u], 1.0)'
err fatomic_min_fix "on f32 only atomic.add" 'atomic.exchange(f[0u], 1.0)'
err fatomic_ro "atomic operation on read-only buffer 'r'" 'atomic.add(r[0u], 1.0)'
err fatomic_int_value "mismatched types f32 and u32 for 'atomic.add'" 'atomic.add(f[0u], 1u)'
err fatomic_float_into_int "float literal where u32 is expected" 'atomic.add(out[0u], 1.5)'
prog fatomic 'atomic.add(f[n % 4u], 0.5)' 'atomic.add(s[0u], 1.0)'
$VYREC build "$O/fatomic.yaml" -t spv --emit-asm -o "$O/fatomic.spvasm" --manifest "$O/fatomic.json" > "$O/fatomic.log" 2>&1
if grep -q "OpCapability AtomicFloat32AddEXT" "$O/fatomic.spvasm" &&
	grep -q 'OpExtension "SPV_EXT_shader_atomic_float_add"' "$O/fatomic.spvasm" &&
	[ "$(grep -c OpAtomicFAddEXT "$O/fatomic.spvasm")" -eq 2 ]; then
	ok fatomic_spv
else
	bad fatomic_spv "$(head -3 "$O/fatomic.log" | tr '\n' ' ')"
fi
if grep -q '"features": \["shaderBufferFloat32AtomicAdd", "shaderSharedFloat32AtomicAdd"\]' "$O/fatomic.json"; then
	ok fatomic_manifest
else
	bad fatomic_manifest "$(grep features "$O/fatomic.json")"
fi
# an integer atomic program declares neither the capability nor the feature
prog iatomic 'atomic.add(out[n % 4u], 1u)'
$VYREC build "$O/iatomic.yaml" -t spv --emit-asm -o "$O/iatomic.spvasm" --manifest "$O/iatomic.json" > /dev/null 2>&1
if grep -q "AtomicFloat32AddEXT\|atomic_float" "$O/iatomic.spvasm" || grep -q features "$O/iatomic.json"; then
	bad fatomic_only_when_used "integer atomics declare the float-atomic capability or feature"
else
	ok fatomic_only_when_used
fi
$VYREC build "$O/fatomic.yaml" -t ptx -o "$O/fatomic.ptx" > /dev/null 2>&1
if grep -q 'red.relaxed.gpu.global.add.f32' "$O/fatomic.ptx" &&
	grep -q 'red.relaxed.cta.shared.add.f32' "$O/fatomic.ptx"; then
	ok fatomic_ptx
else
	bad fatomic_ptx "$(grep 'add' "$O/fatomic.ptx" | head -3 | tr '\n' ' ')"
fi
$VYREC build "$O/fatomic.yaml" -t glsl -o "$O/fatomic.glsl" > "$O/fatomic_glsl.log" 2>&1
if grep -q '#extension GL_EXT_shader_atomic_float : require' "$O/fatomic.glsl"; then
	ok fatomic_glsl
else
	bad fatomic_glsl "$(head -2 "$O/fatomic_glsl.log" | tr '\n' ' ')"
fi
if [ -x "$(cuda_tool ptxas)" ]; then
	for a in sm_80 sm_90; do
		if "$(cuda_tool ptxas)" -arch=$a "$O/fatomic.ptx" -o "$O/fatomic_$a.cubin" > "$O/ptxas.log" 2>&1; then
			ok "fatomic_ptxas_$a"
		else
			bad "fatomic_ptxas_$a" "$(head -2 "$O/ptxas.log" | tr '\n' ' ')"
		fi
	done
fi
# the Vulkan backend refuses a program whose device lacks a feature
if have_backend vulkan; then
	for f in shaderBufferFloat32AtomicAdd shaderSharedFloat32AtomicAdd; do
		VYREC_VK_DISABLE=$f $VYREC run "$O/fatomic.yaml" --backend vulkan --param n=1 \
			--out f="$O/f.bin" > "$O/vkdis.log" 2>&1
		rc=$?
		if [ $rc -eq 3 ] && grep -q "lacks $f (VK_EXT_shader_atomic_float)" "$O/vkdis.log" &&
			grep -q "Fix:" "$O/vkdis.log" && [ ! -e "$O/f.bin" ]; then
			ok "fatomic_vk_missing_$f"
		else
			bad "fatomic_vk_missing_$f" "rc=$rc: $(head -2 "$O/vkdis.log" | tr '\n' ' ')"
		fi
	done
	# the order of the updates is the device's: verify compares within
	# the tolerance (sums of 0.1 are not exact)
	prog fsum 'atomic.add(f[gid.x % 4u], 0.1)'
	sed -i 's/workgroup_size: \[1\]/workgroup_size: [64]/; s/dispatch: \[1\]/dispatch: [4096]/' "$O/fsum.yaml"
	if $VYREC verify "$O/fsum.yaml" --backends vulkan --param n=1 > "$O/fsum.log" 2>&1 &&
		grep -q '^vulkan.*PASS' "$O/fsum.log"; then
		ok fatomic_verify_tolerance
	else
		bad fatomic_verify_tolerance "$(grep -v '^ ' "$O/fsum.log" | head -3 | tr '\n' ' ')"
	fi
	# the reference sums in invocation order: 1024 additions of 0.1 to 0
	$VYREC run "$O/fsum.yaml" --backend reference --param n=1 --out f="$O/fsum.bin" > /dev/null 2>&1
	want=$(python3 -c "
import struct
s=struct.unpack('<f',struct.pack('<f',0))[0]
for _ in range(1024): s=struct.unpack('<f',struct.pack('<f',s+struct.unpack('<f',struct.pack('<f',0.1))[0]))[0]
print('%08x' % struct.unpack('<I',struct.pack('<f',s))[0])")
	got=$(od -An -tx4 -N4 "$O/fsum.bin" | tr -d ' ')
	if [ "$got" = "$want" ]; then ok fatomic_reference_order; else
		bad fatomic_reference_order "got $got, want $want"; fi
else
	bad fatomic_vk "no vulkan device (lavapipe comes with make deps)"
fi
