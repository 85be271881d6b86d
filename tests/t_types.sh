#!/bin/sh
# t_types.sh: the type table (include/vyrec_types.def) and the storage
# types u8 i8 u16 i16 bf16 (SPEC §10.1, §10.10).  The semantics corpus
# (tests/corpus/storage_*.yaml, expectations from gen_storage.py's Python
# oracle) runs in t_vm (reference), t_vulkan (spv on lavapipe), t_glsl
# (glslang's SPIR-V on lavapipe), t_spv and t_ptx (build, validate,
# ptxas); this suite checks the rest: .npy dtypes and raw files, the
# generators against a Python SplitMix64, the typing errors, the device
# feature refusal, the manifest, what each emitter prints for storage
# types, ptxas, the samples, and the files that spell types.
cd "$(dirname "$0")/.." || exit 2
. tests/lib.sh
O=tests/out/types
rm -rf "$O" && mkdir -p "$O"

# ---- the table is the one list of types ----
# every type name the loader accepts is a row of vyrec_types.def
for t in u32 i32 f32 u8 i8 u16 i16 bf16; do
	grep -q "^VY_TYPE([A-Z0-9]*, *\"$t\"" include/vyrec_types.def ||
		bad "table_row_$t" "no row for $t"
done
ok table_rows
# nothing outside the table spells the .npy dtypes or the C element types
# of the scalar types per type any more (emitters, data I/O, launcher data)
if grep -n '"<f4"\|"<i4"\|"<u4"' src/*.c emitters/*.c launchers/*.c > "$O/spell.txt"; then
	bad table_only_spelling "$(head -3 "$O/spell.txt" | tr '\n' ' ')"
else
	ok table_only_spelling
fi

# ---- a program over every storage type ----
cat > "$O/copy.yaml" <<'EOF'
vyrec: 1
name: copy
workgroup_size: [8]
params: {n: u32}
buffers:
  a8: {type: u8, count: n, access: read_only}
  s8: {type: i8, count: n, access: read_only}
  a16: {type: u16, count: n, access: read_only}
  s16: {type: i16, count: n, access: read_only}
  h: {type: bf16, count: n, access: read_only}
  o8: {type: u8, count: n, access: write_only}
  os8: {type: i8, count: n, access: write_only}
  o16: {type: u16, count: n, access: write_only}
  os16: {type: i16, count: n, access: write_only}
  oh: {type: bf16, count: n, access: write_only}
  wide: {type: i32, count: n, access: write_only}
  wf: {type: f32, count: n, access: write_only}
dispatch: [n]
entry:
  - let i = gid.x
  - if: i < n
    then:
      - o8[i] = a8[i] + 1u
      - os8[i] = s8[i] * 2
      - o16[i] = a16[i] + 1u
      - os16[i] = s16[i] - 1
      - oh[i] = h[i] * 3.0
      - wide[i] = i32(a8[i]) + s8[i] + i32(a16[i]) + s16[i]
      - wf[i] = h[i]
EOF

# .npy writer and reader in Python (no numpy needed)
cat > "$O/npy.py" <<'EOF'
import struct, sys
def save(path, descr, fmt, vals):
    d = "{'descr': '%s', 'fortran_order': False, 'shape': (%d,), }" % (descr, len(vals))
    pad = 64 - (10 + len(d) + 1) % 64
    h = d + ' ' * (pad % 64) + '\n'
    with open(path, 'wb') as f:
        f.write(b'\x93NUMPY\x01\x00' + struct.pack('<H', len(h)) + h.encode())
        f.write(struct.pack('<%d%s' % (len(vals), fmt), *vals))
def load(path):
    b = open(path, 'rb').read()
    hl = struct.unpack('<H', b[8:10])[0]
    h = b[10:10 + hl].decode()
    descr = h.split("'descr': '")[1].split("'")[0]
    fmt = {'|u1': 'B', '|i1': 'b', '<u2': 'H', '<i2': 'h', '<u4': 'I', '<i4': 'i', '<f4': 'f'}[descr]
    data = b[10 + hl:]
    n = len(data) // struct.calcsize(fmt)
    return descr, list(struct.unpack('<%d%s' % (n, fmt), data))
if sys.argv[1] == 'save':
    fmt = sys.argv[4]
    vals = [int(v, 0) if fmt != 'f' else float(v) for v in sys.argv[5:]]
    save(sys.argv[2], sys.argv[3], fmt, vals)
else:
    d, v = load(sys.argv[2])
    print(d, ' '.join(str(x) for x in v))
EOF
P="python3 $O/npy.py"
$P save "$O/a8.npy" '|u1' B 0 1 127 128 254 255 7 9
$P save "$O/s8.npy" '|i1' b 0 1 -1 127 -128 -64 63 5
$P save "$O/a16.npy" '<u2' H 0 1 65535 32768 4660 65534 3 4
$P save "$O/s16.npy" '<i2' h 0 -1 32767 -32768 -300 300 1 2
# bf16 as its <u2 bits: 1.0, -2.0, 1.0078125, inf, nan, 0x0001 (subnormal), -0, 3.0
$P save "$O/h.npy" '<u2' H 0x3F80 0xC000 0x3F81 0x7F80 0x7FC0 0x0001 0x8000 0x4040

run_copy() {   # BACKEND
	"$VYREC" run "$O/copy.yaml" --backend "$1" --param n=8 \
		--in a8="$O/a8.npy" --in s8="$O/s8.npy" --in a16="$O/a16.npy" \
		--in s16="$O/s16.npy" --in h="$O/h.npy" \
		--out o8="$O/$1.o8.npy" --out os8="$O/$1.os8.npy" --out o16="$O/$1.o16.npy" \
		--out os16="$O/$1.os16.npy" --out oh="$O/$1.oh.npy" --out wide="$O/$1.wide.npy" \
		--out wf="$O/$1.wf.bin" > "$O/$1.run.log" 2>&1
}
# the expected outputs, computed here (low bits kept, loads widened; bf16
# h * 3 rounded to nearest even)
python3 - "$O" <<'EOF' > "$O/copy.expect"
import struct, sys
from fractions import Fraction as Fr
a8 = [0, 1, 127, 128, 254, 255, 7, 9]
s8 = [0, 1, -1, 127, -128, -64, 63, 5]
a16 = [0, 1, 65535, 32768, 4660, 65534, 3, 4]
s16 = [0, -1, 32767, -32768, -300, 300, 1, 2]
h = [0x3F80, 0xC000, 0x3F81, 0x7F80, 0x7FC0, 0x0001, 0x8000, 0x4040]
def sx(v, b): v &= (1 << b) - 1; return v - (1 << b) if v >> (b - 1) else v
def bf16_of(x):   # exact value x (Fraction or 'nan'/inf) -> bits, nearest even
    if x == 'nan': return 0x7FC0
    if x in ('inf', '-inf'): return 0x7F80 | (0x8000 if x[0] == '-' else 0)
    sign = 0x8000 if x < 0 else 0
    x = abs(x)
    if x == 0: return sign
    e = x.numerator.bit_length() - x.denominator.bit_length()
    while Fr(2) ** e > x: e -= 1
    while Fr(2) ** (e + 1) <= x: e += 1
    e = max(e, -126)
    q = x / Fr(2) ** (e - 7); n = q.numerator // q.denominator; r = q - n
    if r > Fr(1, 2) or (r == Fr(1, 2) and n & 1): n += 1
    if n == 256: n >>= 1; e += 1
    if e > 127: return sign | 0x7F80
    return sign | (n if n < 128 else (e + 127) << 7 | (n & 0x7F))
def val(b):   # bf16 bits -> exact value
    s, e, m = b >> 15, (b >> 7) & 0xFF, b & 0x7F
    if e == 0xFF: return 'nan' if m else ('-inf' if s else 'inf')
    v = Fr(m, 128) * Fr(2) ** -126 if e == 0 else Fr(128 + m, 128) * Fr(2) ** (e - 127)
    return -v if s else v
def times3(b):
    v = val(b)
    return v if isinstance(v, str) else v * 3
out = lambda d, xs: print(d, ' '.join(str(x) for x in xs))
out('|u1', [(x + 1) & 0xFF for x in a8])
out('|i1', [sx(x * 2, 8) for x in s8])
out('<u2', [(x + 1) & 0xFFFF for x in a16])
out('<i2', [sx(x - 1, 16) for x in s16])
r = []
for b in h:
    v = times3(b)
    r.append(0x8000 if b == 0x8000 else bf16_of(v))   # -0 * 3 = -0
out('<u2', r)
out('<i4', [a8[i] + s8[i] + a16[i] + s16[i] for i in range(8)])
EOF
for b in reference vulkan; do
	if ! run_copy $b; then
		bad "npy_copy_$b" "$(head -3 "$O/$b.run.log" | tr '\n' ' ')"
		continue
	fi
	for o in o8 os8 o16 os16 oh wide; do $P load "$O/$b.$o.npy"; done > "$O/$b.got"
	if cmp -s "$O/$b.got" "$O/copy.expect"; then
		ok "npy_copy_$b"
	else
		bad "npy_copy_$b" "$(diff "$O/copy.expect" "$O/$b.got" | head -4 | tr '\n' ' ')"
	fi
done
# wf: the exact f32 of each bf16, raw little-endian (bits << 16)
if python3 -c "
import struct
got = struct.unpack('<8I', open('$O/reference.wf.bin','rb').read())
exp = [h << 16 for h in (0x3F80, 0xC000, 0x3F81, 0x7F80, 0x7FC0, 0x0001, 0x8000, 0x4040)]
raise SystemExit(got != tuple(exp))"; then
	ok bf16_load_exact_f32
else
	bad bf16_load_exact_f32 "wf is not the bf16 bits << 16"
fi
if cmp -s "$O/reference.wf.bin" "$O/vulkan.wf.bin"; then ok bf16_load_vulkan_bits; else bad bf16_load_vulkan_bits "vulkan wf differs"; fi

# raw files: 2-byte elements; a size that is not a whole number refused
printf '\001\000\002\000\003\000\004\000\005\000\006\000\007\000\010\000' > "$O/a16.bin"
printf '\001\002\003' > "$O/odd.bin"
if "$VYREC" run "$O/copy.yaml" --backend reference --param n=8 --in a16="$O/a16.bin" \
	--print o16 > "$O/raw.log" 2>&1 && grep -q '^o16: 2 3 4 5 6 7 8 9$' "$O/raw.log"; then
	ok raw_u16_read
else
	bad raw_u16_read "$(head -2 "$O/raw.log" | tr '\n' ' ')"
fi
"$VYREC" run "$O/copy.yaml" --backend reference --param n=8 --in a16="$O/odd.bin" > "$O/odd.log" 2>&1
grep -q "3 bytes, not a whole number of 2-byte u16 elements" "$O/odd.log" && ok raw_u16_odd_size ||
	bad raw_u16_odd_size "$(head -2 "$O/odd.log" | tr '\n' ' ')"
# a wrong dtype names both and the fix
$P save "$O/w4.npy" '<u4' I 1 2 3 4 5 6 7 8
"$VYREC" run "$O/copy.yaml" --backend reference --param n=8 --in a8="$O/w4.npy" > "$O/dt.log" 2>&1
grep -q "has dtype '<u4' but buffer has type u8 ('|u1'). Fix: save a.astype('|u1')" "$O/dt.log" &&
	ok npy_wrong_dtype || bad npy_wrong_dtype "$(head -2 "$O/dt.log" | tr '\n' ' ')"
$P save "$O/h2.npy" '<i2' h 1 2 3 4 5 6 7 8
"$VYREC" run "$O/copy.yaml" --backend reference --param n=8 --in h="$O/h2.npy" > "$O/dt2.log" 2>&1
grep -q "but buffer has type bf16 ('<u2')" "$O/dt2.log" && ok npy_bf16_wants_u2 ||
	bad npy_bf16_wants_u2 "$(head -2 "$O/dt2.log" | tr '\n' ' ')"

# ---- generators (SPEC §10.10) against a Python SplitMix64 ----
cat > "$O/gen.py" <<'EOF'
import struct, sys
from fractions import Fraction as Fr
M = (1 << 64) - 1
def draws(seed, n):
    s = seed
    for _ in range(n):
        s = (s + 0x9E3779B97F4A7C15) & M
        z = s
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
        yield z ^ (z >> 31)
def f32(x): return struct.unpack('<f', struct.pack('<f', x))[0]
def bf16(x):
    # nearest even on the exact value (normal range only: |x| < 2)
    if x == 0: return 0x8000 if str(x).startswith('-') else 0
    b = struct.unpack('<I', struct.pack('<f', x))[0]
    sign, e = b & 0x80000000, (b >> 23) & 0xFF
    m = Fr(abs(Fr(x))) / Fr(2) ** (e - 127) * 128
    n = m.numerator // m.denominator
    r = m - n
    if r > Fr(1, 2) or (r == Fr(1, 2) and n & 1): n += 1
    if n == 256: n, e = 128, e + 1
    return sign >> 16 | e << 7 | (n - 128)
t, seed, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
lo, hi = {'u8': (0, 256), 'i8': (-128, 128), 'u16': (0, 65536), 'i16': (-32768, 32768)}.get(t, (-1, 1))
out = []
for z in draws(seed, n):
    if t == 'bf16':
        v = f32(lo + (hi - lo) * ((z >> 40) * 2.0 ** -24))
        out.append(struct.unpack('<f', struct.pack('<I', bf16(v) << 16))[0])
    else:
        out.append(lo + (z >> 32) % (hi - lo))
print(' '.join('%.9g' % v if t == 'bf16' else str(v) for v in out))
EOF
cat > "$O/gen.yaml" <<'EOF'
vyrec: 1
name: gen
workgroup_size: [1]
buffers:
  a8: {type: u8, count: 64, access: read_write}
  s8: {type: i8, count: 64, access: read_write}
  a16: {type: u16, count: 64, access: read_write}
  s16: {type: i16, count: 64, access: read_write}
  h: {type: bf16, count: 64, access: read_write}
dispatch: [1]
entry: [return]
EOF
"$VYREC" run "$O/gen.yaml" --backend reference --in a8=random:7 --in s8=random:7 \
	--in a16=random:7 --in s16=random:7 --in h=random:7 \
	--print a8 --print s8 --print a16 --print s16 --print h > "$O/gen.out" 2>&1
for t in u8:a8 i8:s8 u16:a16 i16:s16 bf16:h; do
	ty=${t%%:*} b=${t#*:}
	want=$(python3 "$O/gen.py" "$ty" 7 64)
	got=$(grep "^$b: " "$O/gen.out" | sed "s/^$b: //")
	[ -n "$got" ] && [ "$got" = "$want" ] && ok "random_$ty" ||
		bad "random_$ty" "got '$(echo "$got" | cut -c1-60)' want '$(echo "$want" | cut -c1-60)'"
done
# const: rounded once to the type; out of range refused; iota wraps / rounds
g() { "$VYREC" run "$O/gen.yaml" --backend reference "$@" 2>&1; }
[ "$(g --in a8=const:255 --print a8 | cut -c1-12)" = "a8: 255 255 " ] && ok const_u8 || bad const_u8
g --in a8=const:256 --print a8 | grep -q "'256' is not a valid u8 value" && ok const_u8_range || bad const_u8_range
g --in s8=const:-129 --print s8 | grep -q "'-129' is not a valid i8 value" && ok const_i8_range || bad const_i8_range
[ "$(g --in s16=const:-32768 --print s16 | cut -c1-18)" = "s16: -32768 -32768" ] && ok const_i16 || bad const_i16
# 1.00390625 = 1 + 2^-8 is a tie between bf16 1 and 1.0078125: even is 1;
# 1.01171875 = 1 + 3 * 2^-8 ties up to 1.015625
[ "$(g --in h=const:1.00390625 --print h | cut -c1-7)" = "h: 1 1 " ] && ok const_bf16_tie_even || bad const_bf16_tie_even
[ "$(g --in h=const:1.01171875 --print h | cut -c1-13)" = "h: 1.015625 1" ] && ok const_bf16_tie_up || bad const_bf16_tie_up
# a decimal rounded once: 1.0039062500000001 is just above the tie
# 1 + 2^-8 + 2^-30 is just above the tie; through f32 first it would round
# to the tie and then to even (1): rounded once it is 1.0078125
[ "$(g --in h=const:1.0039062509313226 --print h | cut -c1-12)" = "h: 1.0078125" ] && ok const_bf16_rounded_once ||
	bad const_bf16_rounded_once "$(g --in h=const:1.0039062509313226 --print h | cut -c1-30)"
g --in a8=iota --print a8 | grep -q '^a8: 0 1 2 .* 63$' && ok iota_u8 || bad iota_u8
cat > "$O/iota.yaml" <<'EOF'
vyrec: 1
name: iota
workgroup_size: [1]
buffers:
  a8: {type: u8, count: 300, access: read_write}
  h: {type: bf16, count: 300, access: read_write}
dispatch: [1]
entry: [return]
EOF
"$VYREC" run "$O/iota.yaml" --backend reference --in a8=iota --in h=iota --print a8 --print h > "$O/iota.out" 2>&1
# u8: 256 -> 0 (low bits); bf16: 257 ties to 256, 259 ties to 260
grep '^a8: ' "$O/iota.out" | tr ' ' '\n' | sed -n '258p' | grep -qx 0 && ok iota_u8_wraps || bad iota_u8_wraps
[ "$(grep '^h: ' "$O/iota.out" | tr ' ' '\n' | sed -n '258,262p' | tr '\n' ' ')" = "256 256 258 260 260 " ] &&
	ok iota_bf16_rounds || bad iota_bf16_rounds "$(grep '^h: ' "$O/iota.out" | tr ' ' '\n' | sed -n '258,262p' | tr '\n' ' ')"

# ---- typing errors ----
err_case() {   # NAME MESSAGE YAML-ENTRY-OR-DECL...
	n=$1 msg=$2
	printf '%s\n' "$3" > "$O/$n.yaml"
	if "$VYREC" check "$O/$n.yaml" > "$O/$n.log" 2>&1; then
		bad "err_$n" "accepted"
	elif grep -qF -- "$msg" "$O/$n.log" && grep -q 'Fix:' "$O/$n.log" &&
		grep -q "$n.yaml:[0-9]*:[0-9]*: error" "$O/$n.log"; then
		ok "err_$n"
	else
		bad "err_$n" "$(head -4 "$O/$n.log" | tr '\n' ' ')"
	fi
}
HDR='vyrec: 1
name: e
workgroup_size: [1]'
err_case param_u8 "param 'k' cannot be u8: storage types are only buffer and shared element types" "$HDR
params: {k: u8}
entry: [return]"
err_case cast_u8 "'u8' is a storage type: there are no u8 values" "$HDR
buffers:
  o: {type: u32, count: 4, access: write_only}
entry:
  - o[0] = u8(300u)"
err_case var_bf16 "'bf16' is a storage type: only buffer and shared element types" "$HDR
entry:
  - 'var x: bf16 = 1.0'"
err_case bitcast_u16 "'u16' is a storage type" "$HDR
buffers:
  o: {type: u32, count: 4, access: write_only}
entry:
  - o[0] = bitcast<u16>(1u)"
err_case atomic_u8 "atomics need u32 or i32 elements; 'h' has u8 elements" "$HDR
buffers:
  h: {type: u8, count: 4, access: read_write}
entry:
  - atomic.add(h[0], 1u)"
err_case store_f32_to_u8 "u8" "$HDR
buffers:
  h: {type: u8, count: 4, access: read_write}
entry:
  - h[0] = 1.5"
err_case typo_type "did you mean 'u16'?" "$HDR
buffers:
  h: {type: u166, count: 4, access: read_write}
entry: [return]"
# a loaded u8 is a u32: mixing it with i32 needs a cast
err_case u8_is_u32 "mismatched types" "$HDR
buffers:
  h: {type: u8, count: 4, access: read_write}
  o: {type: i32, count: 4, access: write_only}
entry:
  - o[0] = h[0] + 1i"
# shared: a storage element takes a word on every target (the limit counts 4 bytes)
err_case shared_u8_limit "more than the 32768-byte limit" "$HDR
shared:
  t: {type: u8, count: 8193}
entry: [return]"

# ---- the manifest lists element sizes and the device features ----
"$VYREC" build -t spv "$O/copy.yaml" -o "$O/copy.spv" --manifest "$O/copy.json" > "$O/m.log" 2>&1
grep -q '"name": "a8", "binding": 0, "type": "u8", "element_size": 1,' "$O/copy.json" &&
	grep -q '"type": "bf16", "element_size": 2,' "$O/copy.json" &&
	grep -q '"features": \["storageBuffer8BitAccess", "storageBuffer16BitAccess"\],' "$O/copy.json" &&
	ok manifest_storage || bad manifest_storage "$(grep -c . "$O/copy.json") lines"
"$VYREC" build -t spv samples/saxpy.yaml -o "$O/saxpy.spv" --manifest "$O/saxpy.json" > /dev/null 2>&1
grep -q features "$O/saxpy.json" && bad manifest_no_features "saxpy lists features" || ok manifest_no_features

# ---- spv: capabilities and extensions only where needed ----
spirv-dis "$O/copy.spv" > "$O/copy.spvasm" 2>&1
grep -q 'OpCapability StorageBuffer8BitAccess' "$O/copy.spvasm" &&
	grep -q 'OpCapability StorageBuffer16BitAccess' "$O/copy.spvasm" &&
	grep -q 'OpExtension "SPV_KHR_8bit_storage"' "$O/copy.spvasm" &&
	grep -q 'OpExtension "SPV_KHR_16bit_storage"' "$O/copy.spvasm" &&
	grep -q 'OpTypeInt 8 1' "$O/copy.spvasm" && ! grep -q 'OpCapability Int8' "$O/copy.spvasm" &&
	ok spv_storage_caps || bad spv_storage_caps "$(grep -E 'Capability|Extension' "$O/copy.spvasm" | tr '\n' ' ')"
"$VYREC" build -t spv samples/widen_bf16.yaml -o "$O/w.spv" > /dev/null 2>&1 && spirv-dis "$O/w.spv" > "$O/w.spvasm"
grep -q 'StorageBuffer16BitAccess' "$O/w.spvasm" && ! grep -q '8BitAccess\|8bit' "$O/w.spvasm" &&
	grep -q 'ArrayStride 2' "$O/w.spvasm" && ok spv_16bit_only || bad spv_16bit_only
for e in vulkan1.0 vulkan1.2 vulkan1.3; do
	"$VYREC" build -t spv --target-env $e "$O/copy.yaml" -o "$O/copy.$e.spv" > "$O/$e.log" 2>&1 &&
		ok "spv_storage_$e" || bad "spv_storage_$e" "$(head -2 "$O/$e.log" | tr '\n' ' ')"
done

# ---- vulkan refuses a program its device cannot run (exit 3, Fix) ----
VYREC_VK_DISABLE=storageBuffer8BitAccess "$VYREC" run samples/brightness.yaml --backend vulkan \
	--param gain=1 --param n=4 > "$O/nofeat.log" 2>&1
rc=$?
[ $rc = 3 ] && grep -q 'lacks storageBuffer8BitAccess, which buffer `src` (u8 elements) needs. Fix:' "$O/nofeat.log" &&
	ok vulkan_feature_refused || bad vulkan_feature_refused "exit $rc: $(head -2 "$O/nofeat.log" | tr '\n' ' ')"
VYREC_VK_DISABLE=storageBuffer8BitAccess "$VYREC" run samples/widen_bf16.yaml --backend vulkan \
	--param scale=1 --param n=4 > "$O/nofeat16.log" 2>&1 && ok vulkan_feature_only_needed ||
	bad vulkan_feature_only_needed "$(head -2 "$O/nofeat16.log" | tr '\n' ' ')"

# ---- glsl: the GL extensions, and glslang's SPIR-V gives the same bits ----
"$VYREC" build -t glsl "$O/copy.yaml" -o "$O/copy.comp" > "$O/glsl.log" 2>&1
grep -q '#extension GL_EXT_shader_8bit_storage : require' "$O/copy.comp" &&
	grep -q '#extension GL_EXT_shader_16bit_storage : require' "$O/copy.comp" &&
	grep -q 'uint8_t b_a8\[\];' "$O/copy.comp" && ok glsl_storage_decls || bad glsl_storage_decls
if glslangValidator -V --target-env vulkan1.1 -o "$O/copy.glsl.spv" "$O/copy.comp" > "$O/gv.log" 2>&1; then
	ok glsl_glslangValidator
	for o in o8 os8 o16 os16 oh wide; do cp "$O/vulkan.$o.npy" "$O/spv.$o.npy" 2>/dev/null; done
	VYREC_SPV_OVERRIDE="$O/copy.glsl.spv" "$VYREC" run "$O/copy.yaml" --backend vulkan --param n=8 \
		--in a8="$O/a8.npy" --in s8="$O/s8.npy" --in a16="$O/a16.npy" \
		--in s16="$O/s16.npy" --in h="$O/h.npy" \
		--out o8="$O/g.o8.npy" --out os8="$O/g.os8.npy" --out o16="$O/g.o16.npy" \
		--out os16="$O/g.os16.npy" --out oh="$O/g.oh.npy" --out wide="$O/g.wide.npy" > "$O/g.log" 2>&1
	for o in o8 os8 o16 os16 oh wide; do $P load "$O/g.$o.npy"; done > "$O/g.got" 2>&1
	cmp -s "$O/g.got" "$O/copy.expect" && ok glsl_runtime_storage ||
		bad glsl_runtime_storage "$(diff "$O/copy.expect" "$O/g.got" | head -3 | tr '\n' ' ')"
else
	bad glsl_glslangValidator "$(head -3 "$O/gv.log" | tr '\n' ' ')"
fi

# ---- ptx: narrow loads and stores, assembled by ptxas ----
"$VYREC" build -t ptx "$O/copy.yaml" -o "$O/copy.ptx" > "$O/ptx.log" 2>&1
grep -q 'ld.global.nc.u8' "$O/copy.ptx" && grep -q 'ld.global.nc.s8' "$O/copy.ptx" &&
	grep -q 'ld.global.nc.s16' "$O/copy.ptx" && grep -q 'st.global.u8' "$O/copy.ptx" &&
	grep -q 'st.global.u16' "$O/copy.ptx" && grep -q 'mul.wide.u32.*, 2;' "$O/copy.ptx" &&
	ok ptx_storage_access || bad ptx_storage_access
PTXAS=$(cuda_tool ptxas)
if [ -n "$PTXAS" ]; then
	for arch in sm_80 sm_90; do
		for p in "$O/copy.yaml" samples/brightness.yaml samples/widen_bf16.yaml \
			tests/corpus/storage_int_shared.yaml tests/corpus/storage_bf16.yaml; do
			n=$(basename "$p" .yaml)
			if "$VYREC" build -t ptx --arch $arch "$p" -o "$O/$n.$arch.ptx" > "$O/$n.p.log" 2>&1 &&
				"$PTXAS" -arch=$arch "$O/$n.$arch.ptx" -o "$O/$n.$arch.cubin" >> "$O/$n.p.log" 2>&1; then
				ok "ptxas_${n}_$arch"
			else
				bad "ptxas_${n}_$arch" "$(head -3 "$O/$n.p.log" | tr '\n' ' ')"
			fi
		done
	done
else
	bad ptxas "no ptxas (make deps installs the CUDA toolkit's ptxas)"
fi

# ---- the samples: expected bytes computed here ----
$P save "$O/img.npy" '|u1' B 0 10 200 255 100 170 171 7
"$VYREC" run samples/brightness.yaml --backend vulkan --param gain=1.5 --param n=2 \
	--in src="$O/img.npy" --out dst="$O/img.out.npy" > "$O/b.log" 2>&1
# min(u32(v * 1.5 + 0.5), 255), alpha kept: 0 15 255 255 | 150 255 255 7
[ "$($P load "$O/img.out.npy" 2>&1)" = "|u1 0 15 255 255 150 255 255 7" ] && ok sample_brightness ||
	bad sample_brightness "$($P load "$O/img.out.npy" 2>&1 | head -1)"
for s in brightness widen_bf16; do
	"$VYREC" verify samples/$s.yaml > "$O/$s.v.log" 2>&1 && grep -q 'vulkan.*PASS' "$O/$s.v.log" &&
		ok "verify_$s" || bad "verify_$s" "$(tail -2 "$O/$s.v.log" | tr '\n' ' ')"
done

# ---- what is not there yet says so ----
"$VYREC" run samples/widen_bf16.yaml --backend reference --param scale=1 --param n=4 \
	--stream w=zeros@8 --chunk 4 > "$O/st.log" 2>&1
[ $? = 2 ] && grep -q "streaming takes 4-byte elements only" "$O/st.log" && ok stream_storage_refused ||
	bad stream_storage_refused "$(head -2 "$O/st.log")"
# both launchers run storage types (t_launcher_c.sh, t_launcher_cargo.sh):
# the Cargo crate's buffers are &[u8]
rm -rf "$O/l_cargo"
"$VYREC" launcher samples/brightness.yaml -t spv --lang cargo -o "$O/l_cargo" > "$O/l_cargo.log" 2>&1 &&
	grep -q "pub src: &'a \[u8\]," "$O/l_cargo/src/lib.rs" && ok "launcher_cargo_storage_u8" ||
	bad "launcher_cargo_storage_u8" "$(head -2 "$O/l_cargo.log")"

# the reference launcher embeds the VM with the type table it numbers types by
"$VYREC" launcher samples/saxpy.yaml -t reference --lang c -o "$O/lref" > "$O/lref.log" 2>&1 &&
	cmp -s "$O/lref/src/vyrec_types.def" include/vyrec_types.def &&
	make -s -C "$O/lref" > "$O/lref.make" 2>&1 &&
	(cd "$O/lref" && ./saxpy --selftest) | grep -q '^selftest: PASS' &&
	ok launcher_reference_vm_types || bad launcher_reference_vm_types "$(tail -3 "$O/lref.make" "$O/lref.log" | tr '\n' ' ')"

# ---- the corpus is current with its generator ----
mkdir -p "$O/gen"
cp tests/corpus/gen_storage.py "$O/gen/"
if python3 "$O/gen/gen_storage.py" && for f in "$O"/gen/storage_*; do
	cmp -s "$f" "tests/corpus/$(basename "$f")" || exit 1; done; then
	ok corpus_storage_current
else
	bad corpus_storage_current "gen_storage.py output differs from tests/corpus/storage_*"
fi
exit 0
