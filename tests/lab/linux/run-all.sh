#!/bin/sh
# The Linux transports in the lab, from the host: SG_IO, raw BOT (usb:),
# auto: and discovery against the kernel's gadget and QEMU's USB stick, one
# guest per script. Prints each check, then "N passed, M failed"; exits 1
# on a failure. USBMSC_BUILD as for tests/lab/run.
#
#   tests/lab/linux/run-all.sh
set -u
here=$(cd "$(dirname "$0")" && pwd)
lab=$here/../run
tmp=$(mktemp -d "${TMPDIR:-/tmp}/usbmsc-lab-linux.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0

# suite NAME SCRIPT LAB-ARGS...: one guest; every "ok"/"not ok" line counts,
# and a guest that fails without saying which check failed counts once.
suite() {
	name=$1 script=$2
	shift 2
	"$lab" "$@" --add "$here/../tap.sh" --script "$here/$script" > "$tmp/out" 2>&1
	rc=$?
	sed "s/^/$name: /" "$tmp/out"
	p=$(grep -c '^ok ' "$tmp/out")
	f=$(grep -c '^not ok ' "$tmp/out")
	passed=$((passed + p))
	failed=$((failed + f))
	if [ $rc != 0 ] && [ "$f" = 0 ]; then
		echo "$name: not ok - the guest exited $rc"
		failed=$((failed + 1))
	fi
}

suite kernel-msc sgio_usb.sh --device kernel-msc --mount
suite qemu-msc sgio_usb.sh --device qemu-msc --mount
suite multi-lun multi_lun.sh --device kernel-msc
suite sgio-cost sgio_cost.sh --device kernel-msc

echo "$passed passed, $failed failed"
[ $failed = 0 ]
