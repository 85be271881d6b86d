#!/bin/sh
# t_opt.sh: the IR passes of src/opt.c that the targets request through
# their descriptors' .passes (vy_emit runs them at -O1 and above): unroll
# (ptx, spv, glsl; the reference keeps its loops) and the memory and loop
# passes loadcse, forward, promote, licm, sr (every target, the reference
# included); cases for those are at "the memory and loop passes" below.
#  * tests/unit/test_unroll.c: on IR, the reference VM computes the same
#    buffers bit for bit for every program and its unrolled copy, the input
#    is left unchanged, the result is deterministic;
#  * goldens: `--dump-ir=unroll` of tests/opt/NAME.yaml beside NAME.ir
#    (UPDATE=1 rewrites them), cases unrolled and kept;
#  * emitted code: reduce's while and matmul's inner for are gone from the
#    SPIR-V (spirv-dis, OpLoopMerge), the GLSL and the PTX at -O1, kept at
#    -O0; `vyrec verify` of the cases on lavapipe;
#  * growth: a 100 000-statement program of small loops builds in linear
#    time and the pass adds at most 16 384 statements.
. tests/lib.sh
O=tests/out/opt
rm -rf $O; mkdir -p $O

# ---- on IR ----
if cc_unit $O/test_unroll tests/unit/test_unroll.c > $O/cc.log 2>&1; then
	$O/test_unroll unit 2> $O/unit.err || grep -q '^FAIL' $O/unit.err ||
		bad unroll_unit "exit $?: $(head -3 $O/unit.err | tr '\n' ' ')"
	for f in samples/*.yaml tests/corpus/*.yaml tests/compile/*.yaml tests/opt/*.yaml; do
		n=$(basename $f .yaml)
		$O/test_unroll same $f 2> $O/same.$n.err
		rc=$?
		[ $rc -le 1 ] || bad unroll_same_$n "exit $rc: $(head -2 $O/same.$n.err | tr '\n' ' ')"
	done
else
	bad unroll_unit_build "$(head -3 $O/cc.log | tr '\n' ' ')"
fi

# ---- goldens: the IR after the pass ----
for f in tests/opt/*.yaml; do
	n=$(basename $f .yaml)
	g=tests/opt/$n.ir
	$VYREC build $f -t spv --dump-ir=unroll -o $O/$n.spv 2> $O/$n.ir ||
		{ bad unroll_golden_$n "build failed: $(head -2 $O/$n.ir | tr '\n' ' ')"; continue; }
	if [ -n "$UPDATE" ]; then
		cp $O/$n.ir $g; ok "unroll_golden_$n (updated)"
	elif diff -u $g $O/$n.ir > $O/$n.diff; then
		ok unroll_golden_$n
	else
		bad unroll_golden_$n "differs from $g: $(sed -n 4,12p $O/$n.diff | tr '\n' ' ')"
	fi
done

# -O0: the pass does not run, so --dump-ir=unroll is --dump-ir
$VYREC build samples/reduce.yaml -O0 -t spv --dump-ir -o $O/r0.spv 2> $O/r0.ir
$VYREC build samples/reduce.yaml -O0 -t spv --dump-ir=unroll -o $O/r0u.spv 2> $O/r0u.ir
check unroll_dump_O0_unchanged cmp $O/r0.ir $O/r0u.ir
check unroll_dump_O0_keeps_while grep -q '^while' $O/r0u.ir
$VYREC build samples/reduce.yaml -t spv --dump-ir=bogus -o $O/x.spv > $O/bogus.log 2>&1
rc=$?
if [ $rc -eq 2 ] && grep -q "unknown IR dump 'bogus'" $O/bogus.log && grep -q 'dump-ir=unroll' $O/bogus.log; then
	ok unroll_dump_unknown_usage
else
	bad unroll_dump_unknown_usage "exit $rc: $(head -2 $O/bogus.log | tr '\n' ' ')"
fi

# ---- emitted code ----
# loops NAME TARGET LEVEL: the loops left in samples/NAME.yaml's output
loops() {
	case $2 in
	spv) $VYREC build samples/$1.yaml -t spv -O$3 -o $O/$1.O$3.spv > /dev/null 2>&1 &&
	     spirv-dis $O/$1.O$3.spv -o $O/$1.O$3.spvasm && grep -c 'OpLoopMerge' $O/$1.O$3.spvasm ;;
	glsl) $VYREC build samples/$1.yaml -t glsl -O$3 -o $O/$1.O$3.comp > /dev/null 2>&1 &&
	      grep -cE '^[[:space:]]*(for|while) ?\(' $O/$1.O$3.comp ;;
	ptx) $VYREC build samples/$1.yaml -t ptx -O$3 -o $O/$1.O$3.ptx > /dev/null 2>&1 &&
	     grep -cE 'bra.uni[[:space:]]+\$L_(loop|cont)_' $O/$1.O$3.ptx ;;
	esac
}
# want NAME TARGET LEVEL N
want() {
	got=$(loops $1 $2 $3)
	if [ "$got" = "$4" ]; then ok unroll_loops_$1_$2_O$3
	else bad unroll_loops_$1_$2_O$3 "want $4 loops, got '${got:-build failed}'"; fi
}
for t in spv glsl ptx; do
	want reduce $t 1 0    # the counted while, 8 trips
	want reduce $t 0 1
	want matmul $t 1 1    # the tile loop has a runtime bound; for k in 0u..16u goes
	want matmul $t 0 2
done
# each trip reads its own constant: matmul's inner product indexes tb at
# k * 16 + tx for k = 0..15, so 16u*15 = 240u appears in the SPIR-V
$VYREC build samples/matmul.yaml -t spv --emit-asm -o $O/mm.spvasm > /dev/null 2>&1
check unroll_matmul_spv_constants grep -q 'OpConstant %uint 240$' $O/mm.spvasm
# the reference keeps its loops: its module does not change with the pass
$VYREC build samples/reduce.yaml -t reference -o $O/r1.vyref > /dev/null 2>&1
$VYREC build samples/reduce.yaml -t reference -O0 -o $O/r0.vyref > /dev/null 2>&1
check unroll_reference_keeps_loops test -s $O/r1.vyref

# ---- results: the unrolled GPU code against the reference (lavapipe) ----
# dead_let: a let nobody reads (dce drops it at -O1, and an unrolled
# loop's counter is likewise declared nowhere) made the reference emitter
# hand a live local's register to the next declaration
cat > $O/dead_let.yaml <<'EOF'
vyrec: 1
name: dead_let
workgroup_size: [4]
buffers:
  x: {type: u32, count: 64, access: read_only}
  out: {type: u32, count: 4, access: write_only}
dispatch: [4]
entry:
  - let i = gid.x
  - let unused = i * 7u
  - var a = x[i]
  - a = a * 3u + 1u
  - out[i] = a
EOF
for lvl in 0 1; do
	$VYREC run $O/dead_let.yaml -O$lvl --backend reference --in x=const:5 --print out > $O/dead$lvl.log 2>&1
	check reference_dead_let_O$lvl grep -qx 'out: 16 16 16 16' $O/dead$lvl.log
done
if have_backend vulkan; then
	for f in tests/opt/*.yaml $O/dead_let.yaml; do
		n=$(basename $f .yaml)
		$VYREC verify $f --backends reference,vulkan > $O/verify.$n.log 2>&1
		rc=$?
		if [ $rc -eq 0 ] && grep -q '^vulkan.*PASS' $O/verify.$n.log; then
			ok unroll_verify_$n
		else
			bad unroll_verify_$n "exit $rc: $(grep -m1 -iE 'fail|error' $O/verify.$n.log | cut -c1-200)"
		fi
	done
else
	bad unroll_verify "no vulkan device ($VYREC backends; make deps installs lavapipe)"
fi

# ---- the memory and loop passes (loadcse forward promote licm sr) ----
# tests/unit/opt_passes.c: each pass alone and all together keep the
# reference VM's buffers bit for bit on every program; the IR cases of
# tests/opt/mem (barriers, atomics, aliasing stores, lazy operands, zero
# trips) say what may and may not move
if cc_unit $O/opt_passes tests/unit/opt_passes.c > $O/cc2.log 2>&1; then
	$O/opt_passes unit 2> $O/mem_unit.err || grep -q '^FAIL' $O/mem_unit.err ||
		bad opt_unit "exit $?: $(head -3 $O/mem_unit.err | tr '\n' ' ')"
	for f in samples/*.yaml tests/corpus/*.yaml tests/compile/*.yaml tests/opt/*.yaml tests/opt/mem/*.yaml; do
		n=$(basename $f .yaml)
		$O/opt_passes same $f 2> $O/mem_same.$n.err
		rc=$?
		[ $rc -le 1 ] || bad opt_same_$n "exit $rc: $(head -2 $O/mem_same.$n.err | tr '\n' ' ')"
	done
else
	bad opt_unit_build "$(head -3 $O/cc2.log | tr '\n' ' ')"
fi
# goldens: --dump-ir=all (every pass, as spv and glsl get them; ptx runs
# partial after them, tests/unit/opt_passes.c checks it) of tests/opt/mem
for f in tests/opt/mem/*.yaml; do
	n=$(basename $f .yaml)
	g=tests/opt/mem/$n.ir
	$VYREC build $f -t ptx --dump-ir=all -o $O/$n.ptx 2> $O/$n.mem.ir ||
		{ bad opt_golden_$n "build failed: $(head -2 $O/$n.mem.ir | tr '\n' ' ')"; continue; }
	if [ -n "$UPDATE" ]; then
		cp $O/$n.mem.ir $g; ok "opt_golden_$n (updated)"
	elif diff -u $g $O/$n.mem.ir > $O/$n.mem.diff; then
		ok opt_golden_$n
	else
		bad opt_golden_$n "differs from $g: $(sed -n 4,12p $O/$n.mem.diff | tr '\n' ' ')"
	fi
done
for pass in loadcse forward promote licm sr; do
	$VYREC build tests/opt/mem/promote_gemm.yaml -O0 -t ptx --dump-ir=$pass -o $O/g0.ptx 2> $O/g0.$pass.ir
	$VYREC build tests/opt/mem/promote_gemm.yaml -O0 -t ptx --dump-ir -o $O/g0.ptx 2> $O/g0.ir
	check opt_dump_${pass}_O0_unchanged cmp $O/g0.ir $O/g0.$pass.ir
done

# -O0 against -O1, bit for bit, on every backend here: the reference, the
# vulkan backend (lavapipe, the spv target) and glslang's SPIR-V of the
# glsl target in its place (VYREC_SPV_OVERRIDE, a file per kernel part
# where there are several), for every sample and
# corpus program and the cases (inputs random, seeded per buffer)
# glsl_spv PROG LEVEL BASE: PROG's glsl at -OLEVEL through glslang; the
# VYREC_SPV_OVERRIDE that stands for it in BASE.override: BASE.spv, or for
# a program of several kernel parts (a .comp file per part in BASE.d)
# BASE.d/NAME.%s.spv, %s the part
glsl_spv() {
	rm -rf $3.d $3.comp
	if grep -qE '^kernels:|grid_barrier' $1; then
		$VYREC build $1 -t glsl -O$2 -o $3.d || return 1
		for c in $3.d/*.comp; do
			glslangValidator -V --target-env vulkan1.1 -o ${c%.comp}.spv $c || return 1
		done
		c=$(ls $3.d | head -1)
		echo "$3.d/${c%%.*}.%s.spv" > $3.override
	else
		$VYREC build $1 -t glsl -O$2 -o $3.comp &&
		glslangValidator -V --target-env vulkan1.1 -o $3.spv $3.comp &&
		echo $3.spv > $3.override
	fi
}
o0o1() {   # o0o1 NAME PROG BACKEND [glsl]
	n=$1 y=$2 be=$3 ins="" outs=""
	for b in $(awk '/^buffers:/ { b = 1; next } /^[a-z]/ { b = 0 }
		b && /^  [a-z_0-9]+:/ && /access: (read_only|read_write)/ { sub(":", "", $1); print $1 }' $y); do
		ins="$ins --in $b=random:7"
	done
	for b in $(awk '/^buffers:/ { b = 1; next } /^[a-z]/ { b = 0 }
		b && /^  [a-z_0-9]+:/ && /access: (write_only|read_write)/ { sub(":", "", $1); print $1 }' $y); do
		outs="$outs $b"
	done
	[ -n "$outs" ] || return 0
	# params: 1.5 for f32, the first of 64 256 1024 3 that launches for ints
	for v in 64 256 1024 3 ""; do
		[ -n "$v" ] || { bad opt_O0_O1_${be}$4_$n "no params launch it"; return 0; }
		prm=$($VYREC build $y -t reference -O0 --dump-ir -o $O/oo.vyref 2>&1 |
			awk -v v=$v '/^param / { sub(":", "", $2); printf " --param %s=%s", $2, $3 == "f32" ? "1.5" : v }')
		$VYREC run $y --backend reference $prm $ins > /dev/null 2>&1 && break
	done
	ins="$ins $prm"
	for lvl in 0 1; do
		args=""
		for b in $outs; do args="$args --out $b=$O/oo.$n.$be$4.$lvl.$b.bin"; done
		if [ -n "$4" ]; then
			glsl_spv $y $lvl $O/oo.$n.$lvl > $O/oo.$n.log 2>&1 &&
			VYREC_SPV_OVERRIDE=$(cat $O/oo.$n.$lvl.override) $VYREC run $y --backend $be -O$lvl $ins $args >> $O/oo.$n.log 2>&1
		else
			$VYREC run $y --backend $be -O$lvl $ins $args > $O/oo.$n.log 2>&1
		fi || { bad opt_O0_O1_${be}$4_$n "-O$lvl: $(grep -m1 -iE 'error|fail' $O/oo.$n.log | cut -c1-160)"; return 0; }
	done
	for b in $outs; do
		cmp -s $O/oo.$n.$be$4.0.$b.bin $O/oo.$n.$be$4.1.$b.bin ||
			{ bad opt_O0_O1_${be}$4_$n "buffer $b differs between -O0 and -O1"; return 0; }
	done
	ok opt_O0_O1_${be}$4_$n
}
for f in samples/*.yaml tests/corpus/*.yaml tests/opt/*.yaml tests/opt/mem/*.yaml; do
	n=$(basename $f .yaml)
	case $n in math_sweep) continue ;; esac   # minutes on the VM, no loop
	o0o1 $n $f reference
	# the vulkan side: not the op-table corpus programs over 20 kB (straight
	# line, minutes each on lavapipe; t_vulkan verifies them at -O1)
	[ $(wc -c < $f) -le 20000 ] || continue
	if have_backend vulkan; then
		o0o1 $n $f vulkan
		# sgemm's 512 exact-fma emulations a k-tile take lavapipe minutes at
		# these sizes through glsl: t_sgemm compares its -O0 and -O1 glsl
		[ $n = sgemm ] || o0o1 $n $f vulkan _glsl
	fi
done

# ---- growth: linear, at most 16 384 statements added ----
# gen N FILE: N statements, half of them 4-trip loops of one statement
gen() {
	awk -v n=$1 'BEGIN {
		print "vyrec: 1\nname: loops\nworkgroup_size: [64]\nparams: {n: u32}"
		print "buffers:\n  x: {type: u32, count: n, access: read_only}"
		print "  y: {type: u32, count: n, access: read_write}\nentry:"
		print "  - let i = gid.x\n  - var acc = 0u"
		for (k = 0; k < (n - 6) / 2; k++)
			printf "  - for: k in 0u..4u\n    do: [\"acc += x[(i + k + %du) %% n]\"]\n", k % 61
		print "  - if: i < n\n    then:\n      - y[i] = acc" }' > $2
}
gen 10000 $O/l10k.yaml
gen 100000 $O/l100k.yaml
# cpu NAME CMD...: the CPU seconds CMD took (also checks it succeeded)
cpu() {
	n=$1; shift
	if /usr/bin/time -f '%U %S' -o $O/$n.time "$@" > $O/$n.log 2>&1; then
		awk '{ printf "%.2f", $1 + $2 }' $O/$n.time
	else
		bad $n "exit $?: $(head -c 200 $O/$n.log | head -1)"; echo 0
	fi
}
a=$(cpu unroll_scale_ptx_10k $VYREC build $O/l10k.yaml -t ptx -o $O/l10k.ptx)
b=$(cpu unroll_scale_ptx_100k $VYREC build $O/l100k.yaml -t ptx -o $O/l100k.ptx)
if awk -v a=$a -v b=$b 'BEGIN { exit !(b <= 25 * a + 0.5 && b < 20) }'; then ok unroll_scale_linear
else bad unroll_scale_linear "${a}s at 10 000, ${b}s at 100 000 statements"; fi
$VYREC build $O/l100k.yaml -t ptx --dump-ir -o $O/l.ptx 2> $O/l100k.ir
$VYREC build $O/l100k.yaml -t ptx --dump-ir=unroll -o $O/l.ptx 2> $O/l100k.u.ir
before=$(grep -c '' $O/l100k.ir) after=$(grep -c '' $O/l100k.u.ir)
if [ "$after" -gt "$before" ] && [ "$after" -le $((before + 16384)) ]; then
	ok unroll_scale_growth_capped
else
	bad unroll_scale_growth_capped "IR lines $before before, $after after the pass"
fi
exit 0
