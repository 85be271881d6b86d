#!/bin/sh
# tools/circles.sh: file-level import circles among vyrec's own sources.
# File A uses file B when A's object has an undefined symbol that B's
# object defines (nm), or when A #includes B's header (B.h beside B.c).
# Prints every strongly connected component of more than one file; exit 1
# when there is one.  Usage: sh tools/circles.sh [BUILD_DIR]
B=${1:-build}
cd "$(dirname "$0")/.." || exit 2
objs=$(find "$B/src" "$B/emitters" "$B/launchers" -name '*.o' 2>/dev/null | LC_ALL=C sort)
[ -n "$objs" ] || { echo "circles.sh: no objects under $B (run make)" >&2; exit 2; }
{
	for o in $objs; do
		f=${o#$B/}; f=${f%.o}
		nm -P --defined-only "$o" 2>/dev/null | awk -v f="$f" '$2 ~ /^[TDBRCV]$/ { print "D", f, $1 }'
		nm -P --undefined-only "$o" 2>/dev/null | awk -v f="$f" '{ print "U", f, $1 }'
	done
	for c in src/*.c src/*.cpp emitters/*.c launchers/*.c; do
		[ -f "$c" ] || continue
		f=${c%.*}
		sed -n 's/^#include "\([^"]*\)\.h".*/\1/p' "$c" | while read -r h; do
			for d in src emitters launchers; do
				[ -f "$d/$h.c" ] && echo "I $f $d/$h"
				[ -f "$d/$h.cpp" ] && echo "I $f $d/$h"
			done
		done
	done
} | awk '
$1 == "D" { def[$3] = $2; next }
$1 == "U" { use[++nu] = $2 SUBSEP $3; next }
$1 == "I" { if ($2 != $3) edge[$2 SUBSEP $3] = 1; next }
END {
	for (i = 1; i <= nu; i++) {
		split(use[i], p, SUBSEP)
		if ((p[2] in def) && def[p[2]] != p[1])
			edge[p[1] SUBSEP def[p[2]]] = 1
	}
	for (e in edge) { split(e, p, SUBSEP); n[p[1]]; n[p[2]]; adj[p[1]] = adj[p[1]] " " p[2] }
	# reachability by repeated relaxation (a few hundred files: fine)
	for (a in n) reach[a SUBSEP a] = 1
	changed = 1
	while (changed) {
		changed = 0
		for (e in edge) {
			split(e, p, SUBSEP)
			for (a in n)
				if ((a SUBSEP p[1]) in reach && !((a SUBSEP p[2]) in reach)) {
					reach[a SUBSEP p[2]] = 1; changed = 1
				}
		}
	}
	bad = 0
	for (a in n) {
		if (a in done) continue
		comp = a; k = 1
		for (b in n)
			if (b != a && ((a SUBSEP b) in reach) && ((b SUBSEP a) in reach)) {
				comp = comp " " b; done[b] = 1; k++
			}
		done[a] = 1
		if (k > 1) { print "circle:", comp; bad = 1 }
	}
	exit bad
}'
