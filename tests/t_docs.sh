#!/bin/sh
# t_docs.sh: documentation that cannot drift (issue #17 item 3).  Every
# example in README.md and the man pages is extracted and checked:
#   - README ```yaml blocks and man .nf blocks holding a program: `vyrec check`
#   - man .nf blocks holding a dialect file: loaded with `vyrec ops --dialect`
#   - README ```sh blocks and the EXAMPLES of vyrec(1): every command run as
#     written, from a scratch directory holding the samples, `vyrec` on PATH;
#     exit 0, or the status a trailing "# exit N" comment names; `make X`
#     lines are checked with `make -n X` (the target exists)
#   - the README's diagnostic block: byte-equal to `vyrec check` of the file
#     it names
#   - the README's C fragment: compiled against the generated launcher and
#     linked with the README's own `cc` line, then run; the Rust fragment's
#     names exist in the generated crate; the man page's C API and Rust
#     usage name functions the generated header and crate define
#   - every top-level key the loader accepts (src/ast_build.c top_keys) is an
#     entry of vyrec-program(5) KEYS, every dialect key one of
#     vyrec-dialect(5); the exit status of data errors is what vyrec(1)
#     says.
. tests/lib.sh
export NO_COLOR=1
O=$PWD/tests/out/docs
rm -rf "$O"
mkdir -p "$O/bin" "$O/work"
ROOT=$PWD
case $VYREC in /*) V=$VYREC ;; *) V=$ROOT/$VYREC ;; esac
printf '#!/bin/sh\nexec %s "$@"\n' "$V" > "$O/bin/vyrec"
chmod +x "$O/bin/vyrec"

# md_blocks FILE LANG PREFIX: write each ```LANG block to PREFIX.N (LANG
# empty: the blocks with no language), print their count
md_blocks() {
	awk -v lang="$2" -v pre="$3" '
		/^```/ { if (inb) { inb = 0; close(f); next }
			 if (other) { other = 0; next }
			 l = substr($0, 4); if (l == lang) { inb = 1; n++; f = pre "." n; printf "" > f; next }
			 other = 1; next }
		inb { print > f }
		END { print n + 0 }' "$1"
}

# man_blocks FILE PREFIX: each .nf ... .fi block of a man page as text
# (troff escapes undone, .RS/.RE dropped) to PREFIX.N; prints the count
man_blocks() {
	awk -v pre="$2" '
		/^\.nf/ { inb = 1; n++; f = pre "." n; printf "" > f; next }
		/^\.fi/ { inb = 0; close(f); next }
		inb && /^\.(RS|RE)/ { next }
		inb { gsub(/\\-/, "-"); gsub(/\\\(dq/, "\""); gsub(/\\\(rs/, "\\");
		      gsub(/\\f[BIRP]/, ""); gsub(/\\e/, "\\"); print > f }
		END { print n + 0 }' "$1"
}

# ---- YAML examples ----
n=$(md_blocks README.md yaml "$O/readme_yaml")
[ "$n" -ge 1 ] || bad readme_yaml_found "no yaml block in README.md"
i=1
while [ $i -le "$n" ]; do
	cp "$O/readme_yaml.$i" "$O/readme_yaml_$i.yaml"
	if "$VYREC" check "$O/readme_yaml_$i.yaml" > "$O/readme_yaml_$i.log" 2>&1; then
		ok "readme_yaml_$i"
	else
		bad "readme_yaml_$i" "$(head -3 "$O/readme_yaml_$i.log" | tr '\n' '|')"
	fi
	i=$((i + 1))
done

nprog=0 ndial=0
for m in man/vyrec.1 man/vyrec-program.5 man/vyrec-dialect.5; do
	b=$(basename "$m")
	n=$(man_blocks "$m" "$O/man_$b")
	i=1
	while [ $i -le "$n" ]; do
		f="$O/man_$b.$i"
		if grep -q '^vyrec: 1' "$f"; then
			nprog=$((nprog + 1))
			cp "$f" "$f.yaml"
			if "$VYREC" check "$f.yaml" > "$f.log" 2>&1; then ok "man_${b}_program_$i"
			else bad "man_${b}_program_$i" "$(head -3 "$f.log" | tr '\n' '|')"; fi
		elif grep -q '^vyrec_dialect: 1' "$f"; then
			ndial=$((ndial + 1))
			cp "$f" "$f.yaml"
			d=$(sed -n 's/^dialect: *\([a-z_0-9]*\).*/\1/p' "$f")
			ops=$(awk '/^ops:/ { o = 1; next } o && /^  [a-z_0-9]+:/ { sub(/:.*/, ""); sub(/^ */, ""); print }' "$f")
			if "$VYREC" ops "$d" --dialect "$f.yaml" > "$f.log" 2>&1; then
				miss=
				for op in $ops; do grep -q "^$d\.$op " "$f.log" || miss="$miss $op"; done
				[ -z "$miss" ] && [ -n "$ops" ] && ok "man_${b}_dialect_$i" ||
					bad "man_${b}_dialect_$i" "ops not listed:$miss"
			else
				bad "man_${b}_dialect_$i" "$(head -3 "$f.log" | tr '\n' '|')"
			fi
		fi
		i=$((i + 1))
	done
done
[ $nprog -ge 1 ] && ok man_program_examples_found || bad man_program_examples_found "no program in vyrec-program(5)"
[ $ndial -ge 1 ] && ok man_dialect_examples_found || bad man_dialect_examples_found "no dialect in vyrec-dialect(5)"

# ---- commands, as written ----
rm -rf "$O/work"
mkdir -p "$O/work"
cp -R samples "$O/work/samples"
# run_cmds NAME FILE: each line of FILE is a command (comments allowed)
run_cmds() {
	k=0
	while IFS= read -r line; do
		case $line in ''|'#'*) continue ;; esac
		k=$((k + 1))
		want=0
		case $line in *'# exit '[0-9]*) want=$(echo "$line" | sed 's/.*# exit \([0-9]*\).*/\1/') ;; esac
		case $line in
		make\ *)
			t=$(echo "$line" | sed 's/^make \([a-z-]*\).*/\1/')
			if make -n -C "$ROOT" "$t" > /dev/null 2>&1; then ok "$1_$k"
			else bad "$1_$k" "no make target '$t': $line"; fi
			continue ;;
		esac
		(cd "$O/work" && PATH="$O/bin:$PATH" sh -c "$line") > "$O/$1_$k.out" 2> "$O/$1_$k.err" < /dev/null
		rc=$?
		if [ $rc -eq "$want" ]; then ok "$1_$k"
		else bad "$1_$k" "exit $rc, want $want: $line: $(head -c 200 "$O/$1_$k.err" | tr '\n' '|')"; fi
	done < "$2"
}
n=$(md_blocks README.md sh "$O/readme_sh")
[ "$n" -ge 2 ] && ok readme_sh_found || bad readme_sh_found "$n sh blocks"
i=1
while [ $i -le "$n" ]; do
	run_cmds "readme_sh${i}" "$O/readme_sh.$i"
	i=$((i + 1))
done
# vyrec(1) EXAMPLES: the .nf block of that section
awk '/^\.SH EXAMPLES/ { e = 1; next } /^\.SH/ { e = 0 } e' man/vyrec.1 > "$O/man_examples.troff"
man_blocks "$O/man_examples.troff" "$O/man_examples" > /dev/null
if [ -s "$O/man_examples.1" ]; then
	ok man_examples_found
	run_cmds man_examples "$O/man_examples.1"
else
	bad man_examples_found "vyrec(1) has no EXAMPLES block"
fi

# ---- the README's diagnostic ----
n=$(md_blocks README.md "" "$O/readme_plain")
found=0
i=1
while [ $i -le "$n" ]; do
	f="$O/readme_plain.$i"
	src=$(head -1 "$f" | sed -n 's/^\([^ :]*\.yaml\):[0-9]*:[0-9]*: error: .*/\1/p')
	if [ -n "$src" ]; then
		found=1
		if [ ! -f "$src" ]; then
			bad readme_diagnostic "README shows $src, which does not exist"
		else
			"$VYREC" check "$src" > /dev/null 2> "$O/readme_diag.err"
			rc=$?
			if [ $rc -eq 1 ] && cmp -s "$f" "$O/readme_diag.err"; then ok readme_diagnostic
			else bad readme_diagnostic "exit $rc; README differs: $(diff "$f" "$O/readme_diag.err" | head -6 | tr '\n' '|')"; fi
		fi
	fi
	i=$((i + 1))
done
[ $found -eq 1 ] || bad readme_diagnostic "no diagnostic block in README.md"

# ---- the launcher fragments ----
L="$O/launch"
mkdir -p "$L"
md_blocks README.md c "$O/readme_c" > /dev/null
md_blocks README.md rust "$O/readme_rust" > /dev/null
gen=$(sed -n 's|.*/\* *\(vyrec launcher [^*]*\) \*/.*|\1|p' "$O/readme_c.1")
link=$(sed -n 's/.*Link with `\(cc [^`]*\)`.*/\1/p' README.md)
if [ -z "$gen" ] || [ -z "$link" ]; then
	bad readme_c_fragment "no generating command or link line in README.md"
elif ! (cd "$L" && cp -R "$ROOT/samples" . && PATH="$O/bin:$PATH" sh -c "$gen") > "$L/gen.log" 2>&1; then
	bad readme_c_fragment "'$gen' failed: $(head -3 "$L/gen.log")"
elif ! make -s -C "$L/saxpy" > "$L/make.log" 2>&1; then
	bad readme_c_fragment "the generated project does not build: $(tail -3 "$L/make.log")"
else
	{
		grep '^#include' "$O/readme_c.1"
		echo '#include <stdio.h>'
		echo 'int main(void) {'
		echo '	enum { n = 8 }; float x[n], y[n];'
		echo '	for (int i = 0; i < n; i++) { x[i] = (float)i; y[i] = 1.0f; }'
		grep -v '^#include' "$O/readme_c.1"
		echo '	for (int i = 0; i < n; i++) if (y[i] != 2.0f * (float)i + 1.0f) return 1;'
		echo '	return 0;'
		echo '}'
	} > "$L/app.c"
	if ! (cd "$L" && sh -c "$link") > "$L/link.log" 2>&1; then
		bad readme_c_fragment "'$link' failed: $(head -5 "$L/link.log" | tr '\n' '|')"
	elif have_backend vulkan && ! (cd "$L" && ./a.out) > "$L/run.log" 2>&1; then
		bad readme_c_fragment "the linked fragment ran wrong: $(head -3 "$L/run.log")"
	else
		ok readme_c_fragment
	fi
fi
# the Rust fragment and the man page's API: the names exist in what vyrec generates
R="$O/rust"
mkdir -p "$R"
if "$VYREC" launcher samples/saxpy.yaml -t spv --lang cargo -o "$R/saxpy" > "$R/gen.log" 2>&1; then
	miss=
	for nm in $(grep -o 'saxpy::[A-Za-z_]*\(::[a-z_]*\)*' "$O/readme_rust.1" | sort -u); do
		last=${nm##*::}
		grep -rq "\(struct\|fn\|enum\) $last\b" "$R/saxpy/src" || miss="$miss $nm"
	done
	[ -z "$miss" ] && ok readme_rust_names || bad readme_rust_names "not in the generated crate:$miss"
	# vyrec(1)'s Cargo usage (NAME::...) and its C API (NAME_...)
	man_blocks man/vyrec.1 "$O/v1" > /dev/null
	miss=
	for f in "$O"/v1.*; do
		for nm in $(grep -o 'NAME::[A-Za-z_]*\(::[a-z_]*\)*' "$f" | sort -u); do
			last=${nm##*::}
			grep -rq "\(struct\|fn\) $last\b" "$R/saxpy/src" || miss="$miss $nm"
		done
	done
	[ -z "$miss" ] && ok man_rust_names || bad man_rust_names "not in the generated crate:$miss"
else
	bad readme_rust_names "cargo launcher: $(head -3 "$R/gen.log")"
fi
if [ -f "$L/saxpy/src/saxpy.h" ]; then
	miss=
	for f in "$O"/v1.*; do
		for nm in $(grep -o 'NAME_[a-z_]*' "$f" | sort -u); do
			s=saxpy_${nm#NAME_}
			grep -q "\b$s\b" "$L/saxpy/src/saxpy.h" || miss="$miss $nm"
		done
	done
	[ -z "$miss" ] && ok man_c_api_names || bad man_c_api_names "not in the generated header:$miss"
fi

# ---- every key documented ----
keys=$(awk '/top_keys\[\] = \{/ { k = 1; next } k && /\};/ { k = 0 } k' src/ast_build.c |
	tr ',' '\n' | sed -n 's/.*"\([a-z_]*\)".*/\1/p')
miss=
for k in $keys; do grep -q "^\.B $k\$" man/vyrec-program.5 || miss="$miss $k"; done
[ -n "$keys" ] && [ -z "$miss" ] && ok program_keys_documented || bad program_keys_documented "not in vyrec-program(5) KEYS:$miss"
sub=$(grep -h 'keys\[\] = {' src/ast_build.c | tr ',' '\n' | sed -n 's/.*"\([a-z_]*\)".*/\1/p' | sort -u)
miss=
for k in $sub; do grep -qw "$k" man/vyrec-program.5 || miss="$miss $k"; done
[ -n "$sub" ] && [ -z "$miss" ] && ok program_subkeys_documented || bad program_subkeys_documented "not in vyrec-program(5):$miss"
dk=$(grep -h -A2 'keys\[\] = {' src/dialect.c | tr ',' '\n' | sed -n 's/.*"\([a-z_]*\)".*/\1/p' | sort -u)
miss=
for k in $dk; do grep -qw "$k" man/vyrec-dialect.5 || miss="$miss $k"; done
[ -n "$dk" ] && [ -z "$miss" ] && ok dialect_keys_documented || bad dialect_keys_documented "not in vyrec-dialect(5):$miss"

# ---- exit status of data errors, as vyrec(1) says (1) ----
S=samples/saxpy.yaml
P="--param n=4 --param a=2 -b reference"
echo garbage > "$O/bad.npy"
code() { n=$1 want=$2; shift 2; "$VYREC" "$@" > /dev/null 2> "$O/$n.err"; rc=$?
	[ $rc -eq "$want" ] && ok "$n" || bad "$n" "exit $rc, want $want: $(head -c 200 "$O/$n.err")"; }
code exit_bad_npy 1 run $S $P --in x="$O/bad.npy"
code exit_missing_input 1 run $S $P --in x="$O/none.npy"
code exit_unwritable_output 1 run $S $P --out y="$O/none/o.npy"
code exit_unwritable_build 1 build $S -o "$O/none/o.spv"
awk '/^\.SH EXIT STATUS/ { e = 1; next } /^\.SH/ { e = 0 } e' man/vyrec.1 | tr '\n' ' ' > "$O/exit.txt"
grep -q '1 errors in the program or dialect files, in data files' "$O/exit.txt" &&
	grep -q 'in writing an output' "$O/exit.txt" && ok man_exit_data_errors ||
	bad man_exit_data_errors "vyrec(1) EXIT STATUS does not give data and output errors exit 1"
