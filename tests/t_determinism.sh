#!/bin/sh
# t_determinism.sh: artifacts carry no path (SPEC §10.9, vyrec(1)
# ARTIFACTS).  Every sample, built for every target (spv, spv --emit-asm,
# ptx, ptx --fast-math, glsl, reference) with --manifest and --header, is
# byte-identical whether the program is named samples/x.yaml,
# ./samples/x.yaml, an absolute path, or ../REPO/samples/x.yaml from
# another current directory; so is a generated launcher project.
. tests/lib.sh
O=tests/out/determinism
rm -rf $O; mkdir -p $O/cwd
ROOT=$(pwd)
VY=$VYREC
case $VY in /*) ;; *) VY=$ROOT/$VY ;; esac
REPO=$(basename "$ROOT")

# build_all DIR CWD PATH: every target of PATH (as typed, from CWD) into DIR
build_all() {
	d=$1 cwd=$2 p=$3
	mkdir -p "$d"
	(
		cd "$cwd" || exit 1
		for t in spv spv-asm ptx ptx-fast glsl reference; do
			case $t in
			spv-asm) a="-t spv --emit-asm" ;;
			ptx-fast) a="-t ptx --fast-math" ;;
			*) a="-t $t" ;;
			esac
			$VY build "$p" $a -o "$d/$t.out" --manifest "$d/$t.json" \
				--header "$d/$t.h" > "$d/$t.log" 2>&1 || echo "build $t failed" >> "$d/errors"
		done
	)
}

for f in samples/*.yaml; do
	n=$(basename "$f" .yaml)
	build_all "$ROOT/$O/$n/plain" "$ROOT" "samples/$n.yaml"
	build_all "$ROOT/$O/$n/dot" "$ROOT" "./samples/$n.yaml"
	build_all "$ROOT/$O/$n/abs" "$ROOT" "$ROOT/samples//$n.yaml"
	build_all "$ROOT/$O/$n/up" "$ROOT/$O/cwd" "../../../../../$REPO/samples/$n.yaml"
	if [ -s $O/$n/plain/errors ]; then
		bad "det_$n" "$(cat $O/$n/plain/errors | tr '\n' ' ')"
		continue
	fi
	for t in spv spv-asm ptx ptx-fast glsl reference; do
		for k in out json h; do
			diffs=""
			for s in dot abs up; do
				# glsl of several kernel parts: a directory of files
				if [ -d "$O/$n/plain/$t.$k" ]; then
					diff -r "$O/$n/plain/$t.$k" "$O/$n/$s/$t.$k" > /dev/null || diffs="$diffs $s"
				else
					cmp -s "$O/$n/plain/$t.$k" "$O/$n/$s/$t.$k" || diffs="$diffs $s"
				fi
			done
			if [ -s "$O/$n/plain/$t.$k" ] && [ -z "$diffs" ]; then
				ok "det_${n}_${t}_$k"
			else
				bad "det_${n}_${t}_$k" "differs from samples/$n.yaml when named as:$diffs"
			fi
		done
	done
done

# no artifact mentions a directory of the program's path
if grep -rl "samples/\|$ROOT" $O/*/plain/*.out $O/*/plain/*.json $O/*/plain/*.h > $O/paths.txt 2>/dev/null; then
	bad det_no_path_text "$(head -3 $O/paths.txt | tr '\n' ' ')"
else
	ok det_no_path_text
fi

# a launcher project, two spellings from two directories
$VYREC launcher samples/saxpy.yaml -t ptx --lang c -o $O/l1 > /dev/null 2>&1
(cd $O/cwd && $VY launcher "../../../../../$REPO/./samples/saxpy.yaml" -t ptx --lang c -o l2 > /dev/null 2>&1)
if [ -f $O/l1/manifest.json ] && diff -r $O/l1 $O/cwd/l2 > $O/l.diff; then
	ok det_launcher_c
else
	bad det_launcher_c "$(head -4 $O/l.diff | tr '\n' ' ')"
fi
exit 0
