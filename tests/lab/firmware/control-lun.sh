# --control-lun: an extra last LUN of type processor (3), which the host
# shows as an sg node without a block node, carries the firmware update
# while the disk LUN stays mounted (--fw-reboot stay: no disconnect).
# lab-args: --mount
# gadget-args: --lun /tmp/disk.img,size=64M --fw-state /tmp/fw.flash --control-lun
#   --fw-reboot stay -v
. /add/fwlib.sh

check "LUN 1 has an sg node" wait_for sg_of_lun 1
CTL=$(sg_of_lun 1)
d=$(usb_dev)
check_eq "LUN 1's SCSI type is 3 (processor)" "3" "$(cat "$d"/*/host*/target*/*:1/type)"
check "LUN 1 has no block node" sh -c "! ls -d $d/*/host*/target*/*:1/block 2>/dev/null"
check "/sys/class/scsi_generic lists it" test -e "/sys/class/scsi_generic/${CTL#/dev/}"
if command -v lsscsi > /dev/null; then
    check_out "lsscsi: LUN 1 is of type process" ":1\][[:space:]]*process" lsscsi
fi
check_out "INQUIRY: a processor" "processor" sg_inq "$CTL"
check_out "its first TEST UNIT READY reports the power-on (06/29/00)" "Power on" sg_turs "$CTL"
check "then TEST UNIT READY is good (no medium needed)" sg_turs "$CTL"
sg_raw -r 512 "$CTL" 28 00 00 00 00 00 00 00 01 00 > "$OUT" 2>&1
said "READ(10) fails: invalid command operation code (05/20/00)" "Invalid command operation code"

head -c 500000 /dev/urandom > /mnt/a.bin
echo "control LUN" > /mnt/b.txt
sync
sums /mnt a.bin b.txt > /tmp/before
check "pack an image with LAB_FW_SECRET" pack 0200 2 /tmp/v2.img 1024
old=$(devnum)
check "usbmsc fw update -d $CTL (the control LUN) completes" \
    usbmsc -v fw update -d "$CTL" /tmp/v2.img
check_eq "fw info through the control LUN: 0200 active" "0200 (number 2)" "$(active "$CTL")"
check_eq "the disk LUN's INQUIRY revision is 0200" "0200" "$(revision "$LAB_SG")"
check_eq "no re-enumeration" "$old" "$(devnum)"
check_out "the disk LUN is still mounted" "$LAB_PART /mnt " cat /proc/mounts
echo 3 > /proc/sys/vm/drop_caches
sums /mnt a.bin b.txt > /tmp/after
if cmp -s /tmp/before /tmp/after; then pass "the files are untouched (md5, page cache dropped)"
else diff /tmp/before /tmp/after > "$OUT"; fail "the files are untouched (md5, page cache dropped)"; fi
check "the file system is still writable" sh -c 'echo more > /mnt/d.txt && sync && grep -q more /mnt/d.txt'
check "no kernel trouble" kernel_healthy
summary
