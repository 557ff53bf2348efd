# The gadget killed in the middle of a copy onto the door: the copy stops,
# the gadget starts again (the same flash) running the old firmware with
# nothing received (what the door had is in RAM), and a new copy completes
# the update.
# gadget-args: --lun /tmp/disk.img,size=16M --fw-state /tmp/fw.flash --fw-slot 2m --file-door -v
# needs: --file-door
. /add/doorlib.sh

GARGS="--lun /tmp/disk.img,size=16M --fw-state /tmp/fw.flash --fw-slot 2m --file-door -v"
check "the door volume mounts" wait_for door_mount /door
check "pack an image of 1 MiB" pack 0200 2 /tmp/v2.img 1024
check "wrap it in UF2 (2 MiB)" usbmsc fw uf2 /tmp/v2.img -o /tmp/v2.uf2
# A quarter of the file, in 64 KiB pieces, each flushed: the device has it.
i=0
while [ $i -lt 8 ]; do
    dd if=/tmp/v2.uf2 of=/door/v2.uf2 bs=64k skip=$i seek=$i count=1 conv=notrunc,fsync \
        2>/dev/null || break
    i=$((i + 1))
done
check_eq "8 pieces of 64 KiB copied" 8 "$i"
check_out "the door is receiving (fw info -d vol:, read past the page cache)" \
    "^status: *[A-Za-z]*: 1024 of 4097 blocks" usbmsc -d vol:/door fw info
check "kill -9 the gadget mid-copy" kill -9 "$GADGET_PID"
check "the gadget is gone" wait_for gone "$GADGET_PID"
check "the USB device is gone" wait_for no_usb_dev
check "the rest of the copy fails" sh -c '! dd if=/tmp/v2.uf2 of=/door/v2.uf2 bs=64k skip=8 seek=8 conv=notrunc,fsync 2>/dev/null'
umount -l /door 2>/dev/null
check "the gadget starts again" start_gadget $GARGS
check_eq "the old version runs" "0100" "$(revision "$SG")"
check "the door mounts again" wait_for door_mount /door
check_eq "STATUS.TXT: nothing received since the restart" "Waiting for a UF2 file." "$(status /door)"
old=$(devnum)
check "a new copy: cp and sync" sh -c 'cp /tmp/v2.uf2 /door/ && sync'
check "the device went away and came back" wait_for reenumerated "$old"
umount -l /door 2>/dev/null
check_eq "INQUIRY's revision is the new version" "0200" "$(revision "$SG")"
check_eq "fw info: 0200 is active" "0200 (number 2)" "$(active "$SG")"
check "no kernel trouble" kernel_healthy
summary
