# fwupd (fwupdtool, without the daemon) through its scsi plugin, the route
# "scsi" of `usbmsc fw cab` (docs/FWUPD.md): with the quirk that meson
# install put in fwupd's directory and nothing set up by hand,
# `fwupdtool get-devices` lists the gadget's disk by the cabinet's GUID,
# with its running version N and updatable; `fwupdtool install` of a
# cabinet of N+1 sends it with WRITE BUFFER mode 0x0E (it waits on the
# device), the device activates it at its next power-on (the gadget
# restarted), and N+1 shows in `fwupdtool get-devices` and `usbmsc fw
# info`. fwupd never sends FW CONFIRM: N+1 runs on trial until usbmsc
# confirms it. A cabinet of N (a downgrade now) is refused by fwupdtool and
# leaves the device alone (once fwupd's history no longer waits for a
# reboot of the host, which it expects after every scsi update).
# Debian 12's fwupd (2.0.20 on libusb 1.0.26) sees no udev device in any
# command that watches hotplug (install, and the daemon): its udev backend
# cannot bind its netlink socket (tests/fwupd/nousb_preload.c). Checked
# here as it is, then worked around for install with that preload, which
# makes fwupd drop its usb backend.
# lab-add: tests/fwupd/fwupd_nousb.so
. /add/desktoplib.sh

QUIRK=/var/lib/fwupd/quirks.d/usbmsc.quirk
FWT="fwupdtool --plugins scsi --no-reboot-check"
# devices FILE: fwupdtool get-devices --json into FILE.
devices() { $FWT get-devices --json < /dev/null > "$1" 2> /tmp/fwupd.err; }
# fwupd's version of the device with GUID $GUID in FILE (its JSON).
fwupd_version() {
    awk -v g="$GUID" '/^ *{ *$/ { v = ""; hit = 0 }
        $0 ~ g { hit = 1 }
        /"Version" *:/ { v = $0; sub(/.*"Version" *: *"/, "", v); sub(/".*/, "", v) }
        /^ *} *,? *$/ && hit && v != "" { print v; exit }' "$1"
}
# pack4k VERSION NUMBER IMAGE: an image of whole 4 KiB units (fwupd's scsi
# plugin sends whole chunks only): a 256-byte header and 512 KiB - 256.
pack4k() {
    head -c $((512 * 1024 - 256)) /dev/urandom > /tmp/p.bin
    usbmsc fw pack --key "$LAB_FW_SECRET" --version "$1" --version-number "$2" \
        --vid "$FW_VID" --pid "$FW_PID" --vendor usbmsc --product "Gadget Disk" -o "$3" /tmp/p.bin > /dev/null &&
        [ $(($(stat -c %s "$3") % 4096)) = 0 ]
}

check "meson install put the quirk in fwupd's directory" test -f $QUIRK
check "the gadget's nodes" refresh
cur=$(number)
check "the device reports its running version number" test -n "$cur"
NEXT=$((cur + 1))
check "pack $(ver $NEXT) (whole 4 KiB units)" pack4k "$(ver $NEXT)" $NEXT /tmp/up.umfw
check "pack $(ver "$cur") again (a downgrade once $(ver $NEXT) runs)" pack4k "$(ver "$cur")" "$cur" /tmp/down.umfw
check "usbmsc fw cab $(ver $NEXT)" usbmsc fw cab /tmp/up.umfw -o /tmp/up.cab
GUID=$(usbmsc --json fw cab /tmp/up.umfw -o /tmp/up.cab | sed -n 's/.*"guid": *"\([^"]*\)".*/\1/p')
check "the cabinet names a GUID" test -n "$GUID"
check "usbmsc fw cab $(ver "$cur")" usbmsc fw cab /tmp/down.umfw -o /tmp/down.cab

# ---- what fwupd sees
check "fwupdtool get-devices" devices /tmp/dev1.json
check "it lists the gadget's disk by the cabinet's GUID" grep -q "$GUID" /tmp/dev1.json
check_eq "with the running version" "$(ver "$cur")" "$(fwupd_version /tmp/dev1.json)"
check "updatable (the quirk)" grep -q '"updatable"' /tmp/dev1.json

# ---- the update
$FWT install /tmp/up.cab < /dev/null > /tmp/install.out 2>&1
rc=$?
if [ $rc != 0 ] && grep -q "No detected devices" /tmp/install.out; then
    pass "Debian 12's fwupdtool install sees no udev device (its netlink bind fails; exit $rc)"
else
    fail "Debian 12's fwupdtool install sees no udev device (exit $rc: fixed? drop the preload)"
fi
check_out "... and leaves the device alone" "^pending: *none" usbmsc fw info -d "$SG"
check "the preload that drops fwupd's usb backend is here" test -f /add/fwupd_nousb.so
LD_PRELOAD=/add/fwupd_nousb.so $FWT install /tmp/up.cab < /dev/null > /tmp/install.out 2>&1
rc=$?
sed 's/^/# /' /tmp/install.out | tail -n 15
check_eq "fwupdtool install $(ver $NEXT) (fwupd finds the device by the GUID)" 0 $rc
check_out "the image waits on the device (WRITE BUFFER mode 0x0E)" "^pending: *$(ver $NEXT)" \
    usbmsc fw info -d "$SG"
check_eq "$(ver "$cur") still runs until the power-on" "$(ver "$cur") (number $cur)" "$(active "$SG")"
check "the device's next power-on (the gadget restarted)" restart_gadget
check_eq "usbmsc fw info: $(ver $NEXT) runs" "$(ver $NEXT) (number $NEXT)" "$(active "$SG")"
check_eq "on trial: fwupd does not confirm" "trial" "$(flags "$SG")"
check "fwupdtool get-devices again" devices /tmp/dev2.json
check_eq "fwupdtool shows $(ver $NEXT)" "$(ver $NEXT)" "$(fwupd_version /tmp/dev2.json)"
check "usbmsc fw confirm" usbmsc fw confirm -d "$SG"
check_eq "confirmed" "none" "$(flags "$SG")"

# ---- a downgrade
# fwupd takes "needs a reboot" for the host's: until the boot time changes
# it refuses every other update of the device. Clearing its history
# settles what a reboot would.
LD_PRELOAD=/add/fwupd_nousb.so $FWT install /tmp/down.cab < /dev/null > /tmp/down.out 2>&1
rc=$?
check "before a reboot of the host fwupdtool refuses any cabinet (exit $rc)" [ $rc != 0 ]
check_out "... the device does not allow updates (fwupd waits for the reboot)" \
    "does not currently allow updates" cat /tmp/down.out
check "fwupdtool clear-history (in place of a reboot of the host)" fwupdtool clear-history

LD_PRELOAD=/add/fwupd_nousb.so $FWT install /tmp/down.cab < /dev/null > /tmp/down.out 2>&1
rc=$?
sed 's/^/# /' /tmp/down.out | tail -n 5
check "fwupdtool refuses the cabinet of $(ver "$cur") (exit $rc)" [ $rc != 0 ]
check_out "... as older than the version installed" "older than installed '$(ver "$cur") < $(ver $NEXT)'" cat /tmp/down.out
check_out "nothing waits on the device" "^pending: *none" usbmsc fw info -d "$SG"
check_eq "$(ver $NEXT) still runs, confirmed" "$(ver $NEXT) (number $NEXT)/none" "$(active "$SG")/$(flags "$SG")"
check "no kernel trouble" kernel_healthy
summary
