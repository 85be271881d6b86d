#!/bin/sh
# t_tables.sh: the tables every op, value and document is read from
# (issue #12).  tests/unit/op_table_test.c: every op of vyrec_ops.def
# over every type its signature admits, emitted by every target the
# registry (`vyrec ops` TARGETS) says lowers it.
cd "$(dirname "$0")/.." || exit 2
. tests/lib.sh
mkdir -p tests/out/tables
T=tests/out/op_table_test
if [ ! -f build/libvyrec.a ]; then
	bad tables_build "build/libvyrec.a is missing; run make"
	exit 0
fi
if ! cc_unit $T tests/unit/op_table_test.c 2>tests/out/tables/op_table_test.cc.log; then
	bad tables_build "$(head -5 tests/out/tables/op_table_test.cc.log | tr '\n' ' ')"
	exit 0
fi
$T

# The one JSON writer (src/json.c, tests/unit/json_test.c).
if cc_unit tests/out/json_test tests/unit/json_test.c 2>tests/out/tables/json_test.cc.log; then
	tests/out/json_test
else
	bad json_build "$(head -5 tests/out/tables/json_test.cc.log | tr '\n' ' ')"
fi

# ---- one value parser (src/value.c): --param and const: of one text give
# the same bits on run, and in the C and Cargo launchers' parsers.
W=tests/out/tables
cat > $W/val.yaml <<'YAML'
vyrec: 1
name: val
params: {a: f32, u: u32, s: i32}
buffers:
  x: {binding: 0, type: f32, count: 1, access: read_only}
  xu: {binding: 1, type: u32, count: 1, access: read_only}
  xs: {binding: 2, type: i32, count: 1, access: read_only}
  out: {binding: 3, type: u32, count: 6, access: read_write}
workgroup_size: [1]
dispatch: [1]
entry:
  - out[0] = bitcast<u32>(a)
  - out[1] = bitcast<u32>(x[0])
  - out[2] = u
  - out[3] = xu[0]
  - out[4] = u32(s)
  - out[5] = u32(xs[0])
YAML
# hexwords FILE: the u32 words of a raw file as 0x%08x, space separated
hexwords() { od -An -v -tx4 "$1" | tr -s ' \n' '  ' | sed 's/^ //; s/ $//; s/\([0-9a-f]\{8\}\)/0x\1/g'; }
# The cases: F32 U32 I32 texts, then the six words expected.
CASES='
dround|1.0000000596046447753906250001|0x10|-0x80000000|0x3f800001 0x3f800001 0x00000010 0x00000010 0x80000000 0x80000000
over|1e39|010|-2147483648|0x7f800000 0x7f800000 0x0000000a 0x0000000a 0x80000000 0x80000000
negover|-1e39|4294967295|+2147483647|0xff800000 0xff800000 0xffffffff 0xffffffff 0x7fffffff 0x7fffffff
tiny|1e-46|0XFF|-1|0x00000000 0x00000000 0x000000ff 0x000000ff 0xffffffff 0xffffffff
hexf|0x1p-149|0|-0|0x00000001 0x00000001 0x00000000 0x00000000 0x00000000 0x00000000
'
# run_case RUNNER NAME: RUNNER F U I OUTFILE runs the program
cases() {
	runner=$1 tag=$2
	echo "$CASES" | while IFS='|' read -r n f u i exp; do
		[ -n "$n" ] || continue
		[ "$tag" != vyrec ] && [ "$n" = hexf ] && [ -n "$NOHEXF" ] && continue
		o=$W/$tag.$n.bin
		rm -f "$o"
		if ! $runner "$f" "$u" "$i" "$o" >$W/$tag.$n.log 2>&1; then
			bad "value_${tag}_$n" "run failed: $(tail -2 $W/$tag.$n.log | tr '\n' ' ')"
		elif [ "$(hexwords "$o")" = "$exp" ]; then
			ok "value_${tag}_$n"
		else
			bad "value_${tag}_$n" "got $(hexwords "$o"), want $exp"
		fi
	done
}
run_vyrec() {
	$VYREC run $W/val.yaml --backend reference --param a="$1" --param u="$2" \
		--param s="$3" --in x=const:"$1" --in xu=const:"$2" --in xs=const:"$3" \
		--out out="$4"
}
cases run_vyrec vyrec

# Rejected everywhere: the message names the text.
for bad_v in 'u=-1' 'u=4294967296' 'u=+1' 'u= 1' 's=2147483648' 's=-2147483649' \
	's=0x80000000' 'a=1.5x' 'a=' 'u=0x'; do
	if $VYREC run $W/val.yaml --backend reference --param "$bad_v" >$W/rej.log 2>&1; then
		bad "value_reject_$bad_v" "accepted"
	elif grep -q "is not a valid" $W/rej.log; then
		ok "value_reject_$bad_v"
	else
		bad "value_reject_$bad_v" "$(head -2 $W/rej.log | tr '\n' ' ')"
	fi
done
for bad_v in 'xu=const:-1' 'xs=const:2147483648' 'x=const:1.5x' 'xu=random:1:0:010x'; do
	if $VYREC run $W/val.yaml --backend reference --in "$bad_v" >$W/rej.log 2>&1; then
		bad "value_reject_in_$bad_v" "accepted"
	else
		ok "value_reject_in_$bad_v"
	fi
done

# The C launcher (reference target) parses as vyrec does.
rm -rf $W/lc
if $VYREC launcher $W/val.yaml -t reference --lang c -o $W/lc >$W/lc.gen.log 2>&1 &&
	make -s -C $W/lc >$W/lc.build.log 2>&1; then
	run_c() {
		$W/lc/val --param a="$1" --param u="$2" --param s="$3" --in x=const:"$1" \
			--in xu=const:"$2" --in xs=const:"$3" --out out="$4"
	}
	cases run_c clauncher
	if $W/lc/val --param u=-1 >/dev/null 2>&1; then bad value_clauncher_reject "u=-1 accepted"
	else ok value_clauncher_reject; fi
else
	bad value_clauncher_build "$(cat $W/lc.gen.log $W/lc.build.log 2>/dev/null | tail -3 | tr '\n' ' ')"
fi

# The Cargo launcher: Rust's str::parse::<f32> rounds once too; it reads
# no C hex floats (NOHEXF).
PATH=$PATH:$HOME/.cargo/bin
if ! command -v cargo >/dev/null 2>&1; then
	skip value_cargo "cargo is not installed"
else
	rm -rf $W/lr
	CARGO_TARGET_DIR=$(pwd)/$W/target
	export CARGO_TARGET_DIR
	if $VYREC launcher $W/val.yaml -t spv --lang cargo -o $W/lr >$W/lr.gen.log 2>&1 &&
		(cd $W/lr && cargo build --offline --quiet) >$W/lr.build.log 2>&1; then
		run_r() {
			$CARGO_TARGET_DIR/debug/val --param a="$1" --param u="$2" --param s="$3" \
				--in x=const:"$1" --in xu=const:"$2" --in xs=const:"$3" --out out="$4"
		}
		if ! $VYREC backends 2>/dev/null | grep -q '^vulkan .* ok:'; then
			skip value_cargo "no Vulkan device for the spv launcher"
		else
			NOHEXF=1 cases run_r cargo
		fi
	else
		bad value_cargo_build "$(cat $W/lr.gen.log $W/lr.build.log 2>/dev/null | tail -3 | tr '\n' ' ')"
	fi
fi

# ---- one evaluator (issue #12 item 3, tests/unit/op_conform_test.c): every
# non-atomic op over edge values; the VM's evaluator gives the expected
# bits; the reference VM at -O0 and at -O1 (literal operands, folded by
# src/opt.c through the same evaluator) must match bit for bit; each GPU
# backend that runs here (Vulkan: lavapipe) within SEMANTICS.md's rules.
C=tests/out/conform
rm -rf $C
mkdir -p $C
if ! cc_unit tests/out/op_conform_test tests/unit/op_conform_test.c 2>$C/cc.log; then
	bad conform_build "$(head -5 $C/cc.log | tr '\n' ' ')"
elif ! tests/out/op_conform_test gen $C; then
	bad conform_gen "op_conform_test gen failed"
else
	ok conform_gen
	vk=no
	$VYREC backends 2>/dev/null | grep -q '^vulkan .* ok: ' && vk=yes
	while read -r name count; do
		for o in O0 O1; do
			if $VYREC run $C/$name.yaml --backend reference -$o --out out=$C/$name.$o.bin >$C/$name.$o.log 2>&1; then
				tests/out/op_conform_test cmp $C/$name.expect $C/$name.$o.bin exact conform_${name}_reference_$o
			else
				bad conform_${name}_reference_$o "$(head -3 $C/$name.$o.log | tr '\n' ' ')"
			fi
		done
		if [ $vk = yes ]; then
			if $VYREC run $C/${name}_rt.yaml --backend vulkan --in v=$C/$name.v --out out=$C/$name.vk.bin >$C/$name.vk.log 2>&1; then
				tests/out/op_conform_test cmp $C/$name.expect $C/$name.vk.bin bounded conform_${name}_vulkan
			else
				bad conform_${name}_vulkan "$(head -3 $C/$name.vk.log | tr '\n' ' ')"
			fi
		fi
	done < $C/list
	[ $vk = yes ] || bad conform_vulkan "no Vulkan device initialises here (vyrec backends); make deps installs lavapipe"
fi

# ---- the launcher runtimes (issue #12 item 3): the launch-time size
# helpers of the generated projects, templates/c/src/uniform.h and
# templates/cargo/src/uniform.rs, through the expressions vy_launcher_expr
# prints for every op x type a launcher evaluates, over the edge values,
# bit for bit against the VM's evaluator (op_conform_test launch).
L=tests/out/conform_launch
rm -rf $L
mkdir -p $L
if [ ! -x tests/out/op_conform_test ]; then
	bad launch_gen "op_conform_test did not build"
elif ! tests/out/op_conform_test launch $L >$L/gen.out 2>$L/gen.log; then
	bad launch_gen "$(head -3 $L/gen.log | tr '\n' ' ')"
else
	read -r nfn ncase <$L/gen.out
	# 85 op x type pairs today (ops a launcher refuses are not counted)
	echo "launch_gen: $nfn op x type pairs, $ncase cases"
	if [ "$nfn" -ge 80 ]; then ok launch_gen; else bad launch_gen "only $nfn op x type pairs"; fi
	if cc -std=c11 -O1 -Wall -Werror -Itemplates/c/src -o $L/launch_c $L/launch_c.c -lm 2>$L/c.log; then
		$L/launch_c || bad launch_c "some helpers differ from the VM"
	else
		bad launch_c_build "$(head -5 $L/c.log | tr '\n' ' ')"
	fi
	cp templates/cargo/src/uniform.rs $L/uniform.rs
	if ! command -v rustc >/dev/null 2>&1; then
		bad launch_rs "rustc is not installed (make deps)"
	elif rustc --edition 2021 -o $L/launch_rs $L/launch_rs.rs 2>$L/rs.log; then
		# debug build, as `cargo build`: an overflow would panic
		$L/launch_rs || bad launch_rs "some helpers differ from the VM (or panicked)"
	else
		bad launch_rs_build "$(head -5 $L/rs.log | tr '\n' ' ')"
	fi
fi
