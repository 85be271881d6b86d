#!/bin/sh
# tests/gpu/run.sh: verify every sample and corpus program on a real NVIDIA
# GPU, through the cuda backend and (where a Vulkan loader and the NVIDIA
# Vulkan driver are present) the vulkan backend, against the reference
# backend.  Prints a table (program, backend, result, max error) and exits
# nonzero on any FAIL.
#
# Two steps, because the GPU machine cannot download anything:
#
#   here (the dev machine):  sh tests/gpu/run.sh --prepare
#       builds vyrec, fills .gpu/ (ignored by git) with the Debian packages
#       vyrec builds against (apt-get download), a prebuilt ./vyrec and the
#       libraries it needs, and prints the command for the GPU machine.
#   there (carry .gpu):      sh tests/gpu/run.sh
#       builds vyrec with `make -j${MAKEJ:-16}`, with the packages it finds installed,
#       else with apt-get, else with the .debs of .gpu/ unpacked under
#       /tmp/vydeps (never into /); falls back to the prebuilt .gpu/vyrec.
#
# RESULT is PASS, FAIL, SKIP, or FLUSH (ref/denormal.yaml on vulkan: the
# driver flushes denormals, which SPEC §1.8 allows on spv).
#
# Environment: VERIFY_ARGS (extra `vyrec verify` options, e.g. "--seed 3"),
# BACKENDS (default "cuda vulkan"), RESULTS (a file for the table; default
# $OUT/gpu_results.txt when $OUT is set); FORCE_DEBS=1 builds from the
# carried .debs even where the packages are installed (to test that path);
# MAKEJ sets make's -j (default 16).
cd "$(dirname "$0")/../.." || exit 2
G=.gpu
DEPS=/tmp/vydeps
ARCHLIB=usr/lib/x86_64-linux-gnu
PKGS="libyaml-dev libyaml-0-2 spirv-tools spirv-headers glslang-dev libvulkan-dev libvulkan1"
# The Vulkan loader and the GL vendor-neutral libraries the NVIDIA Vulkan
# driver links against; the GPU machine has none of them (device README).
GLPKGS="libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2"

say() { echo "gpu/run.sh: $*" >&2; }

prepare() {
	make -j2 vyrec >&2 || { say "make failed here"; exit 1; }
	mkdir -p $G/debs $G/lib
	ex=$(git rev-parse --git-path info/exclude 2>/dev/null) && mkdir -p "$(dirname "$ex")" &&
		{ grep -qx '/.gpu/' "$ex" 2>/dev/null || echo '/.gpu/' >> "$ex"; }
	(cd $G/debs && apt-get download $PKGS >&2) ||
		say "apt-get download failed: the GPU machine must then build from what it has or use the prebuilt binary"
	mkdir -p $G/gl && (cd $G/gl && apt-get download $GLPKGS >&2) ||
		say "apt-get download of the Vulkan loaders failed: vulkan rows will be SKIP on the GPU machine"
	cp vyrec $G/vyrec && strip $G/vyrec
	for l in $(readelf -d vyrec | sed -n 's/.*NEEDED.*\[\(.*\)\]/\1/p'); do
		case $l in libc.so*|libm.so*|libgcc_s.so*|libstdc++.so*|libdl.so*|libpthread.so*) ;;
		*) cp -L "$(ldconfig -p | sed -n "s/^[[:space:]]*$l .*=> //p" | head -1)" $G/lib/ ;;
		esac
	done
	du -sh $G >&2
	cat <<EOF
Now run on the GPU machine (device tool): carry [".gpu"] (it holds the Vulkan loaders too), command:
    sh tests/gpu/run.sh
EOF
}

have_build_deps() {
	for h in yaml.h spirv/unified1/spirv.h glslang/Public/ShaderLang.h spirv-tools/libspirv.h vulkan/vulkan.h; do
		[ -f /usr/include/$h ] || [ -f $DEPS/usr/include/$h ] || return 1
	done
}

# Build ./vyrec; prints how, or fails.
build() {
	if [ -z "$FORCE_DEBS" ] && have_build_deps && make -j${MAKEJ:-16} vyrec > /tmp/vybuild.log 2>&1; then
		echo "built with the installed packages"; return 0
	fi
	if [ -z "$FORCE_DEBS" ] && [ "$(id -u)" = 0 ] && command -v apt-get > /dev/null &&
	   timeout 60 apt-get update -qq > /dev/null 2>&1 &&
	   DEBIAN_FRONTEND=noninteractive timeout 300 apt-get install -y -qq $PKGS > /dev/null 2>&1 &&
	   make -j${MAKEJ:-16} vyrec > /tmp/vybuild.log 2>&1; then
		echo "built after apt-get install"; return 0
	fi
	if ls $G/debs/*.deb > /dev/null 2>&1; then
		mkdir -p $DEPS
		for d in $G/debs/*.deb; do dpkg-deb -x "$d" $DEPS || say "cannot unpack $d"; done
		if LD_LIBRARY_PATH=$DEPS/$ARCHLIB make -j${MAKEJ:-16} vyrec CFLAGS="-O2 -g -I$DEPS/usr/include" \
		    CXXFLAGS="-O2 -g -I$DEPS/usr/include" LDFLAGS="-L$DEPS/$ARCHLIB" \
		    > /tmp/vybuild.log 2>&1; then
			echo "built against the carried .debs in $DEPS"; return 0
		fi
	fi
	return 1
}

# The NVIDIA Vulkan driver's manifest, where the loader does not find it.
# The carried loaders ($G/gl) are unpacked into / as the device README
# says: the NVIDIA ICD finds libGLX/libEGL only in the system paths.
find_vulkan() {
	if ! ldconfig -p 2>/dev/null | grep -q libvulkan.so.1 && ls $G/gl/*.deb > /dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
		for d in $G/gl/*.deb; do dpkg -x "$d" / || say "cannot unpack $d"; done
		ldconfig
	fi
	if ! ldconfig -p 2>/dev/null | grep -q libvulkan.so.1 && [ ! -e $DEPS/$ARCHLIB/libvulkan.so.1 ]; then
		ls $G/debs/libvulkan1_*.deb > /dev/null 2>&1 && mkdir -p $DEPS &&
			dpkg-deb -x $G/debs/libvulkan1_*.deb $DEPS &&
			export LD_LIBRARY_PATH=$DEPS/$ARCHLIB${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
	fi
	if [ -z "$VK_DRIVER_FILES$VK_ICD_FILENAMES" ] && ! ls /usr/share/vulkan/icd.d/nvidia* /etc/vulkan/icd.d/nvidia* > /dev/null 2>&1; then
		for j in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json; do
			[ -f $j ] && export VK_DRIVER_FILES=$j && break
		done
	fi
	ldconfig -p 2>/dev/null | grep -q libvulkan.so.1 || [ -e $DEPS/$ARCHLIB/libvulkan.so.1 ]
}

# "max error" from verify's line for the backend, else "-".
max_error() {
	grep -i "$2" "$1" | grep -io 'max[^,;)]*' | head -1 | sed 's/^max[ _-]*\(abs\|error\|err\)*[ :=]*//I' |
		awk 'NF { print; found = 1 } END { if (!found) print "-" }'
}

[ "$1" = --prepare ] && { prepare; exit $?; }

export NCCL_NVLS_ENABLE=0   # the device notes ask every program to keep it off
VYREC=./vyrec
if how=$(build); then
	say "$how"
	[ -d $DEPS/$ARCHLIB ] && export LD_LIBRARY_PATH=$DEPS/$ARCHLIB${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
elif [ -x $G/vyrec ]; then
	VYREC=$G/vyrec
	export LD_LIBRARY_PATH=$G/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
	say "could not build here (tail of /tmp/vybuild.log below); using the prebuilt $G/vyrec"
	tail -5 /tmp/vybuild.log >&2
else
	say "could not build vyrec: missing build dependencies ($PKGS), no network, and no .gpu/ carried."
	say "Fix: run 'sh tests/gpu/run.sh --prepare' on the dev machine, then carry .gpu"
	tail -20 /tmp/vybuild.log >&2
	exit 2
fi
$VYREC --version >&2 || { say "$VYREC does not run"; exit 2; }
command -v nvidia-smi > /dev/null && nvidia-smi --query-gpu=name,driver_version --format=csv,noheader >&2

backends=${BACKENDS:-cuda vulkan}
if echo "$backends" | grep -qw vulkan && ! find_vulkan; then
	say "no Vulkan loader (libvulkan.so.1): vulkan rows are SKIP. Fix: carry .gpu with libvulkan1"
	novk=1
fi
$VYREC backends >&2

# Every program that verifies on the reference: samples, the corpus, the
# compile goldens and the glsl edge programs (tests/corpus/ref's out-of-
# bounds and --strict cases stop the reference by design: left out).
progs=$(ls samples/*.yaml tests/corpus/*.yaml tests/corpus/ref/*.yaml tests/compile/*.yaml \
	tests/glsl/*.yaml tests/opt/mem/nowrap.yaml tests/opt/mem/sr_partial.yaml 2>/dev/null | grep -v -e '/ref/oob_' -e '/ref/strict_')
[ -n "$progs" ] || { say "no programs in samples/ or tests/corpus/"; exit 2; }
mkdir -p /tmp/vygpu
table=/tmp/vygpu/table.txt
printf '%-44s %-8s %-6s %s\n' PROGRAM BACKEND RESULT "MAX ERROR" > $table
nfail=0 npass=0
for p in $progs; do
	for b in $backends; do
		log=/tmp/vygpu/$(basename "$p" .yaml).$b.log
		if [ "$b" = vulkan ] && [ -n "$novk" ]; then
			res=SKIP err="no Vulkan loader"
		else
			timeout 300 $VYREC verify "$p" --backends "$b" $VERIFY_ARGS > "$log" 2>&1
			rc=$?
			err=$(max_error "$log" "$b")
			why=$(grep -m1 "^\(SKIP \)*$b" "$log" || grep -v '^ ' "$log" | tail -1)
			why=$(echo "$why" | cut -c1-120)
			if [ $rc -eq 0 ]; then
				res=PASS; npass=$((npass + 1))
			elif [ "$b" = vulkan ] && grep -q "^SKIP vulkan" "$log"; then
				res=SKIP err="$why"   # a loader without the NVIDIA Vulkan driver
			elif [ "$b" = vulkan ] && [ $rc -eq 4 ] && [ "$p" = tests/corpus/ref/denormal.yaml ]; then
				# SPEC §1.8: spv may flush denormals; this program checks
				# that the reference keeps them (the NVIDIA driver flushes)
				res=FLUSH; err="denormals flushed, as SPEC §1.8 allows on spv"
			else
				res=FAIL; nfail=$((nfail + 1)); err="rc=$rc: $why"
			fi
		fi
		printf '%-44s %-8s %-6s %s\n' "$p" "$b" "$res" "$err" >> $table
	done
done
# The library-speed samples (issue 14) at sizes past one wave of their
# fixed grids (tests/t_libsamp.sh runs them small on lavapipe): the grid-
# stride loops' many iterations, 1024-vector softmax rows, 1024^2 tiles.
for c in "samples/reduce_fast.yaml --param n=4194304" "samples/softmax_rows.yaml --param rows=256 --param vcols=1024" \
	 "samples/histogram_shared.yaml --param n=4194304" "samples/transpose_fast.yaml --param nv=256"; do
	p=${c%% *}
	for b in $backends; do
		log=/tmp/vygpu/$(basename "$p" .yaml).big.$b.log
		[ "$b" = vulkan ] && [ -n "$novk" ] && continue
		# shellcheck disable=SC2086
		timeout 300 $VYREC verify ${c} --backends "$b" $VERIFY_ARGS > "$log" 2>&1
		rc=$?
		err=$(max_error "$log" "$b")
		if [ $rc -eq 0 ]; then
			res=PASS; npass=$((npass + 1))
		else
			res=FAIL; nfail=$((nfail + 1)); err="rc=$rc: $(grep -v '^ ' "$log" | tail -1 | cut -c1-120)"
		fi
		printf '%-44s %-8s %-6s %s\n' "${c#samples/}" "$b" "$res" "$err" >> $table
	done
done
# Pipelines through the ptx C launcher (SPEC §10.5, issue #15): each
# pipeline sample's self-test on the GPU; Jacobi-1D with 100 dispatches
# (a CUDA graph) and LU (a host for:) element for element against `vyrec
# run --backend reference`; --bench says a CUDA graph ran (launcher and
# vyrec run).
case " $backends " in *" cuda "*)
for s in softmax sum2pass prefixsum jacobi1d lu normalize; do
	d=/tmp/vygpu/launch.$s
	rm -rf $d
	if $VYREC launcher samples/$s.yaml -t ptx --lang c -o $d > $d.log 2>&1 && make -s -C $d > $d.build.log 2>&1 &&
	   (cd $d && ./$s --selftest) > $d.out 2>&1 && grep -q '^selftest: PASS' $d.out; then
		res=PASS; npass=$((npass + 1)); err=-
	else
		res=FAIL; nfail=$((nfail + 1)); err=$(cat $d.log $d.build.log $d.out 2>/dev/null | grep -v '^$' | head -1 | cut -c1-100)
	fi
	printf '%-44s %-8s %-6s %s\n' "launcher-c/$s --selftest" ptx "$res" "$err" >> $table
done
for c in "jacobi1d|--param n=4096 --param tsteps=50|--in a=random:4 --in b=zeros|a" "lu|--param n=256 --param k=0|--in a=random:5|a"; do
	s=${c%%|*} r=${c#*|}; ps=${r%%|*} r=${r#*|}; ins=${r%%|*} b=${r#*|}
	d=/tmp/vygpu/launch.$s
	$VYREC run samples/$s.yaml --backend reference $ps $ins --out $b=$d.ref.bin > $d.ref.log 2>&1
	(cd $d && ./$s $ps $ins --out $b=$d.ptx.bin) > $d.run.log 2>&1
	if cmp -s $d.ref.bin $d.ptx.bin; then
		res=PASS; npass=$((npass + 1)); err=-
	else
		res=FAIL; nfail=$((nfail + 1)); err=$(cat $d.run.log $d.ref.log | head -1 | cut -c1-100)
		[ -z "$err" ] && err="differs from the reference"
	fi
	printf '%-44s %-8s %-6s %s\n' "launcher-c/$s = vyrec run reference" ptx "$res" "$err" >> $table
done
d=/tmp/vygpu/launch.jacobi1d
g1=$(cd $d && ./jacobi1d --param n=4096 --param tsteps=50 --bench 5 2>&1)
g2=$($VYREC run samples/jacobi1d.yaml --backend cuda --param n=4096 --param tsteps=50 --bench 5 2>&1)
if echo "$g1" | grep -q 'cuda graph' && echo "$g2" | grep -q '^bench: the pipeline ran as cuda graph'; then
	res=PASS; npass=$((npass + 1)); err=-
else
	res=FAIL; nfail=$((nfail + 1)); err=$(echo "$g1 $g2" | grep -m1 'bench\|rror' | cut -c1-100)
fi
printf '%-44s %-8s %-6s %s\n' "jacobi1d --bench ran a cuda graph" ptx "$res" "$err" >> $table
;; esac
# C launchers of the element-type samples (SPEC §10.1: vectors, f64,
# bf16, u8, f16) on the GPU: generate, build, --selftest (ptx on cuda, spv on
# the NVIDIA Vulkan driver) against the reference output embedded at generation
for s in vecadd4 saxpy4 dot_f64 widen_bf16 brightness axpy_f16; do
	for b in $backends; do
		t=ptx; [ "$b" = vulkan ] && t=spv
		d=/tmp/vygpu/launch.$s.$t log=/tmp/vygpu/launch.$s.$t.log
		if [ "$b" = vulkan ] && [ -n "$novk" ]; then
			res=SKIP err="no Vulkan loader"
		elif ! command -v cc > /dev/null 2>&1; then
			res=SKIP err="no C compiler"
		else
			rm -rf "$d"
			if $VYREC launcher "samples/$s.yaml" -t $t --lang c -o "$d" > "$log" 2>&1 &&
			   make -s -C "$d" >> "$log" 2>&1 && (cd "$d" && "./$s" --selftest) >> "$log" 2>&1 &&
			   grep -q '^selftest: PASS' "$log"; then
				res=PASS err=-; npass=$((npass + 1))
			else
				res=FAIL err=$(tail -1 "$log" | cut -c1-120); nfail=$((nfail + 1))
			fi
		fi
		printf '%-44s %-8s %-6s %s\n' "launcher --lang c $s" "$b" "$res" "$err" >> $table
	done
done
# The same through the Cargo launchers (cargo build --offline; SKIP where
# the machine has no cargo)
for s in vecadd4 dot_f64 brightness axpy_f16; do
	for b in $backends; do
		t=ptx; [ "$b" = vulkan ] && t=spv
		d=/tmp/vygpu/cargo.$s.$t log=/tmp/vygpu/cargo.$s.$t.log
		if [ "$b" = vulkan ] && [ -n "$novk" ]; then
			res=SKIP err="no Vulkan loader"
		elif ! command -v cargo > /dev/null 2>&1; then
			res=SKIP err="no cargo"
		else
			rm -rf "$d"
			if $VYREC launcher "samples/$s.yaml" -t $t --lang cargo -o "$d" > "$log" 2>&1 &&
			   (cd "$d" && cargo build --offline --quiet && "./target/debug/$s" --selftest) >> "$log" 2>&1 &&
			   grep -q '^selftest: PASS' "$log"; then
				res=PASS err=-; npass=$((npass + 1))
			else
				res=FAIL err=$(tail -1 "$log" | cut -c1-120); nfail=$((nfail + 1))
			fi
		fi
		printf '%-44s %-8s %-6s %s\n' "launcher --lang cargo $s" "$b" "$res" "$err" >> $table
	done
done
# The exact f32 fma (SPEC §10.6) bit for bit against C's fmaf on the GPU:
# tests/t_fma64.sh's 300 000 edge, double-rounding and random triples
# (tests/fma64/gen.c), through cuda (fma.rn.f32) and the NVIDIA Vulkan
# driver in the f64 lowering (the H200's choice: no VK_KHR_shader_fma,
# full-rate f64) and the f32 emulation
d=/tmp/vygpu/fma64
mkdir -p $d
if command -v cc > /dev/null 2>&1 && cc -std=c11 -O1 -ffp-contract=off -o $d/gen tests/fma64/gen.c -lm &&
   cc -std=c11 -O1 -o $d/cmp tests/fma64/cmp.c -lm && P=$($d/gen $d 300000); then
	for c in cuda: vulkan:f64 vulkan:emulate; do
		b=${c%%:*} m=${c#*:}
		echo " $backends " | grep -q " $b " || continue
		[ "$b" = vulkan ] && [ -n "$novk" ] && continue
		VYREC_VK_FMA=$m timeout 300 $VYREC run tests/fma64/fma64.yaml --backend $b --param n=300000 --param p=$P \
			--in a=$d/a.bin --in b=$d/b.bin --in c=$d/c.bin --out r=$d/r.$b$m --out s=$d/s.$b$m \
			--out q=$d/q.$b$m --bench 1 > $d/$b$m.log 2>&1
		res=PASS err=-
		for o in r:abc s:acb q:pbc; do
			ord=${o#*:} o=${o%%:*} ftz=
			# SPEC §1.8: spv may flush denormals (the driver's choice)
			[ "$b" = vulkan ] && ftz="ftz $ord $P"
			$d/cmp $d/$o.want $d/$o.$b$m $d/a.bin $d/b.bin $d/c.bin $ftz > $d/cmp.$o.$b$m.log 2>&1 ||
				{ res=FAIL; err="$o: $(tail -1 $d/cmp.$o.$b$m.log) $(head -1 $d/cmp.$o.$b$m.log | cut -c1-60)"; }
		done
		[ $res = PASS ] && grep -q "differ ([1-9]" $d/cmp.*.$b$m.log && res=FLUSH &&
			err="denormals flushed, as SPEC §1.8 allows on spv: $(grep -h "differ ([1-9]" $d/cmp.*.$b$m.log | head -1)"
		[ "$b" = vulkan ] && ! grep -q "fma $m)" $d/$b$m.log && res=FAIL err="not in fma mode $m: $(tail -1 $d/$b$m.log | cut -c1-80)"
		if [ $res != FAIL ]; then npass=$((npass + 1)); else nfail=$((nfail + 1)); fi
		printf '%-44s %-8s %-6s %s\n' "fma64 = fmaf, 300000 triples${m:+ (fma $m)}" "$b" "$res" "$err" >> $table
	done
else
	printf '%-44s %-8s %-6s %s\n' "fma64 = fmaf" - FAIL "no C compiler, or tests/fma64/gen.c failed" >> $table
	nfail=$((nfail + 1))
fi
cat $table
echo "$npass passed, $nfail failed"
out=${RESULTS:-${OUT:+$OUT/gpu_results.txt}}
if [ -n "$out" ]; then
	cp $table "$out"
	[ -n "$OUT" ] && tar -czf $OUT/gpu_logs.tgz -C /tmp vygpu 2>/dev/null
fi
[ $nfail -eq 0 ] && [ $npass -gt 0 ]
