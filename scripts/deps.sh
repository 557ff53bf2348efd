#!/bin/sh
# Install the Debian packages a make target needs, only those missing.
# Usage: scripts/deps.sh build|test|fuzz|footprint|windows|web ...
set -eu

pkgs=""
for profile in "$@"; do
	case "$profile" in
	build) pkgs="$pkgs gcc pkg-config meson ninja-build python3 libusb-1.0-0-dev libsodium-dev" ;;
	# test: node runs the web updater's tests, gcab/cabextract/appstreamcli check
	# `fw cab` (Debian's npm only where node brings none of its own).
	test) pkgs="$pkgs gcc pkg-config meson ninja-build python3 libusb-1.0-0-dev libsodium-dev libcmocka-dev bash-completion dosfstools mtools \
		nodejs gcab cabextract appstream $(command -v npm > /dev/null || echo npm)" ;;
	fuzz) pkgs="$pkgs clang libclang-rt-dev" ;;
	footprint) pkgs="$pkgs gcc-arm-none-eabi binutils-arm-none-eabi libnewlib-arm-none-eabi" ;;
	# The mingw-w64 cross build (scripts/windows-deps.sh builds its libraries
	# from source packages: dpkg-dev unpacks them) and wine to run its tests.
	windows) pkgs="$pkgs meson ninja-build python3 pkg-config gcc-mingw-w64-x86-64 mingw-w64-tools \
		autoconf automake libtool cmake dpkg-dev wine" ;;
	# The web updater in headless Chromium on the host (tests/web, web_chromium):
	# about 100 MB to download, 360 MB installed; without it the test skips.
	web) pkgs="$pkgs chromium" ;;
	*) echo "deps.sh: unknown profile '$profile'" >&2; exit 1 ;;
	esac
done

missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "Missing packages:$missing" >&2
	echo "Install them as root: apt-get install$missing" >&2
	exit 1
fi
echo "Installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get install -y --no-install-recommends $missing >/dev/null 2>&1 ||
	{ apt-get update >/dev/null && apt-get install -y --no-install-recommends $missing; }
