#!/bin/sh
# bench/frontend.sh: whole-process time of `vyrec check` on every sample
# (median of N runs), then on generated programs of 12 500 to 100 000
# statements to show linear growth, with peak memory.
cd "$(dirname "$0")/.." || exit 1
VYREC=${VYREC:-./vyrec}
N=${N:-21}
out=bench/out; mkdir -p $out

# median_ms CMD...: median wall time of N runs in milliseconds
median_ms() {
	i=0; : > $out/times
	while [ $i -lt $N ]; do
		s=$(date +%s%N); "$@" >/dev/null 2>&1; e=$(date +%s%N)
		echo $(( (e - s) / 1000 )) >> $out/times; i=$((i + 1))
	done
	sort -n $out/times | awk '{a[NR]=$1} END {printf "%.2f", a[int((NR+1)/2)]/1000}'
}

echo "vyrec check, whole process, median of $N runs"
for f in samples/*.yaml; do
	printf '  %-28s %8s ms\n' "$(basename $f)" "$(median_ms $VYREC check $f)"
done

gen() {  # gen N FILE: a program with N statements
	awk -v n=$1 'BEGIN {
		print "vyrec: 1\nname: big\nworkgroup_size: [64]\nparams: {n: u32}"
		print "buffers:\n  x: {type: f32, count: n, access: read_only}"
		print "  y: {type: f32, count: n, access: read_write}\nentry:"
		print "  - let i = gid.x\n  - var acc = 0.0"
		for (k = 4; k < n; k++) printf "  - acc += x[(i + %du) %% n] * %d.5\n", k, k % 7
		print "  - if: i < n\n    then:\n      - y[i] = acc" }' > $2
}
echo "generated programs (statements, median ms, ms per 1000 statements, peak RSS)"
for s in 12500 25000 50000 100000; do
	gen $s $out/big$s.yaml
	N=5 t=$(N=5 median_ms $VYREC check $out/big$s.yaml)
	rss=$( { /usr/bin/time -f %M $VYREC check $out/big$s.yaml >/dev/null; } 2>&1 | tail -1)
	printf '  %7d stmts %9s ms  %6.3f ms/kstmt  %6d KiB\n' $s "$t" \
		"$(echo "$t $s" | awk '{print $1 / ($2 / 1000)}')" "$rss"
done
