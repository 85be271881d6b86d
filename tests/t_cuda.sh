#!/bin/sh
# tests/t_cuda.sh: the cuda dispatch backend where there is no NVIDIA
# driver (this CI machine).  The factory must fail cleanly: without
# libcuda.so.1 an error naming it with a Fix; with the CUDA toolkit's stub
# libcuda (real library, no driver behind it) every entry point must
# resolve and cuInit's error must be reported by name.  The hand-declared
# driver API constants are checked against cuda.h.  With a real driver the
# backend is tested by tests/gpu/run.sh instead.
. tests/lib.sh
O=tests/out/cuda
mkdir -p $O
# the CUDA toolkit: NVIDIA's (/usr/local/cuda, or $CUDA_HOME) or Debian's
# nvidia-cuda-toolkit / nvidia-cuda-dev (non-free: cuda.h in /usr/include)
CUDA_INC=${CUDA_HOME:-/usr/local/cuda}/include
[ -f $CUDA_INC/cuda.h ] || [ ! -f /usr/include/cuda.h ] || CUDA_INC=/usr/include
STUB=$(ls ${CUDA_HOME:-/usr/local/cuda}/lib64/stubs/libcuda.so \
	/usr/lib/x86_64-linux-gnu/stubs/libcuda.so /usr/lib/x86_64-linux-gnu/libcuda_stub.so 2>/dev/null | head -1)

# ---- the driver API values of backends/cuda_api.h against cuda.h ----
if [ -f $CUDA_INC/cuda.h ]; then
	cat > $O/abi.c <<'EOF'
#include <cuda.h>
/* read cuda_api.h with cuda.h's types, so each declared entry point
 * must match cuda.h's prototype exactly */
#define VY_CUDA_TYPES_FROM_CUDA_H
#define vy_CUresult CUresult
#define vy_CUdevice CUdevice
#define vy_CUdevice_attribute CUdevice_attribute
#define vy_CUjit_option CUjit_option
#define vy_CUdeviceptr CUdeviceptr
#define vy_CUcontext CUcontext
#define vy_CUmodule CUmodule
#define vy_CUfunction CUfunction
#define vy_CUstream CUstream
#define vy_CUevent CUevent
#define vy_CUgraph CUgraph
#define vy_CUgraphExec CUgraphExec
#define vy_CUstreamCaptureMode CUstreamCaptureMode
#include "cuda_api.h"
#define SAME(x) _Static_assert((int)VY_##x == (int)x, #x " differs from cuda.h");
SAME(CUDA_SUCCESS)
SAME(CUDA_ERROR_NOT_INITIALIZED)
SAME(CUDA_ERROR_STUB_LIBRARY)
SAME(CUDA_ERROR_DEVICE_UNAVAILABLE)
SAME(CUDA_ERROR_NO_DEVICE)
SAME(CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR)
SAME(CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR)
SAME(CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_X)
SAME(CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Y)
SAME(CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Z)
SAME(CU_JIT_INFO_LOG_BUFFER)
SAME(CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES)
SAME(CU_JIT_ERROR_LOG_BUFFER)
SAME(CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES)
SAME(CU_STREAM_CAPTURE_MODE_THREAD_LOCAL)
_Static_assert(sizeof(vy_CUdeviceptr) == sizeof(CUdeviceptr), "CUdeviceptr size");
_Static_assert(sizeof(vy_CUresult) == sizeof(CUresult), "CUresult size");
_Static_assert(sizeof(vy_CUdevice) == sizeof(CUdevice), "CUdevice size");
/* every entry point we load has cuda.h's prototype (the _v2 names are
 * declared under __CUDA_API_VERSION_INTERNAL) */
#define X(f, args) static CUresult (*use_##f) args = f;
VY_CUDA_FNS(X)
VY_CUDA_GRAPH_FNS(X)
int main(void) { return 0; }
EOF
	if cc -std=c11 -Wall -Wno-unused-variable -Werror=incompatible-pointer-types -D__CUDA_API_VERSION_INTERNAL -I$CUDA_INC -Isrc -Ibackends -c -o $O/abi.o $O/abi.c > $O/abi.log 2>&1; then
		ok cuda_abi_matches_cuda_h
	else
		bad cuda_abi_matches_cuda_h "$(grep -m1 error $O/abi.log)"
	fi
else
	skip cuda_abi_matches_cuda_h "no cuda.h under $CUDA_INC: install the CUDA toolkit (Debian: nvidia-cuda-dev, non-free; .ci/run does)"
fi

# ---- the factory's errors ----
cat > $O/unit.c <<'EOF'
#include <stdio.h>
#include <string.h>
#include "vyrec.h"
int main(int argc, char **argv)
{
	char *err = NULL;
	struct vy_backend *b = vy_backend_cuda.factory(-1, &err);
	if (b) {
		printf("device %s\n", b->device_name);
		b->release(b);
		return 2;
	}
	printf("%s\n", err ? err : "(null)");
	return 1;
}
EOF
if ! cc_unit $O/unit $O/unit.c > $O/cc.log 2>&1; then
	bad cuda_unit_build "$(head -3 $O/cc.log)"
else
	if ldconfig -p 2>/dev/null | grep -q 'libcuda.so.1'; then
		skip_nvidia cuda_missing_driver "this machine has libcuda.so.1 (tests/gpu/run.sh tests it)"
	else
		$O/unit > $O/missing.out
		rc=$?
		if [ $rc -eq 1 ] && grep -q 'libcuda.so.1 not found (dlopen: ' $O/missing.out &&
		   grep -q 'Fix: install the NVIDIA driver' $O/missing.out; then
			ok cuda_missing_driver
		else
			bad cuda_missing_driver "rc=$rc: $(cat $O/missing.out)"
		fi
	fi
	if have_libcuda; then
		skip_nvidia cuda_stub_cuinit_named "this machine has libcuda.so.1, which the stub would stand for"
	elif [ -n "$STUB" ]; then
		mkdir -p $O/stub
		ln -sf $STUB $O/stub/libcuda.so.1
		LD_LIBRARY_PATH=$O/stub $O/unit > $O/stub.out
		rc=$?
		# the stub resolves every symbol, then cuInit fails and is named
		if [ $rc -eq 1 ] && grep -q '^cuda: cuInit failed: CUDA_ERROR_[A-Z_]* (.*)\. Fix: ' $O/stub.out; then
			ok cuda_stub_cuinit_named
		else
			bad cuda_stub_cuinit_named "rc=$rc: $(cat $O/stub.out)"
		fi
	else
		skip cuda_stub_cuinit_named "no CUDA toolkit stub libcuda.so: install the CUDA toolkit (.ci/run does)"
	fi
fi

# ---- the command line (once `vyrec run` and a sample exist) ----
prog=$(ls samples/*.yaml tests/corpus/*.yaml 2>/dev/null | head -1)
if ldconfig -p 2>/dev/null | grep -q 'libcuda.so.1'; then
	skip_nvidia cuda_cli_missing_driver "this machine has libcuda.so.1"
elif [ -z "$prog" ] || [ ! -x "$VYREC" ]; then
	bad cuda_cli_missing_driver "no $VYREC or no sample program"
else
	cat > $O/tiny.yaml <<'EOF'
vyrec: 1
name: tiny
workgroup_size: [64]
params: {n: u32}
buffers:
  y: {binding: 0, type: u32, count: n, access: write_only}
entry:
  - let i = gid.x
  - if: i < n
    then:
      - y[i] = i
EOF
	$VYREC run $O/tiny.yaml --backend cuda --param n=8 > $O/run.out 2> $O/run.err
	rc=$?
	if [ $rc -eq 3 ] && grep -q 'libcuda.so.1' $O/run.err && grep -q 'Fix:' $O/run.err; then
		ok cuda_cli_missing_driver
	else
		bad cuda_cli_missing_driver "rc=$rc: $(head -3 $O/run.err)"
	fi
	$VYREC backends > $O/backends.out 2>&1
	if grep '^ *cuda' $O/backends.out | grep -q 'libcuda.so.1'; then
		ok cuda_backends_not_initialising
	else
		bad cuda_backends_not_initialising "$(cat $O/backends.out)"
	fi
fi
