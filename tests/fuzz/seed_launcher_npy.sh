#!/bin/sh
# tests/fuzz/seed_launcher_npy.sh DIR: the same seeds as fuzz_npy.
exec sh "$(dirname "$0")/seed_npy.sh" "$@"
