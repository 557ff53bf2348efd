# The guest's own kernel mounts the door volume (vfat); `cp image.uf2
# /door/ && sync` updates the firmware: the device goes away and comes back
# running the new version (fw info: confirmed), STATUS.TXT says so, and
# the files on the disk LUN are untouched.
# gadget-args: --lun /tmp/disk.img,size=16M --fw-state /tmp/fw.flash --fw-slot 1m --file-door -v
# lab-args: --mount
# needs: --file-door
. /add/doorlib.sh

check "files on the disk LUN (mounted at /mnt)" disk_fill
check "the door volume mounts" wait_for door_mount /door
check_eq "STATUS.TXT waits" "Waiting for a UF2 file." "$(status /door)"
check "pack an image" pack 0200 2 /tmp/v2.img 300
check "wrap it in UF2" usbmsc fw uf2 /tmp/v2.img -o /tmp/v2.uf2
old=$(devnum)
check "cp and sync it to the door" sh -c 'cp /tmp/v2.uf2 /door/ && sync'
check "the device went away and came back" wait_for reenumerated "$old"
umount -l /door 2>/dev/null
check_eq "INQUIRY's revision is the new version" "0200" "$(revision "$SG")"
check_eq "fw info: 0200 is active" "0200 (number 2)" "$(active "$SG")"
check_eq "fw info: confirmed (no trial)" "none" "$(flags "$SG")"
check "the door mounts again" wait_for door_mount /door
check_eq "STATUS.TXT: updated" "Updated from 0100 to 0200." "$(status /door)"
check "the disk's files are untouched" disk_intact
umount /door
check "no kernel trouble" kernel_healthy
summary
