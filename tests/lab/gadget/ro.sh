# A read-only LUN: WRITE(10) fails with DATA PROTECT 07/27/00, MODE SENSE
# says WP, and the kernel mounts its file system read-only.
# gadget-args: --lun /lab/r.img,size=16M
. /add/lib.sh
check "stop the first gadget" stop_gadget TERM
rm -f /tmp/fat.img
check "make a FAT image" mkfs.vfat -C -n ROFS /tmp/fat.img 16384
cp /tmp/fat.img /tmp/fat.orig
check "restart with the image as a read-only LUN" start_gadget --lun /tmp/fat.img,ro
check_out "sg_modes: write protected" "WP=1" sg_modes "$SG"
check_eq "the kernel marks the disk read-only" 1 "$(cat /sys/block/${BLK#/dev/}/ro)"
dd if=/dev/zero of=/tmp/block bs=512 count=1 2>/dev/null
sg_raw -s 512 -i /tmp/block "$SG" 2a 00 00 00 00 00 00 00 01 00 > /tmp/sg_raw.out 2>&1
check_out "WRITE(10): sense key DATA PROTECT" "Sense key: Data Protect" cat /tmp/sg_raw.out
check_out "WRITE(10): write protected (27/00)" "Additional sense: Write protected" cat /tmp/sg_raw.out
check "READ(10) still works" sg_raw -r 512 "$SG" 28 00 00 00 00 00 00 00 01 00
mount -t vfat "$BLK" /mnt > /tmp/mount.out 2>&1
check_out "the kernel mounts it read-only" "/mnt vfat ro" cat /proc/mounts
check "writing a file there fails" sh -c '! touch /mnt/new'
umount /mnt 2>/dev/null
check "the image is unchanged" cmp /tmp/fat.orig /tmp/fat.img
check "the kernel stayed healthy" kernel_healthy
summary
