#!/bin/sh
# t_arrays.sh: private arrays and 2-D shared arrays (SPEC §10.3).
#   1. Errors: every tests/arrays/err_*.yaml through `NO_COLOR=1 vyrec
#      check`: exit 1 and stderr equal to its .err (UPDATE=1 rewrites them).
#   2. The reference VM's out-of-bounds stop (tests/arrays/oob_*.yaml):
#      exit 3, as for a buffer, with the array, index, bound and invocation.
#   3. Emitted code at -O1: the constant-index program
#      (tests/corpus/array_const.yaml) has no `.local` in its PTX and no
#      OpVariable of array type in Function or Private storage in its
#      SPIR-V (spirv-dis); the dynamic-index program keeps a .local array
#      and a Function array; at -O0 nothing is scalarised; --dump-ir=scalarise.
#      The same for vector and 64-bit elements (array_vec_const.yaml,
#      array_vec_dynamic.yaml: one array per component, 8-byte elements).
#   4. Every tests/corpus/array_*.yaml verified against the reference on
#      the Vulkan device (lavapipe here) at -O0 and -O1, through the spv
#      target and through glslang's SPIR-V of the glsl target, and its
#      PTX accepted by ptxas when the CUDA toolkit is there.
cd "$(dirname "$0")/.." || exit 2
. tests/lib.sh
export NO_COLOR=1
O=tests/out/arrays
mkdir -p "$O"

# ---- 1. errors ----
for f in tests/arrays/err_*.yaml; do
	n=$(basename "$f" .yaml)
	e=${f%.yaml}.err
	"$VYREC" check "$f" > "$O/$n.stdout" 2> "$O/$n.stderr"
	rc=$?
	if [ -n "$UPDATE" ] && [ $rc -eq 1 ]; then
		cmp -s "$O/$n.stderr" "$e" || { cp "$O/$n.stderr" "$e"; echo "updated $e"; }
	fi
	if [ $rc -ne 1 ]; then
		bad "$n" "exit $rc, want 1: $(head -c 300 "$O/$n.stderr")"
	elif [ ! -f "$e" ]; then
		bad "$n" "no $e (run with UPDATE=1)"
	elif ! cmp -s "$O/$n.stderr" "$e"; then
		bad "$n" "stderr differs: $(diff "$e" "$O/$n.stderr" | head -6 | tr '\n' '|')"
	elif ! grep -q '^  Fix: ' "$O/$n.stderr"; then
		bad "$n" "no Fix: line"
	else
		ok "$n"
	fi
done

# ---- 2. the reference's out-of-bounds stop ----
oob() {
	n=$1 f=$2 msg=$3
	"$VYREC" run "$f" --backend reference --out out="$O/$n.bin" > "$O/$n.log" 2>&1
	rc=$?
	if [ $rc -eq 3 ] && grep -qF -- "$msg" "$O/$n.log"; then
		ok "$n"
	else
		bad "$n" "exit $rc: $(head -2 "$O/$n.log" | tr '\n' ' ')"
	fi
}
oob ref_oob_store tests/arrays/oob_dynamic.yaml \
	'reference: out-of-bounds store to private array `a`: index 8, count 8, invocation gid (8, 0, 0)'
oob ref_oob_load_2d tests/arrays/oob_2d.yaml \
	'reference: out-of-bounds load from private array `t`: index [3][0], bounds [3][4], invocation gid (12, 0, 0)'
oob ref_oob_column tests/arrays/oob_column.yaml \
	'reference: out-of-bounds store to private array `t`: index [0][4], bounds [3][4], invocation gid (12, 0, 0)'
oob ref_oob_vector_2d tests/arrays/oob_vec.yaml \
	'reference: out-of-bounds load from private array `t.x`: index [3][0], bounds [3][4], invocation gid (12, 0, 0)'
oob ref_oob_wide tests/arrays/oob_wide.yaml \
	'reference: out-of-bounds store to private array `t`: index 5, count 5, invocation gid (5, 0, 0)'
"$VYREC" build tests/arrays/oob_dynamic.yaml -t spv -o "$O/oob.spv" > "$O/oob.build.log" 2>&1 &&
	ok oob_builds_for_gpu || bad oob_builds_for_gpu "$(head -2 "$O/oob.build.log")"

# ---- 3. emitted code ----
C=tests/corpus/array_const.yaml
D=tests/corpus/array_dynamic.yaml
# the OpVariables whose pointee is an OpTypeArray, in Function or Private
arrvars() {
	spirv-dis --raw-id "$1" | awk '
		/= OpTypeArray/ { arr[$1] = 1 }
		/= OpTypePointer (Function|Private) / { if (arr[$5]) ptr[$1] = 1 }
		/= OpVariable / { if (ptr[$4]) n++ }
		END { print n + 0 }'
}
for O_ in 0 1; do
	for p in $C $D; do
		b=$(basename "$p" .yaml).O$O_
		"$VYREC" build "$p" -t ptx -O$O_ -o "$O/$b.ptx" > "$O/$b.log" 2>&1 || bad "build_ptx_$b" "$(head -2 "$O/$b.log")"
		"$VYREC" build "$p" -t spv -O$O_ -o "$O/$b.spv" >> "$O/$b.log" 2>&1 || bad "build_spv_$b" "$(head -2 "$O/$b.log")"
		"$VYREC" build "$p" -t glsl -O$O_ -o "$O/$b.comp" >> "$O/$b.log" 2>&1 || bad "build_glsl_$b" "$(head -2 "$O/$b.log")"
	done
done
n=$(grep -c '\.local' "$O/array_const.O1.ptx")
[ "$n" -eq 0 ] && ok ptx_const_index_no_local || bad ptx_const_index_no_local "$n .local lines"
n=$(arrvars "$O/array_const.O1.spv")
[ "$n" -eq 0 ] && ok spv_const_index_no_function_array || bad spv_const_index_no_function_array "$n array variables"
n=$(grep -c '^	\.local .align 4 .b8 vy_pr_' "$O/array_dynamic.O1.ptx")
[ "$n" -eq 2 ] && ok ptx_dynamic_index_local || bad ptx_dynamic_index_local "$n .local arrays, want 2"
grep -q 'ld\.local\.u32' "$O/array_dynamic.O1.ptx" && grep -q 'st\.local\.s32' "$O/array_dynamic.O1.ptx" &&
	ok ptx_dynamic_index_ld_st_local || bad ptx_dynamic_index_ld_st_local
n=$(arrvars "$O/array_dynamic.O1.spv")
[ "$n" -eq 2 ] && ok spv_dynamic_index_function_array || bad spv_dynamic_index_function_array "$n array variables, want 2"
n=$(arrvars "$O/array_const.O0.spv")
[ "$n" -eq 2 ] && ok spv_O0_keeps_arrays || bad spv_O0_keeps_arrays "$n array variables, want 2"
grep -q '\.local' "$O/array_const.O0.ptx" && ok ptx_O0_keeps_arrays || bad ptx_O0_keeps_arrays
grep -q 'uint a0_h\[16\];' "$O/array_dynamic.O1.comp" && grep -q 'int a1_g\[15\];' "$O/array_dynamic.O1.comp" &&
	ok glsl_dynamic_index_local_arrays || bad glsl_dynamic_index_local_arrays
grep -q ' a[0-9]*_[a-z]*\[' "$O/array_const.O1.comp" && bad glsl_const_index_no_array "an array is left" ||
	ok glsl_const_index_no_array
"$VYREC" build $C -t ptx -o /dev/null --dump-ir=scalarise 2> "$O/dump.txt" >/dev/null
grep -q '^var acc_7\.[0-9]*: u32 = 1u$' "$O/dump.txt" && grep -q '^acc_3\.[0-9]*: u32 = (core.add:u32 acc_3' "$O/dump.txt" &&
	! grep -q 'acc\[' "$O/dump.txt" && ok dump_ir_scalarise || bad dump_ir_scalarise "$(head -c 200 "$O/dump.txt")"
"$VYREC" build $D -t ptx -o /dev/null --dump-ir=scalarise 2> "$O/dump_d.txt" >/dev/null
grep -q '^var h: u32\[16\] = 0u$' "$O/dump_d.txt" && grep -q '^var g: i32\[3\]\[5\] = -1i$' "$O/dump_d.txt" &&
	ok dump_ir_scalarise_keeps_dynamic || bad dump_ir_scalarise_keeps_dynamic "$(head -c 300 "$O/dump_d.txt")"

# the pass's output, golden (UPDATE=1 rewrites it)
"$VYREC" build tests/arrays/scalarise.yaml -t spv -o /dev/null --dump-ir=scalarise 2> "$O/scalarise.ir" >/dev/null
[ -n "$UPDATE" ] && cp "$O/scalarise.ir" tests/arrays/scalarise.ir
if diff -u tests/arrays/scalarise.ir "$O/scalarise.ir" > "$O/scalarise.diff"; then
	ok scalarise_golden
else
	bad scalarise_golden "$(head -8 "$O/scalarise.diff" | tr '\n' '|')"
fi
have_backend vulkan && "$VYREC" verify tests/arrays/scalarise.yaml --backends vulkan > "$O/scalarise.verify" 2>&1 &&
	grep -q 'vulkan.*PASS' "$O/scalarise.verify" && ok scalarise_verify ||
	bad scalarise_verify "$(head -3 "$O/scalarise.verify" | tr '\n' ' ')"

# vector and 64-bit elements (tests/corpus/array_vec_*.yaml): registers
# at -O1 with constant indices, local memory of the elements' real size
# otherwise
VC=tests/corpus/array_vec_const.yaml
VD=tests/corpus/array_vec_dynamic.yaml
for O_ in 0 1; do
	for p in $VC $VD; do
		b=$(basename "$p" .yaml).O$O_
		"$VYREC" build "$p" -t ptx -O$O_ -o "$O/$b.ptx" > "$O/$b.log" 2>&1 || bad "build_ptx_$b" "$(head -2 "$O/$b.log")"
		"$VYREC" build "$p" -t spv -O$O_ -o "$O/$b.spv" >> "$O/$b.log" 2>&1 || bad "build_spv_$b" "$(head -2 "$O/$b.log")"
		"$VYREC" build "$p" -t glsl -O$O_ -o "$O/$b.comp" >> "$O/$b.log" 2>&1 || bad "build_glsl_$b" "$(head -2 "$O/$b.log")"
	done
done
n=$(grep -c '\.local' "$O/array_vec_const.O1.ptx")
[ "$n" -eq 0 ] && ok ptx_vec_wide_const_index_no_local || bad ptx_vec_wide_const_index_no_local "$n .local lines"
n=$(arrvars "$O/array_vec_const.O1.spv")
[ "$n" -eq 0 ] && ok spv_vec_wide_const_index_no_function_array ||
	bad spv_vec_wide_const_index_no_function_array "$n array variables"
grep -q ' a[0-9]*_[a-z_]*\[' "$O/array_vec_const.O1.comp" && bad glsl_vec_wide_const_index_no_array "an array is left" ||
	ok glsl_vec_wide_const_index_no_array
n=$(arrvars "$O/array_vec_const.O0.spv")
# a: 4 component arrays, b: 2, d, q, s
[ "$n" -eq 9 ] && ok spv_vec_wide_O0_keeps_arrays || bad spv_vec_wide_O0_keeps_arrays "$n array variables, want 9"
# h (f32x4: 4 arrays of 24 bytes), t (i32x3: 3 of 48), d q s at 8-byte alignment
n=$(grep -c '^	\.local .align 4 .b8 vy_pr_h_[xyzw]\[24\];' "$O/array_vec_dynamic.O1.ptx")
[ "$n" -eq 4 ] && ok ptx_vec_dynamic_component_arrays || bad ptx_vec_dynamic_component_arrays "$n h_* arrays, want 4"
grep -q '^	\.local .align 8 .b8 vy_pr_d\[40\];' "$O/array_vec_dynamic.O1.ptx" &&
	grep -q '^	\.local .align 8 .b8 vy_pr_q\[56\];' "$O/array_vec_dynamic.O1.ptx" &&
	grep -q '^	\.local .align 8 .b8 vy_pr_s\[48\];' "$O/array_vec_dynamic.O1.ptx" &&
	grep -q 'ld\.local\.f64' "$O/array_vec_dynamic.O1.ptx" && grep -q 'st\.local\.u64' "$O/array_vec_dynamic.O1.ptx" &&
	grep -q 'ld\.local\.s64' "$O/array_vec_dynamic.O1.ptx" &&
	ok ptx_wide_dynamic_local_8_bytes || bad ptx_wide_dynamic_local_8_bytes "$(grep '\.local' "$O/array_vec_dynamic.O1.ptx" | head -3 | tr '\n' ' ')"
grep -q 'double a[0-9]*_d\[5\];' "$O/array_vec_dynamic.O1.comp" && grep -q 'uint64_t a[0-9]*_q\[7\];' "$O/array_vec_dynamic.O1.comp" &&
	grep -q 'int64_t a[0-9]*_s\[6\];' "$O/array_vec_dynamic.O1.comp" && grep -q 'float a[0-9]*_h_w\[6\];' "$O/array_vec_dynamic.O1.comp" &&
	ok glsl_vec_wide_dynamic_arrays || bad glsl_vec_wide_dynamic_arrays "$(grep ' a[0-9]*_' "$O/array_vec_dynamic.O1.comp" | head -3 | tr '\n' ' ')"

# arrays of one name in sibling blocks, and a long name with constant
# indices at -O0 (tests/arrays/sibling.yaml, longname.yaml)
"$VYREC" build tests/arrays/sibling.yaml -t ptx -o "$O/sibling.ptx" > "$O/sibling.log" 2>&1
grep -q '^	\.local .align 4 .b8 vy_pr_a\[16\];' "$O/sibling.ptx" &&
	grep -q '^	\.local .align 4 .b8 vy_pr_a\$1\[16\];' "$O/sibling.ptx" &&
	ok ptx_sibling_arrays_distinct || bad ptx_sibling_arrays_distinct "$(grep '\.local' "$O/sibling.ptx" | tr '\n' ' ')"
"$VYREC" build tests/arrays/longname.yaml -t ptx -O0 -o "$O/longname.ptx" > "$O/longname.log" 2>&1 &&
	[ "$(grep -o 'vy_pr_accumulator[_a-z]*' "$O/longname.ptx" | sort -u | tr '\n' ' ')" = \
	  "vy_pr_accumulator_tile_w vy_pr_accumulator_tile_x vy_pr_accumulator_tile_y vy_pr_accumulator_tile_z " ] &&
	grep -q 'add.u32 	%r[0-9]*, %r[0-9]*, 12;' "$O/longname.ptx" && ok ptx_long_name_constant_index ||
	bad ptx_long_name_constant_index "$(head -2 "$O/longname.log")"
if have_backend vulkan; then
	for p in sibling longname; do
		"$VYREC" verify tests/arrays/$p.yaml -O0 --backends vulkan > "$O/$p.verify" 2>&1 &&
			grep -q 'vulkan.*PASS' "$O/$p.verify" && ok verify_spv_$p ||
			bad verify_spv_$p "$(head -3 "$O/$p.verify" | tr '\n' ' ')"
	done
fi
if [ -n "$(cuda_tool ptxas)" ]; then
	for p in sibling longname; do
		"$VYREC" build tests/arrays/$p.yaml -t ptx -O0 --arch sm_80 -o "$O/$p.sm80.ptx" > /dev/null 2>&1 &&
			"$(cuda_tool ptxas)" -arch=sm_80 "$O/$p.sm80.ptx" -o "$O/$p.cubin" > "$O/$p.ptxas.log" 2>&1 &&
			ok ptxas_$p || bad ptxas_$p "$(head -2 "$O/$p.ptxas.log" | tr '\n' ' ')"
	done
fi

# ---- 4. every array program on the Vulkan device, spv and glsl ----
PTXAS=$(cuda_tool ptxas)
for p in tests/corpus/array_*.yaml; do
	n=$(basename "$p" .yaml)
	for O_ in 0 1; do
		if have_backend vulkan; then
			if "$VYREC" verify "$p" -O$O_ --backends vulkan > "$O/$n.O$O_.verify" 2>&1 &&
				grep -q 'vulkan.*PASS' "$O/$n.O$O_.verify"; then
				ok "verify_spv_${n}_O$O_"
			else
				bad "verify_spv_${n}_O$O_" "$(head -3 "$O/$n.O$O_.verify" | tr '\n' ' ')"
			fi
			"$VYREC" build "$p" -t glsl -O$O_ -o "$O/$n.O$O_.g.comp" > /dev/null 2>&1 &&
			glslangValidator -V --target-env vulkan1.1 -o "$O/$n.O$O_.g.spv" "$O/$n.O$O_.g.comp" \
				> "$O/$n.O$O_.glslang.log" 2>&1
			if VYREC_SPV_OVERRIDE="$O/$n.O$O_.g.spv" "$VYREC" verify "$p" --backends vulkan \
				> "$O/$n.O$O_.gverify" 2>&1 && grep -q 'vulkan.*PASS' "$O/$n.O$O_.gverify"; then
				ok "verify_glsl_${n}_O$O_"
			else
				bad "verify_glsl_${n}_O$O_" "$(head -3 "$O/$n.O$O_.gverify" | tr '\n' ' ')"
			fi
		else
			bad "verify_${n}_O$O_" "no vulkan device here ($VYREC backends): make deps installs lavapipe"
		fi
		if [ -n "$PTXAS" ]; then
			"$VYREC" build "$p" -t ptx -O$O_ -o "$O/$n.O$O_.ptx" > /dev/null 2>&1 &&
			"$PTXAS" -arch=sm_80 "$O/$n.O$O_.ptx" -o "$O/$n.O$O_.cubin" > "$O/$n.ptxas.log" 2>&1 &&
				ok "ptxas_${n}_O$O_" || bad "ptxas_${n}_O$O_" "$(head -2 "$O/$n.ptxas.log")"
		fi
	done
done

# ---- 5. the PRIV section and P* instructions under mutation (ASan+UBSan) ----
if [ -f tests/fuzz/fuzz_module.c ]; then
	F=$O/fuzz_module_asan
	for p in tests/corpus/array_dynamic.yaml tests/arrays/oob_column.yaml; do
		"$VYREC" build "$p" -t reference -o "$O/fz_$(basename "$p" .yaml).vyref" > /dev/null 2>&1
	done
	if cc -std=c11 -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
		-DVYVM_FUZZ_MAIN -Iinclude -Isrc -o $F tests/fuzz/fuzz_module.c src/vm.c -lm \
		2> "$O/fuzz_cc.log"; then
		if $F "$O"/fz_*.vyref > "$O/fuzz.log" 2>&1; then
			ok "vm_private_mutations_asan ($(tail -1 "$O/fuzz.log"))"
		else
			bad vm_private_mutations_asan "$(tail -5 "$O/fuzz.log" | tr '\n' ' ')"
		fi
	else
		bad vm_private_mutations_asan "no sanitizer build: $(head -1 "$O/fuzz_cc.log")"
	fi
fi
