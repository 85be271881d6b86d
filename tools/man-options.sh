#!/bin/sh
# tools/man-options.sh VYREC MAN [--check]: vyrec(1)'s SYNOPSIS and OPTIONS
# from the option tables (src/options.c), as `VYREC help CMD` prints them
# for every command `VYREC --help` lists.  They replace the lines between
# the BEGIN and END markers of MAN ("make man"); with --check MAN is left
# alone and the difference is printed (exit 1 when there is one).
set -u
VY=$1 MAN=$2 MODE=${3:-}
tmp=${TMPDIR:-/tmp}/man-options.$$
trap 'rm -f "$tmp".*' EXIT
cmds=$("$VY" --help | awk '/^commands:/ { on = 1; next } on && /^$/ { exit } on { print $1 }')
[ -n "$cmds" ] || { echo "man-options.sh: '$VY --help' lists no commands" >&2; exit 2; }
for c in $cmds; do
	"$VY" help "$c" > "$tmp.help.$c" || { echo "man-options.sh: '$VY help $c' failed" >&2; exit 2; }
done

# One word of a usage line or an option's names as troff: option names
# bold, arguments italic, brackets, commas and "..." roman.
AWK_WORD='
function esc(s) { gsub(/\\/, "\\\\", s); gsub(/-/, "\\-", s); return s }
function word(w,   lead, trail) {
	lead = ""; trail = ""
	while (substr(w, 1, 1) == "[") { lead = lead "["; w = substr(w, 2) }
	while (w ~ /(\]|\.\.\.|,)$/) {
		if (w ~ /\.\.\.$/) { trail = "..." trail; w = substr(w, 1, length(w) - 3) }
		else { trail = substr(w, length(w)) trail; w = substr(w, 1, length(w) - 1) }
	}
	if (w == "") return lead trail
	return lead (w ~ /^-/ ? "\\fB" : "\\fI") esc(w) "\\fR" trail
}'

# SYNOPSIS: per command ".B vyrec CMD" then its usage words, then .br
for c in $cmds; do
	awk -v cmd="$c" "$AWK_WORD"'
	/^usage: / { on = 1; sub(/^usage: vyrec [^ ]* ?/, "") }
	on && /^$/ { exit }
	on { sub(/^ +/, ""); n = split($0, w, " ")
	     for (i = 1; i <= n; i++) line = line (line == "" ? "" : w[i] ~ /^\[/ ? "\n" : w[i] ~ /^-/ ? " " : "\\ ") word(w[i]) }
	END { print ".B vyrec " cmd; if (line != "") print line; print ".br" }' "$tmp.help.$c"
done > "$tmp.syn0"
{ printf "%s\n" .nh ".ad l"; cat "$tmp.syn0"; } > "$tmp.syn"
printf '%s\n' ".B vyrec" '\fB\-\-help\fR | \fB\-\-version\fR' .ad .hy >> "$tmp.syn"

# OPTIONS: per command ".SS CMD", then ".TP", the names, the summary
for c in $cmds; do
	awk -v cmd="$c" "$AWK_WORD"'
	/^options:/ { on = 1; print ".SS " cmd; next }
	on && /^  / {
		s = $0; sub(/^  /, "", s)
		k = index(s, "  "); names = substr(s, 1, k - 1); sum = substr(s, k); sub(/^ +/, "", sum)
		n = split(names, w, " "); out = ""
		for (i = 1; i <= n; i++) out = out (out == "" ? "" : " ") word(w[i])
		print ".TP"; print out; print esc(sum) }' "$tmp.help.$c"
done > "$tmp.opt"

# Splice both between their markers.
awk -v syn="$tmp.syn" -v opt="$tmp.opt" '
function splice(f,   l) { while ((getline l < f) > 0) print l; close(f) }
/^\.\\" BEGIN generated SYNOPSIS/ { print; splice(syn); skip = 1; next }
/^\.\\" BEGIN generated OPTIONS/ { print; splice(opt); skip = 1; next }
/^\.\\" END generated/ { skip = 0 }
!skip { print }' "$MAN" > "$tmp.man"
grep -q '^\.\\" BEGIN generated SYNOPSIS' "$MAN" && grep -q '^\.\\" BEGIN generated OPTIONS' "$MAN" ||
	{ echo "man-options.sh: $MAN lacks the BEGIN/END generated markers" >&2; exit 2; }
if [ "$MODE" = --check ]; then
	diff -u "$MAN" "$tmp.man" && exit 0
	echo "man-options.sh: $MAN disagrees with the option tables; run 'make man'" >&2
	exit 1
fi
cmp -s "$MAN" "$tmp.man" || cp "$tmp.man" "$MAN"
