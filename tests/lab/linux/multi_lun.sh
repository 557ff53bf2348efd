#!/bin/sh
# Two LUNs through SG_IO and raw BOT: the kernel gadget gets a second LUN
# (an 8 MiB image with a marker in block 0), then every path must reach
# each LUN by number. Runs inside the lab guest:
#
#   tests/lab/run --device kernel-msc --script tests/lab/linux/multi_lun.sh
#
# Prints "ok N - ..." / "not ok N - ..." and "1..N"; exits 1 if a check failed.

n=0
failed=0
out=/tmp/multi_lun.out

pass() { n=$((n + 1)); echo "ok $n - $1"; }
fail() {
	n=$((n + 1)); failed=$((failed + 1))
	echo "not ok $n - $1"
	sed 's/^/#   /' "$out" | tail -n 15
}
run() {
	want=$1 desc=$2
	shift 2
	"$@" > "$out" 2>&1
	got=$?
	if [ "$got" = "$want" ]; then pass "$desc"; else fail "$desc (exit $got, expected $want)"; fi
}
has() {
	if grep -q -- "$2" "$out"; then pass "$1"; else fail "$1 (no '$2' in the output)"; fi
}
# luns DESC URI: f_mass_storage has no REPORT LUNS, so 05/20/00 (exit 5) is
# the device's own answer; the Get Max LUN line comes first either way.
luns() {
	usbmsc -d "$2" luns > "$out" 2>&1
	got=$?
	if [ $got = 0 ] || { [ $got = 5 ] && grep -q "05/20/00" "$out"; }; then
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
has "sgio: ... max LUN 1" "max LUN.*: 1"
run 0 "sgio: --lun 1 through LUN 0's node" usbmsc -v -d "$sg0" --lun 1 capacity
has "sgio: ... reaches the 8 MiB LUN" "16384 blocks x 512 bytes"
has "sgio: ... and says which node it used" "LUN 1 is $sg1"
run 0 "sgio: --lun 1 read 0 1" usbmsc -d "$sg0" --lun 1 read 0 1 -o /tmp/l1.bin
if [ "$(head -c 8 /tmp/l1.bin)" = "LUN1MARK" ]; then pass "sgio: ... is LUN 1's block 0"; else fail "sgio: ... is LUN 1's block 0"; fi
run 0 "sgio: LUN 0 through LUN 0's node" usbmsc -d "$sg0" capacity
has "sgio: ... is the 64 MiB LUN" "131072 blocks x 512 bytes"
run 0 "sgio: LUN 1's own node" usbmsc -d "$sg1" capacity
has "sgio: ... is the 8 MiB LUN" "16384 blocks x 512 bytes"
run 0 "sgio: LUN 1's block node" usbmsc -d "$blk1" --lun 1 capacity
has "sgio: ... is the 8 MiB LUN" "16384 blocks x 512 bytes"
run 20 "sgio: a LUN the kernel does not have" usbmsc -d "$sg0" --lun 2 inquiry
has "sgio: ... is named" "LUN 2"

# ---- discovery
run 0 "list" usbmsc list
has "list: LUN 1 with its nodes" "LUN 1 at .*: .*$sg1"

# ---- raw BOT: the LUN goes into the CBW
luns "usb: luns" "usb:$LAB_USB"
has "usb: ... Get Max LUN says 1" "max LUN (Get Max LUN): 1"
run 0 "usb: --lun 1 read 0 1" usbmsc -d "usb:$LAB_USB" --lun 1 read 0 1 -o /tmp/u1.bin
if [ "$(head -c 8 /tmp/u1.bin)" = "LUN1MARK" ]; then pass "usb: ... is LUN 1's block 0"; else fail "usb: ... is LUN 1's block 0"; fi
run 0 "usb: --lun 1 capacity" usbmsc -d "usb:$LAB_USB" --lun 1 capacity
has "usb: ... is the 8 MiB LUN" "16384 blocks x 512 bytes"

echo "1..$n"
[ $failed = 0 ]
