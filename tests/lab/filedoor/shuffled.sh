# The UF2 blocks written to the door's raw block device, not mounted: each
# 512-byte block by dd (O_DIRECT) to a sector of its own in the data area,
# in a shuffled order (awk's srand(14)), one in ten written twice. The
# device takes them in any order and updates.
# gadget-args: --lun /tmp/disk.img,size=16M --fw-state /tmp/fw.flash --fw-slot 1m --file-door -v
# needs: --file-door
. /add/doorlib.sh

BASE=20000  # a sector of the data area (it starts at 291)
check "pack an image" pack 0200 2 /tmp/v2.img 64
check "wrap it in UF2" usbmsc fw uf2 /tmp/v2.img -o /tmp/v2.uf2
n=$(($(wc -c < /tmp/v2.uf2) / 512))
awk -v n=$n 'BEGIN {
    srand(14)
    for (i = 0; i < n; i++) o[i] = i
    for (i = n - 1; i > 0; i--) { j = int(rand() * (i + 1)); t = o[i]; o[i] = o[j]; o[j] = t }
    for (i = 0; i < n; i++) { print o[i]; if (i % 10 == 0) print o[int(rand() * n)] }
}' > /tmp/order
check_eq "the order has every block, some twice" "$n" "$(sort -un /tmp/order | wc -l)"
check "the order is not the file's" test "$(head -n 5 /tmp/order | tr '\n' ' ')" != "0 1 2 3 4 "
check "the door's block device" lun_nodes 1
DOOR=$NODE_BLK
old=$(devnum)
written=0
while read -r i; do
    dd if=/tmp/v2.uf2 of="$DOOR" bs=512 skip="$i" seek=$((BASE + i)) count=1 oflag=direct \
        conv=notrunc 2>/dev/null || break
    written=$((written + 1))
done < /tmp/order
check_eq "every write went through" "$(wc -l < /tmp/order)" "$written"
check "the device went away and came back" wait_for reenumerated "$old"
check_eq "INQUIRY's revision is the new version" "0200" "$(revision "$SG")"
check_eq "fw info: 0200 is active" "0200 (number 2)" "$(active "$SG")"
check "no kernel trouble" kernel_healthy
summary
