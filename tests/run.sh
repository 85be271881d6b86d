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
cd "$(dirname "$0")/.." || exit 2
VYREC=${VYREC:-./vyrec}
export VYREC
mkdir -p tests/out
pass=0 fail=0 skip=0 bad_skip=0
skips=tests/out/skips.txt
: > $skips
for s in tests/t_*.sh; do
	name=$(basename "$s" .sh)
	[ -n "$ONLY" ] && [ "$ONLY" != "$name" ] && continue
	log=tests/out/$name.log
	start=$(date +%s)
	sh "$s" > "$log" 2>&1
	rc=$?
	p=$(grep -c '^PASS' "$log"); f=$(grep -c '^FAIL' "$log"); k=$(grep -c '^SKIP' "$log")
	if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "FAIL $name: suite exited $rc" >> "$log"; f=1
	fi
	pass=$((pass + p)); fail=$((fail + f)); skip=$((skip + k))
	grep '^SKIP' "$log" | sed "s/^/$name: /" >> $skips
	b=$(grep '^SKIP' "$log" | grep -vc '^SKIP [^ ]*: \[nvidia\] ')
	bad_skip=$((bad_skip + b))
	printf '%-16s %4d passed %3d failed %3d skipped  (%ss)\n' "$name" "$p" "$f" "$k" $(( $(date +%s) - start ))
	grep -E '^(FAIL|SKIP)' "$log" | sed 's/^/    /' | head -40
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
