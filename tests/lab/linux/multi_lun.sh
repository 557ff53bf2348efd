#!/bin/sh
# Two LUNs through SG_IO and raw BOT: the kernel gadget gets a second LUN
# (an 8 MiB image with a marker in block 0), then every path must reach
# each LUN by number. Runs inside the lab guest:
#
#   tests/lab/run --device kernel-msc --add tests/lab/tap.sh --script tests/lab/linux/multi_lun.sh
#
# Prints "ok N - ..." / "not ok N - ..." and "1..N"; exits 1 if a check failed.

OUT=/tmp/multi_lun.out
. /add/tap.sh

# luns DESC URI: f_mass_storage has no REPORT LUNS, so 05/20/00 (exit 5) is
# the device's own answer; the Get Max LUN line comes first either way.
luns() {
	usbmsc -d "$2" luns > "$OUT" 2>&1
	got=$?
	if [ $got = 0 ] || { [ $got = 5 ] && grep -q "05/20/00" "$OUT"; }; then
		pass "$1 (exit $got)"
	else
		fail "$1 (exit $got)"
	fi
}

g=/sys/kernel/config/usb_gadget/labmsc1
if [ -z "$LAB_SG" ] || [ ! -d "$g" ]; then
	echo "Bail out! run with --device kernel-msc"
	exit 1
fi
iface=$(readlink -f "/sys/class/scsi_generic/${LAB_SG##*/}/device")
iface=${iface%/host*}

# The function takes new LUNs only while unbound and out of its configuration.
udc=$(cat "$g/UDC")
echo "" > "$g/UDC"
rm "$g/configs/c.1/mass_storage.0"
dd if=/dev/zero of=/tmp/lun1.img bs=1M count=0 seek=8 2> /dev/null
printf 'LUN1MARK' | dd of=/tmp/lun1.img conv=notrunc 2> /dev/null
mkdir "$g/functions/mass_storage.0/lun.1" &&
	echo /tmp/lun1.img > "$g/functions/mass_storage.0/lun.1/file" ||
	{ echo "Bail out! cannot add a LUN to the gadget"; exit 1; }
ln -s "$g/functions/mass_storage.0" "$g/configs/c.1/"
echo "$udc" > "$g/UDC"

# node KIND LUN: the sg or block node of that LUN, once the kernel has it.
node() {
	for d in "$iface"/host*/target*/*:*:*:"$2"/"$1"/*; do
		[ -e "$d" ] && [ -e "/dev/${d##*/}" ] && echo "/dev/${d##*/}" && return 0
	done
	return 1
}
i=0
while ! { node scsi_generic 0 && node scsi_generic 1 && node block 1; } > /dev/null; do
	i=$((i + 1))
	[ $i -lt 200 ] || { echo "Bail out! the second LUN did not appear"; exit 1; }
	usleep 100000
done
sg0=$(node scsi_generic 0)
sg1=$(node scsi_generic 1)
blk1=$(node block 1)

# ---- SG_IO: LUN n > 0 goes to that LUN's node, through any node of the target
luns "sgio: luns through LUN 0's node" "$sg0"
said "sgio: ... max LUN 1" "max LUN.*: 1"
check_rc "sgio: --lun 1 through LUN 0's node" 0 usbmsc -v -d "$sg0" --lun 1 capacity
said "sgio: ... reaches the 8 MiB LUN" "16384 blocks x 512 bytes"
said "sgio: ... and says which node it used" "LUN 1 is $sg1"
check_rc "sgio: --lun 1 read 0 1" 0 usbmsc -d "$sg0" --lun 1 read 0 1 -o /tmp/l1.bin
if [ "$(head -c 8 /tmp/l1.bin)" = "LUN1MARK" ]; then pass "sgio: ... is LUN 1's block 0"; else fail "sgio: ... is LUN 1's block 0"; fi
check_rc "sgio: LUN 0 through LUN 0's node" 0 usbmsc -d "$sg0" capacity
said "sgio: ... is the 64 MiB LUN" "131072 blocks x 512 bytes"
check_rc "sgio: LUN 1's own node" 0 usbmsc -d "$sg1" capacity
said "sgio: ... is the 8 MiB LUN" "16384 blocks x 512 bytes"
check_rc "sgio: LUN 1's block node" 0 usbmsc -d "$blk1" --lun 1 capacity
said "sgio: ... is the 8 MiB LUN" "16384 blocks x 512 bytes"
check_rc "sgio: a LUN the device does not have" 1 usbmsc -d "$sg0" --lun 2 inquiry
said "sgio: ... says which it has" "the device has LUNs 0..1, not 2"

# ---- discovery
check_rc "list" 0 usbmsc list
said "list: LUN 1 with its nodes" "LUN 1 at .*: .*$sg1"

# ---- raw BOT: the LUN goes into the CBW
luns "usb: luns" "usb:$LAB_USB"
said "usb: ... Get Max LUN says 1" "max LUN (Get Max LUN): 1"
check_rc "usb: --lun 1 read 0 1" 0 usbmsc -d "usb:$LAB_USB" --lun 1 read 0 1 -o /tmp/u1.bin
if [ "$(head -c 8 /tmp/u1.bin)" = "LUN1MARK" ]; then pass "usb: ... is LUN 1's block 0"; else fail "usb: ... is LUN 1's block 0"; fi
check_rc "usb: --lun 1 capacity" 0 usbmsc -d "usb:$LAB_USB" --lun 1 capacity
said "usb: ... is the 8 MiB LUN" "16384 blocks x 512 bytes"
check_rc "usb: a LUN the device does not have" 1 usbmsc -d "usb:$LAB_USB" --lun 2 capacity
said "usb: ... says which it has" "the device has LUNs 0..1, not 2"

echo "1..$n"
[ $failed = 0 ]
