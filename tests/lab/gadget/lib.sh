# Shared functions of the gadget scenarios, sourced in the lab guest (busybox sh)
# from /add/lib.sh. The lab started usbmsc-gadget as device 1 with the
# scenario's --gadget-args; LAB_SG, LAB_BLOCK and LAB_GADGET_PID_1 name it.
# Each scenario prints "ok N - ..." / "not ok N - ..." and ends with
# summary, which prints "N passed, M failed" and sets the exit status.

. /add/tap.sh

GADGET_PID=$LAB_GADGET_PID_1
GADGET_LOG=$LAB_GADGET_LOG_1
SG=$LAB_SG BLK=$LAB_BLOCK

summary() {
    if [ $failed != 0 ] && [ -n "$GADGET_LOG" ] && [ -f "$GADGET_LOG" ]; then
        echo "# usbmsc-gadget log:"; tail -n 15 "$GADGET_LOG" | sed 's/^/#   /'
    fi
    echo "$passed passed, $failed failed"
    [ $failed = 0 ]
    exit $?
}

# The USB device of the gadget (port 1 of dummy_hcd.0's root hub).
usb_dev() {
    for d in /sys/devices/platform/dummy_hcd.0/usb*/[0-9]*-1; do
        [ -f "$d/idVendor" ] && { echo "$d"; return 0; }
    done
    return 1
}
# Block and sg node of LUN $1 (default 0): sets NODE_BLK NODE_SG.
lun_nodes() {
    NODE_BLK= NODE_SG=
    d=$(usb_dev) || return 1
    for b in "$d"/*/host*/target*/*:"${1:-0}"/block/*; do [ -e "$b" ] && NODE_BLK=/dev/${b##*/}; done
    for s in "$d"/*/host*/target*/*:"${1:-0}"/scsi_generic/*; do [ -e "$s" ] && NODE_SG=/dev/${s##*/}; done
    [ -n "$NODE_BLK" ] && [ -b "$NODE_BLK" ] && [ -n "$NODE_SG" ] && [ -c "$NODE_SG" ]
}
# sg_of_lun L: the sg node of LUN L (no block node needed).
sg_of_lun() {
    d=$(usb_dev) || return 1
    for s in "$d"/*/host*/target*/*:"$1"/scsi_generic/*; do
        [ -e "$s" ] && { echo "/dev/${s##*/}"; return 0; }
    done
    return 1
}
# wait_for COMMAND... : up to 30 s
wait_for() {
    i=0
    while ! "$@" 2>/dev/null; do
        i=$((i + 1)); [ $i -lt 600 ] || return 1
        sleep 0.05
    done
}
gone() { ! kill -0 "$1" 2>/dev/null; }
no_usb_dev() { ! usb_dev >/dev/null; }

# stop_gadget [SIGNAL]: stop the running gadget, wait until it and its
# USB device are gone.
stop_gadget() {
    kill -"${1:-TERM}" "$GADGET_PID" 2>/dev/null
    wait_for gone "$GADGET_PID" && wait_for no_usb_dev
}
# start_gadget ARGS...: start usbmsc-gadget on dummy_udc.0 and wait for
# LUN 0's nodes; sets GADGET_PID GADGET_LOG SG BLK.
starts=0
start_gadget() {
    starts=$((starts + 1))
    GADGET_LOG=/tmp/gadget-restart-$starts.log
    usbmsc-gadget --udc dummy_udc.0 "$@" < /dev/null > "$GADGET_LOG" 2>&1 &
    GADGET_PID=$!
    wait_for lun_nodes 0 || return 1
    SG=$NODE_SG BLK=$NODE_BLK
}
# No kernel trouble since boot.
kernel_healthy() {
    ! dmesg | grep -E 'Oops:|BUG:|Call Trace:|WARNING:|general protection fault|Kernel panic'
}
