# tests/lib.sh: helpers for the suites (sourced).
VYREC=${VYREC:-./vyrec}
ok()   { echo "PASS $1"; }
bad()  { echo "FAIL $1${2:+: $2}"; }
skip() { echo "SKIP $1${2:+: $2}"; }
# check NAME COMMAND...: PASS when the command succeeds.
check() { n=$1; shift; if "$@" >/dev/null 2>&1; then ok "$n"; else bad "$n"; fi; }
# Build a C unit test against libvyrec: cc_unit OUT SRC...
cc_unit() { o=$1; shift; cc -std=c11 -D_GNU_SOURCE -O1 -g -Iinclude -Isrc -o "$o" "$@" build/libvyrec.a \
	-lyaml -lglslang -lSPIRV -lMachineIndependent -lOGLCompiler -lOSDependent -lGenericCodeGen \
	-lglslang-default-resource-limits -lSPIRV-Tools-opt -lSPIRV-Tools -lstdc++ -lm -ldl -lpthread; }
