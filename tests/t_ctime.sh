#!/bin/sh
# t_ctime.sh: what keeps `vyrec build -t spv` fast (issues #13 and #18's
# compile time) without changing what the GPU runs.
#   1. The exact f32 fma (emulate and f64 modes) is one function with
#      Inline control once a kernel has two or more (sgemm: 512 calls, not
#      512 inline copies of 40 to 200 instructions); a kernel with one
#      keeps it inline, bytes unchanged (the spv_saxpy golden of t_spv).
#   2. At -O1 a var read again in its block reads the value stored or
#      loaded there, and only a block's last store of a var is written
#      (sgemm: 1678 loads and 758 stores before); scalarise drops the CSE
#      lets left dead (448 `_cse` names in sgemm's module before, 18 now).
#   3. Results: tests/ctime/vars.yaml (vars across blocks, loops, breaks,
#      several fmas) verified on the Vulkan device against the reference at
#      -O0 and -O1 in the device's fma mode and in emulate and f64 (sgemm
#      itself: t_sgemm; its emulate build with 512 inlined emulations takes
#      lavapipe over its 60 s fence timeout on a loaded machine).
#   4. Multi-part programs: the linked module is validated (each part's own
#      validation is skipped) and passes spirv-val.
#   5. Whole-process CPU time of each sample's spv build (median of 5)
#      under 40 ms (sgemm was 340 ms; bench/compile.sh times it properly).
cd "$(dirname "$0")/.." || exit 2
. tests/lib.sh
export NO_COLOR=1
O=tests/out/ctime
mkdir -p "$O"
S=samples/sgemm.yaml
ops() { grep -c "$1" "$2"; }

# ---- 1, 2: the module's shape ----
for m in emulate f64; do
	c=sgemm_fma_fn_$m
	if "$VYREC" build $S -t spv --fma-mode $m -o $O/sg.$m.spv > $O/$c.log 2>&1 &&
		"$VYREC" build $S -t spv --fma-mode $m --emit-asm -o $O/sg.$m.spvasm >> $O/$c.log 2>&1; then
		size=$(wc -c < $O/sg.$m.spv)
		f=$(ops '%vy_fma = OpFunction %float Inline' $O/sg.$m.spvasm)
		k=$(ops 'OpFunctionCall %float %vy_fma' $O/sg.$m.spvasm)
		# the f64 mode stays inline: its common path is 12 instructions,
		# and sgemm's spv ran 211 ms with the call against 163 inline on
		# the H200 (bench/gpu/results/run9_race.txt)
		if [ $m = f64 ]; then
			[ "$f" = 0 ] && [ "$k" = 0 ] && [ "$(ops ' OpFConvert ' $O/sg.$m.spvasm)" -ge 1024 ] &&
				ok "$c inline ($size bytes)" || bad "$c" "functions $f, calls $k, $size bytes"
		else
			[ "$f" = 1 ] && [ "$k" = 512 ] && [ "$size" -lt 150000 ] && ok "$c ($size bytes)" ||
				bad "$c" "functions $f, calls $k, $size bytes"
		fi
		st=$(ops ' OpStore ' $O/sg.$m.spvasm) ld=$(ops ' OpLoad ' $O/sg.$m.spvasm)
		cse=$(ops '"_cse' $O/sg.$m.spvasm)
		# (the f64 mode's inline branches end a block at every fma)
		[ $m = f64 ] && st=0 ld=0
		[ "$st" -le 256 ] && [ "$ld" -le 256 ] && [ "$cse" -le 32 ] && ok "sgemm_vars_$m ($ld loads, $st stores)" ||
			bad "sgemm_vars_$m" "$ld loads, $st stores, $cse _cse names"
	else
		bad "$c" "$(tail -2 $O/$c.log | tr '\n' ' ')"
	fi
done
"$VYREC" build $S -t spv --fma-mode khr --emit-asm -o $O/sg.khr.spvasm > /dev/null 2>&1
[ "$(ops vy_fma $O/sg.khr.spvasm)" = 0 ] && [ "$(ops ' OpFmaKHR ' $O/sg.khr.spvasm)" = 512 ] &&
	ok sgemm_khr_no_fn || bad sgemm_khr_no_fn "$(ops vy_fma $O/sg.khr.spvasm) vy_fma lines"
for O_ in 0 1; do
	"$VYREC" build tests/compile/spv_saxpy.yaml -t spv -O$O_ --emit-asm -o $O/saxpy.spvasm > /dev/null 2>&1
	[ -s $O/saxpy.spvasm ] && [ "$(ops vy_fma $O/saxpy.spvasm)" = 0 ] && ok "one_fma_inline_O$O_" ||
		bad "one_fma_inline_O$O_" "a kernel with one fma got a function"
done
"$VYREC" build tests/ctime/vars.yaml -t spv -O0 --emit-asm -o $O/vars0.spvasm > /dev/null 2>&1
"$VYREC" build tests/ctime/vars.yaml -t spv -O1 --emit-asm -o $O/vars1.spvasm > /dev/null 2>&1
l0=$(ops ' OpLoad ' $O/vars0.spvasm) l1=$(ops ' OpLoad ' $O/vars1.spvasm)
s0=$(ops ' OpStore ' $O/vars0.spvasm) s1=$(ops ' OpStore ' $O/vars1.spvasm)
[ "$l1" -lt "$l0" ] && [ "$s1" -lt "$s0" ] && [ "$(ops 'OpFunctionCall %float %vy_fma' $O/vars1.spvasm)" -ge 2 ] &&
	ok "vars_forwarded (loads $l0 -> $l1, stores $s0 -> $s1)" || bad vars_forwarded "loads $l0 -> $l1, stores $s0 -> $s1"

# ---- 3: results on the Vulkan device ----
if have_backend vulkan; then
	for O_ in 0 1; do
		for m in device emulate f64; do
			c=vars_verify_O${O_}_$m
			ov=
			if [ $m != device ]; then
				"$VYREC" build tests/ctime/vars.yaml -t spv -O$O_ --fma-mode $m -o $O/vars.$m.spv > $O/$c.log 2>&1
				ov=$O/vars.$m.spv
			fi
			if VYREC_SPV_OVERRIDE=$ov "$VYREC" verify tests/ctime/vars.yaml -O$O_ --backends vulkan \
				--param n=1000 >> $O/$c.log 2>&1 && grep -q 'vulkan.*PASS.*max error 0 ulp' $O/$c.log; then
				ok $c
			else
				bad $c "$(grep -v '^ ' $O/$c.log | tail -2 | tr '\n' ' ')"
			fi
		done
	done
else
	bad vars_verify "no Vulkan device (make deps installs lavapipe)"
fi

# ---- 4: multi-part programs ----
for p in normalize softmax prefixsum; do
	c=parts_linked_valid_$p
	if "$VYREC" build samples/$p.yaml -t spv -o $O/$p.spv > $O/$c.log 2>&1 &&
		spirv-val --target-env vulkan1.1 $O/$p.spv >> $O/$c.log 2>&1; then
		ok $c
	else
		bad $c "$(tail -2 $O/$c.log | tr '\n' ' ')"
	fi
done

# ---- 5: time ----
python3 - "$VYREC" > $O/time.log 2>&1 <<'PY'
import glob, os, statistics, sys
def cpu(argv):
    pid = os.fork()
    if pid == 0:
        fd = os.open(os.devnull, os.O_WRONLY); os.dup2(fd, 1); os.dup2(fd, 2); os.execv(argv[0], argv)
    _, st, ru = os.wait4(pid, 0)
    if st: raise SystemExit("failed: " + " ".join(argv))
    return ru.ru_utime + ru.ru_stime
for s in sorted(glob.glob("samples/*.yaml")):
    argv = [os.path.abspath(sys.argv[1]), "build", s, "-t", "spv", "-o", "tests/out/ctime/t.spv"]
    print("%s %.1f" % (os.path.basename(s), statistics.median(cpu(argv) for _ in range(5)) * 1e3))
PY
worst=$(sort -k2 -n -r $O/time.log | head -1)
# a sanitizer build (make check-asan's vyrec-asan) runs ~5-10x slower
lim=40; case "$VYREC" in *asan*) lim=400;; esac
case "$worst" in
*.yaml\ *) awk -v w="$worst" -v l=$lim 'BEGIN { split(w, a, " "); exit !(a[2] < l) }' &&
	ok "spv_build_cpu (slowest: $worst ms)" || bad spv_build_cpu "slowest: $worst ms (ceiling $lim)";;
*) bad spv_build_cpu "$(tail -2 $O/time.log | tr '\n' ' ')";;
esac
