#!/bin/sh
# bench/vm.sh: the reference VM against a plain C loop (-O2): saxpy with
# n = 2^22 and the 256x256 tiled matmul; also peak memory of a whole
# `vyrec run` of saxpy at 2^22 (the buffers are 32 MiB).
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh
make -s -j2 >/dev/null || exit 1
mkdir -p bench/out
cc_unit bench/out/vm_bench bench/vm_bench.c -O2 && bench/out/vm_bench
/usr/bin/time -f "vyrec run saxpy 2^22 on the reference: %e s, peak %M KiB (buffers: 32768 KiB)" \
	./vyrec run samples/saxpy.yaml --backend reference --param a=2 --param n=4194304 \
	--in x=iota --in y=const:1 >/dev/null
