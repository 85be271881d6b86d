#!/bin/sh
# tests/run.sh: run every tests/t_*.sh suite and count.  A suite prints one
# line per case: "PASS name", "FAIL name: why" or "SKIP name: why"; this
# runner prints the failures and the closing count.  VYREC names the
# binary under test (default ./vyrec); ONLY=t_foo runs one suite.
cd "$(dirname "$0")/.." || exit 2
VYREC=${VYREC:-./vyrec}
export VYREC
mkdir -p tests/out
pass=0 fail=0 skip=0
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
	printf '%-16s %4d passed %3d failed %3d skipped  (%ss)\n' "$name" "$p" "$f" "$k" $(( $(date +%s) - start ))
	grep -E '^(FAIL|SKIP)' "$log" | sed 's/^/    /' | head -40
done
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
