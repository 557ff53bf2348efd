#!/bin/sh
# `make windows`: cross-build for Windows x86-64 into DIR (default
# build-windows) and run its tests under wine.
#  1. scripts/windows-deps.sh: libusb, libsodium, cmocka for mingw-w64
#     (cached: a second run takes a second);
#  2. meson with scripts/mingw-w64.ini and the generated machine file;
#  3. ninja; the runtime DLLs (the libraries', libgcc_s_seh-1.dll) are
#     copied beside every program, so that each runs as shipped;
#  4. meson test, through wine (WINEDEBUG=-all, a private WINEPREFIX), with
#     wine's server started first (see below).
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
# Start wine's server and its system processes before the tests, with no
# pipe of meson's open in them. Otherwise the first test's wine starts them,
# they inherit that test's output pipes, and meson counts the test as running
# until the server exits: its time becomes the whole run's, and on a busy
# machine it passes the 30 s timeout. The server stays 60 s after its last
# client, so a second run finds it ready.
wine_env="WINEPREFIX=$(dirname "$(dirname "$cross")")/wine WINEDEBUG=-all WINEDLLOVERRIDES=mscoree,mshtml="
# shellcheck disable=SC2086 # one word per variable
env $wine_env wineserver -p60 </dev/null >/dev/null 2>&1 || true
# shellcheck disable=SC2086
env $wine_env /usr/bin/wine cmd /c exit </dev/null >/dev/null 2>&1 ||
	echo "windows: wine did not start (the tests will say more)" >&2
status=0
meson test -C "$dir" --print-errorlogs || status=$?
echo "windows: tests ran in $(($(date +%s) - t2)) s"
exit $status
