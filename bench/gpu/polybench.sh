#!/bin/sh
# bench/gpu/polybench.sh: vyrec's PTX of bench/gpu/polybench/*.yaml against
# nvcc -O3 of bench/gpu/polybench/kernels.cu (PolyBench/GPU's gemm, syrk,
# 2mm, gramschmidt, correlation and jacobi-2d kernels), same grid (the
# block from each program's manifest), same buffers, CUDA-event timed,
# median of REPS (>= 20) launches, outputs checked element by element;
# a table of vyrec/nvcc per kernel and the geometric mean.
#
#   here (no GPU needed):  sh bench/gpu/polybench.sh --prepare
#       builds everything into .gpu-polybench/ (git-ignored): NAME.ptx and
#       NAME.json (manifest) per program with ./vyrec -t ptx --arch sm_90,
#       the harness with nvcc -O3 -arch=sm_90 (ptxas checks every PTX);
#       with OLD_VYREC=PATH also old/NAME.ptx from that vyrec, to show the
#       kernels before the IR passes
#   on the GPU machine (carry .gpu-polybench):  sh bench/gpu/polybench.sh [REPS]
#       runs the harness on the prepared PTX (and on old/ when present);
#       nothing is compiled there (a missing harness is built if nvcc is
#       there)
set -e
cd "$(dirname "$0")/../.."
R=.gpu-polybench
P=bench/gpu/polybench
VYREC=${VYREC:-./vyrec}

prepare() {
	rm -rf $R
	mkdir -p $R
	for f in $P/*.yaml; do
		n=$(basename $f .yaml)
		$VYREC build $f -t ptx --arch sm_90 -o $R/$n.ptx --manifest $R/$n.json
		ptxas -arch=sm_90 -o /dev/null $R/$n.ptx
	done
	if [ -n "$OLD_VYREC" ]; then
		mkdir -p $R/old
		for f in $P/*.yaml; do
			n=$(basename $f .yaml)
			"$OLD_VYREC" build $f -t ptx --arch sm_90 -o $R/old/$n.ptx --manifest $R/old/$n.json
		done
	fi
	nvcc -O3 -arch=sm_90 -o $R/harness $P/harness.cu $P/kernels.cu -lcuda
	echo "polybench.sh: prepared $R ($(ls $R/*.ptx | wc -l) programs)"
}

[ "$1" = --prepare ] && { prepare; exit $?; }
[ -d $R ] || { echo "polybench.sh: no $R: run sh bench/gpu/polybench.sh --prepare first" >&2; exit 2; }
[ -x $R/harness ] || nvcc -O3 -arch=sm_90 -o $R/harness $P/harness.cu $P/kernels.cu -lcuda
rc=0
echo "== vyrec (this build) vs nvcc -O3"
$R/harness $R ${1:-25} || rc=$?
if [ -d $R/old ]; then
	echo "== vyrec (OLD_VYREC, before) vs nvcc -O3"
	$R/harness $R/old ${1:-25} || true
fi
exit $rc
