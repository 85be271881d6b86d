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
