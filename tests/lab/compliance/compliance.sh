#!/bin/sh
# usbmsc compliance over raw Bulk-Only Transport (usb:) against lab device 1,
# from inside the lab guest, as root:
#
#   tests/lab/run --device kernel-msc --add tests/lab/tap.sh \
#       --script tests/lab/compliance/compliance.sh
#
# Before the run the last 4 MiB of the device get random data through its
# block node; after it the kernel driver must be back and those 4 MiB the
# same (the suite's scratch area is the last 256 blocks). Prints the JSON
# document between "--- compliance json ---" and "--- end ---", then
# "ok N - ..." / "not ok N - ..." per check and "1..N"; exits 1 if one of
# these failed (the verdicts are judged by run-all.sh on the host).

OUT=/tmp/compliance.out
. /add/tap.sh

if [ -z "$LAB_USB" ] || [ -z "$LAB_BLOCK" ]; then
	echo "Bail out! run with --device kernel-msc, qemu-msc or gadget"
	exit 1
fi
# The USB interface behind the block node; its disk may get a new name
# when usb-storage binds again after the run.
iface=$(readlink -f "/sys/class/block/${LAB_BLOCK##*/}/device")
iface=${iface%/host*}
disk_now() {
	for b in "$iface"/host*/target*/*:*/block/*; do
		[ -e "$b" ] && echo "${b##*/}" && return 0
	done
	return 1
}
wait_rebound() {
	i=0
	while [ $i -lt 150 ]; do
		d=$(disk_now) && [ -b "/dev/$d" ] && [ -e "$iface/driver" ] && return 0
		usleep 100000
		i=$((i + 1))
	done
	return 1
}
tail_sum() {
	sectors=$(cat "/sys/class/block/$1/size")
	dd if="/dev/$1" bs=512 skip=$((sectors - 8192)) count=8192 2> /dev/null | md5sum
}

disk=${LAB_BLOCK##*/}
sectors=$(cat "/sys/class/block/$disk/size")
dd if=/dev/urandom of="$LAB_BLOCK" bs=512 seek=$((sectors - 8192)) count=8192 conv=fsync \
	2> /dev/null
sum_before=$(tail_sum "$disk")

usbmsc --json -d "usb:$LAB_USB" compliance > /tmp/compliance.json 2> "$OUT"
rc=$?
echo "--- compliance json ---"
cat /tmp/compliance.json
echo "--- end ---"
if [ $rc = 0 ] || [ $rc = 99 ]; then
	pass "usbmsc compliance ran to its end (exit $rc)"
else
	fail "usbmsc compliance ran to its end (exit $rc, expected 0 or 99)"
fi

: > "$OUT"
if wait_rebound; then
	pass "the kernel driver is back on the interface (/dev/$(disk_now))"
	if [ "$(tail_sum "$(disk_now)")" = "$sum_before" ]; then
		pass "the last 4 MiB are as before the run (scratch area restored)"
	else
		fail "the last 4 MiB are as before the run (scratch area restored)"
	fi
else
	fail "the kernel driver is back on the interface"
fi

echo "1..$n"
[ $failed = 0 ]
