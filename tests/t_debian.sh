#!/bin/sh
# t_debian.sh: debian/ builds the packages vyrec and libvyrec-dev with
# `dpkg-buildpackage -us -uc -b` (Debian 12; debhelper from `make deps`),
# and what they hold works when unpacked into a scratch root with dpkg -x:
# the vyrec command builds and runs a sample, libvyrec.so.1 has its
# soname, and examples/saxpy.c builds through the packaged vyrec.pc and
# runs.  The build happens in a copy of this tree with its build/ kept
# (-nc: no pre-clean), so it costs an install and the packing, not a
# compile; a fresh checkout builds everything.
cd "$(dirname "$0")/.." || exit 2
. tests/lib.sh
O=$(pwd)/tests/out/debian
rm -rf "$O" && mkdir -p "$O/src" "$O/root"
if ! command -v dpkg-buildpackage > /dev/null || ! [ -f /usr/share/perl5/Debian/Debhelper/Dh_Lib.pm ]; then
	bad debian "dpkg-buildpackage or debhelper is not installed (make deps installs debhelper)"
	exit 0
fi
# the tree as a package build sees it (tests/out, .git and the other
# ignored folders left out: GPU carry-alls, worktrees, cargo targets),
# file times kept so that make finds build/ up to date
tar -cf - --exclude=./tests/out --exclude=./.git --exclude='./build-*' --exclude='./.gpu*' \
	--exclude=./.gl --exclude='./.wt-*' --exclude=./.whl --exclude=./target \
	--exclude=./bench/out --exclude=./vyrec-asan . | (cd "$O/src" && tar -xpf -)
(cd "$O/src" && DEB_BUILD_OPTIONS=noautodbgsym dpkg-buildpackage -us -uc -b -nc) > "$O/build.log" 2>&1
rc=$?
V=$(sed -n 's/^#define VY_VERSION "\(.*\)"/\1/p' include/vyrec.h)
A=$(dpkg --print-architecture)
deb=$O/vyrec_${V}_$A.deb dev=$O/libvyrec-dev_${V}_$A.deb
[ $rc = 0 ] && [ -f "$deb" ] && [ -f "$dev" ] && ok dpkg_buildpackage ||
	{ bad dpkg_buildpackage "exit $rc: $(grep -E 'error|Error|dh_' "$O/build.log" | tail -3 | tr '\n' ' ')"; exit 0; }
dpkg-deb -f "$deb" Package Depends > "$O/vyrec.fields"
grep -qx 'Package: vyrec' "$O/vyrec.fields" && grep -q 'libyaml' "$O/vyrec.fields" &&
	ok deb_vyrec_fields || bad deb_vyrec_fields "$(tr '\n' ' ' < "$O/vyrec.fields")"
[ "$(dpkg-deb -f "$dev" Depends | grep -o "vyrec (= $V)")" = "vyrec (= $V)" ] && ok deb_dev_depends ||
	bad deb_dev_depends "$(dpkg-deb -f "$dev" Depends)"
dpkg -x "$deb" "$O/root" && dpkg -x "$dev" "$O/root" && ok dpkg_x || bad dpkg_x
M=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -print-multiarch)
L=$O/root/usr/lib/$M
for f in usr/bin/vyrec usr/lib/$M/libvyrec.so.1 usr/share/man/man1/vyrec.1.gz usr/share/man/man3/libvyrec.3.gz \
	 usr/include/libvyrec.h usr/lib/$M/libvyrec.a usr/lib/$M/pkgconfig/vyrec.pc; do
	[ -e "$O/root/$f" ] && ok "deb_has_$(basename $f)" || bad "deb_has_$(basename $f)" "$f missing"
done
dpkg-deb -c "$deb" | grep -q 'usr/include' && bad deb_split "vyrec holds headers" || ok deb_split
"$O/root/usr/bin/vyrec" --version | grep -q "^vyrec $V" && ok deb_vyrec_version || bad deb_vyrec_version
"$O/root/usr/bin/vyrec" run samples/saxpy.yaml --backend reference --param a=2 --param n=4 --in x=iota \
	--in y=const:1 --print y > "$O/run.out" 2>&1
[ "$(cat "$O/run.out")" = "y: 1 3 5 7" ] && ok deb_vyrec_runs || bad deb_vyrec_runs "$(head -2 "$O/run.out")"
"$O/root/usr/bin/vyrec" build samples/saxpy.yaml -t spv -o "$O/s.spv" && ./vyrec build samples/saxpy.yaml -t spv -o "$O/w.spv" &&
	cmp -s "$O/s.spv" "$O/w.spv" && ok deb_vyrec_same_spv || bad deb_vyrec_same_spv
[ "$(readelf -d "$L/libvyrec.so.1" | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')" = libvyrec.so.1 ] && ok deb_soname || bad deb_soname
export PKG_CONFIG_PATH=$L/pkgconfig PKG_CONFIG_SYSROOT_DIR=$O/root
if cc -std=c11 -Wall -Werror -o "$O/saxpy" examples/saxpy.c $(pkg-config --cflags --libs vyrec) > "$O/cc.log" 2>&1; then
	LD_LIBRARY_PATH=$L "$O/saxpy" | grep -q '^example: PASS' && ok deb_example_runs || bad deb_example_runs
else
	bad deb_example_builds "$(head -3 "$O/cc.log" | tr '\n' ' ')"
fi
exit 0
