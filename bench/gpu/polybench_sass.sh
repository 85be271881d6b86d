#!/bin/sh
# bench/gpu/polybench_sass.sh: the loops of each prepared PolyBench kernel
# in SASS (ptxas -arch=sm_90, then cuobjdump -sass): per loop (a backward
# branch) its instruction count and its LDG/STG counts, for vyrec's PTX
# (.gpu-polybench/NAME.ptx), the OLD_VYREC one (old/NAME.ptx, when
# prepared) and nvcc -O3's (kernels.cu -ptx), so a change to the emitter
# or the passes can be read against nvcc without a GPU.
#
#   sh bench/gpu/polybench.sh --prepare   (OLD_VYREC=... for old/)
#   sh bench/gpu/polybench_sass.sh [NAME...]
#
# CUOBJDUMP (default cuobjdump) must read sm_90 cubins; an older one (CUDA
# 11.8) does once PATCH_ELF=1 rewrites the header (EI_ABIVERSION 7,
# e_flags 0x005a055a) of a copy.
set -e
cd "$(dirname "$0")/../.."
R=.gpu-polybench
P=bench/gpu/polybench
CUOBJDUMP=${CUOBJDUMP:-cuobjdump}
T=$(mktemp -d)
trap 'rm -rf $T' EXIT
[ -d $R ] || { echo "polybench_sass.sh: no $R: run sh bench/gpu/polybench.sh --prepare first" >&2; exit 2; }
nvcc -O3 -arch=sm_90 -ptx -o $T/nv.ptx $P/kernels.cu
loops() {   # PTX [ENTRY] -> "size/LDG/STG ..." of each loop
	ptxas -arch=sm_90 -o $T/k.cubin "$1"
	[ -z "$PATCH_ELF" ] || python3 -c 'import sys,struct
b=bytearray(open(sys.argv[1],"rb").read()); b[8]=7; struct.pack_into("<I",b,48,0x005a055a)
open(sys.argv[1],"wb").write(b)' $T/k.cubin
	$CUOBJDUMP -sass ${2:+-fun $2} $T/k.cubin | python3 -c 'import re,sys
ins=[]
for l in sys.stdin:
    m=re.match(r"\s+/\*([0-9a-f]{4,})\*/\s+(.*?)\s*;",l)
    if m: ins.append((int(m.group(1),16),m.group(2)))
out=[]
for a,t in ins:
    m=re.search(r"BRA (0x[0-9a-f]+)",t)
    if m and int(m.group(1),16)<a:
        b=[x for y,x in ins if int(m.group(1),16)<=y<=a]
        out.append("%d/%dL/%dS"%(len(b),sum("LDG" in x for x in b),sum("STG" in x for x in b)))
print(" ".join(out) or "-")'
}
printf '%-22s %-28s %-28s %s\n' kernel vyrec old nvcc
for f in ${*:-$(ls $R/*.ptx | xargs -n1 basename | sed 's/\.ptx$//')}; do
	n=$(basename $f .ptx)
	o=-; [ -f $R/old/$n.ptx ] && o=$(loops $R/old/$n.ptx)
	printf '%-22s %-28s %-28s %s\n' $n "$(loops $R/$n.ptx)" "$o" "$(loops $T/nv.ptx ${n}_nv)"
done
