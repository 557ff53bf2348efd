#!/bin/bash
# The side doors through the usbmsc command, with the virtual device playing
# them: every-day commands and a firmware update over the vendor framing
# (framing=vendor: what usbv: does), and through a control LUN
# (control-lun=1), with the disk untouched. TAP.
#
#   test_sim_doors_cli.sh USBMSC_BINARY SOURCE_ROOT
. "$(dirname "$0")/../cli/lib.sh"

USBMSC=$(realpath "$USBMSC")
ROOT=$(realpath "$2")
SK=$ROOT/data/demo-fw-secret.key
cd "$T" || exit 1

pack() {
	"$USBMSC" fw pack --key "$SK" --version "$2" --version-number "$3" --vid 1209 --pid 0001 \
		--vendor USBMSC --product 'Virtual Disk' -o "$1" payload.bin >/dev/null ||
		echo "# pack $1 failed"
}

# ---- the vendor framing on the wire
V='sim:v.img?framing=vendor'
run -vv -d "$V" tur
expect_rc 0 "tur over the vendor framing"
expect_err '^usbmsc: CBW 55 4d 56 43 ' "the CBW is signed UMVC"
expect_err '^usbmsc: CSW 55 4d 56 53 ' "the CSW is signed UMVS"
run -d "$V" inquiry --json
expect_rc 0 "inquiry over the vendor framing"
expect_json "... the virtual disk answers" 'd["vendor"] == "USBMSC"' 'd["peripheral_type"] == 0'
head -c 8192 /dev/urandom >blocks.bin
run -d "$V" write 100 blocks.bin
expect_rc 0 "write 16 blocks over the vendor framing"
run -d "$V" read 100 16 -o back.bin
expect_rc 0 "read them back"
check "... the same bytes" cmp blocks.bin back.bin
check "... in the image at LBA 100" cmp blocks.bin <(dd if=v.img bs=512 skip=100 count=16 2>/dev/null)

# ---- a firmware update over the vendor framing, the disk untouched
if [ -f "$SK" ] && "$USBMSC" -d "$V" fw info >/dev/null 2>&1; then
	head -c $((1024 * 1024 + 300)) /dev/urandom >payload.bin
	pack v2.umfw 0200 2
	pack v3.umfw 0300 3
	sum_before=$(md5sum <v.img)
	run -d "$V" fw update v2.umfw
	expect_rc 0 "fw update over the vendor framing"
	expect_out '^after: +0200 \(number 2\), confirmed' "... the new version runs, confirmed"
	check "... the disk image is untouched" test "$(md5sum <v.img)" = "$sum_before"

	# ---- and through a control LUN (LUN 1 after one disk)
	C='sim:c.img?control-lun=1'
	run -d "$C" --lun 1 inquiry --json
	expect_rc 0 "inquiry of the control LUN"
	expect_json "... is a processor, not a disk" 'd["peripheral_type"] == 3'
	run -d "$C" --lun 1 capacity
	expect_rc 5 "the control LUN has no capacity (ILLEGAL REQUEST)"
	run -d "$C" luns
	expect_out 'max LUN \(Get Max LUN\): 1' "Get Max LUN counts the control LUN"
	sum_before=$(md5sum <c.img)
	run -d "$C" --lun 1 fw update v3.umfw
	expect_rc 0 "fw update through the control LUN"
	expect_out '^after: +0300 \(number 3\), confirmed' "... the new version runs"
	check "... the disk image is untouched" test "$(md5sum <c.img)" = "$sum_before"

	# ---- both doors at once
	run -d 'sim:v.img?framing=vendor&control-lun=1' --lun 1 fw info --json
	expect_rc 0 "fw info through the control LUN over the vendor framing"
	expect_json "... reports the version of the earlier update" 'd["active"]["version"] == "0200"'
else
	ok "# SKIP firmware: this build's virtual device has no firmware engine"
fi

# ---- options
run -d 'sim:v.img?framing=usb' inquiry
expect_rc 1 "an unknown framing is a usage error"
expect_err 'framing=usb: expected bot or vendor' "... naming the values"
run -d 'sim:v.img?luns=16&control-lun=1' inquiry
expect_rc 1 "sixteen disks leave no LUN for the control LUN"

done_testing
