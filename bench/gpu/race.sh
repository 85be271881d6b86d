#!/bin/sh
# bench/gpu/race.sh: vyrec's ptx (CUDA) and spv (NVIDIA Vulkan) launchers
# against torch on one GPU: vecadd, saxpy, reduce, matmul, transpose (against
# a device-to-device copy of the same bytes) and a loop of 1000 dispatches
# of a tiny kernel; prints one table (bench/gpu/race.py
# says what is timed and compared).  Then vecadd4 and saxpy4 (f32x4
# buffers) through `vyrec run --bench` on cuda and vulkan against torch on
# the same bytes (bench/gpu/race_vec.py; the launchers take no vector
# buffers yet).  Then the library samples of issue 14 (bench/gpu/race_lib.py:
# reduce, softmax, histogram, transpose, sgemm, and issue 13's f16 axpy
# samples/axpy_f16x4.yaml against y.add_(x, alpha=a) on float16; their PTX
# through the CUDA driver on torch's tensors, their spv through
# `vyrec run --bench`).
#
#   here (the dev machine):  sh bench/gpu/race.sh --prepare
#       generates the C launchers (ptx, spv) of the four samples and their
#       manifests (vyrec build --manifest) into .gpu-race/ (ignored by
#       git), plus, when OLD_VYREC names an older vyrec, its spv launchers
#       (spv_before/) for a before/after row; and a stripped vyrec with
#       libyaml for `vyrec run --bench` there.
#   there (carry .gpu-race, .gl):  sh bench/gpu/race.sh
#       builds every launcher with make, runs race.py (python3 with torch
#       and numpy), then `vyrec run --bench 50` on the cuda and vulkan
#       backends; the table goes to stdout and to $RESULTS (default
#       $OUT/race.txt when $OUT is set).
#
# Environment: VYREC (default ./vyrec), OLD_VYREC, RACE_ARGS (race.py
# options, e.g. "--log2n 26 --mm 2048"), RACE_VEC_ARGS (race_vec.py's,
# e.g. "--log2n 26"), RACE_LIB_ARGS (race_lib.py's, e.g. "--ncu --fast-math"),
# VK_DRIVER_FILES as the NVIDIA
# Vulkan driver needs it.
cd "$(dirname "$0")/../.." || exit 2
R=.gpu-race
VYREC=${VYREC:-./vyrec}
KERNELS="vecadd saxpy reduce matmul transpose"
VEC_KERNELS="vecadd4 saxpy4"

prepare() {
	ex=$(git rev-parse --git-path info/exclude 2>/dev/null) &&
		{ grep -qx "/$R/" "$ex" 2>/dev/null || echo "/$R/" >> "$ex"; }
	rm -rf $R && mkdir -p $R/bin
	for k in $KERNELS; do
		for t in ptx spv; do
			$VYREC launcher samples/$k.yaml -t $t --lang c -o $R/$t/$k > /dev/null ||
				{ echo "race.sh: $t $k: generation failed" >&2; exit 1; }
		done
		[ -n "$OLD_VYREC" ] && $OLD_VYREC launcher samples/$k.yaml -t spv --lang c \
			-o $R/spv_before/$k > /dev/null
		$VYREC build samples/$k.yaml -t spv -o $R/$k.spv --manifest $R/$k.manifest.json ||
			{ echo "race.sh: $k: build failed" >&2; exit 1; }
		# which build: since vy_unroll, reduce's spv has 0 loops, matmul's 1
		echo "race.sh: $k.spv: $(spirv-dis $R/$k.spv 2>/dev/null | grep -c OpLoopMerge) OpLoopMerge" |
			tee -a $R/loops.txt >&2
	done
	# the vector samples race through vyrec run (race_vec.py): manifests only
	for k in $VEC_KERNELS; do
		$VYREC build samples/$k.yaml -t ptx -o $R/$k.ptx --manifest $R/$k.manifest.json ||
			{ echo "race.sh: $k: build failed" >&2; exit 1; }
		echo "race.sh: $k.ptx: $(grep -c 'ld.global.nc.v4.f32' $R/$k.ptx) ld.global.nc.v4.f32" >&2
	done
	# Cargo launchers (CARGO_KERNELS, default vecadd saxpy): built here,
	# their binaries carried (the GPU machine has no cargo)
	if command -v cargo > /dev/null; then
		for k in ${CARGO_KERNELS-vecadd saxpy}; do
			for t in ptx spv; do
				c=/tmp/vyrace-cargo/$t/$k
				$VYREC launcher samples/$k.yaml -t $t --lang cargo -o $c --force > /dev/null &&
					(cd $c && cargo build --release --offline -q) > $c.log 2>&1 &&
					mkdir -p $R/cargo_$t/$k && cp $c/target/release/$k $R/cargo_$t/$k/ ||
					echo "race.sh: cargo $t $k failed ($c.log)" >&2
			done
		done
	fi
	cp $VYREC $R/bin/vyrec && strip $R/bin/vyrec
	cp -L "$(ldconfig -p | sed -n 's/^[[:space:]]*libyaml-0.so.2 .*=> //p' | head -1)" $R/bin/
	du -sh $R >&2
	echo "now on the GPU machine: carry $R (and .gl), run: sh bench/gpu/race.sh"
}

[ "$1" = --prepare ] && { prepare; exit $?; }

[ -d $R ] || { echo "race.sh: no $R: run sh bench/gpu/race.sh --prepare first" >&2; exit 2; }
out=/tmp/race.txt
for d in $R/ptx/*/ $R/spv/*/ $R/spv_before/*/; do
	[ -f "$d/Makefile" ] || continue
	make -s -C "$d" > "$d/build.log" 2>&1 || echo "race.sh: make $d failed: $(tail -2 "$d/build.log")" >&2
done
# shellcheck disable=SC2086
PYTHONUNBUFFERED=1 python3 bench/gpu/race.py --dir $R $RACE_ARGS > $out
rc=$?
# shellcheck disable=SC2086
PYTHONUNBUFFERED=1 python3 bench/gpu/race_vec.py --dir $R $RACE_VEC_ARGS >> $out || rc=1
# the library-speed samples (reduce_fast, softmax_rows, histogram_shared,
# transpose_fast, sgemm) against torch: bench/gpu/race_lib.py
# shellcheck disable=SC2086
PYTHONUNBUFFERED=1 python3 bench/gpu/race_lib.py --dir $R $RACE_LIB_ARGS >> $out || rc=1
{
	# what the fma lowering and the memory scheme cost (spv launchers)
	echo
	echo "spv launchers, --bench 50 --json, one choice forced each:"
	for v in "saxpy VYREC_VK_FMA=emulate" "saxpy VYREC_VK_FMA=f64" "matmul VYREC_VK_FMA=emulate" \
		 "vecadd VYREC_VK_MEMORY=direct" "saxpy VYREC_VK_MEMORY=direct"; do
		k=${v%% *}; e=${v#* }
		case $k in matmul) p="--param M=4096 --param N=4096 --param K=4096 --in A=random:1 --in B=random:2";;
			   saxpy) p="--param n=134217728 --param a=2.5 --in x=random:1 --in y=random:2";;
			   *) p="--param n=134217728 --in x=random:1 --in y=random:2";; esac
		echo "$k $e: $(cd $R/spv/$k && env $e ./$k $p --bench 50 --json 2>&1 | tail -1)"
	done
	echo
	echo "vyrec run --bench 50, vecadd 2^27 (random inputs):"
	for b in cuda vulkan; do
		LD_LIBRARY_PATH=$R/bin${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} $R/bin/vyrec run samples/vecadd.yaml \
			--backend $b --param n=134217728 --in x=random:1 --in y=random:2 --bench 50 2>&1 | tail -1
	done
	echo "vyrec run --bench 50, saxpy 2^27:"
	for b in cuda vulkan; do
		LD_LIBRARY_PATH=$R/bin${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} $R/bin/vyrec run samples/saxpy.yaml \
			--backend $b --param n=134217728 --param a=2.5 --in x=random:1 --in y=random:2 --bench 50 2>&1 | tail -1
	done
} >> $out
cat $out
[ -n "${RESULTS:-$OUT}" ] && cp $out "${RESULTS:-$OUT/race.txt}"
[ -n "$OUT" ] && [ -f /tmp/race/race.json ] && cp /tmp/race/race.json "$OUT/"
[ -n "$OUT" ] && [ -f /tmp/race/race_vec.json ] && cp /tmp/race/race_vec.json "$OUT/"
[ -n "$OUT" ] && [ -f /tmp/race_lib/race_lib.json ] && cp /tmp/race_lib/race_lib.json "$OUT/"
exit $rc
