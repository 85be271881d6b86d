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
