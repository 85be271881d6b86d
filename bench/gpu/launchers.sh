#!/bin/sh
# bench/gpu/launchers.sh: the generated launchers of every sample, built and
# self-tested on a real NVIDIA GPU.
#
#   here (the dev machine):  sh bench/gpu/launchers.sh --prepare
#       generates, for each samples/*.yaml, the C launcher for ptx and spv
#       and the Cargo launcher for ptx (`vyrec launcher`) into .gpu-launch/
#       (ignored by git), and builds the Cargo ones here with
#       `cargo build --release --offline` (the GPU machine has no cargo;
#       both are x86-64), keeping only their binaries.
#   there (carry .gpu-launch):  sh bench/gpu/launchers.sh
#       builds each C launcher with make and runs every launcher's
#       --selftest (vyrec's reference results, embedded, against the GPU),
#       printing a table; exits nonzero on any FAIL.
#
# Environment: VYREC (default ./vyrec), RESULTS (a copy of the table).
cd "$(dirname "$0")/../.." || exit 2
L=.gpu-launch
VYREC=${VYREC:-./vyrec}

prepare() {
	ex=$(git rev-parse --git-path info/exclude) &&
		{ grep -qx "/$L/" "$ex" || echo "/$L/" >> "$ex"; }
	rm -rf $L && mkdir -p $L/c_ptx $L/c_spv $L/cargo_ptx
	for p in samples/*.yaml; do
		n=$(basename $p .yaml)
		$VYREC launcher $p -t ptx --lang c -o $L/c_ptx/$n || echo "c ptx $n: generation failed" >&2
		$VYREC launcher $p -t spv --lang c -o $L/c_spv/$n || echo "c spv $n: generation failed" >&2
		$VYREC launcher $p -t ptx --lang cargo -o /tmp/vycargo/$n --force > /dev/null ||
			{ echo "cargo ptx $n: generation failed" >&2; continue; }
		(cd /tmp/vycargo/$n && cargo build --release --offline -q) > /tmp/vycargo/$n.log 2>&1 &&
			cp /tmp/vycargo/$n/target/release/$n $L/cargo_ptx/$n ||
			echo "cargo ptx $n: build failed (/tmp/vycargo/$n.log)" >&2
	done
	du -sh $L >&2
}

[ "$1" = --prepare ] && { prepare; exit $?; }

out=/tmp/vylaunch.txt
printf '%-12s %-10s %-6s %s\n' SAMPLE LAUNCHER RESULT DETAIL > $out
nfail=0 npass=0
check() {   # sample, launcher name, directory, binary
	log=$($4 --selftest 2>&1)
	rc=$?
	if [ $rc -eq 0 ]; then res=PASS; npass=$((npass + 1)); else res=FAIL; nfail=$((nfail + 1)); fi
	printf '%-12s %-10s %-6s %s\n' $1 $2 $res "rc=$rc $(echo "$log" | tail -1 | cut -c1-100)" >> $out
}
for p in samples/*.yaml; do
	n=$(basename $p .yaml)
	for t in ptx spv; do
		d=$L/c_$t/$n
		if [ ! -f $d/Makefile ]; then
			printf '%-12s %-10s %-6s %s\n' $n c-$t FAIL "not generated" >> $out; nfail=$((nfail + 1)); continue
		fi
		if ! make -C $d > $d/build.log 2>&1; then
			printf '%-12s %-10s %-6s %s\n' $n c-$t FAIL "make: $(tail -1 $d/build.log | cut -c1-90)" >> $out
			nfail=$((nfail + 1)); continue
		fi
		check $n c-$t $d $d/$n
	done
	if [ -x $L/cargo_ptx/$n ]; then
		check $n cargo-ptx $L/cargo_ptx $L/cargo_ptx/$n
	else
		printf '%-12s %-10s %-6s %s\n' $n cargo-ptx FAIL "no binary carried" >> $out; nfail=$((nfail + 1))
	fi
done
cat $out
echo "$npass passed, $nfail failed"
[ -n "${RESULTS:-$OUT}" ] && cp $out "${RESULTS:-$OUT/launchers.txt}"
[ $nfail -eq 0 ]
