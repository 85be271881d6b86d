#!/bin/sh
# t_unit.sh: C unit tests of libvyrec that are not tied to one target.
# tests/unit/test_registry.c is SPEC §2.2's threaded test of the registry's
# snapshot install (readers keep a held snapshot, new readers see the new
# one, nobody sees a half-built one, while writers install thousands; an
# install twice is refused).  It runs twice: against build/libvyrec.a, and
# with src/registry.c and the test built with -fsanitize=thread (the rest
# of the library uninstrumented), where any ThreadSanitizer report fails.
# `make check-tsan` runs it against a library built wholly with TSan.
cd "$(dirname "$0")/.." || exit 2
. tests/lib.sh
O=tests/out/unit
mkdir -p $O

# run_unit NAME BINARY: its PASS/FAIL lines; a crash or an exit without
# them is a failure of NAME
run_unit() {
	"$2" > $O/$1.out 2> $O/$1.err
	rc=$?
	sed -n 's/^\(PASS\|FAIL\) /&/p' $O/$1.out
	if [ $rc -ne 0 ] && ! grep -q '^FAIL' $O/$1.out; then
		bad "$1" "exit $rc: $(grep -m3 -E 'ERROR|WARNING|test_registry|Segmentation' $O/$1.err | tr '\n' ' ')"
	fi
	if grep -q 'ThreadSanitizer' $O/$1.err; then
		bad "$1_tsan_clean" "$(grep -m1 -A3 'WARNING: ThreadSanitizer' $O/$1.err | tr '\n' ' ')"
	fi
}

if cc_unit $O/test_registry tests/unit/test_registry.c > $O/registry_cc.log 2>&1; then
	run_unit registry $O/test_registry
else
	bad registry_build "$(head -3 $O/registry_cc.log)"
fi

CFL="-std=c11 -D_GNU_SOURCE -O1 -g -fsanitize=thread -Iinclude -Isrc"
if cc $CFL -c -o $O/registry_tsan.o src/registry.c > $O/tsan_cc.log 2>&1 &&
   cc $CFL -c -o $O/test_registry_tsan.o tests/unit/test_registry.c >> $O/tsan_cc.log 2>&1 &&
   cc -fsanitize=thread -o $O/test_registry_tsan $O/test_registry_tsan.o $O/registry_tsan.o \
	build/libvyrec.a -lyaml -lglslang -lSPIRV \
	-lMachineIndependent -lOGLCompiler -lOSDependent -lGenericCodeGen \
	-lglslang-default-resource-limits -lSPIRV-Tools-link -lSPIRV-Tools-opt -lSPIRV-Tools -lstdc++ -lm -ldl -lpthread \
	>> $O/tsan_cc.log 2>&1; then
	# scaled down: TSan is 5-15 times slower
	TEST_REGISTRY_SCALE=2 TSAN_OPTIONS=halt_on_error=0:exitcode=66 \
		run_unit registry_tsan $O/test_registry_tsan | sed 's/^\(PASS\|FAIL\) \([a-z_]*\)/\1 tsan_\2/'
else
	bad registry_tsan_build "$(grep -m3 -E 'error|undefined' $O/tsan_cc.log | tr '\n' ' ')"
fi
exit 0
