#!/bin/sh
# t_subgroup.sh: the subgroup dialect (SPEC §10.4) beyond the corpus
# (tests/corpus/subgroup_*, whose .expect come from gen_subgroup.py and
# which t_vm, t_vulkan, t_glsl and tests/gpu/run.sh cover) and the golden
# errors (tests/errors/*subgroup*): the reference VM at every size 4..128,
# run --subgroup-size and its usage errors, a program's subgroup_size on
# the reference and on Vulkan (honoured or refused with exit 3), the
# Vulkan grouping rule for 2-D workgroups, `backends` reporting each
# backend's size, `verify` at the backend's size and --subgroup-sizes, and
# what each target emits (GroupNonUniform capabilities, GL_KHR_shader_
# subgroup_*, shfl.sync/vote.sync without redux on sm_70).
cd "$(dirname "$0")/.." || exit 2
. tests/lib.sh
O=tests/out/subgroup
mkdir -p $O
C=tests/corpus

# expect_exit NAME WANT MSG COMMAND...: exits WANT, output holds MSG
expect_exit() {
	n=$1 want=$2 msg=$3; shift 3
	"$@" > $O/$n.log 2>&1
	rc=$?
	if [ $rc -ne "$want" ]; then
		bad "$n" "exit $rc, want $want: $(head -3 $O/$n.log | tr '\n' ' ')"
	elif ! grep -qF -- "$msg" $O/$n.log; then
		bad "$n" "no '$msg' in: $(head -3 $O/$n.log | tr '\n' ' ')"
	else
		ok "$n"
	fi
}

# word FILE K: the K-th u32 of a little-endian file
word() { od -An -tu4 -j $(($2 * 4)) -N4 "$1" | tr -d ' '; }

# ---- the reference VM at every size ----
for s in 4 8 16 32 64 128; do
	f=$O/size$s.bin
	if $VYREC run $C/subgroup_reduce.yaml --backend reference --subgroup-size $s \
		--out out=$f > $O/size$s.log 2>&1; then
		cnt=$(( (80 + s - 1) / s ))
		# invocation 79: the last of the workgroup
		want=$(( s * 1000000 + cnt * 10000 + (79 / s) * 100 + 79 % s ))
		got=$(word $f 79)
		[ "$got" = "$want" ] && ok vm_size_$s || bad vm_size_$s "sg word $got, want $want"
	else
		bad vm_size_$s "$(head -2 $O/size$s.log | tr '\n' ' ')"
	fi
done
# a size-independent value (every lane's subgroup has 16 lanes at 16, the
# sum of an all-ones count) and the default is 32
$VYREC run $C/subgroup_reduce.yaml --backend reference --out out=$O/def.bin > /dev/null 2>&1 &&
	cmp -s $O/def.bin $O/size32.bin && ok vm_default_32 || bad vm_default_32 "default run differs from --subgroup-size 32"

for s in 0 2 3 12 256 abc -8 ""; do
	expect_exit run_bad_size_"${s:-empty}" 2 "is not a power of two from 4 to 128" \
		$VYREC run $C/subgroup_reduce.yaml --backend reference --subgroup-size "$s"
done
expect_exit run_size_needs_reference 2 "Fix: add --backend reference" \
	$VYREC run $C/subgroup_reduce.yaml --backend vulkan --subgroup-size 8

# ---- a program's subgroup_size ----
sed 's/^workgroup_size: \[80\]/workgroup_size: [80]\nsubgroup_size: 16/' $C/subgroup_reduce.yaml > $O/fixed16.yaml
if $VYREC run $O/fixed16.yaml --backend reference --out out=$O/f16.bin > $O/f16.log 2>&1 &&
	$VYREC run $C/subgroup_reduce.yaml --backend reference --subgroup-size 16 --out out=$O/s16.bin \
	> /dev/null 2>&1 && cmp -s $O/f16.bin $O/s16.bin; then
	ok program_size_fixes_reference
else
	bad program_size_fixes_reference "$(head -2 $O/f16.log | tr '\n' ' ')"
fi
expect_exit program_size_other_run_size 2 "fixes subgroup_size: 16, so --subgroup-size 8 cannot apply" \
	$VYREC run $O/fixed16.yaml --backend reference --subgroup-size 8
check program_size_same_run_size $VYREC run $O/fixed16.yaml --backend reference --subgroup-size 16
expect_exit verify_sizes_fixed 2 "fixes subgroup_size: 16, so --subgroup-sizes cannot run it at 8" \
	$VYREC verify $O/fixed16.yaml --subgroup-sizes 8,16
expect_exit verify_bad_sizes 2 "subgroup size '7' is not a power of two" \
	$VYREC verify $C/subgroup_reduce.yaml --subgroup-sizes 8,7

# ---- uniform control flow is allowed ----
cat > $O/uniform.yaml <<'EOF2'
vyrec: 1
name: uniform
workgroup_size: [64]
params: {k: u32}
buffers:
  out: {binding: 0, type: u32, count: 128, access: write_only}
dispatch: [128]
entry:
  - let i = gid.x
  - var acc = 0u
  - for: r in 0u..k
    do:
      - acc += subgroup.add(i + r)
  - if: wgid.x == 1u
    then:
      - acc += subgroup.max(i) * 1000u
  - while: acc > 100000000u
    do:
      - acc = acc / 2u + subgroup.min(acc) / 2u
  - out[i] = acc
EOF2
check uniform_control_checks $VYREC check $O/uniform.yaml
if have_backend vulkan; then
	expect_exit uniform_control_verifies 0 "PASS" $VYREC verify $O/uniform.yaml --backends vulkan --param k=3
fi
# the while above is uniform only while acc is: a subgroup op of a
# divergent value makes the loop divergent
sed 's/      - acc = acc \/ 2u + subgroup.min(acc) \/ 2u/      - acc = acc \/ 2u + subgroup.shuffle_xor(acc, 1u) \/ 2u/' $O/uniform.yaml > $O/div.yaml
expect_exit divergent_loop_after_shuffle 1 "(divergent subgroup op)" $VYREC check $O/div.yaml

# not in launch-time expressions
cat > $O/cnt.yaml <<'EOF2'
vyrec: 1
name: cnt
workgroup_size: [64]
params: {n: u32}
buffers:
  out: {binding: 0, type: u32, count: subgroup.add(n), access: write_only}
entry:
  - out[gid.x] = sg.size
EOF2
expect_exit subgroup_op_in_count 1 "subgroup operations cannot be used in the count of buffer 'out'" \
	$VYREC check $O/cnt.yaml
grep -q '^  Fix: use params, literals and len(BUF) only$' $O/subgroup_op_in_count.log &&
	ok subgroup_op_in_count_fix || bad subgroup_op_in_count_fix "no Fix line"

# ---- backends ----
$VYREC backends --json > $O/backends.json 2>&1
if /usr/bin/python3 - $O/backends.json <<'PY' 2>$O/backends.err
import json, sys
v = {b["id"]: b for b in json.load(open(sys.argv[1]))}
assert v["reference"]["subgroup_size"] == 32, v["reference"]
for b in v.values():
    assert "subgroup_size" in b, b
    assert (b["subgroup_size"] is None) == (not b["available"]), b
    if b["id"] == "cuda" and b["available"]:
        assert b["subgroup_size"] == 32, b
PY
then ok backends_json_subgroup_size; else bad backends_json_subgroup_size "$(tail -1 $O/backends.err)"; fi
$VYREC backends | grep -q '^reference .*(subgroup size 32)$' && ok backends_text_subgroup_size ||
	bad backends_text_subgroup_size "$($VYREC backends | grep '^reference')"

# ---- verify --subgroup-sizes ----
expect_exit verify_sizes_disagree 4 "reference at subgroup size 64: FAIL disagrees with subgroup size 8" \
	$VYREC verify $C/subgroup_float_order.yaml --backends reference --subgroup-sizes 8,32,64
$VYREC verify $C/subgroup_float_order.yaml --backends reference --subgroup-sizes 8,32 --json > $O/sizes.json 2>/dev/null
python3 tests/schema_check.py verify.schema.json $O/sizes.json | sed 's/^\(PASS\|FAIL\) \([^ :]*\)/\1 verify_sizes_json_\2/'
grep -q '"backend": "reference at subgroup size 32", "device": null, "status": "fail"' $O/sizes.json &&
	ok verify_sizes_json_result || bad verify_sizes_json_result "$(head -c 300 $O/sizes.json)"
cat > $O/indep.yaml <<'EOF'
vyrec: 1
name: indep
workgroup_size: [48]
buffers:
  out: {binding: 0, type: u32, count: 96, access: write_only}
dispatch: [96]
entry:
  - let i = gid.x
  - out[i] = subgroup.broadcast_first(i / 48u) + u32(subgroup.all(i < 96u)) * 10u
EOF
expect_exit verify_sizes_agree 0 "reference at subgroup size 128: PASS agrees with subgroup size 4" \
	$VYREC verify $O/indep.yaml --backends reference --subgroup-sizes 4,8,16,32,64,128

# ---- Vulkan: the device's size, subgroup_size honoured or refused ----
if have_backend vulkan; then
	vs=$($VYREC backends --json | /usr/bin/python3 -c 'import json,sys; print([b for b in json.load(sys.stdin) if b["id"] == "vulkan"][0]["subgroup_size"])')
	expect_exit vulkan_verify_at_device_size 0 "PASS 1 buffer, 2560 elements, max error 0 ulp, subgroup size $vs" \
		$VYREC verify $C/subgroup_reduce.yaml --backends vulkan
	sed "s/^workgroup_size: \[80\]/workgroup_size: [80]\nsubgroup_size: $vs/" $C/subgroup_float_order.yaml > $O/own.yaml
	expect_exit vulkan_program_size_own 0 "subgroup size $vs" $VYREC verify $O/own.yaml --backends vulkan
	other=$([ "$vs" = 128 ] && echo 4 || echo $((vs * 2)))
	sed "s/^workgroup_size: \[80\]/workgroup_size: [80]\nsubgroup_size: $other/" $C/subgroup_float_order.yaml > $O/other.yaml
	# lavapipe has one size; a device with VK_EXT_subgroup_size_control
	# covering $other honours it instead
	$VYREC run $O/other.yaml --backend vulkan > $O/other.log 2>&1
	rc=$?
	if [ $rc -eq 3 ] && grep -q "requires subgroup_size: $other. Fix: " $O/other.log; then
		ok vulkan_program_size_refused_exit3
	elif [ $rc -eq 0 ] && $VYREC verify $O/other.yaml --backends vulkan > $O/other.v 2>&1; then
		ok vulkan_program_size_refused_exit3
	else
		bad vulkan_program_size_refused_exit3 "exit $rc: $(head -2 $O/other.log | tr '\n' ' ')"
	fi
	# a 2-D workgroup whose rows are not whole subgroups is refused
	cat > $O/rows.yaml <<EOF
vyrec: 1
name: rows
workgroup_size: [$((vs + vs / 2)), 3]
buffers:
  out: {binding: 0, type: u32, count: $(( (vs + vs / 2) * 3 )), access: write_only}
dispatch: [$((vs + vs / 2)), 3]
entry:
  - out[gid.y * wgsize.x + gid.x] = subgroup.add(lid.x + 100u * lid.y)
EOF
	expect_exit vulkan_2d_rows_refused 3 "Fix: make workgroup_size's x a multiple of $vs" \
		$VYREC run $O/rows.yaml --backend vulkan
	sed "s/\[$((vs + vs / 2)), 3\]/[$((vs * 2)), 3]/; s/count: [0-9]*/count: $((vs * 6))/" $O/rows.yaml > $O/rows2.yaml
	expect_exit vulkan_2d_whole_rows 0 "PASS" $VYREC verify $O/rows2.yaml --backends vulkan
else
	skip vulkan_subgroup "no vulkan device here: make deps installs lavapipe (mesa-vulkan-drivers)"
fi

# ---- vector operands: per component ----
cat > $O/vec.yaml <<'EOF2'
vyrec: 1
name: vec
workgroup_size: [80]
buffers:
  out: {binding: 0, type: f32x4, count: 160, access: write_only}
  outu: {binding: 1, type: u32x2, count: 160, access: write_only}
entry:
  - let i = gid.x
  - out[i] = subgroup.add(f32x4(f32(i) * 1.37f, f32(i), 0.5f, -f32(i)))
  - outu[i] = subgroup.max(u32x2(i, 1000u - i))
EOF2
if $VYREC run $O/vec.yaml --backend reference --out outu=$O/vecu.bin > $O/vec.log 2>&1 &&
	[ "$(word $O/vecu.bin 0)" = 31 ] && [ "$(word $O/vecu.bin 1)" = 1000 ]; then
	ok vector_operand_reference
else
	bad vector_operand_reference "$(head -2 $O/vec.log | tr '\n' ' ') words $(word $O/vecu.bin 0) $(word $O/vecu.bin 1)"
fi
if have_backend vulkan; then
	expect_exit vector_operand_vulkan 0 "PASS 2 buffers" $VYREC verify $O/vec.yaml --backends vulkan
fi

# ---- what each target emits ----
$VYREC build $C/subgroup_reduce.yaml -t spv --emit-asm -o $O/reduce.spvasm > $O/spv.log 2>&1
for cap in GroupNonUniform GroupNonUniformArithmetic GroupNonUniformBallot GroupNonUniformShuffle; do
	grep -q "OpCapability $cap\$" $O/reduce.spvasm && ok spv_capability_$cap ||
		bad spv_capability_$cap "$(head -2 $O/spv.log)"
done
grep -q 'BuiltIn SubgroupSize' $O/reduce.spvasm && grep -q 'BuiltIn SubgroupLocalInvocationId' $O/reduce.spvasm &&
	ok spv_subgroup_builtins || bad spv_subgroup_builtins "no SubgroupSize/SubgroupLocalInvocationId"
$VYREC build $C/subgroup_scan.yaml -t spv --emit-asm -o $O/scan.spvasm > /dev/null 2>&1
grep -q 'OpCapability GroupNonUniformShuffleRelative$' $O/scan.spvasm &&
	ok spv_capability_GroupNonUniformShuffleRelative || bad spv_capability_GroupNonUniformShuffleRelative
$VYREC build $C/subgroup_vote.yaml -t spv --emit-asm -o $O/vote.spvasm > /dev/null 2>&1
grep -q 'OpCapability GroupNonUniformVote$' $O/vote.spvasm && grep -q OpGroupNonUniformElect $O/vote.spvasm &&
	ok spv_capability_GroupNonUniformVote || bad spv_capability_GroupNonUniformVote
# 1.0 programs keep their bytes: no subgroup capability without subgroup ops
$VYREC build samples/saxpy.yaml -t spv --emit-asm -o $O/saxpy.spvasm > /dev/null 2>&1
grep -q GroupNonUniform $O/saxpy.spvasm && bad spv_no_subgroup_in_1_0 "saxpy has GroupNonUniform" ||
	ok spv_no_subgroup_in_1_0
expect_exit spv_vulkan10_refused 1 "subgroup operations need SPIR-V 1.3" \
	$VYREC build $C/subgroup_reduce.yaml -t spv --target-env vulkan1.0 -o $O/x.spv
$VYREC build $C/subgroup_vote.yaml -t glsl -o $O/vote.comp > /dev/null 2>&1
for e in basic arithmetic ballot shuffle shuffle_relative vote; do
	grep -q "^#extension GL_KHR_shader_subgroup_$e : require\$" $O/vote.comp ||
		{ bad glsl_extensions "no GL_KHR_shader_subgroup_$e"; e=bad; break; }
done
[ "$e" != bad ] && ok glsl_extensions
$VYREC build $C/subgroup_reduce.yaml -t ptx -o $O/reduce.ptx > $O/ptx.log 2>&1
if grep -q 'shfl.sync.bfly.b32' $O/reduce.ptx && ! grep -q redux $O/reduce.ptx; then
	ok ptx_butterfly_without_redux_sm70
else
	bad ptx_butterfly_without_redux_sm70 "$(head -2 $O/ptx.log)"
fi
$VYREC build $C/subgroup_vote.yaml -t ptx -o $O/vote.ptx > /dev/null 2>&1
grep -q 'vote.sync.all.pred' $O/vote.ptx && grep -q 'vote.sync.any.pred' $O/vote.ptx &&
	ok ptx_vote_sync || bad ptx_vote_sync "no vote.sync"
PTXAS=$(cuda_tool ptxas)
if [ -n "$PTXAS" ]; then
	for p in reduce scan float_order shuffle vote; do
		$VYREC build $C/subgroup_$p.yaml -t ptx --arch sm_80 -o $O/$p.sm80.ptx > /dev/null 2>&1 &&
			"$PTXAS" -arch=sm_80 $O/$p.sm80.ptx -o $O/$p.cubin > $O/$p.ptxas.log 2>&1 &&
			ok ptxas_subgroup_$p || bad ptxas_subgroup_$p "$(head -2 $O/$p.ptxas.log | tr '\n' ' ')"
	done
else
	skip ptxas_subgroup "no ptxas (CUDA toolkit): tools/cuda-toolkit.sh fetches it"
fi

# ---- subgroup.ballot (u32x4): the reference at every size against
# gen_subgroup.py's oracle at that size, the uniformity of its result,
# and what each target emits ----
if command -v python3 >/dev/null 2>&1; then
	for s in 4 8 16 32 64 128; do
		python3 $C/gen_subgroup.py --ballot-expect $s > $O/ballot$s.expect
		if $VYREC run $C/subgroup_ballot.yaml --backend reference --subgroup-size $s \
			--out out=$O/ballot$s.bin > $O/ballot$s.log 2>&1 &&
			od -An -v -tu4 -w4 $O/ballot$s.bin | tr -d ' ' | cmp -s - $O/ballot$s.expect; then
			ok ballot_vm_size_$s
		else
			bad ballot_vm_size_$s "differs from gen_subgroup.py --ballot-expect $s: $(head -2 $O/ballot$s.log | tr '\n' ' ')"
		fi
	done
else
	skip ballot_vm_sizes "no python3 (make deps installs it)"
fi
cat > $O/ballot_uniform.yaml <<'EOF2'
vyrec: 1
name: ballot_uniform
workgroup_size: [64]
buffers:
  out: {binding: 0, type: u32, count: 128, access: write_only}
dispatch: [128]
entry:
  - let i = gid.x
  - var acc = 0u
  - var b = subgroup.ballot((i & 5u) == 1u)
  - while: (b.x | b.y | b.z | b.w) != 0u
    do:
      - acc += subgroup.add(1u)
      - b.x = b.x & (b.x - 1u)
      - b.y = b.y & (b.y - 1u)
      - b.z = b.z & (b.z - 1u)
      - b.w = b.w & (b.w - 1u)
  - out[i] = acc
EOF2
check ballot_result_is_uniform $VYREC check $O/ballot_uniform.yaml
if have_backend vulkan; then
	expect_exit ballot_uniform_verifies 0 "PASS" $VYREC verify $O/ballot_uniform.yaml --backends vulkan
	for o in O0 O1; do
		expect_exit ballot_corpus_vulkan_$o 0 "PASS 1 buffer, 4320 elements, max error 0 ulp" \
			$VYREC verify $C/subgroup_ballot.yaml --backends vulkan -$o
	done
fi
cat > $O/ballot1.yaml <<'EOF2'
vyrec: 1
name: ballot1
workgroup_size: [64]
buffers:
  x: {binding: 0, type: u32, count: 128, access: read_only}
  out: {binding: 1, type: u32x4, count: 128, access: write_only}
dispatch: [128]
entry:
  - out[gid.x] = subgroup.ballot(x[gid.x] > 7u)
EOF2
$VYREC build $O/ballot1.yaml -t spv --emit-asm -o $O/ballot1.spvasm > $O/ballot1.log 2>&1
# one OpGroupNonUniformBallot for the four words
grep -q 'OpCapability GroupNonUniformBallot$' $O/ballot1.spvasm &&
	[ "$(grep -c 'OpGroupNonUniformBallot %v4uint %uint_3' $O/ballot1.spvasm)" = 1 ] &&
	ok spv_ballot || bad spv_ballot "not one OpGroupNonUniformBallot: $(head -2 $O/ballot1.log)"
$VYREC build $O/ballot1.yaml -t glsl -o $O/ballot1.comp > /dev/null 2>&1
grep -q '^#extension GL_KHR_shader_subgroup_ballot : require$' $O/ballot1.comp &&
	grep -q 'subgroupBallot(.*)\[3u\]' $O/ballot1.comp && ok glsl_ballot || bad glsl_ballot "no subgroupBallot"
$VYREC build $O/ballot1.yaml -t ptx -O1 -o $O/ballot1.ptx > /dev/null 2>&1
# one vote.sync.ballot.b32 for word 0; the upper words of a 32-wide warp are 0
if [ "$(grep -c 'vote.sync.ballot.b32' $O/ballot1.ptx)" = 1 ] &&
	[ "$(grep -c 'mov.b32 	%r[0-9]*, 0;' $O/ballot1.ptx)" -ge 3 ] &&
	grep -q 'st.global.v4.u32' $O/ballot1.ptx; then
	ok ptx_ballot
else
	bad ptx_ballot "$(grep -n 'vote\|st.global' $O/ballot1.ptx | head -3 | tr '\n' ' ')"
fi
if [ -n "$PTXAS" ]; then
	$VYREC build $C/subgroup_ballot.yaml -t ptx --arch sm_80 -o $O/ballot.sm80.ptx > /dev/null 2>&1 &&
		"$PTXAS" -arch=sm_80 $O/ballot.sm80.ptx -o $O/ballot.cubin > $O/ballot.ptxas.log 2>&1 &&
		ok ptxas_subgroup_ballot || bad ptxas_subgroup_ballot "$(head -2 $O/ballot.ptxas.log | tr '\n' ' ')"
fi
