# A LUN with 4096-byte blocks.
# gadget-args: --lun /lab/k.img,size=64M,bs=4096
. /add/lib.sh
check_out "sg_readcap: 4096-byte blocks" "Logical block length=4096 bytes" sg_readcap -l "$SG"
check_out "sg_readcap: 16384 blocks" "Number of logical blocks=16384" sg_readcap -l "$SG"
check_eq "the kernel sees 4096-byte sectors" 4096 "$(cat /sys/block/${BLK#/dev/}/queue/logical_block_size)"
dd if=/dev/urandom of=/tmp/data bs=1M count=8 2>/dev/null
check "dd write 8 MiB" dd if=/tmp/data of="$BLK" bs=1M seek=3 oflag=direct
check "dd read it back" dd if="$BLK" of=/tmp/back bs=1M skip=3 count=8 iflag=direct
check "same data" cmp /tmp/data /tmp/back
dd if=/lab/k.img of=/tmp/infile bs=1M skip=3 count=8 2>/dev/null
check "the data is at 3 MiB in the file" cmp /tmp/data /tmp/infile
check_eq "the kernel reads whole 4096-byte blocks" 4096 "$(cat /sys/block/${BLK#/dev/}/queue/physical_block_size)"
check "the kernel stayed healthy" kernel_healthy
summary
