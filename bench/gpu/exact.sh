#!/bin/sh
# bench/gpu/exact.sh: what exactness costs (issue 9).  The same kernels
# (saxpy, vecadd, reduce, matmul and the division/sqrt-heavy
# bench/gpu/programs/divsqrt.yaml) through ptx (CUDA) and spv (the NVIDIA
# Vulkan driver), built exact and with --fast-math, timed by the generated C
# launchers' `--bench N --json` (GPU timestamps / CUDA events); one table.
#
#   here:   sh bench/gpu/exact.sh --prepare    (launchers into .gpu-exact/)
#   there:  sh bench/gpu/exact.sh              (carry .gpu-exact and .gl)
#
# Params are the ones a user would bench with (2^27 elements, 4096^2
# matmul); buffers are named from each launcher's manifest.json, so a
# sample that changes its buffers cannot leave this script behind.
cd "$(dirname "$0")/../.." || exit 2
R=.gpu-exact
VYREC=${VYREC:-./vyrec}
REPS=${REPS:-50}
N=${N:-134217728}
MM=${MM:-4096}
KERNELS="saxpy vecadd reduce matmul divsqrt"

src() { [ "$1" = divsqrt ] && echo bench/gpu/programs/divsqrt.yaml || echo samples/$1.yaml; }
params() {
	case $1 in
	matmul) echo "--param M=$MM --param N=$MM --param K=$MM" ;;
	saxpy) echo "--param a=2.5 --param n=$N" ;;
	*) echo "--param n=$N" ;;
	esac
}

prepare() {
	ex=$(git rev-parse --git-path info/exclude 2>/dev/null) &&
		{ grep -qx "/$R/" "$ex" 2>/dev/null || echo "/$R/" >> "$ex"; }
	rm -rf $R && mkdir -p $R
	for k in $KERNELS; do
		for t in ptx spv; do
			$VYREC launcher "$(src $k)" -t $t --lang c -o $R/$t.exact/$k > /dev/null &&
			$VYREC launcher "$(src $k)" -t $t --lang c --fast-math -o $R/$t.fast/$k > /dev/null ||
				{ echo "exact.sh: $t $k: generation failed" >&2; exit 1; }
		done
	done
	du -sh $R >&2
}

[ "$1" = --prepare ] && { prepare; exit $?; }
[ -d $R ] || { echo "exact.sh: no $R: run sh bench/gpu/exact.sh --prepare first" >&2; exit 2; }

median() { sed -n 's/.*"median_ms": *\([0-9.eE+-]*\).*/\1/p' | tail -1; }
out=/tmp/exact.txt
printf '%-8s %-4s %12s %12s %8s\n' KERNEL PATH "EXACT ms" "FAST ms" "EXACT/FAST" > $out
for k in $KERNELS; do
	for t in ptx spv; do
		e=- f=-
		for m in exact fast; do
			d=$R/$t.$m/$k
			make -s -C $d > $d/build.log 2>&1 || { echo "exact.sh: make $d failed" >&2; continue; }
			ins=$(sed -n 's/.*"name": *"\([A-Za-z_0-9]*\)".*"access": *"read_\(only\|write\)".*/\1/p' $d/manifest.json |
				awk '{ printf "--in %s=random:%d ", $1, NR }')
			# shellcheck disable=SC2046
			v=$(cd $d && ./$k $(params $k) $ins --bench $REPS --json 2> bench.err | median)
			[ -n "$v" ] || v="err:$(tail -1 $d/bench.err | cut -c1-40)"
			[ $m = exact ] && e=$v || f=$v
		done
		r=$(awk -v e="$e" -v f="$f" 'BEGIN { if (e + 0 > 0 && f + 0 > 0) printf "%.2f", e / f; else print "-" }')
		printf '%-8s %-4s %12s %12s %8s\n' $k $t "$e" "$f" "$r" >> $out
	done
done
cat $out
[ -n "${RESULTS:-$OUT}" ] && cp $out "${RESULTS:-$OUT/exact.txt}"
exit 0
