# fwupd in the desktop guest, through its scsi plugin (route scsi of
# `usbmsc fw cab`, docs/FWUPD.md): with the project's quirk installed and
# nothing else set up by hand, `fwupdtool get-devices` lists the gadget's
# disk with its running version and GUID; `fwupdtool install` of a cabinet
# sends the image with WRITE BUFFER mode 0x0E, the device activates it at
# its next power-on (a restart of the gadget), and the new version shows in
# `fwupdtool get-devices` and `usbmsc fw info`; a downgrade cabinet is
# refused by fwupd and leaves the device alone.
#
# Needs in the guest: /add/lib.sh and /add/fwlib.sh (tests/lab/gadget,
# tests/lab/firmware), fwupd (fwupdtool), usbmsc, and the quirk
# (data/fwupd/usbmsc.quirk) installed by meson install, else at
# $LAB_FWUPD_QUIRK.
# gadget-args: --lun /tmp/disk.img,size=64M --fw-state /tmp/fw.flash -v
. /add/fwlib.sh

GADGET_ARGS="--lun /tmp/disk.img,size=64M --fw-state /tmp/fw.flash -v"
QUIRKS=/var/lib/fwupd/quirks.d
if [ ! -f $QUIRKS/usbmsc.quirk ] && [ -n "${LAB_FWUPD_QUIRK:-}" ]; then
    mkdir -p $QUIRKS && cp "$LAB_FWUPD_QUIRK" $QUIRKS/usbmsc.quirk
fi
check "the quirk is installed" test -f $QUIRKS/usbmsc.quirk

# fwupd's scsi plugin takes images of whole 4 KiB units: 512 KiB here.
pack4k() {
    head -c $((512 * 1024 - 256)) /dev/urandom > /tmp/p.bin
    usbmsc fw pack --key "$LAB_FW_SECRET" --version "$1" --version-number "$2" \
        --vid $FW_VID --pid $FW_PID --vendor usbmsc --product "Gadget Disk" -o "$3" /tmp/p.bin > /dev/null
}
if pack4k 0300 3 /tmp/v3.umfw && pack4k 0200 2 /tmp/v2.umfw; then
    pass "pack 0300 and 0200 (whole 4 KiB units)"
else
    fail "pack 0300 and 0200 (whole 4 KiB units)"
fi
check "fw cab 0300" usbmsc fw cab /tmp/v3.umfw -o /tmp/v3.cab
GUID=$(usbmsc --json fw cab /tmp/v3.umfw -o /tmp/v3.cab | sed -n 's/.*"guid":"\([^"]*\)".*/\1/p')
check "the cabinet names a GUID" test -n "$GUID"

# fwupdtool's view: the scsi plugin only (no daemon, no network).
FWT="fwupdtool --plugins scsi --no-reboot-check"
devices() { $FWT get-devices --json 2> /tmp/fwupd.err; }
devices > /tmp/dev1.json
check "fwupdtool get-devices lists the gadget's disk by its GUID" grep -q "$GUID" /tmp/dev1.json
check "with the running version 0100" grep -q '"Version" *: *"0100"' /tmp/dev1.json
check "and updatable (the quirk)" grep -q '"updatable"' /tmp/dev1.json

check "fwupdtool install 0300 (fwupd finds the device by the GUID)" $FWT install /tmp/v3.cab
check_out "the image waits on the device (mode 0x0E)" "^pending: *0300" usbmsc fw info -d "$SG"

# The device's next power-on activates it: the gadget restarts.
check "the gadget stops" stop_gadget
check "and starts again (power-on)" start_gadget $GADGET_ARGS
check_eq "usbmsc fw info: 0300 runs" "0300 (number 3)" "$(active "$SG")"
devices > /tmp/dev2.json
check "fwupdtool get-devices shows 0300" grep -q '"Version" *: *"0300"' /tmp/dev2.json
# fwupd does not know FW CONFIRM: the image runs on trial until something
# confirms it (here usbmsc, with the same image: confirmation only).
check "usbmsc confirms it" usbmsc fw update -d "$SG" /tmp/v3.umfw
check_eq "confirmed" "none" "$(flags "$SG")"

check "fw cab 0200" usbmsc fw cab /tmp/v2.umfw -o /tmp/v2.cab
if $FWT install /tmp/v2.cab > /tmp/down.out 2>&1; then
    fail "fwupdtool refuses the downgrade cabinet" "$(cat /tmp/down.out)"
else
    pass "fwupdtool refuses the downgrade cabinet"
fi
check_out "nothing waits on the device" "^pending: *none" usbmsc fw info -d "$SG"
check_eq "0300 still runs" "0300 (number 3)" "$(active "$SG")"
check "no kernel trouble" kernel_healthy
summary
