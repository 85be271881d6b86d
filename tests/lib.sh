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
	-lglslang-default-resource-limits -lSPIRV-Tools-link -lSPIRV-Tools-opt -lSPIRV-Tools -lstdc++ -lm -ldl -lpthread; }
# Skips.  tests/run.sh allows one kind only: a case that needs an NVIDIA GPU
# (or that a present NVIDIA driver displaces, such as "fails cleanly without
# libcuda.so.1"), printed by skip_nvidia with the tag "[nvidia]".  Any
# other skip (a tool, a package or a device that `make deps` provides) is
# counted as a failure, so a fresh clone's `make check` cannot hide tests.
skip_nvidia() { echo "SKIP $1: [nvidia] $2"; }
# have_backend ID: vyrec itself reports backend ID usable on this host
# (`vyrec backends` says "ok: DEVICE"), e.g. have_backend vulkan for
# lavapipe.  The device is detected the way users' runs detect it, not by a
# separate tool such as vulkaninfo.
have_backend() { "$VYREC" backends 2>/dev/null | grep -q "^$1 .* ok:"; }
# have_libcuda: the NVIDIA driver library is installed.
have_libcuda() { ldconfig -p 2>/dev/null | grep -q 'libcuda\.so\.1 '; }
# cuda_tool NAME: the CUDA toolkit program NAME (ptxas), from PATH,
# $CUDA_HOME/bin or /usr/local/cuda/bin; empty if none.
cuda_tool() { command -v "$1" 2>/dev/null || ls "${CUDA_HOME:-/usr/local/cuda}/bin/$1" /usr/local/cuda/bin/"$1" 2>/dev/null | head -1; }
