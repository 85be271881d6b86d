#!/bin/sh
# t_runner.sh: tests/run.sh itself, on a scratch tree of fake suites.  Only
# "[nvidia]" skips (skip_nvidia) count as skipped; any other skip counts as
# failed and fails the run; every skip is listed before the closing line,
# which stays "N passed, N failed, N skipped"; ALLOW_SKIPS=1 accepts them.
cd "$(dirname "$0")/.." || exit 2
. tests/lib.sh
O=tests/out/runner
rm -rf $O
mkdir -p $O/ok/tests $O/bad/tests
for d in ok bad; do
	cp tests/run.sh tests/run_one.sh tests/lib.sh $O/$d/tests/
	printf '. tests/lib.sh\nok a1\nok a2\nskip_nvidia a3 "needs a GPU"\n' > $O/$d/tests/t_a.sh
done
printf '. tests/lib.sh\nok b1\nskip b2 "no frobnicator installed"\nskip b3 "no device"\n' > $O/bad/tests/t_b.sh

ONLY= VYREC=true sh $O/ok/tests/run.sh > $O/ok.out 2>&1; rc=$?
[ $rc -eq 0 ] && [ "$(tail -1 $O/ok.out)" = "2 passed, 0 failed, 1 skipped" ] &&
	grep -q '^    t_a: SKIP a3: \[nvidia\] needs a GPU$' $O/ok.out &&
	ok runner_nvidia_skip_allowed || bad runner_nvidia_skip_allowed "exit $rc: $(tr '\n' '|' < $O/ok.out)"

ONLY= VYREC=true sh $O/bad/tests/run.sh > $O/bad.out 2>&1; rc=$?
[ $rc -eq 1 ] && [ "$(tail -1 $O/bad.out)" = "3 passed, 2 failed, 1 skipped" ] &&
	grep -q '^    t_b: SKIP b2: no frobnicator installed$' $O/bad.out &&
	grep -q '^FAIL skips: 2 skipped for a reason other than an NVIDIA GPU' $O/bad.out &&
	ok runner_other_skip_fails || bad runner_other_skip_fails "exit $rc: $(tr '\n' '|' < $O/bad.out)"

ONLY= ALLOW_SKIPS=1 VYREC=true sh $O/bad/tests/run.sh > $O/allow.out 2>&1; rc=$?
[ $rc -eq 0 ] && [ "$(tail -1 $O/allow.out)" = "3 passed, 0 failed, 3 skipped" ] &&
	ok runner_allow_skips || bad runner_allow_skips "exit $rc: $(tr '\n' '|' < $O/allow.out)"

# a suite that exits non-zero without a FAIL line counts as one failure
mkdir -p $O/crash/tests
cp tests/run.sh tests/run_one.sh tests/lib.sh $O/crash/tests/
printf '. tests/lib.sh\nok c1\nexit 3\n' > $O/crash/tests/t_c.sh
ONLY= VYREC=true sh $O/crash/tests/run.sh > $O/crash.out 2>&1; rc=$?
[ $rc -eq 1 ] && [ "$(tail -1 $O/crash.out)" = "1 passed, 1 failed, 0 skipped" ] &&
	grep -q '^    FAIL t_c: suite exited 3$' $O/crash.out &&
	ok runner_suite_exit_counts || bad runner_suite_exit_counts "exit $rc: $(tr '\n' '|' < $O/crash.out)"

# JOBS suites run at once (each of these two waits for the other), and the
# totals do not depend on JOBS
mkdir -p $O/par/tests
cp tests/run.sh tests/run_one.sh tests/lib.sh $O/par/tests/
for me in p1 p2; do
	other=$([ $me = p1 ] && echo p2 || echo p1)
	printf '. tests/lib.sh\ntouch %s/%s.mark\ni=0\nwhile [ ! -f %s/%s.mark ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done\n[ -f %s/%s.mark ] && ok %s_saw_%s || bad %s_saw_%s "ran alone"\n' \
		"$PWD/$O/par" $me "$PWD/$O/par" $other "$PWD/$O/par" $other $me $other $me $other > $O/par/tests/t_$me.sh
done
rm -f $O/par/*.mark
ONLY= JOBS=2 VYREC=true sh $O/par/tests/run.sh > $O/par.out 2>&1; rc=$?
[ $rc -eq 0 ] && [ "$(tail -1 $O/par.out)" = "2 passed, 0 failed, 0 skipped" ] &&
	ok runner_jobs_run_at_once || bad runner_jobs_run_at_once "exit $rc: $(tr '\n' '|' < $O/par.out)"
ONLY= JOBS=1 VYREC=true sh $O/bad/tests/run.sh > $O/bad1.out 2>&1
ONLY= JOBS=3 VYREC=true sh $O/bad/tests/run.sh > $O/bad3.out 2>&1
[ "$(tail -1 $O/bad1.out)" = "$(tail -1 $O/bad3.out)" ] && [ "$(tail -1 $O/bad1.out)" = "3 passed, 2 failed, 1 skipped" ] &&
	ok runner_totals_independent_of_jobs || bad runner_totals_independent_of_jobs "$(tail -1 $O/bad1.out) / $(tail -1 $O/bad3.out)"

# have_backend reads `vyrec backends`: a fake vyrec decides
printf '#!/bin/sh\necho "ID RANK DISPATCHES ON THIS HOST"\necho "vulkan 20 yes ok: fake device"\necho "cuda 10 yes unavailable: no"\n' > $O/fakevy
chmod +x $O/fakevy
if VYREC=$O/fakevy have_backend vulkan && ! VYREC=$O/fakevy have_backend cuda &&
   ! VYREC=$O/fakevy have_backend reference; then
	ok runner_have_backend_reads_vyrec_backends
else
	bad runner_have_backend_reads_vyrec_backends
fi
exit 0
