#!/bin/sh
# Cross-build the Windows (x86_64-w64-mingw32) libraries the Windows build
# links: libusb-1.0, libsodium and cmocka, from Debian's source packages,
# into a prefix kept in a cache so that a second run rebuilds nothing.
#
# Usage: scripts/windows-deps.sh
# Prints the path of the generated Meson cross file (the machine half:
# pkg-config at the prefix, wine as the runner) on stdout; progress on
# stderr. Cache: $USBMSC_WINDOWS_CACHE, else ~/.cache/usbmsc-windows.
#
# The source packages come through a private apt state under the cache:
# its deb-src entries are derived from the deb entries this machine already
# has (/etc/apt/sources.list and sources.list.d), so no repository is named
# here, and the system's apt configuration is left alone. The prefix is
# keyed by the source versions, the compiler's version and this recipe's
# revision: a change of any of them builds a new prefix.
set -eu

HOST=x86_64-w64-mingw32
RECIPE=1                          # bump when the build steps below change
PACKAGES="libusb-1.0 libsodium cmocka"
here=$(cd "$(dirname "$0")" && pwd)
cache=${USBMSC_WINDOWS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/usbmsc-windows}
aptdir=$cache/apt
jobs=$(nproc 2>/dev/null || echo 2)

say() { echo "windows-deps: $*" >&2; }
die() { say "$*"; exit 1; }

for tool in $HOST-gcc $HOST-objdump $HOST-pkg-config autoreconf automake libtoolize cmake \
	dpkg-source /usr/bin/wine; do
	command -v "$tool" >/dev/null 2>&1 || die "missing $tool: run scripts/deps.sh windows"
done
mkdir -p "$cache"
exec 9>"$cache/lock"
flock 9

# ---- the private apt state -------------------------------------------------

apt_opts() {
	printf '%s\n' -o "Dir::Etc::SourceList=$aptdir/sources.list" \
		-o "Dir::Etc::SourceParts=$aptdir/sources.list.d" \
		-o "Dir::State::Lists=$aptdir/lists" -o "Dir::Cache=$aptdir/cache" \
		-o "Debug::NoLocking=true"
}

# deb-src twins of the system's deb entries, one-line and deb822 alike.
derive_sources() {
	mkdir -p "$aptdir/sources.list.d" "$aptdir/lists/partial" "$aptdir/cache/archives/partial"
	: >"$aptdir/sources.list"
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		sed -n 's/^[[:space:]]*deb[[:space:]]/deb-src /p' "$f" >>"$aptdir/sources.list"
	done
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk '
		function flush() {
			if (n && deb && enabled)
				{ for (i = 1; i <= n; i++) print st[i]; print "" }
			n = 0; deb = 0; enabled = 1
		}
		BEGIN { enabled = 1 }
		/^[[:space:]]*#/ { next }
		/^[[:space:]]*$/ { flush(); next }
		tolower($1) == "types:" {
			for (i = 2; i <= NF; i++) if ($i == "deb") deb = 1
			st[++n] = "Types: deb-src"; next
		}
		tolower($1) == "enabled:" && tolower($2) == "no" { enabled = 0 }
		{ st[++n] = $0 }
		END { flush() }' "$f" >"$aptdir/sources.list.d/$(basename "$f")"
	done
}

apt_update() {
	say "fetching the source package index"
	derive_sources
	# shellcheck disable=SC2046 # one word per option
	apt-get $(apt_opts) -q update >"$aptdir/update.log" 2>&1 ||
		say "apt-get update reported errors (see $aptdir/update.log); going on"
}

# The newest version of source package $1 in the private index.
src_version() {
	# shellcheck disable=SC2046
	apt-cache $(apt_opts) showsrc --only-source "$1" 2>/dev/null |
		sed -n 's/^Version: //p' | {
		best=""
		while read -r v; do
			if [ -z "$best" ] || dpkg --compare-versions "$v" gt "$best"; then best=$v; fi
		done
		echo "$best"
	}
}

# The versions to build and the prefix they key: from the index at hand, so
# that a second run needs no network; before building, from a fresh one
# (an old index may name sources the archive no longer has).
choose_prefix() {
	versions=""
	for p in $PACKAGES; do
		v=$(src_version "$p")
		[ -n "$v" ] || die "no source package $p in the index (see $aptdir/update.log)"
		versions="$versions $p=$v"
	done
	key=$(echo "r$RECIPE gcc-$($HOST-gcc -dumpversion)$versions" | tr ' :=' '_+-' |
		tr -cd 'A-Za-z0-9._+~-')
	prefix=$cache/$key
}

if ls "$aptdir/lists" 2>/dev/null | grep -q '_Sources'; then
	choose_prefix
	[ -f "$prefix/.complete" ] || { apt_update; choose_prefix; }
else
	apt_update
	choose_prefix
fi
work=$cache/work

# ---- the builds -------------------------------------------------------------

fetch_source() { # package=version: unpacks into $work, prints the folder
	(cd "$work" &&
		# shellcheck disable=SC2046
		apt-get $(apt_opts) -q source --only-source "$1" >"$work/source-${1%%=*}.log" 2>&1) ||
		die "apt-get source $1 failed (see $work/source-${1%%=*}.log)"
	find "$work" -mindepth 1 -maxdepth 1 -type d -name "${1%%=*}-*" | head -n 1
}

autotools_build() { # folder, configure options...
	dir=$1; shift
	log=$work/$(basename "$dir").log
	(cd "$dir" &&
		./configure --host=$HOST --prefix="$prefix" "$@" &&
		nice make -j"$jobs" && make install) >"$log" 2>&1 ||
		die "building $(basename "$dir") failed (see $log)"
}

build_libusb() {
	autotools_build "$(fetch_source "$1")"
}

build_libsodium() {
	dir=$(fetch_source "$1")
	(cd "$dir" && ./autogen.sh -s) >"$work/autogen.log" 2>&1 ||
		die "libsodium's autogen.sh failed (see $work/autogen.log)"
	autotools_build "$dir"
}

build_cmocka() {
	dir=$(fetch_source "$1")
	cat >"$work/toolchain.cmake" <<CMAKE
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(CMAKE_C_COMPILER $HOST-gcc)
set(CMAKE_RC_COMPILER $HOST-windres)
set(CMAKE_FIND_ROOT_PATH /usr/$HOST "$prefix")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
CMAKE
	log=$work/cmocka.log
	(cmake -S "$dir" -B "$work/cmocka-build" -DCMAKE_TOOLCHAIN_FILE="$work/toolchain.cmake" \
		-DCMAKE_INSTALL_PREFIX="$prefix" -DCMAKE_BUILD_TYPE=Release \
		-DUNIT_TESTING=OFF -DWITH_EXAMPLES=OFF &&
		nice cmake --build "$work/cmocka-build" -j "$jobs" &&
		cmake --install "$work/cmocka-build") >"$log" 2>&1 ||
		die "building cmocka failed (see $log)"
}

# The mingw runtime DLLs (libgcc_s_seh-1.dll, ...) that the DLLs and
# programs in $1 import, copied beside them until nothing is missing.
copy_runtime_dlls() {
	bin=$1
	while :; do
		added=0
		for f in "$bin"/*.dll "$bin"/*.exe; do
			[ -f "$f" ] || continue
			for dll in $($HOST-objdump -p "$f" | sed -n 's/^[[:space:]]*DLL Name: //p'); do
				[ -f "$bin/$dll" ] && continue
				src=$($HOST-gcc -print-file-name="$dll")
				[ -f "$src" ] || continue     # a system DLL: Windows (or wine) has it
				cp "$src" "$bin/" && added=1
			done
		done
		[ $added = 1 ] || break
	done
}

# A private wine prefix, made once, before tests run in parallel; no Mono or
# Gecko installer (nothing here needs .NET or a browser engine).
init_wine() {
	WINEPREFIX=$cache/wine WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml=" \
		/usr/bin/wine cmd /c exit >"$cache/wine-init.log" 2>&1 ||
		die "wine could not make its prefix (see $cache/wine-init.log)"
	touch "$cache/wine/.ready"
}

if [ ! -f "$prefix/.complete" ]; then
	start=$(date +%s)
	say "building into $prefix:$versions"
	rm -rf "$prefix" "$work"
	mkdir -p "$prefix" "$work"
	for pv in $versions; do
		case $pv in
		libusb-1.0=*) build_libusb "$pv" ;;
		libsodium=*) build_libsodium "$pv" ;;
		cmocka=*) build_cmocka "$pv" ;;
		esac
	done
	copy_runtime_dlls "$prefix/bin"
	rm -rf "$work"
	echo "$versions" >"$prefix/.complete"
	say "built in $(($(date +%s) - start)) s"
fi
[ -f "$cache/wine/.ready" ] || init_wine

# ---- the cross file's machine half --------------------------------------------

# Z: is wine's view of /.
winpath="Z:$prefix/bin"
cat >"$prefix/cross.ini" <<INI
# Generated by scripts/windows-deps.sh: use after scripts/mingw-w64.ini.
[properties]
pkg_config_libdir = ['$prefix/lib/pkgconfig']

# The same runner for the tests that start Windows programs themselves
# (tests/windows/test_cli_wine.sh, the examples).
wine_run = ['env', 'WINEDEBUG=-all', 'WINEPREFIX=$cache/wine', 'WINEDLLOVERRIDES=mscoree,mshtml=', 'WINEPATH=$winpath', '/usr/bin/wine']

[binaries]
exe_wrapper = ['env', 'WINEDEBUG=-all', 'WINEPREFIX=$cache/wine', 'WINEDLLOVERRIDES=mscoree,mshtml=', 'WINEPATH=$winpath', '/usr/bin/wine']
INI
ln -sfn "$key" "$cache/current"
echo "$prefix/cross.ini"
