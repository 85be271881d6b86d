#!/bin/sh
# Embed every file under $1 as C data: vy_templates[] = {path, bytes, len}.
dir=$1
echo '#include <stddef.h>'
echo 'struct vy_embedded { const char *path; const unsigned char *data; size_t len; };'
n=0
files=$(find "$dir" -type f | LC_ALL=C sort)
for f in $files; do
	echo "static const unsigned char f$n[] = {"
	od -An -v -tx1 "$f" | sed 's/ *\([0-9a-f][0-9a-f]\)/0x\1,/g'
	echo "0};"
	n=$((n+1))
done
echo 'const struct vy_embedded vy_templates[] = {'
n=0
for f in $files; do
	rel=${f#$dir/}
	echo "{\"$rel\", f$n, sizeof f$n - 1},"
	n=$((n+1))
done
echo '{0, 0, 0}};'
