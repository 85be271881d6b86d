#!/bin/sh
# bench/gpu/launchlib.sh: the cost of the generated C library's calls
# (issue #16, Speed), saxpy through each target's libNAME.a:
#   run      NAME_run at n = 256, 10 000 calls: us a call (copies in and out)
#   dispatch NAME_dispatch at n = 256 on resident buffers, 10 000 calls:
#            us a call (target: at most 20 us on the H200, ptx and spv)
#   big      NAME_dispatch at n = 2^24, median of 21, beside the launcher's
#            own --bench 20 at n = 2^24: its kernel median (GPU timer) and
#            its submit-to-finish median; "x" is dispatch / submit-to-finish
#            (target: within 2 %); NAME_run at 2^24 (with copies) for scale.
# First, per target, a correctness line: tests/launchres/res.c (the resident
# API's steps of t_launchres.sh) through the library, each step's output
# byte-equal to the reference library's ("10 of 10 steps ... (ok)").
#
#   here (the dev machine):  sh bench/gpu/launchlib.sh --prepare
#       generates the saxpy C projects (ptx, spv, reference) and the timing
#       program into .gpu-launchlib/ (ignored by git).
#   there (carry .gpu-launchlib):  sh bench/gpu/launchlib.sh [TARGETS]
#       builds each library and the timing program with make and cc, and
#       prints one line per target; TARGETS defaults to "ptx spv".
#       Runs here too: sh bench/gpu/launchlib.sh spv reference (lavapipe).
cd "$(dirname "$0")/../.." || exit 2
L=.gpu-launchlib
VYREC=${VYREC:-./vyrec}

if [ "$1" = --prepare ]; then
	ex=$(git rev-parse --git-path info/exclude) &&
		{ grep -qx "/$L/" "$ex" || echo "/$L/" >> "$ex"; }
	rm -rf $L && mkdir -p $L
	for t in ptx spv reference; do
		$VYREC launcher samples/saxpy.yaml -t $t --lang c --name saxpy_$t -o $L/$t >/dev/null || exit 1
	done
	cat > $L/calls.c <<'EOC'
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include HEADER
static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}
static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}
#define DIE(what) return printf("%s: %s\n", what, K_error(k)), 1
int main(int argc, char **argv)
{
	size_t big = (size_t)1 << 24;
	int calls = argc > 1 ? atoi(argv[1]) : 10000;
	float *x = malloc(big * 4), *y = malloc(big * 4);
	for (size_t i = 0; i < big; i++)
		x[i] = (float)i, y[i] = 1.0f;
	struct K *k = K_open(-1);
	if (!k)
		return printf("open: %s\n", K_error(NULL)), 1;
	struct K_params p = { 2.0f, 256 };
	struct K_buffers b = { x, 256, y, 256 };
	if (K_run(k, &p, &b))
		DIE("run");
	double t0 = now();
	for (int i = 0; i < calls; i++)
		if (K_run(k, &p, &b))
			DIE("run");
	double run_us = (now() - t0) / calls * 1e6;
	if (K_upload(k, K_buf_x, x, 256) || K_upload(k, K_buf_y, y, 256) || K_dispatch(k, &p))
		DIE("upload");
	t0 = now();
	for (int i = 0; i < calls; i++)
		if (K_dispatch(k, &p))
			DIE("dispatch");
	double disp_us = (now() - t0) / calls * 1e6;
	p.n = (uint32_t)big;
	double t[21];
	if (K_upload(k, K_buf_x, x, big) || K_upload(k, K_buf_y, y, big) || K_dispatch(k, &p))
		DIE("upload 2^24");
	for (int i = 0; i < 21; i++) {
		t0 = now();
		if (K_dispatch(k, &p))
			DIE("dispatch 2^24");
		t[i] = (now() - t0) * 1e3;
	}
	qsort(t, 21, sizeof *t, cmp);
	b.x_count = b.y_count = big;
	double best = 1e30;
	for (int i = 0; i < 4; i++) {
		t0 = now();
		if (K_run(k, &p, &b))
			DIE("run 2^24");
		double r = (now() - t0) * 1e3;
		if (i && r < best)
			best = r;
	}
	printf("run %.2f us/call, dispatch %.2f us/call (n=256, %d calls each); "
	       "dispatch n=2^24 median %.4f ms (run with copies %.3f ms)\n",
	       run_us, disp_us, calls, t[10], best);
	K_close(k);
	return 0;
}
EOC
	cp tests/launchres/res.c $L/res.c
	echo "carry $L; run: sh bench/gpu/launchlib.sh"
	exit 0
fi
[ -d $L ] || { echo "launchlib.sh: run --prepare first (here)" >&2; exit 2; }
targets=${*:-ptx spv}
# correctness first: tests/launchres/res.c (uploads once, dispatches with
# new params and counts, downloads; t_launchres.sh) through each library,
# every step's output byte-equal to the reference library's
resdir() {
	n=saxpy_$1
	make -s -C $L/$1 CFLAGS=-O2 >/dev/null 2>&1 &&
		cc -std=c11 -O2 -I$L/$1/src -DLIB=$n -DHEADER="\"$n.h\"" -o $L/res_$1 $L/res.c $L/$1/lib$n.a -ldl -lm &&
		rm -rf $L/r_$1 && mkdir -p $L/r_$1 && (cd $L/r_$1 && ../res_$1) > $L/r_$1.out 2>&1
}
resdir reference || echo "reference: res.c failed: $(tail -1 $L/r_reference.out 2>/dev/null)"
for t in $targets; do
	[ $t = reference ] && continue
	resdir $t || { echo "$t: resident check FAILED: $(grep -m1 -E 'FAIL|OPEN' $L/r_$t.out 2>/dev/null)"; continue; }
	same=0 all=0
	for f in $L/r_reference/*.out.bin; do
		all=$((all + 1))
		cmp -s "$f" "$L/r_$t/$(basename "$f")" && same=$((same + 1))
	done
	echo "$t: resident check: $same of $all steps equal to the reference library's$([ $same = $all ] && [ $all -gt 0 ] && echo ' (ok)' || echo ' FAILED')"
done
for t in $targets; do
	n=saxpy_$t
	make -s -C $L/$t CFLAGS=-O2 >/dev/null 2>&1 || { echo "$t: build failed"; continue; }
	defs=
	for f in open run error close params buffers upload dispatch download buf_x buf_y; do
		defs="$defs -DK_$f=${n}_$f"
	done
	cc -std=c11 -O2 -I$L/$t/src -DHEADER="\"$n.h\"" -DK=$n $defs \
		-o $L/calls_$t $L/calls.c $L/$t/lib$n.a -ldl -lm || { echo "$t: calls.c failed"; continue; }
	lib=$($L/calls_$t ${CALLS:-10000} 2>&1)
	b=$(cd $L/$t && ./$n --param n=16777216 --in x=iota --in y=const:1 --bench 20 2>&1)
	kern=$(echo "$b" | sed -n 's/^bench: 20 dispatches, median \([0-9.]*\) ms.*/\1/p')
	wall=$(echo "$b" | sed -n 's/.*submit to finish median \([0-9.]*\) ms.*/\1/p')
	disp=$(echo "$lib" | sed -n 's/.*dispatch n=2^24 median \([0-9.]*\) ms.*/\1/p')
	x=$(awk -v d="${disp:-0}" -v w="${wall:-0}" 'BEGIN { if (w > 0) printf "%.3f", d / w; else print "?" }')
	echo "$t: $lib; --bench n=2^24 kernel median ${kern:-?} ms, submit to finish ${wall:-?} ms; dispatch/bench x$x"
done
