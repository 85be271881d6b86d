#!/bin/sh
# t_vectors.sh: the vector types u32/i32/f32 x2/x3/x4 (SPEC §10.1, §10.10).
# The semantics corpus (tests/corpus/vec_*.yaml, expectations from
# gen_vec.py's exact-fraction oracle) runs in t_vm (reference), t_vulkan
# (spv on lavapipe), t_glsl (glslang's SPIR-V on lavapipe), t_spv and t_ptx;
# tests/gpu/run.sh picks it up for the H200.  This suite checks the rest:
# the typing errors, .npy shapes and raw files, the generators, the
# manifest, and that each emitter makes one access per vector (PTX
# ld.global.v4, SPIR-V ArrayStride 16 runtime arrays of v4float, GLSL vec4
# in std430), the samples, and the launchers' refusal.
cd "$(dirname "$0")/.." || exit 2
. tests/lib.sh
O=tests/out/vectors
rm -rf "$O" && mkdir -p "$O"

# ---- the corpus is what gen_vec.py writes ----
mkdir -p "$O/gen"
cp tests/corpus/gen_vec.py tests/corpus/f32oracle.py "$O/gen/"
if python3 "$O/gen/gen_vec.py" >"$O/gen.log" 2>&1; then
	same=1
	for f in "$O"/gen/vec_*; do
		cmp -s "$f" "tests/corpus/$(basename "$f")" || same=0
	done
	[ $same = 1 ] && ok corpus_vec_current ||
		bad corpus_vec_current "tests/corpus/gen_vec.py output differs from the committed files"
else
	bad corpus_vec_current "$(head -2 "$O/gen.log")"
fi

# ---- typing errors: message, both types, and a Fix ----
# terr NAME 'STATEMENT' 'EXPECTED TEXT' [PARAMS]
terr() {
	n=$1 st=$2 want=$3 params=${4:-"{n: u32}"}
	cat > "$O/$n.yaml" <<EOF
vyrec: 1
name: $n
workgroup_size: [1]
params: $params
buffers:
  y: {type: f32x4, count: 4, access: read_write}
  h: {type: u32x2, count: 4, access: read_write}
  o: {type: f32, count: 4, access: read_write}
dispatch: [1]
entry:
  - let a = f32x4(1.0, 2.0, 3.0, 4.0)
  - let u = u32x2(1u, 2u)
  - var w = f32x2(0.5)
  - let s = 1.5
  - '$st'
EOF
	"$VYREC" check "$O/$n.yaml" > "$O/$n.log" 2>&1
	rc=$?
	if [ $rc -ne 0 ] && grep -qF -- "$want" "$O/$n.log" && grep -q 'Fix:' "$O/$n.log" &&
		grep -q "$n.yaml:[0-9]*:[0-9]*: error" "$O/$n.log"; then
		ok "type_$n"
	else
		bad "type_$n" "rc=$rc: $(head -4 "$O/$n.log" | tr '\n' ' ')"
	fi
}
terr mismatch_vec 'let b = a + w' "mismatched types f32x4 and f32x2 for 'core.add'"
terr mismatch_elem 'let b = a + u32x4(1u)' "mismatched types f32x4 and u32x4"
terr mismatch_scalar 'let b = a * 2u' "mismatched types f32x4 and u32 for 'core.mul'"
terr compare 'let b = a < a' "'core.lt' does not take vectors (f32x4)"
terr logic 'let b = u && u' "'core.land' does not take vectors (u32x2)"
terr rem_float 'let b = a % a' "argument 'a' of 'core.rem' must be"
terr swz_range 'let b = w.z' "'.z' is out of range for f32x2"
terr swz_bad 'let b = a.xq' "'.xq' is not a component or swizzle of f32x4"
terr swz_long 'let b = a.xyzwx' "'.xyzwx' is not a component or swizzle of f32x4"
terr swz_scalar 'let b = s.x' "'s' is f32, not a vector"
terr assign_two 'w.xy = f32x2(1.0)' "'w.xy' assigns several components"
terr assign_let 'a.x = 1.0' "cannot assign to 'a': it is declared with let"
terr assign_type 'w = a' "the assigned value must be f32x2, not f32x4"
terr ctor_count 'let b = f32x4(1.0, 2.0)' "f32x4 takes 4 components, but 2 were given"
terr ctor_type 'let b = f32x4(u, 1.0, 2.0)' "argument 1 of f32x4 is u32x2, not a vector of f32"
terr splat_type 'let b = f32x4(1u)' "the splat f32x4(x) takes f32, not u32"
terr sum_int 'let b = math.sum(u)' "'math.sum' takes float vectors, not u32x2"
terr dot_types 'let b = math.dot(a, w)' "'math.dot' takes float vectors of one type (f32x4), not f32x2"
terr cast_vec 'let b = f32(a)' "f32(x) takes a scalar, not f32x4"
terr cond 'let b = a ? 1.0 : 2.0' "the condition of '?:' must be bool, not f32x4"
terr if_vec 'o[0u] = a' "the stored value must be f32, not f32x4"
terr store_scalar 'y[0u] = 1.0' "the stored value must be f32x4, not f32"
terr atomic 'let b = atomic.add(h[0u], 1u)' "atomics need u32 or i32 elements; 'h' has u32x2 elements"
terr stmt 'f32x4(1.0)' "a f32x4 value cannot be a statement"
terr param 'let b = 1.0' "param 'v' cannot be f32x4: params are scalars" "{v: f32x4}"

# ---- .npy shapes and raw data (SPEC §10.10) ----
cat > "$O/npy.py" <<'EOF'
import struct, sys
def save(path, descr, shape, fmt, vals):
    d = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (descr, shape)
    pad = (64 - (10 + len(d) + 1) % 64) % 64
    h = d + ' ' * pad + '\n'
    with open(path, 'wb') as f:
        f.write(b'\x93NUMPY\x01\x00' + struct.pack('<H', len(h)) + h.encode())
        f.write(struct.pack('<%d%s' % (len(vals), fmt), *vals))
def header(path):
    b = open(path, 'rb').read()
    n = struct.unpack('<H', b[8:10])[0]
    return b[10:10 + n].decode().strip(), b[10 + n:]
cmd = sys.argv[1]
if cmd == 'save':
    save(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], [float(v) if sys.argv[5] == 'f' else int(v) for v in sys.argv[6:]])
elif cmd == 'load':
    h, data = header(sys.argv[2])
    fmt = sys.argv[3]
    print(h)
    print(' '.join(('%g' if fmt == 'f' else '%d') % v for v in struct.unpack('<%d%s' % (len(data) // 4, fmt), data)))
EOF
P="python3 $O/npy.py"
$P save "$O/x2d.npy" '<f4' '(2, 4)' f 1 2 3 4 5 6 7 8
$P save "$O/xflat.npy" '<f4' '(8,)' f 1 2 3 4 5 6 7 8
$P save "$O/y.npy" '<f4' '(2, 4)' f 10 20 30 40 50 60 70 80
for x in x2d xflat; do
	"$VYREC" run samples/saxpy4.yaml --backend reference --param n=2 --param a=2 \
		--in x="$O/$x.npy" --in y="$O/y.npy" --out y="$O/$x.out.npy" > "$O/$x.log" 2>&1
	got=$($P load "$O/$x.out.npy" f 2>&1 | tr '\n' '|')
	want="{'descr': '<f4', 'fortran_order': False, 'shape': (2, 4), }|12 24 36 48 60 72 84 96|"
	[ "$got" = "$want" ] && ok "npy_saxpy4_$x" || bad "npy_saxpy4_$x" "got '$got' ($(head -1 "$O/$x.log"))"
done
# a file with the wrong number of components is refused, naming both counts
$P save "$O/x7.npy" '<f4' '(7,)' f 1 2 3 4 5 6 7
"$VYREC" run samples/saxpy4.yaml --backend reference --param n=2 --param a=1 --in x="$O/x7.npy" > "$O/x7.log" 2>&1
[ $? -ne 0 ] && grep -q "holds 7 elements but the buffer has 8" "$O/x7.log" && ok npy_wrong_count ||
	bad npy_wrong_count "$(head -2 "$O/x7.log" | tr '\n' ' ')"
# dtype checked against the element type
$P save "$O/xi.npy" '<i4' '(2, 4)' i 1 2 3 4 5 6 7 8
"$VYREC" run samples/saxpy4.yaml --backend reference --param n=2 --param a=1 --in x="$O/xi.npy" > "$O/xi.log" 2>&1
[ $? -ne 0 ] && grep -q "has dtype '<i4' but buffer has type f32" "$O/xi.log" && ok npy_wrong_dtype ||
	bad npy_wrong_dtype "$(head -2 "$O/xi.log" | tr '\n' ' ')"
# x3: 12 bytes an element in raw files and .npy (the device has 16)
cat > "$O/x3.yaml" <<'EOF'
vyrec: 1
name: x3
workgroup_size: [4]
params: {n: u32}
buffers:
  a: {type: u32x3, count: n, access: read_only}
  b: {type: u32x3, count: n, access: write_only}
dispatch: [n]
entry:
  - let i = gid.x
  - if: i < n
    then:
      - b[i] = a[i].zxy + u32x3(100u, 200u, 300u)
EOF
printf '\001\000\000\000\002\000\000\000\003\000\000\000\004\000\000\000\005\000\000\000\006\000\000\000' > "$O/a3.bin"
for be in reference vulkan; do
	"$VYREC" run "$O/x3.yaml" --backend $be --param n=2 --in a="$O/a3.bin" \
		--out b="$O/b3.$be.npy" --out b="$O/b3.$be.bin" > "$O/x3.$be.log" 2>&1
	got=$($P load "$O/b3.$be.npy" i 2>&1 | tr '\n' '|')
	want="{'descr': '<u4', 'fortran_order': False, 'shape': (2, 3), }|103 201 302 106 204 305|"
	sz=$(wc -c < "$O/b3.$be.bin" 2>/dev/null)
	[ "$got" = "$want" ] && [ "$sz" = 24 ] && ok "x3_packed_$be" ||
		bad "x3_packed_$be" "got '$got' raw $sz bytes ($(head -1 "$O/x3.$be.log"))"
done

# ---- generators: per component, flat ----
cat > "$O/gen.yaml" <<'EOF'
vyrec: 1
name: gen
workgroup_size: [1]
buffers:
  f: {type: f32x4, count: 2, access: read_write}
  u: {type: u32x3, count: 2, access: read_write}
  i: {type: i32x2, count: 3, access: read_write}
dispatch: [1]
entry: [return]
EOF
out=$("$VYREC" run "$O/gen.yaml" --backend reference --in f=iota --in u=const:7 --in i=iota \
	--print f --print u --print i 2>&1 | tr '\n' '|')
[ "$out" = "f: 0 1 2 3 4 5 6 7|u: 7 7 7 7 7 7|i: 0 1 2 3 4 5|" ] && ok gen_iota_const ||
	bad gen_iota_const "$out"
# random: one draw per component, the f32 stream of a scalar buffer
cat > "$O/gen1.yaml" <<'EOF'
vyrec: 1
name: gen1
workgroup_size: [1]
buffers:
  f: {type: f32, count: 8, access: read_write}
dispatch: [1]
entry: [return]
EOF
a=$("$VYREC" run "$O/gen.yaml" --backend reference --in f=random:5 --print f 2>&1 | sed 's/^f: //')
b=$("$VYREC" run "$O/gen1.yaml" --backend reference --in f=random:5 --print f 2>&1 | sed 's/^f: //')
[ -n "$a" ] && [ "$a" = "$b" ] && ok gen_random_components || bad gen_random_components "'$a' vs '$b'"

# ---- manifest ----
"$VYREC" build "$O/x3.yaml" -t spv -o "$O/x3.spv" --manifest "$O/x3.json" > /dev/null 2>&1
grep -q '"type": "u32x3", "element_size": 12, .*"element_type": "u32", "lanes": 3, "device_stride": 16' "$O/x3.json" &&
	ok manifest_vector || bad manifest_vector "$(grep '"a"' "$O/x3.json")"

# ---- one access per vector in the emitted code ----
"$VYREC" build samples/vecadd4.yaml -t ptx -o "$O/vecadd4.ptx" > "$O/ptx.log" 2>&1
[ "$(grep -c 'ld.global.nc.v4.f32' "$O/vecadd4.ptx")" = 2 ] &&
	[ "$(grep -c 'st.global.v4.f32' "$O/vecadd4.ptx")" = 1 ] &&
	! grep -q 'ld.global.nc.f32\|st.global.f32' "$O/vecadd4.ptx" && ok ptx_v4_vecadd4 ||
	bad ptx_v4_vecadd4 "$(grep 'ld\.\|st\.' "$O/vecadd4.ptx" | head -4 | tr '\n' ' ')"
"$VYREC" build samples/saxpy4.yaml -t ptx -o "$O/saxpy4.ptx" > /dev/null 2>&1
grep -q 'ld.global.v4.f32' "$O/saxpy4.ptx" && grep -q 'st.global.v4.f32' "$O/saxpy4.ptx" &&
	ok ptx_v4_saxpy4 || bad ptx_v4_saxpy4 "no ld/st.global.v4.f32"
"$VYREC" build "$O/x3.yaml" -t ptx -o "$O/x3.ptx" > /dev/null 2>&1
grep -q 'ld.global.nc.v4.u32' "$O/x3.ptx" && grep -q 'mul.wide.u32.*16;' "$O/x3.ptx" &&
	[ "$(grep -c 'st.global.u32' "$O/x3.ptx")" = 3 ] && ok ptx_x3_stride16 ||
	bad ptx_x3_stride16 "$(grep 'ld\.\|st\.\|mul.wide' "$O/x3.ptx" | head -5 | tr '\n' ' ')"
PTXAS=$(cuda_tool ptxas)
if [ -n "$PTXAS" ]; then
	for f in "$O/vecadd4.ptx" "$O/x3.ptx"; do
		sed 's/^\.target sm_70/.target sm_80/; s/^\.version .*/.version 7.0/' "$f" > "$f.80"
		"$PTXAS" -arch sm_80 "$f.80" -o "$f.cubin" > "$f.log" 2>&1 && ok "ptxas_$(basename "$f")" ||
			bad "ptxas_$(basename "$f")" "$(head -2 "$f.log")"
	done
else
	bad ptxas "no ptxas (tools/cuda-toolkit.sh fetches it)"
fi
"$VYREC" build samples/vecadd4.yaml -t spv --emit-asm -o "$O/vecadd4.spvasm" > /dev/null 2>&1
grep -q 'OpDecorate %_runtimearr_v4float ArrayStride 16' "$O/vecadd4.spvasm" &&
	[ "$(grep -c 'OpLoad %v4float' "$O/vecadd4.spvasm")" = 2 ] &&
	grep -q 'OpStore .* %[0-9a-z_]*$' "$O/vecadd4.spvasm" &&
	grep -q 'OpCompositeConstruct %v4float' "$O/vecadd4.spvasm" && ok spv_v4float_vecadd4 ||
	bad spv_v4float_vecadd4 "$(grep 'v4float' "$O/vecadd4.spvasm" | head -3 | tr '\n' ' ')"
"$VYREC" build "$O/x3.yaml" -t spv --emit-asm -o "$O/x3.spvasm" > /dev/null 2>&1
grep -q 'OpDecorate %_runtimearr_v3uint ArrayStride 16' "$O/x3.spvasm" && ok spv_x3_stride16 ||
	bad spv_x3_stride16 "$(grep ArrayStride "$O/x3.spvasm")"
"$VYREC" build samples/vecadd4.yaml -t glsl -o "$O/vecadd4.comp" > /dev/null 2>&1
grep -q 'layout(std430, set = 0, binding = 0) readonly buffer blk_x' "$O/vecadd4.comp" &&
	grep -q '	vec4 b_x\[\];' "$O/vecadd4.comp" && grep -q 'vec4 t0 = b_x\[v_i\];' "$O/vecadd4.comp" &&
	grep -q 'b_z\[v_i\] = vec4(' "$O/vecadd4.comp" && ok glsl_vec4_vecadd4 ||
	bad glsl_vec4_vecadd4 "$(grep 'vec4' "$O/vecadd4.comp" | head -3 | tr '\n' ' ')"
# a vector load in a lazy operand is per component (never speculated)
grep -q "i < 1u ? v\[i\].x" tests/corpus/vec_f32.yaml &&
	"$VYREC" build tests/corpus/vec_f32.yaml -t ptx -o "$O/vec_f32.ptx" > /dev/null 2>&1 &&
	grep -q 'ld.global.f32.*\[%rd[0-9]*\]' "$O/vec_f32.ptx" && ok ptx_lazy_component_load ||
	bad ptx_lazy_component_load "no component load in vec_f32.ptx"
# 1.0 programs keep their bytes (no vector code paths): vecadd's ptx has
# no .v4 and its spv no vector type but gl_GlobalInvocationID's
"$VYREC" build samples/vecadd.yaml -t ptx -o "$O/vecadd.ptx" > /dev/null 2>&1
! grep -q '\.v[24]\.' "$O/vecadd.ptx" && ok ptx_scalar_unchanged || bad ptx_scalar_unchanged

# ---- samples on the reference and lavapipe ----
for s in vecadd4 saxpy4; do
	"$VYREC" verify samples/$s.yaml --backends vulkan > "$O/$s.verify" 2>&1 &&
		grep -q '^vulkan.*: PASS' "$O/$s.verify" && ok "verify_$s" ||
		bad "verify_$s" "$(head -3 "$O/$s.verify" | tr '\n' ' ')"
done
# verify compares per component: a wrong component is found and named
sed 's/z\[i\] = x\[i\] + y\[i\]/z[i] = x[i] + y[i] + f32x4(0.0, 0.0, f32(i % 2u), 0.0)/' samples/vecadd4.yaml > "$O/wrong.yaml"
VYREC_SPV_OVERRIDE= "$VYREC" build samples/vecadd4.yaml -t spv -o "$O/right.spv" > /dev/null 2>&1
VYREC_SPV_OVERRIDE="$O/right.spv" "$VYREC" verify "$O/wrong.yaml" --backends vulkan > "$O/wrong.log" 2>&1
[ $? -ne 0 ] && grep -q 'FAIL buffer z\[1\].z: got' "$O/wrong.log" && ok verify_names_component ||
	bad verify_names_component "$(head -2 "$O/wrong.log" | tr '\n' ' ')"

# ---- both launchers run vector buffers (t_launcher_c.sh, t_launcher_cargo.sh);
# the Cargo crate's f32x4 elements are [f32; 4] ----
rm -rf "$O/launch"
"$VYREC" launcher samples/vecadd4.yaml -t spv --lang cargo -o "$O/launch" > "$O/launch.log" 2>&1
rc=$?
[ $rc -eq 0 ] && grep -q "pub x: &'a \[\[f32; 4\]\]," "$O/launch/src/lib.rs" &&
	ok launcher_cargo_vectors || bad launcher_cargo_vectors "rc=$rc $(head -2 "$O/launch.log")"

# ---- extern dialects: scalar ops only ----
cat > "$O/d.yaml" <<'EOF2'
vyrec_dialect: 1
dialect: vv
version: 1.0.0
ops:
  f:
    params: {x: f32x4}
    returns: f32
    body: x.x
EOF2
"$VYREC" ops --dialect "$O/d.yaml" > "$O/d.log" 2>&1
[ $? -ne 0 ] && grep -q "d.yaml:6:17: error: extern ops take scalars, not f32x4" "$O/d.log" &&
	grep -q 'Fix:' "$O/d.log" && ok dialect_refuses_vector_param ||
	bad dialect_refuses_vector_param "$(head -2 "$O/d.log" | tr '\n' ' ')"
cat > "$O/ext.yaml" <<'EOF2'
vyrec: 1
name: ext
dialects: [../../../samples/dialects/nn.yaml]
workgroup_size: [1]
buffers:
  y: {type: f32x4, count: 1, access: read_write}
dispatch: [1]
entry:
  - y[0u] = nn.relu(y[0u])
EOF2
"$VYREC" check "$O/ext.yaml" > "$O/ext.log" 2>&1
[ $? -ne 0 ] && grep -q "'nn.relu' does not take vectors (f32x4)" "$O/ext.log" &&
	grep -q 'Fix: apply it to each component' "$O/ext.log" && ok extern_op_refuses_vector ||
	bad extern_op_refuses_vector "$(head -3 "$O/ext.log" | tr '\n' ' ')"
