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
# byte-equal to the reference library's ("10 of 10 steps ... (ok)"); the
# same for a pipelined program (tests/launchres/pipe.c, jacobi1d: resident
# NAME_dispatch of the whole pipeline, "pipeline check"); and, where cargo
# is installed, the Cargo crates' res.rs and pipe.rs ("rust check": the
# Rust ptx launcher's pinned twins among them), each step checked against
# the reference C library.  spv also prints NAME_run with its copies
# (VYREC_VK_SMALL=0: the path every run took before small runs skipped them).
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
		$VYREC launcher samples/jacobi1d.yaml -t $t --lang c --name jacobi1d_$t -o $L/j$t >/dev/null || exit 1
	done
	for t in ptx spv; do
		for s in saxpy jacobi1d; do
			$VYREC launcher samples/$s.yaml -t $t --lang cargo --name ${s}_$t -o $L/cargo/${s}_$t >/dev/null || exit 1
		done
		for u in res pipe; do
			dep=saxpy_$t
			[ $u = pipe ] && dep=jacobi1d_$t
			mkdir -p $L/cargo/${u}_$t/src
			cp tests/launchres/$u.rs $L/cargo/${u}_$t/src/main.rs
			printf '[package]\nname = "%s"\nversion = "0.1.0"\nedition = "2021"\npublish = false\n\n[dependencies]\nlib = { package = "%s", path = "../%s" }\n' \
				${u}_$t $dep $dep > $L/cargo/${u}_$t/Cargo.toml
		done
	done
	cp tests/launchres/pipe.c $L/pipe.c
	# chk: every "RES TAG A N" step of res.rs's output (in DIR) against the
	# reference library's NAME_run on its inputs
	cat > $L/chk.c <<'EOC'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "saxpy_reference.h"
static float *rd(const char *tag, const char *b, unsigned n)
{
	char p[512];
	snprintf(p, sizeof p, "%s.%s.bin", tag, b);
	float *v = calloc(n ? n : 1, 4);
	FILE *f = fopen(p, "rb");
	if (!v || !f || fread(v, 4, n, f) != n)
		exit(printf("chk: cannot read %s\n", p) * 0 + 2);
	fclose(f);
	return v;
}
int main(void)
{
	char tag[256];
	float a;
	unsigned n, all = 0, same = 0;
	struct saxpy_reference *k = saxpy_reference_open(-1);
	while (k && scanf("RES %255s %f %u\n", tag, &a, &n) == 3) {
		float *x = rd(tag, "x", n), *y = rd(tag, "yin", n), *o = rd(tag, "out", n);
		struct saxpy_reference_params p = { a, n };
		struct saxpy_reference_buffers b = { x, n, y, n };
		all++;
		same += !saxpy_reference_run(k, &p, &b) && !memcmp(y, o, 4 * (size_t)n);
	}
	printf("%u of %u\n", same, all);
	return !(all && same == all);
}
EOC
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
	if (argc > 2)   /* "run": NAME_run alone */
		return printf("%.2f us/call (n=256, %d calls)\n", run_us, calls), 0;
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
# pipe.c (a pipeline on resident buffers) likewise, and the Cargo crates
pdir() {
	n=jacobi1d_$1
	make -s -C $L/j$1 CFLAGS=-O2 >/dev/null 2>&1 &&
		cc -std=c11 -O2 -I$L/j$1/src -DLIB=$n -DHEADER="\"$n.h\"" -o $L/pipe_$1 $L/pipe.c $L/j$1/lib$n.a -ldl -lm &&
		rm -rf $L/p_$1 && mkdir -p $L/p_$1 && (cd $L/p_$1 && ../pipe_$1) > $L/p_$1.out 2>&1
}
# same DIR REFDIR: "S of A steps" where every REFDIR/*.bin is byte-equal in DIR
same() {
	s=0 a=0
	for f in $2/*.bin; do
		a=$((a + 1))
		cmp -s "$f" "$1/$(basename "$f")" && s=$((s + 1))
	done
	echo "$s of $a files equal to the reference library's$([ $s = $a ] && [ $a -gt 0 ] && echo ' (ok)' || echo ' FAILED')"
}
pdir reference || echo "reference: pipe.c failed: $(tail -1 $L/p_reference.out 2>/dev/null)"
cc -std=c11 -O2 -I$L/reference/src -o $L/chk $L/chk.c $L/reference/libsaxpy_reference.a -ldl -lm 2>/dev/null ||
	echo "chk.c failed"
PATH=$PATH:$HOME/.cargo/bin
for t in $targets; do
	[ $t = reference ] && continue
	if pdir $t; then
		echo "$t: pipeline check (jacobi1d, resident dispatch): $(same $L/p_$t $L/p_reference)"
	else
		echo "$t: pipeline check FAILED: $(grep -m1 -E 'FAIL|OPEN' $L/p_$t.out 2>/dev/null)"
	fi
	if ! command -v cargo >/dev/null 2>&1; then
		echo "$t: rust check skipped: cargo is not installed"
		continue
	fi
	for u in res pipe; do
		d=$L/cargo/${u}_$t
		rm -rf $d/run && mkdir -p $d/run
		if ! (cd $d && CARGO_TARGET_DIR=target cargo build --offline --release --quiet) > $d.build.log 2>&1; then
			echo "$t: rust $u.rs build FAILED: $(grep -m1 -A2 '^error' $d.build.log | tr '\n' ' ')"
			continue
		fi
		(cd $d/run && ../target/release/${u}_$t) > $d/run.out 2>&1
		ok=$(grep -c '^OK ' $d/run.out) bad=$(grep -c -E '^(FAIL|OPEN)' $d/run.out)
		if [ $u = res ]; then
			r=$(cd $d/run && grep '^RES ' ../run.out | ../../../chk)
		else
			r=$(same $d/run $L/p_reference)
		fi
		echo "$t: rust check $u.rs: $r; $ok OK, $bad FAIL lines$([ $bad -gt 0 ] && echo ": $(grep -m1 -E '^(FAIL|OPEN)' $d/run.out)")"
	done
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
	# spv: NAME_run with its copies in and out (as before small runs on
	# the staging memory; the same on a device with host-cached memory)
	[ $t = spv ] && echo "spv: run with copies (VYREC_VK_SMALL=0): $(VYREC_VK_SMALL=0 $L/calls_$t ${CALLS:-10000} run 2>&1)"
	b=$(cd $L/$t && ./$n --param n=16777216 --in x=iota --in y=const:1 --bench 20 2>&1)
	kern=$(echo "$b" | sed -n 's/^bench: 20 dispatches, median \([0-9.]*\) ms.*/\1/p')
	wall=$(echo "$b" | sed -n 's/.*submit to finish median \([0-9.]*\) ms.*/\1/p')
	disp=$(echo "$lib" | sed -n 's/.*dispatch n=2^24 median \([0-9.]*\) ms.*/\1/p')
	x=$(awk -v d="${disp:-0}" -v w="${wall:-0}" 'BEGIN { if (w > 0) printf "%.3f", d / w; else print "?" }')
	echo "$t: $lib; --bench n=2^24 kernel median ${kern:-?} ms, submit to finish ${wall:-?} ms; dispatch/bench x$x"
done
