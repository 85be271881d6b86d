#!/bin/sh
# t_debug.sh: `vyrec build -g` (SPEC §10.9, issue #17 item 4).  With -g the
# spv target carries OpString "BASE.yaml" (the base name: artifacts never
# hold the path the program was named by), OpSource of it and an OpLine
# LINE COL before each statement; ptx a `.file 1 "BASE.yaml"` and a
# `.loc 1 LINE COL` per statement; glsl a `#line LINE` per statement.
# Checked: without -g no debug line appears; with them removed (and the
# SPIR-V ids renumbered in order of appearance) the -g output equals the
# output without -g, for every sample on spv and ptx at -O0 and -O1, glsl at
# -O1;
# every OpLine/.loc points at a statement of the YAML (its "- " item), and
# every statement of reduce and saxpy gets one; spirv-val accepts the -g
# modules (-O2 too), ptxas (with -lineinfo) the -g PTX; the bytes do not
# depend on how the program's path is spelt.
. tests/lib.sh
O=tests/out/debug
rm -rf $O
mkdir -p $O
PTXAS=$(cuda_tool ptxas)

# canon FILE.spv: disassembly without debug lines, ids renumbered
canon() {
	spirv-dis --raw-id "$1" | grep -v -e 'OpLine' -e 'OpString' -e 'OpSource' |
		python3 -c '
import re, sys
m = {}
def f(x):
    k = x.group(0)
    if k not in m:
        m[k] = "%%%d" % (len(m) + 1)
    return m[k]
for line in sys.stdin:
    if line.startswith("; Bound"):
        continue
    sys.stdout.write(re.sub(r"%[0-9]+", f, line).lstrip())'
}

for f in samples/*.yaml; do
	b=$(basename "$f" .yaml)
	for lvl in -O0 -O1; do
		for t in spv ptx glsl; do
			[ $t = glsl ] && [ $lvl = -O0 ] && continue   # glslang is the slow part
			n=${b}_${t}${lvl}
			a=$O/$n.plain b2=$O/$n.g
			if ! "$VYREC" build "$f" -t $t $lvl -o $a 2> $O/$n.err ||
			   ! "$VYREC" build "$f" -t $t $lvl -g -o $b2 2>> $O/$n.err; then
				bad "$n" "build failed: $(head -c 200 $O/$n.err)"
				continue
			fi
			case $t in
			spv)
				if spirv-dis $a | grep -q -e OpLine -e OpString; then bad "$n" "debug info without -g"; continue; fi
				spirv-dis $b2 | grep -q "OpString \"$b.yaml\"" || { bad "$n" "no OpString $b.yaml"; continue; }
				spirv-val $b2 2> $O/$n.val || { bad "$n" "spirv-val: $(head -c 200 $O/$n.val)"; continue; }
				canon $a > $a.txt; canon $b2 > $b2.txt ;;
			ptx)
				if grep -q -e '^\.file' -e '\.loc ' $a; then bad "$n" "debug info without -g"; continue; fi
				grep -q "^\.file 1 \"$b.yaml\"\$" $b2 || { bad "$n" "no .file 1 $b.yaml"; continue; }
				cp $a $a.txt; grep -v -e '^\.file 1 ' -e '^	\.loc 1 ' $b2 | cat -s > $b2.txt
				cat -s $a > $a.txt ;;
			glsl)
				if grep -q '^#line' $a; then bad "$n" "debug info without -g"; continue; fi
				grep -q '^#line [0-9]*$' $b2 || { bad "$n" "no #line"; continue; }
				cp $a $a.txt; grep -v '^#line ' $b2 > $b2.txt ;;
			esac
			if cmp -s $a.txt $b2.txt; then ok "$n"
			else bad "$n" "-g changed more than debug lines: $(diff $a.txt $b2.txt | head -4 | tr '\n' '|')"; fi
		done
	done
	# ptxas accepts the -g PTX, with and without -lineinfo
	if [ -n "$PTXAS" ]; then
		if "$PTXAS" -arch=sm_75 -lineinfo $O/${b}_ptx-O1.g -o $O/$b.cubin 2> $O/$b.ptxas; then ok "ptxas_g_$b"
		else bad "ptxas_g_$b" "$(head -c 300 $O/$b.ptxas)"; fi
	else
		bad "ptxas_g_$b" "no ptxas (make deps or CUDA_HOME)"
	fi
done

# every OpLine / .loc points at a statement: LINE COL is the first token of
# a "- " item of the YAML; for reduce and saxpy every statement has one
# at -O0
stmts() {   # the lines of the entry's "- " items
	awk '/^entry:/ { e = 1; next } /^[a-z_]+:/ { e = 0 } e && /^ *- / { print NR }' "$1"
}
points() {   # check that each "LINE COL" on stdin starts a statement of $1
	python3 -c '
import sys
lines = open(sys.argv[1]).read().split("\n")
bad = []
for w in sys.stdin.read().split("\n"):
    if not w.strip():
        continue
    l, c = map(int, w.split())
    s = lines[l - 1]
    before = s[:c - 1].rstrip("\"").rstrip()
    if not before.endswith("-") or s[c - 1:c] in ("", " "):
        bad.append(w)
print(" ".join(bad))' "$1"
}
for f in samples/*.yaml; do
	b=$(basename "$f" .yaml)
	spirv-dis $O/${b}_spv-O0.g | sed -n 's/.*OpLine %[^ ]* \([0-9]*\) \([0-9]*\).*/\1 \2/p' > $O/$b.spvlines
	sed -n 's/^	\.loc 1 \([0-9]*\) \([0-9]*\)$/\1 \2/p' $O/${b}_ptx-O0.g > $O/$b.ptxlines
	for k in spv ptx; do
		wrong=$(points "$f" < $O/$b.${k}lines)
		if [ ! -s $O/$b.${k}lines ]; then bad "lines_${k}_$b" "no line info"
		elif [ -n "$wrong" ]; then bad "lines_${k}_$b" "not at a statement: $wrong"
		else ok "lines_${k}_$b"; fi
	done
done
for b in reduce saxpy; do
	for k in spv ptx; do
		cut -d' ' -f1 $O/$b.${k}lines | sort -u > $O/$b.$k.got
		stmts samples/$b.yaml | sort -u > $O/$b.want
		if cmp -s $O/$b.want $O/$b.$k.got; then ok "every_stmt_${k}_$b"
		else bad "every_stmt_${k}_$b" "lines differ: $(diff $O/$b.want $O/$b.$k.got | tr '\n' ' ')"; fi
	done
done
# reduce.yaml line 20 is the quoted store "tmp[t] = ..." at column 6
grep -q '^20 6$' $O/reduce.spvlines && grep -q '^20 6$' $O/reduce.ptxlines &&
	ok reduce_line_20 || bad reduce_line_20 "no OpLine/.loc 20 6: $(tr '\n' ' ' < $O/reduce.spvlines)"

# -O2 (SPIRV-Tools) keeps the module valid; the path spelling does not matter
if "$VYREC" build samples/matmul.yaml -O2 -g -o $O/matmul_O2.spv 2> $O/o2.err && spirv-val $O/matmul_O2.spv; then
	ok spv_g_O2
else
	bad spv_g_O2 "$(head -c 200 $O/o2.err)"
fi
mkdir -p $O/d
cp samples/saxpy.yaml $O/d/
for t in spv ptx glsl; do
	"$VYREC" build samples/saxpy.yaml -t $t -g -o $O/rel.$t &&
	"$VYREC" build "$PWD/$O/d/saxpy.yaml" -t $t -g -o $O/abs.$t &&
	"$VYREC" build ./samples/../samples/saxpy.yaml -t $t -g -o $O/dots.$t
	if cmp -s $O/rel.$t $O/abs.$t && cmp -s $O/rel.$t $O/dots.$t && ! grep -q "$O" $O/abs.$t; then ok "no_path_$t"
	else bad "no_path_$t" "the -g bytes depend on the path"; fi
done
# documented: help build and vyrec(1)
"$VYREC" help build | grep -q '^ *-g ' && ok help_g || bad help_g "no -g in vyrec help build"
grep -q '^\\fB\\-g\\fR$' man/vyrec.1 && ok man_g || bad man_g "no -g entry in vyrec(1)"
