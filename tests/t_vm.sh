#!/bin/sh
# t_vm.sh: the reference VM.  Unit tests (tests/unit/test_vm.c), then every
# semantics-corpus program (tests/corpus/*.yaml, tests/corpus/ref/*.yaml)
# run on the reference backend three ways -- `vyrec run --backend
# reference`, and compiled in-process at -O0 and at -O1 -- each compared
# element by element with its NAME.expect.  NAME.err: the run must fail
# with that message; NAME.strict-err / NAME.strict-warn: the same under
# --strict, as an error / as a warning on a successful run.  Last, the
# module decoder under ASan+UBSan over mutated modules.
cd "$(dirname "$0")/.." || exit 2
. tests/lib.sh
mkdir -p tests/out/vm
T=tests/out/test_vm
if [ ! -f build/libvyrec.a ]; then
	bad vm_build "build/libvyrec.a is missing; run make"
	exit 0
fi
if ! cc_unit $T tests/unit/test_vm.c 2>tests/out/test_vm.cc.log; then
	bad vm_build "$(head -5 tests/out/test_vm.cc.log | tr '\n' ' ')"
	exit 0
fi
$T unit

# The VM sources compile standalone, as launchers embed them.
if cc -std=c11 -Wall -Wextra -Werror -Iinclude -c src/vm.c -o tests/out/vm/vm_standalone.o \
	2>tests/out/vm/standalone.log; then
	ok vm_standalone_c11
else
	bad vm_standalone_c11 "$(head -3 tests/out/vm/standalone.log | tr '\n' ' ')"
fi

# expect_cli NAME PROG EXPECT [--strict]: vyrec run, compare `out`
expect_cli() {
	n=$1 prog=$2 exp=$3; shift 3
	o=tests/out/vm/$n.cli.bin
	rm -f "$o"
	if ! $VYREC run "$prog" --backend reference "$@" --out out="$o" \
		>tests/out/vm/$n.cli.log 2>&1; then
		bad "$n" "vyrec run failed: $(tail -2 tests/out/vm/$n.cli.log | tr '\n' ' ')"
	elif $T cmp "$o" "$exp" 2>tests/out/vm/$n.cmp.log; then
		ok "$n"
	else
		bad "$n" "$(head -3 tests/out/vm/$n.cmp.log | tr '\n' ' ')"
	fi
}

# expect_lib NAME PROG EXPECT OPT: in-process compile at -OOPT, compare
expect_lib() {
	o=tests/out/vm/$1.bin
	if ! $T run "$2" "$4" "$o" 2>tests/out/vm/$1.log; then
		bad "$1" "$(head -3 tests/out/vm/$1.log | tr '\n' ' ')"
	elif $T cmp "$o" "$3" 2>tests/out/vm/$1.cmp.log; then
		ok "$1"
	else
		bad "$1" "$(head -3 tests/out/vm/$1.cmp.log | tr '\n' ' ')"
	fi
}

# expect_fail NAME MSGFILE COMMAND...: fails, stderr holds the message
expect_fail() {
	n=$1 msg=$(cat "$2"); shift 2
	if "$@" >tests/out/vm/$n.log 2>&1; then
		bad "$n" "succeeded; expected: $msg"
	elif grep -qF -- "$msg" tests/out/vm/$n.log; then
		ok "$n"
	else
		bad "$n" "message differs: $(head -2 tests/out/vm/$n.log | tr '\n' ' ')"
	fi
}

for prog in tests/corpus/*.yaml tests/corpus/ref/*.yaml; do
	base=${prog%.yaml}
	n=corpus_$(basename "$base")
	if [ -f "$base.expect" ]; then
		expect_cli "$n" "$prog" "$base.expect"
		expect_lib "${n}_O0" "$prog" "$base.expect" 0
		expect_lib "${n}_O1" "$prog" "$base.expect" 1
	fi
	if [ -f "$base.err" ]; then
		expect_fail "${n}_err" "$base.err" \
			$VYREC run "$prog" --backend reference --out out=tests/out/vm/$n.bin
		expect_fail "${n}_err_lib" "$base.err" $T run "$prog" 1 tests/out/vm/$n.bin
	fi
	if [ -f "$base.strict-err" ]; then
		expect_fail "${n}_strict" "$base.strict-err" \
			$VYREC run "$prog" --backend reference --strict --out out=tests/out/vm/$n.bin
	fi
	if [ -f "$base.strict-warn" ]; then
		msg=$(cat "$base.strict-warn")
		if $VYREC run "$prog" --backend reference --strict \
			--out out=tests/out/vm/$n.s.bin >tests/out/vm/$n.s.log 2>&1 &&
			grep -qF -- "$msg" tests/out/vm/$n.s.log &&
			$T cmp tests/out/vm/$n.s.bin "$base.expect" 2>/dev/null; then
			ok "${n}_strict_warn"
		else
			bad "${n}_strict_warn" "$(head -2 tests/out/vm/$n.s.log | tr '\n' ' ')"
		fi
	fi
done

# -O1 changes nothing observable: every sample, default params and
# seeded inputs, all buffers bit for bit.
for prog in samples/*.yaml; do
	n=opt_equiv_$(basename "$prog" .yaml)
	if $T oeq "$prog" >tests/out/vm/$n.log 2>&1; then
		ok "$n"
	else
		bad "$n" "$(head -2 tests/out/vm/$n.log | tr '\n' ' ')"
	fi
done

# Streaming: convert.yaml over 3 chunks of x equals one run over all of x.
printf '\000\000\200\277\000\000\000\000\000\000\100\100\000\000\300\100\000\000\200\077\000\000\040\101\000\000\000\100\000\000\140\100\000\000\300\300' \
	> tests/out/vm/x9.bin
if $VYREC run samples/convert.yaml --backend reference --param n=9 --param lo=0 --param hi=4 \
	--in x=tests/out/vm/x9.bin --out quant=tests/out/vm/q_whole.bin >/dev/null 2>&1 &&
	$VYREC run samples/convert.yaml --backend reference --param n=3 --param lo=0 --param hi=4 \
	--stream x=tests/out/vm/x9.bin --chunk 3 --out quant=tests/out/vm/q_stream.bin \
	>/dev/null 2>&1 && cmp -s tests/out/vm/q_whole.bin tests/out/vm/q_stream.bin &&
	[ "$(wc -c < tests/out/vm/q_stream.bin)" -eq 36 ]; then
	ok vm_stream_chunks
else
	bad vm_stream_chunks "streamed output differs from the whole run"
fi

# The corpus expectations come from gen.py's oracle: regenerating them
# must reproduce the committed files.
if command -v python3 >/dev/null 2>&1; then
	rm -rf tests/out/vm/gen && mkdir -p tests/out/vm/gen
	cp tests/corpus/gen.py tests/corpus/f32oracle.py tests/out/vm/gen/
	if python3 tests/out/vm/gen/gen.py &&
		for f in tests/out/vm/gen/*.yaml tests/out/vm/gen/*.expect; do
			cmp -s "$f" "tests/corpus/$(basename "$f")" || exit 1
		done; then
		ok corpus_generated_files_current
	else
		bad corpus_generated_files_current "tests/corpus/gen.py output differs from the committed files"
	fi
else
	skip corpus_generated_files_current "no python3 (make deps installs it)"
fi

# The decoder and a step-limited run over mutated modules under sanitizers.
if [ -f tests/fuzz/fuzz_module.c ]; then
	F=tests/out/vm/fuzz_module_asan
	for prog in samples/saxpy.yaml tests/corpus/control.yaml tests/corpus/lazy.yaml; do
		$VYREC build "$prog" -t reference -o tests/out/vm/$(basename "$prog" .yaml).vyref \
			>/dev/null 2>&1
	done
	if cc -std=c11 -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
		-DVYVM_FUZZ_MAIN -Iinclude -Isrc -o $F tests/fuzz/fuzz_module.c src/vm.c -lm \
		2>tests/out/vm/fuzz_cc.log; then
		if $F tests/out/vm/*.vyref >tests/out/vm/fuzz.log 2>&1; then
			ok "vm_mutations_asan ($(tail -1 tests/out/vm/fuzz.log))"
		else
			bad vm_mutations_asan "$(tail -5 tests/out/vm/fuzz.log | tr '\n' ' ')"
		fi
	else
		skip vm_mutations_asan "no sanitizer build: $(head -1 tests/out/vm/fuzz_cc.log)"
	fi
fi
