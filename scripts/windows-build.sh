#!/bin/sh
# `make windows`: cross-build for Windows x86-64 into DIR (default
# build-windows) and run its tests under wine.
#  1. scripts/windows-deps.sh: libusb, libsodium, cmocka for mingw-w64
#     (cached: a second run takes a second);
#  2. meson with scripts/mingw-w64.ini and the generated machine file;
#  3. ninja; the runtime DLLs (the libraries', libgcc_s_seh-1.dll) are
#     copied beside every program, so that each runs as shipped;
#  4. meson test, through wine (WINEDEBUG=-all, a private WINEPREFIX).
# Usage: scripts/windows-build.sh [DIR]
set -eu
cd "$(dirname "$0")/.."
dir=${1:-build-windows}

t0=$(date +%s)
cross=$(scripts/windows-deps.sh)
t1=$(date +%s)
echo "windows: libraries ready in $((t1 - t0)) s ($(dirname "$cross"))"

# A new machine file (other library versions) needs a fresh configuration.
if [ -f "$dir/build.ninja" ] && [ "$(cat "$dir/.cross-file" 2>/dev/null)" = "$cross" ]; then
	meson setup --reconfigure "$dir" >/dev/null
else
	meson setup --wipe "$dir" --cross-file scripts/mingw-w64.ini --cross-file "$cross" \
		>/dev/null 2>&1 ||
		meson setup "$dir" --cross-file scripts/mingw-w64.ini --cross-file "$cross" >/dev/null
	echo "$cross" >"$dir/.cross-file"
fi
nice ninja -C "$dir"
runtime=$(dirname "$cross")/bin
find "$dir" -name '*.exe' -exec dirname {} \; | sort -u | while read -r d; do
	cp -u "$runtime"/*.dll "$d/"
done
t2=$(date +%s)
echo "windows: built in $((t2 - t1)) s"
status=0
meson test -C "$dir" --print-errorlogs || status=$?
echo "windows: tests ran in $(($(date +%s) - t2)) s"
exit $status
