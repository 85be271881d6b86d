#!/bin/sh
# tests/t_backends.sh: the dispatch-backend registry (SPEC §4).  The unit
# test drives the selection policy over its own registrations; then
# `vyrec backends` (text and JSON) and `vyrec run --backend ...` errors on
# this machine, which has no NVIDIA driver.
. tests/lib.sh
O=tests/out/backends
mkdir -p $O

if cc_unit $O/test_backends tests/unit/test_backends.c 2>$O/cc.log; then
	$O/test_backends | sed 's/^\(PASS\|FAIL\) /\1 unit_/'
else
	bad unit_build "$(head -3 $O/cc.log)"
fi

# ---- vyrec backends ----
$VYREC backends > $O/list.txt 2>&1; rc=$?
[ $rc -eq 0 ] && ok backends_exit0 || bad backends_exit0 "exit $rc"
ids=$(awk 'NR > 1 {print $1 ":" $2 ":" $3}' $O/list.txt | tr '\n' ' ')
[ "$ids" = "cuda:10:yes vulkan:20:yes reference:900:yes " ] &&
	ok backends_order_rank || bad backends_order_rank "got '$ids'"
head -1 $O/list.txt | grep -q '^ID  *RANK  *DISPATCHES  *ON THIS HOST$' &&
	ok backends_header || bad backends_header "$(head -1 $O/list.txt)"
has_cuda=0
[ -e /usr/lib/x86_64-linux-gnu/libcuda.so.1 ] || ldconfig -p 2>/dev/null | grep -q libcuda.so.1 && has_cuda=1
if [ $has_cuda -eq 0 ]; then
	grep '^cuda ' $O/list.txt | grep -q 'unavailable: .*Fix: ' &&
		ok backends_cuda_unavailable_with_fix || bad backends_cuda_unavailable_with_fix "$(grep '^cuda' $O/list.txt)"
else
	skip_nvidia backends_cuda_unavailable_with_fix "this machine has libcuda.so.1"
fi
# lavapipe is there when mesa-vulkan-drivers installed its ICD (make deps);
# then vyrec must find it by itself
if ls /usr/share/vulkan/icd.d/lvp_icd*.json >/dev/null 2>&1; then
	grep '^vulkan ' $O/list.txt | grep -q 'ok: llvmpipe' &&
		ok backends_vulkan_lavapipe || bad backends_vulkan_lavapipe "$(grep '^vulkan' $O/list.txt)"
else
	skip backends_vulkan_lavapipe "no lavapipe ICD (/usr/share/vulkan/icd.d/lvp_icd*.json): make deps installs mesa-vulkan-drivers"
fi

$VYREC backends --json > $O/list.json 2>&1
if /usr/bin/python3 - $O/list.json <<'PY' 2>$O/json.err
import json, sys
v = json.load(open(sys.argv[1]))
assert [b["id"] for b in v] == ["cuda", "vulkan", "reference"], v
assert [b["rank"] for b in v] == [10, 20, 900]
assert all(b["dispatches"] is True for b in v)
for b in v:
    assert ("device" in b) == b["available"] and ("error" in b) != b["available"]
    if not b["available"]:
        assert "Fix:" in b["error"], b
PY
then ok backends_json; else bad backends_json "$(tail -1 $O/json.err)"; fi

$VYREC backends --bogus > /dev/null 2>&1; rc=$?
[ $rc -eq 2 ] && ok backends_bad_option_exit2 || bad backends_bad_option_exit2 "exit $rc"

# ---- run --backend on this host ----
cat > $O/p.yaml <<'Y'
vyrec: 1
name: inc
workgroup_size: [64]
params: {n: u32}
buffers:
  y: {binding: 0, type: u32, count: n, access: read_write}
entry:
  - let i = gid.x
  - if: i < n
    then:
      - y[i] += 1
Y
if ! $VYREC check $O/p.yaml > $O/check.log 2>&1; then
	bad run_backend_cases "vyrec check rejects the test program: $(head -1 $O/check.log)"
	exit 0
fi
if [ $has_cuda -eq 0 ]; then
	$VYREC run $O/p.yaml --backend cuda --param n=4 --print y > $O/cuda.out 2> $O/cuda.err; rc=$?
	[ $rc -eq 3 ] && grep -q 'libcuda.so.1' $O/cuda.err && grep -q 'Fix: ' $O/cuda.err &&
		[ ! -s $O/cuda.out ] && ok run_cuda_exit3_with_fix || bad run_cuda_exit3_with_fix "exit $rc: $(cat $O/cuda.err)"
else
	skip_nvidia run_cuda_exit3_with_fix "this machine has libcuda.so.1"
fi
$VYREC run $O/p.yaml --backend metal --param n=4 > /dev/null 2> $O/metal.err; rc=$?
[ $rc -eq 3 ] && grep -qF 'backend `metal` is not linked into this binary. Fix: link the driver that registers this backend or choose one of the registered backend ids: cuda, vulkan, reference.' $O/metal.err &&
	ok run_unknown_backend || bad run_unknown_backend "exit $rc: $(cat $O/metal.err)"
# auto never picks the reference: the device it ran on is a GPU backend or
# the run fails with the joined message.
$VYREC run $O/p.yaml --param n=3 --in y=iota --print y > $O/auto.out 2> $O/auto.err; rc=$?
if [ $rc -eq 0 ]; then
	[ "$(cat $O/auto.out)" = "y: 1 2 3" ] && ok run_auto_gpu || bad run_auto_gpu "$(cat $O/auto.out)"
else
	[ $rc -eq 3 ] && grep -q 'no usable GPU dispatch backend is available (cuda: ' $O/auto.err &&
		ok run_auto_no_gpu_joined_error || bad run_auto_no_gpu_joined_error "exit $rc: $(cat $O/auto.err)"
fi
# With no Vulkan ICD either, auto fails with every factory's error joined
# and never falls back to the reference.
if [ $has_cuda -eq 0 ]; then
	VK_ICD_FILENAMES=/nonexistent.json VK_DRIVER_FILES=/nonexistent.json \
		$VYREC run $O/p.yaml --param n=3 --print y > $O/none.out 2> $O/none.err; rc=$?
	[ $rc -eq 3 ] && [ ! -s $O/none.out ] &&
		grep -q 'no usable GPU dispatch backend is available (cuda: .*; vulkan: .*)\. Fix: .*--backend reference' $O/none.err &&
		ok run_auto_joined_error_never_reference || bad run_auto_joined_error_never_reference "exit $rc: $(cat $O/none.err)"
else
	skip_nvidia run_auto_joined_error_never_reference "this machine has libcuda.so.1"
fi
# Each backend in backends/ links on its own: no backend's object needs a
# symbol another backend's object defines (cuda streamed through
# backend_vulkan.c's loop before backends/stream.c).
if [ -f build/backends/cuda.o ] && [ -f build/backends/vulkan.o ] && [ -f build/backends/reference.o ]; then
	indep=1
	for a in cuda vulkan reference; do
		for b in cuda vulkan reference; do
			[ $a = $b ] && continue
			nm -u build/backends/$a.o | awk '{print $2}' | sort > $O/undef_$a
			nm --defined-only -g build/backends/$b.o | awk '{print $3}' | sort > $O/def_$b
			both=$(comm -12 $O/undef_$a $O/def_$b | tr '\n' ' ')
			[ -z "$both" ] || { bad backends_independent "backends/$a.c uses $both from backends/$b.c"; indep=0; }
		done
	done
	nm -u build/backends/cuda.o | grep -q ' vy_backend_stream$' || { bad backends_independent "cuda does not stream through backends/stream.c"; indep=0; }
	[ $indep -eq 1 ] && ok backends_independent
else
	bad backends_independent "build/backends/*.o missing (make builds them)"
fi
