#!/bin/sh
# tests/run.sh: run every tests/t_*.sh suite and count.  A suite prints one
# line per case: "PASS name", "FAIL name: why" or "SKIP name: why"; this
# runner prints the failures and the closing count.  VYREC names the
# binary under test (default ./vyrec); ONLY=t_foo runs one suite.
# Skips cannot hide: only a skip tagged "[nvidia]" (tests/lib.sh's
# skip_nvidia: the case needs an NVIDIA GPU or is displaced by one) counts
# as skipped; any other skip counts as failed (ALLOW_SKIPS=1 counts it as
# skipped instead, for a machine knowingly without some tool).  Every skip
# is listed at the end, before the closing "N passed, N failed, N skipped".
# tests/run_one.sh runs each suite; JOBS suites run at once.
cd "$(dirname "$0")/.." || exit 2
VYREC=${VYREC:-./vyrec}
export VYREC
mkdir -p tests/out
pass=0 fail=0 skip=0 bad_skip=0
skips=tests/out/skips.txt
: > $skips
# Suites run JOBS at a time (default: the machine's cores, at most 4; each
# suite keeps its files under its own tests/out/NAME), the slowest first
# so that the run ends together; JOBS=1 runs them one after another.
JOBS=${JOBS:-$(n=$(nproc 2>/dev/null || echo 1); [ "$n" -gt 4 ] && n=4; echo $n)}
slow="t_spv t_ptx t_launcher_c t_opt t_glsl t_vulkan t_launcher_cargo t_launchlib t_fuzz t_tables"
list=$( { for n in $slow; do [ -f tests/$n.sh ] && echo tests/$n.sh; done
	  for s in tests/t_*.sh; do case " $slow " in *" $(basename "$s" .sh) "*) ;; *) echo "$s";; esac; done; } |
	while read -r s; do
		name=$(basename "$s" .sh)
		[ -n "$ONLY" ] && [ "$ONLY" != "$name" ] && continue
		rm -f "tests/out/$name.sum"; echo "$s"
	done)
echo "$list" | grep . | xargs -P "$JOBS" -n 1 sh tests/run_one.sh
for s in $list; do
	name=$(basename "$s" .sh)
	if [ ! -f "tests/out/$name.sum" ]; then
		echo "FAIL $name: the suite did not finish"; fail=$((fail + 1)); continue
	fi
	read -r p f k b t < "tests/out/$name.sum"
	pass=$((pass + p)); fail=$((fail + f)); skip=$((skip + k)); bad_skip=$((bad_skip + b))
	grep '^SKIP' "tests/out/$name.log" | sed "s/^/$name: /" >> $skips
done
if [ -s $skips ]; then
	echo "skipped ($skip; only [nvidia] skips are allowed$([ "$ALLOW_SKIPS" = 1 ] && echo ', ALLOW_SKIPS=1 allows all')):"
	sed 's/^/    /' $skips
fi
if [ "$bad_skip" -gt 0 ] && [ "$ALLOW_SKIPS" != 1 ]; then
	echo "FAIL skips: $bad_skip skipped for a reason other than an NVIDIA GPU (make deps installs the tools; ALLOW_SKIPS=1 to accept), counted as failed"
	fail=$((fail + bad_skip)) skip=$((skip - bad_skip))
fi
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
