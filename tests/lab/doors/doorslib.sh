# Shared functions of the side-door scenarios, sourced in the lab guest
# (busybox sh) from /add/doorslib.sh, on top of the gadget suite's
# /add/lib.sh (pass, fail, check, check_out, check_eq, summary, usb_dev,
# lun_nodes, wait_for, kernel_healthy). The lab started usbmsc-gadget as
# device 1; LAB_USB is its vid:pid:serial.

. /add/lib.sh

VP=${LAB_USB%:*}                # vid:pid
V=usbv:$LAB_USB                 # the vendor interface
DEV=$(usb_dev)
PORT=${DEV##*/}

# as_user CMD...: run as the unprivileged user (output in $OUT via check).
as_user() { su user -c "$*"; }

# check_rc DESC WANT CMD...: CMD exits WANT (output in $OUT).
check_rc() {
    desc=$1 want=$2; shift 2
    "$@" > "$OUT" 2>&1
    got=$?
    if [ "$got" = "$want" ]; then pass "$desc (exit $want)"; else fail "$desc (exit $got, want $want)"; fi
}


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


# pack VERSION NUMBER IMAGE KIB: an image of a random payload of KIB KiB for
# the gadget's defaults, signed with LAB_FW_SECRET (the demo key, which
# the gadget's engine trusts by default).
pack() {
    head -c $(($4 * 1024)) /dev/urandom > /tmp/payload.bin
    usbmsc fw pack --key "$LAB_FW_SECRET" --version "$1" --version-number "$2" \
        --vid "${VP%:*}" --pid "${VP#*:}" --vendor usbmsc --product "Gadget Disk" \
        -o "$3" /tmp/payload.bin > /dev/null
}

# active URI: the active version FW STATE reports ("0200 (number 2)").
active() { usbmsc fw info -d "$1" 2>/dev/null | sed -n 's/^active: *\([^ ]* ([^)]*)\).*/\1/p'; }

# sums: md5 sums of the test files on /mnt.
sums() { (cd /mnt && md5sum a.bin b.txt); }
files_untouched() {
    echo 3 > /proc/sys/vm/drop_caches
    sums > /tmp/after
    if cmp -s /tmp/before /tmp/after; then pass "the files on /mnt are untouched (page cache dropped)"
    else diff /tmp/before /tmp/after > "$OUT"; fail "the files on /mnt are untouched"; fi
}
interface0_driver() { basename "$(readlink "$(usb_dev)/$PORT:1.0/driver")"; }
