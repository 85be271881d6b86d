#!/bin/sh
# bench/compile.sh: whole-process compile times, vyrec against the usual
# tools, on this machine (no GPU needed).
#
#   SPIR-V, per sample: `vyrec build -t spv` at -O1 and -O2, against
#   `glslangValidator -V` on vyrec's own GLSL of the same program (`vyrec
#   build -t glsl`) and against `spirv-opt -O` alone on vyrec's -O1 SPIR-V.
#   PTX, per bench kernel (saxpy vecadd reduce matmul): `vyrec build -t ptx
#   --arch sm_90` against `nvcc -ptx -arch=sm_90` on the same kernel written
#   in CUDA C (bench/gpu/kernels.cu, one kernel a file), and `ptxas` on
#   vyrec's PTX for scale.
#
# Each figure is "wall/cpu": the median wall time of RUNS runs (default 30;
# nvcc gets RUNS/3, at least 5) after 3 warm-ups, and the mean CPU time
# (user + system) of the same runs, measured by hyperfine -N (no shell);
# without hyperfine, a loop over date +%s%N gives the wall time alone.
# Ratios are taken on CPU time, which the load of a shared machine moves
# far less than wall time; the load average is printed with the table.
# Environment: VYREC (default ./vyrec), RUNS, OUT (a copy of the table).
cd "$(dirname "$0")/.." || exit 2
VYREC=${VYREC:-./vyrec}
RUNS=${RUNS:-30}
T=$(mktemp -d /tmp/vycompile.XXXXXX)
trap 'rm -rf $T' EXIT
"$VYREC" --version > /dev/null 2>&1 || { echo "compile.sh: $VYREC does not run. Fix: make, or set VYREC" >&2; exit 2; }

# Median milliseconds of a command (its words as arguments), n runs.
med() {
	n=$1; shift
	if command -v hyperfine > /dev/null; then
		hyperfine -N -w 3 -r "$n" --export-json $T/h.json "$*" > /dev/null 2>&1 || { echo "fail"; return; }
		python3 -c 'import json,sys; r = json.load(open(sys.argv[1]))["results"][0]; print("%.1f/%.1f" % (r["median"] * 1e3, (r["user"] + r["system"]) * 1e3))' $T/h.json
	else
		i=0; : > $T/t
		while [ $i -lt $((n + 3)) ]; do
			a=$(date +%s%N); "$@" > /dev/null 2>&1 || { echo fail; return; }; b=$(date +%s%N)
			[ $i -ge 3 ] && echo $(( (b - a) / 1000 )) >> $T/t
			i=$((i + 1))
		done
		sort -n $T/t | awk '{ v[NR] = $1 } END { printf "%.2f\n", (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) / 1000 }'
	fi
}
ratio() { awk -v a="${1#*/}" -v b="${2#*/}" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.1fx", b / a; else print "-" }'; }

echo "bench/compile.sh: $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "$($VYREC --version | head -1); $(glslangValidator --version 2>/dev/null | head -1); $(spirv-opt --version 2>&1 | head -1); $(nvcc --version 2>/dev/null | tail -1)"
echo "ms, wall (median of $RUNS runs) / cpu (mean user+sys); ratio = other tool / vyrec -O1, on cpu time"
printf '%-12s %11s %11s %13s %7s %11s %7s\n' sample "spv -O1" "spv -O2" glslangVal "vs -O1" "spirv-opt" "vs -O1"
for p in samples/*.yaml; do
	n=$(basename $p .yaml)
	"$VYREC" build $p -t spv -O1 -o $T/$n.spv > /dev/null 2>&1 || { printf '%-12s build failed\n' $n; continue; }
	"$VYREC" build $p -t glsl -o $T/$n.comp > /dev/null 2>&1
	o1=$(med $RUNS "$VYREC" build $p -t spv -O1 -o $T/o1.spv)
	o2=$(med $RUNS "$VYREC" build $p -t spv -O2 -o $T/o2.spv)
	gl=$(med $RUNS glslangValidator -V $T/$n.comp -o $T/gl.spv)
	so=$(med $RUNS spirv-opt -O $T/$n.spv -o $T/so.spv)
	printf '%-12s %11s %11s %13s %7s %11s %7s\n' $n $o1 $o2 $gl "$(ratio $o1 $gl)" $so "$(ratio $o1 $so)"
done

echo
echo "PTX: vyrec build -t ptx --arch sm_90 vs nvcc -ptx -arch=sm_90 (CUDA C of bench/gpu/kernels.cu), ptxas on vyrec's PTX; ms wall/cpu"
printf '%-12s %11s %13s %8s %12s\n' kernel "vyrec" "nvcc -ptx" "nvcc/vy" "ptxas(vy)"
NV=$(( RUNS / 3 > 5 ? RUNS / 3 : 5 ))
for k in saxpy vecadd reduce matmul; do
	awk -v k="${k}_nv" '$0 ~ "void " k "\\(" { on = 1 } on { print } on && /^}/ { exit }' \
		bench/gpu/kernels.cu > $T/$k.cu
	"$VYREC" build samples/$k.yaml -t ptx --arch sm_90 -o $T/$k.ptx > /dev/null 2>&1 || { echo "$k: vyrec failed"; continue; }
	vy=$(med $RUNS "$VYREC" build samples/$k.yaml -t ptx --arch sm_90 -o $T/vy.ptx)
	nv=$(med $NV nvcc -ptx -arch=sm_90 $T/$k.cu -o $T/nv.ptx)
	pa=$(med $RUNS ptxas -arch=sm_90 $T/$k.ptx -o $T/$k.cubin)
	printf '%-12s %11s %13s %8s %12s\n' $k $vy $nv "$(ratio $vy $nv)" $pa
done
echo "vyrec --version alone (process start): $(med $RUNS "$VYREC" --version) ms; /bin/true: $(med $RUNS /bin/true) ms"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
