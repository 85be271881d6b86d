#!/bin/sh
# bench/gpu/run.sh: the PTX speed race on an NVIDIA GPU, in one go.
#
# Builds vyrec's PTX of samples/saxpy, vecadd, reduce and matmul with
# `vyrec build -t ptx --arch $ARCH`, builds bench/gpu/harness.cu together
# with the hand-written CUDA C of kernels.cu (`nvcc -O3 -arch=$ARCH`), runs
# the harness (copy ceiling, then each kernel: vyrec vs nvcc, same buffers,
# CUDA events, median of $REPS launches, results compared) and writes the
# SASS of both sides next to the table, so a shortfall can be read off the
# machine code.
#
# Run from anywhere, on the GPU machine (after tests/gpu/run.sh has built
# ./vyrec there, or with a carried .gpu/vyrec).  Environment: VYREC (the
# binary; default ./vyrec, else .gpu/vyrec), ARCH (default sm_90), REPS
# (default 100), NCU=1 (also profile vecadd and saxpy with ncu), RESULTS (directory for bench.txt and sass.txt; default
# $OUT, else /tmp/vybench).
cd "$(dirname "$0")/../.." || exit 2
ARCH=${ARCH:-sm_90}
REPS=${REPS:-100}
W=/tmp/vybench
R=${RESULTS:-${OUT:-$W}}
mkdir -p $W "$R"
export LD_LIBRARY_PATH=/tmp/vydeps/usr/lib/x86_64-linux-gnu:$PWD/.gpu/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}

say() { echo "bench/gpu/run.sh: $*" >&2; }

if [ -z "$VYREC" ]; then
	for v in ./vyrec .gpu/vyrec; do
		$v --version > /dev/null 2>&1 && VYREC=$v && break
	done
fi
[ -n "$VYREC" ] || { say "no working vyrec (./vyrec or .gpu/vyrec). Fix: run tests/gpu/run.sh first, or carry .gpu"; exit 2; }
say "using $VYREC ($($VYREC --version 2>&1 | head -1))"

for k in saxpy vecadd reduce matmul; do
	$VYREC build samples/$k.yaml -t ptx --arch $ARCH -o $W/$k.ptx --manifest $W/$k.json || { say "vyrec build of $k failed"; exit 1; }
done
for wg in 128 512; do   # variants of vecadd: does the workgroup size cap it?
	sed "s/^workgroup_size: \[[0-9]*\]/workgroup_size: [$wg]/" samples/vecadd.yaml > $W/vecadd$wg.yaml
	$VYREC build $W/vecadd$wg.yaml -t ptx --arch $ARCH -o $W/vecadd$wg.ptx --manifest $W/vecadd$wg.json || exit 1
done
nvcc -O3 -arch=$ARCH -std=c++17 -Xptxas -v bench/gpu/harness.cu bench/gpu/kernels.cu \
	-o $W/harness -lcuda $NVCCFLAGS > $W/nvcc.log 2>&1 || { cat $W/nvcc.log; say "nvcc failed"; exit 1; }

$W/harness $W $REPS > "$R/bench.txt" 2>&1
rc=$?
cat "$R/bench.txt"

# Machine code of both sides (vyrec's PTX through the same ptxas).
{
	echo "== nvcc -Xptxas -v"; grep -E 'Function properties|registers' $W/nvcc.log
	for k in saxpy vecadd reduce matmul; do
		ptxas -O3 -arch=$ARCH -v $W/$k.ptx -o $W/$k.cubin 2>&1 | grep -E 'registers'
		echo "== vyrec $k (ptxas -O3 -arch=$ARCH)"
		cuobjdump -sass $W/$k.cubin | grep -E '^\s+/\*[0-9a-f]{4}\*/'
	done
	echo "== nvcc (all kernels of the harness)"
	cuobjdump -sass $W/harness | grep -E 'Function|^\s+/\*[0-9a-f]{4}\*/' 
} > "$R/sass.txt" 2>&1
# NCU=1: Nsight Compute's view of the first vyrec and nvcc launches of
# vecadd and saxpy (speed of light, occupancy, launch statistics).
if [ -n "$NCU" ] && command -v ncu > /dev/null; then
	for k in vecadd saxpy; do
		timeout 120 ncu -k regex:"^$k" -c 2 --section SpeedOfLight --section Occupancy \
			--section LaunchStats $W/harness $W 1 2>&1 | grep -v '^==PROF==' | grep -vE '^(kernel|copy|saxpy|vecadd|reduce|matmul|device|--|vy/nv|RESULT)'
	done > "$R/ncu.txt"
fi
say "table in $R/bench.txt, SASS in $R/sass.txt"
exit $rc
