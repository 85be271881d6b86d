#!/bin/sh
# t_libsamp.sh: the library-speed samples of issue 14 (samples/
# reduce_fast.yaml, softmax_rows.yaml, histogram_shared.yaml,
# transpose_fast.yaml and their variants in bench/gpu/programs/, raced
# against torch by bench/gpu/race_lib.py on the H200):
#   - `vyrec verify` on lavapipe (every backend here against the
#     reference) at sizes that take each path: partial workgroups, the
#     grid-stride loops' unrolled and tail iterations, rows past the
#     registers, tiles past the matrix;
#   - what each computes, checked independently of vyrec (tests/libsamp.py,
#     f64 or exact integers) on the reference and on lavapipe: the exact
#     sum, the row softmax, the bin counts (added to bins that were not
#     zero), the transpose;
#   - the reference at subgroup sizes 4..128 agrees where the result is
#     exact (integer-valued sum, histogram);
#   - the code: f32x4 / u32x4 accesses (ld.global.nc.v4, st.global.v4 and
#     SPIR-V v4 runtime arrays), subgroup shuffles, no float atomics in the
#     reduction, shared atomics in the histogram, no .local and no spills
#     (ptxas -v -arch=sm_90), at most 64 registers where the grid is sized
#     for 4 workgroups of 256 on each SM, no private array left in the
#     spv at -O1, and race_lib.py compiles and plans every launch
#     (--dry-run).
cd "$(dirname "$0")/.." || exit 2
. tests/lib.sh
O=tests/out/libsamp
mkdir -p $O
S=samples
PY="python3 tests/libsamp.py"

vk=1
have_backend vulkan || vk=0

# vcase NAME PROGRAM ARGS...: verify passes on the vulkan backend (lavapipe)
vcase() {
	n=$1; shift
	if [ $vk = 0 ]; then
		skip "$n" "no Vulkan device ($VYREC backends)"
	elif "$VYREC" verify "$@" --backends vulkan > $O/$n.log 2>&1 &&
		grep -q '^vulkan.*PASS' $O/$n.log; then
		ok "$n"
	else
		bad "$n" "$(grep -v '^inputs' $O/$n.log | tail -2 | tr '\n' ' ')"
	fi
}

vcase verify_reduce_default $S/reduce_fast.yaml
vcase verify_reduce_1 $S/reduce_fast.yaml --param n=1
vcase verify_reduce_1000 $S/reduce_fast.yaml --param n=1000
vcase verify_reduce_600000 $S/reduce_fast.yaml --param n=600000
vcase verify_softmax_default $S/softmax_rows.yaml
vcase verify_softmax_1x1 $S/softmax_rows.yaml --param rows=1 --param vcols=1
vcase verify_softmax_300 $S/softmax_rows.yaml --param rows=4 --param vcols=300
vcase verify_softmax_1024 $S/softmax_rows.yaml --param rows=3 --param vcols=1024
vcase verify_softmax_1100 $S/softmax_rows.yaml --param rows=2 --param vcols=1100
vcase verify_hist_default $S/histogram_shared.yaml
vcase verify_hist_100 $S/histogram_shared.yaml --param n=100
vcase verify_hist_300000 $S/histogram_shared.yaml --param n=300000
vcase verify_transpose_default $S/transpose_fast.yaml
for v in 1 8 25 64; do
	vcase verify_transpose_nv$v $S/transpose_fast.yaml --param nv=$v
done
vcase verify_transpose_v8x32 bench/gpu/programs/transpose_v8x32.yaml --param nv=25
vcase verify_transpose_32x4 bench/gpu/programs/transpose_32x4.yaml --param n=100
vcase verify_reduce_g792 bench/gpu/programs/reduce_g792.yaml --param n=900000
vcase verify_softmax_w512 bench/gpu/programs/softmax_w512.yaml --param rows=2 --param vcols=1100
vcase verify_softmax_expf bench/gpu/programs/softmax_expf.yaml --param rows=2 --param vcols=1100
vcase verify_softmax_expf_1024 bench/gpu/programs/softmax_expf.yaml --param rows=3 --param vcols=1024
vcase verify_hist_g1056 bench/gpu/programs/histogram_g1056.yaml --param n=1100000

# ---- what they compute, against tests/libsamp.py ----
# sem NAME BACKEND CHECK... -- RUN ARGS...: run on BACKEND, then the check
sem() {
	n=$1 b=$2; shift 2
	chk=""
	while [ "$1" != -- ]; do chk="$chk $1"; shift; done
	shift
	if [ $b = vulkan ] && [ $vk = 0 ]; then
		skip "$n" "no Vulkan device"
		return
	fi
	if ! "$VYREC" run "$@" --backend $b > $O/$n.log 2>&1; then
		bad "$n" "run: $(tail -2 $O/$n.log | tr '\n' ' ')"
	elif $PY check $chk >> $O/$n.log 2>&1; then
		ok "$n"
	else
		bad "$n" "$(tail -1 $O/$n.log)"
	fi
}

$PY gen reduce $O/r.bin 600000
$PY gen reduce $O/r1.bin 1
$PY gen softmax $O/s.bin 3 4400
$PY gen softmax $O/s2.bin 2 20
$PY gen hist $O/h.bin 300000
$PY gen iota $O/a36.bin 1296
$PY gen iota $O/a100.bin 10000
for b in reference vulkan; do
	sem sum_600000_$b $b reduce $O/rt.$b.bin 600000 -- $S/reduce_fast.yaml \
		--param n=600000 --in x=$O/r.bin --out total=$O/rt.$b.bin
	sem sum_1_$b $b reduce $O/rt1.$b.bin 1 -- $S/reduce_fast.yaml \
		--param n=1 --in x=$O/r1.bin --out total=$O/rt1.$b.bin
	sem softmax_3x4400_$b $b softmax $O/s.bin $O/sy.$b.bin 3 4400 -- $S/softmax_rows.yaml \
		--param rows=3 --param vcols=1100 --in x=$O/s.bin --out y=$O/sy.$b.bin
	sem softmax_2x20_$b $b softmax $O/s2.bin $O/sy2.$b.bin 2 20 -- $S/softmax_rows.yaml \
		--param rows=2 --param vcols=5 --in x=$O/s2.bin --out y=$O/sy2.$b.bin
	sem hist_300000_$b $b hist $O/hb.$b.bin 300000 -- $S/histogram_shared.yaml \
		--param n=300000 --in data=$O/h.bin --out bins=$O/hb.$b.bin
	sem hist_onto_iota_$b $b hist $O/hi.$b.bin 300000 iota -- $S/histogram_shared.yaml \
		--param n=300000 --in data=$O/h.bin --in bins=iota --out bins=$O/hi.$b.bin
	sem transpose_36_$b $b transpose $O/tb.$b.bin 36 -- $S/transpose_fast.yaml \
		--param nv=9 --in A=$O/a36.bin --out B=$O/tb.$b.bin
	sem transpose_v8x32_100_$b $b transpose $O/tv.$b.bin 100 -- bench/gpu/programs/transpose_v8x32.yaml \
		--param nv=25 --in A=$O/a100.bin --out B=$O/tv.$b.bin
	sem softmax_w512_$b $b softmax $O/s.bin $O/sw.$b.bin 3 4400 -- bench/gpu/programs/softmax_w512.yaml \
		--param rows=3 --param vcols=1100 --in x=$O/s.bin --out y=$O/sw.$b.bin
	sem softmax_expf_$b $b softmax $O/s.bin $O/se.$b.bin 3 4400 -- bench/gpu/programs/softmax_expf.yaml \
		--param rows=3 --param vcols=1100 --in x=$O/s.bin --out y=$O/se.$b.bin
	sem transpose_32x4_100_$b $b transpose $O/ts.$b.bin 100 -- bench/gpu/programs/transpose_32x4.yaml \
		--param n=100 --in A=$O/a100.bin --out B=$O/ts.$b.bin
done
# the reference at every subgroup size: exact results do not depend on it
for s in 4 16 64 128; do
	sem sum_sg$s reference reduce $O/rt.sg$s.bin 600000 -- $S/reduce_fast.yaml --subgroup-size $s \
		--param n=600000 --in x=$O/r.bin --out total=$O/rt.sg$s.bin
	sem hist_sg$s reference hist $O/hb.sg$s.bin 300000 -- $S/histogram_shared.yaml --subgroup-size $s \
		--param n=300000 --in data=$O/h.bin --out bins=$O/hb.sg$s.bin
done

# ---- the code ----
# has NAME FILE PATTERN / hasnt NAME FILE PATTERN (grep -E)
has() { if grep -qE -- "$3" "$2"; then ok "$1"; else bad "$1" "no /$3/ in $2"; fi; }
hasnt() { if grep -qE -- "$3" "$2"; then bad "$1" "$(grep -m1 -E -- "$3" "$2")"; else ok "$1"; fi; }
PTXAS=$(cuda_tool ptxas)
for p in reduce_fast softmax_rows histogram_shared transpose_fast; do
	f=$O/$p.ptx
	if ! "$VYREC" build $S/$p.yaml -t ptx -o $f > $O/$p.ptx.log 2>&1; then
		bad ptx_$p "$(tail -2 $O/$p.ptx.log)"; continue
	fi
	has ptx_${p}_v4_loads $f 'ld\.global\.nc\.v4\.(f32|u32)'
	hasnt ptx_${p}_no_local $f '\.local'
	"$VYREC" build $S/$p.yaml -t spv -O1 --emit-asm -o $O/$p.spvasm > /dev/null 2>&1
	has spv_${p}_v4 $O/$p.spvasm 'OpTypeRuntimeArray %v4(float|uint)'
	hasnt spv_${p}_no_private_array $O/$p.spvasm 'OpTypePointer (Function|Private) %_arr'
	if [ -z "$PTXAS" ]; then
		skip ptxas_$p "no ptxas (CUDA toolkit)"
		continue
	fi
	"$PTXAS" -v -arch=sm_90 $f -o $O/$p.cubin > $O/$p.ptxas 2>&1 || { bad ptxas_$p "$(tail -2 $O/$p.ptxas)"; continue; }
	if grep -q 'bytes stack frame' $O/$p.ptxas && ! grep -E 'bytes (stack frame|spill)' $O/$p.ptxas | grep -qv ' 0 bytes'; then
		ok ptxas_${p}_no_spill
	else
		bad ptxas_${p}_no_spill "$(grep -E 'stack|spill' $O/$p.ptxas | tr '\n' ' ')"
	fi
	# 528 workgroups of 256 = 4 on each of 132 SMs, one wave, needs <= 64 registers
	r=$(sed -n 's/.*Used \([0-9]*\) registers.*/\1/p' $O/$p.ptxas | sort -n | tail -1)
	if [ -n "$r" ] && [ "$r" -le 64 ]; then ok ptxas_${p}_regs_le_64; else bad ptxas_${p}_regs_le_64 "$r registers"; fi
done
has ptx_reduce_shuffles $O/reduce_fast.ptx 'shfl\.sync\.bfly'
hasnt ptx_reduce_no_float_atomics $O/reduce_fast.ptx '^[[:space:]]*(@!?%p[0-9]+ )?(atom|red)\..*f32'
has ptx_reduce_two_entries $O/reduce_fast.ptx '\.entry final'
has spv_reduce_subgroup $O/reduce_fast.spvasm 'OpCapability GroupNonUniform(Arithmetic|Shuffle)'
hasnt spv_reduce_no_float_atomics $O/reduce_fast.spvasm 'OpAtomicFAdd'
has ptx_softmax_shuffles $O/softmax_rows.ptx 'shfl\.sync\.bfly'
# softmax_expf: the registers' exp in f32 (f64 only in the tail past 4096 columns)
if "$VYREC" build bench/gpu/programs/softmax_expf.yaml -t ptx -o $O/softmax_expf.ptx > /dev/null 2>&1 &&
	[ "$(grep -c 'math.exp: f64' $O/softmax_expf.ptx)" -lt "$(grep -c 'math.exp: f64' $O/softmax_rows.ptx)" ] &&
	! grep -q '\.local' $O/softmax_expf.ptx; then
	ok ptx_softmax_expf_f32
else
	bad ptx_softmax_expf_f32 "$(grep -c 'math.exp: f64' $O/softmax_expf.ptx) f64 exp sequences"
fi
has ptx_hist_shared_atomics $O/histogram_shared.ptx '^[[:space:]]*(@!?%p[0-9]+ )?(red|atom)\..*shared.*add\.u32'
if [ "$(grep -cE '^[[:space:]]*(@!?%p[0-9]+ )?(red|atom)\..*global.*add' $O/histogram_shared.ptx)" = 1 ]; then
	ok ptx_hist_one_global_atomic
else
	bad ptx_hist_one_global_atomic "$(grep -cE '^[[:space:]]*(@!?%p[0-9]+ )?(red|atom)\..*global.*add' $O/histogram_shared.ptx) global atomics"
fi
has ptx_transpose_v4_stores $O/transpose_fast.ptx 'st\.global\.v4\.f32'
has ptx_transpose_unrolled $O/transpose_fast.ptx 'ld\.global\.nc\.v4\.f32'
n=$(grep -c 'st\.global\.v4\.f32' $O/transpose_fast.ptx)
if [ "$n" = 4 ]; then ok ptx_transpose_four_stores; else bad ptx_transpose_four_stores "$n st.global.v4"; fi

# ---- bench/gpu/race_lib.py: compiles, builds and plans every launch ----
if python3 -m py_compile bench/gpu/race_lib.py 2> $O/py.log; then ok race_lib_compiles; else bad race_lib_compiles "$(tail -1 $O/py.log)"; fi
if python3 bench/gpu/race_lib.py --dry-run --vyrec "$VYREC" --work $O/race > $O/dry.log 2>&1 &&
	grep -q 'partials: grid \[528, 1, 1\] x wg \[256, 1, 1\]' $O/dry.log &&
	grep -q 'final: grid \[1, 1, 1\]' $O/dry.log &&
	grep -q 'softmax_rows: grid \[4096, 1, 1\]' $O/dry.log &&
	grep -q 'transpose_fast: grid \[256, 256, 1\] x wg \[8, 8, 1\]' $O/dry.log; then
	ok race_lib_dry_run
else
	bad race_lib_dry_run "$(tail -3 $O/dry.log | tr '\n' ' ')"
fi

# ---- run --bench of a pipeline (reduce_fast's two kernels) ----
# vulkan: timestamps around the dispatches alone (no copies), after a whole
# run on copies of the writable buffers (the run's outputs are unchanged)
if [ $vk = 1 ]; then
	b=$("$VYREC" run $S/reduce_fast.yaml --backend vulkan --param n=600000 --in x=$O/r.bin \
		--out total=$O/rb.bin --bench 3 2>&1)
	if echo "$b" | grep -q '^bench: 3 runs of the pipeline on vulkan (.*): median [0-9.]* ms (vulkan timestamps around the pipeline.s dispatches; memory [^;]*; fma [a-z0-9]*), [0-9.]* GB/s (9604228 bytes moved)' &&
		$PY check reduce $O/rb.bin 600000; then
		ok bench_pipeline_vulkan
	else
		bad bench_pipeline_vulkan "$b"
	fi
	# the staging path (a discrete GPU's): the copies stay out of the time
	b=$(VYREC_VK_MEMORY=staging "$VYREC" run $S/reduce_fast.yaml --backend vulkan --param n=600000 \
		--in x=$O/r.bin --out total=$O/rb2.bin --bench 3 2>&1)
	if echo "$b" | grep -q 'runs of the pipeline on vulkan (.*memory device-local + staging' &&
		$PY check reduce $O/rb2.bin 600000; then
		ok bench_pipeline_vulkan_staging
	else
		bad bench_pipeline_vulkan_staging "$b"
	fi
	# bytes moved count each element's size: vecadd4 n=1024, 3 x 16 x 1024
	b=$("$VYREC" run $S/vecadd4.yaml --backend vulkan --param n=1024 --bench 3 2>&1)
	echo "$b" | grep -q '(49152 bytes moved)' && ok bench_bytes_vector || bad bench_bytes_vector "$b"
else
	skip bench_pipeline_vulkan "no Vulkan device"
	skip bench_bytes_vector "no Vulkan device"
fi
b=$("$VYREC" run $S/reduce_fast.yaml --backend reference --param n=1000 --bench 3 2>&1)
echo "$b" | grep -q '^bench: 3 runs of the pipeline on reference (.*): median [0-9.]* ms (wall clock)' &&
	ok bench_pipeline_reference_wall_clock || bad bench_pipeline_reference_wall_clock "$b"
