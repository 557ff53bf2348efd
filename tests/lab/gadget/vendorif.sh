# --vendor-interface: a composite device. usb-storage keeps interface 0 and
# the disk works as before; interface 1 (class ff/4d/56) has no driver;
# the Microsoft OS 1.0 answers that make Windows bind WinUSB to interface 1
# are right; the vendor interface's own core answers on ep0 and on its
# bulk pair. msos_probe (tests/lab/probe) sends the control requests and
# claims only interface 1, which has no driver: nothing is detached.
# gadget-args: --lun /lab/v.img,size=32M --lun /lab/w.img,size=16M --vendor-interface
#   --name labvnd
# lab-add: tests/lab/probe/msos_probe
. /add/lib.sh
d=$(usb_dev)
vp=${LAB_USB%:*}
probe=/add/msos_probe
if0=$(ls -d "$d"/*:1.0) if1=$(ls -d "$d"/*:1.1)

check_eq "one configuration with two interfaces" 2 "$(tr -d ' ' < "$d/bNumInterfaces")"
check_eq "usb-storage drives interface 0" usb-storage "$(basename "$(readlink "$if0/driver")")"
check_eq "interface 0 is mass storage" "08 06 50" \
    "$(cat "$if0/bInterfaceClass") $(cat "$if0/bInterfaceSubClass") $(cat "$if0/bInterfaceProtocol")"
check_eq "interface 1 is ff/4d/56" "ff 4d 56" \
    "$(cat "$if1/bInterfaceClass") $(cat "$if1/bInterfaceSubClass") $(cat "$if1/bInterfaceProtocol")"
check "interface 1 has no driver" test ! -e "$if1/driver"
check_eq "interface 1 has a bulk pair" 02 "$(cat "$if1/bNumEndpoints")"
check_eq "interface 1's string" "usbmsc vendor interface" "$(cat "$if1/interface")"
check "configfs: Microsoft OS descriptors on" \
    grep -qE '^(1|Y)$' /sys/kernel/config/usb_gadget/labvnd/os_desc/use
check "configfs: the configuration is linked into os_desc" \
    test -L /sys/kernel/config/usb_gadget/labvnd/os_desc/c.1

# the disk, as without the option
check_out "sg_inq through usb-storage" "usbmsc" sg_inq "$SG"
dd if=/dev/urandom of=/tmp/data bs=64k count=64 2>/dev/null
check "dd write 4 MiB" dd if=/tmp/data of="$BLK" bs=64k oflag=direct
check "dd read 4 MiB" dd if="$BLK" of=/tmp/back bs=64k count=64 iflag=direct
check "... the same data" cmp /tmp/data /tmp/back
check_eq "... in the LUN file" "$(md5sum < /tmp/data)" "$(head -c 4194304 /lab/v.img | md5sum)"

if [ -x "$probe" ]; then
    check_out "string descriptor 0xEE: MSFT100, vendor code 0x20" "ok: os-string" \
        "$probe" "$vp" os-string
    check_out "extended compat ID: interface 1 is WINUSB" "ok: compat" "$probe" "$vp" compat
    check_out "extended properties: DeviceInterfaceGUID" "ok: props" "$probe" "$vp" props
    check_out "vendor-type Get Max LUN on interface 1: 1" "ok: maxlun" "$probe" "$vp" maxlun=1
    check_out "INQUIRY in the vendor framing on interface 1" "ok: inquiry" \
        "$probe" "$vp" inquiry
else
    : > "$OUT"; fail "msos_probe was not built (libusb-1.0 development files missing)"
fi
check "interface 1 still has no driver" test ! -e "$if1/driver"
check_eq "usb-storage still drives interface 0" usb-storage \
    "$(basename "$(readlink "$if0/driver")")"
check "the disk still answers" sg_turs "$SG"
check "SIGTERM stops it" stop_gadget TERM
check "... and it removed its configfs gadget, os_desc link included" \
    test ! -e /sys/kernel/config/usb_gadget/labvnd
check "the kernel stayed healthy" kernel_healthy
summary
