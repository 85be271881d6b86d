#!/bin/sh
# t_watch.sh: `vyrec check --watch` and `vyrec build --watch` (issue #17
# item 5).  A watcher runs in the background on a copy of
# samples/activations.yaml and its dialect; the script edits the program
# and the dialect file (in place, and by rename as editors save) and waits,
# bounded (at most 20 s per step, polling every 0.1 s), for the status
# line or diagnostic each edit must produce; then SIGINT must end the
# watcher with exit 0.  A dialect edit that changes the ops installs a new
# registry snapshot ("dialects reloaded: N ops", N read back through
# vy_registry_current); a program edit does not.  build --watch rewrites
# its output when the program changes.  Every watcher is killed at the
# end, whatever happened.
. tests/lib.sh
export NO_COLOR=1
O=$PWD/tests/out/watch
rm -rf "$O"
mkdir -p "$O/d/dialects"
pids=
trap 'for p in $pids; do kill -9 $p 2>/dev/null; done' EXIT INT TERM
case $VYREC in /*) V=$VYREC ;; *) V=$PWD/$VYREC ;; esac

# wait_for LOG COUNT PATTERN: until LOG has COUNT lines matching PATTERN
wait_for() {
	k=0
	while [ $k -lt 200 ]; do
		c=$(grep -c -- "$3" "$1" 2>/dev/null)
		[ "${c:-0}" -ge "$2" ] && return 0
		sleep 0.1
		k=$((k + 1))
	done
	return 1
}
# step NAME LOG COUNT PATTERN
step() {
	if wait_for "$2" "$3" "$4"; then ok "$1"
	else bad "$1" "no $3 x '$4' in 20 s: $(tail -5 "$2" | tr '\n' '|')"; fi
}

cp samples/activations.yaml "$O/d/prog.yaml"
cp samples/dialects/nn.yaml "$O/d/dialects/nn.yaml"
L=$O/check.log
(cd "$O/d" && exec "$V" check --watch prog.yaml) 2> "$L" &
pid=$!
pids="$pids $pid"
step watch_first "$L" 1 '^vyrec check: prog.yaml: ok$'
step watch_files "$L" 1 '^vyrec check: watching 2 files for changes'
# the program, edited in place: an error, exactly one (no cascade)
sed 's/nn.relu(v)/nn.rleu(v)/' "$O/d/prog.yaml" > "$O/p1" && cat "$O/p1" > "$O/d/prog.yaml"
step watch_prog_error "$L" 1 "error: unknown op 'nn.rleu'"
step watch_prog_error_status "$L" 1 '^vyrec check: prog.yaml: 1 error$'
# fixed, saved by rename as editors do
cp samples/activations.yaml "$O/d/.prog.tmp" && mv "$O/d/.prog.tmp" "$O/d/prog.yaml"
step watch_prog_fixed "$L" 2 '^vyrec check: prog.yaml: ok$'
grep -q 'dialects reloaded' "$L" && bad watch_no_reload_for_prog "a program edit reloaded the dialects" ||
	ok watch_no_reload_for_prog
# the dialect: an error in an op body, pointing into the dialect file
sed 's/body: max(x, 0.0)/body: maxx(x, 0.0)/' "$O/d/dialects/nn.yaml" > "$O/n1" && cat "$O/n1" > "$O/d/dialects/nn.yaml"
step watch_dialect_error "$L" 1 "^dialects/nn.yaml:[0-9]*:[0-9]*: error: unknown op 'maxx'"
# a new op: a new snapshot is installed, with one op more
n0=$(( $("$VYREC" ops --dialect samples/dialects/nn.yaml --json | grep -c '"id"') + 1 ))
{ cat samples/dialects/nn.yaml; printf '  twice:\n    params: {x: f32}\n    returns: f32\n    body: x + x\n'; } > "$O/d/dialects/.nn.tmp"
mv "$O/d/dialects/.nn.tmp" "$O/d/dialects/nn.yaml"
step watch_dialect_fixed "$L" 3 '^vyrec check: prog.yaml: ok$'
step watch_dialect_reloaded "$L" 1 "^vyrec check: dialects reloaded: $n0 ops; nn 1.2.0\$"
# SIGINT: exit 0
kill -INT $pid
k=0
while kill -0 $pid 2>/dev/null && [ $k -lt 100 ]; do sleep 0.1; k=$((k + 1)); done
if kill -0 $pid 2>/dev/null; then
	bad watch_sigint "still running 10 s after SIGINT"
else
	wait $pid
	rc=$?
	[ $rc -eq 0 ] && ok watch_sigint || bad watch_sigint "exit $rc after SIGINT, want 0"
fi

# build --watch: the output follows the program
cp samples/saxpy.yaml "$O/d/s.yaml"
L=$O/build.log
(cd "$O/d" && exec "$V" build --watch s.yaml -t ptx -o s.ptx) 2> "$L" &
pid=$!
pids="$pids $pid"
step build_watch_first "$L" 1 '^vyrec build: s.yaml: ok$'
grep -q '.reqntid 256, 1, 1' "$O/d/s.ptx" && ok build_watch_output || bad build_watch_output "no s.ptx for workgroup 256"
sed 's/workgroup_size: \[256\]/workgroup_size: [128]/' samples/saxpy.yaml > "$O/d/.s.tmp" && mv "$O/d/.s.tmp" "$O/d/s.yaml"
step build_watch_second "$L" 2 '^vyrec build: s.yaml: ok$'
grep -q '.reqntid 128, 1, 1' "$O/d/s.ptx" && ok build_watch_rewritten || bad build_watch_rewritten "s.ptx not rebuilt"
# an error keeps the last good output, and says so once
sed 's/fma(a, x\[i\], y\[i\])/fma(a, xx[i], y[i])/' samples/saxpy.yaml > "$O/d/.s.tmp" && mv "$O/d/.s.tmp" "$O/d/s.yaml"
step build_watch_error "$L" 1 '^vyrec build: s.yaml: 1 error$'
grep -q '.reqntid 128, 1, 1' "$O/d/s.ptx" && ok build_watch_keeps_output || bad build_watch_keeps_output "s.ptx changed on an error"
kill -TERM $pid
k=0
while kill -0 $pid 2>/dev/null && [ $k -lt 100 ]; do sleep 0.1; k=$((k + 1)); done
if kill -0 $pid 2>/dev/null; then bad build_watch_sigterm "still running 10 s after SIGTERM"
else wait $pid; rc=$?; [ $rc -eq 0 ] && ok build_watch_sigterm || bad build_watch_sigterm "exit $rc"; fi
ls "$O/d" | grep -q '\.tmp\|vyrec-' && bad build_watch_no_temporaries "$(ls -a "$O/d")" || ok build_watch_no_temporaries

# documented: help and vyrec(1)
"$VYREC" help build | grep -q '^ *--watch ' && "$VYREC" help check | grep -q '^ *--watch ' &&
	ok help_watch || bad help_watch "no --watch in vyrec help build/check"
grep -q '^\\fB\\-\\-watch\\fR$' man/vyrec.1 && ok man_watch || bad man_watch "no --watch in vyrec(1)"
