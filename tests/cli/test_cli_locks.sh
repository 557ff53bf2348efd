#!/bin/bash
# Two processes on one device: whoever comes second gets exit 21 with the
# holder named, for a sim: image, its firmware flash and the device lock of
# a firmware update; two concurrent firmware updates never interleave.
#
#   test_cli_locks.sh USBMSC_BINARY SOURCE_ROOT
. "$(dirname "$0")/lib.sh"

USBMSC=$(realpath "$USBMSC")
ROOT=$(realpath "$2")
IMG=$T/disk.img
sum() { sha256sum "$1" | cut -d' ' -f1; }

run -d "sim:$IMG" capacity
expect_rc 0 "a fresh image"
head -c 4096 /dev/urandom >"$T/blocks.bin"

# ---- another program holds the image
hold_lock "$IMG"
before=$(sum "$IMG")
run -d "sim:$IMG" capacity
expect_rc 21 "an image another process holds: busy"
expect_err "^usbmsc: capacity: the sim: image $IMG is in use by $(holder_re "$holder" "\\(.*python3 ")" \
	"names the holder's pid and command line"
expect_err "^usbmsc: hint: another program or driver has the device" "with the hint"
run -d "sim:$IMG" write 0 "$T/blocks.bin"
expect_rc 21 "write to it: busy"
check "nothing was written" test "$(sum "$IMG")" = "$before"
release_lock
run -d "sim:$IMG" write 0 "$T/blocks.bin"
expect_rc 0 "once released, the write goes"

# ---- another program holds the firmware flash (builds with the engine)
if [ -f "$IMG.fw" ]; then
	hold_lock "$IMG.fw"
	run -d "sim:$IMG" fw info
	expect_rc 21 "a firmware flash another process holds: busy"
	expect_err "the firmware flash $IMG.fw is in use by $(holder_re "$holder")" "names the holder"
	release_lock
fi

# ---- another process holds the device lock of a firmware update
run -d "sim:$IMG" --json inquiry --vpd sn
serial=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["serial"])' "$T/out")
mkdir -p "$USBMSC_LOCK_DIR"
: >"$USBMSC_LOCK_DIR/dev-USBMSC-$serial.lock"
hold_lock "$USBMSC_LOCK_DIR/dev-USBMSC-$serial.lock"
run -d "sim:$IMG" tur
expect_rc 21 "the device lock held elsewhere: the device does not power on"
expect_err "the device USBMSC serial $serial is in use by $(holder_re "$holder")" "names the holder"
release_lock
run -d "sim:$IMG" tur
expect_rc 0 "once released, it answers"

# ---- two usbmsc processes: the second one is refused, naming the first
start_held -vv -d "sim:$IMG" bench tur -n 10000000
first=$held
run -d "sim:$IMG" write 0 "$T/blocks.bin"
expect_rc 21 "a write while another usbmsc runs: busy"
expect_err "is in use by $(holder_re "$first" "\\(.*usbmsc -vv -d sim:$IMG")" \
	"names the other usbmsc and its command"
finish_held INT
expect_rc 130 "the first one, interrupted"

# ---- two firmware updates at once: the second is refused, the first
# completes and the device runs its image (also when the device reboots
# off the bus, so that the update reopens it under its lock)
SK=$ROOT/data/demo-fw-secret.key
head -c $((2 * 1024 * 1024)) /dev/urandom >"$T/payload.bin"
pack() {
	"$USBMSC" fw pack --key "$SK" --version "$2" --version-number "$3" --vid 1209 --pid 0001 \
		--vendor USBMSC --product 'Virtual Disk' -o "$T/$1" "$T/payload.bin" >/dev/null 2>&1
}
if pack a.umfw 0200 2 && pack b.umfw 0300 3; then
	for opts in "" "?fw-reboot=disconnect"; do
		dev="sim:$T/fw$((n = ${n:-0} + 1)).img$opts"
		start_held -vv -d "$dev" fw update "$T/a.umfw"
		first=$held
		run -d "$dev" fw update "$T/b.umfw"
		expect_rc 21 "fw update$opts while another runs: busy"
		expect_err "is in use by $(holder_re "$first" "\\(.*usbmsc -vv -d sim:$T/fw")" "names the other update"
		finish_held
		expect_rc 0 "fw update$opts: the first one completes"
		run -d "$dev" --json fw info
		expect_json "fw update$opts: the device runs the first one's image" \
			'd["active"]["version"] == "0200"' 'd["reverted"] is False' 'd["trial"] is False'
	done
else
	ok "# SKIP fw update: this build has no firmware signing"
fi

done_testing
