#!/bin/sh
# tests/fuzz/seed_npy.sh DIR: seed corpus of fuzz_npy and fuzz_launcher_npy:
# the .npy files under tests/ (good ones and each rejection case), the
# .npy files vyrec writes for each element type, and hand-made headers of
# format 2.0, 2-D and 0-D shapes, Fortran order and a big-endian dtype.
cd "$(dirname "$0")/../.." || exit 2
out=${1:?usage: seed_npy.sh DIR}
mkdir -p "$out"
n=0
for f in $(find samples tests -path tests/out -prune -o -name '*.npy' -print | LC_ALL=C sort); do
	n=$((n + 1))
	cp "$f" "$out/seed-$n"
done
# what vyrec itself writes: f32 and u32 buffers
for spec in "samples/saxpy.yaml y --param a=2" "samples/hash.yaml pcg --param seed=7" \
	"samples/histogram.yaml bins"; do
	set -- $spec
	p=$1 b=$2
	shift 2
	n=$((n + 1))
	./vyrec run "$p" --backend reference --param n=5 "$@" --out "$b=$out/seed-$n.npy" >/dev/null 2>&1 &&
		mv "$out/seed-$n.npy" "$out/seed-$n"
	rm -f "$out/seed-$n.npy"
done
# npyh VERSION DICT DATA-BYTES: a header padded to 64 bytes, then data
npyh() {
	v=$1 dict=$2 nb=$3
	n=$((n + 1))
	if [ "$v" = 1 ]; then pre=10; else pre=12; fi
	len=$(( (pre + ${#dict} + 1 + 63) / 64 * 64 - pre ))
	{
		printf '\223NUMPY'
		if [ "$v" = 1 ]; then
			printf "\\001\\000\\$(printf %03o $((len % 256)))\\$(printf %03o $((len / 256)))"
		else
			printf "\\002\\000\\$(printf %03o $((len % 256)))\\$(printf %03o $((len / 256)))\\000\\000"
		fi
		printf '%s' "$dict"
		pad=$((len - ${#dict} - 1))
		[ $pad -gt 0 ] && printf "%${pad}s" ''
		printf '\n'
		head -c "$nb" /dev/urandom
	} > "$out/seed-$n"
}
npyh 1 "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }" 12
npyh 2 "{'descr': '<u4', 'fortran_order': False, 'shape': (2, 3), }" 24
npyh 1 "{'descr': '<i4', 'fortran_order': False, 'shape': (), }" 4
npyh 1 "{'descr': '<i4', 'fortran_order': False, 'shape': (0,), }" 0
npyh 1 "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }" 16
npyh 1 "{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }" 8
npyh 1 "{\"descr\": \"<u4\", \"fortran_order\": false, \"shape\": [4]}" 16
npyh 1 "{'shape': (4294967296, 1), 'descr': '<u4', 'fortran_order': False}" 8
exit 0
