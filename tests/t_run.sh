#!/bin/sh
# tests/t_run.sh: `vyrec run` and `vyrec verify` end to end, and data I/O
# (SPEC §6, §7).  Outputs are checked element by element against values
# computed here independently of vyrec (closed forms in awk, numpy, or a
# small C reference of SplitMix64).  Runs on the reference backend, or on
# vulkan while the reference backend is not available.
. tests/lib.sh
O=tests/out/run
D=tests/data
PY=/usr/bin/python3
mkdir -p $O
rm -f $O/*.npy $O/*.bin $O/*.out $O/*.err

if cc_unit $O/test_data tests/unit/test_data.c 2>$O/cc.log; then
	$O/test_data $O | sed 's/^\(PASS\|FAIL\) /\1 unit_/'
else
	bad unit_build "$(head -3 $O/cc.log)"
fi

BK=reference
if ! $VYREC backends | grep -q '^reference .* ok:'; then
	BK=vulkan
	$VYREC backends | grep -q '^vulkan .* ok:' || { skip run_all "no backend initialises here"; exit 0; }
fi
HAVE_NUMPY=0
$PY -c 'import numpy' 2>/dev/null && HAVE_NUMPY=1

cat > $O/saxpy.yaml <<'Y'
vyrec: 1
name: saxpy
workgroup_size: [64]
params: {a: f32, n: u32}
buffers:
  x: {binding: 0, type: f32, count: n, access: read_only}
  y: {binding: 1, type: f32, count: n, access: read_write}
dispatch: [n]
entry:
  - let i = gid.x
  - if: i < n
    then:
      - y[i] = fma(a, x[i], y[i])
Y
cat > $O/vecadd.yaml <<'Y'
vyrec: 1
name: vecadd
workgroup_size: [32]
params: {n: u32}
buffers:
  a: {type: i32, count: n, access: read_only}
  b: {type: i32, count: n, access: read_only}
  c: {type: i32, count: n, access: write_only}
entry:
  - let i = gid.x
  - if: i < n
    then:
      - c[i] = a[i] * 3 + b[i]
Y
cat > $O/saxpy2.yaml <<'Y'
vyrec: 1
name: saxpy2
workgroup_size: [64]
params: {a: f32, n: u32}
buffers:
  x: {binding: 0, type: f32, count: n, access: read_only}
  y: {binding: 1, type: f32, count: n, access: read_write}
entry:
  - let i = gid.x
  - if: i < len(x)
    then:
      - y[i] = a * x[i] + y[i]
Y
cat > $O/sin.yaml <<'Y'
vyrec: 1
name: sinx
workgroup_size: [64]
params: {n: u32}
buffers:
  x: {type: f32, count: n, access: read_only}
  y: {type: f32, count: n, access: write_only}
entry:
  - let i = gid.x
  - if: i < n
    then:
      - y[i] = sin(x[i] * 100.0)
Y
sed 's/^name: sinx/name: sin0\ntolerance: {ulp: 0, abs: 0}/' $O/sin.yaml > $O/sin0.yaml
cat > $O/ucopy.yaml <<'Y'
vyrec: 1
name: ucopy
workgroup_size: [16]
params: {n: u32}
buffers:
  x: {type: u32, count: n, access: read_only}
  y: {type: u32, count: n, access: write_only}
entry:
  - let i = gid.x
  - if: i < len(x)
    then:
      - y[i] = x[i] ^ 0x55
Y
if ! $VYREC check $O/saxpy.yaml > $O/check.log 2>&1; then
	skip run_all "front end cannot check the test programs yet: $(head -1 $O/check.log)"
	exit 0
fi
run() { $VYREC run "$@" --backend $BK; }

# ---- closed forms ----
run $O/saxpy.yaml --param a=2 --param n=1000 --in x=iota --in y=const:1 --print y > $O/saxpy.out 2>$O/saxpy.err
awk 'BEGIN { printf "y:"; for (i = 0; i < 1000; i++) printf " %d", 2 * i + 1; printf "\n" }' > $O/saxpy.exp
cmp -s $O/saxpy.out $O/saxpy.exp && ok run_saxpy_closed_form || bad run_saxpy_closed_form "$(head -c 200 $O/saxpy.out) $(cat $O/saxpy.err)"

run $O/saxpy.yaml --param a=0.5 --param n=4 --in x=const:0.1 --in y=zeros --print y --print x > $O/p.out 2>&1
printf 'y: 0.0500000007 0.0500000007 0.0500000007 0.0500000007\nx: 0.100000001 0.100000001 0.100000001 0.100000001\n' |
	cmp -s - $O/p.out && ok run_print_f32_roundtrip_digits || bad run_print_f32_roundtrip_digits "$(cat $O/p.out)"

# ---- SplitMix64 values against a C reference ----
cat > $O/sm.c <<'C'
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
int main(int argc, char **argv)
{
	uint64_t s = strtoull(argv[1], 0, 10); int n = atoi(argv[2]);
	long long lo = atoll(argv[3]), hi = atoll(argv[4]); int f = argc > 5;
	for (int i = 0; i < n; i++) {
		s += 0x9E3779B97F4A7C15ull; uint64_t z = s;
		z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
		z = (z ^ (z >> 27)) * 0x94D049BB133111EBull; z ^= z >> 31;
		if (f) { float v = (float)(lo + (hi - lo) * ((double)(z >> 40) / 16777216.0));
			fwrite(&v, 4, 1, stdout); }
		else { int32_t v = (int32_t)(lo + (long long)((z >> 32) % (uint64_t)(hi - lo)));
			fwrite(&v, 4, 1, stdout); }
	}
	return 0;
}
C
if cc -O1 -o $O/sm $O/sm.c; then
	run $O/vecadd.yaml --param n=100 --in a=random:42 --in b=random:43:-5:5 --out a=$O/a.bin --out b=$O/b.bin > /dev/null 2>&1
	$O/sm 42 100 -32768 32768 > $O/a.exp; $O/sm 43 100 -5 5 > $O/b.exp
	cmp -s $O/a.bin $O/a.exp && cmp -s $O/b.bin $O/b.exp && ok data_random_i32_matches_c || bad data_random_i32_matches_c
	run $O/ucopy.yaml --param n=64 --in x=random:7:100:4000000000 --out x=$O/u.bin > /dev/null 2>&1
	$O/sm 7 64 100 4000000000 > $O/u.exp
	cmp -s $O/u.bin $O/u.exp && ok data_random_u32_range_matches_c || bad data_random_u32_range_matches_c
	run $O/saxpy.yaml --param a=1 --param n=50 --in x=random:9 --out x=$O/f.bin > /dev/null 2>&1
	$O/sm 9 50 -1 1 f > $O/f.exp
	cmp -s $O/f.bin $O/f.exp && ok data_random_f32_matches_c || bad data_random_f32_matches_c
	run $O/saxpy.yaml --param a=1 --param n=50 --in x=random:9:-100:250 --out x=$O/f2.bin > /dev/null 2>&1
	$O/sm 9 50 -100 250 f > $O/f2.exp
	cmp -s $O/f2.bin $O/f2.exp && ok data_random_f32_range_matches_c || bad data_random_f32_range_matches_c
else
	skip data_random_c_reference "no C compiler"
fi

# ---- .npy written by numpy, read by vyrec, and back ----
if [ $HAVE_NUMPY -eq 1 ]; then
	run $O/vecadd.yaml --param n=100 --in a=random:1 --in b=random:2 --out a=$O/va.npy --out b=$O/vb.npy --out c=$O/vc.npy > /dev/null 2>&1
	$PY - $O <<'PY' && ok npy_out_read_by_numpy || bad npy_out_read_by_numpy
import numpy as np, sys
o = sys.argv[1]
a, b, c = (np.load(f"{o}/v{k}.npy") for k in "abc")
assert a.dtype == np.dtype('<i4') and c.shape == (100,)
assert (c == (a.astype(np.int64) * 3 + b).astype(np.int32)).all()
PY
	run $O/saxpy.yaml --param a=3 --param n=4 --in x=$D/f32_4.npy --in y=const:0.25 --out y=$O/s.npy > /dev/null 2>&1
	$PY - $O $D <<'PY' && ok npy_in_from_numpy || bad npy_in_from_numpy
import numpy as np, sys
o, d = sys.argv[1:]
x = np.load(f"{d}/f32_4.npy"); y = np.load(f"{o}/s.npy")
exp = np.array([np.float32(np.float64(3) * x[i] + 0.25) for i in range(4)], dtype=np.float32)
assert y.dtype == np.float32 and (y == exp).all(), (y, exp)
PY
	for f in u32_5 u32_v2 u32_v3; do
		n=$($PY -c "import numpy as np; print(np.load('$D/$f.npy').size)")
		run $O/ucopy.yaml --param n=$n --in x=$D/$f.npy --print y > $O/$f.out 2>&1
		exp=$($PY -c "import numpy as np; print('y: ' + ' '.join(str(int(v) ^ 0x55) for v in np.load('$D/$f.npy')))")
		[ "$(cat $O/$f.out)" = "$exp" ] && ok npy_read_$f || bad npy_read_$f "$(cat $O/$f.out) vs $exp"
	done
	run $O/vecadd.yaml --param n=6 --in a=$D/i32_2x3.npy --in b=zeros --print c > $O/m.out 2>&1
	[ "$(cat $O/m.out)" = "c: -3 6 -9 12 -15 18" ] && ok npy_read_2d_c_order || bad npy_read_2d_c_order "$(cat $O/m.out)"
else
	skip npy_numpy "python3-numpy is not installed"
fi
# rejections, each with its own message and exit 1
rej() {
	name=$1 file=$2 n=$3 pat=$4
	run $O/saxpy.yaml --param a=1 --param n=$n --in x=$file --print y > $O/$name.out 2> $O/$name.err; rc=$?
	[ $rc -eq 1 ] && [ ! -s $O/$name.out ] && grep -q -- "$pat" $O/$name.err && ok $name || bad $name "exit $rc: $(cat $O/$name.err)"
}
rej npy_reject_f64 $D/f64_4.npy 4 "buffer 'x': '$D/f64_4.npy' has dtype '<f8' but buffer has type f32 ('<f4')"
rej npy_reject_int_for_float $D/u32_5.npy 5 "has dtype '<u4' but buffer has type f32"
rej npy_reject_big_endian $D/f32_be.npy 4 "is big-endian ('>f4')"
rej npy_reject_fortran $D/f32_fortran.npy 4 "is in Fortran order"
rej npy_reject_bad_header $D/bad_header.npy 4 "malformed .npy header"
rej npy_reject_truncated $D/short.npy 4 "truncated or has trailing bytes"
rej npy_reject_wrong_count $D/f32_4.npy 5 "'$D/f32_4.npy' holds 4 elements but the buffer has 5"
printf 'abcdef' > $O/odd.bin
rej raw_reject_partial_element $O/odd.bin 2 "has 6 bytes, not a whole number of 4-byte f32 elements"
rej gen_reject_unknown rand:3 4 "not a file and not a generator.*zeros, iota, const:V, random:SEED\[:LO:HI\]"
rej gen_reject_bad_const const:abc 4 "'abc' is not a valid f32 value"
# raw round trip: --out .bin is raw little-endian, read back as --in
run $O/ucopy.yaml --param n=5 --in x=iota --out y=$O/r.bin > /dev/null 2>&1
run $O/ucopy.yaml --param n=5 --in x=$O/r.bin --print y > $O/r.out 2>&1
[ "$(od -An -tu4 -v $O/r.bin | tr -s ' \n' ' ')" = " 85 84 87 86 81 " ] && [ "$(cat $O/r.out)" = "y: 0 1 2 3 4" ] &&
	ok raw_round_trip || bad raw_round_trip "$(cat $O/r.out)"

# ---- exit codes ----
code() {
	name=$1 want=$2 pat=$3; shift 3
	"$@" > $O/$name.out 2> $O/$name.err; rc=$?
	[ $rc -eq $want ] && grep -q -- "$pat" $O/$name.err && ok $name || bad $name "exit $rc: $(head -3 $O/$name.err)"
}
code exit2_missing_param 2 "missing --param for n" $VYREC run $O/saxpy.yaml --param a=1 --backend $BK
code exit2_unknown_buffer 2 "did you mean 'y'" $VYREC run $O/saxpy.yaml --param a=1 --param n=2 --print yy --backend $BK
code exit2_unknown_option 2 "unknown option '--frob'" $VYREC run $O/saxpy.yaml --frob
code exit2_bad_param_value 2 "not a valid u32" $VYREC run $O/saxpy.yaml --param a=1 --param n=-3
code exit2_stream_without_chunk 2 "go together" $VYREC run $O/saxpy.yaml --param a=1 --stream x=iota@4
printf 'vyrec: 1\nname: bad\nworkgroup_size: [1]\nentry:\n  - let x = nope + 1\n' > $O/bad.yaml
code exit1_program_error 1 "error" $VYREC run $O/bad.yaml --backend $BK
code exit1_missing_program 1 "" $VYREC run $O/nonexistent.yaml
code exit1_zero_count 1 "buffer 'x' has 0 elements" $VYREC run $O/saxpy.yaml --param a=1 --param n=0 --backend $BK
code exit3_unknown_backend 3 "Fix:" $VYREC run $O/saxpy.yaml --param a=1 --param n=2 --backend metal

# ---- --out is atomic: a failed run leaves no file and keeps an old one ----
echo keep > $O/old.bin
$VYREC run $O/saxpy.yaml --param a=1 --param n=4 --in x=$D/f64_4.npy --out y=$O/new.bin --out y=$O/old.bin > /dev/null 2>&1
[ ! -e $O/new.bin ] && [ "$(cat $O/old.bin)" = keep ] && [ -z "$(ls $O | grep '\.tmp\.')" ] &&
	ok out_atomic_on_input_error || bad out_atomic_on_input_error
$VYREC run $O/saxpy.yaml --param a=1 --param n=4 --backend metal --out y=$O/new.bin > /dev/null 2>&1
[ ! -e $O/new.bin ] && ok out_atomic_on_backend_error || bad out_atomic_on_backend_error
cat > $O/oob.yaml <<'Y'
vyrec: 1
name: oob
workgroup_size: [4]
params: {n: u32}
buffers:
  y: {type: u32, count: n, access: read_write}
entry:
  - y[gid.x + 1] = 7
Y
if [ $BK = reference ]; then
	$VYREC run $O/oob.yaml --backend reference --param n=4 --out y=$O/oob.bin > /dev/null 2> $O/oob.err; rc=$?
	[ $rc -eq 3 ] && [ ! -e $O/oob.bin ] && ok out_atomic_on_dispatch_error || bad out_atomic_on_dispatch_error "exit $rc: $(cat $O/oob.err)"
else
	skip out_atomic_on_dispatch_error "needs the reference backend"
fi
dd if=/dev/urandom of=$O/big.bin bs=4096 count=64 2>/dev/null
run $O/ucopy.yaml --param n=65536 --in x=$O/big.bin --out y=$O/bigy.bin > /dev/null 2>&1
run $O/ucopy.yaml --param n=65536 --in x=$O/bigy.bin --out y=$O/bigz.bin > /dev/null 2>&1
cmp -s $O/big.bin $O/bigz.bin && ok out_large_round_trip || bad out_large_round_trip

# ---- --stream equals the concatenation of per-chunk runs ----
SB=$BK
$VYREC run $O/ucopy.yaml --backend $SB --param n=1 --stream x=iota@2 --chunk 1 > /dev/null 2> $O/st.err
if grep -q 'cannot stream' $O/st.err; then
	grep -q "backend \`$SB\` cannot stream. Fix: " $O/st.err && ok stream_unsupported_error || bad stream_unsupported_error "$(cat $O/st.err)"
	SB=vulkan
fi
if $VYREC backends | grep -q "^$SB .* ok:"; then
	dd if=/dev/urandom of=$O/sx.bin bs=4000 count=100 2>/dev/null   # 100000 elements
	$VYREC run $O/saxpy2.yaml --backend $SB --param a=1.5 --in y=const:2 --stream x=$O/sx.bin --chunk 7000 --out y=$O/sy.bin > /dev/null 2> $O/st.err
	rm -f $O/cat.bin
	off=0
	while [ $off -lt 100000 ]; do
		n=$((100000 - off)); [ $n -gt 7000 ] && n=7000
		dd if=$O/sx.bin of=$O/chunk.bin bs=4 skip=$off count=$n 2>/dev/null
		$VYREC run $O/saxpy2.yaml --backend $SB --param a=1.5 --param n=$n --in x=$O/chunk.bin --in y=const:2 --out y=$O/cy.bin > /dev/null 2>&1
		cat $O/cy.bin >> $O/cat.bin
		off=$((off + n))
	done
	[ -s $O/sy.bin ] && cmp -s $O/sy.bin $O/cat.bin && ok stream_equals_per_chunk_runs || bad stream_equals_per_chunk_runs "$(cat $O/st.err)"
	$VYREC run $O/saxpy2.yaml --backend $SB --param a=1.5 --param n=100000 --in x=$O/sx.bin --in y=const:2 --out y=$O/whole.bin > /dev/null 2>&1
	cmp -s $O/sy.bin $O/whole.bin && ok stream_equals_whole_run || bad stream_equals_whole_run
	$VYREC run $O/ucopy.yaml --backend $SB --stream x=iota@10 --chunk 4 --print y > $O/sg.out 2>&1
	[ "$(cat $O/sg.out)" = "y: 85 84 87 86 81 80 83 82 93 92" ] && ok stream_generator_count || bad stream_generator_count "$(cat $O/sg.out)"
else
	skip stream_equivalence "no streaming backend initialises here"
fi

# ---- verify ----
if $VYREC backends | grep -q '^reference .* ok:'; then
	if $VYREC backends | grep -q '^vulkan .* ok:'; then
		# default params fill 4 workgroups of 64; a * x + y is exact everywhere
		$VYREC verify $O/saxpy2.yaml > $O/v.out 2> $O/v.err; rc=$?
		[ $rc -eq 0 ] && grep -q '^vulkan (llvmpipe.*): PASS 1 buffer, 256 elements, max error 0 ulp$' $O/v.out &&
			grep -q '^SKIP cuda: ' $O/v.out && ok verify_saxpy_vulkan || bad verify_saxpy_vulkan "exit $rc: $(cat $O/v.out $O/v.err)"
		# sin within its registry bound passes; with tolerance 0 it fails
		$VYREC verify $O/sin.yaml --param n=4096 > $O/vs.out 2>&1; rc=$?
		[ $rc -eq 0 ] && grep -q '^vulkan.*: PASS 1 buffer, 4096 elements' $O/vs.out && ok verify_sin_within_registry_bound || bad verify_sin_within_registry_bound "exit $rc: $(cat $O/vs.out)"
		$VYREC verify $O/sin0.yaml --param n=4096 > $O/vs0.out 2>&1; rc=$?
		[ $rc -eq 4 ] && grep -q '^vulkan.*: FAIL buffer y\[[0-9]*\]: got [-0-9.e]* expected [-0-9.e]* ([0-9]* ulp > 0)' $O/vs0.out &&
			ok verify_mismatch_exit4 || bad verify_mismatch_exit4 "exit $rc: $(cat $O/vs0.out)"
	fi
	$VYREC verify $O/vecadd.yaml --backends reference --param n=77 --seed 5 > $O/v2.out 2>&1; rc=$?
	# the reference against itself runs, but compares with no other backend: exit 3
	[ $rc -eq 3 ] && grep -q '^reference.*: PASS 1 buffer, 77 elements' $O/v2.out && grep -q 'nothing was compared' $O/v2.out && ok verify_explicit_list || bad verify_explicit_list "exit $rc: $(cat $O/v2.out)"
	$VYREC verify $O/vecadd.yaml --backends cuda > $O/v3.out 2>&1; rc=$?
	[ $rc -eq 3 ] && grep -q '^SKIP cuda: .*Fix:' $O/v3.out && ok verify_listed_backend_unavailable_exit3 || bad verify_listed_backend_unavailable_exit3 "exit $rc: $(cat $O/v3.out)"
	VK_ICD_FILENAMES=/nonexistent.json VK_DRIVER_FILES=/nonexistent.json $VYREC verify $O/vecadd.yaml > $O/v4.out 2>&1; rc=$?
	[ $rc -eq 3 ] && grep -q 'nothing was compared: no backend besides the reference ran' $O/v4.out && grep -q '^Fix: ' $O/v4.out && ok verify_no_gpu_exit3 || bad verify_no_gpu_exit3 "exit $rc: $(cat $O/v4.out)"
else
	skip verify_all "needs the reference backend"
fi

# a launch-time size past the per-buffer limit is a clear error, not a 16 GB allocation
"$VYREC" run samples/saxpy.yaml --backend reference --param a=1 --param n=4000000000 \
	> tests/out/huge.out 2> tests/out/huge.err
rc=$?
if [ $rc -eq 1 ] && grep -q "more than the 1073741824-element limit" tests/out/huge.err &&
   grep -q "Fix:" tests/out/huge.err; then ok run_huge_count_limit; else bad run_huge_count_limit "rc=$rc $(head -c 200 tests/out/huge.err)"; fi
