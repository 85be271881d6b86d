#!/bin/sh
# bench/gpu/pipeline.sh: the cost of a dispatch inside a pipeline (SPEC
# §10.5) against the same kernel launched one dispatch at a time, through
# ptx (cuda backend) and spv (vulkan backend), on the GPU machine:
#
#   sh bench/gpu/pipeline.sh            (after tests/gpu/run.sh built ./vyrec)
#
# The tiny kernel adds 1 to 256 u32 elements.  "pipeline": `vyrec run
# --bench 20` of a program whose pipeline repeats it 1000 times (the
# median wall time of the whole pipeline, buffers in and out included,
# over 1000); "single": `vyrec run --bench 1000` of the 1.0 program (the
# median submit-to-finish time of one dispatch).  Issue #15's goal: <= 5 us
# (ptx) and <= 10 us (spv) per dispatch in the pipeline.  Then Jacobi-1D
# and LU at PolyBench's STANDARD sizes (n = 2000 / 2000, tsteps = 500) as
# one pipeline, against the same steps as separate `vyrec run` processes
# (LU: one per k, the matrix carried in a .npy file).  The tiny pipeline
# also through the C launchers (ptx: a CUDA graph).  Prints a table; also
# to $RESULTS (default
# $OUT/pipeline.txt when $OUT is set).
cd "$(dirname "$0")/../.." || exit 2
VYREC=${VYREC:-./vyrec}
[ -x "$VYREC" ] || make -j${MAKEJ:-16} vyrec > /tmp/vybuild.log 2>&1 || { echo "pipeline.sh: no ./vyrec" >&2; exit 2; }
T=${TMPDIR:-/tmp}/vyrec-pipeline
mkdir -p $T
RESULTS=${RESULTS:-${OUT:+$OUT/pipeline.txt}}
cat > $T/tiny.yaml <<'YAML'
vyrec: 1
name: tiny
workgroup_size: [256]
buffers:
  x: {type: u32, count: 256, access: read_write}
dispatch: [256]
entry:
  - x[gid.x] = x[gid.x] + 1u
YAML
sed 's/^workgroup_size:.*//; s/^dispatch:.*//; s/^entry:/kernels:\n  tiny:\n    workgroup_size: [256]\n    dispatch: [256]\n    entry:/; s/^  - x/      - x/' \
	$T/tiny.yaml > $T/tiny1000.yaml
printf 'pipeline:\n  - repeat: 1000\n    do: [tiny]\n' >> $T/tiny1000.yaml
"$VYREC" check $T/tiny1000.yaml || exit 2

# the median of "bench: ... median X ms" and "submit to finish median Y ms"
med() { sed -n 's/.*: median \([0-9.]*\) ms.*/\1/p'; }
wall() { sed -n 's/.*submit to finish median \([0-9.]*\) ms.*/\1/p'; }
{
printf '%-10s %-8s %16s %16s %10s\n' program backend "pipeline us/disp" "single us/disp" speedup
for b in cuda vulkan; do
	p=$("$VYREC" run $T/tiny1000.yaml --backend $b --bench 20 2>&1)
	s=$("$VYREC" run $T/tiny.yaml --backend $b --bench 1000 2>&1)
	pm=$(echo "$p" | med) sm=$(echo "$s" | wall)
	if [ -z "$pm" ] || [ -z "$sm" ]; then
		printf '%-10s %-8s %s\n' tiny $b "FAIL: $(echo "$p $s" | grep -m1 -i 'error\|fail' | cut -c1-120)"
		continue
	fi
	awk -v p="$pm" -v s="$sm" -v b=$b 'BEGIN { printf "%-10s %-8s %16.2f %16.2f %9.1fx\n", "tiny", b, p, s * 1000, s * 1000 / p }'
	echo "$p" | sed -n 's/^bench: the pipeline ran as /           (vyrec run: /p' | sed 's/$/)/'
done
# the same 1000-dispatch pipeline through the C launchers (ptx: a CUDA
# graph captured once; spv: one command buffer): --bench 20 reports the
# wall time per dispatch of the whole pipeline ("us each")
for t in ptx spv; do
	d=$T/launch.$t
	rm -rf $d
	if ! "$VYREC" launcher $T/tiny1000.yaml -t $t --lang c -o $d > $d.log 2>&1 ||
	   ! make -s -C $d > $d.build.log 2>&1; then
		printf '%-10s %-8s %s\n' tiny-c $t "FAIL: $(cat $d.log $d.build.log | head -1 | cut -c1-120)"
		continue
	fi
	r=$(cd $d && ./tiny --bench 20 2>&1)
	us=$(echo "$r" | sed -n 's/.*back to back: \([0-9.]*\) us each.*/\1/p')
	how=$(echo "$r" | sed -n 's/.*dispatches; \([^)]*\)).*/\1/p')
	printf '%-10s %-8s %16s us/dispatch in the pipeline (C launcher: %s)\n' tiny-c $t "${us:-FAIL}" "${how:-$(echo "$r" | head -1 | cut -c1-100)}"
done
# PolyBench STANDARD: jacobi-1d n=2000 tsteps=500, lu n=2000 (one pipeline
# each; a separate `vyrec run` per dispatch would cost the process start)
for b in cuda vulkan; do
	j=$("$VYREC" run samples/jacobi1d.yaml --backend $b --param n=2000 --param tsteps=500 --bench 3 2>&1 | med)
	l=$("$VYREC" run samples/lu.yaml --backend $b --param n=2000 --bench 1 2>&1 | med)
	printf '%-10s %-8s whole pipeline %s ms (1000 dispatches)\n' jacobi1d $b "${j:-FAIL}"
	# the same 500 time steps as separate `vyrec run` invocations: the
	# wall time of 10 one-step processes (random inputs, no state files:
	# a lower bound on what separate runs cost), times 500
	t0=$(date +%s%N)
	for i in 1 2 3 4 5 6 7 8 9 10; do
		"$VYREC" run samples/jacobi1d.yaml --backend $b --param n=2000 --param tsteps=1 > /dev/null 2>&1
	done
	t1=$(date +%s%N)
	awk -v t="$(( (t1 - t0) / 10 ))" -v j="${j:-0}" -v b=$b 'BEGIN { s = t / 1e6 * 500
		printf "%-10s %-8s separate runs  %.1f ms (500 processes of %.1f ms; the pipeline is %.0fx faster)\n",
		"jacobi1d", b, s, t / 1e6, (j > 0 ? s / j : 0) }'
	printf '%-10s %-8s whole pipeline %s ms (4001 dispatches)\n' lu $b "${l:-FAIL}"
	# LU's 2000 elimination steps as separate `vyrec run` invocations: one
	# process per k running scale then eliminate for that k, the matrix
	# carried between them in a .npy file (in and out); the wall time of
	# 10 such steps, times 2000 (the dominant kernel's run left out)
	sed '/^pipeline:/,$d' samples/lu.yaml > $T/lu_step.yaml
	printf 'pipeline: [scale, eliminate]\n' >> $T/lu_step.yaml
	"$VYREC" run $T/lu_step.yaml --backend $b --param n=2000 --param k=0 --in a=random:1 --out a=$T/lu_a.npy > /dev/null 2>&1  # the state file
	t0=$(date +%s%N)
	for k in 0 1 2 3 4 5 6 7 8 9; do
		"$VYREC" run $T/lu_step.yaml --backend $b --param n=2000 --param k=$k --in a=$T/lu_a.npy \
			--out a=$T/lu_a.npy > /dev/null 2>&1
	done
	t1=$(date +%s%N)
	awk -v t="$(( (t1 - t0) / 10 ))" -v l="${l:-0}" -v b=$b 'BEGIN { s = t / 1e6 * 2000
		printf "%-10s %-8s separate runs  %.1f ms (2000 processes of %.1f ms; the pipeline is %.0fx faster)\n",
		"lu", b, s, t / 1e6, (l > 0 ? s / l : 0) }'
done
} | tee ${RESULTS:-/dev/null}
