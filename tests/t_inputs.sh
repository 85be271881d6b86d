#!/bin/sh
# tests/t_inputs.sh: hostile and careless inputs (issue 10 items 3 and 4).
#   - limits on folded values: shared totals, constant buffer counts and
#     constant dispatch axes are checked after folding (FILE:LINE:COL,
#     caret, Fix), so `8192 * 2`, `16384u`, `0xFFFFFFFFu`, `128u * 128u`
#     are refused like the literals;
#   - one launch-time grid check for every backend: a zero and an
#     oversized grid exit 3 alike, with the same message on the reference
#     and vulkan backends;
#   - the glsl target accepts constant indices >= 2^31, negative ones and
#     ones past a shared array, as spv and ptx do;
#   - the dialect search path skips FIFOs and directories and loads every
#     file (300 of them) in byte order;
#   - .npy headers: every file of tests/data/npy_bad is refused and every
#     file of tests/data/npy_good accepted by `vyrec run --in`, a generated
#     C launcher and a generated Cargo launcher, with the same reason; the
#     parser text of src/data.c and templates/c/src/main.c is the same;
#   - an input larger than its buffer (/dev/zero) is refused at once;
#   - out of memory (ulimit -v) is a resource error naming the buffer and
#     its size, exit 1, also inside glslang and SPIRV-Tools (bad_alloc);
#   - depfiles quote spaces, '#' and '$' as gcc does;
#   - the last --stream chunk gets its own count (reference and vulkan).
. tests/lib.sh
export NO_COLOR=1
VY=$(cd "$(dirname "$VYREC")" && pwd)/$(basename "$VYREC")
ROOT=$(pwd)
O=$ROOT/tests/out/inputs
rm -rf "$O"
mkdir -p "$O"
have_vulkan=0
"$VY" backends 2>/dev/null | grep -q '^vulkan .* ok:' && have_vulkan=1

# ---- limits on folded values ----
shared_prog() {
	cat <<EOF
vyrec: 1
name: s
workgroup_size: [64]
params: {n: u32}
buffers:
  y: {type: f32, count: n, access: read_write}
shared:
$1
entry:
  - y[gid.x] = 1.0
EOF
}
# folded NAME PROG-TEXT LINE:COL MESSAGE CARET: check exits 1 with FILE:LINE:COL
# MESSAGE, a caret line and a Fix line
folded() {
	n=$1
	printf '%s\n' "$2" > "$O/$n.yaml"
	"$VY" check "$O/$n.yaml" > /dev/null 2> "$O/$n.err"; rc=$?
	if [ $rc -eq 1 ] && head -1 "$O/$n.err" | grep -qF "$O/$n.yaml:$3: error: $4" &&
	   sed -n 3p "$O/$n.err" | grep -qF "$5" && grep -q '^  Fix: ' "$O/$n.err"; then
		ok "$n"
	else
		bad "$n" "exit $rc: $(head -4 "$O/$n.err" | tr '\n' '|')"
	fi
}
folded folded_shared_mul "$(shared_prog '  t: {type: f32, count: 8192 * 2}')" 8:25 \
	"shared arrays take 65536 bytes, more than the 32768-byte limit" "^~~~~~~~"
folded folded_shared_u_suffix "$(shared_prog '  t: {type: f32, count: 16384u}')" 8:25 \
	"shared arrays take 65536 bytes" "^~~~~~"
folded folded_shared_u32_max "$(shared_prog '  t: {type: f32, count: 0xFFFFFFFFu}')" 8:25 \
	"shared arrays take 17179869180 bytes" "^~~~~~~~~~~"
folded folded_shared_u_mul "$(shared_prog '  t: {type: f32, count: 128u * 128u}')" 8:25 \
	"shared arrays take 65536 bytes" "^~~~~~~~~~~"
folded folded_shared_total_of_two "$(shared_prog '  a: {type: f32, count: 4096}
  b: {type: u32, count: 4096u + 1u}')" 9:25 "shared arrays take 32772 bytes" "^~~~~~~~~~"
printf '%s\n' "$(shared_prog '  a: {type: f32, count: 4096u}
  b: {type: u32, count: 2048 * 2}')" > "$O/shared_at_limit.yaml"
check folded_shared_at_limit_passes "$VY" check "$O/shared_at_limit.yaml"
cnt_prog() {
	printf 'vyrec: 1\nname: c\nworkgroup_size: [%s]\nbuffers:\n  y: {type: u32, count: %s, access: read_write}\ndispatch: %s\nentry:\n  - y[0] = 1\n' "$1" "$2" "$3"
}
folded folded_buffer_count_zero "$(cnt_prog 1 '4 - 4' '[4]')" 5:25 \
	"the count of buffer 'y' is 0 (4 - 4)" "^~~~~"
folded folded_buffer_count_over "$(cnt_prog 1 '1024u * 1024u * 1025u' '[4]')" 5:25 \
	"buffer 'y' holds 1074790400 elements (1024u * 1024u * 1025u), more than the 1073741824-element limit" "^~~~~~~~~~~~~~~~~~~~~"
folded folded_dispatch_zero "$(cnt_prog 1 4 '[2u - 2u]')" 6:12 \
	"'dispatch' axis x is 0 invocations" "^~~~~~~"
folded folded_dispatch_over_x "$(cnt_prog 1 4 '[0xFFFFFFFFu]')" 6:12 \
	"'dispatch' axis x needs 4294967295 workgroups (4294967295 invocations, workgroup size 1), more than the limit of 2147483647" "^~~~~~~~~~~"
folded folded_dispatch_over_y "$(cnt_prog '1, 1' 4 '[1, 256u * 256u]')" 6:15 \
	"'dispatch' axis y needs 65536 workgroups" "^~~~~~~~~~~"
printf '%s\n' "$(cnt_prog 256 4 '[0xFFFFFFFFu]')" > "$O/dispatch_big_wg.yaml"
check folded_dispatch_fits_with_large_workgroups "$VY" check "$O/dispatch_big_wg.yaml"
# the program that corrupted the vulkan backend's heap is refused before any backend
printf '%s\n' "$(shared_prog '  t: {type: f32, count: 128u * 128u}')" > "$O/heap.yaml"
"$VY" run "$O/heap.yaml" --backend vulkan --param n=64 > /dev/null 2> "$O/heap.err"; rc=$?
[ $rc -eq 1 ] && grep -q 'shared arrays take 65536 bytes' "$O/heap.err" &&
	ok folded_shared_refused_by_run || bad folded_shared_refused_by_run "exit $rc: $(head -2 "$O/heap.err")"

# ---- one grid check for every backend ----
cat > "$O/grid.yaml" <<'EOF'
vyrec: 1
name: grid
workgroup_size: [1]
params: {n: u32}
buffers:
  y: {type: u32, count: 4, access: read_write}
dispatch: [n - 1]
entry:
  - if: gid.x < 4
    then:
      - y[gid.x] = 7
EOF
backends=reference
[ $have_vulkan = 1 ] && backends="reference vulkan"
for b in $backends; do
	for case in "zero 1 dispatch axis x is 0 workgroups (n - 1 = 0 invocations). Fix: " \
		    "over 0 dispatch axis x needs 4294967295 workgroups (n - 1 = 4294967295 invocations, workgroup size 1), more than the limit of 2147483647 on axis x. Fix: "; do
		set -- $case
		name=grid_${1}_exit3_$b n=$2
		msg=${case#* * }
		timeout 60 "$VY" run "$O/grid.yaml" --backend $b --param n=$n --print y > "$O/$name.out" 2> "$O/$name.err"; rc=$?
		[ $rc -eq 3 ] && grep -qF "vyrec run: $msg" "$O/$name.err" && [ ! -s "$O/$name.out" ] &&
			ok "$name" || bad "$name" "exit $rc: $(head -2 "$O/$name.err")"
	done
done
[ $have_vulkan = 1 ] || skip grid_vulkan "no Vulkan device here"
timeout 60 "$VY" verify "$O/grid.yaml" --param n=1 > "$O/gv.out" 2>&1; rc=$?
[ $rc -eq 3 ] && grep -q 'dispatch axis x is 0 workgroups' "$O/gv.out" &&
	ok grid_zero_verify_exit3 || bad grid_zero_verify_exit3 "exit $rc: $(head -2 "$O/gv.out")"
"$VY" run "$O/grid.yaml" --backend reference --param n=5 --print y > "$O/g5.out" 2>&1
[ "$(cat "$O/g5.out")" = "y: 7 7 7 7" ] && ok grid_normal_runs || bad grid_normal_runs "$(cat "$O/g5.out")"

# ---- glsl: constant indices glslang would fold and refuse ----
for idx in 0x80000000u 4294967295u 2147483647u '0u - 1u' 'u32(i32(0) - 1)' 'i32(0) - 1' 64u; do
	name=glsl_const_index_$(echo "$idx" | tr -c 'a-zA-Z0-9\n' '_')
	cat > "$O/$name.yaml" <<EOF
vyrec: 1
name: ci
workgroup_size: [64]
params: {n: u32}
buffers:
  x: {type: u32, count: n, access: read_only}
  y: {type: u32, count: n, access: read_write}
shared:
  t: {type: u32, count: 64}
entry:
  - if: gid.x > 100000000
    then:
      - y[$idx] = x[$idx] + t[$idx]
      - t[$idx] = 1
EOF
	res=
	for t in glsl spv ptx; do
		for opt in -O0 -O1; do
			"$VY" build "$O/$name.yaml" -t $t $opt -o "$O/$name.$t" > "$O/$name.$t.log" 2>&1
			res="$res $t$opt=$?"
		done
	done
	[ "$res" = " glsl-O0=0 glsl-O1=0 spv-O0=0 spv-O1=0 ptx-O0=0 ptx-O1=0" ] && ok "$name" ||
		bad "$name" "$res: $(head -2 "$O/$name.glsl.log")"
done

# ---- the dialect search path ----
mkdir -p "$O/dp" "$O/dp/dir.yaml"
i=0
while [ $i -lt 300 ]; do
	f=$(printf 'd%03d' $i)
	printf 'vyrec_dialect: 1\ndialect: %s\nversion: 1.0.0\nops:\n  twice:\n    params: {x: f32}\n    returns: f32\n    body: x * 2.0\n' "$f" > "$O/dp/$f.yaml"
	i=$((i + 1))
done
mkfifo "$O/dp/fifo.yaml"
cat > "$O/dpuse.yaml" <<'EOF'
vyrec: 1
name: dpuse
workgroup_size: [64]
params: {n: u32}
buffers:
  y: {type: f32, count: n, access: read_write}
entry:
  - y[gid.x] = d000.twice(y[gid.x]) + d255.twice(1.0) + d299.twice(2.0)
EOF
VYRE_DIALECT_PATH="$O/dp" timeout 20 "$VY" check "$O/dpuse.yaml" > "$O/dp.out" 2>&1; rc=$?
[ $rc -eq 0 ] && ok dialect_path_fifo_dir_and_300_files || bad dialect_path_fifo_dir_and_300_files "exit $rc: $(head -3 "$O/dp.out")"
VYRE_DIALECT_PATH="$O/dp" timeout 20 "$VY" ops > "$O/dpops.out" 2>&1; rc=$?
[ $rc -eq 0 ] && [ "$(grep -c '^d[0-9][0-9][0-9]\.twice' "$O/dpops.out")" -eq 300 ] &&
	ok dialect_path_ops_lists_all || bad dialect_path_ops_lists_all "exit $rc: $(grep -c 'twice' "$O/dpops.out") ops"

# ---- .npy: one set of rules in vyrec and both launcher languages ----
cat > "$O/c4.yaml" <<'EOF'
vyrec: 1
name: c4
workgroup_size: [4]
params: {n: u32}
buffers:
  x: {type: f32, count: n, access: read_only}
  y: {type: f32, count: n, access: write_only}
entry:
  - if: gid.x < n
    then:
      - y[gid.x] = x[gid.x]
EOF
nbad=$(ls tests/data/npy_bad/*.npy | wc -l)
[ "$nbad" -ge 38 ] && ok npy_bad_corpus_size || bad npy_bad_corpus_size "$nbad files"
sed -n '/^\/\* ---- .npy header dict/,/^\/\* ---- end of the .npy header dict/p' src/data.c > "$O/p1.c"
sed -n '/^\/\* ---- .npy header dict/,/^\/\* ---- end of the .npy header dict/p' templates/c/src/main.c > "$O/p2.c"
[ -s "$O/p1.c" ] && cmp -s "$O/p1.c" "$O/p2.c" && ok npy_parser_same_text_in_c_launcher ||
	bad npy_parser_same_text_in_c_launcher "the blocks differ"
# the command line of each reader, --in x=FILE appended (no spaces in $O)
cmd_vyrec="$VY run $O/c4.yaml --backend reference --param n=4 --print y --in"
launchers=vyrec
if "$VY" launcher "$O/c4.yaml" -t reference --lang c -o "$O/lc" > "$O/lc.log" 2>&1 &&
   make -s -C "$O/lc" CFLAGS='-O2 -Wall -Wextra -Werror' >> "$O/lc.log" 2>&1; then
	launchers="$launchers c"
else
	bad npy_c_launcher_build "$(tail -3 "$O/lc.log")"
fi
cmd_c="$O/lc/c4 --param n=4 --print y --in"
if ! command -v cargo > /dev/null; then
	skip npy_cargo_launcher "cargo is not installed"
elif [ $have_vulkan = 0 ]; then
	skip npy_cargo_launcher "no Vulkan device for the spv Cargo launcher"
elif "$VY" launcher "$O/c4.yaml" -t spv --lang cargo -o "$O/lr" --name c4 > "$O/lr.log" 2>&1 &&
     (cd "$O/lr" && cargo build --offline --quiet) >> "$O/lr.log" 2>&1; then
	launchers="$launchers cargo"
else
	bad npy_cargo_launcher_build "$(grep -m3 error "$O/lr.log")"
fi
cmd_cargo="$O/lr/target/debug/c4 --param n=4 --print y --in"
why() { sed -n 's/.*malformed .npy header: \([^.]*\).*/\1/p' "$1" | head -1; }
for l in $launchers; do
	refused=0 total=0 same=0 list=
	for f in tests/data/npy_bad/*.npy; do
		b=$(basename "$f" .npy)
		total=$((total + 1))
		eval "timeout 20 \$cmd_$l x=\$f" > "$O/$l.$b.out" 2> "$O/$l.$b.err"; rc=$?
		if [ $rc -eq 1 ] && [ ! -s "$O/$l.$b.out" ] && grep -q "$f" "$O/$l.$b.err"; then
			refused=$((refused + 1))
		else
			list="$list $b(rc=$rc)"
		fi
		[ "$(why "$O/$l.$b.err")" = "$(why "$O/vyrec.$b.err")" ] && same=$((same + 1))
	done
	[ $refused -eq $total ] && ok "npy_bad_refused_by_$l" || bad "npy_bad_refused_by_$l" "$refused of $total:$list"
	[ $same -eq $total ] && ok "npy_bad_same_reason_$l" || bad "npy_bad_same_reason_$l" "$same of $total"
	accepted=0 total=0 list=
	for f in tests/data/npy_good/*.npy; do
		total=$((total + 1))
		out=$(eval "timeout 20 \$cmd_$l x=\$f" 2>&1)
		case "$out" in *"1 2 3 4") accepted=$((accepted + 1)) ;; *) list="$list $(basename "$f"): $out" ;; esac
	done
	[ $accepted -eq $total ] && ok "npy_good_accepted_by_$l" || bad "npy_good_accepted_by_$l" "$accepted of $total:$list"
	# an input larger than its buffer is refused at once
	eval "timeout 10 \$cmd_$l x=/dev/zero" > /dev/null 2> "$O/$l.zero.err"; rc=$?
	[ $rc -eq 1 ] && grep -q "'/dev/zero' holds more than the buffer's 4 elements" "$O/$l.zero.err" &&
		ok "input_dev_zero_refused_$l" || bad "input_dev_zero_refused_$l" "exit $rc: $(head -2 "$O/$l.zero.err")"
	# a regular file of the wrong size is refused unread, with its size
	truncate -s 4G "$O/sparse4g.bin"
	eval "timeout 10 \$cmd_$l x=$O/sparse4g.bin" > /dev/null 2> "$O/$l.sparse.err"; rc=$?
	[ $rc -eq 1 ] && grep -q "sparse4g.bin' holds 1073741824 elements but the buffer has 4" "$O/$l.sparse.err" &&
		ok "input_large_file_refused_unread_$l" || bad "input_large_file_refused_unread_$l" "exit $rc: $(head -2 "$O/$l.sparse.err")"
	rm -f "$O/sparse4g.bin"
done
timeout 10 "$VY" run samples/saxpy.yaml --backend reference --param a=1 --param n=100000000 \
	--in x=/dev/zero > /dev/null 2> "$O/zbig.err"; rc=$?
[ $rc -eq 1 ] && grep -q "holds more than the buffer's 100000000 elements (400000000 bytes)" "$O/zbig.err" &&
	ok input_dev_zero_large_buffer || bad input_dev_zero_large_buffer "exit $rc: $(head -2 "$O/zbig.err")"

# ---- out of memory ----
# (make check-asan preloads lavapipe, whose LLVM alone exceeds these limits:
# the limited commands run without LD_PRELOAD)
# ulimit -v cannot limit an AddressSanitizer binary (its shadow memory alone
# exceeds any useful limit, and its operator new aborts instead of
# throwing): under check-asan these cases run the same source's plain
# build, ./vyrec
VYM=$VY
if grep -q __asan_init "$VY" 2>/dev/null && [ -x "$ROOT/vyrec" ] && ! grep -q __asan_init "$ROOT/vyrec"; then
	VYM=$ROOT/vyrec
	echo "note: out-of-memory cases use $VYM (VYREC is an ASan build)"
fi
oom() {
	name=$1 lim=$2 pat=$3; shift 3
	(unset LD_PRELOAD; ulimit -v "$lim"; "$@") > /dev/null 2> "$O/$name.err"; rc=$?
	[ $rc -eq 1 ] && grep -q -- "$pat" "$O/$name.err" && ok "$name" ||
		bad "$name" "exit $rc: $(head -2 "$O/$name.err")"
}
oom oom_host_buffer 400000 "out of memory: cannot allocate 1600000000 bytes (1525.9 MiB) for buffer 'x' (400000000 elements)" \
	"$VYM" run samples/saxpy.yaml --backend reference --param a=1 --param n=400000000
oom oom_stream_source 400000 "out of memory: cannot allocate 4000000000 bytes for the streamed input 'zeros@1000000000'" \
	"$VYM" run samples/saxpy.yaml --backend reference --param a=1 --param n=4 --stream x=zeros@1000000000 --chunk 4
case " $launchers " in *" c "*)
	oom oom_c_launcher_buffer 400000 "out of memory: cannot allocate 1600000000 bytes for buffer 'x' (400000000 elements)" \
		"$O/lc/c4" --param n=400000000 ;;
esac
# glslang and SPIRV-Tools under a rising memory limit, from the lowest at
# which vyrec starts at all (below it the dynamic loader fails) up to one
# at which the build succeeds: every build either succeeds or reports out
# of memory (exit 1, never an abort), and some limit runs out inside the
# library (std::bad_alloc caught)
prog_of() {
	awk -v n="$1" 'BEGIN { print "vyrec: 1\nname: big\nworkgroup_size: [64]\nparams: {n: u32}\nbuffers:\n  y: {type: f32, count: n, access: read_write}\nentry:\n  - var a = y[gid.x]";
		for (i = 0; i < n; i++) printf "  - a = a * 1.0001 + %d.5\n", i; print "  - y[gid.x] = a" }'
}
prog_of 300 > "$O/big_glsl.yaml"
prog_of 1500 > "$O/big_spv.yaml"
low=4000
while [ $low -lt 200000 ] && ! (unset LD_PRELOAD; ulimit -v $low; "$VYM" --version) > /dev/null 2>&1; do low=$((low + 1000)); done
for t in glsl spv; do
	case $t in glsl) lib='out of memory in glslang' ;; spv) lib='out of memory in the SPIR-V' ;; esac
	codes= seen=0 lim=$low rc=1
	while [ $rc -ne 0 ] && [ $lim -lt $((low + 200000)) ]; do
		(unset LD_PRELOAD; ulimit -v $lim; "$VYM" build "$O/big_$t.yaml" -t $t -o "$O/big.$t") > /dev/null 2> "$O/big.$t.err"; rc=$?
		codes="$codes $rc"
		grep -q "$lib" "$O/big.$t.err" && seen=1
		lim=$((lim + 1000))
	done
	if echo "$codes" | grep -qv -E '^( [01])+$'; then
		bad "oom_in_library_$t" "exit codes$codes"
	elif [ $seen = 0 ]; then
		bad "oom_in_library_$t" "no limit made the library run out of memory (exit codes$codes)"
	else
		ok "oom_in_library_$t"
	fi
done

# ---- depfiles quote as gcc does ----
D="$O/d \$x#y"
mkdir -p "$D"
cp samples/saxpy.yaml "$D/a b.yaml"
"$VY" build "$D/a b.yaml" -t spv -o "$D/o u t.spv" -MD > "$O/dep.log" 2>&1
exp="$O/d\\ \$\$x\\#y/o\\ u\\ t.spv: $O/d\\ \$\$x\\#y/a\\ b.yaml"
[ "$(cat "$D/o u t.spv.d" 2>/dev/null)" = "$exp" ] && ok depfile_escapes_like_gcc ||
	bad depfile_escapes_like_gcc "$(cat "$D/o u t.spv.d" "$O/dep.log")"
# make reads the rule back: the names come back unquoted ('$$' is '$', '\#'
# is '#'; unquoted, '$x' would expand to nothing and '#' start a comment)
printf 'include o\\ u\\ t.spv.d\nshow:\n' > "$D/Makefile"
(cd "$D" && make -p -q show 2>/dev/null) > "$O/make.db"
grep -F -x "$O/d \$x#y/o u t.spv: $O/d \$x#y/a b.yaml" "$O/make.db" > /dev/null &&
	ok depfile_read_by_make || bad depfile_read_by_make "make does not see the rule"

# ---- the last --stream chunk gets its own count ----
cat > "$O/st.yaml" <<'EOF'
vyrec: 1
name: st
workgroup_size: [4]
params: {n: u32}
buffers:
  x: {type: u32, count: n, access: read_only}
  total: {type: u32, count: 1, access: read_write}
dispatch: [n]
entry:
  - if: gid.x < n
    then:
      - let old = atomic.add(total[0], x[gid.x])
EOF
for b in $backends; do
	out=$("$VY" run "$O/st.yaml" --backend $b --stream x=iota@10 --chunk 4 --print total 2>&1)
	[ "$out" = "total: 6 22 17" ] && ok "stream_last_chunk_count_$b" || bad "stream_last_chunk_count_$b" "$out"
done
