#!/bin/sh
# t_diags.sh: errors after the front end are diagnostics (src/diag.c) like
# the front end's.  Under --diagnostics-format json a command's stderr is
# one JSON array holding every error it reported, the back half's too (an
# emitter refusal, a launcher emitter's error, a bad .npy input, an unknown
# backend, a usage error after the program was read, verify's "nothing was
# compared"), each with the message and the Fix as separate fields; in text
# mode the same errors print exactly as they always have.
. tests/lib.sh
export NO_COLOR=1
O=tests/out/diags
rm -rf "$O" && mkdir -p "$O"

# json_has NAME EXIT WANT_RC MSG_PREFIX FIX: stderr ($O/NAME.err) is
# exactly one JSON array with an error whose message starts with
# MSG_PREFIX and whose fix is FIX ("" for null), and the exit was WANT_RC.
json_has() {
	n=$1 rc=$2 want=$3
	if [ "$rc" -ne "$want" ]; then
		bad "$n" "exit $rc, want $want: $(head -c 300 "$O/$n.err")"
		return
	fi
	if why=$(python3 - "$O/$n.err" "$4" "$5" <<'EOF'
import json, sys
def fail(m):
    print(m)
    sys.exit(1)
text = open(sys.argv[1]).read()
try:
    v = json.loads(text)
except ValueError as e:
    fail("stderr is not one JSON value (%s): %r" % (e, text[:200]))
if not isinstance(v, list):
    fail("not an array")
want_fix = sys.argv[3] or None
for d in v:
    if d.get("severity") == "error" and d.get("message", "").startswith(sys.argv[2]):
        if d.get("fix") != want_fix:
            fail("fix is %r, want %r" % (d.get("fix"), want_fix))
        if d["message"].endswith(".") or d["message"].endswith("Fix:"):
            fail("message keeps a full stop or a Fix: %r" % d["message"])
        sys.exit(0)
fail("no error starting %r in %r" % (sys.argv[2], text[:300]))
EOF
	); then ok "$n"; else bad "$n" "$why"; fi
}

# text_is NAME EXIT WANT_RC LINE: stderr is exactly LINE (text mode).
text_is() {
	if [ "$2" -ne "$3" ]; then
		bad "$1" "exit $2, want $3: $(head -c 300 "$O/$1.err")"
	elif [ "$(cat "$O/$1.err")" = "$4" ]; then
		ok "$1"
	else
		bad "$1" "stderr: $(head -c 300 "$O/$1.err")"
	fi
}

S=samples/saxpy.yaml
RUN="run $S --param a=2 --param n=8"

# ---- an emitter refusal: more VM registers than the reference allows ----
{ printf 'vyrec: 1\nname: k\nworkgroup_size: [1024]\nparams: {n: u32}\n'
  printf 'buffers:\n  y: {binding: 0, type: u32, count: n, access: read_write}\n'
  printf 'dispatch: [n]\nentry:\n  - let i = gid.x\n  - let a0 = y[i]\n'
  i=1; while [ $i -le 17000 ]; do echo "  - let a$i = a0 * $i"; i=$((i+1)); done
  i=1; while [ $i -le 17000 ]; do echo "  - y[i] = y[i] + a$i"; i=$((i+1)); done
} > "$O/regs.yaml"
"$VYREC" build "$O/regs.yaml" -t reference -o "$O/regs.vbc" --diagnostics-format json 2> "$O/json_emitter_refusal.err"
json_has json_emitter_refusal $? 1 "kernel compile failed for target \`reference\`: the program needs 18029 VM registers" \
	"use fewer locals or a smaller workgroup"
"$VYREC" build "$O/regs.yaml" -t reference -o "$O/regs.vbc" 2> "$O/text_emitter_refusal.err"
text_is text_emitter_refusal $? 1 "vyrec: kernel compile failed for target \`reference\`: the program needs 18029 VM registers of 1024 lanes; the reference VM allows 16777216 words. Fix: use fewer locals or a smaller workgroup"

# ---- a launcher emitter's error: a project name the Makefile owns ----
"$VYREC" launcher $S -t reference --lang c -o "$O/proj" --name all --diagnostics-format json 2> "$O/json_launcher_error.err"
json_has json_launcher_error $? 1 "launcher generation failed: the name 'all' is taken by the generated project" \
	"pass --name with another identifier"
"$VYREC" launcher $S -t reference --lang c -o "$O/proj2" --name all 2> "$O/text_launcher_error.err"
text_is text_launcher_error $? 1 "vyrec: launcher generation failed: the name 'all' is taken by the generated project (a Makefile target or one of its files). Fix: pass --name with another identifier"

# ---- run: a data error (a .npy that is not one) ----
echo garbage > "$O/bad.npy"
"$VYREC" $RUN --backend reference --in x="$O/bad.npy" --diagnostics-format json 2> "$O/json_run_bad_npy.err"
json_has json_run_bad_npy $? 1 "buffer 'x': '$O/bad.npy' is not a .npy file" \
	"write it with numpy.save, or give it another extension to read raw little-endian elements"
"$VYREC" $RUN --backend reference --in x="$O/bad.npy" 2> "$O/text_run_bad_npy.err"
text_is text_run_bad_npy $? 1 "vyrec run: buffer 'x': '$O/bad.npy' is not a .npy file (no \\x93NUMPY magic). Fix: write it with numpy.save, or give it another extension to read raw little-endian elements"

# ---- a backend error: an id no backend registers ----
"$VYREC" $RUN --backend nosuch --diagnostics-format json 2> "$O/json_backend_unknown.err"
json_has json_backend_unknown $? 3 "backend \`nosuch\` is not linked into this binary" \
	"link the driver that registers this backend or choose one of the registered backend ids: cuda, vulkan, reference."
"$VYREC" $RUN --backend nosuch 2> "$O/text_backend_unknown.err"
text_is text_backend_unknown $? 3 "vyrec run: backend \`nosuch\` is not linked into this binary. Fix: link the driver that registers this backend or choose one of the registered backend ids: cuda, vulkan, reference."

# ---- a usage error found after the program was read ----
"$VYREC" run $S --param a=2 --backend reference --diagnostics-format json 2> "$O/json_missing_param.err"
json_has json_missing_param $? 2 "missing --param for n" "give every param of 'saxpy', e.g. --param n=..."

# ---- verify with nothing to compare with ----
"$VYREC" verify $S --backends reference --diagnostics-format json > /dev/null 2> "$O/json_verify_nothing.err"
json_has json_verify_nothing $? 3 "nothing was compared: no backend besides the reference ran here" \
	"\`vyrec backends\` shows why each backend does not initialise; install its driver, or name one that initialises with --backends"

# ---- front-end errors still come as one array, and success as [] ----
printf 'vyrec: 1\nname: k\nworkgroup_size: [64]\ndispatch: [64]\nentry:\n  - let x = nosuch\n' > "$O/front.yaml"
"$VYREC" run "$O/front.yaml" --backend reference --diagnostics-format json 2> "$O/json_front_end.err"
json_has json_front_end $? 1 "undefined name 'nosuch'" "declare it first with 'let' or 'var', or add it to 'params:'"
"$VYREC" $RUN --backend reference --diagnostics-format json > /dev/null 2> "$O/json_run_ok.err"
rc=$?
if [ $rc -eq 0 ] && [ "$(cat "$O/json_run_ok.err")" = "[]" ]; then ok json_run_ok
else bad json_run_ok "exit $rc: $(head -c 200 "$O/json_run_ok.err")"; fi

# ---- check.c: what verify and the self-tests share (tests/unit/test_check.c) ----
if cc_unit "$O/test_check" tests/unit/test_check.c 2> "$O/test_check.log"; then
	"$O/test_check" 2>&1 || bad check_unit "test_check exited $?"
else
	bad check_unit "test_check does not build: $(head -3 "$O/test_check.log")"
fi

# ---- one registry lookup (vy_reg_find) for emitters, launchers and
# backends, with did-you-mean from the same names it matches ----
"$VYREC" build --diagnostics-format json $S -t spvv -o "$O/x.spv" 2> "$O/json_target_typo.err"
json_has json_target_typo $? 2 "unknown target 'spvv'; the registered targets are spv, ptx, glsl, reference" "did you mean 'spv'?"
"$VYREC" build --diagnostics-format json $S -t primary_binry -o "$O/x.spv" 2> "$O/json_alias_typo.err"
json_has json_alias_typo $? 2 "unknown target 'primary_binry'" "did you mean 'primary_binary'?"
"$VYREC" build $S -t spirv -o "$O/alias.spv" 2> "$O/alias.err" && [ -s "$O/alias.spv" ] && ok target_alias_found || bad target_alias_found "$(head -c 200 "$O/alias.err")"
"$VYREC" launcher --diagnostics-format json $S -t spv --lang carg -o "$O/l" 2> "$O/json_lang_typo.err"
json_has json_lang_typo $? 2 "no launcher for --lang carg with target 'spv'" "did you mean 'cargo'?"
"$VYREC" launcher --diagnostics-format json $S -t ptxx --lang c -o "$O/l" 2> "$O/json_launch_target_typo.err"
json_has json_launch_target_typo $? 2 "no launcher for --lang c with target 'ptxx'" "did you mean 'ptx'?"
"$VYREC" $RUN --backend vulkn 2> "$O/text_backend_typo.err"
text_is text_backend_typo $? 3 "vyrec run: unknown backend 'vulkn'
Fix: did you mean '--backend vulkan'? ('vyrec backends' lists them)"

# --backend auto with no GPU driver: the message quotes each factory's
# error with its own Fix; the diagnostic's fix is the last, the command's
if have_libcuda; then
	skip_nvidia json_backend_auto_joined "this machine has libcuda.so.1"
else
	VK_ICD_FILENAMES=/nonexistent.json VK_DRIVER_FILES=/nonexistent.json \
		"$VYREC" $RUN --diagnostics-format json 2> "$O/json_backend_auto_joined.err"
	json_has json_backend_auto_joined $? 3 "no usable GPU dispatch backend is available (cuda: " \
		"install or repair a GPU driver (libcuda.so.1, or libvulkan.so.1 with an ICD such as lavapipe) so a GPU backend initialises, or choose the CPU reference oracle explicitly with --backend reference; it is never selected implicitly"
fi

# ---- emitter refusals recorded with the fix a field (vy_emit_reject) ----
# spv/glsl: subgroup ops under vulkan1.0; a part of a multi-kernel program
# (its part named); glsl's one file per part with -o -.  Each JSON entry
# is checked against doc/schema/diagnostics.schema.json in t_schema.sh.
SG=tests/corpus/subgroup_ballot.yaml
"$VYREC" build $SG -t spv --target-env vulkan1.0 -o "$O/sg.spv" --diagnostics-format json 2> "$O/json_emit_subgroup_spv.err"
json_has json_emit_subgroup_spv $? 1 "kernel compile failed for target \`spv\`: subgroup operations need SPIR-V 1.3" \
	"use --target-env vulkan1.1 or later"
"$VYREC" build $SG -t spv --target-env vulkan1.0 -o "$O/sg.spv" 2> "$O/text_emit_subgroup_spv.err"
text_is text_emit_subgroup_spv $? 1 "vyrec: kernel compile failed for target \`spv\`: subgroup operations need SPIR-V 1.3. Fix: use --target-env vulkan1.1 or later"
"$VYREC" build $SG -t glsl --target-env vulkan1.0 -o "$O/sg.comp" --diagnostics-format json 2> "$O/json_emit_subgroup_glsl.err"
json_has json_emit_subgroup_glsl $? 1 "kernel compile failed for target \`glsl\`: subgroup operations need SPIR-V 1.3" \
	"use --target-env vulkan1.1 or later"
{ printf 'vyrec: 1\nname: parts\nparams: {n: u32}\n'
  printf 'buffers:\n  y: {type: u32, count: n, access: read_write}\nkernels:\n'
  printf '  first:\n    workgroup_size: [64]\n    dispatch: [n]\n    entry:\n      - y[gid.x] = 1u\n'
  printf '  second:\n    workgroup_size: [64]\n    dispatch: [n]\n    entry:\n'
  printf '      - y[gid.x] = subgroup.add(y[gid.x])\npipeline: [first, second]\n'
} > "$O/parts.yaml"
"$VYREC" build "$O/parts.yaml" -t spv --target-env vulkan1.0 -o "$O/parts.spv" --diagnostics-format json 2> "$O/json_emit_part.err"
json_has json_emit_part $? 1 "kernel compile failed for target \`spv\`: kernel part 'second': subgroup operations need SPIR-V 1.3" \
	"use --target-env vulkan1.1 or later"
"$VYREC" build "$O/parts.yaml" -t spv --target-env vulkan1.0 -o "$O/parts.spv" 2> "$O/text_emit_part.err"
text_is text_emit_part $? 1 "vyrec: kernel compile failed for target \`spv\`: kernel part 'second': subgroup operations need SPIR-V 1.3. Fix: use --target-env vulkan1.1 or later"
"$VYREC" build samples/prefixsum.yaml -t glsl -o - --diagnostics-format json 2> "$O/json_emit_glsl_parts.err" > /dev/null
json_has json_emit_glsl_parts $? 1 "kernel compile failed for target \`glsl\`: 'prefixsum' has 3 kernel parts and glsl writes a file for each" \
	"name a directory with -o DIR"
"$VYREC" build samples/prefixsum.yaml -t glsl -o - 2> "$O/text_emit_glsl_parts.err" > /dev/null
text_is text_emit_glsl_parts $? 1 "vyrec: kernel compile failed for target \`glsl\`: 'prefixsum' has 3 kernel parts and glsl writes a file for each. Fix: name a directory with -o DIR"

# ---- command errors that printed text even under json ----
"$VYREC" ops nosuch --diagnostics-format json 2> "$O/json_ops_dialect.err" > /dev/null
json_has json_ops_dialect $? 2 "unknown dialect 'nosuch'" \
	"the built-in dialects are core, math and atomic; load others with --dialect FILE"
"$VYREC" ops mth 2> "$O/text_ops_dialect.err" > /dev/null
text_is text_ops_dialect $? 2 "vyrec ops: unknown dialect 'mth'
Fix: did you mean 'vyrec ops math'?"
"$VYREC" $RUN --backend vulkn --diagnostics-format json 2> "$O/json_backend_typo.err"
json_has json_backend_typo $? 3 "unknown backend 'vulkn'" "did you mean '--backend vulkan'? ('vyrec backends' lists them)"

# ---- diag.c: splitting, exact text, copies (tests/unit/test_diag.c) ----
if cc_unit "$O/test_diag" tests/unit/test_diag.c 2> "$O/test_diag.log"; then
	"$O/test_diag" 2>&1 || bad diag_unit "test_diag exited $?"
else
	bad diag_unit "test_diag does not build: $(head -3 "$O/test_diag.log")"
fi
