# The file door through the guest's own USB stack and vfat driver: the
# gadget's LUN 1 is a FAT volume fsck finds clean, with the four files; a
# UF2 file of `usbmsc fw uf2` copied to it with cp and sync updates the
# firmware: the device disconnects and comes back running the new version,
# confirmed, and STATUS.TXT says so. A forged file before it changes
# nothing and says why.
# gadget-args: --lun /tmp/disk.img,size=16M --fw-state /tmp/fw.flash --fw-slot 1m --file-door -v
# needs: --file-door
. /add/fwlib.sh

# door_mount DIR: LUN 1's partition mounted at DIR, read afresh from the
# device (the kernel may keep a block device's pages past an umount); sets
# DOOR.
door_mount() {
    lun_nodes 1 && DOOR=$NODE_BLK && [ -b "${DOOR}1" ] && mkdir -p "$1" &&
        sync && echo 3 > /proc/sys/vm/drop_caches && mount -t vfat "${DOOR}1" "$1"
}

check_eq "the factory image runs" "0100" "$(revision "$SG")"
# fsck before the mount: mounting sets the FAT's dirty bit in the kernel's
# cache (the door drops the write).
check "LUN 1, the door, has a partition" wait_for lun_nodes 1
check "fsck.vfat -n finds it clean" fsck.vfat -n "${NODE_BLK}1"
check "it mounts (vfat)" door_mount /door
check "INFO_UF2.TXT has Model: and Board-ID:" sh -c 'grep -q "^Model: " /door/INFO_UF2.TXT &&
    grep -q "^Board-ID: " /door/INFO_UF2.TXT && grep -qx "Firmware: 0100" /door/INFO_UF2.TXT'
check_eq "STATUS.TXT waits" "Waiting for a UF2 file." "$(sed 's/ *$//' /door/STATUS.TXT)"
check "CURRENT.UF2 is the running image" sh -c 'usbmsc fw inspect /door/CURRENT.UF2 |
    grep -q "version: *0100"'

# A file signed with another key: refused, nothing changes.
usbmsc fw keygen /tmp/other.key /tmp/other.pub > /dev/null
check "pack a forged image" pack 0300 3 /tmp/forged.img 64 /tmp/other.key
check "wrap it" usbmsc fw uf2 /tmp/forged.img -o /tmp/forged.uf2
check "cp and sync it to the door" sh -c 'cp /tmp/forged.uf2 /door/ && sync'
umount /door
check "the door mounts again" door_mount /door
check_eq "STATUS.TXT: refused, bad signature" "Refused: bad signature" "$(sed 's/ *$//' /door/STATUS.TXT)"
check_eq "the old version runs" "0100" "$(revision "$SG")"

# The real update.
check "pack an image" pack 0200 2 /tmp/v2.img 300
check "wrap it in UF2" usbmsc fw uf2 /tmp/v2.img -o /tmp/v2.uf2
old=$(devnum)
check "cp and sync it to the door" sh -c 'cp /tmp/v2.uf2 /door/ && sync'
check "the device went away and came back" wait_for reenumerated "$old"
umount -l /door 2>/dev/null
check_eq "INQUIRY's revision is the new version" "0200" "$(revision "$SG")"
check "the door mounts again" wait_for door_mount /door
check_eq "STATUS.TXT: updated" "Updated from 0100 to 0200." "$(sed 's/ *$//' /door/STATUS.TXT)"
check "INFO_UF2.TXT names the new version" grep -qx "Firmware: 0200" /door/INFO_UF2.TXT
check "CURRENT.UF2 is the new image" sh -c 'usbmsc fw inspect /door/CURRENT.UF2 |
    grep -q "version: *0200"'
check_eq "fw info: confirmed (no trial)" "none" "$(flags "$SG")"
grep -q "the new image talks USB: confirmed" "$GADGET_LOG" &&
    pass "the gadget confirmed the image it booted" ||
    fail "the gadget confirmed the image it booted"
umount /door
check "no kernel trouble" kernel_healthy
summary
