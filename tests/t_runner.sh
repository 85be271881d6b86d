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
	cp tests/run.sh tests/lib.sh $O/$d/tests/
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
