# `usbmsc fw update -d vol:/door` as the unprivileged user `user`: the door
# volume mounted with uid=1000 so that the user may write it, the sg nodes
# made root's only (a desktop without usbmsc's udev rule): `list` shows
# the file door with its mount point and auto: takes it (-v says so); a
# forged image sent unchecked is refused by the device, read from
# STATUS.TXT past the page cache (the device does not restart); the real
# update is written, and a loop in the guest mounts the volume again after
# the re-enumeration, as an automounter does (udisks on a desktop): usbmsc
# reports the new version.
# gadget-args: --lun /tmp/disk.img,size=16M --fw-state /tmp/fw.flash --fw-slot 1m --file-door -v
# needs: --file-door
. /add/doorlib.sh

as_user() { su user -c "$*"; }
OPTS="-o uid=1000,gid=1000"

# remount OLD: once the device came back, the volume mounted again at
# /door, as an automounter does.
remount() {
    wait_for reenumerated "$1" && umount -l /door 2>/dev/null
    wait_for door_mount /door $OPTS
}

check "the door volume mounts for user" wait_for door_mount /door $OPTS
check "the sg nodes are root's only" chmod 0600 /dev/sg*
public_key /tmp/pub.key
check "pack an image" pack 0200 2 /tmp/v2.img 200
usbmsc fw keygen /tmp/other.key /tmp/other.pub > /dev/null
check "pack a forged one" pack 0300 3 /tmp/forged.img 64 /tmp/other.key
chmod 0644 /tmp/*.img /tmp/pub.key
check_out "list (as user) shows the file door" "file *yes *vol:/door" as_user usbmsc list
check_out "... and its mount" "is mounted at /door (vfat): the file door" as_user usbmsc list
check_out "fw info -d vol:/door as user" "^active: *0100 (number 1)" as_user usbmsc -d vol:/door fw info
as_user usbmsc -v -d auto:$FW_VID:$FW_PID:$FW_SERIAL fw info > /tmp/auto.out 2>&1
check_out "auto: takes the file door, and -v says so" "using its file door, vol:/door" cat /tmp/auto.out
check_out "auto: then tells what the door's files say" "^active: *0100" cat /tmp/auto.out
as_user usbmsc -d auto:$FW_VID:$FW_PID:$FW_SERIAL inquiry > /tmp/inq.out 2>&1
check_eq "auto: runs no SCSI command through the file door (exit 1)" 1 "$?"

as_user usbmsc -d vol:/door fw update /tmp/forged.img --no-host-checks --wait 20 > /tmp/forged.out 2>&1
check_eq "a forged image: the device refuses, exit 15" 15 "$?"
check_out "with the device's reason" "the device refused /tmp/forged.img: bad signature" cat /tmp/forged.out
check_eq "the old version runs" "0100" "$(revision "$SG")"

old=$(devnum)
remount "$old" &
remounter=$!
as_user usbmsc --json -d vol:/door fw update /tmp/v2.img --key /tmp/pub.key --wait 60 > /tmp/update.out 2>/tmp/update.err
check_eq "fw update -d vol:/door as user (exit 0)" 0 "$?"
wait $remounter
check_out "the done event: updated" '"event":"done","ok":true,"result":"updated"' cat /tmp/update.out
check_out "... from 0100 to 0200" '"before":{"version":"0100".*"active":{"version":"0200","version_number":2' cat /tmp/update.out
check_out "progress events" '"event":"progress","bytes":' cat /tmp/update.out
check "the device came back" lun_nodes 0
SG=$NODE_SG
check_eq "INQUIRY's revision is the new version" "0200" "$(revision "$SG")"
check_out "fw info -d vol:/door: 0200" "^active: *0200 (number 2)" as_user usbmsc -d vol:/door fw info
check "no kernel trouble" kernel_healthy
summary
