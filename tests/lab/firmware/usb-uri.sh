# An update of the unmounted disk through raw BOT (libusb): usbmsc detaches
# usb-storage, updates, finds the device again by VID:PID:SERIAL after its
# reboot, and gives the kernel driver back.
# gadget-args: --lun /tmp/disk.img,size=64M --fw-state /tmp/fw.flash -v
. /add/fwlib.sh

check "pack an image with LAB_FW_SECRET" pack 0200 2 /tmp/v2.img 1024
old=$(devnum)
check "usbmsc fw update -d $FW_USB completes" usbmsc -v fw update -d "$FW_USB" /tmp/v2.img
said "it found the device again after the reboot" "the device is back"
check "the device is back with its disk (block and sg node)" wait_for reenumerated "$old"
d=$(usb_dev)
drv=$(readlink "$d/$(basename "$d"):1.0/driver" 2>/dev/null)
check_eq "usb-storage is bound to it again" "usb-storage" "${drv##*/}"
check_eq "INQUIRY's revision is the new version" "0200" "$(revision "$SG")"
check_eq "fw info through the raw BOT path" "0200 (number 2)" "$(active "$FW_USB")"
wait_for lun_nodes 0
check_eq "and usb-storage is back after that too" "usb-storage" \
    "$(basename "$(readlink "$d/$(basename "$d"):1.0/driver")")"
check "no kernel trouble" kernel_healthy
summary
