#!/bin/sh
# tests/t_glsl.sh: the glsl target.  The emitter on hand-built IR covering
# every op (tests/unit/glsl_sink.c); every sample, corpus and glsl test
# program built with `vyrec build -t glsl`, compiled by glslangValidator
# and checked by spirv-val; float + - * all NoContraction in glslang's
# SPIR-V; golden .comp files (UPDATE=1 regenerates them); determinism; and
# at run time glslang's SPIR-V swapped in for the spv target's
# (VYREC_SPV_OVERRIDE) must pass `vyrec verify` on lavapipe and give the
# same bits as the spv target on the edge-case programs.
. tests/lib.sh
O=tests/out/glsl
rm -rf "$O"
mkdir -p "$O"

have() { command -v "$1" >/dev/null 2>&1; }

# glslangValidator and spirv-val over a .comp: 0 when both accept it.
# $2 is the SPIR-V output, $3 the Vulkan minor version.
spv_of() {
	glslangValidator -V --target-env "vulkan1.${3:-1}" -o "$2" "$1" \
		> "$2.log" 2>&1 &&
	spirv-val --target-env "vulkan1.${3:-1}" "$2" >> "$2.log" 2>&1
}

# Every OpFAdd/OpFSub/OpFMul result in $1 carries NoContraction.
all_precise() {
	spirv-dis --raw-id "$1" 2>/dev/null | awk '
		/OpDecorate %[0-9]+ NoContraction/ { nc[$2] = 1 }
		/= Op(FAdd|FSub|FMul) / { ops[$1] = 1; n++ }
		END { for (i in ops) if (!(i in nc)) { print "not precise: " i; bad = 1 }
		      if (n == 0) { print "no float arithmetic"; bad = 1 }
		      exit bad }'
}

# ---- the emitter alone, on hand-built IR ----
if ! cc_unit "$O/sink" tests/unit/glsl_sink.c > "$O/sink.cc" 2>&1; then
	bad glsl_sink_build "$(head -3 "$O/sink.cc")"
elif "$O/sink" "$O/sink.comp" "$O/sink.spv" > "$O/sink.err" 2>&1; then
	ok glsl_sink_every_op
	if spv_of "$O/sink.comp" "$O/sink2.spv"; then
		ok glsl_sink_glslangValidator_spirv_val
	else
		bad glsl_sink_glslangValidator_spirv_val "$(head -3 "$O/sink2.spv.log")"
	fi
	if spirv-val --target-env vulkan1.1 "$O/sink.spv" > "$O/sink.val" 2>&1; then
		ok glsl_sink_inprocess_spirv_valid
	else
		bad glsl_sink_inprocess_spirv_valid "$(head -3 "$O/sink.val")"
	fi
	if r=$(all_precise "$O/sink.spv"); then
		ok glsl_sink_no_contraction
	else
		bad glsl_sink_no_contraction "$r"
	fi
	# a description cannot break out of the header comment
	if grep -q '^//   and a \\x5c backslash \*/ and' "$O/sink.comp" &&
	   [ "$(grep -c '^#version 450$' "$O/sink.comp")" = 1 ]; then
		ok glsl_sink_comment_escaped
	else
		bad glsl_sink_comment_escaped "header comment not as expected"
	fi
else
	bad glsl_sink_every_op "$(head -5 "$O/sink.err")"
fi

# ---- vyrec build -t glsl ----
printf 'vyrec: 1\nname: probe\nworkgroup_size: [1]\ndispatch: [1]\nentry: [return]\n' > "$O/probe.yaml"
if ! "$VYREC" build "$O/probe.yaml" -t glsl -o "$O/probe.comp" > "$O/probe.log" 2>&1; then
	bad glsl_build "vyrec build -t glsl fails: $(head -1 "$O/probe.log")"
	exit 0
fi

progs=$(ls samples/*.yaml tests/corpus/*.yaml tests/glsl/*.yaml \
	tests/compile/glsl_*.yaml 2>/dev/null)
for p in $progs; do
	n=$(echo "$p" | sed 's|/|_|g; s|\.yaml$||')
	# programs that do not check are the error tests of other suites
	"$VYREC" check "$p" > /dev/null 2>&1 || continue
	# several kernel parts write a file each: t_kernels.sh builds those
	grep -qE '^kernels:|grid_barrier' "$p" && continue
	if ! "$VYREC" build "$p" -t glsl -o "$O/$n.comp" > "$O/$n.log" 2>&1; then
		bad "glsl_build_$n" "$(head -3 "$O/$n.log")"
		continue
	fi
	if spv_of "$O/$n.comp" "$O/$n.spv"; then
		ok "glsl_validate_$n"
	else
		bad "glsl_validate_$n" "$(head -3 "$O/$n.spv.log")"
		continue
	fi
	"$VYREC" build "$p" -t glsl -o "$O/$n.again.comp" > /dev/null 2>&1
	if cmp -s "$O/$n.comp" "$O/$n.again.comp"; then
		ok "glsl_deterministic_$n"
	else
		bad "glsl_deterministic_$n" "two builds differ"
	fi
done

# ---- golden files ----
for y in tests/compile/glsl_*.yaml; do
	[ -f "$y" ] || continue
	g=${y%.yaml}.comp
	n=$(basename "$y" .yaml)
	if ! "$VYREC" build "$y" -t glsl -o - > "$O/$n.golden" 2> "$O/$n.golden.log"; then
		bad "glsl_golden_$n" "$(head -3 "$O/$n.golden.log")"
		continue
	fi
	if [ -n "$UPDATE" ]; then
		cp "$O/$n.golden" "$g"
	fi
	if [ ! -f "$g" ]; then
		bad "glsl_golden_$n" "no $g (run with UPDATE=1)"
	elif diff -u "$g" "$O/$n.golden" > "$O/$n.diff"; then
		ok "glsl_golden_$n"
	else
		bad "glsl_golden_$n" "$(head -12 "$O/$n.diff" | tr '\n' ' ')"
	fi
done

# ---- target environments and --no-validate ----
y=tests/compile/glsl_histogram.yaml
for v in 0 1 2 3; do
	if "$VYREC" build "$y" -t glsl --target-env "vulkan1.$v" -o "$O/env$v.comp" \
		> "$O/env$v.log" 2>&1 && spv_of "$O/env$v.comp" "$O/env$v.spv" "$v"; then
		ok "glsl_target_env_vulkan1.$v"
	else
		bad "glsl_target_env_vulkan1.$v" "$(cat "$O/env$v.log" "$O/env$v.spv.log" 2>/dev/null | head -3)"
	fi
done
if "$VYREC" build "$y" -t glsl --no-validate -o "$O/noval.comp" > /dev/null 2>&1 &&
   cmp -s "$O/noval.comp" "$O/env1.comp"; then
	ok glsl_no_validate_same_text
else
	bad glsl_no_validate_same_text "--no-validate output differs or failed"
fi
if "$VYREC" build "$y" -t primary_text -o "$O/alias.comp" > /dev/null 2>&1 &&
   cmp -s "$O/alias.comp" "$O/env1.comp"; then
	ok glsl_alias_primary_text
else
	bad glsl_alias_primary_text "-t primary_text differs or failed"
fi

# ---- run time: glslang's SPIR-V in place of the spv target's ----
if ! have_backend vulkan; then
	skip glsl_runtime "no vulkan device here ($VYREC backends): make deps installs lavapipe (mesa-vulkan-drivers)"
	exit 0
fi

# The edge-case programs: glsl and spv must give the same bits in their
# integer outputs (exact results; f32 outputs hold ops with an error bound,
# which the targets may meet differently, and are left to verify).
for y in tests/glsl/edges_*.yaml; do
	n=$(basename "$y" .yaml)
	outs=$(awk '/^buffers:/ { b = 1; next } /^[a-z]/ { b = 0 }
		b && /type: [ui]32/ && /access: (write_only|read_write)/ {
			sub(":", "", $1); print $1 }' "$y")
	args_s="" args_g=""
	for b in $outs; do
		args_s="$args_s --out $b=$O/$n.spv.$b.bin"
		args_g="$args_g --out $b=$O/$n.glsl.$b.bin"
	done
	if ! "$VYREC" run "$y" --backend vulkan --param n=4096 $args_s > "$O/$n.run.log" 2>&1; then
		bad "glsl_runtime_bits_$n" "vyrec run fails: $(head -1 "$O/$n.run.log")"
		continue
	fi
	if ! VYREC_SPV_OVERRIDE="$O/tests_glsl_$n.spv" "$VYREC" run "$y" --backend vulkan \
		--param n=4096 $args_g > "$O/$n.run.log" 2>&1; then
		bad "glsl_runtime_bits_$n" "$(head -3 "$O/$n.run.log")"
		continue
	fi
	same=1
	for b in $outs; do
		cmp -s "$O/$n.spv.$b.bin" "$O/$n.glsl.$b.bin" || same=0
	done
	if [ $same = 1 ]; then
		ok "glsl_runtime_bits_$n"
	else
		bad "glsl_runtime_bits_$n" "glsl and spv outputs differ"
	fi
done

# Every program: `vyrec verify --backends vulkan` with glslang's SPIR-V.
for p in $progs; do
	n=$(echo "$p" | sed 's|/|_|g; s|\.yaml$||')
	[ -f "$O/$n.spv" ] || continue
	extra=""
	case $p in tests/glsl/*) extra="--param n=4096" ;; esac
	VYREC_SPV_OVERRIDE="$O/$n.spv" "$VYREC" verify "$p" --backends vulkan $extra \
		> "$O/$n.verify" 2>&1
	rc=$?
	if [ $rc -eq 0 ] && grep -q 'vulkan.*PASS' "$O/$n.verify"; then
		ok "glsl_verify_$n"
	else
		bad "glsl_verify_$n" "exit $rc: $(grep -v '^ *$' "$O/$n.verify" | head -4 | tr '\n' ' ')"
	fi
done
