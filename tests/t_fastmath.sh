#!/bin/sh
# t_fastmath.sh: --fast-math (SPEC §10.6, vyrec(1) FAST MATH) and the
# verify exit codes of SPEC §10.9.  The option is accepted by build, run,
# verify and launcher; PTX under it uses the .approx instructions, no f64,
# and assembles with ptxas; every op has a fast-math bound in `vyrec ops`
# (text and --json) never below its exact bound; verify --fast-math and
# the launcher self-test apply those bounds (and pass on lavapipe); the
# manifest records fast_math only when set; verify exits 3 when nothing
# was compared.
. tests/lib.sh
O=tests/out/fastmath
rm -rf $O; mkdir -p $O
PTXAS=$(command -v ptxas || ls /usr/local/cuda/bin/ptxas 2>/dev/null)
asm_arch() {
	if "$PTXAS" --help 2>/dev/null | grep -q "'$1'"; then echo "$1"; else echo sm_75; fi
}
HAVE_VK=0
$VYREC backends 2>/dev/null | grep -q '^vulkan .* ok:' && HAVE_VK=1

# A program using every op whose fast-math lowering differs.
cat > $O/fm.yaml <<'Y'
vyrec: 1
name: fm
workgroup_size: [64]
params: {n: u32}
buffers:
  x: {binding: 0, type: f32, count: n, access: read_only}
  y: {binding: 1, type: f32, count: n, access: write_only}
  z: {binding: 2, type: f32, count: n, access: write_only}
dispatch: [n]
entry:
  - let i = gid.x
  - if: i < n
    then:
      - let v = x[i]
      - y[i] = math.exp(v) + math.exp2(v) + math.log(v + 1.0) + math.log2(v + 2.0) + math.pow(v, 1.5) + math.tanh(v)
      - z[i] = math.sin(v) + math.cos(v) + math.tan(v) + v / (v + 1.0) + math.sqrt(v) + math.rsqrt(v + 1.0) + math.mix(v, 2.0, 0.25) + math.fma(v, v, 1.0)
Y

# ---- documented ----
for c in build run verify launcher; do
	if $VYREC help $c 2>&1 | grep -q -- '--fast-math'; then ok "fm_help_$c"; else bad "fm_help_$c" "vyrec help $c does not mention --fast-math"; fi
done
if grep -q '^\.SH "\?FAST MATH' man/vyrec.1 && grep -q 'fast_ulp' man/vyrec.1; then
	ok fm_man_section
else
	bad fm_man_section "man/vyrec.1 has no FAST MATH section naming fast_ulp"
fi

# ---- accepted by the four commands ----
if $VYREC build $O/fm.yaml -t ptx --fast-math -o $O/fm.ptx --manifest $O/fm.json > $O/b.log 2>&1; then
	ok fm_build_accepts
else
	bad fm_build_accepts "$(head -2 $O/b.log)"
fi
if $VYREC run $O/fm.yaml --backend reference --fast-math --param n=8 --print y > $O/r.log 2>&1; then
	ok fm_run_accepts
else
	bad fm_run_accepts "$(head -2 $O/r.log)"
fi
if $VYREC launcher $O/fm.yaml -t ptx --lang c --fast-math -o $O/lc > $O/l.log 2>&1; then
	ok fm_launcher_accepts
else
	bad fm_launcher_accepts "$(head -2 $O/l.log)"
fi
$VYREC verify $O/fm.yaml --fast-math --backends reference > $O/v.log 2>&1; rc=$?
if [ $rc -ne 2 ] && grep -q '^reference.*PASS.*--fast-math bounds' $O/v.log; then
	ok fm_verify_accepts
else
	bad fm_verify_accepts "exit $rc: $(head -3 $O/v.log)"
fi
# check takes it too (a shared compile option), and a typo is still refused
$VYREC check $O/fm.yaml --fast-math > /dev/null 2>&1 && ok fm_check_accepts || bad fm_check_accepts
$VYREC build $O/fm.yaml --fast-maths -o $O/x.spv > $O/typo.log 2>&1; rc=$?
[ $rc -eq 2 ] && grep -q "unknown option '--fast-maths'" $O/typo.log && ok fm_typo_refused || bad fm_typo_refused "exit $rc"

# ---- manifest: fast_math only when set ----
$VYREC build $O/fm.yaml -t ptx -o $O/fm_exact.ptx --manifest $O/fm_exact.json > /dev/null 2>&1
if grep -q '"fast_math": true' $O/fm.json && ! grep -q fast_math $O/fm_exact.json \
    && grep -q '"fast_math": true' $O/lc/manifest.json; then
	ok fm_manifest_records
else
	bad fm_manifest_records "build/launcher manifests: $(grep -c fast_math $O/fm.json $O/fm_exact.json $O/lc/manifest.json | tr '\n' ' ')"
fi
# a 1.0 manifest keeps its bytes: only the kernel hash and that one line differ
if diff $O/fm_exact.json $O/fm.json | grep '^[<>]' | grep -v 'kernel_sha256\|fast_math' | grep -q .; then
	bad fm_manifest_only_adds "$(diff $O/fm_exact.json $O/fm.json | head -6 | tr '\n' ' ')"
else
	ok fm_manifest_only_adds
fi

# ---- PTX ----
if grep -q 'ex2\.approx\.f32' $O/fm.ptx && grep -q 'lg2\.approx\.f32' $O/fm.ptx \
    && grep -q 'sin\.approx\.f32' $O/fm.ptx && grep -q 'cos\.approx\.f32' $O/fm.ptx \
    && grep -q 'div\.full\.f32' $O/fm.ptx && grep -q 'sqrt\.approx\.f32' $O/fm.ptx \
    && grep -q 'rsqrt\.approx\.f32' $O/fm.ptx && grep -q 'fma\.rn\.f32' $O/fm.ptx \
    && ! grep -q '\.f64' $O/fm.ptx; then
	ok fm_ptx_approx
else
	bad fm_ptx_approx "missing .approx forms or f64 left in $O/fm.ptx"
fi
if grep -q '\.f64' $O/fm_exact.ptx && ! grep -q 'approx\|div\.full' $O/fm_exact.ptx; then
	ok fm_ptx_exact_unchanged
else
	bad fm_ptx_exact_unchanged "exact PTX uses an approximation"
fi
for f in $O/fm.yaml samples/*.yaml tests/compile/ptx_*.yaml; do
	n=$(basename "$f" .yaml)
	$VYREC check "$f" > /dev/null 2>&1 || continue
	for a in 70 90; do
		o=$O/${n}_fast_sm$a.ptx
		if ! $VYREC build "$f" -t ptx --fast-math --arch sm_$a -o $o > $o.log 2>&1; then
			bad "fm_ptx_build_${n}_sm$a" "$(head -2 $o.log | tr '\n' ' ')"
			continue
		fi
		if [ -z "$PTXAS" ]; then
			skip "fm_ptxas_${n}_sm$a" "ptxas is not installed"
			continue
		fi
		aa=$(asm_arch sm_$a)
		if "$PTXAS" -arch=$aa $o -o $o.cubin > $o.asm.log 2>&1; then
			ok "fm_ptxas_${n}_sm$a"
		else
			bad "fm_ptxas_${n}_sm$a" "$(head -3 $o.asm.log | tr '\n' ' ')"
		fi
	done
done

# ---- bounds in the op table ----
$VYREC ops --json > $O/ops.json 2>&1
if python3 - $O/ops.json > $O/ops.check 2>&1 <<'PY'
import json, sys
ops = json.load(open(sys.argv[1]))
bad = [o["id"] for o in ops if "fast_ulp" not in o or "fast_abs" not in o
       or o["fast_ulp"] < o["ulp"] or o["fast_abs"] < o["abs"]]
by = {o["id"]: o for o in ops}
want = {"core.div": (3, 0), "math.sqrt": (5, 0), "math.sin": (4, 2**-11),
        "math.cos": (4, 2**-11), "math.exp2": (259, 1e-6), "math.pow": (1024, 1e-6),
        "core.add": (0, 0), "math.fma": (1, 2e-7)}
for k, (u, a) in want.items():
    if (by[k]["fast_ulp"], by[k]["fast_abs"]) != (u, a):
        bad.append("%s=%s/%s" % (k, by[k]["fast_ulp"], by[k]["fast_abs"]))
print(" ".join(bad))
sys.exit(1 if bad else 0)
PY
then ok fm_ops_json_bounds; else bad fm_ops_json_bounds "$(cat $O/ops.check | tail -2)"; fi
if $VYREC ops math | head -1 | grep -q 'FAST BOUND' && $VYREC ops math | grep -q '^math\.sin .*4 ulp + 0\.00048828125 abs$'; then
	ok fm_ops_text_bounds
else
	bad fm_ops_text_bounds "$($VYREC ops math | grep '^math.sin')"
fi

# ---- the fast bounds are what verify and self-tests apply ----
$VYREC verify $O/fm.yaml --fast-math --backends reference > $O/vb.log 2>&1
grep -q 'fast-math bounds: 1024 ulp, 0.00390625 abs' $O/vb.log && ok fm_verify_uses_fast_bounds || bad fm_verify_uses_fast_bounds "$(head -2 $O/vb.log)"
if grep -q 'prog_tol_ulp = 1024, prog_tol_abs = 0.00390625' $O/lc/src/program.c; then
	ok fm_selftest_uses_fast_bounds
else
	bad fm_selftest_uses_fast_bounds "$(grep prog_tol $O/lc/src/program.c)"
fi
$VYREC launcher $O/fm.yaml -t ptx --lang cargo --fast-math -o $O/lr > /dev/null 2>&1
if grep -q 'TOL_ULP: f64 = 1024_f64' $O/lr/src/program.rs && grep -q '"fast_math": true' $O/lr/manifest.json; then
	ok fm_cargo_selftest_uses_fast_bounds
else
	bad fm_cargo_selftest_uses_fast_bounds "$(grep TOL_ $O/lr/src/program.rs 2>&1 | head -2)"
fi
$VYREC launcher $O/fm.yaml -t ptx --lang c -o $O/lce > /dev/null 2>&1
if grep -q 'prog_tol_ulp = 32, prog_tol_abs = 1e-06' $O/lce/src/program.c; then
	ok fm_selftest_exact_bounds_kept
else
	bad fm_selftest_exact_bounds_kept "$(grep prog_tol $O/lce/src/program.c)"
fi

# ---- on lavapipe ----
if [ $HAVE_VK -eq 1 ]; then
	for f in $O/fm.yaml samples/*.yaml; do
		n=$(basename "$f" .yaml)
		$VYREC verify "$f" --fast-math --backends vulkan > $O/vk_$n.log 2>&1; rc=$?
		if [ $rc -eq 0 ] && grep -q '^vulkan.*: PASS.*--fast-math bounds' $O/vk_$n.log; then
			ok "fm_verify_vulkan_$n"
		else
			bad "fm_verify_vulkan_$n" "exit $rc: $(head -3 $O/vk_$n.log | tr '\n' ' ')"
		fi
	done
	# spv changes under --fast-math (native fma)
	$VYREC build samples/saxpy.yaml -t spv -o $O/s1.spv > /dev/null 2>&1
	$VYREC build samples/saxpy.yaml -t spv --fast-math -o $O/s2.spv > /dev/null 2>&1
	if [ -s $O/s1.spv ] && [ -s $O/s2.spv ] && ! cmp -s $O/s1.spv $O/s2.spv; then
		ok fm_spv_differs
	else
		bad fm_spv_differs "spv is the same with and without --fast-math"
	fi
	# the generated launcher's self-test, built with fast math, on lavapipe
	if command -v cc > /dev/null && $VYREC launcher $O/fm.yaml -t spv --lang c --fast-math -o $O/ls > $O/ls.log 2>&1 \
	    && (cd $O/ls && make -s > make.log 2>&1); then
		(cd $O/ls && ./fm --selftest) > $O/ls.run 2>&1; rc=$?
		[ $rc -eq 0 ] && grep -q 'selftest: PASS' $O/ls.run && ok fm_launcher_selftest_vulkan || bad fm_launcher_selftest_vulkan "exit $rc: $(head -2 $O/ls.run)"
	else
		bad fm_launcher_selftest_vulkan "generation or make failed: $(tail -2 $O/ls.log $O/ls/make.log 2>/dev/null | tr '\n' ' ')"
	fi
else
	skip fm_verify_vulkan "no vulkan backend initialises here"
fi

# ---- verify: exit 3 when nothing was compared ----
VK_ICD_FILENAMES=/nonexistent.json VK_DRIVER_FILES=/nonexistent.json \
	$VYREC verify samples/saxpy.yaml --fast-math > $O/e3.out 2> $O/e3.err; rc=$?
if [ $rc -eq 3 ] && grep -q 'nothing was compared' $O/e3.err && grep -q '^Fix: ' $O/e3.err; then
	ok fm_verify_nothing_compared_exit3
else
	bad fm_verify_nothing_compared_exit3 "exit $rc: $(cat $O/e3.out $O/e3.err | head -4 | tr '\n' ' ')"
fi
$VYREC verify samples/saxpy.yaml --backends reference > $O/e3b.out 2>&1; rc=$?
[ $rc -eq 3 ] && grep -q 'nothing was compared' $O/e3b.out && ok fm_verify_reference_only_exit3 || bad fm_verify_reference_only_exit3 "exit $rc"
$VYREC verify samples/saxpy.yaml --backends vulkan,nosuch > $O/e2.out 2>&1; rc=$?
[ $rc -eq 2 ] && grep -q "unknown backend 'nosuch'" $O/e2.out && ok fm_verify_unknown_backend_usage || bad fm_verify_unknown_backend_usage "exit $rc: $(head -1 $O/e2.out)"
$VYREC verify samples/saxpy.yaml --backends reference,reference > $O/e2b.out 2>&1; rc=$?
[ $rc -eq 2 ] && grep -q "listed twice" $O/e2b.out && ok fm_verify_duplicate_backend_usage || bad fm_verify_duplicate_backend_usage "exit $rc: $(head -1 $O/e2b.out)"
if [ $HAVE_VK -eq 1 ]; then
	# the default and the explicit list give the same verdict
	$VYREC verify samples/vecadd.yaml > $O/d1.out 2>/dev/null; r1=$?
	$VYREC verify samples/vecadd.yaml --backends cuda,vulkan > $O/d2.out 2>/dev/null; r2=$?
	l1=$(grep '^vulkan' $O/d1.out); l2=$(grep '^vulkan' $O/d2.out)
	if [ -n "$l1" ] && [ "$l1" = "$l2" ] && [ $r1 -eq 0 ]; then
		ok fm_verify_default_matches_list
	else
		bad fm_verify_default_matches_list "default exit $r1 '$l1', list exit $r2 '$l2'"
	fi
fi
exit 0
