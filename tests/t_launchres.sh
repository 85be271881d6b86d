#!/bin/sh
# t_launchres.sh: the generated C library's resident buffers (NAME_upload,
# NAME_dispatch, NAME_download; SPEC §10.7, issue #16 Speed).  saxpy and
# vecadd libraries for reference and spv (lavapipe; ptx where libcuda.so.1
# is installed, else its library builds and its open fails) are linked
# with tests/launchres/res.c and wo.c: buffers uploaded once, several
# dispatches with new params, counts that shrink and grow, downloads;
# every step's output must equal, byte for byte, `vyrec run --backend
# reference` on that step's inputs.  NAME_run and upload/dispatch/download
# give the same bits; a dispatch after NAME_run continues from its
# buffers; bad calls fail with a Fix.  spv runs twice: with lavapipe's
# mapped device memory and with VYREC_VK_MEMORY=staging (the discrete-GPU
# path: uploads copied in by the next dispatch, downloads copied back).
. tests/lib.sh
VY=$(cd "$(dirname "$VYREC")" && pwd)/$(basename "$VYREC")
ROOT=$(pwd)
W=$ROOT/tests/out/launchres
rm -rf "$W"
mkdir -p "$W"
STRICT='-O2 -Wall -Wextra -Werror'

targets=reference
if have_backend vulkan; then targets="$targets spv spvstaging spvcopy"; else bad spv "no Vulkan device ($VY backends)"; fi
targets="$targets ptx"

# build SAMPLE TARGET PROG: the library NAME=SAMPLE_TARGET linked with PROG.c
# (SAMPLE from samples/, or tests/launchres/ where it is there)
build() {
	n=$1_$2
	d=$W/$n
	src=samples/$1.yaml
	[ -f "tests/launchres/$1.yaml" ] && src=tests/launchres/$1.yaml
	if "$VY" launcher "$src" -t "$2" --lang c --name "$n" -o "$d" >"$d.gen.log" 2>&1 &&
	   make -s -C "$d" CFLAGS="$STRICT" "lib$n.a" >"$d.build.log" 2>&1 &&
	   cc -std=c11 $STRICT -I"$d/src" -DLIB="$n" -DHEADER="\"$n.h\"" -o "$W/$3_$2" \
		"$ROOT/tests/launchres/$3.c" "$d/lib$n.a" -ldl -lm >>"$d.build.log" 2>&1; then
		ok "$3.$2.build"
		return 0
	fi
	bad "$3.$2.build" "$(cat "$d.gen.log" "$d.build.log" | head -3 | tr '\n' ' ')"
	return 1
}

# replay TAG DIR OUT WANT: every "RES STEP A N" line of OUT against vyrec
# run on that step's inputs in DIR.
replay() {
	nres=0 nsame=0
	while read -r _ step a n; do
		nres=$((nres + 1))
		p=$2/$step
		"$VY" run samples/saxpy.yaml --backend reference --param a="$a" --param n="$n" \
			--in x="$p.x.bin" --in y="$p.yin.bin" --out y="$p.ref.bin" >/dev/null 2>"$p.ref.log"
		if cmp -s "$p.out.bin" "$p.ref.bin"; then
			nsame=$((nsame + 1))
		else
			bad "$1.$step.same-as-vyrec-run" "a=$a n=$n $(head -2 "$p.ref.log" | tr '\n' ' ')"
		fi
	done <<EOR
$(grep '^RES ' "$3")
EOR
	[ $nres = $4 ] && [ $nsame = $4 ] && ok "$1.same-as-vyrec-run" ||
		bad "$1.same-as-vyrec-run" "$nsame of $nres steps equal, want $4"
}

# pipecheck TAG DIR OUT RC: tests/launchres/pipe.c's or pipe.rs's OUT (run
# in DIR, exit status RC): its OK/FAIL lines, and every "RES TAG N TSTEPS"
# step's a and b against vyrec run of jacobi1d on that step's inputs.
pipecheck() {
	grep '^FAIL' "$3" | head -5 | sed "s/^FAIL /FAIL $1./"
	grep '^OK ' "$3" | sed "s/^OK /PASS $1./"
	nsame=0
	while read -r _ tag n ts; do
		p=$2/$tag
		"$VY" run samples/jacobi1d.yaml --backend reference --param n="$n" --param tsteps="$ts" \
			--in a="$p.ain.bin" --in b="$p.bin.bin" --out a="$p.a.ref.bin" --out b="$p.b.ref.bin" \
			>/dev/null 2>"$p.ref.log" &&
			cmp -s "$p.a.bin" "$p.a.ref.bin" && cmp -s "$p.b.bin" "$p.b.ref.bin" && nsame=$((nsame + 1))
	done <<EOR
$(grep '^RES ' "$3")
EOR
	[ $4 = 0 ] && grep -q '^DONE ok' "$3" && [ $nsame = 5 ] && ok "$1.same-as-vyrec-run" ||
		bad "$1.same-as-vyrec-run" "rc=$4 $nsame of 5 steps equal $(grep FAIL "$3" | head -1)"
}

for t in $targets; do
	b=$t env=
	[ $t = spvstaging ] && b=spv env=VYREC_VK_MEMORY=staging
	# spvcopy: staging with every NAME_run copying in and out (no small runs
	# on the staging twins, VYREC_VK_SMALL=0)
	[ $t = spvcopy ] && b=spv env="VYREC_VK_MEMORY=staging VYREC_VK_SMALL=0"
	[ $b = $t ] && { build saxpy $t res || continue; }
	out=$W/res_$t.out
	(cd "$W" && mkdir -p "r_$t" && cd "r_$t" && env $env "$W/res_$b") >"$out" 2>&1; rc=$?
	if grep -q '^OPEN ' "$out"; then
		if [ $t = ptx ] && ! have_libcuda && grep -q '^OPEN cannot load libcuda.so.1' "$out"; then
			ok res.ptx.open-error
		elif [ $t = ptx ]; then
			skip_nvidia res.ptx "$(head -1 "$out")"
		else
			bad "res.$t.open" "$(head -1 "$out")"
		fi
		continue
	fi
	grep '^FAIL' "$out" | head -5 | sed "s/^FAIL /FAIL res.$t./"
	grep '^OK ' "$out" | sed "s/^OK /PASS res.$t./"
	[ $rc = 0 ] && grep -q '^DONE ok' "$out" && ok "res.$t.exit" || bad "res.$t.exit" "rc=$rc $(tail -1 "$out")"
	replay "res.$t" "$W/r_$t" "$out" 10

	[ $b = $t ] && { build vecadd $t wo || continue; }
	out=$W/wo_$t.out
	(cd "$W" && mkdir -p "w_$t" && cd "w_$t" && env $env "$W/wo_$b") >"$out" 2>&1; rc=$?
	grep -q '^OPEN ' "$out" && continue
	nsame=0
	while read -r _ tag n; do
		p=$W/w_$t/$tag
		"$VY" run samples/vecadd.yaml --backend reference --param n="$n" \
			--in x="$p.x.bin" --in y="$p.y.bin" --out z="$p.ref.bin" >/dev/null 2>&1 &&
			cmp -s "$p.out.bin" "$p.ref.bin" && nsame=$((nsame + 1))
	done <<EOR
$(grep '^RES ' "$out")
EOR
	[ $rc = 0 ] && [ $nsame = 3 ] && ok "wo.$t.write-only-made" || bad "wo.$t.write-only-made" "rc=$rc $nsame of 3 equal $(grep FAIL "$out" | head -1)"

	# a pipeline (kernels: + pipeline:, jacobi1d) on resident buffers:
	# NAME_dispatch runs all its dispatches (tests/launchres/pipe.c)
	[ $b = $t ] && { build jacobi1d $t pipe || continue; }
	out=$W/pipe_$t.out
	(cd "$W" && mkdir -p "j_$t" && cd "j_$t" && env $env "$W/pipe_$b") >"$out" 2>&1; rc=$?
	grep -q '^OPEN ' "$out" && continue
	pipecheck "pipe.$t" "$W/j_$t" "$out" $rc

	# element types: x3 vectors repacked 12 <-> 16 bytes by NAME_upload,
	# NAME_download (whole and partial) and the dispatches between, and an
	# i64 param whose high word alone changes (tests/launchres/types.c)
	[ $b = $t ] && { build rtypes $t types || continue; }
	out=$W/types_$t.out
	(cd "$W" && mkdir -p "y_$t" && cd "y_$t" && env $env "$W/types_$b") >"$out" 2>&1; rc=$?
	grep -q '^OPEN ' "$out" && continue
	grep '^FAIL' "$out" | head -5 | sed "s/^FAIL /FAIL types.$t./"
	grep '^OK ' "$out" | sed "s/^OK /PASS types.$t./"
	nsame=0
	while read -r _ tag n k; do
		p=$W/y_$t/$tag
		"$VY" run tests/launchres/rtypes.yaml --backend reference --param n="$n" --param k="$k" \
			--in p="$p.p.bin" --in q="$p.qin.bin" --out q="$p.q.ref.bin" --out r="$p.r.ref.bin" \
			--out y="$p.y.ref.bin" >/dev/null 2>"$p.ref.log" &&
			cmp -s "$p.q.bin" "$p.q.ref.bin" && cmp -s "$p.r.bin" "$p.r.ref.bin" &&
			cmp -s "$p.y.bin" "$p.y.ref.bin" && nsame=$((nsame + 1))
	done <<EOR
$(grep '^RES ' "$out")
EOR
	[ $rc = 0 ] && grep -q '^DONE ok' "$out" && [ $nsame = 3 ] && ok "types.$t.same-as-vyrec-run" ||
		bad "types.$t.same-as-vyrec-run" "rc=$rc $nsame of 3 steps equal $(grep FAIL "$out" | head -1)"
done

# VYREC_VK_SMALL must be a number of bytes: else open fails with a Fix
if have_backend vulkan && [ -x "$W/res_spv" ]; then
	out=$W/small_bad.out
	(cd "$W" && VYREC_VK_SMALL=64k "$W/res_spv") >"$out" 2>&1
	grep -q '^OPEN vulkan: VYREC_VK_SMALL=64k is not a number of bytes' "$out" && grep -q '^Fix: ' "$out" &&
		ok small.bad-value || bad small.bad-value "$(head -2 "$out" | tr '\n' ' ')"
fi

# The Cargo crates: a crate depending on the generated one (as `lib`) runs
# tests/launchres/res.rs, the same steps through upload_x, upload_y,
# dispatch and download_y; spv mapped and staging, ptx built (and its open
# error where there is no libcuda.so.1).
PATH=$PATH:/root/.cargo/bin:${HOME:-/root}/.cargo/bin
if ! command -v cargo >/dev/null 2>&1; then
	bad cargo "cargo is not installed (make deps installs Debian's cargo)"
	exit 0
fi
CARGO_TARGET_DIR=$W/cargo-target
export CARGO_TARGET_DIR
for t in spv ptx; do
	[ $t = spv ] && ! have_backend vulkan && continue
	c=$W/cargo_$t
	mkdir -p "$c/user/src"
	cp "$ROOT/tests/launchres/res.rs" "$c/user/src/main.rs"
	cat > "$c/user/Cargo.toml" <<EOT
[package]
name = "res_$t"
version = "0.1.0"
edition = "2021"
publish = false

[dependencies]
lib = { package = "saxpy_$t", path = "../saxpy_$t" }
EOT
	if "$VY" launcher samples/saxpy.yaml -t $t --lang cargo --name "saxpy_$t" -o "$c/saxpy_$t" >"$c.gen.log" 2>&1 &&
	   (cd "$c/user" && cargo build --offline --quiet) >"$c.build.log" 2>&1 && ! grep -q warning "$c.build.log" &&
	   (cd "$c/saxpy_$t" && cargo clippy --offline --quiet -- -D warnings) >"$c.clippy.log" 2>&1; then
		ok "cargo.$t.build"
	else
		bad "cargo.$t.build" "$(cat "$c.gen.log" "$c.build.log" "$c.clippy.log" 2>/dev/null | grep -m3 -A3 -E '^(error|warning)' | tr '\n' ' ')"
		continue
	fi
	# copy: staging with every run copying in and out (VYREC_VK_SMALL=0)
	for mem in "" staging copy; do
		[ $t = ptx ] && [ -n "$mem" ] && continue
		tag=cargo.$t${mem:+.$mem}
		r=$c/run$mem
		mkdir -p "$r"
		small=
		[ "$mem" = copy ] && mem=staging small=0
		(cd "$r" && VYREC_VK_MEMORY=$mem VYREC_VK_SMALL=$small "$CARGO_TARGET_DIR/debug/res_$t") >"$r.out" 2>&1; rc=$?
		if grep -q '^OPEN ' "$r.out"; then
			if [ $t = ptx ] && ! have_libcuda && grep -q 'libcuda.so.1' "$r.out"; then
				ok "$tag.open-error"
			elif [ $t = ptx ]; then
				skip_nvidia "$tag" "$(head -1 "$r.out")"
			else
				bad "$tag.open" "$(head -1 "$r.out")"
			fi
			continue
		fi
		grep '^FAIL' "$r.out" | head -5 | sed "s/^FAIL /FAIL $tag./"
		grep '^OK ' "$r.out" | sed "s/^OK /PASS $tag./"
		[ $rc = 0 ] && grep -q '^DONE ok' "$r.out" && ok "$tag.exit" || bad "$tag.exit" "rc=$rc $(tail -2 "$r.out" | tr '\n' ' ')"
		replay "$tag" "$r" "$r.out" 10
	done
done

# A pipelined crate (jacobi1d) through its resident buffers: Kernel::dispatch
# runs the whole pipeline (tests/launchres/pipe.rs); spv mapped, staging and
# copy, ptx built (and its open error where there is no libcuda.so.1).
for t in spv ptx; do
	[ $t = spv ] && ! have_backend vulkan && continue
	c=$W/cargo_$t
	mkdir -p "$c/upipe/src"
	cp "$ROOT/tests/launchres/pipe.rs" "$c/upipe/src/main.rs"
	cat > "$c/upipe/Cargo.toml" <<EOT
[package]
name = "pipe_$t"
version = "0.1.0"
edition = "2021"
publish = false

[dependencies]
lib = { package = "jacobi1d_$t", path = "../jacobi1d_$t" }
EOT
	if "$VY" launcher samples/jacobi1d.yaml -t $t --lang cargo --name "jacobi1d_$t" -o "$c/jacobi1d_$t" >"$c.pgen.log" 2>&1 &&
	   (cd "$c/upipe" && cargo build --offline --quiet) >"$c.pbuild.log" 2>&1 && ! grep -q warning "$c.pbuild.log" &&
	   (cd "$c/jacobi1d_$t" && cargo clippy --offline --quiet -- -D warnings) >"$c.pclippy.log" 2>&1; then
		ok "cargo.pipe.$t.build"
	else
		bad "cargo.pipe.$t.build" "$(cat "$c.pgen.log" "$c.pbuild.log" "$c.pclippy.log" 2>/dev/null | grep -m3 -A3 -E '^(error|warning)' | tr '\n' ' ')"
		continue
	fi
	for mem in "" staging copy; do
		[ $t = ptx ] && [ -n "$mem" ] && continue
		tag=cargo.pipe.$t${mem:+.$mem}
		r=$c/pipe$mem
		mkdir -p "$r"
		small=
		[ "$mem" = copy ] && mem=staging small=0
		(cd "$r" && VYREC_VK_MEMORY=$mem VYREC_VK_SMALL=$small "$CARGO_TARGET_DIR/debug/pipe_$t") >"$r.out" 2>&1; rc=$?
		if grep -q '^OPEN ' "$r.out"; then
			if [ $t = ptx ] && ! have_libcuda && grep -q 'libcuda.so.1' "$r.out"; then
				ok "$tag.open-error"
			elif [ $t = ptx ]; then
				skip_nvidia "$tag" "$(head -1 "$r.out")"
			else
				bad "$tag.open" "$(head -1 "$r.out")"
			fi
			continue
		fi
		pipecheck "$tag" "$r" "$r.out" $rc
	done
done
