#!/bin/sh
# Check that the Debian packages vyrec builds against are installed.  With
# VYREC_INSTALL=1, or when run as root, install the missing ones; otherwise
# print the exact apt-get line and fail.
missing=""
for p in "$@"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then
	echo "vyrec: installing missing Debian packages:$missing" >&2
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >&2 && exit 0
	echo "vyrec: apt-get failed" >&2
	exit 1
fi
echo "vyrec: missing Debian packages:$missing" >&2
echo "Fix: sudo apt-get install$missing" >&2
exit 1
