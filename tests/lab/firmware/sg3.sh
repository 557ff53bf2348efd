# sg3_utils interop: the image goes down with sg_write_buffer mode 0x0e in
# chunks (--offset, --length, --in= with --skip) and is activated with mode
# 0x0f; the device reboots and runs it on trial. Not confirmed, it reverts
# at the next start of the gadget (the engine's rule); sent again and
# confirmed with FW CONFIRM (sg_raw), it stays across a restart.
# gadget-args: --lun /tmp/disk.img,size=64M --fw-state /tmp/fw.flash -v
. /add/fwlib.sh

GARGS="--lun /tmp/disk.img,size=64M --fw-state /tmp/fw.flash -v"
CHUNK=65536

# download IMAGE: mode 0x0e chunk by chunk, then 0x0f; waits for the reboot.
download() {
    size=$(wc -c < "$1") off=0
    while [ $off -lt $size ]; do
        len=$((size - off)); [ $len -gt $CHUNK ] && len=$CHUNK
        sg_write_buffer --mode=0x0e --offset=$off --length=$len --skip=$off --in="$1" "$SG" ||
            return 1
        off=$((off + len))
    done
    old=$(devnum)
    sg_write_buffer --mode=0x0f "$SG" || return 1
    wait_for reenumerated "$old"
}

check "pack an image with LAB_FW_SECRET" pack 0200 2 /tmp/v2.img 700
check "sg_write_buffer 0x0e in 64 KiB chunks, 0x0f; the device comes back" download /tmp/v2.img
check_eq "INQUIRY's revision is the new version" "0200" "$(revision "$SG")"
check_eq "fw info: the new version is active" "0200 (number 2)" "$(active "$SG")"
check_out "fw info: on trial" "^flags: *trial" usbmsc fw info -d "$SG"

check "stop the gadget without confirming" stop_gadget
check "the gadget starts again" start_gadget $GARGS
check_eq "the unconfirmed image reverted: 0100 runs" "0100" "$(revision "$SG")"
check_out "fw info: reverted" "^flags: *reverted" usbmsc fw info -d "$SG"

check "the same image again, through sg_write_buffer" download /tmp/v2.img
check_eq "0200 runs" "0200" "$(revision "$SG")"
check "FW CONFIRM (sg_raw d1)" sg_raw "$SG" d1 00 00 00 00 00
check_eq "fw info: confirmed (no trial)" "none" "$(flags "$SG")"
check_out "fw info: the floor rose to 2" "anti-rollback floor: *2" usbmsc fw info -d "$SG"
check "stop the gadget" stop_gadget
check "the gadget starts again" start_gadget $GARGS
check_eq "the confirmed image stays across a restart" "0200" "$(revision "$SG")"
check "no kernel trouble" kernel_healthy
summary
