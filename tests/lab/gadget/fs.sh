# A FAT file system through the kernel: partition, format, mount, write
# 16 MiB, unmount, mount again, same checksum.
# gadget-args: --lun /lab/f.img,size=64M
. /add/lib.sh
check "sfdisk: one partition" sh -c "echo 'start=2048, type=c' | sfdisk -q $BLK"
part=${BLK}1
wait_for test -b "$part"
check "the partition appears" test -b "$part"
check "mkfs.vfat" mkfs.vfat -n GADGET "$part"
check "mount" mount -t vfat "$part" /mnt
dd if=/dev/urandom of=/tmp/data bs=1M count=16 2>/dev/null
want=$(md5sum < /tmp/data)
check "write 16 MiB" cp /tmp/data /mnt/data
check "umount" umount /mnt
echo 3 > /proc/sys/vm/drop_caches
check "mount again" mount -t vfat -o ro "$part" /mnt
check_eq "same checksum after remount" "$want" "$(md5sum < /mnt/data)"
check "umount again" umount /mnt
check "fsck.vfat finds nothing to fix" fsck.vfat -n "$part"
check "the kernel stayed healthy" kernel_healthy
summary
