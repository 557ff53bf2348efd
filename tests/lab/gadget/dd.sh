# 32 MiB through the block node with O_DIRECT, both ways.
# gadget-args: --lun /lab/d.img,size=64M
. /add/lib.sh
dd if=/dev/urandom of=/tmp/data bs=1M count=32 2>/dev/null
want=$(md5sum < /tmp/data)
check "dd write 32 MiB, oflag=direct" dd if=/tmp/data of="$BLK" bs=1M oflag=direct
check "dd read 32 MiB, iflag=direct" dd if="$BLK" of=/tmp/back bs=1M count=32 iflag=direct
check_eq "what was read is what was written" "$want" "$(md5sum < /tmp/back)"
check "dd read at an odd offset and size" dd if="$BLK" of=/tmp/part bs=4k skip=1001 count=77 iflag=direct
dd if=/tmp/data of=/tmp/want bs=4k skip=1001 count=77 2>/dev/null
check "... matches" cmp /tmp/part /tmp/want
check_eq "the LUN file holds the data" "$want" "$(head -c 33554432 /lab/d.img | md5sum)"
check "the kernel stayed healthy" kernel_healthy
summary
