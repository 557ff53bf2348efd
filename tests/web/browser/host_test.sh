#!/bin/sh
# The web updater in headless Chromium on this host, without a USB device
# (tests/web/browser/drive.mjs selftest): the page loads from 127.0.0.1,
# has navigator.usb, and checks images with Chromium's Web Crypto
# (SHA-256, Ed25519). Skipped (77) without /usr/bin/chromium or without
# the npm packages (vendor.sh needs the npm registry once).
#   host_test.sh USBMSC SRCDIR CACHE
set -eu
usbmsc=$1 src=$2 cache=$3 bridge=$4
chromium=${USBMSC_CHROMIUM:-/usr/bin/chromium}
here=$(cd "$(dirname "$0")" && pwd)

[ -x "$chromium" ] || { echo "1..0 # SKIP no $chromium (scripts/deps.sh web installs it)"; exit 77; }
command -v node > /dev/null || { echo "1..0 # SKIP no node"; exit 77; }
modules=$("$here/vendor.sh" "$cache") || { echo "1..0 # SKIP npm ci failed (no registry?)"; exit 77; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
head -c 40000 /dev/urandom > "$tmp/payload.bin"
"$usbmsc" fw pack --key "$src/data/demo-fw-secret.key" --version 0200 --version-number 2 \
	-o "$tmp/good.umfw" "$tmp/payload.bin" > /dev/null
"$usbmsc" fw keygen "$tmp/other.sec" "$tmp/other.pub" > /dev/null
"$usbmsc" fw pack --key "$tmp/other.sec" --version 0200 --version-number 2 \
	-o "$tmp/forged.umfw" "$tmp/payload.bin" > /dev/null
cp "$tmp/good.umfw" "$tmp/damaged.umfw"
printf 'x' | dd of="$tmp/damaged.umfw" bs=1 seek=1000 conv=notrunc 2> /dev/null
sed -n 2p "$src/data/demo-fw-public.key" > "$tmp/key.hex"
pack() {  # NAME VERSION NUMBER KIB [KEY]
	head -c $(($4 * 1024)) /dev/urandom > "$tmp/p.bin"
	"$usbmsc" fw pack --key "${5:-$src/data/demo-fw-secret.key}" --version "$2" --version-number "$3" \
		--vid 1209 --pid 0001 -o "$tmp/$1.umfw" "$tmp/p.bin" > /dev/null
}
pack new 0200 2 40
pack forged 0900 9 40 "$tmp/other.sec"
pack big 0300 3 2048

rc=0
echo "# selftest: the module in Chromium, no device"
node "$here/drive.mjs" selftest --modules "$modules" --chromium "$chromium" --files "$tmp" || rc=1
echo "# page: the whole page against the virtual device"
node "$here/drive.mjs" page --modules "$modules" --chromium "$chromium" --files "$tmp" \
	--bridge "$bridge" || rc=1
exit $rc
