#!/bin/sh
# tests/fuzz/seed_build.sh DIR: seed corpus of fuzz_build.  Each seed is a
# configuration byte (see fuzz_build.c) and a program: every program under
# samples/ and tests/ (not tests/out/, not dialect files), each with four
# configurations that together use every -O level, ptx arch, Vulkan
# version and fma mode.
cd "$(dirname "$0")/../.." || exit 2
out=${1:?usage: seed_build.sh DIR}
mkdir -p "$out"
n=0
for f in $(find samples tests -path tests/out -prune -o -name '*.yaml' -print | LC_ALL=C sort); do
	grep -q '^vyrec_dialect' "$f" && continue
	for conf in '\000' '\125' '\252' '\377'; do
		n=$((n + 1))
		{ printf "$conf"; head -c 60000 "$f"; } > "$out/seed-$n"
	done
done
exit 0
