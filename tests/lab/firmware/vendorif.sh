# With --vendor-interface the update can go through the vendor interface
# (usbv:, libusb beside usb-storage): the reboot stops and restarts both
# interfaces' target cores, and the new version answers on both.
# gadget-args: --lun /tmp/disk.img,size=64M --fw-state /tmp/fw.flash --vendor-interface -v
. /add/fwlib.sh

USBV=usbv:$FW_VID:$FW_PID:$FW_SERIAL
check "pack an image with LAB_FW_SECRET" pack 0200 2 /tmp/v2.img 600
old=$(devnum)
check "usbmsc fw update -d $USBV completes" usbmsc -v fw update -d "$USBV" /tmp/v2.img
said "it found the device again after the reboot" "the device is back"
check "the host enumerated the device again" wait_for reenumerated "$old"
check_eq "fw info through the vendor interface: 0200, confirmed" "0200 (number 2)" \
    "$(active "$USBV")"
check_eq "and through usb-storage's sg node" "0200 (number 2)" "$(active "$SG")"
check_eq "INQUIRY's revision on the mass-storage interface" "0200" "$(revision "$SG")"
check "no kernel trouble" kernel_healthy
summary
