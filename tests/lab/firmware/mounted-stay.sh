# --fw-reboot stay: the new image runs at once and the device stays
# connected, so a mounted file system survives the update: same block
# device, files untouched (read again after dropping the page cache), still
# writable; the host only sees unit attention 06/3F/01 (new microcode).
# lab-args: --mount
# gadget-args: --lun /tmp/disk.img,size=64M --fw-state /tmp/fw.flash --fw-reboot stay -v
. /add/fwlib.sh

head -c 700000 /dev/urandom > /mnt/a.bin
echo "firmware update" > /mnt/b.txt
sync
sums /mnt a.bin b.txt > /tmp/before

check "pack an image with LAB_FW_SECRET" pack 0200 2 /tmp/v2.img 2048
old=$(devnum)
check "usbmsc fw update -d $LAB_SG completes" usbmsc -v fw update -d "$LAB_SG" /tmp/v2.img
check_eq "no re-enumeration" "$old" "$(devnum)"
check_eq "fw info: the new version is active" "0200 (number 2)" "$(active "$LAB_SG")"
check_eq "INQUIRY's revision is the new version" "0200" "$(revision "$LAB_SG")"
check_out "the mount is still there" "$LAB_PART /mnt " cat /proc/mounts
echo 3 > /proc/sys/vm/drop_caches
sums /mnt a.bin b.txt > /tmp/after
if cmp -s /tmp/before /tmp/after; then pass "the files are untouched (md5, page cache dropped)"
else diff /tmp/before /tmp/after > "$OUT"; fail "the files are untouched (md5, page cache dropped)"; fi
check "the file system is still writable" sh -c 'echo more > /mnt/d.txt && sync && grep -q more /mnt/d.txt'
check "no USB disconnect" sh -c '! dmesg | grep -q "USB disconnect"'
check "no kernel trouble" kernel_healthy
summary
