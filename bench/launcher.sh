#!/bin/sh
# bench/launcher.sh: whole-process time of `vyrec launcher --lang c` per
# sample and target (median of N runs; target under 20 ms), with the
# self-test's reference run reported separately (vyrec --time-report),
# then the time to build each generated C launcher with `cc -O2` (the
# project's Makefile, one compiler process; target under 2 s).
cd "$(dirname "$0")/.." || exit 1
VYREC=${VYREC:-./vyrec}
N=${N:-11}
out=bench/out/launcher; rm -rf $out; mkdir -p $out

# median_ms CMD...: median wall time of N runs in milliseconds
median_ms() {
	i=0; : > $out/times
	while [ $i -lt $N ]; do
		s=$(date +%s%N); "$@" >/dev/null 2>&1; e=$(date +%s%N)
		echo $(( (e - s) / 1000 )) >> $out/times; i=$((i + 1))
	done
	sort -n $out/times | awk '{a[NR]=$1} END {printf "%.2f", a[int((NR+1)/2)]/1000}'
}

# median_gen PROG TARGET DIR: median_ms of generating into fresh
# directories (--force over an existing tree makes ext4 flush on rename).
median_gen() {
	i=0; : > $out/times
	while [ $i -lt $N ]; do
		rm -rf $3.run
		s=$(date +%s%N); $VYREC launcher $1 -t $2 --lang c -o $3.run >/dev/null 2>&1; e=$(date +%s%N)
		echo $(( (e - s) / 1000 )) >> $out/times; i=$((i + 1))
	done
	rm -rf $3.run
	sort -n $out/times | awk '{a[NR]=$1} END {printf "%.2f", a[int((NR+1)/2)]/1000}'
}

echo "vyrec --version (process start-up alone): $(median_ms $VYREC --version) ms"
echo "vyrec launcher --lang c, whole process, median of $N runs (target < 20 ms)"
printf '  %-12s %-10s %10s %16s %10s\n' sample target "total ms" "self-test run ms" "rest ms"
for f in samples/*.yaml; do
	s=$(basename $f .yaml)
	for t in spv ptx reference; do
		d=$out/$s.$t
		total=$(median_gen $f $t $d)
		ref=$($VYREC launcher $f -t $t --lang c -o $d --time-report 2>&1 |
		      sed -n 's/.*self-test reference run *\([0-9.]*\) ms/\1/p')
		printf '  %-12s %-10s %10s %16s %10.2f\n' $s $t $total "$ref" \
			"$(echo "$total $ref" | awk '{print $1 - $2}')"
	done
done

echo "building a generated launcher: make CFLAGS=-O2 (target < 2 s)"
for f in samples/*.yaml; do
	s=$(basename $f .yaml)
	for t in spv ptx reference; do
		d=$out/$s.$t
		b=$(N=3 median_ms sh -c "make -s -C $d clean && make -s -C $d CC=cc CFLAGS=-O2")
		printf '  %-12s %-10s %8s ms\n' $s $t $b
	done
done
