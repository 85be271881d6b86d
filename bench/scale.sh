#!/bin/sh
# bench/scale.sh: time and peak memory of every target at SPEC §8's limits.
#
# Programs (generated, as unrolled user code would be):
#   stmts N   N statements `acc += x[(i + K) % n] * C`, K distinct (so N
#             distinct u32 constants), as bench/frontend.sh's
#   lets N    N statements `let tK = tK-1 + x[...] * C`: N locals
#   expr B    one `let` whose expression is about B bytes
# Rows: vyrec check; build -t spv (validated with SPIRV-Tools in-process),
# ptx, glsl (validated with glslang in-process), reference; run on the
# reference backend; and, on the same input, spirv-val on vyrec's SPIR-V
# and glslangValidator -V on vyrec's GLSL.  Each cell: wall seconds, CPU
# seconds (user+sys) and peak RSS (MiB) from /usr/bin/time (Debian package
# `time`).  A command past LIMIT seconds (default 300) is stopped and shown
# as ">LIMIT".
# Environment: VYREC (default ./vyrec), LIMIT, SIZES (default
# "stmts:1000 stmts:10000 stmts:100000 lets:100000 expr:1024 expr:16384
# expr:65536").
cd "$(dirname "$0")/.." || exit 2
VYREC=${VYREC:-./vyrec}
LIMIT=${LIMIT:-300}
SIZES=${SIZES:-"stmts:1000 stmts:10000 stmts:100000 lets:100000 expr:1024 expr:16384 expr:65536"}
T=$(mktemp -d /tmp/vyscale.XXXXXX)
trap 'rm -rf $T' EXIT
[ -x /usr/bin/time ] || { echo "scale.sh: /usr/bin/time is missing. Fix: apt-get install time" >&2; exit 2; }
"$VYREC" --version > /dev/null 2>&1 || { echo "scale.sh: $VYREC does not run. Fix: make, or set VYREC" >&2; exit 2; }

# gen KIND SIZE FILE
gen() {
	awk -v kind=$1 -v n=$2 'BEGIN {
		print "vyrec: 1\nname: scale\nworkgroup_size: [64]\nparams: {n: u32}"
		print "buffers:\n  x: {type: f32, count: n, access: read_only}"
		print "  y: {type: f32, count: n, access: read_write}\nentry:"
		print "  - let i = gid.x"
		if (kind == "stmts") {
			print "  - var acc = 0.0"
			for (k = 3; k < n - 1; k++) printf "  - acc += x[(i + %du) %% n] * %d.5\n", k, k % 7
			r = "acc"
		} else if (kind == "lets") {
			print "  - let t2 = 0.0"
			for (k = 3; k < n - 1; k++) printf "  - let t%d = t%d + x[(i + %du) %% n] * %d.25\n", k, k - 1, k, k % 9
			r = "t" (n - 2)
		} else {
			s = "  - let v = x[i]"; k = 0
			while (length(s) < n - 40) { s = s sprintf(" + x[(i + %du) %% n] * %d.5", k % 61, k % 7); k++ }
			print s; r = "v"
		}
		print "  - if: i < n\n    then:\n      - y[i] = " r }' > $3
}

# cell CMD...: "wall/cpu s, MiB" of one run, ">LIMIT" past the limit,
# "fail" when it exits non-zero.
cell() {
	timeout $LIMIT /usr/bin/time -f '%e %U %S %M' -o $T/tv "$@" > $T/out 2>&1
	rc=$?
	if [ $rc = 124 ] || [ $rc = 137 ]; then echo ">${LIMIT}s"; return; fi
	if [ $rc != 0 ]; then echo "fail($rc)"; return; fi
	tail -1 $T/tv | awk '{ printf "%.2f/%.2fs %dMiB", $1, $2 + $3, ($4 + 1023) / 1024 }'
}

echo "bench/scale.sh: $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "$($VYREC --version | head -1); $(glslangValidator --version 2>/dev/null | head -1); spirv-val $(spirv-val --version 2>&1 | head -1)"
echo "each cell: wall/cpu seconds, peak RSS; limit ${LIMIT}s"
printf '%-13s %-22s %-22s %-22s %-22s %-22s %-22s %-22s %-22s\n' program check spv spirv-val ptx glsl glslangValidator reference "run reference"
for sz in $SIZES; do
	kind=${sz%%:*}; n=${sz#*:}
	p=$T/$kind$n.yaml
	gen $kind $n $p
	"$VYREC" build $p -t spv --no-validate -o $T/s.spv > /dev/null 2>&1
	"$VYREC" build $p -t glsl --no-validate -o $T/s.comp > /dev/null 2>&1
	c=$(cell "$VYREC" check $p)
	s=$(cell "$VYREC" build $p -t spv -o $T/o.spv)
	sv=$(cell spirv-val --target-env vulkan1.1 $T/s.spv)
	x=$(cell "$VYREC" build $p -t ptx -o $T/o.ptx)
	g=$(cell "$VYREC" build $p -t glsl -o $T/o.comp)
	gv=$(cell glslangValidator -V --target-env vulkan1.1 $T/s.comp -o $T/g.spv)
	r=$(cell "$VYREC" build $p -t reference -o $T/o.vyref)
	rr=$(cell "$VYREC" run $p --backend reference --param n=256 --in x=iota --out y=$T/y.bin)
	printf '%-13s %-22s %-22s %-22s %-22s %-22s %-22s %-22s %-22s\n' "$kind $n" "$c" "$s" "$sv" "$x" "$g" "$gv" "$r" "$rr"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
