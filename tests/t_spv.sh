#!/bin/sh
# tests/t_spv.sh: the spv target.  Part 1 is the emitter's unit test over
# hand-built IR (tests/unit/test_spv.c), which also runs the ops and
# control-flow kernels on the Vulkan backend when a device initialises.
# Part 2 builds every sample, corpus and tests/compile program at -O0, -O1
# and -O2 and checks the output with the spirv-val command-line tool
# (independent of the in-process check), determinism (two builds, cmp),
# the vulkan1.0 and vulkan1.3 environments, and the golden disassembly of
# the tests/compile/spv_*.yaml programs (UPDATE=1 regenerates them).
. tests/lib.sh
O=tests/out/spv
mkdir -p $O
# a private copy, so a concurrent `make` cannot swap the binary mid-suite
if cp "$VYREC" $O/vyrec.$$ 2>/dev/null; then
	VYREC=$O/vyrec.$$
fi

# ---- part 1: unit test ----
if cc_unit $O/test_spv tests/unit/test_spv.c > $O/cc.log 2>&1; then
	if ! $O/test_spv $O run; then
		:   # failures are printed as FAIL lines
	fi
else
	bad spv_unit_build "$(head -3 $O/cc.log | tr '\n' ' ')"
fi

# ---- part 2: real programs ----
if ! command -v spirv-val > /dev/null; then
	skip spv_programs "spirv-val not installed (make deps installs spirv-tools)"
	exit 0
fi

val() {   # val NAME ENV FILE: spirv-val, first line of its complaint on failure
	if spirv-val --target-env "$2" "$3" > $O/val.log 2>&1; then ok "$1"
	else bad "$1" "$(head -2 $O/val.log | tr '\n' ' ')"; fi
}

for f in samples/*.yaml tests/corpus/*.yaml tests/compile/*.yaml; do
	[ -e "$f" ] || continue
	n=$(basename "$f" .yaml)
	d=$(basename "$(dirname "$f")")
	t=spv_${d}_$n
	if ! $VYREC check "$f" > /dev/null 2>&1; then
		continue   # error-case programs belong to other suites
	fi
	for lvl in 0 1 2; do
		out=$O/$d.$n.O$lvl.spv
		if $VYREC build "$f" -t spv -O$lvl -o $out > $O/build.log 2>&1; then
			val ${t}_O${lvl}_spirv_val vulkan1.1 $out
		else
			bad ${t}_O${lvl}_build "$(head -3 $O/build.log | tr '\n' ' ')"
		fi
	done
	$VYREC build "$f" -t spv -O2 -o $O/$d.$n.again.spv > /dev/null 2>&1
	check ${t}_deterministic cmp $O/$d.$n.O2.spv $O/$d.$n.again.spv
	for env in vulkan1.0 vulkan1.3; do
		out=$O/$d.$n.$env.spv
		if $VYREC build "$f" -t spv --target-env $env -o $out > $O/build.log 2>&1; then
			val ${t}_${env}_spirv_val $env $out
		else
			bad ${t}_${env}_build "$(head -3 $O/build.log | tr '\n' ' ')"
		fi
	done
done

# ---- goldens: the disassembly of tests/compile/spv_*.yaml at -O0 ----
for f in tests/compile/spv_*.yaml; do
	[ -e "$f" ] || continue
	g=${f%.yaml}.spvasm
	n=$(basename "$f" .yaml)
	if ! $VYREC build "$f" -t spv -O0 --emit-asm -o $O/$n.spvasm > $O/build.log 2>&1; then
		bad golden_$n "build failed: $(head -2 $O/build.log | tr '\n' ' ')"
		continue
	fi
	if [ -n "$UPDATE" ]; then
		cp $O/$n.spvasm "$g"
		ok golden_${n}_updated
	elif [ ! -e "$g" ]; then
		bad golden_$n "no $g (run with UPDATE=1)"
	elif diff -u "$g" $O/$n.spvasm > $O/$n.diff; then
		ok golden_$n
	else
		bad golden_$n "differs from $g: $(sed -n 3,6p $O/$n.diff | tr '\n' ' ')"
	fi
	# the text is valid assembly of a valid module
	if command -v spirv-as > /dev/null; then
		if spirv-as --target-env vulkan1.1 -o $O/$n.reas.spv $O/$n.spvasm > $O/as.log 2>&1; then
			val golden_${n}_reassembles vulkan1.1 $O/$n.reas.spv
		else
			bad golden_${n}_reassembles "$(head -2 $O/as.log | tr '\n' ' ')"
		fi
	else
		skip golden_${n}_reassembles "no spirv-as (make deps installs spirv-tools)"
	fi
done

# ---- -O2 runs SPIRV-Tools' performance passes and keeps NoContraction ----
f=tests/compile/spv_flow.yaml
if $VYREC build $f -t spv -O2 -o $O/flow2.spv > /dev/null 2>&1 &&
   $VYREC build $f -t spv -O0 -o $O/flow0.spv > /dev/null 2>&1; then
	s0=$(wc -c < $O/flow0.spv); s2=$(wc -c < $O/flow2.spv)
	if [ "$s2" -lt "$s0" ]; then ok spv_O2_smaller; else bad spv_O2_smaller "-O2 $s2 bytes, -O0 $s0 bytes"; fi
else
	bad spv_O2_smaller "build failed"
fi
$VYREC build tests/compile/spv_saxpy.yaml -t spv -O2 --emit-asm -o $O/saxpy2.spvasm > /dev/null 2>&1
check spv_O2_keeps_nocontraction grep -q 'NoContraction' $O/saxpy2.spvasm
rm -f $O/vyrec.$$
exit 0
