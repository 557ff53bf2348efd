# Shared functions of the desktop suite's cases, sourced in the desktop
# guest (dash, systemd, udev, udisks2, polkit, fwupd, Chromium, node) from
# /add/desktoplib.sh, on top of the doors suite's /add/doorslib.sh (V, VP,
# usbfs_node, door, mnt_sums), the firmware suite's /add/fwlib.sh (pack,
# active, devnum, reenumerated, sums), the gadget suite's /add/lib.sh
# (check, said, summary, usb_dev, lun_nodes, sg_of_lun, wait_for,
# stop_gadget, start_gadget) and /add/tap.sh. The suite runs the cases one
# after the other in one boot, with the gadget that run-all.sh started
# (GARGS): a case finds the device as it is now (refresh) and leaves it
# running, with the firmware at a version at least as new as it found.

. /add/doorslib.sh

GARGS=$LAB_GADGET_ARGS

# as_user COMMAND [ARG...]: run COMMAND as the user logged in at the seat,
# inside that session (the seat agent; /lab/desktop/seat-run).
as_user() { /lab/desktop/seat-run "$@"; }

# refresh: the gadget's current nodes after whatever earlier cases did
# (re-enumerations, restarts): SG BLK CTL (the control LUN's sg node) NODE
# (its usbfs node).
refresh() {
    udevadm settle
    wait_for lun_nodes 0 || return 1
    SG=$NODE_SG BLK=$NODE_BLK
    CTL=$(sg_of_lun 1) || CTL=
    NODE=$(usbfs_node)
}

# number: the running firmware's version number (FW STATE, as root).
number() { usbmsc fw info -d "$SG" 2>/dev/null | sed -n 's/^active: *[^ ]* (number \([0-9]*\)).*/\1/p'; }

# pack_next IMAGE: an image one version number above the running one
# ("0N00", number N), signed with LAB_FW_SECRET; sets NEXT to the number.
pack_next() {
    NEXT=$(( $(number) + 1 ))
    pack "$(printf '%02d00' "$NEXT")" "$NEXT" "$1" 256
}

# user_acl NODE: the user has an ACL entry on NODE (what udev's uaccess
# gives the seat's user); no_user_acl NODE: not.
user_acl() { getfacl -cp "$1" 2>/dev/null | grep -q '^user:user:rw'; }
no_user_acl() { ! user_acl "$1"; }

# restart_gadget: stop the gadget and start it again with the suite's
# arguments (the host enumerates it afresh: new usbfs node, new uevents).
restart_gadget() {
    # shellcheck disable=SC2086 # GARGS are words
    stop_gadget && eval "start_gadget $GARGS" && refresh
}
