# Two LUNs: two disks.
# gadget-args: --lun /lab/a.img,size=32M --lun /lab/b.img,size=16M,removable
. /add/lib.sh
check "LUN 0: block and sg nodes" lun_nodes 0
b0=$NODE_BLK s0=$NODE_SG
wait_for lun_nodes 1
check "LUN 1: block and sg nodes" lun_nodes 1
b1=$NODE_BLK s1=$NODE_SG
check "two different disks" test "$b0" != "$b1"
check_eq "LUN 0 is 32 MiB" 65536 "$(cat /sys/block/${b0#/dev/}/size)"
check_eq "LUN 1 is 16 MiB" 32768 "$(cat /sys/block/${b1#/dev/}/size)"
check_eq "LUN 1 is removable" 1 "$(cat /sys/block/${b1#/dev/}/removable)"
check_out "sg_luns lists LUN 1" "0001000000000000" sg_luns "$s0"
printf 'zero' | dd of="$b0" bs=512 conv=sync oflag=direct 2>/dev/null
printf 'one' | dd of="$b1" bs=512 conv=sync oflag=direct 2>/dev/null
check_eq "LUN 0's file got LUN 0's write" zero "$(head -c 4 /lab/a.img)"
check_eq "LUN 1's file got LUN 1's write" one "$(head -c 3 /lab/b.img)"
check "the kernel stayed healthy" kernel_healthy
summary
