# An update while the gadget's file system is mounted, through the disk
# LUN's sg node, with the default reboot (the device disconnects and comes
# back): the update completes, the new version runs and reports itself, and
# the files are untouched. A host cannot keep a mount across its disk's
# disconnection: the disk comes back as a new block device, where the files
# are checked.
# lab-args: --mount
# gadget-args: --lun /tmp/disk.img,size=64M --fw-state /tmp/fw.flash -v
. /add/fwlib.sh

mkdir /mnt/dir
head -c 700000 /dev/urandom > /mnt/a.bin
echo "firmware update" > /mnt/b.txt
head -c 123457 /dev/urandom > /mnt/dir/c.bin
sync
sums /mnt a.bin b.txt dir/c.bin > /tmp/before

check_eq "the factory image runs" "0100" "$(revision "$SG")"
check "pack an image with LAB_FW_SECRET" pack 0200 2 /tmp/v2.img 2048
old=$(devnum)
check "usbmsc fw update -d $LAB_SG completes" usbmsc -v fw update -d "$LAB_SG" /tmp/v2.img
said "it found the device again after the reboot" "the device is back"
check "the host enumerated the device again" wait_for reenumerated "$old"
check_eq "fw info: the new version is active" "0200 (number 2)" "$(active "$SG")"
check_eq "fw info: confirmed (no trial)" "none" "$(flags "$SG")"
check_eq "INQUIRY's revision is the new version" "0200" "$(revision "$SG")"
grep -q "firmware: booted 0200 from slot B" "$GADGET_LOG" &&
    pass "the gadget logged its reboot" || fail "the gadget logged its reboot"

# The disk came back as $BLK: its partition holds the same files.
mkdir -p /mnt2
check "the re-enumerated disk's partition mounts" wait_for mount -t vfat -o ro "${BLK}1" /mnt2
sums /mnt2 a.bin b.txt dir/c.bin > /tmp/after
if cmp -s /tmp/before /tmp/after; then pass "the files are untouched (md5)"
else diff /tmp/before /tmp/after > "$OUT"; fail "the files are untouched (md5)"; fi
umount /mnt2
check "no kernel trouble" kernel_healthy
summary
