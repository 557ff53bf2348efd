# Shared functions of the side-door scenarios, sourced in the lab guest
# (busybox sh) from /add/doorslib.sh, on top of the gadget suite's
# /add/lib.sh (pass, fail, check, check_out, check_eq, summary, usb_dev,
# lun_nodes, wait_for, kernel_healthy) and the firmware suite's
# /add/fwlib.sh (pack, active, sums). The lab started usbmsc-gadget with
# its default identity as device 1; LAB_USB is its vid:pid:serial.

. /add/fwlib.sh

VP=${LAB_USB%:*}                # vid:pid
V=usbv:$LAB_USB                 # the vendor interface
DEV=$(usb_dev)
PORT=${DEV##*/}

# as_user CMD...: run as the unprivileged user (output in $OUT via check).
as_user() { su user -c "$*"; }

# door NAME yes|no TEXT: the line usbmsc list prints for a door.
door() { printf '    %-12s %-4s %s' "$1" "$2" "$3"; }

# usbfs_node: the gadget's node under /dev/bus/usb.
usbfs_node() {
    d=$(usb_dev) || return 1
    printf '/dev/bus/usb/%03d/%03d\n' "$(cat "$d/busnum")" "$(cat "$d/devnum")"
}

# grant_user: what data/udev/70-usbmsc.rules does for a device with a
# vendor interface (ENV{ID_USB_INTERFACES} has ":ff4d56:"): the logged-in
# user gets the usb_device's node. The lab has no udev: chown it.
has_vendor_interface() {
    for i in "$1"/*:*.*; do
        [ -f "$i/bInterfaceClass" ] || continue
        [ "$(cat "$i/bInterfaceClass") $(cat "$i/bInterfaceSubClass") $(cat "$i/bInterfaceProtocol")" = "ff 4d 56" ] &&
            return 0
    done
    return 1
}
grant_user() {
    d=$(usb_dev) && has_vendor_interface "$d" && chown user "$(usbfs_node)"
}

# mnt_sums: md5 sums of the test files on /mnt.
mnt_sums() { sums /mnt a.bin b.txt; }
files_untouched() {
    echo 3 > /proc/sys/vm/drop_caches
    mnt_sums > /tmp/after
    if cmp -s /tmp/before /tmp/after; then pass "the files on /mnt are untouched (page cache dropped)"
    else diff /tmp/before /tmp/after > "$OUT"; fail "the files on /mnt are untouched"; fi
}
interface0_driver() { basename "$(readlink "$(usb_dev)/$PORT:1.0/driver")"; }
