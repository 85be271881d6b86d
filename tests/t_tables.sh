#!/bin/sh
# t_tables.sh: the tables every op, value and document is read from
# (issue #12).  tests/unit/op_table_test.c: every op of vyrec_ops.def
# over every type its signature admits, emitted by every target the
# registry (`vyrec ops` TARGETS) says lowers it.
cd "$(dirname "$0")/.." || exit 2
. tests/lib.sh
mkdir -p tests/out/tables
T=tests/out/op_table_test
if [ ! -f build/libvyrec.a ]; then
	bad tables_build "build/libvyrec.a is missing; run make"
	exit 0
fi
if ! cc_unit $T tests/unit/op_table_test.c 2>tests/out/tables/op_table_test.cc.log; then
	bad tables_build "$(head -5 tests/out/tables/op_table_test.cc.log | tr '\n' ' ')"
	exit 0
fi
$T
