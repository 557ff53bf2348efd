# Shared functions of the firmware scenarios, sourced in the lab guest
# (busybox sh) from /add/fwlib.sh, on top of the gadget suite's /add/lib.sh
# (pass, fail, check, check_out, check_eq, summary, usb_dev, lun_nodes,
# wait_for, stop_gadget, start_gadget). The lab started usbmsc-gadget with
# --fw-state as device 1; LAB_FW_SECRET signs images its default key takes.

. /add/lib.sh

# The gadget's defaults: the identity images must fit.
FW_VID=1209 FW_PID=0001 FW_SERIAL=USBMSC000001
FW_USB=usb:$FW_VID:$FW_PID:$FW_SERIAL

# pack VERSION NUMBER IMAGE [KIB [KEY]]: an image of a random payload of KIB
# KiB (default 512), signed with KEY (default LAB_FW_SECRET), made for the
# gadget.
pack() {
    head -c $((${4:-512} * 1024)) /dev/urandom > /tmp/payload.bin
    usbmsc fw pack --key "${5:-$LAB_FW_SECRET}" --version "$1" --version-number "$2" \
        --vid $FW_VID --pid $FW_PID --vendor usbmsc --product "Gadget Disk" \
        -o "$3" /tmp/payload.bin > /dev/null
}

# revision NODE: INQUIRY's product revision.
revision() { sg_inq "$1" 2>/dev/null | sed -n 's/^ *Product revision level: *//p'; }

# active NODE: the active version as FW STATE reports it ("0200 (number 2)").
active() { usbmsc fw info -d "$1" 2>/dev/null | sed -n 's/^active: *\([^ ]* ([^)]*)\).*/\1/p'; }

# flags NODE: FW STATE's flags line (none, trial, reverted, pending).
flags() { usbmsc fw info -d "$1" 2>/dev/null | sed -n 's/^flags: *//p'; }

# devnum: the USB device number of the gadget (it changes when the host
# enumerates the device again).
devnum() { d=$(usb_dev) && cat "$d/devnum"; }

# reenumerated OLD: the device came back with a new number and LUN 0's
# nodes; sets SG BLK.
reenumerated() {
    num=$(devnum 2>/dev/null) && [ -n "$num" ] && [ "$num" != "$1" ] && lun_nodes 0 &&
        SG=$NODE_SG BLK=$NODE_BLK
}


# sums DIR FILE...: md5 sums of files under DIR, names relative to it.
sums() { dir=$1; shift; (cd "$dir" && md5sum "$@"); }
