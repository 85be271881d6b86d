#!/bin/sh
# t_errors.sh: golden error cases and the samples.  Every tests/errors/*.yaml
# with a sibling .err is checked with `NO_COLOR=1 vyrec check FILE [ARGS]`
# (ARGS from a sibling .args): the exit code must be 1 (or the number in a
# sibling .exit) and stderr must equal the .err file.  UPDATE=1 rewrites
# the .err files instead (review them by eye).  Inputs too big or too deep
# to commit are generated into tests/out/.  Every samples/*.yaml must pass
# `vyrec check` silently.  The loader's textloc mapping is checked with
# tests/unit/test_load.c (a stub parser marks "@@").
. tests/lib.sh
export NO_COLOR=1
out=tests/out/errors
mkdir -p "$out"

# golden NAME FILE ERR EXIT [ARGS...]
golden() {
	n=$1 f=$2 e=$3 want=$4; shift 4
	"$VYREC" check "$f" "$@" > "$out/$n.stdout" 2> "$out/$n.stderr"
	rc=$?
	if [ -n "$UPDATE" ] && [ $rc -eq "$want" ]; then
		cmp -s "$out/$n.stderr" "$e" || { cp "$out/$n.stderr" "$e"; echo "updated $e"; }
	fi
	if [ $rc -ne "$want" ]; then
		bad "$n" "exit $rc, want $want; stderr: $(head -c 300 "$out/$n.stderr")"
	elif ! cmp -s "$out/$n.stderr" "$e"; then
		bad "$n" "stderr differs: $(diff "$e" "$out/$n.stderr" | head -8 | tr '\n' '|')"
	elif [ -s "$out/$n.stdout" ]; then
		bad "$n" "unexpected stdout"
	else
		ok "$n"
	fi
}

for f in tests/errors/*.yaml; do
	b=${f%.yaml}
	# UPDATE=1 also makes the .err of a new load_ or dialect_ case
	case "$UPDATE:$(basename "$b")" in
	?*:load_*|?*:dialect_*) [ -f "$b.err" ] || : > "$b.err" ;;
	esac
	[ -f "$b.err" ] || continue
	want=1
	[ -f "$b.exit" ] && want=$(cat "$b.exit")
	if [ -f "$b.args" ]; then
		# shellcheck disable=SC2046
		golden "$(basename "$b")" "$f" "$b.err" "$want" $(cat "$b.args")
	else
		golden "$(basename "$b")" "$f" "$b.err" "$want"
	fi
done

# first_line NAME FILE PATTERN: exit 1 and the first stderr line matches
first_line() {
	"$VYREC" check "$2" > /dev/null 2> "$out/$1.stderr"
	rc=$?
	l=$(head -1 "$out/$1.stderr")
	if [ $rc -ne 1 ]; then
		bad "$1" "exit $rc, want 1: $(head -c 200 "$out/$1.stderr")"
	elif echo "$l" | grep -q -- "$3"; then
		ok "$1"
	else
		bad "$1" "first line: $l"
	fi
}

g=tests/out/gen
mkdir -p $g
hdr='vyrec: 1
name: k
workgroup_size: [64]
params: {n: u32}'
# a 20 MiB file
{ echo "$hdr"; echo "entry:"; yes '  - let aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa = 1' | head -c 20971520; } > $g/big.yaml
first_line load_gen_20mib $g/big.yaml "^vyrec: error: program 'tests/out/gen/big.yaml' is larger than the 16 MiB input limit$"
# 200-deep YAML nesting, as flow lists and as nested ifs
{ echo "$hdr"; printf 'dispatch: '; i=0; while [ $i -lt 200 ]; do printf '['; i=$((i+1)); done; echo; } > $g/deep_flow.yaml
first_line load_gen_deep_flow $g/deep_flow.yaml "^tests/out/gen/deep_flow.yaml:5:[0-9]*: error: nesting deeper than 128 levels$"
{ echo "$hdr"; echo "entry:"; i=0; ind=''; while [ $i -lt 200 ]; do echo "$ind  - if: true"; echo "$ind    then:"; ind="$ind    "; i=$((i+1)); done; echo "$ind  - return"; } > $g/deep_if.yaml
first_line load_gen_deep_if $g/deep_if.yaml "^tests/out/gen/deep_if.yaml:[0-9]*:[0-9]*: error: nesting deeper than 128 levels$"
# more than 100000 statements
{ echo "$hdr"; echo "entry:"; yes '  - return' | head -n 100001; } > $g/stmts.yaml
first_line load_gen_statements $g/stmts.yaml "^tests/out/gen/stmts.yaml:100006:5: error: more than 100000 statements$"
# a 1 MiB literal
{ echo "$hdr"; echo "entry:"; printf '  - let x = '; head -c 1048576 /dev/zero | tr '\0' '7'; echo; } > $g/literal.yaml
first_line load_gen_literal $g/literal.yaml "^tests/out/gen/literal.yaml:6:5: error: statement is longer than the 64 KiB expression limit$"
# random bytes and truncated samples never crash (exit 1, a located error)
i=0
while [ $i -lt 20 ]; do
	head -c 4096 /dev/urandom > $g/random$i.yaml
	"$VYREC" check $g/random$i.yaml > /dev/null 2>&1; rc=$?
	[ $rc -eq 1 ] || bad "load_gen_random$i" "exit $rc"
	i=$((i+1))
done
ok load_gen_random
for s in samples/*.yaml; do
	sz=$(wc -c < "$s")
	for cut in 7 31 100 $((sz / 2)) $((sz - 5)); do
		head -c $cut "$s" > $g/cut.yaml
		"$VYREC" check $g/cut.yaml > /dev/null 2>&1; rc=$?
		[ $rc -eq 1 ] || [ $rc -eq 0 ] || bad "load_gen_truncated $s $cut" "exit $rc"
	done
done
ok load_gen_truncated

# samples pass check silently
for s in samples/*.yaml; do
	n=sample_$(basename "$s" .yaml)
	"$VYREC" check "$s" > "$out/$n.out" 2>&1
	rc=$?
	if [ $rc -eq 0 ] && [ ! -s "$out/$n.out" ]; then ok "$n"; else bad "$n" "exit $rc: $(head -c 300 "$out/$n.out")"; fi
done

# textloc: offsets in scalar values back to file columns, every style
if [ -f build/libvyrec.a ] && cc -std=c11 -D_GNU_SOURCE -g -Iinclude -Isrc -DSTUB_PARSER -o tests/out/test_load \
	tests/unit/test_load.c src/source.c src/textloc.c src/yaml_tree.c src/ast_build.c src/decls.c src/dialect.c src/arena.c src/buf.c src/diag.c src/json.c src/suggest.c src/ops.c \
	-lyaml -lpthread -lm 2> tests/out/test_load.log; then
	tests/out/test_load tests/unit/load_textloc.yaml > /dev/null 2> "$out/textloc.stderr"
	if cmp -s "$out/textloc.stderr" tests/unit/load_textloc.err; then ok load_textloc
	else bad load_textloc "$(diff tests/unit/load_textloc.err "$out/textloc.stderr" | head -6 | tr '\n' '|')"; fi
	tests/out/test_load samples/saxpy.yaml > "$out/saxpy.dump" 2>&1
	if grep -q '^buffer y binding 1! f32 count n access 2$' "$out/saxpy.dump"; then ok load_dump_saxpy; else bad load_dump_saxpy; fi
else
	bad load_textloc "test_load does not build: $(head -3 tests/out/test_load.log)"
fi
