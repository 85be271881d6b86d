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

# ---- f64, u64, i64 (SPEC §10.1, §10.10) ----
# edge values on the reference at -O0 and -O1 against Python's integers
# and fractions (tests/scalars/edge64_expect.py)
python3 tests/scalars/edge64_expect.py > "$O/edge64.exp"
cat > "$O/cmp64.py" <<'EOF'
import struct, sys
a = b''.join(open(f, 'rb').read() for f in sys.argv[2:])
got = struct.unpack('<%dQ' % (len(a) // 8), a)
exp = [int(x) for x in open(sys.argv[1]).read().split()]
bad = [(i, g, e) for i, (g, e) in enumerate(zip(got, exp)) if g != e]
if bad or len(got) != len(exp):
    print('elements', len(got), 'expected', len(exp), 'first mismatches', bad[:4])
    sys.exit(1)
EOF
for o in O0 O1; do
	if $VYREC run tests/scalars/edge64.yaml --backend reference -$o --out out="$O/e_out.bin" \
		--out f="$O/e_f.bin" > "$O/edge64_$o.log" 2>&1 &&
		python3 "$O/cmp64.py" "$O/edge64.exp" "$O/e_out.bin" "$O/e_f.bin" >> "$O/edge64_$o.log" 2>&1; then
		ok "edge64_reference_$o"
	else
		bad "edge64_reference_$o" "$(tail -2 "$O/edge64_$o.log" | tr '\n' ' ')"
	fi
done
# typing: both types named, the cast suggested
err w64_mix "mismatched types f64 and f32 for 'core.add'" 'let x = 1.0d + f[0u]'
err w64_mix_fix "convert one side explicitly" 'let x = 1.0d + f[0u]'
err w64_mix_int "mismatched types u64 and u32 for 'core.add'" 'let x = 1ul + n'
err w64_bitcast "cannot bitcast u32 (4 bytes) to f64 (8 bytes)" 'let x = bitcast<f64>(n)'
err w64_bitcast_fix "to change the width, cast: f64(x)" 'let x = bitcast<f64>(n)'
err w64_math "'math.exp' is not defined on f64" 'let x = exp(2.0d)'
err w64_math_fix "compute it in f32: f64(exp(f32(x)))" 'let x = exp(2.0d)'
err w64_popcount "'math.popcount' is not defined on u64" 'let x = popcount(3ul)'
err w64_index "index must be u32 or i32, not u64" 'out[1ul] = 1u'
err w64_float_lit "float literal takes no 'l' or 'ul' suffix" 'let x = 1.5l'
err w64_lit_range "integer literal -1 out of range for u64" 'var x: u64 = -1'
good w64_literals 'let a = 18446744073709551615ul' 'let b = -9223372036854775807l - 1l' 'let c = 0.1d' 'let d = 1d' 'var e: u64 = 5' 'var g: f64 = 0.5' 'let h = f64(0.1)' 'let k = bitcast<f64>(a)' 'let m = u64(n) << 40u'
# abstract float into f64 keeps the f64 value (f64(0.1) is 0.1d, not f32's)
prog w64_abs 'let z = u64(n) - u64(n)' 'out[0u] = u32(bitcast<u64>(f64(0.1) + f64(z)) >> 32u)' 'out[1u] = u32(bitcast<u64>(f64(0.1) + f64(z)))'
if $VYREC run "$O/w64_abs.yaml" --backend reference --param n=1 --print out 2>&1 | grep -q "^out: 1069128089 2576980378 "; then
	ok w64_abstract_to_f64
else
	bad w64_abstract_to_f64 "$($VYREC run "$O/w64_abs.yaml" --backend reference --param n=1 --print out 2>&1 | head -2)"
fi
# atomics and launch sizes stay 32-bit
cat > "$O/w64_mem.yaml" <<'EOF'
vyrec: 1
name: w64_mem
workgroup_size: [4]
params: {n: u64, a: f64, k: i64}
buffers:
  q: {type: u64, count: 4, access: read_write}
  x: {type: f64, count: 8, access: read_only}
  y: {type: f64, count: 8, access: read_write}
shared:
  t: {type: f64, count: 4}
dispatch: [8]
entry:
  - let i = gid.x
  - t[lid.x] = x[i] * a
  - barrier
  - y[i] = t[3u - lid.x] + f64(k)
  - if: i < 4u
    then:
      - q[i] = q[i] + n
EOF
if $VYREC check "$O/w64_mem.yaml" > "$O/w64_mem.log" 2>&1; then ok w64_memory_check; else
	bad w64_memory_check "$(head -3 "$O/w64_mem.log" | tr '\n' ' ')"; fi
sed "s/  - if: i < 4u/  - atomic.add(q[0u], 1ul)\n&/" "$O/w64_mem.yaml" > "$O/w64_atomic.yaml"
$VYREC check "$O/w64_atomic.yaml" > "$O/w64_atomic.log" 2>&1
if grep -q "atomics need u32 or i32 elements; 'q' has u64 elements" "$O/w64_atomic.log"; then
	ok w64_atomic_refused; else bad w64_atomic_refused "$(head -2 "$O/w64_atomic.log" | tr '\n' ' ')"; fi
sed 's/dispatch: \[8\]/dispatch: [u32(n)]/' "$O/w64_mem.yaml" > "$O/w64_disp.yaml"
$VYREC check "$O/w64_disp.yaml" > "$O/w64_disp.log" 2>&1
if grep -q "u64 value in" "$O/w64_disp.log" && grep -q "Fix: declare the param u32" "$O/w64_disp.log"; then
	ok w64_dispatch_refused; else bad w64_dispatch_refused "$(head -2 "$O/w64_disp.log" | tr '\n' ' ')"; fi
# params parsed once to their type, shared arrays and buffers of 8 bytes
$VYREC run "$O/w64_mem.yaml" --backend reference --param n=18446744073709551615 --param a=0.1 \
	--param k=-9223372036854775808 --in x=iota --in q=const:2 --out y="$O/y.npy" --out q="$O/q.bin" > "$O/w64_run.log" 2>&1
if python3 - "$O/y.npy" "$O/q.bin" <<'EOF'
import struct, sys
d = open(sys.argv[1], 'rb').read()
assert d[:6] == b'\x93NUMPY', 'magic'
hl = d[8] | d[9] << 8
hdr = d[10:10 + hl].decode()
assert "'descr': '<f8'" in hdr and "'shape': (8,)" in hdr, hdr
y = struct.unpack('<8d', d[10 + hl:])
k = float(-(1 << 63))
want = [float(3 - (i % 4) + 4 * (i // 4)) * 0.1 + k for i in range(8)]
assert list(y) == want, (y, want)
q = struct.unpack('<4Q', open(sys.argv[2], 'rb').read())
assert q == (1, 1, 1, 1), q
EOF
then ok w64_run_params_shared_npy; else bad w64_run_params_shared_npy "$(tail -3 "$O/w64_run.log" | tr '\n' ' ')"; fi
# reading .npy <f8 / <u8 / <i8 back, and a dtype mismatch named
$VYREC run "$O/w64_mem.yaml" --backend reference --param n=1 --param a=2 --param k=0 \
	--in x="$O/y.npy" --out y="$O/y2.bin" > "$O/w64_rd.log" 2>&1
if [ "$(wc -c < "$O/y2.bin" 2>/dev/null)" = 64 ]; then ok w64_npy_read; else
	bad w64_npy_read "$(head -2 "$O/w64_rd.log" | tr '\n' ' ')"; fi
$VYREC run "$O/w64_mem.yaml" --backend reference --param n=1 --param a=2 --param k=0 \
	--in q="$O/y.npy" > "$O/w64_dt.log" 2>&1
if grep -q "<f8" "$O/w64_dt.log" && grep -q "<u8" "$O/w64_dt.log"; then ok w64_npy_dtype_mismatch; else
	bad w64_npy_dtype_mismatch "$(head -2 "$O/w64_dt.log" | tr '\n' ' ')"; fi
for bad_v in "n=-1" "k=9223372036854775808" "a=1.5x" "n=18446744073709551616"; do
	if $VYREC run "$O/w64_mem.yaml" --backend reference --param n=1 --param a=1 --param k=1 \
		--param "$bad_v" > "$O/w64_pv.log" 2>&1; then
		bad "w64_param_invalid_$bad_v" "accepted"
	elif grep -q "is not a valid" "$O/w64_pv.log"; then ok "w64_param_invalid_$bad_v"; else
		bad "w64_param_invalid_$bad_v" "$(head -1 "$O/w64_pv.log")"; fi
done
# the generators of §10.10 against a Python SplitMix64
cat > "$O/gen.yaml" <<'EOF'
vyrec: 1
name: gen
workgroup_size: [1]
buffers:
  a: {type: u64, count: 6, access: read_write}
  b: {type: i64, count: 6, access: read_write}
  c: {type: f64, count: 6, access: read_write}
dispatch: [1]
entry:
  - a[0u] = a[0u]
EOF
$VYREC run "$O/gen.yaml" --backend reference --in a=random:7 --in b=random:8:-5:1000000000000 \
	--in c=random:9 --out a="$O/ga.bin" --out b="$O/gb.bin" --out c="$O/gc.bin" > "$O/gen.log" 2>&1
if python3 - "$O" <<'EOF'
import struct, sys
o = sys.argv[1]
M = (1 << 64) - 1
def sm(seed, n):
    s = seed; r = []
    for _ in range(n):
        s = (s + 0x9E3779B97F4A7C15) & M; z = s
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
        r.append(z ^ (z >> 31))
    return r
a = struct.unpack('<6Q', open(o + '/ga.bin', 'rb').read())
b = struct.unpack('<6q', open(o + '/gb.bin', 'rb').read())
c = struct.unpack('<6d', open(o + '/gc.bin', 'rb').read())
assert list(a) == [z % 65536 for z in sm(7, 6)], a
assert list(b) == [-5 + z % (1000000000005) for z in sm(8, 6)], b
assert list(c) == [-1.0 + 2.0 * ((z >> 11) * 2.0 ** -53) for z in sm(9, 6)], c
EOF
then ok w64_generators_random; else bad w64_generators_random "$(tail -3 "$O/gen.log" | tr '\n' ' ')"; fi
$VYREC run "$O/gen.yaml" --backend reference --in a=iota --in b=const:-9223372036854775808 \
	--in c=const:0.1 --out a="$O/ga.bin" --out b="$O/gb.bin" --out c="$O/gc.bin" > "$O/gen2.log" 2>&1
if python3 - "$O" <<'EOF'
import struct, sys
o = sys.argv[1]
assert struct.unpack('<6Q', open(o + '/ga.bin', 'rb').read()) == (0, 1, 2, 3, 4, 5)
assert struct.unpack('<6q', open(o + '/gb.bin', 'rb').read()) == (-(1 << 63),) * 6
assert struct.unpack('<6d', open(o + '/gc.bin', 'rb').read()) == (0.1,) * 6   # parsed once, not through f32
EOF
then ok w64_generators_iota_const; else bad w64_generators_iota_const "$(tail -3 "$O/gen2.log" | tr '\n' ' ')"; fi
# verify compares f64 within the tolerance, integers exactly (reference only here)
if $VYREC verify "$O/w64_mem.yaml" --backends reference > "$O/w64_verify.log" 2>&1 ||
	grep -q '^reference.*PASS' "$O/w64_verify.log"; then ok w64_verify_reference; else
	bad w64_verify_reference "$(head -2 "$O/w64_verify.log" | tr '\n' ' ')"; fi
# the manifest: 8-byte params aligned to 8, the features named
$VYREC build "$O/w64_mem.yaml" -t reference -o "$O/w64.vyref" --manifest "$O/w64.json" > /dev/null 2>&1
if grep -q '"name": "n", "type": "u64", "offset": 0' "$O/w64.json" &&
	grep -q '"name": "a", "type": "f64", "offset": 8' "$O/w64.json" &&
	grep -q '"name": "k", "type": "i64", "offset": 16' "$O/w64.json" &&
	grep -q '"features": \["shaderFloat64", "shaderInt64"\]' "$O/w64.json"; then
	ok w64_manifest; else bad w64_manifest "$(grep -A4 params "$O/w64.json" | tr '\n' ' ')"; fi
prog w64_feat 'out[0u] = u32(f64(n) * 0.5d)'
$VYREC build "$O/w64_feat.yaml" -t reference -o "$O/w64f.vyref" --manifest "$O/w64f.json" > /dev/null 2>&1
if grep -q '"features": \["shaderFloat64"\]' "$O/w64f.json"; then ok w64_manifest_expr_feature; else
	bad w64_manifest_expr_feature "$(grep features "$O/w64f.json")"; fi
# both launchers run 64-bit programs (t_launcher_c.sh, t_launcher_cargo.sh
# build and run them); the Cargo crate generates here
for lang in cargo; do
	rm -rf "$O/l_$lang"
	$VYREC launcher "$O/w64_mem.yaml" -t spv --lang $lang -o "$O/l_$lang" > "$O/l_$lang.log" 2>&1
	rc=$?
	if [ $rc -eq 0 ] && [ -e "$O/l_$lang/Cargo.toml" ]; then
		ok "w64_launcher_$lang"; else bad "w64_launcher_$lang" "rc=$rc $(head -1 "$O/l_$lang.log")"; fi
done
# the same edge values on lavapipe through spv, bit for bit with Python
if have_backend vulkan; then
	for o in O1 O2; do
		if $VYREC run tests/scalars/edge64.yaml --backend vulkan -$o --out out="$O/v_out.bin" \
			--out f="$O/v_f.bin" > "$O/edge64_vk_$o.log" 2>&1 &&
			python3 "$O/cmp64.py" "$O/edge64.exp" "$O/v_out.bin" "$O/v_f.bin" >> "$O/edge64_vk_$o.log" 2>&1; then
			ok "edge64_vulkan_$o"
		else
			bad "edge64_vulkan_$o" "$(tail -2 "$O/edge64_vk_$o.log" | tr '\n' ' ')"
		fi
	done
	for f in shaderFloat64 shaderInt64; do
		VYREC_VK_DISABLE=$f $VYREC run "$O/w64_mem.yaml" --backend vulkan --param n=1 --param a=1 \
			--param k=1 --out y="$O/vd.bin" > "$O/vd.log" 2>&1
		rc=$?
		if [ $rc -eq 3 ] && grep -q "lacks $f" "$O/vd.log" && grep -q "Fix:" "$O/vd.log"; then
			ok "w64_vk_missing_$f"; else bad "w64_vk_missing_$f" "rc=$rc $(head -1 "$O/vd.log")"; fi
	done
	if $VYREC verify "$O/w64_mem.yaml" --backends vulkan > "$O/w64_vkv.log" 2>&1 &&
		grep -q '^vulkan.*PASS' "$O/w64_vkv.log"; then ok w64_verify_vulkan; else
		bad w64_verify_vulkan "$(grep -v '^ ' "$O/w64_vkv.log" | head -2 | tr '\n' ' ')"; fi
else
	bad edge64_vulkan "no vulkan device (lavapipe comes with make deps)"
fi
# spv: capabilities only when used, 8-byte push constants at offsets 0 8 16
$VYREC build "$O/w64_mem.yaml" -t spv --emit-asm -o "$O/w64.spvasm" > /dev/null 2>&1
if grep -q "OpCapability Float64" "$O/w64.spvasm" && grep -q "OpCapability Int64" "$O/w64.spvasm" &&
	grep -q "OpMemberDecorate %Params 1 Offset 8" "$O/w64.spvasm" &&
	grep -q "OpMemberDecorate %Params 2 Offset 16" "$O/w64.spvasm"; then
	ok w64_spv_caps_offsets; else bad w64_spv_caps_offsets "$(grep -c Capability "$O/w64.spvasm")"; fi
prog w64_f64only 'out[0u] = u32(f64(n) * 0.5d)'
$VYREC build "$O/w64_f64only.yaml" -t spv --emit-asm -o "$O/w64f.spvasm" > /dev/null 2>&1
if grep -q "OpCapability Float64" "$O/w64f.spvasm" && ! grep -q "OpCapability Int64" "$O/w64f.spvasm"; then
	ok w64_spv_int64_only_when_used; else bad w64_spv_int64_only_when_used "$(grep Capability "$O/w64f.spvasm" | tr '\n' ' ')"; fi
# f64 fma: exact on the reference (and ptx), refused on spv (a Vulkan Fma
# may round the product first; lavapipe's does)
prog w64_fma 'let z = f64(n) - f64(n)' 'out[0u] = u32(bitcast<u64>(fma(0.1d + z, 0.1d, -0.01d)))' 'out[1u] = u32(bitcast<u64>(fma(0.1d + z, 0.1d, -0.01d)) >> 32u)'
want=$(python3 -c "
import struct
from fractions import Fraction as F
u = struct.unpack('<Q', struct.pack('<d', float(F(0.1) * F(0.1) + F(-0.01))))[0]
print(u & 0xffffffff, u >> 32)")
got=$($VYREC run "$O/w64_fma.yaml" --backend reference --param n=1 --print out 2>&1 | sed -n 's/^out: \([0-9]*\) \([0-9]*\).*/\1 \2/p')
if [ "$got" = "$want" ]; then ok w64_fma_reference_exact; else bad w64_fma_reference_exact "got '$got' want '$want'"; fi
$VYREC build "$O/w64_fma.yaml" -t spv -o "$O/w64_fma.spv" > "$O/w64_fma.log" 2>&1
if grep -q "math.fma. on f64 is not exact on spv" "$O/w64_fma.log" && grep -q "Fix:" "$O/w64_fma.log"; then
	ok w64_fma_spv_refused; else bad w64_fma_spv_refused "$(head -1 "$O/w64_fma.log")"; fi
# ptx: .u64/.f64/.s64 params and registers, assembled by ptxas
$VYREC build "$O/w64_mem.yaml" -t ptx -o "$O/w64.ptx" > /dev/null 2>&1
if grep -q '.param .u64 p_n' "$O/w64.ptx" && grep -q '.param .f64 p_a' "$O/w64.ptx" &&
	grep -q '.param .s64 p_k' "$O/w64.ptx" && grep -q '.shared .align 8 .b64 vy_sh_t' "$O/w64.ptx"; then
	ok w64_ptx_params; else bad w64_ptx_params "$(grep '.param' "$O/w64.ptx" | tr '\n' ' ')"; fi
if [ -x "$(cuda_tool ptxas)" ]; then
	for f in tests/scalars/edge64.yaml "$O/w64_mem.yaml" "$O/w64_fma.yaml"; do
		n=$(basename "$f" .yaml)
		$VYREC build "$f" -t ptx -o "$O/$n.ptx" > /dev/null 2>&1
		for a in sm_80 sm_90; do
			if "$(cuda_tool ptxas)" -arch=$a "$O/$n.ptx" -o "$O/$n.cubin" > "$O/ptxas.log" 2>&1; then
				ok "w64_ptxas_${n}_$a"; else bad "w64_ptxas_${n}_$a" "$(head -2 "$O/ptxas.log" | tr '\n' ' ')"; fi
		done
	done
fi
err w64_shift_amount "the shift amount must be u32 or i32, not u64" 'let x = 1ul << 3ul'
# glsl: glslang's SPIR-V on lavapipe gives the same bits (int64 extension
# only for the integer types)
if have_backend vulkan && command -v glslangValidator > /dev/null; then
	$VYREC build tests/scalars/edge64.yaml -t glsl -o "$O/edge64.comp" > "$O/gl.log" 2>&1 &&
		glslangValidator -V --target-env vulkan1.1 -o "$O/edge64.gl.spv" "$O/edge64.comp" >> "$O/gl.log" 2>&1
	if VYREC_SPV_OVERRIDE="$O/edge64.gl.spv" $VYREC run tests/scalars/edge64.yaml --backend vulkan \
		--out out="$O/g_out.bin" --out f="$O/g_f.bin" >> "$O/gl.log" 2>&1 &&
		python3 "$O/cmp64.py" "$O/edge64.exp" "$O/g_out.bin" "$O/g_f.bin" >> "$O/gl.log" 2>&1; then
		ok edge64_glsl_vulkan; else bad edge64_glsl_vulkan "$(tail -2 "$O/gl.log" | tr '\n' ' ')"; fi
	if grep -q "GL_ARB_gpu_shader_int64" "$O/edge64.comp"; then ok w64_glsl_int64_ext; else bad w64_glsl_int64_ext; fi
	# 8-byte params at offsets 0 8 16 through glslang's SPIR-V
	$VYREC build "$O/w64_mem.yaml" -t glsl -o "$O/wm.comp" > "$O/glp.log" 2>&1 &&
		glslangValidator -V --target-env vulkan1.1 -o "$O/wm.gl.spv" "$O/wm.comp" >> "$O/glp.log" 2>&1
	if grep -q "layout(offset = 8) double p_a" "$O/wm.comp" &&
		VYREC_SPV_OVERRIDE="$O/wm.gl.spv" $VYREC verify "$O/w64_mem.yaml" --backends vulkan \
		--param n=18446744073709551615 --param a=0.1 --param k=-3 >> "$O/glp.log" 2>&1; then
		ok w64_glsl_params_vulkan; else bad w64_glsl_params_vulkan "$(tail -2 "$O/glp.log" | tr '\n' ' ')"; fi
	$VYREC build "$O/w64_f64only.yaml" -t glsl -o "$O/f64only.comp" > /dev/null 2>&1
	if ! grep -q "int64" "$O/f64only.comp" && grep -q "double" "$O/f64only.comp"; then
		ok w64_glsl_f64_without_int64; else bad w64_glsl_f64_without_int64; fi
	$VYREC build "$O/w64_fma.yaml" -t glsl -o "$O/fma.comp" > "$O/glfma.log" 2>&1
	if grep -q "math.fma. on f64 is not exact on glsl" "$O/glfma.log"; then ok w64_fma_glsl_refused; else
		bad w64_fma_glsl_refused "$(head -1 "$O/glfma.log")"; fi
else
	bad edge64_glsl_vulkan "no vulkan device or glslangValidator (make deps installs them)"
fi
# the corpus program is current with its generator
mkdir -p "$O/gen64/tests/corpus" "$O/gen64/tests/scalars"
cp tests/scalars/edge64.yaml tests/scalars/edge64_expect.py tests/scalars/gen_corpus64.py "$O/gen64/tests/scalars/"
if (cd "$O/gen64" && python3 tests/scalars/gen_corpus64.py) &&
	cmp -s "$O/gen64/tests/corpus/i64_edge.yaml" tests/corpus/i64_edge.yaml &&
	cmp -s "$O/gen64/tests/corpus/i64_edge.expect" tests/corpus/i64_edge.expect; then
	ok corpus64_current; else bad corpus64_current "tests/scalars/gen_corpus64.py output differs from tests/corpus/i64_edge.*"; fi
# samples/dot_f64.yaml: the partial sums of iota . 0.5 (exact in f64)
$VYREC run samples/dot_f64.yaml --backend reference --param n=1000 --in x=iota --in y=const:0.5 \
	--print partial > "$O/dot.log" 2>&1
if grep -q "^partial: 16320 49088 81856 102486$" "$O/dot.log"; then ok sample_dot_f64; else
	bad sample_dot_f64 "$(head -2 "$O/dot.log" | tr '\n' ' ')"; fi
