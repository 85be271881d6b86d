#!/bin/sh
# t_fuzz.sh: the libFuzzer harnesses of tests/fuzz/ (make fuzz) without
# libFuzzer, against build/libvyrec.a: each fuzz_NAME.c is linked with
# tests/fuzz/replay.c and run over its regression inputs
# (tests/fuzz/regress-NAME/: every finding of a fuzzing run, kept once
# fixed) and its seed corpus (tests/fuzz/seed_NAME.sh).  So the harnesses
# keep building, every past finding stays fixed, and every seed passes the
# harness's checks (fuzz_build: every program under samples/ and tests/
# built for every target at four configurations, none rejected by its own
# validator, the reference module decoding).  fuzz_module has its own
# sanitizer run in t_vm.sh.  The regression programs are also built with
# `vyrec build` for every target: exit 0 or 1, never 70.
cd "$(dirname "$0")/.." || exit 2
. tests/lib.sh
O=tests/out/fuzz
rm -rf $O
mkdir -p $O
for h in tests/fuzz/fuzz_*.c; do
	name=$(basename "$h" .c)
	name=${name#fuzz_}
	[ "$name" = module ] && continue
	bin=$O/replay_$name
	# -Itests/fuzz: the prefix.h a generated C project has (fuzz_launcher_npy)
	if ! cc_unit "$bin" "$h" tests/fuzz/replay.c -Itests/fuzz > $O/$name.cc.log 2>&1; then
		bad "fuzz_${name}_builds" "$(grep -m3 -E 'error|undefined' $O/$name.cc.log | tr '\n' ' ')"
		continue
	fi
	ok "fuzz_${name}_builds"
	for f in tests/fuzz/regress-$name/*; do
		[ -f "$f" ] || continue
		r=$(basename "$f")
		if "$bin" "$f" > $O/$name.$r.out 2> $O/$name.$r.err; then
			ok "fuzz_${name}_regress_$r"
		else
			bad "fuzz_${name}_regress_$r" "exit $?: $(grep -v '^replay: ' $O/$name.$r.err | head -3 | tr '\n' ' ')"
		fi
	done
	if [ -f tests/fuzz/seed_$name.sh ]; then
		sh tests/fuzz/seed_$name.sh $O/seed-$name > /dev/null 2>&1
		n=$(ls $O/seed-$name | wc -l)
		if [ "$n" -lt 10 ]; then
			bad "fuzz_${name}_seeds" "only $n seeds"
		elif "$bin" $O/seed-$name/* > $O/$name.seeds.out 2> $O/$name.seeds.err; then
			ok "fuzz_${name}_seeds ($n)"
		else
			bad "fuzz_${name}_seeds" "exit $? on $(grep '^replay: ' $O/$name.seeds.err | tail -1 | sed 's/^replay: //'): $(grep -v '^replay: ' $O/$name.seeds.err | head -3 | tr '\n' ' ')"
		fi
	fi
done
# the regression programs through the command line, every target
for f in tests/fuzz/regress-build/*; do
	[ -f "$f" ] || continue
	r=$(basename "$f")
	tail -c +2 "$f" > $O/$r.yaml
	for t in spv ptx glsl reference; do
		for opt in -O0 -O1 -O2; do
			$VYREC build $O/$r.yaml -t $t $opt -o $O/$r.$t > $O/$r.$t.log 2>&1
			rc=$?
			[ $rc -le 1 ] || { bad "fuzz_cli_${r}_${t}$opt" "exit $rc: $(head -2 $O/$r.$t.log | tr '\n' ' ')"; continue 2; }
		done
		ok "fuzz_cli_${r}_$t"
	done
done
# fuzz_npy's finding: a .npy header claiming 2^31 elements in a 128-byte
# file is refused as truncated before anything is allocated (it allocated
# 8 GiB first: under a 1 GiB address-space limit that was "out of memory")
f=tests/fuzz/regress-npy/header_claims_2g_elements
cp $f $O/claims.npy
# (under AddressSanitizer, whose shadow memory no ulimit -v admits, its own
# allocation cap stands in for the limit)
lim="ulimit -v 1000000"
grep -q __asan_init "$VYREC" 2>/dev/null && lim=: &&
	export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}max_allocation_size_mb=1000:allocator_may_return_null=1"
($lim; $VYREC run samples/saxpy.yaml --backend reference --param a=1 \
	--stream x=$O/claims.npy --chunk 4 --print y) > $O/claims.out 2>&1; rc=$?
[ $rc -eq 1 ] && grep -q "is truncated or has trailing bytes: its header says 2147483648 elements" $O/claims.out &&
	ok fuzz_npy_cli_header_claims_2g_elements ||
	bad fuzz_npy_cli_header_claims_2g_elements "exit $rc: $(head -2 $O/claims.out | tr '\n' ' ')"
exit 0
