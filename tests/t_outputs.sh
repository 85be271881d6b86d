#!/bin/sh
# t_outputs.sh: how vyrec and its generated launchers write outputs (SPEC
# §10.9, issue 10 items 1 and 2).  An existing device or FIFO is written
# directly (a private null device first, then /dev/null, which must stay a
# character device; /dev/full gives exit 1 naming it); a symbolic link is
# followed, its target replaced and the link kept; temporaries are O_EXCL
# under unpredictable names (symlinks planted at the old predictable names
# redirect nothing) and are removed on SIGINT, SIGTERM and SIGHUP; errors
# name the user's path; several outputs are all or nothing; write errors on
# standard output exit 1.  Launcher trees: a symbolic link inside DIR is
# refused and nothing lands outside DIR; --force removes the previous
# generation's files (spv -> ptx -> reference builds with make), keeps
# unrelated ones; the C and Cargo launchers' --out follow the same rules.
. tests/lib.sh
VY=$(cd "$(dirname "$VYREC")" && pwd)/$(basename "$VYREC")
ROOT=$(pwd)
W=$ROOT/tests/out/outputs
rm -rf "$W"
mkdir -p "$W"
P=$ROOT/samples/saxpy.yaml
cd "$W" || exit 2

# A system device replaced by a bug is put back, so the machine stays usable.
restore_dev() { # NAME MINOR
	[ -c "$1" ] && return 0
	mknod "$1.t_outputs" c 1 "$2" && chmod 666 "$1.t_outputs" && mv -f "$1.t_outputs" "$1"
	return 1
}
# no_temps DIR: no temporary (a dot file but the list) left in DIR.
no_temps() { [ -z "$(ls -A "$1" | grep '^\.' | grep -v '^\.vyrec-files$')" ]; }
# wait_temps DIR: wait (at most 10 s) until a temporary shows up in DIR.
wait_temps() {
	for _ in $(seq 100); do
		ls -A "$1" | grep -q '\.tmp$' && return 0
		sleep 0.1
	done
	return 1
}

"$VY" build "$P" -o ref.spv || bad build.ref
"$VY" build "$P" -t ptx -o ref.ptx || bad build.ref-ptx

# ---- devices ----
have_mknod=0
mknod own-null c 1 3 2>/dev/null && have_mknod=1
if [ $have_mknod = 1 ]; then
	"$VY" build "$P" -o own-null; rc=$?
	if [ $rc = 0 ] && [ -c own-null ]; then ok dev.private-null; else bad dev.private-null "rc=$rc"; fi
	"$VY" run "$P" --backend reference --param n=64 --param a=1 --out y=own-null; rc=$?
	if [ $rc = 0 ] && [ -c own-null ]; then ok dev.run-private-null; else bad dev.run-private-null "rc=$rc"; fi
else
	skip dev.private-null "mknod not permitted (not root)"
fi
# /dev/null itself, only once the private device survived.
if [ $have_mknod = 0 ] || [ -c own-null ]; then
	restore_dev /dev/null 3 || echo "note: /dev/null was not a device before this suite ran; restored"
	"$VY" build "$P" -o /dev/null; r1=$?
	restore_dev /dev/null 3; d1=$?
	"$VY" run "$P" --backend reference --param n=64 --param a=1 --out y=/dev/null; r2=$?
	restore_dev /dev/null 3; d2=$?
	"$VY" build "$P" -t spv -t ptx -o /dev/null --manifest /dev/null 2>dev-null-dir.err; r3=$?
	restore_dev /dev/null 3; d3=$?
	if [ $r1 = 0 ] && [ $r2 = 0 ] && [ $d1 = 0 ] && [ $d2 = 0 ] && [ $d3 = 0 ] && [ -c /dev/null ]; then
		ok dev.null
	else
		bad dev.null "rc=$r1/$r2, still a device: $d1/$d2/$d3"
	fi
else
	bad dev.null "not tried on /dev/null: the private null device was replaced"
fi
# FULL: a private full device (replacing it harms nobody), else /dev/full.
FULL=/dev/full
[ $have_mknod = 1 ] && mknod own-full c 1 7 && FULL=$W/own-full
if [ -c /dev/full ]; then
	"$VY" build "$P" -o "$FULL" 2>full.err; rc=$?
	if [ $rc = 1 ] && [ -c "$FULL" ] && grep -q "'$FULL'.*No space left on device" full.err; then ok dev.private-full; else bad dev.private-full "rc=$rc: $(cat full.err)"; fi
	[ -c "$FULL" ] && "$VY" build "$P" -o /dev/full 2>full.err; rc=$?
	restore_dev /dev/full 7
	if [ $rc = 1 ] && grep -q "'/dev/full'.*No space left on device" full.err && ! grep -q tmp full.err; then
		ok dev.full
	else
		bad dev.full "rc=$rc: $(cat full.err)"
	fi
	"$VY" run "$P" --backend reference --param n=64 --param a=1 --out y="$FULL" 2>full2.err; rc=$?
	restore_dev /dev/full 7
	if [ $rc = 1 ] && [ -c "$FULL" ] && grep -q "'$FULL'.*No space left" full2.err; then ok dev.run-full; else bad dev.run-full "rc=$rc: $(cat full2.err)"; fi
else
	skip dev.full "no /dev/full"
fi

# ---- FIFOs ----
mkfifo fifo
timeout 30 cat fifo > fifo.got & reader=$!
"$VY" build "$P" -o fifo; rc=$?
wait $reader
if [ $rc = 0 ] && [ -p fifo ] && cmp -s fifo.got ref.spv; then ok fifo.build; else bad fifo.build "rc=$rc"; fi
timeout 30 cat fifo > fifo.got & reader=$!
"$VY" run "$P" --backend reference --param n=64 --param a=2 --in x=iota --out y=fifo; rc=$?
wait $reader
"$VY" run "$P" --backend reference --param n=64 --param a=2 --in x=iota --out y=fifo.want
if [ $rc = 0 ] && [ -p fifo ] && cmp -s fifo.got fifo.want; then ok fifo.run; else bad fifo.run "rc=$rc"; fi

# ---- symbolic links ----
mkdir -p sub
ln -s real.spv link.spv
ln -s sub/dangling.spv dangle.spv
ln -s link.spv chain.spv
"$VY" build "$P" -o link.spv && "$VY" build "$P" -o dangle.spv && "$VY" build "$P" -o chain.spv; rc=$?
if [ $rc = 0 ] && [ -L link.spv ] && [ -L dangle.spv ] && [ -L chain.spv ] &&
   cmp -s real.spv ref.spv && cmp -s sub/dangling.spv ref.spv && [ ! -L real.spv ]; then
	ok symlink.followed
else
	bad symlink.followed "rc=$rc: $(ls -l | tr '\n' ' ')"
fi
ln -s sub m.json
ln -s hdr.real h.h
"$VY" build "$P" -o sub/x.spv --header h.h -MF dep.d --manifest sub/m.json; rc=$?
if [ $rc = 0 ] && [ -L h.h ] && grep -q saxpy_spv hdr.real && grep -q 'sub/x.spv:' dep.d; then ok symlink.header; else bad symlink.header "rc=$rc"; fi

# ---- temporaries: O_EXCL, unpredictable ----
# The old code wrote OUT.tmp.PID; plant links there for the next PIDs.
echo victim > victim
next=$(sh -c 'echo $$')
for i in $(seq 1 300); do ln -s victim "pl.spv.tmp.$((next + i))"; done
"$VY" build "$P" -o pl.spv; rc=$?
if [ $rc = 0 ] && [ "$(cat victim)" = victim ] && cmp -s pl.spv ref.spv; then ok temp.planted-link; else bad temp.planted-link "rc=$rc"; fi
rm -f pl.spv.tmp.*

# ---- signals: temporaries removed, nothing renamed ----
# The FIFO (no reader) blocks the commit after every temporary was written.
sig_case() { # SIGNAL CODE COMMAND...
	s=$1 code=$2; shift 2
	rm -rf sd; mkdir sd
	env --default-signal="$s" "$@" & pid=$!
	if ! wait_temps sd; then
		kill -KILL $pid 2>/dev/null; wait $pid 2>/dev/null
		bad "signal.$s.$code" "no temporary appeared"; return
	fi
	names=$(ls -A sd | tr '\n' ' ')
	kill -"$s" $pid; wait $pid; rc=$?
	if [ $rc -gt 128 ] && [ -z "$(ls -A sd)" ]; then
		ok "signal.$s.$code"
	else
		bad "signal.$s.$code" "rc=$rc, left: $(ls -A sd | tr '\n' ' ') (temporaries were: $names)"
	fi
	case $names in *".$pid."*|*".tmp.$pid"*) bad "signal.$s.$code.name" "the temporary's name holds the pid: $names";; esac
}
for s in INT TERM HUP; do
	sig_case $s build "$VY" build "$P" -t spv -t ptx -o sd --manifest sd/m.json -MF sd/d.d --header fifo
	sig_case $s run "$VY" run "$P" --backend reference --param n=1048576 --param a=1 --out x=sd/x.npy --out y=sd/y.bin --out x=fifo
done
timeout 5 cat fifo >/dev/null & reader=$!   # unblock any writer left behind
sleep 0.2; kill $reader 2>/dev/null; wait $reader 2>/dev/null

# ---- all or nothing ----
rm -rf an; mkdir an
echo old > an/saxpy.spv
"$VY" build "$P" -t spv -t ptx -o an --manifest an/m.json --header nodir/h.h 2>an.err; rc=$?
if [ $rc = 1 ] && [ "$(cat an/saxpy.spv)" = old ] && [ ! -e an/saxpy.ptx ] && [ ! -e an/m.spv.json ] &&
   no_temps an && grep -q "'nodir/h.h'" an.err && ! grep -q '\.tmp' an.err; then
	ok all-or-nothing.temp-fails
else
	bad all-or-nothing.temp-fails "rc=$rc: $(ls -A an | tr '\n' ' ') $(cat an.err)"
fi
if [ -c /dev/full ]; then
	"$VY" build "$P" -t spv -t ptx -o an --manifest an/m.json -MF "$FULL" 2>an2.err; rc=$?
	restore_dev /dev/full 7
	if [ $rc = 1 ] && [ "$(cat an/saxpy.spv)" = old ] && [ ! -e an/saxpy.ptx ] && no_temps an &&
	   grep -q "'$FULL'" an2.err; then
		ok all-or-nothing.device-fails
	else
		bad all-or-nothing.device-fails "rc=$rc: $(ls -A an | tr '\n' ' ')"
	fi
	"$VY" run "$P" --backend reference --param n=64 --param a=1 --out x=an/x.bin --out y="$FULL" 2>/dev/null; rc=$?
	if [ $rc = 1 ] && [ ! -e an/x.bin ] && no_temps an; then ok all-or-nothing.run; else bad all-or-nothing.run "rc=$rc"; fi
fi
"$VY" build "$P" -t spv -t ptx -o an --manifest an/m.json --header an/h.h -MF an/d.d; rc=$?
if [ $rc = 0 ] && cmp -s an/saxpy.spv ref.spv && cmp -s an/saxpy.ptx ref.ptx && [ -s an/m.json ] && [ ! -e an/m.ptx.json ] &&
   [ -s an/h.h ] && [ -s an/d.d ] && no_temps an; then
	ok all-or-nothing.success
else
	bad all-or-nothing.success "rc=$rc"
fi
"$VY" build "$P" -o nodir/x.spv 2>nd.err; rc=$?
if [ $rc = 1 ] && grep -q "'nodir/x.spv'" nd.err && ! grep -q '\.tmp' nd.err; then ok error.names-user-path; else bad error.names-user-path "$(cat nd.err)"; fi

# ---- standard output write errors ----
if [ -c /dev/full ]; then
	for c in "ops" "ops --json" "ops core" "targets" "targets --json" "backends" "backends --json" \
		 "--help" "--version" "help build" "build --help" \
		 "build $P -o -" "build $P -t ptx -o -" \
		 "run $P --backend reference --param n=64 --param a=1 --print y"; do
		# shellcheck disable=SC2086
		"$VY" $c >/dev/full 2>so.err; rc=$?
		n=$(echo "$c" | sed "s#$P#P#g; s/ /_/g")
		if [ $rc = 1 ] && grep -q 'cannot write standard output' so.err; then
			ok "stdout.$n"
		else
			bad "stdout.$n" "rc=$rc: $(cat so.err)"
		fi
	done
	restore_dev /dev/full 7
fi

# ---- launcher trees ----
lgen() { "$VY" launcher "$P" --lang "$1" -t "$2" -o "$3" ${4:+"$4"}; }
mkdir -p lt/elsewhere lt/M
ln -s ../elsewhere lt/M/src
lgen c spv lt/M --force 2>lt.err; rc=$?
if [ $rc = 1 ] && [ -z "$(ls -A lt/elsewhere)" ] && grep -q "'lt/M/src' is a symbolic link" lt.err && grep -q '^Fix: ' lt.err &&
   [ ! -e lt/M/Makefile ]; then
	ok tree.dir-link-refused
else
	bad tree.dir-link-refused "rc=$rc: $(ls -A lt/elsewhere lt/M | tr '\n' ' ') $(cat lt.err)"
fi
rm lt/M/src
echo keep > lt/victim
ln -s ../victim lt/M/Makefile
lgen c spv lt/M --force 2>lt2.err; rc=$?
if [ $rc = 1 ] && [ "$(cat lt/victim)" = keep ] && grep -q "'lt/M/Makefile' is a symbolic link" lt2.err && [ ! -e lt/M/src ]; then
	ok tree.file-link-refused
else
	bad tree.file-link-refused "rc=$rc: $(cat lt2.err)"
fi
# DIR itself may be a link to a directory: the user named it.
mkdir lt/real; ln -s real lt/D
lgen c reference lt/D; rc=$?
if [ $rc = 0 ] && [ -L lt/D ] && [ -f lt/real/Makefile ] && [ -f lt/real/src/main.c ]; then ok tree.dir-is-link; else bad tree.dir-is-link "rc=$rc"; fi
# A list naming paths outside DIR removes nothing there.
printf '../victim\n/tmp/nonexistent-vyrec\nsrc/../../victim\n' > lt/real/.vyrec-files
lgen c reference lt/D --force; rc=$?
if [ $rc = 0 ] && [ "$(cat lt/victim)" = keep ]; then ok tree.list-outside-ignored; else bad tree.list-outside-ignored "rc=$rc"; fi

# --force: spv -> ptx -> reference, each builds with make.
F=lt/F
lgen c spv $F && echo mine > $F/notes.txt
mkdir -p $F/src/extra && echo mine > $F/src/extra/keep.c.txt
prev=
for t in spv ptx reference; do
	lgen c $t $F --force 2>force.err; rc=$?
	if [ $rc != 0 ]; then bad "force.$t.generate" "$(cat force.err)"; continue; fi
	if make -s -C $F CFLAGS='-O2 -Wall -Wextra -Werror' >force.$t.log 2>&1; then ok "force.$t.make"; else bad "force.$t.make" "$(head -3 force.$t.log | tr '\n' ' ')"; fi
	if [ -n "$prev" ] && [ -e $F/src/drv_$prev.c ]; then bad "force.$t.stale" "src/drv_$prev.c is left"; else ok "force.$t.stale"; fi
	if [ "$(cat $F/notes.txt)" = mine ] && [ -f $F/src/extra/keep.c.txt ] && grep -qx "src/drv_$t.c" $F/.vyrec-files; then
		ok "force.$t.unrelated-kept"
	else
		bad "force.$t.unrelated-kept"
	fi
	prev=$t
done
out=$(cd $F && ./saxpy --selftest 2>&1); rc=$?
if [ $rc = 0 ] && [ "${out#selftest: PASS}" != "$out" ]; then ok force.reference.selftest; else bad force.reference.selftest "rc=$rc: $out"; fi
# reference -> spv removes the VM sources the reference project had.
lgen c spv $F --force && make -s -C $F >/dev/null 2>&1; rc=$?
if [ $rc = 0 ] && [ ! -e $F/src/vm.c ] && [ ! -e $F/src/vyrec_ops.def ]; then ok force.back-to-spv; else bad force.back-to-spv "rc=$rc"; fi
# Generation stays deterministic, the list included.
lgen c ptx lt/G1 && lgen c ptx lt/G2
if diff -r lt/G1 lt/G2 >/dev/null && [ -f lt/G1/.vyrec-files ]; then ok tree.deterministic; else bad tree.deterministic; fi

# ---- the generated C launcher's --out ----
C=lt/C
lgen c reference $C && make -s -C $C CFLAGS='-O2 -Wall -Wextra -Werror' >c.log 2>&1 || bad c.build "$(head -3 c.log)"
cl() { (cd $C && ./saxpy --param n=256 --param a=2 --in x=iota "$@"); }
cl --out y=want.bin
if [ $have_mknod = 1 ]; then
	mknod $C/own-null c 1 3
	cl --out y=own-null; rc=$?
	if [ $rc = 0 ] && [ -c $C/own-null ]; then ok c.private-null; else bad c.private-null "rc=$rc"; fi
fi
if [ $have_mknod = 0 ] || [ -c $C/own-null ]; then
	cl --out y=/dev/null; rc=$?
	restore_dev /dev/null 3; d=$?
	if [ $rc = 0 ] && [ $d = 0 ]; then ok c.dev-null; else bad c.dev-null "rc=$rc, still a device: $d"; fi
else
	bad c.dev-null "not tried on /dev/null: the private null device was replaced"
fi
if [ -c /dev/full ]; then
	cl --out y="$FULL" 2>c.err; rc=$?
	restore_dev /dev/full 7
	if [ $rc = 1 ] && [ -c "$FULL" ] && grep -q "'$FULL'.*No space left" c.err; then ok c.dev-full; else bad c.dev-full "rc=$rc: $(cat c.err)"; fi
fi
ln -s t.bin $C/l.bin
cl --out y=l.bin; rc=$?
if [ $rc = 0 ] && [ -L $C/l.bin ] && cmp -s $C/t.bin $C/want.bin; then ok c.symlink; else bad c.symlink "rc=$rc"; fi
mkfifo $C/ff; timeout 30 cat $C/ff > c.fifo.got & reader=$!
cl --out y=ff; rc=$?; wait $reader
if [ $rc = 0 ] && [ -p $C/ff ] && cmp -s c.fifo.got $C/want.bin; then ok c.fifo; else bad c.fifo "rc=$rc"; fi
# The old predictable temporary was OUT.tmp.
ln -s ../victim $C/o.bin.tmp
cl --out y=o.bin; rc=$?
if [ $rc = 0 ] && [ "$(cat lt/victim)" = keep ] && cmp -s $C/o.bin $C/want.bin && [ -L $C/o.bin.tmp ] && no_temps $C; then
	ok c.planted-link
else
	bad c.planted-link "rc=$rc"
fi

# ---- the generated Cargo launcher's --out and --force ----
if ! command -v cargo >/dev/null 2>&1; then
	skip cargo "cargo is not installed"
else
	R=lt/R
	lgen cargo ptx $R && lgen cargo spv $R --force; rc=$?
	if [ $rc = 0 ] && [ ! -e $R/src/gpu_ptx.rs ] && (cd $R && cargo build --offline -q >../../cargo.log 2>&1); then
		ok cargo.force-ptx-to-spv
	else
		bad cargo.force-ptx-to-spv "rc=$rc: $(tail -3 cargo.log)"
	fi
	B=./target/debug/saxpy
	if [ -x $R/$B ] && "$VY" backends 2>/dev/null | grep -q '^vulkan .*ok:'; then
		rl() { (cd $R && $B --param n=256 --param a=2 --in x=iota "$@"); }
		rl --out y=want.bin
		if [ $have_mknod = 1 ]; then
			mknod $R/own-null c 1 3
			rl --out y=own-null; rc=$?
			if [ $rc = 0 ] && [ -c $R/own-null ]; then ok cargo.private-null; else bad cargo.private-null "rc=$rc"; fi
		fi
		if [ $have_mknod = 0 ] || [ -c $R/own-null ]; then
			rl --out y=/dev/null; rc=$?
			restore_dev /dev/null 3; d=$?
			if [ $rc = 0 ] && [ $d = 0 ]; then ok cargo.dev-null; else bad cargo.dev-null "rc=$rc, still a device: $d"; fi
		else
			bad cargo.dev-null "not tried on /dev/null: the private null device was replaced"
		fi
		if [ -c /dev/full ]; then
			rl --out y="$FULL" 2>r.err; rc=$?
			restore_dev /dev/full 7
			if [ $rc = 1 ] && [ -c "$FULL" ] && grep -q "'$FULL'.*No space left" r.err; then ok cargo.dev-full; else bad cargo.dev-full "rc=$rc: $(cat r.err)"; fi
		fi
		ln -s t.bin $R/l.bin
		rl --out y=l.bin; rc=$?
		if [ $rc = 0 ] && [ -L $R/l.bin ] && cmp -s $R/t.bin $R/want.bin; then ok cargo.symlink; else bad cargo.symlink "rc=$rc"; fi
		mkfifo $R/ff; timeout 30 cat $R/ff > r.fifo.got & reader=$!
		rl --out y=ff; rc=$?; wait $reader
		if [ $rc = 0 ] && [ -p $R/ff ] && cmp -s r.fifo.got $R/want.bin; then ok cargo.fifo; else bad cargo.fifo "rc=$rc"; fi
		pid=$(sh -c 'echo $$')
		for i in $(seq 1 300); do ln -s ../victim "$R/o.bin.tmp$((pid + i))"; done
		rl --out y=o.bin; rc=$?
		if [ $rc = 0 ] && [ "$(cat lt/victim)" = keep ] && cmp -s $R/o.bin $R/want.bin; then ok cargo.planted-link; else bad cargo.planted-link "rc=$rc"; fi
	else
		skip cargo.out "no Vulkan device for the spv launcher"
	fi
fi

[ -c /dev/null ] && ok dev.null-still-a-device || { restore_dev /dev/null 3; bad dev.null-still-a-device; }
[ ! -e /dev/full ] || [ -c /dev/full ] && ok dev.full-still-a-device || { restore_dev /dev/full 7; bad dev.full-still-a-device; }
