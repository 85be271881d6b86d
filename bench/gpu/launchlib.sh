#!/bin/sh
# bench/gpu/launchlib.sh: the cost of the generated C library's NAME_run
# (issue #16, Speed): 10 000 calls of saxpy at n = 256 (target: at most
# 20 us a call on the H200, ptx and spv), and NAME_run at n = 2^24 beside
# the launcher's own --bench kernel time (NAME_run adds the copies in and
# out, which --bench leaves out; the table shows both).
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
int main(void)
{
	size_t big = (size_t)1 << 24;
	float *x = malloc(big * 4), *y = malloc(big * 4);
	for (size_t i = 0; i < big; i++)
		x[i] = (float)i, y[i] = 1.0f;
	struct K *k = K_open(-1);
	if (!k)
		return printf("open: %s\n", K_error(NULL)), 1;
	struct K_params p = { 2.0f, 256 };
	struct K_buffers b = { x, 256, y, 256 };
	int calls = 10000;
	if (K_run(k, &p, &b))
		return printf("run: %s\n", K_error(k)), 1;
	double t0 = now();
	for (int i = 0; i < calls; i++)
		if (K_run(k, &p, &b))
			return printf("run: %s\n", K_error(k)), 1;
	double tiny = (now() - t0) / calls * 1e6;
	p.n = (uint32_t)big;
	b.x_count = b.y_count = big;
	double best = 1e30;
	for (int i = 0; i < 6; i++) {
		t0 = now();
		if (K_run(k, &p, &b))
			return printf("run: %s\n", K_error(k)), 1;
		double t = (now() - t0) * 1e3;
		if (i && t < best)
			best = t;
	}
	printf("%.2f us/call (n=256, %d calls); NAME_run n=2^24 best of 5 %.3f ms (with copies)\n",
	       tiny, calls, best);
	K_close(k);
	return 0;
}
EOC
	echo "carry $L; run: sh bench/gpu/launchlib.sh"
	exit 0
fi
[ -d $L ] || { echo "launchlib.sh: run --prepare first (here)" >&2; exit 2; }
targets=${*:-ptx spv}
for t in $targets; do
	n=saxpy_$t
	make -s -C $L/$t CFLAGS=-O2 >/dev/null 2>&1 || { echo "$t: build failed"; continue; }
	cc -std=c11 -O2 -I$L/$t/src -DHEADER="\"$n.h\"" -DK=$n -DK_open=${n}_open -DK_run=${n}_run \
		-DK_error=${n}_error -DK_close=${n}_close -DK_params=${n}_params -DK_buffers=${n}_buffers \
		-o $L/calls_$t $L/calls.c $L/$t/lib$n.a -ldl -lm || { echo "$t: calls.c failed"; continue; }
	lib=$($L/calls_$t 2>&1)
	bench=$(cd $L/$t && ./$n --param n=16777216 --in x=iota --in y=const:1 --bench 20 2>&1 | sed -n 's/^bench: 20 dispatches, median \([0-9.]*\) ms.*/\1/p')
	echo "$t: $lib; --bench n=2^24 kernel median ${bench:-?} ms"
done
