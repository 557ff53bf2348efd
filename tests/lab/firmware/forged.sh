# Forged images: one signed with another key, one whose payload was changed
# after signing. The host refuses the first before sending anything, the
# second as it sends it, before the chunk that would complete it (exit 15,
# through SG_IO and through the vendor interface); sent anyway
# (--no-host-checks), the device refuses them (05/26/00, exit 5). The old
# version stays active, nothing is pending, and there is no reboot.
# gadget-args: --lun /tmp/disk.img,size=64M --fw-state /tmp/fw.flash --vendor-interface -v
# needs: --vendor-interface
. /add/fwlib.sh

USBV=usbv:$FW_VID:$FW_PID:$FW_SERIAL

check "a key pair that is not the device's" usbmsc fw keygen /tmp/other.sec /tmp/other.pub
check "pack an image with the other key" pack 0200 2 /tmp/other.img 300 /tmp/other.sec
check "pack a good image, then change a payload byte" pack 0200 2 /tmp/changed.img 300
printf 'X' | dd of=/tmp/changed.img bs=1 seek=5000 conv=notrunc 2>/dev/null
# two chunks through the vendor interface (1 MiB each), three through SG_IO
check "pack a larger good image, then change a payload byte" pack 0200 2 /tmp/changed2.img 1536
printf 'X' | dd of=/tmp/changed2.img bs=1 seek=5000 conv=notrunc 2>/dev/null
old=$(devnum)

check_rc "host: the other key's image is refused" 15 \
    usbmsc fw update -d "$SG" /tmp/other.img
said "host: ... because of its signature" "signature"
check_rc "device: the other key's image is refused" 5 \
    usbmsc fw update -d "$SG" --no-host-checks /tmp/other.img
said "device: ... with 05/26/00" "05/26/00"
check_out "fw info: the last error is 05/26/00" "last error: .*05/26/00" usbmsc fw info -d "$SG"

check_rc "host: the changed image is refused" 15 \
    usbmsc fw update -d "$SG" /tmp/changed.img
said "host: ... by its SHA-256, before the last chunk" "was not sent, so nothing was activated"
check_eq "host: ... and nothing waits for activation" "none" "$(flags "$SG")"
check_rc "host, vendor interface: the changed image is refused" 15 \
    usbmsc fw update -d "$USBV" /tmp/changed2.img
said "host, vendor interface: ... before the last chunk" "was not sent, so nothing was activated"
check_eq "host, vendor interface: ... and nothing waits for activation" "none" "$(flags "$USBV")"
check_rc "device: the changed image is refused" 5 \
    usbmsc fw update -d "$SG" --no-host-checks /tmp/changed.img
said "device: ... with 05/26/00" "05/26/00"

check_eq "the old version is still active" "0100 (number 1)" "$(active "$SG")"
check_eq "INQUIRY's revision is still 0100" "0100" "$(revision "$SG")"
check_eq "no reboot happened" "$old" "$(devnum)"
check "no kernel trouble" kernel_healthy
summary
