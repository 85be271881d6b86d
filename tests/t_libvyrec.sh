#!/bin/sh
# t_libvyrec.sh: libvyrec as a library others link (SPEC §10.8, libvyrec(3)).
# `make install DESTDIR=scratch` installs libvyrec.so (soname
# libvyrec.so.1, only vyrec_* exported), libvyrec.a, vyrec.pc and
# libvyrec.h; examples/saxpy.c is built through `pkg-config --cflags
# --libs vyrec` against that tree (shared and --static) and run.  The
# header compiles as C11 and C++17 with -Wall -Werror -pedantic.
# tests/unit/test_api.c drives the API (compile from a path and from
# memory, each target's bytes and manifest, diagnostics as data, reference
# runs with new params, every error path) and the traps that keep internal
# errors from exiting; its artifacts must equal `vyrec build`'s.  The
# library's sources call exit() and abort() only where no trap is set.
cd "$(dirname "$0")/.." || exit 2
. tests/lib.sh
O=tests/out/libvyrec
rm -rf $O && mkdir -p $O
S=$(pwd)/$O/root

# ---- install ----
if make -s install DESTDIR="$S" PREFIX=/usr > $O/install.log 2>&1; then
	ok install
else
	bad install "$(tail -3 $O/install.log | tr '\n' ' ')"
fi
L=$S/usr/lib
for f in lib/libvyrec.so.1.0.0 lib/libvyrec.so.1 lib/libvyrec.so lib/libvyrec.a \
	 lib/pkgconfig/vyrec.pc include/libvyrec.h share/man/man3/libvyrec.3 bin/vyrec; do
	[ -e "$S/usr/$f" ] || bad "installed_$(basename $f)" "$f missing"
done
[ -e "$S/usr/include/vyrec.h" ] && bad installed_no_internal_header "include/vyrec.h is internal"
ok installed_files
soname=$(readelf -d $L/libvyrec.so.1.0.0 2>/dev/null | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')
[ "$soname" = libvyrec.so.1 ] && ok soname || bad soname "got '$soname'"
[ "$(readlink $L/libvyrec.so)" = libvyrec.so.1 ] && [ "$(readlink $L/libvyrec.so.1)" = libvyrec.so.1.0.0 ] &&
	ok so_links || bad so_links "$(ls -l $L | tr '\n' ' ')"
other=$(nm -D --defined-only $L/libvyrec.so.1.0.0 | awk '$2 ~ /[TDBR]/ && $3 !~ /^vyrec_/' | head -3)
[ -z "$other" ] && ok exports_only_vyrec || bad exports_only_vyrec "$other"
n=$(nm -D --defined-only $L/libvyrec.so.1.0.0 | grep -c ' T vyrec_')
want=$(grep -c '^[a-z].*[ *]vyrec_[a-z_]*(' include/libvyrec.h)
[ "$n" = "$want" ] && ok exports_every_function || bad exports_every_function "$n exported, header declares $want"
man -l "$S/usr/share/man/man3/libvyrec.3" > $O/man.txt 2>&1 && grep -q vyrec_run_reference $O/man.txt &&
	ok man3 || bad man3 "$(head -3 $O/man.txt)"

# ---- pkg-config and the example ----
export PKG_CONFIG_PATH=$L/pkgconfig PKG_CONFIG_SYSROOT_DIR=$S
v=$(pkg-config --modversion vyrec 2>&1)
[ "$v" = "$($VYREC --version | sed -n '1s/^vyrec \([0-9.]*\).*/\1/p')" ] && ok pc_version || bad pc_version "$v"
cf=$(echo $(pkg-config --cflags vyrec)) && libs=$(echo $(pkg-config --libs vyrec))
[ "$cf" = "-I$S/usr/include" ] && [ "$libs" = "-L$L -lvyrec" ] && ok pc_flags || bad pc_flags "'$cf' '$libs'"
cp examples/saxpy.c examples/Makefile $O/
if make -s -C $O saxpy > $O/example_cc.log 2>&1; then
	ok example_build_pkgconfig
	LD_LIBRARY_PATH=$L $O/saxpy > $O/example.out 2>&1
	rc=$?
	[ $rc = 0 ] && grep -q '^example: PASS' $O/example.out && grep -q '^reference: y\[3\] = 7$' $O/example.out &&
		ok example_run || bad example_run "exit $rc: $(tail -2 $O/example.out | tr '\n' ' ')"
	spvb=$(sed -n 's/^saxpy: spv \([0-9]*\) bytes.*/\1/p' $O/example.out)
	sed -n '/^static const char saxpy/,/;$/p' examples/saxpy.c | sed -n 's/^	"\(.*\)\\n"[;]*$/\1/p' > $O/saxpy.yaml
	$VYREC build $O/saxpy.yaml -t spv -o $O/ex.spv 2>$O/ex.err
	[ -n "$spvb" ] && [ "$spvb" = "$(wc -c < $O/ex.spv)" ] && ok example_spv_size || bad example_spv_size "example $spvb, vyrec build $(wc -c < $O/ex.spv 2>/dev/null)"
	LD_LIBRARY_PATH=$L ldd $O/saxpy | grep -q "libvyrec.so.1 => $L/libvyrec.so.1" && ok example_links_shared ||
		bad example_links_shared "$(LD_LIBRARY_PATH=$L ldd $O/saxpy | grep vyrec)"
else
	bad example_build_pkgconfig "$(grep -m3 -E 'error|undefined' $O/example_cc.log | tr '\n' ' ')"
fi
# the archive: `pkg-config --static` lists what it needs
if cc -std=c11 -Wall -Werror $cf -o $O/saxpy_static examples/saxpy.c $L/libvyrec.a \
	$(pkg-config --static --libs vyrec | sed 's/-lvyrec//') > $O/static_cc.log 2>&1; then
	$O/saxpy_static > $O/static.out 2>&1 && grep -q '^example: PASS' $O/static.out &&
		! ldd $O/saxpy_static | grep -q libvyrec && ok example_static || bad example_static "$(tail -2 $O/static.out)"
else
	bad example_static "$(grep -m3 -E 'error|undefined' $O/static_cc.log | tr '\n' ' ')"
fi
unset PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR

# ---- the header as C11 and C++17 ----
printf '#include <libvyrec.h>\nint main(void) { struct vyrec_options o; vyrec_options_init(&o); return o.opt_level != 1; }\n' > $O/h.c
cp $O/h.c $O/h.cpp
check header_c11 cc -std=c11 -Wall -Wextra -Werror -pedantic -fsyntax-only -I$S/usr/include $O/h.c
check header_cxx17 c++ -std=c++17 -Wall -Wextra -Werror -pedantic -fsyntax-only -I$S/usr/include $O/h.cpp
if command -v clang++-14 > /dev/null; then
	check header_clangxx17 clang++-14 -std=c++17 -Wall -Wextra -Werror -pedantic -fsyntax-only -I$S/usr/include $O/h.cpp
else
	bad header_clangxx17 "clang++-14 not installed (make deps installs clang-14)"
fi
if c++ -std=c++17 -Wall -Werror -I$S/usr/include -o $O/saxpy_cxx -x c++ examples/saxpy.c -L$L -lvyrec > $O/cxx.log 2>&1; then
	LD_LIBRARY_PATH=$L $O/saxpy_cxx | grep -q '^example: PASS' && ok example_as_cxx17 || bad example_as_cxx17 "run failed"
else
	bad example_as_cxx17 "$(grep -m2 error $O/cxx.log | tr '\n' ' ')"
fi

# ---- the API ----
if cc_unit $O/test_api tests/unit/test_api.c > $O/api_cc.log 2>&1; then
	$O/test_api $O > $O/api.out 2> $O/api.err
	rc=$?
	cat $O/api.out
	[ $rc = 0 ] || grep -q '^FAIL' $O/api.out || bad api "exit $rc: $(head -3 $O/api.err | tr '\n' ' ')"
	for t in spv ptx glsl reference; do
		$VYREC build samples/saxpy.yaml -t $t -o $O/cli.$t 2>/dev/null
		cmp -s $O/saxpy.$t $O/cli.$t && ok "api_bytes_equal_build_$t" || bad "api_bytes_equal_build_$t" "differs from vyrec build -t $t"
	done
	$VYREC build samples/saxpy.yaml -t spv -o $O/cli2.spv --manifest $O/cli.json 2>/dev/null
	cmp -s $O/saxpy.spv.json $O/cli.json && ok api_manifest_equals_build || bad api_manifest_equals_build "differs"
	# a program of several kernel parts (a pipeline): glsl is one shader per
	# part, one after the other, as build's manifest hashes them
	for t in spv ptx glsl reference; do
		$O/test_api --emit samples/softmax.yaml $t $O/softmax.api.$t $O/softmax.api.$t.json 2> $O/softmax.$t.err
		t2=spv; [ $t = spv ] && t2=ptx   # two targets: -o names a directory
		$VYREC build samples/softmax.yaml -t $t -t $t2 -o $O/sm_cli --manifest $O/sm_cli/softmax.json 2>/dev/null
		cmp -s $O/softmax.api.$t.json $O/sm_cli/softmax.$t.json && ok "api_pipeline_manifest_$t" ||
			bad "api_pipeline_manifest_$t" "$(head -2 $O/softmax.$t.err) $(diff $O/softmax.api.$t.json $O/sm_cli/softmax.$t.json | head -4 | tr '\n' ' ')"
	done
else
	bad api_build "$(grep -m3 -E 'error|undefined' $O/api_cc.log | tr '\n' ' ')"
fi

# ---- no exit inside the library ----
# every exit()/abort() of the library's sources: the three in diag.c that
# run only when no trap is set (the command line), and vm.c's, compiled
# only into generated launchers (vm_no_abort checks libvyrec's vm.o)
hits=$(grep -n -E '(^|[^_a-z])(exit|abort|_exit|quick_exit) *\(' src/*.c src/*.cpp emitters/*.c backends/*.c launchers/*.c |
	grep -v -E '^src/(main|options|cmd_[a-z]*)\.c:' | grep -v -E '^[^:]*:[0-9]*: *(/\*|\*)' |
	sed 's/:\([0-9]*\):.*(\(.*\)).*/:\2/' | sort | tr '\n' ' ')
[ "$hits" = "src/diag.c:VY_EXIT_INTERNAL src/diag.c:VY_EXIT_PROGRAM src/diag.c:VY_EXIT_PROGRAM src/vm.c: " ] &&
	ok no_exit_in_library || bad no_exit_in_library "$hits"
grep -q 'ifdef VYVM_LIBVYREC' src/vm.c && nm build/src/vm.o | grep -q ' U abort$' &&
	bad vm_no_abort "vm.o calls abort inside libvyrec" || ok vm_no_abort

# ---- vyrec verify --in, the params it chose, --json (SPEC §10.9) ----
# A gather reads x[idx[i]]: seeded indices run out of bounds on the
# reference, so it can be verified only with --in fixing idx.
cat > $O/gather.yaml <<'Y'
vyrec: 1
name: gather
workgroup_size: [64]
params: {n: u32}
buffers:
  idx: {binding: 0, type: u32, count: n, access: read_only}
  x: {binding: 1, type: f32, count: n, access: read_only}
  y: {binding: 2, type: f32, count: n, access: write_only}
dispatch: [n]
entry:
  - let i = gid.x
  - if: i < n
    then:
      - y[i] = x[idx[i]] * 2.0
Y
$VYREC verify samples/saxpy.yaml --backends reference > $O/v0.out 2> $O/v0.err; rc=$?
[ "$(sed -n 1p $O/v0.out)" = "params: a=1.5 n=1024" ] && ok verify_prints_params || bad verify_prints_params "$(sed -n 1p $O/v0.out)"
[ "$(sed -n 2p $O/v0.out)" = "inputs: x=random:1 y=random:2" ] && ok verify_prints_inputs || bad verify_prints_inputs "$(sed -n 2p $O/v0.out)"
[ $rc = 3 ] && grep -q 'nothing was compared' $O/v0.err && ok verify_nothing_compared_exit3 ||
	bad verify_nothing_compared_exit3 "exit $rc: $(head -2 $O/v0.err | tr '\n' ' ')"
$VYREC verify samples/saxpy.yaml --backends reference --param n=4 --seed 7 > $O/v1.out 2>&1
grep -qx 'params: a=1.5 n=4' $O/v1.out && grep -qx 'inputs: x=random:7 y=random:8' $O/v1.out &&
	ok verify_prints_given_params_seed || bad verify_prints_given_params_seed "$(head -2 $O/v1.out | tr '\n' ' ')"
$VYREC verify $O/gather.yaml --param n=256 --backends reference > $O/g0.out 2>&1; rc=$?
[ $rc = 3 ] && grep -q 'out-of-bounds load from buffer `x`' $O/g0.out && ok verify_gather_seeded_oob ||
	bad verify_gather_seeded_oob "exit $rc: $(tail -2 $O/g0.out | tr '\n' ' ')"
python3 -c "
import struct; n = 256
open('$O/perm.bin', 'wb').write(struct.pack('<%dI' % n, *[(i * 97) % n for i in range(n)]))"
if have_backend vulkan; then
	$VYREC verify $O/gather.yaml --param n=256 --in idx=iota --backends vulkan > $O/g1.out 2>&1; rc=$?
	[ $rc = 0 ] && grep -qx 'inputs: idx=iota x=random:2' $O/g1.out && grep -q '^vulkan .*: PASS 1 buffer, 256 elements' $O/g1.out &&
		ok verify_in_generator_vulkan || bad verify_in_generator_vulkan "exit $rc: $(tr '\n' ' ' < $O/g1.out)"
	$VYREC verify $O/gather.yaml --param n=256 --in idx=$O/perm.bin --in x=iota --backends vulkan > $O/g2.out 2>&1; rc=$?
	[ $rc = 0 ] && grep -qx "inputs: idx=$O/perm.bin x=iota" $O/g2.out && ok verify_in_file_vulkan ||
		bad verify_in_file_vulkan "exit $rc: $(tr '\n' ' ' < $O/g2.out)"
else
	bad verify_in_vulkan "no vulkan backend initialises here (lavapipe: make deps)"
fi
# the inputs verify names reproduce its reference run with `vyrec run`
$VYREC verify $O/gather.yaml --param n=256 --in idx=$O/perm.bin --backends reference > $O/g3.out 2>&1
ins=$(sed -n 's/^inputs: //p' $O/g3.out)
set -- ; for i in $ins; do set -- "$@" --in "$i"; done
$VYREC run $O/gather.yaml --backend reference --param n=256 "$@" --print y > $O/g3.run 2>&1 &&
	python3 -c "
import struct, sys
idx = struct.unpack('<256I', open('$O/perm.bin', 'rb').read())
y = [float(v) for v in open('$O/g3.run').read().split()[1:]]
sys.exit(0 if len(y) == 256 and len(set(y)) > 200 else 1)" && ok verify_inputs_reproduce_with_run ||
	bad verify_inputs_reproduce_with_run "$(head -c 200 $O/g3.run)"
$VYREC verify $O/gather.yaml --in idxx=iota > $O/e1.out 2>&1; rc=$?
[ $rc = 2 ] && grep -q "did you mean 'idx'" $O/e1.out && ok verify_in_unknown_buffer || bad verify_in_unknown_buffer "exit $rc: $(head -2 $O/e1.out | tr '\n' ' ')"
$VYREC verify $O/gather.yaml --in idx > $O/e2.out 2>&1; rc=$?
[ $rc = 2 ] && grep -q "is not of the form BUF=SOURCE" $O/e2.out && ok verify_in_bad_form || bad verify_in_bad_form "exit $rc: $(head -2 $O/e2.out | tr '\n' ' ')"
$VYREC verify $O/gather.yaml --in idx=iota --in idx=zeros > $O/e3.out 2>&1; rc=$?
[ $rc = 2 ] && grep -q "given twice" $O/e3.out && ok verify_in_twice || bad verify_in_twice "exit $rc: $(head -2 $O/e3.out | tr '\n' ' ')"
$VYREC verify $O/gather.yaml --in idx=$O/nosuch.npy > $O/e4.out 2>&1; rc=$?
[ $rc = 1 ] && grep -q "buffer 'idx'" $O/e4.out && grep -q 'nosuch.npy' $O/e4.out && ok verify_in_missing_file ||
	bad verify_in_missing_file "exit $rc: $(head -2 $O/e4.out | tr '\n' ' ')"
# --json: one object; the nothing-compared case keeps exit 3
$VYREC verify $O/gather.yaml --param n=64 --in idx=iota --json > $O/j1.json 2> $O/j1.err; rc=$?
python3 -c "
import json, sys
d = json.load(open('$O/j1.json'))
ok = (d['schema'] == 'vyrec-verify-1' and d['params'] == {'n': '64'} and d['inputs'] == {'idx': 'iota', 'x': 'random:2'}
      and d['exit_code'] == $rc and d['compared'] == sum(r['status'] in ('pass', 'fail') for r in d['results']))
sys.exit(0 if ok else 1)" && ok verify_json || bad verify_json "exit $rc: $(head -c 300 $O/j1.json)"
$VYREC verify samples/saxpy.yaml --backends reference --json > $O/j2.json 2> $O/j2.err; rc=$?
python3 -c "
import json, sys
d = json.load(open('$O/j2.json'))
sys.exit(0 if d['compared'] == 0 and d['exit_code'] == 3 and [r['backend'] for r in d['results']] == ['reference'] else 1)" && [ $rc = 3 ] &&
	grep -q 'nothing was compared' $O/j2.err && ok verify_json_nothing_compared || bad verify_json_nothing_compared "exit $rc: $(head -c 300 $O/j2.json)"
exit 0
