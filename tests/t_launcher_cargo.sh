#!/bin/sh
# t_launcher_cargo.sh: the Cargo launcher (SPEC §5) end to end.  For every
# sample: generate the spv project, `cargo build --offline` it with no
# warning, run --selftest on lavapipe (PASS, exit 0); generate the ptx
# project (--name NAME_ptx), build it with no warning, and check that it
# fails cleanly here (exit 1, a Fix line naming libcuda.so.1) when there is
# no CUDA driver, or passes its self-test when there is.  Then: a planted
# wrong expected element gives exit 3 and `selftest: FAIL` (f32 and u32
# programs), generation is deterministic (generate twice, diff -r), --in
# and --out .npy/.bin files round-trip against `vyrec run --backend
# reference`, --print agrees with vyrec's, usage errors exit 2, a missing
# device exits 1 with a Fix, --bench reports a median, every crate is
# `cargo fmt --check` clean, and every element type but the f16 vectors
# runs (the cargo_types_* cases: vector, 64-bit, storage-type and f16
# buffers and params through the command line and the library's typed
# slices, byte for byte with `vyrec run`).
# All projects share one CARGO_TARGET_DIR to keep the builds fast.  The
# generated crates build with Debian 12's Rust (rustc 1.63, package
# cargo): when that is not the cargo on PATH, saxpy's spv and ptx crates
# are also built with /usr/bin/cargo (cargo_msrv_*), so newer Rust cannot
# creep into the templates unseen.
cd "$(dirname "$0")/.." || exit 2
. tests/lib.sh
PATH=$PATH:/root/.cargo/bin:${HOME:-/root}/.cargo/bin
O=tests/out/launcher_cargo
if ! command -v cargo >/dev/null 2>&1; then
	skip cargo_launchers "cargo is not installed (not on PATH nor in ~/.cargo/bin): make deps installs Debian's cargo"
	exit 0
fi
rm -rf "$O/p" "$O/d1" "$O/d2" "$O/io"
mkdir -p "$O/p" "$O/io"
CARGO_TARGET_DIR=$(pwd)/$O/target
export CARGO_TARGET_DIR
BIN=$CARGO_TARGET_DIR/debug

# the Vulkan device as vyrec sees it (lavapipe here), not through vulkaninfo
have_vulkan=1
have_backend vulkan || have_vulkan=0
have_cuda=0
have_libcuda && have_cuda=1

# gen NAME PROG TARGET [ARGS...]: generate $O/p/NAME.
gen() {
	n=$1 prog=$2 t=$3
	shift 3
	$VYREC launcher "$prog" -t "$t" --lang cargo -o "$O/p/$n" --name "$n" "$@" \
		> "$O/p/$n.gen" 2>&1
}

# build NAME: cargo build --offline, no warning (the log is kept).
build() {
	(cd "$O/p/$1" && cargo build --offline --quiet) > "$O/p/$1.build" 2>&1 &&
		! grep -q 'warning' "$O/p/$1.build"
}

for f in samples/*.yaml; do
	s=$(basename "$f" .yaml)
	# the Cargo launcher runs every type of SPEC §10.1 but f16 vectors (the cargo_types cases below)
	grep -qE 'type: (f16x[234])[,} ]' "$f" && continue
	# spv: build and self-test on lavapipe.
	if ! gen "$s" "$f" spv; then
		bad "cargo_spv_$s" "generation failed: $(head -3 "$O/p/$s.gen")"
	elif ! build "$s"; then
		bad "cargo_spv_$s" "build failed or warned: $(grep -m3 -E 'error|warning' "$O/p/$s.build")"
	elif [ $have_vulkan = 0 ]; then
		ok "cargo_spv_build_$s"
		skip "cargo_spv_selftest_$s" "no Vulkan device here ($VYREC backends)"
	else
		"$BIN/$s" --selftest > "$O/p/$s.out" 2>&1
		rc=$?
		if [ $rc = 0 ] && grep -q '^selftest: PASS' "$O/p/$s.out"; then
			ok "cargo_spv_selftest_$s"
		else
			bad "cargo_spv_selftest_$s" "exit $rc: $(head -3 "$O/p/$s.out")"
		fi
	fi
	# ptx: build; run where a CUDA driver exists, else a clean failure.
	p=${s}_ptx
	if ! gen "$p" "$f" ptx; then
		bad "cargo_ptx_$s" "generation failed: $(head -3 "$O/p/$p.gen")"
	elif ! build "$p"; then
		bad "cargo_ptx_$s" "build failed or warned: $(grep -m3 -E 'error|warning' "$O/p/$p.build")"
	else
		"$BIN/$p" --selftest > "$O/p/$p.out" 2>&1
		rc=$?
		if [ $have_cuda = 1 ]; then
			[ $rc = 0 ] && grep -q '^selftest: PASS' "$O/p/$p.out" &&
				ok "cargo_ptx_selftest_$s" ||
				bad "cargo_ptx_selftest_$s" "exit $rc: $(head -3 "$O/p/$p.out")"
		elif [ $rc = 1 ] && grep -q '^Fix: .*libcuda\.so\.1' "$O/p/$p.out" &&
			! grep -q 'panicked' "$O/p/$p.out"; then
			ok "cargo_ptx_no_driver_$s"
		else
			bad "cargo_ptx_no_driver_$s" "exit $rc: $(head -3 "$O/p/$p.out")"
		fi
	fi
done

# Pipelines (SPEC §10.5): every writable buffer after the whole pipeline,
# element by element, the same as `vyrec run --backend vulkan`.
# sample|params|inputs|outputs
PIPES='softmax|rows=37 cols=300|x=random:1:-4:4|y rmax rsum
sum2pass|n=70000|x=random:2:-1:1|partial total
prefixsum|n=70000|x=random:3:0:100|y sums
jacobi1d|n=1000 tsteps=21|a=random:4 b=zeros|a b
lu|n=64 k=0|a=random:5|a
normalize|n=5000|x=random:6|y partial norm'
if [ $have_vulkan = 1 ]; then
	mkdir -p "$O/pipes"
	echo "$PIPES" | while IFS='|' read -r s ps ins outs; do
		args=""; for a in $ps; do args="$args --param $a"; done
		for a in $ins; do args="$args --in $a"; done
		ro=""; lo=""
		for b in $outs; do ro="$ro --out $b=$O/pipes/$s.run.$b.bin"; lo="$lo --out $b=$O/pipes/$s.l.$b.bin"; done
		if ! $VYREC run "samples/$s.yaml" --backend vulkan $args $ro > "$O/pipes/$s.run.log" 2>&1; then
			bad "cargo_pipeline_$s" "vyrec run: $(head -1 "$O/pipes/$s.run.log")"; continue
		fi
		if ! "$BIN/$s" $args $lo > "$O/pipes/$s.l.log" 2>&1; then
			bad "cargo_pipeline_$s" "launcher: $(head -2 "$O/pipes/$s.l.log" | tr '\n' ' ')"; continue
		fi
		why=""
		for b in $outs; do
			w=$(python3 - "$O/pipes/$s.l.$b.bin" "$O/pipes/$s.run.$b.bin" 2>&1 <<'PY'
import sys
a, b = (open(p, 'rb').read() for p in sys.argv[1:3])
if len(a) != len(b):
    sys.exit('%d bytes, not %d' % (len(a), len(b)))
for i in range(0, len(a), 4):
    if a[i:i + 4] != b[i:i + 4]:
        sys.exit('element %d: %s, not %s' % (i // 4, a[i:i + 4].hex(), b[i:i + 4].hex()))
PY
			) || why="$why $b: $w"
		done
		[ -z "$why" ] && ok "cargo_pipeline_${s}_matches_vyrec_run" || bad "cargo_pipeline_${s}_matches_vyrec_run" "$why"
	done
	b=$("$BIN/jacobi1d" --param n=512 --param tsteps=10 --bench 3 2>&1)
	echo "$b" | grep -q 'runs of the whole pipeline of 20 dispatches; one vulkan command buffer' &&
		ok cargo_pipeline_bench || bad cargo_pipeline_bench "$b"
else
	skip cargo_pipelines "no Vulkan device here ($VYREC backends)"
fi

# A planted wrong result: flip bits of one expected element, rebuild.
# plant NAME BUF: copy project NAME to NAME_bad with the first element of
# BUF's EXPECTED array (host bytes) changed: its 4th byte, the top byte of
# an f32 or u32, gets 0x40 flipped, far past any tolerance.
plant() {
	rm -rf "$O/p/$1_bad"
	cp -R "$O/p/$1" "$O/p/$1_bad"
	rm -f "$O/p/$1_bad/Cargo.lock"
	# the package alone is renamed: its library keeps the name src/main.rs uses
	sed -i "0,/^name = \"$1\"/s//name = \"$1_bad\"/" "$O/p/$1_bad/Cargo.toml"
	awk -v buf="$2" '
		/^\/\/\/ / { cur = $2; sub(/:$/, "", cur) }
		/^const EXPECTED_/ { inexp = 1 }
		/^const INPUT_/ { inexp = 0 }
		cur == buf && inexp && !done {
			line = $0; out = ""
			while (!done && match(line, /0x[0-9a-f][0-9a-f],/)) {
				k++
				if (k == 4) {
					w = substr(line, RSTART + 2, 2); v = 0
					for (i = 1; i <= 2; i++) v = v * 16 + index("0123456789abcdef", substr(w, i, 1)) - 1
					v = int(v / 64) % 2 ? v - 64 : v + 64
					out = out substr(line, 1, RSTART + 1) sprintf("%02x", v); line = substr(line, RSTART + 4); done = 1
				} else {
					out = out substr(line, 1, RSTART + RLENGTH - 1); line = substr(line, RSTART + RLENGTH)
				}
			}
			$0 = out line
		}
		{ print }' "$O/p/$1/src/program.rs" > "$O/p/$1_bad/src/program.rs"
	! cmp -s "$O/p/$1/src/program.rs" "$O/p/$1_bad/src/program.rs"
}
for pb in saxpy:y histogram:bins; do
	s=${pb%%:*} b=${pb#*:}
	if [ $have_vulkan = 0 ]; then
		skip "cargo_planted_fail_$s" "no Vulkan device here"
		continue
	fi
	if ! plant "$s" "$b"; then
		bad "cargo_planted_fail_$s" "could not plant a wrong element in $b"
		continue
	fi
	if ! build "${s}_bad"; then
		bad "cargo_planted_fail_$s" "rebuild failed"
		continue
	fi
	"$BIN/${s}_bad" --selftest > "$O/p/${s}_bad.out" 2>&1
	rc=$?
	[ $rc = 3 ] && grep -q "^selftest: FAIL.* $b\[0\]" "$O/p/${s}_bad.out" &&
		ok "cargo_planted_fail_$s" ||
		bad "cargo_planted_fail_$s" "exit $rc: $(head -2 "$O/p/${s}_bad.out")"
done

# The oldest Rust the crates support: Debian 12's (make deps installs it).
# Built with no warning by /usr/bin/cargo when that is another cargo than
# the one above (on a plain Debian 12 they are the same and the loop above
# already built every crate with it).
if [ ! -x /usr/bin/cargo ]; then
	skip cargo_msrv "no /usr/bin/cargo (Debian's cargo and rustc, which make deps installs)"
elif [ "$(command -v cargo)" = /usr/bin/cargo ]; then
	ok "cargo_msrv_is_path_cargo ($(/usr/bin/rustc --version 2>/dev/null))"
else
	msrv=$(/usr/bin/rustc --version 2>/dev/null)
	for t in spv ptx; do
		n=msrv_$t
		if ! gen "$n" samples/saxpy.yaml "$t" --bench; then
			bad "cargo_msrv_$t" "generation failed: $(head -3 "$O/p/$n.gen")"
		elif (cd "$O/p/$n" && CARGO_TARGET_DIR=$CARGO_TARGET_DIR/msrv PATH=/usr/bin:$PATH \
			/usr/bin/cargo build --offline --quiet) > "$O/p/$n.build" 2>&1 &&
			! grep -q 'warning' "$O/p/$n.build"; then
			ok "cargo_msrv_$t ($msrv)"
		else
			bad "cargo_msrv_$t" "$msrv: $(grep -m3 -E -A3 '^(error|warning)' "$O/p/$n.build" | tr '\n' ' ')"
		fi
	done
fi

# `cargo clippy -- -D warnings` finds nothing (SPEC §10.7), with the cargo
# in PATH and with Debian 12's (rust-clippy 1.63, whose lints differ; its
# own CARGO_HOME so that cargo does not pick up a rustup cargo-clippy)
for n in saxpy matmul_ptx vecadd4 axpy_f16_ptx; do
	[ -d "$O/p/$n" ] || { bad "cargo_clippy_$n" "$O/p/$n was not generated"; continue; }
	if (cd "$O/p/$n" && cargo clippy --offline --quiet -- -D warnings) > "$O/p/$n.clippy" 2>&1; then
		ok "cargo_clippy_$n ($(cargo clippy --version 2>/dev/null))"
	else
		bad "cargo_clippy_$n" "$(grep -m3 -E -A3 '^(error|warning)' "$O/p/$n.clippy" | tr '\n' ' ')"
	fi
	if [ -x /usr/bin/cargo ] && [ "$(command -v cargo)" != /usr/bin/cargo ]; then
		ch=$(pwd)/$O/cargo-home-debian
		mkdir -p "$ch"
		if (cd "$O/p/$n" && CARGO_HOME="$ch" CARGO_TARGET_DIR=$CARGO_TARGET_DIR/msrv \
		    PATH=/usr/bin:/bin /usr/bin/cargo clippy --offline --quiet -- -D warnings) > "$O/p/$n.clippy163" 2>&1; then
			ok "cargo_clippy_msrv_$n ($(CARGO_HOME="$ch" PATH=/usr/bin:/bin /usr/bin/cargo clippy --version 2>/dev/null))"
		else
			bad "cargo_clippy_msrv_$n" "$(grep -m3 -E -A3 '^(error|warning)' "$O/p/$n.clippy163" | tr '\n' ' ')"
		fi
	fi
done

# `cargo fmt --check` finds nothing in every generated crate (SPEC §10.7,
# #16): the crates carry the rustfmt.toml their sources are written in,
# and the generated tables are #[rustfmt::skip].
if cargo fmt --version >/dev/null 2>&1; then
	nf=0 badf=
	for d in "$O"/p/*/; do
		[ -f "$d/Cargo.toml" ] || continue
		nf=$((nf + 1))
		(cd "$d" && cargo fmt --check) > "${d%/}.fmt" 2>&1 || badf="$badf $(basename "$d")"
	done
	if [ "$nf" -gt 10 ] && [ -z "$badf" ]; then ok "cargo_fmt_check ($nf crates, $(cargo fmt --version))"
	else bad cargo_fmt_check "$nf crates; not clean:$badf $(head -3 "$O/p/$(echo $badf | cut -d' ' -f1).fmt" 2>/dev/null | tr '\n' ' ')"; fi
else
	bad cargo_fmt_check "cargo fmt is not installed (rustfmt)"
fi

# Determinism: the same request twice gives the same tree, byte for byte.
for t in spv ptx; do
	$VYREC launcher samples/matmul.yaml -t $t --lang cargo -o "$O/d1/$t" > /dev/null 2>&1
	$VYREC launcher samples/matmul.yaml -t $t --lang cargo -o "$O/d2/$t" > /dev/null 2>&1
	[ -f "$O/d1/$t/src/main.rs" ] && diff -r "$O/d1/$t" "$O/d2/$t" > /dev/null &&
		ok "cargo_deterministic_$t" || bad "cargo_deterministic_$t"
done
# --name changes only the names: the saxpy tree of the loop above, under
# another name, differs from a fresh one only in name-bearing files.
if [ -f "$O/p/saxpy/src/main.rs" ]; then
	$VYREC launcher samples/saxpy.yaml -t spv --lang cargo -o "$O/d1/saxpy" > /dev/null 2>&1
	diff -r -x Cargo.lock "$O/p/saxpy" "$O/d1/saxpy" > /dev/null &&
		ok cargo_deterministic_default_name || bad cargo_deterministic_default_name
fi

# An unsupported pair is a usage error listing the supported targets.
$VYREC launcher samples/saxpy.yaml -t reference --lang cargo -o "$O/d1/ref" > "$O/d1/ref.out" 2>&1
rc=$?
[ $rc = 2 ] && grep -q spv "$O/d1/ref.out" && grep -q ptx "$O/d1/ref.out" && [ ! -e "$O/d1/ref/Cargo.toml" ] &&
	ok cargo_reference_target_refused || bad cargo_reference_target_refused "exit $rc"

# An odd program: upper-case name, hostile description, bindings out of
# declaration order, an i32 param in a count expression (select, negate,
# division), a 2-D dispatch over len(), no read-only buffer.
cat > "$O/odd.yaml" <<'EOF'
vyrec: 1
name: Odd
description: "hostile \"desc\" with `ticks`, | pipes, */ and {{braces}} \\ back"
workgroup_size: [4, 2]
params: {k: i32, s: f32}
buffers:
  a: {binding: 3, type: i32, count: "u32(k < 0 ? -k : k) * 3u / 2u + 1u", access: read_write}
  b: {binding: 0, type: f32, count: 6, access: write_only}
dispatch: ["len(a)", "2"]
entry:
  - let i = gid.x
  - if: i < len(a) && gid.y == 0u
    then:
      - a[i] = a[i] * k + i32(i)
  - if: i < len(b) && gid.y == 1u
    then:
      - b[i] = s * f32(i)
EOF
if gen Odd "$O/odd.yaml" spv --selftest-param k=-5 --selftest-param s=0.5 && build Odd; then
	ok cargo_odd_builds
	if [ $have_vulkan = 1 ]; then
		"$BIN/Odd" --selftest > "$O/p/Odd.out" 2>&1 && grep -q '^selftest: PASS' "$O/p/Odd.out" &&
			ok cargo_odd_selftest || bad cargo_odd_selftest "$(head -2 "$O/p/Odd.out")"
		ref=$($VYREC run "$O/odd.yaml" --backend reference --param k=-7 --param s=0.25 \
			--in a=random:3 --print a 2>&1 | sed 's/^a: //')
		got=$("$BIN/Odd" --param k=-7 --param s=0.25 --in a=random:3 --print a 2>&1)
		[ -n "$ref" ] && [ "$ref" = "$got" ] && ok cargo_odd_launch_time_count ||
			bad cargo_odd_launch_time_count "got '$got' expected '$ref'"
	else
		skip cargo_odd_selftest "no Vulkan device here ($VYREC backends)"
	fi
else
	bad cargo_odd_builds "$(head -3 "$O/p/Odd.gen" "$O/p/Odd.build" 2>/dev/null)"
fi

# Params and buffers named as Rust keywords are raw identifiers in the
# library's Params and Buffers (r#type, r#fn): the crate builds warning-free.
cat > "$O/kw.yaml" <<'EOY'
vyrec: 1
name: kw
workgroup_size: [64]
params: {int: u32, type: f32}
buffers:
  class: {type: f32, count: int, access: read_only}
  fn: {type: f32, count: int, access: write_only}
entry:
  - let i = gid.x
  - if: i < int
    then:
      - fn[i] = class[i] * type
EOY
if gen kw "$O/kw.yaml" spv && build kw && grep -q 'pub r#type: f32' "$O/p/kw/src/lib.rs"; then
	ok cargo_keyword_fields
else
	bad cargo_keyword_fields "$(grep -m3 -E -A3 '^(error|warning)' "$O/p/kw.build" 2>/dev/null | tr '\n' ' ')"
fi

# --selftest-in: a gather's indices from a bounded generator, embedded in
# program.rs; --selftest uses them (on lavapipe where there is one).
cat > "$O/gather.yaml" <<'EOY'
vyrec: 1
name: gather
workgroup_size: [64]
params: {n: u32, m: u32}
buffers:
  idx: {type: u32, count: n, access: read_only}
  x: {type: f32, count: m, access: read_only}
  y: {type: f32, count: n, access: write_only}
entry:
  - let i = gid.x
  - if: i < n
    then:
      - y[i] = x[idx[i]]
EOY
if gen gather "$O/gather.yaml" spv --selftest-param n=100 --selftest-param m=50 --selftest-in idx=random:7:0:50 &&
   build gather && grep -q 'const INPUT_0: \[u8; 400\]' "$O/p/gather/src/program.rs"; then
	if [ $have_vulkan = 1 ]; then
		"$BIN/gather" --selftest > "$O/p/gather.out" 2>&1 && grep -q '^selftest: PASS' "$O/p/gather.out" &&
			ok cargo_selftest_in || bad cargo_selftest_in "$(head -2 "$O/p/gather.out")"
	else
		ok cargo_selftest_in_builds
	fi
else
	bad cargo_selftest_in "$(head -3 "$O/p/gather.gen" "$O/p/gather.build" 2>/dev/null | tr '\n' ' ')"
fi

# --describe [--json]: the same bytes as the C launcher's for the same
# program and target (the ptx ones too, which open no device for it), and
# --describe with run options is a usage error (exit 2).
for s in saxpy matmul; do
	for t in spv ptx; do
		n=$s; [ $t = ptx ] && n=${s}_ptx
		[ -x "$BIN/$n" ] || { bad "cargo_describe_${s}_$t" "$BIN/$n was not built"; continue; }
		cd_=$O/p/c_desc_$n
		if ! $VYREC launcher "samples/$s.yaml" -t $t --lang c --name "$n" -o "$cd_" --force >/dev/null 2>&1 ||
		   ! make -s -C "$cd_" >/dev/null 2>&1; then
			bad "cargo_describe_${s}_$t" "the C launcher did not build"; continue
		fi
		same=1
		for j in "" --json; do
			"$BIN/$n" --describe $j > "$O/io/desc.rs" 2>&1 || same=0
			"$cd_/$n" --describe $j > "$O/io/desc.c" 2>&1 || same=0
			cmp -s "$O/io/desc.rs" "$O/io/desc.c" || same=0
		done
		python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$O/io/desc.rs" 2>/dev/null || same=0
		[ $same = 1 ] && ok "cargo_describe_${s}_$t" || bad "cargo_describe_${s}_$t" "$(diff "$O/io/desc.rs" "$O/io/desc.c" | head -3 | tr '\n' ' ')"
	done
done
"$BIN/saxpy" --describe --bench 3 > /dev/null 2> "$O/io/desc.err"; rc=$?
[ $rc = 2 ] && grep -q 'runs nothing' "$O/io/desc.err" && ok cargo_describe_alone || bad cargo_describe_alone "rc=$rc"

# The Vulkan driver from Rust (where `vyrec backends` finds a device):
# --bench --json, staging and mapped memory, forced fma modes, and
# several runs in one process.
vk_dev=0
$VYREC backends 2>/dev/null | grep -q '^vulkan .* ok: ' && vk_dev=1
if [ $vk_dev = 0 ]; then
	skip cargo_vulkan_driver "no Vulkan device (vyrec backends)"
elif [ ! -x "$BIN/saxpy" ]; then
	bad cargo_vulkan_driver "the saxpy spv launcher was not built"
else
	# --bench --json: bytes moved by access (x read_only once, y read_write
	# twice: 12 bytes an element for saxpy), the grid, a GPU timer.
	"$BIN/saxpy" --param n=1000 --bench 5 --json > "$O/io/json.out" 2>&1
	if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(not (d["bytes_moved"] == 12000 and d["dispatches"] == 5 and d["grid"] == [4, 1, 1] and d["median_ms"] > 0 and d["timer"].startswith("vulkan timestamps")))' "$O/io/json.out"; then
		ok cargo_bench_json_bytes_moved
	else
		bad cargo_bench_json_bytes_moved "$(head -2 "$O/io/json.out")"
	fi
	# --bench in Rust and C alike: the same keys in the same order, the
	# same bytes moved (vecadd: x, y read_only once, z write_only once:
	# 12 bytes an element), the same Vulkan timestamp timer, and text
	# lines that differ only in the measured numbers.
	same=1
	for n in saxpy vecadd; do
		cb=$O/p/c_bench_$n
		if [ ! -x "$BIN/$n" ] || ! $VYREC launcher "samples/$n.yaml" -t spv --lang c --name "$n" -o "$cb" --force >/dev/null 2>&1 ||
		   ! make -s -C "$cb" >/dev/null 2>&1; then
			same=0; echo "bench $n: not built" > "$O/io/bench.why"; continue
		fi
		for l in rs c; do
			b=$BIN/$n; [ $l = c ] && b=$cb/$n
			"$b" --param n=1000 --bench 3 --json > "$O/io/bench.$n.$l.json" 2>&1 || same=0
			"$b" --param n=1000 --bench 3 | sed 's/[0-9][0-9.]*/N/g' > "$O/io/bench.$n.$l.txt" 2>&1 || same=0
		done
		cmp -s "$O/io/bench.$n.rs.txt" "$O/io/bench.$n.c.txt" || { same=0; diff "$O/io/bench.$n.rs.txt" "$O/io/bench.$n.c.txt" > "$O/io/bench.why"; }
		python3 -c '
import json, sys
r, c = (json.load(open(f)) for f in sys.argv[1:3])
fixed = ("name", "target", "device", "dispatches", "bytes_moved", "grid", "workgroup_size")
sys.exit(not (list(r) == list(c) and all(r[k] == c[k] for k in fixed) and r["bytes_moved"] == 12000
              and r["timer"].split(";")[0] == c["timer"].split(";")[0] == "vulkan timestamps"))' \
			"$O/io/bench.$n.rs.json" "$O/io/bench.$n.c.json" || { same=0; cat "$O/io/bench.$n.rs.json" "$O/io/bench.$n.c.json" > "$O/io/bench.why"; }
	done
	[ $same = 1 ] && ok cargo_bench_same_as_c || bad cargo_bench_same_as_c "$(head -c 300 "$O/io/bench.why" | tr '\n' ' ')"
	# and the Rust JSON against the published schemas (doc/schema/)
	"$BIN/saxpy" --describe --json > "$O/io/describe.saxpy.rs.json" 2>&1
	python3 tests/schema_check.py describe.schema.json "$O/io/describe.saxpy.rs.json" | sed 's/^\(PASS\|FAIL\) /\1 cargo_/'
	python3 tests/schema_check.py bench.schema.json "$O/io/bench.saxpy.rs.json" "$O/io/bench.vecadd.rs.json" | sed 's/^\(PASS\|FAIL\) /\1 cargo_/'
	for mem in staging direct; do
		VYREC_VK_MEMORY=$mem "$BIN/saxpy" --selftest --bench 2 > "$O/io/mem.$mem.out" 2>&1
		rc=$?
		want="device-local + staging"; [ $mem = direct ] && want="device-local, mapped"
		[ $rc = 0 ] && grep -q '^selftest: PASS' "$O/io/mem.$mem.out" && grep -q "memory $want;" "$O/io/mem.$mem.out" &&
			ok "cargo_memory_$mem" || bad "cargo_memory_$mem" "exit $rc: $(head -2 "$O/io/mem.$mem.out")"
	done
	VYREC_VK_FMA=bogus "$BIN/saxpy" --selftest > "$O/io/fma.out" 2>&1
	rc=$?
	[ $rc = 1 ] && grep -q 'VYREC_VK_FMA=bogus' "$O/io/fma.out" && grep -q '^Fix: ' "$O/io/fma.out" &&
		ok cargo_fma_bad_mode || bad cargo_fma_bad_mode "exit $rc: $(head -2 "$O/io/fma.out")"

	# The library crates (Kernel::new / run) as path dependencies of a user
	# crate (edition 2021; and 2024 where this cargo knows it): saxpy run
	# with a=1 then a=2 on the same data, then new counts (larger, smaller),
	# vecadd between them; every output equal, byte for byte, to `vyrec run
	# --backend reference` on the same inputs; a wrong slice length is an
	# Error (std::error::Error) with a Fix, and the kernel stays usable.
	mkuser() {
		u=$O/p/$1
		rm -rf "$u"
		mkdir -p "$u/src"
		cat > "$u/Cargo.toml" <<EOT
[package]
name = "$1"
version = "0.1.0"
edition = "$2"
publish = false

[dependencies]
saxpy = { path = "../saxpy" }
vecadd = { path = "../vecadd" }
EOT
		cat > "$u/src/main.rs" <<'EOR'
use std::error::Error as _;

fn fill(n: u32, seed: u32) -> Vec<f32> {
    let mut s = seed.wrapping_mul(2654435761).wrapping_add(1);
    (0..n)
        .map(|_| {
            s = s.wrapping_mul(1103515245).wrapping_add(12345);
            ((s >> 8 & 0xFFFF) as i32 - 32768) as f32 / 1024.0
        })
        .collect()
}

fn dump(tag: &str, buf: &str, v: &[f32]) {
    let b: Vec<u8> = v.iter().flat_map(|f| f.to_le_bytes()).collect();
    std::fs::write(format!("{tag}.{buf}.bin"), b).expect("write");
}

fn main() {
    let mut s = saxpy::Kernel::new(0).unwrap_or_else(|e| panic!("open: {e}"));
    let mut v = vecadd::Kernel::new(0).unwrap_or_else(|e| panic!("open: {e}"));
    let runs: [(f32, u32, u32); 5] = [(1.0, 1000, 1), (2.0, 1000, 1), (-0.75, 4000, 3), (3.0, 10, 4), (0.5, 2000, 5)];
    for (r, &(a, n, seed)) in runs.iter().enumerate() {
        let tag = format!("s{r}");
        let x = fill(n, seed);
        let mut y = fill(n, seed + 100);
        dump(&tag, "x", &x);
        dump(&tag, "y", &y);
        s.run(&saxpy::Params { a, n }, &mut saxpy::Buffers { x: &x, y: &mut y })
            .unwrap_or_else(|e| panic!("{tag}: {e}"));
        dump(&tag, "out", &y);
        println!("RAN {tag} saxpy {a} {n}");
        let tag = format!("v{r}");
        let m = n / 2 + 3;
        let (x, y) = (fill(m, seed + 7), fill(m, seed + 8));
        let mut z = vec![f32::NAN; m as usize];
        dump(&tag, "x", &x);
        dump(&tag, "y", &y);
        v.run(&vecadd::Params { n: m }, &mut vecadd::Buffers { x: &x, y: &y, z: &mut z })
            .unwrap_or_else(|e| panic!("{tag}: {e}"));
        dump(&tag, "out", &z);
        println!("RAN {tag} vecadd {m} -");
    }
    let mut y = vec![0.0f32; 5];
    let e = s
        .run(&saxpy::Params { a: 1.0, n: 5 }, &mut saxpy::Buffers { x: &[0.0; 4], y: &mut y })
        .expect_err("a short x");
    let msg = e.to_string();
    if msg.contains("'x' has 4 elements") && msg.contains("\nFix: ") && e.source().is_none() {
        println!("OK badlen");
    } else {
        println!("FAIL badlen: {msg}");
    }
    let x = [1.0f32; 5];
    s.run(&saxpy::Params { a: 2.0, n: 5 }, &mut saxpy::Buffers { x: &x, y: &mut y }).expect("after an error");
    println!("{} {}", if y == [2.0; 5] { "OK" } else { "FAIL" }, s.device_name());
}
EOR
	}
	check_user() {
		u=$O/p/$1
		if ! (cd "$u" && cargo build --offline --quiet) > "$u.build" 2>&1 || grep -q warning "$u.build"; then
			bad "cargo_lib_$1" "build: $(grep -m3 -E -A3 '^(error|warning)' "$u.build" | tr '\n' ' ')"; return
		fi
		for mem in "" staging; do
			rm -rf "$u/run"; mkdir -p "$u/run"
			(cd "$u/run" && VYREC_VK_MEMORY=$mem "$BIN/$1") > "$u.out" 2>&1
			rc=$?
			why=
			[ $rc = 0 ] || why="rc=$rc $(tail -2 "$u.out" | tr '\n' ' ')"
			grep -q '^OK badlen$' "$u.out" && grep -q '^OK ' "$u.out" || why="$why $(grep FAIL "$u.out" | head -2 | tr '\n' ' ')"
			nran=0
			while read -r _ tag kind a n; do
				if [ "$kind" = saxpy ]; then
					$VYREC run samples/saxpy.yaml --backend reference --param a="$a" --param n="$n" \
						--in x="$u/run/$tag.x.bin" --in y="$u/run/$tag.y.bin" --out y="$u/run/$tag.ref.bin" >/dev/null 2>&1
				else
					$VYREC run samples/vecadd.yaml --backend reference --param n="$a" \
						--in x="$u/run/$tag.x.bin" --in y="$u/run/$tag.y.bin" --out z="$u/run/$tag.ref.bin" >/dev/null 2>&1
				fi
				cmp -s "$u/run/$tag.out.bin" "$u/run/$tag.ref.bin" || why="$why $tag differs from vyrec run;"
				nran=$((nran + 1))
			done <<EOF
$(grep '^RAN ' "$u.out")
EOF
			[ $nran = 10 ] || why="$why $nran runs, want 10"
			cmp -s "$u/run/s0.x.bin" "$u/run/s1.x.bin" && cmp -s "$u/run/s0.out.bin" "$u/run/s1.out.bin" &&
				why="$why the a=2 run gave the a=1 output"
			[ -z "$why" ] && ok "cargo_lib_$1${mem:+_$mem}" || bad "cargo_lib_$1${mem:+_$mem}" "$why"
		done
	}
	mkuser user2021 2021
	check_user user2021
	rv=$(rustc --version 2>/dev/null | sed -n 's/^rustc 1\.\([0-9]*\).*/\1/p')
	if [ "${rv:-0}" -ge 85 ]; then
		mkuser user2024 2024
		check_user user2024
	fi
	if [ -x /usr/bin/cargo ] && [ "$(command -v cargo)" != /usr/bin/cargo ]; then
		rm -f "$O/p/user2021/Cargo.lock"   # a newer cargo's lock file format
		if (cd "$O/p/user2021" && CARGO_TARGET_DIR=$CARGO_TARGET_DIR/msrv PATH=/usr/bin:$PATH \
		    cargo build --offline --quiet) > "$O/p/user2021.msrv" 2>&1 && ! grep -q warning "$O/p/user2021.msrv"; then
			ok "cargo_msrv_lib_dependency ($(/usr/bin/rustc --version 2>/dev/null))"
		else
			bad cargo_msrv_lib_dependency "$(grep -m3 -E -A3 '^(error|warning)' "$O/p/user2021.msrv" | tr '\n' ' ')"
		fi
	fi

	# a grid past lavapipe's 65535 workgroups is split (vkCmdDispatchBase);
	# gid and wgid stay global, so the outputs equal the reference's
	cat > "$O/p/big.yaml" <<'EOY'
vyrec: 1
name: big
workgroup_size: [1]
params: {n: u32}
buffers:
  y: {binding: 0, type: u32, count: n, access: write_only}
  w: {binding: 1, type: u32, count: n, access: write_only}
dispatch: [n]
entry:
  - let i = gid.x
  - if: i < n
    then:
      - y[i] = i * 3u + 1u
      - w[i] = wgid.x
EOY
	if gen big "$O/p/big.yaml" spv && build big &&
	   $VYREC run "$O/p/big.yaml" --backend reference --param n=200000 --out y="$O/io/big.ref.y.bin" --out w="$O/io/big.ref.w.bin" >/dev/null 2>&1 &&
	   "$BIN/big" --param n=200000 --out y="$O/io/big.y.bin" --out w="$O/io/big.w.bin" > "$O/io/big.out" 2>&1 &&
	   cmp -s "$O/io/big.ref.y.bin" "$O/io/big.y.bin" && cmp -s "$O/io/big.ref.w.bin" "$O/io/big.w.bin"; then
		ok cargo_big_grid
	else
		bad cargo_big_grid "$(head -2 "$O/io/big.out" "$O/p/big.build" 2>/dev/null | tr '\n' ' ')"
	fi
fi

if [ $have_vulkan = 0 ]; then
	skip cargo_io "no Vulkan device here"
	exit 0
fi

# --in/--out round trip against vyrec's reference backend: inputs written
# by vyrec as .npy, outputs compared byte for byte (.npy and raw .bin).
# hash (u32) is exact; saxpy's fma is correctly rounded on every target.
io_case() {
	s=$1 args=$2 ins=$3 outs=$4
	# shellcheck disable=SC2086
	$VYREC run samples/$s.yaml --backend reference $args $ins \
		$(for b in $outs; do printf ' --out %s=%s/%s.ref.npy --out %s=%s/%s.ref.bin' \
			$b $O/io $b $b $O/io $b; done) > /dev/null 2>&1 || return 1
	# The same inputs, as files vyrec wrote.
	fins=
	for kv in $ins; do
		[ "$kv" = --in ] && continue
		b=${kv%%=*}
		$VYREC run samples/$s.yaml --backend reference $args --in "$kv" \
			--out "$b=$O/io/$b.in.npy" > /dev/null 2>&1 || return 1
		fins="$fins --in $b=$O/io/$b.in.npy"
	done
	# shellcheck disable=SC2086
	"$BIN/$s" $args $fins $(for b in $outs; do printf ' --out %s=%s/%s.got.npy --out %s=%s/%s.got.bin' \
		$b $O/io $b $b $O/io $b; done) > "$O/io/$s.out" 2>&1 || return 1
	for b in $outs; do
		cmp -s "$O/io/$b.ref.npy" "$O/io/$b.got.npy" || return 1
		cmp -s "$O/io/$b.ref.bin" "$O/io/$b.got.bin" || return 1
	done
}
io_case hash "--param n=1000 --param seed=7" "--in keys=random:5" "pcg murmur" &&
	ok cargo_io_npy_bin_hash || bad cargo_io_npy_bin_hash "$(head -3 $O/io/hash.out 2>/dev/null)"
io_case saxpy "--param n=777 --param a=-1.25" "--in x=random:3 --in y=random:4:-100:100" "y" &&
	ok cargo_io_npy_bin_saxpy || bad cargo_io_npy_bin_saxpy "$(head -3 $O/io/saxpy.out 2>/dev/null)"

# --print and the generators agree with vyrec's (f32 text is %.9g).
ref=$($VYREC run samples/saxpy.yaml --backend reference --param n=40 --param a=3.5 \
	--in x=iota --in y=random:9:-1e6:1e6 --print y 2>&1 | sed 's/^y: //')
got=$("$BIN/saxpy" --param n=40 --param a=3.5 --in x=iota --in y=random:9:-1e6:1e6 --print y 2>&1)
[ -n "$ref" ] && [ "$ref" = "$got" ] && ok cargo_print_matches_vyrec ||
	bad cargo_print_matches_vyrec "got '$(echo "$got" | cut -c1-60)'"
ref=$($VYREC run samples/hash.yaml --backend reference --param n=9 --param seed=1 \
	--in keys=const:0xdeadbeef --print murmur 2>&1 | sed 's/^murmur: //')
got=$("$BIN/hash" --param n=9 --param seed=1 --in keys=const:0xdeadbeef --print murmur 2>&1)
[ -n "$ref" ] && [ "$ref" = "$got" ] && ok cargo_print_u32_const_hex ||
	bad cargo_print_u32_const_hex "got '$got' expected '$ref'"

# Bad input: usage errors exit 2, runtime errors exit 1, each with a Fix
# where the user can act; a bad .npy names both dtypes.
expect() {
	name=$1 want=$2 pat=$3
	shift 3
	"$@" > "$O/io/$name.out" 2>&1
	rc=$?
	[ $rc = "$want" ] && grep -q -- "$pat" "$O/io/$name.out" && ! grep -q panicked "$O/io/$name.out" &&
		ok "$name" || bad "$name" "exit $rc: $(head -2 "$O/io/$name.out")"
}
expect cargo_usage_unknown_option 2 "unknown option '--frob'" "$BIN/saxpy" --frob
expect cargo_usage_unknown_param 2 "'b' is not a param" "$BIN/saxpy" --param b=1
expect cargo_usage_bad_value 2 "not a valid u32" "$BIN/saxpy" --param n=-3
expect cargo_usage_unknown_buffer 2 "Fix: use one of x, y" "$BIN/saxpy" --in z=iota
expect cargo_usage_selftest_param 2 "selftest" "$BIN/saxpy" --selftest --param n=5
expect cargo_usage_missing_value 2 "needs a value" "$BIN/saxpy" --bench
expect cargo_usage_bench_zero 2 "positive" "$BIN/saxpy" --bench 0
expect cargo_no_device 1 "^Fix: pick --device" "$BIN/saxpy" --device 9
expect cargo_zero_count 1 "^Fix: pass params" "$BIN/saxpy" --param n=0
expect cargo_bad_source 1 "^Fix: name an existing" "$BIN/saxpy" --in x=ranodm:3
expect cargo_bad_dtype 1 "dtype '<u4' but the buffer has type f32" \
	"$BIN/saxpy" --param n=1000 --in x="$O/io/keys.in.npy"
cp "$O/io/pcg.ref.bin" "$O/io/keys.in.bin" 2>/dev/null
expect cargo_bad_size 1 "holds more than the buffer's 5 elements\\|holds 1000 elements but the buffer has 5" \
	"$BIN/saxpy" --param n=5 --in x="$O/io/keys.in.bin"
expect cargo_help 0 "usage: ./saxpy" "$BIN/saxpy" --help
expect cargo_json_without_bench 2 "give --bench N or --describe too" "$BIN/saxpy" --json
expect cargo_bench 0 "^bench: 3 dispatches, median [0-9.]* ms ([^)]*), [0-9.]* GB/s ([0-9]* bytes moved)" "$BIN/saxpy" --bench 3 --param n=100000

# Vector, 64-bit and storage types (SPEC §10.1, #13 item 1): the type
# samples of the loop above (vecadd4 saxpy4 f32x4, dot_f64, widen_bf16,
# brightness u8) and three programs of t_launcher_c.sh (w64: i64 u64 f64
# buffers and 64-bit params after u32 ones; vec3: x3 vectors, 12 bytes on
# the host and in files, 16 on the device; narrow: i8 u16 i16) run with
# other params and inputs, their .npy/.bin outputs byte for byte those of
# `vyrec run --backend vulkan` (the same lavapipe); w64's ptx crate builds.
TT=$O/types
rm -rf "$TT"
mkdir -p "$TT"
cat > "$TT/w64.yaml" <<'YAML'
vyrec: 1
name: w64
description: 64-bit integer buffers and params, 64-bit params after u32 ones
workgroup_size: [64]
params: {n: u32, k: i64, m: u32, s: u64, a: f64}
buffers:
  x: {type: i64, count: n, access: read_only}
  q: {type: u64, count: n, access: read_write}
  y: {type: i64, count: n, access: write_only}
  z: {type: f64, count: n, access: write_only}
entry:
  - let i = gid.x
  - if: i < n
    then:
      - y[i] = x[i] * k + i64(m)
      - q[i] = q[i] + s
      - z[i] = f64(x[i]) * a
YAML
cat > "$TT/vec3.yaml" <<'YAML'
vyrec: 1
name: vec3
description: x3 vectors and a u32x2 buffer
workgroup_size: [64]
params: {n: u32}
buffers:
  p: {type: f32x3, count: n, access: read_only}
  q: {type: i32x3, count: n, access: read_write}
  r: {type: f32x3, count: n, access: write_only}
  t: {type: u32x2, count: n, access: read_write}
entry:
  - let i = gid.x
  - if: i < n
    then:
      - r[i] = p[i] + p[i]
      - q[i] = q[i] + q[i]
      - t[i] = t[i] + t[i]
YAML
cat > "$TT/narrow.yaml" <<'YAML'
vyrec: 1
name: narrow
description: i8, u16 and i16 storage buffers (loads widen, stores narrow)
workgroup_size: [64]
params: {n: u32}
buffers:
  a: {type: i8, count: n, access: read_only}
  b: {type: u16, count: n, access: read_write}
  c: {type: i16, count: n, access: write_only}
entry:
  - let i = gid.x
  - if: i < n
    then:
      - c[i] = a[i] * 300
      - b[i] = b[i] + 40000u
YAML
for s in w64 vec3 narrow; do
	if ! gen "$s" "$TT/$s.yaml" spv; then
		bad "cargo_types_$s" "generation failed: $(head -3 "$O/p/$s.gen")"
	elif ! build "$s"; then
		bad "cargo_types_$s" "build failed or warned: $(grep -m3 -E 'error|warning' "$O/p/$s.build")"
	else
		"$BIN/$s" --selftest > "$O/p/$s.out" 2>&1; rc=$?
		[ $rc = 0 ] && grep -q '^selftest: PASS' "$O/p/$s.out" && ok "cargo_types_selftest_$s" ||
			bad "cargo_types_selftest_$s" "exit $rc: $(head -3 "$O/p/$s.out")"
	fi
done
# clippy -D warnings on the 64-bit params' code (Bits for i64 u64 f64)
if (cd "$O/p/w64" && cargo clippy --offline --quiet -- -D warnings) > "$O/p/w64.clippy" 2>&1; then
	ok cargo_types_clippy_w64
else
	bad cargo_types_clippy_w64 "$(grep -m3 -E -A3 '^(error|warning)' "$O/p/w64.clippy" | tr '\n' ' ')"
fi
if gen w64_ptx "$TT/w64.yaml" ptx && build w64_ptx; then
	"$BIN/w64_ptx" --selftest > "$O/p/w64_ptx.out" 2>&1; rc=$?
	if [ $have_cuda = 1 ]; then
		[ $rc = 0 ] && ok cargo_types_ptx_w64 || bad cargo_types_ptx_w64 "exit $rc: $(head -2 "$O/p/w64_ptx.out")"
	else
		[ $rc = 1 ] && grep -q '^Fix: .*libcuda' "$O/p/w64_ptx.out" && ok cargo_types_ptx_build_w64 ||
			bad cargo_types_ptx_build_w64 "exit $rc: $(head -2 "$O/p/w64_ptx.out")"
	fi
else
	bad cargo_types_ptx_build_w64 "$(grep -m3 -E 'error|warning' "$O/p/w64_ptx.gen" "$O/p/w64_ptx.build" 2>/dev/null)"
fi
# same_as_run NAME SRC ARGS... -- BUF=FILE...: the launcher NAME and vyrec run
# with the same args, each output file compared byte for byte.
same_as_run() {
	n=$1 src=$2; shift 2
	args=; lo=; ro=; outs=
	while [ "$1" != -- ]; do args="$args $1"; shift; done; shift
	for o in "$@"; do lo="$lo --out ${o%%=*}=$TT/l.$n.${o#*=}"; ro="$ro --out ${o%%=*}=$TT/r.$n.${o#*=}"; outs="$outs ${o#*=}"; done
	# shellcheck disable=SC2086
	"$BIN/$n" $args $lo > "$TT/l.$n.log" 2>&1 || { bad "cargo_types_same_$n" "launcher: $(head -2 "$TT/l.$n.log" | tr '\n' ' ')"; return; }
	# shellcheck disable=SC2086
	$VYREC run "$src" --backend vulkan $args $ro > "$TT/r.$n.log" 2>&1 || { bad "cargo_types_same_$n" "vyrec run: $(tail -1 "$TT/r.$n.log")"; return; }
	for f in $outs; do
		cmp -s "$TT/l.$n.$f" "$TT/r.$n.$f" || { bad "cargo_types_same_$n" "$f differs from vyrec run's"; return; }
	done
	ok "cargo_types_same_$n"
}
same_as_run w64 "$TT/w64.yaml" --param n=100 --param k=-3 --param m=7 --param s=18446744073709551000 \
	--param a=0.1 --in x=random:5:-1000000:1000000 --in q=iota -- y=y.npy q=q.npy z=z.bin
same_as_run vec3 "$TT/vec3.yaml" --param n=33 --in p=random:3 --in q=random:4 --in t=iota -- r=r.npy q=q.npy t=t.bin
same_as_run narrow "$TT/narrow.yaml" --param n=77 --in a=random:9 --in b=random:2:0:65535 -- b=b.npy c=c.npy
same_as_run vecadd4 samples/vecadd4.yaml --param n=300 --in x=random:1 --in y=iota -- z=z.npy
same_as_run saxpy4 samples/saxpy4.yaml --param n=129 --param a=-2.5 --in x=random:7 --in y=random:8 -- y=y.npy
same_as_run dot_f64 samples/dot_f64.yaml --param n=1000 --in x=random:3 --in y=random:4:-10:10 -- partial=p.npy
same_as_run widen_bf16 samples/widen_bf16.yaml --param n=500 --param scale=3 --in w=random:6 -- wide=w.npy scaled=s.npy
same_as_run brightness samples/brightness.yaml --param n=250 --param gain=1.7 --in src=random:11 -- dst=d.npy
# .npy inputs of the new dtypes, written by vyrec (|u1, <f8, (n, 4) <f4)
for c in "brightness src random:12 dst --param gain=2" "dot_f64 x random:13 partial" "vecadd4 x random:14 z"; do
	# shellcheck disable=SC2086
	set -- $c
	s=$1 b=$2 g=$3 o=$4; shift 4
	$VYREC run "samples/$s.yaml" --backend vulkan --param n=64 "$@" --in "$b=$g" --out "$b=$TT/in.$s.npy" > /dev/null 2>&1
	"$BIN/$s" --param n=64 "$@" --in "$b=$TT/in.$s.npy" --out "$o=$TT/fl.$s.bin" > "$TT/fl.$s.log" 2>&1 &&
		$VYREC run "samples/$s.yaml" --backend vulkan --param n=64 "$@" --in "$b=$TT/in.$s.npy" --out "$o=$TT/fr.$s.bin" \
			> /dev/null 2>&1 && cmp -s "$TT/fl.$s.bin" "$TT/fr.$s.bin" &&
		ok "cargo_types_npy_in_$s" || bad "cargo_types_npy_in_$s" "$(head -2 "$TT/fl.$s.log")"
done
# The shapes and dtypes of .npy outputs; --print of u8 and f64 buffers as vyrec prints them
if grep -q "'descr': '<f4', 'fortran_order': False, 'shape': (33, 3)" "$TT/l.vec3.r.npy" &&
   grep -q "'descr': '<u2', 'fortran_order': False, 'shape': (77,)" "$TT/l.narrow.b.npy" &&
   grep -q "'descr': '|u1', 'fortran_order': False, 'shape': (1000,)" "$TT/l.brightness.d.npy"; then
	ok cargo_types_npy_shapes
else
	bad cargo_types_npy_shapes "$(head -c 80 "$TT/l.vec3.r.npy" 2>&1)"
fi
for c in "brightness dst --param n=20 --param gain=0.6 --in src=iota" \
	 "dot_f64 partial --param n=600 --in x=random:1 --in y=iota" \
	 "w64 z --param n=9 --param k=1 --param m=2 --param s=3 --param a=-1e300 --in x=iota"; do
	# shellcheck disable=SC2086
	set -- $c
	s=$1 b=$2; shift 2
	src=samples/$s.yaml; [ "$s" = w64 ] && src=$TT/w64.yaml
	ref=$($VYREC run "$src" --backend vulkan "$@" --print "$b" 2>&1 | sed "s/^$b: //")
	got=$("$BIN/$s" "$@" --print "$b" 2>&1)
	[ -n "$ref" ] && [ "$ref" = "$got" ] && ok "cargo_types_print_$s" || bad "cargo_types_print_$s" "got '$got', vyrec '$ref'"
done
# --bench counts each buffer's own bytes: vecadd4 n=256 moves 3 * 256 * 16
out=$("$BIN/vecadd4" --param n=256 --bench 2 --json 2>&1)
echo "$out" | grep -q '"bytes_moved": 12288,' && ok cargo_types_bench_bytes || bad cargo_types_bench_bytes "$out"
# --describe names the vector type, the same bytes as the C launcher's
cdd=$O/p/c_desc_vecadd4
if $VYREC launcher samples/vecadd4.yaml -t spv --lang c --name vecadd4 -o "$cdd" --force >/dev/null 2>&1 &&
   make -s -C "$cdd" >/dev/null 2>&1; then
	same=1
	for j in "" --json; do
		"$BIN/vecadd4" --describe $j > "$O/io/desc.rs" 2>&1 || same=0
		"$cdd/vecadd4" --describe $j > "$O/io/desc.c" 2>&1 || same=0
		cmp -s "$O/io/desc.rs" "$O/io/desc.c" || same=0
	done
	[ $same = 1 ] && grep -q 'f32x4' "$O/io/desc.rs" && ok cargo_types_describe_vecadd4 ||
		bad cargo_types_describe_vecadd4 "$(diff "$O/io/desc.rs" "$O/io/desc.c" | head -3 | tr '\n' ' ')"
else
	bad cargo_types_describe_vecadd4 "the C launcher did not build"
fi
# A device without a feature the program needs: an error naming it, with a Fix (exit 1)
for c in w64:shaderInt64 narrow:storageBuffer16BitAccess brightness:storageBuffer8BitAccess dot_f64:shaderFloat64 \
	axpy_f16:shaderFloat16; do
	s=${c%%:*} f=${c#*:}
	out=$(VYREC_VK_DISABLE=$f "$BIN/$s" --selftest 2>&1); rc=$?
	[ $rc = 1 ] && echo "$out" | grep -q "lacks $f" && echo "$out" | grep -q '^Fix: ' &&
		ok "cargo_types_feature_$s" || bad "cargo_types_feature_$s" "exit $rc: $out"
done
# The library's typed slices: [f32; 4] for f32x4, u8, i64/u64/f64 buffers
# and 64-bit params, through run and through upload/dispatch/download, the
# results checked against the same arithmetic on the host.
u=$O/p/typeduser
rm -rf "$u"
mkdir -p "$u/src"
cat > "$u/Cargo.toml" <<TOML
[package]
name = "typeduser"
version = "0.1.0"
edition = "2021"

[dependencies]
vecadd4 = { path = "../vecadd4" }
brightness = { path = "../brightness" }
w64 = { path = "../w64" }
TOML
cat > "$u/src/main.rs" <<'RS'
fn main() {
    let n = 300u32;
    let x: Vec<[f32; 4]> = (0..n).map(|i| [i as f32, 0.5, -(i as f32) * 0.1, 1e-3 * i as f32]).collect();
    let y: Vec<[f32; 4]> = (0..n).map(|i| [1.0, i as f32 * 0.25, 2.0, -3.0]).collect();
    let want: Vec<[f32; 4]> =
        x.iter().zip(&y).map(|(a, b)| [a[0] + b[0], a[1] + b[1], a[2] + b[2], a[3] + b[3]]).collect();
    let mut v = vecadd4::Kernel::new(0).unwrap_or_else(|e| panic!("open: {e}"));
    let mut z = vec![[f32::NAN; 4]; n as usize];
    v.run(&vecadd4::Params { n }, &mut vecadd4::Buffers { x: &x, y: &y, z: &mut z }).expect("vecadd4");
    println!("{} vecadd4 run", if z == want { "OK" } else { "FAIL" });
    let mut z2 = vec![[0.0f32; 4]; n as usize];
    v.upload_x(&y).and_then(|_| v.upload_y(&x)).and_then(|_| v.dispatch(&vecadd4::Params { n })).expect("dispatch");
    v.download_z(&mut z2).expect("download");
    println!("{} vecadd4 resident", if z2 == want { "OK" } else { "FAIL" });

    let src: Vec<u8> = (0..4 * n).map(|i| (i * 37 % 256) as u8).collect();
    let gain = 1.7f32;
    let bw: Vec<u8> = src
        .iter()
        .enumerate()
        .map(|(i, &s)| if i % 4 == 3 { s } else { ((s as f32 * gain + 0.5) as u32).min(255) as u8 })
        .collect();
    let mut b = brightness::Kernel::new(0).unwrap_or_else(|e| panic!("open: {e}"));
    let mut dst = vec![0u8; 4 * n as usize];
    b.run(&brightness::Params { gain, n }, &mut brightness::Buffers { src: &src, dst: &mut dst }).expect("brightness");
    println!("{} brightness", if dst == bw { "OK" } else { "FAIL" });

    let (k, m, s, a) = (-3i64, 7u32, 0xffff_ffff_0000_0001u64, 0.1f64);
    let xs: Vec<i64> = (0..n as i64).map(|i| i * 0x1_0000_0001 - 5_000_000_000).collect();
    let mut q: Vec<u64> = (0..n as u64).map(|i| i << 33 | i).collect();
    let qw: Vec<u64> = q.iter().map(|v| v.wrapping_add(s)).collect();
    let yw: Vec<i64> = xs.iter().map(|v| v.wrapping_mul(k).wrapping_add(m as i64)).collect();
    let zw: Vec<f64> = xs.iter().map(|&v| v as f64 * a).collect();
    let (mut yy, mut zz) = (vec![0i64; n as usize], vec![0f64; n as usize]);
    let mut w = w64::Kernel::new(0).unwrap_or_else(|e| panic!("open: {e}"));
    w.run(&w64::Params { n, k, m, s, a }, &mut w64::Buffers { x: &xs, q: &mut q, y: &mut yy, z: &mut zz })
        .expect("w64");
    let ok = q == qw && yy == yw && zz.iter().zip(&zw).all(|(g, e)| g.to_bits() == e.to_bits());
    println!("{} w64", if ok { "OK" } else { "FAIL" });
}
RS
if (cd "$u" && cargo build --offline --quiet) > "$u.build" 2>&1 && ! grep -q warning "$u.build"; then
	out=$("$BIN/typeduser" 2>&1)
	for c in "vecadd4 run" "vecadd4 resident" brightness w64; do
		t=$(echo "$c" | tr ' ' _)
		echo "$out" | grep -qx "OK $c" && ok "cargo_types_lib_$t" || bad "cargo_types_lib_$t" "$(echo "$out" | head -3 | tr '\n' ' ')"
	done
else
	bad cargo_types_lib "$(grep -m3 -E 'error|warning' "$u.build")"
fi

# f16 (SPEC §10.1, #13): buffers and params as their 16 bits (u16), .npy
# '<f2', values parsed and generated with one rounding to f16 and printed
# as vyrec prints them; axpy_f16 of the loop above against vyrec run.
same_as_run axpy_f16 samples/axpy_f16.yaml --param n=300 --param a=-1.375 --in x=random:3 \
	--in y=random:4:-100:100 -- y=y.npy
grep -q "'descr': '<f2', 'fortran_order': False, 'shape': (300,)" "$TT/l.axpy_f16.y.npy" &&
	ok cargo_types_npy_f16 || bad cargo_types_npy_f16 "$(head -c 80 "$TT/l.axpy_f16.y.npy" 2>&1)"
a="--param n=40 --param a=0.1 --in x=iota --in y=const:-1e-6"
# shellcheck disable=SC2086
ref=$($VYREC run samples/axpy_f16.yaml --backend vulkan $a --print y 2>&1 | sed 's/^y: //')
# shellcheck disable=SC2086
got=$("$BIN/axpy_f16" $a --print y 2>&1)
[ -n "$ref" ] && [ "$ref" = "$got" ] && ok cargo_types_print_f16 || bad cargo_types_print_f16 "got '$got', vyrec '$ref'"
# The library with f16 bits: Params { a: u16 }, &[u16] slices; its result
# (raw .bin) is vyrec run's for the same inputs.
u=$O/p/f16user
rm -rf "$u"
mkdir -p "$u/src"
printf '[package]\nname = "f16user"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\naxpy_f16 = { path = "../axpy_f16" }\n' \
	> "$u/Cargo.toml"
cat > "$u/src/main.rs" <<'RS'
fn bin(path: &str, v: &[u16]) {
    std::fs::write(path, v.iter().flat_map(|h| h.to_le_bytes()).collect::<Vec<u8>>()).expect("write");
}

fn main() {
    let n = 500u32;
    // f16 bits: 0x3c00 = 1.0 plus small fractions, both signs; y up to 0x5bff
    let x: Vec<u16> = (0..n).map(|i| 0x3c00 + (i as u16 % 1000) | if i % 3 == 0 { 0x8000 } else { 0 }).collect();
    let mut y: Vec<u16> = (0..n).map(|i| (i as u16 * 47) % 0x5c00).collect();
    bin("x.bin", &x);
    bin("y.bin", &y);
    let mut k = axpy_f16::Kernel::new(0).unwrap_or_else(|e| panic!("open: {e}"));
    k.run(&axpy_f16::Params { a: 0xbd80, n }, &mut axpy_f16::Buffers { x: &x, y: &mut y }).expect("axpy_f16");
    bin("out.bin", &y);
    println!("RAN");
}
RS
if (cd "$u" && cargo build --offline --quiet) > "$u.build" 2>&1 && ! grep -q warning "$u.build" &&
   (cd "$u" && "$BIN/f16user") > "$u.out" 2>&1 &&
   $VYREC run samples/axpy_f16.yaml --backend vulkan --param n=500 --param a=-1.375 --in "x=$u/x.bin" \
	--in "y=$u/y.bin" --out "y=$u/ref.bin" > "$u.ref" 2>&1 && cmp -s "$u/out.bin" "$u/ref.bin"; then
	ok cargo_types_lib_f16
else
	bad cargo_types_lib_f16 "$(grep -m3 -E 'error|warning' "$u.build"; head -2 "$u.out" "$u.ref" 2>/dev/null | tr '\n' ' ')"
fi
# f16 vector buffers are refused (by the front end today; the launchers
# refuse them too) with a Fix, nothing written
cat > "$TT/h4.yaml" <<'YAML'
vyrec: 1
name: h4
workgroup_size: [64]
params: {n: u32}
buffers:
  x: {type: f16x4, count: n, access: read_only}
  y: {type: f16x4, count: n, access: write_only}
entry:
  - let i = gid.x
  - if: i < n
    then:
      - y[i] = x[i] + x[i]
YAML
rm -rf "$O/refuse_h4"
$VYREC launcher "$TT/h4.yaml" -t spv --lang cargo -o "$O/refuse_h4" > "$O/refuse_h4.log" 2>&1; rc=$?
if [ $rc != 0 ] && [ $rc -lt 128 ] && grep -q "f16x4" "$O/refuse_h4.log" && grep -q "Fix: " "$O/refuse_h4.log" &&
   [ ! -e "$O/refuse_h4" ]; then
	ok cargo_types_refused_f16x4
else
	bad cargo_types_refused_f16x4 "rc=$rc $(head -1 "$O/refuse_h4.log")"
fi
exit 0
