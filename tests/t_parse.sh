#!/bin/sh
# t_parse.sh: unit tests of the expression and statement parser
# (tests/unit/test_parse.c), one PASS/FAIL line per case.
cd "$(dirname "$0")/.." || exit 2
. tests/lib.sh
mkdir -p tests/out
if [ ! -f build/libvyrec.a ]; then
	bad parse_build "build/libvyrec.a is missing; run make"
	exit 0
fi
if ! cc_unit tests/out/test_parse tests/unit/test_parse.c 2>tests/out/test_parse.cc.log; then
	bad parse_build "$(head -5 tests/out/test_parse.cc.log | tr '\n' ' ')"
	exit 0
fi
tests/out/test_parse
