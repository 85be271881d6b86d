#!/bin/sh
# t_cli.sh: the command line as a newcomer meets it (issue #17): did-you-mean
# for commands, options, targets, backends, dialects, buffers and params,
# with exit codes, and (further down) --color, --print-format and the
# "vyrec:" prefix of command-line messages.
. tests/lib.sh
export NO_COLOR=1
O=tests/out/cli
mkdir -p $O
S=samples/saxpy.yaml
P="--param n=4 --param a=2"

# expect NAME EXIT TEXT ARGS...: exit code EXIT and TEXT (fixed string) in stderr
expect() {
	n=$1 want=$2 text=$3; shift 3
	"$VYREC" "$@" > $O/$n.out 2> $O/$n.err
	rc=$?
	if [ $rc -ne "$want" ]; then
		bad "$n" "exit $rc, want $want: $(head -c 200 $O/$n.err)"
	elif ! grep -qF -- "$text" $O/$n.err; then
		bad "$n" "no '$text' in: $(head -c 300 $O/$n.err | tr '\n' '|')"
	else
		ok "$n"
	fi
}

expect suggest_command 2 "Fix: did you mean 'vyrec build'?" buld $S
expect suggest_option 2 "did you mean '--help'?" --hlep
expect suggest_target 2 "Fix: did you mean 'spv'?" build $S -t spvv
expect suggest_backend 3 "Fix: did you mean '--backend reference'?" run $S $P --backend refrence
expect suggest_backends 2 "Fix: did you mean 'reference'?" verify $S --backends refrence
expect suggest_param 2 "Fix: did you mean 'n'?" run $S --param nn=4 --param a=2 -b reference
expect suggest_buffer_print 2 "Fix: did you mean 'y'?" run $S $P -b reference --print yy
expect suggest_buffer_in 2 "Fix: did you mean 'x'?" run $S $P -b reference --in xx=iota
expect suggest_dialect 2 "Fix: did you mean 'vyrec ops math'?" ops mth
expect suggest_dialect_none 2 "Fix: the built-in dialects are core, math and atomic" ops zzz

# ---- build with several -t and --manifest FILE: FILE holds every target ----
rm -rf $O/m && mkdir -p $O/m
if "$VYREC" build $S -t spv -t ptx -t glsl -o $O/m --manifest $O/m/all.json 2> $O/m.err &&
   "$VYREC" build $S -t spv -o $O/m/one.spv --manifest $O/m/spv.json &&
   "$VYREC" build $S -t ptx -o $O/m/one.ptx --manifest $O/m/ptx.json &&
   "$VYREC" build $S -t glsl -o $O/m/one.comp --manifest $O/m/glsl.json; then
	why=$(python3 - $O/m <<'EOP'
import json, sys
d = sys.argv[1]
a = json.load(open(d + "/all.json"))
if a.get("schema") != "vyrec-artifacts-1":
    print("schema", a.get("schema"))
elif [x["target"] for x in a["artifacts"]] != ["spv", "ptx", "glsl"]:
    print("targets", [x["target"] for x in a["artifacts"]])
else:
    for x in a["artifacts"]:
        if x != json.load(open(d + "/" + x["target"] + ".json")):
            print("differs from the one-target manifest:", x["target"])
EOP
)
	extra=$(ls $O/m | grep -v '^\(all\|spv\|ptx\|glsl\)\.json$\|^saxpy\.\(spv\|ptx\|comp\)$\|^one\.' | tr '\n' ' ')
	if [ -n "$why" ]; then bad manifest_several_targets "$why"
	elif [ -n "$extra" ]; then bad manifest_several_targets "also wrote: $extra"
	else ok manifest_several_targets; fi
else
	bad manifest_several_targets "$(head -c 200 $O/m.err)"
fi
"$VYREC" build $S -t spv -o $O/m/x.spv --manifest $O/m/x.json &&
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(d["schema"] != "vyrec-artifact-1")' $O/m/x.json &&
	ok manifest_one_target_unchanged || bad manifest_one_target_unchanged "schema of a one-target manifest"

# ---- run --print-format ----
"$VYREC" run $S $P -b reference --in x=iota --in y=const:1 --print y --print-format hex > $O/hex.out 2>&1
[ "$(cat $O/hex.out)" = "y: 0x3f800000 0x40400000 0x40a00000 0x40e00000" ] && ok print_hex || bad print_hex "$(cat $O/hex.out)"
"$VYREC" run $S $P -b reference --in x=iota --in y=const:1 --print y --print-format dec > $O/dec.out 2>&1
[ "$(cat $O/dec.out)" = "y: 1 3 5 7" ] && ok print_dec || bad print_dec "$(cat $O/dec.out)"
cat > $O/i8.yaml <<'EOP'
vyrec: 1
name: k
workgroup_size: [4]
buffers:
  b: {type: i8, count: 4, access: read_write}
  s: {type: i32, count: 4, access: read_write}
dispatch: [4]
entry:
  - b[gid.x] = i32(gid.x) - 2
  - s[gid.x] = i32(gid.x) - 2
EOP
"$VYREC" run $O/i8.yaml -b reference --print b --print s --print-format hex > $O/hex8.out 2>&1
[ "$(cat $O/hex8.out)" = "b: 0xfe 0xff 0x00 0x01
s: 0xfffffffe 0xffffffff 0x00000000 0x00000001" ] && ok print_hex_widths || bad print_hex_widths "$(cat $O/hex8.out | tr '\n' '|')"
expect print_format_typo 2 "Fix: did you mean 'hex'?" run $S $P --print-format hx

# ---- --color ----
B=samples/errors/bad.yaml
esc=$(printf '\033')
"$VYREC" check $B --color=always 2> $O/c1.err; grep -q "$esc\[" $O/c1.err && ok color_always || bad color_always "no escape"
NO_COLOR= "$VYREC" check $B --color never 2> $O/c2.err; grep -q "$esc" $O/c2.err && bad color_never "escape" || ok color_never
NO_COLOR= "$VYREC" check $B 2> $O/c3.err; grep -q "$esc" $O/c3.err && bad color_auto_pipe "colour into a pipe" || ok color_auto_pipe
# auto on a terminal: colour; NO_COLOR still turns it off
tty_run() { python3 - "$@" <<'EOP'
import os, pty, sys
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
out = b""
while True:
    try:
        b = os.read(fd, 4096)
    except OSError:
        break
    if not b:
        break
    out += b
os.waitpid(pid, 0)
sys.stdout.write("ESC" if b"\x1b[" in out else "PLAIN")
EOP
}
[ "$(NO_COLOR= tty_run "$VYREC" check $B)" = ESC ] && ok color_auto_tty || bad color_auto_tty "no colour on a terminal"
[ "$(NO_COLOR=1 tty_run "$VYREC" check $B)" = PLAIN ] && ok color_auto_no_color || bad color_auto_no_color "colour with NO_COLOR"
[ "$(NO_COLOR= tty_run "$VYREC" check $B --color=never)" = PLAIN ] && ok color_never_tty || bad color_never_tty "colour with --color=never"
for c in build check launcher run verify ops targets backends help; do
	"$VYREC" help $c | grep -q '^  --color auto|always|never ' || { bad "color_every_command" "not in help $c"; continue 2; }
done
ok color_every_command
"$VYREC" targets --color=never > /dev/null 2>&1 && ok color_targets || bad color_targets "targets refuses --color"
expect color_typo 2 "Fix: did you mean 'never'?" check $B --color=nevr

# ---- every message from the command line starts with "vyrec" ----
# (located diagnostics start with FILE:LINE:COL; the rest with "vyrec:" or
# "vyrec CMD:"; Fix:, usage and source lines follow them)
i=0
for args in "check /nonexistent.yaml" "run /nonexistent.yaml" "build /nonexistent.yaml" \
	"build $S -o /nonexistent/dir/x.spv" "run $S $P -b reference --in x=/nonexistent.npy" \
	"run $S $P -b reference --out y=/nonexistent/dir/y.npy" "run $S $P --backend refrence" \
	"buld $S" "check $S --frob" "ops mth" "build $S -t spvv" "verify $S --backends refrence" \
	"run $S -b reference" "launcher $S -t spv --lang carg -o $O/l" "check" "--frob"; do
	i=$((i + 1))
	# shellcheck disable=SC2086
	"$VYREC" $args > /dev/null 2> $O/prefix.$i.err
	l=$(grep -v -e '^Fix: ' -e '^  Fix: ' -e '^usage: ' -e '^  *[0-9]* | ' -e '^  *| ' -e '^                 *\[' \
		-e '^[^ :]*\.yaml:[0-9]*:[0-9]*: ' -e '^vyrec: ' -e '^vyrec [a-z]*: ' $O/prefix.$i.err | head -1)
	if [ ! -s $O/prefix.$i.err ]; then bad "prefix_$i" "no message for: vyrec $args"
	elif [ -n "$l" ]; then bad "prefix_$i" "vyrec $args: a line without the prefix: $l"
	else ok "prefix_$i"; fi
done
