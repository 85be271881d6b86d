#!/bin/sh
# tests/t_options.sh: the command options are one table (src/options.c)
# that drives the parser, `vyrec help CMD` and vyrec(1).  Checked here:
# every command's options (the syntax each accepted before the tables,
# written out below) are exactly those `vyrec help CMD` lists, one line
# each; vyrec(1)'s SYNOPSIS and OPTIONS list exactly those, per command;
# every listed option is accepted by the parser in each of its spellings;
# and the usage errors: unknown options, commands, targets, languages and
# backends with a suggestion, a missing value, a value given to a flag.
. tests/lib.sh
O=tests/out/options
mkdir -p $O
P=samples/saxpy.yaml

# The contract: every option of every command, as `vyrec help` names them
# (a joined option as -O0|-O1|-O2).
C="--dialect -O0|-O1|-O2 --fast-math --diagnostics-format --color"
want_build="-t --target -o -O0|-O1|-O2 --arch --target-env --manifest --emit-asm --header --dialect -MD -MF --no-validate --time-report --dump-ir --fast-math --diagnostics-format --color --fma-mode -g --watch"
want_check="$C --watch"
want_launcher="-t --target --lang -o --name --selftest-param --selftest-in --bench --force --template-dir $C --time-report"
want_run="-b --backend --param --in --out --print --print-format --strict --device --stream --chunk --bench $C"
want_verify="--backends --param --in --seed --device --json $C"
want_ops="--json $C"
want_targets="--json --color"
want_backends="--json --color"
want_help="--color"
cmds="build check launcher run verify ops targets backends help"
sorted() { tr ' ' '\n' | grep -v '^$' | LC_ALL=C sort | tr '\n' ' '; }

# ---- vyrec --help: every command ----
$VYREC --help > $O/top.txt 2>&1; rc=$?
got=$(awk '/^commands:/ { on = 1; next } on && /^$/ { exit } on { print $1 }' $O/top.txt | tr '\n' ' ')
[ $rc -eq 0 ] && [ "$got" = "$cmds " ] && ok top_help_lists_commands || bad top_help_lists_commands "exit $rc: '$got'"
$VYREC help > $O/help.txt 2>&1
cmp -s $O/top.txt $O/help.txt && ok help_is_top_help || bad help_is_top_help
grep -q -- '--version' $O/top.txt && ok top_help_lists_version || bad top_help_lists_version

# ---- vyrec help CMD: every option, one line each ----
for c in $cmds; do
	$VYREC help $c > $O/help.$c 2>&1; rc=$?
	[ $rc -eq 0 ] || bad "help_$c" "exit $rc"
	# option lines: "  NAMES  SUMMARY"; the names are the words up to the
	# first double space
	sed -n '/^options:/,$p' $O/help.$c | sed -n 's/^  \([^ ].*\)/\1/p' | sed 's/  .*//' > $O/lines.$c
	got=$(tr ' ,' '\n\n' < $O/lines.$c | sed 's/\.\.\.$//' | grep '^-' | sorted)
	eval want=\"\$want_$c\"
	want=$(echo "$want" | sorted)
	[ "$got" = "$want" ] && ok "help_${c}_options" || bad "help_${c}_options" "help lists '$got', want '$want'"
	# one line per option row: a short and a long name share a line
	nrows=$(wc -l < $O/lines.$c)
	nlong=$(echo "$want" | tr ' ' '\n' | grep -c '^-')
	nshort=$(grep -c '^-[^-, ]*, --' $O/lines.$c)
	[ $((nrows + nshort)) -eq "$nlong" ] && ok "help_${c}_one_line_each" || bad "help_${c}_one_line_each" "$nrows lines for $nlong names"
	awk 'length($0) > 80 { bad = 1 } END { exit bad }' $O/help.$c && ok "help_${c}_fits_80" || bad "help_${c}_fits_80"
	head -1 $O/help.$c | grep -q "^usage: vyrec $c" && ok "help_${c}_usage" || bad "help_${c}_usage" "$(head -1 $O/help.$c)"
	$VYREC $c --help > $O/dash.$c 2>&1
	cmp -s $O/help.$c $O/dash.$c && ok "dash_help_$c" || bad "dash_help_$c" "vyrec $c --help differs from vyrec help $c"
done
# issue 12's three omissions, by name
grep -q -- '--fast-math' $O/help.launcher && grep -q -- '--time-report' $O/help.launcher &&
	grep -q -- '--diagnostics-format' $O/help.run && ok help_issue12_omissions || bad help_issue12_omissions

# ---- vyrec(1) agrees with the tables ----
if sh tools/man-options.sh "$VYREC" man/vyrec.1 --check > $O/man.diff 2>&1; then
	ok man_generated_sections_current
else
	bad man_generated_sections_current "run 'make man': $(head -5 $O/man.diff | tr '\n' ' ')"
fi
# Independently of the generator: the bold words (options) of each
# command's SYNOPSIS entry and of its OPTIONS subsection.
unesc() { sed 's/\\fB/\n\\fB/g' | sed -n 's/^\\fB\([^\\]*\(\\-[^\\]*\)*\)\\fR.*/\1/p' | sed 's/\\-/-/g'; }
for c in $cmds; do
	eval want=\"\$want_$c\"
	want=$(echo "$want" | sorted)
	syn=$(awk -v c="$c" '/^\.SH SYNOPSIS/ { s = 1 } /^\.SH DESCRIPTION/ { s = 0 }
		s && $0 == ".B vyrec " c { on = 1; next } on && /^\.br/ { on = 0 } on' man/vyrec.1 | unesc | sorted)
	use=$(sed -n '/^usage:/,/^$/p' $O/help.$c | tr ' []' '\n\n\n' | sed 's/\.\.\.$//' | grep '^-' | sorted)
	[ "$syn" = "$use" ] && ok "man_synopsis_$c" || bad "man_synopsis_$c" "man lists '$syn', the usage '$use'"
	# the usage names each option row (but a development one), by one name
	miss=$(grep -v '^--fma-mode' $O/lines.$c | sed 's/\.\.\.$//; s/,//' | awk -v use=" $use" '
		{ hit = 0; for (i = 1; i <= NF; i++) if (index(use, " " $i " ")) hit = 1; if (!hit) print $1 }')
	[ -z "$miss" ] && ok "usage_names_every_row_$c" || bad "usage_names_every_row_$c" "the usage lacks '$miss'"
	[ -z "$want" ] && continue
	sec=$(awk -v c="$c" '/^\.SH OPTIONS/ { s = 1; next } /^\.SH / { s = 0 }
		s && $0 == ".SS " c { on = 1; next } /^\.SS / { on = 0 } s && on' man/vyrec.1 | grep -v '^\.' | grep '^\\fB' | unesc | sorted)
	[ "$sec" = "$want" ] && ok "man_options_$c" || bad "man_options_$c" "man lists '$sec', want '$want'"
done

# ---- every listed option is accepted, in each spelling ----
# With no program the parse ends in "no program given" (or the command
# runs, for the listing commands): never "unknown option".
for c in $cmds; do
	[ "$c" = help ] && continue
	eval want=\"\$want_$c\"
	for o in $want; do
		case $o in -O0*) o=-O1 ;; esac
		# the option's argument name: the last word of its line, unless
		# that is a name (a flag)
		arg=$(sed 's/\.\.\.$//; s/,//' $O/lines.$c | awk -v o="$o" '{ for (i = 1; i <= NF; i++) if ($i == o) { print $NF; exit } }')
		case "$arg" in ""|-*) set -- "$o" ;; *) set -- "$o" x ;; esac
		$VYREC $c "$@" > $O/acc.out 2> $O/acc.err; rc=$?
		if [ $rc -eq 70 ] || grep -q "unknown option\|takes no value\|needs a value" $O/acc.err; then
			bad "accepts_${c}_$o" "$(head -1 $O/acc.err)"
		else
			ok "accepts_${c}_$o"
		fi
		if [ $# -eq 2 ] && [ "${o#--}" != "$o" ]; then
			$VYREC $c "$o=x" > $O/acc.out 2> $O/acc.err; rc=$?
			[ $rc -eq 70 ] || grep -q "unknown option\|takes no value\|needs a value" $O/acc.err &&
				bad "accepts_${c}_$o=" "$(head -1 $O/acc.err)" || ok "accepts_${c}_$o="
		fi
	done
done
# the spellings the commands took before the tables, end to end
$VYREC build $P -tptx -o$O/j.ptx > $O/j.log 2>&1 && [ -s $O/j.ptx ] && ok build_joined_short || bad build_joined_short "$(head -2 $O/j.log)"
$VYREC build $P --target=glsl -o $O/e.comp -O2 > $O/e.log 2>&1 && [ -s $O/e.comp ] && ok build_equals_long || bad build_equals_long "$(head -2 $O/e.log)"
$VYREC build $P -t ptx -o $O/d.ptx -MF=$O/d.d > $O/d.log 2>&1 && [ -s $O/d.d ] && ok build_mf_equals || bad build_mf_equals "$(head -2 $O/d.log)"
$VYREC run $P -b reference --param a=2 --param n=4 --in x=iota --print y > $O/b.out 2>&1 &&
	grep -q '^y: 0 2 4 6$' $O/b.out && ok run_short_b || bad run_short_b "$(head -2 $O/b.out)"
$VYREC run $P -breference --param=a=2 --param n=4 --in=x=iota --print=y > $O/b2.out 2>&1 &&
	grep -q '^y: 0 2 4 6$' $O/b2.out && ok run_joined_b_equals || bad run_joined_b_equals "$(head -2 $O/b2.out)"

# ---- usage errors: exit 2, message, Fix ----
: > $O/all.err
# expect NAME RC STDERR-PATTERN (grep -F) ARGS...
expect() {
	n=$1 want=$2 pat=$3; shift 3
	"$VYREC" "$@" > $O/e.out 2> $O/e.err; rc=$?
	cat $O/e.err >> $O/all.err
	if [ $rc -eq "$want" ] && grep -qF -- "$pat" $O/e.err && [ ! -s $O/e.out ]; then
		ok "$n"
	else
		bad "$n" "exit $rc (want $want): $(head -3 $O/e.err | tr '\n' ' ')"
	fi
}
expect cmd_typo 2 "Fix: did you mean 'vyrec build'?" buld $P
expect cmd_typo_first_line 2 "vyrec: unknown command 'buld'" buld
expect cmd_unknown_no_near 2 "Fix: run 'vyrec --help' to list the commands" frobnicate
expect help_cmd_typo 2 "Fix: did you mean 'vyrec verify'?" help verfy
expect help_two_commands 2 "more than one command given" help build run
expect top_option_typo 2 "Fix: did you mean '--help'?" --hlep
expect opt_typo 2 "unknown option '--fast-maths'" build $P --fast-maths
expect opt_typo_fix 2 "Fix: did you mean '--fast-math'?" build $P --fast-maths
expect opt_typo_value 2 "Fix: did you mean '--backend'?" run $P --bakend=reference
expect opt_typo_run 2 "Fix: did you mean '--diagnostics-format'?" run $P --diagnostic-format json
expect opt_other_command 2 "Fix: '--backend' is an option of run, not of check" check $P --backend reference
expect opt_unknown_no_near 2 "Fix: 'vyrec help verify' lists the options" verify $P --zzzzzzzz
expect opt_unknown_usage 2 "usage: vyrec verify PROG.yaml" verify $P --zzzzzzzz
expect opt_listing_typo 2 "Fix: did you mean '--json'?" targets --jsn
expect listing_argument 2 "unknown argument 'foo'" backends foo
expect flag_with_value 2 "option '--strict' takes no value" run $P --strict=1
expect missing_value 2 "option '-o' needs a value (OUT)" build $P -o
expect missing_value_long 2 "option '--seed' needs a value (N)" verify $P --seed
expect olevel_bad 2 "unknown optimisation level '-O3' (use -O0, -O1 or -O2)" check $P -O3
expect diag_format_typo 2 "Fix: did you mean 'json'?" check $P --diagnostics-format jsn
expect target_typo 2 "Fix: did you mean 'spv'?" build $P -t spvv
expect target_typo_list 2 "unknown target 'spvv'; the registered targets are spv, ptx, glsl, reference" build $P -t spvv
expect lang_typo 2 "Fix: did you mean 'cargo'?" launcher $P -t spv --lang carg -o $O/never
expect launcher_target_typo 2 "Fix: did you mean 'ptx'?" launcher $P -t ptxx --lang c -o $O/never
[ ! -e $O/never ] && ok launcher_typo_writes_nothing || bad launcher_typo_writes_nothing
expect verify_backend_typo 2 "Fix: did you mean 'reference'?" verify $P --backends refrence
# run's backend is resolved when it dispatches: an unknown one exits 3 as
# an unavailable one does (vyrec(1) EXIT STATUS), now with the suggestion
expect run_backend_typo 3 "Fix: did you mean '--backend reference'?" run $P --backend refrence --param a=1 --param n=4
expect run_backend_typo_short 3 "vyrec run: unknown backend 'refrence'" run $P -b refrence --param a=1 --param n=4
expect run_backend_unknown 3 'backend `metal` is not linked into this binary' run $P --backend metal --param a=1 --param n=4
# every Fix line of these is meant for the user: no library names
if grep '^Fix:' $O/all.err | grep -q 'vy_\|registry\|emitter'; then
	bad fix_lines_for_users "$(grep '^Fix:' $O/all.err | grep 'vy_\|registry\|emitter' | head -1)"
else
	ok fix_lines_for_users
fi
# a param that the program lacks: the nearest param, or the list
expect param_typo 2 "Fix: did you mean 'a'?" run $P --backend reference --param aa=1 --param n=4
expect param_unknown_list 2 "Fix: its params are a, n" verify $P --param zzz=1
