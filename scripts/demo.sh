#!/bin/bash
# A short tour of usbmsc on a fresh virtual device.
#
#   scripts/demo.sh USBMSC_BINARY
#
# Every step prints the command it runs. The device is a disk image in a
# temporary directory, removed on exit. Exits 0 when every step behaved as
# shown.
set -euo pipefail

if [ $# -ne 1 ] || [ ! -x "$1" ]; then
	echo "usage: scripts/demo.sh USBMSC_BINARY" >&2
	exit 1
fi
USBMSC=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
# The demo signing key for the firmware part, from the source tree.
DEMO_KEY=$(cd "$(dirname "$0")/.." && pwd)/data/demo-fw-secret.key
DIR=$(mktemp -d "${TMPDIR:-/tmp}/usbmsc-demo.XXXXXX")
trap 'rm -rf "$DIR"' EXIT
cd "$DIR"

# `usbmsc` in the commands below is the binary under test.
usbmsc() { "$USBMSC" "$@"; }

step() { printf '\n== %s\n' "$*"; }

# The command line as a user would type it: arguments with characters the
# shell treats specially are single-quoted.
print_cmd() {
	local out="\$" arg
	for arg in "$@"; do
		if [[ $arg =~ ^[A-Za-z0-9_./:=@,+-]+$ ]]; then out+=" $arg"; else out+=" '$arg'"; fi
	done
	printf '%s\n' "$out"
}

# show CMD...: print the command, then run it.
show() {
	print_cmd "$@"
	"$@"
}

# show_status WANT CMD...: the same for a command that must exit with WANT.
show_status() {
	local want=$1 rc=0
	shift
	print_cmd "$@"
	"$@" || rc=$?
	if [ "$rc" -ne "$want" ]; then
		echo "demo: expected exit status $want, got $rc" >&2
		exit 1
	fi
	echo "(exit status $rc)"
}

export USBMSC_DEVICE=sim:disk.img

step "A virtual USB disk: a 64 MiB image, created on first use (USBMSC_DEVICE=$USBMSC_DEVICE)"
show usbmsc inquiry
show usbmsc capacity

step "Write four blocks from a file, read them back, compare"
{ printf 'usbmsc demo: four blocks of 512 bytes\n'; head -c 2048 /dev/zero; } | head -c 2048 >blocks.bin
show usbmsc write 100 blocks.bin
show usbmsc read 100 4 -o back.bin
show cmp blocks.bin back.bin
echo "same bytes"

step "A vendor command end to end: the virtual device's DEVICE INFO (opcode 0xC0)"
show usbmsc raw c0 00 00 00 40 00 --in 64

step "ECHO WRITE (0xC2) sends 27 bytes, ECHO READ (0xC3) brings them back"
printf 'hello through a vendor CDB\n' >echo.txt
show usbmsc raw c2 00 00 00 1b 00 --out echo.txt
show usbmsc raw c3 00 00 00 1b 00 --in 27 -o echo-back.txt
show cat echo-back.txt
show cmp echo.txt echo-back.txt

step "An unsupported opcode: CHECK CONDITION, and the REQUEST SENSE that explains it (-v)"
show_status 5 usbmsc -v raw d7 00 00 00 00 00

# Every run starts the virtual device afresh: READ CAPACITY (command 1) meets
# its power-on unit attention, REQUEST SENSE (2) fetches it, READ CAPACITY
# (3) passes, and the READ is command 4.
step "A fault: the device corrupts the CSW of the READ (command 4); -v shows the recovery"
show usbmsc -v -d 'sim:disk.img?fault=bad-csw-signature@4' read 100 1 -o first.bin
head -c 512 blocks.bin >block100.bin
show cmp first.bin block100.bin
echo "same bytes after the recovery"

# The virtual device runs firmware 0100 from a flash file beside its image
# (disk.img.fw); it trusts the demo key. On a terminal the update shows a
# progress bar.
step "Firmware: what the device runs now"
show usbmsc fw info

step "Firmware: pack version 0200 for this device, signed with the demo key (data/)"
cp "$DEMO_KEY" demo-fw-secret.key
head -c $((12 * 1024 * 1024)) /dev/urandom >app.bin
show usbmsc fw pack --key demo-fw-secret.key --version 0200 --version-number 2 --vid 1209 --pid 0001 \
	--vendor USBMSC --product 'Virtual Disk' -o app-0200.umfw app.bin

step "Firmware: check, download (WRITE BUFFER 0x0e, then 0x0f to activate), confirm"
show usbmsc fw update app-0200.umfw

step "Firmware: the device now runs 0200, confirmed; a downgrade is refused before anything is sent"
show usbmsc fw info
show usbmsc fw pack --key demo-fw-secret.key --version 0100 --version-number 1 -o app-0100.umfw app.bin
show_status 15 usbmsc fw update app-0100.umfw

printf '\nDemo finished.\n'
