#!/bin/sh
# tests/fuzz/build.sh: build and run the libFuzzer harnesses (SPEC §8).
# The library is compiled with clang-14 and
# -fsanitize=fuzzer-no-link,address,undefined into build-fuzz/ (through the
# Makefile with B=build-fuzz, so the sources are the same list `make`
# builds); each tests/fuzz/fuzz_NAME.c is linked with -fsanitize=fuzzer into
# build-fuzz/fuzz_NAME, seeded into build-fuzz/corpus-NAME/ by
# tests/fuzz/seed_NAME.sh when present (else tests/fuzz/corpus-NAME/ when
# present), and run for FUZZ_SECONDS (default 60) with -max_len=65536 and
# tests/fuzz/NAME.dict when present, plus the libFuzzer flags in
# tests/fuzz/NAME.flags when present (e.g. a smaller -max_len for a
# harness that builds every target).  Crashing inputs land in
# build-fuzz/crashes-NAME/.  Exits 1 when a harness crashed, 2 when the
# build failed.  FUZZ_ONLY=NAME runs one harness; FUZZ_JOBS (default 2)
# sets make's parallelism.
cd "$(dirname "$0")/../.." || exit 2
B=build-fuzz
CC=${FUZZ_CC:-clang-14}
CXX=${FUZZ_CXX:-clang++-14}
SECS=${FUZZ_SECONDS:-60}
SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
OPTFLAGS="-O1 -g -fsanitize=fuzzer-no-link $SAN"
# the Makefile's LDLIBS; linked by $CXX, whose UBSan runtime has the C++
# checks the library's .cpp files were built with
LIBS="-lyaml -lglslang -lSPIRV -lMachineIndependent -lOGLCompiler -lOSDependent \
-lGenericCodeGen -lglslang-default-resource-limits -lSPIRV-Tools-link -lSPIRV-Tools-opt -lSPIRV-Tools \
-lstdc++ -lm -ldl -lpthread"

mkdir -p $B
echo "fuzz: building the library into $B/ with $CC"
if ! make -s -j"${FUZZ_JOBS:-2}" B=$B CC="$CC" CXX="$CXX" OPT="$OPTFLAGS" \
	$B/libvyrec.a > $B/make.log 2>&1; then
	grep -E "error|Error" $B/make.log | head -20
	echo "fuzz: the library did not build (see $B/make.log)"
	exit 2
fi

status=0
for h in tests/fuzz/fuzz_*.c; do
	name=$(basename "$h" .c)
	name=${name#fuzz_}
	[ -n "$FUZZ_ONLY" ] && [ "$FUZZ_ONLY" != "$name" ] && continue
	bin=$B/fuzz_$name
	if ! $CC -std=c11 -D_GNU_SOURCE -Iinclude -Isrc -Itests/fuzz -O1 -g -fsanitize=fuzzer-no-link $SAN \
		-c -o "$bin.o" "$h" ||
	   ! $CXX -fsanitize=fuzzer $SAN -o "$bin" "$bin.o" $B/libvyrec.a $LIBS; then
		echo "fuzz: $name: the harness did not build"
		status=2
		continue
	fi
	# absolute: the harness may change directory
	corpus=$PWD/$B/corpus-$name
	crashes=$PWD/$B/crashes-$name
	mkdir -p "$corpus" "$crashes"
	if [ -f tests/fuzz/seed_$name.sh ]; then
		sh tests/fuzz/seed_$name.sh "$corpus"
	elif [ -d tests/fuzz/corpus-$name ]; then
		cp tests/fuzz/corpus-$name/* "$corpus"/ 2>/dev/null
	fi
	dict=
	[ -f tests/fuzz/$name.dict ] && dict=-dict=$PWD/tests/fuzz/$name.dict
	flags=
	[ -f tests/fuzz/$name.flags ] && flags=$(cat tests/fuzz/$name.flags)
	log=$B/fuzz_$name.log
	echo "fuzz: $name: $(ls "$corpus" | wc -l) seeds, running ${SECS}s"
	ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	"$bin" -max_len=65536 -max_total_time="$SECS" -timeout=25 \
		-print_final_stats=1 -artifact_prefix="$crashes/" $dict $flags \
		"$corpus" > "$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	cov=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$log" | tail -1)
	corp=$(grep -o 'corp: [0-9]*/[0-9]*[a-zA-Z]*' "$log" | tail -1)
	if [ $rc -eq 0 ]; then
		echo "fuzz: $name: ${execs:-?} executions in ${SECS}s, $cov, $corp, no crash"
	else
		echo "fuzz: $name: CRASH (exit $rc) after ${execs:-?} executions; log $log"
		grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error)' "$log" | head -5
		grep -E 'Test unit written to' "$log" | head -3
		grep -E '^    #[0-9]+ ' "$log" | head -12
		status=1
	fi
done
exit $status
