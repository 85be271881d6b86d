#!/bin/sh
# tests/fuzz/seed_module.sh DIR: seed the module harness with the .vyref
# modules of the samples and the semantics corpus.
dir=$1
mkdir -p "$dir"
for p in samples/*.yaml tests/corpus/*.yaml; do
	./vyrec build "$p" -t reference -o "$dir/$(basename "$p" .yaml).vyref" >/dev/null 2>&1
done
exit 0
