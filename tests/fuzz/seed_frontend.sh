#!/bin/sh
# tests/fuzz/seed_frontend.sh DIR: seed corpus of fuzz_frontend.  Each seed
# is one mode byte (see fuzz_frontend.c) and the text: every program and
# dialect file under samples/ and tests/, the statements, conditions and
# loop headers found in them, and a list of expressions that covers the
# grammar and its error paths.
cd "$(dirname "$0")/../.." || exit 2
out=${1:?usage: seed_frontend.sh DIR}
mkdir -p "$out"
n=0
# seed MODE TEXT
seed() { n=$((n + 1)); { printf "\\$1"; printf '%s' "$2"; } > "$out/seed-$n"; }
for f in $(find samples tests -name '*.yaml' 2>/dev/null | LC_ALL=C sort); do
	[ -f "$f" ] || continue
	n=$((n + 1))
	if grep -q '^vyrec_dialect' "$f"; then mode='\003'; else mode='\000'; fi
	{ printf "$mode"; head -c 60000 "$f"; } > "$out/seed-$n"
	# simple statements, conditions and for headers of the file
	sed -n 's/^[ \t]*- *"\{0,1\}\([^:"]*\)"\{0,1\}[ \t]*$/\1/p' "$f" | head -50 |
	while IFS= read -r l; do seed 002 "$l"; done
	n=$((n + 100))
	sed -n 's/^[ \t-]*\(if\|while\|count\|body\): *\(.*\)$/\2/p' "$f" | head -30 |
	while IFS= read -r l; do seed 001 "$l"; done
	n=$((n + 100))
	sed -n 's/^[ \t-]*for: *\(.*\)$/\1/p' "$f" | head -10 |
	while IFS= read -r l; do seed 004 "$l"; done
	n=$((n + 100))
done
while IFS= read -r l; do seed 001 "$l"; done <<'END'
a + b * c
a ? b : c ? d : e
-x * y + ~m & 0xFF | n ^ 3 << 2 >> 1u
!a && b || c == d != e < f <= g > h >= i
math.fma(a, x[i], y[i]) / f32(n) % 2
bitcast<f32>(u32(x) + 0x3f800000u)
len(buf) - 1 < gid.x + lid.y * wgsize.z
-2147483648 + 2147483647i - 4294967295u
1.5f * .5 + 1e-3 - 2.5E+10 + 3. + 0b1011
atomic.compare_exchange(h[i], 0u, 1u)
((((((((a))))))))
a = b
a[i][j]
1.2.3 + 0x + 12abc
f(a, b
x + 99999999999999999999
END
while IFS= read -r l; do seed 002 "$l"; done <<'END'
let x = a + 1
var acc: f32 = 0.0
acc += x[i] * y[i]
y[i] <<= 2u
bits[w] |= 1u << b
atomic.add(hist[b], 1)
barrier
return
let x == 3
i++
x + 1
END
while IFS= read -r l; do seed 004 "$l"; done <<'END'
k in 0..K
i in n - 1..len(x) * 2
k of 0..n
END
