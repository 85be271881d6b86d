#!/bin/sh
# tests/run_one.sh SUITE: run one tests/t_*.sh suite for tests/run.sh,
# with its output in tests/out/NAME.log, and write the counts to
# tests/out/NAME.sum ("passed failed skipped bad-skips seconds") and print
# the suite's summary line.  A suite that exits non-zero without a FAIL
# line gets one.  Only a skip tagged "[nvidia]" is an allowed skip.
s=$1
name=$(basename "$s" .sh)
log=tests/out/$name.log
start=$(date +%s)
sh "$s" > "$log" 2>&1
rc=$?
p=$(grep -c '^PASS' "$log"); f=$(grep -c '^FAIL' "$log"); k=$(grep -c '^SKIP' "$log")
if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then
	echo "FAIL $name: suite exited $rc" >> "$log"; f=1
fi
b=$(grep '^SKIP' "$log" | grep -vc '^SKIP [^ ]*: \[nvidia\] ')
t=$(( $(date +%s) - start ))
echo "$p $f $k $b $t" > "tests/out/$name.sum"
{
	printf '%-16s %4d passed %3d failed %3d skipped  (%ss)\n' "$name" "$p" "$f" "$k" "$t"
	grep -E '^(FAIL|SKIP)' "$log" | sed 's/^/    /' | head -40
} | cat
