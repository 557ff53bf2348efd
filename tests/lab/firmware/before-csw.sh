# A device that reboots before the activating command's CSW (--fw-reboot
# before-csw: the gadget unbinds without sending it, as many real devices
# do): the host takes the lost CSW as the reboot on every door, usb-storage's
# sg node (SG_IO), raw BOT (usb:) and the vendor interface (usbv:). Each
# update completes, confirmed, with no timing involved.
# gadget-args: --lun /tmp/disk.img,size=64M --fw-state /tmp/fw.flash --vendor-interface
#   --fw-reboot before-csw -v
# needs: --vendor-interface before-csw
. /add/fwlib.sh

USBV=usbv:$FW_VID:$FW_PID:$FW_SERIAL
v=1    # the version number (the TAP helpers count tests in n)
for door in sg usb usbv; do
    v=$((v + 1))
    case $door in sg) dev=$SG ;; usb) dev=$FW_USB ;; usbv) dev=$USBV ;; esac
    check "pack version 0${v}00" pack "0${v}00" $v /tmp/v$v.img 600
    old=$(devnum)
    check "$door: usbmsc fw update -d $dev completes" usbmsc -v fw update -d "$dev" /tmp/v$v.img
    said "$door: ... the lost CSW is taken as the reboot" "went away during the activating command"
    said "$door: ... the device is found again" "the device is back"
    check "$door: the host enumerated the device again" wait_for reenumerated "$old"
    check_eq "$door: fw info: 0${v}00 active" "0${v}00 (number $v)" "$(active "$SG")"
    check_eq "$door: ... confirmed (no trial)" "none" "$(flags "$SG")"
done
check_eq "the gadget rebooted three times, each before the CSW" 3 \
    "$(grep -c 'rebooting before the CSW' "$GADGET_LOG")"
check "no kernel trouble" kernel_healthy
summary
