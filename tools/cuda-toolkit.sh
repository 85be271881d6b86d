#!/bin/sh
# tools/cuda-toolkit.sh DIR: the parts of the CUDA toolkit the tests use
# (ptxas, cuda.h, the stub libcuda.so; none needs a GPU) in DIR laid out
# like /usr/local/cuda: DIR/bin/ptxas, DIR/include/cuda.h,
# DIR/lib64/stubs/libcuda.so.  Prints DIR (for CUDA_HOME) on success.
#
# Debian 12 has them only in non-free, in nvidia-cuda-toolkit (ptxas, 84 MB)
# and nvidia-cuda-dev (cuda.h and the stub, 774 MB).  Installing those
# packages is not an option: nvidia-cuda-dev depends on libcuda1, the
# driver's library, which would turn this GPU-less machine into one that
# seems to have a driver (and 3 GB of it).  So the two .debs are fetched
# with `apt-get download` through a private apt configuration that adds
# bookworm's non-free component (the system's sources are not changed),
# and only those three files are extracted.  The .debs are deleted, the
# result is kept: a second run with DIR already complete does nothing.
set -eu
dir=${1:?usage: cuda-toolkit.sh DIR}
if [ -x "$dir/bin/ptxas" ] && [ -f "$dir/include/cuda.h" ] && [ -f "$dir/lib64/stubs/libcuda.so" ]; then
	echo "$dir"
	exit 0
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/vyrec-cuda.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM HUP
mkdir -p "$work/parts" "$work/lists/partial" "$work/debs"
cat > "$work/parts/nonfree.sources" <<'EOF'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: non-free
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
APT="-o APT::Sandbox::User=root -o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts=$work/parts -o Dir::State::Lists=$work/lists -o Debug::NoLocking=1"
echo "cuda-toolkit: fetching ptxas, cuda.h and the stub libcuda.so from Debian 12 non-free (nvidia-cuda-toolkit, nvidia-cuda-dev)" >&2
# shellcheck disable=SC2086
apt-get $APT -qq update >&2
# shellcheck disable=SC2086
(cd "$work/debs" && apt-get $APT -qq download nvidia-cuda-toolkit nvidia-cuda-dev >&2)
mkdir -p "$work/x"
dpkg-deb --fsys-tarfile "$work"/debs/nvidia-cuda-toolkit_*.deb | tar -x -C "$work/x" ./usr/bin/ptxas
dpkg-deb --fsys-tarfile "$work"/debs/nvidia-cuda-dev_*.deb |
	tar -x -C "$work/x" ./usr/include/cuda.h ./usr/lib/x86_64-linux-gnu/stubs/libcuda.so
mkdir -p "$dir/bin" "$dir/include" "$dir/lib64/stubs"
cp "$work/x/usr/include/cuda.h" "$dir/include/"
cp "$work/x/usr/lib/x86_64-linux-gnu/stubs/libcuda.so" "$dir/lib64/stubs/"
cp "$work/x/usr/bin/ptxas" "$dir/bin/"   # last: its presence marks DIR complete
"$dir/bin/ptxas" --version >&2
echo "$dir"
