#!/bin/sh
# t_kernels.sh: several kernels in one program, pipelines and grid barriers
# (SPEC §10.5).  The loader's and checker's errors (tests/kernels/*.yaml
# with a sibling .err, compared with `NO_COLOR=1 vyrec check`; UPDATE=1
# rewrites them); the kernel parts as entry points of one spv and one ptx
# module and as one glsl file each; the manifest's kernels and pipeline;
# 1.0 programs unchanged; pipelines run on the reference backend with
# known results and compared by `vyrec verify` on lavapipe, through spv
# and through glsl (glslang's SPIR-V of each part's file); the refusals
# (launchers, --stream, glsl to standard output).
cd "$(dirname "$0")/.." || exit 2
. tests/lib.sh
export NO_COLOR=1
O=tests/out/kernels
rm -rf $O
mkdir -p $O
PROGS="samples/softmax.yaml samples/sum2pass.yaml samples/prefixsum.yaml samples/jacobi1d.yaml samples/lu.yaml
samples/normalize.yaml tests/corpus/kernels_pipeline.yaml tests/corpus/kernels_grid.yaml
tests/kernels/vec_recompute.yaml"

# ---- errors ----
for f in tests/kernels/err_*.yaml; do
	b=${f%.yaml}
	n=$(basename "$b")
	"$VYREC" check "$f" > $O/$n.out 2> $O/$n.err
	rc=$?
	[ -n "$UPDATE" ] && [ $rc -eq 1 ] && cp $O/$n.err "$b.err"
	if [ $rc -ne 1 ]; then
		bad "$n" "exit $rc, want 1: $(head -c 200 $O/$n.err)"
	elif [ ! -f "$b.err" ]; then
		bad "$n" "no $b.err (run with UPDATE=1)"
	elif ! cmp -s $O/$n.err "$b.err"; then
		bad "$n" "stderr differs: $(diff "$b.err" $O/$n.err | head -6 | tr '\n' '|')"
	else
		ok "$n"
	fi
done

for p in $PROGS; do
	n=$(basename "$p" .yaml)
	if "$VYREC" check "$p" > $O/$n.check 2>&1 && [ ! -s $O/$n.check ]; then
		ok "check_$n"
	else
		bad "check_$n" "$(head -3 $O/$n.check | tr '\n' ' ')"
	fi
done

# ---- spv: one module, an entry point per part ----
# entry NAME PROG WANT: the spv entry points of PROG, in order, are WANT
entry_spv() {
	"$VYREC" build "$2" -t spv -o $O/$1.spv > $O/$1.spv.log 2>&1 &&
		spirv-val --target-env vulkan1.1 $O/$1.spv >> $O/$1.spv.log 2>&1 || {
		bad "spv_$1" "$(head -3 $O/$1.spv.log | tr '\n' ' ')"; return; }
	got=$(spirv-dis $O/$1.spv | sed -n 's/.*OpEntryPoint GLCompute %[a-z0-9_]* "\([^"]*\)".*/\1/p' | tr '\n' ' ')
	[ "$got" = "$3 " ] && ok "spv_entry_points_$1" || bad "spv_entry_points_$1" "got '$got', want '$3'"
}
entry_spv softmax samples/softmax.yaml "rowmax expsum normalize"
entry_spv normalize samples/normalize.yaml "normalize normalize_1 normalize_2"
entry_spv kernels_pipeline tests/corpus/kernels_pipeline.yaml "init step step_1 fin"
entry_spv saxpy samples/saxpy.yaml "main"
# --emit-asm of a linked module
if "$VYREC" build samples/lu.yaml -t spv --emit-asm -o $O/lu.spvasm > $O/lu.asm.log 2>&1 &&
	grep -q 'OpEntryPoint GLCompute %eliminate "eliminate"' $O/lu.spvasm; then
	ok spv_emit_asm_parts
else
	bad spv_emit_asm_parts "$(head -2 $O/lu.asm.log)"
fi
# -O2 runs SPIRV-Tools per part before linking
if "$VYREC" build samples/softmax.yaml -t spv -O2 -o $O/softmax.O2.spv > $O/O2.log 2>&1 &&
	spirv-val --target-env vulkan1.1 $O/softmax.O2.spv >> $O/O2.log 2>&1; then
	ok spv_O2_parts
else
	bad spv_O2_parts "$(head -2 $O/O2.log)"
fi

# ---- ptx: one module, an entry point per part ----
PTXAS=$(cuda_tool ptxas)
entry_ptx() {
	"$VYREC" build "$2" -t ptx -o $O/$1.ptx > $O/$1.ptx.log 2>&1 || {
		bad "ptx_$1" "$(head -3 $O/$1.ptx.log | tr '\n' ' ')"; return; }
	got=$(sed -n 's/^\.visible \.entry \([a-z0-9_]*\)(.*/\1/p' $O/$1.ptx | tr '\n' ' ')
	[ "$got" = "$3 " ] && ok "ptx_entry_points_$1" || bad "ptx_entry_points_$1" "got '$got', want '$3'"
	[ "$(grep -c '^\.version' $O/$1.ptx)" = 1 ] && ok "ptx_one_header_$1" || bad "ptx_one_header_$1"
	if [ -n "$PTXAS" ]; then
		if "$PTXAS" -arch sm_75 $O/$1.ptx -o $O/$1.cubin > $O/$1.ptxas.log 2>&1; then
			ok "ptxas_$1"
		else
			bad "ptxas_$1" "$(head -3 $O/$1.ptxas.log | tr '\n' ' ')"
		fi
	fi
}
entry_ptx softmax samples/softmax.yaml "rowmax expsum normalize"
entry_ptx kernels_pipeline tests/corpus/kernels_pipeline.yaml "init step step_1 fin"
entry_ptx sum2pass samples/sum2pass.yaml "partials final"
# two kernels' shared arrays named s stay apart
if [ "$(grep -c '^\.shared .*_s\[64\];$' $O/kernels_pipeline.ptx)" = 3 ] &&
	[ "$(grep '^\.shared ' $O/kernels_pipeline.ptx | sort -u | wc -l)" = 3 ]; then
	ok ptx_shared_apart
else
	bad ptx_shared_apart "$(grep '^\.shared' $O/kernels_pipeline.ptx | tr '\n' ' ')"
fi

# ---- glsl: a file per part in the directory -o names ----
if "$VYREC" build samples/softmax.yaml -t glsl -o $O/glsl > $O/glsl.log 2>&1 &&
	[ "$(cd $O/glsl && ls | tr '\n' ' ')" = "softmax.expsum.comp softmax.normalize.comp softmax.rowmax.comp " ]; then
	ok glsl_file_names
else
	bad glsl_file_names "$(head -2 $O/glsl.log) $(ls $O/glsl 2>&1 | tr '\n' ' ')"
fi
"$VYREC" build samples/softmax.yaml -t glsl -o - > $O/glsl.stdout 2> $O/glsl.stderr
rc=$?
[ $rc -eq 1 ] && grep -q 'glsl writes a file for each' $O/glsl.stderr && [ ! -s $O/glsl.stdout ] &&
	ok glsl_stdout_refused || bad glsl_stdout_refused "exit $rc"
VY=$VYREC
case $VY in /*) ;; *) VY=$(pwd)/$VY ;; esac
(cd $O && "$VY" build "$OLDPWD/samples/normalize.yaml" -t glsl > glsl_cwd.log 2>&1) &&
	[ -f $O/normalize.normalize_2.comp ] && ok glsl_default_dir || bad glsl_default_dir "$(head -2 $O/glsl_cwd.log)"
# with another target into one directory; the depfile names every file
rm -rf $O/md
if "$VYREC" build samples/normalize.yaml -t glsl -t spv -o $O/md -MD > $O/md.log 2>&1 &&
	[ "$(cat $O/md/normalize.comp.d)" = "$O/md/normalize.normalize.comp $O/md/normalize.normalize_1.comp $O/md/normalize.normalize_2.comp $O/md/normalize.spv: samples/normalize.yaml" ]; then
	ok glsl_parts_depfile
else
	bad glsl_parts_depfile "$(head -2 $O/md.log) $(cat $O/md/normalize.comp.d 2>&1)"
fi
# a 1.0 program: one file where -o says
"$VYREC" build samples/saxpy.yaml -t glsl -o $O/saxpy.comp > /dev/null 2>&1 && [ -f $O/saxpy.comp ] &&
	ok glsl_single_file || bad glsl_single_file

# ---- manifests ----
"$VYREC" build samples/lu.yaml -t spv -o $O/lu.spv --manifest $O/lu.json > /dev/null 2>&1
if grep -qx '    {"kernel": "eliminate", "entry_point": "eliminate", "workgroup_size": \[16, 16, 1\], "dispatch": \["n", "n"\], "shared": \[\]}' $O/lu.json &&
	grep -qx '  "pipeline": \["dominant", {"for": "k in 0..n", "param": "k", "do": \["scale", "eliminate"\]}\],' $O/lu.json &&
	grep -qx '  "entry_point": "dominant",' $O/lu.json; then
	ok manifest_kernels_pipeline
else
	bad manifest_kernels_pipeline "$(grep -A6 '"kernels"' $O/lu.json | tr '\n' ' ')"
fi
"$VYREC" build tests/corpus/kernels_pipeline.yaml -t ptx -o $O/kp.ptx --manifest $O/kp.json > /dev/null 2>&1
if grep -qx '  "pipeline": \["init", {"for": "k in 1..4", "param": "k", "do": \["step", "step_1", {"repeat": "2", "do": \["step", "step_1"\]}\]}, "fin"\],' $O/kp.json &&
	grep -q '{"kernel": "step", "entry_point": "step_1", "workgroup_size": \[64, 1, 1\], "dispatch": \["512"\], "shared": \[{"name": "s", "type": "u32", "count": 64}\]}' $O/kp.json; then
	ok manifest_parts
else
	bad manifest_parts "$(grep -A8 '"kernels"' $O/kp.json | tr '\n' ' ')"
fi
"$VYREC" build samples/saxpy.yaml -t spv -o $O/saxpy.spv --manifest $O/saxpy.json > /dev/null 2>&1
! grep -q '"kernels"\|"pipeline"' $O/saxpy.json && grep -q '"entry_point": "main"' $O/saxpy.json &&
	ok manifest_1_0_unchanged || bad manifest_1_0_unchanged

# the features a later kernel's part needs are the program's too
cat > $O/feat.yaml <<'EOF2'
vyrec: 1
name: feat
params: {n: u32}
buffers:
  y: {type: f32, count: n, access: read_write}
  s: {type: f32, count: 1, access: read_write}
kernels:
  a:
    workgroup_size: [64]
    dispatch: [n]
    entry: ["y[gid.x] = 1.0"]
  b:
    workgroup_size: [64]
    dispatch: [n]
    entry: ["atomic.add(s[0u], y[gid.x] * f32(f64(n) * 0.5d))"]
EOF2
"$VYREC" build $O/feat.yaml -t spv -o $O/feat.spv --manifest $O/feat.json > /dev/null 2>&1
grep -q '"features": \["shaderFloat64", "shaderBufferFloat32AtomicAdd"\]' $O/feat.json &&
	ok manifest_features_of_every_part || bad manifest_features_of_every_part "$(grep features $O/feat.json)"

# ---- the reference backend runs the pipeline ----
out=$("$VYREC" run tests/corpus/kernels_pipeline.yaml --backend reference --print acc 2>&1)
[ "$out" = "acc: 9 0 0 0" ] && ok run_pipeline_count || bad run_pipeline_count "$out"
# jacobi: one step of a = b = 1: b inside 0.33333 * 3, then a[1] is
# 0.33333 * (1 + 2 * 0.99999) and a[2] 0.33333 * 3 * 0.99999
out=$("$VYREC" run samples/jacobi1d.yaml --backend reference --param n=5 --param tsteps=1 \
	--in a=const:1 --in b=const:1 --print a 2>&1)
[ "$out" = "a: 1 0.99998337 0.999980032 0.99998337 1" ] && ok run_jacobi_step || bad run_jacobi_step "$out"
out=$("$VYREC" run samples/sum2pass.yaml --backend reference --param n=1000 --in x=const:0.5 --print total 2>&1)
[ "$out" = "total: 500" ] && ok run_sum2pass || bad run_sum2pass "$out"
out=$("$VYREC" run samples/normalize.yaml --backend reference --param n=300 --in x=const:2 --print norm 2>&1)
[ "$out" = "norm: 34.6410179" ] && ok run_normalize_grid || bad run_normalize_grid "$out"
# prefixsum past 256 workgroups (the totals kernel's carry loop): y[i] = i + 1
"$VYREC" run samples/prefixsum.yaml --backend reference --param n=70000 --in x=const:1 \
	--out y=$O/ps.bin > $O/ps.log 2>&1
if LC_ALL=C awk 'BEGIN { for (i = 1; i <= 70000; i++) printf "%c%c%c%c", i % 256, int(i / 256) % 256, int(i / 65536), 0 }' > $O/ps.want &&
	cmp -s $O/ps.bin $O/ps.want; then
	ok run_prefixsum_carry
else
	bad run_prefixsum_carry "$(head -2 $O/ps.log) $(cmp $O/ps.bin $O/ps.want 2>&1)"
fi
# a host for variable need not be given (lu's k)
out=$("$VYREC" run samples/lu.yaml --backend reference --param n=2 --in a=const:1 --print a 2>&1)
[ "$out" = "a: 4 0.25 1 3.75" ] && ok run_lu_host_for || bad run_lu_host_for "$out"
# a host for over a param that sizes a buffer
cat > $O/resize.yaml <<'YAML'
vyrec: 1
name: resize
params: {n: u32}
buffers:
  x: {type: u32, count: n, access: read_write}
kernels:
  a:
    workgroup_size: [1]
    dispatch: [1]
    entry: ["x[0] = 1u"]
pipeline:
  - for: n in 1..3
    do: [a]
YAML
"$VYREC" run $O/resize.yaml --backend reference --param n=4 > $O/resize.log 2>&1
rc=$?
[ $rc -ne 0 ] && grep -q "buffer 'x' changes its count inside the pipeline" $O/resize.log &&
	ok run_count_changes || bad run_count_changes "exit $rc: $(head -2 $O/resize.log)"
out=$("$VYREC" run samples/jacobi1d.yaml --backend reference --param n=64 --param tsteps=3 --bench 3 2>&1)
echo "$out" | grep -q '^bench: 3 runs of the pipeline on reference' && ok run_bench_pipeline || bad run_bench_pipeline "$out"
echo "$out" | grep -q '^bench: the pipeline ran as ' && ok run_bench_pipeline_note || bad run_bench_pipeline_note "$out"

# ---- refusals ----
"$VYREC" launcher samples/softmax.yaml -t spv --lang c -o $O/launch > $O/launch.log 2>&1
rc=$?
[ $rc -eq 0 ] && [ -e $O/launch/Makefile ] &&   # t_launcher_c.sh runs them
	ok launcher_pipeline || bad launcher_pipeline "exit $rc: $(head -2 $O/launch.log)"
"$VYREC" run samples/sum2pass.yaml --backend reference --param n=8 --stream x=iota@8 --chunk 4 > $O/stream.log 2>&1
rc=$?
[ $rc -eq 2 ] && grep -q 'stream runs a program of one kernel' $O/stream.log &&
	ok stream_refused || bad stream_refused "exit $rc: $(head -2 $O/stream.log)"

# ---- verify: the pipeline on lavapipe against the reference ----
if ! have_backend vulkan; then
	bad vulkan_device "vyrec backends reports no vulkan device (lavapipe: make deps)"
	exit 0
fi
for p in $PROGS; do
	n=$(basename "$p" .yaml)
	for o in -O0 -O1; do
		"$VYREC" verify "$p" --backends vulkan $o > $O/$n$o.verify 2>&1
		rc=$?
		[ $rc -eq 0 ] && grep -q '^vulkan.*: PASS' $O/$n$o.verify && ok "verify_spv_${n}$o" ||
			bad "verify_spv_${n}$o" "exit $rc: $(head -2 $O/$n$o.verify | tr '\n' ' ')"
	done
	# through glsl: each part's file compiled by glslang, loaded in its place
	d=$O/gl_$n
	if "$VYREC" build "$p" -t glsl -o $d > $O/$n.gl.log 2>&1; then
		okc=1
		for c in $d/*.comp; do
			glslangValidator -V --target-env vulkan1.1 -o "${c%.comp}.spv" "$c" >> $O/$n.gl.log 2>&1 || okc=0
		done
		base=$(sed -n 's/^name: //p' "$p")
		VYREC_SPV_OVERRIDE="$d/$base.%s.spv" "$VYREC" verify "$p" --backends vulkan > $O/$n.gl.verify 2>&1
		rc=$?
		[ $okc = 1 ] && [ $rc -eq 0 ] && grep -q '^vulkan.*: PASS' $O/$n.gl.verify && ok "verify_glsl_$n" ||
			bad "verify_glsl_$n" "exit $rc: $(head -2 $O/$n.gl.verify $O/$n.gl.log | tr '\n' ' ')"
	else
		bad "verify_glsl_$n" "$(head -2 $O/$n.gl.log)"
	fi
done
# larger sizes than verify's defaults
vcase() {
	n=$1; shift
	"$VYREC" verify "$@" --backends vulkan > $O/$n.verify 2>&1 && grep -q '^vulkan.*: PASS' $O/$n.verify &&
		ok "$n" || bad "$n" "$(head -2 $O/$n.verify | tr '\n' ' ')"
}
vcase verify_softmax_wide samples/softmax.yaml --param rows=5 --param cols=1000
vcase verify_sum2pass_odd samples/sum2pass.yaml --param n=100003
vcase verify_jacobi_long samples/jacobi1d.yaml --param n=3000 --param tsteps=50
vcase verify_lu_64 samples/lu.yaml --param n=40
vcase verify_normalize_odd samples/normalize.yaml --param n=70001
vcase verify_prefixsum_long samples/prefixsum.yaml --param n=200001
# a 64-bit param reaches every dispatch of a pipeline with both words
# (reference, and lavapipe through spv); the launchers refuse it with a Fix
for b in reference vulkan; do
	"$VYREC" run tests/kernels/pipe_u64_param.yaml --backend $b --param a=81985529216486895 \
		--out out=$O/p64.$b.bin > $O/p64.$b.log 2>&1
	got=$(od -A n -t x8 $O/p64.$b.bin 2>/dev/null | tr -s ' ' | sed 's/^ //')
	[ "$got" = "0123456789abcdef 0123456789abcdf0" ] && ok "pipeline_u64_param_$b" ||
		bad "pipeline_u64_param_$b" "got '$got' $(head -2 $O/p64.$b.log | tr '\n' ' ')"
done
"$VYREC" launcher tests/kernels/pipe_u64_param.yaml -t spv --lang c -o $O/p64l > $O/p64l.log 2>&1
rc=$?
[ $rc -eq 1 ] || [ $rc -eq 2 ] && grep -q "64-bit params to pipelines" $O/p64l.log && grep -q "Fix:" $O/p64l.log &&
	[ ! -e $O/p64l ] && ok launcher_pipeline_u64_param_refused ||
	bad launcher_pipeline_u64_param_refused "exit $rc: $(head -2 $O/p64l.log | tr '\n' ' ')"
